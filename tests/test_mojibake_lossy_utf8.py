"""UTF-8 misread with bytes lost (read as Big5/cp950, or through GBK twice): read back along its own chain or left,
never re-read through another chain (issue 17: characters no byte supports)."""

from __future__ import annotations

import pytest

from taosha import Document, restore_original
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.codec import utf8_spans, utf8_stretches, utf8_with_losses
from taosha.repair.mojibake.gate import utf8_explained
from taosha.synth.chains import Chain

# stretches of the chains' dev seed (Wikipedia) whose damage main rewrote with characters in neither the damage nor
# the truth: UTF-8 read as Big5 re-read as GBK read as Big5 (劝婀惧高, UTF-8 read as GBK), and a layer of UTF-8 read
# through GBK twice undone alone (撲細鍚堛, mojibake of the other layer)
CASES = [
    ("utf-8>big5", "巴黎的铜牌。1987撟湛\ufffd\ufffd璊\ufffd\ufffd\ufffd\ufffd蝘\ufffd餈\ufffd\ufffd\ufffd\ufffd\ufffd"
     "\ufffd唳嗾撣\ufffd\ufffd\ufffd箝\ufffd\ufffd2004年，", "巴黎的铜牌。1987年，植村秀进军台湾市场。2004年，"),
    ("utf-8>cp950", "\ufffd憌\ufffd\ufffd\ufffd券掉\ufffd\ufffd\ufffd\ufffd\ufffd餅\ufffd\ufffd敼潛掩嚗\ufffd\ufffd"
     "\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd蝘\ufffd\ufffd\ufffd寥左\ufffd\ufffd孵\ufffd\ufffd憌\ufffd"
     "\ufffd\ufffd具\ufffd\ufffd", "银花鲈鱼 （学名：'），大陆又称条纹鲈，原产于大西洋，是马里兰州、罗德岛州"),
    ("utf-8>gbk>utf-8>gbk", "嘲瀵抽柆鎾茬窗閸氬牄鈧??", "佐敦谷北道会合。"),
]
# whole paragraphs misread the same way (main leaves these alone: a guard, not a reproducer)
SIMPLIFIED = "乌拉嘎龙属（学名：\"Wulagasaurus\"）是鸭嘴龙科栉龙亚科的一属，化石发现于中国黑龙江省，年代为白垩纪晚期。"
TRADITIONAL = "北高加索地區的宗教成分複雜，僅伊斯蘭教就包括三個教派：蘇菲派；教條神學派和沙斐儀學派與哈乃斐學派。"
DOUBLE = "阿马里洛 （Amarillo），美国德克萨斯州西北部北部狭地的一个城市。2006年人口为185,525人。1887年开埠。"


@pytest.fixture(scope="module")
def step():
    s = Mojibake()
    s.setup()
    return s


def invented(step, damaged: str, truth: str) -> list[str]:
    """The characters the repair writes that are in neither the damaged text nor its truth."""
    doc = step.process(Document("d", damaged))
    assert restore_original(doc) == damaged
    return [c for c in doc.text if c not in damaged and c not in truth]


@pytest.mark.parametrize(("family", "damaged", "truth"), CASES)
def test_lossy_utf8_is_never_read_through_another_chain(step, family, damaged, truth):
    assert invented(step, damaged, truth) == []


@pytest.mark.parametrize("chain", ["utf-8>big5", "utf-8>cp950"])
@pytest.mark.parametrize("replacement", ["?", "\ufffd"])
@pytest.mark.parametrize("truth", [SIMPLIFIED, TRADITIONAL])
def test_utf8_read_as_big5_is_not_read_as_gbk_read_as_big5(step, chain, replacement, truth):
    assert invented(step, Chain.parse(chain).apply(truth, replacement), truth) == []


def test_double_encoding_is_undone_both_layers_or_neither(step):
    # (with '?' for the lost bytes, `misaligned_gbk` still writes 總樷個 for 倶鈧??: realign's, not this test's)
    assert invented(step, Chain.parse("utf-8>gbk>utf-8>gbk").apply(DOUBLE, "\ufffd"), DOUBLE) == []


def test_utf8_with_losses():
    assert utf8_with_losses("銋???????樴?撅?嚗?摮血??嚗?", "big5")  # 乌拉嘎龙属（学名： read as Big5
    assert utf8_with_losses("浣犲ソ锛屼笘鐣岋紒", "gb18030")  # 你好，世界！ read as GBK
    assert not utf8_with_losses("峈藝弊淩?刵耤須", "big5")  # GBK read as Big5, a byte lost
    # GBK's own pairs make 2-byte sequences (BA CD B5 DC ...): no proof, only 3- and 4-byte ones count
    assert not utf8_with_losses("和弟弟白光（", "gb18030")


def test_utf8_spans_cut_clean_text_off():
    text = "瑞尼尔山也被划分在???撠澆??撅曹??鋡怠???????函??撠澆??撅勗?賢振"
    [(a, b)] = utf8_spans(text, "big5")
    assert "瑞尼尔山也被划分" not in text[a:b] and text[b - 1] == "振"


def test_utf8_explained_needs_the_rare_characters():
    # a clean traditional paragraph's GBK bytes hold a UTF-8 stretch by chance (E2 B7 B0 E9 A3 AC EC B6): no rare
    # character in it, so it explains nothing
    clean = "卡特選擇明尼蘇達州的自由派美國參議員沃爾特·蒙代爾為他的競選夥伴，於1976年11月擊敗在職總統。"
    assert utf8_stretches(clean, "gb18030") and not utf8_explained(clean, "gb18030")
    lossy = "據說" + Chain.parse("utf-8>big5").apply(SIMPLIFIED, "?")
    assert utf8_explained(lossy, "big5")


def test_a_page_with_utf8_damage_and_another_familys_line_is_left_and_counted():
    # the page's UTF-8 stretches explain its rare characters: the other families' signs are dropped with the page's
    # (keeping those the rest of the page gives let clean lines beside UTF-8 damage be rewritten: a review), so the
    # GBK-read-as-Big5 line is left as it stands (a strict xfail case holds it) and the page's damage is counted
    utf8_line = "现在，印度空间研究组织也在国际市场上提供商业发射服务。".encode().decode("big5", "replace")
    page = "主打歌《光辉岁月》，同欴珩岆酴模戰腔貌语事业回响，当时发行的时间。\n" + utf8_line
    st = Mojibake()
    st.setup()
    out = st.process_batch([Document("d", page)])[0]
    assert out.text == page
    assert out.signals.get("mojibake_unrepaired", 0) > 0


def test_a_long_utf8_tail_after_clean_text_is_one_span():
    # the tail of a piece is grown a character at a time, checking only its first bytes (it was quadratic)
    stretch = "中" + "乌拉嘎龙属学名是鸭嘴龙科".encode().decode("gb18030", "replace") * 400
    assert utf8_spans(stretch, "gb18030") == [(1, len(stretch))]
    assert utf8_spans("中" + stretch[1:40], "gb18030") == [(1, 40)]
