"""Chinese quality signals and the filter that drops by them.

Signals are measured on characters (Chinese has no spaces): Gopher-style repetition as the share of
characters covered by n-grams that occur more than once (n = 2…10) and the share of the most frequent
n-gram (n = 2…4), computed with vectorised rolling hashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from taosha.document import Document
from taosha.step import Step, register
from taosha.textarrays import lay_out, per_text
from taosha.zh.sentences import STOPS_AND_BREAK

_HAN_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x3134F), (0xF900, 0xFAFF))
CJK_PUNCT = "，。、；：？！“”‘’（）《》【】—…·「」『』"
HAN, PUNCT, DIGIT, LATIN, KANA = 1, 2, 3, 4, 5


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    lut = np.zeros(0x110000, dtype=np.uint8)
    for lo, hi in _HAN_RANGES:
        lut[lo : hi + 1] = HAN
    lut[[ord(c) for c in CJK_PUNCT + ",.;:?!\"'()-"]] = PUNCT
    lut[ord("0") : ord("9") + 1] = DIGIT
    lut[0xFF10:0xFF1A] = DIGIT
    lut[ord("a") : ord("z") + 1] = LATIN
    lut[ord("A") : ord("Z") + 1] = LATIN
    lut[0x3041:0x3097] = KANA  # hiragana
    lut[0x30A1:0x30FB] = KANA  # katakana (not ・ and ー, which Chinese text writes too)
    lut[0x31F0:0x3200] = KANA
    lut[0xFF66:0xFF9E] = KANA
    return lut


_MUL = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: a key's partition from the high bits of its product
# n-grams compared at once: a long text's keys are compared a slice at a time (~50 bytes a key in flight), so
# memory is a few bytes per character plus this, not ~160 bytes per character (a 5M-character record: 800 MB)
_SLICE = 1 << 18


def repetitions(
    texts: list[np.ndarray], ns: range = range(2, 11), tops: tuple[int, ...] = (2, 3, 4)
) -> list[dict[str, float]]:
    """Per text (an array of code points): `dup_ngram_N`, the share of characters inside an N-gram seen twice
    or more in the text, and `top_ngram_N`, the share of its most frequent N-gram (N-grams of characters).

    >>> r, = repetitions([np.frombuffer("我爱北京，我爱上海".encode("utf-32-le"), dtype=np.uint32)])
    >>> r["dup_ngram_2"], r["dup_ngram_3"], r["top_ngram_2"]
    (0.4444444444444444, 0.0, 0.4444444444444444)
    """
    table = repetition_table(texts, ns, tops)
    columns = {key: values.tolist() for key, values in table.items()}
    return [{key: values[k] for key, values in columns.items()} for k in range(len(texts))]


_LAYOUT_BY_TEXT = 4096  # characters a text holds on average, from which a batch is laid out text by text


class _Grams:
    """The texts laid end to end, each followed by `pad` characters no text has (so no n-gram spans two), and
    the keys of their n-grams, which carry the text's number (so no n-gram matches another text's): bigrams
    exactly (two 21-bit code points), longer ones by a 64-bit polynomial hash below the text's number."""

    def __init__(self, joined: np.ndarray, lengths: np.ndarray, pad: int) -> None:
        """`joined`: the texts end to end; `lengths`: theirs (int64)."""
        self.ends = np.cumsum(lengths + pad)  # a text's number is found from its position (`text_at`)
        self.doc: np.ndarray | None = None
        self.base = np.empty(int(self.ends[-1]), dtype=np.uint32)
        docs = len(lengths)
        if len(self.base) > _LAYOUT_BY_TEXT * max(1, docs):
            # long texts, one slice each: the batch-wide index arrays below take 24 bytes a character (a 5 MB
            # record's layout took 120 MB more than its texts)
            starts = self.ends - (lengths + pad) - np.arange(docs, dtype=np.int64) * pad
            texts = [joined[a : a + n] for a, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
            at = 0
            for k, t in enumerate(texts):
                self.base[at : at + len(t)] = t
                self.base[at + len(t) : at + len(t) + pad] = np.arange(0x110000 + k * pad, 0x110000 + (k + 1) * pad)
                at += len(t) + pad
        else:
            # many short texts: laid out in a few calls for the batch, not a few per text: text k moves k * pad
            # places on, and its pad (0x110000 + k * pad ...) fills the pad places after it
            shift = np.repeat(np.arange(docs, dtype=np.int64) * pad, lengths)
            self.base[np.arange(len(shift), dtype=np.int64) + shift] = joined
            pads = np.repeat(self.ends - pad, pad) + np.tile(np.arange(pad, dtype=np.int64), docs)
            self.base[pads] = np.arange(0x110000, 0x110000 + docs * pad, dtype=np.uint32)
            # each position's text number, looked up rather than searched for in `ends` (a binary search per
            # n-gram per n was a sixth of the step); 4 bytes a position, so only here, where texts are short
            self.doc = np.repeat(np.arange(docs, dtype=np.uint32), lengths + pad)
        self.shift = np.uint64(64 - max(1, docs.bit_length()))
        self.low = np.uint64((1 << int(self.shift)) - 1)  # a polynomial hash keeps n-grams' differences low

    def keys(self, idx: np.ndarray | slice, n: int) -> np.ndarray:
        """The keys of the n-grams at positions `idx` (or a slice of positions: copied, not gathered); sorted, they
        group by text (its number in the top bits)."""
        base = self.base
        if len(self.ends) == 1:
            doc = np.zeros(len(idx) if isinstance(idx, np.ndarray) else idx.stop - idx.start, dtype=np.uint64)
        else:
            doc = self.text_at(idx).astype(np.uint64)
        h = base[idx].astype(np.uint64)
        h <<= np.uint64(21)
        h |= base[1:][idx]  # base[j:][idx] is base[idx + j], without an array of idx + j
        h |= doc << np.uint64(42)
        if n == 2:
            return h
        for j in range(2, n):
            h *= _MUL
            h += base[j:][idx]
        h &= self.low
        h |= doc << self.shift
        return h

    def text_at(self, positions: np.ndarray | slice) -> np.ndarray:
        """The number of the text at each of `positions` (a pad counts with the text before it)."""
        if self.doc is not None:
            return self.doc[positions]
        if isinstance(positions, slice):
            positions = np.arange(positions.start, positions.stop)
        return np.searchsorted(self.ends, positions, side="right")

    def text_of(self, keys: np.ndarray, n: int) -> np.ndarray:
        return (keys >> (np.uint64(42) if n == 2 else self.shift)).astype(np.int64)


def _raise_tops(top: np.ndarray, texts: np.ndarray, counts: np.ndarray) -> None:
    """Raise each text's top count to its largest of `counts` (the counts of distinct keys sorted by text)."""
    if len(counts):
        first = np.flatnonzero(np.concatenate(([True], texts[1:] != texts[:-1])))
        np.maximum.at(top, texts[first], np.maximum.reduceat(counts, first))


def _mark_repeated(grams: _Grams, cand: np.ndarray | None, n: int, longest: np.ndarray, top: np.ndarray | None
                   ) -> bool:
    """Set `longest` to n at the candidates (`cand`: a mask over positions, or their positions ascending where
    the batch is one slice; None: all) whose n-gram occurs twice
    or more in its text, and raise `top` (unless None: an n whose top share is not reported) to each text's
    largest count of one n-gram; False when no candidate.

    Few candidates: one sort. Many: each falls into a partition by its key's hash (equal keys share one), and
    a partition is counted a slice at a time, each slice's keys made distinct first (a text of one repeated
    character is one key per slice), so that no step holds more than `_SLICE` keys."""
    size = len(grams.base) - 1

    def chunks():
        for a in range(0, size, _SLICE):
            b = min(a + _SLICE, size)
            yield np.arange(a, b) if cand is None else np.flatnonzero(cand[a:b]) + a

    idx: np.ndarray | None
    if size <= _SLICE:  # one slice: the positions at once (most batches)
        idx = np.arange(size) if cand is None else cand if cand.dtype != bool else np.flatnonzero(cand)
        total = len(idx)
    else:
        total = size if cand is None else int(np.count_nonzero(cand))
        idx = np.concatenate(list(chunks())) if total <= _SLICE else None
    if not total:
        return False
    if idx is not None:
        # every position (n = 2, one slice): the n-grams' characters are slices of the layout, not gathers
        keys = grams.keys(slice(0, size) if cand is None and size <= _SLICE else idx, n)
        if len(keys) >= _SIFT:
            idx, keys = _sift(idx, keys)
            if not len(keys):  # every n-gram occurs once
                return True
        # np.unique's counts and inverse, without the inverse: a stable sort (the keys come in runs sorted by text,
        # which it exploits: half the time of np.unique's), then equal neighbours
        order = np.argsort(keys, kind="stable")
        ranked = keys[order]
        same = ranked[1:] == ranked[:-1]
        if top is not None:
            first = np.flatnonzero(np.concatenate(([True], ~same)))
            _raise_tops(top, grams.text_of(ranked[first], n), np.diff(np.append(first, len(ranked))))
        twice = np.zeros(len(ranked), dtype=bool)  # a key equal to a neighbour occurs twice or more
        twice[1:] = same
        twice[:-1] |= same
        longest[idx[order[twice]]] = n
        return True
    bits = min(8, (total // _SLICE).bit_length())
    parts: list[list[np.ndarray]] = [[] for _ in range(1 << bits)]
    for idx in chunks():  # positions by partition, as 32-bit integers: 4 bytes a candidate
        part = ((grams.keys(idx, n) * _MIX) >> np.uint64(64 - bits)).astype(np.uint8)
        order = np.argsort(part, kind="stable")  # a radix sort, on 8 bits
        bounds = np.searchsorted(part[order], np.arange((1 << bits) + 1))
        for p in range(1 << bits):
            parts[p].append(idx[order[bounds[p] : bounds[p + 1]]].astype(np.uint32))
    for p, pieces in enumerate(parts):
        positions = np.concatenate(pieces)
        parts[p] = []
        if not len(positions):
            continue
        distinct, tallies, inverses = [], [], []
        for a in range(0, len(positions), _SLICE):
            uniq, inverse, counts = _unique(grams.keys(positions[a : a + _SLICE].astype(np.int64), n))
            distinct.append(uniq)
            tallies.append(counts)
            inverses.append(inverse.astype(np.uint32))
        uniq, inverse = np.unique(np.concatenate(distinct), return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate(tallies)).astype(np.int64)
        if top is not None:
            _raise_tops(top, grams.text_of(uniq, n), counts)
        repeated = np.split(counts[inverse] >= 2, np.cumsum([len(d) for d in distinct])[:-1])
        for k, a in enumerate(range(0, len(positions), _SLICE)):
            longest[positions[a : a + _SLICE][repeated[k][inverses[k]]]] = n
    return True


_SIFT = 1 << 12  # keys from which sifting out the unique ones first pays (a few passes against a sort of them all)


def _sift(idx: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions and keys left once keys that surely occur once are taken out: each key falls into a slot
    by its hash (8 slots a key), and a key alone in its slot is unique, while every occurrence of a repeated key
    shares one slot. On real text a fifth of the bigrams repeat and a quarter are left, so the sort that
    counts them is a quarter as long; what it finds is the same (a key taken out counts 1, which raises no top)."""
    bits = min(20, (8 * len(keys)).bit_length())  # at most 8 MB of counts (more collisions past 2^17 keys)
    slot = keys * _MIX
    slot >>= np.uint64(64 - bits)
    slots = slot.astype(np.intp)
    left = np.flatnonzero(np.bincount(slots, minlength=1 << bits)[slots] > 1)
    return idx[left], keys[left]


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`np.unique(keys, return_inverse=True, return_counts=True)` by a stable sort, which the keys' runs (by text,
    in position order) make about twice as fast as np.unique's."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    first = np.concatenate((np.ones(min(1, len(keys)), dtype=bool), ranked[1:] != ranked[:-1]))
    inverse = np.empty(len(keys), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    return ranked[starts], inverse, np.diff(np.append(starts, len(ranked)))


def _covered(longest: np.ndarray, n: int, grams: _Grams, docs: int) -> np.ndarray:
    """Per text, the characters inside its repeated n-grams (those at positions where `longest` >= n): each
    start covers up to the next one, at most n (texts lie more than n apart, so none covers into the next)."""
    out = np.zeros(docs)
    for a in range(0, len(longest), _SLICE):
        b = a + _SLICE
        hits = np.flatnonzero(longest[a : b + n] >= n) + a  # and those just past: the next start, if near
        gaps = np.full(len(hits), n, dtype=np.int64)
        if len(hits) > 1:
            np.minimum(hits[1:] - hits[:-1], n, out=gaps[:-1])
        mine = hits < b
        out += np.bincount(grams.text_at(hits[mine]), weights=gaps[mine], minlength=docs)
    return out


def repetition_table(
    texts: list[np.ndarray] | None, ns: range = range(2, 11), tops: tuple[int, ...] = (2, 3, 4),
    joined: np.ndarray | None = None, lengths: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """`repetitions` as one array per signal (a value per text).

    Bigrams are compared exactly. An n-gram at i repeats only if the (n-1)-grams at i and i+1 do, so past
    n = 2 only those positions are candidates (fewer at each n, few in ordinary text), compared by 64-bit
    polynomial hashes. Each n costs a few numpy calls for the whole batch (a few per slice of a long one),
    not a few per text. `joined`, where the caller has it: the texts end to end (`np.concatenate(texts)`); with
    it, `texts` may be None and their `lengths` (int64) given instead: a batch of short texts is laid out from
    `joined` alone, not from an array per text.
    """
    if lengths is None:
        assert texts is not None
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
    docs = len(lengths)
    outs = {f"dup_ngram_{n}": np.zeros(docs) for n in ns} | {f"top_ngram_{n}": np.zeros(docs) for n in tops}
    if not docs:
        return outs
    if joined is None:
        assert texts is not None
        joined = np.concatenate(texts)
    last = max(max(ns), max(tops))
    grams = _Grams(joined, lengths, last)
    longest = np.zeros(len(grams.base) + 1, dtype=np.int8)  # the longest repeated n-gram at each position
    top_of = {n: np.ones(docs, dtype=np.int64) for n in tops}  # the n-grams' counts only where reported
    cand: np.ndarray | None = None  # n = 2: every position
    for n in range(2, last + 1):
        if not _mark_repeated(grams, cand, n, longest, top_of.get(n)):
            break
        if len(grams.base) - 1 > _SLICE:  # a mask: a byte a position, whatever the share of candidates
            cand = (longest[:-2] >= n) & (longest[1:-1] >= n)
            continue
        # one slice: the positions marked n (a subset of the candidates: a repeated n-gram's (n-1)-grams repeat),
        # ascending, and of them those whose next position is marked too: a pass over the candidates, not the batch
        marked = np.flatnonzero(longest >= n) if cand is None else cand[longest[cand] >= n]
        cand = marked[:-1][marked[1:] == marked[:-1] + 1]
    if len(longest) <= _SLICE and ns:  # one slice: each n's starts are the previous n's reaching n (fewer each n)
        hits = np.flatnonzero(longest >= min(ns))
        text = grams.text_at(hits)
        for n in sorted(ns):
            keep = longest[hits] >= n
            hits, text = hits[keep], text[keep]
            gaps = np.full(len(hits), n, dtype=np.int64)
            if len(hits) > 1:
                np.minimum(hits[1:] - hits[:-1], n, out=gaps[:-1])
            outs[f"dup_ngram_{n}"] = np.bincount(text, weights=gaps, minlength=docs) / np.maximum(lengths, 1)
    else:
        for n in ns:
            outs[f"dup_ngram_{n}"] = _covered(longest, n, grams, docs) / np.maximum(lengths, 1)
    for n in tops:  # every n-gram longer than the last candidates (all, when none is one) occurs once
        outs[f"top_ngram_{n}"] = np.where(lengths >= n, top_of[n] * n / np.maximum(lengths, 1), 0.0)
    return outs


def repetition(points: np.ndarray, ns: range = range(2, 11), tops: tuple[int, ...] = (2, 3, 4)) -> dict[str, float]:
    """`repetitions` of one text."""
    return repetitions([points], ns, tops)[0]


def dup_ngram_share(points: np.ndarray, n: int) -> tuple[float, float]:
    """(share of characters inside an n-gram seen twice or more, share of the most frequent n-gram)."""
    r = repetition(points, range(n, n + 1), (n,))
    return r[f"dup_ngram_{n}"], r[f"top_ngram_{n}"]


@lru_cache(maxsize=1)
def _spaces() -> np.ndarray:
    lut = np.zeros(0x110000, dtype=bool)
    lut[[c for c in range(0x3001) if chr(c).isspace()]] = True  # str.isspace's: none above U+3000
    return lut


def _by_code_point(test: Callable[[str], bool]) -> np.ndarray:
    """`test` of every BMP character as a table by code point; beyond the BMP, Han only."""
    lut = np.zeros(0x110000, dtype=bool)
    lut[[c for c in range(0x10000) if test(chr(c))]] = True
    for lo, hi in _HAN_RANGES:
        lut[lo : hi + 1] = True
    return lut


def _cached_by_code_point(name: str, test: Callable[[str], bool]) -> np.ndarray:
    """`_by_code_point(test)` from the table cache (taosha.cache: 65,536 calls of `test` took 15 ms of every run's
    start), keyed by this module's source and Python's version (its Unicode tables)."""
    from taosha.cache import cached_table, source_key

    key = source_key("taosha.filter.quality", extra=np.__version__)
    return cached_table(f"quality-{name}", key, lambda: _by_code_point(test))


@lru_cache(maxsize=1)
def _letters() -> np.ndarray:
    """Letters of any script (str.isalpha: Han, kana, Latin, Hangul, Cyrillic...), what the language test weighs
    Han against; not digits, punctuation, symbols (box drawing ─│┌, ★, emoji) or whitespace."""
    return _cached_by_code_point("letters", str.isalpha)


@lru_cache(maxsize=1)
def _word_chars() -> np.ndarray:
    """What the n-grams are taken over: letters and digits of any script (str.isalnum)."""
    return _cached_by_code_point("word-chars", str.isalnum)


@lru_cache(maxsize=1)
def _stops() -> np.ndarray:
    lut = np.zeros(0x110000, dtype=bool)
    lut[[ord(c) for c in STOPS_AND_BREAK]] = True  # sentences are the runs between them
    return lut


def _sentences(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per text laid out in `flat` (see `lay_out`): the mean and the largest length of its sentences, the runs
    between stops (0 and 0 for a text with none)."""
    stop = _stops()[flat]
    stop[-1] = True  # the NUL after the last text is no character
    first = np.zeros(len(flat), dtype=bool)  # a sentence starts after a stop or where its text starts
    first[1:] = stop[:-1]
    first[starts[lengths > 0]] = True
    first &= ~stop
    sentences = per_text(np.add, first, starts, lengths)
    chars = per_text(np.add, ~stop, starts, lengths)
    # a sentence ends before a stop or before the next text's first: as many ends as starts, in order (two
    # positions per sentence, not an integer per character)
    end = ~stop
    end[:-1] &= stop[1:] | first[1:]
    runs = np.flatnonzero(first)
    run_lengths = np.flatnonzero(end) + 1 - runs
    longest = np.zeros(len(starts), dtype=np.int64)
    np.maximum.at(longest, np.searchsorted(starts, runs, side="right") - 1, run_lengths)
    return chars / np.maximum(sentences, 1), longest


def _dup_line_share(text: str) -> float:
    """The share of a text's non-blank lines (stripped) that repeat an earlier one."""
    lines = [ln for ln in map(str.strip, text.split("\n")) if ln]
    return round(1 - len(set(lines)) / len(lines), 4) if lines else 0.0


def language(text: str, han_share: float) -> tuple[str, float]:
    """(language, probability): Chinese when `han_share` is half or more, else langid.py's model (offline;
    `filter.language`, loaded on first use from the table cache), shown the text without box drawing, shapes and
    dingbats. `Quality` decides Chinese by the letters itself (whitespace, punctuation, digits and symbols aside, and
    kana under a tenth of them) and asks the model about the rest."""
    if han_share >= 0.5:
        return "zh", 1.0
    from taosha.filter.language import identifier

    lang, prob = identifier().classify(_DRAWING.sub("", text[:2000]))
    return lang, round(float(prob), 3)


# box drawing, block elements, geometric shapes, miscellaneous symbols and dingbats: no language's letters, and
# langid takes a Chinese manual page that draws its tables in them for Japanese or Khmer (with probability 1.0)
_DRAWING = re.compile("[\u2500-\u27bf]+")


_KANA_SHARE = 10  # a text whose letters are a tenth kana or more is asked of the identifier: Japanese, not Chinese


@register("filter.quality")
@dataclass(frozen=True)
class Quality(Step):
    """Measure Chinese quality signals and drop documents outside the thresholds (0 turns a test off).

    Signals: `chars`, `han_share`, `punct_share`, `digit_share`, `latin_share` (shares of the characters other than
    whitespace), `sentence_mean`, `sentence_max`, `dup_line_share`, `dup_ngram_2` … `dup_ngram_10`, `top_ngram_2` …
    `top_ngram_4` (over the letters and digits), `language`, `language_prob`. Drop reasons:
    `too_short`, `not_chinese`, `low_han_share`, `duplicate_lines`, `repetition`, `top_ngram`, `long_sentence`. A
    document shorter than `min_chars` is dropped on its length and carries `chars` and the four shares only.

    >>> from taosha.step import run_one
    >>> run_one(Quality(), "好好学习天天向上。" * 40).dropped.reason
    'repetition'
    """

    min_chars: int = 50
    min_han_share: float = 0.3
    languages: tuple[str, ...] = ("zh",)
    max_dup_line_share: float = 0.5
    # above the largest value among 3,104 clean Wikipedia paragraphs (0.79, 0.55, 0.20; docs/cleaning.md)
    max_dup_ngram_5: float = 0.85  # share of characters in repeated 5-grams
    max_dup_ngram_10: float = 0.7
    max_top_ngram_2: float = 0.3
    max_sentence_chars: int = 1000

    def setup(self) -> None:
        # langid's model loads on the first document with little Han text, in the process that meets it (from
        # the table cache, in milliseconds; unpacked once per langid version): a Chinese corpus may never need it
        _classes()
        _stops()
        _spaces()
        _letters()
        _word_chars()

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        texts = [d.text for d in docs]
        if not texts:
            return []
        # one encoding for the batch (the NUL after it has no class and is no stop): per-text sums in a few calls,
        # no large temporaries
        flat, starts, lengths = lay_out(texts)
        # the shares are of the characters other than whitespace: indentation and blank lines are layout (a manual's
        # indented sections read as 0.17 Han where their other characters are 0.33, and were dropped as low_han_share)
        space = _spaces()[flat]  # (the NUL after the last text is none: every start stays an index)
        dense = lengths - per_text(np.add, space, starts, lengths) if space.any() else lengths
        size = np.maximum(dense, 1)
        shares: dict[str, list] = {"chars": lengths.tolist()}
        classes = _classes()[flat]
        han = per_text(np.add, classes == HAN, starts, lengths)
        arrays: dict[str, np.ndarray] = {}  # the columns `_to_decide` reads, as arrays of the same values
        for key, cls in (("han_share", HAN), ("punct_share", PUNCT), ("digit_share", DIGIT), ("latin_share", LATIN)):
            count = han if cls == HAN else per_text(np.add, classes == cls, starts, lengths)
            arrays[key] = np.round(count / size, 4)
            shares[key] = arrays[key].tolist()
        kana = per_text(np.add, classes == KANA, starts, lengths)
        least, name = self.min_chars, self.name
        # a document shorter than `min_chars` is dropped on its length, `_decide`'s first test, whatever else it
        # measures: it carries its length and shares only. Sentences, repetition, lines and language are measured
        # on the others (on 62,774 shopping reviews, two thirds too short, they were a quarter of the step's time)
        measured = np.flatnonzero(lengths >= least) if least else np.arange(len(texts))
        first = list(shares)
        for doc, row in zip(docs, zip(*shares.values(), strict=False), strict=False):
            doc.signals.update(zip(first, row, strict=False))
        if not len(measured):
            return [doc.drop(name, "too_short", f"{n} < {least} characters")
                    for doc, n in zip(docs, shares["chars"], strict=True)]
        if len(measured) < len(texts):
            keep = np.repeat(lengths >= least, lengths)  # their characters, and the NUL after the last
            flat = flat[np.append(keep, True)]
            lengths, han, size = lengths[measured], han[measured], size[measured]
            kana = kana[measured]
            starts = np.zeros(len(measured), dtype=np.int64)
            np.cumsum(lengths[:-1], out=starts[1:])
            arrays = {key: values[measured] for key, values in arrays.items()}
        at = measured.tolist()
        columns: dict[str, list] = {}
        mean, longest = _sentences(flat, starts, lengths)
        arrays["sentence_max"] = longest
        columns["sentence_mean"], columns["sentence_max"] = np.round(mean, 1).tolist(), longest.tolist()
        # repetition on the letters and digits: Gopher's n-grams are of words, and whitespace, punctuation and
        # symbols are none (a review that parts its phrases with four spaces, or with runs of ... and 。。。, repeated
        # their bigram past max_top_ngram_2: 18 and 81 real shopping reviews dropped as `top_ngram`)
        word = _word_chars()[flat]  # (the NUL after the last text is none)
        joined, counted = flat[word], per_text(np.add, word, starts, lengths)
        for key, values in repetition_table(None, joined=joined, lengths=counted).items():
            arrays[key] = np.round(values, 4)
            columns[key] = arrays[key].tolist()
        # (one line: 0.0)
        columns["dup_line_share"] = [_dup_line_share(texts[k]) if "\n" in texts[k] else 0.0 for k in at]
        # Chinese when Han characters are half the letters or more (whitespace, punctuation, digits and symbols
        # aside: a review that ends in forty 。 is still Chinese, which langid took for Japanese, and so is a manual
        # page drawing its tables in ─│┌, which it took for Japanese or Khmer) and kana under a tenth of them
        # (Japanese that writes its names and nouns in kanji); the others are identified below
        letters = per_text(np.add, _letters()[flat], starts, lengths)
        other = np.flatnonzero((han == 0) | (2 * han < letters) | (_KANA_SHARE * kana >= letters)).tolist()
        columns["language"], columns["language_prob"] = ["zh"] * len(at), [1.0] * len(at)
        # a document's signals from the columns transposed in C (zip), in the columns' order, written straight into
        # its signals: every signal is measured from the batch's texts and columns, which no signal written
        # changes (process_batch's contract: all measured before any document changes)
        # (zip without strict's checks, a sixth of an update of 27 signals: every column is as long as its rows)
        names = list(columns)
        for k, row in zip(at, zip(*columns.values(), strict=False), strict=False):
            docs[k].signals.update(zip(names, row, strict=False))
        # the other languages last, document by document: when the identifier raises on one (a broken langid
        # install), the runner drops that document with the signals measured above, as it did before the columns
        # (no Han share to answer Chinese by: the test above found it is not, by its letters, and the model says)
        for j in other:
            k = at[j]
            docs[k].signals["language"], docs[k].signals["language_prob"] = language(texts[k], 0.0)
        # `_decide` only for the documents some other test of it may drop (the others pass every one)
        maybe = dict(zip(at, self._to_decide(arrays, columns["dup_line_share"], other), strict=True))
        return [doc.drop(name, "too_short", f"{n} < {least} characters") if least and n < least
                else self._decide(doc) if maybe[k] else doc
                for k, (doc, n) in enumerate(zip(docs, shares["chars"], strict=True))]

    def _to_decide(self, arrays: dict[str, np.ndarray], dup_lines: list[float], other: list[int]) -> list[bool]:
        """Per document long enough, whether some other test of `_decide` may drop it, from the batch's columns (the
        very values its signals hold, compared as `_decide` compares them): a superset of those it drops, so the
        others pass on as they are and the decisions are the same. The documents not found Chinese by their
        characters (`other`) are asked: their language is identified after. Every one where no language is
        Chinese here."""
        if self.languages and "zh" not in self.languages:
            return [True] * len(dup_lines)
        maybe = np.zeros(len(dup_lines), dtype=bool)
        maybe[other] = True
        if self.min_han_share:
            maybe |= arrays["han_share"] < self.min_han_share
        if self.max_dup_line_share:
            maybe |= np.array(dup_lines) > self.max_dup_line_share
        for key, limit in (("dup_ngram_5", self.max_dup_ngram_5), ("dup_ngram_10", self.max_dup_ngram_10),
                           ("top_ngram_2", self.max_top_ngram_2), ("sentence_max", self.max_sentence_chars)):
            if limit:
                maybe |= arrays[key] > limit
        return maybe.tolist()

    def _decide(self, doc: Document) -> Document:
        s = doc.signals
        if self.min_chars and s["chars"] < self.min_chars:
            return doc.drop(self.name, "too_short", f"{s['chars']} < {self.min_chars} characters")
        if self.languages and s["language"] not in self.languages:
            return doc.drop(self.name, "not_chinese", f"language {s['language']} ({s['language_prob']})")
        if self.min_han_share and s["han_share"] < self.min_han_share:
            return doc.drop(self.name, "low_han_share", f"{s['han_share']} < {self.min_han_share}")
        if self.max_dup_line_share and s["dup_line_share"] > self.max_dup_line_share:
            return doc.drop(self.name, "duplicate_lines", f"{s['dup_line_share']} of lines repeat")
        for key, limit in (("dup_ngram_5", self.max_dup_ngram_5), ("dup_ngram_10", self.max_dup_ngram_10)):
            if limit and s[key] > limit:
                return doc.drop(self.name, "repetition", f"{key} = {s[key]} > {limit}")
        if self.max_top_ngram_2 and s["top_ngram_2"] > self.max_top_ngram_2:
            return doc.drop(self.name, "top_ngram", f"top_ngram_2 = {s['top_ngram_2']} > {self.max_top_ngram_2}")
        if self.max_sentence_chars and s["sentence_max"] > self.max_sentence_chars:
            return doc.drop(self.name, "long_sentence", f"a sentence of {s['sentence_max']} characters")
        return doc
