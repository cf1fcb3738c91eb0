"""The stretches a reversible misreading covers, and their judgement.

UTF-8 windows are found in the bytes; for the 2-byte codecs (GBK <-> Big5), where one misread character is one
right one, the stretch of characters whose readings gain most (Kadane over per-character gains), which must be
rare text read as frequent text, make words, or sit by digits. A window is trimmed or grown to a sentence's edge
and kept only when it gains `min_gain` nats per character.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from taosha.repair.mojibake.codec import (
    _byte_lengths,
    _pair_reading,
    _redecode_span,
    misread_bytes,
    utf8_stretches,
)
from taosha.repair.mojibake.gate import _READ_RUN, READS_IN_SIMP, READS_IN_TRAD, _odd_table, may_be_utf8
from taosha.repair.mojibake.score import (
    _EAST_ASIAN_MOST,
    _HAN,
    _RARE_LEFT,
    FREQUENT_LOGP,
    _edge_bonds,
    _han_share,
    _inner_bonds,
    _words,
)
from taosha.textarrays import codepoints, consecutive_runs
from taosha.zh.lm import UNKNOWN_LOGP, WORD_BONUS, ZHUYIN_AS_BIG5, CharLM, for_script
from taosha.zh.sentences import STOPS

_DIGITS_AND_SPACE = str.maketrans("", "", "0123456789 ")
_MARKED = re.compile(f"[\ue000-\uf8ff{ZHUYIN_AS_BIG5}]")  # characters that are evidence of a pair misread


# a stretch of 6 characters or more whose reading gains 4 nats a character and makes a word in every 6 is a misreading
# even with few rare characters (GBK read as Big5 gives many characters GB2312 has: 由于乡里 -> 蚕衾盺爵)
_GAIN_SPAN, _GAIN_PER_CHAR, _GAIN_WORD_EVERY = 6, 4.0, 6
# a stretch of 3 or more that holds 2 rare characters, gains 6 nats a character and makes a word read right is one
# too (跺笭猁 for 个重要, 珨眻掩 for 一直被: short misread stretches in clean text)
_SHORT_RARE_SPAN, _SHORT_RARE, _SHORT_RARE_GAIN = 3, 2, 6.0
# a stretch of 4 or more of which a third are rare characters is a misreading (`_pair_windows`)
_RARE_SPAN, _RARE_EVERY = 4, 3
# a window of 4 characters or fewer must make a dictionary word as it is read (皐皐訿訿 stays), and is not grown
_SHORT_WINDOW = 4
_RARE_READ_EVERY = 4  # a 2-byte reading is frequent text: at most one rare character in 4
# characters a window may be trimmed by: its scan takes clean neighbours in (before a UTF-8 window up to 5, where
# the bytes of clean characters can pass for the start of a sequence: 村。 is B4 E5 A1 A3)
_TRIM, _TRIM_UTF8_HEAD = 2, 5
# UTF-8 bytes a window holds: two characters, or one punctuation mark or Han character by a Latin word
_WINDOW_BYTES, _SIGN_BYTES = 6, 3


_UTF8_SEQ = re.compile(rb"(?:[\xe0-\xef][\x80-\xbf]{2}|[\xc2-\xdf][\x80-\xbf]|[\xf0-\xf4][\x80-\xbf]{3}){2,}")
# or one CJK or full-width punctuation mark in UTF-8 (、（「“…): what sits alone between Latin words (Cooli、Cooly)
_UTF8_WINDOW = re.compile(_UTF8_SEQ.pattern + rb"|(?P<punct>\xe3\x80[\x81-\xbf]|\xef\xbc[\x81-\xbf]|\xef\xbd[\x80-\x9e]"
                          rb"|\xe2\x80[\x94-\xa6])"
                          # or one Han character whose last byte was read with the letter ending the run (或K for
                          # 或Koelie: 鎴朘), which a Latin word goes on from (see _best_window's `after`)
                          rb"|(?P<one>[\xe4-\xe9][\x80-\xbf]{2})(?=[A-Za-z]\Z)")


def _best_window(
    run: str, wrong: str, right: str, lm: CharLM, min_gain: float, *, marked: bool = False, after: str = "",
    pua_as_han_void: bool = False, windows: list[tuple[int, int]] | None = None,
    marks: tuple[int, ...] | None = None, neutral_short: tuple[tuple[int, int], ...] = (), twice: bool = False,
    null: bool = True, refused: list[bool] | None = None, page: tuple[PairGains, int] | None = None,
) -> str | None:
    """The run with its re-decodable windows repaired when that wins clearly, or None. Linear: windows
    are UTF-8 sequences found by a scan of the bytes, or (2-byte codecs, where one misread character is
    one right character) the stretch of characters with the largest total gain. `after`: the character after
    the run, which a window's last letter may begin a word with. `pua_as_han_void`: the caller discards a
    repair that changes only private-use characters and reads one as Han (`redecode._pua_read_as_han`), so when
    no window can change anything else, the first window read so ends the judging (a long page with an icon
    font's glyphs every few characters: every window judged, all for nothing, took linear time many times over).
    `windows`: the run's UTF-8 windows, when the caller found them (`_utf8_windows`).
    `marks`: where in the run the characters that are evidence stand (None: any of `_MARKED`); a window is marked
    only when it holds one. `neutral_short`: where in the run stretches were read as GBK read as Big5 already (the
    page's other proof), beside which a short stretch of script-neutral characters may be read too
    (`_script_proof`). `twice`: the page is UTF-8 encoded twice through `wrong` (`encoded_twice`), where a short
    first reading that is UTF-8 read as `wrong` again is the middle layer too. `null`: a GBK <-> Big5 reading must
    beat the window as it stands scored as the wrong codec's own script (`_OWN_SCRIPT`); `refused` is appended to
    when that refused a reading that passed the other tests. `page`: (GBK <-> Big5) the per-character gains of the
    text the run was found in, for `wrong`, `right` and `lm`, and where in it the run begins."""
    if right == "utf-8":
        windows = _utf8_windows(run, wrong) if windows is None else windows
    else:
        windows = _pair_windows(run, wrong, right, lm, marked=marked, marks=marks, neutral_short=neutral_short,
                                page=page)

    def judge(i: int, j: int, pos: int) -> tuple[float, int, int, str] | None:
        """The window's best repair (its score, start, end and reading), or None."""
        best = None
        # the scan may take clean neighbours in: trim up to 2 a side (up to 5 before a UTF-8 window, where the
        # bytes of clean characters can pass for the start of a sequence: 村。 is B4 E5 A1 A3)
        grow = 1 if right != "utf-8" and j - i > _SHORT_WINDOW else 0  # a short window must make a word as it is
        tail = _TRIM if right != "utf-8" else max(_TRIM, _two_byte_tail(run, i, j, wrong))
        for a in range(max(pos, i - grow), min(i + 1 + (_TRIM_UTF8_HEAD if right == "utf-8" else _TRIM), j)):
            for b in range(min(len(run), j + grow), max(j - 1 - tail, a + 1 if j - i > 1 else a), -1):
                for fixed in _readings(run[a:b], wrong, right, twice):
                    best = _judge_reading(run, a, b, fixed, wrong, right, lm, min_gain, marked, after, best, marks,
                                          null=null, refused=refused)
        if best is not None and right != "utf-8":
            best = _to_sentence_edges(run, best, wrong, right, lm, pos)
        return best

    # the first window read as Han while every repair so far changed private-use characters only ends the judging
    # when no later window can change anything else (`_pua_only_window`), or those near the run's end, judged, do not
    # (from the k-th window on, each known once: a scan per window read as Han would take quadratic time)
    void_from: list[bool] = []

    def void_after(k: int) -> bool:
        if not void_from:
            void_from.extend([True] * (len(windows) + 1))
            for m in range(len(windows) - 1, -1, -1):
                i, j = windows[m]
                if _pua_only_window(run, i, j):
                    ok = True
                elif _pua_only_window(run, i, j, near_end=True):
                    later = judge(i, j, i)  # as the loop would judge it: nothing before it read past its start
                    ok = later is None or _pua_change(run, later)
                else:
                    ok = False
                void_from[m] = ok and void_from[m + 1]
        return void_from[k]

    pua_only = True
    out, pos, changed = [], 0, False
    for index, (i, j) in enumerate(windows):
        best = judge(i, j, pos)
        if best is not None and best[1] >= pos:
            if pua_as_han_void:
                pua_only = pua_only and _pua_change(run, best)
                if pua_only and _HAN.search(best[3]) and void_after(index + 1):
                    return None
            out.append(run[pos : best[1]])
            out.append(best[3])
            pos, changed = best[2], True
    if not changed:
        return None
    out.append(run[pos:])
    return "".join(out)


def _two_byte_tail(run: str, i: int, j: int, wrong: str) -> int:
    """Characters at the end of the window `run[i:j]` that are each, by their own bytes, one 2-byte UTF-8 sequence
    (席 is CF AF, ϯ): clean text after a UTF-8 window that its scan took in (up to `_TRIM_UTF8_HEAD`), to be
    trimmed off as the characters before a window are."""
    k = j
    while k > i and j - k < _TRIM_UTF8_HEAD:
        one = _redecode_span(run[k - 1], wrong, "utf-8")
        if one is None or len(one) != 1 or not 0x80 <= ord(one) < 0x800:
            break
        k -= 1
    return j - k


def _readings(span: str, wrong: str, right: str, twice_page: bool = False) -> list[str]:
    """What `span`'s bytes read as in `right`: once, and for UTF-8 twice when the first reading's bytes are UTF-8
    again (encoded twice through GBK: 这 -> 杩 -> 鏉╂), the second judged beside the first. Reading both layers
    of one window at once is what the bytes prove; the middle layer alone is garbage too (鑾峰槈鍘胯タ for 获嘉县西),
    so a pass per layer found nothing to take when the first layer lost to the text as it stands."""
    fixed = _redecode_span(span, wrong, right)
    if fixed is None:
        return []
    if right != "utf-8":
        return [fixed]
    twice = _redecode_span(fixed, wrong, right)
    # a first reading that is itself UTF-8 read as `wrong` (lossy too: `codec.utf8_spans`), or, on a page encoded
    # twice, holds one character's UTF-8 so (浜恒 for 人。), is the middle layer: read back both layers or nothing (the
    # inner layer lost bytes): one layer undone and the other left is mojibake still
    least = _TWICE_SHORT if twice_page else None
    middle = may_be_utf8(fixed, wrong, least) and bool(utf8_stretches(fixed, wrong, least))
    if twice is not None and twice != fixed:
        return [twice] if middle else [fixed, twice]
    return [] if middle else [fixed]


# lead bytes of long sequences a first reading's UTF-8 must hold, on a page encoded twice, to be the middle layer (one
# character's: 浜恒 is E4 BA BA E3 80 82 read as GBK, 人。)
_TWICE_SHORT = 1


def encoded_twice(text: str, wrong: str, at: tuple[int, ...] | None = None) -> bool:
    """Whether a UTF-8 window of `text` (as `wrong` made its bytes) reads as UTF-8 read as `wrong` again
    (`codec.utf8_stretches`): the page's UTF-8 went through `wrong` twice. `at`: where in `text` a window may begin
    (`step._utf8_runs`), when known: the other runs hold none."""
    for m in _NON_ASCII_RUN.finditer(text):
        if at is not None and not holds_any(at, m.start(), m.end()):
            continue
        run = m.group()
        for i, j in _utf8_windows(run, wrong):
            fixed = _redecode_span(run[i:j], wrong, "utf-8")
            if fixed is not None and may_be_utf8(fixed, wrong) and utf8_stretches(fixed, wrong):
                return True
    return False


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")


def holds_any(at: tuple[int, ...], start: int, end: int) -> bool:
    """Whether one of the offsets `at` (sorted) lies in `[start, end)`."""
    k = bisect_left(at, start)
    return k < len(at) and at[k] < end


# a GBK <-> Big5 misreading, and the script its wrong codec's own text is in (what the window may be as it stands)
_OWN_SCRIPT = {("big5", "gbk"): "traditional", ("gb18030", "big5"): "simplified"}


def _judge_reading(
    run: str, a: int, b: int, fixed: str, wrong: str, right: str, lm: CharLM, min_gain: float, marked: bool,
    after: str, best: tuple[float, int, int, str] | None, marks: tuple[int, ...] | None = None,
    null: bool = True, refused: list[bool] | None = None,
) -> tuple[float, int, int, str] | None:
    """`best`, or the window `run[a:b]` read as `fixed` when that passes the tests and gains more in all."""
    # East Asian text, not Latin (the digits and spaces a 2-byte run may hold do not count: 2016爛9堎)
    span = run[a:b] if right == "utf-8" else run[a:b].translate(_DIGITS_AND_SPACE)
    if fixed == run[a:b] or _han_share(span) < _EAST_ASIAN_MOST or lm.rare_cluster(fixed, *_RARE_LEFT):
        return best
    if right != "utf-8" and (_RARE_READ_EVERY * lm.rare_count(fixed) > len(fixed) or (
            len(fixed) <= _SHORT_WINDOW and not _words(lm, fixed)
            and not _between_digits(run, a, b, _aligned(run, a, b, fixed), lm)
            and not (marked and _holds_mark(run, a, b, marks) and not _MARKED.search(fixed))
            and not (wrong == "gb18030" and _simplified_stretch(run, a, b, _aligned(run, a, b, fixed), lm)))):
        return best  # one character for one: the right reading is frequent text; a short one makes a word
        # (皐皐訿訿 stays)
    # a window that ends in the ASCII letter its last UTF-8 byte was read with is judged, and weighed
    # against its trims, with the word that letter begins (銆並uli for 、Kuli: K alone among Chinese
    # characters would be debris)
    tail = after if b == len(run) and fixed[-1:].isascii() and fixed[-1:].isalpha() and (
        after.isascii() and after.isalpha()) else ""
    # (each scored once: the mean gain and the total below are the same sums)
    new_score, old_score = lm.score(fixed + tail), lm.score(run[a:b] + tail)
    size = max(1, len(fixed + tail))
    if (new_score / size - old_score / max(1, b - a + len(tail))) < min_gain:
        return best
    own = _OWN_SCRIPT.get((wrong, right)) if null else None
    if own is not None:
        # the null hypothesis first: the window as it stands may be text of the script the wrong codec writes that
        # the page holds (a simplified page quoting a traditional sentence, a mixed page: 韓國傳統藝 read as GBK
        # read as Big5 gives 龙瓣肚参美, 地質條 地借兵; a traditional page's simplified sentence read as Big5 read
        # as GB18030, 称长齿锯齿鳗 備酗喘撾喘魕), so the reading must beat it scored as that too (a bar only: the
        # trims are still ranked with the page's model, as before); and GBK read as Big5 with its neighbours too: a
        # stretch of a traditional line (紅樓夢: 樓夢 reads as the word 加冠, 2.7 nats a character ahead of 樓夢
        # alone) stands with the words it makes there
        as_own = for_script(own)
        before, beyond = run[max(0, a - 1) : a], run[b : b + 1]
        if new_score / size - as_own.score(run[a:b] + tail) / max(1, b - a + len(tail)) < min_gain or (
                wrong == "big5" and (lm.score(before + fixed + tail + beyond)
                                     - as_own.score(before + run[a:b] + tail + beyond)) / size < min_gain):
            if refused is not None:
                refused.append(True)
            return best
    # the trim that gains most in all wins, with the words it makes or breaks with its neighbours
    # (a clean 瑞 before 士 reads as 风, which is more frequent, but 瑞士 is a word)
    total = (new_score - old_score + _edge_bonds(lm, run, a, b, fixed)
             + _inner_bonds(lm, fixed) - _inner_bonds(lm, run[a:b]))
    if best is None or total > best[0]:
        return (total, a, b, fixed)
    return best


_PUA_ONLY = re.compile("[\ue000-\uf8ff]+")


def _pua_only_window(run: str, i: int, j: int, *, near_end: bool = False) -> bool:
    """Whether the window `run[i:j]`, after a repair before it, is private-use characters only and its repair cannot
    change anything else: short (not grown), and no sentence's edge within `_to_sentence_edges`' reach (its only
    moves that read more; it also reads on to the run's end from 1-2 characters short of it, unless `near_end`:
    such a window is judged, see `_best_window`)."""
    reach = _EDGE_REACH + 1
    return (j - i <= _SHORT_WINDOW and i > _EDGE_REACH and (near_end or j == len(run) or j + _EDGE_REACH < len(run))
            and _PUA_ONLY.fullmatch(run, i, j) is not None
            and not any(c in _SENTENCE_EDGE for c in run[i - reach : j + reach]))


def _pua_change(run: str, best: tuple[float, int, int, str]) -> bool:
    """Whether a window's repair reads private-use characters one for one and nothing else."""
    _, a, b, fixed = best
    return len(fixed) == b - a and _PUA_ONLY.fullmatch(run, a, b) is not None


_SENTENCE_EDGE = frozenset(STOPS + "」』”")  # a stop, or a closing quote after one
_EDGE_LOSS = 4.0  # nats a character read with its stretch may lose against its reading as it stands
_EDGE_REACH = 2  # characters a stretch may end past a sentence's edge, or short of one


def _to_sentence_edges(
    run: str, best: tuple[float, int, int, str], wrong: str, right: str, lm: CharLM, pos: int,
) -> tuple[float, int, int, str]:
    """A misread stretch (a section of a page, a pasted passage) begins and ends at a sentence's edge: when the
    window reaches one or two characters past one, those are left as they stand if they are frequent text that
    loses little by it; when it stops one or two characters short of one, those are read with it if they read as
    frequent text that loses little (。晶略日 for 。儒略日: 儒 read as GBK is the more frequent 晶)."""
    total, a, b, fixed = best
    # every move below needs a sentence's edge within reach (most windows in a long run have none near)
    reach = _EDGE_REACH + 1
    if a > _EDGE_REACH and b + _EDGE_REACH < len(run) and not any(
            c in _SENTENCE_EDGE for c in run[a - reach : a] + fixed[:reach] + fixed[-reach:] + run[b : b + reach]):
        return best

    odd, bit = _odd_table(), READS_IN_SIMP if wrong == "big5" else READS_IN_TRAD

    def own(text: str) -> bool:  # frequent text of the page's script as it stands, none of it odd (`_odd_table`)
        return all(lm.common[ord(c)] and c not in lm.off_script and not odd[ord(c)] & bit for c in text)

    def frequent(text: str | None, other: str, k: int, before: str = "", after: str = "") -> bool:
        # frequent text losing little against `other`, with the words either makes with its neighbours
        return bool(text) and all(lm.common[ord(c)] for c in text or "") and (
            lm.score(before + (text or "") + after) - lm.score(before + other + after) > -_EDGE_LOSS * k)

    # characters past a sentence's edge that are frequent text as they stand are left so (the clean 隔 after a
    # misread 。 would read as 路), unless their reading makes a word with the clean text after them (。瞰如 for
    # 。例如)
    for k in range(1, _EDGE_REACH + 1):
        if len(fixed) > k + 1 and fixed[-k - 1] in _SENTENCE_EDGE and frequent(
                run[b - k : b], fixed[-k:], k, after=run[b : b + 1]):
            b, fixed = b - k, fixed[:-k]
            break
    for k in range(1, _EDGE_REACH + 1):
        if len(fixed) > k + 1 and fixed[k] in _SENTENCE_EDGE and frequent(
                run[a : a + k], fixed[:k], k, before=run[a - 1 : a] if a else ""):
            a, fixed = a + k, fixed[k:]
            break
    # characters short of a sentence's edge that read as frequent text are read with the stretch
    for k in range(1, _EDGE_REACH + 1):
        s = a - k
        if s >= pos and (s == 0 or run[s - 1] in _SENTENCE_EDGE) and run[s] not in _SENTENCE_EDGE:
            head = _redecode_span(run[s:a], wrong, right)
            # a head that is the page's own frequent text as it stands is judged with the stretch's first character
            # read right, the word it makes or breaks with it (措施。反 + 對的後果: 反 reads as 毀, frequent too, but
            # 反對 is a word); one of the other script or odd is not (。传 + 言之: 传言 is a word, but 传 is Big5's
            # 換 read as GB18030)
            if frequent(head, run[s:a], k, after=fixed[:1] if own(run[s:a]) else ""):
                a, fixed = s, head + fixed  # type: ignore[operator]
                break
    for k in range(1, _EDGE_REACH + 1):
        e = b + k
        if e <= len(run) and run[e - 1] not in _SENTENCE_EDGE and (e == len(run) or run[e] in _SENTENCE_EDGE):
            tail = _redecode_span(run[b:e], wrong, right)
            if frequent(tail, run[b:e], k, before=fixed[-1:] if own(run[b:e]) else ""):
                b, fixed = e, fixed + tail  # type: ignore[operator]
                break
    return total, a, b, fixed


# where a match of `_UTF8_WINDOW` long enough to make a window (`_long_enough`: 5 bytes of sequences) may begin: three
# 2-byte UTF-8 sequences (or two and a lead byte), a 2-byte one before a longer one, or a longer one before any; or
# its punctuation mark or Han character before a letter as they are. One search says whether any does (each
# alternative opens with its own lead bytes, which Python's regex engine tests fast), before the matches are listed
_CONT = rb"[\x80-\xbf]"
_LONG_SEQ = (rb"[\xc2-\xdf]%s(?:[\xc2-\xdf]%s[\xc2-\xf4]%s|[\xe0-\xef]%s{2}|[\xf0-\xf4]%s{3})" % ((_CONT,) * 5)
             + rb"|[\xe0-\xef]%s{2}[\xc2-\xf4]%s|[\xf0-\xf4]%s{3}[\xc2-\xf4]%s" % ((_CONT,) * 4))
_UTF8_LONG_WINDOW = re.compile(_LONG_SEQ + _UTF8_WINDOW.pattern[len(_UTF8_SEQ.pattern) :])


def lead_first(pattern: bytes) -> re.Pattern[bytes]:
    """`pattern`, every match of which begins with a UTF-8 lead byte (C2-F4), behind a lookahead for one: the same
    matches, found 2-3x faster in GBK's bytes (without it the engine tries each alternative at every byte, and about
    half of GBK's bytes are lead bytes only for the lookahead to let through)."""
    return re.compile(rb"(?=[\xc2-\xf4])(?:%s)" % pattern)


# what the searches below use: `_UTF8_WINDOW` and `_UTF8_LONG_WINDOW` as `lead_first` compiles them
_WINDOW_AT, _LONG_WINDOW_AT = lead_first(_UTF8_WINDOW.pattern), lead_first(_UTF8_LONG_WINDOW.pattern)
# a byte no UTF-8 sequence holds (ASCII, C0, C1, F5-FF) as 0, any other as 1: where a scan of `_UTF8_WINDOW`'s matches
# is in step with every other scan (GBK's trail bytes are F5-FE one time in twenty: a review without ASCII holds some)
_BARRIERS = bytes(0 if b < 0x80 or b in (0xC0, 0xC1) or b >= 0xF5 else 1 for b in range(256))
# each byte as its class in a UTF-8 stream: continuation X (80-BF), lead B (C2-DF), C (E0-EF), D (F0-F4), other "."
_UTF8_CLASSES = bytes(b"X"[0] if 0x80 <= b <= 0xBF else b"B"[0] if 0xC2 <= b <= 0xDF else b"C"[0] if 0xE0 <= b <= 0xEF
                      else b"D"[0] if 0xF0 <= b <= 0xF4 else b"."[0] for b in range(256))
# what every match of `_LONG_SEQ`, the punctuation mark or the Han character holds, in those classes: a 3-byte
# sequence (CXX), a 4-byte one (DXXX), or two 2-byte ones and a lead byte with a continuation byte (BXBX[BCD]X)
_TWO_TWO = re.compile(rb"BXBX[BCD]X")


def may_hold_long(raw: bytes) -> bool:
    """Whether `raw` may hold a match of `_LONG_WINDOW_AT` (or `step._UTF8_LONG`, the same without its end anchor):
    False proves it holds none. One translation and three substring searches in C, where the byte regex's search
    costs ~100 instructions a byte (most of a page's GBK bytes hold no 3-byte sequence's shape at all)."""
    classes = raw.translate(_UTF8_CLASSES)
    return b"CXX" in classes or b"DXXX" in classes or _TWO_TWO.search(classes) is not None


_SHAPES = re.compile(rb"CXX|DXXX|BXBX[BCD]X")


def long_shapes(raw: bytes) -> list[int]:
    """Where in `raw` the shapes `may_hold_long` looks for begin (one scan of the bytes' classes, overlapping ones left
    out: they touch, and no ASCII byte stands between them). Every match of `_LONG_WINDOW_AT` or `step._UTF8_LONG`
    holds one, and begins and ends with it between the same two ASCII bytes (a 2-byte sequence and a longer one, or
    two and a lead byte, or a longer one: each alternative's bytes in those classes; the punctuation mark and the Han
    character are 3-byte sequences). A quarter of the regex's cost a byte on the `?` pages' GBK bytes."""
    return [m.start() for m in _SHAPES.finditer(raw.translate(_UTF8_CLASSES))]


def long_matches(raw: bytes, matches: re.Pattern[bytes], long: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """The matches of `matches` in `raw` (`_UTF8_WINDOW`'s, or a form of it) that are `_long_enough`, as a scan of
    every match lists them; `long`: where such a match may begin (`_UTF8_LONG_WINDOW`, or the form's own). Only the
    bytes from the last byte before each place `long` finds that no UTF-8 sequence holds (ASCII, C0, C1, F5-FF) are
    scanned: no match holds one, so the scan of every match passes that byte at a match's edge, and goes on from it
    as a scan that starts there does (a page's GBK bytes hold many short matches, each tried at every byte, far from
    any long one; from the last ASCII byte only, a review without one was scanned from its start)."""
    if not may_hold_long(raw):
        return
    marks = None
    pos = 0
    while (hit := long.search(raw, pos)) is not None:
        if marks is None:
            marks = raw.translate(_BARRIERS)
        for m in matches.finditer(raw, max(pos, marks.rfind(0, pos, hit.start()) + 1)):
            if _long_enough(m):
                yield m
                pos = m.end()  # (a match's end: where the scan of every match goes on from)
                break
        else:
            return


def _long_enough(m: re.Match[bytes]) -> bool:
    """Whether a match of `_UTF8_WINDOW` may make a window: its bytes, one more at most (an ASCII byte read with its
    last), reach the window's size (most matches in a run's GBK bytes are two 2-byte sequences, 4 bytes: none)."""
    return m.end() - m.start() + 1 >= (_SIGN_BYTES if m.group("punct") or m.group("one") else _WINDOW_BYTES)


def _utf8_window_in(run: str, wrong: str) -> bool:
    """Whether the run's bytes (as `wrong` made them) may hold a UTF-8 window: without, `_utf8_windows` finds none.
    The test alone, for the many runs that fail it (a page sent for a '?': most of its runs)."""
    try:
        raw = misread_bytes(run, wrong)
    except UnicodeEncodeError:
        return False
    return next(long_matches(raw, _WINDOW_AT, _LONG_WINDOW_AT), None) is not None


# (a pure function, remembered for the runs last asked: `encoded_twice` asks every run of a page the pass asks again;
# the list is shared, never changed by a caller). Enough for a damaged page's runs: the seed page has about 1,700
# runs that may hold a window per codec, each asked twice, and 256 kept none of them from one walk to the next
@lru_cache(maxsize=4096)
def _utf8_windows(run: str, wrong: str) -> list[tuple[int, int]]:
    try:
        raw = misread_bytes(run, wrong)
    except UnicodeEncodeError:
        return []
    matches = list(long_matches(raw, _WINDOW_AT, _LONG_WINDOW_AT))
    if not matches:
        return []
    # each character's first byte, and the end: sorted, so a byte offset's character is found by bisection (a dict
    # of every offset cost a long run's page more than its windows)
    offsets = [0, *np.cumsum(_byte_lengths(wrong)[codepoints(run)], dtype=np.int64).tolist()]
    windows = []
    for m in matches:
        a, b = m.start(), m.end()
        if offsets[bisect_left(offsets, b)] == b + 1 and raw[b] < 0x80:  # (b itself no character's edge)
            b += 1  # the last UTF-8 byte and the ASCII byte after it were read as one GBK character (括P: 鎷琍)
        # shrink to character boundaries of the run: the first at or after a, the last at or before b
        i = bisect_left(offsets, a)
        if i == len(offsets) or offsets[i] >= b:
            continue
        j = bisect_right(offsets, b) - 1
        if offsets[j] - offsets[i] >= (_SIGN_BYTES if m.group("punct") or m.group("one") else _WINDOW_BYTES):
            windows.append((i, j))
    return windows


def _holds_mark(run: str, a: int, b: int, marks: tuple[int, ...] | None) -> bool:
    """Whether `run[a:b]` holds a character that is evidence of a pair misread (`_best_window`'s `marks`)."""
    if marks is None:
        return _MARKED.search(run, a, b) is not None
    return holds_any(marks, a, b)


class PageReadings:
    """What `_pair_windows` measures of one text's characters as they stand, for a model: their code points, the
    model's log-probability of each and which neighbours make a word; and per GBK <-> Big5 misreading, the gains of
    reading each character the other way (`gains`). Made once for the text the repair passes read (the two codecs'
    passes share the first part), every value a function of a character or a pair alone, computed by the
    operations `_pair_windows` used per run: a run's slices are the run's own arrays."""

    __slots__ = ("as_is", "by_codec", "lm", "text")

    def __init__(self, text: str, lm: CharLM) -> None:
        self.text, self.lm = text, lm
        self.by_codec: dict[tuple[str, str], PairGains] = {}
        self.as_is = _as_is(codepoints(text), lm)

    def gains(self, wrong: str, right: str) -> PairGains:
        """The gains of reading the text's `wrong` bytes as `right`."""
        got = self.by_codec.get((wrong, right))
        if got is None:
            got = self.by_codec[wrong, right] = PairGains(*_gain_arrays(self.as_is, wrong, right, self.lm))
        return got


class PairGains:
    """Per character of a text, its reading (one character, or none: `meant`) and what reading it so gains
    (`own`), and per pair of neighbours the word bonus made or lost (`words`), for one misreading and model."""

    __slots__ = ("meant", "own", "reads", "words")

    def __init__(self, meant: np.ndarray, own: np.ndarray, words: np.ndarray, reads: np.ndarray) -> None:
        self.meant, self.own, self.words, self.reads = meant, own, words, reads

    def run(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The readings, the gains and whether each reads as a frequent character (`_gain_arrays`) of the characters
        of `[start, end)` as a run of their own."""
        return (self.meant[start:end], _run_gains(self.own[start:end].copy(), self.words[start : max(start, end - 1)]),
                self.reads[start:end])


def _as_is(points: np.ndarray, lm: CharLM) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Characters' code points, those in the BMP (others 0: no reading, see _pair_reading), the model's
    log-probability of each, and per pair of neighbours whether it is a word."""
    bmp = np.where(points < 0x10000, points, 0)
    return points, bmp, lm.char_table()[bmp], lm.are_words(points[:-1], points[1:])


def _gain_arrays(as_is: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], wrong: str, right: str,
                 lm: CharLM) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per character, its reading and its own gain, per pair of neighbours the word bonus (see `PairGains`), and per
    character whether it reads as another that is one of the most frequent (`_frequent_reading`'s test: `char_table`
    is the model's `char` of each code point, and a reading is in the BMP)."""
    points, bmp, here, words_here = as_is
    meant = _pair_reading(wrong, right)[bmp]
    has = meant != 0
    read = lm.char_table()[meant]
    own = np.where(has, read - here, -1e9)
    both = has[1:] & has[:-1]  # a word made or lost counts half to each of its two characters
    words = WORD_BONUS / 2 * (lm.are_words(meant[:-1], meant[1:]).astype(np.float64) - words_here) * both
    return meant, own, words, has & (meant != points) & (read >= FREQUENT_LOGP)


def _run_gains(gains: np.ndarray, words: np.ndarray) -> np.ndarray:
    """A run's characters' gains: their own (`gains`, added to in place) and the words' bonuses within the run."""
    gains[1:] += words  # in the order a running sum would add them: each pair's bonus to its second character,
    gains[:-1] += words  # then to its first
    return gains


def _pair_windows(run: str, wrong: str, right: str, lm: CharLM, *, marked: bool = False,
                  marks: tuple[int, ...] | None = None, neutral_short: tuple[tuple[int, int], ...] = (),
                  page: tuple[PairGains, int] | None = None) -> list[tuple[int, int]]:
    """Stretches of characters where reading each one's bytes right gains (maximal positive-sum segments
    of per-character gains, dictionary words with the neighbour included). `marked`: the run holds characters
    that are evidence by themselves (see `_redecode`), and a stretch with one of them qualifies. `neutral_short`:
    stretches of the run read already, beside which (`_BESIDE_PROVEN` characters) a short stretch needs no
    `_script_proof`. `page`: the gains of the text the run stands in, and where it begins there."""

    def proof(s: int, e: int) -> bool:
        return _script_proof(run, s, e, wrong) or any(
            a - _BESIDE_PROVEN <= e and s <= b + _BESIDE_PROVEN for a, b in neutral_short)

    # per character, its reading (one character, or none) and what reading it so gains, as arrays
    if page is not None:
        meant, gains, reads = page[0].run(page[1], page[1] + len(run))
    else:
        meant, own, words, reads = _gain_arrays(_as_is(codepoints(run), lm), wrong, right, lm)
        gains = _run_gains(own, words)
    ahead = (gains > 0).nonzero()[0].tolist()  # where a segment may begin
    if not ahead:
        return []  # no segment can gain
    fixed: list[str | None] = [chr(c) if c else None for c in meant.tolist()]
    frequent: list[bool] = reads.tolist()
    windows = []
    for start, best_end, best in _gaining_segments([*gains.tolist(), -1e9], ahead):
        # each segment ends where its running total peaked (Kadane): correct text after the damage, whose gains are
        # negative, stays out; shorter, or mostly frequent characters: a rare word, not mojibake
        span = best_end - start
        if ((span >= _RARE_SPAN and _RARE_EVERY * lm.rare_count(run[start:best_end]) >= span)
                or (marked and _holds_mark(run, start, best_end, marks))
                or _frequent_reading(run, start, best_end, fixed, lm, frequent)
                or (_odd_word(run, start, best_end, fixed, lm)
                    and proof(start, best_end))
                or (wrong == "gb18030" and _simplified_stretch(run, start, best_end, fixed, lm))
                or (span >= _SHORT_RARE_SPAN and best >= _SHORT_RARE_GAIN * span
                    and (span > _ODD_WORD[1] or proof(start, best_end))
                    and lm.rare_count(run[start:best_end]) >= _SHORT_RARE
                    and _words(lm, "".join(fixed[start:best_end])))  # type: ignore[arg-type]
                or (span >= _GAIN_SPAN and best >= _GAIN_PER_CHAR * span
                    and _GAIN_WORD_EVERY * _words(lm, "".join(fixed[start:best_end])) >= span)  # type: ignore[arg-type]
                or _between_digits(run, start, best_end, fixed, lm)):
            windows.append((start, best_end))
    return windows


def _gaining_segments(values: list[float], ahead: list[int]) -> Iterator[tuple[int, int, float]]:
    """Kadane's scan of `values` (the last closes any segment: -1e9): each segment of positive running total as
    (its start, where its total peaked, that peak), those whose peak is positive. `ahead`: where the values are
    positive, in order. The scan starts at each of those: after a segment ends (its state reset), a value that is
    not positive ends an empty one at once, which yields nothing, so the scan goes on from the next positive one
    (the same segments and sums as a scan of every value)."""
    if not ahead:
        return
    k, n, following = ahead[0], len(values), 1
    total, start, best, best_end = 0.0, k, 0.0, k
    while k < n:
        g = values[k]
        if total + g <= 0:
            if best > 0:
                yield start, best_end, best
            while following < len(ahead) and ahead[following] <= k:
                following += 1
            if following == len(ahead):
                return  # (no value after this one is positive: every segment left would be empty)
            k = ahead[following]
            total, start, best, best_end = 0.0, k, 0.0, k
        else:
            total += g
            if total > best:
                best, best_end = total, k + 1
            k += 1


# how near a stretch already read as GBK read as Big5 a short script-neutral one must stand to be read on that
# proof: the pieces a long misread span leaves between its windows touch it; a clean name elsewhere in the page
# (逄晟表示 beside a misread paragraph: a review) does not
_BESIDE_PROVEN = 2
_ODD_WORD = (2, 3)  # a stretch of 2 or 3 characters, each rare or off-script, read as frequent ones making a word
_CJK = re.compile("[\u4e00-\u9fff]")  # the unified Han block: what a simplified page's own characters are in


def _script_proof(run: str, start: int, end: int, wrong: str) -> bool:
    """Whether a short stretch (`_odd_word`'s, or the short rare one's: 3 characters at most) shows by its
    characters that it is not the page's own text. GBK read as Big5 (`wrong` big5, a simplified page): some
    character is not one a simplified page writes (a traditional-only form, zhuyin, kana, a sign; 闔親 for 麦克).
    Two or three script-neutral Han characters are what a simplified page's rare names and classical lines are
    made of, and many of them read as a word the other way (逄晟 -> 语言, 昝睿 -> 熙和, 覃淏 -> 调正, 芃芃黍 ->
    刷刷读): no proof of Big5 by themselves. The other codecs are judged as before."""
    if wrong != "big5":
        return True
    off = for_script("simplified").off_script
    return any(c in off or _CJK.fullmatch(c) is None for c in run[start:end])



def _odd_word(run: str, start: int, end: int, fixed: list[str | None], lm: CharLM) -> bool:
    """Whether `run[start:end]` is a short stretch of characters each rare or of the other script whose readings
    are all frequent characters and make a dictionary word (闔親 for 麦克, 頗眸轂 for 会捕猎)."""
    if not _ODD_WORD[0] <= end - start <= _ODD_WORD[1] or len(set(run[start:end])) < end - start:
        return False  # (a character doubled is the page's own: 憂心慇慇 in the Book of Songs)
    read = fixed[start:end]
    if any(f is None for f in read):
        return False
    if all(not lm.common[ord(c)] and lm.char(f) >= FREQUENT_LOGP  # type: ignore[arg-type]
           for c, f in zip(run[start:end], read, strict=True)):
        return _words(lm, "".join(read)) > 0  # type: ignore[arg-type]
    # or, inside East Asian text (a fragment between ASCII words is judged with the page's damage, `_fragments`),
    # each less than frequent, one of them odd (kana, a Greek letter, off-script: -13 nats or less), each read as a
    # known character gaining 3 nats, nearly frequent (κ緇 for 百餘, ワ埮 for 签约, 闔親 for 麦克: 麦 is -9.1)
    if not (run[start - 1 : start] >= "\u2e80" or run[end : end + 1] >= "\u2e80"):
        return False
    if _HIRAGANA.search(run, 0, start) or _HIRAGANA.search(run, end):
        return False  # Japanese: its hiragana beside kanji read the other way make Chinese words too (覗いて見た
        # -> 覗中化見た, found in review on Rashōmon); hiragana outside the stretch say the text is Japanese (one
        # inside it alone, い瓣 for 中國 in a Chinese sentence, is the misreading's)
    chars = [(lm.char(c), lm.char(f)) for c, f in zip(run[start:end], read, strict=True)]  # type: ignore[arg-type]
    if not (any(c <= _ODD_LOGP for c, _ in chars) and all(
            c < FREQUENT_LOGP and f >= _NEAR_FREQUENT and f - c >= _ODD_WORD_GAIN for c, f in chars)
            and all(lm.common[ord(f)] for f in read)):  # type: ignore[arg-type]
        return False
    return _words(lm, "".join(read)) > 0  # type: ignore[arg-type]


_ODD_LOGP, _NEAR_FREQUENT, _ODD_WORD_GAIN = -13.0, -10.5, 3.0  # see `_odd_word`


_SIMPLIFIED_STRETCH = (2, 3)  # characters in a short stretch of simplified-only forms a traditional page holds
_TRAD_PAGE_MARK = "们"  # a simplified-only character: in the model's off-script set, the page is traditional
_KANA_OR_PUA = re.compile("[\u3041-\u30ff\ue000-\uf8ff]")


def _simplified_stretch(run: str, start: int, end: int, fixed: list[str | None] | _Aligned | None,
                        lm: CharLM) -> bool:
    """Whether `run[start:end]`, in a traditional page (Big5 read as GB18030), is a short stretch of characters no
    traditional text writes there: each a simplified-only form, a character the model does not know, a kana or a
    private-use character (GB18030 reads Big5's frequent rows as GB2312's simplified characters, its kana rows and
    its user-defined area: 绰龟 for 朝實, 场驹 for 部戰, 钡帝 + U+E652 for 接著他), at least one of them a
    simplified-only Han character, whose Big5 reading is frequent traditional text making a dictionary word by
    itself or with a neighbour (王 + 朝實 + 錄). A simplified name or word quoted in a traditional page is frequent
    simplified text as it stands: the null hypothesis (`_judge_reading`, `_OWN_SCRIPT`) keeps it."""
    if fixed is None or _TRAD_PAGE_MARK not in lm.off_script:
        return False
    if not _SIMPLIFIED_STRETCH[0] <= end - start <= _SIMPLIFIED_STRETCH[1]:
        return False
    off = 0
    for k in range(start, end):
        c, f = run[k], fixed[k]
        if f is None or c.isascii() or not lm.common[ord(f)] or lm.char(f) < FREQUENT_LOGP:
            return False
        if c in lm.off_script and _CJK.fullmatch(c):
            off += 1
        elif not (_KANA_OR_PUA.fullmatch(c) or lm.char(c) <= UNKNOWN_LOGP):
            return False
    if not off:
        return False
    read = "".join(fixed[k] or "" for k in range(start, end))
    return _words(lm, run[start - 1 : start] + read + run[end : end + 1]) > 0
_HIRAGANA = re.compile("[\u3041-\u309f]")


_AFTER_NUMBER = frozenset("年月日号时分秒岁")
_BY_DIGITS_RARE = 2  # rare or off-script characters by digits that make a misreading when each reads right


def _between_digits(
    run: str, start: int, end: int, fixed: list[str | None] | _Aligned | None, lm: CharLM
) -> bool:
    """Misread characters next to digits (2016爛9堎 for 2016年9月: dates and counts), two at least, rare or
    off-script and read right among the most frequent characters."""
    if not any(c.isdigit() for c in run[max(0, start - 1) : end + 1]):
        return False  # every way below needs a digit beside or inside the stretch (a cheap answer for most)
    wrong = [k for k in range(start, end) if not run[k].isascii()]
    if not wrong:
        return False

    def digit(k: int) -> bool:
        return 0 <= k < len(run) and run[k].isdigit()

    if len(wrong) == 1 and not (digit(wrong[0] - 1) and digit(wrong[0] + 1)):
        # one alone only between digits (8堎21 for 8月21), or after one when it reads as what follows numbers
        # (1998爛 for 1998年)
        k = wrong[0]
        if not (digit(k - 1) and fixed is not None and fixed[k] is not None and fixed[k] in _AFTER_NUMBER):
            return False
    # each stretch of them (no ASCII inside) begins or ends at a digit (18呡婓: 18岁在; 跦擂2002爛: 根据2002年)
    groups = consecutive_runs(wrong)
    if not all(digit(g[0] - 1) or digit(g[-1] + 1) for g in groups):
        return False
    rare = 0
    for k in wrong:
        right = fixed[k] if fixed is not None else None
        if right is not None and lm.char(right) < FREQUENT_LOGP:
            return False
        rare += not lm.common[ord(run[k])]
    # every one rare or off-script, or two at least when each is known to read right among the most frequent
    # characters (衾2006爛6堎 for 于2006年6月: 衾 is frequent enough itself)
    return rare == len(wrong) or (fixed is not None and rare >= _BY_DIGITS_RARE)
_READ_DISTINCT = 3  # ... of which at least this many different ones


def _frequent_reading(run: str, start: int, end: int, fixed: list[str | None], lm: CharLM,
                      frequent: list[bool] | None = None) -> bool:
    """Whether `_READ_RUN` characters in a row of `run[start:end]` each read the other way as one of the most
    frequent characters, and together make a dictionary word, or one more in a row that need not (坳甜祥蜇翍 for
    它并不附著: jieba has no 并不): a short misread sentence may hold one or two rare characters only (撼瞰佽隴瞰 for
    举例说明例, 极酗褫湛 for 体长可达), but clean text hardly ever has such a stretch (the 8 MB of clean text hold
    four, three in traditional pages and 等等等等, and the repair changes none of them). `frequent`: per character of
    the run, whether it reads so (`PairGains.reads`, from `_gain_arrays`), when known."""
    if frequent is None:
        frequent = [f is not None and f != c and lm.char(f) >= FREQUENT_LOGP for c, f in zip(run, fixed, strict=True)]
    k = start
    while k < end:
        j = k
        while j < end and frequent[j]:
            j += 1
        if len(set(run[k:j])) < _READ_DISTINCT:
            pass  # one character repeated (假假假假, 等等等等) is emphasis, not a misread sentence
        elif j - k > _READ_RUN or (j - k == _READ_RUN and _words(lm, "".join(fixed[k:j]))):  # type: ignore[arg-type]
            return True
        k = j + 1
    return False


class _Aligned:
    """`fixed` (the reading of `run[a:b]`, one character for one) indexed by the positions of `run`, None outside.
    Made in constant time: a list over the whole run, made for each window, took a long run's windows quadratic
    time (private-use characters alternating with Han ones, as Big5 read as GBK looks, 1 MB in minutes)."""

    __slots__ = ("a", "fixed")

    def __init__(self, a: int, fixed: str) -> None:
        self.a, self.fixed = a, fixed

    def __getitem__(self, k: int) -> str | None:
        j = k - self.a
        return self.fixed[j] if 0 <= j < len(self.fixed) else None


def _aligned(run: str, a: int, b: int, fixed: str) -> _Aligned | None:
    """`fixed` (the reading of `run[a:b]`, one character for one) over the positions of `run` (see `_Aligned`)."""
    if len(fixed) != b - a:
        return None
    return _Aligned(a, fixed)
