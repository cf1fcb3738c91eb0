"""repair.mojibake on genuinely damaged text, where realignment spends its time: the seed page whole (a real spun
and misaligned compilation page, as the default pipeline's steps before the step leave it) and `--n` damaged
documents each of the chain families gbk-byte-deleted, gbk-byte-to-? and gbk-fullwidth-pass (seed 1). The step
runs `--runs` times over the same documents in the runner's batches; each run's CPU time and a digest of its
outputs (text, edits, signals) are printed, so two checkouts can be compared (PYTHONPATH=/tmp/main/src).

For instruction counts, run it under callgrind with `--runs 1` and `--runs 2` and take the difference (the steady
run: tables, models and the step's caches built by the first):

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=F python bench/bench_mojibake_damaged.py --runs 2
    python bench/bench_mojibake_damaged.py [--part seed|chains|all] [--n 100] [--runs 2]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import orjson

from taosha import Document
from taosha.repair.mojibake import Mojibake
from taosha.runners.core import BATCH_DOCS
from taosha.step import CorpusStep, build_step

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
BEFORE = ("extract.html", "repair.nfc", "repair.whitespace", "clean.frequent_lines")  # the default steps before it
FAMILIES = ("gbk-byte-deleted", "gbk-byte-to-?", "gbk-fullwidth-pass")


def seed_page() -> str:
    """The seed page as the default pipeline's steps before repair.mojibake leave it (read with its documents, as
    `bench_real.py`'s seed.jsonl holds them)."""
    seed = SHARED / "seed-dev"
    docs = [Document("seed-page", (seed / "page_dev.txt").read_text(encoding="utf-8"))] + [
        Document(f"seed-{r['id']}", r["text"]) for r in map(orjson.loads, open(seed / "documents_dev.jsonl", "rb"))]
    for name in BEFORE:
        step = build_step(name, {})
        step.setup()
        if isinstance(step, CorpusStep):
            state = step.merge(step.new_state(), step.observe_batch(docs, step.new_state()))
            while tasks := step.tasks(state):
                state = step.gather(state, [step.run_task(task) for task in tasks])
            step = step.prepare(state)
        out: list[Document] = []
        for d in step.process_batch(docs):
            out.extend(d if isinstance(d, list) else [d])
        docs = [d for d in out if d.dropped is None]
    return next(d.text for d in docs if d.id == "seed-page")


def chain_documents(n: int) -> list[str]:
    from taosha.synth import chains

    base = chains.load_base(SHARED).half(0)  # seed 1's half, as eval_mojibake_chains draws it
    return [s.text for s in chains.generate(base, n, 1, list(FAMILIES), kinds=())]


def run(step: Mojibake, texts: list[str]) -> str:
    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    digest = hashlib.blake2b(digest_size=8)
    for at in range(0, len(docs), BATCH_DOCS):
        for d in step.process_batch(docs[at : at + BATCH_DOCS]):
            digest.update(orjson.dumps([d.text, [list(e) for e in d.edits], sorted(d.signals.items())],
                                       option=orjson.OPT_SERIALIZE_NUMPY))
    return digest.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=("seed", "chains", "all"), default="all")
    ap.add_argument("--n", type=int, default=100, help="damaged documents per family (default 100)")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is absent: this benchmark reads real text from ../shared/corpora")
    texts = ([seed_page()] if args.part != "chains" else []) + (
        chain_documents(args.n) if args.part != "seed" else [])
    step = Mojibake()
    step.setup()
    for k in range(args.runs):
        t = time.process_time()
        digest = run(step, texts)
        print(f"run {k + 1}: {len(texts)} documents, {time.process_time() - t:.2f} s CPU, outputs {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
