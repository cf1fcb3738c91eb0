"""CPU time per step and per pass in stats.json (`time_by_step`, `time_by_pass`), the summary and the HTML
report; a progress bar told of each pass and, within a unit, of how far it got."""

from __future__ import annotations

import io
import itertools

import orjson
from rich.console import Console

import taosha
from taosha import PipelineConfig, StepSpec
from taosha.report.html import build_report
from taosha.report.render import print_summary
from taosha.report.stats import TIMING_KEYS, without_timing


def corpus(root, files=2, per_file=30):
    root.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        rows = [{"id": f"f{f}-{i}", "text": f"第{i}篇：今年以来，全镇经济稳步增长，{i % 7}号项目顺利完工。"}
                for i in range(per_file)]
        (root / f"part{f}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return root


def busy_config(workers: int) -> PipelineConfig:
    cfg = PipelineConfig(steps=[StepSpec("repair.whitespace"), StepSpec("test.busy", {"seconds": 0.002}),
                                StepSpec("dedup.exact"), StepSpec("filter.empty")])
    cfg.plugins = ["taosha_test_steps"]
    cfg.runner.workers = workers
    return cfg


def test_time_by_step_and_pass_are_in_stats_json(tmp_path):
    inp = corpus(tmp_path / "in")
    stats = taosha.run([str(inp)], tmp_path / "o", busy_config(2))
    saved = orjson.loads((tmp_path / "o" / "stats.json").read_bytes())
    assert saved["time_by_step"] == stats["time_by_step"] and saved["time_by_pass"] == stats["time_by_pass"]
    steps, passes = stats["time_by_step"], stats["time_by_pass"]
    # test.busy burns 2 ms of CPU on each of 60 documents, once: in dedup.exact's counting pass, which stages the
    # documents after it (it is not `cheap`), so that the main pass starts after it
    busy = steps["test.busy"]
    assert set(busy["by_pass"]) == {"counting for dedup.exact"}
    assert busy["seconds"] >= 60 * 0.002 - 0.001
    assert set(steps["dedup.exact"]["by_pass"]) <= {"counting for dedup.exact", "main"}
    assert set(passes) == {"counting for dedup.exact", "main"}
    for p in passes.values():
        assert p["seconds"] >= p["in_steps"] - 0.002  # rounding of the two sums
    assert passes["counting for dedup.exact"]["in_steps"] >= busy["seconds"] - 0.002
    # the times are not part of what a run must reproduce: the rest of stats.json is byte for byte the same
    again = taosha.run([str(inp)], tmp_path / "o1", busy_config(1))
    assert without_timing(again) == without_timing(stats)
    assert set(TIMING_KEYS) <= set(saved)


def test_a_resumed_or_finished_run_keeps_the_time_of_its_counting_passes(tmp_path):
    inp = corpus(tmp_path / "in")
    first = taosha.run([str(inp)], tmp_path / "o", busy_config(1))
    rerun = taosha.run([str(inp)], tmp_path / "o", busy_config(1))  # everything done: stats.json rebuilt
    assert rerun["time_by_pass"] == first["time_by_pass"] and rerun["time_by_step"] == first["time_by_step"]


def test_the_summary_and_the_report_show_the_times(tmp_path):
    inp = corpus(tmp_path / "in")
    stats = taosha.run([str(inp)], tmp_path / "o", busy_config(1))
    buf = io.StringIO()
    print_summary(stats, tmp_path / "o", 1.0, Console(file=buf, width=160))
    shown = buf.getvalue()
    assert "CPU time (process time, summed over workers)" in shown
    assert "test.busy" in shown and "pass: counting for dedup.exact" in shown and "pass: main" in shown
    page = build_report(tmp_path / "o").read_text(encoding="utf-8")
    section = page.split('<section id="timing">', 1)[1].split("</section>", 1)[0]
    assert "test.busy" in section and "counting for dedup.exact" in section and "reading, parsing, writing" in section


class Recorder:
    """A progress callback that is also told of the passes."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def phase(self, name: str, total: int | None) -> None:
        self.events.append(("phase", name, total))

    def __call__(self, docs: int, nbytes: int) -> None:
        self.events.append(("progress", docs, nbytes))


def test_progress_names_each_pass_and_advances_within_a_unit(tmp_path):
    inp = corpus(tmp_path / "in", files=1, per_file=1500)  # one unit, read in several steps
    cfg = busy_config(1)
    cfg.steps[1].params["seconds"] = 0.0
    rec = Recorder()
    stats = taosha.run([str(inp)], tmp_path / "o", cfg, progress=rec)
    size = stats["input"]["bytes"]
    phases = [e for e in rec.events if e[0] == "phase"]
    assert phases == [("phase", "pass 1/2 count dedup.exact", size), ("phase", "pass 2/2 main", size)]
    # per pass: several reports for the one unit (not one at its end), adding up to its documents and bytes
    at = [i for i, e in enumerate(rec.events) if e[0] == "phase"] + [len(rec.events)]
    for start, end in itertools.pairwise(at):
        reports = [e for e in rec.events[start + 1 : end] if e[0] == "progress"]
        assert len([r for r in reports if r[1] or r[2]]) >= 2, rec.events[start]
        assert sum(r[1] for r in reports) == 1500 and sum(r[2] for r in reports) == size


def test_a_runner_that_reports_progress_from_results_covers_every_pass(tmp_path):
    # Ray's workers get no progress callback: the runner reports each unit as its result arrives, counting
    # passes included (they showed no progress at all)
    from taosha.runners.core import execute, plan_run, read_by

    inp = corpus(tmp_path / "in", files=3, per_file=200)
    cfg = busy_config(1)
    cfg.steps[1].params["seconds"] = 0.0

    def map_units(fn, units, progress, on_result=None):
        results = []
        for i, unit in enumerate(units):
            result = fn(unit, None)
            if progress is not None and (read := read_by(result)):
                progress(*read)
            if on_result is not None:
                on_result(i, result)
            results.append(result)
        return results

    rec = Recorder()
    plan = plan_run([str(inp)], tmp_path / "o", cfg)
    try:
        stats = execute(plan, map_units, rec)
    finally:
        plan.release()
    at = [i for i, e in enumerate(rec.events) if e[0] == "phase"] + [len(rec.events)]
    assert len(at) == 3  # the counting pass and the main pass
    for start, end in itertools.pairwise(at):
        reports = [e for e in rec.events[start + 1 : end] if e[0] == "progress"]
        assert sum(r[1] for r in reports) == 600 and sum(r[2] for r in reports) == stats["input"]["bytes"]


def test_a_unit_of_many_small_text_files_advances_file_by_file(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for k in range(200):  # more than GROUP_FROM files: the small ones are grouped, several to a unit
        (inp / f"{k:03d}.txt").write_text(f"第{k}篇：今天天气很好，我们去公园散步。" * 3, encoding="utf-8")
    rec = Recorder()
    cfg = taosha.PipelineConfig()
    cfg.runner.workers = 1
    stats = taosha.run([str(inp)], tmp_path / "o", cfg, steps=["repair.nfc"], progress=rec)
    assert stats["documents"]["in"] == 200
    reports = [e for e in rec.events if e[0] == "progress" and e[2]]
    assert len(reports) >= 200  # each file as it is read, not once for the unit that groups it
    assert sum(e[2] for e in reports) == stats["input"]["bytes"]
