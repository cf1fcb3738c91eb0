"""HTML pages as documents: decoded right, with the choice of charset recorded.

A page's charset is chosen in this order, each claim checked against the bytes: a byte-order mark; the HTTP
header's charset (WARC responses); the page's `<meta charset>`; detection. A declared charset loses when the
bytes do not decode with it, or when another candidate (UTF-8, GB18030, Big5-HKSCS) decodes them too and reads
as clearly more probable Chinese: a page that says `gb2312` but is UTF-8 is read as UTF-8 (always, once eight of its
Chinese characters' worth of bytes are valid UTF-8: `UTF8_PROOF`). Detection scores
the candidates over the whole page with the Chinese character model (`taosha.zh.lm`), not over a sample,
and asks charset-normalizer only when no Chinese candidate decodes (Japanese, Korean). GB2312 and GBK are
decoded as GB18030 and Big5 as Big5-HKSCS (their supersets: cp950's extra characters, GBK-only characters on
pages labelled GB2312). Bytes that fit no candidate follow `input.undecodable`: quarantine with the raw bytes
(default), or escape each bad byte as `\\xNN`.

The document's text is the decoded HTML; `extract.html` turns it into the main text through a recorded edit,
so the page can be rebuilt from the output. `source` records `charset`, `charset_source` (bom / http / meta /
detected) and `charset_confidence`, and `source.format = "html"` marks the text as markup for `extract.html`.
"""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from taosha.document import Document
from taosha.io.decode import CANDIDATES, canonical

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# `<meta charset=x>` and `<meta http-equiv=content-type content="text/html; charset=x">`; browsers look at the
# first 1024 bytes, real pages put it later behind long comments and scripts, so the head is searched
_META = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.I)
META_SPAN = 16 << 10
CHINESE = ("utf-8", "gb18030", "big5hkscs")
# A declared charset keeps its page unless another candidate that also decodes it reads better by this much
# (mean log-probability per non-ASCII character, in nats): a wrong reading (GBK as Big5, UTF-8 as GB18030) is
# worse by several nats a character, so the margin only keeps a right declaration from losing on noise
MARGIN = 1.0
# Continuation bytes of the page read as UTF-8 without an error (16: eight Chinese characters), from which on UTF-8
# wins whatever the page declares and however its text reads. Legacy bytes are seldom valid UTF-8: of the 5.4 million
# characters of the real reviews, news and Wikipedia texts in ../shared, 14% have GBK bytes that form a UTF-8
# sequence; of those 66,184 texts encoded as GBK, 10 (short ones) are valid UTF-8, none with 16 continuation bytes.
# A page whose UTF-8 is itself mojibake (a DAnIEL page: GBK read as Latin-9, saved as UTF-8, read as Latin-1 and
# saved again) reads as worse Chinese than its GB18030 reading, and was decoded so, past any repair; read as UTF-8,
# its Latin mojibake goes to repair.mojibake, which reads the chain back.
UTF8_PROOF = 16
# bad bytes a page may hold and still be read with the charset that fits it best (CWCED: two real GBK pages
# hold 2 and 12 stray bytes among 5,624 and 27,818 non-ASCII ones; a wrong charset leaves thousands)
MAX_BAD_BYTES, MAX_BAD_SHARE = 4, 0.005
HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p|table)[\s>/]", re.I)


class UndecodableHtml(ValueError):
    """No candidate charset decodes the page."""


@dataclass(frozen=True)
class Charset:
    text: str
    charset: str
    source: str  # bom | http | meta | detected | escaped
    confidence: float
    undecodable: int = 0  # bytes escaped as \xNN (policy `escape`)


def meta_charset(data: bytes) -> str | None:
    """The charset label a page declares in a `<meta>` tag near its start, if any (as written)."""
    m = _META.search(data, 0, META_SPAN)
    return m.group(1).decode("ascii") if m else None


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _quality(text: str) -> tuple[float, int]:
    """(mean log-probability of the page's non-ASCII characters under the Chinese character model, how many):
    vectorised over the whole page, markup (ASCII) left out since every candidate reads it the same."""
    import numpy as np

    from taosha.zh.lm import model

    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    points = points[points >= 0x80]
    if not len(points):
        return 0.0, 0
    lm = model()
    table = lm.char_table()
    bmp = points < 0x10000
    logp = np.where(bmp, table[np.minimum(points, 0xFFFF)], -17.0)
    total = float(logp.sum())
    if len(points) > 1:  # two-character words: what makes GB18030 garbage of UTF-8 bytes lose to the real text
        total += 4.0 * int(lm.are_words(points[:-1], points[1:]).sum())
    return total / len(points), len(points)


def _confidence(gap: float, n: int) -> float:
    """How sure the choice is, from its lead over the runner-up (nats per character, times characters)."""
    return round(1.0 / (1.0 + math.exp(-min(50.0, gap * max(1, n) / 4))), 4)


def decode_html(data: bytes, http_charset: str | None = None, policy: str = "quarantine") -> Charset:
    """Decode a page (see the module's docstring); raise `UndecodableHtml` when nothing decodes it and the
    policy is `quarantine`.

    >>> page = b'<meta charset="gb2312"><p>' + "中文网页的正文".encode("utf-8")
    >>> d = decode_html(page); (d.charset, d.source)
    ('utf-8', 'detected')
    >>> decode_html("<p>没有声明编码的网页</p>".encode("gbk")).charset
    'gb18030'
    """
    for mark, enc in _BOMS:
        if data.startswith(mark):
            text = _strict(data, enc)
            if text is not None:
                return Charset(text, enc, "bom", 1.0)
            break
    declared = [(src, canonical(label)) for src, label in (("http", http_charset), ("meta", meta_charset(data)))
                if label]
    # every Chinese candidate that decodes the bytes, read once
    texts: dict[str, str] = {}
    for cand in (*CHINESE, *(e for _, e in declared if e)):
        if cand not in texts:
            t = _strict(data, cand)
            if t is not None:
                texts[cand] = t
    if data.isascii():
        enc, src = next(((e, s) for s, e in declared if e in texts), ("ascii", "detected"))
        return Charset(texts.get(enc) or data.decode("ascii"), enc, src, 1.0)
    utf8 = texts.get("utf-8")
    if utf8 is not None and len(data) - len(utf8) >= UTF8_PROOF:
        src = next((s for s, e in declared if e == "utf-8"), "detected")
        return Charset(utf8, "utf-8", src, 1.0)
    scores = {enc: _quality(t) for enc, t in texts.items()}
    best = max(scores, key=lambda e: (scores[e][0], e == "utf-8")) if scores else None
    for src, claimed in declared:
        if claimed is None or claimed not in texts:
            continue  # unknown label, or the bytes do not decode with it: the claim loses
        rivals = [scores[e][0] for e in scores if e != claimed]
        lead = scores[claimed][0] - max(rivals) if rivals else 50.0
        if lead > -MARGIN:
            return Charset(texts[claimed], claimed, src, _confidence(lead + MARGIN, scores[claimed][1]))
    if best is not None:
        rivals = [scores[e][0] for e in scores if e != best]
        lead = scores[best][0] - max(rivals) if rivals else 50.0
        return Charset(texts[best], best, "detected", _confidence(lead, scores[best][1]))
    guess = _detect(data)
    if guess:
        text = _strict(data, guess)
        if text is not None:
            return Charset(text, guess, "detected", 0.5)
    # a real page with a few broken bytes (a cut character, a stray byte from a template) is still that page:
    # the candidate with the fewest bad bytes is taken when they are rare, each bad byte kept as the text \xNN
    tried = [(src, e) for src, e in declared if e] + [("detected", e) for e in CHINESE]
    damage = {e: _bad_bytes(data, e) for _, e in tried}
    src, enc = min(tried, key=lambda t: damage[t[1]])
    high = sum(1 for b in data if b >= 0x80) if damage[enc] else 0
    if damage[enc] <= max(MAX_BAD_BYTES, MAX_BAD_SHARE * high):
        return Charset(data.decode(enc, "backslashreplace"), enc, src, 0.5, damage[enc])
    if policy != "escape":
        raise UndecodableHtml(
            "the page decodes with none of its declared charsets ("
            + (", ".join(f"{s}: {e}" for s, e in declared) or "none declared")
            + f") nor UTF-8, GB18030, Big5-HKSCS or a detected one ({guess})")
    return Charset(data.decode(enc, "backslashreplace"), enc, "escaped", 0.0, damage[enc])


def _bad_bytes(data: bytes, enc: str) -> int:
    try:
        return sum(1 for c in data.decode(enc, "surrogateescape") if "\udc80" <= c <= "\udcff")
    except LookupError:
        return len(data)


def _detect(data: bytes) -> str | None:
    """charset-normalizer over the whole page, limited to what Chinese crawls hold."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    return canonical(best.encoding) if best is not None else None


def looks_like_html(data: bytes) -> bool:
    """Whether bytes are an HTML page (a tag that only HTML has, near the start)."""
    return HTML_SNIFF.search(data[:4096]) is not None


def html_document(data: bytes, doc_id: str, metadata: dict[str, Any], source: dict[str, Any],
                  http_charset: str | None = None, policy: str = "quarantine") -> Document:
    """A `Document` whose text is the decoded page (`source.format = "html"`); raises `UndecodableHtml`."""
    decoded = decode_html(data, http_charset, policy)
    source = {**source, "format": "html", "charset": decoded.charset, "charset_source": decoded.source,
              "charset_confidence": decoded.confidence}
    url = metadata.get("url")
    if isinstance(url, str) and "//" in url and "host" not in metadata:
        metadata = {**metadata, "host": urlsplit(url).hostname or ""}
    doc = Document(doc_id, decoded.text, metadata, source)
    if decoded.undecodable:
        doc.tag("undecodable_bytes", decoded.undecodable)
    return doc
