"""A pipeline built from step objects (datatrove's `pipeline=[...]` way), recorded so that a resume and
`--config OUT/pipeline.toml` see the same pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pytest

import taosha
from taosha import PipelineConfig, StepSpec
from taosha.cli import main
from taosha.config import load_config
from taosha.dedup.exact import Exact
from taosha.errors import ConfigError
from taosha.filter.basic import Empty
from taosha.io.writers import iter_records
from taosha.repair.pinyin import Pinyin
from taosha.repair.script import Script
from taosha.step import Step


def shards(out) -> dict[str, list[dict]]:
    return {sink: [r for p in sorted((out / sink).glob("*.jsonl.zst")) for r in iter_records(p)]
            for sink in ("kept", "dropped", "quarantine")}


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "in.jsonl"
    rows = [{"id": "a", "text": "經濟發展，今年以來全鎮經濟穩步增長。"}, {"id": "b", "text": ""},
            {"id": "c", "text": "經濟發展，今年以來全鎮經濟穩步增長。"}]
    p.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return p


def test_run_takes_step_objects_and_records_every_field(tmp_path, corpus):
    steps = [Pinyin(), Script(target="simplified"), Empty(), Exact()]
    cfg = PipelineConfig(steps=steps)
    cfg.runner.workers = 1
    assert [s.use for s in cfg.steps] == ["repair.pinyin", "repair.script", "filter.empty", "dedup.exact"]
    stats = taosha.run([str(corpus)], tmp_path / "o", cfg)
    assert stats["documents"] == {"in": 3, "kept": 1, "dropped": 2, "quarantined": 0, "split": 0,
                                  "parts_from_splits": 0}
    kept = shards(tmp_path / "o")["kept"]
    assert kept[0]["text"] == "经济发展，今年以来全镇经济稳步增长。"
    toml = (tmp_path / "o" / "pipeline.toml").read_text()
    assert 'use = "repair.script"\ntarget = "simplified"' in toml and "min_glosses = 2" in toml

    # the same pipeline by name gives the same output, and `steps=` on run() the same again
    by_name = PipelineConfig(steps=[StepSpec("repair.pinyin"), StepSpec("repair.script", {"target": "simplified"}),
                                    StepSpec("filter.empty"), StepSpec("dedup.exact")])
    by_name.runner.workers = 1
    taosha.run([str(corpus)], tmp_path / "by_name", by_name)
    taosha.run([str(corpus)], tmp_path / "kw", steps=steps)
    assert shards(tmp_path / "by_name") == shards(tmp_path / "o") == shards(tmp_path / "kw")


def test_a_run_from_objects_resumes_from_its_pipeline_toml(tmp_path, corpus, capsys):
    out = tmp_path / "o"
    taosha.run([str(corpus)], out, steps=[Script(target="simplified"), Empty()])
    before = shards(out)
    # the same OUT: the recorded pipeline is the same run (not "a different run"), as are the objects again
    assert main(["clean", str(corpus), "-o", str(out), "--config", str(out / "pipeline.toml"), "-q"]) == 0
    taosha.run([str(corpus)], out, steps=[Script(target="simplified"), Empty()])
    assert shards(out) == before
    assert load_config(out / "pipeline.toml").build() == [Script(target="simplified"), Empty()]
    # and another parameter is another run
    from taosha.errors import OutputError

    with pytest.raises(OutputError, match="different run"):
        taosha.run([str(corpus)], out, steps=[Script(target="traditional"), Empty()])


def test_steps_assigned_after_construction_are_read_too(tmp_path, corpus):
    cfg = PipelineConfig()
    cfg.steps = [Empty()]
    cfg.steps.append(Script(target="simplified"))
    assert [s.use for s in cfg.steps if isinstance(s, StepSpec)] == []  # not converted yet: converted when read
    assert cfg.build() == [Empty(), Script(target="simplified")]
    cfg.set("repair.script.target=traditional")
    assert cfg.build()[1] == Script(target="traditional")


@dataclass(frozen=True)
class Unregistered(Step):
    def process(self, doc):
        return doc


@dataclass(frozen=True)
class HoldsObject(Step):
    """Holds a value TOML cannot write."""

    thing: object = None

    def process(self, doc):
        return doc


@pytest.fixture
def holds_object():
    taosha.register("test.holds_object")(HoldsObject)
    yield
    del taosha.REGISTRY["test.holds_object"]  # the registry is global: other tests list every step


def test_step_objects_that_cannot_be_recorded_fail_with_the_reason(holds_object):
    with pytest.raises(ConfigError, match="Unregistered is not a registered step; decorate it"):
        PipelineConfig(steps=[Unregistered()])
    with pytest.raises(ConfigError, match=r"test.holds_object.thing = \{1, 2\} cannot be recorded"):
        PipelineConfig(steps=[HoldsObject(thing={1, 2})])
    with pytest.raises(ConfigError, match="expected a step object, a step's name or a StepSpec, got int"):
        PipelineConfig(steps=[3])
    # a default TOML cannot hold is implied, and shown as a comment
    cfg = PipelineConfig(steps=[HoldsObject()])
    assert cfg.steps == [StepSpec("test.holds_object", {})]
    assert "# thing = None  (the default; TOML cannot write it)" in cfg.to_toml()


def test_a_pipeline_entry_may_be_a_step_name():
    from taosha.repair.pinyin import Pinyin

    cfg = PipelineConfig(steps=["repair.mojibake", Pinyin()])
    assert [s.use for s in cfg.steps] == ["repair.mojibake", "repair.pinyin"]
    with pytest.raises(ConfigError, match=r"no\.such"):
        cfg = PipelineConfig(steps=["no.such"])
        cfg.build()
