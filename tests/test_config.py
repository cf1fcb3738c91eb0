"""taosha.config: public spellings that were renamed keep working."""

from __future__ import annotations

from taosha import Document
from taosha.config import PipelineConfig, StepSpec, load_config


def test_near_keep_best_quality_accepts_the_old_hyphenated_spelling(tmp_path):
    conf = tmp_path / "pipe.toml"
    conf.write_text('[[steps]]\nuse = "dedup.near"\nkeep = "best-quality"\n', encoding="utf-8")
    (old,) = load_config(conf).build()
    (new,) = PipelineConfig(steps=[StepSpec("dedup.near", {"keep": "best_quality"})]).build()
    assert old == new and old.keep == "best_quality"


def test_best_quality_keeps_the_document_with_the_better_signals(tmp_path):
    from taosha.dedup.near import Near

    text = "我们要推动经济发展，实现乡村振兴的目标，让农民的生活更加美好。"
    docs = [Document(str(k), text, source={"path": "a", "offset": k}, signals={"han_share": share})
            for k, share in enumerate((0.5, 0.9))]
    for keep in ("best_quality", "best-quality"):
        step = Near(threshold=0.5, ngram=3, keep=keep)
        state = step.new_state()
        for d in docs:
            state = step.observe(d, state)
        prepared = step.prepare(step.merge(step.new_state(), step.finish_unit(state, tmp_path / keep, 0)))
        out = [prepared.process(Document(d.id, d.text, source=d.source, signals=dict(d.signals))) for d in docs]
        assert [d.dropped is None for d in out] == [False, True], keep
