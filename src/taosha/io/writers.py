"""Output: zstd-compressed JSONL shards, committed atomically, with a completion marker per unit.

For unit `part-00007` the runner writes `kept/part-00007.jsonl.zst`, `dropped/…` and `quarantine/…`
(each only when it has records) under temporary names, fsyncs and renames them, and last writes
`_done/part-00007.json` holding the unit's counters. A unit whose marker exists is finished; anything
else it left behind is rewritten on the next run, so a killed run resumes to identical output.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import zstandard

SINKS = ("kept", "dropped", "quarantine")
DONE = "_done"
BATCH = 64  # records compressed together: a chunk that stays in the CPU cache while zstd reads it


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


class _Sink:
    __slots__ = ("fh", "final", "pending", "tmp", "writer", "written")

    def __init__(self, final: Path, level: int) -> None:
        self.final = final
        self.tmp = final.with_name(f".{final.name}.tmp")
        self.fh = open(self.tmp, "wb")  # closed in ShardWriter.close/abort
        # zstandard's writer is untyped (its close() included)
        self.writer: Any = zstandard.ZstdCompressor(level=level).stream_writer(self.fh, closefd=False)
        self.pending: list[bytes] = []
        self.written = False

    def flush(self) -> None:
        if self.pending:
            self.writer.write(b"".join(self.pending))
            self.pending.clear()
            self.written = True


class ShardWriter:
    """Collects one unit's output records; nothing is visible until `commit`."""

    def __init__(self, out: Path, name: str, level: int = 3) -> None:
        self.out = out
        self.name = name
        self.level = level
        self._sinks: dict[str, _Sink] = {}

    def sink(self, sink: str) -> _Sink:
        """The sink's buffer (`pending`: serialised records) and `flush`, for callers on the hot path."""
        s = self._sinks.get(sink)
        if s is None:
            s = self._sinks[sink] = _Sink(self.out / sink / f"{self.name}.jsonl.zst", self.level)
        return s

    def write(self, sink: str, record: dict[str, Any]) -> None:
        s = self.sink(sink)
        s.pending.append(dump_record(record))
        if len(s.pending) >= BATCH:
            s.flush()

    def close(self, marker: dict[str, Any]) -> PendingCommit:
        """Finish writing the temporary files; `PendingCommit.finalize()` makes them durable and visible."""
        for name, s in list(self._sinks.items()):
            if not s.pending and not s.written:  # a sink that got no record leaves no file
                s.writer.close()
                s.fh.close()
                s.tmp.unlink(missing_ok=True)
                del self._sinks[name]
        for s in self._sinks.values():
            s.flush()
            s.writer.close()
            s.fh.close()
        files = sorted((str(s.tmp), str(s.final)) for s in self._sinks.values())
        marker = {**marker, "files": sorted(f"{s.final.parent.name}/{s.final.name}" for s in self._sinks.values())}
        return PendingCommit(str(self.out / DONE / f"{self.name}.json"), files, marker)

    def abort(self) -> None:
        for s in self._sinks.values():
            try:
                s.writer.close()
                s.fh.close()
            finally:
                s.tmp.unlink(missing_ok=True)


def prepare_out(out: Path) -> None:
    for d in (*SINKS, DONE):
        (out / d).mkdir(parents=True, exist_ok=True)


def is_done(out: Path, name: str) -> bool:
    return (out / DONE / f"{name}.json").exists()


def read_marker(out: Path, name: str) -> dict[str, Any]:
    marker: dict[str, Any] = orjson.loads((out / DONE / f"{name}.json").read_bytes())
    return marker


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of one output shard (.jsonl.zst)."""
    with open(path, "rb") as fh:
        reader = zstandard.ZstdDecompressor().stream_reader(fh)
        for line in io.BufferedReader(reader, 1 << 17):
            if line.strip():
                yield _loads(line)


def _loads(line: bytes) -> Any:
    from taosha.io.readers import _loads_exact  # integers beyond 64 bits read back exactly

    return _loads_exact(line)
