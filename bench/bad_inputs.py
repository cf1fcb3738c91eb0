"""Issue 24's bad-input table, rerun: each hostile input or flaky-machine event through the CLI, with what
happened and whether the row holds (no traceback, no hang, nothing lost, fabricated or damaged).

    python bench/bad_inputs.py            # prints one row per case; exit status 1 when a row fails

Timing-only rows (linear time) live in bench/bench_adversarial.py.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from taosha.io.writers import iter_records

PLUGINS = Path(__file__).resolve().parents[1] / "tests" / "plugins"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PLUGINS), os.environ.get("PYTHONPATH")]))}
LIGHT = '[[steps]]\nuse = "repair.whitespace"\n[[steps]]\nuse = "filter.empty"\n'
DEDUP = '[[steps]]\nuse = "repair.whitespace"\n[[steps]]\nuse = "dedup.near"\n[[steps]]\nuse = "dedup.paragraphs"\n'


def clean(inp, out, *args: str, config: str | None = LIGHT, timeout: float = 300, nofile: int = 0,
          workers: int = 2) -> tuple[subprocess.CompletedProcess | None, float]:
    # a row's input is often one bad record: a run that quarantines most of its records exits 4 by design
    # (--max-error-share, output written either way); a row asks whether each record is accounted for
    cmd = [sys.executable, "-m", "taosha.cli", "clean", *map(str, inp if isinstance(inp, list) else [inp]), "-o",
           str(out), "-q", "--workers", str(workers), "--max-error-share", "1", *args]
    if config is not None:
        cfg = Path(str(out) + ".toml")
        cfg.write_text(config)
        cmd += ["--config", str(cfg)]

    def limit() -> None:
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    t = time.perf_counter()
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t
    return run, time.perf_counter() - t


def recs(out: Path, sink: str) -> list[dict]:
    return [r for p in sorted((out / sink).glob("*.jsonl.zst")) for r in iter_records(p)]


def stats(out: Path) -> dict:
    return json.loads((out / "stats.json").read_text())


def outcome(run, out: Path) -> str:
    if run is None:
        return "HANG (timeout)"
    if run.returncode:
        return f"exit {run.returncode}: {run.stderr.strip().splitlines()[-1][:150] if run.stderr.strip() else ''}"
    d = stats(out)["documents"]
    q = stats(out)["quarantined_by"]
    return f"kept {d['kept']}, dropped {d['dropped']}, quarantined {d['quarantined']} {q or ''}".strip()


def case_escape_and_bad_byte(tmp: Path):
    (tmp / "p1.jsonl").write_bytes(b'{"id":"p1","text":"\\u4e2d\xff"}\n')
    run, _ = clean(tmp / "p1.jsonl", tmp / "o")
    return outcome(run, tmp / "o"), run is not None and run.returncode == 0 and stats(tmp / "o")["documents"][
        "quarantined"] == 1


def case_deep(tmp: Path):
    rec: dict = {"id": "deep", "text": "深"}
    at = rec
    for _ in range(253):
        at["m"] = {}
        at = at["m"]
    (tmp / "d.jsonl").write_text(json.dumps(rec) + "\n")
    run, _ = clean(tmp / "d.jsonl", tmp / "o")
    return outcome(run, tmp / "o"), run is not None and run.returncode == 0 and stats(tmp / "o")["quarantined_by"] == {
        "too_deeply_nested": 1}


def _corpus(root: Path, files: int = 6, per: int = 20) -> None:
    root.mkdir()
    for f in range(files):
        (root / f"part{f}.jsonl").write_bytes(b"".join(
            orjson.dumps({"id": f"f{f}-{i}", "text": f"第{f}号文件第{i}条，内容各不相同。" * (1 + i % 3)}) + b"\n"
            for i in range(per)))


def _kill_case(tmp: Path, dedup: bool, once: bool):
    _corpus(tmp / "in")
    marker = tmp / "marker"
    kill = f'[[steps]]\nuse = "test.kill"\ndoc_id = "f3-7"\n{"once" if once else "while_exists"} = "{marker}"\n'
    config = ('plugins = ["taosha_test_steps"]\n[input]\nchunk_bytes = 0\n[[steps]]\nuse = "repair.whitespace"\n'
              + kill + ('[[steps]]\nuse = "dedup.exact"\n' if dedup else "") + '[[steps]]\nuse = "filter.empty"\n')
    if not once:
        marker.touch()
    run, took = clean(tmp / "in", tmp / "o", config=config, timeout=120)
    if once:
        return f"{outcome(run, tmp / 'o')} in {took:.1f} s (killed once, retried)", (
            run is not None and run.returncode == 0 and stats(tmp / "o")["documents"]["in"] == 120)
    first = outcome(run, tmp / "o")
    marker.unlink()
    again, _ = clean(tmp / "in", tmp / "o", config=config, timeout=120)
    held = (run is not None and run.returncode == 2 and "died on each of 2 attempts" in run.stderr
            and again is not None and again.returncode == 0 and stats(tmp / "o")["documents"]["in"] == 120)
    return f"{first} in {took:.1f} s; resumed: {outcome(again, tmp / 'o')}", held


def _many(tmp: Path, n: int, nofile: int):
    (tmp / "many").mkdir()
    lines = []
    for i in range(n):
        line = orjson.dumps({"id": f"d{i}", "text": f"第{i}篇：" + "经济发展与社会进步。" * (1 + i % 4)}) + b"\n"
        (tmp / "many" / f"f{i:05d}.jsonl").write_bytes(line)
        lines.append(line)
    (tmp / "one.jsonl").write_bytes(b"".join(lines))
    run, many_s = clean(tmp / "many", tmp / "o_many", config=DEDUP, nofile=nofile, timeout=900)
    one, one_s = clean(tmp / "one.jsonl", tmp / "o_one", config=DEDUP, timeout=900)
    same = run is not None and run.returncode == 0 and one is not None and one.returncode == 0 and (
        stats(tmp / "o_many")["documents"] == stats(tmp / "o_one")["documents"])
    return (f"{outcome(run, tmp / 'o_many')}; {many_s:.1f} s vs {one_s:.1f} s in one file "
            f"({many_s / max(one_s, 1e-9):.2f}x)"), same and many_s <= 2 * one_s


def _gz_lines(n: int) -> bytes:
    return b"".join(orjson.dumps({"id": f"r{i}", "text": f"第{i}条：" + "经济发展与社会进步" * (i % 7 + 1)}) + b"\n"
                    for i in range(n))


def case_corrupt_gz(tmp: Path):
    data = bytearray(gzip.compress(_gz_lines(3000)))
    data[len(data) // 2 : len(data) // 2 + 100] = bytes(100)
    (tmp / "in").mkdir()
    (tmp / "in" / "c.jsonl.gz").write_bytes(bytes(data))
    run, _ = clean(tmp / "in", tmp / "o")
    kept = recs(tmp / "o", "kept") if run is not None and run.returncode == 0 else []
    ids = [r["id"] for r in kept]
    originals = {orjson.loads(x)["id"]: orjson.loads(x)["text"] for x in _gz_lines(3000).splitlines()}
    damaged = sum(originals.get(r["id"]) != r["text"] for r in kept)
    return (f"{outcome(run, tmp / 'o')}; {len(ids) - len(set(ids))} ids repeated, {damaged} damaged texts",
            bool(run) and len(ids) == len(set(ids)) and not damaged)


def case_symlink_loop(tmp: Path):
    (tmp / "in" / "sub").mkdir(parents=True)
    (tmp / "in" / "sub" / "a.jsonl").write_bytes(b'{"id":"a","text":"\xe4\xb8\xad"}\n')
    os.symlink("..", tmp / "in" / "sub" / "up")
    run, _ = clean(tmp / "in", tmp / "o")
    return outcome(run, tmp / "o"), run is not None and run.returncode == 0 and stats(tmp / "o")["documents"]["in"] == 1


def case_empty_archives(tmp: Path):
    (tmp / "in").mkdir()
    (tmp / "in" / "a.jsonl.gz").write_bytes(b"")
    (tmp / "in" / "b.jsonl.zst").write_bytes(b"")
    (tmp / "in" / "c.jsonl").write_bytes(b'{"text":"\xe4\xb8\xad"}\n')
    run, _ = clean(tmp / "in", tmp / "o")
    n = stats(tmp / "o")["input"].get("empty_files") if run is not None and run.returncode == 0 else None
    return f"{outcome(run, tmp / 'o')}; stats.json input.empty_files = {n}", n == 2


def case_special_files(tmp: Path):
    (tmp / "in").mkdir()
    (tmp / "in" / "a.jsonl").write_bytes(b'{"text":"\xe4\xb8\xad"}\n')
    os.mkfifo(tmp / "in" / "fifo.jsonl")
    os.symlink("/dev/zero", tmp / "in" / "zero.jsonl")
    run, took = clean(tmp / "in", tmp / "o", timeout=60)
    special = stats(tmp / "o")["input"].get("special_files") if run is not None and run.returncode == 0 else None
    return f"{outcome(run, tmp / 'o')} in {took:.1f} s; special_files = {special}", bool(special) and len(special) == 2


def _meta(tmp: Path, line: bytes, check: Callable[[dict], bool]):
    (tmp / "m.jsonl").write_bytes(line + b"\n")
    run, _ = clean(tmp / "m.jsonl", tmp / "o", config='[[steps]]\nuse = "repair.whitespace"\n')
    got = (recs(tmp / "o", "kept") or [{}])[0] if run is not None and run.returncode == 0 else {}
    return f"metadata {got.get('metadata')}, text {got.get('text')!r}", bool(got) and check(got)


GBK_TEXT = "这是一段中文新闻正文内容，用于测试编码的检测是否正确。"


def case_collision(tmp: Path):
    return _meta(tmp, b'{"text":"x","metadata":{"url":"http://a.com/1"},"url":"http://b.com/2"}',
                 lambda r: r["metadata"] == {"url": "http://a.com/1", "_top_level": {"url": "http://b.com/2"}})


def case_big_int(tmp: Path):
    return _meta(tmp, b'{"text":"x","n":12345678901234567890123}',
                 lambda r: r["metadata"] == {"n": 12345678901234567890123})


def case_gbk_metadata(tmp: Path):
    line = ('{"text":"' + GBK_TEXT + '","metadata":{"标题":"新闻","来源":{"网站":"新华网"}}}').encode("gbk")
    return _meta(tmp, line, lambda r: r["metadata"] == {"标题": "新闻", "来源": {"网站": "新华网"}}
                 and r["text"] == GBK_TEXT)


def case_gbk_cafe(tmp: Path):
    line = ('{"text":"' + GBK_TEXT + '","x":"caf\\u00e9"}').encode("gbk")
    return _meta(tmp, line, lambda r: r["metadata"] == {"x": "café"} and r["text"] == GBK_TEXT)


def case_concurrent(tmp: Path):
    _corpus(tmp / "in", files=8, per=40)
    config = ('plugins = ["taosha_test_steps"]\n[input]\nchunk_bytes = 0\n[[steps]]\nuse = "test.slow"\n'
              'seconds = 0.01\n')
    cmd = [sys.executable, "-m", "taosha.cli", "clean", str(tmp / "in"), "-o", str(tmp / "o"), "-q"]
    (tmp / "c.toml").write_text(config)
    first = subprocess.Popen([*cmd, "--config", str(tmp / "c.toml")], env=ENV, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    second = subprocess.run([*cmd, "--config", str(tmp / "c.toml")], env=ENV, capture_output=True, text=True,
                            timeout=120)
    first.wait(timeout=120)
    msg = second.stderr.strip().splitlines()[-1] if second.stderr.strip() else ""
    return (f"first exit {first.returncode}; second exit {second.returncode}: {msg[:120]}",
            first.returncode == 0 and second.returncode == 2 and "another taosha run" in msg)


def case_workers_resume(tmp: Path):
    _corpus(tmp / "in")
    a, _ = clean(tmp / "in", tmp / "o", workers=1)
    b, _ = clean(tmp / "in", tmp / "o", workers=2)
    return f"first {outcome(a, tmp / 'o')}; again with --workers 2: {outcome(b, tmp / 'o')}", (
        a is not None and b is not None and a.returncode == b.returncode == 0)


def case_markup(tmp: Path):
    (tmp / "in[" / "red]").mkdir(parents=True)
    (tmp / "in[" / "red]" / "a.jsonl").write_bytes(b'{"text":"\xe4\xb8\xad"}\n')
    (tmp / "x.toml").write_text(LIGHT)
    run = subprocess.run([sys.executable, "-m", "taosha.cli", "clean", str(tmp / "in[/red]"), "-o",
                          str(tmp / "o[/red]"), "--workers", "1", "--config", str(tmp / "x.toml")],
                         capture_output=True, text=True, env=ENV, timeout=120)
    last = run.stderr.strip().splitlines()[-1][:100] if run.stderr.strip() else "summary printed"
    return f"exit {run.returncode}; {last}", run.returncode == 0 and "o[/red]" in run.stdout.replace("\n", "")


def case_state_left(tmp: Path):
    _corpus(tmp / "in", files=4, per=200)
    run, _ = clean(tmp / "in", tmp / "o", config=None)
    size = sum(p.stat().st_size for p in (tmp / "o" / "_state").rglob("*") if p.is_file()) if (
        tmp / "o" / "_state").exists() else 0
    return f"{outcome(run, tmp / 'o')}; _state/ holds {size:,} bytes after the run", run is not None and size == 0


def _peak_rss(cmd: list[str], timeout: float) -> tuple[subprocess.CompletedProcess | None, int]:
    """Run `cmd`; (its result, its own peak RSS in bytes), not the largest of every child so far."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=ENV)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return None, 0
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = subprocess.CompletedProcess(cmd, proc.returncode, out.read().decode(), err.read().decode())
        return run, usage.ru_maxrss * 1024


MEMORY_BOUND = 10  # peak RSS at most the process's own (the same run on a one-line record) + 10x the record


def case_long_record_memory(tmp: Path):
    text = ("经济发展与社会进步，人民生活水平不断提高。" * 300_000)[:5_000_000]
    (tmp / "big.jsonl").write_bytes(orjson.dumps({"id": "big", "text": text}) + b"\n")
    (tmp / "small.jsonl").write_bytes(orjson.dumps({"id": "small", "text": text[:200]}) + b"\n")
    size = (tmp / "big.jsonl").stat().st_size
    cmd = [sys.executable, "-m", "taosha.cli", "clean", "-q", "--workers", "1"]
    _, base = _peak_rss([*cmd, str(tmp / "small.jsonl"), "-o", str(tmp / "o_small")], timeout=300)
    t = time.perf_counter()
    run, peak = _peak_rss([*cmd, str(tmp / "big.jsonl"), "-o", str(tmp / "o")], timeout=900)
    took = time.perf_counter() - t
    return (f"{outcome(run, tmp / 'o')}; a {size / 1e6:.0f} MB record, peak RSS {peak / 1e9:.2f} GB, "
            f"{(peak - base) / 1e6:.0f} MB above the same run on a one-line record ({base / 1e9:.2f} GB): "
            f"{(peak - base) / size:.1f}x the record (bound {MEMORY_BOUND}x) in {took:.0f} s"), (
        run is not None and run.returncode == 0 and peak - base <= MEMORY_BOUND * size)


CASES = {
    "1 \\u escape + non-UTF-8 byte": case_escape_and_bad_byte,
    "1 field nested 253 levels": case_deep,
    "2 worker SIGKILLed once, main pass": lambda t: _kill_case(t, dedup=False, once=True),
    "2 worker SIGKILLed once, dedup pass": lambda t: _kill_case(t, dedup=True, once=True),
    "2 worker SIGKILLed every time, main pass": lambda t: _kill_case(t, dedup=False, once=False),
    "2 worker SIGKILLed every time, dedup pass": lambda t: _kill_case(t, dedup=True, once=False),
    "3 1,100 one-record files, ulimit -n 1024": lambda t: _many(t, 1100, 1024),
    "3 5,000 one-record files, ulimit -n 256": lambda t: _many(t, 5000, 256),
    "3 20,000 one-record files": lambda t: _many(t, 20000, 0),
    "4 .gz with 100 bytes zeroed mid-file": case_corrupt_gz,
    "4 symlink to the parent folder": case_symlink_loop,
    "4 0-byte .gz and .zst": case_empty_archives,
    "5 FIFO and symlink to /dev/zero": case_special_files,
    "6 metadata key also at top level": case_collision,
    "6 23-digit integer": case_big_int,
    "6 GBK record's nested metadata": case_gbk_metadata,
    "6 GBK text + \"caf\\u00e9\" elsewhere": case_gbk_cafe,
    "8 two concurrent runs into one OUT": case_concurrent,
    "8 resume with another --workers": case_workers_resume,
    "8 OUT containing [/red]": case_markup,
    "8 _state/ left by a finished run": case_state_left,
    "8 a 15 MB record in plain .jsonl": case_long_record_memory,
}


def main() -> int:
    only = sys.argv[1:]
    failed = 0
    for name, case in CASES.items():
        if only and not any(o in name for o in only):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                what, held = case(Path(tmp))
            except Exception as exc:  # a case that crashes is a row that does not hold
                what, held = f"{type(exc).__name__}: {exc}", False
        failed += not held
        print(f"{'held' if held else 'FAILS':5}  {name:44} {what}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
