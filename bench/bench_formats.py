"""Speed of the output writers per format and of the Parquet/CSV readers, against plain loops in the same run.

Records like the pipeline's output (the bundled documents, with metadata, signals and an edit log each) are
written as one unit's shards by `ShardWriter` in each `--format`, against the plain loop the writer used to be
(orjson of the record + zstandard, the objects nested). Then the same documents are read back as input, from
Parquet (`read_unit`, row groups of 4096 rows) against pyarrow's own `to_pylist`, and from CSV against the
stdlib `csv` module alone. Prints records/s and the ratios; goal: each writer within 2x of the plain loop,
the readers within 3x of their plain loops (they build documents and check every row).

    python bench/bench_formats.py [--records 40000]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from taosha.config import InputConfig
from taosha.io.readers import Unit, read_unit
from taosha.io.writers import SUFFIXES, ShardWriter, prepare_out
from taosha.synth.demo import clean_documents


def make_records(n: int) -> list[dict]:
    docs = clean_documents()
    out = []
    for i in range(n):
        text = docs[i % len(docs)][1]
        edits = [{"step": "repair.script", "reason": "convert", "start": k * 7, "end": k * 7 + 2,
                  "before": "經濟", "after": "经济"} for k in range(i % 6)]
        out.append({"id": f"doc-{i}", "text": text, "metadata": {"url": f"https://site{i % 13}.cn/{i}", "n": i},
                    "source": {"path": "crawl/a.jsonl", "offset": i * 977},
                    "signals": {"chars": len(text), "script": "hans", "han_share": 0.81}, "edits": edits})
    return out


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=40000)
    args = ap.parse_args()
    recs = make_records(args.records)
    mb = sum(len(r["text"].encode()) for r in recs) / 1e6
    work = Path(tempfile.mkdtemp(prefix="taosha-bench-formats-"))
    try:
        print(f"{len(recs):,} records, {mb:.1f} MB of text")

        def plain() -> None:
            with open(work / "plain.jsonl.zst", "wb") as fh, zstandard.ZstdCompressor(level=3).stream_writer(fh) as z:
                z.write(b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in recs))

        base = best(plain)
        print(f"{'plain orjson + zstandard (nested)':36s} {len(recs) / base:10,.0f} records/s")
        for fmt in SUFFIXES:
            out = work / fmt
            prepare_out(out)

            def write(fmt: str = fmt, out: Path = out) -> None:
                w = ShardWriter(out, "part-00000", fmt=fmt)
                for r in recs:
                    w.write("kept", r)
                w.close({}).finalize()

            t = best(write)
            print(f"{'ShardWriter --format ' + fmt:36s} {len(recs) / t:10,.0f} records/s  {t / base:5.2f}x plain")

        table = pa.Table.from_pylist([{"id": r["id"], "text": r["text"], "url": r["metadata"]["url"]} for r in recs])
        pq.write_table(table, work / "in.parquet", row_group_size=4096)
        with open(work / "in.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(table.column_names)
            w.writerows(zip(*(table[c].to_pylist() for c in table.column_names), strict=True))
        cfg = InputConfig()
        for kind, plain_read in (
            ("parquet", lambda: sum(len(b.to_pylist()) for b in pq.ParquetFile(work / "in.parquet").iter_batches())),
            ("csv", lambda: sum(1 for _ in csv.reader(open(work / "in.csv", newline="", encoding="utf-8")))),
        ):
            unit = Unit(0, str(work / f"in.{kind}"), kind, "")
            base_r = best(plain_read)
            ours = best(lambda unit=unit: sum(1 for _ in read_unit(unit, cfg)))
            print(f"{'plain ' + kind + ' rows':36s} {len(recs) / base_r:10,.0f} records/s")
            print(f"{'read_unit ' + kind:36s} {len(recs) / ours:10,.0f} records/s  {ours / base_r:5.2f}x plain")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
