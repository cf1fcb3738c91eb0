"""Codec chains and byte tables, as data.

REDECODES names each reversible misreading by the codec that misread the bytes and the one they were written in;
the GBK tables list every character by lead and trail byte (for lost bytes) and the pairs PHP's decoder drops;
`to_bytes` turns a (mis)decoded line back into GBK bytes with `?` as a lost byte, and `decode_tokens` decodes them
again, filling lost bytes (`fill`).
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from taosha.repair.mojibake.fill import DocumentContext, _fill
from taosha.zh.lm import CharLM
from taosha.zh.readings import reads_as

_TO_BYTES_SPECIAL = re.compile("[?€]")
_ANNOTATION_TAIL = re.compile(r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")

# (reason, codec that misread the bytes, codec they were written in)
REDECODES = (
    ("utf8_as_gbk", "gb18030", "utf-8"),
    ("utf8_as_big5", "big5", "utf-8"),
    ("gbk_as_big5", "big5", "gbk"),
    ("big5_as_gbk", "gb18030", "big5"),  # GB18030 as browsers read GBK: Big5 punctuation comes out as PUA
)
PAIR_REDECODES = tuple(r for r in REDECODES if r[2] != "utf-8")  # one misread character for one right one
UNKNOWN = -1


def _cached_table(name: str, build: Callable[[], np.ndarray]) -> np.ndarray:
    """`build()`'s table, from the table cache (taosha.cache: built once, then memory-mapped in milliseconds by
    every process), keyed by this package's and zh's code, the character model's inputs and Python's codecs."""
    from taosha.cache import cached_table

    return cached_table(f"mojibake-{name}", _tables_key(), build)


@lru_cache(maxsize=1)
def _tables_key() -> str:
    """The tables' key, read and hashed once per process (the set-up asks for a dozen tables: 2 ms each)."""
    from taosha.cache import source_key
    from taosha.zh.lm import _source

    return source_key("taosha.repair.mojibake", "taosha.zh", extra=f"{_source(8000)[1]}|{np.__version__}")


@lru_cache(maxsize=1)
def _gbk_tables() -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
    """Every GBK character by lead byte and by trail byte (each in byte order), for filling a lost byte."""
    return _grouped(None, None)


def _grouped(lead_trails: np.ndarray | None, trail_leads: np.ndarray | None) -> tuple[
        dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
    """The GBK characters by lead byte (those whose trail byte `lead_trails`, a mask per byte value, admits; None:
    all) and by trail byte (those whose lead byte `trail_leads` admits), each group in byte order. From the table
    cache's pairs (their 24,000 decodes took a tenth of a second of every process's start), grouped in numpy (a
    loop over them in Python took a twentieth)."""
    packed = _cached_table("gbk-pairs", _build_pairs)  # in byte order
    code = packed >> 21
    lead, trail = code >> 8, code & 0xFF

    def by(key: np.ndarray, keep: np.ndarray | None) -> dict[int, tuple[str, ...]]:
        at = np.arange(len(key)) if keep is None else np.flatnonzero(keep)
        at = at[np.argsort(key[at], kind="stable")]  # by key; byte order within a key
        if not len(at):
            return {}
        keys = key[at]
        chars = (packed[at] & 0x1FFFFF).astype("<u4").tobytes().decode("utf-32-le")
        cuts = (np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist()
        starts, ends = [0, *cuts], [*cuts, len(at)]
        groups = zip(keys[starts].tolist(), starts, ends, strict=True)
        # keys in the order they first come in byte order, as a loop over the pairs would insert them
        return {k: tuple(chars[a:b]) for k, a, b in sorted(groups, key=lambda g: int(at[g[1]]))}

    return (by(lead, None if lead_trails is None else lead_trails[trail]),
            by(trail, None if trail_leads is None else trail_leads[lead]))


def _build_pairs(codec: str = "gbk") -> np.ndarray:
    """Every two-byte pair of `codec` that decodes, with its character: `(lead << 8 | trail) << 21 | code point`, in
    byte order (GBK's; GB18030's adds the user-defined area, read as private-use characters)."""
    found = []
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                c = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            found.append((lead << 8 | trail) << 21 | ord(c))
    return np.array(found, dtype=np.int64)


_TAG_REACH = 7  # characters after a '?' where the '>' of a closing tag it swallowed the '<' of may stand


def to_bytes(text: str) -> list[int] | None:
    """The GBK bytes a (mis)decoded text came from; `?` is a lost byte, or a lost byte and a swallowed
    `(` / `<` when an annotation or a tag follows. None when the text cannot have come from GBK."""
    out: list[int] = []
    pos = 0
    for m in _TO_BYTES_SPECIAL.finditer(text):  # between them, the text encodes in one call
        try:
            out.extend(text[pos : m.start()].encode("gbk"))
        except UnicodeEncodeError:
            return None
        i = pos = m.end()
        if m.group() == "€":
            out.append(0x80)  # Windows code page 936 (what PHP and browsers decode with) maps 0x80 to €
            continue
        out.append(UNKNOWN)
        if _ANNOTATION_TAIL.match(text, i):
            out.append(0x28)  # PHP swallowed the '(' after a lead byte
        elif text.startswith("/", i) and ">" in text[i : i + _TAG_REACH]:
            out.append(0x3C)  # ... or the '<' of a closing tag
    try:
        out.extend(text[pos:].encode("gbk"))
    except UnicodeEncodeError:
        return None
    return out


def decode_tokens(
    tokens: list[int], lm: CharLM, before: str = "", *, fill: bool = True, context: DocumentContext | None = None,
    items: list[str | tuple[str, ...]] | None = None,
) -> str:
    """Decode GBK bytes, choosing for each character with a lost byte the candidate the model prefers
    in its context (and whose reading matches a pinyin annotation right after it, when there is one).

    A lead byte with no valid trail is a `?` and the next byte starts afresh, as in Python's GBK codec with
    errors replaced, which decodes the stretches between lost bytes (the lost bytes are placed by hand).
    `before`: the character the bytes follow, a lost first character's left neighbour. Without `fill`, each
    character with a lost byte is a `?` (what the bytes alone say). `context`: the document the bytes are in
    (what it writes, what was chosen in it before); None for bytes on their own. `items`: `gbk_items(tokens)`,
    where the caller has them."""
    if min(tokens, default=0) >= 0:
        return bytes(tokens).decode("gbk", "replace").replace("\ufffd", "?")
    if items is None:
        items = gbk_items(tokens)
    if not fill:
        return "".join(x if isinstance(x, str) else "?" for x in items)
    return _fill([x for x in items if x != ""], lm, context or DocumentContext(), before)


def filled_questions(items: list[str | tuple[str, ...]]) -> int:
    """How many '?' `decode_tokens` with `fill` writes for bytes whose `gbk_items` are `items`, whatever its model,
    context and `before`: the '?' of the decoded runs (`_fill` writes a GBK character or U+FFFD for each lost
    character, never a '?'), found without choosing a character for any lost byte."""
    return sum(x.count("?") for x in items if isinstance(x, str))


def gbk_items(tokens: list[int]) -> list[str | tuple[str, ...]]:
    """`tokens` (with a lost byte) decoded: runs of decoded text ('?' where the bytes are invalid or a lead byte lost
    its trail out of place) and, for each character with a lost byte, its candidates."""
    by_lead, by_trail = _gbk_tables()
    items: list[str | tuple[str, ...]] = []
    decoder = _GBK_DECODER("replace")
    i, n = 0, len(tokens)
    # every lost byte's place listed at once, in one comprehension over the tokens (before, a search in C per kind of
    # lost byte, the places sorted and bisected: the seed page's 6,913 calls took 49 ms that way, 31 ms this one)
    for j in [k for k, t in enumerate(tokens) if t < 0]:
        if j < i:
            continue  # the second byte of a character that lost both, placed with the first
        text = decoder.decode(bytes(tokens[i:j]), False).replace("\ufffd", "?")
        pending = decoder.getstate()[0]
        area, first = _vanished_area(tokens[j]) if tokens[j] < UNKNOWN else (-1, False)
        if pending:  # a lead byte waits for its trail, the lost byte (80 and FF too: no candidates, marked)
            decoder.reset()
            table = _vanished_tables(area)[0] if first else by_lead
            items.extend((text, table.get(pending[0], ())))
            i = j + 1
            continue
        items.append(text)
        nxt = tokens[j + 1] if j + 1 < n else None  # the lost byte is a lead
        if first or nxt is None or (nxt >= 0 and (nxt < 0x40 or nxt == 0x7F or nxt == 0xFF)):
            items.append("?")  # a lead byte with no trail (or a vanished trail out of place): irreparable here
            i = j + 1
        else:
            table = _vanished_tables(area)[1] if area >= 0 else by_trail
            items.append(() if nxt < 0 else table.get(nxt, ()))  # both bytes lost: marked
            i = j + 2
    items.append(decoder.decode(bytes(tokens[i:]), True).replace("\ufffd", "?"))
    return items


_GBK_DECODER = codecs.getincrementaldecoder("gbk")
# lost bytes of a pair GBK's decoder rejects (`dropped_areas`), which PHP's decoder drops when misaligned bytes form
# one: the first was the trail of the character before, the second a lead; area k's are `vanished_tokens(k)`
VANISHED_TRAIL, VANISHED_LEAD = -2, -3


def vanished_tokens(area: int) -> tuple[int, int]:
    """The tokens of a pair of `dropped_areas()[area]` that vanished: its first byte's, its second's."""
    return VANISHED_TRAIL - 2 * area, VANISHED_LEAD - 2 * area


def _vanished_area(token: int) -> tuple[int, bool]:
    """The area of a vanished pair's token (below UNKNOWN), and whether it stands for the pair's first byte."""
    return (VANISHED_TRAIL - token) // 2, (VANISHED_TRAIL - token) % 2 == 0


@lru_cache(maxsize=1)
def dropped_areas() -> tuple[tuple[frozenset[int], frozenset[int]], ...]:
    """The pairs GBK's decoder rejects that misaligned bytes can form (a character's trail byte, then the next one's
    lead byte), as areas of first bytes x second bytes each wholly rejected, largest first; found by decoding every
    pair (computed once): the user-defined areas AA-AF and F8-FE x A1-FE, A1-A7 and FE x 81-A0 (traditional text's pairs
    that end in A1-A7 before a lead 81-A0) and the gaps of rows A2, A4-A9, D7 and FE."""
    table = _cached_table("dropped-areas", _build_dropped_areas)  # (a set cover over 16,000 decodes: a tenth of
    # a second of every process's start)
    return tuple((frozenset(np.flatnonzero(row[0]).tolist()), frozenset(np.flatnonzero(row[1]).tolist()))
                 for row in table)


def _build_dropped_areas() -> np.ndarray:
    """`dropped_areas`, one row per area: a mask per byte value of its first bytes, then of its second bytes."""
    rejected: dict[int, frozenset[int]] = {}
    for first in range(0x81, 0xFF):  # a trail byte that is a lead byte too
        seconds = []
        for second in range(0x81, 0xFF):  # the next character's lead byte
            try:
                bytes((first, second)).decode("gbk")
            except UnicodeDecodeError:
                seconds.append(second)
        if seconds:
            rejected[first] = frozenset(seconds)
    shapes = set(rejected.values())  # each first byte's seconds, and their intersections: the areas to choose from
    while True:
        more = {a & b for a in shapes for b in shapes if a & b} - shapes
        if not more:
            break
        shapes |= more
    left = {(f, s) for f, seconds in rejected.items() for s in seconds}
    areas = []
    while left:  # greedily, the area that covers most pairs not yet covered
        best: tuple[int, list[int], frozenset[int]] = (0, [], frozenset())
        for shape in sorted(shapes, key=sorted):
            firsts = [f for f, seconds in rejected.items() if shape <= seconds]
            new = sum((f, s) in left for f in firsts for s in shape)
            if new > best[0]:
                best = (new, firsts, shape)
        areas.append((frozenset(best[1]), best[2]))
        left -= {(f, s) for f in best[1] for s in best[2]}
    table = np.zeros((len(areas), 2, 256), dtype=np.uint8)
    for k, (area_firsts, area_seconds) in enumerate(areas):
        table[k, 0, sorted(area_firsts)] = 1
        table[k, 1, sorted(area_seconds)] = 1
    return table


@lru_cache(maxsize=16)  # (one per area asked; there are 10)
def _vanished_tables(area: int) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
    """For `dropped_areas()[area]`: GBK characters by lead byte whose trail is one of its first bytes (a vanished
    first byte's candidates), and by trail byte whose lead is one of its second bytes (a vanished second's); built
    for the areas asked only (realign puts back the first's)."""
    firsts, seconds = dropped_areas()[area]
    lead_trails, trail_leads = np.zeros(256, dtype=bool), np.zeros(256, dtype=bool)
    lead_trails[list(firsts)] = True
    trail_leads[list(seconds)] = True
    return _grouped(lead_trails, trail_leads)


@lru_cache(maxsize=4)
def _pair_reading(wrong: str, right: str) -> np.ndarray:
    """Per BMP code point, the one character its bytes in `wrong` read as in `right` (0: none, or several); a
    character beyond the BMP has none (GB18030 writes it in four bytes, which no 2-byte codec reads as one)."""

    def build() -> np.ndarray:
        table = np.zeros(0x10000, dtype=np.uint32)
        for cp in range(1, 0x10000):
            fixed = _redecode_span(chr(cp), wrong, right)
            if fixed is not None and len(fixed) == 1 and ord(fixed) < 0x10000:  # the model's table is the BMP's
                table[cp] = ord(fixed)
        return table

    return _cached_table(f"pair-{wrong}-{right}", build)


def misread_bytes(text: str, wrong: str, errors: str = "strict") -> bytes:
    """The bytes `text` was read from with `wrong`. GBK as browsers and PHP decode it (WHATWG's gb18030, Windows
    code page 936) reads byte 80 as €, which Python's GB18030 writes as A2 E3: 一 (E4 B8 80) read so is 涓€.
    `errors`: the encoder's, for what has no bytes (a lone surrogate)."""
    if wrong != "gb18030" or "€" not in text:
        return text.encode(wrong, errors)
    return b"\x80".join(part.encode(wrong, errors) for part in text.split("€"))


@lru_cache(maxsize=4)
def two_codes(codec: str) -> dict[str, tuple[bytes, ...]]:
    """Characters `codec`'s decoder reads from more than one code, each with its codes (the one its encoder writes
    first): re-encoding such a character gives one code, so the bytes it was read from must be tried as each. Found
    by decoding every pair and encoding it back (Python's Big5 reads ／ ＼ 十 卅 from two codes each; cp950 and
    Big5-HKSCS a few box-drawing forms more; GB18030 only €, kept to one code: `_ONE_CODE`); kept in the table
    cache (the 32,000 decodes took a twelfth of a second of a process's first repair)."""

    def build() -> np.ndarray:  # per code: its character, its length, its bytes (at most 4), in the dict's order
        rows = [(ord(c), len(code), *code.ljust(4, b"\0")) for c, codes in _find_two_codes(codec).items()
                for code in codes]
        return np.array(rows, dtype=np.uint32).reshape(-1, 6)

    found: dict[str, list[bytes]] = {}
    for point, size, *code in _cached_table(f"two-codes-{codec}", build).tolist():
        found.setdefault(chr(point), []).append(bytes(code[:size]))
    return {c: tuple(codes) for c, codes in found.items()}


def _find_two_codes(codec: str) -> dict[str, tuple[bytes, ...]]:
    found: dict[str, list[bytes]] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            raw = bytes((lead, trail))
            try:
                c = raw.decode(codec)
                back = misread_bytes(c, codec)
            except (UnicodeDecodeError, UnicodeEncodeError):
                continue
            if back != raw and c not in _ONE_CODE and raw not in found.setdefault(c, [back]):
                found[c].append(raw)
    return {c: tuple(codes) for c, codes in found.items() if len(codes) > 1}


# read from its encoder's code only: €, byte 80 to browsers (`misread_bytes`) and A2 E3 to Python's GB18030, tried as
# both read the debris of a doubly encoded line as Big5 (宕€圭 -> 舐Ｕ寧) and slowed the UTF-8 families by a quarter,
# for no repair gained on seeds 1-30
_ONE_CODE = frozenset("€")
_VARIANTS_MOST = 16  # byte readings of one span tried at most (each character with two codes doubles them)


def misread_variants(span: str, wrong: str) -> list[bytes]:
    """The bytes `wrong` may have read as `span`: `misread_bytes` first, then with each character that `wrong` reads
    from two codes (`two_codes`) written in its other code (up to `_VARIANTS_MOST`). Raises UnicodeEncodeError."""
    first = misread_bytes(span, wrong)
    table = two_codes(wrong)
    if table.keys().isdisjoint(span):
        return [first]
    # the bytes between such characters, one code each, encoded a stretch at a time (the encoding of a text is its
    # characters' codes one after the other: a whole page was a call per character)
    out, done = [b""], 0
    for m in _two_code_chars(wrong).finditer(span):
        if m.start() > done:
            between = misread_bytes(span[done : m.start()], wrong)
            out = [have + between for have in out]
        out = [have + code for have in out for code in table[m.group()]][:_VARIANTS_MOST]
        done = m.end()
    if done < len(span):
        rest = misread_bytes(span[done:], wrong)
        out = [have + rest for have in out]
    return out


@lru_cache(maxsize=4)
def _two_code_chars(codec: str) -> re.Pattern[str]:
    """The characters of `two_codes(codec)`, one at a time (a class that matches nothing when there are none)."""
    chars = "".join(re.escape(c) for c in sorted(two_codes(codec)))
    return re.compile(f"[{chars}]" if chars else "(?!)")


def _redecode_span(span: str, wrong: str, right: str) -> str | None:
    """`span`'s bytes as `wrong` read them, decoded with `right`, or None. Where the encoder's codes do not decode
    and the first bad byte is (or follows) a character `wrong` reads from two codes, its other codes are tried
    (`misread_variants`); a failure elsewhere is no sign that the other code was read (a window of lost bytes would
    read as noise: 宕€圭 in a doubly encoded line)."""
    try:
        raw = misread_bytes(span, wrong)
    except UnicodeEncodeError:
        return None
    try:
        return raw.decode(right)
    except UnicodeDecodeError as err:
        if not _fails_at_two_codes(span, wrong, err.start):
            return None
    readings = set()
    for raw in misread_variants(span, wrong)[1:]:
        try:
            readings.add(raw.decode(right))
        except UnicodeDecodeError:
            continue
    # one reading or none: where codes of several such characters each decode, the bytes do not say which was read
    return readings.pop() if len(readings) == 1 else None


def _fails_at_two_codes(span: str, wrong: str, at: int) -> bool:
    """Whether byte `at` of `span`'s bytes (`misread_bytes`) is, or directly follows, a character `wrong` reads from
    two codes."""
    if two_codes(wrong).keys().isdisjoint(span):
        return False
    # each such character's bytes found by encoding the text before it (a text's encoding is its characters' codes
    # one after the other), up to the first that begins after byte `at`
    pos, done = 0, 0
    for m in _two_code_chars(wrong).finditer(span):
        pos += len(misread_bytes(span[done : m.start()], wrong))
        if pos > at:
            return False
        end = pos + len(misread_bytes(m.group(), wrong))
        if at <= end:
            return True
        pos, done = end, m.end()
    return False


@lru_cache(maxsize=4)
def _byte_lengths(codec: str) -> np.ndarray:
    """Bytes per character in `codec`, by code point (BMP by encoding; beyond it 4, as GB18030 writes them)."""

    def build() -> np.ndarray:
        table = np.full(0x110000, 4, dtype=np.uint8)
        for cp in range(0x10000):
            try:
                table[cp] = len(chr(cp).encode(codec))
            except UnicodeEncodeError:
                table[cp] = 0  # never asked: a run that does not encode is rejected before
        if codec == "gb18030":
            table[ord("€")] = 1  # byte 80 (see misread_bytes)
        return table

    return _cached_table(f"lengths-{codec}", build)


@lru_cache(maxsize=4096)
def _bytes_reading(first: int, reading: str) -> tuple[int, ...]:
    """Second bytes b such that GBK (first, b) is a character that reads `reading`; none when `first` is no lead
    byte (an ASCII trail byte, 鬱's 0x64 before `?ma)`, decodes with any b as two ASCII characters)."""
    out: list[int] = []
    if not 0x81 <= first <= 0xFE:
        return ()
    for b in range(0x40, 0xFF):
        try:
            c = bytes((first, b)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if len(c) == 1 and reads_as(c, reading):
            out.append(b)
    return tuple(out)


# a stretch of text and the marks a decoder wrote for bytes it lost ('?' or U+FFFD: one byte each in Python's CJK
# decoders, a pair in browsers'), as `utf8_with_losses` judges it
LOSSY_STRETCH = re.compile("(?:[^\x00-\x7f]|\\?)+")
_LOST_MARK = re.compile("[?\ufffd]")
_UTF8_PIECE = codecs.getincrementaldecoder("utf-8")
_NOT_LONG_LEADS = bytes([*range(0xE0), *range(0xF5, 0x100)])  # all but the lead bytes of 3- and 4-byte sequences
# lead bytes of 3- or 4-byte sequences (E0-F4: a CJK character's, a full-width mark's) a span of a stretch must hold,
# all of its bytes UTF-8, to be UTF-8 and nothing else (2-byte sequences prove little: GBK's own pairs make them, 和弟弟
# 白光（ is six). Measured on the chains' dev seed (300 documents a family, the longest such span of each): GBK read as
# Big5 and Big5 read as GBK make them with 2 at most, as do 3,052 clean Wikipedia paragraphs in either codec's bytes;
# UTF-8 read as Big5/cp950 makes 94% of its documents' with 3 or more, UTF-8 read as GBK (or twice) 88%
UTF8_LEADS = 3


_SUFFIX_BYTES = 8  # a piece's first bytes that decide whether bytes put before it still make one (3 + a sequence)


def utf8_continuations(lead: int) -> int:
    """The continuation bytes a UTF-8 sequence that `lead` opens takes (1-3), or 0 where `lead` opens none."""
    return 1 if 0xC2 <= lead <= 0xDF else 2 if 0xE0 <= lead <= 0xEF else 3 if 0xF0 <= lead <= 0xF4 else 0


def utf8_with_losses(stretch: str, wrong: str) -> bool:
    """Whether the bytes `wrong` read as `stretch`, each lost mark ('?', U+FFFD) a gap of one byte or two, are UTF-8
    (`utf8_spans` finds it whole)."""
    return utf8_spans(stretch, wrong) == [(0, len(stretch))]


def utf8_spans(stretch: str, wrong: str, least: int | None = None) -> list[tuple[int, int]]:
    """Where in `stretch` (text and lost marks, `LOSSY_STRETCH`) the bytes `wrong` read are UTF-8, each lost mark a
    gap of one byte or two: pieces between the marks that are pieces of a UTF-8 stream (cut sequences at their edges,
    none invalid inside), joined across the marks, each span holding `UTF8_LEADS` (or `least`) lead bytes of 3- or
    4-byte sequences at least; a piece that is not (clean text glued to the damage) ends a span with its head that
    is, and begins the next with its tail. Such a span is UTF-8 read as `wrong` (lossy: 銋???????樴? is 乌拉嘎龙 read as
    Big5), and reading its bytes as another 2-byte codec writes that codec's mojibake of UTF-8 (涔 for 銋, UTF-8's 乌
    read as GBK): the wrong chain. GBK and Big5 bytes are seldom UTF-8 for more than a character or two (a lead byte
    C2-F4 must be followed by continuation bytes 80-BF, and GBK's trail bytes are mostly above them)."""
    found: list[tuple[int, int]] = []
    least = UTF8_LEADS if least is None else least
    start, high, pos = -1, 0, 0  # the open span's start (-1: none), its long sequences' lead bytes

    def close(end: int) -> None:
        nonlocal start, high
        if start >= 0 and high >= least:
            found.append((start, end))
        start, high = -1, 0

    for part in _LOST_MARK.split(stretch):
        end = pos + len(part)
        raw = _piece_bytes(part, wrong)
        if raw is not None and _utf8_piece(raw):
            if start < 0:
                start = pos
            high += len(raw.translate(None, _NOT_LONG_LEADS))
        elif part:
            # (each character's bytes only as far as they are UTF-8 from either end: clean text stops it at once)
            head, head_bytes = _utf8_head(part, wrong)  # its head that goes on the open span
            if start >= 0:
                high += len(head_bytes.translate(None, _NOT_LONG_LEADS))
            close(pos + head)
            # and its tail that begins the next (a suffix of UTF-8 is UTF-8), grown a character at a time: whether
            # one more character's bytes still make a piece is decided by its bytes and the suffix's first few (up
            # to 3 continuation bytes, then the lead byte the suffix's own reading starts at), so only those are
            # kept and checked (checking the whole suffix each time was quadratic: 0.8 s for a 32,000-character one)
            tail, first, leads = len(part), b"", 0
            while tail > head:
                one = _piece_bytes(part[tail - 1], wrong)
                if one is None or not _utf8_piece(one + first):
                    break
                tail, first = tail - 1, (one + first)[:_SUFFIX_BYTES]
                leads += len(one.translate(None, _NOT_LONG_LEADS))
            if tail < len(part):
                start, high = pos + tail, leads
        pos = end + 1  # past the mark
    close(len(stretch))
    return found


def _piece_bytes(part: str, wrong: str) -> bytes | None:
    """The bytes `wrong` read as `part` (Big5: or cp950, Microsoft's, whose decoder writes a few characters more)."""
    try:
        return misread_bytes(part, wrong)
    except UnicodeEncodeError:
        if wrong != "big5":
            return None
    try:
        return part.encode("cp950")
    except UnicodeEncodeError:
        return None


def _utf8_head(part: str, wrong: str) -> tuple[int, bytes]:
    """How many characters of `part` from its first make a piece of a UTF-8 stream (as `wrong` wrote their bytes),
    and their bytes."""
    decoder, taken = _UTF8_PIECE(), list[bytes]()
    for k, c in enumerate(part):
        raw = _piece_bytes(c, wrong)
        if raw is None:
            return k, b"".join(taken)
        fed = raw
        if k == 0:
            skip = 0
            while skip < len(raw) and skip < 3 and 0x80 <= raw[skip] <= 0xBF:
                skip += 1
            fed = raw[skip:]
        try:
            decoder.decode(fed, False)
        except UnicodeDecodeError:
            return k, b"".join(taken)
        taken.append(raw)
    return len(part), b"".join(taken)


def _utf8_piece(raw: bytes | None) -> bool:
    """Whether `raw` is a piece of a UTF-8 stream: up to 3 continuation bytes (a sequence cut before it), sequences,
    and one cut at its end."""
    if raw is None:
        return False
    k = 0
    while k < len(raw) and k < 3 and 0x80 <= raw[k] <= 0xBF:
        k += 1
    # an incomplete sequence at the end is kept, not an error (what an incremental decoder keeps for more bytes).
    # One decoding in C first (an incremental decoder's call is a Python method): an error 4 bytes or more before the
    # end is the incremental decoder's too; one nearer the end is left to it (it keeps some prefixes that the
    # stateless decoder calls invalid: ED A0)
    try:
        raw[k:].decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start + 3 < len(raw) - k:
            return False
        try:
            _UTF8_PIECE().decode(raw[k:], False)
        except UnicodeDecodeError:
            return False
    return True


def utf8_stretches(text: str, wrong: str, least: int | None = None) -> list[tuple[int, int]]:
    """Where `text` holds stretches that are UTF-8 read as `wrong` (`utf8_spans`), in order."""
    return list(_utf8_stretches(text, wrong, least))


# (a pure function of its arguments, remembered for the few texts last asked: the gate and each pass of the repairs
# ask the same page's question again, and its scan of every stretch cost a news page as much as the gate)
@lru_cache(maxsize=8)
def _utf8_stretches(text: str, wrong: str, least: int | None) -> tuple[tuple[int, int], ...]:
    return utf8_stretches_once(text, wrong, least)


def utf8_stretches_once(text: str, wrong: str, least: int | None = None) -> tuple[tuple[int, int], ...]:
    """`utf8_stretches`, not remembered: for texts asked once each (a pass's readings, thousands on a page read as
    GBK whole, would push the pages the gate and the passes share out of the remembered few)."""
    return tuple((m.start() + a, m.start() + b) for m in LOSSY_STRETCH.finditer(text)
                 for a, b in utf8_spans(m.group(), wrong, least))


# lead bytes a span of a page whose damage longer ones explain (`gate.utf8_explained`) must hold to be UTF-8 too
UTF8_PAGE_LEADS = 1


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether `[start, end)` overlaps one of `spans` (sorted, disjoint)."""
    k = bisect_right(spans, (start, len(spans) and 1 << 62)) - 1
    return any(a < end and start < b for a, b in spans[max(0, k) : k + 2])
