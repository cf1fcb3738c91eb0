"""The null hypothesis's evidence: whether a stretch shows what shifted GBK bytes leave (rare or private-use
characters, the full-width pass's lone letter, a pinyin annotation), and how many Han characters a reading
re-reads from the line's own bytes. Without it a `?` is a character the source lost, and stays.
"""

from __future__ import annotations

import difflib
import re

from taosha.repair.mojibake.codec import _ANNOTATION_TAIL
from taosha.repair.mojibake.score import _HAN
from taosha.zh.lm import CharLM

_MIN_REREAD = 2  # characters a realignment must read from the line's own bytes, beyond those it fills in


def _reread(old: str, new: str) -> int:
    """Han characters a reading changes: of the stretches where `old` and `new` differ, the fewer Han characters
    of the two sides (a shifted byte turns Han characters into other ones; one dropped or only '?' changed reads
    nothing). Characters chosen for lost bytes count too, unless they were left '?'; the caller takes them off."""
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    return min(sum(len(_HAN.findall(old, a, b)) for op, a, b, _, _ in ops if op != "equal"),
               sum(len(_HAN.findall(new, c, d)) for op, _, _, c, d in ops if op != "equal"))


# letters of Latin script beyond ASCII (é, ü, ø, ő; not × ÷)
LATIN_ACCENTED = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# a Latin word: a run of letters, accented ones included (Sézanne, Zürich), that holds three ASCII letters in a row.
# Shifted GBK bytes make two at most (the full-width pass's letter and a trail byte in ASCII's range: ?Ec for 。與,
# 與 being C5 63; a lead byte stands between two trail bytes) and accented ones alone (GBK's pinyin row A8: ?=ǔ for
# 。建), so such a run is the page's own text
LATIN_WORD = re.compile(f"[A-Za-z{LATIN_ACCENTED}]*[A-Za-z]{{3}}[A-Za-z{LATIN_ACCENTED}]*")
# an accented letter that opens such a word's rest (ézanne)
_WORD_REST = f"[{LATIN_ACCENTED}][A-Za-z{LATIN_ACCENTED}]*?[A-Za-z]{{3}}"
# the full-width pass's signature: a '?' and the lone ASCII letter it left before East Asian text (??h县 for 。县);
# a letter elsewhere among Chinese text is often a word (用了U会, 210g的), and one between '?' in a Latin word is
# that word's (（?u?ere: its ü lost), as is one before the rest of a word (???Sézanne: the source lost three
# characters before a French name, issue 17)
_PASS_LETTER = re.compile(f"\\?[A-Za-z](?=[^\x00-\x7f])(?!{_WORD_REST})")


def _latin_letter(c: str) -> bool:
    """Whether `c` is one letter of Latin script (ASCII or accented)."""
    return len(c) == 1 and ((c.isascii() and c.isalpha()) or ("\u00c0" <= c <= "\u024f" and c not in "\u00d7\u00f7"))


def word_rest_at(text: str, i: int) -> bool:
    """Whether a Latin word's rest opens at `text[i]` with an accented letter (the ézanne of Sézanne)."""
    return re.match(_WORD_REST, text[i:i + 40]) is not None


# rare characters a misread stretch makes: two at least; one alone beside a '?' is the page's own (牠, 胴, 雫,
# 鲵 in real Wikipedia text beside characters the saver lost)
_RARE_MISREAD = 2
# a pinyin annotation with a tone mark glued to a character: the page went through a spinner's GBK converter
# (found from its bracket, the Han character before it looked behind: the engine scans for the rare bracket fast,
# where a class of every Han character opened a try at nearly every character of a page; one match where the
# pattern as first written, `SPUN_AS_WRITTEN`, has one, a character later)
_SPUN = re.compile("[(（](?<=[\u4e00-\u9fff][(（])[a-zü]{0,5}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,5}[)）]")
SPUN_AS_WRITTEN = re.compile("[\u4e00-\u9fff][(（][a-zü]{0,5}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,5}[)）]")
_EAST_ASIAN_OR_PUA = re.compile("[\u3400-\u9fff\uf900-\ufaff\ue000-\uf8ff]")


def _misaligned(text: str, lm: CharLM, rare: int = _RARE_MISREAD) -> bool:
    """Whether `text` shows what shifted GBK bytes leave, beyond a `?`: rare East Asian or private-use
    characters (the pairs a shifted byte makes), a lone ASCII letter right after a `?` (the full-width pass's
    byte), or a pinyin annotation (whose reading names the bytes); `rare` rare characters at least. Emoji and
    symbols are not such evidence: they are what a page writes, and what an encoder turns into `?`."""
    common = lm.common
    if sum(not common[ord(c)] for c in _EAST_ASIAN_OR_PUA.findall(text)) >= rare:
        return True
    return _PASS_LETTER.search(text) is not None or _ANNOTATION_TAIL.search(text) is not None
