"""Where a run's time goes between the driver and its workers: a trace for measuring balance (issue #25).

Off unless `TAOSHA_TRACE` names a file: then the driver records, for each phase of `execute` (set-up, each
pass's units, the tasks between a two-pass step's passes, preparing it, finishing), its own wall and CPU time,
and for each unit or task the worker that ran it, when, and the CPU seconds it took there (measured in the
worker); each worker's CPU from its start to its last result. At the end of the run the trace is written as
JSON. `summary(trace)` computes the critical path from CPU times, which load on a shared machine disturbs far
less than wall time (`bench/bench_real.py` prints it). The trace never changes the output.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import orjson

ENV = "TAOSHA_TRACE"


class Trace:
    """The driver's record of one run: phases in order, each with its units' or tasks' costs."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.began_cpu = time.process_time()  # the driver's CPU before the run: start-up (imports, planning)
        self.phases: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def phase(self, name: str) -> None:
        """Close the current phase and open `name` (from now until the next call)."""
        now, cpu, faults = time.perf_counter(), time.process_time(), page_faults()
        if self._open is not None:
            self._open["wall"] = now - self._open.pop("_wall")
            self._open["driver_cpu"] = cpu - self._open.pop("_cpu")
            self._open["driver_faults"] = faults - self._open.pop("_faults")
            self.phases.append(self._open)
        self._open = ({"name": name, "_wall": now, "_cpu": cpu, "_faults": faults, "units": [], "workers": {}}
                      if name else None)

    def unit(self, index: int, worker: int, cpu: float, began: float, ended: float) -> None:
        """A unit or task `index` ran on worker slot `worker` (-1: in the driver) for `cpu` seconds."""
        if self._open is not None:
            self._open["units"].append({"index": index, "worker": worker, "cpu": round(cpu, 4),
                                        "began": began, "ended": ended})

    def worker(self, slot: int, cpu: float, faults: int) -> None:
        """Worker `slot`'s CPU seconds since it was forked, and its minor page faults (pages it copied from the
        driver's, or took new), as of its latest result."""
        if self._open is not None:
            self._open["workers"][str(slot)] = round(cpu, 4)
            self._open.setdefault("faults", {})[str(slot)] = faults

    def pre_fork(self, cpu: float) -> None:
        """CPU seconds the driver spent setting the steps up before forking this phase's workers."""
        if self._open is not None:
            self._open["pre_fork_cpu"] = self._open.get("pre_fork_cpu", 0.0) + cpu

    def close(self) -> None:
        self.phase("")
        blob = {"startup_cpu": self.began_cpu, "phases": self.phases, "end_cpu": time.process_time()}
        with open(self.path, "wb") as fh:
            fh.write(orjson.dumps(blob, option=orjson.OPT_INDENT_2))


def page_faults() -> int:
    """This process's minor page faults so far (0 where `resource` is missing)."""
    try:
        import resource
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


_CURRENT: Trace | None = None


def current() -> Trace | None:
    return _CURRENT


def start() -> Trace | None:
    """Begin tracing this run when `TAOSHA_TRACE` is set (in the driver only)."""
    global _CURRENT
    path = os.environ.get(ENV)
    _CURRENT = Trace(path) if path else None
    return _CURRENT


def stop() -> None:
    """Write the trace. A trace that cannot be written is said on stderr, not raised: the run it traced has
    finished (or failed for its own reason), and the trace never changes a run's outcome."""
    global _CURRENT
    if _CURRENT is not None:
        try:
            _CURRENT.close()
        except OSError as exc:
            print(f"taosha: warning: the trace ({ENV}) was not written: {exc}", file=sys.stderr)
        finally:
            _CURRENT = None


def makespan(costs: list[float], workers: int, start: float = 0.0) -> float:
    """The time `workers` (each free from `start`) take over `costs` handed out in this order, each to the
    first free worker."""
    free = [start] * workers
    for c in costs:
        k = free.index(min(free))
        free[k] += c
    return max(free, default=0.0)


def summary(trace: dict[str, Any], whole_cpu: float | None = None, workers: int = 2) -> dict[str, Any]:
    """The critical path of a traced run in CPU seconds, as if each worker had a core of its own:

    - serial: what the driver does alone (start-up, set-up before each fork, the tasks run in the driver,
      `prepare`, `finish`): `whole_cpu` (the whole run's CPU, workers included, where the caller measured it)
      less the CPU of the phases run in workers, else the driver's own CPU outside them;
    - for each phase run in workers: the larger of (a) the busiest worker in a list schedule of the phase's
      units, in the order they were handed out, at the CPU each took, each worker starting after its share of
      the phase's CPU outside units (fork, results pickled) and (b) the phase's whole CPU (its workers' and the
      driver's meanwhile) over `workers` cores.

    `critical` is their sum; `phases` lists each phase's figures."""
    rows = []
    parallel = in_workers = 0.0
    driver_serial = trace["startup_cpu"] + max(0.0, trace["end_cpu"] - trace["startup_cpu"]
                                               - sum(p["driver_cpu"] for p in trace["phases"]))
    for p in trace["phases"]:
        cpus = list(p["workers"].values())
        pre = p.get("pre_fork_cpu", 0.0)
        if not cpus:  # ran in the driver
            driver_serial += p["driver_cpu"]
            rows.append({"name": p["name"], "serial": p["driver_cpu"], "wall": p["wall"]})
            continue
        during = max(0.0, p["driver_cpu"] - pre)
        driver_serial += pre
        units = sorted(p["units"], key=lambda u: u["began"])
        outside = max(0.0, sum(cpus) - sum(u["cpu"] for u in units)) / len(cpus)
        scheduled = makespan([u["cpu"] for u in units], workers, outside)
        path = max(scheduled, (sum(cpus) + during) / workers)
        parallel += path
        in_workers += sum(cpus) + during
        rows.append({"name": p["name"], "serial": pre, "driver_during": during, "workers": cpus,
                     "units": len(units), "largest_unit": max((u["cpu"] for u in units), default=0.0),
                     "scheduled": scheduled, "path": path, "wall": p["wall"]})
    serial = driver_serial if whole_cpu is None else max(0.0, whole_cpu - in_workers)
    return {"serial": serial, "parallel": parallel, "critical": serial + parallel, "phases": rows}
