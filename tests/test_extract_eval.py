"""eval/eval_extract.py's halves: the dev half split again into two parts for cross-validation (`--parts`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("rapidfuzz")
_PATH = Path(__file__).resolve().parents[1] / "eval" / "eval_extract.py"
_spec = importlib.util.spec_from_file_location("eval_extract", _PATH)
assert _spec is not None and _spec.loader is not None
eval_extract = importlib.util.module_from_spec(_spec)
sys.modules["eval_extract"] = eval_extract  # its dataclasses look their module up while they are built
_spec.loader.exec_module(eval_extract)


def test_the_dev_half_splits_in_two_parts_that_do_not_follow_the_halves():
    pages = [eval_extract.Page(f"page{k}.html", b"") for k in range(400)]
    dev = [p for p in pages if p.half == "dev"]
    parts = {part: [p for p in dev if p.part == part] for part in "AB"}
    assert 0.35 * len(dev) < len(parts["A"]) < 0.65 * len(dev)  # another byte of the hash: about even
    assert len(parts["A"]) + len(parts["B"]) == len(dev)
    assert [p.part for p in pages] == [eval_extract.Page(p.name, b"x").part for p in pages]  # by name alone


def test_in_half_picks_a_half_or_a_part_of_the_dev_half():
    pages = [eval_extract.Page(f"page{k}.html", b"") for k in range(100)]
    dev, confirm = eval_extract.in_half(pages, "dev"), eval_extract.in_half(pages, "confirm")
    assert dev and confirm and len(dev) + len(confirm) == len(pages)
    a, b = eval_extract.in_half(pages, "dev:A"), eval_extract.in_half(pages, "dev:B")
    assert a and b and sorted(p.name for p in a + b) == sorted(p.name for p in dev)
