"""Readers: every format, byte ranges, and every kind of bad input ends as a document or a quarantine."""

from __future__ import annotations

import bz2
import gzip
import io
import random

import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.config import InputConfig
from taosha.document import Document
from taosha.errors import InputError
from taosha.io.readers import Quarantine, discover, plan_units, read_unit


def lines(n: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = "".join(rng.choice("经济发展，。你好世界\n") for _ in range(rng.randint(0, 30)))
        out.append(orjson.dumps({"id": f"r{i}", "text": text, "url": f"u{i}"}) + b"\n")
    return b"".join(out)


def read_all(path, cfg=None, chunk=0):
    cfg = cfg or InputConfig()
    out = []
    for u in plan_units([str(path)], chunk):
        out.extend(read_unit(u, cfg))
    return out


@pytest.mark.parametrize("suffix,compress", [
    ("jsonl", lambda b: b),
    ("jsonl.gz", gzip.compress),
    ("jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b)),
    ("jsonl.bz2", bz2.compress),
    ("ndjson", lambda b: b),
])
def test_formats_read_the_same(tmp_path, suffix, compress):
    data = lines(50)
    p = tmp_path / f"in.{suffix}"
    p.write_bytes(compress(data))
    docs = read_all(p)
    assert [d.id for d in docs] == [f"r{i}" for i in range(50)]
    assert all(isinstance(d, Document) and d.metadata["url"] == f"u{i}" for i, d in enumerate(docs))
    assert docs[1].source["offset"] == len(data.split(b"\n", 1)[0]) + 1


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.integers(0, 60))
def test_byte_ranges_cover_every_line_once(tmp_path_factory, chunk, n):
    p = tmp_path_factory.mktemp("r") / "in.jsonl"
    p.write_bytes(lines(n, seed=chunk))
    whole = [(d.id, d.text) for d in read_all(p)]
    ranged = [(d.id, d.text) for d in read_all(p, chunk=chunk)]
    assert ranged == whole


def test_concatenated_zstd_frames(tmp_path):
    c = zstandard.ZstdCompressor()
    p = tmp_path / "in.jsonl.zst"
    p.write_bytes(c.compress(lines(5, 1)) + c.compress(lines(5, 2)))
    assert len(read_all(p)) == 10


def test_metadata_and_fields(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_bytes(b'{"content": "\xe6\x96\x87", "metadata": {"lang": "zh"}, "url": "u"}\n{"content": "b", "id": 7}\n')
    a, b = read_all(p, InputConfig(text_field="content"))
    assert (a.text, a.id, a.metadata) == ("文", f"{p}:0", {"lang": "zh", "url": "u"})
    assert (b.id, b.metadata) == ("7", {})


@pytest.mark.parametrize("raw,error", [
    (b'{"text": "ok"\n', "invalid_json"),
    (b'{"text": "\xff\xfe"}\n', "undecodable"),
    (b'["text"]\n', "not_an_object"),
    (b'{"body": "x"}\n', "missing_text_field"),
    (b'{"text": 5}\n', "text_not_string"),
    (b'\x00\x01\x02binary\n', "invalid_json"),
])
def test_bad_records_are_quarantined_with_raw_bytes(tmp_path, raw, error):
    p = tmp_path / "in.jsonl"
    p.write_bytes(b'{"text": "before"}\n' + raw + b'{"text": "after"}\n')
    before, bad, after = read_all(p)
    assert before.text == "before" and after.text == "after"
    assert isinstance(bad, Quarantine) and bad.error == error
    assert bad.raw == raw and bad.source == {"path": str(p), "offset": 19}
    rec = bad.to_record()
    import base64
    assert base64.b64decode(rec["raw_b64"]) == raw


def test_blank_lines_are_counted_not_records(tmp_path):
    from collections import Counter
    p = tmp_path / "in.jsonl"
    p.write_bytes(b'\n{"text": "a"}\n  \n\n')
    counters = Counter()
    out = list(read_unit(plan_units([str(p)], 0)[0], InputConfig(), counters=counters))
    assert len(out) == 1 and counters["blank_lines"] == 3


@pytest.mark.parametrize("suffix,compress,some", [
    ("jsonl.gz", gzip.compress, True),
    ("jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b), True),
    ("jsonl.bz2", bz2.compress, False),  # one 900 kB block: nothing before the cut is decodable
])
def test_truncated_archives_keep_what_was_read_and_say_so(tmp_path, suffix, compress, some):
    data = compress(lines(12000))
    p = tmp_path / f"in.{suffix}"
    p.write_bytes(data[: len(data) // 2])
    out = read_all(p)
    docs = [d for d in out if isinstance(d, Document)]
    assert bool(docs) == some
    assert [d.id for d in docs] == [f"r{i}" for i in range(len(docs))]
    assert isinstance(out[-1], Quarantine) and out[-1].error == "truncated_archive"


def test_txt_files(tmp_path):
    (tmp_path / "a.txt").write_bytes("\ufeff第一段。\n第二段。\n".encode())
    (tmp_path / "gbk.txt").write_bytes("你好".encode("gbk"))
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "skip.png").write_bytes(b"x")
    files, skipped = discover([str(tmp_path)])
    assert skipped == [str(tmp_path / "skip.png")]
    got = {f.rsplit("/", 1)[1]: read_all(f)[0] for f in files}
    assert got["a.txt"].text == "第一段。\n第二段。\n"  # BOM removed
    assert got["empty.txt"].text == ""  # empty, not lost: the empty filter drops it with a reason
    assert got["gbk.txt"].text == "你好" and got["gbk.txt"].source["encoding"] == "gb18030"
    assert got["bin.txt"].error == "binary_file"


def test_empty_jsonl_has_no_records(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_bytes(b"")
    assert read_all(p) == []


def test_huge_line_is_quarantined_in_bounded_form(tmp_path):
    p = tmp_path / "in.jsonl"
    big = b'{"text": "' + b"a" * (100 << 20) + b'"}\n'
    p.write_bytes(b'{"text": "x"}\n' + big + b'{"text": "y"}\n')
    out = read_all(p, InputConfig(max_record_bytes=64 << 20))
    assert [type(o).__name__ for o in out] == ["Document", "Quarantine", "Document"]
    q = out[1]
    assert q.error == "record_too_large" and q.raw_size == len(big)
    assert len(q.raw) == 1 << 20 and q.to_record()["raw_truncated"] is True
    assert out[2].text == "y"


def test_discover_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        discover([str(tmp_path / "missing.jsonl")])
    (tmp_path / "x.xlsx").write_text("a")
    with pytest.raises(InputError, match="unknown file type"):
        discover([str(tmp_path / "x.xlsx")])
    with pytest.raises(InputError, match="no file matches"):
        discover([str(tmp_path / "*.jsonl")])
    (tmp_path / "d").mkdir()
    with pytest.raises(InputError, match="no readable input"):
        discover([str(tmp_path / "d")])


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.booleans(), st.booleans(), st.data())
def test_zstd_frame_walk_tells_whole_from_truncated(tmp_path_factory, frames, checksum, skippable, data):
    import io

    from taosha.io.readers import zstd_complete

    c = zstandard.ZstdCompressor(write_checksum=checksum)
    pieces = [c.compress(lines(200, seed=k)) for k in range(frames)]
    if skippable:
        pieces.insert(0, (0x184D2A50).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"abc")
    blob = b"".join(pieces)
    boundaries = {sum(len(p) for p in pieces[:k]) for k in range(len(pieces) + 1)}
    assert zstd_complete(io.BytesIO(blob)) is False  # no file descriptor: the checking reader is used
    path = tmp_path_factory.mktemp("zst") / "f.zst"
    path.write_bytes(blob)
    with open(path, "rb") as fh:
        assert zstd_complete(fh) is True
    cut = data.draw(st.integers(1, len(blob) - 1).filter(lambda c: c not in boundaries))
    path.write_bytes(blob[:cut])  # a cut between frames is a valid, shorter stream: not drawn
    with open(path, "rb") as fh:
        assert zstd_complete(fh) is False


@pytest.mark.parametrize("text,encoding,label", [
    ("这是一段简体中文的新闻报道，用于检测编码。" * 3, "gbk", "gb18030"),
    ("這是一段繁體中文的新聞報導，用於偵測編碼。" * 3, "big5", "big5"),
    ("这是一段中文，带有字节顺序标记。", "utf-16", "utf-16"),
    ("日本語のテキストです。文字コードを判定します。" * 3, "shift_jis", "shift_jis"),
])
def test_txt_in_other_encodings_is_decoded(tmp_path, text, encoding, label):
    p = tmp_path / "a.txt"
    p.write_bytes(text.encode(encoding))
    (doc,) = read_all(p)
    assert doc.text == text
    assert doc.source["encoding"].replace("_", "-").startswith(label.replace("_", "-"))


def test_declared_charset_wins_when_it_decodes(tmp_path):
    from taosha.io.decode import decode_bytes

    page = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    body = "镕基".encode("gbk")  # GBK-only character: GB2312 is read as its superset GB18030
    d = decode_bytes(page + body)
    assert d.how == "declared" and d.encoding == "gb18030" and d.text.endswith("镕基")


def test_jsonl_line_in_gbk_with_declared_charset(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_bytes(b'{"id": "g", "charset": "gbk", "text": "' + "你好，世界".encode("gbk") + b'"}\n')
    (doc,) = read_all(p)
    assert doc.text == "你好，世界" and doc.source["encoding"] == "gb18030"


@pytest.mark.parametrize("policy", ["quarantine", "escape"])
def test_undecodable_bytes_follow_the_policy(tmp_path, policy):
    p = tmp_path / "bad.txt"
    raw = "正常的文字".encode() + b"\xff\xfe\x80" + "后面".encode()
    p.write_bytes(raw)
    (out,) = read_all(p, InputConfig(undecodable=policy))
    if policy == "quarantine":
        assert isinstance(out, Quarantine) and out.error == "undecodable" and out.raw == raw
    else:
        assert isinstance(out, Document) and "\\xff" in out.text and out.signals["undecodable_bytes"] >= 2


def test_shard_writers_reuse_idle_compressors_and_write_the_same_bytes(tmp_path):
    """A closed sink's zstd compressor serves the next sink (no tables and window allocated again); sinks open at
    once never share one; and a reused compressor's frames are byte for byte a fresh one's."""
    from taosha.io import writers

    lines = [orjson.dumps({"id": f"d{i}", "text": "淘沙" * (i % 50 + 1)}) + b"\n" for i in range(300)]
    writers._IDLE.clear()
    for run in ("a", "b"):
        for sub in (*writers.SINKS, writers.DONE):
            (tmp_path / run / sub).mkdir(parents=True)
    first = writers.ShardWriter(tmp_path / "a", "part-00000")
    for line in lines:
        first.write_line("kept", line)
        first.write_line("dropped", line[::-1])
    kept, dropped = first._sinks["kept"].cctx, first._sinks["dropped"].cctx
    assert kept is not dropped  # two open sinks: two compressors
    first.close({}).finalize()
    assert {id(c) for c in writers._IDLE[3]} == {id(kept), id(dropped)}
    second = writers.ShardWriter(tmp_path / "b", "part-00000")
    for line in lines:
        second.write_line("kept", line)
    assert second._sinks["kept"].cctx in (kept, dropped)
    second.close({}).finalize()
    fresh = zstandard.ZstdCompressor(level=3).compress(b"".join(lines))
    got = (tmp_path / "b" / "kept" / "part-00000.jsonl.zst").read_bytes()
    assert zstandard.ZstdDecompressor().decompressobj().decompress(got) == b"".join(lines)
    assert got == (tmp_path / "a" / "kept" / "part-00000.jsonl.zst").read_bytes()
    assert len(got) <= len(fresh) + 16  # the same level: a streamed frame, not a weaker one


def test_a_sink_compresses_its_lines_a_mebibyte_at_a_time_into_the_same_bytes(tmp_path, monkeypatch):
    """Lines wait in a sink until they hold FLUSH_BYTES, then go to zstd together (fed 64 lines at a time, zstd
    ran at about half its speed in a whole run); the shard's bytes are those of any other chunking."""
    from taosha.io import writers

    lines = [orjson.dumps({"id": f"d{i}", "text": "淘沙" * (i % 700 + 1)}) + b"\n" for i in range(3000)]
    for sub in (*writers.SINKS, writers.DONE):
        (tmp_path / "out" / sub).mkdir(parents=True)
    w = writers.ShardWriter(tmp_path / "out", "part-00000")
    sink = w.sink("kept")
    writes: list[int] = []  # the size of each chunk given to zstd
    real = writers._Sink.flush

    def flush(self, force=False):
        before = len(self.pending)
        real(self, force)
        if before and not self.pending:
            writes.append(before)

    monkeypatch.setattr(writers._Sink, "flush", flush)
    for line in lines:
        w.write_line("kept", line)
    sizes = [sum(map(len, lines[a : a + n])) for a, n in zip(
        [sum(writes[:k]) for k in range(len(writes))], writes, strict=True)]
    assert len(writes) > 2 and all(writers.FLUSH_BYTES <= s < writers.FLUSH_BYTES + 65 * 4300 for s in sizes)
    assert sink.look > writers.BATCH or not sink.pending  # the next look comes BATCH lines on
    w.close({}).finalize()
    got = (tmp_path / "out" / "kept" / "part-00000.jsonl.zst").read_bytes()
    for chunk in (1, 64, len(lines)):  # the same level, other chunkings: the same bytes
        buf = io.BytesIO()
        z = zstandard.ZstdCompressor(level=3).stream_writer(buf, closefd=False)
        for a in range(0, len(lines), chunk):
            z.write(b"".join(lines[a : a + chunk]))
        z.close()
        assert buf.getvalue() == got
