"""Terminal output: the progress bar, the end-of-run summary and the step list (rich)."""

from __future__ import annotations

import dataclasses
import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text


class PipeConsole(Console):
    """rich's Console, except that a closed pipe raises `BrokenPipeError`, for the CLI to end with its one
    documented status (141), instead of rich's own `SystemExit(1)`."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


class _Docs(ProgressColumn):
    def render(self, task: Task) -> Text:
        docs = task.fields.get("docs", 0)
        rate = docs / task.elapsed if task.elapsed else 0.0
        return Text(f"{docs:,} docs  {rate:,.0f} docs/s", style="cyan")


class _Megabytes(ProgressColumn):
    def render(self, task: Task) -> Text:
        mb = task.completed / 1e6
        rate = mb / task.elapsed if task.elapsed else 0.0
        return Text(f"{mb:,.1f} MB  {rate:,.1f} MB/s", style="green")


class _Updater:
    """The progress callback handed to the runner: `(docs, bytes)` increments, and `phase(name, total_bytes)`
    as each pass begins (a line per pass: the counting pass of a two-pass step, the main pass)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None
        self.docs = 0

    def phase(self, name: str, total: int | None) -> None:
        if self.task is not None:  # the pass before is over: its line stays, full
            task = self.progress.tasks[-1]
            self.progress.update(self.task, total=task.completed or 1, completed=task.completed or 1)
        self.docs = 0
        self.task = self.progress.add_task(name, total=None if total is None else max(total, 1), docs=0)

    def __call__(self, docs: int, nbytes: int) -> None:
        if self.task is None:
            self.phase("cleaning", None)
        self.docs += docs
        self.progress.update(self.task, advance=nbytes, docs=self.docs)


@contextmanager
def progress_bar() -> Iterator[_Updater]:
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(), _Docs(),
               _Megabytes(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield _Updater(progress)


def print_summary(stats: dict[str, Any], out: Path, elapsed: float | None, console: Console | None = None) -> None:
    """The run's outcome as a table; `elapsed`: the run's wall seconds, None where unknown (`taosha inspect` reads a
    finished run, whose stats.json holds CPU seconds only)."""
    console = console or PipeConsole()
    d = stats["documents"]
    ch = stats["characters"]
    mb = stats["input"]["bytes"] / 1e6
    took = ""
    if elapsed is not None:
        took = f" in {elapsed:,.1f} s ({d['in'] / elapsed if elapsed > 0 else 0.0:,.0f} docs/s)"
    t = Table(title=f"taosha: {d['in']:,} records, {mb:,.1f} MB{took}", show_header=True, header_style="bold")
    t.add_column("outcome")
    t.add_column("documents", justify="right")
    t.add_column("characters", justify="right")
    t.add_row("in", f"{d['in']:,}", f"{ch['in']:,}")
    t.add_row("[green]kept", f"{d['kept']:,}", f"{ch['kept']:,}")
    t.add_row("[yellow]dropped", f"{d['dropped']:,}", f"{ch['dropped']:,}")
    t.add_row("[red]quarantined", f"{d['quarantined']:,}", "")
    if d["split"]:
        t.add_row("split", f"{d['split']:,} → {d['parts_from_splits']:,} parts", "")
    console.print(t)

    rules = Table(show_header=True, header_style="bold", title="by rule")
    rules.add_column("rule")
    rules.add_column("action")
    rules.add_column("reason")
    rules.add_column("count", justify="right")
    for step, reasons in stats["dropped_by"].items():
        for reason, n in reasons.items():
            rules.add_row(step, "drop", reason, f"{n:,}")
    for error, n in stats["quarantined_by"].items():
        rules.add_row("input", "quarantine", error, f"{n:,}")
    for step, e in stats["edits_by"].items():
        for reason, n in e["by_reason"].items():
            rules.add_row(step, "edit", reason, f"{n:,}")
    for step, s in stats["splits_by"].items():
        rules.add_row(step, "split", f"{s['documents']:,} documents", f"{s['parts']:,}")
    if rules.row_count:
        console.print(rules)
    times = stats.get("time_by_step")
    if times:
        total = sum(e["seconds"] for e in stats.get("time_by_pass", {}).values()) or 1.0
        cpu = Table(show_header=True, header_style="bold", title="CPU time (process time, summed over workers)")
        cpu.add_column("step or pass")
        cpu.add_column("seconds", justify="right")
        cpu.add_column("share", justify="right")
        for step, e in sorted(times.items(), key=lambda kv: -kv[1]["seconds"]):
            cpu.add_row(step, f"{e['seconds']:,.2f}", f"{100 * e['seconds'] / total:.0f}%")
        for name, e in stats.get("time_by_pass", {}).items():
            cpu.add_row(f"[dim]pass: {escape(name)}", f"[dim]{e['seconds']:,.2f}",
                        f"[dim]{100 * e['seconds'] / total:.0f}% ({e['seconds'] - e['in_steps']:,.2f} s outside "
                        "steps)")
        console.print(cpu)
    errors = sum(n for reasons in stats["dropped_by"].values() for r, n in reasons.items() if r == "step_error")
    if errors:
        console.print(f"[bold red]{errors:,} documents were dropped because a step raised (reason step_error); "
                      "see their drop.detail in dropped/ — this is a bug worth reporting.")
    skipped = stats["input"].get("skipped_files") or []
    if skipped:
        console.print(f"[yellow]{len(skipped)} file(s) of unknown type were skipped, e.g. {skipped[0]}")
    near = out / "reports" / "dedup.near.json"
    if near.exists():
        import orjson

        r = orjson.loads(near.read_bytes())
        console.print(f"near duplicates: {r['duplicates']:,} documents in {r['clusters']:,} clusters "
                      f"(Jaccard ≥ {r['threshold']} on {r['ngram']}-grams; {r['candidate_pairs']:,} candidate pairs, "
                      f"{r['verified_pairs']:,} verified); cluster sizes {r['cluster_sizes']}, examples in {near}")
    console.print(f"output: {out}/kept, {out}/dropped, {out}/quarantine; counts in {out}/stats.json")


def print_steps(console: Console | None = None) -> None:
    from taosha.config import DEFAULT_STEPS
    from taosha.step import REGISTRY, fields_of

    console = console or PipeConsole(file=sys.stdout)
    for name in sorted(REGISTRY):
        cls = REGISTRY[name]
        default = " [dim](default pipeline)[/dim]" if name in DEFAULT_STEPS else ""
        console.print(f"[bold cyan]{name}[/bold cyan]{default}\n    {escape(cls.summary())}")
        for f in fields_of(cls):
            default_value = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[operator]
            console.print(f"    [green]{f.name}[/green] = {escape(repr(default_value))}")


def steps_markdown() -> str:
    """The built-in steps' reference in Markdown (`taosha steps --markdown`, kept as docs/steps.md): each step's
    docstring without its examples, and its parameters with TOML defaults."""
    import inspect

    from taosha.config import DEFAULT_STEPS
    from taosha.step import REGISTRY, fields_of

    out = ["# Steps reference", "",
           "Generated by `taosha steps --markdown` (a test keeps this file current). Each step's name is its",
           "config `use`, the `step` of its edits and drops, and its row in the report; its parameters are",
           "the keys of its `[[steps]]` table (see configuration.md).", ""]
    builtin = sorted(n for n, c in REGISTRY.items() if c.__module__.startswith("taosha."))
    for name in builtin:
        cls = REGISTRY[name]
        where = f"default pipeline, step {DEFAULT_STEPS.index(name) + 1}" if name in DEFAULT_STEPS else "not default"
        out += [f"## `{name}`", "", f"`{cls.__module__}.{cls.__qualname__}` ({where})", ""]
        prose, example = [], False
        for line in (inspect.getdoc(cls) or "").split("\n"):
            if line.lstrip().startswith(">>>"):
                example = True
            elif example and not line.strip():
                example = False
                continue
            if not example:
                prose.append(line.rstrip())
        out += [*(line for line in "\n".join(prose).strip().split("\n")), ""]
        fields = fields_of(cls)
        if fields:
            out += ["| parameter | type | default |", "|---|---|---|"]
            for f in fields:
                value = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[operator]
                out.append(f"| `{f.name}` | `{f.type}` | `{_toml(value)}` |")
            out.append("")
    return "\n".join(out)


def _toml(value: Any) -> str:
    """A parameter's default as it is written in a pipeline file."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(_toml(v) for v in items) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return repr(value)
