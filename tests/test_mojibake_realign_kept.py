"""Realignment keeps what it read and measured per document (`DocumentContext.decoded`, `.measured`): a reading
asked again is the one read the first time, and leaves behind what the first left (the stretches' bytes that
`_put_back` reads)."""

from __future__ import annotations

import pytest

from taosha import Document
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.codec import UNKNOWN
from taosha.repair.mojibake.fill import DocumentContext
from taosha.repair.mojibake.realign import _decode_from, _realign_line
from taosha.synth.chains import encode, fullwidth_pass, php_cp936
from taosha.zh.lm import for_script

TRUTH = "我们今天在北京的公园里散步，天气很好，大家都很高兴。后来又去了博物馆，看了很多古代的文物和书画作品。"


def _lost_byte(text: str, at: int) -> str:
    raw = text.encode("gbk")
    return (raw[:at] + raw[at + 1 :]).decode("gbk", "replace").replace("\ufffd", "?")


@pytest.mark.parametrize("at", [9, 20, 41])
def test_a_kept_reading_is_the_first_and_leaves_the_same_bytes(at):
    lm = for_script("simplified")
    line = _lost_byte(TRUTH, at)
    point = line.index("?") if "?" in line else at // 2
    kept = DocumentContext(line)
    for b in range(max(0, point - 4), point + 1):
        first_bytes: dict = {}
        again_bytes: dict = {}
        first = _decode_from(line, b, [UNKNOWN], b, 0, lm, kept, first_bytes)
        assert kept.decoded  # the reading is kept
        again = _decode_from(line, b, [UNKNOWN], b, 0, lm, kept, again_bytes)
        fresh = _decode_from(line, b, [UNKNOWN], b, 0, lm, DocumentContext(line), {})
        assert first == again == fresh
        assert again_bytes == first_bytes  # the stretches it decoded, as the first reading read them


def test_lines_read_after_the_evidence_pass_read_as_with_a_fresh_context():
    # the evidence pass's context serves the pass after it (`realign`): each line reads as it would alone
    lm = for_script("simplified")
    min_gain = Mojibake().min_gain
    lines = [php_cp936(fullwidth_pass(encode("x" + TRUTH, "gbk"))), _lost_byte(TRUTH, 9), _lost_byte(TRUTH, 41), TRUTH]
    page = "\n".join(lines)
    shared = DocumentContext(page)
    for line in lines:
        _realign_line(line, lm, min_gain, shared, strict=1)
    assert shared.decoded and shared.measured
    read = [_realign_line(line, lm, min_gain, shared) for line in lines]
    assert read == [_realign_line(line, lm, min_gain, DocumentContext(page)) for line in lines]
    assert sum(n for _, n in read) >= 2  # the damaged lines were repaired
    assert read[3] == (TRUTH, 0)


class _Forgetful(dict):
    """A cache that keeps nothing: every reading and measure made afresh."""

    def __setitem__(self, key, value) -> None:
        pass


def test_kept_readings_change_no_output_on_full_width_pass_pages(shared, monkeypatch):
    # the full-width pass's pages read their lines with the bytes alone (the evidence pass, `fill` False) and filled
    # (the pass after it): a kept reading must never answer the other kind (seed 26's second page did, in review,
    # when `fill` was left out of the key)
    from taosha.synth.chains import generate, load_base

    samples = generate(load_base(shared / "corpora").half(1), 10, 26, ["gbk-fullwidth-pass"], kinds=())
    step = Mojibake()

    def run() -> list[tuple]:
        out = []
        for s in samples:
            doc = step.process(Document("d", s.text))
            out.append((doc.text, [e.to_json() for e in doc.edits],
                        sorted(doc.signals.items())))
        return out

    kept = run()
    init = DocumentContext.__init__

    def forgetful(self, text: str = "") -> None:
        init(self, text)
        self.decoded, self.measured = _Forgetful(), _Forgetful()

    monkeypatch.setattr(DocumentContext, "__init__", forgetful)
    assert run() == kept
