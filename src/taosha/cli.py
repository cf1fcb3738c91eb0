"""The `taosha` command. It adds no logic: arguments edit the same config objects the API uses."""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path
from typing import Any

from taosha.errors import TaoshaError

DESCRIPTION = """\
taosha (淘沙) turns scraped Chinese web text into clean, faithful, deduplicated documents.

Every input record ends up kept, dropped (with the rule and reason) or quarantined (unparseable, with
its raw bytes); every change to a text is a recorded edit from which the original is rebuilt exactly.
"""

EPILOG = """\
examples:
  taosha demo                                   build a damaged demo corpus and clean it
  taosha clean crawl/*.jsonl.zst -o out         clean with the default pipeline
  taosha clean data/ -o out --text-field content --workers 8
  taosha clean in.jsonl -o out --skip repair.nfc --set filter.quality.min_chars=100
  taosha steps [--markdown]                     list every step and its parameters
  taosha inspect out                            what happened, per rule
  taosha inspect out --id 'news.jsonl:1042'     one document's edits as a coloured diff
  taosha report out -o run.html                 the run as one HTML page (also written as out/report.html)
  taosha fix page.txt -o fixed.txt --explain    repair a text file line by line (like ftfy)
  cat page.txt | taosha fix - > fixed.txt       the same through a pipe ('-': standard input or output)
  taosha clean in.jsonl -o out --add dedup.exact --add filter.length --set filter.length.min_chars=200

output (in -o OUT): kept/ and dropped/ hold part-NNNNN.jsonl.zst shards of records
{id, text, metadata, source, signals, edits[, drop, parent]}; quarantine/ holds unparseable input;
stats.json counts everything; pipeline.toml is the resolved configuration (reuse it with --config);
report.html shows the run in a browser (offline, one file).
Run the same command again after a crash: finished shards are kept, the rest is redone.

exit status: 0 done; 1 inspect --id found no such document; 2 bad arguments, configuration, input or
output folder; 3 the run's counts do not add up (a bug); 4 the run finished but more than
--max-error-share of the records were quarantined or failed in a step; 130 interrupted; 141 the reader of
standard output went away (e.g. `| head`). See docs/cli.md.
"""


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="taosha", description=DESCRIPTION, epilog=EPILOG, formatter_class=fmt)
    p.add_argument("--version", action="version", version=f"taosha {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser(
        "clean",
        help="run the cleaning pipeline over files, folders or globs",
        description="Run the pipeline over INPUT files (.jsonl/.ndjson/.txt/.csv/.tsv, optionally .gz/.zst/.bz2; "
        ".parquet), "
        "folders (searched recursively) or globs, writing shards to OUT.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    c.add_argument("inputs", nargs="+", metavar="INPUT")
    c.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder (created if missing)")
    c.add_argument("--config", metavar="TOML", help="pipeline file (default: the built-in pipeline)")
    c.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: one per CPU core); with --runner ray, tasks in flight "
                        "(default: as many as the cluster takes)")
    c.add_argument("--runner", choices=["local", "ray"],
                   help="where units run: local worker processes (default), or a Ray cluster "
                        "(pip install 'taosha[ray]')")
    c.add_argument("--address", metavar="ADDR",
                   help="Ray cluster address, e.g. 10.0.0.1:6379 (default: RAY_ADDRESS, else a local Ray instance)")
    c.add_argument("--skip", action="append", default=[], metavar="STEP", help="leave out a step (repeatable)")
    c.add_argument("--add", action="append", default=[], metavar="STEP",
                   help="append a step that is not in the pipeline, e.g. dedup.exact, filter.length, pii.mask "
                        "(repeatable; its parameters with --set; `taosha steps` lists them)")
    c.add_argument("--set", action="append", default=[], metavar="NAME.FIELD=VALUE",
                   help="set a step parameter, or input./runner. option (repeatable; VALUE in TOML syntax)")
    c.add_argument("--text-field", metavar="NAME", help="JSONL field holding the text (default: text)")
    c.add_argument("--id-field", metavar="NAME", help="JSONL field holding the id (default: id)")
    c.add_argument("--on-error", choices=["drop", "abort"],
                   help="a step that raises: drop the document with reason step_error (default), or abort")
    c.add_argument("--format", choices=["jsonl.zst", "jsonl.gz", "jsonl", "parquet"],
                   help="output shards (default: jsonl.zst); every format has one schema (docs/formats.md)")
    c.add_argument("--edits", choices=["full", "summary", "none"],
                   help="edit log in the output: full (default; restore_original works), summary (counts per rule) "
                        "or none")
    c.add_argument("--overwrite", action="store_true", help="replace an earlier run in OUT instead of resuming")
    c.add_argument("--max-error-share", type=float, default=0.5, metavar="SHARE",
                   help="exit with status 4 when more than this share of the records were quarantined or failed "
                        "in a step (default: 0.5; the output is written either way)")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    c.add_argument("--no-report", action="store_true",
                   help="do not write OUT/report.html at the end, nor collect its sample (reports/sample.json)")

    st = sub.add_parser("steps", help="list every step with its purpose and parameters",
                        description="List every registered step: its name (used in configs, edits and reports), "
                        "what it does, and its parameters with defaults.")
    st.add_argument("--markdown", action="store_true",
                    help="the built-in steps' reference as Markdown, whole docstrings included (docs/steps.md)")

    d = sub.add_parser("demo", help="build the damaged demo corpus, clean it, and show where the results are",
                       description="Write a damaged demo corpus (made from the bundled clean documents by the "
                       "damage simulator) to DIR/input, run the default pipeline into DIR/out, print the summary.")
    d.add_argument("-o", "--output", default="taosha-demo", metavar="DIR", help="demo folder (default: taosha-demo)")
    d.add_argument("--workers", type=int, metavar="N")
    d.add_argument("--seed", type=int, default=7, help="random seed of the simulator (default: 7)")
    d.add_argument("-q", "--quiet", action="store_true")

    f = sub.add_parser(
        "fix",
        help="repair text files or stdin line by line (mojibake, spinner pinyin, script), like ftfy",
        description="Repair FILEs (or standard input) in place of the text: mojibake, spinner pinyin, forced "
        "traditional script, Unicode NFC. Line-preserving: output line N is input line N repaired. Reads any "
        "supported encoding, writes UTF-8. No boilerplate removal, filtering or deduplication (see clean).",
        formatter_class=fmt,
    )
    f.add_argument("files", nargs="*", metavar="FILE", help="input files; - is standard input (the default)")
    f.add_argument("-o", "--output", metavar="OUT", help="output file; - is standard output (the default)")
    f.add_argument("--script", choices=["auto", "keep", "simplified", "traditional", "tw", "hk"], default="auto",
                   help="auto/keep: restore spun text to simplified, keep genuine text (default); or convert")
    f.add_argument("--explain", nargs="?", const="-", metavar="PATH",
                   help="report every edit (line, column, rule, before -> after) to standard error, or as JSONL "
                   "to PATH")
    f.add_argument("--encoding", metavar="NAME", help="input encoding (default: detected)")

    i = sub.add_parser("inspect", help="summarise a run, or show one document's edits as a coloured diff",
                       description="Without --id: the run's counts per rule and a sample of documents. "
                       "With --id: that document's source, signals, drop reason and every edit.")
    i.add_argument("output", metavar="OUT")
    i.add_argument("--id", dest="doc_id", metavar="ID")
    i.add_argument("--limit", type=int, default=10, help="documents listed without --id (default: 10)")

    r = sub.add_parser("report", help="write a finished run's HTML report (one offline file with plots and diffs)",
                       description="Write one self-contained HTML page about the run in OUT: accounting, drops "
                       "and edits by rule, signal distributions with the filters' thresholds, dedup clusters, "
                       "boilerplate by site, repairs, and sampled documents per rule as before/after diffs. Built "
                       "from stats.json and the sample the run collected, not by re-reading the shards.")
    r.add_argument("output", metavar="OUT")
    r.add_argument("-o", "--html", metavar="PATH", help="where to write the page (default: OUT/report.html)")
    r.add_argument("--per-rule", type=int, default=3, metavar="N",
                   help="sampled documents shown per rule (default: 3; the run keeps up to 5)")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        commands = {"clean": _clean, "steps": _steps, "demo": _demo, "inspect": _inspect, "fix": _fix,
                    "report": _report_html}
        return commands[args.command](args)
    except TaoshaError as exc:
        print(f"taosha: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("taosha: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not _stdout_closed():
            raise  # another pipe (a worker's): a real error
        return CLOSED_PIPE


CLOSED_PIPE = 141  # as a process killed by SIGPIPE reports it in the shell (128 + 13)
TOO_MANY_ERRORS = 4


def _stdout_closed() -> bool:
    """Whether standard output's reader went away (`taosha fix big.txt | head -1`). If so, standard output is
    pointed at /dev/null, so that the interpreter's own flush at exit does not print a traceback either."""
    import select

    try:
        fd = sys.stdout.fileno()
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        # the write end of a pipe (or socket) whose reader is gone polls as an error or hang-up
        if not any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poll.poll(0)):
            return False
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # no descriptor (captured output)
        return False
    return True


def _version() -> str:
    from taosha._version import __version__

    return __version__


def _clean(args: argparse.Namespace) -> int:
    from taosha.config import load_config

    cfg = load_config(args.config)
    if args.text_field:
        cfg.input.text_field = args.text_field
    if args.id_field:
        cfg.input.id_field = args.id_field
    if args.workers is not None:
        if args.workers < 1:
            raise _usage("--workers must be at least 1")
        cfg.runner.workers = args.workers
    if args.runner:
        cfg.runner.kind = args.runner
    if args.address:
        cfg.runner.address = args.address
    if args.on_error:
        cfg.runner.on_error = args.on_error
    if args.format:
        cfg.output.format = args.format
    if args.edits:
        cfg.output.edits = args.edits
    if args.skip:
        cfg.skip(args.skip)
    for name in args.add:
        cfg.add(name)
    if not 0 <= args.max_error_share <= 1:
        raise _usage("--max-error-share must be between 0 and 1")
    for assignment in args.set:
        cfg.set(assignment)
    cfg.build()
    stats, elapsed = _run_with_progress(args.inputs, args.output, cfg, args.overwrite, args.quiet,
                                        sample=not args.no_report)
    page = None
    if not args.no_report:  # written before anything is printed: a closed pipe (`| head`) does not stop it
        from taosha.report.html import build_report

        page = build_report(Path(args.output))
    if not args.quiet:
        from taosha.report.render import print_summary

        print_summary(*_shown(stats, args.output), elapsed)
        if page is not None:
            print(f"report: {page}")
    return _check_errors(stats, Path(args.output), args.max_error_share)


def _check_errors(stats: dict[str, Any], out: Path, limit: float) -> int:
    """Exit status 4, with what went wrong, when more than `limit` of the records were quarantined or dropped
    because a step raised: a wrong --text-field or a broken plugin should fail a script, not pass as a run."""
    from taosha.report.stats import failed_records

    failed, total = failed_records(stats), stats["documents"]["in"]
    if not total or failed / total <= limit:
        return 0
    causes = [(n, "quarantine", error) for error, n in stats["quarantined_by"].items()]
    causes += [(n, "dropped", step) for step, reasons in stats["dropped_by"].items()
               for reason, n in reasons.items() if reason == "step_error"]
    causes.sort(key=lambda c: -c[0])
    said = [f"{n:,} quarantined as {key}" if sink == "quarantine" else f"{n:,} dropped by {key} (step_error)"
            for n, sink, key in causes[:3]]
    example = _first_failure(out, causes[0][1], causes[0][2]) if causes else ""
    print(f"taosha: error: {failed:,} of {total:,} records ({100 * failed / total:.1f}%) were quarantined or "
          f"failed in a step, more than --max-error-share {limit}: {'; '.join(said)}"
          + (f". For example, {example}" if example else "")
          + f". The output is written to {out}.", file=sys.stderr)
    return TOO_MANY_ERRORS


def _first_failure(out: Path, sink: str, key: str) -> str:
    """One failed record's own explanation (the first in shard order), for the error message."""
    from taosha.io.writers import iter_records

    for shard in sorted((out / sink).glob("part-*.jsonl.zst")):
        for rec in iter_records(shard):
            if sink == "quarantine" and rec.get("error") == key:
                where = f"{rec['source'].get('path')}:{rec['source'].get('offset', 0)}"
                return f"{where}: {rec.get('detail', '')}"[:500]
            drop = rec.get("drop") or {}
            if sink == "dropped" and drop.get("reason") == "step_error" and drop.get("step") == key:
                return f"{rec['id']}: {drop.get('detail', '')}"[:500]
    return ""


def _shown(stats: dict[str, Any], out: str) -> tuple[dict[str, Any], Path]:
    """The stats and OUT as the summary prints them: user-chosen names (OUT, input files) escaped for rich's
    markup, so a name holding `[/red]` prints as itself instead of crashing the summary."""
    from rich.markup import escape

    class Shown(type(Path())):  # type: ignore[misc]
        def __format__(self, spec: str) -> str:  # in f-strings only: file operations see the real path
            return escape(str(self))

    shown = {**stats, "input": {**stats["input"]}}
    for key in ("skipped_files", "special_files"):
        if key in shown["input"]:
            shown["input"][key] = [escape(f) for f in shown["input"][key]]
    return shown, Shown(out)


def _usage(msg: str) -> TaoshaError:
    from taosha.errors import ConfigError

    return ConfigError(msg)


def _run_with_progress(inputs: list[str], out: str, cfg: Any, overwrite: bool, quiet: bool, sample: bool = True):
    from taosha.runners import run

    start = time.perf_counter()
    show = not quiet and sys.stderr.isatty() and not os.environ.get("CI")
    if not show:
        stats = run(inputs, out, cfg, overwrite=overwrite, sample=sample)
        return stats, time.perf_counter() - start
    from taosha.report.render import progress_bar

    with progress_bar() as update:
        stats = run(inputs, out, cfg, overwrite=overwrite, progress=update, sample=sample)
    return stats, time.perf_counter() - start


def _steps(args: argparse.Namespace) -> int:
    from taosha.report.render import print_steps, steps_markdown

    if args.markdown:
        sys.stdout.write(steps_markdown())
    else:
        print_steps()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from taosha.config import PipelineConfig
    from taosha.report.render import print_summary
    from taosha.synth.demo import write_demo_corpus

    root = Path(args.output)
    inp = root / "input"
    files = write_demo_corpus(inp, seed=args.seed)
    cfg = PipelineConfig()
    if args.workers:
        cfg.runner.workers = args.workers
    stats, elapsed = _run_with_progress([str(inp)], str(root / "out"), cfg, True, args.quiet)
    from taosha.report.html import build_report

    page = build_report(root / "out")
    if not args.quiet:
        print(f"demo corpus: {len(files)} files in {inp}")
        print_summary(*_shown(stats, str(root / "out")), elapsed)
        print(f"\nnext: taosha inspect {root / 'out'}   (then --id ID for one document's edits)")
        print(f"report: {page}   (open it in a browser)")
    return 0


def _fix(args: argparse.Namespace) -> int:
    import contextlib

    from taosha.errors import InputError, OutputError
    from taosha.fix import decode_lines, fix_lines

    for name in args.files:
        if name != "-" and not os.path.isfile(name):
            raise InputError(f"{name}: no such file")
    if args.files.count("-") > 1:
        raise _usage("fix: standard input (-) can be read once")
    with contextlib.ExitStack() as stack:
        try:
            out = (stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
                   if args.output and args.output != "-" else sys.stdout)
            report = (stack.enter_context(open(args.explain, "wb"))
                      if args.explain and args.explain != "-" else None)
        except OSError as exc:
            raise OutputError(f"cannot write {exc.filename}: {exc.strerror}") from None
        sources = args.files or ["-"]
        for name in sources:
            stream = sys.stdin.buffer if name == "-" else stack.enter_context(open(name, "rb"))
            edits: list = [] if args.explain else None  # type: ignore[assignment]
            ends = [True]
            lines = fix_lines(decode_lines(stream, args.encoding, ends), script=args.script, explain=edits)
            previous = None
            for line in lines:
                if previous is not None:
                    out.write(previous + "\n")
                previous = line
                if edits:
                    _report(edits, name, report)
                    edits.clear()
            if previous is not None:
                # the last line keeps the input's choice: ended by a newline or not
                out.write(previous + ("\n" if ends[0] else ""))
            if edits:
                _report(edits, name, report)
    return 0


def _report(edits: list, name: str, report) -> None:
    import orjson

    for e in edits:
        if report is None:
            print(f"{name}:{e.line}:{e.column}: {e.step}/{e.reason} {e.before!r} -> {e.after!r}", file=sys.stderr)
        else:
            report.write(orjson.dumps({"file": name, "line": e.line, "column": e.column, "step": e.step,
                                       "reason": e.reason, "before": e.before, "after": e.after},
                                      option=orjson.OPT_APPEND_NEWLINE))


def _report_html(args: argparse.Namespace) -> int:
    from taosha.report.html import build_report

    if args.per_rule < 0:
        raise _usage("--per-rule must be 0 or more")
    print(build_report(Path(args.output), Path(args.html) if args.html else None, args.per_rule))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from taosha.report.inspect import inspect_document, inspect_run

    out = Path(args.output)
    if not (out / "run.json").exists():
        from taosha.errors import InputError

        raise InputError(f"{out} is not a taosha output folder (no run.json)")
    if args.doc_id:
        return inspect_document(out, args.doc_id)
    return inspect_run(out, args.limit)


if __name__ == "__main__":
    raise SystemExit(main())
