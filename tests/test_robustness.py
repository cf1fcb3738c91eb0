"""What real corpora and real machines do (issue 24): one bad record, a killed worker, many files, corrupt
archives, special files, metadata that must survive as it was."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import taosha
from taosha import PipelineConfig, StepSpec
from taosha.io.writers import iter_records
from taosha.report.stats import without_timing


def records(out: Path, sink: str) -> list[dict]:
    return [r for shard in sorted((out / sink).glob("*.jsonl.zst")) for r in iter_records(shard)]


def tree(out: Path) -> dict[str, bytes]:
    files: dict[str, object] = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
                                if p.is_file() and p.parts[-2] in ("kept", "dropped", "quarantine")}
    if (out / "stats.json").exists():  # all of it but the CPU times
        files["stats.json"] = without_timing(orjson.loads((out / "stats.json").read_bytes()))
    return files


def light(workers: int = 1, steps=("repair.whitespace", "filter.empty")) -> PipelineConfig:
    cfg = PipelineConfig(steps=[StepSpec(s) for s in steps])
    cfg.runner.workers = workers
    return cfg


def _deep(levels: int) -> bytes:
    rec: dict = {"id": "deep", "text": "深层嵌套"}
    at = rec
    for _ in range(levels):
        at["m"] = {}
        at = at["m"]
    return json.dumps(rec).encode()


GBK_TEXT = "这是一段中文新闻正文内容，用于测试编码的检测是否正确。"
# each bad record of issue 24, one a line: none may stop the run
BAD_RECORDS = {
    "escape_and_bad_byte": b'{"id":"p1","text":"\\u4e2d\xff"}',
    "escape_and_gbk": b'{"id":"p2","text":"' + GBK_TEXT.encode("gbk") + b'","note":"\\u4e2d\\u6587"}',
    "deep_253": _deep(253),
    "deep_600": _deep(600),
    "big_int": '{"id":"big","text":"大整数","n":12345678901234567890123,"neg":-98765432109876543210}'.encode(),
    "collision": '{"id":"col","text":"元数据","metadata":{"url":"http://a.com/1"},"url":"http://b.com/2"}'.encode(),
    "gbk_metadata": ('{"id":"g1","text":"' + GBK_TEXT + '","metadata":{"标题":"新闻","来源":{"网站":"新华网"}}}')
                    .encode("gbk"),
    "gbk_and_escaped_latin": ('{"id":"g2","text":"' + GBK_TEXT + '","x":"caf\\u00e9"}').encode("gbk"),
    "mixed_fields": b'{"id":"mix","text":"' + GBK_TEXT.encode("gbk") + b'","title":"' + "标题新闻".encode()
                    + b'"}',
}


@pytest.fixture
def bad_corpus(tmp_path) -> Path:
    inp = tmp_path / "bad.jsonl"
    inp.write_bytes(b"\n".join(BAD_RECORDS.values()) + b"\n")
    return inp


def test_no_bad_record_stops_a_run(tmp_path, bad_corpus):
    stats = taosha.run([str(bad_corpus)], tmp_path / "o", light())
    d = stats["documents"]
    assert d["in"] == len(BAD_RECORDS) and d["kept"] + d["dropped"] + d["quarantined"] == d["in"]
    assert (tmp_path / "o" / "stats.json").exists()
    q = {r["source"]["offset"]: r["error"] for r in records(tmp_path / "o", "quarantine")}
    assert sorted(q.values()) == ["too_deeply_nested", "too_deeply_nested", "undecodable"]
    kept = {r["id"]: r for r in records(tmp_path / "o", "kept")}
    assert kept["p2"]["text"] == GBK_TEXT and kept["p2"]["metadata"] == {"note": "中文"}


def test_every_bad_record_is_accounted_for_with_the_full_default_pipeline(tmp_path, bad_corpus):
    cfg = PipelineConfig()
    cfg.runner.workers = 1
    stats = taosha.run([str(bad_corpus)], tmp_path / "o", cfg)
    assert stats["documents"]["in"] == len(BAD_RECORDS)
    assert stats["documents"]["quarantined"] == 3


def test_metadata_is_kept_faithfully(tmp_path, bad_corpus):
    taosha.run([str(bad_corpus)], tmp_path / "o", light())
    kept = {r["id"]: r for r in records(tmp_path / "o", "kept")}
    # the input's own metadata wins a collision; the top-level value is kept, not lost
    assert kept["col"]["metadata"] == {"url": "http://a.com/1", "_top_level": {"url": "http://b.com/2"}}
    # integers beyond 64 bits stay exact, on disk too
    assert kept["big"]["metadata"] == {"n": 12345678901234567890123, "neg": -98765432109876543210}
    # nested keys and strings decoded with the record's charset, like its text
    g1 = kept["g1"]
    assert g1["text"] == GBK_TEXT and g1["metadata"] == {"标题": "新闻", "来源": {"网站": "新华网"}}
    assert g1["source"]["encoding"] == "gb18030"
    # GBK text plus an escaped Latin letter elsewhere: both right, nothing quarantined
    assert kept["g2"]["text"] == GBK_TEXT and kept["g2"]["metadata"] == {"x": "café"}
    # fields in different charsets: decoded field by field
    assert kept["mix"]["text"] == GBK_TEXT and kept["mix"]["metadata"] == {"title": "标题新闻"}


def test_metadata_collision_key_never_overwrites_the_inputs_own(tmp_path):
    inp = tmp_path / "a.jsonl"
    inp.write_bytes(b'{"id":"a","text":"\xe4\xb8\xad","metadata":{"k":1,"_top_level":2},"k":3,"_top_level":4}\n')
    taosha.run([str(inp)], tmp_path / "o", light())
    (rec,) = records(tmp_path / "o", "kept")
    assert rec["metadata"] == {"k": 1, "_top_level": 2, "__top_level": {"k": 3, "_top_level": 4}}


def test_big_integer_is_written_exactly(tmp_path):
    inp = tmp_path / "a.jsonl"
    inp.write_bytes(b'{"id":"a","text":"\xe4\xb8\xad","n":[18446744073709551616]}\n')
    taosha.run([str(inp)], tmp_path / "o", light())
    shard = next((tmp_path / "o" / "kept").glob("*.zst"))
    import zstandard

    # metadata is a JSON string in the output (docs/formats.md), the integer in it exact
    assert b'\\"n\\":[18446744073709551616]' in zstandard.ZstdDecompressor().decompressobj().decompress(
        shard.read_bytes())
    assert records(tmp_path / "o", "kept")[0]["metadata"]["n"] == [18446744073709551616]


def test_undecodable_bytes_in_a_field_are_escaped_under_the_escape_policy(tmp_path):
    inp = tmp_path / "a.jsonl"
    inp.write_bytes(b'{"id":"a","text":"\\u4e2d\xff","t":"' + GBK_TEXT.encode("gbk") + b'"}\n')
    cfg = light()
    cfg.input.undecodable = "escape"
    taosha.run([str(inp)], tmp_path / "o", cfg)
    (rec,) = records(tmp_path / "o", "kept")
    assert rec["text"] == "中\\xff" and rec["metadata"] == {"t": GBK_TEXT}
    assert rec["signals"]["undecodable_bytes"] == 1


# -- a killed worker ------------------------------------------------------------------------------------


def _kill_config(tmp_path: Path, steps: list[str], **kill: str) -> Path:
    cfg = tmp_path / "kill.toml"
    params = "".join(f'{k} = "{v}"\n' for k, v in kill.items())
    body = 'plugins = ["taosha_test_steps"]\n[input]\nchunk_bytes = 0\n'
    for s in steps:
        body += f'[[steps]]\nuse = "{s}"\n' + (params if s == "test.kill" else "")
    cfg.write_text(body)
    return cfg


def _corpus(root: Path, files: int = 6, per_file: int = 20) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = [orjson.dumps({"id": f"f{f}-{i}", "text": f"第{f}号文件的第{i}条记录，内容各不相同。" * (i % 3 + 1)})
                 for i in range(per_file)]
        (root / f"part{f}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return root


# the killing step in the main pass, and in a two-pass step's counting pass
_IN_EACH_PASS = pytest.mark.parametrize(
    "steps", [["repair.whitespace", "test.kill", "filter.empty"],
              ["repair.whitespace", "test.kill", "dedup.exact", "filter.empty"]], ids=["main_pass", "dedup_pass"])


def _clean(inp: Path, out: Path, cfg: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "taosha.cli", "clean", str(inp), "-o", str(out), "--config",
                           str(cfg), "--workers", "2", "-q", *extra], capture_output=True, text=True, timeout=180)


@_IN_EACH_PASS
def test_a_killed_worker_is_retried_and_the_output_is_unchanged(tmp_path, steps):
    inp = _corpus(tmp_path / "in")
    once = tmp_path / "died-once"
    cfg = _kill_config(tmp_path, steps, doc_id="f3-7", once=str(once))
    once.touch()  # the reference run: the step lets everything through
    ref = _clean(inp, tmp_path / "ref", cfg)
    assert ref.returncode == 0, ref.stderr
    once.unlink()
    run = _clean(inp, tmp_path / "o", cfg)
    assert run.returncode == 0, run.stderr
    assert once.exists(), "the worker should have been killed once"
    assert tree(tmp_path / "o") == tree(tmp_path / "ref")


@_IN_EACH_PASS
def test_a_worker_killed_twice_fails_the_run_loudly_and_it_resumes(tmp_path, steps):
    inp = _corpus(tmp_path / "in")
    flag = tmp_path / "kill-while-here"
    cfg = _kill_config(tmp_path, steps, doc_id="f3-7", while_exists=str(flag))
    ref = _clean(inp, tmp_path / "ref", cfg)
    assert ref.returncode == 0, ref.stderr
    flag.touch()
    run = _clean(inp, tmp_path / "o", cfg)
    assert run.returncode == 2
    assert "its worker process died on each of 2 attempts (killed by SIGKILL" in run.stderr
    if steps[2] != "dedup.exact":
        assert "unit part-00003" in run.stderr and "part3.jsonl" in run.stderr
    assert not (tmp_path / "o" / "stats.json").exists()
    flag.unlink()
    again = _clean(inp, tmp_path / "o", cfg)
    assert again.returncode == 0, again.stderr
    assert tree(tmp_path / "o") == tree(tmp_path / "ref")


# -- input files: corrupt, empty, special, looping ---------------------------------------------------------


def _gz_records(n: int) -> bytes:
    return b"".join(orjson.dumps({"id": f"r{i}", "text": f"第{i}条：" + "经济发展与社会进步" * (i % 7 + 1)})
                    + b"\n" for i in range(n))


def test_a_corrupt_gzip_member_keeps_nothing_after_the_damage_and_duplicates_nothing(tmp_path):
    data = bytearray(gzip.compress(_gz_records(3000)))
    mid = len(data) // 2
    data[mid : mid + 100] = bytes(100)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "c.jsonl.gz").write_bytes(bytes(data))
    stats = taosha.run([str(tmp_path / "in")], tmp_path / "o", light())
    kept = records(tmp_path / "o", "kept")
    ids = [r["id"] for r in kept]
    assert len(ids) == len(set(ids)), "no record may be fabricated twice"
    q = records(tmp_path / "o", "quarantine")
    assert [r["error"] for r in q] == ["corrupt_archive"]
    assert stats["quarantined_by"] == {"corrupt_archive": 1}
    # every kept record is one of the originals, unchanged
    originals = {orjson.loads(line)["id"]: orjson.loads(line)["text"] for line in _gz_records(3000).splitlines()}
    assert all(originals[r["id"]] == r["text"] for r in kept)


def test_a_corrupt_member_of_a_multi_member_gzip_loses_only_that_member_and_after(tmp_path):
    good = gzip.compress(_gz_records(50))
    bad = bytearray(gzip.compress(_gz_records(3000)[: 200_000]))
    bad[len(bad) // 2 : len(bad) // 2 + 100] = bytes(100)
    (tmp_path / "m.jsonl.gz").write_bytes(good + bytes(bad))
    taosha.run([str(tmp_path / "m.jsonl.gz")], tmp_path / "o", light())
    kept = records(tmp_path / "o", "kept")
    assert [r["id"] for r in kept] == [f"r{i}" for i in range(50)]
    assert [r["error"] for r in records(tmp_path / "o", "quarantine")] == ["corrupt_archive"]


def test_empty_archives_are_counted(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.jsonl.gz").write_bytes(b"")
    (inp / "b.jsonl.zst").write_bytes(b"")
    (inp / "c.jsonl").write_bytes(b'{"text":"\xe4\xb8\xad"}\n')
    stats = taosha.run([str(inp)], tmp_path / "o", light())
    assert stats["input"]["empty_files"] == 2
    assert stats["documents"]["in"] == 1


def test_a_symlink_loop_is_followed_once_and_a_file_read_once(tmp_path):
    inp = tmp_path / "in"
    (inp / "sub").mkdir(parents=True)
    (inp / "sub" / "a.jsonl").write_bytes(b'{"id":"a","text":"\xe4\xb8\xad"}\n')
    os.symlink("..", inp / "sub" / "up")
    os.symlink("a.jsonl", inp / "sub" / "alias.jsonl")
    stats = taosha.run([str(inp)], tmp_path / "o", light())
    assert stats["documents"]["in"] == 1 and stats["input"]["files"] == 1


def test_special_files_are_skipped_and_listed(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.jsonl").write_bytes(b'{"id":"a","text":"\xe4\xb8\xad"}\n')
    os.mkfifo(inp / "fifo.jsonl")
    os.symlink("/dev/zero", inp / "zero.jsonl")
    stats = taosha.run([str(inp)], tmp_path / "o", light())
    assert stats["documents"]["in"] == 1
    assert sorted(Path(p).name for p in stats["input"]["special_files"]) == ["fifo.jsonl", "zero.jsonl"]


# -- many input files ---------------------------------------------------------------------------------------

DEDUP = ("repair.whitespace", "dedup.near", "dedup.paragraphs")


def _tiny_files(root: Path, n: int) -> list[bytes]:
    root.mkdir(parents=True)
    lines = []
    for i in range(n):
        shared = "\n共同的段落在很多文件里重复出现，应当只保留一次。" if i % 5 == 0 else ""
        text = f"第{i}篇：" + "经济发展与社会进步的关系值得研究。" * (1 + i % 3) + shared
        line = orjson.dumps({"id": f"d{i}", "text": text}) + b"\n"
        (root / f"f{i:05d}.jsonl").write_bytes(line)
        lines.append(line)
    return lines


def _outcome(out: Path) -> dict[str, tuple[str, str | None]]:
    return {r["id"]: (r["text"], (r.get("drop") or {}).get("reason"))
            for sink in ("kept", "dropped") for r in records(out, sink)}


def test_5000_tiny_files_run_under_256_file_descriptors(tmp_path):
    lines = _tiny_files(tmp_path / "many", 5000)
    (tmp_path / "one.jsonl").write_bytes(b"".join(lines))
    cfg = tmp_path / "dedup.toml"
    cfg.write_text("".join(f'[[steps]]\nuse = "{s}"\n' for s in DEDUP))

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    for name, inp in (("o_many", tmp_path / "many"), ("o_one", tmp_path / "one.jsonl")):
        run = subprocess.run([sys.executable, "-m", "taosha.cli", "clean", str(inp), "-o", str(tmp_path / name),
                              "--config", str(cfg), "--workers", "2", "-q"], capture_output=True, text=True,
                             timeout=300, preexec_fn=limit)
        assert run.returncode == 0, run.stderr[-3000:]
    stats = json.loads((tmp_path / "o_many" / "stats.json").read_text())
    assert stats["input"]["files"] == 5000 and stats["documents"]["in"] == 5000
    assert _outcome(tmp_path / "o_many") == _outcome(tmp_path / "o_one")
    assert stats["dropped_by"] or stats["edits_by"].get("dedup.paragraphs")


def test_dedup_spill_files_are_opened_one_at_a_time(tmp_path, monkeypatch):
    """Ungrouped (one unit per file), the between-pass tasks must not hold a file per unit open."""
    import resource

    from taosha.io import readers

    monkeypatch.setattr(readers, "GROUP_FROM", 1 << 30)
    _tiny_files(tmp_path / "many", 300)
    cfg = light(1, DEDUP)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    open_now = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 100, hard))
    try:
        stats = taosha.run([str(tmp_path / "many")], tmp_path / "o", cfg)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert stats["documents"]["in"] == 300 and stats["input"]["files"] == 300


def test_small_files_are_grouped_into_few_units_and_the_output_does_not_depend_on_workers(tmp_path):
    _tiny_files(tmp_path / "many", 200)
    a = taosha.run([str(tmp_path / "many")], tmp_path / "a", light(1, DEDUP))
    b = taosha.run([str(tmp_path / "many")], tmp_path / "b", light(2, DEDUP))
    assert without_timing(a) == without_timing(b) and tree(tmp_path / "a") == tree(tmp_path / "b")
    units = json.loads((tmp_path / "a" / "run.json").read_text())["units"]
    assert len(units) <= 40 and sum(len(u["group"]) for u in units) == 200


# -- the output folder --------------------------------------------------------------------------------------


def test_a_second_run_into_the_same_out_is_refused_while_the_first_holds_it(tmp_path):
    from taosha.errors import OutputError
    from taosha.runners.core import plan_run

    inp = _corpus(tmp_path / "in", files=2)
    first = plan_run([str(inp)], tmp_path / "o", light())
    try:
        with pytest.raises(OutputError, match="another taosha run is writing to"):
            plan_run([str(inp)], tmp_path / "o", light())
    finally:
        first.release()
    plan_run([str(inp)], tmp_path / "o", light()).release()  # free again once released


def test_resuming_with_another_worker_count_is_allowed(tmp_path):
    inp = _corpus(tmp_path / "in", files=3)
    a = taosha.run([str(inp)], tmp_path / "o", light(1))
    b = taosha.run([str(inp)], tmp_path / "o", light(2))
    assert a == b


def test_a_finished_run_leaves_no_state_and_a_rerun_still_finds_it_done(tmp_path):
    inp = _corpus(tmp_path / "in", files=3)
    cfg = light(1, DEDUP)
    a = taosha.run([str(inp)], tmp_path / "o", cfg)
    assert not (tmp_path / "o" / "_state").exists()
    before = tree(tmp_path / "o")
    assert taosha.run([str(inp)], tmp_path / "o", cfg) == a and tree(tmp_path / "o") == before


def test_markup_in_out_and_file_names_prints_as_itself(tmp_path, capsys):
    from taosha.cli import main

    inp = tmp_path / "in[/red]" / "x"
    inp.mkdir(parents=True)
    (inp / "a.jsonl").write_bytes(b'{"id":"a","text":"\xe4\xb8\xad\xe6\x96\x87"}\n')
    (inp / "[bold]b.xlsx").write_bytes(b"x")  # a skipped file (CSV is read now)
    out = tmp_path / "o[/red]"
    assert main(["clean", str(tmp_path / "in[/red]"), "-o", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out.replace("\n", "")
    assert "o[/red]" in printed and "[bold]b.xlsx" in printed


def test_a_record_no_writer_can_serialise_is_quarantined_not_fatal(tmp_path):
    from dataclasses import dataclass

    from taosha.document import Document
    from taosha.step import Step, register

    @register("test.unwritable_signal")
    @dataclass(frozen=True)
    class Unwritable(Step):
        """Tag one document with a value no JSON writer takes."""

        def process(self, doc: Document) -> Document:
            return doc.tag("odd", {1, 2}) if doc.id == "b" else doc

    inp = tmp_path / "a.jsonl"
    inp.write_bytes(b'{"id":"a","text":"\xe4\xb8\xad"}\n{"id":"b","text":"\xe6\x96\x87"}\n')
    for workers in (1,):
        stats = taosha.run([str(inp)], tmp_path / "o", light(workers, ("test.unwritable_signal",)))
        assert stats["documents"] == {**stats["documents"], "in": 2, "kept": 1, "quarantined": 1}
        (q,) = records(tmp_path / "o", "quarantine")
        assert q["error"] == "unwritable" and q["source"]["offset"] > 0


def test_an_unexpected_failure_decoding_one_record_quarantines_it(tmp_path, monkeypatch):
    from taosha.io import decode, readers

    def broken(*args, **kwargs):
        raise RuntimeError("detector blew up")

    monkeypatch.setattr(readers, "decode_bytes", broken)
    monkeypatch.setattr(decode, "decode_bytes", broken)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_bytes(b'{"id":"a","text":"' + GBK_TEXT.encode("gbk") + b'"}\n'
                                              b'{"id":"b","text":"\xe4\xb8\xad"}\n')
    (tmp_path / "in" / "b.txt").write_bytes(GBK_TEXT.encode("gbk"))
    stats = taosha.run([str(tmp_path / "in")], tmp_path / "o", light())
    assert stats["documents"]["kept"] == 1 and stats["quarantined_by"] == {"reader_error": 2}


def test_a_document_on_which_a_two_pass_step_observe_raises_does_not_stop_the_run(tmp_path):
    inp = tmp_path / "a.jsonl"
    inp.write_bytes("".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in
                            enumerate(["重复的文本", "重复的文本", "这里会崩溃", "独一无二"])).encode())
    for steps in (("repair.whitespace", "test.observe_crash_on"), ("test.slow", "test.observe_crash_on")):
        cfg = light(1, steps)
        cfg.plugins = ["taosha_test_steps"]
        out = tmp_path / steps[0]
        stats = taosha.run([str(inp)], out, cfg)
        assert stats["dropped_by"] == {"test.observe_crash_on": {"repeated": 2, "step_error": 1}}
        assert [r["id"] for r in records(out, "kept")] == ["d3"]
