"""`CharLM.are_words` by a hash table of the word keys (docs/mojibake-speed.md, ninth round): the same answers as
the binary search of the sorted keys it replaced, for every word, pairs beside them and real text."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.textarrays import codepoints
from taosha.zh.lm import _WORD_TABLES, for_script, model, word_keys, word_table


def _searched(keys: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The binary search are_words made before."""
    pairs = first.astype(np.int64) << 21 | second.astype(np.int64)
    at = np.searchsorted(keys, pairs)
    found: np.ndarray = keys[np.minimum(at, len(keys) - 1)] == pairs
    return found


def test_every_word_and_its_neighbours():
    lm = model()
    keys = word_keys(lm.words)
    first, second = keys >> 21, keys & 0x1FFFFF
    assert lm.are_words(first, second).all()
    for shift in (-1, 1, 2):  # keys near a word's, mostly not words; some are
        assert (lm.are_words(first, second + shift) == _searched(keys, first, second + shift)).all()
        assert (lm.are_words(first + shift, second) == _searched(keys, first + shift, second)).all()


def test_real_text_and_its_scripts():
    text = "".join(["中华人民共和国成立于一九四九年，經濟發展很快。我们的质量很好！用了U盘😀𠮷",
                    "十年前的今天，他們在臺灣的學校裡讀書；今天是星期一。\n你好吗？好的。"] * 3)
    points = codepoints(text)
    keys = word_keys(model().words)
    for script in ("simplified", "traditional", "neutral"):
        lm = for_script(script)
        assert (lm.are_words(points[:-1], points[1:]) == _searched(keys, points[:-1], points[1:])).all()
    assert model().are_words(points[:-1], points[1:]).sum() > 10  # the text makes words: the test can fail


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0x20, 0x10FFFF), min_size=0, max_size=300),
       st.lists(st.sampled_from("的是质量很好们經濟發展中国人民国家学校"), min_size=0, max_size=60))
def test_any_code_points(points, chars):
    lm = model()
    keys = word_keys(lm.words)
    arr = np.array(points + [ord(c) for c in chars], dtype=np.uint32)
    got = lm.are_words(arr[:-1], arr[1:]) if len(arr) else lm.are_words(arr, arr)
    want = _searched(keys, arr[:-1], arr[1:]) if len(arr) else _searched(keys, arr, arr)
    assert (got == want).all()


def test_the_table_holds_every_key_once():
    keys = word_keys(model().words)
    table = _WORD_TABLES[id(model().words)]
    held = np.sort(table[table != -1])
    assert np.array_equal(held, keys)
    assert np.array_equal(np.sort((t := word_table(keys[:1000]))[t != -1]), keys[:1000])
    assert len(word_table(keys[:0])) >= 1 and (word_table(keys[:0]) == -1).all()


def test_running_scores_read_from_the_scored_characters_are_the_model_s():
    """`deleted._running_scores` reads `char` from the characters `score` met: the same sums as `char` each time."""
    from taosha.repair.mojibake.deleted import LOST, _running_scores
    from taosha.zh.lm import WORD_BONUS

    chars = [*"中华人民共和国成立", LOST, *"經濟發展很快？ab😀", LOST, "的", "是"]
    for script in ("simplified", "traditional"):
        lm = for_script(script)
        lm.score("".join(chars[:5]))  # some met, some not
        assert set(chars[:5]) <= set(lm.scored())
        total, want, prev = 0.0, [0.0], ""
        for c in chars:
            total += 0.0 if c == LOST else lm.char(c) + (WORD_BONUS if prev + c in lm.words else 0.0)
            want.append(total)
            prev = c
        assert _running_scores(lm, chars) == want
