"""Runners: where units are processed. `local` (worker processes, the default) and `ray` (a Ray cluster)."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from taosha.config import PipelineConfig
from taosha.io.memory import is_paths, materialize
from taosha.runners.core import INPUT_COPY, Plan, Progress, check_out, execute, plan_run


def run(
    inputs: Any,
    out: str | Path,
    config: PipelineConfig | None = None,
    *,
    steps: Sequence[Any] | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
    sample: bool = True,
) -> dict[str, Any]:
    """Run a pipeline over `inputs` into `out` and return the stats (see README, "Output").

    `inputs` is a path or a list of paths (files, folders, globs), or records in memory: an iterable of dicts
    or a Hugging Face `datasets.Dataset`/`IterableDataset` (docs/formats.md). `steps` (step objects or StepSpecs,
    e.g. `[Pinyin(), Script(target="simplified")]`) replaces the configuration's steps. `sample=False` collects no
    sample for the HTML report (`reports/sample.json`: `taosha clean --no-report`)."""
    config = config or PipelineConfig()
    if steps is not None:
        config = dataclasses.replace(config, steps=list(steps))
    runner = make_runner(config)  # before planning: a missing Ray fails before OUT is touched
    copy = None
    if is_paths(inputs):
        paths = [os.fspath(inputs)] if isinstance(inputs, str | os.PathLike) else [os.fspath(i) for i in inputs]
    else:
        check_out(Path(out))
        copy = Path(out) / INPUT_COPY
        paths = [materialize(inputs, copy, config.input.id_field)]
    plan = plan_run(paths, out, config, overwrite=overwrite, sample=sample)
    try:
        stats = execute(plan, runner.map_units, progress)
    finally:
        plan.release()
    if copy is not None:  # every unit is done: the copy is needed by no resume
        shutil.rmtree(copy, ignore_errors=True)
    return stats


def make_runner(config: PipelineConfig) -> Any:
    kind = config.runner.kind
    if kind == "local":
        from taosha.runners.local import LocalRunner

        return LocalRunner(config.runner.workers)
    if kind == "ray":
        from taosha.runners.ray import RayRunner

        return RayRunner(config.runner.address, config.runner.workers)
    from taosha.errors import ConfigError

    raise ConfigError(f"runner {kind!r} is not available; known runners: local, ray")


__all__ = ["Plan", "make_runner", "run"]
