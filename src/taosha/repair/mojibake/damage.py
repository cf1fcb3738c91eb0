"""Where a line's misaligned GBK is: a suspect `?`, a Han character glued to a Latin word by its second byte
(a byte gained), a bracket that lost its first byte, or a dense run of rare characters; and the traditional pages
(written in Big5 or UTF-8) where such damage is not looked for.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

import numpy as np

from taosha.repair.mojibake.questions import _QUESTION_END, _SUSPECT_Q, _quoted
from taosha.repair.mojibake.score import _IN_WORD
from taosha.textarrays import codepoints
from taosha.zh.lm import CharLM, model
from taosha.zh.script import ScriptInfo, detect

_TONE_MARKED = re.compile("[a-zü]{0,5}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,5}[)）]")


def _genuine_traditional(text: str, info: ScriptInfo) -> bool:
    """Traditional text with no sign of a converter (annotations, mixed sentences, slips): written in Big5 or
    UTF-8, not in GBK, so GBK's lost and gained bytes are not looked for in it (a `?` there is a character Big5
    lacks: 麥康姆?X for 麥康姆·X)."""
    if info.script != "traditional" or _TONE_MARKED.search(text):
        return False  # a tone-marked reading in parentheses is a spinner's annotation
    return detect(text).script == "traditional"  # with the converter's slips, which the prior did not count


_SCAN_BY_ARRAY = 512  # characters from which the rare-run scan is one numpy pass (a long line without '?')
_RARE_RUN = (4, 3)  # rare characters in a row that a shifted byte leaves with no '?': 3 of 4, from a rare one


def _next_damage(line: str, start: int, lm: CharLM, ahead: dict | None = None) -> int | None:
    """The next place from `start` where `line` may be damaged, or None. `ahead`: a memo the caller keeps for one
    line across rounds (the next suspect '?', glued or bracket character found before, still ahead of `start`, is
    the next one from it: a line without them is scanned once, not once a round)."""
    q = _ahead(ahead, "q", line, start, lambda: _next_lost(line, start)) if "?" in line else None
    for k in (_ahead(ahead, "glued", line, start, lambda: _next_glued(line, start, lm)),
              _ahead(ahead, "bracket", line, start, lambda: _next_bracket(line, start))):
        # a byte lost or gained by a Latin word
        if k is not None and (q is None or k < q):
            q = k
    # a dense run of rare characters (a lost or gained byte without '?'): 3 of 4 from a rare one
    width, least = _RARE_RUN
    end = len(line) - (width - 1) if q is None else min(q, len(line) - (width - 1))
    common = lm.common
    if end - start < _SCAN_BY_ARRAY:  # short (a review, a line): from the line's rare characters, found once
        rare = _rare_at(line, lm, ahead)
        i = bisect_left(rare, start)
        while i < len(rare) and rare[i] < end:
            # least - 1 more rare characters among the width - 1 after this one
            if i + least - 1 < len(rare) and rare[i + least - 1] < rare[i] + width:
                return rare[i]
            i += 1
        return q
    # long: vectorised, a rare character at k with least - 1 more among the width - 1 after it
    rare = common[codepoints(line[start : end + width - 1])] == 0
    after = np.convolve(rare[1:].astype(np.int8), np.ones(width - 1, dtype=np.int8), mode="full")[
        width - 2 : width - 2 + end - start]
    hits = (rare[: end - start] & (after >= least - 1)).nonzero()[0]
    return start + int(hits[0]) if len(hits) else q
def _rare_at(line: str, lm: CharLM, memo: dict | None) -> list[int]:
    """The positions of `line`'s rare characters, kept in `memo` (see `_next_damage`) while the line stays as it is."""
    seen = memo.get("rare") if memo is not None else None
    if seen is not None and seen[0] is line:
        return seen[1]
    found: list[int] = (lm.common[codepoints(line)] == 0).nonzero()[0].tolist()
    if memo is not None:
        memo["rare"] = (line, found)
    return found


def _next_lost(line: str, start: int) -> int | None:
    """The first '?' from `start` that may be a lost byte: not a question's (好吗?), not a quoted one."""
    for m in _SUSPECT_Q.finditer(line, start):
        if m.start() and line[m.start() - 1] in _QUESTION_END:
            continue  # a question: 好吗? is punctuation, not a lost byte
        if _quoted(line, m.start()):
            continue
        return m.start()
    return None


def _ahead(memo: dict | None, kind: str, line: str, start: int, find: Callable[[], int | None]) -> int | None:
    """`find()` (the first position from `start` of `kind` in `line`), reusing what an earlier call from an earlier
    start found in the same line when it is still at or after `start`."""
    if memo is None:
        return find()
    seen = memo.get(kind)
    if seen is not None and seen[0] is line and seen[1] <= start and (seen[2] is None or seen[2] >= start):
        return seen[2]
    found = find()
    memo[kind] = (line, start, found)
    return found


_BY_WORD = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f]|[^\x00-\x7f](?=[A-Za-z])")
# the letter of such a pair (beside the non-ASCII character, on its line): where a page or a line holds one of
# `_BY_WORD`'s matches, it holds one of these and no other. The letter first, where the engine scans for its class
# fast; `_BY_WORD`'s look-behind first is tried at every character (five times the time on news pages)
_BY_WORD_LETTER = re.compile(r"[A-Za-z](?:(?=[^\x00-\x7f])|(?<=[^\x00-\x7f][A-Za-z]))")


def _lead_before_letter(c: str) -> int | None:
    """The first GBK byte of `c` when its second byte is an ASCII letter, else None."""
    try:
        b = c.encode("gbk")
    except UnicodeEncodeError:
        return None
    return b[0] if len(b) == 2 and (0x41 <= b[1] <= 0x5A or 0x61 <= b[1] <= 0x7A) else None


def _glued(c: str) -> bool:
    """Whether `c` is a Han character whose second GBK byte is an ASCII letter: what a lead byte gained before a
    letter makes (Mozi鮨la)."""
    if not "\u3400" <= c <= "\u9fff":
        return False  # a symbol there (﹜ for 、 read as Big5: Les﹜John) is another misreading
    return _lead_before_letter(c) is not None


def _next_glued(line: str, start: int, lm: CharLM) -> int | None:
    """The first character glued to a Latin word by its second byte (see `_glued`), from `start`: inside a word
    when rare for the document's script; at a word's edge only when rare in any script, since many characters
    that end in a letter byte stand beside Latin words (OEM製造; the rarer CD裡 and 舖Beams are kept by the rule
    that a repair may not change case inside a word)."""
    for m in _BY_WORD.finditer(line, start):
        if _glued_at(line, m.start(), lm):
            return m.start()
    return None


_WORD_START = re.compile(r"(?<![A-Za-z])[^\x00-\x7f](?=[A-Za-z])")


def _bracket_lost(c: str) -> bool:
    """Whether `c` is what GBK's （ or ） (A3 A8, A3 A9) becomes when its first byte is lost: A8 or A9 read with
    the letter after it (⊿INOSAT for （SINOSAT)."""
    return _lead_before_letter(c) in (0xA8, 0xA9)


def _next_bracket(line: str, start: int) -> int | None:
    """The first character before a Latin word that a bracket which lost its first byte makes (`_bracket_lost`)."""
    for m in _WORD_START.finditer(line, start):
        if _bracket_lost(m.group()):
            return m.start()
    return None


def _glued_at(line: str, k: int, lm: CharLM) -> bool:
    """Whether `line[k]` is a gained byte's character by a Latin word (see `_next_glued`)."""
    c = line[k]
    if not _glued(c):
        return False
    if _IN_WORD.match(line, k):
        return not lm.common[ord(c)]
    return not model().common[ord(c)]
