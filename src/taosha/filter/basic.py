"""Filters that need no model: empty documents, length."""

from __future__ import annotations

from dataclasses import dataclass

from taosha.document import Document
from taosha.step import Step, register


@register("filter.empty")
@dataclass(frozen=True)
class Empty(Step):
    """Drop documents that are empty or hold only whitespace.

    >>> from taosha.step import run_one
    >>> run_one(Empty(), "\\u3000\\n").dropped
    Drop(step='filter.empty', reason='empty', detail='')
    """

    cheap = True

    def process(self, doc: Document) -> Document:
        if not doc.text.strip():
            return doc.drop(self.name, "empty")
        return doc

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # `not text.strip()` is `not text or text.isspace()` (both by str's whitespace), which stops at the first
        # character that is not a space: no stripped copy, and no call per document kept
        name = self.name
        return [doc.drop(name, "empty") if not (t := doc.text) or t.isspace() else doc for doc in docs]


@register("filter.length")
@dataclass(frozen=True)
class Length(Step):
    """Drop documents shorter than `min_chars` or longer than `max_chars` (0: no upper bound).

    >>> from taosha.step import run_one
    >>> run_one(Length(min_chars=5), "太短了").dropped.reason
    'too_short'
    """

    cheap = True

    min_chars: int = 1
    max_chars: int = 0

    def process(self, doc: Document) -> Document:
        n = len(doc.text)
        doc.tag("chars", n)
        if n < self.min_chars:
            return doc.drop(self.name, "too_short", f"{n} < {self.min_chars} characters")
        if self.max_chars and n > self.max_chars:
            return doc.drop(self.name, "too_long", f"{n} > {self.max_chars} characters")
        return doc
