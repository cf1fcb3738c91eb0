"""A small character language model for choosing between repair candidates.

Character frequencies and two-character words come from jieba's dictionary (a real frequency source that
ships with the package, MIT). Traditional forms share their simplified form's statistics, since the pages
being repaired are often force-converted to traditional. In the repairs it ranks candidates and never alone
decides that text is damaged; in decoding (`io.decode`) it does decide alone between GB18030 and Big5, for
bytes that decode cleanly as both.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

# Log-probabilities for what jieba's dictionary does not cover. Inside Chinese text a '?' or a lone Latin
# letter is mostly debris of a wrong decoding, digits and punctuation are ordinary.
ASCII_LOGP = -7.0
LETTER_LOGP = -11.0
LETTER_IN_WORD_LOGP = -2.5  # a letter after a letter
QMARK_LOGP = -14.0
PUNCT_LOGP = -8.0  # the rarer punctuation; the frequent ones in PUNCT_LOGPS
UNKNOWN_LOGP = -17.0
BOPOMOFO_LOGP = -9.0  # zhuyin letters: Taiwan text spells with them now and then (ㄅㄆㄇ, ㄟㄙ·ㄎㄟ·ㄨㄞ)
WORD_BONUS = 4.0  # a candidate that makes a dictionary word with its neighbour
BOND_MIN, BOND_MAX = 1.0, 8.0  # the range of a word's bond (CharLM.bonds): a rare word (题海) binds weakly
OFF_SCRIPT = 6.0  # a traditional-only character in a simplified document (or the reverse)
_ODD_ASCII = frozenset("?@[]{}|\\^`~_<>=")  # rare between Chinese characters, frequent in misdecoded bytes
PUNCT = set("，。、；：？！“”‘’（）《》【】—…·「」『』〈〉")
# what GBK's full-width punctuation is in Big5: zhuyin (，（）：！), ﹝ (。), ﹞ (·), ﹜ (、), 〞 (—), ‵ (～); not the
# shapes (▲◎☆○※…) that 《》「」〕“ become, which simplified text uses as bullets and marks
ZHUYIN_AS_BIG5 = "".join(map(chr, range(0x3105, 0x312A))) + "﹝﹞﹜〞‵"
# Big5's own small-form punctuation (row A1): Taiwan pages write ﹐﹖﹗ for ，？！; the traditional model counts
# them as punctuation (as rare, 不是嗎﹖假的﹗﹗﹗ was a rare cluster that read as Big5-read-as-GBK into
# 孤樑腔季季季; a review: 7 of 1,000 reviews converted with s2twp and written with these marks were rewritten so,
# none now). The cost: they are also what Big5's 妯孤季 read as GBK give, so a big5>gbk stretch holding them loses
# that sign (2 of 2,000 held-out pages lost a repair). Not ﹒﹔﹕ (姒姅孟 so read: not measured on real text), nor
# ﹝﹞﹜: they are GBK's 。·、 read as Big5 (ZHUYIN_AS_BIG5)
BIG5_SMALL_PUNCT = "﹐﹖﹗"
SYMBOLS = frozenset("°℃％‰±×÷§№–～")  # units and signs of measurements, ranges (25–40): ordinary beside numbers
SYMBOL_LOGP = -9.0
# punctuation by how often Chinese text uses it (about 4% of characters are commas, 2% full stops): a lost byte
# of a punctuation pair is most likely a comma, hardly ever 〉
PUNCT_LOGPS = {"，": -3.3, "。": -3.9, "、": -4.9, "“": -5.2, "”": -5.2, "：": -5.6, "；": -6.5, "？": -6.5,
               "！": -6.5, "（": -6.5, "）": -6.5, "《": -6.5, "》": -6.5}


_SHORT = 16  # text up to this many characters is counted in Python (see rare_count)


_SCORED_MOST = 65_536  # characters whose `char` a model keeps for `score`: more than a Chinese corpus writes


@dataclass
class CharLM:
    logp: dict[str, float]
    # two-character words, simplified and traditional, each with its bond (below), or 0.0 for the few whose
    # characters have no statistics (what `bonds.get` answers for any other pair): the base model's `bonds` is this
    # dict, whose keys answer `pair in words`. A frozenset of the same words besides cost every process 8 MB and
    # ~40 ms of its start (most of it page faults: ~5 µs a page on this project's machines)
    words: dict[str, float]
    common: np.ndarray  # uint8 per code point: 1 for frequent characters, ASCII and punctuation
    off_script: frozenset[str] = frozenset()  # characters of the other script than the document's
    # two-character words -> how much likelier the pair is than its characters apart (pointwise mutual
    # information in nats, from the same counts, clamped to [BOND_MIN, BOND_MAX]): 犀牛 binds more than 不是
    bonds: dict[str, float] = field(default_factory=dict)
    # the traditional model's own statistics (`for_script("traditional")` lays them over `logp`, `common` and
    # `bonds`): traditional forms OpenCC writes only inside words (誌 of 雜誌, 複 of 複雜), which the
    # character-by-character conversion never gives their simplified form's statistics (see build_model)
    traditional: dict[str, float] = field(default_factory=dict)
    traditional_common: frozenset[str] = frozenset()
    traditional_bonds: dict[str, float] = field(default_factory=dict)
    # `char` of every BMP code point and the words' hash table, built on first use (per model: `replace` does not
    # copy them)
    _chars: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _word_table: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    # `char` of each character `score` has met (a dictionary lookup where `char` is a call and two lookups), up to
    # _SCORED_MOST characters (~100 bytes each: a text that runs through every code point keeps ~6 MB, not ~110 MB)
    _scored: dict[str, float] = field(default_factory=dict, init=False, repr=False, compare=False)

    def char(self, c: str) -> float:
        lp = self.logp.get(c)
        if lp is not None:
            return lp - OFF_SCRIPT if c in self.off_script else lp
        if c.isascii():
            if c in _ODD_ASCII:
                return QMARK_LOGP
            return LETTER_LOGP if c.isalpha() else ASCII_LOGP
        if c in PUNCT:
            return PUNCT_LOGPS.get(c, PUNCT_LOGP)
        if c in SYMBOLS:
            return SYMBOL_LOGP
        if "\u3100" <= c <= "\u312f":
            return BOPOMOFO_LOGP
        return UNKNOWN_LOGP

    def char_table(self) -> np.ndarray:
        """`char` of every BMP code point, as an array: filled class by class, from the lowest of `char`'s
        precedence up (65,536 calls of `char` took a twentieth of a second in every worker and per script)."""
        if self._chars is None:
            table = np.full(0x10000, UNKNOWN_LOGP)
            table[0x3100:0x3130] = BOPOMOFO_LOGP
            table[[ord(c) for c in SYMBOLS]] = SYMBOL_LOGP
            for c in PUNCT:
                table[ord(c)] = PUNCT_LOGPS.get(c, PUNCT_LOGP)
            for cp in range(0x80):
                c = chr(cp)
                table[cp] = QMARK_LOGP if c in _ODD_ASCII else LETTER_LOGP if c.isalpha() else ASCII_LOGP
            # the model's characters at once (a loop assigning them one by one took 15 ms a script)
            logp, off = self.logp, self.off_script
            points = np.fromiter(map(ord, logp), dtype=np.int64, count=len(logp))
            values = np.fromiter(logp.values(), dtype=np.float64, count=len(logp))
            if off:
                values[np.fromiter((c in off for c in logp), dtype=bool, count=len(logp))] -= OFF_SCRIPT
            bmp = points < 0x10000
            table[points[bmp]] = values[bmp]
            self._chars = table
        return self._chars

    def are_words(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Whether each pair of code points (`first[k]`, `second[k]`) is a two-character word."""
        if self._word_table is None:
            word_keys(self.words)
            self._word_table = _WORD_TABLES[id(self.words)]
        table = self._word_table
        keys = first.astype(np.int64) << 21 | second.astype(np.int64)
        # linear probing, every key a step at a time: a key is a word when found before an empty slot (-1)
        slots = _slots(keys, len(table))
        held = table[slots]
        found: np.ndarray = held == keys
        going = ((held != -1) & ~found).nonzero()[0]
        step = 1
        while len(going):
            held = table[(slots[going] + step) & (len(table) - 1)]
            hit = held == keys[going]
            found[going[hit]] = True
            going = going[(held != -1) & ~hit]
            step += 1
        return found

    def scored(self) -> dict[str, float]:
        """`char` of the characters `score` has met (read only: where `char` would be called per character)."""
        return self._scored

    def score(self, text: str) -> float:
        """Sum of character log-probabilities, plus a bonus per two-character dictionary word."""
        seen, words = self._scored, self.words
        total = 0.0
        prev = ""
        for c in text:
            if c.isascii() and c.isalpha() and prev.isascii() and prev.isalpha():
                total += LETTER_IN_WORD_LOGP  # the next letter of a Latin word is no surprise
            else:
                lp = seen.get(c)
                if lp is None:
                    lp = self.char(c)
                    if len(seen) < _SCORED_MOST:
                        seen[c] = lp
                total += lp
            if prev and prev + c in words:
                total += WORD_BONUS
            prev = c
        return total

    def rare_count(self, text: str) -> int:
        """Characters outside the frequent set: mojibake produces them in runs."""
        if len(text) <= _SHORT:  # numpy's call costs more than a loop over a few characters
            common = self.common
            return sum(1 for c in text if not common[ord(c)])
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return int(len(points) - self.common[points].sum())

    def rare_cluster(self, text: str, window: int = 8, count: int = 3) -> bool:
        """Whether `count` rare characters fall within `window` consecutive characters somewhere: names and
        terms put rare characters in clean text one or two at a time, mojibake puts them in clusters."""
        if len(text) <= _SHORT:
            common = self.common
            flags = [not common[ord(c)] for c in text]
            if sum(flags) < count:
                return False
            if len(flags) < window:
                return True
            return any(sum(flags[k : k + window]) >= count for k in range(len(flags) - window + 1))
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        # the rare characters' positions: `count` of them lie within `window` when the first and the last are less
        # than `window` apart (a text shorter than the window is one); the sums of every window cost far more
        at = np.flatnonzero(self.common[points] == 0)
        return len(at) >= count and bool((at[count - 1 :] - at[: len(at) - count + 1] < window).any())


@lru_cache(maxsize=8)
def for_script(script: str) -> CharLM:
    """The model for a document of this script: the other script's characters are unlikely in it, which
    tells GBK read as Big5 (traditional-looking garbage in simplified text) from the real thing. One per script
    and process, so that its derived tables (`char_table`, the word keys) are built once."""
    from dataclasses import replace

    from taosha.zh.script import tables

    simp, trad = tables()
    # zhuyin letters belong to Taiwan's text: in a simplified document they are GBK's full-width punctuation read
    # as Big5 (，。（） become ㄛ﹝ㄗㄘ)
    off = {"simplified": trad + ZHUYIN_AS_BIG5, "traditional": simp}.get(script, "")
    base = model()
    traditional = script == "traditional" and bool(base.traditional)
    # one copy for what this script changes (the base model's own array is never written)
    common = base.common.copy() if off or traditional else base.common
    if traditional:  # only here: every other model stays as it was
        logp = {**base.logp, **base.traditional, **dict.fromkeys(BIG5_SMALL_PUNCT, PUNCT_LOGP)}
        base = replace(base, logp=logp, bonds={**base.bonds, **base.traditional_bonds})
        common[[ord(c) for c in base.traditional_common | frozenset(BIG5_SMALL_PUNCT)]] = 1
    if off:  # and they count as rare: a stretch of them is what GBK read as Big5 (or the reverse) leaves
        common[[ord(c) for c in off]] = 0
    return replace(base, off_script=frozenset(off), common=common)


_WORD_KEYS: dict[int, tuple[Collection[str], np.ndarray]] = {}  # id(words) -> (words, their keys)


def word_keys(words: Collection[str], known: np.ndarray | None = None, table: np.ndarray | None = None) -> np.ndarray:
    """The two-character words as sorted keys (first << 21 | second), made once per process for every model
    holding the same words (`for_script`'s variants share them); `known`: those keys, sorted and distinct (from a
    table cache), to keep instead of building them (a third of a second); `table`: their `word_table`, likewise."""
    held = _WORD_KEYS.get(id(words))
    if held is None or held[0] is not words:
        if known is None:
            known = np.unique(np.array([ord(w[0]) << 21 | ord(w[1]) for w in words], dtype=np.int64))
        keys = known
        held = _WORD_KEYS[id(words)] = (words, keys)  # the words are held: their id is not reused
        _WORD_TABLES[id(words)] = word_table(keys) if table is None else table
    return held[1]


# `are_words` looks pairs up in a hash table of the word keys (open addressing, linear probing, at most half
# full): a binary search of the ~180,000 sorted keys took ~250 ns a pair, most of it cache misses, where the table
# takes ~65 (the same answers: a key is found where it was put, or is not there)
_WORD_TABLES: dict[int, np.ndarray] = {}  # id(words) -> their table (kept beside _WORD_KEYS)
_HASH = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key * 2**64 / phi


def _slots(keys: np.ndarray, size: int) -> np.ndarray:
    """Each key's home slot in a table of `size` (a power of two) slots."""
    shift = np.uint64(64 - (size.bit_length() - 1))
    slots: np.ndarray = ((keys.astype(np.uint64) * _HASH) >> shift).astype(np.int64)
    return slots


def word_table(keys: np.ndarray) -> np.ndarray:
    """The keys (distinct, not negative) laid out for linear probing: each in the first free slot from its home
    slot on. Placed a round at a time: of the keys whose slot is free, one per slot takes it (whichever the
    assignment writes last), and the rest move a slot on; a key passes only taken slots, so a search for it finds it
    before any empty one (where a key lies depends on the round, never whether it is found)."""
    size = 1 << max(4, (2 * len(keys) - 1).bit_length())
    table = np.full(size, -1, dtype=np.int64)
    left, at = keys, _slots(keys, size)
    while len(left):
        free = table[at] == -1
        table[at[free]] = left[free]
        placed = table[at] == left
        left, at = left[~placed], (at[~placed] + 1) & (size - 1)
    return table


@lru_cache(maxsize=1)
def model(common_size: int = 8000) -> CharLM:
    """The character model, from jieba's dictionary (see the module's docstring). Building it takes seconds, so
    it is kept in the table cache (`cache_dir()`) keyed by everything it is built from, and read back in about a
    tenth of a second by every later process: the same model either way (a test compares them)."""
    path, key = _source(common_size)
    cached = _read_cache(key)
    if cached is not None:
        return cached
    built = build_model(path, common_size)
    _write_cache(key, built)
    return built


MODEL_FORMAT = 3  # bump when build_model's output changes for the same inputs: older cache files are ignored


def cache_dir() -> Path:
    """Where derived tables are kept between processes (taosha.cache.cache_dir)."""
    from taosha.cache import cache_dir as where

    return where()


@lru_cache(maxsize=4)  # every table keyed by the model asks (the versions read two packages' files)
def _source(common_size: int) -> tuple[str, str]:
    """jieba's dictionary and the cache key: the dictionary's size and time, jieba's and OpenCC's versions (the
    traditional forms come from OpenCC), the format, the parameter and this module's source (an edited build is
    never answered by a file an older one wrote, as an unbumped MODEL_FORMAT would have it)."""
    from importlib.util import find_spec

    from taosha.cache import package_version

    spec = find_spec("jieba")  # found, not imported: importing jieba takes a while, and reading needs none of it
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("jieba is required for the character model (pip install jieba)")
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    st = os.stat(path)
    versions = f"{package_version('jieba')}|{package_version('opencc')}"
    raw = f"{MODEL_FORMAT}|{common_size}|{st.st_size}|{st.st_mtime_ns}|{versions}"
    here = Path(__file__)  # this module's build and the conversions it asks of zh.script
    code = here.read_bytes() + here.with_name("script.py").read_bytes()
    return path, hashlib.sha256(raw.encode() + code).hexdigest()[:16]


def _read_cache(key: str) -> CharLM | None:
    """The model `_write_cache` kept under `key`, or None (absent, unreadable or cut short: it is built again).
    Arrays in a folder (`taosha.cache`), not a .npz: reading a zip imports zipfile (30 ms) and checks its CRCs.
    Most of the time is the ~180,000 two-character words, made into strings and a dict."""
    from taosha.cache import load_arrays

    z = load_arrays("charlm", key)
    if z is None:
        return None
    try:
        chars, words, trad_chars, trad_bond_words = (_split(z[k].item()) for k in (
            "chars", "words", "trad_chars", "trad_bond_words"))
        common = np.zeros(0x110000, dtype=np.uint8)
        common[z["common"]] = 1
        bonds = dict(zip(words, z["bonds"].tolist(), strict=True))
        return CharLM(dict(zip(chars, z["logp"].tolist(), strict=True)), bonds, common, bonds=bonds,
                      traditional=dict(zip(trad_chars, z["trad_logp"].tolist(), strict=True)),
                      traditional_common=frozenset(map(chr, z["trad_common"].tolist())),
                      traditional_bonds=dict(zip(trad_bond_words, z["trad_bonds"].tolist(), strict=True)))
    except (KeyError, ValueError, IndexError, TypeError, AttributeError):  # arrays of another layout
        return None


def _split(joined: str) -> list[str]:
    return joined.split("\n") if joined else []


def _write_cache(key: str, lm: CharLM) -> None:
    """Keep `lm` for `_read_cache` (nothing where the cache folder cannot be written: every process builds it).
    Its `bonds` is its `words` (build_model)."""
    from taosha.cache import save_arrays

    save_arrays("charlm", key, {
        "chars": np.array("\n".join(lm.logp)), "logp": np.array(list(lm.logp.values())),
        "words": np.array("\n".join(lm.words)), "bonds": np.array(list(lm.words.values())),
        "common": np.flatnonzero(lm.common).astype(np.uint32),
        "trad_chars": np.array("\n".join(lm.traditional)), "trad_logp": np.array(list(lm.traditional.values())),
        "trad_common": np.array(sorted(map(ord, lm.traditional_common)), dtype=np.uint32),
        "trad_bond_words": np.array("\n".join(lm.traditional_bonds)),
        "trad_bonds": np.array(list(lm.traditional_bonds.values()))})


def build_model(path: str, common_size: int = 8000) -> CharLM:
    """The character model from jieba's dictionary at `path` (see `model`)."""
    from taosha.zh.script import converter

    freq: dict[str, int] = {}
    words: list[str] = []
    word_freq: list[int] = []
    entries: list[str] = []  # every entry and its count, for the traditional forms' statistics
    entry_freq: list[int] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) < 2:
                continue
            word, n = parts[0], int(parts[1])
            for c in word:
                freq[c] = freq.get(c, 0) + n
            entries.append(word)
            entry_freq.append(n)
            if len(word) == 2:
                words.append(word)
                word_freq.append(n)
    # traditional forms take their simplified form's statistics (one conversion call for all of them)
    chars = sorted(freq)
    trad = converter("s2t").convert("\n".join(chars)).split("\n")
    for s, t in zip(chars, trad, strict=True):
        if len(t) == 1 and t != s:
            freq[t] = max(freq.get(t, 0), freq[s])
    trad_words = converter("s2t").convert("\n".join(words)).split("\n")
    total = sum(freq.values())
    logp = {c: math.log(n / total) for c, n in freq.items()}
    common = np.zeros(0x110000, dtype=np.uint8)
    common[:0x80] = 1
    common[[ord(c) for c in PUNCT | SYMBOLS]] = 1
    common[0x3000] = 1
    common[0x2010:0x2028] = 1  # dashes, quotes, bullets, ellipsis
    common[0x2030:0x203B] = 1  # per mille, primes (′ ″), angle quotes
    common[0x3040:0x3100] = 1  # kana: Japanese in Chinese text is ordinary, not a sign of mojibake
    common[0xAC00:0xD7A4] = 1  # Hangul syllables: Korean names and terms, as ordinary
    common[0x3100:0x3130] = 1  # Bopomofo
    common[0x2500:0x2580] = 1  # box drawing
    common[0xFF01:0xFF5F] = 1  # full-width ASCII
    common[[ord(c) for c in "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"]] = 1  # pinyin tone letters (annotations)
    top = sorted(freq, key=lambda c: -freq[c])[:common_size]
    common[[ord(c) for c in top]] = 1
    for s, t in zip(chars, trad, strict=True):
        if len(t) == 1 and common[ord(s)]:
            common[ord(t)] = 1
    bonds: dict[str, float] = {}
    for form in (words, trad_words):
        for w, n in zip(form, word_freq, strict=True):
            if len(w) == 2 and w[0] in logp and w[1] in logp:
                pmi = math.log(n / total) - logp[w[0]] - logp[w[1]]
                bonds[w] = max(BOND_MIN, min(BOND_MAX, pmi))
    traditional = _traditional(entries, entry_freq, freq, total)
    floor = freq[top[-1]]  # the least frequent of the common characters
    trad_logp = {**logp, **traditional}
    trad_bonds: dict[str, float] = {}
    # the words those characters now make, in OpenCC's standard forms only (為了, 裡面 of Taiwan's forms get no bond
    # yet: 爲了, 裏面 do)
    for w, n in zip(trad_words, word_freq, strict=True):
        if len(w) == 2 and (w[0] in traditional or w[1] in traditional) and w[0] in trad_logp and w[1] in trad_logp:
            pmi = math.log(n / total) - trad_logp[w[0]] - trad_logp[w[1]]
            trad_bonds[w] = max(BOND_MIN, min(BOND_MAX, pmi))
    # the words whose characters have no statistics join with no bond (`CharLM.words`), in order: the cache keeps it
    for w in sorted({*words, *(w for w in trad_words if len(w) == 2)}.difference(bonds)):
        bonds[w] = 0.0
    return CharLM(logp, bonds, common, bonds=bonds,
                  traditional=traditional, traditional_bonds=trad_bonds,
                  traditional_common=frozenset(c for c in traditional if math.exp(traditional[c]) * total >= floor))


def _traditional(entries: list[str], counts: list[int], freq: dict[str, int], total: int) -> dict[str, float]:
    """The traditional model's statistics for traditional forms OpenCC writes only inside words: every entry is
    converted as a phrase (雜志 -> 雜誌, 复杂 -> 複雜), by OpenCC's standard forms and by Taiwan's (爲/為, 裏/裡,
    麪/麵: Big5 pages write the latter), and its count credited to each character of that form, as the simplified
    characters' counts are; a form a conversion writes in some word takes that count where it is more than twice
    what the character-by-character conversion gave it (nothing for 誌 and 複, whose characters alone convert to 志
    and 復). Log-probabilities over the simplified model's total, so that every other character's stays as it was."""
    from taosha.zh.script import converter

    counted: dict[str, int] = {}
    written: set[str] = set()  # the forms a phrase's conversion writes for another character
    for config in ("s2t", "s2tw"):
        converted = converter(config).convert("\n".join(entries)).split("\n")
        here: dict[str, int] = {}
        for s, t, n in zip(entries, converted, counts, strict=True):
            for c in t:
                here[c] = here.get(c, 0) + n
            if len(s) == len(t):
                written.update(b for a, b in zip(s, t, strict=True) if a != b)
        for c, n in here.items():
            counted[c] = max(counted.get(c, 0), n)
    return {c: math.log(counted[c] / total) for c in sorted(written)
            if counted[c] > 2 * freq.get(c, 0) and math.log(counted[c] / total) > UNKNOWN_LOGP}
