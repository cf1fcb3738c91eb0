"""The shortcuts in realignment's put-back search (`realign._could_read`, `_put_back`'s `could`) and in decoding
lost bytes (`codec.gbk_items`): each skips work only where the result is already decided, so the step's output is
the one the full work gives (`bench/mojibake_identical.py` checks that over the real corpora; these tests check
the parts on their own)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from taosha.document import Document, changed_run
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake import realign as rl
from taosha.repair.mojibake.codec import UNKNOWN, gbk_items

SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "seed-dev" / "page_dev.txt"
TEXT = "我们今天在北京的公园里散步，天气很好，大家都很高兴。后来又去了博物馆，看了很多古代的文物和书画作品。"


def test_common_prefix_and_suffix_are_the_longest():
    rng = random.Random(7)
    for _ in range(3000):
        a = "".join(rng.choice("ab?好") for _ in range(rng.randrange(0, 9)))
        b = "".join(rng.choice("ab?好") for _ in range(rng.randrange(0, 9)))
        pre = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        suf = next((k for k in range(min(len(a), len(b))) if a[-1 - k] != b[-1 - k]), min(len(a), len(b)))
        assert rl._common_prefix(a, b) == pre, (a, b)
        assert rl._common_suffix(a, b) == suf, (a, b)


@pytest.mark.parametrize("lost", [1, 2])
def test_a_lost_byte_s_candidates_hold_the_character_that_stood_there(lost):
    # every byte of the text's GBK bytes lost in turn (or two bytes side by side): the decoded runs are the text's
    # own, and each lost character's candidates hold the character it was
    raw = list(TEXT.encode("gbk"))
    for at in range(len(raw) - lost + 1):
        tokens = raw[:at] + [UNKNOWN] * lost + raw[at + lost :]
        items = gbk_items(tokens)
        groups = [x for x in items if not isinstance(x, str)]
        pieces = [x for x in items if isinstance(x, str)]
        c = at // 2  # every character of TEXT is two bytes in GBK
        if lost == 1:  # one byte of character c: the text with its place empty, c among the candidates
            assert "".join(pieces) == TEXT[:c] + TEXT[c + 1 :], at
            assert len(groups) == 1 and TEXT[c] in groups[0], at
        elif at % 2 == 0:  # both bytes of character c: nothing to choose from, marked
            assert "".join(pieces) == TEXT[:c] + TEXT[c + 1 :], at
            assert groups == [()], at
        else:  # the trail byte of c and the lead byte of c + 1: each among its candidates
            assert "".join(pieces) == TEXT[:c] + TEXT[c + 2 :], at
            assert len(groups) == 2 and TEXT[c] in groups[0] and TEXT[c + 1] in groups[1], at


@pytest.mark.skipif(not SEED_PAGE.exists(), reason="../shared/corpora/seed-dev is absent")
def test_every_put_back_reading_ruled_out_fails_what_put_back_asks(monkeypatch):
    # on the seed page (where most of the put-back places are tried), each reading `_could_read` rules out is
    # decoded in full anyway and must fail `keep`: more '?', or not one rare character of the line before replaced
    checked = {"ruled out": 0, "read": 0}
    original = rl._could_read

    def verified(line, b, head, resume, skip, lm, context, bytes_of, items, could):
        answer = original(line, b, head, resume, skip, lm, context, bytes_of, items, could)
        if answer:
            checked["read"] += 1
            return answer
        checked["ruled out"] += 1
        fixed, stop = rl._decode_stretch(line, b, head, resume, skip, lm, context, dict(bytes_of), True, dict(items))
        new = None if fixed is None else line[:b] + fixed + line[stop:]
        if new is not None and new != line:
            before, questions = could.__defaults__
            k, end, _ = changed_run(before[1], new)
            holds = new.count("?") <= questions and end - k == 1 and lm.char(before[1][k]) < rl._VANISHED_ODD
            assert not holds, (line[max(0, b - 10) : b + 30], new[max(0, b - 10) : b + 30])
        return answer

    monkeypatch.setattr(rl, "_could_read", verified)
    page = SEED_PAGE.read_text(encoding="utf-8")
    done = Mojibake().process(Document("seed-page", page))
    assert done.signals.get("mojibake_repairs", 0) > 0
    assert checked["ruled out"] > 100 and checked["read"] > 0, checked  # the shortcut is taken, and not always
