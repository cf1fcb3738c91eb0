"""GBK <-> Big5 windows and the null hypothesis.

GBK read by a Big5 decoder that lost bytes: the text after an odd number of lost marks stands one byte out of step,
and no window of `gbk_as_big5` (nor the page's fragments, nor the whole page) reads it in step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.rivals import big5_out_of_step, keep_in_step
from taosha.synth.chains import Chain
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it

GBK_AS_BIG5 = Chain.parse("gbk>big5")


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


def test_out_of_step_stretches_follow_an_odd_number_of_marks():
    # 桾 after one '?' stands for 日's trail byte and 生's lead; after the second '?' the reading is in step
    text = "1974爛4堎1?桾?虴綴"
    assert big5_out_of_step(text) == [(9, 10)]
    # an ASCII character or one Big5 lacks (a reading already written) puts the count back in step
    assert big5_out_of_step("?桾1虴") == [(1, 2)]
    assert big5_out_of_step("?桾们虴") == [(1, 2)]
    assert big5_out_of_step("clean text, 没有问号") == []


def test_keep_in_step_puts_back_only_windows_out_of_step():
    run, best = "桾虴綴", "丈效后"
    assert keep_in_step(run, best, 0, [(0, 1)]) == run  # one window (closer than 3), touching the stretch
    assert keep_in_step(run, best, 5, [(0, 1)]) == best  # the stretch is elsewhere in the text


def test_lost_bytes_do_not_make_fragments_read_out_of_step(step):
    # 1日生效: Big5 rejects 日 (C8 D5) and 生 (C9 FA) by their first bytes; 桾 (D5 C9) between the marks was read
    # in step as 丈, a character in neither the damage nor the truth
    truth = "根据地方政府法案，本郡在1974年4月1日生效后，它脱离沃里克郡。"
    out = fix(step, GBK_AS_BIG5.apply(truth, "?")).text
    assert "丈" not in out
    assert out.endswith("效后，它脱离沃里克郡。")


def test_lost_bytes_do_not_make_windows_read_out_of_step(step):
    truth = "该信号于2017年10月13日下午9时半悬挂。为一戒备信号，指有强风。"
    out = fix(step, GBK_AS_BIG5.apply(truth, "?")).text
    assert "障" not in out and "挛" not in out  # 梤蟲 out of step, read in step
    assert "2017年10月13" in out  # (not 10以?13: the '?' after 13 is a lost byte, not the end of a question)
    assert out.endswith("9时半悬挂。为一戒备信号，指有强风。")


# mixed pages (Wikipedia paragraphs' sentences of both scripts shuffled), one a line in cases/mojibake_mixed.jsonl: a
# stretch of the other script's clean text was read as that script's bytes misread (`was`); the window as it stands
# is scored as text of that script too (the null first)
def _mixed() -> list:
    lines = (Path(__file__).parent / "cases" / "mojibake_mixed.jsonl").read_text(encoding="utf-8").splitlines()
    return [pytest.param(json.loads(line)["text"], id=json.loads(line)["was"].split(" ")[0]) for line in lines]


@pytest.mark.parametrize("page", _mixed())
def test_mixed_pages_keep_their_other_script(step, page):
    assert fix(step, page).text == page
