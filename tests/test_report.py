"""The HTML report: the diff rebuilt from the edit log, the run's bounded sample, the page, and the page in a real
browser (headless Chromium; skipped with a message where it is absent)."""

from __future__ import annotations

import itertools
import re
import shutil
from html import unescape
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha.cli import main
from taosha.config import PipelineConfig
from taosha.document import Document
from taosha.io.writers import iter_records
from taosha.report.diff import diff_runs, fold
from taosha.report.html import SECTIONS, build_report
from taosha.report.sample import PER_RULE, RunSample, merge_samples, thresholds_of
from taosha.runners import run
from taosha.synth.demo import write_demo_corpus

ROOT = Path(__file__).resolve().parents[1]


# -- the diff ----------------------------------------------------------------------------------------------
@st.composite
def edited(draw):
    text = draw(st.text(alphabet="ab你好\n", max_size=15))
    doc = Document("d", text)
    for k in range(draw(st.integers(1, 6))):
        n = len(doc.text)
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, n))
        doc = doc.replace(a, b, draw(st.text(alphabet="XY好", max_size=3)), "s", f"r{k}")
    return text, doc


@settings(max_examples=400, deadline=None)
@given(edited())
def test_diff_runs_align_the_original_with_the_output(case):
    original, doc = case
    runs = diff_runs(doc.text, doc.edits)
    assert "".join(r.before for r in runs) == original
    assert "".join(r.after for r in runs) == doc.text
    assert all(r.before == r.after for r in runs if not r.changed)
    recorded = {f"{e.step}/{e.reason}" for e in doc.edits}
    assert {rule for r in runs for rule in r.rules} <= recorded


def test_adjacent_edits_of_different_rules_stay_apart():
    # script conversion after a pinyin annotation was removed: two runs, each naming its own rule
    doc = Document("d", "古人縱觀(guān)古今")
    doc = doc.replace(4, 10, "", "repair.pinyin", "annotation")
    doc = doc.replace(2, 4, "纵观", "repair.script", "restore_spun")
    runs = [(r.before, r.after, r.rules) for r in diff_runs(doc.text, doc.edits) if r.changed]
    assert runs == [("縱觀", "纵观", ("repair.script/restore_spun",)), ("(guān)", "", ("repair.pinyin/annotation",))]


def test_a_same_length_conversion_over_a_removed_annotation_leaves_the_annotation_its_own_change():
    # the script step converts a stretch that holds the place where pinyin removed an annotation
    doc = Document("d", "離(lí)騷之作")
    doc = doc.replace(1, 5, "", "repair.pinyin", "annotation")
    doc = doc.replace(0, 2, "离骚", "repair.script", "restore_spun")
    runs = [(r.before, r.after, r.rules) for r in diff_runs(doc.text, doc.edits)]
    assert runs == [("離", "离", ("repair.script/restore_spun",)), ("(lí)", "", ("repair.pinyin/annotation",)),
                    ("騷", "骚", ("repair.script/restore_spun",)), ("之作", "之作", ())]


def test_a_span_withheld_by_design_is_shown_as_its_length_in_fill_characters():
    from taosha.document import Edit, redacted

    # pii.mask keeps no trace of what it masked: the diff shows the masked span's length, never its text
    edits = [Edit("pii.mask", "mobile", 2, 13, redacted("mobile", 11), "<PHONE>")]
    runs = [(r.before, r.after) for r in diff_runs("电话<PHONE>。", edits)]
    assert runs == [("电话", "电话"), ("□" * 11, "<PHONE>"), ("。", "。")]


def test_an_earlier_edit_withheld_whole_does_not_stop_the_diff():
    from taosha.pii.mask import PiiMask

    # extract.html replaces the whole page in one edit; pii.mask withholds that edit (its text held the phone
    # number), so its `after` stands for text the mask then changed: the report's diff raised EditLogError and
    # aborted a WARC run with extract.html and pii.mask (found by a review)
    page = "<p>欢迎批评指正 电话：13812345678</p><p>建议使用IE4.0或以上版本浏览</p>"
    doc = Document("d", page).replace(0, len(page), "欢迎批评指正 电话：13812345678\n建议使用IE4.0或以上版本浏览",
                                      "extract.html", "html_to_text")
    step = PiiMask()
    step.setup()
    doc = step.process(doc)
    assert "13812345678" not in doc.text and doc.edits[0].after.startswith("\ufdd0")
    runs = diff_runs(doc.text, doc.edits)
    assert "".join(r.after for r in runs) == doc.text
    assert "".join(r.before for r in runs) == "□" * len(page)
    assert not any("13812345678" in r.before + r.after for r in runs)


def test_fold_keeps_context_around_edits_and_counts_the_rest():
    text = "甲" * 500 + "乙" + "丙" * 500
    doc = Document("d", text).replace(500, 501, "", "s", "r")
    pieces = fold(diff_runs(doc.text, doc.edits), context=20)
    assert pieces == [["~", 480], ["=", "甲" * 20], ["x", "乙", "", ["s/r"]], ["=", "丙" * 20], ["~", 480]]


# -- the sample --------------------------------------------------------------------------------------------
def _docs(n: int) -> list[Document]:
    docs = []
    for i in range(n):
        d = Document(f"doc-{i}", "正文内容" * (i % 7 + 1) + "(zhèng)", metadata={"url": f"http://s{i % 3}.cn/{i}"})
        d = d.replace(len(d.text) - 7, len(d.text), "", "repair.pinyin", "annotation")
        d.tag("han_share", round(0.5 + (i % 10) / 20, 4)).tag("chars", len(d.text)).tag("script", "simplified")
        if i % 4 == 0:
            d.drop("filter.quality", "low_han_share", "")
        docs.append(d)
    return docs


def _sample_of(groups: list[list[Document]]) -> dict:
    thresholds = [{"step": "filter.quality", "param": "min_han_share", "signal": "han_share", "side": "min",
                   "limit": 0.6}]
    parts = []
    for g in groups:
        s = RunSample(thresholds)
        for d in g:
            s.add(d)
        parts.append(orjson.loads(orjson.dumps(s.to_json())))  # as stored in the unit's marker
    return merge_samples(parts)


def test_sample_does_not_depend_on_how_documents_are_split_into_units():
    docs = _docs(200)
    whole = _sample_of([docs])
    for cuts in ([50, 120], [1, 2, 3, 199], list(range(0, 200, 7))):
        bounds = [0, *cuts, 200]
        groups = [docs[a:b] for a, b in itertools.pairwise(bounds)]
        split = _sample_of(groups[::-1])  # and in any order
        assert {k: v for k, v in split.items() if k != "units"} == {k: v for k, v in whole.items() if k != "units"}
    assert len(whole["rules"]["repair.pinyin/annotation"]) == PER_RULE
    assert whole["edit_chars"]["repair.pinyin/annotation"] == {"documents": 200, "edits": 200,
                                                             "chars_removed": 1400, "chars_added": 0}
    near_in = whole["near"]["filter.quality.min_han_share|in"]
    assert [e["value"] for e in near_in] == [0.6, 0.6, 0.6]  # the closest to the threshold, on the side kept
    assert sum(n for s, _, _, n in whole["hist"] if s == "chars") == 200
    assert whole["categories"]["script"] == {"simplified": 200}


def test_thresholds_follow_the_configuration():
    cfg = PipelineConfig()
    cfg.set("filter.quality.min_chars=500")
    cfg.set("filter.quality.max_top_ngram_2=0")  # 0 turns a test off: no threshold to draw
    found = {(t["step"], t["param"]): t["limit"] for t in thresholds_of(cfg.build())}
    assert found[("filter.quality", "min_chars")] == 500
    assert ("filter.quality", "max_top_ngram_2") not in found
    assert found[("dedup.near", "threshold")] == 0.8


# -- the page ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    write_demo_corpus(root / "input")
    cfg = PipelineConfig()
    cfg.runner.workers = 1
    run([str(root / "input")], root / "out", cfg)
    return root / "out"


def _annotated(out: Path) -> tuple[str, str]:
    """The first document the report samples for repair.pinyin/annotation, and one annotation removed from it."""
    sample = orjson.loads((out / "reports" / "sample.json").read_bytes())
    doc_id = sample["rules"]["repair.pinyin/annotation"][0]["id"]
    for sink in ("kept", "dropped"):
        for shard in sorted((out / sink).glob("part-*.jsonl.zst")):
            for rec in iter_records(shard):
                if rec["id"] == doc_id:
                    removed = [e["before"] for e in rec["edits"] if e["step"] == "repair.pinyin"]
                    return doc_id, removed[-1]
    raise AssertionError(f"{doc_id} is not in the output")


def test_report_has_every_section_and_the_diffs(demo_run, tmp_path):
    page_path = build_report(demo_run, tmp_path / "r.html")
    page = page_path.read_text(encoding="utf-8")
    for key in SECTIONS:
        if key != "timing":  # only where the run recorded time per step
            assert f'<section id="{key}">' in page
    assert "<script" not in page and "http://" not in page.split("<main>")[0]  # offline: nothing to fetch
    doc_id, annotation = _annotated(demo_run)
    block = page.split(f'data-rule="repair.pinyin/annotation" data-id="{doc_id}">', 1)[1].split("</table></div>")[0]
    removed = [unescape(m) for m in re.findall(r'<del class="this"[^>]*>(.*?)</del>', block, re.S)]
    assert any(annotation in r for r in removed), (annotation, removed)
    # thresholds drawn on their signal's chart
    assert re.search(r'id="signal-han_share">.*?filter\.quality\.min_han_share = 0\.3', page, re.S)


def test_report_is_deterministic_and_does_not_depend_on_workers(demo_run, tmp_path):
    cfg = PipelineConfig()
    cfg.runner.workers = 2
    run([str(demo_run.parent / "input")], tmp_path / "out", cfg)
    a = build_report(demo_run, tmp_path / "a.html").read_bytes()
    b = build_report(tmp_path / "out", tmp_path / "b.html").read_bytes()
    timing = re.compile(rb'<section id="timing">.*?</section>')  # CPU times differ from run to run
    assert len(timing.findall(a)) == 1
    assert timing.sub(b"", a) == timing.sub(b"", b)
    assert build_report(demo_run, tmp_path / "a2.html").read_bytes() == a


def test_cli_writes_the_report_unless_told_not_to(capsys, tmp_path):
    src = tmp_path / "in.jsonl"
    text = "今年以来，我镇坚持以人民为中心的发展思想，扎实推进乡村振兴各项工作。"
    src.write_bytes(orjson.dumps({"id": "a", "text": text}) + b"\n")
    assert main(["clean", str(src), "-o", str(tmp_path / "o"), "-q", "--no-report"]) == 0
    assert not (tmp_path / "o" / "report.html").exists()
    assert main(["clean", str(src), "-o", str(tmp_path / "o2")]) == 0
    assert f"report: {tmp_path / 'o2' / 'report.html'}" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "o"), "-o", str(tmp_path / "x.html")]) == 0
    assert "accounting" in (tmp_path / "x.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(tmp_path)]) == 2
    assert "no stats.json" in capsys.readouterr().err


def test_no_report_collects_no_sample_and_changes_no_shard(capsys, tmp_path):
    """`--no-report` skips the report's sample (its cost is per document): no reports/sample.json, no sample in
    the markers, the same shards and stats; `taosha report` on it still works, saying there is no sample."""
    src = tmp_path / "in.jsonl"
    texts = ["今年以来，我镇坚持以人民为中心的发展思想，扎实推进乡村振兴各项工作。  ", "短", "点击这里下载"]
    src.write_bytes(b"".join(orjson.dumps({"id": str(k), "text": t}) + b"\n" for k, t in enumerate(texts)))
    assert main(["clean", str(src), "-o", str(tmp_path / "a"), "-q", "--no-report"]) == 0
    assert main(["clean", str(src), "-o", str(tmp_path / "b"), "-q"]) == 0
    a, b = tmp_path / "a", tmp_path / "b"
    assert not (a / "reports" / "sample.json").exists() and (b / "reports" / "sample.json").exists()
    assert not any("sample" in orjson.loads(p.read_bytes()) for p in (a / "_done").glob("*.json"))
    for sink in ("kept", "dropped"):
        assert [p.read_bytes() for p in sorted((a / sink).glob("*"))] == [p.read_bytes() for p in
                                                                          sorted((b / sink).glob("*"))]
    timeless = lambda out: {k: v for k, v in orjson.loads((out / "stats.json").read_bytes()).items()  # noqa: E731
                            if not k.startswith("time_")}
    assert timeless(a) == timeless(b)
    assert main(["report", str(a), "-o", str(tmp_path / "x.html")]) == 0
    assert "this run collected no sample" in (tmp_path / "x.html").read_text(encoding="utf-8")
    # resumed (here: run again when finished) with --no-report, a run whose units collected a sample leaves none
    assert main(["clean", str(src), "-o", str(b), "-q", "--no-report"]) == 0
    assert not (b / "reports" / "sample.json").exists()


# -- in a browser ------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is absent: `apt-get install chromium` (make test "
                    "installs it where it can) to open the report in a browser")
def test_report_in_headless_chromium(demo_run):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is absent: pip install -e '.[dev]'")
    page_path = build_report(demo_run)
    doc_id, annotation = _annotated(demo_run)
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file:")
                    else None)
            page.goto(page_path.as_uri(), wait_until="load")
            for key, title in SECTIONS.items():
                if key != "timing":
                    section = page.locator(f"section#{key}")
                    assert section.is_visible(), key
                    assert section.locator("h2").inner_text() == title
            diff = page.locator(f'div.doc[data-rule="repair.pinyin/annotation"][data-id="{doc_id}"]')
            diff.scroll_into_view_if_needed()
            removed = diff.locator("del.this").all_inner_texts()
            assert any(annotation in r for r in removed), (annotation, removed)
            assert page.locator("#signals svg").count() >= 10
            (ROOT / "build").mkdir(exist_ok=True)
            page.screenshot(path=str(ROOT / "build" / "report-demo.png"))
            diff.screenshot(path=str(ROOT / "build" / "report-demo-diff.png"))
        finally:
            browser.close()
    assert problems == []


def test_report_of_a_run_without_sample_and_time_per_step_where_recorded(demo_run, tmp_path):
    from taosha.report.html import render
    from taosha.report.stats import without_timing

    stats = without_timing(orjson.loads((demo_run / "stats.json").read_bytes()))
    page = render(stats, {}, None, [])  # a run from before the report and the times: stats.json only
    assert '<section id="accounting">' in page and "this run collected no sample" in page
    assert '<section id="timing">' not in page  # no time per step recorded: no section
    stats["time_by_step"] = {"repair.mojibake": 3.0, "filter.quality": {"seconds": 1.0}}
    timed = render(stats, {}, None, [])
    section = timed.split('<section id="timing">', 1)[1].split("</section>", 1)[0]
    assert "repair.mojibake" in section and "75.0%" in section and "25.0%" in section


def test_sample_counts_match_the_output_records(demo_run):
    """The sample's exact parts (characters per rule, boilerplate lines per site, histogram totals) agree with
    what the shards hold, counted here the slow way."""
    from collections import Counter
    from urllib.parse import urlsplit

    sample = orjson.loads((demo_run / "reports" / "sample.json").read_bytes())
    chars: Counter = Counter()
    lines: Counter = Counter()
    with_chars = 0
    for sink in ("kept", "dropped"):
        for shard in sorted((demo_run / sink).glob("part-*.jsonl.zst")):
            for rec in iter_records(shard):
                with_chars += "chars" in rec["signals"]
                for e in rec["edits"]:
                    rule = f"{e['step']}/{e['reason']}"
                    chars[rule, "removed"] += len(e["before"])
                    chars[rule, "added"] += len(e["after"])
                    if e["step"] in ("clean.boilerplate", "clean.frequent_lines"):
                        site = urlsplit(rec["metadata"]["url"]).netloc.lower()
                        lines[site] += sum(1 for ln in e["before"].split("\n") if ln.strip())
    for rule, c in sample["edit_chars"].items():
        assert (c["chars_removed"], c["chars_added"]) == (chars[rule, "removed"], chars[rule, "added"]), rule
    assert {site: s["lines"] for site, s in sample["boilerplate"].items()} == dict(lines)
    assert sum(n for s, _, _, n in sample["hist"] if s == "chars") == with_chars
