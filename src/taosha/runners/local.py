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

    def map_units(self, fn: Callable[..., Any], units: list[Unit], progress: Progress | None) -> list[Any]:
        workers = min(self.workers, len(units))
        if workers <= 1:
            return [fn(u, progress) for u in units]
        # fork is cheap and inherits registered plugin steps; spawn where fork is unavailable
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        updates = ctx.Queue() if progress is not None else None
        with ctx.Pool(workers, initializer=_init, initargs=(fn, updates)) as pool:
            pending = [pool.apply_async(_work, (u,)) for u in units]
            while not all(p.ready() for p in pending):
                _drain(updates, progress, timeout=0.1)
                for p in pending:  # surface a worker's error at once, not after the others finish
                    if p.ready() and not p.successful():
                        p.get()
            results = [p.get() for p in pending]
            _drain(updates, progress, timeout=0)
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


def _drain(updates: Any, progress: Progress | None, timeout: float) -> None:
    if updates is None or progress is None:
        if timeout:
            import time

            time.sleep(timeout)
        return
    try:
        item = updates.get(timeout=timeout) if timeout else updates.get_nowait()
        while True:
            progress(*item)
            item = updates.get_nowait()
    except queue.Empty:
        pass
