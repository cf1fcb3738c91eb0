"""What taosha knows about Chinese text, below every step: sentence ends (`sentences`), scripts and their character
tables (`script`), pinyin readings (`readings`) and the character model (`lm`).

Imports only `taosha.document`, `taosha.errors` and `taosha.textarrays`: every step package may use it, and it
uses none of them.
"""
