"""Find the traditional characters OpenCC's t2s leaves as they are, for src/taosha/data/t2s_supplement.txt.

    python scripts/build_t2s_supplement.py [../shared/corpora/st_conversion/Unihan_Variants_ST.txt.gz]

Each character that Unihan gives a simplified variant (kSimplifiedVariant) other than itself is converted with
OpenCC's t2s; the ones that stay unchanged, whose Unihan simplified form is a standard simplified character
(GB 2312) and which are not themselves GB 2312 characters, are printed as candidate lines. The table is
reviewed by hand (the file's header says which candidates were left out and why), not written blindly.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import opencc

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "st_conversion" / "Unihan_Variants_ST.txt.gz"


def in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    t2s = opencc.OpenCC("t2s.json")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or "\tkSimplifiedVariant\t" not in line:
                continue
            code, _, values = line.rstrip("\n").split("\t")
            trad = chr(int(code[2:], 16))
            simple = [chr(int(v[2:], 16)) for v in values.split()]
            simple = [s for s in simple if s != trad and in_gb2312(s)]
            if simple and t2s.convert(trad) == trad and not in_gb2312(trad):
                print(f"{trad}\t{simple[0]}\tUnihan kSimplifiedVariant {code}")


if __name__ == "__main__":
    main()
