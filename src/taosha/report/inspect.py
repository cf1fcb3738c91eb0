"""`taosha inspect`: a run's counts and a sample of its documents, or one document's edits as a diff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from taosha.document import Edit
from taosha.io.writers import iter_records, shards
from taosha.report.render import PipeConsole

CONTEXT = 24
MAX_EDITS_SHOWN = 200


def _records(out: Path, sinks: tuple[str, ...] = ("kept", "dropped")) -> Iterator[tuple[str, dict[str, Any]]]:
    for sink in sinks:
        for shard in shards(out, sink):
            for rec in iter_records(shard):
                yield sink, rec


def inspect_run(out: Path, limit: int, console: Console | None = None) -> int:
    from taosha.report.render import print_summary

    console = console or PipeConsole()
    stats_path = out / "stats.json"
    if stats_path.exists():
        print_summary(orjson.loads(stats_path.read_bytes()), out, None, console)
    else:
        console.print("[yellow]stats.json is missing: the run has not finished (run it again to resume)")
    t = Table(title=f"first {limit} documents", header_style="bold")
    for col in ("id", "outcome", "edits", "text"):
        t.add_column(col, overflow="fold" if col == "text" else "ellipsis")
    for k, (sink, rec) in enumerate(_records(out)):
        if k >= limit:
            break
        outcome = "kept" if sink == "kept" else f"dropped: {rec['drop']['step']}/{rec['drop']['reason']}"
        preview = visible(rec["text"][:60])
        t.add_row(escape(rec["id"]), escape(outcome), str(len(rec["edits"] or ())), escape(preview))
    console.print(t)
    return 0


def inspect_document(out: Path, doc_id: str, console: Console | None = None) -> int:
    console = console or PipeConsole()
    for sink, rec in _records(out):
        if rec["id"] == doc_id:
            show_record(rec, sink, console)
            return 0
    for _, rec in _records(out, ("quarantine",)):
        if f"{rec['source'].get('path')}:{rec['source'].get('offset')}" == doc_id:
            console.print(f"[red]quarantined[/red] {escape(doc_id)}: {rec['error']} — {escape(rec['detail'])}")
            return 0
    console.print(f"[red]no document with id {escape(doc_id)!s} in {out}")
    return 1


def show_record(rec: dict[str, Any], sink: str, console: Console) -> None:
    console.print(f"[bold]{escape(rec['id'])}[/bold]  ({sink})  source: {escape(str(rec['source']))}")
    if rec.get("drop"):
        d = rec["drop"]
        console.print(f"[yellow]dropped by {d['step']}: {d['reason']}[/yellow] {escape(d.get('detail', ''))}")
    if rec.get("parent"):
        p = rec["parent"]
        console.print(f"part {p['part']} of {p['parts']} of {escape(p['id'])} (split by {p['step']})")
    if rec.get("signals"):
        console.print("signals: " + escape(", ".join(f"{k}={v}" for k, v in rec["signals"].items())))
    if rec.get("edits") is None:  # written with --edits summary or none
        counts = rec.get("edit_counts")
        console.print("no edit log (the run used --edits " + ("summary): " + escape(
            ", ".join(f"{k} ×{v}" for k, v in counts.items())) if counts is not None else "none)"))
        return
    edits = [Edit.from_json(e) for e in rec["edits"]]
    console.print(f"{len(edits)} edit(s)")
    # without colour (a pipe, a file, NO_COLOR) removed and added text are marked as git's --word-diff does
    markers = console.no_color or console.color_system is None
    if markers and edits:
        console.print(Text("marks: [-removed-] {+added+}"))
    for k, line in enumerate(edit_lines(rec["text"], edits, markers)):
        if k >= MAX_EDITS_SHOWN:
            console.print(f"… {len(edits) - MAX_EDITS_SHOWN} more")
            break
        console.print(line, soft_wrap=True)  # one line per edit, whatever the width: greppable in a pipe


_VISIBLE = str.maketrans({"\n": "⏎", "\r": "␍", "\t": "⇥"})


def visible(s: str) -> str:
    """Make line breaks and invisible characters visible in a one-line display."""
    s = s.translate(_VISIBLE)
    return "".join(c if c.isprintable() or c == " " else f"⟨U+{ord(c):04X}⟩" for c in s)


def edit_lines(final: str, edits: list[Edit], markers: bool = False) -> list[Text]:
    """One coloured line per edit, in the order they were made: context, -before, +after; with `markers` the
    removed text also stands in `[-…-]` and the added in `{+…+}`, readable without colour."""
    lines: list[Text] = []
    text = final
    for e in reversed(edits):  # walk back to each edit's own text, to show it in context
        before_text = text[: e.start] + e.before + text[e.start + len(e.after) :]
        left = visible(before_text[max(0, e.start - CONTEXT) : e.start])
        right = visible(before_text[e.end : e.end + CONTEXT])
        line = Text(f"{e.step}/{e.reason} @{e.start}: ", style="bold")
        line.append(left)
        if markers:
            if e.before:
                line.append(f"[-{visible(e.before)}-]", style="red strike")
            if e.after:
                line.append(f"{{+{visible(e.after)}+}}", style="green")
        else:
            line.append(visible(e.before), style="red strike")
            line.append(visible(e.after), style="green")
        line.append(right)
        lines.append(line)
        text = before_text
    lines.reverse()
    return lines
