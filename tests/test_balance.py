"""Balance between the workers (issue #25): counting passes folded in the workers, the trace of a run and its
critical path; the output stays the same whatever the worker count."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

import taosha
from taosha.config import PipelineConfig, RunnerConfig
from taosha.report.stats import without_timing
from taosha.runners import trace
from taosha.runners.local import LocalRunner
from taosha.step import Step, register

SET_UP: list[tuple[str, int]] = []  # (thread, live worker processes) of each set-up of test.setup_where


@register("test.setup_where")
@dataclass(frozen=True)
class SetupWhere(Step):
    """Records where and when it is set up (the first time in a process)."""

    def setup(self) -> None:
        if not SET_UP or SET_UP[-1][0] != "done":
            SET_UP.append((threading.current_thread().name, len(multiprocessing.active_children())))
            SET_UP.append(("done", 0))

    def process(self, doc):
        return doc


class _Sum:
    """fn(unit) -> {unit: 1}; `fold` adds such counts (commutative and associative, as `CorpusStep.merge`).
    With `die_at` set, the worker holding that unit kills itself while `flag` exists, the first time only."""

    def __init__(self, die_at: int = -1, flag: str = "", fold: bool = True) -> None:
        self.die_at, self.flag = die_at, flag
        if fold:
            self.fold = _add

    def __call__(self, unit: int, progress=None) -> dict[int, int]:
        if unit == self.die_at and os.path.exists(self.flag):
            os.unlink(self.flag)
            os.kill(os.getpid(), signal.SIGKILL)
        return {unit: 1}


def _add(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _collect(fn, units, workers=2) -> tuple[dict[int, int], int]:
    total: dict[int, int] = {}
    calls = [0]

    def on_result(_: int, result: dict[int, int]) -> None:
        calls[0] += 1
        total.update(_add(total, result))

    LocalRunner(workers).map_units(fn, units, None, on_result)
    return total, calls[0]


def test_a_counting_pass_sends_one_folded_result_per_worker():
    """Each worker folds its units' results: the driver gets at most one per worker, and their total is what one
    result per unit adds up to."""
    units = list(range(12))
    folded, calls = _collect(_Sum(), units)
    assert folded == {u: 1 for u in units} and calls <= 2
    plain, calls = _collect(_Sum(fold=False), units)
    assert plain == folded and calls == len(units)


def test_the_units_a_dead_worker_had_folded_are_run_again(tmp_path):
    """A worker that dies takes the results it had folded with it: those units run again on a fresh worker, each
    counted once in the total."""
    flag = tmp_path / "die"
    flag.touch()
    units = list(range(12))
    folded, _ = _collect(_Sum(die_at=9, flag=str(flag)), units)
    assert not flag.exists(), "the worker should have died once"
    assert folded == {u: 1 for u in units}


class _Bomb(dict):
    """Counts that kill the process pickling them (a worker handing back its folded result) while `flag` exists."""

    def __init__(self, counts: dict[int, int], flag: str) -> None:
        super().__init__(counts)
        self.flag = flag

    def __reduce__(self):
        if os.path.exists(self.flag):
            os.kill(os.getpid(), signal.SIGKILL)
        return (dict, (dict(self),))


class _BombSum(_Sum):
    def __call__(self, unit: int, progress=None) -> dict[int, int]:
        return _Bomb({unit: 1}, self.flag)


def _add_bombs(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    flag = getattr(a, "flag", "") or getattr(b, "flag", "")
    return _Bomb(_add(a, b), flag)


def test_a_worker_that_dies_handing_back_its_folded_result_has_its_units_run_again_then_stops_the_run(tmp_path):
    from taosha.runners.local import WorkerDiedError

    flag = tmp_path / "die"
    flag.touch()
    fn = _BombSum(flag=str(flag))
    fn.fold = _add_bombs
    with pytest.raises(WorkerDiedError, match="died handing back what it had counted, 2 times"):
        _collect(fn, list(range(6)))


def _corpus(path: Path) -> Path:
    """Sites whose lines repeat (clean.frequent_lines), copies (dedup.exact): a counting pass with states to fold."""
    rows = []
    for i in range(240):
        site, j = f"s{i % 3}.cn", i % 120  # documents j and j + 120 are copies
        text = f"{site} 首页 | 关于我们 | 联系方式\n第{j}篇文章讲述了不同的内容，编号{j}。\n版权所有 {site}"
        rows.append(orjson.dumps({"id": f"d{i}", "text": text, "url": f"https://{site}/{i}"}))
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for d in ("kept", "dropped", "quarantine", "reports")
            if (out / d).exists() for p in sorted((out / d).rglob("*")) if p.is_file()}


def test_folded_counting_passes_give_the_same_output_for_1_and_2_workers(tmp_path):
    inp = _corpus(tmp_path / "in.jsonl")
    steps = ["clean.frequent_lines", "dedup.exact", "filter.empty"]
    outs = []
    for workers in (1, 2):
        cfg = PipelineConfig(steps=steps, runner=RunnerConfig(workers=workers))
        cfg.input.chunk_bytes = 4096  # many units, several folded in each worker
        stats = taosha.run([str(inp)], tmp_path / f"o{workers}", cfg)
        outs.append((_tree(tmp_path / f"o{workers}"), without_timing(stats)))
    assert outs[0] == outs[1]
    assert outs[0][1]["documents"]["dropped"] == 120  # the copies
    assert outs[0][1]["edits_by"].get("clean.frequent_lines")  # the sites' repeated lines


def test_a_traced_run_records_its_phases_and_units(tmp_path, monkeypatch):
    """With TAOSHA_TRACE set, the run writes where its time went: every unit of every pass once, on a worker;
    unset (the default), nothing is written and the output is the same."""
    inp = _corpus(tmp_path / "in.jsonl")
    cfg = PipelineConfig(steps=["clean.frequent_lines", "filter.empty"], runner=RunnerConfig(workers=2))
    cfg.input.chunk_bytes = 4096
    path = tmp_path / "trace.json"
    monkeypatch.setenv(trace.ENV, str(path))
    taosha.run([str(inp)], tmp_path / "traced", cfg)
    monkeypatch.delenv(trace.ENV)
    taosha.run([str(inp)], tmp_path / "plain", cfg)
    assert _tree(tmp_path / "traced") == _tree(tmp_path / "plain")
    got = orjson.loads(path.read_bytes())
    names = [p["name"] for p in got["phases"]]
    assert names[0] == "set-up" and names[-1] == "finish"
    assert "count clean.frequent_lines: units" in names and "main: units" in names
    units = len(orjson.loads((tmp_path / "traced" / "run.json").read_bytes())["units"])
    for p in got["phases"]:
        if p["name"].endswith(": units"):
            assert sorted(u["index"] for u in p["units"]) == list(range(units))
            assert {u["worker"] for u in p["units"]} <= {0, 1} and set(p["workers"]) <= {"0", "1"}
    s = trace.summary(got)
    assert 0 < s["serial"] < s["critical"]


def test_the_critical_path_takes_the_busier_worker_or_the_shared_cores():
    """Per phase: the larger of the units list-scheduled in their handout order and the phase's CPU over the
    cores; plus what the driver did alone."""
    assert trace.makespan([3, 1, 1, 1], 2) == 3
    assert trace.makespan([1, 1, 1, 3], 2) == 4  # the large unit last: it ends the phase alone
    units = [{"index": i, "worker": i % 2, "cpu": c, "began": float(i), "ended": i + 1.0}
             for i, c in enumerate([1.0, 1.0, 1.0, 3.0])]
    t = {"startup_cpu": 0.5, "end_cpu": 1.0, "phases": [
        {"name": "set-up", "driver_cpu": 0.1, "wall": 0.1, "units": [], "workers": {}},
        {"name": "main: units", "driver_cpu": 0.2, "pre_fork_cpu": 0.1, "wall": 5.0, "units": units,
         "workers": {"0": 2.0, "1": 4.0}},
    ]}
    s = trace.summary(t)
    # serial: start-up 0.5, the set-up phase 0.1, the set-up before the fork 0.1, the rest of the driver's CPU
    # outside phases (1.0 - 0.5 - 0.3 = 0.2); the phase: units list-scheduled 1, 1, 1, 3 -> 4.0
    assert s["serial"] == pytest.approx(0.9)
    assert s["phases"][1]["path"] == pytest.approx(4.0)
    assert s["critical"] == pytest.approx(4.9)
    # the whole run's CPU measured outside (workers included): the serial part is what the phases leave
    assert trace.summary(t, whole_cpu=7.5)["serial"] == pytest.approx(7.5 - 6.0 - 0.1)


def test_the_next_pass_is_set_up_while_the_workers_count(tmp_path):
    """While the workers run a counting pass, the driver sets up the steps of the next pass in a thread (they
    are then forked set up): not alone between the passes, with the workers gone."""
    inp = _corpus(tmp_path / "in.jsonl")
    cfg = PipelineConfig(steps=["clean.frequent_lines", "test.setup_where", "dedup.exact"],
                         runner=RunnerConfig(workers=2))
    cfg.input.chunk_bytes = 4096
    SET_UP.clear()
    taosha.run([str(inp)], tmp_path / "o", cfg)
    (thread, children), _ = SET_UP
    assert thread == "taosha-aside" and children == 2
    SET_UP.clear()
    cfg.runner.workers = 1  # in-process: set up when first used, as before
    taosha.run([str(inp)], tmp_path / "o1", cfg)
    assert SET_UP[0] == ("MainThread", 0)
    assert _tree(tmp_path / "o") == _tree(tmp_path / "o1")


class _SumRerunDies(_Sum):
    """`_Sum` whose worker dies at `die_at` (while `flag` exists), then once more on a unit it runs a second time
    (while `again` exists): a unit re-run because its folded result died with another unit's worker."""

    def __init__(self, die_at: int, flag: str, again: str, done: str) -> None:
        super().__init__(die_at, flag)
        self.again, self.done = again, done

    def __call__(self, unit: int, progress=None) -> dict[int, int]:
        marker = os.path.join(self.done, str(unit))
        if os.path.exists(marker) and os.path.exists(self.again):
            os.unlink(self.again)
            os.kill(os.getpid(), signal.SIGKILL)
        out = super().__call__(unit, progress)
        open(marker, "w").close()
        return out


def test_a_unit_run_again_for_a_lost_fold_still_gets_its_own_retry(tmp_path):
    """Units re-run only because their folded result died with another unit's worker have not failed: their own
    death on the re-run is their first, and gets the retry any unit gets (it ended the run before)."""
    flag, again, done = tmp_path / "die", tmp_path / "again", tmp_path / "done"
    flag.touch()
    again.touch()
    done.mkdir()
    units = list(range(12))
    folded, _ = _collect(_SumRerunDies(9, str(flag), str(again), str(done)), units)
    assert not flag.exists() and not again.exists(), "both deaths should have happened"
    assert folded == {u: 1 for u in units}


def test_a_trace_that_cannot_be_written_does_not_fail_the_run(tmp_path, monkeypatch, capsys):
    inp = _corpus(tmp_path / "in.jsonl")
    monkeypatch.setenv(trace.ENV, str(tmp_path / "absent" / "trace.json"))
    cfg = PipelineConfig(steps=["filter.empty"], runner=RunnerConfig(workers=1))
    stats = taosha.run([str(inp)], tmp_path / "o", cfg)
    assert stats["documents"]["kept"] == 240
    assert (tmp_path / "o" / "stats.json").exists() and "trace" in capsys.readouterr().err


class _Meeting(dict):
    """Counts whose pickling (a worker handing back its folded result) waits, up to a minute, for the other
    worker to be pickling its own; whether it met it travels with the counts (under the key -1)."""

    def __init__(self, counts: dict[int, int], folder: str) -> None:
        super().__init__(counts)
        self.folder = folder

    def __reduce__(self):
        import time

        folder = Path(self.folder)
        (folder / str(os.getpid())).touch()
        deadline = time.monotonic() + 60
        while len(list(folder.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        return (dict, ({**self, -1: len(list(folder.iterdir())) >= 2},))


class _MeetingSum(_Sum):
    def __call__(self, unit: int, progress=None) -> dict[int, int]:
        return _Meeting({unit: 1}, self.flag)


def test_the_workers_hand_back_their_folded_results_at_once(tmp_path):
    """The driver asks every worker for its folded result before it reads any: the workers pickle their states
    (16 MiB each for clean.frequent_lines) side by side, not one after the other on the run's critical path."""
    fn = _MeetingSum(flag=str(tmp_path))
    fn.fold = lambda a, b: _Meeting(_add(a, b), fn.flag)
    results: list[dict[int, int]] = []
    LocalRunner(2).map_units(fn, [0, 1], None, lambda _, r: results.append(r))  # one unit for each worker
    assert len(results) == 2 and all(r[-1] is True for r in results)


class _Costly(dict):
    """Counts that take 0.2 s of CPU to pickle (a large state handed back)."""

    def __reduce__(self):
        import time

        began = time.process_time()
        while time.process_time() - began < 0.2:
            pass
        return (dict, (dict(self),))


class _CostlySum(_Sum):
    def __call__(self, unit: int, progress=None) -> dict[int, int]:
        return _Costly({unit: 1})


def test_a_trace_counts_handing_back_a_folded_result_as_the_workers_cpu(tmp_path, monkeypatch):
    """The CPU a worker spends pickling its folded result is the worker's in the trace (it runs side by side with
    the other workers'), not the driver's serial time of the critical path."""
    fn = _CostlySum()
    fn.fold = lambda a, b: _Costly(_add(a, b))
    monkeypatch.setenv(trace.ENV, str(tmp_path / "trace.json"))
    traced = trace.start()
    try:
        traced.phase("count: units")
        LocalRunner(2).map_units(fn, [0, 1, 2, 3], None, lambda _, r: None)
        workers = dict(traced._open["workers"])
    finally:
        trace.stop()
    assert len(workers) == 2 and all(cpu >= 0.2 for cpu in workers.values())
