"""Detect a document's script (simplified, traditional, mixed, spun) and restore or convert it with OpenCC.

*Spun* text is simplified Chinese that a content farm forced into traditional characters: it carries spinner
pinyin annotations, or mixes the two scripts inside one sentence. Under the default target `keep`, spun text
is restored to simplified and genuine traditional text (Taiwan, Hong Kong) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from taosha.document import Document
from taosha.errors import ConfigError
from taosha.step import Step, in_place, register

# the tables and detection live in taosha.zh.script; the names below were public here and still import from here
from taosha.zh.script import (  # noqa: F401
    FOREIGN,
    JAPANESE,
    MERGED,
    SIMP,
    STOP,
    TRAD,
    ScriptInfo,
    _supplement_re,
    class_table,
    classes,
    convert,
    converter,
    detect,
    detect_many,
    fix_zhu,
    fold,
    fold_table,
    foreign_runs,
    japanese_only,
    native_text,
    plan,
    slips,
    supplement,
    to_simplified,
)

TARGETS = ("keep", "simplified", "traditional", "tw", "hk")


@register("repair.script")
@dataclass(frozen=True)
class Script(Step):
    """Detect simplified / traditional / mixed / spun script and restore or convert it (OpenCC).

    `target`: `keep` (default: restore spun text to simplified, leave genuine text alone), `simplified`,
    `traditional`, `tw` or `hk` (OpenCC's phrase-aware configurations). Conversions are recorded as edits.
    Signals: `script`, `script_confidence`, `simplified_chars`, `traditional_chars`, `mixed_sentences`,
    `conversion_slips` (counted only when nothing else decided), `script_paragraphs` (lines decided against the
    document's verdict, see `paragraph_scripts`). Japanese and Korean sentences are left out of detection.
    Reads `pinyin_removed` from `repair.pinyin`, so it runs after it.

    >>> from taosha.step import run_one
    >>> from taosha.document import Document
    >>> doc = Document("d", "隨著經濟發展，我們要實現鄉村振興。")
    >>> doc.signals["pinyin_removed"] = 2
    >>> out = Script().process(doc)
    >>> out.text, out.signals["script"]
    ('随着经济发展，我们要实现乡村振兴。', 'spun')
    >>> run_one(Script(), "隨著經濟發展，我們要實現鄉村振興。").text  # genuine traditional: kept
    '隨著經濟發展，我們要實現鄉村振興。'
    """

    target: str = "keep"

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ConfigError(f"repair.script: target must be one of {', '.join(TARGETS)}, not {self.target!r}")

    def setup(self) -> None:
        class_table()
        _supplement_re()  # built on the first traditional text otherwise, in every forked worker
        for name in set(sum((plan(s, self.target) for s in ("spun", "traditional", "simplified")), ())):
            converter(name)

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        infos = detect_many([d.text for d in docs], [int(d.signals.get("pinyin_removed", 0)) for d in docs])
        # simplified text without annotations, under a target that converts no simplified text (most documents):
        # `_apply` would set the six signals and return the document as it is, and so does this, without the calls
        quiet = not plan("simplified", self.target)
        out: list[Document | list[Document]] = []
        for doc, info in zip(docs, infos, strict=True):
            signals = doc.signals
            if quiet and info.script == "simplified" and not signals.get("pinyin_removed") and (
                    signals.get("script") != "spun"):
                signals.update(
                    script="simplified", script_confidence=info.confidence, simplified_chars=info.simplified_chars,
                    traditional_chars=info.traditional_chars, mixed_sentences=info.mixed_sentences,
                    conversion_slips=info.slips)
                out.append(doc)
            else:
                out.append(in_place(self._apply, doc, info))
        return out

    def _apply(self, doc: Document, info: ScriptInfo) -> Document:
        if doc.signals.get("script") == "spun" and info.script != "spun":
            # judged spun by an earlier pass over this document (fix_text's rounds): text repaired since,
            # such as a mojibake stretch decoded into traditional characters, is restored the same way
            info = info._replace(script="spun")
        doc.signals.update(  # doc.tag six times, in one call: every document of a corpus passes here
            script=info.script, script_confidence=info.confidence, simplified_chars=info.simplified_chars,
            traditional_chars=info.traditional_chars, mixed_sentences=info.mixed_sentences,
            conversion_slips=info.slips)
        text = doc.text
        pieces = paragraph_scripts(doc, info)
        if pieces is None:
            if not plan(info.script, self.target):
                return doc
            pieces = [(0, len(text), info.script)]
        else:
            doc.tag("script_paragraphs", sum(1 for *_, label in pieces if label != info.script))
        out, at = [], 0
        for start, end, label in pieces:
            out.append(text[at:start])
            # Japanese and Korean sentences are converted only where the spinner converted them too
            out.append(convert(text[start:end], plan(label, self.target), foreign=label == "spun"))
            at = end
        out.append(text[at:])
        restored = self.target in ("keep", "simplified") and any(label == "spun" for *_, label in pieces)
        reason = "restore_spun" if restored else "to_" + self.target
        return doc.with_text("".join(out), self.name, reason)


# Characters a character-by-character converter never writes: the traditional sides of the merges it cannot
# resolve (后 → 後, 于 → 於, 干 → 幹, 范 → 範, 系 → 係; the real spun page in ../shared has none of them; 麼 is
# left out: the simulator's converter writes it), and words of Taiwan's own vocabulary that no conversion of
# mainland text gives (软件 → 軟件, not 軟體).
GENUINE_CHARS = frozenset("後於幹範係")
GENUINE_WORDS = ("軟體", "硬體", "網路", "滑鼠", "伺服器", "部落格", "螢幕", "印表機", "數位")


_WORDS_AT: dict[str, tuple[str, ...]] = {}
for _w in GENUINE_WORDS:
    _WORDS_AT[_w[0]] = (*_WORDS_AT.get(_w[0], ()), _w)
# one scan for a mark's first character; a word is checked where its first character stands
_GENUINE_RE = re.compile("[" + "".join(sorted(GENUINE_CHARS | set(_WORDS_AT))) + "]")


def _has_genuine_mark(text: str) -> bool:
    for m in _GENUINE_RE.finditer(text):
        c = m.group()
        if c in GENUINE_CHARS or text.startswith(_WORDS_AT[c], m.start()):
            return True
    return False


def genuine(text: str) -> bool:
    """Whether a traditional paragraph shows what only a traditional writer puts down, and no trace of a
    converter: it is kept when the rest of its page is spun.

    >>> genuine("台灣的軟體產業。"), genuine("我們的軟件產業。"), genuine("然後他於是離開了。")
    (True, False, True)
    """
    if not _has_genuine_mark(text):
        return False
    info = detect(text)
    return info.script == "traditional" and info.simplified_chars == 0 and info.slips == 0


def paragraph_scripts(doc: Document, info: ScriptInfo) -> list[tuple[int, int, str]] | None:
    """Each line's script where a document mixes spun and genuine paragraphs, the document's verdict as the prior:
    on a spun page a spinner annotated, a line is kept as genuine when it shows genuine writing and no annotation
    (`genuine`), unless the page's annotated lines show the same marks (then the spinner writes them); a page spun
    by a converter's traces alone goes whole; on a page that is not spun, a line is restored when it is spun by its
    own evidence (annotations, mixed sentences).
    None when every line takes the document's verdict.
    """
    text = doc.text
    annotations = int(doc.signals.get("pinyin_removed", 0))
    if "\n" not in text or (info.script != "spun" and not annotations):
        return None
    if info.script == "spun" and not _has_genuine_mark(text):  # the common case: a spun page through and through
        return None
    if info.script == "spun" and not annotations:
        # spun by a converter's slips or mixed sentences alone, no spinner's annotation: a site's machine-converted
        # edition (big5.xinhuanet.com, news.sina.com.tw), whose phrase-aware converter writes the genuine marks
        # itself: every line goes with its page (line by line, 9 of 11 such DAnIEL pages came out half converted)
        return None
    marks = annotation_points(doc)
    lines, start, k = [], 0, 0
    for line in text.split("\n"):
        end = start + len(line)
        n = 0
        while k < len(marks) and marks[k] <= end:
            n += marks[k] >= start
            k += 1
        lines.append((start, end, line, n))
        start = end + 1
    if info.script == "spun" and any(n and _has_genuine_mark(line) for _, _, line, n in lines):
        # the spinner itself writes the marks (a phrase-aware converter): they tell nothing here. (A line holding a
        # mark and a slip of its own tells less: 90 of DRCD's 1,902 genuine paragraphs with a mark hold a slip too,
        # 皇后, 居于; a machine-converted edition, big5.xinhuanet.com's, keeps its lines with 後 traditional
        # between converted ones, which leaves them as written)
        return None
    out, changed = [], False
    for start, end, line, n in lines:
        label = info.script
        if info.script == "spun":
            if n == 0 and genuine(line):
                label = "traditional"
        elif n:
            own = detect(line, n)
            if own.script == "spun":
                label = "spun"
        changed |= label != info.script
        out.append((start, end, label))
    return out if changed else None


def annotation_points(doc: Document) -> list[int]:
    """Where `repair.pinyin`'s last annotations were removed, as offsets in the current text (ascending): its edits
    at the end of the log, recorded right to left in the text before them."""
    block: list[tuple[int, int]] = []
    for e in reversed(doc.edits):
        if e.step != "repair.pinyin" or (block and e.start <= block[-1][0]):
            break
        block.append((e.start, len(e.before) - len(e.after)))
    out, shift = [], 0
    for start, removed in block:
        out.append(start - shift)
        shift += removed
    return out
