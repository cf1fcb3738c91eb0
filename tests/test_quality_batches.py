"""filter.quality's batch shortcuts give exactly the signals of the plain computation (issue #25's CPU round)."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.document import Document
from taosha.filter import quality

TEXTS = st.lists(st.text(alphabet="我爱北京上海，。ab\n", max_size=200), min_size=1, max_size=8)


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


@given(TEXTS, st.sampled_from([(2, 3, 4), (3,), (2, 7)]))
@settings(max_examples=150, deadline=None)
def test_the_batch_layout_and_the_one_slice_coverage_change_no_signal(texts, tops):
    """The texts handed over end to end (`joined`), counts kept only for the reported tops, and each n's repeated
    starts taken from the previous n's (one slice) give the values of the general path: the texts concatenated
    here, and the coverage slice by slice (`_SLICE` small) with every n's counts."""
    points = [_points(t) for t in texts]
    fast = quality.repetition_table(points, range(2, 11), tops, joined=np.concatenate(points))
    with mock.patch.object(quality, "_SLICE", 7):
        sliced = quality.repetition_table(points, range(2, 11), tops)
    assert fast.keys() == sliced.keys()
    assert [k for k in fast if not np.array_equal(fast[k], sliced[k])] == []


@given(TEXTS)
@settings(max_examples=60, deadline=None)
def test_a_batchs_repetition_signals_are_each_texts_own(texts):
    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    quality.Quality(min_chars=0, languages=(), min_han_share=0).process_batch(docs)
    for doc, text in zip(docs, texts, strict=True):
        alone = quality.repetition(_points("".join(c for c in text if c.isalnum())))  # its letters and digits
        assert {k: doc.signals[k] for k in alone} == {k: round(v, 4) for k, v in alone.items()}


def test_whitespace_and_punctuation_form_no_ngram():
    """A review that parts its phrases with spaces is measured on its characters: the space bigram is no n-gram
    (it made top_ngram_2 0.51 and dropped the review), and a text repeated with spaces between is repetition. So is
    a review that parts them with runs of dots (the bigram `..`)."""
    spaced = "    ".join(["不脆不脆，一点都不脆", "真的真的一丁点都不脆", "坑死了", "相信京东给的东西一定是好的",
                          "原来不是这样的", "好失望好失望"])
    doc = quality.Quality().process_batch([Document("r", spaced)])[0]
    assert doc.dropped is None and doc.signals["top_ngram_2"] < 0.3
    assert doc.signals["top_ngram_2"] == quality.Quality(min_chars=0).process_batch(
        [Document("r", "".join(spaced.split()))])[0].signals["top_ngram_2"]
    again = "4999买的,来咬我啊 " * 4 + "还送包和鼠标!!!哇哈哈哈哈~!!!"
    assert quality.Quality().process_batch([Document("a", again)])[0].dropped.reason == "repetition"
    dotted = "这本书本来挺喜欢的...搞得寄过来之后...发现封面的折痕特别严重。。。里面也是..特失望......下次别这样了"
    doc = quality.Quality().process_batch([Document("d", dotted)])[0]
    assert doc.dropped is None and doc.signals["top_ngram_2"] < 0.3


# documents each of `_decide`'s tests drops (and documents none does) under the defaults or the settings below
DECIDED_TEXTS = [
    # kept
    "北京是中华人民共和国的首都，是全国的政治中心、文化中心，国际交往中心和科技创新中心。它有三千多年的建城史。",
    "好好学习天天向上。" * 40,  # repetition
    "这是第一行内容很长的一句话。\n" * 6,  # duplicate_lines
    "短评。",  # too_short
    "This is an English sentence, long enough to be identified as English text by the model." * 2,  # not_chinese
    "中文 mixed with a great many Latin letters 字 and more latin letters here 们 好 的 了 吗 呢",  # low_han_share
    "".join(chr(0x4E00 + (k * 7919) % 20000) for k in range(1100)),  # long_sentence
    "".join("哈哈" + chr(0x4E00 + 37 * k) for k in range(30)),  # top_ngram
    "",
]
DECIDED = st.lists(st.sampled_from(DECIDED_TEXTS), min_size=1, max_size=12)
SETTINGS = [{}, {"languages": ()}, {"languages": ("en",)}, {"min_chars": 0}, {"min_han_share": 0.9},
            {"max_dup_line_share": 0, "max_dup_ngram_5": 0, "max_dup_ngram_10": 0, "max_top_ngram_2": 0,
             "max_sentence_chars": 0}, {"max_sentence_chars": 20, "max_top_ngram_2": 0.05}]


@given(DECIDED, st.sampled_from(SETTINGS))
@settings(max_examples=80, deadline=None)
def test_the_batch_decides_as_decide_does(texts, params):
    """`process_batch` passes on without `_decide` only documents that every test of it keeps: the decisions are
    `_decide`'s on each document's signals, under every setting (thresholds off, other languages)."""
    step = quality.Quality(**params)
    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    out = step.process_batch(docs)
    for doc in out:
        again = step._decide(Document(doc.id, doc.text, signals=dict(doc.signals)))
        assert (doc.dropped and (doc.dropped.reason, doc.dropped.detail)) == (again.dropped and (again.dropped.reason,
                                                                                    again.dropped.detail))


def test_a_document_every_test_keeps_is_not_decided_again():
    step = quality.Quality()
    docs = [Document("kept", DECIDED_TEXTS[0]), Document("short", "短评。"), Document("rep", DECIDED_TEXTS[1])]
    with mock.patch.object(quality.Quality, "_decide", autospec=True, side_effect=quality.Quality._decide) as called:
        out = step.process_batch(docs)
    assert [d.dropped.reason if d.dropped else None for d in out] == [None, "too_short", "repetition"]
    assert [c.args[1].id for c in called.call_args_list] == ["rep"]


SHORT_OR_NOT = st.lists(st.sampled_from([*DECIDED_TEXTS[:8], "短评。" * 5, "ab\n北京。" * 3, "Hi。"]), min_size=1,
                        max_size=10)


@given(SHORT_OR_NOT, st.sampled_from([1, 12, 50, 200]))
@settings(max_examples=80, deadline=None)
def test_a_too_short_document_is_measured_by_its_length_and_shares_only(texts, least):
    """A document shorter than `min_chars` carries `chars` and the four shares, the values every document gets;
    the others in its batch carry every signal, with the values and decisions they get with no length test
    (`min_chars=0`, each measured)."""
    step, every = quality.Quality(min_chars=least), quality.Quality(min_chars=0)
    out = step.process_batch([Document(str(k), t) for k, t in enumerate(texts)])
    full = every.process_batch([Document(str(k), t) for k, t in enumerate(texts)])
    cheap = ["chars", "han_share", "punct_share", "digit_share", "latin_share"]
    for doc, measured, text in zip(out, full, texts, strict=True):
        if len(text) < least:
            assert doc.dropped.reason == "too_short"
            assert list(doc.signals) == cheap
            assert doc.signals == {k: measured.signals[k] for k in cheap}
        else:
            assert doc.signals == measured.signals
            assert list(doc.signals) == list(measured.signals)
            assert (doc.dropped and doc.dropped.reason) == (measured.dropped and measured.dropped.reason)


@pytest.mark.parametrize("text,lang", [
    ("烂爆了" + "。" * 60, "zh"),  # real reviews that langid took for Japanese: punctuation is no letter
    ("T4200、1GB（三星DDR2 800）、160G（西数）、DVD刻录机（日立LG），运行算安静，发热不大", "zh"),
    ("《超昂闪忍遥》（）是2008年2月29日ALICESOFT发售的日本成人游戏。Platinum Milky于2009年8月发售。", "zh"),
    # Japanese that writes its names and nouns in kanji: a tenth of its letters or more are kana
    ("元兵庫県明石市長の\n泉房穂\n氏が２０日、７月に\n東京都知事選\nへの立候補を表明した広島県安芸高田市長の\n石丸伸二\n"
     "氏について、Ｘ（旧ツイッター）で「１期目の途中で投げ出すことも疑問だ」と批判した。", "ja"),
    # a manual page drawing a table: box drawing is no letter (Han half the letters), nor does langid see it
    ("还有一些特殊的设备文件。\n┌──────────┬────────────────────┐\n│ 设备文件 │ 说明 │\n"
     "├──────────┼────────────────────┤\n│ /dev/null │ 写入的内容都会被丢弃 │\n"
     "└──────────┴────────────────────┘", "zh"),
    # the same with its commands' Latin names outweighing the Han characters: langid decides, without the drawing
    ("下面是使用 apt(8), aptitude(8) 和 apt-get(8) / apt-cache(8) 的命令行基本软件包管理操作。\n"
     "┌──────────────────────┬──────────────────────┐\n│ apt-get install foo │ aptitude install foo │\n"
     "│ apt-get remove foo │ aptitude remove foo │\n└──────────────────────┴──────────────────────┘", "zh"),
])
def test_chinese_by_its_letters_not_its_punctuation(text, lang):
    doc = quality.Quality(min_chars=0).process_batch([Document("d", text)])[0]
    assert doc.signals["language"] == lang
