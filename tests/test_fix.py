"""taosha.fix_text / fix_and_explain / fix_bytes and `taosha fix`: idempotent, line-preserving, clean stays clean."""

from __future__ import annotations

import subprocess
import sys

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import restore_original
from taosha.document import Document
from taosha.fix import fix_and_explain, fix_bytes, fix_text

PIECES = st.sampled_from([
    "经济", "發展", "經(jīng)", "濟(jì)", "我們", "?", "??偨Y(jié)", "浣犲ソ", "锟斤拷", "(二)", "党委(党组)",
    "，", "。",
    "\n", " ", "abc", "2020年", "臺灣", "隨著", "著名", "e\u0301", "ä½\xa0", "(tái)", "吗?", "\u3000",
    # issue 22: doubled and neighbouring glosses, Japanese and Korean, genuine marks, the t2s supplement
    "記(jì)(jì)", "魅（wei）", "力（li）", "こちらのページは繁体字版です。", "서울特別市는", "之後", "軟體", "陜西",
])
TEXTS = st.lists(PIECES, max_size=25).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.sampled_from(["auto", "simplified", "tw"]))
def test_fix_text_is_idempotent(text, script):
    once = fix_text(text, script=script)
    assert fix_text(once, script=script) == once


@settings(max_examples=100, deadline=None)
@given(TEXTS)
def test_explained_edits_rebuild_the_input_and_keep_lines(text):
    fixed, edits = fix_and_explain(text)
    assert restore_original(Document("d", fixed, edits=list(edits))) == text
    assert fixed.count("\n") == text.count("\n")


def test_fix_bytes_detects_encoding():
    assert fix_bytes("我們要推動經(jīng)濟發展".encode("big5", "ignore")) != ""
    assert fix_bytes("浣犲ソ锛屼笘鐣岋紒".encode()) == "你好，世界！"
    assert fix_bytes("经济发展".encode("gbk")) == "经济发展"


def _wiki(shared, name, n):
    import gzip

    with gzip.open(shared / "corpora" / "wiki" / name, "rt", encoding="utf-8") as fh:
        return [orjson.loads(line)["text"] for line in fh][:n]


def test_clean_simplified_and_traditional_pass_through(shared):
    changed = [t for t in _wiki(shared, "cmrc2018_wiki_zh_hans.jsonl.gz", 1104) if fix_text(t) != t]
    changed += [t for t in _wiki(shared, "drcd_wiki_zh_hant.jsonl.gz", 2000) if fix_text(t) != t]
    assert changed == []


def run_fix(*args, stdin: bytes = b""):
    return subprocess.run([sys.executable, "-m", "taosha.cli", "fix", *args], input=stdin, capture_output=True,
                          check=False)


def test_cli_is_line_preserving_and_explains(tmp_path):
    src = tmp_path / "page.txt"
    lines = ["我們要推動經(jīng)濟發(fā)展，實現(xiàn)鄉(xiāng)村振興。", "", "浣犲ソ锛屼笘鐣岋紒",
             "要求??偨Y(jié)范文"]
    src.write_bytes("\n".join(lines).encode())
    out, log = tmp_path / "out.txt", tmp_path / "edits.jsonl"
    r = run_fix(str(src), "-o", str(out), "--explain", str(log))
    assert r.returncode == 0, r.stderr
    fixed = out.read_text(encoding="utf-8").split("\n")
    assert len(fixed) == len(lines)
    assert fixed[0] == "我们要推动经济发展，实现乡村振兴。" and fixed[1] == "" and fixed[2] == "你好，世界！"
    edits = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    assert {e["line"] for e in edits} == {1, 3, 4}
    first = next(e for e in edits if e["step"] == "repair.pinyin")
    assert lines[first["line"] - 1][first["column"] :].startswith(first["before"])


def test_cli_reads_stdin_in_gbk_and_keeps_the_last_line_open():
    r = run_fix(stdin="經(jīng)濟發(fā)展\r\n第二行".encode("gbk"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode("utf-8") == "经济发展\r\n第二行"


def test_cli_errors_are_one_line(tmp_path):
    r = run_fix(str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and r.stderr.decode().startswith("taosha: error: ") and b"Traceback" not in r.stderr


def _steps_leave_alone(text: str) -> bool:
    from taosha.fix import repair_steps
    from taosha.step import run_steps

    (doc,) = run_steps(repair_steps("auto"), Document("d", text))
    return doc.text == text and not doc.edits


# characters that the fast path's lookups and the steps both care about, mixed with plain text
NEAR_MISSES = st.lists(st.sampled_from([
    "经济", "发展", "我们", "这个", "质量", "好评", "，", "。", "！", "abc", "Kuli", "2016", "年", " ", "\n",
    "设计", "安", "假", "著", "台", "爛", "鎴", "朘", "oelie", "銆", "並", "宏", "碁", "～", "★", "😀", "ー", "の",
    "\ue00e", "е", "é", "ä½", "?", "(", "（", "(jīng)", "烫", "锟斤拷", "屯", "\ufffd", "e\u0301",
]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(NEAR_MISSES)
def test_the_fast_path_skips_only_text_the_steps_leave_alone(text):
    from taosha.fix import _untouched

    if _untouched(text):
        assert _steps_leave_alone(text)


def test_the_fast_path_on_real_reviews(shared):
    # 92% of the real shopping reviews take the fast path; each one the steps would have left alone
    import gzip
    import itertools

    from taosha.fix import _untouched

    path = shared / "corpora" / "web_text" / "online_shopping_10_cats.jsonl.gz"
    texts = [t for line in itertools.islice(gzip.open(path, "rb"), 0, 62774, 20)
             if isinstance(t := orjson.loads(line)["text"], str)]
    fast = [t for t in texts if _untouched(t)]
    assert len(fast) > 0.8 * len(texts)
    assert all(_steps_leave_alone(t) for t in fast)
    assert not _untouched("到了，超赞???") and not _untouched("經(jīng)濟") and not _untouched("浣犲ソ")
