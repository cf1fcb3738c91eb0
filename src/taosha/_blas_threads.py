"""One thread for numpy's OpenBLAS in the `taosha` command, imported by the package before anything loads numpy.

The command parallelises by processes (runners/local.py). OpenBLAS starts a thread per core when numpy is
imported, and each spins on a core for a while after start-up: 0.02-0.1 s of CPU per process, and 0.05 s more
to import numpy, for the few small products taosha computes. Set only for the command (its script is named
`taosha`), before numpy loads, and only where the user set nothing: a program that imports taosha as a library
keeps its BLAS threads.
"""

from __future__ import annotations

import os
import sys


def command_wants_one_thread(argv0: str, loaded: bool) -> bool:
    """Whether to ask OpenBLAS for one thread: the `taosha` script, numpy not loaded yet."""
    return not loaded and os.path.basename(argv0) in ("taosha", "taosha.exe")


# OpenBLAS reads the first of these that is set: a user who set any of them keeps it
_SET_BY_USER = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")

if command_wants_one_thread(sys.argv[0] if sys.argv else "", "numpy" in sys.modules) and not any(
        v in os.environ for v in _SET_BY_USER):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
