"""langid.py's language identifier, its model read from the table cache in milliseconds.

langid.py ships its model as a bz2-compressed, base64-encoded pickle inside its source file: unpacking it takes
over a second (several on a loaded machine) in every process that identifies a language. Here the model is
unpacked once, saved as numpy arrays (`taosha.cache`) and memory-mapped by later processes; classification is
langid's own (the byte automaton, naive Bayes, normalised probabilities), with the feature vector kept sparse:
a document holds a few hundred of the model's 7,480 features, so only those rows of the model are summed.
A test compares the result with langid's on real text.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from taosha.cache import cached_arrays

MODEL_FORMAT = 2  # bump when the arrays saved change for the same langid: older caches are ignored


@dataclass(frozen=True)
class Identifier:
    ptc: np.ndarray  # (features, languages) log P(feature | language)
    pc: np.ndarray  # (languages,) log P(language)
    classes: tuple[str, ...]
    nextmove: array  # the byte automaton: state * 256 + byte -> state
    outputs: dict[int, tuple[int, ...]]  # state -> the features it completes
    # the automaton as arrays, for a text of `_SCAN` bytes or more (None: the byte loop only): `sync` is the number of
    # bytes after which the state no longer depends on where it started (see `_sync`); the features of each state
    # are `out_features[out_ptr[s] : out_ptr[s + 1]]`
    moves: np.ndarray | None = None
    sync: int = 0
    out_ptr: np.ndarray | None = None
    out_features: np.ndarray | None = None

    def classify(self, text: str) -> tuple[str, float]:
        """(language, normalised probability), as langid's `LanguageIdentifier.classify` with norm_probs."""
        # a lone surrogate (a Document built in code; readers quarantine them) is read as its three bytes, not raised
        data = text.encode("utf-8", "surrogatepass")
        if self.moves is not None and len(data) >= _SCAN:
            return self._classify_scanned(data)
        nextmove = self.nextmove
        state = 0
        counts: dict[int, int] = {}
        get = counts.get
        for byte in data:
            state = nextmove[(state << 8) + byte]
            counts[state] = get(state, 0) + 1
        features: dict[int, int] = {}
        outputs = self.outputs
        for s, n in counts.items():
            for f in outputs.get(s, ()):
                features[f] = features.get(f, 0) + n
        if features:
            idx = np.fromiter(features, dtype=np.int64, count=len(features))
            order = np.argsort(idx)  # the rows in the model's order: langid sums them so
            fv = np.fromiter(features.values(), dtype=np.float64, count=len(features))[order]
            return self._decide(fv, idx[order])
        return self._decide(None, None)

    def _classify_scanned(self, data: bytes) -> tuple[str, float]:
        """`classify` with the automaton run over every byte at once: the state after byte i is the state reached
        from the start state by the `sync` bytes that end at i (fewer at the text's start), so `sync` array
        lookups give every state. The feature counts, in the model's order, are the byte loop's."""
        assert self.moves is not None and self.out_ptr is not None and self.out_features is not None
        moves, ptr = self.moves, self.out_ptr
        b = np.frombuffer(data, dtype=np.uint8).astype(np.int64)
        n = len(b)
        state = np.zeros(n, dtype=np.int64)
        for back in range(min(self.sync, n) - 1, -1, -1):  # byte i - back, oldest first
            state[back:] = moves[(state[back:] << 8) + b[: n - back]]
        counts = np.bincount(state, minlength=len(ptr) - 1)
        present = np.flatnonzero(counts[: len(ptr) - 1] * (ptr[1:] > ptr[:-1]))  # reached, and completing features
        sizes = ptr[present + 1] - ptr[present]
        if not len(present):
            return self._decide(None, None)
        ends = np.cumsum(sizes)
        at = np.repeat(ptr[present] - (ends - sizes), sizes) + np.arange(int(ends[-1]))
        weights = np.bincount(self.out_features[at], weights=np.repeat(counts[present], sizes).astype(np.float64))
        idx = np.flatnonzero(weights)  # ascending: the model's order
        return self._decide(weights[idx], idx)

    def _decide(self, fv: np.ndarray | None, idx: np.ndarray | None) -> tuple[str, float]:
        if fv is not None and idx is not None:
            pd = fv @ self.ptc[idx] + self.pc
        else:
            pd = np.zeros(len(self.pc)) + self.pc
        # langid's normalisation (log-sum-exp without underflow), for the rows that may hold the largest probability
        # only, not all 97 (a 97 x 97 exp: four fifths of a short text's time): a row's sum only grows as its score
        # falls (each term exp(pd[j] - pd[i]) does, rounded monotonically), and a row scoring `_NEAR` below the best
        # has a term e^_NEAR where the best's has 1, so its probability is smaller beyond any rounding. The rows
        # kept are computed as langid computes them, and the first largest is argmax's.
        near = np.flatnonzero(pd >= pd.max() - _NEAR)
        with np.errstate(over="ignore"):
            probs = 1 / np.exp(pd[None, :] - pd[near, None]).sum(1)
        best = int(np.argmax(probs))
        return self.classes[int(near[best])], float(probs[best])


_NEAR = 1.0  # log-probability below the best from which a language's normalised probability is surely smaller


_SCAN = 512  # bytes from which the automaton runs as arrays: below, its fixed numpy costs (~0.15 ms) exceed the loop


def _sync(nextmove: np.ndarray, most: int = 8) -> int:
    """The number of bytes after which the automaton's state is the same whatever state it started from (langid's
    automaton over n-grams of up to 4 bytes: 4), checked over every pair of states that the same bytes lead to; 0
    when more than `most` bytes would be needed (the byte loop then runs alone)."""
    moves = nextmove.astype(np.int64).reshape(-1, 256)
    n = len(moves)
    pairs = np.arange(n, dtype=np.int64) * n  # (any state, the start state) as a * n + b
    for depth in range(1, most + 1):
        a, b = moves[pairs // n].ravel(), moves[pairs % n].ravel()
        apart = a != b
        pairs = np.unique(a[apart] * n + b[apart])
        if not len(pairs):
            return depth
    return 0


def _key() -> str:
    """langid's source file (its model is inside) by size and time, and the format."""
    from importlib.util import find_spec

    # the package is found, not imported: its __init__ imports langid.langid, whose 2.5 MB model string is
    # unmarshalled (and the whole module run) on import; find_spec("langid.langid") would import the package
    spec = find_spec("langid")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("langid is required for language identification (pip install langid)")
    try:
        st = os.stat(os.path.join(next(iter(spec.submodule_search_locations)), "langid.py"))
    except OSError as e:  # a stray `langid/` folder on the path, not the package
        raise ModuleNotFoundError("langid is required for language identification (pip install langid)") from e
    return hashlib.sha256(f"{MODEL_FORMAT}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]


def _build() -> dict[str, np.ndarray]:
    import base64
    import bz2
    import pickle

    from langid.langid import model

    ptc, pc, classes, nextmove, output = pickle.loads(bz2.decompress(base64.b64decode(model)))
    states = sorted(output)
    return {
        "ptc": np.array(ptc, dtype=np.float64).reshape(-1, len(pc)),
        "pc": np.array(pc, dtype=np.float64),
        "classes": np.array(classes, dtype=np.str_),
        "nextmove": np.frombuffer(nextmove.tobytes(), dtype=np.dtype(f"u{nextmove.itemsize}")),
        "out_states": np.array(states, dtype=np.int64),
        "out_sizes": np.array([len(output[s]) for s in states], dtype=np.int64),
        "out_features": np.array([f for s in states for f in output[s]], dtype=np.int64),
        "sync": np.array([_sync(np.frombuffer(nextmove.tobytes(), dtype=np.dtype(f"u{nextmove.itemsize}")))]),
    }


@lru_cache(maxsize=1)
def identifier() -> Identifier:
    """The identifier, loaded on first use in each process (a Chinese corpus may never need it)."""
    a = cached_arrays("langid", _key(), _build)
    nextmove = a["nextmove"]
    move = array({1: "B", 2: "H", 4: "I", 8: "Q"}[nextmove.itemsize])
    move.frombytes(nextmove.tobytes())  # plain Python indexing in the byte loop: array's is the fast one
    features = a["out_features"].tolist()
    outputs: dict[int, tuple[int, ...]] = {}
    at = 0
    for s, n in zip(a["out_states"].tolist(), a["out_sizes"].tolist(), strict=True):
        outputs[s] = tuple(features[at : at + n])
        at += n
    sync = int(a["sync"][0])
    if not sync:
        return Identifier(a["ptc"], np.asarray(a["pc"]), tuple(a["classes"].tolist()), move, outputs)
    states = len(nextmove) // 256
    sizes = np.zeros(states, dtype=np.int64)
    sizes[np.asarray(a["out_states"])] = a["out_sizes"]
    ptr = np.zeros(states + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])  # out_features lie by state ascending (`_build`), so state s's start is ptr[s]
    return Identifier(a["ptc"], np.asarray(a["pc"]), tuple(a["classes"].tolist()), move, outputs,
                      np.asarray(nextmove), sync, ptr, np.asarray(a["out_features"]))
