"""Output: shards (JSONL, zstd/gzip-compressed or plain, or Parquet), committed atomically, with a completion
marker per unit.

For unit `part-00007` the runner writes `kept/part-00007.jsonl.zst`, `dropped/…` and `quarantine/…`
(each only when it has records) under temporary names, fsyncs and renames them, and last writes
`_done/part-00007.json` holding the unit's counters. A unit whose marker exists is finished; anything
else it left behind is rewritten on the next run, so a killed run resumes to identical output.

Every format has one fixed record schema (docs/formats.md), so shards from different sources load together
(`datasets.load_dataset`, datatrove's readers, pyarrow): `id` and `text` are strings, and the objects whose keys
vary from source to source (`metadata`, `source`, `signals`, `parent`) and the edit log are JSON strings.
`iter_records` reads a shard of any format back into the records `Document.to_record()` gives.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson
import zstandard

SINKS = ("kept", "dropped", "quarantine")
DONE = "_done"
BATCH = 64  # lines between two looks at how much a sink holds (`_Sink.look`)
# a sink's lines are compressed once they reach this many bytes (and at its end): in a run, where the steps' work
# runs between two chunks, zstd took 0.43-0.58 s over the default pipeline's 80 MB of output lines fed 64 lines at
# a time (0.24-0.28 s for the same chunks alone); fed 1 MiB at a time, 0.24-0.33 s. The same bytes either way:
# zstd cuts its blocks where its own buffer fills, wherever the input's chunks end
FLUSH_BYTES = 1 << 20
SUFFIXES = {"jsonl.zst": ".jsonl.zst", "jsonl.gz": ".jsonl.gz", "jsonl": ".jsonl", "parquet": ".parquet"}
# fields written as JSON strings: their keys differ between sources (and the edit log, whose shape Arrow infers as
# list<null> from a shard without edits); a struct column would make shards of different sources fail to load together
JSON_FIELDS = ("metadata", "source", "signals", "edits", "edit_counts", "parent", "drop")
QUARANTINE_JSON_FIELDS = ("source",)
PARQUET_ROWS = 4096  # rows per Parquet row group


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never a part."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class PendingCommit:
    """A unit's written but not yet committed shards. Picklable: any process on the same file system may
    finalize it, so runners move the slow fsyncs off the workers' critical path."""

    marker_path: str
    files: list[tuple[str, str]]  # (temporary, final)
    marker: dict[str, Any]

    def finalize(self) -> None:
        for tmp, _ in self.files:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        for tmp, final in self.files:
            os.replace(tmp, final)
        for folder in sorted({os.path.dirname(final) for _, final in self.files}):
            _fsync_dir(Path(folder))
        # the marker goes last: a unit is finished only once its shards are durable under their final names
        atomic_write(Path(self.marker_path), orjson.dumps(self.marker, option=orjson.OPT_SORT_KEYS))


class UnwritableRecord(ValueError):
    """A record that no JSON writer can serialise; the runner quarantines its document."""


def to_json(value: Any) -> str:
    """Compact JSON text of a value (orjson; what it refuses, such as an integer beyond 64 bits, through the
    stdlib writer); `UnwritableRecord` when neither writes it."""
    try:
        return orjson.dumps(value).decode()
    except TypeError as exc:
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc2:
            raise UnwritableRecord(f"{exc}; {type(exc2).__name__}: {exc2}") from None


def encode_record(record: dict[str, Any], edits: str = "full") -> dict[str, Any]:
    """The output form of a `Document.to_record()` record: the fixed schema of every format.

    `edits` is the `[output] edits` setting: `full` keeps the log, `summary` replaces it with `edit_counts`
    (edits per `step/reason`), `none` leaves it out (`edits` is null: `restore_original` then says so)."""
    log = record.get("edits")
    parent = record.get("parent")
    out = {"id": record["id"], "text": record["text"], "metadata": to_json(record.get("metadata") or {}),
           "source": to_json(record.get("source") or {}), "signals": to_json(record.get("signals") or {})}
    if edits == "full":
        out["edits"] = to_json(log or [])
    else:
        out["edits"] = None
        if edits == "summary":
            counts: dict[str, int] = {}
            for e in log or ():
                key = f"{e['step']}/{e['reason']}"
                counts[key] = counts.get(key, 0) + 1
            out["edit_counts"] = to_json(counts)
        if parent is not None and "edits" in parent:
            parent = {**parent, "edits": None}
    out["parent"] = None if parent is None else to_json(parent)
    if "drop" in record:
        out["drop"] = to_json(record["drop"])
    return out


def fast_line(record: dict[str, Any], edits: str = "full") -> bytes:
    """`dump_record(encode_record(record, edits))`, byte for byte, built without the intermediate dict (the hot
    path); raises TypeError where orjson does, and the caller then takes the careful way.

    The fields written as JSON strings (metadata, source, signals, the edit log...) are escaped together: their
    JSON texts joined by a NUL byte (which orjson never writes: it escapes every control character), escaped by
    two `bytes.replace` over the whole, split again. Two calls a line instead of two a field."""
    dumps = orjson.dumps
    parent = record.get("parent")
    values = [record.get("metadata") or {}, record.get("source") or {}, record.get("signals") or {}]
    full = edits == "full"
    if full:
        values.append(record.get("edits") or [])
    else:
        if edits == "summary":
            counts: dict[str, int] = {}
            for e in record.get("edits") or ():
                key = f"{e['step']}/{e['reason']}"
                counts[key] = counts.get(key, 0) + 1
            values.append(counts)
        if parent is not None and "edits" in parent:
            parent = {**parent, "edits": None}
    if parent is not None:
        values.append(parent)
    drop = "drop" in record
    if drop:
        values.append(record["drop"])
    q = b"\0".join(map(dumps, values)).replace(b"\\", b"\\\\").replace(b'"', b'\\"').split(b"\0")
    parts = [b'{"id":', dumps(record["id"]), b',"text":', dumps(record["text"]), b',"metadata":"', q[0],
             b'","source":"', q[1], b'","signals":"', q[2]]
    k = 3
    if full:
        parts += (b'","edits":"', q[3], b'"')
        k = 4
    else:
        parts.append(b'","edits":null')
        if edits == "summary":
            parts += (b',"edit_counts":"', q[3], b'"')
            k = 4
    if parent is None:
        parts.append(b',"parent":null')
    else:
        parts += (b',"parent":"', q[k], b'"')
        k += 1
    if drop:
        parts += (b',"drop":"', q[k], b'"')
    parts.append(b"}\n")
    return b"".join(parts)


def encode_quarantine(record: dict[str, Any]) -> dict[str, Any]:
    """The output form of a quarantine record: its `source` as a JSON string, like the documents'."""
    return {**record, "source": to_json(record.get("source") or {})}


def decode_record(row: dict[str, Any]) -> dict[str, Any]:
    """A shard's record (of any format) as `Document.to_record()` gives it: the JSON strings parsed, the null
    fields of the fixed schema left out (`edits` stays, null, when the run kept no log)."""
    from taosha.io.readers import _loads_exact  # integers beyond 64 bits read back exactly

    rec = dict(row)
    for key in JSON_FIELDS:
        value = rec.get(key)
        if value.__class__ is str:
            rec[key] = _loads_exact(value)
        elif value is None and key in rec and key != "edits":
            del rec[key]
    if "raw_b64" in rec and rec.get("raw_truncated") is None:
        rec.pop("raw_truncated", None)
    return rec


def dump_record(record: dict[str, Any]) -> bytes:
    """One output line. orjson first (fast); what it refuses (an integer beyond 64 bits) goes through the
    stdlib writer in the same compact form; what neither writes raises `UnwritableRecord`."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        try:
            text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            return text.encode("utf-8") + b"\n"
        except (TypeError, ValueError, RecursionError) as exc2:
            raise UnwritableRecord(f"{exc}; {type(exc2).__name__}: {exc2}") from None


# Idle zstd compressors by level, reused by later sinks: a fresh one allocates its tables and window (a few MB)
# and faults their pages in again, a third of the compression's time over a run's many small shards. A compressor
# serves one open sink at a time (both sinks of a unit are open together); a reused one writes the same bytes.
_IDLE: dict[int, list[zstandard.ZstdCompressor]] = {}
_IDLE_LOCK = threading.Lock()


def _compressor(level: int) -> zstandard.ZstdCompressor:
    with _IDLE_LOCK:
        idle = _IDLE.get(level)
        if idle:
            return idle.pop()
    return zstandard.ZstdCompressor(level=level)


def _release(level: int, cctx: zstandard.ZstdCompressor) -> None:
    with _IDLE_LOCK:
        _IDLE.setdefault(level, []).append(cctx)


class _Sink:
    """One output file: `pending` holds serialised JSONL lines (in every format: the hot path writes lines)."""

    __slots__ = ("cctx", "fh", "final", "level", "look", "pending", "seen", "size", "tmp", "writer", "written")

    def __init__(self, final: Path, level: int, fmt: str = "jsonl.zst") -> None:
        self.final = final
        self.tmp = final.with_name(f".{final.name}.tmp")
        self.fh = open(self.tmp, "wb")  # closed in ShardWriter.close/abort
        self.writer: Any  # zstandard's and gzip's writers, or the file itself
        self.level = level
        self.cctx: zstandard.ZstdCompressor | None = None  # given back to _IDLE once its writer is closed
        if fmt == "jsonl.zst":
            self.cctx = _compressor(level)
            self.writer = self.cctx.stream_writer(self.fh, closefd=False)
        elif fmt == "jsonl.gz":  # no name and no time in the header: the same records give the same bytes
            self.writer = gzip.GzipFile(filename="", mode="wb", fileobj=self.fh, compresslevel=6, mtime=0)
        else:
            self.writer = self.fh
        self.pending: list[bytes] = []
        self.written = False
        self.look = BATCH  # callers call `flush` once `pending` holds this many lines
        self.seen = self.size = 0  # lines of `pending` counted so far, and their bytes

    def flush(self, force: bool = False) -> None:
        """Compress the pending lines once they hold FLUSH_BYTES (all of them when `force`d)."""
        pending = self.pending
        if not pending:
            return
        if not force:
            self.size += sum(map(len, pending[self.seen :]))
            self.seen = n = len(pending)
            if self.size < FLUSH_BYTES:
                self.look = n + BATCH
                return
        self.writer.write(b"".join(pending))
        pending.clear()
        self.written = True
        self.seen = self.size = 0
        self.look = BATCH

    def finish(self) -> None:
        self.flush(force=True)
        if self.writer is not self.fh:
            self.writer.close()
            self._release()

    def _release(self) -> None:
        if self.cctx is not None:
            _release(self.level, self.cctx)
            self.cctx = None

    def discard(self) -> None:
        try:
            if self.writer is not None and self.writer is not self.fh:
                self.writer.close()
                self._release()
            self.fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)


class _ParquetSink(_Sink):
    """Parquet with the fixed schema of its sink; lines are parsed back into row groups of PARQUET_ROWS."""

    __slots__ = ("rows", "schema")

    def __init__(self, final: Path, level: int, fmt: str = "parquet", quarantine: bool = False) -> None:
        super().__init__(final, level, "jsonl")
        self.schema = quarantine_schema() if quarantine else record_schema()
        self.rows: list[bytes] = []
        self.writer = None

    def flush(self, force: bool = False) -> None:
        if self.pending:
            self.rows.extend(self.pending)
            self.pending.clear()
            self.written = True
        if len(self.rows) >= PARQUET_ROWS:
            self._write()

    def _write(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.rows:
            return
        rows = [_parse_line(line) for line in self.rows]
        self.rows = []
        table = pa.Table.from_pylist(rows, schema=self.schema)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.fh, self.schema, compression="zstd")
        self.writer.write_table(table, row_group_size=PARQUET_ROWS)

    def finish(self) -> None:
        self.flush()
        self._write()
        if self.writer is not None:
            self.writer.close()


def _parse_line(line: bytes) -> dict[str, Any]:
    return cast(dict[str, Any], orjson.loads(line))  # lines dump_record wrote: valid UTF-8 JSON


def record_schema() -> Any:
    """The Parquet schema of kept and dropped shards (docs/formats.md)."""
    import pyarrow as pa

    s = pa.string()
    return pa.schema([("id", s), ("text", s), ("metadata", s), ("source", s), ("signals", s), ("edits", s),
                      ("edit_counts", s), ("parent", s), ("drop", s)])


def quarantine_schema() -> Any:
    """The Parquet schema of quarantine shards."""
    import pyarrow as pa

    s = pa.string()
    return pa.schema([("source", s), ("error", s), ("detail", s), ("raw_b64", s), ("raw_size", pa.int64()),
                      ("raw_truncated", pa.bool_())])


class ShardWriter:
    """Collects one unit's output records; nothing is visible until `commit`."""

    def __init__(self, out: Path, name: str, level: int = 3, fmt: str = "jsonl.zst", edits: str = "full") -> None:
        self.out = out
        self.name = name
        self.level = level
        self.format = fmt
        self.edits = edits
        self._sinks: dict[str, _Sink] = {}

    def sink(self, sink: str) -> _Sink:
        """The sink's buffer (`pending`: lines of `line(record)`) and `flush`, for callers on the hot path."""
        s = self._sinks.get(sink)
        if s is None:
            final = self.out / sink / f"{self.name}{SUFFIXES[self.format]}"
            if self.format == "parquet":
                s = _ParquetSink(final, self.level, quarantine=sink == "quarantine")
            else:
                s = _Sink(final, self.level, self.format)
            self._sinks[sink] = s
        return s

    def line(self, record: dict[str, Any]) -> bytes:
        """A document's record (`Document.to_record()`) as an output line; `UnwritableRecord` if none can be."""
        try:
            return fast_line(record, self.edits)
        except TypeError:  # what orjson refuses (an integer beyond 64 bits, a lone surrogate): the careful way
            return dump_record(encode_record(record, self.edits))

    def write(self, sink: str, record: dict[str, Any]) -> None:
        s = self.sink(sink)
        s.pending.append(dump_record(encode_quarantine(record)) if sink == "quarantine" else self.line(record))
        if len(s.pending) >= s.look:
            s.flush()

    def write_line(self, sink: str, line: bytes) -> None:
        """A line `line()` made earlier (a dropped document in a stage: runners/core.py `Settled`)."""
        s = self.sink(sink)
        s.pending.append(line)
        if len(s.pending) >= s.look:
            s.flush()

    def close(self, marker: dict[str, Any]) -> PendingCommit:
        """Finish writing the temporary files; `PendingCommit.finalize()` makes them durable and visible."""
        for name, s in list(self._sinks.items()):
            if not s.pending and not s.written:  # a sink that got no record leaves no file
                s.discard()
                del self._sinks[name]
        for s in self._sinks.values():
            s.finish()
            s.fh.close()
        files = sorted((str(s.tmp), str(s.final)) for s in self._sinks.values())
        marker = {**marker, "files": sorted(f"{s.final.parent.name}/{s.final.name}" for s in self._sinks.values())}
        return PendingCommit(str(self.out / DONE / f"{self.name}.json"), files, marker)

    def abort(self) -> None:
        for s in self._sinks.values():
            s.discard()


def prepare_out(out: Path) -> None:
    for d in (*SINKS, DONE):
        (out / d).mkdir(parents=True, exist_ok=True)


def is_done(out: Path, name: str) -> bool:
    return (out / DONE / f"{name}.json").exists()


def read_marker(out: Path, name: str) -> dict[str, Any]:
    marker: dict[str, Any] = orjson.loads((out / DONE / f"{name}.json").read_bytes())
    return marker


def shards(out: Path, sink: str = "kept") -> list[Path]:
    """The shards of one sink of an output folder, in unit order (any format)."""
    return sorted(p for p in (Path(out) / sink).glob("part-*") if p.name.endswith(tuple(SUFFIXES.values())))


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of one output shard (any format), as `Document.to_record()` gives them."""
    name = str(path)
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        for i in range(pf.num_row_groups):
            for row in pf.read_row_group(i).to_pylist():
                yield decode_record(row)
        return
    with open(path, "rb") as fh:
        if name.endswith(".zst"):
            stream: Any = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(fh), 1 << 17)
        elif name.endswith(".gz"):
            stream = gzip.GzipFile(fileobj=fh)
        else:
            stream = fh
        for line in stream:
            if line.strip():
                yield decode_record(_loads(line))


def _loads(line: bytes) -> Any:
    from taosha.io.readers import _loads_exact  # integers beyond 64 bits read back exactly

    return _loads_exact(line)
