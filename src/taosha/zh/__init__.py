"""What taosha knows about Chinese text, below every step: sentence ends (`sentences`), scripts and their character
tables (`script`), pinyin readings (`readings`), the character model (`lm`) and, here, `HAN`: the Han characters
as a regex class.

Imports only `taosha.document`, `taosha.errors` and `taosha.textarrays`: every step package may use it, and it
uses none of them.
"""

# the Han characters as the body of a regex class: the unified ideographs, extension A, the compatibility ideographs
# and the supplementary planes' extensions (B to H)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
