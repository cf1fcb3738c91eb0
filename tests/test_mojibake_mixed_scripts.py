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


def test_windows_another_chain_explains_are_counted_where_they_stand_at_the_end():
    # GBK one byte out of step read as Big5 read as GB18030: `rivals.keep_proven` leaves the window 菏 + two
    # private-use characters + 轼 (its bytes out of step read as GBK beat its Big5 reading); it still stands when the
    # other passes are done, so its 4 characters are counted
    from taosha.document import Document
    from taosha.repair.mojibake import Mojibake

    step = Mojibake()
    step.setup()
    head = ("中山是水鄉，靠近海邊，海鮮和淡水魚蝦等食品資源豐富，使得中山菜有了良好的圆牧稀Ｖ猩交洸说奶厣"
            "耸接校菏\ue216\ue027轼潯")
    doc = step.process_batch([Document("d", head + "。走地三黃雞、小欖炸魚球。")])[0]
    assert "菏\ue216\ue027轼" in doc.text
    assert doc.signals.get("mojibake_unrepaired", 0) >= 4
    # with the page's list of dishes after it, realign reads the whole of 轼潯⒗徸泻滔x as 石岐's 乳鴿、缽仔禾蟲 (it
    # read 、缽仔禾蟲 alone and left 轼潯 while the traditional model rated 缽, which OpenCC writes only inside words,
    # as unknown): the window no longer stands whole, so it is not counted (as below)
    doc = step.process_batch([Document("d", head + "⒗徸泻滔x、走地三黃雞、小欖炸魚球、三鄉小炒。")])[0]
    assert "菏\ue216\ue027乳鴿、缽仔禾蟲" in doc.text
    # a window left so that a later pass (realigned GBK) read is that pass's: not counted for characters no longer
    # there (a review: 9 counted for the one wrong character realign left, 来 for 次)
    doc = step.process_batch([Document("d", "是東晉歷幢狈ブ凶畛晒Α⒂绊懽钌钸h的一次")])[0]
    assert "北伐中最成功" in doc.text
    assert doc.signals.get("mojibake_unrepaired", 0) <= 1
