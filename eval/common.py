"""Shared helpers of the evaluations: where the shared corpora are, width folding, character error rate."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from taosha import Document, run_steps
from taosha.step import Step, build_step

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


def libreoffice_tw() -> list[str]:
    """The Taiwan pages of the LibreOffice help (genuine traditional text), markup stripped."""
    import html
    import tarfile

    tags = re.compile(r"<[^>]+>")
    pages = []
    with tarfile.open(SHARED / "extraction" / "libreoffice_help_zh_cn_tw_parallel_256.tar.xz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.isfile() and "/zh-TW/" in member.name and member.name.endswith(".html"):
                raw = tar.extractfile(member).read().decode("utf-8", "replace")  # type: ignore[union-attr]
                pages.append(html.unescape(tags.sub("", raw)))
    return pages


def big5_feeds() -> list[str]:
    """Taiwan blog and news feeds in Big5 (genuine traditional web text written by people), markup stripped."""
    import html
    import tarfile

    tags = re.compile(r"<[^>]+>")
    pages = []
    with tarfile.open(SHARED / "web_text" / "chardet_zh_feeds.tar.gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.isfile() and "/Big5/" in member.name:
                raw = tar.extractfile(member).read().decode("big5hkscs", "replace")  # type: ignore[union-attr]
                pages.append(html.unescape(tags.sub("", html.unescape(raw))))
    return pages


def require_shared() -> None:
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is absent: the evaluation needs ../shared/corpora")


def steps_for(*names: str) -> list[Step]:
    """Built and set-up steps, by registry name."""
    steps = [build_step(n, {}) for n in names]
    for s in steps:
        s.setup()
    return steps


def run(steps: list[Step], text: str) -> Document:
    """One text through the steps (none of them splits it)."""
    (out,) = run_steps(steps, Document("d", text))
    return out
