"""The gate: which repair families a document needs, for a whole batch at once.

Each code point carries flags (`_gate_table`: rare, off-script, private-use, the GBK characters UTF-8 read as GBK
is made of, ...); a batch's texts are laid end to end (`_Batch`) and their densities measured in a few numpy calls.
Clean text, the common case, is let go here; a suspect one names what it showed (`_suspicious_many`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np

from taosha.repair.mojibake.codec import (
    _NOT_LONG_LEADS,
    UTF8_LEADS,
    UTF8_PAGE_LEADS,
    _cached_table,
    _pair_reading,
    _redecode_span,
    misread_bytes,
    utf8_spans,
    utf8_stretches,
)
from taosha.repair.mojibake.questions import _SUSPECT_Q
from taosha.repair.mojibake.score import FREQUENT_LOGP, _words
from taosha.textarrays import codepoints, per_text
from taosha.zh.lm import ZHUYIN_AS_BIG5, CharLM, for_script, model
from taosha.zh.script import tables as _tables

# UTF-8 read as cp1252/latin-1: a lead byte shows as a Latin-1 letter (ä å æ ç è é for CJK), each continuation
# byte as one of the 64 characters that 0x80-0xBF become. Curly quotes and dashes alone are ordinary text.
_CONT = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d" \
        "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_LATIN_RUN = re.compile(f"[\u00c0-\u00ff][{_CONT}]{{1,3}}(?:[\x20-\x7e]{{0,8}}[\u00c0-\u00ff][{_CONT}]{{1,3}})*")
# GBK or Big5 bytes read as cp1252/latin-1 (and saved so): each lead byte (81-FE) is a character of U+0080-U+00FF
# or one of cp1252's for 80-9F, its trail another or an ASCII character (40-7E). Two or more such characters, with
# at most 8 ASCII ones between each (digits, a trail byte), make a run: `ÖÐÉ½²Ë` for 中山菜, `1918¦~9¤ë` for 1918年9月
_HIGH = "\u0080-\u00ff\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d" \
        "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_LEGACY_RUN = re.compile(f"[{_HIGH}](?:[\x20-\x7e]{{0,8}}[{_HIGH}])+[\x40-\x7e]?")
_OFF_DENSE = (6, 3)  # what the pair repair itself asks of a run: 3 odd characters within 6
_DENSE = (6, 4)  # 4 rare characters within 6: mojibake; names and terms in clean text are sparser
_E_LEAD_DENSE = (4, 2)  # 2 characters that a UTF-8 lead byte and the next make, within 4: UTF-8 read as GBK
_PUA_DENSE = (8, 2)  # 2 private-use characters within 8: Big5 read as GBK (icon fonts' glyphs stand one by one)
_ODD_AFTER_DIGITS = 2  # odd characters right after digits (2016爛9堎): dates misread, not ° or ℃
# GBK read as Big5 in a short stretch: 3 rare characters within 6 (涴釱膘耟 for 这座建筑); the first few clusters
# or rows are tried (`_reads_as_gbk`)
_RARE_CLUSTER, _TRIED = (6, 3), 3


RARE, E_LEAD, LATIN1, SIMP_ONLY, TRAD_ONLY, PUA, C_E, C_C, DIGIT, CJK, C_A, LETTER, GLUED, AS_GBK, AS_BIG5, BRACKET = (
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
_UTF8_IN_GBK = re.compile(rb"(?:[\xe0-\xef][\x80-\xbf]{2}){3}")


def _flag_pairs(table: np.ndarray, leads: range, trails: Iterable[int], flag: int,
                keep: Callable[[str], bool] | None = None) -> None:
    """Set `flag` on the character each GBK byte pair (lead, trail) decodes to (those `keep` keeps), as GB18030
    decodes them: GBK's user-defined pairs (AAA1-AFFE) are private-use characters, which UTF-8 read so makes too
    (有 in UTF-8 ends in one: 设计中有 is 璁捐\ue178涓\ue15f湁)."""
    for lead in leads:
        for trail in trails:
            try:
                c = bytes((lead, trail)).decode("gb18030")
            except UnicodeDecodeError:
                continue
            if keep is None or keep(c):
                table[ord(c)] |= flag


@lru_cache(maxsize=1)
def _gate_table() -> np.ndarray:
    """Flags per code point, for the gate: rare character; GBK characters that UTF-8 read as GBK is made of
    (E_LEAD, C_E, C_C, C_A); Latin-1 letter; one script's own characters; private-use; digit; East Asian;
    ASCII letter; a Han character whose second GBK byte is a letter (GLUED); a character whose bytes read the
    other way (GBK <-> Big5) make a frequent one (AS_GBK, AS_BIG5)."""
    return _cached_table("gate", _build_gate_table)


def _build_gate_table() -> np.ndarray:
    lm = model()
    table = (1 - lm.common).astype(np.uint16) * RARE
    # letters of the scripts no misreading of CJK bytes makes (GBK, Big5 and cp1252 decode to none of them): IPA
    # but GBK's pinyin ɑ and ɡ, combining marks, Hebrew, Arabic, the Indic scripts, Thai and on to U+1DFF: foreign
    # names and terms in clean text, not rare characters for the gate
    for lo, hi in ((0x0250, 0x02B0), (0x0300, 0x0370), (0x0500, 0x1E00)):
        table[lo:hi] &= ~np.uint16(RARE)
    table[[0x0251, 0x0261]] |= RARE
    # the lead byte of a CJK character in UTF-8 (E0-EF) and the next byte (80-BF) read as one GBK character
    _flag_pairs(table, range(0xE0, 0xF0), range(0x80, 0xC0), E_LEAD)
    # two CJK characters in UTF-8 (E1 c c E2 c c) read as GBK from E1 make three characters: (E1 c) is E_LEAD,
    # (c E2) is C_E, (c c) is C_C; the three in a row are the gate's sign of a short run (a name)
    _flag_pairs(table, range(0x81, 0xC0), range(0xE0, 0xF0), C_E)
    _flag_pairs(table, range(0x81, 0xC0), range(0x80, 0xC0), C_C)
    # one CJK punctuation mark in UTF-8 before an ASCII letter (、C read as 銆丆): (E3 80) is E_LEAD, (81 C) is C_A
    _flag_pairs(table, range(0x81, 0xC0), range(0x40, 0x7F), C_A)
    # a Han character whose second byte is an ASCII letter (see _glued)
    letters = (*range(0x41, 0x5B), *range(0x61, 0x7B))
    _flag_pairs(table, range(0x81, 0xFF), letters, GLUED, keep=lambda c: "\u3400" <= c <= "\u9fff")
    _flag_pairs(table, range(0xA8, 0xAA), letters, BRACKET)  # see _bracket_lost
    # Latin-1 letters (UTF-8 lead bytes read as cp1252), and the signs of A1-BF too: GBK and Big5 lead bytes there
    # (±¬°l for 爆發, ¦b for 在) read as latin-1 hold no letter; the runs themselves are confirmed below
    table[0xA1:0x100] |= LATIN1
    simp, trad = _tables()
    table[[ord(c) for c in simp]] |= SIMP_ONLY
    table[[ord(c) for c in trad + ZHUYIN_AS_BIG5]] |= TRAD_ONLY  # zhuyin: Taiwan's, as traditional characters are
    table[0xE000:0xF900] |= PUA  # where GB18030 puts GBK's user-defined pairs (Big5 punctuation read as GBK)
    table[ord("0") : ord("9") + 1] |= DIGIT
    # what Big5 made of GBK bytes that read as a frequent character (AS_GBK), and what GB18030 made of Big5
    # bytes that do (AS_BIG5): one such character after a digit is a sign (2016爛: 年)
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            pair = bytes((lead, trail))
            for wrong, right, bit in (("big5", "gbk", AS_GBK), ("gb18030", "big5", AS_BIG5)):
                try:
                    misread, meant = pair.decode(wrong), pair.decode(right)
                except UnicodeDecodeError:
                    continue
                if len(misread) == 1 and lm.logp.get(meant, -99.0) >= FREQUENT_LOGP:
                    table[ord(misread)] |= bit
    table[ord("A") : ord("Z") + 1] |= LETTER
    table[ord("a") : ord("z") + 1] |= LETTER
    # East Asian, private use, and the small and full-width forms (﹜ is GBK's 、 read as Big5: 11﹜70)
    for lo, hi in ((0x2E80, 0xA000), (0xE000, 0xFB00), (0xFE30, 0xFE70), (0xFF01, 0xFF61), (0x20000, 0x32000)):
        table[lo:hi] |= CJK
    table[0] = 0  # NUL pads the texts of a batch (_Batch): it carries no flag
    return table


def _short_utf8(flags: np.ndarray) -> np.ndarray:
    """Positions where two CJK characters in UTF-8 read as GBK begin (E_LEAD, C_E, C_C in a row), or one
    before a word in Latin letters (E_LEAD, C_A, a letter: 銆丆ooly for 、Cooly)."""
    e, ce, cc, ca = (flags & E_LEAD) != 0, (flags & C_E) != 0, (flags & C_C) != 0, (flags & C_A) != 0
    two = (e[:-2] & ce[1:-1] & cc[2:]).nonzero()[0]
    one = (e[:-2] & ca[1:-1] & ((flags[2:] & LETTER) != 0)).nonzero()[0]
    return np.union1d(two, one) if len(one) else two


_PAD = 8  # zero flags after each text of a batch: no density window (at most 8) spans two texts


class _Batch:
    """The gate's flags of a batch of texts laid end to end, each followed by `_PAD` zero flags, and per-text
    reductions over them, each one numpy call for the whole batch."""

    def __init__(self, texts: list[str]) -> None:
        self.lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        self.starts = np.zeros(len(texts), dtype=np.int64)
        np.cumsum(self.lengths[:-1] + _PAD, out=self.starts[1:])
        # one encoding for the batch: each text followed by _PAD NULs (code point 0 has no flags)
        pad = "\0" * _PAD
        layout = codepoints(pad.join(texts) + pad if texts else "")
        self.flags = _gate_table().take(layout)  # (take: half the time of indexing, on a batch of news)
        self.points = layout  # for the table beside the gate's flags (`_odd_table`)
        self._masks: dict[int, np.ndarray] = {}
        # East Asian characters right after a digit, and the text each is in: few, so the per-text counts over
        # them (after_digit) need not pass over the whole batch
        after = (self.mask(CJK)[1:] & self.mask(DIGIT)[:-1]).nonzero()[0] + 1
        self._after_digit, self._after_digit_text = after, self.starts.searchsorted(after, side="right") - 1

    def _per_text(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        """`ufunc` reduced over each text's positions and its pads (`values` over the whole layout)."""
        return per_text(ufunc, values, self.starts, self.lengths)

    def present(self) -> np.ndarray:
        # a text's segment runs into its pads: all zero (reduced as uint16, then widened: the same values, without
        # widening the whole batch's flags first)
        out = np.bitwise_or.reduceat(self.flags, self.starts).astype(np.int64) if len(self.starts) else (
            np.zeros(0, dtype=np.int64))
        out[self.lengths == 0] = 0
        return out

    def texts_of(self, positions: np.ndarray) -> np.ndarray:
        """Per text: whether one of `positions` (of the layout) is in its segment (the text and its pads): what
        `count(hit) > 0` says of a mask marking them, for a few positions without a pass over the batch."""
        out = np.zeros(len(self.starts), dtype=bool)
        out[self.starts.searchsorted(positions, side="right") - 1] = True
        return out

    def count(self, mask: np.ndarray) -> np.ndarray:
        return self._per_text(np.add, mask)

    def dense(self, mask: np.ndarray, window: int, count: int) -> np.ndarray:
        """Per text: `count` marked positions within some `window` consecutive ones (a text shorter than the
        window: `count` in all). Windows start in a text and may run into its pads, never into the next text.
        Marked positions are few: they are found once, and `count` of them lie within a window when the first
        and the last are less than `window` apart (two texts' marks are at least `_PAD` + 1 apart)."""
        at = mask.nonzero()[0]
        dense = np.zeros(len(self.starts), dtype=bool)
        if len(at) >= count:
            first = at[: len(at) - count + 1]
            hit = first[at[count - 1 :] - first < window]
            dense[self.starts.searchsorted(hit, side="right") - 1] = True
        return dense

    def mask(self, bits: int) -> np.ndarray:
        if bits not in self._masks:
            self._masks[bits] = (self.flags & bits) != 0
        return self._masks[bits]

    def after_digit(self, odd: np.ndarray) -> np.ndarray:
        """Per text: East Asian characters in `odd` right after a digit (2016爛9堎: 年 and 月 read as Big5; not
        the ° or ℃ of measurements)."""
        return np.bincount(self._after_digit_text[odd[self._after_digit]], minlength=len(self.starts))

    def glued(self) -> np.ndarray:
        """Per text: whether a character whose second byte is a letter stands inside a Latin word."""
        # (rare for the document's script: judged later) Each sign stands beside a letter, and letters are few in
        # Chinese text while GLUED characters are many: only the letters' neighbours are looked at
        letter = self.mask(LETTER)
        at = letter.nonzero()[0]
        near = np.concatenate((at - 1, at + 1))  # (a position twice, or out of order, marks the same text)
        near = near[(near >= 1) & (near <= len(letter) - 2)]
        flags, before, after = self.flags[near], letter[near - 1], letter[near + 1]
        hit = ((flags & GLUED) != 0) & ((before & after) | (((flags & RARE) != 0) & (before | after)))
        hit |= ((flags & BRACKET) != 0) & ~before & after  # a bracket that lost its first byte
        return self.texts_of(near[hit])

    def short_utf8(self) -> np.ndarray:
        """Per text: whether a short UTF-8 run read as GBK begins somewhere (see `_short_utf8`)."""
        # each begins at an E_LEAD character (a few in a batch): only those and the two after them are looked at
        at = (self.mask(E_LEAD)[:-2]).nonzero()[0]
        nxt, after = self.flags[at + 1], self.flags[at + 2]
        hit = ((nxt & C_E) != 0) & ((after & C_C) != 0) | ((nxt & C_A) != 0) & ((after & LETTER) != 0)
        return self.texts_of(at[hit])


_NOTHING: frozenset[str] = frozenset()
_QMARK = frozenset({"qmark"})
_QUESTION_MARK = ord("?")


def _suspicious_many(
    texts: list[str], *, every: bool = False, batch: _Batch | None = None,
    known: list[Explained] | None = None,
) -> list[frozenset[str]]:
    """The cheap gate, and what it saw, per text: `qmark`, `latin`, `utf8`, `utf8_short`, `rare`, `offscript`
    (empty for clean text, the common case). Each repair family runs only on the evidence it needs. The flags
    and their densities are measured for the whole batch at once; per text, only what they point at (`every`: each
    text, as a test's reference; `batch`: the texts' `_Batch`, when the caller laid them out already; `known`: per
    text, where `utf8_explained`'s answers are kept for its repairs)."""
    batch = batch if batch is not None else _Batch(texts)
    present = batch.present().tolist()
    rare, simp, trad = batch.mask(RARE), batch.mask(SIMP_ONLY), batch.mask(TRAD_ONLY)
    dense_e = batch.dense(batch.mask(E_LEAD), *_E_LEAD_DENSE)
    short = batch.short_utf8()
    glued = batch.glued()
    dense_rare = batch.dense(rare, *_DENSE) | batch.dense(batch.mask(PUA), *_PUA_DENSE)
    simp_count, trad_count = batch.count(simp), batch.count(trad)
    n_simp, n_trad = simp_count.tolist(), trad_count.tolist()
    # a side's signs are asked only of the texts whose other script is the majority (`off` in the loop below): in a
    # batch with none (one script's pages, the common case) they are not measured, each side's four numpy passes
    off_side = {"trad": simp_count > trad_count, "simp": trad_count > simp_count}
    sides = {side for side, some in off_side.items() if some.any() or every}  # (`every`: both, as a reference)
    digits: dict[str, np.ndarray] = {}
    one: dict[str, np.ndarray] = {}
    dense_off: dict[str, np.ndarray] = {}
    odd_pairs_at: dict[str, np.ndarray] = {}
    odd_near: dict[str, list[bool]] = {}
    for side in ("trad", "simp"):
        # (a side that few texts of the batch are off on, the traditional pages among simplified ones: measured on
        # those texts alone, laid out as a batch of their own; each text's signs are its own, pads between them)
        who = off_side[side].nonzero()[0] if side in sides and not every else None
        if who is not None and len(who) * _FEW_OFF < len(texts):
            found = _side_signs(_Batch([texts[k] for k in who.tolist()]), side)
            at, near = [np.zeros(len(texts), dtype=a.dtype) for a in found[:4]], [False] * len(texts)
            for full, part in zip(at, found[:4], strict=True):
                full[who] = part
            for k, value in zip(who.tolist(), found[4], strict=True):
                near[k] = value
            dense_off[side], digits[side], odd_pairs_at[side], one[side] = at
            odd_near[side] = near
        elif side in sides:
            dense_off[side], digits[side], odd_pairs_at[side], one[side], odd_near[side] = _side_signs(batch, side)
        else:
            dense_off[side] = odd_pairs_at[side] = np.zeros(len(texts), dtype=bool)
            digits[side] = one[side] = np.zeros(len(texts), dtype=np.int64)
            odd_near[side] = [False] * len(texts)
    digits["rare"] = batch.after_digit(rare)
    # one is enough when its bytes read the other way make a frequent character
    as_gbk, as_big5 = batch.mask(AS_GBK), batch.mask(AS_BIG5)
    along_at = batch.dense(as_gbk, _READ_RUN, _READ_RUN)  # see _frequent_reading
    along = along_at.tolist()
    odd_pairs = {side: pairs.tolist() for side, pairs in odd_pairs_at.items()}
    one["rare"] = batch.after_digit(rare & (as_gbk | as_big5))
    # the texts any sign below can be seen in, in one pass over the per-text arrays (a superset: the loop decides):
    # most pages of a batch (clean text of one script) have none of them, and only a '?' sends one through the loop
    bits_at = np.asarray(present, dtype=np.int64)
    odd_any = along_at | (~off_side["trad"] & ~off_side["simp"] & (
        (digits["rare"] > 0) | (one["rare"] > 0)))
    for side in ("trad", "simp"):
        odd_any |= off_side[side] & (dense_off[side] | odd_pairs_at[side]
                                     | np.asarray(odd_near[side], dtype=bool) | (digits[side] > 0) | (one[side] > 0))
    look = ((bits_at & (LATIN1 | E_LEAD | PUA)) != 0) | glued | dense_rare | (
        ((bits_at & (SIMP_ONLY | TRAD_ONLY | RARE)) != 0) & odd_any)
    look_at = look.tolist() if not every else [True] * len(texts)
    # the texts holding a '?' (the batch's NUL pads hold none): with those the loop looks at, the only ones it visits
    asks = np.zeros(len(texts), dtype=bool)
    asks[batch.starts.searchsorted((batch.points == _QUESTION_MARK).nonzero()[0], side="right") - 1] = True
    out: list[frozenset[str]] = [_NOTHING] * len(texts)
    for k in (look | asks).nonzero()[0].tolist() if not every else range(len(texts)):
        text = texts[k]
        if not look_at[k]:
            out[k] = _QMARK if "?" in text and _SUSPECT_Q.search(text) else _NOTHING
            continue
        seen = set()
        if "?" in text and _SUSPECT_Q.search(text):
            seen.add("qmark")
        bits = present[k]
        if not bits:
            out[k] = frozenset(seen)
            continue
        if bits & LATIN1 and (_LATIN_RUN.search(text) or _LEGACY_RUN.search(text)):
            seen.add("latin")
        if glued[k]:
            seen.add("glued")  # a byte gained or lost by a Latin word: for realignment
        if bits & E_LEAD:
            # traditional text has characters at those GBK positions too: confirm with the bytes themselves, where
            # the short-run sign is (three UTF-8 sequences read as GBK hold one, aligned or not: see _short_utf8)
            if dense_e[k] and short[k] and _UTF8_IN_GBK.search(
                    b"\x80".join(p.encode("gb18030", "ignore") for p in text.split("€"))):
                seen.add("utf8")
            elif bits & (C_E | C_A) and short[k]:
                seen.add("utf8_short")
        if dense_rare[k]:
            seen.add("rare")
        elif bits & (SIMP_ONLY | TRAD_ONLY | RARE):
            # GBK read as Big5 in simplified text leaves traditional characters, many of them frequent ones, in a
            # dense stretch (and Big5 read as GBK simplified ones in traditional text): off-script or rare, dense
            off = "trad" if n_simp[k] > n_trad[k] else "simp" if n_trad[k] > n_simp[k] else None
            odd = off or ("rare" if bits & RARE else None)
            if (off is not None and min(n_simp[k], n_trad[k]) and dense_off[off][k]) or (
                    odd is not None and bits & DIGIT and (digits[odd][k] >= _ODD_AFTER_DIGITS or one[odd][k])):
                seen.add("offscript")  # examined for GBK <-> Big5 only, not for realignment
            elif (off == "trad" and ((bits & RARE and dense_off[off][k]) or along[k]) and _reads_as_gbk(text)) or (
                    not n_simp[k] and along[k] and _reads_as_gbk(text)):
                # a short stretch of GBK read as Big5 may leave only rare characters (涴釱膘耟 for 这座建筑), or
                # few of them in characters that all read as frequent ones (撼瞰佽隴瞰 for 举例说明例): let through
                # when one such cluster or row reads back as frequent simplified text; a page read so whole has no
                # simplified character to stand out from (坻婓1952爛堤汜衾控儔ㄛ for 他在1952年出生于北京，)
                seen.add("offscript")
            elif off is not None and odd_pairs[off][k] and _odd_pair_reads_word(
                    text, "simplified" if off == "trad" else "traditional"):
                seen.add("offscript")
            elif off is not None and odd_near[off][k] and _odd_near_reads(
                    text, "simplified" if off == "trad" else "traditional"):
                seen.add("offscript")
        if bits & PUA and bits & AS_BIG5 and not seen & {"rare", "offscript"} and _punct_after_odd(text):
            seen.add("offscript")
        # (a page with no rare character has no stretch to explain: `_utf8_explained` says so of each codec, after
        # a lookup of every character the batch's flags made already)
        # (the same answer asked in either order: GB18030's first where its bytes showed UTF-8 already, as a page
        # read as GBK whole does, whose scan for Big5's stretches was half the gate's time on it)
        if seen & _NOT_UTF8 and bits & RARE and any(
                utf8_explained(text, wrong, known=known[k] if known is not None else None)
                for wrong in (("gb18030", "big5") if "utf8" in seen else ("big5", "gb18030"))):
            # its rare characters stand where the bytes are UTF-8 read as Big5 or GBK (lossy too: 銋???????樴?): a
            # page misread one way, read back only that way (as GBK <-> Big5, its reading is mojibake of UTF-8; a '?'
            # there is a byte UTF-8 lost, not GBK's, and realigning GBK's pairs around it writes what no byte says).
            # A line of another family on such a page is left too: keeping the signs the rest of the page gives
            # (its UTF-8 stretches blanked) repaired it, but also let GBK <-> Big5 and realignment rewrite clean and
            # quoted lines beside UTF-8 damage, and the UTF-8 stretches themselves (a review: 25 of 1,080 pages)
            seen -= _NOT_UTF8
            seen.add("utf8")
        out[k] = frozenset(seen)
    return out


# Big5's punctuation (row A1, 。，、：) as GB18030 reads it, right after a kana or rare character: ら\ue4c7 for 日，
BIG5_PUNCT_AS_PUA = ("\ue4c6", "\ue524")  # Big5's row A1 (its punctuation, A140-A1A0) as GB18030 reads it
_PUNCT_AS_PUA_AFTER = re.compile(f"[^\x00-\x7f][{BIG5_PUNCT_AS_PUA[0]}-{BIG5_PUNCT_AS_PUA[1]}]")


def _punct_after_odd(text: str) -> bool:
    """Whether Big5's punctuation read as GB18030 follows a kana or rare character whose bytes read as Big5 make
    a frequent character (the pair repair's `_pua_evidence` judges it again)."""
    table = _gate_table()
    for m in _PUNCT_AS_PUA_AFTER.finditer(text):
        c = m.group()[0]
        flags = int(table[ord(c)])
        if flags & AS_BIG5 and (flags & RARE or "\u3040" <= c <= "\u30ff"):
            return True
    return False


def _reads_as_gbk(text: str) -> bool:
    """Whether a cluster of three rare characters within six in `text` reads, as GBK bytes read as Big5, as
    frequent simplified text, or `_READ_RUN` characters in a row that each read so make a dictionary word, or one
    more in a row do (see `_frequent_reading`; the first three of each are tried)."""
    lm = for_script("simplified")
    common = lm.common
    points = codepoints(text)
    rare = 1 - common[points].astype(np.int8)
    width, least = _RARE_CLUSTER
    sums = np.convolve(rare, np.ones(width, dtype=np.int8), mode="valid") if len(rare) >= width else rare[:0]
    for start in (sums >= least).nonzero()[0][:_TRIED].tolist():
        fixed = _redecode_span(text[start : start + width], "big5", "gbk")
        if fixed and all(common[ord(c)] for c in fixed):
            return True
    rows = _row_starts(points, AS_GBK, _READ_RUN)
    for start in rows.nonzero()[0][:_TRIED].tolist():
        if start + 1 < len(rows) and rows[start + 1]:
            return True  # one more in a row: see _frequent_reading
        fixed = _redecode_span(text[start : start + _READ_RUN], "big5", "gbk")
        if fixed and _words(lm, fixed):
            return True
    return False


_PAIRS_TRIED = 6


def _odd_pair_reads_word(text: str, script: str) -> bool:
    """Whether two characters side by side, each rare or of the other script for a page in `script`, read (as GBK
    read as Big5 in a simplified page, Big5 read as GBK in a traditional one) as two frequent characters that make
    a dictionary word: the shortest misread stretch (頗眸 for 会捕, 闔親 for 麦克); the first few pairs are tried."""
    lm = for_script(script)
    wrong, right = ("big5", "gbk") if script == "simplified" else ("gb18030", "big5")
    bit = AS_GBK if script == "simplified" else AS_BIG5
    points = codepoints(text)
    odd = (lm.common[points] == 0) & ((_gate_table()[points] & bit) != 0)
    for start in (odd[:-1] & odd[1:]).nonzero()[0][:_PAIRS_TRIED].tolist():
        fixed = _redecode_span(text[start : start + 2], wrong, right)
        if (text[start] != text[start + 1] and fixed and len(fixed) == 2 and fixed in lm.words
                and all(lm.char(c) >= FREQUENT_LOGP for c in fixed)):
            return True
    return False


# two odd characters (rare or of the other script) within 4: a short misread stretch may hold frequent characters
# between them, and read as punctuation or as a less frequent character (頗眸轂 for 会捕猎, 烦克現 + Big5's ，
# read as GB18030 for 歲親政，); the first few such pairs are read (`_odd_near_reads`)
_ODD_NEAR = (4, 2)
_KANA = re.compile("[\u3040-\u30ff]")
_KANA_RUN = re.compile("[\u3040-\u30ff]{3}")
_PUA_CHAR = re.compile("[\ue000-\uf8ff]")
_ODD_READ_GAIN = 3.0  # nats an odd character gains by its reading the other way
_NEAR_GAIN = 2.0  # nats per character the stretch gains so read (the step's default `min_gain`: the windows ask it)


_FEW_OFF = 4  # a side measured on its texts alone when they are fewer than a quarter of the batch


def _side_signs(batch: _Batch, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[bool]]:
    """Per text of `batch`, the signs of one off-script side (`trad`: traditional characters in a simplified page,
    `simp` the other way), odd = the other script's or rare: odd characters dense; odd ones after digits; two side by
    side that each read the other way as a frequent one (`_odd_pair_reads_word`); such ones after digits; two odd
    ones near (`_odd_near_many`)."""
    odd = batch.mask(TRAD_ONLY if side == "trad" else SIMP_ONLY) | batch.mask(RARE)
    reads = odd & batch.mask(AS_GBK if side == "trad" else AS_BIG5)
    return (batch.dense(odd, *_OFF_DENSE), batch.after_digit(odd), batch.dense(reads, 2, 2), batch.after_digit(reads),
            _odd_near_many(batch, {side})[side])


def _odd_near_many(batch: _Batch, sides: set[str]) -> dict[str, list[bool]]:
    """Per text and per off-script side (those of `sides` only: a batch of simplified pages needs no other):
    whether two odd characters stand within `_ODD_NEAR` (see there and `_odd_table`)."""
    none = [False] * len(batch.starts)
    if not sides:
        return {"trad": none, "simp": none}
    odd = _odd_table().take(batch.points)  # (the pairs `_odd_near_reads` reads: no other could pass it)
    return {side: batch.dense((odd & bit) != 0, *_ODD_NEAR).tolist() if side in sides else none
            for side, bit in (("trad", READS_IN_SIMP), ("simp", READS_IN_TRAD))}


# `_odd_table`'s bits: less than frequent for the page's script and reading the other way as a character
# `_ODD_READ_GAIN` nats more frequent, in a simplified page (GBK read as Big5) and in a traditional one (Big5 read
# as GB18030)
READS_IN_SIMP, READS_IN_TRAD = 1, 2


@lru_cache(maxsize=1)
def _odd_table() -> np.ndarray:
    """Per code point, the bits above: rare and off-script characters that read so, and others too (汜莉 for 生产,
    ワ埮 for 签约: neither rare nor traditional-only). One lookup for a batch (the gate's flags have no bit to
    spare)."""

    def build() -> np.ndarray:
        table = np.zeros(len(_gate_table()), dtype=np.uint8)
        for bit, script, wrong, right in ((READS_IN_SIMP, "simplified", "big5", "gbk"),
                                          (READS_IN_TRAD, "traditional", "gb18030", "big5")):
            chars = for_script(script).char_table()
            meant = _pair_reading(wrong, right)
            reads = (meant != 0) & (chars < FREQUENT_LOGP) & (chars[meant] - chars >= _ODD_READ_GAIN)
            # full-width forms are the page's own (２１：００, １３０＊１３０: the model does not know them, and
            # read the other way they are zhuyin, which it does), and a reading in zhuyin is no page's text
            reads[0xFF00:0xFFF0] = False
            reads &= (meant < 0x3100) | (meant > 0x312F)
            table[reads.nonzero()[0]] |= bit
        return table

    return _cached_table("odd", build)


def _odd_near_reads(text: str, script: str) -> bool:
    """Whether two odd characters within `_ODD_NEAR` of a page in `script` (each less than frequent for it, and
    gaining `_ODD_READ_GAIN` by its reading the other way: GBK read as Big5 in a simplified page, Big5 read as GB18030
    in a traditional one) read, with what stands between them, as the page's text: every character of the reading
    known to the model and the stretch gaining `_NEAR_GAIN` a character (a character doubled, 假假, is the page's
    own). The windows judge the stretch itself; this only spares them the clean pages."""
    if _KANA_RUN.search(text) and not _PUA_CHAR.search(text):
        return False  # a page with Japanese (three kana in a row) and no private-use character: its kana and kanji
        # read the other way make Chinese text too (の組み合わせ -> 及瞎心磁歹六)
    lm = for_script(script)
    wrong, right = ("big5", "gbk") if script == "simplified" else ("gb18030", "big5")
    odd = (_odd_table()[codepoints(text)] & (READS_IN_SIMP if script == "simplified" else READS_IN_TRAD)).nonzero()[0]
    tried = 0
    at = odd.tolist()
    for a, b in ((a, b) for i, a in enumerate(at) for b in at[i + 1 : i + _ODD_NEAR[0]]):
        if b - a >= _ODD_NEAR[0] or text[a] == text[b] or (
                _KANA.match(text[a]) and _KANA.match(text[b]) and not _PUA_CHAR.search(text, max(0, a - 2), b + 3)):
            continue  # kana each side: the page's Japanese (アン, ひば read as Chinese too), unless Big5's private-use
            # characters read as GB18030 stand by them (ノパ\ue77b for 用由王)
        tried += 1
        if tried > _PAIRS_TRIED:
            break
        stretch = text[a : b + 1]
        fixed = _redecode_span(stretch, wrong, right)
        if (fixed and len(fixed) == len(stretch) and all(c.isascii() or lm.common[ord(c)] for c in fixed)
                and lm.score(fixed) - lm.score(stretch) >= _NEAR_GAIN * len(fixed)
                and (b - a > 1 or fixed in lm.words or (script == "traditional" and _simplified_pair(
                    text, a, fixed, lm)))):  # two side by side: a word, as the windows ask
            return True
    return False


def _simplified_pair(text: str, a: int, fixed: str, lm: CharLM) -> bool:
    """Whether the pair at `a` of a traditional page holds a simplified-only Han character and reads (as Big5 read
    as GB18030) as frequent text making a word with a neighbour (王 + 绰龟 + 錄 for 王朝實錄): what the windows ask
    of such a stretch (`windows._simplified_stretch`)."""
    return any(c in lm.off_script and "\u4e00" <= c <= "\u9fff" for c in text[a : a + 2]) and all(
        lm.char(c) >= FREQUENT_LOGP for c in fixed) and (
        text[a - 1 : a] + fixed[:1] in lm.words or fixed[1:] + text[a + 2 : a + 3] in lm.words)


def _row_starts(points: np.ndarray, bit: int, length: int = 4) -> np.ndarray:
    """Per position (the last `length - 1` have none), whether `length` characters in a row from it carry the gate's
    `bit` (AS_GBK, AS_BIG5: each reads the other way as a frequent character)."""
    hit = ((_gate_table()[points] & bit) != 0).astype(np.int8)
    if len(hit) < length:
        return np.zeros(0, dtype=bool)
    return np.convolve(hit, np.ones(length, dtype=np.int8), mode="valid") >= length


def _rows_before(text: str, wrong: str) -> list[int]:
    """Per offset, how many rows of `_READ_RUN` characters that each read the other way as a frequent character
    (see `_frequent_reading`) begin before it; a run holds one when the count grows between its start and its
    end less `_READ_RUN - 1`."""
    rows = _row_starts(codepoints(text), AS_GBK if wrong == "big5" else AS_BIG5, _READ_RUN)
    return np.concatenate(([0], np.cumsum(rows))).tolist()


_READ_RUN = 4  # characters in a row that each read the other way as a frequent character


_NOT_UTF8 = frozenset({"rare", "offscript", "qmark", "glued"})  # the signs of other families than UTF-8's


# `utf8_explained`'s answers for one page, by (text, codec, least)
Explained = dict[tuple[str, str, int], tuple[tuple[int, int], ...]]


def utf8_explained(text: str, wrong: str, least: int = UTF8_PAGE_LEADS,
                   known: Explained | None = None) -> list[tuple[int, int]]:
    """Where `text`'s bytes are UTF-8 read as `wrong` (`codec.utf8_stretches`), when that explains its damage: the
    stretches proven on their own hold more of its rare characters than the rest of it does (a clean traditional
    paragraph's bytes make such a stretch by chance now and then, 夥伴，於 in GB18030's, with no rare character in it).
    Then every stretch holding `least` long sequences (one character's, by default: the page's chain is established,
    and its short stretches between ASCII words, 嚗?"Wulagasaurus"嚗?, are read with it); else none. `known`: the
    answers one page's gate and repairs found so far (per document: the gate asks a batch's pages before any is
    repaired, and the few answers `_utf8_explained` remembers were another page's by then), filled here."""
    if known is None:
        return list(_utf8_explained(text, wrong, least))
    got = known.get((text, wrong, least))
    if got is None:
        got = known[text, wrong, least] = _utf8_explained(text, wrong, least)
    return list(got)


def may_be_utf8(text: str, wrong: str, least: int | None = None) -> bool:
    """Whether `text`'s bytes as `wrong` made them may hold a stretch of `codec.utf8_spans` (`utf8_stretches`) with
    `least` long sequences (default `UTF8_LEADS`): False proves they hold none. A stretch counts the lead bytes
    (E0-F4) of its pieces' sequences, and its pieces' bytes are some of the characters' bytes, each written as the
    whole text's encoding writes it (one byte for '?', none of them E0-F4): fewer such bytes in all than `least` leave
    no stretch. One encoding and one translation in C, where the scan is a Python loop per piece (the `?` pages'
    first readings of their UTF-8 windows, nearly all short). A text `wrong` cannot encode whole (Big5's pieces may
    be cp950's) is not proven."""
    try:
        raw = misread_bytes(text, wrong)
    except UnicodeEncodeError:
        return True
    return len(raw.translate(None, _NOT_LONG_LEADS)) >= (UTF8_LEADS if least is None else least)


# two complete 3- or 4-byte UTF-8 sequences (their first three bytes) with nothing between them that valid UTF-8
# does not hold (ASCII and continuation bytes, 2-byte sequences, long ones): a superset of such stretches of UTF-8
_TWO_LONG = re.compile(rb"[\xe0-\xf4][\x80-\xbf]{2}(?:[\x00-\xbf]|[\xc2-\xdf][\x80-\xbf]|[\xe0-\xf4][\x80-\xbf]{2})*?"
                       rb"[\xe0-\xf4][\x80-\xbf]{2}")


def _may_hold_span(stretch: str, wrong: str) -> bool:
    """Whether `utf8_spans(stretch, wrong)` may find a span (of `UTF8_LEADS` lead bytes of long sequences): False
    proves it finds none. `may_be_utf8`'s count of such bytes, and in a stretch without a lost mark (one piece
    of bytes, a news page's clean paragraph), two complete long sequences in one stretch of valid UTF-8 (`_TWO_LONG`):
    a span is a valid stretch of UTF-8 whose sequences are complete but for the last (cut at the piece's end), so
    3 lead bytes of long ones are two complete at least. With marks, each piece may end in a cut sequence: only the
    count of lead bytes is proof. (For `UTF8_LEADS` 3, what `_utf8_explained` asks.)"""
    if not may_be_utf8(stretch, wrong):
        return False
    if "?" in stretch or "\ufffd" in stretch:
        return True
    try:
        raw = misread_bytes(stretch, wrong)
    except UnicodeEncodeError:
        return True  # (Big5's pieces may be cp950's: not proven)
    return _TWO_LONG.search(raw) is not None


# (a pure function of its arguments, remembered for the few texts last asked, as `codec.utf8_stretches`: the gate
# and each repair pass ask the same page again, and its scan of the stretches holding a rare character is the cost)
@lru_cache(maxsize=8)
def _utf8_explained(text: str, wrong: str, least: int) -> tuple[tuple[int, int], ...]:
    points = codepoints(text)
    rare = (_gate_table()[points] & RARE) != 0
    if not rare.any():
        return ()
    # rare characters before each offset
    before = np.concatenate(([0], np.cumsum(rare)))
    # the stretches (`LOSSY_STRETCH`'s matches: runs of non-ASCII characters and '?') found with their bounds in
    # numpy, and only those holding a rare character scanned (the others, most of a clean page, can explain none: a
    # news page has hundreds of stretches, each a step of the regex's loop in Python)
    edges = np.diff(np.concatenate(([0], ((points >= 0x80) | (points == 0x3F)).view(np.int8), [0]))).nonzero()[0]
    starts, ends = edges[0::2], edges[1::2]
    held = (before[ends] > before[starts]).nonzero()[0]
    spans = [(s + a, s + b) for s, e in zip(starts[held].tolist(), ends[held].tolist(), strict=True)
             if _may_hold_span(text[s:e], wrong) for a, b in utf8_spans(text[s:e], wrong)]
    if not spans:
        return ()
    inside = sum(int(before[b] - before[a]) for a, b in spans)
    if inside <= int(before[-1]) - inside:
        return ()
    return tuple(utf8_stretches(text, wrong, least))
