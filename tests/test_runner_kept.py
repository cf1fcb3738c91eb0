"""The local runner's workers kept across the passes of a run (issue #25, `LocalRunner.kept`): a later pass sends its
function through the pipes instead of forking a new pool; the results and the output are the same."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import orjson
import pytest

import taosha
from taosha.config import PipelineConfig, RunnerConfig
from taosha.report.stats import without_timing
from taosha.runners import trace
from taosha.runners.local import LocalRunner


class _Pid:
    """fn(unit) -> (unit, the worker's pid)."""

    def __call__(self, unit: int, progress=None) -> tuple[int, int]:
        return unit, os.getpid()


class _Count:
    """fn(unit) -> {unit: 1}, folded by adding; with `die_at`, the worker holding that unit kills itself while
    `flag` exists (once)."""

    def __init__(self, die_at: int = -1, flag: str = "") -> None:
        self.die_at, self.flag = die_at, flag

    def __call__(self, unit: int, progress=None) -> dict[int, int]:
        if unit == self.die_at and os.path.exists(self.flag):
            os.unlink(self.flag)
            os.kill(os.getpid(), signal.SIGKILL)
        return {unit: 1}

    def fold(self, a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
        out = dict(a)
        for k, v in b.items():
            out[k] = out.get(k, 0) + v
        return out


class _SetsUpMeanwhile(_Pid):
    """A pass whose driver sets steps up while the workers run (as the first counting pass does)."""

    def meanwhile(self) -> None:
        pass


class _Burn:
    """fn(unit) -> unit, after `seconds` of CPU in the worker."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, unit: int, progress=None) -> int:
        began = time.process_time()
        while time.process_time() - began < self.seconds:
            pass
        return unit


def _pids(runner: LocalRunner, fn, units: list[int]) -> set[int]:
    results = runner.map_units(fn, units, None)
    assert [u for u, _ in results] == units
    return {pid for _, pid in results}


def _counted(runner: LocalRunner, fn, units: list[int]) -> dict[int, int]:
    total: dict[int, int] = {}
    runner.map_units(fn, units, None, lambda _, r: total.update(fn.fold(total, r)))
    return total


def test_kept_workers_serve_the_next_call_and_end_with_the_block():
    runner = LocalRunner(2)
    with runner.kept():
        first = _pids(runner, _Pid(), list(range(8)))
        assert len(first) == 2 and os.getpid() not in first
        assert _pids(runner, _Pid(), list(range(6))) == first  # the same processes, sent the new function
    assert not multiprocessing.active_children()
    # outside the block, each call forks its own workers and ends them, as before
    assert _pids(runner, _Pid(), list(range(4))).isdisjoint(first)
    assert not multiprocessing.active_children()


def test_a_kept_worker_folds_each_call_apart():
    """A counting pass's folded results hold that pass's units only: a kept worker starts each call's fold anew."""
    runner = LocalRunner(2)
    with runner.kept():
        assert _counted(runner, _Count(), list(range(10))) == {u: 1 for u in range(10)}
        assert _counted(runner, _Count(), list(range(20, 26))) == {u: 1 for u in range(20, 26)}
        assert _pids(runner, _Pid(), list(range(4)))  # and plain results after folded ones


def test_workers_are_forked_again_after_a_pass_that_set_steps_up_meanwhile():
    """The driver's set-up during a pass reaches the workers by fork: the next call does not reuse those."""
    runner = LocalRunner(2)
    with runner.kept():
        first = _pids(runner, _SetsUpMeanwhile(), list(range(4)))
        second = _pids(runner, _Pid(), list(range(4)))
        assert first.isdisjoint(second)
        assert _pids(runner, _Pid(), list(range(4))) == second


def test_a_function_that_does_not_pickle_gets_forked_workers():
    runner = LocalRunner(2)
    with runner.kept():
        first = _pids(runner, _Pid(), list(range(4)))

        def closure(unit, progress=None):  # a local function: only a fork passes it
            return unit, os.getpid()

        second = _pids(runner, closure, list(range(4)))
        assert first.isdisjoint(second)


class _Large(_Pid):
    """A function that holds more than kept workers are sent (a step holding a model of its own)."""

    def __init__(self) -> None:
        from taosha.runners.local import KEEP_MAX_BYTES

        self.model = bytes(KEEP_MAX_BYTES + 1)


def test_a_function_too_large_to_send_gets_forked_workers():
    runner = LocalRunner(2)
    with runner.kept():
        first = _pids(runner, _Pid(), list(range(4)))
        assert _pids(runner, _Large(), list(range(4))).isdisjoint(first)


class _LoadsOnlyHere(_Pid):
    """A function that pickles in the driver and fails to unpickle in a worker."""

    def __init__(self) -> None:
        self.pid = os.getpid()

    def __setstate__(self, state: dict) -> None:
        if os.getpid() != state["pid"]:
            raise RuntimeError("cannot load here")
        self.__dict__.update(state)


class _Mark(_Pid):
    """fn(unit) -> (unit, pid), leaving a file in `folder` for each unit it ran."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, unit: int, progress=None) -> tuple[int, int]:
        open(os.path.join(self.folder, f"{unit}-{os.getpid()}"), "w").close()
        return super().__call__(unit, progress)


def test_a_function_that_does_not_unpickle_in_a_kept_worker_fails_the_call_and_never_runs_the_last_one(tmp_path):
    runner = LocalRunner(2)
    with runner.kept():
        first = _pids(runner, _Mark(str(tmp_path)), list(range(4)))
        assert len(list(tmp_path.iterdir())) == 4
        with pytest.raises(RuntimeError, match="cannot load here"):
            runner.map_units(_LoadsOnlyHere(), list(range(10, 14)), None)
        assert len(list(tmp_path.iterdir())) == 4  # no unit of the failed call ran the previous function
        assert _pids(runner, _Pid(), list(range(4))).isdisjoint(first)  # the failed call's workers are gone


def test_a_kept_worker_that_dies_is_replaced_and_its_units_run_again(tmp_path):
    flag = tmp_path / "die"
    runner = LocalRunner(2)
    with runner.kept():
        assert _counted(runner, _Count(), list(range(6))) == {u: 1 for u in range(6)}
        flag.touch()
        assert _counted(runner, _Count(die_at=9, flag=str(flag)), list(range(12))) == {u: 1 for u in range(12)}
        assert not flag.exists(), "the worker should have died once"
        assert _counted(runner, _Count(), list(range(5))) == {u: 1 for u in range(5)}


def test_a_trace_counts_a_kept_workers_cpu_per_call(tmp_path, monkeypatch):
    """A kept worker reports the CPU of each call (from the function's arrival), not since its fork: otherwise
    every later pass would be charged the earlier passes' CPU in the critical path."""
    monkeypatch.setenv(trace.ENV, str(tmp_path / "trace.json"))
    runner = LocalRunner(2)
    traced = trace.start()
    try:
        with runner.kept():
            traced.phase("first: units")
            runner.map_units(_Burn(0.15), [0, 1, 2, 3], None)
            traced.phase("second: units")
            runner.map_units(_Burn(0.0), [0, 1, 2, 3], None)
            traced.phase("")
    finally:
        trace.stop()
    first, second = orjson.loads((tmp_path / "trace.json").read_bytes())["phases"]
    assert set(first["workers"]) == set(second["workers"]) == {"0", "1"}  # the same two workers
    assert sum(first["workers"].values()) >= 0.6
    assert sum(second["workers"].values()) < 0.3  # not the first call's CPU again


def test_a_run_forks_once_for_the_passes_after_the_first(tmp_path, monkeypatch):
    """Two counting passes and the main pass: the first pass's workers (the driver sets the later steps up
    meanwhile), then one pool for the second counting pass, its rounds of tasks and the main pass. The output is
    one worker's."""
    forks: list[int] = []
    real = LocalRunner._fork

    def counting(self, *args):
        forks.append(1)
        return real(self, *args)

    monkeypatch.setattr(LocalRunner, "_fork", counting)
    rows = []
    for i in range(240):
        site, j = f"s{i % 3}.cn", i % 120  # documents j and j + 120 are copies
        text = f"{site} 首页 | 关于我们 | 联系方式\n第{j}篇文章讲述了不同的内容，编号{j}。\n版权所有 {site}"
        rows.append(orjson.dumps({"id": f"d{i}", "text": text, "url": f"https://{site}/{i}"}))
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(b"\n".join(rows) + b"\n")
    outs = []
    for workers in (1, 2):
        cfg = PipelineConfig(steps=["clean.frequent_lines", "repair.whitespace", "dedup.near", "filter.empty"],
                             runner=RunnerConfig(workers=workers))
        cfg.input.chunk_bytes = 4096  # several units per pass
        stats = taosha.run([str(inp)], tmp_path / f"o{workers}", cfg)
        out = tmp_path / f"o{workers}"
        outs.append(({str(p.relative_to(out)): p.read_bytes() for d in ("kept", "dropped", "reports")
                      for p in sorted((out / d).rglob("*")) if p.is_file()}, without_timing(stats)))
    assert outs[0] == outs[1] and outs[0][1]["documents"]["dropped"] > 0
    assert len(forks) == 4  # two workers, two pools (seven pools of two before: a pool per pass and per round)
    assert not multiprocessing.active_children()
