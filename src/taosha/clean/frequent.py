"""Corpus-frequency boilerplate: lines that recur in many documents of one site (two passes).

Pass 1 counts, per site (the domain of `metadata.url`, else the whole corpus), in how many documents each
normalised line occurs, in a count-min sketch: fixed memory (`depth` x 2^`width_bits` counters) whatever the
corpus size, merged by addition across shards; counts can only be overestimated, and a line also needs
`min_share` of its site's documents. Pass 2 removes such lines as edits (reason `frequent_line`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import xxhash

from taosha.document import Document
from taosha.step import CorpusStep, Step, register

# a lone surrogate (a Document built in code; readers quarantine them) hashes as its three bytes, not raised
_UTF8 = ("utf-8", "surrogatepass")
_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)


def site(doc: Document) -> str:
    url = doc.metadata.get("url")
    if isinstance(url, str) and "//" in url:
        return urlsplit(url).netloc.lower()
    return ""


def _sites(docs: list[Document]) -> list[str]:
    """`site` of each document, without the call for one that has no `url` (most)."""
    return [site(d) if "url" in d.metadata else "" for d in docs]


def _batch_hashes(docs: list[Document], sites: list[str], min_chars: int) -> list[dict[int, int]]:
    """`_line_hashes` of each document; a one-line document's (most) without the call."""
    digest = xxhash.xxh3_64_intdigest
    out: list[dict[int, int]] = []
    for doc, where in zip(docs, sites, strict=True):
        text = doc.text
        if "\n" in text:
            out.append(_line_hashes(doc, min_chars, where))
            continue
        key = "".join(text.split())
        if len(key) < min_chars:
            out.append({})
        elif len(key) >= _LONG:
            out.append({_long_digest(where + "\x00", key): 0})
        else:
            out.append({digest((where + "\x00" + key).encode(*_UTF8)): 0})
    return out


def _line_hashes(doc: Document, min_chars: int, where: str | None = None) -> dict[int, int]:
    """Stable 64-bit hash of each distinct normalised line (site included: `where`, else the document's) -> its
    line index (first)."""
    group = (site(doc) if where is None else where) + "\x00"
    digest = xxhash.xxh3_64_intdigest
    text = doc.text
    # comprehensions, not a loop with a call per line: every document passes here twice (both passes)
    if "\n" not in text:  # one line: most short documents
        key = "".join(text.split())  # whitespace out (str.split's whitespace is re's \s)
        if len(key) < min_chars:
            return {}
        return {_long_digest(group, key) if len(key) >= _LONG else digest((group + key).encode(*_UTF8)): 0}
    keys = ["".join(line.split()) for line in text.split("\n")]
    at = [k for k, key in enumerate(keys) if len(key) >= min_chars]
    hashes = [digest((group + key).encode(*_UTF8)) if len(key) < _LONG else _long_digest(group, key)
              for key in (keys[k] for k in at)]
    out = dict(zip(hashes, at, strict=True))
    if len(out) < len(hashes):  # a line repeated: the first index of each, in the order they first stand
        out = {}
        for h, k in zip(hashes, at, strict=True):
            out.setdefault(h, k)
    return out


_LONG = 1 << 16  # a line this long is hashed a piece at a time, not copied whole and encoded (~5 bytes a char)


def _long_digest(group: str, key: str) -> int:
    """xxh3_64_intdigest((group + key).encode()), fed in pieces (the same hash: xxh3 streams)."""
    h = xxhash.xxh3_64(group.encode(*_UTF8))
    for at in range(0, len(key), _LONG):
        h.update(key[at : at + _LONG].encode(*_UTF8))
    return h.intdigest()


def _rows(hashes: np.ndarray, depth: int, bits: int) -> list[np.ndarray]:
    return [_row(hashes, i, bits) for i in range(depth)]


def _row(hashes: np.ndarray, i: int, bits: int) -> np.ndarray:
    """Each hash's counter in row `i` of a sketch of 2^`bits` counters a row."""
    return (hashes * np.uint64(_MULTIPLIERS[i])) >> np.uint64(64 - bits)


def _pack(sketch: np.ndarray) -> Any:
    """The sketch as it is pickled: where fewer than a quarter of its counters are set (a corpus's lines set a few
    percent of 4 x 2^20: 4% on bench_real's 66,000 documents), their positions and counts (1.3 MB, not 16 MiB
    through each worker's pipe and into the prepared step's state file), else the array itself."""
    flat = sketch.reshape(-1)
    at = np.flatnonzero(flat)
    if len(at) * 4 >= flat.size:
        return sketch
    return (sketch.shape, at.astype(np.uint32 if flat.size <= 1 << 32 else np.int64), flat[at])


def _unpack(packed: Any) -> np.ndarray:
    """`_pack`'s sketch, the same array."""
    if isinstance(packed, np.ndarray):
        return packed
    shape, at, counts = packed
    sketch = np.zeros(shape, dtype=counts.dtype)
    sketch.reshape(-1)[at] = counts
    return sketch


# line hashes a counting state holds before it counts them into its sketch: 2^20 (8 MiB of them, half the default
# sketch), and never more than a quarter of the sketch's counters (so a state is never much larger than its sketch). A
# unit's lines are far fewer than its sketch's counters (66,000 real documents make ~150,000 hashes against 4 x 2^20
# counters), so a state holds the hashes and the sketch is made once, where states meet: a fresh 16 MiB sketch per
# unit, zeroed and then added into the total, was most of the counting pass's own time (0.18 s for 21 units)
_WAITING = 1 << 20


class _State:
    """A counting state: the documents per site, and the lines' count-min sketch (`sketch`), whose hashes wait in
    `keys` until enough of them do or the sketch is read. Counting is addition, so the sketch is the same whichever
    states held which hashes and whenever they were counted."""

    __slots__ = ("_dense", "docs", "keys", "shape", "waiting")

    def __init__(self, shape: tuple[int, int], docs: Counter | None = None, dense: np.ndarray | None = None,
                 keys: list[np.ndarray] | None = None) -> None:
        self.shape = shape
        self.docs: Counter = Counter() if docs is None else docs
        self._dense = dense
        self.keys = [] if keys is None else keys
        self.waiting = sum(map(len, self.keys))

    @property
    def sketch(self) -> np.ndarray:
        """The sketch with every hash held so far counted in (made here when none was yet)."""
        self._count()
        assert self._dense is not None
        return self._dense

    def add(self, keys: np.ndarray) -> None:
        """Count line hashes (each line once a document)."""
        self.keys.append(keys)
        self.waiting += len(keys)
        if self.waiting >= self._most():
            self._count()

    def merge(self, other: _State) -> _State:
        """This state with `other`'s counts added. `other` is consumed: its sketch may become this one's."""
        if other._dense is not None:
            if self._dense is None:
                self._dense = other._dense
            else:
                self._dense += other._dense
        self.keys += other.keys
        self.waiting += other.waiting
        self.docs.update(other.docs)
        if self.waiting >= self._most():
            self._count()
        return self

    def _most(self) -> int:
        return min(_WAITING, max(1, self.shape[0] * self.shape[1] // 4))

    def _count(self) -> None:
        if self._dense is None:
            self._dense = np.zeros(self.shape, dtype=np.uint32)
        one = self._dense.dtype.type(1)  # np.add.at's fast path needs the array's own dtype: 25x a Python 1
        bits = self.shape[1].bit_length() - 1
        # an array of hashes and a row at a time: the temporaries of one row of one array (all the rows of all the
        # waiting hashes at once were ~110 MiB at the peak of a merge)
        for keys in self.keys:
            for i, row in enumerate(self._dense):
                np.add.at(row, _row(keys, i, bits).astype(np.intp), one)
        self.keys, self.waiting = [], 0

    def __reduce__(self) -> tuple[Any, ...]:
        # a worker's folded state through its pipe: the hashes it holds, and its sketch (if any) as `_pack` packs it
        keys = np.concatenate(self.keys) if self.keys else np.zeros(0, dtype=np.uint64)
        return _state, (self.shape, None if self._dense is None else _pack(self._dense), self.docs, keys)


def _state(shape: tuple[int, int], packed: Any, docs: Counter, keys: np.ndarray) -> _State:
    dense = None if packed is None else _unpack(packed)
    if dense is not None and not dense.flags.writeable:
        dense = dense.copy()  # (Ray hands arrays back read-only, on its shared store: this one is added into)
    return _State(shape, docs, dense, [keys] if len(keys) else [])


@register("clean.frequent_lines")
@dataclass(frozen=True)
class FrequentLines(CorpusStep):
    """Remove lines that recur in many documents of the same site (counted over the corpus first).

    `min_docs`: documents a line must occur in; `min_share`: and at least this share of its site's
    documents; `min_chars`: shorter lines are left alone. Memory: `depth` x 2^`width_bits` x 4 bytes,
    and up to half as much again for the line hashes a counting state holds before it counts them in.

    >>> step = FrequentLines(min_docs=2, min_share=0.5, width_bits=12)
    >>> docs = [Document(str(k), f"正文第{k}段，内容各不相同。\\n本站所有文章均来自网络") for k in range(3)]
    >>> state = step.new_state()
    >>> for d in docs:
    ...     state = step.observe(d, state)
    >>> step.prepare(state).process(docs[0]).text
    '正文第0段，内容各不相同。'
    """

    min_docs: int = 5
    min_share: float = 0.05
    min_chars: int = 6
    depth: int = 4
    width_bits: int = 20

    def new_state(self) -> _State:
        return _State((self.depth, 1 << self.width_bits))

    def observe(self, doc: Document, state: _State) -> _State:
        return self.observe_batch([doc], state)

    def observe_batch(self, docs: list[Document], state: _State) -> _State:
        sites = _sites(docs)
        state.docs.update(sites)  # counted in C
        # distinct within a document: documents are counted
        hashes = [h for per_doc in _batch_hashes(docs, sites, self.min_chars) for h in per_doc]
        if hashes:
            state.add(np.array(hashes, dtype=np.uint64))
        return state

    def merge(self, a: _State, b: _State) -> _State:
        return a.merge(b)

    def prepare(self, state: Any) -> Step:
        return _FrequentLinesPrepared(self, state.sketch, dict(state.docs))


class _FrequentLinesPrepared(Step):
    """Pass 2 of clean.frequent_lines: the settings and the counts of pass 1."""

    cheap = True

    name = "clean.frequent_lines"

    def __init__(self, spec: FrequentLines, sketch: np.ndarray, docs: dict[str, int]) -> None:
        self.spec, self.sketch, self.docs = spec, sketch, docs

    def __reduce__(self) -> tuple[Any, ...]:  # saved for a resume, sent to workers that are not forked
        return _prepared, (self.spec, _pack(self.sketch), self.docs)

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        sites = _sites(docs)
        lines = _batch_hashes(docs, sites, self.spec.min_chars)
        hashes = [h for per_doc in lines for h in per_doc]
        if not hashes:
            return list(docs)
        rows = _rows(np.array(hashes, dtype=np.uint64), self.spec.depth, self.spec.width_bits)
        counts = np.min([row[idx.astype(np.int64)] for row, idx in zip(self.sketch, rows, strict=True)], axis=0)
        if not (counts >= self.spec.min_docs).any():  # no line is frequent enough anywhere: the common batch
            return list(docs)
        every = counts.tolist()
        at, decided = 0, []
        for where, per_doc in zip(sites, lines, strict=True):
            mine = every[at : at + len(per_doc)]
            at += len(per_doc)
            need = max(self.spec.min_docs, self.spec.min_share * self.docs.get(where, 0))
            decided.append({k: "frequent_line" for k, c in zip(per_doc.values(), mine, strict=True) if c >= need})
        for doc, removed in zip(docs, decided, strict=True):  # all decided before any document changes
            if removed and len(removed) < doc.text.count("\n") + 1:  # never the whole document
                doc.tag("frequent_lines", len(removed))
                doc.remove_lines(removed, self.name)
        return list(docs)


def _prepared(spec: FrequentLines, packed: Any, docs: dict[str, int]) -> _FrequentLinesPrepared:
    return _FrequentLinesPrepared(spec, _unpack(packed), docs)
