"""Misaligned GBK (repair.mojibake's `realign`) writes only what the bytes say (issue 17): the seed page's
full-width pass out of step, where PHP's decoder dropped a pair and the reading joined two characters into one, and
characters a shifted-byte reading would choose for a lost byte among a hundred candidates."""

from __future__ import annotations

import pytest

from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.realign import _lost_pairs, _unnamed
from taosha.synth.chains import fullwidth_pass, php_cp936
from taosha.zh.lm import for_script
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


def passed(text: str) -> str:
    """`text` saved as GBK, through the seed page's full-width pass, read as PHP reads code page 936."""
    return php_cp936(fullwidth_pass(text.encode("gbk")))


# one ASCII byte before the first 。 puts the pass's walk out of step; then ，孙 (A3AC CBEF), 权令 (C8A8 C1EE) and
# 元配 (D4AA C5E4) each lose the pair between them (AC CB, A8 C1, AA C5: no GBK character), which PHP drops
TRUTH = "6年(211年）孙权驻屯在吴郡。期间，孙权令元配谢夫人让出正室的位置，迎娶徐氏为妻。"


def test_a_pair_the_decoder_dropped_is_marked_not_read_as_one_character(step):
    damaged = passed(TRUTH)
    assert "?F诩洌锶钤" in damaged  # 。期间，孙权令元配 out of step, its dropped pairs gone without a trace
    doc = fix(step, damaged)
    # the reading joined ，孙 into ｏ and 权令, 元配 into 阮, 凿: two characters each, one byte of each lost; written
    # U+FFFD, not the joined characters (main wrote 期间ｏ阮凿谢夫人), and counted
    assert "期间\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd谢夫人让出" in doc.text
    assert not {"ｏ", "阮", "凿"} & set(doc.text)
    assert doc.signals["mojibake_unrepaired"] >= 1


def test_joined_characters_are_known_by_their_bytes_or_as_rare_characters_outside_words():
    lm = for_script("simplified")
    line = "在吴郡?F诩洌锶钤湫环蛉"
    # a full-width letter (lead A3: a comma's pair dropped) and a Han character rare in any script that makes no
    # word are joined characters; a frequent one (找 for 正室) cannot be told from the text, and stays
    new, end = _lost_pairs(line, "在吴郡。期间ｏ阮凿谢夫人找", 3, lm)
    assert new == "在吴郡。期间\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd谢夫人找" and end == len(new)
    # full-width punctuation stands as itself; a rare character inside a word is the text's (蝙蝠)
    new, _ = _lost_pairs("在吴郡?F诩洌", "在吴郡。蝙蝠（期间", 3, lm)
    assert new == "在吴郡。蝙蝠（期间"


def test_a_character_chosen_for_a_lost_byte_is_marked_unless_an_annotation_names_it():
    # (the reading with lost characters chosen, and the same reading with them left '?')
    assert _unnamed("日举行校改选出1", "日举行校改选?1", 3, 7) == "日举行校改选\ufffd1"
    assert _unnamed("态(tài)度", "?(tài)度", 0, 1) == "态(tài)度"  # the reading names the character
