"""Start-up as a user meets it: `import taosha`, `taosha fix` on one line (clean, and with mojibake), `taosha clean`
on 3 documents, each a new process timed whole (wall seconds, peak RSS from /usr/bin/time), best of `--repeat`.
The table cache (taosha.cache) is warm: the first run after an install or an upgrade builds it (printed too, as
`cold`, with a fresh cache folder). The package is compiled to bytecode first, as `pip install` leaves it (this
machine sets PYTHONDONTWRITEBYTECODE, so without it every process would compile every module it imports: a
tenth of a second). CPU time (user + system) is printed beside wall time: on a shared machine it moves less.
Goal (issue #25): `taosha fix` on one line <= 0.5 s.

With `--baseline SRC` (another checkout's `src`, e.g. `git archive main src | tar -x -C /tmp/main`) the same cases
run with that code first (PYTHONPATH), in the same run, for a ratio on the same machine.

    python bench/bench_startup.py [--repeat 5] [--baseline /tmp/main/src]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

GOAL_FIX = 0.5
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MiB, CPU seconds: user + system)."""
    rss = Path(tempfile.gettempdir()) / f"taosha-startup-rss-{os.getpid()}"
    t = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss), *cmd], capture_output=True, env=env)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-2000:]}")
    peak, user, system = rss.read_text().split()[-3:]
    return wall, int(peak) / 1024, float(user) + float(system)


def compile_package(src: Path | None) -> None:
    """Bytecode for every module of taosha (of `src` when given), as an installed package has it."""
    import compileall

    import taosha

    compileall.compile_dir(str(src / "taosha" if src else Path(taosha.__file__).parent), quiet=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", type=Path, help="another checkout's src folder, timed the same way first")
    args = ap.parse_args()
    compile_package(None)
    if args.baseline:
        compile_package(args.baseline)
    work = Path(tempfile.mkdtemp(prefix="taosha-startup-"))
    try:
        clean = "这家店的衣服质量很好，价格也合理，物流速度快，下次还会再来购买。\n"
        (work / "clean.txt").write_text(clean, encoding="utf-8")
        (work / "mojibake.txt").write_text("浣犲ソ锛屼笘鐣岋紒\n", encoding="utf-8")  # 你好，世界！ read as GBK
        docs = ["我们要推动经济发展，实现乡村振兴的目标。" * 5, "浣犲ソ锛屼笘鐣岋紒" * 3,
                "推動經(jīng)濟發(fā)展，實現(xiàn)鄉(xiāng)村振興。" * 4]
        (work / "three.jsonl").write_bytes(b"".join(orjson.dumps({"id": str(k), "text": t}) + b"\n"
                                                    for k, t in enumerate(docs)))
        cases = [
            ("import taosha", [sys.executable, "-c", "import taosha"]),
            ("taosha fix, one clean line", [str(BIN / "taosha"), "fix", str(work / "clean.txt")]),
            ("taosha fix, one mojibake line", [str(BIN / "taosha"), "fix", str(work / "mojibake.txt")]),
            ("taosha clean, 3 documents, 1 worker", [str(BIN / "taosha"), "clean", str(work / "three.jsonl"), "-o",
                                                     str(work / "out"), "-q", "--workers", "1", "--overwrite"]),
        ]
        for label, cmd in cases:
            base = ""
            if args.baseline:
                env = dict(os.environ, PYTHONPATH=str(args.baseline))
                timed(cmd, env)
                then, then_rss, then_cpu = min(timed(cmd, env) for _ in range(args.repeat))
                base = f"; baseline {then:.2f} s, CPU {then_cpu:.2f} s, peak {then_rss:.0f} MiB"
            cold = dict(os.environ, TAOSHA_CACHE_DIR=str(work / "cache"))
            warm = dict(os.environ)
            timed(cmd, warm)  # the user's cache filled (a no-op when it is)
            best, rss, cpu = min(timed(cmd, warm) for _ in range(args.repeat))
            shutil.rmtree(work / "cache", ignore_errors=True)
            first = timed(cmd, cold)[0]
            goal = f" (goal <= {GOAL_FIX} s)" if "fix" in label else ""
            print(f"{label}: {best:.2f} s{goal}, CPU {cpu:.2f} s, peak {rss:.0f} MiB; cold table cache {first:.2f} s"
                  f"{base}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
