"""Rival chains (`repair.mojibake.rivals`): a reading that another chain explains is the wrong chain."""

import pytest

from taosha import Document
from taosha.document import restore_original
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.rivals import keep_proven, rival_chain, utf8_bytes, utf8_with_lost_bytes


@pytest.fixture(scope="module")
def step():
    s = Mojibake()
    s.setup()
    return s


# GBK text with a byte deleted, read as GB18030 (the chains generator's gbk-byte-deleted, dev seed): out of step,
# its pairs read as private-use and rare characters; a window of it read as Big5 gives frequent traditional
# characters no byte of the source holds (由萃尾鵃炭封), which the bytes one byte out of step beat as GBK text
OUT_OF_STEP = "圣训学是穆斯林学者用来甄别圣训真伪难\ue7a1拧Ｔ谑パ笛Ю铮\ue0cf\ue087鍪老担╯"


def test_gbk_out_of_step_is_the_rival_of_a_big5_reading():
    start = OUT_OF_STEP.index("パ")
    end = start + 6
    assert rival_chain(OUT_OF_STEP, start, end, "由萃尾鵃炭封") == "gbk_out_of_step"
    best = OUT_OF_STEP[:start] + "由萃尾鵃炭封" + OUT_OF_STEP[end:]
    assert keep_proven(OUT_OF_STEP, best) == (OUT_OF_STEP, 6)


@pytest.mark.parametrize("truth", ["關島是美國在西太平洋的屬地，島上的居民大多是查莫洛人。",
                                   "南北竿的交通船，引進了新型的遊艇，載客量更大。", "他於1998年加入球隊，"])
def test_big5_read_as_gb18030_has_no_rival(truth):
    garbled = truth.encode("big5").decode("gb18030")
    assert not utf8_bytes(garbled)
    assert keep_proven(garbled, truth) == (truth, 0)


def test_utf8_and_replacement_bytes_are_rivals():
    # the middle layer of UTF-8 encoded twice through GBK is UTF-8 read as GBK: no window of it is Big5's
    middle = "这是一个关于编码的测试".encode().decode("gbk", "replace")
    assert utf8_bytes(middle)
    # 锟 + a character whose lead byte is BD: U+FFFD's UTF-8 bytes (EF BF BD) read as GBK
    text = "邊锟侥地區"
    assert rival_chain(text, 1, 3, "瘤嚙") == "replacement"


def test_utf8_with_lost_bytes():
    def tokens(text: str) -> list[int]:
        out: list[int] = []
        for c in text:
            out.extend([-1] if c in "?\ufffd" else c.encode("big5"))
        return out

    utf8_as_big5 = "中国足球运动员，司职中场，现效力于大连实德。".encode().decode("big5", "replace")
    assert utf8_with_lost_bytes(tokens(utf8_as_big5))
    gbk_as_big5 = "穆斯林统治时期修建的光塔至今仍有30座保存。".encode("gbk").decode("big5", "replace")
    assert not utf8_with_lost_bytes(tokens(gbk_as_big5))


# UTF-8 read as Big5 with '?' for its lost bytes (the chains generator's utf-8>big5, dev seed): read as GBK read
# as Big5 with lost bytes (`shifted`) it gave UTF-8-as-GBK mojibake (锛 for ，, 浜 for 人), written as a repair
UTF8_AS_BIG5 = ("???蝞∪????扳?踵祥瘛瑚??嚗???嗆??銝剛?臭犖瘞???勗????????憭?鈭支????"
                "??????????1967撟湛??銝剛?臭犖瘞???勗??????????血??撠潔?????撠?"
                "瘥?鈭???????銝???湛????曹葉?????寥?Ｘ晷???鈭箏?⊥??銵??????????"
                "嚗???游遣??西????菔楝???1971撟?7???9??乓??10???嚗?蝢????蝮賜絞?")


def test_utf8_read_as_big5_is_not_read_as_gbk_with_lost_bytes(step):
    doc = step.process(Document("d", UTF8_AS_BIG5))
    assert restore_original(doc) == UTF8_AS_BIG5
    assert not [e for e in doc.edits if e.reason == "gbk_as_big5_lost"]
    assert "锛" not in doc.text


# UTF-8 encoded twice through GBK with bytes lost (no window reads it back: its characters are counted) ...
_TWICE_LOST = (
        '閸︺劍婢呴崠妤€銇婇獮铏\ue0a4１閸滃矂妯嬮幏澶嬫焿閸旂姳绔寸敮璁圭礉妤\ue0ab參鐡\ue048弰顖滄'
        '殽閸︽壆閮寸徊杈╂畱闂傛粓宓夌粙顕嗙礉鐏忓洦鎹ｅú瀣\ue101晸閹卞\ue0c7閮寸徊杈╂畱妞佸﹤'
        '鍨庨崒鎶戒沪閼疯櫕锛庨弸妤冩晸閹卞\ue0c7閮寸徊渚库偓鍌涱劃婢舵牭绱濋悘鎵\ue1bc敽閸撳洤婀'
)
# ... and, on another line, a GBK byte deleted (the deleted-byte pass reads it back)
_DELETED = (
        '分布。其叶螺旋状排列，幼树的叶呈尖锥状，3至8毫米长，近基部扭遣⑵矫娴靥\ue2ae\ue3de字Φ'
        '谋咴瞪稀３墒斓氖鞯囊对虺柿圩矗?1至3毫米长，均匀分布于整个枝上。毬果与同科的物'
        '种一样，分类地位常有变更。偶尔会被分类至罗汉松属（"Podo'
)


def test_a_deleted_byte_read_on_one_line_keeps_the_count_of_utf8_left_on_another():
    # a review: the deleted byte's repair made the page count as repaired, and the UTF-8 left was no longer counted
    st = Mojibake()
    st.setup()
    alone = [st.process_batch([Document("d", t)])[0] for t in (_TWICE_LOST, _DELETED)]
    both = st.process_batch([Document("d", _TWICE_LOST + "\n" + _DELETED)])[0]
    assert alone[0].text == _TWICE_LOST and alone[1].text != _DELETED
    assert both.text.startswith(_TWICE_LOST + "\n") and both.signals.get("mojibake_repairs")
    assert both.signals["mojibake_unrepaired"] >= alone[0].signals["mojibake_unrepaired"] > 100
