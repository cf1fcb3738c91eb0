"""The chain generator makes the damage its chains make, and keeps the truth (synth/chains.py)."""

from __future__ import annotations

import functools
import itertools
import unicodedata
from pathlib import Path

import pytest

from taosha.synth import chains
from taosha.synth.chains import Chain, decode, encode, fullwidth_pass, php_cp936

N = 12  # samples per family: enough to meet each branch, fast


@functools.cache
def _base(root: Path) -> chains.Base:
    return chains.load_base(root / "corpora").half(0)


@pytest.fixture
def base(shared):
    return _base(shared)


def test_known_forms():
    assert Chain.parse("utf-8>gbk").apply("你好") == "浣犲ソ"
    assert Chain.parse("gbk>latin-1>utf-8").apply("更多精校小说") == "¸ü¶à¾«Ð£Ð¡Ëµ"  # the MNBVC case
    assert Chain.parse("big5>cp1252>utf-8").apply("中文") == "¤¤¤å"
    assert decode(encode("\ufffd\ufffd", "utf-8"), "gbk") == "锟斤拷"
    assert Chain.parse("utf-8>gbk").apply("你好吗", "?") == "浣犲ソ鍚?"  # a lone last byte: the replacement
    # the seed page's full-width pass, out of step by one ASCII byte: 。總 (A1 A3 | BF 82) -> A1 00 | 3F 82
    assert "要求??偨Y(jié)" in php_cp936(fullwidth_pass(b"x" + encode("要求。總結(jié)範文", "gbk")))


def test_codecs_read_as_windows_and_browsers_do():
    assert decode(b"\xaa\xa1", "gbk") == "\ue000"  # GBK's user-defined area: private use, as code page 936
    assert encode("\ue000", "gbk") == b"\xaa\xa1"
    assert decode(b"\x80", "gbk") == "€" and encode("€", "gbk") == b"\x80"
    assert decode(b"\x81", "cp1252") == "\x81" and encode("\x81", "cp1252") == b"\x81"
    assert decode(b"\xa1(", "gbk", "?") == "?("
    with pytest.raises(ValueError):
        decode(b"\xa1(", "gbk", None)


def test_chain_inverts_only_what_round_trips():
    c = Chain.parse("utf-8>gbk>utf-8>gbk")
    assert c.apply("你好世界") == "娴ｇ姴銈芥稉鏍\ue0a3櫕" and c.invert("娴ｇ姴銈芥稉鏍\ue0a3櫕") == "你好世界"
    assert not Chain.parse("utf-8>gbk").reversible("你好吗", "浣犲ソ鍚?")
    assert Chain.parse("utf-8>gbk").reversible("你好", "浣犲ソ")


def test_deterministic_under_a_seed(base):
    a = chains.generate(base, 3, seed=7)
    assert a == chains.generate(base, 3, seed=7)
    assert a != chains.generate(base, 3, seed=8)
    assert {s.family for s in a} == set(chains.FAMILIES) | set(chains.NEGATIVES)


def _outside_spans_equal(s: chains.Sample) -> bool:
    t = tr = 0
    for sp in s.spans:
        if s.text[t : sp.start] != s.truth[tr : sp.truth_start]:
            return False
        t, tr = sp.end, sp.truth_end
    return s.text[t:] == s.truth[tr:]


@pytest.mark.parametrize("family", list(chains.FAMILIES))
def test_each_family_makes_its_chains_damage(base, family):
    fam = chains.FAMILIES[family]
    samples = chains.positives(family, base, N, seed=3)
    assert len(samples) == N
    for s in samples:
        assert s.text != s.truth and s.spans and _outside_spans_equal(s)
        for sp in s.spans:
            bad, truth = s.text[sp.start : sp.end], s.truth[sp.truth_start : sp.truth_end]
            if isinstance(fam, chains.ChainFamily):
                chain = fam.chain
                assert chain.apply(truth, s.replacement, fam.first_replacement) == bad
                assert sp.reversible == (chain.invert(bad) == truth and fam.first_replacement is None
                                         and s.replacement not in bad)
            else:
                assert not sp.reversible
        if isinstance(fam, chains.ByteFamily):  # one byte of the GBK text deleted, or turned into '?'
            raw = encode(s.truth, "gbk")
            new = b"" if fam.how == "deleted" else b"?"
            assert any(decode(raw[:i] + new + raw[i + 1 :], "gbk", s.replacement) == s.text
                       for i in range(len(raw)) if raw[i] >= 0x80)
        if isinstance(fam, chains.FullwidthFamily):  # each line's GBK bytes walked from its start, read as PHP does
            lines = [php_cp936(fullwidth_pass(encode(line, "gbk"))) for line in s.source.split("\n")]
            assert "\n".join(lines) == s.text
            assert s.truth == chains.fold_fullwidth(s.source)  # width as the in-step walk left it
            assert unicodedata.normalize("NFKC", s.truth) == unicodedata.normalize("NFKC", s.source)
    if isinstance(fam, chains.ChainFamily) and fam.first_replacement is None and (
            family.split(">")[0] in ("gbk", "big5") or family == "utf-8>cp1252"):
        assert any(sp.reversible for s in samples for sp in s.spans)  # reversible spans are made


def test_lost_characters_are_the_only_question_marks_added(base):
    samples = chains.negatives("neg:lost", base, N, seed=3)
    assert len(samples) == N
    for s in samples:
        assert s.text == s.truth and s.lost
        assert len(s.text) == len(s.source)
        for i, (seen, src) in enumerate(zip(s.text, s.source, strict=True)):
            if i in s.lost:
                assert seen == "?"
                with pytest.raises(UnicodeEncodeError):
                    encode(src, s.codec)  # the source lost a character its charset lacks
            else:
                assert seen == src


def test_quoting_and_clean_negatives_are_their_own_truth(base):
    quoted = chains.negatives("neg:quoted", base, N, seed=3)
    assert all(s.text == s.truth and not s.spans for s in quoted)
    assert any("锟斤拷" in s.text or "烫烫烫" in s.text for s in chains.negatives("neg:quoted", base, 60, seed=3))
    clean = chains.negatives("neg:clean", base, N, seed=3)
    assert all(s.text == s.truth for s in clean)
    glyphs = chains.negatives("neg:glyph", base, N, seed=3)
    assert len(glyphs) == N
    for g in glyphs:
        icons = [ch for ch in g.text if "\ue600" <= ch <= "\ue7ff"]
        assert g.text == g.truth and 1 <= len(icons) <= 3 and len(g.text) > len(icons)
    # icon fonts reach past U+E69F, and a unit's or a date's icon stands after a number
    assert any("\ue6a0" <= ch <= "\ue7ff" for g in glyphs for ch in g.text)
    assert any(a.isdigit() and "\ue600" <= b <= "\ue7ff" for g in glyphs for a, b in itertools.pairwise(g.text))


def _mnbvc(shared: Path, name: str) -> bytes:
    import tarfile

    with tarfile.open(shared / "corpora" / "mojibake" / "charset_mnbvc_fixtures.tar.xz") as tar:
        return tar.extractfile(f"charset_mnbvc_fixtures/{name}").read()  # type: ignore[union-attr]


def test_the_chains_reproduce_real_mojibake(shared):
    # MNBVC's real files: a GBK novel read as cp1252 and re-saved as UTF-8 reads back, every line, through the
    # inverse chain (Latin-1 does not: one line holds a byte only cp1252 reads)
    resaved = _mnbvc(shared, "test_sample_gbk_with_cp936_1.txt").decode("utf-8").split("\n")
    back = [Chain.parse("gbk>cp1252>utf-8").invert(line) for line in resaved]
    assert None not in back and back[1].startswith("更多精校小说尽在知轩藏书下载")
    assert None in [Chain.parse("gbk>latin-1>utf-8").invert(line) for line in resaved]
    # ... and the same line in a GBK file that went through UTF-8 with replacement is the 锟斤拷 chain's output
    debris = decode(_mnbvc(shared, "test_sample_gbk_kunjinkao.first32k.txt"), "gbk").split("\r\n")[1]
    assert debris.startswith("锟斤拷锟洁精校小说")
    assert Chain.parse("gbk>utf-8>utf-8>gbk").apply(back[1]).startswith(debris)
