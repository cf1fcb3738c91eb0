"""Detect a document's script (simplified, traditional, mixed, spun) and restore or convert it with OpenCC.

*Spun* text is simplified Chinese that a content farm forced into traditional characters: it carries spinner
pinyin annotations, or mixes the two scripts inside one sentence. Under the default target `keep`, spun text
is restored to simplified and genuine traditional text (Taiwan, Hong Kong) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np

from taosha.document import Document
from taosha.errors import ConfigError
from taosha.step import Step, register
from taosha.textarrays import codepoints, lay_out, per_text

TARGETS = ("keep", "simplified", "traditional", "tw", "hk")


SIMP, TRAD, STOP = 1, 2, 3  # classes in the lookup table; STOP ends a sentence
_STOPS = "。！？!?；;\n"


@lru_cache(maxsize=1)
def _tables() -> tuple[str, str]:
    """(simplified-only, traditional-only) characters, from data/script_chars.txt (see its header)."""
    text = (resources.files("taosha") / "data" / "script_chars.txt").read_text(encoding="utf-8")
    sets = dict(line.split("\t", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return sets["simplified_only"], sets["traditional_only"]


@lru_cache(maxsize=1)
def _lookup() -> np.ndarray:
    """A class per code point (1.1 MB): counting a text's classes is one vectorised lookup."""
    simp, trad = _tables()
    lut = np.zeros(0x110000, dtype=np.uint8)
    lut[[ord(c) for c in simp]] = SIMP
    lut[[ord(c) for c in trad]] = TRAD
    lut[[ord(c) for c in _STOPS]] = STOP
    return lut


def classes(text: str) -> np.ndarray:
    return _lookup()[codepoints(text)]


@lru_cache(maxsize=16)
def converter(config: str):
    import opencc

    return opencc.OpenCC(f"{config}.json")


class ScriptInfo(NamedTuple):
    script: str  # simplified | traditional | mixed | spun | neutral
    confidence: float
    simplified_chars: int  # characters found only in simplified text
    traditional_chars: int  # characters found only in traditional text
    mixed_sentences: int  # sentences holding both kinds (counted only when no annotation decided already)
    slips: int = 0  # places betraying a character-by-character conversion (counted only without other evidence)


# Characters that are also traditional but stand, in simplified writing, for a merged traditional character that
# traditional writing uses in nearly every word: 后 (後; 后 only in 皇后), 于 (於; 于 a surname), 干 (幹/乾), 范 (範),
# 准 (準), 几 (幾), 划 (劃), 么 (麼), 复 (復/複), 系 (係/繫). A character-by-character converter cannot choose, so
# spinners leave them as they are (the real page in the shared corpus: 干 292 times, 于 159, 范 132, 后 58 where
# its gold has 幹部, 於, 規範, 今後). Pairs where both forms are standard in Taiwan (布/佈, 周/週, 占/佔) or common
# in names (里, 余) are left out: they are not evidence.
MERGED = frozenset("于后干范准几划么复系")
_MERGED_POINTS = np.array(sorted(map(ord, MERGED)), dtype=np.uint32)
SLIP_RATE = 0.005  # slips per Han character that make a document spun (with two different slips at least)


def slips(text: str) -> list[str]:
    """Each character of MERGED that OpenCC's phrase-aware conversion writes otherwise in its context, and each
    simplified-only character: what a character-by-character converter leaves behind (one entry per place).

    >>> sorted(slips("頰鱗雀鯛分布于印度西太平洋區，前鰓蓋骨后緣具鋸齒，索羅門羣岛。"))
    ['于', '后', '岛']
    >>> slips("皇后於是分布在印度西太平洋區。")
    []
    """
    points = codepoints(text)
    found = [chr(c) for c in points[_lookup()[points] == SIMP].tolist()]
    if not MERGED.isdisjoint(text):
        rt = codepoints(converter("s2t").convert(converter("t2s").convert(text)))
        if len(rt) == len(points):  # OpenCC's character tables keep lengths; a phrase that does not is skipped
            at = np.isin(points, _MERGED_POINTS) & (points != rt)
            found.extend(chr(c) for c in points[at].tolist())
    return found


def _han(points: np.ndarray) -> int:
    return int(np.count_nonzero((points >= 0x4E00) & (points <= 0x9FFF)))


def detect(text: str, annotations: int = 0, *, look_for_slips: bool = True) -> ScriptInfo:
    """Classify a text's script from its script-specific characters and spinner evidence.

    Spun: mostly traditional characters plus evidence of forced conversion: a spinner annotation, or two sentences
    that hold both simplified-only and traditional-only characters (writers do not mix scripts inside a
    sentence) when at least two different simplified-only characters occur, or the traces a
    character-by-character converter leaves (`slips`): two different ones at least, and one per 200 Han
    characters. Genuine traditional text has them too (literary 于, a name, a typing slip), but rarely and spread
    thin: none of 2,282 genuine documents, nor any 300-character piece of them, passes (see the README).

    >>> detect("我们要推动经济发展。").script, detect("我們要推動經濟發展。").script
    ('simplified', 'traditional')
    >>> detect("我們要推動經濟發展。", annotations=3).script, detect("我們要推动經濟发展。我們發现。").script
    ('spun', 'spun')
    """
    points = codepoints(text)
    cls = _lookup()[points]
    counts = np.bincount(cls, minlength=4)
    return _decide(text, int(counts[SIMP]), int(counts[TRAD]), annotations, look_for_slips, points, cls)


def detect_many(texts: list[str], annotations: list[int]) -> list[ScriptInfo]:
    """`detect` for several texts, with the class counts of them all taken in one pass.

    >>> [i.script for i in detect_many(["我们要推动经济发展。", "我們要推動經濟發展。", "。"], [0, 3, 0])]
    ['simplified', 'spun', 'neutral']
    """
    if not texts:
        return []
    points, starts, lengths = lay_out(texts)
    cls = _lookup()[points]  # the NUL after the last text has class 0
    simp = per_text(np.add, cls == SIMP, starts, lengths)
    trad = per_text(np.add, cls == TRAD, starts, lengths)
    return [_decide(t, s, r, a, True)
            for t, s, r, a in zip(texts, simp.tolist(), trad.tolist(), annotations, strict=True)]


def _decide(
    text: str, simp: int, trad: int, annotations: int, look_for_slips: bool,
    points: np.ndarray | None = None, cls: np.ndarray | None = None,
) -> ScriptInfo:
    """`detect`'s verdict from the class counts; the code points and classes are computed only when the
    counts do not decide (both scripts present, or a traditional text that may hide a converter's slips)."""
    total = simp + trad
    if total == 0:
        return ScriptInfo("neutral", 1.0, 0, 0, 0)
    share = trad / total
    mixed = 0
    if simp and trad and annotations == 0:  # with an annotation the verdict is already "spun"
        if points is None or cls is None:
            points = codepoints(text)
            cls = _lookup()[points]
        is_simp = cls == SIMP
        leftovers = points[is_simp]
        if leftovers.min() != leftovers.max():  # one simplified character repeated is a regional or name
            sentence = np.cumsum(cls == STOP)  # usage (并, 庄), not conversion
            n = int(sentence[-1]) + 1
            has_simp = np.bincount(sentence[is_simp], minlength=n) > 0
            has_trad = np.bincount(sentence[cls == TRAD], minlength=n) > 0
            mixed = int(np.count_nonzero(has_simp & has_trad))
    evidence = 2 * annotations + mixed  # one valid reading glued to a character is already strong evidence
    n_slips = 0
    if look_for_slips and share > 0.5 and evidence < 2:  # a converter's traces (costs two conversions)
        found = slips(text)
        n_slips = len(found)
        if len(set(found)) >= 2 and n_slips >= SLIP_RATE * _han(codepoints(text) if points is None else points):
            evidence = 2
    if share > 0.5 and evidence >= 2:  # mostly traditional: a simplified text with a few variants is not spun
        return ScriptInfo("spun", round(min(1.0, 0.5 + 0.05 * evidence), 3), simp, trad, mixed, n_slips)
    if share >= 0.9:
        return ScriptInfo("traditional", round(share, 3), simp, trad, mixed, n_slips)
    if share <= 0.1:
        return ScriptInfo("simplified", round(1 - share, 3), simp, trad, mixed)
    return ScriptInfo("mixed", round(1 - abs(share - 0.5) * 2, 3), simp, trad, mixed, n_slips)


def plan(script: str, target: str) -> tuple[str, ...]:
    """The OpenCC configurations to apply, in order, to bring `script` to `target`.

    >>> plan("spun", "keep"), plan("traditional", "keep"), plan("spun", "tw"), plan("traditional", "simplified")
    (('t2s',), (), ('t2s', 's2twp'), ('t2s',))
    """
    if target == "keep":
        return ("t2s",) if script == "spun" else ()
    if target == "simplified":
        return ("t2s",) if script in ("spun", "traditional", "mixed") else ()
    restore = ("t2s",) if script == "spun" else ()
    if target == "traditional":
        return () if script == "traditional" else (*restore, "s2t")
    region = {"tw": ("s2twp", "t2tw"), "hk": ("s2hk", "t2hk")}[target]
    return (region[1],) if script == "traditional" else (*restore, region[0])


# 著 is the simplified form only for zhù ("to write", "marked"); as the aspect particle and in zhuó/zháo
# words simplified text writes 着. OpenCC's t2s keeps 著 everywhere, so it is resolved from its neighbours.
ZHU_AFTER = frozenset("名作称述者录书有译文说")  # 著名 著作 著称 …
ZHU_BEFORE = frozenset("显原名卓论专编合巨译土昭遗新拙大所撰杰遥较")  # 显著 原著 名著 … 昭著 较著
_ZHU = re.compile("著")


def fix_zhu(text: str) -> str:
    """Turn 著 into 着 except in 著-words (著名, 显著, 原著, …).

    >>> fix_zhu("随著时间推移，围绕著中心，意味著变化；原著、显著、著名、著作不变。")
    '随着时间推移，围绕着中心，意味着变化；原著、显著、著名、著作不变。'
    """
    if "著" not in text:
        return text
    return _ZHU.sub(_zhu_or_zhe, text)


def _zhu_or_zhe(m: re.Match[str]) -> str:
    text, i = m.string, m.start()
    if (i and text[i - 1] in ZHU_BEFORE) or text[i + 1 : i + 2] in ZHU_AFTER:
        return "著"
    return "着"


@register("repair.script")
@dataclass(frozen=True)
class Script(Step):
    """Detect simplified / traditional / mixed / spun script and restore or convert it (OpenCC).

    `target`: `keep` (default: restore spun text to simplified, leave genuine text alone), `simplified`,
    `traditional`, `tw` or `hk` (OpenCC's phrase-aware configurations). Conversions are recorded as edits.
    Signals: `script`, `script_confidence`, `simplified_chars`, `traditional_chars`, `mixed_sentences`,
    `conversion_slips` (counted only when nothing else decided).
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
        _lookup()
        for name in set(sum((plan(s, self.target) for s in ("spun", "traditional", "simplified")), ())):
            converter(name)

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        infos = detect_many([d.text for d in docs], [int(d.signals.get("pinyin_removed", 0)) for d in docs])
        out: list[Document | list[Document]] = []
        for doc, info in zip(docs, infos, strict=True):
            try:
                out.append(self._apply(doc, info))
            except Exception as exc:  # handed to the runner in the document's place
                out.append(exc)  # type: ignore[arg-type]
        return out

    def _apply(self, doc: Document, info: ScriptInfo) -> Document:
        if doc.signals.get("script") == "spun" and info.script != "spun":
            # judged spun by an earlier pass over this document (fix_text's rounds): text repaired since,
            # such as a mojibake stretch decoded into traditional characters, is restored the same way
            info = info._replace(script="spun")
        doc.tag("script", info.script)
        doc.tag("script_confidence", info.confidence)
        doc.tag("simplified_chars", info.simplified_chars)
        doc.tag("traditional_chars", info.traditional_chars)
        doc.tag("mixed_sentences", info.mixed_sentences)
        doc.tag("conversion_slips", info.slips)
        steps = plan(info.script, self.target)
        if not steps:
            return doc
        text = doc.text
        for name in steps:
            text = converter(name).convert(text)
        if steps[-1] == "t2s":
            text = fix_zhu(text)
        restored = info.script == "spun" and self.target in ("keep", "simplified")
        reason = "restore_spun" if restored else "to_" + self.target
        return doc.with_text(text, self.name, reason)
