"""The default pipeline on real text, as a user runs it: `taosha clean` as a whole process (start-up included) on
one and two workers, against the no-op pipeline (read -> write) on the same input in the same run, with the time
of each step. Goals (issue #25), printed beside the figures:

    >= 5 MB/s per core; <= 3x the no-op pipeline's time (start-up included); 2 workers >= 1.8x one.

The corpus is read from ../shared/corpora at run time (never copied into the repository) and written as JSONL
under bench/work/real/, one file per source, as a crawl's files of unequal cost would be:

    reviews.jsonl   the 62,774 shopping reviews (web_text/online_shopping_10_cats: short, informal, ~2% with `?`)
    news.jsonl      the extraction pages' reference texts: DAnIEL's 400 news pages, CWCED's 69 cleaned pages,
                    magic-html's 81 ground-truth contents (news-sized documents)
    wiki.jsonl      Wikipedia paragraphs, simplified (CMRC2018) and traditional (DRCD)
    seed.jsonl      the seed page (a spun, mojibake'd compilation page) whole, and its 38 documents

The time per step runs every step in this process over the whole corpus in the runner's batches (each step on
the documents as the steps before it left them; a two-pass step observes, runs its tasks, prepares, then
processes), after a first pass that loads every table and model: the steady state, set-up apart.

These runs leave the report out (`--no-report`), so that the figures are the pipeline's own; one more 1-worker run
with it is `taosha clean` as typed, and its line says what the report adds.

The 2-worker run is traced (TAOSHA_TRACE, runners/trace.py): a line projects what two workers give with a core each,
from CPU times (the 1-worker run's CPU over the 2-worker run's critical path), with each pass's share.

    python bench/bench_real.py [--repeat 2] [--reviews N] [--no-steps] [--baseline /tmp/main/src]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import orjson

from taosha import Document
from taosha.config import DEFAULT_STEPS
from taosha.runners import trace
from taosha.runners.core import BATCH_DOCS
from taosha.step import CorpusStep, build_step

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
GOAL_MB_S, GOAL_NOOP, GOAL_SCALE = 5.0, 3.0, 1.8
WALL: dict[str, list[float]] = {}  # wall seconds of each whole run, by output folder name
CPU: dict[str, list[float]] = {}  # its CPU seconds
SYS: dict[str, list[tuple[float, int]]] = {}  # its system CPU seconds and minor page faults (forks, copied pages)
TRACES: dict[str, list[dict | None]] = {}  # its trace
STATS: dict[str, list[dict]] = {}  # its stats.json (the CPU time of each step and pass)


def _tar_texts(name: str, keep) -> list[tuple[str, str]]:
    out = []
    with tarfile.open(SHARED / "extraction" / name) as tar:
        for m in tar:
            if m.isfile() and keep(m.name):
                out.append((m.name, tar.extractfile(m).read().decode("utf-8", "replace")))
    return sorted(out)


def sources(reviews_limit: int) -> dict[str, list[tuple[str, str]]]:
    rows = (orjson.loads(x) for x in gzip.open(SHARED / "web_text" / "online_shopping_10_cats.jsonl.gz", "rb"))
    reviews = [(f"review-{r['id']}", r["text"]) for r in rows if isinstance(r.get("text"), str)]
    news = _tar_texts("daniel_zh_400.tar.xz", lambda n: "/reference/" in n)
    news += _tar_texts("cwced_zh_69.tar.xz", lambda n: "/cleaned/" in n)
    for part in ("article", "forum"):
        with tarfile.open(SHARED / "extraction" / "magic_html_zh_81.tar.xz") as tar:
            base = orjson.loads(tar.extractfile(f"magic_html_zh/{part}/base.json").read())
        news += [(f"magic-{part}-{k}", v["content"]) for k, v in sorted(base.items()) if v.get("content")]
    wiki = []
    for f in ("cmrc2018_wiki_zh_hans.jsonl.gz", "drcd_wiki_zh_hant.jsonl.gz"):
        for k, line in enumerate(gzip.open(SHARED / "wiki" / f, "rb")):
            wiki.append((f"{f.split('_')[0]}-{k}", orjson.loads(line)["text"]))
    seed = [("seed-page", (SHARED / "seed-dev" / "page_dev.txt").read_text(encoding="utf-8"))]
    seed += [(f"seed-{r['id']}", r["text"]) for r in map(orjson.loads, open(SHARED / "seed-dev" / "documents_dev.jsonl",
                                                                             "rb"))]
    return {"reviews": reviews[:reviews_limit] if reviews_limit else reviews, "news": news, "wiki": wiki,
            "seed": seed}


def make_corpus(work: Path, reviews_limit: int) -> tuple[list[Path], list[str]]:
    work.mkdir(parents=True, exist_ok=True)
    files, texts = [], []
    for name, docs in sources(reviews_limit).items():
        path = work / f"{name}.jsonl"
        path.write_bytes(b"".join(orjson.dumps({"id": i, "text": t}) + b"\n" for i, t in docs))
        files.append(path)
        texts += [t for _, t in docs]
    return files, texts


def whole_run(files: list[Path], out: Path, workers: int, noop: bool, src: Path | None = None,
              report: bool = False) -> None:
    """`taosha clean` as a new process (with the code under `src` when given, e.g. main's, by PYTHONPATH): its
    wall seconds go to `WALL[out.name]`, its CPU seconds (user + system, the process and its workers) to
    `CPU[out.name]`, its trace (`TAOSHA_TRACE`: runners/trace.py; none from code that has no trace) to
    `TRACES[out.name]`, its stats.json to `STATS[out.name]`; `report`: with the report (the CLI's default), which the
    other runs leave out so that the figures are the pipeline's own."""
    taosha = Path(sys.executable).with_name("taosha")
    cmd = [str(taosha), "clean", *map(str, files), "-o", str(out), "--workers", str(workers), "-q",
           *([] if report else ["--no-report"])]
    if noop:
        toml = out.with_suffix(".toml")
        toml.write_text("steps = []\n", encoding="utf-8")
        cmd += ["--config", str(toml)]
    shutil.rmtree(out, ignore_errors=True)
    traced = out.with_name(out.name + ".trace.json")
    traced.unlink(missing_ok=True)
    env = dict(os.environ)
    env.pop(trace.ENV, None)
    if workers == 2 and not noop:  # only the run whose trace is read: the others pay no tracing
        env[trace.ENV] = str(traced)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    WALL.setdefault(out.name, []).append(time.perf_counter() - t)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(out.name, []).append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    SYS.setdefault(out.name, []).append((after.ru_stime - before.ru_stime, after.ru_minflt - before.ru_minflt))
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    TRACES.setdefault(out.name, []).append(orjson.loads(traced.read_bytes()) if traced.exists() else None)
    STATS.setdefault(out.name, []).append(orjson.loads((out / "stats.json").read_bytes()))


def compile_package(src: Path) -> None:
    """Bytecode for every module of taosha under `src`, as an installed package has it (see bench_dedup.py: with
    PYTHONDONTWRITEBYTECODE and an editable install, every run would compile the package again)."""
    import compileall

    compileall.compile_dir(str(src), quiet=1)


def step_times(texts: list[str], names: list[str] = DEFAULT_STEPS) -> dict[str, float]:
    """CPU seconds each of the steps `names` (the default pipeline's) takes over `texts` in this process (documents
    as the steps before left them; a two-pass step counts, runs its tasks, then cleans). CPU, not wall: on a shared
    machine the wall time of a step depends on what else runs, and a share of wall times with it."""
    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    times: dict[str, float] = {}
    for name in names:
        step = build_step(name, {})
        step.setup()
        t = time.process_time()
        if isinstance(step, CorpusStep):
            state = step.new_state()
            for at in range(0, len(docs), BATCH_DOCS):
                state = step.observe_batch(docs[at : at + BATCH_DOCS], state)
            state = step.merge(step.new_state(), state)
            while tasks := step.tasks(state):
                state = step.gather(state, [step.run_task(task) for task in tasks])
            step = step.prepare(state)
        out: list[Document] = []
        for at in range(0, len(docs), BATCH_DOCS):
            for d in step.process_batch(docs[at : at + BATCH_DOCS]):
                if isinstance(d, Exception):
                    raise d
                out.extend(d if isinstance(d, list) else [d])
        times[name] = time.process_time() - t
        docs = [d for d in out if d.dropped is None]
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=2, help="timed runs of each whole run; the best is reported")
    ap.add_argument("--reviews", type=int, default=0, help="use only the first N reviews (default: all)")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "real")
    ap.add_argument("--no-steps", action="store_true", help="skip the in-process time per step")
    ap.add_argument("--baseline", type=Path, help="another checkout's src (git archive main src | tar -x -C "
                    "/tmp/main): its whole runs too, interleaved with this code's")
    args = ap.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is absent: this benchmark reads real text from ../shared/corpora")
    files, texts = make_corpus(args.work / "in", args.reviews)
    mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"corpus: {len(texts):,} documents, {mb:.1f} MB JSONL in {len(files)} files "
          f"({', '.join(f'{p.stem} {p.stat().st_size / 1e6:.1f} MB' for p in files)})")
    import taosha

    compile_package(Path(taosha.__file__).parent)
    runs = [("out-noop", 1, True, None, False), ("out-1", 1, False, None, False), ("out-2", 2, False, None, False),
            ("out-1-report", 1, False, None, True)]
    if args.baseline:
        compile_package(args.baseline / "taosha")
        runs[1:1] = [("out-1-baseline", 1, False, args.baseline, False)]
        runs[3:3] = [("out-2-baseline", 2, False, args.baseline, False)]
        runs.append(("out-1-report-baseline", 1, False, args.baseline, True))
    for _ in range(args.repeat):  # interleaved: the machine's load moves during a run of the script
        for name, workers, noop, src, report in runs:
            whole_run(files, args.work / name, workers, noop, src, report)
    t_noop, t1, t2 = (min(WALL[name]) for name in ("out-noop", "out-1", "out-2"))
    same = all((args.work / "out-1" / d).exists() for d in ("kept", "dropped")) and _outputs(args.work / "out-1") == \
        _outputs(args.work / "out-2")
    print(f"no-op pipeline, 1 worker (whole process): {t_noop:.2f} s, {mb / t_noop:.1f} MB/s")
    for tag in ("baseline ", "") if args.baseline else ("",):
        sfx = "-baseline" if tag else ""
        t1, t2 = min(WALL["out-1" + sfx]), min(WALL["out-2" + sfx])
        print(f"{tag}default pipeline, 1 worker (whole process): {t1:.2f} s, {mb / t1:.1f} MB/s (goal >= "
              f"{GOAL_MB_S:g} MB/s per core); {t1 / t_noop:.1f}x the no-op pipeline's time (goal <= {GOAL_NOOP:g}x)")
        print(f"{tag}default pipeline, 2 workers (whole process): {t2:.2f} s, {mb / t2:.1f} MB/s; {t1 / t2:.2f}x one "
              f"worker (goal >= {GOAL_SCALE:g}x); output identical to one worker's: {'yes' if same else 'NO'}")
        # CPU time, which load on a shared machine disturbs far less than wall time: the least of the runs
        cpu_noop, cpu1, cpu2 = (min(CPU[name]) for name in ("out-noop", "out-1" + sfx, "out-2" + sfx))
        print(f"{tag}CPU time (user + system, whole process): no-op {cpu_noop:.2f} s; default 1 worker {cpu1:.2f} s, "
              f"{mb / cpu1:.1f} MB/s per core, {cpu1 / cpu_noop:.1f}x the no-op pipeline's; 2 workers {cpu2:.2f} s")
        critical_path(cpu1, sfx, tag)
        (s1, f1), (s2, f2) = (min(SYS[name]) for name in ("out-1" + sfx, "out-2" + sfx))
        print(f"{tag}system CPU and minor page faults (the least of the runs): 1 worker {s1:.2f} s, {f1:,}; "
              f"2 workers {s2:.2f} s, {f2:,}")
        runner_share("out-1" + sfx, tag)
        # what `taosha clean` as typed costs: the same run with its report (report.html, reports/)
        t_rep, cpu_rep = min(WALL["out-1-report" + sfx]), min(CPU["out-1-report" + sfx])
        print(f"{tag}with the report (the CLI's default), 1 worker: {t_rep:.2f} s, {mb / t_rep:.1f} MB/s; CPU "
              f"{cpu_rep:.2f} s, {mb / cpu_rep:.1f} MB/s per core, {cpu_rep / cpu_noop:.1f}x the no-op pipeline's; the "
              f"report {cpu_rep - cpu1:+.2f} s of CPU")
    if args.baseline:
        base = _outputs(args.work / "out-1-baseline") == _outputs(args.work / "out-1")
        print(f"output identical to the baseline's: {'yes' if base else 'NO'}")
    for tag in ("baseline ", "") if args.baseline else ("",):
        name = "out-1-baseline" if tag else "out-1"
        least = min(range(len(CPU[name])), key=CPU[name].__getitem__)  # the run runner_share reads
        steps_cpu = STATS[name][least].get("time_by_step", {})
        if steps_cpu:
            print(f"{tag}CPU time per step, 1-worker run with the least CPU (stats.json): " + ", ".join(
                f"{step} {v['seconds']:.2f} s" for step, v in sorted(steps_cpu.items(),
                                                                    key=lambda kv: -kv[1]["seconds"])))
    if not args.no_steps:
        step_times(texts[:3000])  # every table and model loaded: the steady state below, set-up apart
        times = step_times(texts)
        total = sum(times.values())
        print(f"time per step, in process over the whole corpus: {total:.2f} s, {mb / total:.1f} MB/s for the steps")
        for name, t in sorted(times.items(), key=lambda kv: -kv[1]):
            print(f"  {name:28s} {t:7.2f} s  {t / total:6.1%}")
    return 0 if same else 1


def runner_share(name: str, tag: str = "") -> None:
    """The 1-worker run's CPU outside the steps (issue #25's runner cost: start-up, reading, stages, writing): of
    the run with the least CPU, its CPU less its steps' (its stats.json; both move with the load)."""
    k = min(range(len(CPU[name])), key=CPU[name].__getitem__)
    cpu1, stats = CPU[name][k], STATS[name][k]
    steps = stats.get("time_by_step", {})
    if steps:
        in_steps = sum(v["seconds"] for v in steps.values())
        print(f"{tag}1 worker: steps {in_steps:.2f} s of CPU (stats.json), the rest (start-up, reading, stages, "
              f"writing) {cpu1 - in_steps:.2f} s")
        # the rest within each pass (its CPU less its steps'; a counting pass's tasks and `prepare` count as its
        # step's): reading, stages, output lines; what no pass holds is start-up, the steps' set-up, finishing
        passes = stats.get("time_by_pass", {})
        if passes and all("in_steps" in v for v in passes.values()):
            within = {name: v["seconds"] - v["in_steps"] for name, v in passes.items()}
            outside = cpu1 - sum(v["seconds"] for v in passes.values())
            print(f"{tag}  the rest by pass: " + ", ".join(f"{name} {t:.2f} s" for name, t in within.items())
                  + f"; outside the passes (start-up, the steps' set-up, finishing) {outside:.2f} s")


def critical_path(cpu1: float, sfx: str = "", tag: str = "") -> None:
    """What two workers would give with a core each, from CPU times (which the machine's other users disturb
    far less than wall time): the 2-worker run with the least CPU, its trace's critical path (runners/trace.py:
    the serial CPU, plus for each pass the larger of its busier worker's CPU, its units list-scheduled as they
    were handed out, and the pass's CPU over 2 cores) against the least CPU of the 1-worker runs."""
    cpus, traces = CPU["out-2" + sfx], TRACES["out-2" + sfx]
    k = min(range(len(cpus)), key=cpus.__getitem__)
    if traces[k] is None:
        print(f"{tag}projected 2 workers from CPU time: no trace (this code does not write TAOSHA_TRACE)")
        return
    s = trace.summary(traces[k], cpus[k], 2)
    print(f"{tag}projected 2 workers from CPU time: 1-worker CPU {cpu1:.2f} s / 2-worker critical path "
          f"{s['critical']:.2f} s (serial {s['serial']:.2f} s + passes {s['parallel']:.2f} s) = "
          f"{cpu1 / s['critical']:.2f}x one worker (goal >= {GOAL_SCALE:g}x)")
    for row in s["phases"]:
        if "path" in row:
            cpu = " / ".join(f"{c:.2f}" for c in row["workers"])
            print(f"  {row['name']:34s} path {row['path']:5.2f} s: workers' CPU {cpu} s, driver meanwhile "
                  f"{row['driver_during']:.2f} s, {row['units']} units (largest {row['largest_unit']:.2f} s); "
                  f"set-up before the fork {row['serial']:.2f} s")
        elif row["serial"] >= 0.01:
            print(f"  {row['name']:34s} serial {row['serial']:5.2f} s (in the driver)")


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for d in ("kept", "dropped", "quarantine") if (out / d).exists()
            for p in sorted((out / d).rglob("*")) if p.is_file()}


if __name__ == "__main__":
    sys.exit(main())
