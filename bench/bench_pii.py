"""What `pii.mask` costs: MB/s (per CPU second) of the step against a plain-regex baseline (one pattern per kind, no
checks, the peers' approach) over the same texts, and its share of the default pipeline's time on one worker
(the default pipeline with and without `pii.mask`, on bench_pipeline.py's simulated crawl, in the same run).

Goal (issue 23): the step costs <= 10% of the default pipeline's time.

    python bench/bench_pii.py [--mb 10] [--repeat 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import shutil
import sys
import time
from pathlib import Path

import zstandard

sys.path.insert(0, str(Path(__file__).parent))

import taosha
from bench_pipeline import make_crawl
from taosha import PipelineConfig
from taosha.config import DEFAULT_STEPS, StepSpec
from taosha.document import Document
from taosha.pii.mask import PiiMask

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
BASELINE = [re.compile(p) for p in (
    r"(?<!\d)\d{17}[\dXx](?!\d)",  # ID card
    r"(?<!\d)\d{16,19}(?!\d)",  # bank card
    r"(?<!\d)(?:\+86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)",  # mobile
    r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3}[ -])\d{7,8}(?!\d)",  # landline
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])",  # IPv4
)]


def baseline(text: str) -> str:
    for p in BASELINE:
        text = p.sub("<PII>", text)
    return text


def cpu() -> float:
    """CPU seconds of this process and its finished children: what the work costs, whatever else the shared
    machine is running at the same time (wall-clock time is not)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_cpu(files: list[Path], out: Path, cfg: PipelineConfig) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = cpu()
    taosha.run([str(p) for p in files], out, cfg)
    return cpu() - t


def per_core(texts: list[str], repeat: int) -> tuple[float, float, float]:
    """MB/s (UTF-8 text) of the baseline and of the step per CPU second, best of `repeat`."""
    size = sum(len(t.encode()) for t in texts) / 1e6
    step = PiiMask()
    best_b = best_s = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        for text in texts:
            baseline(text)
        best_b = min(best_b, time.process_time() - t)
        docs = [Document("d", text) for text in texts]
        t = time.process_time()
        for d in docs:
            step.process(d)
        best_s = min(best_s, time.process_time() - t)
    return size, size / best_b, size / best_s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=10)
    ap.add_argument("--work", type=Path, default=Path(__file__).parent / "work")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs each; the best is reported")
    args = ap.parse_args()
    files = make_crawl(args.work, args.mb)
    crawl = []
    for p in files:
        data = zstandard.ZstdDecompressor().decompressobj().decompress(p.read_bytes())
        crawl += [json.loads(line)["text"] for line in data.splitlines() if line]
    size, base, step = per_core(crawl, args.repeat)
    crawl_mb, crawl_step = size, step
    print(f"simulated crawl ({len(crawl):,} docs, {size:.1f} MB text), one core: plain-regex baseline "
          f"{base:.1f} MB/s, pii.mask {step:.1f} MB/s ({step / base:.2f}x baseline)")
    if SHARED.is_dir():
        with gzip.open(SHARED / "web_text" / "online_shopping_10_cats.jsonl.gz", "rt", encoding="utf-8") as fh:
            reviews = [json.loads(line)["text"] for line in fh]
        size, base, step = per_core(reviews, args.repeat)
        print(f"real shopping reviews ({len(reviews):,} docs, {size:.1f} MB text), one core: plain-regex baseline "
              f"{base:.1f} MB/s, pii.mask {step:.1f} MB/s ({step / base:.2f}x baseline)")
    default = PipelineConfig()
    with_pii = PipelineConfig(steps=[*(StepSpec(n) for n in DEFAULT_STEPS[:-2]), StepSpec("pii.mask"),
                                     *(StepSpec(n) for n in DEFAULT_STEPS[-2:])])
    default.runner.workers = with_pii.runner.workers = 1
    run_cpu(make_crawl(args.work, 1, seed=4)[:1], args.work / "out-warm", default)  # tables load once per worker
    t_default = t_pii = float("inf")
    for _ in range(args.repeat):  # alternated, so that both see the same state of the machine
        t_default = min(t_default, run_cpu(files, args.work / "out-pii-default", default))
        t_pii = min(t_pii, run_cpu(files, args.work / "out-pii-with", with_pii))
    own = crawl_mb / crawl_step
    print(f"default pipeline, 1 worker: {t_default:.2f} CPU s; the step's own time on its documents {own:.2f} CPU s"
          f" = {100 * own / t_default:.1f}% of it (goal <= 10%); with pii.mask before the dedup steps "
          f"{t_pii:.2f} CPU s ({100 * (t_pii - t_default) / t_default:+.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
