"""filter.quality's batch shortcuts give exactly the signals of the plain computation (issue #25's CPU round)."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.document import Document
from taosha.filter import quality

TEXTS = st.lists(st.text(alphabet="我爱北京上海，。ab\n", max_size=200), min_size=1, max_size=8)


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


@given(TEXTS, st.sampled_from([(2, 3, 4), (3,), (2, 7)]))
@settings(max_examples=150, deadline=None)
def test_the_batch_layout_and_the_one_slice_coverage_change_no_signal(texts, tops):
    """The texts handed over end to end (`joined`), counts kept only for the reported tops, and each n's repeated
    starts taken from the previous n's (one slice) give the values of the general path: the texts concatenated
    here, and the coverage slice by slice (`_SLICE` small) with every n's counts."""
    points = [_points(t) for t in texts]
    fast = quality.repetition_table(points, range(2, 11), tops, joined=np.concatenate(points))
    with mock.patch.object(quality, "_SLICE", 7):
        sliced = quality.repetition_table(points, range(2, 11), tops)
    assert fast.keys() == sliced.keys()
    assert [k for k in fast if not np.array_equal(fast[k], sliced[k])] == []


@given(TEXTS)
@settings(max_examples=60, deadline=None)
def test_a_batchs_repetition_signals_are_each_texts_own(texts):
    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    quality.Quality(min_chars=0, languages=(), min_han_share=0).process_batch(docs)
    for doc, text in zip(docs, texts, strict=True):
        alone = quality.repetition(_points(text))
        assert {k: doc.signals[k] for k in alone} == {k: round(v, 4) for k, v in alone.items()}
