"""Big5 read as GB18030 in short stretches that hold a private-use character (issue 17, task E): the character's
bytes prove the reading where they read as a measure word after a number, or as a word with a less-than-frequent
neighbour that makes no word where it stands; an icon glyph beside a clean name or frequent text stays."""

from __future__ import annotations

import pytest

from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.redecode import _MEASURE_AFTER_DIGIT, _pua_read_proven, _pua_word_beside
from taosha.zh.lm import for_script
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


def big5_as_gbk(text: str) -> str:
    return text.encode("big5").decode("gb18030")


def test_the_damage_is_what_the_tests_say():
    assert big5_as_gbk("1891年") == "1891\ue6e4"
    assert big5_as_gbk("國共") == "瓣\ue6a6"
    assert big5_as_gbk("劑丁基") == "警\ue5e8膀"
    assert _MEASURE_AFTER_DIGIT.search("1891\ue6e4") and not _MEASURE_AFTER_DIGIT.search("\ue6e4年")
    assert not _MEASURE_AFTER_DIGIT.search("7\ue14c司")


@pytest.mark.parametrize(("before", "word", "after"), [
    # a glyph after a number that reads as 年 (each was left before: the repair changed private-use characters only)
    ("市政府於", "1891年", "把市內公共運輸的經營權交給私人公司。"),
    # a glyph beside a less-than-frequent character (瓣, -11.5 nats) that makes no word where it stands, the two read
    # as a word by themselves (國共)
    ("1949年第二次", "國共", "內戰失利後，中華民國政府退守台灣。"),
])
def test_a_private_use_character_with_its_proof_is_read(step, before, word, after):
    doc = fix(step, before + big5_as_gbk(word) + after)
    assert doc.text == before + word + after
    assert [e.reason for e in doc.edits] == ["big5_as_gbk"]


def test_a_lone_glyph_with_a_word_beside_marks_its_window(step):
    # 丁基 (the glyph and 膀) marks the window; 警 is frequent text as it stands and stays (a partial repair)
    damaged = "乙醚中通常加入抗氧化" + big5_as_gbk("劑丁基") + "羥基甲苯，以減少過氧化物的生成。"
    doc = fix(step, damaged)
    assert "丁基羥基" in doc.text
    assert "\ue5e8" not in doc.text


@pytest.mark.parametrize("text", [
    # a name's first character before a glyph reads as 啞 and the glyph as 子 (啞子, a word), but 白 is frequent
    # text: found by the generated names beside a misread sentence
    "白\ue612淼于2019年加入公司。" + "当时的经济发展很快，人民的生活水平也提高了。".encode("gbk").decode(
        "big5", "replace"),
    # glyphs beside frequent traditional text (the chains' neg:glyph), and after a number reading as no measure word
    "據\ue66e江暄晞介紹，該項目已完工。",
    "價格100\ue600元，另有\ue610優惠。",
    "記者採訪了楊曦珩\ue1b6。",
])
def test_glyphs_beside_clean_text_stay(step, text):
    prefix = text.split("。")[0]
    doc = fix(step, text)
    assert doc.text.startswith(prefix)


def test_the_proof_asks_a_less_than_frequent_character():
    lm = for_script("traditional")
    assert _pua_read_proven("瓣\ue6a6", "國共", lm)
    assert not _pua_read_proven("白\ue612", "啞子", lm)  # 白 is frequent: no proof
    assert _pua_word_beside("抗氧化警\ue5e8膀羥", 4, lm)
    assert not _pua_word_beside("白\ue612淼", 1, lm)
    assert _pua_read_proven("1891\ue6e4把", "1891年把", lm)
    # a glyph at 年's code point inside a number, or before the word it would double (generated stress)
    assert not _pua_read_proven("80\ue6e4.1", "80年.1", lm)
    assert not _pua_read_proven("30\ue6e4年代", "30年年代", lm)
