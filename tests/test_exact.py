"""dedup.exact through the runner: one document kept per group, the same whatever the worker count."""

from __future__ import annotations

import orjson
import pytest

import taosha
from taosha import PipelineConfig, StepSpec
from taosha.errors import ConfigError
from taosha.io.writers import iter_records


def run(tmp_path, name, workers, keep="first"):
    cfg = PipelineConfig(steps=[StepSpec("dedup.exact", {"keep": keep})])
    cfg.runner.workers = workers
    cfg.input.chunk_bytes = 200  # several units per file: the winner must not depend on who saw it first
    out = tmp_path / name
    taosha.run([str(tmp_path / "in")], out, cfg)
    kept = [r for p in sorted((out / "kept").glob("*.zst")) for r in iter_records(p)]
    dropped = [r for p in sorted((out / "dropped").glob("*.zst")) for r in iter_records(p)]
    return kept, dropped


@pytest.fixture
def corpus(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    texts = ["经济发展很快。", "另一篇文章。", "經濟 發展很快。", "经济发展很快。", "另一篇文章。 ", "独一无二的内容。",
             "经济发展很快，而且更长一些。"]
    for f in range(2):
        lines = [orjson.dumps({"id": f"{f}-{k}", "text": t}) for k, t in enumerate(texts)]
        (inp / f"p{f}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return tmp_path


def test_one_kept_per_group_whatever_the_workers(corpus):
    kept1, dropped1 = run(corpus, "o1", 1)
    kept2, dropped2 = run(corpus, "o2", 2)
    assert kept1 == kept2 and dropped1 == dropped2
    assert [r["id"] for r in kept1] == ["0-0", "0-1", "0-5", "0-6"]  # the first of each group, in input order
    assert {r["drop"]["detail"] for r in dropped1} == {"duplicate of 0-0", "duplicate of 0-1",
                                                        "duplicate of 0-5", "duplicate of 0-6"}
    assert len(kept1) + len(dropped1) == 14


def test_keep_longest(corpus):
    kept, _ = run(corpus, "o", 1, keep="longest")
    # "經濟 發展很快。" is longer (a space) than its copies; "另一篇文章。 " likewise
    assert [r["id"] for r in kept] == ["0-2", "0-4", "0-5", "0-6"]


def test_bad_keep_policy():
    from taosha.step import build_step

    with pytest.raises(ConfigError, match="keep must be one of"):
        build_step("dedup.exact", {"keep": "random"})
