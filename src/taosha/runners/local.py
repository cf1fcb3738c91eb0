"""The embedded default: units run in worker processes on this machine (or in-process with 1 worker).

Each worker has its own pipe, and the driver hands it one unit at a time, so the driver always knows which
unit a worker holds. A worker that dies (the out-of-memory killer's SIGKILL, a crash in native code) is
noticed at once through its process sentinel: its unit is given to a fresh worker once more, and when that
one dies too the run stops with the unit named (`WorkerDiedError`). Finished units are committed as they
arrive, so running the same command again resumes after either.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

from taosha.errors import TaoshaError
from taosha.io.readers import Unit
from taosha.runners import trace
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

        traced = trace.current()
        if workers <= 1:
            for i, u in enumerate(units):
                began, cpu = time.perf_counter(), time.process_time()
                result = fn(u, progress)
                if traced is not None:
                    traced.unit(i, -1, time.process_time() - cpu, began, time.perf_counter())
                deliver(i, result)
            return results
        # imported here: a 1-worker run never needs them (7 ms of its start-up)
        import multiprocessing as mp
        from multiprocessing.connection import wait

        # fork is cheap and inherits registered plugin steps; spawn where fork is unavailable
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        if ctx.get_start_method() == "fork" and hasattr(fn, "ready"):
            cpu = time.process_time()
            fn.ready()  # load tables and models once, before forking: the workers share the pages
            if traced is not None:
                traced.pre_fork(time.process_time() - cpu)
        # a function with `fold` (a counting pass: states that `CorpusStep.merge` combines in any grouping) has
        # each worker fold its results into one, collected when the units are done: one state per worker
        # crosses a pipe, not one per unit (clean.frequent_lines' sketch is 16 MiB a unit)
        fold = on_result is not None and callable(getattr(fn, "fold", None))
        report = progress is not None
        pool = [_Worker(ctx, fn, report, k, fold) for k in range(workers)]
        spawned = workers
        # the driver's own work for later while the workers run (the next pass's set-up), in a thread started
        # after the fork and joined before any other (a thread running through a fork can leave locks held)
        aside = _Aside(getattr(fn, "meanwhile", None) if ctx.get_start_method() == "fork" else None)
        todo = deque(handout_order(units))
        attempts = [0] * len(units)
        left = len(units)
        collect_deaths = 0

        def replace(k: int) -> list[int]:
            """A fresh worker in slot `k`; the units whose results the dead one had folded, to run again. Those
            units did not fail: their attempts start again (a death on the re-run is their first)."""
            nonlocal spawned
            aside.join()
            lost = pool[k].folded
            pool[k].close()
            pool[k] = _Worker(ctx, fn, report, spawned, fold)
            spawned += 1
            for j in lost:
                attempts[j] = 0
            return lost

        try:
            while left:
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
                                    value, (cpu, total, began, ended, faults) = value
                                    if traced is not None:
                                        traced.unit(i, w.slot, cpu, began, ended)
                                        traced.worker(w.slot, total, faults)
                                    w.unit = None
                                    left -= 1
                                    if fold:
                                        w.folded.append(i)
                                    else:
                                        deliver(i, value)
                                    break
                        except _Died:
                            pass
                        if w.unit is not None and not w.proc.is_alive():
                            lost = replace(k)
                            if attempts[i] >= ATTEMPTS:
                                raise WorkerDiedError(
                                    f"{describe_unit(units[i], i)}: its worker process died on each of {attempts[i]} "
                                    f"attempts ({_exit_reason(w.proc.exitcode)}; the out-of-memory killer does "
                                    "this). Finished units are kept: run the same command again to resume, after "
                                    "freeing memory or with fewer --workers."
                                )
                            todo.appendleft(i)
                            todo.extend(lost)  # finished, but their folded result died with the worker
                            left += len(lost)
                # every unit is done: each worker's folded result, asked of them all before any is read, so that
                # they pickle their states at once rather than one after the other (the driver reads them in
                # slot order as before: the same merges)
                for w in pool:
                    if w.folded:
                        w.ask()
                for k, w in enumerate(pool):
                    if not w.folded:
                        continue
                    try:
                        value = w.collect()
                    except _Died:
                        collect_deaths += 1
                        if collect_deaths >= ATTEMPTS:  # e.g. killed for the memory of the folded result
                            raise WorkerDiedError(
                                f"a worker process died handing back what it had counted, {collect_deaths} times "
                                f"({_exit_reason(w.proc.exitcode)}; the out-of-memory killer does this). Run "
                                "the same command again to resume, after freeing memory or with fewer --workers."
                            ) from None
                        lost = replace(k)
                        todo.extend(lost)
                        left += len(lost)
                        continue
                    first, w.folded = w.folded[0], []
                    deliver(first, value)
        finally:
            aside.join()
            for w in pool:
                w.close()
        aside.check()
        return results


class _Aside:
    """`work()` in a thread of the driver, from now until `join`; its error, if any, raised by `check`."""

    def __init__(self, work: Callable[[], None] | None) -> None:
        self.error: BaseException | None = None
        self.thread = None
        if work is not None:
            self.thread = threading.Thread(target=self._run, args=(work,), name="taosha-aside", daemon=True)
            self.thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:
            self.error = exc

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def check(self) -> None:
        if self.error is not None:
            raise self.error


def handout_order(units: list[Any]) -> list[int]:
    """Indices of `units` in the order to hand them out: one unit of each input file first, then the others,
    each group the costliest first (by `Unit.estimated_cost`); ties, and tasks that are not units, in their own
    order. Results are delivered by index: the order changes no output.

    Costliest first (longest-processing-time-first) keeps a large unit from starting last and holding one
    worker while the others idle. But the estimate is the text a unit holds, and what a byte costs differs far
    more between files (sources) than within one: on the real corpus the seed page's 0.6 MB of mojibake cost
    1.3 s, a MiB of reviews 0.5 s. A small file's unit, last by its size, then ends the pass alone. So a unit
    of each file goes out first, while the other workers have plenty left to take; the end of a pass is made
    of the further ranges of files already seen to cost what their size says."""
    costs = [u.estimated_cost() if isinstance(u, Unit) else 0 for u in units]
    seen: set[str] = set()
    first = []
    for i, u in enumerate(units):
        if isinstance(u, Unit) and u.path not in seen:
            seen.add(u.path)
            first.append(i)
    lead = set(first)
    rest = [i for i in range(len(units)) if i not in lead]
    return sorted(first, key=lambda i: -costs[i]) + sorted(rest, key=lambda i: -costs[i])


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

    def __init__(self, ctx: Any, fn: Callable[..., Any], report: bool, slot: int, fold: bool = False) -> None:
        self.slot = slot  # which worker, for a trace: a replacement for a dead one has a slot of its own
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, fn, report, fold), daemon=True)
        self.proc.start()
        child.close()
        self.unit: int | None = None
        self.folded: list[int] = []  # units whose results it has folded and not yet handed back
        self.asked = False  # sent `_COLLECT`, its folded result not yet read

    def ask(self) -> None:
        """Ask for the result this worker folded (`collect` reads it); once until it is read."""
        if not self.asked:
            self.asked = True
            try:
                self.conn.send(_COLLECT)
            except OSError:  # it died while idle: `collect` says so
                pass

    def collect(self) -> Any:
        """The result this worker folded from its units (raises `_Died` if it died meanwhile)."""
        self.ask()
        self.asked = False
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            raise _Died from None
        if kind == "error":
            raise value
        blob, cpu, faults = value
        traced = trace.current()
        if traced is not None:
            traced.worker(self.slot, cpu, faults)
        return pickle.loads(blob)

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


_COLLECT = "collect"  # the driver asks a folding worker for its folded result (units and tasks are never str)
_NOTHING = object()


def _serve(conn: Any, fn: Callable[..., Any], report: bool, fold: bool = False) -> None:
    def progress(docs: int, nbytes: int) -> None:
        conn.send(("progress", (docs, nbytes)))

    folded: Any = _NOTHING
    combine: Callable[[Any, Any], Any] | None = getattr(fn, "fold", None) if fold else None
    while True:
        try:
            unit = conn.recv()
        except (EOFError, OSError):
            return
        if unit is None:
            return
        began, cpu = time.perf_counter(), time.process_time()
        try:
            if isinstance(unit, str):  # _COLLECT
                result, folded = folded, _NOTHING
                # pickled here, then sent as bytes, so that the CPU it costs (states of megabytes) is this
                # worker's in a trace, as its units' is: the workers pickle side by side (see `_Worker.ask`)
                blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
                conn.send(("folded", (blob, time.process_time(), trace.page_faults())))
                continue
            result = fn(unit, progress if report else None)
            if combine is not None:
                folded = result if folded is _NOTHING else combine(folded, result)
                result = None
        except BaseException as exc:
            try:
                conn.send(("error", exc))
            except Exception:  # an exception that does not pickle: its traceback as text
                conn.send(("error", RuntimeError("".join(traceback.format_exception(exc)))))
            if not isinstance(exc, Exception):
                return
            continue
        # with what it cost here (a forked process's CPU time counts from its fork), for a trace
        now = time.process_time()
        faults = trace.page_faults()
        conn.send(("done", (result, (now - cpu, now, began, time.perf_counter(), faults))))
