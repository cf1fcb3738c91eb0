"""Issue 24, item 8: memory on one long record stays a few bytes per character in the steps that scaled with it
(filter.quality's repetition table, dedup.near's signature, clean.frequent_lines' line hashes). Each is checked
with tracemalloc on a scaled input (the slices shrunk, so a few hundred thousand characters show the bound), and
each sliced path against the one-shot path it replaces."""

from __future__ import annotations

import tracemalloc
from unittest import mock

import numpy as np
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.clean import frequent
from taosha.dedup import minhash
from taosha.dedup.shingle import codes, shingle_hashes
from taosha.document import Document
from taosha.filter import quality
from taosha.filter.quality import Quality, repetition_table

LONG = ("经济发展与社会进步，人民生活水平不断提高。" * 20_000)[:300_000]


def _peak(fn, *args) -> int:
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


@given(st.lists(st.text(alphabet="我爱北京上海，。ab", max_size=300), min_size=1, max_size=6),
       st.sampled_from([3, 8, 64]))
@settings(max_examples=150, deadline=None)
def test_repetition_table_in_slices_equals_one_sort(texts, size):
    """Partitions and slices (the long-text path) give exactly the values of one sort over all n-grams."""
    points = [_points(t) for t in texts]
    whole = repetition_table(points)
    with mock.patch.object(quality, "_SLICE", size):
        sliced = repetition_table(points)
    assert all(np.array_equal(whole[k], sliced[k]) for k in whole)


@given(st.lists(st.integers(0, 40), max_size=300))
@settings(max_examples=100, deadline=None)
def test_repetition_tables_unique_is_numpys(values):
    keys = np.array(values, dtype=np.uint64)
    expected = np.unique(keys, return_inverse=True, return_counts=True)
    assert all(np.array_equal(a, b) for a, b in zip(quality._unique(keys), expected, strict=True))


def test_filter_quality_on_a_long_record_holds_a_few_bytes_per_character():
    doc = Document("big", LONG)
    whole = Quality().process(Document("big", LONG)).signals
    with mock.patch.object(quality, "_SLICE", 1 << 12):
        peak = _peak(Quality().process, doc)
    assert doc.signals == whole
    # the one-sort table held ~160 bytes a character (a 5M-character record: 800 MB); sliced, ~20
    assert peak < 40 * len(LONG), peak / len(LONG)


@given(st.text(alphabet="我爱北京上海，。ab", min_size=5, max_size=400), st.sampled_from([1, 7, 50]))
@settings(max_examples=100, deadline=None)
def test_shingle_signature_in_slices_equals_the_signature_of_all_shingles(text, size):
    units = codes(text)
    whole = minhash.signature(shingle_hashes(units, 5), 64, 3)
    with mock.patch.object(minhash, "_SLICE", size):
        sliced = minhash.shingle_signature(units, 5, 64, 3)
    assert (whole is None and sliced is None) or bool((whole == sliced).all())


def test_dedup_near_observes_a_long_record_in_a_few_bytes_per_character():
    from taosha.dedup.near import Near

    step = Near()
    step.setup()
    with mock.patch.object(minhash, "_SLICE", 1 << 12):
        peak = _peak(step.observe, Document("big", LONG), step.new_state())
    # the normalised text it keeps (2 bytes a character) and its making; hashing every shingle at once added
    # ~26 bytes a character (a 5M-character record: 130 MB)
    assert peak < 12 * len(LONG), peak / len(LONG)


def test_frequent_lines_hashes_a_long_line_without_copying_it():
    line = "经济发展" * 250_000  # one line of a million characters
    doc = Document("big", line + "\n短行")
    peak = _peak(frequent._line_hashes, doc, 6)
    # the lines split apart (a copy of the text, 2 bytes a character here); the line then copied with its site
    # and encoded held 5 bytes a character more
    assert peak < 4 * len(line), peak / len(line)
    assert list(frequent._line_hashes(doc, 6)) == [xxhash.xxh3_64_intdigest(("\x00" + line).encode())]


def test_a_long_text_is_laid_out_without_batch_wide_index_arrays():
    # the batch-wide layout (index arrays of 8 bytes per character, three of them) is for many short texts; a
    # long one is copied in one slice: the layout costs about its own array (a 5 MB record took 120 MB more)
    points = _points("经济发展与社会进步，人民生活水平不断提高。" * 20_000)
    peak = _peak(quality._Grams, points, np.array([len(points)], dtype=np.int64), 8)
    assert peak < 2 * points.nbytes


@given(st.lists(st.text(alphabet="我爱北京上海，。ab", max_size=300), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_both_layouts_of_a_batch_are_the_same(texts):
    arrays = [_points(t) for t in texts]
    joined, lengths = np.concatenate(arrays), np.array([len(a) for a in arrays], dtype=np.int64)
    with mock.patch.object(quality, "_LAYOUT_BY_TEXT", 0):
        by_text = quality._Grams(joined, lengths, 8).base.copy()
    with mock.patch.object(quality, "_LAYOUT_BY_TEXT", 10**12):
        batched = quality._Grams(joined, lengths, 8).base
    assert np.array_equal(by_text, batched)
