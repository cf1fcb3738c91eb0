"""Output: zstd-compressed JSONL shards, committed atomically, with a completion marker per unit.

For unit `part-00007` the runner writes `kept/part-00007.jsonl.zst`, `dropped/…` and `quarantine/…`
(each only when it has records) under temporary names, fsyncs and renames them, and last writes
`_done/part-00007.json` holding the unit's counters. A unit whose marker exists is finished; anything
else it left behind is rewritten on the next run, so a killed run resumes to identical output.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import zstandard

SINKS = ("kept", "dropped", "quarantine")
DONE = "_done"
_FLUSH = 1 << 20


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


class _Sink:
    __slots__ = ("buf", "fh", "final", "size", "tmp", "writer")

    def __init__(self, final: Path, level: int) -> None:
        self.final = final
        self.tmp = final.with_name(f".{final.name}.tmp")
        self.fh = open(self.tmp, "wb")
        self.writer = zstandard.ZstdCompressor(level=level).stream_writer(self.fh, closefd=False)
        self.buf: list[bytes] = []
        self.size = 0


class ShardWriter:
    """Collects one unit's output records; nothing is visible until `commit`."""

    def __init__(self, out: Path, name: str, level: int = 3) -> None:
        self.out = out
        self.name = name
        self.level = level
        self._sinks: dict[str, _Sink] = {}

    def write(self, sink: str, record: dict[str, Any]) -> None:
        s = self._sinks.get(sink)
        if s is None:
            s = self._sinks[sink] = _Sink(self.out / sink / f"{self.name}.jsonl.zst", self.level)
        line = orjson.dumps(record) + b"\n"
        s.buf.append(line)
        s.size += len(line)
        if s.size >= _FLUSH:
            s.writer.write(b"".join(s.buf))
            s.buf.clear()
            s.size = 0

    def commit(self, marker: dict[str, Any]) -> None:
        for s in self._sinks.values():
            if s.buf:
                s.writer.write(b"".join(s.buf))
            s.writer.close()
            s.fh.flush()
            os.fsync(s.fh.fileno())
            s.fh.close()
            os.replace(s.tmp, s.final)
        for sink in {s.final.parent for s in self._sinks.values()}:
            _fsync_dir(sink)
        marker = {**marker, "files": sorted(f"{s.final.parent.name}/{s.final.name}" for s in self._sinks.values())}
        atomic_write(self.out / DONE / f"{self.name}.json", orjson.dumps(marker, option=orjson.OPT_SORT_KEYS))

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
    return orjson.loads((out / DONE / f"{name}.json").read_bytes())


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of one output shard (.jsonl.zst)."""
    with open(path, "rb") as fh:
        reader = zstandard.ZstdDecompressor().stream_reader(fh)
        for line in io.BufferedReader(reader, 1 << 17):
            if line.strip():
                yield orjson.loads(line)
