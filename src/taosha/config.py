"""Pipeline configuration: one object tree, read from TOML or made from CLI defaults.

```toml
plugins = ["mycompany.taosha_steps"]   # modules that @register extra steps

[input]
text_field = "text"

[runner]
workers = 4

[[steps]]
use = "repair.nfc"
[[steps]]
use = "filter.length"
min_chars = 50
```

A file without `[[steps]]` keeps the default pipeline. `--skip NAME` and `--set NAME.FIELD=VALUE` edit
the same object before `build()`, and each run saves the resolved configuration as `OUT/pipeline.toml`.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taosha.errors import ConfigError
from taosha.io.readers import InputConfig
from taosha.step import REGISTRY, Step, build_step

# The default pipeline, in order.
DEFAULT_STEPS: tuple[str, ...] = (
    "repair.nfc",
    "repair.whitespace",
    # two passes; early, so that its counting pass costs a read, not the repairs (a site's repeated lines
    # repeat the same way whether spun or not: the same table spins them)
    "clean.frequent_lines",
    "repair.mojibake",  # before repair.pinyin: annotations behind garbage name the lost characters
    "repair.pinyin",
    "repair.script",
    "clean.boilerplate",
    "clean.compilation",  # after boilerplate: site intros and SEO filler are gone from between the parts
    "clean.repeated_paragraphs",
    "clean.truncation",
    "clean.placeholders",
    "filter.empty",  # before filter.quality: an empty document is dropped as empty, not as too short
    "filter.quality",
    # last: copies are compared as cleaned; the runner stages documents before the first, so the repairs
    # do not run again for its counting pass. Near duplicates before paragraphs: a paragraph's first
    # occurrence must be in a document that stays.
    "dedup.near",
    "dedup.paragraphs",
)


@dataclass
class StepSpec:
    use: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunnerConfig:
    """Where and how the pipeline runs."""

    kind: str = "local"  # local | ray
    workers: int = 0  # 0: one per CPU core
    on_error: str = "drop"  # drop: a step that raises drops the document (reason step_error); abort
    address: str = ""  # ray: cluster address


@dataclass
class PipelineConfig:
    steps: list[StepSpec] = field(default_factory=lambda: [StepSpec(n) for n in DEFAULT_STEPS])
    input: InputConfig = field(default_factory=InputConfig)
    runner: RunnerConfig = field(default_factory=RunnerConfig)
    plugins: list[str] = field(default_factory=list)

    def build(self) -> list[Step]:
        """The step objects, each checked against its parameters."""
        load_plugins(self.plugins)
        return [build_step(s.use, dict(s.params)) for s in self.steps]

    def skip(self, names: list[str]) -> None:
        load_plugins(self.plugins)
        present = {s.use for s in self.steps}
        for name in names:
            if name not in present:
                raise ConfigError(
                    f"--skip {name}: no such step in this pipeline; its steps: {', '.join(s.use for s in self.steps)}"
                )
        self.steps = [s for s in self.steps if s.use not in names]

    def set(self, assignment: str) -> None:
        """Apply `NAME.FIELD=VALUE` (VALUE in TOML syntax; bare words are strings)."""
        key, eq, raw = assignment.partition("=")
        if not eq or "." not in key:
            raise ConfigError(f"--set {assignment!r}: expected NAME.FIELD=VALUE, e.g. filter.quality.min_chars=100")
        value = _parse_value(raw)
        section, _, name = key.partition(".")
        if section in ("input", "runner") and "." not in name:
            target = getattr(self, section)
            _set_field(target, name, value, f"[{section}]")
            return
        use, _, param = key.rpartition(".")
        specs = [s for s in self.steps if s.use == use]
        if not specs:
            load_plugins(self.plugins)
            hint = "it is not in this pipeline" if use in REGISTRY else "no such step"
            raise ConfigError(f"--set {key}: {hint}; steps here: {', '.join(s.use for s in self.steps)}")
        for s in specs:
            s.params[param] = value
        build_step(use, dict(specs[0].params))  # validate now, with the field named

    def to_toml(self) -> str:
        lines = []
        if self.plugins:
            lines.append(f"plugins = {_toml_value(self.plugins)}\n")
        for section in ("input", "runner"):
            lines.append(f"[{section}]")
            for k, v in dataclasses.asdict(getattr(self, section)).items():
                lines.append(f"{k} = {_toml_value(v)}")
            lines.append("")
        for s in self.steps:
            lines.append("[[steps]]")
            lines.append(f"use = {_toml_value(s.use)}")
            for k, v in s.params.items():
                lines.append(f"{k} = {_toml_value(v)}")
            lines.append("")
        return "\n".join(lines)


def load_config(path: str | Path | None) -> PipelineConfig:
    """Read a pipeline file; `None` gives the default pipeline."""
    cfg = PipelineConfig()
    if path is None:
        return cfg
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {p} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {p}: {exc}") from None
    unknown = sorted(set(data) - {"plugins", "input", "runner", "steps"})
    if unknown:
        raise ConfigError(f"{p}: unknown top-level key(s) {', '.join(unknown)}; expected plugins, input, runner, steps")
    cfg.plugins = list(data.get("plugins", []))
    for section in ("input", "runner"):
        for k, v in data.get(section, {}).items():
            _set_field(getattr(cfg, section), k, v, f"{p} [{section}]")
    if "steps" in data:
        cfg.steps = []
        for i, item in enumerate(data["steps"]):
            params = dict(item)
            use = params.pop("use", None)
            if not isinstance(use, str):
                raise ConfigError(f"{p}: [[steps]] number {i + 1} needs use = \"STEP.NAME\"")
            cfg.steps.append(StepSpec(use, params))
    cfg.build()  # fail now, not in a worker
    return cfg


def load_plugins(modules: list[str]) -> None:
    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError as exc:
            raise ConfigError(f"plugin module {m!r} cannot be imported: {exc}") from None


def _set_field(target: Any, key: str, value: Any, where: str) -> None:
    fields = {f.name: f for f in dataclasses.fields(target)}
    if key not in fields:
        raise ConfigError(f"{where}: unknown key {key!r}; valid keys: {', '.join(fields)}")
    current = getattr(target, key)
    if type(value) is not type(current):
        raise ConfigError(f"{where}: {key} must be {type(current).__name__}, got {value!r}")
    setattr(target, key, value)


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise ConfigError(f"cannot write {v!r} to TOML")
