"""Short GBK <-> Big5 stretches the bytes admit but do not prove: counted in `mojibake_unrepaired`, never written.

Two or three characters misread (GBK read as Big5 in a simplified page, Big5 read as GB18030 in a traditional
one) whose reading makes no dictionary word among themselves are left by the windows (`跺嫘` for 个广: clean
text makes such words with its neighbours too, so a repair would write what the bytes do not prove). They are
counted when every sign below holds, each measured on the chains generator's dev seed and on the clean text at
hand (Wikipedia both scripts, the LibreOffice help, the GB2312 and Big5 feeds, the fortunes, 62,774 shopping
reviews: none counted):
- two or more odd characters side by side (each less than frequent for the page's script and reading the other
  way as a character `gate._ODD_READ_GAIN` nats likelier: `gate._odd_table`), not one character doubled
  (皐皐訿訿), holding a Han or private-use character and no Latin letter, punctuation or full-width form (kana
  or Cyrillic alone are a page's foreign words: ぼく, рда; the Big5 feeds' ﹐﹖﹗ are their own punctuation);
- as they stand they make no dictionary word, among themselves or with a neighbour (忐忑, 旮旯, 寂寞, 老鼠);
- read the other way, every character is one the model knows as frequent text, and the reading makes a word
  among itself or with a neighbour and gains `_GAIN` nats a character scored with its two neighbours (这跺嫘场
  -> 这个广场); a stretch holding a private-use character (Big5's punctuation as GB18030 reads it) needs no word.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from taosha.document import Document
from taosha.repair.mojibake.codec import _cached_table, _redecode_span
from taosha.repair.mojibake.gate import (
    _KANA_RUN,
    _PUA_CHAR,
    READS_IN_SIMP,
    READS_IN_TRAD,
    SIMP_ONLY,
    TRAD_ONLY,
    _gate_table,
    _odd_table,
)
from taosha.textarrays import codepoints, lay_out, per_text
from taosha.zh.lm import ZHUYIN_AS_BIG5, CharLM, for_script

# nats a character the reading gains, scored with the characters either side: the dev seed's counted stretches
# gain 7.7 (衾懈 for 于居) to 14.1; the most a clean one gained was 6.6 (蝠鼠 in Wikipedia, reading 交公, a word)
_GAIN = 7.0
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_HAN_OR_PUA = re.compile("[\u3400-\u9fff\uf900-\ufaff\ue000-\uf8ff]")
_ZHUYIN_OFF = str.maketrans("", "", ZHUYIN_AS_BIG5)  # a simplified page's GBK punctuation read as Big5 is misread
# of those, the ones that count without a word: not 〞 and ‵, which simplified pages write as quotation marks
# (`〝馄饨〞`; a review's `〞噫吁嚱` was counted)
_PROOF_OFF = str.maketrans("", "", ZHUYIN_AS_BIG5.replace("〞", "").replace("‵", ""))
# the longest stretch counted: longer runs of odd characters are a window's to read, or a foreign word (a review's
# icon glyph before katakana, `\ue663フィンランド`, made a stretch of seven)
_LONGEST = 3
_NOT_MISREAD = re.compile("[A-Za-z\u00c0-\u024f\u3000-\u303f\ufe10-\ufe6f\uff00-\uffef]")


# `_signs`' bits: odd for a simplified page, odd for a traditional one, simplified only, traditional only
_ODD_SIMP, _ODD_TRAD, _SIMP, _TRAD = 1, 2, 4, 8


@lru_cache(maxsize=1)
def _signs() -> np.ndarray:
    """Per code point, `_odd_table`'s bits and the gate's script bits in one byte: one lookup for a batch (from the
    table cache: its zhuyin test decodes every pair of two codecs, a tenth of a second of a process's start)."""
    return _cached_table("signs", _build_signs)


def _build_signs() -> np.ndarray:
    odd, flags = _odd_table(), _gate_table()
    table = np.zeros(max(len(odd), len(flags)), dtype=np.uint8)
    for source, bit, mine in ((odd, READS_IN_SIMP, _ODD_SIMP), (odd, READS_IN_TRAD, _ODD_TRAD),
                              (flags, SIMP_ONLY, _SIMP), (flags, TRAD_ONLY, _TRAD)):
        table[(source & bit).nonzero()[0]] |= mine
    # GBK's full-width punctuation read as Big5 (ㄛ﹝ㄩ for ，。：) is off-script in a simplified page, evidence by
    # itself (`lm.ZHUYIN_AS_BIG5`); the model gives it a punctuation mark's probability, so the odd table has it not
    table[[ord(c) for c in ZHUYIN_AS_BIG5 if _redecode_span(c, "big5", "gbk")]] |= _ODD_SIMP
    return table


def odd_pairs_many(texts: list[str], layout: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                   signs: np.ndarray | None = None) -> list[bool]:
    """Whether each text holds two odd characters side by side for its script (`_odd_table`; the script is the one
    with more characters of its own), the sign that sends a text to `unread_pairs`; for a batch at once. `layout`:
    the texts laid out by the caller (as `deleted.suspect_many` takes it); `signs`: `_signs()`'s bits of those code
    points (from a table that carries them beside others' bits, which are masked off), when the caller has them."""
    if not texts:
        return []
    points, starts, lengths = layout if layout is not None else lay_out(texts)
    if signs is None:
        signs = _signs().take(points)  # (the table has every code point)
    pairs = np.zeros(len(points), dtype=np.uint8)
    pairs[:-1] = signs[:-1] & signs[1:]
    pairs[:-2] |= signs[:-2] & signs[2:]  # or one apart (`_stretches`)
    pairs &= _ODD_SIMP | _ODD_TRAD
    # (a text's last characters stand beside the next text's first ones: a superset, which `unread_pairs` decides)
    some = per_text(np.bitwise_or, pairs, starts, lengths)
    if not some.any():
        return [False] * len(texts)
    n_simp = per_text(np.add, (signs & _SIMP) != 0, starts, lengths)
    n_trad = per_text(np.add, (signs & _TRAD) != 0, starts, lengths)
    side = np.where(n_simp > n_trad, _ODD_SIMP, np.where(n_trad > n_simp, _ODD_TRAD, 0))
    return ((some & side) != 0).tolist()


def unread_pairs(text: str) -> int:
    """Characters of the short misread stretches in `text` (see the module): 0 for most texts."""
    return sum(b - a for a, b, _, _ in _read(text))


def repair_short(doc: Document, name: str) -> tuple[int, int]:
    """Write back the short stretches that hold their own proof of damage, count the others (see the module):
    (stretches written, characters counted). Written: in a traditional page, a stretch holding a private-use
    character (GB18030 reads Big5's user-defined and punctuation rows so: no clean page writes one among Han
    characters, though an icon font's may) whose two Han characters read by themselves as a dictionary word
    (砆笆 + U+E610 for 被動大). GBK read as Big5 leaves no such character: its stretches are only counted."""
    written, left = [], 0
    words = for_script("traditional").words
    for a, b, fixed, word in _read(doc.text):
        if word and fixed and _PUA_CHAR.search(doc.text, a, b) and _own_word(doc.text[a:b], fixed, words):
            written.append((a, b, fixed))
        else:
            left += b - a
    if written:
        doc.replace_spans(written, name, "big5_as_gbk")
    return len(written), left


def _own_word(stretch: str, fixed: str, words) -> bool:
    """Whether two side-by-side Han characters of `stretch` that are no private-use glyph read as a word by
    themselves (砆笆 -> 被動): the proof is in Han characters' bytes, not in a glyph an icon font may have put
    there (a review's `聯\ue610繫` -> 聯大霖 made its word, 聯大, with a clean neighbour)."""
    return any(_HAN.match(stretch[k]) and _HAN.match(stretch[k + 1]) and fixed[k : k + 2] in words
               for k in range(len(stretch) - 1))


def _read(text: str) -> list[tuple[int, int, str | None, bool]]:
    """The counted stretches (start, end, their reading in a traditional page or None, whether it makes a word)."""
    points = np.minimum(codepoints(text), len(_signs()) - 1)
    signs = _signs()[points]
    n_simp, n_trad = int(np.count_nonzero(signs & _SIMP)), int(np.count_nonzero(signs & _TRAD))
    if n_simp == n_trad:
        return []  # no script to read the other way from
    simplified = n_simp > n_trad
    if _KANA_RUN.search(text):
        return []  # a page with Japanese (three kana in a row): its kanji and kana read so too, an icon glyph or not
    odd = (signs & (_ODD_SIMP if simplified else _ODD_TRAD)) != 0
    if not (odd[:-1] & odd[1:]).any() and not (odd[:-2] & odd[2:]).any():
        return []
    lm = for_script("simplified" if simplified else "traditional")
    wrong, right = ("big5", "gbk") if simplified else ("gb18030", "big5")
    out = []
    for a, b in _stretches(text, odd, lm, wrong, right):
        word = _counted(text, a, b, lm, wrong, right)
        if word is not None:
            out.append((a, b, None if simplified else _redecode_span(text[a:b], wrong, right), word))
    return out


def _stretches(text: str, odd: np.ndarray, lm: CharLM, wrong: str, right: str) -> list[tuple[int, int]]:
    """Two or more odd characters side by side, or one apart where the one between reads the other way as a
    frequent character too (汜寰鳶 for 生救火: 寰's reading, 救, is less than 3 nats likelier), as (start, end)."""
    out: list[tuple[int, int]] = []
    at = odd.nonzero()[0].tolist()
    k = 0
    while k < len(at):
        a = b = at[k]
        n = 1
        while k + 1 < len(at) and (at[k + 1] == b + 1 or (at[k + 1] == b + 2 and _reads_common(text[b + 1], lm,
                                                                                                  wrong, right))):
            k += 1
            b = at[k]
            n += 1
        if 2 <= b + 1 - a <= _LONGEST:
            out.append((a, b + 1))
        k += 1
    return out


def _reads_common(c: str, lm: CharLM, wrong: str, right: str) -> bool:
    fixed = _redecode_span(c, wrong, right) if not c.isascii() else None
    return fixed is not None and len(fixed) == 1 and bool(lm.common[ord(fixed)])


def _counted(text: str, a: int, b: int, lm: CharLM, wrong: str, right: str) -> bool | None:
    """Whether `text[a:b]` is a stretch to count (None: not), and whether its reading makes a word."""
    stretch = text[a:b]
    if len(set(stretch)) == 1 or not _HAN_OR_PUA.search(stretch) or _NOT_MISREAD.search(
            stretch.translate(_ZHUYIN_OFF) if wrong == "big5" else stretch):
        return None
    words = lm.words
    around = text[max(0, a - 1) : b + 1]
    if any(around[k : k + 2] in words for k in range(len(around) - 1)):
        return None  # the page's own words (忐忑, 寂寞)
    fixed = _redecode_span(stretch, wrong, right)
    if not fixed or len(fixed) != len(stretch) or not all(lm.common[ord(c)] for c in fixed):
        return None
    if _PUA_CHAR.search(stretch) and not _own_word(stretch, fixed, words):
        # a private-use character reads as any frequent character and gains by it alone: the stretch's Han
        # characters must read as a word by themselves (a review's icon glyph beside 製, 繫, 誌 was counted)
        return None
    before, after = text[max(0, a - 1) : a], text[b : b + 1]
    read = before + fixed + after
    word = any(read[k : k + 2] in words for k in range(len(read) - 1))
    # a stretch holding its own proof needs no word: in a simplified page GBK's punctuation read as Big5 (﹝隙 for
    # 。回). A private-use character is no such proof: icon fonts' glyphs (U+E600-E69F) sit where GB18030 puts
    # Big5's first Han rows, and a review's glyph beside a clean 聯繫 was counted
    if not word and not (wrong == "big5" and stretch.translate(_PROOF_OFF) != stretch):
        return None
    return word if lm.score(read) - lm.score(before + stretch + after) >= _GAIN * len(stretch) else None
