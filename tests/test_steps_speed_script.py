"""Script detection's shortcuts give exactly what the whole computation gives (issue #25): the conversion slips
from the clauses that hold a merged character against the round trip of the whole text."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.zh import script
from taosha.zh.script import CLAUSE_ENDS, LOCAL_OPENCC, MERGED, clauses_local, slips


def _whole(text: str) -> list[str]:
    """`slips` with the whole text's round trip, as it always was computed."""
    clauses_local.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(script, "clauses_local", lambda: False)
            return slips(text)
    finally:
        clauses_local.cache_clear()


def _dictionaries(config: str) -> list[Path]:
    """The .ocd2 files an OpenCC configuration reads (its normalisation and its conversion chain)."""
    import opencc

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    found: list[Path] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                found.append(share / node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((share / f"{config}.json").read_text(encoding="utf-8")))
    return found


def test_clauses_convert_alone_in_the_checked_opencc(tmp_path):
    """For an OpenCC version in LOCAL_OPENCC, the dictionaries of t2s and s2t, read with OpenCC's own tool: no key
    or value holds a clause end (so no match spans one), and every value is as long as its key (so a round trip
    keeps the length); for another version the clauses are not used."""
    import opencc

    from taosha.cache import package_version

    if package_version("opencc") not in LOCAL_OPENCC:
        clauses_local.cache_clear()
        assert not clauses_local()
        return
    assert clauses_local()
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    files = {p for config in ("t2s", "s2t") for p in _dictionaries(config)}
    assert {p.stem for p in files} >= {"TSPhrases", "TSCharacters", "STPhrases", "STCharacters"}
    entries = 0
    for ocd2 in sorted(files):
        out = tmp_path / f"{ocd2.stem}.txt"
        subprocess.run([str(tool), "-i", str(ocd2), "-o", str(out), "-f", "ocd2", "-t", "text"], check=True,
                       capture_output=True)
        for line in out.read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t")
            for value in values.split(" "):
                entries += 1
                assert len(value) == len(key), (ocd2.stem, key, value)
                assert not set(key + value) & set(CLAUSE_ENDS), (ocd2.stem, key, value)
    assert entries > 50_000  # the phrase tables were read, not an empty export


def test_slips_from_clauses_equal_the_whole_round_trip_on_real_text(shared):
    """Every traditional Wikipedia paragraph of the corpus (and the simplified ones), and each also cut at odd
    places: the same slips, in the same order."""
    texts = []
    for name in ("drcd_wiki_zh_hant.jsonl.gz", "cmrc2018_wiki_zh_hans.jsonl.gz"):
        with gzip.open(shared / "corpora" / "wiki" / name, "rb") as fh:
            texts += [orjson.loads(line)["text"] for line in fh]
    held = [t for t in texts if not MERGED.isdisjoint(t)]
    assert len(held) > 1_000
    for text in held:
        assert slips(text) == _whole(text)
        cut = text[len(text) // 3 : -7]
        assert slips(cut) == _whole(cut)


_PIECES = [*MERGED, *CLAUSE_ENDS, "後", "於", "幹部", "規範", "今後", "皇后", "範圍", "分布于", "關係", "聯繫",
           "准許", "幾乎", "計劃", "什麼", "恢復", "復興", "體系", "干涉", "于是", "先后", "以后", "范圍", "系統",
           "，", " ", "\r", "a", "陜", "岛", "\x00", "\ud800", "𠀀", "乾隆", "頭髮", "发", "髮"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40))
@settings(max_examples=400, deadline=None)
def test_slips_from_clauses_equal_the_whole_round_trip(pieces):
    """Merged characters in words OpenCC converts by phrase, next to clause ends, at a text's ends, in empty
    clauses, with NUL and lone surrogates (a surrogate makes OpenCC raise: then both raise)."""
    text = "".join(pieces)
    try:
        want: list[str] | Exception = _whole(text)
    except UnicodeEncodeError as exc:
        want = exc
    if isinstance(want, Exception):
        with pytest.raises(UnicodeEncodeError):
            slips(text)
    else:
        assert slips(text) == want


def test_slips_examples():
    assert sorted(slips("分布于印度，前鰓蓋骨后緣具鋸齒。\n皇后於是離開。于")) == ["于", "于", "后"]
    assert slips("") == [] and slips("。，\n") == []
    assert slips("今後的幹部規範。") == []


@given(st.lists(st.tuples(st.integers(0, 40), st.floats(0, 1)), max_size=30))
@settings(max_examples=300, deadline=None)
def test_per_text_counts_a_sparse_mask_as_the_reduction_does(texts):
    """`per_text`'s count from the positions set (a mask with few set) against `reduceat`, empty texts included."""
    import numpy as np

    from taosha.textarrays import per_text

    rng = np.random.default_rng(len(texts))
    lengths = np.array([n for n, _ in texts], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64) if texts else np.zeros(0, np.int64)
    mask = np.concatenate([rng.random(n) < p for n, p in texts] + [np.zeros(1, dtype=bool)])
    want = np.add.reduceat(mask, starts, dtype=np.int64) if texts else np.zeros(0, dtype=np.int64)
    want[lengths == 0] = 0
    got = per_text(np.add, mask, starts, lengths)
    assert got.dtype == np.int64 and got.tolist() == want.tolist()
