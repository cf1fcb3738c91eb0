"""The deleted-byte pass's signs found in numpy on long pages (docs/mojibake-speed.md, ninth round): the same lines
as the patterns' searches find, and the same pass."""

from __future__ import annotations

import re
from itertools import accumulate

from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import Document
from taosha.repair.mojibake import deleted
from taosha.repair.mojibake.deleted import _GLUED_NEXT, _LOST, _PUA, _SIGNS, _lines_with, _sign_lines, reread_deleted
from taosha.synth.chains import decode
from taosha.textarrays import codepoints
from taosha.zh.lm import for_script

# every class the four patterns and their look-arounds test, and their edges: Han of the unified block and beside
# it (〇 U+3007, 㐀 U+3400, 鿿 U+9FFF, U+A000), private-use and beside it, U+2000-U+33FF's edges, U+FE30-U+FFEF's,
# the euro sign, U+FFFD, ASCII letters and '@', '[', '`', '{', '~', '-', '?', astral characters, line breaks
_PIECES = [*"的是质量很好們經濟發展麼〇㐀鿿\ua000\ue000\uf8ff\udfff\uf900\u1fff\u2000\u33ff\u3400\ufe2f\ufe30\uffef"
           "\ufff0€\ufffdaAzZ@[`{~-?0 ，。“！😀𠮷\n",
           "\n\n", "Mozi", "用了U盘", "家€包括", "行l星", "穌＊q", "\ue4c9\ue61d"]
_PAGES = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)
_OLD_GLUED = re.compile("(?<=[\u4e00-\u9fff])[A-Za-z-]")  # the form before this round


def _searched(text: str) -> tuple[set[int], ...]:
    starts = [0, *accumulate(len(line) + 1 for line in text.split("\n"))]
    return tuple(_lines_with(p, text, starts) for p in (_LOST, _PUA, _SIGNS, _GLUED_NEXT))


@settings(max_examples=400, deadline=None)
@given(_PAGES)
def test_the_signs_lines_are_those_the_searches_find(text):
    assert _sign_lines(codepoints(text)) == _searched(text)
    assert [m.span() for m in _GLUED_NEXT.finditer(text)] == [m.span() for m in _OLD_GLUED.finditer(text)]


def test_on_pages_with_signs():
    page = "第一行行l星的\n家€包括\ue4c9很好\n\n用了U盘和Mozi\n好\ufffd了\n穌＊q。" * 40
    got = _sign_lines(codepoints(page))
    assert got == _searched(page)
    assert all(got)  # each pattern matches somewhere: the test can fail


@settings(max_examples=60, deadline=None)
@given(_PAGES, st.sampled_from(["simplified", "traditional"]), st.booleans())
def test_the_pass_on_long_pages_is_the_pass_line_by_line(text, script, gated):
    # a long page (past _PAGE_SCAN) of the pieces, and chain damage: a GBK byte deleted in its bytes
    page = (text + "\n") * (1 + deleted._PAGE_SCAN // (len(text) + 1))
    raw = page.encode("gb18030", "replace")
    damaged = decode(raw[: len(raw) // 2] + raw[len(raw) // 2 + 1 :], "gb18030")
    lm = for_script(script)
    for t in (page, damaged):
        fast, slow = Document("a", t), Document("a", t)
        got = reread_deleted(fast, lm, "m", gated)
        scan, deleted._PAGE_SCAN = deleted._PAGE_SCAN, 10**9
        try:
            want = reread_deleted(slow, lm, "m", gated)
        finally:
            deleted._PAGE_SCAN = scan
        assert (got, fast.text, fast.edits) == (want, slow.text, slow.edits)


def test_the_step_on_real_pages_is_the_same_either_way(outputs_in_batches):
    from taosha.config import build_step

    step = build_step("repair.mojibake", {})
    step.setup()
    pages = [("据新华社电 第一行行l星的\n" + "中华人民共和国成立于一九四九年，經濟發展很快。\n" * 40 + "家€包括"),
             "用了U盘\n" * 300, "很好\ue4c9\ue61d的\n" * 200]
    pages.append(decode(pages[0].encode("gb18030")[:50] + pages[0].encode("gb18030")[51:], "gb18030"))
    got = outputs_in_batches(step, pages, 2)
    scan, deleted._PAGE_SCAN = deleted._PAGE_SCAN, 10**9
    try:
        want = outputs_in_batches(step, pages, 2)
    finally:
        deleted._PAGE_SCAN = scan
    assert got == want


def _news_pages(shared) -> list[str]:
    """The real-text benchmark's news-sized pages (bench/bench_real.py's news.jsonl): DAnIEL's references, CWCED's
    cleaned pages, magic-html's contents."""
    import tarfile

    import orjson

    root, out = shared / "corpora" / "extraction", []
    for name, part in (("daniel_zh_400.tar.xz", "/reference/"), ("cwced_zh_69.tar.xz", "/cleaned/")):
        with tarfile.open(root / name) as tar:
            out += [tar.extractfile(m).read().decode("utf-8", "replace") for m in tar  # type: ignore[union-attr]
                    if part in m.name and m.isfile()]
    with tarfile.open(root / "magic_html_zh_81.tar.xz") as tar:
        for m in tar:
            if m.name.endswith("/base.json") and m.isfile():
                base = orjson.loads(tar.extractfile(m).read())  # type: ignore[union-attr]
                out += [v["content"] for _, v in sorted(base.items()) if v.get("content")]
    return out


def test_the_runs_let_go_first_are_those_fix_lets_go(shared, monkeypatch, outputs_in_batches):
    """`repair_redecodes` with each run's first tests asked before `fix` and with every run through `fix` (doc.sub):
    the same outputs on the real news pages, on them with stretches misread (GBK <-> Big5, UTF-8 read as GBK or
    Big5, in a Japanese page too), and on the generator's pages of every family."""
    import random

    from taosha.repair.mojibake import redecode
    from taosha.repair.mojibake.step import Mojibake
    from taosha.synth.chains import generate, load_base

    news = _news_pages(shared)
    assert len(news) > 500
    rng = random.Random(9)
    damaged = []
    for k, text in enumerate(news[::3]):
        a = rng.randrange(len(text))
        b = min(len(text), a + (2 if k % 2 else rng.randrange(4, 40)))  # a word alone (汜莉 for 生产) or a stretch
        right, wrong = rng.choice([("gbk", "big5"), ("big5", "gb18030"), ("utf-8", "gb18030"), ("utf-8", "big5")])
        damaged.append(text[:a] + text[a:b].encode(right, "replace").decode(wrong, "replace") + text[b:])
    # two characters, neither rare, read back as a word (`_odd_pairs_before`'s sign): a line of them in a page
    words = ["數百人披甲乘城，又出" + "百餘".encode("big5").decode("gb18030") + "騎往來馳城下，步兵百餘人出城列陣。",
             "这家工厂今年的" + "生产".encode("gbk").decode("big5") + "任务已经完成了。"]
    for k, text in enumerate(news[1::9]):
        at = text.find("\n", len(text) // 2) + 1
        damaged.append(text[:at] + words[k % 2] + "\n" + text[at:])
    # punctuation alone misread: GBK's as Big5 (zhuyin, `marked` in a simplified page), Big5's as GB18030 (private-use)
    for k, text in enumerate(news[2::9]):
        right, wrong = ("gbk", "big5") if k % 2 else ("big5", "gb18030")
        damaged.append(re.sub("[，。、：]", lambda m, r=right, w=wrong: m.group().encode(r).decode(w, "replace"),
                                     text, count=3))
    chains = [s.text for s in generate(load_base(shared / "corpora").half(1), 4, 41)]
    texts = news + damaged + chains
    step = Mojibake()
    step.setup()
    calls: list[int] = []
    real = redecode._odd_pairs_before
    monkeypatch.setattr(redecode, "_odd_pairs_before", lambda *a: calls.append(1) or real(*a))
    first = outputs_in_batches(step, texts, 64)
    assert calls and any(edits for _, edits, _ in first[len(news):])  # pages repaired: the test can fail
    monkeypatch.setattr(redecode, "_LET_GO_FIRST", False)
    assert outputs_in_batches(step, texts, 64) == first


def test_the_counts_kept_are_the_counts_and_change_no_output(shared, monkeypatch, outputs_in_batches):
    """The last text's `document_counts` read again by the next pass that counts it: the same counts as counted
    afresh after the passes read them (none of them writes to them), and the same outputs as counting each time,
    on pages with lost bytes (the lost-byte pass and realignment both count them) and the long news pages."""
    from taosha.repair.mojibake import fill
    from taosha.repair.mojibake.step import Mojibake
    from taosha.synth.chains import generate, load_base

    families = ["gbk-byte-to-?", "gbk-byte-deleted", "gbk-fullwidth-pass"]
    pages = [s.text for s in generate(load_base(shared / "corpora").half(1), 6, 43, families, kinds=())]
    pages += [p for p in _news_pages(shared) if "?" in p and len(p) > 5_000]
    step = Mojibake()
    step.setup()
    counted: list[str] = []
    real = fill._document_counts
    monkeypatch.setattr(fill, "_document_counts", lambda text: counted.append(text) or real(text))
    kept = outputs_in_batches(step, pages, 8)
    assert fill._LAST_COUNTED and fill._LAST_COUNTED[0][1] == real(fill._LAST_COUNTED[0][0])
    assert len(counted) > 5 and any(edits for _, edits, _ in kept)
    monkeypatch.setattr(fill, "document_counts", real)
    assert outputs_in_batches(step, pages, 8) == kept


@settings(max_examples=400, deadline=None)
@given(_PAGES)
def test_the_letters_beside_non_ascii_are_on_the_lines_of_by_word(text):
    """realign's `_damage_lines` finds the lines where a letter stands beside a non-ASCII character by the letter
    (`_BY_WORD_LETTER`): the lines `_BY_WORD`'s matches are on. And redecode counts GBK's punctuation read as Big5
    with `str.count`: what the class's `findall` counted."""
    from taosha.repair.mojibake.damage import _BY_WORD, _BY_WORD_LETTER
    from taosha.repair.mojibake.redecode import _PUNCT_AS_BIG5

    starts = [0, *accumulate(len(line) + 1 for line in text.split("\n"))]
    assert _lines_with(_BY_WORD_LETTER, text, starts) == _lines_with(_BY_WORD, text, starts)
    assert (_BY_WORD_LETTER.search(text) is None) == (_BY_WORD.search(text) is None)
    page = text.replace("好", "ㄛ").replace("質", "﹞")
    assert sum(map(page.count, _PUNCT_AS_BIG5)) == len(re.findall(f"[{_PUNCT_AS_BIG5}]", page))
