"""Exact duplicates of whole documents, on normalised text (two passes).

Folding as for near duplicates (`shingle.codes`): no whitespace, NFKC width (，and , compare equal), and
traditional characters mapped to simplified (OpenCC t2s), so a spun copy and its source are one text. Pass 1
records, for each text hash, the document that comes first in the input (file order, then offset) — or the
longest, by `keep`; pass 2 drops the others with reason `exact_duplicate` and the kept document's id.
The winner depends only on the input, never on which worker saw what first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from taosha.dedup.shingle import codes
from taosha.document import Document
from taosha.errors import ConfigError
from taosha.step import CorpusStep, Step, register

KEEP = ("first", "longest")


def text_hash(text: str) -> bytes:
    """Hash of the folded text, the same folding as near duplicates use (`shingle.codes`).

    >>> text_hash("經濟 發展，很快（二）") == text_hash("经济发展,很快(二)")
    True
    """
    return hashlib.blake2b(codes(text).tobytes(), digest_size=12).digest()


def order_key(doc: Document) -> tuple[str, int, str]:
    """Input order: the file, then the byte offset (then the id, for split parts of one record)."""
    return (str(doc.source.get("path", "")), int(doc.source.get("offset", 0)), doc.id)


@register("dedup.exact")
@dataclass(frozen=True)
class Exact(CorpusStep):
    """Drop exact duplicates (after normalising width, whitespace and script), keeping one per group.

    `keep`: `first` (in input order, the default) or `longest` (original text length; ties: first).

    >>> step = Exact()
    >>> docs = [Document(str(k), t, source={"path": "a", "offset": k}) for k, t in
    ...         enumerate(["经济发展。", "其他内容。", "經濟 發展。"])]
    >>> state = step.new_state()
    >>> for d in docs:
    ...     state = step.observe(d, state)
    >>> [(d.id, d.dropped and d.dropped.detail) for d in map(step.prepare(state).process, docs)]
    [('0', None), ('1', None), ('2', 'duplicate of 0')]
    """

    keep: str = "first"

    def __post_init__(self) -> None:
        if self.keep not in KEEP:
            raise ConfigError(f"dedup.exact: keep must be one of {', '.join(KEEP)}, not {self.keep!r}")

    def setup(self) -> None:
        codes("")  # the folding table, once per worker

    def _rank(self, doc: Document) -> tuple[Any, ...]:
        if self.keep == "longest":
            return (-len(doc.text), *order_key(doc))
        return order_key(doc)

    def new_state(self) -> dict[bytes, tuple[tuple[Any, ...], str]]:
        return {}

    def observe(self, doc: Document, state: dict[bytes, tuple[tuple[Any, ...], str]]) -> Any:
        h = text_hash(doc.text)
        candidate = (self._rank(doc), doc.id)
        best = state.get(h)
        if best is None or candidate[0] < best[0]:
            state[h] = candidate
        return state

    def merge(self, a: dict, b: dict) -> dict:  # the minimum per hash: commutative, as the runner needs
        for h, candidate in b.items():
            best = a.get(h)
            if best is None or candidate[0] < best[0]:
                a[h] = candidate
        return a

    def prepare(self, state: Any) -> Step:
        return _ExactPrepared(self, {h: (rank, doc_id) for h, (rank, doc_id) in state.items()})


class _ExactPrepared(Step):
    """Pass 2 of dedup.exact: the winner of every text."""

    cheap = True

    name = "dedup.exact"

    def __init__(self, spec: Exact, winners: dict[bytes, tuple[tuple[Any, ...], str]]) -> None:
        self.spec, self.winners = spec, winners

    def process(self, doc: Document) -> Document:
        # ranks hold the input position, unique per record: a document wins only against itself
        rank, winner = self.winners.get(text_hash(doc.text), (self.spec._rank(doc), doc.id))
        if rank != self.spec._rank(doc):
            doc.tag("duplicate_of", winner)
            return doc.drop(self.name, "exact_duplicate", f"duplicate of {winner}")
        return doc
