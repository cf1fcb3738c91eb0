"""clean.compilation's batch passes on the documents without a cue as `process` does, from substring searches of
the batch (issue #25)."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.clean.compilation import _NEEDED_ANY_SCRIPT, Compilation
from taosha.document import Document


def _view(out: object) -> object:
    if isinstance(out, list):
        return [_view(d) for d in out]
    if isinstance(out, Exception):
        return repr(out)
    assert isinstance(out, Document)
    return (out.id, out.text, out.edits, out.signals, out.parent)


def _both(texts: list[str]) -> tuple[list[object], list[object]]:
    step = Compilation()
    step.setup()
    batch = step.process_batch([Document(str(k), t) for k, t in enumerate(texts)])
    alone = []
    for k, t in enumerate(texts):
        try:
            alone.append(step.process(Document(str(k), t)))
        except Exception as exc:
            alone.append(exc)
    return [_view(d) for d in batch], [_view(d) for d in alone]


_PIECES = [*_NEEDED_ANY_SCRIPT, "第一篇", "范文一：", "精选范文", "\n", "同志们：", "正文内容。", "范", "篇幅", "尊敬",
           "各位领导：\n", "一、工作总结\n", "谢谢大家！", ""]


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), max_size=8))
@settings(max_examples=200, deadline=None)
def test_compilation_batch_is_process_on_each(texts):
    batch, alone = _both(texts)
    assert batch == alone


def test_compilation_batch_is_process_on_each_on_the_seed_page(shared):
    """The seed page (a compilation of 范文) and its documents."""
    seed = shared / "corpora" / "seed-dev"
    texts = [(seed / "page_dev.txt").read_text(encoding="utf-8")]
    texts += [orjson.loads(line)["text"] for line in open(seed / "documents_dev.jsonl", "rb")]
    batch, alone = _both(texts)
    assert any(isinstance(d, list) for d in batch)  # the page is split
    assert batch == alone
