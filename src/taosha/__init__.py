"""taosha (淘沙): clean, faithful, deduplicated documents from scraped Chinese web text.

>>> import taosha
>>> taosha.restore_original({"text": "你好", "edits": []})
'你好'
"""

from __future__ import annotations

from taosha import _blas_threads  # noqa: F401  (first: before numpy loads)
from taosha import builtin_steps as _builtin_steps  # noqa: F401  (registers the built-in steps)
from taosha._version import __version__ as __version__
from taosha.config import PipelineConfig, StepSpec, load_config
from taosha.document import Document, Drop, Edit, restore_original, restore_parts
from taosha.fix import fix_and_explain, fix_bytes, fix_text
from taosha.integrations.hf import to_datasets
from taosha.runners import run
from taosha.step import REGISTRY, CorpusStep, Step, register, run_one, run_steps

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
