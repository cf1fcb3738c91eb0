"""Mojibake repair: each kind on known text, and clean text left alone (the percentages live in eval/)."""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document, restore_original
from taosha.repair.mojibake import (
    UNKNOWN,
    DocumentContext,
    Mojibake,
    decode_tokens,
    document_counts,
    to_bytes,
)
from taosha.synth import damage
from taosha.zh.lm import for_script, model


@pytest.fixture(scope="module")
def step():
    s = Mojibake()
    s.setup()
    return s


def fix(step, text: str) -> Document:
    doc = step.process(Document("d", text))
    assert restore_original(doc) == text
    return doc


TRUTH = "我们要推动经济发展，实现乡村振兴，全面提高人民群众的生活水平。"


@pytest.mark.parametrize("garbled", [
    "浣犲ソ锛屼笘鐣岋紒",  # UTF-8 read as GBK
    "ä½\xa0å¥½ï¼\x8cä¸\x96ç\x95\x8cï¼\x81",  # UTF-8 read as cp1252 (latin-1 for undefined bytes)
])
def test_reversible_misreadings(step, garbled):
    assert fix(step, f"他说：{garbled}然后走了。").text == "他说：你好，世界！然后走了。"


@pytest.mark.parametrize("kind", ["utf8_as_gbk", "gbk_as_big5", "utf8_as_cp1252", "big5_as_gbk"])
def test_simulated_reversible_kinds(step, kind):
    text = TRUTH * 2 if kind != "big5_as_gbk" else "我們要推動經濟發展，實現鄉村振興，全面提高人民群眾的生活水平。" * 2
    d = damage.mojibake(text, random.Random(4), kind, sentences=1)
    assert d.text != text
    assert fix(step, d.text).text == text


def test_debris_is_removed_or_flagged(step):
    doc = fix(step, "今天天气锟斤拷锟斤拷很好，烫烫烫烫。")
    assert doc.text == "今天天气很好，。" and doc.signals["mojibake_debris"] == 2
    flag = Mojibake(debris="flag")
    out = flag.process(Document("d", "今天锟斤拷"))
    assert out.text == "今天锟斤拷" and out.signals["mojibake_debris"] == 1


def test_fullwidth_pass_damage_from_php_tools(step):
    # 要求。總結 in GBK, rewritten across a byte pair by a full-width -> half-width pass
    assert fix(step, "要求??偨Y(jié)范文").text == "要求。總結(jié)范文"
    assert fix(step, "國亂民怨?!币粋€國家要想").text == "國亂民怨。”一個國家要想"


def test_lost_byte_is_realigned(step):
    text = "我们要推动经济发展，实现乡村振兴。"
    raw = bytearray(text.encode("gbk"))
    del raw[6]  # a lead byte lost inside 推动
    garbled = bytes(raw).decode("gbk", "taosha.qmark")
    out = fix(step, garbled).text
    assert out.startswith("我们要") and out.endswith("实现乡村振兴。")
    assert out.count("?") <= garbled.count("?")


def test_bytes_round_trip_and_unknowns():
    lm = model()
    assert decode_tokens(to_bytes("经济发展"), lm) == "经济发展"
    assert to_bytes("a?b") == [0x61, -1, 0x62]


def test_big5_read_as_gb18030_with_its_punctuation_in_the_private_use_area(step):
    # browsers read a page labelled GBK with GB18030: Big5's comma (A1 41) comes out as U+E4C7
    truth = "馬祖除通用國語之外，還通用閩東語。"
    garbled = truth.encode("big5").decode("gb18030")
    assert "\ue4c7" in garbled
    page = f"南北竿的交通船，引進了新型的遊艇，載客量更大。{garbled}當地稱為平話。"
    assert fix(step, page).text == page.replace(garbled, truth)


def test_gbk_read_as_big5_with_frequent_traditional_characters(step):
    # the garbage is made of ordinary traditional characters: off-script in a simplified page, so examined
    truth = "年再被实德租借到当时"
    garbled = truth.encode("gbk").decode("big5")
    assert garbled == "爛婬掩妗肅逤質善絞奀"
    page = f"2006{garbled}仍是中甲球队的广州医药。2008赛季开始前被河南建业买入。"
    assert fix(step, page).text == page.replace(garbled, truth)


def test_japanese_is_not_read_as_gbk_misread_as_big5(step):
    # kana read as Big5 bytes and decoded as GBK give frequent characters too, but no words
    text = "日々私たちが過ごしている日常は、実は、奇跡の連続なのかもしれない。"
    assert fix(step, text).text == text


SIMPLIFIED_PAGE = "他出生在河北省的一个小村庄，家里很穷。{}大臣们纷纷上书请求恢复他的官职。"
TRADITIONAL_PAGE = "關島是美國在西太平洋的屬地，島上的居民大多是查莫洛人。{}全島面積約五百四十平方公里。"


@pytest.mark.parametrize("truth, written, read, page", [
    # mostly frequent characters, few rare: each gains much by being read right, and the reading makes words
    ("潘均顺于1916年前往俄国从事劳动业，由于1917年俄国革命爆发的关系无法回国。", "gbk", "big5", SIMPLIFIED_PAGE),
    # three odd characters within six (what the repair asks of a run) are enough for the gate
    ("384年正月，", "gbk", "big5", SIMPLIFIED_PAGE),
    ("但大空家的主", "gbk", "big5", SIMPLIFIED_PAGE),
    # GBK's ， (A3 AC) is Big5's ㄛ: zhuyin in a simplified page is misread punctuation, not Taiwan's spelling
    ("次年，以", "gbk", "big5", SIMPLIFIED_PAGE),
    ("同样地，40", "gbk", "big5", SIMPLIFIED_PAGE),
    ("结构式为CHOH（HC=CH）", "gbk", "big5", SIMPLIFIED_PAGE),  # ㄗ alone between ASCII text: a run of its own
    # a stretch against a digit, every character rare or off-script, every reading frequent
    ("18岁在", "gbk", "big5", SIMPLIFIED_PAGE),
    ("1999年在", "gbk", "big5", SIMPLIFIED_PAGE),
    ("自2016年9月17", "gbk", "big5", SIMPLIFIED_PAGE),  # digits in the window do not make it Latin text
    ("1998年", "gbk", "big5", SIMPLIFIED_PAGE),  # one character after digits that reads as 年
    # ° (Big5 A2 58) becomes a private-use character under GB18030: two together, or one by a digit, are evidence
    ("位於北緯13.2°至13.7°，東經144.6°至145.0°之間。", "big5", "gb18030", TRADITIONAL_PAGE),
    # ... and a private-use character alone between numbers is a run of its own (Big5's 到 read as GB18030)
    ("佔了90%到96%的比例", "big5", "gb18030", TRADITIONAL_PAGE),
], ids=["frequent-characters", "date", "name", "zhuyin-comma", "zhuyin-before-digits", "zhuyin-bracket", "age",
        "year", "date-with-digits", "year-alone", "degrees", "between-percentages"])
def test_two_byte_misreadings_in_a_page(step, truth, written, read, page):
    garbled = truth.encode(written).decode(read)
    assert garbled != truth
    assert fix(step, page.format(garbled)).text == page.format(truth)


def test_utf8_read_as_gbk_up_to_an_ascii_letter(step):
    # the last UTF-8 byte of 括 and the P after it were read as one GBK character (鎷琍)
    truth = "这座建筑的风格包括Pewabic陶瓷的装饰品"
    garbled = truth.encode("utf-8").decode("gb18030")
    assert "鎷琍" in garbled
    assert fix(step, f"它们{garbled}。").text == f"它们{truth}。"


@pytest.mark.parametrize("clean", [
    "这是一个正常的句子，没有问题吗?",  # a real half-width question mark
    "记者问：2002年的时候百度已经有竞价排名这个做法了?\n李：已经有了。",  # no asking word, still a question
    "欲加之罪，何患无辞?",
    "因其英文缩写首字母为「ㄟㄙ·ㄎㄟ·ㄨㄞ」，被称为一片天。",  # zhuyin letters spell, they are not mojibake
    # nor in a simplified page about zhuyin, though ㄐㄩ and ㄛ are also what GBK's ！： and ， become in Big5
    "例如“ㄐㄩ”表示“居”的读音，这是注音符号的拼法。", "台湾的小学生先学注音，ㄛ是其中一个韵母。",
    "彼何人斯，其心孔艱。皐皐訿訿，曾不知其玷。",  # rare classical characters in a traditional text
    "白岳峰（백악봉），朝鲜族，中国足球运动员。",  # Hangul
    "(╯‵□′)╯︵┻━┻ 掀桌了",  # a kaomoji
    "Python 3.11 发布了，支持 f(x) 语法?",
    "东京（とうきょう）是日本的首都。",  # kana are not mojibake
    "台灣的阿里山與日月潭是著名景點。",
    "他的名字叫彧，字文若，是曹操的谋士。",  # rare characters in names
    "法国 café 和德国 Straße 都很有名。",  # Latin letters with diacritics
    "╔════╗ 表格边框",
    "在查找中，使用「*」表示任意多个字符，使用「_」或「?」表示一个字符。",  # the character itself, quoted
    "Is My Blog Worth?看看你的BLOG值多少钱",  # a Latin sentence asks
    "嘿~ .. 明天你要去比賽啦~?有加油團嗎? 這是一定要的",  # after a tilde, a question
    "1975年，勃朗米勒出版《性+暴力=?》一書。",  # after an equals sign, the unknown asked for
    "女友問：「你瘋了嗎??」我說沒有。",  # however many marks after a question particle
    "呢件衫真係好靚架咩?等我試下先。",  # Cantonese asks with 咩
    # a lone private-use character among words is an icon font's glyph, not Big5 punctuation read as GB18030
    "\ue600 首页 \ue601 新闻 \ue602 关于我们。本站提供最新的新闻资讯和评论。",
    "點擊\ue60a進入首頁，\ue60b查看更多內容。台灣的新聞每天更新。",
    # their second byte is a letter, but they stand beside a Latin word, not inside one: no gained byte
    "华硕是一家OEM製造商，总部在台北。", "紫色那片CD裡，Fast Car最好听。", "与日本选货店舖Beams推出联名款。",
    "总面积316 K㎡,东西长22公里。", "Russell–Einstein宣言最初称为《科学家要求废止战争》。",
])
def test_clean_text_is_left_alone(step, clean):
    doc = fix(step, clean)
    assert doc.text == clean and doc.edits == []
    assert "mojibake_unrepaired" not in doc.signals


def test_a_lost_byte_left_as_a_question_mark_is_flagged(step):
    # mid-sentence, with no asking word before it: a lost character (深水埗), counted as unrepaired
    doc = fix(step, "及後擴展到深水?區以及黃大仙區。")
    assert doc.signals.get("mojibake_unrepaired") == 1


@pytest.mark.parametrize("text", [
    "河南建业。2009年9?12日，徐晓飞首次代表球队出场。",  # 月 lost a byte: nothing names it, so it stays marked
    "2003?10月，神舟五号载人飞船载人飞行取得成功。",  # 年
    "并于20?12年开始活跃于台湾综艺节目。",  # a byte gained inside the year
    "需求。201?7-2018冬春航季开始。",  # inside a number followed by ASCII too
    "支持双位元字（D?BCS）的支援较许多由英语系统更好。",  # inside an acronym: no question there either
])
def test_a_question_mark_inside_a_number_or_an_acronym_is_flagged_and_kept(step, text):
    doc = fix(step, text)
    assert doc.text == text and doc.signals.get("mojibake_unrepaired") == 1


def test_clean_corpora_are_left_alone(step, shared):
    import gzip
    import json

    for name in ("cmrc2018_wiki_zh_hans.jsonl.gz", "drcd_wiki_zh_hant.jsonl.gz"):
        with gzip.open(shared / "corpora" / "wiki" / name, "rt", encoding="utf-8") as fh:
            texts = [json.loads(line)["text"] for line in fh][:300]
        changed = [t for t in texts if fix(step, t).text != t]
        assert changed == [], changed[:1]


def test_annotation_glued_inside_a_byte_pair(step):
    # 當的 in GBK is AE 94 B5 C4; the spinner matched 數 (94 B5) across the two characters and glued (shù)
    # after it: AE 94 B5 ( s h ù ) C4 ..., which the PHP decoder reads as 當 ? shù) and misaligned bytes.
    raw = "當".encode("gbk") + b"\xb5" + "(shù)".encode("gbk") + "的建設工作，".encode("gbk")[1:]
    garbled = raw.decode("gbk", "taosha.qmark").replace("?(", "?", 1)
    assert garbled.startswith("當?shù)")
    assert fix(step, garbled).text == "當(shù)的建設工作，".replace("(shù)", "")


def test_a_two_character_name_in_utf8_read_as_gbk(step):
    # 赵鹏 in UTF-8 is six bytes, three GBK characters: the shortest run the gate looks for
    garbled = "赵鹏".encode().decode("gb18030")
    assert garbled == "璧甸箯"
    assert fix(step, f"{garbled}于1997年便加入河南建业青年队。").text == "赵鹏于1997年便加入河南建业青年队。"


def test_a_lost_byte_of_punctuation_comes_back_as_the_likely_mark(step):
    # the lead byte of 系 lost: the bytes realign only after the comma's pair, whose own lead byte is then
    # alone; of the full-width marks that byte can begin, a comma is by far the most frequent
    truth = "他于2005年在鹿屋体育大学体育系毕业，并因在日本大学生足球联赛中表现出色而签约。"
    raw = bytearray(truth.encode("gbk"))
    del raw[len(truth[: truth.index("系")].encode("gbk"))]
    garbled = bytes(raw).decode("gbk", "taosha.qmark")
    # the misread characters (当弦担) are all frequent ones: alone, nothing shows that bytes were lost rather than a
    # character the source could not encode, and the line is left flagged
    alone = fix(step, garbled)
    assert alone.text == garbled and alone.signals["mojibake_unrepaired"] == 1
    # in a page whose lost bytes show (偨 is no character a page writes), the line is read as such a page's
    out = fix(step, f"要求??偨Y(jié)范文\n{garbled}").text.split("\n")[1]
    # (which character 系's lone trail byte and 毕's lead stand for is a guess: 当上业 and 说毕业 both read well)
    assert "业，并因" in out and "！" not in out and "?" not in out


def test_gbk_read_as_big5_between_digits(step):
    # 年 and 月 read as Big5 (爛, 堎): one character at a time between digits, no dense stretch to see
    garbled = "自2016" + "年".encode("gbk").decode("big5") + "9" + "月".encode("gbk").decode("big5") + "17日起"
    assert garbled == "自2016爛9堎17日起"
    page = garbled + "，固始县财政开始对固始站乘降旅客进行现金补贴，政策施行后车站客流增幅明显。"
    assert fix(step, page).text == page.replace("爛", "年").replace("堎", "月")


@pytest.mark.parametrize("head, misread, tail", [
    # 于 read as Big5 is 衾, itself frequent enough: the other two are rare, and all three read as frequent ones
    ("这是中国第一个建于永久冻土带的机场。", "于2006年6月", "21日动工，总投资2.38亿元人民币。"),
    # a two-character word before the number, not each character next to a digit: the stretch ends at one
    ("他们在勒拿河以东的地区都有分布。", "根据2002年", "人口统计，人口为19071。"),
])
def test_gbk_read_as_big5_around_a_date(step, head, misread, tail):
    damaged = head + _gbk_as_big5(misread) + tail
    assert fix(step, damaged).text == head + misread + tail


def test_a_big5_page_read_as_gbk_as_a_whole(step):
    # the whole page misread looks like simplified text: the per-stretch repairs, judging with the page's
    # script, cannot see it; the page is read right as a whole and judged with the model of no script
    truth = "馬祖除通用國語之外，還通用閩東語。當地稱為平話，也稱馬祖話。" * 3
    garbled = truth.encode("big5").decode("gb18030")
    out = fix(step, garbled)
    assert out.text == truth and out.edits[0].reason == "big5_as_gbk"
    assert fix(step, "(╯‵□′)╯︵┻━┻").edits == []  # a kaomoji is no page of misread text


def test_a_lost_byte_goes_to_the_word_that_binds_most():
    # trail byte A3 is shared by 。 and 牛 (and 保, 校 ...): 。 is far more frequent, but 犀 is hardly ever
    # followed by anything but 牛 (a word bound far more than its characters' frequencies say)
    tokens = [*to_bytes("灰犀"), -1, 0xA3, *to_bytes("”“幺蛾子”事件")]
    assert decode_tokens(tokens, model()) == "灰犀牛”“幺蛾子”事件"


@pytest.mark.parametrize("truth", ["、Cooly", "、Cooly（Basic"])
def test_one_punctuation_mark_in_utf8_read_as_gbk_before_a_latin_word(step, truth):
    # 、 in UTF-8 (E3 80 81) read as GBK takes the next letter with it: 銆丆ooly; one character, still repaired
    garbled = truth.encode("utf-8").decode("gb18030")
    assert garbled.startswith("銆丆")
    text = "苦力的英文写法有Cooli{}等多种，源自印地语。"
    assert fix(step, text.format(garbled)).text == text.format(truth)


@pytest.mark.parametrize("garbled, truth", [
    # a stray lead byte before the l of Mozilla made one GBK character with it: skipping the byte restores the word
    ("能。Mozi鮨la Firefox在2004年发布。", "能。Mozilla Firefox在2004年发布。"),
    # at a word's edge too, when the character is rare in any script
    ("打工度假签证（Working Holida恲 Visa），又称打工度假。", "打工度假签证（Working Holiday Visa），又称打工度假。"),
    ("这就是镜速（綥ens speed）的概念。", "这就是镜速（Lens speed）的概念。"),
])
def test_a_byte_gained_by_a_latin_word(step, garbled, truth):
    assert fix(step, garbled).text == truth


@pytest.mark.parametrize("text", [
    "美國作家哈雷與黑人領袖麥康姆?X合著的《麥康姆?X自傳》，由詹姆斯?喬伊斯的研究者埃爾曼作序。",
    "一個住日本的......??天生魔女??......也是我們的好朋友。",
])
def test_question_marks_in_genuine_traditional_text_are_not_gbk_damage(step, text):
    # a Big5 page's '?' is a character Big5 lacks (the · of a foreign name), not a GBK byte lost
    assert fix(step, text).text == text


def test_utf8_read_as_gbk_right_after_clean_text_whose_bytes_pass_for_utf8(step):
    # the bytes of 村。 (B4 E5 A1 A3) look like the start of a UTF-8 sequence: the window is trimmed back to the
    # misreading, not given up
    truth = "属上海铁路局嘉兴车务段管辖，有沪昆客运专线经过本"
    before = "嘉善南站是沪昆客运专线的一个车站，位于中国浙江省嘉善县大云镇江家村。"
    after = "站。嘉善南站于2010年开通。"
    garbled = truth.encode("utf-8").decode("gb18030")
    assert fix(step, before + garbled + after).text == before + truth + after


def test_a_symbol_inside_a_latin_word_is_not_a_gained_byte(step):
    # 、 read as Big5 is ﹜, whose GBK bytes end in the letter y: taking it for a gained byte would write LesyJohn
    page = SIMPLIFIED_PAGE.format("演员有Les{}John等人")
    assert fix(step, page.format("﹜")).text in (page.format("﹜"), page.format("、"))


def test_a_bracket_that_lost_its_first_byte_before_a_latin_word(step):
    # （ is A3 A8 in GBK; a byte lost before it leaves A8 to pair with the S of SINOSAT (⊿): the realignment is
    # looked for from there, and the text from the bracket on comes back
    doc = fix(step, "鑫诺二号通形佬牵⊿INOSAT-2）由中国空间技术研究院制造。")
    assert "卫星（SINOSAT-2）由中国" in doc.text and doc.signals.get("mojibake_repairs") == 1


@lru_cache(maxsize=1)
def _gbk_decoded():
    """Every GBK byte pair that decodes, with its character, decoded here one by one (the reference)."""
    out = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                out[lead << 8 | trail] = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                pass
    return out


def _grouped_by_loop(pairs, keep_lead, keep_trail):
    """Characters by lead byte and by trail byte, inserted pair by pair in byte order (the reference)."""
    by_lead, by_trail = {}, {}
    for code, c in pairs.items():
        lead, trail = code >> 8, code & 0xFF
        if keep_lead(trail):
            by_lead.setdefault(lead, []).append(c)
        if keep_trail(lead):
            by_trail.setdefault(trail, []).append(c)
    return ([(k, tuple(v)) for k, v in by_lead.items()], [(k, tuple(v)) for k, v in by_trail.items()])


def test_gbk_tables_hold_every_pair_by_lead_and_by_trail_in_byte_order():
    from taosha.repair.mojibake.codec import _gbk_tables, _vanished_tables, dropped_areas

    pairs = _gbk_decoded()
    by_lead, by_trail = _gbk_tables()
    # the same groups, each in byte order, and the same keys in the same order
    assert (list(by_lead.items()), list(by_trail.items())) == _grouped_by_loop(pairs, lambda t: True, lambda t: True)
    # a vanished byte's candidates: the characters whose other byte is one of the area's, for every area
    for area, (firsts, seconds) in enumerate(dropped_areas()):
        lead_of, trail_of = _vanished_tables(area)
        assert (list(lead_of.items()), list(trail_of.items())) == _grouped_by_loop(
            pairs, firsts.__contains__, seconds.__contains__)
    # every pair of an area is one GBK's decoder rejects
    for firsts, seconds in dropped_areas():
        assert firsts and seconds
        assert all((f << 8 | s) not in pairs for f in firsts for s in seconds)


def _decode_by_byte(tokens, lm):
    """What decode_tokens does, byte by byte: the reference its codec stretches must agree with."""
    from taosha.repair.mojibake.codec import _gbk_tables
    from taosha.repair.mojibake.fill import _fill

    by_lead, by_trail = _gbk_tables()
    pairs = _gbk_decoded()
    items, i, n = [], 0, len(tokens)
    while i < n:
        b = tokens[i]
        if 0 <= b < 0x80:
            items.append(chr(b))
            i += 1
            continue
        nxt = tokens[i + 1] if i + 1 < n else None
        if nxt is None or (nxt != UNKNOWN and (nxt < 0x40 or nxt == 0x7F or nxt == 0xFF)):
            items.append("?")
            i += 1
            continue
        if b == UNKNOWN and nxt == UNKNOWN:
            items.append(())
        elif b == UNKNOWN:
            items.append(by_trail.get(nxt, ()))
        elif nxt == UNKNOWN:
            items.append(by_lead.get(b, ()))
        else:
            c = pairs.get(b << 8 | nxt)
            if c is None:
                items.append("?")
                i += 1
                continue
            items.append(c)
        i += 2
    return _fill(items, lm, DocumentContext())


def test_decoding_by_stretches_agrees_with_decoding_byte_by_byte():

    lm, rng = model(), random.Random(7)
    text = "经济发展（jīng）要求。總結(jié)范文ABC，?"
    good = list("经济发展要求总结".encode("gbk"))
    for _ in range(3000):
        kind = rng.random()
        if kind < 0.5:  # real text with lost bytes and stray bytes
            tokens = list(text.encode("gbk", "replace"))[: rng.randint(0, 40)] + good[: rng.randint(0, 16)]
        else:
            tokens = [rng.choice((rng.randint(0, 0x7F), rng.randint(0x80, 0xFF), rng.randint(0x81, 0xFE),
                                  0x28, 0x80, 0xFF)) for _ in range(rng.randint(0, 14))]
        for _ in range(rng.randint(0, 3)):
            tokens.insert(rng.randint(0, len(tokens)), UNKNOWN)
        assert decode_tokens(tokens, lm) == _decode_by_byte(tokens, lm), tokens


def test_gbk_read_as_big5_with_few_rare_characters_is_repaired_in_a_suspect_page():
    # GBK read as Big5 gives many characters GB2312 has too (由于乡里 -> 蚕衾盺爵): the second stretch holds only
    # two rare ones, but it gains strongly and makes words, in a page the first stretch made suspect
    def big5(s: str) -> str:
        return s.encode("gbk").decode("big5")

    head, tail = "丰富游戏内的剧情。", "去世，不得不寻找其他声优接手。"
    first, second = "此部份专门介绍角色，欲知武器情报、奥义字或擅长攻击类型等，请至战国无双系列", "由于乡里大辅先生因故"
    doc = Document("d", head + big5(first) + "1." + big5(second) + tail)
    assert Mojibake().process(doc).text == head + first + "1." + second + tail
    assert restore_original(doc) == head + big5(first) + "1." + big5(second) + tail


def test_big5_reading_of_gbk_enumeration_comma_between_numbers_is_repaired():
    # 、 read as Big5 is ﹜, which simplified text does not use: alone between numbers it is a run of its own
    def big5(s: str) -> str:
        return s.encode("gbk").decode("big5")

    garbled = big5("此部份专门介绍角色，欲知武器情报")
    doc = Document("d", f"调查显示，{garbled}。支持率分别为61%{big5('、')}63%{big5('、')}66%和78%。")
    want = "调查显示，此部份专门介绍角色，欲知武器情报。支持率分别为61%、63%、66%和78%。"
    assert Mojibake().process(doc).text == want
    # and with no other damage on the page: ﹜ after a digit, twice, lets the page through the gate (it is a small
    # form, U+FE5C, which the gate counts as East Asian)
    page = "象征对这所学校的认同感。" + "、".join(["11", "70", "71", "72"])
    assert Mojibake().process(Document("d", page.replace("、", big5("、")))).text == page


def test_a_run_with_private_use_evidence_is_not_read_as_gbk_in_big5_first():
    # Big5 read as GB18030 leaves private-use characters; the GBK-read-as-Big5 pass, which runs first, once
    # "repaired" a window of that run into other garbage (琭狶舅猭砏 -> 冢咬袱趗巷) and the right pass failed
    truth = ("東柏林成為民主德國的首都。但西柏林實際上依然為美英法三國共同控制，"
             "雖然聯邦德國基本法和西柏林憲法規定西柏林隸屬於聯邦德國的一個州。")
    cut = truth.index("但")
    doc = Document("d", truth[:cut] + truth[cut:].encode("big5").decode("gb18030"))
    assert any("\ue000" <= c <= "\uf8ff" for c in doc.text)  # the evidence
    assert Mojibake().process(doc).text == truth


_GATE_CHARS = "经济发展們經濟浣犲ソ锛屼笘鐣岋紒ä½ å¥½?2016爛9堎ㄛ\ue4c9abcXYZ \n\0éà()"
_GATE_TEXT = st.text(st.sampled_from(list(_GATE_CHARS)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(_GATE_TEXT, max_size=8))
def test_the_gate_of_a_batch_is_each_texts_gate(texts):
    from taosha.repair.mojibake.gate import _suspicious_many

    assert _suspicious_many(texts) == [_suspicious_many([t])[0] for t in texts]


def _php_damage(text: str, walk: bool = False) -> str:
    """What the shared tools do to GBK text (see the seed page's README): a full-width -> half-width pass over
    byte pairs read from the second byte on (A3 xx becomes xx - 80), then decoding as PHP's CP936 does: '?' for
    a byte that starts no character, and a pair in the user-defined area (lead AA-AF or F8-FE) dropped. With
    `walk`, the pass steps over an ASCII byte alone (a trail byte such as 確's 5F realigns it), as on the page's
    line 166."""
    b = text.encode("gbk")
    out, i = bytearray(b[:1]), 1
    while i < len(b):
        if walk and b[i] < 0x80:
            out.append(b[i])
            i += 1
            continue
        out += bytes([b[i + 1] - 0x80]) if b[i] == 0xA3 and i + 1 < len(b) and b[i + 1] >= 0xA1 else b[i : i + 2]
        i += 2
    chars, i = [], 0
    while i < len(out):
        if out[i] < 0x80:
            chars.append(chr(out[i]))
            i += 1
        elif i + 1 < len(out) and (0xAA <= out[i] <= 0xAF or out[i] >= 0xF8) and out[i + 1] >= 0xA1:
            i += 2  # a user-defined pair: nothing
        else:
            try:
                chars.append(bytes(out[i : i + 2]).decode("gbk"))
                i += 2
            except UnicodeDecodeError:
                chars.append("?")
                i += 1
    return "".join(chars)


def test_a_pair_dropped_by_phps_decoder_is_put_back():
    # 。” read from the second byte on holds A3 A1 (full-width !): the rest is misread until realigned, and 委's
    # trail AF with 就's lead BE made a user-defined pair that vanished, leaving 瓮 (CE CD) for 委就
    truth = "總書記強調民族凝聚力和向心力。”省委就落實意識形態工作責任制作了全面部署。"
    damaged = _php_damage(truth)
    assert "?!" in damaged
    plain = damaged.replace("?!", "").replace("?", "")
    assert len(plain) < len(truth) - 1  # characters vanished
    doc = Mojibake().process(Document("d", damaged))
    assert "省委" in doc.text and "瓮" not in doc.text and len(doc.text) == len(truth)  # both came back
    assert restore_original(doc) == damaged


def test_a_page_whose_misread_half_outnumbers_its_own_script_is_judged_with_no_script():
    # GBK read as Big5 looks traditional: here 18 traditional-only characters against the page's 13 simplified
    # ones. Judged as a traditional page, reading them right loses; judged with no script, it wins
    def big5(s: str) -> str:
        return s.encode("gbk").decode("big5")

    head = "涞滩镇是中国著名的古镇之一，位于重庆市合川区东北部，渠江西岸，离合川城区二十八公里，总面积约六十平方公里。"
    body = ("涞滩镇始建于晚唐时期，兴盛于宋代，历史文化底蕴深厚。古镇明清民居错落有致，老街小巷古朴典雅。"
            "早在一九五六年，因有晚唐石刻，宋代古镇、清代民居及大量完整而又相对集中的文物古迹被公布为四川省重点文物保护单位。")
    doc = Document("d", head + big5(body))
    assert Mojibake().process(doc).text == head + body


def test_two_pairs_dropped_from_one_stretch_are_both_put_back():
    # 之 ends in AE and 要 in AA: two user-defined pairs vanish from one misread stretch (總之就是要用 -> 總滞是颐);
    # the annotation marks the page as spun (GBK from a converter), so the stretch is realigned at all
    page = "各級黨委要切實履行主體責任，把安全生產(chǎn)工作擺上重要議事日程。"
    truth = "對失職行為嚴肅追究責任。總之就是要用鐵的紀律、鐵的手段抓安全、抓落實。"
    damaged = _php_damage(truth)
    doc = Mojibake().process(Document("d", page + "\n" + damaged))
    first, got = doc.text.split("\n")
    # 要's trail AA vanished with 用's lead: its lead D2 names it no better than 引 (D2 FD; 引用 reads as well)
    k = truth.index("要")
    assert first == page and len(got) == len(truth) and got[:k] + got[k + 1 :] == truth[:k] + truth[k + 1 :]
    assert restore_original(doc) == page + "\n" + damaged


def test_a_chain_of_pairs_converted_by_the_full_width_pass_is_read_back():
    # while the pass walks misaligned, every pair it meets that starts with A3 becomes an ASCII byte: 專 ends in
    # A3 (做到??顚: 專款 lost its A3 BF), and so do ， 常 。 (S M S R are the leads of 用 投 有 要 less 0x80); 茫's
    # and R's neighbours made user-defined pairs, which vanished. The page's own line, rebuilt here
    page = "各級黨委要切實履行主體責任，把安全生產(chǎn)工作擺上重要議事日程。"
    truth = "做到專款專用，常投常有。要確保人力投入,根據職工數量和單位特點,分級負責。"
    damaged = _php_damage(truth, walk=True)
    assert damaged.startswith("做到??顚S茫M冻S小R_保人力投入")
    doc = Mojibake().process(Document("d", page + "\n" + damaged))
    first, got = doc.text.split("\n")
    assert first == page and len(got) == len(truth)
    # the lead bytes of 專 (at 2) and 常 (at 7) are lost for good: any character ending in A3 may stand there
    assert [c for k, c in enumerate(got) if k not in (2, 7)] == [c for k, c in enumerate(truth) if k not in (2, 7)]
    assert all(got[k].encode("gbk")[1] == 0xA3 for k in (2, 7))
    assert restore_original(doc) == page + "\n" + damaged


def test_a_signature_and_a_vanished_pair_in_one_stretch():
    # 牛” read from A3 on: ”“ comes out as '!' + misread text, and 件確's BC FE B4 5F left FE B4, a user-defined
    # pair, which vanished: read without it the stretch never makes sense (事糭), with it the stretch is whole
    page = "各級黨委要切實履行主體責任，把安全生產(chǎn)工作擺上重要議事日程。"
    truth = "灰犀牛”“幺蛾子”事件確保為建黨一百周年營造安定祥和的環境。"
    damaged = _php_damage(truth, walk=True)
    assert "?!" in damaged and "_保" in damaged
    doc = Mojibake().process(Document("d", page + "\n" + damaged))
    assert "“幺蛾子”事件確保為建黨" in doc.text and "?" not in doc.text


def test_two_lost_characters_side_by_side_are_chosen_together_with_what_the_document_writes():
    # 危化 lost a lead byte each (?;? on the page): the character model alone prefers 海化 (海 is frequent), and
    # without its left neighbour 、 the first one may be a full stop; the page writes 危化品 three times
    lm = for_script("traditional")
    page = "加強對危化品、礦山、煙花爆竹的監管(guǎn),開展危化品安全專項整治,嚴格危化品運輸管理。"
    tokens = [UNKNOWN, 0xA3, 0xBB, UNKNOWN, 0xA1, 0xA2, *"地面".encode("gbk")]
    assert decode_tokens(tokens, lm, "、", context=DocumentContext(page)) == "危化、地面"
    # no neighbour: 。 is not ruled out
    assert not decode_tokens(tokens, lm, "", context=DocumentContext(page)).startswith("危")
    assert decode_tokens(tokens, lm, "、", context=DocumentContext("")) != "危化、地面"
    # no state outside the context: after the page's context, bytes on their own know nothing of the page
    assert decode_tokens(tokens, lm, "、") == decode_tokens(tokens, lm, "、", context=DocumentContext(""))
    assert document_counts(page)[0]["危化"] == 3 and "礦山" not in document_counts(page)[0]  # written once


def test_a_quoted_question_mark_is_the_character_itself():
    text = "通配符：使用「_」表示任意一个字符，或「?」表示一个字符。要显示表格，请按下回车键。"
    doc = Mojibake().process(Document("d", text))
    assert doc.text == text and "mojibake_unrepaired" not in doc.signals


def test_a_question_mark_before_a_comma_after_han_is_a_lost_byte():
    from taosha.repair.mojibake.questions import _asks

    assert not _asks("煤礦、?;?、地面", 3)  # PHP's signature: 危 lost its lead, A3 BB became ';'
    assert not _asks("他說?,我們走", 2)
    assert _asks("是什麼?", 3) and _asks("真的嗎? 好", 3)  # at a line's end, before a space


def test_damage_right_after_a_pinyin_annotation_is_looked_for():
    # the '?' of PHP's signature follows the annotation's ')' (環(huán)?!傲): ASCII on both sides, damage all the same
    page = "各級黨委要切實履行主體責任，把安全生產(chǎn)工作擺上重要議事日程。"
    head = "建立黨政班子管業(yè)務、管隊伍、管安全、管環(huán)"
    truth = "保“六位一體”聯動機制。認真貫徹落實新時期好幹部標準。"
    damaged = head + _php_damage(truth, walk=True)
    assert damaged.startswith(head + "?!傲灰惑w”")
    got = Mojibake().process(Document("d", page + "\n" + damaged)).text.split("\n")[1]
    assert got.startswith(head) and len(got) == len(head + truth)
    # 保 lost its lead byte, 位 its lead with 六's trail (a user-defined pair, vanished): guessed, the rest exact
    rest = got[len(head) :]
    assert [c for k, c in enumerate(rest) if k not in (0, 3)] == [c for k, c in enumerate(truth) if k not in (0, 3)]


def test_a_question_mark_opening_a_line_before_han_is_debris_in_a_page_with_lost_bytes():
    # the page's lost bytes are established (要求??偨Y: the full-width pass): a '?' opening a line there is a byte
    # whose character is gone; in a page without such damage it is a character the source could not encode
    # (?小时候感觉: an emoji), left as it stands
    text = "要求??偨Y(jié)范文\n?同志們：\n今天召開全縣意識形態(tài)工作會議。"
    doc = Mojibake().process(Document("d", text))
    assert doc.text == "要求。總結(jié)范文\n同志們：\n今天召開全縣意識形態(tài)工作會議。"
    assert doc.signals["mojibake_debris"] == 1 and restore_original(doc) == text
    assert [e.reason for e in doc.edits] == ["misaligned_gbk", "debris"]
    assert Mojibake(debris="flag").process(Document("d", text)).text.split("\n")[1] == "?同志們："
    alone = "意識形態(tài)工作會上的講話篇三\n?同志們：\n今天召開全縣意識形態(tài)工作會議。"
    assert Mojibake().process(Document("d", alone)).text == alone
    question = "你去哪儿?\n我去学校。"  # a question mark ends a line, it does not open one
    assert Mojibake().process(Document("d", question)).text == question


_HEAD = "北京是中华人民共和国的首都，也是全国的政治和文化中心。这里有许多名胜古迹，每年吸引大量游客前来参观。"


def _gbk_as_big5(s: str) -> str:
    return s.encode("gbk").decode("big5")


def test_short_fragments_between_ascii_words_are_read_like_the_page_damage():
    # 发行 and 专辑 read as Big5 (楷俴, 蚳憮) stand alone between ASCII words: too short to be judged alone, they are
    # read so once a stretch of the page was
    text = "他在少年时期离开了家乡，后来到了美国纽约居住。"
    damaged = _HEAD + _gbk_as_big5(text) + "1987 " + _gbk_as_big5("发行") + " Bad " + _gbk_as_big5("专辑") + " MTV"
    doc = Mojibake().process(Document("d", damaged))
    assert doc.text == _HEAD + text + "1987 发行 Bad 专辑 MTV" and restore_original(doc) == damaged
    alone = _HEAD + "1987 " + _gbk_as_big5("发行") + " Bad"  # no stretch of the page read so: left as it is
    assert Mojibake().process(Document("d", alone)).text == alone


def test_a_clean_neighbour_that_makes_a_word_stays_out_of_the_repair():
    # the damage ends before 瑞士: 瑞 read back as Big5 bytes gives 风, more frequent, but 瑞士 is a word
    text = "他在少年时期离开了家乡，此后更来到了"
    damaged = _HEAD + _gbk_as_big5(text) + "瑞士居住。少年时代的他非常喜欢音乐。"
    assert Mojibake().process(Document("d", damaged)).text == _HEAD + text + "瑞士居住。少年时代的他非常喜欢音乐。"




def test_a_misread_fragment_is_read_up_to_the_sentence_its_reading_ends():
    # 萬。 read as GB18030 (窾 and a private-use character) is glued to the clean sentence after it: the run as a
    # whole does not read as the other codec, its head up to the full stop does
    def misread(s: str) -> str:
        return s.encode("big5").decode("gb18030")

    head = "樂山市是四川省下轄的地級市，位於四川省中南部，古稱嘉州。"
    body = "地處四川盆地西南部，北部為成都平原，東部為川中丘陵區。"
    tail = "全市面積1.27萬平方公里，人口326.05萬。樂山是國家歷史文化名城。"
    damaged = (head + misread(body) + "全市面積1.27" + misread("萬平方公里，人口") + "326.05" + misread("萬。")
               + "樂山是國家歷史文化名城。")
    doc = Mojibake().process(Document("d", damaged))
    assert doc.text == head + body + tail and restore_original(doc) == damaged


@pytest.mark.parametrize("head, body, tail, first", [
    # 磁 read as GBK is 合, a frequent character: alone it would read better misread, but 磁場 is a word
    ("恆星的自轉速率與其磁場有關，年輕的恆星自轉較快，因此具有高度的表面活動。",
     "磁場也會增強恆星風，然而自轉的速率有如閘門，隨著恆星的老化而逐漸減緩。", "", "合"),
    # 儒 read as GBK is 晶, more frequent than 儒 itself: the window would start after it, one character into a
    # sentence whose rest is misread; a misread stretch begins at a sentence's edge
    ("天文學家使用一種連續的日數計算方法，這種方法在天文學上很常用。",
     "儒略日是一種不用年月的長期紀日法，多為天文學家使用。", "", "晶"),
    # the misread stretch ends with its full stop; the clean 隔 after it would read as 路, which a window
    # reaching one character past the stop took in
    ("第三屆奧斯卡金像獎於一九三零年舉行，共頒發了八個獎項。",
     "這一年因為評審的意見不一，只好將獎項頒給了電影《日出》。",
     "隔年，奧斯卡又改回單一的最佳作品獎，並決定了得獎影片。", None),
    # Big5 read as GB18030 gives GB2312-looking garbage and private-use punctuation: with more of it than of the
    # page's own traditional text, the page looks simplified, and the traditional reading would lose against it
    ("馬祖的飲食文化。",
     "馬祖的美食有清蒸黃魚、淡菜、紫菜、繼光餅等，特產有高粱酒、老酒、紅糟、米醋、芙蓉酥、金銀花茶等。"
     "繼光餅相傳是明朝大將戚繼光鎮守馬祖時所創，為了在行軍時還能填飽肚子，將麵餅中間戳一個洞，用繩子穿起來綁在腰間。",
     "", None),
], ids=["a neighbour that makes a word", "from its sentence start", "up to its sentence end", "a page mostly misread"])
def test_big5_read_as_gb18030_is_read_back_to_the_stretch_edges(head, body, tail, first):
    damaged = head + body.encode("big5").decode("gb18030") + tail
    assert first is None or damaged[len(head)] == first
    assert Mojibake().process(Document("d", damaged)).text == head + body + tail


def test_a_short_stretch_of_gbk_read_as_big5_with_only_rare_characters_is_let_through():
    # 这座建筑被列 read as Big5 is 涴釱膘耟掩蹈: no traditional-only character, rare ones not dense enough for the
    # gate's cluster rule; a cluster that reads back as frequent simplified text lets the page through
    text = "这座建筑建于1890年，1998年又进行增建。这座建筑被列入国家史迹名录。"
    damaged = text.replace("这座建筑被列", _gbk_as_big5("这座建筑被列"))
    assert damaged != text
    assert Mojibake().process(Document("d", damaged)).text == text
    clean = "他的名字叫彧，字文若，是曹操的谋士。耶律濬是辽道宗的长子。"  # rare names read back as garbage
    assert Mojibake().process(Document("d", clean)).text == clean


def test_a_short_misread_sentence_whose_characters_all_read_as_frequent_ones_is_repaired():
    # 举例说明例 read as Big5 is 撼瞰佽隴瞰, 体长可达 is 极酗褫湛: one rare character each, no cluster for the gate,
    # but four characters in a row that each read back as a frequent one and make words
    for head, garbled, tail in (("在这里使用『胴丸』的名称。", "举例说明例", "如：银伊予札白糸威胴丸。"),
                                ("体色暗色，各鳍透明。", "体长可达5公分。", "栖息于红树林、河口区。"),
                                # five in a row need no word (jieba has no 并不)
                                ("腹鳍更长、颜色更白。", "它并不附著", "任何骨质。")):
        damaged = head + _gbk_as_big5(garbled) + tail
        assert Mojibake().process(Document("d", damaged)).text == head + garbled + tail
    # clean text whose characters read so only here and there stays, and so does such a row in clean text (the
    # 8 MB of clean text hold four, 黃黃綠綠 in a traditional page one of them)
    for clean in ("田野一片黃黃綠綠，這是秋天的顏色。", "他们举例说明了这个问题的严重性。"):
        assert Mojibake().process(Document("d", clean)).text == clean


def test_fragments_between_latin_words_whose_characters_read_as_frequent_ones():
    # a page with a misread stretch: the short runs between Latin words are read so too when each character
    # reads back as a frequent one and they make a word, rare characters or not (ァ猷衾 for 气愤于, 倰儂ん for
    # 型机器 at the head of a run whose rest is clean)
    for head, misread, tail, sign in (
        ("于是，Ted杀死了其他人，但是他未能杀死自己，AM在他的计划的最后一步阻止了他。",
         "AM气愤于Ted毁灭了其余的灵魂，将其改造成为一个大型的", "软体气泡，使他在永久的痛苦中遭受煎熬。",
         "AMァ猷衾Ted"),
        ("后来收录于1950年的《我，机器人》和1982年的《机器人全集》。",
         '这一次，鲍威尔和杜鲁门在一个小行星矿站对一名为戴夫（"Dave"）的DV-5型机器', "人进行实地检测。", "倰儂ん人"),
    ):
        damaged = head + _gbk_as_big5(misread) + tail
        assert sign in damaged
        doc = Mojibake().process(Document("d", damaged))
        assert doc.text == head + misread + tail and restore_original(doc) == damaged


def test_a_page_full_of_gbk_punctuation_read_as_big5_is_judged_with_no_script():
    # GBK's ，（）、 read as Big5 are ㄛㄗㄘ﹜: a page mostly misread looks traditional, and the simplified reading
    # of its longest stretch lost against that page's model (so the pass left it, and the realignment made
    # other garbage of it)
    truth = ("德国著名战后作家。曾使用的笔名有：Leo Doletzki、Leslie Maier、Harry Flieder、与Hans Hingst。"
             "他1952年开始写作，至1956年间固定于汉堡的「Zwischen den Kriegen （战争之间）」杂志发表文章，"
             "与威尔纳·黎格尔（）、阿诺·施密特（）与库尔特·希勒（），共同成为「Studentenkurier」的作家。")
    cut = truth.index("曾")
    damaged = truth[:cut] + _gbk_as_big5(truth[cut:])
    doc = Mojibake().process(Document("d", damaged))
    assert doc.text == truth and restore_original(doc) == damaged


def test_a_character_past_the_sentence_edge_is_read_with_the_stretch_when_its_reading_makes_a_word_after():
    # the stretch ends one character past its full stop: 瞰 is frequent as it stands (a clean character there
    # would be left alone), but read back it is 例, which makes 例如 with the clean 如 after it
    head, misread, tail = "静电感应也可以", "用来使物体带电。例", "如，如果把物体靠近带电的物体。"
    damaged = head + _gbk_as_big5(misread) + tail
    assert "﹝瞰如" in damaged  # ﹝ is 。 read as Big5
    assert Mojibake().process(Document("d", damaged)).text == head + misread + tail


@pytest.mark.parametrize("clean", [
    "阿阇梨（梵语：आचार्य，意为导师）是佛教用语。",
    "乌姆盖斯尔（阿拉伯语：أم قصر）是伊拉克的港口城市。",
    "巴吞他尼府（泰语：ปทุมธานี）是泰国中部的一个府。",
    "其读音为 [t͡ɕʰi˥˩]，与“气”相同。",
])
def test_foreign_scripts_do_not_make_a_page_suspect(step, clean):
    # no misreading of CJK bytes makes Devanagari, Arabic, Thai or IPA letters: a word in them is not a cluster of
    # rare characters, and the page skips the repairs (speed; the gate once let such pages through)
    doc = fix(step, clean)
    assert doc.text == clean and "mojibake_suspect" not in doc.signals


def test_utf8_read_as_gbk_through_user_defined_pairs_is_found_by_the_gate(step):
    # 设计中有 in UTF-8 read as GB18030 is 璁捐\ue178涓\ue15f湁: two of its pairs are GBK's user-defined ones, which
    # GB18030 reads as private-use characters; the gate's short-run sign must know them, or it misses the run
    head, garbled, tail = "物质流动用管线。", "设计中有全套", "管套住整台机器。"
    damaged = head + garbled.encode("utf-8").decode("gb18030") + tail
    assert "\ue178" in damaged
    assert fix(step, damaged).text == head + garbled + tail


def test_two_character_fragments_that_read_as_a_word_in_a_misread_page():
    # in a page with a misread stretch, 鼠煦 between ASCII (公分 in a -{zh-tw:…}- conversion) and the head 平方 of
    # a run whose rest is clean text read as what they are: a dictionary word that gains twice the bar
    for head, misread, tail in (
        ("松鸦（学名：Garrulus glandarius），又名橿鸟，是一种分布极广泛的鸦科动物。",
         "体长约30-{zh-cn:厘米; zh-hk:厘米; zh-tw:公分}-；除了面部有黑色颊纹外，通体大多呈匀净的紫灰色至红灰色；"
         "腰羽有白色带", "；翼上缀有黑、白、蓝三色相间的明丽斑纹。"),
        ("海趣坊是香港的一个商场，原名海翠商场。", "该商场属单层设计，面积约100,000平方",
         "呎。场内设不少连锁店和食肆。"),
    ):
        damaged = head + _gbk_as_big5(misread) + tail
        assert Mojibake().process(Document("d", damaged)).text == head + misread + tail


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), min_size=2, max_size=2))
def test_the_array_tables_agree_with_the_models_and_codecs(pair):
    # _pair_windows reads gains from arrays: they must say what the model and the codecs say one call at a time
    from taosha.repair.mojibake.codec import _pair_reading, _redecode_span

    lm = for_script("simplified")
    points = np.array([ord(c) for c in pair], dtype=np.uint32)
    assert lm.char_table()[points[0]] == lm.char(pair[0])
    assert bool(lm.are_words(points[:1], points[1:])[0]) == (pair in lm.words)
    for wrong, right in (("big5", "gbk"), ("gb18030", "big5")):
        one = _redecode_span(pair[0], wrong, right)
        assert _pair_reading(wrong, right)[points[0]] == (ord(one) if one and len(one) == 1 else 0)


def test_are_words_knows_the_dictionary_in_both_scripts():
    lm = for_script("simplified")
    first, second = (np.array([ord(w[k]) for w in ("经济", "經濟", "济经", "证券", "證券")]) for k in (0, 1))
    assert lm.are_words(first, second).tolist() == [True, True, False, True, True]


def test_accented_latin_letters_read_as_big5_inside_a_word_in_a_misread_page():
    # GBK's é read as Big5 is 谷: a Han character between two letters of a word, read back as a Latin letter once
    # the page's misreading is established; a Han character inside a Latin word in a clean page stays
    head = "此抄本以法国的波旁宫命名。"
    misread = "2004年，和Gabina Aurora Pérez Jiménez两位学者提议将它正名为希瓦科瓦特手抄本"
    damaged = head + _gbk_as_big5(misread) + "。"
    assert "P谷rez" in damaged
    assert Mojibake().process(Document("d", damaged)).text == head + misread + "。"
    clean = "他在P谷rez公司工作，这是一家西班牙公司。"
    assert Mojibake().process(Document("d", clean)).text == clean


@pytest.mark.parametrize("head, misread, tail, sign", [
    # UTF-8's ä is two bytes, which GBK reads as one Han character (盲) inside the word
    ("芬兰摇滚乐队的成员。",
     "贝斯手凯-佩卡·坎加斯迈基（Kai-Pekka Kangasmäki）于2005年加入乐队，并参与录制了乐队的第四张专辑",
     "。", "Kangasm盲ki"),
    # UTF-8's ° likewise (掳), after the number
    ("波罗地大陆是一个古大陆。", "波罗地大陆当时位居南纬约30°", "到55°处。", "30掳"),
])
def test_one_utf8_letter_or_sign_read_as_gbk_is_read_back_in_a_misread_page(step, head, misread, tail, sign):
    # in a page where UTF-8 read as GBK is established; the same character in a clean page is left alone
    damaged = head + misread.encode("utf-8").decode("gb18030") + tail
    assert sign in damaged
    assert fix(step, damaged).text == head + misread + tail
    clean = f"他在{sign}公司工作。"
    assert fix(step, clean).text == clean


@pytest.mark.parametrize("misread, clean", [
    # 、K and 或K: the last UTF-8 byte of 、 or 或 was read with the K of the word after it (銆並uli, 鎴朘oelie);
    # alone among Chinese characters a K is debris, at the head of Kuli it is not
    ("苦力（粤语称作咕喱，英文普遍写成Coolie，亦作Cooli、Cooly、Kuli、Quli或Koelie等）",
     "是指从事劳动工作，以付出劳力来维生的廉价劳工。他们大多在码头负责货物的装卸。"),
    # （F at the end of a long window: weighed against the trim that leaves it out, with the word F begins
    ("除了摘取国内外文献如《食品化学毒物学期刊（Food and Chemical Toxicology）》",
     "资料，也搜集专家学者的意见。"),
])
def test_utf8_read_as_gbk_up_to_the_letter_a_latin_word_goes_on_from(step, misread, clean):
    head = "2015年抽验19包黑糖，测出2A级人类可能致癌物丙烯醯胺。"
    cut = next(k for k in range(len(misread), 0, -1) if len(misread[:k].encode()) % 2 == 0
               and _decodes(misread[:k].encode(), "gb18030"))
    damaged = head + misread[:cut].encode().decode("gb18030") + misread[cut:] + clean
    assert fix(step, damaged).text == head + misread + clean


def _decodes(data: bytes, codec: str) -> bool:
    try:
        return data.decode(codec).encode(codec) == data
    except UnicodeDecodeError:
        return False


# Real reviews (../shared/corpora/web_text/online_shopping_10_cats.jsonl.gz) where the site lost a character it
# could not encode as GBK (an emoji, a symbol) and wrote '?', or kept an emoji as a private-use character: no byte
# says what stood there, so nothing is written (the repair once wrote 。可, 中年, 实能, 狗狗狗狗, 安安安安 here).
LOST_BY_THE_SOURCE = [
    "到了，超赞???",
    "伤透了心?！",
    "这个牌子的?比较一般",
    "装有点大，尴尬?，",
    "是华为的粉丝哟?，快递超快",
    "应为华为点赞???!",
    "这大热天的，辛苦了??",
    "速度非常快(○?ε?○)，产品不错",
    "冲这个标题，连一颗星都不想给! 确定这是170-210g的??!!    还酸不拉几的",
    "很好?，还用了U会??",
    "?小时候感觉这个味道很好",
    "穿着挺舒服的，大赞\ue00e\ue00e\ue00e\ue00e下次还来买",
    "我想说你们真牛\ue00e   你们真牛 \ue00e",
    "啥都不说了，假假假假，，，，",
]


@pytest.mark.parametrize("text", LOST_BY_THE_SOURCE)
def test_a_character_the_source_lost_is_not_invented(step, text):
    doc = fix(step, text)
    assert doc.text == text and not doc.edits


def test_lost_characters_in_fluent_text_are_counted_as_unrepaired(step):
    doc = fix(step, "伤透了心?！这个牌子的?比较一般")
    assert doc.signals.get("mojibake_unrepaired") == 2


def test_a_shifted_byte_in_a_real_review_is_read_back_from_its_bytes(step):
    # a lost byte shifted 了一阵。 into 帕艘徽蟆: the bytes read back (the character before, whose lead byte is
    # gone, is a guess among those that end in that byte)
    text = "晚上睡觉的时候还歉\ue25c\ue7a6帕艘徽蟆?><input TYPE=补充点评"
    doc = fix(step, text)
    assert "了一阵。" in doc.text and "帕艘徽蟆" not in doc.text


def test_real_reviews_with_lost_characters_are_left_alone(step, shared):
    # every real review holding a '?' or a private-use character (about 1,600 of 62,774): the site lost those
    # characters when it saved the page; the one review whose bytes show a shift is the only one repaired
    import gzip

    import orjson

    path = shared / "corpora" / "web_text" / "online_shopping_10_cats.jsonl.gz"
    rows = [orjson.loads(line) for line in gzip.open(path, "rb")]
    docs = [Document(r["id"], r["text"]) for r in rows
            if isinstance(r["text"], str) and ("?" in r["text"] or any("\ue000" <= c <= "\uf8ff" for c in r["text"]))]
    assert len(docs) > 1500
    before = {d.id: d.text for d in docs}
    changed = {d.id for d in step.process_batch(docs) if d.text != before[d.id]}
    assert changed == {"shop-54635"}


def test_a_replacement_character_marks_a_lost_character_and_stays(step):
    # real news (DAnIEL): a name's character the page's charset lacked (宏碁, 蔡昉) came out as U+FFFD; removing it
    # would join the name's other characters into another name
    text = "（记者毛\ufffd）团队奖，蔡\ufffd等人获奖。"
    doc = fix(step, text)
    assert doc.text == text and doc.signals["mojibake_unrepaired"] == 2


def _extraction_texts(shared) -> dict[str, str]:
    """The reference and cleaned texts of the real news and article pages in ../shared/corpora/extraction."""
    import json
    import tarfile

    out = {}
    root = shared / "corpora" / "extraction"
    with tarfile.open(root / "daniel_zh_400.tar.xz") as tar:
        for m in tar:
            if "/reference/" in m.name and m.isfile():
                out[m.name] = tar.extractfile(m).read().decode("utf-8", "replace")
    with tarfile.open(root / "magic_html_zh_81.tar.xz") as tar:
        for m in tar:
            if m.name.endswith(".json") and m.isfile():
                for key, page in json.load(tar.extractfile(m)).items():
                    if isinstance(page, dict) and isinstance(page.get("content"), str):
                        out[f"{m.name}:{key}"] = page["content"]
    return out


def test_real_news_and_japanese_pages_are_left_alone(step, shared):
    # DAnIEL's news references and magic-html's article pages (one Japanese page among them, whose kana read back
    # as Big5 made Han garbage: ゴールデン街 -> 打奈伙犯件誰), and names with a U+FFFD (宏\ufffd) that was removed
    texts = _extraction_texts(shared)
    assert len(texts) > 400
    docs = [Document(k, t) for k, t in texts.items()]
    changed = [d.id for d in step.process_batch(docs) if d.text != texts[d.id]]
    assert changed == []


def test_the_character_model_read_from_its_cache_is_the_model_built(tmp_path, monkeypatch):
    from taosha.zh import lm

    monkeypatch.setenv("TAOSHA_CACHE_DIR", str(tmp_path))
    path, key = lm._source(8000)
    built = lm.build_model(path)
    assert lm._read_cache(key) is None  # nothing cached yet
    lm._write_cache(key, built)
    cached = lm._read_cache(key)
    assert cached is not None and list(tmp_path.iterdir()) == [tmp_path / f"charlm-{key}"]
    assert cached.logp == built.logp and cached.words == built.words and cached.bonds == built.bonds
    assert list(cached.words) == list(built.words) and cached.bonds is cached.words and built.bonds is built.words
    assert np.array_equal(cached.common, built.common)
    words = tmp_path / f"charlm-{key}" / "words.npy"
    words.write_bytes(words.read_bytes()[:100])
    assert lm._read_cache(key) is None  # a damaged cache file is built again, not trusted
    lm._write_cache(key, built)
    assert lm._read_cache(key) is not None  # the damaged folder replaced: not built again by every process
    np.save(words, np.array("经济"))
    assert lm._read_cache(key) is None  # as are fewer words than bonds
    np.save(words, np.array(7))
    assert lm._read_cache(key) is None  # and arrays of another kind


@pytest.mark.parametrize("text", [
    # Wikipedia text whose saver lost characters (emoji, ◆ with a variation selector): one rare character of the
    # page's own beside the '?' (牠, 胴) is no sign of shifted bytes (the repair wrote 常繝, 小粑, 海科 here)
    "这种鸟的幼鸟以种子及嫩枝为食。??牠们会以树叶筑巢。",
    "头部前端深蓝色。◆?眼眶没有斑纹，为本属中特有的。",
    "大铠在战国时代又再次流行。???比胴丸更为坚固。",
])
def test_one_rare_character_beside_a_lost_one_is_the_pages_own(step, text):
    assert fix(step, text).text == text


def test_quoted_examples_in_a_page_about_encodings_stay(step):
    about = ("「也是港式酒樓」的 UTF-8 位元組若以 GBK 解讀，會顯示成「涔熸槸娓\ue21a紡閰掓〒」。"
             "所謂「锟斤拷」就是這樣來的。")
    doc = fix(step, about)
    assert doc.text == about and doc.signals["mojibake_quoted"] == 2
    # the same damage quoted in a page that does not talk about encodings is damage: a quoted speech misread
    speech = "他在会上说：“浣犲ソ锛屼笘鐣岋紒”台下掌声雷动。"
    assert fix(step, speech).text == "他在会上说：“你好，世界！”台下掌声雷动。"


@pytest.mark.parametrize("text", [
    # the page shows the text and its garbled form side by side, with no word about encodings
    "有网友发帖问：为什么我保存的“时间”再打开变成了“鏃堕棿”？",
    # a quotation that is debris whole is its name, not damage
    "用 Visual C++ 调试时常见的“烫烫烫”来自未初始化的栈内存 0xCC，堆内存的 0xCD 则显示为“屯屯屯”。",
])
def test_mentions_of_mojibake_stay_on_any_page(step, text):
    doc = fix(step, text)
    assert doc.text == text and doc.signals["mojibake_quoted"] >= 1


def test_the_quotation_check_diffs_a_long_changed_line_in_bounded_time(step, monkeypatch):
    # difflib's matching is about cubic in one changed stretch: a line of 6,000 damaged characters took seconds in
    # the quotation check alone, so past _DIFF_CELLS the changed stretch is one replacement
    import difflib

    from taosha.repair.mojibake import step as step_module

    sizes = []

    class Counting(difflib.SequenceMatcher):
        def __init__(self, isjunk, a, b, autojunk=True):
            sizes.append(len(a) * len(b))
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(step_module.difflib, "SequenceMatcher", Counting)
    truth = "".join(ch for ch in TRUTH * 60 if ord(ch) > 127)  # one run: no ASCII to split its edit
    doc = fix(step, truth.encode("utf-8").decode("gbk", "replace"))
    assert "mojibake_quoted" not in doc.signals and doc.text.count("人民群众的生活水平") >= 55
    longest = max(len(e.before) * len(e.after) for e in doc.edits)
    assert longest > step_module._DIFF_CELLS and all(size <= step_module._DIFF_CELLS for size in sizes)
    # short edits keep difflib's own opcodes; long ones are head, one replacement, tail
    assert step_module._opcodes("你好世界", "你坏世界") == difflib.SequenceMatcher(
        None, "你好世界", "你坏世界", autojunk=False).get_opcodes()
    before, after = "头" + "浣" * 1500 + "尾", "头" + "你" * 1001 + "尾"
    assert step_module._opcodes(before, after) == [
        ("equal", 0, 1, 0, 1), ("replace", 1, 1501, 1, 1002), ("equal", 1501, 1502, 1002, 1003)]


def test_a_quoted_title_that_is_debris_inside_text_is_still_debris(step):
    # debris that is not the whole quotation is damage, as before
    assert fix(step, "他说“你好锟斤拷锟斤拷朋友”").text == "他说“你好朋友”"


@pytest.mark.parametrize(("damaged", "truth"), [
    ("鎴戜滑涓€璧风殑浜嬫儏", "我们一起的事情"),
    ("鎴戜滑涓€浜涳紝", "我们一些，"),
])
def test_byte_80_read_as_euro_sign_is_part_of_the_utf8(step, damaged, truth):
    # browsers and PHP read GBK's byte 80 as € (Python's GB18030 writes € as A2 E3): 一 (E4 B8 80) shows as 涓€
    assert b"\x80".join(p.encode("gb18030") for p in damaged.split("€")) == truth.encode()
    assert fix(step, damaged).text == truth


@pytest.mark.parametrize(("damaged", "truth"), [
    # cp1252's curly quotes are GBK lead bytes too: the run is read with and without them
    ("标题是“ËäÈ»·¢³µ¼ä¸ô”。", "标题是“虽然发车间隔”。"),
    # Â· is two GBK bytes here, not UTF-8's · for ftfy to repair
    ("路名：µÄµÀÂ·ÃüÃûÔ\xad", "路名：的道路命名原"),
])
def test_legacy_runs_beside_quotes_and_utf8_lookalikes(step, damaged, truth):
    assert fix(step, damaged).text == truth


def test_a_window_is_aligned_to_its_run_without_copying_the_run():
    # a list over the whole run for each window made long runs of windows quadratic (issue: PUA/Han alternation)
    from taosha.repair.mojibake.windows import _aligned

    fixed = _aligned("2016爛9堎", 4, 5, "年")
    assert [fixed[k] for k in range(7)] == [None, None, None, None, "年", None, None]
    assert _aligned("2016爛9堎", 4, 6, "年") is None
    assert len(_aligned("中" * 100_000, 10, 12, "年年").__slots__) == 2  # holds the window, not the run


@pytest.mark.parametrize(("damaged", "truth"), [
    ("Èë·þÎñ", "入服务"),  # GBK read as latin-1 and saved as UTF-8
    ("¸ü¶à¾«Ð£Ð¡Ëµ", "更多精校小说"),  # the head of MNBVC's real GBK novel read as cp1252
    ("ÖÐÉ½²Ë°´µØ\x85^", "中山菜按地區"),  # 區 is 85 5E in GBK: cp1252 leaves 85 undefined, browsers read U+0085
    ("1918¦~9¤ë6¤é", "1918年9月6日"),  # Big5 read as latin-1: trail bytes are ASCII (¦~ is 年)
    ("买了一部iPhoneÊÖ»ú", "买了一部iPhone手机"),
])
def test_gbk_or_big5_read_as_latin1_is_read_back(step, damaged, truth):
    doc = fix(step, damaged)
    assert doc.text == truth and doc.edits[0].reason in ("gbk_as_latin1", "big5_as_latin1")


def _latin_twice(text: str, first: str) -> str:
    return text.encode("gbk").decode(first).encode("utf-8").decode("latin-1")


@pytest.mark.parametrize("first", ["latin-1", "iso-8859-15"])
def test_gbk_read_as_latin_and_saved_as_utf8_twice_is_read_back_along_the_chain(step, first):
    # UTF-8 read once (not as far as ftfy goes: 位's GBK bytes CE BB read as Latin-1 are Î», UTF-8 of λ), then
    # GBK read back from the Latin letters; Latin-9 read 京's BE as Ÿ (a real DAnIEL page)
    truth = "北京市消防局确认：今天下午位于西直门立交桥畔的购物中心外墙保温材料发生火灾，不到二十分钟火已扑灭。"
    doc = fix(step, _latin_twice(truth, first))
    assert doc.text == truth
    assert [e.reason for e in doc.edits] == ["utf8_as_cp1252", "gbk_as_latin1"]


def test_latin9_is_not_read_where_the_run_holds_what_latin9_never_writes(step):
    # cp1252's reading of GBK bytes holds ½ and ¾ (bytes BD, BE), which Latin-9 reads as œ and Ÿ: not Latin-9's
    from taosha.repair.mojibake.redecode import _NOT_LATIN9

    damaged = "北京的交通".encode("gbk").decode("cp1252")
    assert _NOT_LATIN9.search(damaged) and fix(step, damaged).text == "北京的交通"


@pytest.mark.parametrize(("damaged", "truth"), [
    # Big5 bytes that GBK reads as other characters (琌癸): of the two codecs' readings, the better
    ("這個問題的答案¬O¹ï的", "這個問題的答案是對的"),
    ("1914年7月28日奧匈向塞爾維亞宣戰，ÅÊ¦³Ãö的", "1914年7月28日奧匈向塞爾維亞宣戰，戀有關的"),
    # once a page's legacy runs are established: one character's run (Littleton¡£), runs between Latin words
    ("ËûÓÐÒ»¸öÃÃÃÃÃû½ÐRachel¡£Ê·¶«ÔÚDenver³¤´ó£¬ºóÀ´°áÖÁ¿ÆÂÞÀ\xad¶àÖÝµÄLittleton¡£Ëû¾Ó×¡ÔÚColumbus",
     "他有一个妹妹名叫Rachel。史东在Denver长大，后来搬至科罗拉多州的Littleton。他居住在Columbus"),
    ("Ñ§Î»°üÀ¨Master of Arts¡¢Master of Science¡¢Master of LawsºÍDoctor of PhilosophyµÈ£¬Ó¡µÚ°²ÄÇ´óÑ§µÄÑÐ¾¿"
     "ÉúÔº¹ÜÀíËùÓÐÐ£Çø", "学位包括Master of Arts、Master of Science、Master of Laws和Doctor of Philosophy等，"
     "印第安那大学的研究生院管理所有校区"),
])
def test_legacy_runs_read_with_the_right_codec_and_on_established_pages(step, damaged, truth):
    assert fix(step, damaged).text == truth


@pytest.mark.parametrize(("damaged", "truth"), [
    ("坻婓1952爛堤汜衾控儔ㄛ綴懂善奻漆黍抎﹝", "他在1952年出生于北京，后来到上海读书。"),
    ("坻佽涴掛抎竭疑艘﹝", "他说这本书很好看。"),
])
def test_a_text_read_as_big5_whole_has_no_simplified_character_to_stand_out(step, damaged, truth):
    assert fix(step, damaged).text == truth


@pytest.mark.parametrize("text", [
    "不过，说是被围困的城堡forteresse assiégée，城外的人想冲进去。",  # accented letters of a French word
    "Größe 很大", "Offering 5×£35 pin ups", "NESTLÉ® requiere contratar personal", "( o¬ô )",
    "Ã¢â€\ufffdâ€™(Ã¢Å’Â£)",  # UTF-8 read twice, a byte lost: not GBK
])
def test_latin_text_is_not_read_as_gbk(step, text):
    assert not [e for e in fix(step, text).edits if e.reason in ("gbk_as_latin1", "big5_as_latin1")]


def test_ftfy_cases_are_not_read_as_gbk_or_big5(step, shared):
    # ftfy's own cases (European, Greek, Cyrillic, Thai text and UTF-8 mojibake of it): none is a legacy
    # Chinese encoding read as Latin-1
    import json

    folder = shared / "corpora" / "mojibake" / "ftfy_test_cases"
    cases = [c["original"] for name in ("negative.json", "language-names.json", "in-the-wild.json", "synthetic.json")
             for c in json.loads((folder / name).read_text(encoding="utf-8")) if c.get("original")]
    assert len(cases) > 100
    legacy = [t for t in cases
              if any(e.reason in ("gbk_as_latin1", "big5_as_latin1") for e in step.process(Document("d", t)).edits)]
    assert legacy == []


def _cases() -> list:
    """tests/cases/mojibake.jsonl: damage a repair must read back (`pass`) and known failures (`fail`), each with
    its family and why; a known failure runs as a strict xfail, so that fixing one is noticed (move it to `pass`)
    and a regression of a `pass` fails."""
    import json
    from pathlib import Path

    out = []
    for line in (Path(__file__).parent / "cases" / "mojibake.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        marks = [pytest.mark.xfail(strict=True, reason=case["why"])] if case["expect"] == "fail" else []
        out.append(pytest.param(case["damaged"], case["truth"], marks=marks, id=f"{case['expect']}-{case['family']}"))
    return out


@pytest.mark.parametrize(("damaged", "truth"), _cases())
def test_case_file(damaged, truth):
    from taosha import fix_text

    assert fix_text(damaged) == truth


def test_a_line_is_scanned_for_glued_characters_once_while_it_stays_as_it_is(monkeypatch):
    # each round of the realignment looked for the next glued or bracket character from its start to the line's
    # end again: a long line with many damage points and none of them scanned it once a round (#24's no_punct)
    from taosha.repair.mojibake import damage, realign
    from taosha.repair.mojibake.fill import DocumentContext
    from taosha.zh.lm import model

    calls = []
    real = damage._next_glued
    monkeypatch.setattr(damage, "_next_glued", lambda line, start, lm: calls.append(start) or real(line, start, lm))
    line = "的了是" * 2000 + "?" + ("在他有" * 50 + "?") * 20  # many '?' far apart: rounds that each fail
    realign._realign_line(line, model(), 2.0, DocumentContext(line))
    assert 1 <= len(calls) <= 2  # once for the line (not once for each of its rounds)


def _pua_run_result(run: str, lm, void: bool) -> str:
    from taosha.repair.mojibake.redecode import _pua_read_as_han
    from taosha.repair.mojibake.windows import _best_window

    best = _best_window(run, "gb18030", "big5", lm, 2.0, marked=True, pua_as_han_void=void)
    return run if best is None or _pua_read_as_han(run, best) else best


def test_private_use_glyphs_among_han_end_the_judging_with_the_same_result(monkeypatch):
    # an icon font's glyphs every few characters (or the adversarial 中 alternating with U+E000): the first window
    # read as Han voids the run's repair, so the rest is not judged; the result is the same as judging every window,
    # also where a window near the run's end, or misread Big5 text in it, changes more than private-use characters
    from taosha.repair.mojibake import windows

    lm = for_script("simplified")
    big5 = "這是繁體中文的句子，測試一下。".encode("big5").decode("gb18030", "replace")
    rng = random.Random(7)
    base = "我们今天去公园散步天气很好大家都很开心"
    runs = ["\ue000中" * 300, "\ue000中" * 300 + "\ue000", "中\ue000" * 300, "\ue000中" * 200 + big5,
            big5 + "\ue000中" * 200, "\ue000中" * 100 + "。他\ue000中" * 3]
    for _ in range(40):
        chars = list(base * 3)
        for _ in range(rng.randint(1, 12)):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice("\ue000\ue00e\ue4c6\ue5e5" + "。，"))
        if rng.random() < 0.3:
            chars.insert(rng.randrange(len(chars) + 1), big5[: rng.randint(2, 8)])
        runs.append("".join(chars))
    original = windows._to_sentence_edges
    judged = []

    def counting(*args):
        judged.append(1)
        return original(*args)

    monkeypatch.setattr(windows, "_to_sentence_edges", counting)
    for run in runs:
        assert _pua_run_result(run, lm, True) == _pua_run_result(run, lm, False), run
    judged.clear()
    _pua_run_result("\ue000中" * 300, lm, False)
    every = len(judged)
    judged.clear()
    _pua_run_result("\ue000中" * 300, lm, True)
    assert every >= 300 and 0 < len(judged) < 10  # the shortcut was taken: not one judgement per window


# GBK read by Python's Big5 codec (errors="replace"): a pair Big5 lacks loses its first byte, and the reading goes
# on one byte out of step until the next such pair (synth.chains' gbk>big5 family; real pages read so by tools)
@pytest.mark.parametrize("truth, read", [
    # 仍有, 仍保: two lost characters side by side, tens of candidates each, are not chosen (`fill.reliable_fills`)
    ("穆斯林统治时期修建的光塔至今仍有30座保存。", "穆斯林统治时期修建的光塔至今\ufffd\ufffd30座保存。"),
    ("周信芳1950年代在中国唱片公司", "周信芳1950年代在中国唱片公司"),
    ("他们仍保有其氏族的族名，但现今活动时也常以汉姓为主。",
     "他们\ufffd\ufffd有其氏族的族名，但现今活动时也常以汉姓为主。"),
    # 日 alone between characters read back from their bytes, chosen by a wide margin: written; the final ，
    # (its trail byte lost, with nothing after it to choose by) is not
    ("这部电影在日本上映后获得了很好的评价，", "这部电影在日本上映后获得了很好的评价\ufffd"),
])
def test_gbk_read_as_big5_out_of_step_is_read_back_from_its_bytes(step, truth, read):
    damaged = truth.encode("gbk").decode("big5", "replace")
    assert damaged != truth
    doc = fix(step, damaged)
    assert doc.text == read
    assert doc.signals.get("mojibake_unrepaired", 0) == (read != truth)


@pytest.mark.parametrize("truth, read", [
    # the examples: a lost 于 filled as 有, 大通 as 大同 (each one of some 30 to 100 characters the bytes admit,
    # the model's choice by less than `fill.RELIABLE_MARGIN`): the lost character is U+FFFD, its neighbours read back
    ("飞黄腾达7为美国真人秀《飞黄腾达》的第七辑，于2008年1月3日开始于美国", "\ufffd2008年1月3日"),
    ("北上车站（）是一个位于日本岩手县北上市大通1丁目1番地，由东日本旅客铁道", "北上市大\ufffd1"),
])
def test_a_lost_character_the_model_cannot_choose_reliably_is_left_as_a_replacement(step, truth, read):
    damaged = truth.encode("gbk").decode("big5", "replace")
    doc = fix(step, damaged)
    assert read in doc.text
    assert "有2008" not in doc.text and "大同" not in doc.text
    assert doc.signals.get("mojibake_unrepaired", 0) >= 1


def test_reliable_fills_by_margin_and_neighbours():
    from taosha.repair.mojibake.fill import DocumentContext, _fill, reliable_fills
    from taosha.repair.mojibake.shifted import _lost_lead
    from taosha.zh.lm import for_script

    lm, context = for_script("simplified"), DocumentContext("")
    day = _lost_lead("日".encode("gbk")[1])  # 日's lead C8 is no Big5 row: its trail survives
    assert "日" in day and len(day) > 3
    items = ["这部电影在", day, "本上映"]
    out = _fill(items, lm, context)
    assert out == "这部电影在日本上映"
    assert reliable_fills(items, out, lm, context) == [True]
    side_by_side = ["这部电影在", day, day, "上映"]  # two lost characters together: never reliable
    assert reliable_fills(side_by_side, _fill(side_by_side, lm, context), lm, context) == [False, False]
    assert reliable_fills(["在", ("日",), "本"], "在日本", lm, context) == [True]  # one candidate: no choice made


def test_a_lost_byte_under_big5_admits_only_characters_big5_rejects():
    from taosha.repair.mojibake.shifted import _lost_lead, _lost_trail

    lead = _lost_lead(0xD4)  # 仍 is C8D4: Big5 has no C8 row
    assert "仍" in lead and len(lead) < 60
    for c in lead:
        with pytest.raises(UnicodeDecodeError):
            c.encode("gbk").decode("big5")
    assert "有" in _lost_trail(0xD3, ord("3"))  # 有 is D3D0: D0 before '3' is no Big5 pair


def test_units_cut_where_the_reading_is_back_in_step():
    from taosha.repair.mojibake.shifted import _units

    assert _units("甲?乙丙?丁戊?己?庚") == [(0, 5), (5, 11)]  # 庚, in step again, goes with the last
    assert _units("甲??乙丙?丁?") == [(3, 8)]  # two side by side: a whole character lost, left
    assert _units("甲乙?丙") == [(0, 4)]  # one alone: read only when it ends the part (`_read_back`)


@pytest.mark.parametrize("text", [
    "快樂，那?社會就勢必?發展到深水?區以及黃",  # traditional text whose source lost characters to '?'
    "打破官吏?障，使官員?更加清廉",
    "这个牌子的?比较一般，装有点大?，尴尬",
])
def test_text_that_lost_characters_itself_is_not_read_as_big5_damage(step, text):
    doc = fix(step, text)
    assert doc.text == text


def test_a_short_misread_stretch_with_two_rare_characters_is_read_beside_the_pages_damage(step):
    # 跺笭猁 (个重要 read as Big5): three script-neutral characters, two rare, gaining 6 nats a character and making
    # a word, right after the page's other damage: read; the same stretch further off in the clean text stands as
    # written (a simplified page's rare name or classical line is made so: 逄晟 -> 语言, found by a review)
    def mis(s: str) -> str:
        return s.encode("gbk").decode("big5")

    doc = fix(step, mis("他在1952年出生于北京，") + "他" + mis("个重要") + "的问题，我们要认真对待这件事情。")
    assert doc.text == "他在1952年出生于北京，他个重要的问题，我们要认真对待这件事情。"
    far = fix(step, mis("他在1952年出生于北京，") + "他说这是一" + mis("个重要") + "的问题，我们要认真对待这件事情。")
    assert far.text == "他在1952年出生于北京，他说这是一" + mis("个重要") + "的问题，我们要认真对待这件事情。"
    assert far.signals.get("mojibake_unrepaired") == 3  # left, and counted: not silently (a review)


@pytest.mark.parametrize(("before", "after"), [("在2008年8月7", "喬治亞軍隊進入南奧塞提亞地區。"),
                                               ("在1990年11月2", "英國廣播公司開始了全國的電視廣播。")])
def test_big5_punctuation_read_as_gb18030_after_a_misread_kana_is_evidence(step, before, after):
    # 日， in Big5 read as GB18030 is ら and a private-use character: one alone may be an icon font's glyph, but not
    # right after a kana that itself reads back as a frequent character
    doc = fix(step, before + "日，".encode("big5").decode("gb18030") + after)
    assert doc.text == before + "日，" + after


def test_an_icon_glyph_after_a_common_character_stays(step):
    text = "穿着挺舒服的，大赞\ue4c7下次还来买"  # 赞 is frequent itself: the glyph is the page's own
    assert fix(step, text).text == text


@pytest.mark.parametrize(("before", "word", "after", "wrong"), [
    ("但现时该", "地区", "的城中村正在进行重建。", "big5"),  # 華⑹: GBK read as Big5 in a simplified page
    # (一直被's 珨眻掩, script-neutral characters only, is counted, not written: test_mojibake_names)
    ("早期漢傳佛教", "佛經", "譯籍將「真如」譯為本無。", "gb18030"),  # ︱竒: Big5 read as GBK in a traditional one
])
def test_two_or_three_odd_characters_that_read_as_a_word_are_read_back(step, before, word, after, wrong):
    # each misread character rare or of the other script, each read right a frequent one, together a word
    right = "gbk" if wrong == "big5" else "big5"
    doc = fix(step, before + word.encode(right).decode(wrong) + after)
    assert doc.text == before + word + after


def test_a_doubled_odd_pair_is_the_pages_own(step):
    text = "雨雪其霏，惠而好我。憂心慇慇，念我土宇。"  # 慇慇 reads as 哈哈 (GBK read as Big5): the Book of Songs'
    assert fix(step, text).text == text


def test_utf8_read_as_gbk_that_no_window_reads_back_is_counted_not_guessed(step):
    # 許多農民 through GBK twice, with a byte lost in each layer: no stretch reads back, so the text stays and its
    # characters are counted as unrepaired (a quotation of such text, on a page about encodings, is not)
    damaged = "鐟峰崬顦挎潏鍙夌毌閺€璺哄\ue5cf娑斿\ue0c5绶﹂敍灞炬富閸︺劎鏁\ue21b稉顓濅簰閻掓氨鍣块惃鍕"
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired", 0) >= 20
    quoted = "编码错误时，网页会显示成「鐟峰崬顦挎潏鍙夌毌閺€璺哄」这样的乱码。"
    assert "mojibake_unrepaired" not in fix(step, quoted).signals


def test_a_lost_trail_byte_is_narrowed_by_the_big5_character_after_it(step):
    # 三 is C8 FD: Big5 rejected FD with the next byte (个, B8 F6); 人 (C8 CB) would have been read (CB B8 is 佶),
    # so the byte after the part rules it out
    from taosha.repair.mojibake.shifted import _lost_trail

    assert "三" in _lost_trail(0xC8, 0xB8) and "人" not in _lost_trail(0xC8, 0xB8)
    truth = "我们今天去全国人民大会堂参观，三个人一起走。"
    read = fix(step, truth.encode("gbk").decode("big5", "replace")).text
    # every character read back from its bytes; a lost one written only where the model's choice among what the
    # bytes leave is reliable (`fill.reliable_fills`), else U+FFFD (here 去, 国, 三 and 。: none leads by 6 nats)
    assert len(read) == len(truth) and all(a in (b, "\ufffd") for a, b in zip(read, truth, strict=True))
    assert "人民大会堂参观，" in read


def test_the_document_is_counted_once_for_all_its_big5_stretches(monkeypatch):
    from taosha.repair.mojibake import shifted

    made = []
    real = shifted.DocumentContext

    def counting(*args):
        made.append(1)
        return real(*args)

    monkeypatch.setattr(shifted, "DocumentContext", counting)
    garbled = "为美国真人秀《飞黄腾达》的第七辑，于2008年1月".encode("gbk").decode("big5", "replace")
    doc = Document("d", " ".join([garbled] * 30))
    shifted.repair_big5_lost_bytes(doc, for_script("neutral"), 2.0, "repair.mojibake")
    assert len(made) == 1  # one per stretch made the step quadratic in the number of stretches


def test_a_lone_surrogate_in_a_utf8_read_as_gbk_run_is_no_failure(step):
    text = "鐟峰崬顦挎潏\ud800鐟峰崬顦挎潏"
    doc = step.process(Document("d", text))
    assert doc.text == text and doc.signals.get("mojibake_unrepaired")


def test_kept_debris_is_debris_not_unrepaired():
    flagging = Mojibake(debris="flag")
    flagging.setup()
    for text in ("锟斤拷", "文件打开后显示锟斤拷锟斤拷，怎么办"):
        doc = flagging.process(Document("d", text))
        assert doc.signals.get("mojibake_debris") == 1 and "mojibake_unrepaired" not in doc.signals


@pytest.mark.parametrize("text", ["物流神速，昨\ue600天下\ue600单", "很\ue600红",
                                  "价格：每件\ue600九十九元，包邮\ue600到家"])
def test_icon_font_glyphs_beside_clean_text_are_not_read_as_big5(step, text):
    # U+E600 (an icon font's first glyph) is Big5's 凡 read as GB18030; with it 单 would read as 等 and 很 as 竭:
    # a repair that changes only frequent characters beside glyphs standing a word apart has no misread text
    assert fix(step, text).text == text


@pytest.mark.parametrize(("before", "word", "after", "wrong"), [
    # 頗眸轂: two characters of the other script with a rare one between them, read as 会捕猎 (猎 is not among the
    # most frequent characters, so no pair of them side by side tells the gate)
    ("主要在混合林地内栖息，喜吃橡子。其他", "会捕猎", "松鸦的还包括苍鹰及游隼。", "big5"),
    # 烦克現 + Big5's ， read as GB18030 (a private-use character): a frequent 現 between the odd ones
    ("咸豐帝死後，太后垂簾聽政，於十八", "歲親政，", "在位期間，歐洲列強未曾停止侵略。", "gb18030"),
])
def test_two_odd_characters_near_each_other_open_the_gate(step, before, word, after, wrong):
    right = "gbk" if wrong == "big5" else "big5"
    doc = fix(step, before + word.encode(right).decode(wrong) + after)
    assert doc.text == before + word + after


@pytest.mark.parametrize(("before", "word", "after"), [
    ("1662年2月1日，荷蘭人簽字投", "降，", "撤離臺灣，自此臺南歸鄭氏治理。"),  # \ue129\ue4c7: 投降 with the neighbour
    ("鄭氏治理臺灣，至降清為止，統治時間前", "後共", "22年。以反清復明為號召。"),  # \ue09e\ue6a6: 前後
])
def test_private_use_rows_in_a_traditional_page_are_read_as_big5(step, before, word, after):
    # Big5 read as GB18030 makes only private-use characters of these: two different ones side by side, read as
    # Big5's punctuation or as a word, in Big5's own script
    doc = fix(step, before + word.encode("big5").decode("gb18030") + after)
    assert doc.text == before + word + after


def test_a_row_of_private_use_glyphs_in_a_simplified_page_stays(step):
    text = "穿着挺舒服的，大赞\ue129\ue4c7下次还来买"  # the same glyphs in a review: the page's own
    assert fix(step, text).text == text


@pytest.mark.parametrize(("before", "word", "after", "wrong"), [
    # κ緇: a Greek letter and a less frequent character, read as 百餘 (a word); 汜莉 for 生产: neither is rare or of
    # the other script, but each is less than frequent and reads as a frequent character, together a word
    ("數百人披甲乘城，又出", "百餘", "騎往來馳城下，步兵百餘人出城列陣。", "gb18030"),
    # (汜莉 alone in a clean simplified page is counted, not written: test_mojibake_names)
    # kana side by side beside Big5's punctuation read as GB18030 (private-use): not the page's Japanese
    ("，部分中文字典開始使", "用由王雲五", "發明的四角號碼檢字法。", "gb18030"),
])
def test_a_short_stretch_of_less_frequent_characters_that_reads_as_a_word_is_read_back(step, before, word, after,
                                                                                       wrong):
    right = "gbk" if wrong == "big5" else "big5"
    doc = fix(step, before + word.encode(right).decode(wrong) + after)
    assert doc.text == before + word + after


def test_japanese_in_a_simplified_page_stays(step):
    text = "日语中的唐音词有行灯（アンドン）、行脚（アンギャ）、馒头（マンジュウ）等，都是宋代以后传入的读音。"
    assert fix(step, text).text == text


def test_a_page_read_back_one_way_is_not_read_back_the_other(step):
    # Big5 read as GB18030 over a whole page, read back; 質條 in what that wrote would read (as GBK read as Big5)
    # as 借兵, a word, but a page's bytes were misread one way
    truth = ("馬祖列島的地質條件上為花崗岩錐狀島嶼，地勢起伏大且陡峭。北竿島的壁山標高291.7公尺，為馬祖列島第一高峰。"
             "南竿第一高峰")
    assert fix(step, truth.encode("big5").decode("gb18030")).text == truth


@pytest.mark.parametrize("text", [
    # full-width digits and signs in a traditional page: read the other way they are zhuyin (found in review)
    "晚上２１：００點多才到，特別值得一讚的是酒店的客房有免費提供撥打國內長途電話、水果等超值服務，",
    "這款手機６５Ｋ色１３０＊１３０的屏幕，顯示效果還可以，就是電池不太耐用。",
    # Japanese: hiragana beside kanji read the other way make Chinese words (Rashōmon; found in review)
    "け、前へ出して、恐る恐る、楼の内を覗いて見た。\nある。勿論、中には女も男もまじっているらしい。そうして、その屍骸は皆、それが、",
])
def test_short_stretch_rules_leave_full_width_digits_and_japanese(step, text):
    doc = fix(step, text)
    assert doc.text == text and not doc.signals.get("mojibake_repairs")


@pytest.mark.parametrize("word", ["Sézanne", "Zürich", "Ørsted", "Dvořák", "Sao", "Lagerstätte"])
@pytest.mark.parametrize("lost", ["???", "?", "??"])
def test_characters_lost_before_a_latin_word_are_not_invented(step, word, lost):
    # issue 17: '?' the source wrote for characters GBK lacks, glued to a Latin word, read as the full-width pass's
    # signature ('?' + a lone letter before non-ASCII text) wrote Han characters for the '?' and the word's capital
    text = f"该物种于1990年得批准。{lost}{word}植物群落是在{word}附近发现的。"
    assert fix(step, text).text == text


def test_a_letter_before_an_accented_letter_is_no_full_width_pass_signature():
    from taosha.repair.mojibake.evidence import _PASS_LETTER, _latin_letter

    assert _PASS_LETTER.search("??h县") is not None  # the pass's lone letter before East Asian text
    assert _PASS_LETTER.search("???Sézanne") is None  # a French word's capital
    assert _PASS_LETTER.search("?Sǔ蓞") is not None  # GBK's pinyin row: shifted bytes make accented letters too
    assert _latin_letter("é") and _latin_letter("S") and not _latin_letter("×") and not _latin_letter("县")


def test_a_repair_keeps_the_latin_words_it_touches():
    from taosha.repair.mojibake.realign import _words_lost

    line, new = "准。???Sézanne植", "准。海口，子ézanne植"
    assert _words_lost(line, new, 2, 7, 7)  # Sézanne -> 子ézanne: the word's S became a Han character
    assert not _words_lost("Mozi鮨la的", "Mozilla的", 4, 5, 5)  # a gained byte skipped inside a word restores it
    assert not _words_lost("用鍀abc鍀了", "用的abc的了", 1, 6, 6)  # a word the change spans and keeps
    assert not _words_lost("国?Ec此相", "国。與此相", 1, 4, 3)  # two letters: the pass's and a trail byte (與 is C5 63)
