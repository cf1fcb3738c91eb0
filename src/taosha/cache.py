"""Derived tables kept on disk between processes, as uncompressed numpy arrays read back memory-mapped.

A table that takes seconds to build (a model parsed from a compressed string, an index over a dictionary) is
built once, saved under `cache_dir()` in a folder named by the table and a key of everything it is built from,
and opened by every later process in milliseconds: `np.load(mmap_mode="r")` maps the file, so only the pages a
process touches are read, and forked workers share them. A missing, stale or unreadable cache is rebuilt; a
read-only cache folder only costs the rebuild.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    """Where derived tables are kept between processes: $TAOSHA_CACHE_DIR, else $XDG_CACHE_HOME/taosha, else
    ~/.cache/taosha."""
    explicit = os.environ.get("TAOSHA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "taosha"


def source_key(*modules: str, extra: str = "") -> str:
    """A cache key that changes whenever the code building a table may have: the source files of `modules` (a
    package: every .py file in it) and taosha's data files, read and hashed (a millisecond); the Python version
    (its codecs decode the bytes the tables are made of); and `extra` (the inputs' versions, other keys)."""
    h = hashlib.sha256(f"{sys.version}|{extra}".encode())
    data = Path(__file__).with_name("data")
    files = sorted(data.glob("*.txt"))
    for name in modules:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(name)
        if spec.submodule_search_locations:
            files += sorted(p for d in spec.submodule_search_locations for p in Path(d).glob("*.py"))
        else:
            files.append(Path(spec.origin))
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def package_version(package: str) -> str:
    """An installed package's version, read from the METADATA of its dist-info folder beside it when there is
    one: what `importlib.metadata.version` returns, without importing importlib.metadata (with the email
    parser, csv and zipfile: 25 ms, a fortieth of a 5,000-document `dedup.near` run); for the tables' keys."""
    spec = find_spec(package)
    if spec is not None and spec.origin is not None:
        found = list(Path(spec.origin).parent.parent.glob(f"{package}-*.dist-info/METADATA"))
        if len(found) == 1:
            with open(found[0], encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("Version:"):
                        return line[len("Version:"):].strip()
                    if not line.strip():  # the headers end at the first blank line
                        break
    from importlib.metadata import version

    return version(package)


def cached_arrays(name: str, key: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays `build()` returns, from `cache_dir()/NAME-KEY/` when they are there (memory-mapped, read-only),
    else built and saved there for the next process. `key` must change whenever `build`'s output would."""
    held = load_arrays(name, key)
    if held is not None:
        return held
    arrays = build()
    save_arrays(name, key, arrays)
    return arrays


def cached_table(name: str, key: str, build: Callable[[], np.ndarray]) -> np.ndarray:
    """One array, `build()`, from `cache_dir()/NAME-KEY/` as `cached_arrays` keeps it: a plain array on the mapped
    pages (np.memmap's subclass costs a Python call on every indexing, and lookup tables are indexed thousands of
    times a batch). A folder without it (another version's layout) is built again and replaced."""
    held = load_arrays(name, key)
    if held is None or "table" not in held:
        table = build()
        save_arrays(name, key, {"table": table})
        return table
    return held["table"].view(np.ndarray)


def load_arrays(name: str, key: str) -> dict[str, np.ndarray] | None:
    """The arrays saved as `cache_dir()/NAME-KEY/` (memory-mapped, read-only), or None where there are none, or
    they were cut short or cannot be read."""
    folder = cache_dir() / f"{name}-{key}"
    try:
        names = sorted(p.stem for p in folder.glob("*.npy"))
        if names and (folder / "complete").exists():
            return {n: np.load(folder / f"{n}.npy", mmap_mode="r", allow_pickle=False) for n in names}
    except (OSError, ValueError, EOFError):  # (EOFError: an empty file)
        pass
    return None


def save_arrays(name: str, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Keep `arrays` as `cache_dir()/NAME-KEY/` for `load_arrays`, in place of a folder there that `load_arrays`
    refused (nothing where the folder cannot be written)."""
    _save(cache_dir() / f"{name}-{key}", arrays)


def _save(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        # workers (and threads) may build at once: each its own new folder, never one a killed process left
        made = folder.with_name(f"{folder.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        made.mkdir()
        tmp = made
        for n, a in arrays.items():
            np.save(tmp / f"{n}.npy", np.ascontiguousarray(a), allow_pickle=False)
        (tmp / "complete").touch()
        try:
            os.replace(tmp, folder)
        except OSError:
            # a folder there: another process's copy, as good as this one, or one a load has just refused (cut
            # short, of another layout), which every later process would refuse and build again
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
    except OSError:
        pass  # a read-only cache folder: every process builds the table itself
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
