"""The demo corpus: the bundled clean documents, damaged by the simulator, in several input formats."""

from __future__ import annotations

import gzip
import random
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import zstandard

from taosha.synth import damage


def clean_documents() -> list[tuple[str, str]]:
    """(name, text) of the bundled clean documents, in name order."""
    root = resources.files("taosha") / "data" / "demo"
    docs = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".txt"):
            docs.append((entry.name[:-4], entry.read_text(encoding="utf-8").strip()))
    return docs


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def write_demo_corpus(root: Path, seed: int = 7) -> list[Path]:
    """Write the damaged demo corpus under `root` (replacing it) and return the files written."""
    rng = random.Random(seed)
    docs = clean_documents()
    by_name = dict(docs)
    if root.exists():
        shutil.rmtree(root)
    (root / "notices").mkdir(parents=True)
    files: list[Path] = []

    # 1. A news feed: clean articles, an exact and a near duplicate, an empty and a broken record.
    news = [n for n in by_name if "news" in n or "warning" in n]
    records: list[dict[str, Any]] = []
    for k, name in enumerate(news):
        records.append({"id": f"news-{k}", "text": by_name[name], "url": f"https://news.example.cn/{name}.html"})
    records.append({"id": "news-dup", "text": by_name[news[0]], "url": "https://mirror.example.cn/a.html",
                    "damage": ["exact_copy"]})
    near = damage.near_copy(by_name[news[1]], rng, 0.03)
    records.append({"id": "news-near", "text": near.text, "url": "https://mirror.example.cn/b.html",
                    "damage": ["near_copy"]})
    records.append({"id": "news-empty", "text": " \n ", "damage": ["empty"]})
    path = root / "news.jsonl"
    path.write_bytes(_jsonl(records) + b'{"id": "news-broken", "text": "\xe6\x96\xb0\xe9\x97\xbb\n')
    files.append(path)

    # 2. An essay site: spun, boilerplate around, some template blanks, some mojibake, truncated endings.
    site: list[dict[str, Any]] = []
    for name, text in docs:
        for variant in range(3):
            labels: list[str] = []
            body = text
            if variant == 0 or rng.random() < 0.3:
                body = damage.template_blanks(body, rng, rate=0.4).text
                labels.append("template_blanks")
            if rng.random() < 0.3:
                body = damage.truncate(body, rng).text
                labels.append("truncated")
            body = damage.boilerplate(body, rng).text
            labels.append("boilerplate")
            if variant != 2:
                body = damage.spin(body, rng, table_size=rng.randint(20, 45)).text
                labels.append("spinner")
            if rng.random() < 0.4:
                kind = rng.choice(damage.MOJIBAKE_KINDS)
                body = damage.mojibake(body, rng, kind).text
                labels.append(f"mojibake:{kind}")
            site.append({"id": f"site-{name}-{variant}", "text": body,
                         "url": f"http://www.{rng.choice(damage.SITES)}.com/fanwen/{rng.randint(1000, 99999)}.html",
                         "damage": labels})
    path = root / "essay_site.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor(level=10).compress(_jsonl(site)))
    files.append(path)

    # 3. Compilation pages: several near-identical documents under 篇一, 篇二 headings, spun.
    pages = []
    for k, name in enumerate(("01_rural_summary", "08_safety_plan", "14_study_reflection")):
        base = by_name[name]
        title = base.split("\n", 1)[0]
        parts = [damage.near_copy(base, rng, rate).text for rate in (0.0, 0.02, 0.05, 0.1)]
        page = damage.compilation(title, parts, rng).text
        page = damage.spin(page, rng).text
        pages.append({"id": f"compilation-{k}", "text": page, "damage": ["compilation", "spinner"]})
    path = root / "compilation.jsonl.gz"
    path.write_bytes(gzip.compress(_jsonl(pages), mtime=0))
    files.append(path)

    # 4. Plain text files, one document each; one saved in GBK (not UTF-8).
    for name in ("02_water_notice", "07_exam_notice", "16_shareholder_notice"):
        path = root / "notices" / f"{name}.txt"
        path.write_text(by_name[name] + "\n", encoding="utf-8")
        files.append(path)
    path = root / "notices" / "05_autumn_essay_gbk.txt"
    path.write_bytes(by_name["05_autumn_essay"].encode("gbk"))
    files.append(path)
    return files
