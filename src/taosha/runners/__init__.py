"""Runners: where units are processed. `local` (worker processes, the default) and `ray` (a Ray cluster)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from taosha.config import PipelineConfig
from taosha.runners.core import Plan, Progress, execute, plan_run


def run(
    inputs: list[str],
    out: str | Path,
    config: PipelineConfig | None = None,
    *,
    steps: Sequence[Any] | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run a pipeline over `inputs` into `out` and return the stats (see README, "Output").

    `steps` (step objects or StepSpecs, e.g. `[Pinyin(), Script(target="simplified")]`) replaces the
    configuration's steps."""
    config = config or PipelineConfig()
    if steps is not None:
        config = dataclasses.replace(config, steps=list(steps))
    runner = make_runner(config)  # before planning: a missing Ray fails before OUT is touched
    plan = plan_run(inputs, out, config, overwrite=overwrite)
    try:
        return execute(plan, runner.map_units, progress)
    finally:
        plan.release()


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
