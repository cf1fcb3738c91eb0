"""extract.html: an HTML page's main text, with rules that count Chinese characters rather than words.

The page is parsed by resiliparse (Lexbor, an HTML5 parser in C) and cut into blocks (paragraphs, cells,
list items, lines between `<br>`s). Each block gets a value from its own characters: text outside links that
reads like prose (Chinese punctuation, enough Han characters) counts for it; link text, short unpunctuated
lines (`首页 | 新闻`) and blocks inside comment, share or related-article containers count against it. The
main text is the run of consecutive blocks of greatest total value (the maximum-subarray of the block
values, as in body-text extraction), without the link lists inside it. Extractors tuned on European text
count words and stopwords; a Chinese paragraph has neither spaces nor the stopwords they look for.

The thresholds live in `Rules`, each beside what set it; they were tuned on the dev halves of the shared
extraction sets (eval/eval_extract.py) and checked on the confirm halves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from taosha.document import Document
from taosha.errors import MissingExtraError
from taosha.step import Step, in_place, register

# elements whose content is never main text
SKIP = frozenset({"script", "style", "noscript", "iframe", "svg", "canvas", "select", "option", "button",
                  "textarea", "input", "template", "object", "embed", "video", "audio", "map", "head", "nav",
                  "footer", "aside", "label", "form_placeholder"})
# elements that end a block (everything else is inline: its text joins the block around it)
BLOCK = frozenset({"p", "div", "td", "th", "tr", "li", "ul", "ol", "dl", "dd", "dt", "h1", "h2", "h3", "h4",
                   "h5", "h6", "table", "tbody", "thead", "section", "article", "header", "blockquote", "pre",
                   "center", "form", "fieldset", "address", "main", "figure", "figcaption", "hr", "br", "body",
                   "html", "caption", "tfoot", "details", "summary", "dir", "menu"})
HEADING = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# class/id words of containers that hold no main text: navigation, comments, sharing, related articles, ads
NOISE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|copyright|sidebar|side|share|sharing|"
    r"comments?|comment-list|commentlist|commentslist|reply|replies|related|recommend|recommended|hot|hotnews|"
    r"tags?|ad|ads|advert|"
    r"banner|topbar|toolbar|login|search|pager|pagination|pages|social|weixin|qrcode|ewm|subscribe|"
    r"xgyd|xgxw|tjyd|rmtj|lmdh|mianze|disclaimer|statement)(?:$|[\s_-])",
    re.I)
# punctuation inside and between sentences: prose has it, navigation, labels (`来源：`) and link lists do not
SENTENCE = frozenset("，。！？；、,!?;")
# a link's teaser: "【标题】摘要…… [详情]", "摘要...更多>>"
TEASER = re.compile(r"(?:\.{3,}|…+)\s*(?:\[?(?:详情|詳情|全文|更多|阅读全文|閱讀全文)\]?|>>)\s*$"
                    r"|\[(?:详情|詳情|全文)\]\s*$")
# what sites put under every article (disclaimers, editor lines, share bars): a block that holds one and is
# short is boilerplate
BOILERPLATE = re.compile(r"^\W{0,3}(?:声明|免责|版权)[：:]|转载(?:请|须|必须)|拥有完整版权|不构成投资建议|"
                         r"版权(?:所有|归|声明)|免责声明|不代表本(?:网|站)|责任编辑|责编[：:]|ICP备|ICP证|"
                         r"许可证编号|[Aa]ll [Rr]ights [Rr]eserved|举报(?:电话|邮箱)|"
                         r"分享到|扫一扫|扫描二维码|关注我们|上一篇|下一篇|相关(?:阅读|新闻|文章|推荐)|热点推荐|"
                         r"本文来源|原标题[：:]|點擊|点击(?:进入|查看|这里)|"
                         r"仅提供信息存储服务|未经(?:书面)?(?:许可|授权)[，,]?(?:不得|请勿|禁止)|屏蔽此类|减少此类|"
                         # the same in traditional characters (DAnIEL dev pages big5.xinhuanet 702859ad,
                         # tw.nextmedia bd0f48b9: 版權與免責聲明, 責任編輯, the rules of a comment board)
                         r"^\W{0,3}(?:聲明|免責|版權)[：:]|轉載(?:請|須|必須)|版權(?:所有|歸|聲明|與)|免責聲明|"
                         r"不代表本(?:網|站)|責任編輯|責編[：:]|舉報(?:電話|郵箱)|分享到|掃一掃|上一篇|下一篇|"
                         r"相關(?:閱讀|新聞|文章|推薦)|未經本網|討論規範|讨论规范|留言(?:限|將於|将于)")
# a heading that opens a list of other articles ("其他人也在看", "猜你喜欢", "相关阅读"): what follows it in its
# container is not the article, however much it reads like prose (a feed of full teasers: magic-html dev page
# article/b5b26f9f, Yahoo's "其他人也在看")
RELATED_HEAD = re.compile(r"^\W{0,3}(?:其他人[也還还]在看|大家都在看|猜你喜[欢歡]|"
                          r"你可能[还還]?(?:喜[欢歡]|感兴趣)|为你推荐|"
                          r"相[关關](?:阅读|閱讀|新闻|新聞|文章|推荐|推薦|报道|報導)|延伸[阅閱][读讀]|推[荐薦][阅閱][读讀]|"
                          r"更多(?:新闻|新聞|精彩|推荐|推薦)|[热熱][门門点點](?:推荐|推薦|文章|新闻|新聞|排行)|精彩推荐)\W{0,3}$")
# a byline: a date or time with what a site prints beside it (`报纸网 |发布: 2021-1-29 13:18|点击: 313`, `发布时间
# 2005/03/31 09:17:23 by 关子`): two such words, or one in a line without Chinese sentence punctuation (`按照国家
# 发布的《方案》，...` is prose: DAnIEL dev page tech.qq efe7ac9c)
BYLINE = re.compile(r"(?:发布|發布|更新|发表|發表)(?:时间|時間|日期|于|於)?|来源|來源|作者|点击|點擊|阅读|閱讀|"
                    r"浏览|瀏覽|编辑|編輯|评论|評論")
_PROSE_MARK = frozenset("，。！？；")
# a post's buttons, counters and time stamp: short blocks that are no text, in a thread least of all
_WIDGET = re.compile(r"^[\W\d_]*(?:(?:点赞|赞|評論|评论|收藏|管理|分享|回复|回覆|举报|舉報|关注|關注|浏览|瀏覽|"
                     r"阅读|閱讀|引用|编辑|編輯|删除|刪除|顶|踩|只看楼主|只看該作者|只看该作者|复制链接|楼主|樓主|沙发|板凳|地板|"
                     r"发布于|發佈於|发表于|發表於|(?:条|則)(?:评论|回复|評論|回覆)|人参与|人參與|打印|列印|转发|轉發|"
                     r"字号[:：]?\s*(?:T\|T|[大中小\s|]+))[\W\d_]*)*$")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
SHAPE_DEPTH = 3  # block elements in a block's shape (2 to 6 measured alike on the dev halves)
_URL = re.compile(r"(?:https?://|www\.)[^/\s]+/[^\s]{8,}$")
_DIGITS = re.compile(r"\d+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WHITE = re.compile(r"\s+")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_DATE = re.compile(r"((?:19|20)\d\d)\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_DATE_META = ("article:published_time", "pubdate", "publishdate", "publish_date", "date", "dc.date",
              "dc.date.issued", "og:release_date", "sailthru.date", "datepublished")


@dataclass(frozen=True)
class Rules:
    """The extraction thresholds, each with what set it (dev halves of eval/eval_extract.py's sets)."""

    # a block whose link text is over this share of its characters is navigation or a link list
    max_link_density: float = 0.5
    # a block of fewer characters without sentence punctuation is a label, menu item or byline, not prose
    min_prose_chars: int = 20
    # a block of fewer characters is never prose (a date, `声明：`, a button)
    min_chars: int = 6
    # a block with a BOILERPLATE phrase and fewer characters is boilerplate (a long one is an article that
    # happens to say 版权所有)
    boilerplate_chars: int = 200
    # what a navigation-like block costs per character, against 1 per character of prose
    link_cost: float = 1.5
    short_cost: float = 0.6
    # blocks inside a NOISE container (comments, related articles, share bars) cost this per character
    noise_cost: float = 1.0
    # ... unless the container holds more than this share of the page's text
    max_noise_share: float = 0.9
    # a page whose main text outside NOISE containers is shorter than this is read as a thread (forum, Q&A,
    # comments under a photo): the containers' posts are its content, and a short post ("哈哈") counts this per
    # character (dev halves: magic-html 0.883 -> 0.889 with 100 and 0.5, against 200 and -0.3; a few forum
    # pages decide it, DAnIEL and CWCED unchanged)
    thread_below: int = 100
    thread_short_value: float = 0.5
    # ... when the posts at least multiply the text by this much (a short article keeps its comments out)
    thread_gain: float = 2.0
    # what a character of a long block without sentence punctuation is worth (1 for prose): 1.0 -> 0.25 took
    # DAnIEL's dev half 0.919 -> 0.928, CWCED's 0.955 -> 0.959, magic-html's 0.848 -> 0.864 (bylines, captions)
    unpunctuated_value: float = 0.25
    # short blocks inside the main run (list items, captions, subheadings) are kept
    keep_short: bool = True
    # blocks outside the runs shaped like the best run's prose (same element and classes: the other posts of a
    # thread) are kept when their value is above this
    same_shape: bool = True
    same_shape_min: float = 10.0
    # another run is kept when its total is at least this share of the best run's; 1.0 keeps only runs as rich
    # as the best: on the dev halves, runs at 0.35 (0.5, 0.7) of the best were mostly comments and teasers
    # (DAnIEL 0.928 -> 0.935, magic-html 0.864 -> 0.883 without them); the posts of a thread come back by shape
    second_run_share: float = 1.0
    # what follows a RELATED_HEAD heading in its container is noise
    related_heads: bool = True
    # short blocks between the headline and the first paragraph (a date, `发布于：北京市`, `+关注`, `播报文章`) are
    # dropped: a byline, not text (magic-html dev pages article/9a0e48, 0eebc3, 23942)
    trim_lead: bool = True
    # a block of at most this many characters with a date or time and a byline word (发布, 来源, 点击...) is a
    # byline, valued down wherever it stands (magic-html dev page article/47f387e6, CWCED dev d519ec93)
    bylines: bool = True
    byline_chars: int = 80
    # ... and worth this per character (as a short block; 0.0, no gap between a headline and its article,
    # measured alike on the dev halves: DAnIEL 0.938 both, magic-html 0.921 against 0.922)
    byline_value: float = -0.6
    # short blocks that are a post's buttons, counters or time stamp (_WIDGET) are never kept, not even in a thread
    # (magic-html dev page forum/9864ca4d: `点赞`, `评论`, `浏览 (640)` between the posts)
    widgets: bool = True
    # an element cut by <br>s into this many short lines, with this many characters outside links in all, is a
    # poem or lyrics: its lines count as unpunctuated prose, not as labels (trafilatura's set: chineselyrics4u,
    # looked at as a confirm page, see docs/html.md; magic-html dev page article/777ddd63, a poem)
    verse_lines: int = 6
    verse_chars: int = 100
    # the other blocks of the posts: a block with the exact shape of at least `post_blocks` kept prose blocks (the
    # posts' paragraphs) that is plain text (no link list, boilerplate, byline or button) is kept, however short
    # or unpunctuated (`同质化太严重了就没意思了`, `①需要付费`, `composer require ...`): magic-html dev pages
    # forum/8cf0af42 (Discuz), forum/3a43c342 (Flarum)
    post_blocks: int = 2
    # ... and so are headings and code blocks (<pre>, <code>) beside them, in the same parent (`介绍`, `安装`,
    # then `composer require hamcq/filter-plus`): magic-html dev pages forum/81abaa70, forum/3a43c342
    post_headings: bool = True
    # a sentence inside the main run whose links outweigh its own text (a wiki's `《[河北雄安新区规划纲要]》获[中共
    # 中央、国务院批复]`) but are under `max_link_density` of it is text, not a link list: magic-html dev page
    # article/06586406 (Wikipedia)
    linked_prose: bool = True
    # a paragraph repeated within the result is dropped as a copy of the article (print or mobile versions hidden
    # by CSS: DAnIEL dev jinghua 6c89df3d, CWCED dev d232c5df) only when the paragraph before or after it is a
    # repeat too; a lone repeat (`会议指出，...` twice in a row, a spec line twice in a car's data sheet) is what
    # the page says twice, and stays (magic-html dev 7e99760d, CWCED dev 93498c29, DAnIEL dev caixun 6af116fb;
    # it costs DAnIEL dev dayoo 53bc99dd and cnyes c580070b, whose references keep once a paragraph the page
    # shows twice, in the article and in a summary or a second box; keeping only a repeat in the same element
    # lost DAnIEL dev:A 0.0001). Off: a review found it keeps what is duplicated — a one-paragraph article's
    # print copy, a copy with one paragraph altered (the whole article twice), a thread's signature under each
    # post — for +0.001 to +0.003 on the confirm halves
    copy_runs: bool = False


@dataclass
class Block:
    text: str
    links: int  # characters inside <a>
    noise: bool  # inside a NOISE container
    heading: bool
    shape: str = ""  # tag.class of its block element and two ancestors: the posts of a thread share it
    value: float = 0.0
    short: bool = False  # valued down only for being short (a label, a list item), not as links or boilerplate
    byline: bool = False  # a date with `发布`, `来源`... (BYLINE)
    group: int = 0  # blocks of one element, cut by <br>s, share it
    verse: bool = False  # a line of a group of short lines that together read as text (a poem, lyrics)
    code: bool = False  # mostly inside <pre> or <code>


@dataclass
class Extracted:
    text: str
    title: str
    date: str
    blocks: int  # blocks kept
    blocks_total: int


def _load() -> Any:
    try:
        from resiliparse.parse.html import HTMLTree, NodeType
    except ImportError as exc:  # pragma: no cover - the html extra is part of dev
        raise MissingExtraError(
            "extract.html needs resiliparse to parse HTML pages: pip install 'taosha[html]'") from exc
    return HTMLTree, NodeType


def _value(block: Block, rules: Rules, thread: bool = False) -> float:
    text = block.text
    block.short = block.byline = False
    n = len(text.replace(" ", ""))
    if block.noise and not thread:
        return -rules.noise_cost * n
    if n and block.links / n > rules.max_link_density:
        return -rules.link_cost * n
    if BOILERPLATE.search(text) and n < rules.boilerplate_chars:
        return -rules.noise_cost * n
    han = len(_HAN.findall(text))
    sentences = sum(c in SENTENCE for c in text)
    own = n - block.links
    if rules.bylines and n <= rules.byline_chars and (_DATE.search(text) or _CLOCK.search(text)) \
            and ((words := len(BYLINE.findall(text))) > 1 or (words and not _PROSE_MARK.intersection(text))):
        block.byline = True
        return rules.byline_value * n
    if block.links and TEASER.search(text):  # "【标题】摘要…… [详情]": a list of other articles
        return -rules.link_cost * n
    if block.verse and sentences == 0 and not block.noise and not block.links:
        return rules.unpunctuated_value * n  # a line of a poem (or its pinyin): short, unpunctuated, the text
    if n < rules.min_chars or (sentences == 0 and n < rules.min_prose_chars):
        if rules.widgets and _WIDGET.match(text):  # `点赞 (5)`, `8条评论`, `2021-01-01 10:34:38`: no post,
            return 0.0 if thread else -rules.short_cost * n  # but in a thread no gap between posts either
        block.short = not block.noise and block.links * 4 < n
        if thread and not block.links:
            return rules.thread_short_value * n  # a short post: "哈哈", "现在确实可以了 感谢"
        return 0.0 if block.heading else -rules.short_cost * n
    if han == 0 and sentences == 0:
        return -rules.short_cost * n
    if sentences == 0:  # a long line with no sentence in it: a byline, a caption, a list of names
        return rules.unpunctuated_value * own - rules.link_cost * block.links
    return own - rules.link_cost * block.links


def _mark_verse(blocks: list[Block], rules: Rules) -> None:
    """Mark the lines of a poem or lyrics: an element cut by <br>s into at least `verse_lines` lines that hold,
    together, `verse_chars` characters outside links (and links under a tenth of them)."""
    k = 0
    while k < len(blocks):
        j = k
        while j < len(blocks) and blocks[j].group == blocks[k].group:
            j += 1
        if j - k >= rules.verse_lines:
            chars = sum(len(b.text) for b in blocks[k:j])
            links = sum(b.links for b in blocks[k:j])
            if chars - links >= rules.verse_chars and links * 10 < chars:
                for b in blocks[k:j]:
                    b.verse = True
        k = j


def _toolbar(block: Block) -> bool:
    """A short block of buttons, often in a heading element (`字号:T|T`, `0人参与0条评论打印转发`: DAnIEL dev pages
    finance.ifeng bfbda7e2, 7d04f1d2). Any link-dense short block measured worse (magic-html dev 0.934 -> 0.932)."""
    return len(block.text) <= 30 and bool(_WIDGET.match(block.text))


def _best_run(values: list[float], lo: int, hi: int) -> tuple[float, int, int]:
    best, start, end = 0.0, lo, lo
    run, run_start = 0.0, lo
    for k in range(lo, hi):
        if run <= 0:
            run, run_start = 0.0, k
        run += values[k]
        if run > best:
            best, start, end = run, run_start, k + 1
    return best, start, end


def extract(html: str, rules: Rules | None = None) -> Extracted:
    """The main text of a page (markup as a `str`), its title and its date.

    >>> page = ('<html><head><title>新闻标题</title></head><body><div class="nav"><a href="/">首页</a> | '
    ...         '<a href="/n">新闻</a></div><div><p>今天天气很好，我们去公园散步，看见很多人在跑步。</p>'
    ...         '<p>公园里的花都开了，红的、黄的、白的，非常漂亮。</p></div></body></html>')
    >>> print(extract(page).text)
    今天天气很好，我们去公园散步，看见很多人在跑步。
    公园里的花都开了，红的、黄的、白的，非常漂亮。
    """
    rules = rules or Rules()
    tree_cls, node_type = _load()
    tree = tree_cls.parse(html)
    title = (tree.title or "").strip()
    root = tree.body or tree.document
    blocks = _walk(root, node_type.ELEMENT, node_type.TEXT, rules.max_noise_share, rules.related_heads)
    if rules.verse_chars:
        _mark_verse(blocks, rules)
    kept = _select(blocks, rules, thread=False)
    if sum(len(b.text) for b in kept) < rules.thread_below and any(b.noise for b in blocks):
        # next to no article: the page is a thread (a forum, Q&A, reviews) whose posts sit in the containers
        # that, beside an article, hold its comments; they are the content here, short posts included
        thread = _select(blocks, rules, thread=True)
        if sum(len(b.text) for b in thread) > rules.thread_gain * sum(len(b.text) for b in kept):
            kept = thread
    text = "\n".join(b.text for b in kept)
    return Extracted(text, title, _date(tree, html), len(kept), len(blocks))


def _select(blocks: list[Block], rules: Rules, thread: bool) -> list[Block]:
    """The blocks of the main text: the best run of block values, and runs nearly as rich."""
    values = [_value(b, rules, thread) for b in blocks]
    for b, v in zip(blocks, values, strict=True):
        b.value = v
    best, start, end = _best_run(values, 0, len(values))
    if best <= 0:
        return []
    passed: set[int] = set()  # bylines and tool bars between the headline and the text: not kept
    while True:  # the article's headline, just before its first paragraph (or its byline, its tool bar)
        k = start
        while k > 0 and (blocks[k - 1].byline or _toolbar(blocks[k - 1])):
            k -= 1
        if not (k > 0 and blocks[k - 1].heading and (thread or not blocks[k - 1].noise)):
            break
        passed.update(range(k, start))
        start = k - 1
    runs = [(start, end)]
    for lo, hi in ((0, start), (end, len(values))):  # posts of a thread, an article cut by an ad
        while hi > lo:
            got, s, e = _best_run(values, lo, hi)
            if got < rules.second_run_share * best or e <= s:
                break
            runs.append((s, e))
            lo = e
    inside = {k for s, e in runs for k in range(s, e)} - passed
    if rules.trim_lead:  # the byline between the headline and the first paragraph
        first = next((k for k in range(start, end) if blocks[k].value > 0 and not blocks[k].heading), start)
        inside -= {k for k in range(start, first) if not blocks[k].heading and blocks[k].value <= 0}
    shapes = {b.shape for k in range(start, end) if (b := blocks[k]).value > 0}
    kept = [b for k, b in enumerate(blocks)
            if (k in inside and (b.value > 0 or (b.heading and (thread or not b.noise))
                                 or (rules.keep_short and b.short)
                                 or (rules.linked_prose and _linked_prose(b, rules, thread))))
            or (rules.same_shape and k not in inside and b.shape in shapes and b.value > rules.same_shape_min
                and not b.noise)]
    if rules.post_blocks:
        kept = _post_parts(blocks, kept, rules, thread)
    # a page often holds its article twice (a print or mobile copy, hidden by CSS): a paragraph seen already
    # is that copy, when the paragraph before or after it is a repeat too (Rules.copy_runs)
    return _drop_copies(kept, rules)


def _drop_copies(kept: list[Block], rules: Rules) -> list[Block]:
    """`kept` without the paragraphs that repeat an earlier one; with `copy_runs`, only those whose paragraph
    before or after is a repeat too (a second copy of the article), a lone repeat staying."""
    seen: set[str] = set()
    long = [k for k, b in enumerate(kept) if len(b.text) >= rules.min_prose_chars]
    repeat = []
    for k in long:
        repeat.append(kept[k].text in seen)
        seen.add(kept[k].text)
    drop = {k for j, k in enumerate(long) if repeat[j] and (
        not rules.copy_runs or (j > 0 and repeat[j - 1]) or (j + 1 < len(long) and repeat[j + 1]))}
    out = [b for k, b in enumerate(kept) if k not in drop]
    return out


def _linked_prose(block: Block, rules: Rules, thread: bool) -> bool:
    """A sentence with many links, but fewer than a link list has (Rules.linked_prose)."""
    return (bool(block.links) and bool(_PROSE_MARK.intersection(block.text))
            and _plain(block, thread, rules.max_link_density))


def _plain(block: Block, thread: bool, max_links: float = 0.25) -> bool:
    """Text of its own: not links (under `max_links` of it), boilerplate, a byline, a teaser or a post's buttons."""
    text = block.text
    return ((thread or not block.noise) and block.links < max_links * len(text) and not block.byline
            and not BOILERPLATE.search(text) and not _WIDGET.match(text) and not TEASER.search(text))


def _post_parts(blocks: list[Block], kept: list[Block], rules: Rules, thread: bool) -> list[Block]:
    """`kept` with the rest of its posts: plain blocks shaped like `post_blocks` of its prose blocks, and headings
    and code blocks in the same parent as one (Rules.post_blocks, Rules.post_headings)."""
    counts: dict[str, int] = {}
    for b in kept:
        if b.value > 0:
            counts[b.shape] = counts.get(b.shape, 0) + 1
    shapes = {shape for shape, n in counts.items() if n >= rules.post_blocks}
    parents = {shape.rsplit("/", 1)[0] for shape in counts if "/" in shape}
    chosen = {id(b) for b in kept}
    # between the first and the last post, not before (a byline) or after (a site's lines); the last may be one
    # that reads as prose but was too short to keep
    index = [k for k, b in enumerate(blocks) if b.value > 0 and not b.heading
             and (id(b) in chosen or b.shape in shapes)]
    if not index:
        return kept
    for b in blocks[index[0]:index[-1] + 1]:
        if id(b) in chosen or not _plain(b, thread):
            continue
        if b.shape in shapes or (rules.post_headings and (b.heading or b.code)
                                 and b.shape.rsplit("/", 1)[0] in parents):
            chosen.add(id(b))
    return [b for b in blocks if id(b) in chosen]


def _walk(root: Any, element: Any, text_type: Any, max_noise_share: float = 0.5, related: bool = True
          ) -> list[Block]:
    """The page's text blocks in document order, by an explicit stack (pages nest deeper than Python recurses).

    Stack entries: (node, None) to enter a node; (node, flags) to leave it, flags saying what entering it
    changed (a link, a heading, a noise container)."""
    blocks: list[Block] = []
    parts: list[str] = []
    links = code = 0
    in_link = in_heading = in_noise = in_code = 0
    heading_seen = False
    group = 0  # counts the elements that end blocks; the lines between <br>s of one element share it

    def close(line_break: bool = False) -> None:
        nonlocal parts, links, code, heading_seen, group
        if parts:
            text = _SPACE.sub(" ", "".join(parts)).strip()
            if text:
                shape = "/".join(path[-SHAPE_DEPTH:])
                noise = in_noise > 0 or (related_depth > 0 and len(path) >= related_depth)
                blocks.append(Block(text, min(links, len(text)), noise, heading_seen, shape, group=group,
                                    code=code * 2 >= len(text)))
        if not line_break:  # the lines between <br>s of one element are one group (a poem, lyrics)
            group += 1
        parts, links, code, heading_seen = [], 0, 0, False

    path: list[str] = []  # tag.class of the block elements around
    related_depth = 0  # after a RELATED_HEAD: blocks at this depth of `path` or deeper are noise

    max_noise = max_noise_share * len(root.text)
    stack: list[tuple[Any, int]] = [(root, -1)]
    while stack:
        node, flags = stack.pop()
        if flags >= 0:  # leaving
            if flags & 1:
                in_link -= 1
            if flags & 2:
                in_heading -= 1
            if flags & 8:
                close(bool(flags & 16))
                path.pop()
                if len(path) < related_depth:
                    related_depth = 0
            if flags & 4:
                in_noise -= 1
            if flags & 32:
                in_code -= 1
            continue
        ntype = node.type
        if ntype == text_type:
            value = node.text
            if value:
                parts.append(value.replace("\n", " "))
                if in_link and not _URL.match(value.strip()):  # a URL with a path as link text: a citation
                    links += len(value.strip())
                if in_code:
                    code += len(value.strip())
            continue
        if ntype != element:
            continue
        tag = node.tag
        if tag in SKIP:
            continue
        flags = 0
        if tag in BLOCK:
            close(tag == "br")
            flags |= 24 if tag == "br" else 8
            path.append(f"{tag}.{_DIGITS.sub('', node.getattr('class', '') or '')}")
        if tag in ("pre", "code"):
            in_code += 1
            flags |= 32
        if tag == "a":
            in_link += 1
            flags |= 1
        elif tag in HEADING:
            in_heading += 1
            heading_seen = True
            flags |= 2
            if related and not related_depth:
                related_depth = _related_depth(node, len(path))
        elif tag in ("div", "ul", "section", "table", "dl", "ol", "td", "p", "span"):
            label = f"{node.getattr('class', '') or ''} {node.getattr('id', '') or ''}"
            # a container that holds most of the page is the page, whatever its class says (Discuz's post
            # list, a novel reader's `print` frame)
            if len(label) > 1 and NOISE.search(label) and len(node.text) < max_noise:
                in_noise += 1
                flags |= 4
        stack.append((node, flags))
        child = node.last_child
        while child is not None:
            stack.append((child, -1))
            child = child.prev
    close()
    return blocks


def second_opinion(ours: str, other: str, min_share: float = 0.3) -> str:
    """`ours` (extract's text) without the lines another extractor left out: the combination eval_extract.py
    measures (taosha's blocks, magic-html's output as a second opinion on each). A line stays when its
    characters, whitespace removed, appear in `other` in one piece; when `other` is much shorter than ours
    (under `min_share`: it missed the article) or keeps none of our lines, ours stands.

    >>> second_opinion("正文第一段。\\n相关新闻：某某", "正文第一段。")
    '正文第一段。'
    """
    theirs = _WHITE.sub("", other)
    if len(theirs) < min_share * len(_WHITE.sub("", ours)):
        return ours
    lines = [line for line in ours.split("\n") if _WHITE.sub("", line) in theirs]
    return "\n".join(lines) if lines else ours


def _related_depth(node: Any, depth: int) -> int:
    """For a heading that opens a list of other articles (RELATED_HEAD): the depth in `_walk`'s path from which
    on blocks are the list's, those of the smallest element around it that holds more than the heading; else 0.
    A `相关新闻：` paragraph is no heading: articles go on after such a line (DAnIEL dev page ynet 660acfc3)."""
    text = node.text.strip()
    if len(text) > 12 or not RELATED_HEAD.match(text):
        return 0
    ups = 0
    anc = node.parent
    while anc is not None and anc.type == node.type and len(anc.text.strip()) <= len(text) + 2:
        ups += anc.tag in BLOCK
        anc = anc.parent
    return max(1, depth - ups - 1) if anc is not None and anc.tag in BLOCK else 0


def _date(tree: Any, html: str) -> str:
    """The page's publication date as YYYY-MM-DD: from its meta tags, else the first date in its text."""
    head = tree.head
    if head is not None:
        for meta in head.get_elements_by_tag_name("meta"):
            key = (meta.getattr("property") or meta.getattr("name") or meta.getattr("itemprop") or "").lower()
            if key in _DATE_META:
                m = _DATE.search(meta.getattr("content") or "")
                if m:
                    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    body = tree.body
    m = _DATE.search(body.text if body is not None else "")
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return ""


@register("extract.html")
@dataclass(frozen=True)
class ExtractHtml(Step):
    """Replace an HTML page with its main text (one recorded edit); title, date and host go to metadata.

    Acts on documents read from HTML (`source.format == "html"`: WARC responses, .html files); others pass
    untouched. A page with no main text is dropped (`no_main_text`). The page is rebuilt from the edit.

    >>> doc = Document("p", "<title>标题</title><p>正文的第一句话，写得很长很长，足够是一个段落了。</p>",
    ...                source={"format": "html"})
    >>> out = ExtractHtml().process(doc)
    >>> out.text, out.metadata["title"]
    ('正文的第一句话，写得很长很长，足够是一个段落了。', '标题')
    """

    input_kinds = frozenset({"warc", "html"})  # the readers of these alone set `source.format` to "html"

    max_link_density: float = 0.5
    min_prose_chars: int = 20
    second_run_share: float = 1.0

    def process(self, doc: Document) -> Document:
        if doc.source.get("format") != "html":
            return doc
        rules = Rules(max_link_density=self.max_link_density, min_prose_chars=self.min_prose_chars,
                      second_run_share=self.second_run_share)
        out = extract(doc.text, rules)
        if out.title:
            doc.metadata.setdefault("title", out.title)
        if out.date:
            doc.metadata.setdefault("date", out.date)
        doc.tag("html_blocks", out.blocks_total)
        doc.tag("html_blocks_kept", out.blocks)
        doc.replace(0, len(doc.text), out.text, self.name, "html_to_text")
        doc.source["format"] = "text"
        if not out.text:
            return doc.drop(self.name, "no_main_text", f"{out.blocks_total} blocks, none reads as main text")
        return doc

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # only pages read from WARC or HTML are extracted: the others (most corpora: all) pass without a call each
        return [in_place(self.process, d) if d.source.get("format") == "html" else d for d in docs]
