"""The Ray runner against a real two-node cluster on 127.0.0.1: the same bytes as the local runner."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import taosha
from taosha import PipelineConfig, StepSpec
from taosha.config import DEFAULT_STEPS
from taosha.errors import ConfigError
from taosha.report.stats import without_timing
from taosha.synth.demo import write_demo_corpus

BIN = Path(sys.executable).parent


def test_without_ray_the_runner_fails_at_once_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    cfg = PipelineConfig()
    cfg.runner.kind = "ray"
    with pytest.raises(ConfigError, match=r"pip install 'taosha\[ray\]'"):
        taosha.run([str(tmp_path)], tmp_path / "out", cfg)
    assert not (tmp_path / "out").exists()  # nothing was written


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    pytest.importorskip("ray")  # a dev dependency: present wherever `make test` runs
    ray_bin = str(BIN / "ray")
    port = _free_port()
    temp = Path(f"/tmp/taosha-ray-{os.getpid()}")  # short: Ray's socket paths have a length limit
    # a private local cluster: no token authentication (a token left in ~/.ray by another Ray use would
    # otherwise be half applied), no usage statistics
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
    patch = pytest.MonkeyPatch()
    patch.setenv("RAY_AUTH_MODE", "disabled")  # for the taosha commands below, which connect to it
    common = ["--num-cpus=1", "--disable-usage-stats"]
    subprocess.run([ray_bin, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1",
                    "--include-dashboard=false", f"--temp-dir={temp}", *common],
                   check=True, env=env, capture_output=True, timeout=120)
    try:
        subprocess.run([ray_bin, "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", *common],
                       check=True, env=env, capture_output=True, timeout=120)
        address = f"127.0.0.1:{port}"
        count = f"import ray; ray.init(address={address!r}); print(sum(n['Alive'] for n in ray.nodes()))"
        alive = subprocess.run([sys.executable, "-c", count],
                               check=True, env=env, capture_output=True, text=True, timeout=120)
        assert alive.stdout.strip().splitlines()[-1] == "2"  # a head and a second node
        yield address
    finally:
        subprocess.run([ray_bin, "stop", "--force"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)
        patch.undo()


def _shards(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for sink in ("kept", "dropped", "quarantine")
            for p in sorted((out / sink).glob("*"))}


def test_ray_cluster_output_is_byte_identical_to_local(tmp_path, cluster):
    inp = tmp_path / "in"
    write_demo_corpus(inp)
    toml = tmp_path / "pipeline.toml"
    cfg = PipelineConfig(steps=[StepSpec(n) for n in DEFAULT_STEPS]
                         + [StepSpec("dedup.near", {}), StepSpec("dedup.paragraphs", {})])
    cfg.input.chunk_bytes = 4096  # several units per file: tasks spread over both nodes
    toml.write_text(cfg.to_toml(), encoding="utf-8")
    common = [str(BIN / "taosha"), "clean", str(inp), "--config", str(toml), "-q"]
    subprocess.run([*common, "-o", str(tmp_path / "local"), "--workers", "2"], check=True, timeout=300)
    ray_run = subprocess.run([*common, "-o", str(tmp_path / "ray"), "--runner", "ray", "--address", cluster],
                             capture_output=True, text=True, timeout=300)
    assert ray_run.returncode == 0, ray_run.stderr[-3000:]
    local, ray = _shards(tmp_path / "local"), _shards(tmp_path / "ray")
    assert local and local == ray
    local_stats, ray_stats = (orjson.loads((tmp_path / d / "stats.json").read_bytes()) for d in ("local", "ray"))
    assert without_timing(local_stats) == without_timing(ray_stats)  # all but the CPU times
    # and a rerun on the cluster finds every unit done
    again = subprocess.run([*common, "-o", str(tmp_path / "ray"), "--runner", "ray", "--address", cluster],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and _shards(tmp_path / "ray") == ray


def test_a_ray_worker_killed_on_each_attempt_stops_the_run_with_the_unit_named_and_it_resumes(tmp_path, cluster):
    """SIGKILL (as the out-of-memory killer sends) to the worker holding one unit: Ray runs the task once more,
    then the run fails naming the unit (it hung, or retried three times with Ray's own message); once the
    worker lives, the same command resumes."""
    inp = tmp_path / "in"
    inp.mkdir()
    for f in range(3):
        lines = [json.dumps({"id": f"f{f}-{i}", "text": f"第{f}号文件的第{i}条记录，内容各不相同。"}) for i in range(5)]
        (inp / f"part{f}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    flag = tmp_path / "kill-while-here"
    flag.touch()
    toml = tmp_path / "kill.toml"
    toml.write_text('plugins = ["taosha_test_steps"]\n[input]\nchunk_bytes = 0\n[[steps]]\nuse = "test.kill"\n'
                    f'doc_id = "f1-2"\nwhile_exists = "{flag}"\n[[steps]]\nuse = "filter.empty"\n', encoding="utf-8")
    cmd = [str(BIN / "taosha"), "clean", str(inp), "--config", str(toml), "-q", "-o", str(tmp_path / "o"),
           "--runner", "ray", "--address", cluster]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr[-3000:]
    assert "unit part-00001" in run.stderr and "part1.jsonl" in run.stderr, run.stderr[-3000:]
    assert "died on each of 2 attempts (WorkerCrashedError" in run.stderr, run.stderr[-3000:]
    assert not (tmp_path / "o" / "stats.json").exists()
    flag.unlink()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert stats["documents"]["in"] == 15 and stats["documents"]["kept"] == 15
    # killed once: the retry lives, and the run ends as if nothing happened
    once = tmp_path / "died-once"
    toml.write_text(toml.read_text().replace(f'while_exists = "{flag}"', f'once = "{once}"'), encoding="utf-8")
    retried = subprocess.run([*cmd[:-5], str(tmp_path / "o2"), *cmd[-4:]], capture_output=True, text=True,
                             timeout=300)
    assert retried.returncode == 0, retried.stderr[-3000:]
    assert once.exists()
    assert json.loads((tmp_path / "o2" / "stats.json").read_text())["documents"] == stats["documents"]
