"""The HTML report at scale: its size, the time to build it and to open it in headless Chromium, for the demo
run and for a simulated crawl of about `--docs` documents (bench_pipeline.py's generator), and what collecting
the sample costs the run: RunSample.add over the run's output documents against the run's own time, and the
default pipeline on one worker with and without the runner's sample hook, interleaved on the same files
(`--ab-mb`, best of `--repeat`).

Goals (issue 20): under 5 MB for a run of 100k documents; opens in under 2 s.

    python bench/bench_report.py [--docs 100000] [--workers 2] [--ab-mb 10] [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import taosha
from taosha import PipelineConfig
from taosha.document import Document, Drop, Edit
from taosha.io.writers import iter_records
from taosha.report.html import build_report
from taosha.report.sample import RunSample
from taosha.synth.demo import write_demo_corpus

sys.path.insert(0, str(Path(__file__).parent))
from bench_pipeline import make_crawl


def load_time(page: Path) -> str:
    """Navigation start to the load event in headless Chromium, best of three (ms), or why not measured."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return "not measured (no chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "not measured (no playwright)"
    best = float("inf")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for _ in range(3):
            tab = browser.new_page(viewport={"width": 1300, "height": 900})
            tab.goto(page.as_uri(), wait_until="load")
            best = min(best, tab.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            tab.close()
        browser.close()
    return f"{best / 1000:.2f} s to the load event"


def sample_cost(out: Path, cfg: PipelineConfig) -> float:
    """Seconds RunSample.add takes over every output document of the run (read back, not timed)."""
    docs = []
    for sink in ("kept", "dropped"):
        for shard in sorted((out / sink).glob("part-*.jsonl.zst")):
            for r in iter_records(shard):
                d = Document(r["id"], r["text"], r["metadata"], r["source"], signals=r["signals"],
                             edits=[Edit.from_json(e) for e in r["edits"]], parent=r.get("parent"))
                if r.get("drop"):
                    d.dropped = Drop(**r["drop"])
                docs.append(d)
    sample = RunSample.for_steps(cfg.build())
    t = time.perf_counter()
    for d in docs:
        sample.add(d)
    sample.to_json()
    return time.perf_counter() - t


def measure(name: str, inputs: list[str], out: Path, cfg: PipelineConfig) -> None:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    stats = taosha.run(inputs, out, cfg)
    t_run = time.perf_counter() - t
    t = time.perf_counter()
    page = build_report(out)
    t_build = time.perf_counter() - t
    t_sample = sample_cost(out, cfg)
    docs = stats["documents"]["in"]
    sample_mb = (out / "reports" / "sample.json").stat().st_size / 1e6
    share = 100 * t_sample / (t_run * cfg.runner.workers)
    print(f"{name}: {docs:,} documents, run {t_run:,.1f} s ({cfg.runner.workers} workers); "
          f"report {page.stat().st_size / 1e6:.2f} MB (goal < 5 MB), built in {t_build:.2f} s, "
          f"opens in {load_time(page)} (goal < 2 s); sample.json {sample_mb:.2f} MB; "
          f"collecting the sample: {t_sample:.2f} s of work, {share:.1f}% of the run's worker time")


def hook_cost(files: list[Path], work: Path, repeat: int) -> None:
    """The default pipeline on one worker with the sample hook and with it switched off (a pass-through, no
    sample in the markers), interleaved, best of `repeat` each."""
    cfg = PipelineConfig()
    cfg.runner.workers = 1
    taking, to_json = RunSample.taking, RunSample.to_json
    best = {"with": float("inf"), "without": float("inf")}
    docs = 0
    taosha.run([str(files[0])], work / "ab-warm", cfg, overwrite=True)  # tables loaded once, as in a long run
    for _ in range(repeat):
        for mode in ("without", "with"):
            if mode == "without":
                RunSample.taking = lambda self, items: items  # type: ignore[method-assign]
                RunSample.to_json = lambda self: {}  # type: ignore[method-assign]
            try:
                t = time.process_time()  # CPU time of this process (one worker runs in it): less noisy than wall
                docs = taosha.run([str(p) for p in files], work / f"ab-{mode}", cfg, overwrite=True)["documents"]["in"]
                best[mode] = min(best[mode], time.process_time() - t)
            finally:
                RunSample.taking, RunSample.to_json = taking, to_json  # type: ignore[method-assign]
    print(f"sample hook, default pipeline, 1 worker, {docs:,} documents: {best['with']:.1f} s CPU with, "
          f"{best['without']:.1f} s without: {best['with'] / best['without']:.3f}x (best of {repeat})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path(__file__).parent / "work")
    ap.add_argument("--ab-mb", type=int, default=10, help="MB of simulated crawl for the with/without-hook runs")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    cfg = PipelineConfig()
    cfg.runner.workers = args.workers
    demo = args.work / "report-demo"
    write_demo_corpus(demo / "input")
    measure("demo", [str(demo / "input")], demo / "out", cfg)
    files = make_crawl(args.work, max(1, round(args.docs / 400)))  # about 400 documents per MB
    measure("simulated crawl", [str(p) for p in files], args.work / "report-crawl", cfg)
    if args.ab_mb:
        hook_cost(make_crawl(args.work, args.ab_mb, seed=5), args.work, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
