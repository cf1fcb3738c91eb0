"""Turn raw bytes of unknown encoding into text, saying how.

Order: a byte-order mark; strict UTF-8; a declared charset (an HTML `<meta charset>`, or a JSONL record's
`charset`/`encoding` field) when the bytes decode cleanly with it; then detection by charset-normalizer.
GB2312 and GBK are always read as GB18030 (their superset: a page labelled GB2312 often holds GBK-only
characters). Bytes that no candidate decodes follow the `undecodable` policy: `quarantine` (the record goes
to quarantine with its raw bytes) or `escape` (each bad byte becomes the text `\\xNN`, counted in the
document's `signals.undecodable_bytes`, so the bytes can still be read back from the text).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_META = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.I)
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs", "euc-cn": "gb18030",
             "x-gbk": "gb18030", "hz-gb-2312": "hz"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Decoded:
    text: str
    encoding: str
    how: str  # bom | utf-8 | declared | detected | escaped
    undecodable: int = 0  # bytes escaped as \xNN


class UndecodableError(ValueError):
    pass


def canonical(name: str) -> str | None:
    """A Python codec name for a charset label, widened to its superset (gb2312 -> gb18030)."""
    try:
        name = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSET.get(name, name)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first 4 KB, if any."""
    m = _META.search(data[:4096])
    return canonical(m.group(1).decode("ascii")) if m else None


def decode_bytes(data: bytes, declared: str | None = None, policy: str = "quarantine", *, bom: bool = True) -> Decoded:
    """Decode `data`; raise `UndecodableError` when the policy is `quarantine` and nothing decodes it.

    >>> decode_bytes("你好，世界".encode("gbk")).encoding
    'gb18030'
    >>> decode_bytes(b'<meta charset="gb2312">' + "简体中文".encode("gbk")).how
    'declared'
    """
    for mark, enc in _BOMS if bom else ():
        if data.startswith(mark):
            try:
                return Decoded(data.decode(enc), enc, "bom")
            except UnicodeDecodeError:
                break
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    for named, how in ((canonical(declared) if declared else None, "declared"), (declared_charset(data), "declared")):
        if named:
            try:
                return Decoded(data.decode(named), named, how)
            except (UnicodeDecodeError, LookupError):
                pass
    # statistical detection tells Chinese from Japanese and Korean; between GB18030 and Big5, and on short
    # texts, the Chinese character model decides
    guess = _detect(data) if len(data) >= 64 else None
    if guess is None or guess in ("gb18030", "big5", "big5hkscs"):
        guess = _chinese(data) or guess
    if guess:
        try:
            return Decoded(data.decode(guess), guess, "detected")
        except (UnicodeDecodeError, LookupError):
            pass
    if policy != "escape":
        raise UndecodableError(f"not UTF-8, and no declared or detected encoding decodes it (best guess: {guess})")
    enc = guess or "utf-8"
    bad = sum(1 for c in data.decode(enc, "surrogateescape") if "\udc80" <= c <= "\udcff")
    return Decoded(data.decode(enc, "backslashreplace"), enc, "escaped", bad)


def _chinese(data: bytes) -> str | None:
    """GB18030 or Big5, whichever decodes cleanly and reads as more probable Chinese (the character model
    of the mojibake repair decides; it also settles short texts, where statistical detection guesses)."""
    texts = {}
    for enc in ("gb18030", "big5hkscs"):
        try:
            texts[enc] = data.decode(enc)
        except UnicodeDecodeError:
            pass
    if len(texts) < 2:
        return next(iter(texts), None) if texts and _looks_chinese(next(iter(texts.values()))) else None
    from taosha.zh.lm import model

    lm = model()
    return max(texts, key=lambda e: lm.score(texts[e]) / max(1, len(texts[e])))


def _looks_chinese(text: str) -> bool:
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return han >= 0.3 * sum(1 for c in text if not c.isascii())


# what Chinese crawls hold besides UTF-8; detection is limited to them (faster, and no Latin guess for junk)
CANDIDATES = ["gb18030", "big5", "shift_jis", "euc_jp", "euc_kr"]  # UTF-16 only with its BOM


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess among CANDIDATES, preferring GB18030 for the GB family."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 16], cp_isolation=CANDIDATES).best()
    if best is None:
        return None
    return canonical(best.encoding)


# A JSON string literal in raw bytes. In GBK and Big5 a two-byte character's second byte is never `"` (< 0x40),
# so literals are found in bytes of any charset taosha reads; a trail byte 0x5C (`\\`, Big5's 許) before a
# closing quote is the one shape this cannot tell apart, and such a line fails to parse (quarantined).
_LITERAL = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.S)
_DECLARED = re.compile(rb'"(?:charset|encoding)"\s*:\s*"([A-Za-z0-9_.:-]{2,40})"')
_ESCAPED = re.compile("[\udc80-\udcff]")


def decode_json_line(line: bytes, policy: str = "quarantine") -> tuple[bytes, Decoded]:
    """A JSONL line that is not UTF-8, as UTF-8: every string literal (keys, nested metadata, the text)
    decoded from its raw bytes, never through a Latin-1 reading (a `\\u` escape stays an escape).

    The literals that are not UTF-8 are decoded together with the record's declared (`charset`/`encoding`
    field) or detected charset; when they do not all decode so, each is decoded on its own (a record whose
    fields were written in different charsets). Literals that are UTF-8 stay UTF-8. Returns the UTF-8 line
    and how its non-UTF-8 part was decoded; raises `UndecodableError` (policy `quarantine`) when a literal
    decodes with nothing.

    >>> raw = b'{"text":"' + "中文".encode("gbk") + b'","metadata":{"' + "标题".encode("gbk") + b'":"caf\\\\u00e9"}}'
    >>> import json; json.loads(decode_json_line(raw)[0])["metadata"]
    {'标题': 'café'}
    """
    spans = [m.span(1) for m in _LITERAL.finditer(line)]
    todo = []
    for s, e in spans:
        raw = line[s:e]
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            todo.append((s, e))
    m = _DECLARED.search(line)
    declared = m.group(1).decode("ascii") if m else None
    joined = b"\n".join(line[s:e] for s, e in todo)
    decoded: dict[tuple[int, int], str] = {}
    try:
        whole = decode_bytes(joined, declared, "quarantine", bom=False)
        for (s, e), text in zip(todo, whole.text.split("\n"), strict=True):
            decoded[(s, e)] = text
        summary = whole
    except (UndecodableError, ValueError):
        # field by field: each literal with its own charset (or escaped, or the record quarantined)
        encodings, bad = [], 0
        for s, e in todo:
            d = decode_bytes(line[s:e], declared, policy, bom=False)
            if d.how == "escaped":
                d = Decoded(line[s:e].decode(d.encoding, "surrogateescape"), d.encoding, d.how, d.undecodable)
            decoded[(s, e)] = d.text
            encodings.append(d.encoding)
            bad += d.undecodable
        summary = Decoded("", "+".join(dict.fromkeys(encodings)), "fields", bad)
    out, at = [], 0
    for s, e in todo:
        text = decoded[(s, e)]
        if summary.undecodable:  # an escaped byte is the text `\xNN`: a JSON `\\` then `xNN`
            text = _ESCAPED.sub(lambda c: f"\\\\x{ord(c.group()) - 0xDC00:02x}", text)
        out += [line[at:s], text.encode("utf-8", "surrogatepass")]
        at = e
    out.append(line[at:])
    return b"".join(out), summary
