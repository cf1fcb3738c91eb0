"""UTF-8 read as GBK by a decoder that replaced what it could not read, read back from the bytes that are left.

`bytes.decode("gbk" or "gb18030", errors="replace")` on UTF-8 (what a crawler does when it takes a UTF-8 page for
GBK) writes one U+FFFD for each byte it rejects and goes on at the next byte: 一 (E4 B8 80) becomes `涓\ufffd`, since
byte 80 is no GB18030 lead byte (browsers read it as €: `涓€`). The UTF-8 passes' windows stop at every U+FFFD, and a
review read so loses a byte every few characters: most of it stayed mojibake, where every other byte is there.

Here each U+FFFD is one byte, one of those the decoder rejects alone before the byte that follows it (`_rejected`);
so is a `?` where the mojibake was saved as GBK again (GBK has no U+FFFD). A real question mark is no byte of a
character (UTF-8 writes it alone), so it stands where no UTF-8 sequence is open, and is read as itself.
Before a non-ASCII character GB18030 rejects only 80 (and FF, which no UTF-8 holds): the byte is known. Python's GBK
also rejects the lead bytes of its undefined pairs (AA-AF before E4-E9: 振, E6 8C AF, is `鎸\ufffd` too), which leaves
up to ten. A page holding a private-use character, which GB18030 decoders write for a user-defined pair and GBK's
rejects, was not read with Python's GBK. Code page 936 (Windows, PHP) reads 80 as € and rejects its undefined pairs'
leads; `_decoders` tells a page's decoder by its € where it has one. Before an ASCII character, another U+FFFD or the
end, any continuation byte may have been lost.

A stretch is read back when its bytes, each lost one a continuation byte, are UTF-8 holding `UTF8_LEADS` 3- or 4-byte
sequences (GBK's own bytes hold two at most by chance) and its reading gains `min_gain` nats a character on the
stretch as it stands; once a page has one, its other stretches are read where their reading loses nothing. Each
character of a reading is what its bytes say; one whose lost bytes leave several characters is U+FFFD (lost,
counted in `mojibake_unrepaired`), while the bytes around it are read all the same: the character model chooses
nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from math import prod
from typing import NamedTuple

from taosha.document import Document
from taosha.repair.mojibake.codec import UTF8_LEADS, utf8_continuations, utf8_stretches_once
from taosha.repair.mojibake.gate import may_be_utf8
from taosha.repair.mojibake.score import _EAST_ASIAN_MOST, _han_share, _mean
from taosha.repair.mojibake.windows import _TWICE_SHORT
from taosha.zh.lm import for_script

LOST = "\ufffd"
# a run of non-ASCII text and lost marks: UTF-8's bytes read as GBK between two ASCII characters, each byte the
# decoder rejected a U+FFFD, or a '?' where the text was saved as GBK again (GBK has no U+FFFD)
_LOSSY_RUN = re.compile("[^\x00-\x3e\x40-\x7f]+")
_MARK = re.compile("[\ufffd?]")
_CONTINUATION = range(0x80, 0xC0)
_ANY = tuple(_CONTINUATION)  # a lost byte whose next byte does not say which it was


# the decoders that write one U+FFFD for each byte they reject (each names the bytes it rejects alone before another;
# see `_rejects`): Python's GB18030, Python's GBK, and code page 936 as Windows (and PHP) read it, whose byte 80 is €
# and whose user-defined pairs are private-use characters, as GB18030's are
GB18030, GBK, CP936 = "gb18030", "gbk", "cp936"


def _rejects(decoder: str, byte: int, following: int) -> bool:
    """Whether `decoder` rejects `byte` alone (one U+FFFD, then `following` read afresh)."""
    raw = bytes((byte, following))
    try:
        raw.decode(GBK if decoder == CP936 else decoder)
    except UnicodeDecodeError as err:
        if not (err.start == 0 and err.end == 1):
            return False
        if decoder != CP936:
            return True
        try:  # code page 936 reads 80 as € and a user-defined pair as a private-use character
            return byte != 0x80 and not _PRIVATE.fullmatch(raw.decode(GB18030))
        except UnicodeDecodeError:
            return True
    return False


@lru_cache(maxsize=1024)
def _rejected(following: int, decoders: frozenset[str]) -> tuple[int, ...]:
    """The continuation bytes (80-BF) that one of `decoders` rejects alone when `following` comes next: those a
    U+FFFD before that byte may have been."""
    return tuple(b for b in _CONTINUATION if any(_rejects(d, b, following) for d in decoders))


# where a 3- or 4-byte UTF-8 sequence may begin (a lost byte written as 80, a continuation byte): a stretch holds one
# such shape for each long sequence it reads
_LONG_SHAPE = re.compile(b"[\xe0-\xf4][\x80-\xbf]{2}")
# three long sequences in a row, 2-byte ones between them: what a stretch proving UTF-8 by itself holds
_PROOF_SHAPE = re.compile(b"(?:[\xe0-\xf4][\x80-\xbf]{2,3}(?:[\xc2-\xdf][\x80-\xbf])*){%d}" % UTF8_LEADS)


def _shape_bytes(run: str) -> bytes:
    """The run's bytes as GB18030 made them, each lost mark 80 (what `_LONG_SHAPE` is searched in)."""
    return run.replace(LOST, "?").encode(GB18030, "replace").replace(b"?", b"\x80")


EITHER = b""  # `euro` when € may be 80 or A2 E3 (a browser's GB18030): each is told by the byte after it


def _tokens(
    run: str, decoders: frozenset[str], euro: bytes
) -> tuple[list[int | tuple[int, ...]], list[int]] | None:
    """The run's bytes as GB18030 made them, each U+FFFD the tuple of bytes it may have been (`decoders`' rejected
    bytes), € as `euro` (Python's GB18030 reads it from A2 E3, code page 936 from 80; `EITHER`: see below), and where
    each character's bytes begin (with the end); None when a character has no bytes (a lone surrogate).

    With `EITHER`, a € that ends a UTF-8 sequence (as the bytes before it read) and comes before a continuation byte
    (or a lost one) is A2 E3: only E3 could open the sequence that byte goes on; elsewhere it is 80 (inside a
    sequence, or before a lead byte, an ASCII one or the end, where A2 E3 would open a sequence that is not
    continued). A wrong choice breaks the UTF-8, which ends the stretch; it never reads as another character."""
    if "€" not in run:
        return _plain_tokens(run, decoders)
    chars: list[list[int | tuple[int, ...]]] = []  # each character's bytes (a lost mark's: its candidates)
    pieces = _MARK.split(run)
    for k, piece in enumerate(pieces):
        for c in piece:
            if c == "€":
                chars.append(list(euro) if euro else [-1])  # (-1: told below, once the bytes after it are known)
                continue
            try:
                chars.append(list(c.encode(GB18030)))
            except UnicodeEncodeError:
                return None
        if k + 1 < len(pieces):
            try:
                after = pieces[k + 1][:1].encode(GB18030)
            except UnicodeEncodeError:
                return None
            # (no byte the decoders reject before the next character's: the stretch ended at a lead byte without its
            # trail, and the next character is the text after it)
            chars.append([(_rejected(after[0], decoders) if after else ()) or _ANY])
    owed = 0  # continuation bytes the UTF-8 sequence open at this point still needs (read as UTF-8 goes)
    for j, one in enumerate(chars):
        if one == [-1]:
            after = chars[j + 1][0] if j + 1 < len(chars) else None
            # (a € after it is 80 or A2: a continuation byte either way)
            goes_on = isinstance(after, tuple) or (isinstance(after, int) and (after == -1 or 0x80 <= after < 0xC0))
            one = chars[j] = [0xA2, 0xE3] if owed == 1 and goes_on else [0x80]
        for t in one:
            if isinstance(t, tuple) or 0x80 <= t < 0xC0:
                owed = max(0, owed - 1)
            else:
                owed = utf8_continuations(t)
    tokens: list[int | tuple[int, ...]] = []
    starts: list[int] = []
    for one in chars:
        starts.append(len(tokens))
        tokens.extend(one)
    starts.append(len(tokens))
    return tokens, starts


def _plain_tokens(run: str, decoders: frozenset[str]) -> tuple[list[int | tuple[int, ...]], list[int]] | None:
    """`_tokens` of a run without €, a piece between lost marks encoded at once: a run's characters are GBK pairs or
    GB18030's 4-byte ones (it holds no ASCII but '?'), so a piece of twice its length in bytes is pairs only (a page
    read as GBK whole is thousands of such runs, and a call per character was most of its reading)."""
    tokens: list[int | tuple[int, ...]] = []
    starts: list[int] = []
    pieces = _MARK.split(run)
    last = len(pieces) - 1
    for k, piece in enumerate(pieces):
        try:
            raw = piece.encode(GB18030)
        except UnicodeEncodeError:
            return None  # (a lone surrogate: a character with no bytes)
        if len(raw) == 2 * len(piece):
            starts.extend(range(len(tokens), len(tokens) + len(raw), 2))
            tokens.extend(raw)
        else:
            for c in piece:
                starts.append(len(tokens))
                tokens.extend(c.encode(GB18030))
        if k < last:
            try:
                after = pieces[k + 1][:1].encode(GB18030)
            except UnicodeEncodeError:
                return None
            starts.append(len(tokens))
            tokens.append((_rejected(after[0], decoders) if after else ()) or _ANY)
    starts.append(len(tokens))
    return tokens, starts


# the continuation bytes each byte opens a UTF-8 sequence with (`codec.utf8_continuations`), looked up
_CONTINUATIONS = tuple(utf8_continuations(b) for b in range(256))


# the byte tails a lost character's readings are decoded from at most: beyond, it has several (a lead's own limits on
# its next byte keep a quarter of them at least; two lost bytes of one character were 4,096 decodes)
_OPTIONS_READ = 4


def _utf8_at(tokens: list[int | tuple[int, ...]], q: int) -> tuple[int, str] | None:
    """The UTF-8 character whose lead byte is `tokens[q]` (its length and reading: U+FFFD where its lost bytes leave
    more than one character; the character model does not choose among them, as the lost byte carries no evidence
    and a frequent character is no proof: a margin of 10 nats still wrote 副 for 剪, 路 for 跪, 快 for 忮, 支 for 攬 on
    real text read as GBK), or None where no UTF-8 sequence begins there."""
    lead = tokens[q]
    if isinstance(lead, tuple):
        return None  # a lost lead byte: the next bytes are no character's start (and the decoder keeps none)
    if lead < 0x80:
        return 1, chr(lead)  # an ASCII byte a GBK pair took as its trail (鎷琍 for 括P)
    size = _CONTINUATIONS[lead] + 1
    if size == 1 or q + size > len(tokens):
        return None
    try:  # no lost byte (most characters): its bytes are its one reading (a lost byte's tuple is no byte)
        raw = bytes([lead, *tokens[q + 1 : q + size]])  # type: ignore[list-item]
    except TypeError:
        pass
    else:
        try:
            return size, raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    options = []
    for t in tokens[q + 1 : q + size]:
        if isinstance(t, tuple):
            options.append(t)
        elif 0x80 <= t < 0xC0:
            options.append((t,))
        else:
            return None
    if prod(map(len, options)) > _OPTIONS_READ:
        return size, LOST
    read = set()
    for tail in product(*options):
        try:
            read.add(bytes((lead, *tail)).decode("utf-8"))
        except UnicodeDecodeError:
            continue
    if not read:
        return None
    return size, read.pop() if len(read) == 1 else LOST


def _spans(run: str, decoders: frozenset[str], euro: bytes) -> list[tuple[int, int, str, int]]:
    """The stretches of `run` whose bytes are UTF-8 with lost bytes, each with its reading and its long sequences:
    (start, end, reading, longs), in characters of `run`, each holding one long sequence at least."""
    found = _tokens(run, decoders, euro)
    if found is None:
        return []
    tokens, starts = found
    at_char = {b: k for k, b in enumerate(starts)}  # a character's first byte -> the character
    out: list[tuple[int, int, str, int]] = []
    k = 0
    while k < len(run):
        q = starts[k]
        items: list[tuple[int, int, str]] = []  # (first byte, length, reading) of each UTF-8 character read
        whole = 0  # the characters read up to the last edge the run's characters share with them
        while q < len(tokens):
            seq = _utf8_at(tokens, q)
            if seq is None:
                break
            items.append((q, *seq))
            q += seq[0]
            if q in at_char:
                whole = len(items)
        if not whole:
            k += 1
            continue
        items = items[:whole]
        end = at_char[items[-1][0] + items[-1][1]]
        # clean characters at either edge whose bytes are one 2-byte UTF-8 sequence (一, D2 BB, reads as һ) are
        # the text around the stretch as it stands
        a, b = 0, len(items)
        while a < b and items[a][1] == 2 and items[a][0] + 2 in at_char:
            a += 1
        while b > a and items[b - 1][1] == 2 and items[b - 1][0] in at_char:
            b -= 1
        q, size, _ = items[b - 1] if b > a else (0, 0, "")
        if b > a and isinstance(tokens[q + size - 1], tuple):
            # a lost byte ending the stretch: the byte after it may be the clean text's (a stretch misread alone
            # ends where its bytes do, a lead byte without its trail), which says nothing of it
            last = _utf8_at([*tokens[q : q + size - 1], _ANY], 0)
            items[b - 1] = (q, size, last[1] if last is not None else LOST)
        longs = sum(size >= 3 for _, size, _ in items[a:b])
        if longs:
            out.append((at_char[items[a][0]], at_char[q + size], "".join(c for *_, c in items[a:b]), longs))
        k = end
    return out



# what GB18030 decoders and code page 936 read a user-defined pair as, where Python's GBK rejects its lead byte
_PRIVATE = re.compile("[\ue000-\uf8ff]")


def _read_private(run: str) -> bool:
    """Whether a stretch of `run` that reads as UTF-8 (each lost byte any that Python's GBK rejects) holds a
    private-use character: a pair GB18030 or code page 936 read, which Python's GBK rejects."""
    if _PRIVATE.search(run) is None:
        return False
    return any(_PRIVATE.search(run, a, b) for a, b, *_ in _spans(run, frozenset({GB18030, GBK, CP936}), b"\x80"))


def _decoders(runs: list[str], pua: bool) -> tuple[frozenset[str], bytes]:
    """The decoders that may have read the page's runs, and the bytes of €. A private-use character rules Python's
    GBK out. With €, Python's GB18030 (€ from A2 E3, U+FFFD for 80) and code page 936 (€ from 80, U+FFFD for an
    undefined pair's lead) read UTF-8's bytes out of step with each other: the one whose bytes read as more long
    UTF-8 sequences is the page's. Else a U+FFFD may be any of their rejected bytes."""
    if any("€" in run for run in runs):
        python, windows = frozenset({GB18030}), frozenset({CP936})
        ours = sum(longs for run in runs for *_, longs in _spans(run, python, b"\xa2\xe3"))
        theirs = sum(longs for run in runs for *_, longs in _spans(run, windows, b"\x80"))
        return (python, b"\xa2\xe3") if ours > theirs else (windows, b"\x80")
    return frozenset({GB18030, CP936} if pua else {GB18030, GBK, CP936}), b"\x80"


# the share of a reading that UTF-8 read as GB18030 covers in a middle layer: a reading of the right layer holds such
# stretches only by chance, short, where its U+FFFD join pieces as lost bytes would (电#剧#会 in 52 characters)
_MIDDLE_SHARE = 0.5


_INNER_LOST = re.compile("[\ufffd?][^\x00-\x7f]")  # a lost byte before a non-ASCII one (no browser rejects it)


def _middle(reading: str, least: int | None) -> bool:
    """Whether `reading` is UTF-8 read as GB18030 (stretches holding `least` long sequences, default `UTF8_LEADS`,
    over `_MIDDLE_SHARE` of it)."""
    if not may_be_utf8(reading, GB18030, least):
        return False
    covered = sum(b - a for a, b in utf8_stretches_once(reading, GB18030, least))
    return covered > _MIDDLE_SHARE * len(reading)


class LossyRead(NamedTuple):
    """What `read_lossy_utf8` did: the stretches read, those left for want of proof (as they stand), and, where a
    reading was withheld beside the middle layer of a page encoded twice, the stretches (as they stand) whose
    readings were such a layer: once another pass has read one of them, the page wants reading again."""

    read: int
    left: frozenset[str]
    layers: frozenset[str] = frozenset()


def read_lossy_utf8(
    doc: Document, min_gain: float, name: str, *, only: frozenset[str] | None = None, utf8: bool = True
) -> LossyRead:
    """Read back the stretches of UTF-8 read as GBK that hold U+FFFD (see the module): the number read, the
    stretches (as they stand) left for want of proof, and the middle layers a reading was withheld beside
    (`LossyRead`).
    `only`: such stretches of an earlier call, on a page since shown to be UTF-8 read as GBK by a window the UTF-8
    passes read back without a lost byte: those are read now (and nothing else: what the earlier call wrote is the
    page's text). `utf8`: the gate saw UTF-8 read as GBK on the page
    (without, a page whose runs cannot prove it by themselves is let go at once: a '?' the site wrote for an emoji)."""
    text = doc.text
    if LOST not in text and "?" not in text:
        return LossyRead(0, frozenset())
    # (nothing is read on a page without a proof unless `utf8` or `only` says the page is UTF-8 read as GBK: a run
    # proves it with `UTF8_LEADS` long sequences in a row, which the page's bytes then hold as `_PROOF_SHAPE`)
    if only is None and not utf8 and not _PROOF_SHAPE.search(_shape_bytes(text)):
        return LossyRead(0, frozenset())
    # (a run needs a lost mark and a character beside it, and its bytes a long sequence's shape: most runs of a page
    # a '?' sends here, a character the site lost beside clean text, have none)
    runs = [m for m in _LOSSY_RUN.finditer(text)
            if len(m.group()) > 1 and _MARK.search(m.group()) and _LONG_SHAPE.search(_shape_bytes(m.group()))]
    if not runs:
        return LossyRead(0, frozenset())
    # (a private-use character rules Python's GBK out only where a stretch reads it as UTF-8's bytes: one elsewhere on
    # the page is the page's own, an icon font's or an old phone's emoji, and says nothing of the decoder)
    decoders, euro = _decoders([m.group() for m in runs], any(_read_private(m.group()) for m in runs))
    # a browser reads both 80 and A2 E3 as €; only the decoders that reject bytes before a non-ASCII one (Python's,
    # code page 936) read it from one code: on a page without such a lost byte a € may be either, told by the byte
    # after it (`_tokens`: 财。 is E8 B4 A2 E3 80 82, `璐€€\ufffd`, whose first € read as 80 gave 贀)
    either = "€" in text and _INNER_LOST.search(text) is None
    lm = for_script("neutral")  # the page's script is the damage's as much as its own: judged with no script's
    found = []  # (start, end, reading, long sequences)
    for m in runs:
        for a, b, read, longs in _spans(m.group(), decoders, EITHER if either else euro):
            a, b = m.start() + a, m.start() + b
            if only is None or text[a:b] in only:
                found.append((a, b, read, longs))
    # a reading that is UTF-8 read as GBK again is the middle layer of a page encoded twice (its inner layer lost
    # bytes, or the UTF-8 passes would have read both): on such a page a reading holding one character's UTF-8 so is
    # one too (锛岀 for ，為), and none is taken: one layer undone is mojibake still
    middle = [_middle(reading, None) for _, _, reading, _ in found]
    twice = any(middle)
    judged = []  # (start, end, reading, proof: whether it proves UTF-8 by itself, gain)
    withheld = False  # a reading not itself a middle layer, withheld beside one
    for (a, b, reading, longs), own in zip(found, middle, strict=True):
        if _middle(reading, _TWICE_SHORT) if twice else own:
            withheld |= not own
            continue
        kept, old = reading.replace(LOST, ""), _MARK.sub("", text[a:b])
        if kept and _han_share(kept) < _EAST_ASIAN_MOST:
            continue  # East Asian text read as symbols and Latin (鈭箇 as ∹w): not this chain's
        # (an ASCII letter of a reading is a byte a GBK pair took as its trail: 做B超 is 鍋欱瓒, 在M of 鍦∕ before P3)
        gain = _mean(lm, kept) - _mean(lm, old) if kept else 0.0
        # (a proof reads `UTF8_LEADS` characters at least: two, among lost ones, are too few to tell a page encoded
        # twice, 鍙哥\ufffd for 司的 a middle layer)
        proof = longs >= UTF8_LEADS and len(kept) >= UTF8_LEADS and gain >= min_gain
        judged.append((a, b, reading, proof, gain))
    # the stretches whose bytes prove UTF-8 by themselves and whose reading gains `min_gain`, and, on a page one
    # has (or `only`'s), the others whose reading loses nothing (on a page read as GBK whole, `亿美` gains 2.0 nats
    # a character on `浜跨編鍏`, a name's rare `衞生` 1.4; `鍏\ufffd` before an ASCII letter is a lost character)
    proven = only is not None or any(proof for *_, proof, _ in judged)
    spans = [(a, b, reading) for a, b, reading, proof, gain in judged if proven and (proof or gain >= 0)]
    left = frozenset(text[a:b] for a, b, _, proof, gain in judged if not (proven and (proof or gain >= 0)))
    if spans:
        doc.replace_spans(spans, name, "utf8_as_gbk")
    layers = frozenset(text[a:b] for (a, b, *_), own in zip(found, middle, strict=True) if own) if withheld else (
        frozenset())
    return LossyRead(len(spans), left, layers)
