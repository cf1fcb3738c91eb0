"""Whether a `?` is a question mark, a character the source could not encode, or a lost byte.

A `?` beside Chinese text is suspect (`_SUSPECT_Q`, the gate's sign); it reads as a question mark at a line's end,
before a space, a quote or ASCII text, or after an asking word in its sentence. What is left unexplained after the
repairs is counted as `mojibake_unrepaired` (`unrepaired_at`).
"""

from __future__ import annotations

import re

from taosha.zh.lm import PUNCT, CharLM
from taosha.zh.sentences import STOPS_AND_BREAK

# a '?' next to non-ASCII text, or inside a number (2009年9?12日: 月 lost a byte; 20?12年: a byte gained) or an
# acronym (D?BCS), which 8 MB of clean Chinese text never writes
# (the '?' matched first, then what stands around it: the engine tries the look-behinds only at a '?', not at every
# character, a tenth of the time on the real texts that hold one)
_SUSPECT_Q = re.compile(r"\?(?:(?<=[^\x00-\x7f]\?)|(?=[^\x00-\x7f])|(?<=\d\?)(?=\d)|(?<=[A-Z]\?)(?=[A-Z])"
                        r"|(?<=[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]\)\?))")  # or after a pinyin annotation: 環(huán)?!傲
_QUESTION = re.compile(r"(?<!\?)\?(?![?!,;0-9A-Za-z])")  # a '?' that may be a real question mark
_DIGIT_CHARS, _UPPER_CHARS = frozenset("0123456789"), frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


_QUESTION_END = frozenset("吗嗎呢吧么麼嘛啊呀咩")  # 咩: Cantonese


# what asks: a '?' after one of these (in its sentence) is a question mark, elsewhere a lost byte
_ASKING = re.compile("什么|什麼|为何|為何|怎|如何|哪|谁|誰|几|幾|多少|是否|难道|難道|何|吗|嗎|呢|吧|咩"
                     "|么|麼|嘛|不是|没有|沒有|能否|可否|可不可|是不|有没|有沒|要不|会不|會不|对不|對不"
                     "|好不|行不|[啊呀啦吶哦喔]$")
_SENTENCE_END = re.compile(f"[{re.escape(STOPS_AND_BREAK.replace('?', ''))}]")  # not ASCII ?: it is the damage


_OPENING, _CLOSING = "「『“‘（(《〈【\"'", "」』”’）)》〉】\"'"


# how near a '?' other damage (a rare character, another '?') makes it a lost one: characters before, after
_DAMAGE_BEFORE, _DAMAGE_AFTER = 2, 3
_ASK_REACH = 16  # characters before a '?' where an asking word makes it a question mark (within its sentence)
# a '?' for a lead byte whose trail byte, in ASCII's range, stands alone before the next two-byte character (同?r宣布
# for 同時宣布, 期?g for 期間: a GBK byte turned into '?'); no question mark is glued so (the 62,774 real reviews
# write it twice, 这么?B！ and 好评?~点赞, each a character the site lost: unrepaired either way)
_LEAD_LOST = re.compile(r"\?[\x40-\x7e](?=[^\x00-\x7f])")


def _unrepaired(text: str, lm: CharLM) -> int:
    return len(unrepaired_at(text, lm))


def unrepaired_at(text: str, lm: CharLM) -> list[int]:
    """Where `?` is left next to East Asian text that does not end a question: damage around it (a rare
    character or another `?` within two characters before or three after), or, in the middle of a line of East
    Asian text, no asking word in its sentence before it. A question mark in clean text (是什么?最近, 是你? 怎么)
    is not counted."""
    found = []
    for m in _SUSPECT_Q.finditer(text):
        i = m.start()
        if _quoted(text, i):
            continue
        j = i
        while j and text[j - 1] == "?":
            j -= 1
        if j and text[j - 1] in _QUESTION_END:
            continue  # 驚喜嗎??: a question, however many marks
        around = text[max(0, i - _DAMAGE_BEFORE) : i] + text[i + 1 : i + 1 + _DAMAGE_AFTER]
        if _LEAD_LOST.match(text, i) or "?" in around or lm.rare_count(around) or not _asks(text, i):
            found.append(i)
    return found


def plain_questions(text: str, lm: CharLM) -> bool:
    """Whether every suspect `?` of `text` is a question mark in fluent text, the null hypothesis of a page whose
    only sign is a `?`: none is counted as damage (`unrepaired_at`), and each (a run of them as one) stands between
    fluent text on both sides. Before it: a word, a question's last character (吗, 呢, 么 ...), or punctuation after
    one of them; after it: the line's end, ASCII, punctuation or a word. A lost byte leaves its line out of step on
    one side of its '?', and the garbage there, however frequent its characters, seldom ends or begins a word
    (为什么斓菡饷绰?，等了: a deleted byte's garbage before it). An asking word earlier in the sentence is no such
    proof: the garbage may stand between (为什么但野悴挥糜诹懿【?、 is read)."""
    if unrepaired_at(text, lm):
        return False
    words = lm.words
    for m in _SUSPECT_Q.finditer(text):
        j = k = m.start()
        while j and text[j - 1] == "?":
            j -= 1
        while k < len(text) and text[k] == "?":
            k += 1
        p = j  # before any punctuation between the text and the '?' (opening the text: no garbage before it)
        while p and text[p - 1] in PUNCT:
            p -= 1
        fluent_before = (p == 0 < j) or text[p - 2 : p] in words or text[p - 1 : p] in _QUESTION_END
        nxt = text[k : k + 1]
        if not (fluent_before and (not nxt or nxt.isascii() or nxt in PUNCT or text[k : k + 2] in words)):
            return False
    return True


def _quoted(text: str, i: int) -> bool:
    """Whether the `?` at `i` is the character itself, quoted: 使用「?」表示一个字符."""
    return bool(i) and text[i - 1] in _OPENING and text[i + 1 : i + 2] in _CLOSING and bool(text[i + 1 : i + 2])


def _asks(text: str, i: int) -> bool:
    """Whether the `?` at `i` reads as a question mark: at the end of a line, before a space, a quote or ASCII
    text, or after an asking word in its sentence; in mid-line with none, it stands for a lost byte."""
    nxt = text[i + 1 : i + 2]
    if text[i - 1 : i] in _UPPER_CHARS and nxt in _UPPER_CHARS:
        return False  # inside an acronym (D?BCS)
    if nxt and nxt in ",;:" and text[i - 1 : i] >= "\u2e80":
        return False  # no question ends in a comma: PHP's signature (?; for 危化's A3 BB)
    if not nxt or not (nxt >= "\u2e80" or nxt.isdigit()):
        return True
    latin = text[max(0, i - 2) : i]
    if (latin.isascii() and latin.isalpha()) or text[i - 1 : i] in ("~", "～", "=", "＝"):
        # after a Latin word (Is My Blog Worth?看看), a tilde (比賽啦~?有) or an equals sign (性+暴力=?》): a question
        return True
    before = text[max(0, i - _ASK_REACH) : i]
    ends = list(_SENTENCE_END.finditer(before))
    return bool(_ASKING.search(before[ends[-1].end() :] if ends else before))
