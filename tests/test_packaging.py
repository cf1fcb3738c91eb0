"""The wheel that `pip install .` builds holds every file the package reads at run time, and works when
installed on its own: in a fresh virtualenv, `taosha demo` and `taosha.fix_text` run from it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "taosha"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # from a fresh copy of the sources (an in-tree build/ left by another build would hide a missing file),
    # built without isolation, with the setuptools and wheel of this environment: no download
    tmp = tmp_path_factory.mktemp("wheel")
    tree = tmp / "tree"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp)], check=True, capture_output=True, timeout=300)
    (built,) = tmp.glob("taosha-*.whl")
    return built


def test_the_wheel_holds_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"taosha/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*")
              if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert wanted, "no data files found"
    assert wanted <= names, f"missing from the wheel: {sorted(wanted - names)}"


# pip's words when it cannot reach an index: then, and only then, the smoke test is skipped (a dependency that
# does not exist, or a wheel that does not install, fails it)
OFFLINE = re.compile(r"NewConnectionError|NameResolutionError|Failed to establish a new connection|Failed to "
                     r"resolve|Temporary failure in name resolution|Network is unreachable|ConnectTimeout|Max retries "
                     r"exceeded|connection broken by|Could not fetch URL")


def test_the_wheel_installed_alone_runs_the_demo_and_fix_text(wheel, tmp_path):
    """What CI tested before was the editable install, which reads the source tree: a wheel missing its data
    files passed. Here the wheel goes into a fresh virtualenv (its dependencies from pip's cache, or the index
    when the cache lacks them) and runs from there, away from the sources."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)  # this pip installs into it (--python)
    python, taosha = env_dir / "bin" / "python", env_dir / "bin" / "taosha"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--retries", "1",
                              "--timeout", "20", str(wheel)], capture_output=True, text=True, timeout=600, env=env,
                             cwd=tmp_path)
    if install.returncode and OFFLINE.search(install.stderr + install.stdout):
        pytest.skip("no network, and pip's cache does not hold every dependency: the wheel could not be installed "
                    f"in a fresh virtualenv ({OFFLINE.search(install.stderr + install.stdout)[0]})")
    assert install.returncode == 0, install.stderr[-3000:]

    where = subprocess.run([str(python), "-c", "import taosha; print(taosha.__file__)"], capture_output=True,
                           text=True, env=env, cwd=tmp_path, check=True).stdout.strip()
    assert Path(where).is_relative_to(env_dir), f"taosha was imported from {where}, not from the wheel"
    fixed = subprocess.run([str(python), "-c", "import taosha, sys; sys.stdout.write(taosha.fix_text(sys.argv[1]))",
                            "ä¸­æ–‡ç½‘é¡µ"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert fixed.stdout == "中文网页"
    demo = subprocess.run([str(taosha), "demo", "-o", str(tmp_path / "demo"), "--workers", "1"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=600)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "next: taosha inspect" in demo.stdout and (tmp_path / "demo" / "out" / "report.html").exists()
