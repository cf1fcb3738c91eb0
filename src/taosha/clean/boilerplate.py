"""Line boilerplate from rules that are data (data/boilerplate.toml, extendable by users)."""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

from taosha._data import read_text
from taosha.document import Document
from taosha.errors import ConfigError
from taosha.step import Step, in_place, register
from taosha.textarrays import lay_out
from taosha.zh import HAN
from taosha.zh.script import fold, fold_laid, fold_table

_HAN_CHAR = re.compile(f"[{HAN}]")
MAX_RULE_CHARS = 2000  # with nested repetition refused, a line cap bounds every regex's work
# HTML tags left inside lines (a scraper's residue: 。</p> at a line's end, 段落<br/>文字): known tag names with
# attributes in HTML's own syntax only, so that 如果 a<b 且 b>c stays; <br> is a line break, the others go
_INLINE_TAG = re.compile(
    r"</?(?:p|br|div|span|font|strong|b|i|u|em|li|ul|ol|dl|dt|dd|td|th|tr|table|tbody|h[1-6]|a|img|center)"
    r"""(?:\s+[a-zA-Z-]+(?:=(?:"[^"<>]*"|'[^'<>]*'|[^\s<>"']+))?)*\s*/?>""", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    name: str
    match: str
    patterns: tuple[str, ...]
    max_chars: int
    regex: re.Pattern[str] | None = None
    # for a regex rule: a literal each pattern requires (a line holding none cannot match), when each has one
    anchors: tuple[str, ...] | None = None
    # a line holding more Han characters than this outside the rule's matches is prose that uses its words (公司要先
    # 审查起诉理由才能发表评论。), not the site's own line (分享到：欢迎发表评论): None, any number
    max_other_han: int | None = None

    def matches(self, line: str) -> bool:
        if len(line) > self.max_chars:
            return False
        if self.match == "contains":
            hit = any(p in line for p in self.patterns)
        elif self.match == "prefix":
            head = line.lstrip(" \t\u3000【[")
            hit = head.startswith(self.patterns)
        else:
            assert self.regex is not None
            if self.anchors is not None and not any(a in line for a in self.anchors):
                return False  # substring tests in C before the regex: most lines hold none of them
            hit = self.regex.search(line) is not None
        return hit and (self.max_other_han is None or self.other_han(line) <= self.max_other_han)

    def other_han(self, line: str) -> int:
        """Han characters of `line` outside this rule's matches (every occurrence of a pattern taken out)."""
        if self.regex is not None:
            rest = self.regex.sub("", line)
        else:
            rest = line
            for p in self.patterns:
                rest = rest.replace(p, "")
        return len(_HAN_CHAR.findall(rest))


def required_literal(pattern: str) -> str | None:
    """The longest run of literal characters at the top level of `pattern` (every match contains it), or None.

    >>> required_literal("以下是.{0,12}为大家(?:整理|收集)的"), required_literal("ICP[备证] ?[0-9]")
    ('以下是', 'ICP')
    >>> required_literal("相关|热门") is None, required_literal("(?i)copyright") is None
    (True, True)
    """
    from re import _parser as parser  # type: ignore[attr-defined]

    tree = parser.parse(pattern)
    if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None  # the text of a literal is not what it matches
    return _longest_literal(tree.data)


def _longest_literal(items) -> str | None:
    from re import _constants as sre_constants  # type: ignore[attr-defined]

    best = run = ""
    for op, av in items:
        if op == sre_constants.LITERAL:
            run += chr(av)
            best = max(best, run, key=len)
        else:
            run = ""
    return best or None


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literals one of which every match of `pattern` contains: `required_literal`'s, else those of a group at
    the top level whose every branch requires one (`(?:相关|热门)文章` has no literal of its own but holds 相关 or
    热门), or None.

    >>> required_literals("以下是.{0,12}为大家"), required_literals("^(?:相关|热门)(?:文章|推荐)[:：]")
    (('以下是',), ('相关', '热门'))
    >>> required_literals("(?:相关|.)文章x"), required_literals("(?:相关|.)"), required_literals("(?i:abc|de)")
    (('文章x',), None, None)
    """
    from re import _parser as parser  # type: ignore[attr-defined]

    tree = parser.parse(pattern)
    if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    return _literals(tree.data)


def _literals(items) -> tuple[str, ...] | None:
    from re import _constants as sre_constants  # type: ignore[attr-defined]

    best = _longest_literal(items)
    if best is not None:
        return (best,)
    for op, av in items:  # items in sequence: every match passes through each of them
        if op == sre_constants.SUBPATTERN and not av[1] & (re.IGNORECASE | re.VERBOSE):
            found = _literals(av[-1].data)
        elif op == sre_constants.BRANCH:
            found = None
            alternatives: list[str] = []
            for branch in av[1]:
                lits = _literals(branch.data)
                if lits is None:
                    break
                alternatives += lits
            else:
                found = tuple(dict.fromkeys(alternatives))
        else:
            continue
        if found is not None:
            return found
    return None


def check_linear(pattern: str) -> None:
    """Refuse regexes whose matching can blow up: repetition inside repetition, backreferences.

    >>> check_linear("以下是.{0,12}为大家")
    >>> check_linear("(a+)+b")
    Traceback (most recent call last):
    ...
    taosha.errors.ConfigError: boilerplate pattern '(a+)+b' nests a repetition inside a repetition; ...
    """
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as parser  # type: ignore[attr-defined]  # the stdlib parser: the tree re compiles

    def walk(items, inside: bool) -> None:
        for op, av in items:
            if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
                _lo, hi, sub = av
                unbounded = hi == sre_constants.MAXREPEAT or hi > 100
                if inside and unbounded:
                    raise ConfigError(f"boilerplate pattern {pattern!r} nests a repetition inside a repetition; "
                                      "rewrite it with bounded repeats ({0,N}) so matching stays linear")
                walk(sub, inside or unbounded or hi > 1)
            elif op == sre_constants.SUBPATTERN:
                walk(av[-1], inside)
            elif op == sre_constants.BRANCH:
                for branch in av[1]:
                    walk(branch, inside)
            elif op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
                raise ConfigError(f"boilerplate pattern {pattern!r} uses a backreference, which can match "
                                  "in exponential time")

    try:
        tree = parser.parse(pattern)
    except re.error as exc:
        raise ConfigError(f"boilerplate pattern {pattern!r} is not a valid regex: {exc}") from None
    walk(tree.data, False)


def load_rules(text: str, where: str) -> list[Rule]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    rules = []
    for k, item in enumerate(data.get("rule", [])):
        name, match = item.get("name"), item.get("match")
        patterns = tuple(item.get("patterns", ()))
        max_chars = int(item.get("max_chars", 200))
        if not isinstance(name, str) or match not in ("contains", "prefix", "regex") or not patterns:
            raise ConfigError(f"{where}: rule {k + 1} needs name, match (contains|prefix|regex) and patterns")
        if not 0 < max_chars <= MAX_RULE_CHARS:
            raise ConfigError(f"{where}: rule {name!r}: max_chars must be 1..{MAX_RULE_CHARS}")
        other = item.get("max_other_han")
        if other is not None and (not isinstance(other, int) or isinstance(other, bool) or other < 0):
            raise ConfigError(f"{where}: rule {name!r}: max_other_han must be a whole number, 0 or more")
        regex, anchors = None, None
        if match == "regex":
            for p in patterns:
                check_linear(p)
            try:
                regex = re.compile("|".join(f"(?:{p})" for p in patterns))
            except re.error as exc:  # valid alone, not joined: a global flag such as (?i) not at the start
                raise ConfigError(f"{where}: rule {name!r}: its patterns are joined as (?:...)|(?:...), where {exc}; "
                                  "scope a flag to its pattern: (?i:all rights reserved)") from None
            literals = [required_literals(p) for p in patterns]
            anchors = None if None in literals else tuple(dict.fromkeys(a for lits in literals if lits for a in lits))
        rules.append(Rule(name, match, patterns, max_chars, regex, anchors, other))
    return rules


def rules_from(paths: tuple[str, ...]) -> tuple[Rule, ...]:
    """The built-in rules and those of `paths` (cached while the files stay the same)."""
    key = []
    for p in paths:
        try:
            st = Path(p).stat()
        except OSError as exc:
            raise ConfigError(f"boilerplate rules {p}: {exc.strerror}") from None
        key.append((p, st.st_mtime_ns, st.st_size))
    return _rules_from(tuple(key))


@lru_cache(maxsize=8)
def _rules_from(files: tuple[tuple[str, int, int], ...]) -> tuple[Rule, ...]:
    paths = [f[0] for f in files]
    out = load_rules(read_text("boilerplate.toml"), "data/boilerplate.toml")
    for p in paths:
        try:
            out += load_rules(Path(p).read_text(encoding="utf-8"), p)
        except OSError as exc:
            raise ConfigError(f"boilerplate rules {p}: {exc.strerror}") from None
    return tuple(out)


@register("clean.boilerplate")
@dataclass(frozen=True)
class Boilerplate(Step):
    """Remove boilerplate lines (source footers, ICP/copyright, navigation, share prompts, site intros, SEO filler)
    and HTML tags left inside lines (`markup_residue`, like the rule for lines that are nothing but a tag).

    Rules are data: `data/boilerplate.toml`, plus the files in `rules`. `skip` turns rules off by name. Lines are
    matched with traditional characters folded to simplified (`zh.script.fold`): the rules hold for both.
    Each removed line is an edit whose reason is the rule's name.

    >>> from taosha.step import run_one
    >>> run_one(Boilerplate(), "正文第一段。\\n本文地址：http://www.example.com/a.html\\n上一篇：工作总结").text
    '正文第一段。'
    >>> run_one(Boilerplate(), "正文第一段。\\n本文地址：http://www.example.com/a.html\\n上一篇：工作總結").text
    '正文第一段。'
    """

    rules: tuple[str, ...] = ()
    skip: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        rules_from(tuple(self.rules))  # fail at construction on a bad rule file

    def setup(self) -> None:
        # once per worker, not per document: the rule files are read (and stat'ed) here
        object.__setattr__(self, "_by_length", _by_length(self._rules()))
        object.__setattr__(self, "_starts", _LiteralStarts.of(self._rules()))
        fold_table()

    def _rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in rules_from(tuple(self.rules)) if r.name not in self.skip)

    def process(self, doc: Document) -> Document:
        return self._clean(doc, fold(doc.text))

    def process_batch(self, docs: list[Document]) -> list[Document | list[Document]]:
        _, _, gate, ungated = self.__dict__.get("_by_length") or _by_length(self._rules())
        texts = [d.text for d in docs]
        if not texts:
            return []
        points, starts, lengths = lay_out(texts)
        folded, folded_points = fold_laid(texts, points, starts, lengths)  # one pass to fold them
        if gate is None or any(ungated):
            return [in_place(self._clean, doc, f) for doc, f in zip(docs, folded, strict=True)]
        # every rule needs a literal: a text in which the gate finds none, and without a `<` for the markup
        # rule, is one `_clean` leaves as it is (most documents), without the call; the gate's scan runs only on
        # the texts where some literal's first two characters stand (found for the batch in numpy)
        literal_starts = self.__dict__.get("_starts") or _LiteralStarts.of(self._rules())
        maybe = literal_starts.texts(folded_points, starts)
        markup = "markup_residue" not in self.skip
        search = gate.search
        return [in_place(self._clean, doc, f) if (k in maybe and search(f) is not None) or (markup and "<" in t)
                else doc for k, (doc, f, t) in enumerate(zip(docs, folded, texts, strict=True))]

    def _clean(self, doc: Document, text: str) -> Document:
        """Clean `doc`, whose text folded to simplified is `text`."""
        limits, groups, gate, ungated = self.__dict__.get("_by_length") or _by_length(self._rules())
        # rules are written in simplified: they match on the text folded to simplified, character for character,
        # so a traditional page (a Taiwan site, or repair.script's traditional target) loses the same lines
        # the lines holding a literal that some rule needs, found in one pass over the text (in C); the other
        # lines are tried against the rules that need none only. A literal holds no line break, so a match lies
        # in one line; a literal hidden by an overlapping match of another lies in that match's line
        hit: set[int] | None = None
        m = None if gate is None else gate.search(text)
        if m is None and gate is not None and not any(ungated):
            lines: list[str] = []  # no literal, and every rule needs one: no line can match (most documents)
        else:
            lines = text.split("\n")
        if gate is not None:
            hit = set()
            if m is not None:
                ends = list(accumulate(len(line) + 1 for line in lines))
                while m is not None:
                    hit.add(bisect_right(ends, m.start()))
                    m = gate.search(text, ends[bisect_right(ends, m.start())])  # on from the next line
        removed: dict[int, str] = {}
        for k, line in enumerate(lines):
            stripped = line.strip()
            if stripped:
                at = bisect_left(limits, len(stripped))
                if at < len(limits):  # the rules a line this long may match
                    for rule in groups[at] if hit is None or k in hit else ungated[at]:
                        if rule.matches(stripped):
                            removed[k] = rule.name
                            break
        if removed:
            doc.tag("boilerplate_lines", len(removed))
            doc.remove_lines(removed, self.name)
        if "markup_residue" not in self.skip and "<" in doc.text:  # a substring test first: most text has none
            tags = len(_INLINE_TAG.findall(doc.text))
            if tags:
                doc.sub(_INLINE_TAG, _tag_out, self.name, "markup_residue")
                doc.tag("markup_tags", tags)
        return doc


def _tag_out(m: re.Match[str]) -> str:
    return "\n" if m.group()[1:3].lower() == "br" else ""


def _by_length(
    rules: tuple[Rule, ...],
) -> tuple[list[int], list[tuple[Rule, ...]], re.Pattern[str] | None, list[tuple[Rule, ...]]]:
    """The rules' distinct `max_chars`, ascending, and for each the rules (in order) that apply to lines that long:
    a long line, the common case, is tried against the few rules that take long lines. Then a regex finding any of
    the literals that rules need (a line matches a rule only if it holds one of the rule's: `needs`), None when
    no rule needs one, and for each length the rules that need none (tried on every line)."""
    limits = sorted({r.max_chars for r in rules})
    groups = [tuple(r for r in rules if r.max_chars >= limit) for limit in limits]
    literals = sorted({lit for r in rules for lit in needs(r) or ()}, key=lambda lit: (-len(lit), lit))
    gate = re.compile("|".join(map(re.escape, literals))) if literals else None
    return limits, groups, gate, [tuple(r for r in g if needs(r) is None) for g in groups]


@dataclass(frozen=True)
class _LiteralStarts:
    """The gate's literals by their first characters: which texts of a batch may hold one, in a few numpy calls
    (the gate's regex scan costs tens of instructions a character, and most texts hold no literal)."""

    marks: np.ndarray | None  # per code point: 1 a longer literal's first character, 2 a one-character literal
    heads: np.ndarray  # sorted keys of the longer literals' first three characters (two for a literal of two)

    @staticmethod
    def of(rules: tuple[Rule, ...]) -> _LiteralStarts:
        literals = {lit for r in rules for lit in needs(r) or ()}
        if not literals or any("\0" in lit for lit in literals):
            return _LiteralStarts(None, np.zeros(0, dtype=np.uint64))  # every text is scanned
        marks = np.zeros(0x110000, dtype=np.uint8)
        for lit in literals:
            marks[ord(lit[0])] |= 1 if len(lit) > 1 else 2
        heads = sorted({_head(*map(ord, lit[:3])) for lit in literals if len(lit) > 1})
        return _LiteralStarts(marks, np.array(heads, dtype=np.uint64))

    def texts(self, points: np.ndarray, starts: np.ndarray) -> set[int] | range:
        """The numbers of the texts (laid out by `lay_out`, one NUL after the last) in which some literal's first
        characters (three, or both of a two-character one) stand: a superset of those that hold a literal (a
        head that runs from one text into the next counts for the first)."""
        if self.marks is None:
            return range(len(starts))
        marks = np.take(self.marks, points, mode="clip")  # a code point is below 0x110000
        at = np.flatnonzero(marks != 0)  # a bool mask: numpy's nonzero calls a function per byte of a uint8 one
        if not len(at):
            return set()
        first = at[(marks[at] & 1) != 0]  # never the last position: the NUL, which no literal holds
        second = points[first + 1].astype(np.uint64)
        third = points[np.minimum(first + 2, len(points) - 1)].astype(np.uint64)  # the NUL past the end
        two = _head(points[first].astype(np.uint64), second)
        held = (_among(two | third, self.heads) | _among(two, self.heads)) if len(self.heads) else first < 0
        found = np.concatenate((at[(marks[at] & 2) != 0], first[held]))
        return set((np.searchsorted(starts, found, side="right") - 1).tolist())


def _among(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """`np.isin(keys, table)` for a sorted, non-empty `table` of a few dozen keys: a binary search each, not a sort
    of both together."""
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    found: np.ndarray = table[at] == keys
    return found


def _head(first: Any, second: Any, third: Any = 0) -> Any:
    """A literal's first three code points (two and a 0) as one key; the same for scalars and uint64 arrays."""
    return (first << 42) | (second << 21) | third


def needs(rule: Rule) -> tuple[str, ...] | None:
    """Literals one of which every line that `rule` matches holds, or None when it has no such list.

    >>> needs(Rule("x", "prefix", ("上一篇", "下一篇"), 150))
    ('上一篇', '下一篇')
    """
    if "\n" in "".join(rule.patterns):
        return None  # the gate looks for literals within lines
    if rule.match in ("contains", "prefix"):  # a prefix of the stripped line is in the line
        return rule.patterns
    return rule.anchors
