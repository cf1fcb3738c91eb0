"""The embedded default: units run in worker processes on this machine (or in-process with 1 worker).

Each worker has its own pipe, and the driver hands it one unit at a time, so the driver always knows which
unit a worker holds. A worker that dies (the out-of-memory killer's SIGKILL, a crash in native code) is
noticed at once through its process sentinel: its unit is given to a fresh worker once more, and when that
one dies too the run stops with the unit named (`WorkerDiedError`). Finished units are committed as they
arrive, so running the same command again resumes after either.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from taosha.errors import TaoshaError
from taosha.io.readers import Unit
from taosha.runners.core import Progress

ATTEMPTS = 2  # a unit whose worker dies is run once more, then the run fails with the unit named


class WorkerDiedError(TaoshaError):
    """A worker process died (killed, or crashed in native code) while it held a unit, on every attempt."""


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalRunner:
    """Apply a function to units with `workers` processes; results come back in unit order."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers if workers > 0 else default_workers()

    def map_units(
        self,
        fn: Callable[..., Any],
        units: list[Unit],
        progress: Progress | None,
        on_result: Callable[[int, Any], None] | None = None,
    ) -> list[Any]:
        workers = min(self.workers, len(units))
        results: list[Any] = [None] * len(units)

        def deliver(i: int, result: Any) -> None:
            if on_result is not None:
                on_result(i, result)  # handed over, not kept: results can be large (two-pass states)
            else:
                results[i] = result

        if workers <= 1:
            for i, u in enumerate(units):
                deliver(i, fn(u, progress))
            return results
        # fork is cheap and inherits registered plugin steps; spawn where fork is unavailable
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        if ctx.get_start_method() == "fork" and hasattr(fn, "ready"):
            fn.ready()  # load tables and models once, before forking: the workers share the pages
        pool = [_Worker(ctx, fn, progress is not None) for _ in range(workers)]
        todo = deque(handout_order(units))
        attempts = [0] * len(units)
        left = len(units)
        try:
            while left:
                for w in pool:
                    if w.unit is None and todo:
                        i = todo.popleft()
                        attempts[i] += 1
                        w.give(i, units[i])
                busy = [w for w in pool if w.unit is not None]
                wait([c for w in busy for c in (w.conn, w.proc.sentinel)])
                for k, w in enumerate(pool):
                    if w.unit is None:
                        continue
                    i = w.unit
                    try:
                        for kind, value in w.messages():
                            if kind == "progress":
                                if progress is not None:
                                    progress(*value)
                            elif kind == "error":  # surface a worker's error at once, not after the others
                                raise value
                            else:
                                w.unit = None
                                left -= 1
                                deliver(i, value)
                                break
                    except _Died:
                        pass
                    if w.unit is not None and not w.proc.is_alive():
                        w.close()
                        pool[k] = _Worker(ctx, fn, progress is not None)
                        if attempts[i] >= ATTEMPTS:
                            raise WorkerDiedError(
                                f"{describe_unit(units[i], i)}: its worker process died on each of {attempts[i]} "
                                f"attempts ({_exit_reason(w.proc.exitcode)}; the out-of-memory killer does "
                                "this). Finished units are kept: run the same command again to resume, after "
                                "freeing memory or with fewer --workers."
                            )
                        todo.appendleft(i)
        finally:
            for w in pool:
                w.close()
        return results


def handout_order(units: list[Any]) -> list[int]:
    """Indices of `units` in the order to hand them out: the costliest first (by `Unit.estimated_cost`), so that
    no large unit starts last and keeps one worker busy while the others idle (longest-processing-time-first);
    ties, and tasks that are not units, in their own order. Results are delivered by index: the order changes
    no output."""
    costs = [u.estimated_cost() if isinstance(u, Unit) else 0 for u in units]
    return sorted(range(len(units)), key=lambda i: -costs[i])


def describe_unit(unit: Any, i: int) -> str:
    if isinstance(unit, Unit):
        what = "row groups" if unit.kind == "parquet" else "bytes"
        where = f" {what} {unit.start}-{unit.end if unit.end >= 0 else 'end'}" if unit.start or unit.end >= 0 else ""
        more = f" and {len(unit.group) - 1} more files" if unit.group else ""
        return f"unit {unit.name} ({unit.path}{where}{more})"
    return f"task {i} of a two-pass step"


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class _Died(Exception):
    pass


class _Worker:
    """One worker process and its pipe; `unit` is the index it holds (None: idle)."""

    def __init__(self, ctx: Any, fn: Callable[..., Any], report: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, fn, report), daemon=True)
        self.proc.start()
        child.close()
        self.unit: int | None = None

    def give(self, i: int, unit: Any) -> None:
        self.unit = i
        try:
            self.conn.send(unit)
        except OSError:  # it died while idle: the sentinel says so, and the unit goes to a fresh worker
            pass

    def messages(self) -> Any:
        while True:
            try:
                if not self.conn.poll():
                    return
                yield self.conn.recv()
            except (EOFError, OSError):  # died, perhaps in the middle of a message
                raise _Died from None

    def close(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(timeout=1)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def _serve(conn: Any, fn: Callable[..., Any], report: bool) -> None:
    def progress(docs: int, nbytes: int) -> None:
        conn.send(("progress", (docs, nbytes)))

    while True:
        try:
            unit = conn.recv()
        except (EOFError, OSError):
            return
        if unit is None:
            return
        try:
            result = fn(unit, progress if report else None)
        except BaseException as exc:
            try:
                conn.send(("error", exc))
            except Exception:  # an exception that does not pickle: its traceback as text
                conn.send(("error", RuntimeError("".join(traceback.format_exception(exc)))))
            if not isinstance(exc, Exception):
                return
            continue
        conn.send(("done", result))
