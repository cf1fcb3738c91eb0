"""In-memory input: an iterable of records (dicts) or a Hugging Face `datasets.Dataset`/`IterableDataset`.

The records are written once to `OUT/_input/` (a `datasets.Dataset` as Parquet, anything else as JSONL) and
read from there like any input file, so they get the same units, accounting, quarantine rules, resume and
byte-identical output across worker counts. The copy is removed when the run finishes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from taosha.errors import InputError


def is_paths(inputs: Any) -> bool:
    """True for a path or a list of paths (what the file readers take); False for records in memory."""
    if isinstance(inputs, str | os.PathLike):
        return True
    return isinstance(inputs, list | tuple) and all(isinstance(i, str | os.PathLike) for i in inputs)


def materialize(data: Any, folder: Path, id_field: str = "id") -> str:
    """Write in-memory records to `folder` (created) and return the file to read. A record without an
    `id_field` gets its position (0, 1, ...) as its id, so ids do not depend on where the copy lies."""
    folder.mkdir(parents=True, exist_ok=True)
    if _is_hf_dataset(data):  # Arrow-backed: written batch by batch, a row group each (units)
        return _write_parquet(data, folder, id_field)
    if isinstance(data, dict | str | bytes) or not isinstance(data, Iterable):
        raise InputError(
            f"taosha.run takes file paths, an iterable of records (dicts) or a Hugging Face dataset; got "
            f"{type(data).__name__}"
        )
    path = folder / "records.jsonl"
    tmp = folder / ".records.jsonl.tmp"
    with open(tmp, "wb") as fh:
        for i, item in enumerate(data):
            if isinstance(item, dict) and id_field not in item:
                item = {id_field: str(i), **item}
            fh.write(_line(item))
    os.replace(tmp, path)
    return str(path)


def _write_parquet(ds: Any, folder: Path, id_field: str) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / "dataset.parquet"
    tmp = folder / ".dataset.parquet.tmp"
    add_id = id_field not in ds.column_names
    writer = None
    start = 0
    try:
        for batch in ds.with_format("arrow").iter(batch_size=ROWS_PER_GROUP):
            if add_id:
                ids = pa.array([str(i) for i in range(start, start + batch.num_rows)], pa.string())
                batch = batch.append_column(id_field, ids)
            start += batch.num_rows
            if writer is None:
                writer = pq.ParquetWriter(tmp, batch.schema, compression="zstd")
            writer.write_table(batch, row_group_size=ROWS_PER_GROUP)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # an empty dataset: an empty file
        pq.write_table(ds.with_format("arrow")[:0], tmp)
    os.replace(tmp, path)
    return str(path)


ROWS_PER_GROUP = 1000  # rows of a Hugging Face dataset per row group (the units of its copy)


def _is_hf_dataset(data: Any) -> bool:
    cls = type(data)
    return cls.__module__.startswith("datasets.") and cls.__name__ == "Dataset" and hasattr(data, "to_parquet")


def _line(item: Any) -> bytes:
    """One record as a JSONL line. Values JSON has no form for are written as their `str`; a string orjson
    refuses (a lone surrogate) is written escaped, as the standard library writes it, so the reader quarantines
    the record as invalid_json with the reason ("no low surrogate in string"); a record that cannot be written
    at all becomes a JSON string (its repr), which the reader quarantines as not_an_object."""
    try:
        return orjson.dumps(item, default=str, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        try:
            return (json.dumps(item, default=str) + "\n").encode("ascii")
        except (TypeError, ValueError):
            return orjson.dumps(repr(item)[:1 << 20], option=orjson.OPT_APPEND_NEWLINE)
