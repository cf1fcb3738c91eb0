"""taosha (淘沙): clean, faithful, deduplicated documents from scraped Chinese web text.

>>> import taosha
>>> taosha.restore_original({"text": "你好", "edits": []})
'你好'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taosha import _blas_threads  # noqa: F401  (first: before numpy loads)
from taosha import builtin_steps as _builtin_steps  # noqa: F401  (registers the built-in steps)
from taosha._version import __version__ as __version__
from taosha.document import Document, Drop, Edit, restore_original, restore_parts
from taosha.fix import fix_and_explain, fix_bytes, fix_text
from taosha.step import REGISTRY, CorpusStep, Step, register, run_one, run_steps

if TYPE_CHECKING:
    from taosha.config import PipelineConfig, StepSpec, load_config
    from taosha.integrations.hf import to_datasets
    from taosha.runners import run

# imported on first use: `fix_text` and `taosha fix` need none of them, and their modules (the configuration, the
# runners, the readers and writers, the TOML parser) took ~60 ms of every `import taosha`
_LAZY = {"PipelineConfig": "taosha.config", "StepSpec": "taosha.config", "load_config": "taosha.config",
         "to_datasets": "taosha.integrations.hf", "run": "taosha.runners"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'taosha' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # once: later lookups find it here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "REGISTRY",
    "CorpusStep",
    "Document",
    "Drop",
    "Edit",
    "PipelineConfig",
    "Step",
    "StepSpec",
    "fix_and_explain",
    "fix_bytes",
    "fix_text",
    "load_config",
    "register",
    "restore_original",
    "restore_parts",
    "run",
    "run_one",
    "run_steps",
    "to_datasets",
]
