"""dedup.paragraphs through the runner: CCNet-style removal of paragraphs seen in earlier documents."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import taosha
from taosha import PipelineConfig, StepSpec
from taosha.io.writers import iter_records

SHARED = "本站所有文章均来自网络，仅供学习参考，如有侵权请联系删除，谢谢大家的支持。"
OWN = ["这是{}文章自己的内容，讲述了一个村庄在二十年里发生的变化，值得一读再读。",
       "{}的第二段继续写村里的学校、道路和新盖的房子，还有回乡创业的年轻人。"]
PLACES = "江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南".split()  # digits would fold to 0


def corpus(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    records = []
    for k in range(12):
        paras = [p.format(PLACES[k]) for p in OWN]
        if k % 3 == 0:
            paras.append(SHARED)
        if k == 7:
            paras = [SHARED.replace("，", ",")]  # nothing of its own: dropped
        paras.append("一、总体要求")  # short: never compared
        records.append({"id": f"d{k}", "text": "\n".join(paras)})
    for f, chunk in enumerate((records[:6], records[6:])):
        (inp / f"p{f}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in chunk))
    return records


def run(tmp_path, name, workers):
    cfg = PipelineConfig(steps=[StepSpec("dedup.paragraphs", {"min_keep_chars": 10})])
    cfg.runner.workers = workers
    cfg.input.chunk_bytes = 700
    out = tmp_path / name
    taosha.run([str(tmp_path / "in")], out, cfg)
    kept = [r for p in sorted((out / "kept").glob("*.zst")) for r in iter_records(p)]
    dropped = [r for p in sorted((out / "dropped").glob("*.zst")) for r in iter_records(p)]
    return kept, dropped


def test_later_copies_of_a_paragraph_go_and_the_first_stays(tmp_path):
    records = corpus(tmp_path)
    kept, dropped = run(tmp_path, "o1", 1)
    assert (kept, dropped) == run(tmp_path, "o2", 2)
    by_id = {r["id"]: r for r in kept}
    assert SHARED in by_id["d0"]["text"]
    for k in (3, 6, 9):
        doc = by_id[f"d{k}"]
        assert SHARED not in doc["text"] and OWN[0].format(PLACES[k]) in doc["text"] and "一、总体要求" in doc["text"]
        assert doc["signals"]["duplicate_paragraphs"] == 1
        assert taosha.restore_original(doc) == records[k]["text"]
    assert [r["id"] for r in dropped] == ["d7"] and dropped[0]["drop"]["reason"] == "duplicate_paragraphs"
    assert taosha.restore_original(dropped[0]) == records[7]["text"]
    untouched = [r for r in kept if r["id"] not in ("d3", "d6", "d9")]
    assert all(not r["edits"] for r in untouched)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("經济发展，2020年。ab \n\u3000\ud800😀！")), max_size=40),
                max_size=6), st.integers(1, 6))
def test_paragraph_keys_of_a_batch_are_each_lines_key(texts, min_chars):
    # the batch path (one encoding and folding for all texts) against the key of each line on its own
    from taosha.dedup.paragraphs import paragraph_key, paragraph_keys

    assert paragraph_keys(texts, min_chars) == [[paragraph_key(line, min_chars) for line in t.split("\n")]
                                                 for t in texts]


def test_paragraph_table_is_built_once_per_machine_and_mapped_after(tmp_path, monkeypatch):
    from taosha.dedup import paragraphs

    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    built = paragraphs._build_paragraph_table()
    paragraphs._paragraph_table.cache_clear()
    try:
        first = paragraphs._paragraph_table()  # built and saved
        assert any(p.name.startswith("paragraph-fold-") for p in tmp_path.iterdir())
        paragraphs._paragraph_table.cache_clear()
        monkeypatch.setattr(paragraphs, "_build_paragraph_table", lambda: pytest.fail("built again"))
        again = paragraphs._paragraph_table()  # read back from the cache
        assert type(again) is np.ndarray and not again.flags.writeable
        assert np.array_equal(first, built) and np.array_equal(again, built)
        assert again[ord("，")] == 0 and again[ord("7")] == ord("0")  # punctuation out, digits as 0
    finally:
        paragraphs._paragraph_table.cache_clear()
