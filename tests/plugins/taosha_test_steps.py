"""Steps used only by the tests: a slow step (to kill a run midway), a splitter, a two-pass step, a crasher.

Loaded through `plugins = ["taosha_test_steps"]` with tests/plugins on PYTHONPATH, as a user's would be.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from taosha.document import Document
from taosha.step import CorpusStep, Step, register


@register("test.slow")
@dataclass(frozen=True)
class Slow(Step):
    """Sleep a little per document."""

    seconds: float = 0.01

    def process(self, doc: Document) -> Document:
        time.sleep(self.seconds)
        return doc


@register("test.split_paragraphs")
@dataclass(frozen=True)
class SplitParagraphs(Step):
    """Split at blank lines (each part keeps its separator)."""

    def process(self, doc: Document) -> Document | list[Document]:
        cuts = []
        at = doc.text.find("\n\n")
        while at >= 0:
            cuts.append(at + 2)
            at = doc.text.find("\n\n", at + 2)
        return doc.split(cuts, self.name) if cuts else doc


@register("test.drop_repeated")
@dataclass(frozen=True)
class DropRepeated(CorpusStep):
    """Two passes: drop every document whose text occurs more than once in the corpus."""

    counts: dict[str, int] = field(default_factory=dict)

    def new_state(self) -> Counter:
        return Counter()

    def observe(self, doc: Document, state: Counter) -> Counter:
        state[doc.text] += 1
        return state

    def merge(self, a: Counter, b: Counter) -> Counter:
        a.update(b)
        return a

    def prepare(self, state: Counter) -> Step:
        return _DropRepeatedPrepared(counts=dict(state))


@dataclass(frozen=True)
class _DropRepeatedPrepared(Step):
    counts: dict[str, int] = field(default_factory=dict)
    name = "test.drop_repeated"

    def process(self, doc: Document) -> Document:
        n = self.counts.get(doc.text, 0)
        doc.tag("copies", n)
        return doc.drop(self.name, "repeated", f"{n} copies") if n > 1 else doc


@register("test.observe_crash_on")
@dataclass(frozen=True)
class ObserveCrashOn(CorpusStep):
    """Two passes like test.drop_repeated, but observe and process raise on documents containing `marker`
    (observe after changing the state: a half-done update the runner must not keep)."""

    marker: str = "崩溃"

    def new_state(self) -> Counter:
        return Counter()

    def observe(self, doc: Document, state: Counter) -> Counter:
        state[doc.text] += 1
        if self.marker in doc.text:
            raise RuntimeError("simulated bug in observe")
        return state

    def merge(self, a: Counter, b: Counter) -> Counter:
        a.update(b)
        return a

    def prepare(self, state: Counter) -> Step:
        return _ObserveCrashPrepared(counts=dict(state), marker=self.marker)


@dataclass(frozen=True)
class _ObserveCrashPrepared(Step):
    counts: dict[str, int] = field(default_factory=dict)
    marker: str = "崩溃"
    name = "test.observe_crash_on"

    def process(self, doc: Document) -> Document:
        if self.marker in doc.text:
            raise RuntimeError("simulated bug in process")
        n = self.counts.get(doc.text, 0)
        doc.tag("copies", n)
        return doc.drop(self.name, "repeated", f"{n} copies") if n > 1 else doc


@register("test.crash_on")
@dataclass(frozen=True)
class CrashOn(Step):
    """Raise on documents containing `marker` (after making an edit)."""

    marker: str = "崩溃"

    def process(self, doc: Document) -> Document:
        if self.marker in doc.text:
            doc.replace(0, 0, "!", self.name, "before_crash")
            raise RuntimeError("simulated bug")
        return doc


@register("test.kill")
@dataclass(frozen=True)
class Kill(Step):
    """SIGKILL the worker process on the document `doc_id`, as the out-of-memory killer would.

    `once`: a file the step creates before dying, and finding it, lets the document pass (the retry lives).
    `while_exists`: die only while this file exists (the test removes it to resume)."""

    doc_id: str = ""
    once: str = ""
    while_exists: str = ""

    def process(self, doc: Document) -> Document:
        import os
        import signal

        if doc.id != self.doc_id or (self.while_exists and not os.path.exists(self.while_exists)):
            return doc
        if self.once:
            try:
                os.close(os.open(self.once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return doc
        os.kill(os.getpid(), signal.SIGKILL)
        return doc


@register("test.busy")
@dataclass(frozen=True)
class Busy(Step):
    """Spend `seconds` of CPU time per document (not sleep: the time per step counts CPU time)."""

    seconds: float = 0.002

    def process(self, doc: Document) -> Document:
        end = time.process_time() + self.seconds
        while time.process_time() < end:
            pass
        return doc
