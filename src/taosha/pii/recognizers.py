"""Recognisers of Chinese personal data, each match judged with a checksum and its context.

A candidate comes from a pattern with digit and letter boundaries (never the middle of a longer number or
word); then each kind has its judge: the GB 11643 check digit, region code and birth date of an ID card
(python-stdnum's check digit and its region table), Luhn plus a card word or a UnionPay prefix for a bank card,
the allocated mobile prefixes, valid area codes, public IP addresses, and for QQ, WeChat, passport and
travel-permit numbers a context word right before the value. Digits inside a URL path, or right after a cue
of another kind of number (订单号, 快递单号, ISBN, 型号, …) are not personal data.

>>> [(f.kind, f.value) for f in find_pii("咨询热线：138-1234-5678，订单号：13812345678。")]
[('mobile', '13812345678')]
>>> [f.kind for f in find_pii("身份证号11010519491231002X，2018年5月22日，价格13800元")]
['id_card']
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from taosha.zh.sentences import STOPS_AND_BREAK

# Every kind, in the order that wins when two matches overlap: a checksum beats a pattern; a QQ word right
# before a number makes it a QQ number even when it reads as a mobile number; 微信 before a mobile number
# (an id made of it) leaves it a mobile number.
KINDS: tuple[str, ...] = (
    "id_card", "bank_card", "email", "ipv6", "ipv4", "qq", "mobile", "landline", "passport", "hk_macau_permit",
    "wechat", "plate",
)
_RANK = {k: i for i, k in enumerate(KINDS)}


class Found(NamedTuple):
    """One match: its span in the text, its kind, and the value normalised (ASCII digits, no separators)."""

    start: int
    end: int
    kind: str
    value: str


_FW = str.maketrans("０１２３４５６７８９ＸｘＸ＋", "0123456789XxX+")
D = "[0-9０-９]"
# not inside a longer number (1-2 too), a word, a decimal or an address
_LB = r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ_@.])(?<![0-9０-９][\-‐－])"
_RB = r"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ_@])(?![.．][0-9])"

# Context cues: looked for in the WINDOW characters before a match, on its line. Each list says, briefly, why;
# each holds the traditional forms too (Taiwan and Hong Kong pages, and pages repair.script leaves as they are).
WINDOW = 12
# another kind of number: an order, parcel, product, book or invoice number is not personal data
_NOT_PERSONAL = re.compile(
    "订单|单号|编号|货号|型号|条码|条形码|ISBN|isbn|快递|运单|物流|批号|序列号|流水号|发票|交易号|商品编码|"
    "商品号|货品|SKU|sku|串号|IMEI|imei|MEID|产品号|版本|邮编|邮政编码|工号|学号|准考证|书号|批准文号|"
    "注册号|专利|证书号|合同号|车架号|发动机号|No\\.?|NO\\.?|no\\.|编码|代码|ID:|ID：|id:|id：|"
    "訂單|單號|編號|貨號|型號|條碼|快遞|運單|物流|發票|交易號|序號|郵遞區號|郵編|統一編號|統編|證書號|編碼"
)
_PHONE_CUE = re.compile(
    "电话|手机|联系|热线|致电|拨打|座机|话费|来电|短信|传真|咨询|客服|号码|[Tt]el|TEL|[Pp]hone|[Mm]obile|"
    "[Ff]ax|FAX|☎|📞|办公室|值班|電話|手機|聯繫|聯絡|熱線|撥打|來電|簡訊|傳真|諮詢|客服|號碼|辦公室|專線|值班"
)
_ID_CUE = re.compile("身份证|身份号|证件|公民身份|居民身份|证号|ID号|户籍|身份證|證件|證號|戶籍")
_CARD_CUE = re.compile("卡号|银行|信用卡|借记卡|储蓄卡|账号|帐号|账户|帐户|开户|转账|汇款|收款|打款|户名|卡|"
                       "卡號|銀行|帳號|賬號|帳戶|開戶|轉帳|匯款|戶名")
_QQ_CUE = re.compile("(?<![A-Za-z])(?:QQ|qq|Qq|ＱＱ|扣扣|企鹅号)")
_WECHAT_CUE = re.compile(
    "微信|(?<![A-Za-z])(?:vx|VX|Vx|vX|wx|WX|weixin|WeChat|wechat|Wechat)(?![A-Za-z])|[Vv威薇]信"
)
_PASSPORT_CUE = re.compile("护照|護照|[Pp]assport|PASSPORT")
_PERMIT_CUE = re.compile("通行证|往来港澳|回乡证|通行證|往來港澳|回鄉證")
# what may stand between a cue and its value: separators and the cue words themselves (QQ/微信：123456)
_GAP = re.compile(r"[\s:：/／、号码號碼是为為加和或及同\-(（)）~～]*")  # a comma or full stop ends the cue's reach
# cues that may stand between a cue and its value (QQ/微信：…, 护照号码 No. …); a phone word there ends the reach
_SOCIAL_CUE = re.compile(f"{_QQ_CUE.pattern}|{_WECHAT_CUE.pattern}|{_PASSPORT_CUE.pattern}|{_PERMIT_CUE.pattern}|"
                         f"{_ID_CUE.pattern}|号码|号|號碼|號|No\\.?|NO\\.?|[Nn]umber")
_PRICE_AFTER = re.compile(r"[ \t]?(?:元|块|塊|万|萬|亿|億|円|人民币|RMB|rmb|美元|次|件|个|個|册|冊|页|頁|字)")
_PRICE_BEFORE = re.compile(r"[¥￥$＄€£]\s?$")

# -- candidates --------------------------------------------------------------------------------------------
_SEP = r"[ \-‐－]"
_MOBILE = re.compile(
    rf"{_LB}(?<![0-9][\-‐－])"
    rf"(?:(?:(?:\+|＋|00)\s?86|[(（]\+?86[)）])[ \-]?)?"
    rf"([1１][3-9３-９]{D}{_SEP}?{D}{{4}}{_SEP}?{D}{{4}}){_RB}(?![\-‐－][0-9])"
)
# mainland prefixes in service for people (MIIT numbering plan); 140-144, 146, 148 and 172 are IoT or
# data-only, 174 satellite
_MOBILE_PREFIX = frozenset(
    [f"13{d}" for d in range(10)] + ["145", "147", "149"] + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + ["162", "165", "166", "167", "170", "171", "173", "175", "176", "177", "178"] + [f"18{d}" for d in range(10)]
    + [f"19{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
)
# area codes: 010, 02X, 0[3-9]XX (two- and three-digit codes after the trunk 0)
_AREA = f"[0０](?:[1１][0０]|[2２]{D}|[3-9３-９]{D}{{2}})"
_EXT = "(?:-|转|轉|ext\\.?|分机|分機)"  # an extension
_LANDLINE = re.compile(
    rf"{_LB}(?<![0-9][\-‐－])"
    rf"(?:[(（]({_AREA})[)）]\s?|({_AREA})({_SEP}?))"
    rf"([2-9２-９]{D}{{2,3}}{_SEP}?{D}{{4}})(?:{_EXT}({D}{{1,5}}))?{_RB}(?![\-‐－][0-9])"
)
# ID card numbers: the date, check digit and region are judged in code (id_card_ok), for any digit width
_ID18 = re.compile(rf"{_LB}([1-9１-９]{D}{{16}}[0-9０-９XxＸｘ]){_RB}")
_ID15 = re.compile(rf"{_LB}([1-9１-９]{D}{{14}}){_RB}")
# a landline written with the country code, the area code without its trunk 0: 86-10-87826688, +86 755 2345 6789
_LANDLINE_CC = re.compile(
    rf"{_LB}(?<![0-9][\-‐－])(?:(?:\+|＋|00)\s?)?86[ \-‐－]?[(（]?0?"
    rf"([1１][0０]|[2２]{D}|[3-9３-９]{D}{{2}})[)）]?{_SEP}"
    rf"([2-9２-９]{D}{{2,3}}{_SEP}?{D}{{4}})(?:{_EXT}({D}{{1,5}}))?{_RB}(?![\-‐－][0-9])"
)
# a local number (7 or 8 digits, no area code): only right after a word that says phone (新闻热线：6123456)
_LOCAL = re.compile(rf"{_LB}(?<![0-9][\-‐－])([2-9２-９]{D}{{2,3}}{_SEP}?{D}{{4}}){_RB}(?![\-‐－][0-9])")
_LOCAL_CUE = re.compile(
    "电话|热线|座机|传真|致电|拨打|来电|電話|熱線|傳真|撥打|來電|專線|[Tt]el|TEL|[Pp]hone|[Ff]ax|FAX|☎"
)
# a chain of digit groups with single separators, taken whole (its cards are found by _card_numbers)
_CARD = re.compile(rf"{_LB}(?<![0-9] )(?<![0-9][\-‐－])({D}(?:[ \-]?{D}){{12,}})")
_GLUED = re.compile(r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ_@]|[.．][0-9]")  # after a chain: its last group is part of a code
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*"
    r"\.([A-Za-z]{2,24})(?![A-Za-z0-9\-])"
)
_FILE_TLDS = frozenset("png jpg jpeg gif svg webp bmp ico js css html htm php json xml txt pdf zip mp3 mp4".split())
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])((?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){2,7})(?![0-9A-Za-z:])")
# a dotted quad after these is a version or a price written with dots (买的时候是1.8.8.8), not an address
_NOT_ADDRESS_BEFORE = re.compile(r"(?:[Vv]|版本|[Vv]ersion|ver\.?|价|降到|涨到|是|为|卖|售)\s?$")
_DIGITS_VALUE = re.compile(rf"{_LB}([1-9１-９]{D}{{4,11}}){_RB}")  # QQ numbers: 5 to 12 digits
_WECHAT_VALUE = re.compile(r"(?<![A-Za-z0-9_\-])([A-Za-z][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])")
_PASSPORT_VALUE = re.compile(r"(?<![A-Za-z0-9])([EGDSPH][0-9]{8}|E[A-HJ-NP-Z][0-9]{7})(?![A-Za-z0-9])")
_PERMIT_VALUE = re.compile(r"(?<![A-Za-z0-9])([CW][0-9]{8}|C[A-HJ-NP-Z][0-9]{7})(?![A-Za-z0-9])")
_PLATE = re.compile(  # the province first, so that the engine skips to it; the boundary before it after it
    r"([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])(?<![A-Za-z0-9].)"
    r"([A-HJ-NP-Z])[·•・.\s]?([A-HJ-NP-Z0-9]{5,6})(?![A-Za-z0-9])"
)


def _norm(s: str) -> str:
    """ASCII digits, no separators: the value that is hashed and compared."""
    return re.sub(r"[\s\-‐－()（）+＋]", "", s.translate(_FW))


_CLAUSE_END = re.compile(f"[{re.escape(STOPS_AND_BREAK)}]")


def _before(text: str, start: int, n: int = WINDOW) -> str:
    """Up to `n` characters before `start`, not across a line break or a sentence end."""
    window = text[max(0, start - n) : start]
    cut = 0
    for m in _CLAUSE_END.finditer(window):
        cut = m.end()
    return window[cut:]


def _last(cue: re.Pattern[str], window: str) -> int:
    """End of the last match of `cue` in `window`, or -1."""
    end = -1
    for m in cue.finditer(window):
        end = m.end()
    return end


def _in_url(text: str, start: int) -> bool:
    """Whether `start` is inside a URL path or query (an id in `…/item/13812345678.html` is not a phone)."""
    lo = start
    while lo > 0 and start - lo < 200 and "!" <= text[lo - 1] <= "~":
        lo -= 1
    token = text[lo:start]
    return ("://" in token or "www." in token or "?" in token or "=" in token
            or _DOMAIN_PATH.search(token) is not None)


_DOMAIN_PATH = re.compile(r"[A-Za-z0-9\-]\.[A-Za-z]{2,}[:/]")  # example.com/ or jd.com:8080: a host before a path


def _other_number(text: str, start: int, own: re.Pattern[str] | None) -> bool:
    """Whether a cue of a non-personal number stands before `start`, nearer than the kind's own cue, with no
    other value between them (in 型号E675，138… the cue 型号 is E675's)."""
    window = _before(text, start)
    neg = _last(_NOT_PERSONAL, window)
    if neg < 0 or _ALNUM.search(window, neg):
        return False
    return own is None or _last(own, window) < neg


_ALNUM = re.compile("[0-9A-Za-z０-９]")


def _price(text: str, start: int, end: int) -> bool:
    return bool(_PRICE_AFTER.match(text, end) or _PRICE_BEFORE.search(text, max(0, start - 2), start))


def _cue_before(text: str, start: int, cue: re.Pattern[str], n: int = 10) -> bool:
    """Whether `cue` ends right before `start`, with only separators and other cues in between."""
    window = _before(text, start, n)
    end = -1
    for m in cue.finditer(window):
        end = m.end()
    if end < 0:
        return False
    gap = _SOCIAL_CUE.sub("", window[end:])
    return _GAP.fullmatch(gap) is not None


@lru_cache(maxsize=8192)
def region_exists(code6: str) -> bool:
    """Whether a GB/T 2260 county code was ever assigned (stdnum's table). Not checked against the birth year:
    a number carries the code of the place that issued it (from 1984 on), which may be younger than its holder.
    """
    from stdnum import numdb

    return any("county" in props for _, props in numdb.get("cn/loc").info(code6))


def _luhn_ok(digits: str) -> bool:
    from stdnum import luhn  # imported when first needed (see id_card_ok)

    return bool(luhn.is_valid(digits))


def id_card_ok(value: str) -> bool:
    """An 18-digit ID card number with the GB 11643 check digit, a valid birth date and region code.

    >>> id_card_ok("11010519491231002X"), id_card_ok("110105194912310021"), id_card_ok("990105194912310024")
    (True, False, False)
    """
    from stdnum.cn import ric  # imported when first needed: stdnum's import (ssl, sysconfig) is 0.1 s of start-up

    v = value.upper()
    if len(v) != 18 or not v[:17].isdigit() or v[-1] != ric.calc_check_digit(v):
        return False
    try:
        ric.get_birth_date(v)
    except Exception:  # InvalidComponent: no such date
        return False
    return region_exists(v[:6])


def id15_ok(value: str) -> bool:
    """The old 15-digit form (1984-1999): region code and birth date (19YYMMDD); it has no check digit."""
    import datetime

    try:
        datetime.date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
    except ValueError:
        return False
    return region_exists(value[:6])


def card_issuer_known(digits: str) -> bool:
    """A UnionPay card (62, 16-19 digits): the prefix of nearly every card issued in mainland China."""
    return digits.startswith("62") and 16 <= len(digits) <= 19


def _card_numbers(raw: str) -> list[tuple[int, str]]:
    """The card numbers in a chain of digit groups, as (offset, text): a contiguous group of 13-19 digits, or
    groups of four (the last may be shorter), the longest that passes Luhn. The chain may hold other numbers
    around them (a phone number before, a time after)."""
    seps = [m.start() for m in re.finditer(r"[ \-]", raw)]
    starts = [0, *(p + 1 for p in seps)]
    ends = [*seps, len(raw)]
    groups = [raw[a:b] for a, b in zip(starts, ends, strict=True)]
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(groups):
        if i and raw[starts[i] - 1] != " ":
            i += 1  # after a dash the group belongs to the number before it (010-6234…)
            continue
        k = i + 1  # groups i..k-1 may form a card: fours, then one of at most four
        while k < len(groups) and len(groups[k - 1]) == 4 and len(groups[k]) <= 4:
            k += 1
        for j in range(k, i, -1):
            text = raw[starts[i] : ends[j - 1]]
            digits = len(text) - (j - 1 - i)
            if j < len(groups) and raw[ends[j - 1]] != " ":
                continue  # a dash joins the next group to it: part of a longer code
            if 13 <= digits <= 19 and (j == i + 1 or len(groups[i]) == 4) and _luhn_ok(_norm(text)):
                out.append((starts[i], text))
                i = j - 1
                break
        i += 1
    return out


# Where a numeric kind can stand: a run of five or more digits (single separators inside). The pattern starts
# with a character class, so the regex engine skips the rest of the text in C; each kind's own pattern, whose
# lookbehind would make it try every position, then runs only around these runs.
_RUN = re.compile(r"[0-9０-９](?:[ \-‐－]?[0-9０-９]){4,}")
# the longest prefix a kind adds before its digits ((+86), E, （0755）), and suffix after them with its lookahead
# (转8021, ext.12345)
_RUN_BEFORE, _RUN_AFTER = 8, 12
_IPV4_QUICK = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
_QQ_WORDS = ("QQ", "qq", "Qq", "ＱＱ", "扣扣", "企鹅")
_WECHAT_WORDS = ("微信", "vx", "VX", "Vx", "vX", "wx", "WX", "weixin", "WeChat", "wechat", "Wechat", "V信", "v信",
                 "威信", "薇信")
_ID_WORDS = ("身份", "证件", "证号", "ID号", "户籍", "證件", "證號", "戶籍")
_PASSPORT_WORDS = ("护照", "護照", "assport", "ASSPORT")
_PERMIT_WORDS = ("通行证", "往来港澳", "回乡证", "通行證", "往來港澳", "回鄉證")


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def find_pii(text: str, kinds: frozenset[str] | None = None) -> list[Found]:
    """Every piece of personal data in `text`, sorted by start, without overlaps (see KINDS for precedence).

    >>> [(f.kind, f.value) for f in find_pii("微信：zhang_san88，QQ 123456789，邮箱 a.b@example.com")]
    [('wechat', 'zhang_san88'), ('qq', '123456789'), ('email', 'a.b@example.com')]
    """
    n = len(text)
    windows: list[tuple[int, int]] = []
    for m in _RUN.finditer(text):
        lo, hi = max(0, m.start() - _RUN_BEFORE), min(n, m.end() + _RUN_AFTER)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return _find(text, kinds or frozenset(KINDS), windows)


def find_pii_reference(text: str, kinds: frozenset[str] | None = None) -> list[Found]:
    """`find_pii` with every pattern run over the whole text: the plain version the fast one is tested against."""
    return _find(text, kinds or frozenset(KINDS), [(0, len(text))], quick=False)


def _find(text: str, want: frozenset[str], windows: list[tuple[int, int]], quick: bool = True) -> list[Found]:
    found: set[Found] = set()
    add = found.add
    for lo, hi in windows:
        _numeric(text, want, lo, hi, add, quick)
    if "qq" in want and (not quick or _has(text, _QQ_WORDS)):
        for m in _QQ_CUE.finditer(text):
            v = _value_after(_DIGITS_VALUE, text, m.end(), 10)
            if v is not None:
                s = v.start(1)
                if _cue_before(text, s, _QQ_CUE) and "群" not in _before(text, s, 8):
                    add(Found(s, v.end(1), "qq", _norm(v.group(1))))
    if "ipv4" in want and "." in text:
        for m in _IPV4_QUICK.finditer(text):
            s, e = m.start(), m.end()
            if (s and text[s - 1] in _NOT_BEFORE_IPV4) or text[e : e + 1].isdigit() or _DOT_DIGIT.match(text, e):
                continue
            if _DASH_DIGIT.match(text, e) or (s > 1 and text[s - 1] in "-‐－" and text[s - 2].isdigit()):
                continue  # joined to another number by a dash
            addr = m.group()
            try:
                ip = ipaddress.IPv4Address(addr)
            except ValueError:  # an octet over 255, or with a leading zero
                continue
            if _NOT_ADDRESS_BEFORE.search(text, max(0, s - 8), s) or _price(text, s, e):
                continue
            if ip.is_global:
                add(Found(s, e, "ipv4", addr))
    if "plate" in want:
        for m in _PLATE.finditer(text):
            tail = m.group(3)
            if sum(c.isdigit() for c in tail) >= 3 and (len(tail) == 5 or tail[0] in "DF" or tail[-1] in "DF"):
                add(Found(m.start(), m.end(), "plate", m.group(1) + m.group(2) + tail))
    if "ipv6" in want and ("::" in text or text.count(":") >= 7):
        for m in _IPV6.finditer(text):
            addr = m.group(1)
            colons = addr.count(":")
            if colons < 2 or ("::" not in addr and colons != 7) or sum(1 for g in addr.split(":") if g) < 2:
                continue  # fewer than two groups (1::, ::1) is a time, a ratio or a loopback, never a person's
            try:
                ip6 = ipaddress.IPv6Address(addr)
            except ValueError:
                continue
            if ip6.is_global:
                add(Found(m.start(1), m.end(1), "ipv6", addr.lower()))
    if "email" in want and "@" in text:
        for m in _EMAIL.finditer(text):
            if m.group(1).lower() not in _FILE_TLDS:
                add(Found(m.start(), m.end(), "email", m.group().lower()))
    if "wechat" in want and (not quick or _has(text, _WECHAT_WORDS)):
        for m in _WECHAT_CUE.finditer(text):
            tail = text[m.end() : m.end() + 12]
            if tail.startswith(("公众", "公眾", "群", "支付", "小程序")):
                continue  # an official account, a group, a payment: not a person's id
            v = _value_after(_WECHAT_VALUE, text, m.end(), 14)
            if v is not None and _cue_before(text, v.start(1), _WECHAT_CUE, v.start(1) - m.start() + 1):
                add(Found(v.start(1), v.end(1), "wechat", v.group(1)))
            v = _value_after(_DIGITS_VALUE, text, m.end(), 12)
            # 微信：12345678 (an id made of a QQ number); a mobile number there stays a mobile number
            if v is not None and _cue_before(text, v.start(1), _WECHAT_CUE, v.start(1) - m.start() + 1):
                add(Found(v.start(1), v.end(1), "wechat", _norm(v.group(1))))
    return _resolve(list(found))


def _value_after(value: re.Pattern[str], text: str, pos: int, reach: int) -> re.Match[str] | None:
    """The first match of `value` that starts within `reach` characters after a cue ending at `pos`. The search
    stops a value's length (20) and its lookahead past that, so a longer number is not cut into a match."""
    v = value.search(text, pos, min(len(text), pos + reach + 24))
    return v if v is not None and v.start(1) <= pos + reach else None


_NOT_BEFORE_IPV4 = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")
_DOT_DIGIT = re.compile(r"[.．][0-9]")
_DASH_DIGIT = re.compile(r"[\-‐－][0-9]")


def _judge_card(text: str, s: int, raw: str, add: Callable[[Found], None]) -> None:
    """A Luhn-valid number at `s`: a card with a card word before it, or a UnionPay (or grouped Visa or
    Mastercard) number; not after a nearer cue of an order number or an ID card, not in a URL."""
    v = _norm(raw)
    window = _before(text, s, 16)
    cue = _last(_CARD_CUE, window)
    if not (cue >= 0 or card_issuer_known(v) or (len(v) == 16 and " " in raw and v[0] in "45")):
        return
    if _last(_ID_CUE, window) > cue:
        return  # 证件号：… after 户名: an ID card number (here one that failed its own checks)
    if _other_number(text, s, _CARD_CUE) or _in_url(text, s):
        return
    add(Found(s, s + len(raw), "bank_card", v))


def _numeric(text: str, want: frozenset[str], lo: int, hi: int, add: Callable[[Found], None], quick: bool) -> None:
    """The kinds made of digits, matched in `text[lo:hi]` (the patterns' lookbehinds see before `lo`)."""
    if "id_card" in want:
        for m in _ID18.finditer(text, lo, hi):
            v = _norm(m.group(1))
            if id_card_ok(v):
                add(Found(m.start(1), m.end(1), "id_card", v))
        if not quick or _has(text, _ID_WORDS):
            for m in _ID15.finditer(text, lo, hi):
                v = _norm(m.group(1))
                if id15_ok(v) and _cue_before(text, m.start(1), _ID_CUE, WINDOW):
                    add(Found(m.start(1), m.end(1), "id_card", v))
    if "bank_card" in want:
        for m in _CARD.finditer(text, lo, hi):
            chain = m.group(1)
            if _GLUED.match(text, m.end(1)):  # 1101…1002X: the last group is not a number of its own
                cut = max(chain.rfind(" "), chain.rfind("-"))
                if cut < 0:
                    continue
                chain = chain[:cut]
            for off, raw in _card_numbers(chain):
                _judge_card(text, m.start(1) + off, raw, add)
    if "mobile" in want:
        for m in _MOBILE.finditer(text, lo, hi):
            v = _norm(m.group(1))
            if v[:3] not in _MOBILE_PREFIX:
                continue
            s = m.start()
            if _in_url(text, s) or _other_number(text, s, _PHONE_CUE) or _price(text, s, m.end()):
                continue
            add(Found(s, m.end(), "mobile", v))
    if "landline" in want:
        for m in _LANDLINE.finditer(text, lo, hi):
            s = m.start()
            separated = m.group(1) is not None or bool(m.group(3))
            if not separated and not _last(_PHONE_CUE, _before(text, s)) >= 0:
                continue
            if _in_url(text, s) or _other_number(text, s, _PHONE_CUE) or _price(text, s, m.end()):
                continue
            add(Found(s, m.end(), "landline", _norm(m.group())))
    if "landline" in want:
        for m in _LANDLINE_CC.finditer(text, lo, hi):
            s = m.start()
            if not (_in_url(text, s) or _other_number(text, s, _PHONE_CUE) or _price(text, s, m.end())):
                add(Found(s, m.end(), "landline", _norm(m.group())))
        for m in _LOCAL.finditer(text, lo, hi):
            s = m.start(1)
            if _cue_before(text, s, _LOCAL_CUE) and not _price(text, s, m.end()):
                add(Found(s, m.end(1), "landline", _norm(m.group(1))))
    if "passport" in want and (not quick or _has(text, _PASSPORT_WORDS)):
        for m in _PASSPORT_VALUE.finditer(text, lo, hi):
            if _cue_before(text, m.start(1), _PASSPORT_CUE, 14):
                add(Found(m.start(1), m.end(1), "passport", m.group(1)))
    if "hk_macau_permit" in want and (not quick or _has(text, _PERMIT_WORDS)):
        for m in _PERMIT_VALUE.finditer(text, lo, hi):
            if _cue_before(text, m.start(1), _PERMIT_CUE, 14):
                add(Found(m.start(1), m.end(1), "hk_macau_permit", m.group(1)))


def _resolve(found: list[Found]) -> list[Found]:
    """Non-overlapping matches: by kind precedence, then earlier and longer first."""
    if len(found) < 2:
        return found
    found.sort(key=lambda f: (_RANK[f.kind], f.start, -f.end))
    taken: list[Found] = []
    for f in found:
        if all(f.end <= t.start or f.start >= t.end for t in taken):
            taken.append(f)
    taken.sort(key=lambda f: f.start)
    return taken
