"""The full-width pass (issue 17): what a realigned reading writes where PHP's decoder dropped a pair."""

from __future__ import annotations

import pytest

from taosha import Document, fix_text, restore_original
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.realign import _joined, _joined_first, _moved
from taosha.synth.chains import encode, fold_fullwidth, fullwidth_pass, php_cp936
from taosha.zh.lm import model


@pytest.fixture(scope="module")
def step():
    s = Mojibake()
    s.setup()
    return s


def _damaged(text: str) -> str:
    # the seed page's tools: the full-width -> half-width pass over GBK bytes, read back by PHP (cp936)
    return php_cp936(fullwidth_pass(encode(text, "gbk")))


def test_joined_fullwidth_form_is_the_drops_first_character_and_a_replacement(step):
    # the leading 'x' puts the pass out of step: 。期 becomes its signature '?F', and each comma out of step drops
    # with the next lead byte (，孙 A3AC CBEF read ｏ A3EF; ，迎 and ，并 likewise)
    truth = "x建安五年以后，孙权驻屯在吴郡。期间，孙权令元配谢夫人让出正室的位置，迎娶徐氏为妻，并由徐氏抚养长子孙登。"
    bad = _damaged(truth)
    assert "?F" in bad
    out = step.process_batch([Document("d", bad)])[0]
    assert "期间，\ufffd" in out.text  # not 期间ｏ
    assert not any("\uff01" <= c <= "\uff5e" and c != "，" for c in out.text)  # no joined full-width form left
    assert out.text.count("\ufffd") == 3
    assert out.signals["mojibake_unrepaired"] >= 3
    assert restore_original(out) == bad


def test_rare_names_stay_inside_a_realigned_stretch(step):
    # names whose bytes are all present and read in step are never marked, however rare
    truth = "x据报道。朱镕基出任国务院总理，主持政府工作，推动国有企业改革。司马懿、张喆、王堃都在名单上。"
    out = step.process_batch([Document("d", _damaged(truth))])[0]
    assert out.text.startswith(fold_fullwidth(truth)[:20])
    for name in ("朱镕基", "司马懿", "张喆、王堃"):
        assert name in out.text
    assert "\ufffd" not in out.text


def test_joined_forms_only_where_the_reading_wrote_them():
    # what `_joined` marks in a full-width-pass reading: a full-width form the reading wrote (ｏ for ，孙), not
    # punctuation Chinese text writes, nor the widened form of an ASCII character that stood in the damaged text
    lm = model()
    line, new_line = "期间?F诩洌锶4钤湫", "期间。期间ｏ阮４凿（谢"
    marks = _joined(line, new_line, 2, len(line), len(new_line), lm)
    assert marks == {5: "，\ufffd"}


def test_joined_first_is_the_user_defined_trails_of_a3():
    first = _joined_first()
    assert len(first) == 13 and "，" in first and "＊" in first and "￣" in first


def test_marks_follow_a_later_round():
    # a mark before a later round's change keeps its place, one after it moves, one inside it is dropped
    line, new_line = "ab期间cdef", "ab期间XYZdef"
    assert _moved({1: "m", 4: "n", 7: "o"}, line, new_line) == {1: "m", 9: "o"}


def test_joined_form_is_marked_beside_a_pair_put_back():
    # from a simulated page (synth.chains, gbk-fullwidth-pass): the reading that wins puts a dropped pair back
    # (`_put_back`); the comma PHP dropped with 由's lead byte, read Ｉ, is marked in that reading too
    damaged = "医专解剖学与人类学的?M庋芯垦д撸商ㄍ宄龇⑶巴ü喜康穆砣邸U押?1年(1936年)3月任台北帝国大学"
    got = fix_text(damaged)
    assert "学者，\ufffd台湾" in got and "Ｉ" not in got
