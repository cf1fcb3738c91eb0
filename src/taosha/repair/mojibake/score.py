"""The character model as the repair families use it: mean log-probability per character, dictionary words,
bonds between neighbours, and the shares and classes of characters they measure text by.
"""

from __future__ import annotations

import re

import numpy as np

from taosha.textarrays import codepoints
from taosha.zh.lm import CharLM

_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _bond(lm: CharLM, pair: str) -> float:
    return lm.bonds.get(pair, 0.0)


def _inner_bonds(lm: CharLM, text: str) -> float:
    return sum(_bond(lm, text[k : k + 2]) for k in range(len(text) - 1))


def _edge_bonds(lm: CharLM, run: str, a: int, b: int, fixed: str) -> float:
    """What replacing `run[a:b]` by `fixed` does to the bonds with the characters just outside it."""
    gain = 0.0
    if a > 0:
        gain += _bond(lm, run[a - 1] + fixed[0]) - _bond(lm, run[a - 1 : a + 1])
    if b < len(run):
        gain += _bond(lm, fixed[-1] + run[b]) - _bond(lm, run[b - 1 : b + 1])
    return gain


_IN_WORD = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f](?=[A-Za-z])")


# a stretch of East Asian text (not Latin, not a kaomoji or a box drawing): at least this share of its characters
_EAST_ASIAN_MOST = 0.5
# a reading that leaves rare characters in a cluster (3 within 8) is not frequent text: no repair leaves one
_RARE_LEFT = (8, 3)
FREQUENT_LOGP = -9.0  # about the 2,500 most frequent characters (年 -5.6, 月 -6.8, 针 -9.0; 偣 -13.4)


def _words(lm: CharLM, text: str) -> int:
    """Two-character dictionary words in `text` (overlapping)."""
    words = lm.words
    return sum(1 for k in range(len(text) - 1) if text[k : k + 2] in words)


def _letters(text: str) -> int:
    """ASCII letters standing alone (no letter beside them): a repair may complete a Latin word (Mozilla),
    not make a letter appear among Chinese characters (騑騑 -> 騑向W)."""
    n = len(text)
    return sum(1 for k, c in enumerate(text) if c.isascii() and c.isalpha()
               and not (k and text[k - 1].isascii() and text[k - 1].isalpha())
               and not (k + 1 < n and text[k + 1].isascii() and text[k + 1].isalpha()))


_COUNTED_IN_PYTHON = 64  # characters up to which a loop costs less than numpy's calls


def _han_share(text: str) -> float:
    """Share of East Asian characters (U+2E80 on: Han, kana, Hangul, Bopomofo, the private use area that GB18030
    gives Big5's punctuation, full-width forms): a misread CJK stretch is made of them, Latin text is not. A long
    text's are counted in numpy (a whole page's share: a Python loop over a news page's characters took longer than
    the rest of `repair_whole_page` on a clean page)."""
    if len(text) <= _COUNTED_IN_PYTHON:
        return sum(1 for c in text if c >= "\u2e80") / max(1, len(text))
    return int(np.count_nonzero(codepoints(text) >= 0x2E80)) / len(text)


def _mean(lm: CharLM, text: str) -> float:
    return lm.score(text) / max(1, len(text))
