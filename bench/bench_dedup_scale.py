"""Peak memory of dedup.near as the corpus grows: 0.1x, 1x and 10x a corpus, up to a million documents.

Each corpus holds ~2,000-character documents of random sentences (Wikipedia from ../shared when present,
else the bundled demo), a fifth of them copies of an earlier one with a few sentences changed. taosha runs
`dedup.near` alone with two workers under /usr/bin/time; the line gives docs/s, peak RSS of the largest
process, and the size of the pass-1 spill files, so the curve shows what grows with the corpus (disk) and
what must not (memory).

Usage: python bench/bench_dedup_scale.py [--base 100000] [--factors 0.1 1 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import threading
import time
from pathlib import Path

import orjson

from bench_dedup import ROOT, sentences, timed


def make(path: Path, docs: int, seed: int = 3) -> None:
    if path.exists():
        return
    sents, _ = sentences()
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    recent: list[list[str]] = []
    with open(tmp, "wb") as fh:
        for k in range(docs):
            if recent and rng.random() < 0.2:
                parts = list(rng.choice(recent))
                for _ in range(rng.randint(0, 3)):
                    parts[rng.randrange(len(parts))] = rng.choice(sents)
            else:
                parts, size = [], 0
                while size < 2000:
                    parts.append(rng.choice(sents))
                    size += len(parts[-1])
                recent.append(parts)
                if len(recent) > 5000:
                    recent.pop(rng.randrange(len(recent)))
            fh.write(orjson.dumps({"id": f"s{k}", "text": "".join(parts)}) + b"\n")
    tmp.rename(path)


def spill_watch(out: Path, peak: list[int], stop: threading.Event) -> None:
    while not stop.is_set():
        state = out / "_state"
        if state.exists():
            size = sum(p.stat().st_size for p in state.rglob("*") if p.is_file())
            peak[0] = max(peak[0], size)
        stop.wait(0.5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", type=int, default=100_000)
    ap.add_argument("--factors", type=float, nargs="+", default=[0.1, 1, 10])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", default=str(ROOT / "bench" / "work" / "dedup-scale"))
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    toml = work / "near.toml"
    toml.write_text('[[steps]]\nuse = "dedup.near"\n', encoding="utf-8")
    taosha = Path(sys.executable).with_name("taosha")
    for f in args.factors:
        docs = int(args.base * f)
        corpus = work / f"corpus-{docs}.jsonl"
        start = time.perf_counter()
        make(corpus, docs)
        made = time.perf_counter() - start
        out = work / f"out-{docs}"
        shutil.rmtree(out, ignore_errors=True)
        peak, stop = [0], threading.Event()
        watcher = threading.Thread(target=spill_watch, args=(out, peak, stop), daemon=True)
        watcher.start()
        wall, rss, _ = timed([str(taosha), "clean", str(corpus), "-o", str(out), "--config", str(toml),
                              "--workers", str(args.workers), "-q"])
        stop.set()
        watcher.join()
        report = orjson.loads((out / "reports" / "dedup.near.json").read_bytes())
        print(f"{f:>5}x {docs:>9,} docs ({corpus.stat().st_size / 1e9:.2f} GB): {docs / wall:,.0f} docs/s, "
              f"peak RSS {rss:,.0f} MiB, spill {peak[0] / 1e9:.2f} GB, {report['duplicates']:,} duplicates "
              f"in {report['clusters']:,} clusters (corpus made in {made:.0f} s)", flush=True)
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
