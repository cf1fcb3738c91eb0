"""Evaluation of the mojibake repair (repair.mojibake).

1. Simulated: each kind of mojibake made by the simulator on clean Wikipedia paragraphs (CMRC2018
   simplified; DRCD traditional where the kind starts from Big5), one garbled run of 1-3 sentences per
   document, plus the clean paragraphs as negatives. Detection precision/recall, exact repair of the
   reversible kinds (also apart: stretches that end at a sentence's edge, and those the simulator cut
   mid-sentence where their bytes stop reading back), lost characters recovered for lost/gained-byte runs,
   false alarms on clean text.
   Clean text for false alarms: every clean Chinese text in ../shared/corpora (Wikipedia, LibreOffice help,
   blog and news feeds, fortune cookies, the seed page's gold; about 8 MB). Each flagged place is printed; those
   read one by one and found to be a `?` the source itself wrote for a character (SOURCE_LOST) are not counted
   as false alarms.
2. The real page in ../shared/corpora/seed-dev: garbled runs repaired exactly, character error rate on the
   garbled lines (width-folded) after the whole repair (mojibake, pinyin, script), `?` left.
3. Real negatives: the shopping reviews (a '?' there is a character the site could not encode), in a dev and
   a confirm half; every change is listed, and one not reviewed as supported by the bytes fails.
4. Speed: detection on clean text against reading and decoding it (ratio, same run).

The script exits 1 when a figure falls below its floor (listed at the end of `main`).

    python eval/eval_mojibake.py [--docs 600]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import SHARED, clean_corpus, errors, fold, require_shared, run, steps_for, wiki
from taosha import Document
from taosha.runners.core import BATCH_DOCS
from taosha.synth import damage

REVERSIBLE = ("utf8_as_gbk", "utf8_as_cp1252", "gbk_as_big5", "big5_as_gbk", "debris")
SHIFTED = ("lost_byte", "gained_byte")
LOSSY = ("utf8_as_big5",)  # Big5 leaves most UTF-8 byte pairs undefined: detected and marked, rarely rebuilt


def flagged(doc: Document) -> bool:
    s = doc.signals
    return bool(s.get("mojibake_repairs") or s.get("mojibake_debris") or s.get("mojibake_unrepaired"))


def simulated(steps, hans: list[str], hant: list[str], seed: int) -> dict:
    rng = random.Random(seed)
    out: dict = {}
    tp = fn = 0
    for kind in REVERSIBLE + SHIFTED + LOSSY:
        base = hant if kind == "big5_as_gbk" else hans
        exact = n = lost_ok = lost_total = 0
        parts = {"whole": [0, 0], "cut": [0, 0]}  # (documents, exact) by where the misread stretch ends
        for text in base:
            try:
                d = damage.mojibake(text, rng, kind, sentences=rng.randint(1, 3))
            except (UnicodeEncodeError, ValueError):
                continue
            if d.text == d.truth:
                continue
            n += 1
            rep = run(steps, d.text)
            if flagged(rep):
                tp += 1
            else:
                fn += 1
            exact += rep.text == d.truth
            if kind in REVERSIBLE and d.labels:
                # the simulator ends a reversible stretch early where its bytes stop reading back (GBK's 如 has no
                # Big5 reading; a real decoder would write '?' there and go on): mid-sentence, where a character
                # model often cannot tell the stretch's last character from the clean one after it
                end = d.labels[0]["start"] + len(d.labels[0]["truth"])
                cut = end < len(d.truth) and d.truth[end - 1] not in "。！？" and d.truth[end] != "\n"
                parts["cut" if cut else "whole"][0] += 1
                parts["cut" if cut else "whole"][1] += rep.text == d.truth
            if kind in SHIFTED:
                lab = d.labels[0]
                truth_span = lab["truth"]
                lost_total += len(truth_span)
                # characters of the damaged sentence(s) that came back right
                lost_ok += max(0, len(fold(truth_span)) - errors(rep.text[lab["start"] : lab["start"] + len(truth_span)
                                                                          + 4], truth_span))
        out[kind] = {"docs": n, "exact": exact / max(1, n)}
        if all(docs for docs, _ in parts.values()):
            out[kind]["parts"] = parts
        if kind in SHIFTED:
            out[kind]["chars_recovered"] = lost_ok / max(1, lost_total)
    fp = sum(1 for text in hans + hant if flagged(run(steps, text)))
    changed = sum(1 for text in hans + hant if run(steps, text).text != text)
    mb = sum(len(t.encode()) for t in hans + hant) / 1e6
    out["detection"] = {"precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn),
                        "clean_flagged": fp, "clean_changed": changed, "clean_mb": mb}
    return out


def false_alarms(steps) -> list[tuple[str, int, int, int, float, list[str], int]]:
    """(source, documents, flagged, changed, MB, where each flagged document's first unrepaired '?' stands, false
    alarms) over every clean text at hand: the places are printed, for a reader to tell a character the source
    lost from a false alarm. A false alarm is a document changed, or flagged elsewhere than at a place in
    SOURCE_LOST."""
    from taosha.repair.mojibake import unrepaired_at
    from taosha.repair.mojibake.questions import _SUSPECT_Q
    from taosha.zh.lm import model

    rows = []
    for label, texts in clean_corpus():
        outs = [run(steps, t) for t in texts]
        spots, alarms = [], 0
        for o, t in zip(outs, texts, strict=True):
            spot = None
            if flagged(o):
                # the first '?' counted as unrepaired (judged here with no script; else the first suspect one)
                at = unrepaired_at(o.text, model()) or [m.start() for m in _SUSPECT_Q.finditer(o.text)]
                spot = o.text[max(0, at[0] - 4) : at[0] + 5].replace("\n", " ").strip() if at else ""
                spots.append(spot)
            alarms += o.text != t or (spot is not None and not any(key in spot for key in SOURCE_LOST))
        rows.append((label, len(texts), sum(flagged(o) for o in outs),
                     sum(o.text != t for o, t in zip(outs, texts, strict=True)),
                     sum(len(t.encode()) for t in texts) / 1e6, spots, alarms))
    return rows


# The flagged places in the clean texts, read one by one: each `?` stands where the source itself wrote one for a
# character (its charset lacked it, or a conversion before the crawl lost it), so the flag is right and not a false
# alarm. Keyed by (a part of) the spot `false_alarms` prints.
SOURCE_LOST = {
    "快樂，那?社會就勢": "那麽: Big5 has no 麽",
    "展到深水?區以及黃": "深水埗: Big5 has no 埗",
    "住在深水?，早期在": "深水埗",
    "似。另一?法阿伊努": "另一説法: Big5 has no 説",
    "轉移到大?城的豐臣": "大坂城: Big5 has no 坂",
    "打破官吏?障，使官": "one character of a two-character word",
    "“已成为?梏的旧的": "桎梏, quoted from Marx",
    "拉到房間?， 然後": "房間裡, and 家?給 further on: the page lost one character throughout",
    "...??天生魔女": "two symbols on each side of a title (??天生魔女??)",
    "《塞繆爾?約翰生": "塞繆爾·約翰生: the dot between a name's parts, four times on the page",
}


def exact_but_guessed(out: str, gold: str, guessed: set[int]) -> bool:
    """`out` equals `gold` (width-folded) except at gold columns the page's annotations mark as guessed
    (characters no byte names: chosen from context by whoever made the gold)."""
    import difflib

    if fold(out) == fold(gold):
        return True
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, gold, out, autojunk=False).get_opcodes():
        if op == "equal" or fold(gold[a1:a2]) == fold(out[b1:b2]):
            continue
        if op != "replace" or a2 - a1 != b2 - b1 or not all(c in guessed for c in range(a1, a2)):
            return False
    return True


def without_residue(line: str, residue: str) -> str:
    """`line` less its last markup residue: the tag as the repair rebuilds it (`</p>` for `?/p>`), or as it stands."""
    for form in ("<" + residue[1:], residue):
        i = line.rfind(form)
        if i >= 0:
            return line[:i] + line[i + len(form) :]
    return line


def seed_dev() -> dict:
    import json

    steps = steps_for("repair.nfc", "repair.mojibake", "repair.pinyin", "repair.script")
    page = (SHARED / "seed-dev" / "page_dev.txt").read_text(encoding="utf-8")
    gold = (SHARED / "seed-dev" / "gold_dev.txt").read_text(encoding="utf-8")
    notes = json.loads((SHARED / "seed-dev" / "annotations.json").read_text(encoding="utf-8"))
    guessed: dict[int, set[int]] = {}
    for g in notes["guessed_characters"]:
        if g["kind"] == "char_guess":
            guessed.setdefault(g["line"] - 1, set()).add(g["col"])  # lines 1-based, columns 0-based
    # markup residue (`?/p>`: a `</p>` whose `<` the decoder swallowed) is already removed in the gold, a cleaning
    # step's work: the repair rebuilds the tag, and the comparison takes it out where the annotations list one
    residue = {r["line"] - 1: r["source_text"] for r in notes["boilerplate"]["markup_residue"]}
    out = run(steps, page)
    err = total = lines = exact = exact_guessed = q_left = 0
    for k, (p, g, o) in enumerate(zip(page.split("\n"), gold.split("\n"), out.text.split("\n"), strict=True)):
        if p.count("?") <= g.count("?"):
            continue
        if k in residue:
            o = without_residue(o, residue[k])
        lines += 1
        e = errors(o, g)
        err += e
        total += len(fold(g))
        exact += e == 0
        exact_guessed += exact_but_guessed(o, g, guessed.get(k, set()))
        q_left += max(0, o.count("?") - g.count("?"))
    return {"garbled_lines": lines, "lines_exact": exact, "lines_exact_but_guessed": exact_guessed,
            "cer": err / max(1, total), "qmarks_left": q_left}


def speed(steps, texts: list[str]) -> dict:
    raw = ["\n".join(texts[i : i + 4]).encode("utf-8") for i in range(0, len(texts), 4)]
    mb = sum(len(r) for r in raw) / 1e6
    moj = steps[0]
    best_read = best_detect = float("inf")
    import orjson

    lines = [orjson.dumps({"text": r.decode()}) for r in raw]
    for _ in range(5):
        t = time.perf_counter()
        docs = [Document("d", orjson.loads(line)["text"]) for line in lines]
        best_read = min(best_read, time.perf_counter() - t)
        t = time.perf_counter()
        for at in range(0, len(docs), BATCH_DOCS):  # in the runner's batches
            moj.process_batch(docs[at : at + BATCH_DOCS])
        best_detect = min(best_detect, time.perf_counter() - t)
    return {"mb": mb, "read_mb_s": mb / best_read, "detect_mb_s": mb / best_detect, "ratio": best_detect / best_read}


# Every document of the shopping reviews that repair.mojibake changes, read one by one, with why the bytes
# support the change. Any other change fails the evaluation: on this real text a '?' or a private-use character
# beside fluent Chinese is a character the site could not encode, and writing one there invents text.
REVIEWED = {
    "shop-54635": "帕艘徽蟆 is 了一阵。 shifted by a lost byte (C5C1 D2D2 BBD5 F3A1 read from the second byte); "
                  "the character before, whose lead byte is gone, is a guess among those ending in C5",
}
REVIEWS = "web_text/online_shopping_10_cats.jsonl.gz"


def real_negatives(steps) -> dict[str, dict]:
    """repair.mojibake over the 62,774 real shopping reviews, in two halves by the parity of the id's number
    (dev: even, the half rules may be tuned on; confirm: odd): documents holding a '?' or a private-use
    character, documents changed, and each change (old -> new)."""
    import difflib
    import gzip

    import orjson

    halves: dict[str, dict] = {h: {"docs": 0, "suspect": 0, "changed": []} for h in ("dev", "confirm")}
    rows = [orjson.loads(line) for line in gzip.open(SHARED / REVIEWS, "rb")]
    docs = [Document(str(r["id"]), r["text"]) for r in rows if isinstance(r.get("text"), str)]
    moj = steps[0]
    for at in range(0, len(docs), BATCH_DOCS):
        batch = docs[at : at + BATCH_DOCS]
        before = [d.text for d in batch]
        for doc, text in zip(moj.process_batch(batch), before, strict=True):
            half = halves["dev" if int(doc.id.rsplit("-", 1)[-1]) % 2 == 0 else "confirm"]
            half["docs"] += 1
            half["suspect"] += "?" in text or any("\ue000" <= c <= "\uf8ff" for c in text)
            if doc.text != text:
                ops = difflib.SequenceMatcher(None, text, doc.text, autojunk=False).get_opcodes()
                diff = " ".join(f"{text[max(0, a - 4):a]}[{text[a:b]}->{doc.text[c:d]}]"
                                for op, a, b, c, d in ops if op != "equal")
                half["changed"].append((doc.id, diff[:120]))
    return halves


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    require_shared()
    steps = steps_for("repair.mojibake")
    hans = wiki("cmrc2018_wiki_zh_hans.jsonl.gz")[: args.docs]
    hant = wiki("drcd_wiki_zh_hant.jsonl.gz")[: args.docs]
    sim = simulated(steps, hans, hant, args.seed)
    det = sim.pop("detection")
    print(f"simulated mojibake: detection precision {det['precision']:.2%} (target >= 99.5%), "
          f"recall {det['recall']:.2%} (floor 98.5%)")
    for kind, r in sim.items():
        extra = f", lost characters recovered {r['chars_recovered']:.1%} (>= 90%)" if "chars_recovered" in r else ""
        if "parts" in r:
            (wn, wok), (cn, cok) = r["parts"]["whole"], r["parts"]["cut"]
            extra = (f" (stretches ending at a sentence's edge {wok / wn:.1%} of {wn}, cut mid-sentence where the "
                     f"bytes stop reading back {cok / cn:.1%} of {cn})")
        print(f"  {kind:15s} {r['docs']:4d} docs: exact repair {r['exact']:.1%}{extra}")
    rows = false_alarms(steps)
    mb = sum(r[4] for r in rows)
    flags, changes = sum(r[2] for r in rows), sum(r[3] for r in rows)
    lost = sum(any(key in spot for key in SOURCE_LOST) for r in rows for spot in r[5])
    wrong = sum(r[6] for r in rows)
    print(f"clean text ({mb:.1f} MB, {sum(r[1] for r in rows):,} documents): {changes} changed, {flags} flagged, "
          f"{lost} of them at a '?' the source itself wrote for a character (read one by one); false alarms "
          f"{wrong} ({wrong / mb * 10:.1f} per 10 MB; target <= 1)")
    for label, n, flag, changed, size, spots, _ in rows:
        if flag or changed:
            print(f"  {label}: {flag} flagged, {changed} changed of {n} ({size:.2f} MB): {' | '.join(spots)}")
    s = seed_dev()
    print(f"seed-dev page: {s['garbled_lines']} garbled lines, {s['lines_exact']} repaired exactly, "
          f"{s['lines_exact_but_guessed']} but for characters the gold marks as guessed "
          f"({s['lines_exact_but_guessed'] / max(1, s['garbled_lines']):.1%}, target >= 90%); CER on garbled "
          f"lines {s['cer']:.2%} (target <= 2%); '?' left that gold does not have: {s['qmarks_left']} (0)")
    neg = real_negatives(steps)
    unreviewed = 0
    for half, r in neg.items():
        unexplained = [c for c in r["changed"] if c[0] not in REVIEWED]
        unreviewed += len(unexplained)
        print(f"real shopping reviews, {half} half: {r['docs']:,} documents, {r['suspect']} with '?' or private-use "
              f"characters, {len(r['changed'])} changed by repair.mojibake, {len(unexplained)} of them not reviewed "
              f"as byte-supported (target 0)")
        for doc_id, diff in r["changed"]:
            print(f"  {doc_id}: {diff}  [{REVIEWED.get(doc_id, 'NOT REVIEWED')}]")
    sp = speed(steps, hans + hant)
    print(f"speed on clean text ({sp['mb']:.1f} MB): detection {sp['detect_mb_s']:.0f} MB/s, reading+decoding "
          f"{sp['read_mb_s']:.0f} MB/s; detection costs {sp['ratio']:.1%} of reading (target <= 10%; not a floor)")
    # floors: each a little under what is met today, so that a regression fails `make eval`
    floors = [
        ("detection precision", det["precision"], 0.995),
        ("detection recall", det["recall"], 0.985),  # 98.7-99.2% by seed; the issue asks >= 97% (new generator)
        *((f"{kind} exact repair", sim[kind]["exact"], floor) for kind, floor in EXACT_FLOORS.items()),
        *((f"{kind} lost characters recovered", sim[kind]["chars_recovered"], 0.90) for kind in SHIFTED),
        ("seed-dev lines exact but for guessed characters", s["lines_exact_but_guessed"] / s["garbled_lines"], 0.90),
        ("seed-dev CER (as 1 - CER)", 1 - s["cer"], 0.98),
        ("clean text left unchanged (as documents changed == 0)", float(changes == 0), 1.0),
        ("clean-text false alarms (as <= 1 per 10 MB)", float(wrong / mb * 10 <= 1), 1.0),
        ("real reviews changed only where reviewed", float(unreviewed == 0), 1.0),
    ]
    failed = [(name, got, floor) for name, got, floor in floors if got < floor]
    for name, got, floor in failed:
        print(f"BELOW FLOOR: {name} {got:.4f} < {floor}")
    return 1 if failed else 0


EXACT_FLOORS = {"utf8_as_gbk": 0.99, "utf8_as_cp1252": 0.985, "gbk_as_big5": 0.96, "big5_as_gbk": 0.98,
                "debris": 0.995}


if __name__ == "__main__":
    sys.exit(main())
