"""repair.mojibake's faster forms of its searches and batch signs, each held to the form first written: the same
matches (or, where only whether one exists is asked, the same answer) on generated text and bytes."""

from __future__ import annotations

import codecs
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.repair.mojibake.codec import _utf8_piece
from taosha.repair.mojibake.evidence import _SPUN, SPUN_AS_WRITTEN
from taosha.repair.mojibake.gate import BRACKET, GLUED, LETTER, RARE, _Batch, _short_utf8
from taosha.repair.mojibake.step import _ABOUT_ENCODING, _UTF8_ANYWHERE, _UTF8_LONG, ABOUT_ENCODING_AS_WRITTEN
from taosha.repair.mojibake.windows import (
    _LONG_SEQ,
    _LONG_WINDOW_AT,
    _UTF8_LONG_WINDOW,
    _UTF8_SEQ,
    _UTF8_WINDOW,
    _WINDOW_AT,
    _long_enough,
    lead_first,
    long_matches,
    may_hold_long,
)
from taosha.textarrays import lay_out, per_text

# bytes that make, break and end UTF-8 sequences: lead bytes of each length, continuation bytes, the punctuation
# marks' (E3 80, EF BC/BD, E2 80) and ASCII letters and others
_BYTES = st.binary(max_size=60).map(lambda raw: bytes(
    (0xC3, 0xE3, 0x80, 0x81, 0xBF, 0xEF, 0xBC, 0xBD, 0xE2, 0x94, 0xE6, 0xF0, 0x90, 0x41, 0x7A, 0x20, 0xC1, 0xF5,
     0xB8, 0xA6)[b % 20] for b in raw))


def _matches(pattern: re.Pattern[bytes], raw: bytes) -> list:
    return [(m.span(), m.groupdict()) for m in pattern.finditer(raw)]


@settings(max_examples=500, deadline=None)
@given(_BYTES)
def test_the_utf8_searches_behind_a_lead_byte_find_the_same_matches(raw):
    anywhere = re.compile(_UTF8_WINDOW.pattern.replace(rb"\Z", b""))
    long = re.compile(_LONG_SEQ + anywhere.pattern[len(_UTF8_SEQ.pattern) :])
    for fast, written in ((_WINDOW_AT, _UTF8_WINDOW), (_LONG_WINDOW_AT, _UTF8_LONG_WINDOW),
                          (_UTF8_ANYWHERE, anywhere), (_UTF8_LONG, long)):
        assert _matches(fast, raw) == _matches(written, raw)
        for end in (len(raw), len(raw) // 2):  # and at the end of a run's bytes (the `\Z` of a Han character)
            assert _matches(fast, raw[:end]) == _matches(written, raw[:end])


def test_lead_first_holds_the_gbk_bytes_of_text():
    text = "他说：浣犲ソ锛屼笘鐣岋紒Cooli鎴朘oelie，质量很好、物流也快"
    for codec in ("gb18030", "big5"):
        raw = text.encode(codec, "replace")
        assert _matches(lead_first(_UTF8_WINDOW.pattern), raw) == _matches(_UTF8_WINDOW, raw)


# the first characters of the words, their other cases, and the characters that case-fold to a Latin letter (K, ſ,
# İ, ı): a page about encodings in any case
_ABOUT_CHARS = [*"乱亂码碼编編解显顯示成字符元集GBKgbk2312UTF-8utf8Big5bIG5UnicodeUNICODEmojibakeMOJIBAKE x",
                "\u212a", "\u017f", "\u0130", "\u0131"]
_ABOUT_WORDS = ["乱码", "亂碼", "编码", "編碼", "解码", "解碼", "显示成", "顯示成", "字符集", "字元集", "GBK", "gb2312",
                "UTF8", "utf-8", "Big5", "UNICODE", "mojibake", "gb\u212a", "MOJIBA\u212aE", "乱碼", "编碼"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_ABOUT_CHARS), st.sampled_from(_ABOUT_WORDS)), max_size=12).map("".join))
def test_about_encoding_opening_with_its_first_characters_says_what_the_alternation_says(text):
    assert bool(_ABOUT_ENCODING.search(text)) == bool(ABOUT_ENCODING_AS_WRITTEN.search(text))


def test_about_encoding_knows_the_words_in_any_case():
    for text in ("本文讲乱码", "GB2312 的页面", "saved as utf8", "BIG5", "Unicode 字符", "mojibake"):
        assert _ABOUT_ENCODING.search(text) and ABOUT_ENCODING_AS_WRITTEN.search(text)
    for text in ("乱碼", "编碼", "解析", "GB", "UTF", "Big", "质量很好"):
        assert not _ABOUT_ENCODING.search(text) and not ABOUT_ENCODING_AS_WRITTEN.search(text)


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from([*"环境(huán)（jìng）a)zü经济 ", "ǚ"]), max_size=24))
def test_spun_found_from_its_bracket_is_found_where_the_pattern_as_written_is(text):
    found, written = _SPUN.search(text), SPUN_AS_WRITTEN.search(text)
    assert bool(found) == bool(written)
    if found:
        assert found.start() == written.start() + 1


# the gate's flags for its signs: UTF-8 read as GBK (浣犲ソ, 銆丆ooly), a bracket that lost its first byte, letters,
# rare characters and clean text
_GATE_CHARS = "浣犲ソ锛屼笘鐣岋紒銆丆ooly鎴朘oelie经济发展質量們abcXYZ \n\0?（）《》ǎ瞶\ue4c9"


def _glued_as_written(batch: _Batch) -> np.ndarray:
    g, letter = batch.mask(GLUED), batch.mask(LETTER)
    hit = np.zeros(len(g), dtype=bool)
    hit[1:-1] = g[1:-1] & ((letter[:-2] & letter[2:]) | (batch.mask(RARE)[1:-1] & (letter[:-2] | letter[2:])))
    hit[1:-1] |= batch.mask(BRACKET)[1:-1] & ~letter[:-2] & letter[2:]
    return batch.count(hit) > 0


def _short_as_written(batch: _Batch) -> np.ndarray:
    hit = np.zeros(len(batch.flags), dtype=bool)
    if len(batch.flags) > 2:
        hit[_short_utf8(batch.flags)] = True
    return batch.count(hit) > 0


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(st.sampled_from(list(_GATE_CHARS)), max_size=30), max_size=10))
def test_the_batch_signs_from_their_few_positions_are_those_of_the_whole_batch(texts):
    batch = _Batch(texts)
    assert batch.glued().tolist() == _glued_as_written(batch).tolist()
    assert batch.short_utf8().tolist() == _short_as_written(batch).tolist()
    assert batch.present().tolist() == per_text(np.bitwise_or, batch.flags, batch.starts, batch.lengths).tolist()


def test_the_short_utf8_sign_is_seen():
    texts = ["质量很好", "他说：浣犲ソ锛屼笘鐣岋紒", "銆丆ooly", ""]
    batch = _Batch(texts)
    assert batch.short_utf8().tolist() == _short_as_written(batch).tolist() == [False, True, True, False]


@settings(max_examples=500, deadline=None)
@given(_BYTES)
def test_the_long_matches_are_those_of_a_scan_of_every_match(raw):
    anywhere = re.compile(_UTF8_WINDOW.pattern.replace(rb"\Z", b""))
    for matches, long in ((_WINDOW_AT, _LONG_WINDOW_AT), (_UTF8_ANYWHERE, _UTF8_LONG)):
        for end in (len(raw), len(raw) // 2):
            every = [(m.span(), m.groupdict()) for m in matches.finditer(raw[:end]) if _long_enough(m)]
            assert [(m.span(), m.groupdict()) for m in long_matches(raw[:end], matches, long)] == every
    assert [m.span() for m in long_matches(raw, _UTF8_ANYWHERE, _UTF8_LONG)] == [
        m.span() for m in anywhere.finditer(raw) if _long_enough(m)]


def test_the_long_matches_of_gbk_bytes_with_ascii_between():
    # short matches (GBK's own bytes, two 2-byte sequences) before, ASCII between, a long one after
    raw = "质量好 ok 他说：浣犲ソ锛屼笘鐣岋紒 and 鎴朘".encode("gb18030")
    every = [m.span() for m in _WINDOW_AT.finditer(raw) if _long_enough(m)]
    assert every and [m.span() for m in long_matches(raw, _WINDOW_AT, _LONG_WINDOW_AT)] == every


def _suspect_as_written(texts, layout=None):
    """`deleted.suspect_many` as first written: every class by comparisons over the whole batch."""
    from taosha.repair.mojibake.deleted import _symbol_lone

    if not texts:
        return []
    points, starts, lengths = layout if layout is not None else lay_out(texts)
    sign = (points == 0xFFFD) | ((points >= 0xE000) & (points <= 0xF8FF)) | (points == ord("锟"))
    han = ((points >= 0x4E00) & (points <= 0x9FFF)) | ((points >= 0xE000) & (points <= 0xF8FF))
    symbol = ((points >= 0x2000) & (points <= 0x33FF)) | ((points >= 0xFE30) & (points <= 0xFFEF))
    trail = ((points >= 0x40) & (points <= 0x7E)) | (points == 0x20AC)
    lone = np.zeros(len(points), dtype=bool)
    after_symbol = np.zeros(len(points), dtype=bool)
    lone[1:-1] = han[:-2] & trail[1:-1] & (points[2:] >= 0x80)
    after_symbol[1:-1] = symbol[:-2] & trail[1:-1] & (points[2:] >= 0x80)
    edges = np.concatenate((starts, np.maximum(starts + lengths - 1, 0)))
    lone[edges] = after_symbol[edges] = False
    for k in np.flatnonzero(after_symbol):
        lone[k] = _symbol_lone(chr(points[k - 1]), chr(points[k]))
    found = per_text(np.bitwise_or, sign | lone, starts, lengths) > 0
    return [bool(f) or _glued_end_as_written(text) for f, text in zip(found.tolist(), texts, strict=True)]


def _glued_end_as_written(text):
    """The deleted pass's glued end (a Han character whose second GBK byte is the letter or hyphen after it, read
    with the character before it: `deleted._reads_glued`), one text at a time and character by character."""
    from taosha.repair.mojibake.deleted import _SCRIPT_REACH, _reads_glued
    from taosha.repair.mojibake.gate import GLUED, SIMP_ONLY, TRAD_ONLY, _gate_table
    from taosha.zh.lm import for_script

    table = _gate_table()
    for i in range(1, len(text) - 1):  # a text's first and last characters are not looked at
        c, nxt = text[i], text[i + 1]
        if not ("\u4e00" <= c <= "\u9fff" or "\ue000" <= c <= "\uf8ff"):
            continue
        if not (nxt.isascii() and (nxt.isalpha() or nxt == "-")) or not table[min(ord(c), len(table) - 1)] & GLUED:
            continue
        near = [table[min(ord(x), len(table) - 1)] for x in text[max(0, i + 1 - _SCRIPT_REACH):i + 1 + _SCRIPT_REACH]]
        simplified = sum(1 for t in near if t & SIMP_ONLY) > sum(1 for t in near if t & TRAD_ONLY)
        if _reads_glued(text[i - 1:i + 2], 2, for_script("simplified" if simplified else "traditional")):
            return True
    return False


# a deleted byte's signs: a letter or the euro sign between Han characters (用了U盘), after a symbol or a full-width
# form (尽逐０l現, ！~), private-use characters, U+FFFD, 锟; clean text, and empty texts
_DELETED_CHARS = [*"的是质量好。，“”！~U盘lq€ab\n 锟０現\ufffd", "\ue4c9", "\u2000", "\ufe30", "\uffef", "尽", "逐"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(st.sampled_from(_DELETED_CHARS), max_size=20), max_size=8))
def test_the_deleted_signs_from_their_classes_are_those_of_the_comparisons(texts):
    from taosha.repair.mojibake.deleted import suspect_many
    from taosha.repair.mojibake.step import _batch_signs
    from taosha.repair.mojibake.unread import odd_pairs_many

    assert suspect_many(texts) == _suspect_as_written(texts)
    batch = _Batch(texts)
    layout = (batch.points, batch.starts, batch.lengths)
    classes = np.take(_batch_signs(), batch.points)
    assert suspect_many(texts, layout, classes) == _suspect_as_written(texts, layout)
    assert odd_pairs_many(texts, layout, classes) == odd_pairs_many(texts, layout)


def _rare_cluster_as_written(lm, text: str, window: int, count: int) -> bool:
    """`CharLM.rare_cluster` on a long text as first written: the sums of every window."""
    rare = 1 - lm.common[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)].astype(np.int32)
    if rare.sum() < count:
        return False
    if len(rare) < window:
        return int(rare.sum()) >= count
    return bool(np.convolve(rare, np.ones(window, dtype=np.int32), mode="valid").max() >= count)


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from([*"的是了我不人在他有这", *"鲵犀龘靐齉爩鱻麤"]), min_size=17, max_size=60),
       st.integers(1, 10), st.integers(1, 5))
def test_a_rare_cluster_from_the_rare_positions_is_one_of_the_window_sums(text, window, count):
    from taosha.zh.lm import for_script

    lm = for_script("simplified")
    assert lm.rare_cluster(text, window, count) == _rare_cluster_as_written(lm, text, window, count)


_SIMPLIFIED = ("质量很好，物流也快，五星好评！", "他在1952年出生于北京，1970年9月参加工作。",
               "这座建筑由于乡里的支持而建成。")
_TRADITIONAL = ("雖然聯邦德國基本法規定西柏林隸屬於聯邦德國，2016年9月生產的產品。", "麥克說：日本的街很有名。",
                "形成大西洋沿岸的" + "被動大".encode("big5").decode("gb18030") + "陸邊緣",
                "2016" + "年9月".encode("big5").decode("gb18030", "replace") + "的產品", "頗眸轂汜莉質條")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_SIMPLIFIED), min_size=8, max_size=16),
       st.lists(st.sampled_from(_TRADITIONAL + tuple(t.encode("gbk").decode("big5", "replace") for t in _SIMPLIFIED)),
                min_size=1, max_size=3), st.randoms())
def test_a_side_few_texts_are_off_on_is_measured_on_them_as_on_the_batch(simplified, traditional, random):
    from taosha.repair.mojibake.gate import _suspicious_many

    texts = simplified + traditional
    random.shuffle(texts)
    # the few traditional (or misread) pages measured as a batch of their own: what measuring the whole batch says
    assert _suspicious_many(texts) == _suspicious_many(texts, every=True)


@settings(max_examples=500, deadline=None)
@given(_BYTES)
def test_the_byte_class_prefilter_passes_every_bytes_a_long_match_is_in(raw):
    # `may_hold_long` saying no must prove that neither search finds a long match's beginning
    if _LONG_WINDOW_AT.search(raw) or _UTF8_LONG.search(raw) or _LONG_WINDOW_AT.search(raw + b"A"):
        assert may_hold_long(raw)


def test_the_byte_class_prefilter_lets_most_gbk_text_go_and_keeps_utf8():
    assert not may_hold_long("我们今天去买了一些东西，质量很好".encode("gbk"))
    assert may_hold_long("你好".encode()) and may_hold_long("、".encode())
    assert may_hold_long(b"\xc3\xa9\xc3\xa9\xc3\xa9") and not may_hold_long(b"\xc3\xa9\xc3\xa9")
    assert list(long_matches("我们今天去买了一些东西".encode("gbk"), _WINDOW_AT, _LONG_WINDOW_AT)) == []


_PIECE_BYTES = (0x00, 0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE4, 0xED, 0xEF, 0xF0,
                0xF4, 0xF5, 0xFF)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_PIECE_BYTES), max_size=10))
def test_a_utf8_piece_is_what_an_incremental_decoder_keeps(values):
    raw = bytes(values)
    k = 0
    while k < len(raw) and k < 3 and 0x80 <= raw[k] <= 0xBF:
        k += 1
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw[k:], False)
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert _utf8_piece(raw) is expected


def test_a_utf8_piece_keeps_the_prefixes_only_the_incremental_decoder_keeps():
    # (ED A0 is a surrogate's first bytes: the stateless decoder calls it invalid, the incremental one waits)
    assert _utf8_piece(b"\xe4\xbd\xa0\xed\xa0") and _utf8_piece(b"\xe4\xbd")
    assert not _utf8_piece(b"\xe4\x41\xbd\xa0\xa0")
