"""Family 2, reversible misreadings, over a document: UTF-8 read as cp1252 (through ftfy), whole pages
read in the wrong 2-byte codec, runs re-read in their windows (`windows`), and in a page where a misreading is
established, the short fragments and Latin letters it left between ASCII words.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

import numpy as np

from taosha.document import Document, changed_run
from taosha.repair.mojibake.codec import (
    PAIR_REDECODES,
    REDECODES,
    _pair_reading,
    _redecode_span,
    overlaps,
)
from taosha.repair.mojibake.gate import (
    _HIGH,
    _LATIN_RUN,
    _LEGACY_RUN,
    _OFF_DENSE,
    _READ_RUN,
    BIG5_PUNCT_AS_PUA,
    READS_IN_SIMP,
    READS_IN_TRAD,
    Explained,
    _odd_table,
    _rows_before,
    utf8_explained,
)
from taosha.repair.mojibake.rivals import keep_proven
from taosha.repair.mojibake.score import _EAST_ASIAN_MOST, _HAN, _IN_WORD, FREQUENT_LOGP, _han_share, _mean, _words
from taosha.repair.mojibake.windows import (
    _BESIDE_PROVEN,
    _DIGITS_AND_SPACE,
    _GAIN_SPAN,
    _SENTENCE_EDGE,
    PageReadings,
    PairGains,
    _best_window,
    _script_proof,
    _utf8_windows,
    encoded_twice,
    holds_any,
)
from taosha.textarrays import codepoints, consecutive_runs
from taosha.zh.lm import SYMBOLS, ZHUYIN_AS_BIG5, CharLM, for_script, model

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_NON_ASCII_ANY = re.compile(r"[^\x00-\x7f]+")
_ESTABLISHED = 1  # stretches read right before a page's short fragments are read so too
_PUA_PAGE = 5  # private-use characters (or GBK punctuation read as Big5) that make a page judged with no script
_PAGE_RARE_LEFT = 2  # a whole page read right leaves at most half its rare characters
# a fragment with no rare character is read only when 2 or more of its characters read as frequent text that makes a
# word and gains twice the bar; a fragment's head is looked at up to 8 characters for a sentence's edge
_CLEAN_RUN, _CLEAN_GAIN, _HEAD_REACH = 2, 2, 8
_PUA_NEAR = 3  # two private-use characters within 3 are Big5 read as GB18030 (icons stand one per word or link)
_LETTERS_MOST = 2  # characters between ASCII letters that may be accented Latin letters misread (P谷rez)
# for the 2-byte codecs, a run goes on across digits and spaces (年 and 月 in 1786年2月 are misread one by one)
_PAIR_RUN = re.compile(r"[^\x00-\x7f](?:[0-9 ]{0,4}[^\x00-\x7f])+")
_PAIR_RUN_OR_PUA = re.compile(_PAIR_RUN.pattern + "|[\ue000-\uf8ff]")  # Big5's 。 read as GB18030 may stand alone
_ZHUYIN = re.compile(f"[{ZHUYIN_AS_BIG5}]")
_PUNCT_AS_BIG5 = "ㄛ﹝﹜ㄩㄐㄗㄘ﹞"  # what GBK's ，。、：！（）· are in Big5
_PAIR_RUN_OR_ZHUYIN = re.compile(_PAIR_RUN.pattern + f"|[{ZHUYIN_AS_BIG5}]")  # and GBK's （ read as Big5 (ㄗ)
_PUA = re.compile("[\ue000-\uf8ff]")
_PUA_ONLY = re.compile("[\ue000-\uf8ff]+")


def repair_latin(doc: Document, lm: CharLM, min_gain: float, name: str) -> int:
    """UTF-8 read as cp1252/latin-1 in runs of Latin-1 letters, repaired by ftfy where the model gains
    `min_gain`; the number of repairs."""
    import ftfy

    count = 0
    legacy: list[tuple[int, int]] | None = None

    def fix(m: re.Match[str]) -> str:
        nonlocal count, legacy
        run = m.group()
        fixed = ftfy.fix_encoding(run)
        if fixed != run and _PAIR.search(m.string):
            if legacy is None:
                legacy = _legacy_spans(m.string, model(), min_gain)
            if any(a <= m.start() and m.end() <= b and b - a > m.end() - m.start() for a, b in legacy):
                return run
        if fixed != run and _mean(lm, fixed) - _mean(lm, run) >= min_gain:
            count += 1
            return fixed
        once = _utf8_once(run)
        if once is not None and _legacy_within(once, lm, min_gain):
            count += 1
            return once
        return run

    doc.sub(_LATIN_RUN, fix, name, "utf8_as_cp1252")
    return count + repair_legacy_latin(doc, min_gain, name)


def _utf8_once(run: str) -> str | None:
    """A run's bytes as cp1252/latin-1 read them (`_latin_bytes`), decoded as UTF-8 once (ftfy goes on while it
    finds more: `Î»`, two GBK bytes of 位 read as Latin-1, would become λ), or None when they are no UTF-8."""
    raw = _latin_bytes(run)
    if raw is None or raw.isascii():
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _legacy_within(fixed: str, lm: CharLM, min_gain: float) -> bool:
    """Whether a run read once as UTF-8 is itself GBK or Big5 read as cp1252/latin-1, a legacy run that reads as
    East Asian text (GBK's bytes read as Latin-1 and saved as UTF-8, twice: `Â±Â±Â¾Â©` is `±±¾©`, 北京): then that
    reading is taken, though it gains nothing by itself, for `repair_legacy_latin` to read the second. A run of
    Latin letters gains no such reading."""
    for m in _LEGACY_RUN.finditer(fixed):
        # (a run `repair_legacy_latin` reads before a page is established: outside Latin words; else the first
        # reading alone would be written, mojibake still: `Â¹Ã\x98Ã\x90` to `¹ØÐ`)
        if m.end() - m.start() >= 2 * _LEGACY_CHARS and _legacy_candidate(fixed, *m.span(), in_word=True) and any(
                _legacy_best(m.group(), codec, lm, min_gain, _LEGACY_CHARS) is not None for _, codec in LEGACY_LATIN):
            return True
    return False


# the legacy encodings a page's bytes may have been written in before cp1252/latin-1 read them: (reason, codec)
LEGACY_LATIN = (("gbk_as_latin1", "gb18030"), ("big5_as_latin1", "big5"))


def _latin_bytes(run: str) -> bytes | None:
    """The bytes cp1252 or latin-1 read as `run` (cp1252 where it defines the byte, else latin-1: browsers read
    cp1252's five undefined bytes as the C1 controls), or None."""
    out = bytearray()
    for c in run:
        o = ord(c)
        if o < 0x100 and not 0x80 <= o < 0xA0:
            out.append(o)
            continue
        try:
            out += c.encode("cp1252")
        except UnicodeEncodeError:
            if o >= 0x100:
                return None
            out.append(o)  # a C1 control: latin-1's reading of a byte cp1252 leaves undefined
    return bytes(out)


def repair_legacy_latin(doc: Document, min_gain: float, name: str) -> int:
    """GBK or Big5 bytes read as cp1252/latin-1 (`_LEGACY_RUN`: `ÖÐÉ½²Ë` for 中山菜): each run's bytes decoded
    with the codec they were written in, when every byte decodes, the reading is East Asian text and the model
    of no script (the run has no script of its own) gains `min_gain` by it; of GBK's and Big5's readings, the
    better. Once `_LEGACY_PAGE` characters of a page are read so, runs of one character are read too (Rachel¡£
    for Rachel。), and runs between Latin letters, in the page's codec. The number of repairs."""
    lm = model()
    text = doc.text
    runs = [(m, _legacy_candidate(text, *m.span(), in_word=True)) for m in _LEGACY_RUN.finditer(text)
            if _legacy_candidate(text, *m.span(), in_word=False)]
    found: dict[int, tuple[int, int, str, str]] = {}
    codecs: tuple[tuple[str, str], ...] = LEGACY_LATIN
    for established in (False, True):
        if established:
            read = Counter({reason: 0 for reason, _ in LEGACY_LATIN})
            for f in found.values():
                read[f[3]] += len(f[2])
            if read.total() < _LEGACY_PAGE:
                break
            # the page's own legacy codec only (»ò is 或 in GBK and 麼 in Big5)
            codecs = tuple(c for c in LEGACY_LATIN if c[0] == read.most_common(1)[0][0])
        for k, (m, outside_words) in enumerate(runs):
            if k in found or not (outside_words or established):
                continue
            run, best = m.group(), None
            for reason, codec in codecs:
                got = _legacy_best(run, codec, lm, min_gain, 1 if established else _LEGACY_CHARS)
                if got is not None and (best is None or got[0] > best[0]):
                    best = (*got, reason)
            if best is not None:
                _, lo, hi, fixed, reason = best
                found[k] = (m.start(), m.end(), run[:lo] + fixed + run[hi:], reason)
    doc.replace_spans([found[k] for k in sorted(found)], name, "gbk_as_latin1")
    return len(found)


_CURLY = "\u2018\u2019\u201c\u201d"  # cp1252's ‘’“” (bytes 91-94)
_LONG_READING = 16  # East Asian characters in a reading that a rare cluster no longer condemns
_LEGACY_PAGE = 8  # characters read back from legacy runs before a run of a single character is read too


def _legacy_best(run: str, codec: str, lm, min_gain: float,
                 min_chars: int = 2) -> tuple[float, int, int, str] | None:
    """The best reading of a legacy run as (its mean score, start, end, reading) of the part read, or None.
    cp1252's curly quotes are bytes 91-94, GBK lead bytes as well: a run in quotation marks (会出现“ËäÈ»·¢³µ¼ä¸ô”)
    is read with and without them, and the better reading is taken."""
    best: tuple[float, int, int, str] | None = None
    for lo in (0, 1) if run[0] in _CURLY else (0,):
        for hi in (len(run), len(run) - 1) if run[-1] in _CURLY and len(run) - lo > 2 else (len(run),):
            fixed = _legacy_reading(run[lo:hi], codec, lm, min_gain, min_chars)
            if fixed is not None and (best is None or _mean(lm, fixed) > best[0]):
                best = (_mean(lm, fixed), lo, hi, fixed)
    return best


def _legacy_candidate(text: str, start: int, end: int, in_word: bool = True) -> bool:
    """Whether the legacy run text[start:end] may be a legacy encoding's bytes at all; with `in_word`, also where
    it stands between Latin letters (Arts¡¢Master: a page whose legacy runs are established reads those too)."""
    pairs = len(_PAIR.findall(text, start, end))
    if not pairs or (in_word and pairs < _CHINESE_PAIRS and _in_latin_word(text, start, end)):
        return False  # accented letters of a Latin word (assiégée, Größe), not a Chinese character's bytes
    # a UTF-8 sequence that lost a byte beside it (â€�) is UTF-8's damage, not GBK's
    return "\ufffd" not in text[max(0, start - 1) : end + 1]


def _legacy_spans(text: str, lm, min_gain: float) -> list[tuple[int, int]]:
    """Where legacy runs stand that read as GBK or Big5 text (ftfy's UTF-8 repair leaves them: in
    µÄµÀÂ·ÃüÃû, Â· is two GBK bytes, not UTF-8's ·)."""
    return [m.span() for m in _LEGACY_RUN.finditer(text) if _legacy_candidate(text, *m.span())
            and any(_legacy_best(m.group(), codec, lm, min_gain) for _, codec in LEGACY_LATIN)]


# ISO-8859-15 (Latin-9) reads eight bytes as letters cp1252 has elsewhere: a run holding one of them may be Latin-9's
# reading (a real page in ../shared: GBK read as Latin-9, saved as UTF-8 and read as Latin-1 again, 京's BE as Ÿ)
_LATIN9 = {"€": 0xA4, "Š": 0xA6, "š": 0xA8, "Ž": 0xB4, "ž": 0xB8, "Œ": 0xBC, "œ": 0xBD, "Ÿ": 0xBE}
_LATIN9_ANY = re.compile(f"[{''.join(_LATIN9)}]")
# what Latin-9 never reads: the Latin-1 signs it replaced (bytes A4-BE, frequent in GB2312's bytes) and cp1252's other
# letters for 80-9F (Latin-9 reads those bytes as C1 controls). A run holding one is no Latin-9 reading
_NOT_LATIN9 = re.compile("[¤¦¨´¸¼½¾‚ƒ„…†‡ˆ‰‹‘’“”•–—˜™›]")


def _latin9_bytes(run: str) -> bytes | None:
    """The bytes Latin-9 read as `run` (its eight letters at their places, the rest as `_latin_bytes` has them)."""
    out = bytearray()
    for c in run:
        part = bytes((_LATIN9[c],)) if c in _LATIN9 else _latin_bytes(c)
        if part is None:
            return None
        out += part
    return bytes(out)


def _legacy_reading(run: str, codec: str, lm, min_gain: float, min_chars: int = 2) -> str | None:
    """`run`'s bytes decoded with `codec`, when every byte decodes, the reading is East Asian text that is not
    garbage and the model gains `min_gain` by it; else None. The bytes are cp1252's (`_latin_bytes`), or Latin-9's
    where the run holds one of its letters and that reading scores better by `min_gain`."""
    fixed = _legacy_decoded(_latin_bytes(run), codec)
    if _LATIN9_ANY.search(run) and not _NOT_LATIN9.search(run):
        other = _legacy_decoded(_latin9_bytes(run), codec)
        # by `min_gain` over the whole reading: the two differ in a character or two, and a near tie is cp1252's
        # (。隋煬 against Latin-9's 。隋粳, 0.08 nats apart; the DAnIEL page's runs: 1.7 nats and more, all but one
        # of 129 over 2)
        if other is not None and (fixed is None or _mean(lm, other) * len(other) - _mean(lm, fixed) * len(fixed)
                                  >= min_gain):
            fixed = other
    if fixed is None:
        return None
    if fixed == run:
        return None
    east_asian = sum(c >= "\u2e80" for c in fixed)
    if east_asian < min_chars:
        return None  # one character's worth: a Latin page's signs (5×£35, NESTLÉ®, ( o¬ô )) read so too
    if _han_share(fixed.translate(_DIGITS_AND_SPACE)) < _HAN_READING and east_asian < len(fixed):
        return None  # (a lone full-width sign, 。 for ¡£, is all East Asian)
    if east_asian < _LONG_READING and lm.rare_cluster(fixed, *_RARE_WINDOW):
        return None  # garbage: a long reading has names and terms (半跏趺坐) and is judged by its gain alone
    if _mean(lm, fixed) - _mean(lm, run) < min_gain:
        return None
    return fixed


def _legacy_decoded(raw: bytes | None, codec: str) -> str | None:
    if raw is None or _utf8(raw):
        return None  # UTF-8 read as cp1252 (ftfy's, above: NicolÃ¡s, Î•Î»Î»Î·Î½Î¹ÎºÎ¬), not GBK or Big5
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


# two high characters in a row: a GB2312 character's two bytes (both A1-FE), as Latin text seldom writes them;
# Big5's frequent characters have one too (¤ë for 月) beside those with an ASCII trail (¦~ for 年)
_PAIR = re.compile(f"[{_HIGH}]{{2}}")


def _in_latin_word(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` has an ASCII letter glued on both sides (inside a Latin word)."""
    return (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()
            and end < len(text) and text[end].isascii() and text[end].isalpha())


_UTF8_BAD = 4  # UTF-8 with at most one invalid sequence for this many valid characters: damaged UTF-8 text


def _utf8(raw: bytes) -> bool:
    """Whether `raw` is UTF-8 text with multi-byte sequences (surrogates too: CESU-8's emoji), or such text with a
    few invalid sequences (a lost byte, an NBSP made a space). GBK's pairs make a valid sequence now and then (中 is
    D6 D0, and D0 A3 is У), never mostly: ¸ü¶à¾«Ð£Ð¡Ëµ reads as three invalid sequences and four odd characters."""
    if max(raw, default=0) < 0x80:
        return False
    try:
        raw.decode("utf-8", "surrogatepass")
        return True
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return bad * _UTF8_BAD <= sum(c >= "\x80" for c in text) - bad


_CHINESE_PAIRS = 3  # pairs of high characters in a run that no Latin word holds: GBK text between Latin words
_LEGACY_CHARS = 2  # East Asian characters a legacy run's reading must hold
_HAN_READING = 0.5  # of a legacy run's reading (digits and spaces apart), East Asian characters at least
_RARE_WINDOW = (8, 3)  # a reading with 3 rare characters within 8 is garbage, not the text (as for every window)


def repair_whole_page(doc: Document, min_gain: float, name: str, *, known: Explained | None = None) -> int:
    """A page misread as a whole (Big5 read as GBK, or the reverse): it looks like the other script, so the
    per-stretch repairs, which judge with the page's script, would not see it. The whole text is read
    right and judged with the model of no script; it must win clearly and leave far fewer rare
    characters. `known`: `gate.utf8_explained`'s answers for the page so far."""
    text = doc.text
    base = model()
    if _han_share(text) < _EAST_ASIAN_MOST:
        return 0  # a page of East Asian text (not a kaomoji or a box drawing)
    for reason, wrong, right in PAIR_REDECODES:
        if utf8_explained(text, wrong, known=known):
            continue  # its damage is UTF-8 read as `wrong`: that page is no other 2-byte codec's
        fixed = _redecode_span(text, wrong, right)
        if fixed is not None and wrong == "big5" and _MARK.search(text):
            fixed = _in_step(text, fixed, _written(doc, name))  # (what was read out of step stays: `_out_of_step`)
        if fixed is None or fixed == text or (_kana_changed(text, fixed) and (
                wrong == "big5" or _PUA.search(text) is None)):
            continue
        if _PAGE_RARE_LEFT * base.rare_count(fixed) > base.rare_count(text) or not _words(base, fixed):
            continue
        if _mean(base, fixed) - _mean(base, text) < min_gain:
            continue
        doc.with_text(fixed, name, reason)
        return 1
    return 0


def repair_redecodes(
    doc: Document, lm: CharLM, min_gain: float, name: str, *, utf8: bool, pairs: bool,
    points: list[int] | None = None, utf8_from: tuple[str, ...] | None = None,
    utf8_at: dict[str, tuple[int, ...] | None] | None = None, kept: list[tuple[str, int]] | None = None,
    known: Explained | None = None,
) -> int:
    """The reversible misreadings of REDECODES (`utf8`: the UTF-8 ones, `pairs`: GBK <-> Big5), run by run;
    `points`: where short UTF-8 runs may be, when only those are examined; `utf8_from`: the codecs whose bytes of
    the page may hold a UTF-8 window (the caller's test of the whole page), the others read back only once the page
    has changed; `utf8_at`: for those, where in the page a window may begin (`step._utf8_runs`: a run holding no such
    character has none), likewise until the page has changed. `kept`: where given, each window another chain
    explains (`keep_proven`), left as it stood, with its length, for the caller to count once its later passes are
    done (a window they read is theirs); else they are counted in `mojibake_unrepaired` here. `known`:
    `gate.utf8_explained`'s answers for the page so far, kept for the passes to share. The number of repairs."""
    known = {} if known is None else known
    count = 0
    if points is not None:  # UTF-8 only where a short run's sign is
        count, utf8 = _redecode_short(doc, lm, points, min_gain, name), False
    # in a simplified page, zhuyin is GBK's full-width punctuation read as Big5 (see lm.ZHUYIN_AS_BIG5): such a
    # character is evidence by itself, and one alone between ASCII text (HOHㄗHC=) is a run of its own
    zhuyin_off = "ㄛ" in lm.off_script
    page_lm = lm
    # Big5's frequent characters read as GBK are kana (A4A1-A5F6) and private-use ones (AA-AF rows): kana with
    # no private-use character on the page are the page's Japanese
    page_pua = _PUA.search(doc.text) is not None
    # a traditional page: Big5's own script, where private-use characters side by side are Big5 read as GB18030
    trad_page = _TRAD_MARK in lm.off_script
    # a page's bytes were misread one way: once GBK <-> Big5 is read back one way (here or as a whole page), the
    # other way would misread what that wrote (質條 read back, then taken for GBK read as Big5: 借兵)
    read_back = {e.reason for e in doc.edits if e.step == name}
    page = doc.text
    # (GBK <-> Big5) what the windows measure of the text as it stands, shared by both codecs' passes while the text
    # and the model are the same
    readings: list[PageReadings] = []
    for reason, wrong, right in REDECODES:
        if not (utf8 if right == "utf-8" else pairs):
            continue
        if right == "utf-8" and utf8_from is not None and wrong not in utf8_from and doc.text == page:
            continue  # no run's bytes as `wrong` made them hold a window: each run would be let go
        if _REVERSE.get(reason) in read_back:
            continue
        # UTF-8's bytes say which characters they are, of either script: on a page taken for traditional its readings
        # are judged with the model of no script (a page read whole as GBK is "traditional" by its mojibake, whose
        # model finds the simplified reading rare: 我们要推动经济发展 was left as 鎴戜滑瑕佹帹鍔ㄧ粡娴庡彂灞)
        lm = for_script("neutral") if right == "utf-8" and trad_page else page_lm
        # (a page without a private-use character, as it stood, has none to count; `_PUNCT_AS_BIG5` counted by
        # `str.count`, a character at a time in C, where a regex of the class took ~14 ns a character)
        if wrong == "gb18030" and right == "big5" and (page_pua or doc.text != page) and len(
                _PUA.findall(doc.text)) >= _PUA_PAGE:
            # Big5's punctuation read as GB18030 all over the page: most of it may be misread, and its
            # GB2312-looking garbage would pass for the page's own script (simplified), against which the
            # traditional reading loses: judged with the model of no script
            lm = for_script("neutral")
        elif wrong == "big5" and sum(map(doc.text.count, _PUNCT_AS_BIG5)) >= _PUA_PAGE:
            # the same for GBK's punctuation read as Big5 (zhuyin and small brackets): its traditional-looking
            # garbage makes the page look traditional, against which the simplified reading loses
            lm = for_script("neutral")

        before = count
        # a short stretch of script-neutral characters is no proof of GBK read as Big5 by itself (`windows.
        # _script_proof`): it is read only on a second pass, beside a stretch the first pass read so (where in the
        # text the first pass changed characters, in the text it leaves: `proven`)
        proven: list[tuple[int, int]] = []
        shift = [0]  # how far the first pass's repairs so far moved the text after them
        for neutral in (False, True):
            if neutral and not (wrong == "big5" and right == "gbk" and proven):
                break
            rare_before: list[int] = []  # rare characters before each offset: most runs have none, or too few
            rows_before: list[int] = []
            pairs_before: list[int] = []
            japanese = False
            if right != "utf-8":
                rare_before = np.concatenate(([0], np.cumsum(1 - lm.common[codepoints(doc.text)]))).tolist()
                rows_before = _rows_before(doc.text, wrong)
                # (not in a page with Japanese and no private-use character: its kana and kanji read so too); made when
                # a run first needs it (most runs are judged on their rare characters)
                japanese = _KANA_RUN.search(doc.text) is not None and not page_pua

            # (GBK <-> Big5) stretches whose bytes are UTF-8 read as `wrong`, lossy or not: read as the other 2-byte
            # codec they would give its mojibake of UTF-8 (`codec.utf8_with_losses`)
            utf8_spans = utf8_explained(doc.text, wrong, known=known) if right != "utf-8" else []
            # (UTF-8) stretches whose bytes are UTF-8 as the other codec wrote them, and not as this one: UTF-8 read by
            # the other codec (銝箄 is 为 read as Big5; its GB18030 bytes happen to read as UTF-8's 㖹u); asked once a
            # run has a window (a run without one is let go all the same: most pages a '?' sends here have none)
            theirs_only: list[list[tuple[int, int]]] = []
            # (UTF-8) a page encoded twice: a short first reading that is UTF-8 read as `wrong` again is no repair;
            # asked of the text the pass began with once a run has a window to judge (most pages have none)
            twice: list[bool] = []
            off_step: list[list[bool]] = []  # (GBK read as Big5) the text's characters read out of step, once asked
            # (GBK <-> Big5) the per-character gains of the text the pass reads, made once a run needs its windows
            page_gains: list[PairGains] = []
            # (UTF-8) where a window may begin, while the page is the one they were found in (the runs' text)
            at = utf8_at.get(wrong) if right == "utf-8" and utf8_at is not None and doc.text == page else None

            def fix(
                m: re.Match[str], wrong: str = wrong, right: str = right, rare_before: list[int] = rare_before,
                rows_before: list[int] = rows_before, lm: CharLM = lm, pairs_before: list[int] = pairs_before,
                japanese: bool = japanese, neutral: bool = neutral, proven: list[tuple[int, int]] = proven,
                shift: list[int] = shift, utf8_spans: list[tuple[int, int]] = utf8_spans, twice: list[bool] = twice,
                off_step: list[list[bool]] = off_step, at: tuple[int, ...] | None = at,
                theirs_only: list[list[tuple[int, int]]] = theirs_only, page_gains: list[PairGains] = page_gains,
            ) -> str:
                nonlocal count
                run = m.group()
                if utf8_spans and overlaps(utf8_spans, m.start(), m.end()):
                    return run
                near: tuple[tuple[int, int], ...] = ()
                if neutral:
                    near = tuple((a - m.start(), b - m.start()) for a, b in proven
                                 if a <= m.end() + _BESIDE_PROVEN and b >= m.start() - _BESIDE_PROVEN)
                    if not near:
                        return run  # nothing read beside it: the first pass's judgement stands
                if at is not None and not holds_any(at, m.start(), m.end()):
                    return run  # no match in its bytes may begin a window (`_utf8_windows` would find none)
                windows = _utf8_windows(run, wrong) if right == "utf-8" else None  # (found once, judged below)
                if right == "utf-8" and not windows:
                    return run  # no UTF-8 window in its bytes (`_best_window` would find none)
                if right == "utf-8":
                    if not theirs_only:
                        other = "big5" if wrong == "gb18030" else "gb18030"
                        theirs = utf8_explained(m.string, other, known=known)
                        ours = utf8_explained(m.string, wrong, known=known) if theirs else []
                        theirs_only.append([span for span in theirs if not overlaps(ours, *span)])
                    if theirs_only[0] and overlaps(theirs_only[0], m.start(), m.end()):
                        return run
                # characters that are evidence by themselves: Big5's punctuation (°, ：, 、) as GB18030 reads it,
                # private-use (two within three characters, or one by a number: one alone may be an icon font's),
                # and zhuyin in a simplified page
                if wrong == "big5" and page_pua and _pua_evidence(m.string, m.start(), m.end()):
                    return run  # private-use characters come from reading as GB18030: Big5 read as GBK, next
                # (a private-use character marks only the windows that hold it: a glyph by a number far off in the
                # run is no evidence for another glyph's window, `\ue6861982年 … \ue660梅艷芳` -> 刊繩靄芳)
                marks = _pua_marks(m.string, m.start(), m.end(), lm) if wrong == "gb18030" and page_pua else []
                marked = bool(marks) or (wrong == "big5" and zhuyin_off and _ZHUYIN.search(run) is not None)
                # a long run with a rare character may hide a stretch that gains strongly and makes words (GBK read
                # as Big5 gives many characters GB2312 has: 由于乡里 -> 蚕衾盺爵): _pair_windows judges it
                long = len(run) >= _GAIN_SPAN and right != "utf-8"
                # UTF-8 windows found in the bytes are evidence enough; a 2-byte misreading needs rare characters
                # (a cluster of three, or one after a digit), or characters in a row that read as frequent text, or
                # two side by side that each read as a more frequent one (汜莉 for 生产)
                if right != "utf-8" and not marked:
                    n = rare_before[m.end()] - rare_before[m.start()]
                    rows = len(run) >= _READ_RUN and rows_before[m.end() - _READ_RUN + 1] > rows_before[m.start()]
                    enough = n > 0 and (long or lm.rare_cluster(run, *_OFF_DENSE) or _odd_after_digit(run, lm))
                    if not enough and not rows:
                        if japanese:
                            return run
                        if not pairs_before:
                            pairs_before.extend(_odd_pairs_before(m.string, wrong, right, lm))
                        if pairs_before[m.end() - 1] == pairs_before[m.start()]:
                            return run
                if right == "utf-8" and not twice:
                    twice.append(encoded_twice(m.string, wrong, at))
                refused: list[bool] = []
                if right != "utf-8" and not page_gains:
                    if not (readings and readings[0].text == m.string and readings[0].lm is lm):
                        readings[:] = [PageReadings(m.string, lm)]
                    page_gains.append(readings[0].gains(wrong, right))

                def window(null: bool) -> str | None:
                    return _best_window(
                        run, wrong, right, lm, min_gain, marked=marked, windows=windows,
                        marks=tuple(k - m.start() for k in marks) if marks else None,
                        after=m.string[m.end() : m.end() + 1], neutral_short=near,
                        pua_as_han_void=wrong == "gb18030" and not (
                            trad_page and _PUA_ROW.search(run)),
                        twice=right == "utf-8" and twice[0], null=null, refused=refused,
                        page=(page_gains[0], m.start()) if page_gains else None)

                best = window(True)
                # a reading the null refused (the window may be the page's own simplified text) is still judged
                # below, to count what another chain proves is damage (`keep_proven`); the text stands
                count_only = best is None and bool(refused) and wrong == "gb18030" and right == "big5"
                if count_only:
                    best = window(False)
                if best is None:
                    return run
                if _kana_changed(run, best) and (wrong == "big5" or not page_pua):
                    return run  # Japanese as the page wrote it (ゴールデン街), not a misreading
                if wrong == "gb18030" and (
                        _pua_read_as_han(run, best) or _icons_beside_clean_text(run, best, lm)) and not (
                        trad_page and _pua_rows_read(run, best, lm)):
                    # private-use characters alone (an emoji or icon font: 大赞\ue00e\ue00e) are read back only as
                    # Big5's punctuation and signs (83%\ue4c9 for 83%。); a Han reading needs misread text beside it,
                    # which holds a rare character (an icon font's U+E600 reads as 凡: 昨\ue600天下\ue600单 is clean)
                    return run
                if wrong == "gb18030" and right == "big5" and (
                        _glyphs_among_clean_text(run, best, lm) or _half_read_glyphs(run, best)):
                    return run  # no byte proves damage: the glyphs and the clean text beside them stand
                if wrong == "gb18030" and right == "big5" and len(best) == len(run):
                    best = _keep_quotation_marks(run, best)
                    if best == run:
                        return run
                if wrong == "big5" and right == "gbk" and _MARK.search(m.string):
                    # what the decoder read one byte out of step stays as it stands (`_out_of_step`)
                    if not off_step:
                        off_step.append(_out_of_step(m.string, _written(doc, name)))
                    best = _in_step(run, best, off_step[0][m.start() : m.end()], known=True)
                    if best == run:
                        return run
                if wrong == "gb18030" and right == "big5":
                    # windows another chain explains are left as they stood, and counted as unrepaired (`rivals`)
                    left_windows: list[str] = []
                    best, left = keep_proven(run, best, left_out=left_windows)
                    if left and kept is not None:
                        kept.extend((window, len(window)) for window in left_windows)
                    elif left:
                        doc.tag("mojibake_unrepaired", doc.signals.get("mojibake_unrepaired", 0) + left)
                    if best == run or count_only:
                        return run
                count += 1
                if not neutral and wrong == "big5" and right == "gbk":
                    k, _, end = changed_run(run, best)  # where the repair changed it, in the text it leaves
                    proven.append((m.start() + shift[0] + k, m.start() + shift[0] + end))
                    shift[0] += len(best) - len(run)
                return best

            runs = (_NON_ASCII_RUN if right == "utf-8" else _PAIR_RUN_OR_PUA if wrong == "gb18030"
                    else _PAIR_RUN_OR_ZHUYIN if zhuyin_off else _PAIR_RUN)
            # `fix` of every run, as `doc.sub` would call it, but for the runs its first tests let go at once, asked
            # here first (most runs of a clean page: a call of `fix` and of the edit's recorder each cost more)
            if not _LET_GO_FIRST:  # every run through `fix` (what the tests compare this with)
                doc.sub(runs, fix, name, reason)
                continue
            text, spans = doc.text, []
            pair_test = right != "utf-8" and not neutral and not (wrong == "gb18030" and page_pua)
            zhuyin_here = wrong == "big5" and zhuyin_off and _ZHUYIN.search(text) is not None
            for m in runs.finditer(text):
                a, b = m.span()
                if pair_test and rare_before[b] == rare_before[a] and not (
                        b - a >= _READ_RUN and rows_before[b - _READ_RUN + 1] > rows_before[a]) and not (
                        zhuyin_here and _ZHUYIN.search(text, a, b) is not None):
                    # no rare character, no row read as frequent text, nothing `marked`: `fix` lets it go unless two
                    # characters side by side read the other way as a word
                    if japanese:
                        continue
                    if not pairs_before:
                        pairs_before.extend(_odd_pairs_before(text, wrong, right, lm))
                    if pairs_before[b - 1] == pairs_before[a]:
                        continue
                if right == "utf-8" and ((at is not None and not holds_any(at, a, b)) or not _utf8_windows(
                        m.group(), wrong)):
                    continue  # no window may begin in it, or its bytes hold none (`fix`'s first tests)
                new = fix(m)
                if new != m.group():
                    spans.append((a, b, new))
            doc.replace_spans(spans, name, reason)
        if count > before:
            read_back.add(reason)
        if right != "utf-8" and count - before >= _ESTABLISHED:
            count += _fragments(doc, lm, reason, wrong, right, min_gain, name, known)
        elif wrong == "gb18030" and right == "utf-8" and count - before >= _ESTABLISHED:
            # one character inside a Latin word that reads as an accented letter (Kangasm盲ki for Kangasmäki:
            # UTF-8's ä is two bytes, one GBK character), or after a digit as a sign of measure (30掳 for 30°),
            # in a page where UTF-8 read as GBK is established
            spans = [(m.start(), m.end(), letters) for m in _IN_WORD.finditer(doc.text)
                     if (letters := _latin_letters(doc.text, m.start(), m.end(), wrong, right))]
            spans += [(m.start(), m.end(), sign) for m in _AFTER_DIGIT.finditer(doc.text)
                      if (sign := _redecode_span(m.group(), wrong, right)) in SYMBOLS]
            spans.sort()
            doc.replace_spans(spans, name, reason)
            count += len(spans)
    return count


_LET_GO_FIRST = True  # `repair_redecodes` asks `fix`'s first tests of each run before calling it


def _odd_pairs_before(text: str, wrong: str, right: str, lm: CharLM) -> list[int]:
    """Per offset, how many pairs of characters side by side that are each less than frequent and read the other
    way as a more frequent one (the gate's `_odd_table`) making a dictionary word (汜莉 for 生产: what `_odd_word`
    asks) begin before it; a run holds one when the count grows between its start and its end less one."""
    points = codepoints(text)
    odd = (_odd_table()[points] & (READS_IN_SIMP if wrong == "big5" else READS_IN_TRAD)) != 0
    starts = np.zeros(len(odd), dtype=bool)
    starts[:-1] = odd[:-1] & odd[1:]
    if starts.any():
        at = starts.nonzero()[0]
        meant = _pair_reading(wrong, right)[np.where(points < 0x10000, points, 0)]
        starts[at] = lm.are_words(meant[at], meant[at + 1])
    return np.concatenate(([0], np.cumsum(starts))).tolist()


_REVERSE = {"gbk_as_big5": "big5_as_gbk", "big5_as_gbk": "gbk_as_big5"}


def _fragments(doc: Document, lm: CharLM, reason: str, wrong: str, right: str, min_gain: float, name: str,
               known: Explained | None = None) -> int:
    """In a page where a stretch of one script's bytes was read as the other's, the short runs left
    between ASCII words (楷俴▲Bad for 发行《Bad, 1997爛 for 1997年, 麼Koelie for 或Koelie) are read so too when
    the reading turns a rare character into frequent text and gains `min_gain`: too short to be judged
    alone, they are judged as part of the damage the page is known to have."""
    # rare or frequent for the script the right codec writes (GBK's simplified, Big5's traditional), whatever
    # the page looked like: a page mostly misread looks like the other script, or like none
    common, spans = for_script("simplified" if right == "gbk" else "traditional").common, []
    # stretches whose bytes are UTF-8 (lossy: UTF-8 read as Big5 with bytes lost) are not read as the other 2-byte
    # codec: that would write its mojibake of UTF-8 (锛 for 嚗, `codec.utf8_with_losses`)
    utf8 = utf8_explained(doc.text, wrong, known=known)
    # GBK read as Big5: a fragment after an odd number of the decoder's marks is out of step (`_out_of_step`)
    off = _out_of_step(doc.text, _written(doc, name)) if wrong == "big5" and _MARK.search(doc.text) else None

    def read(start: int, end: int, part: bool = False) -> bool:
        if overlaps(utf8, start, end):
            return False
        if off is not None and any(off[start:end]):
            return False
        run = doc.text[start:end]
        fixed = _redecode_span(run, wrong, right)
        if fixed is None or fixed == run or not all(common[ord(c)] for c in fixed):
            return False
        if part and (start == 0 or end == len(doc.text)) and not _script_proof(run, 0, len(run), wrong):
            # the head or tail of a longer run against no ASCII (the text's edge), made of script-neutral
            # characters a simplified page writes (a clean name opening a page with damage elsewhere: 逄晟表示 ->
            # 语言表示, a review): see `_script_proof`
            return False
        if _kana_changed(run, fixed) and (wrong == "big5" or _PUA.search(doc.text) is None):
            return False
        gain = _mean(lm, fixed) - _mean(lm, run)
        if gain < min_gain:
            return False
        if all(common[ord(c)] for c in run) and not (
                len(fixed) == len(run) >= _CLEAN_RUN and _words(lm, fixed) and gain >= _CLEAN_GAIN * min_gain):
            # no rare character to explain (a repaired run, or clean text), unless two or more read as
            # frequent text that makes a word and gains twice the bar (ァ猷衾 for 气愤于 between AM and Ted)
            return False
        spans.append((start, end, fixed))
        return True

    for m in _NON_ASCII_ANY.finditer(doc.text):
        if read(m.start(), m.end()):
            continue  # read whole
        if overlaps(utf8, m.start(), m.end()):
            continue
        letters = _latin_letters(doc.text, m.start(), m.end(), wrong, right)
        if letters:
            spans.append((m.start(), m.end(), letters))
            continue  # a Latin letter of a word (P谷rez for Pérez: GBK's é read as Big5)
        # or its head against the ASCII before it, up to where its reading ends a sentence (326.05窾\ue4c9 for
        # 萬。 before the clean 樂山是…) or as far as each character reads as a frequent one (倰儂ん人进行 for
        # 型机器人进行), or its tail after the last sentence it ends as it stands
        text, start, end = doc.text, m.start(), m.end()
        first = next((k for k in range(start, min(end, start + _HEAD_REACH))
                      if _redecode_span(text[k], wrong, right) in _SENTENCE_EDGE), None)
        if first is not None and first + 1 < end and read(start, first + 1, part=True):
            continue
        head = start
        while head < end and (f := _redecode_span(text[head], wrong, right)) and lm.char(f) >= FREQUENT_LOGP:
            head += 1
        if _CLEAN_RUN <= head - start < end - start and read(start, head, part=True):
            continue
        last = next((k for k in range(end - 1, start - 1, -1) if text[k] in _SENTENCE_EDGE), None)
        if last is not None and last + 1 < end:
            read(last + 1, end, part=True)
    doc.replace_spans(spans, name, reason)
    return len(spans)


_MARK = re.compile("[?\ufffd]")


def _written(doc: Document, name: str) -> bytearray:
    """Per character of `doc.text`, 1 where an edit of the step `name` changed it (its edits replayed forward over
    the text's lengths; what an edit kept as it stood at either end of its span, `shifted`'s `?桾?` before the 效 it
    read, is not). A bytearray: an edit that changes the length moves the rest of it in one memmove."""
    edits = [e for e in doc.edits if e.step == name]
    written = bytearray(max(0, len(doc.text) - sum(len(e.after) - len(e.before) for e in edits)))
    for e in edits:
        before, after = e.before, e.after
        most = min(len(before), len(after))
        head = 0
        while head < most and before[head] == after[head]:
            head += 1
        tail = 0
        while tail < most - head and before[-1 - tail] == after[-1 - tail]:
            tail += 1
        start, end = e.start + head, e.start + len(before) - tail
        written[start:end] = b"\x01" * (len(after) - head - tail)
    return written


def _out_of_step(text: str, written: bytearray | list[bool]) -> list[bool]:
    """Per character of `text`, GBK bytes read as Big5, whether it was read one byte out of step: Python's Big5
    decoder writes one mark (`?` or U+FFFD) for one byte (the lead of a pair Big5 lacks, or a trail it cannot pair)
    and reads on from the next, so each mark moves the reading half a character, and an ASCII character (a byte
    alone in GBK, or the trail a mark left) puts it back in step (`1?桾?虴` for 1日生效: 桾 is D5 C9, the tail of 日
    and the head of 生; read in step it would write 丈, which no character held). After a character an edit wrote
    (a window's or `shifted`'s reading, where a U+FFFD stands for a whole lost character) the count is unknown up
    to the next ASCII character: read in step, as before."""
    out = [False] * len(text)
    odd: bool | None = False  # None: unknown, until an ASCII character
    for k, c in enumerate(text):
        if written[k]:
            odd = None
        elif c.isascii() and c != "?":
            odd = False
        elif c == "?" or c == "\ufffd":
            odd = None if odd is None else not odd
        else:
            out[k] = bool(odd)
            if odd and c in _ABSORBS_LETTER:
                odd = False
    return out


# Big5 characters whose second byte is an ASCII letter or sign (40-7E): read out of step, the trail of a GBK character
# and the letter after it (日本x语言 read as Big5: ?梇鬧逄晟, 鬧 is BE 78, the tail of 本 and x), after which the
# reading is in step again (逄晟 for 语言)
_ABSORBS_LETTER = frozenset(c for lead in range(0xA1, 0xFA) for trail in range(0x40, 0x7F)
                            if len(c := bytes((lead, trail)).decode("big5", "replace")) == 1 and c != "\ufffd")


def _in_step(text: str, fixed: str, written: bytearray | list[bool], *, known: bool = False) -> str:
    """`fixed` (`text` read back one character for one, GBK read as Big5) with the characters read out of step left
    as they stand (`_out_of_step`; `known`: `written` is that already, per character of `text`). Where the reading
    is not one for one, the characters cannot be matched: it stands only if nothing was read out of step."""
    off = written if known else _out_of_step(text, written)
    if len(fixed) != len(text):
        return text if any(off) else fixed
    return "".join(t if o else f for t, f, o in zip(text, fixed, off, strict=True))


def _redecode_short(doc: Document, lm: CharLM, points: list[int], min_gain: float, name: str) -> int:
    """UTF-8 read as GBK, examined only in the runs that hold a short-run sign (`_short_utf8`): the same
    windows as `_redecode`, without visiting every other run of the text."""
    text, spans, end = doc.text, [], -1
    for p in points:
        if p < end:
            continue  # in the run just examined
        start = p
        while start and text[start - 1] >= "\x80":
            start -= 1
        m = _NON_ASCII_RUN.match(text, start)
        if m is None:
            continue
        end = m.end()
        best = _best_window(m.group(), "gb18030", "utf-8", lm, min_gain, after=text[end : end + 1])
        if best is not None:
            spans.append((m.start(), end, best))
    doc.replace_spans(spans, name, "utf8_as_gbk")
    return len(spans)


_AFTER_DIGIT = re.compile(r"(?<=\d)[^\x00-\x7f]")


def _odd_after_digit(run: str, lm: CharLM) -> bool:
    """Whether a rare or off-script character follows a digit in the run (年 read as Big5 in 2016爛)."""
    common = lm.common
    return any(not common[ord(m.group())] for m in _AFTER_DIGIT.finditer(run))


_KANA_RUN = re.compile("[\u3041-\u30ff]{3,}")  # three kana in a row: Japanese (Big5 read of GBK makes them one by one)


def _kana_changed(run: str, best: str) -> bool:
    """Whether the repair of `run` into `best` rewrites a run of kana: Big5 has kana (C6E7-C7F2), which GBK
    bytes read as Big5 make only here and there, so three in a row are the page's Japanese; Big5 read as GBK
    makes them often, but beside private-use characters (see `_redecode`)."""
    for m in _KANA_RUN.finditer(run):
        if len(run) != len(best) or best[m.start() : m.end()] != m.group():
            return True
    return False


def _pua_read_as_han(run: str, best: str) -> bool:
    """Whether the repair of `run` into `best` changes only private-use characters, and into Han text."""
    if len(run) != len(best):
        k, e_old, e_new = changed_run(run, best)
        return _PUA_ONLY.fullmatch(run, k, e_old) is not None and _HAN.search(best, k, e_new) is not None
    changed = [(a, b) for a, b in zip(run, best, strict=True) if a != b]
    return all(_PUA.match(a) for a, _ in changed) and any(_HAN.match(b) for _, b in changed)


_TRAD_MARK = "们"  # a simplified-only character: in a model's off-script set, the page is traditional
_PUA_ROW = re.compile("[\ue000-\uf8ff]{2,}")  # private-use characters side by side


def _pua_rows_read(run: str, best: str, lm: CharLM) -> bool:
    """In a traditional page, whether the repair of `run` into `best` reads only rows of two or more different
    private-use characters side by side (an icon font's glyphs stand a word apart, and one repeated is a rating's
    stars), each row read as Big5's punctuation or as text making a dictionary word, within it or with a
    neighbour (投 + \ue129\ue4c7 for 投降，, 前 + \ue09e\ue6a6 for 前後共): Big5 read as GB18030 in its own script."""
    if len(run) != len(best):
        return False
    changed = [k for k, (a, b) in enumerate(zip(run, best, strict=True)) if a != b]
    if not changed:
        return False
    for row in consecutive_runs(changed):
        a, b = row[0], row[-1] + 1
        if b - a < 2 or len(set(run[a:b])) < b - a or not _PUA_ONLY.fullmatch(run, a, b):
            return False
        punct = any(BIG5_PUNCT_AS_PUA[0] <= c <= BIG5_PUNCT_AS_PUA[1] for c in run[a:b])
        if not punct and not _words(lm, run[a - 1 : a] + best[a:b] + run[b : b + 1]):
            return False
    return True


_ICON_APART = 3  # an icon font's glyphs stand a word apart at least; Big5 read as GB18030 puts them closer


def _icons_beside_clean_text(run: str, best: str, lm: CharLM) -> bool:
    """Whether the repair of `run` into `best` reads a private-use character as Han while every other character
    it changes is a frequent one (a kana among Chinese is not: ら is 日 read so): no sign of misread text beside the
    glyphs."""
    if len(run) != len(best):
        return False
    glyphs = [m.start() for m in _PUA.finditer(run)]
    if any(b - a < _ICON_APART and not (b - a == 2 and lm.common[ord(run[a + 1])] and not "\u3040" <= run[a + 1]
                                        <= "\u30ff") for a, b in itertools.pairwise(glyphs)):
        # side by side, or one character apart with a rare one or a kana between: Big5's own text misread, not an
        # icon font's glyphs; two glyphs about a frequent character (陳誠在\ue61d保\ue65b定, a glyph before and
        # after a label) are judged as glyphs (the chains' `neg:glyph` negatives: 陳誠在已悵冊定 was written)
        return False
    changed = [(a, b) for a, b in zip(run, best, strict=True) if a != b]
    return (any(_PUA.match(a) and _HAN.match(b) for a, b in changed)
            and all(lm.common[ord(a)] and not "\u3040" <= a <= "\u30ff" for a, _ in changed if not _PUA.match(a)))


# what a changed character may be and still be clean text, not a misreading's sign: CJK and full-width punctuation,
# and the squared unit signs (行距30㎝: ㎝, GBK A94D, reads as Big5 和)
_ICON_FIRST = "\ue600"  # iconfont.cn numbers its fonts' glyphs upward from U+E600
_PUA_THREE = re.compile("([\ue000-\uf8ff])(?!\\1)([\ue000-\uf8ff])(?!\\1|\\2)[\ue000-\uf8ff]")
_CLEAN_SIGN = re.compile("[\u3000-\u303f\uff01-\uff60\uffe0-\uffee\u3380-\u33df]")  # (not half-width kana)


def _glyphs_among_clean_text(run: str, best: str, lm: CharLM) -> bool:
    """Whether the repair of `run` into `best` (Big5 read as GB18030, read back) reads a private-use character as
    Han while every other character it changes is clean text: a Han character frequent for the page's script (not
    kana), punctuation or a unit sign (`_CLEAN_SIGN`). An icon font's glyphs (U+E600 up) are Big5's frequent rows
    A4-A8 as GB18030 reads them, so two side by side read as a word now and then (\ue7cd\ue612 for 刷子), and a
    glyph by a number takes its clean neighbours along (約360\ue7d0 for 廣360刮, 20\ue720㎝ for 20卵和): no byte of
    such a window proves damage; Big5 text misread leaves rare or off-script characters (疍, Θ, ┍) beside them."""
    k, e_old, e_new = changed_run(run, best)
    old, new = run[k:e_old], best[k:e_new]
    if len(old) == len(new):
        pairs = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    else:
        pairs = [(a, "") for a in old if _PUA.match(a) is None] + [(a, new) for a in old if _PUA.match(a)]
    if not any(_PUA.match(a) and _HAN.search(b) for a, b in pairs):
        return False
    if any(_PUA.match(a) and a < _ICON_FIRST for a, _ in pairs) or _PUA_THREE.search(old):
        # below U+E600 GB18030 puts Big5's punctuation (\ue4c7 for ，) and its rows AA-AF (\ue09e for 後), where no
        # icon font numbers its glyphs; three different ones side by side are misread text too (icons stand apart)
        return False
    common = lm.common
    return all(_PUA.match(a) or (_HAN.match(a) and common[ord(a)]) or _CLEAN_SIGN.match(a) for a, _ in pairs)


def _half_read_glyphs(run: str, best: str) -> bool:
    """Whether the repair of `run` into `best` (Big5 read as GB18030, read back) changes nothing but private-use
    characters into punctuation, while another private-use character of the run stays unread: two glyphs about a
    label (`\ue55b评论\ue4cf`, `、\ue4cc登录\ue515同`) are an icon font's, and reading one of them as Big5's
    punctuation (评论！) explains neither the other glyph nor anything else in the run. Big5 text misread as
    GB18030 changes its Han characters too. (A review put glyphs of U+E4C6-E5FF about words into clean
    paragraphs: 71 of 1,920 had one turned into ；, ：, 「, ？ or ！.)"""
    if len(run) != len(best):
        return False
    changed = [(a, b) for a, b in zip(run, best, strict=True) if a != b]
    if not changed or not all(_PUA.match(a) and not _HAN.search(b) for a, b in changed):
        return False
    return any(_PUA.match(a) and a == b for a, b in zip(run, best, strict=True))


_QUOTE_MARKS = frozenset("「」『』")


def _keep_quotation_marks(run: str, best: str) -> str:
    """`best` (as long as `run`, character for character) with `run`'s quotation marks kept: GB18030's 「」『』 read
    as Big5 are ☆★◇◆, which a traditional page writes far less often than a quotation (得到「ì疍┍Θ︽Θ」這樣的亂碼
    read as ☆足浴店成行成★: the repair inside the marks is a quoted example, which the step then leaves)."""
    if not _QUOTE_MARKS.intersection(run):
        return best
    return "".join(a if a in _QUOTE_MARKS else b for a, b in zip(run, best, strict=True))


def _pua_evidence(text: str, start: int, end: int, lm: CharLM | None = None) -> bool:
    """Whether `text[start:end]` holds private-use characters that read as Big5 misread as GB18030 (`_pua_marks`)."""
    return bool(_pua_marks(text, start, end, lm))


def _pua_marks(text: str, start: int, end: int, lm: CharLM | None = None) -> list[int]:
    """Where private-use characters in `text[start:end]` read as Big5 misread as GB18030: two within three
    characters, or one next to a number (13.2\ue53e for 13.2°, 83%\ue4c9 for 83%。); a lone one may be an icon
    font's glyph, unless (`lm` given) it reads as Big5's punctuation (row A1: ，。、；：？！…) right after a kana or
    rare character that itself reads as a frequent Han one (ら\ue4c7 for 日，). Offsets in `text`, sorted."""
    found = [m.start() for m in _PUA.finditer(text, start, end)]
    marks: set[int] = set()
    for a, b in itertools.pairwise(found):
        if b - a <= _PUA_NEAR:
            marks.update((a, b))  # two together (icons stand one per word or link)
    marks.update(k for k in found if k and (text[k - 1 : k] in _NUMBER_SIDE or text[k + 1 : k + 2] in _NUMBER_SIDE))
    if lm is not None:
        marks.update(k for k in found if k and BIG5_PUNCT_AS_PUA[0] <= text[k] <= BIG5_PUNCT_AS_PUA[1]
                     and _reads_frequent_from_odd(text[k - 1], lm))
    return sorted(marks)


def _reads_frequent_from_odd(c: str, lm: CharLM) -> bool:
    """Whether `c` is a kana or a rare character whose bytes read as Big5 give a frequent Han character."""
    if lm.common[ord(c)] and not "\u3040" <= c <= "\u30ff":
        return False
    read = _redecode_span(c, "gb18030", "big5")
    return bool(read) and _HAN.fullmatch(read or "") is not None and lm.char(read or "") >= FREQUENT_LOGP


_NUMBER_SIDE = frozenset("0123456789%")


def _latin_letters(text: str, start: int, end: int, wrong: str, right: str) -> str | None:
    """The reading of `text[start:end]`, one or two characters between ASCII letters, when it is accented Latin
    letters (GBK's pinyin and accented letters read as Big5 are Han characters: Pérez is P谷rez, Für is F邦r)."""
    before, after = text[start - 1 : start], text[end : end + 1]
    if end - start > _LETTERS_MOST or not (
            before.isascii() and before.isalpha() and after.isascii() and after.isalpha()):
        return None
    fixed = _redecode_span(text[start:end], wrong, right)
    if fixed and fixed != text[start:end] and all(c.isalpha() and "\xc0" <= c < "\u0250" for c in fixed):
        return fixed
    return None
