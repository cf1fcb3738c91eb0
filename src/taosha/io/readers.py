"""Input: find files, cut them into work units, and read units as documents or quarantine records.

A unit is a whole file, a byte range of a plain (uncompressed) `.jsonl` file, or a range of row groups of a
Parquet file. A record belongs to the range in which its first byte lies, so units never share or miss a
line, and the unit list depends only on the inputs and `chunk_bytes`: output never depends on the number of
workers. CSV/TSV files (a header row, then one record a row) are read whole.

Everything a unit yields is a `Document` or a `Quarantine` (raw bytes kept, error stated), or, for a
pipeline without steps (`read_unit(..., records=True)`), batches of output records instead of documents:
bad input never raises out of `read_unit` and never disappears.
"""

from __future__ import annotations

import base64
import bz2
import codecs
import glob
import gzip
import io
import json
import os
import re
import stat
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, cast

import orjson
import zstandard

from taosha.document import Document
from taosha.errors import InputError
from taosha.io.decode import Decoded, UndecodableError, decode_bytes, decode_json_line


@dataclass
class InputConfig:
    """How input files are read."""

    text_field: str = "text"  # JSONL field holding the text
    id_field: str = "id"  # JSONL field holding the id; absent: PATH:OFFSET
    max_record_bytes: int = 64 << 20  # larger records are quarantined, not loaded
    chunk_bytes: int = 32 << 20  # plain .jsonl files are split into byte ranges of this size
    undecodable: str = "quarantine"  # bytes no encoding decodes: quarantine the record, or escape them as \xNN


COMPRESSIONS = {".gz": "gz", ".zst": "zst", ".zstd": "zst", ".bz2": "bz2"}
KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".txt": "txt", ".parquet": "parquet", ".csv": "csv", ".tsv": "tsv",
         ".warc": "warc", ".html": "html", ".htm": "html"}  # the last three: taosha.io.warc
RAW_HEAD = 1 << 20  # bytes of an oversized record kept in quarantine
_BLANK = frozenset(b" \t\r\n\x0b\x0c")
RECORD_BATCH = 32


@dataclass(frozen=True)
class Unit:
    """One piece of work: a file, a byte range [start, end) of a plain .jsonl file, or the row groups
    [start, end) of a Parquet file."""

    index: int
    path: str
    kind: str  # jsonl | txt | parquet | csv | tsv
    compression: str  # "" | gz | zst | bz2
    start: int = 0
    end: int = -1  # -1: to the end of the file
    # a unit of many small files: (path, kind, compression) of each, `path` being the first's. A unit costs
    # a few fsyncs and files, so 20,000 one-record files are read as a few dozen units, not 20,000
    group: tuple[tuple[str, str, str], ...] = ()

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"

    @property
    def files(self) -> list[str]:
        return [p for p, _, _ in self.group] if self.group else [self.path]

    def estimated_cost(self) -> int:
        """About how much text the unit holds, in bytes: what its work grows with. A compressed file cannot be
        cut and holds several times its size (COMPRESSION_RATIO), so it should start early. Only the order in
        which a runner hands units out uses it, never the output."""
        ranges = [(self.path, self.kind, self.compression, self.start, self.end)]
        if self.group:
            ranges = [(p, k, c, 0, -1) for p, k, c in self.group]
        total = 0
        for path, kind, comp, start, end in ranges:
            if kind == "parquet":  # start and end count row groups: the file's size stands for each of its units
                total += _size_or_zero(path) * COMPRESSION_RATIO["parquet"]
                continue
            size = end - start if end >= 0 else max(0, _size_or_zero(path) - start)
            total += size * COMPRESSION_RATIO.get(comp, 1)
        return total

    def to_json(self) -> dict[str, Any]:
        if self.group:
            return {"group": [list(g) for g in self.group]}
        return {"path": self.path, "kind": self.kind, "compression": self.compression,
                "start": self.start, "end": self.end}


@dataclass
class Quarantine:
    """Input that could not be made into a document: where it was, why, and its raw bytes."""

    source: dict[str, Any]
    error: str  # stable snake_case code
    detail: str
    raw: bytes
    raw_size: int  # size of the whole raw record; > len(raw) when only its head was kept

    def to_record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "source": self.source,
            "error": self.error,
            "detail": self.detail,
            "raw_b64": base64.b64encode(self.raw).decode("ascii"),
            "raw_size": self.raw_size,
        }
        if self.raw_size > len(self.raw):
            rec["raw_truncated"] = True
        return rec


def file_kind(path: str) -> tuple[str, str] | None:
    """(kind, compression) from the file name, or None when taosha does not read such files."""
    base, ext = os.path.splitext(path.lower())
    comp = COMPRESSIONS.get(ext, "")
    if comp:
        base, ext = os.path.splitext(base)
    kind = KINDS.get(ext)
    if kind == "parquet" and comp:  # Parquet compresses inside the file
        return None
    return (kind, comp) if kind else None


def discover(inputs: list[str]) -> tuple[list[str], list[str]]:
    """Expand files, directories and globs into a sorted file list; also return skipped files.

    A file named directly must be of a known kind; inside a directory or a glob, other files are
    skipped and reported, not read. Symbolic links are followed, each real directory and file once (a
    link to a parent folder is no loop); special files (FIFOs, devices, sockets) are never opened: they
    are listed by `special_files`.
    """
    files, skipped, _ = discover_all(inputs)
    return files, skipped


def discover_all(inputs: list[str]) -> tuple[list[str], list[str], list[str]]:
    """`discover`, plus the special files skipped."""
    files: list[str] = []
    skipped: list[str] = []
    special: list[str] = []
    for spec in inputs:
        if os.path.isdir(spec):
            found = sorted(_walk(spec))
        elif any(c in spec for c in "*?["):
            found = sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
            if not found:
                raise InputError(f"no file matches {spec!r}")
        elif os.path.exists(spec):
            if file_kind(spec) is None:
                raise InputError(
                    f"{spec}: unknown file type; taosha reads .jsonl/.ndjson (one JSON object a line), .txt "
                    "(a whole file is one document), .csv/.tsv (a header row, then a record a row), .warc (crawls) "
                    "and .html/.htm pages, optionally compressed as .gz, .zst or .bz2, and .parquet"
                )
            if not _regular(spec):
                raise InputError(f"{spec}: not a regular file (a FIFO, device or socket); taosha reads files")
            found = [spec]
        else:
            raise InputError(f"{spec}: no such file or directory")
        for f in found:
            if not file_kind(f):
                skipped.append(os.path.normpath(f))
            elif not _regular(f):
                special.append(os.path.normpath(f))
            else:
                files.append(os.path.normpath(f))
    if any(file_kind(f)[0] in ("warc", "html") for f in files):  # type: ignore[index]
        from taosha.io.warc import require_extra

        require_extra()  # before the run: a missing extra is one message, not a quarantined file each
    seen: set[str] = set()
    unique = []
    for f in files:
        real = os.path.realpath(f)
        if real not in seen:
            seen.add(real)
            unique.append(f)
    if not unique:
        raise InputError(
            f"no readable input in {', '.join(inputs)} (looked for .jsonl, .ndjson, .txt, .csv, .tsv, .warc, .html, "
            "optionally .gz/.zst/.bz2, and .parquet)"
        )
    return unique, skipped, special


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # unreadable: left to the reader, which quarantines it with the error


def _walk(top: str) -> Iterator[str]:
    """Every file under `top`, following links, each real directory entered once."""
    visited: set[str] = set()
    for root, dirs, names in os.walk(top, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        dirs.sort()
        for f in names:
            yield os.path.join(root, f)


# the smallest byte range a plain .jsonl file is cut into when the input is small: fine enough that the costliest
# unit is a small share of a run of tens of MB (documents differ in cost: a unit of reviews full of `?` costs
# several times one of Wikipedia), coarse enough that a unit's fixed cost (its shards, marker, fsync) stays small
MIN_CHUNK = 1 << 20
# bytes of text per byte of a compressed file, roughly (Chinese JSONL): for the order units are handed out in
COMPRESSION_RATIO = {"gz": 4, "zst": 4, "bz2": 5, "parquet": 4}


def _size_or_zero(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def plan_units(files: list[str], chunk_bytes: int) -> list[Unit]:
    """Cut files into units: plain .jsonl files into byte ranges of about `chunk_bytes`.

    A small input is cut finer (down to 1 MiB ranges, aiming at 32 units) so that it still spreads over
    the workers; the cut depends on the input alone, never on the worker count.
    """
    units: list[Unit] = []
    splittable = 0
    for path in files:
        kind, comp = file_kind(path) or ("txt", "")
        if kind == "jsonl" and not comp:
            splittable += _size_or_zero(path)
    chunk_bytes = min(chunk_bytes, max(MIN_CHUNK, splittable // 32)) if chunk_bytes > 0 else chunk_bytes
    for path in files:
        kind, comp = file_kind(path) or ("txt", "")
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        if kind == "jsonl" and not comp and chunk_bytes > 0 and size > chunk_bytes:
            for start in range(0, size, chunk_bytes):
                end = min(start + chunk_bytes, size)
                units.append(Unit(len(units), path, kind, comp, start, -1 if end == size else end))
        elif kind == "parquet" and chunk_bytes > 0 and size > chunk_bytes:
            ranges = _row_group_ranges(path, chunk_bytes)
            for start, end in ranges:
                units.append(Unit(len(units), path, kind, comp, start, -1 if end == ranges[-1][1] else end))
        else:
            units.append(Unit(len(units), path, kind, comp))
    return _group_small(units, chunk_bytes)


def _row_group_sizes(path: str) -> list[int]:
    """The compressed size of each row group of a Parquet file ([] when its footer cannot be read: the
    reader then quarantines the file)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except Exception:
        return []
    return [sum(rg.column(c).total_compressed_size for c in range(rg.num_columns))
            for rg in (meta.row_group(i) for i in range(meta.num_row_groups))]


def _row_group_ranges(path: str, chunk_bytes: int) -> list[tuple[int, int]]:
    """Consecutive row groups of about `chunk_bytes` each (at least one row group a range)."""
    ranges: list[tuple[int, int]] = []
    start = size = 0
    sizes = _row_group_sizes(path)
    for i, n in enumerate(sizes):
        if i > start and size + n > chunk_bytes:
            ranges.append((start, i))
            start, size = i, 0
        size += n
    ranges.append((start, len(sizes)))
    return ranges


def row_group_bytes(unit: Unit) -> int:
    """The compressed bytes of a Parquet unit's row groups."""
    sizes = _row_group_sizes(unit.path)
    return sum(sizes[unit.start : None if unit.end < 0 else unit.end])


GROUP_FROM = 64  # inputs of more files than this have their small files grouped into units
GROUP_UNITS = 32  # aim: the small files spread over about this many units


def _group_small(units: list[Unit], chunk_bytes: int) -> list[Unit]:
    """Consecutive whole files smaller than 1 MiB become one unit, up to `chunk_bytes` and 1/GROUP_UNITS of
    the small files each, when the input holds more than GROUP_FROM files (the input alone decides)."""
    if len(units) <= GROUP_FROM:
        return units
    sizes = [_size_or_zero(u.path) if u.start == 0 and u.end < 0 else -1 for u in units]
    small = [0 <= n < (1 << 20) for n in sizes]
    per_group = max(1, -(-sum(small) // GROUP_UNITS))
    budget = chunk_bytes if chunk_bytes > 0 else 1 << 62
    out: list[Unit] = []
    run: list[Unit] = []
    run_bytes = 0

    def close() -> None:
        nonlocal run, run_bytes
        if len(run) == 1:
            out.append(Unit(len(out), run[0].path, run[0].kind, run[0].compression))
        elif run:
            out.append(Unit(len(out), run[0].path, "group", "", group=tuple((u.path, u.kind, u.compression)
                                                                         for u in run)))
        run, run_bytes = [], 0

    for u, n, is_small in zip(units, sizes, small, strict=True):
        if not is_small:
            close()
            out.append(Unit(len(out), u.path, u.kind, u.compression, u.start, u.end))
            continue
        if run and (len(run) >= per_group or run_bytes + n > budget):
            close()
        run.append(u)
        run_bytes += n
    close()
    return out


class _ZstdRaw(io.RawIOBase):
    """Streaming zstd decompression that raises on a truncated stream (the stock reader does not)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._view = memoryview(b"")
        self._pos = 0
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while self._pos >= len(self._view) and not self._eof:
            chunk = self._fh.read(1 << 18)
            if not chunk:
                self._eof = True
                if not self._obj.eof:
                    raise EOFError("zstd stream ended before the end of its frame (truncated file?)")
                break
            out = self._obj.decompress(chunk)
            while self._obj.eof and self._obj.unused_data:  # concatenated frames
                rest = self._obj.unused_data
                self._obj = self._dctx.decompressobj()
                out += self._obj.decompress(rest)
            self._view, self._pos = memoryview(out), 0
        n = min(len(b), len(self._view) - self._pos)
        b[:n] = self._view[self._pos : self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


_ZSTD_MAGIC = 0xFD2FB528


def zstd_complete(fh: IO[bytes]) -> bool:
    """True when the file is a sequence of whole zstd frames (checked by walking the block headers:
    a few reads per megabyte). Whole files take zstandard's C reader; others the checking reader."""
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return False
    pos = 0
    try:
        while pos < size:
            fh.seek(pos)
            head = fh.read(4)
            if len(head) < 4:
                return False
            magic = int.from_bytes(head, "little")
            if magic & 0xFFFFFFF0 == 0x184D2A50:  # skippable frame
                n = fh.read(4)
                if len(n) < 4:
                    return False
                pos += 8 + int.from_bytes(n, "little")
                continue
            if magic != _ZSTD_MAGIC:
                return False
            fhd = fh.read(1)
            if not fhd:
                return False
            d = fhd[0]
            fcs_flag, single, checksum, dict_flag = d >> 6, (d >> 5) & 1, (d >> 2) & 1, d & 3
            header = 1 + (0 if single else 1) + (0, 1, 2, 4)[dict_flag] + ((1 if single else 0), 2, 4, 8)[fcs_flag]
            pos += 4 + header
            while True:
                fh.seek(pos)
                b = fh.read(3)
                if len(b) < 3:
                    return False
                h = int.from_bytes(b, "little")
                last, kind, bsize = h & 1, (h >> 1) & 3, h >> 3
                pos += 3 + (1 if kind == 1 else bsize)
                if pos > size:
                    return False
                if last:
                    break
            pos += 4 if checksum else 0
        return pos == size
    finally:
        fh.seek(0)


def open_binary(unit: Unit) -> tuple[IO[bytes], Callable[[], int]]:
    """The unit's decompressed byte stream, and a function giving the raw file position (for progress)."""
    # a 256 KiB buffer: with the default 8 KiB, news-sized lines (5 KB) cost a read and a copy each, and readline
    # took 4x as long (0.017 against 0.004 s over 28 MB)
    raw = open(unit.path, "rb", buffering=1 << 18)
    if unit.compression == "gz":
        stream: IO[bytes] = cast(IO[bytes], gzip.GzipFile(fileobj=raw))
    elif unit.compression == "bz2":
        stream = bz2.BZ2File(raw)
    elif unit.compression == "zst":
        if zstd_complete(raw):  # zstandard's C reader: fast, but silent on truncation
            reader = cast(io.RawIOBase, zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True))
        else:
            reader = _ZstdRaw(raw)
        stream = cast(IO[bytes], io.BufferedReader(reader, 1 << 18))
    else:
        stream = raw
    return stream, raw.tell


DECOMPRESS_ERRORS = (EOFError, OSError, zstandard.ZstdError, ValueError, zlib.error)


def _decompressor(compression: str) -> Any:
    if compression == "gz":
        return zlib.decompressobj(31)  # checks each member's CRC-32 and length
    if compression == "bz2":
        return bz2.BZ2Decompressor()  # checks each block's CRC
    return zstandard.ZstdDecompressor().decompressobj()  # checks the content checksum when the frame has one


def find_damage(path: str, compression: str) -> tuple[int, str] | None:
    """Where a compressed file's data first fails its check: (decompressed offset at which the damaged member
    or frame starts, the error), or None when every complete member checks out (a truncated end is not
    damage: what was read is checked as far as it goes, and the reader reports the truncation).

    Decompressors emit a member's bytes before its checksum is read, and a damaged deflate stream goes on
    emitting plausible bytes (copies of earlier records), so the file is checked before it is read, and
    the reader stops where the damaged member starts (one more decompression of the file: cheap beside
    the pipeline)."""
    done = 0  # decompressed bytes of the members that checked out
    member = 0  # decompressed bytes of the current member so far
    d = _decompressor(compression)
    between = False  # at a member boundary: zero padding may follow (gzip allows it)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                while chunk:
                    if between:
                        chunk = chunk.lstrip(b"\0") if compression == "gz" else chunk
                        if not chunk:
                            break
                        d, between = _decompressor(compression), False
                    member += len(d.decompress(chunk))
                    if not d.eof:
                        break
                    done, member, between = done + member, 0, True
                    chunk = d.unused_data
    except (zlib.error, OSError, EOFError, ValueError, zstandard.ZstdError) as exc:
        return done, f"{type(exc).__name__}: {exc}"
    return None


class _Bounded(io.RawIOBase):
    """The first `limit` bytes of a stream: what precedes a damaged member."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream, self._left = stream, limit

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(b)[: min(len(b), self._left)]
        data = self._stream.read(len(view))
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def read_unit(
    unit: Unit,
    cfg: InputConfig,
    progress: Callable[[int], None] | None = None,
    counters: Counter[str] | None = None,
    *,
    records: bool = False,
) -> Iterator[Document | Quarantine | list[dict[str, Any]]]:
    """Yield the unit's documents and quarantine records, in input order.

    `progress(nbytes)` is told how far the raw file was read; `counters["blank_lines"]` counts the
    blank JSONL lines skipped (they hold no record). With `records`, documents come as lists of their
    output records (`Document.to_record()`, no Document built): what a pipeline without steps writes.
    """
    if unit.group:
        return _read_group(unit, cfg, progress, counters, records)
    if unit.kind == "parquet":
        docs = _read_parquet(unit, cfg, progress, counters)
        return (d if d.__class__ is Quarantine else [d.to_record()] for d in docs) if records else docs
    if unit.kind in ("warc", "html"):
        web = _read_web(unit, cfg, counters, progress)
        return (d if d.__class__ is Quarantine else [d.to_record()] for d in web) if records else web
    try:
        damage = find_damage(unit.path, unit.compression) if unit.compression else None
        stream, tell = open_binary(unit)
    except OSError as exc:
        return iter([Quarantine({"path": unit.path}, "unreadable_file", str(exc), b"", 0)])
    if damage is not None:
        stream = io.BufferedReader(_Bounded(stream, damage[0]), 1 << 18)
        if unit.kind in ("txt", "csv", "tsv"):  # a CSV row cut by the damage would pass for a whole one
            stream.close()
            return iter([Quarantine({"path": unit.path}, "corrupt_archive", _damage_detail(damage), b"", 0)])
    # the reader itself is returned, not wrapped in another generator (one frame less per record); it
    # closes the stream when it ends or is closed
    if unit.kind in ("txt", "csv", "tsv"):
        docs = _read_txt(unit, stream, cfg) if unit.kind == "txt" else _read_csv(unit, stream, cfg, counters, damage)
        if progress is not None:
            docs = _telling(docs, tell, unit.path, progress)
        return (d if d.__class__ is Quarantine else [d.to_record()] for d in docs) if records else docs
    return _read_jsonl(unit, stream, tell, cfg, progress, counters, records, damage)


def _telling(docs: Iterator[Any], tell: Callable[[], int], path: str, progress: Callable[[int], None]) -> Iterator[Any]:
    """`docs`, telling `progress` how far the raw file was read after each (a text file is one, a CSV file one
    per row: a unit of many small files advances file by file), and the rest of the file at the end."""
    done = 0
    for doc in docs:
        try:
            now = tell()
        except ValueError:  # the reader closed the file: it was read whole
            now = done
        if now > done:
            progress(now - done)
            done = now
        yield doc
    tell_rest(path, done, progress)


def tell_rest(path: str, told: int, progress: Callable[[int], None] | None) -> None:
    """Tell `progress` the part of the file not yet told (what followed the last record, or a damaged end)."""
    if progress is None:
        return
    try:
        size = os.path.getsize(path)
    except OSError:
        return
    if size > told:
        progress(size - told)


def _text_field_detail(text_field: str, text: Any, obj: dict[str, Any]) -> str:
    """Why a record has no text, naming the fields it does have: a wrong --text-field shows at once."""
    keys = list(obj)
    shown = ", ".join(map(repr, keys[:20])) + (f" and {len(keys) - 20} more" if len(keys) > 20 else "")
    if text is None:
        return (f"no text field {text_field!r} (absent or null; --text-field names it); the record's fields: "
                f"{shown or '(none)'}")
    return (f"field {text_field!r} holds {type(text).__name__}, not a string; the record's other fields: "
            f"{shown or '(none)'}")


def _read_web(unit: Unit, cfg: InputConfig, counters: Counter[str] | None,
              progress: Callable[[int], None] | None = None) -> Iterator[Document | Quarantine]:
    """A WARC file (its progress told record by record) or an HTML page (taosha.io.warc reads both)."""
    from taosha.io import warc

    if unit.kind == "warc":
        yield from warc.read_warc(unit.path, unit.compression, cfg, counters, progress)
        return
    try:
        stream, _ = open_binary(unit)
    except OSError as exc:
        yield Quarantine({"path": unit.path}, "unreadable_file", str(exc), b"", 0)
        return
    with stream:
        yield from warc.read_html(stream, unit.path, cfg)


def _damage_detail(damage: tuple[int, str]) -> str:
    return (f"{damage[1]}: the compressed data fails its check in the member starting at decompressed byte "
            f"{damage[0]}; nothing from there on is read (a damaged member decompresses to plausible bytes)")


def _read_group(
    unit: Unit, cfg: InputConfig, progress: Callable[[int], None] | None, counters: Counter[str] | None,
    records: bool,
) -> Iterator[Any]:
    for path, kind, comp in unit.group:
        yield from read_unit(Unit(unit.index, path, kind, comp), cfg, progress, counters, records=records)


def _read_txt(unit: Unit, stream: IO[bytes], cfg: InputConfig) -> Iterator[Document | Quarantine]:
    with stream:
        yield from _txt_records(unit, stream, cfg)


def read_whole(stream: IO[bytes], source: dict[str, Any], cfg: InputConfig) -> bytes | Quarantine:
    """A file that is one record (a .txt, a loose .html page): its bytes, or a quarantine record when it is
    larger than `input.max_record_bytes` (measured to its end, its head kept) or its compression is damaged."""
    try:
        data = stream.read(cfg.max_record_bytes + 1)
        size = len(data)
        if size > cfg.max_record_bytes:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
            return Quarantine(source, "record_too_large",
                              f"{size} bytes > input.max_record_bytes={cfg.max_record_bytes}", data[:RAW_HEAD], size)
    except DECOMPRESS_ERRORS as exc:
        return Quarantine(source, "truncated_archive", f"{type(exc).__name__}: {exc}", b"", 0)
    return data


def _txt_records(unit: Unit, stream: IO[bytes], cfg: InputConfig) -> Iterator[Document | Quarantine]:
    source = {"path": unit.path}
    data = read_whole(stream, source, cfg)
    if isinstance(data, Quarantine):
        yield data
        return
    size = len(data)
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if b"\x00" in data and not utf16:
        yield Quarantine(source, "binary_file", "the file holds NUL bytes: not text", data[:RAW_HEAD], size)
        return
    try:
        decoded = decode_bytes(data, policy=cfg.undecodable)
    except UndecodableError as exc:
        yield Quarantine(source, "undecodable", str(exc), data, size)
        return
    except Exception as exc:  # any other failure on one file is that file's, not the run's
        yield Quarantine(source, "reader_error", f"{type(exc).__name__}: {exc}", data[:RAW_HEAD], size)
        return
    doc = Document(unit.path, decoded.text, source=source)
    _note_encoding(doc, decoded)
    yield doc


def _note_encoding(doc: Document, decoded: Decoded) -> None:
    if decoded.encoding not in ("utf-8", "utf-8-sig"):
        doc.source["encoding"] = decoded.encoding
    if decoded.undecodable:
        doc.tag("undecodable_bytes", decoded.undecodable)


def _drain(head: bytes, stream: IO[bytes]) -> tuple[bytes, int]:
    """Consume an oversized line to its end in bounded memory: (its first RAW_HEAD bytes, its size)."""
    size = len(head)
    ended = head.endswith(b"\n")
    while not ended:
        chunk = stream.readline(1 << 20)
        if not chunk:
            break
        size += len(chunk)
        ended = chunk.endswith(b"\n")
    return head[:RAW_HEAD], size


def _load_non_utf8(line: bytes, policy: str) -> tuple[object, Decoded]:
    """A JSONL line that is not UTF-8: every string in it (keys and nested metadata too) decoded from its own
    bytes with the record's charset, field by field when its fields need different ones (`decode_json_line`)."""
    utf8, decoded = decode_json_line(line, policy)
    return _loads_exact(utf8), decoded


_U64 = 1.8446744073709552e19  # 2**64: orjson reads a larger integer as a float (and one below -2**63)
_I64 = -9.223372036854775808e18


# JSON nesting deeper than this is quarantined: orjson writes at most 254 levels, pickle (the stage) and the
# stdlib writer stop near the recursion limit
MAX_DEPTH = 200
BIG_FLOAT, TOO_DEEP = 1, 2


def _scan(obj: Any, depth: int = 1) -> int:
    """BIG_FLOAT when a parsed record holds a float that may be an integer orjson could not keep, TOO_DEEP
    when it nests deeper than MAX_DEPTH: one look at its non-string values (about 1% of the read, where a
    regex over every line would cost more than the parse)."""
    if depth > MAX_DEPTH:
        return TOO_DEEP
    flags = 0
    for v in obj.values() if obj.__class__ is dict else obj:
        c = v.__class__
        if c is str or c is int:
            continue
        if c is float:
            if v >= _U64 or v <= _I64:
                flags |= BIG_FLOAT
        elif c is dict or c is list:
            flags |= _scan(v, depth + 1)
            if flags & TOO_DEEP:
                return flags
    return flags


def _loads_exact(line: bytes | str) -> Any:
    """orjson.loads, but integers beyond 64 bits are kept exactly (the stdlib parser reads them as int)."""
    obj = orjson.loads(line)
    if obj.__class__ in (dict, list) and _scan(obj) == BIG_FLOAT:
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            pass
    return obj


def _metadata(obj: dict[str, Any], meta: Any) -> dict[str, Any]:
    """The record's metadata: its own `metadata` object plus the other top-level fields. On a key in both,
    the input's `metadata` wins and the top-level value is kept under `metadata["_top_level"][key]` (under
    `__top_level`, with one more underscore, should the input's metadata use that key itself). A `metadata`
    string holding a JSON object (taosha's own output, docs/formats.md, and datatrove's readers do the same) is
    that object."""
    if meta.__class__ is str and meta.startswith("{"):
        try:
            parsed = _loads_exact(meta)
        except ValueError:  # orjson.JSONDecodeError is a ValueError: an ordinary string
            parsed = None
        if parsed.__class__ is dict:
            meta = parsed
    if meta.__class__ is not dict:
        obj["metadata"] = meta
        return obj
    clash = [k for k in obj if k in meta]
    if clash:
        kept = {k: obj.pop(k) for k in clash}
        key = "_top_level"
        while key in meta or key in obj:
            key = "_" + key
        meta[key] = kept
    meta.update(obj)
    return meta


def _read_jsonl(
    unit: Unit,
    stream: IO[bytes],
    tell: Callable[[], int],
    cfg: InputConfig,
    progress: Callable[[int], None] | None,
    counters: Counter[str] | None,
    records: bool = False,
    damage: tuple[int, str] | None = None,
) -> Iterator[Document | Quarantine | list[dict[str, Any]]]:
    path = unit.path
    text_field, id_field, limit = cfg.text_field, cfg.id_field, cfg.max_record_bytes
    pos = unit.start
    end = unit.end if unit.end >= 0 else 1 << 62
    try:
        if pos > 0:
            stream.seek(pos - 1)
            pos += len(stream.readline()) - 1  # the line holding byte pos-1 belongs to the previous unit
        loads = orjson.loads
        readline, cap = stream.readline, limit + 1
        last_tell = tell()
        count = 0
        batch: list[dict[str, Any]] = []  # with `records`: output records, handed over RECORD_BATCH at a time
        while pos < end:
            try:
                line = readline(cap)
            except DECOMPRESS_ERRORS as exc:
                yield Quarantine({"path": path, "offset": pos}, "truncated_archive",
                                 f"{type(exc).__name__}: {exc}", b"", 0)
                break
            n = len(line)
            if not n:
                break
            offset = pos
            pos += n
            if damage is not None and pos >= damage[0] and not line.endswith(b"\n"):
                break  # a line that runs into the damaged member: part of what is quarantined below
            if n > limit:
                try:
                    head, size = _drain(line, stream)
                except DECOMPRESS_ERRORS as exc:
                    head, size = line[:RAW_HEAD], len(line)
                    yield Quarantine({"path": path, "offset": offset}, "record_too_large",
                                     f"{size}+ bytes > input.max_record_bytes={limit}", head, size)
                    yield Quarantine({"path": path, "offset": pos}, "truncated_archive",
                                     f"{type(exc).__name__}: {exc}", b"", 0)
                    break
                pos = offset + size
                yield Quarantine({"path": path, "offset": offset}, "record_too_large",
                                 f"{size} bytes > input.max_record_bytes={limit}", head, size)
                continue
            if progress is not None:
                count += 1
                if not count & 511:
                    now = tell()
                    progress(now - last_tell)
                    last_tell = now
            source = {"path": path, "offset": offset}
            decoded = None
            try:
                obj = loads(line)
            except orjson.JSONDecodeError as exc:
                if line[0] in _BLANK and not line.strip():  # a blank line holds no record (not an error)
                    if counters is not None:
                        counters["blank_lines"] += 1
                    continue
                msg = str(exc)
                if "UTF-8" not in msg and "utf-8" not in msg:
                    yield Quarantine(source, "too_deeply_nested" if "depth" in msg else "invalid_json", msg, line,
                                     len(line))
                    continue
                try:
                    obj, decoded = _load_non_utf8(line, cfg.undecodable)
                except (orjson.JSONDecodeError, UndecodableError) as exc2:
                    yield Quarantine(source, "undecodable", f"{msg}; {exc2}", line, len(line))
                    continue
                except Exception as exc2:
                    yield Quarantine(source, "reader_error", f"{msg}; {type(exc2).__name__}: {exc2}", line, len(line))
                    continue
            flags = 0
            if obj.__class__ is dict:  # _scan(obj), its first level inline: most values are strings
                for v in obj.values():
                    c = v.__class__
                    if c is dict or c is list:
                        flags |= _scan(v, 2)
                    elif c is float and (v >= _U64 or v <= _I64):
                        flags |= BIG_FLOAT
            if flags:
                if flags & TOO_DEEP:  # no writer could serialise it
                    yield Quarantine(source, "too_deeply_nested", f"JSON nested deeper than {MAX_DEPTH} levels",
                                     line, len(line))
                    continue
                obj = _loads_exact(line) if decoded is None else obj  # a non-UTF-8 line was read exactly
            if obj.__class__ is not dict:
                what = f"a JSON {type(obj).__name__}, not an object"
                yield Quarantine(source, "not_an_object", what, line, len(line))
                continue
            text = obj.pop(text_field, None)
            if text.__class__ is not str:
                code = "missing_text_field" if text is None else "text_not_string"
                yield Quarantine(source, code, _text_field_detail(text_field, text, obj), line, len(line))
                continue
            doc_id = obj.pop(id_field, None)
            if doc_id.__class__ is not str:
                doc_id = f"{path}:{offset}" if doc_id is None else str(doc_id)
            meta = obj.pop("metadata", None)
            if meta is not None:
                if meta.__class__ is dict and meta.keys().isdisjoint(obj):  # no key in both: the common case
                    meta.update(obj)
                    obj = meta
                else:
                    obj = _metadata(obj, meta)
            if decoded is None:
                if not records:
                    yield Document(doc_id, text, obj, source)
                    continue
                # Document.to_record() of the new document, built directly
                batch.append({"id": doc_id, "text": text, "metadata": obj, "source": source, "signals": {},
                              "edits": []})
            else:
                doc = Document(doc_id, text, obj, source)
                _note_encoding(doc, decoded)
                if not records:
                    yield doc
                    continue
                batch.append(doc.to_record())
            if len(batch) >= RECORD_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch
        if damage is not None:
            yield Quarantine({"path": path, "offset": damage[0]}, "corrupt_archive", _damage_detail(damage), b"", 0)
        elif pos == 0 and unit.start == 0 and counters is not None:
            counters["empty_files"] += 1  # an empty file (or archive): no record, but noted in stats.json
        if progress is not None:
            progress(tell() - last_tell)
    finally:
        stream.close()



# -- tables: Parquet row groups and CSV/TSV rows -----------------------------------------------------------------


def _row_document(obj: dict[str, Any], source: dict[str, Any], default_id: str, cfg: InputConfig,
                  raw: Callable[[], bytes]) -> Document | Quarantine:
    """A table row (column -> value) as a document, by the JSONL rules: the text field, the id field (else
    `default_id`), and the other columns as metadata (merged into a `metadata` column holding an object)."""
    text = obj.pop(cfg.text_field, None)
    if text.__class__ is not str:
        fields = ", ".join(map(str, obj))
        obj[cfg.text_field] = text
        data = raw()
        if text is None:
            detail = f"field {cfg.text_field!r}: missing or null; the record's other fields: {fields}"
            return Quarantine(source, "missing_text_field", detail, data[:RAW_HEAD], len(data))
        return Quarantine(source, "text_not_string", f"field {cfg.text_field!r}: {type(text).__name__}",
                          data[:RAW_HEAD], len(data))
    if len(text) * 4 > cfg.max_record_bytes and len(text.encode("utf-8", "surrogatepass")) > cfg.max_record_bytes:
        data = text.encode("utf-8", "surrogatepass")
        return Quarantine(source, "record_too_large", f"{len(data)} bytes > input.max_record_bytes="
                          f"{cfg.max_record_bytes}", data[:RAW_HEAD], len(data))
    doc_id = obj.pop(cfg.id_field, None)
    if doc_id.__class__ is not str:
        doc_id = default_id if doc_id is None else str(doc_id)
    meta = obj.pop("metadata", None)
    if meta is not None:
        obj = _metadata(obj, meta)
    return Document(doc_id, text, obj, source)


def _read_parquet(
    unit: Unit, cfg: InputConfig, progress: Callable[[int], None] | None, counters: Counter[str] | None
) -> Iterator[Document | Quarantine]:
    """The rows of a unit's row groups, one record batch in memory at a time."""
    import pyarrow.parquet as pq

    path = unit.path
    try:
        pf = pq.ParquetFile(path)
        meta = pf.metadata
        schema = pf.schema_arrow
    except Exception as exc:  # not Parquet, or its footer is damaged: the whole file, with the reason
        yield Quarantine({"path": path}, "unreadable_file", f"{type(exc).__name__}: {exc}", b"", 0)
        return
    # columns whose values JSON has no form for (bytes, decimals, durations) are converted; the text column is not
    convert = [f.name for f in schema if f.name != cfg.text_field and not _json_native(f.type)]
    groups = range(unit.start, meta.num_row_groups if unit.end < 0 else unit.end)
    row = sum(meta.row_group(i).num_rows for i in range(unit.start))
    with pf:
        for g in groups:
            rg = meta.row_group(g)
            try:
                table = pf.read_row_group(g)
            except Exception as exc:
                yield Quarantine({"path": path, "row_group": g, "row": row}, "corrupt_parquet",
                                 f"{type(exc).__name__}: {exc}; the row group's {rg.num_rows} rows are not read",
                                 b"", 0)
                row += rg.num_rows
                continue
            for batch in table.to_batches(max_chunksize=1024):
                for obj in batch.to_pylist():
                    for name in convert:
                        obj[name] = _jsonable(obj[name])
                    source = {"path": path, "row": row}
                    yield _row_document(obj, source, f"{path}:{row}", cfg, partial(_row_bytes, obj))
                    row += 1
            if progress is not None:
                progress(sum(rg.column(c).total_compressed_size for c in range(rg.num_columns)))
    if row == 0 and counters is not None:
        counters["empty_files"] += 1


def _row_bytes(obj: dict[str, Any]) -> bytes:
    """A row as JSON, for a quarantine record's raw bytes."""
    return orjson.dumps(obj, default=repr, option=orjson.OPT_NON_STR_KEYS)


def _json_native(t: Any) -> bool:
    """Whether pyarrow's Python values of type `t` are written by orjson as they are."""
    import pyarrow as pa

    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _json_native(t.value_type)
    if pa.types.is_struct(t):
        return all(_json_native(t.field(i).type) for i in range(t.num_fields))
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
                or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_null(t)
                or pa.types.is_timestamp(t) or pa.types.is_date(t))


def _jsonable(v: Any) -> Any:
    """A Parquet value JSON can hold: bytes as UTF-8 text (else base64, prefixed `base64:`), decimals as
    strings, durations in seconds, times as ISO strings; containers converted item by item."""
    import datetime
    import decimal

    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(v).decode("ascii")
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    if isinstance(v, datetime.date | datetime.time):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def _read_csv(
    unit: Unit, stream: IO[bytes], cfg: InputConfig, counters: Counter[str] | None, damage: Any = None
) -> Iterator[Document | Quarantine]:
    """CSV (or TSV): the header row names the fields, then each row is a record (fields are strings). A row with
    more fields than the header, bytes that are not UTF-8, or a row the csv module rejects is quarantined."""
    import csv

    path = unit.path
    delimiter = "\t" if unit.kind == "tsv" else ","
    csv.field_size_limit(max(csv.field_size_limit(), cfg.max_record_bytes))  # long texts are the point
    with stream:
        try:
            head = stream.read(CSV_HEAD)
        except DECOMPRESS_ERRORS as exc:
            yield Quarantine({"path": path}, "truncated_archive", f"{type(exc).__name__}: {exc}", b"", 0)
            return
        encoding = _csv_encoding(head)
        rest = io.BufferedReader(_Prefixed(head, stream), 1 << 16)
        text = io.TextIOWrapper(rest, encoding=encoding, errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        header: list[str] | None = None
        line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield Quarantine({"path": path, "line": line}, "bad_csv_row", str(exc), b"", 0)
                line = reader.line_num + 1
                continue
            except DECOMPRESS_ERRORS as exc:
                yield Quarantine({"path": path, "line": line}, "truncated_archive", f"{type(exc).__name__}: {exc}",
                                 b"", 0)
                break
            source: dict[str, Any] = {"path": path, "line": line}
            if encoding != "utf-8-sig":
                source["encoding"] = encoding
            line = reader.line_num + 1
            raw = delimiter.join(row).encode(encoding, "surrogateescape")
            if not row:  # a blank line holds no record
                if counters is not None:
                    counters["blank_lines"] += 1
                continue
            if any(_has_surrogate(f) for f in row):
                yield Quarantine(source, "undecodable", f"the row holds bytes that are not {encoding}",
                                 raw[:RAW_HEAD], len(raw))
                continue
            if header is None:
                header = row
                continue
            if len(row) > len(header):
                yield Quarantine(source, "bad_csv_row", f"{len(row)} fields; the header names {len(header)}",
                                 raw[:RAW_HEAD], len(raw))
                continue
            obj = dict(zip(header, row, strict=False))
            yield _row_document(obj, source, f"{path}:{source['line']}", cfg, partial(_same, raw))
        if header is None and counters is not None:
            counters["empty_files"] += 1


CSV_HEAD = 1 << 16  # bytes of a CSV file that decide its encoding
_HIGH_BYTES = bytes(range(0x80, 0x100))
_ESCAPED = re.compile("[\udc80-\udcff]")


def _csv_encoding(head: bytes) -> str:
    """The encoding of a CSV file from its first bytes: UTF-8 (a BOM skipped) unless they are not UTF-8 and the
    detector (`decode_bytes`: a BOM, then GB18030, Big5... by charset-normalizer) reads them whole."""
    cut = head.rfind(b"\n") + 1 if len(head) == CSV_HEAD else len(head)  # whole lines: no character cut in two
    sample = head[: cut or len(head)]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    # mostly UTF-8 with a few bad rows: UTF-8 still (those rows are quarantined), not a misreading of the rest.
    # GBK or Big5 text is almost never valid UTF-8: its high bytes nearly all fail
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    bad = len(_ESCAPED.findall(sample.decode("utf-8", "surrogateescape")))
    if bad * 2 < high:
        return "utf-8-sig"
    try:
        found = decode_bytes(sample).encoding
    except UndecodableError:
        return "utf-8-sig"  # nothing reads it: each row that is not UTF-8 is quarantined
    return "utf-8-sig" if found in ("utf-8", "utf-8-sig") else found


class _Prefixed(io.RawIOBase):
    """`head`, then the rest of `stream`."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head, self._stream = memoryview(head), stream

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(b))
        b[: len(data)] = data
        return len(data)


def _same(data: bytes) -> bytes:
    return data


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
