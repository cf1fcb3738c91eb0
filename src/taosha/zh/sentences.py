"""Where Chinese sentences end: the one definition the steps share.

>>> "。" in STOPS, "\\n" in STOPS, "\\n" in STOPS_AND_BREAK, "」" in LINE_END
(True, False, True, True)
"""

from __future__ import annotations

# full-width and ASCII marks that end a sentence; the semicolon too: a clause as long as a sentence
STOPS = "。！？!?；;"
# where texts are cut into sentences for counting (script detection, quality signals, PII context): a line break
# ends one as well
STOPS_AND_BREAK = STOPS + "\n"
# what a complete line may end with (clean.structure): a stop, an ellipsis, a closing quote or bracket, a Latin
# full stop
LINE_END = STOPS + "…」”』）)》."
