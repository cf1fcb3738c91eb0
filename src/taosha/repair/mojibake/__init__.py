"""Undo CJK mojibake in decoded text, recording each repair as an edit.

Three families, from cheapest to most involved:

1. Debris: `锟斤拷`, `烫烫烫`, `屯屯屯`, runs of U+FFFD — bytes that are gone; removed (or only counted).
2. Reversible wrong decodings: UTF-8 read as GBK/GB18030 (`浣犲ソ` → 你好) or as Big5, GBK read as Big5 and
   the reverse, UTF-8 read as cp1252/latin-1 (`ä½ å¥½` → 你好, through ftfy). The wrong text is encoded back
   with the codec that misread it and decoded with the right one; a repair is kept only when the character
   model (`taosha.zh.lm`) finds the result far more probable than what was there.
3. Misaligned GBK: a byte lost or gained, or the full-width → half-width pass of PHP tools that rewrote a
   byte pair across two characters (`要求??偨Y(jié)` for 要求。總結(jié)). The line is turned back into its bytes
   (`?` standing for a byte that was lost), a rewrite is hypothesised at the damage, the bytes are decoded
   again, and lost bytes are filled with the candidate the character model (and a surviving pinyin
   annotation) prefers. The best hypothesis wins only when it clearly beats the damaged line.

Detection is conservative: a line is examined only when it holds debris, `?` next to non-ASCII text, runs
of rare characters or Latin-1 letters, and a repair must win by a margin.

The package, one module per concern (each imports only those listed before it):

- `questions`: whether a `?` is a question mark, a character the source lost, or a lost byte.
- `score`: the character model as the families use it (mean score, words, bonds, shares of text).
- `fill`: choosing characters for lost bytes (candidates, the document's cache model, `DocumentContext`).
- `rivals`: rival chains for a reading (GBK one byte out of step, UTF-8, U+FFFD's bytes): a reading that
  another chain explains is the wrong chain.
- `codec`: codec chains and byte tables as data (REDECODES, GBK tables, `to_bytes`, `decode_tokens`).
- `gate`: the cheap per-batch gate that says which families a document needs.
- `windows`: finding and judging the stretches a reversible misreading covers.
- `redecode`: family 2 over a document (runs, whole pages, fragments, Latin letters).
- `lossy`: UTF-8 read as GBK/GB18030 by a decoder that wrote U+FFFD for each byte it rejected, read across them
  (each U+FFFD one byte, one of those the decoder rejects before the next byte).
- `shifted`: GBK read by a Big5 decoder that lost bytes, read back from its bytes (a lost character written
  only where its choice is reliable, `fill.reliable_fills`).
- `damage`, `evidence`, `realign`: family 3: where a line's damage is, whether its bytes show misalignment
  (the null hypothesis), and the hypotheses that rewrite it.
- `deleted`: a deleted GBK byte, the stretch it put out of step re-read one byte later from its own bytes;
  `replacement`: U+FFFD's bytes read as GBK outside 锟斤拷 (counted).
- `unread`: short GBK <-> Big5 stretches the bytes admit but do not prove, counted (or, holding a private-use
  character, written back).
- `step`: the `repair.mojibake` step, family 1 (debris) and the order the families run in.
"""

from taosha.repair.mojibake.codec import PAIR_REDECODES, REDECODES, UNKNOWN, decode_tokens, to_bytes
from taosha.repair.mojibake.fill import DocumentContext, document_counts
from taosha.repair.mojibake.questions import unrepaired_at
from taosha.repair.mojibake.step import DEBRIS, Mojibake

__all__ = [
    "DEBRIS",
    "PAIR_REDECODES",
    "REDECODES",
    "UNKNOWN",
    "DocumentContext",
    "Mojibake",
    "decode_tokens",
    "document_counts",
    "to_bytes",
    "unrepaired_at",
]
