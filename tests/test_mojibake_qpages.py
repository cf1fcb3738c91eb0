"""repair.mojibake's shortcuts for pages a '?' sends to the UTF-8 repair, each a proof that leaves the output as it
was: the runs searched for a UTF-8 window only where the page's bytes may begin one (`step._utf8_runs`), and a
reading's bytes asked whether they are UTF-8 again only when they hold enough lead bytes (`gate.may_be_utf8`)."""

from __future__ import annotations

import gzip
import itertools

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.codec import LOSSY_STRETCH, utf8_spans, utf8_stretches
from taosha.repair.mojibake.gate import may_be_utf8
from taosha.repair.mojibake.redecode import _NON_ASCII_RUN
from taosha.repair.mojibake.step import _UTF8_WRONG, _utf8_codecs, _utf8_runs
from taosha.repair.mojibake.windows import _utf8_windows, holds_any

# clean GBK text (its bytes pass for 2-byte UTF-8 often), UTF-8 read as GBK and as Big5 (你好，世界！), '?', U+FFFD,
# '€' (byte 80), a letter after a Han character's bytes (鎴朘), ASCII between runs, an emoji (no GBK or Big5 bytes)
_CHARS = ("的是质量很好满意到了超赞，。！?？ aKq\n鐣浣犲ソ锛屼笘岋紒銆丆鎴朘涓€鍙瀛嗣岠€😀\ufffd"
          + "你好，世界！".encode().decode("big5", "ignore"))


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(list(_CHARS)), max_size=40))
def test_a_run_with_a_utf8_window_holds_a_place_the_page_may_begin_one(text):
    runs = _utf8_runs(text)
    assert tuple(runs) == _utf8_codecs(text)
    for wrong in _UTF8_WRONG:
        at = runs.get(wrong)
        for m in _NON_ASCII_RUN.finditer(text):
            if _utf8_windows(m.group(), wrong):
                assert wrong in runs  # (`_utf8_codecs`' own proof)
                assert at is None or holds_any(at, m.start(), m.end()), (wrong, m.group())


def test_the_places_a_window_may_begin_leave_most_runs_out():
    # 你好，世界 in UTF-8 read as GBK between clean runs: only its run is searched again
    text = "质量很好，满意。 浣犲ソ锛屼笘鐣 到了超赞?很好 的是质量"
    at = _utf8_runs(text)["gb18030"]
    assert at is not None
    held = [m.group() for m in _NON_ASCII_RUN.finditer(text) if holds_any(at, m.start(), m.end())]
    assert "浣犲ソ锛屼笘鐣" in held and "到了超赞" not in held and "的是质量" not in held


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(list(_CHARS)), max_size=24), st.sampled_from(["gb18030", "big5"]),
       st.sampled_from([None, 1, 2, 3]))
def test_too_few_lead_bytes_hold_no_utf8_stretch(text, wrong, least):
    if not may_be_utf8(text, wrong, least):
        assert utf8_stretches(text, wrong, least) == []
        if least is None:
            assert all(utf8_spans(m.group(), wrong) == [] for m in LOSSY_STRETCH.finditer(text))


def test_the_lead_bytes_test_lets_utf8_read_as_gbk_through():
    read = "你好，世界".encode().decode("gbk", "replace")  # 浣犲ソ锛屼笘鐣: UTF-8 read as GBK
    assert may_be_utf8(read, "gb18030") and utf8_stretches(read, "gb18030")
    assert not may_be_utf8("你好", "gb18030")  # C4 E3 BA C3: one lead byte of a long sequence
    assert may_be_utf8("你好\ud800", "gb18030")  # a lone surrogate: not proven


def _q_reviews(shared, n: int) -> list[str]:
    """Real shopping reviews holding a '?', from the first `n`."""
    path = shared / "corpora" / "web_text" / "online_shopping_10_cats.jsonl.gz"
    rows = (orjson.loads(line) for line in gzip.open(path, "rb"))
    return [t for r in itertools.islice(rows, n) if isinstance(t := r.get("text"), str) and "?" in t]


_PAGES = ["到了，超赞?质量很好，下次还来",
          "他说：" + "你好，世界！我们在这里".encode().decode("gbk", "replace").replace("\ufffd", "?"),
          "质量很好，满意。浣犲ソ锛屼笘鐣 到了超赞?很好", "Cooli鎴朘oelie 说?好",
          "东西不错?" + "作起中".encode().decode("big5", "replace").replace("\ufffd", "?") + "好",
          # UTF-8 encoded twice through GBK, beside a lost character
          "这是?" + "这个问题".encode().decode("gbk", "replace").encode().decode("gbk", "replace") + "，好"]


def test_the_shortcuts_change_no_output(shared, monkeypatch, outputs_in_batches):
    """The step's output with both shortcuts and without them (every run searched, every reading scanned) is the
    same, on the real reviews with a '?' and on pages that hold UTF-8 read as GBK or Big5."""
    from taosha.repair.mojibake import gate, windows
    from taosha.repair.mojibake import step as module

    texts = [*_PAGES, *_q_reviews(shared, 8000)]
    step = Mojibake()
    step.setup()

    def run() -> list[tuple]:
        return outputs_in_batches(step, texts)

    shortcut = run()
    assert any(edits for _, edits, _ in shortcut)
    monkeypatch.setattr(module, "_utf8_runs", lambda text: dict.fromkeys(_utf8_runs(text)))
    monkeypatch.setattr(windows, "may_be_utf8", lambda *args: True)
    monkeypatch.setattr(gate, "may_be_utf8", lambda *args: True)
    windows._utf8_windows.cache_clear()
    gate._utf8_explained.cache_clear()
    assert run() == shortcut


# frequent and rare characters (㐀㐁㐂㐃: rare for every script's model), line breaks, ASCII and U+FFFD
_LINE_CHARS = "的是质量很好们經濟㐀㐁㐂㐃紒?a \n\n\ufffd"


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(list(_LINE_CHARS)), max_size=60),
       st.sampled_from(["simplified", "traditional", "neutral"]))
def test_the_dense_lines_are_those_each_lines_cluster_test_finds(text, script):
    from taosha.repair.mojibake.deleted import _dense_lines
    from taosha.repair.mojibake.gate import _DENSE
    from taosha.zh.lm import for_script

    lm = for_script(script)
    expect = {k for k, line in enumerate(text.split("\n")) if lm.rare_cluster(line, *_DENSE)}
    assert _dense_lines(text, lm) == expect


def test_the_dense_lines_of_a_page():
    from taosha.repair.mojibake.deleted import _dense_lines
    from taosha.zh.lm import for_script

    # four rare characters in a row on line 1; two and two across the break between lines 2 and 3 make no cluster
    text = "质量很好\n他说㐀㐁㐂㐃好\n好的㐀㐁\n㐂㐃很好"
    assert _dense_lines(text, for_script("simplified")) == {1}


def test_question_marks_in_fluent_text_send_a_page_to_no_family(monkeypatch):
    """The null hypothesis first: a page whose only sign is '?' and whose every '?' stands between fluent text (a word,
    a question's last character or punctuation after one before it; the end, ASCII, punctuation or a word after it)
    is not read as UTF-8 nor realigned; a '?' beside garbage still is, whatever asks before it."""
    from taosha import Document
    from taosha.repair.mojibake import step as module
    from taosha.repair.mojibake.questions import plain_questions
    from taosha.zh.lm import for_script

    asked: list[str] = []
    for name in ("_utf8_runs", "repair_redecodes", "realign", "may_realign"):
        original = getattr(module, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            asked.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    step = Mojibake()
    step.setup()
    for text in ("这家酒店怎么可能是五星级的呢?酒店房间小", "是正品吗?", "为什么不喜欢?大家",
                 "东西收到了，非常满意?", "快递很快，！?"):
        assert plain_questions(text, for_script("simplified")), text
        done = step.process_batch([Document("q", text)])[0]
        assert (done.text, done.edits, asked) == (text, [], []), text
    # a '?' in mid-line after no word, one after a lost byte's garbage (凇 not rare), one before what is no word, and
    # a review's deleted bytes (the lead bytes of 后, 快) and a lost one (the lead byte of 淋) after asking words
    for text in ("到了，超赞?质量很好，下次还来", "西与森麻实郡相邻鞅庇敫衤逅固乜は嗔凇?", "是正品吗?京东，喜欢?鞅庇敫",
                 "难道是配好货物之蠓⑾植欢杂殖犊?再黏好", "为什么斓菡饷绰?，等了一个星期才到",
                 "为什么但野悴挥糜诹懿【?、脑膜炎双球菌、嗜肺性军团菌等感染。"):
        assert not plain_questions(text, for_script("simplified")), text
        asked.clear()
        done = step.process_batch([Document("q", text)])[0]
        assert "may_realign" in asked and "_utf8_runs" in asked, text
    assert "淋病菌" in done.text  # the stretch after the lost byte read (the garbage before it partly)
    done = step.process_batch([Document("q", "难道是配好货物之蠓⑾植欢杂殖犊?再黏好")])[0]
    assert done.text == "难道是配好货物之后发现不对又扯开再黏好"


def test_the_null_for_question_marks_changes_no_real_review(shared, monkeypatch, outputs_in_batches):
    """On the real reviews with a '?', the step's output is the same whether the pages whose question marks stand in
    fluent text skip the families or go through them (none of them held a repair)."""
    from taosha.repair.mojibake import step as module

    texts = _q_reviews(shared, 20000)
    step = Mojibake()
    step.setup()
    null_first = outputs_in_batches(step, texts, 1024)
    monkeypatch.setattr(module, "plain_questions", lambda text, lm: False)  # every page through the families
    assert outputs_in_batches(step, texts, 1024) == null_first


def _asking_pages(n: int, seed: int) -> list[str]:
    """Sentences of the bundled documents asked (为什么 before, 吗? after), one GBK byte of a character near the asking
    word or the end deleted or turned into '?', then read as GBK: damage beside question marks and asking words."""
    import random
    import re

    from taosha.synth.demo import clean_documents

    rng = random.Random(seed)
    sentences = [s for _, text in clean_documents() for s in re.split("[。\n]", text) if 8 <= len(s) <= 50]
    pages: list[str] = []
    while len(pages) < n:
        s = rng.choice(sentences)
        asked = rng.choice(["为什么", "怎么", "难道", "是否"]) + s + "？" if rng.random() < 0.5 else s + "吗?"
        at = rng.choice([4, 5, len(asked) - 3, len(asked) - 4])
        try:
            before, char, after = asked[:at].encode("gbk"), asked[at].encode("gbk"), asked[at + 1 :].encode("gbk")
        except UnicodeEncodeError:
            continue
        if len(char) != 2:
            continue
        char = rng.choice([char[1:], char[:1], b"?" + char[1:]])  # a lead or a trail byte deleted, a lead byte lost
        page = (before + char + after).decode("gbk", "replace").replace("\ufffd", "?")
        if "?" in page and page != asked:
            pages.append(page)
    return pages


def test_the_null_for_question_marks_loses_no_repair_beside_asking_words(monkeypatch, outputs_in_batches):
    """Pages whose lost or deleted GBK byte stands beside an asking word or a question mark are repaired as they are
    without the null hypothesis first (the garbage beside the '?' ends or begins no word)."""
    from taosha.repair.mojibake import step as module

    texts = _asking_pages(400, 7)
    step = Mojibake()
    step.setup()
    null_first = outputs_in_batches(step, texts, 1024)
    assert sum(text != page for (text, _, _), page in zip(null_first, texts, strict=True)) > 40  # repairs made
    monkeypatch.setattr(module, "plain_questions", lambda text, lm: False)
    assert outputs_in_batches(step, texts, 1024) == null_first


@pytest.mark.parametrize(("damaged", "truth"), [
    ("由於地主豪紳的抵制，該政策根本沒有推行，最終成了?口惠而實不至的蝛箄店。",
     "由於地主豪紳的抵制，該政策根本沒有推行，最終成了?口惠而實不至的空話。"),
    ("伽利略衛星是太陽蝟颱葉體積最大的數顆衛星之一?。", "伽利略衛星是太陽系中體積最大的數顆衛星之一?。"),
    ("這種計分法稱作「領先盤」。這種計分方式在職業賽中時常僅出現於最後一盤?，但亦有不少賽事僅採用甇文耦式。",
     "這種計分法稱作「領先盤」。這種計分方式在職業賽中時常僅出現於最後一盤?，但亦有不少賽事僅採用此形式。"),
])
def test_a_lost_character_in_fluent_text_does_not_spare_the_page_its_other_damage(damaged, truth):
    """The null is judged at each '?', but it spares the whole page the families: a character the site lost (an
    emoji, in fluent text, asking nothing) is no proof that the page holds no other damage, which may have no sign
    of its own (a short stretch of UTF-8 read as Big5: 空話 as 蝛箄店) and reach the repairs only through that '?'.
    A review found such repairs lost (24 exact ones on 280,000 generated pages) to a null that took lost characters
    as well as question marks; these are three of them."""
    from taosha import Document
    from taosha.repair.mojibake.questions import plain_questions
    from taosha.zh.lm import for_script

    assert not plain_questions(damaged, for_script("traditional"))
    step = Mojibake()
    step.setup()
    assert step.process_batch([Document("d", damaged)])[0].text == truth
