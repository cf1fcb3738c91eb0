"""The traditional character model's statistics for forms OpenCC writes only inside words (zh.lm)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from taosha.zh import lm
from taosha.zh.script import converter

# traditional forms whose characters alone convert otherwise (志 -> 志, 复 -> 復, 只 -> 只, 为 -> 爲 by OpenCC's
# standard, 為 by Taiwan's): every one frequent in traditional text
WORD_ONLY = "誌複隻製佈週鬆係髮纔為裡麵啟眾"


def test_forms_written_only_inside_words_are_common_in_the_traditional_model():
    trad, simp = lm.for_script("traditional"), lm.for_script("simplified")
    for c in WORD_ONLY:
        assert trad.common[ord(c)] == 1, c
        assert trad.char(c) > -11.0, (c, trad.char(c))  # was -17 (unknown) or -18 (jieba's lone entry 複 2)
        assert c in trad.off_script or c not in simp.logp or simp.char(c) < -11.0, c
    # the words they make bind as words do
    assert trad.bonds["標誌"] >= lm.BOND_MIN and lm.model().bonds.get("標誌", 0.0) == 0.0  # a word, with no bond
    # and the traditional model is the only one given them
    assert all(c not in lm.model().logp or lm.model().logp[c] < lm.model().traditional[c] for c in WORD_ONLY)


def test_the_simplified_model_is_the_character_by_character_build(tmp_path, monkeypatch):
    """Every statistic but the traditional model's own is what the character-by-character build gave (written
    out here as it was): the simplified and neutral models give the same results as before."""
    path, _ = lm._source(8000)
    freq: dict[str, int] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2:
                for c in parts[0]:
                    freq[c] = freq.get(c, 0) + int(parts[1])
    chars = sorted(freq)
    pairs = list(zip(chars, converter("s2t").convert("\n".join(chars)).split("\n"), strict=True))
    for s, t in pairs:
        if len(t) == 1 and t != s:
            freq[t] = max(freq.get(t, 0), freq[s])
    total = sum(freq.values())
    built = lm.build_model(path)
    assert built.logp == {c: math.log(n / total) for c, n in freq.items()}
    top = set(sorted(freq, key=lambda c: -freq[c])[:8000])
    top |= {t for s, t in pairs if len(t) == 1 and s in top}
    han = np.arange(0x4E00, 0xA000)
    assert set(map(chr, han[built.common[han] == 1])) == top
    # the simplified model: the base model's dictionary and common array with the traditional ones turned off
    simp, base = lm.for_script("simplified"), lm.model()
    assert simp.logp is base.logp and simp.bonds is base.bonds
    expect = base.common.copy()
    expect[[ord(c) for c in simp.off_script]] = 0
    assert np.array_equal(simp.common, expect)
    assert not any(c in simp.logp for c in built.traditional if c not in freq)


def test_the_traditional_statistics_come_back_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    path, key = lm._source(8000)
    built = lm.build_model(path)
    lm._write_cache(key, built)
    cached = lm._read_cache(key)
    assert cached is not None
    assert cached.traditional == built.traditional and cached.traditional_bonds == built.traditional_bonds
    assert cached.traditional_common == built.traditional_common and len(built.traditional) > 100


def test_the_cache_key_follows_the_builds_source(monkeypatch):
    """A build edited without bumping MODEL_FORMAT is not answered by an older build's file."""
    lm._source.cache_clear()
    before = lm._source(8000)[1]
    source = lm.__file__
    real = lm.Path.read_bytes

    def edited(self: lm.Path) -> bytes:
        data = real(self)
        return data + b"\n# edited" if str(self) == source else data

    monkeypatch.setattr(lm.Path, "read_bytes", edited)
    lm._source.cache_clear()
    try:
        assert lm._source(8000)[1] != before
    finally:
        monkeypatch.undo()
        lm._source.cache_clear()


@pytest.mark.parametrize("text", ["標誌", "雜誌", "複雜", "一隻", "製造", "關係", "為什麼"])
def test_words_of_such_forms_score_as_text(text):
    trad = lm.for_script("traditional")
    assert trad.rare_count(text) == 0


def test_big5_small_punctuation_is_punctuation_in_traditional_text():
    """A Taiwan blog's ﹖﹗ (Big5's own small forms) were rare characters: with 樑 common, 不是嗎﹖假的﹗﹗﹗ read as
    Big5-read-as-GBK into 孤樑腔季季季."""
    from taosha.document import Document
    from taosha.repair.mojibake import Mojibake

    trad = lm.for_script("traditional")
    assert all(trad.common[ord(c)] and trad.char(c) == lm.PUNCT_LOGP for c in lm.BIG5_SMALL_PUNCT)
    assert not lm.for_script("simplified").common[ord("﹖")]  # the other models as they were
    step = Mojibake()
    step.setup()
    text = "訴我們的同事﹐寫在申請表上的離職原因是假的。不是嗎﹖假的﹗﹗﹗\n如此這般的一個人﹐要我怎樣去和他見面﹖"
    assert step.process_batch([Document("d", text)])[0].text == text


@pytest.mark.parametrize("text", [
    # reviews converted with s2twp, written with Big5's small marks: read as Big5-read-as-GBK before (季季季, 妯妯妯)
    "剛買沒幾天就降價了，好不爽，虧大了﹗﹗﹗﹗﹗﹗﹗﹗",
    "質量太差了，爛到家﹐﹐﹐﹐﹐﹐﹐",
    "沒得說﹗﹗﹗真快﹗﹗﹗",
])
def test_big5_small_marks_in_clean_reviews_stay(text):
    from taosha.document import Document
    from taosha.repair.mojibake import Mojibake

    step = Mojibake()
    step.setup()
    assert step.process_batch([Document("d", text)])[0].text == text


def test_unmeasured_small_marks_stay_rare():
    # ﹒﹔﹕ are also 姒姅孟 (Big5) read as GBK: a sign of big5>gbk damage until real text says otherwise
    trad = lm.for_script("traditional")
    assert not any(trad.common[ord(c)] for c in "﹒﹔﹕")
