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

MODEL_FORMAT = 1  # bump when the arrays saved change for the same langid: older caches are ignored


@dataclass(frozen=True)
class Identifier:
    ptc: np.ndarray  # (features, languages) log P(feature | language)
    pc: np.ndarray  # (languages,) log P(language)
    classes: tuple[str, ...]
    nextmove: array  # the byte automaton: state * 256 + byte -> state
    outputs: dict[int, tuple[int, ...]]  # state -> the features it completes

    def classify(self, text: str) -> tuple[str, float]:
        """(language, normalised probability), as langid's `LanguageIdentifier.classify` with norm_probs."""
        nextmove = self.nextmove
        state = 0
        counts: dict[int, int] = {}
        get = counts.get
        for byte in text.encode("utf-8"):
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
            pd = fv @ self.ptc[idx[order]] + self.pc
        else:
            pd = np.zeros(len(self.pc)) + self.pc
        with np.errstate(over="ignore"):  # langid's normalisation (log-sum-exp without underflow)
            probs = 1 / np.exp(pd[None, :] - pd[:, None]).sum(1)
        best = int(np.argmax(probs))
        return self.classes[best], float(probs[best])


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
    return Identifier(a["ptc"], np.asarray(a["pc"]), tuple(a["classes"].tolist()), move, outputs)
