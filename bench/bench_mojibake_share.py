"""repair.mojibake's share of the cleaning steps' time on real crawled text, and `fix_text` per call on short
strings against ftfy's `fix_text`, in the same run.

Real text (read from ../shared at run time): the 62,774 shopping reviews (short, informal, about 2.5% holding a
`?` where the site lost a character) and the DAnIEL news pages' reference texts (news-sized documents). Every
default step but the two dedup steps runs in this process, in the runner's batches, each timed on its own
(`clean.frequent_lines` counts, then cleans); the share is repair.mojibake's time over the sum. I/O and dedup are
left out, so the share of a whole run is lower still. Each step's time is the least of `--repeat` runs (CPU time: on
a shared machine one run's share moves by several points with the load). Goals (issue #17): the share <= 15%;
`fix_text` on a clean 100-character string <= 50 µs.

The issue's own measure is the share of a whole default run: `--whole` runs `taosha clean` (one worker, as a new
process) on bench_real's reviews and news-sized files (bench/work/real/: all 62,774 reviews; DAnIEL's, CWCED's and
magic-html's reference texts) and prints repair.mojibake's CPU seconds (stats.json) over the run's passes (every
step and the runner's reading and writing, start-up apart: the stricter of the two) and over the whole process.

    python bench/bench_mojibake_share.py [--docs 20000] [--repeat 3] [--whole] [--baseline /tmp/main/src [--rounds 2]]

`--baseline`: another checkout's src (git archive main src | tar -x -C /tmp/main): the benchmark runs as a child
process on it and on this code, alternated `--rounds` times, each printed under its name.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tarfile
import time
from pathlib import Path

import orjson

from bench_real import step_times  # the same per-step timing as the real-text benchmark
from taosha.config import DEFAULT_STEPS
from taosha.fix import fix_text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
MEASURED = [name for name in DEFAULT_STEPS if not name.startswith("dedup.")]


def reviews(limit: int) -> list[str]:
    rows = (orjson.loads(line) for line in gzip.open(SHARED / "web_text" / "online_shopping_10_cats.jsonl.gz", "rb"))
    return [r["text"] for r in rows if isinstance(r.get("text"), str)][:limit]


def news() -> list[str]:
    with tarfile.open(SHARED / "extraction" / "daniel_zh_400.tar.xz") as tar:
        return [tar.extractfile(m).read().decode("utf-8", "replace") for m in tar
                if "/reference/" in m.name and m.isfile()]


def per_call(fn, text: str, n: int = 2000) -> float:
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn(text)
        best = min(best, (time.perf_counter() - t) / n)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=20000, help="reviews to use (default 20,000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs; each step's least time is used (default 3)")
    ap.add_argument("--baseline", type=Path, help="another checkout's src, run alternated with this code's")
    ap.add_argument("--rounds", type=int, default=2, help="alternated runs of each with --baseline (default 2)")
    ap.add_argument("--whole", action="store_true", help="also the share of whole default runs (`taosha clean`)")
    args = ap.parse_args()
    if args.baseline:
        return alternated(args)
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is absent: this benchmark reads real text from ../shared/corpora")
    if args.whole:
        whole(args.repeat)
    for label, texts in (("shopping reviews", reviews(args.docs)), ("DAnIEL news references", news())):
        mb = sum(len(t.encode()) for t in texts) / 1e6
        step_times(texts, MEASURED)  # every table and model loaded first (langid on the first non-Chinese text)
        times: dict[str, float] = {}  # a worker that has run a while: the steady state, set-up apart
        for _ in range(max(1, args.repeat)):
            for name, took in step_times(texts, MEASURED).items():
                times[name] = min(times.get(name, took), took)
        total = sum(times.values())
        top = ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(times.items(), key=lambda kv: -kv[1])[:4])
        moj = times["repair.mojibake"]
        print(f"{label} ({len(texts):,} documents, {mb:.1f} MB): cleaning steps {mb / total:.1f} MB/s; "
              f"repair.mojibake {moj:.3f} s = {moj / total:.1%} of the steps' time (goal <= 15%; least of "
              f"{max(1, args.repeat)} runs per step); largest: {top}")
    import ftfy

    clean = ("随着互联网的发展，越来越多的人开始在网上购物。这家店的衣服质量很好，价格也合理，物流速度快，"
             "客服态度热情，下次还会再来购买。总的来说非常满意，推荐给大家！包装也很结实，没有任何破损，赞一个。五星好评！")
    fix_text(clean)
    ours, theirs = per_call(fix_text, clean), per_call(ftfy.fix_text, clean)
    print(f"fix_text on a clean {len(clean)}-character string: {ours * 1e6:.0f} µs per call (goal <= 50 µs); "
          f"ftfy.fix_text {theirs * 1e6:.0f} µs; {ours / theirs:.1f}x ftfy's time")
    return 0


def whole(repeat: int) -> None:
    """repair.mojibake's share of whole default runs on the real reviews and news-sized documents (see the module's
    doc): the least share of `repeat` runs each."""
    from bench_real import CPU, STATS, make_corpus, whole_run

    work = ROOT / "bench" / "work" / "real"
    files = {f.stem: f for f in make_corpus(work / "in", 0)[0]}
    for label, name in (("shopping reviews", "reviews"), ("news-sized references", "news")):
        out = work / f"share-{name}"
        runs = []
        for _ in range(max(1, repeat)):
            whole_run([files[name]], out, 1, noop=False)
            stats = STATS[out.name][-1]
            moj = stats["time_by_step"]["repair.mojibake"]["seconds"]
            passes = sum(p["seconds"] for p in stats["time_by_pass"].values())
            runs.append((moj / passes, moj / CPU[out.name][-1], moj, passes, CPU[out.name][-1]))
        share, of_process, moj, passes, cpu = min(runs)
        mb = files[name].stat().st_size / 1e6
        print(f"whole run, {label} ({mb:.1f} MB, 1 worker): repair.mojibake {moj:.2f} s = {share:.1%} of the "
              f"passes' {passes:.2f} s (goal <= 15%), {of_process:.1%} of the process's {cpu:.2f} s CPU; least "
              f"of {max(1, repeat)} runs", flush=True)


def alternated(args: argparse.Namespace) -> int:
    """This script on the baseline's src and on this code's, as child processes, alternated (the load moves)."""
    import os
    import subprocess

    own = [sys.executable, __file__, "--docs", str(args.docs), "--repeat", str(args.repeat),
           *(["--whole"] if args.whole else [])]
    for k in range(max(1, args.rounds)):
        for label, src in (("baseline", args.baseline.resolve()), ("this code", None)):
            env = dict(os.environ)
            if src is not None:
                env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
            out = subprocess.run(own, env=env, capture_output=True, text=True, check=True).stdout
            print("".join(f"{label} (round {k + 1}): {line}\n" for line in out.splitlines()), end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
