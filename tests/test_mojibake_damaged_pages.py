"""Shortcuts on damaged pages (the seed page, the chains' lost-byte and full-width-pass families): each one a proof
that the full path would change nothing, checked against the full path.

`realign._read_items` lets `_put_back` reject a place for a vanished pair without choosing characters for its lost
bytes, where every line the decoding may read holds more '?' than `keep` allows; `codec.filled_questions` and
`realign._agrees` are what it proves with."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake import realign as realign_module
from taosha.repair.mojibake.codec import (
    UNKNOWN,
    decode_tokens,
    filled_questions,
    gbk_items,
    to_bytes,
    vanished_tokens,
)
from taosha.repair.mojibake.fill import DocumentContext
from taosha.repair.mojibake.realign import _AGREE, _agrees, _stops
from taosha.zh.lm import for_script

TRUTH = "我们今天在北京的公园里散步，天气很好，大家都很高兴。后来又去了博物馆，看了很多古代的文物和书画作品。"
_TRAIL, _LEAD = vanished_tokens(0)
# bytes as a damaged line gives them: GBK text's, ASCII (the '?' of the text among them), lost and vanished ones
_TOKEN = st.one_of(st.sampled_from(list(TRUTH.encode("gbk"))), st.integers(0x20, 0x7E), st.integers(0x81, 0xFE),
                   st.sampled_from([UNKNOWN, _TRAIL, _LEAD]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKEN, min_size=1, max_size=40).filter(lambda t: min(t) < 0), st.sampled_from(["", "的", "，"]))
def test_the_questions_and_the_end_of_a_decoding_are_known_before_its_lost_bytes_are_chosen(tokens, before):
    lm = for_script("simplified")
    items = gbk_items(tokens)
    assert decode_tokens(tokens, lm, before, items=items, context=DocumentContext(TRUTH)) == decode_tokens(
        tokens, lm, before, context=DocumentContext(TRUTH))
    decoded = decode_tokens(tokens, lm, before, context=DocumentContext(TRUTH))
    assert filled_questions(items) == decoded.count("?")
    for k in range(len(decoded) + 1):  # an end found in the bytes is the decoding's, whatever is chosen
        end = decoded[max(0, k - _AGREE) : k]
        if _agrees(items, end):
            assert decoded.endswith(end)
    tail = decoded[-_AGREE:]
    if isinstance(items[-1], str) and len(items[-1]) >= _AGREE:
        assert _agrees(items, tail)  # the common case is decided: the decoding stops at its first stretch


def _full_reading(line: str, b: int, head: list[int], resume: int, skip: int) -> str | None:
    """The line `_decode_from` reads, the full way (any model: '?' and a stretch's end do not depend on it)."""
    lm = for_script("simplified")
    for stop in _stops(line, resume):
        raw = to_bytes(line[resume:stop])
        if raw is None:
            return None
        fixed = decode_tokens(head + raw[skip:], lm, line[b - 1 : b], context=DocumentContext(line))
        if stop == len(line) or fixed.endswith(line[stop - _AGREE : stop]):
            return line[:b] + fixed + line[stop:]
    return None


def _damaged_pages(shared) -> list[str]:
    from taosha.synth.chains import generate, load_base

    families = ["gbk-fullwidth-pass", "gbk-byte-deleted", "gbk-byte-to-?"]
    pages = [s.text for s in generate(load_base(shared / "corpora").half(1), 6, 31, families, kinds=())]
    seed = shared / "corpora" / "seed-dev" / "page_dev.txt"
    return [*pages, "\n".join(seed.read_text(encoding="utf-8").split("\n")[:400])]


def test_a_place_rejected_unread_is_one_the_full_reading_rejects(shared, monkeypatch):
    # every rejection is checked against the line the full decoding reads: none or more '?' than `keep` allows
    read_items = realign_module._read_items
    rejected = []

    def checked(line, b, head, resume, skip, most, bytes_of):
        found = read_items(line, b, head, resume, skip, most, bytes_of)
        if found is None:
            full = _full_reading(line, b, head, resume, skip)
            assert full is None or full.count("?") > most
            rejected.append(line)
        return found

    monkeypatch.setattr(realign_module, "_read_items", checked)
    step = Mojibake()
    for page in _damaged_pages(shared):
        step.process(Document("d", page))
    assert rejected  # the pages have places to reject


def test_damaged_pages_repair_the_same_with_every_place_read(shared, monkeypatch):
    step = Mojibake()

    def run() -> list[tuple]:
        out = []
        for page in _damaged_pages(shared):
            doc = step.process(Document("d", page))
            out.append((doc.text, [e.to_json() for e in doc.edits], sorted(doc.signals.items())))
        return out

    fast = run()
    # the full way: every place decoded with its lost bytes chosen (`_read_items` never rejects, reads nothing)
    monkeypatch.setattr(realign_module, "_read_items", lambda *args: {})
    full = run()
    assert fast == full
    assert any(text != page for (text, _, _), page in zip(fast, _damaged_pages(shared), strict=True))


@pytest.mark.parametrize("at", [9, 20, 41])
def test_a_lost_byte_line_reads_the_same_with_every_place_read(at, monkeypatch):
    raw = TRUTH.encode("gbk")
    line = (raw[:at] + raw[at + 1 :]).decode("gbk", "replace").replace("\ufffd", "?")
    page = "\n".join([line, TRUTH])
    fast = Mojibake().process(Document("d", page)).text
    monkeypatch.setattr(realign_module, "_read_items", lambda *args: {})
    assert Mojibake().process(Document("d", page)).text == fast


def test_the_lost_marks_shifted_bytes_looks_for_are_the_two_it_searches():
    # `shifted.repair_big5_lost_bytes` lets a stretch go with a search for each mark of `_LOST`
    from taosha.repair.mojibake import shifted

    assert sorted(shifted._LOST) == ["?", "\ufffd"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("我们的北京公园，。?ab😀\ud800\U00020000"), max_size=60))
def test_a_document_counts_its_characters_as_a_counter_of_its_text(text):
    from collections import Counter

    from taosha.repair.mojibake.fill import document_counts

    counts = document_counts(text)[1]
    assert counts == Counter(text)
    assert all(type(n) is int for n in counts.values())
