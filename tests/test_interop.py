"""Interop (issue 18, items 1-3): Parquet/CSV/TSV and in-memory input, output formats that load as they are with
Hugging Face `datasets` and datatrove, the --edits switch, `taosha.to_datasets` and the datatrove step."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import taosha
from taosha.cli import main
from taosha.config import PipelineConfig, StepSpec
from taosha.errors import ConfigError, EditLogError
from taosha.io.writers import iter_records, shards

LIGHT = ["repair.nfc", "repair.whitespace", "repair.script", "filter.empty"]
# trailing spaces and a run of blank lines that repair.whitespace removes: every kept record carries edits
GAP, CLOSED = "  \n\n\n\n", "\n\n"
TEXTS = [t + GAP + "完。" for t in ("經濟發展很快，我們都很高興。", "今天天氣很好，我們去公園散步。",
                                   "這是一個測試文件，內容不多。", "前後有空白的文字。", "圖書館裡有很多書。")]


def clean(text: str) -> str:
    return text.replace(GAP, CLOSED)


def cfg(workers: int = 1, steps: list[str] | None = LIGHT, chunk: int = 0, **output: str) -> PipelineConfig:
    c = PipelineConfig()
    c.runner.workers = workers
    if steps is not None:
        c.steps = [StepSpec(s) for s in steps]
    if chunk:
        c.input.chunk_bytes = chunk
    for k, v in output.items():
        setattr(c.output, k, v)
    return c


def tree(out: Path) -> dict[str, bytes]:
    """The output's shards and stats.json (without its CPU times, which differ from run to run)."""
    from taosha.report.stats import without_timing

    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
             if p.is_file() and p.parts[-2] in ("kept", "dropped", "quarantine")}
    if (out / "stats.json").exists():
        files["stats.json"] = orjson.dumps(without_timing(orjson.loads((out / "stats.json").read_bytes())))
    return files


def records(out: Path, sink: str = "kept") -> list[dict]:
    return [r for p in shards(out, sink) for r in iter_records(p)]


def rows(n: int, key: str = "content") -> list[dict]:
    return [{"doc_id": f"d{i}", key: TEXTS[i % len(TEXTS)] + f"第{i}號。", "site": f"s{i % 3}", "n": i}
            for i in range(n)]


# -- readers --------------------------------------------------------------------------------------------------


def write_parquet(path: Path, data: list[dict], row_group_size: int) -> Path:
    pq.write_table(pa.Table.from_pylist(data), path, row_group_size=row_group_size)
    return path


def test_parquet_rows_are_read_by_row_group_with_any_text_and_id_column(tmp_path):
    data = rows(40)
    data[7]["content"] = None  # a bad row: quarantined with the error, never a run failure
    inp = tmp_path / "in"
    inp.mkdir()
    write_parquet(inp / "a.parquet", data, row_group_size=8)
    c = cfg(chunk=1)  # every row group its own unit
    c.input.text_field, c.input.id_field = "content", "doc_id"
    stats = taosha.run(str(inp), tmp_path / "o", c)
    assert stats["documents"] == {"in": 40, "kept": 39, "dropped": 0, "quarantined": 1, "split": 0,
                                  "parts_from_splits": 0}
    run = orjson.loads((tmp_path / "o" / "run.json").read_bytes())
    assert [(u["start"], u["end"]) for u in run["units"]] == [(0, 1), (1, 2), (2, 3), (3, 4), (4, -1)]
    kept = records(tmp_path / "o")
    assert [r["id"] for r in kept] == [f"d{i}" for i in range(40) if i != 7]
    assert kept[0]["metadata"] == {"site": "s0", "n": 0}
    assert kept[0]["source"] == {"path": str(inp / "a.parquet"), "row": 0}
    assert kept[0]["text"] == clean(data[0]["content"]) != data[0]["content"]
    assert taosha.restore_original(kept[0]) == data[0]["content"]
    (q,) = records(tmp_path / "o", "quarantine")
    assert q["error"] == "missing_text_field" and q["source"]["row"] == 7
    assert "doc_id" in q["detail"] and "site" in q["detail"]  # the fields the record does have


def test_a_file_that_is_not_parquet_is_quarantined_not_fatal(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    stats = taosha.run([str(tmp_path / "bad.parquet")], tmp_path / "o", cfg())
    assert stats["documents"]["quarantined"] == 1
    assert records(tmp_path / "o", "quarantine")[0]["error"] == "unreadable_file"


def write_csv(path: Path, header: list[str], body: list[list[str]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(body)
    return path


def test_csv_and_tsv_rows_become_documents_and_bad_rows_are_quarantined(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    write_csv(inp / "a.csv", ["id", "text", "url"],
              [["c1", "第一行，\n第二行。", "http://a"], ["c2", "多一個欄位", "http://b", "extra"],
               ["c3", "第三篇", ""]])
    with open(inp / "b.tsv", "wb") as fh:  # a row that is not UTF-8
        fh.write("text\tsite\n你好世界\tx\n".encode() + b"\xb9\xfe\tgbk\n")
    stats = taosha.run(str(inp), tmp_path / "o", cfg())
    assert stats["documents"]["in"] == 5 and stats["documents"]["quarantined"] == 2
    kept = {r["id"]: r for r in records(tmp_path / "o")}
    assert kept["c1"]["text"] == "第一行，\n第二行。" and kept["c1"]["metadata"] == {"url": "http://a"}
    assert kept["c3"]["source"] == {"path": str(inp / "a.csv"), "line": 5}  # c1 spans lines 2 and 3
    assert kept[f"{inp / 'b.tsv'}:2"]["metadata"] == {"site": "x"}
    errors = sorted(q["error"] for q in records(tmp_path / "o", "quarantine"))
    assert errors == ["bad_csv_row", "undecodable"]
    assert not stats["input"]["skipped_files"]


def test_a_gbk_csv_and_a_utf16_tsv_are_read_in_their_encoding(tmp_path):
    rows_ = "id,text\ng1,简体中文的文章，编码是GBK。\ng2,第二篇\n"
    (tmp_path / "g.csv").write_bytes(rows_.encode("gbk"))
    (tmp_path / "u.tsv").write_bytes("text\tsite\n繁體中文\tx\n".encode("utf-16"))  # Excel's "Unicode text"
    stats = taosha.run(str(tmp_path), tmp_path / "o", cfg(steps=["repair.nfc"]))
    assert stats["documents"]["kept"] == 3 and stats["documents"]["quarantined"] == 0
    kept = records(tmp_path / "o")
    assert kept[0]["text"] == "简体中文的文章，编码是GBK。" and kept[0]["source"]["encoding"] == "gb18030"
    assert kept[2]["text"] == "繁體中文" and kept[2]["metadata"] == {"site": "x"}


def test_folders_no_longer_skip_parquet_csv_and_tsv(tmp_path):
    from taosha.io.readers import discover

    for name in ("a.parquet", "b.csv", "c.tsv", "d.csv.gz", "e.md"):
        (tmp_path / name).write_bytes(b"")
    files, skipped = discover([str(tmp_path)])
    assert [Path(f).name for f in files] == ["a.parquet", "b.csv", "c.tsv", "d.csv.gz"]
    assert [Path(f).name for f in skipped] == ["e.md"]


def test_tables_give_byte_identical_output_for_1_and_2_workers(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    data = rows(60, key="text")
    data[5]["text"] = data[33]["text"] = " \n "  # dropped by filter.empty
    write_parquet(inp / "a.parquet", data, row_group_size=10)
    write_csv(inp / "b.csv", ["doc_id", "text"], [[r["doc_id"], r["text"]] for r in data[:20]])
    outs = []
    for workers in (1, 2):
        c = cfg(workers, steps=[*LIGHT, "clean.frequent_lines", "dedup.near"], chunk=1, format="parquet")
        taosha.run([str(inp)], tmp_path / f"o{workers}", c)
        outs.append(tree(tmp_path / f"o{workers}"))
    assert outs[0] == outs[1] and any(k.startswith("dropped/") and k.endswith(".parquet") for k in outs[0])


@pytest.mark.parametrize("fmt", ["jsonl.gz", "parquet"])
def test_a_resumed_run_gives_the_same_shards_in_every_format(tmp_path, fmt):
    inp = two_sources(tmp_path / "in")
    taosha.run(str(inp), tmp_path / "o", cfg(format=fmt))
    whole = tree(tmp_path / "o")
    (tmp_path / "o" / "_done" / "part-00001.json").unlink()  # as if killed before unit 1 was committed
    (tmp_path / "o" / "kept" / f"part-00001.{fmt}").unlink()
    (tmp_path / "o" / "stats.json").unlink()
    taosha.run(str(inp), tmp_path / "o", cfg(2, format=fmt))
    assert tree(tmp_path / "o") == whole


def test_records_in_memory_and_hugging_face_datasets_run_like_files(tmp_path):
    datasets = pytest.importorskip("datasets")
    data = [{"text": t} for t in TEXTS] + [{"text": 5}, "not a record"]
    from_list = taosha.run(data, tmp_path / "list", cfg())
    assert from_list["documents"]["in"] == 7 and from_list["documents"]["quarantined"] == 2
    kept = records(tmp_path / "list")
    assert [r["id"] for r in kept] == ["0", "1", "2", "3", "4"]  # no id: the position in the input
    assert not (tmp_path / "list" / "_input").exists()  # the copy goes when the run is done

    ds = datasets.Dataset.from_list([{"text": t, "lang": "zh"} for t in TEXTS])
    stats = taosha.run(ds, tmp_path / "ds", cfg())
    assert stats["documents"]["kept"] == 5
    assert [r["text"] for r in records(tmp_path / "ds")] == [r["text"] for r in kept]
    assert records(tmp_path / "ds")[0]["metadata"] == {"lang": "zh"}
    it = taosha.run(ds.to_iterable_dataset(), tmp_path / "it", cfg())
    assert it["documents"]["kept"] == 5
    # the same output for any worker count: a second run with 2 workers over the first's folder
    before = tree(tmp_path / "ds")
    taosha.run(ds, tmp_path / "ds", cfg(2), overwrite=True)
    assert tree(tmp_path / "ds") == before


# -- writers --------------------------------------------------------------------------------------------------


def two_sources(root: Path) -> Path:
    """Two files whose records have metadata of different shapes (the demo's news and essay sites)."""
    root.mkdir()
    (root / "a.jsonl").write_text("".join(json.dumps({"id": f"a{i}", "text": TEXTS[i], "damage": ["spun"]},
                                                     ensure_ascii=False) + "\n" for i in range(3)), "utf-8")
    (root / "b.jsonl").write_text("".join(json.dumps({"id": f"b{i}", "text": TEXTS[i + 1], "url": f"http://b/{i}",
                                                      "metadata": {"tags": [1, 2]}}, ensure_ascii=False) + "\n"
                                          for i in range(3)), "utf-8")
    (root / "c.jsonl").write_bytes(b'{"text": broken\n')  # quarantined
    return root


@pytest.mark.parametrize("fmt", ["jsonl.zst", "jsonl.gz", "jsonl", "parquet"])
def test_every_format_writes_the_same_records(tmp_path, fmt):
    inp = two_sources(tmp_path / "in")
    taosha.run(str(inp), tmp_path / "ref", cfg())
    taosha.run(str(inp), tmp_path / fmt, cfg(format=fmt))
    suffix = "." + fmt
    assert all(p.name.endswith(suffix) for p in (tmp_path / fmt / "kept").iterdir())
    for sink in ("kept", "quarantine"):
        assert records(tmp_path / fmt, sink) == records(tmp_path / "ref", sink) != []
    if fmt == "jsonl.gz":  # no time or name in the gzip header: the same bytes on every run
        assert gzip.decompress((tmp_path / fmt / "kept" / "part-00000.jsonl.gz").read_bytes()).count(b"\n") == 3


def test_parquet_has_one_fixed_schema_whatever_the_source(tmp_path):
    from taosha.io.writers import record_schema

    inp = two_sources(tmp_path / "in")
    taosha.run(str(inp), tmp_path / "o", cfg(format="parquet"))
    schemas = [pq.read_schema(p) for p in shards(tmp_path / "o")]
    assert len(schemas) == 2 and all(s.equals(record_schema()) for s in schemas)
    table = pq.read_table(tmp_path / "o" / "kept")  # the shards load together as one table
    assert table.num_rows == 6 and json.loads(table["metadata"][3].as_py()) == {"tags": [1, 2], "url": "http://b/0"}


def test_jsonl_output_of_different_sources_loads_with_hugging_face_datasets(tmp_path):
    datasets = pytest.importorskip("datasets")
    inp = two_sources(tmp_path / "in")
    taosha.run(str(inp), tmp_path / "o", cfg())
    ds = datasets.load_dataset("json", data_files=str(tmp_path / "o" / "kept" / "*.jsonl.zst"), split="train",
                               cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == 6 and json.loads(ds[0]["metadata"]) == {"damage": ["spun"]}
    assert taosha.restore_original(ds[0]) == TEXTS[0]  # a loaded row still rebuilds its input
    same = taosha.to_datasets(tmp_path / "o", cache_dir=str(tmp_path / "cache"))
    assert same["id"] == ds["id"] and same.column_names == ds.column_names

    taosha.run(str(inp), tmp_path / "p", cfg(format="parquet"))
    from_parquet = taosha.to_datasets(tmp_path / "p", cache_dir=str(tmp_path / "cache"))
    assert from_parquet["text"] == ds["text"] and from_parquet["metadata"] == ds["metadata"]
    assert taosha.to_datasets(tmp_path / "p", "dropped").num_rows == 0


def test_edits_summary_and_none(tmp_path):
    inp = two_sources(tmp_path / "in")
    full = taosha.run(str(inp), tmp_path / "full", cfg())
    summary = taosha.run(str(inp), tmp_path / "summary", cfg(edits="summary"))
    taosha.run(str(inp), tmp_path / "none", cfg(edits="none"))
    assert summary["edits_by"] == full["edits_by"]  # the run's accounting does not change
    f, s, n = records(tmp_path / "full")[0], records(tmp_path / "summary")[0], records(tmp_path / "none")[0]
    assert f["text"] == s["text"] == n["text"] and f["edits"]
    counts: dict[str, int] = {}
    for e in f["edits"]:
        counts[f"{e['step']}/{e['reason']}"] = counts.get(f"{e['step']}/{e['reason']}", 0) + 1
    assert s["edits"] is None and s["edit_counts"] == counts
    assert n["edits"] is None and "edit_counts" not in n
    with pytest.raises(EditLogError, match="--edits none"):
        taosha.restore_original(n)
    with pytest.raises(EditLogError, match="--edits summary"):
        taosha.restore_original(s)
    size = {k: sum(p.stat().st_size for p in shards(tmp_path / k)) for k in ("full", "summary", "none")}
    assert size["none"] < size["full"]


def test_cli_format_and_edits_options_and_config_key(tmp_path, capsys):
    inp = two_sources(tmp_path / "in")
    assert main(["clean", str(inp), "-o", str(tmp_path / "o"), "--format", "parquet", "--edits", "none",
                 "--config", str(_toml(tmp_path)), "-q", "--no-report"]) == 0
    assert sorted(p.name for p in (tmp_path / "o" / "kept").iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    assert 'format = "parquet"' in (tmp_path / "o" / "pipeline.toml").read_text()
    assert main(["inspect", str(tmp_path / "o"), "--id", "a0"]) == 0
    assert "no edit log" in capsys.readouterr().out
    c = PipelineConfig()
    c.set("output.format=jsonl.gz")
    assert c.output.format == "jsonl.gz"
    with pytest.raises(ConfigError, match="summary"):
        c.set("output.edits=some")
    bad = tmp_path / "bad.toml"
    bad.write_text('[output]\nformat = "csv"\n')
    with pytest.raises(ConfigError, match=r"jsonl\.zst, jsonl\.gz, jsonl, parquet"):
        taosha.load_config(bad)


def _toml(tmp_path: Path) -> Path:
    p = tmp_path / "pipe.toml"
    p.write_text("".join(f'[[steps]]\nuse = "{s}"\n' for s in LIGHT))
    return p


# -- datatrove ------------------------------------------------------------------------------------------------


def test_datatrove_readers_read_our_output(tmp_path):
    pytest.importorskip("datatrove")
    from datatrove.pipeline.readers import JsonlReader, ParquetReader

    inp = two_sources(tmp_path / "in")
    taosha.run(str(inp), tmp_path / "gz", cfg(format="jsonl.gz"))
    taosha.run(str(inp), tmp_path / "pq", cfg(format="parquet"))
    docs = list(JsonlReader(str(tmp_path / "gz" / "kept"))())
    assert [d.id for d in docs] == ["a0", "a1", "a2", "b0", "b1", "b2"]
    # datatrove reads a JSON-string `metadata` as its own metadata; our other fields come along
    assert docs[0].metadata["damage"] == ["spun"] and json.loads(docs[0].metadata["edits"])
    pdocs = list(ParquetReader(str(tmp_path / "pq" / "kept"))())
    assert [(d.id, d.text) for d in pdocs] == [(d.id, d.text) for d in docs]


def test_taosha_steps_run_inside_a_datatrove_pipeline(tmp_path):
    pytest.importorskip("datatrove")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from taosha.integrations.datatrove import TaoshaStep

    inp = tmp_path / "in"
    inp.mkdir()
    lines = [{"id": "t", "text": TEXTS[0]}, {"id": "empty", "text": " \n "}, {"id": "same", "text": "你好。"}]
    (inp / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    step = TaoshaStep(steps=LIGHT, keep_edits=True)
    LocalPipelineExecutor(
        pipeline=[JsonlReader(str(inp)), step, JsonlWriter(str(tmp_path / "out"), compression=None)],
        tasks=1, workers=1, logging_dir=str(tmp_path / "logs"),
    ).run()
    out = [json.loads(line) for p in sorted((tmp_path / "out").glob("*.jsonl")) for line in p.open(encoding="utf-8")]
    assert [r["id"] for r in out] == ["t", "same"]  # the empty document was dropped by filter.empty
    assert out[0]["text"] == clean(TEXTS[0])
    note = out[0]["metadata"]["taosha"]
    assert note["signals"]["script"] and taosha.restore_original({"text": out[0]["text"], "edits": note["edits"]}) \
        == TEXTS[0]
    with pytest.raises(ConfigError, match="two-pass"):
        TaoshaStep(steps=["dedup.near"])


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_a_record_no_format_can_hold_is_refused_by_every_writer(tmp_path, fmt):
    # a lone surrogate (the readers quarantine such input): the runner quarantines its document as `unwritable`
    from taosha.document import Document
    from taosha.io.writers import ShardWriter, UnwritableRecord

    with pytest.raises(UnwritableRecord, match="surrogates"):
        ShardWriter(tmp_path, "part-00000", fmt=fmt).line(Document("s", "\ud800 中").to_record())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
edit = st.fixed_dictionaries({"step": st.sampled_from(["repair.nfc", "s\\\"q"]), "reason": st.text(max_size=4),
                              "start": st.integers(0, 9), "end": st.integers(0, 9), "before": st.text(max_size=6),
                              "after": st.text(max_size=6)})


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries(
    {"id": st.text(max_size=8), "text": st.text(max_size=30), "metadata": st.dictionaries(st.text(max_size=5),
     json_values, max_size=3), "source": st.fixed_dictionaries({"path": st.text(max_size=8)}),
     "signals": st.dictionaries(st.text(max_size=5), json_values, max_size=3), "edits": st.lists(edit, max_size=3)},
    optional={"parent": st.fixed_dictionaries({"id": st.text(max_size=4), "edits": st.lists(edit, max_size=2)}),
              "drop": st.fixed_dictionaries({"step": st.text(max_size=4), "reason": st.just("r")})}),
    st.sampled_from(["full", "summary", "none"]))
def test_the_fast_line_is_the_encoded_record_byte_for_byte(record, edits):
    from taosha.io.writers import ShardWriter, UnwritableRecord, decode_record, dump_record, encode_record

    try:
        careful = dump_record(encode_record(record, edits))
    except UnwritableRecord:  # a lone surrogate: refused either way
        with pytest.raises(UnwritableRecord):
            ShardWriter(Path("."), "x", edits=edits).line(record)
        return
    assert ShardWriter(Path("."), "x", edits=edits).line(record) == careful
    back = decode_record(json.loads(careful))
    assert back["text"] == record["text"] and back["metadata"] == record["metadata"]
    assert back["edits"] == (record["edits"] if edits == "full" else None)


def test_loaded_rows_of_a_split_document_rebuild_its_input():
    from taosha.document import Document
    from taosha.io.writers import fast_line

    doc = Document("p", "篇一甲。  篇二乙。").replace(4, 6, "", "repair.whitespace", "space")
    rows_ = [json.loads(fast_line(part.to_record())) for part in doc.split([4], "clean.compilation")]
    assert isinstance(rows_[0]["parent"], str)  # as load_dataset or pyarrow give it
    assert taosha.restore_parts(rows_) == "篇一甲。  篇二乙。"


def test_our_output_read_as_input_keeps_its_metadata_an_object(tmp_path):
    inp = two_sources(tmp_path / "in")
    taosha.run(str(inp), tmp_path / "o", cfg())
    taosha.run(str(tmp_path / "o" / "kept"), tmp_path / "again", cfg())
    again = {r["id"]: r for r in records(tmp_path / "again")}
    assert again["b0"]["metadata"]["tags"] == [1, 2] and again["b0"]["metadata"]["url"] == "http://b/0"
    (tmp_path / "s.jsonl").write_text('{"text": "x", "metadata": "{not json"}\n')  # a string stays a string
    taosha.run(str(tmp_path / "s.jsonl"), tmp_path / "s", cfg(steps=["repair.nfc"]))
    assert records(tmp_path / "s")[0]["metadata"] == {"metadata": "{not json"}


def test_datatrove_reads_jsonl_gz_and_parquet_output_without_zstandard(tmp_path):
    # datatrove does not depend on zstandard: the formats for such an environment must not need it
    pytest.importorskip("datatrove")
    import os
    import subprocess
    import sys

    inp = two_sources(tmp_path / "in")
    taosha.run(str(inp), tmp_path / "gz", cfg(format="jsonl.gz"))
    taosha.run(str(inp), tmp_path / "pq", cfg(format="parquet"))
    blocked = tmp_path / "blocked" / "zstandard"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text('raise ImportError("zstandard is not installed here")\n')
    script = (
        "from datatrove.pipeline.readers import JsonlReader, ParquetReader\n"
        f"print(len(list(JsonlReader({str(tmp_path / 'gz' / 'kept')!r})())),"
        f" len(list(ParquetReader({str(tmp_path / 'pq' / 'kept')!r})())))\n"
        "import importlib\n"
        "try:\n    importlib.import_module('zstandard')\nexcept ImportError:\n    print('no zstandard')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "blocked")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout.split("\n")[:2] == ["6 6", "no zstandard"], done.stderr[-2000:]


def test_a_record_in_memory_with_a_lone_surrogate_is_quarantined_with_its_reason(tmp_path):
    # orjson refuses a lone surrogate: the record used to become its repr, quarantined as not_an_object
    import zstandard

    stats = taosha.run([{"id": "a", "text": "ab\ud800cd"}, {"id": "b", "text": "好的"}], tmp_path / "o", cfg())
    assert stats["documents"]["quarantined"] == 1 and stats["documents"]["kept"] == 1
    lines = [json.loads(line) for f in sorted((tmp_path / "o" / "quarantine").glob("*"))
             for line in zstandard.ZstdDecompressor().stream_reader(f.read_bytes()).read().splitlines()]
    assert [q["error"] for q in lines] == ["invalid_json"] and "surrogate" in lines[0]["detail"]
