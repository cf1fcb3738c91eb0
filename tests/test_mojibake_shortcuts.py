"""repair.mojibake's shortcuts that leave its output as it was: the UTF-8 repair skipped on a page whose only UTF-8
sign is a '?' when no run's bytes can hold a UTF-8 window, and the realignment's rare-run scan from the line's rare
characters found once."""

from __future__ import annotations

from taosha import Document
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.damage import _next_damage
from taosha.repair.mojibake.step import _utf8_window_anywhere
from taosha.zh.lm import for_script


def test_a_review_with_a_lost_character_holds_no_utf8_window():
    assert not _utf8_window_anywhere("到了，超赞?质量很好")  # the '?' an emoji the site could not encode
    assert _utf8_window_anywhere("他说：浣犲ソ?笘鐣")  # UTF-8 read as GBK, its last byte lost to '?'
    # 或 of 或Koelie in UTF-8 (E6 88 96) read with the K after it: a window only at its run's end (鎴朘)
    assert _utf8_window_anywhere("Cooli鎴朘oelie")


def test_utf8_read_as_gbk_with_a_question_mark_is_still_repaired():
    step = Mojibake()
    step.setup()
    text = "他说：" + "你好，世界！我们在这里".encode().decode("gbk", "replace").replace("\ufffd", "?")
    out = step.process(Document("d", text))
    assert out.text != text and out.signals.get("mojibake_repairs")


def test_the_rare_run_scan_finds_what_a_character_by_character_scan_finds():
    lm = for_script("simplified")
    line = "这是正常的文字，然后㐀㐁好㐂出现了，再后面又是正常的文字？㐃"
    common = lm.common
    expect = next((k for k in range(len(line) - 3) if not common[ord(line[k])]
                   and sum(not common[ord(c)] for c in line[k + 1 : k + 4]) >= 2), None)
    assert expect is not None
    memo: dict = {}
    assert _next_damage(line, 0, lm, memo) == expect
    assert _next_damage(line, expect + 1, lm, memo) == _next_damage(line, expect + 1, lm)
