"""`Step.warm` (issue #25): what the default steps build on first use, built once in a driver about to fork its
workers so that they share it; a run in one process never calls it."""

from __future__ import annotations

import os
import sys

import pytest

from taosha.config import PipelineConfig
from taosha.document import Document
from taosha.filter.language import identifier
from taosha.repair.mojibake.codec import two_codes
from taosha.repair.pinyin import _VERDICTS
from taosha.runners.core import setup_steps
from taosha.runners.local import LocalRunner
from taosha.step import run_batch
from taosha.zh.readings import _pinyin_dict, readings
from taosha.zh.script import converter

_LAZY = (converter, two_codes, _pinyin_dict, identifier)

_GBK = "我们要推动经济发展，实现乡村振兴，这是一个很长的句子。".encode().decode("gb18030", errors="replace")
_LATIN = "他说：“我们要推动经济发展。”".encode().decode("latin-1")
DOCS = [
    Document("trad", "頰鱗雀鯛分布于印度西太平洋區，前鰓蓋骨后緣具鋸齒，索羅門羣岛。" * 3),  # slips: OpenCC both ways
    Document("gloss", "山东莘(shēn)县的新闻，今天发布了很多消息，大家都很关心。" * 3),  # a pinyin gloss's verdict
    Document("english", "This is an English sentence about the weather and the markets of the day. " * 5),
    Document("gbk", "新闻：" + _GBK + "。" + _GBK),  # UTF-8 read as GBK: two_codes("gb18030")
    Document("latin", "新闻：" + _LATIN + "今天的新闻很多。"),  # UTF-8 read as Latin-1: ftfy
]


def _misses() -> list[int]:
    return [f.cache_info().misses for f in _LAZY]


def _built_while_processing(warm: bool) -> tuple[list[int], bool]:
    """Caches missed and whether ftfy was imported while the default steps ran over DOCS, set up (and warmed)
    first, as a fresh worker would."""
    for f in (*_LAZY, readings):  # and the per-character cache in front of the readings' table
        f.cache_clear()
    _VERDICTS.clear()
    sys.modules.pop("ftfy", None)
    steps = [s for s in PipelineConfig().build() if s.name != "clean.frequent_lines"
             and not s.name.startswith("dedup.")]  # two-pass steps process only once prepared
    setup_steps(steps, warm=warm)
    before, imported = _misses(), "ftfy" in sys.modules
    out = list(run_batch(steps, [d for d in DOCS], 0, catch=False, on_split=None))
    assert len(out) >= len(DOCS)
    return [a - b for a, b in zip(_misses(), before, strict=True)], "ftfy" in sys.modules and not imported


def test_documents_build_nothing_after_warm_that_they_built_without_it():
    cold, cold_ftfy = _built_while_processing(warm=False)
    # the documents do reach each lazily built table (else this test would show nothing)
    assert all(cold), cold
    assert cold_ftfy
    warm, warm_ftfy = _built_while_processing(warm=True)
    assert warm == [0, 0, 0, 0]
    assert not warm_ftfy


class _Warmed:
    """fn(unit) -> (the process's pid, whether `warm` ran in it or in the process it was forked from)."""

    def __init__(self) -> None:
        self.warmed = False

    def ready(self) -> None:
        pass

    def warm(self) -> None:
        self.warmed = True

    def __getstate__(self) -> dict[str, bool]:
        return {"warmed": False}

    def __call__(self, unit: int, progress=None) -> tuple[int, bool]:
        return os.getpid(), self.warmed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers only")
def test_the_driver_warms_before_forking_workers_and_one_process_never_warms():
    fn = _Warmed()
    assert {w for _, w in LocalRunner(1).map_units(fn, [0, 1, 2], None)} == {False}
    assert not fn.warmed
    results = LocalRunner(2).map_units(fn, [0, 1, 2, 3], None)
    assert {pid for pid, _ in results} - {os.getpid()} and {w for _, w in results} == {True}
