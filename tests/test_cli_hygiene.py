"""The CLI as a Unix tool: `-` for standard input and output, a quiet end on a closed pipe, exit status 4 when
most records failed, `--add`, every parameter in OUT/pipeline.toml, `inspect` readable without colour."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import orjson
import pytest
from rich.console import Console

from taosha.cli import main
from taosha.io.writers import iter_records
from taosha.report.inspect import show_record

TEXT = ("今年以来，我镇坚持以人民为中心的发展思想，扎实推进乡村振兴各项工作。  \r\n\r\n\r\n"
        "第二段，全镇新发展特色种植面积一千二百亩，取得了阶段性成效。")
MOJIBAKE = "ä¸­æ–‡ç½‘é¡µ"  # 中文网页 read as cp1252


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_bytes(orjson.dumps({"id": "a", "text": TEXT, "url": "u"}) + b"\n"
                  + orjson.dumps({"id": "b", "text": TEXT + "又一篇"}) + b"\n")
    return p


def test_fix_reads_standard_input_and_writes_standard_output(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{MOJIBAKE}\n第二行\n".encode())))
    code, out, _ = run_cli(capsys, "fix", "-", "-o", "-")
    assert code == 0 and out == "中文网页\n第二行\n"
    page = tmp_path / "p.txt"
    page.write_text(f"{MOJIBAKE}\n", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x\n")))
    code, out, _ = run_cli(capsys, "fix", str(page), "-")  # a file, then standard input
    assert code == 0 and out == "中文网页\nx\n"
    code, _, err = run_cli(capsys, "fix", "-", "-")
    assert code == 2 and "standard input (-) can be read once" in err


def _closed_pipe(args: list[str], cwd) -> subprocess.CompletedProcess:
    """Run the CLI with its standard output's reader already gone, as `| head` leaves it."""
    proc = subprocess.Popen([sys.executable, "-m", "taosha.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd)
    proc.stdout.close()  # before it writes: its first write fails (EPIPE), whatever the timing
    err = proc.stderr.read()
    proc.wait(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, b"", err)


def test_a_closed_pipe_ends_quietly(tmp_path, corpus):
    big = tmp_path / "big.txt"
    big.write_text(f"{MOJIBAKE}\n" * 2000, encoding="utf-8")
    fix = _closed_pipe(["fix", str(big)], tmp_path)
    assert fix.stderr == b"" and fix.returncode == 141
    # clean's summary goes to a closed pipe: the run, stats.json and the report are complete all the same
    done = _closed_pipe(["clean", str(corpus), "-o", str(tmp_path / "o"), "--workers", "1"], tmp_path)
    assert done.stderr == b"" and done.returncode == 141
    assert (tmp_path / "o" / "stats.json").exists() and (tmp_path / "o" / "report.html").exists()
    for args in (["inspect", str(tmp_path / "o")], ["inspect", str(tmp_path / "o"), "--id", "a"]):
        done = _closed_pipe(args, tmp_path)
        assert done.stderr == b"" and done.returncode == 141


def test_a_wrong_text_field_fails_the_run_and_names_the_fields(capsys, tmp_path, corpus):
    code, _, err = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"), "-q", "--text-field", "content")
    assert code == 4
    assert err.startswith("taosha: error: 2 of 2 records (100.0%) were quarantined or failed in a step, more than "
                          "--max-error-share 0.5: 2 quarantined as missing_text_field. For example, ")
    assert "no text field 'content' (absent or null; --text-field names it); the record's fields: 'id', 'text', " \
           "'url'" in err
    assert (tmp_path / "o" / "stats.json").exists()  # the output is written either way
    (q,) = [r for p in (tmp_path / "o" / "quarantine").glob("*.zst") for r in iter_records(p)][:1]
    assert "the record's fields: 'id', 'text', 'url'" in q["detail"]
    code, _, _ = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o2"), "-q", "--text-field", "content",
                         "--max-error-share", "1")
    assert code == 0
    code, _, err = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o3"), "--max-error-share", "2")
    assert code == 2 and "--max-error-share must be between 0 and 1" in err


def test_a_step_that_raises_on_every_document_fails_the_run(capsys, tmp_path, corpus):
    cfg = tmp_path / "p.toml"
    cfg.write_text('plugins = ["taosha_test_steps"]\n[[steps]]\nuse = "repair.nfc"\n')
    code, _, err = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"), "-q", "--config", str(cfg),
                           "--add", "test.crash_on", "--set", 'test.crash_on.marker=""')
    assert code == 4
    assert "2 of 2 records (100.0%)" in err and "2 dropped by test.crash_on (step_error)" in err
    assert "For example, a: RuntimeError: simulated bug" in err


def test_add_appends_steps_with_their_parameters(capsys, tmp_path, corpus):
    other = "据统计，今年全市新建各类学校十二所，新增学位一万五千多个，有效缓解了城区入学难的问题，群众满意度明显提升。"
    with corpus.open("ab") as fh:
        fh.write(orjson.dumps({"id": "c", "text": other}) + b"\n" + orjson.dumps({"id": "d", "text": other}) + b"\n")
    code, _, _ = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "o"), "-q", "--skip", "dedup.near",
                         "--skip", "dedup.paragraphs", "--add", "dedup.exact", "--add", "filter.length",
                         "--set", "filter.length.min_chars=60")
    assert code == 0
    toml = (tmp_path / "o" / "pipeline.toml").read_text()
    assert toml.index('use = "filter.quality"') < toml.index('use = "dedup.exact"') < toml.index(
        'use = "filter.length"')
    assert 'use = "filter.length"\nmin_chars = 60\n' in toml
    stats = orjson.loads((tmp_path / "o" / "stats.json").read_bytes())
    # "b" is "a" once its cut-off last sentence is gone, "d" is "c", and "c" has 53 characters: the appended
    # steps run last, in the order given
    assert stats["dropped_by"] == {"dedup.exact": {"exact_duplicate": 2}, "filter.length": {"too_short": 1}}
    code, _, err = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "x"), "--add", "filter.nope")
    assert code == 2 and "--add filter.nope: no such step; known steps: " in err
    code, _, err = run_cli(capsys, "clean", str(corpus), "-o", str(tmp_path / "x"), "--add", "repair.nfc")
    assert code == 2 and "--add repair.nfc: it is in this pipeline already; change it with --set" in err


def test_pipeline_toml_lists_every_parameter_that_ran(capsys, tmp_path, corpus):
    assert main(["clean", str(corpus), "-o", str(tmp_path / "o"), "-q"]) == 0
    toml = (tmp_path / "o" / "pipeline.toml").read_text()
    for default in ('use = "repair.pinyin"\nmin_glosses = 2\n', 'use = "dedup.near"\nthreshold = 0.8\n',
                    "min_han_share = 0.3\n", 'languages = ["zh"]\n', 'rules = []\n'):
        assert default in toml


def test_inspect_marks_removed_and_added_text_without_colour(capsys, tmp_path, corpus, monkeypatch):
    assert main(["clean", str(corpus), "-o", str(tmp_path / "o"), "-q"]) == 0
    code, out, _ = run_cli(capsys, "inspect", str(tmp_path / "o"), "--id", "a")  # captured: not a terminal
    assert code == 0
    assert "marks: [-removed-] {+added+}" in out
    lines = out.splitlines()  # one line per edit, not wrapped at the pipe's 80 columns
    assert "repair.whitespace/trailing_space @34: 人民为中心的发展思想，扎实推进乡村振兴各项工作。[-  -]⏎⏎⏎第二段" \
        in lines[-2]
    assert "工作。  ␍⏎[-␍⏎-]{+⏎+}⏎第二段" in out
    rec = next(r for p in (tmp_path / "o" / "kept").glob("*.zst") for r in iter_records(p) if r["id"] == "a")

    def shown(**kw) -> str:
        buf = io.StringIO()
        show_record(rec, "kept", Console(file=buf, force_terminal=True, width=200, **kw))
        return buf.getvalue()

    assert "[-" not in shown(color_system="truecolor")  # a colour terminal: colour says it
    monkeypatch.setenv("NO_COLOR", "1")
    assert "[-  -]" in shown(color_system="truecolor")
    monkeypatch.delenv("NO_COLOR")
    assert os.environ.get("NO_COLOR") is None


def test_docs_cli_lists_every_command_and_exit_status():
    from pathlib import Path

    from taosha.cli import CLOSED_PIPE, EPILOG, TOO_MANY_ERRORS, build_parser
    from taosha.errors import AccountingError, TaoshaError

    doc = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"`taosha {name}" in doc, name
    for code in (0, 1, TaoshaError.exit_code, AccountingError.exit_code, TOO_MANY_ERRORS, 130, CLOSED_PIPE):
        assert f"\n| {code} |" in doc, code
        assert f"{code} " in EPILOG, code
