"""Per-page, per-line diff of extract.html against the references and magic-html, on the DEV halves only.

For each dev page: the reference lines taosha loses (and why: the state of the block that held the line), the
lines it keeps that are not in the reference, and the same two lists for magic-html's output, so that one can see
why magic-html wins where it wins. Lost lines are grouped by cause across pages at the end. With `--against REV`
(a git revision of src/taosha/extract/html.py), it prints instead the lines a change adds to and removes from the
output on every dev page of every set, with the page's F1 before and after, and the totals per dev part.

    python eval/extract_diff.py [--sets magic_html] [--page NAME] [--quiet]
    python eval/extract_diff.py --against HEAD       # what the working tree's rules change, page by page

magic-html's outputs are cached (`--cache`, default in the temporary folder) since it is the slow one.
Confirm halves are never read: this is a tuning tool.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tarfile
import tempfile
import types
from collections import Counter
from pathlib import Path

import eval_extract as ev  # eval/ is the script's folder, on sys.path
from taosha.extract import html as H
from taosha.io.html import UndecodableHtml, html_document


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if ev.squeeze(line)]


def covered(line: str, body: str) -> str:
    """`kept` when the line (whitespace removed) is in `body`, `partly` when most of its 4-grams are, else `lost`."""
    s = ev.squeeze(line)
    if s in body:
        return "kept"
    grams = {s[k:k + 4] for k in range(max(1, len(s) - 3))}
    return "partly" if sum(g in body for g in grams) >= 0.7 * len(grams) else "lost"


def decode(page: ev.Page) -> str | None:
    try:
        return html_document(page.data, page.name, {}, {"path": page.name}).text
    except UndecodableHtml:
        return None


def blocks_of(module: types.ModuleType, html: str) -> tuple[list, set[int], bool]:
    """extract()'s blocks with their values, the ids of the kept ones, and whether the page was read as a thread."""
    rules = module.Rules()
    tree_cls, node_type = module._load()
    tree = tree_cls.parse(html)
    root = tree.body or tree.document
    blocks = module._walk(root, node_type.ELEMENT, node_type.TEXT, rules.max_noise_share, rules.related_heads)
    if rules.verse_chars:
        module._mark_verse(blocks, rules)
    kept = module._select(blocks, rules, thread=False)
    thread = False
    if sum(len(b.text) for b in kept) < rules.thread_below and any(b.noise for b in blocks):
        alt = module._select(blocks, rules, thread=True)
        if sum(len(b.text) for b in alt) > rules.thread_gain * sum(len(b.text) for b in kept):
            kept, thread = alt, True
    if not thread:  # _select(thread=True) overwrote the values: put the chosen pass's back
        module._select(blocks, rules, thread=False)
    return blocks, {id(b) for b in kept}, thread


def cause(line: str, blocks: list, kept: set[int], ref: str) -> str:
    """Why a reference line is not in taosha's output: the state of the block that holds it (of the blocks that
    hold it, the one whose own text is most in the reference: a short line is in the menu too)."""
    s = ev.squeeze(line)
    holders = [b for b in blocks if s and (s in ev.squeeze(b.text) or (len(ev.squeeze(b.text)) >= 4
                                                                      and ev.squeeze(b.text) in s))]
    if not holders:
        return "not_in_blocks"
    b = max(holders, key=lambda b: (covered(b.text, ref) != "lost", len(b.text)))
    n = len(b.text.replace(" ", ""))
    if id(b) in kept:
        return "kept_elsewhere"
    if b.noise:
        return "noise_container"
    if n and b.links / n > H.Rules().max_link_density:
        return "links"
    if H.BOILERPLATE.search(b.text) and n < H.Rules().boilerplate_chars:
        return f"boilerplate:{H.BOILERPLATE.search(b.text).group(0)}"  # type: ignore[union-attr]
    if b.byline:
        return "byline"
    if H._WIDGET.match(b.text) and n < 20:
        return "widget"
    if b.value > 0:
        return "positive_outside_run"
    if b.short:
        return "short_outside_run"
    if b.heading:
        return "heading_outside_run"
    return f"value<=0 ({'unpunctuated' if not any(c in H.SENTENCE for c in b.text) else 'other'})"


def load_module(rev: str) -> types.ModuleType:
    src = subprocess.run(["git", "show", f"{rev}:src/taosha/extract/html.py"], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1]).stdout
    src = src.split('@register("extract.html")')[0]  # the step itself is registered once, by the working tree
    spec = importlib.util.spec_from_loader("html_at_rev", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["html_at_rev"] = module
    exec(compile(src, f"html.py@{rev}", "exec"), module.__dict__)
    return module


def text_of(module: types.ModuleType, html: str | None) -> str:
    if html is None:
        return ""
    return module.extract(html).text


def compare(sets: dict[str, list[ev.Page]], rev: str, show: bool) -> None:
    """Lines the working tree's rules add and remove against `rev`'s, on every dev page; F1 per part."""
    old = load_module(rev)
    for set_name, pages in sets.items():
        totals: dict[str, list[float]] = {"A": [0.0, 0.0, 0], "B": [0.0, 0.0, 0]}
        changed = 0
        for page in pages:
            html = decode(page)
            before, after = text_of(old, html), text_of(H, html)
            f0, f1 = ev.score(page, before)[2], ev.score(page, after)[2]
            t = totals[page.part]
            t[0] += f0
            t[1] += f1
            t[2] += 1
            if before == after:
                continue
            changed += 1
            b_lines, a_lines = set(lines_of(before)), set(lines_of(after))
            ref = ev.squeeze(page.reference) if page.reference else ""
            print(f"== {set_name}/{page.name} [{page.part}] F1 {f0:.3f} -> {f1:.3f} ({f1 - f0:+.3f})")
            if show:
                for line in lines_of(after):
                    if line not in b_lines:
                        print(f"   + [{covered(line, ref) if ref else '?'}] {line[:110]}")
                for line in lines_of(before):
                    if line not in a_lines:
                        print(f"   - [{covered(line, ref) if ref else '?'}] {line[:110]}")
        for part, (f0, f1, n) in totals.items():
            if n:
                print(f"{set_name} dev:{part} {n} pages: {f0 / n:.4f} -> {f1 / n:.4f} ({(f1 - f0) / n:+.4f})")
        print(f"{set_name}: {changed} pages changed")


def rule_precision(sets: dict[str, list[ev.Page]], quiet: bool) -> None:
    """Per set and cause, what the blocks left out hold: characters in the reference, and not."""
    lost: Counter[tuple[str, str]] = Counter()
    right: Counter[tuple[str, str]] = Counter()
    for set_name, pages in sets.items():
        for page in pages:
            html = decode(page)
            if html is None or not page.reference:
                continue
            blocks, kept, _ = blocks_of(H, html)
            ref = ev.squeeze(page.reference)
            for b in blocks:
                if id(b) in kept:
                    continue
                why = cause(b.text, [b], set(), ref).split(":")[0]
                n = len(ev.squeeze(b.text))
                if covered(b.text, ref) == "kept" and n >= 4:
                    lost[(set_name, why)] += n
                    if not quiet:
                        print(f"  {set_name}/{page.name[:40]} [{page.part}] {why:<22} {b.text[:90]}")
                else:
                    right[(set_name, why)] += n
    print("\nblocks left out, by cause: characters in the reference (lost), not in it (rightly out)")
    for key in sorted(set(lost) | set(right)):
        print(f"  {key[0]:<11} {key[1]:<26} lost {lost[key]:>7}  out {right[key]:>8}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="daniel,cwced,magic_html")
    ap.add_argument("--page", default="", help="only pages whose name contains this")
    ap.add_argument("--quiet", action="store_true", help="only the causes' totals")
    ap.add_argument("--against", default="", help="a git revision: print what the working tree changes")
    ap.add_argument("--brief", action="store_true", help="with --against: F1 per page and totals, no lines")
    ap.add_argument("--rules", action="store_true",
                    help="for each cause, the characters of the blocks it leaves out that are in the reference "
                         "(real text lost) and that are not (noise rightly left out)")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "taosha-extract-diff-magic.json"))
    args = ap.parse_args(argv)
    if not ev.SHARED.exists():
        print(f"extract_diff: {ev.SHARED} is absent")
        return 0
    with tempfile.TemporaryDirectory(prefix="taosha-extract-diff-") as tmp:
        for archive in ev.ARCHIVES.values():
            with tarfile.open(ev.SHARED / archive) as tar:
                tar.extractall(tmp, filter="data")
        sets = ev.load(Path(tmp))
    sets = {k: [p for p in ev.in_half(v, "dev") if args.page in p.name]
            for k, v in sets.items() if k in args.sets.split(",")}
    if args.against:
        compare(sets, args.against, not args.brief)
        return 0
    if args.rules:
        rule_precision(sets, args.quiet)
        return 0
    cache_path = Path(args.cache)
    cache = json.loads(cache_path.read_text("utf-8")) if cache_path.exists() else {}
    magic = None
    causes: Counter[tuple[str, str]] = Counter()
    cause_chars: Counter[tuple[str, str]] = Counter()
    magic_wins: Counter[tuple[str, str]] = Counter()
    for set_name, pages in sets.items():
        for page in pages:
            key = f"{set_name}/{page.name}"
            if key not in cache:
                magic = magic or ev.magic_html_extract()
                try:
                    cache[key] = magic(page) if magic else ""
                except Exception:  # eval_extract scores a failing baseline 0 on the page too
                    cache[key] = ""
            html = decode(page)
            ours = text_of(H, html)
            theirs = cache[key]
            if not page.reference:
                continue
            p_o, r_o, f_o = ev.score(page, ours)
            p_m, r_m, f_m = ev.score(page, theirs)
            blocks, kept, thread = blocks_of(H, html) if html is not None else ([], set(), False)
            o_body, m_body, ref = ev.squeeze(ours), ev.squeeze(theirs), ev.squeeze(page.reference)
            out = [f"== {key} [{page.part}] taosha P/R/F1 {p_o:.3f}/{r_o:.3f}/{f_o:.3f}  magic "
                   f"{p_m:.3f}/{r_m:.3f}/{f_m:.3f}{'  (thread)' if thread else ''}"]
            for line in lines_of(page.reference):
                ours_has, theirs_has = covered(line, o_body), covered(line, m_body)
                if ours_has == "kept":
                    continue
                why = cause(line, blocks, kept, ref)
                causes[(set_name, why)] += 1
                cause_chars[(set_name, why)] += len(ev.squeeze(line))
                if theirs_has == "kept":
                    magic_wins[(set_name, why)] += len(ev.squeeze(line))
                out.append(f"   LOST[{ours_has}] magic:{theirs_has:<6} {why:<22} {line[:100]}")
            for line in lines_of(ours):
                if covered(line, ref) == "lost":
                    out.append(f"   EXTRA magic:{covered(line, m_body):<6} {line[:100]}")
            for line in lines_of(theirs):
                if covered(line, ref) == "lost" and covered(line, o_body) == "lost":
                    out.append(f"   MAGIC-EXTRA {line[:100]}")
            if not args.quiet and len(out) > 1:
                print("\n".join(out))
    cache_path.write_text(json.dumps(cache, ensure_ascii=False), "utf-8")
    print("\nlost reference lines by cause (lines, characters, characters magic-html keeps):")
    for (set_name, why), n in sorted(causes.items(), key=lambda kv: (kv[0][0], -cause_chars[kv[0]])):
        print(f"  {set_name:<11} {why:<26} {n:>5} {cause_chars[(set_name, why)]:>7} "
              f"{magic_wins[(set_name, why)]:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
