"""The cluster runner: units (and a two-pass step's tasks) as Ray tasks, everything else as for `local`.

Only *where* `fn(unit)` runs changes: the same `process_unit`, `observe_unit` and step tasks run in Ray
worker processes, the driver merges pass-1 states and finalizes each unit's commit (fsync, rename, marker)
as results arrive, so the output is byte-identical to the local runner's. Workers write their shards and
spill files under OUT directly, so on a multi-node cluster the input, OUT and the driver's working directory
(relative paths are resolved there) must be on a filesystem every node mounts (NFS, a cloud file store...).

Each worker process deserializes the pipeline once per run (keyed by a token) and sets its steps up once:
the tables and models are loaded per process, not per task.

A worker process that dies while it runs a task (the out-of-memory killer's SIGKILL, a crash in native code) is
what Ray calls a system failure: Ray runs the task once more, and when that worker dies too the run stops with
the unit named (`WorkerDiedError`), as the local runner does; finished units are kept, so the same command
resumes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any

from taosha.errors import ConfigError, MissingExtraError
from taosha.runners.core import Progress, read_by
from taosha.runners.local import ATTEMPTS, WorkerDiedError, describe_unit

INSTALL = "pip install 'taosha[ray]'"

_CACHE: dict[str, Any] = {}  # per worker process: token -> the run's function, set up once


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingExtraError(f"the ray runner needs Ray, which is not installed: {INSTALL}") from None
    return ray


def _call(token: str, boxed: list[Any], unit: Any, cwd: str) -> Any:
    # paths in the plan are as the user gave them, relative ones included (they appear in the output's
    # `source`): resolve them where the driver did
    if os.getcwd() != cwd:
        os.chdir(cwd)
    cached = _CACHE.get(token)
    if cached is None:  # the reference is boxed so that Ray does not fetch it for every task
        _CACHE.clear()  # one run at a time per worker process: drop the previous run's pipeline
        cached = _CACHE[token] = _ray().get(boxed[0])
    return cached(unit, None)


class RayRunner:
    """Apply a function to units as Ray tasks (one CPU each); results come back in unit order."""

    def __init__(self, address: str = "", workers: int = 0) -> None:
        ray = _ray()
        self.ray = ray
        self.workers = workers
        if not ray.is_initialized():
            # a cluster reached on the loopback address runs on this machine: the driver joins it there too,
            # rather than under the address of the machine's first interface, which that cluster's nodes were
            # not started with (ray.init then cannot find its own node and fails)
            host = address.rsplit(":", 1)[0] if address else ""
            local = {"_node_ip_address": "127.0.0.1"} if host in ("127.0.0.1", "localhost") else {}
            try:
                ray.init(address=address or None, include_dashboard=False, log_to_driver=False,
                         configure_logging=False, **local)
            except ConnectionError as exc:
                raise ConfigError(f"cannot reach the Ray cluster at {address!r}: {exc}") from None
        # max_retries counts system failures only (a dead worker, not an exception the task raised)
        self._remote = ray.remote(num_cpus=1, max_retries=ATTEMPTS - 1)(_call)

    def map_units(
        self,
        fn: Callable[..., Any],
        units: list[Any],
        progress: Progress | None,
        on_result: Callable[[int, Any], None] | None = None,
    ) -> list[Any]:
        ray = self.ray
        token = uuid.uuid4().hex
        cwd = os.getcwd()
        fn_ref = ray.put(fn)
        limit = self.workers or len(units)  # 0: as many tasks in flight as the cluster takes
        results: list[Any] = [None] * len(units)
        pending: dict[Any, int] = {}
        next_unit = 0
        while next_unit < len(units) or pending:
            while next_unit < len(units) and len(pending) < limit:
                pending[self._remote.remote(token, [fn_ref], units[next_unit], cwd)] = next_unit
                next_unit += 1
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                i = pending.pop(ref)
                try:
                    result = ray.get(ref)  # raises the task's error here, at once
                except (ray.exceptions.WorkerCrashedError, ray.exceptions.OutOfMemoryError) as exc:
                    for other in pending:  # nothing more is started for a run that stops
                        ray.cancel(other, force=True)
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    raise WorkerDiedError(
                        f"{describe_unit(units[i], i)}: its Ray worker process died on each of {ATTEMPTS} attempts "
                        f"({type(exc).__name__}: {reason}; the out-of-memory killer does this). Finished units "
                        "are kept: run the same command again to resume, after freeing memory on the cluster."
                    ) from None
                read = read_by(result)
                if progress is not None and read:
                    progress(*read)  # each pass's units, as they finish
                if on_result is not None:
                    on_result(i, result)
                else:
                    results[i] = result
        return results
