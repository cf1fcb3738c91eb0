"""Spinner annotations and script restoration: the correctness cases (the percentages live in eval/)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document, restore_original, run_steps
from taosha.repair.pinyin import Pinyin
from taosha.repair.script import Script
from taosha.step import build_step, run_one
from taosha.synth import damage
from taosha.zh.readings import normalize_reading, reads_as
from taosha.zh.script import detect, detect_many, fix_zhu


def repair(text: str, target: str = "keep") -> Document:
    steps = [build_step("repair.nfc", {}), Pinyin(), Script(target=target)]
    for s in steps:
        s.setup()
    (out,) = run_steps(steps, Document("d", text))
    assert restore_original(out) == text
    return out


@pytest.mark.parametrize("legit", [
    "党委(党组)", "（二）", "新时代文明实践所(站)", "(2020年)", "《条例》(试行)", "我(tái)", "函数f(x)", "调用print(s)",
    "(see note)", "（附件）", "邱（Qiū）", "第(3)款",
])
def test_real_parentheses_survive(legit):
    text = f"根据文件{legit}的要求，开展工作。"
    assert run_one(Pinyin(), text).text == text


@pytest.mark.parametrize("spun,clean", [
    ("經(jīng)濟", "經濟"),          # tone marks
    ("經(jing1)濟", "經濟"),         # tone number
    ("經(jing)濟", "經濟"),          # toneless
    ("經（jīng）濟", "經濟"),        # full-width parentheses
    ("綠(lǜ)色", "綠色"), ("綠(lv4)色", "綠色"), ("綠(lu:4)色", "綠(lu:4)色"),  # ü / v; not a syllable
    ("行(háng)業", "行業"), ("行(xíng)動", "行動"),  # heteronyms: both readings are valid
    ("調(diào)研", "調研"),          # a reading wrong in context is still the character's reading
    ("績(jì)效", "績效"),            # the simplified form's reading (绩 jì) for a traditional character
    ("們(men)", "們"),               # neutral tone
])
def test_annotations_removed(spun, clean):
    # one gloss each: the readings are what is tested here, not the page's evidence (min_glosses=1)
    assert run_one(Pinyin(min_glosses=1), spun).text == clean


def test_annotation_after_garbage_is_kept_and_flagged():
    d = run_one(Pinyin(), "要求??偨Y(jié)范文，經(jīng)濟")
    assert d.text == "要求??偨Y(jié)范文，經濟"
    assert d.signals["pinyin_orphans"] == 1 and d.signals["pinyin_removed"] == 1


def test_normalize_reading():
    assert normalize_reading("Zhuàng") == ("zhuang", 4)
    assert normalize_reading("nü3") == ("nv", 3)
    assert reads_as("中", "zhòng") and not reads_as("中", "zhǎng")


def test_spun_document_is_restored_under_keep():
    out = repair("隨著(zhe)經(jīng)濟發(fā)展，我們要實現鄉(xiāng)村振興。")
    assert out.text == "随着经济发展，我们要实现乡村振兴。"
    assert out.signals["script"] == "spun" and out.signals["pinyin_removed"] == 4


def test_mixed_script_without_annotations_is_spun():
    text = "我們要推动經濟發展。實现鄉村振興。"
    assert detect(text).script == "spun"
    assert repair(text).text == "我们要推动经济发展。实现乡村振兴。"


def test_genuine_traditional_is_kept_under_keep():
    text = "臺灣的群島與山峰，隨著季節變化。"  # 群 峰: Taiwan's standard forms, not simplified evidence
    out = repair(text)
    assert out.text == text and out.edits == [] and out.signals["script"] == "traditional"


def test_one_repeated_simplified_character_is_not_spinning():
    text = "他們合并了兩家公司。并且擴大了規模。"
    assert detect(text).script != "spun"


def test_characters_a_converter_leaves_behind_betray_spun_text():
    # no annotation, no sentence with two simplified leftovers: only the converter's slips (于 后 准 left as
    # they were where traditional writes 於 後 準, plus one leftover 岛) tell it from genuine traditional text
    text = "本魚分布于印度洋，索羅門羣岛也有。前鰓蓋骨后緣具鋸齒。標准體長十公分。"
    info = detect(text)
    assert info.script == "spun" and info.slips == 4
    assert repair(text).text == "本鱼分布于印度洋，索罗门群岛也有。前鳃盖骨后缘具锯齿。标准体长十公分。"


def test_merged_characters_used_rightly_are_not_slips():
    # 皇后, the surname 于 in a name OpenCC knows, 乾 and 幹 chosen by context: a genuine writer's choices
    text = "皇后於是前往幹部會議，天氣乾燥。于右任的書法。"
    assert detect(text).slips == 0 and detect(text).script == "traditional"
    # two slips spread thin are what genuine text shows (literary 于, a typing slip); the same two in a short
    # text are dense enough to be a converter's
    thin = "本魚分布于印度洋。" + "臺灣的群島與山峰，隨著季節變化。" * 40 + "前鰓蓋骨后緣具鋸齒。"
    assert detect(thin).slips == 2 and detect(thin).script == "traditional"
    assert detect("本魚分布于印度洋。前鰓蓋骨后緣具鋸齒。").script == "spun"


@pytest.mark.parametrize("target,text,expected", [
    ("simplified", "隨著軟體發展。", "随着软体发展。"),
    ("traditional", "随着经济发展。", "隨着經濟發展。"),
    ("tw", "我们用软件和鼠标。", "我們用軟體和滑鼠。"),
    ("hk", "随着经济发展。", "隨着經濟發展。"),
    ("tw", "隨著經(jīng)濟发展。", "隨著經濟發展。"),
])
def test_targets(target, text, expected):
    assert repair(text, target).text == expected


def test_simplified_text_is_untouched_under_keep_and_simplified():
    text = "我们要推动经济发展，原著显著。"
    assert repair(text).edits == [] and repair(text, "simplified").edits == []


@pytest.mark.parametrize("text,expected", [
    ("随著时间", "随着时间"), ("围绕著", "围绕着"), ("意味著", "意味着"), ("著力", "着力"), ("著急", "着急"),
    ("原著", "原著"), ("显著", "显著"), ("著名", "著名"), ("著作", "著作"), ("臭名昭著", "臭名昭著"), ("土著", "土著"),
])
def test_zhe_particle(text, expected):
    assert fix_zhu(text) == expected


def test_bad_target_fails_at_construction():
    from taosha.errors import ConfigError

    with pytest.raises(ConfigError, match="target must be one of"):
        build_step("repair.script", {"target": "klingon"})


def test_simulated_spun_text_round_trips():
    rng = random.Random(3)
    clean = "我们要推动经济发展，实现乡村振兴。随着改革的深入，全县共有1200名干部参加培训。" * 3
    spun = damage.spin(clean, rng, table={"经": "jīng", "发": "fā", "乡": "xiāng", "训": "xùn"})
    assert len(spun.labels) == 12
    out = repair(spun.text)
    assert out.text == clean


def _wiki(shared, name):
    import gzip
    import json

    with gzip.open(shared / "corpora" / "wiki" / name, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def test_genuine_taiwan_text_is_never_converted_under_keep(shared):
    for text in _wiki(shared, "drcd_wiki_zh_hant.jsonl.gz")[:300]:
        out = repair(text)
        assert out.edits == [] or {e.step for e in out.edits} == {"repair.nfc"}, out.signals


def test_clean_simplified_wikipedia_is_unchanged(shared):
    for text in _wiki(shared, "cmrc2018_wiki_zh_hans.jsonl.gz")[:300]:
        out = repair(text)
        assert [e for e in out.edits if e.step != "repair.nfc"] == [], out.signals


def test_real_spun_page_leaves_no_traditional_or_valid_annotation(shared):
    from taosha.zh.script import TRAD, classes

    page = (shared / "corpora" / "seed-dev" / "page_dev.txt").read_text(encoding="utf-8")
    out = repair(page)
    assert out.signals["script"] == "spun"
    assert int((classes(out.text) == TRAD).sum()) == 0
    # what remains of annotations sits behind mojibake, for the encoding repair
    assert out.signals["pinyin_orphans"] >= 1


def test_an_authors_gloss_of_a_rare_character_stays():
    gloss = "荨(qián)麻是荨麻属中大约三十种植物的统称。"
    assert run_one(Pinyin(), gloss).text == gloss
    # several glosses are spinner density
    assert run_one(Pinyin(), "荨(qián)麻，經(jīng)濟").text == "荨麻，經濟"


@pytest.mark.parametrize("text", [
    "山东省聊城市莘(shēn)县的新闻报道，记者从县里了解到。",   # a common-enough character, glossed once
    "这部电影的魅（wei）力（li）在于它的真实。",              # a playful pair on neighbouring characters
    "台灣的經(jīng)濟發展很快。",                               # genuine traditional, one gloss
])
def test_an_isolated_gloss_in_an_ordinary_page_is_kept_and_signalled(text):
    out = repair(text)
    assert out.text == text
    assert out.signals["pinyin_glosses"] == 1 and "pinyin_removed" not in out.signals


def test_neighbouring_glosses_are_one_gloss():
    # counted as one, the pair is kept whole on an ordinary page (above); on a forced traditional page (a
    # simplified character in a traditional sentence) the valid reading goes and the wrong one stays
    out = run_one(Pinyin(), "這部電影的魅（wei）力（li）在于它的真实。")
    assert out.text == "這部電影的魅（wei）力在于它的真实。"
    assert out.signals["pinyin_removed"] == 1


def test_a_doubled_annotation_is_removed_at_once():
    from taosha.fix import fix_text

    once = fix_text("記(jì)(jì)")
    assert once == "记" and fix_text(once) == once
    assert run_one(Pinyin(), "要記(jì)(jì)住").text == "要記住"


_SCRIPT_TEXT = st.text(st.sampled_from(list("经济发展們經濟發展后于干范。！\n ab1")), max_size=60)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_SCRIPT_TEXT, st.integers(0, 2)), max_size=8))
def test_script_counts_for_a_batch_give_each_texts_verdict(items):
    texts = [t for t, _ in items]
    assert detect_many(texts, [a for _, a in items]) == [detect(t, a) for t, a in items]
    # and without looking for a converter's slips, as repair.mojibake asks for its suspect texts
    assert detect_many(texts, [a for _, a in items], look_for_slips=False) == [
        detect(t, a, look_for_slips=False) for t, a in items]


BANNER = "こちらのページは繁体字版です。日本語版「フォーカス台湾」に移動しますか。"


@pytest.mark.parametrize("text", [
    f"{BANNER}\n中央社記者今天報導，臺灣的經濟發展於去年創下新高。",
    "臺灣的學者指出：「広い門の下には、この男の外に誰もいない。」這段話出自羅生門。",
    "首爾的大學很多。서울特別市는 大韓民國의 首都이다.\n這是韓國的首都。",
    "我们今天讨论经济发展。이 글은 韓國語로 쓰였으며, 漢字를 함께 적었습니다.\n这是简体的段落。",
])
def test_japanese_and_korean_sentences_are_not_conversion_slips(text):
    out = repair(text)
    assert out.text == text and out.signals["script"] != "spun"


def test_japanese_kanji_do_not_make_a_traditional_page_spun():
    # without the banner the page is traditional; with it, 体 and 湾 are Japanese, not simplified slips
    assert detect(BANNER + "臺灣的經濟發展。").script == "traditional"
    assert detect("繁体字版。臺灣的經濟發展。").script != "traditional"  # the same characters in Chinese do count


def test_japanese_sentences_are_left_out_of_a_conversion_of_genuine_text():
    out = repair(f"{BANNER}\n臺灣的經濟發展。", target="simplified")
    assert out.text == f"{BANNER}\n台湾的经济发展。"


def test_genuine_pages_carrying_japanese_and_korean_are_never_converted(shared):
    import lzma
    import re
    import tarfile

    with tarfile.open(fileobj=lzma.open(shared / "corpora" / "mojibake" / "charset_mnbvc_fixtures.tar.xz")) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("test_sample_euc-jp.txt"))
        body = tar.extractfile(member).read().decode("euc_jp", "replace")
    japanese = [s + "。" for s in body[body.index("或日の暮方") :].replace("\n", "").split("。")
                if 8 <= len(s) <= 80 and re.search("[\u3041-\u309f]", s)]
    rng = random.Random(5)
    for text in _wiki(shared, "drcd_wiki_zh_hant.jsonl.gz")[:100]:
        cut = text.find("。", len(text) // 2) + 1 or len(text)
        quote = "".join(rng.sample(japanese, 2))
        page = f"{BANNER}\n{text[:cut]}{quote}\n大韓民國 憲法 第1條는 다음과 같다.\n{text[cut:]}"
        out = repair(page)
        assert [e for e in out.edits if e.step != "repair.nfc"] == [], out.signals


SPUN_LINES = ["我們要推動經(jīng)濟發(fā)展，實現(xiàn)鄉(xiāng)村振興。",
              "隨著改(gǎi)革的深入，全縣共有1200名干部參加培訓。"]  # 干: a character converter leaves it
TAIWAN_LINE = "台灣的軟體產業在過去十年中快速成長，之後更於全球市場站穩腳步。"


def test_a_genuine_line_beside_spun_lines_is_kept():
    from taosha.fix import fix_lines

    out = list(fix_lines([SPUN_LINES[0], TAIWAN_LINE, SPUN_LINES[1]]))
    assert out == ["我们要推动经济发展，实现乡村振兴。", TAIWAN_LINE, "随着改革的深入，全县共有1200名干部参加培训。"]
    doc = repair("\n".join([SPUN_LINES[0], TAIWAN_LINE, SPUN_LINES[1]]))
    assert doc.signals["script"] == "spun" and doc.signals["script_paragraphs"] == 1
    # without genuine marks a line of a spun page goes with its page (the prior)
    out = repair(SPUN_LINES[0] + "\n台灣的產業快速成長。")
    assert out.text == "我们要推动经济发展，实现乡村振兴。\n台湾的产业快速成长。"


def test_genuine_marks_tell_nothing_where_the_spinner_writes_them():
    # a phrase-aware spinner writes 後 and 於 in its annotated lines too: a line with them goes with its page
    spun = "之後我們要推動經(jīng)濟發(fā)展，於是實現鄉村振興。"
    out = repair(f"{spun}\n{TAIWAN_LINE}")
    assert out.text.split("\n") == ["之后我们要推动经济发展，于是实现乡村振兴。",
                                    "台湾的软体产业在过去十年中快速成长，之后更于全球市场站稳脚步。"]


def test_a_spun_paragraph_in_a_simplified_page_is_restored():
    simple = "我们今天讨论的是经济社会发展中的几个重要问题，以及下一步的工作安排和具体措施。"
    text = f"{simple}\n{SPUN_LINES[0]}\n{simple}"
    out = repair(text)
    assert out.signals["script"] != "spun"
    assert out.text == f"{simple}\n我们要推动经济发展，实现乡村振兴。\n{simple}"


def test_the_t2s_supplement_restores_what_opencc_leaves():
    from taosha.zh.script import converter, supplement, to_simplified

    t2s = converter("t2s")
    for trad, simple in supplement().items():
        assert t2s.convert(chr(trad)) == chr(trad), "OpenCC converts it now: the entry is stale"
        assert to_simplified(chr(trad)) == simple
    assert repair("陜西省的經(jīng)濟發(fā)展").text == "陕西省的经济发展"
    assert repair("陜西省的經濟發展", target="simplified").text == "陕西省的经济发展"


def test_japanese_names_without_a_japanese_sentence_are_no_slips():
    # 学 and 会 are simplified characters, but written beside kana, or beside 稲 in a sentence with kana, they are
    # Japanese names
    text = ("他畢業於早稲田大学，曾在「みどり」書店工作。後來她在沢尻エリカ的会社擔任經理。"
            "這是兩國文化交流的成果，觀眾反應熱烈。")
    assert detect(text).script == "traditional"
    assert repair(text).text == text


def test_detect_many_gives_detects_verdict_for_simplified_text_with_or_without_annotations():
    from taosha.zh.script import detect, detect_many

    texts = ["我们要推动经济发展。", "经济", "这里有后来的干部。", "我们。今天。"]
    for marks in (0, 1, 4):
        assert detect_many(texts, [marks] * len(texts)) == [detect(t, marks) for t in texts]


# Classical Chinese writes 于, 后, 干, 并 and 痒 itself, in traditional editions too (the Shijing, from the Debian
# fortunes in ../shared): no slips there, no sentences mixing the scripts
ODE = ("《詩經‧ 國風‧ 邶‧ 泉水》\n毖彼泉水，亦流于淇，有懷于衞，靡日不思，孌彼諸姬，聊與之謀。\n"
       "出宿于泲，飲餞于禰，女子有行，遠父母兄弟，問我諸姑，遂及伯姊。\n出宿于干，飲餞于言，載脂載舝，還車言邁，遄臻于衞，不瑕有害。")
ODE_MIXING = ("念我獨兮，憂心京京。哀我小心，癙憂以痒。\n"
              "憂心惸惸，念我無祿。民之無辜，并其臣僕。哀我人斯，于何從祿？瞻烏爰止，于誰之屋？")


@pytest.mark.parametrize("text", [ODE, ODE_MIXING])
def test_classical_text_is_not_taken_for_converted(text):
    info = detect(text)
    assert info.script != "spun"
    assert info.slips or info.mixed_sentences  # what made it spun before: still counted, no longer evidence
    assert repair(text).text == text


def test_a_genuine_paragraph_with_a_slip_of_its_own_does_not_convert_its_neighbours():
    # genuine Taiwan writing holds a slip now and then (居于, 皇后): a line with a genuine mark and a slip on a spun
    # page says nothing about the page's other genuine lines, which stay as written
    genuine = "下薩克森位於德國西北部，居于北海之濱，之後成為一個州。"
    page = "\n".join([SPUN_LINES[0], genuine, TAIWAN_LINE, SPUN_LINES[1]])
    out = repair(page).text.split("\n")
    assert out[2] == TAIWAN_LINE and out[0] == "我们要推动经济发展，实现乡村振兴。"


@pytest.mark.parametrize("text", [
    # modern words hold 之, 者 and 也 (之后, 记者): no classical particles
    "記者從公安部獲悉，此后于本月開始，全國范圍內開展專項整治行動，也將加大對違法者處罰力度。該行動之后將持續三個月。",
    # a menu of four-character items parted by spaces is no verse
    "新聞中心 產品展示 關于我們 聯系我們 人才招聘 在線留言 范圍廣泛 后來居上",
])
def test_modern_spun_text_is_not_taken_for_classical(text):
    assert detect(text).script == "spun"


def test_a_page_spun_by_a_converters_slips_alone_is_converted_whole():
    # a site's machine-converted edition (no spinner annotation): its converter writes 後 and 係 itself, so its
    # lines holding them go with the page instead of staying traditional between converted ones
    page = ("女嬰吊針後病死 送檢鑒定心臟為男性\n屍檢結果稱女嬰死于先天性心臟病，家屬懷疑標本被偷換。\n"
            "婷婷死亡後，衛生局委托專家進行屍檢，認為婷婷死于先天性心臟病。\n醫院的醫生一直在給婷婷進行身體檢查，前鰓蓋骨后緣。")
    out = repair(page)
    assert out.signals["script"] == "spun" and "script_paragraphs" not in out.signals
    assert out.text.split("\n")[0] == "女婴吊针后病死 送检鉴定心脏为男性"
    assert out.text.split("\n")[2] == "婷婷死亡后，卫生局委托专家进行尸检，认为婷婷死于先天性心脏病。"


def test_two_glosses_in_a_long_page_are_the_authors():
    # a writer marking how to read 没 twice in a long essay (magic-html's real page: 0.1 glosses per 1,000 Han
    # characters) is no spinner; the same two glosses in a short paragraph are spinner density
    filler = "这是一篇很长的散文，写的是家乡的河流与田野，还有童年的夏天。" * 60
    page = f"{filler}\n河水没(mo)到的膝盖，田里的庄稼都被抄没(mo)了。\n{filler}"
    doc = run_one(Pinyin(), page)
    assert doc.text == page and doc.signals["pinyin_glosses"] == 2
    short = "推動經(jīng)濟發(fā)展。"
    assert run_one(Pinyin(), short).signals["pinyin_removed"] == 2


def test_a_simplified_title_over_a_traditional_article_is_no_converters_trace():
    # the title's simplified characters stand in a line of their own: no leftover of a conversion of the article
    page = "德国地理\n德國位於歐洲中部，東鄰波蘭和捷克，南面是奧地利和瑞士，最低點低于海平面3.54公尺。"
    assert detect(page).script != "spun" and repair(page).text == page
    page = "十六国\n三國時屬魏國并州。前秦崩潰後，北方再度回到諸雄混戰的局面，并州又為後燕所有。"
    assert detect(page).script != "spun" and repair(page).text == page
