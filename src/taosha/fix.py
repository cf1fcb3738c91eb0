"""Repair text in place, like ftfy's `fix_text`, for Chinese: `fix_text`, `fix_and_explain`, `fix_bytes`.

Only the repair steps run — the same step objects as in the pipeline: Unicode NFC, mojibake repair,
spinner pinyin removal, script restoration. No boilerplate removal, no filtering, no deduplication, no
change to line breaks or punctuation width.

>>> fix_text("我們要推動經(jīng)濟發(fā)展，實現(xiàn)鄉(xiāng)村振興。")
'我们要推动经济发展，实现乡村振兴。'
>>> fix_text("浣犲ソ锛屼笘鐣岋紒")
'你好，世界！'
>>> fix_text("臺灣的群島與山峰。")  # genuine traditional text is kept under the default script="auto"
'臺灣的群島與山峰。'
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from taosha.document import Document, Edit
from taosha.errors import ConfigError
from taosha.io.decode import decode_bytes
from taosha.step import Step, build_step, run_steps
from taosha.textarrays import codepoints

SCRIPTS = ("auto", "keep", "simplified", "traditional", "tw", "hk")
REPAIRS = ("repair.nfc", "repair.mojibake", "repair.pinyin", "repair.script")
MAX_ROUNDS = 10  # rounds of the mojibake repair after the first pass, to reach a fixed point


@lru_cache(maxsize=8)
def repair_steps(script: str = "auto") -> tuple[Step, ...]:
    """The repair steps, built once per process and per target script.

    Not `setup()`: it builds every table a step may need before a runner forks its workers, while here each is
    built on first use (the same tables), so a call pays for what its text needs: a line of UTF-8 read as GBK
    needs a fifth of a second less than with every table (one process, `taosha fix` on one line)."""
    if script not in SCRIPTS:
        raise ConfigError(f"script must be one of {', '.join(SCRIPTS)}, not {script!r}")
    target = "keep" if script == "auto" else script
    return tuple(build_step(name, {"target": target} if name == "repair.script" else {}) for name in REPAIRS)


@lru_cache(maxsize=1)
def _acted_on() -> tuple[np.ndarray, np.ndarray]:
    """(per code point, whether a repair step may act on a text holding it; the mojibake gate's flags).

    The first: what the mojibake gate reads by itself (rare and private-use characters, the lead of UTF-8 read
    as GBK, Latin-1 letters, the other script's characters), `?` and the first characters of debris, brackets
    (pinyin annotations), traditional characters (a spun page). The gate's other signs need company, checked by
    `_untouched` on the flags: a character glued to a Latin word needs a letter beside it, and four characters
    in a row whose bytes read as GBK make frequent ones (AS_GBK). The rest of the gate's flags matter only
    beside one of these. A text with none of them, in NFC, comes out of the steps as it went in under the
    `keep` target (a test checks this on real and random text)."""
    from taosha.repair.mojibake import gate as m
    from taosha.zh.script import tables

    flags = m._gate_table()
    acted = np.ones(0x110000, dtype=bool)  # beyond the table: let the steps look
    acted[: len(flags)] = (flags & (m.RARE | m.E_LEAD | m.LATIN1 | m.TRAD_ONLY | m.PUA)) != 0
    _, trad = tables()
    acted[[ord(c) for c in "?(（锟烫屯\ufffd" + trad]] = True
    return acted, flags


def _untouched(text: str) -> bool:
    """Whether no repair step would change `text` (see `_acted_on`): a few lookups per character."""
    from taosha.repair.mojibake import gate as m

    if not unicodedata.is_normalized("NFC", text):
        return False
    acted, table = _acted_on()
    points = codepoints(text)
    if acted[points].any():
        return False
    flags = table[np.minimum(points, len(table) - 1)]
    if (flags & m.LETTER).any() and (flags & (m.GLUED | m.BRACKET)).any():
        return False
    as_gbk = np.cumsum((flags & m.AS_GBK) != 0)
    run = m._READ_RUN
    return len(as_gbk) < run or not (as_gbk[run - 1 :] - np.concatenate(([0], as_gbk[:-run])) >= run).any()


def _repair(text: str, script: str) -> Document:
    if script in ("auto", "keep") and _untouched(text):
        return Document("text", text)  # the common case for clean text: no step would change it
    steps = repair_steps(script)
    doc = Document("text", text)
    (doc,) = run_steps(steps, doc)
    if not doc.edits:
        return doc  # nothing changed: another look would see the same text
    mojibake = REPAIRS.index("repair.mojibake")
    for _ in range(MAX_ROUNDS):
        # a fixed point: the mojibake repair looks again at the restored text (its character model depends on
        # the script), and whatever it repairs goes through the steps after it once more
        done = len(doc.edits)
        verdict = doc.signals.get("script")
        doc.signals.clear()
        if verdict == "spun":
            doc.signals["script"] = verdict  # the page was spun: what is repaired now is restored too
        steps[mojibake].process(doc)
        if len(doc.edits) == done:
            break
        (doc,) = run_steps(steps, doc, mojibake + 1)
    return doc


def fix_text(text: str, *, script: str = "auto") -> str:
    """Repair `text`: mojibake, spinner pinyin, forced traditional script, Unicode NFC.

    `script`: `auto`/`keep` (restore spun text to simplified, keep genuine text), `simplified`,
    `traditional`, `tw`, `hk`. Idempotent: `fix_text(fix_text(x)) == fix_text(x)`.

    >>> fix_text("随着时代发展，原著显著。", script="tw")
    '隨著時代發展，原著顯著。'
    """
    return _repair(text, script).text


def fix_and_explain(text: str, *, script: str = "auto") -> tuple[str, list[Edit]]:
    """`fix_text`, and the edits that lead from `text` to the result (undo them to get `text` back).

    >>> fixed, edits = fix_and_explain("經(jīng)濟發(fā)展")
    >>> fixed, [(e.step, e.before, e.after) for e in edits]  # the pinyin repair removes right to left
    ('经济发展', [('repair.pinyin', '(fā)', ''), ('repair.pinyin', '(jīng)', ''), ('repair.script', '經濟發', ...)])
    """
    doc = _repair(text, script)
    return doc.text, doc.edits


def fix_bytes(data: bytes, *, script: str = "auto") -> str:
    """Decode bytes of unknown encoding (BOM, UTF-8, declared HTML charset, detection; GB2312/GBK as
    GB18030) and repair the text. Undecodable bytes are kept as `\\xNN` escapes.

    >>> fix_bytes("經(jīng)濟發(fā)展".encode("gbk"))
    '经济发展'
    """
    return fix_text(decode_bytes(data, policy="escape").text, script=script)


@dataclass
class LineEdit:
    """An edit placed in the input: 1-based line, 0-based column (code points), in the original text."""

    line: int
    column: int
    step: str
    reason: str
    before: str
    after: str


def explain_lines(original: str, edits: list[Edit], first_line: int = 1) -> list[LineEdit]:
    """Place each edit at its line and column in `original` (edits are recorded against the text as it
    stood before each one; an edit's position is carried back through the edits made before it).

    >>> text = "第一行\\n經(jīng)濟發(fā)"
    >>> [(e.line, e.column, e.before) for e in explain_lines(text, fix_and_explain(text)[1])]
    [(2, 9, '(fā)'), (2, 1, '(jīng)'), (2, 0, '經濟發')]
    """
    starts = [0]
    for k, c in enumerate(original):
        if c == "\n":
            starts.append(k + 1)
    out = []
    for k, e in enumerate(edits):
        pos = e.start
        for prev in reversed(edits[:k]):
            if pos >= prev.start + len(prev.after):
                pos += len(prev.before) - len(prev.after)
            elif pos > prev.start:
                pos = prev.start
        line = bisect_right(starts, pos) - 1
        out.append(LineEdit(first_line + line, pos - starts[line], e.step, e.reason, e.before, e.after))
    return out


def fix_lines(lines: Iterable[str], *, script: str = "auto", block: int = 2000, block_chars: int = 1 << 20,
              explain: list[LineEdit] | None = None) -> Iterator[str]:
    """Repair a stream of lines (without their line breaks), yielding exactly one line per input line.

    Lines are repaired in blocks, so that the script is judged on enough text (a page, not a line); the
    repairs never add or remove line breaks, and a block that would is repaired line by line instead.

    >>> list(fix_lines(["經(jīng)濟發(fā)展", "", "浣犲ソ锛屼笘鐣岋紒"]))
    ['经济发展', '', '你好，世界！']
    """
    buf: list[str] = []
    first = 1
    size = 0
    for line in lines:
        buf.append(line)
        size += len(line)
        if len(buf) >= block or size >= block_chars:  # bounded memory, whatever the file
            yield from _fix_block(buf, first, script, explain)
            first += len(buf)
            buf, size = [], 0
    if buf:
        yield from _fix_block(buf, first, script, explain)


def _fix_block(lines: list[str], first: int, script: str, explain: list[LineEdit] | None) -> list[str]:
    text = "\n".join(lines)
    fixed, edits = fix_and_explain(text, script=script)
    out = fixed.split("\n")
    if len(out) != len(lines):  # cannot happen with the repair steps; never break the line contract
        out, edits = [], []
        for k, line in enumerate(lines):
            f, e = fix_and_explain(line, script=script)
            out.append(f)
            if explain is not None:
                explain.extend(explain_lines(line, e, first + k))
        return out
    if explain is not None:
        explain.extend(sorted(explain_lines(text, edits, first), key=lambda e: (e.line, e.column)))
    return out


def decode_lines(stream: Iterable[bytes], encoding: str | None = None, ends: list[bool] | None = None) -> Iterator[str]:
    """Lines of a byte stream as text, without their `\\n` (a `\\r` stays, so CRLF files keep theirs).

    The encoding is `encoding` when given, else found on the first 64 KB (as `fix_bytes` does); a line it
    cannot decode is decoded on its own, undecodable bytes kept as `\\xNN`. `ends`, when given, is set to
    `[True]` when the last line ended with a newline.

    >>> list(decode_lines(["第一行\\r\\n".encode("gbk"), "第二行".encode("gbk")]))
    ['第一行\\r', '第二行']
    """
    it = iter(stream)
    head: list[bytes] = []
    size = 0
    for raw in it:
        head.append(raw)
        size += len(raw)
        if size >= 1 << 16:
            break
    if encoding is None:
        encoding = decode_bytes(b"".join(head), policy="escape").encoding
    for raw in _chain(head, it):
        newline = raw.endswith(b"\n")
        if ends is not None:
            ends[:] = [newline]
        body = raw[:-1] if newline else raw
        try:
            yield body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            yield decode_bytes(body, policy="escape", bom=False).text


def _chain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest
