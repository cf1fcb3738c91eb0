"""Counters kept per shard and the `stats.json` built from them.

A shard's counters are a flat `{key: int}`; keys are `records_in`, `chars_in`, `kept`, `dropped`,
`quarantined`, ..., and per-rule keys `drop|STEP|REASON`, `edit|STEP|REASON`, `edited|STEP`,
`split|STEP`, `parts|STEP`, `quarantine|ERROR`. Shards merge by addition, so the order in which
workers finish never changes the result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from taosha.document import Document
from taosha.errors import AccountingError

_STEP_REASON = itemgetter(0, 1)  # an Edit's (step, reason)


class Counters(Counter):
    """A `Counter` with the bookkeeping of one shard."""

    def record_edits(self, doc: Document) -> None:
        # counted by (step, reason) in C first: a spun page has hundreds of edits, of a few kinds
        seen: set[str] = set()
        for (step, reason), n in Counter(map(_STEP_REASON, doc.edits)).items():
            self[f"edit|{step}|{reason}"] += n
            seen.add(step)
        for step in seen:
            self[f"edited|{step}"] += 1

    def record_out(self, doc: Document) -> None:
        if doc.edits:
            self.record_edits(doc)
        if doc.dropped is not None:
            self["dropped"] += 1
            self["chars_dropped"] += len(doc.text)
            self[f"drop|{doc.dropped.step}|{doc.dropped.reason}"] += 1
        else:
            self["kept"] += 1
            self["chars_kept"] += len(doc.text)

    @staticmethod
    def of_out(doc: Document) -> dict[str, int]:
        """What `record_out(doc)` adds, as a plain dict; a dropped document without edits (most of what a real
        crawl drops) without a `Counters` of its own (a tenth of staging such a document: runners/core.py
        `Settled`)."""
        drop = doc.dropped
        if drop is None or doc.edits:
            counts = Counters()
            counts.record_out(doc)
            return dict(counts)
        return {"dropped": 1, "chars_dropped": len(doc.text), f"drop|{drop.step}|{drop.reason}": 1}

    def record_split(self, step: str, parts: int) -> None:
        self[f"split|{step}"] += 1
        self[f"parts|{step}"] += parts

    def record_quarantine(self, error: str) -> None:
        self["quarantined"] += 1
        self[f"quarantine|{error}"] += 1


def merge(counters: Iterable[dict[str, int]]) -> Counters:
    total = Counters()
    for c in counters:
        total.update(c)
    return total


def _by_prefix(c: Counter, prefix: str) -> dict[str, int]:
    n = len(prefix)
    return {k[n:]: v for k, v in sorted(c.items()) if k.startswith(prefix)}


def build_stats(c: Counter) -> dict[str, Any]:
    """The stats document written to `OUT/stats.json`, deterministic (the runner adds the CPU times,
    `TIMING_KEYS`, which are not)."""
    splits = _by_prefix(c, "split|")
    parts = _by_prefix(c, "parts|")
    edits: dict[str, dict[str, Any]] = {}
    for key, n in _by_prefix(c, "edit|").items():
        step, reason = key.split("|", 1)
        entry = edits.setdefault(step, {"documents": c.get(f"edited|{step}", 0), "edits": 0, "by_reason": {}})
        entry["edits"] += n
        entry["by_reason"][reason] = n
    dropped_by: dict[str, dict[str, int]] = {}
    for key, n in _by_prefix(c, "drop|").items():
        step, reason = key.split("|", 1)
        dropped_by.setdefault(step, {})[reason] = n
    return {
        "documents": {
            "in": c.get("records_in", 0),
            "kept": c.get("kept", 0),
            "dropped": c.get("dropped", 0),
            "quarantined": c.get("quarantined", 0),
            "split": sum(splits.values()),
            "parts_from_splits": sum(parts.values()),
        },
        "characters": {
            "in": c.get("chars_in", 0),
            "kept": c.get("chars_kept", 0),
            "dropped": c.get("chars_dropped", 0),
        },
        "input": {
            "files": c.get("files", 0),
            "bytes": c.get("bytes_in", 0),
            "blank_lines": c.get("blank_lines", 0),
            "skipped_records": _by_prefix(c, "skipped_record|"),  # WARC records that are not HTML pages
        },
        "dropped_by": dropped_by,
        "quarantined_by": _by_prefix(c, "quarantine|"),
        "edits_by": edits,
        "splits_by": {s: {"documents": n, "parts": parts.get(s, 0)} for s, n in splits.items()},
    }


def check_accounting(stats: dict[str, Any]) -> None:
    """in = kept + dropped + quarantined, where each split turns one document into its parts."""
    d = stats["documents"]
    out = d["kept"] + d["dropped"] + d["quarantined"]
    expected = d["in"] - d["split"] + d["parts_from_splits"]
    if out != expected:
        raise AccountingError(
            f"accounting does not add up: in={d['in']}, split {d['split']} into {d['parts_from_splits']} parts, "
            f"so {expected} records were due, but kept={d['kept']} + dropped={d['dropped']} + "
            f"quarantined={d['quarantined']} = {out}. The output is incomplete; please report this."
        )


def failed_records(stats: dict[str, Any]) -> int:
    """Records that could not be processed: quarantined input, and documents dropped because a step raised."""
    errors = sum(n for reasons in stats["dropped_by"].values() for r, n in reasons.items() if r == "step_error")
    return stats["documents"]["quarantined"] + errors


TIMING_KEYS = ("time_by_step", "time_by_pass")  # the parts of stats.json that differ from run to run


def build_timing(passes: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`time_by_step` and `time_by_pass` from the CPU times of units and passes (`{pass, seconds, steps}`):
    process CPU seconds, summed over workers. A step's time is split by pass (a step before a two-pass step
    runs in its counting pass too, unless the documents were staged); a pass's `seconds` include reading,
    parsing and writing, `in_steps` only the steps."""
    by_step: dict[str, dict[str, Any]] = {}
    by_pass: dict[str, dict[str, float]] = {}
    for p in passes:
        entry = by_pass.setdefault(p["pass"], {"seconds": 0.0, "in_steps": 0.0})
        entry["seconds"] += p["seconds"]
        for step, t in p["steps"].items():
            s = by_step.setdefault(step, {"seconds": 0.0, "by_pass": {}})
            s["seconds"] += t
            s["by_pass"][p["pass"]] = s["by_pass"].get(p["pass"], 0.0) + t
            entry["in_steps"] += t
    for s in by_step.values():
        s["seconds"] = round(s["seconds"], 3)
        s["by_pass"] = {k: round(v, 3) for k, v in s["by_pass"].items()}
    return by_step, {k: {n: round(v, 3) for n, v in e.items()} for k, e in by_pass.items()}


def without_timing(stats: dict[str, Any]) -> dict[str, Any]:
    """stats.json without its CPU times: what two runs of the same input and configuration share exactly."""
    return {k: v for k, v in stats.items() if k not in TIMING_KEYS}
