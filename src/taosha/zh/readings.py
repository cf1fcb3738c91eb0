"""Pinyin readings of Chinese characters (pypinyin's dictionary, heteronyms included): whether a syllable is a
reading of a character, and which characters are the common ones (GB2312 level 1).

>>> reads_as("經", "jīng"), reads_as("我", "tái"), common("的"), common("荨")
(True, False, True, False)
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from taosha.zh.script import converter

_TONE_OF = {}
for _base, _marks in (("a", "āáǎà"), ("e", "ēéěè"), ("i", "īíǐì"), ("o", "ōóǒò"), ("u", "ūúǔù"),
                      ("v", "ǖǘǚǜ"), ("n", "\0ńňǹ"), ("m", "\0ḿ\0\0")):
    for _tone, _mark in enumerate(_marks, 1):
        if _mark != "\0":
            _TONE_OF[_mark] = (_base, _tone)
_TONE_OF["ü"] = ("v", 0)
_TONE_OF["ê"] = ("e", 0)
_TONE_OF["ế"] = ("e", 2)
_TONE_OF["ề"] = ("e", 4)


def normalize_reading(s: str) -> tuple[str, int]:
    """(toneless syllable with ü as v, tone 1-4, or 0 when unmarked or neutral).

    >>> normalize_reading("jīng"), normalize_reading("lv4"), normalize_reading("LÜE"), normalize_reading("men5")
    (('jing', 1), ('lv', 4), ('lve', 0), ('men', 0))
    """
    s = unicodedata.normalize("NFC", s.lower())
    tone = 0
    if s and s[-1].isdigit():
        tone = int(s[-1]) % 5
        s = s[:-1]
    out = []
    for c in s:
        base = _TONE_OF.get(c)
        if base is None:
            out.append("v" if c == "u\u0308" else c)
        else:
            out.append(base[0])
            tone = tone or base[1]
    return "".join(out), tone


@lru_cache(maxsize=1)
def _pinyin_table() -> tuple[list[int], str]:
    """pypinyin's character readings (code points, and their readings "zhōng,zhòng" one per line), from the
    table cache (taosha.cache): parsing pypinyin's JSON file takes a tenth of a second, and importing
    `pypinyin.pinyin_dict` would import the package, which loads its 2.5 MB phrase dictionary too (half a
    second) that nothing here uses."""
    import json
    import os
    from importlib.util import find_spec

    import numpy as np

    from taosha.cache import cached_arrays, source_key

    spec = find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is required for pinyin readings (pip install pypinyin)")
    path = os.path.join(next(iter(spec.submodule_search_locations)), "pinyin_dict.json")

    def build() -> dict[str, np.ndarray]:
        with open(path, encoding="utf-8") as fh:
            table = {int(k): v for k, v in json.load(fh).items()}
        return {"points": np.array(list(table), dtype=np.int64), "readings": np.array("\n".join(table.values()))}

    st = os.stat(path)
    a = cached_arrays("pinyin", source_key(extra=f"{st.st_size}|{st.st_mtime_ns}"), build)
    return a["points"].tolist(), str(a["readings"].item())


@lru_cache(maxsize=1)
def _pinyin_dict() -> dict[int, str]:
    """pypinyin's character readings: code point -> "zhōng,zhòng" (`_pinyin_table`)."""
    points, readings = _pinyin_table()
    return dict(zip(points, readings.split("\n"), strict=True))


@lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[tuple[str, int]]:
    """Every reading pypinyin knows for a character (heteronyms included), normalised.

    >>> sorted(readings("行"))[:2]
    [('hang', 2), ('hang', 4)]
    """
    raw = _pinyin_dict().get(ord(ch))
    if not raw:
        return frozenset()
    return frozenset(normalize_reading(r) for r in raw.split(","))


@lru_cache(maxsize=65536)
def simplified_char(ch: str) -> str:
    out = converter("t2s").convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (about 400)."""
    distinct = set(_pinyin_table()[1].replace("\n", ",").split(","))  # 1,500 readings, not 53,000
    return frozenset(normalize_reading(r)[0] for r in distinct)


@lru_cache(maxsize=4096)
def is_marked_syllable(annotation: str) -> bool:
    """A real syllable with a tone (mark or number), as spinners write: `jié` yes, `x`, `see` no.

    >>> is_marked_syllable("jié"), is_marked_syllable("qu1"), is_marked_syllable("x"), is_marked_syllable("ma")
    (True, True, False, False)
    """
    base, tone = normalize_reading(annotation)
    return tone > 0 and base in syllables()


def reads_as(ch: str, annotation: str) -> bool:
    """Whether `annotation` (tone marks, tone number or none) is a reading of `ch`.

    >>> reads_as("經", "jīng"), reads_as("經", "jing1"), reads_as("經", "jing"), reads_as("經", "jǐng")
    (True, True, True, False)
    >>> reads_as("我", "tái")
    False
    """
    base, tone = normalize_reading(annotation)
    # a traditional character may read differently from its simplified form in the dictionary (績 jī,
    # 绩 jì); spinners take the simplified form's reading, so both count
    known = readings(ch) | readings(simplified_char(ch))
    if tone == 0:  # unmarked or neutral: any tone of the syllable
        return any(b == base for b, _ in known)
    return (base, tone) in known



@lru_cache(maxsize=65536)
def common(ch: str) -> bool:
    """One of the 3,755 common characters (GB2312 level 1): spinner tables annotate those, authors gloss rarer
    ones (荨(qián)麻)."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xD7
