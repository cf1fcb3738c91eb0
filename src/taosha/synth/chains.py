"""Mojibake made from codec chains: each damage family is an explicit chain of encodings, written apart from
`damage` so that an evaluation on it does not share that simulator's assumptions.

A chain is a list of codecs read left to right as alternating encode/decode hops: `utf-8>gbk` is text written as
UTF-8 bytes and read as GBK; `utf-8>gbk>utf-8>gbk` does that twice (double encoding); a chain of odd length ends
with the codec the result was saved in and read back correctly, so `gbk>latin-1>utf-8` is GBK bytes read as
Latin-1 and re-saved as UTF-8 (`¸ü¶à¾«Ð£Ð¡Ëµ` for 更多精校小说). Three families are mechanisms on the GBK bytes
rather than chains: a byte deleted, a byte turned into `?`, and the full-width -> half-width pass of the seed page
(../shared/corpora/seed-dev/README.md).

Every sample keeps its family, the damaged text, the truth and the damaged spans; a span is reversible when its
bytes round-trip through the chain exactly (every hop decodes without error, and the inverse chain gives the
truth back). Negatives: clean text (`clean`), text with characters its source lost to `?` when it was saved in
GBK or Big5 with errors="replace" (`lost`: the positions are kept, and a repair must write nothing there), and
text that quotes mojibake (`quoted`: an article explaining 锟斤拷 or showing 浣犲ソ as an example), and text with
an icon font's glyphs (`glyph`: private-use characters from U+E600-E7FF, where iconfont.cn's fonts number them and
GB18030 puts Big5's first Han rows, mostly at a clause's edges, some inside words or after a number, as pages leave
them extracted).

Decoders are Python's, with one documented choice each (`decode`): an undecodable byte becomes the sample's
replacement (U+FFFD as browsers and Python write it, or `?` as PHP's mb_convert_encoding, or a U+FFFD later saved
as GBK, leaves it); GBK reads its user-defined area as private-use characters and 0x80 as €, as Windows' code page
936 does; cp1252 reads its five undefined bytes as the C1 controls of the same number, as browsers do.

Base text is read at run time (`load_base`), never copied here. Everything is deterministic under a seed.

>>> Chain.parse("utf-8>gbk").apply("你好")
'浣犲ソ'
>>> Chain.parse("gbk>latin-1>utf-8").apply("更多精校小说")
'¸ü¶à¾«Ð£Ð¡Ëµ'
>>> Chain.parse("utf-8>gbk").invert("浣犲ソ")
'你好'
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# --- codecs -------------------------------------------------------------------------------------------------------

CODECS = ("utf-8", "gbk", "gb18030", "big5", "cp950", "cp1252", "latin-1")
_C1_1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # bytes cp1252 leaves undefined; browsers read them as U+0081 ...


def _is_pua(ch: str) -> bool:
    return len(ch) == 1 and 0xE000 <= ord(ch) <= 0xF8FF


class _Undecodable(Exception):
    """A strict hop met bytes its decoder could not read."""


def _decode_handler(codec: str, replacement: str | None) -> Callable[[UnicodeDecodeError], tuple[str, int]]:
    def handle(err: UnicodeDecodeError) -> tuple[str, int]:
        data = err.object
        if codec == "gbk" and data[err.start] == 0x80:  # code page 936's one-byte euro sign
            return "€", err.start + 1
        if codec == "gbk":  # the user-defined area: private-use characters, as code page 936 reads it
            pair = bytes(data[err.start : err.start + 2])
            if len(pair) == 2:
                try:
                    ch = pair.decode("gb18030")
                except UnicodeDecodeError:
                    ch = ""
                if _is_pua(ch):
                    return ch, err.start + 2
        if codec == "cp1252" and data[err.start] in _C1_1252:
            return chr(data[err.start]), err.start + 1
        if replacement is None:
            raise _Undecodable(f"{codec} cannot read {bytes(data[err.start:err.end]).hex()}")
        return replacement, err.end

    return handle


def _encode_handler(codec: str) -> Callable[[UnicodeEncodeError], tuple[bytes, int]]:
    def handle(err: UnicodeEncodeError) -> tuple[bytes, int]:
        ch = err.object[err.start]
        if codec == "gbk" and ch == "€":
            return b"\x80", err.start + 1
        if codec == "gbk" and _is_pua(ch):
            raw = ch.encode("gb18030")
            if len(raw) == 2:
                return raw, err.start + 1
        if codec == "cp1252" and ord(ch) in _C1_1252:
            return bytes([ord(ch)]), err.start + 1
        raise err

    return handle


def encode(text: str, codec: str) -> bytes:
    """`text` in `codec`, strictly (UnicodeEncodeError where a character has no bytes there)."""
    if codec in ("gbk", "cp1252"):
        name = f"taosha.chains.encode.{codec}"
        try:
            codecs.lookup_error(name)
        except LookupError:
            codecs.register_error(name, _encode_handler(codec))  # type: ignore[arg-type]
        return text.encode(codec, name)
    return text.encode(codec)


def decode(data: bytes, codec: str, replacement: str | None = "\ufffd") -> str:
    """`data` read as `codec`; each byte (or run, as Python's decoder reports it) it cannot read becomes
    `replacement`, or raises `ValueError` when `replacement` is None."""
    handler = _decode_handler(codec, replacement)
    out: list[str] = []
    at = 0
    while True:  # Python's decoders take a registered handler by name; a loop keeps the handler local
        try:
            out.append(data[at:].decode(codec))
            return "".join(out)
        except UnicodeDecodeError as err:
            out.append(data[at : at + err.start].decode(codec))
            err.object = data  # report against the whole buffer
            err.start, err.end = at + err.start, at + err.end
            try:
                text, at = handler(err)
            except _Undecodable as e:
                raise ValueError(str(e)) from None
            out.append(text)


def encode_lossy(text: str, codec: str) -> tuple[str, list[int]]:
    """`text` saved in `codec` with errors="replace" and read back: each character the codec lacks becomes `?`.
    Returns the text as read back and the positions of those `?` (the characters the source lost)."""
    out, lost = [], []
    for i, ch in enumerate(text):
        try:
            out.append(decode(encode(ch, codec), codec, None))
        except (UnicodeEncodeError, ValueError):
            out.append("?")
            lost.append(i)
    return "".join(out), lost


# --- chains -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    codecs: tuple[str, ...]

    @classmethod
    def parse(cls, spec: str) -> Chain:
        names = tuple(spec.split(">"))
        if len(names) < 2 or any(n not in CODECS for n in names):
            raise ValueError(f"not a chain of {CODECS}: {spec!r}")
        return cls(names)

    @property
    def hops(self) -> list[tuple[str, str]]:
        """(written as, read as) pairs; a last odd codec is how the result was saved and read back: no change."""
        c = self.codecs
        return [(c[i], c[i + 1]) for i in range(0, len(c) - 1, 2)]

    def __str__(self) -> str:
        return ">".join(self.codecs)

    def apply(self, text: str, replacement: str | None = "\ufffd", first: str | None = None) -> str:
        """The text as the chain leaves it (strictly when `replacement` is None: ValueError on any error).
        `first`: the first hop's replacement, where it differs (debris: U+FFFD, whatever the last decoder writes)."""
        for k, (enc, dec) in enumerate(self.hops):
            text = decode(encode(text, enc), dec, first if k == 0 and first is not None else replacement)
        return text

    def invert(self, text: str) -> str | None:
        """The text before the chain, read back from the bytes `text` holds; None where they do not read back."""
        try:
            for enc, dec in reversed(self.hops):
                text = decode(encode(text, dec), enc, None)
        except (UnicodeEncodeError, ValueError):
            return None
        return text

    def reversible(self, truth: str, damaged: str) -> bool:
        """The bytes round-trip exactly: every hop decodes without error and the inverse gives the truth."""
        try:
            strict = self.apply(truth, None)
        except (UnicodeEncodeError, ValueError):
            return False
        return strict == damaged and self.invert(damaged) == truth


# --- samples ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A damaged stretch: text[start:end] in the damaged text stands for truth[truth_start:truth_end]."""

    start: int
    end: int
    truth_start: int
    truth_end: int
    reversible: bool


@dataclass(frozen=True)
class Sample:
    id: str
    family: str  # a chain (`utf-8>gbk`), a mechanism (`gbk-byte-deleted`), or a negative kind (`neg:lost`)
    text: str  # as damaged
    truth: str
    spans: tuple[Span, ...] = ()
    lost: tuple[int, ...] = ()  # positions (same in text and truth) of '?' the source wrote for a lost character
    script: str = "hans"
    replacement: str = ""  # what the decoder wrote for bytes it could not read
    source: str = ""  # the text before the damage, where the truth is not it (`lost`, the full-width pass)
    codec: str = ""  # negatives `lost`: the charset it was saved in

    @property
    def positive(self) -> bool:
        return not self.family.startswith("neg:")

    def to_json(self) -> dict:
        return {"id": self.id, "family": self.family, "text": self.text, "truth": self.truth,
                "spans": [vars(s) for s in self.spans], "lost": list(self.lost), "script": self.script,
                "replacement": self.replacement}


@dataclass(frozen=True)
class Base:
    """Clean paragraphs to damage, by script."""

    hans: list[str] = field(default_factory=list)
    hant: list[str] = field(default_factory=list)

    def texts(self, script: str) -> list[str]:
        return self.hans if script == "hans" else self.hant

    def half(self, which: int) -> Base:
        """Every other paragraph (which: 0 or 1), so that a dev and a confirm draw do not share base text."""
        return Base(self.hans[which::2], self.hant[which::2])


def load_base(shared: Path) -> Base:
    """The clean Wikipedia paragraphs of ../shared/corpora/wiki (simplified CMRC2018, traditional DRCD)."""

    def read(name: str) -> list[str]:
        with gzip.open(shared / "wiki" / name, "rt", encoding="utf-8") as fh:
            return [json.loads(line)["text"] for line in fh]

    return Base(read("cmrc2018_wiki_zh_hans.jsonl.gz"), read("drcd_wiki_zh_hant.jsonl.gz"))


def rng_for(seed: int, name: str) -> random.Random:
    """A generator per (seed, family), stable across runs and Python versions (not `hash()`)."""
    return random.Random(int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:8], "big"))


_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”」』）)]?|\n|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.end() > m.start()]


def pick_span(text: str, rng: random.Random, size: str) -> tuple[int, int]:
    """A stretch of `text`: `chars` (2-8 characters anywhere: a name, a field), `sentences` (1-3 whole
    sentences), `paragraph` (all of it)."""
    if size == "paragraph" or len(text) < 10:
        return 0, len(text)
    if size == "chars":
        n = rng.randint(2, 8)
        at = rng.randrange(0, len(text) - n)
        return at, at + n
    sents = sentences(text)
    k = rng.randrange(len(sents))
    j = min(len(sents), k + rng.randint(1, 3))
    return sents[k][0], sents[j - 1][1]


SIZES = (("chars", 0.25), ("sentences", 0.5), ("paragraph", 0.25))


def _size(rng: random.Random) -> str:
    return rng.choices([s for s, _ in SIZES], [w for _, w in SIZES])[0]


def _replacement(rng: random.Random) -> str:
    return rng.choice(("\ufffd", "?"))


def diff_spans(truth: str, text: str, reversible: bool = False) -> tuple[Span, ...]:
    """Where `text` differs from `truth`, as spans (runs less than two equal characters apart merged)."""
    import difflib

    ops = [op for op in difflib.SequenceMatcher(None, truth, text, autojunk=False).get_opcodes() if op[0] != "equal"]
    spans: list[list[int]] = []
    for _, a1, a2, b1, b2 in ops:
        if spans and a1 - spans[-1][3] < 2 and b1 - spans[-1][1] < 2:
            spans[-1][1], spans[-1][3] = b2, a2
        else:
            spans.append([b1, b2, a1, a2])
    return tuple(Span(s, e, ts, te, reversible) for s, e, ts, te in spans)


# --- families -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainFamily:
    """Damage made by a chain applied to one stretch of a paragraph, read on its own (a pasted field, a page
    part decoded apart)."""

    name: str
    scripts: tuple[str, ...]
    sizes: tuple[tuple[str, float], ...] = SIZES
    first_replacement: str | None = None  # the first hop's, where fixed (debris)

    @property
    def chain(self) -> Chain:
        return Chain.parse(self.name.split(" ")[0])

    def make(self, text: str, rng: random.Random, script: str) -> tuple[str, tuple[Span, ...], str] | None:
        size = rng.choices([s for s, _ in self.sizes], [w for _, w in self.sizes])[0]
        a, b = pick_span(text, rng, size)
        piece = text[a:b]
        repl = _replacement(rng)
        try:
            bad = self.chain.apply(piece, repl, self.first_replacement)
        except UnicodeEncodeError:
            return None  # the text has characters the first codec lacks: not a page it could have held
        if bad == piece:
            return None
        rev = self.chain.reversible(piece, bad) if self.first_replacement is None else False
        return text[:a] + bad + text[b:], (Span(a, a + len(bad), a, b, rev),), repl


def _gbk_whole(text: str) -> bytes | None:
    try:
        return encode(text, "gbk")
    except UnicodeEncodeError:
        return None


@dataclass(frozen=True)
class ByteFamily:
    """A paragraph saved as GBK loses one byte (`deleted`) or has one turned into `?` (`question`); the whole
    paragraph is read as GBK, so the misreading runs on until the decoder falls back into step (an ASCII byte),
    or to the end, where a lone byte becomes the replacement."""

    name: str
    how: str  # "deleted" | "question"
    scripts: tuple[str, ...] = ("hans", "hant")

    def make(self, text: str, rng: random.Random, script: str) -> tuple[str, tuple[Span, ...], str] | None:
        raw = _gbk_whole(text)
        if raw is None:
            return None
        high = [i for i, b in enumerate(raw) if b >= 0x80]  # a byte of a Chinese character
        if not high:
            return None
        at = rng.choice(high)
        raw = raw[:at] + (b"?" if self.how == "question" else b"") + raw[at + 1 :]
        repl = _replacement(rng)
        bad = decode(raw, "gbk", repl)
        if bad == text:
            return None
        return bad, diff_spans(text, bad), repl


# The seed page's pass (seed-dev/README.md, steps 3-4): each line's GBK bytes walked in fixed 2-byte steps, a pair
# opening with 0xA3 (the lead byte of GBK's full-width ASCII) rewritten as 00 + the second byte less 0x80; where
# the walk is out of step with the characters (an odd number of ASCII bytes before), the pair is a character's
# trail byte 0xA3 (。 is A1 A3) and the next character's lead byte. Then read as PHP's mb_convert_encoding reads
# CP936: a lead byte followed by 0x00 or any byte below 0x40 gives one '?' and swallows that byte; a lone 0x00 is
# dropped; user-defined-area pairs vanish. The walk starting in step at each line's start is our assumption: it
# reproduces the page's runs byte for byte (`要求??偨Y(jié)` from 要求。總結(jié) out of step), but not where on a real
# line the walk falls out of step (the page's line 1 is in step at its first 。 and out of step at its third).
def fullwidth_pass(line: bytes) -> bytes:
    out = bytearray(line)
    for i in range(0, len(out) - 1, 2):
        if out[i] == 0xA3 and out[i + 1] >= 0xA1:
            out[i], out[i + 1] = 0x00, out[i + 1] - 0x80
    return bytes(out)


def php_cp936(data: bytes) -> str:
    out: list[str] = []
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x00:
            i += 1
        elif b < 0x80:
            out.append(chr(b))
            i += 1
        elif b == 0x80 or b == 0xFF or i + 1 == len(data):
            out.append("?")
            i += 1
        elif data[i + 1] < 0x40 or data[i + 1] in (0x7F, 0xFF):
            out.append("?")
            i += 2
        else:
            try:
                ch = data[i : i + 2].decode("gbk")
            except UnicodeDecodeError:
                ch = ""  # the user-defined area: nothing
            out.append(ch)
            i += 2
    return "".join(out)


def fold_fullwidth(text: str) -> str:
    """What the pass meant to write, width as the page has it: each GBK full-width character (A3A1-A3FE) the
    walk met in step as its ASCII byte; one it met out of step stays full-width (no damage: only its width)."""
    out = []
    for line in text.split("\n"):
        at = 0
        for ch in line:
            raw = encode(ch, "gbk")
            if at % 2 == 0 and len(raw) == 2 and raw[0] == 0xA3 and raw[1] >= 0xA1:
                out.append(chr(raw[1] - 0x80))
            else:
                out.append(ch)
            at += len(raw)
        out.append("\n")
    return "".join(out)[:-1]


@dataclass(frozen=True)
class FullwidthFamily:
    name: str = "gbk-fullwidth-pass"
    scripts: tuple[str, ...] = ("hans", "hant")

    def truth(self, text: str) -> str:
        return fold_fullwidth(text)

    def make(self, text: str, rng: random.Random, script: str) -> tuple[str, tuple[Span, ...], str] | None:
        if _gbk_whole(text) is None:
            return None
        bad = "\n".join(php_cp936(fullwidth_pass(encode(line, "gbk"))) for line in text.split("\n"))
        truth = fold_fullwidth(text)
        if bad == truth:
            return None
        return bad, diff_spans(truth, bad), "?"


Family = ChainFamily | ByteFamily | FullwidthFamily
_SHORT = (("chars", 0.7), ("sentences", 0.3))  # debris comes in bursts of a few characters

FAMILIES: dict[str, Family] = {f.name: f for f in (
    ChainFamily("utf-8>gbk", ("hans", "hant")),
    ChainFamily("utf-8>gb18030", ("hans", "hant")),
    ChainFamily("utf-8>big5", ("hans", "hant")),
    ChainFamily("utf-8>cp950", ("hans", "hant")),
    ChainFamily("utf-8>cp1252", ("hans", "hant")),
    ChainFamily("utf-8>latin-1", ("hans", "hant")),
    ChainFamily("gbk>big5", ("hans",)),
    ChainFamily("big5>gbk", ("hant",)),
    ChainFamily("gbk>latin-1>utf-8", ("hans", "hant")),
    ChainFamily("gbk>cp1252>utf-8", ("hans", "hant")),
    ChainFamily("big5>latin-1>utf-8", ("hant",)),
    ChainFamily("big5>cp1252>utf-8", ("hant",)),
    ChainFamily("utf-8>gbk>utf-8>gbk", ("hans", "hant")),
    # 锟斤拷: GBK bytes read as UTF-8 (each unreadable byte U+FFFD), saved as UTF-8, read as GBK: EF BF BD EF BF BD
    ChainFamily("gbk>utf-8>utf-8>gbk (锟斤拷)", ("hans", "hant"), _SHORT, first_replacement="\ufffd"),
    ByteFamily("gbk-byte-deleted", "deleted"),
    ByteFamily("gbk-byte-to-?", "question"),
    FullwidthFamily(),
)}


def positives(family: str, base: Base, n: int, seed: int) -> list[Sample]:
    """`n` damaged paragraphs of `family`, drawn from `base` under `seed`."""
    fam = FAMILIES[family]
    rng = rng_for(seed, family)
    out: list[Sample] = []
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        script = rng.choice(fam.scripts)
        texts = base.texts(script)
        if not texts:
            continue
        text = rng.choice(texts)
        made = fam.make(text, rng, script)
        if made is None:
            continue
        bad, spans, repl = made
        truth = fam.truth(text) if isinstance(fam, FullwidthFamily) else text
        out.append(Sample(f"{family.split(' ')[0]}-{len(out)}", family, bad, truth, spans, script=script,
                          replacement=repl, source=text if isinstance(fam, FullwidthFamily) else ""))
    return out


# --- negatives ----------------------------------------------------------------------------------------------------

# What real pages hold that GBK and Big5 lack (their savers wrote '?'): emoji, a symbol with the emoji variation
# selector, non-breaking and other Unicode spaces, characters outside the charset. Filtered by codec at run time.
EMOJI = ("😀", "😂", "👍", "🔥", "🎉", "💯", "🙏", "😭", "❤️", "👏", "🌹", "😊")
SYMBOL_VS = ("★", "☆", "◆", "△", "●", "☀", "✔", "☎", "♥", "■")  # followed by U+FE0F
SPACES = ("\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\u200b")
RARE = ("䶮", "𠮷", "𡒄", "𨭉", "𪚥", "㐂", "䲜", "𠀋", "喆", "堃", "镕", "玥", "赟", "昇", "説", "麽", "埗", "坂")


def _lost_source(text: str, rng: random.Random, codec: str) -> str:
    """`text` with 1-4 things `codec` lacks put where pages put them."""
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(("emoji", "symbol", "space", "rare"))
        if kind == "emoji":
            sents = [e for _, e in sentences(text)]
            at = rng.choice(sents) if sents else len(text)
            text = text[:at] + rng.choice(EMOJI) * rng.randint(1, 3) + text[at:]
        elif kind == "symbol":
            sym = rng.choice(SYMBOL_VS) + "\ufe0f"
            starts = [s for s, _ in sentences(text)]
            at = rng.choice(starts) if starts else 0
            text = text[:at] + sym + text[at:]
        elif kind == "space":
            spots = [m.end() for m in re.finditer(r"[0-9A-Za-z：:]", text)] or [rng.randrange(len(text) + 1)]
            at = rng.choice(spots)
            text = text[:at] + rng.choice(SPACES) + text[at:]
        else:
            han = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
            rare = [c for c in RARE if _lacks(c, codec)]
            if han and rare:
                at = rng.choice(han)
                text = text[:at] + rng.choice(rare) + text[at + 1 :]
    return text


def _lacks(ch: str, codec: str) -> bool:
    try:
        encode(ch, codec)
    except UnicodeEncodeError:
        return True
    return False


def _words(text: str) -> list[str]:
    return [m.group() for m in re.finditer(r"[\u4e00-\u9fff]{2,6}", text)]


# Articles that quote mojibake: the garbled form is the text's subject, not damage. {w} a word of the base
# paragraph, {g} its UTF-8 read as GBK, {l} its GBK read as Latin-1, {b} its Big5 read as GBK.
QUOTED_HANS = (
    "所谓“锟斤拷”，是替换字符 U+FFFD 的 UTF-8 编码 EF BF BD 连续出现两次后被当作 GBK 读出来的结果。",
    "用 Visual C++ 调试时常见的“烫烫烫”来自未初始化的栈内存 0xCC，堆内存的 0xCD 则显示为“屯屯屯”。",
    "例如“{w}”的 UTF-8 字节按 GBK 解码，就成了“{g}”。",
    "网页把 GBK 编码的“{w}”当成 ISO-8859-1 显示，会出现“{l}”这样的乱码。",
    "打开文件后看到 `{g}` 一类的字符，说明编码选错了，应改用 UTF-8 重新打开。",
    "有网友发帖问：为什么我保存的“{w}”再打开变成了“{g}”？",
    "常见乱码对照表：“{g}”是 UTF-8 被误读为 GBK，原文为“{w}”。",
    "早年论坛里常能看到“锟斤拷锟斤拷”“烫烫烫”之类的乱码，程序员戏称为“手持两把锟斤拷，口中疾呼烫烫烫”。",
)
QUOTED_HANT = (
    "所謂「锟斤拷」，是替換字元 U+FFFD 的 UTF-8 編碼被當作 GBK 讀出的結果。",
    "把 Big5 編碼的「{w}」當成 GBK 讀取，就會得到「{b}」這樣的亂碼。",
    "「{w}」的 UTF-8 位元組若以 GBK 解讀，會顯示成「{g}」。",
    "網頁若把 Big5 文字當成 ISO-8859-1 顯示，「{w}」會變成「{l}」。",
)


def _quoted(text: str, rng: random.Random, script: str) -> str | None:
    words = _words(text)
    if not words:
        return None
    w = rng.choice(words)
    native = "gbk" if script == "hans" else "big5"
    try:
        fills = {"w": w, "g": Chain.parse("utf-8>gbk").apply(w, None),
                 "l": Chain.parse(f"{native}>latin-1").apply(w, None),
                 "b": Chain.parse("big5>gbk").apply(w, None) if script == "hant" else ""}
    except (UnicodeEncodeError, ValueError):
        return None
    sentence = rng.choice(QUOTED_HANS if script == "hans" else QUOTED_HANT).format(**fills)
    return text + "\n" + sentence if rng.random() < 0.5 else sentence + text


NEGATIVES = ("neg:clean", "neg:lost", "neg:quoted", "neg:glyph")


_CLAUSE_ENDS = frozenset("，。；：！？、")


def _glyphs(text: str, rng: random.Random) -> str:
    """`text` with one to three icon-font glyphs where pages put icons (a clause's start or end: the text's edges,
    after a comma or a full stop, before a label), now and then two together; one in four anywhere, between
    two characters of a word, as a template's markup may leave one; one in five after a number, where the text has
    one (a unit's or a date's icon: 2019 + U+E6E4). Glyphs from U+E600-E7FF: iconfont.cn numbers its fonts' glyphs
    upward from U+E600, and real fonts reach past U+E69F (a review found fonts using E6E4 and E703)."""
    out = list(text)
    for _ in range(rng.randint(1, 3)):
        glyph = chr(rng.randint(0xE600, 0xE7FF))
        edges = [0, len(out), *(k + 1 for k, c in enumerate(out) if c in _CLAUSE_ENDS)]
        numbers = [k + 1 for k, c in enumerate(out) if c.isdigit() and (k + 1 == len(out) or not out[k + 1].isdigit())]
        draw = rng.random()
        at = (rng.choice(numbers) if draw < 0.2 and numbers else rng.randint(0, len(out)) if draw < 0.45
              else rng.choice(edges))
        out.insert(at, glyph)
    return "".join(out)


def negatives(kind: str, base: Base, n: int, seed: int) -> list[Sample]:
    """`n` samples a repair must leave as they are: `neg:clean`, `neg:lost`, `neg:quoted`, `neg:glyph`."""
    rng = rng_for(seed, kind)
    out: list[Sample] = []
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        script = rng.choice(("hans", "hant"))
        texts = base.texts(script)
        if not texts:
            continue
        text = rng.choice(texts)
        sid = f"{kind}-{len(out)}"
        if kind == "neg:clean":
            out.append(Sample(sid, kind, text, text, script=script))
        elif kind == "neg:lost":
            codec = "gbk" if script == "hans" else rng.choice(("big5", "big5", "gbk"))
            source = _lost_source(text, rng, codec)
            seen, lost = encode_lossy(source, codec)
            if not lost:
                continue
            out.append(Sample(sid, kind, seen, seen, lost=tuple(lost), script=script, replacement="?",
                              source=source, codec=codec))
        elif kind == "neg:glyph":
            glyphed = _glyphs(text, rng)
            out.append(Sample(sid, kind, glyphed, glyphed, script=script))
        else:
            quoted = _quoted(text, rng, script)
            if quoted is not None:
                out.append(Sample(sid, kind, quoted, quoted, script=script))
    return out


def generate(base: Base, n: int, seed: int, families: Sequence[str] = tuple(FAMILIES),
             kinds: Sequence[str] = NEGATIVES) -> list[Sample]:
    """`n` samples of each family and each negative kind, under `seed`."""
    return [s for f in families for s in positives(f, base, n, seed)] + \
        [s for k in kinds for s in negatives(k, base, n, seed)]
