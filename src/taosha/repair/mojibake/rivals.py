"""Rival chains for a reading of Big5 read as GB18030: text that another chain explains is not Big5's.

Big5 read as GB18030 (`big5_as_gbk`) is read back window by window wherever the reading is frequent traditional
text. Other damage makes windows that pass so: GBK text one byte out of step (a byte deleted or turned into '?':
`澹\\ue0e6锛岬耐馍` for 族，孙坚的外甥), UTF-8 read as GBK (the middle layer of UTF-8 encoded twice through GBK,
`缁\\ue0a5櫕鐖`), and U+FFFD's UTF-8 bytes read as GBK (`锟侥` for EF BF BD C4). Their Big5 readings are garbage
that happens to hold frequent characters (`岡皆`, `旭暔娃姥皈`, `嚙衝鳴蕭`), and writing them turns the damage into
other damage that no later pass reads back. A window is the wrong chain, and is left as it stood, when its bytes
prove another chain (U+FFFD's UTF-8 bytes; the run's bytes are UTF-8) or when the same bytes one byte out of step
read as GBK text that beats the Big5 reading by `_OUT_OF_STEP_GAIN` nats a character (`rival_chain`).
"""

from __future__ import annotations

import difflib
import re

from taosha.zh.lm import CharLM, for_script

# U+FFFD's UTF-8 bytes: GBK read as UTF-8 wrote one for each byte it could not read, saved as UTF-8 and read as GBK
# again (锟斤拷, or 锟 + a character whose lead byte is BD: `replacement.replacement_pairs`)
_REPLACEMENT_BYTES = b"\xef\xbf\xbd"
# a run whose GB18030 bytes hold this many UTF-8 sequences of two bytes or more, and at most a third as many bad
# bytes, is UTF-8 read as GBK: on the chains generator's dev seed (seed 1) 38 of the 51 runs `big5_as_gbk` wrote in
# utf-8>gbk>utf-8>gbk, none of the 325 in big5>gbk (the most a Big5 run held: 4 sequences against 17 bad bytes)
_UTF8_SEQUENCES = 2
_UTF8_BAD = 3
# the same with lost bytes (`utf8_with_lost_bytes`): of the stretches `shifted` read back on the dev seed, UTF-8 read
# as Big5 or cp950 holds 40 of 46 and 21 of 23 so, GBK read as Big5 3 of 474 (one of 474 at three times)
_UTF8_LOST_BAD = 2
# nats a character by which the window's bytes one byte out of step, read as GBK, beat its Big5 reading (both
# scored with the model of no script, U+FFFD and private-use characters left out): on the dev seed, 241 of the 248
# windows written in gbk-byte-deleted and 82 of 82 in gbk-byte-to-? gain 1 nat or more; of big5>gbk's 624 windows,
# none whose rival holds a Han character gains more than -0.43 (0.84 at most with none: `瑀` + two private-use
# characters read as `r`, U+FFFD, `A`: no text)
_OUT_OF_STEP_GAIN = 1.0
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
# windows of the reading closer than this are one (a digit or a character read as itself inside a window)
_WINDOW_GAP = 3


def keep_proven(run: str, best: str, lm: CharLM | None = None, left_out: list[str] | None = None) -> tuple[str, int]:
    """`best` (`run` with windows of Big5 read as GB18030 read back) with every window another chain explains
    (`rival_chain`) put back as it stood in `run`, and the characters so left (damage, to count as unrepaired);
    `left_out`, where given, gets the windows so left."""
    if best == run:
        return best, 0
    windows = _windows(run, best)
    if utf8_bytes(run):  # the run is UTF-8 read as GBK: no window is Big5
        if left_out is not None:
            left_out.extend(run[i1:i2] for i1, i2, _, _ in windows)
        return run, sum(i2 - i1 for i1, i2, _, _ in windows)
    lm = lm or for_script("neutral")
    out, pos, left = [], 0, 0
    for i1, i2, j1, j2 in windows:
        out.append(best[pos:j1])
        if rival_chain(run, i1, i2, best[j1:j2], lm) is not None:
            out.append(run[i1:i2])
            left += i2 - i1
            if left_out is not None:
                left_out.append(run[i1:i2])
        else:
            out.append(best[j1:j2])
        pos = j2
    out.append(best[pos:])
    return "".join(out), left


def rival_chain(text: str, start: int, end: int, reading: str, lm: CharLM | None = None) -> str | None:
    """The chain that explains `text[start:end]` better than its Big5 reading `reading` ('replacement': U+FFFD's
    UTF-8 bytes read as GBK; 'gbk_out_of_step': GBK read one byte out of step), or None."""
    raw = text[max(0, start - 1) : end + 1].encode("gb18030", "replace")  # (a lone surrogate: not text)
    if _REPLACEMENT_BYTES in raw:
        return "replacement"
    lm = lm or for_script("neutral")
    here = _mean(lm, reading)
    if here is None:
        return None
    own = text[start:end].encode("gb18030", "replace")
    before = text[start - 1 : start].encode("gb18030", "replace")[-1:] if start else b""
    after = text[end : end + 1].encode("gb18030", "replace")[:1]
    for shifted in (own[1:] + after, before + own[:-1]):  # one byte lost before it, or one gained
        rival = shifted.decode("gbk", "replace")
        score = _mean(lm, rival)
        if score is not None and _HAN.search(rival) and score - here >= _OUT_OF_STEP_GAIN:
            return "gbk_out_of_step"
    return None


def utf8_bytes(run: str) -> bool:
    """Whether `run`'s GB18030 bytes are UTF-8 (`_UTF8_SEQUENCES`, `_UTF8_BAD`)."""
    try:
        text = run.encode("gb18030").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return False
    bad = text.count("\ufffd")
    good = sum(c >= "\x80" for c in text) - bad
    return good >= _UTF8_SEQUENCES and bad * _UTF8_BAD <= good


def _mean(lm: CharLM, text: str) -> float | None:
    """The model's log-probability a character, U+FFFD and private-use characters (no text) left out."""
    kept = "".join(c for c in text if c != "\ufffd" and not "\ue000" <= c <= "\uf8ff")
    return lm.score(kept) / len(kept) if kept else None


def _windows(run: str, best: str) -> list[tuple[int, int, int, int]]:
    """The changed stretches of `run` -> `best` as (start, end in run, start, end in best), those closer than
    `_WINDOW_GAP` merged."""
    out: list[tuple[int, int, int, int]] = []
    ops = difflib.SequenceMatcher(None, run, best, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        if out and i1 - out[-1][1] < _WINDOW_GAP and j1 - out[-1][3] < _WINDOW_GAP:
            out[-1] = (out[-1][0], i2, out[-1][2], j2)
        else:
            out.append((i1, i2, j1, j2))
    return out


def utf8_with_lost_bytes(tokens: list[int]) -> bool:
    """Whether bytes with lost ones (-1, any byte) are UTF-8 rather than GBK: UTF-8 sequences of two bytes or more
    that fit them, lost bytes standing for any continuation byte, at least `_UTF8_SEQUENCES` and `_UTF8_LOST_BAD`
    times as many as the high bytes that break a sequence. UTF-8 read as Big5 (a lead byte lost wherever Big5
    rejects the pair) re-read as GBK read as Big5 gives UTF-8-as-GBK mojibake (锛 for ，, 涓 for 不): that reading is
    the wrong chain (`shifted`)."""
    good = bad = i = 0
    n = len(tokens)
    while i < n:
        b = tokens[i]
        if b < 0x80:  # ASCII, or a lost byte standing alone
            i += 1
            continue
        need = 1 if 0xC2 <= b <= 0xDF else 2 if 0xE0 <= b <= 0xEF else 3 if 0xF0 <= b <= 0xF4 else 0
        if need and all(i + k < n and (tokens[i + k] < 0 or 0x80 <= tokens[i + k] <= 0xBF) for k in range(1, need + 1)):
            good += 1
            i += need + 1
        else:
            bad += 1
            i += 1
    return good >= _UTF8_SEQUENCES and bad * _UTF8_LOST_BAD <= good
