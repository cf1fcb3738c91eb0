"""The text near-duplicates are compared on, and its character shingles, as numpy arrays.

Chinese has no spaces, so documents are compared on character n-grams of a normalised text: whitespace
removed, NFKC width folding (，and , compare equal) and traditional characters mapped to simplified, so a
spun copy and its source are one text. Normalisation is one table lookup per UTF-16 code unit (characters
outside the BMP pass through as their two surrogates, consistently on both sides of a comparison), which
is what makes signatures cheap enough for tens of thousands of documents per second per core.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from itertools import pairwise

import numpy as np

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    """UTF-16 code unit -> normalised code unit (0: dropped). Built once per machine (0.1 to 0.25 s: an OpenCC
    call and NFKC over every code point) and kept in the table cache (`taosha.cache`), which later processes
    map in a millisecond: at 5,000 documents the build was a tenth of a whole `dedup.near` run."""
    from taosha.cache import cached_table, package_version, source_key

    # the table follows this module, OpenCC's dictionaries (its version) and the Unicode data (Python's version,
    # in every key)
    key = source_key("taosha.dedup.shingle", extra=f"opencc {package_version('opencc')}|{np.__version__}")
    return cached_table("near-fold", key, _build_fold_table)


def _build_fold_table() -> np.ndarray:
    from taosha.zh.script import converter

    table = np.arange(65536, dtype=np.uint16)
    han = [c for r in ((0x3400, 0xA000), (0xF900, 0xFB00)) for c in range(*r)]
    # one OpenCC call over all Han code points, one per line (a line break ends every phrase match)
    simple = converter("t2s").convert("\n".join(map(chr, han))).split("\n")
    t2s = {c: ord(s) for c, s in zip(han, simple, strict=True) if len(s) == 1 and ord(s) < 65536}
    # surrogates stay as they are; the line break, the separator below, is whitespace (dropped) anyway
    table[10] = 0
    points = [c for c in range(65536) if not 0xD800 <= c < 0xE000 and c != 10]
    chars = [chr(c) for c in points]
    folded = unicodedata.normalize("NFKC", "\n".join(chars)).split("\n")  # one call, as above
    for c, ch, f in zip(points, chars, folded, strict=True):
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            table[c] = 0
            continue
        point = ord(f) if len(f) == 1 else c
        table[c] = t2s.get(point, point) if point < 65536 else c
    return table


def codes(text: str) -> np.ndarray:
    """The normalised text as UTF-16 code units (uint16).

    >>> bytes(codes("經濟 發展，（二）")) == bytes(codes("经济发展,(二)"))
    True
    """
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    folded = fold_table()[units]  # not `take` as in _codes_joined: it makes 8-byte indices (a long text's memory)
    return folded[folded != 0]


def codes_many(texts: list[str]) -> list[np.ndarray]:
    """`codes` of each text: short texts a group at a time, in one table lookup for the group (views into one
    array), long ones one at a time.

    >>> [bytes(c) for c in codes_many(["經濟 發展", "", "经济"])] == [bytes(codes(t)) for t in ("经济发展", "", "经济")]
    True
    """
    out: list[np.ndarray] = []
    group: list[bytes] = []
    size = 0
    for t in texts:
        if len(t) > _GROUP:
            out.extend(_codes_joined(group))
            group, size = [], 0
            out.append(codes(t))
            continue
        if size + len(t) > _GROUP:
            out.extend(_codes_joined(group))
            group, size = [], 0
        group.append(t.encode("utf-16-le", "surrogatepass"))
        size += len(t)
    out.extend(_codes_joined(group))
    return out


# characters normalised in one lookup: one text at a time, a 100-character review costs more in per-call overhead
# than in work; megabyte groups made the allocator give memory back and take it again (slower than one at a time).
# 64k characters (128 KB of code units): in whole `dedup.near` runs on news-sized documents, 5 interleaved pairs
# against 16k, a third fewer page faults (15,500 -> 10,600) and less CPU in every pair (0.96 against 1.03 s mean)
_GROUP = 1 << 16


def _codes_joined(encoded: list[bytes]) -> list[np.ndarray]:
    if not encoded:
        return []
    # `take` of a uint16 index into the 65,536 entries: never out of range, so "clip" changes nothing and skips
    # the bounds check (half the time of `table[units]` on 64k characters, a third of this function's; its
    # 8-byte copy of the indices is bounded by the group's size)
    folded = np.take(fold_table(), np.frombuffer(b"".join(encoded), dtype=np.uint16), mode="clip")
    keep = folded != 0
    ends = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) >> 1, out=ends[1:])
    # where each text starts among the kept units: its start less the units dropped before it (few: whitespace;
    # a cumulative sum over every unit cost more than the rest of this function)
    bounds = (ends - np.searchsorted(np.flatnonzero(~keep), ends)).tolist()
    folded = folded[keep]
    return [folded[a:b] for a, b in pairwise(bounds)]


def mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place: spreads every input bit over the whole 64-bit word."""
    h ^= h >> _S30
    h *= _M2
    h ^= h >> _S27
    h *= _M3
    h ^= h >> _S31
    return h


def shingle_hashes(units: np.ndarray, n: int) -> np.ndarray:
    """64-bit hashes of the character n-grams of `units` (with repeats; a text shorter than n is one shingle).

    >>> a = shingle_hashes(codes("经济发展很快"), 5)
    >>> len(a), len(shingle_hashes(codes("经济"), 5))
    (2, 1)
    """
    x = units.astype(np.uint64)
    count = len(x) - n + 1
    if count <= 0:
        if len(x) == 0:
            return np.zeros(0, dtype=np.uint64)
        count, n = 1, len(x)
    h = x[:count].copy()
    for k in range(1, n):
        h *= _M1
        h ^= x[k : k + count]
    return mix(h)


def hashes_into(x: np.ndarray, n: int, h: np.ndarray, tmp: np.ndarray) -> None:
    """`shingle_hashes(x, n)` into `h` (len(x) - n + 1 of them), `tmp` as scratch: the same values, no
    temporaries."""
    np.copyto(h, x[: len(h)])
    for k in range(1, n):
        np.multiply(h, _M1, out=h)
        np.bitwise_xor(h, x[k : k + len(h)], out=h)
    mix_into(h, tmp)


def mix_into(h: np.ndarray, tmp: np.ndarray) -> None:
    """`mix(h)` with `tmp` as scratch for the shifts."""
    for shift, mult in ((_S30, _M2), (_S27, _M3), (_S31, None)):
        np.right_shift(h, shift, out=tmp)
        np.bitwise_xor(h, tmp, out=h)
        if mult is not None:
            np.multiply(h, mult, out=h)


class Buffers(threading.local):
    """Work arrays for hashing joined texts (`minhash._signatures_joined`, `_sets_joined`), grown to the largest
    group seen and reused: fresh temporaries of a few hundred KB cost page faults, whenever the allocator gave
    their memory back. One set per thread."""

    size = 0
    arrays: tuple[np.ndarray, ...] = ()

    def get(self, size: int) -> tuple[np.ndarray, ...]:
        """Four uint64 arrays of `size` elements or more."""
        if size > self.size:
            self.size = size
            self.arrays = tuple(np.empty(size, dtype=np.uint64) for _ in range(4))
        return self.arrays


buffers = Buffers()


def shingle_set(units: np.ndarray, n: int) -> np.ndarray:
    """The sorted, distinct shingle hashes, cut to 32 bits: the set exact Jaccard similarity is computed on.

    32 bits halve the sorting work; two different shingles of a 10,000-character pair of documents share
    a hash with probability ~1e-5, far below the precision asked of verification.
    """
    s = np.sort(shingle_hashes(units, n).astype(np.uint32))
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]  # np.unique is several times slower here (numpy 2 hashes first)


def shingle_sets(texts: list[np.ndarray], n: int) -> list[np.ndarray]:
    """`shingle_set` of each text, the same arrays: texts of `n` characters or more hashed end to end a group at
    a time, and their distinct hashes found in one pass over the group (a dozen numpy calls a text, one at a
    time, cost more than the hashing of a 2,000-character text).

    >>> texts = [codes(t) for t in ("经济发展很快，经济发展很快。", "经济", "", "今天天气很好，去散步吧。")]
    >>> all(bytes(a) == bytes(shingle_set(t, 3)) for a, t in zip(shingle_sets(texts, 3), texts))
    True
    """
    out: list[np.ndarray] = [np.zeros(0, dtype=np.uint32)] * len(texts)
    group: list[int] = []
    size = 0
    for i, t in enumerate(texts):
        if not n <= len(t) <= _GROUP:
            out[i] = shingle_set(t, n)
            continue
        if size + len(t) > _GROUP and group:
            _sets_joined(texts, group, n, out)
            group, size = [], 0
        group.append(i)
        size += len(t)
    if group:
        _sets_joined(texts, group, n, out)
    return out


def _sets_joined(texts: list[np.ndarray], group: list[int], n: int, out: list[np.ndarray]) -> None:
    lengths = np.fromiter((len(texts[i]) for i in group), dtype=np.int64, count=len(group))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    total = int(ends[-1])
    x, wide, tmp, _ = (a[:total] for a in buffers.get(total))
    np.concatenate([texts[i] for i in group], out=x)
    wide, tmp = wide[: total - n + 1], tmp[: total - n + 1]
    hashes_into(x, n, wide, tmp)  # shingle_hashes of the joined texts
    h = tmp.view(np.uint32)[: len(wide)]  # the hashes cut to 32 bits, as shingle_set's
    np.copyto(h, wide, casting="unsafe")
    # each text's windows are h[start : end - n + 1]; the n-1 after them run into the next text
    for a, b in zip(starts.tolist(), (ends - n + 1).tolist(), strict=True):
        h[a:b].sort()
    keep = np.empty(len(h), dtype=bool)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    keep[starts] = True  # a text's first window is its own, whatever precedes it
    for back in range(1, n):
        cut = ends - back
        keep[cut[cut < len(h)]] = False
    counts = np.add.reduceat(keep, starts, dtype=np.int64)  # distinct windows per text (no crossing one is kept)
    bounds = np.zeros(len(group) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    distinct = h[keep]
    for i, a, b in zip(group, bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        out[i] = distinct[a:b]


def jaccard_sets(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted distinct hash arrays (`shingle_set`'s; a repeated value would count
    twice).

    >>> s = lambda t: shingle_set(codes(t), 2)
    >>> jaccard_sets(s("经济发展"), s("经济發展")), round(jaccard_sets(s("经济发展"), s("经济增长")), 2)
    (1.0, 0.2)
    """
    if len(a) == 0 or len(b) == 0:
        return 1.0 if len(a) == len(b) else 0.0
    # the two sorted runs merged (a stable sort of their concatenation is one merge): each common value is one
    # equal neighbour pair. A binary search of b's values in a cost four times as much.
    s = np.concatenate((a, b))
    s.sort(kind="stable")
    common = int(np.count_nonzero(s[1:] == s[:-1]))
    return common / (len(a) + len(b) - common)
