"""A deleted GBK byte (repair.mojibake's `deleted` module), '?' for a lead byte before a lone trail byte, and
U+FFFD's bytes read as GBK outside 锟斤拷: repaired only from the bytes, flagged where the bytes do not say more,
and real text with lone letters, kaomoji or icon-font characters left alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.deleted import LOST, reread_deleted
from taosha.repair.mojibake.replacement import replacement_pairs
from taosha.synth.chains import decode
from taosha.zh.lm import for_script
from test_mojibake import fix  # the step on a text, its edits checked to rebuild it


@pytest.fixture(scope="module")
def step() -> Mojibake:
    s = Mojibake()
    s.setup()
    return s


def deleted(text: str, at: int) -> str:
    """`text` saved as GBK with its byte `at` deleted, read as code page 936 (user-defined pairs as private use)."""
    raw = text.encode("gbk")
    return decode(raw[:at] + raw[at + 1 :], "gbk", "\ufffd")


TRUTH = "但是其外部直到1951年才完成，恰逢底特律建城250周年。"


@pytest.mark.parametrize("at", [4, 5])  # the lead and the trail byte of 其
def test_a_deleted_byte_is_read_again_one_byte_later(step, at):
    damaged = deleted(TRUTH, at)  # out of step up to 1951, where 到's lead byte, alone before 1, is replaced
    assert damaged.startswith("但是") and damaged.endswith("\ufffd" + TRUTH[7:]) and "外部直" not in damaged
    doc = fix(step, damaged)
    # 其 is gone (one byte of it survives, not enough to name it), and 到 (its other byte was replaced): U+FFFD
    # stands for each, counted
    assert doc.text == "但是" + LOST + "外部直" + LOST + TRUTH[7:]
    assert doc.signals["mojibake_repairs"] == 1 and doc.signals["mojibake_unrepaired"] == 2
    assert {e.reason for e in doc.edits} == {"deleted_gbk_byte"}


def test_a_stretch_of_private_use_characters_is_read_again(step):
    # 會副 with a byte deleted: 委員 + a user-defined pair (private use) + ..., up to a trail byte T read alone
    doc = fix(step, "事委員\ue47f蔽瘑T長，軍權僅次於金正日")
    assert doc.text == "事委員" + LOST + "副委員長，軍權僅次於金正日"


def test_a_stretch_ending_in_a_lost_lead_byte_marks_that_character_too():
    # 。 before the end: its lead byte pairs with the shifted bytes, its trail is read alone at the end, replaced
    text = "虽然酒店本身不能算是一家五星级酒店，但是从各方面来看，应该是珠海最好的酒店了。"
    raw = text.encode("gbk")
    damaged = decode(raw[:20] + raw[21:], "gbk", "\ufffd")
    doc = Document("d", damaged)
    read, flagged = reread_deleted(doc, for_script("simplified"), "repair.mojibake")
    assert (read, flagged) == (1, 0)
    assert doc.text == text[:10] + LOST + text[11:-1] + LOST


def test_a_reading_that_is_not_text_enough_only_flags_its_stretch(step):
    # 可以有衛 with 可's lead byte deleted reads 恳杂行l: the bytes give back 以有衛, too short to be shown text
    doc = fix(step, "他行星也恳杂行l星，無疑是對當時")
    assert doc.text == "他行星也恳杂行l星，無疑是對當時" and doc.signals.get("mojibake_unrepaired") == 1


def test_a_question_mark_before_a_lone_trail_byte_is_a_lost_lead_byte(step):
    # a GBK byte turned into '?': 時 is 95 72, and its trail byte r stands alone before the next character
    doc = fix(step, "門外，同?r宣布拒絕履行條約。")
    assert doc.signals.get("mojibake_unrepaired") == 1


def test_replacement_bytes_read_as_gbk_outside_the_whole_debris_are_counted(step):
    # 月代 read as UTF-8 (U+FFFD ´ U+FFFD), saved as UTF-8, read as GBK: 锟 + 铰 (BD C2), not 锟斤拷
    assert replacement_pairs("锟铰达拷") == 1 and replacement_pairs("陈锟在北京") == 0
    doc = fix(step, "他生于锟铰达拷，后来去了北京。")
    assert doc.text == "他生于锟铰达拷，后来去了北京。" and doc.signals.get("mojibake_unrepaired")


@pytest.mark.parametrize("text", [
    "用了U盘以后，电脑开机比x米快，东西u不错",  # real reviews' lone letters
    "所有的国产都这么?B！非常满意",  # a lost emoji before a letter: unrepaired, never rewritten
    "ε￣ 好评，α＜β 的比较不对",  # kaomoji and Greek: full-width and symbols re-read into characters
    "大赞\ue00e\ue00e\ue00e\ue00e，下次还来",  # an icon font's private-use characters
    "我们在1994年中期选举中，在共和党革命效应下失去了多数。",
    "成為T台上的明星，A股的行情，維生素B。",
])
def test_real_text_is_not_read_out_of_step(step, text):
    doc = fix(step, text)
    assert doc.text == text
    assert not any(e.reason == "deleted_gbk_byte" for e in doc.edits)


def test_utf8_read_as_gbk_quoted_as_an_example_is_not_out_of_step(step):
    text = "「也逐漸衰退」的 UTF-8 位元組若以 GBK 解讀，會顯示成「涔熼€愭几琛伴€€」。"
    doc = fix(step, text)
    assert doc.text == text and not doc.signals.get("mojibake_unrepaired")


def lose(text: str, char: str, byte: int = 0) -> str:
    """`text` with byte `byte` of the first `char` deleted from its GBK bytes."""
    return deleted(text, len(text[: text.index(char)].encode("gbk")) + byte)


@pytest.mark.parametrize("truth, char", [
    ("一千多年的地區說法與韓國的行政區劃不同。", "說"),  # 說 is D5 66: f法 (lowercase)
])
def test_a_lone_letter_left_of_a_traditional_character_is_counted_never_written(step, truth, char):
    damaged = lose(truth, char)
    assert damaged.replace(damaged[truth.index(char)], char, 1) == truth  # only the letter stands for it
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired") == 1


@pytest.mark.parametrize("text", [
    "我們都知道這個很好，但是近來B型流感肆虐全國。",  # a capital in a loose word (B型): as written
    "過對住呢d人可以慳返啲錢，唔使咁辛苦。",  # Cantonese d for 啲
    "这个价格买了n多东西，x米的也不错。",  # simplified text: GB2312's trail bytes are never ASCII
])
def test_lone_letters_that_real_text_writes_are_not_counted(step, text):
    doc = fix(step, text)
    assert doc.text == text and not doc.signals.get("mojibake_unrepaired")


def test_capitals_between_traditional_characters_are_words_not_lost_bytes(step):
    """Traditional text writes capitals alone between Han characters as words, some binding as strongly as a
    misread character would (found in review: A級, B肝, N遍, T臺): never counted, in a suspect page either."""
    from taosha.repair.mojibake.deleted import _lone_bytes
    from taosha.zh.lm import for_script

    lm = for_script("traditional")
    for line in ("這是A級景點", "一個問題用相同的語句重複N遍。", "也在研發治療B肝疫苗", "在年會T臺上秀"):
        assert _lone_bytes(line, lm, True) == [], line
    doc = fix(step, "我們去了一個景點，這是A級景點，值得一去?推薦給大家。")  # suspect for its `?`
    assert doc.signals.get("mojibake_unrepaired") == 1  # the `?` alone


def test_a_lone_euro_sign_between_han_characters_is_a_lost_lead_byte(step):
    damaged = lose("它韓國歌唱家還包括曹秀美、趙秀美等人。", "還")  # 還 is DF 80: 80 alone is cp936's euro sign
    assert "家\u20ac包括" in damaged
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired") == 1


def test_a_lone_byte_after_a_full_width_form_is_looked_at(step):
    # 境。發 with 境's lead byte lost reads 场０l: 。's trail byte A3 and 發's lead make ０, its trail l stands alone
    damaged = lose("一個自然的環境。發現完全自然的環境", "境")
    assert "０l現" in damaged
    doc = fix(step, damaged)
    assert doc.signals.get("mojibake_unrepaired") == 1


def test_full_width_punctuation_before_ascii_is_not_a_sign():
    from taosha.repair.mojibake.deleted import suspect_many
    assert suspect_many(["都比较好！~但是还有缺", "充内在卡，U盘好用", "尽逐０l現"]) == [False, False, True]


def test_a_one_character_reading_that_joins_a_word_flags_its_stretch(step):
    # 的現 with 的's lead byte lost: 默F, whose bytes give back 現 (of 現金); 動向默 made no word
    damaged = lose("企業資金動向的現金流量表也獲得重視。", "的")
    assert "動向默F金" in damaged
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired") == 1
    clean = "他後來成為T型車的設計師。"  # 成為 is a word: the T is a T
    assert not fix(step, clean).signals.get("mojibake_unrepaired")


def test_a_stretch_is_read_from_no_earlier_a_start_than_the_bytes_show(step):
    # 斯's lead byte deleted: 托木 stay in step, 箍酥萁 are out of step. Re-read from 托's second byte the same bytes
    # give 心竟克州 (托 lost, 木's trail with 箍's lead read 竟): they explain every byte as well as the start at 箍,
    # and the model likes them better, but 心 and 竟 are in neither the text nor its truth (issue 17)
    truth = "托木斯克州交通不發達，與主幹線聯接不暢。州公路總長4500公里"  # (the dev seed's, seed 1)
    at = len(truth[: truth.index("斯克")].encode("gbk"))
    damaged = deleted(truth, at)
    assert "托木箍酥萁" in damaged
    doc = fix(step, damaged)
    assert "心" not in doc.text and "竟" not in doc.text
    assert doc.text == "托木" + LOST + truth[3:]  # 斯 lost, one byte of it left
    written = {c for c in doc.text if c != LOST}
    assert written <= set(damaged) | set(truth)  # every character written is one the bytes show somewhere


@pytest.mark.parametrize("damaged", ["褂肧K-II", "我们一直在使褂肧K-II的产品，效果很好。"])
def test_a_letter_glued_at_a_latin_word_start_after_a_pair_is_not_freed_by_dropping_a_byte(step, damaged):
    # 使用SK-II with 使's lead byte lost: 使's trail and 用's lead read 褂, 用's trail and S read 肧. Skipping 肧's
    # first byte as a gained one wrote 褂SK-II (a real CWCED page, found in review): 用's byte dropped, the
    # out-of-step 褂 kept, a repair no byte supports
    doc = fix(step, damaged)
    assert "褂SK" not in doc.text
    assert doc.text == damaged or "用SK-II" in doc.text


@pytest.mark.parametrize(("damaged", "truth"), [
    ("我们一直在用奡K-II产品。", "我们一直在用SK-II产品。"),
    ("请大家下载禬indows系统。", "请大家下载Windows系统。"),
    ("打开禡ozilla浏览器。", "打开Mozilla浏览器。"),
])
def test_a_byte_gained_before_a_latin_word_after_a_frequent_character_is_skipped(damaged, truth):
    # a glued letter after a frequent Han character is a byte gained, as before the SK-II fix (a review: 用, 载 and
    # 开 are no out-of-step trail bytes; 褂 in 褂肧K-II is)
    from taosha import fix_text

    assert fix_text(damaged) == truth


# A stretch that took the ASCII byte after it (issue 17, gbk-byte-deleted's misses on the dev seed): its last
# character is a Han character whose second byte is that letter, and the two bytes before the letter read a
# frequent character


def test_a_stretch_that_took_the_first_letter_of_a_latin_word_is_read_again(step):
    # 玩's lead byte deleted: 的's second byte and R read 腞, and RANDNet's R is gone from the Latin word
    damaged = lose("宣布停止会员申请，并回收玩家手中的RANDNet硬体。", "玩")
    assert "械腞ANDNet" in damaged
    doc = fix(step, damaged)
    assert doc.text == "宣布停止会员申请，并回收" + LOST + "家手中的RANDNet硬体。"
    assert doc.signals["mojibake_repairs"] == 1


@pytest.mark.parametrize(("truth", "char", "byte", "shown"), [
    ("苏联在1976年由设计局开始设计。单管炮A-217；双管炮", "计。", 0, "芘贏-217"),  # the gate lets it go
    ("伊尔-140，一样拥有金翼制成，由V型支柱支撑的高单翼。", "，由", 0, "\ue0ee蒝型"),  # in step again at 型
    ("而澳洲热带足球亦放弃角逐骑士队的席位，改为在次年向A-League申请加入。", "而", 0, "晗駻-League"),
])
def test_a_letter_the_reading_frees_alone_only_flags_the_stretch(step, truth, char, byte, shown):
    # the letter is the bytes' (駻's second byte is A), but one standing alone is what a wrong start writes too
    damaged = lose(truth, char, byte)
    assert shown in damaged
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired") == 1


def test_a_user_defined_pair_flags_its_stretch_on_a_lower_gain(step):
    # 牛's second byte deleted: 帕\ue320强疲– (the en dash is （'s second byte and C) re-reads 龙亚科（C, 2.7 nats a
    # character better: below the bar for writing, but GBK's user-defined pair is out of step by its bytes
    damaged = lose("食肉牛龙亚科（Carnotaurinae）是一群兽脚亚目恐龙。", "牛", 1)
    assert "帕\ue320强疲–arnotaurinae" in damaged
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired") == 1


@pytest.mark.parametrize(("truth", "char", "byte", "shown"), [
    ("在國際社會的壓力之下，蘇利南的軍政府被迫交出政權。", "，", 1, "之下ＬK利南"),  # ，'s second byte lost
    ("在1990年12月蘇聯才讓步。", "月", 0, "12绿K聯"),  # one character after the date's digits
])
def test_a_one_character_stretch_before_a_lone_byte_is_flagged(step, truth, char, byte, shown):
    damaged = lose(truth, char, byte)
    assert shown in damaged
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired") == 1


@pytest.mark.parametrize("text", [
    # a rare bird's 鹟 (second byte l) re-reads 尔l: a CMRC2018 Wikipedia page, whole (its rare characters make it
    # suspect)
    "新西兰鸲鹟（\"Petroica australis longipes\"）是新西兰鸲鹟科的一种，原住在北岛。牠"
    "们曾一度被认为是南岛及斯图尔特岛鸲鹟的亚种，但牠们的线粒体DNA序列显示于更新世就与鸲鹟分开演化，故是属于两"
    "个不同的物种。新西兰鸲鹟主要分布在北岛的中部，小部份在岛屿湾、小巴里尔岛及卡皮蒂岛上。在惠灵顿的玛提尤/萨姆"
    "斯岛及卡洛里动植物保护区现正重新引入这种鸟类。牠们生活在介乎海平面至树线的天然森林中，尤其是罗汉松属及假山毛"
    "榉属的森林。新西兰鸲鹟长18厘米，较为大型，但却比鸲鹟细小些。羽毛呈深灰黑色，腹部及胸部颜色较浅，上身有淡色"
    "的斑汶。牠们是两性异形的，雄鸟羽毛较深色，雌鸟体型较大。新西兰鸲鹟像鸲鹟般，是有区域性的，喜欢在地面上觅食。"
    "牠们会在木上等待猎物的出现，并将猎物带到树叶堆中、灌木或树干中。牠们主要猎食无脊椎动物，包括蝉、蚯蚓、蜗牛及"
    "蜘蛛。牠们亦会吃果实。新西兰鸲鹟会将多余的食物储起，而雄鸟比雌鸟储得更多食物。雄鸟及雌鸟都会偷走牠们配偶的食"
    "物，若配偶在时则较少会储起食物。",
    "起步7元，在2公里內\ue66a下加收1元燃油附加費。",  # an icon glyph whose second byte is d: re-reads 去d
    "他是大學A組的冠軍，也是IBM的工程師。",  # a frequent character before a Latin letter: the text's own
    "是一种抗CD11\ue61da的单株抗体制剂。",  # an icon glyph after a number, its second byte w: no one-character stretch
])
def test_a_han_character_before_a_latin_letter_in_clean_text_is_not_flagged(step, text):
    doc = fix(step, text)
    assert doc.text == text and not doc.signals.get("mojibake_unrepaired")


def test_a_glued_end_is_a_sign_only_before_a_latin_word():
    from taosha.repair.mojibake.deleted import suspect_many

    # the gate lets 芘贏-217 go (单管炮A-217, 计's lead byte lost); a number or a stop after a character the
    # traditional model holds less than frequent (裡, 週) is the text's own (DRCD Wikipedia, the reviews converted)
    assert suspect_many(["由设计局开始设肌５ス芘贏-217；双管炮", "縮多始於夜裡10點至翌日", "一樣的房子裡.那時不理解",
                         "機會，以每週6到7天在製"]) == [True, False, False, False]
    # each text's script is its own, whatever text the batch puts after it
    assert suspect_many(["由设计局开始设肌５ス芘贏-217；双管炮", "機會，以每週6到7天在製。"]) == [True, False]


def test_a_stretch_ending_in_a_lost_lead_byte_before_a_number_keeps_the_number(step):
    # 王's second byte deleted: the stretch ends at 于's lead byte alone before 14 ('?'). The full-width pass's
    # reading of '?1' (its signature, '?' and a byte) wrote 。 and dropped the 1, outside the damage; a line with
    # one such '?' before a number is no page of that pass, and the deleted pass reads the stretch back
    truth = "是一个源自立陶宛大公的格迪米纳斯王朝的中欧王朝，于14世纪到16世纪时曾经统治今日的立陶宛、波兰。"
    raw = truth.encode("gbk")
    at = len(truth[: truth.index("斯王朝") + 1].encode("gbk"))
    damaged = decode(raw[:at] + raw[at + 1 :], "gbk", "?")
    assert "\ue0ee?14世纪" in damaged
    doc = fix(step, damaged)
    assert doc.text == truth.replace("王朝的中", LOST + "朝的中").replace("，于14", "，" + LOST + "14")


def test_a_symbol_a_long_stretch_frees_flags_it(step):
    # 尔's lead byte deleted: the stretch runs to 。's lead byte, which pairs with the footnote's ^ (a user-defined
    # pair, \ue5a4); the reading frees the ^, which a pair's second byte was (磡| in clean text frees none)
    truth = "是一种分布于印度、尼泊尔、缅甸、泰国、中国大陆、台湾的蝮亚科竹叶青属毒蛇，有三个亚种。^ 麦克迪尔米德 RW"
    damaged = lose(truth, "尔")
    assert "\ue5a4 麦克" in damaged
    doc = fix(step, damaged)
    assert doc.text == damaged and doc.signals.get("mojibake_unrepaired") == 1


@pytest.mark.parametrize("text", [
    "红胸鸲鹟-Petroica属于鸲鹟科。",  # a rare bird's name before a hyphen
    "参赛选手陈浩玥-3号表现出色。",
    "參賽選手陳浩瑄-3號表現出色。",
    "這是第2張F級的事情。",  # one frequent character between a digit and a letter
    "這是第2節M級的事情。",
])
def test_clean_names_and_letters_are_not_counted_unrepaired(step, text):
    out = step.process_batch([Document("d", text)])[0]
    assert out.text == text
    assert "mojibake_unrepaired" not in out.signals


@pytest.mark.parametrize(("text", "count"), [
    # a byte turned into '?' before one frequent character, or one before an ASCII symbol: still counted
    ("列如鬼火被認為是不祥之兆，是鬼魂作祟?默F象，但後來被證明是由於人體與動物身體含有磷，屍體腐化時產生磷化氫。", 1),
    ("被後來?牧_馬皇帝尤利安擊敗，他們的國王也被俘。", 2),
])
def test_a_frequent_character_beside_a_lost_byte_is_still_counted(step, text, count):
    out = step.process_batch([Document("d", text)])[0]
    assert out.text == text
    assert out.signals.get("mojibake_unrepaired") == count


# A glued character's only reading (issue 17, a review's false flags): a rare or Japanese form before a lowercase
# Latin word in clean text

_GLUED_ONLY = ("a glued character's only reading, one character and a lowercase letter freed into the Latin word "
               "(何鋕 re-reads 武kok): counted. Refusing it cost held-out deleted-byte documents (潞舝otor for 号rotor "
               "on seed 21; with the rest of the stretch required frequent, one on each of seeds 29 and 30): the "
               "bytes do not tell them apart, and recall is the target; left")


@pytest.mark.parametrize("text", [
    "今天买了的鋕ok的东西", "颜色是緑mini款，很好看",  # were rewritten: 的kok, 是vmini (realign skipped the lead byte)
    "我关注了张淏vlog很久了",  # was 张Bvlog: 淏's second byte is B, and a capital before v begins no word
    *(pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=_GLUED_ONLY))
      for t in ("他何鋕ok的东西", "他当緑mini款", "他何鋕ok的東西")),
])
def test_a_character_before_a_lowercase_latin_word_is_the_text(step, text):
    doc = fix(step, text)
    assert doc.text == text
    assert not doc.signals.get("mojibake_unrepaired")
    assert not doc.signals.get("mojibake_repairs")


@pytest.mark.parametrize(("capital", "after", "begins"), [
    ("W", "i", True), ("B", "a", True), ("S", "K", True), ("Q", "1", True), ("V", "l", True), ("S", "t", True),
    ("B", "é", True), ("B", "v", False), ("K", "p", False), ("x", "a", False),
])
def test_a_freed_capital_begins_a_word_before_a_vowel_or_an_onset(capital, after, begins):
    from taosha.repair.mojibake.realign import _begins_word

    assert _begins_word(capital, after) is begins


# what a line with lone bytes is made of: Han (frequent and not, simplified and traditional), letters of both cases,
# ASCII symbols in a trail byte's range, '-', the euro sign, digits, punctuation, a line break, an emoji, and stretches
# a deleted byte left that the loop reads (行l星 for 衛星, 家€包括 for 還包括, glued: 芘贏-217, 婕沂种械腞ANDNet)
_LINE_PARTS = [*"的是了用教育学時間还包括丶鈪褂肧aUnN-~\\@€1，。 \n😀",
               "行l星", "家€包括", "芘贏-217", "婕沂种械腞ANDNet", "衛星", "我们"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PARTS), max_size=12).map("".join), st.sampled_from(["simplified", "traditional"]))
def test_a_line_no_run_of_which_ends_in_a_reading_is_passed_over_as_the_loop_would(text, script):
    """`reread_deleted` passes over a line without a sign anywhere when no place a run may end reads its lone byte
    or glued letter (`_ends_some_stretch`): the same stretches read and counted as the loop over its runs gives (a
    sixth of such lines hold a stretch the loop reads)."""
    import taosha.repair.mojibake.deleted as module

    lm = for_script(script)
    for traditional in (False, True):
        fast = Document("d", text)
        got = reread_deleted(fast, lm, "repair.mojibake", gated=False, traditional=traditional)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(module, "_ends_some_stretch", lambda line, lm: True)
            slow = Document("d", text)
            want = reread_deleted(slow, lm, "repair.mojibake", gated=False, traditional=traditional)
        assert (got, fast.text, fast.edits) == (want, slow.text, slow.edits)
