"""Shared helpers of the evaluations: where the shared corpora are, width folding, character error rate."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Compare width-folded: NFKC (full-width punctuation to ASCII) and no whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def errors(hyp: str, ref: str) -> int:
    return Levenshtein.distance(fold(hyp), fold(ref))


def wiki(name: str) -> list[str]:
    path = SHARED / "wiki" / name
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def require_shared() -> None:
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is absent: the evaluation needs ../shared/corpora")
