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

A file without `[[steps]]` keeps the default pipeline. `--skip NAME`, `--add NAME` and `--set NAME.FIELD=VALUE`
edit the same object before `build()`, and each run saves the resolved configuration as `OUT/pipeline.toml`,
every parameter of every step written out (defaults included).

From Python, `steps` may also hold step objects, as datatrove's `pipeline=[...]` does:
`PipelineConfig(steps=[Pinyin(), Script(target="simplified")])`. Each is recorded as its registered name and
every field, so that the run's identity, `OUT/pipeline.toml` and a resume see the same pipeline.
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
    "extract.html",  # pages read from WARC/HTML become their main text; other documents pass untouched
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


OUTPUT_FORMATS = ("jsonl.zst", "jsonl.gz", "jsonl", "parquet")
EDIT_LOGS = ("full", "summary", "none")


@dataclass
class OutputConfig:
    """How output shards are written (docs/formats.md)."""

    format: str = "jsonl.zst"  # jsonl.zst | jsonl.gz | jsonl | parquet
    edits: str = "full"  # full: the edit log; summary: edits counted per rule; none: no log (no restore_original)

    def check(self) -> None:
        for key, value, valid in (("format", self.format, OUTPUT_FORMATS), ("edits", self.edits, EDIT_LOGS)):
            if value not in valid:
                raise ConfigError(f"[output] {key} = {value!r} is not valid; choose one of {', '.join(valid)}")


@dataclass
class PipelineConfig:
    # StepSpec or step objects; objects become StepSpecs holding every field (see `as_spec`)
    steps: list[Any] = field(default_factory=lambda: [StepSpec(n) for n in DEFAULT_STEPS])
    input: InputConfig = field(default_factory=InputConfig)
    runner: RunnerConfig = field(default_factory=RunnerConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    plugins: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._specs()

    def _specs(self) -> list[StepSpec]:
        # again wherever steps are read: `cfg.steps = [...]` or `cfg.steps.append(...)` bypass __post_init__
        if not all(s.__class__ is StepSpec for s in self.steps):
            self.steps = [as_spec(s) for s in self.steps]
        return self.steps

    def build(self) -> list[Step]:
        """The step objects, each checked against its parameters."""
        load_plugins(self.plugins)
        return [build_step(s.use, dict(s.params)) for s in self._specs()]

    def add(self, name: str) -> None:
        """Append a registered step that is not in the pipeline yet (`--add NAME`), with its defaults."""
        load_plugins(self.plugins)
        if name not in REGISTRY:
            raise ConfigError(f"--add {name}: no such step; known steps: {', '.join(sorted(REGISTRY))}")
        if any(s.use == name for s in self._specs()):
            raise ConfigError(f"--add {name}: it is in this pipeline already; change it with --set {name}.FIELD=VALUE")
        self.steps.append(StepSpec(name))

    def skip(self, names: list[str]) -> None:
        load_plugins(self.plugins)
        self._specs()
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
        if section in ("input", "runner", "output") and "." not in name:
            target = getattr(self, section)
            _set_field(target, name, value, f"[{section}]")
            self.output.check()
            return
        use, _, param = key.rpartition(".")
        specs = [s for s in self._specs() if s.use == use]
        if not specs:
            load_plugins(self.plugins)
            hint = "it is not in this pipeline" if use in REGISTRY else "no such step"
            raise ConfigError(f"--set {key}: {hint}; steps here: {', '.join(s.use for s in self.steps)}")
        for s in specs:
            s.params[param] = value
        build_step(use, dict(specs[0].params))  # validate now, with the field named

    def to_toml(self) -> str:
        """The configuration as TOML, every step's every parameter written out: the defaults that ran are
        visible, and a default that changes in a later version changes the run's identity."""
        lines = []
        if self.plugins:
            lines.append(f"plugins = {_toml_value(self.plugins)}\n")
        for section in ("input", "runner", "output"):
            lines.append(f"[{section}]")
            for k, v in dataclasses.asdict(getattr(self, section)).items():
                lines.append(f"{k} = {_toml_value(v)}")
            lines.append("")
        load_plugins(self.plugins)
        for s in self._specs():
            lines.append("[[steps]]")
            lines.append(f"use = {_toml_value(s.use)}")
            values = build_step(s.use, dict(s.params)).params() if s.use in REGISTRY else {}
            for k, v in {**values, **{k: v for k, v in s.params.items() if k not in values}}.items():
                try:
                    lines.append(f"{k} = {_toml_value(v)}")
                except ConfigError:
                    if k in s.params:
                        raise
                    # a default TOML cannot hold (None...): shown, and left to the default when read back
                    lines.append(f"# {k} = {v!r}  (the default; TOML cannot write it)")
            lines.append("")
        return "\n".join(lines)


def as_spec(item: Any) -> StepSpec:
    """A pipeline entry as a StepSpec: a StepSpec as it is, a registered step's name with its defaults, a step
    object as its registered name and every field whose value TOML can hold (a field TOML cannot hold must be at
    its default, which is then implied)."""
    if isinstance(item, StepSpec):
        return item
    if isinstance(item, str):
        return StepSpec(item)  # checked against the registry with the rest of the pipeline
    if not isinstance(item, Step):
        raise ConfigError(f"steps: expected a step object, a step's name or a StepSpec, got {type(item).__name__} "
                          f"{item!r:.80}")
    cls = type(item)
    if REGISTRY.get(cls.name) is not cls:
        raise ConfigError(
            f"steps: {cls.__qualname__} is not a registered step; decorate it with @taosha.register(\"NAME\") so "
            "that the run can record it in OUT/pipeline.toml and rebuild it on resume"
        )
    params: dict[str, Any] = {}
    defaults = _defaults(cls)
    for k, v in item.params().items():
        try:
            _toml_value(v)
        except ConfigError:
            if k in defaults and defaults[k] == v:
                continue
            raise ConfigError(
                f"steps: {cls.name}.{k} = {v!r:.80} cannot be recorded in OUT/pipeline.toml (TOML holds strings, "
                "numbers, booleans, lists and tables); a run could not be resumed with it"
            ) from None
        params[k] = v
    if build_step(cls.name, dict(params)) != item:
        raise ConfigError(f"steps: {cls.name} rebuilt from its recorded parameters is not the object given: "
                          f"{params!r:.200}")
    return StepSpec(cls.name, params)


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


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
    unknown = sorted(set(data) - {"plugins", "input", "runner", "output", "steps"})
    if unknown:
        raise ConfigError(
            f"{p}: unknown top-level key(s) {', '.join(unknown)}; expected plugins, input, runner, output, steps")
    cfg.plugins = list(data.get("plugins", []))
    for section in ("input", "runner", "output"):
        for k, v in data.get(section, {}).items():
            _set_field(getattr(cfg, section), k, v, f"{p} [{section}]")
    cfg.output.check()
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
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise ConfigError(f"cannot write {v!r} to TOML")
