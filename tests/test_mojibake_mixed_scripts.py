"""GBK <-> Big5 windows and the null hypothesis: a stretch of the other script's clean text in a mixed page (a
simplified page quoting a traditional sentence, or the reverse) is the page's text, not that script's bytes misread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taosha.repair.mojibake import Mojibake
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


# mixed pages (Wikipedia paragraphs' sentences of both scripts shuffled), one a line in cases/mojibake_mixed.jsonl: a
# stretch of the other script's clean text was read as that script's bytes misread (`was`); the window as it stands
# is scored as text of that script too (the null first)
def _mixed() -> list:
    lines = (Path(__file__).parent / "cases" / "mojibake_mixed.jsonl").read_text(encoding="utf-8").splitlines()
    return [pytest.param(json.loads(line)["text"], id=json.loads(line)["was"].split(" ")[0]) for line in lines]


@pytest.mark.parametrize("page", _mixed())
def test_mixed_pages_keep_their_other_script(step, page):
    assert fix(step, page).text == page


def test_a_window_the_null_refuses_is_counted_where_another_chain_proves_it_damage():
    # GBK read one byte out of step, then as Big5 read as GB18030: the own-script null refuses the Big5 reading,
    # and the text stands, but the bytes another chain explains are counted as unrepaired (they were, before the
    # null, through `rivals.keep_proven`)
    from taosha.document import Document
    from taosha.repair.mojibake import Mojibake

    text = ("直到18世紀之前，他們還一直在使用西里爾字浮Ａ硗猓\ue0ef诜▏\ue24c苤蜗碌脑侥弦鄴窦{了以拉丁字母為基礎的國語字"
            "來書寫"
            "越南語，以取代過去使用的漢字和字喃。")
    step = Mojibake()
    step.setup()
    doc = step.process_batch([Document("d", text)])[0]
    assert "字浮Ａ硗猓" in doc.text
    assert doc.signals.get("mojibake_unrepaired", 0) >= 1
