"""clean.boilerplate's batch test in numpy (which texts may hold a rule's literal) finds every text the gate's regex
finds, and the batch's output is each document's own (issue #25)."""

from __future__ import annotations

import gzip

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.clean.boilerplate import Boilerplate, Rule, _by_length, _LiteralStarts, needs
from taosha.document import Document
from taosha.textarrays import lay_out
from taosha.zh.script import fold_laid, fold_many


def _maybe(starts: _LiteralStarts, texts: list[str]) -> set[int] | range:
    points, first, lengths = lay_out(texts)
    return starts.texts(fold_laid(texts, points, first, lengths)[1], first)


def _literals() -> list[str]:
    step = Boilerplate()
    return sorted({lit for r in step._rules() for lit in needs(r) or ()})


_PIECES = [*_literals(), "本文", "本", "來源", "後", "責任編輯", "上一", "是一", "喜欢就", "\n", " ", "", "a", "<", "©",
           "正文内容。", "相關推薦", "\u3000"]


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), max_size=12))
@settings(max_examples=400, deadline=None)
def test_literal_starts_find_every_text_the_gate_finds(texts):
    """Literals whole, cut, folded from traditional, at a text's ends and across two texts, empty texts."""
    step = Boilerplate()
    step.setup()
    gate = _by_length(step._rules())[2]
    assert gate is not None
    want = {k for k, f in enumerate(fold_many(texts)) if gate.search(f)}
    assert want <= set(_maybe(_LiteralStarts.of(step._rules()), texts))


@given(st.lists(st.text(alphabet="ab\n©x", max_size=8), max_size=6))
@settings(max_examples=200, deadline=None)
def test_literal_starts_of_one_and_two_character_literals(texts):
    """Rules whose literals are one or two characters long only, and none."""
    import re

    for literals in (("©",), ("ab",), ("©", "b\n"), ("a", "xb")):
        rule = Rule("r", "contains", literals, 200)
        gate = _by_length((rule,))[2]
        want = {k for k, t in enumerate(texts) if gate is not None and gate.search(t)}
        assert want <= set(_maybe(_LiteralStarts.of((rule,)), texts))
    everything = _LiteralStarts.of((Rule("r", "regex", ("a.b",), 200, re.compile("a.b"), None),))
    assert _maybe(everything, texts) == range(len(texts))


def test_boilerplate_batches_are_each_documents_on_real_text(shared, outputs_in_batches):
    """The news and Wikipedia texts (simplified and traditional) in batches against `process` on each."""
    texts = []
    for name in ("drcd_wiki_zh_hant.jsonl.gz", "cmrc2018_wiki_zh_hans.jsonl.gz"):
        with gzip.open(shared / "corpora" / "wiki" / name, "rb") as fh:
            texts += [orjson.loads(line)["text"] for line in fh][:400]
    texts += ["本文來源：新華網\n正文。", "上一篇：工作总结\n下一篇", "", "相关推荐：\n<br>文"]
    step = Boilerplate()
    step.setup()
    alone = [(d.text, d.edits, d.signals) for d in (step.process(Document(str(k % 256), t))
                                                     for k, t in enumerate(texts))]
    assert outputs_in_batches(step, texts) == alone
