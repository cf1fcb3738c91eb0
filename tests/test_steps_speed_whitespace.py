"""repair.whitespace finds the texts with a trailing space by substring searches of the batch, exactly the texts
its regex finds in each (issue #25)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.document import Document
from taosha.repair import unicode
from taosha.repair.unicode import _TRAILING_AT, Whitespace


@given(st.lists(st.text(alphabet="经a \t\u3000\u00a0\n\u2028x", max_size=8), max_size=8))
@settings(max_examples=400, deadline=None)
def test_trailing_spaces_found_as_the_regex_finds_them(texts):
    """Each text `process` is asked about is one with work to do, and every text with a trailing space is asked
    about (the other tests off: no blank-line runs, no stripping)."""
    asked: list[str] = []
    step = Whitespace(max_blank_lines=-1, strip_document=False)

    def process(doc: Document) -> Document:
        asked.append(doc.text)
        return doc

    step_process = unicode.Whitespace.process
    try:
        unicode.Whitespace.process = lambda self, doc: process(doc)  # type: ignore[method-assign]
        step.process_batch([Document(str(k), t) for k, t in enumerate(texts)])
    finally:
        unicode.Whitespace.process = step_process  # type: ignore[method-assign]
    assert asked == [t for t in texts if _TRAILING_AT.search(t)]
