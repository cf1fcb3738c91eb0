"""Near-duplicate evaluation: simulated copies of known kinds among unrelated documents, scored on the texts.

Truth is computed independently of taosha's dedup code: Python sets of character n-grams of the
NFKC-folded, whitespace-free, OpenCC t2s text; a document is a true duplicate when its Jaccard with an
earlier document of its family reaches the threshold (families are unrelated by construction, and any
cross-family removal is checked on the texts too). Precision = removed true duplicates / removed, recall =
removed true duplicates / true duplicates, in documents, as the peers are scored (bench/bench_dedup.py).

Usage: python eval/eval_dedup.py [--originals 3000] [--ngram 3 4 5 6] [--threshold 0.8]
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

import orjson

import taosha
from common import SHARED, below_floors, require_shared, wiki
from taosha import PipelineConfig, StepSpec
from taosha.io.writers import iter_records
from taosha.synth.dups import dup_corpus, sentences_of, true_duplicates


def write_corpus(records: list[dict], path: Path) -> None:
    path.write_bytes(b"".join(orjson.dumps({"id": r["id"], "text": r["text"]}) + b"\n" for r in records))


def removed_ids(out: Path) -> dict[str, dict]:
    removed = {}
    for shard in sorted((out / "dropped").glob("*.jsonl.zst")):
        for rec in iter_records(shard):  # the record's objects are JSON strings on disk
            if rec["drop"]["reason"] == "near_duplicate":
                removed[rec["id"]] = rec
    return removed


def score(removed: set[str], truth: set[str]) -> tuple[float, float]:
    hit = len(removed & truth)
    return hit / max(1, len(removed)), hit / max(1, len(truth))


def run_taosha(corpus: Path, work: Path, n: int, threshold: float, workers: int = 2) -> tuple[dict, float, Path]:
    cfg = PipelineConfig(steps=[StepSpec("dedup.near", {"ngram": n, "threshold": threshold})])
    cfg.runner.workers = workers
    out = work / f"out-{n}"
    start = time.perf_counter()
    taosha.run([str(corpus)], out, cfg, overwrite=True)
    return removed_ids(out), time.perf_counter() - start, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--originals", type=int, default=3000)
    ap.add_argument("--ngram", type=int, nargs="+", default=[5])
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--table", type=int, nargs="*", default=[2, 3, 4, 5, 6, 7],
                    help="n-gram sizes for the what-n-means table (none: skip it)")
    args = ap.parse_args()
    require_shared()
    if args.table:
        ngram_table(args.table)
    sentences = sentences_of(wiki("cmrc2018_wiki_zh_hans.jsonl.gz"))
    records = list(dup_corpus(sentences, args.originals, seed=11))
    kinds = {r["id"]: r["kind"].split(":")[0] for r in records}
    print(f"corpus: {len(records)} documents, {args.originals} originals, {len(sentences)} wiki sentences "
          f"({SHARED.name}/wiki)")
    floors: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        write_corpus(records, corpus)
        for n in args.ngram:
            truth = true_duplicates(records, n, args.threshold)
            removed, seconds, out = run_taosha(corpus, work, n, args.threshold)
            p, r = score(set(removed), truth)
            report = orjson.loads((out / "reports" / "dedup.near.json").read_bytes())
            print(f"n={n} threshold={args.threshold}: precision {p:.4f} recall {r:.4f} "
                  f"(removed {len(removed)}, true duplicates {len(truth)}; "
                  f"{report['candidate_pairs']} candidates, {report['verified_pairs']} verified, "
                  f"bands {report['bands']}x{report['rows']}; {len(records) / seconds:,.0f} docs/s)")
            missed = collections.Counter(kinds[i] for i in truth - set(removed))
            wrong = collections.Counter(kinds[i] for i in set(removed) - truth)
            print(f"    missed by kind: {dict(missed)}; removed but not true duplicates: {dict(wrong)}")
            cross = [rec for rec in removed.values()
                     if records[int(rec['signals']['near_duplicate_of'][1:])]["family"]
                     != records[int(rec["id"][1:])]["family"]]
            print(f"    removals across families: {len(cross)}")
            print(f"    cluster sizes: {report['cluster_sizes']}")
            floors += [(f"n={n} precision", p, 0.995), (f"n={n} recall", r, 0.99),
                       (f"n={n} removals across families (as none)", float(not cross), 1.0)]
        p, r = real_page(work, args.threshold)
        floors += [("real page precision", p, 0.99), ("real page recall", r, 0.99)]
    return below_floors(floors)


def ngram_table(ns: list[int]) -> None:
    """What n means: Jaccard of unrelated real articles (they must stay far below the threshold) and of near
    copies at known character edit rates (they should stay above it), per n."""
    import random

    from taosha.synth import damage
    from taosha.synth.dups import truth_grams

    articles = [t for t in wiki("cmrc2018_wiki_zh_hans.jsonl.gz") if len(t) >= 400]
    rng = random.Random(5)
    pairs = [tuple(rng.sample(range(len(articles)), 2)) for _ in range(5000)]
    print(f"n-gram size ({len(articles)} wiki articles >= 400 chars; 5,000 unrelated pairs; near copies of 300):")
    for n in ns:
        sets = [truth_grams(t, n) for t in articles]
        unrelated = sorted(len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in pairs)
        line = f"  n={n}: unrelated max {unrelated[-1]:.3f}, 99.9% {unrelated[int(len(unrelated) * 0.999)]:.3f}"
        for rate in (0.01, 0.02, 0.03, 0.05):
            sims = []
            for k in range(300):
                copy = damage.near_copy(articles[k], random.Random(k), rate).text
                g = truth_grams(copy, n)
                sims.append(len(g & sets[k]) / len(g | sets[k]))
            line += f"; copies at {rate:.0%} edits: mean {sum(sims) / len(sims):.3f}"
        print(line)


def real_page(work: Path, threshold: float) -> tuple[float, float]:
    """The speeches of the real compilation page (seed-dev, gold text), whose versions are labelled by hand:
    documents with 5-gram Jaccard >= 0.8 inside one `version_cluster` are near copies."""
    docs = [orjson.loads(line) for line in (SHARED / "seed-dev" / "documents_dev.jsonl").read_bytes().splitlines()]
    records = [{"id": d["id"], "text": d["text"], "family": d["version_cluster"]} for d in docs]
    truth = {d["id"] for d in docs} & true_duplicates(records, 5, threshold)
    labelled = sum(c - 1 for c in collections.Counter(d["version_cluster"] for d in docs).values())
    corpus = work / "page.jsonl"
    write_corpus(records, corpus)
    removed, _, _ = run_taosha(corpus, work, 5, threshold, workers=1)
    p, r = score(set(removed), truth)
    print(f"real page (seed-dev, {len(docs)} speeches, {labelled} later versions labelled by hand): "
          f"precision {p:.4f} recall {r:.4f} (removed {len(removed)}, true duplicates {len(truth)})")
    return p, r


if __name__ == "__main__":
    sys.exit(main())
