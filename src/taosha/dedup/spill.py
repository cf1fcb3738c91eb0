"""Pass-1 spill files of the two-pass dedup steps (`dedup.near`, `dedup.paragraphs`), in one place.

Each unit's worker writes its statistics under the step's work folder with the prefix `unit-NNNNN` (dedup.paragraphs
one `.npy` per field; dedup.near one file of blocks read with pread, see `near._layout`) and returns a small `Handle`
naming them; the driver only merges handles. Tasks between the passes read the files back and talk to each other through
files too (`shuffle`), never through the driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from taosha.dedup.cluster import distinct, partition_of


class Handle(NamedTuple):
    """What pass 1 of a unit hands back: the unit's number (input order), its files' prefix, its documents."""

    unit: int
    prefix: str
    docs: int


def unit_prefix(workdir: Path, shard: int) -> Path:
    """The prefix of one unit's files under `workdir` (created); `shard` numbers the units in input order."""
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir / f"unit-{shard:05d}"


def save_fields(prefix: Path | str, fields: dict[str, np.ndarray]) -> None:
    for name, values in fields.items():
        np.save(f"{prefix}.{name}.npy", values)


def merge_handles(a: Any, b: Any) -> list[Handle]:
    """The handles of both sides, sorted by unit (a side that is still an empty unit state holds none): the
    order of arrival is irrelevant, as `CorpusStep.merge` requires."""
    return sorted((a if isinstance(a, list) else []) + (b if isinstance(b, list) else []))


def workdir_of(handles: list[Handle]) -> Path:
    return Path(handles[0][1]).parent


def shuffle(work: Path, r: int, source: int, edges: np.ndarray, parts: int) -> None:
    """Write packed edges for round `r` to the partitions of both their nodes (`cc-RRR/from-S-to-Q.npy`)."""
    out = work / f"cc-{r:03d}"
    out.mkdir(exist_ok=True)
    pa, pb = partition_of(edges, parts)
    for q in range(parts):
        np.save(out / f"from-{source:03d}-to-{q:03d}.npy", edges[(pa == q) | (pb == q)])


def gathered(files: list[Path]) -> np.ndarray:
    """The distinct packed edges of the given files (sorted), or none."""
    found = [np.load(f) for f in sorted(files)]
    return distinct(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)
