"""The deleted-byte and realignment passes' page-wide shortcuts (docs/mojibake-speed.md, seventh round): each finds,
for a page at once, what the line-by-line tests found, so no output changes."""

from __future__ import annotations

import operator
from collections import Counter
from itertools import accumulate

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document
from taosha.repair.mojibake.damage import _next_bracket, _next_glued
from taosha.repair.mojibake.deleted import (
    _PUA,
    _SIGNS,
    _dense_lines,
    _glued_sign,
    _running_scores,
    _signed_lines,
    reread_deleted,
)
from taosha.repair.mojibake.fill import document_counts
from taosha.repair.mojibake.gate import _DENSE
from taosha.repair.mojibake.realign import _damage_lines, _no_evidence, may_realign, realign
from taosha.repair.mojibake.score import _han_share
from taosha.synth.chains import decode
from taosha.zh.lm import for_script

_SCRIPTS = st.sampled_from(["simplified", "traditional", "neutral"])
# frequent and rare characters (㐀㐁㐂㐃 rare for every script's model), GBK's user-defined pairs and icon fonts'
# private-use glyphs, U+FFFD, the euro sign, Latin letters and words (Mozi鮨la, ⊿INOSAT), symbols, '?' and breaks
_PIECES = [*"的是质量很好们經濟發展麼鮨⊿㐀㐁㐂㐃紒，。“！~U盘lqnAZ-|?€\ufffd\ue4c9\ue61d😀𠮷 \n",
           "\n\n", "Mozi", "la", "INOSAT", "RANDNet", "婕沂种械腞", "芘贏-217", "家€包括", "12绿K聯", "用了U盘"]
_PAGES = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


def _reference_counts(text: str):
    """`document_counts` as first written: a Counter of every pair of characters."""
    pairs = Counter(map(operator.add, text, text[1:]))
    kept = {w: n for w, n in pairs.items() if n >= 2 and w[0] >= "\u3400" and w[1] >= "\u3400"}
    after: dict[str, set[str]] = {}
    before: dict[str, set[str]] = {}
    for w in kept:
        after.setdefault(w[0], set()).add(w[1])
        before.setdefault(w[1], set()).add(w[0])
    return kept, Counter(text), after, before


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([*"危化品煤礦山的了，。ab\n ?", "\U00020bb7", "\u3400", "\u33ff", "\uffff"]),
               max_size=60))
def test_the_documents_counts_are_those_of_every_pair(text):
    assert document_counts(text) == _reference_counts(text)


def test_the_documents_counts_of_a_page():
    kept, chars, after, before = document_counts("危化品，危化品。煤礦危化")
    assert kept == {"危化": 3, "化品": 2} and chars["危"] == 3 and after == {"危": {"化"}, "化": {"品"}}
    assert before == {"化": {"危"}, "品": {"化"}}


@settings(max_examples=400, deadline=None)
@given(_PAGES, _SCRIPTS)
def test_the_damage_lines_are_those_each_lines_own_tests_find(text, script):
    lm = for_script(script)
    lines = text.split("\n")
    expect = {k for k, line in enumerate(lines) if lm.rare_cluster(line, *_DENSE) or _next_glued(line, 0, lm)
              is not None or _next_bracket(line, 0) is not None}
    found = _damage_lines(text, lines, lm)
    # a line with a '?' is read whatever else it holds: only the others must be told apart
    assert {k for k in found if "?" not in lines[k]} == {k for k in expect if "?" not in lines[k]}
    assert found <= expect


@settings(max_examples=300, deadline=None)
@given(_PAGES, _SCRIPTS)
def test_may_realign_is_the_line_by_line_test(text, script):
    lm = for_script(script)
    expect = any((not _no_evidence(line, lm)) if "?" in line else (
        lm.rare_cluster(line, *_DENSE) or _next_glued(line, 0, lm) is not None or _next_bracket(line, 0) is not None)
        for line in text.split("\n"))
    assert may_realign(text, lm) == expect


@settings(max_examples=400, deadline=None)
@given(_PAGES, _SCRIPTS, st.booleans())
def test_the_deleted_pass_reads_the_lines_each_lines_own_tests_find(text, script, gated):
    lm = for_script(script)
    lines = text.split("\n")
    dense = _dense_lines(text, lm) if gated else frozenset()
    anywhere = {k for k, line in enumerate(lines)
                if "\ufffd" in line or _PUA.search(line) is not None or k in dense}
    signed = [k for k, line in enumerate(lines)
              if k in anywhere or _SIGNS.search(line) or _glued_sign(line, lm)]
    starts = [0, *accumulate(len(line) + 1 for line in lines)]
    assert _signed_lines(text, lines, starts, dense, lm) == (anywhere, signed)


def test_the_passes_still_read_damaged_lines_among_clean_ones():
    lm = for_script("simplified")
    clean = "这是一个很好的产品，质量不错。"
    # a deleted byte's stretch, ending in a lost lead byte, on the fourth line of five: re-read there alone
    text = "虽然酒店本身不能算是一家五星级酒店，但是从各方面来看，应该是珠海最好的酒店了。"
    raw = text.encode("gbk")
    damaged = decode(raw[:20] + raw[21:], "gbk", "\ufffd")
    doc = Document("d", "\n".join([clean, clean + "Mozilla", clean, damaged, clean]))
    assert reread_deleted(doc, lm, "repair.mojibake") == (1, 0)
    read = text[:10] + "\ufffd" + text[11:-1] + "\ufffd"
    assert doc.text == "\n".join([clean, clean + "Mozilla", clean, read, clean])
    # a gained byte glued to a Latin word, after clean lines: skipped
    page = "\n".join([clean, clean, "能。Mozi鮨la Firefox在2004年发布。", clean])
    assert may_realign(page, lm) and not may_realign(page.replace("鮨", ""), lm)
    doc = Document("d", page)
    assert realign(doc, lm, 2.0, "repair.mojibake") == 1
    assert doc.text == page.replace("鮨", "l")


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([*"的是ab 1。，ＡＢ⺀⹿\ue000\ud800", "\U00020bb7", "\u2e7f", "\u2e80"]), max_size=200))
def test_the_east_asian_share_is_that_of_every_character(text):
    assert _han_share(text) == sum(1 for c in text if c >= "\u2e80") / max(1, len(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"的是质量很好们經濟㐀紒，a?€", "\ufffd", "\ue4c9"]), max_size=40), _SCRIPTS)
def test_the_running_scores_are_numpys_cumulative_sums(chars, script):
    from taosha.repair.mojibake.deleted import LOST
    from taosha.zh.lm import WORD_BONUS

    lm = for_script(script)
    # each character's score as the pass first set it in an array, and numpy's running sums of them
    scores = np.empty(len(chars))
    prev = ""
    for k, c in enumerate(chars):
        scores[k] = 0.0 if c == LOST else lm.char(c) + (WORD_BONUS if prev + c in lm.words else 0.0)
        prev = c
    assert _running_scores(lm, chars) == np.concatenate(([0.0], np.cumsum(scores))).tolist()
