"""repair.mojibake on the chains families below target (issue 17): double encoding read back in one window, and
what the bytes admit but do not prove, counted in `mojibake_unrepaired` without writing anything."""

from __future__ import annotations

import pytest

from taosha.repair.mojibake import Mojibake
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


def twice(text: str) -> str:
    """UTF-8 encoded twice through GBK (as browsers read it: GB18030, user-defined pairs as private use)."""
    return text.encode("utf-8").decode("gb18030").encode("utf-8").decode("gb18030")


def test_double_encoding_ending_before_clean_text_whose_bytes_pass_for_utf8(step):
    # 席 缺 位 (CF AF, C8 B1, CE BB) are each a 2-byte UTF-8 sequence: the window's scan takes all three in, and
    # the window must be trimmed by three, one more than other clean neighbours
    damaged = twice("主席的職位；副主")
    assert "\ue219" not in damaged and "\ue1e7" in damaged  # its middle layer holds a private-use pair
    head, tail = "在主席缺位的時候，由副主席繼任", "席缺位的時候，由全國人民代表大會進行補選。"
    assert fix(step, head + damaged + tail).text == head + "主席的職位；副主" + tail


@pytest.mark.parametrize("truth", ["今天的天气非常好", "获嘉县西），儿子", "站房建筑面积"])
def test_double_encoding_is_read_back_whole_when_its_middle_layer_alone_would_lose(step, truth):
    damaged = twice(truth)
    assert fix(step, f"据报道，{damaged}。").text == f"据报道，{truth}。"
