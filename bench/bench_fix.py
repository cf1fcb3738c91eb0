"""Speed of `taosha.fix_text` (the repair steps) against OpenCC t2s alone on the same text, same run.

Clean simplified text (Wikipedia paragraphs from ../shared, or the bundled documents) and spun text made
from it by the simulator, in ~2,000-character documents. Goals: >= 10 MB/s on clean simplified text and
>= 5 MB/s on spun text, per core.

    python bench/bench_fix.py
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import time
from pathlib import Path

from taosha.fix import fix_text
from taosha.synth import damage
from taosha.synth.demo import clean_documents
from taosha.zh.script import converter

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "wiki" / "cmrc2018_wiki_zh_hans.jsonl.gz"


def corpus() -> list[str]:
    if SHARED.exists():
        with gzip.open(SHARED, "rt", encoding="utf-8") as fh:
            paras = [json.loads(line)["text"] for line in fh]
    else:
        paras = [t for _, t in clean_documents()] * 20
    return ["\n".join(paras[i : i + 4]) for i in range(0, len(paras), 4)]


def best(fn, texts: list[str], repeat: int = 5) -> float:
    t_best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for x in texts:
            fn(x)
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main() -> int:
    clean = corpus()
    rng = random.Random(1)
    spun = [damage.spin(t, rng).text for t in clean]
    t2s = converter("t2s").convert
    fix_text(clean[0])  # load the tables once, as a worker does
    for label, texts, goal in (("clean simplified", clean, 10), ("spun", spun, 5)):
        mb = sum(len(t.encode()) for t in texts) / 1e6
        t_fix, t_base = best(fix_text, texts), best(t2s, texts)
        print(f"fix_text on {label} text ({mb:.1f} MB): {mb / t_fix:.1f} MB/s (goal >= {goal}); "
              f"OpenCC t2s {mb / t_base:.1f} MB/s; fix_text takes {t_fix / t_base:.1f}x t2s's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
