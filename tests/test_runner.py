"""Runners: same bytes whatever the worker count, resume after SIGKILL, accounting, two passes, splits."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import taosha
from taosha import Document, PipelineConfig, StepSpec, restore_original, restore_parts
from taosha.config import load_config
from taosha.errors import OutputError
from taosha.io.writers import iter_records
from taosha.report.stats import without_timing


def make_corpus(root: Path, files: int = 4, per_file: int = 40, seed: int = 0) -> Path:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        recs = []
        for i in range(per_file):
            text = "".join(rng.choice("经济发展，。你好  世界\n\n\r\n") for _ in range(rng.randint(0, 60)))
            recs.append(orjson.dumps({"id": f"f{f}-{i}", "text": text}))
            if rng.random() < 0.05:
                recs.append(b'{"broken": ')
        (root / f"part{f}.jsonl").write_bytes(b"\n".join(recs) + b"\n")
    return root


def tree(out: Path) -> dict[str, bytes]:
    """Every output file's bytes, except the run's own bookkeeping (and the CPU times in stats.json)."""
    files: dict[str, object] = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
                                if p.is_file() and p.parts[-2] in ("kept", "dropped", "quarantine")}
    if (out / "stats.json").exists():  # all of it but the CPU times
        files["stats.json"] = without_timing(orjson.loads((out / "stats.json").read_bytes()))
    return files


def records(out: Path, sink: str) -> list[dict]:
    return [r for shard in sorted((out / sink).glob("*.jsonl.zst")) for r in iter_records(shard)]


def config(workers: int, steps=None, chunk: int = 0) -> PipelineConfig:
    cfg = PipelineConfig()
    cfg.runner.workers = workers
    if steps is not None:
        cfg.steps = [StepSpec(s) if isinstance(s, str) else StepSpec(*s) for s in steps]
    if chunk:
        cfg.input.chunk_bytes = chunk
    return cfg


def test_output_is_byte_identical_for_1_and_2_workers(tmp_path):
    inp = make_corpus(tmp_path / "in", files=3)
    s1 = taosha.run([str(inp)], tmp_path / "o1", config(1, chunk=700))
    s2 = taosha.run([str(inp)], tmp_path / "o2", config(2, chunk=700))
    assert without_timing(s1) == without_timing(s2)
    t1, t2 = tree(tmp_path / "o1"), tree(tmp_path / "o2")
    assert t1 == t2 and len(t1) > 6


def test_every_output_record_restores_its_input(tmp_path):
    inp = make_corpus(tmp_path / "in", files=2)
    stats = taosha.run([str(inp)], tmp_path / "o", config(1, ["repair.nfc", "repair.whitespace", "filter.empty"]))
    originals = {}
    for f in sorted(inp.iterdir()):
        for line in f.read_bytes().splitlines():
            try:
                rec = orjson.loads(line)
                originals[rec["id"]] = rec["text"]
            except orjson.JSONDecodeError:
                pass
    out = records(tmp_path / "o", "kept") + records(tmp_path / "o", "dropped")
    assert len(out) == len(originals) == stats["documents"]["kept"] + stats["documents"]["dropped"]
    for rec in out:
        assert restore_original(rec) == originals[rec["id"]]
    assert all(r["drop"]["step"] == "filter.empty" for r in records(tmp_path / "o", "dropped"))


def test_no_steps_writes_what_a_step_that_changes_nothing_writes(tmp_path):
    """Without steps the reader builds the output records itself (the copy path): the same records and
    counts as documents going through a step, for every kind of input it meets."""
    import gzip

    import zstandard

    inp = make_corpus(tmp_path / "in", files=2)
    rows = [orjson.dumps({"id": f"z{i}", "text": f"第{i}行的文本", "url": f"http://a.cn/{i}"}) for i in range(100)]
    frames = [zstandard.ZstdCompressor().compress(b"\n".join(rows[i : i + 10]) + b"\n") for i in range(0, 100, 10)]
    data = b"".join(frames)
    (inp / "cut.jsonl.zst").write_bytes(data[: len(data) * 2 // 3])  # truncated archive
    (inp / "mixed.jsonl.gz").write_bytes(gzip.compress(
        b"\n  \n" + '{"id": 7, "text": "数字id", "metadata": {"lang": "zh"}, "site": "x"}\n'.encode()
        + b'{"text": "' + "国标编码".encode("gbk") + b'", "charset": "gbk"}\n'  # not UTF-8: decoded, noted
        + b'{"text": "' + "很长".encode() * 400 + b'"}\n'  # over max_record_bytes
        + b"[1, 2]\n"))
    (inp / "page.txt").write_bytes("一个文本文件。\n".encode("gb18030") * 30)
    runs = {}
    for name, steps in (("copy", []), ("step", [("test.slow", {"seconds": 0})])):
        cfg = config(1, steps)
        cfg.plugins = ["taosha_test_steps"]
        cfg.input.max_record_bytes = 1000
        stats = taosha.run([str(inp)], tmp_path / name, cfg)
        runs[name] = (without_timing(stats),
                      {sink: records(tmp_path / name, sink) for sink in ("kept", "dropped", "quarantine")})
    assert runs["copy"] == runs["step"]
    stats, out = runs["copy"]
    errors = sorted(r["error"] for r in out["quarantine"])
    assert errors == ["invalid_json"] * len(errors[:-3]) + ["not_an_object", "record_too_large", "truncated_archive"]
    kept = {r["id"]: r for r in out["kept"]}
    assert kept["7"]["metadata"] == {"lang": "zh", "site": "x"}
    assert any(r["text"] == "国标编码" and r["source"]["encoding"] == "gb18030" for r in out["kept"])
    assert 0 < sum(k.startswith("z") for k in kept) < 100
    assert stats["documents"]["kept"] == len(out["kept"]) and stats["documents"]["dropped"] == 0


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 3))
def test_accounting_adds_up(tmp_path_factory, seed, files):
    tmp = tmp_path_factory.mktemp("acc")
    inp = make_corpus(tmp / "in", files=files, per_file=15, seed=seed)
    cfg = config(1, ["repair.whitespace", "test.split_paragraphs", "filter.empty"])
    cfg.plugins = ["taosha_test_steps"]
    stats = taosha.run([str(inp)], tmp / "o", cfg)
    d = stats["documents"]
    assert d["in"] - d["split"] + d["parts_from_splits"] == d["kept"] + d["dropped"] + d["quarantined"]
    assert d["kept"] == len(records(tmp / "o", "kept"))
    assert d["dropped"] == len(records(tmp / "o", "dropped"))
    assert d["quarantined"] == len(records(tmp / "o", "quarantine"))


def test_split_parts_rebuild_their_input(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(orjson.dumps({"id": "p", "text": "一段。  \n\n二段。\n\n\n\n三段。"}) + b"\n")
    cfg = config(1, ["test.split_paragraphs", "repair.whitespace", "filter.empty"])
    cfg.plugins = ["taosha_test_steps"]
    stats = taosha.run([str(tmp_path / "in.jsonl")], tmp_path / "o", cfg)
    parts = records(tmp_path / "o", "kept") + records(tmp_path / "o", "dropped")
    # "\n\n\n\n" makes a part of its own, which is empty once stripped and dropped with its reason
    assert stats["splits_by"] == {"test.split_paragraphs": {"documents": 1, "parts": 4}}
    assert sorted(p["id"] for p in parts) == ["p#1", "p#2", "p#3", "p#4"]
    assert stats["dropped_by"] == {"filter.empty": {"empty": 1}}
    assert restore_parts(parts) == "一段。  \n\n二段。\n\n\n\n三段。"


def test_two_pass_step_sees_the_whole_corpus(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.jsonl").write_bytes(b'{"id":"a1","text":"same"}\n{"id":"a2","text":"only a"}\n')
    (inp / "b.jsonl").write_bytes(b'{"id":"b1","text":"same "}\n{"id":"b2","text":"only b"}\n')
    cfg = config(2, ["repair.whitespace", "test.drop_repeated"])
    cfg.plugins = ["taosha_test_steps"]
    stats = taosha.run([str(inp)], tmp_path / "o", cfg)
    assert stats["dropped_by"] == {"test.drop_repeated": {"repeated": 2}}
    assert sorted(r["id"] for r in records(tmp_path / "o", "kept")) == ["a2", "b2"]


def test_a_step_that_raises_drops_the_document_with_the_error(tmp_path):
    (tmp_path / "in.jsonl").write_bytes('{"id":"x","text":"会崩溃的文本"}\n{"id":"y","text":"正常"}\n'.encode())
    cfg = config(1, ["test.crash_on"])
    cfg.plugins = ["taosha_test_steps"]
    stats = taosha.run([str(tmp_path / "in.jsonl")], tmp_path / "o", cfg)
    (bad,) = records(tmp_path / "o", "dropped")
    assert bad["drop"]["reason"] == "step_error" and "simulated bug" in bad["drop"]["detail"]
    assert restore_original(bad) == "会崩溃的文本"
    assert stats["documents"]["kept"] == 1
    cfg.runner.on_error = "abort"
    with pytest.raises(RuntimeError, match="simulated bug"):
        taosha.run([str(tmp_path / "in.jsonl")], tmp_path / "o2", cfg)


def test_output_folder_rules(tmp_path):
    inp = make_corpus(tmp_path / "in", files=1)
    taosha.run([str(inp)], tmp_path / "o", config(1))
    before = tree(tmp_path / "o")
    taosha.run([str(inp)], tmp_path / "o", config(1))  # resume of a finished run: nothing to do
    assert tree(tmp_path / "o") == before
    cfg = config(1, ["repair.nfc"])
    with pytest.raises(OutputError, match="different run"):
        taosha.run([str(inp)], tmp_path / "o", cfg)
    taosha.run([str(inp)], tmp_path / "o", cfg, overwrite=True)
    # a run left by a taosha whose state is laid out otherwise (run.json's format) is refused, not misread
    run_json = tmp_path / "o" / "run.json"
    run_json.write_bytes(run_json.read_bytes().replace(b'"format": ', b'"format": 1'))
    with pytest.raises(OutputError, match="lays out its state differently"):
        taosha.run([str(inp)], tmp_path / "o", cfg)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "precious.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not empty"):
        taosha.run([str(inp)], tmp_path / "other", cfg)


def test_resolved_config_is_saved_and_reusable(tmp_path):
    inp = make_corpus(tmp_path / "in", files=1)
    cfg = config(1)
    cfg.set("repair.whitespace.max_blank_lines=2")
    taosha.run([str(inp)], tmp_path / "o", cfg)
    again = load_config(tmp_path / "o" / "pipeline.toml")
    assert again.to_toml() == cfg.to_toml()


def _clean_cmd(inp: Path, out: Path, cfg: Path) -> list[str]:
    return [sys.executable, "-m", "taosha.cli", "clean", str(inp), "-o", str(out), "--config", str(cfg),
            "--workers", "2", "-q"]


def test_killed_run_resumes_to_identical_output(tmp_path):
    inp = make_corpus(tmp_path / "in", files=8, per_file=25)
    cfg = tmp_path / "slow.toml"
    cfg.write_text('plugins = ["taosha_test_steps"]\n[[steps]]\nuse = "repair.whitespace"\n'
                   '[[steps]]\nuse = "test.slow"\nseconds = 0.01\n[[steps]]\nuse = "filter.empty"\n')
    subprocess.run(_clean_cmd(inp, tmp_path / "ref", cfg), check=True)

    out = tmp_path / "killed"
    proc = subprocess.Popen(_clean_cmd(inp, out, cfg), start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        done = list((out / "_done").glob("*.json")) if (out / "_done").exists() else []
        if done:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "_done").glob("*.json")))
    assert 0 < finished < 8, "the kill should land mid-run"
    assert not (out / "stats.json").exists()

    subprocess.run(_clean_cmd(inp, out, cfg), check=True)
    assert tree(out) == tree(tmp_path / "ref")
    assert not [p for p in out.rglob(".*.tmp")]


def test_staged_run_equals_a_run_that_recomputes(tmp_path, monkeypatch):
    """Documents are staged before a two-pass step that costly steps precede; the output must be exactly
    what re-running those steps (the unstaged path) gives: splits, drops, quarantine and counters included."""
    inp = make_corpus(tmp_path / "in", files=3, per_file=30, seed=4)
    steps = ["repair.whitespace", "test.split_paragraphs", "test.drop_repeated", "repair.nfc", "dedup.exact",
             "filter.empty"]

    def run(name, workers):
        cfg = config(workers, steps, chunk=700)
        cfg.plugins = ["taosha_test_steps"]
        taosha.run([str(inp)], tmp_path / name, cfg)
        assert not list((tmp_path / name / "_state").glob("stage-*"))  # stages are removed at the end
        return tree(tmp_path / name)

    from taosha.runners import core
    from taosha.step import Step

    written = []
    monkeypatch.setattr(core._StageWriter, "close", lambda self, c, real=core._StageWriter.close: (
        written.append(self.path.parent.name), real(self, c))[1])
    staged = run("staged-1", 1)
    # before test.drop_repeated (the splitter is costly), and before dedup.exact, made from the first (the
    # plugin's prepared step does not declare itself cheap)
    assert sorted(set(written)) == ["stage-02", "stage-04"]
    assert staged == run("staged", 2)

    monkeypatch.setattr(Step, "cheap", True)  # every step cheap: nothing is staged, everything recomputed
    assert run("recomputed", 1) == staged


def test_extract_html_is_staged_before_a_two_pass_step_only_where_the_input_holds_pages(tmp_path, monkeypatch):
    """`extract.html` passes JSONL documents untouched (only the WARC and HTML readers make pages): before a two-pass
    step it is re-run on such an input, not staged, with the same output; on an input with pages it is staged."""
    from taosha.runners import core

    written = []
    monkeypatch.setattr(core._StageWriter, "close", lambda self, c, real=core._StageWriter.close: (
        written.append(self.path.parent.name), real(self, c))[1])
    steps = ["extract.html", "dedup.exact", "filter.empty"]
    inp = make_corpus(tmp_path / "in", files=2, per_file=30, seed=3)
    taosha.run([str(inp)], tmp_path / "jsonl", config(1, steps, chunk=700))
    assert written == []
    from taosha.extract.html import ExtractHtml

    monkeypatch.setattr(ExtractHtml, "input_kinds", None)  # as before: any input, staged
    taosha.run([str(inp)], tmp_path / "staged", config(1, steps, chunk=700))
    assert written and set(written) == {"stage-01"}
    assert tree(tmp_path / "jsonl") == tree(tmp_path / "staged")
    monkeypatch.undo()

    written.clear()
    monkeypatch.setattr(core._StageWriter, "close", lambda self, c, real=core._StageWriter.close: (
        written.append(self.path.parent.name), real(self, c))[1])
    page = "<html><title>标题</title><body><p>正文的第一句话，写得很长很长，足够是一个段落了。</p></body></html>"
    (inp / "page.html").write_text(page, encoding="utf-8")
    taosha.run([str(inp)], tmp_path / "pages", config(1, steps, chunk=700))
    assert set(written) == {"stage-01"}  # a page among the input: its extraction is staged
    texts = {r["text"] for p in sorted((tmp_path / "pages" / "kept").glob("*.zst")) for r in iter_records(p)}
    assert "正文的第一句话，写得很长很长，足够是一个段落了。" in texts


def test_a_step_with_a_kinds_field_before_a_two_pass_step(tmp_path):
    """`pii.mask` has a configuration field `kinds` (the PII kinds): not the input kinds the runner asks a step
    about (`Step.input_kinds`) when it decides whether to stage."""
    inp = make_corpus(tmp_path / "in", files=1, per_file=10, seed=5)
    stats = taosha.run([str(inp)], tmp_path / "out", config(1, ["pii.mask", "dedup.exact"], chunk=700))
    assert stats["documents"]["kept"] + stats["documents"]["dropped"] == 10


def test_a_user_step_with_an_input_kinds_field_is_staged_not_crashed():
    """A user's step with a field named `input_kinds` (a tuple) raised TypeError in the runner's staging test
    (found by a review): only a frozenset, the class attribute's type, says which inputs a step acts on."""
    from dataclasses import dataclass

    from taosha.runners.core import _cheap
    from taosha.step import Step

    @dataclass(frozen=True)
    class Tagged(Step):
        name = "test.tagged_kinds"
        input_kinds: tuple = ("jsonl",)  # type: ignore[assignment]

        def process(self, doc):
            return doc

    assert _cheap(Tagged(), {"jsonl"}) is False


def test_a_counting_pass_leaves_the_stages_settled_items_unread(tmp_path, monkeypatch):
    """Dropped documents and quarantined input are staged apart from the live documents: a counting pass that
    writes no stage reads the live ones only, the main pass both, merged back into their order; the output is
    what re-running every step gives."""
    inp = make_corpus(tmp_path / "in", files=3, per_file=40, seed=7)
    steps = ["repair.whitespace", "test.split_paragraphs", "filter.empty", "dedup.exact", "dedup.paragraphs"]

    def run(name, workers):
        cfg = config(workers, steps, chunk=700)
        cfg.plugins = ["taosha_test_steps"]
        taosha.run([str(inp)], tmp_path / name, cfg)
        return tree(tmp_path / name)

    from taosha.runners import core
    from taosha.step import Step

    reads = []  # (settled?, items read) per stage read
    real_read = core.Stage.read

    def read(self, counters, progress=None, *, settled=True):
        items = list(real_read(self, counters, progress, settled=settled))
        reads.append((settled, len(items), sum(not isinstance(i, Document) or i.dropped is not None for i in items)))
        return iter(items)

    monkeypatch.setattr(core.Stage, "read", read)
    staged = run("staged", 1)
    assert {s for s, _, _ in reads} == {False, True}
    assert all(n_settled == 0 for s, _, n_settled in reads if not s)  # the counting pass: live documents only
    assert sum(n for s, _, n in reads if s) > 0  # the main pass: the drops and quarantine too
    assert sum(n for s, n, _ in reads if not s) < sum(n for s, n, _ in reads if s)
    assert run("staged-2", 2) == staged
    monkeypatch.setattr(Step, "cheap", True)  # nothing staged: every step re-run on the input
    assert run("recomputed", 1) == staged


def test_batches_give_what_one_document_at_a_time_gives():
    """run_batch (how the runners feed steps) returns exactly run_steps' documents in run_steps' order, with
    splits, drops, a step that raises on one document, and a step that measures a whole batch at once."""
    from dataclasses import dataclass

    from taosha import Document, run_steps
    from taosha.filter.quality import Quality
    from taosha.step import Step, run_batch

    @dataclass(frozen=True)
    class Split(Step):
        name = "t.split"

        def process(self, doc):
            cuts = [i + 1 for i, c in enumerate(doc.text[:-1]) if c == "。"]
            return doc.split(cuts, self.name) if cuts else doc

    @dataclass(frozen=True)
    class Crash(Step):
        name = "t.crash"

        def process(self, doc):
            if "崩" in doc.text:
                doc.replace(0, 1, "", self.name, "first")  # changed before it fails: the edit stays in the log
                raise RuntimeError("simulated bug")
            return doc.drop(self.name, "short", "") if len(doc.text) < 3 else doc

    @dataclass(frozen=True)
    class Measure(Step):  # measures a batch at once; raises, changing nothing, when one document is bad
        name = "t.measure"

        def process(self, doc):
            return self.process_batch([doc])[0]

        def process_batch(self, docs):
            if any("你你" in d.text for d in docs):
                raise ValueError("bad document")
            return [d.tag("length", len(d.text)) for d in docs]

    rng = random.Random(5)
    texts = ["".join(rng.choice("经济发展。崩你好好你") for _ in range(rng.randint(0, 30))) for _ in range(200)]
    steps = [Split(), Crash(), Measure(), Quality(min_chars=4, languages=())]

    def records_of(docs):
        return [orjson.dumps(d.to_record()) for d in docs]

    want = [d for k, t in enumerate(texts) for d in run_steps(steps, Document(f"d{k}", t), catch=True)]
    for size in (1, 7, 64, 200):
        got = []
        for at in range(0, len(texts), size):
            docs = [Document(f"d{k}", t) for k, t in enumerate(texts[at : at + size], at)]
            got += run_batch(steps, docs, catch=True)
        assert records_of(got) == records_of(want)
    assert {(d.dropped.step, d.dropped.reason) for d in want if d.dropped} >= {
        ("t.crash", "step_error"), ("t.crash", "short"), ("t.measure", "step_error"), ("filter.quality", "too_short")}


@pytest.mark.parametrize("steps", [[], ["repair.whitespace"]])
@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reports_add_up_to_the_input(tmp_path, steps, workers):
    inp = make_corpus(tmp_path / "in", files=3, per_file=700)  # several progress reports per unit
    seen = [0, 0]

    def progress(docs: int, nbytes: int) -> None:
        seen[0] += docs
        seen[1] += nbytes

    stats = taosha.run([str(inp)], tmp_path / "o", config(workers, steps), progress=progress)
    assert seen == [stats["documents"]["in"], stats["input"]["bytes"]]


def test_units_are_handed_out_costliest_first(tmp_path):
    """A compressed file cannot be cut and holds several times its size: it starts before plain ranges of the
    same size; equal units keep their order, and tasks that are not units keep theirs. One unit of each file
    goes out before the further ranges of any: a small file (c.txt), whose cost per byte is not known, does
    not start last."""
    from taosha.io.readers import Unit
    from taosha.runners.local import handout_order

    (tmp_path / "a.jsonl").write_bytes(b"x" * 3000)
    (tmp_path / "b.jsonl.zst").write_bytes(b"x" * 1000)
    (tmp_path / "c.txt").write_bytes(b"x" * 100)
    (tmp_path / "d.parquet").write_bytes(b"x" * 500)  # its units count row groups, not bytes: the file's size
    a, z, t, q = (str(tmp_path / n) for n in ("a.jsonl", "b.jsonl.zst", "c.txt", "d.parquet"))
    units = [Unit(0, a, "jsonl", "", 0, 1000), Unit(1, a, "jsonl", "", 1000, 2000), Unit(2, a, "jsonl", "", 2000),
             Unit(3, t, "txt", ""), Unit(4, z, "jsonl", "zst"), Unit(5, q, "parquet", "", 0, 1)]
    assert handout_order(units) == [4, 5, 0, 3, 1, 2]
    assert handout_order(["t0", "t1", "t2"]) == [0, 1, 2]


def test_the_steps_tables_are_kept_out_of_full_collections():
    """Once a process has set its steps up, what they loaded is frozen (gc.freeze): the collector's full
    collections no longer walk it, and a forked worker does not copy its pages by touching it."""
    import gc

    from taosha.runners import core
    from taosha.step import build_step

    gc.unfreeze()
    try:
        fn = core._ProcessFn(None, [build_step("repair.nfc", {})])
        assert gc.get_freeze_count() == 0
        fn.ready()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_stage_written_before_settled_items_had_their_own_file_is_read_whole(tmp_path):
    # a run interrupted under an earlier version and resumed under this one: its stage holds every item, dropped
    # ones too, in the live file, and no settled file (reading one raised FileNotFoundError)
    from taosha import Document
    from taosha.io.readers import Unit
    from taosha.runners.core import Stage

    stage = Stage(tmp_path, 3, Unit(0, str(tmp_path / "in.jsonl"), "jsonl", ""))
    kept, gone = Document("a", "甲"), Document("b", "乙")
    gone.drop("filter.empty", "empty")
    writer = stage.writer()
    writer.put(kept)
    writer.put(gone)
    writer.close({"read": 2})
    # the earlier layout: both in the live file, no settled file
    stage.settled_path.unlink()
    writer = stage.writer()
    writer._live.put(kept)
    writer._live.put(gone)
    writer._settled.abort()
    writer._live.close({"read": 2})
    counters: dict = {}
    assert [d.id for d in stage.read(counters)] == ["a", "b"] and counters == {"read": 2}


def test_without_a_report_sample_dropped_documents_are_staged_as_their_output_lines(tmp_path, monkeypatch):
    """A run that collects no report sample (`--no-report`) stages dropped documents as their output lines
    (`Settled`): the same shards and stats as a run that collects one, on 1 and 2 workers."""
    inp = make_corpus(tmp_path / "in", files=3, per_file=40, seed=7)
    steps = ["repair.whitespace", "test.split_paragraphs", "filter.empty", "dedup.exact", "dedup.paragraphs"]
    from taosha.runners import core

    settled = []
    real_put = core._StageWriter.put
    monkeypatch.setattr(core._StageWriter, "put", lambda self, item: (
        settled.append(self._lines is not None and isinstance(item, Document) and item.dropped is not None),
        real_put(self, item))[1])

    def run(name, workers, sample):
        cfg = config(workers, steps, chunk=700)
        cfg.plugins = ["taosha_test_steps"]
        taosha.run([str(inp)], tmp_path / name, cfg, sample=sample)
        return tree(tmp_path / name)

    documents = run("documents", 1, True)
    settled.clear()
    assert run("lines-1", 1, False) == documents
    assert any(settled)
    assert run("lines-2", 2, False) == documents
    assert not (tmp_path / "lines-1" / "reports" / "sample.json").exists()


def test_with_a_report_sample_settled_documents_are_sampled_as_they_are_staged(tmp_path, monkeypatch):
    """A run that collects a report sample stages dropped documents as their output lines too (`Settled`), each
    taken into a sample as it is settled, which the stage keeps for the next pass and the main pass to go on with:
    the same shards, stats and reports/sample.json as a run whose main pass reads every settled line back as its
    document for the sample (stages without a sample, as a run resumed from one without a report has), on 1 and 2
    workers; a stage's sample taken with other thresholds is not used."""
    inp = make_corpus(tmp_path / "in", files=3, per_file=40, seed=7)
    steps = ["repair.whitespace", "test.split_paragraphs", ("filter.quality", {"min_chars": 12}), "filter.empty",
             "dedup.exact", "dedup.paragraphs"]
    from taosha.report.sample import RunSample
    from taosha.runners import core

    sampled = []
    real_put = core._StageWriter.put
    monkeypatch.setattr(core._StageWriter, "put", lambda self, item: (
        sampled.append(self._sample is not None and isinstance(item, Document) and item.dropped is not None),
        real_put(self, item))[1])

    def run(name, workers):
        cfg = config(workers, steps, chunk=700)
        cfg.plugins = ["taosha_test_steps"]
        taosha.run([str(inp)], tmp_path / name, cfg)
        return tree(tmp_path / name), (tmp_path / name / "reports" / "sample.json").read_bytes()

    staged = run("staged-1", 1)
    assert sum(sampled) > 20  # dropped documents sampled as they were settled, in both stages
    assert run("staged-2", 2) == staged
    read_back = core.Stage.sample
    monkeypatch.setattr(core.Stage, "sample", lambda self, expected: None)
    assert run("read-back", 1) == staged
    # a stage's sample is taken only with the thresholds the reader expects
    monkeypatch.setattr(core.Stage, "sample", read_back)
    unit = core.Unit(0, str(tmp_path / "in.jsonl"), "jsonl", "")
    stage = core.Stage(tmp_path / "s", 3, unit)
    writer = stage.writer(core.ShardWriter(tmp_path / "s", "u"), RunSample([]))
    writer.put(Document("a", "甲").drop("filter.empty", "empty"))
    writer.close({})
    assert stage.sample(RunSample([])).rules.keys() == {"drop:filter.empty/empty"}
    assert stage.sample(RunSample([{"step": "filter.length", "param": "min_chars", "signal": "chars",
                                    "side": "min", "limit": 5}])) is None
    # nor one pickled by another version's layout, nor a file that is not one
    import pickle

    import taosha.report.sample as sample_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sample_module, "_LAYOUT", -1)
        older = pickle.dumps(pickle.loads(stage.sample_path.read_bytes()))
    stage.sample_path.write_bytes(older)
    assert stage.sample(RunSample([])) is None
    stage.sample_path.write_bytes(b"not a pickle")
    assert stage.sample(RunSample([])) is None


def test_a_settled_line_reads_back_as_its_document_for_a_resumed_run_with_a_sample(tmp_path):
    from taosha.io.readers import Unit
    from taosha.io.writers import ShardWriter
    from taosha.report.sample import RunSample
    from taosha.runners.core import Settled, Stage, _sampled

    stage = Stage(tmp_path, 3, Unit(0, str(tmp_path / "in.jsonl"), "jsonl", ""))
    kept = Document("a", "甲乙丙")
    gone = Document("b", "乙  ", {"url": "https://x.cn/1"}, signals={"chars": 2})
    gone = gone.replace(1, 3, "", "repair.whitespace", "trailing_space").drop("filter.quality", "too_short")
    writer = stage.writer(ShardWriter(tmp_path, "u"))
    writer.put(kept)
    writer.put(gone)
    writer.close({"read": 2})
    items = list(stage.read({}))
    assert [i.__class__ for i in items] == [Document, Settled]
    assert items[1].document().to_record() == gone.to_record()
    assert items[1].line == ShardWriter(tmp_path, "u").line(gone.to_record())
    assert items[1].counts == {"dropped": 1, "chars_dropped": 1, "drop|filter.quality|too_short": 1,
                               "edit|repair.whitespace|trailing_space": 1, "edited|repair.whitespace": 1}
    a, b = RunSample([]), RunSample([])
    assert list(_sampled(a, iter(items))) == items
    for d in (kept, gone):
        b.add(d)
    assert a.to_json() == b.to_json()


def test_stages_pickle_live_documents_as_columns_and_read_them_back_whole(tmp_path, monkeypatch):
    """A stage's live documents go to the file as columns (`document.to_columns`: quicker to load than documents
    one by one) and come back equal, field by field, in order; a batch holding another class than `Document`
    (a plugin's subclass, which may pickle itself its own way) is pickled item by item as before; the stage's
    zstd level is a fast one."""
    import pickle

    import zstandard

    from taosha.io.readers import Unit
    from taosha.runners.core import STAGE_LEVEL, Stage

    class Special(Document):
        __slots__ = ()

    levels = []
    real = zstandard.ZstdCompressor

    def spy(*args, level=3, **kw):
        levels.append(level)
        return real(*args, level=level, **kw)

    monkeypatch.setattr(zstandard, "ZstdCompressor", spy)
    docs = []
    for i in range(Stage.BATCH + 3):
        d = Document(f"d{i}", f"第{i}段\u3000文字 ", {"lang": "zh", "n": [i]}, {"path": "x.jsonl", "offset": i},
                     signals={"chars": i, "share": i / 7, "flag": i % 2 == 0, "none": None})
        if i % 5 == 0:
            d.replace(0, 1, "弟", "repair.script", "slip")
        if i % 11 == 0:
            d.parent = {"id": "p", "part": 1}
        docs.append(d)
    stage = Stage(tmp_path, 3, Unit(0, str(tmp_path / "in.jsonl"), "jsonl", ""))
    writer = stage.writer()
    for d in docs:
        writer.put(d)
    writer.close({"read": len(docs)})
    assert levels == [STAGE_LEVEL, STAGE_LEVEL] and STAGE_LEVEL < 1
    with open(stage.path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as raw:
        kinds = []
        while not isinstance(batch := pickle.load(raw), dict):
            kinds.append(type(batch))
    assert kinds == [tuple, tuple]
    counters: dict = {}
    back = list(stage.read(counters))
    assert counters == {"read": len(docs)}
    fields = ("id", "text", "metadata", "source", "signals", "edits", "dropped", "parent")
    assert [[getattr(d, f) for f in fields] for d in back] == [[getattr(d, f) for f in fields] for d in docs]
    assert all(type(d) is Document and all(type(e).__name__ == "Edit" for e in d.edits) for d in back)

    mixed = [Document("a", "甲"), Special("b", "乙")]
    stage = Stage(tmp_path, 4, Unit(0, str(tmp_path / "in.jsonl"), "jsonl", ""))
    writer = stage.writer()
    for d in mixed:
        writer.put(d)
    writer.close({})
    with open(stage.path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as raw:
        assert type(pickle.load(raw)) is list
    assert [(d.id, d.text) for d in stage.read({})] == [("a", "甲"), ("b", "乙")]


def test_a_run_raises_the_collectors_youngest_threshold_and_gives_the_callers_back(tmp_path, monkeypatch):
    """A batch of documents is tens of thousands of young objects: during a run the collector's youngest
    threshold is at least `GC_YOUNG` (fewer collections walking them), and the caller's thresholds are back
    after it, also when the run fails."""
    import gc

    from taosha.runners import core
    from taosha.runners.local import LocalRunner

    inp = make_corpus(tmp_path / "in", files=1, per_file=5)
    seen = []
    real = LocalRunner.map_units
    monkeypatch.setattr(LocalRunner, "map_units", lambda self, *a, **k: (seen.append(gc.get_threshold()),
                                                                           real(self, *a, **k))[1])
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        taosha.run([str(inp)], tmp_path / "out", config(1, ["repair.whitespace"]))
        assert seen and all(t == (core.GC_YOUNG, 10, 10) for t in seen)
        assert gc.get_threshold() == (700, 10, 10)
        monkeypatch.setattr(LocalRunner, "map_units", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            taosha.run([str(inp)], tmp_path / "out2", config(1, ["repair.whitespace"]))
        assert gc.get_threshold() == (700, 10, 10)
        # a caller who turned collection off (threshold 0) keeps it off during the run
        monkeypatch.setattr(LocalRunner, "map_units", lambda self, *a, **k: (seen.append(gc.get_threshold()),
                                                                               real(self, *a, **k))[1])
        gc.set_threshold(0, 10, 10)
        seen.clear()
        taosha.run([str(inp)], tmp_path / "out3", config(1, ["repair.whitespace"]))
        assert seen and all(t == (0, 10, 10) for t in seen) and gc.get_threshold() == (0, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_an_observed_batch_holds_at_most_a_batchs_characters(tmp_path, monkeypatch):
    """A two-pass step observes the documents in batches bounded as the steps' batches are: by documents and by
    characters (BATCH_CHARS), so that a corpus of long pages does not hold a thousand of them at once."""
    from taosha.dedup.exact import Exact
    from taosha.runners import core

    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.jsonl").write_bytes(b"".join(orjson.dumps({"id": str(k), "text": f"第{k}篇" + "正文" * 150}) + b"\n"
                                           for k in range(40)))
    monkeypatch.setattr(core, "BATCH_CHARS", 1000)
    record = tmp_path / "batches.txt"

    def observe_batch(self, docs, state, real=Exact.observe_batch):
        with record.open("a") as fh:  # (the workers' batches too: a file, not a list)
            fh.write(f"{len(docs)} {sum(len(d.text) for d in docs)}\n")
        return real(self, docs, state)

    monkeypatch.setattr(Exact, "observe_batch", observe_batch)
    taosha.run([str(inp)], tmp_path / "out", config(1, ["dedup.exact"]))
    batches = [tuple(map(int, line.split())) for line in record.read_text().split("\n") if line]
    assert sum(n for n, _ in batches) == 40
    assert max(chars for _, chars in batches) < 1000 + 310  # at most one document past the bound
