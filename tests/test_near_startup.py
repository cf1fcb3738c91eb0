"""What a `dedup.near`-only run loads at start-up (issue #25: the whole process against datasketch's)."""

from __future__ import annotations

import subprocess
import sys

import orjson

# modules a 1-worker dedup.near run has no use for: numpy.ma (np.unique's import), importlib.metadata (with the
# email parser, csv and zipfile), numpy.random (the band weights come from the table cache) and multiprocessing
# (several workers only); each costs milliseconds per run
NOT_NEEDED = ("numpy.ma", "importlib.metadata", "email.parser", "numpy.random", "multiprocessing",
              "multiprocessing.connection")


def test_a_one_worker_near_dedup_run_loads_only_what_it_uses(tmp_path):
    docs = [{"id": f"d{i}", "text": ("今天天气很好，我们去公园散步吧。" * 8) + str(i // 2)} for i in range(40)]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    toml = tmp_path / "near.toml"
    toml.write_text('[[steps]]\nuse = "dedup.near"\n', encoding="utf-8")
    from taosha.dedup import minhash, shingle

    # the tables a first run on this machine builds (drawing from numpy.random): later runs map them
    shingle.fold_table(), minhash._band_weights(128, 0), minhash._borrow_sequence(128, 0)
    code = (
        "import sys\nfrom taosha.cli import main\n"
        f"rc = main(['clean', {str(src)!r}, '-o', {str(tmp_path / 'out')!r}, '--config', {str(toml)!r}, "
        "'--workers', '1', '-q'])\n"
        "print(rc, ' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "0"
    loaded = set(out[1:])
    assert "taosha.dedup.near" in loaded
    assert not loaded & set(NOT_NEEDED), sorted(loaded & set(NOT_NEEDED))
    assert list((tmp_path / "out" / "dropped").glob("*.zst"))  # the copies were found


def test_the_version_read_beside_a_package_is_importlib_metadatas():
    from importlib.metadata import version

    from taosha.cache import package_version

    for package in ("opencc", "jieba", "numpy", "orjson", "zstandard"):
        assert package_version(package) == version(package)


def test_the_cached_band_weights_are_the_drawn_ones():
    from taosha.dedup.minhash import _band_weights, _draw_band_weights

    for k, seed in ((128, 1), (64, 7)):
        assert _band_weights(k, seed).tolist() == _draw_band_weights(k, seed).tolist()
    from taosha.dedup.minhash import _borrow_sequence, _draw_borrow_sequence

    assert _borrow_sequence(128, 0).tolist() == _draw_borrow_sequence(128, 0).tolist()


def _threads_after_import(argv0: str, env: dict[str, str] | None = None) -> tuple[str, str]:
    import os

    code = (f"import sys; sys.argv[0] = {argv0!r}\nimport os, taosha, numpy\n"
            "threads = open('/proc/self/status').read().split('Threads:')[1].split()[0]\n"
            "print(os.environ.get('OPENBLAS_NUM_THREADS'), threads)")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")} | (env or {})
    value, threads = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                    env=env).stdout.split()
    return value, threads


def test_the_command_starts_no_blas_threads_a_library_user_keeps_them():
    import os

    import pytest

    if not os.path.exists("/proc/self/status"):
        pytest.skip("threads counted from /proc")
    assert _threads_after_import("/venv/bin/taosha") == ("1", "1")  # the command: OpenBLAS starts no thread
    value, _ = _threads_after_import("/venv/bin/python")
    assert value == "None"  # a program importing taosha: nothing set
    assert _threads_after_import("/venv/bin/taosha", {"OPENBLAS_NUM_THREADS": "2"})[0] == "2"  # the user's choice
    assert _threads_after_import("/venv/bin/taosha", {"OMP_NUM_THREADS": "2"})[0] == "None"  # OpenBLAS reads it too
