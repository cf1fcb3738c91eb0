"""Shared helpers of the evaluations: where the shared corpora are, width folding, character error rate."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Callable
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


def _archive_texts(archive: Path, wanted: Callable[[str], bool], codec: str) -> list[str]:
    """The texts of the archive's files that `wanted` names, decoded with `codec`, markup stripped."""
    import html
    import tarfile

    tags = re.compile(r"<[^>]+>")
    texts = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.isfile() and wanted(member.name):
                raw = tar.extractfile(member).read().decode(codec, "replace")  # type: ignore[union-attr]
                texts.append(html.unescape(tags.sub("", html.unescape(raw))))
    return texts


def libreoffice(lang: str = "zh-TW") -> list[str]:
    """The LibreOffice help pages in `lang` (zh-TW: genuine traditional text; zh-CN: simplified)."""
    return _archive_texts(SHARED / "extraction" / "libreoffice_help_zh_cn_tw_parallel_256.tar.xz",
                          lambda name: f"/{lang}/" in name and name.endswith(".html"), "utf-8")


def libreoffice_tw() -> list[str]:
    return libreoffice("zh-TW")


def web_feeds(charset: str = "Big5") -> list[str]:
    """Blog and news feeds in `charset` (Big5: Taiwan, genuine traditional; GB2312: mainland)."""
    codec = {"Big5": "big5hkscs", "GB2312": "gb18030"}[charset]
    return _archive_texts(SHARED / "web_text" / "chardet_zh_feeds.tar.gz", lambda name: f"/{charset}/" in name,
                          codec)


def big5_feeds() -> list[str]:
    return web_feeds("Big5")


def clean_corpus() -> list[tuple[str, list[str]]]:
    """Every clean Chinese text at hand, by source: the negatives for false alarms (about 8 MB)."""
    fortunes = gzip.open(SHARED / "web_text" / "fortunes_zh_chinese.txt.gz", "rt", encoding="utf-8").read()
    return [
        ("CMRC2018 Wikipedia (simplified)", wiki("cmrc2018_wiki_zh_hans.jsonl.gz")),
        ("DRCD Wikipedia (traditional)", wiki("drcd_wiki_zh_hant.jsonl.gz")),
        ("LibreOffice help zh-CN", libreoffice("zh-CN")),
        ("LibreOffice help zh-TW", libreoffice("zh-TW")),
        ("GB2312 blog and news feeds", web_feeds("GB2312")),
        ("Big5 blog and news feeds", web_feeds("Big5")),
        ("fortune cookies zh", [t for t in fortunes.split("\n%\n") if t.strip()]),
        ("seed-dev gold page", (SHARED / "seed-dev" / "gold_dev.txt").read_text(encoding="utf-8").split("\n\n")),
    ]


def require_shared() -> None:
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is absent: the evaluation needs ../shared/corpora")


def below_floors(floors: list[tuple[str, float, float]]) -> int:
    """The exit status of an evaluation: 1 when a figure is below its floor (each printed), else 0.

    A floor is a little under what is met today (or the issue's target where that is met), so that a regression
    fails `make eval`; a figure that should be small is given as its complement (1 - CER) or as 1.0/0.0.
    """
    failed = [(name, got, floor) for name, got, floor in floors if got < floor]
    for name, got, floor in failed:
        print(f"BELOW FLOOR: {name} {got:.4f} < {floor}")
    return 1 if failed else 0


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
