"""Corpora with known duplicates, for the dedup evaluation, tests and benchmarks.

Each original is a run of random sentences (so unrelated documents share little), and some originals get
copies: exact, re-flowed (line breaks and punctuation width changed), converted to traditional script,
near copies with a known character edit rate, and partial copies (a prefix of the sentences and a new
ending). Every record names its `family` (the original's number) and `kind`; whether two records are
duplicates at a threshold is then measured on the texts themselves (eval/eval_dedup.py), not assumed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from taosha.synth import damage

NEAR_RATES = (0.003, 0.006, 0.01, 0.015, 0.02, 0.025, 0.03, 0.05, 0.1)
KINDS = ("exact", "reflow", "traditional", "near", "partial")


def sentences_of(texts: list[str]) -> list[str]:
    """Sentences (ending in 。！？ where they do) of at least 8 characters."""
    return [m.group() for t in texts for m in re.finditer(r"[^。！？\n]+[。！？]?", t) if len(m.group()) >= 8]


def original(sentences: list[str], rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        s = rng.choice(sentences)
        out.append(s)
        size += len(s)
        if rng.random() < 0.15:
            out.append("\n")
    return "".join(out).strip()


def copy_of(text: str, kind: str, rng: random.Random, sentences: list[str]) -> tuple[str, str]:
    """A copy of `text` of the given kind; returns (text, kind label)."""
    if kind == "exact":
        return text, "exact"
    if kind == "reflow":
        flowed = text.replace("\n", "").replace("，", ", ").replace("：", ":")
        return re.sub(r"(。)", lambda m: m.group() + ("\n" if rng.random() < 0.2 else ""), flowed), "reflow"
    if kind == "traditional":
        return damage._s2t().convert(text), "traditional"
    if kind == "near":
        rate = rng.choice(NEAR_RATES)
        return damage.near_copy(text, rng, rate).text, f"near:{rate}"
    if kind == "partial":
        parts = re.findall(r"[^。！？]+[。！？]?", text)
        keep = max(1, int(len(parts) * rng.uniform(0.75, 0.97)))
        ending = original(sentences, rng, max(20, len("".join(parts[keep:]))))
        return "".join(parts[:keep]) + ending, "partial"
    raise ValueError(kind)


def dup_corpus(
    sentences: list[str], originals: int, seed: int = 1, *, chars: int = 2000, dup_share: float = 0.3,
    max_copies: int = 4,
) -> Iterator[dict[str, Any]]:
    """Records {id, text, family, kind}: `originals` originals, a `dup_share` of them with 1..max_copies
    copies placed later in the stream (after the original, as a crawl finds them)."""
    rng = random.Random(seed)
    pending: list[tuple[int, dict[str, Any]]] = []
    n = 0
    for k in range(originals):
        text = original(sentences, rng, chars)
        yield {"id": f"d{n}", "text": text, "family": k, "kind": "original"}
        n += 1
        if rng.random() < dup_share:
            for _ in range(rng.randint(1, max_copies)):
                copy, label = copy_of(text, rng.choice(KINDS), rng, sentences)
                pending.append((k + rng.randint(0, 50), {"text": copy, "family": k, "kind": label}))
        pending.sort(key=lambda p: p[0])
        while pending and pending[0][0] <= k:
            _, rec = pending.pop(0)
            yield {"id": f"d{n}", **rec}
            n += 1
    for _, rec in pending:
        yield {"id": f"d{n}", **rec}
        n += 1


def truth_grams(text: str, n: int) -> set[str]:
    """Character n-grams of the folded text (NFKC, no whitespace, OpenCC t2s), as plain Python strings:
    the ground truth, computed independently of taosha's dedup code."""
    from taosha.zh.script import converter

    t = converter("t2s").convert(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))
    return {t[i : i + n] for i in range(max(1, len(t) - n + 1))}


def true_duplicates(records: list[dict[str, Any]], n: int = 5, threshold: float = 0.8) -> set[str]:
    """Ids of records whose n-gram Jaccard with an earlier record of their family reaches `threshold`."""
    seen: dict[int, list[set[str]]] = {}
    dups = set()
    for r in records:
        g = truth_grams(r["text"], n)
        earlier = seen.setdefault(r["family"], [])
        if any(len(g & e) / max(1, len(g | e)) >= threshold for e in earlier):
            dups.add(r["id"])
        earlier.append(g)
    return dups
