"""The cost of timing each step (`time_by_step`): `run_batch` over the same documents with and without the
per-step CPU clock, in the same run. Two clock reads per step and batch of 64 documents; the worst case is a
pipeline of steps that cost next to nothing per document, so both a cheap and the default per-document steps
are measured. Goal: timing costs <= 2% of throughput.

    python bench/bench_step_timing.py [--docs 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import taosha  # registers the steps
from taosha.config import DEFAULT_STEPS
from taosha.document import Document
from taosha.runners.core import BATCH_DOCS
from taosha.step import CorpusStep, build_step, run_batch
from taosha.synth.demo import clean_documents


def docs_of(n: int) -> list[str]:
    texts = [text for _, text in clean_documents()]
    return [texts[i % len(texts)][: 200 + (i * 37) % 800] for i in range(n)]


def once(steps, texts, timed: bool) -> float:
    times = [0.0] * len(steps) if timed else None
    start = time.perf_counter()
    for at in range(0, len(texts), BATCH_DOCS):
        batch = [Document(f"d{k}", t) for k, t in enumerate(texts[at : at + BATCH_DOCS], at)]
        run_batch(steps, batch, catch=True, times=times)
    return time.perf_counter() - start


def best(steps, texts, repeat: int) -> tuple[float, float]:
    """Best of `repeat` for each, the two interleaved after a warm-up (caches filled, the machine's load shared)."""
    once(steps, texts, False)
    plain = timed = float("inf")
    for _ in range(repeat):
        plain = min(plain, once(steps, texts, False))
        timed = min(timed, once(steps, texts, True))
    return plain, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = docs_of(args.docs)
    pipelines = {
        "cheap": ["repair.nfc", "filter.empty", "filter.length"],
        "default, per document": [n for n in DEFAULT_STEPS if not issubclass(taosha.REGISTRY[n], CorpusStep)],
    }
    for name, names in pipelines.items():
        steps = [build_step(n, {}) for n in names]
        for s in steps:
            s.setup()
        plain, timed = best(steps, texts, args.repeat)
        print(f"{name} ({len(steps)} steps): {args.docs / plain:,.0f} docs/s untimed, {args.docs / timed:,.0f} "
              f"docs/s timed: timing costs {100 * (timed / plain - 1):+.1f}%")


if __name__ == "__main__":
    main()
