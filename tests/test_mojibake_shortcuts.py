"""repair.mojibake's shortcuts that leave its output as it was: the UTF-8 repair skipped on a page whose only UTF-8
sign is a '?' when no run's bytes can hold a UTF-8 window, the realignment's rare-run scan from the line's rare
characters found once, the gate's per-text loop only for the texts its batch arrays point at, and the UTF-8 windows
looked for only where a byte match is long enough to make one."""

from __future__ import annotations

import gzip
import itertools
import re

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.codec import _byte_lengths, misread_bytes
from taosha.repair.mojibake.damage import _next_damage
from taosha.repair.mojibake.gate import _suspicious_many
from taosha.repair.mojibake.step import _utf8_window_anywhere
from taosha.repair.mojibake.windows import (
    _SIGN_BYTES,
    _UTF8_WINDOW,
    _WINDOW_BYTES,
    _long_enough,
    _utf8_window_in,
    _utf8_windows,
)
from taosha.textarrays import codepoints
from taosha.zh.lm import for_script


def test_a_review_with_a_lost_character_holds_no_utf8_window():
    assert not _utf8_window_anywhere("到了，超赞?质量很好")  # the '?' an emoji the site could not encode
    assert _utf8_window_anywhere("他说：浣犲ソ?笘鐣")  # UTF-8 read as GBK, its last byte lost to '?'
    # 或 of 或Koelie in UTF-8 (E6 88 96) read with the K after it: a window only at its run's end (鎴朘)
    assert _utf8_window_anywhere("Cooli鎴朘oelie")


def test_utf8_read_as_gbk_with_a_question_mark_is_still_repaired():
    step = Mojibake()
    step.setup()
    text = "他说：" + "你好，世界！我们在这里".encode().decode("gbk", "replace").replace("\ufffd", "?")
    out = step.process(Document("d", text))
    assert out.text != text and out.signals.get("mojibake_repairs")


def test_the_utf8_shortcut_changes_no_output(monkeypatch):
    """The step's output with the shortcut and without it (every page searched run by run) is the same, on pages
    where the shortcut is taken (a '?' the only sign, no window anywhere) and pages where it is not."""
    from taosha.repair.mojibake import step as module
    from taosha.repair.mojibake.gate import _suspicious_many

    texts = ["到了，超赞?质量很好，下次还来", "东西不错?就是物流慢了点?客服态度好", "价格实惠★?包装完好",
             "他说：" + "你好，世界！我们在这里".encode().decode("gbk", "replace").replace("\ufffd", "?"),
             "要求??偨Y(jié)范文", "Cooli鎴朘oelie 说?好",
             # short UTF-8 read as GBK, its last byte lost: the gate's sign `utf8_short`, and the shortcut asked
             "质量" + "很好用".encode().decode("gbk", "replace").replace("\ufffd", "?"),
             # UTF-8 read as Big5 beside a lost character: the Big5 pass's window, none in GBK's bytes
             "东西不错?" + "作起中".encode().decode("big5", "replace").replace("\ufffd", "?") + "好",
             "东西不错?" + "水对多".encode().decode("big5", "replace").replace("\ufffd", "?") + "好",
             "下次还来" + "物流快".encode().decode("gbk", "replace").replace("\ufffd", "?") + "好评"]
    taken = [seen == {"qmark"} and not _utf8_window_anywhere(t)
             for t, seen in zip(texts, _suspicious_many(texts), strict=True)]
    assert any(taken) and not all(taken)  # both paths are exercised
    assert ("big5",) in map(module._utf8_codecs, texts)  # and the GBK pass let go where only Big5's bytes hold one
    step = Mojibake()
    step.setup()

    def run() -> list[tuple[str, dict]]:
        return [(d.text, dict(d.signals)) for t in texts for d in [step.process(Document("d", t))]]

    shortcut = run()
    monkeypatch.setattr(module, "_utf8_runs", lambda text: dict.fromkeys(module._UTF8_WRONG))
    assert run() == shortcut


def _reference_next_damage(line: str, start: int, lm) -> int | None:
    """`_next_damage` as it was, character by character (before the rare characters were found once a line)."""
    from taosha.repair.mojibake.damage import _RARE_RUN, _next_bracket, _next_glued, _next_lost

    q = _next_lost(line, start) if "?" in line else None
    for k in (_next_glued(line, start, lm), _next_bracket(line, start)):
        if k is not None and (q is None or k < q):
            q = k
    width, least = _RARE_RUN
    end = len(line) - (width - 1) if q is None else min(q, len(line) - (width - 1))
    common = lm.common
    for k in range(start, end):
        if not common[ord(line[k])] and sum(not common[ord(c)] for c in line[k + 1 : k + width]) >= least - 1:
            return k
    return q


def test_the_rare_run_scan_finds_what_a_character_by_character_scan_finds():
    import random

    lm = for_script("simplified")
    rng = random.Random(7)
    pool = "这是正常的文字然后出现了再后面又㐀㐁㐂㐃鐣岋紒浣犲?？（(jié)Koelie，。 "
    lines = ["这是正常的文字，然后㐀㐁好㐂出现了，再后面又是正常的文字？㐃"]
    lines += ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 60))) for _ in range(400)]
    found = 0
    for line in lines:
        memo: dict = {}  # one memo per line across increasing starts, as the realignment keeps it
        for start in range(len(line) + 1):
            expect = _reference_next_damage(line, start, lm)
            assert _next_damage(line, start, lm, memo) == expect, (line, start)
            found += expect is not None
    assert found > 100  # the lines hold damage to find


# what each of the gate's signs is made of: simplified and traditional text, UTF-8 read as GBK, Latin-1, a '?', dates
# read as Big5 (2016爛9堎), GBK read as Big5 (涴釱膘耟), odd pairs (汜莉), private-use and zhuyin, letters and digits
_GATE_CHARS = "经济发展們經濟浣犲ソ锛屼笘鐣岋紒ä½ å¥½?2016爛9堎ㄛ涴釱膘耟汜莉頗眸\ue4c9\ue4c7ら鎴朘abcXYZ \n\0éà()"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from(list(_GATE_CHARS)), max_size=30), max_size=10))
def test_the_gate_looks_at_every_text_a_sign_can_be_seen_in(texts):
    # the batch arrays pick the texts the per-text loop looks at: what it says of each is what looking at all says
    assert _suspicious_many(texts) == _suspicious_many(texts, every=True)


_SENTENCES = ("他在1952年出生于北京，1970年9月参加工作，这座建筑由于乡里的支持而建成。",
              "质量很好，物流也快，五星好评！", "雖然聯邦德國基本法規定西柏林隸屬於聯邦德國，2016年9月生產的產品。",
              "麥克說：日本的ゴールデン街很有名。", "Kangasmäki 30° Cooly、Koelie 或者苦力")
_DAMAGE = (("gbk", "big5"), ("big5", "gb18030"), ("utf-8", "gb18030"), ("utf-8", "big5"), ("gbk", "latin-1"),
           ("utf-8", "cp1252"))


@st.composite
def _damaged(draw) -> str:
    """A sentence with a stretch of it (or none) written in one codec and read in another."""
    text = draw(st.sampled_from(_SENTENCES))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    right, wrong = draw(st.sampled_from(_DAMAGE))
    span = text[start:end].encode(right, "replace").decode(wrong, "replace")
    return text[:start] + span + text[end:]


@settings(max_examples=300, deadline=None)
@given(st.lists(_damaged(), max_size=8))
def test_the_gate_looks_at_every_damaged_text(texts):
    assert _suspicious_many(texts) == _suspicious_many(texts, every=True)


def test_the_gate_looks_at_texts_that_one_sign_alone_sends():
    texts = ["质量很好，物流也快，五星好评！",
             # Big5's punctuation read as GB18030 after a rare character (the private-use sign alone)
             "于丹的，讲教还可以吧译注的当然是比较不上大师们的了。比较适合学生吧，做人做事的道瞶\ue4c9",
             # GBK's punctuation read as Big5 (zhuyin) dense in simplified text (the off-script density alone)
             "书页码不全，还乱序，乱七八糟的！！ㄐㄐㄐㄐㄐ"]
    seen = _suspicious_many(texts)
    assert seen == _suspicious_many(texts, every=True)
    assert seen[0] == frozenset() and seen[1] == seen[2] == frozenset({"offscript"})


def _reviews(shared, n: int) -> list[str]:
    """The first `n` real shopping reviews."""
    path = shared / "corpora" / "web_text" / "online_shopping_10_cats.jsonl.gz"
    rows = (orjson.loads(line) for line in gzip.open(path, "rb"))
    return [r["text"] for r in itertools.islice(rows, n) if isinstance(r.get("text"), str)]


def test_the_gate_on_real_reviews_looks_at_what_it_must(shared):
    texts = _reviews(shared, 4000)
    for at in range(0, len(texts), 1000):
        batch = texts[at : at + 1000]
        assert _suspicious_many(batch) == _suspicious_many(batch, every=True)


def _utf8_windows_of_every_match(run: str, wrong: str) -> list[tuple[int, int]]:
    """`_utf8_windows` as it was, each byte match mapped to the run's characters before its size is judged."""
    try:
        raw = misread_bytes(run, wrong)
    except UnicodeEncodeError:
        return []
    lengths = _byte_lengths(wrong)[codepoints(run)]
    index = {o: k for k, o in enumerate([0, *np.cumsum(lengths, dtype=np.int64).tolist()])}
    windows = []
    for m in _UTF8_WINDOW.finditer(raw):
        a, b = m.start(), m.end()
        if b not in index and b + 1 in index and raw[b] < 0x80:
            b += 1
        while a < b and a not in index:
            a += 1
        while b > a and b not in index:
            b -= 1
        if b - a >= (_SIGN_BYTES if m.group("punct") or m.group("one") else _WINDOW_BYTES):
            windows.append((index[a], index[b]))
    return windows


# GBK text (its bytes pass for 2-byte UTF-8 often), UTF-8 read as GBK and as Big5, punctuation, '€' (byte 80), a
# letter after a Han character's bytes (鎴朘), an emoji (no GBK or Big5 bytes: '?')
_RUN_CHARS = ("的是质量很好满意浣犲ソ锛屼笘鐣岋紒銆丆鎴朘涓€鍙瀛嗣岠K€P"
              + "你好，世界！".encode().decode("big5", "ignore") + "😀")


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list(_RUN_CHARS)), min_size=2, max_size=16), st.sampled_from(["gb18030", "big5"]))
def test_utf8_windows_are_those_of_every_match(run, wrong):
    windows = _utf8_windows(run, wrong)
    assert windows == _utf8_windows_of_every_match(run, wrong)
    assert _utf8_window_in(run, wrong) or not windows  # the test before them never drops one
    try:  # and says what listing every match would (its one search first is a superset of where they begin)
        raw = misread_bytes(run, wrong)
    except UnicodeEncodeError:
        return
    assert _utf8_window_in(run, wrong) == any(map(_long_enough, _UTF8_WINDOW.finditer(raw)))


def test_utf8_windows_skip_matches_too_short_to_make_one():
    run = "要一"  # GBK D2AA D2BB: two 2-byte UTF-8 sequences to a regex, 4 bytes, too short for a window
    assert re.search(_UTF8_WINDOW, misread_bytes(run, "gb18030"))
    assert not _utf8_window_in(run, "gb18030") and _utf8_windows(run, "gb18030") == []
    read = "浣犲ソ锛屼笘鐣"  # 你好，世 in UTF-8 read as GBK
    assert _utf8_window_in(read, "gb18030") and _utf8_windows(read, "gb18030")


# text around a lost character: frequent characters, ASCII words and letters (the pass's lone letter after a '?'), a
# pinyin annotation, rare characters, and GBK's bytes that pass for UTF-8 (浣犲ソ, 鎴朘)
_TEXT_CHARS = ("的是质量很好满意到了超赞，。！?？ aKq(jié)㐀鐣浣犲ソ鎴朘€😀\n"
               + "你好，世界！".encode().decode("big5", "ignore"))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list(_TEXT_CHARS)), max_size=40))
def test_no_utf8_window_anywhere_means_none_in_any_run(text):
    from taosha.repair.mojibake.redecode import _NON_ASCII_RUN

    # a run's windows (what `_best_window` judges), not only its test before them (`_utf8_window_in`, which a window
    # shrunk to its characters' edges may fail: 鎴好é)
    from taosha.repair.mojibake.step import _UTF8_WRONG, _utf8_codecs

    codecs = _utf8_codecs(text)
    for wrong in _UTF8_WRONG:
        in_a_run = any(_utf8_windows(m.group(), wrong) for m in _NON_ASCII_RUN.finditer(text))
        assert wrong in codecs or not in_a_run
    assert _utf8_window_anywhere(text) == bool(codecs)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list(_TEXT_CHARS)), max_size=40), st.sampled_from([1, 2]))
def test_a_line_without_evidence_is_realigned_nowhere_in_the_evidence_pass(line, rare):
    from taosha.repair.mojibake.fill import DocumentContext
    from taosha.repair.mojibake.realign import _no_evidence, _realign_line

    lm = for_script("simplified")
    if _no_evidence(line, lm):
        assert _realign_line(line, lm, 2.0, DocumentContext(line), strict=rare) == (line, 0)


def test_the_evidence_shortcut_changes_no_output(monkeypatch):
    """The step's output with the evidence pass's shortcut (`realign._no_evidence`) and without it is the same, on
    pages with a lost character beside fluent text and on pages whose lost bytes are established."""
    from taosha.repair.mojibake import realign as module

    texts = ["到了，超赞???", "伤透了心?！", "这个牌子的?比较一般", "装有点大，尴尬?，\n第二行也好?用",
             "华为的粉丝哟?，", "要求??偨Y(jié)范文", "做到??顚S茫M冻S小R_保", "同?r宣布，期?g不变",
             "价格实惠★?包装完好"]
    step = Mojibake()
    step.setup()

    def run() -> list[tuple[str, dict, list]]:
        return [(d.text, dict(d.signals), list(d.edits)) for t in texts for d in [step.process(Document("d", t))]]

    shortcut = run()
    assert sum(module._no_evidence(t, for_script("simplified")) for t in texts) >= 4  # the shortcut is taken
    assert any(edits for _, _, edits in shortcut)  # and pages are still repaired
    monkeypatch.setattr(module, "_no_evidence", lambda line, lm: False)
    assert run() == shortcut


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([*"的是质量很好满意，。用了U盘n多€\ufffd😀𠮷abc lq", "\ue4c9"]), max_size=40))
def test_the_runs_a_lone_byte_follows_are_those_of_every_run(line):
    from taosha.repair.mojibake.deleted import _lone_after, _runs

    # (a split run's end, an emoji, is let through: `_reads_to_lone` then says no, as for every run before)
    def followed(runs):
        return [(a, b) for a, b in runs if _lone_after(line, b)]

    assert followed(_runs(line, lone_after=True)) == followed(_runs(line))


def test_the_batch_detects_each_suspect_texts_script_as_the_repairs_would(monkeypatch):
    """The step detects its suspect texts' scripts for the batch at once (`detect_many`): its output is what each
    document detecting its own gives, debris removed or flagged, and when the batch's detection fails."""
    from taosha.repair.mojibake import step as module

    texts = ["他说：浣犲ソ锛屼笘鐣岋紒", "到了，超赞?质量很好", "質量很好锟斤拷，物流也快?", "用了U盘很好",
             "質量很好，物流快", "要求??偨Y(jié)范文", "麥康姆?X的書", "坻婓1952爛堤汜衾控儔ㄛ",
             "烫烫烫他说：浣犲ソ锛屼笘鐣", "clean text"]

    def run(step: Mojibake) -> list[tuple[str, dict, list]]:
        return [(d.text, dict(d.signals), list(d.edits))
                for d in step.process_batch([Document(str(k), t) for k, t in enumerate(texts)])]

    for debris in ("remove", "flag"):
        step = Mojibake(debris=debris)
        step.setup()
        batch = run(step)
        assert any(edits for _, _, edits in batch)
        with monkeypatch.context() as m:
            # the batch's detection fails: each document detects its own, as before the batch did
            m.setattr(module, "detect_many", lambda *a, **k: 1 / 0)
            assert run(step) == batch


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([*"的是质量好。，“”！~U盘lq€ab\n ", "\ue4c9", "\u2000", "\ufe30", "\uffef"]),
               max_size=40))
def test_the_deleted_pass_signs_are_those_of_the_look_behind_first_pattern(line):
    from taosha.repair.mojibake.deleted import _BEFORE_LONE, _SIGNS

    # the pattern as first written (its look-behind before the byte's class), as the reference
    reference = re.compile(f"[\ue000-\uf8ff]|(?<=[{_BEFORE_LONE}])[\x40-\x7e\u20ac](?=[^\x00-\x7f])")
    assert [m.span() for m in _SIGNS.finditer(line)] == [m.span() for m in reference.finditer(line)]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([*"的是好?？!)(AZaz09 \n", "ā", "ü"]), max_size=30))
def test_the_suspect_question_marks_are_those_of_the_look_behind_first_pattern(text):
    from taosha.repair.mojibake.questions import _SUSPECT_Q

    # the pattern as first written (each alternative's look-behind before its '?'), as the reference
    reference = re.compile(r"(?<=[^\x00-\x7f])\?|\?(?=[^\x00-\x7f])|(?<=\d)\?(?=\d)|(?<=[A-Z])\?(?=[A-Z])"
                           r"|(?<=[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]\))\?")
    assert [m.span() for m in _SUSPECT_Q.finditer(text)] == [m.span() for m in reference.finditer(text)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([*_TEXT_CHARS, *"們經濟發展麼鮨⊿", "Mozi", "la", "INOSAT"]), max_size=20)
                .map("".join), max_size=4),
       st.sampled_from(["simplified", "traditional", "neutral"]))
def test_a_page_that_may_not_realign_is_not_realigned(lines, script):
    from taosha.repair.mojibake.realign import may_realign, realign

    text, lm = "\n".join(lines), for_script(script)
    if not may_realign(text, lm):
        doc = Document("d", text)
        assert realign(doc, lm, 2.0, "repair.mojibake") == 0 and not doc.edits


def test_the_realign_shortcut_changes_no_output(monkeypatch):
    """The step's output with `may_realign` asked before the script's detection with slips and without it (every
    page realigned as before), on traditional news-like pages with a question mark and on damaged ones."""
    from taosha.repair.mojibake import step as module

    texts = ["臺灣新聞網報導，這次選舉會如何?專家表示，結果難以預料。\n第二段也是正常的文字。",
             "要求??偨Y(jié)范文", "到了，超赞?质量很好", "個頭一般大?乛v乛?嘿嘿", "Mozi鮨la 的瀏覽器?很好"]
    step = Mojibake()
    step.setup()

    def run() -> list[tuple[str, dict, list]]:
        return [(d.text, dict(d.signals), list(d.edits)) for t in texts for d in [step.process(Document("d", t))]]

    shortcut = run()
    assert any(edits for _, _, edits in shortcut)
    monkeypatch.setattr(module, "may_realign", lambda text, lm: True)
    assert run() == shortcut


def test_the_short_stretches_are_read_only_where_the_batch_sign_is(monkeypatch):
    """A suspect page without the batch's short-stretch sign (`odd_pairs_many`) is not read for short stretches
    (`repair_short`): the output is what reading every suspect page gives, on pages with and without the sign."""
    from taosha.repair.mojibake import step as module
    from taosha.repair.mojibake.unread import odd_pairs_many

    texts = ["热闹?由于这" + "个广".encode("gbk").decode("big5") + "场具有相当的历史",  # a '?' and a stretch
             "形成大西洋?沿岸的" + "被動大".encode("big5").decode("gb18030") + "陸邊緣，例如美國東岸。",
             "到了，超赞?质量很好", "用了U盘很好", "要求??偨Y(jié)范文", "他说：浣犲ソ锛屼笘鐣岋紒"]
    step = Mojibake()
    step.setup()

    def run() -> list[tuple[str, dict, list]]:
        return [(d.text, dict(d.signals), list(d.edits))
                for d in step.process_batch([Document(str(k), t) for k, t in enumerate(texts)])]

    signs = odd_pairs_many(texts)
    assert any(signs) and not all(signs)
    shortcut = run()
    assert any(s.get("mojibake_unrepaired") for _, s, _ in shortcut[:1])  # the stretch counted where the sign is
    assert shortcut[1][2]  # and written where it holds its own proof
    monkeypatch.setattr(module, "odd_pairs_many", lambda texts, layout=None, signs=None: [True] * len(texts))
    assert run() == shortcut


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from([*_GATE_CHARS, "\ufffd", "锟", "\u20ac", "。", "＊", "q", "l"]), max_size=20),
                max_size=8))
def test_the_batch_signs_on_the_gates_layout_are_those_on_their_own(texts):
    """`suspect_many` on the gate's batch layout (NULs after each text) says what it says on its own layout;
    `odd_pairs_many` there is a subset of its own (no pair across two texts) and still holds every text whose
    short stretches `unread` would read."""
    from taosha.repair.mojibake.deleted import suspect_many
    from taosha.repair.mojibake.gate import _Batch
    from taosha.repair.mojibake.unread import _read, odd_pairs_many

    batch = _Batch(texts)
    layout = (batch.points, batch.starts, batch.lengths)
    assert suspect_many(texts, layout) == suspect_many(texts)
    padded, own = odd_pairs_many(texts, layout), odd_pairs_many(texts)
    assert all(own[k] or not padded[k] for k in range(len(texts)))
    assert all(padded[k] or not _read(text) for k, text in enumerate(texts))


@pytest.mark.parametrize(("positions", "runs"), [([], []), ([5], [[5]]), ([3, 4, 7], [[3, 4], [7]]),
                                                 ([1, 2, 3, 5, 6, 9], [[1, 2, 3], [5, 6], [9]])])
def test_consecutive_runs(positions, runs):
    from taosha.textarrays import consecutive_runs

    assert consecutive_runs(positions) == runs


def _acted_on(texts: list[str]) -> set[int]:
    """The texts of a batch the step's batch signs send anywhere: the gate, `suspect_many`, `odd_pairs_many` (on
    the gate's layout, as the step asks them) or the debris test."""
    from taosha.repair.mojibake.deleted import suspect_many
    from taosha.repair.mojibake.gate import _Batch
    from taosha.repair.mojibake.step import _batch_signs, _has_debris
    from taosha.repair.mojibake.unread import odd_pairs_many

    batch = _Batch(texts)
    layout = (batch.points, batch.starts, batch.lengths)
    classes = np.take(_batch_signs(), batch.points)
    signs = zip(_suspicious_many(texts, batch=batch), suspect_many(texts, layout, classes),
                odd_pairs_many(texts, layout, classes), map(_has_debris, texts), strict=True)
    return {k for k, found in enumerate(signs) if any(found)}


# clean text (simplified and traditional, a lone letter beside Han characters, digits), characters that are signs
# only in numbers (odd for one side: 汜莉羲, 璣癩; reading as Big5 a frequent one: 乾想摩森藏趣), and the gate's signs
_QUIET_CHARS = "质量很好物流也快五星好评与这问补，。！的是了區總觀們UK5 汜莉羲璣癩乾想摩森藏趣"
_LOUD_CHARS = _GATE_CHARS + "烫屯锟\ufffd€＊"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_damaged(), st.text(st.sampled_from(list(_QUIET_CHARS)), max_size=30),
                          st.text(st.sampled_from(list(_QUIET_CHARS + _LOUD_CHARS)), max_size=30)), max_size=10))
def test_the_texts_let_go_as_clean_are_none_a_sign_sends(texts):
    from taosha.repair.mojibake.step import _loud

    assert _acted_on(texts) <= set(_loud(texts))


@pytest.mark.parametrize("text", ["质量汜羲好",  # two odd characters of a simplified page's off side, near
                                  "质量乾想摩森藏趣",  # four in a row whose bytes read as Big5 make frequent ones
                                  "这是璣癩",  # the other script's own characters (and odd ones) in a page
                                  "买了U盘很好",  # a lone byte between Han characters
                                  "到了，超赞?质量很好"])  # a '?'
def test_each_sign_alone_makes_a_page_loud(text):
    from taosha.repair.mojibake.step import _loud

    assert _acted_on([text]) == {0} and _loud([text]) == [0]
    assert _loud(["质量很好", text, "质量很好"]) == [1]  # (and no other page of its batch)


def test_the_windows_hits_are_the_sums_hot_bits():
    from taosha.repair.mojibake.step import _COUNTS, _HOT, _NEAR, _WINDOW_HITS

    # every sum a window of `_NEAR` characters can make (each field 0-4): a hit exactly where a hot bit is set
    sums = [k for k in range(_COUNTS + 1) if max(k & 7, k >> 3 & 7, k >> 6) <= _NEAR]
    assert all(bool(_WINDOW_HITS[k]) == bool(k & _HOT) for k in sums)
    assert _WINDOW_HITS[2] and _WINDOW_HITS[2 << 3] and _WINDOW_HITS[4 << 6] and not _WINDOW_HITS[1 | 1 << 3 | 3 << 6]


def test_clean_pages_are_let_go_before_the_gate():
    from taosha.repair.mojibake.step import _loud

    texts = ["质量很好，物流也快，五星好评！", "", "iPhone 15 很好用", "到了，超赞?质量很好",
             "他说：浣犲ソ锛屼笘鐣岋紒", "买了U盘很好"]
    assert _loud(texts) == [3, 4, 5]  # a '?'; UTF-8 read as GBK; a letter between Han characters (a lone byte?)


def test_the_clean_page_shortcut_changes_no_output(monkeypatch):
    """The step's output on a mixed batch with the shortcut and with every text sent to the gate is the same."""
    from taosha.repair.mojibake import step as module

    texts = [*_SENTENCES, "到了，超赞?质量很好", "他说：浣犲ソ锛屼笘鐣岋紒", "买了U盘很好", "坻婓1952爛堤汜衾控儔ㄛ",
             "常见的“烫烫烫”和锟斤拷", "宏\ufffd电脑", "要求??偨Y(jié)范文", ""]
    step = Mojibake()
    step.setup()

    def run() -> list[tuple]:
        out = step.process_batch([Document(str(k), t) for k, t in enumerate(texts)])
        return [(d.text, d.edits, d.signals) for d in out]

    shortcut = run()
    assert any(edits for _, edits, _ in shortcut)
    monkeypatch.setattr(module, "_loud", lambda texts: list(range(len(texts))))
    assert run() == shortcut


def test_the_clean_page_shortcut_on_real_reviews(shared):
    from taosha.repair.mojibake.step import _loud

    texts = _reviews(shared, 4000)
    for at in range(0, len(texts), 256):
        batch = texts[at : at + 256]
        loud = _loud(batch)
        assert _acted_on(batch) <= set(loud)
        assert len(loud) < len(batch) / 2  # most real pages are let go


@settings(max_examples=200, deadline=None)
@given(st.one_of(_damaged(), st.text(st.sampled_from(list(_QUIET_CHARS + _LOUD_CHARS)), max_size=30)))
def test_a_page_without_rare_characters_has_nothing_utf8_explains(text):
    """What the gate's shortcut before `utf8_explained` assumes: a page with no rare character (the batch's flags
    say so) has no stretch that UTF-8 explains, read as either codec."""
    from taosha.repair.mojibake.gate import RARE, _gate_table, utf8_explained

    if not (_gate_table()[codepoints(text)] & RARE).any():
        assert utf8_explained(text, "big5") == [] and utf8_explained(text, "gb18030") == []
