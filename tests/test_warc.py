"""Raw crawls: WARC and HTML readers, charset choice, extract.html, and the CLI on a WARC."""

from __future__ import annotations

import gzip
import tarfile
from collections import Counter
from pathlib import Path

import orjson
import pytest

from taosha.clean.frequent import site
from taosha.cli import main
from taosha.document import Document, restore_original
from taosha.errors import MissingExtraError
from taosha.extract.html import ExtractHtml, extract, second_opinion
from taosha.io.html import UndecodableHtml, decode_html, html_document
from taosha.io.readers import InputConfig, Quarantine, Unit, discover, file_kind, read_unit
from taosha.io.warc import http_response, make_warc, warc_record
from taosha.io.writers import iter_records

BODY = ("<p>记者从市交通运输局获悉，今年全市新开通公交线路十二条，优化调整线路二十三条，方便了群众出行。</p>"
        "<p>据介绍，新线路主要覆盖新建居民小区、产业园区和学校，高峰时段发车间隔缩短到五分钟以内。</p>")
NAV = '<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/sport">体育</a></div>'
COMMENTS = ('<div class="comment-list"><p>网友甲：这个好，点赞！我家门口终于通公交了，上班方便多了。</p>'
            '<p>网友乙：希望晚上也多开几班，加班回家太难了，等车等到十点多。</p></div>')
RELATED = ('<ul><li><a href="/1">市区新增三条夜间公交线路</a></li><li><a href="/2">地铁五号线年底通车</a></li>'
           '<li><a href="/3">本市出租车起步价调整</a></li></ul>')


def page(charset_meta: str = "", body: str = BODY, title: str = "公交线路优化") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>{NAV}"
            f"<div class='article'><h1>{title}</h1>{body}</div>{RELATED}{COMMENTS}"
            "<div class='footer'>版权所有 2024 某某新闻网 京ICP备12345678号</div></body></html>")


def shared_pages(shared_root: Path | None, tmp_path: Path, n: int = 6) -> list[tuple[str, bytes]]:
    """Real pages from CWCED (raw GBK bytes among them), or synthetic ones when ../shared is absent."""
    archive = shared_root / "corpora" / "extraction" / "cwced_zh_69.tar.xz" if shared_root else None
    if archive is None or not archive.exists():
        return [(f"http://news.example.com/{k}", page("gbk" if k % 2 else "").encode("gbk" if k % 2 else "utf-8"))
                for k in range(n)]
    with tarfile.open(archive) as tar:
        names = sorted(m.name for m in tar.getmembers() if "/original/" in m.name and m.name.endswith(".html"))
        return [(f"http://site{k % 2}.example.cn/a/{k}.html", tar.extractfile(name).read())  # type: ignore[union-attr]
                for k, name in enumerate(names[:n])]


@pytest.fixture
def crawl_pages(tmp_path):
    root = Path(__file__).resolve().parents[2] / "shared"
    return shared_pages(root if root.is_dir() else None, tmp_path)


def read(path: Path, cfg: InputConfig | None = None) -> tuple[list, Counter]:
    kind, comp = file_kind(str(path))
    counters: Counter[str] = Counter()
    return list(read_unit(Unit(0, str(path), kind, comp), cfg or InputConfig(), None, counters)), counters


# -- WARC ------------------------------------------------------------------------------------------------------

def mixed_warc(pages: list[tuple[str, bytes]]) -> bytes:
    """Pages, plus the records a crawl holds that are not pages: an image, a 404, a redirect, metadata."""
    extra = [
        warc_record("response", "http://x.cn/logo.png", http_response(b"\x89PNG\r\n\x1a\n", "image/png")),
        warc_record("response", "http://x.cn/gone", http_response(b"<html>not found</html>", status="404 Not Found")),
        warc_record("metadata", "http://x.cn/", b"fetchTimeMs: 12\r\n"),
    ]
    return make_warc(pages) + b"".join(gzip.compress(r, mtime=0) for r in extra)


def test_warc_pages_become_documents_and_other_records_are_counted(tmp_path, crawl_pages):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(mixed_warc(crawl_pages))
    items, counters = read(path)
    docs = [d for d in items if isinstance(d, Document)]
    assert len(docs) == len(crawl_pages) and not [q for q in items if isinstance(q, Quarantine)]
    for doc, (url, _) in zip(docs, crawl_pages, strict=True):
        assert doc.metadata["url"] == url and doc.metadata["host"] == url.split("/")[2]
        assert site(doc) == doc.metadata["host"]  # what clean.frequent_lines counts lines per
        assert doc.id == doc.metadata["warc_record_id"] and doc.id.startswith("<urn:uuid:")
        assert doc.metadata["warc_date"] == "2024-05-01T00:00:00Z"
        assert doc.metadata["http_headers"]["Content-Type"] == "text/html"
        assert doc.source["format"] == "html" and doc.source["charset_source"] in ("bom", "http", "meta", "detected")
        assert 0 <= doc.source["charset_confidence"] <= 1
        assert "<" in doc.text and "\ufffd" not in doc.text
    assert counters == Counter({"skipped_record|warcinfo": 1, "skipped_record|request": len(crawl_pages),
                                "skipped_record|not_html": 1, "skipped_record|status_404": 1,
                                "skipped_record|metadata": 1})


def test_a_gbk_page_in_a_warc_is_decoded_as_gb18030(tmp_path):
    raw = page().encode("gbk")  # no declaration anywhere: not in HTTP, not in a meta tag
    path = tmp_path / "gbk.warc"
    path.write_bytes(make_warc([("http://a.cn/1", raw)], compress=False))
    (doc,), _ = read(path)
    assert doc.source["charset"] == "gb18030" and doc.source["charset_source"] == "detected"
    assert "新开通公交线路" in doc.text


@pytest.mark.parametrize("compress", [True, False])
def test_truncated_warc_is_read_up_to_the_damage(tmp_path, crawl_pages, compress):
    data = make_warc(crawl_pages, compress=compress)
    path = tmp_path / ("cut.warc.gz" if compress else "cut.warc")
    path.write_bytes(data[: len(data) - 200])  # inside the last response's payload
    items, _ = read(path)
    docs = [d for d in items if isinstance(d, Document)]
    (q,) = [q for q in items if isinstance(q, Quarantine)]
    assert len(docs) == len(crawl_pages) - 1
    assert q.error == "truncated_archive" and items[-1] is q



@pytest.mark.parametrize("compress", [True, False])
def test_warc_reading_tells_progress_record_by_record(tmp_path, compress):
    """A WARC is one unit: its bar moves as records are read, not only when the unit ends (issue #19)."""
    import random

    rng = random.Random(19)  # pages that do not compress away: FastWARC reads the file in buffers of some KB
    pages = [(f"http://a.cn/{k}", page(body="<p>" + "".join(chr(rng.randrange(0x4e00, 0x9fa5)) for _ in range(30000))
                                       + "。</p>").encode()) for k in range(12)]
    path = tmp_path / ("big.warc.gz" if compress else "big.warc")
    path.write_bytes(make_warc(pages, compress=compress))
    told: list[int] = []
    events: list[str] = []

    def progress(nbytes: int) -> None:
        told.append(nbytes)
        events.append("bytes")

    kind, comp = file_kind(str(path))
    for item in read_unit(Unit(0, str(path), kind, comp), InputConfig(), progress, Counter()):
        if isinstance(item, Document):
            events.append("doc")
    assert sum(told) == path.stat().st_size and all(n > 0 for n in told)
    assert events.count("doc") == 12
    # bytes are told between the documents, not all after the last one
    assert events.index("bytes") < len(events) - 1 - events[::-1].index("doc")
    assert len(told) >= 4


def test_warc_cut_inside_a_record_header_is_quarantined(tmp_path, crawl_pages):
    data = make_warc(crawl_pages, compress=False)
    last = data.rindex(b"WARC/1.0\r\nWARC-Type: response")
    for name, cut in (("head.warc", data[: last + 40]), ("head.warc.gz", None)):
        path = tmp_path / name
        if cut is None:  # gzip: each record a member, the last one cut short
            members = make_warc(crawl_pages)
            cut = members[: len(members) - 30]
        path.write_bytes(cut)
        items, _ = read(path)
        assert len([d for d in items if isinstance(d, Document)]) == len(crawl_pages) - 1
        assert [q.error for q in items if isinstance(q, Quarantine)] == ["truncated_archive"]


def test_undecodable_page_goes_to_quarantine_with_its_bytes(tmp_path):
    raw = b"<html><body><p>" + bytes(range(0x80, 0x100)) * 8 + b"</p></body></html>"
    with pytest.raises(UndecodableHtml):
        decode_html(raw)
    path = tmp_path / "bad.warc"
    path.write_bytes(make_warc([("http://a.cn/x", raw)], compress=False))
    (q,), _ = read(path)
    assert q.error == "undecodable" and q.raw == raw
    (q2,), _ = read(path, InputConfig(undecodable="escape"))
    assert isinstance(q2, Document) and q2.signals["undecodable_bytes"] > 0


# -- charsets --------------------------------------------------------------------------------------------------

def test_wrong_meta_charset_loses_to_the_bytes():
    raw = page("gb2312").encode("utf-8")  # declares gb2312, is UTF-8 (11 of DAnIEL's pages)
    d = decode_html(raw)
    assert (d.charset, d.source) == ("utf-8", "detected") and "新开通公交线路" in d.text
    assert d.confidence > 0.9


def _latin_twice(text: str, first: str = "iso-8859-15") -> str:
    """GBK bytes read as Latin-9 (or another Latin codec) and saved as UTF-8, then read as Latin-1 and saved again."""
    once = text.encode("gbk").decode(first)
    return once.encode("utf-8").decode("latin-1")


def test_valid_utf8_wins_over_the_meta_charset_even_when_its_text_is_mojibake():
    # a DAnIEL page: its UTF-8 reads as Latin mojibake (worse Chinese than its GB18030 reading, as the meta says),
    # but legacy bytes are never valid UTF-8 at this length: read as UTF-8, the mojibake is left for the repair
    body = "北京市消防局确认：今天下午位于西直门立交桥畔的购物中心外墙保温材料发生火灾，不到二十分钟火已扑灭。"
    raw = page("gb2312", body=f"<p>{_latin_twice(body)}</p>").encode("utf-8")
    d = decode_html(raw)
    assert (d.charset, d.source) == ("utf-8", "detected")
    from taosha.fix import fix_text

    assert fix_text(_latin_twice(body)) == body


def test_right_meta_charset_is_kept_and_gbk_is_read_as_gb18030():
    raw = page("gb2312", body="<p>镕基同志说，这件事情要抓紧办，不能拖，大家都很赞成他的意见。</p>").encode("gbk")
    d = decode_html(raw)  # 镕 is GBK, not GB2312: read as GB2312 strictly, the page would fail
    assert (d.charset, d.source) == ("gb18030", "meta") and "镕基" in d.text


def test_http_charset_comes_before_meta_and_a_failing_claim_loses():
    raw = page("utf-8").encode("gbk")
    d = decode_html(raw, http_charset="GBK")
    assert (d.charset, d.source) == ("gb18030", "http")
    d = decode_html(raw, http_charset="utf-8")  # both claims fail on these bytes
    assert (d.charset, d.source) == ("gb18030", "detected")


def test_bom_wins_and_big5_is_read_as_big5_hkscs():
    assert decode_html(b"\xef\xbb\xbf" + page("big5").encode("utf-8")).source == "bom"
    text = ('<html><head><meta charset="big5"><title>香港美食</title></head><body><p>香港的茶餐廳很有名，奶茶和'
            '菠蘿包都是招牌，遊客來了一定要試試。這裡還有𨋢。</p></body></html>')
    d = decode_html(text.encode("big5hkscs"))  # 𨋢 (lift) is in HKSCS, not in Big5 or cp950
    assert (d.charset, d.source) == ("big5hkscs", "meta") and "𨋢" in d.text


# -- HTML files and the step -----------------------------------------------------------------------------------

def test_loose_html_files_plain_and_gzipped(tmp_path):
    (tmp_path / "a.html").write_bytes(page().encode("gbk"))
    (tmp_path / "b.htm.gz").write_bytes(gzip.compress(page("utf-8").encode("utf-8")))
    files, _ = discover([str(tmp_path)])
    assert [Path(f).name for f in files] == ["a.html", "b.htm.gz"]
    for f in files:
        (doc,), _ = read(Path(f))
        assert doc.source["format"] == "html" and "新开通公交线路" in doc.text


def test_extract_keeps_the_article_and_drops_navigation_related_and_comments():
    out = extract(page())
    assert "新开通公交线路十二条" in out.text and "发车间隔缩短到五分钟以内" in out.text
    for junk in ("首页", "夜间公交线路", "网友甲", "版权所有"):
        assert junk not in out.text
    assert out.title == "公交线路优化"


def test_a_feed_after_a_related_heading_is_not_the_article():
    """Yahoo's "其他人也在看": full teasers that read like prose, after a heading that says what they are."""
    feed = "".join(f"<li><h4><a href='/{k}'>另一条新闻的标题{k}</a></h4><p>（法新社巴黎21日電）這是另一篇文章的摘要，"
                   f"寫得和正文一樣長，有標點，也有很多漢字，讀起來像正文的一段。第{k}條。</p></li>" for k in range(8))
    article = BODY + BODY.replace("十二", "十五")
    html = (f"<html><body><div class='caas-body'>{article}</div><div class='stream'><div class='hw'><h2><div>"
            "其他人也在看"
            f"</div></h2></div><ul>{feed}</ul></div></body></html>")
    text = extract(html).text
    assert "新开通公交线路十二条" in text and "另一篇文章" not in text
    # a `相关新闻：` paragraph inside the article is no heading: the article goes on after it
    more = "记者了解到，新线路开通后，沿线居民出行时间平均缩短了二十分钟。" * 2
    inline = f"<html><body><div>{BODY}<p>相关新闻：</p><p>{more}</p></div></body></html>"
    assert "平均缩短了二十分钟" in extract(inline).text


def test_the_byline_between_headline_and_first_paragraph_is_dropped():
    html = ("<html><body><div class='article'><h1>悲壮！布伦森遭遇左手骨折 第三节受伤提前离场</h1>"
            f"<div>2024-05-20 06:48</div><div>发布于：北京市</div><div>+关注</div>{BODY}</div></body></html>")
    text = extract(html).text
    assert text.startswith("悲壮！布伦森") and "发布于" not in text and "06:48" not in text and "+关注" not in text
    assert "新开通公交线路十二条" in text


def test_a_byline_is_dropped_wherever_it_stands_but_prose_that_says_published_is_not():
    byline = "报纸网 |发布: 2021-1-29 13:18|点击: 313|来自: 互联网"
    prose = "按照国家2011年12月1日发布的《家电以旧换新推广工作方案》，家电以旧换新政策在年底到期，不再延续。"
    html = (f"<html><body><div class='article'><div>脂溢性脱发：你知道什么该吃什么不该吃吗？</div><div>{byline}</div>"
            f"{BODY}<p>{prose}</p></div></body></html>")
    text = extract(html).text
    assert "点击" not in text and prose in text and "新开通公交线路十二条" in text

def test_a_threads_buttons_and_time_stamps_are_not_posts():
    posts = ["又要放假了，元旦要来啦！！！", "可以的 好好休息", "元旦快乐！", "这放假方式有点奇特啊", "羡慕！！！"]
    body = "".join(f"<div class='comment-item'><div>2021-01-01 10:3{k}:38</div><div>{p}</div><div>点赞 ({k})</div>"
                   f"<div>评论</div></div>" for k, p in enumerate(posts))
    text = extract(f"<html><body><div class='comments'>{body}</div><div>8条评论</div></body></html>").text
    assert all(p in text for p in posts)
    assert "点赞" not in text and "评论" not in text and "10:3" not in text

def test_a_poem_cut_by_line_breaks_is_text_not_labels():
    lines = ["爱 逝去的爱 讨不回来", "Ai shi qu de ai tao bu hui lai", "我还有话想对你说",
             "Wo hai you hua xiang dui ni shuo", "舍不得说 来不及说", "She bu de shuo lai bu ji shuo", "就放心去吧",
             "Jiu fang xin qu ba", "只能想念你", "Zhi neng xiang nian ni"]
    html = ("<html><body><h2>Thursday, July 28, 2011</h2><h3>Zhi Neng Xiang Nian Ni (只能想念你)</h3>"
            f"<div class='post-body'>{'<br />'.join(lines)}</div><div>No comments:</div></body></html>")
    text = extract(html).text
    assert all(line in text for line in lines)

def test_platform_disclaimers_under_an_article_are_boilerplate():
    notes = ['以上内容（包括图片及视频）为创作者平台"快传号"用户上传并发布，本平台仅提供信息存储服务。',
             "39健康网(www.39.net)专稿，未经书面授权请勿转载。"]
    html = f"<html><body><div class='article'>{BODY}" + "".join(f"<p>{n}</p>" for n in notes) + "</div></body></html>"
    text = extract(html).text
    assert "新开通公交线路十二条" in text and not any(n in text for n in notes)
    # an article that speaks of unlicensed technology is no disclaimer
    prose = "奎特拉还说：“我们的目的是为未经授权使用的技术赢得公平的赔偿，公平问题需要解决。”"
    assert prose in extract(f"<html><body><div>{BODY}<p>{prose}</p></div></body></html>").text

def test_a_wordpress_commentlist_is_comments():
    """WordPress's `<ol class="commentlist">`: one word, no separator (CWCED dev page 35687fb1)."""
    comment = "<p>播客：10分钟拥有私人声音平台。花10分钟时间，就能拥有一个自己的声音平台，这在以前无法想象。</p>" * 4
    html = (f"<html><body><div class='post'>{BODY}</div><h3>已有1件评论</h3><ol class='commentlist'><li>"
            f"{comment}</li></ol></body></html>")
    text = extract(html).text
    assert "新开通公交线路十二条" in text and "声音平台" not in text

def test_the_headline_is_found_across_a_tool_bar_that_is_not_kept():
    html = ("<html><body><div><h1>绿景控股料2011年扭亏 净利1900万-2900万</h1><h6>字号:<a>T</a>|<a>T</a></h6>"
            f"<h5><a>0</a>人参与<a>0条评论</a><a>打印</a><a>转发</a></h5>{BODY}</div></body></html>")
    text = extract(html).text
    assert text.startswith("绿景控股料2011年扭亏") and "字号" not in text and "人参与" not in text

def test_boilerplate_in_traditional_characters():
    notes = ["（責任編輯: 錢芳 ）", "新華網版權與免責聲明：",
             "【1】留言限140字以內。留言將於發送留言72小時後，由系統自動刪除"]
    html = f"<html><body><div>{BODY}" + "".join(f"<p>{n}</p>" for n in notes) + "</div></body></html>"
    text = extract(html).text
    assert "新开通公交线路十二条" in text and not any(n in text for n in notes)

def test_second_opinion_keeps_our_lines_the_other_extractor_also_kept():
    ours = "正文第一段，很长。\n相关新闻：别的文章\n正文第二段，也很长。"
    assert second_opinion(ours, "正文第一段，很长。正文 第二段，也很长。") == "正文第一段，很长。\n正文第二段，也很长。"
    assert second_opinion(ours, "正文") == ours  # the other missed the article: ours stands
    assert second_opinion(ours, "完全不同的一大段文字，和我们的没有一行相同，长度也够了。") == ours

def test_extract_html_step_records_one_edit_that_rebuilds_the_page():
    html = page()
    doc = html_document(html.encode("utf-8"), "p", {"url": "http://news.example.cn/a/1.html"}, {})
    out = ExtractHtml().process(doc)
    assert out.text.startswith("公交线路优化\n记者从市交通运输局获悉")
    assert [(e.step, e.reason) for e in out.edits] == [("extract.html", "html_to_text")]
    assert restore_original(out) == html
    assert out.metadata["title"] == "公交线路优化" and out.metadata["host"] == "news.example.cn"
    plain = Document("t", "不是网页的文本，原样通过。")
    assert ExtractHtml().process(plain).text == "不是网页的文本，原样通过。"


def test_page_without_main_text_is_dropped_with_a_reason():
    doc = html_document(f"<html><body>{NAV}{RELATED}</body></html>".encode(), "p", {}, {})
    out = ExtractHtml().process(doc)
    assert out.dropped is not None and out.dropped.reason == "no_main_text"


def test_missing_extra_is_one_clear_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_fastwarc(name, *args, **kwargs):
        if name.startswith("fastwarc"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fastwarc)
    (tmp_path / "c.warc.gz").write_bytes(b"")
    with pytest.raises(MissingExtraError, match=r"pip install 'taosha\[html\]'"):
        discover([str(tmp_path / "c.warc.gz")])


# -- the CLI on a WARC -----------------------------------------------------------------------------------------

def test_cli_cleans_a_warc(capsys, tmp_path, crawl_pages):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(mixed_warc(crawl_pages))
    out = tmp_path / "out"
    assert main(["clean", str(path), "-o", str(out), "-q", "--workers", "1"]) == 0
    capsys.readouterr()
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["documents"]["in"] == len(crawl_pages)
    assert stats["input"]["skipped_records"]["request"] == len(crawl_pages)
    assert stats["edits_by"]["extract.html"]["documents"] == len(crawl_pages)
    kept = [r for f in sorted((out / "kept").glob("*.zst")) for r in iter_records(f)]
    assert kept and all("<p>" not in r["text"] and r["metadata"]["url"].startswith("http") for r in kept)


@pytest.mark.parametrize("data", [bytes(range(256)) * 20, b"not a warc at all\n" * 100,
                                  b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: abc\r\n\r\nxx"])
def test_a_file_that_is_no_warc_is_one_quarantine_record(tmp_path, data):
    path = tmp_path / "junk.warc"
    path.write_bytes(data)
    items, _ = read(path)
    assert [q.error for q in items] == ["corrupt_archive"]
