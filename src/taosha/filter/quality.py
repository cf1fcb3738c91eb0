"""Chinese quality signals and the filter that drops by them.

Signals are measured on characters (Chinese has no spaces): Gopher-style repetition as the share of
characters covered by n-grams that occur more than once (n = 2…10) and the share of the most frequent
n-gram (n = 2…4), computed with vectorised rolling hashes.
"""

from __future__ import annotations

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
HAN, PUNCT, DIGIT, LATIN = 1, 2, 3, 4


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
    return lut


_MUL = np.uint64(1_000_003)


def _duplicates(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a mask of the keys that occur twice or more, the sort order, and the `same` flags of the sorted keys:
    sorted[1:] == sorted[:-1])."""
    order = np.argsort(keys, kind="stable")  # faster on keys grouped by text, as these are
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    dup = np.zeros(len(keys), dtype=bool)
    dup[1:] = same
    dup[:-1] |= same
    mask = np.empty(len(keys), dtype=bool)
    mask[order] = dup
    return mask, order, same


def _covered(hits: np.ndarray, n: int, doc_of: np.ndarray, docs: int) -> np.ndarray:
    """Per document, the characters inside the repeated n-grams starting at `hits` (sorted positions): each start
    covers up to the next one, at most n (documents lie more than n apart, so none covers into the next)."""
    gaps = np.full(len(hits), n, dtype=np.int64)
    if len(hits) > 1:
        np.minimum(hits[1:] - hits[:-1], n, out=gaps[:-1])
    return np.bincount(doc_of[hits], weights=gaps, minlength=docs)


def _top_counts(same: np.ndarray, run_doc: Callable[[np.ndarray], np.ndarray], docs: int) -> np.ndarray:
    """Per document, how often its most frequent key occurs, from a sorted row's `same` flags; `run_doc` maps
    the sorted indices where runs of equal keys start to their documents (equal keys share a document)."""
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    runs = np.diff(np.append(starts, len(same) + 1))
    top = np.ones(docs, dtype=np.int64)
    np.maximum.at(top, run_doc(starts), runs)
    return top


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


def repetition_table(
    texts: list[np.ndarray], ns: range = range(2, 11), tops: tuple[int, ...] = (2, 3, 4)
) -> dict[str, np.ndarray]:
    """`repetitions` as one array per signal (a value per text).

    The texts are laid end to end, each followed by distinct characters no text has, so no n-gram spans two;
    keys carry their text's number, so no n-gram matches another text's. Bigrams are compared exactly, by
    their two code points. An n-gram at i repeats only if the (n-1)-grams at i and i+1 do, so past n = 2
    only those positions are candidates (fewer at each n, few in ordinary text), compared by 64-bit
    polynomial hashes. Each n costs a few numpy calls for the whole batch, not a few per text.
    """
    docs = len(texts)
    outs = {f"dup_ngram_{n}": np.zeros(docs) for n in ns} | {f"top_ngram_{n}": np.zeros(docs) for n in tops}
    if not docs:
        return outs
    last = max(max(ns), max(tops))
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    pieces: list[np.ndarray] = []
    for k, t in enumerate(texts):
        pieces.append(t.astype(np.uint64))
        pieces.append(np.arange(0x110000 + k * last, 0x110000 + (k + 1) * last, dtype=np.uint64))
    base = np.concatenate(pieces)  # 21-bit code points and pads: bigram keys are exact in 42 bits
    doc_of = np.repeat(np.arange(docs, dtype=np.uint64), lengths + last)
    keys = (doc_of[:-1] << np.uint64(42)) | (base[:-1] << np.uint64(21)) | base[1:]
    doc_of = doc_of.astype(np.int64)
    mask, order, same = _duplicates(keys)
    hits = np.flatnonzero(mask)
    covered = {2: hits}  # per n, where the repeated n-grams start
    top_of: dict[int, np.ndarray] = {}
    if 2 in tops:
        top_of[2] = _top_counts(same, lambda s: (keys[order[s]] >> np.uint64(42)).astype(np.int64), docs)
    # an n-gram at i repeats only if the (n-1)-grams at i and i+1 do: only those are candidates, fewer at each n
    longest = np.zeros(len(base) + 1, dtype=np.int8)  # the longest repeated n-gram at each position (so far)
    longest[hits] = 2
    shift = np.uint64(64 - max(1, docs.bit_length()))
    low = np.uint64((1 << int(shift)) - 1)  # a polynomial hash keeps the differences of n-grams in its low bits
    h = keys[hits]  # the hash of the n-gram at each of `hits`: kept current for the candidates
    for n in range(3, last + 1):
        sel = longest[hits + 1] >= n - 1
        idx = hits[sel]
        if not len(idx):
            break
        h = h[sel] * _MUL + base[idx + n - 1]
        # sorted by text first (its number in the top bits, the hash's low bits below): cheaper to sort
        repeated, order, same = _duplicates((doc_of[idx].astype(np.uint64) << shift) | (h & low))
        hits, h = idx[repeated], h[repeated]
        if n in ns:
            covered[n] = hits
        if n in tops:
            def run_doc(s: np.ndarray, o: np.ndarray = order, i: np.ndarray = idx) -> np.ndarray:
                return doc_of[i[o[s]]]

            top_of[n] = _top_counts(same, run_doc, docs)
        longest[hits] = n
    for n in ns:
        starts = covered.get(n)
        if starts is not None and len(starts):
            outs[f"dup_ngram_{n}"] = _covered(starts, n, doc_of, docs) / np.maximum(lengths, 1)
    for n in tops:  # every n-gram longer than the last candidates (all, when none is one) occurs once
        top = top_of.get(n)
        counts = np.ones(docs) if top is None else top.astype(np.float64)
        outs[f"top_ngram_{n}"] = np.where(lengths >= n, counts * n / np.maximum(lengths, 1), 0.0)
    return outs


def repetition(points: np.ndarray, ns: range = range(2, 11), tops: tuple[int, ...] = (2, 3, 4)) -> dict[str, float]:
    """`repetitions` of one text."""
    return repetitions([points], ns, tops)[0]


def dup_ngram_share(points: np.ndarray, n: int) -> tuple[float, float]:
    """(share of characters inside an n-gram seen twice or more, share of the most frequent n-gram)."""
    r = repetition(points, range(n, n + 1), (n,))
    return r[f"dup_ngram_{n}"], r[f"top_ngram_{n}"]


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
    run = np.cumsum(first) - 1  # each position's sentence (where it is not a stop)
    run_lengths = np.bincount(run[~stop], minlength=int(first.sum()))
    at_start = np.zeros(len(flat), dtype=np.int64)  # each sentence's length where it starts
    at_start[first] = run_lengths
    longest = per_text(np.maximum, at_start, starts, lengths)
    return chars / np.maximum(sentences, 1), longest


def language(text: str, han_share: float) -> tuple[str, float]:
    """(language, probability): Chinese by its characters when they dominate, else langid.py's model (offline;
    `filter.language`, loaded on first use from the table cache)."""
    if han_share >= 0.5:
        return "zh", 1.0
    from taosha.filter.language import identifier

    lang, prob = identifier().classify(text[:2000])
    return lang, round(float(prob), 3)


@register("filter.quality")
@dataclass(frozen=True)
class Quality(Step):
    """Measure Chinese quality signals and drop documents outside the thresholds (0 turns a test off).

    Signals: `chars`, `han_share`, `punct_share`, `digit_share`, `latin_share`, `sentence_mean`,
    `sentence_max`, `dup_line_share`, `dup_ngram_2` … `dup_ngram_10`, `top_ngram_2` … `top_ngram_4`,
    `language`, `language_prob`. Drop reasons: `too_short`, `not_chinese`, `low_han_share`,
    `duplicate_lines`, `repetition`, `top_ngram`, `long_sentence`.

    >>> from taosha.step import run_one
    >>> run_one(Quality(), "好好学习天天向上。" * 40).dropped.reason
    'repetition'
    """

    min_chars: int = 50
    min_han_share: float = 0.3
    languages: tuple[str, ...] = ("zh",)
    max_dup_line_share: float = 0.5
    # above the largest value among 3,104 clean Wikipedia paragraphs (0.82, 0.63, 0.22; README)
    max_dup_ngram_5: float = 0.85  # share of characters in repeated 5-grams
    max_dup_ngram_10: float = 0.7
    max_top_ngram_2: float = 0.3
    max_sentence_chars: int = 1000

    def setup(self) -> None:
        # langid's model loads on the first document with little Han text, in the process that meets it (from
        # the table cache, in milliseconds; unpacked once per langid version): a Chinese corpus may never need it
        _classes()

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        texts = [d.text for d in docs]
        if not texts:
            return []
        # one encoding for the batch (the NUL after it has no class and is no stop): per-text sums in a few calls,
        # no large temporaries
        flat, starts, lengths = lay_out(texts)
        points = [flat[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
        size = np.maximum(lengths, 1)
        columns: dict[str, list] = {"chars": lengths.tolist()}
        classes = _classes()[flat]
        han = per_text(np.add, classes == HAN, starts, lengths)
        for key, cls in (("han_share", HAN), ("punct_share", PUNCT), ("digit_share", DIGIT), ("latin_share", LATIN)):
            count = han if cls == HAN else per_text(np.add, classes == cls, starts, lengths)
            columns[key] = np.round(count / size, 4).tolist()
        han_counts = han.tolist()
        mean, longest = _sentences(flat, starts, lengths)
        columns["sentence_mean"], columns["sentence_max"] = np.round(mean, 1).tolist(), longest.tolist()
        for key, values in repetition_table(points).items():
            columns[key] = np.round(values, 4).tolist()
        signals = []
        for k, text in enumerate(texts):
            sig = {key: values[k] for key, values in columns.items()}
            lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
            sig["dup_line_share"] = round(1 - len(set(lines)) / len(lines), 4) if lines else 0.0
            sig["language"], sig["language_prob"] = language(text, han_counts[k] / max(1, len(text)))
            signals.append(sig)
        # every signal is measured before any document changes (process_batch's contract)
        for doc, sig in zip(docs, signals, strict=True):
            doc.signals.update(sig)
        return [self._decide(doc) for doc in docs]

    def _decide(self, doc: Document) -> Document:
        s = doc.signals
        if self.min_chars and s["chars"] < self.min_chars:
            return doc.drop(self.name, "too_short", f"{s['chars']} < {self.min_chars} characters")
        if self.languages and s["language"] not in self.languages:
            return doc.drop(self.name, "not_chinese", f"language {s['language']} ({s['language_prob']})")
        if self.min_han_share and s["han_share"] < self.min_han_share:
            return doc.drop(self.name, "low_han_share", f"{s['han_share']:.2f} < {self.min_han_share}")
        if self.max_dup_line_share and s["dup_line_share"] > self.max_dup_line_share:
            return doc.drop(self.name, "duplicate_lines", f"{s['dup_line_share']:.2f} of lines repeat")
        for key, limit in (("dup_ngram_5", self.max_dup_ngram_5), ("dup_ngram_10", self.max_dup_ngram_10)):
            if limit and s[key] > limit:
                return doc.drop(self.name, "repetition", f"{key} = {s[key]:.2f} > {limit}")
        if self.max_top_ngram_2 and s["top_ngram_2"] > self.max_top_ngram_2:
            return doc.drop(self.name, "top_ngram", f"top_ngram_2 = {s['top_ngram_2']:.2f}")
        if self.max_sentence_chars and s["sentence_max"] > self.max_sentence_chars:
            return doc.drop(self.name, "long_sentence", f"a sentence of {s['sentence_max']} characters")
        return doc
