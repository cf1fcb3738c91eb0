"""Bucket grouping by sorting, and connected components by label propagation, on numpy arrays.

Both are shuffle-friendly: a bucket's members meet after a sort by key (or a partition by key across
machines), and components come from repeated "take the smaller label of each edge, then follow labels"
rounds (the small-star/large-star family), which need no global union-find structure.
"""

from __future__ import annotations

import numpy as np


def bucket_edges(keys: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Edges (as `u << 32 | v`, u < v) from every member of a bucket to the bucket's smallest member.

    `keys` and `members` are parallel; members must be ascending (the order documents came in), so a
    stable sort leaves the smallest member first in each run of equal keys.

    >>> e = bucket_edges(np.array([7, 3, 7, 7, 3, 9], dtype=np.uint64), np.arange(6, dtype=np.uint64))
    >>> [(int(x >> 32), int(x & 0xFFFFFFFF)) for x in e]
    [(1, 4), (0, 2), (0, 3)]
    """
    if len(keys) < 2:
        return np.zeros(0, dtype=np.uint64)
    order = np.argsort(keys, kind="stable")
    sk, sm = keys[order], members[order]
    start = np.empty(len(sk), dtype=bool)
    start[0] = True
    np.not_equal(sk[1:], sk[:-1], out=start[1:])
    run = np.cumsum(start) - 1
    heads = sm[np.flatnonzero(start)][run]
    follow = ~start
    return (heads[follow] << np.uint64(32)) | sm[follow]


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Label of each of `n` nodes: the smallest node of its connected component.

    >>> components(6, np.array([0, 4, 2]), np.array([1, 5, 1])).tolist()
    [0, 0, 0, 3, 4, 4]
    """
    labels = np.arange(n, dtype=np.int64)
    if len(u) == 0:
        return labels
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    while True:
        low = np.minimum(labels[u], labels[v])
        before = labels.copy()
        np.minimum.at(labels, u, low)
        np.minimum.at(labels, v, low)
        while True:  # pointer jumping: follow labels to their root
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(before, labels):
            return labels
