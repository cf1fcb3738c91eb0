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


@pytest.fixture
def outputs_in_batches():
    """`run(step, texts, size)`: a set-up step's outputs over `texts` in batches of `size` (each document's id its
    number in its batch), as (text, edits, signals) — what the tests that compare a shortcut with its full path
    compare."""
    from taosha import Document

    def run(step, texts: list[str], size: int = 256) -> list[tuple]:
        out = []
        for at in range(0, len(texts), size):
            out += step.process_batch([Document(str(k), t) for k, t in enumerate(texts[at : at + size])])
        return [(d.text, d.edits, d.signals) for d in out]

    return run
