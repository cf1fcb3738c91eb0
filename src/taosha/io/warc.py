"""Raw crawls as documents: WARC / WARC.gz files (FastWARC, a WARC reader in C++) and loose .html files.

An HTTP 200 response whose type is HTML (`text/html`, `application/xhtml+xml`, or no type and bytes that
look like HTML) becomes a document: its id is the WARC record id, `metadata` holds `url`, `host`,
`warc_date`, `warc_record_id` and `http_headers`, and the text is the page decoded by `taosha.io.html`
(`extract.html` then keeps its main text). Every other record is counted by kind in the run's stats
(`input.skipped_records`: `warcinfo`, `request`, `metadata`, `revisit`, `status_404`, `not_html`...) and
skipped. Nothing is lost unaccounted: a page that does not decode, a record over `input.max_record_bytes`
and a file cut short (truncated) or damaged are quarantine records; what precedes the damage is read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from taosha.document import Document
from taosha.errors import MissingExtraError
from taosha.io.html import UndecodableHtml, html_document, looks_like_html

if TYPE_CHECKING:
    from taosha.io.readers import InputConfig  # readers imports this module

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
RAW_HEAD = 1 << 20


def _fastwarc() -> Any:
    try:
        from fastwarc.warc import ArchiveIterator, WarcRecordType
    except ImportError as exc:
        raise MissingExtraError("reading WARC files needs fastwarc: pip install 'taosha[html]'") from exc
    return ArchiveIterator, WarcRecordType


def require_extra() -> None:
    """Raise `MissingExtraError` unless the libraries that read crawls are installed."""
    _fastwarc()
    from taosha.extract.html import _load

    _load()


def _quarantine(source: dict[str, Any], error: str, detail: str, raw: bytes, size: int) -> Any:
    from taosha.io.readers import Quarantine  # readers imports this module: import at use

    return Quarantine(source, error, detail, raw[:RAW_HEAD], size)


def _count(counters: Counter[str] | None, what: str) -> None:
    if counters is not None:
        counters[f"skipped_record|{what}"] += 1


def stream_problem(path: str, compression: str) -> tuple[int, str] | None:
    """Where a compressed WARC stops being readable: (decompressed bytes read whole, what went wrong), or None
    when every gzip member (or zstd frame) is whole and checks out. A truncated last member counts (FastWARC
    silently ends a truncated stream)."""
    if compression not in ("gz", "zst"):
        return None
    import zstandard

    done = 0
    try:
        with open(path, "rb") as fh:
            d: Any = zlib.decompressobj(31) if compression == "gz" else zstandard.ZstdDecompressor().decompressobj()
            member = 0
            started = False
            while chunk := fh.read(1 << 20):
                while chunk:
                    if not started:
                        chunk = chunk.lstrip(b"\0") if compression == "gz" else chunk
                        if not chunk:
                            break
                        started = True
                    member += len(d.decompress(chunk))
                    if not d.eof:
                        break
                    done, member, started = done + member, 0, False
                    chunk = d.unused_data
                    d = zlib.decompressobj(31) if compression == "gz" else zstandard.ZstdDecompressor().decompressobj()
            if started:
                return done, "the file ends inside a compressed member (truncated)"
    except (zlib.error, OSError, EOFError, ValueError, zstandard.ZstdError) as exc:
        return done, f"{type(exc).__name__}: {exc}"
    return None


def read_warc(path: str, compression: str, cfg: InputConfig, counters: Counter[str] | None = None,
              progress: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Documents and quarantine records of one WARC file, in file order (see the module's docstring).

    `progress(nbytes)` is told how far the raw (compressed) file was read after each record, skipped ones
    included, and the rest of the file at the end, as the text readers tell it: a WARC of a gigabyte is one
    unit, and its bar would otherwise stand still until the unit ends."""
    from taosha.io.readers import tell_rest  # readers imports this module: import at use

    archive_iterator, record_type = _fastwarc()
    problem = stream_problem(path, compression)
    limit = cfg.max_record_bytes
    last_pos = 0
    cut = False
    try:
        fh: IO[bytes] = open(path, "rb")
    except OSError as exc:
        yield _quarantine({"path": path}, "unreadable_file", str(exc), b"", 0)
        return
    raw: IO[bytes] = fh if compression != "bz2" else bz2.BZ2File(fh)  # FastWARC decompresses gz and zst itself
    told = 0

    def tell() -> None:  # the raw file's position: how far FastWARC (or bz2) has read it
        nonlocal told
        if progress is not None and not fh.closed and (now := fh.tell()) > told:
            progress(now - told)
            told = now

    with fh, raw:
        records = archive_iterator(raw, record_types=record_type.any_type, parse_http=True, auto_decode="all")
        try:
            for rec in records:
                pos = rec.stream_pos
                if problem is not None and pos >= problem[0]:
                    break  # from the damaged member on: the stream is not to be trusted
                last_pos = pos
                item = _record(rec, path, pos, limit, cfg, counters)
                tell()
                if item is not None:
                    if item.__class__ is not Document and getattr(item, "error", "") == "truncated_archive":
                        cut = True
                    yield item
        except Exception as exc:  # FastWARC gives up on a malformed stream: what was read stands
            yield _quarantine({"path": path, "offset": last_pos}, "corrupt_archive",
                              f"{type(exc).__name__}: {exc}; records after this point are not read", b"", 0)
            tell_rest(path, told, progress)
            return
    tell_rest(path, told, progress)
    if problem is not None and not cut:
        code = "truncated_archive" if "truncated" in problem[1] else "corrupt_archive"
        yield _quarantine({"path": path, "offset": problem[0]}, code,
                          f"{problem[1]}: records from decompressed byte {problem[0]} on are not read", b"", 0)


def _record(rec: Any, path: str, pos: int, limit: int, cfg: InputConfig, counters: Counter[str] | None) -> Any:
    kind = str(rec.record_type).rpartition(".")[2]  # the bare name, whatever the enum prints
    source = {"path": path, "offset": pos}
    if "Content-Length" not in rec.headers:  # WARC requires it: a header cut short (the end of a truncated file)
        return _quarantine(source, "truncated_archive", "a WARC record header without its Content-Length: the file "
                           "ends (or is damaged) inside it", b"", 0)
    skip = ""
    if kind != "response":
        skip = kind
    elif not rec.is_http:
        skip = "not_http"
    elif rec.http_headers.status_code != 200:
        skip = f"status_{rec.http_headers.status_code}"
    if skip:  # read through, to notice a record cut short (the last one of a truncated file)
        expected, size = rec.content_length, 0
        while chunk := rec.reader.read(1 << 20):
            size += len(chunk)
        if size < expected:
            return _quarantine(source, "truncated_archive", f"a {kind} record ends after {size} of its {expected} "
                               "bytes (truncated file)", b"", size)
        _count(counters, skip)
        return None
    ctype = (rec.http_content_type or "").lower()
    expected = rec.content_length
    body = rec.reader.read(limit + 1)
    if len(body) > limit:
        size = len(body)
        while chunk := rec.reader.read(1 << 20):
            size += len(chunk)
        return _quarantine(source, "record_too_large", f"{size} bytes > input.max_record_bytes={limit}", body, size)
    if (ctype and ctype not in HTML_TYPES) or (not ctype and not looks_like_html(body)):
        _count(counters, "not_html")
        return None
    record_id = rec.record_id or f"{path}:{pos}"
    if len(body) < expected:
        return _quarantine({**source, "warc_record_id": record_id}, "truncated_archive",
                           f"the record's payload ends after {len(body)} of its {expected} bytes (truncated file)",
                           body, len(body))
    url = rec.headers.get("WARC-Target-URI", "")
    meta: dict[str, Any] = {"url": url, "warc_date": rec.headers.get("WARC-Date", ""), "warc_record_id": record_id,
                            "http_headers": dict(rec.http_headers.items())}
    try:
        return html_document(body, record_id, meta, source, rec.http_charset, cfg.undecodable)
    except UndecodableHtml as exc:
        return _quarantine({**source, "warc_record_id": record_id}, "undecodable", str(exc), body, len(body))


def read_html(stream: IO[bytes], path: str, cfg: InputConfig) -> Iterator[Any]:
    """One loose HTML file (its stream already decompressed) as a document, or a quarantine record."""
    from taosha.io.readers import Quarantine, read_whole  # readers imports this module: import at use

    source = {"path": path}
    data = read_whole(stream, source, cfg)
    if isinstance(data, Quarantine):
        yield data
        return
    size = len(data)
    try:
        yield html_document(data, path, {}, source, None, cfg.undecodable)
    except UndecodableHtml as exc:
        yield _quarantine(source, "undecodable", str(exc), data, size)


def warc_record(kind: str, uri: str, block: bytes, content_type: str = "") -> bytes:
    """One WARC/1.0 record (headers, block, the two CRLFs that end it): for tests and benchmarks."""
    content_type = content_type or {"response": "application/http; msgtype=response",
                                    "request": "application/http; msgtype=request"}.get(kind, "application/warc-fields")
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, uri + kind)}>"
            f"\r\nWARC-Date: 2024-05-01T00:00:00Z\r\nWARC-Target-URI: {uri}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(block)}\r\n\r\n").encode()
    return head + block + b"\r\n\r\n"


def http_response(page: bytes, content_type: str = "text/html", status: str = "200 OK") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(page)}\r\n\r\n").encode() + page


def make_warc(pages: Iterable[tuple[str, bytes]], compress: bool = True, content_type: str = "text/html") -> bytes:
    """A WARC of a warcinfo record, then a request and a response for each (url, page bytes): what a crawler
    writes. Each record its own gzip member, as Common Crawl's files are."""
    records = [warc_record("warcinfo", "", b"software: taosha\r\nformat: WARC File Format 1.0\r\n")]
    for url, page in pages:
        records.append(warc_record("request", url, f"GET {url} HTTP/1.1\r\n\r\n".encode()))
        records.append(warc_record("response", url, http_response(page, content_type)))
    if not compress:
        return b"".join(records)
    out = io.BytesIO()
    for r in records:
        out.write(gzip.compress(r, mtime=0))
    return out.getvalue()
