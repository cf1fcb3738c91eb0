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


def _extract_diff():
    path = _PATH.with_name("extract_diff.py")
    spec = importlib.util.spec_from_file_location("extract_diff", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # finds eval_extract in sys.modules (above)
    return module


def test_extract_diff_names_why_a_reference_line_is_lost():
    """eval/extract_diff.py: a line is kept, partly kept or lost, and a lost line gets its block's state."""
    pytest.importorskip("resiliparse")
    xd = _extract_diff()
    assert xd.covered("今天天气很好", "我说今天天气很好啊") == "kept"
    assert xd.covered("今天天气很好我们去公园", "今天天气很好我们去") == "partly"
    assert xd.covered("完全不同的一句话", "今天天气很好") == "lost"
    page = ("<html><body><div class='nav'><a>首页</a> | <a>新闻</a></div><div class='content'>"
            "<p>今天天气很好，我们去公园散步，看见很多人在跑步，也有人在湖边钓鱼。</p>"
            "<p>公园里的花都开了，红的、黄的、白的，非常漂亮，游客们纷纷拍照留念。</p></div></body></html>")
    blocks, kept, thread = xd.blocks_of(xd.H, page)
    assert not thread and len(kept) == 2
    assert xd.cause("首页 | 新闻", blocks, kept, "首页|新闻") == "noise_container"  # in class="nav"
