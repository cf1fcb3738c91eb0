"""The report's sample counts its signals a group of documents at a time (`RunSample._flush`) and decides most
near-threshold documents with a bound and a hash (`RunSample.add`): both checked against the rule written one
value and one document at a time, on signals of every kind a step may leave (numbers, flags, strings, None,
numpy scalars, lists) in any order and set of keys."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.document import Document
from taosha.report.sample import (
    EXCERPT,
    NEAR,
    NOT_CATEGORIES,
    NOT_MEASURES,
    RunSample,
    _hash,
    _near_tie,
    _outcome,
    buckets,
)

THRESHOLDS = [
    {"step": "filter.quality", "param": "min_chars", "signal": "chars", "side": "min", "limit": 5},
    {"step": "filter.quality", "param": "max_dup_line_share", "signal": "share", "side": "max", "limit": 0.5},
]
KEYS = ["chars", "share", "script", "flag", "near_cluster", "near_duplicate_of", "other"]
VALUES = st.one_of(
    st.integers(-3, 12), st.booleans(), st.none(),
    # (0.3 and 0.7 lie 0.2 from 0.5 as floats subtract, 0.2 and 0.19999999999999996: near ties the bounds must keep)
    st.sampled_from([0.0, -0.0, 0.5, 0.25, 1e-7, 123456.0, 0.333, 0.1, 0.3, 0.7, 0.9]),
    st.sampled_from(["simplified", "traditional", "x" * 33, "y" * 32, ""]), st.just(np.float64(0.5)), st.just([1, 2]),
)


@st.composite
def documents(draw):
    docs = []
    for i in range(draw(st.integers(0, 60))):
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
        d = Document(f"d{draw(st.integers(0, 40))}", "正文" * (i % 5))  # ids repeat: ties by hash and order
        for k in keys:
            v = draw(VALUES)
            d.tag(k, None if k in ("chars", "share") and isinstance(v, list) else v)  # no threshold takes a list
        if draw(st.booleans()):
            d.drop(draw(st.sampled_from(["filter.quality", "dedup.near"])), "r", "")
        docs.append(d)
    return docs


def _one_by_one(docs: list[Document]) -> tuple[Counter, Counter, dict]:
    hist: Counter = Counter()
    categories: Counter = Counter()
    near: dict[str, list] = {}
    for seq, d in enumerate(docs):
        outcome = d.dropped.step if d.dropped is not None else "kept"
        for key, v in d.signals.items():
            if v.__class__ in (int, float) and key not in NOT_MEASURES:
                b = buckets(np.array([v], dtype=np.float64)).tolist()[0]
                hist[key, int(b) if b.is_integer() else b, outcome] += 1
            elif v.__class__ is str and len(v) <= 32 and key not in NOT_CATEGORIES:
                categories[key, v] += 1
        for t in THRESHOLDS:
            v = d.signals.get(t["signal"])
            if v is None or v.__class__ is str:
                continue
            below = t["side"] == "min"
            side = "out" if (v < t["limit"] if below else v > t["limit"]) else "in"
            key = f"{t['step']}.{t['param']}|{side}"
            entry = {"id": d.id, "value": v, "outcome": _outcome(d), "text": d.text[:EXCERPT], "chars": len(d.text)}
            near.setdefault(key, []).append((abs(v - t["limit"]), _hash(key, d.id), d.id, _near_tie(entry), seq, v))
    # the bottom NEAR by (distance, hash, id), one id twice by its entry (`_near_tie`), whatever the order of `add`
    return hist, categories, {k: [(e[0], e[1], e[2], e[5]) for e in sorted(v)[:NEAR]] for k, v in near.items()}


@settings(max_examples=300, deadline=None)
@given(documents(), st.integers(1, 70))
def test_the_sample_counts_as_one_value_at_a_time(docs, every):
    s = RunSample(THRESHOLDS)
    for i, d in enumerate(docs):
        s.add(d)
        if (i + 1) % every == 0:
            s._flush()  # flushed anywhere: the same counts
    s._flush()
    hist, categories, near = _one_by_one(docs)
    assert s.hist == hist
    assert s.categories == categories
    got = {k: [(e[0], e[1], e[2], e[5]["value"]) for e in v] for k, v in s.near.items()}
    assert got == near



@settings(max_examples=200, deadline=None)
@given(documents(), st.randoms(use_true_random=False), st.integers(0, 60))
def test_the_sample_is_the_same_whatever_the_order_and_the_split_of_its_documents(docs, rnd, cut):
    """Documents taken in any order, or in two units merged, give the same sample: one id twice (under one rule, or
    at one distance from a threshold) is ordered by its entry, not by the order of `add`, and the values of a string
    signal kept at the cut by value (a run samples a stage's dropped documents before the main pass's)."""
    from taosha.report.sample import merge_samples

    for k, d in enumerate(docs):  # a rule of edits beside the drops, each document's entry its own
        d.replace(len(d.text), len(d.text), str(k), "repair.test", "added")
    # more values of a string signal than a sample keeps, many of them as frequent as the last one kept
    many = [Document(f"m{k}", "正文").tag("many", f"v{k % 70}") for k in range(140 + rnd.randint(0, 5))]
    whole = RunSample(THRESHOLDS)
    for d in docs + many:
        whole.add(d)
    shuffled = RunSample(THRESHOLDS)
    for d in rnd.sample(docs + many, len(docs) + len(many)):
        shuffled.add(d)
    assert shuffled.to_json() == whole.to_json()
    whole = RunSample(THRESHOLDS)
    for d in docs:
        whole.add(d)
    a, b = RunSample(THRESHOLDS), RunSample(THRESHOLDS)
    for d in docs[:cut]:
        a.add(d)
    for d in docs[cut:]:
        b.add(d)
    merged = merge_samples([b.to_json(), a.to_json()])
    assert merged.pop("units") == 2
    one = merge_samples([whole.to_json()])
    one.pop("units")
    assert merged == one
