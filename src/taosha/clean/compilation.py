"""Compilation pages: one page bundling several documents (…篇一, 篇二; speeches glued under one heading).

A page is split at numbered headings when at least two of them follow each other (篇一, 篇二 …), and, on a
page that is a compilation already, at the strong cues of a new speech: a salutation line (同志们：, 尊敬的…：)
or a closing line (谢谢大家！, 散会。, …做出更大的贡献。) followed by an opening (not by a line that goes on
with a cut sentence: 之重，…). Ordinary enumerations (一是…二是…, (一), 第一章) are not headings.
Each part keeps its parent (id, part number, span); heading lines are removed from the parts as edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from taosha.document import Document
from taosha.step import Step, in_place, register
from taosha.textarrays import holding_any
from taosha.zh.script import fold, fold_table

_NUM = "一二三四五六七八九十百零〇两"
_CN = {c: i for i, c in enumerate("零一二三四五六七八九", 0)}
# a heading is a title, no sentence: no sentence punctuation in it
HEADING = re.compile(
    rf"^(?P<title>[^。，,！？!?；;]{{0,40}}?)(?:[（(]?(?:篇|范文|精选)(?P<n1>[{_NUM}\d]{{1,4}})[)）]?)$"
    rf"|^第(?P<n2>[{_NUM}\d]{{1,3}})篇[:：]?(?P<title2>[^。，,！？!?；;]{{0,40}})$"
)
# a speech opens with a salutation alone on its line, or with 同志们 and the business of the meeting
SALUTATION = re.compile(r"^(?:同志们[:：]$|同志们[，,:：](?:这次|今天|今年|刚才|现在)|尊敬的.{1,30}[:：]$"
                        r"|各位(?:领导|同志|来宾|代表)[:：]$)")
# a numbered point goes on with the same speech: 三要…, 1.…, (一)…, 第二…
ENUMERATION = re.compile(
    rf"^(?:[{_NUM}]+[是要][，,、]?|\d{{1,2}}[.、．]|[（(][{_NUM}\d]{{1,3}}[)）]|第[{_NUM}\d]{{1,3}}[，,、是])"
)
# a line that goes on with a sentence cut by a line break cannot open a document
CONTINUATION = re.compile("^[之的地得了着过们及而或，,、。；;：:]")
CLOSING = re.compile(
    r"(?:谢谢(?:大家|各位)?[!！。.]?|散会[。!！]|讲话完毕[。!！]|(?:做出|作出)更大(?:的)?贡献[。!！]"
    r"|(?:提供|作出)(?:了)?(?:坚强|有力|强有力|坚实)?(?:的)?(?:思想|组织|政治)?(?:保证|保障)"
    r"(?:[、，,和及].{0,16})?[。!！]"
    r"|(?:新局面|新篇章|新成效|新贡献|新胜利)[。!！])$"
)


# a numbered heading holds one of the first three (HEADING), a salutation one of the others (SALUTATION)
_NEEDED = ("篇", "范文", "精选", "同志们", "尊敬的", "各位")
_NEEDED_ANY_SCRIPT = (*_NEEDED, "範文", "精選", "同志們")  # tested on the text itself, before folding it
# one regex scan for them all: a third of the time of a substring test per word, on real text
_NEEDED_RE = re.compile("|".join(map(re.escape, _NEEDED_ANY_SCRIPT)))


def cn_to_int(s: str) -> int | None:
    """篇 numbers: 一 … 九十九, or digits.

    >>> [cn_to_int(s) for s in ("一", "十", "十一", "二十三", "12")]
    [1, 10, 11, 23, 12]
    """
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN.get(tens, 1) if tens else 1
        o = _CN.get(ones, 0) if ones else 0
        return t * 10 + o
    return _CN.get(s) if len(s) == 1 else None


def _heading_number(line: str) -> int | None:
    m = HEADING.match(line.strip())
    if not m or len(line.strip()) > 45:
        return None
    n = m.group("n1") or m.group("n2")
    return cn_to_int(n) if n else None


@register("clean.compilation")
@dataclass(frozen=True)
class Compilation(Step):
    """Split compilation pages into their documents, at numbered headings and strong speech cues.

    `cues`: also split at salutations and closing lines (speeches glued under one heading).

    >>> from taosha.step import run_one
    >>> from taosha.document import Document
    >>> page = "讲话篇一\\n第一篇讲话的内容。\\n讲话篇二\\n第二篇讲话的内容。"
    >>> [p.text for p in Compilation().process(Document("p", page))]
    ['第一篇讲话的内容。\\n', '第二篇讲话的内容。']
    """

    cues: bool = True
    min_part_lines: int = 2

    def setup(self) -> None:
        fold_table()

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # the documents holding a cue, from a substring search per cue over the batch joined (in C): `process`
        # returns the others as they are after its own test, which costs a regex scan of a character class each
        held = set(holding_any(_NEEDED_ANY_SCRIPT, [d.text for d in docs]))
        return [in_place(self.process, d) if k in held else d for k, d in enumerate(docs)]

    def process(self, doc: Document) -> Document | list[Document]:
        # the cues are written in simplified: they are matched on the text folded to simplified, character for
        # character (offsets hold), so a traditional page splits as its simplified form does
        if _NEEDED_RE.search(doc.text) is None:
            return doc  # no numbered heading and no salutation: nothing to split at
        view = fold(doc.text)
        lines = view.split("\n")
        numbered = [(k, n) for k, line in enumerate(lines) if (n := _heading_number(line)) is not None]
        headings: set[int] = set()
        # headings count when numbered in sequence: 篇一 then 篇二 (a lone 篇一 may be a title)
        for (k1, n1), (k2, n2) in pairwise(numbered):
            if n2 == n1 + 1:
                headings.update((k1, k2))
        cuts = sorted(headings)
        salutations = sum(1 for line in lines if SALUTATION.match(line.strip()))
        # glued speeches are looked for only on a page that is a compilation already: numbered headings, or
        # several salutations; a single speech that ends a paragraph with 新局面。 is not split
        if self.cues and (headings or salutations >= 2):
            last = -self.min_part_lines
            for k in range(1, len(lines)):
                if k in headings or (k - 1) in headings:
                    last = k
                    continue
                line = lines[k].strip()
                prev = lines[k - 1].strip()
                if k - last < self.min_part_lines or not line:
                    continue
                closes = (CLOSING.search(prev) and not SALUTATION.match(prev) and not ENUMERATION.match(line)
                          and not CONTINUATION.match(line))
                if SALUTATION.match(line) or closes:
                    cuts.append(k)
                    last = k
        cuts = sorted(set(c for c in cuts if c > 0))
        if not cuts:
            return doc
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        parts = doc.split([starts[k] for k in cuts], self.name)
        for part, first in zip(parts, [0, *cuts], strict=True):
            if first in headings:  # the heading line leaves its part (it is the page's, not the speech's)
                end = part.text.find("\n")
                part.replace(0, len(part.text) if end < 0 else end + 1, "", self.name, "heading")
            part.tag("compilation_part", part.parent["part"] if part.parent else 0)
        return parts
