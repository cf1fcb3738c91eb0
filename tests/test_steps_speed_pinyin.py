"""repair.pinyin's scan for annotations finds what the lookbehind pattern finds (issue #25)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.repair.pinyin import _WITH_PREVIOUS, _annotations

_PIECES = ["(", ")", "（", "）", "jīng", "ji", "a", "abcdefgh", "1", "5", "經", "\n", "x", "(jì)", "（lǐ）", "((ab)",
           "A", "ǜ", "\ud800", ""]


def _reference(text: str) -> list[tuple[int, int, str, str]]:
    return [(m.start(), m.end(), *m.groups()) for m in _WITH_PREVIOUS.finditer(text)]


@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
@settings(max_examples=500, deadline=None)
def test_annotations_are_the_lookbehind_patterns_matches(text):
    assert _annotations(text) == _reference(text)


def test_annotations_examples():
    for text in ("(ab)(cd)", "經(jīng)濟(jì)(jì)", "((ab)", "（lǐ）", "", "x(a1)", "\n(ab)"):
        assert _annotations(text) == _reference(text)
    assert _annotations("經(jīng)")[0] == (1, 7, "經", "jīng")
