"""U+FFFD's UTF-8 bytes (EF BF BD) read as GBK where they do not make the whole `锟斤拷`: GBK text read as UTF-8 (each
byte it could not read a U+FFFD), saved as UTF-8 and read as GBK again. EF BF is 锟, and BD pairs with the next
byte (`锟铰达拷` for 月代: D4 C2 B4 FA read as UTF-8 is U+FFFD ´ U+FFFD). The bytes that U+FFFD stood for are gone,
so nothing is repaired: each such pair is counted as unrepaired (the whole `锟斤拷` is debris, `step.DEBRIS`).
"""

from __future__ import annotations

import re

_KUN = re.compile("锟(.)", re.DOTALL)


def replacement_pairs(text: str) -> int:
    """锟 followed by a character whose GBK lead byte is BD (the third byte of U+FFFD's UTF-8). Measured on real
    text: 锟 stands in one Wikipedia paragraph of 3,104 and in none of the 62,774 shopping reviews, never so."""
    n = 0
    for m in _KUN.finditer(text):
        if text.startswith("锟斤拷", m.start()):
            continue  # the whole of it: debris (kept when debris="flag"), not a pair left over
        try:
            raw = m.group(1).encode("gbk")
        except UnicodeEncodeError:
            continue
        n += len(raw) == 2 and raw[0] == 0xBD
    return n
