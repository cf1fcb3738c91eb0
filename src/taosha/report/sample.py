"""The bounded, seeded sample a run collects for its HTML report (`report/html.py`), one unit at a time.

The runner hands every output document of a unit to `RunSample.add` and stores `to_json()` in the unit's
completion marker; `finish` merges the units into `OUT/reports/sample.json`. Everything here merges
exactly, so the sample depends neither on the number of workers nor on the order in which units finish:

- per rule (an edit's or a drop's `step/reason`), the `PER_RULE` documents with the smallest seeded hash of
  (rule, id) — a bottom-k sample, which is the same whether taken per unit then merged or over the whole run —
  each stored as its diff rebuilt from the edit log and folded around the edits;
- per threshold of a filter, the `NEAR` documents closest to it on either side (ties broken by the hash);
- per numeric signal, a histogram of values rounded to two significant digits, by outcome (kept, or the step
  that dropped the document): bounded by the rounding, not by the number of documents;
- counts of short string signals (script, language) and of the input encodings that were decoded;
- per edit rule, documents, edits and characters removed and added (exact sums);
- per site, the lines removed as boilerplate most often (the top lines of each unit, summed: approximate
  for lines that are frequent in some units only).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import chain, compress
from operator import itemgetter, methodcaller
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import orjson
import xxhash
from xxhash import xxh3_64_intdigest as _xxh3

from taosha.document import REDACTED, Document, redacted_length
from taosha.report.diff import diff_runs, fold

SEED = 20  # part of every sampling hash: another seed draws another sample
PER_RULE = 5  # documents kept per rule (the report shows up to this many)
NEAR = 3  # documents kept on each side of each threshold
EXCERPT = 240  # characters of a near-threshold document kept
SITES = 40  # sites kept in the boilerplate table, by lines removed
LINES_PER_SITE = 8
LINE_CHARS = 120
CATEGORY_VALUES = 60  # distinct values kept per string signal
SAMPLE_FORMAT = 1
_LAYOUT = 2  # RunSample's fields as pickled beside a stage: bumped when they change (an older one is not gone on with)
_STEP_REASON, _BEFORE, _AFTER = itemgetter(0, 1), itemgetter(4), itemgetter(5)  # an Edit's fields
_IS_REDACTED = methodcaller("startswith", REDACTED)
_NUMBERS = frozenset({int, float})  # not bool: a flag is no measurement
_VALUES = dict.values
_SHORT = (32).__ge__  # a string signal of up to 32 characters is counted as a category

# Which step parameter is a threshold on which signal, and on which side documents are dropped. Kept here as
# data, not guessed from names: `dedup.near.min_chars` or `clean.frequent_lines.min_share` are no drop
# thresholds on a signal.
THRESHOLDS: dict[str, dict[str, tuple[str, str]]] = {
    "filter.quality": {
        "min_chars": ("chars", "min"),
        "min_han_share": ("han_share", "min"),
        "max_dup_line_share": ("dup_line_share", "max"),
        "max_dup_ngram_5": ("dup_ngram_5", "max"),
        "max_dup_ngram_10": ("dup_ngram_10", "max"),
        "max_top_ngram_2": ("top_ngram_2", "max"),
        "max_sentence_chars": ("sentence_max", "max"),
    },
    "filter.length": {"min_chars": ("chars", "min"), "max_chars": ("chars", "max")},
    "clean.placeholders": {"max_per_1000": ("placeholder_density", "max")},
    "dedup.near": {"threshold": ("near_similarity", "max")},
}
# numeric signals that are labels, not measurements: no distribution
NOT_MEASURES = frozenset({"near_cluster", "compilation_part"})
# string signals that identify documents: not counted as categories
NOT_CATEGORIES = frozenset({"near_duplicate_of"})
BOILERPLATE_STEPS = ("clean.boilerplate", "clean.frequent_lines")


def thresholds_of(steps: list[Any]) -> list[dict[str, Any]]:
    """The active thresholds of the given step objects (a limit of 0 turns a test off), in pipeline order."""
    out = []
    for s in steps:
        for param, (signal, side) in THRESHOLDS.get(getattr(s, "name", ""), {}).items():
            # a two-pass step's prepared form keeps its parameters in `spec` (dedup.near)
            limit = getattr(s, param, getattr(getattr(s, "spec", None), param, 0))
            if isinstance(limit, int | float) and not isinstance(limit, bool) and limit:
                out.append({"step": s.name, "param": param, "signal": signal, "side": side, "limit": limit})
    return out


def _hash(*parts: str) -> int:
    return xxhash.xxh3_64_intdigest("\x00".join((str(SEED), *parts)).encode())


def _prefix(part: str) -> str:
    """What `_hash(part, x)` hashes before `x`: made once per rule or threshold, not once per document."""
    return f"{SEED}\x00{part}\x00"


def buckets(values: np.ndarray) -> np.ndarray:
    """Values rounded to two significant digits (whole numbers below 100 stay exact): the histograms' keys.

    >>> buckets(np.array([0.0623, 0.85, 7, 1234, 0.0, -0.456])).tolist()
    [0.062, 0.85, 7.0, 1200.0, 0.0, -0.46]
    """
    a = np.asarray(values, dtype=np.float64)
    mag = np.abs(a)
    exp = np.floor(np.log10(np.where(mag > 0, mag, 1.0)))
    scale = 10.0 ** (1 - exp)
    rounded = np.round(a * scale) / scale
    return np.where((mag < 100) & (a == np.floor(a)), a, rounded)


def site_of(doc: Document) -> str:
    url = doc.metadata.get("url") if isinstance(doc.metadata, dict) else None
    if isinstance(url, str) and "//" in url:
        return urlsplit(url).netloc.lower()
    path = str(doc.source.get("path", ""))
    return f"file {path.rsplit('/', 1)[-1]}" if path else "(unknown)"


class RunSample:
    """What one unit contributes to the report; `to_json()` is small whatever the unit's size."""

    def __init__(self, thresholds: list[dict[str, Any]]) -> None:
        # (signal, drops below?, limit, key inside, key outside)
        self.thresholds = [(t["signal"], t["side"] == "min", t["limit"], f"{t['step']}.{t['param']}|in",
                            f"{t['step']}.{t['param']}|out") for t in thresholds]
        # rule or threshold key -> `_prefix` of it
        self._prefixes: dict[str, str] = {k: _prefix(k) for t in self.thresholds for k in t[3:]}
        self.rules: dict[str, list[tuple[int, str, str, int, Document]]] = {}
        self.near: dict[str, list[tuple[float, int, str, bytes, int, dict[str, Any]]]] = {}
        self.hist: Counter[tuple[str, float, str]] = Counter()
        self._signals: dict[str, list[dict[str, Any]]] = {}  # outcome -> documents' signals, until flushed
        self._pending = 0
        self.categories: Counter[tuple[str, str]] = Counter()
        self.edit_chars: dict[str, list[int]] = {}
        self.lines: Counter[tuple[str, str]] = Counter()
        self.site_lines: Counter[str] = Counter()
        self._seq = 0

    def __getstate__(self) -> dict[str, Any]:
        # pickled (a stage keeps the sample of its settled documents: runners/core.py `Settled`) with the signals
        # waiting to be counted counted: a few thousand dicts fewer to pickle; and with the layout it was made with
        self._flush()
        return {**self.__dict__, "_layout": _LAYOUT}

    def same_layout(self, other: RunSample) -> bool:
        """Whether this sample (unpickled: a stage's) can go on where `other` would start: made by this code's
        layout (`_LAYOUT`) and with the same thresholds."""
        return getattr(self, "_layout", None) == _LAYOUT and self.thresholds == other.thresholds

    @classmethod
    def for_steps(cls, steps: list[Any]) -> RunSample:
        return cls(thresholds_of(steps))

    def taking(self, items: Iterable[Any]) -> Iterator[Any]:
        """`items` unchanged, each document among them taken into the sample on its way (quarantined input is
        passed over)."""
        add = self.add
        for item in items:
            if isinstance(item, Document):
                add(item)
            yield item

    def add(self, doc: Document) -> None:
        """Take one output document (kept or dropped) into the sample."""
        drop = doc.dropped
        outcome = drop.step if drop is not None else "kept"
        # signals are counted a column at a time, every few thousand documents (a loop per signal and document
        # here would be most of the sample's cost)
        waiting = self._signals.get(outcome)
        if waiting is None:
            waiting = self._signals[outcome] = []
        waiting.append(doc.signals)
        self._pending += 1
        if self._pending >= 4096:
            self._flush()
        encoding = doc.source.get("encoding")
        if encoding:
            self.categories["input encoding", str(encoding)] += 1
        rules: dict[str, None] = {}
        edits = doc.edits
        if edits:
            # counted in C (map, Counter, compress): a spun page has hundreds of edits of a few kinds
            keys = list(map(_STEP_REASON, edits))
            removed = list(map(len, map(_BEFORE, edits)))
            added = list(map(len, map(_AFTER, edits)))
            if any(map(_IS_REDACTED, map(_BEFORE, edits))) or any(map(_IS_REDACTED, map(_AFTER, edits))):
                # a span withheld by design (pii.mask) counts the characters its marker stands for
                removed = [redacted_length(e[4]) or len(e[4]) for e in edits]
                added = [redacted_length(e[5]) or len(e[5]) for e in edits]
            counts = Counter(keys)
            for key, n in counts.items():
                rule = f"{key[0]}/{key[1]}"
                rules[rule] = None
                total = self.edit_chars.get(rule)
                if total is None:
                    total = self.edit_chars[rule] = [0, 0, 0, 0]
                total[0] += 1
                total[1] += n
                if len(counts) == 1:
                    total[2] += sum(removed)
                    total[3] += sum(added)
                else:
                    total[2] += sum(compress(removed, map(key.__eq__, keys)))
                    total[3] += sum(compress(added, map(key.__eq__, keys)))
                if key[0] in BOILERPLATE_STEPS:
                    self._boilerplate(site_of(doc), compress(map(_BEFORE, edits), map(key.__eq__, keys)))
        if drop is not None:
            rules[f"drop:{drop.step}/{drop.reason}"] = None
        for rule in rules:
            self._offer(rule, doc)
        signals, near, prefixes = doc.signals, self.near, self._prefixes
        for signal, below, limit, inside, outside in self.thresholds:
            v = signals.get(signal)
            if v is None or v.__class__ is str:
                continue
            key = outside if (v < limit if below else v > limit) else inside
            distance = abs(v - limit)
            kept = near.get(key)
            if kept is not None and len(kept) >= NEAR:
                last = kept[-1]
                if distance > last[0]:
                    continue  # the common case, decided here
                h = _xxh3((prefixes[key] + doc.id).encode())
                if (distance, h) > last[:2]:
                    continue  # a tie at the bound (many documents share a value): decided by the hash (the same
                    # hash: one id twice, decided by the entries in `_near`)
            else:
                if kept is None:
                    kept = near[key] = []
                h = _xxh3((prefixes[key] + doc.id).encode())
            self._near(kept, distance, h, doc, signal)

    def _flush(self) -> None:
        hist, categories = self.hist, self.categories
        for outcome, dicts in self._signals.items():
            # documents that went through the same steps carry the same signals in the same order: a group's values
            # are flattened in C and, where all are numbers, made one array (a row per document) and rounded at
            # once; the rest (strings, flags, None) column by column as they come
            rows: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for d in dicts:
                keys = tuple(d)
                group = rows.get(keys)
                if group is None:
                    group = rows[keys] = []
                group.append(d)
            # per signal, its values in document order, group by group: an array of buckets where all are numbers, else
            # (their classes, the values)
            columns: dict[str, list[Any]] = {}
            for keys, group in rows.items():
                width, n = len(keys), len(group)
                flat = list(chain.from_iterable(map(_VALUES, group)))  # row after row
                types = list(map(type, flat))
                classes = [set(types[j::width]) for j in range(width)]
                numeric = [k <= _NUMBERS for k in classes]
                table = None
                if any(numeric):
                    numbers = flat
                    if not all(numeric):
                        numbers = flat.copy()  # the other columns stand aside as zeros, for one conversion
                        for j in range(width):
                            if not numeric[j]:
                                numbers[j::width] = [0] * n
                    table = buckets(np.array(numbers, dtype=np.float64).reshape(n, width))
                for j, key in enumerate(keys):
                    c = columns.get(key)
                    if c is None:
                        c = columns[key] = []
                    c.append(table[:, j] if table is not None and numeric[j] else (classes[j], flat[j::width]))
            for key, pieces in sorted(columns.items()):
                rounded = []
                strings: Counter[str] | None = None
                for piece in pieces:
                    if piece.__class__ is not tuple:
                        rounded.append(piece)
                        continue
                    kinds, values = piece
                    if str in kinds and key not in NOT_CATEGORIES:
                        if strings is None:
                            strings = Counter()
                        if len(kinds) > 1:
                            values = [v for v in values if v.__class__ is str]
                        strings.update(compress(values, map(_SHORT, map(len, values))))
                        values = piece[1]
                    if kinds & _NUMBERS:
                        rounded.append(buckets(np.array([v for v in values if v.__class__ in _NUMBERS],
                                                        dtype=np.float64)))
                if strings is not None:
                    for v, n in strings.items():
                        categories[key, v] += n
                if rounded and key not in NOT_MEASURES:
                    values, counts = np.unique(rounded[0] if len(rounded) == 1 else np.concatenate(rounded),
                                               return_counts=True)
                    get = hist.get  # not `hist[k] += n`: a missing key costs Counter a Python call
                    for b, n in zip(values.tolist(), counts.tolist(), strict=True):
                        k = (key, int(b) if b.is_integer() else b, outcome)
                        hist[k] = get(k, 0) + n
        self._signals = {}
        self._pending = 0

    def _boilerplate(self, where: str, removed: Iterable[str]) -> None:
        lines = self.lines
        n = 0
        for text in removed:
            if text.startswith(REDACTED):
                continue  # withheld by design: not shown, not even as a marker
            for line in text.split("\n"):
                line = line.strip()
                if line:
                    lines[where, line[:LINE_CHARS]] += 1
                    n += 1
        self.site_lines[where] += n

    def _prefix_of(self, part: str) -> str:
        prefix = self._prefixes[part] = _prefix(part)
        return prefix

    def _offer(self, rule: str, doc: Document) -> None:
        h = _xxh3(((self._prefixes.get(rule) or self._prefix_of(rule)) + doc.id).encode())
        kept = self.rules.get(rule)
        if kept is None:
            kept = self.rules[rule] = []
        elif len(kept) >= PER_RULE and (h, doc.id) > kept[-1][:2]:
            return
        # the document itself is held (a finished document is not changed again): its diff is built only for the
        # few that are still in the sample when the unit ends. One id twice under a rule (an input that repeats
        # ids) is ordered by what its entry is made of (`_tie`), not by the order of `add`: a stage's documents are
        # sampled before the main pass's (runners/core.py `Settled`), and a unit split in two merges the same
        self._seq += 1
        bisect.insort(kept, (h, doc.id, _tie(doc), self._seq, doc))
        del kept[PER_RULE:]

    def _near(self, kept: list[Any], distance: float, h: int, doc: Document, signal: str) -> None:
        """`doc` into the documents kept nearest to a threshold on one side (`kept`), `h` its hash there."""
        self._seq += 1
        entry = {"id": doc.id, "value": doc.signals[signal], "outcome": _outcome(doc), "text": doc.text[:EXCERPT],
                 "chars": len(doc.text)}
        bisect.insort(kept, (distance, h, doc.id, _near_tie(entry), self._seq, entry))
        del kept[NEAR:]

    @staticmethod
    def _entry(doc: Document, entries: dict[int, dict[str, Any]]) -> dict[str, Any]:
        entry = entries.get(id(doc))
        if entry is None:
            entry = entries[id(doc)] = _entry(doc)
        return entry

    def to_json(self) -> dict[str, Any]:
        self._flush()
        entries: dict[int, dict[str, Any]] = {}  # one diff per document, however many rules hold it
        top: dict[str, list[tuple[int, str]]] = {}
        for (where, line), n in self.lines.items():
            top.setdefault(where, []).append((n, line))
        return {
            "format": SAMPLE_FORMAT,
            "rules": {r: [[h, self._entry(d, entries), tie] for h, _, tie, _, d in v]
                      for r, v in sorted(self.rules.items())},
            "near": {k: [[d, h, e] for d, h, _, _, _, e in v] for k, v in sorted(self.near.items())},
            "hist": [[s, b, o, n] for (s, b, o), n in sorted(self.hist.items())],
            "categories": _top_categories(self.categories),
            "edit_chars": dict(sorted(self.edit_chars.items())),
            "boilerplate": _top_lines(self.site_lines, top),
        }


def _outcome(doc: Document) -> str:
    d = doc.dropped
    return f"dropped: {d.step}/{d.reason}" if d is not None else "kept"


def _entry(doc: Document) -> dict[str, Any]:
    d = doc.dropped
    return {
        "id": doc.id,
        "outcome": _outcome(doc),
        "detail": d.detail if d is not None else "",
        "chars": len(doc.text),
        "edits": len(doc.edits),
        "parent": doc.parent.get("id") if doc.parent else None,
        "diff": fold(diff_runs(doc.text, doc.edits)),
    }


def _tie(doc: Document) -> str:
    """A digest of what a document's entry in a rule's sample is made of (`_entry`): the order of two documents with
    one id and so one hash (an input may repeat ids), the same whatever the order in which they were added (equal
    digests: equal entries, whose order does not show)."""
    d, parent = doc.dropped, doc.parent
    made_of = repr(((d.step, d.reason, d.detail) if d is not None else None, doc.text,
                    [tuple(e) for e in doc.edits], parent.get("id") if parent else None))
    return xxhash.xxh3_128_hexdigest(made_of.encode("utf-8", "surrogatepass"))


def _near_tie(entry: dict[str, Any]) -> bytes:
    """A near-threshold entry as bytes: the order of two with one id at one distance (see `_tie`)."""
    return orjson.dumps(entry, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY, default=repr)


def _top_categories(c: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    by: dict[str, Counter[str]] = {}
    for (key, value), n in c.items():
        by.setdefault(key, Counter())[value] = n
    # the most frequent values, ties at the cut by value (not by first appearance: the order documents come in)
    return {k: dict(sorted(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:CATEGORY_VALUES]))
            for k, v in sorted(by.items())}


def _top_lines(site_lines: Counter[str], top: dict[str, list[tuple[int, str]]]) -> dict[str, Any]:
    sites = sorted(site_lines.items(), key=lambda kv: (-kv[1], kv[0]))[:SITES]
    return {
        where: {"lines": total,
                "top": [[line, n] for n, line in sorted(top.get(where, []), key=lambda x: (-x[0], x[1]))[
                    :LINES_PER_SITE]]}
        for where, total in sites
    }


def merge_samples(parts: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """The units' samples as one (the same whatever the order of `parts`). Streams: memory holds the merged
    sample and one part, whatever the number of units."""
    rules: dict[str, list] = {}
    near: dict[str, list] = {}
    hist: Counter[tuple[str, float, str]] = Counter()
    categories: Counter[tuple[str, str]] = Counter()
    edit_chars: dict[str, list[int]] = {}
    site_lines: Counter[str] = Counter()
    lines: Counter[tuple[str, str]] = Counter()
    units = 0
    # (ties on the hash, one id twice, by the entry: `_tie`, carried by a unit's rules, `_near_tie`; a marker older
    # than the tie, two fields, in the order the parts come)
    by_hash = lambda he: (he[0], he[1]["id"], he[2] if len(he) > 2 else "")  # noqa: E731
    by_distance = lambda dhe: (dhe[0], dhe[1], dhe[2]["id"], _near_tie(dhe[2]))  # noqa: E731
    for p in parts:
        if not p:
            continue
        units += 1
        for r, entries in p["rules"].items():
            rules[r] = sorted([*rules.get(r, ()), *entries], key=by_hash)[:PER_RULE]
        for k, entries in p["near"].items():
            near[k] = sorted([*near.get(k, ()), *entries], key=by_distance)[:NEAR]
        for s, b, o, n in p["hist"]:
            hist[s, b, o] += n
        for k, values in p["categories"].items():
            for v, n in values.items():
                categories[k, v] += n
        for r, counts in p["edit_chars"].items():
            total = edit_chars.setdefault(r, [0, 0, 0, 0])
            for i, n in enumerate(counts):
                total[i] += n
        for where, s in p["boilerplate"].items():
            site_lines[where] += s["lines"]
            for line, n in s["top"]:
                lines[where, line] += n
        if len(lines) > 50_000:  # keep memory flat on a huge run: the long tail of rare lines goes
            lines = Counter(dict(lines.most_common(25_000)))
    top: dict[str, list[tuple[int, str]]] = {}
    for (where, line), n in lines.items():
        top.setdefault(where, []).append((n, line))
    return {
        "format": SAMPLE_FORMAT,
        "seed": SEED,
        "units": units,
        "rules": {r: [he[1] for he in v] for r, v in sorted(rules.items())},
        "near": {k: [e for _, _, e in v] for k, v in sorted(near.items())},
        "hist": [[s, b, o, n] for (s, b, o), n in sorted(hist.items())],
        "categories": _top_categories(categories),
        "edit_chars": {r: dict(zip(("documents", "edits", "chars_removed", "chars_added"), c, strict=True))
                       for r, c in sorted(edit_chars.items())},
        "boilerplate": _top_lines(site_lines, top),
    }
