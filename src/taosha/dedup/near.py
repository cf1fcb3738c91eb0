"""Near duplicates: MinHash LSH on character shingles, every candidate verified with exact Jaccard.

Pass 1 (per unit, in the workers): normalise the text (`shingle.codes`), hash its character n-grams,
sign it by one-permutation MinHash and cut the signature into band keys. Each unit writes a few numbers per
document, its band keys and the normalised texts (uint16, for verification) end to end into one file under
`OUT/_state/`, and its ids into another: nothing but a file name goes back to the driver.

Between the passes, rounds of tasks run on the workers and talk through files under `OUT/_state/`, never
through the driver: one task per band sorts that band's keys of all documents and links every member of a
bucket to the bucket's first document (`cluster.bucket_edges`), writing the candidate pairs by partition (a
shuffle by band, then by node); one task per partition verifies its candidates with the exact Jaccard
similarity of the two shingle sets; rounds of large-star / small-star (`cluster.star_step`) turn the verified
pairs into one star per connected component; and one task per partition splits the components rooted there
into clusters. The driver only sees counts, and at the end the clusters (documents in clusters only).
Inside a component the best document by `keep` is kept and every member whose own Jaccard with it
reaches the threshold joins its cluster; members that only reached it through a chain (A~B, B~C, A≁C)
form further clusters with the next best document. So every cluster keeps exactly one document and every
dropped document is within the threshold of the one kept for it.

Pass 2: a dropped document carries the cluster, the kept document's id and the similarity; a kept
document that has near duplicates carries its cluster and the cluster's size.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from taosha.dedup.cluster import bucket_edges, components, distinct, pack, star_step, unpack
from taosha.dedup.minhash import band_keys, optimal_bands, shingle_signature, shingle_signatures
from taosha.dedup.shingle import codes, codes_many, jaccard_sets, mix, shingle_set, shingle_sets
from taosha.dedup.spill import Handle, gathered, merge_handles, shuffle, unit_prefix, workdir_of
from taosha.document import Document, doc_key
from taosha.errors import ConfigError
from taosha.step import CorpusStep, Step, register

KEEP = ("first", "longest", "best_quality")
KEEP_ALIASES = {"best-quality": "best_quality"}  # the spelling before values were snake_case, still accepted
_GREEDY_LIMIT = 64  # comparisons per member before a large, loose component stops being split further
_EXAMPLE_LEVELS = (0.8, 0.85, 0.9, 0.95, 1.0)


def quality_score(doc: Document) -> float:
    """The `best_quality` ranking: Han share, less repetition and fewer template blanks (signals of
    `filter.quality` and `clean.placeholders`; absent signals count as 0, leaving length and order)."""
    s = doc.signals
    return float(s.get("han_share", 0.0)) - float(s.get("dup_ngram_5", 0.0)) - float(s.get("placeholder_density", 0.0))


class _UnitState:
    """What pass 1 gathers for one unit, until `finish_unit` writes it to disk."""

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.ids: list[str] = []
        self.lengths: list[int] = []
        self.scores: list[float] = []
        self.text_hashes: list[int] = []
        self.codes: list[np.ndarray] = []
        self.sigs: list[np.ndarray | None] = []


@register("dedup.near")
@dataclass(frozen=True)
class Near(CorpusStep):
    """Drop near duplicates (MinHash LSH on character n-grams, verified by exact Jaccard), keeping one per cluster.

    `threshold`: Jaccard similarity of the n-gram sets at or above which two documents are duplicates.
    `ngram`: characters per shingle. `num_perm`: MinHash values per document; `bands`/`rows` (0: derived
    from the threshold, see `minhash.optimal_bands`). `keep`: `first` (input order), `longest`, or
    `best_quality` (signals of earlier steps; then longest, then first; the old spelling `best-quality` is
    accepted). Documents shorter than `min_chars` normalised characters are not compared at all (`dedup.exact`,
    not in the default pipeline, catches their exact copies). Between the passes the work is cut into at most
    `partitions` (about one per 20,000 documents); with more than `local_components` verified pairs, connected
    components run as distributed large-star/small-star rounds, else in one task (the same components either
    way).

    >>> step = Near(threshold=0.5, ngram=3)
    >>> texts = ["我们要推动经济发展，实现乡村振兴的目标。", "我们要推动经济发展，实现乡村振兴的目标！",
    ...          "今天天气很好，我们去公园散步吧。"]
    >>> docs = [Document(str(k), t, source={"path": "a", "offset": k}) for k, t in enumerate(texts)]
    >>> import tempfile, pathlib; work = pathlib.Path(tempfile.mkdtemp())
    >>> state = step.new_state()
    >>> for d in docs:
    ...     state = step.observe(d, state)
    >>> handle = step.finish_unit(state, work, 0)
    >>> prepared = step.prepare(step.merge(step.new_state(), handle))
    >>> [(d.id, d.dropped and d.dropped.detail) for d in map(prepared.process, docs)]
    [('0', None), ('1', 'near duplicate of 0 (Jaccard 0.895, cluster 0)'), ('2', None)]
    """

    threshold: float = 0.8
    ngram: int = 5
    num_perm: int = 128
    bands: int = 0
    rows: int = 0
    keep: str = "first"
    min_chars: int = 20
    seed: int = 0
    partitions: int = 16
    local_components: int = 1_000_000

    def __post_init__(self) -> None:
        if self.keep in KEEP_ALIASES:
            object.__setattr__(self, "keep", KEEP_ALIASES[self.keep])
        if self.keep not in KEEP:
            raise ConfigError(f"dedup.near: keep must be one of {', '.join(KEEP)}, not {self.keep!r}")
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"dedup.near: threshold must be in (0, 1], not {self.threshold}")
        if self.ngram < 1 or self.num_perm < 1:
            raise ConfigError("dedup.near: ngram and num_perm must be positive")
        if (self.bands or self.rows) and self.bands * self.rows > self.num_perm:
            raise ConfigError(f"dedup.near: bands × rows = {self.bands * self.rows} exceeds num_perm {self.num_perm}")
        if self.partitions < 1:
            raise ConfigError("dedup.near: partitions must be positive")
        if bool(self.bands) != bool(self.rows):
            raise ConfigError("dedup.near: give both bands and rows, or neither (derived from the threshold)")

    def banding(self) -> tuple[int, int]:
        if self.bands:
            return self.bands, self.rows
        return optimal_bands(self.threshold, self.num_perm)

    def setup(self) -> None:
        codes("")  # builds the normalisation table once per worker

    # -- pass 1 -------------------------------------------------------------------------------------
    def new_state(self) -> Any:
        return _UnitState()

    def observe(self, doc: Document, state: Any) -> Any:
        units = codes(doc.text)
        state.keys.append(doc_key(doc))
        state.ids.append(doc.id)
        state.lengths.append(len(doc.text))
        state.scores.append(quality_score(doc) if self.keep == "best_quality" else 0.0)
        state.text_hashes.append(xxhash.xxh3_64_intdigest(units.tobytes()))
        state.codes.append(units)
        state.sigs.append(
            shingle_signature(units, self.ngram, self.num_perm, self.seed) if len(units) >= self.min_chars
            else None
        )
        return state

    def observe_batch(self, docs: list[Document], state: Any) -> Any:
        """`observe` for each document, the signatures of the batch computed together (`shingle_signatures`)."""
        units = codes_many([doc.text for doc in docs])
        signed = [i for i, u in enumerate(units) if len(u) >= self.min_chars]
        sigs: list[np.ndarray | None] = [None] * len(docs)
        for i, sig in zip(signed, shingle_signatures([units[i] for i in signed], self.ngram, self.num_perm,
                                                     self.seed), strict=True):
            sigs[i] = sig
        best = self.keep == "best_quality"
        for doc, u in zip(docs, units, strict=True):
            state.keys.append(doc_key(doc))
            state.ids.append(doc.id)
            state.lengths.append(len(doc.text))
            state.scores.append(quality_score(doc) if best else 0.0)
            state.text_hashes.append(xxhash.xxh3_64_intdigest(u.data))  # its bytes, without a copy
            state.codes.append(u)
        state.sigs.extend(sigs)
        return state

    def finish_unit(self, state: Any, workdir: Path, shard: int) -> Any:
        """Write the unit's band keys, numbers and normalised texts to `workdir`; return a small handle."""
        prefix = unit_prefix(workdir, shard)
        bands, rows = self.banding()
        n = len(state.keys)
        signed = np.array([s is not None for s in state.sigs], dtype=bool)
        keys = np.zeros((n, bands), dtype=np.uint64)
        if signed.any():
            keys[signed] = band_keys(np.stack([s for s in state.sigs if s is not None]), bands, rows, self.seed)
        lengths = np.array([len(c) for c in state.codes], dtype=np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        text = np.concatenate(state.codes) if n else np.zeros(0, dtype=np.uint16)
        columns = {"key": np.array(state.keys, dtype=np.uint64), "length": np.array(state.lengths, dtype=np.int64),
                   "score": np.array(state.scores, dtype=np.float64),
                   "text_hash": np.array(state.text_hashes, dtype=np.uint64), "offsets": offsets, "signed": signed,
                   "bands": np.ascontiguousarray(keys.T)}  # band-major: a band is one read
        # one file, one block after another (see _layout), the texts last: a task reads the blocks it needs with
        # pread. Nine files a unit (one .npy per field) made creating and opening files most of a small run.
        with open(f"{prefix}.near", "wb") as fh:
            for name, (_, dtype, _) in _layout(n, bands).items():
                block = columns[name] if name != "codes" else text
                assert block.dtype == dtype, name
                block.tofile(fh)
        Path(f"{prefix}.ids.json").write_text(json.dumps(state.ids, ensure_ascii=False), encoding="utf-8")
        return [Handle(shard, str(prefix), n)]

    def merge(self, a: Any, b: Any) -> Any:
        return merge_handles(a, b)

    # -- between the passes: rounds of tasks on the workers; they talk through files, never the driver --
    # state (handles) --BandTask: sort each band's buckets, write candidate pairs by partition--> "verify"
    # --VerifyTask: exact Jaccard per partition, verified pairs written to both nodes' partitions-->
    # "components" (one ComponentsTask: label propagation) or "cc" (rounds of StarTask, large-star /
    # small-star, until the edge set is a star forest) --> "clusters" (ClustersTask splits the components of
    # its roots) --> "done"
    def tasks(self, state: Any) -> list[Any]:
        if isinstance(state, _UnitState) or not state:
            return []
        handles = state if isinstance(state, list) else state["handles"]
        parts = self.effective_partitions(handles)
        if isinstance(state, list):
            bands = self.banding()[0]
            groups = min(bands, max(BAND_TASKS, -(-sum(h[2] for h in handles) * bands // BAND_TASK_ROWS)))
            return [BandTask(self, handles, parts, tuple(range(g, bands, groups))) for g in range(groups)]
        phase = state["phase"]
        if phase == "verify":
            return [VerifyTask(self, handles, parts, q) for q in range(parts)]
        if phase == "components":  # few verified pairs: one task finds the components, no shuffle rounds
            return [ComponentsTask(self, handles, parts)]
        if phase == "cc":
            return [StarTask(self, handles, parts, state["round"], p) for p in range(parts)]
        if phase == "clusters":  # about one task per 1,000 verified pairs (each loads a few corpus columns)
            groups = max(1, min(parts, state["verified_pairs"] // 1_000))
            return [ClustersTask(self, handles, parts, state["round"], tuple(range(g, parts, groups)))
                    for g in range(groups)]
        return []

    def effective_partitions(self, handles: list[Handle]) -> int:
        """The partitions the work between the passes is cut into: about one per PARTITION_DOCS documents, at
        most `partitions`, and 2 at least (two workers share the verification). Each partition costs a file per
        band task and per partition in every shuffle round: 16 of them for 5,000 documents made the run's
        fixed cost (files opened) larger than its work. The clusters do not depend on it."""
        docs = sum(h[2] for h in handles)
        return max(min(2, self.partitions), min(self.partitions, -(-docs // PARTITION_DOCS)))

    def gather(self, state: Any, results: list[Any]) -> Any:
        if isinstance(state, list):
            return {"handles": state, "phase": "verify", "band_pairs": int(sum(results))}
        phase = state["phase"]
        if phase == "verify":
            verified = sum(v for _, v in results)
            rounds = "cc" if verified > self.local_components else "components"
            return {**state, "phase": rounds, "round": 0, "sigs": [],
                    "candidate_pairs": sum(c for c, _ in results), "verified_pairs": verified}
        if phase == "components":
            return {**state, "phase": "clusters"}
        if phase == "cc":
            r, sigs = state["round"], [*state["sigs"], (sum(n for n, _ in results),
                                                        sum(h for _, h in results) & 0xFFFFFFFFFFFFFFFF)]
            if sigs[-1][0] == 0 or (r >= 2 and r % 2 == 0 and sigs[r] == sigs[r - 2]):
                return {**state, "phase": "clusters", "sigs": sigs}  # a star forest: round r's edges
            if r > _MAX_ROUNDS:
                raise RuntimeError(f"dedup.near: connected components did not converge in {r} rounds")
            return {**state, "round": r + 1, "sigs": sigs}
        clusters = sorted(c for part in results for c in part)
        return {**state, "phase": "done", "clusters": clusters}

    def prepare(self, state: Any) -> Step:
        while tasks := self.tasks(state):  # a direct call (the example above) runs the rounds here
            state = self.gather(state, [self.run_task(t) for t in tasks])
        if not isinstance(state, dict):
            state = {"handles": [], "clusters": []}
        return _NearPrepared(self, *_Clusterer(self, state["handles"]).decisions(state))


_MAX_ROUNDS = 200  # large-star/small-star converges in O(log n) rounds; this only guards against a bug
PARTITION_DOCS = 20_000  # documents per partition between the passes (see Near.effective_partitions)
# band tasks: at least BAND_TASKS (for the workers to share), each about BAND_TASK_ROWS band keys; a task reads
# one row of each unit's band file per band it holds, so grouping bands opens fewer files on a small corpus
BAND_TASKS, BAND_TASK_ROWS = 4, 1_000_000


@dataclass(frozen=True)
class _Task:
    """A task between the passes: the step's parameters and the pass-1 handles; `run()` where the runner puts
    it (a worker), its result to `Near.gather`."""

    spec: Near
    handles: list[Handle]
    parts: int  # partitions (Near.effective_partitions)

    @property
    def work(self) -> Path:
        return workdir_of(self.handles)


@dataclass(frozen=True)
class BandTask(_Task):
    """The buckets of some bands, one band at a time: sort its keys, link members to the bucket's first; the
    candidate pairs are written by partition. Returns how many (over the bands)."""

    bands: tuple[int, ...]

    def run(self) -> int:
        corpus, parts, work = _Corpus(self.handles, self.spec.banding()[0]), self.parts, self.work
        signed = np.flatnonzero(corpus.signed).astype(np.uint64)
        found = []
        for rows in corpus.bands(self.bands):
            found.append(bucket_edges(rows[corpus.signed], signed))
        edges = np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)
        u, _ = unpack(edges)
        for q in range(parts):
            np.save(work / f"cand-b{self.bands[0]:03d}-p{q:03d}.npy", edges[u % parts == q])
        return len(edges)


@dataclass(frozen=True)
class VerifyTask(_Task):
    """Exact Jaccard of one partition's candidate pairs; the verified ones go to both nodes' partitions.
    Returns (candidates, verified)."""

    partition: int

    def run(self) -> tuple[int, int]:
        edges = gathered(list(self.work.glob(f"cand-b*-p{self.partition:03d}.npy")))
        check = _Clusterer(self.spec, self.handles)
        u, v = unpack(edges)
        sims = check.similarities(u.tolist(), v.tolist())
        ok = sims >= self.spec.threshold
        shuffle(self.work, 0, self.partition, edges[ok], self.parts)
        # the verified pairs' similarities, which ClustersTask would otherwise compute again (see _known)
        np.save(self.work / f"sims-{self.partition:03d}.npy", np.stack([edges[ok], sims[ok].view(np.uint64)]))
        return len(edges), int(ok.sum())


@dataclass(frozen=True)
class StarTask(_Task):
    """One step of connected components (large-star in even rounds, small-star in odd ones) for the nodes of
    one partition. Returns (edges owned, their checksum): equal to two rounds before means converged."""

    round: int
    partition: int

    def run(self) -> tuple[int, int]:
        r, p, parts = self.round, self.partition, self.parts
        folder = self.work / f"cc-{r:03d}"
        edges = gathered(list(folder.glob(f"from-*-to-{p:03d}.npy")))
        a, _ = unpack(edges)
        owned = edges[a % parts == p]  # each edge counted by its smaller node's partition
        np.save(folder / f"owned-{p:03d}.npy", owned)
        shuffle(self.work, r + 1, p, star_step(edges, p, parts, large=r % 2 == 0), parts)
        return len(owned), int(mix(owned.copy()).sum(dtype=np.uint64))


@dataclass(frozen=True)
class ComponentsTask(_Task):
    """The stars that the rounds of StarTask give, found in one place (few verified pairs). Returns their
    number."""

    def run(self) -> int:
        folder, parts = self.work / "cc-000", self.parts
        u, v = unpack(gathered(list(folder.glob("from-*-to-*.npy"))))
        nodes = distinct(np.concatenate([u, v]))
        labels = nodes[components(len(nodes), np.searchsorted(nodes, u), np.searchsorted(nodes, v))]
        star = pack(labels, nodes)  # (root, member) for every member: a star per component
        roots, _ = unpack(star)
        for p in range(parts):
            np.save(folder / f"owned-{p:03d}.npy", star[roots % parts == p])
        return len(star)


@dataclass(frozen=True)
class ClustersTask(_Task):
    """The components rooted in some partitions, split greedily into clusters."""

    round: int
    partitions: tuple[int, ...]

    def run(self) -> list[tuple[int, list[tuple[int, float]]]]:
        folder = self.work / f"cc-{self.round:03d}"
        star = np.concatenate([np.load(folder / f"owned-{p:03d}.npy") for p in self.partitions])
        return _Clusterer(self.spec, self.handles, _known(self.work)).clusters(*unpack(star))


_KNOWN_BYTES = 64 << 20  # verified similarities a ClustersTask loads at most (16 bytes a pair)


def _known(work: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The similarities VerifyTask computed, by packed pair (sorted), or None when there are too many to hold in
    every task: in a component most members were verified against its first document, which is usually the one
    kept, so the greedy split mostly looks them up instead of hashing the two texts again. The values are the
    same (jaccard_sets is symmetric), so the clusters are too."""
    files = sorted(work.glob("sims-*.npy"))
    if not files or sum(f.stat().st_size for f in files) > _KNOWN_BYTES:
        return None
    pairs = np.concatenate([np.load(f) for f in files], axis=1)
    order = np.argsort(pairs[0], kind="stable")
    return pairs[0][order], pairs[1][order].view(np.float64)


_OPEN_FILES = 64  # unit files kept open at once during verification
_SETS_AT_ONCE, _SET_CHARS = 1024, 1 << 22  # shingle sets built together in verification: documents, characters


@lru_cache(maxsize=1024)  # asked for on every read of a block
def _layout(n: int, bands: int) -> dict[str, tuple[int, np.dtype[Any], int]]:
    """Where each block of a unit's `.near` file starts (bytes), its type and length, for `n` documents: the
    columns, then the band keys (band-major), then the normalised texts (their length is the file's rest)."""
    blocks = [("key", np.uint64, n), ("length", np.int64, n), ("score", np.float64, n), ("text_hash", np.uint64, n),
              ("offsets", np.int64, n + 1), ("signed", np.bool_, n), ("bands", np.uint64, bands * n),
              ("codes", np.uint16, -1)]
    out, at = {}, 0
    for name, dtype, count in blocks:
        out[name] = (at, np.dtype(dtype), count)
        at += np.dtype(dtype).itemsize * max(0, count)
    return out


class _Corpus:
    """The pass-1 files of every unit, addressed by global document number (input order)."""

    def __init__(self, handles: list[Handle], bands: int) -> None:
        self.handles = handles
        self.nbands = bands
        self.prefixes = [p for _, p, _ in handles]
        counts = [n for _, _, n in handles]
        self.base = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.base[1:])
        self.n = int(self.base[-1])
        self._fields: dict[str, Any] = {}
        # read with pread, not mapped: pages of a mapping stay resident (and counted) while it is open, and
        # verification touches documents all over the corpus
        self._fds: list[int | None] = [None] * len(self.prefixes)
        self._open: list[int] = []  # units whose codes file is open, oldest first
        self._ids: dict[int, list[str]] = {}

    def _block(self, u: int, name: str, start: int = 0, count: int = -1) -> np.ndarray:
        """Block `name` of unit `u` (from its element `start`, `count` of them: all by default)."""
        n = int(self.base[u + 1] - self.base[u])
        at, dtype, size = _layout(n, self.nbands)[name]
        count = size - start if count < 0 else count
        data = os.pread(self._fd(u), count * dtype.itemsize, at + start * dtype.itemsize)
        return np.frombuffer(data, dtype=dtype)

    def _field(self, name: str, dtype: Any) -> np.ndarray:
        """A column of every unit, end to end (input order)."""
        if name not in self._fields:
            parts = [self._block(u, name) for u in range(len(self.prefixes))]
            self._fields[name] = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
        return self._fields[name]

    key = property(lambda self: self._field("key", np.uint64))
    length = property(lambda self: self._field("length", np.int64))
    score = property(lambda self: self._field("score", np.float64))
    text_hash = property(lambda self: self._field("text_hash", np.uint64))
    signed = property(lambda self: self._field("signed", bool))

    @property
    def offsets(self) -> list[np.ndarray]:
        if "offsets" not in self._fields:
            self._fields["offsets"] = [self._block(u, "offsets") for u in range(len(self.prefixes))]
        return self._fields["offsets"]

    def bands(self, bands: tuple[int, ...]) -> list[np.ndarray]:
        """Those bands of every document: their rows read from each unit's file, one file open at a time (the
        number of units is bounded by disk, not by file descriptors)."""
        out = [np.zeros(self.n, dtype=np.uint64) for _ in bands]
        for u in range(len(self.prefixes)):
            lo, hi = int(self.base[u]), int(self.base[u + 1])
            for b, band in zip(bands, out, strict=True):
                if hi > lo:
                    band[lo:hi] = self._block(u, "bands", b * (hi - lo), hi - lo)
        return out

    def locate(self, g: int) -> tuple[int, int]:
        u = int(np.searchsorted(self.base, g, side="right")) - 1
        return u, g - int(self.base[u])

    def _fd(self, u: int) -> int:
        fd = self._fds[u]
        if fd is None:
            if len(self._open) >= _OPEN_FILES:  # a bounded set of open files, the oldest closed first
                old = self._open.pop(0)
                os.close(self._fds[old])  # type: ignore[arg-type]
                self._fds[old] = None
            fd = self._fds[u] = os.open(f"{self.prefixes[u]}.near", os.O_RDONLY)
            self._open.append(u)
        return fd

    def codes(self, g: int) -> np.ndarray:
        u, i = self.locate(g)
        off = self.offsets[u]
        start, end = int(off[i]), int(off[i + 1])
        return self._block(u, "codes", start, end - start)

    def close(self) -> None:
        for fd in self._fds:
            if fd is not None:
                os.close(fd)
        self._fds = [None] * len(self._fds)
        self._open = []

    def __del__(self) -> None:
        self.close()

    def doc_id(self, g: int) -> str:
        u, i = self.locate(g)
        if u not in self._ids:
            self._ids[u] = json.loads(Path(f"{self.prefixes[u]}.ids.json").read_text(encoding="utf-8"))
        return self._ids[u][i]


class _Clusterer:
    def __init__(self, spec: Near, handles: list[Handle], known: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> None:
        self.spec = spec
        self.corpus = _Corpus(handles, spec.banding()[0])
        self._sets: dict[int, np.ndarray] = {}
        self._known = known  # (packed pairs, sorted; their similarities): see _known

    def shingles(self, g: int) -> np.ndarray:
        s = self._sets.get(g)
        if s is None:
            if len(self._sets) > 4096:
                self._sets.clear()
            s = self._sets[g] = shingle_set(self.corpus.codes(g), self.spec.ngram)
        return s

    def similarity(self, a: int, b: int) -> float:
        if self._known is not None and len(self._known[0]):
            pairs, sims = self._known
            pair = (min(a, b) << 32) | max(a, b)
            at = min(int(np.searchsorted(pairs, pair)), len(pairs) - 1)
            if int(pairs[at]) == pair:
                return float(sims[at])
        if self.corpus.text_hash[a] == self.corpus.text_hash[b]:
            return 1.0  # identical normalised texts (a 64-bit hash collision is not a concern here)
        return jaccard_sets(self.shingles(a), self.shingles(b))

    def similarities(self, u: list[int], v: list[int]) -> np.ndarray:
        """`similarity` of each pair (u[i], v[i]) (without known similarities: VerifyTask's), the shingle sets
        that a run of pairs needs built together (`shingle_sets`): one at a time, numpy's per-call cost was
        most of verifying a pair of news-sized documents."""
        assert self._known is None
        out = np.ones(len(u), dtype=np.float64)  # identical normalised texts: 1.0, as `similarity`
        th = self.corpus.text_hash
        differ = np.flatnonzero(th[np.asarray(u, dtype=np.int64)] != th[np.asarray(v, dtype=np.int64)]).tolist()
        run: list[int] = []
        new: dict[int, np.ndarray] = {}  # codes of the documents the run needs whose sets are not built yet
        chars = 0
        for at, i in enumerate(differ):
            run.append(i)
            for g in (u[i], v[i]):
                if g not in self._sets and g not in new:
                    new[g] = self.corpus.codes(g)
                    chars += len(new[g])
            if len(new) >= _SETS_AT_ONCE or chars >= _SET_CHARS or at == len(differ) - 1:
                if len(self._sets) + len(new) > 4096:  # as `shingles`: a bounded cache
                    self._sets.clear()
                self._sets.update(zip(new, shingle_sets(list(new.values()), self.spec.ngram), strict=True))
                for j in run:  # `shingles`: a set the clearing above took is built again
                    out[j] = jaccard_sets(self.shingles(u[j]), self.shingles(v[j]))
                run, new, chars = [], {}, 0
        return out

    def rank(self) -> np.ndarray:
        """Position of each document in keep order (0 = kept first)."""
        c = self.corpus
        g = np.arange(c.n)
        if self.spec.keep == "first":
            order = g
        elif self.spec.keep == "longest":
            order = np.lexsort((g, -c.length))
        else:
            order = np.lexsort((g, -c.length, -c.score))
        rank = np.empty(c.n, dtype=np.int64)
        rank[order] = g
        return rank

    def clusters(self, roots: np.ndarray, members: np.ndarray) -> list[tuple[int, list[tuple[int, float]]]]:
        """Clusters of the components given as star edges (root, member): greedy, in keep order."""
        if not len(roots):
            return []
        rank = self.rank()
        heads = distinct(roots)
        nodes, comp = np.concatenate([members, heads]), np.concatenate([roots, heads])
        order = np.lexsort((rank[nodes], comp))
        nodes, comp = nodes[order], comp[order]
        cuts = np.flatnonzero(np.diff(comp)) + 1
        out: list[tuple[int, list[tuple[int, float]]]] = []
        for group in np.split(nodes, cuts):
            out.extend(self._split(group.tolist()))
        return out

    def decisions(self, state: dict[str, Any]) -> tuple[dict[str, np.ndarray], list[str], dict[str, Any]]:
        """The pass-2 table (one row per document in a cluster), the kept ids and the report."""
        spec, c = self.spec, self.corpus
        bands, rows = spec.banding()
        clusters = state.get("clusters", [])
        rows_key: list[Any] = []
        rows_cluster: list[int] = []
        rows_kept: list[int] = []
        rows_sim: list[float] = []
        rows_size: list[int] = []
        columns: tuple[list[Any], ...] = (rows_key, rows_cluster, rows_kept, rows_sim, rows_size)
        kept_ids = []
        sizes = []
        examples: dict[float, dict[str, Any]] = {}
        for number, (kept, dups) in enumerate(clusters):
            kept_ids.append(c.doc_id(kept))
            size = len(dups) + 1
            sizes.append(size)
            for column, value in zip(columns, (c.key[kept], number, -1, 1.0, size), strict=True):
                column.append(value)
            for m, sim in dups:
                for column, value in zip(columns, (c.key[m], number, number, sim, size), strict=True):
                    column.append(value)
                level = max(x for x in _EXAMPLE_LEVELS if sim >= x - 1e-12) if sim >= _EXAMPLE_LEVELS[0] else None
                if level is not None and level not in examples:
                    examples[level] = self._example(kept, m, sim, number)
        table = {
            "key": np.array(rows_key, dtype=np.uint64),
            "cluster": np.array(rows_cluster, dtype=np.int64),
            "kept": np.array(rows_kept, dtype=np.int64),
            "similarity": np.array(rows_sim, dtype=np.float64),
            "size": np.array(rows_size, dtype=np.int64),
        }
        order = np.argsort(table["key"], kind="stable")
        table = {k: a[order] for k, a in table.items()}
        report = {
            "threshold": spec.threshold,
            "ngram": spec.ngram,
            "num_perm": spec.num_perm,
            "bands": bands,
            "rows": rows,
            "keep": spec.keep,
            "documents": c.n,
            "signed": int(c.signed.sum()),
            "candidate_pairs": state.get("candidate_pairs", 0),
            "verified_pairs": state.get("verified_pairs", 0),
            "component_rounds": len(state.get("sigs", [])),
            "clusters": len(clusters),
            "duplicates": int(sum(sizes) - len(sizes)),
            "cluster_sizes": _histogram(sizes),
            "examples": [examples[k] for k in sorted(examples)],
        }
        return table, kept_ids, report

    def _split(self, group: list[int]) -> list[tuple[int, list[tuple[int, float]]]]:
        """Greedy clusters inside one component, in keep order: best document, then all within threshold."""
        out = []
        remaining = group
        budget = _GREEDY_LIMIT * len(group)
        while len(remaining) > 1 and budget > 0:
            kept, rest = remaining[0], remaining[1:]
            dups: list[tuple[int, float]] = []
            left: list[tuple[int, float]] = []
            for m in rest:
                sim = self.similarity(kept, m)
                (dups if sim >= self.spec.threshold else left).append((m, sim))
            budget -= len(rest)
            if dups:
                out.append((kept, [(m, round(s, 4)) for m, s in dups]))
            remaining = [m for m, _ in left]
        return out  # members left when the budget runs out stay kept: never drop without a close match

    def _example(self, kept: int, dup: int, sim: float, cluster: int) -> dict[str, Any]:
        def head(g: int) -> str:
            return self.corpus.codes(g)[:60].tobytes().decode("utf-16-le", "replace")

        return {"similarity": round(sim, 4), "cluster": cluster, "kept": self.corpus.doc_id(kept),
                "duplicate": self.corpus.doc_id(dup), "kept_text": head(kept), "duplicate_text": head(dup)}


def _histogram(sizes: list[int]) -> dict[str, int]:
    """Cluster sizes in powers of two: {"2": …, "3-4": …, "5-8": …}."""
    out: dict[str, int] = {}
    for s in sorted(sizes):
        hi = 1 << max(1, math.ceil(math.log2(s)))
        lo = hi // 2 + 1
        label = str(hi) if lo == hi else f"{lo}-{hi}"
        out[label] = out.get(label, 0) + 1
    return out


class _NearPrepared(Step):
    """Pass 2 of dedup.near: the decisions, looked up by document key."""

    cheap = True

    name = "dedup.near"

    def __init__(self, spec: Near, table: dict[str, np.ndarray], kept_ids: list[str], report: dict[str, Any]) -> None:
        self.spec, self.table, self.kept_ids, self.report = spec, table, kept_ids, report

    def process(self, doc: Document) -> Document:
        return self._decide(doc, self._rows([doc])[0])

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # one lookup for the batch: a numpy call per document was most of this pass's cost
        return [self._decide(doc, i) for doc, i in zip(docs, self._rows(docs), strict=True)]

    def _rows(self, docs: list[Document]) -> list[int]:
        """Each document's row in the table, or -1."""
        keys = self.table["key"]
        if not len(keys):
            return [-1] * len(docs)
        mine = np.fromiter((doc_key(d) for d in docs), dtype=np.uint64, count=len(docs))
        at = np.minimum(np.searchsorted(keys, mine), len(keys) - 1)
        return np.where(keys[at] == mine, at, -1).tolist()

    def _decide(self, doc: Document, i: int) -> Document:
        if i < 0:
            return doc
        cluster = int(self.table["cluster"][i])
        doc.tag("near_cluster", cluster)
        doc.tag("near_cluster_size", int(self.table["size"][i]))
        kept = int(self.table["kept"][i])
        if kept < 0:
            return doc
        sim = float(self.table["similarity"][i])
        kept_id = self.kept_ids[kept]
        doc.tag("near_duplicate_of", kept_id)
        doc.tag("near_similarity", sim)
        detail = f"near duplicate of {kept_id} (Jaccard {sim:.3f}, cluster {cluster})"
        return doc.drop(self.name, "near_duplicate", detail)
