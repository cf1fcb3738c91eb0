"""A document's before/after diff, rebuilt from its edit log and folded around the edits (for the HTML report).

`diff_runs(final, edits)` aligns the original text (rebuilt by undoing the edits) with the final one as a list
of runs: unchanged text, or a changed run `(before, after, rules)` where later edits that touch an earlier
change are merged into it, so each character of either side appears exactly once. `fold` keeps a little
context around each change and replaces the rest by a count, so a long page shows only where it changed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from taosha.document import Edit, redacted_length, undo_edits


@dataclass
class Run:
    before: str
    after: str
    rules: tuple[str, ...] = ()  # "step/reason" of every edit merged into this run; () for unchanged text

    @property
    def changed(self) -> bool:
        return bool(self.rules)


def diff_runs(final: str, edits: Sequence[Edit]) -> list[Run]:
    """The original and final text as aligned runs: `"".join(r.before) == original`, `"".join(r.after) == final`.

    >>> [(r.before, r.after, r.rules) for r in diff_runs("经济", [Edit("s", "r", 1, 6, "濟(jì)", "济")])]
    [('经', '经', ()), ('濟(jì)', '济', ('s/r',))]
    """
    shown = [_shown(e) for e in edits]
    # undone from the log as written: an edit whose `after` is withheld (an earlier edit pii.mask withheld because
    # its text held the data, e.g. extract.html's whole page) stands for text that later edits changed, so it is
    # not checked against the text (as `undo_edits` does), and its withheld characters come back as WITHHELD
    original = undo_edits(final, edits, fill=WITHHELD)
    runs = [Run(original, original)] if original else []
    lens = [len(original)] if original else []  # len(run.after) of each run, kept beside them
    for e in shown:
        runs, lens = _apply(runs, lens, e)
    if shown != list(edits):
        # a withheld `after` replayed as WITHHELD characters hides text the record still shows: the final text
        # is the record's own, so each run's `after` is cut from it (the lengths agree by construction)
        pos = 0
        for r in runs:
            r.after, pos = final[pos : pos + len(r.after)], pos + len(r.after)
    return _merged(runs)


WITHHELD = "□"  # stands for each character of a span withheld by design (pii.mask): the diff never shows it


def _shown(e: Edit) -> Edit:
    """The edit with any withheld field (a redaction marker) as `WITHHELD` characters of the length it stands for."""
    nb, na = redacted_length(e.before), redacted_length(e.after)
    if nb is None and na is None:
        return e
    return e._replace(before=e.before if nb is None else WITHHELD * nb, after=e.after if na is None else WITHHELD * na)


def _apply(runs: list[Run], lens: list[int], e: Edit) -> tuple[list[Run], list[int]]:
    """Replace `[e.start, e.end)` of the current text (the runs' `after`) by `e.after`. Unchanged text is cut at
    the span's ends; an earlier change that overlaps the span is merged whole into the new one.

    The runs before the span (ending at or before its start) and after it (starting at or after its end) are
    found by bisection and copied as slices: a page with hundreds of edits costs no Python loop over all runs
    per edit."""
    s, t = e.start, e.end
    ends = list(accumulate(lens))
    i = bisect_right(ends, s)  # runs[:i] end at or before s
    starts = [0, *ends[:-1]]
    j = bisect_left(starts, t, i)  # runs[j:] start at or after t; an insertion (s == t) cuts only a run around s
    if s < t and t - s == len(e.after):
        return _apply_in_place(runs, lens, e, i, j, starts)
    pre: list[Run] = []
    post: list[Run] = []
    before: list[str] = []
    rules: list[str] = []
    head = tail = ""  # an earlier change's output that reaches outside the span stays in the merged after
    for k in range(i, j):
        r, lo = runs[k], starts[k]
        hi = lo + lens[k]
        if not r.changed:
            if lo < s:
                pre.append(Run(r.after[: s - lo], r.after[: s - lo]))
            before.append(r.after[max(0, s - lo) : t - lo])
            if hi > t:
                post.append(Run(r.after[t - lo :], r.after[t - lo :]))
        else:
            if lo < s:
                head = r.after[: s - lo]
            if hi > t:
                tail = r.after[t - lo :]
            before.append(r.before)
            rules.extend(r.rules)
    merged = Run("".join(before), head + e.after + tail, tuple(dict.fromkeys([*rules, f"{e.step}/{e.reason}"])))
    middle = [*pre, merged, *post]
    return runs[:i] + middle + runs[j:], lens[:i] + [len(r.after) for r in middle] + lens[j:]


def _apply_in_place(runs: list[Run], lens: list[int], e: Edit, i: int, j: int, starts: list[int]
                    ) -> tuple[list[Run], list[int]]:
    """An edit that replaces its span by text of the same length (a script conversion) maps character to
    character, so it is laid over the runs in place: an earlier deletion inside its span (a pinyin annotation)
    stays a change of its own rule instead of being merged into this one."""
    s, t = e.start, e.end
    rule = f"{e.step}/{e.reason}"
    middle: list[Run] = []
    for k in range(i, j):
        r, lo = runs[k], starts[k]
        hi = lo + lens[k]
        a, b = max(lo, s), min(hi, t)  # the part of this run's output inside the span
        new = e.after[a - s : b - s]
        if not r.changed:
            if lo < s:
                middle.append(Run(r.after[: s - lo], r.after[: s - lo]))
            part = r.after[a - lo : b - lo]
            middle.append(Run(part, new, (rule,)) if part != new else Run(part, part))
            if hi > t:
                middle.append(Run(r.after[t - lo :], r.after[t - lo :]))
        else:
            after = r.after[: a - lo] + new + r.after[b - lo :]
            middle.append(Run(r.before, after, r.rules if after == r.after else tuple(dict.fromkeys((*r.rules, rule)))))
    return runs[:i] + middle + runs[j:], lens[:i] + [len(r.after) for r in middle] + lens[j:]


def _merged(runs: list[Run]) -> list[Run]:
    """Adjacent unchanged runs, and adjacent changes by the same rules, joined; empty runs left out. Adjacent
    changes by different rules stay apart, so each shows which rule made it."""
    out: list[Run] = []
    for r in runs:
        if not r.before and not r.after:
            continue
        if out and out[-1].rules == r.rules:
            p = out[-1]
            out[-1] = Run(p.before + r.before, p.after + r.after, tuple(dict.fromkeys(p.rules + r.rules)))
        else:
            out.append(r)
    return out


def fold(runs: list[Run], context: int = 60, max_changes: int = 30, max_run: int = 300) -> list[list]:
    """Runs as compact JSON-ready pieces: `["=", text]`, `["~", n]` (n unchanged characters left out),
    `["x", before, after, rules]` (a changed run; a very long side keeps its ends around `["~", n]` as text
    "⋯n⋯") and, after `max_changes` changes, `["+", n]` (n more changes not shown)."""
    pieces: list[list] = []
    changes = sum(r.changed for r in runs)
    shown = 0
    for k, r in enumerate(runs):
        if r.changed:
            if shown == max_changes:
                pieces.append(["+", changes - shown])
                break
            shown += 1
            pieces.append(["x", _clip(r.before, max_run), _clip(r.after, max_run), list(r.rules)])
            continue
        text = r.after
        first, last = k == 0, k == len(runs) - 1
        keep_head = 0 if first else context
        keep_tail = 0 if last else context
        if first and last:  # no change at all: the beginning of the text
            keep_head = context * 4
        if len(text) <= keep_head + keep_tail + 12:
            pieces.append(["=", text])
            continue
        if keep_head:
            pieces.append(["=", text[:keep_head]])
        pieces.append(["~", len(text) - keep_head - keep_tail])
        if keep_tail:
            pieces.append(["=", text[len(text) - keep_tail :]])
    return pieces


def _clip(s: str, n: int) -> str:
    if len(s) <= n:
        return s
    half = n // 2
    return f"{s[:half]}⋯{len(s) - 2 * half}⋯{s[len(s) - half :]}"
