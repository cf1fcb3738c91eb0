"""Pass-1 spill files of the two-pass dedup steps (`dedup.near`, `dedup.paragraphs`), in one place.

Each unit's worker writes its statistics under the step's work folder as `unit-NNNNN.FIELD.npy` (one file per
field, so a task between the passes loads only the fields it needs) and returns a small `Handle` naming them;
the driver only merges handles. Tasks between the passes read the files back and talk to each other through
files too (`shuffle`), never through the driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from taosha.dedup.cluster import partition_of


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


def load_column(handles: list[Handle], name: str, dtype: Any) -> np.ndarray:
    """Field `name` of every unit, end to end (input order)."""
    parts = [np.load(f"{h[1]}.{name}.npy") for h in handles]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def npy_rows(path: str, rows: tuple[int, ...], n: int) -> list[np.ndarray]:
    """Those rows of a C-order 2-D .npy array with `n` columns, read without mapping the file (opened once)."""
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(fh)
        assert not fortran and len(shape) == 2 and shape[1] == n, (path, shape)
        start, out = fh.tell(), []
        for row in rows:
            fh.seek(start + row * n * dtype.itemsize)
            out.append(np.frombuffer(fh.read(n * dtype.itemsize), dtype=dtype))
        return out


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
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)
