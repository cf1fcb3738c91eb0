"""Chinese quality signals and the filter that drops by them.

Signals are measured on characters (Chinese has no spaces): Gopher-style repetition as the share of
characters covered by n-grams that occur more than once (n = 2…10) and the share of the most frequent
n-gram (n = 2…4), computed with vectorised rolling hashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from taosha.document import Document
from taosha.step import Step, register

_SENTENCE = re.compile(r"[^。！？!?；;\n]+")
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


def repetition(points: np.ndarray, ns: range = range(2, 11), tops: tuple[int, ...] = (2, 3, 4)) -> dict[str, float]:
    """`dup_ngram_N`: share of characters inside an N-gram seen twice or more; `top_ngram_N`: share of the
    most frequent N-gram (N-grams of characters, `ns` contiguous from 2).

    64-bit polynomial hashes of the n-grams grow n by n. An n-gram repeats only if both (n-1)-grams inside it
    repeat, so past n = 2 each n hashes and sorts only those candidates (few, past n = 3, in ordinary text), and
    stops when none is left.

    >>> r = repetition(np.frombuffer("我爱北京，我爱上海".encode("utf-32-le"), dtype=np.uint32))
    >>> r["dup_ngram_2"], r["dup_ngram_3"], r["top_ngram_2"]
    (0.4444444444444444, 0.0, 0.4444444444444444)
    """
    length = len(points)
    out = {f"dup_ngram_{n}": 0.0 for n in ns} | {f"top_ngram_{n}": 0.0 for n in tops}
    if length < 2:
        return out
    last = max(ns)
    base = points.astype(np.uint64)
    h = base[:-1] * _MUL + base[1:]  # the hash of the n-gram at each position, kept current for candidates
    longest = np.zeros(length + 1, dtype=np.int8)  # the longest repeated n-gram at each position (so far)
    idx = hits = np.arange(length - 1)
    for n in range(2, last + 1):
        if n > 2:
            # an n-gram at i repeats only if the (n-1)-grams at i and i+1 do: only those are candidates
            idx = hits[longest[hits + 1] >= n - 1]
            h[idx] = h[idx] * _MUL + base[idx + n - 1]
        top, hits = 1, idx[:0]
        if len(idx) > 1:
            keys = h if n == 2 else h[idx]
            order = np.argsort(keys)
            ordered = keys[order]
            same = ordered[1:] == ordered[:-1]
            dup = np.zeros(len(keys), dtype=bool)
            dup[1:] = same
            dup[:-1] |= same
            mask = np.empty(len(keys), dtype=bool)
            mask[order] = dup
            hits = np.flatnonzero(mask) if n == 2 else idx[mask]  # sorted, as idx is
            if n in tops and len(hits):
                bounds = np.flatnonzero(~same)  # last index of each run of equal keys but the final one
                if len(bounds):
                    top = max(int(bounds[0]) + 1, len(keys) - 1 - int(bounds[-1]))
                    if len(bounds) > 1:
                        top = max(top, int((bounds[1:] - bounds[:-1]).max()))
                else:
                    top = len(keys)
        if n in tops and length >= n:
            out[f"top_ngram_{n}"] = top * n / length
        if not len(hits):  # nothing repeats at n, so nothing longer does: each larger top n-gram occurs once
            for k in tops:
                if k > n and length >= k:
                    out[f"top_ngram_{k}"] = k / length
            break
        longest[hits] = n
        if n in ns:  # characters covered by the repeated n-grams: each start covers up to the next one
            gaps = np.minimum(hits[1:] - hits[:-1], n)
            out[f"dup_ngram_{n}"] = (int(gaps.sum()) + n) / length
    return out


def dup_ngram_share(points: np.ndarray, n: int) -> tuple[float, float]:
    """(share of characters inside an n-gram seen twice or more, share of the most frequent n-gram)."""
    r = repetition(points, range(n, n + 1), (n,))
    return r[f"dup_ngram_{n}"], r[f"top_ngram_{n}"]


@lru_cache(maxsize=1)
def _langid():
    from langid.langid import LanguageIdentifier, model

    return LanguageIdentifier.from_modelstring(model, norm_probs=True)


def language(text: str, han_share: float) -> tuple[str, float]:
    """(language, probability): Chinese by its characters when they dominate, else langid.py (offline)."""
    if han_share >= 0.5:
        return "zh", 1.0
    lang, prob = _langid().classify(text[:2000])
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
        # langid's model (1.2 s to unpack) loads on the first document with little Han text, in the process
        # that meets it: a Chinese corpus may never need it
        _classes()

    def process(self, doc: Document) -> Document:
        text = doc.text
        n = len(text)
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        counts = np.bincount(_classes()[points], minlength=5) if n else np.zeros(5, dtype=np.int64)
        han = counts[HAN] / max(1, n)
        sig = doc.signals
        sig["chars"] = n
        sig["han_share"] = round(float(han), 4)
        sig["punct_share"] = round(float(counts[PUNCT] / max(1, n)), 4)
        sig["digit_share"] = round(float(counts[DIGIT] / max(1, n)), 4)
        sig["latin_share"] = round(float(counts[LATIN] / max(1, n)), 4)
        lengths = [len(m.group()) for m in _SENTENCE.finditer(text)] or [0]
        sig["sentence_mean"] = round(sum(lengths) / len(lengths), 1)
        sig["sentence_max"] = max(lengths)
        lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
        sig["dup_line_share"] = round(1 - len(set(lines)) / len(lines), 4) if lines else 0.0
        for key, value in repetition(points).items():
            sig[key] = round(value, 4)
        lang, prob = language(text, han)
        sig["language"], sig["language_prob"] = lang, prob
        return self._decide(doc)

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
