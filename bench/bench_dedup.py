"""Near-duplicate detection: taosha's dedup.near against the fixed peer baselines, on the same corpus, same run.

The corpus: simulated ~2,000-character Chinese documents (random Wikipedia sentences from ../shared when
present, else the bundled demo sentences) with exact, re-flowed, traditional-script, near and partial
copies (taosha.synth.dups). Every tool is scored on the same truth (Jaccard >= 0.8 of character 5-grams
with an earlier document; synth.dups.true_duplicates) and timed as a whole command, peak RSS from
/usr/bin/time (the largest process of the tree). Goals (issue #25; issue #8 asked for 50x datatrove):

    `taosha clean` with dedup.near alone, as a whole process, >= 15x datasketch's docs/s and >= 100x
    datatrove's; signatures >= 20k docs/s per core; two workers >= 1.8x one; equal or better precision
    and recall.

taosha's modules are compiled to bytecode before anything is timed (`compileall`, as `pip install` does for an
installed package): with PYTHONDONTWRITEBYTECODE set and an editable install, every run would compile the
package's source again, most of a second of a 5,000-document run that no user pays. The peers' packages are
installed, hence compiled. `--baseline SRC` (another checkout's `src`, e.g. `git archive main src | tar -x -C
/tmp/main`) times that code's `taosha clean` the same way, in the same run. CPU seconds (user + system, the
whole process tree) are printed beside wall time: this machine is shared, and wall time includes waiting for it;
the least CPU of the repeats is printed too, and the ratios in CPU seconds use it (the peer runs once).

Usage: python bench/bench_dedup.py [--originals 6000] [--peers datasketch datatrove] [--repeat 3]
                                   [--baseline /tmp/main/src]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson

from taosha.dedup.minhash import shingle_signatures
from taosha.dedup.shingle import codes
from taosha.synth.demo import clean_documents
from taosha.synth.dups import dup_corpus, sentences_of, true_duplicates

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent / "shared" / "bench" / "peers" / "run-baseline"
WIKI = ROOT.parent / "shared" / "corpora" / "wiki" / "cmrc2018_wiki_zh_hans.jsonl.gz"


@functools.lru_cache(maxsize=1)
def sentences() -> tuple[list[str], str]:
    if WIKI.exists():
        import gzip

        with gzip.open(WIKI, "rt", encoding="utf-8") as fh:
            return sentences_of([json.loads(line)["text"] for line in fh]), "wiki"
    return sentences_of([t for _, t in clean_documents()]), "demo"


def make_corpus(work: Path, originals: int, seed: int = 1) -> tuple[Path, list[dict]]:
    path = work / f"corpus-{originals}.jsonl"
    sents, _ = sentences()
    records = list(dup_corpus(sents, originals, seed=seed))
    if not path.exists():
        path.write_bytes(b"".join(orjson.dumps({"id": r["id"], "text": r["text"]}) + b"\n" for r in records))
    return path, records


def signatures_per_second(texts: list[str], repeat: int = 3) -> float:
    codes("")  # the table, built once per process, is not part of the per-document cost
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for a in range(0, len(texts), 64):  # as dedup.near signs them: a batch at a time
            shingle_signatures([codes(t) for t in texts[a : a + 64]], 5, 128)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


GOALS = {"datasketch": 15, "datatrove": 100}  # issue #25: taosha's docs/s over the peer's, as whole processes


def timed(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
          ) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MiB), stdout and CPU seconds (user + system) of a command run under /usr/bin/time."""
    rss = Path(os.environ.get("TMPDIR", "/tmp")) / f"taosha-rss-{os.getpid()}"
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss), *cmd], capture_output=True,
                          text=True, cwd=cwd, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    peak, user, system = rss.read_text().split()[-3:]
    return wall, int(peak) / 1024, proc.stdout, float(user) + float(system)


def compile_package(src: Path | None = None) -> None:
    """Bytecode for every module of taosha (of `src` when given), as an installed package has it."""
    import compileall

    import taosha

    compileall.compile_dir(str(src or Path(taosha.__file__).parent), quiet=1)


def run_taosha(corpus: Path, work: Path, workers: int, baseline: Path | None = None
               ) -> tuple[float, float, set[str], float]:
    toml = work / "near.toml"
    toml.write_text('[[steps]]\nuse = "dedup.near"\n', encoding="utf-8")
    out = work / f"taosha-{workers}{'-baseline' if baseline else ''}"
    shutil.rmtree(out, ignore_errors=True)
    taosha = Path(sys.executable).with_name("taosha")
    env = dict(os.environ, PYTHONPATH=str(baseline)) if baseline else None
    wall, rss, _, cpu = timed([str(taosha), "clean", str(corpus), "-o", str(out), "--config", str(toml),
                               "--workers", str(workers), "-q"], env=env)
    from taosha.io.writers import iter_records

    removed = {r["id"] for p in sorted((out / "dropped").glob("*.zst")) for r in iter_records(p)
               if r["drop"]["reason"] == "near_duplicate"}
    return wall, rss, removed, cpu


def run_peer(peer: str, corpus: Path, work: Path) -> tuple[float, float, set[str], float]:
    wd = work / f"peer-{peer}"
    _, _, out, cpu = timed([str(PEERS), peer, str(corpus), str(wd)])  # CPU: the whole tree, the peer's script too
    line = json.loads(out.strip().splitlines()[-1])
    if peer == "datasketch":
        text = (wd / "removed.txt").read_text()
        removed = set(text.split("\n")) - {""}
    else:
        removed = {orjson.loads(x)["id"] for p in sorted((wd / "dt" / "removed").glob("*.jsonl"))
                   for x in p.read_bytes().splitlines() if x}
    return line["wall_s"], line["peak_rss_MiB"], removed, cpu


def score(removed: set[str], truth: set[str]) -> str:
    hit = len(removed & truth)
    return f"precision {hit / max(1, len(removed)):.3f} recall {hit / max(1, len(truth)):.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--originals", type=int, default=6000)
    ap.add_argument("--peers", nargs="*", default=["datasketch", "datatrove"], choices=["datasketch", "datatrove"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=str(ROOT / "bench" / "work" / "dedup"))
    ap.add_argument("--baseline", type=Path, help="another checkout's src folder, timed the same way")
    args = ap.parse_args()
    compile_package()
    if args.baseline:
        compile_package(args.baseline / "taosha")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    corpus, records = make_corpus(work, args.originals)
    truth = true_duplicates(records)
    n = len(records)
    print(f"corpus: {n:,} documents ({sentences()[1]} sentences), {sum(len(r['text']) for r in records) / n:,.0f} "
          f"characters each on average, {len(truth):,} true duplicates at J >= 0.8 (5-grams)")
    sig = signatures_per_second([r["text"] for r in records[:3000]])
    print(f"signatures (normalise + 5-gram hashes + 128 MinHash), one core: {sig:,.0f} docs/s (goal >= 20,000)")
    best: dict[tuple[int, bool], tuple[float, float, set[str], float]] = {}
    least: dict[tuple[int, bool], float] = {}  # the least CPU of the repeats: wall and CPU each move with the load
    cpus: dict[tuple[int, bool], list[float]] = {}  # every repeat's CPU, for the paired comparison
    for _ in range(args.repeat):  # interleaved, best of: this machine is shared and noisy
        for workers in (1, 2):
            for base in (False, True) if args.baseline else (False,):
                wall, rss, removed, cpu = run_taosha(corpus, work, workers, args.baseline if base else None)
                if (workers, base) not in best or wall < best[workers, base][0]:
                    best[workers, base] = (wall, rss, removed, cpu)
                least[workers, base] = min(cpu, least.get((workers, base), cpu))
                cpus.setdefault((workers, base), []).append(cpu)
    rates = {}
    for (workers, base), (wall, rss, removed, cpu) in sorted(best.items()):
        rates[workers, base] = n / wall
        label = "baseline " if base else ""
        print(f"{label}taosha dedup.near, {workers} worker(s): {n / wall:,.0f} docs/s ({wall:.2f} s wall, "
              f"{cpu:.2f} s CPU; least CPU {least[workers, base]:.2f} s), peak {rss:,.0f} MiB, "
              f"{score(removed, truth)} (best of {args.repeat})")
    print(f"two workers vs one: {rates[2, False] / rates[1, False]:.2f}x (goal >= 1.8x)")
    if args.baseline:
        # each repeat runs this code and the baseline's one after the other: the difference within a pair moves
        # far less with the machine's load than the least CPU of either
        for workers in (1, 2):
            diffs = [a - b for a, b in zip(cpus[workers, False], cpus[workers, True], strict=True)]
            print(f"{workers} worker(s), this code's CPU less the baseline's, {len(diffs)} interleaved pairs: median "
                  f"{statistics.median(diffs):+.3f} s, lower in {sum(d < 0 for d in diffs)} of {len(diffs)}")
    for peer in args.peers:
        if not PEERS.exists():
            print(f"{peer}: skipped ({PEERS} is absent)")
            continue
        wall, rss, removed, cpu = run_peer(peer, corpus, work)
        then = f"; baseline taosha 1 worker = {rates[1, True] / (n / wall):.1f}x" if (1, True) in rates else ""
        print(f"{peer} (peer baseline): {n / wall:,.0f} docs/s ({wall:.2f} s wall, {cpu:.2f} s CPU), peak {rss:,.0f} "
              f"MiB, {score(removed, truth)}; taosha 2 workers = {rates[2, False] / (n / wall):.1f}x, 1 worker = "
              f"{rates[1, False] / (n / wall):.1f}x (goal >= {GOALS[peer]}x){then}; in CPU seconds (the least of "
              f"taosha's), 1 worker = {cpu / least[1, False]:.1f}x"
              + (f", baseline {cpu / least[1, True]:.1f}x" if then else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
