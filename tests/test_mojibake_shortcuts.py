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


def test_the_utf8_shortcut_changes_no_output(monkeypatch):
    """The step's output with the shortcut and without it (every page searched run by run) is the same, on pages
    where the shortcut is taken (a '?' the only sign, no window anywhere) and pages where it is not."""
    from taosha.repair.mojibake import step as module
    from taosha.repair.mojibake.gate import _suspicious_many

    texts = ["到了，超赞?质量很好，下次还来", "东西不错?就是物流慢了点?客服态度好", "价格实惠★?包装完好",
             "他说：" + "你好，世界！我们在这里".encode().decode("gbk", "replace").replace("\ufffd", "?"),
             "要求??偨Y(jié)范文", "Cooli鎴朘oelie 说?好",
             # short UTF-8 read as GBK, its last byte lost: the gate's sign `utf8_short`, and the shortcut asked
             "质量" + "很好用".encode().decode("gbk", "replace").replace("\ufffd", "?"),
             "下次还来" + "物流快".encode().decode("gbk", "replace").replace("\ufffd", "?") + "好评"]
    taken = [seen == {"qmark"} and not _utf8_window_anywhere(t)
             for t, seen in zip(texts, _suspicious_many(texts), strict=True)]
    assert any(taken) and not all(taken)  # both paths are exercised
    step = Mojibake()
    step.setup()

    def run() -> list[tuple[str, dict]]:
        return [(d.text, dict(d.signals)) for t in texts for d in [step.process(Document("d", t))]]

    shortcut = run()
    monkeypatch.setattr(module, "_utf8_window_anywhere", lambda text: True)
    assert run() == shortcut


def _reference_next_damage(line: str, start: int, lm) -> int | None:
    """`_next_damage` as it was, character by character (before the rare characters were found once a line)."""
    from taosha.repair.mojibake.damage import _RARE_RUN, _next_bracket, _next_glued, _next_lost

    q = _next_lost(line, start) if "?" in line else None
    for k in (_next_glued(line, start, lm), _next_bracket(line, start)):
        if k is not None and (q is None or k < q):
            q = k
    width, least = _RARE_RUN
    end = len(line) - (width - 1) if q is None else min(q, len(line) - (width - 1))
    common = lm.common
    for k in range(start, end):
        if not common[ord(line[k])] and sum(not common[ord(c)] for c in line[k + 1 : k + width]) >= least - 1:
            return k
    return q


def test_the_rare_run_scan_finds_what_a_character_by_character_scan_finds():
    import random

    lm = for_script("simplified")
    rng = random.Random(7)
    pool = "这是正常的文字然后出现了再后面又㐀㐁㐂㐃鐣岋紒浣犲?？（(jié)Koelie，。 "
    lines = ["这是正常的文字，然后㐀㐁好㐂出现了，再后面又是正常的文字？㐃"]
    lines += ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 60))) for _ in range(400)]
    found = 0
    for line in lines:
        memo: dict = {}  # one memo per line across increasing starts, as the realignment keeps it
        for start in range(len(line) + 1):
            expect = _reference_next_damage(line, start, lm)
            assert _next_damage(line, start, lm, memo) == expect, (line, start)
            found += expect is not None
    assert found > 100  # the lines hold damage to find
