"""Runners: where units are processed. `local` (worker processes, the default) and, later, `ray`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taosha.config import PipelineConfig
from taosha.runners.core import Plan, Progress, execute, plan_run


def run(
    inputs: list[str],
    out: str | Path,
    config: PipelineConfig | None = None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run a pipeline over `inputs` into `out` and return the stats (see README, "Output")."""
    from taosha.runners.local import LocalRunner

    config = config or PipelineConfig()
    plan = plan_run(inputs, out, config, overwrite=overwrite)
    if config.runner.kind != "local":
        from taosha.errors import ConfigError

        raise ConfigError(f"runner {config.runner.kind!r} is not available; known runners: local")
    return execute(plan, LocalRunner(config.runner.workers).map_units, progress)


__all__ = ["Plan", "run"]
