"""The damage simulator makes the damage it claims, and keeps the truth."""

from __future__ import annotations

import random
import re

import pytest
from pypinyin import Style, pinyin

from taosha.synth import damage
from taosha.synth.demo import clean_documents

TEXT = "我们要推动经济发展，实现乡村振兴。随着改革的深入，全县共有1200名干部参加培训。"


def test_spin_converts_script_and_annotates_with_valid_readings():
    d = damage.spin(TEXT, random.Random(1), table={"经": "jīng", "发": "fā", "们": "men"}, keep_simplified=0.0)
    assert d.truth == TEXT
    assert "們" in d.text and "經(jīng)濟" in d.text
    assert "干" in d.text  # several traditional forms: left simplified, as spinner tables do
    assert d.labels
    for lab in d.labels:
        reading = lab["annotation"][1:-1]
        char = TEXT[lab["index"]]
        assert reading in pinyin(char, style=Style.TONE, heteronym=True)[0]
        assert d.text[lab["at"] : lab["at"] + len(lab["annotation"])] == lab["annotation"]
    stripped = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", d.text)
    assert len(stripped) == len(TEXT)


TEXT_T = "我們要推動經濟發展，實現鄉村振興。隨著改革的深入，全縣共有1200名幹部參加培訓。"


@pytest.mark.parametrize("kind", damage.MOJIBAKE_KINDS)
def test_mojibake_kinds_change_the_span_and_label_it(kind):
    text = TEXT if kind != "big5_as_gbk" else TEXT_T  # Big5 text is traditional
    d = damage.mojibake(text, random.Random(3), kind)
    assert d.text != text and d.truth == text
    (lab,) = d.labels
    assert lab["kind"] == kind and text[: lab["start"]] == d.text[: lab["start"]]
    if kind in damage.REVERSIBLE_CODECS:  # a misread page: a run of several characters, not one
        assert len(lab["truth"]) >= damage.MIN_RUN


def test_known_mojibake_forms():
    assert damage.garble("你好", "utf8_as_gbk", random.Random()) == "浣犲ソ"
    assert damage.garble("你好", "utf8_as_cp1252", random.Random()) == "ä½\xa0å¥½"


def test_template_blanks_label_their_truth():
    d = damage.template_blanks(TEXT + "2021年，南湖县新增企业35家。", random.Random(0), rate=1.0)
    assert d.labels
    for lab in d.labels:
        assert d.text[lab["start"] : lab["end"]] == lab["text"]
    assert "20xx年" in d.text


def test_compilation_and_boilerplate_labels():
    rng = random.Random(2)
    page = damage.compilation("工作总结", ["甲文。", "乙文。\n第二段。"], rng)
    lines = page.text.split("\n")
    assert [lab["line"] for lab in page.labels] == [0, 2]
    assert "一" in lines[0] and "二" in lines[2]
    b = damage.boilerplate("标题\n正文。", rng)
    body_lines = {i for i, _ in enumerate(b.text.split("\n"))} - {lab["line"] for lab in b.labels}
    assert [b.text.split("\n")[i] for i in sorted(body_lines)] == ["标题", "正文。"]


def test_near_copy_and_truncate():
    rng = random.Random(5)
    base = clean_documents()[0][1]
    assert damage.near_copy(base, rng, 0.0).text == base
    near = damage.near_copy(base, rng, 0.05)
    assert near.text != base and 0 < near.labels[0]["edits"] < len(base) * 0.1
    t = damage.truncate(base, rng)
    assert base.startswith(t.text) and not t.text.endswith("。")


def test_cn_numbers():
    assert [damage.cn_number(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]


def test_bundled_documents():
    docs = clean_documents()
    assert len(docs) >= 16
    assert sum(len(t) for _, t in docs) > 7000
