"""The batch shortcuts of the steps (issue #25, seventh round): a batch goes through `process_batch` exactly as its
documents go through `process` one by one, the documents the shortcuts pass untouched included."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.document import Document
from taosha.textarrays import holding


def _state(docs):
    return [(d.id, d.text, d.edits, d.signals, d.dropped) for d in docs]


def _both(step, texts, signals=None):
    """(process_batch over the batch, process over each document), fresh documents for each."""
    def fresh():
        docs = [Document(str(k), t) for k, t in enumerate(texts)]
        for d, s in zip(docs, signals or [{}] * len(docs), strict=True):
            d.signals.update(s)
        return docs

    step.setup()
    batch = step.process_batch(fresh())
    alone = [step.process(d) for d in fresh()]
    return _state(batch), _state(alone)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab（(", max_size=6), max_size=8))
def test_holding_finds_the_texts_a_search_of_each_finds(texts):
    pattern = re.compile("[(（]")
    assert holding(pattern, texts) == [k for k, t in enumerate(texts) if pattern.search(t)]


def test_holding_a_match_at_a_texts_end():
    # a space before the joining line break is a space at the end of its text, as `\Z` sees it alone
    pattern = re.compile("[ \u3000](?:\n|\\Z)")
    texts = ["经济 ", "发展", "a \nb", "", "末\u3000"]
    assert holding(pattern, texts) == [k for k, t in enumerate(texts) if pattern.search(t)] == [0, 2, 4]


_WHITESPACE = "经a \t\u3000\u00a0\n\r\u200b\u200c\u2060\ufeff\x1c\u2028"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_WHITESPACE, max_size=10), max_size=6), st.integers(-1, 2), st.booleans())
def test_whitespace_batch_is_process_on_each(texts, blank, strip):
    from taosha.repair.unicode import Whitespace

    batch, alone = _both(Whitespace(max_blank_lines=blank, strip_document=strip), texts)
    assert batch == alone


_BOILERPLATE = ["本文來源：新華網", "本文来源：新华网", "上一篇：工作总结", "正文第一段。", "<br>文<b>字",
                "相关推荐：", "\n", "責任編輯：張三", "内容"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_BOILERPLATE)).map("".join), max_size=6), st.booleans())
def test_boilerplate_batch_is_process_on_each(texts, skip_markup):
    from taosha.clean.boilerplate import Boilerplate

    step = Boilerplate(skip=("markup_residue",) if skip_markup else ())
    batch, alone = _both(step, texts)
    assert batch == alone


_SCRIPT_TEXTS = ["我们要推动经济发展。", "我們要推動經濟發展。", "随着经济发展。\n隨著經濟發展。", "。", "", "abc",
                 "頰鱗雀鯛分布于印度西太平洋區，前鰓蓋骨后緣具鋸齒。", "台灣的軟體產業。\n我们的发展。"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_SCRIPT_TEXTS), st.sampled_from([{}, {"pinyin_removed": 2},
                                                                          {"script": "spun"}, {"pinyin_removed": 0}])),
                max_size=6),
       st.sampled_from(["keep", "simplified", "traditional", "tw"]))
def test_script_batch_is_process_on_each(pairs, target):
    from taosha.repair.script import Script

    batch, alone = _both(Script(target=target), [t for t, _ in pairs], [s for _, s in pairs])
    assert batch == alone


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="我爱北京天安门。a\n", max_size=70), max_size=8), st.integers(0, 60))
def test_quality_batch_is_process_on_each(texts, min_chars):
    from taosha.filter.quality import Quality

    batch, alone = _both(Quality(min_chars=min_chars), texts)
    assert batch == alone


@pytest.mark.parametrize("url", [None, "http://news.example.com/a.html", "no-scheme", 3])
def test_frequent_lines_batch_hashes_are_each_documents(url):
    from taosha.clean.frequent import _batch_hashes, _line_hashes, _sites, site

    texts = ["正文第一段，内容。", "短", "本站 所有\u3000文章均来自网络", "一\n二三四五六七\n二三四五六七", "",
             "长" * (1 << 16) + " 尾", "甲" * 10 + "\n" + "乙" * (1 << 16)]
    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    if url is not None:
        for d in docs[::2]:
            d.metadata["url"] = url
    sites = _sites(docs)
    assert sites == [site(d) for d in docs]
    for min_chars in (0, 3, 6):
        alone = [_line_hashes(d, min_chars, s) for d, s in zip(docs, sites, strict=True)]
        assert _batch_hashes(docs, sites, min_chars) == alone


def test_language_automaton_forgets_its_start_after_four_bytes():
    # langid's automaton reads n-grams of up to 4 bytes: from any state, 4 bytes lead where they lead from the start
    import numpy as np

    from taosha.filter.language import _sync, identifier

    ident = identifier()
    assert ident.sync == 4
    moves = np.asarray(ident.moves).reshape(-1, 256)
    rng = np.random.default_rng(0)
    for data in rng.integers(0, 256, size=(200, 4)):
        starts = moves[:, data[0]]
        for byte in data[1:]:
            starts = moves[starts, byte]
        assert (starts == starts[0]).all()
    assert _sync(np.asarray(ident.moves)) == 4
    # an automaton that never forgets (a counter of bytes mod 3): none
    assert _sync(np.repeat((np.arange(3) + 1) % 3, 256)) == 0


@pytest.mark.parametrize("text", ["", "a", "Hello, world.", "Ceci est un texte en français, assez long. " * 20,
                                  "Hello world, this is English text. " * 60, "混合 mixed テキスト 텍스트 " * 40,
                                  "\x00\x7f\u00ff\U0001f600" * 200])
def test_language_arrays_classify_as_the_byte_loop(text, monkeypatch):
    from taosha.filter import language

    ident = language.identifier()
    monkeypatch.setattr(language, "_SCAN", 10**9)
    loop = ident.classify(text)
    monkeypatch.setattr(language, "_SCAN", 0)
    assert ident.classify(text) == loop


def test_a_lone_surrogate_fails_neither_quality_nor_frequent_lines_hashing():
    # a Document built in code may hold one (readers quarantine them): the batch is judged, not raised
    from taosha.clean.frequent import _line_hashes
    from taosha.filter.quality import Quality

    st = Quality()
    st.setup()
    docs = [Document("a", "hello world, plain english words \ud800 and more"), Document("b", "正常的中文。" * 5)]
    out = st.process_batch(docs)
    assert [isinstance(o, Document) or o.reason for o in out]
    lines = _line_hashes(Document("c", "正文\ud800内容很长的一行。\n第二行也很长的一行文字"), 4)
    assert sorted(lines.values()) == [0, 1]
