"""The `repair.mojibake` step: the gate for a batch, then per suspect document debris (family 1), the
reversible misreadings (`redecode`) and the realignment of misaligned GBK (`realign`), each recorded as edits
with its reason, and the signals `mojibake_repairs`, `mojibake_debris`, `mojibake_unrepaired`, `mojibake_suspect`.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import numpy as np

from taosha.document import Document
from taosha.repair.mojibake.codec import (
    REDECODES,
    _byte_lengths,
    _cached_table,
    _gbk_tables,
    _pair_reading,
    _vanished_tables,
    misread_bytes,
)
from taosha.repair.mojibake.damage import _genuine_traditional
from taosha.repair.mojibake.deleted import _pairs, reread_deleted, sign_classes, suspect_many
from taosha.repair.mojibake.fill import _word_index
from taosha.repair.mojibake.gate import (
    _QMARK,
    _UTF8_IN_GBK,
    Explained,
    _Batch,
    _gate_table,
    _short_utf8,
    _suspicious_many,
)
from taosha.repair.mojibake.lossy import read_lossy_utf8
from taosha.repair.mojibake.questions import _unrepaired, plain_questions, unrepaired_at
from taosha.repair.mojibake.realign import may_realign, realign
from taosha.repair.mojibake.redecode import _ESTABLISHED, repair_latin, repair_redecodes, repair_whole_page
from taosha.repair.mojibake.replacement import replacement_pairs
from taosha.repair.mojibake.shifted import repair_big5_lost_bytes
from taosha.repair.mojibake.unread import _signs, odd_pairs_many, repair_short, unread_pairs
from taosha.repair.mojibake.windows import (
    _LONG_SEQ,
    _SIGN_BYTES,
    _UTF8_SEQ,
    _UTF8_WINDOW,
    _WINDOW_BYTES,
    lead_first,
    long_matches,
    long_shapes,
)
from taosha.step import Step, in_place, register
from taosha.textarrays import codepoints
from taosha.zh.lm import for_script, model
from taosha.zh.script import ScriptInfo, detect, detect_many, tables

DEBRIS = re.compile("(?:锟斤拷)+|烫{3,}|屯{3,}")
_DEBRIS_FIRST = (ord("锟"), ord("烫"), ord("屯"))  # what debris begins with
# U+FFFD is where a decoder lost a character (宏\ufffd for 宏碁, a name's character outside the charset): it marks the
# place, so it is kept and counted as unrepaired, not removed like the debris above
_REPLACEMENT = re.compile("\ufffd+")
# the gate's signs under which a U+FFFD may be a byte of UTF-8 read as GBK (`lossy`)
_LOSSY_SIGNS = frozenset({"utf8", "qmark", "utf8_short", "rare", "offscript"})
_OPENING_Q = re.compile("^\\?(?=[\u4e00-\u9fff])", re.MULTILINE)
_DELETED = frozenset({"deleted"})
_MAJORITY = 2  # a mixed page is judged by the script with twice the other's characters


@register("repair.mojibake")
@dataclass(frozen=True)
class Mojibake(Step):
    """Repair CJK mojibake (UTF-8 read as GBK/Big5/cp1252, GBK<->Big5, lost bytes, debris) as edits.

    `debris`: `remove` (default) deletes 锟斤拷-style debris, `flag` only counts it. `latin` runs ftfy on
    runs of Latin-1 characters (never on CJK text). `min_gain`: how many nats of mean log-probability per
    character a repair must win by. Signals: `mojibake_repairs`, `mojibake_debris`, `mojibake_unrepaired`, and
    `mojibake_suspect` when the gate let the document through to the repairs.

    >>> from taosha.step import run_one
    >>> run_one(Mojibake(), "他说：浣犲ソ锛屼笘鐣岋紒").text
    '他说：你好，世界！'
    >>> run_one(Mojibake(), "要求??偨Y(jié)范文").text
    '要求。總結(jié)范文'
    """

    debris: str = "remove"
    latin: bool = True
    min_gain: float = 2.0

    def setup(self) -> None:
        model()
        _gate_table()
        _byte_lengths("gb18030")
        _byte_lengths("big5")
        for wrong, right in (("big5", "gbk"), ("gb18030", "big5")):
            _pair_reading(wrong, right)
        _gbk_tables()
        _vanished_tables(0)
        _word_index()
        # what documents would otherwise build on first use, in every forked worker: the per-script models'
        # character tables (`_repair`'s scripts), the deleted pass's pair readings, the script tables
        for script in ("neutral", "simplified", "traditional", "spun"):
            for_script(script).char_table()
        _pairs()
        tables()
        _batch_signs()
        _alarms()

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # most pages hold no sign of any family: one table lookup per character proves them clean (`_loud`), and the
        # gate and the batch signs are measured on the others alone (each text's signs are its own: the same answers)
        out: list[Document | list[Document]] = list(docs)
        loud = _loud([doc.text for doc in docs])
        if loud:
            for k, done in zip(loud, self._batch([docs[k] for k in loud]), strict=True):
                out[k] = done
        return out

    def _batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        # the gate for the whole batch first (it changes nothing), on the texts as debris removal will leave them
        texts = [doc.text for doc in docs]
        # what the gate lets go: a deleted byte's signs (`deleted`), U+FFFD's bytes read as GBK (`replacement`)
        # (the batch laid out once, for the gate and the two batch signs after it)
        batch = _Batch(texts)
        # debris is rare: its first characters looked for in the batch's code points spare a test per text
        debris = [False] * len(texts)
        points = batch.points  # (three comparisons: np.isin took five times as long)
        if ((points == _DEBRIS_FIRST[0]) | (points == _DEBRIS_FIRST[1]) | (points == _DEBRIS_FIRST[2])).any():
            debris = list(map(_has_debris, texts))
            if self.debris == "remove" and any(debris):  # the gate measures the texts as its removal leaves them
                texts = [DEBRIS.sub("", text) if has else text for text, has in zip(texts, debris, strict=True)]
                batch = _Batch(texts)
        layout = (batch.points, batch.starts, batch.lengths)
        classes = _batch_signs().take(batch.points)  # the two batch signs' classes, in one lookup
        # (per text, `utf8_explained`'s answers the gate found, which its repairs ask again)
        known: list[Explained] = [{} for _ in texts]
        seens = [seen if seen or not signs else _DELETED
                 for seen, signs in zip(_suspicious_many(texts, batch=batch, known=known),
                                        suspect_many(texts, layout, classes), strict=True)]
        # the script of each text the repairs will read, in one pass for the batch (as `_repairs` would detect it on
        # the text without debris: `texts`); a failure leaves each to detect its own (and to fail alone)
        suspects = [k for k, seen in enumerate(seens) if seen]
        try:
            infos = dict(zip(suspects, detect_many([texts[k] for k in suspects], [0] * len(suspects),
                                                   look_for_slips=False), strict=True))
        except Exception:
            infos = {}
        odd = odd_pairs_many(texts, layout, classes)
        # a text neither suspect nor with debris nor odd pairs is let go as it is: clean, the common case (U+FFFD
        # would have made it suspect: `suspect_many`'s sign, on the text as it stands when it has no debris)
        out: list[Document | list[Document]] = list(docs)
        todo = {*suspects, *compress(range(len(docs)), odd), *compress(range(len(docs)), debris)}
        for k in sorted(todo):
            doc, seen = docs[k], seens[k]
            if not seen and not debris[k] and "\ufffd" not in doc.text:
                # nothing to repair; a short GBK <-> Big5 stretch is only counted (`unread`)
                left = unread_pairs(doc.text) if odd[k] and not _ABOUT_ENCODING.search(doc.text) else 0
                out[k] = doc.tag("mojibake_unrepaired", left) if left else doc
                continue
            out[k] = in_place(self._repair, doc, seen, infos.get(k), odd[k], known[k])
        return out

    def _repair(
        self, doc: Document, seen: frozenset[str], info: ScriptInfo | None = None, odd: bool | None = None,
        known: Explained | None = None,
    ) -> Document:
        if not seen and not _has_debris(doc.text):
            return self._repairs(doc, seen)  # nothing to repair: only U+FFFD is counted
        # the repairs run on a copy first: a page about encodings whose only damage stands in quotations
        # (会显示成「浣犲ソ」, 所谓「锟斤拷」) quotes examples, which stay as written
        layers: list[str] = []
        trial = self._repairs(Document(doc.id, doc.text), seen, info, odd, known, layers)
        if any(e.reason == "utf8_as_gbk" for e in trial.edits):
            # UTF-8 encoded twice through GBK (utf-8>gbk>utf-8>gbk): the first reading is UTF-8 read as GBK again
            # (这 -> 杩 -> 鏉╂), read back once more; no further (a chain of two is what encoders make)
            # (only on a page the first pass found encoded twice: where the characters it wrote are such a layer,
            # where a stretch it read was two layers deep (read through both at once, the page's other stretches
            # withheld beside it), or where the lossy pass withheld readings beside a middle layer that a later pass
            # read (one it did not read would withhold them again: a chance middle layer of a long page). On a page
            # read as GBK once, a stretch the first pass left as it stood is no second layer: a second pass over the
            # page found nothing more, or read the middle layer of a stretch the first pass withheld:
            # 「ストッ� -> 「�攻去�)
            utf8_edits = [e for e in trial.edits if e.reason == "utf8_as_gbk"]
            written = "\n".join(_new_characters(e.before, e.after) for e in utf8_edits)
            deep = "\n".join(_read_once(e.before) for e in utf8_edits)
            again = (any(stretch not in trial.text for stretch in layers)
                     or any("utf8" in v for v in _suspicious_many([written, deep]))) and (
                _suspicious_many([trial.text])[0] & {"utf8"})
            if again:
                first = dict(trial.signals)
                trial.signals.clear()
                self._repairs(trial, again)
                for name in ("mojibake_repairs", "mojibake_debris", "mojibake_suspect"):  # counts of both passes;
                    if name in first:  # what is left unrepaired is the second's to say
                        trial.signals[name] = first[name] + trial.signals.get(name, 0) if name != (
                            "mojibake_suspect") else 1
        if trial.edits and _quoted_only(doc.text, trial.edits, _ABOUT_ENCODING.search(doc.text) is not None):
            doc.tag("mojibake_quoted", len(trial.edits))
            for name in ("mojibake_suspect", "mojibake_unrepaired"):
                if name in trial.signals:
                    doc.tag(name, trial.signals[name])
            return doc
        doc.take_over(trial)  # the same edits, not replayed one by one (each a copy of the text)
        for name, value in trial.signals.items():
            doc.tag(name, value)
        return doc

    def _repairs(
        self, doc: Document, seen: frozenset[str], info: ScriptInfo | None = None, odd: bool | None = None,
        known: Explained | None = None, layers: list[str] | None = None,
    ) -> Document:
        """The families `seen` asks for, on `doc` as it stands; `info`: its script as `detect` (without looking for
        slips) finds it on its text without debris, when known; `odd`: whether `odd_pairs_many` saw the short
        stretches' sign in that text, when known; `known`: `utf8_explained`'s answers for the page so far (the
        gate's), kept for the passes to share; `layers`: where given, the stretches (as they stood) whose lossy
        readings were the middle layer of a page encoded twice, where the lossy pass withheld others beside them."""
        known = {} if known is None else known
        debris = DEBRIS.findall(doc.text) if _has_debris(doc.text) else None
        if debris:
            doc.tag("mojibake_debris", len(debris))
            if self.debris == "remove":
                doc.sub(DEBRIS, "", self.name, "debris")
        if not seen:
            if "\ufffd" in doc.text:
                doc.tag("mojibake_unrepaired", len(_REPLACEMENT.findall(doc.text)))
            return doc
        doc.tag("mojibake_suspect", 1)
        gated = doc.text  # the text the batch's signs were measured on
        kept: list[tuple[str, int]] = []  # windows another chain explains, left as they stood (`repair_redecodes`)
        repairs = 0
        lossy_left: frozenset[str] = frozenset()  # lossy stretches too short to prove UTF-8 read as GBK by themselves
        if ("\ufffd" in doc.text or "?" in doc.text) and seen & _LOSSY_SIGNS:
            # UTF-8 read as GBK with a U+FFFD for each byte the decoder rejected, read first: its windows span the
            # lost bytes, which split the UTF-8 passes' windows below (what they leave is then the page's own text,
            # which its script is told by)
            lossy, lossy_left, middle = read_lossy_utf8(doc, self.min_gain, self.name, utf8="utf8" in seen)
            if layers is not None:
                layers.extend(middle)
            if lossy:
                repairs, info = lossy, None
        if info is None:  # the script prior only: spun or not does not matter here
            info = detect(doc.text, look_for_slips=False)
        script = info.script
        if script == "mixed":  # a long misread stretch can outweigh the page's own script: go by the majority,
            # or, when neither has twice the other's characters, by the model of no script (the page's own may be
            # the minority: 40 simplified characters against 42 traditional ones, those misread)
            simp, trad = info.simplified_chars, info.traditional_chars
            script = ("simplified" if simp >= _MAJORITY * trad else "traditional" if trad >= _MAJORITY * simp
                      else "neutral")
        lm = for_script(script)
        # the null hypothesis first: where a '?' is the page's only sign and each is a question mark in fluent text
        # (`plain_questions`), the page is what its source wrote, and the UTF-8 and realigning families, which the
        # '?' alone sends here, are not asked (409 of the 1,504 real reviews the gate sends with a '?' only)
        # (the '?' counted as damage, `unrepaired_at`, which `plain_questions` asks first: asked here, and kept for the
        # count at the end while the text stands as it was, as most '?' pages do)
        questions: tuple[str, int] | None = None
        if seen == _QMARK and not repairs and "\ufffd" not in doc.text:
            questions = (doc.text, len(unrepaired_at(doc.text, lm)))
            if not questions[1] and plain_questions(doc.text, lm):
                seen = frozenset()
        if self.latin and "latin" in seen:
            repairs += repair_latin(doc, lm, self.min_gain, self.name)
        if seen & {"rare", "offscript"}:
            repairs += repair_whole_page(doc, self.min_gain, self.name, known=known)
        if seen & {"rare", "offscript"} and ("?" in doc.text or "\ufffd" in doc.text):
            repairs += repair_big5_lost_bytes(doc, lm, self.min_gain, self.name)
        if seen & {"utf8", "qmark", "utf8_short", "rare", "offscript"}:
            utf8, pairs = bool(seen & {"utf8", "qmark", "utf8_short"}), bool(seen & {"rare", "offscript"})
            points = None  # where short UTF-8 runs may be: only the runs holding one are examined
            codecs = None  # the codecs whose bytes of the page hold a UTF-8 window, when a '?' is the only sign
            at = None  # and for each, where in the page such a window may begin (`_utf8_runs`)
            if not seen & {"utf8", "qmark"}:
                points = _short_utf8(_gate_table()[codepoints(doc.text)]).tolist()
            elif "utf8" not in seen:
                at = _utf8_runs(doc.text)
                codecs = tuple(at)
                utf8 = bool(codecs)  # none: no run's bytes hold a UTF-8 window, nothing to read back
            if utf8 or pairs:
                read = repair_redecodes(doc, lm, self.min_gain, self.name, utf8=utf8, pairs=pairs,
                                        points=points, utf8_from=codecs, utf8_at=at, kept=kept, known=known)
                repairs += read
                if read and lossy_left and any(e.reason == "utf8_as_gbk" for e in doc.edits):
                    # the page is UTF-8 read as GBK: its lost bytes' stretches too short to prove it are read now
                    repairs += read_lossy_utf8(doc, self.min_gain, self.name, only=lossy_left)[0]
        if seen & {"qmark", "rare", "glued"} and not _read_as_big5(doc, self.name) and may_realign(
                doc.text, lm) and not _genuine_traditional(doc.text, info):
            realigned = realign(doc, lm, self.min_gain, self.name)
            repairs += realigned
            if self.debris == "remove" and realigned >= _ESTABLISHED and "?" in doc.text:
                # no line opens with a question mark: in a page whose lost bytes are established, a '?' there
                # before Han text is a byte whose character is gone (PHP's '?' for a lead byte at a line's start),
                # as much debris as 锟斤拷; elsewhere it is a character the source could not encode (an emoji)
                lone = len(_OPENING_Q.findall(doc.text))
                if lone:
                    doc.sub(_OPENING_Q, "", self.name, "debris")
                    doc.tag("mojibake_debris", doc.signals.get("mojibake_debris", 0) + lone)
        out_of_step = 0
        if not repairs:  # a deleted GBK byte, where no family above read the page's damage (their leftovers are not it)
            read, out_of_step = reread_deleted(doc, lm, self.name, gated=seen != {"deleted"},
                                               traditional=script == "traditional")
            repairs += read
        short = 0  # short GBK <-> Big5 stretches: written where they hold their own proof, else counted (`unread`)
        # (without the batch's sign, on the text it was measured on, `repair_short` finds no stretch: let go)
        if not repairs and (odd is not False or doc.text != gated) and not _ABOUT_ENCODING.search(doc.text):
            read, short = repair_short(doc, self.name)
            repairs += read
        elif repairs and not _ABOUT_ENCODING.search(doc.text):
            # a page with other damage: a short stretch its repairs left (script-neutral characters are no proof by
            # themselves, `windows._script_proof`) is counted, never written here (a review: 跺笭猁 was left unsaid)
            short = unread_pairs(doc.text)
        if repairs:
            doc.tag("mojibake_repairs", repairs)
        # windows `rivals` left (`redecode.repair_redecodes`), counted where they still stand as they were left: a later
        # pass that read one (realigned GBK, a deleted byte) counts what it left itself (a review: 9 counted for one
        # wrong character once realign had read the window)
        left = sum(n for run, n in kept if run in doc.text) + doc.signals.get("mojibake_unrepaired", 0) + short
        if "?" in doc.text:
            left += questions[1] if questions is not None and questions[0] == doc.text else _unrepaired(doc.text, lm)
        left += len(_REPLACEMENT.findall(doc.text)) if "\ufffd" in doc.text else 0
        left += out_of_step + (replacement_pairs(doc.text) if "锟" in doc.text else 0)
        # UTF-8 runs the repairs left (a run read back holds no UTF-8 any more): counted whatever else was repaired
        # (a realigned or deleted byte on another line mends no UTF-8; its repair hid the runs left: a review)
        if "utf8" in seen and not _ABOUT_ENCODING.search(doc.text):
            left += _utf8_left(doc.text)
        if left:
            doc.tag("mojibake_unrepaired", left)
        return doc


# what opens a quotation or an example, and what closes it (not brackets or title marks: they hold ordinary text,
# damaged with the rest of a page: （Working Holida恲 Visa）)
_QUOTES = {"「": "」", "『": "』", "“": "”", "‘": "’", '"': '"', "'": "'", "`": "`"}


# what a page that explains mojibake talks about; without it, damage in quotations is damage (a quoted title
# or speech misread with the rest)
# (乱码|亂碼|编码|編碼|解码|解碼|显示成|顯示成|字符集|字元集|GBK|GB2312|UTF-?8|Big5|Unicode|mojibake, the Latin words in
# any case: `ABOUT_ENCODING_AS_WRITTEN`), written to open with one class of the first characters (no other character
# begins a match, a case-folded one neither), which the engine scans for fast: a tenth of the time on news pages,
# where the search at every character of the alternation took 0.4 ms a page
_ABOUT_ENCODING = re.compile("[乱亂编編解显顯字BGMUbgmu](?:(?<=[乱编])码|(?<=[亂編])碼|(?<=解)[码碼]|(?<=[显顯])示成"
                             "|(?<=字)[符元]集|(?<=[Gg])(?i:BK|B2312)|(?<=[Uu])(?i:TF-?8|nicode)|(?<=[Bb])(?i:ig5)"
                             "|(?<=[Mm])(?i:ojibake))")
# (what the tests hold `_ABOUT_ENCODING` to)
ABOUT_ENCODING_AS_WRITTEN = re.compile("乱码|亂碼|编码|編碼|解码|解碼|显示成|顯示成|字符集|字元集|GBK|GB2312|UTF-?8"
                                       "|Big5|Unicode|mojibake", re.IGNORECASE)
_QUOTE_REACH = 40  # characters a quotation of an example spans at most, each side of the change


def _quotation(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The quotation `text[start:end]` stands inside, on one line: its opener's and its closer's positions, with
    neither closed nor opened again in between; None when there is none."""
    for opener, closer in _QUOTES.items():
        p = text.rfind(opener, max(0, start - _QUOTE_REACH), start)
        if p < 0 or closer in text[p + 1 : start] or "\n" in text[p:start]:
            continue
        q = text.find(closer, end, end + _QUOTE_REACH)
        if q >= 0 and "\n" not in text[end:q] and (opener == closer or opener not in text[end:q]):
            return p, q
    return None


def _mentioned(text: str, edit, ops: list, p: int, q: int) -> bool:
    """Whether the quotation text[p:q + 1] that holds a change of `edit` (whose opcodes are `ops`) is a mention of
    damage rather than damage, on any page: the whole quotation is debris (常见的“烫烫烫”), or what the edit makes
    of it stands quoted on the same line already (为什么我保存的“时间”再打开变成了“鏃堕棿”: the page shows the text
    and its garbled form)."""
    inside = text[p + 1 : q]
    if edit.reason == "debris":
        return DEBRIS.fullmatch(inside) is not None
    start, stop = _through(text, edit, ops, p), _through(text, edit, ops, q)
    if start is None or stop is None:
        return False
    after = text[: edit.start] + edit.after + text[edit.end :]
    repaired = after[start : stop + 1]
    line_start, line_end = text.rfind("\n", 0, p) + 1, text.find("\n", q)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return len(repaired) > 3 and repaired != text[p : q + 1] and repaired in line


def _through(text: str, edit, ops: list, pos: int) -> int | None:
    """Where the unchanged character at `pos` stands once `edit` is made; None when the edit changes it."""
    if pos < edit.start:
        return pos
    if pos >= edit.end:
        return pos + len(edit.after) - len(edit.before)
    k = pos - edit.start
    for op, a, b, c, _ in ops:
        if a <= k < b:
            return edit.start + c + k - a if op == "equal" else None
    return None


# a diff this many cells (changed characters before x after) at most is made character by character; difflib's
# matching is about cubic in the length of one changed stretch (a 6,000-character line of mojibake took 1.7 s and
# one of 6,400 took 24 s), while a quotation of an example spans tens of characters (`_QUOTE_REACH`)
_DIFF_CELLS = 1_000_000


def _opcodes(before: str, after: str) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes turning `before` into `after`; past `_DIFF_CELLS`, the common head and tail stay equal and
    everything between them is one replacement, whose quotation (if any) then holds the whole changed stretch."""
    head = 0
    limit = min(len(before), len(after))
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    if (len(before) - head - tail) * (len(after) - head - tail) <= _DIFF_CELLS:
        return list(difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes())
    ops = [("replace", head, len(before) - tail, head, len(after) - tail)]
    if head:
        ops.insert(0, ("equal", 0, head, 0, head))
    if tail:
        ops.append(("equal", len(before) - tail, len(before), len(after) - tail, len(after)))
    return ops


def _read_once(text: str) -> str:
    """`text`'s bytes as GB18030 writes them, read as UTF-8 (each byte it rejects U+FFFD): one layer of UTF-8 read as
    GBK undone, whatever an edit read (a stretch read through two layers at once reads as the middle one here). The
    gate on these, not `windows.encoded_twice` on the stretches: that asks only windows it reads whole, and missed
    pages whose second pass was needed (2-3 right characters lost on 5 of 900 mixed pages). The bytes as
    `misread_bytes` makes them (€ is byte 80, as browsers read it); a lone surrogate, with no bytes, is '?'."""
    return misread_bytes(text, "gb18030", "replace").decode("utf-8", "replace")


def _new_characters(before: str, after: str) -> str:
    """`after` with each character that `before` held (as many times as it held it) a line break: what an edit wrote,
    in order, without the text it spans unchanged (a run's edit keeps what its windows did not read); a diff of each
    edit cost a page read as GBK whole seconds."""
    left = Counter(before)
    out = []
    for c in after:
        if left[c] > 0:
            left[c] -= 1
            out.append("\n")
        else:
            out.append(c)
    return "".join(out)


def _quoted_only(text: str, edits: list, about_encoding: bool) -> bool:
    """Whether every change the edits make (in order, each on the text the ones before left; an edit may span
    a whole run with unchanged characters around its changes) stands inside a quotation: examples a page shows
    (会显示成「浣犲ソ」). On a page that does not talk about encodings, each such quotation must be a mention
    (`_mentioned`). Debris counts as quoted too once one of them is (a page that quotes 「锟斤拷」 names it in its
    prose as well: 手持两把锟斤拷)."""
    quoted_debris = loose_debris = False
    for e in edits:
        ops = _opcodes(e.before, e.after)
        for op, a, b, _, _ in ops:
            if op == "equal":
                continue
            quote = _quotation(text, e.start + a, e.start + b)
            if quote is not None and (about_encoding or _mentioned(text, e, ops, *quote)):
                quoted_debris |= e.reason == "debris"
            elif e.reason == "debris":
                loose_debris = True
            else:
                return False
        text = text[: e.start] + e.after + text[e.end :]
    return quoted_debris or not loose_debris


_RUN = re.compile(r"[^\x00-\x7f]{2,}")


def _utf8_left(text: str) -> int:
    """Characters of the runs whose bytes, as GBK read them, hold three CJK characters of UTF-8 in a row, outside
    quotations: UTF-8 read as GBK that no window read back (through GBK twice, with bytes lost in both layers:
    `鐟峰崬顦挎潏` for 許多農民), left as it stands and counted, not guessed."""
    left = 0
    for m in _RUN.finditer(text):
        run = DEBRIS.sub("", m.group())  # 锟斤拷 is U+FFFD's UTF-8 read as GBK: debris, counted as such
        raw = b"\x80".join(part.encode("gb18030", "replace") for part in run.split("€"))  # (a lone surrogate: ?)
        if _UTF8_IN_GBK.search(raw) and _quotation(text, m.start(), m.end()) is None:
            left += len(run)
    return left


# `_UTF8_WINDOW` without its end anchor (a Han character read with the letter ending its run): every window that
# `repair_redecodes` finds in a run's bytes is a match of this in the whole text's bytes, in which the run's stand
_UTF8_ANYWHERE = lead_first(_UTF8_WINDOW.pattern.replace(rb"\Z", b""))
_UTF8_WRONG = tuple(wrong for _, wrong, right in REDECODES if right == "utf-8")
# where a long enough match of `_UTF8_ANYWHERE` may begin (`windows._LONG_SEQ`, or its `|punct|one` as they are)
_UTF8_LONG = lead_first(_LONG_SEQ + _UTF8_WINDOW.pattern.replace(rb"\Z", b"")[len(_UTF8_SEQ.pattern) :])


def _utf8_window_anywhere(text: str) -> bool:
    """Whether some run of `text` may hold a UTF-8 window (see `_utf8_codecs`)."""
    return bool(_utf8_codecs(text))


def _utf8_codecs(text: str) -> tuple[str, ...]:
    """The codecs that UTF-8 is read with in whose bytes of `text` some run may hold a UTF-8 window: one search of
    the whole text's bytes per codec, where the UTF-8 repair tries every run of a page (the real reviews' `?`, a
    character the site lost, sends 2.5% of them there). An unencodable character is '?' (a run holding one has no
    window); a lone surrogate: every codec, the repair decides.

    The runs are separated by ASCII, which no match holds: the whole text's matches are the runs' own (and a few
    more: `one` without its end anchor), and each is judged as `_utf8_windows` judges it in its run: long enough
    (`_long_enough`), and still so once shrunk to the characters' edges (a run's edges are the text's). Of the 486
    real reviews (of 20,000) with a `?` beside Chinese, 209 have no long enough match, and 131 more none that
    survives the shrinking (GBK's own bytes pass for 2-byte UTF-8 sequences often, out of step with its pairs); of
    the 146 left, 122 hold a window in GBK's bytes only and 10 in Big5's only."""
    return tuple(_utf8_runs(text))


def _utf8_runs(text: str) -> dict[str, tuple[int, ...] | None]:
    """`_utf8_codecs`' codecs, each with the characters of `text` whose bytes (as it made them) begin one of the
    shapes every long UTF-8 match holds (`windows.long_shapes`), in order (None: not known, a lone surrogate). A run
    holding none of them has no UTF-8 window (`_utf8_windows`): a run's window begins at a match of
    `_LONG_WINDOW_AT` in its bytes, which are the text's bytes between two ASCII characters, and the match holds a
    shape there; a shape the scan left out touches one it found, between the same ASCII bytes. The repair asks only
    those runs (the `?` pages' runs were each encoded and searched again, most of them for nothing)."""
    found: dict[str, tuple[int, ...] | None] = {}
    for wrong in _UTF8_WRONG:
        try:
            raw = misread_bytes(text, wrong) if wrong == "gb18030" else text.encode(wrong, "replace")
        except UnicodeEncodeError:
            return dict.fromkeys(_UTF8_WRONG)
        ends = _window_survives(text, raw, wrong)  # (its first search: one for `_UTF8_LONG`)
        if ends is not None:  # the characters' byte ends, by which each match's first byte is found in its character
            found[wrong] = tuple(ends.searchsorted(long_shapes(raw), side="right").tolist())
    return found


def _char_bytes(text: str, wrong: str) -> np.ndarray:
    """Each character's bytes in `text`'s bytes as `_utf8_codecs` makes them: what the codec cannot encode (length 0,
    or beyond the BMP) is one byte, '?'."""
    points = codepoints(text)
    lengths = _byte_lengths(wrong)[points].astype(np.int64)
    if wrong != "gb18030":
        lengths[(lengths == 0) | (points >= 0x10000)] = 1
    return lengths


def _window_survives(text: str, raw: bytes, wrong: str) -> np.ndarray | None:
    """Whether a long enough match of `_UTF8_ANYWHERE` in `raw` (the bytes of `text` as `wrong` made them, '?' for
    what it cannot encode) makes a window once shrunk to the characters' edges, as `windows._utf8_windows` shrinks
    it; the first that does ends the search. Where one does, the characters' byte ends (their lengths' sums); else
    None."""
    edge = ends = None
    for m in long_matches(raw, _UTF8_ANYWHERE, _UTF8_LONG):
        if edge is None or ends is None:  # the characters' edges, once a match needs them
            ends = np.cumsum(_char_bytes(text, wrong))
            edge = np.zeros(len(raw) + 2, dtype=bool)
            edge[0] = True
            edge[ends] = True
        a, b = m.start(), m.end()
        if not edge[b] and edge[b + 1] and raw[b] < 0x80:
            b += 1  # the last UTF-8 byte and the ASCII byte after it read as one character (括P: 鎷琍)
        while a < b and not edge[a]:
            a += 1
        while b > a and not edge[b]:
            b -= 1
        if b - a >= (_SIGN_BYTES if m.group("punct") or m.group("one") else _WINDOW_BYTES):
            return ends
    return None


@lru_cache(maxsize=1)
def _batch_signs() -> np.ndarray:
    """Per code point, the classes of both batch signs after the gate's, in one byte: `unread._signs` (bits 1-8) for
    `odd_pairs_many` and `deleted.sign_classes` (bits 16-128) for `suspect_many`."""
    odd, classes = _signs(), sign_classes()
    assert len(odd) == len(classes) and not (odd & classes).any()
    return odd | classes


def _has_debris(text: str) -> bool:  # substring tests: far faster than the regex on clean text
    return "锟斤拷" in text or "烫烫烫" in text or "屯屯屯" in text


# `_alarms`' fields and bits: counts of the off-script sides' odd characters (ODD_S, ODD_T: `unread._signs`' bits, a
# superset of `_odd_table`'s) and of characters whose bytes read as Big5 make a frequent one (AS_GBK), three bits each
# (a window of four characters sums them without a carry); ALARM, a character that is a sign by itself or that every
# other sign needs (rare, a UTF-8 lead byte's, Latin-1, private-use, U+FFFD, 锟 and the debris' first characters, '?',
# a Han character whose GBK bytes end in a letter, ...); one script's own characters (SIMP, TRAD); what a lone trail
# byte is (TRAIL) and stands after (HAN_SYMBOL: `deleted.sign_classes`)
_ODD_S, _ODD_T, _AS_GBK_ONE, _COUNTS = 1, 8, 64, 0x1FF
_ALARM, _SIMP_ONE, _TRAD_ONE, _TRAIL_ONE, _HAN_SYMBOL = 0x200, 0x400, 0x800, 0x1000, 0x2000
_NEAR = 4  # odd characters this near are the gate's `_ODD_NEAR` and `odd_pairs_many`'s pairs (one or two apart)
_PAIR_S, _PAIR_T, _ALONG = 1, 2, 4  # what a window of `_NEAR` characters holds (`_WINDOW_HITS`)


@lru_cache(maxsize=1)
def _alarms() -> np.ndarray:
    """Per code point, the fields and bits above: what `_loud` proves a text clean with, in one lookup (from the table
    cache, like the tables it is made of)."""
    return _cached_table("alarms", _build_alarms)


def _build_alarms() -> np.ndarray:
    from taosha.repair.mojibake import deleted, gate, unread

    flags, odd, classes = _gate_table(), unread._signs(), sign_classes()
    table = np.zeros(len(flags), dtype=np.uint16)
    loud = gate.RARE | gate.E_LEAD | gate.LATIN1 | gate.PUA | gate.GLUED | gate.BRACKET
    for where, bit in (((flags & loud) != 0, _ALARM), ((classes & deleted.SIGN) != 0, _ALARM),
                       ((flags & gate.SIMP_ONLY) != 0, _SIMP_ONE), ((flags & gate.TRAD_ONLY) != 0, _TRAD_ONE),
                       ((odd & unread._ODD_SIMP) != 0, _ODD_S), ((odd & unread._ODD_TRAD) != 0, _ODD_T),
                       ((flags & gate.AS_GBK) != 0, _AS_GBK_ONE), ((classes & deleted.TRAIL) != 0, _TRAIL_ONE),
                       ((classes & (deleted.HAN | deleted.SYMBOL)) != 0, _HAN_SYMBOL)):
        table[where] |= bit
    table[[ord("?"), *_DEBRIS_FIRST, 0xFFFD]] |= _ALARM
    table[0] = 0  # the pads between texts
    return table


def _window_hits() -> np.ndarray:
    """Per sum of `_alarms`' counts over `_NEAR` characters: two odd characters of a side (`_PAIR_S`, `_PAIR_T`),
    or every one reading as Big5 a frequent one (`_ALONG`, the gate's `along`)."""
    sums = np.arange(_COUNTS + 1)
    return (((sums & 7) >= 2) * _PAIR_S | (((sums >> 3) & 7) >= 2) * _PAIR_T
            | (((sums >> 6) & 7) == _NEAR) * _ALONG).astype(np.uint8)


_WINDOW_HITS = _window_hits()
_HOT = 0b100_110_110  # the sums' bits that only a pair (2-4 in a field) or a full row of AS_GBK (4) sets


def _loud(texts: list[str]) -> list[int]:
    """The texts that may show a sign the step acts on (a superset: the gate, `suspect_many`, `odd_pairs_many` and
    the debris test decide); the others are clean for all of them. A text is loud with a character of `_ALARM`; with
    both scripts' own characters; with two odd characters of its script's off side within `_NEAR`; with four in a
    row whose bytes read as Big5 make frequent characters (the gate's `along`); or with a lone trail byte (an ASCII
    character of a trail byte's range between a Han character or symbol and a non-ASCII one). The gate's `_Batch`
    and the batch signs cost a few dozen numpy calls a batch; this, a dozen: most real pages (nine reviews in ten)
    are let go here."""
    if not texts:
        return []
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + _NEAR, out=starts[1:])
    pad = "\0" * _NEAR  # (no lone byte's neighbour spans two texts; a window that does marks both: a superset)
    points = codepoints(pad.join(texts) + pad)
    bits = _alarms().take(points)
    present = np.bitwise_or.reduceat(bits, starts)  # (an empty text's segment is its pads: 0)
    counts = bits & _COUNTS
    sums = counts[:-3] + counts[1:-2]
    sums += counts[2:-1]
    sums += counts[3:]
    loud = (present & _ALARM) != 0
    loud |= ((present & _SIMP_ONE) != 0) & ((present & _TRAD_ONE) != 0)
    # the windows holding a pair or a row, and their texts: few (positions found in a boolean array: numpy's nonzero
    # on one of 16-bit fields took seven times as long)
    hot = ((sums & _HOT) != 0).nonzero()[0]
    if len(hot):
        where, kinds = starts.searchsorted(hot, side="right") - 1, _WINDOW_HITS.take(sums[hot])
        for kind, own in ((_PAIR_S, _SIMP_ONE), (_PAIR_T, _TRAD_ONE), (_ALONG, None)):
            hit = np.zeros(len(texts), dtype=bool)
            hit[where[(kinds & kind) != 0]] = True
            loud |= hit if own is None else hit & ((present & own) != 0)
    trail = ((bits[1:-1] & _TRAIL_ONE) != 0).nonzero()[0] + 1
    trail = trail[(points[trail + 1] >= 0x80) & ((bits[trail - 1] & _HAN_SYMBOL) != 0)]
    if len(trail):
        loud[starts.searchsorted(trail, side="right") - 1] = True
    return loud.nonzero()[0].tolist()


def _read_as_big5(doc: Document, name: str) -> bool:
    """Whether this step read `doc` back as GBK bytes a Big5 decoder had read (`gbk_as_big5*`): its marks are Big5's,
    one per lost byte, and what is left beside them was read out of step on purpose (`redecode._out_of_step`), so
    realigning it as misaligned GBK would read bytes no character held (a review: `?11奀` -> `。?1十”`). Only where such
    readings wrote half the page or more: a window read so on a GBK page is no sign that the page went through Big5
    (the full-width pass's pages hold such windows, and realign reads them: 4,779 right characters against 4,019 on
    10 such pages when it was skipped there)."""
    read = sum(len(e.after) for e in doc.edits if e.step == name and e.reason.startswith("gbk_as_big5"))
    return 2 * read >= len(doc.text)
