"""The CLI, run in-process: commands, help, and one clear line for each kind of bad argument."""

from __future__ import annotations

import os

import orjson
import pytest

from taosha.cli import main


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "in.jsonl"
    text = ("今年以来，我镇坚持以人民为中心的发展思想，扎实推进乡村振兴各项工作。  \r\n\r\n\r\n"
            "第二段，全镇新发展特色种植面积一千二百亩，取得了阶段性成效。")
    p.write_bytes(orjson.dumps({"id": "a", "text": text}) + b"\n" +
                  orjson.dumps({"id": "b", "text": ""}) + b"\n{oops\n")
    return p


def test_clean_summary_and_stats(capsys, tmp_path, corpus):
    code, out, _ = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"))
    assert code == 0
    assert "kept" in out and "quarantine" in out and "invalid_json" in out
    stats = orjson.loads((tmp_path / "o" / "stats.json").read_bytes())
    assert stats["documents"] == {"in": 3, "kept": 1, "dropped": 1, "quarantined": 1, "split": 0,
                                  "parts_from_splits": 0}


def test_skip_and_set(capsys, tmp_path, corpus):
    code, _, _ = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"), "--skip", "filter.empty",
                         "--skip", "filter.quality", "--set", "repair.whitespace.max_blank_lines=0", "-q")
    assert code == 0
    stats = orjson.loads((tmp_path / "o" / "stats.json").read_bytes())
    assert stats["documents"]["dropped"] == 0
    assert "max_blank_lines = 0" in (tmp_path / "o" / "pipeline.toml").read_text()


@pytest.mark.parametrize("args,message", [
    (["clean", "missing.jsonl", "-o", "o"], "missing.jsonl: no such file or directory"),
    (["clean", "{corpus}", "-o", "o", "--skip", "nope"], "--skip nope: no such step in this pipeline"),
    (["clean", "{corpus}", "-o", "o", "--set", "repair.whitespace.max_blank=1"],
     "step 'repair.whitespace' has no parameter 'max_blank'; its parameters: max_blank_lines, strip_document"),
    (["clean", "{corpus}", "-o", "o", "--set", "repair.whitespace.max_blank_lines=\"two\""],
     "parameter 'max_blank_lines' must be int"),
    (["clean", "{corpus}", "-o", "o", "--set", "novalue"], "expected NAME.FIELD=VALUE"),
    (["clean", "{corpus}", "-o", "o", "--config", "missing.toml"], "config file missing.toml does not exist"),
    (["clean", "{corpus}", "-o", "o", "--workers", "0"], "--workers must be at least 1"),
    (["clean", "{corpus}", "-o", "/proc/taosha-out"], "cannot write to output folder /proc/taosha-out"),
    (["inspect", "{tmp}"], "is not a taosha output folder"),
])
def test_errors_are_one_clear_line(capsys, tmp_path, corpus, args, message):
    os.chdir(tmp_path)
    args = [a.format(corpus=corpus, tmp=tmp_path) for a in args]
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert err.startswith("taosha: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_config_file(capsys, tmp_path, corpus):
    cfg = tmp_path / "p.toml"
    cfg.write_text('[[steps]]\nuse = "repair.nope"\n')
    code, _, err = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"), "--config", str(cfg))
    assert code == 2 and "unknown step 'repair.nope'; known steps:" in err
    cfg.write_text("[[steps]\n")
    code, _, err = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"), "--config", str(cfg))
    assert code == 2 and "is not valid TOML" in err


def test_help_teaches(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("clean", "steps", "demo", "inspect", "examples:", "quarantine", "--config"):
        assert word in out


def test_steps_lists_registry(capsys):
    code, out, _ = run_cli(capsys, "steps")
    assert code == 0
    assert "repair.whitespace" in out and "max_blank_lines = 1" in out and "(default pipeline)" in out


def test_inspect_run_and_document(capsys, tmp_path, corpus):
    run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"), "-q")
    code, out, _ = run_cli(capsys, "inspect", str(tmp_path / "o"))
    assert code == 0 and "first 10 documents" in out and "filter.empty/empty" in out
    assert "records, " in out and "docs/s" not in out  # a finished run's wall time is not known here: not shown
    code, out, _ = run_cli(capsys, "inspect", str(tmp_path / "o"), "--id", "a")
    assert code == 0 and "repair.whitespace/line_ending" in out and "␍" in out
    code, out, _ = run_cli(capsys, "inspect", str(tmp_path / "o"), "--id", "zzz")
    assert code == 1 and "no document with id zzz" in out


def test_demo(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "demo", "-o", str(tmp_path / "demo"))
    assert code == 0 and "taosha inspect" in out
    stats = orjson.loads((tmp_path / "demo" / "out" / "stats.json").read_bytes())
    d = stats["documents"]
    assert d["in"] > 50 and d["quarantined"] == 1 and d["dropped"] >= 1  # the GBK file is decoded
    code, _, _ = run_cli(capsys, "demo", "-o", str(tmp_path / "demo"))  # re-runnable
    assert code == 0
