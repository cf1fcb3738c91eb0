"""GBK text read by a Big5 decoder that replaces a bad pair's first byte only, and reads on from the second.

Python's Big5 codec (and the tools built on it) meets a GBK pair that Big5 does not have (GBK's 人, 日, 三, 全 and
the rest of rows C6-C8, which Big5 leaves undefined) by writing one replacement character for the first byte, then
reads the second byte as the first of the next pair: everything after it is read one byte out of step (刵耤須 for
人秀《), until another bad pair puts the reading back in step. Each replacement is one lost byte, and each turns the
alignment over: the text re-encoded in Big5, with the lost bytes marked, is the GBK text's own bytes. Decoding them
as GBK gives back every character both of whose bytes survive; a character with a lost byte is chosen among the
GBK characters that hold the surviving byte *and* that Big5 rejects with the byte after it (that is why it was
lost), which still leaves tens (`fill`): the choice is written only where it is reliable (`fill.reliable_fills`),
else the character is U+FFFD, counted as unrepaired. Bytes that are UTF-8 (`rivals.utf8_with_lost_bytes`) are UTF-8
read as Big5, not GBK: left.

A stretch is repaired when its GBK reading beats the text as it stands by `min_gain` nats a character and is
frequent text; the characters before the first lost byte (or after the last, when back in step) are read with it
only as far as each gains, so clean text beside the stretch stays.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

import numpy as np

from taosha.document import Document
from taosha.repair.mojibake.codec import _VARIANTS_MOST, _byte_lengths, _gbk_tables, _pair_reading, misread_variants
from taosha.repair.mojibake.fill import DocumentContext, _fill, reliable_fills
from taosha.repair.mojibake.redecode import _ESTABLISHED, _fragments
from taosha.repair.mojibake.rivals import utf8_with_lost_bytes
from taosha.repair.mojibake.score import _RARE_LEFT, _words
from taosha.textarrays import codepoints
from taosha.zh.lm import CharLM, for_script

# a stretch of non-ASCII text and lost bytes ('?' or U+FFFD, what a Big5 decoder wrote for one)
_STRETCH = re.compile("(?:[^\x00-\x7f]|\\?)+")
_LOST = "?\ufffd"
_MIN_READ = 2  # characters read from bytes that both survive, at least, besides the lost ones
_RARE_READ_EVERY = 4  # the reading is frequent text: at most one rare character in 4 (as a pair window's)
_GBK_DECODER = codecs.getincrementaldecoder("gbk")


def repair_big5_lost_bytes(doc: Document, lm: CharLM, min_gain: float, name: str) -> int:
    """Stretches of GBK read as Big5 with lost bytes, read back (see the module), then the page's short
    fragments read so too (`redecode._fragments`). The number of repairs. Lost characters are chosen with the
    model of GBK's script (simplified), the reading judged with the model of no script: the misread stretch makes
    a simplified page look traditional, and a page in traditional characters may hold a '?' of its own."""
    count = 0
    judge, choose = for_script("neutral"), for_script("simplified")

    context = DocumentContext(doc.text)  # once per document: it counts the whole text's pairs when first asked

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        stretch = m.group()
        # (a search in C for each of `_LOST`: most stretches of a page hold neither)
        if len(stretch) < _MIN_READ + 1 or ("?" not in stretch and "\ufffd" not in stretch):
            return stretch
        after = m.string[m.end() : m.end() + 1]
        before = m.string[m.start() - 1 : m.start()] if m.start() else ""
        out, pos, changed = [], 0, False
        for a, b in _encodable(stretch):
            for u, v in _units(stretch[a:b]):
                u, v = a + u, a + v
                fixed = _read_back(stretch[u:v], judge, choose, min_gain, stretch[u - 1 : u] if u else before,
                                   stretch[v : v + 1] if v < len(stretch) else after, context)
                if fixed is None:
                    continue
                k, e, reading = fixed
                out.append(stretch[pos : u + k])
                out.append(reading)
                pos, changed = u + e, True
                count += 1
        if not changed:
            return stretch
        out.append(stretch[pos:])
        return "".join(out)

    doc.sub(_STRETCH, fix, name, "gbk_as_big5_lost")
    if count >= _ESTABLISHED:
        count += _fragments(doc, lm, "gbk_as_big5", "big5", "gbk", min_gain, name)
    return count


def _encodable(stretch: str) -> list[tuple[int, int]]:
    """The parts of `stretch` that Big5 encodes (lost bytes included) and that hold a lost byte."""
    lengths = _byte_lengths("big5")[codepoints(stretch)]
    ok = (lengths == 2) | np.isin(codepoints(stretch), [ord(c) for c in _LOST])
    parts, start = [], None
    for k, good in enumerate([*ok.tolist(), False]):
        if good and start is None:
            start = k
        elif not good and start is not None:
            if any(c in _LOST for c in stretch[start:k]):
                parts.append((start, k))
            start = None
    return parts


def _units(part: str) -> list[tuple[int, int]]:
    """`part` cut where the reading is back in step: after every second lost byte (the text in step before the
    first of them, and after the last pair, goes with its unit), so that a stretch the module cannot explain (a
    whole character lost: two marks side by side) costs only its own unit."""
    marks = [k for k, c in enumerate(part) if c in _LOST]
    units, start = [], 0
    for k in range(0, len(marks) - 1, 2):
        end = marks[k + 1] + 1
        if marks[k + 1] > marks[k] + 1:  # (side by side: both bytes of one character lost, nothing to read)
            units.append((start, end))
        start = end
    if len(marks) % 2:
        units.append((start, len(part)))  # one left: out of step to the end, or nothing to read (`_read_back`)
    elif units and units[-1][1] == start:
        units[-1] = (units[-1][0], len(part))  # the text in step after the last pair goes with it
    return units


def _read_back(
    part: str, lm: CharLM, choose: CharLM, min_gain: float, before: str, after: str, context: DocumentContext
) -> tuple[int, int, str] | None:
    """The GBK reading of `part` (Big5-encodable characters and lost bytes), trimmed to what gains, as (start,
    end, reading), or None."""
    marks = [k for k, c in enumerate(part) if c in _LOST]
    first, last = marks[0], marks[-1]
    if len(marks) % 2 and last != len(part) - 1:
        return None  # out of step at the end: the last pair's trail would have met the byte after it
    # in step, before the first lost byte (and after the last, when back in step), only characters that read as
    # GBK characters can be part of it (clean text beside the stretch, such as 。, may not)
    lo, hi = first, last + 1
    while lo > 0 and _reads(part[lo - 1]):
        lo -= 1
    while len(marks) % 2 == 0 and hi < len(part) and _reads(part[hi]):
        hi += 1
    if lo or hi < len(part):
        found = _read_back(part[lo:hi], lm, choose, min_gain, part[lo - 1] if lo else before,
                           part[hi] if hi < len(part) else after, context)
        return None if found is None else (lo + found[0], lo + found[1], found[2])
    # the bytes Big5 read, each lost byte -1; a character Big5 reads from two codes (卅: A4 CA or A2 CE, as in
    # 并无's misaligned B2 A2 CE DE) is tried as each (`codec.two_codes`). Both codes decode, so the bytes do not say
    # which was read: where the readings that hold differ, U+FFFD (counted), not the model's pick (菠兽 or 并无);
    # readings of different extents are left (which part is damage would be the model's choice too)
    readings = [judged[1] for tokens in _token_variants(part)
                if (judged := _judge_tokens(tokens, part, marks, lm, choose, min_gain, before, after, context))]
    if not readings:
        return None
    # 十／＼'s first codes end in an ASCII byte (A4 51, A2 41, A2 42): read in step they put a Latin letter in Chinese
    # text (·Q); a reading with a letter the stretch did not hold loses to one without
    plain = [r for r in readings if not any(c.isascii() and c.isalpha() and c not in part for c in r[2])]
    readings = plain or readings
    start, end, text = readings[0]
    for other_start, other_end, other in readings[1:]:
        if (other_start, other_end) != (start, end) or len(other) != len(text):
            return None
        text = "".join(c if c == o else "\ufffd" for c, o in zip(text, other, strict=True))
    return start, end, text


def _token_variants(part: str) -> list[list[int]]:
    """`part`'s Big5 bytes, -1 for each lost byte: one list per way `codec.misread_variants` reads its characters."""
    pieces = [m.group() for m in re.finditer(f"[{_LOST}]|[^{_LOST}]+", part)]
    out: list[list[int]] = [[]]
    for piece in pieces:
        if piece in _LOST:
            out = [[*done, -1] for done in out]
        else:
            out = [[*done, *raw] for done in out for raw in misread_variants(piece, "big5")][:_VARIANTS_MOST]
    return out


def _judge_tokens(
    tokens: list[int], part: str, marks: list[int], lm: CharLM, choose: CharLM, min_gain: float, before: str,
    after: str, context: DocumentContext,
) -> tuple[float, tuple[int, int, str]] | None:
    """The GBK reading of `part` from its bytes `tokens` (see `_read_back`), with its gain, or None."""
    first, last = marks[0], marks[-1]
    if utf8_with_lost_bytes(tokens):
        return None  # UTF-8 read as Big5: its GBK reading would be UTF-8 read as GBK (`rivals`)
    next_byte = _first_byte(after)
    items = _items(tokens, next_byte)
    if items is None:
        return None
    items = [x for x in items if x != ""]
    # the character after the part is context for the last one chosen (于 before 2008)
    whole = _fill([*items, after], choose, context, before)
    reading = whole[: -len(after) if after else None]
    if any(c in _LOST for c in reading) or len(reading) != sum(len(x) if isinstance(x, str) else 1 for x in items):
        return None
    filled, at = [], 0  # where the characters chosen for lost bytes stand in the reading
    for x in items:
        if isinstance(x, tuple):
            filled.append(at)
        at += len(x) if isinstance(x, str) else 1
    # the parts in step before the first lost byte and after the last (an even number of them): one character
    # read for one, each kept only as far as reading it gains
    head, tail = part[:first], part[last + 1 :] if len(marks) % 2 == 0 else ""
    head_read, tail_read = reading[: len(head)], reading[len(reading) - len(tail) :] if tail else ""
    if len(head_read) != len(head) or len(tail_read) != len(tail):
        return None
    start = _best_start(head, head_read, lm)
    end_keep = _best_end(tail, tail_read, lm)
    old = part[start : len(part) - len(tail) + end_keep]
    new = reading[start : len(reading) - len(tail) + end_keep]
    if len(new) - len(marks) < _MIN_READ:
        return None
    if _RARE_READ_EVERY * lm.rare_count(new) > len(new) or lm.rare_cluster(new, *_RARE_LEFT) or not _words(lm, new):
        return None
    # judged on what the bytes say: the chosen characters and the lost bytes' marks left out of either side
    chosen = set(filled)
    supported = "".join(c for k, c in enumerate(new) if k + start not in chosen)
    as_is = "".join(c for c in old if c not in _LOST)
    if not supported or not as_is:
        return None
    gain = lm.score(supported) / len(supported) - lm.score(as_is) / len(as_is)
    if gain < min_gain:
        return None
    # a lost character whose choice is not reliable (`fill.reliable_fills`) is written as U+FFFD, counted in
    # `mojibake_unrepaired`: its neighbours are read back from their bytes, it is not guessed (于 -> 有, 大通 -> 大同)
    unsure = {at - start for at, sure in zip(filled, reliable_fills([*items, after], whole, choose, context, before),
                                             strict=True) if not sure and start <= at < start + len(new)}
    if unsure:
        new = "".join("\ufffd" if k in unsure else c for k, c in enumerate(new))
    return gain, (start, len(part) - len(tail) + end_keep, new)


def _reads(c: str) -> bool:
    """Whether a character's Big5 bytes read as one GBK character."""
    table = _pair_reading("big5", "gbk")  # BMP code points only
    return ord(c) < len(table) and bool(table[ord(c)])


def _best_start(text: str, read: str, lm: CharLM) -> int:
    """Where reading the characters of `text` (in step, one for one) up to its end gains most."""
    best, at, total = 0.0, len(text), 0.0
    for k in range(len(text) - 1, -1, -1):
        total += lm.char(read[k]) - lm.char(text[k])
        if total > best:
            best, at = total, k
    return at


def _best_end(text: str, read: str, lm: CharLM) -> int:
    """How many characters of `text` from its start reading gains most."""
    best, at, total = 0.0, 0, 0.0
    for k in range(len(text)):
        total += lm.char(read[k]) - lm.char(text[k])
        if total > best:
            best, at = total, k + 1
    return at


def _items(tokens: list[int], next_byte: int | None) -> list[str | tuple[str, ...]] | None:
    """The GBK text of `tokens` (bytes, -1 for a lost one) as decoded runs and, per character with a lost byte,
    its candidates; None when the bytes are not GBK."""
    items: list[str | tuple[str, ...]] = []
    decoder = _GBK_DECODER("strict")
    i, n = 0, len(tokens)
    while i < n:
        try:
            j = tokens.index(-1, i)
        except ValueError:
            j = n
        try:
            text = decoder.decode(bytes(tokens[i:j]), j == n)
        except UnicodeDecodeError:
            return None
        items.append(text)
        if j == n:
            break
        pending = decoder.getstate()[0]
        decoder.reset()
        nxt = tokens[j + 1] if j + 1 < n else next_byte
        if pending:  # the lost byte was this lead's trail: Big5 rejected it with the byte after it
            items.append(_lost_trail(pending[0], nxt if nxt is not None and nxt >= 0 else None))
            i = j + 1
        else:  # the lost byte was a lead: its trail is the next byte, and Big5 rejected the pair
            if nxt is None or nxt < 0:
                return None
            items.append(_lost_lead(nxt))
            i = j + 2
    return items


def _first_byte(c: str) -> int | None:
    """The first byte of the character after a part, as the Big5 decoder met it (None: unknown, a lost byte)."""
    if not c or c in _LOST:
        return None
    try:
        return c.encode("big5")[0]
    except UnicodeEncodeError:
        return None


def _big5_rejects(first: int, second: int | None) -> bool:
    """Whether a Big5 decoder replaces `first` when `second` follows it (None: nothing follows)."""
    if first < 0x80:
        return False
    if second is None:
        return True
    try:
        bytes((first, second)).decode("big5")
    except UnicodeDecodeError:
        return True
    return False


@lru_cache(maxsize=4096)
def _lost_lead(trail: int) -> tuple[str, ...]:
    """GBK characters with this trail byte whose pair Big5 rejects."""
    return tuple(c for c in _gbk_tables()[1].get(trail, ()) if _big5_rejects(c.encode("gbk")[0], trail))


@lru_cache(maxsize=4096)
def _lost_trail(lead: int, following: int | None) -> tuple[str, ...]:
    """GBK characters with this lead byte whose trail Big5 rejects as a lead before `following`."""
    return tuple(c for c in _gbk_tables()[0].get(lead, ()) if _big5_rejects(c.encode("gbk")[1], following))

