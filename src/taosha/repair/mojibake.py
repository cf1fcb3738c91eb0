"""Undo CJK mojibake in decoded text, recording each repair as an edit.

Three families, from cheapest to most involved:

1. Debris: `锟斤拷`, `烫烫烫`, `屯屯屯`, runs of U+FFFD — bytes that are gone; removed (or only counted).
2. Reversible wrong decodings: UTF-8 read as GBK/GB18030 (`浣犲ソ` → 你好) or as Big5, GBK read as Big5 and
   the reverse, UTF-8 read as cp1252/latin-1 (`ä½ å¥½` → 你好, through ftfy). The wrong text is encoded back
   with the codec that misread it and decoded with the right one; a repair is kept only when the character
   model (`taosha.repair.lm`) finds the result far more probable than what was there.
3. Misaligned GBK: a byte lost or gained, or the full-width → half-width pass of PHP tools that rewrote a
   byte pair across two characters (`要求??偨Y(jié)` for 要求。總結(jié)). The line is turned back into its bytes
   (`?` standing for a byte that was lost), a rewrite is hypothesised at the damage, the bytes are decoded
   again, and lost bytes are filled with the candidate the character model (and a surviving pinyin
   annotation) prefers. The best hypothesis wins only when it clearly beats the damaged line.

Detection is conservative: a line is examined only when it holds debris, `?` next to non-ASCII text, runs
of rare characters or Latin-1 letters, and a repair must win by a margin.
"""

from __future__ import annotations

import codecs
import difflib
import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from taosha.document import Document, changed_run
from taosha.repair.lm import BOND_MAX, SYMBOLS, WORD_BONUS, ZHUYIN_AS_BIG5, CharLM, for_script, model
from taosha.repair.pinyin import reads_as
from taosha.repair.script import ScriptInfo, _tables, detect
from taosha.step import Step, register
from taosha.textarrays import codepoints, per_text

DEBRIS = re.compile("(?:锟斤拷)+|烫{3,}|屯{3,}")
# U+FFFD is where a decoder lost a character (宏\ufffd for 宏碁, a name's character outside the charset): it marks the
# place, so it is kept and counted as unrepaired, not removed like the debris above
_REPLACEMENT = re.compile("\ufffd+")
_OPENING_Q = re.compile("^\\?(?=[\u4e00-\u9fff])", re.MULTILINE)
# UTF-8 read as cp1252/latin-1: a lead byte shows as a Latin-1 letter (ä å æ ç è é for CJK), each continuation
# byte as one of the 64 characters that 0x80-0xBF become. Curly quotes and dashes alone are ordinary text.
_CONT = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d" \
        "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_LATIN_RUN = re.compile(f"[\u00c0-\u00ff][{_CONT}]{{1,3}}(?:[\x20-\x7e]{{0,8}}[\u00c0-\u00ff][{_CONT}]{{1,3}})*")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_NON_ASCII_ANY = re.compile(r"[^\x00-\x7f]+")
_ESTABLISHED = 1  # stretches read right before a page's short fragments are read so too
_PUA_PAGE = 5  # private-use characters (or GBK punctuation read as Big5) that make a page judged with no script
# for the 2-byte codecs, a run goes on across digits and spaces (年 and 月 in 1786年2月 are misread one by one)
_PAIR_RUN = re.compile(r"[^\x00-\x7f](?:[0-9 ]{0,4}[^\x00-\x7f])+")
_DIGITS_AND_SPACE = str.maketrans("", "", "0123456789 ")
_PAIR_RUN_OR_PUA = re.compile(_PAIR_RUN.pattern + "|[\ue000-\uf8ff]")  # Big5's 。 read as GB18030 may stand alone
_ZHUYIN = re.compile(f"[{ZHUYIN_AS_BIG5}]")
_PUNCT_AS_BIG5 = re.compile("[ㄛ﹝﹜ㄩㄐㄗㄘ﹞]")  # what GBK's ，。、：！（）· are in Big5
_PAIR_RUN_OR_ZHUYIN = re.compile(_PAIR_RUN.pattern + f"|[{ZHUYIN_AS_BIG5}]")  # and GBK's （ read as Big5 (ㄗ)
_MARKED = re.compile(f"[\ue000-\uf8ff{ZHUYIN_AS_BIG5}]")  # characters that are evidence of a pair misread
# a '?' next to non-ASCII text, or inside a number (2009年9?12日: 月 lost a byte; 20?12年: a byte gained) or an
# acronym (D?BCS), which 8 MB of clean Chinese text never writes
_SUSPECT_Q = re.compile(r"(?<=[^\x00-\x7f])\?|\?(?=[^\x00-\x7f])|(?<=\d)\?(?=\d)|(?<=[A-Z])\?(?=[A-Z])"
                        r"|(?<=[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]\))\?")  # or after a pinyin annotation: 環(huán)?!傲
_QUESTION = re.compile(r"(?<!\?)\?(?![?!,;0-9A-Za-z])")  # a '?' that may be a real question mark
_TO_BYTES_SPECIAL = re.compile("[?€]")
_DIGIT_CHARS, _UPPER_CHARS = frozenset("0123456789"), frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TONE_MARKED = re.compile("[a-zü]{0,5}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,5}[)）]")
_PUA = re.compile("[\ue000-\uf8ff]")
_PUA_ONLY = re.compile("[\ue000-\uf8ff]+")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_ANNOTATION_TAIL = re.compile(r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")

# (reason, codec that misread the bytes, codec they were written in)
REDECODES = (
    ("utf8_as_gbk", "gb18030", "utf-8"),
    ("utf8_as_big5", "big5", "utf-8"),
    ("gbk_as_big5", "big5", "gbk"),
    ("big5_as_gbk", "gb18030", "big5"),  # GB18030 as browsers read GBK: Big5 punctuation comes out as PUA
)
PAIR_REDECODES = tuple(r for r in REDECODES if r[2] != "utf-8")  # one misread character for one right one
UNKNOWN = -1


@lru_cache(maxsize=1)
def _gbk_tables() -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
    """Every GBK character by lead byte and by trail byte, for filling a lost byte."""
    by_lead: dict[int, list[str]] = {}
    by_trail: dict[int, list[str]] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                c = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            by_lead.setdefault(lead, []).append(c)
            by_trail.setdefault(trail, []).append(c)
    return ({k: tuple(v) for k, v in by_lead.items()}, {k: tuple(v) for k, v in by_trail.items()})


@lru_cache(maxsize=1)
def _gbk_pairs() -> dict[int, str]:
    """Every GBK byte pair that decodes, as `lead << 8 | trail` -> its character."""
    by_lead, _ = _gbk_tables()
    return {lead << 8 | c.encode("gbk")[1]: c for lead, chars in by_lead.items() for c in chars}


def to_bytes(text: str) -> list[int] | None:
    """The GBK bytes a (mis)decoded text came from; `?` is a lost byte, or a lost byte and a swallowed
    `(` / `<` when an annotation or a tag follows. None when the text cannot have come from GBK."""
    out: list[int] = []
    pos = 0
    for m in _TO_BYTES_SPECIAL.finditer(text):  # between them, the text encodes in one call
        try:
            out.extend(text[pos : m.start()].encode("gbk"))
        except UnicodeEncodeError:
            return None
        i = pos = m.end()
        if m.group() == "€":
            out.append(0x80)  # Windows code page 936 (what PHP and browsers decode with) maps 0x80 to €
            continue
        out.append(UNKNOWN)
        if _ANNOTATION_TAIL.match(text, i):
            out.append(0x28)  # PHP swallowed the '(' after a lead byte
        elif text.startswith("/", i) and ">" in text[i : i + 7]:
            out.append(0x3C)  # ... or the '<' of a closing tag
    try:
        out.extend(text[pos:].encode("gbk"))
    except UnicodeEncodeError:
        return None
    return out


def decode_tokens(
    tokens: list[int], lm: CharLM, before: str = "", *, fill: bool = True, context: DocumentContext | None = None
) -> str:
    """Decode GBK bytes, choosing for each character with a lost byte the candidate the model prefers
    in its context (and whose reading matches a pinyin annotation right after it, when there is one).

    A lead byte with no valid trail is a `?` and the next byte starts afresh, as in Python's GBK codec with
    errors replaced, which decodes the stretches between lost bytes (the lost bytes are placed by hand).
    `before`: the character the bytes follow, a lost first character's left neighbour. Without `fill`, each
    character with a lost byte is a `?` (what the bytes alone say). `context`: the document the bytes are in
    (what it writes, what was chosen in it before); None for bytes on their own."""
    if min(tokens, default=0) >= 0:
        return bytes(tokens).decode("gbk", "replace").replace("\ufffd", "?")
    by_lead, by_trail = _gbk_tables()
    items: list[str | tuple[str, ...]] = []
    decoder = _GBK_DECODER("replace")
    i, n = 0, len(tokens)
    vanished = min(tokens) < UNKNOWN  # a put-back pair (rare): its bytes are looked for too
    while True:
        if vanished:
            j = _next_lost(tokens, i)  # the next lost byte not placed yet
        else:
            try:
                j = tokens.index(UNKNOWN, i)  # a search in C
            except ValueError:
                j = -1
        if j < 0:
            break
        seg = bytes(tokens[i:j])
        text = decoder.decode(seg, False).replace("\ufffd", "?")
        pending = decoder.getstate()[0]
        if pending:  # a lead byte waits for its trail, the lost byte (80 and FF too: no candidates, marked)
            decoder.reset()
            table = _vanished_tables()[0] if tokens[j] == VANISHED_TRAIL else by_lead
            items.extend((text, table.get(pending[0], ())))
            i = j + 1
            continue
        items.append(text)
        nxt = tokens[j + 1] if j + 1 < n else None  # the lost byte is a lead
        if tokens[j] == VANISHED_TRAIL or nxt is None or (nxt >= 0 and (nxt < 0x40 or nxt == 0x7F or nxt == 0xFF)):
            items.append("?")  # a lead byte with no trail (or a vanished trail out of place): irreparable here
            i = j + 1
        else:
            table = _vanished_tables()[1] if tokens[j] == VANISHED_LEAD else by_trail
            items.append(() if nxt < 0 else table.get(nxt, ()))  # both bytes lost: marked
            i = j + 2
    items.append(decoder.decode(bytes(tokens[i:]), True).replace("\ufffd", "?"))
    if not fill:
        return "".join(x if isinstance(x, str) else "?" for x in items)
    return _fill([x for x in items if x != ""], lm, context or DocumentContext(), before)


_GBK_DECODER = codecs.getincrementaldecoder("gbk")
# lost bytes of a pair in GBK's user-defined area (lead AA-AF or F8-FE, trail A1-FE), which PHP's decoder drops
# when misaligned bytes form one: the first was the trail of the character before, the second a lead
VANISHED_TRAIL, VANISHED_LEAD = -2, -3
_UDA_LEADS = frozenset([*range(0xAA, 0xB0), *range(0xF8, 0xFF)])


def _next_lost(tokens: list[int], start: int) -> int:
    """Index of the next lost byte (a negative token) from `start`, or -1 (searches in C)."""
    found = -1
    for token in (UNKNOWN, VANISHED_TRAIL, VANISHED_LEAD):
        try:
            k = tokens.index(token, start)
        except ValueError:
            continue
        if found < 0 or k < found:
            found = k
    return found


@lru_cache(maxsize=1)
def _vanished_tables() -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
    """GBK characters by lead byte whose trail is a user-defined lead (VANISHED_TRAIL's candidates), and by
    trail byte whose lead is at least A1 (VANISHED_LEAD's)."""
    by_lead: dict[int, list[str]] = {}
    by_trail: dict[int, list[str]] = {}
    for code, c in _gbk_pairs().items():
        lead, trail = code >> 8, code & 0xFF
        if trail in _UDA_LEADS:
            by_lead.setdefault(lead, []).append(c)
        if lead >= 0xA1:
            by_trail.setdefault(trail, []).append(c)
    return ({k: tuple(v) for k, v in by_lead.items()}, {k: tuple(v) for k, v in by_trail.items()})


TOP_CANDIDATES = 12  # per lost byte: the most frequent characters, plus any that make a word in context


@lru_cache(maxsize=1024)
def _ranked(cands: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    lm = model()
    ranked = tuple(sorted(cands, key=lm.char, reverse=True))
    return ranked[:TOP_CANDIDATES], frozenset(cands)


@lru_cache(maxsize=1)
def _word_index() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Two-character words by first and by last character: which candidates make a word with a neighbour."""
    after: dict[str, set[str]] = {}
    before: dict[str, set[str]] = {}
    for w in model().words:
        after.setdefault(w[0], set()).add(w[1])
        before.setdefault(w[1], set()).add(w[0])
    return after, before


_READING = re.compile(r"[(（]([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6})[)）]")
_CACHE_WEIGHT = 0.1


class DocumentContext:
    """The document whose lost bytes are being filled, passed to each choice (nothing is kept between documents):
    its text, whose repeated pairs of characters make a candidate likelier (`_cached`), counted once a lost byte
    needs them; and what `_choose` chose in it: a document's hypotheses decode overlapping stretches, so the same
    lost byte between the same neighbours comes back dozens of times (one context per document and pass: memory
    stays flat)."""

    __slots__ = ("_counts", "chosen", "text")

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.chosen: dict[tuple, str | list[str]] = {}  # a lost character's choice, or a run's
        self._counts: DocumentCounts | None = None

    def counts(self) -> DocumentCounts:
        """`document_counts` of the text, counted once a document has a lost byte to fill."""
        if self._counts is None:
            self._counts = document_counts(self.text)
        return self._counts


DocumentCounts = tuple[dict[str, int], Counter[str], dict[str, set[str]], dict[str, set[str]]]


def document_counts(text: str) -> DocumentCounts:
    """Pairs of East Asian characters that `text` writes at least twice, with their counts; its characters'
    counts; and those pairs by first and by last character."""
    pairs = Counter(map(operator.add, text, text[1:]))
    kept = {w: n for w, n in pairs.items() if n >= 2 and w[0] >= "\u3400" and w[1] >= "\u3400"}
    after: dict[str, set[str]] = {}
    before: dict[str, set[str]] = {}
    for w in kept:
        after.setdefault(w[0], set()).add(w[1])
        before.setdefault(w[1], set()).add(w[0])
    return kept, Counter(text), after, before


def _fill(items: list[str | tuple[str, ...]], lm: CharLM, context: DocumentContext, before: str = "") -> str:
    out = [x if isinstance(x, str) else "" for x in items]
    last = len(items) - 1
    k = 0
    while k <= last:
        x = items[k]
        if isinstance(x, str):
            k += 1
            continue
        prev = out[k - 1][-1:] if k else before  # items are runs of decoded text and lost-byte candidates
        nxt = items[k + 1] if k < last else ""
        if isinstance(nxt, tuple):  # lost characters side by side (危化 for ?;?, 基礎 for ?;A): chosen together
            end = k
            while end < last and isinstance(items[end + 1], tuple):
                end += 1
            after = items[end + 1][:1] if end < last else ""
            run = tuple(items[k : end + 1])
            key2 = (id(lm), prev, tuple(map(id, run)), after)
            chosen = context.chosen.get(key2)
            if chosen is None:
                chosen = context.chosen[key2] = _choose_run(run, prev, after, lm, context)
            out[k : end + 1] = chosen
            k = end + 1
            continue
        nxt = nxt[:1]
        reading = None
        if nxt == "(" or nxt == "（":  # an annotation may follow: its reading names the character
            m = _READING.match("".join(y if isinstance(y, str) else "?" for y in items[k + 1 : k + 9]))
            reading = m.group(1) if m else None
        key = (id(lm), prev, id(x), nxt, reading)  # candidate tuples live in the cached GBK tables: stable ids
        choice = context.chosen.get(key)
        if choice is None:
            choice = context.chosen[key] = _choose(x, prev, nxt, reading, lm, context)
        out[k] = choice
        k += 1
    return "".join(out)


def _candidates(x: tuple[str, ...], prev: str, nxt: str, context: DocumentContext) -> set[str]:
    """The most frequent characters a lost byte allows, and any that make a word with a neighbour, in the
    dictionary or in the document."""
    after_of, before_of = _word_index()
    top, every = _ranked(x) if x else ((), frozenset())
    doc_after, doc_before = context.counts()[2:]
    return (set(top) | ((after_of.get(prev, _NONE) | doc_after.get(prev, _NONE)) & every)
            | ((before_of.get(nxt, _NONE) | doc_before.get(nxt, _NONE)) & every))


_NONE: frozenset[str] = frozenset()


def _bond(lm: CharLM, pair: str) -> float:
    return lm.bonds.get(pair, 0.0)


def _cached(lm: CharLM, c: str, prev: str, nxt: str, context: DocumentContext) -> float:
    """What the document itself says for `c` between `prev` and `nxt`: a page names its subject many times
    (危化品 three times), so a pair it writes twice or more makes `c` likelier, as a cache model mixed into the
    character model with weight _CACHE_WEIGHT: log(1 + w * P_document(c | neighbour) / P_model(c))."""
    pairs, chars = context.counts()[:2]
    if not pairs:
        return 0.0  # most pages repeat no pair of characters
    p = 0.0
    if prev and pairs.get(prev + c, 0) >= 2:
        p = pairs[prev + c] / chars[prev]
    if nxt and pairs.get(c + nxt, 0) >= 2:
        p = max(p, pairs[c + nxt] / chars[nxt])
    return min(BOND_MAX, math.log1p(_CACHE_WEIGHT * p / math.exp(lm.char(c)))) if p else 0.0


def _choose(
    x: tuple[str, ...], prev: str, nxt: str, reading: str | None, lm: CharLM, context: DocumentContext
) -> str:
    """The candidate for a lost byte that the model prefers between `prev` and `nxt` (one that reads as the
    annotation after it, when there is one); U+FFFD when nothing is a candidate."""
    cands = _candidates(x, prev, nxt, context)
    if reading:
        heard = [c for c in (_ranked(x)[1] if x else ()) if reads_as(c, reading)]
        cands = set(heard) or cands
    if not cands:
        return "\ufffd"  # nothing to go on: marked, not guessed
    return max(sorted(cands), key=lambda c: _score(lm, c, prev, nxt, context))


def _score(lm: CharLM, c: str, prev: str, nxt: str, context: DocumentContext) -> float:
    """A candidate's log-probability between its neighbours, with the dictionary's bonds and the document's."""
    return (_alone(c, prev, nxt) + lm.char(c) + _bond(lm, prev + c) + _bond(lm, c + nxt)
            + _cached(lm, c, prev, nxt, context))


_MARKS = frozenset("，。、；：,;:")


def _alone(c: str, prev: str, nxt: str) -> float:
    """-inf for a punctuation mark between punctuation marks (、。化 for 、危化): marks do not come in pairs."""
    return -math.inf if c in _MARKS and (prev in _MARKS or nxt in _MARKS) and (prev or nxt) else 0.0


def _choose_run(
    run: tuple[tuple[str, ...], ...], prev: str, nxt: str, lm: CharLM, context: DocumentContext
) -> list[str]:
    """The candidates for lost characters in a row that the model prefers together: Viterbi over the run, each
    character scored with the one before it (the first also with `prev`, the last with `nxt`). Only pairs that
    make a word, in the dictionary or the document, score more than their characters apart, so each character
    looks at the best predecessor and at the ones it makes a word with."""
    n = len(run)
    sets = [_candidates(x, prev if i == 0 else "", nxt if i == n - 1 else "", context) for i, x in enumerate(run)]
    after_of, before_of = _word_index()
    doc_after, doc_before = context.counts()[2:]
    for i in range(n - 1):  # words across neighbours
        left, right = sets[i], sets[i + 1]
        every_left = _ranked(run[i])[1] if run[i] else _NONE
        every_right = _ranked(run[i + 1])[1] if run[i + 1] else _NONE
        sets[i] = left.union(*(index.get(b, _NONE) & every_left for b in right for index in (before_of, doc_before)))
        sets[i + 1] = right.union(*(index.get(a, _NONE) & every_right for a in left for index in (after_of, doc_after)))
    if not all(sets):
        return _one_by_one(run, prev, nxt, lm, context)

    def own(c: str, i: int) -> float:  # a character's score with the run's neighbours, not its own
        s = lm.char(c)
        if i == 0:
            s += _bond(lm, prev + c) + _cached(lm, c, prev, "", context) + _alone(c, prev, "")
        if i == n - 1:
            s += _bond(lm, c + nxt) + _cached(lm, c, "", nxt, context) + _alone(c, "", nxt)
        return s

    best = {c: (own(c, 0), (c,)) for c in sorted(sets[0])}
    for i in range(1, n):
        order = sorted(best)
        top = max(order, key=lambda p: best[p][0])
        plain = max((p for p in order if p not in _MARKS), key=lambda p: best[p][0], default=None)
        step = {}
        for c in sorted(sets[i]):
            p0 = plain if c in _MARKS else top  # no mark after a mark
            score, via = (best[p0][0], p0) if p0 is not None else (-math.inf, None)
            for p in sorted(best.keys() & before_of.get(c, _NONE) | best.keys() & doc_before.get(c, _NONE)):
                linked = best[p][0] + _bond(lm, p + c) + _cached(lm, c, p, "", context) + _alone(c, p, "")
                if linked > score:
                    score, via = linked, p
            if via is not None:
                step[c] = (score + own(c, i), (*best[via][1], c))
        best = step
    return list(max(best.values(), key=lambda t: t[0])[1]) if best else _one_by_one(run, prev, nxt, lm, context)


def _one_by_one(
    run: tuple[tuple[str, ...], ...], prev: str, nxt: str, lm: CharLM, context: DocumentContext
) -> list[str]:
    """Each lost character of a run chosen alone (a run where some lost byte has no candidate)."""
    return [_choose(x, prev if i == 0 else "?", nxt if i == len(run) - 1 else "?", None, lm, context)
            for i, x in enumerate(run)]


@register("repair.mojibake")
@dataclass(frozen=True)
class Mojibake(Step):
    """Repair CJK mojibake (UTF-8 read as GBK/Big5/cp1252, GBK<->Big5, lost bytes, debris) as edits.

    `debris`: `remove` (default) deletes 锟斤拷-style debris, `flag` only counts it. `latin` runs ftfy on
    runs of Latin-1 characters (never on CJK text). `min_gain`: how many nats of mean log-probability per
    character a repair must win by. Signals: `mojibake_repairs`, `mojibake_debris`, `mojibake_unrepaired`, and
    `mojibake_suspect` when the gate let the document through to the repairs.

    >>> from taosha.step import run_one
    >>> run_one(Mojibake(), "他说：浣犲ソ锛屼笘鐣岋紒").text
    '他说：你好，世界！'
    >>> run_one(Mojibake(), "要求??偨Y(jié)范文").text
    '要求。總結(jié)范文'
    """

    debris: str = "remove"
    latin: bool = True
    min_gain: float = 2.0

    def setup(self) -> None:
        model()
        _gate_table()
        _gbk_pairs()
        _byte_lengths("gb18030")
        _byte_lengths("big5")
        for wrong, right in (("big5", "gbk"), ("gb18030", "big5")):
            _pair_reading(wrong, right)
        _gbk_tables()
        _vanished_tables()
        _word_index()

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # the gate for the whole batch first (it changes nothing), on the texts as debris removal will leave them
        texts = [self._without_debris(doc.text) for doc in docs]
        out: list[Document | list[Document]] = []
        for doc, seen in zip(docs, _suspicious_many(texts), strict=True):
            try:
                out.append(self._repair(doc, seen))
            except Exception as exc:  # handed to the runner in the document's place
                out.append(exc)  # type: ignore[arg-type]
        return out

    def _without_debris(self, text: str) -> str:
        return DEBRIS.sub("", text) if self.debris == "remove" and _has_debris(text) else text

    def _repair(self, doc: Document, seen: frozenset[str]) -> Document:
        debris = DEBRIS.findall(doc.text) if _has_debris(doc.text) else None
        if debris:
            doc.tag("mojibake_debris", len(debris))
            if self.debris == "remove":
                doc.sub(DEBRIS, "", self.name, "debris")
        if not seen:
            if "\ufffd" in doc.text:
                doc.tag("mojibake_unrepaired", len(_REPLACEMENT.findall(doc.text)))
            return doc
        doc.tag("mojibake_suspect", 1)
        info = detect(doc.text, look_for_slips=False)  # the script prior only: spun or not does not matter here
        script = info.script
        if script == "mixed":  # a long misread stretch can outweigh the page's own script: go by the majority,
            # or, when neither has twice the other's characters, by the model of no script (the page's own may be
            # the minority: 40 simplified characters against 42 traditional ones, those misread)
            simp, trad = info.simplified_chars, info.traditional_chars
            script = "simplified" if simp >= 2 * trad else "traditional" if trad >= 2 * simp else "neutral"
        lm = for_script(script)
        repairs = 0
        if self.latin and "latin" in seen:
            repairs += repair_latin(doc, lm, self.min_gain, self.name)
        if seen & {"rare", "offscript"}:
            repairs += repair_whole_page(doc, self.min_gain, self.name)
        if seen & {"utf8", "qmark", "utf8_short", "rare", "offscript"}:
            utf8, pairs = bool(seen & {"utf8", "qmark", "utf8_short"}), bool(seen & {"rare", "offscript"})
            points = None  # where short UTF-8 runs may be: only the runs holding one are examined
            if not seen & {"utf8", "qmark"}:
                points = _short_utf8(_gate_table()[codepoints(doc.text)]).tolist()
            repairs += repair_redecodes(doc, lm, self.min_gain, self.name, utf8=utf8, pairs=pairs, points=points)
        if seen & {"qmark", "rare", "glued"} and not _genuine_traditional(doc.text, info):
            realigned = realign(doc, lm, self.min_gain, self.name)
            repairs += realigned
            if self.debris == "remove" and realigned >= _ESTABLISHED and "?" in doc.text:
                # no line opens with a question mark: in a page whose lost bytes are established, a '?' there
                # before Han text is a byte whose character is gone (PHP's '?' for a lead byte at a line's start),
                # as much debris as 锟斤拷; elsewhere it is a character the source could not encode (an emoji)
                lone = len(_OPENING_Q.findall(doc.text))
                if lone:
                    doc.sub(_OPENING_Q, "", self.name, "debris")
                    doc.tag("mojibake_debris", doc.signals.get("mojibake_debris", 0) + lone)
        if repairs:
            doc.tag("mojibake_repairs", repairs)
        left = _unrepaired(doc.text, lm) if "?" in doc.text else 0
        left += len(_REPLACEMENT.findall(doc.text)) if "\ufffd" in doc.text else 0
        if left:
            doc.tag("mojibake_unrepaired", left)
        return doc


# -- 2. reversible wrong decodings ---------------------------------------------------------------------------
def repair_latin(doc: Document, lm: CharLM, min_gain: float, name: str) -> int:
    """UTF-8 read as cp1252/latin-1 in runs of Latin-1 letters, repaired by ftfy where the model gains
    `min_gain`; the number of repairs."""
    import ftfy

    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        run = m.group()
        fixed = ftfy.fix_encoding(run)
        if fixed != run and _mean(lm, fixed) - _mean(lm, run) >= min_gain:
            count += 1
            return fixed
        return run

    doc.sub(_LATIN_RUN, fix, name, "utf8_as_cp1252")
    return count

def repair_whole_page(doc: Document, min_gain: float, name: str) -> int:
    """A page misread as a whole (Big5 read as GBK, or the reverse): it looks like the other script, so the
    per-stretch repairs, which judge with the page's script, would not see it. The whole text is read
    right and judged with the model of no script; it must win clearly and leave far fewer rare
    characters."""
    text = doc.text
    base = model()
    if _han_share(text) < 0.5:
        return 0  # a page of East Asian text (not a kaomoji or a box drawing)
    for reason, wrong, right in PAIR_REDECODES:
        fixed = _redecode_span(text, wrong, right)
        if fixed is None or fixed == text or (_kana_changed(text, fixed) and (
                wrong == "big5" or _PUA.search(text) is None)):
            continue
        if 2 * base.rare_count(fixed) > base.rare_count(text) or not _words(base, fixed):
            continue
        if _mean(base, fixed) - _mean(base, text) < min_gain:
            continue
        doc.with_text(fixed, name, reason)
        return 1
    return 0

def repair_redecodes(
    doc: Document, lm: CharLM, min_gain: float, name: str, *, utf8: bool, pairs: bool,
    points: list[int] | None = None,
) -> int:
    """The reversible misreadings of REDECODES (`utf8`: the UTF-8 ones, `pairs`: GBK <-> Big5), run by run;
    `points`: where short UTF-8 runs may be, when only those are examined. The number of repairs."""
    count = 0
    if points is not None:  # UTF-8 only where a short run's sign is
        count, utf8 = _redecode_short(doc, lm, points, min_gain, name), False
    # in a simplified page, zhuyin is GBK's full-width punctuation read as Big5 (see lm.ZHUYIN_AS_BIG5): such a
    # character is evidence by itself, and one alone between ASCII text (HOHㄗHC=) is a run of its own
    zhuyin_off = "ㄛ" in lm.off_script
    page_lm = lm
    # Big5's frequent characters read as GBK are kana (A4A1-A5F6) and private-use ones (AA-AF rows): kana with
    # no private-use character on the page are the page's Japanese
    page_pua = _PUA.search(doc.text) is not None
    for reason, wrong, right in REDECODES:
        if not (utf8 if right == "utf-8" else pairs):
            continue
        lm = page_lm
        if wrong == "gb18030" and right == "big5" and len(_PUA.findall(doc.text)) >= _PUA_PAGE:
            # Big5's punctuation read as GB18030 all over the page: most of it may be misread, and its
            # GB2312-looking garbage would pass for the page's own script (simplified), against which the
            # traditional reading loses: judged with the model of no script
            lm = for_script("neutral")
        elif wrong == "big5" and len(_PUNCT_AS_BIG5.findall(doc.text)) >= _PUA_PAGE:
            # the same for GBK's punctuation read as Big5 (zhuyin and small brackets): its traditional-looking
            # garbage makes the page look traditional, against which the simplified reading loses
            lm = for_script("neutral")

        rare_before: list[int] = []  # rare characters before each offset: most runs have none, or too few
        rows_before: list[int] = []
        if right != "utf-8":
            rare_before = np.concatenate(([0], np.cumsum(1 - lm.common[codepoints(doc.text)]))).tolist()
            rows_before = _rows_before(doc.text, wrong)

        def fix(
            m: re.Match[str], wrong: str = wrong, right: str = right, rare_before: list[int] = rare_before,
            rows_before: list[int] = rows_before, lm: CharLM = lm,
        ) -> str:
            nonlocal count
            run = m.group()
            # characters that are evidence by themselves: Big5's punctuation (°, ：, 、) as GB18030 reads it,
            # private-use (two within three characters, or one by a number: one alone may be an icon font's),
            # and zhuyin in a simplified page
            if wrong == "big5" and _pua_evidence(m.string, m.start(), m.end()):
                return run  # private-use characters come from reading as GB18030: Big5 read as GBK, next
            marked = (wrong == "gb18030" and _pua_evidence(m.string, m.start(), m.end())) or (
                wrong == "big5" and zhuyin_off and _ZHUYIN.search(run) is not None)
            # a long run with a rare character may hide a stretch that gains strongly and makes words (GBK read
            # as Big5 gives many characters GB2312 has: 由于乡里 -> 蚕衾盺爵): _pair_windows judges it
            long = len(run) >= _GAIN_SPAN and right != "utf-8"
            # UTF-8 windows found in the bytes are evidence enough; a 2-byte misreading needs rare characters
            # (a cluster of three, or one after a digit), or characters in a row that read as frequent text
            if right != "utf-8" and not marked:
                n = rare_before[m.end()] - rare_before[m.start()]
                if (n == 0 or not (long or lm.rare_cluster(run, 6, 3) or _odd_after_digit(run, lm))) and not (
                        len(run) >= _READ_RUN and rows_before[m.end() - _READ_RUN + 1] > rows_before[m.start()]):
                    return run
            best = _best_window(run, wrong, right, lm, min_gain, marked=marked,
                                after=m.string[m.end() : m.end() + 1])
            if best is None:
                return run
            if _kana_changed(run, best) and (wrong == "big5" or not page_pua):
                return run  # Japanese as the page wrote it (ゴールデン街), not a misreading
            if wrong == "gb18030" and _pua_read_as_han(run, best):
                # private-use characters alone (an emoji or icon font: 大赞\ue00e\ue00e) are read back only as
                # Big5's punctuation and signs (83%\ue4c9 for 83%。); a Han reading needs misread text beside it
                return run
            count += 1
            return best

        runs = (_NON_ASCII_RUN if right == "utf-8" else _PAIR_RUN_OR_PUA if wrong == "gb18030"
                else _PAIR_RUN_OR_ZHUYIN if zhuyin_off else _PAIR_RUN)
        before = count
        doc.sub(runs, fix, name, reason)
        if right != "utf-8" and count - before >= _ESTABLISHED:
            count += _fragments(doc, lm, reason, wrong, right, min_gain, name)
        elif wrong == "gb18030" and right == "utf-8" and count - before >= _ESTABLISHED:
            # one character inside a Latin word that reads as an accented letter (Kangasm盲ki for Kangasmäki:
            # UTF-8's ä is two bytes, one GBK character), or after a digit as a sign of measure (30掳 for 30°),
            # in a page where UTF-8 read as GBK is established
            spans = [(m.start(), m.end(), letters) for m in _IN_WORD.finditer(doc.text)
                     if (letters := _latin_letters(doc.text, m.start(), m.end(), wrong, right))]
            spans += [(m.start(), m.end(), sign) for m in _AFTER_DIGIT.finditer(doc.text)
                      if (sign := _redecode_span(m.group(), wrong, right)) in SYMBOLS]
            spans.sort()
            doc.replace_spans(spans, name, reason)
            count += len(spans)
    return count

def _fragments(doc: Document, lm: CharLM, reason: str, wrong: str, right: str, min_gain: float, name: str) -> int:
    """In a page where a stretch of one script's bytes was read as the other's, the short runs left
    between ASCII words (楷俴▲Bad for 发行《Bad, 1997爛 for 1997年, 麼Koelie for 或Koelie) are read so too when
    the reading turns a rare character into frequent text and gains `min_gain`: too short to be judged
    alone, they are judged as part of the damage the page is known to have."""
    # rare or frequent for the script the right codec writes (GBK's simplified, Big5's traditional), whatever
    # the page looked like: a page mostly misread looks like the other script, or like none
    common, spans = for_script("simplified" if right == "gbk" else "traditional").common, []

    def read(start: int, end: int) -> bool:
        run = doc.text[start:end]
        fixed = _redecode_span(run, wrong, right)
        if fixed is None or fixed == run or not all(common[ord(c)] for c in fixed):
            return False
        if _kana_changed(run, fixed) and (wrong == "big5" or _PUA.search(doc.text) is None):
            return False
        gain = _mean(lm, fixed) - _mean(lm, run)
        if gain < min_gain:
            return False
        if all(common[ord(c)] for c in run) and not (
                len(fixed) == len(run) >= 2 and _words(lm, fixed) and gain >= 2 * min_gain):
            # no rare character to explain (a repaired run, or clean text), unless two or more read as
            # frequent text that makes a word and gains twice the bar (ァ猷衾 for 气愤于 between AM and Ted)
            return False
        spans.append((start, end, fixed))
        return True

    for m in _NON_ASCII_ANY.finditer(doc.text):
        if read(m.start(), m.end()):
            continue  # read whole
        letters = _latin_letters(doc.text, m.start(), m.end(), wrong, right)
        if letters:
            spans.append((m.start(), m.end(), letters))
            continue  # a Latin letter of a word (P谷rez for Pérez: GBK's é read as Big5)
        # or its head against the ASCII before it, up to where its reading ends a sentence (326.05窾\ue4c9 for
        # 萬。 before the clean 樂山是…) or as far as each character reads as a frequent one (倰儂ん人进行 for
        # 型机器人进行), or its tail after the last sentence it ends as it stands
        text, start, end = doc.text, m.start(), m.end()
        first = next((k for k in range(start, min(end, start + 8))
                      if _redecode_span(text[k], wrong, right) in _SENTENCE_EDGE), None)
        if first is not None and first + 1 < end and read(start, first + 1):
            continue
        head = start
        while head < end and (f := _redecode_span(text[head], wrong, right)) and lm.char(f) >= FREQUENT_LOGP:
            head += 1
        if 2 <= head - start < end - start and read(start, head):
            continue
        last = next((k for k in range(end - 1, start - 1, -1) if text[k] in _SENTENCE_EDGE), None)
        if last is not None and last + 1 < end:
            read(last + 1, end)
    doc.replace_spans(spans, name, reason)
    return len(spans)

def _redecode_short(doc: Document, lm: CharLM, points: list[int], min_gain: float, name: str) -> int:
    """UTF-8 read as GBK, examined only in the runs that hold a short-run sign (`_short_utf8`): the same
    windows as `_redecode`, without visiting every other run of the text."""
    text, spans, end = doc.text, [], -1
    for p in points:
        if p < end:
            continue  # in the run just examined
        start = p
        while start and text[start - 1] >= "\x80":
            start -= 1
        m = _NON_ASCII_RUN.match(text, start)
        if m is None:
            continue
        end = m.end()
        best = _best_window(m.group(), "gb18030", "utf-8", lm, min_gain, after=text[end : end + 1])
        if best is not None:
            spans.append((m.start(), end, best))
    doc.replace_spans(spans, name, "utf8_as_gbk")
    return len(spans)

# -- 3. misaligned GBK -------------------------------------------------------------------------------------
def realign(doc: Document, lm: CharLM, min_gain: float, name: str) -> int:
    """Realign each line, once the page's damage is established: one repair holds where the bytes show
    misalignment (`_best_hypothesis` with `strict`). Then every line is read as before, also where the only
    sign is a `?` (a lost character in a page known to have lost bytes). A `?` beside fluent text in a page
    with no such damage is what the source wrote for a character it could not encode (an emoji, a symbol):
    it stays, counted as unrepaired."""
    lines = doc.text.split("\n")
    evidence = DocumentContext(doc.text)
    if not any(_realign_line(line, lm, min_gain, evidence, strict=True)[1] for line in lines):
        return 0
    context = DocumentContext(doc.text)
    spans = []
    pos = 0
    count = 0
    for line in lines:  # established: every line as a page with lost bytes is read
        fixed, n = _realign_line(line, lm, min_gain, context)
        if n:
            spans.append((pos, pos + len(line), fixed))
            count += n
        pos += len(line) + 1
    if spans:
        doc.replace_spans(spans, name, "misaligned_gbk")
    return count

def _realign_line(
    line: str, lm: CharLM, min_gain: float, context: DocumentContext, strict: bool = False
) -> tuple[str, int]:
    """The line realigned and the number of repairs; `strict`: only whether one repair holds where the bytes
    show misalignment (see `_best_hypothesis`), as a page's evidence."""
    if ("?" not in line and not lm.rare_cluster(line, *_DENSE) and _next_glued(line, 0, lm) is None
            and _next_bracket(line, 0) is None):
        return line, 0
    if line.count("?") > max(8, len(line) // 10):
        return line, 0  # a line drowned in '?' lost too many bytes to rebuild: left flagged

    repairs = 0
    start = 0
    for _ in range(16):  # each round repairs the leftmost damage that a hypothesis explains
        point = _next_damage(line, start, lm)
        if point is None:
            break
        best = _best_hypothesis(line, point, lm, min_gain, context, strict=strict)
        if best is None:
            start = point + 1
            continue
        line, start = best
        repairs += 1
        if strict:
            break
    return line, repairs


_GAIN_SPAN, _GAIN_PER_CHAR = 6, 4.0
_OFF_DENSE = (6, 3)  # what the pair repair itself asks of a run: 3 odd characters within 6
_DENSE = (6, 4)  # 4 rare characters within 6: mojibake; names and terms in clean text are sparser


def _genuine_traditional(text: str, info: ScriptInfo) -> bool:
    """Traditional text with no sign of a converter (annotations, mixed sentences, slips): written in Big5 or
    UTF-8, not in GBK, so GBK's lost and gained bytes are not looked for in it (a `?` there is a character Big5
    lacks: 麥康姆?X for 麥康姆·X)."""
    if info.script != "traditional" or _TONE_MARKED.search(text):
        return False  # a tone-marked reading in parentheses is a spinner's annotation
    return detect(text).script == "traditional"  # with the converter's slips, which the prior did not count


def _has_debris(text: str) -> bool:  # substring tests: far faster than the regex on clean text
    return "锟斤拷" in text or "烫烫烫" in text or "屯屯屯" in text


RARE, E_LEAD, LATIN1, SIMP_ONLY, TRAD_ONLY, PUA, C_E, C_C, DIGIT, CJK, C_A, LETTER, GLUED, AS_GBK, AS_BIG5, BRACKET = (
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
_UTF8_IN_GBK = re.compile(rb"(?:[\xe0-\xef][\x80-\xbf]{2}){3}")


def _flag_pairs(table: np.ndarray, leads: range, trails: Iterable[int], flag: int,
                keep: Callable[[str], bool] | None = None) -> None:
    """Set `flag` on the character each GBK byte pair (lead, trail) decodes to (those `keep` keeps), as GB18030
    decodes them: GBK's user-defined pairs (AAA1-AFFE) are private-use characters, which UTF-8 read so makes too
    (有 in UTF-8 ends in one: 设计中有 is 璁捐\ue178涓\ue15f湁)."""
    for lead in leads:
        for trail in trails:
            try:
                c = bytes((lead, trail)).decode("gb18030")
            except UnicodeDecodeError:
                continue
            if keep is None or keep(c):
                table[ord(c)] |= flag


@lru_cache(maxsize=1)
def _gate_table() -> np.ndarray:
    """Flags per code point, for the gate: rare character; GBK characters that UTF-8 read as GBK is made of
    (E_LEAD, C_E, C_C, C_A); Latin-1 letter; one script's own characters; private-use; digit; East Asian;
    ASCII letter; a Han character whose second GBK byte is a letter (GLUED); a character whose bytes read the
    other way (GBK <-> Big5) make a frequent one (AS_GBK, AS_BIG5)."""
    lm = model()
    table = (1 - lm.common).astype(np.uint16) * RARE
    # letters of the scripts no misreading of CJK bytes makes (GBK, Big5 and cp1252 decode to none of them): IPA
    # but GBK's pinyin ɑ and ɡ, combining marks, Hebrew, Arabic, the Indic scripts, Thai and on to U+1DFF: foreign
    # names and terms in clean text, not rare characters for the gate
    for lo, hi in ((0x0250, 0x02B0), (0x0300, 0x0370), (0x0500, 0x1E00)):
        table[lo:hi] &= ~np.uint16(RARE)
    table[[0x0251, 0x0261]] |= RARE
    # the lead byte of a CJK character in UTF-8 (E0-EF) and the next byte (80-BF) read as one GBK character
    _flag_pairs(table, range(0xE0, 0xF0), range(0x80, 0xC0), E_LEAD)
    # two CJK characters in UTF-8 (E1 c c E2 c c) read as GBK from E1 make three characters: (E1 c) is E_LEAD,
    # (c E2) is C_E, (c c) is C_C; the three in a row are the gate's sign of a short run (a name)
    _flag_pairs(table, range(0x81, 0xC0), range(0xE0, 0xF0), C_E)
    _flag_pairs(table, range(0x81, 0xC0), range(0x80, 0xC0), C_C)
    # one CJK punctuation mark in UTF-8 before an ASCII letter (、C read as 銆丆): (E3 80) is E_LEAD, (81 C) is C_A
    _flag_pairs(table, range(0x81, 0xC0), range(0x40, 0x7F), C_A)
    # a Han character whose second byte is an ASCII letter (see _glued)
    letters = (*range(0x41, 0x5B), *range(0x61, 0x7B))
    _flag_pairs(table, range(0x81, 0xFF), letters, GLUED, keep=lambda c: "\u3400" <= c <= "\u9fff")
    _flag_pairs(table, range(0xA8, 0xAA), letters, BRACKET)  # see _bracket_lost
    table[0xC0:0x100] |= LATIN1
    simp, trad = _tables()
    table[[ord(c) for c in simp]] |= SIMP_ONLY
    table[[ord(c) for c in trad + ZHUYIN_AS_BIG5]] |= TRAD_ONLY  # zhuyin: Taiwan's, as traditional characters are
    table[0xE000:0xF900] |= PUA  # where GB18030 puts GBK's user-defined pairs (Big5 punctuation read as GBK)
    table[ord("0") : ord("9") + 1] |= DIGIT
    # what Big5 made of GBK bytes that read as a frequent character (AS_GBK), and what GB18030 made of Big5
    # bytes that do (AS_BIG5): one such character after a digit is a sign (2016爛: 年)
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            pair = bytes((lead, trail))
            for wrong, right, bit in (("big5", "gbk", AS_GBK), ("gb18030", "big5", AS_BIG5)):
                try:
                    misread, meant = pair.decode(wrong), pair.decode(right)
                except UnicodeDecodeError:
                    continue
                if len(misread) == 1 and lm.logp.get(meant, -99.0) >= FREQUENT_LOGP:
                    table[ord(misread)] |= bit
    table[ord("A") : ord("Z") + 1] |= LETTER
    table[ord("a") : ord("z") + 1] |= LETTER
    # East Asian, private use, and the small and full-width forms (﹜ is GBK's 、 read as Big5: 11﹜70)
    for lo, hi in ((0x2E80, 0xA000), (0xE000, 0xFB00), (0xFE30, 0xFE70), (0xFF01, 0xFF61), (0x20000, 0x32000)):
        table[lo:hi] |= CJK
    table[0] = 0  # NUL pads the texts of a batch (_Batch): it carries no flag
    return table


def _short_utf8(flags: np.ndarray) -> np.ndarray:
    """Positions where two CJK characters in UTF-8 read as GBK begin (E_LEAD, C_E, C_C in a row), or one
    before a word in Latin letters (E_LEAD, C_A, a letter: 銆丆ooly for 、Cooly)."""
    e, ce, cc, ca = (flags & E_LEAD) != 0, (flags & C_E) != 0, (flags & C_C) != 0, (flags & C_A) != 0
    two = np.flatnonzero(e[:-2] & ce[1:-1] & cc[2:])
    one = np.flatnonzero(e[:-2] & ca[1:-1] & ((flags[2:] & LETTER) != 0))
    return np.union1d(two, one) if len(one) else two


_PAD = 8  # zero flags after each text of a batch: no density window (at most 8) spans two texts


class _Batch:
    """The gate's flags of a batch of texts laid end to end, each followed by `_PAD` zero flags, and per-text
    reductions over them, each one numpy call for the whole batch."""

    def __init__(self, texts: list[str]) -> None:
        self.lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        self.starts = np.zeros(len(texts), dtype=np.int64)
        np.cumsum(self.lengths[:-1] + _PAD, out=self.starts[1:])
        # one encoding for the batch: each text followed by _PAD NULs (code point 0 has no flags)
        pad = "\0" * _PAD
        layout = codepoints("".join([piece for t in texts for piece in (t, pad)]))
        self.flags = _gate_table()[layout]
        self._masks: dict[int, np.ndarray] = {}
        # East Asian characters right after a digit, and the text each is in: few, so the per-text counts over
        # them (after_digit) need not pass over the whole batch
        after = np.flatnonzero(self.mask(CJK)[1:] & self.mask(DIGIT)[:-1]) + 1
        self._after_digit, self._after_digit_text = after, np.searchsorted(self.starts, after, side="right") - 1

    def _per_text(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        """`ufunc` reduced over each text's positions and its pads (`values` over the whole layout)."""
        return per_text(ufunc, values, self.starts, self.lengths)

    def present(self) -> np.ndarray:
        return self._per_text(np.bitwise_or, self.flags)  # a text's segment runs into its pads: all zero

    def count(self, mask: np.ndarray) -> np.ndarray:
        return self._per_text(np.add, mask)

    def dense(self, mask: np.ndarray, window: int, count: int) -> np.ndarray:
        """Per text: `count` marked positions within some `window` consecutive ones (a text shorter than the
        window: `count` in all). Windows start in a text and may run into its pads, never into the next text.
        Marked positions are few: they are found once, and `count` of them lie within a window when the first
        and the last are less than `window` apart (two texts' marks are at least `_PAD` + 1 apart)."""
        at = np.flatnonzero(mask)
        dense = np.zeros(len(self.starts), dtype=bool)
        if len(at) >= count:
            first = at[: len(at) - count + 1]
            hit = first[at[count - 1 :] - first < window]
            dense[np.searchsorted(self.starts, hit, side="right") - 1] = True
        return dense

    def mask(self, bits: int) -> np.ndarray:
        if bits not in self._masks:
            self._masks[bits] = (self.flags & bits) != 0
        return self._masks[bits]

    def after_digit(self, odd: np.ndarray) -> np.ndarray:
        """Per text: East Asian characters in `odd` right after a digit (2016爛9堎: 年 and 月 read as Big5; not
        the ° or ℃ of measurements)."""
        return np.bincount(self._after_digit_text[odd[self._after_digit]], minlength=len(self.starts))

    def glued(self) -> np.ndarray:
        """Per text: whether a character whose second byte is a letter stands inside a Latin word."""
        g, letter = self.mask(GLUED), self.mask(LETTER)  # rare for the document's script: judged later
        hit = np.zeros(len(g), dtype=bool)
        hit[1:-1] = g[1:-1] & ((letter[:-2] & letter[2:]) | (self.mask(RARE)[1:-1] & (letter[:-2] | letter[2:])))
        hit[1:-1] |= self.mask(BRACKET)[1:-1] & ~letter[:-2] & letter[2:]  # a bracket that lost its first byte
        return self.count(hit) > 0

    def short_utf8(self) -> np.ndarray:
        """Per text: whether a short UTF-8 run read as GBK begins somewhere (see `_short_utf8`)."""
        hit = np.zeros(len(self.flags), dtype=bool)
        if len(self.flags) > 2:
            hit[_short_utf8(self.flags)] = True
        return self.count(hit) > 0


def _suspicious_many(texts: list[str]) -> list[frozenset[str]]:
    """The cheap gate, and what it saw, per text: `qmark`, `latin`, `utf8`, `utf8_short`, `rare`, `offscript`
    (empty for clean text, the common case). Each repair family runs only on the evidence it needs. The flags
    and their densities are measured for the whole batch at once; per text, only what they point at."""
    batch = _Batch(texts)
    present = batch.present().tolist()
    rare, simp, trad = batch.mask(RARE), batch.mask(SIMP_ONLY), batch.mask(TRAD_ONLY)
    dense_e = batch.dense(batch.mask(E_LEAD), 4, 2)
    short = batch.short_utf8()
    glued = batch.glued()
    dense_rare = batch.dense(rare, *_DENSE) | batch.dense(batch.mask(PUA), 8, 2)
    n_simp, n_trad = batch.count(simp).tolist(), batch.count(trad).tolist()
    # off-script characters (or rare ones) dense, or after digits: odd = the other script's | rare
    dense_off = {"trad": batch.dense(trad | rare, *_OFF_DENSE), "simp": batch.dense(simp | rare, *_OFF_DENSE)}
    digits = {"trad": batch.after_digit(trad | rare), "simp": batch.after_digit(simp | rare),
              "rare": batch.after_digit(rare)}
    # one is enough when its bytes read the other way make a frequent character
    as_gbk, as_big5 = batch.mask(AS_GBK), batch.mask(AS_BIG5)
    along = batch.dense(as_gbk, _READ_RUN, _READ_RUN).tolist()  # see _frequent_reading
    one = {"trad": batch.after_digit((trad | rare) & as_gbk), "simp": batch.after_digit((simp | rare) & as_big5),
           "rare": batch.after_digit(rare & (as_gbk | as_big5))}
    out = []
    for k, text in enumerate(texts):
        seen = set()
        if "?" in text and _SUSPECT_Q.search(text):
            seen.add("qmark")
        bits = present[k]
        if not bits:
            out.append(frozenset(seen))
            continue
        if bits & LATIN1 and _LATIN_RUN.search(text):
            seen.add("latin")
        if glued[k]:
            seen.add("glued")  # a byte gained or lost by a Latin word: for realignment
        if bits & E_LEAD:
            # traditional text has characters at those GBK positions too: confirm with the bytes themselves, where
            # the short-run sign is (three UTF-8 sequences read as GBK hold one, aligned or not: see _short_utf8)
            if dense_e[k] and short[k] and _UTF8_IN_GBK.search(text.encode("gb18030", "ignore")):
                seen.add("utf8")
            elif bits & (C_E | C_A) and short[k]:
                seen.add("utf8_short")
        if dense_rare[k]:
            seen.add("rare")
        elif bits & (SIMP_ONLY | TRAD_ONLY | RARE):
            # GBK read as Big5 in simplified text leaves traditional characters, many of them frequent ones, in a
            # dense stretch (and Big5 read as GBK simplified ones in traditional text): off-script or rare, dense
            off = "trad" if n_simp[k] > n_trad[k] else "simp" if n_trad[k] > n_simp[k] else None
            odd = off or ("rare" if bits & RARE else None)
            if (off is not None and min(n_simp[k], n_trad[k]) and dense_off[off][k]) or (
                    odd is not None and bits & DIGIT and (digits[odd][k] >= 2 or one[odd][k])):
                seen.add("offscript")  # examined for GBK <-> Big5 only, not for realignment
            elif off == "trad" and ((bits & RARE and dense_off[off][k]) or along[k]) and _reads_as_gbk(text):
                # a short stretch of GBK read as Big5 may leave only rare characters (涴釱膘耟 for 这座建筑), or
                # few of them in characters that all read as frequent ones (撼瞰佽隴瞰 for 举例说明例): let through
                # when one such cluster or row reads back as frequent simplified text
                seen.add("offscript")
        out.append(frozenset(seen))
    return out


def _reads_as_gbk(text: str) -> bool:
    """Whether a cluster of three rare characters within six in `text` reads, as GBK bytes read as Big5, as
    frequent simplified text, or `_READ_RUN` characters in a row that each read so make a dictionary word, or one
    more in a row do (see `_frequent_reading`; the first three of each are tried)."""
    lm = for_script("simplified")
    common = lm.common
    points = codepoints(text)
    rare = 1 - common[points].astype(np.int8)
    sums = np.convolve(rare, np.ones(6, dtype=np.int8), mode="valid") if len(rare) >= 6 else rare[:0]
    for start in np.flatnonzero(sums >= 3)[:3].tolist():
        fixed = _redecode_span(text[start : start + 6], "big5", "gbk")
        if fixed and all(common[ord(c)] for c in fixed):
            return True
    rows = _row_starts(points, AS_GBK, _READ_RUN)
    for start in np.flatnonzero(rows)[:3].tolist():
        if start + 1 < len(rows) and rows[start + 1]:
            return True  # one more in a row: see _frequent_reading
        fixed = _redecode_span(text[start : start + _READ_RUN], "big5", "gbk")
        if fixed and _words(lm, fixed):
            return True
    return False


_UTF8_SEQ = re.compile(rb"(?:[\xe0-\xef][\x80-\xbf]{2}|[\xc2-\xdf][\x80-\xbf]|[\xf0-\xf4][\x80-\xbf]{3}){2,}")
# or one CJK or full-width punctuation mark in UTF-8 (、（「“…): what sits alone between Latin words (Cooli、Cooly)
_UTF8_WINDOW = re.compile(_UTF8_SEQ.pattern + rb"|(?P<punct>\xe3\x80[\x81-\xbf]|\xef\xbc[\x81-\xbf]|\xef\xbd[\x80-\x9e]"
                          rb"|\xe2\x80[\x94-\xa6])"
                          # or one Han character whose last byte was read with the letter ending the run (或K for
                          # 或Koelie: 鎴朘), which a Latin word goes on from (see _best_window's `after`)
                          rb"|(?P<one>[\xe4-\xe9][\x80-\xbf]{2})(?=[A-Za-z]\Z)")


def _best_window(
    run: str, wrong: str, right: str, lm: CharLM, min_gain: float, *, marked: bool = False, after: str = ""
) -> str | None:
    """The run with its re-decodable windows repaired when that wins clearly, or None. Linear: windows
    are UTF-8 sequences found by a scan of the bytes, or (2-byte codecs, where one misread character is
    one right character) the stretch of characters with the largest total gain. `after`: the character after
    the run, which a window's last letter may begin a word with."""
    if right == "utf-8":
        windows = _utf8_windows(run, wrong)
    else:
        windows = _pair_windows(run, wrong, right, lm, marked=marked)
    out, pos, changed = [], 0, False
    for i, j in windows:
        best = None
        # the scan may take clean neighbours in: trim up to 2 a side (up to 5 before a UTF-8 window, where the
        # bytes of clean characters can pass for the start of a sequence: 村。 is B4 E5 A1 A3)
        grow = 1 if right != "utf-8" and j - i > 4 else 0  # a short window must make a word as it is
        for a in range(max(pos, i - grow), min(i + (6 if right == "utf-8" else 3), j)):
            for b in range(min(len(run), j + grow), max(j - 3, a + 1 if j - i > 1 else a), -1):
                fixed = _redecode_span(run[a:b], wrong, right)
                # East Asian text, not Latin (the digits and spaces a 2-byte run may hold do not count: 2016爛9堎)
                span = run[a:b] if right == "utf-8" else run[a:b].translate(_DIGITS_AND_SPACE)
                if fixed is None or fixed == run[a:b] or _han_share(span) < 0.5 or lm.rare_cluster(fixed, 8, 3):
                    continue
                if right != "utf-8" and (4 * lm.rare_count(fixed) > len(fixed) or (
                        len(fixed) <= 4 and not _words(lm, fixed)
                        and not _between_digits(run, a, b, _aligned(run, a, b, fixed), lm)
                        and not (marked and _MARKED.search(run, a, b) and not _MARKED.search(fixed)))):
                    continue  # one character for one: the right reading is frequent text; a short one makes a word
                    # (皐皐訿訿 stays)
                # a window that ends in the ASCII letter its last UTF-8 byte was read with is judged, and weighed
                # against its trims, with the word that letter begins (銆並uli for 、Kuli: K alone among Chinese
                # characters would be debris)
                tail = after if b == len(run) and fixed[-1:].isascii() and fixed[-1:].isalpha() and (
                    after.isascii() and after.isalpha()) else ""
                if _mean(lm, fixed + tail) - _mean(lm, run[a:b] + tail) < min_gain:
                    continue
                # the trim that gains most in all wins, with the words it makes or breaks with its neighbours
                # (a clean 瑞 before 士 reads as 风, which is more frequent, but 瑞士 is a word)
                total = (lm.score(fixed + tail) - lm.score(run[a:b] + tail) + _edge_bonds(lm, run, a, b, fixed)
                         + _inner_bonds(lm, fixed) - _inner_bonds(lm, run[a:b]))
                if best is None or total > best[0]:
                    best = (total, a, b, fixed)
        if best is not None and right != "utf-8":
            best = _to_sentence_edges(run, best, wrong, right, lm, pos)
        if best is not None and best[1] >= pos:
            out.append(run[pos : best[1]])
            out.append(best[3])
            pos, changed = best[2], True
    if not changed:
        return None
    out.append(run[pos:])
    return "".join(out)


_SENTENCE_EDGE = frozenset("。！？；!?;」』”")
_EDGE_LOSS = 4.0  # nats a character read with its stretch may lose against its reading as it stands


def _to_sentence_edges(
    run: str, best: tuple[float, int, int, str], wrong: str, right: str, lm: CharLM, pos: int,
) -> tuple[float, int, int, str]:
    """A misread stretch (a section of a page, a pasted passage) begins and ends at a sentence's edge: when the
    window reaches one or two characters past one, those are left as they stand if they are frequent text that
    loses little by it; when it stops one or two characters short of one, those are read with it if they read as
    frequent text that loses little (。晶略日 for 。儒略日: 儒 read as GBK is the more frequent 晶)."""
    total, a, b, fixed = best

    def frequent(text: str | None, other: str, k: int, before: str = "", after: str = "") -> bool:
        # frequent text losing little against `other`, with the words either makes with its neighbours
        return bool(text) and all(lm.common[ord(c)] for c in text) and (
            lm.score(before + text + after) - lm.score(before + other + after) > -_EDGE_LOSS * k)  # type: ignore[operator]

    # characters past a sentence's edge that are frequent text as they stand are left so (the clean 隔 after a
    # misread 。 would read as 路), unless their reading makes a word with the clean text after them (。瞰如 for
    # 。例如)
    for k in (1, 2):
        if len(fixed) > k + 1 and fixed[-k - 1] in _SENTENCE_EDGE and frequent(
                run[b - k : b], fixed[-k:], k, after=run[b : b + 1]):
            b, fixed = b - k, fixed[:-k]
            break
    for k in (1, 2):
        if len(fixed) > k + 1 and fixed[k] in _SENTENCE_EDGE and frequent(
                run[a : a + k], fixed[:k], k, before=run[a - 1 : a] if a else ""):
            a, fixed = a + k, fixed[k:]
            break
    # characters short of a sentence's edge that read as frequent text are read with the stretch
    for k in (1, 2):
        s = a - k
        if s >= pos and (s == 0 or run[s - 1] in _SENTENCE_EDGE) and run[s] not in _SENTENCE_EDGE:
            head = _redecode_span(run[s:a], wrong, right)
            if frequent(head, run[s:a], k):
                a, fixed = s, head + fixed  # type: ignore[operator]
                break
    for k in (1, 2):
        e = b + k
        if e <= len(run) and run[e - 1] not in _SENTENCE_EDGE and (e == len(run) or run[e] in _SENTENCE_EDGE):
            tail = _redecode_span(run[b:e], wrong, right)
            if frequent(tail, run[b:e], k):
                b, fixed = e, fixed + tail  # type: ignore[operator]
                break
    return total, a, b, fixed


def _inner_bonds(lm: CharLM, text: str) -> float:
    return sum(_bond(lm, text[k : k + 2]) for k in range(len(text) - 1))


def _edge_bonds(lm: CharLM, run: str, a: int, b: int, fixed: str) -> float:
    """What replacing `run[a:b]` by `fixed` does to the bonds with the characters just outside it."""
    gain = 0.0
    if a > 0:
        gain += _bond(lm, run[a - 1] + fixed[0]) - _bond(lm, run[a - 1 : a + 1])
    if b < len(run):
        gain += _bond(lm, fixed[-1] + run[b]) - _bond(lm, run[b - 1 : b + 1])
    return gain


@lru_cache(maxsize=4)
def _pair_reading(wrong: str, right: str) -> np.ndarray:
    """Per BMP code point, the one character its bytes in `wrong` read as in `right` (0: none, or several); a
    character beyond the BMP has none (GB18030 writes it in four bytes, which no 2-byte codec reads as one)."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(1, 0x10000):
        fixed = _redecode_span(chr(cp), wrong, right)
        if fixed is not None and len(fixed) == 1 and ord(fixed) < 0x10000:  # the model's table is the BMP's
            table[cp] = ord(fixed)
    return table


def _redecode_span(span: str, wrong: str, right: str) -> str | None:
    try:
        return span.encode(wrong).decode(right)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


@lru_cache(maxsize=4)
def _byte_lengths(codec: str) -> np.ndarray:
    """Bytes per character in `codec`, by code point (BMP by encoding; beyond it 4, as GB18030 writes them)."""
    table = np.full(0x110000, 4, dtype=np.uint8)
    for cp in range(0x10000):
        try:
            table[cp] = len(chr(cp).encode(codec))
        except UnicodeEncodeError:
            table[cp] = 0  # never asked: a run that does not encode is rejected before
    return table


def _utf8_windows(run: str, wrong: str) -> list[tuple[int, int]]:
    try:
        raw = run.encode(wrong)
    except UnicodeEncodeError:
        return []
    if not _UTF8_WINDOW.search(raw):
        return []
    lengths = _byte_lengths(wrong)[codepoints(run)]
    index = {o: k for k, o in enumerate([0, *np.cumsum(lengths, dtype=np.int64).tolist()])}
    windows = []
    for m in _UTF8_WINDOW.finditer(raw):
        a, b = m.start(), m.end()
        if b not in index and b + 1 in index and raw[b] < 0x80:
            b += 1  # the last UTF-8 byte and the ASCII byte after it were read as one GBK character (括P: 鎷琍)
        while a < b and a not in index:  # shrink to character boundaries of the run
            a += 1
        while b > a and b not in index:
            b -= 1
        if b - a >= (3 if m.group("punct") or m.group("one") else 6):
            windows.append((index[a], index[b]))
    return windows


def _pair_windows(run: str, wrong: str, right: str, lm: CharLM, *, marked: bool = False) -> list[tuple[int, int]]:
    """Stretches of characters where reading each one's bytes right gains (maximal positive-sum segments
    of per-character gains, dictionary words with the neighbour included). `marked`: the run holds characters
    that are evidence by themselves (see `_redecode`), and a stretch with one of them qualifies."""
    # per character, its reading (one character, or none) and what reading it so gains, as arrays
    points = codepoints(run)
    bmp = np.where(points < 0x10000, points, 0)  # beyond the BMP: no reading (see _pair_reading)
    meant = _pair_reading(wrong, right)[bmp]
    has = meant != 0
    chars = lm.char_table()
    gains = np.where(has, chars[meant] - chars[bmp], -1e9)
    both = has[1:] & has[:-1]  # a word made or lost counts half to each of its two characters
    words = WORD_BONUS / 2 * (lm.are_words(meant[:-1], meant[1:]).astype(np.float64)
                              - lm.are_words(points[:-1], points[1:])) * both
    gains[1:] += words  # in the order a running sum would add them: each pair's bonus to its second character,
    gains[:-1] += words  # then to its first
    if not (gains > 0).any():
        return []  # no segment can gain
    fixed: list[str | None] = [chr(c) if c else None for c in meant.tolist()]
    windows = []
    total, start, best, best_end = 0.0, 0, 0.0, 0
    for k, g in enumerate([*gains.tolist(), -1e9]):
        if total + g <= 0:
            # each segment ends where its running total peaked (Kadane): correct text after the damage, whose
            # gains are negative, stays out; shorter, or mostly frequent characters: a rare word, not mojibake
            span = best_end - start
            if best > 0 and ((span >= 4 and 3 * lm.rare_count(run[start:best_end]) >= span)
                             or (marked and _MARKED.search(run, start, best_end))
                             or _frequent_reading(run, start, best_end, fixed, lm)
                             or (span >= _GAIN_SPAN and best >= _GAIN_PER_CHAR * span
                                 and 6 * _words(lm, "".join(fixed[start:best_end])) >= span)  # type: ignore[arg-type]
                             or _between_digits(run, start, best_end, fixed, lm)):
                windows.append((start, best_end))
            total, start, best, best_end = 0.0, k + 1, 0.0, k + 1
        else:
            total += g
            if total > best:
                best, best_end = total, k + 1
    return windows


_QUESTION_END = frozenset("吗嗎呢吧么麼嘛啊呀咩")  # 咩: Cantonese


def _next_damage(line: str, start: int, lm: CharLM) -> int | None:
    q = None
    for m in _SUSPECT_Q.finditer(line, start):
        if m.start() and line[m.start() - 1] in _QUESTION_END:
            continue  # a question: 好吗? is punctuation, not a lost byte
        if _quoted(line, m.start()):
            continue
        q = m.start()
        break
    for k in (_next_glued(line, start, lm), _next_bracket(line, start)):  # a byte lost or gained by a Latin word
        if k is not None and (q is None or k < q):
            q = k
    # a dense run of rare characters (a lost or gained byte without '?'): 3 of 4 from a rare one
    end = len(line) - 3 if q is None else min(q, len(line) - 3)
    common = lm.common
    for k in range(start, end):
        if not common[ord(line[k])] and sum(not common[ord(c)] for c in line[k + 1 : k + 4]) >= 2:
            return k
    return q


_IN_WORD = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f](?=[A-Za-z])")
_CAMEL = re.compile("[a-z][A-Z]|[A-Z]{2}[a-z]")  # case changing inside a word: mBeams, CDe
_BY_WORD = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f]|[^\x00-\x7f](?=[A-Za-z])")


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


FREQUENT_LOGP = -9.0  # about the 2,500 most frequent characters (年 -5.6, 月 -6.8, 针 -9.0; 偣 -13.4)


_AFTER_DIGIT = re.compile(r"(?<=\d)[^\x00-\x7f]")


def _odd_after_digit(run: str, lm: CharLM) -> bool:
    """Whether a rare or off-script character follows a digit in the run (年 read as Big5 in 2016爛)."""
    common = lm.common
    return any(not common[ord(m.group())] for m in _AFTER_DIGIT.finditer(run))


_KANA_RUN = re.compile("[\u3041-\u30ff]{3,}")  # three kana in a row: Japanese (Big5 read of GBK makes them one by one)


def _kana_changed(run: str, best: str) -> bool:
    """Whether the repair of `run` into `best` rewrites a run of kana: Big5 has kana (C6E7-C7F2), which GBK
    bytes read as Big5 make only here and there, so three in a row are the page's Japanese; Big5 read as GBK
    makes them often, but beside private-use characters (see `_redecode`)."""
    for m in _KANA_RUN.finditer(run):
        if len(run) != len(best) or best[m.start() : m.end()] != m.group():
            return True
    return False


def _pua_read_as_han(run: str, best: str) -> bool:
    """Whether the repair of `run` into `best` changes only private-use characters, and into Han text."""
    if len(run) != len(best):
        k, e_old, e_new = changed_run(run, best)
        return _PUA_ONLY.fullmatch(run, k, e_old) is not None and _HAN.search(best, k, e_new) is not None
    changed = [(a, b) for a, b in zip(run, best, strict=True) if a != b]
    return all(_PUA.match(a) for a, _ in changed) and any(_HAN.match(b) for _, b in changed)


def _pua_evidence(text: str, start: int, end: int) -> bool:
    """Private-use characters in `text[start:end]` that read as Big5 misread as GB18030: two within three
    characters, or one next to a number (13.2\ue53e for 13.2°, 83%\ue4c9 for 83%。); a lone one may be an icon
    font's glyph."""
    found = [m.start() for m in _PUA.finditer(text, start, end)]
    if any(b - a <= 3 for a, b in itertools.pairwise(found)):
        return True  # two together (icons stand one per word or link)
    return any(text[k - 1 : k] in _NUMBER_SIDE or text[k + 1 : k + 2] in _NUMBER_SIDE for k in found if k)


_NUMBER_SIDE = frozenset("0123456789%")


_AFTER_NUMBER = frozenset("年月日号时分秒岁")


def _between_digits(run: str, start: int, end: int, fixed: list[str | None] | None, lm: CharLM) -> bool:
    """Misread characters next to digits (2016爛9堎 for 2016年9月: dates and counts), two at least, rare or
    off-script and read right among the most frequent characters."""
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
    groups = [[wrong[0]]]
    for k in wrong[1:]:
        if k == groups[-1][-1] + 1:
            groups[-1].append(k)
        else:
            groups.append([k])
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
    return rare == len(wrong) or (fixed is not None and rare >= 2)


def _latin_letters(text: str, start: int, end: int, wrong: str, right: str) -> str | None:
    """The reading of `text[start:end]`, one or two characters between ASCII letters, when it is accented Latin
    letters (GBK's pinyin and accented letters read as Big5 are Han characters: Pérez is P谷rez, Für is F邦r)."""
    before, after = text[start - 1 : start], text[end : end + 1]
    if end - start > 2 or not (before.isascii() and before.isalpha() and after.isascii() and after.isalpha()):
        return None
    fixed = _redecode_span(text[start:end], wrong, right)
    if fixed and fixed != text[start:end] and all(c.isalpha() and "\xc0" <= c < "\u0250" for c in fixed):
        return fixed
    return None


def _row_starts(points: np.ndarray, bit: int, length: int = 4) -> np.ndarray:
    """Per position (the last `length - 1` have none), whether `length` characters in a row from it carry the gate's
    `bit` (AS_GBK, AS_BIG5: each reads the other way as a frequent character)."""
    hit = ((_gate_table()[points] & bit) != 0).astype(np.int8)
    if len(hit) < length:
        return np.zeros(0, dtype=bool)
    return np.convolve(hit, np.ones(length, dtype=np.int8), mode="valid") >= length


def _rows_before(text: str, wrong: str) -> list[int]:
    """Per offset, how many rows of `_READ_RUN` characters that each read the other way as a frequent character
    (see `_frequent_reading`) begin before it; a run holds one when the count grows between its start and its
    end less `_READ_RUN - 1`."""
    rows = _row_starts(codepoints(text), AS_GBK if wrong == "big5" else AS_BIG5, _READ_RUN)
    return np.concatenate(([0], np.cumsum(rows))).tolist()


_READ_RUN = 4  # characters in a row that each read the other way as a frequent character
_READ_DISTINCT = 3  # ... of which at least this many different ones


def _frequent_reading(run: str, start: int, end: int, fixed: list[str | None], lm: CharLM) -> bool:
    """Whether `_READ_RUN` characters in a row of `run[start:end]` each read the other way as one of the most
    frequent characters, and together make a dictionary word, or one more in a row that need not (坳甜祥蜇翍 for
    它并不附著: jieba has no 并不): a short misread sentence may hold one or two rare characters only (撼瞰佽隴瞰 for
    举例说明例, 极酗褫湛 for 体长可达), but clean text hardly ever has such a stretch (the 8 MB of clean text hold
    four, three in traditional pages and 等等等等, and the repair changes none of them)."""
    k = start
    while k < end:
        j = k
        while j < end and (f := fixed[j]) is not None and f != run[j] and lm.char(f) >= FREQUENT_LOGP:
            j += 1
        if len(set(run[k:j])) < _READ_DISTINCT:
            pass  # one character repeated (假假假假, 等等等等) is emphasis, not a misread sentence
        elif j - k > _READ_RUN or (j - k == _READ_RUN and _words(lm, "".join(fixed[k:j]))):  # type: ignore[arg-type]
            return True
        k = j + 1
    return False


def _aligned(run: str, a: int, b: int, fixed: str) -> list[str | None] | None:
    """`fixed` (the reading of `run[a:b]`, one character for one) as a list over the positions of `run`."""
    if len(fixed) != b - a:
        return None
    return [None] * a + list(fixed) + [None] * (len(run) - b)


def _words(lm: CharLM, text: str) -> int:
    """Two-character dictionary words in `text` (overlapping)."""
    words = lm.words
    return sum(1 for k in range(len(text) - 1) if text[k : k + 2] in words)


def _letters(text: str) -> int:
    """ASCII letters standing alone (no letter beside them): a repair may complete a Latin word (Mozilla),
    not make a letter appear among Chinese characters (騑騑 -> 騑向W)."""
    n = len(text)
    return sum(1 for k, c in enumerate(text) if c.isascii() and c.isalpha()
               and not (k and text[k - 1].isascii() and text[k - 1].isalpha())
               and not (k + 1 < n and text[k + 1].isascii() and text[k + 1].isalpha()))


# what asks: a '?' after one of these (in its sentence) is a question mark, elsewhere a lost byte
_ASKING = re.compile("什么|什麼|为何|為何|怎|如何|哪|谁|誰|几|幾|多少|是否|难道|難道|何|吗|嗎|呢|吧|咩"
                     "|么|麼|嘛|不是|没有|沒有|能否|可否|可不可|是不|有没|有沒|要不|会不|會不|对不|對不"
                     "|好不|行不|[啊呀啦吶哦喔]$")
_SENTENCE_END = re.compile("[。！？!；;\n]")


_OPENING, _CLOSING = "「『“‘（(《〈【\"'", "」』”’）)》〉】\"'"


def _unrepaired(text: str, lm: CharLM) -> int:
    return len(unrepaired_at(text, lm))


def unrepaired_at(text: str, lm: CharLM) -> list[int]:
    """Where `?` is left next to East Asian text that does not end a question: damage around it (a rare
    character or another `?` within two characters before or three after), or, in the middle of a line of East
    Asian text, no asking word in its sentence before it. A question mark in clean text (是什么?最近, 是你? 怎么)
    is not counted."""
    found = []
    for m in _SUSPECT_Q.finditer(text):
        i = m.start()
        if _quoted(text, i):
            continue
        j = i
        while j and text[j - 1] == "?":
            j -= 1
        if j and text[j - 1] in _QUESTION_END:
            continue  # 驚喜嗎??: a question, however many marks
        around = text[max(0, i - 2) : i] + text[i + 1 : i + 4]
        if "?" in around or lm.rare_count(around) or not _asks(text, i):
            found.append(i)
    return found


def _quoted(text: str, i: int) -> bool:
    """Whether the `?` at `i` is the character itself, quoted: 使用「?」表示一个字符."""
    return bool(i) and text[i - 1] in _OPENING and text[i + 1 : i + 2] in _CLOSING and bool(text[i + 1 : i + 2])


def _asks(text: str, i: int) -> bool:
    """Whether the `?` at `i` reads as a question mark: at the end of a line, before a space, a quote or ASCII
    text, or after an asking word in its sentence; in mid-line with none, it stands for a lost byte."""
    nxt = text[i + 1 : i + 2]
    if text[i - 1 : i] in _UPPER_CHARS and nxt in _UPPER_CHARS:
        return False  # inside an acronym (D?BCS)
    if nxt and nxt in ",;:" and text[i - 1 : i] >= "\u2e80":
        return False  # no question ends in a comma: PHP's signature (?; for 危化's A3 BB)
    if not nxt or not (nxt >= "\u2e80" or nxt.isdigit()):
        return True
    latin = text[max(0, i - 2) : i]
    if (latin.isascii() and latin.isalpha()) or text[i - 1 : i] in ("~", "～", "=", "＝"):
        # after a Latin word (Is My Blog Worth?看看), a tilde (比賽啦~?有) or an equals sign (性+暴力=?》): a question
        return True
    before = text[max(0, i - 16) : i]
    ends = list(_SENTENCE_END.finditer(before))
    return bool(_ASKING.search(before[ends[-1].end() :] if ends else before))


def _han_share(text: str) -> float:
    """Share of East Asian characters (U+2E80 on: Han, kana, Hangul, Bopomofo, the private use area that GB18030
    gives Big5's punctuation, full-width forms): a misread CJK stretch is made of them, Latin text is not."""
    return sum(1 for c in text if c >= "\u2e80") / max(1, len(text))


_MIN_REREAD = 2  # characters a realignment must read from the line's own bytes, beyond those it fills in


def _reread(old: str, new: str) -> int:
    """Han characters a reading changes: of the stretches where `old` and `new` differ, the fewer Han characters
    of the two sides (a shifted byte turns Han characters into other ones; one dropped or only '?' changed reads
    nothing). Characters chosen for lost bytes count too, unless they were left '?'; the caller takes them off."""
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    return min(sum(len(_HAN.findall(old, a, b)) for op, a, b, _, _ in ops if op != "equal"),
               sum(len(_HAN.findall(new, c, d)) for op, _, _, c, d in ops if op != "equal"))
# the full-width pass's signature: a '?' and the lone ASCII letter it left (??h for 。县); a letter elsewhere
# among Chinese text is often a word (用了U会, 210g的)
_PASS_LETTER = re.compile(r"\?[A-Za-z](?![A-Za-z])")
_EAST_ASIAN_OR_PUA = re.compile("[\u3400-\u9fff\uf900-\ufaff\ue000-\uf8ff]")


def _misaligned(text: str, lm: CharLM) -> bool:
    """Whether `text` shows what shifted GBK bytes leave, beyond a `?`: a rare East Asian or private-use
    character (the pairs a shifted byte makes), a lone ASCII letter right after a `?` (the full-width pass's
    byte), or a pinyin annotation (whose reading names the bytes). Emoji and symbols are not such
    evidence: they are what a page writes, and what an encoder turns into `?`."""
    common = lm.common
    if any(not common[ord(c)] for c in _EAST_ASIAN_OR_PUA.findall(text)):
        return True
    return _PASS_LETTER.search(text) is not None or _ANNOTATION_TAIL.search(text) is not None


def _mean(lm: CharLM, text: str) -> float:
    return lm.score(text) / max(1, len(text))


@lru_cache(maxsize=4096)
def _bytes_reading(first: int, reading: str) -> tuple[int, ...]:
    """Second bytes b such that GBK (first, b) is a character that reads `reading`."""
    out = []
    for b in range(0x40, 0xFF):
        try:
            c = bytes((first, b)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if reads_as(c, reading):
            out.append(b)
    return tuple(out)


def _decode_from(
    line: str, b: int, head: list[int], resume: int, skip: int, lm: CharLM, context: DocumentContext,
    bytes_of: dict[tuple[int, int], list[int] | None] | None = None, *, fill: bool = True,
) -> str | None:
    """`line[:b]` + the decoding of `head` + the bytes of `line[resume:]` (less `skip` leading bytes).

    The decoding realigns with the line once the damage is passed, so only a stretch is decoded: when its
    last characters agree with the line, the rest of the line is kept as it is. `bytes_of` keeps the bytes of
    stretches between the hypotheses of one damage (two of them resume at each place)."""
    # damage that does not realign within a few sentences is not this kind; a stretch that reaches the next '?'
    # would count that damage as changed too, so a shorter one is tried first then
    for n in (24, 48, 192) if "?" in line[resume + 21 : resume + 48] else (48, 192):
        stop = min(len(line), resume + n)
        if bytes_of is None:
            raw = to_bytes(line[resume:stop])
        elif (resume, stop) in bytes_of:
            raw = bytes_of[resume, stop]
        else:
            raw = bytes_of[resume, stop] = to_bytes(line[resume:stop])
        if raw is None:
            return None
        fixed = decode_tokens(head + raw[skip:], lm, line[b - 1 : b], fill=fill, context=context)
        if stop == len(line):
            return line[:b] + fixed
        if fixed.endswith(line[stop - 3 : stop]):
            return line[:b] + fixed + line[stop:]
    return None


# characters after a PHP '?' where a pair may have vanished; the gain (nats) its return must add; how rare the
# character that stood in its place must be (log-probability); how many pairs one stretch may have lost
_VANISHED_REACH, _VANISHED_MARGIN, _VANISHED_ODD, _VANISHED_MOST = 24, 0.65, -9.0, 2


def _put_back(
    base: tuple[float, str, int, int], raw: list[int],
    judge: Callable[[list[int], int], tuple[float, str, int, int] | None], lm: CharLM, start: int, stop: int,
) -> tuple[float, str, int, int]:
    """The reading `base` (of bytes `raw`, from the damage on) with dropped user-defined pairs put back at
    `start` .. `stop` (after the signature's own bytes: a pair vanishes where the misread bytes go on) where each
    wins by _VANISHED_MARGIN, leaves no more '?' and replaces one rare character; `base` itself when none does.
    `judge(tokens, j)` reads `tokens` followed by `raw[j:]`."""
    current, at = base, []
    for _ in range(_VANISHED_MOST):
        before, found = current, None  # the best place for one more pair, against the reading without it
        for j in range(start, min(len(raw), stop)):
            if j in at or raw[j - 1] < 0x81 or raw[j] < 0x40 or raw[j] == 0x7F:
                continue  # the pair goes between a lead byte (its trail gone) and a trail byte (its lead gone)
            tokens, prev = [], 0
            for p in sorted((*at, j)):
                tokens += [*raw[prev:p], VANISHED_TRAIL, VANISHED_LEAD]
                prev = p
            judged = judge(tokens, prev)
            if (judged is None or judged[0] <= before[0] + _VANISHED_MARGIN
                    or judged[1].count("?") > before[1].count("?")):  # it must win, and leave no more '?'
                continue
            if found is not None and judged[0] <= current[0]:
                continue  # a better place was found
            k, end, _ = changed_run(before[1], judged[1])
            # the one character the pair's neighbours made is an odd one (瓮 for 委就), not a frequent one
            if end - k == 1 and lm.char(before[1][k]) < _VANISHED_ODD:
                current, found = judged, j
        if found is None:
            break
        at.append(found)
    return current


_CHAIN_REACH, _CHAIN_MOST = 24, 6  # characters after a full-width-pass signature where its chain is looked for


def _chain(line: str, start: int) -> list[int]:
    """Where, from `start`, the full-width pass may have converted more pairs: a lone ASCII character glued after
    an East Asian character or a '?' (the pair's 00 vanished, or made that '?' with the byte before it)."""
    out = []
    for k in range(start, min(len(line), start + _CHAIN_REACH)):
        c = line[k]
        if not "\x21" <= c <= "\x7e" or c in "?)" or not (line[k - 1] >= "\x80" or line[k - 1] == "?"):
            continue
        if line[k + 1 : k + 2].isascii() and line[k + 1 : k + 2].isalnum():
            continue  # an ASCII word or number: written so
        if c == "(" and _ANNOTATION_TAIL.match(line, k + 1):
            continue  # an annotation
        out.append(k)
        if len(out) == _CHAIN_MOST:
            break
    return out


def _unjudged(line: str, b: int, new_line: str | None) -> tuple[float, str, int, int] | None:
    """A reading (`new_line`, the line rewritten from `b`) that did not hold, as a base for `_put_back` that no
    reading can lose to."""
    if new_line is None or new_line == line:
        return None
    k, _, e_new = changed_run(line, new_line, b)
    return -math.inf, new_line, e_new, k


def _better(a: tuple[float, str, int, int], b: tuple[float, str, int, int]) -> bool:
    """Whether reading `a` beats `b`: it leaves fewer '?' in the line, or as many and gains more."""
    qa, qb = a[1].count("?"), b[1].count("?")
    return qa < qb or (qa == qb and a[0] > b[0])


def _best_hypothesis(
    line: str, point: int, lm: CharLM, min_gain: float, context: DocumentContext, *, strict: bool = False
) -> tuple[str, int] | None:
    """Try the rewrites that explain damage at `point`; return (repaired line, where to go on) or None.

    Hypotheses are compared by mean log-probability per character over the stretch they change (with two
    characters of context each side), so that dropping characters earns nothing by itself. `strict`: a
    hypothesis must change a stretch whose bytes show misalignment (`_misaligned`), or, for a shifted byte,
    re-read from their bytes `_MIN_REREAD` Han characters that stood there beyond those it fills in for lost
    bytes; a `?` costs nothing then (it is what the source wrote for a character it lost).
    """
    # the evidence pass with nothing misread near: only a reading of the bytes themselves can hold, judged without
    # choosing characters for lost bytes (each stays '?'), which is all the evidence needs and far cheaper
    bytes_only = strict and not _misaligned(line[max(0, point - 14) : point + 16], lm)
    # (priority, where the line changes, bytes put first, where the line's own bytes resume, bytes to skip)
    candidates: list[tuple[int, int, list[int], int, int]] = []
    # inside a number or an acronym the ASCII after a '?' is the number's or the acronym's (no PHP pass ate it)
    inside = 0 < point < len(line) - 1 and any(
        line[point - 1] in kind and line[point + 1] in kind for kind in (_DIGIT_CHARS, _UPPER_CHARS))
    if (line[point] == "?" and point + 1 < len(line) and "\x21" <= line[point + 1] <= "\x7e" and not inside
            and not bytes_only):  # the pass's signature needs the evidence it leaves (`_misaligned`)
        # the full-width -> half-width pass: '?' = lead + 00 (was A3), then an ASCII byte that was byte+0x80;
        # the pass goes on converting pairs while it walks misaligned (做到??顚S茫M冻S小R_保 for
        # 做到专款专用，常投常有。要确保: each letter there was A3 + a lead byte), so the next converted pairs are
        # read back too, one more for each reading
        head, resume = [UNKNOWN, 0xA3, ord(line[point + 1]) + 0x80], point + 2
        candidates.append((0, point, head, resume, 0))
        for k in _chain(line, resume):
            raw = to_bytes(line[resume:k])
            if raw is None:
                break
            head, resume = [*head, *raw, 0xA3, ord(line[k]) + 0x80], k + 1
            candidates.append((0, point, head, resume, 0))
    tail = _ANNOTATION_TAIL.match(line, point + 1) if line[point] == "?" and point and not bytes_only else None
    if tail:
        # an annotation the spinner glued after a byte pair spanning two characters (matched on GBK bytes at
        # any offset): '?' is the pair's second byte, which swallowed the '('. The reading names the pair:
        # with the byte before, it must read so. Without the annotation, that byte pairs with the next.
        try:
            before = line[point - 1].encode("gbk")
        except UnicodeEncodeError:
            before = b""
        reading = tail.group()[:-1]
        for byte in _bytes_reading(before[-1], reading) if len(before) == 2 else ():
            candidates.append((0, point, [byte], tail.end(), 0))
    window = line[max(0, point - 6) : point + 6]
    # a lost or gained byte leaves rare characters behind, and often a '?' where the shifted bytes made an
    # invalid pair: the damage began up to a sentence before it
    reach = 13 if line[point] == "?" else 7 if lm.rare_count(window) >= 2 else 0
    if line[point] != "?" and _glued_at(line, point, lm):
        candidates.append((2, point, [], point, 1))  # a byte gained by a Latin word (Mozi鮨la): skipped
    if line[point] != "?" and _WORD_START.match(line, point) and _bracket_lost(line[point]):
        reach = max(reach, 7)  # the byte was lost before the bracket, up to a few characters back
    for back in range(reach):
        b = point - back
        if b < 0:
            break
        if line[b] < "\x80" and line[b] != "?":
            continue  # a shifted byte shows only in multibyte characters
        candidates.append((1, b, [UNKNOWN], b, 0))
        candidates.append((2, b, [], b, 1))
    bytes_of: dict[tuple[int, int], list[int] | None] = {}
    decoded: dict[tuple[int, tuple[int, ...], int, int], str | None] = {}  # each hypothesis's line, as judged
    asks = line[point] != "?" or _asks(line, point)

    def judge(priority: int, b: int, head: list[int], resume: int, skip: int) -> tuple[float, str, int, int] | None:
        """(rank, repaired line, end of the change in it, its start) of one hypothesis, or None."""
        new_line = decoded[b, tuple(head), resume, skip] = _decode_from(
            line, b, head, resume, skip, lm, context, bytes_of, fill=not bytes_only)
        if new_line is None or new_line == line:
            return None
        k, e_old, e_new = changed_run(line, new_line, b)
        lo = max(0, k - 2)
        old_part, new_part = line[lo : e_old + 2], new_line[lo : e_new + 2]
        unfilled = head.count(UNKNOWN) if bytes_only else 0  # lost bytes left '?' (not chosen) in this pass
        if (new_part.count("?") > old_part.count("?") + unfilled or "\ufffd" in new_part
                or lm.rare_cluster(new_part, 8, 3)):
            return None  # a repair leaves no more damage than it found
        if old_part.replace("?", "") == new_part.replace("?", ""):
            return None  # only '?' dropped: a lost character stays marked, it is not repaired by deletion
        # no sign of shifted bytes beyond a '?' or a byte put in for a lost one (a reading of the line's own bytes
        # alone, a gained byte skipped, writes nothing the bytes do not hold: judged by its gain as ever)
        weak = strict and ("?" in old_part or UNKNOWN in head) and not _misaligned(old_part, lm)
        if weak and (priority == 0 or _reread(line[k:e_old], new_line[k:e_new]) - (
                0 if bytes_only else head.count(UNKNOWN) + line.count("?", resume, e_old)) < _MIN_REREAD):
            # the null hypothesis wins: characters chosen for lost bytes alone (心? -> 中年, 的? -> 实能) are a
            # guess, not a reading, and a shifted byte shows in the Han characters it made (not in ○?ε?○); the
            # '?' is a character the source could not encode
            return None
        if priority and not lm.rare_count(old_part) and lm.rare_count(new_part):
            return None  # with no rare character as evidence, a shifted-byte reading must be all frequent text
        if _letters(new_part) > _letters(old_part):
            return None  # Latin letters that were not there: a misreading, not a repair (騑騑 -> 騑向W)
        if len(_CAMEL.findall(new_part)) > len(_CAMEL.findall(old_part)):
            return None  # a letter glued to a word against its case (店舖Beams -> 店mBeams, CD裡 -> CDe) is no spelling
        # a '?' that may end a question is judged as one: a hypothesis must earn its gain on the characters
        # around it, not by doing away with the '?' (做法了? must not become 做法他); '??', a '?' glued to an
        # ASCII letter, digit or ! , ; (PHP's signature: ??h for 。县, ?! for a quote), or one in mid-line with
        # no asking word before it (当弦担?并因) stays debris
        if weak:
            # under the null hypothesis a '?' is a character the source lost: it costs the line nothing, and a
            # reading earns its gain on the characters it reads, not by doing away with '?'
            gain = _mean(lm, new_part.replace("?", "")) - _mean(lm, old_part.replace("?", ""))
        elif asks:
            gain = _mean(lm, _QUESTION.sub("？", new_part)) - _mean(lm, _QUESTION.sub("？", old_part))
        else:
            gain = _mean(lm, new_part) - _mean(lm, old_part)
        if gain < min_gain:
            return None
        # the full-width pass leaves an exact signature ('?' + an ASCII byte): it is preferred unless a
        # shifted-byte reading is clearly better
        return gain + (1.5 if priority == 0 else 0.0), new_line, e_new, k

    best: tuple[float, str, int, int] | None = None
    php: list[tuple[list[int], int, tuple[float, str, int, int]]] = []  # the full-width-pass readings that hold
    for priority, b, head, resume, skip in candidates:
        judged = judge(priority, b, head, resume, skip)
        if priority == 0:
            # a signature's reading may hold only once a vanished pair is back: kept as a base that cannot win
            base = judged or _unjudged(line, b, decoded[b, tuple(head), resume, skip])
            if base is not None:
                php.append((head, resume, base))
        if judged is None:
            continue
        if best is None or _better(judged, best):
            best = judged
    for head, resume, base in [] if bytes_only else php:
        odd = sum(lm.char(c) < _VANISHED_ODD for c in base[1][base[3] : base[2]])
        if not odd or (base[0] == -math.inf and odd > _VANISHED_MOST + 1):
            continue  # each pair put back replaces one rare character of the reading: too few, or too many
        # PHP's decoder drops a user-defined pair (lead AA-AF or F8-FE) that the misaligned bytes formed: two
        # bytes gone, so the rest stays aligned and one character is wrong (省委就 -> 省瓮: 委 is CE AF, 就 BE CD,
        # and AF BE vanished); a stretch may have lost two (總之就是要用 -> 總滞是颐). Put such pairs back, one at a
        # time, at each byte of the stretch; a reading with them competes with the others
        raw = bytes_of.get((resume, min(len(line), resume + 48))) or bytes_of.get(
            (resume, min(len(line), resume + 24))) or []  # as _decode_from read them

        def decode(tokens: list[int], j: int, head: list[int] = head, resume: int = resume):
            # `tokens` stand for the first j bytes of head + raw: the rest follows
            if j < len(head):
                return judge(0, point, [*tokens, *head[j:]], resume, 0)
            return judge(0, point, tokens, resume, j - len(head))

        put_back = _put_back(base, [*head, *raw], decode, lm, min(3, len(head)), len(head) + 2 * _VANISHED_REACH)
        if put_back[0] > -math.inf and (best is None or _better(put_back, best)):
            best = put_back
    if best is None:
        return None
    return best[1], max(best[2], best[3] + 1)
