"""repair.mojibake on pages the gate suspects of GBK <-> Big5 (`rare`, `offscript`): what each page's passes share
leaves every output as it was. The per-character gains of a pass's text are measured once and sliced per run
(`windows.PageReadings`: the same values as a run's own arrays), Kadane's scan starts only where a gain is positive
(`windows._gaining_segments`: the same segments), the stretches `gate._utf8_explained` scans are found with numpy
(the same as `LOSSY_STRETCH`'s), and the gate's answers of `utf8_explained` serve the page's repairs (`known`)."""

from __future__ import annotations

import gzip
import itertools
import random

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.codec import LOSSY_STRETCH, utf8_spans, utf8_stretches
from taosha.repair.mojibake.gate import RARE, _gate_table, _utf8_explained, may_be_utf8, utf8_explained
from taosha.repair.mojibake.redecode import _PAIR_RUN, _PAIR_RUN_OR_PUA, _PAIR_RUN_OR_ZHUYIN
from taosha.repair.mojibake.windows import (
    PageReadings,
    _as_is,
    _gain_arrays,
    _gaining_segments,
    _pair_windows,
    _run_gains,
)
from taosha.textarrays import codepoints
from taosha.zh.lm import for_script

_SIMPLIFIED = "我们今天去北京看了一场电影，质量很好，由于乡里的人都来了。2016年9月"
_TRADITIONAL = "我們今天去北京看了一場電影，經濟發展很快，紅樓夢的故事。1998年"
# GBK read as Big5 and Big5 read as GBK (as GB18030), each decoder's replacement kept, and UTF-8 read as each
_MISREAD = (_SIMPLIFIED.encode("gbk").decode("big5", "replace")
            + _TRADITIONAL.encode("big5").decode("gb18030", "replace")
            + "你好，世界".encode().decode("gbk", "replace") + "你好，世界".encode().decode("big5", "replace"))
# and clean text, ASCII, digits and spaces (a run goes on across them), '?', private-use characters (Big5's
# punctuation as GB18030 reads it), zhuyin (GBK's punctuation as Big5 reads it), kana, beyond the BMP, U+FFFD
_CHARS = sorted(set(_SIMPLIFIED + _TRADITIONAL + _MISREAD + "a Z?1 9\n\ue4c7\ue600ㄛㄗ﹝アの😀\ufffd€"))
_PAIRS = (("big5", "gbk"), ("gb18030", "big5"))
_SCRIPTS = ("simplified", "traditional", "neutral")


def _kadane(values: list[float]) -> list[tuple[int, int, float]]:
    """The scan of every value, as `_pair_windows` made it before (the reference)."""
    out = []
    total, start, best, best_end = 0.0, 0, 0.0, 0
    for k, g in enumerate(values):
        if total + g <= 0:
            if best > 0:
                out.append((start, best_end, best))
            total, start, best, best_end = 0.0, k + 1, 0.0, k + 1
        else:
            total += g
            if total > best:
                best, best_end = total, k + 1
    return out


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from([-1e9, -7.25, -3.0, -1.5, -0.5, -0.0, 0.0, 0.25, 0.5, 1.5, 3.0, 7.25]), max_size=40))
def test_the_scan_from_the_positive_values_finds_every_segment(values):
    values = [*values, -1e9]
    ahead = [k for k, g in enumerate(values) if g > 0]
    assert list(_gaining_segments(values, ahead)) == _kadane(values)


def _run_arrays(run: str, wrong: str, right: str, script: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lm = for_script(script)
    meant, own, words, reads = _gain_arrays(_as_is(codepoints(run), lm), wrong, right, lm)
    return meant, _run_gains(own, words), reads


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_CHARS), max_size=60), st.sampled_from(_PAIRS), st.sampled_from(_SCRIPTS))
def test_a_runs_slice_of_the_page_gains_is_its_own(text, pair, script):
    lm = for_script(script)
    page = PageReadings(text, lm).gains(*pair)
    runs = [m.span() for pattern in (_PAIR_RUN, _PAIR_RUN_OR_PUA, _PAIR_RUN_OR_ZHUYIN) for m in pattern.finditer(text)]
    runs += [(a, b) for a in range(0, len(text), 7) for b in (a + 1, a + 5, len(text)) if b <= len(text)]
    for a, b in runs:
        meant, gains, reads = page.run(a, b)
        own_meant, own_gains, own_reads = _run_arrays(text[a:b], *pair, script)
        assert meant.tobytes() == own_meant.tobytes() and reads.tobytes() == own_reads.tobytes()
        assert gains.tobytes() == own_gains.tobytes()  # (bit for bit: the same floating-point operations)
        assert _pair_windows(text[a:b], *pair, lm, page=(page, a)) == _pair_windows(text[a:b], *pair, lm)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_CHARS), max_size=30), st.sampled_from(_PAIRS), st.sampled_from(_SCRIPTS))
def test_the_frequent_readings_are_the_models(run, pair, script):
    """Whether each character reads as a frequent one, from the model's table in numpy (`_gain_arrays`), is what
    `_frequent_reading` asked of the model per character."""
    from taosha.repair.mojibake.windows import _frequent_reading

    lm = for_script(script)
    meant, _, reads = _run_arrays(run, *pair, script)
    fixed = [chr(c) if c else None for c in meant.tolist()]
    for a in range(len(run)):
        for b in range(a + 1, len(run) + 1):
            assert _frequent_reading(run, a, b, fixed, lm, reads.tolist()) == _frequent_reading(run, a, b, fixed, lm)


def _explained_by_regex(text: str, wrong: str, least: int) -> tuple[tuple[int, int], ...]:
    """`_utf8_explained` with its stretches found by `LOSSY_STRETCH` (the reference)."""
    rare = (_gate_table()[codepoints(text)] & RARE) != 0
    if not rare.any():
        return ()
    before = np.concatenate(([0], np.cumsum(rare))).tolist()
    spans = [(m.start() + a, m.start() + b) for m in LOSSY_STRETCH.finditer(text)
             if before[m.end()] > before[m.start()] and may_be_utf8(m.group(), wrong)
             for a, b in utf8_spans(m.group(), wrong)]
    if not spans:
        return ()
    inside = sum(before[b] - before[a] for a, b in spans)
    if inside <= before[-1] - inside:
        return ()
    return tuple(utf8_stretches(text, wrong, least))


# clean and rare characters (㐀: rare for every model), UTF-8 read as GBK and as Big5 (some with '?' for lost bytes),
# ASCII, and characters of the BMP's edge and beyond
_SENTENCE = "你好，世界！我们在这里"
_UTF8_CHARS = sorted(set("的是质量很好們經㐀㐁?？ a1\n\ufffd😀\uffff€" + _SENTENCE.encode().decode("gbk", "replace")
                         + _SENTENCE.encode().decode("big5", "replace")))


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(_UTF8_CHARS), max_size=50), st.sampled_from(["gb18030", "big5"]),
       st.sampled_from([1, 3]))
def test_the_stretches_found_with_numpy_are_the_regexs(text, wrong, least):
    _utf8_explained.cache_clear()
    assert _utf8_explained(text, wrong, least) == _explained_by_regex(text, wrong, least)


def test_utf8_explained_keeps_its_answers_in_known():
    text = "他说：" + "你好，世界！我们在这里".encode().decode("gbk", "replace") + "。好的"
    known: dict = {}
    found = utf8_explained(text, "gb18030", known=known)
    assert found and found == utf8_explained(text, "gb18030")
    assert known == {(text, "gb18030", 1): tuple(found)}
    known[text, "gb18030", 1] = ((0, 1),)  # what is known is answered from there, not asked again
    assert utf8_explained(text, "gb18030", known=known) == [(0, 1)]


def _paragraphs(shared, name: str, n: int) -> list[str]:
    path = shared / "corpora" / "wiki" / name
    out: list[str] = []
    for line in gzip.open(path, "rb"):
        row = orjson.loads(line)
        out += [t for t in (row.get("context"), row.get("text")) if isinstance(t, str)]
        if len(out) >= n:
            break
    return out[:n]


def test_the_shared_measurements_change_no_output(shared, monkeypatch, outputs_in_batches):
    """The step's output with what the passes share and without it (each run's gains its own, every value scanned,
    the stretches found by the regex, `utf8_explained` asked afresh) is the same, on clean simplified and traditional
    paragraphs and on pages where a stretch of them is misread one way or the other."""
    from taosha.repair.mojibake import gate, windows

    clean = _paragraphs(shared, "cmrc2018_wiki_zh_hans.jsonl.gz", 60) + _paragraphs(
        shared, "drcd_wiki_zh_hant.jsonl.gz", 60)
    rng = random.Random(7)
    damaged = []
    for text in clean[:40] + clean[60:100]:
        a = rng.randrange(len(text))
        b = min(len(text), a + rng.randrange(4, 40))
        wrong, right = ("big5", "gbk") if any(c in _SIMPLIFIED for c in text[a:b]) else ("gb18030", "big5")
        damaged.append(text[:a] + text[a:b].encode(right, "replace").decode(wrong, "replace") + text[b:])
    texts = clean + damaged
    step = Mojibake()
    step.setup()
    asked: list[int] = []
    real_pair_windows = windows._pair_windows

    def run() -> list[tuple]:
        return outputs_in_batches(step, texts, 64)

    def counted(*args, **kwargs):
        asked.append(kwargs.get("page") is not None)
        return real_pair_windows(*args, **kwargs)

    monkeypatch.setattr(windows, "_pair_windows", counted)
    shared_run = run()
    assert sum(asked) > 100 and any(edits for _, edits, _ in shared_run)
    monkeypatch.setattr(windows, "_pair_windows", lambda *args, page=None, **kwargs: real_pair_windows(*args, **kwargs))
    monkeypatch.setattr(windows, "_gaining_segments", lambda values, ahead: iter(_kadane(values)))
    real_explained = gate.utf8_explained
    monkeypatch.setattr(gate, "_utf8_explained", _explained_by_regex)
    for module in ("redecode", "gate"):
        monkeypatch.setattr(f"taosha.repair.mojibake.{module}.utf8_explained",
                            lambda text, wrong, least=1, known=None: real_explained(text, wrong, least))
    assert run() == shared_run


def test_the_reviews_unchanged_by_the_shared_measurements(shared, monkeypatch, outputs_in_batches):
    """The same on real shopping reviews (the first 3,000), where a few pages are suspected of GBK <-> Big5."""
    from taosha.repair.mojibake import windows

    path = shared / "corpora" / "web_text" / "online_shopping_10_cats.jsonl.gz"
    rows = (orjson.loads(line) for line in gzip.open(path, "rb"))
    texts = [t for r in itertools.islice(rows, 3000) if isinstance(t := r.get("text"), str)]
    step = Mojibake()
    step.setup()

    def run() -> list[tuple]:
        return outputs_in_batches(step, texts)

    shared_run = run()
    real_pair_windows = windows._pair_windows
    monkeypatch.setattr(windows, "_pair_windows", lambda *args, page=None, **kwargs: real_pair_windows(*args, **kwargs))
    monkeypatch.setattr(windows, "_gaining_segments", lambda values, ahead: iter(_kadane(values)))
    assert run() == shared_run


def _variants_char_by_char(span: str, wrong: str) -> list[bytes]:
    """`misread_variants` a character at a time (the reference)."""
    from taosha.repair.mojibake.codec import _VARIANTS_MOST, misread_bytes, two_codes

    first = misread_bytes(span, wrong)
    table = two_codes(wrong)
    if not any(c in table for c in span):
        return [first]
    out = [b""]
    for codes in [table[c] if c in table else (misread_bytes(c, wrong),) for c in span]:
        out = [done + code for done in out for code in codes][:_VARIANTS_MOST]
    return out


def _fails_char_by_char(span: str, wrong: str, at: int) -> bool:
    """`_fails_at_two_codes` a character at a time (the reference)."""
    from taosha.repair.mojibake.codec import misread_bytes, two_codes

    table = two_codes(wrong)
    pos = 0
    for c in span:
        end = pos + len(misread_bytes(c, wrong))
        if c in table and pos <= at <= end:
            return True
        if pos > at:
            return False
        pos = end
    return False


# Big5's characters read from two codes (十卅／＼), '€' (byte 80 in GB18030), two-byte and ASCII characters
_TWO_CODE_TEXT = sorted(set("十卅／＼€的是们經濟a 1"))


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(_TWO_CODE_TEXT), max_size=30), st.sampled_from(["big5", "gb18030", "gbk"]),
       st.integers(0, 70))
def test_the_two_code_characters_found_a_stretch_at_a_time(span, wrong, at):
    from taosha.repair.mojibake.codec import _fails_at_two_codes, misread_variants

    try:
        expect = _variants_char_by_char(span, wrong)
    except UnicodeEncodeError:
        return
    assert misread_variants(span, wrong) == expect
    assert _fails_at_two_codes(span, wrong, at) == _fails_char_by_char(span, wrong, at)


# UTF-8 read as GBK and as Big5 (3-byte sequences cut anywhere), clean text, '€' (byte 80), lost marks, and a
# character Big5 writes only as cp950
_PIECES = sorted(set((_SENTENCE + "。ä").encode().decode("gbk", "replace") + (_SENTENCE + "。ä").encode().decode(
    "big5", "replace") + "的是质量很好們經鎴朘€?\ufffd碁"))


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from(_PIECES), min_size=1, max_size=16), st.sampled_from(["gb18030", "big5"]))
def test_a_stretch_the_sequences_test_rejects_holds_no_span(stretch, wrong):
    from taosha.repair.mojibake.gate import _may_hold_span

    if not _may_hold_span(stretch, wrong):
        assert utf8_spans(stretch, wrong) == []


def test_the_sequences_test_lets_utf8_through_and_rejects_clean_text():
    from taosha.repair.mojibake.codec import UTF8_LEADS
    from taosha.repair.mojibake.gate import _may_hold_span

    assert UTF8_LEADS >= 3  # (the proof's: 3 lead bytes of long sequences are two complete ones at least)

    assert _may_hold_span("你好，世界".encode().decode("gbk", "replace"), "gb18030")
    assert utf8_spans("这是一个很好的问题，我们都很满意", "gb18030") == []
    assert not _may_hold_span("这是一个很好的问题，我们都很满意", "gb18030")
