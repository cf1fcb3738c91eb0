"""Family 3, misaligned GBK: rewrites hypothesised at each damage point (a lost byte put in, a gained one
skipped, the full-width pass undone along its chain, an annotation's reading, dropped user-defined pairs put
back), decoded from the line's bytes and judged against the line as it stands (`_best_hypothesis`). A page is
realigned only once one repair holds where the bytes show misalignment (the evidence pass).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate
from typing import cast

from taosha.document import Document, changed_run, common_prefix, common_suffix
from taosha.repair.mojibake.codec import (
    _ANNOTATION_TAIL,
    UNKNOWN,
    _bytes_reading,
    decode_tokens,
    dropped_areas,
    filled_questions,
    gbk_items,
    to_bytes,
    vanished_tokens,
)
from taosha.repair.mojibake.damage import (
    _BY_WORD_LETTER,
    _WORD_START,
    _bracket_lost,
    _glued_at,
    _next_bracket,
    _next_damage,
    _next_glued,
)
from taosha.repair.mojibake.deleted import _dense_lines, _lines_with
from taosha.repair.mojibake.evidence import (
    _MIN_REREAD,
    _PASS_LETTER,
    _RARE_MISREAD,
    _SPUN,
    LATIN_WORD,
    _latin_letter,
    _misaligned,
    _reread,
    word_rest_at,
)
from taosha.repair.mojibake.fill import DocumentContext, fill_known
from taosha.repair.mojibake.gate import _DENSE
from taosha.repair.mojibake.questions import _DIGIT_CHARS, _QUESTION, _UPPER_CHARS, _asks
from taosha.repair.mojibake.score import _RARE_LEFT, FREQUENT_LOGP, _letters, _mean
from taosha.textarrays import codepoints
from taosha.zh.lm import CharLM


def realign(doc: Document, lm: CharLM, min_gain: float, name: str) -> int:
    """Realign each line, once the page's damage is established: one repair holds where the bytes show
    misalignment (`_best_hypothesis` with `strict`). Then every line is read as before, also where the only
    sign is a `?` (a lost character in a page known to have lost bytes). A `?` beside fluent text in a page
    with no such damage is what the source wrote for a character it could not encode (an emoji, a symbol):
    it stays, counted as unrepaired."""
    lines = doc.text.split("\n")
    # a spun page (a tone-marked annotation glued to a character) went through a GBK converter: one rare
    # character beside a '?' is evidence there; elsewhere it takes two (a page's own 牠 or 胴 stands alone)
    rare = 1 if _SPUN.search(doc.text) else _RARE_MISREAD
    evidence = None
    # the lines `_realign_line` does not let go at once: those with a '?', and the others' damage found for the page
    damaged = _damage_lines(doc.text, lines, lm)
    read = [("?" in line or k in damaged) for k, line in enumerate(lines)]
    for line, look in zip(lines, read, strict=True):
        if not look or ("?" in line and _no_evidence(line, lm)):
            continue
        if evidence is None:
            evidence = DocumentContext(doc.text)
        if _realign_line(line, lm, min_gain, evidence, strict=rare)[1]:
            break
    else:
        return 0
    # the evidence pass's context: the same text, and its choices and readings are what this pass asks again
    context = evidence
    spans = []
    pos = 0
    count = 0
    for line, look in zip(lines, read, strict=True):  # established: every line as a page with lost bytes is read
        fixed, n = _realign_line(line, lm, min_gain, context) if look else (line, 0)
        if n:
            spans.append((pos, pos + len(line), fixed))
            count += n
        pos += len(line) + 1
    if spans:
        doc.replace_spans(spans, name, "misaligned_gbk")
    return count


def may_realign(text: str, lm: CharLM) -> bool:
    """Whether `realign` may repair anything in `text`: some line whose evidence pass is not over before its damage
    scan (a line with a '?' and `_no_evidence`, or without one and with none of the damage `_realign_line` looks
    for, is let go at once). False proves that `realign` changes nothing, so a caller may skip what it would ask
    first (the script's detection with a converter's slips, `damage._genuine_traditional`: two OpenCC conversions
    of a traditional news page)."""
    lines = text.split("\n")
    damaged = None  # the page's damage lines, found once a line without a '?' is asked (a review's one line with a
    # '?' never is); the lines are asked in order, and the first that decides ends the search
    for k, line in enumerate(lines):
        if "?" in line:
            if not _no_evidence(line, lm):
                return True
        else:
            if damaged is None:
                damaged = _damage_lines(text, lines, lm)
            if k in damaged:
                return True
    return False


def _damage_lines(text: str, lines: list[str], lm: CharLM) -> set[int]:
    """The lines of `text` (`lines`: its `split("\\n")`) without a '?' that `_realign_line` does not let go at once
    (dense rare characters, a character glued to a Latin word, a bracket that lost its first byte), found for the
    page at once: the rare clusters with a few numpy calls (`deleted._dense_lines`), the glued characters and the
    brackets only in the lines where a non-ASCII character stands beside an ASCII letter (`damage._BY_WORD`, whose
    matches those of `_next_glued` and `_next_bracket` are). A line with a '?' may be in it or not."""
    found = set(_dense_lines(text, lm))
    if _BY_WORD_LETTER.search(text) is not None:  # (a letter beside a non-ASCII character: the same lines)
        starts = [0, *accumulate(len(line) + 1 for line in lines)]  # where each line starts
        for k in _lines_with(_BY_WORD_LETTER, text, starts) - found:
            if _next_glued(lines[k], 0, lm) is not None or _next_bracket(lines[k], 0) is not None:
                found.add(k)
    return found


def _no_evidence(line: str, lm: CharLM) -> bool:
    """Whether the evidence pass can find nothing in `line`, proved without its damage scan: not one rare character
    and nothing else that shifted bytes leave (`_misaligned`) anywhere in the line, so no stretch of it shows any,
    and `_best_hypothesis` with `strict` rejects every damage point at once (the real reviews' `?`, a character the
    site lost beside fluent text: 471 of the 486 such pages in 20,000 reviews)."""
    # every character frequent (so none rare for `_misaligned` either), no lone letter after a '?', no annotation
    return (bool(lm.common[codepoints(line)].all()) and _PASS_LETTER.search(line) is None
            and _ANNOTATION_TAIL.search(line) is None)


# a line drowned in '?' (more than 8, or than one character in 10) lost too many bytes to rebuild; a line is
# repaired in at most 16 rounds, one damage each
_DROWNED_MOST, _DROWNED_EVERY, _ROUNDS = 8, 10, 16


def _realign_line(
    line: str, lm: CharLM, min_gain: float, context: DocumentContext, strict: int = 0
) -> tuple[str, int]:
    """The line realigned and the number of repairs; `strict` (the rare characters that are evidence, or 0):
    only whether one repair holds where the bytes show misalignment (see `_best_hypothesis`), as a page's
    evidence."""
    if ("?" not in line and not lm.rare_cluster(line, *_DENSE) and _next_glued(line, 0, lm) is None
            and _next_bracket(line, 0) is None):
        return line, 0
    if line.count("?") > max(_DROWNED_MOST, len(line) // _DROWNED_EVERY):
        return line, 0  # a line drowned in '?' lost too many bytes to rebuild: left flagged

    repairs = 0
    start = 0
    ahead: dict = {}  # what the damage scan found ahead in this line, kept while the line stays as it is
    # joined characters to be written as what their bytes say (`_joined`), by where they stand in `line`: written
    # once the line is decided, so that a U+FFFD never becomes a later round's context or bytes
    marks: dict[int, str] = {}
    for _ in range(_ROUNDS):  # each round repairs the leftmost damage that a hypothesis explains
        point = _next_damage(line, start, lm, ahead)
        if point is None:
            break
        best = _best_hypothesis(line, point, lm, min_gain, context, strict=strict)
        if best is None:
            start = point + 1
            continue
        new_line, start, found = best
        if marks:
            marks = _moved(marks, line, new_line)
        marks.update(found)
        line = new_line
        repairs += 1
        if strict:
            break
    for j in sorted(marks, reverse=True):
        line = line[:j] + marks[j] + line[j + 1 :]
    return line, repairs


def _moved(marks: dict[int, str], line: str, new_line: str) -> dict[int, str]:
    """`marks` (by position in `line`) where they stand in `new_line`; a mark inside the run a later round
    rewrote is dropped (that round's reading decides there)."""
    k, e_old, e_new = changed_run(line, new_line)
    return {j if j < k else j + e_new - e_old: m for j, m in marks.items() if not k <= j < e_old}
_CAMEL = re.compile("[a-z][A-Z]|[A-Z]{2}[a-z]")  # case changing inside a word: mBeams, CDe


# characters decoded after a damage before the decoding must agree with the line again (its last 3): damage that does
# not realign within a few sentences is not this kind; a shorter stretch first when another '?' is near
_STRETCHES, _SHORT_STRETCH, _AGREE = (48, 192), 24, 3


def _decode_from(
    line: str, b: int, head: list[int], resume: int, skip: int, lm: CharLM, context: DocumentContext,
    bytes_of: dict[tuple[int, int], list[int] | None] | None = None, *, fill: bool = True, most: int | None = None,
    could: Callable[[str, int, str], bool] | None = None,
) -> str | None:
    """`line[:b]` + the decoding of `head` + the bytes of `line[resume:]` (less `skip` leading bytes).

    The decoding realigns with the line once the damage is passed, so only a stretch is decoded: when its
    last characters agree with the line, the rest of the line is kept as it is. `bytes_of` keeps the bytes of
    stretches between the hypotheses of one damage (two of them resume at each place). Each decoding is kept in
    `context.decoded`: the pass after the evidence pass reads the same lines' damage points again. `most` (with
    `bytes_of`, `fill` and a lost byte in `head`): None also where every line read would hold more than `most` '?'
    (`_read_items`), which `_put_back` rejects all the same; and, with `most`, None where `could` proves that the line
    read fails what `_put_back` asks of it before any character the context has not chosen is chosen (`_could_read`)."""
    key = (id(lm), line, b, tuple(head), resume, skip, fill)
    found = context.decoded.get(key)
    if found is None:
        items = None
        if most is not None and bytes_of is not None and fill:
            items = _read_items(line, b, head, resume, skip, most, bytes_of)
            if items is None:
                return None  # (not kept in `context.decoded`: it is not the decoding)
            if could is not None and not _could_read(line, b, head, resume, skip, lm, context, bytes_of, items, could):
                return None  # (nor this)
        found = context.decoded[key] = _decode_stretch(
            line, b, head, resume, skip, lm, context, bytes_of, fill, items)
    elif bytes_of is not None:  # the stretches' bytes as the decoding read them (`_put_back` reads them there)
        for stop in _stops(line, resume):
            if (resume, stop) not in bytes_of:
                bytes_of[resume, stop] = to_bytes(line[resume:stop])
            if stop == found[1]:
                break
    fixed, stop = found
    return None if fixed is None else line[:b] + fixed + line[stop:]


def _read_items(
    line: str, b: int, head: list[int], resume: int, skip: int, most: int,
    bytes_of: dict[tuple[int, int], list[int] | None],
) -> dict[int, list[str | tuple[str, ...]]] | None:
    """None where every line `_decode_from` may read for (`b`, `head`, `resume`, `skip`), with a lost byte in
    `head`, holds more than `most` '?', or it reads none, proved without choosing a character for any lost byte:
    whichever stretch's decoding agrees with the line, its '?' are its decoded runs' (`codec.filled_questions`).
    Where a put-back pair leaves a lead byte without its trail out of place (over a third of the places
    `_put_back` tries on the seed page), the reading holds one '?' more and `_put_back`'s `keep` rejects it. Else
    the stretches' `gbk_items` found so far, by where each stretch ends (for the decoding to use)."""
    questions = line.count("?", 0, b)
    found: dict[int, list[str | tuple[str, ...]]] = {}
    for stop in _stops(line, resume):
        # (`bytes_of` left as it is: the decoding, if any, fills it as it reads)
        raw = bytes_of[resume, stop] if (resume, stop) in bytes_of else to_bytes(line[resume:stop])
        if raw is None:
            return None  # `_decode_stretch` gives None here, if no shorter stretch agreed
        items = found[stop] = gbk_items(head + raw[skip:])
        if questions + filled_questions(items) + line.count("?", stop) <= most:
            return found
        if stop == len(line) or _agrees(items, line[stop - _AGREE : stop]):
            return None  # the decoding ends with this stretch (`_decode_stretch`)
    return None


def _could_read(
    line: str, b: int, head: list[int], resume: int, skip: int, lm: CharLM, context: DocumentContext,
    bytes_of: dict[tuple[int, int], list[int] | None], items: dict[int, list[str | tuple[str, ...]]],
    could: Callable[[str, int, str], bool],
) -> bool:
    """False where the line `_decode_from` reads for (`b`, `head`, `resume`, `skip`), with a lost byte in `head`, is
    none or fails `could(text before, n, text after)` (`could` is False only where the line fails `_put_back`'s
    `keep` whatever n characters stand between), proved with the choices `context` already holds: most places
    `_put_back` tries read the pair's bytes beside the frequent character they would replace (供好 -> 供湖好), and
    on the seed page decoding such readings in full took a third of the step's time (2,809 of the 5,270 places
    tried; 753 of its 971 choices of lost characters side by side). True where that is not proved: more than one
    choice not held, or one whose characters decide where the decoding agrees with the line.
    `items`: the stretches' `gbk_items` by where each ends (`_read_items`'s), those it computes added."""
    for stop in _stops(line, resume):
        # (`bytes_of` left as it is, as in `_read_items`)
        raw = bytes_of[resume, stop] if (resume, stop) in bytes_of else to_bytes(line[resume:stop])
        if raw is None:
            return False  # `_decode_stretch` gives None here, if no shorter stretch agreed
        tokens = head + raw[skip:]
        if min(tokens, default=0) >= 0:
            return True  # (decoded whole by `decode_tokens`, no lost byte)
        found = items.get(stop)
        if found is None:
            found = items[stop] = gbk_items(tokens)
        known = fill_known([x for x in found if x != ""], lm, context, line[b - 1 : b])  # as `decode_tokens` fills
        if known is None:
            return True
        text, n, tail = known
        if stop < len(line):  # whether the decoding agrees with the line here (`_decode_stretch`)
            end = line[stop - _AGREE : stop]
            if n and len(tail) < len(end):
                return True  # the choice decides
            if not (tail if n else text).endswith(end):
                continue
        return could(line[:b] + text, n, tail + line[stop:])
    return False  # no stretch agrees: no reading


def _agrees(items: list[str | tuple[str, ...]], end: str) -> bool:
    """Whether the decoding of `items` (`codec.gbk_items`) is known to end in `end` whatever is chosen for its lost
    bytes: its last characters are decoded ones (each lost character is one character of the decoding), and `end`'s.
    False where they are not, or where a lost character is among them (the next stretch is asked then, as the
    decoding may go on to it)."""
    tail = ""
    for x in reversed(items):
        if not isinstance(x, str):
            break
        tail = x + tail
        if len(tail) >= len(end):
            break
    return len(tail) >= len(end) and tail.endswith(end)


def _stops(line: str, resume: int) -> tuple[int, ...]:
    """Where the stretches `_decode_from` decodes from `resume` end, in the order it tries them."""
    # a stretch that reaches the next '?' would count that damage as changed too, so a shorter one is tried first
    return _stops_of(len(line), resume, "?" in line[resume + _SHORT_STRETCH - _AGREE : resume + _STRETCHES[0]])


@lru_cache(maxsize=256)
def _stops_of(length: int, resume: int, near: bool) -> tuple[int, ...]:
    """`_stops` for a line of `length` characters, `near`: whether a '?' stands where a stretch from `resume` would
    reach it (remembered by these numbers, not by the line: each reading asks up to four times, 10,866 times on the
    seed page, and a cache keyed by lines would keep long ones alive)."""
    return tuple(min(length, resume + n) for n in ((_SHORT_STRETCH, *_STRETCHES) if near else _STRETCHES))


def _decode_stretch(
    line: str, b: int, head: list[int], resume: int, skip: int, lm: CharLM, context: DocumentContext,
    bytes_of: dict[tuple[int, int], list[int] | None] | None, fill: bool,
    items: dict[int, list[str | tuple[str, ...]]] | None = None,
) -> tuple[str | None, int]:
    """`_decode_from`'s decoding of `head` + the line's bytes from `resume` (None when none agrees with the line
    again), and where in `line` the last stretch it decoded ends (where the line is kept again)."""
    stop = resume
    for stop in _stops(line, resume):
        if bytes_of is None:
            raw = to_bytes(line[resume:stop])
        elif (resume, stop) in bytes_of:
            raw = bytes_of[resume, stop]
        else:
            raw = bytes_of[resume, stop] = to_bytes(line[resume:stop])
        if raw is None:
            return None, stop
        fixed = decode_tokens(head + raw[skip:], lm, line[b - 1 : b], fill=fill, context=context,
                              items=items.get(stop) if items else None)
        if stop == len(line) or fixed.endswith(line[stop - _AGREE : stop]):
            return fixed, stop
    return None, stop


# characters after a PHP '?' where a pair may have vanished; the gain (nats) its return must add; how rare the
# character that stood in its place must be (log-probability); how many pairs one stretch may have lost
_VANISHED_REACH, _VANISHED_MARGIN, _VANISHED_ODD, _VANISHED_MOST = 24, 0.65, -9.0, 2
# why only the first area of pairs GBK rejects (`codec.dropped_areas`, largest first) is put back, the user-defined
# areas (AA-AF, F8-FE x A1-FE): all of them (A1-A7 and FE x 81-A0, the rows' gaps), each beyond the first
# by a margin of 0.85 (dev: 13 truth characters lost / 30 won at 0.65, 6/16 at 0.85, 6/9 at 1.05, 3/4 at 1.3),
# won on the chains' dev seed (gbk-fullwidth-pass exact 17.7% -> 17.9%, invented 2145 -> 2131) and confirm seed
# (15.5% -> 15.6%, 2214 -> 2213) but lost on seeds 21-30 (60 documents each: 42 truth characters lost, 26 won):
# a drop that splits one character into two (籌 -> 花業) or a name's character (史蒂芬 -> 史蒂法家) more often
# than it rebuilds a lost pair


def _put_back(
    base: tuple[float, str, int, int], raw: list[int],
    judge: Callable[[list[int], int, Callable[[str], bool], int, Callable[[str, int, str], bool]],
                    tuple[float, str, int, int] | None],
    lm: CharLM, start: int, stop: int,
) -> tuple[tuple[float, str, int, int], list[int] | None]:
    """The reading `base` (of bytes `raw`, from the damage on) with dropped user-defined pairs put back at
    `start` .. `stop` (after the signature's own bytes: a pair vanishes where the misread bytes go on) where each
    wins by _VANISHED_MARGIN, leaves no more '?' and replaces one rare character; `base` itself when none does.
    `judge(tokens, j, keep, most, could)` reads `tokens` followed by `raw[j:]` (None where the line read fails `keep`,
    which a line with more than `most` '?' fails, as does one for which `could` is False). With
    it, where each pair put back begins in the reading (its two characters replaced one), or None where one is
    not told apart (the model chose its neighbours anew)."""
    current, at = base, cast(list[int], [])
    pairs: list[int] | None = []
    trail, lead = vanished_tokens(0)  # the user-defined areas' pair (the comment above `_put_back` says why only those)
    for _ in range(_VANISHED_MOST):
        before, found = current, None  # the best place for one more pair, against the reading without it
        questions = before[1].count("?")

        def keep(new_line: str, before: tuple[float, str, int, int] = before, questions: int = questions) -> bool:
            # what a place needs beyond its gain, asked of the line read before the reading is judged (most
            # places fail it, and judging costs more than reading): no more '?', and the one character the pair's
            # neighbours made is an odd one (瓮 for 委就), not a frequent one
            if new_line.count("?") > questions:
                return False
            k, end, _ = changed_run(before[1], new_line)
            return end - k == 1 and lm.char(before[1][k]) < _VANISHED_ODD

        def could(head: str, n: int, tail: str, before: tuple[float, str, int, int] = before,
                  questions: int = questions) -> bool:
            # whether `keep` may hold for `head` + n characters + `tail`, whatever they are (False proves it fails).
            # It needs no more '?' and one character of the line before replaced, a rare one, at k = the common
            # prefix (`changed_run`): that prefix is at least `head`'s with the line before, the common suffix at
            # least `tail`'s, so k lies between them; unless the line read is one character shorter, where the
            # suffix `changed_run` counts may be cut short at the prefix (then anything may hold)
            if head.count("?") + tail.count("?") > questions:
                return False
            old = before[1]
            if len(old) == len(head) + n + len(tail) + 1:
                return True
            k, end = _common_prefix(old, head), len(old) - _common_suffix(old, tail)
            return any(lm.char(c) < _VANISHED_ODD for c in old[k:end])

        for j in range(start, min(len(raw), stop)):
            if j in at or raw[j - 1] < 0x81 or raw[j] < 0x40 or raw[j] == 0x7F:
                continue  # the pair goes between a lead byte (its trail gone) and a trail byte (its lead gone)
            tokens, prev = [], 0
            for p in sorted((*at, j)):
                tokens += [*raw[prev:p], trail, lead]
                prev = p
            judged = judge(tokens, prev, keep, questions, could)
            if judged is None or judged[0] <= before[0] + _VANISHED_MARGIN:  # it must win (and hold `keep`)
                continue
            if found is not None and judged[0] <= current[0]:
                continue  # a better place was found
            k, _, end_new = changed_run(before[1], judged[1])
            current, found, pair = judged, j, (k if end_new - k == 2 else None)
        if found is None:
            break
        at.append(found)
        pairs = None if pairs is None or pair is None else [m + (m > pair) for m in pairs] + [pair]
    return current, pairs


_CHAIN_REACH, _CHAIN_MOST = 24, 6  # characters after a full-width-pass signature where its chain is looked for


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b`: all of `b` at once where `a` begins with it (what
    `_put_back`'s `could` mostly meets), else `common_prefix`'s binary search."""
    return len(b) if a.startswith(b) else common_prefix(a, b)


def _common_suffix(a: str, b: str) -> int:
    """The length of the longest common suffix of `a` and `b` (as `_common_prefix`)."""
    return len(b) if a.endswith(b) else common_suffix(a, b, min(len(a), len(b)))


def _chain(line: str, start: int) -> list[int]:
    """Where, from `start`, the full-width pass may have converted more pairs: a lone ASCII character glued after
    an East Asian character or a '?' (the pair's 00 vanished, or made that '?' with the byte before it)."""
    out = []
    for k in range(start, min(len(line), start + _CHAIN_REACH)):
        c = line[k]
        if not "\x21" <= c <= "\x7e" or c in "?)" or not (line[k - 1] >= "\x80" or line[k - 1] == "?"):
            continue
        if (line[k + 1 : k + 2].isascii() and line[k + 1 : k + 2].isalnum()) or word_rest_at(line, k + 1):
            continue  # an ASCII word or number, or a Latin word (Sézanne): written so
        if c == "(" and _ANNOTATION_TAIL.match(line, k + 1):
            continue  # an annotation
        out.append(k)
        if len(out) == _CHAIN_MOST:
            break
    return out


def _words_lost(line: str, new_line: str, k: int, e_old: int, e_new: int) -> bool:
    """Whether the change of `line[k:e_old]` into `new_line[k:e_new]` takes letters from the Latin words of `line`
    (turns them into other characters): each side is widened to whole words first, so a word the change only
    borders, keeps or mends (Mozi鮨la -> Mozilla) loses none."""
    def words(text: str, a: int, b: int) -> list[str]:
        while a > 0 and _latin_letter(text[a - 1]):
            a -= 1
        while b < len(text) and _latin_letter(text[b]):
            b += 1
        return LATIN_WORD.findall(text, a, b)
    old = sum(map(len, words(line, k, e_old)))
    return old > 0 and old > sum(map(len, words(new_line, k, e_new)))


def _after_pair(line: str, k: int, lm: CharLM) -> bool:
    """Whether the glued character `line[k]` begins a Latin word after a less than frequent Han character: its lead
    byte may then be the second byte of a stretch a lost byte put out of step (褂肧K-II for 使用SK-II: 使's lead
    byte lost, 用's trail glued to the S) as well as a byte gained. Skipping it wrote 褂SK-II, the out-of-step 褂
    kept and 用's byte dropped (a real CWCED page, found in review): the bytes do not say which, so it is not
    skipped. After a frequent character the byte is taken for a gained one only when it frees a capital (在用奡K-II,
    下载禬indows: a review) or the line lost bytes elsewhere; before a lowercase word in a clean line the character
    is the text's (的鋕ok). After a bracket or a letter (（綥ens for （Lens, Mozi鮨la) this is not asked: any
    letter. `line[k]` encodes to GBK: `_glued_at` found it so."""
    if 0 < k and "\u4e00" <= line[k - 1] <= "\u9fff" and _latin_letter(line[k + 1 : k + 2]):
        # after a Han character, a lowercase letter freed at the word's start is no more the bytes' than the
        # character is the page's, in a line with no other lost byte: 的鋕ok, 是緑mini (a rare or Japanese form
        # before a lowercase word) came out 的kok, 是vmini, a character dropped for a letter no word shows. A
        # capital begins the names and brands a gained byte was seen glued to (下载禬indows, 在用奡K-II, 打开禡ozilla);
        # a line whose bytes were lost elsewhere ('?', U+FFFD: 杂趂ormula_2 in a full-width pass's page) may have
        # gained this one too
        return lm.char(line[k - 1]) < FREQUENT_LOGP or not (
            _begins_word(line[k].encode("gbk")[1:2].decode("ascii", "replace"), line[k + 1 : k + 2])
            or "?" in line or "\ufffd" in line)
    return False


# the two consonants Latin words and brands begin with (Blog, Chrome, Street, Vlog): a capital freed before another
# pair begins no word (张淏vlog read 张Bvlog: 淏 is 9C 42, a lead byte and B, and the Bv of it begins nothing)
_ONSETS = frozenset("bl br ch cl cr dr dw fl fr gh gl gn gr kh kl kn kr ph pl pn pr ps rh sc sh sk sl sm sn sp sq st "
                    "sv sw th tr ts tw vl wh wr zh".split())


def _begins_word(capital: str, after: str) -> bool:
    """Whether a capital letter freed by dropping a gained byte begins a Latin word before `after` (its next character):
    alone or before a digit, a sign or a capital (SK-II, Q1), before a vowel (Windows, Banner; an accented letter is
    taken for one), or as the first of two consonants Latin words begin with."""
    if not capital.isupper():
        return False
    return not after.islower() or after in "aeiouy" or not after.isascii() or (capital + after).lower() in _ONSETS


# full-width forms Chinese text writes as punctuation: in a reading they may stand as themselves
_FULLWIDTH_PUNCT = frozenset("！（），：；？")


@lru_cache(maxsize=1)
def _joined_first() -> tuple[str, ...]:
    """The full-width forms a dropped pair's first character can be: lead A3, trail a first byte of the pairs realign
    puts back (`codec.dropped_areas()[0]`: the user-defined leads AA-AF, F8-FE)."""
    return tuple(bytes([0xA3, t]).decode("gbk") for t in sorted(dropped_areas()[0][0]))


def _joined(line: str, new_line: str, k: int, e_old: int, e_new: int, lm: CharLM) -> dict[int, str]:
    """Where a full-width-pass reading (`new_line`, changed in `k` .. `e_new` from `line[k:e_old]`) joined the
    two characters around a pair PHP's decoder dropped, and what their bytes say: {position: replacement}.

    Out of step, PHP reads each character's trail byte with the next one's lead byte, and a user-defined pair
    (trail byte AA-AF or F8-FE before a lead byte A1 or more: the comma's AC is one) vanishes; the reading in step
    joins the lead byte before it to the trail byte after it (，孙 A3AC CBEF reads ｏ A3EF). A joined character
    shows in its bytes where its lead byte is A3: a full-width letter, digit or sign (not the punctuation Chinese
    text writes). Its first character then keeps the lead A3 and lost a trail byte the drop narrows to 13
    (＊＋，－．／ｘｙｚ｛｜｝￣): the model chooses among them; the second kept only its trail byte (some 90
    characters share it): U+FFFD, counted. A joined Han character shows nothing in its bytes (every lead byte
    admits a trail byte that drops, every trail byte a lead byte) and stays as read. A full-width form whose
    ASCII character stood in the damaged text is that character, widened by the reading, and stays."""
    old = line[k:e_old]
    out: dict[int, str] = {}
    for j in range(k, e_new):
        c = new_line[j]
        if not "\uff01" <= c <= "\uff5e" or c in _FULLWIDTH_PUNCT or c in old or chr(ord(c) - 0xFEE0) in old:
            continue
        left = new_line[max(0, j - 2) : j]
        first = max(_joined_first(), key=lambda f: lm.score(left + f))
        out[j] = first + "\ufffd"
    return out


def _unjudged(line: str, b: int, new_line: str | None) -> tuple[float, str, int, int] | None:
    """A reading (`new_line`, the line rewritten from `b`) that did not hold, as a base for `_put_back` that no
    reading can lose to."""
    if new_line is None or new_line == line:
        return None
    k, _, e_new = changed_run(line, new_line, b)
    return -math.inf, new_line, e_new, k


def _measured(f: Callable, text: str, measured: dict[tuple, float], *args: CharLM) -> float:
    """`f(*args, text)`, kept in `measured` (a document's: the stretches its hypotheses change overlap, and its
    lines are judged again after the evidence pass)."""
    key = (f, text, *map(id, args))
    found = measured.get(key)
    if found is None:
        found = measured[key] = f(*args, text)
    return found


def _mean_lost(lm: CharLM, text: str) -> float:
    """`_mean` of `text` with its '?' left out (characters the source lost cost nothing)."""
    return _mean(lm, text.replace("?", ""))


def _mean_asked(lm: CharLM, text: str) -> float:
    """`_mean` of `text` with a '?' that may end a question read as '？'."""
    return _mean(lm, _QUESTION.sub("？", text))


def _better(a: tuple[float, str, int, int], b: tuple[float, str, int, int]) -> bool:
    """Whether reading `a` beats `b`: it leaves fewer '?' in the line, or as many and gains more."""
    qa, qb = a[1].count("?"), b[1].count("?")
    return qa < qb or (qa == qb and a[0] > b[0])


# where the evidence pass looks for what shifted bytes leave around a damage point (characters before, after)
_NEAR_BEFORE, _NEAR_AFTER = 14, 16
# how far back the damage may have begun: up to a sentence before a '?' (13 characters), or 7 where 2 rare
# characters stand within 6 of the point, or before a bracket that lost its first byte
_REACH_Q, _REACH_RARE, _REACH_BRACKET, _RARE_NEAR, _RARE_NEAR_LEAST = 13, 7, 7, 6, 2
_CONTEXT = 2  # characters of context each side of the stretch a hypothesis changes, when it is judged
# nats the full-width pass's exact signature ('?' + an ASCII byte) is preferred by over a shifted-byte reading
_SIGNATURE_BONUS = 1.5
_SIGNATURE_BYTES = 3  # the signature's own bytes: a lost lead, A3 and the ASCII byte + 0x80


_PASS_SIGN = re.compile(r"\?[\x21-\x7e]")  # what the full-width pass leaves: '?' and an ASCII byte


_QUESTION_ROW = 3  # '?' side by side from this many on: characters the source could not encode


def _in_question_row(line: str, point: int) -> bool:
    """Whether `line[point]` is a '?' of a row of `_QUESTION_ROW` or more: what a GBK or Big5 encoder with errors
    replaced writes for emoji or characters outside its charset side by side (🙏🙏🙏 -> ???), not a lost byte or a
    full-width pass's signature, whose readings fill the lost bytes with the model's choices (??? -> 海口, with
    112 and 190 candidates): the null hypothesis stands there."""
    if line[point : point + 1] != "?":
        return False
    a, b = point, point + 1
    while a > 0 and line[a - 1] == "?":
        a -= 1
    while b < len(line) and line[b] == "?":
        b += 1
    return b - a >= _QUESTION_ROW


def _best_hypothesis(
    line: str, point: int, lm: CharLM, min_gain: float, context: DocumentContext, *, strict: int = 0
) -> tuple[str, int, dict[int, str]] | None:
    """Try the rewrites that explain damage at `point`; return (repaired line, where to go on, the characters
    PHP's dropped pairs joined there and what to write for them: `_joined`) or None.

    Hypotheses are compared by mean log-probability per character over the stretch they change (with two
    characters of context each side), so that dropping characters earns nothing by itself. `strict`: a
    hypothesis must change a stretch whose bytes show misalignment (`_misaligned`), or, for a shifted byte,
    re-read from their bytes `_MIN_REREAD` Han characters that stood there beyond those it fills in for lost
    bytes; a `?` costs nothing then (it is what the source wrote for a character it lost).
    """
    if _in_question_row(line, point):
        return None
    # the evidence pass with nothing misread near: only a reading of the bytes themselves can hold, judged without
    # choosing characters for lost bytes (each stays '?'), which is all the evidence needs and far cheaper
    bytes_only = strict and not _misaligned(line[max(0, point - _NEAR_BEFORE) : point + _NEAR_AFTER], lm, strict)
    if bytes_only and not lm.rare_count(line[max(0, point - _NEAR_BEFORE) : point + _NEAR_AFTER]):
        # not one rare character near: the text around the '?' is the page's own, and a shifted-byte reading of
        # it would be a reading of fluent text into other fluent text, a guess the null hypothesis beats (on the
        # simulator's lost and gained bytes it leaves 11 of 600 documents each as they were; on the real reviews it
        # changes nothing and makes the evidence pass a third of its time)
        return None
    # (priority, where the line changes, bytes put first, where the line's own bytes resume, bytes to skip)
    candidates: list[tuple[int, int, list[int], int, int]] = []
    # inside a number or an acronym the ASCII after a '?' is the number's or the acronym's (no PHP pass ate it)
    inside = 0 < point < len(line) - 1 and any(
        line[point - 1] in kind and line[point + 1] in kind for kind in (_DIGIT_CHARS, _UPPER_CHARS))
    # and so is a number of two digits or more after the line's only '?' before ASCII: the pass leaves its
    # signature again and again along a line, a deleted byte's stretch ends in one lost lead byte (王朝，于14世纪
    # with a byte deleted reads 醭\ue1d8\ue0ee?14世纪: reading ?1 as the pass's wrote 。 and dropped the 1)
    inside = inside or (point + 2 < len(line) and line[point + 1] in _DIGIT_CHARS and line[point + 2] in _DIGIT_CHARS
                        and len(_PASS_SIGN.findall(line)) == 1)
    if (line[point] == "?" and point + 1 < len(line) and "\x21" <= line[point + 1] <= "\x7e" and not inside
            and not bytes_only and not (_latin_letter(line[point + 1]) and word_rest_at(line, point + 2))):
        # the pass's signature needs the evidence it leaves (`_misaligned`); a letter before an accented one is a
        # word's
        # the full-width -> half-width pass: '?' = lead + 00 (was A3), then an ASCII byte that was byte+0x80;
        # the pass goes on converting pairs while it walks misaligned (做到??顚S茫M冻S小R_保 for
        # 做到专款专用，常投常有。要确保: each letter there was A3 + a lead byte), so the next converted pairs are
        # read back too, one more for each reading
        head, resume = [UNKNOWN, 0xA3, ord(line[point + 1]) + 0x80], point + 2
        candidates.append((0, point, head, resume, 0))
        for k in _chain(line, resume):
            raw = to_bytes(line[resume:k])
            if raw is None:
                break
            head, resume = [*head, *raw, 0xA3, ord(line[k]) + 0x80], k + 1
            candidates.append((0, point, head, resume, 0))
    tail = _ANNOTATION_TAIL.match(line, point + 1) if line[point] == "?" and point and not bytes_only else None
    if tail:
        # an annotation the spinner glued after a byte pair spanning two characters (matched on GBK bytes at
        # any offset): '?' is the pair's second byte, which swallowed the '('. The reading names the pair:
        # with the byte before, it must read so. Without the annotation, that byte pairs with the next.
        try:
            before = line[point - 1].encode("gbk")
        except UnicodeEncodeError:
            before = b""
        reading = tail.group()[:-1]
        for byte in _bytes_reading(before[-1], reading) if len(before) == 2 else ():
            candidates.append((0, point, [byte], tail.end(), 0))
    window = line[max(0, point - _RARE_NEAR) : point + _RARE_NEAR]
    # a lost or gained byte leaves rare characters behind, and often a '?' where the shifted bytes made an
    # invalid pair: the damage began up to a sentence before it
    reach = _REACH_Q if line[point] == "?" else _REACH_RARE if lm.rare_count(window) >= _RARE_NEAR_LEAST else 0
    if line[point] != "?" and _glued_at(line, point, lm) and not _after_pair(line, point, lm):
        candidates.append((2, point, [], point, 1))  # a byte gained by a Latin word (Mozi鮨la): skipped
    if line[point] != "?" and _WORD_START.match(line, point) and _bracket_lost(line[point]):
        reach = max(reach, _REACH_BRACKET)  # the byte was lost before the bracket, up to a few characters back
    for back in range(reach):
        b = point - back
        if b < 0:
            break
        if line[b] < "\x80" and line[b] != "?":
            continue  # a shifted byte shows only in multibyte characters
        candidates.append((1, b, [UNKNOWN], b, 0))
        candidates.append((2, b, [], b, 1))
    bytes_of: dict[tuple[int, int], list[int] | None] = {}
    measured = context.measured
    decoded: dict[tuple[int, tuple[int, ...], int, int], str | None] = {}  # each hypothesis's line, as judged
    asks = line[point] != "?" or _asks(line, point)

    def judge(
        priority: int, b: int, head: list[int], resume: int, skip: int, keep: Callable[[str], bool] | None = None,
        most: int | None = None, could: Callable[[str, int, str], bool] | None = None,
    ) -> tuple[float, str, int, int] | None:
        """(rank, repaired line, end of the change in it, its start) of one hypothesis, or None (also where the
        line it reads fails `keep`, which every line with more than `most` '?' fails, and every one `could` rules
        out)."""
        new_line = decoded[b, tuple(head), resume, skip] = _decode_from(
            line, b, head, resume, skip, lm, context, bytes_of, fill=not bytes_only, most=most, could=could)
        if new_line is None or new_line == line or (keep is not None and not keep(new_line)):
            # (with `most`, a line `keep` rejects for its '?' may not be read at all: None)
            return None
        k, e_old, e_new = changed_run(line, new_line, b)
        lo = max(0, k - _CONTEXT)
        old_part, new_part = line[lo : e_old + _CONTEXT], new_line[lo : e_new + _CONTEXT]
        unfilled = head.count(UNKNOWN) if bytes_only else 0  # lost bytes left '?' (not chosen) in this pass
        # every test below rejects; the cheap ones come first (most hypotheses fail on their gain)
        if new_part.count("?") > old_part.count("?") + unfilled or "\ufffd" in new_part:
            return None  # a repair leaves no more damage than it found
        if old_part.replace("?", "") == new_part.replace("?", ""):
            return None  # only '?' dropped: a lost character stays marked, it is not repaired by deletion
        if _measured(_letters, new_part, measured) > _measured(_letters, old_part, measured):
            return None  # Latin letters that were not there: a misreading, not a repair (騑騑 -> 騑向W)
        if not (tail and resume == tail.end()) and _words_lost(line, new_line, k, e_old, e_new):
            # a Latin word rewritten (???Sézanne -> 海口，子ézanne): its letters are the page's, not shifted bytes
            # (a spinner's annotation, dropped with its reading, is no word of the page)
            return None
        if len(_CAMEL.findall(new_part)) > len(_CAMEL.findall(old_part)):
            return None  # a letter glued to a word against its case (店舖Beams -> 店mBeams, CD裡 -> CDe) is no spelling
        # no sign of shifted bytes beyond a '?' or a byte put in for a lost one (a reading of the line's own bytes
        # alone, a gained byte skipped, writes nothing the bytes do not hold: judged by its gain as ever)
        weak = strict and ("?" in old_part or UNKNOWN in head) and not _misaligned(old_part, lm, strict)
        # a '?' that may end a question is judged as one: a hypothesis must earn its gain on the characters
        # around it, not by doing away with the '?' (做法了? must not become 做法他); '??', a '?' glued to an
        # ASCII letter, digit or ! , ; (PHP's signature: ??h for 。县, ?! for a quote), or one in mid-line with
        # no asking word before it (当弦担?并因) stays debris
        # under the null hypothesis a '?' is a character the source lost: it costs the line nothing, and a
        # reading earns its gain on the characters it reads, not by doing away with '?' (`weak`)
        mean = _mean_lost if weak else _mean_asked if asks else _mean
        gain = _measured(mean, new_part, measured, lm) - _measured(mean, old_part, measured, lm)
        if gain < min_gain:
            return None
        if lm.rare_cluster(new_part, *_RARE_LEFT):
            return None  # a repair leaves no more damage than it found
        if weak and (priority == 0 or _reread(line[k:e_old], new_line[k:e_new]) - (
                0 if bytes_only else head.count(UNKNOWN) + line.count("?", resume, e_old)) < _MIN_REREAD):
            # the null hypothesis wins: characters chosen for lost bytes alone (心? -> 中年, 的? -> 实能) are a
            # guess, not a reading, and a shifted byte shows in the Han characters it made (not in ○?ε?○); the
            # '?' is a character the source could not encode
            return None
        if priority and not lm.rare_count(old_part) and lm.rare_count(new_part):
            return None  # with no rare character as evidence, a shifted-byte reading must be all frequent text
        # the full-width pass leaves an exact signature ('?' + an ASCII byte): it is preferred unless a
        # shifted-byte reading is clearly better
        return gain + (_SIGNATURE_BONUS if priority == 0 else 0.0), new_line, e_new, k

    best: tuple[float, str, int, int] | None = None
    signature = False  # whether `best` is a full-width-pass reading (its joined full-width forms are marked)
    put: list[int] = []  # where the pairs put back in it begin
    php: list[tuple[list[int], int, tuple[float, str, int, int]]] = []  # the full-width-pass readings that hold
    for priority, b, head, resume, skip in candidates:
        judged = judge(priority, b, head, resume, skip)
        if priority == 0:
            # a signature's reading may hold only once a vanished pair is back: kept as a base that cannot win
            base = judged or _unjudged(line, b, decoded[b, tuple(head), resume, skip])
            if base is not None:
                php.append((head, resume, base))
        if judged is None:
            continue
        if best is None or _better(judged, best):
            best, signature, put = judged, priority == 0, []
    for n, (head, resume, base) in enumerate([] if bytes_only else php):
        odd = sum(lm.char(c) < _VANISHED_ODD for c in base[1][base[3] : base[2]])
        if not odd or (base[0] == -math.inf and odd > _VANISHED_MOST + 1):
            continue  # each pair put back replaces one rare character of the reading: too few, or too many
        # PHP's decoder drops a user-defined pair (lead AA-AF or F8-FE) that the misaligned bytes formed: two
        # bytes gone, so the rest stays aligned and one character is wrong (省委就 -> 省瓮: 委 is CE AF, 就 BE CD,
        # and AF BE vanished); a stretch may have lost two (總之就是要用 -> 總滞是颐). Put such pairs back, one at a
        # time, at each byte of the stretch; a reading with them competes with the others
        raw = bytes_of.get((resume, min(len(line), resume + _STRETCHES[0]))) or bytes_of.get(
            (resume, min(len(line), resume + _SHORT_STRETCH))) or []  # as _decode_from read them

        # a reading `_put_back`'s `keep` rejects for its '?' is not read (`_read_items`), which leaves the bytes
        # of stretches from `resume` it would have read out of `bytes_of`: only where no later reading resumes there
        # (the annotation's readings share one place), as `raw` above is read from them
        alone = all(other != resume for _, other, _ in php[n + 1 :])

        def decode(tokens: list[int], j: int, keep: Callable[[str], bool], most: int,
                   could: Callable[[str, int, str], bool], head: list[int] = head, resume: int = resume,
                   alone: bool = alone):
            # `tokens` stand for the first j bytes of head + raw: the rest follows
            bound, proof = (most, could) if alone else (None, None)
            if j < len(head):
                return judge(0, point, [*tokens, *head[j:]], resume, 0, keep, bound, proof)
            return judge(0, point, tokens, resume, j - len(head), keep, bound, proof)

        put_back, pairs = _put_back(base, [*head, *raw], decode, lm, min(_SIGNATURE_BYTES, len(head)),
                                    len(head) + 2 * _VANISHED_REACH)  # characters of 2 bytes each
        if put_back[0] > -math.inf and (best is None or _better(put_back, best)):
            best, signature, put = put_back, pairs is not None, pairs or []
    if best is None:
        return None
    new_line, e_new, k = best[1], best[2], best[3]
    marks = _joined(line, new_line, k, changed_run(line, new_line, k)[1], e_new, lm) if signature else {}
    for j in put:  # a pair put back is read as the model chose it (`_put_back`), not marked
        marks.pop(j, None)
        marks.pop(j + 1, None)
    return new_line, max(e_new, k + 1), marks
