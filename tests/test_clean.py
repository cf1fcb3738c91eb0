"""Cleaning steps: boilerplate rules (data, linear), repeated paragraphs, cut-off endings, template blanks,
quality signals. The percentages live in eval/."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from taosha import Document, restore_original
from taosha.clean.boilerplate import Boilerplate, check_linear, load_rules, rules_from
from taosha.clean.placeholders import Placeholders, find_placeholders
from taosha.clean.structure import RepeatedParagraphs, Truncation
from taosha.errors import ConfigError
from taosha.filter.quality import Quality, dup_ngram_share
from taosha.step import build_step, run_one


def run(step, text):
    step.setup()
    doc = step.process(Document("d", text))
    assert restore_original(doc) == text
    return doc


BODY = "今年以来，我镇坚持以人民为中心的发展思想，扎实推进乡村振兴各项工作，取得了阶段性成效。"


@pytest.mark.parametrize("line,reason", [
    ("本文地址：http://www.fanwen8.com/zongjie/12345.html", "source_footer"),
    ("转载请注明出处：范文网", "source_footer"),
    ("Copyright © 2012-2021 example.com 版权所有 京ICP备12345678号-1", "icp_copyright"),
    ("上一篇：2021年工作计划", "navigation"),
    ("【相关推荐】年终总结范文", "navigation"),
    ("喜欢就分享给你的朋友吧！点击右上角分享到朋友圈。", "share_prompt"),
    ("工作总结是我们在工作和学习中经常用到的文体。总结范文可以为我们提供一些新颖的观点和见解。", "site_intro"),
    ("以下是小编为大家整理的乡村振兴工作总结，欢迎品鉴！", "site_intro"),
    ("工作是一个汉语单词,有两个词性。以下是为大家整理的关于,欢迎品鉴!", "seo_filler"),
    ("/p>", "markup_residue"),
])
def test_boilerplate_rules(line, reason):
    doc = run(Boilerplate(), f"{BODY}\n{line}\n{BODY}")
    assert doc.text == f"{BODY}\n{BODY}"
    assert [e.reason for e in doc.edits] == [reason]


@pytest.mark.parametrize("text", [
    BODY,
    "本数据仅供参考，请以官方公布为准。" + BODY,  # "仅供参考" alone is not an essay-site blurb
    "上一篇文章我们讨论了乡村振兴的意义，这一篇我们谈谈具体做法，" + BODY * 3,  # long prose line
])
def test_content_is_not_boilerplate(text):
    assert run(Boilerplate(), text).edits == []


@pytest.mark.parametrize("line", [
    # real news and reviews that use a rule's words in a sentence (more than 15 Han characters besides them)
    "苹果目前没有对此做出回应。HTC一位发言人则表示，公司要先审查柯达的起诉理由才能发表评论。",
    "美国司法部没有立即发表评论，但此前曾表示，苹果公司每部 iPhone 的售价高达 1,599 美元。",
    "非常一般，有点乱，不喜欢。（发表评论，还要有字数限制，真是无语阿！）",
])
def test_prose_using_a_rules_words_is_not_boilerplate(line):
    assert run(Boilerplate(), f"{BODY}\n{line}\n{BODY}").edits == []


@pytest.mark.parametrize("line,reason", [
    ("<p>http://www.huanqiu.com2011-12-09 18:51国际在线论坛我要评论</p>", "share_prompt"),
    ("本文来源于《财经网》\u30002012年01月12日 17:38 我要评论（0）", "source_footer"),
    ("分享到：欢迎发表评论我要评论", "share_prompt"),
])
def test_a_sites_line_holds_few_other_han_characters(line, reason):
    from taosha.clean.boilerplate import rules_from

    rules = [r for r in rules_from(()) if r.name == reason and r.matches(line)]  # (share_prompt is two rules)
    assert rules and all(r.max_other_han is not None and r.other_han(line) <= r.max_other_han for r in rules)
    assert [e.reason for e in run(Boilerplate(), f"{BODY}\n{line}\n{BODY}").edits] == [reason]


@pytest.mark.parametrize("value", [-1, "3", 1.5, True])
def test_max_other_han_must_be_a_whole_number(value):
    from taosha.clean.boilerplate import load_rules

    rule = f'[[rule]]\nname = "x"\nmatch = "contains"\npatterns = ["甲"]\nmax_other_han = {value!r}\n'
    with pytest.raises(ConfigError, match="max_other_han"):
        load_rules(rule.replace("'", '"').replace("True", "true"), "t.toml")


@pytest.mark.parametrize("text,clean", [
    (f"{BODY}</p>\n{BODY}", f"{BODY}\n{BODY}"),  # </p> rebuilt by the mojibake repair at a line's end
    ("第二段<br/>文字，<a href=\"http://example.com/a.html\">链接</a>。", "第二段\n文字，链接。"),
    ('<P class="intro">段落</P>', "段落"),
])
def test_html_tags_inside_lines_are_removed(text, clean):
    doc = run(Boilerplate(), text)
    assert doc.text == clean and {e.reason for e in doc.edits} == {"markup_residue"}
    assert doc.signals["markup_tags"] == text.count("<")
    assert run(Boilerplate(skip=("markup_residue",)), text).text == text


@pytest.mark.parametrize("text", ["如果 a<b 且 b>c 则成立。", "比较 x<y 与 y>z 两种情形。", "<未知>标签不是HTML。"])
def test_angle_brackets_that_are_not_html_tags_stay(text):
    assert run(Boilerplate(), text).edits == []


def test_boilerplate_at_the_end_leaves_no_blank_line():
    doc = run(Boilerplate(), f"{BODY}\n上一篇：甲\n下一篇：乙")
    assert doc.text == BODY


def test_rules_must_match_in_linear_time():
    check_linear("以下是.{0,12}为大家(?:整理|收集)的")
    for bad in ("(a+)+b", "(?:x*)*y", "(a|aa)+", r"(\w+)\1"):
        with pytest.raises(ConfigError):
            check_linear(bad) if bad != "(a|aa)+" else check_linear("((a|aa)+)+")
    # an adversarial line for a regex rule is bounded by max_chars: the rule is not even tried
    rules = load_rules('[[rule]]\nname = "x"\nmatch = "regex"\npatterns = ["a{0,50}b"]\nmax_chars = 100\n', "t")
    assert rules[0].matches("a" * 10_000) is False
    # a global flag is valid alone but not inside the joined (?:...)|(?:...): a ConfigError that says how to scope it
    with pytest.raises(ConfigError, match=r"\(\?i:"):
        load_rules('[[rule]]\nname = "x"\nmatch = "regex"\npatterns = ["(?i)all rights reserved"]\n', "t")


_REGEX_RULES = [r for r in rules_from(()) if r.match == "regex"]
_PIECES = sorted({p for r in _REGEX_RULES for p in r.patterns} | {a for r in _REGEX_RULES for a in r.anchors or ()}
                 | set("以下是为大家整理的：:【】<>/?相关文章ICP备2019©abc ，。") | {"欢迎", "下面是", "为大家"})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=8), st.sampled_from(_REGEX_RULES))
def test_a_regex_rule_with_anchors_matches_what_its_regex_matches(pieces, rule):
    line = "".join(pieces)
    assert rule.matches(line) == (len(line) <= rule.max_chars and rule.regex.search(line) is not None and (
        rule.max_other_han is None or rule.other_han(line) <= rule.max_other_han))


def test_regex_rules_get_a_literal_prefilter():
    # every built-in regex rule needs a literal (related_list one of a group's: 相关 or 热门), so a document holding
    # none of the rules' literals has no line to try
    assert all(r.anchors is not None for r in _REGEX_RULES)
    assert {"相关", "热门"} <= set(next(r for r in _REGEX_RULES if r.name == "related_list").anchors)
    assert run(Boilerplate(), f"{BODY}\n热门文章：").edits[0].reason == "related_list"
    (rule,) = load_rules('[[rule]]\nname = "x"\nmatch = "regex"\npatterns = ["(?i:abc)", "de+f"]\n', "t")
    assert rule.anchors is None and rule.matches("ABC")  # a case-insensitive pattern has no literal to require


def test_user_rules_extend_the_defaults(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('[[rule]]\nname = "my_footer"\nmatch = "prefix"\npatterns = ["来源：本站"]\nmax_chars = 50\n')
    doc = run(build_step("clean.boilerplate", {"rules": [str(f)]}), f"{BODY}\n来源：本站原创")
    assert doc.edits[0].reason == "my_footer"
    f.write_text('[[rule]]\nname = "bad"\nmatch = "regex"\npatterns = ["(a+)+"]\n')
    with pytest.raises(ConfigError, match="nests a repetition"):
        build_step("clean.boilerplate", {"rules": [str(f) + ""]})


def test_repeated_paragraphs_keep_the_first():
    doc = run(RepeatedParagraphs(), f"{BODY}\n第二段内容，与第一段不同，也足够长了。\n{BODY}")
    assert doc.text == f"{BODY}\n第二段内容，与第一段不同，也足够长了。" and doc.signals["repeated_paragraphs"] == 1


def test_truncation_trims_and_flags_but_spares_signatures():
    doc = run(Truncation(), f"{BODY}\n{BODY}我们将进一步加强组织领导，确保各项")
    assert doc.text == f"{BODY}\n{BODY}" and doc.signals["truncated"] == 1
    signed = f"{BODY}\n教务处\n2021年6月7日"
    assert run(Truncation(), signed).text == signed


@pytest.mark.parametrize("text", [
    # real shopping reviews: one line, the last sentence without a stop (4,000 such reviews lost it before)
    "外观很漂亮，键盘也很漂亮，屏幕虽然不太鲜亮但是没亮点。唯一的遗憾是驱动有点难找，不过总体满意",
    "开国皇帝朱元璋并不太一样，看了这本书觉得这人还挺符合一个皇帝的标准的。哈哈，以皇帝的标准看问题",
    # a line before that ends a sentence, but too little after the last stop: one character, or a number's end
    f"{BODY}\n穿起来挺舒服的，和图片基本一致，物流也很快，卖家服务热情，非常满意！赞",
    f"{BODY}\n我们不过提前了几天享受新的系统，而且升级以后运行得更快了，版本是１０.５",
])
def test_truncation_keeps_a_last_sentence_it_cannot_tell_from_a_complete_one(text):
    """Only a text whose line before the last ends a sentence has its last sentence trimmed, and only one of two
    Han characters or more: the others are flagged and kept."""
    doc = run(Truncation(), text)
    assert doc.text == text and doc.signals["truncated"] == 1


@pytest.mark.parametrize("text", [
    f"{BODY}\n书里的语言很简洁易懂，多幅图片示例。已经买过一本了，这本是送给朋友的，希望大家都读一下吧",
    f"{BODY}\n办理退费请洽本局各地区业务组。健保局全球资讯网：http://www.nhi.gov.tw/",
    f"{BODY}\n联系我们的方式很多，欢迎来信咨询。合作请联系：020-85501999或media@mail.39.net",
])
def test_truncation_takes_a_last_sentence_ending_as_speech_or_in_an_address_for_complete(text):
    doc = run(Truncation(), text)
    assert doc.text == text and "truncated" not in doc.signals


@pytest.mark.parametrize("text,expected", [
    ("（二）构建意识形态建设的应急机制。\n建", "（二）构建意识形态建设的应急机制。"),  # cut in a heading
    ("（二）构建意识形态建设的应急机制。\n\n建\n", "（二）构建意识形态建设的应急机制。"),
    ("全文到此结束。\n完", None),       # the end, on purpose
    ("此致\n敬礼\n张三", None),          # a signature after a line with no sentence end
    ("会议通知如下。\n李明", None),      # a two-character name: more than a fragment
    ("第一段。\n1", None),
    ("（一）加强领导。\n正文。\n（二）构建机制。\n（三）加强", "（一）加强领导。\n正文。\n（二）构建机制。"),
    ("一、总体要求\n正文内容在这里。\n二、主要任务", None),  # headings without sentence ends: a title
    ("正文内容在这里。\n（三）加强", None),  # no earlier heading to compare with
])
def test_truncation_trims_a_last_line_cut_mid_word(text, expected):
    doc = run(Truncation(), text)
    assert doc.text == (text if expected is None else expected)
    assert ("truncated" in doc.signals) == (expected is not None)


@pytest.mark.parametrize("text,blanks", [
    ("全县共有x名党员", ["x"]), ("××县人民政府", ["××"]), ("20xx年工作计划", ["xx"]), ("第xx期培训班", ["xx"]),
    ("中国*的领导", ["*"]), ("姓名：______", ["______"]), ("党的--精神", ["--"]), ("“×行动”", ["×"]),
    ("以x轴为横坐标", []), ("3x3矩阵", []), ("玩Xbox游戏", []), ("X光检查", []), ("分辨率1920x1080", []),
    ("3×3=9", []), ("the xx factor", []), ("f(x)=2x+1", []),
    # a letter glued to a number names a model or counts; a full-width X-ray is one too
    ("松下X300手机的外形", []), ("从荣耀4x，到荣耀6", []), ("比x61还要小", []), ("胸部Ｘ光片有异常", []),
    ("2020年x月x日", ["x", "x"]), ("20xx年工作总结", ["xx"]),
])
def test_placeholders(text, blanks):
    assert [m.group() for m in find_placeholders(text)] == blanks


def test_placeholder_density_drops_template_essays():
    template = "全县共有x名党员，xx个支部，××县委书记xx同志讲话。" * 5
    assert run(Placeholders(), template).dropped.reason == "template_blanks"
    assert run(Placeholders(), BODY).signals["placeholders"] == 0


@pytest.mark.parametrize("text", [
    "昨天买的，今*有点小不爽，虽说可以退货再买，就不倒腾了，东西还是不错的",  # real reviews, dense by their length
    "在也不在京东买水果了，和图片相差太大，太小还***一斤",
    "印象最深的是,拉开窗帘时的感觉--外面是一高尔夫球场--很惬意!房间也不错",
])
def test_a_blank_or_two_in_a_short_text_is_no_template(text):
    doc = run(Placeholders(), text)
    assert doc.dropped is None and 0 < doc.signals["placeholders"] < Placeholders().min_blanks
    assert doc.signals["placeholder_density"] > Placeholders().max_per_1000


def test_quality_signals_and_drops():
    from taosha.synth.demo import clean_documents

    essay = dict(clean_documents())["06_persistence_essay"]
    doc = run(Quality(), essay)
    assert doc.dropped is None, doc.dropped
    s = doc.signals
    assert s["han_share"] > 0.8 and s["language"] == "zh" and 0 < s["sentence_mean"] <= s["sentence_max"]
    assert s["dup_ngram_10"] < 0.1
    repeated = run(Quality(), BODY * 3)
    assert repeated.dropped.reason == "repetition" and repeated.signals["dup_ngram_10"] > 0.9
    assert run(Quality(max_dup_ngram_10=0, max_dup_ngram_5=0, max_top_ngram_2=0), BODY * 3).dropped is None
    assert run(Quality(), "太短").dropped.reason == "too_short"
    english = "This is an English paragraph about the economy and rural development, long enough to judge. " * 2
    assert run(Quality(), english).dropped.reason == "not_chinese"
    assert run(Quality(), "哈" * 300).dropped.reason == "repetition"


def test_dup_ngram_share():
    import numpy as np

    pts = np.frombuffer("abcabcxyz".encode("utf-32-le"), dtype=np.uint32)
    dup, top = dup_ngram_share(pts, 3)
    assert dup == pytest.approx(6 / 9) and top == pytest.approx(2 * 3 / 9)


def test_default_pipeline_cleans_a_damaged_page():
    import random

    from taosha import PipelineConfig, run_steps
    from taosha.synth import damage
    from taosha.synth.demo import clean_documents

    essay = dict(clean_documents())["06_persistence_essay"]
    spun = damage.spin(essay, random.Random(2), table={"坚": "jiān", "持": "chí", "标": "biāo"}, keep_simplified=0)
    page = ("以下是小编为大家整理的论坚持，欢迎品鉴！\n" + spun.text + "\n本文地址：http://www.example.com/a.html\n"
            "上一篇：工作总结")
    from taosha.step import CorpusStep

    steps = [s for s in PipelineConfig().build() if not isinstance(s, CorpusStep)]  # one document: no corpus
    for step in steps:
        step.setup()
    (doc,) = run_steps(steps, Document("p", page))
    assert doc.dropped is None, doc.dropped
    assert doc.text == essay
    assert restore_original(doc) == page
    assert {e.step for e in doc.edits} >= {"repair.pinyin", "repair.script", "clean.boilerplate"}


def test_compilation_pages_split_at_numbered_headings():
    import random

    from taosha.clean.compilation import Compilation
    from taosha.document import restore_parts
    from taosha.synth import damage

    rng = random.Random(5)
    for _ in range(8):  # every heading style of the simulator
        parts = [f"第{k}篇的正文，讲述了不同的事情，内容各不相同。\n第二段也是正文。" for k in range(1, 4)]
        page = damage.compilation("工作总结", parts, rng)
        out = Compilation().process(Document("p", page.text))
        assert isinstance(out, list) and [p.text.strip() for p in out] == parts
        assert restore_parts(out) == page.text
        assert [p.parent["part"] for p in out] == [1, 2, 3]


@pytest.mark.parametrize("text", [
    "一是加强领导。\n二是完善制度。\n三是强化考核。",
    "（一）加强领导\n（二）完善制度",
    "第一章 总则\n第一条 为了规范管理。\n第二章 附则",
    "工作总结篇一\n只有一个篇一标题的文章，不是合集。",
    BODY + "\n为全面建设社会主义现代化国家作出更大的贡献。\n" + BODY,  # a closing formula inside one speech
])
def test_ordinary_documents_are_not_split(text):
    from taosha.clean.compilation import Compilation

    assert not isinstance(Compilation().process(Document("d", text)), list)


def test_glued_speeches_split_at_salutations_on_a_compilation_page():
    from taosha.clean.compilation import Compilation

    page = "\n".join(["讲话篇一", "同志们：", "第一篇讲话。", "谢谢大家！", "同志们：", "第二篇讲话。", "讲话篇二",
                      "同志们：", "第三篇讲话。"])
    out = Compilation().process(Document("p", page))
    assert [p.text.split("\n")[:2] for p in out] == [["同志们：", "第一篇讲话。"], ["同志们：", "第二篇讲话。"],
                                                     ["同志们：", "第三篇讲话。"]]


def test_a_closing_line_before_a_cut_sentence_does_not_split():
    from taosha.clean.compilation import Compilation

    page = "\n".join(["讲话篇一", "第一篇讲话的开头。", "努力开创稳中向好新局面。", "第二段讲话。", "讲话篇二",
                      "第二篇讲话的开头。", "努力开创稳中向好新局面。", "之重，规范管理内部工作群。"])
    out = Compilation().process(Document("p", page))
    # after the first 新局面。 a new paragraph opens: split; after the second, 之重 goes on a cut sentence
    assert [p.text.split("\n")[0] for p in out] == ["第一篇讲话的开头。", "第二段讲话。", "第二篇讲话的开头。"]


def test_frequent_lines_per_site_across_shards(tmp_path):
    import orjson

    import taosha
    from taosha import PipelineConfig, StepSpec
    from taosha.io.writers import iter_records

    inp = tmp_path / "in"
    inp.mkdir()
    for f in range(3):
        recs = []
        for k in range(6):
            site = "a" if k % 2 else "b"
            body = f"第{f}个文件第{k}篇正文，内容各不相同，讲述了很多不同的事情。"
            footer = "本站文章均来自网络，如有侵权请联系删除" if site == "a" else "欢迎访问乙站，每天更新精彩内容"
            recs.append(orjson.dumps({"id": f"{f}-{k}", "text": f"{body}\n{footer}", "url": f"http://{site}.cn/{k}"}))
        (inp / f"p{f}.jsonl").write_bytes(b"\n".join(recs) + b"\n")
    outs = []
    for workers in (1, 2):
        cfg = PipelineConfig(steps=[StepSpec("clean.frequent_lines", {"min_docs": 3, "width_bits": 12})])
        cfg.runner.workers = workers
        taosha.run([str(inp)], tmp_path / f"o{workers}", cfg)
        recs = [r for p in sorted((tmp_path / f"o{workers}" / "kept").glob("*.zst")) for r in iter_records(p)]
        outs.append([(r["id"], r["text"]) for r in recs])
        assert all("\n" not in text for _, text in outs[-1])  # every footer is gone
        assert all(restore_original_of(r) for r in recs)
    assert outs[0] == outs[1]



def test_frequent_lines_counts_travel_as_the_counters_they_set():
    """A counting state and a prepared step pickle their sketch as its set counters where few are set (a worker's
    pipe, the state file a resume reads): 1.3 MB rather than 16 MiB on a real corpus; read back, the same array."""
    import pickle

    import numpy as np

    from taosha.clean.frequent import FrequentLines

    step = FrequentLines()
    state = step.observe_batch([Document(str(k), f"第{k}行正文内容\n本站所有文章均来自网络") for k in range(50)],
                               step.new_state())
    blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    assert len(blob) < 10_000 < state.sketch.nbytes
    back = pickle.loads(blob)
    assert back.sketch.dtype == state.sketch.dtype and np.array_equal(back.sketch, state.sketch)
    assert back.docs == state.docs
    prepared = step.prepare(state)
    again = pickle.loads(pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))
    assert np.array_equal(again.sketch, prepared.sketch) and again.docs == prepared.docs and again.spec == step
    doc = Document("x", "第1行正文内容\n本站所有文章均来自网络")
    assert again.process(doc).text == prepared.process(Document("x", doc.text)).text
    state.sketch[:] = 1  # every counter set: the array itself, as before
    full = pickle.loads(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    assert np.array_equal(full.sketch, state.sketch)

def test_frequent_lines_counts_are_the_same_however_states_hold_and_meet(monkeypatch):
    """A counting state holds its lines' hashes and makes its sketch where states meet, or once enough wait: the
    sketch is the same whichever units' states are merged in which grouping, through a pipe or not, and whenever
    the hashes were counted in."""
    import pickle

    import numpy as np

    import taosha.clean.frequent as frequent

    step = frequent.FrequentLines(width_bits=10)
    docs = [Document(str(k), f"第{k % 7}行正文内容\n本站所有文章均来自网络\n第{k % 3}段另一行文字") for k in range(60)]
    one = step.observe_batch(docs, step.new_state()).sketch  # every hash counted in one state
    assert int(one.sum()) == step.depth * sum(len(set(d.text.split("\n"))) for d in docs)
    for waiting in (1, 5, 1 << 20):  # counted in as they come, now and then, or only when read
        monkeypatch.setattr(frequent, "_WAITING", waiting)
        parts = [step.observe_batch(docs[a : a + 10], step.new_state()) for a in range(0, 60, 10)]
        parts[1].sketch  # noqa: B018  (one state makes its sketch now: it meets states that hold hashes only)
        assert parts[1]._dense is not None and not parts[1].keys
        parts = [pickle.loads(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL)) for p in parts]  # a worker's pipe
        left = step.merge(step.merge(parts[0], parts[1]), parts[2])
        right = step.merge(parts[3], step.merge(parts[4], parts[5]))
        total = step.merge(right, left)
        assert total.waiting < waiting  # (hashes left waiting are counted in when the sketch is read)
        assert np.array_equal(total.sketch, one) and total.docs == {"": 60}
        assert step.prepare(total).sketch is total.sketch


def test_frequent_lines_states_whose_sketch_came_back_read_only_still_merge(monkeypatch):
    """Ray hands a worker's arrays back read-only (on its shared store): a state whose sketch came back so, its
    counters too many to travel packed, is merged into and counted into all the same."""
    import pickle

    import numpy as np

    import taosha.clean.frequent as frequent

    monkeypatch.setattr(frequent, "_WAITING", 4)  # every state makes its sketch at once
    step = frequent.FrequentLines(width_bits=4, min_chars=1)  # 4 x 16 counters: most set, pickled as the array
    docs = [Document(str(k), f"第{k}行\n另{k}行\n本站") for k in range(40)]
    whole = step.observe_batch(docs, step.new_state()).sketch.copy()

    def through_ray(state):
        buffers = []
        blob = pickle.dumps(state, protocol=5, buffer_callback=buffers.append)
        back = pickle.loads(blob, buffers=[memoryview(b.raw()).toreadonly() for b in buffers])
        return back

    parts = [through_ray(step.observe_batch(docs[a : a + 20], step.new_state())) for a in (0, 20)]
    assert parts[0]._dense is not None and parts[0]._dense.flags.writeable
    total = step.merge(step.merge(step.new_state(), parts[0]), parts[1])
    total.add(np.array([7], dtype=np.uint64))
    extra = step.observe_batch([], step.new_state())
    extra.add(np.array([7], dtype=np.uint64))
    assert np.array_equal(total.sketch, whole + extra.sketch)


def restore_original_of(rec) -> bool:
    return restore_original(rec).count("\n") == 1


def _repetition_by_sets(text: str) -> dict[str, float]:
    """The repetition signals the slow, obvious way: a Counter of n-gram strings per n."""
    from collections import Counter

    out = {}
    for n in range(2, 11):
        grams = Counter(text[i : i + n] for i in range(len(text) - n + 1))
        covered = set()
        for i in range(len(text) - n + 1):
            if grams[text[i : i + n]] > 1:
                covered.update(range(i, i + n))
        out[f"dup_ngram_{n}"] = len(covered) / len(text)
        if n <= 4:
            out[f"top_ngram_{n}"] = max(grams.values()) * n / len(text) if grams else 0.0
    return out


@given(st.lists(st.text(alphabet="我爱北京上海，。ab", max_size=200), min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_repetition_signals_match_counting_ngram_strings(texts):
    """Measured for a batch of texts at once, each text's signals are those of counting its own n-grams."""
    import numpy as np

    from taosha.filter.quality import repetition, repetitions

    got = repetitions([np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32) for t in texts])
    for text, signals in zip(texts, got, strict=True):
        want = _repetition_by_sets(text) if text else dict.fromkeys(signals, 0.0)
        assert signals == pytest.approx(want)
    assert repetition(np.frombuffer(texts[0].encode("utf-32-le"), dtype=np.uint32)) == got[0]


@given(st.lists(st.text(alphabet="我爱北京上海，。ab", max_size=120), min_size=1, max_size=6),
       st.sampled_from([1, 8, 64]))
@settings(max_examples=200, deadline=None)
def test_sifting_out_unique_ngrams_first_changes_no_signal(texts, sift):
    """filter.quality sifts keys that surely occur once out before it sorts a large batch's n-grams (`_sift`,
    from `_SIFT` keys): the signals are exactly those of sorting them all, and those of counting n-gram strings."""
    from unittest import mock

    import numpy as np

    from taosha.filter import quality

    points = [np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32) for t in texts]
    with mock.patch.object(quality, "_SIFT", 1 << 40):
        whole = quality.repetition_table(points)
    with mock.patch.object(quality, "_SIFT", sift):
        sifted = quality.repetition_table(points)
    assert all(np.array_equal(whole[k], sifted[k]) for k in whole)
    for k, text in enumerate(texts):
        if text:
            assert {key: sifted[key][k] for key in sifted} == pytest.approx(_repetition_by_sets(text))


@given(st.lists(st.text(alphabet="我爱北京。！？!?；;\nab", max_size=60), min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_sentence_signals_match_splitting_each_text(texts):
    """filter.quality measures sentences for a batch at once; each text's mean and longest sentence are those of
    its runs between stops, found one text at a time."""
    import re

    from taosha.filter.quality import Quality

    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    Quality(min_chars=0, languages=(), min_han_share=0).process_batch(docs)
    for doc, text in zip(docs, texts, strict=True):
        runs = [len(m.group()) for m in re.finditer("[^。！？!?；;\n]+", text)] or [0]
        assert doc.signals["sentence_max"] == max(runs)
        assert doc.signals["sentence_mean"] == pytest.approx(sum(runs) / len(runs), abs=0.051)
        size = max(1, len(text) - text.count("\n"))  # the shares (of the non-whitespace), for the batch at once
        assert doc.signals["han_share"] == round(sum(c in "我爱北京" for c in text) / size, 4)
        assert doc.signals["punct_share"] == round(sum(c in "。！？!?；;" for c in text) / size, 4)
        assert doc.signals["latin_share"] == round(sum(c in "ab" for c in text) / size, 4)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xX×Ｘ*_＿-20年县共有名，。a1(（", max_size=40))
def test_blanks_are_searched_only_where_a_blank_character_stands(text):
    from taosha.clean.placeholders import PLACEHOLDER, _blanks

    assert [m.span() for m in _blanks(text)] == [m.span() for m in PLACEHOLDER.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="篇范文精选第一二十3同志们尊敬的各位领导来宾：:，（）()讲话", max_size=16))
def test_compilation_skips_only_pages_without_heading_or_salutation_words(line):
    from taosha.clean.compilation import _NEEDED, HEADING, SALUTATION

    if HEADING.match(line) or SALUTATION.match(line):
        assert any(word in line for word in _NEEDED)


_ALL_RULES = rules_from(())
_RULE_PIECES = sorted({p for r in _ALL_RULES for p in r.patterns if len(p) < 30} | {"正文内容" * 10, "。", "http://a.cn"})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_RULE_PIECES), min_size=1, max_size=12))
def test_rules_grouped_by_line_length_give_the_first_matching_rule(pieces):
    from bisect import bisect_left

    from taosha.clean.boilerplate import _by_length

    line = "".join(pieces)
    limits, groups, _, _ = _by_length(_ALL_RULES)
    at = bisect_left(limits, len(line))
    grouped = groups[at] if at < len(limits) else ()
    assert next((r.name for r in grouped if r.matches(line)), None) == next(
        (r.name for r in _ALL_RULES if r.matches(line)), None)


@settings(max_examples=300, deadline=None)
@example(["热门文章：最新", "正文。", " 【专题】相关文章 ", "本文地址：http://a.cn", "上一篇：甲", "版权所有"])
@given(st.lists(st.lists(st.sampled_from([*_RULE_PIECES, " ", "【", "\u3000", "热门", "文章：", "甲乙"]), max_size=8)
                .map("".join), min_size=1, max_size=8))
def test_the_literal_gate_removes_the_lines_that_trying_every_rule_removes(lines):
    # clean.boilerplate tries a line against the rules that need a literal only when the line holds one (found
    # in one pass over the text): the same lines go, for the same rules, as when every line meets every rule
    from bisect import bisect_left

    from taosha.clean.boilerplate import _by_length

    step = Boilerplate()
    step.setup()
    limits, groups, _, _ = _by_length(_ALL_RULES)
    expected = {}
    for k, line in enumerate(lines):
        stripped, at = line.strip(), bisect_left(limits, len(line.strip()))
        name = next((r.name for r in groups[at] if r.matches(stripped)), None) if stripped and at < len(limits) \
            else None
        if name:
            expected[k] = name
    doc = step.process(Document("d", "\n".join(lines)))
    assert doc.signals.get("boilerplate_lines", 0) == len(expected)
    assert sorted(e.reason for e in doc.edits if e.reason != "markup_residue") == sorted(expected.values())


def test_a_line_as_long_as_a_rules_limit_is_still_tried_against_it():
    step = Boilerplate()
    step.setup()
    for rule in _ALL_RULES:
        if rule.match != "contains":
            continue
        line = rule.patterns[0] + "a" * (rule.max_chars - len(rule.patterns[0]))  # exactly max_chars long
        doc = step.process(Document("d", f"{BODY}\n{line}"))
        assert doc.text == BODY and doc.edits[0].reason == rule.name, rule.name
        assert step.process(Document("d", f"{BODY}\n{line}a")).text.endswith("a")  # one longer: not this rule


def test_cleaning_does_not_depend_on_the_target_script(tmp_path):
    # the rules are written in simplified; with repair.script converting to traditional before them, they match
    # on the folded text and remove the same lines, split the same pages, count the same blanks
    from taosha.cli import main
    from taosha.synth.demo import write_demo_corpus

    write_demo_corpus(tmp_path / "input")
    counts = {}
    for target in ("simplified", "traditional"):
        out = tmp_path / target
        assert main(["clean", str(tmp_path / "input"), "-o", str(out), "--workers", "1", "-q",
                     "--set", f'repair.script.target="{target}"', "--skip", "dedup.near",
                     "--skip", "dedup.paragraphs"]) == 0
        stats = orjson.loads((out / "stats.json").read_bytes())
        counts[target] = ({k: v["by_reason"] for k, v in stats["edits_by"].items() if k.startswith("clean.")},
                          stats["splits_by"], stats["dropped_by"])
    assert counts["traditional"] == counts["simplified"]
    edits, splits, _ = counts["traditional"]
    assert edits["clean.boilerplate"]["site_intro"] > 0 and splits["clean.compilation"]["parts"] > 0


def test_rules_written_in_simplified_match_traditional_text():
    from taosha.clean.compilation import Compilation

    doc = run(Boilerplate(), "正文第一段。\n文章來源：新華網\n相關閱讀：工作總結")
    assert doc.text == "正文第一段。"
    parts = Compilation().process(Document("p", "講話範文一\n第一篇講話的內容。\n講話範文二\n第二篇講話的內容。"))
    assert [p.text for p in parts] == ["第一篇講話的內容。\n", "第二篇講話的內容。"]
    assert run(Placeholders(), "以x軸為準，全縣共有x名黨員。").signals["placeholders"] == 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("本文來源来源發展经济。 \n\ud800😀")), max_size=20), max_size=8))
def test_boilerplate_folds_a_batch_as_each_text_alone(texts):
    from taosha.zh.script import fold, fold_many

    assert fold_many(texts) == [fold(t) for t in texts]
    step = Boilerplate()
    step.setup()
    lines = [f"{t}\n本文來源：新華網" for t in texts]
    batch = step.process_batch([Document(str(k), t) for k, t in enumerate(lines)])
    alone = [step.process(Document(str(k), t)) for k, t in enumerate(lines)]
    assert [(d.text, d.edits, d.signals) for d in batch] == [(d.text, d.edits, d.signals) for d in alone]


def test_frequent_line_hashes_keep_each_lines_first_index_in_order():
    import xxhash

    from taosha.clean.frequent import _line_hashes

    def reference(doc, min_chars):  # the loop the comprehensions replaced
        out = {}
        for k, line in enumerate(doc.text.split("\n")):
            key = "".join(line.split())
            if len(key) >= min_chars:
                out.setdefault(xxhash.xxh3_64_intdigest(("\x00" + key).encode()), k)
        return out

    for text in ("本站所有文章均来自网络", "短", "甲乙丙丁戊己\n甲乙丙丁戊己", "",
                 "甲乙丙丁戊己\n短\n庚辛 壬癸子丑\n甲乙丙丁戊己\n\n庚辛壬癸子丑\n寅卯辰巳午未"):
        got = _line_hashes(Document("d", text), 6)
        assert list(got.items()) == list(reference(Document("d", text), 6).items())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab汉 \t\u3000\u00a0\n\r-xX×Ｘ*_＿篇范文範精選同志们們尊敬的各位\u200b\u200c\u2060\ufeff",
               max_size=30))
def test_cheap_pretests_skip_only_texts_the_full_test_would_skip(text):
    """The one-scan pre-tests (regexes) that let a step skip a document agree with what they stand for."""
    from taosha.clean import compilation, placeholders
    from taosha.repair import unicode

    assert bool(unicode._TRAILING_AT.search(text)) == bool(unicode._TRAILING.search(text))
    assert bool(placeholders._ANY_BLANK.search(text)) == ("--" in text or any(c in text for c in
                                                                              placeholders._BLANK_CHARS))
    assert bool(compilation._NEEDED_RE.search(text)) == any(w in text for w in compilation._NEEDED_ANY_SCRIPT)
    assert unicode._has_invisible(text) == bool(unicode._INVISIBLE.search(text))
    assert placeholders._any_blank(text) == bool(placeholders._ANY_BLANK.search(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1汉 \n。！？…」”』）)》.，：x", max_size=60))
def test_truncation_cuts_after_the_last_stop_and_its_closing_marks(text):
    """clean.truncation's `_last_stop` (one scan of the line reversed) is where a search from the end, a character
    at a time, finds the last stop (a full stop between letters or digits is none) and the closing marks after it."""
    from taosha.clean.structure import _CLOSERS, _last_stop
    from taosha.zh.sentences import LINE_END, STOPS

    def inside(k: int) -> bool:
        return 0 < k < len(text) - 1 and text[k - 1].isascii() and text[k - 1].isalnum() and (
            text[k + 1].isascii() and text[k + 1].isalnum())

    expected = -1
    for k in range(len(text) - 1, -1, -1):
        if text[k] in STOPS + "…" or (text[k] == "." and not inside(k)):
            expected = k + 1
            while expected < len(text) and text[expected] in _CLOSERS:
                expected += 1
            break
    assert _last_stop(text) == expected
    doc = Truncation(min_line_chars=3).process(Document("d", text))
    if any(e.reason == "cut_off_sentence" for e in doc.edits):
        assert doc.text[-1] in LINE_END


def test_a_document_whose_language_identification_raises_keeps_its_measured_signals(monkeypatch):
    # a broken langid install raises on the non-Chinese documents only: the runner drops each with step_error,
    # and the signals measured before the identifier ran stay on it (as they did before the batch's columns)
    import taosha.filter.quality as quality
    from taosha.step import run_batch

    def broken(text: str, han_share: float) -> tuple[str, float]:
        raise ImportError("a broken langid install")

    monkeypatch.setattr(quality, "language", broken)
    docs = [Document("zh", "今天天气很好，我们去公园散步。" * 10),
            Document("en", "hello world, this is english text " * 5)]
    out = run_batch([Quality()], docs, catch=True)
    by_id = {d.id: d for d in out}
    assert by_id["en"].dropped is not None and by_id["en"].dropped.reason == "step_error"
    assert by_id["en"].signals["chars"] == len(docs[1].text) and "han_share" in by_id["en"].signals
    assert by_id["zh"].signals["language"] == "zh"


@pytest.mark.parametrize("text", ["", "   ", "\n", "第一行。\n\n  "])
def test_truncation_with_no_line_length_floor_leaves_blank_text(text):
    doc = Truncation(min_line_chars=0).process(Document("d", text))
    assert doc.text == text and "truncated" not in doc.signals


@pytest.mark.parametrize("before", ["宝山镇 (凤城市)", "大熊猫幼仔开始群体生活 (5/7)", "《自由软件方针》"])
def test_a_title_ending_in_a_closing_mark_is_no_sign_that_lines_end_in_stops(before):
    # a closing mark alone ends a title, not a sentence: the last sentence after it (a Wikipedia list item, a
    # photo's byline) is flagged and kept, as after any line that ends without a stop
    text = f"{before}\n宝山镇是中国辽宁省丹东市凤城市下辖的一个镇。有全日制初级中学一所：辽宁省凤城市宝山中学"
    doc = run_one(Truncation(), text)
    assert doc.text == text and doc.signals["truncated"] == 1
    # a stop before the closing mark does end the line's sentence: the cut sentence after it is trimmed
    doc = run_one(Truncation(), f"（他说：“我们走。”）\n{text.split(chr(10))[1]}")
    assert doc.text.endswith("下辖的一个镇。") and doc.edits


def test_terminal_escapes_are_removed_as_recorded_edits():
    from taosha import restore_original
    from taosha.repair.unicode import Whitespace

    text = "\x1b[1;31m青山依旧在，几度夕阳红。\x1b[0m\n-- \x1b[36m杨慎《临江仙》\x1b[m"
    doc = run_one(Whitespace(), text)
    assert doc.text == "青山依旧在，几度夕阳红。\n-- 杨慎《临江仙》"
    assert {e.reason for e in doc.edits} == {"terminal_escape"} and restore_original(doc) == text
    # in a batch, a text with an escape is found among clean ones; a lone ESC (no sequence) stays
    docs = [Document(str(k), t) for k, t in enumerate(["干净的文本。", text, "单独的\x1b字符。"])]
    out = Whitespace().process_batch(docs)
    assert [d.text for d in out] == ["干净的文本。", "青山依旧在，几度夕阳红。\n-- 杨慎《临江仙》", "单独的\x1b字符。"]


def test_terminal_escapes_are_those_ftfy_removes():
    """repair.whitespace keeps its own copy of ftfy's escape pattern (importing ftfy cost each process 35-50 ms): the
    same pattern and flags, so that it removes what ftfy's `remove_terminal_escapes` does, and the same text after."""
    from ftfy.fixes import ANSI_RE, remove_terminal_escapes

    from taosha.repair.unicode import _TERMINAL_ESCAPE, Whitespace

    assert (_TERMINAL_ESCAPE.pattern, _TERMINAL_ESCAPE.flags) == (ANSI_RE.pattern, ANSI_RE.flags)
    text = "\x1b[1;31m红\x1b[0m \x1b[2J清屏\x1b[?25l留下\x1b]0;标题\x07"
    assert run_one(Whitespace(strip_document=False), text).text == remove_terminal_escapes(text)


def test_repeated_paragraphs_spare_table_rules_and_short_refrains():
    table = "\n".join(["┌──────────┬──────────────────┐", "│ 设备文件 │ 说明             │",
                       "├──────────┼──────────────────┤", "│ /dev/null │ 写入的内容都会被丢弃 │",
                       "├──────────┼──────────────────┤", "│ /dev/zero │ 读出无穷的零字节 │",
                       "└──────────┴──────────────────┘"])
    assert run_one(RepeatedParagraphs(), table).text == table
    ode = "\n".join(["南有喬木，不可休思。漢有游女，不可求思。", "漢之廣矣，不可泳思，江之永矣，不可方思。",
                     "翹翹錯薪，言刈其楚。之子于歸，言秣其馬。", "漢之廣矣，不可泳思，江之永矣，不可方思。"])
    assert run_one(RepeatedParagraphs(), ode).text == ode
    # a paragraph of twenty letters or more repeated is removed, as on the pages the step is for
    para = "我们要继续努力，推动经济社会高质量发展，实现乡村振兴的目标。"
    doc = run_one(RepeatedParagraphs(), f"{para}\n第二段。\n{para}")
    assert doc.text == f"{para}\n第二段。" and doc.signals["repeated_paragraphs"] == 1


@pytest.mark.parametrize("line,removed", [
    ("【打印本页】【关闭窗口】", True),
    ("打印本页 | 关闭窗口", True),
    ("【字体：大 中 小】【打印本页】【关闭窗口】", True),
    # a manual describing its buttons uses the words in sentences
    ("保存所有设置并关闭窗口。", False),
    ("关闭窗口并放弃更改。", False),
])
def test_print_and_close_buttons_are_boilerplate_only_as_words_of_their_own(line, removed):
    from taosha.clean.boilerplate import Boilerplate

    doc = run_one(Boilerplate(), f"正文的第一段。\n{line}")
    assert (doc.text == "正文的第一段。") == removed
