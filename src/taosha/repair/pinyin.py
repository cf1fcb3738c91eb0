"""Remove the pinyin that SEO spinners glue after characters: 經(jīng)濟發(fā)展 → 經濟發展.

An annotation is removed only when it is a valid reading of the character right before it (pypinyin's
readings, heteronyms included). Real parentheses survive: 党委(党组), (二), (2020年), (试行), English or code
in parentheses, and a reading after a character that does not read so, e.g. 我(tái).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from taosha.document import Document
from taosha.step import Step, register
from taosha.zh import HAN
from taosha.zh.readings import (  # noqa: F401  (normalize_reading, readings, reads_as: public here before zh/)
    common,
    is_marked_syllable,
    normalize_reading,
    readings,
    reads_as,
    simplified_char,
    syllables,
)
from taosha.zh.script import SIMP, STOP, TRAD, classes, detect

# One syllable: Latin letters with the tone-marked vowels, an optional tone number; ASCII or full-width
# parentheses. Marks are matched precomposed (repair.nfc runs first; `normalize_reading` also decomposes).
_MARKED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêếềńňǹḿ"
# lower case only: spinners write lower case; capitalised readings are authors' own (邱（Qiū）)
_SYLLABLE = rf"[(（]([a-z{_MARKED}]{{1,7}}[1-5]?)[)）]"
_HAN = HAN
ANNOTATION = re.compile(_SYLLABLE)
# the character before is captured by a one-character lookbehind: one pass finds every candidate (the reference
# `_annotations` gives the same matches: a pattern that starts with a lookbehind is tried at every position)
_WITH_PREVIOUS = re.compile(rf"(?<=(.)){_SYLLABLE}", re.S)


def _annotations(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, the character before, the reading) of each of `_WITH_PREVIOUS`'s matches: `ANNOTATION`'s
    matches but one at the text's start (no character before it; an annotation holds no parenthesis but its
    first, so no match of the lookbehind's pattern starts inside one), found by a scan that skips to a
    parenthesis."""
    return [(m.start(), m.end(), text[m.start() - 1], m.group(1)) for m in ANNOTATION.finditer(text) if m.start()]
_HAN_CHAR = re.compile(f"[{_HAN}]")

@register("repair.pinyin")
@dataclass(frozen=True)
class Pinyin(Step):
    """Remove inline pinyin annotations that are readings of the character before them (spinner damage).

    Annotations are weighed by the page: they are removed where the page shows spinner density (glosses at
    `min_glosses` places at least, orphans below included, and `min_per_1000` per 1,000 Han characters; or one
    reading doubled: `記(jì)(jì)`) or forced
    traditional script (the page without its annotations is spun, see `repair.script`). An isolated gloss in an
    ordinary page is the author's (`莘(shēn)县`) and is kept, and so is an isolated gloss of a rare character
    (outside the 3,755 common ones, `荨(qián)麻`) on any page. Glosses on neighbouring characters
    (`魅（wei）力（li）`) are one gloss when counted and when kept.

    Signals: `pinyin_removed`; `pinyin_glosses` counts glosses kept as the author's; `pinyin_orphans` counts
    annotations kept because they follow a character that is not Han (often mojibake: the reading tells the
    encoding repair what the lost character was).

    >>> from taosha.step import run_one
    >>> d = run_one(Pinyin(), "推動經(jīng)濟發(fā)展，党委(党组)和我(tái)。")
    >>> d.text, d.signals["pinyin_removed"]
    ('推動經濟發展，党委(党组)和我(tái)。', 2)
    >>> run_one(Pinyin(), "山东莘(shēn)县的新闻。").signals["pinyin_glosses"]
    1
    """

    min_glosses: int = 2
    # glosses per 1,000 Han characters a page needs besides: the real spun page in ../shared has 59, its sparsest
    # annotated line 7.6; a 25,000-character essay marking how to read 没 twice (水没(mo)到的膝盖) has 0.1
    min_per_1000: float = 1.0

    def setup(self) -> None:
        syllables()  # the readings, once per process: before the runner forks its workers, not in each of them

    def process(self, doc: Document) -> Document:
        text = doc.text
        if "(" not in text and "（" not in text:
            return doc
        verdicts = _VERDICTS
        if len(verdicts) > 1 << 16:  # garbage makes many one-off keys: keep the cache bounded
            verdicts.clear()
        # a gloss is a run of annotations on neighbouring characters (or doubled on one character); it counts
        # when it holds a valid reading, and only valid readings are removed (a wrong one, 我(tái), stays)
        spans: list[tuple[int, int, str]] = []
        glosses = orphans = 0
        doubled = counted = False
        last_end, last_char, last_verdict = -2, "", _KEEP
        add = spans.append
        for start, end, prev, reading in _annotations(text):  # one scan; the spans are removed in one pass
            if start == last_end and prev in ")）":  # 記(jì)(jì): the reading again, of the same character
                prev = last_char
            key = prev + reading  # the character before and the reading: 經jīng
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = _verdict(prev, reading)
            if verdict == _REMOVE:
                add((start, end, ""))
                if start - last_end > 1:  # not on the next character: a new gloss
                    glosses += 1
                    counted = True
                else:
                    if not counted:
                        glosses += 1
                        counted = True
                    doubled |= start == last_end and last_verdict == _REMOVE
            elif verdict == _WRONG:
                if start - last_end > 1:
                    counted = False
            else:
                orphans += verdict == _ORPHAN  # _KEEP: 党委(党组), (二), a reading after a comma: no gloss
                continue
            last_end, last_char, last_verdict = end, prev, verdict
        if not spans:
            if orphans:
                doc.tag("pinyin_orphans", orphans)
            return doc
        # an orphan is a spinner's annotation whose character mojibake took: it counts towards the density
        spinner = (glosses + orphans >= self.min_glosses and 1000 * (glosses + orphans) >= self.min_per_1000 * len(
            _HAN_CHAR.findall(text))) or doubled or doc.signals.get("script") == "spun"
        if not spinner:  # one gloss: the author's, unless the page was forced into traditional script
            rare = not any(common(simplified_char(text[s - 1])) for s, _, _ in spans)
            spinner = not rare and _forced_traditional(text, spans)
        if spinner:
            doc.replace_spans(spans, self.name, "annotation")
            doc.tag("pinyin_removed", len(spans))
        else:
            doc.tag("pinyin_glosses", glosses)
        if orphans:
            doc.tag("pinyin_orphans", orphans)
        return doc


def _forced_traditional(text: str, spans: list[tuple[int, int, str]]) -> bool:
    """Whether the page, its annotations left out, shows forced traditional script: it is spun (see
    `zh.script.detect`), or mostly traditional with one conversion slip or a simplified character inside a
    traditional sentence."""
    parts, at = [], 0
    for s, e, _ in spans:
        parts.append(text[at:s])
        at = e
    parts.append(text[at:])
    rest = "".join(parts)
    info = detect(rest)
    if info.script == "spun":
        return True
    if info.traditional_chars <= info.simplified_chars:
        return False
    if info.slips:  # one character a converter left behind is enough beside an annotation
        return True
    if not info.simplified_chars:
        return False
    cls = classes(rest)
    sentence = np.cumsum(cls == STOP)
    return bool(np.intersect1d(sentence[cls == SIMP], sentence[cls == TRAD]).size)


@lru_cache(maxsize=4096)
def _is_syllable(annotation: str) -> bool:
    return normalize_reading(annotation)[0] in syllables()


_VERDICTS: dict[str, int] = {}  # per process; a site has a few dozen annotated characters
_KEEP, _REMOVE, _ORPHAN, _WRONG = 0, 1, 2, 3  # _WRONG: a syllable after a Han character it is no reading of


def _verdict(prev: str, reading: str) -> int:
    if _HAN_CHAR.match(prev):
        if reads_as(prev, reading):
            return _REMOVE
        return _WRONG if _is_syllable(reading) else _KEEP
    if prev.isspace() or not is_marked_syllable(reading):
        return _KEEP
    return _ORPHAN  # after garbage, '?' or a stray letter where mojibake lost the character

