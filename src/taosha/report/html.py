"""`taosha report`: one self-contained HTML page per run (inline SVG and CSS, no script, no network).

Built from `stats.json`, `pipeline.toml`, `reports/*.json` and the bounded sample the runner collected
(`reports/sample.json`, see `report/sample.py`), never by re-reading the shards: its size and the time to
build it do not grow with the corpus. The page is deterministic: the same run gives the same bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

import orjson

from taosha.errors import InputError
from taosha.report.sample import thresholds_of

PER_RULE = 3  # documents shown per rule by default
SECTIONS = {  # id -> title, in page order; `timing` only when the run recorded time per step
    "accounting": "Accounting",
    "drops": "Drops by rule",
    "edits": "Edits by rule",
    "timing": "Time per step",
    "signals": "Quality signals",
    "dedup": "Near duplicates",
    "boilerplate": "Boilerplate by site",
    "script": "Script and encoding",
    "samples": "Documents by rule",
}

CSS = """
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#2d3e50;color:#fff;padding:12px 24px}header h1{margin:0;font-size:20px}
nav{padding:6px 24px;background:#e8ecf0;position:sticky;top:0;z-index:1}nav a{margin-right:14px}
main{padding:0 24px 40px;max-width:1400px}section{margin-top:28px}h2{border-bottom:2px solid #2d3e50}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#eef}td.n{text-align:right;font-variant-numeric:tabular-nums}
.identity{font-size:17px;background:#fff;border:1px solid #ccc;padding:10px;display:inline-block}
.ok{color:#1a7f37}.bad{color:#c00}.muted{color:#777}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:14px}
.chart{background:#fff;border:1px solid #ddd;padding:6px}.chart h3{margin:0;font-size:14px}
.chart p{margin:2px 0;font-size:12px}
.doc{background:#fff;border:1px solid #ccc;margin:10px 0;padding:6px}.doc h4{margin:0 0 4px;font-size:13px}
table.diff{width:100%;table-layout:fixed}table.diff td{white-space:pre-wrap;word-break:break-all;font-size:13px}
del{background:#ffd7d5;text-decoration:line-through}ins{background:#ccf5d3;text-decoration:none}
del.other{background:#f3eaea;text-decoration:none}ins.other{background:#e9f3eb}
td.fold{text-align:center;color:#777;background:#f2f2f2;font-size:12px}
.pair td{width:50%;white-space:pre-wrap;word-break:break-all;font-size:13px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle}
"""
KEPT, OWN, OTHER, SHADE = "#7a9cc6", "#d9534f", "#f0ad4e", "#fbe3e2"


def build_report(out: Path, dest: Path | None = None, per_rule: int = PER_RULE) -> Path:
    """Write the HTML report of the run in `out` to `dest` (default `out/report.html`) and return its path."""
    out = Path(out)
    stats_path = out / "stats.json"
    if not stats_path.exists():
        raise InputError(f"{out} holds no finished taosha run (no stats.json): run `taosha clean` to the end first")
    stats = orjson.loads(stats_path.read_bytes())
    reports = {p.stem: orjson.loads(p.read_bytes()) for p in sorted((out / "reports").glob("*.json"))}
    sample = reports.pop("sample", None)
    page = render(stats, reports, sample, _thresholds(out), per_rule)
    dest = Path(dest) if dest is not None else out / "report.html"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(dest)
    return dest


def _thresholds(out: Path) -> list[dict[str, Any]]:
    """The thresholds of the run's filters, from the configuration it saved."""
    toml = out / "pipeline.toml"
    if not toml.exists():
        return []
    from taosha.config import load_config
    from taosha.errors import TaoshaError

    try:
        return thresholds_of(load_config(str(toml)).build())
    except TaoshaError:  # a plugin step that cannot be loaded here: the page is drawn without thresholds
        return []


def render(stats: dict[str, Any], reports: dict[str, Any], sample: dict[str, Any] | None,
           thresholds: list[dict[str, Any]], per_rule: int = PER_RULE) -> str:
    from taosha._version import __version__

    sections = {
        "accounting": _accounting(stats),
        "drops": _drops(stats),
        "edits": _edits(stats, sample),
        "timing": _timing(stats),
        "signals": _signals(sample, thresholds),
        "dedup": _dedup(reports),
        "boilerplate": _boilerplate(sample),
        "script": _script(stats, sample),
        "samples": _samples(stats, sample, per_rule),
    }
    present = [(k, SECTIONS[k], body) for k, body in sections.items() if body is not None]
    d = stats["documents"]
    nav = "".join(f'<a href="#{k}">{escape(title)}</a>' for k, title, _ in present)
    body = "".join(f'<section id="{k}"><h2>{escape(title)}</h2>{html}</section>' for k, title, html in present)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>taosha report: {d['in']:,} records</title><style>{CSS}</style></head><body>"
        f"<header><h1>taosha report</h1>{d['in']:,} records in, {d['kept']:,} kept, {d['dropped']:,} dropped, "
        f"{d['quarantined']:,} quarantined · taosha {escape(__version__)}</header>"
        f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
    )


# -- sections ----------------------------------------------------------------------------------------------
def _accounting(stats: dict[str, Any]) -> str:
    d, ch = stats["documents"], stats["characters"]
    due = d["in"] - d["split"] + d["parts_from_splits"]
    out = d["kept"] + d["dropped"] + d["quarantined"]
    ok = due == out
    split = f" − {d['split']:,} split + {d['parts_from_splits']:,} parts" if d["split"] else ""
    identity = (f'<p class="identity">{d["in"]:,} in{split} = {d["kept"]:,} kept + {d["dropped"]:,} dropped + '
                f'{d["quarantined"]:,} quarantined <b class="{"ok" if ok else "bad"}">'
                f'{"✔ adds up" if ok else f"✘ {due:,} due, {out:,} out"}</b></p>')
    rows = [("records in", d["in"], ch["in"]), ("kept", d["kept"], ch["kept"]),
            ("dropped", d["dropped"], ch["dropped"]), ("quarantined", d["quarantined"], None)]
    if d["split"]:
        rows.append(("split into parts", d["split"], None))
    inp = stats.get("input", {})
    table = _table(["outcome", "documents", "characters"],
                   [[escape(n), _n(a), "" if b is None else _n(b)] for n, a, b in rows])
    files = (f'<p>{_n(inp.get("files", 0))} input file(s), {_size(inp.get("bytes", 0))}; '
             f'{_n(inp.get("blank_lines", 0))} blank lines skipped.</p>')
    quarantine = ""
    if stats.get("quarantined_by"):
        quarantine = "<p>Quarantined (unparseable input, kept raw in quarantine/): " + ", ".join(
            f"{escape(k)} {_n(v)}" for k, v in stats["quarantined_by"].items()) + "</p>"
    return identity + table + files + quarantine


def _drops(stats: dict[str, Any]) -> str:
    rows = [(f"{step}/{reason}", n) for step, reasons in stats["dropped_by"].items() for reason, n in reasons.items()]
    if not rows:
        return "<p>No document was dropped.</p>"
    total = stats["documents"]["in"] or 1
    return _bars(rows, total, "of records in") + _table(
        ["rule", "documents", "share of records in"],
        [[f'<a href="#rule-{_slug("drop:" + r)}">{escape(r)}</a>', _n(n), f"{100 * n / total:.1f}%"]
         for r, n in rows])


def _edits(stats: dict[str, Any], sample: dict[str, Any] | None) -> str:
    chars = (sample or {}).get("edit_chars", {})
    rows = []
    for step, e in stats["edits_by"].items():
        for reason, n in e["by_reason"].items():
            rule = f"{step}/{reason}"
            c = chars.get(rule)
            rows.append([f'<a href="#rule-{_slug(rule)}">{escape(rule)}</a>',
                         _n(c["documents"]) if c else "", _n(n), _n(c["chars_removed"]) if c else "",
                         _n(c["chars_added"]) if c else ""])
        mine = [chars[f"{step}/{r}"] for r in e["by_reason"] if f"{step}/{r}" in chars]
        removed = _n(sum(c["chars_removed"] for c in mine)) if mine else ""
        added = _n(sum(c["chars_added"] for c in mine)) if mine else ""
        rows.append([f"<b>{escape(step)}</b> (all)", _n(e["documents"]), _n(e["edits"]), removed, added])
    if not rows:
        return "<p>No text was changed.</p>"
    note = "" if chars else '<p class="muted">No sample in this run: characters removed/added are not known.</p>'
    splits = ""
    if stats.get("splits_by"):
        splits = "<p>Splits: " + ", ".join(f"{escape(s)} split {_n(v['documents'])} documents into "
                                          f"{_n(v['parts'])} parts" for s, v in stats["splits_by"].items()) + "</p>"
    return _table(["rule", "documents", "edits", "characters removed", "characters added"], rows) + note + splits


def _timing(stats: dict[str, Any]) -> str | None:
    """Seconds per step, where the run recorded them (`time_by_step`: step -> seconds); else no section."""
    times = stats.get("time_by_step")
    if not times:
        return None
    rows = [(step, float(v["seconds"] if isinstance(v, dict) else v)) for step, v in times.items()]
    rows.sort(key=lambda r: -r[1])
    total = sum(s for _, s in rows) or 1.0
    page = _bars([(s, t) for s, t in rows], total, "of the time", fmt="{:,.1f} s") + _table(
        ["step", "seconds", "share"], [[escape(s), f"{t:,.2f}", f"{100 * t / total:.1f}%"] for s, t in rows])
    passes = stats.get("time_by_pass") or {}
    if passes:  # what the steps do not account for: reading, parsing, writing
        page += '<p class="muted">Process CPU time, summed over workers. By pass:</p>' + _table(
            ["pass", "seconds", "in steps", "reading, parsing, writing"],
            [[escape(name), f"{p['seconds']:,.2f}", f"{p['in_steps']:,.2f}", f"{p['seconds'] - p['in_steps']:,.2f}"]
             for name, p in passes.items()])
    return page


def _signals(sample: dict[str, Any] | None, thresholds: list[dict[str, Any]]) -> str:
    if not sample or not sample.get("hist"):
        return '<p class="muted">No signal distributions: this run collected no sample.</p>'
    by: dict[str, list[tuple[float, str, int]]] = {}
    for signal, value, outcome, n in sample["hist"]:
        by.setdefault(signal, []).append((value, outcome, n))
    limits: dict[str, list[dict[str, Any]]] = {}
    for t in thresholds:
        limits.setdefault(t["signal"], []).append(t)
    order = sorted(by, key=lambda s: (s not in limits, s))
    charts = [_histogram(s, by[s], limits.get(s, []), sample.get("near", {})) for s in order]
    legend = (f'<p class="legend">bars:<span style="background:{KEPT}"></span>kept'
              f'<span style="background:{OWN}"></span>dropped by the rule whose threshold is drawn'
              f'<span style="background:{OTHER}"></span>dropped by another rule'
              f'<span style="background:{SHADE}"></span>the side a threshold drops · bar height ∝ √documents (rare '
              "values stay visible) · values rounded to two significant digits, every document counted</p>")
    return legend + f'<div class="grid">{"".join(charts)}</div>'


def _histogram(signal: str, values: list[tuple[float, str, int]], limits: list[dict[str, Any]],
               near: dict[str, Any]) -> str:
    w, h, pad = 320, 120, 22
    lo = min(v for v, _, _ in values)
    hi = max(v for v, _, _ in values)
    for t in limits:
        lo, hi = min(lo, t["limit"]), max(hi, t["limit"])
    if lo > 0 and (lo < hi / 2 or any(t["side"] == "min" for t in limits)):
        lo = 0  # counts and shares read from zero, so a minimum threshold's side is visible
    margin = (hi - lo) * 0.08
    if any(t["side"] == "max" and t["limit"] >= hi for t in limits):
        hi += margin  # room beyond a maximum at the edge, to show the side it drops
    if any(t["limit"] <= lo for t in limits) and lo > 0:
        lo = max(0.0, lo - margin)
    log = lo >= 0 and hi > 100
    f = (lambda v: math.log10(1 + v)) if log else (lambda v: v)
    flo, fhi = f(lo), f(hi)
    if fhi <= flo:
        fhi = flo + 1
    nbins = 40
    owners = {t["step"] for t in limits}
    bins = [[0, 0, 0] for _ in range(nbins)]
    total = 0
    for v, outcome, n in values:
        i = min(nbins - 1, int((f(v) - flo) / (fhi - flo) * nbins))
        bins[i][0 if outcome == "kept" else 1 if outcome in owners else 2] += n
        total += n
    top = max(sum(b) for b in bins) or 1
    bw = (w - 2 * pad) / nbins
    x = lambda v: pad + (f(v) - flo) / (fhi - flo) * (w - 2 * pad)  # noqa: E731
    parts = [f'<svg width="{w}" height="{h + 18}" viewBox="0 0 {w} {h + 18}" role="img" '
             f'aria-label="distribution of {escape(signal)}">']
    for t in limits:
        xl = x(t["limit"])
        a, b = (pad, xl) if t["side"] == "min" else (xl, w - pad)
        parts.append(f'<rect x="{a:.1f}" y="0" width="{max(0, b - a):.1f}" height="{h}" fill="{SHADE}"/>')
    for i, (k, own, other) in enumerate(bins):
        y = float(h)
        # a bar's height grows with the square root of its count, so a tail of a few documents beside a peak of
        # thousands stays visible; its colours split the bar in proportion
        height = math.sqrt((k + own + other) / top) * (h - 10)
        for n, colour in ((k, KEPT), (own, OWN), (other, OTHER)):
            if n:
                bh = max(1.0, n / (k + own + other) * height)
                y -= bh
                parts.append(f'<rect x="{pad + i * bw:.1f}" y="{y:.1f}" width="{max(1.0, bw - 1):.1f}" '
                             f'height="{bh:.1f}" fill="{colour}"><title>{n:,}</title></rect>')
    for t in limits:
        xl = x(t["limit"])
        parts.append(f'<line x1="{xl:.1f}" y1="0" x2="{xl:.1f}" y2="{h}" stroke="{OWN}" stroke-width="2" '
                     f'stroke-dasharray="4 2"/><text x="{xl + 3 if xl < w * 0.7 else xl - 3:.1f}" y="11" '
                     f'font-size="11" fill="{OWN}" text-anchor="{"start" if xl < w * 0.7 else "end"}">'
                     f'{escape(_fmt(t["limit"]))}</text>')
    parts.append(f'<line x1="{pad}" y1="{h}" x2="{w - pad}" y2="{h}" stroke="#999"/>'
                 f'<text x="{pad}" y="{h + 14}" font-size="11">{escape(_fmt(lo))}</text>'
                 f'<text x="{w - pad}" y="{h + 14}" font-size="11" text-anchor="end">{escape(_fmt(hi))}'
                 f'{" (log)" if log else ""}</text></svg>')
    notes = []
    for t in limits:
        beyond = sum(n for v, _, n in values if (v < t["limit"] if t["side"] == "min" else v > t["limit"]))
        by_rule = sum(n for v, o, n in values if o == t["step"] and (
            v < t["limit"] if t["side"] == "min" else v > t["limit"]))
        word = "below" if t["side"] == "min" else "above"
        notes.append(f"<p><b>{escape(t['step'])}.{escape(t['param'])} = {escape(_fmt(t['limit']))}</b>: "
                     f"{beyond:,} of {total:,} documents ({100 * beyond / max(total, 1):.1f}%) {word}; "
                     f"{by_rule:,} of them dropped by {escape(t['step'])}</p>")
        notes.append(_near_examples(near, f"{t['step']}.{t['param']}"))
    return (f'<div class="chart" id="signal-{_slug(signal)}"><h3>{escape(signal)}</h3>{"".join(parts)}'
            f'<p class="muted">{total:,} documents</p>{"".join(notes)}</div>')


def _near_examples(near: dict[str, Any], key: str) -> str:
    rows = []
    for side, label in (("in", "inside (passes this test)"), ("out", "outside")):
        for e in near.get(f"{key}|{side}", []):
            rows.append(f"<tr><td>{label}</td><td class=n>{escape(_fmt(e['value']))}</td><td>{escape(e['id'])}"
                        f"<br><span class=muted>{escape(e['outcome'])}</span></td>"
                        f"<td>{escape(e['text'])}{'…' if e['chars'] > len(e['text']) else ''}</td></tr>")
    if not rows:
        return ""
    return (f"<details><summary>documents nearest the threshold ({len(rows)})</summary><table>"
            f"<tr><th>side</th><th>value</th><th>id</th><th>text</th></tr>{''.join(rows)}</table></details>")


def _dedup(reports: dict[str, Any]) -> str | None:
    near = reports.get("dedup.near")
    parts = []
    if near:
        parts.append(f"<p>{_n(near['duplicates'])} near duplicates dropped in {_n(near['clusters'])} clusters: "
                     f"Jaccard ≥ {near['threshold']} on {near['ngram']}-grams of {_n(near['documents'])} documents; "
                     f"{_n(near['candidate_pairs'])} candidate pairs, {_n(near['verified_pairs'])} verified.</p>")
        sizes = list(near.get("cluster_sizes", {}).items())
        if sizes:
            parts.append("<h3>Cluster sizes (documents per cluster)</h3>"
                         + _bars([(f"{k} documents", n) for k, n in sizes], sum(n for _, n in sizes) or 1,
                                 "of clusters"))
        examples = near.get("examples", [])
        if examples:
            rows = "".join(
                f'<tr><td colspan=2><b>Jaccard {e["similarity"]:.3f}</b> · cluster {e["cluster"]}</td></tr>'
                f'<tr class="pair"><td><b>kept</b> {escape(e["kept"])}<br>{escape(e["kept_text"])}</td>'
                f'<td><b>dropped</b> {escape(e["duplicate"])}<br>{escape(e["duplicate_text"])}</td></tr>'
                for e in examples)
            parts.append(f'<h3>Example pairs</h3><table class="diff">{rows}</table>')
    para = reports.get("dedup.paragraphs")
    if para:
        parts.append("<p>dedup.paragraphs: " + ", ".join(f"{escape(k)} {_n(v)}" for k, v in para.items()
                                                        if isinstance(v, int)) + "</p>")
    if not parts:
        return '<p class="muted">No deduplication step ran.</p>'
    return "".join(parts)


def _boilerplate(sample: dict[str, Any] | None) -> str:
    sites = (sample or {}).get("boilerplate", {})
    if not sites:
        return '<p class="muted">No boilerplate was removed (or this run collected no sample).</p>'
    rows = []
    for k, (where, s) in enumerate(sites.items()):
        lines = "".join(f"<tr><td class=n>{n:,}</td><td>{escape(line)}</td></tr>" for line, n in s["top"])
        table = f"<table>{lines}</table>"
        body = table if k < 5 else f"<details><summary>top lines</summary>{table}</details>"
        rows.append(f"<tr><td>{escape(where)}</td><td class=n>{s['lines']:,}</td><td>{body}</td></tr>")
    return ("<p>Lines removed by " + ", ".join(("clean.boilerplate", "clean.frequent_lines"))
            + ", by site (host of the record's url, else its input file); the top lines of each unit, summed."
            f"</p><table><tr><th>site</th><th>lines removed</th><th>most removed lines</th></tr>{''.join(rows)}"
            "</table>")


_AS = re.compile(r"^(?P<a>[a-z0-9]+)_as_(?P<b>[a-z0-9]+)$")
_REASONS = {"misaligned_gbk": "GBK text decoded one byte off", "restore_spun": "spun traditional characters "
            "restored to simplified", "annotation": "pinyin annotations removed"}
_NAMES = {"utf8": "UTF-8", "gbk": "GBK", "big5": "Big5", "cp1252": "Windows-1252", "latin1": "Latin-1",
          "gb18030": "GB18030", "shiftjis": "Shift JIS", "eucjp": "EUC-JP"}


def _script(stats: dict[str, Any], sample: dict[str, Any] | None) -> str:
    parts = []
    rows = []
    for step, e in stats["edits_by"].items():
        if not step.startswith("repair."):
            continue
        for reason, n in e["by_reason"].items():
            m = _AS.match(reason)
            what = (f"{_NAMES.get(m['a'], m['a'])} text that was decoded as {_NAMES.get(m['b'], m['b'])}" if m
                    else _REASONS.get(reason, reason.replace("_", " ")))
            rows.append([escape(step), escape(reason), escape(what), _n(n)])
    if rows:
        parts.append("<h3>Repairs</h3>" + _table(["step", "reason", "what was repaired", "edits"], rows))
    for key, values in (sample or {}).get("categories", {}).items():
        total = sum(values.values()) or 1
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append(f"<h3>{escape(key)}</h3>" + _bars(ordered, total, "of the documents with this signal"))
    return "".join(parts) or '<p class="muted">No repair or script signal in this run.</p>'


def _samples(stats: dict[str, Any], sample: dict[str, Any] | None, per_rule: int) -> str:
    if not sample or not sample.get("rules"):
        return '<p class="muted">No document samples: this run collected none.</p>'
    rules = sample["rules"]
    order = [f"{step}/{reason}" for step, e in stats["edits_by"].items() for reason in e["by_reason"]]
    order += [f"drop:{step}/{reason}" for step, rs in stats["dropped_by"].items() for reason in rs]
    order += [r for r in rules if r not in order]
    out = [f"<p>Up to {per_rule} documents per rule, drawn by a seeded hash of rule and id (seed "
           f"{sample.get('seed')}), so the same run always shows the same documents. Left: the input text "
           "rebuilt from the edit log; right: the output. Strong colours mark this rule's edits, pale ones "
           "other rules'; long unchanged text is folded.</p>"]
    for rule in order:
        docs = rules.get(rule, [])[:per_rule]
        if not docs:
            continue
        own = rule.removeprefix("drop:")
        title = f"dropped by {own}" if rule.startswith("drop:") else own
        out.append(f'<h3 id="rule-{_slug(rule)}">{escape(title)}</h3>')
        out.extend(_doc(d, own) for d in docs)
    return "".join(out)


def _doc(d: dict[str, Any], rule: str) -> str:
    head = (f'<h4>{escape(d["id"])} <span class="muted">· {escape(d["outcome"])} · {d["edits"]:,} edit(s) · '
            f'{d["chars"]:,} characters out{" · part of " + escape(d["parent"]) if d.get("parent") else ""}'
            f"</span></h4>")
    detail = f'<p class="muted">{escape(d["detail"])}</p>' if d.get("detail") else ""
    rows: list[str] = []
    left: list[str] = []
    right: list[str] = []

    def flush() -> None:
        if left or right:
            rows.append(f'<tr><td>{"".join(left)}</td><td>{"".join(right)}</td></tr>')
            left.clear()
            right.clear()

    for piece in d["diff"]:
        kind = piece[0]
        if kind == "=":
            text = escape(piece[1])
            left.append(text)
            right.append(text)
        elif kind == "x":
            _, before, after, rules = piece
            cls = "this" if rule in rules else "other"
            title = escape(", ".join(rules))
            if before:
                left.append(f'<del class="{cls}" title="{title}">{_shown(before)}</del>')
            if after:
                right.append(f'<ins class="{cls}" title="{title}">{_shown(after)}</ins>')
        elif kind == "~":
            flush()
            rows.append(f'<tr><td colspan=2 class="fold">⋯ {piece[1]:,} unchanged characters ⋯</td></tr>')
        elif kind == "+":
            flush()
            rows.append(f'<tr><td colspan=2 class="fold">{piece[1]:,} more changed run(s) not shown</td></tr>')
    flush()
    return (f'<div class="doc" data-rule="{escape(rule)}" data-id="{escape(d["id"])}">{head}{detail}'
            f'<table class="diff"><tr><th>before</th><th>after</th></tr>{"".join(rows)}</table></div>')


# -- helpers -----------------------------------------------------------------------------------------------
def _shown(s: str) -> str:
    """A changed run's text with its line breaks visible (a removed line break is otherwise invisible)."""
    return escape(s).replace("\n", "⏎\n")


def _bars(rows: Iterable[tuple[str, float]], total: float, of: str, fmt: str = "{:,}") -> str:
    rows = list(rows)
    top = max((v for _, v in rows), default=1) or 1
    h, w, label = 18, 720, 260
    svg = [f'<svg width="{w}" height="{h * len(rows) + 4}" role="img">']
    for k, (name, v) in enumerate(rows):
        bw = v / top * (w - label - 200)
        y = k * h + 2
        svg.append(f'<text x="{label - 6}" y="{y + 13}" font-size="12" text-anchor="end">{escape(str(name))}</text>'
                   f'<rect x="{label}" y="{y + 2}" width="{max(bw, 1):.1f}" height="{h - 5}" fill="{KEPT}"/>'
                   f'<text x="{label + bw + 5:.1f}" y="{y + 13}" font-size="12">{fmt.format(v)} '
                   f"({100 * v / total:.1f}% {escape(of)})</text>")
    svg.append("</svg>")
    return "".join(svg)


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(
        f"<td{' class=n' if _NUMBER.match(c) else ''}>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n / 1e3:,.1f} kB"


_NUMBER = re.compile(r"^[0-9][0-9,.]*%?$")


def _n(v: int) -> str:
    return f"{v:,}"


def _fmt(v: float) -> str:
    if isinstance(v, int) or float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:.4g}"


def _slug(s: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]+", "-", s)
