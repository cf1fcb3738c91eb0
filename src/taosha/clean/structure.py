"""Document structure: exact repeated paragraphs inside a document, and a last sentence cut in half."""

from __future__ import annotations

import re
from dataclasses import dataclass

from taosha.document import Document
from taosha.step import Step, in_place, register
from taosha.zh import HAN
from taosha.zh.sentences import LINE_END as SENTENCE_END
from taosha.zh.sentences import STOPS


@register("clean.repeated_paragraphs")
@dataclass(frozen=True)
class RepeatedParagraphs(Step):
    """Remove exact repeats of a paragraph (line) inside a document, keeping the first; `min_chars` (letters and
    digits, punctuation and symbols aside) spares short lines such as headings and signatures, the rules of a table
    drawn in ─│┼ (no paragraph: removing its repeats broke the table) and the refrain of an ode (漢之廣矣，不可泳思，
    江之永矣，不可方思。: 16 characters).

    >>> from taosha.step import run_one
    >>> run_one(RepeatedParagraphs(min_chars=5), "同志们：\\n今天下午开会。\\n同志们：\\n今天下午开会。\\n散会。").text
    '同志们：\\n今天下午开会。\\n同志们：\\n散会。'
    """

    min_chars: int = 20

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # one line repeats nothing: most short documents pass without a call each
        return [in_place(self.process, d) if "\n" in d.text else d for d in docs]

    def process(self, doc: Document) -> Document:
        if "\n" not in doc.text:  # one line repeats nothing: most short documents
            return doc
        seen: set[str] = set()
        removed: dict[int, str] = {}
        for k, line in enumerate(doc.text.split("\n")):
            key = "".join(line.split())  # whitespace out (str.split's whitespace is re's \s)
            if len(key) >= self.min_chars and sum(map(str.isalnum, key)) >= self.min_chars:
                if key in seen:
                    removed[k] = "repeated_paragraph"
                else:
                    seen.add(key)
        if removed:
            doc.tag("repeated_paragraphs", len(removed))
            doc.remove_lines(removed, self.name)
        return doc


# a one-character last line that ends a text on purpose: 完 (the end), 毕, 终
_ENDINGS = frozenset("完毕终")
# the number of a heading or point: （二）, 三、, 4.; its style is the marker with the number taken out
_MARKER = re.compile(r"^\s*(?:([（(])[一二三四五六七八九十\d]{1,3}([)）])|[一二三四五六七八九十]{1,3}([、.．])"
                     r"|\d{1,2}([、.．]))")


# what a complete line may end with, as a set (membership of one character)
_ENDS = frozenset(SENTENCE_END)
# what a last sentence is trimmed back to: a stop (an ellipsis, a Latin full stop) and the closing marks after it;
# a closing mark alone ends a title or a quotation inside a sentence (《自由软件方针》第一条), not the sentence
_STOP_CHARS = frozenset(STOPS + "….")
_A_STOP = re.compile(f"[{re.escape(''.join(sorted(_STOP_CHARS)))}]")
_CLOSERS = frozenset("」”』）)》")
# how speech ends a sentence without a stop, in reviews and comments (超值吧, 还不错嘛, 好评哦): complete, not cut
_FINAL_PARTICLES = frozenset("吧呢吗嘛啊呀哦啦哈嘿")
# a Latin full stop between two letters or digits is inside a name or a number (nhi.gov.tw, 3.5), no sentence end
_IN_ADDRESS = re.compile(r"(?<=[0-9A-Za-z０-９Ａ-Ｚａ-ｚ])\.(?=[0-9A-Za-z０-９Ａ-Ｚａ-ｚ])")
_CUT_HAN = 2  # Han characters a last sentence needs to be taken for one cut in half
# how a sentence cut in half ends: in a Han character, a mark inside a sentence or an opening one
_CUT_END = re.compile(f"[{HAN}，、：:,“‘「『（(《]$")
_HAN = re.compile(f"[{HAN}]")
# a line that ends in a web or mail address (健保局全球資訊網：http://www.nhi.gov.tw/): nothing to trim back
_ADDRESS_AT_END = re.compile(r"(?:https?://|www\.|@)[\w.\-/~%?=&#:+]*$", re.ASCII)


_CLOSING = "".join(sorted(_CLOSERS))


def _ends_sentence(line: str) -> bool:
    """Whether a line ends a sentence: in a stop, perhaps closed by quotes or brackets (。」 ）. ). A closing mark
    alone ends a title or a name (宝山镇 (凤城市), 《方针》), which a page writes without a stop on purpose: no sign
    that the page ends its lines with punctuation."""
    return line.rstrip(_CLOSING)[-1:] in _STOP_CHARS


def _last_stop(line: str) -> int:
    """Where `line`'s last sentence end ends (a stop and the closing marks after it), or -1 when it has none; a
    Latin full stop inside a name or a number (gov.tw, 3.5) is none."""
    backwards = line[::-1]  # one regex scan from the end, not a search for each stop
    m = _A_STOP.search(backwards)
    while m is not None and _IN_ADDRESS.match(line, len(line) - m.start() - 1):
        m = _A_STOP.search(backwards, m.end())
    if m is None:
        return -1
    end = len(line) - m.start()
    while end < len(line) and line[end] in _CLOSERS:
        end += 1
    return end


def _marker_style(line: str) -> str | None:
    m = _MARKER.match(line)
    return None if m is None else "".join(g or "" for g in m.groups()) + ("N" if m.group(4) else "C")


@register("clean.truncation")
@dataclass(frozen=True)
class Truncation(Step):
    """Trim a last sentence cut in half back to the last sentence end, and a last line that is a fragment cut
    mid-word, and flag it (`truncated`).

    Only a prose line is judged (at least `min_line_chars`): titles, dates and signatures end without
    punctuation on purpose. Its last sentence is trimmed back to the last stop only where the text shows it ends
    its lines with punctuation (the line before it ends a sentence), and only a sentence that ends as a cut
    leaves one (in a Han character or a mark inside a sentence) and holds two Han characters or more. A one-line
    text (a review, a comment, often ends without a stop), a last sentence of one character (赞, 唉, 完 end
    reviews and articles) or one ending in an emoticon, a price or Latin letters is flagged and kept. One that
    ends in a modal particle (吧 呢 嘛) or in a web or mail address (a full stop between letters, `gov.tw`, ends
    nothing; nor does a closing mark alone, `《方针》第一条`) is complete: kept, not flagged. A shorter last line
    after a line that ends a sentence is a fragment when it is at most `max_fragment_chars` Han characters
    (`（二）构建…机制。` then `建`: the page was cut in a heading), or a heading numbered as earlier ones that end
    a sentence, but not ending one (`（三）加强` after `（二）…机制。`).

    >>> from taosha.step import run_one
    >>> d = run_one(Truncation(), "第一段。\\n我们要继续努力，推动经济社会高质量发展。在新的一年里，我们将进一步加强")
    >>> d.text, d.signals["truncated"]
    ('第一段。\\n我们要继续努力，推动经济社会高质量发展。', 1)
    >>> run_one(Truncation(), "（二）构建意识形态建设的应急机制。\\n建").text
    '（二）构建意识形态建设的应急机制。'
    """

    min_line_chars: int = 30
    max_fragment_chars: int = 1

    def process(self, doc: Document) -> Document:
        text = doc.text.rstrip()
        last_break = text.rfind("\n")
        last = text[last_break + 1 :]
        if last_break >= 0 and self._fragment(last.strip(), text[:last_break].rstrip()):
            doc.replace(len(text[:last_break].rstrip()), len(doc.text), "", self.name, "cut_off_line")
            return doc.tag("truncated", 1)
        if not last or len(last) < self.min_line_chars or last[-1] in _ENDS:
            return doc  # (an empty last line: nothing cut off, whatever `min_line_chars` is)
        if last[-1] in _FINAL_PARTICLES or _ADDRESS_AT_END.search(last):
            return doc  # a sentence that ends as speech does, or an address: complete without a stop
        end = _last_stop(last)
        if end < 0 or last_break < 0 or not _ends_sentence(text[:last_break].rstrip()):
            # no sentence end to go back to, or no line before it that ends one (a one-line text, the last of a
            # page whose lines end without stops): flagged, kept
            return doc.tag("truncated", 1)
        start = last_break + 1 + end  # just after the last sentence end
        if len(_HAN.findall(doc.text, start)) < _CUT_HAN or not _CUT_END.search(text):
            # too little of a sentence after it (one character is as often a sentence of its own, 赞, 唉, 完, as
            # what is left of a cut one), or one that ends as no cut leaves it: in an emoticon, a price, a
            # name in Latin letters (a cut falls in the words: 将进一步加强, 确保各项, 用“压岁钱”)
            return doc.tag("truncated", 1)
        doc.replace(start, len(doc.text), "", self.name, "cut_off_sentence")
        return doc.tag("truncated", 1)

    def _fragment(self, line: str, before: str) -> bool:
        if not line or not _ends_sentence(before):
            return False
        if len(line) <= self.max_fragment_chars:
            return all("\u4e00" <= c <= "\u9fff" for c in line) and line not in _ENDINGS
        # a heading cut short: numbered as the page's earlier headings, which end a sentence, and this one not
        style = _marker_style(line)
        if style is None or len(line) >= self.min_line_chars or line[-1] in _ENDS:
            return False
        return any(_marker_style(p) == style and _ends_sentence(p.rstrip()) for p in before.split("\n"))
