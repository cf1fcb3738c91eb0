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


# the batch shortcuts of steps that had only `process` (issue #25, tenth round): the documents they pass untouched
# (most) without the runner's call for each
_SHORT_STEP_TEXTS = ["", " ", "\u3000\n", "经济发展。", "Pe\u0301kin 北京", "e\u0301", "\u0301开头", "长" * 40,
                     "我们要继续努力，推动经济社会高质量发展。在新的一年里，我们将进一步加强", "第一段。\n建",
                     "山东莘(shēn)县的新闻。", "记（jì）者", "篇一\n内容。\n篇二\n内容。", "同志们：\n今天开会。",
                     "x轴上", "党的__精神", "×××同志", "--", "同志们：\n今天开会。\n同志们：\n今天开会。" * 3,
                     "a\r\nb", "甲\n乙\n甲"]


def _short_steps():
    from taosha.clean.placeholders import Placeholders
    from taosha.clean.structure import RepeatedParagraphs
    from taosha.extract.html import ExtractHtml
    from taosha.filter.basic import Empty

    return [Empty(), ExtractHtml(), Placeholders(), Placeholders(max_per_1000=0), Placeholders(max_per_1000=-1),
            RepeatedParagraphs(), RepeatedParagraphs(min_chars=2)]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.sampled_from(_SHORT_STEP_TEXTS), max_size=8), st.integers(0, 6))
def test_the_short_steps_batches_are_process_on_each(texts, which):
    step = _short_steps()[which]
    step.setup()
    def fresh():
        return [Document(str(k), t) for k, t in enumerate(texts)]
    def flat(results):  # clean.compilation splits a page: its parts where it stood
        return _state([p for r in results for p in (r if isinstance(r, list) else [r])])
    assert flat(step.process_batch(fresh())) == flat([step.process(d) for d in fresh()])


def test_html_pages_are_extracted_in_a_batch_and_the_others_pass():
    from taosha.extract.html import ExtractHtml

    page = "<title>标题</title><p>正文的第一句话，写得很长很长，足够是一个段落了。</p>"
    def fresh():
        return [Document("t", page), Document("h", page, source={"format": "html"}), Document("e", "<p></p>",
                                                                                            source={"format": "html"})]
    step = ExtractHtml()
    batch = step.process_batch(fresh())
    assert _state(batch) == _state([step.process(d) for d in fresh()])
    assert batch[0].text == page and batch[1].text.startswith("正文") and batch[2].dropped is not None


def test_a_document_that_fails_in_a_batch_shortcut_is_handed_back_as_its_exception(monkeypatch):
    # the runner drops such a document alone (`step_error`); the others of the batch pass as ever
    from taosha.clean import placeholders

    step = placeholders.Placeholders()
    step.setup()
    docs = [Document("a", "经济"), Document("b", "党的__精神"), Document("c", "×××同志")]
    monkeypatch.setattr(placeholders, "find_placeholders", lambda *a: (_ for _ in ()).throw(ValueError("broken")))
    out = step.process_batch(docs)
    assert out[0] is docs[0] and docs[0].signals == {"placeholders": 0, "placeholder_density": 0.0}
    assert all(isinstance(r, ValueError) for r in out[1:])


def test_the_frequent_lines_sketch_counts_each_line_once_a_document():
    import numpy as np

    from taosha.clean.frequent import FrequentLines, _batch_hashes, _rows, _sites

    step = FrequentLines(width_bits=8)  # few counters: collisions add up, as they must
    line = "本站所有文章均来自网络"
    docs = [Document(str(k), f"{line}\n正文第{k % 3}段，内容。\n{line}") for k in range(40)]
    state = step.observe_batch(docs, step.new_state())
    hashes = np.array([h for per in _batch_hashes(docs, _sites(docs), step.min_chars) for h in per], dtype=np.uint64)
    expected = np.zeros_like(state.sketch)
    for row, idx in zip(expected, _rows(hashes, step.depth, step.width_bits), strict=True):
        row += np.bincount(idx.astype(np.int64), minlength=len(row)).astype(row.dtype)
    assert state.sketch.dtype == np.uint32 and np.array_equal(state.sketch, expected)
    assert int(state.sketch.sum()) == step.depth * 80  # two distinct lines a document, forty documents


def test_a_compilation_page_splits_in_a_batch_as_it_does_alone():
    from taosha.clean.compilation import Compilation

    page = "篇一\n第一篇讲话的内容。\n篇二\n第二篇讲话的内容。"
    step = Compilation()
    step.setup()
    out = step.process_batch([Document("a", "经济发展。"), Document("p", page)])
    alone = step.process(Document("p", page))
    assert out[0].text == "经济发展。" and isinstance(out[1], list) and isinstance(alone, list)
    assert _state(out[1]) == _state(alone)
