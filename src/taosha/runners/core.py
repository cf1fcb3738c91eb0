"""What every runner shares: planning a run, processing one unit, the two-pass protocol, the stats.

A runner only decides *where* `process_unit` and `observe_unit` execute (this process, worker
processes, a Ray cluster); everything that determines the output lives here, so every runner
produces the same bytes.

Layout of an output folder:
    run.json          inputs, units and resolved configuration (checked on resume)
    pipeline.toml     the resolved configuration, reusable with --config
    kept/ dropped/ quarantine/   part-NNNNN.jsonl.zst shards
    _done/part-NNNNN.json        completion marker + counters (and CPU time) of each unit
    _done/time/count-KK-STEP.json  CPU time of the counting pass of two-pass step KK, once it is prepared
    _state/           two-pass statistics, pass-1 spill files while a step prepares, and the stage: the
                      documents as they stand before the last two-pass step (deleted at the end)
    reports/<step>.json  what a two-pass step found (dedup clusters...)
    reports/sample.json  the bounded sample the HTML report is built from (report/sample.py)
    stats.json        the run's accounting, written when every unit is done
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import io
import os
import pickle
import queue
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from time import process_time
from typing import Any, cast

import orjson

from taosha.config import PipelineConfig
from taosha.document import Document, from_columns, to_columns
from taosha.errors import OutputError
from taosha.io.readers import RAW_HEAD, Quarantine, Unit, discover_all, plan_units, read_unit, row_group_bytes
from taosha.io.writers import (
    DONE,
    SINKS,
    PendingCommit,
    ShardWriter,
    UnwritableRecord,
    atomic_write,
    is_done,
    prepare_out,
    read_marker,
)
from taosha.report.sample import RunSample, merge_samples, thresholds_of
from taosha.report.stats import Counters, build_stats, build_timing, check_accounting, merge
from taosha.runners import trace
from taosha.step import CorpusStep, Step, run_batch

# (documents, bytes) since the last call, in every pass; an object with `phase(name, total_bytes)` is also told
# when each pass begins (the counting pass of each two-pass step, then the main pass)
Progress = Callable[[int, int], None]
MAIN_PASS = "main"
# the layout of OUT/_state (which passes stage, what a stage holds): a run left by a taosha with another layout is
# refused on resume rather than read wrongly. 2: no stage before a two-pass step where the steps before it are
# cheap on the input (`_cheap`); a taosha of layout 1 resuming such a run looked for a stage that was never written
RUN_FORMAT = 2


@dataclass
class Plan:
    out: Path
    config: PipelineConfig
    units: list[Unit]
    skipped: list[str]
    special: list[str] = field(default_factory=list)  # FIFOs, devices, sockets in the input folders: not read
    lock: int = -1  # the fd holding OUT/.lock (the driver's; workers never use it)
    # collect the HTML report's sample (report/sample.py): `--no-report` does not, and writes no
    # reports/sample.json (a tenth of a default run's CPU on short documents, for a page nobody asked for)
    sample: bool = True

    def unit_bytes(self, unit: Unit) -> int:
        if unit.kind == "parquet" and (unit.start or unit.end >= 0):  # row groups [start, end)
            return row_group_bytes(unit)
        if unit.end >= 0:
            return unit.end - unit.start
        if unit.group:
            return sum(max(0, _size(p)) for p in unit.files)
        try:
            return os.path.getsize(unit.path) - unit.start
        except OSError:
            return 0

    def release(self) -> None:
        """Let another run write to OUT."""
        if self.lock >= 0:
            os.close(self.lock)
            self.lock = -1


LOCK = ".lock"


def identity(config: PipelineConfig) -> str:
    """The configuration as it decides the output: where and on how many workers it runs does not."""
    same = dataclasses.replace(config, runner=dataclasses.replace(config.runner, workers=0, kind="local", address=""))
    return same.to_toml()


def plan_run(
    inputs: list[str], out: str | Path, config: PipelineConfig, *, overwrite: bool = False, sample: bool = True
) -> Plan:
    """Find the input, cut it into units and claim the output folder (or check it for a resume).

    The folder is locked (`OUT/.lock`, an advisory `flock`) until `Plan.release`: a second run into the same
    folder fails at once instead of racing the first for its files."""
    config.output.check()
    files, skipped, special = discover_all(inputs)
    units = plan_units(files, config.input.chunk_bytes)
    out = Path(out)
    manifest = {
        "format": RUN_FORMAT,
        "inputs": [{"path": f, "size": _size(f)} for f in files],
        "units": [u.to_json() for u in units],
        "config": identity(config),
    }
    blob = orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    run_json = out / "run.json"
    check_out(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    lock = _lock(out)
    try:
        if run_json.exists():
            if overwrite:
                _clear(out)
            elif run_json.read_bytes() != blob:
                raise OutputError(
                    f"{out} holds the output of a different run (other inputs or configuration, or a taosha "
                    "version that lays out its state differently). "
                    "Choose a new output folder, or pass --overwrite to replace it."
                )
        try:
            prepare_out(out)
            atomic_write(run_json, blob)
            atomic_write(out / "pipeline.toml", config.to_toml().encode())
        except OSError as exc:
            raise OutputError(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    except BaseException:
        os.close(lock)
        raise
    return Plan(out, config, units, skipped, special, lock, sample)


def check_out(out: Path) -> None:
    """Refuse an output folder that is a file, or that holds something other than a taosha run."""
    run_json = out / "run.json"
    if out.exists() and not out.is_dir():
        raise OutputError(f"output {out} exists and is not a directory")
    if (not run_json.exists() and not (out / LOCK).exists() and out.exists()
            and any(p.name != INPUT_COPY for p in out.iterdir())):
        raise OutputError(
            f"{out} is not empty and holds no taosha run (no run.json); refusing to write into it. "
            "Choose a new or empty output folder."
        )


INPUT_COPY = "_input"  # in-memory input (records, a Hugging Face dataset) written as a file: taosha.io.memory


def _lock(out: Path) -> int:
    import fcntl

    try:
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot write to output folder {out}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise OutputError(
            f"another taosha run is writing to {out} (it holds {out / LOCK}); wait for it to finish, or "
            "choose another output folder"
        ) from None
    return fd


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return -1


def _clear(out: Path) -> None:
    for d in (*SINKS, DONE, "_state", "reports"):
        shutil.rmtree(out / d, ignore_errors=True)
    for f in ("stats.json", "run.json", "pipeline.toml", "report.html"):
        (out / f).unlink(missing_ok=True)


def setup_steps(steps: list[Step]) -> None:
    for s in steps:
        s.setup()


# documents run through the steps in batches (see Step.process_batch): big enough to pay a numpy call once for
# many documents, small enough to keep memory flat (BATCH_CHARS bounds a batch of long ones). 256, not 64: on
# 66,000 short reviews the batched steps' fixed numpy costs per call were a fifth of filter.quality's time; 1,024, not
# 256: repair.mojibake's gate runs on the tenth of a batch its first lookup cannot clear (a few dozen numpy calls for
# ~25 reviews): its instructions on 20,000 real reviews -12% (docs/benchmarks.md), the output identical
BATCH_DOCS = 1024
BATCH_CHARS = 1 << 20


def run_stream(
    steps: list[Step], items: Iterator[Any], start: int = 0, *, catch: bool,
    on_split: Callable[[str, int], None] | None, times: list[float] | None = None,
) -> Iterator[Any]:
    """Every output of `steps[start:]` over `items`, in input order; quarantined input passes through (it goes to
    its own shards, so its place among the documents does not matter)."""
    batch: list[Document] = []
    chars = 0
    for item in items:
        cls = item.__class__
        if cls is Quarantine:
            yield item
            continue
        batch.append(item)  # a `Settled` too: a dropped document, which run_batch passes on where it stands
        chars += item.chars if cls is Settled else len(item.text)
        if len(batch) >= BATCH_DOCS or chars >= BATCH_CHARS:
            yield from run_batch(steps, batch, start, catch=catch, on_split=on_split, times=times)
            batch, chars = [], 0
    if batch:
        yield from run_batch(steps, batch, start, catch=catch, on_split=on_split, times=times)


def process_unit(
    plan: Plan, steps: list[Step], unit: Unit, progress: Progress | None = None, start: int = 0
) -> tuple[dict[str, int], PendingCommit]:
    """Read one unit, run the steps and write its shards; return its counters and the pending commit.

    With `start` > 0 the unit is read from the stage saved before step `start` (see `Stage`) and only
    `steps[start:]` run. The caller finalizes the commit (fsync, rename, marker), in any process: see
    `Committer`.
    """
    began = process_time()
    times = [0.0] * len(steps)
    counters = Counters()
    counters["bytes_in"] = plan.unit_bytes(unit)
    counters["files"] = len(unit.files) if unit.start == 0 else 0
    if not steps and not start:
        return _copy_unit(plan, unit, progress, counters, began)
    catch = plan.config.runner.on_error != "abort"
    writer = _writer(plan, unit)
    # the HTML report's bounded sample (report/sample.py), unless the run makes no report: going on from the stage's,
    # which holds its settled documents (see `Settled`), where it has one
    sample = RunSample.for_steps(steps) if plan.sample else None
    staged = Stage(plan.out, start, unit).sample(sample) if sample is not None and start else None
    told = _UnitProgress(progress, counters["bytes_in"]) if progress is not None else None
    try:
        docs = run_stream(steps, _unit_items(plan, unit, start, counters, told), start, catch=catch,
                          on_split=counters.record_split, times=times)
        if staged is not None:
            sample = staged
        _write_documents(docs if sample is None else _sampled(sample, docs, settled=staged is None), writer,
                         counters)
        pending = writer.close({"unit": unit.to_json(), "counters": dict(sorted(counters.items()))})
        if sample is not None:
            pending.marker["sample"] = sample.to_json()
        pending.marker["time"] = _pass_time(MAIN_PASS, began, steps, times)
    except BaseException:
        writer.abort()
        raise
    if told is not None:
        told.done(counters["records_in"])
    return dict(counters), pending


def _unit_items(
    plan: Plan, unit: Unit, start: int, counters: Counters, told: _UnitProgress | None, settled: bool = True
) -> Iterator[Document | Quarantine]:
    """A unit's documents and quarantine records as a pass reads them: from the input (counted in `counters`),
    or from the stage saved before step `start` (without its settled items unless `settled`: see `Stage`);
    `told` hears how far the reading went."""
    if start:
        items = Stage(plan.out, start, unit).read(counters, told.fraction if told else None, settled=settled)
        return told.count(items) if told else items

    def on_bytes(nbytes: int) -> None:  # the input reader tells bytes; the documents are counted
        assert told is not None
        told.docs = counters["records_in"]
        told.fraction((told.reported_bytes + nbytes) / max(1, told.unit_bytes))

    return _counted_in(read_unit(unit, plan.config.input, on_bytes if told else None, counters), counters)


def _sampled(sample: RunSample, items: Iterator[Any], settled: bool = True) -> Iterator[Any]:
    """`items` unchanged, each document among them taken into the report's sample on its way; `settled`: the
    settled ones too (a stage without a sample, written by a run without a report: read back as documents, written
    as they are), else they are in `sample` already (see `Settled`)."""
    add = sample.add
    for item in items:
        cls = item.__class__
        if cls is Document:
            add(item)
        elif cls is Settled and settled:
            add(item.document())
        yield item


def _write_documents(docs: Iterator[Any], writer: ShardWriter, counters: Counters) -> None:
    """The main pass's sink: each document to its shard (kept, dropped, quarantine), counted."""
    write, to_line = writer.write, writer.line
    kept_sink = writer.sink("kept")
    kept_pending, flush_kept = kept_sink.pending, kept_sink.flush
    # the per-document path: plain locals, no per-document counter lookups for the kept ones
    kept = chars_kept = 0
    for doc in docs:
        cls = doc.__class__
        if cls is Settled:  # dropped before the stage, its line made then
            writer.write_line("dropped", doc.line)
            for key, n in doc.counts.items():  # not `Counter.update`: its checks cost more than these few keys
                counters[key] += n
        elif cls is Quarantine:
            counters.record_quarantine(doc.error)
            write("quarantine", doc.to_record())
        elif doc.dropped is None:
            try:
                line = to_line(doc.to_record())  # the hot path: no lookups
            except UnwritableRecord as exc:
                _quarantine_unwritable(writer, counters, doc.to_record(), exc)
                continue
            if doc.edits:
                counters.record_edits(doc)
            kept += 1
            chars_kept += len(doc.text)
            kept_pending.append(line)
            if len(kept_pending) >= kept_sink.look:
                flush_kept()
        else:
            try:
                write("dropped", doc.to_record())
            except UnwritableRecord as exc:
                _quarantine_unwritable(writer, counters, doc.to_record(), exc)
                continue
            counters.record_out(doc)
    counters.update({"kept": kept, "chars_kept": chars_kept})


def _copy_unit(
    plan: Plan, unit: Unit, progress: Progress | None, counters: Counters, began: float
) -> tuple[dict[str, int], PendingCommit]:
    """A pass with no step: the reader builds the output records and this loop only counts and writes them. Kept
    apart from `process_unit` because it is the framework's own overhead (bench/bench_overhead.py)."""
    writer = _writer(plan, unit)
    records = kept = chars_kept = 0
    reported_docs = reported_bytes = 0

    def on_bytes(nbytes: int) -> None:
        nonlocal reported_docs, reported_bytes
        assert progress is not None
        progress(records - reported_docs, nbytes)
        reported_docs, reported_bytes = records, reported_bytes + nbytes

    write, to_line = writer.write, writer.line
    kept_sink = writer.sink("kept")
    kept_pending, flush_kept = kept_sink.pending, kept_sink.flush
    sample = RunSample.for_steps([]) if plan.sample else None
    try:
        text_of = itemgetter("text")
        for item in read_unit(unit, plan.config.input, on_bytes if progress else None, counters, records=True):
            if isinstance(item, Quarantine):
                records += 1
                counters.record_quarantine(item.error)
                write("quarantine", item.to_record())
                continue
            recs = cast(list[dict[str, Any]], item)  # records=True: a list of output records
            records += len(recs)
            try:
                lines = list(map(to_line, recs))
            except UnwritableRecord:  # one record no writer takes: record by record, the slow way
                lines = []
                for rec in recs:
                    try:
                        lines.append(to_line(rec))
                    except UnwritableRecord as exc:
                        _quarantine_unwritable(writer, counters, rec, exc)
                        recs = [r for r in recs if r is not rec]
            kept += len(recs)
            chars_kept += sum(map(len, map(text_of, recs)))
            kept_pending.extend(lines)
            if len(kept_pending) >= kept_sink.look:
                flush_kept()
        counters.update({"records_in": records, "chars_in": chars_kept, "kept": kept, "chars_kept": chars_kept})
        pending = writer.close({"unit": unit.to_json(), "counters": dict(sorted(counters.items()))})
        if sample is not None:
            pending.marker["sample"] = sample.to_json()
        pending.marker["time"] = _pass_time(MAIN_PASS, began, [], [])
    except BaseException:
        writer.abort()
        raise
    if progress is not None:
        progress(counters["records_in"] - reported_docs, max(0, counters["bytes_in"] - reported_bytes))  # all in
    return dict(counters), pending


def _pass_time(name: str, began: float, steps: list[Step], times: list[float]) -> dict[str, Any]:
    """Process CPU time of one unit in pass `name`: in all, and in each step (by name). Kept out of the counters:
    times differ from run to run, the counters must not."""
    return {"pass": name, "seconds": process_time() - began, "steps": _by_name(steps, times)}


def _by_name(steps: list[Step], times: list[float]) -> dict[str, float]:
    by_step: dict[str, float] = {}
    for step, t in zip(steps, times, strict=True):
        if t:
            by_step[step.name] = by_step.get(step.name, 0.0) + t
    return by_step


class _UnitProgress:
    """Progress within a unit read from somewhere other than the input (a stage): documents as they come,
    bytes in proportion to how far the stage was read, the rest when the unit is done."""

    def __init__(self, progress: Progress, unit_bytes: int) -> None:
        self.progress, self.unit_bytes = progress, unit_bytes
        self.docs = self.reported_docs = self.reported_bytes = 0

    def count(self, items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            self.docs += 1
            yield item

    def fraction(self, share: float) -> None:
        nbytes = min(self.unit_bytes, int(share * self.unit_bytes))
        self.progress(self.docs - self.reported_docs, max(0, nbytes - self.reported_bytes))
        self.reported_docs, self.reported_bytes = self.docs, max(nbytes, self.reported_bytes)

    def done(self, docs: int) -> None:
        self.progress(max(0, docs - self.reported_docs), max(0, self.unit_bytes - self.reported_bytes))


def _writer(plan: Plan, unit: Unit) -> ShardWriter:
    return ShardWriter(plan.out, unit.name, fmt=plan.config.output.format, edits=plan.config.output.edits)


def _quarantine_unwritable(writer: ShardWriter, counters: Counters, record: dict[str, Any], exc: Exception) -> None:
    """A document whose record no JSON writer can serialise: quarantined with what it held, as text."""
    raw = repr(record).encode("utf-8", "backslashreplace")
    q = Quarantine(record.get("source") or {}, "unwritable", str(exc)[:2000], raw[:RAW_HEAD], len(raw))
    counters.record_quarantine(q.error)
    writer.write("quarantine", q.to_record())


class Stage:
    """The documents of one unit as they stand before step `k` (dropped ones and quarantined input included,
    in output order), with the counters of what produced them: written by the pass that observes for the
    two-pass step `k`, read by the next such pass and by the main pass, so no step runs twice on a document.

    Layout: `_state/stage-KK/UNIT.pkl.zst`, a zstd stream of pickled batches of the live documents and a last
    dict of counters; `UNIT.settled.pkl.zst`, the settled items (dropped documents, quarantined input: no step
    changes them again), each with the number of live documents before it. A counting pass that writes no new
    stage reads only the live ones (on real crawls most documents are dropped before the dedup steps); the main
    pass reads both, merged back into the same order.
    """

    BATCH = 256

    def __init__(self, out: Path, k: int, unit: Unit) -> None:
        self.path = out / "_state" / f"stage-{k:02d}" / f"{unit.name}.pkl.zst"
        self.settled_path = self.path.with_name(f"{unit.name}.settled.pkl.zst")
        self.sample_path = self.path.with_name(f"{unit.name}.sample.pkl")

    def sample(self, expected: RunSample) -> RunSample | None:
        """The report sample of the stage's settled documents (`UNIT.sample.pkl`, see `Settled`), when the pass that
        wrote the stage took one, with the thresholds `expected` has; else None (a stage from a run without a
        report: its settled lines are read back as documents for the sample)."""
        try:
            staged = pickle.loads(self.sample_path.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None  # (none, or not readable: the settled lines are read back, which is always right)
        if not isinstance(staged, RunSample) or not staged.same_layout(expected):
            return None  # another version's sample (a run resumed after an upgrade), or other thresholds
        return staged

    def read(
        self, counters: Counters, progress: Callable[[float], None] | None = None, *, settled: bool = True
    ) -> Any:
        """Yield the staged items (without the settled ones when `settled` is false); add the stage's counters
        to `counters` once they are all read. `progress` is told, batch by batch, the share of the stage file
        read so far."""
        live = self._read(self.path, counters, progress)
        if not settled:
            yield from live
            return
        before = 0  # live documents yielded so far
        # a stage written before settled items had a file of their own holds every item in the live one
        pending = self._read(self.settled_path, None, None) if self.settled_path.exists() else iter(())
        nxt = next(pending, None)
        for item in live:
            while nxt is not None and nxt[0] == before:
                yield nxt[1]
                nxt = next(pending, None)
            yield item
            before += 1
        while nxt is not None:
            yield nxt[1]
            nxt = next(pending, None)

    @staticmethod
    def _read(path: Path, counters: Counters | None, progress: Callable[[float], None] | None) -> Iterator[Any]:
        import zstandard

        size = max(1, os.path.getsize(path))
        with open(path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as raw:
            # pickle reads a frame header, then the frame, then the next: through a buffer, not a call into the
            # decompressor each (a third of the stage's reading time)
            buffered = io.BufferedReader(raw, 1 << 18)
            while True:
                batch = pickle.load(buffered)
                if isinstance(batch, dict):
                    if counters is not None:
                        counters.update(batch)
                    return
                if batch.__class__ is tuple:  # a batch of live documents as columns (see `_PickleStream`)
                    yield from from_columns(batch)
                else:
                    yield from batch
                if progress is not None:
                    progress(fh.tell() / size)

    def writer(self, lines: ShardWriter | None = None, sample: RunSample | None = None) -> _StageWriter:
        return _StageWriter(self.path, self.settled_path, lines, sample, self.sample_path)


class Settled:
    """A dropped document in a stage, as the main pass will write it: its output line (`ShardWriter.line`) and what
    it adds to the counters (`Counters.record_out`). No step changes a dropped document again, and a stage's
    dropped documents are most of a real crawl's (short reviews, boilerplate pages): pickling a line instead of a
    `Document` (with its signals), once or more, then rebuilding and serialising it in the main pass, was a
    tenth of a default run's CPU. Where the run collects a report sample, a dropped document is taken into it as it
    is settled, and the stage keeps that sample (`Stage.sample`) for the next pass to go on with, instead of staging
    the documents themselves for the main pass to sample (7.7% of the report's instructions on a tenth of
    bench_real.py's corpus; most of the rest is `RunSample.add`). `document()` rebuilds one from its line where a
    stage has no sample (written by a run without a report, resumed with one): slower than staging documents."""

    __slots__ = ("chars", "counts", "line")
    dropped = True  # what run_batch and the stage look at: not live

    def __init__(self, line: bytes, counts: dict[str, int], chars: int) -> None:
        self.line, self.counts, self.chars = line, counts, chars  # chars: len(text), for the batches' bounds

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return Settled, (self.line, self.counts, self.chars)

    def document(self) -> Document:
        from taosha.io.writers import decode_record

        return Document.from_record(decode_record(orjson.loads(self.line)))

    @staticmethod
    def of(doc: Document, lines: ShardWriter) -> Settled | Document:
        try:
            line = lines.line(doc.to_record())
        except UnwritableRecord:  # the main pass quarantines it, as it would have
            return doc
        return Settled(line, Counters.of_out(doc), len(doc.text))


class _StageWriter:
    def __init__(
        self, path: Path, settled: Path, lines: ShardWriter | None = None, sample: RunSample | None = None,
        sample_path: Path | None = None,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._live = _PickleStream(path, columns=True)
        self._settled = _PickleStream(settled)
        self._before = 0  # live documents put so far
        self._lines = lines  # makes the output lines of dropped documents (see `Settled`), when given
        # the report sample of the settled documents (see `Settled`): every one settled here is taken into it, those
        # settled before it already are (it goes on from the stage read); kept beside the stage where given, and any
        # older one removed now (a stage without one is read back for the sample)
        self._sample, self._sample_path = sample, sample_path
        if sample_path is not None:
            sample_path.unlink(missing_ok=True)

    def put(self, item: Any) -> None:
        cls = item.__class__
        if cls is Quarantine or item.dropped is not None:
            if cls is Document and self._lines is not None:
                settled = Settled.of(item, self._lines)
                if self._sample is not None and settled is not item:  # (an unwritable one stays for the main pass)
                    self._sample.add(item)
                item = settled
            self._settled.put((self._before, item))
        else:
            self._live.put(item)
            self._before += 1

    def close(self, counters: dict[str, int]) -> None:
        # the sample and the settled file are complete before the live one (whose presence says the stage is) is
        # renamed
        if self._sample is not None and self._sample_path is not None:
            atomic_write(self._sample_path, pickle.dumps(self._sample, protocol=pickle.HIGHEST_PROTOCOL))
        self._settled.close({})
        self._live.close(dict(counters))

    def abort(self) -> None:
        self._settled.abort()
        self._live.abort()


# zstd's level for the stages (temporary files, read back by this run or the run resuming it). A fast negative
# level, not 1: a stage is written once and its live part read twice, and on the real corpora level -5 took half
# of level 1's CPU each way for files about a third larger (the settled output lines compress well either way)
STAGE_LEVEL = -5


class _PickleStream:
    """A zstd stream of pickled batches, ended by a dict; written under a temporary name, durable, then renamed
    (a file is complete or absent)."""

    def __init__(self, path: Path, columns: bool = False) -> None:
        import zstandard

        self.path, self.tmp = path, path.with_name(path.name + ".tmp")
        self._fh = open(self.tmp, "wb")
        self._z = zstandard.ZstdCompressor(level=STAGE_LEVEL).stream_writer(self._fh, closefd=False)
        self._batch: list[Any] = []
        self._columns = columns  # batches of plain documents pickled as columns (`document.to_columns`)

    def put(self, item: Any) -> None:
        self._batch.append(item)
        if len(self._batch) >= Stage.BATCH:
            self._dump()

    def _dump(self) -> None:
        batch: Any = self._batch
        if self._columns and all(d.__class__ is Document for d in batch):
            batch = to_columns(batch)  # a tuple: `Stage._read` tells it from a list of items
        pickle.dump(batch, self._z, protocol=pickle.HIGHEST_PROTOCOL)
        self._batch = []

    def close(self, last: dict[str, int]) -> None:
        if self._batch:
            self._dump()
        pickle.dump(last, self._z, protocol=pickle.HIGHEST_PROTOCOL)
        self._z.close()
        self._fh.flush()
        os.fsync(self._fh.fileno())  # durable before the prepared step (written after every unit) says it is
        self._fh.close()
        os.replace(self.tmp, self.path)  # the pass's .pkl marks them all done

    def abort(self) -> None:
        self._z.close()
        self._fh.close()
        self.tmp.unlink(missing_ok=True)


class _NoStage:
    def put(self, item: Any) -> None:
        pass

    def close(self, counters: dict[str, int]) -> None:
        pass

    def abort(self) -> None:
        pass


class Committer:
    """Finalizes pending commits in a background thread of the driver, in the order they arrive.

    fsync releases the GIL, so making one unit durable overlaps with processing the next, and parallel
    workers do not queue on the disk one behind the other.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[PendingCommit | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="taosha-commit", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    item.finalize()
                except BaseException as exc:
                    self._error = exc

    def submit(self, pending: PendingCommit) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(pending)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def observe_unit(
    plan: Plan, steps: list[Step], corpus: CorpusStep, unit: Unit, workdir: Path, start: int, stage: int,
    progress: Progress | None = None, times: list[float] | None = None, thresholds: list[dict[str, Any]] | None = None,
) -> Any:
    """Pass 1 of a two-pass step over one unit: run `steps[start:]` (those before it) on the unit as staged
    before step `start` (from the input when `start` is 0), `observe`, and, when `stage` is the step's
    index (not 0), save the documents as the stage before it.

    A document on which `observe` raises (unless `runner.on_error` is `abort`) is left out of the step's
    statistics: the unit's pass starts over without it, since the failed call may have half-changed the
    state. Pass 2 then runs the step's `process` on it like on any other document (a raise there drops it
    with `step_error`).

    `times`, where given, gets the process CPU time of each of `steps` and, last, of the two-pass step.
    `thresholds`: the whole pipeline's (`report.sample.thresholds_of`), with which the documents settled in the stage
    are taken into a report sample there (see `Settled`), where the run collects one."""
    catch = plan.config.runner.on_error != "abort"
    skip: set[int] = set()
    while True:
        try:
            return _observe_once(plan, steps, corpus, unit, workdir, start, stage, skip, progress, times, thresholds)
        except _ObserveFailed as failed:
            if not catch or not failed.positions or failed.positions <= skip:
                raise failed.error from None
            skip |= failed.positions


class _ObserveFailed(Exception):
    def __init__(self, error: BaseException, positions: set[int]) -> None:
        self.error, self.positions = error, positions


def _observe_once(
    plan: Plan, steps: list[Step], corpus: CorpusStep, unit: Unit, workdir: Path, start: int, stage: int,
    skip: set[int], progress: Progress | None, times: list[float] | None, thresholds: list[dict[str, Any]] | None,
) -> Any:
    state = corpus.new_state()
    catch = plan.config.runner.on_error != "abort"
    counters = Counters()
    times = times if times is not None else [0.0] * (len(steps) + 1)
    times[:] = [0.0] * (len(steps) + 1)  # a retry (see observe_unit) counts once
    told = _UnitProgress(progress, plan.unit_bytes(unit)) if progress is not None else None
    # dropped documents staged as output lines (`Settled`), taken into the report sample as they are where the run
    # collects one, going on from the sample of the stage read (which holds those settled before); where that stage
    # has none, its settled lines will be read back for the sample, and the documents dropped here are staged whole
    sample = None
    if plan.sample and stage and thresholds is not None:
        fresh = RunSample(thresholds)
        sample = Stage(plan.out, start, unit).sample(fresh) if start else fresh
    lines = None if plan.sample and sample is None else ShardWriter(
        plan.out, unit.name, fmt=plan.config.output.format, edits=plan.config.output.edits)
    out = Stage(plan.out, stage, unit).writer(lines, sample) if stage else _NoStage()
    try:
        # a pass that stages nothing observes and passes on only live documents: the settled ones stay unread
        items = _unit_items(plan, unit, start, counters, told, settled=bool(stage))
        seen: list[Document] = []
        at: list[int] = []  # position of each of `seen` among the observed documents
        n = chars = 0  # (chars: of `seen`, bounded as a batch is: BATCH_CHARS)

        def observe() -> Any:
            t0 = process_time()
            try:
                return corpus.observe_batch(seen, state)
            except Exception as exc:  # which documents: each tried alone on a scratch state
                bad = set()
                for pos, doc in zip(at, seen, strict=True):
                    try:
                        corpus.observe(doc, corpus.new_state())
                    except Exception:
                        bad.add(pos)
                raise _ObserveFailed(exc, bad) from None
            finally:
                times[-1] += process_time() - t0

        for doc in run_stream(steps, items, start, catch=catch, on_split=counters.record_split, times=times):
            if doc.__class__ is not Quarantine and doc.dropped is None:
                if n not in skip:
                    seen.append(doc)
                    at.append(n)
                    chars += len(doc.text)
                n += 1
                if len(seen) >= BATCH_DOCS or chars >= BATCH_CHARS:
                    state = observe()
                    seen, at, chars = [], [], 0
            out.put(doc)
        state = observe()
        out.close(counters)
    except BaseException:
        out.abort()
        raise
    if told is not None:
        told.done(counters["records_in"])
    t0 = process_time()
    try:
        return corpus.finish_unit(state, workdir, unit.index)
    finally:
        times[-1] += process_time() - t0


def _counted_in(items: Iterator[Any], counters: Counters) -> Iterator[Any]:
    for item in items:
        counters["records_in"] += 1
        if item.__class__ is not Quarantine:
            counters["chars_in"] += len(item.text)
        yield item


GC_YOUNG = 10_000  # the collector's youngest threshold during a run (see `execute`)

OnResult = Callable[[int, Any], None]
MapUnits = Callable[[Callable[..., Any], list[Unit], Progress | None, OnResult | None], list[Any]]


def execute(plan: Plan, map_units: MapUnits, progress: Progress | None = None) -> dict[str, Any]:
    """Run the whole plan with `map_units(fn, units, progress, on_result)`, which applies `fn(unit)`
    somewhere, calls `on_result(i, result)` in this process as each unit finishes, and returns the results
    in unit order. Returns the stats (also written to stats.json)."""
    traced = trace.start()  # TAOSHA_TRACE: where the run's time goes (runners/trace.py); None when unset
    thresholds = gc.get_threshold()
    # a batch of documents (256, each with its signals dict) is tens of thousands of young objects alive at once:
    # at the default youngest threshold (700) the collector walked them many times over and promoted most to the
    # older generations, to be walked again (0.16 s of a default run's CPU on bench_real.py's 66,000 documents,
    # 0.04 s with this).
    # Forked workers inherit it; the caller's setting is back once the run ends
    if thresholds[0]:  # 0: the caller turned collection off, and it stays off
        gc.set_threshold(max(thresholds[0], GC_YOUNG), *thresholds[1:])
    try:
        return _execute(plan, map_units, progress, traced)
    finally:
        gc.set_threshold(*thresholds)
        trace.stop()


def _execute(plan: Plan, map_units: MapUnits, progress: Progress | None, traced: trace.Trace | None) -> dict[str, Any]:
    if traced is not None:
        traced.phase("set-up")
    steps = plan.config.build()
    staged = 0  # the step before which the units were last staged (0: read the input)
    finished = all(is_done(plan.out, u.name) for u in plan.units)  # a rerun of a finished run: nothing to prepare
    passes = sum(isinstance(s, CorpusStep) for s in steps) + 1
    kinds = {u.kind for u in plan.units} | {kind for u in plan.units for _, kind, _ in u.group}
    phase = getattr(progress, "phase", None)
    at = 0
    for k, step in enumerate(steps):
        if isinstance(step, CorpusStep) and not finished:
            at += 1
            stage = not all(_cheap(s, kinds) for s in steps[staged:k])  # else re-running them beats a stage
            steps[k] = _prepare_corpus_step(plan, steps, k, staged, stage, map_units, progress, f"pass {at}/{passes}")
            if stage:
                if staged:  # the stage before `k` replaces the one it was made from
                    shutil.rmtree(plan.out / "_state" / f"stage-{staged:02d}", ignore_errors=True)
                staged = k
    todo = [u for u in plan.units if not is_done(plan.out, u.name)]
    if phase is not None:
        phase(f"pass {passes}/{passes} {MAIN_PASS}" if passes > 1 else "cleaning",
              sum(plan.unit_bytes(u) for u in todo))
    if todo:
        if traced is not None:
            traced.phase(f"{MAIN_PASS}: units")
        committer = Committer()
        try:
            map_units(_ProcessFn(plan, steps, staged), todo, progress, lambda _, result: committer.submit(result[1]))
        finally:
            committer.close()
    if traced is not None:
        traced.phase("finish")
    stats = finish(plan)
    # every unit is done: the two-pass steps' statistics and stages are needed by no resume
    shutil.rmtree(plan.out / "_state", ignore_errors=True)
    return stats


def _cheap(step: Step, kinds: set[str]) -> bool:
    """Whether running `step` again costs no more than a stage, on an input of these kinds: `extract.html` passes
    JSONL documents untouched. Before `clean.frequent_lines` on bench_real's 20 MB of JSONL, reading the input
    again and re-running the three steps before it costs about the CPU of writing and reading back a stage of
    every document (0.4% more instructions), and spares the disk 14 MB written, fsynced and read."""
    # a user's step may have a field of that name (a tuple, say): only the class attribute's type is trusted
    own = step.input_kinds
    return step.cheap is True or (isinstance(own, frozenset) and not own & kinds)


def _prepare_corpus_step(
    plan: Plan, steps: list[Step], k: int, staged: int, stage: bool, map_units: MapUnits,
    progress: Progress | None = None, label: str = "",
) -> Step:
    corpus = steps[k]
    assert isinstance(corpus, CorpusStep)
    state_dir = plan.out / "_state"
    final = state_dir / f"step-{k:02d}-{corpus.name}.pkl"
    if final.exists():
        return pickle.loads(final.read_bytes())
    state_dir.mkdir(exist_ok=True)
    total = [corpus.new_state()]
    spent = _PassTime(f"counting for {corpus.name}")

    def merge(_: int, state: Any) -> None:  # as each unit's state arrives: one state in memory at a time
        total[0] = corpus.merge(total[0], spent.add(state))

    phase = getattr(progress, "phase", None)
    if phase is not None:
        phase(f"{label} count {corpus.name}", sum(plan.unit_bytes(u) for u in plan.units))
    workdir = state_dir / final.stem
    shutil.rmtree(workdir, ignore_errors=True)  # spill of an interrupted attempt: this pass redoes it all
    traced = trace.current()
    if traced is not None:
        traced.phase(f"count {corpus.name}: units")
    fn = _ObserveFn(plan, steps[:k], corpus, workdir, staged, k if stage else 0, thresholds_of(steps))
    # while the workers count, the driver sets up the next pass's steps (up to the next two-pass step): before,
    # it did so alone between the passes, the workers gone; they are forked set up, as before
    after = steps[k + 1 :]
    upto = next((j + 1 for j, s in enumerate(after) if isinstance(s, CorpusStep)), len(after))
    fn.meanwhile = functools.partial(setup_steps, after[:upto])
    map_units(fn, plan.units, progress, merge)
    while tasks := corpus.tasks(total[0]):  # rounds of work between the passes, spread like units
        if phase is not None:
            phase(f"{label} {corpus.name}: {len(tasks)} task(s)", None)
        if traced is not None:
            traced.phase(f"count {corpus.name}: {len(tasks)} task(s)")
        total[0] = corpus.gather(total[0], [spent.add(r) for r in map_units(_TaskFn(corpus), tasks, None, None)])
    if traced is not None:
        traced.phase(f"count {corpus.name}: prepare")
    began = process_time()  # the driver's share of the pass
    prepared = corpus.prepare(total[0])
    seconds = process_time() - began
    spent.add(_Timed(None, seconds, {corpus.name: seconds}))
    atomic_write(_time_path(plan.out, k, corpus.name), orjson.dumps(spent.to_json()))
    report = getattr(prepared, "report", None)
    if report:  # what the step learnt about the corpus (dedup clusters...), for people to read
        (plan.out / "reports").mkdir(exist_ok=True)
        atomic_write(plan.out / "reports" / f"{corpus.name}.json",
                     orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
    atomic_write(final, pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))
    shutil.rmtree(workdir, ignore_errors=True)  # pass-1 spill files: the prepared step holds what it needs
    return prepared


class _Timed:
    """A result from a worker with the process CPU time it took there: in all, and per step name."""

    __slots__ = ("read", "seconds", "steps", "value")

    def __init__(
        self, value: Any, seconds: float, steps: dict[str, float], read: tuple[int, int] | None = None
    ) -> None:
        # read: (documents, bytes) of a counting pass's unit, for a runner whose workers report no progress (Ray)
        self.value, self.seconds, self.steps, self.read = value, seconds, steps, read


def read_by(result: Any) -> tuple[int, int] | None:
    """(documents, bytes) a unit's result says it read, for a runner that reports progress as results arrive
    (Ray): a main-pass unit's counters, a counting pass's `_Timed.read`; None for other tasks."""
    if isinstance(result, tuple) and result and isinstance(result[0], dict):
        return result[0].get("records_in", 0), result[0].get("bytes_in", 0)
    return getattr(result, "read", None)


class _PassTime:
    """The CPU time of a pass, summed over its units and tasks as their results arrive in the driver."""

    def __init__(self, name: str) -> None:
        self.name, self.seconds, self.steps = name, 0.0, Counter[str]()

    def add(self, timed: _Timed) -> Any:
        self.seconds += timed.seconds
        self.steps.update(timed.steps)
        return timed.value

    def to_json(self) -> dict[str, Any]:
        return {"pass": self.name, "seconds": self.seconds, "steps": dict(self.steps)}


def _time_path(out: Path, k: int, name: str) -> Path:
    (out / DONE / "time").mkdir(parents=True, exist_ok=True)
    return out / DONE / "time" / f"count-{k:02d}-{name}.json"


class _ProcessFn:
    """Picklable `fn(unit, progress)` for runners; sets the steps up once per process."""

    def __init__(self, plan: Plan, steps: list[Step], start: int = 0) -> None:
        self.plan, self.steps, self.start, self._ready = plan, steps, start, False
        # what the driver may do while forked workers run this pass (runners/local.py), never in a worker
        self.meanwhile: Callable[[], None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"plan": self.plan, "steps": self.steps, "start": self.start, "_ready": False}

    def ready(self) -> None:
        if not self._ready:
            setup_steps(self._all_steps()[self.start :])  # steps before the stage never run here
            # the steps' tables and models live as long as the process: out of the collector's sight, so that
            # its full collections do not walk them again and again (a twentieth of a run's CPU time), and a
            # forked worker does not copy their pages by touching their headers
            gc.freeze()
            self._ready = True

    def _all_steps(self) -> list[Step]:
        return self.steps

    def __call__(self, unit: Unit, progress: Progress | None = None) -> Any:
        self.ready()
        return process_unit(self.plan, self.steps, unit, progress, self.start)


class _ObserveFn(_ProcessFn):
    def __init__(
        self, plan: Plan, steps: list[Step], corpus: CorpusStep, workdir: Path, start: int, k: int,
        thresholds: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(plan, steps, start)
        self.corpus, self.workdir, self.stage, self.thresholds = corpus, workdir, k, thresholds

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "corpus": self.corpus, "workdir": self.workdir, "stage": self.stage,
                "thresholds": self.thresholds}

    def _all_steps(self) -> list[Step]:
        return [*self.steps, self.corpus]

    def __call__(self, unit: Unit, progress: Progress | None = None) -> Any:
        self.ready()
        began = process_time()
        times = [0.0] * (len(self.steps) + 1)
        seen = [0, 0]

        def counted(docs: int, nbytes: int) -> None:  # the unit's progress, told now or with the result
            seen[0] += docs
            seen[1] += nbytes
            if progress is not None:
                progress(docs, nbytes)

        value = observe_unit(self.plan, self.steps, self.corpus, unit, self.workdir, self.start, self.stage, counted,
                             times, self.thresholds)
        return _Timed(value, process_time() - began, _by_name([*self.steps, self.corpus], times),
                      None if progress is not None else (seen[0], seen[1]))

    def fold(self, a: _Timed, b: _Timed) -> _Timed:
        """Two units' results as one, in a worker (see `LocalRunner.map_units`): their states merged (`merge` is
        commutative and associative: the driver's total is the same however the workers grouped them), their
        times and reads added."""
        steps = Counter(a.steps)
        steps.update(b.steps)
        read = None if a.read is None or b.read is None else (a.read[0] + b.read[0], a.read[1] + b.read[1])
        return _Timed(self.corpus.merge(a.value, b.value), a.seconds + b.seconds, dict(steps), read)


class _TaskFn:
    """Picklable `fn(task, progress)` running a two-pass step's between-passes tasks."""

    def __init__(self, corpus: CorpusStep) -> None:
        self.corpus, self._ready = corpus, False

    def __getstate__(self) -> dict[str, Any]:
        return {"corpus": self.corpus, "_ready": False}

    def ready(self) -> None:
        if not self._ready:
            self.corpus.setup()
            self._ready = True

    def __call__(self, task: Any, progress: Progress | None = None) -> Any:
        self.ready()
        began = process_time()
        value = self.corpus.run_task(task)
        seconds = process_time() - began
        return _Timed(value, seconds, {self.corpus.name: seconds})


def finish(plan: Plan) -> dict[str, Any]:
    """Merge the unit markers into stats.json and check that every record is accounted for."""
    missing = [u.name for u in plan.units if not is_done(plan.out, u.name)]
    if missing:
        raise OutputError(f"{len(missing)} unit(s) did not finish ({', '.join(missing[:5])}…); run again to resume")
    counters: list[dict[str, int]] = []

    times = [orjson.loads(p.read_bytes()) for p in sorted((plan.out / DONE / "time").glob("*.json"))]

    sampled = [0]

    def samples() -> Iterator[Any]:  # one marker in memory at a time: each holds the unit's report sample
        for u in plan.units:
            marker = read_marker(plan.out, u.name)
            counters.append(marker["counters"])
            if marker.get("time"):
                times.append(marker["time"])
            part = marker.get("sample")  # None from a run without a report, or a marker older than the report
            sampled[0] += part is not None
            yield part

    sample = merge_samples(samples())
    (plan.out / "reports").mkdir(exist_ok=True)
    if sampled[0] and plan.sample:
        atomic_write(plan.out / "reports" / "sample.json", orjson.dumps(sample))
    else:  # no unit collected one, or this run makes no report (--no-report, resuming a run that collected some)
        (plan.out / "reports" / "sample.json").unlink(missing_ok=True)
    total = merge(counters)
    stats = build_stats(total)
    stats["input"]["skipped_files"] = plan.skipped
    stats["input"]["special_files"] = plan.special
    stats["input"]["empty_files"] = total.get("empty_files", 0)
    # CPU time, which differs from run to run: everything else in stats.json is the same on every run
    stats["time_by_step"], stats["time_by_pass"] = build_timing(times)
    atomic_write(plan.out / "stats.json", orjson.dumps(stats, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    check_accounting(stats)
    return stats
