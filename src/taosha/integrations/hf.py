"""A run's output as a Hugging Face `datasets.Dataset` (docs/formats.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taosha.errors import InputError, MissingExtraError
from taosha.io.writers import SINKS, record_schema, shards


def to_datasets(out: str | Path, sink: str = "kept", *, cache_dir: str | None = None) -> Any:
    """The records of one sink of a finished run (`kept` by default) as a `datasets.Dataset`.

    Columns follow the output schema: `id` and `text`, and `metadata`, `source`, `signals`, `edits` (and `parent`,
    `drop`, `edit_counts`) as JSON strings (`json.loads(row["metadata"])`). The shards are loaded with the
    `json` or `parquet` builder of `datasets` as they are, so `load_dataset` on them gives the same.
    """
    try:
        import datasets
    except ImportError:
        raise MissingExtraError("taosha.to_datasets needs Hugging Face datasets: pip install datasets") from None
    out = Path(out)
    if sink not in SINKS:
        raise InputError(f"sink {sink!r}: expected one of {', '.join(SINKS)}")
    if not (out / "run.json").exists():
        raise InputError(f"{out} is not a taosha output folder (no run.json)")
    files = [str(p) for p in shards(out, sink)]
    if not files:  # nothing in this sink: an empty dataset with the schema's columns
        if sink == "quarantine":
            from taosha.io.writers import quarantine_schema

            return datasets.Dataset(quarantine_schema().empty_table())
        return datasets.Dataset(record_schema().empty_table())
    builder = "parquet" if files[0].endswith(".parquet") else "json"
    return datasets.load_dataset(builder, data_files=files, split="train", cache_dir=cache_dir)
