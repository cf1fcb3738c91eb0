"""Fuzzing the reader and the whole pipeline: no input line may raise, hang or go unaccounted for.

The suite runs a few dozen examples; `make fuzz` runs many more (TAOSHA_FUZZ_EXAMPLES). The shapes that
once stopped a run (issue 24) are explicit examples, so they are tried on every run.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import taosha
from taosha import PipelineConfig
from taosha.config import InputConfig
from taosha.io.readers import Quarantine, Unit, read_unit

EXAMPLES = int(os.environ.get("TAOSHA_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 40, deadline=None, suppress_health_check=list(HealthCheck))
PIPELINE = settings(max_examples=EXAMPLES // 10 or 5, deadline=None, suppress_health_check=list(HealthCheck))


def _deep(levels: int) -> bytes:
    return b'{"text":"x","m":' + b"[" * levels + b"]" * levels + b"}"


SEEDS = [
    b'{"id":"p1","text":"\\u4e2d\xff"}',  # an escape above U+00FF and a byte that is not UTF-8
    b'{"id":"p2","text":"x","m":"\\u4e2d","n":"\xc4\xe3\xba\xc3"}',
    _deep(253),
    _deep(1100),  # beyond the parser's own limit
    b'{"text":"a","n":123456789012345678901234567890}',
    b'{"text":"a","metadata":{"url":"http://a.com/1"},"url":"http://b.com/2"}',
    "{\"text\":\"标题新闻\",\"metadata\":{\"标题\":\"新闻\"},\"x\":\"caf\\u00e9\"}".encode("gbk"),
    b'{"text":"\xaa\\"}',  # a Big5 trail byte 0x5C before the closing quote
    b"\xef\xbb\xbf{\"text\":\"bom\"}",
    b'{"text":"\\ud800"}',  # a lone surrogate escape
    b"[1,2,3]",
    b'{"text":1}',
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def lines(draw) -> bytes:
    kind = draw(st.sampled_from(["json", "json", "mutated", "bytes", "seed"]))
    if kind == "seed":
        return draw(st.sampled_from(SEEDS))
    if kind == "bytes":
        return draw(st.binary(max_size=120)).replace(b"\n", b" ")
    rec = {"text": draw(st.text(max_size=120) | st.sampled_from(["中文测试", "標題新聞", "caf\u00e9 中"]))}
    rec.update(draw(st.dictionaries(st.sampled_from(["id", "url", "charset", "metadata", "n", "标题"]), json_values,
                                    max_size=3)))
    enc = draw(st.sampled_from(["utf-8", "gb18030", "big5", "ascii"]))
    text = json.dumps(rec, ensure_ascii=enc == "ascii")
    try:
        raw = text.encode(enc)
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    if kind == "mutated" and raw:
        data = bytearray(raw)
        for at, value in draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=4)):
            data[at] = value
        raw = bytes(data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data)
    return raw.replace(b"\n", b" ")


@FUZZ
@given(st.lists(lines(), min_size=1, max_size=12), st.sampled_from(["quarantine", "escape"]))
@example(SEEDS, "quarantine")
def test_the_reader_never_raises_and_loses_no_line(batch, policy):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        path.write_bytes(b"\n".join(batch) + b"\n")
        counters: dict = {}
        from collections import Counter

        counters = Counter()
        items = list(read_unit(Unit(0, str(path), "jsonl", ""), InputConfig(undecodable=policy), None, counters))
        blank = sum(1 for line in batch if not line.strip())
        assert len(items) + counters["blank_lines"] == len(batch) and counters["blank_lines"] == blank
        for item in items:
            if item.__class__ is not Quarantine:
                assert isinstance(item.text, str) and isinstance(item.metadata, dict)


@PIPELINE
@given(st.lists(lines(), min_size=1, max_size=8))
@example(SEEDS)
def test_the_whole_pipeline_accounts_for_every_line(batch):
    cfg = PipelineConfig()
    cfg.runner.workers = 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        path.write_bytes(b"\n".join(batch) + b"\n")
        stats = taosha.run([str(path)], Path(tmp) / "o", cfg)  # raises AccountingError when counts do not add up
        blank = sum(1 for line in batch if not line.strip())
        assert stats["documents"]["in"] + stats["input"]["blank_lines"] == len(batch)
        assert stats["input"]["blank_lines"] == blank


csv_cells = st.text(max_size=30) | st.sampled_from(["中文测试", '"quoted, comma"', "a\nb", "\r\n", '"', "\t"])


@FUZZ
@given(st.lists(st.lists(csv_cells, min_size=0, max_size=4), min_size=0, max_size=8),
       st.binary(max_size=60), st.sampled_from(["csv", "tsv"]), st.sampled_from(["text", "id", "x"]))
def test_the_csv_reader_never_raises_and_every_row_is_a_document_or_quarantined(rows, noise, kind, header):
    import csv
    import io
    from collections import Counter

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t" if kind == "tsv" else ",")
    writer.writerow([header, "other"])
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8", "surrogatepass") + noise  # noise: stray bytes, quotes, NULs at the end
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f.{kind}"
        path.write_bytes(data)
        counters: Counter[str] = Counter()
        for item in read_unit(Unit(0, str(path), kind, ""), InputConfig(), None, counters):
            if item.__class__ is not Quarantine:
                assert isinstance(item.text, str) and isinstance(item.metadata, dict)
                json.dumps(item.to_record(), ensure_ascii=False).encode("utf-8")  # writable as it stands


@FUZZ
@given(st.lists(st.fixed_dictionaries({}, optional={"text": st.text(max_size=20) | st.none() | st.integers(),
                                                     "id": st.integers() | st.text(max_size=5),
                                                     "b": st.binary(max_size=8), "m": json_values}),
                min_size=0, max_size=10))
def test_the_parquet_reader_gives_one_item_a_row_whatever_the_columns(records):
    from collections import Counter

    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.parquet"
        try:
            table = pa.Table.from_pylist(records)
            pq.write_table(table, path, row_group_size=3)
        except (pa.ArrowException, OverflowError):  # values Arrow cannot type together: no Parquet file to read
            return
        counters: Counter[str] = Counter()
        items = list(read_unit(Unit(0, str(path), "parquet", ""), InputConfig(), None, counters))
        assert len(items) == table.num_rows
        for item in items:
            if item.__class__ is not Quarantine:
                json.dumps(item.to_record(), ensure_ascii=False)  # every value converted to a JSON form
