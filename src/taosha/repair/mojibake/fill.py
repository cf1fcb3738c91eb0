"""Choosing characters for lost bytes.

A lost byte narrows its character to those whose GBK bytes hold the bytes that survived (`codec`'s tables); the
character model chooses among the most frequent of them and those that make a word with a neighbour, in the
dictionary or in the document (a cache model), one by one or a run together (Viterbi). The document is a
`DocumentContext` passed explicitly: nothing is kept between documents (but the last text's counts, a pure function
of the text, read by the next pass that counts the same text: `document_counts`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import cast

import numpy as np

from taosha.repair.mojibake.score import _bond
from taosha.textarrays import codepoints
from taosha.zh.lm import BOND_MAX, CharLM, model, word_keys, word_table
from taosha.zh.readings import reads_as

TOP_CANDIDATES = 12  # per lost byte: the most frequent characters, plus any that make a word in context


@lru_cache(maxsize=1024)
def _ranked(cands: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    lm = model()
    ranked = tuple(sorted(cands, key=lm.char, reverse=True))
    return ranked[:TOP_CANDIDATES], frozenset(cands)


@lru_cache(maxsize=1)
def _word_index() -> tuple[_WordIndex, _WordIndex]:
    """Two-character words by first and by last character: which candidates make a word with a neighbour."""
    from taosha.repair.mojibake.codec import _cached_table

    def build() -> np.ndarray:
        return np.array(sorted(ord(w[0]) << 21 | ord(w[1]) for w in model().words), dtype=np.int64)

    pairs = _cached_table("words", build)
    # the model's are_words keeps the same keys and their hash table (set-up: before the runner forks)
    word_keys(model().words, pairs, _cached_table("word-table", lambda: word_table(pairs)))
    return _WordIndex(pairs), _WordIndex(np.sort((pairs & 0x1FFFFF) << 21 | pairs >> 21))


class _WordIndex:
    """`.get(c, default)`: the characters that make a two-character word after `c` (or before it, keyed the
    other way round), as a set; from the words' code points as sorted keys (`c << 21 | other`, from the table
    cache), each character's set made when first asked for and kept. Sets of every word for every character
    took most of the step's set-up, and a run asks for a few hundred characters."""

    __slots__ = ("_keys", "_sets")

    def __init__(self, keys: np.ndarray) -> None:
        self._keys = keys
        self._sets: dict[str, frozenset[str]] = {}

    def made_so_far(self) -> dict[str, frozenset[str]]:
        """The sets made so far, by character (to be read where `get` would be called thousands of times; a
        character not there yet is asked of `get`)."""
        return self._sets

    def get(self, c: str, default: frozenset[str]) -> frozenset[str]:
        found = self._sets.get(c)
        if found is None:
            if len(c) != 1:
                return default
            lo, hi = np.searchsorted(self._keys, [ord(c) << 21, (ord(c) + 1) << 21]).tolist()
            found = self._sets[c] = frozenset(map(chr, (self._keys[lo:hi] & 0x1FFFFF).tolist()))
        return found or default


_READING = re.compile(r"[(（]([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6})[)）]")
# the cache model's weight against the character model: with it the seed page's 煤礦、?;?、 reads 危化 (a pair the
# page writes three times) where the model alone prefers 海化
_CACHE_WEIGHT = 0.1
_REPEATED = 2  # times a page writes a pair of characters for the pair to count as its own (a name, a subject)
# a page's repeated pairs with their counts, its characters' counts, and those pairs by first and by last character
DocumentCounts = tuple[dict[str, int], Counter[str], dict[str, set[str]], dict[str, set[str]]]


class DocumentContext:
    """The document whose lost bytes are being filled, passed to each choice (nothing is kept between documents): its
    text, whose repeated pairs of characters make a candidate likelier (`_cached`), counted once a lost byte needs them;
    and what `_choose` chose in it: a document's hypotheses decode overlapping stretches, so the same lost byte between
    the same neighbours comes back dozens of times (one context per document, which realignment's evidence pass and the
    pass after it share; dropped with the document: memory stays flat). `decoded`: realignment's readings of a line's
    bytes from a damage point (`realign._decode_from`), which the evidence pass and the pass after it ask again for the
    same lines."""

    __slots__ = ("_counts", "chosen", "decoded", "measured", "text")

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.chosen: dict[tuple, str | list[str]] = {}  # a lost character's choice, or a run's
        # (model, line, where it changes, bytes put first, where its bytes resume, bytes skipped, fill) -> (the
        # decoding or None, where the line is kept again): the decoding alone, so that a long line is not copied
        self.decoded: dict[tuple, tuple[str | None, int]] = {}
        self.measured: dict[tuple, float] = {}  # what realignment measured of a stretch (`realign._measured`)
        self._counts: DocumentCounts | None = None

    def counts(self) -> DocumentCounts:
        """`document_counts` of the text, counted once a document has a lost byte to fill."""
        if self._counts is None:
            self._counts = document_counts(self.text)
        return self._counts


def document_counts(text: str) -> DocumentCounts:
    """Pairs of East Asian characters that `text` writes at least twice, with their counts; its characters'
    counts; and those pairs by first and by last character. The last text's are kept (read only, by every caller):
    the lost-byte pass and realignment each count a page they fill (a 27,826-character news page, 10 ms each)."""
    if _LAST_COUNTED and _LAST_COUNTED[0][0] == text:
        return _LAST_COUNTED[0][1]
    counted = _document_counts(text)
    _LAST_COUNTED[:] = [(text, counted)]
    return counted


_LAST_COUNTED: list[tuple[str, DocumentCounts]] = []  # the last text counted, and its counts


def _document_counts(text: str) -> DocumentCounts:
    # the pairs counted as code points in numpy, East Asian ones only (a Counter of every pair made a string of each
    # pair of the page first: a news page's realignment spent a third of its time here)
    points = codepoints(text).astype(np.int64)
    first, second = points[:-1], points[1:]
    keys = (first << 21 | second)[(first >= 0x3400) & (second >= 0x3400)]
    found, times = np.unique(keys, return_counts=True)
    repeated = times >= _REPEATED
    kept = {chr(k >> 21) + chr(k & 0x1FFFFF): n
            for k, n in zip(found[repeated].tolist(), times[repeated].tolist(), strict=True)}
    after: dict[str, set[str]] = {}
    before: dict[str, set[str]] = {}
    for w in kept:
        after.setdefault(w[0], set()).add(w[1])
        before.setdefault(w[1], set()).add(w[0])
    # the characters' counts from the code points too (a Counter of the text updated a dictionary per character: on
    # the seed page, 129,128 characters, 18 ms of each count)
    chars, times = np.unique(points, return_counts=True)
    return kept, Counter(dict(zip(map(chr, chars.tolist()), times.tolist(), strict=True))), after, before


def _fill(items: list[str | tuple[str, ...]], lm: CharLM, context: DocumentContext, before: str = "") -> str:
    """`items` (decoded text, and each lost character's candidates) as text, each lost character chosen in context
    (lost characters side by side together); `before`: the character before the first item."""
    return "".join(_filled(items, lm, context, before, True)[0])


def fill_known(
    items: list[str | tuple[str, ...]], lm: CharLM, context: DocumentContext, before: str = ""
) -> tuple[str, int, str] | None:
    """`_fill(items, lm, context, before)` as far as `context` knows it without choosing: the text before the one
    group of lost characters (a lost character alone, or a run side by side) whose choice it does not hold yet, how many
    characters the choice writes (one per lost character: a candidate or U+FFFD), and the text after it; (the whole
    text, 0, "") where every choice is held; None where two groups or more are not. What `_fill` writes around such
    a group is what stands here: a group's choice depends on the decoded text around it only (decoded text follows
    each group, so no choice is another's neighbour)."""
    out, open_ = _filled(items, lm, context, before, False)
    if not open_:
        return "".join(out), 0, ""
    if len(open_) > 1:
        return None
    k, end = open_[0]
    return "".join(out[:k]), end + 1 - k, "".join(out[end + 1 :])


def _filled(
    items: list[str | tuple[str, ...]], lm: CharLM, context: DocumentContext, before: str, choose: bool,
) -> tuple[list[str], list[tuple[int, int]]]:
    """`_fill`'s text, an item at a time, and the groups of lost characters left unchosen (first and last item,
    their text left ''): with `choose`, none; without, a choice `context` does not hold is not made (`fill_known`:
    the walk stops at a second such group)."""
    out = [x if isinstance(x, str) else "" for x in items]
    open_: list[tuple[int, int]] = []
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
            after = cast(str, items[end + 1])[:1] if end < last else ""
            run = cast(tuple[tuple[str, ...], ...], tuple(items[k : end + 1]))
            key2 = (id(lm), prev, tuple(map(id, run)), after)
            chosen = context.chosen.get(key2)
            if chosen is None:
                if not choose:
                    open_.append((k, end))
                    if len(open_) > 1:
                        break
                    k = end + 1
                    continue
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
            if not choose:
                open_.append((k, k))
                if len(open_) > 1:
                    break
                k += 1
                continue
            choice = context.chosen[key] = _choose(x, prev, nxt, reading, lm, context)
        out[k] = cast(str, choice)
        k += 1
    return out, open_


# a lost character's choice is written only when reliable (`reliable_fills`): measured on the chains generator's
# dev seed (seed 1; gbk>big5, utf-8>big5, utf-8>cp950: 1,216 choices `shifted` made whose truth is known), a lost
# character alone between characters read from surviving bytes, whose choice beats the next candidate by 6 nats or
# more, was right 359 times in 361 (99.4%); below 6 nats 219 in 377 (58%; at 5 nats or more 98.7%, at 4 97.3%).
# The bytes never leave few candidates there (4 to over 100 GBK characters hold the surviving byte and are
# rejected by Big5 with the next one): the model's margin is what makes a choice reliable, or not. Held out (a
# review, seeds 21-30): 3,189 right in 3,202 (99.6%); the wrong ones mostly at 6-7 nats (12 of 555 there), a rare
# true character losing to a frequent one beside the same neighbours (埼京线 -> 任京线, 平方呎 -> 平方日)
RELIABLE_MARGIN = 6.0


def reliable_fills(items: list[str | tuple[str, ...]], out: str, lm: CharLM, context: DocumentContext,
                   before: str = "") -> list[bool]:
    """Per lost character of `items` (in order), whether `_fill`'s choice for it in `out` (the text `_fill`
    returned for `items`) is reliable: the bytes leave it one candidate, or it stands alone between decoded
    characters and beats the other candidates `_candidates` scores (the most frequent the byte allows and those that
    make a word with a neighbour) by `RELIABLE_MARGIN` nats between its neighbours. Lost characters
    side by side are not: on the same dev seed their joint choices (tens of candidates each, hundreds together)
    were right 114 times in 478 (24%), and 53 in 58 (91%) even where each led by 8 nats."""
    flags, pos = [], 0
    for k, x in enumerate(items):
        if isinstance(x, str):
            pos += len(x)
            continue
        c = out[pos : pos + 1]
        prev = out[pos - 1] if pos else before
        nxt = out[pos + 1 : pos + 2]
        beside = (k and not isinstance(items[k - 1], str)) or (k + 1 < len(items) and not isinstance(items[k + 1], str))
        if len(x) == 1 and c == x[0]:
            flags.append(True)  # the bytes leave one character: no choice was made
        elif beside or not c or c not in x:
            flags.append(False)
        else:
            rivals = [_score(lm, r, prev, nxt, context) for r in _candidates(x, prev, nxt, context) if r != c]
            flags.append(not rivals or _score(lm, c, prev, nxt, context) - max(rivals) >= RELIABLE_MARGIN)
        pos += 1
    return flags


def _candidates(x: tuple[str, ...], prev: str, nxt: str, context: DocumentContext) -> set[str]:
    """The most frequent characters a lost byte allows, and any that make a word with a neighbour, in the
    dictionary or in the document."""
    after_of, before_of = _word_index()
    top, every = _ranked(x) if x else ((), frozenset())
    doc_after, doc_before = context.counts()[2:]
    # each side's words met with `every` apart: a frequent neighbour makes words with thousands of characters, and
    # an intersection costs what its smaller side holds where a union costs both
    return (set(top) | (after_of.get(prev, _NONE) & every) | (doc_after.get(prev, _NONE) & every)
            | (before_of.get(nxt, _NONE) & every) | (doc_before.get(nxt, _NONE) & every))


_NONE: frozenset[str] = frozenset()


def _cached(lm: CharLM, c: str, prev: str, nxt: str, context: DocumentContext) -> float:
    """What the document itself says for `c` between `prev` and `nxt`: a page names its subject many times
    (危化品 three times), so a pair it writes twice or more makes `c` likelier, as a cache model mixed into the
    character model with weight _CACHE_WEIGHT: log(1 + w * P_document(c | neighbour) / P_model(c))."""
    pairs, chars = context.counts()[:2]
    if not pairs:
        return 0.0  # most pages repeat no pair of characters
    return _cached_in(lm, c, prev, nxt, pairs, chars)


def _cached_in(lm: CharLM, c: str, prev: str, nxt: str, pairs: dict[str, int], chars: Counter[str]) -> float:
    """`_cached` with the document's repeated pairs and its characters' counts."""
    p = 0.0
    if prev and pairs.get(prev + c, 0) >= _REPEATED:
        p = pairs[prev + c] / chars[prev]
    if nxt and pairs.get(c + nxt, 0) >= _REPEATED:
        p = max(p, pairs[c + nxt] / chars[nxt])
    return min(BOND_MAX, math.log1p(_CACHE_WEIGHT * p / math.exp(lm.char(c)))) if p else 0.0


def _choose(
    x: tuple[str, ...], prev: str, nxt: str, reading: str | None, lm: CharLM, context: DocumentContext
) -> str:
    """The candidate for a lost byte that the model prefers between `prev` and `nxt` (one that reads as the
    annotation after it, when there is one); U+FFFD when nothing is a candidate."""
    cands = _candidates(x, prev, nxt, context)
    if reading:
        cands = set(_heard(x, reading)) or cands
    if not cands:
        return "\ufffd"  # nothing to go on: marked, not guessed
    char, bonds = lm.char, lm.bonds
    pairs, chars, doc_after, doc_before = context.counts()
    # `_alone(c, prev, nxt)` is -inf for a mark `c` where `beside_mark`, else 0; `_cached_in` is 0 for a candidate
    # that makes no pair the page repeats with a neighbour (`repeated`: those that do)
    beside_mark = (prev in _MARKS or nxt in _MARKS) and bool(prev or nxt)
    repeated = doc_after.get(prev, _NONE) | doc_before.get(nxt, _NONE) if pairs else _NONE

    def score(c: str) -> float:  # `_score`, with what every candidate shares at hand
        return ((-math.inf if beside_mark and c in _MARKS else 0.0) + char(c) + bonds.get(prev + c, 0.0)
                + bonds.get(c + nxt, 0.0) + (_cached_in(lm, c, prev, nxt, pairs, chars) if c in repeated else 0.0))

    return max(sorted(cands), key=score)


@lru_cache(maxsize=4096)
def _heard(x: tuple[str, ...], reading: str) -> tuple[str, ...]:
    """The candidates of `x` that read as `reading` (a pure function of them, remembered: a lost character before an
    annotation is chosen again between other neighbours, and `reads_as` for each of its ~100 candidates took a
    fifth of `_choose`'s time on the seed page)."""
    return tuple(c for c in (_ranked(x)[1] if x else ()) if reads_as(c, reading))


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
    # the indexes' sets made so far, each as it is asked
    words_before, words_after = before_of.made_so_far(), after_of.made_so_far()
    for i in range(n - 1):  # words across neighbours
        left, right = sets[i], sets[i + 1]
        every_left = _ranked(run[i])[1] if run[i] else _NONE
        every_right = _ranked(run[i + 1])[1] if run[i + 1] else _NONE
        sets[i] = left.union(*_partners(right, every_left, before_of, words_before, doc_before))
        sets[i + 1] = right.union(*_partners(left, every_right, after_of, words_after, doc_after))
    if not all(sets):
        return _one_by_one(run, prev, nxt, lm, context)
    char, bonds = lm.char, lm.bonds
    pairs, chars = context.counts()[:2]
    # `_alone(c, prev, "")` is -inf for a mark `c` when `prev` is one, and 0 otherwise (the same for `nxt`)
    prev_mark, nxt_mark = prev in _MARKS, nxt in _MARKS
    # `_cached_in` is 0 for a character that makes no pair the page repeats with its neighbour (as in `_choose`)
    doc_pairs = doc_after if pairs else {}
    after_prev, before_nxt = doc_pairs.get(prev, _NONE), doc_before.get(nxt, _NONE) if pairs else _NONE

    def own(c: str, i: int) -> float:  # a character's score with the run's neighbours, not its own
        s = char(c)
        if i == 0:
            s += (bonds.get(prev + c, 0.0) + (_cached_in(lm, c, prev, "", pairs, chars) if c in after_prev else 0.0)
                  + (-math.inf if prev_mark and c in _MARKS else 0.0))
        if i == n - 1:
            s += (bonds.get(c + nxt, 0.0) + (_cached_in(lm, c, "", nxt, pairs, chars) if c in before_nxt else 0.0)
                  + (-math.inf if nxt_mark and c in _MARKS else 0.0))
        return s

    best: dict[str, tuple[float, tuple[str, ...]]] = {c: (own(c, 0), (c,)) for c in sorted(sets[0])}
    for i in range(1, n):
        order = sorted(best)
        score_of = {p: v[0] for p, v in best.items()}
        top = max(order, key=score_of.__getitem__)
        plain = max((p for p in order if p not in _MARKS), key=score_of.__getitem__, default=None)
        step = {}
        keys = frozenset(best)  # (met with a character's words, an intersection walks the smaller side)
        for c in sorted(sets[i]):
            p0 = plain if c in _MARKS else top  # no mark after a mark
            score, via = (score_of[p0], p0) if p0 is not None else (-math.inf, None)
            words = words_before.get(c)
            linked_by = keys & (before_of.get(c, _NONE) if words is None else words)
            if doc_before:
                linked_by = linked_by | keys & doc_before.get(c, _NONE)
            for p in sorted(linked_by):
                # (`_alone(c, p, "")`: a mark after a mark)
                linked = (score_of[p] + bonds.get(p + c, 0.0)
                          + (_cached_in(lm, c, p, "", pairs, chars) if c in doc_pairs.get(p, _NONE) else 0.0)
                          + (-math.inf if c in _MARKS and p in _MARKS else 0.0))
                if linked > score:
                    score, via = linked, p
            if via is not None:
                step[c] = (score + own(c, i), (*best[via][1], c))
        best = step
    return list(max(best.values(), key=lambda t: t[0])[1]) if best else _one_by_one(run, prev, nxt, lm, context)


def _partners(
    side: set[str], every: frozenset[str], index: _WordIndex, sets: dict[str, frozenset[str]],
    doc: dict[str, set[str]],
) -> list[frozenset[str] | set[str]]:
    """For each character of `side`, those of `every` that make a word with it (in the dictionary: `index`,
    whose sets made so far are `sets`; in the document: `doc`)."""
    if not every:
        return []
    out: list[frozenset[str] | set[str]] = []
    for c in side:
        words = sets.get(c)
        if words is None:
            words = index.get(c, _NONE)
        if words:
            out.append(words & every)
        if doc:
            out.append(doc.get(c, _NONE) & every)
    return out


def _one_by_one(
    run: tuple[tuple[str, ...], ...], prev: str, nxt: str, lm: CharLM, context: DocumentContext
) -> list[str]:
    """Each lost character of a run chosen alone (a run where some lost byte has no candidate)."""
    return [_choose(x, prev if i == 0 else "?", nxt if i == len(run) - 1 else "?", None, lm, context)
            for i, x in enumerate(run)]
