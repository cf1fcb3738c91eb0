"""The cleaning steps' shortcuts on real text give exactly what the plain computations give (issue #25)."""

from __future__ import annotations

import types
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.clean.placeholders import _ANY_BLANK, _BLANK_NEEDLES, _any_blank
from taosha.filter import quality
from taosha.filter.language import Identifier, identifier
from taosha.textarrays import holding_any, lay_out


def _langid_decide(ident, fv, idx) -> tuple[str, float]:
    """langid's normalisation over every language (the 97 x 97 matrix), as `Identifier._decide` had it."""
    pd = fv @ ident.ptc[idx] + ident.pc if fv is not None else np.zeros(len(ident.pc)) + ident.pc
    with np.errstate(over="ignore"):
        probs = 1 / np.exp(pd[None, :] - pd[:, None]).sum(1)
    best = int(np.argmax(probs))
    return ident.classes[best], float(probs[best])


@given(st.text(alphabet="abcdefghij éàü ЖДЛ αβ 日本語テスト한국어 1234.,!?我的", max_size=600))
@settings(max_examples=150, deadline=None)
def test_language_decides_from_the_rows_near_the_best_as_from_all(text):
    """`classify` normalises only the rows that may hold the largest probability: the language and probability
    are those of langid's whole matrix."""
    ident = identifier()
    seen = []
    decide = Identifier._decide

    def spy(self, fv, idx):
        seen.append((fv, idx))
        return decide(self, fv, idx)

    with mock.patch.object(Identifier, "_decide", spy):
        got = ident.classify(text)
    assert got == _langid_decide(ident, *seen[0])


@pytest.mark.parametrize("scale", [1e-12, 1e-3, 0.3, 1.0, 30.0, 3000.0])
def test_language_decision_keeps_ties_and_near_ties(scale):
    """Scores tied or nearly tied with the best (the first of equal probabilities wins, as argmax's) and scores far
    apart (rows that overflow) give langid's answer."""
    rng = np.random.default_rng(7)
    for k in range(300):
        pc = rng.normal(size=97) * scale
        if k % 3 == 0:
            pc[rng.integers(97)] = pc.max()
        if k % 7 == 0:
            pc[:] = pc[0]
        fake = types.SimpleNamespace(pc=pc, ptc=None, classes=tuple(range(97)))
        assert Identifier._decide(fake, None, None) == _langid_decide(fake, None, None)


BATCHES = st.lists(st.text(alphabet="我爱北京上海，。ab\n", max_size=300), min_size=1, max_size=8)


@given(BATCHES, st.sampled_from([1, 4096]))
@settings(max_examples=150, deadline=None)
def test_repetition_table_from_the_layout_alone_equals_from_the_texts(texts, by_text):
    """filter.quality hands `repetition_table` its layout and lengths, not an array per text: the same signals,
    whether the batch is laid out in one piece or text by text (`_LAYOUT_BY_TEXT`)."""
    flat, starts, lengths = lay_out(texts)
    points = [flat[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
    with mock.patch.object(quality, "_LAYOUT_BY_TEXT", by_text):
        want = quality.repetition_table(points)
        got = quality.repetition_table(None, joined=flat[:-1], lengths=lengths)
    assert [k for k in want if not np.array_equal(want[k], got[k])] == []


@given(st.lists(st.text(alphabet="ab-\nx×Ｘ*_＿中", max_size=12), max_size=8))
@settings(max_examples=300, deadline=None)
def test_holding_any_finds_the_texts_a_per_text_test_finds(texts):
    """clean.placeholders asks the batch which documents may hold a blank: the documents of its per-text tests."""
    want = [k for k, t in enumerate(texts) if _any_blank(t)]
    assert holding_any(_BLANK_NEEDLES, texts) == want
    assert want == [k for k, t in enumerate(texts) if _ANY_BLANK.search(t)]
