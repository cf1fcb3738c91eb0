from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PLUGINS = Path(__file__).parent / "plugins"
SHARED = Path(__file__).resolve().parents[2] / "shared"
sys.path.insert(0, str(PLUGINS))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PLUGINS), os.environ.get("PYTHONPATH", "")]))


@pytest.fixture
def shared() -> Path:
    """../shared beside the repo; tests that need it skip where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED
