"""Texts as numpy arrays of code points: one text, or a batch laid end to end, with sums per text.

What the vectorised steps share (script detection, the quality signals): a batch costs a few numpy calls, not a
few per document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

import numpy as np


def codepoints(text: str) -> np.ndarray:
    """The text's code points (lone surrogates included), as uint32."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def lay_out(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the texts' code points end to end and one NUL after the last, each text's start, each text's length).

    The NUL makes every start an index, an empty last text's too, for `per_text`.

    >>> points, starts, lengths = lay_out(["经济", "", "发展"])
    >>> len(points), starts.tolist(), lengths.tolist()
    (5, [0, 2, 2], [2, 0, 2])
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return codepoints("".join(texts) + "\0"), starts, lengths


_SPARSE = 8  # a mask with at most one position in this many set is counted from its positions (`per_text`)


def per_text(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`ufunc` reduced over each text's positions of `values` (laid out as by `lay_out`); 0 for an empty text.

    >>> points, starts, lengths = lay_out(["经济", "", "发展。"])
    >>> per_text(np.add, points == ord("。"), starts, lengths).tolist()
    [0, 0, 1]
    """
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    if ufunc is np.add and values.dtype == np.bool_ and np.count_nonzero(values) * _SPARSE <= len(values):
        # few positions set (a rare class): counted between each text's bounds in their list, not by a reduction
        # that converts every position to 8 bytes first
        at = np.flatnonzero(values)
        counts: np.ndarray = np.searchsorted(at, starts + lengths) - np.searchsorted(at, starts)
        return counts
    out = ufunc.reduceat(values, starts, dtype=np.int64)
    out[lengths == 0] = 0  # reduceat gives the value at the start for an empty range, not nothing
    return out


def consecutive_runs(positions: list[int]) -> list[list[int]]:
    """Sorted positions cut into runs of consecutive ones: [3, 4, 7] -> [[3, 4], [7]]."""
    runs: list[list[int]] = []
    for k in positions:
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


def holding(pattern: re.Pattern[str], texts: list[str], joined: str | None = None) -> list[int]:
    """The numbers (ascending) of the texts in which `pattern` finds a match, from one scan of the texts joined
    by line breaks (`joined`, when the caller has it: `"\\n".join(texts)`) rather than a call per text: a batch
    in which most texts hold none pays the scan in C and no call per text.

    Exact for a pattern whose matches neither start at a line break nor run on past one (a literal, a class
    without the line break): a match in the joined texts then starts in the text that holds it.

    >>> holding(re.compile("[(（]"), ["经济", "发(fā)展", "", "（注）", "x"])
    [1, 3]
    """
    if joined is None:
        joined = "\n".join(texts)
    m = pattern.search(joined)
    if m is None:
        return []
    ends = list(accumulate(len(t) + 1 for t in texts))  # where each text's line break stands, plus one
    out = []
    while m is not None:
        k = bisect_right(ends, m.start())
        out.append(k)
        m = pattern.search(joined, ends[k])  # on from the next text: one match a text is enough
    return out


def holding_any(needles: tuple[str, ...], texts: list[str], joined: str | None = None) -> list[int]:
    """The numbers (ascending) of the texts that hold one of `needles` (substrings without a line break), from
    substring searches of the texts joined by line breaks (`joined`, when the caller has it): `holding` without
    the regex, whose scan costs twice a search per needle on real text; a batch in which few texts hold one pays
    the searches in C and no call per text.

    >>> holding_any(("x", "--"), ["经济", "a--b", "", "x", "xy--"])
    [1, 3, 4]
    """
    if joined is None:
        joined = "\n".join(texts)
    ends: list[int] | None = None
    found: set[int] = set()
    for needle in needles:
        at = joined.find(needle)
        if at < 0:
            continue
        if ends is None:
            ends = list(accumulate(len(t) + 1 for t in texts))  # where each text's line break stands, plus one
        while at >= 0:
            k = bisect_right(ends, at)
            found.add(k)
            at = joined.find(needle, ends[k])  # on from the next text: one hit a text is enough
    return sorted(found)
