"""Regenerate src/taosha/data/script_chars.txt from the OpenCC dictionaries shipped in the opencc wheel.

    python scripts/build_script_tables.py

A character is *simplified-only* when OpenCC's STCharacters maps it only to other characters (发 → 發 髮)
and no regional standard (TWVariants, HKVariants) writes it, and *traditional-only* when TSCharacters maps
it only to other characters (經 → 经). Characters such as
干 (幹 乾 干), 台 (臺 檯 颱 台), 后, 里, 乾, 著 are valid in both scripts and are in neither set: they say
nothing about a document's script.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "taosha" / "data" / "script_chars.txt"


def load(name: str) -> dict[str, list[str]]:
    clib = Path(opencc.__file__).parent / "clib"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.txt"
        env = {**os.environ, "LD_LIBRARY_PATH": str(clib / "lib64")}
        subprocess.run([str(clib / "bin" / "opencc_dict"), "-i", str(clib / "share" / "opencc" / f"{name}.ocd2"),
                        "-o", str(out), "-f", "ocd2", "-t", "text"], check=True, env=env)
        table = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t")
            table[key] = values.split(" ")
        return table


def main() -> None:
    st, ts = load("STCharacters"), load("TSCharacters")
    # regional standards write some characters as simplified text does (Taiwan 群 峰 秘 床, Hong Kong 痴):
    # those are valid traditional characters, not evidence of simplified text
    regional = {c for name in ("TWVariants", "HKVariants") for v in load(name).values() for c in v}
    simp_only = sorted(k for k, v in st.items() if len(k) == 1 and k not in v and k not in regional)
    trad_only = sorted(k for k, v in ts.items() if len(k) == 1 and k not in v)
    version = getattr(opencc, "__version__", "unknown")
    OUT.write_text(
        "# taosha script tables: characters that occur in only one of the two scripts.\n"
        f"# source: OpenCC {version} STCharacters, TSCharacters, TWVariants, HKVariants (Apache-2.0),\n"
        "# via scripts/build_script_tables.py\n"
        "# format: two lines after this header, 'simplified_only<TAB>CHARS' and 'traditional_only<TAB>CHARS'\n"
        f"simplified_only\t{''.join(simp_only)}\n"
        f"traditional_only\t{''.join(trad_only)}\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(simp_only)} simplified-only, {len(trad_only)} traditional-only characters")


if __name__ == "__main__":
    main()
