"""Bucket grouping by sorting, and connected components, on numpy arrays: no union-find structure.

A bucket's members meet after a sort by key (or a partition by key across machines). Components come two
ways, with the same result: in one place, by `components` (the smaller label of each edge, then labels
followed to their root, until nothing changes); across partitions, by rounds of `star_step` (large-star and
small-star, alternating until the edges form a star per component), which `dedup.near` runs as tasks that
exchange edges through files. `pack`/`unpack` hold an edge in one 64-bit word.
"""

from __future__ import annotations

import numpy as np


def distinct(a: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D array: `np.unique` without its cost here (numpy 2's `unique` imports
    `numpy.ma`, 15 ms of a `dedup.near` run's start-up, and hashes before it sorts).

    >>> distinct(np.array([5, 3, 5, 1], dtype=np.uint64)).tolist()
    [1, 3, 5]
    """
    s = np.sort(a)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


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


def pack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Undirected edges as sorted unique `min << 32 | max` words (self-loops dropped)."""
    a = np.asarray(a, dtype=np.uint64)
    b = np.asarray(b, dtype=np.uint64)
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    return distinct((lo << np.uint64(32)) | hi)


def unpack(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (edges >> np.uint64(32)).astype(np.int64), (edges & np.uint64(0xFFFFFFFF)).astype(np.int64)


def star_step(edges: np.ndarray, part: int, parts: int, large: bool) -> np.ndarray:
    """One large-star or small-star step (Kiveris et al., "Connected components in MapReduce and beyond",
    2014) for the nodes of partition `part` (node % parts), given every edge touching them.

    Large-star links each larger neighbour of a node to the smallest node of its neighbourhood; small-star
    links each smaller neighbour, and the node, to the smallest of them. Alternated until the edge set stops
    changing, they leave each component as a star around its smallest node. Returns the emitted edges
    (packed); each partition runs on its own, so a round is one shuffle of edges by node.
    """
    a, b = unpack(edges)
    mine_a, mine_b = a % parts == part, b % parts == part
    src = np.concatenate([a[mine_a], b[mine_b]])
    dst = np.concatenate([b[mine_a], a[mine_b]])
    if not large:
        smaller = dst < src
        src, dst = src[smaller], dst[smaller]
    if not len(src):
        return np.zeros(0, dtype=np.uint64)
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    start = np.concatenate(([True], src[1:] != src[:-1]))
    heads = np.flatnonzero(start)
    low = np.minimum(np.minimum.reduceat(dst, heads), src[heads])  # smallest of each node's neighbourhood
    m = low[np.cumsum(start) - 1]
    if large:
        bigger = dst > src
        return pack(dst[bigger], m[bigger])
    return pack(np.concatenate([dst, src[heads]]), np.concatenate([m, low]))


def partition_of(edges: np.ndarray, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """The partitions of both endpoints of each packed edge (where the edge must be sent)."""
    a, b = unpack(edges)
    return a % parts, b % parts
