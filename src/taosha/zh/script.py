"""Chinese scripts: which characters only simplified or only traditional writing uses, each character's class,
Japanese and Korean sentences, script detection (simplified, traditional, mixed, spun) and OpenCC conversion.

The tables here are what every step reads about script (`repair.script`, `repair.pinyin`, the mojibake repair,
the cleaning rules that match on folded text, the character model); the step that restores or converts a
document's script is `taosha.repair.script`.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from taosha._data import read_text
from taosha.textarrays import codepoints, lay_out, per_text
from taosha.zh.sentences import STOPS_AND_BREAK

# classes in the lookup table; STOP ends a sentence, FOREIGN is kana or hangul, JAPANESE a kanji form that only
# Japanese writes (稲 広 沢 駅: neither simplified nor traditional Chinese)
SIMP, TRAD, STOP, FOREIGN, JAPANESE = 1, 2, 3, 4, 5
_STOPS = STOPS_AND_BREAK
# kana and hangul: a sentence that holds them is Japanese or Korean, whose kanji and hanja (体, 湾, 國) say
# nothing about the Chinese script of the page, and which no conversion touches
_FOREIGN_RANGES = ((0x3041, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F), (0x1100, 0x11FF), (0x3131, 0x318E),
                   (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF))
_NOT_FOREIGN = "・ー゠"  # the middle dot and the long vowel mark stand in Chinese text too (Unicode's katakana block)


@lru_cache(maxsize=1)
def tables() -> tuple[str, str]:
    """(simplified-only, traditional-only) characters, from data/script_chars.txt (see its header), and the
    supplement's traditional characters (data/t2s_supplement.txt)."""
    text = read_text("script_chars.txt")
    sets = dict(line.split("\t", 1) for line in text.splitlines() if line and not line.startswith("#"))
    trad = sets["traditional_only"]
    # the characters OpenCC's t2s leaves (陜) are traditional too: every reader of the tables sees them so
    return sets["simplified_only"], trad + "".join(chr(c) for c in sorted(supplement()) if chr(c) not in trad)


@lru_cache(maxsize=1)
def supplement() -> dict[int, str]:
    """Traditional characters OpenCC's t2s leaves as they are (陜 → 陕): data/t2s_supplement.txt (see its header)."""
    text = read_text("t2s_supplement.txt")
    pairs = (line.split("\t")[:2] for line in text.splitlines() if line and not line.startswith("#"))
    return {ord(t): s for t, s in pairs}


@lru_cache(maxsize=1)
def _supplement_re() -> re.Pattern[str]:
    return re.compile("[" + "".join(map(chr, supplement())) + "]")


@lru_cache(maxsize=1)
def japanese_only() -> str:
    """Kanji forms only Japanese writes: OpenCC's t2jp (shinjitai) of a character, where that form is neither a
    simplified (GB 2312) nor a traditional Chinese character (t2s leaves it, no regional standard writes it).

    >>> all(c in japanese_only() for c in "稲広沢駅桜"), any(c in japanese_only() for c in "体湾国学痺")
    (True, False)
    """
    han = [chr(c) for c in range(0x4E00, 0xA000)]
    shin = converter("t2jp").convert("\n".join(han)).split("\n")  # one call: OpenCC per character
    simp, trad = tables()
    known = set(simp) | set(trad)
    for name in ("tw2t", "hk2t"):  # regional standards' own forms (痺, 粧) are Chinese
        known.update(c for c, r in zip(han, converter(name).convert("\n".join(han)).split("\n"), strict=True)
                     if r != c)
    out = set()
    for c, j in zip(han, shin, strict=True):
        if len(j) == 1 and j != c and j not in known:
            try:
                j.encode("gb2312")
            except UnicodeEncodeError:
                out.add(j)
    t2s = converter("t2s").convert("\n".join(sorted(out))).split("\n")
    return "".join(j for j, r in zip(sorted(out), t2s, strict=True) if r == j)


@lru_cache(maxsize=1)
def _foreign_re() -> re.Pattern[str]:
    ranges = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _FOREIGN_RANGES)
    return re.compile(f"[{ranges}]")


@lru_cache(maxsize=1)
def _tables_key() -> str:
    """The script tables' key: this package's code and OpenCC's version."""
    from taosha.cache import package_version, source_key

    return source_key("taosha.zh", extra=package_version("opencc"))


@lru_cache(maxsize=1)
def class_table() -> np.ndarray:
    """A class per code point (1.1 MB): counting a text's classes is one vectorised lookup. Kept in the table
    cache (taosha.cache): `japanese_only` runs OpenCC over every Han character three times (a tenth of a second
    in every process that repairs script)."""
    from taosha.cache import cached_table

    return cached_table("script-classes", _tables_key(), _build_class_table)


def _build_class_table() -> np.ndarray:
    simp, trad = tables()
    lut = np.zeros(0x110000, dtype=np.uint8)
    lut[[ord(c) for c in simp]] = SIMP
    lut[[ord(c) for c in trad]] = TRAD
    for lo, hi in _FOREIGN_RANGES:
        lut[lo : hi + 1] = FOREIGN
    lut[[ord(c) for c in _NOT_FOREIGN]] = 0
    lut[[ord(c) for c in japanese_only()]] = JAPANESE
    lut[[ord(c) for c in _STOPS]] = STOP
    return lut


def classes(text: str) -> np.ndarray:
    """Each character's class; SIMP and TRAD are cleared in sentences written in Japanese or Korean."""
    points = codepoints(text)
    cls: np.ndarray = class_table()[points]
    for s, e in _foreign_sentences(points, cls, True):
        cls[s:e] = np.where((cls[s:e] == SIMP) | (cls[s:e] == TRAD), 0, cls[s:e])
    return cls


FOREIGN_SHARE = 0.3  # kana or hangul among a sentence's letters that make it Japanese or Korean


def _foreign_sentences(points: np.ndarray, cls: np.ndarray, runs: bool = False) -> list[tuple[int, int]]:
    """[start, end) spans written in Japanese or Korean: the sentences whose kana and hangul, with the
    Japanese-only kanji of a sentence that holds kana, are at least FOREIGN_SHARE of their letters (a Chinese
    sentence that quotes a reading, 胴丸（日语：どうまる）, is Chinese), and with `runs`, inside Chinese sentences,
    the runs of letters that hold one of them (a name: 沢尻エリカ, 早稲田大学 beside kana; Chinese has no spaces,
    so a run is a clause). A Japanese-only kanji alone marks nothing: mojibake makes them too (币粋€).
    Stops are not part of a span."""
    kana = cls == FOREIGN
    if not kana.any():
        return []
    stop = cls == STOP
    sentence = np.cumsum(stop)
    n = int(sentence[-1]) + 1
    with_kana = np.zeros(n, dtype=bool)
    with_kana[sentence[kana]] = True
    marked = kana | ((cls == JAPANESE) & with_kana[sentence])
    han = ((points >= 0x3400) & (points < 0xA000)) | ((points >= 0xF900) & (points < 0xFB00)) | (points >= 0x20000)
    letters = han | marked
    foreign = np.bincount(sentence[marked], minlength=n)
    share = foreign >= FOREIGN_SHARE * np.bincount(sentence[letters], minlength=n)
    inside = (with_kana & share)[sentence] & ~stop
    if runs:
        run = np.cumsum(~letters)  # letters standing together share a number
        held = np.zeros(int(run[-1]) + 1, dtype=bool)
        held[run[marked]] = True
        inside |= held[run] & letters
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inside.view(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def foreign_runs(text: str, runs: bool = False) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences written in Japanese or Korean (with `runs`, also the clauses of Chinese
    sentences that hold kana, hangul or a Japanese-only kanji), stops excluded.

    >>> text = "臺灣新聞。こちらのページは繁体字版です。日本語版「フォーカス台湾」に移動しますか。胴丸是铠甲。"
    >>> [text[s:e] for s, e in foreign_runs(text)]
    ['こちらのページは繁体字版です', '日本語版「フォーカス台湾」に移動しますか']
    >>> text = "他說，沢尻エリカ主演的電影在台灣上映。"
    >>> [text[s:e] for s, e in foreign_runs(text, runs=True)]
    ['沢尻エリカ主演的電影在台灣上映']
    """
    if not _foreign_re().search(text):  # the common case, in C
        return []
    points = codepoints(text)
    return _foreign_sentences(points, class_table()[points], runs)


def native_text(text: str) -> str:
    """`text` without what is written in Japanese or Korean (sentences, and clauses holding kana, hangul or a
    Japanese-only kanji): what script detection reads."""
    return _without(text, foreign_runs(text, runs=True))


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts, at = [], 0
    for s, e in spans:
        parts.append(text[at:s])
        at = e
    parts.append(text[at:])
    return "".join(parts)


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    """Code point -> code point: traditional characters to simplified, one for one (OpenCC t2s character by
    character, and the supplement), as dedup folds script; everything else maps to itself. Kept in the table cache
    as `class_table` is (OpenCC over 28,000 characters: 30 ms of every run that cleans)."""
    from taosha.cache import cached_table

    return cached_table("script-fold", _tables_key(), _build_fold_table)


def _build_fold_table() -> np.ndarray:
    lut = np.arange(0x110000, dtype=np.uint32)
    han = [chr(c) for c in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00))]
    simple = converter("t2s").convert("\n".join(han)).split("\n")  # one call: OpenCC per character
    for c, f in zip(han, simple, strict=True):
        if len(f) == 1 and f != c:
            lut[ord(c)] = ord(f)
    for t, f in supplement().items():
        lut[t] = ord(f)
    return lut


def fold(text: str) -> str:
    """`text` with traditional characters written simplified, character for character (so the same length, and
    offsets hold): what rules written in simplified match on, whatever the document's script.

    >>> fold("本文來源：新華網。陜西"), len(fold("後來")) == 2
    ('本文来源：新华网。陕西', True)
    """
    points = codepoints(text)
    if not (class_table()[points] == TRAD).any():
        return text
    folded: np.ndarray = fold_table()[points]
    return folded.tobytes().decode("utf-32-le", "surrogatepass")


def fold_many(texts: list[str]) -> list[str]:
    """`fold` of each text, the classes of them all taken in one pass (most texts hold no traditional character).

    >>> fold_many(["本文來源", "本文来源", ""])
    ['本文来源', '本文来源', '']
    """
    if not texts:
        return []
    return fold_laid(texts, *lay_out(texts))[0]


def fold_laid(
    texts: list[str], points: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
) -> tuple[list[str], np.ndarray]:
    """`fold_many` of texts laid out by `lay_out`, and their folded code points laid out the same way (`points`
    itself when no text holds a traditional character)."""
    trad = per_text(np.add, np.take(class_table(), points, mode="clip") == TRAD, starts, lengths)
    held = np.flatnonzero(trad).tolist()
    if not held:
        return list(texts), points
    out, folded, table = list(texts), points.copy(), fold_table()
    for k in held:  # as `fold` does for each
        at, end = int(starts[k]), int(starts[k] + lengths[k])
        folded[at:end] = table[points[at:end]]
        out[k] = folded[at:end].tobytes().decode("utf-32-le", "surrogatepass")
    return out, folded


def to_simplified(text: str, zhe: bool = True) -> str:
    """OpenCC t2s, then the supplement (陜 → 陕), then (`zhe`) 著 → 着 where it is the particle.

    >>> to_simplified("陝西與陜西隨著發展")
    '陕西与陕西随着发展'
    """
    text = converter("t2s").convert(text)
    if _supplement_re().search(text):
        text = text.translate(supplement())
    return fix_zhu(text) if zhe else text


@lru_cache(maxsize=16)
def converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(f"{config}.json")


class ScriptInfo(NamedTuple):
    script: str  # simplified | traditional | mixed | spun | neutral
    confidence: float
    simplified_chars: int  # characters found only in simplified text
    traditional_chars: int  # characters found only in traditional text
    mixed_sentences: int  # sentences holding both kinds (counted only when no annotation decided already)
    slips: int = 0  # places betraying a character-by-character conversion (counted only without other evidence)


# Characters that are also traditional but stand, in simplified writing, for a merged traditional character that
# traditional writing uses in nearly every word: 后 (後; 后 only in 皇后), 于 (於; 于 a surname), 干 (幹/乾), 范 (範),
# 准 (準), 几 (幾), 划 (劃), 么 (麼), 复 (復/複), 系 (係/繫). A character-by-character converter cannot choose, so
# spinners leave them as they are (the real page in the shared corpus: 干 292 times, 于 159, 范 132, 后 58 where
# its gold has 幹部, 於, 規範, 今後). Pairs where both forms are standard in Taiwan (布/佈, 周/週, 占/佔) or common
# in names (里, 余) are left out: they are not evidence.
MERGED = frozenset("于后干范准几划么复系")
SLIP_RATE = 0.005  # slips per Han character that make a document spun (with two different slips at least)
# Classical Chinese (文言: the classics, poetry) writes itself what a converter's traces look like in modern text:
# 于, 后 and 干 (the Shijing's 亦流于淇, 三后在天, 出宿于干, in traditional editions too), 并 and 痒 among traditional
# characters. In it, slips and sentences mixing the scripts are no evidence of a converter. It writes no 的, which
# modern text of any length does (every spun page in ../shared, in each paragraph; a terse description may not:
# 本魚分布于印度洋。), and either its particles or the even clauses of verse (`_classical`).
_CLASSICAL_PARTICLES = frozenset("乎矣焉哉兮曰")  # (not 之 者 也: modern words hold them, 之后, 记者, 也)
# particles per Han character: of the Shijing's 310 odes in the Debian fortunes, a quarter have 0.036 or more (the one
# mixing 并 and 痒 with traditional characters: 0.018, read as classical by its verse); with the verse test, 240
# read as classical, and 2 odes of irregular lines are still taken for spun; the seed page's spun lines without 的: 0
_CLASSICAL_SHARE = 0.02
_VERSE_CLAUSES = 6  # clauses of verse at least (three lines of an ode)
_VERSE_SHARE = 0.8  # of them of one length, 4, 5 or 7 characters
_CLAUSE = re.compile(r"[^，。；：？！、]+")  # (spaces and line breaks inside one are not counted: a menu is no verse)


def _classical(text: str) -> bool:
    """Whether a text reads as classical Chinese: no 的, and the classical particles at least a share of its Han
    characters (two at least), or clauses of verse, most of one length (4, 5 or 7 characters).

    >>> _classical("毖彼泉水，亦流于淇，有懷于衞，靡日不思。孌彼諸姬，聊與之謀。")
    True
    >>> _classical("本魚分布于印度洋。前鰓蓋骨后緣具鋸齒。")
    False
    """
    if "的" in text:
        return False
    particles = sum(text.count(c) for c in _CLASSICAL_PARTICLES)
    if particles >= 2 and particles >= _CLASSICAL_SHARE * _han(codepoints(text)):
        return True
    lengths = Counter(len("".join(m.split())) for m in _CLAUSE.findall(text))
    clauses = sum(lengths.values())
    return clauses >= _VERSE_CLAUSES and max(lengths[4], lengths[5], lengths[7]) >= _VERSE_SHARE * clauses


_MERGED_ORDER = "".join(sorted(MERGED))
# Characters that no key or value of the dictionaries of OpenCC's t2s and s2t holds, in the OpenCC versions of
# LOCAL_OPENCC, whose every entry also keeps its key's length (tests/test_steps_speed_script.py reads the
# dictionaries with OpenCC's own `opencc_dict` and checks both). A conversion matches the longest key at each
# place, left to right, so no match spans one of these: the text between two of them converts as it does alone.
CLAUSE_ENDS = _STOPS + "，"  # the class table's STOP characters and the comma
LOCAL_OPENCC = ("1.4.2",)
_COMMA = ord("，")


@lru_cache(maxsize=1)
def clauses_local() -> bool:
    """Whether the installed OpenCC is one whose t2s and s2t were checked to convert clause by clause."""
    from taosha.cache import package_version

    try:
        return package_version("opencc") in LOCAL_OPENCC
    except Exception:  # no metadata to read: not a checked version
        return False


def _in_traditional_lines(points: np.ndarray, cls: np.ndarray, simp: np.ndarray) -> np.ndarray:
    """`simp` (simplified-only characters) where their line holds a traditional-only character too: a converter's
    leftovers stand inside its traditional lines, and a line without one is simplified writing of its own (a
    simplified title over a traditional article: 德国地理, 十六国), no trace of a conversion."""
    if simp.any() and (points == 10).any():
        line = np.cumsum(points == 10)
        simp = simp & np.isin(line, line[cls == TRAD])
    return simp


def slips(text: str) -> list[str]:
    """Each character of MERGED that OpenCC's phrase-aware conversion writes otherwise in its context, and each
    simplified-only character in a line holding traditional ones: what a character-by-character converter leaves
    behind (one entry per place).

    >>> sorted(slips("頰鱗雀鯛分布于印度西太平洋區，前鰓蓋骨后緣具鋸齒，索羅門羣岛。"))
    ['于', '后', '岛']
    >>> slips("皇后於是分布在印度西太平洋區。")
    []
    """
    points = codepoints(text)
    cls = np.take(class_table(), points, mode="clip")
    simp = _in_traditional_lines(points, cls, cls == SIMP)
    found = [chr(c) for c in points[simp].tolist()]
    held = [c for c in _MERGED_ORDER if c in text]  # substring tests: a scan each at memchr's speed
    if held:
        mask = points == ord(held[0])
        for c in held[1:]:
            mask |= points == ord(c)
        at = np.flatnonzero(mask)
        rt = _round_trip_at(text, points, cls, at)
        if rt is not None:  # OpenCC's character tables keep lengths; a phrase that does not is skipped
            here = points[at]
            found.extend(chr(c) for c in here[here != rt].tolist())
    return found


def _round_trip_at(text: str, points: np.ndarray, cls: np.ndarray, at: np.ndarray) -> np.ndarray | None:
    """The code points at the places `at` (ascending) of OpenCC's round trip t2s then s2t of `text`, or None when
    the round trip changes the text's length. Where OpenCC converts clause by clause (`clauses_local`), only the
    clauses holding a place are converted (joined by line breaks, one call each way): the same code points. A text
    holding a lone surrogate (OpenCC raises on one, wherever it stands) or a NUL is converted whole, as always."""
    if clauses_local() and "\x00" not in text and not ((points - 0xD800) < 0x800).any():
        ends = np.flatnonzero((cls == STOP) | (points == _COMMA))  # CLAUSE_ENDS
        clause = np.searchsorted(ends, at)  # a place's clause: the clause ends before it (a place is no end)
        held = clause[np.concatenate(([True], clause[1:] != clause[:-1]))]  # ascending: each once
        lo = np.concatenate(([0], ends + 1))[held]
        hi = np.concatenate((ends, [len(points)]))[held]
        joined = "\n".join([text[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
        rt = codepoints(converter("s2t").convert(converter("t2s").convert(joined)))
        if len(rt) == len(joined):  # else the whole text decides, as below
            offsets = np.concatenate(([0], np.cumsum(hi - lo + 1)[:-1]))  # each clause's start in `joined`
            k = np.searchsorted(held, clause)
            out: np.ndarray = rt[at - lo[k] + offsets[k]]
            return out
    rt = codepoints(converter("s2t").convert(converter("t2s").convert(text)))
    whole: np.ndarray | None = rt[at] if len(rt) == len(points) else None
    return whole


def _han(points: np.ndarray) -> int:
    return int(np.count_nonzero((points >= 0x4E00) & (points <= 0x9FFF)))


def detect(text: str, annotations: int = 0, *, look_for_slips: bool = True) -> ScriptInfo:
    """Classify a text's script from its script-specific characters and spinner evidence.

    Spun: mostly traditional characters plus evidence of forced conversion: a spinner annotation, or two sentences
    that hold both simplified-only and traditional-only characters (writers do not mix scripts inside a
    sentence) when at least two different simplified-only characters occur, or the traces a
    character-by-character converter leaves (`slips`): two different ones at least, and one per 200 Han
    characters. Genuine traditional text has them too (literary 于, a name, a typing slip), but rarely and spread
    thin: none of 2,282 genuine documents, nor any 300-character piece of them, passes (see the README).

    >>> detect("我们要推动经济发展。").script, detect("我們要推動經濟發展。").script
    ('simplified', 'traditional')
    >>> detect("我們要推動經濟發展。", annotations=3).script, detect("我們要推动經濟发展。我們發现。").script
    ('spun', 'spun')

    Sentences holding kana or hangul are Japanese or Korean and are left out (their 体, 湾 are no slips):

    >>> detect("臺灣新聞網。こちらのページは繁体字版です。日本語版「フォーカス台湾」に移動しますか。").script
    'traditional'
    """
    points = codepoints(text)
    cls = class_table()[points]
    spans = _foreign_sentences(points, cls, True) if (cls == FOREIGN).any() else []
    if spans:  # Japanese and Korean are left out: their kanji are not slips
        text = _without(text, spans)
        points = codepoints(text)
        cls = class_table()[points]
    counts = np.bincount(cls, minlength=5)
    return _decide(text, int(counts[SIMP]), int(counts[TRAD]), annotations, look_for_slips, points, cls)


def detect_many(texts: list[str], annotations: list[int], *, look_for_slips: bool = True) -> list[ScriptInfo]:
    """`detect` for several texts, with the class counts of them all taken in one pass.

    >>> [i.script for i in detect_many(["我们要推动经济发展。", "我們要推動經濟發展。", "。"], [0, 3, 0])]
    ['simplified', 'spun', 'neutral']
    """
    if not texts:
        return []
    points, starts, lengths = lay_out(texts)
    # the NUL after the last text has class 0; `take` without bounds checks (a code point is below 0x110000)
    cls = np.take(class_table(), points, mode="clip")
    simp = per_text(np.add, cls == SIMP, starts, lengths)
    trad = per_text(np.add, cls == TRAD, starts, lengths)
    foreign = per_text(np.add, cls == FOREIGN, starts, lengths)
    # a text with simplified characters and no traditional or foreign one is simplified whatever its annotations
    # (`_decide`'s verdict, without the call: most Chinese text); made by tuple's own `__new__`, not the named
    # tuple's, a Python function
    new = tuple.__new__
    return [(new(ScriptInfo, ("simplified", 1.0, s, 0, 0, 0)) if s and not r and not f else
             detect(t, a, look_for_slips=look_for_slips) if f else _decide(t, s, r, a, look_for_slips))
            for t, s, r, a, f in zip(texts, simp.tolist(), trad.tolist(), annotations, foreign.tolist(), strict=True)]


def _decide(
    text: str, simp: int, trad: int, annotations: int, look_for_slips: bool,
    points: np.ndarray | None = None, cls: np.ndarray | None = None,
) -> ScriptInfo:
    """`detect`'s verdict from the class counts; the code points and classes are computed only when the
    counts do not decide (both scripts present, or a traditional text that may hide a converter's slips)."""
    total = simp + trad
    if total == 0:
        return ScriptInfo("neutral", 1.0, 0, 0, 0)
    share = trad / total
    mixed = 0
    if simp and trad and annotations == 0:  # with an annotation the verdict is already "spun"
        if points is None or cls is None:
            points = codepoints(text)
            cls = class_table()[points]
        is_simp = _in_traditional_lines(points, cls, cls == SIMP)
        leftovers = points[is_simp]
        # one simplified character repeated is a regional or name usage (并, 庄), not conversion
        if len(leftovers) and leftovers.min() != leftovers.max():
            sentence = np.cumsum(cls == STOP)
            n = int(sentence[-1]) + 1
            has_simp = np.bincount(sentence[is_simp], minlength=n) > 0
            has_trad = np.bincount(sentence[cls == TRAD], minlength=n) > 0
            mixed = int(np.count_nonzero(has_simp & has_trad))
    # one valid reading glued to a character is already strong evidence; mixed sentences are none in classical
    # Chinese, which writes 并 and 痒 among traditional characters itself (see _classical)
    evidence = 2 * annotations + (0 if mixed and _classical(text) else mixed)
    n_slips = 0
    if look_for_slips and share > 0.5 and evidence < 2:  # a converter's traces (costs two conversions)
        found = slips(text)
        n_slips = len(found)
        # (not in classical text: an ode of a hundred characters writes 于 six times)
        if len(set(found)) >= 2 and n_slips >= SLIP_RATE * _han(codepoints(text) if points is None else points) and (
                not _classical(text)):
            evidence = 2
    if share > 0.5 and evidence >= 2:  # mostly traditional: a simplified text with a few variants is not spun
        return ScriptInfo("spun", round(min(1.0, 0.5 + 0.05 * evidence), 3), simp, trad, mixed, n_slips)
    if share >= 0.9:
        return ScriptInfo("traditional", round(share, 3), simp, trad, mixed, n_slips)
    if share <= 0.1:
        return ScriptInfo("simplified", round(1 - share, 3), simp, trad, mixed)
    return ScriptInfo("mixed", round(1 - abs(share - 0.5) * 2, 3), simp, trad, mixed, n_slips)


def plan(script: str, target: str) -> tuple[str, ...]:
    """The OpenCC configurations to apply, in order, to bring `script` to `target`.

    >>> plan("spun", "keep"), plan("traditional", "keep"), plan("spun", "tw"), plan("traditional", "simplified")
    (('t2s',), (), ('t2s', 's2twp'), ('t2s',))
    """
    if target == "keep":
        return ("t2s",) if script == "spun" else ()
    if target == "simplified":
        return ("t2s",) if script in ("spun", "traditional", "mixed") else ()
    restore = ("t2s",) if script == "spun" else ()
    if target == "traditional":
        return () if script == "traditional" else (*restore, "s2t")
    region = {"tw": ("s2twp", "t2tw"), "hk": ("s2hk", "t2hk")}[target]
    return (region[1],) if script == "traditional" else (*restore, region[0])


# 著 is the simplified form only for zhù ("to write", "marked"); as the aspect particle and in zhuó/zháo
# words simplified text writes 着. OpenCC's t2s keeps 著 everywhere, so it is resolved from its neighbours.
ZHU_AFTER = frozenset("名作称述者录书有译文说")  # 著名 著作 著称 …
ZHU_BEFORE = frozenset("显原名卓论专编合巨译土昭遗新拙大所撰杰遥较")  # 显著 原著 名著 … 昭著 较著
_ZHU = re.compile("著")


def fix_zhu(text: str) -> str:
    """Turn 著 into 着 except in 著-words (著名, 显著, 原著, …).

    >>> fix_zhu("随著时间推移，围绕著中心，意味著变化；原著、显著、著名、著作不变。")
    '随着时间推移，围绕着中心，意味着变化；原著、显著、著名、著作不变。'
    """
    if "著" not in text:
        return text
    return _ZHU.sub(_zhu_or_zhe, text)


def _zhu_or_zhe(m: re.Match[str]) -> str:
    text, i = m.string, m.start()
    if (i and text[i - 1] in ZHU_BEFORE) or text[i + 1 : i + 2] in ZHU_AFTER:
        return "著"
    return "着"


def convert(text: str, steps: tuple[str, ...], foreign: bool = False) -> str:
    """Apply the OpenCC configurations `steps` to `text`, leaving its Japanese and Korean sentences alone unless
    `foreign`; after a final t2s, the supplement and the particle 著 → 着.

    >>> convert("隨著發展。日本語の「移動」です。", ("t2s",)), convert("日本語の「移動」です。", ("t2s",), foreign=True)
    ('随着发展。日本語の「移動」です。', '日本语の「移动」です。')
    """
    if not steps:
        return text
    runs = [] if foreign else foreign_runs(text)
    if not runs:
        return _convert(text, steps)
    out, at = [], 0
    for s, e in runs:
        out.append(_convert(text[at:s], steps))
        out.append(text[s:e])
        at = e
    out.append(_convert(text[at:], steps))
    return "".join(out)


def _convert(text: str, steps: tuple[str, ...]) -> str:
    if not text:
        return text
    for k, name in enumerate(steps):
        text = to_simplified(text, zhe=k == len(steps) - 1) if name == "t2s" else converter(name).convert(text)
    return text
