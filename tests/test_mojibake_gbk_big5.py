"""GBK <-> Big5 (issue 17): Big5 read as GB18030 in short stretches of simplified-only forms, and GBK read as Big5
read in step only where the decoder's marks leave it in step (docs/mojibake-gbk-big5.md)."""

from __future__ import annotations

import pytest

from taosha.document import Document
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.redecode import _in_step, _out_of_step, _written
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


def _gbk_as_big5(text: str) -> str:
    """`text` saved as GBK and read by Python's Big5 decoder, each byte it cannot read a `?`."""
    return text.encode("gbk").decode("big5", "replace").replace("\ufffd", "?")


# --- Big5 read as GB18030: a short stretch of simplified-only forms in a traditional page ----------------------------

@pytest.mark.parametrize(("damaged", "truth", "stretch"), [
    # 朝實 (Big5 B4C2 B9EA) read as GB18030: 绰龟, two simplified-only forms; 王 + 朝 and 實 + 錄 are words
    ("朝鮮王朝的官方史書《朝鮮王绰龟錄》記載了歷代國王的事蹟。",
     "朝鮮王朝的官方史書《朝鮮王朝實錄》記載了歷代國王的事蹟。", "朝實"),
    ("名為《朝鮮王绰龟錄》。但中國", "名為《朝鮮王朝實錄》。但中國", "朝實"),  # counted, not written, before
    # 部戰 read so: 场驹 (北部, 戰區)
    ("中國人民解放軍北部戰區陸軍、北场驹區空軍並列，但在編制上有所不同。",
     "中國人民解放軍北部戰區陸軍、北部戰區空軍並列，但在編制上有所不同。", "部戰"),
])
def test_simplified_stretch_in_a_traditional_page_is_read_back(step, damaged, truth, stretch):
    assert stretch.encode("big5").decode("gb18030") in damaged  # the damage is the chain's
    doc = fix(step, damaged)
    assert doc.text == truth
    assert [e.reason for e in doc.edits] == ["big5_as_gbk"]


@pytest.mark.parametrize("page", [
    # simplified text a traditional page quotes or names: frequent simplified text as it stands (the null
    # hypothesis), or script-neutral characters beside the simplified ones (贤亮)
    "這部電影由张艺谋執導，巩俐主演，在香港上映。",
    "他在香港出生，父親是著名作家張贤亮的朋友。",
    "記者王丽华報導，這項計劃將於明年實施。",
    "據新华社報導，該地區的经济发展很快。",
    "由王場驹擔任主席。",  # one simplified-only form beside a traditional one: no stretch of them
])
def test_simplified_text_in_a_traditional_page_stays(step, page):
    assert fix(step, page).text == page


def test_a_simplified_stretch_needs_a_word_its_reading_makes():
    from taosha.repair.mojibake.codec import _redecode_span
    from taosha.repair.mojibake.windows import _aligned, _simplified_stretch
    from taosha.zh.lm import for_script

    trad, simp = for_script("traditional"), for_script("simplified")
    page = "朝鮮王绰龟錄記載了"
    fixed = _redecode_span("绰龟", "gb18030", "big5")
    assert fixed == "朝實"
    assert _simplified_stretch(page, 3, 5, _aligned(page, 3, 5, fixed), trad)
    # the same stretch where its reading makes no word with its neighbours, or in a simplified page
    other = "他說了绰龟以後"
    assert not _simplified_stretch(other, 3, 5, _aligned(other, 3, 5, fixed), trad)
    assert not _simplified_stretch(page, 3, 5, _aligned(page, 3, 5, fixed), simp)


# --- GBK read as Big5: what was read out of step stays ---------------------------------------------------------------

@pytest.mark.parametrize("truth", [
    "该条例于2006年7月1日生效。在台湾，则由全国的有线电视台转播。",  # 1?桾?虴: 桾 is the tail of 日, the head of 生
    "台风于10月13日下午9时半登陆，天文台在4月9日悬挂一号风球。",
    "比赛于2009年10月3日至12日举行，男子项目于10月18日至27日举行。",
])
def test_out_of_step_characters_are_not_read_in_step(step, truth):
    damaged = _gbk_as_big5(truth)
    doc = fix(step, damaged)
    assert doc.text != damaged  # the page is repaired where the bytes are in step
    # every character the repair leaves comes from the truth or stands as it stood (or is a mark): before, 桾 was
    # read in step as 丈, 梤蟲 as 障挛, 欶 as 罩
    assert set(doc.text) <= set(truth) | set(damaged) | {"?", "\ufffd"}


def test_out_of_step_counts_the_marks_since_an_ascii_character():
    text = "爛7堎1?桾?虴﹝?ab?cd"
    off = _out_of_step(text, [False] * len(text))
    assert [c for c, o in zip(text, off, strict=True) if o] == ["桾"]
    # an ASCII character puts the reading back in step; two marks do too
    assert not any(_out_of_step("1??桾", [False] * 4))
    assert _out_of_step("1?桾x?桾", [False] * 6) == [False, False, True, False, False, True]
    assert not any(_out_of_step("1x桾", [False] * 3))
    # a Big5 character read out of step whose second byte is an ASCII letter took the letter in: in step after it
    # (日本x语言 read as Big5: ?梇鬧逄晟, 鬧 is BE 78; 逄晟 is 语言 in step)
    text = "日本x语言".encode("gbk").decode("big5", "replace")
    assert text == "\ufffd梇鬧逄晟"
    assert _out_of_step(text, [False] * 5) == [False, True, True, False, False]
    # after a character an edit changed the count is unknown: read in step, as before
    doc = Document("d", "1?桾?虴")
    doc.replace(4, 5, "效", "repair.mojibake", "gbk_as_big5_lost")
    assert list(_written(doc, "repair.mojibake")) == [0, 0, 0, 0, 1]
    assert not any(_written(doc, "repair.other"))  # another step's edits are not this one's
    assert _out_of_step("效?桾", [True, False, False]) == [False, False, False]


def test_a_reading_not_one_for_one_stands_only_where_nothing_is_out_of_step():
    text = "1?桾?虴"
    # a reading one for one keeps the out-of-step 桾, whatever it wrote there
    assert _in_step(text, "1?丈?效", [False] * 5) == "1?桾?效"
    # a reading of another length cannot be matched character for character: the text stands (it wrote 丈 for 桾)
    assert _in_step(text, "1?丈效", [False] * 5) == text
    # with nothing read out of step, it stands as read
    assert _in_step("1x桾", "1x日生", [False] * 3) == "1x日生"


@pytest.mark.parametrize("truth", [
    "2010年4月2日早上11时在北京协和医院逝世，终年69岁。",  # realign read ?11奀 as 。?1十”
    "8月9日下午14:25分，列车抵达车站。",  # realign read 蟲?14 as 蟲。?4
    "1999年，时任教育部部长的他由他转任教育部部长。",  # realign wrote 问场 where the bytes were lost
])
def test_what_is_left_out_of_step_is_not_realigned_as_gbk(step, truth):
    damaged = _gbk_as_big5(truth)
    doc = fix(step, damaged)
    assert doc.text != damaged
    assert set(doc.text) <= set(truth) | set(damaged) | {"?", "\ufffd"}
    # no digit of the page lost
    assert [c for c in doc.text if c.isdigit()] == [c for c in truth if c.isdigit()]
    assert doc.signals["mojibake_unrepaired"] >= 2


# --- Big5 read as GB18030: two glyphs about a label, one of them read as punctuation -------------------------------

@pytest.mark.parametrize("page", [
    # an icon font's glyphs about a label in clean text; one of each pair lies in U+E4C6-E524, where GB18030 puts
    # Big5's punctuation (\ue4cf is ！, \ue4cc ；): reading it so left the other glyph unread
    "后不久，就获得很多评价家和观众好的反应。\ue55b评论\ue4cf 这部电视剧在2007年9月25",
    "女从生）是母系部落的标志，同姓者为同母、\ue4cc登录\ue515同祖母、同母系祖先所生后代，女子",
    "划归象山县，仅满山（岛屿）仍划归三门县，\ue55d在\ue4fb并成为三门县、象山县和宁海县的海上界岛。",
])
def test_glyphs_about_a_label_stay_when_only_one_reads_as_punctuation(step, page):
    doc = fix(step, page)
    assert doc.text == page
    assert not doc.edits
