"""The deleted-byte pass's signs found in numpy on long pages (docs/mojibake-speed.md, ninth round): the same lines
as the patterns' searches find, and the same pass."""

from __future__ import annotations

import re
from itertools import accumulate

from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document
from taosha.repair.mojibake import deleted
from taosha.repair.mojibake.deleted import _GLUED_NEXT, _LOST, _PUA, _SIGNS, _lines_with, _sign_lines, reread_deleted
from taosha.synth.chains import decode
from taosha.textarrays import codepoints
from taosha.zh.lm import for_script

# every class the four patterns and their look-arounds test, and their edges: Han of the unified block and beside
# it (〇 U+3007, 㐀 U+3400, 鿿 U+9FFF, U+A000), private-use and beside it, U+2000-U+33FF's edges, U+FE30-U+FFEF's,
# the euro sign, U+FFFD, ASCII letters and '@', '[', '`', '{', '~', '-', '?', astral characters, line breaks
_PIECES = [*"的是质量很好們經濟發展麼〇㐀鿿\ua000\ue000\uf8ff\udfff\uf900\u1fff\u2000\u33ff\u3400\ufe2f\ufe30\uffef"
           "\ufff0€\ufffdaAzZ@[`{~-?0 ，。“！😀𠮷\n",
           "\n\n", "Mozi", "用了U盘", "家€包括", "行l星", "穌＊q", "\ue4c9\ue61d"]
_PAGES = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)
_OLD_GLUED = re.compile("(?<=[\u4e00-\u9fff])[A-Za-z-]")  # the form before this round


def _searched(text: str) -> tuple[set[int], ...]:
    starts = [0, *accumulate(len(line) + 1 for line in text.split("\n"))]
    return tuple(_lines_with(p, text, starts) for p in (_LOST, _PUA, _SIGNS, _GLUED_NEXT))


@settings(max_examples=400, deadline=None)
@given(_PAGES)
def test_the_signs_lines_are_those_the_searches_find(text):
    assert _sign_lines(codepoints(text)) == _searched(text)
    assert [m.span() for m in _GLUED_NEXT.finditer(text)] == [m.span() for m in _OLD_GLUED.finditer(text)]


def test_on_pages_with_signs():
    page = "第一行行l星的\n家€包括\ue4c9很好\n\n用了U盘和Mozi\n好\ufffd了\n穌＊q。" * 40
    got = _sign_lines(codepoints(page))
    assert got == _searched(page)
    assert all(got)  # each pattern matches somewhere: the test can fail


@settings(max_examples=60, deadline=None)
@given(_PAGES, st.sampled_from(["simplified", "traditional"]), st.booleans())
def test_the_pass_on_long_pages_is_the_pass_line_by_line(text, script, gated):
    # a long page (past _PAGE_SCAN) of the pieces, and chain damage: a GBK byte deleted in its bytes
    page = (text + "\n") * (1 + deleted._PAGE_SCAN // (len(text) + 1))
    raw = page.encode("gb18030", "replace")
    damaged = decode(raw[: len(raw) // 2] + raw[len(raw) // 2 + 1 :], "gb18030")
    lm = for_script(script)
    for t in (page, damaged):
        fast, slow = Document("a", t), Document("a", t)
        got = reread_deleted(fast, lm, "m", gated)
        scan, deleted._PAGE_SCAN = deleted._PAGE_SCAN, 10**9
        try:
            want = reread_deleted(slow, lm, "m", gated)
        finally:
            deleted._PAGE_SCAN = scan
        assert (got, fast.text, fast.edits) == (want, slow.text, slow.edits)


def test_the_step_on_real_pages_is_the_same_either_way(outputs_in_batches):
    from taosha.config import build_step

    step = build_step("repair.mojibake", {})
    step.setup()
    pages = [("据新华社电 第一行行l星的\n" + "中华人民共和国成立于一九四九年，經濟發展很快。\n" * 40 + "家€包括"),
             "用了U盘\n" * 300, "很好\ue4c9\ue61d的\n" * 200]
    pages.append(decode(pages[0].encode("gb18030")[:50] + pages[0].encode("gb18030")[51:], "gb18030"))
    got = outputs_in_batches(step, pages, 2)
    scan, deleted._PAGE_SCAN = deleted._PAGE_SCAN, 10**9
    try:
        want = outputs_in_batches(step, pages, 2)
    finally:
        deleted._PAGE_SCAN = scan
    assert got == want
