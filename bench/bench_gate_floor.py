"""What detecting mojibake in clean text costs, against reading it, and the least any gate could cost.

The issue's goal is detection at most 10% of the time of reading and decoding (here: parsing the JSON lines and
building the documents, as the runner does). This prints, for the same clean text in the same run, each as a
share of that reading time:

- `repair.mojibake` on the documents (the gate, and the repairs tried on the clean pages it lets through);
- its gate alone (`_suspicious_many`, numpy over each batch);
- the least a numpy gate does: the text's code points as an array (UTF-16) and one table lookup each;
- with a C compiler at hand (`cc`), the same lookup compiled (-O3), over text already laid out as UTF-16 in
  one buffer, and one density window (rare characters among the last six), which every useful gate needs.

The compiled lines are the floor: no gate that looks at each character, in any language, costs less.

Usage: python bench/bench_gate_floor.py [--docs 600] [--repeat 9]   (needs ../shared/corpora)
"""

from __future__ import annotations

import argparse
import ctypes
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from common import require_shared, steps_for, wiki
from taosha import Document
from taosha.repair.mojibake import gate
from taosha.runners.core import BATCH_DOCS

C_SOURCE = r"""
#include <stdint.h>
#include <stddef.h>
uint16_t scan(const uint16_t *text, size_t n, const uint16_t *table) {
    uint16_t seen = 0;
    for (size_t i = 0; i < n; i++) seen |= table[text[i]];
    return seen;
}
int dense(const uint16_t *text, size_t n, const uint8_t *rare) {
    int window = 0, most = 0;
    for (size_t i = 0; i < n; i++) {
        window += rare[text[i]];
        if (i >= 6) window -= rare[text[i - 6]];
        if (window > most) most = window;
    }
    return most;
}
"""


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def compiled(work: Path) -> ctypes.CDLL | None:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    src, lib = work / "gate.c", work / "gate.so"
    src.write_text(C_SOURCE)
    done = subprocess.run([cc, "-O3", "-shared", "-fPIC", "-o", str(lib), str(src)], capture_output=True)
    return ctypes.CDLL(str(lib)) if done.returncode == 0 else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    require_shared()
    texts = wiki("cmrc2018_wiki_zh_hans.jsonl.gz")[: args.docs] + wiki("drcd_wiki_zh_hant.jsonl.gz")[: args.docs]
    lines = [orjson.dumps({"text": "\n".join(texts[i : i + 4])}) for i in range(0, len(texts), 4)]
    docs = [Document("d", orjson.loads(line)["text"]) for line in lines]
    strs = [d.text for d in docs]
    mb = sum(len(s.encode()) for s in strs) / 1e6
    (step,) = steps_for("repair.mojibake")

    def batches(fn: Callable[[list], object]) -> Callable[[], None]:
        return lambda: [fn(items) for items in (docs[k : k + BATCH_DOCS] for k in range(0, len(docs), BATCH_DOCS))]

    read = best(lambda: [Document("d", orjson.loads(line)["text"]) for line in lines], args.repeat)
    rows = [
        ("repair.mojibake (gate and the repairs it lets through)", best(batches(step.process_batch), args.repeat)),
        ("its gate alone (numpy, per batch)",
         best(batches(lambda items: gate._suspicious_many([d.text for d in items])), args.repeat)),
    ]
    table = np.ascontiguousarray(gate._gate_table()[:0x10000].astype(np.uint16))
    joined = "".join(strs)
    rows.append(("numpy floor: code points as an array, one lookup each", best(
        lambda: (table[np.frombuffer(joined.encode("utf-16-le"), dtype=np.uint16)] & gate.RARE).any(),
        args.repeat)))
    with tempfile.TemporaryDirectory() as tmp:
        lib = compiled(Path(tmp))
        if lib is None:
            print("(no C compiler: the compiled floor is not measured)")
        else:
            units = np.ascontiguousarray(np.frombuffer(joined.encode("utf-16-le"), dtype=np.uint16))
            rare = np.ascontiguousarray(((table & gate.RARE) != 0).astype(np.uint8))
            ptr = units.ctypes.data_as(ctypes.c_void_p)
            lib.scan.argtypes = lib.dense.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
            rows.append(("compiled floor: one lookup per character, text already in one buffer", best(
                lambda: lib.scan(ptr, len(units), table.ctypes.data_as(ctypes.c_void_p)), args.repeat)))
            rows.append(("compiled floor: one density window (rare among the last six)", best(
                lambda: lib.dense(ptr, len(units), rare.ctypes.data_as(ctypes.c_void_p)), args.repeat)))
    print(f"clean text {mb:.2f} MB, {len(docs)} documents; reading (JSON lines -> documents) {mb / read:.0f} MB/s")
    for label, t in rows:
        print(f"  {label}: {mb / t:,.0f} MB/s, {t / read:.1%} of reading (goal for detection <= 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
