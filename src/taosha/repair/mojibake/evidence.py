"""The null hypothesis's evidence: whether a stretch shows what shifted GBK bytes leave (rare or private-use
characters, the full-width pass's lone letter, a pinyin annotation), and how many Han characters a reading
re-reads from the line's own bytes. Without it a `?` is a character the source lost, and stays.
"""

from __future__ import annotations

import difflib
import re

from taosha.repair.lm import CharLM
from taosha.repair.mojibake.codec import _ANNOTATION_TAIL
from taosha.repair.mojibake.score import _HAN

_MIN_REREAD = 2  # characters a realignment must read from the line's own bytes, beyond those it fills in


def _reread(old: str, new: str) -> int:
    """Han characters a reading changes: of the stretches where `old` and `new` differ, the fewer Han characters
    of the two sides (a shifted byte turns Han characters into other ones; one dropped or only '?' changed reads
    nothing). Characters chosen for lost bytes count too, unless they were left '?'; the caller takes them off."""
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    return min(sum(len(_HAN.findall(old, a, b)) for op, a, b, _, _ in ops if op != "equal"),
               sum(len(_HAN.findall(new, c, d)) for op, _, _, c, d in ops if op != "equal"))
# the full-width pass's signature: a '?' and the lone ASCII letter it left (??h for 。县); a letter elsewhere
# among Chinese text is often a word (用了U会, 210g的)
_PASS_LETTER = re.compile(r"\?[A-Za-z](?![A-Za-z])")
_EAST_ASIAN_OR_PUA = re.compile("[\u3400-\u9fff\uf900-\ufaff\ue000-\uf8ff]")


def _misaligned(text: str, lm: CharLM) -> bool:
    """Whether `text` shows what shifted GBK bytes leave, beyond a `?`: a rare East Asian or private-use
    character (the pairs a shifted byte makes), a lone ASCII letter right after a `?` (the full-width pass's
    byte), or a pinyin annotation (whose reading names the bytes). Emoji and symbols are not such
    evidence: they are what a page writes, and what an encoder turns into `?`."""
    common = lm.common
    if any(not common[ord(c)] for c in _EAST_ASIAN_OR_PUA.findall(text)):
        return True
    return _PASS_LETTER.search(text) is not None or _ANNOTATION_TAIL.search(text) is not None
