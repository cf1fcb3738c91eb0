"""Paragraph-level duplicates across the corpus (the CCNet idea), memory-bounded.

A paragraph (a line) that already appeared in an earlier document is removed as an edit; the document is
dropped when too little of it remains. Paragraphs are compared on their normalised text (whitespace,
width and script folded as for near duplicates, punctuation removed, digits made 0), and only paragraphs
of at least `min_chars` normalised characters take part, so headings such as `一、总体要求` survive.

Pass 1 writes, per unit, the sorted 64-bit hashes of each document's distinct paragraphs. Between the
passes the hash space is cut into ranges; each range is a task (on the workers) that gathers that range
from every unit by binary search, and keeps the hashes seen in two or more documents with the first
document that has them. Only those hashes reach pass 2, where a lookup decides. Peak memory is one hash
range of the corpus (1/`partitions` of its paragraphs) plus the duplicated paragraphs' table.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from taosha.dedup.cluster import distinct
from taosha.dedup.shingle import fold_table
from taosha.dedup.spill import Handle, merge_handles, save_fields, unit_prefix
from taosha.document import Document, doc_key
from taosha.errors import ConfigError
from taosha.step import CorpusStep, Step, register


@lru_cache(maxsize=1)
def _paragraph_table() -> np.ndarray:
    """The near-duplicate folding, plus: punctuation and symbols dropped, digits as 0. Kept in the table cache
    (`taosha.cache`) as `fold_table` is: building it (a category lookup per code point) took 0.02-0.03 s of CPU
    in every process that set the step up; mapped, a millisecond."""
    from taosha.cache import cached_table, package_version, source_key

    # what fold_table's key follows, and this module (its Unicode data: Python's version, in every key)
    key = source_key("taosha.dedup.shingle", "taosha.dedup.paragraphs",
                     extra=f"opencc {package_version('opencc')}|{np.__version__}")
    return cached_table("paragraph-fold", key, _build_paragraph_table)


def _build_paragraph_table() -> np.ndarray:
    table = fold_table().copy()
    for c in range(65536):
        if 0xD800 <= c < 0xE000 or table[c] == 0:
            continue
        cat = unicodedata.category(chr(int(table[c])))
        if cat[0] in "PS":
            table[c] = 0
        elif cat == "Nd":
            table[c] = ord("0")
    return table


def paragraph_key(line: str, min_chars: int) -> int | None:
    """64-bit hash of a paragraph's normalised text, or None when it is too short to take part.

    >>> paragraph_key("經濟發展,2020年。", 5) == paragraph_key("  经济发展，2021年！", 5)
    True
    """
    units = np.frombuffer(line.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    folded = _paragraph_table()[units]
    folded = folded[folded != 0]
    if len(folded) < min_chars:
        return None
    return xxhash.xxh3_64_intdigest(folded.tobytes())


def paragraph_keys(texts: list[str], min_chars: int) -> list[list[int | None]]:
    """`paragraph_key` of every line of each text, for a batch at once: the texts are encoded and folded in one
    numpy pass (a few numpy calls a line were most of the step's time on short documents), each line hashed from
    its slice of the folded units.

    >>> paragraph_keys(["经济发展\\n很好", ""], 2) == [[paragraph_key("经济发展", 2), paragraph_key("很好", 2)], [None]]
    True
    """
    units = np.frombuffer("\n".join(texts).encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    breaks = units == 10
    line_of = np.cumsum(breaks, dtype=np.int32)  # the line (over the batch) of each unit; a break ends its line
    folded = _paragraph_table()[units]
    keep = folded != 0  # the line break folds to 0: never kept
    counts = np.bincount(line_of[keep], minlength=int(breaks.sum()) + 1)
    ends = np.cumsum(counts) * 2  # byte offsets in the kept units
    buf = memoryview(folded[keep].tobytes())
    digest = xxhash.xxh3_64_intdigest
    keys = [digest(buf[end - 2 * n : end]) if n >= min_chars else None
            for n, end in zip(counts.tolist(), ends.tolist(), strict=True)]
    out, at = [], 0
    for text in texts:
        lines = text.count("\n") + 1
        out.append(keys[at : at + lines])
        at += lines
    return out


class _UnitState:
    def __init__(self) -> None:
        self.keys: list[int] = []  # document keys, in input order
        self.hashes: list[int] = []
        self.docs: list[int] = []  # position of the document in this unit, per hash


@register("dedup.paragraphs")
@dataclass(frozen=True)
class Paragraphs(CorpusStep):
    """Remove paragraphs that already appeared in an earlier document; drop documents left too small.

    `min_chars`: paragraphs shorter than this (normalised) are never compared. A document is dropped
    (`duplicate_paragraphs`) when less than `min_keep_share` of its characters, or fewer than
    `min_keep_chars`, remain. `partitions`: hash ranges between the passes (memory per task ∝ 1/partitions).

    >>> import tempfile, pathlib
    >>> step = Paragraphs(min_chars=4, min_keep_chars=0)
    >>> texts = ["共同富裕是社会主义的本质要求。\\n第一篇的独有内容在这里。",
    ...          "另一篇的开头写在这里。\\n共同富裕是社会主义的本质要求！"]
    >>> docs = [Document(str(k), t, source={"path": "a", "offset": k}) for k, t in enumerate(texts)]
    >>> state = step.new_state()
    >>> for d in docs:
    ...     state = step.observe(d, state)
    >>> handles = step.finish_unit(state, pathlib.Path(tempfile.mkdtemp()), 0)
    >>> state = step.gather(handles, [step.run_task(t) for t in step.tasks(handles)])
    >>> [d.text for d in map(step.prepare(state).process, docs)]
    ['共同富裕是社会主义的本质要求。\\n第一篇的独有内容在这里。', '另一篇的开头写在这里。']
    """

    min_chars: int = 20
    min_keep_share: float = 0.2
    min_keep_chars: int = 50
    partitions: int = 16

    def __post_init__(self) -> None:
        if self.partitions < 1 or self.min_chars < 1:
            raise ConfigError("dedup.paragraphs: partitions and min_chars must be positive")
        if not 0.0 <= self.min_keep_share <= 1.0:
            raise ConfigError(f"dedup.paragraphs: min_keep_share must be in [0, 1], not {self.min_keep_share}")

    def setup(self) -> None:
        _paragraph_table()

    def new_state(self) -> Any:
        return _UnitState()

    def observe(self, doc: Document, state: Any) -> Any:
        return self.observe_batch([doc], state)

    def observe_batch(self, docs: list[Document], state: Any) -> Any:
        for doc, keys in zip(docs, paragraph_keys([d.text for d in docs], self.min_chars), strict=True):
            pos = len(state.keys)
            state.keys.append(doc_key(doc))
            seen = set()
            for h in keys:
                if h is not None and h not in seen:
                    seen.add(h)
                    state.hashes.append(h)
                    state.docs.append(pos)
        return state

    def finish_unit(self, state: Any, workdir: Path, shard: int) -> Any:
        prefix = unit_prefix(workdir, shard)
        hashes = np.array(state.hashes, dtype=np.uint64)
        order = np.argsort(hashes, kind="stable")  # stable: within a hash, documents stay in input order
        save_fields(prefix, {"hashes": hashes[order], "docs": np.array(state.docs, dtype=np.int64)[order],
                             "keys": np.array(state.keys, dtype=np.uint64)})
        return [Handle(shard, str(prefix), len(state.keys))]

    def merge(self, a: Any, b: Any) -> Any:
        return merge_handles(a, b)

    def tasks(self, state: Any) -> list[Any]:
        if not isinstance(state, list) or not state:  # one round: hash ranges of the units' lists
            return []
        edges = [(p << 64) // self.partitions for p in range(self.partitions + 1)]
        return [RangeTask(state, edges[p], edges[p + 1]) for p in range(self.partitions)]

    def gather(self, state: Any, results: list[Any]) -> Any:
        hashes = [h for h, _ in results]
        firsts = [f for _, f in results]
        return {
            "hashes": np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64),
            "first": np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.uint64),
        }

    def prepare(self, state: Any) -> Step:
        if not isinstance(state, dict):
            state = self.gather([], [self.run_task(t) for t in self.tasks(state)])
        return _ParagraphsPrepared(self, state["hashes"], state["first"])


@dataclass(frozen=True)
class RangeTask:
    """The paragraph hashes in [lo, hi) of every unit: those in two or more documents, with the first document's
    key. Peak memory: this range of the corpus."""

    handles: list[Handle]
    lo: int
    hi: int

    def run(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi, handles = self.lo, self.hi, self.handles
        hashes, firsts, bases = [], [], [0]
        for _, prefix, n in handles:  # units in input order: global position = base + position
            # each mapping is copied out of and dropped before the next unit's: one file open at a time
            h = np.load(f"{prefix}.hashes.npy", mmap_mode="r")
            a = int(np.searchsorted(h, np.uint64(lo)))
            b = len(h) if hi >= 2**64 else int(np.searchsorted(h, np.uint64(hi)))
            hashes.append(np.array(h[a:b]))
            del h
            firsts.append(np.load(f"{prefix}.docs.npy", mmap_mode="r")[a:b] + bases[-1])
            bases.append(bases[-1] + n)
        h = np.concatenate(hashes)
        g = np.concatenate(firsts)
        if not len(h):
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64)
        order = np.lexsort((g, h))
        h, g = h[order], g[order]
        start = np.concatenate(([True], h[1:] != h[:-1]))
        run = np.cumsum(start) - 1
        counts = np.bincount(run)
        shared = start & (counts[run] > 1)  # hashes are distinct per document: count = documents
        first = g[shared]
        unit = np.searchsorted(np.array(bases), first, side="right") - 1
        first_keys = np.zeros(len(first), dtype=np.uint64)
        for u in distinct(unit).tolist():  # the keys of the units that hold a first occurrence, one at a time
            at = unit == u
            first_keys[at] = np.load(f"{handles[u][1]}.keys.npy")[first[at] - bases[u]]
        return h[shared], first_keys


class _ParagraphsPrepared(Step):
    cheap = True

    name = "dedup.paragraphs"

    def __init__(self, spec: Paragraphs, hashes: np.ndarray, first: np.ndarray) -> None:
        self.spec, self.hashes, self.first = spec, hashes, first
        self.report = {"shared_paragraphs": len(hashes)}

    def process(self, doc: Document) -> Document:
        return self.process_batch([doc])[0]  # type: ignore[return-value]

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        if not len(self.hashes):
            return list(docs)
        per_doc = paragraph_keys([d.text for d in docs], self.spec.min_chars)
        flat = np.array([h for keys in per_doc for h in keys if h is not None], dtype=np.uint64)
        # one lookup for the batch: the shared paragraphs' first documents, 0 where a paragraph is not shared
        where = np.minimum(np.searchsorted(self.hashes, flat), len(self.hashes) - 1)
        shared = self.hashes[where] == flat
        first = np.where(shared, self.first[where], 0).tolist()
        shared_l = shared.tolist()
        out: list[Document | list[Document]] = []
        at = 0
        for doc, keys in zip(docs, per_doc, strict=True):
            removed: dict[int, str] = {}
            me = None
            for k, h in enumerate(keys):
                if h is None:
                    continue
                if shared_l[at]:
                    me = doc_key(doc) if me is None else me
                    if first[at] != me:
                        removed[k] = "duplicate_paragraph"
                at += 1
            out.append(self._remove(doc, removed) if removed else doc)
        return out

    def _remove(self, doc: Document, removed: dict[int, str]) -> Document:
        before = len(doc.text)
        doc.tag("duplicate_paragraphs", len(removed))
        doc.remove_lines(removed, self.name)
        left = len(doc.text.strip())
        if left < self.spec.min_keep_chars or left < self.spec.min_keep_share * before:
            return doc.drop(self.name, "duplicate_paragraphs",
                            f"{len(removed)} paragraphs seen in earlier documents; {left} of {before} characters left")
        return doc
