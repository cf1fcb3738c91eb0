"""taosha's steps as one datatrove `PipelineStep`, so that a datatrove pipeline can call our repairs.

```python
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from taosha.integrations.datatrove import TaoshaStep

LocalPipelineExecutor(pipeline=[JsonlReader("crawl/"), TaoshaStep(), JsonlWriter("clean/")]).run()
```

Each datatrove `Document` goes through the steps as a taosha document: its text is replaced by the repaired text,
a dropped document leaves the pipeline (counted in datatrove's stats as `dropped/STEP/REASON`), a split one
becomes its parts (ids `ID#1`, `ID#2`...), and taosha's signals land in `metadata["taosha"]["signals"]` with the
number of edits (or, with `keep_edits=True`, the edit log that `taosha.restore_original` replays). Two-pass steps
(the `dedup.*` ones) need the whole corpus before they drop anything, which a streaming step cannot give: they
are left out of the default pipeline here and refused when named (use datatrove's own dedup blocks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from taosha.config import DEFAULT_STEPS
from taosha.document import Document
from taosha.errors import ConfigError, MissingExtraError
from taosha.step import CorpusStep, Step, build_step, run_batch

try:
    from datatrove.data import Document as DatatroveDocument
    from datatrove.pipeline.base import PipelineStep
except ImportError as exc:  # pragma: no cover - the message is the point
    raise MissingExtraError(f"taosha.integrations.datatrove needs datatrove: pip install datatrove ({exc})") from None

BATCH = 64  # documents per call into the steps (see Step.process_batch)


class TaoshaStep(PipelineStep):
    """Run taosha steps (names, or step objects; default: the default pipeline without two-pass steps)."""

    name = "🏖 taosha"
    type = "✂️ - FORMAT"

    def __init__(self, steps: Iterable[str | Step] | None = None, keep_edits: bool = False) -> None:
        super().__init__()
        if steps is None:
            built = [build_step(n, {}) for n in DEFAULT_STEPS]
            built = [s for s in built if not isinstance(s, CorpusStep)]
        else:
            built = [build_step(s, {}) if isinstance(s, str) else s for s in steps]
            corpus = [s.name for s in built if isinstance(s, CorpusStep)]
            if corpus:
                raise ConfigError(
                    f"{', '.join(corpus)}: two-pass steps need the whole corpus and cannot run inside a datatrove "
                    "step; use taosha clean, or datatrove's own dedup blocks"
                )
        self.steps: list[Step] = built
        self.keep_edits = keep_edits
        self._ready = False

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[DatatroveDocument]:
        if not self._ready:
            for s in self.steps:
                s.setup()
            self._ready = True
        batch: list[DatatroveDocument] = []
        for doc in data:
            self.stat_update("documents")
            batch.append(doc)
            if len(batch) >= BATCH:
                yield from self._process(batch)
                batch = []
        if batch:
            yield from self._process(batch)

    def _process(self, batch: list[DatatroveDocument]) -> Iterator[DatatroveDocument]:
        with self.track_time("batch"):
            docs = [Document(d.id, d.text, dict(d.metadata)) for d in batch]
            by_id = {d.id: d for d in batch}
            out = run_batch(self.steps, docs, catch=True)
        for doc in out:
            origin = by_id.get(doc.parent["id"] if doc.parent else doc.id) or batch[0]
            if doc.dropped is not None:
                self.stat_update(f"dropped/{doc.dropped.step}/{doc.dropped.reason}")
                continue
            note: dict[str, Any] = {"signals": doc.signals}
            if self.keep_edits:
                note["edits"] = [e.to_json() for e in doc.edits]
            else:
                note["edit_count"] = len(doc.edits)
            if doc.parent is not None:
                note["parent"] = {k: v for k, v in doc.parent.items() if k != "edits" or self.keep_edits}
            self.stat_update("kept")
            if doc.edits:
                self.stat_update("changed")
            # the document's metadata as the steps left it (pii.mask may mask fields in it)
            yield DatatroveDocument(text=doc.text, id=doc.id, media=list(origin.media),
                                    metadata={**doc.metadata, "taosha": note})
