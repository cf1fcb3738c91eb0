"""extract.html's rules for threads (forums, Q&A): each test fails with its rule turned off."""

from __future__ import annotations

import dataclasses

import pytest

from taosha.extract.html import Rules, extract

pytest.importorskip("resiliparse")

POSTS = ["建议对鼠神进行改版，现在的鼠神说是传奇，跟别的传奇差太远了，建议：",
         "顶你，鼠神真的是太弱了，攻击低，子弹太少，玩灾变居然还要自己买子弹。",
         "莲花能自动蓄能恢复，这一点就可以重新站起来了（强烈复议）"]
SHORT = "同质化太严重了就没意思了"  # a post without punctuation, shorter than a paragraph


def thread(posts: list[str]) -> str:
    """A Discuz thread: each post a table of the author's card and the post's cell."""
    rows = "".join(
        f"<table><tbody><tr><td class='pls'><div class='authi'>用户{k}</div><dl><dt>积分</dt><dd>{k}</dd></dl></td>"
        f"<td class='plc'><div class='authi'>发表于 2024-4-{k + 1} 23:20:45 | 只看该作者</div></td></tr>"
        f"<tr><td class='t_f'>{p}</td></tr><tr><td class='pob'><a>回复</a> <a>举报</a></td></tr></tbody></table>"
        for k, p in enumerate(posts))
    return (f"<html><body><div class='nav'><a>论坛首页</a> › <a>建议反馈</a></div><div id='postlist'>{rows}</div>"
            "</body></html>")


def test_a_short_post_between_posts_is_kept():
    """Rules.post_blocks (magic-html dev page forum/8cf0af42): a short post shaped like the kept ones is a post."""
    html = thread([POSTS[0], POSTS[1], SHORT, POSTS[2]])
    text = extract(html).text
    assert SHORT in text and all(p in text for p in POSTS)
    assert "回复" not in text and "发表于" not in text  # buttons and time stamps are no posts
    assert SHORT not in extract(html, dataclasses.replace(Rules(), post_blocks=0)).text


def test_short_blocks_outside_the_posts_stay_out():
    """Only between the first and the last post: a reporter's line before the text, a site's address after it."""
    body = "".join(f"<p>{p}</p>" for p in POSTS)
    html = (f"<html><body><div class='main'><h1>鼠神改版</h1><p>记者鄧富珍／彰化報導</p>{body}"
            "<p>中國廣播公司</p><p>台北市中山區松江路375號</p></div></body></html>")
    text = extract(html).text
    assert all(p in text for p in POSTS)
    assert "報導" not in text and "中國廣播公司" not in text and "松江路" not in text


FLARUM = [
    "<p>本项目基于 fof/filter 进行修改，支持阿里云内容安全检测，对不合规的内容，自动进入小黑屋审核、记录日志。</p>",
    "<h2>介绍</h2>",
    "<p>国内做社区需要严格控制用户内容</p>",
    "<p>阿里云内容安全检测对应文档已经写好了，支持以下内容标签检测：广告、涉政、辱骂、违禁。</p>",
    "<h2>安装</h2>",
    "<pre><code>composer require hamcq/filter-plus</code></pre>",
    "<h2>更新</h2>",
    "<pre><code>composer update hamcq/filter-plus\nphp flarum migrate</code></pre>",
]


def flarum(reply: str) -> str:
    head = "<li class='item-user'><h3 class='PostUser-name'>Emin</h3></li><li class='item-meta'>2023年10月2日</li>"
    first = f"<article class='Post'><header><ul>{head}</ul></header><div class='Post-body'>{''.join(FLARUM)}</div>"
    second = f"<article class='Post'><header><ul>{head}</ul></header><div class='Post-body'><p>{reply}</p></div>"
    return f"<html><body><div class='PostStream'>{first}</article>{second}</article></div></body></html>"


def test_headings_and_code_inside_a_post_are_kept():
    """Rules.post_headings (magic-html dev pages forum/81abaa70, forum/3a43c342): `安装`, then its command."""
    html = flarum("您好，我看了源代码，您的配置中少了一个配置项，导致不能自动审核通过，请更新一下。")
    text = extract(html).text
    for part in ("介绍", "安装", "更新", "composer require hamcq/filter-plus", "php flarum migrate",
                 "国内做社区需要严格控制用户内容"):
        assert part in text
    assert "Emin" not in text
    off = extract(html, dataclasses.replace(Rules(), post_headings=False)).text
    assert "安装" not in off and "composer require" not in off


def test_a_sentence_with_many_links_inside_the_article_is_text():
    """Rules.linked_prose (magic-html dev page article/06586406, Wikipedia): links under half of a sentence."""
    linked = ("2018年4月14日，《<a>河北雄安新区规划纲要</a>》获<a>中共中央、国务院批复</a>[11]。12月25日，"
              "《<a>河北雄安新区总体规划</a>》获批复。")
    paras = ["2017年4月1日，中共中央、国务院印发通知，决定设立河北雄安新区，通知中将此新区定位为千年大计、国家大事。",
             linked,
             "2021年起，雄安新区试行居住证和积分落户制度，同年河北省人大常委会通过了雄安新区条例，自九月起施行。"]
    html = ("<html><body><ul class='menu'><li><a>首页</a></li><li><a>分类</a></li></ul><div class='content'>"
            + "".join(f"<p>{p}</p>" for p in paras) + "</div></body></html>")
    text = extract(html).text
    assert "规划纲要》获中共中央、国务院批复" in text and "首页" not in text
    assert "规划纲要" not in extract(html, dataclasses.replace(Rules(), linked_prose=False)).text


PARAS = ["会议指出，拥军优属、拥政爱民是绥德军地的优良传统，近年来社会化拥军的新模式让军人感受温暖。",
         "会议强调，要大力开展最美退役军人评选表彰活动，积极推行企地互动关爱退役军人的新模式。",
         "会议要求，要充分认识双拥工作对推动经济社会发展的重要意义，地方要积极支持部队建设。",
         "最后，县文化馆的演员用极具陕北特色的文艺节目向全体官兵进行了慰问演出，表达了节日的祝福。"]


def article(paras: list[str], tail: str = "") -> str:
    return ("<html><body><div class='nav'><a>首页</a> | <a>新闻</a></div><div class='content'>"
            + "".join(f"<p>{p}</p>" for p in paras) + f"</div>{tail}</body></html>")


def test_repeated_paragraphs_are_kept_once_unless_copy_runs_is_set():
    """By default a paragraph repeated within the result is kept once: a print copy of a one-paragraph article
    or a thread's signature under each post is no text of its own. Rules.copy_runs (off; magic-html dev page
    article/7e99760d) keeps a lone repeat twice and still drops a second copy of the whole article."""
    html = article([PARAS[0], PARAS[0], PARAS[1], PARAS[2]])
    assert extract(html).text.count(PARAS[0]) == 1
    runs = dataclasses.replace(Rules(), copy_runs=True)
    assert extract(html, runs).text.count(PARAS[0]) == 2
    copy = article(PARAS, "<div class='print'>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</div>")
    assert all(extract(copy, runs).text.count(p) == 1 for p in PARAS)
    assert all(extract(copy).text.count(p) == 1 for p in PARAS)


def test_short_lines_of_an_article_stay():
    """What round 3's dropping rules took (docs/html.md): numbered headings, contact lines, recipe and spec lists,
    a caption with a time word. Inside the article they are its text."""
    lines = ["1.人力资本的重要性", "邮政编码：100027", "2 个鸡蛋", "变速箱：进口手动五速", "刚刚装好的大月亮",
             "20年前的老照片"]
    html = article([PARAS[0], *lines[:2], PARAS[1], *lines[2:], PARAS[2]])
    text = extract(html).text
    assert all(line in text for line in lines) and all(p in text for p in PARAS[:3])
