"""MinHash signatures by one-permutation hashing, and the LSH banding derived from a threshold.

Classic MinHash applies `k` hash functions to every shingle: O(k·n) per document. One-permutation hashing
(Li, Owen & Zhang 2012) hashes each shingle once, sends it to one of `k` bins by its high bits and keeps
the minimum per bin: O(n), with the same collision probability per bin, P[equal] = Jaccard. Bins left
empty (short documents) borrow the value of another bin chosen by a fixed random sequence per bin
("optimal densification", Shrivastava 2017), which keeps that property for sparse sets. With numpy this
signs about four times as many documents per second as a native per-permutation MinHash fed the same
hashes (bench/bench_dedup.py), so no compiled MinHash library is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from taosha.dedup.shingle import buffers, hashes_into, mix, mix_into, shingle_hashes

EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
_ATTEMPTS = 64


@lru_cache(maxsize=8)
def _borrow_sequence(k: int, seed: int) -> np.ndarray:
    """For each bin, the fixed random order of bins it borrows from when it is empty (from the table cache, as
    `_band_weights`)."""
    return _drawn("near-borrow", k, seed, _draw_borrow_sequence)


def _draw_borrow_sequence(k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, k, size=(k, _ATTEMPTS), dtype=np.int64)


def _drawn(name: str, k: int, seed: int, draw: Callable[[int, int], np.ndarray]) -> np.ndarray:
    """`draw(k, seed)`, drawn once per machine and kept in the table cache: drawing needs numpy.random, whose
    import (8 ms) every `dedup.near` run paid for a few numbers."""
    from taosha.cache import cached_table, source_key

    key = source_key("taosha.dedup.minhash", extra=f"{name} {k} {seed}|{np.__version__}")
    return cached_table(name, key, lambda: draw(k, seed))


def signature(hashes: np.ndarray, k: int, seed: int = 0) -> np.ndarray | None:
    """`k` MinHash values of a shingle-hash array (repeats allowed); None for an empty set.

    >>> from taosha.dedup.shingle import codes, shingle_hashes
    >>> a = signature(shingle_hashes(codes("我们要推动经济发展，实现乡村振兴。" * 3), 5), 64)
    >>> b = signature(shingle_hashes(codes("我们要推动经济发展，实现乡村振兴！" * 3), 5), 64)
    >>> a.shape, 0.5 < float((a == b).mean()) < 1.0
    ((64,), True)
    """
    if len(hashes) == 0:
        return None
    return _densified(_minima(hashes, k, seed), k, seed)


_SLICE = 1 << 18  # shingles hashed at once (~40 bytes each in flight)


def shingle_signature(units: np.ndarray, n: int, k: int, seed: int = 0) -> np.ndarray | None:
    """`signature(shingle_hashes(units, n), k, seed)`, hashing a slice of shingles at a time: a bin's minimum is
    the minimum of its minima per slice, so a long text costs a few MB in flight, not ~26 bytes a character
    (a 5M-character record: 130 MB).

    >>> from taosha.dedup.shingle import codes, shingle_hashes
    >>> units = codes("我们要推动经济发展，实现乡村振兴。" * 9)
    >>> bool((shingle_signature(units, 5, 64) == signature(shingle_hashes(units, 5), 64)).all())
    True
    """
    count = len(units) - n + 1
    if count <= _SLICE:
        return signature(shingle_hashes(units, n), k, seed)
    sig = np.full(k, EMPTY, dtype=np.uint64)
    for a in range(0, count, _SLICE):
        np.minimum(sig, _minima(shingle_hashes(units[a : min(a + _SLICE, count) + n - 1], n), k, seed), out=sig)
    return _densified(sig, k, seed)


def shingle_signatures(texts: list[np.ndarray], n: int, k: int, seed: int = 0) -> list[np.ndarray | None]:
    """`shingle_signature` of each of several texts, the same values, in a few numpy calls for them all: a
    2,000-character document costs about as much in per-call overhead as in hashing, one call at a time.

    The texts are hashed end to end as one array; windows that cross from one text into the next are left out
    and each bin is keyed by (text, bin). Texts shorter than `n` or longer than a slice go one at a time.

    >>> from taosha.dedup.shingle import codes
    >>> texts = [codes(t) for t in ("我们要推动经济发展，实现乡村振兴。" * 3, "经济", "", "今天天气很好，去散步吧。")]
    >>> together = shingle_signatures(texts, 5, 64)
    >>> all((a is None and b is None) or bool((a == b).all())
    ...     for a, b in zip(together, [shingle_signature(t, 5, 64) for t in texts]))
    True
    """
    out: list[np.ndarray | None] = [None] * len(texts)
    batch: list[int] = []
    size = 0
    for i, t in enumerate(texts):
        if not n <= len(t) <= _SLICE:
            out[i] = shingle_signature(t, n, k, seed)
            continue
        if size + len(t) > _JOINED and batch:  # small joined arrays: see _JOINED
            _signatures_joined(texts, batch, n, k, seed, out)
            batch, size = [], 0
        batch.append(i)
        size += len(t)
    if batch:
        _signatures_joined(texts, batch, n, k, seed, out)
    return out


# characters hashed end to end at once, in buffers kept for the next group (`shingle.Buffers`): per-call overhead falls
# with the group's size, and reused buffers cost no page faults (fresh megabyte temporaries did: 65,000 more on
# 5,000 news documents at 1 << 17, more system time than the batching saved)
_JOINED = 1 << 16


def _signatures_joined(texts: list[np.ndarray], batch: list[int], n: int, k: int, seed: int,
                       out: list[np.ndarray | None]) -> None:
    parts = [texts[i] for i in batch]
    m = len(parts)
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=m)
    ends = np.cumsum(lengths)
    total = int(ends[-1])
    count = total - n + 1  # every window of the joined texts (each text has at least n characters)
    x, h, tmp, slot = (a[:total] for a in buffers.get(total))
    np.concatenate(parts, out=x)
    h = h[:count]
    slot = slot[:count]
    hashes_into(x, n, h, tmp[:count])  # shingle_hashes of the joined texts
    if seed:
        h ^= np.uint64(seed * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF)
        mix_into(h, tmp[:count])
    # each window's slot in `flat`, text j's bins at j*k: its bin plus its text's offset (a cumulative sum of k at
    # each text's start). A window starting in the last n-1 characters of a text runs into the next one: it goes
    # to a spare slot at the end. Fewer passes over the windows than masking them out first.
    _bins_into(h, k, slot, tmp[:count])
    slot += np.repeat(np.arange(0, m * k, k, dtype=np.uint64), lengths)[:count]
    for back in range(1, n):
        cut = ends - back
        slot[cut[cut < count]] = m * k
    flat = np.full(m * k + 1, EMPTY, dtype=np.uint64)
    np.minimum.at(flat, slot.view(np.int64), h)
    rows: np.ndarray = flat[: m * k].reshape(m, k)
    _densify_rows(rows, k, seed)
    for i, sig in zip(batch, rows, strict=True):
        out[i] = sig  # a view: the group's rows are all kept (until the unit's band keys), no need for copies


def _bins_into(h: np.ndarray, k: int, out: np.ndarray, tmp: np.ndarray) -> None:
    """Each hash's bin, `((h >> 32) * k) >> 32`, into `out`: for k a power of two that is `h >> (64 - log2 k)`,
    one pass instead of three."""
    if 1 < k <= 1 << 32 and k & (k - 1) == 0:
        np.right_shift(h, np.uint64(65 - int(k).bit_length()), out=out)
        return
    np.right_shift(h, np.uint64(32), out=tmp)
    np.multiply(tmp, np.uint64(k), out=tmp)
    np.right_shift(tmp, np.uint64(32), out=out)


def _minima(hashes: np.ndarray, k: int, seed: int) -> np.ndarray:
    """The minimum hash per bin (EMPTY where none falls)."""
    h = hashes  # already mixed: seed 0 uses them as they are, another seed re-mixes (another permutation)
    if seed:
        h = mix(hashes ^ np.uint64(seed * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF))
    bins = ((h >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)  # multiply-shift: any k, not just 2^m
    sig = np.full(k, EMPTY, dtype=np.uint64)
    np.minimum.at(sig, bins.astype(np.intp), h)
    return sig


def _densified(sig: np.ndarray, k: int, seed: int) -> np.ndarray:
    empty = sig == EMPTY
    if empty.any():
        _densify(sig, empty, k, seed)
    return sig


def _densify(sig: np.ndarray, empty: np.ndarray, k: int, seed: int) -> None:
    todo = np.flatnonzero(empty)
    seq = _borrow_sequence(k, seed)
    filled = ~empty
    for attempt in range(_ATTEMPTS):
        source = seq[todo, attempt]
        ok = filled[source]
        # the attempt number is mixed in so that two empty bins borrowing the same bin still differ
        sig[todo[ok]] = mix(sig[source[ok]] + np.uint64(attempt + 1))
        todo = todo[~ok]
        if len(todo) == 0:
            return
    sig[todo] = sig[np.flatnonzero(filled)[0]]  # rare: ~(1 - filled/k)^64 a bin (3e-4 at 15 of 128 filled)


def _densify_rows(sigs: np.ndarray, k: int, seed: int) -> None:
    """`_densified` of every row of `sigs` (each with a filled bin), in place, the same values: the empty bins of
    all rows take their attempts together. One row at a time, short documents (most bins empty, a few attempts
    each) spent more in numpy's per-call overhead than in the work: half of `dedup.near` on 60,000 reviews."""
    flat = sigs.reshape(-1)  # flat indices: cheaper than pairs of them
    filled = flat != EMPTY  # a bin borrows only from bins filled to begin with: the order of writes does not matter
    empty = np.flatnonzero(~filled)
    if len(empty) == 0:
        return
    # each empty bin's source and attempt found first, its value made once at the end: the attempts' loop only
    # gathers and narrows (one mix per attempt, on the bins resolved at it, was most of its calls)
    source = np.zeros(len(empty), dtype=np.int64)
    attempts = np.zeros(len(empty), dtype=np.uint64)
    cols = empty % k
    base = empty - cols
    left = np.arange(len(empty))  # the bins not resolved yet, as positions in `empty`
    seq = _borrow_columns(k, seed)
    for attempt in range(_ATTEMPTS):
        if len(left) <= _TAIL:  # the last few bins: their remaining attempts at once (one gather, not one each)
            at2 = base + seq[attempt:, cols]  # (attempts left, bins)
            ok2 = filled[at2]
            hit = ok2.any(axis=0)
            first = ok2.argmax(axis=0)[hit]  # each bin's first attempt that finds a filled bin
            resolved = left[hit]
            source[resolved] = at2[first, np.flatnonzero(hit)]
            attempts[resolved] = first + (attempt + 1)
            miss = ~hit
            left, cols, base = left[miss], cols[miss], base[miss]
            break
        at = base + seq[attempt][cols]
        ok = filled[at]
        resolved = left[ok]
        source[resolved] = at[ok]
        attempts[resolved] = attempt + 1
        miss = ~ok
        left, cols, base = left[miss], cols[miss], base[miss]
    # the attempt number is mixed in so that two empty bins borrowing the same bin still differ (as in _densify)
    done = attempts != 0
    flat[empty[done]] = mix(flat[source[done]] + attempts[done])
    if len(left):  # as in _densify: the row's first filled bin (rare from 20 characters; not for a few)
        flat[empty[left]] = flat[base + filled.reshape(-1, k)[base // k].argmax(axis=1)]


_TAIL = 256  # empty bins left from which the remaining attempts are taken in one gather ((attempts, bins) large)


@lru_cache(maxsize=8)
def _borrow_columns(k: int, seed: int) -> np.ndarray:
    """`_borrow_sequence` by attempt: row `a` is every bin's source at attempt `a`."""
    return np.ascontiguousarray(_borrow_sequence(k, seed).T)


def collision_probability(j: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """P[two documents with Jaccard j share a band] = 1 - (1 - j^rows)^bands."""
    return 1 - (1 - np.power(j, rows)) ** bands


@lru_cache(maxsize=64)  # a few ms of integrals, asked for by every task of a run
def optimal_bands(threshold: float, k: int, fn_weight: float = 0.95) -> tuple[int, int]:
    """Bands and rows (bands·rows ≤ k) minimising the weighted areas of false positives and negatives.

    False positives are only verification work (every candidate pair is checked with exact Jaccard),
    false negatives are duplicates missed for good: so they weigh more by default (0.95 against 0.05),
    which puts the chance that a pair at exactly the threshold becomes a candidate at about 95%.

    >>> optimal_bands(0.8, 128), round(float(collision_probability(0.8, 16, 8)), 3)
    ((16, 8), 0.947)
    """
    grid_lo = np.linspace(0.0, threshold, 400)
    grid_hi = np.linspace(threshold, 1.0, 400)
    best, best_cost = (1, k), float("inf")
    for rows in range(1, k + 1):
        bands = k // rows
        fp = np.trapezoid(collision_probability(grid_lo, bands, rows), grid_lo)
        fn = np.trapezoid(1 - collision_probability(grid_hi, bands, rows), grid_hi)
        cost = (1 - fn_weight) * fp + fn_weight * fn
        if cost < best_cost - 1e-12:
            best, best_cost = (bands, rows), cost
    return best


@lru_cache(maxsize=8)
def _band_weights(k: int, seed: int) -> np.ndarray:
    return _drawn("near-band-weights", k, seed, _draw_band_weights)


def _draw_band_weights(k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    return rng.integers(0, 2**63, size=k, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd multipliers


def band_keys(sigs: np.ndarray, bands: int, rows: int, seed: int = 1) -> np.ndarray:
    """One 64-bit key per band: documents whose `rows` values agree in a band share its key.

    `sigs` is (documents, k); returns (documents, bands), band b mixed with its number so that equal
    values in different bands never share a bucket.
    """
    k = sigs.shape[1]
    weights = _band_weights(k, seed)
    weighted = sigs[:, : bands * rows] * weights[: bands * rows]
    keys = weighted.reshape(len(sigs), bands, rows).sum(axis=2, dtype=np.uint64)
    keys += np.arange(bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return mix(keys)
