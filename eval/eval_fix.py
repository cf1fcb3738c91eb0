"""Evaluation of `taosha fix` on the real page in ../shared/corpora/seed-dev, line by line against gold.

Targets: character error rate (width-folded) <= 0.2% on lines without mojibake and <= 2% on garbled lines;
0 pinyin annotations and 0 traditional characters left.

    python eval/eval_fix.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import SHARED, below_floors, errors, fold, require_shared
from taosha.repair.pinyin import ANNOTATION
from taosha.zh.script import TRAD, classes


def main() -> int:
    require_shared()
    page = SHARED / "seed-dev" / "page_dev.txt"
    gold = (SHARED / "seed-dev" / "gold_dev.txt").read_text(encoding="utf-8").split("\n")
    src = page.read_text(encoding="utf-8").split("\n")
    run = subprocess.run([sys.executable, "-m", "taosha.cli", "fix", str(page)], capture_output=True, check=True)
    out = run.stdout.decode("utf-8").split("\n")
    assert len(out) == len(src), (len(out), len(src))
    stats = {"clean": [0, 0, 0], "garbled": [0, 0, 0]}  # errors, characters, lines
    for p, g, o in zip(src, gold, out, strict=True):
        kind = "garbled" if p.count("?") > g.count("?") else "clean"
        stats[kind][0] += errors(o, g)
        stats[kind][1] += len(fold(g))
        stats[kind][2] += 1
    text = "\n".join(out)
    annotations = sum(1 for m in ANNOTATION.finditer(text) if m.start() and m.group(1).isascii() is False)
    trad = int((classes(text) == TRAD).sum())
    for kind, target in (("clean", "0.2%"), ("garbled", "2%")):
        e, n, lines = stats[kind]
        print(f"taosha fix on seed-dev, {lines} lines {'without' if kind == 'clean' else 'with'} mojibake: "
              f"CER {e / max(1, n):.3%} (target <= {target})")
    print(f"tone-marked annotations left: {annotations} (target 0); traditional characters left: {trad} (target 0); "
          f"{len(out)} lines in, {len(out)} lines out")
    cer = {kind: e / max(1, n) for kind, (e, n, _) in stats.items()}
    return below_floors([("seed-dev CER without mojibake (as 1 - CER)", 1 - cer["clean"], 0.998),
                         ("seed-dev CER with mojibake (as 1 - CER)", 1 - cer["garbled"], 0.98),
                         ("annotations left (as none)", float(annotations == 0), 1.0),
                         ("traditional characters left (as none)", float(trad == 0), 1.0)])


if __name__ == "__main__":
    sys.exit(main())
