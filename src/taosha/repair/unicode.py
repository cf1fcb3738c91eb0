"""Unicode hygiene that is safe for Chinese: NFC, line endings, invisible characters, blank lines.

Nothing here folds width: full-width CJK punctuation (，。！（）) stays as it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from taosha.document import Document
from taosha.step import Step, in_place, register
from taosha.textarrays import holding, holding_any


@register("repair.nfc")
@dataclass(frozen=True)
class Nfc(Step):
    """Normalise to Unicode NFC (composes combining marks; never changes width or script).

    >>> from taosha.step import run_one
    >>> run_one(Nfc(), "Pe\\u0301kin 北京").text == "P\\u00e9kin 北京"
    True
    """

    cheap = True

    def process(self, doc: Document) -> Document:
        if unicodedata.is_normalized("NFC", doc.text):
            return doc
        return doc.with_text(unicodedata.normalize("NFC", doc.text), self.name, "nfc")


# Zero-width and byte-order characters that carry no meaning inside a document. ZWJ (U+200D) is kept:
# emoji sequences need it. The soft hyphen (U+00AD) is kept too: in Chinese text it is a byte of UTF-8 read as
# cp1252, evidence the mojibake repair needs.
_INVISIBLE_CHARS = "\u200b\u200c\u2060\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]+")


def _has_invisible(text: str) -> bool:
    """Whether `text` holds one of `_INVISIBLE_CHARS`: four substring tests, each a fast search in C (a third of
    the time of one regex scan for the class, on real text)."""
    return "\u200b" in text or "\u200c" in text or "\u2060" in text or "\ufeff" in text


_CRLF = re.compile(r"\r\n?")
# ftfy's `fixes.ANSI_RE`, the terminal escapes its `remove_terminal_escapes` removes (a test holds the two equal):
# importing ftfy for it took 35-50 ms in each process that met an escape, a forked worker of each pass that reads one
_TERMINAL_ESCAPE = re.compile("\x1b\\[((?:\\d|;)*)([a-zA-Z])")
_SPACES = " \t\u3000\u00a0"
_TRAILING = re.compile(f"[{_SPACES}]+(?=\n|$)")
# where _TRAILING matches, at least one space stands before a line break or at the end: one scan, not a substring
# test per space character (a generator's per-document cost was most of this step's on short texts)
_TRAILING_AT = re.compile(f"[{_SPACES}](?:\n|\\Z)")
_TRAILING_NEEDLES = tuple(c + "\n" for c in _SPACES)
_CR_OR_INVISIBLE = re.compile(f"[\r\x1b{_INVISIBLE_CHARS}]")  # (and ESC, a terminal escape's first character)


@register("repair.whitespace")
@dataclass(frozen=True)
class Whitespace(Step):
    """Unify line endings, drop invisible characters, terminal escapes and trailing spaces, collapse runs of blank
    lines.

    Leading full-width spaces (the Chinese paragraph indent) are kept. Terminal escapes of the form `ESC[`, digits and
    semicolons, a letter (colours `ESC[1;31m`, cursor moves `ESC[2J`: pasted console output) are removed as ftfy's
    `remove_terminal_escapes` finds them: they are no text, and left in they count as letters and punctuation for the
    quality signals and the paragraph keys. Others (`ESC[?25l`, a window title `ESC]0;…BEL`) stay. (`fix_text`
    runs the repairs only, not this step.)

    >>> from taosha.step import run_one
    >>> run_one(Whitespace(), "\\u3000\\u3000第一段。  \\r\\n\\r\\n\\r\\n\\r\\n第二\\u200b段。\\n").text
    '\\u3000\\u3000第一段。\\n\\n第二段。'
    """

    cheap = True

    max_blank_lines: int = 1
    strip_document: bool = True

    def process(self, doc: Document) -> Document:
        if "\r" in doc.text:
            doc.sub(_CRLF, "\n", self.name, "line_ending")
        if _has_invisible(doc.text):  # a test before the substitution, which records edits
            doc.sub(_INVISIBLE, "", self.name, "invisible")
        if "\x1b" in doc.text:
            doc.sub(_TERMINAL_ESCAPE, "", self.name, "terminal_escape")
        if _TRAILING_AT.search(doc.text):  # a space before a line break or at the end: then the costlier regex
            doc.sub(_TRAILING, "", self.name, "trailing_space")
        keep = "\n" * (self.max_blank_lines + 1)
        if self.max_blank_lines >= 0 and "\n" * (self.max_blank_lines + 2) in doc.text:
            doc.sub(re.compile(f"\\n{{{self.max_blank_lines + 2},}}"), keep, self.name, "blank_lines")
        if self.strip_document:
            t = doc.text
            lead = len(t) - len(t.lstrip("\n"))
            if lead:
                doc.replace(0, lead, "", self.name, "strip_document")
            t = doc.text
            trail = len(t) - len(t.rstrip())
            if trail:
                doc.replace(len(t) - trail, len(t), "", self.name, "strip_document")
        return doc

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        texts = [d.text for d in docs]
        joined = "\n".join(texts)
        # the texts with work to do, from tests over the batch joined by line breaks (in C) rather than a call per
        # text: a text's end becomes a line break, where `_TRAILING_AT` matches as at the end
        busy: set[int] = set()
        if "\r" in joined or _has_invisible(joined) or "\x1b" in joined:
            busy.update(holding(_CR_OR_INVISIBLE, texts, joined))
        # `_TRAILING_AT`'s matches as substring searches (its class test costs a few dozen instructions a
        # character): a space before a line break, or at the end of the last text
        busy.update(holding_any(_TRAILING_NEEDLES, texts, joined))
        if joined and joined[-1] in _SPACES:
            busy.add(len(texts) - 1)
        run = "\n" * (self.max_blank_lines + 2)
        if self.max_blank_lines >= 0 and run in joined:  # joined, a run may span two texts: each is tested
            busy.update(k for k, t in enumerate(texts) if run in t)
        if self.strip_document:
            busy.update(k for k, t in enumerate(texts) if t[:1] == "\n" or t[-1:].isspace())
        if not busy:
            return list(docs)
        return [in_place(self.process, d) if k in busy else d for k, d in enumerate(docs)]
