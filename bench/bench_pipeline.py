"""Throughput of the whole default pipeline (repairs, cleaning, quality filter, dedup) and of the cleaning
pipeline without the dedup steps, on one worker, with the no-op pipeline (read -> write) over the same files in
the same run as the reference. Goal: >= 5 MB/s per core.

The corpus is simulated per document, in the proportions of a content-farm crawl: every document a run of
sentences from the bundled documents; 35% spun, 5% with a garbled sentence or two (any mojibake kind), 40%
with site boilerplate, 10% with template blanks, 5% cut off, 3% compilation pages.

    python bench/bench_pipeline.py [--mb 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import time
from pathlib import Path

import orjson
import zstandard

import taosha
from taosha import PipelineConfig
from taosha.config import DEFAULT_STEPS, StepSpec
from taosha.synth import damage
from taosha.synth.demo import clean_documents


def make_crawl(work: Path, mb: int, seed: int = 3) -> list[Path]:
    out = work / (f"crawl-{mb}mb" if seed == 3 else f"crawl-{mb}mb-seed{seed}")
    files = sorted(out.glob("*.jsonl.zst"))
    if len(files) == 2:
        return files
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    sentences = [m.group() for _, t in clean_documents() for m in re.finditer(r"[^。！？\n]+[。！？]?", t)]
    table = damage.spinner_table(rng)
    n = 0
    for f in range(2):
        lines, size = [], 0
        while size < mb * 500_000:
            body = "".join(rng.choice(sentences) for _ in range(rng.randint(10, 40)))
            text = "\n".join(body[i : i + 300] for i in range(0, len(body), 300))
            if rng.random() < 0.10:
                text = damage.template_blanks(text, rng, rate=0.3).text
            if rng.random() < 0.05:
                text = damage.truncate(text, rng).text
            if rng.random() < 0.03:
                text = damage.compilation("工作总结", [text, text[: len(text) // 2]], rng).text
            if rng.random() < 0.40:
                text = damage.boilerplate(text, rng).text
            if rng.random() < 0.35:
                text = damage.spin(text, rng, table=table).text
            if rng.random() < 0.05:
                text = damage.mojibake(text, rng, sentences=rng.randint(1, 2)).text
            line = orjson.dumps({"id": f"doc-{n}", "text": text}) + b"\n"
            lines.append(line)
            size += len(line)
            n += 1
        (out / f"part-{f}.jsonl.zst").write_bytes(zstandard.ZstdCompressor(level=3).compress(b"".join(lines)))
    return sorted(out.glob("*.jsonl.zst"))


def timed(files: list[Path], out: Path, cfg: PipelineConfig, repeat: int = 1) -> tuple[float, dict]:
    """The best of `repeat` runs (the machine is shared: the best run is the one least disturbed)."""
    best, stats = float("inf"), {}
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        stats = taosha.run([str(p) for p in files], out, cfg)
        best = min(best, time.perf_counter() - t)
    return best, stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=20)
    ap.add_argument("--work", type=Path, default=Path(__file__).parent / "work")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per pipeline; the best is reported")
    args = ap.parse_args()
    files = make_crawl(args.work, args.mb)
    full, noop = PipelineConfig(), PipelineConfig(steps=[])
    # the cleaning pipeline proper: the default without the corpus-wide dedup steps (measured on their own by
    # bench_dedup.py)
    cleaning = PipelineConfig(steps=[StepSpec(n) for n in DEFAULT_STEPS if not n.startswith("dedup.")])
    full.runner.workers = noop.runner.workers = cleaning.runner.workers = 1
    t_noop, _ = timed(files, args.work / "out-noop", noop, args.repeat)
    # one worker's tables load once: measure the steady state, warmed on other documents (what a step remembers
    # of documents it has seen, as repair.mojibake's choices, must not make the timed run look faster)
    timed(make_crawl(args.work, 1, seed=4)[:1], args.work / "out-warm", full)
    t_full, stats = timed(files, args.work / "out-full", full, args.repeat)
    t_clean, _ = timed(files, args.work / "out-cleaning", cleaning, args.repeat)
    raw_mb = sum(p.stat().st_size for p in files) / 1e6
    docs = stats["documents"]["in"]
    # MB of JSONL: the files decompressed (stats count the compressed bytes of .zst input)
    text_mb = sum(len(zstandard.ZstdDecompressor().decompressobj().decompress(p.read_bytes())) for p in files) / 1e6
    print(f"corpus: {len(files)} files, {docs:,} docs, {text_mb:.1f} MB JSONL ({raw_mb:.1f} MB compressed)")
    print(f"default pipeline, 1 worker: {text_mb / t_full:.1f} MB/s, {docs / t_full:,.0f} docs/s (goal >= 5 MB/s); "
          f"no-op pipeline {text_mb / t_noop:.1f} MB/s; the steps cost {t_full / t_noop:.1f}x reading and writing")
    print(f"without the dedup steps (repairs, cleaning, quality filter), 1 worker: {text_mb / t_clean:.1f} MB/s, "
          f"{docs / t_clean:,.0f} docs/s (goal >= 5 MB/s)")
    d = stats["documents"]
    reasons = ", ".join(f"{s}/{r}: {n}" for s, rs in stats["dropped_by"].items() for r, n in rs.items())
    print(f"kept {d['kept']:,}, dropped {d['dropped']:,} ({reasons}), split {d['split']:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
