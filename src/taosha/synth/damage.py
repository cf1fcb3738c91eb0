"""Realistic web damage applied to clean text, with the truth kept, for demos, tests and evaluation.

Each function takes clean text and a `random.Random` and returns a `Damaged(text, truth, labels)`:
the damaged text, the clean text it came from, and labels saying what was done where. Damage is made
the way the sites make it (see the README's "What the damage looks like"):

- `spin`: the "pseudo-original" tools of content farms: character-by-character conversion to traditional
  (characters with several traditional forms are left simplified, so the script is mixed) and pinyin
  with tone marks glued after every occurrence of a small, site-specific set of characters.
- `mojibake`: UTF-8 read as GBK, Big5 or cp1252, GBK read as Big5 and back, a GBK byte lost or gained
  (garbage with `?` until the bytes realign), `锟斤拷` debris.
- `boilerplate`: essay-site intros, SEO filler, `本文地址` footers, navigation, ICP and copyright lines.
- `template_blanks`: numbers and places blanked with `x`, `xx`, `××` in copy-me essays.
- `compilation`: several documents bundled under `…篇一`, `篇二` headings.
- `near_copy`, `truncate`: near duplicates with a known edit rate; a last sentence cut in half.
"""

from __future__ import annotations

import codecs
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass
class Damaged:
    text: str
    truth: str
    labels: list[dict[str, Any]] = field(default_factory=list)


# -- spinner ---------------------------------------------------------------------------------------------

# Characters with several traditional forms: one-to-one spinner tables leave them simplified.
AMBIGUOUS = set("干于范后里面只台系复准冲周尽历钟制采松志余谷丑斗几借划卷")


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t.json")


@lru_cache(maxsize=8192)
def _to_traditional_char(ch: str) -> str:
    if ch in AMBIGUOUS:
        return ch
    if ch == "着":  # the spinners' table maps 着 to 著, losing the aspect particle
        return "著"
    out = _s2t().convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=8192)
def _reading(ch: str) -> str | None:
    from pypinyin import Style, pinyin

    r = pinyin(ch, style=Style.TONE, errors=lambda _: [None])[0][0]  # type: ignore[arg-type,return-value]
    return r if r and r.isalpha() else None


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=1)
def _convertible_by_frequency() -> tuple[str, ...]:
    """Simplified characters that change under conversion, most frequent first (in the bundled documents):
    the pool spinner tables are drawn from."""
    from taosha.synth.demo import clean_documents

    counts: dict[str, int] = {}
    for _, text in clean_documents():
        for c in text:
            if is_han(c) and _to_traditional_char(c) != c:
                counts[c] = counts.get(c, 0) + 1
    return tuple(sorted(counts, key=lambda c: (-counts[c], c)))


def spinner_table(rng: random.Random, size: int = 40, pool: int = 300) -> dict[str, str]:
    """A site's annotation table: `size` common convertible characters, one reading each (the first
    reading, right or wrong for the context, as the real tools do)."""
    chars = [c for c in _convertible_by_frequency()[:pool] if _reading(c)]
    return {c: _reading(c) or "" for c in rng.sample(chars, min(size, len(chars)))}


def spin(
    text: str,
    rng: random.Random,
    *,
    table: dict[str, str] | None = None,
    table_size: int = 40,
    keep_simplified: float = 0.03,
    fullwidth_parens: float = 0.0,
) -> Damaged:
    """Force-convert to traditional and glue pinyin after every occurrence of the table's characters.

    The table belongs to a site (`spinner_table`); one is drawn when none is given. Labels give each
    annotation's position in the damaged text.
    """
    if table is None:
        table = spinner_table(rng, table_size)
    out: list[str] = []
    labels: list[dict[str, Any]] = []
    pos = 0
    for i, c in enumerate(text):
        if not is_han(c):
            out.append(c)
            pos += 1
            continue
        t = c if rng.random() < keep_simplified else _to_traditional_char(c)
        out.append(t)
        pos += 1
        if c in table:
            open_, close = ("（", "）") if rng.random() < fullwidth_parens else ("(", ")")
            ann = f"{open_}{table[c]}{close}"
            labels.append({"kind": "pinyin", "at": pos, "index": i, "char": t, "annotation": ann})
            out.append(ann)
            pos += len(ann)
    return Damaged("".join(out), text, labels)


# -- mojibake -------------------------------------------------------------------------------------------


def _qmark(exc: UnicodeError) -> tuple[str, int]:
    """Decode errors become '?' as PHP's mb_convert_encoding and many crawlers write them."""
    assert isinstance(exc, UnicodeDecodeError)
    return "?", exc.start + 1


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.start + 1].decode("latin-1"), exc.start + 1


codecs.register_error("taosha.qmark", _qmark)
codecs.register_error("taosha.latin1", _latin1_fallback)

# kinds that lose nothing when the wrong codec reads the whole run: (codec that misread, codec written in)
# (UTF-8 read as Big5 is not among them: Big5 leaves most UTF-8 byte pairs undefined, so bytes are lost)
# browsers decode a page labelled GBK with GB18030 (WHATWG), which maps every byte pair, Big5's punctuation
# (lead 0xA1-0xA3 with a low trail byte) included, to some character: a Big5 page read so stays reversible
REVERSIBLE_CODECS = {"utf8_as_gbk": ("gb18030", "utf-8"), "gbk_as_big5": ("big5", "gbk"),
                     "big5_as_gbk": ("gb18030", "big5")}
MOJIBAKE_KINDS = ("utf8_as_gbk", "utf8_as_big5", "utf8_as_cp1252", "gbk_as_big5", "big5_as_gbk", "lost_byte",
                  "gained_byte", "debris")
DEBRIS = ("锟斤拷", "烫烫烫", "屯屯屯")  # (U+FFFD marks a lost character's place: not debris to remove)


def garble(segment: str, kind: str, rng: random.Random) -> str:
    """Garble one segment of text the way `kind` does."""
    if kind == "utf8_as_gbk":
        return segment.encode("utf-8").decode("gb18030", "taosha.qmark")
    if kind == "utf8_as_big5":
        return segment.encode("utf-8").decode("big5", "taosha.qmark")
    if kind == "utf8_as_cp1252":
        return segment.encode("utf-8").decode("cp1252", "taosha.latin1")
    if kind == "gbk_as_big5":
        return segment.encode("gbk", "replace").decode("big5", "taosha.qmark")
    if kind == "big5_as_gbk":
        return segment.encode("big5", "replace").decode("gb18030", "taosha.qmark")
    if kind in ("lost_byte", "gained_byte"):
        raw = bytearray(segment.encode("gbk", "replace"))
        at = rng.randrange(max(1, len(raw) // 3)) if raw else 0
        if kind == "lost_byte" and raw:
            # a byte of a character pair: a lost ASCII byte (a digit of 2004) misaligns nothing and no
            # encoding repair could see it
            pairs = [i for i in range(max(1, len(raw) // 3)) if raw[i] >= 0x80]
            at = rng.choice(pairs) if pairs else at
            del raw[at]
        else:
            raw.insert(at, rng.randrange(0x81, 0xFF))
        return bytes(raw).decode("gbk", "taosha.qmark")
    if kind == "debris":
        at = rng.randrange(len(segment) + 1)
        return segment[:at] + rng.choice(DEBRIS) * rng.randint(1, 3) + segment[at:]
    raise ValueError(f"unknown mojibake kind {kind!r}; known: {', '.join(MOJIBAKE_KINDS)}")


_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")
MIN_RUN = 4  # characters of a reversible misreading


def _round_trip_end(text: str, start: int, end: int, wrong: str, right: str) -> int:
    """The largest end <= `end` such that text[start:end], written in `right` and read in `wrong`, comes back."""
    while end > start:
        try:
            raw = text[start:end].encode(right)
            if raw.decode(wrong).encode(wrong) == raw:
                return end
        except (UnicodeDecodeError, UnicodeEncodeError):
            pass
        end -= 1
    return start


def mojibake(text: str, rng: random.Random, kind: str | None = None, *, sentences: int = 1) -> Damaged:
    """Garble `sentences` consecutive sentences (a realistic run length) with one kind of mojibake."""
    kind = kind or rng.choice(MOJIBAKE_KINDS)
    spans = [m.span() for m in _SENTENCE.finditer(text) if m.group().strip()]
    if not spans:
        return Damaged(text, text)
    first = rng.randrange(len(spans))
    start = spans[first][0]
    end = spans[min(len(spans), first + sentences) - 1][1]
    if kind in REVERSIBLE_CODECS:
        # a run that the wrong codec decodes without loss, as when whole pages are misread: the end moves back
        # until the bytes round-trip (a byte pair cut in half at the end would be lost). A page is misread
        # as a whole, not a character here and there: a run must keep MIN_RUN characters, else the next
        # sentence is tried
        for k in range(len(spans)):
            at = (first + k) % len(spans)
            start, end = spans[at][0], spans[min(len(spans), at + sentences) - 1][1]
            end = _round_trip_end(text, start, end, *REVERSIBLE_CODECS[kind])
            if end - start >= MIN_RUN:
                break
        else:
            return Damaged(text, text)
    bad = garble(text[start:end], kind, rng)
    out = text[:start] + bad + text[end:]
    return Damaged(out, text, [{"kind": kind, "start": start, "end": start + len(bad), "truth": text[start:end]}])


# -- boilerplate ----------------------------------------------------------------------------------------

SITES = ("wenmi", "fanwen8", "xuexila", "diyifanwen", "yuwenmima", "ruiwen", "jianlishi", "gerenjianli")
INTROS = (
    "{kw}是我们在工作和学习中经常用到的文体。{kw}范文可以为我们提供一些新颖的观点和见解，让我们的写作更有新意。",
    "在日常学习、工作或生活中，大家总少不了接触{kw}吧。以下是小编为大家整理的{title}，欢迎品鉴！",
    "{kw}是对某一阶段的工作、学习或思想中的经验或情况加以总结的书面材料。下面是小编为大家收集的{title}，仅供参考，欢迎大家阅读。",
)
FOOTERS = (
    "本文地址：http://www.{site}.com/{section}/{num}.html",
    "原文链接：https://www.{site}.cn/{section}/{num}.html",
    "转载请注明出处：{site}网 www.{site}.com",
    "Copyright © 2012-2021 {site}.com 版权所有 京ICP备{icp}号-1",
    "上一篇：{other}\n下一篇：{other2}",
    "相关推荐：{other}　{other2}",
    "喜欢就分享给你的朋友吧！点击右上角分享到朋友圈。",
    "【{title}】相关文章：",
)
SECTIONS = ("fanwen", "zongjie", "jihua", "yanjianggao", "duhougan", "xindetihui")


def boilerplate(text: str, rng: random.Random, *, intro: bool = True, footers: int = 2,
                title: str = "", others: tuple[str, str] = ("工作总结范文", "个人工作计划")) -> Damaged:
    """Add an essay-site intro before and footer lines after the text; label their line numbers."""
    site = rng.choice(SITES)
    title = title or text.split("\n", 1)[0][:20]
    kw = rng.choice(("工作总结", "心得体会", "通知", "演讲稿", "读后感", "范文"))
    fill = {"site": site, "section": rng.choice(SECTIONS), "num": rng.randint(10000, 999999),
            "icp": rng.randint(10000000, 99999999), "title": title, "kw": kw,
            "other": others[0], "other2": others[1]}
    head = [rng.choice(INTROS).format(**fill)] if intro else []
    tail = [f.format(**fill) for f in rng.sample(FOOTERS, k=min(footers, len(FOOTERS)))]
    tail_lines = "\n".join(tail).split("\n")
    body = text.split("\n")
    lines = head + body + tail_lines
    labels = [{"kind": "boilerplate", "line": i} for i in range(len(head))]
    labels += [{"kind": "boilerplate", "line": len(head) + len(body) + i} for i in range(len(tail_lines))]
    return Damaged("\n".join(lines), text, labels)


# -- template blanks ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
# a two-character name that opens a clause and ends in an administrative unit: 南湖区, 青山镇
_PLACE = re.compile(r"(?:^|(?<=[，。、：；\n]))[\u4e00-\u9fff]{2}(?=[县镇村乡市区])", re.M)


def template_blanks(text: str, rng: random.Random, *, rate: float = 0.5) -> Damaged:
    """Blank numbers (x, xx) and place names (××) as copy-me essays do; label each blank."""
    spans: list[tuple[int, int, str]] = []
    for m in _NUMBER.finditer(text):
        around = text[m.start() - 1 : m.start()] + text[m.end() : m.end() + 1]
        if any(c.isascii() and (c.isalpha() or c in "-./:#+_") for c in around):
            continue  # codes and units (U-21, 40km, 1920x1080) are not what copy-me essays blank
        if rng.random() < rate:
            s = m.group()
            if len(s) == 4 and s.startswith("20") and text[m.end() : m.end() + 1] == "年":
                spans.append((m.start() + 2, m.end(), "xx"))
            else:
                spans.append((m.start(), m.end(), rng.choice(("x", "xx", "X"))))
    for m in _PLACE.finditer(text):
        if rng.random() < rate / 2 and not any(a < m.end() and m.start() < b for a, b, _ in spans):
            spans.append((m.start(), m.end(), rng.choice(("××", "xx", "XX"))))
    spans.sort()
    out, labels, pos, shift = [], [], 0, 0
    for a, b, blank in spans:
        out.append(text[pos:a])
        labels.append({"kind": "placeholder", "start": a + shift, "end": a + shift + len(blank),
                       "truth": text[a:b], "text": blank})
        out.append(blank)
        shift += len(blank) - (b - a)
        pos = b
    out.append(text[pos:])
    return Damaged("".join(out), text, labels)


# -- documents and pages --------------------------------------------------------------------------------

CN_NUMERALS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals, as compilation headings write them (篇十一, 篇二十)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens - 1]) + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def compilation(title: str, parts: list[str], rng: random.Random) -> Damaged:
    """Bundle documents under `{title}篇一`, `篇二`…; labels give each part's heading line."""
    lines: list[str] = []
    labels = []
    style = rng.choice(("{title}篇{n}", "{title}（篇{n}）", "{title}范文{n}", "第{n}篇：{title}"))
    for k, part in enumerate(parts, 1):
        labels.append({"kind": "part", "part": k, "line": len(lines)})
        lines.append(style.format(title=title, n=cn_number(k)))
        lines.extend(part.split("\n"))
    return Damaged("\n".join(lines), "\n\n".join(parts), labels)


def near_copy(text: str, rng: random.Random, rate: float = 0.05) -> Damaged:
    """Substitute, delete or insert characters at `rate` per character (a near duplicate)."""
    pool = [c for c in text if is_han(c)] or list(text) or ["的"]
    out = []
    edits = 0
    for c in text:
        r = rng.random()
        if r < rate / 3:
            edits += 1
            continue
        if r < 2 * rate / 3:
            out.append(rng.choice(pool))
            edits += 1
            continue
        out.append(c)
        if r < rate:
            out.append(rng.choice(pool))
            edits += 1
    return Damaged("".join(out), text, [{"kind": "near_copy", "rate": rate, "edits": edits}])


def truncate(text: str, rng: random.Random) -> Damaged:
    """Cut the text inside its last sentence, as pages truncated by a crawler or a paywall are."""
    body = text.rstrip()
    ends = [m.end() for m in re.finditer(r"[。！？]", body[:-1])]
    last = ends[-1] if ends else 0
    if len(body) - last < 4:
        return Damaged(text, text)
    cut = rng.randrange(last + 2, len(body) - 1)
    return Damaged(body[:cut], text, [{"kind": "truncated", "at": cut, "sentence_start": last}])
