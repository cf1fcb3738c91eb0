"""repair.mojibake on the independent generator (`taosha.synth.chains`): each damage family an explicit codec chain.

Per family (N damaged paragraphs of clean Wikipedia text, simplified and traditional as the chain allows):
- detection recall: documents flagged (any of mojibake_repairs, mojibake_debris, mojibake_unrepaired set)
  among the damaged ones (mojibake_suspect only says the gate let a document through to the repairs: it is
  reported with the negatives' signals, not counted as a detection);
- detection precision at even odds: TP / (TP + N x the share of clean paragraphs flagged); the quoting and
  lost-character negatives are reported apart, with the signals they set;
- exact repair of reversible spans (the span's bytes round-trip through the chain: the truth is in the bytes),
  and, for what it is worth, of the other spans;
- documents whose clean text outside the damaged spans was changed;
- failures by shape (missed; flagged but left as is; repaired but for its first or last characters; partly
  repaired; removed; rewritten wrongly), each with an example (damaged -> repaired -> truth) when --show is given.
Negatives: clean paragraphs, paragraphs whose source lost characters to '?' when saved as GBK/Big5 with
errors="replace" (invented characters: characters a repair writes where such a '?' stands; target 0), and
paragraphs quoting mojibake. The script exits 1 when a character is invented or a clean or quoting negative is
changed, or when a family's recall or exact repair falls below its regression floor (`FLOORS`). Figures are
printed as they are; nothing here is tuned.

The dev seed draws from the even Wikipedia paragraphs, the confirm seed from the odd ones (any odd seed: even
paragraphs; even seed: odd ones).

    python eval/eval_mojibake_chains.py [--seed 1 | --confirm] [--n 300] [--show 3]
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import SHARED, require_shared, steps_for
from taosha import Document
from taosha.synth import chains

DEV_SEED, CONFIRM_SEED = 1, 2
# regression floors per family (recall, exact repair of reversible spans; None: no such spans): a little under the
# lower of the dev and confirm figures of 2026-12-06 (commit "eval_mojibake_chains: floors"); the eval fails below
# them. The targets (recall >= 97%, exact >= 95%) are printed beside them and not failed on.
FLOORS = {
    "utf-8>gbk": (0.98, 0.96), "utf-8>gb18030": (0.98, 0.94), "utf-8>big5": (0.98, None),
    "utf-8>cp950": (0.98, None), "utf-8>cp1252": (0.98, 0.97), "utf-8>latin-1": (0.98, 0.97),
    "gbk>big5": (0.94, 0.72), "big5>gbk": (0.95, 0.94), "gbk>latin-1>utf-8": (0.97, 0.96),
    "gbk>cp1252>utf-8": (0.97, 0.96), "big5>latin-1>utf-8": (0.95, 0.95), "big5>cp1252>utf-8": (0.96, 0.95),
    "utf-8>gbk>utf-8>gbk": (0.97, 0.95), "gbk>utf-8>utf-8>gbk (锟斤拷)": (0.97, None),
    "gbk-byte-deleted": (0.91, None), "gbk-byte-to-?": (0.97, None), "gbk-fullwidth-pass": (0.96, None),
}  # the last four raised with repair.mojibake's `deleted` and `replacement` (dev/confirm 99.7/100, 89.3/87.3,
# 99.7/99.7, 98.7/98.7); gbk-byte-deleted again with its lone bytes (94.3/92.7;
# 93.7/92.0 once capitals were no longer counted); gbk>big5 and big5>gbk with the
# short stretches (recall 95.7/92.3, 96.0/95.7; exact 85.3/74.7, 94.3/94.7); then with the short stretches counted
# or, holding a private-use character, written (`unread`), and the edges of a sentence judged with their words
# (gbk>big5 recall 97.3/95.7; big5>gbk 97.0/96.0, exact 95.0/94.7 once icon glyphs were no proof), and double
# encoding read back in one window (utf-8>gbk>utf-8>gbk exact 100/100 of 15/24; utf-8>gbk 100/98.2)
# ceilings on invented characters per family (characters written inside a damaged span that are in neither it nor
# its truth; 300 documents a family): a little over the higher of dev and confirm after the round that read lossy
# UTF-8 only as UTF-8, wrote a lost Big5 character only where its choice is reliable and left windows another chain
# explains (dev / confirm: utf-8>gb18030 12/7, utf-8>big5 2/1, utf-8>cp950 4/0, gbk>big5 161/160, big5>gbk 8/6,
# utf-8>gbk>utf-8>gbk 40/52, 锟斤拷 46/76, gbk-byte-deleted 50/46, gbk-byte-to-? 20/28, gbk-fullwidth-pass
# 2370/2460; 4,886 on the dev seed before it). The target is 0; the full-width pass's dropped pairs are most
# of what is left (docs/mojibake-fullwidth-pass.md); gbk-fullwidth-pass lowered once a joined full-width form is
# written as the drop's first character and U+FFFD (2148/2214); gbk>big5 once Big5's characters of two codes are read
# from either (121/115); gbk>big5 again once what the Big5 decoder's marks put out of step is no longer read in step
# (66/70, redecode._out_of_step; the held-out seeds 21-30 reach 89, hence 100). The eval fails above them; unlisted
# families: 5
INVENTED_CEILINGS = {
    "utf-8>gb18030": 20, "utf-8>big5": 8, "utf-8>cp950": 8, "gbk>big5": 100, "big5>gbk": 15,
    "big5>latin-1>utf-8": 10, "big5>cp1252>utf-8": 10, "utf-8>gbk>utf-8>gbk": 70, "gbk>utf-8>utf-8>gbk (锟斤拷)": 100,
    "gbk-byte-deleted": 70, "gbk-byte-to-?": 40, "gbk-fullwidth-pass": 2450,
}
DETECTIONS = ("mojibake_repairs", "mojibake_debris", "mojibake_unrepaired")
SIGNALS = (*DETECTIONS, "mojibake_suspect")


def flagged(doc: Document) -> bool:
    return any(doc.signals.get(s) for s in DETECTIONS)


def opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def project(ops, s: int, e: int) -> tuple[int, int]:
    """Where the damaged text's [s, e) stands in the repaired text: a change that overlaps it, or is inserted at
    its edge, belongs to it."""
    js = je = None
    for tag, i1, i2, j1, j2 in ops:
        overlaps = (i1 < e and i2 > s) if i1 < i2 else s <= i1 <= e
        if tag != "equal" and overlaps:
            js, je = (j1, j2) if js is None else (min(js, j1), max(je, j2))
        elif tag == "equal" and i1 < e and i2 > s:
            a, b = j1 + max(i1, s) - i1, j1 + min(i2, e) - i1
            js, je = (a, b) if js is None else (min(js, a), max(je, b))
    if js is None:  # an empty span no change touches
        for _tag, i1, i2, j1, _j2 in ops:
            if i1 <= s <= i2:
                return j1 + s - i1, j1 + s - i1
        return s, s
    return js, je


def shape(damaged: str, repaired: str, truth: str, was_flagged: bool) -> str:
    """The failure's kind, and what the repaired span still holds that the truth does not."""
    if repaired == damaged:
        return "flagged, left as is" if was_flagged else "missed (not flagged), left as is"
    if not repaired:
        return "removed"
    left = [name for name, chars in (("a replacement", "\ufffd?"), ("private-use", None))
            if any((c in chars) if chars else 0xE000 <= ord(c) <= 0xF8FF for c in repaired if c not in truth)]
    return _kind(repaired, truth, damaged) + (f", {' and '.join(left)} left" if left else "")


def _kind(repaired: str, truth: str, damaged: str) -> str:
    p = _prefix(repaired, truth)
    q = _prefix(repaired[::-1], truth[::-1])
    if p and p >= len(truth) - 3:
        return "repaired but for its last 1-3 characters"
    if q and q >= len(truth) - 3:
        return "repaired but for its first 1-3 characters"
    closer = difflib.SequenceMatcher(None, repaired, truth).ratio() > difflib.SequenceMatcher(None, damaged,
                                                                                                truth).ratio()
    return "partly repaired" if closer else "rewritten wrongly"


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def visible(text: str) -> str:
    """Newlines, controls and private-use characters written so that a terminal shows them."""
    return "".join("⏎" if c == "\n" else f"\\u{ord(c):04x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0
                   or 0xE000 <= ord(c) <= 0xF8FF else c for c in text)


def short(text: str, at: int = 0, width: int = 24) -> str:
    """`text` from a little before `at`, cut to `width` characters."""
    start = max(0, at - 4)
    cut = text[start : start + width]
    return ("…" if start else "") + visible(cut) + ("…" if start + width < len(text) else "")


def example(bad: str, got: str, truth: str) -> str:
    """damaged -> repaired -> truth, each from a little before where the repair first goes wrong."""
    p = _prefix(got, truth)
    return f"{short(bad, round(p * len(bad) / max(1, len(truth))))} -> {short(got, p)} -> {short(truth, p)}"


def evaluate(steps, samples: list[chains.Sample]) -> tuple[dict, dict]:
    moj = steps[0]
    fam: dict = defaultdict(lambda: {"docs": 0, "flagged": 0, "rev": 0, "rev_exact": 0, "other": 0,
                                     "other_exact": 0, "other_read": 0, "outside": 0, "invented": 0,
                                     "shapes": Counter(),
                                     "examples": {}})
    neg: dict = defaultdict(lambda: {"docs": 0, "flagged": 0, "changed": 0, "invented": 0, "lost": 0,
                                     "examples": [], "signals": Counter()})
    for s in samples:
        out = moj.process(Document(s.id, s.text))
        assert isinstance(out, Document)
        rep, flag = out.text, flagged(out)
        if not s.positive:
            r = neg[s.family]
            r["docs"] += 1
            r["flagged"] += flag
            r["signals"].update(k for k in SIGNALS if out.signals.get(k))
            r["lost"] += len(s.lost)
            if rep != s.text:
                r["changed"] += 1
                ops = [op for op in opcodes(s.text, rep) if op[0] != "equal"]
                lost = set(s.lost)
                for _tag, i1, i2, j1, j2 in ops:
                    if any(p in lost for p in range(i1 - 1, i2 + 1)):
                        r["invented"] += sum(c != "?" for c in rep[j1:j2])
                if len(r["examples"]) < 10:
                    r["examples"].append(f"{short(s.text, ops[0][1])} -> {short(rep, ops[0][3])}")
            continue
        r = fam[s.family]
        r["docs"] += 1
        r["flagged"] += flag
        ops = opcodes(s.text, rep) if rep != s.text else [("equal", 0, len(s.text), 0, len(s.text))]
        touched = [False] * len(ops)
        for sp in s.spans:
            js, je = project(ops, sp.start, sp.end)
            for k, (tag, i1, i2, _, _) in enumerate(ops):
                if tag != "equal" and ((i1 < sp.end and i2 > sp.start) if i1 < i2 else sp.start <= i1 <= sp.end):
                    touched[k] = True
            got, truth, bad = rep[js:je], s.truth[sp.truth_start : sp.truth_end], s.text[sp.start : sp.end]
            # invented: characters the repair wrote there that are neither in the damaged span nor in its truth
            r["invented"] += sum(c not in bad and c not in truth and c not in "\ufffd?" for c in got)
            key = "rev" if sp.reversible else "other"
            r[key] += 1
            if key == "other" and got != bad and _read_faithfully(got, truth):
                r["other_read"] += 1
            if got == truth:
                r[key + "_exact"] += 1
                continue
            sh = shape(bad, got, truth, flag)
            r["shapes"][sh] += 1
            r["examples"].setdefault(sh, []).append(example(bad, got, truth))
        r["outside"] += any(tag != "equal" and not t for (tag, *_), t in zip(ops, touched, strict=True))
    return dict(fam), dict(neg)


def _read_faithfully(got: str, truth: str) -> bool:
    """Whether `got` is `truth` with some of its characters U+FFFD (lost), and nothing else different."""
    if len(got) != len(truth):
        return False
    return all(g == t or g == "\ufffd" for g, t in zip(got, truth, strict=True))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=DEV_SEED)
    ap.add_argument("--confirm", action="store_true", help=f"the confirm seed ({CONFIRM_SEED})")
    ap.add_argument("--n", type=int, default=300, help="samples per family and per negative kind")
    ap.add_argument("--show", type=int, default=0, help="examples printed per failure shape")
    ap.add_argument("--family", action="append", help="only these families (repeatable)")
    ap.add_argument("--dump", type=Path, help="write the samples here as JSON lines (family, text, truth, spans)")
    args = ap.parse_args()
    require_shared()
    seed = CONFIRM_SEED if args.confirm else args.seed
    base = chains.load_base(SHARED).half(0 if seed % 2 else 1)
    families = args.family or list(chains.FAMILIES)
    t0 = time.perf_counter()
    samples = chains.generate(base, args.n, seed, families)
    if args.dump:
        import json

        with args.dump.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(smp.to_json(), ensure_ascii=False) + "\n" for smp in samples)
    steps = steps_for("repair.mojibake")
    fam, neg = evaluate(steps, samples)
    secs = time.perf_counter() - t0

    clean = neg.get("neg:clean", {"flagged": 0, "docs": 0})
    fp_rate = clean["flagged"] / max(1, clean["docs"])
    half = "even" if seed % 2 else "odd"
    print(f"repair.mojibake on synth.chains, seed {seed} ({half} Wikipedia paragraphs), {args.n} per family "
          f"({secs:.0f} s)")
    print(f"precision at even odds = TP / (TP + docs x the share of clean paragraphs flagged, {fp_rate:.2%}; the "
          "quoting and lost-character negatives are counted below); exact: spans repaired exactly")
    print("other spans read: lossy spans read back with each character whose bytes are lost as U+FFFD, and every "
          "other character right")
    print(f"{'family':30s} {'docs':>5s} {'recall':>7s} {'prec':>7s} {'reversible spans exact':>24s} "
          f"{'other spans exact':>19s} {'read':>6s} {'outside changed':>15s}")
    tp = fn = 0
    below: dict[str, list[str]] = {"precision >= 99.5%": [], "recall >= 97%": [],
                                   "exact repair of reversible spans >= 95%": []}
    for name in families:
        r = fam.get(name)
        if r is None:
            print(f"{name:30s}     0 (no sample)")
            continue
        tp += r["flagged"]
        fn += r["docs"] - r["flagged"]
        prec = r["flagged"] / max(1e-9, r["flagged"] + r["docs"] * fp_rate)
        for target, got, floor in (("precision >= 99.5%", prec, 0.995),
                                   ("recall >= 97%", r["flagged"] / r["docs"], 0.97),
                                   ("exact repair of reversible spans >= 95%",
                                    r["rev_exact"] / r["rev"] if r["rev"] else 1.0, 0.95)):
            if got < floor:
                below[target].append(name)
        rev = f"{r['rev_exact'] / r['rev']:.1%} of {r['rev']}" if r["rev"] else "- of 0"
        other = f"{r['other_exact'] / r['other']:.1%} of {r['other']}" if r["other"] else "- of 0"
        read = f"{r['other_read'] / r['other']:.1%}" if r["other"] else "-"
        print(f"{name:30s} {r['docs']:5d} {r['flagged'] / r['docs']:7.1%} {prec:7.1%} {rev:>24s} {other:>19s} "
              f"{read:>6s} {r['outside']:15d}")
    print(f"{'all families':30s} {tp + fn:5d} {tp / max(1, tp + fn):7.1%} "
          f"{tp / max(1e-9, tp + (tp + fn) * fp_rate):7.1%}")
    print("targets (issue 17), per family; families below them (reported, not failed here):")
    for target, names in below.items():
        print(f"  {target}: {len(names)} below" + (f" ({', '.join(names)})" if names else ""))
    print("invented characters in damaged spans (written, in neither the damaged span nor its truth): "
          + ", ".join(f"{name} {fam[name]['invented']}" for name in families if fam.get(name, {}).get("invented")))
    print("failure shapes per family (spans not repaired exactly):")
    for name in families:
        r = fam.get(name)
        if not r or not r["shapes"]:
            continue
        print(f"  {name}: " + "; ".join(f"{sh} {n}" for sh, n in r["shapes"].most_common()))
        for sh, _ in r["shapes"].most_common():
            for ex in r["examples"][sh][: args.show]:
                print(f"      [{sh}] {ex}")
    invented = neg["neg:lost"]["invented"] if "neg:lost" in neg else 0
    clean_changed = sum(neg[k]["changed"] for k in ("neg:clean", "neg:quoted", "neg:glyph") if k in neg)
    print("negatives:")
    for kind in chains.NEGATIVES:
        r = neg.get(kind)
        if r is None:
            continue
        extra = (f", {r['lost']} lost-character '?', invented characters {r['invented']} (target 0)"
                 if kind == "neg:lost" else " (target 0 changed)")
        sig = ", ".join(f"{k} {n}" for k, n in r["signals"].most_common())
        print(f"  {kind:11s} {r['docs']:5d} docs: {r['changed']} changed, {r['flagged']} flagged ({sig or 'none'})"
              f"{extra}")
        for ex in r["examples"][: args.show]:
            print(f"      {ex}")
    failed = []
    for name in families:
        r, floor = fam.get(name), FLOORS.get(name)
        if r is None or floor is None:
            continue
        recall = r["flagged"] / r["docs"]
        if recall < floor[0]:
            failed.append(f"{name}: recall {recall:.1%} below its floor {floor[0]:.0%}")
        if floor[1] is not None and r["rev"] and r["rev_exact"] / r["rev"] < floor[1]:
            failed.append(f"{name}: exact repair {r['rev_exact'] / r['rev']:.1%} below its floor {floor[1]:.0%}")
    for name in families:
        r, most = fam.get(name), max(2, round(INVENTED_CEILINGS.get(name, 5) * args.n / 300))
        if r is not None and r["invented"] > most:
            failed.append(f"{name}: {r['invented']} characters invented in damaged spans, above its ceiling {most}")
    if invented:
        failed.append(f"invented characters {invented} > 0")
    if clean_changed:
        failed.append(f"clean or quoting negatives changed: {clean_changed}")
    for f in failed:
        print(f"FAIL: {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
