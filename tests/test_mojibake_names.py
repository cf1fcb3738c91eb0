"""GBK read as Big5 in short stretches (issue 17, round three): a simplified page's clean names and classical lines,
whose script-neutral characters read the other way as a word, stay as they are; a short stretch holding a
character a simplified page does not write is still written, and a long one as before."""

from __future__ import annotations

import pytest

from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.windows import _script_proof
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


def gbk_as_big5(text: str) -> str:
    return text.encode("gbk").decode("big5")


@pytest.mark.parametrize("text", [
    # each written before (-> 正言, 熙和, 许财, 调和, 也许, 标调, 调正, 立正, 语言, 刷刷读): a review's and the stress
    # set's, built from rare given-name characters in sentence templates
    "祝淏晟生日快乐！",
    "据昝睿介绍，该项目已完工。",
    "祝勍笙生日快乐！",
    "记者采访了贺覃睿。",
    "记者采访了珩勍。",
    "记者采访了梓覃。",
    "“朱覃淏，快来吃饭。”妈妈喊道。",
    "据常蕾淏介绍，该项目已完工。",
    "祝逄晟生日快乐！",
    "芃芃黍苗，阴雨膏之。",
])
def test_clean_names_and_classical_lines_stay(step, text):
    doc = fix(step, text)
    assert doc.text == text
    assert not doc.edits


def test_a_short_stretch_with_a_traditional_only_character_is_written(step):
    damaged = gbk_as_big5("一共")  # 珨僕: 僕 is no character a simplified page writes
    assert damaged == "珨僕"
    doc = fix(step, f"这家工厂今年的{damaged}任务已经完成了。")
    assert doc.text == "这家工厂今年的一共任务已经完成了。"
    assert [e.reason for e in doc.edits] == ["gbk_as_big5"]


@pytest.mark.parametrize(("before", "word", "after"), [
    ("这家工厂今年的", "生产", "任务已经完成了。"),  # 汜莉: both characters a simplified page may write (as 逄晟)
    ("这个问题仍然存在。而", "一直被", "佐敦谷邨阻碍的发展计划也受到影响。"),  # 珨眻掩 (written before)
])
def test_a_short_script_neutral_stretch_is_counted_not_written(step, before, word, after):
    damaged = gbk_as_big5(word)
    doc = fix(step, before + damaged + after)
    assert doc.text == before + damaged + after
    assert doc.signals.get("mojibake_unrepaired")


def test_a_short_script_neutral_stretch_is_written_beside_the_pages_other_damage(step):
    # the page's first sentence is GBK read as Big5 as well: 生产 right after it is read on the second pass; further
    # off in the clean text it stands (a clean name beside a misread paragraph was rewritten: 逄晟 -> 语言)
    head = gbk_as_big5("他在1952年出生于北京，")
    tail = "任务已经完成了，我们要认真对待这件事情。"
    doc = fix(step, head + "的" + gbk_as_big5("生产") + tail)
    assert doc.text == "他在1952年出生于北京，的生产" + tail
    far = fix(step, head + "他说这家工厂今年的" + gbk_as_big5("生产") + tail)
    assert far.text == "他在1952年出生于北京，他说这家工厂今年的" + gbk_as_big5("生产") + tail
    name = fix(step, "逄晟表示，这次比赛很重要。经济发展很快，大家都很高兴地说" + gbk_as_big5("我们一直被他感动。"))
    assert name.text == "逄晟表示，这次比赛很重要。经济发展很快，大家都很高兴地说我们一直被他感动。"


def test_a_long_script_neutral_stretch_is_still_written(step):
    damaged = gbk_as_big5("由于乡里")  # 蚕衾盺爵: four characters, judged as before
    doc = fix(step, f"热闹。{damaged}的人都来了，这个广场很热闹。")
    assert doc.text == "热闹。由于乡里的人都来了，这个广场很热闹。"


@pytest.mark.parametrize(("text", "wrong", "proof"), [
    ("逄晟", "big5", False), ("芃芃黍", "big5", False), ("珨僕", "big5", True), ("闔親", "big5", True),
    ("ワ埮", "big5", True),  # kana: not a simplified page's own
    ("逄晟", "gb18030", True),  # Big5 read as GBK is judged as before
])
def test_script_proof(text, wrong, proof):
    assert _script_proof(text, 0, len(text), wrong) is proof
