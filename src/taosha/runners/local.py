"""The embedded default: units run in worker processes on this machine (or in-process with 1 worker)."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable
from typing import Any

from taosha.io.readers import Unit
from taosha.runners.core import Progress


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
        if workers <= 1:
            results = []
            for i, u in enumerate(units):
                result = fn(u, progress)
                if on_result is not None:
                    on_result(i, result)  # handed over, not kept: results can be large (two-pass states)
                else:
                    results.append(result)
            return results
        # fork is cheap and inherits registered plugin steps; spawn where fork is unavailable
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        if ctx.get_start_method() == "fork" and hasattr(fn, "ready"):
            fn.ready()  # load tables and models once, before forking: the workers share the pages
        updates = ctx.Queue() if progress is not None else None
        finished: queue.Queue[tuple[int, Any, BaseException | None]] = queue.Queue()
        results: list[Any] = [None] * len(units)
        with ctx.Pool(workers, initializer=_init, initargs=(fn, updates)) as pool:
            for i, u in enumerate(units):
                pool.apply_async(_work, (u,), callback=lambda r, i=i: finished.put((i, r, None)),
                                 error_callback=lambda e, i=i: finished.put((i, None, e)))
            for _ in units:
                while True:
                    try:
                        i, result, error = finished.get(timeout=0.05)
                        break
                    except queue.Empty:
                        _drain(updates, progress)
                if error is not None:  # surface a worker's error at once, not after the others finish
                    raise error
                if on_result is not None:
                    on_result(i, result)  # handed over, not kept: results can be large (two-pass states)
                else:
                    results[i] = result
                _drain(updates, progress)
        return results


_FN: Callable[..., Any] | None = None
_UPDATES: Any = None


def _init(fn: Callable[..., Any], updates: Any) -> None:
    global _FN, _UPDATES
    _FN, _UPDATES = fn, updates


def _report(docs: int, nbytes: int) -> None:
    _UPDATES.put((docs, nbytes))


def _work(unit: Unit) -> Any:
    assert _FN is not None
    return _FN(unit, _report if _UPDATES is not None else None)


def _drain(updates: Any, progress: Progress | None) -> None:
    if updates is None or progress is None:
        return
    try:
        while True:
            progress(*updates.get_nowait())
    except queue.Empty:
        pass
