"""Template blanks in copy-me essays: 全县共有x名, ××县, 20xx年, 当年*同志, ____, 党的--精神."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from taosha.document import Document
from taosha.step import Step, in_place, register
from taosha.textarrays import holding_any
from taosha.zh.script import fold, fold_table

_HAN = "\u4e00-\u9fff"
_EDGE = f"{_HAN}（）()“”\"、，。：；！？!?%％·,;:《》〈〉【】"  # what a blank stands between in Chinese text
PLACEHOLDER = re.compile(
    "|".join([
        r"(?<=(?<![0-9A-Za-z])20)(?:[xX]{2}|\*{2})(?=年|届|级)",  # 20xx年, 20**年: the blank is the xx
        rf"(?<=[{_EDGE}0-9])[xX]{{1,4}}(?=[{_EDGE}0-9])",  # 共有x名, 第xx期, x月x日
        rf"(?<=[{_EDGE}])[xX]{{1,4}}(?![A-Za-z0-9])",
        rf"(?<![0-9A-Za-z])[×Ｘ]{{1,4}}(?=[{_EDGE}])",  # ××县, “×行动”
        rf"(?<=[{_HAN}])\*{{1,12}}(?=[{_HAN}])",  # 中国*的领导
        r"[_＿]{3,}",  # ____ blanks to fill in
        rf"(?<=[{_HAN}])-{{2}}(?=[{_HAN}])",  # 党的--精神
    ])
)
_BLANK_CHARS = "xX×Ｘ*_＿"  # a blank holds one of them, or is --
# 20xx年, 20**年: the first alternative of PLACEHOLDER, a blank glued to the digits it follows
_YEAR_BLANK = re.compile(r"(?<=(?<![0-9A-Za-z])20)(?:[xX]{2}|\*{2})(?=年|届|级)")
# x or X as a letter of mathematics or science, not a blank: x轴, X光, X射线, x坐标, x值
_NOT_BLANK_AFTER = set("轴光射坐值的方向染")


# a text holding none of these holds no blank
_ANY_BLANK = re.compile(f"--|[{re.escape(_BLANK_CHARS)}]")
_BLANK_NEEDLES = (*_BLANK_CHARS, "--")  # the same, as substrings


def _any_blank(text: str) -> bool:
    """`_ANY_BLANK.search(text)`, as substring tests chained in one expression: each a fast search in C, half the
    time of the regex's scan on real text (a generator of them cost more than either, per document)."""
    return ("x" in text or "X" in text or "*" in text or "_" in text or "×" in text or "Ｘ" in text
            or "＿" in text or "--" in text)


# every match of PLACEHOLDER begins with one of these: its alternation is tried only where one stands
_BLANK_START = re.compile("[xX×Ｘ*_＿-]")


def _blanks(text: str) -> Iterator[re.Match[str]]:
    """`PLACEHOLDER.finditer(text)`, trying the pattern only where a blank character stands (its lookbehinds
    still see the text before)."""
    end = 0
    for c in _BLANK_START.finditer(text):
        if c.start() < end:
            continue  # inside the last match
        m = PLACEHOLDER.match(text, c.start())
        if m is not None:
            end = m.end()
            yield m


def find_placeholders(text: str) -> list[re.Match[str]]:
    """Template blanks in `text`.

    >>> [m.group() for m in find_placeholders("全县共有x名干部，××县在20xx年成立，第xx期。")]
    ['x', '××', 'xx', 'xx']
    >>> find_placeholders("以x轴为准，分辨率1920x1080，玩Xbox，X光片，3×3矩阵。")
    []
    """
    out: list[re.Match[str]] = []
    if not _any_blank(text):  # the common case: one scan in C
        return out
    for m in _blanks(text):
        s = m.group()
        after = text[m.end() : m.end() + 1]
        if s[0] in "xX×Ｘ" and after in _NOT_BLANK_AFTER:
            continue
        before = text[max(0, m.start() - 2) : m.start()]
        if after.isdigit() and before[-1:].isdigit():
            continue  # 1920x1080, 3x3: a product, not a blank
        if s[0] in "xX" and (after.isdigit() or (before[-1:].isdigit() and not _YEAR_BLANK.match(text, m.start()))):
            continue  # a letter glued to a number names a model or counts (松下X300, 荣耀4x, x61): 20xx年 stays
        if before[-1:] == "(" and before[:1].isascii() and before[:1].isalnum():
            continue  # f(x): an argument, not a blank
        out.append(m)
    return out


@register("clean.placeholders")
@dataclass(frozen=True)
class Placeholders(Step):
    """Count template blanks (x, xx, ××, 20xx, *, ____, --) and drop documents that hold `min_blanks` or more,
    denser than `max_per_1000`.

    Signals: `placeholders` (count) and `placeholder_density` (per 1,000 characters). `max_per_1000 = 0`
    only measures. Blanks are not removed: the text around them is still the document's. A copy-me essay
    blanks its facts dozens of times (the real template page in `../shared`: 38 to 49 in each of its parts);
    a review or a comment writes one or two stars for a word it will not print (你*妹, 降价*元) or dashes
    (球场--很惬意), which its length alone made dense.

    >>> from taosha.step import run_one
    >>> run_one(Placeholders(max_per_1000=20), "全县共有x名干部，xx个村，××乡x名代表，20xx年x月。").dropped.reason
    'template_blanks'
    """

    max_per_1000: float = 8.0
    # far below a template's dozens; of 62,774 real shopping reviews dense enough, 545 hold one blank, 89 two, 17
    # three, 3 four and 2 more (amounts the site masked)
    min_blanks: int = 5

    def setup(self) -> None:
        fold_table()

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        if self.max_per_1000 < 0:  # a density of 0 drops: `process` decides every document
            return [in_place(self.process, d) for d in docs]
        # `process`'s first test, here, and the call only for the documents that may hold a blank; the others get its
        # two signals of no blank, and pass (a density of 0 drops none)
        # which documents may hold a blank, from a search per blank character in the batch's texts joined: most
        # batches of short documents hold a few, and a call per document cost more than the searches
        maybe = set(holding_any(_BLANK_NEEDLES, [d.text for d in docs]))
        out: list[Document | list[Document]] = []
        for k, doc in enumerate(docs):
            if k in maybe:
                out.append(in_place(self.process, doc))
            else:
                signals = doc.signals
                signals["placeholders"] = 0
                signals["placeholder_density"] = 0.0
                out.append(doc)
        return out

    def process(self, doc: Document) -> Document:
        text = doc.text
        if not _any_blank(text):  # most documents: no blank to look for
            count = 0
        else:  # x轴 and 軸 alike: the exceptions are simplified
            count = len(find_placeholders(fold(text)))
        density = 1000.0 * count / max(1, len(text)) if count else 0.0
        signals = doc.signals  # doc.tag twice, without the calls
        signals["placeholders"] = count
        signals["placeholder_density"] = round(density, 3) if count else 0.0
        if self.max_per_1000 and density > self.max_per_1000 and count >= self.min_blanks:
            return doc.drop(self.name, "template_blanks", f"{count} blanks, {density:.1f} per 1000 chars")
        return doc
