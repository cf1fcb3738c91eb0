"""The edit log rebuilds the original text exactly, whatever the edits; tampering is detected."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document, restore_original, restore_parts
from taosha.errors import EditLogError

# CJK, full-width punctuation, emoji (with ZWJ sequences), combining marks, newlines, ASCII.
ALPHABET = st.sampled_from(
    [*"经济發展你好世界，。！（）()abc 123\n\t",
     "\u0301", "\u0308", "e\u0301", "👩\u200d💻", "😀", "\U00020000", "\ufeff", "\u3000", "\r\n"]
)
TEXT = st.lists(ALPHABET, max_size=40).map("".join)


@st.composite
def edit_ops(draw):
    return draw(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10**6), st.integers(0, 10**6), TEXT),
                         max_size=8))


def apply(doc: Document, ops) -> None:
    for kind, a, b, new in ops:
        n = len(doc.text)
        start, end = sorted((a % (n + 1), b % (n + 1)))
        if kind == 0:
            doc.replace(start, end, new, "test.replace", "r")
        elif kind == 1:
            mid = (start + end) // 2
            doc.replace_spans([(start, mid, new), (mid, end, new[::-1])], "test.spans", "r")
        elif kind == 2:
            doc.with_text(doc.text[:start] + new + doc.text[end:], "test.with_text", "r")
        elif kind == 3:
            doc.with_text(new + doc.text.replace("\n", "\n" + new[:1]), "test.with_text", "lines")
        else:
            doc.sub(re.compile(r"[，。]+|\s+"), new[:2], "test.sub", "r")


@settings(max_examples=400, deadline=None)
@given(TEXT, edit_ops())
def test_edit_log_rebuilds_original(text, ops):
    doc = Document("d", text)
    apply(doc, ops)
    assert restore_original(doc) == text
    rec = doc.to_record()
    assert restore_original(rec) == text
    assert restore_original(Document.from_record(rec)) == text


@settings(max_examples=200, deadline=None)
@given(TEXT, edit_ops(), st.lists(st.integers(0, 10**6), max_size=4), edit_ops())
def test_split_parts_rebuild_parent(text, before, cuts, after):
    doc = Document("p", text)
    apply(doc, before)
    parts = doc.split([c % (len(doc.text) + 1) for c in cuts], "test.split")
    assert "".join(p.text for p in parts) == doc.text
    for p in parts:
        apply(p, after)
    assert restore_parts(reversed([p.to_record() for p in parts])) == text


def test_unchanged_text_records_nothing():
    doc = Document("d", "不变")
    doc.with_text("不变", "s", "r").replace(0, 1, "不", "s", "r").sub(re.compile("x"), "y", "s", "r")
    assert doc.edits == []


def test_edits_are_compact_runs():
    doc = Document("d", "第一行内容很长\n第二行\n第三行内容也很长")
    doc.with_text("第一行内容很长\n第2行\n第三行内容也很长", "s", "r")
    assert [(e.start, e.end, e.before, e.after) for e in doc.edits] == [(9, 10, "二", "2")]


def test_tampered_record_is_detected():
    doc = Document("d", "經濟發展").replace(0, 2, "经济", "repair.script", "t2s")
    rec = doc.to_record()
    rec["text"] = "經济發展"
    with pytest.raises(EditLogError, match="altered"):
        restore_original(rec)


def test_overlapping_spans_are_refused():
    with pytest.raises(ValueError):
        Document("d", "abcdef").replace_spans([(0, 3, "x"), (2, 4, "y")], "s", "r")


def test_drop_and_tag_round_trip():
    doc = Document("d", "文本", metadata={"url": "u"}, source={"path": "p", "offset": 3})
    doc.tag("cjk_ratio", 1.0).drop("filter.x", "low_quality", "detail")
    back = Document.from_record(doc.to_record())
    assert back.dropped == doc.dropped
    assert back.signals == {"cjk_ratio": 1.0}
    assert back.metadata == {"url": "u"} and back.source == {"path": "p", "offset": 3}


@given(st.text(alphabet=" \t\u3000\u00a0\r\n\u200b甲a", max_size=40))
@settings(max_examples=300, deadline=None)
def test_whitespace_step_matches_its_rules_spelled_out(text):
    """repair.whitespace (which skips its regexes when substring tests say they cannot match) gives what the
    rules give applied one by one, and its edits restore the input."""
    from taosha.repair.unicode import Whitespace

    want = re.sub("[\u200b\u200c\u2060\ufeff]+", "", re.sub(r"\r\n?", "\n", text))
    want = re.sub("[ \t\u3000\u00a0]+(?=\n|$)", "", want)
    want = re.sub(r"\n{3,}", "\n\n", want).strip("\n").rstrip()
    doc = Whitespace().process(Document("d", text))
    assert doc.text == want
    assert restore_original(doc) == text


def test_replace_spans_takes_a_reason_per_span_and_records_right_to_left():
    doc = Document("d", "甲乙丙丁戊")
    doc.replace_spans([(0, 1, "", "first"), (2, 3, "C"), (4, 5, "", "last")], "t", "default")
    assert doc.text == "乙C丁"
    assert [(e.reason, e.start, e.before) for e in doc.edits] == [("last", 4, "戊"), ("default", 2, "丙"),
                                                                   ("first", 0, "甲")]
    assert restore_original(doc) == "甲乙丙丁戊"


def test_removing_many_lines_is_one_pass_with_one_edit_per_line():
    # each removed line was an edit that rebuilt the whole text: quadratic in the lines removed
    text = "\n".join(f"第{i}行" for i in range(2000))
    doc = Document("d", text)
    doc.remove_lines({k: "odd" for k in range(1, 2000, 2)} | {0: "first"}, "t")
    assert doc.text == "\n".join(f"第{i}行" for i in range(2, 2000, 2))
    assert len(doc.edits) == 1001 and doc.edits[-1].reason == "first" and restore_original(doc) == text


def test_documents_as_columns_come_back_equal_with_their_edits_as_edits():
    from taosha.document import Edit, from_columns, to_columns

    a = Document("a", "你好  ", {"m": 1}, {"path": "p"}, signals={"s": 0.5})
    a.replace(2, 4, "", "repair.whitespace", "trailing_space")
    b = Document("b", "", parent={"id": "x"}).drop("filter.empty", "empty")
    back = from_columns(to_columns([a, b]))
    fields = ("id", "text", "metadata", "source", "signals", "edits", "dropped", "parent")
    assert [[getattr(d, f) for f in fields] for d in back] == [[getattr(d, f) for f in fields] for d in (a, b)]
    assert type(back[0].edits[0]) is Edit and back[1].edits == [] and from_columns(to_columns([])) == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12), st.integers(0, 3), st.sampled_from([None, ("filter.quality", "too_short"),
                                                                  ("dedup.near", "near_duplicate")]))
def test_the_counts_of_an_output_document_as_a_dict_are_what_record_out_adds(text, edits, drop):
    # what a dropped document staged as its line adds to the main pass's counters (runners/core.py `Settled`)
    from taosha.report.stats import Counters

    doc = Document("d", text)
    for k in range(edits):
        doc.replace(0, 0, f"x{k}", "repair.whitespace" if k % 2 else "repair.nfc", "r")
    if drop is not None:
        doc.drop(*drop)
    counts = Counters()
    counts.record_out(doc)
    assert Counters.of_out(doc) == dict(counts)
