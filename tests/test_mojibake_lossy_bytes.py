"""UTF-8 read as GBK/GB18030 with errors="replace": each U+FFFD one rejected byte, read back where the bytes say
(`repair.mojibake.lossy`); a character whose byte they do not determine stays U+FFFD, never a guess."""

from __future__ import annotations

import codecs
import re

import pytest

from taosha import Document, restore_original
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.lossy import CP936, GB18030, GBK, _rejected, read_lossy_utf8

SENTENCES = [
    "我们要推动经济发展，实现乡村振兴的目标。",
    "这家店的衣服质量很好，价格也合理，物流速度快，下次还会再来购买。",
    "今天天气很好，我们一起去公园散步吧。",
    "衞生署呼籲市民不要購買或服用一種名為糖保的口服產品，因為產品含三種未標示西藥成分。",
]


@pytest.fixture(scope="module")
def step():
    s = Mojibake()
    s.setup()
    return s


def faithful(out: str, truth: str) -> bool:
    """Whether `out` is `truth` with some characters U+FFFD (lost), and nothing else changed."""
    return re.fullmatch("".join("." if c == "\ufffd" else re.escape(c) for c in out), truth, re.S) is not None


def test_the_bytes_a_lost_one_may_have_been():
    gb18030, gbk, cp936 = frozenset({GB18030}), frozenset({GBK}), frozenset({CP936})
    for following in (0x81, 0xA1, 0xB8, 0xE4, 0xEF, 0xFE):
        assert _rejected(following, gb18030) == (0x80,)  # Python's GB18030 maps every pair
    # Python's GBK also rejects the leads of its user-defined pairs (振 is E6 8C AF: AF E5 is no GBK pair) and of
    # its undefined ones (面 is E9 9D A2: A2 E3 is none either); code page 936 reads 80 as € and the user-defined
    # pairs as private-use characters, and rejects the undefined ones' leads only
    assert {0x80, 0xAF, 0xA2} <= set(_rejected(0xE5, gbk)) | set(_rejected(0xE3, gbk))
    assert 0xA2 in _rejected(0xE3, cp936) and not {0x80, 0xAF} & set(_rejected(0xE5, cp936))


@pytest.mark.parametrize("truth", SENTENCES)
def test_utf8_read_as_gb18030_comes_back_but_its_last_lost_byte(step, truth):
    damaged = truth.encode("utf-8").decode("gb18030", "replace")
    doc = step.process(Document("d", damaged))
    assert restore_original(doc) == damaged
    # the final 。 (E3 80 82) lost its last byte at the end: 64 characters are possible, none is written
    assert doc.text == truth[:-1] + "\ufffd"
    assert doc.signals["mojibake_unrepaired"] >= 1


@pytest.mark.parametrize("truth", SENTENCES)
def test_utf8_read_as_gbk_is_read_where_the_bytes_say_and_marked_where_not(step, truth):
    damaged = truth.encode("utf-8").decode("gbk", "replace")
    doc = step.process(Document("d", damaged))
    assert faithful(doc.text, truth)
    assert doc.text.count("\ufffd") < len(truth) / 2  # more read than lost


def test_a_browsers_euro_is_byte_80_and_pythons_is_a2_e3(step):
    # 慢。 is E6 85 A2 E3 80 82: Python's GB18030 reads A2 E3 as €, then rejects 80; a browser reads 80 as €
    truth = "手机反应较缓慢。中西自助餐厅的服务比较慢。"
    python = truth.encode("utf-8").decode("gb18030", "replace")
    assert "€\ufffd" in python
    assert step.process(Document("d", python)).text == truth[:-1] + "\ufffd"
    truth = "你好，世界。这是一个测试。"
    browser = truth.encode("utf-8").decode("gb18030", "browser-euro")
    assert "屻€傝" in browser and browser.endswith("曘€\ufffd")  # (the last byte, 82, a lead without its trail)
    doc = Document("d", browser)
    assert read_lossy_utf8(doc, 2.0, "repair.mojibake")[0] == 1
    assert doc.text == truth[:-1] + "\ufffd"


def test_a_browsers_euro_is_told_by_the_bytes_around_it(step):
    # a browser reads both A2 E3 and 80 as €: 财。 is E8 B4 A2 E3 80 82, `璐€€` + U+FFFD (its first € as 80: 贀)
    truth = "很不错的洗护产品11，买很多次了都是特价买的，非常棒的自营商品，希望东哥多多做活动。感谢东哥让我发财。"
    browser = truth.encode("utf-8").decode("gb18030", "browser-euro")
    assert "璐€€\ufffd" in browser
    assert faithful(step.process(Document("d", browser)).text, truth)


def _browser_euro(err: UnicodeDecodeError) -> tuple[str, int]:
    """A browser's GB18030 decoder: byte 80 is €, any other byte it rejects U+FFFD."""
    return ("€" if err.object[err.start] == 0x80 else "\ufffd"), err.start + 1


codecs.register_error("browser-euro", _browser_euro)


def test_clean_text_with_a_lost_character_is_left(step):
    for text in ("这是正常的文字\ufffd后面也正常。", "价格\ufffd\ufffd元，质量很好。", "\ufffd\ufffd\ufffd"):
        doc = Document("d", text)
        assert read_lossy_utf8(doc, 2.0, "repair.mojibake")[:2] == (0, frozenset())
        assert step.process(Document("d", text)).text == text


def test_what_a_reading_wrote_is_not_read_again(step):
    # 喔 of a reading is E0 B8 in GB18030's bytes, a 3-byte UTF-8 lead with the U+FFFD after it: it stays
    truth = "电池  显示只能用四小时  喔第一次充了15小时的电还不行   还沉"
    doc = step.process(Document("d", truth.encode("utf-8").decode("gbk", "replace")))
    assert faithful(doc.text, truth)
    assert "喔" in doc.text


def test_real_reviews_read_as_gb18030_come_back_faithfully(step, shared):
    import gzip

    import orjson

    path = shared / "corpora" / "web_text" / "online_shopping_10_cats.jsonl.gz"
    rows = (orjson.loads(line) for line in gzip.open(path))
    texts = [r["text"] for r in rows if isinstance(r.get("text"), str) and 30 < len(r["text"]) and "?" not in r["text"]]
    texts = texts[1::150][:150]  # (odd lines: the seeds the margin was measured on drew from every line)
    # (Python's GBK leaves most lost bytes several characters: those stay U+FFFD, one for each lost byte at most)
    for codec, least in (("gb18030", 0.5), ("gbk", 1.0)):
        damaged = [t.encode("utf-8").decode(codec, "replace") for t in texts]
        out = [step.process(Document(str(k), d)).text for k, d in enumerate(damaged)]
        kept = sum(faithful(o, t) for o, t in zip(out, texts, strict=True))
        assert kept >= 0.97 * len(texts), (codec, kept)
        lost = sum(o.count("\ufffd") for o in out)
        assert lost <= least * sum(d.count("\ufffd") for d in damaged), codec


@pytest.mark.parametrize("truth", SENTENCES)
def test_a_lost_byte_saved_as_gbk_again_is_a_question_mark_read_the_same(step, truth):
    # the mojibake saved as GBK once more: GBK has no U+FFFD, its encoder wrote '?'
    damaged = truth.encode("utf-8").decode("gb18030", "replace").replace("\ufffd", "?")
    doc = step.process(Document("d", damaged))
    assert restore_original(doc) == damaged
    assert faithful(doc.text, truth)
    assert doc.text.count("\ufffd") <= 1  # (the last 。 lost its last byte at the end)


def test_a_question_mark_after_mojibake_stays_a_question_mark(step):
    # 吗? as UTF-8 read as GB18030: 吗's last byte and the '?' make no pair, so the byte is lost and the '?' stays
    truth = "这件衣服的质量到底怎么样，你们有谁买过吗?"
    damaged = truth.encode("utf-8").decode("gb18030", "replace").replace("\ufffd", "?")
    assert damaged.endswith("鍚??")
    out = step.process(Document("d", damaged)).text
    assert faithful(out, truth) and out.endswith("\ufffd?")


def test_odd_runs_of_lost_bytes_are_read_or_left_whole(step):
    # two lost bytes in a row, a lone surrogate after a U+FFFD, a long line of them
    truth = "我们要推动经济发展，实现乡村振兴的目标。"
    raw = truth.encode("utf-8")
    two_lost = raw[:30].decode("gb18030", "replace") + "\ufffd\ufffd" + raw[32:].decode("gb18030", "replace")
    for text in (two_lost, "涓\ufffd\ud800涓\ufffd", "涓\ufffd\ufffd" * 3000):
        doc = step.process(Document("d", text))
        assert restore_original(doc) == text
    # (实's first two bytes lost: its last one and 现, read out of step as 炵幇, are left; the rest is read)
    out = step.process(Document("d", two_lost)).text
    assert out.startswith("我们要推动经济发展，\ufffd\ufffd") and "乡村振兴的目标" in out


@pytest.mark.parametrize(("damaged", "truth"), [
    # (a review found these) the model chose the frequent character among a lost byte's candidates: 副 for 剪
    ("灏忎笁鍓\ufffd浣撴瘺", "小三剪体毛"),
    ("鈥樹笉蹇\ufffd涓嶆眰锛屼綍鐢ㄤ笉鑷э紵鈥\ufffd", "‘不忮不求，何用不臧？’"),
    # a private-use character on another line is the page's own: it says nothing of the decoder (挀 for 振)
    ("\ue000\n瀹炵幇涔℃潙鎸\ufffd鍏寸殑鐩\ufffd鏍\ufffd", "\ue000\n实现乡村振兴的目标"),
])
def test_a_lost_byte_the_bytes_do_not_name_is_lost(step, damaged, truth):
    assert faithful(step.process(Document("d", damaged)).text, truth)


def test_a_page_read_once_as_gbk_is_not_read_again_where_its_readings_hold_no_second_layer(step, monkeypatch):
    # a stretch the first pass leaves (kana between ASCII marks) is no second layer of a page encoded twice: a second
    # pass over the whole page read the middle layer of 「ストッ� and wrote 「\ufffd攻去\ufffd
    truth = "这部作品的日文原名是「ストップ!!ひばりくん!」，在日本的周刊少年杂志上连载了三年，后来由台湾的出版社引进。"
    passes = []
    repairs = Mojibake._repairs

    def counted(self, doc, seen, *args):
        passes.append(seen)
        return repairs(self, doc, seen, *args)

    monkeypatch.setattr(Mojibake, "_repairs", counted)
    doc = step.process(Document("d", truth.encode("utf-8").decode("gbk", "replace")))
    assert restore_original(doc) == truth.encode("utf-8").decode("gbk", "replace")
    assert len(passes) == 1 and "攻去" not in doc.text
    assert doc.text.startswith("这部作品的日文原名是「ストッ") and doc.text.endswith("后来由台湾的出版社引进\ufffd")


@pytest.mark.parametrize(("before", "twice", "after"), [
    ("包装很不错，单果250g左右。挺不错的", "值得收藏", "~~，也很便宜"),
    ("第一次发货少了一条，价格贵， ", "价格贵， ", "价格贵， 每二次发过来的和第一次的有色差"),
])
def test_a_page_read_once_with_a_phrase_encoded_twice_is_read_again_once_that_phrase_is(step, before, twice, after):
    # the first pass withholds the page's other readings beside the phrase's middle layer, or reads the phrase through
    # both layers at once: the page is read again once it is undone (a review's reproducer; both were left mojibake)
    def once(text):
        return text.encode("utf-8").decode("gb18030", "replace")

    page = once(before) + once(twice).encode("utf-8").decode("gb18030") + once(after)
    doc = step.process(Document("d", page))
    assert restore_original(doc) == page
    assert faithful(doc.text, before + twice + after)
    assert doc.text.count("\ufffd") <= 2


def test_a_stretch_read_once_takes_the_euro_sign_as_byte_80():
    """The second pass's check reads an edited stretch's bytes as GBK's decoders made them: € is byte 80 (一 read as
    GBK is 涓€), not GB18030's A2 E3; a lone surrogate has no bytes and reads as '?'."""
    from taosha.repair.mojibake.step import _read_once

    assert _read_once("涓€") == "一"
    assert _read_once("浣犲ソ") == "你好"
    assert _read_once("a\ud800b") == "a?b"
