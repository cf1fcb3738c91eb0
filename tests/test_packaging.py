"""The wheel that `pip install .` builds holds every file the package reads at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "taosha"


def test_the_wheel_holds_every_data_file(tmp_path):
    # from a fresh copy of the sources (an in-tree build/ left by another build would hide a missing file),
    # built without isolation, with the setuptools and wheel of this environment: no download
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("taosha-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"taosha/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*")
              if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert wanted, "no data files found"
    assert wanted <= names, f"missing from the wheel: {sorted(wanted - names)}"
