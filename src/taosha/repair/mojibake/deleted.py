"""A GBK byte deleted: the text after it is read out of step (each character made of one character's second byte
and the next one's first) until the decoder falls back into step at a single-byte character, or loses a lone byte
(U+FFFD, `?`). Browsers and code page 936 read GBK's user-defined pairs as private-use characters, so the stretch
is dense with rare and private-use characters.

The bytes prove the repair: the stretch's own bytes re-read one byte later give back every character after the
lost one. The character at the deletion is gone (one of its bytes survives, not enough to name it): it becomes
U+FFFD, as does a character whose other byte the decoder replaced at the stretch's end; both are counted as
unrepaired. Nothing is chosen by the character model: it only judges that the re-read stretch is text and the
stretch as it stands is not (the null hypothesis, `_holds`).

The damaged stretch lies inside one run of two-byte characters (the run a single-byte character ends), so each
run is decoded once one byte later; the reading from each of its characters is a suffix of that one decoding
(two-byte steps), and the place where the byte was lost is where the re-reading gains most.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

import numpy as np

from taosha.document import Document
from taosha.repair.mojibake.codec import _build_pairs, _cached_table
from taosha.repair.mojibake.gate import _DENSE, GLUED, SIMP_ONLY, TRAD_ONLY, _gate_table
from taosha.repair.mojibake.score import _letters, _mean, _words
from taosha.textarrays import codepoints, lay_out
from taosha.zh.lm import WORD_BONUS, CharLM, for_script, model

LOST = "\ufffd"  # what a character whose byte is gone becomes (as a decoder writes it)
_UNKNOWN = -1  # a byte the decoder replaced (U+FFFD or `?` where the stretch ends)

# a run of characters with two GB18030 bytes each (Han, full-width forms, GBK's symbols, the private-use characters
# of its user-defined area), and what may follow it: a lone byte's replacement, ASCII
_RUN = re.compile("[^\x00-\x7f\ufffd\u20ac]{2,}")  # split further where a character is not two bytes (`_runs`)
_TAIL = 4  # characters after a run taken with it: where the decoder falls back into step
_PUA = re.compile("[\ue000-\uf8ff]")
_LOST = re.compile("\ufffd")
# what a deleted byte's stretch ends with, beside private-use characters: a trail byte in ASCII's range read alone
# (or 80, the euro sign) after a Han or private-use character, before another two-byte one (行l星 for 衛星, 家€包括
# for 還包括), or after one of GBK's symbols or full-width forms when that byte, read with the symbol's second byte,
# makes a frequent character (`_symbol_lone`: 。's trail byte is A3, the full-width forms' lead byte, so 境。發 out of
# step reads 尽０l, 聯邦參議 reads 聯顓⒆h, 穌，猶 reads 穌＊q; the real reviews put ASCII after full-width punctuation
# often, ！~ and ，U盘, whose pairs read no frequent character). The symbols' range U+2000-U+33FF holds quotes
# and 《：too, so “A照” and ：B型 make a page suspect (3 of the 400 DAnIEL news pages, 11 reviews: found in
# review), and the deleted pass then lets them go: their pairs read no frequent character; never after ASCII or
# Latin letters
_BEFORE_LONE = "\u4e00-\u9fff\ue000-\uf8ff\u2000-\u33ff\ufe30-\uffef"
# (the byte's class tested before the look behind it: the search takes half the time on news pages' lines; and one
# class of every first character, which the engine scans for fast, before the alternatives: a fifth of that again)
_SIGNS = re.compile(f"[\ue000-\uf8ff\x40-\x7e\u20ac](?:(?<=[\ue000-\uf8ff])"
                    f"|(?<=[{_BEFORE_LONE}][\x40-\x7e\u20ac])(?=[^\x00-\x7f]))")


@lru_cache(maxsize=1)
def _pairs() -> dict[int, str]:
    """Every two-byte GB18030 pair (GBK's, and the user-defined area as private-use characters, as code page 936
    reads it in browsers): `lead << 8 | trail` -> its character. From the table cache: decoding the 24,000 pairs
    one by one took 40 ms of every run's start."""
    packed = _cached_table("gb18030-pairs", lambda: _build_pairs("gb18030")).tolist()
    return {p >> 21: chr(p & 0x1FFFFF) for p in packed}


def _encode(text: str) -> list[int] | None:
    """GB18030 bytes of a run of two-byte characters (None when one has no two-byte form)."""
    try:
        raw = text.encode("gb18030")
    except UnicodeEncodeError:
        return None
    return list(raw) if len(raw) == 2 * len(text) else None


def _tail_tokens(text: str) -> list[int]:
    """Bytes of the characters after a run, up to one with no single or two-byte form; a replacement (U+FFFD, or a
    `?` right after the run) is one byte the decoder lost."""
    out: list[int] = []
    for i, c in enumerate(text):
        if c == "\ufffd" or (c == "?" and i == 0):
            out.append(_UNKNOWN)
        elif c == "\u20ac":
            out.append(0x80)  # code page 936's one-byte euro sign
        elif c < "\x80":
            out.append(ord(c))
        else:
            raw = _encode(c)
            if raw is None:
                break
            out.extend(raw)
    return out


# one two-byte character after ASCII (or at a line's start) and a lone byte after it: a stretch of one character
# (12绿K聯 for 12月蘇聯, 月's lead byte lost: the date's digits end the run before it); not a private-use character,
# which icon fonts put after numbers (CD11\ue61da的: the glyph's second byte is w, read alone)
_ONE = re.compile("(?<![^\x00-\x7f])[^\x00-\x7f\ufffd\u20ac\ue000-\uf8ff](?=[\x40-\x7e][^\x00-\x7f])")


def _runs(line: str, lone_after: bool = False):
    """`_runs_of_two`'s runs and `_ONE`'s characters, in order."""
    ones = [(m.start(), m.end()) for m in _ONE.finditer(line) if _encode(m.group()) is not None]
    if not ones:
        yield from _runs_of_two(line, lone_after)
        return
    yield from heapq.merge(_runs_of_two(line, lone_after), ones)


def _runs_of_two(line: str, lone_after: bool = False):
    """(start, end) of each run of two or more characters with two GB18030 bytes each in `line`; `lone_after`: only
    those of the stretches a lone byte follows (`_lone_after`; a stretch split at a character with other lengths
    yields its runs, and the caller asks again)."""
    for m in _RUN.finditer(line):
        if lone_after and not (_lone_after(line, m.end()) or _glued_after(line, m.end())):
            continue  # (before encoding the run: most runs of a page the deleted pass reads for a lone byte)
        if _encode(m.group()) is not None:
            yield m.start(), m.end()
            continue
        a = m.start()
        for k in range(m.start(), m.end() + 1):  # split at the characters with other lengths (emoji, 𠮷)
            if k == m.end() or _encode(line[k]) is None:
                if k - a >= 2:
                    yield a, k
                a = k + 1


def _decode(
    tokens: list[int], start: int, until: set[int] | frozenset[int] = frozenset()
) -> tuple[list[str], list[int]]:
    """Characters of `tokens[start:]` read as code page 936 reads them, and the offset each starts at (the last one
    the offset where the reading stopped: the end, or the first offset after `start` in `until`); a lead byte whose
    trail was lost is `LOST`, one with no trail `?`."""
    pairs = _pairs()
    chars: list[str] = []
    starts: list[int] = []
    i, n = start, len(tokens)
    while i < n:
        if i in until and i > start:
            break
        t = tokens[i]
        starts.append(i)
        if 0x81 <= t <= 0xFE and i + 1 < n:
            nxt = tokens[i + 1]
            c = LOST if nxt == _UNKNOWN else pairs.get(t << 8 | nxt)
            if c is not None:
                chars.append(c)
                i += 2
                continue
        chars.append("\u20ac" if t == 0x80 else chr(t) if 0 <= t < 0x80 else "?")
        i += 1
    starts.append(i)
    return chars, starts


def _running_scores(lm: CharLM, chars: list[str]) -> list[float]:
    """0 and the running sums of each character's log-probability, with the word bonus of the word it ends; a lost
    character costs nothing (under either reading it is what the decoder wrote). Character by character: the
    stretches are short, and the model's tables need no building (one per script, a quarter of a second each); the
    sums added in order, as numpy's `cumsum` adds them (the same floats: a list, where an array's items cost more
    to set and read one by one)."""
    out = [0.0]
    words, char, seen = lm.words, lm.char, lm.scored()  # (`char` of the characters met: a lookup, not a call)
    prev = ""
    total = 0.0
    for c in chars:
        if c == LOST:
            total += 0.0
        else:
            lp = seen.get(c)
            total += (char(c) if lp is None else lp) + (WORD_BONUS if prev + c in words else 0.0)
        out.append(total)
        prev = c
    return out


# the null hypothesis: a stretch is re-read only when the reading gains this many nats per character over the
# stretch as it stands and leaves at most one rare character in _RARE_AFTER. On the simulator's deleted bytes (dev
# seed) the best re-reading of a damaged stretch gains 3 nats or more in 177 of the 184 documents with a candidate
# (none between 2 and 3, the rest below 2); on the clean, lost-character and quoting negatives no candidate that
# passes the other tests gains over 3.1 (鐨勭敤閫, UTF-8 read as GBK: rare characters left, so refused), and on the
# 62,774 real reviews only kaomoji do (ε￣ 5.6, α＜ 5.1), each leaving a byte unread ('?': refused) but for the
# one review whose bytes were shifted (帕艘徽蟆 6.2)
_MIN_GAIN = 3.0
# A stretch holding one of GBK's user-defined pairs as code page 936 reads them (U+E000-E765; below U+E600, where
# icon fonts put their glyphs: iconfont.cn's start there) is out of step by its bytes: its re-reading is flagged,
# never written, when it gains _PAIR_GAIN nats a character (牛龙亚科（C with 牛's second byte lost reads
# 帕\ue320强疲–, 2.7 nats). Writing on 2 nats was tried and taken back (it wrote characters no byte supports: see
# docs/mojibake-deleted-byte.md); flagging writes nothing
_PAIR_GAIN = 2.0
_USER_PAIR = re.compile("[\ue000-\ue5ff]")
_RARE_AFTER = 8
# and the reading must be text by itself: a mean of _FLUENT nats a character at least, and a dictionary word when it
# is shorter than _SHORT characters. What other families leave unread (UTF-8 read as GBK or Big5: 被銆, 柟~, 子吻查兩)
# re-reads into short strings of characters without a word, most below -11.7 a character; the simulator's deleted
# bytes re-read into text of -9.5 a character at worst (烏孜別), and the short ones without a word (也醞, 樂鮮) are
# the few the rule gives up
_FLUENT, _SHORT = -10.0, 6
# ASCII symbols; what a shifted byte's stretch holds beside ASCII and full-width ASCII: on the real reviews the only
# stretches that passed otherwise were full-width letters or digits before an ASCII letter (ＩＢＭX, １８P), and on
# Wikipedia one character before a symbol (磡|, 複}: a trail byte in ASCII's range), read into a symbol
_CAMEL = re.compile("[a-z][A-Z]|[A-Z]{2}[a-z]")
_SYMBOLS = re.compile(r"[!-/:-@\[-`{-~]")
_SHIFTED = re.compile("[^\x00-\x7f\uff01-\uff5e]")
_LEAST_READ = 2  # characters a reading writes at least; one alone (樥I for 標誌 reads 誌) only flags the stretch


def _holds(lm: CharLM, old: str, new: str, after: str = "", before: str = "") -> str:
    """Whether `new` (the stretch re-read, `LOST` first) beats `old` (as it stands) by the bytes, not by the
    model's taste: two characters read at least, every byte read (no '?', no private-use character), no Latin
    letter that was not there, few rare characters left, and a gain of _MIN_GAIN nats a character: "read" when the
    reading is text by itself too (`_FLUENT`, `_SHORT`), "flag" when it is not (the stretch is out of step, but
    what it reads is not shown to be the text: counted as unrepaired), "" when the null hypothesis wins. `after`:
    the characters after the stretch (a letter the re-reading frees from a pair may begin the Latin word there:
    昂\ue0e2癢WF for 包含前WWF); `before`: the character before it (`_one_read`)."""
    body = new.replace(LOST, "")
    if not body or "?" in body or _PUA.search(body):
        return ""  # a byte left unread, a user-defined pair: still out of step
    if body.isascii() and not _USER_PAIR.search(old):
        return ""  # an icon glyph's second byte read alone (CD11\ue61da: w), where a user-defined pair's is the text's
    # a letter the reading frees that stands alone (单管炮A-217, 由V型) is the bytes' (the pair's second byte), but
    # a letter appearing among Chinese characters is what a wrong start writes too: the stretch is only flagged, and
    # only where the letter was a Han character's second byte (an icon font's glyph before Han text, 內\ue66a下 for
    # 內 and an icon, re-reads 去d: no sign) and either begins the ASCII text after it or the stretch holds a
    # user-defined pair (\ue0ee蒝 for ，由V; a rare bird's name, 鸲鹟, re-reads 尔l: no sign)
    # and before ASCII text only a reading of more than _LEAST_READ characters (红胸鸲鹟-Petroica, 陈浩玥-3号: a
    # rare name before a hyphen was flagged, a review)
    alone = _letters(new + after) > _letters(old + after)
    if alone and not ("\u4e00" <= old[-1:] <= "\u9fff" and _gate_table()[ord(old[-1])] & GLUED
                      and (("!" <= after[:1] <= "~" and len(body) > _LEAST_READ) or _USER_PAIR.search(old))):
        return ""
    if len(_CAMEL.findall(new + after)) > len(_CAMEL.findall(old + after)):
        return ""  # a letter glued to a word against its case (店舖Beams -> 店mBeams) is no spelling
    if not (_SHIFTED.search(old) or _lone_after_form(old)):
        return ""  # full-width letters and digits (ＩＢＭX, １８P) as written
    if len(_SYMBOLS.findall(new)) > len(_SYMBOLS.findall(old)):
        # an ASCII symbol out of a pair (磡 -> |) is no reading of clean text; one a long stretch holding a
        # user-defined pair frees (亚种。^ with a byte lost far before reads 侵帧\ue5a4: 。's lead byte and ^) is the
        # bytes', flagged like a freed letter
        if not (_USER_PAIR.search(old) and len(body) >= _SHORT):
            return ""
        alone = True
    if lm.rare_count(body) > 1 + len(body) // _RARE_AFTER:
        return ""
    fluency = _mean(lm, body)
    # a lost byte's mark and code page 936's one-byte euro sign are scored as nothing: the gain is the characters'
    # (UTF-8 read as GBK ends its stretches in €: 琛伴€ quoted as an example is not out of step)
    gain = fluency - _mean(lm, old.replace("\ufffd", "").replace("?", "").replace("\u20ac", ""))
    if gain < _MIN_GAIN:
        # a user-defined pair below the icon fonts' rows is a byte pair out of step by itself: a lower gain flags
        return "flag" if gain >= _PAIR_GAIN and len(body) >= _LEAST_READ and _USER_PAIR.search(old) else ""
    if len(body) < _LEAST_READ:  # one character read: the stretch is flagged when it shows a rare one (樥I for 標誌,
        # where 成為T on Wikipedia is 成為 and a T) or the reading joins words where the stretch did not, never read
        return "flag" if not alone and (lm.rare_count(old) or _one_read(lm, old, body, after, before)) else ""
    return "flag" if alone or fluency < _FLUENT or (len(body) < _SHORT and not _words(lm, body)) else "read"


def _lone_after_form(old: str) -> bool:
    """Whether `old` is one full-width form and a lone byte of ASCII's range after it: what a full-width
    punctuation mark that lost its second byte leaves (，蘇 is A3 AC CC 4B; without AC it reads ＬK, Ｌ being A3 CC).
    One character read so is flagged only (`_LEAST_READ`), and only where it joins a word (`_one_read`); the real
    reviews' full-width letters and digits before ASCII come several at a time (ＩＢＭX, １８P)."""
    return len(old) == 2 and "\uff01" <= old[0] <= "\uff5e" and "\x40" <= old[1] <= "\x7e"


def _one_read(lm: CharLM, old: str, body: str, after: str, before: str) -> bool:
    """Whether a one-character reading (`body`, of the stretch `old`: a character and the lone byte after it) makes
    a word with the character after it where the stretch's first character made none with the one before it
    (國際拐J唯一 reads 認 of 公認: 認唯 is no word, 拐 after 際 is none either; 痴J耶穌 for 承認耶穌, 默F金 for
    的現金; 成為T stays: 成為 is a word)."""
    words = lm.words
    return bool(after) and body + after[0] in words and not (before and before + old[0] in words)


# Where a run's re-reading starts. Starts of one re-reading differ only in their head: an earlier start turns the
# old character there into the lost one and writes the pair that its second byte makes with the next one's first
# (美國的托木箍酥 for 托木斯克, 斯's lead byte deleted: from 托 the bytes read 心竟克州, from 箍 only 克州), a later
# one leaves that old character as it stood. Both explain every byte, so the model alone would pick, and it wrote
# characters that are in neither the damaged text nor the truth (心竟 for 托木). The start taken is the latest whose
# gain is within _START_MARGIN nats of the best start's: the ambiguous head stays as it stood. On the dev seed
# (gbk-byte-deleted, 300 documents) the best start wrote 3 such characters in 2 spans (2.2 and under 1 nat ahead of
# a later start); a margin of 3 writes none, and 76 spans come out as the truth but for the lost character against
# 88 (the 12 others keep a head character as it stood and lose one the bytes held); margins of 1, 2 and 4 gave 86,
# 81 and 74 such spans, with 1, 2 and 0 characters written wrongly. A start more than 3 nats ahead still wins
# (在俄羅斯的托木斯克: 6.2 nats, 心竟 written): the model's taste, not the bytes, and left as found
_START_MARGIN = 3.0


def _latest_start(found: list[tuple], best: tuple) -> tuple:
    """Among the starts of the same re-reading as `best` (one decoding from the run's bytes, ending where `best`'s
    ends), the latest whose gain is within _START_MARGIN of the best's."""
    out = best
    for cand in found:
        if (cand[1] > out[1] and cand[5] is best[5] and cand[2] == best[2] and cand[4] == best[4]
                and cand[0] >= best[0] - _START_MARGIN):
            out = cand
    return out


def _reread_run(line: str, s: int, e: int, lm: CharLM) -> tuple[int, int, str, str] | None:
    """The best re-reading of the run `line[s:e]` one byte later: (start, end, new text, `_holds`'s verdict) or
    None."""
    raw = _encode(line[s:e])
    if raw is None:
        return None
    tokens = raw + _tail_tokens(line[e : e + _TAIL])
    tail_chars, tail_starts = _decode(tokens, len(raw))  # the old reading after the run, in step with the run
    old_starts = [2 * k for k in range(e - s)] + tail_starts[:-1]
    old_chars = list(line[s:e]) + tail_chars
    at_old = {b: j for j, b in enumerate(old_starts)}
    old_sum = _running_scores(lm, old_chars)
    old_set = set(old_starts)
    reading = None  # the re-reading in use: (characters, index by offset, running score, where it is in step)
    best = None
    found = []  # every start's (gain, k, o_end, j, n_end, characters): the start is chosen among them after
    for k in range(e - s):
        if reading is None or 2 * k + 1 not in reading[1]:
            # (again) from here, to where the re-reading is in step with the old one (a trail byte in ASCII's range
            # read alone puts it back in step): the stretch of every place up to there ends there
            chars, starts = _decode(tokens, 2 * k + 1, old_set)
            back = starts[-1] if starts[-1] in old_set else None
            reading = (chars, {b: j for j, b in enumerate(starts)},
                       _running_scores(lm, chars), back)
        new_chars, at_new, new_sum, back = reading
        j = at_new[2 * k + 1]
        if back is None and e + _TAIL < len(line):
            continue  # not in step again within the run and what follows it: not a byte deleted here
        stop = len(tokens) if back is None else back
        o_end = at_old.get(stop, len(old_chars))
        n_end = len(new_chars)
        # the lost character (old k -> LOST) and the re-read ones after it
        gain = (new_sum[n_end] - new_sum[j]) - (old_sum[o_end] - old_sum[k])
        found.append((gain, k, o_end, j, n_end, new_chars))
        if best is None or gain > best[0]:
            best = found[-1]
    if best is None:
        return None
    chosen = _latest_start(found, best)
    for _, k, o_end, j, n_end, new_chars in (chosen, best) if chosen is not best else (best,):
        old = line[s + k : s + o_end]  # each character of the old reading is one of the line's
        new = LOST + "".join(new_chars[j:n_end])
        verdict = _holds(lm, old, new, line[s + o_end : s + o_end + 3], line[s + k - 1 : s + k])
        if verdict:
            break
    else:
        return None
    if (k, o_end) != chosen[1:3]:
        verdict = "flag"  # only the best start's reading holds: out of step, but its head is the model's guess
    if k == 0 and s and line[s - 1] == "?":
        return s - 1, s + o_end, new, verdict  # the lost byte's '?' (an encoder's): the lost character's other byte
    return s + k, s + o_end, new, verdict


# the classes of code points `suspect_many` asks about, as bits of a table (`sign_classes`): a batch's in one lookup
SIGN, HAN, SYMBOL, TRAIL = 16, 32, 64, 128  # (bits 1-8 left to a table that carries these beside its own)


@lru_cache(maxsize=1)
def sign_classes() -> np.ndarray:
    """Per code point, `suspect_many`'s classes: SIGN (U+FFFD, private-use, 锟), HAN (a Han or private-use
    character), SYMBOL (`_BEFORE_LONE`'s symbols and full-width forms), TRAIL (a byte of ASCII's range a trail byte
    may be, or the euro sign for 80)."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for bit, ranges in ((SIGN, ((0xFFFD, 0xFFFD), (0xE000, 0xF8FF), (ord("锟"), ord("锟")))),
                        (HAN, ((0x4E00, 0x9FFF), (0xE000, 0xF8FF))),
                        (SYMBOL, ((0x2000, 0x33FF), (0xFE30, 0xFFEF))),
                        (TRAIL, ((0x40, 0x7E), (0x20AC, 0x20AC)))):
        for lo, hi in ranges:
            table[lo : hi + 1] |= bit
    return table


def suspect_many(texts: list[str], layout: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                 classes: np.ndarray | None = None) -> list[bool]:
    """Whether each text shows what a deleted byte's stretch, or U+FFFD's bytes read as GBK, leave where the gate
    lets go: U+FFFD (a lone lead byte where a stretch ends), a private-use character (sparse ones are an icon font's
    to the gate), 锟, or a lone trail byte after a Han character (`_SIGNS`); for a batch at once, in a few array
    operations (a regular expression per document cost a third of the step's time on news pages). `layout`: the
    texts' code points, starts and lengths as the caller laid them out (`lay_out`'s, or with NULs after each text
    as the gate's batch has them: no sign spans a NUL), when it has; `classes`: `sign_classes()`'s bits of those
    code points (a table the caller looked them up in with others), when it has."""
    if not texts:
        return []
    points, starts, lengths = layout if layout is not None else lay_out(texts)
    if classes is None:
        classes = np.take(sign_classes(), points)
    # a lone byte is an ASCII character (few in Chinese text): only those are looked at, with their neighbours
    at = np.flatnonzero(classes & TRAIL)
    at = at[(at >= 1) & (at < len(points) - 1)]
    edge = np.zeros(len(points), dtype=bool)  # a text's first and last characters stand beside another text's
    edge[starts] = True
    edge[np.maximum(starts + lengths - 1, 0)] = True
    at = at[(points[at + 1] >= 0x80) & ~edge[at]]
    before = classes[at - 1]
    lone = at[(before & HAN) != 0]
    for k in at[(before & SYMBOL) != 0].tolist():  # few: a loop
        if _symbol_lone(chr(points[k - 1]), chr(points[k])):
            lone = np.append(lone, k)
    # a Han character whose second byte is a letter before an ASCII character: a stretch's end that took that byte
    # (`_reads_glued`, a rare one; few: a loop)
    after = points[1:] | 0x20  # (letters of either case)
    glued = np.flatnonzero(((after >= 0x61) & (after <= 0x7A)) | (points[1:] == 0x2D)) + 1
    glued = glued[(glued >= 2) & ((classes[glued - 1] & HAN) != 0) & ~edge[glued - 1]]
    if len(glued):
        table = _gate_table()
        glued = glued[(np.take(table, np.minimum(points[glued - 1], len(table) - 1)) & GLUED) != 0]
        for k in glued.tolist():  # read for the script of the text around it, as the deleted pass will
            t = int(np.searchsorted(starts, k, side="right")) - 1
            a, b = max(starts[t], k - _SCRIPT_REACH), min(starts[t] + lengths[t], k + _SCRIPT_REACH)  # its own text
            near = np.take(table, np.minimum(points[a:b], len(table) - 1))
            simplified = np.count_nonzero(near & SIMP_ONLY) > np.count_nonzero(near & TRAD_ONLY)
            lm = for_script("simplified" if simplified else "traditional")
            if _reads_glued(chr(points[k - 2]) + chr(points[k - 1]) + chr(points[k]), 2, lm):
                lone = np.append(lone, k)
    found = np.concatenate((np.flatnonzero(classes & SIGN), lone.astype(np.int64)))
    out = np.zeros(len(starts), dtype=bool)
    out[np.searchsorted(starts, found, side="right") - 1] = True
    out[lengths == 0] = False  # (an empty text's start is the next one's: the sign is that one's)
    return out.tolist()


def _symbol_lone(symbol: str, byte: str) -> bool:
    """Whether `byte` (a character of ASCII's range, or the euro sign for 80) after `symbol` reads, with the
    symbol's second GBK byte, a frequent character (`_SIGNS`)."""
    raw = _encode(symbol)
    c = _pairs().get(raw[1] << 8 | (0x80 if byte == "\u20ac" else ord(byte))) if raw else None
    return c is not None and bool(model().common[ord(c)])


def suspect(text: str) -> bool:
    """`suspect_many` for one text."""
    return suspect_many([text])[0]


def _dense_lines(text: str, lm: CharLM) -> frozenset[int]:
    """The lines of `text` (numbered as `split("\\n")` lists them) where `lm.rare_cluster(line, *_DENSE)` holds, from
    the page's rare characters found once: `count` of them within `window` in a line are `count` consecutive ones of
    the page's, the first and the last in that line (a news page's ~70 lines cost a few numpy calls each). A line
    break is never rare (the models count ASCII common), so no cluster spans two lines."""
    window, count = _DENSE
    points = codepoints(text)
    at = (lm.common[points] == 0).nonzero()[0]
    if len(at) < count:
        return frozenset()
    first, last = at[: len(at) - count + 1], at[count - 1 :]
    near = last - first < window
    if not near.any():
        return frozenset()
    breaks = (points == ord("\n")).nonzero()[0]  # (a line's number: the breaks before it)
    a, b = breaks.searchsorted(first[near]), breaks.searchsorted(last[near])
    return frozenset(a[a == b].tolist())


# characters before a run's first rare one where its stretch may begin (the pairs a shifted byte makes are rare
# from the first few on); on the simulator's deleted bytes no stretch is missed for it
_BEFORE_RARE = 8
_END_REACH = 4  # characters at a run's end where its stretch read out of step shows


def _ends_out_of_step(line: str, a: int, b: int, lm: CharLM) -> bool:
    """Whether the run `line[a:b]` ends as a stretch read out of step does (it runs to the run's end, where the
    decoder falls back into step): a rare or private-use character among its last _END_REACH, or a lone byte after
    it (a replacement, the euro sign, a trail byte in ASCII's range before the next two-byte character)."""
    if _lone_after(line, b) or line[b : b + 1] in ("\ufffd", "?"):
        return True
    common = lm.common
    return any(not common[ord(c)] for c in line[max(a, b - _END_REACH) : b])


def _lone_after(line: str, b: int) -> bool:
    """Whether a lone byte follows the run that ends at `b`: the euro sign, or a trail byte in ASCII's range before
    the next two-byte character."""
    nxt = line[b : b + 1]
    return nxt == "\u20ac" or ("\x40" <= nxt <= "\x7e" and line[b + 1 : b + 2] > "\x7f")


def _reads_to_lone(line: str, b: int, lm: CharLM) -> bool:
    """Whether a lone trail byte follows the run that ends at `b` and, read with the byte before it (the run's last
    character's second byte), makes a frequent character: what a stretch re-read ends in. One test before reading
    the run: on real reviews a letter alone after Chinese is mostly a word's (用了U盘, n多), and 了's second byte
    with U is 薝."""
    if not _lone_after(line, b) or line[b] == "\u20ac":
        return line[b : b + 1] == "\u20ac"
    raw = _encode(line[b - 1])
    c = _pairs().get(raw[1] << 8 | ord(line[b])) if raw else None
    return c is not None and bool(lm.common[ord(c)])


# A stretch may also end in a pair that took the first ASCII byte after it: the last character out of step is made
# of the character before it's second byte and the ASCII character's byte (玩家手中的RANDNet with 玩's lead byte
# lost reads 婕沂种械腞ANDNet: 腞 is C4 52, 的's second byte and R; 单管炮A-217 reads 芘贏-217). Such a pair is a
# Han character whose second byte is a letter (`gate.GLUED`), and the pair one byte earlier (the run's last two
# characters read from the second one's byte) is a frequent character (的 out of 械腞's B5 C4).
_SCRIPT_REACH = 40  # characters either side whose script says which model reads a glued end outside the pass
# (the letter tested before the look behind it: the engine scans for the class fast, where a look behind first is
# tried at every character, three times the time on news pages)
_GLUED_NEXT = re.compile("[A-Za-z-](?<=[\u4e00-\u9fff][A-Za-z-])")


def _glued_after(line: str, b: int) -> bool:
    """Whether the run that ends at `b` ends in a Han character whose second GBK byte is a letter, before an ASCII
    character (a cheap test: `_reads_glued` decides)."""
    if not (2 <= b < len(line) and (line[b] == "-" or (line[b].isascii() and line[b].isalpha()))):
        return False  # the Latin word's rest (RANDNet, A-League); not a number or punctuation (夜裡10點, 房子裡.那時)
    table, c = _gate_table(), ord(line[b - 1])
    return c < len(table) and bool(table[c] & GLUED)


def _reads_glued(line: str, b: int, lm: CharLM) -> bool:
    """Whether the run that ends at `b` ends as a stretch that took the ASCII byte after it (see `_GLUED_NEXT`)."""
    if not _glued_after(line, b):
        return False
    if lm.common[ord(line[b - 1])]:
        return False  # (a frequent character before a Latin word is the text's: 學A, 系B)
    raw = _encode(line[b - 2 : b])
    c = _pairs().get(raw[1] << 8 | raw[2]) if raw else None
    return c is not None and bool(lm.common[ord(c)])


def _glued_inside(line: str, a: int, b: int, lm: CharLM) -> int:
    """Where a stretch inside the run `line[a:b]` ends (0: none) that took a letter and fell back into step after
    it: a rare Han character whose second byte is a letter, the pair one byte earlier a frequent character
    (，由V型 with ，'s lead byte lost reads \ue0ee蒝型: 蒝 is C9 56, 由's second byte and V, and 型 stands in step)."""
    table = _gate_table()
    for g in range(a + 1, b - 1):
        c = ord(line[g])
        if c < len(table) and table[c] & GLUED and not lm.common[c]:
            raw = _encode(line[g - 1 : g + 1])
            pair = _pairs().get(raw[1] << 8 | raw[2]) if raw else None
            if pair is not None and lm.common[ord(pair)]:
                return g + 1
    return 0


def _glued_sign(line: str, lm: CharLM) -> bool:
    """Whether some run of `line` ends as `_reads_glued` says."""
    return any(_reads_glued(line, m.start(), lm) for m in _GLUED_NEXT.finditer(line))


# a letter alone between two Han characters in traditional text: what is left of a character whose
# lead byte was deleted (GBK gives most traditional characters a trail byte in ASCII's range: 恆 is 90
# 61, so 恆星 with 90 lost reads a星). Its lead byte is gone, so the bytes name no character (any of
# about 120 share that trail): it is only counted. Counted when some character with that trail byte,
# in the letter's place, gains _LONE_GAIN nats over the letter (its log-probability and the words it
# makes with its neighbours). Lowercase letters only: traditional text writes capitals alone between
# Han characters as words (A級, B肝, N遍, T臺, B型, X光: found in review, on the reviews and news converted
# to traditional, where a capital that bound by 3.5 nats still counted clean text), and the capitals'
# share of the simulator's recall was 0.6 points (dev 94.3 -> 93.7%, confirm 92.7 -> 92.0%). Lowercase
# letters but 'd' and 'e': Cantonese writes 啲 as d (呢d人, 同d同) and Taiwan e for electronic (健康e院), with
# them the only lowercase letters in real traditional text to gain 6 nats or more (DRCD Wikipedia,
# LibreOffice zh-TW, the Big5 feeds: none counted); converted reviews still show some (u盤, c網, t恤: 70
# in 62,774), counted only in a page the gate or the deleted pass already suspects. In simplified text
# a GB2312 character's trail byte is never in ASCII's range, and the real reviews write such letters
# often (n多, c盘, l码): not looked at there.
_LONE_LETTER = re.compile("(?<=[\u4e00-\u9fff])[a-cf-z](?=[\u4e00-\u9fff])")
_LONE_GAIN = 6.0
# code page 936's one-byte euro sign (80) between Han characters: a trail byte 80 whose lead byte was deleted (家€包括
# for 還包括); the 62,774 real reviews, the DAnIEL news and 8 MB of clean text never write it so. Counted in any
# script, never rewritten (some 120 characters end in 80); not where the bytes before it are a UTF-8 sequence's
# start, as in UTF-8 read as GBK (伴€ is B0 E9 80 of 琛伴€€ for 衰退: that family's, repaired or quoted)
_LONE_EURO = re.compile("(?<=[\u4e00-\u9fff])\u20ac(?=[\u4e00-\u9fff])")


@lru_cache(maxsize=64)
def _with_trail(trail: int) -> np.ndarray:
    """The code points of the characters whose GBK bytes end in `trail` (their lead bytes 81-FE)."""
    pairs = _pairs()
    return np.array([ord(c) for lead in range(0x81, 0xFF) if (c := pairs.get(lead << 8 | trail)) and not _PUA.match(c)])


def _utf8_before(c: str) -> bool:
    """Whether the GBK bytes of `c`, before a byte 80, begin a UTF-8 sequence with it: a lead byte (E0-EF) last,
    or a lead and a continuation byte."""
    raw = _encode(c)
    return raw is not None and (0xE0 <= raw[1] <= 0xEF or (0xE0 <= raw[0] <= 0xEF and 0x80 <= raw[1] <= 0xBF))


def _lone_bytes(line: str, lm: CharLM, traditional: bool) -> list[int]:
    """Where a lone byte in `line` is a deleted lead byte's leftover: the euro sign between Han characters
    (`_LONE_EURO`), and in traditional text a letter that a character with that trail byte would read far better
    (`_LONE_LETTER`). Counted, never rewritten."""
    found = [k for m in _LONE_EURO.finditer(line) if not _utf8_before(line[(k := m.start()) - 1])] if (
        "\u20ac" in line) else []
    if not traditional:
        return found
    table = lm.char_table()
    for m in _LONE_LETTER.finditer(line):
        a, x, b = line[m.start() - 1], m.group(), line[m.end()]
        points = _with_trail(ord(x))  # each candidate's score in the letter's place, for all of them at once
        score = table[points] + WORD_BONUS * (lm.are_words(np.full(len(points), ord(a)), points).astype(np.int8)
                                              + lm.are_words(points, np.full(len(points), ord(b))))
        if (score >= table[ord(x)] + _LONE_GAIN).any():
            found.append(m.start())
    return found


# where a run of a line may end in a lone byte or a glued letter, as `_reads_to_lone` and `_reads_glued` ask: a
# non-ASCII character, then a byte of ASCII's range, the euro sign or '-' (the engine scans for the class first)
_STRETCH_END = re.compile("[\x40-\x7e\u20ac\\-](?<=[^\x00-\x7f].)")


def _ends_some_stretch(line: str, lm: CharLM) -> bool:
    """Whether a run of `line` without a sign anywhere may be read (`reread_deleted`'s loop reads a run of such a
    line only where `_reads_to_lone` or `_reads_glued` holds at its end): tested at each place a run may end, not
    run by run."""
    return any(_reads_to_lone(line, b, lm) or _reads_glued(line, b, lm)
               for b in (m.start() for m in _STRETCH_END.finditer(line)))


def _line_of(starts: list[int], at: int) -> int:
    """The number of the line that offset `at` of a text is in (`starts`: where each line starts)."""
    return bisect_right(starts, at) - 1


def _signed_lines(text: str, lines: list[str], starts: list[int], dense: frozenset[int],
                  lm: CharLM) -> tuple[set[int], list[int]]:
    """The lines of `text` (`lines`, each starting at `starts`) with a sign anywhere (U+FFFD, a private-use
    character, or in `dense`), and every line with a sign (those, a lone trail byte's `_SIGNS`, a glued end's
    `_glued_sign`), in order: found for the page at once, where a news page's ~70 lines cost a few searches each
    (most of the pass on clean pages). No sign spans a line break: no class of the patterns or of their
    look-arounds takes one, so a break beside a line is as nothing beside it."""
    if len(text) >= _PAGE_SCAN:
        lost, pua, signs, glued = _sign_lines(codepoints(text))
    else:
        lost, pua = _lines_with(_LOST, text, starts), _lines_with(_PUA, text, starts)
        signs, glued = _lines_with(_SIGNS, text, starts), _lines_with(_GLUED_NEXT, text, starts)
    anywhere = lost | pua | dense
    signed = anywhere | signs
    signed |= {k for k in glued - signed if _glued_sign(lines[k], lm)}
    return anywhere, sorted(signed)


# a page of this many characters or more has its signs' lines found in numpy (`_sign_lines`): the regex engine tests
# a character class in ~14 ns a character and `_GLUED_NEXT` in ~15, numpy's dozen passes over the code points ~1 ns
# each, but a dozen calls cost what the searches of a review's one or two lines do
_PAGE_SCAN = 1_000


def _sign_lines(points: np.ndarray) -> tuple[set[int], set[int], set[int], set[int]]:
    """The lines (numbered as `split("\\n")` lists them) where `_LOST`, `_PUA`, `_SIGNS` and `_GLUED_NEXT` match in
    the text of code points `points`: each pattern matches one character, tested here at every offset with its
    look-arounds (a line is one where any of its characters matches: what `_lines_with` finds)."""
    pua = (points >= 0xE000) & (points <= 0xF8FF)
    ascii_sign = (points >= 0x40) & (points <= 0x7E)
    han = (points >= 0x4E00) & (points <= 0x9FFF)
    # _SIGNS: a private-use character, or a byte of ASCII's range (or the euro sign) after a character of
    # _BEFORE_LONE and before a non-ASCII one
    before_lone = han | pua | ((points >= 0x2000) & (points <= 0x33FF)) | ((points >= 0xFE30) & (points <= 0xFFEF))
    signs = pua.copy()
    signs[1:-1] |= (ascii_sign | (points == 0x20AC))[1:-1] & before_lone[:-2] & (points[2:] >= 0x80)
    # _GLUED_NEXT: an ASCII letter or '-' after a Han character of the unified block
    glued = np.zeros(len(points), dtype=bool)
    glued[1:] = (((points | 0x20) >= ord("a")) & ((points | 0x20) <= ord("z")) | (points == ord("-")))[1:] & han[:-1]
    breaks = (points == ord("\n")).nonzero()[0]

    def lines(at: np.ndarray) -> set[int]:
        return set(breaks.searchsorted(at.nonzero()[0]).tolist())  # (a line's number: the breaks before it)

    return lines(points == 0xFFFD), lines(pua), lines(signs), lines(glued)


# any sign `_signed_lines` looks for but the dense lines, in one search
_ANY_SIGN = re.compile("|".join(p.pattern for p in (_LOST, _PUA, _SIGNS, _GLUED_NEXT)))


def _lines_with(pattern: re.Pattern[str], text: str, starts: list[int]) -> set[int]:
    """The lines of `text` (each starting at `starts`) where `pattern` matches (one no class of which,
    look-arounds included, takes a line break: a break beside a line is then as nothing beside it): searched from
    each line's first match on to the next line (a line's matches after its first one are not looked for, as a
    search line by line would not)."""
    out = set()
    m = pattern.search(text)
    while m is not None:
        k = _line_of(starts, m.start())
        out.add(k)
        m = pattern.search(text, starts[k + 1])  # (the last line's "next" starts past the text's end)
    return out


def reread_deleted(doc: Document, lm: CharLM, name: str, gated: bool = True,
                   traditional: bool = False) -> tuple[int, int]:
    """Re-read, one byte later, each stretch that a deleted GBK byte put out of step (see the module's doc);
    `gated`: whether the gate let the document through (dense rare characters are looked at only then, the gate
    having measured them already); `traditional`: whether the page is traditional text (lone letters are looked
    at only then). Returns the lines re-read and the stretches found out of step but left (their reading is not
    text enough), lone bytes included (`_lone_bytes`)."""
    spans = []
    flagged = 0
    # a line may hold a deleted byte's stretch anywhere where it has U+FFFD (a lone lead byte where a stretch ends),
    # private-use or, in a document the gate let through, dense rare characters as the gate measures them (found
    # once for the page); a lone trail byte is a sign for the run before it only
    text = doc.text
    dense = _dense_lines(text, lm) if gated else frozenset()
    # (a page the gate let through, most of them '?' reviews, may have no line with a sign at all: one search says so,
    # ~2 µs less than `_signed_lines`' searches; a page sent for a deleted byte's sign has one)
    if gated and not dense and len(text) < _PAGE_SCAN and _ANY_SIGN.search(text) is None:
        return 0, 0
    lines = text.split("\n")
    starts = [0, *accumulate(len(line) + 1 for line in lines)]  # where each line starts
    anywhere_at, signed = _signed_lines(text, lines, starts, dense, lm)
    for number in signed:
        line, pos = lines[number], starts[number]
        anywhere = number in anywhere_at
        if not anywhere and not _ends_some_stretch(line, lm):
            # no run the loop below would read: only the line's lone bytes are counted (1,015 real reviews whose
            # only sign is a lone letter or symbol, 用了U盘 or 引导\教育, each spent ~60 µs listing its runs for none)
            flagged += len(_lone_bytes(line, lm, traditional))
            continue
        out, last, n = [], 0, 0
        taken: list[tuple[int, int]] = []  # the stretches re-read or flagged: a lone byte in them is theirs
        # (with no sign `anywhere`, a run is read only when a lone byte follows it: `_reads_to_lone`)
        for a, b in _runs(line, lone_after=not anywhere):
            if a < last:
                continue  # inside the stretch re-read before (it took in what followed its run)
            if anywhere and not _ends_out_of_step(line, a, b, lm):
                b = _glued_inside(line, a, b, lm)  # a stretch that took a letter and fell back into step
                if not b:
                    continue
            elif not anywhere and not (_reads_to_lone(line, b, lm) or _reads_glued(line, b, lm)):
                continue
            if b - a == 1 and lm.common[ord(line[a])] and line[a - 1 : a] != "?" and not _SYMBOLS.match(
                    line, b):
                # one frequent character (第2張F級: 張) is the text's (a review: clean text flagged), but not
                # after a '?' or before an ASCII symbol, a byte turned into '?' (作祟?默F象, 學?ｉ_始: a review)
                continue
            rare = np.flatnonzero(lm.common[codepoints(line[a:b])] == 0)
            if len(rare):  # the stretch begins a little before its first rare character, not earlier
                a = max(a, a + int(rare[0]) - _BEFORE_RARE)
            found = _reread_run(line, a, b, lm)
            if found is None:
                continue
            taken.append(found[:2])
            if found[3] == "flag":
                flagged += 1
                continue
            a, b, new, _ = found
            out += [line[last:a], new]
            last, n = b, n + 1
        flagged += sum(1 for k in _lone_bytes(line, lm, traditional)
                       if not any(a <= k <= b for a, b in taken))
        if n:
            spans.append((pos, pos + len(line), "".join(out) + line[last:]))
    if spans:
        doc.replace_spans(spans, name, "deleted_gbk_byte")
    return len(spans), flagged
