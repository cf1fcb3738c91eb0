"""Document, Edit and Drop: the only types every module shares.

A document's text changes only through the methods below, and each change is appended to `edits`
as an `Edit(step, reason, start, end, before, after)`. Offsets are Python string indices (Unicode code
points) into the text *as it stood just before that edit*. Undoing the edits in reverse order rebuilds the
input text exactly (`restore_original`); `tests/test_document.py` checks it on random texts and edits.

One `replace_spans` call may change several runs; it appends them right to left, so that each edit's
offsets are valid both in the text the step received and when the log is replayed edit by edit.

An edit's `before` (or `after`) may be withheld on purpose: personal data masked by `pii.mask` must not
survive in the log. Such a field holds a marker, `redacted(kind, length, digest)`, instead of the text;
`restore_original` then refuses to rebuild (`RedactedError`) unless told what to `fill` those spans with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from taosha.errors import EditLogError, RedactedError


class Edit(NamedTuple):
    """One changed run: `text[start:end] == before` was replaced by `after`."""

    step: str
    reason: str
    start: int
    end: int
    before: str
    after: str

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "reason": self.reason,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Edit:
        return cls(obj["step"], obj["reason"], obj["start"], obj["end"], obj["before"], obj["after"])


class Drop(NamedTuple):
    """Why a document left the pipeline: the step's name, a stable snake_case reason, free-text detail."""

    step: str
    reason: str
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"step": self.step, "reason": self.reason, "detail": self.detail}


class Document:
    """A text with its provenance, signals and the log of every change made to it.

    >>> d = Document("a", "你好，世界  ")
    >>> d.replace(5, 7, "", "repair.whitespace", "trailing_space").text
    '你好，世界'
    >>> restore_original(d)
    '你好，世界  '
    """

    __slots__ = ("dropped", "edits", "id", "metadata", "parent", "signals", "source", "text")

    def __init__(
        self,
        id: str,
        text: str,
        metadata: dict[str, Any] | None = None,
        source: dict[str, Any] | None = None,
        *,
        signals: dict[str, Any] | None = None,
        edits: list[Edit] | None = None,
        dropped: Drop | None = None,
        parent: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.text = text
        self.metadata = metadata if metadata is not None else {}
        self.source = source if source is not None else {}
        self.signals = signals if signals is not None else {}
        self.edits = edits if edits is not None else []
        self.dropped = dropped
        self.parent = parent

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # compact and quick to load (stages, worker results): edits travel as plain tuples, not as
        # NamedTuples rebuilt one Python call each
        edits = tuple(map(tuple, self.edits)) if self.edits else ()
        return _rebuild, (self.id, self.text, self.metadata, self.source, self.signals, edits, self.dropped,
                          self.parent)

    def __repr__(self) -> str:
        state = f" dropped={self.dropped.step}/{self.dropped.reason}" if self.dropped else ""
        text = self.text if len(self.text) <= 40 else self.text[:37] + "..."
        return f"Document(id={self.id!r}, text={text!r}, edits={len(self.edits)}{state})"

    # -- edits -----------------------------------------------------------------------------------------
    def take_over(self, trial: Document) -> Document:
        """Take `trial`'s text and edits, where `trial` began as a copy of this document's current text with no
        edits (a step tried its changes on a copy before deciding to keep them)."""
        self.edits.extend(trial.edits)
        self.text = trial.text
        return self

    def replace(self, start: int, end: int, new: str, step: str, reason: str) -> Document:
        """Replace `text[start:end]` with `new`, recording one edit (nothing if unchanged)."""
        return self.replace_spans([(start, end, new)], step, reason)

    def replace_spans(
        self, spans: Iterable[tuple[int, int, str] | tuple[int, int, str, str]], step: str, reason: str
    ) -> Document:
        """Replace several non-overlapping `(start, end, new)` spans of the current text in one pass.

        Spans must be sorted by start and must not overlap; unchanged spans record nothing. A span may carry its
        own reason as a fourth item (`reason` is then the default).
        """
        text = self.text
        n = len(text)
        pieces: list[str] = []
        new_edits: list[Edit] = []
        add_piece, add_edit, make = pieces.append, new_edits.append, tuple.__new__
        pos = 0
        for start, end, new, *own in spans:
            if start < pos or end < start or end > n:
                raise ValueError(f"span ({start}, {end}) overlaps, is reversed or out of range")
            old = text[start:end]
            if old == new:
                continue
            add_piece(text[pos:start])
            add_piece(new)
            pos = end
            add_edit(make(Edit, (step, own[0] if own else reason, start, end, old, new)))
        if not new_edits:
            return self
        pieces.append(text[pos:])
        self.text = "".join(pieces)
        new_edits.reverse()  # right to left: offsets stay valid while the log is replayed
        self.edits.extend(new_edits)
        return self

    def remove_lines(self, removed: Mapping[int, str], step: str) -> Document:
        """Remove whole lines (line index -> reason) with one edit each, line breaks included: a line takes the
        break after it, and lines at the end of the text the break before them, so no blank line is left behind.

        >>> Document("d", "a\\nb\\nc").remove_lines({1: "x", 2: "y"}, "s").text
        'a'
        """
        lines = self.text.split("\n")
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        tail = len(lines) - 1
        while tail in removed:  # the run of removed lines that ends the text
            tail -= 1
        spans = []
        for k in sorted(removed):
            if k > tail:  # take the break before the line instead of after it
                spans.append((max(0, starts[k] - 1), starts[k + 1] - 1, removed[k]))
            else:
                spans.append((starts[k], starts[k + 1], removed[k]))
        if tail < 0 and spans:  # every line goes: the first one has no break before it
            _, e0, r0 = spans[0]
            spans[0] = (0, e0, r0)
        # one pass over the text (an edit per line each rebuilding the text was quadratic in removed lines), the
        # edits recorded right to left as before: each one's offsets hold where it applies
        return self.replace_spans([(s, e, "", reason) for s, e, reason in spans], step, "")

    def redact(
        self, spans: Iterable[tuple[int, int, str, str, str]], step: str, also: Mapping[int, str] | None = None
    ) -> Document:
        """Replace sorted, non-overlapping `(start, end, new, kind, digest)` spans, withholding what stood there.

        Each edit's reason is the span's `kind` and its `before` the marker `redacted(kind, length, digest)`,
        never the text: the span is unrecoverable by design. Earlier edits whose text flowed into a span (a
        width fold of the same digits, say) are withheld as well, and so are the earlier edits numbered in
        `also` (index -> kind: text that a step removed and that held personal data).

        >>> d = Document("x", "电话１３８").with_text("电话138", "fold", "width")
        >>> d = d.redact([(2, 5, "<PHONE>", "mobile", "")], "pii.mask")
        >>> d.text, [e.before[1:] for e in d.edits]
        ('电话<PHONE>', ['redacted:mobile:3', 'redacted:mobile:3'])
        >>> restore_original(d, fill="*")
        '电话***'
        """
        spans = list(spans)
        if not spans and not also:
            return self
        self._withhold_earlier([(a, b, k) for a, b, _, k, _ in spans], also or {})
        text = self.text
        pieces: list[str] = []
        new_edits: list[Edit] = []
        pos = 0
        for start, end, new, kind, digest in spans:
            if start < pos or end < start or end > len(text):
                raise ValueError(f"span ({start}, {end}) overlaps, is reversed or out of range")
            pieces += (text[pos:start], new)
            pos = end
            new_edits.append(Edit(step, kind, start, end, redacted(kind, end - start, digest), new))
        if new_edits:
            pieces.append(text[pos:])
            self.text = "".join(pieces)
            new_edits.reverse()  # right to left, as replace_spans records them
            self.edits.extend(new_edits)
        return self

    def _withhold_earlier(self, spans: list[tuple[int, int, str]], also: Mapping[int, str]) -> None:
        """Withhold the earlier edits that produced any part of `spans` (current offsets) or are in `also`.

        The log is walked backwards, carrying the spans back to each edit's coordinates; an edit that touches
        one is withheld (both fields) and its `before` joins the spans, for the edits before it.
        """
        tainted: list[list[Any]] = [list(s) for s in spans]  # [start, end, kind]
        for k in range(len(self.edits) - 1, -1, -1):
            e = self.edits[k]
            n_after = redacted_length(e.after)
            n_after = len(e.after) if n_after is None else n_after
            n_before = redacted_length(e.before)
            n_before = len(e.before) if n_before is None else n_before
            lo, hi = e.start, e.start + n_after
            hits = [t for t in tainted if (t[0] < hi and lo < t[1]) or (n_after == 0 and t[0] < lo < t[1])]
            kind = also.get(k) or (hits[0][2] if hits else "")
            delta = n_before - n_after
            for t in tainted:  # to the coordinates before this edit
                if t[0] >= hi and not (n_after == 0 and t[0] < lo):
                    t[0] += delta
                    t[1] += delta
                elif t[1] > lo:
                    t[0] = min(t[0], lo)
                    t[1] = max(t[1] + delta, lo + n_before)
            if kind:
                if n_before:
                    tainted.append([lo, lo + n_before, kind])
                self.edits[k] = Edit(e.step, e.reason, e.start, e.end,
                                     e.before if e.before.startswith(REDACTED) else redacted(kind, n_before),
                                     e.after if e.after.startswith(REDACTED) or not n_after
                                     else redacted(kind, n_after))

    def sub(
        self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str], step: str, reason: str
    ) -> Document:
        """`re.sub` that records one edit per changed match.

        >>> d = Document("x", "a  b   c").sub(re.compile(" {2,}"), " ", "ws", "collapse")
        >>> d.text, len(d.edits)
        ('a b c', 2)
        """
        new_edits: list[Edit] = []
        add, make = new_edits.append, tuple.__new__

        def record(m: re.Match[str]) -> str:  # one pass in C; Python only per match
            new = m.expand(repl) if isinstance(repl, str) else repl(m)
            old = m.group()
            if new != old:
                add(make(Edit, (step, reason, m.start(), m.end(), old, new)))
            return new

        text = pattern.sub(record, self.text)
        if new_edits:
            self.text = text
            new_edits.reverse()  # right to left, as replace_spans records them
            self.edits.extend(new_edits)
        return self

    def with_text(self, new: str, step: str, reason: str) -> Document:
        """Set the text to `new`, recording the difference compactly.

        A text of the same length gives one edit per run of changed characters (runs closer than `_GAP`
        characters are merged). Otherwise, when the line count is unchanged, each changed line is compared
        with its new version in the same way (runs, or one edit between the common prefix and suffix);
        when it changes, one edit covers the run between the common prefix and suffix of the whole text.
        Nothing is recorded when `new` equals the current text.

        >>> d = Document("x", "第一行\\n第二行").with_text("第1行\\n第二行", "s", "r")
        >>> [(e.start, e.before, e.after) for e in d.edits]
        [(1, '一', '1')]
        """
        old = self.text
        if new == old:
            return self
        if len(old) == len(new):  # a character-for-character change (script conversion): its runs
            # the runs are sorted, disjoint and changed by construction, and applying them all gives `new`:
            # the edits are recorded directly (right to left, as replace_spans records them)
            make = tuple.__new__
            runs = _char_runs(old, new)
            runs.reverse()
            self.edits.extend([make(Edit, (step, reason, s, e, old[s:e], new[s:e])) for s, e in runs])
            self.text = new
            return self
        old_lines = old.split("\n")
        new_lines = new.split("\n")
        if len(old_lines) != len(new_lines):
            old_lines, new_lines = [old], [new]
        spans: list[tuple[int, int, str]] = []
        pos = 0
        for a, b in zip(old_lines, new_lines, strict=True):
            if a != b:
                if len(a) == len(b):  # a character-for-character change (script conversion): its runs
                    spans.extend((pos + s, pos + e, b[s:e]) for s, e in _char_runs(a, b))
                else:
                    s, e_old, e_new = changed_run(a, b)
                    spans.append((pos + s, pos + e_old, b[s:e_new]))
            pos += len(a) + 1
        return self.replace_spans(spans, step, reason)

    # -- annotations and decisions ---------------------------------------------------------------------
    def tag(self, key: str, value: Any) -> Document:
        """Set a signal (a number, or a short string such as a script label)."""
        self.signals[key] = value
        return self

    def drop(self, step: str, reason: str, detail: str = "") -> Document:
        """Drop the document with a stable reason code; the runner sends it to `OUT/dropped/`."""
        self.dropped = Drop(step, reason, detail)
        return self

    def split(self, cuts: Iterable[int], step: str) -> list[Document]:
        """Split at the given offsets into parts that together hold every character of the text.

        Each part records its parent (`id`, part number, span); the first part also carries the
        parent's edits so far, so that `restore_parts` rebuilds the parent's original text.

        >>> parts = Document("p", "篇一甲。篇二乙。").split([4], "split.compilation")
        >>> [(p.id, p.text, p.parent["start"]) for p in parts]
        [('p#1', '篇一甲。', 0), ('p#2', '篇二乙。', 4)]
        """
        bounds = sorted({c for c in cuts if 0 < c < len(self.text)})
        edges = [0, *bounds, len(self.text)]
        n = len(edges) - 1
        parts = []
        for k in range(n):
            start, end = edges[k], edges[k + 1]
            parent: dict[str, Any] = {"id": self.id, "step": step, "part": k + 1, "parts": n,
                                      "start": start, "end": end}
            if k == 0:
                parent["edits"] = [e.to_json() for e in self.edits]
                if self.parent is not None:
                    parent["parent"] = self.parent
            parts.append(
                Document(
                    f"{self.id}#{k + 1}",
                    self.text[start:end],
                    metadata=dict(self.metadata),
                    source=dict(self.source),
                    signals=dict(self.signals),
                    parent=parent,
                )
            )
        return parts

    # -- records ---------------------------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """The output record; the schema is documented in the README and kept stable."""
        rec: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "metadata": self.metadata,
            "source": self.source,
            "signals": self.signals,
            # Edit.to_json inlined: the one comprehension over many edits (spun pages have hundreds)
            "edits": [{"step": s, "reason": r, "start": a, "end": b, "before": x, "after": y}
                      for s, r, a, b, x, y in self.edits] if self.edits else [],
        }
        if self.parent is not None:
            rec["parent"] = self.parent
        if self.dropped is not None:
            rec["drop"] = self.dropped.to_json()
        return rec

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Document:
        drop = rec.get("drop")
        return cls(
            rec["id"],
            rec["text"],
            metadata=dict(rec.get("metadata") or {}),
            source=dict(rec.get("source") or {}),
            signals=dict(rec.get("signals") or {}),
            edits=[Edit.from_json(e) for e in rec.get("edits") or ()],
            dropped=Drop(drop["step"], drop["reason"], drop.get("detail", "")) if drop else None,
            parent=rec.get("parent"),
        )


def _rebuild(
    id: str, text: str, metadata: dict[str, Any], source: dict[str, Any], signals: dict[str, Any],
    edits: tuple[tuple[Any, ...], ...], dropped: Drop | None, parent: dict[str, Any] | None,
) -> Document:
    doc = Document(id, text, metadata, source, signals=signals, dropped=dropped, parent=parent)
    if edits:
        doc.edits = list(map(_make_edit, edits))
    return doc


_make_edit = partial(tuple.__new__, Edit)  # an Edit from a plain tuple, in C: no Python frame per edit


Columns = tuple[list[Any], ...]


def to_columns(docs: list[Document]) -> Columns:
    """Documents as eight lists, one per field in `_rebuild`'s order (edits as plain tuples): the form in which
    the runner's stages pickle a batch. Pickled as columns, a batch loads in two thirds of the time the documents
    one by one take (no argument tuple and no call per document in the unpickler: 0.14 -> 0.095 s for 23,000 real
    documents with their signals). Only for plain `Document`s: `from_columns` builds no subclass."""
    return ([d.id for d in docs], [d.text for d in docs], [d.metadata for d in docs], [d.source for d in docs],
            [d.signals for d in docs], [tuple(map(tuple, d.edits)) if d.edits else () for d in docs],
            [d.dropped for d in docs], [d.parent for d in docs])


def from_columns(columns: Columns) -> list[Document]:
    """The documents `to_columns` took apart."""
    return list(map(_rebuild, *columns))


_GAP = 8  # unchanged characters between two changed runs that still make them one edit


def _char_runs(a: str, b: str) -> list[tuple[int, int]]:
    """[start, end) runs where equal-length strings differ, merging runs less than _GAP apart."""
    if len(a) > 64:  # vectorised: a converted line differs at most of its characters
        x = np.frombuffer(a.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        y = np.frombuffer(b.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        diff = np.flatnonzero(x != y)
        if not len(diff):
            return []
        breaks = np.flatnonzero(np.diff(diff) > _GAP)
        starts = np.concatenate(([diff[0]], diff[breaks + 1]))
        ends = np.concatenate((diff[breaks], [diff[-1]])) + 1
        return list(zip(starts.tolist(), ends.tolist(), strict=True))
    runs: list[tuple[int, int]] = []
    start = last = -_GAP - 1
    for i, (x_, y_) in enumerate(zip(a, b)):  # noqa: B905 - equal lengths by contract
        if x_ != y_:
            if i - last > _GAP:
                if last >= 0:
                    runs.append((start, last + 1))
                start = i
            last = i
    if last >= 0:
        runs.append((start, last + 1))
    return runs


def changed_run(a: str, b: str, start: int = 0) -> tuple[int, int, int]:
    """(start, end in a, end in b) of the run between the common prefix (from `start`) and the common suffix.

    Binary search over slice comparisons (done in C), not a character loop: lines can be long.

    >>> changed_run("经济发展很快", "经济发達很快")
    (3, 4, 4)
    """
    s = common_prefix(a, b, start)
    lo = common_suffix(a, b, min(len(a), len(b)) - s)  # not reaching into the prefix
    return s, len(a) - lo, len(b) - lo


def common_prefix(a: str, b: str, start: int = 0) -> int:
    """The end of the common prefix of `a` and `b` from `start` (`a[start:k] == b[start:k]`, k as large as it goes),
    by a binary search over slice comparisons."""
    lo, hi = start, min(len(a), len(b))  # a[start:lo] == b[start:lo] holds; find the largest such lo
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: str, b: str, most: int) -> int:
    """The length of the common suffix of `a` and `b`, at most `most` characters (as `common_prefix`)."""
    la, lb = len(a), len(b)
    lo, hi = 0, most
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


# Marks an edit field whose text was withheld by design (personal data): a Unicode noncharacter, which no
# interchanged text holds, then `redacted:KIND:LENGTH[:DIGEST]`. LENGTH is the withheld text's length in code
# points, so that the rest of the log still replays; DIGEST is an optional keyed hash (never the text).
REDACTED = "\ufdd0redacted:"


def doc_key(doc: Document) -> int:
    """A document's identity across a two-pass step's passes: where it was read, and its id (split parts
    differ). A 64-bit hash, so that a pass keeps one integer per document."""
    import xxhash

    return xxhash.xxh3_64_intdigest(
        f"{doc.source.get('path', '')}\0{doc.source.get('offset', '')}\0{doc.id}".encode("utf-8", "surrogatepass")
    )


def redacted(kind: str, length: int, digest: str = "") -> str:
    """The marker that stands in an edit's `before` (or `after`) for `length` withheld characters.

    >>> redacted("mobile", 11)[1:]
    'redacted:mobile:11'
    >>> redacted_length(redacted("mobile", 11, "hmac-sha256:ab12"))
    11
    """
    return f"{REDACTED}{kind}:{length}" + (f":{digest}" if digest else "")


def redacted_length(field: str) -> int | None:
    """The length a redaction marker stands for, or None when `field` is ordinary text."""
    if not field.startswith(REDACTED):
        return None
    return int(field[len(REDACTED):].split(":", 2)[1])


def undo_edits(text: str, edits: Iterable[Edit | Mapping[str, Any]], fill: str | None = None) -> str:
    """Replay `edits` backwards over `text`, checking each one, and return the text before them.

    Withheld (redacted) text cannot come back: with `fill=None` such a log raises `RedactedError`; otherwise
    each withheld character is rebuilt as `fill`, and the rest of the text exactly.
    """
    log = [e if isinstance(e, Edit) else Edit.from_json(e) for e in edits]
    if fill is None:
        withheld = [e for e in log if e.before.startswith(REDACTED)]
        if withheld:
            kinds = sorted({e.before[len(REDACTED):].split(":", 1)[0] for e in withheld})
            raise RedactedError(
                f"{len(withheld)} span(s) of this record were withheld by design ({', '.join(kinds)}: personal "
                "data masked without keeping it); the original cannot be rebuilt. Pass fill='□' (any string) "
                "to rebuild everything else, with each withheld character shown as the fill"
            )
    for k in range(len(log) - 1, -1, -1):
        e = log[k]
        after, before = e.after, e.before
        n_after = redacted_length(after) if after.startswith(REDACTED) else None
        stop = e.start + (len(after) if n_after is None else n_after)
        if n_after is None and text[e.start : stop] != after:
            raise EditLogError(
                f"edit {k} ({e.step}/{e.reason}) expects {after!r} at {e.start}, "
                f"found {text[e.start:stop]!r}: the record's text or edit log was altered"
            )
        if before.startswith(REDACTED):
            before = (fill or "") * (redacted_length(before) or 0)  # fill is set: a withheld span raised above
        text = text[: e.start] + before + text[stop:]
    return text


def restore_original(record: Document | Mapping[str, Any], fill: str | None = None) -> str:
    """Rebuild the input text of an output record (kept or dropped) from its text and edit log.

    For a part of a split document this is the part's text as it stood when it was split; use
    `restore_parts` with all the parts to rebuild the parent's input text. Personal data masked by
    `pii.mask` is unrecoverable by design: such a record raises `RedactedError` unless `fill` is given, which
    then stands for each withheld character (see `undo_edits`).

    >>> restore_original({"text": "经济", "edits": [{"step": "s", "reason": "r", "start": 1,
    ...     "end": 6, "before": "濟(jì)", "after": "济"}, {"step": "s", "reason": "r", "start": 0,
    ...     "end": 1, "before": "經", "after": "经"}]})
    '經濟(jì)'
    """
    if isinstance(record, Document):
        return undo_edits(record.text, record.edits, fill)
    return undo_edits(record["text"], _edit_log(record), fill)


def _edit_log(record: Mapping[str, Any]) -> Any:
    """A record's edit log: a list, or a JSON string (a Parquet row, docs/formats.md)."""
    log = record.get("edits", ())
    if log is None:
        how = "summary (edits counted per rule)" if record.get("edit_counts") is not None else "none"
        raise EditLogError(
            f"record {record.get('id')!r} has no edit log: the run that wrote it used --edits {how}, so its "
            "original text cannot be rebuilt; run again with --edits full (the default) to keep the log"
        )
    if isinstance(log, str):
        import json

        log = json.loads(log)
    return log or ()


def restore_parts(records: Iterable[Document | Mapping[str, Any]], fill: str | None = None) -> str:
    """Rebuild a split document's input text from all of its parts (in any order)."""
    parts = []
    for r in records:
        parent = r.parent if isinstance(r, Document) else r.get("parent")
        if isinstance(parent, str):  # a loaded output row: a JSON string (docs/formats.md)
            import json

            parent = json.loads(parent)
        if not parent:
            raise EditLogError("restore_parts needs the parts of a split document (records with 'parent')")
        parts.append((parent["part"], parent, restore_original(r, fill)))
    parts.sort(key=lambda p: p[0])
    n = parts[0][1]["parts"] if parts else 0
    if [p[0] for p in parts] != list(range(1, n + 1)):
        raise EditLogError(f"expected parts 1..{n} of one document, got {[p[0] for p in parts]}")
    joined = "".join(p[2] for p in parts)
    return undo_edits(joined, parts[0][1].get("edits") or (), fill)
