"""Evaluation of `pii.mask`'s recognisers: precision and recall per kind, and speed.

1. Generated: realistic Chinese contexts (ads, reviews, lists, forms) with valid values of every kind and
   near-valid look-alikes (wrong check digit, wrong length, bad date or region, order and parcel numbers,
   dates, prices, ISBNs, product codes, version numbers, private addresses, numbers in URLs). Scored by exact
   span and kind; a look-alike is never to be matched.
2. Real: candidate matches in ../shared/corpora (shopping reviews, DAnIEL news pages and their reference
   texts, the seed page) labelled by hand in `eval/data/pii_real_labels.tsv` (only record, span and label
   are stored; the text is read from ../shared). Split by record into a dev half (looked at while tuning)
   and a confirm half (reported, not tuned on). A prediction counts by the label of the candidate it
   overlaps; one that overlaps no labelled candidate is reported as unlabelled.
3. Speed: MB/s per CPU second of `find_pii` and of the whole step, and of a plain-regex baseline (the peers'
   approach: one regex per kind, no checks) on the same texts, in the same run.

Targets (issue 23): per kind precision >= 99% and recall >= 98% on the generator; precision >= 98% on the
real confirm half.

    python eval/eval_pii.py [--n 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import sys
import tarfile
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from stdnum import luhn
from stdnum.cn import ric

from common import SHARED, below_floors
from taosha.document import Document
from taosha.pii.mask import PiiMask
from taosha.pii.recognizers import KINDS, find_pii, region_exists

LABELS = Path(__file__).parent / "data" / "pii_real_labels.tsv"

# -- the generator -------------------------------------------------------------------------------------------
# region codes valid in every birth year drawn below (checked against stdnum's table at import)
REGIONS = ["110101", "110105", "310104", "440106", "330106", "510107", "420106", "320102", "370102",
           "610113", "120101", "210102", "350203", "430102", "530102"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152",
                   "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "185",
                   "186", "187", "188", "189", "191", "198", "199"]
AREAS = ["010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0311", "0371", "0431",
         "0451", "0531", "0551", "0571", "0591", "0731", "0755", "0769", "0871", "0898", "0931"]
BINS = ["622202", "622848", "621700", "622588", "621226", "622700", "621661", "622262", "623668", "625965"]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
NAMES = ["张先生", "李女士", "王经理", "刘老师", "陈师傅", "赵总", "小周", "黄姐"]
FILLER = [
    "本店新到一批货，欢迎新老顾客前来选购。", "房子南北通透，采光很好，小区环境安静。",
    "收到货了，包装很好，物流也快。", "2018年5月22日下午三点在学校礼堂举行。",
    "全场满199减100，活动截止到6月18日。", "价格是3299元，比实体店便宜了200元。",
    "第3期培训共有45名学员参加。", "本书第2版于2015年印刷，共320页。", "温度保持在25到30度之间即可。",
    "会议纪要如下，请各部门传达。", "招聘普工若干名，月薪4500-6000元，包吃住。", "客服态度很好，问题当天就解决了。",
    "该小区建于2008年，共有12栋楼。", "下单后第二天就到了，比预期快。", "申请人需填写以下信息，并于7月1日前提交。",
]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def birth(rng: random.Random, lo: int = 1950, hi: int = 2005) -> str:
    return f"{rng.randint(lo, hi)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def id18(rng: random.Random) -> str:
    body = rng.choice(REGIONS) + birth(rng) + f"{rng.randint(0, 999):03d}"
    check = ric.calc_check_digit(body + "0")
    return body + (check.lower() if rng.random() < 0.3 else check)  # an X is often written x


def mobile(rng: random.Random) -> str:
    digits = rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
    style = rng.randrange(6)
    if style == 1:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if style == 3:
        return "+86 " + digits
    if style == 4:
        return "+86-" + f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return digits


def landline(rng: random.Random) -> str:
    area = rng.choice(AREAS)
    n = 7 if len(area) == 3 else rng.choice((6, 7))
    local = str(rng.randint(2, 8)) + "".join(rng.choice("0123456789") for _ in range(n))
    style = rng.randrange(6)
    if style == 1:
        return f"({area}){local}"
    if style == 2:
        return f"{area} {local}"
    if style == 3:
        return f"{area}-{local}-{rng.randint(1, 9999)}"
    if style == 4:
        return f"{area}-{local}转{rng.randint(1, 9999)}"
    if style == 5:
        return f"({area}){local[:-4]}-{local[-4:]}"
    return f"{area}-{local}"


def card(rng: random.Random) -> str:
    digits = luhn_complete(rng.choice(BINS), rng.choice((16, 19)), rng)
    if rng.random() < 0.5:
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return digits


def email(rng: random.Random) -> str:
    user = rng.choice(["zhang", "li.ming", "wang_fang", "chen88", "liu.yang2010", "hr", "service", "xiaoyu"])
    if rng.random() < 0.4:
        user = str(rng.randint(10000, 9999999999))  # a QQ mailbox
    if rng.random() < 0.1:
        user = user.upper()
    return user + "@" + rng.choice(["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "foxmail.com",
                                    "company.com.cn", "pku.edu.cn", "yeah.net"])


def ipv4(rng: random.Random) -> str:
    while True:
        a = rng.choice([36, 39, 42, 58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
                        120, 121, 122, 123, 124, 125, 171, 175, 180, 182, 183, 202, 210, 211, 218, 219, 220, 221, 222])
        return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    head = rng.choice(["2409:8a00", "240e:3a1", "2408:8207", "2001:da8"])
    groups = [f"{rng.randint(1, 0xFFFF):x}" for _ in range(6)]
    if rng.random() < 0.5:  # compressed: a run of zero groups as ::
        k = rng.randint(0, 4)
        return ":".join([head, *groups[:k]]) + "::" + ":".join(groups[k + 1 + rng.randint(0, 1):])
    return head + ":" + ":".join(groups)


def qq(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 10)))


def wechat(rng: random.Random) -> str:
    first = rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHJKLMN")
    rest = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(rng.randint(5, 15)))
    return first + rest


def passport(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "E" + "".join(rng.choice("0123456789") for _ in range(8))
    return "E" + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + "".join(rng.choice("0123456789") for _ in range(7))


def permit(rng: random.Random) -> str:
    return "C" + "".join(rng.choice("0123456789") for _ in range(8))


def plate(rng: random.Random) -> str:
    head = rng.choice(PROVINCES) + rng.choice(PLATE_LETTERS)
    sep = rng.choice(["", "·", " "])
    if rng.random() < 0.2:  # new energy: D or F, then five digits
        tail = rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
    else:
        tail = "".join(rng.choice("0123456789") for _ in range(4))
        k = rng.randrange(5)
        tail = tail[:k] + rng.choice(PLATE_LETTERS + "0123456789") + tail[k:]
    return head + sep + tail


# each kind: how a value is made, and the contexts it stands in ({v} is the value, {n} a name)
POSITIVE = {
    "id_card": (id18, ["身份证号：{v}", "{n}，身份证号码{v}，现住", "公民身份号码 {v}", "证件号：{v}（已核实）",
                       "中标人{n}，{v}，", "持证人：{n}  {v}"]),
    "mobile": (mobile, ["咨询热线：{v}", "有意者请联系{n} {v}", "手机{v}（微信同号）", "电话/微信：{v}",
                        "联系人：{n}，电话：{v}。", "{n}{v}", "欢迎来电{v}咨询", "预约请拨打{v}，地址见下",
                        "电话：{v}/微信同号", "{v}（{n}）", "聯繫電話：{v}"]),
    "landline": (landline, ["电话：{v}", "联系电话 {v}", "办公室：{v}，传真同号", "订座热线{v}", "Tel: {v}",
                            "地址：人民路88号，电话{v}"]),
    "bank_card": (card, ["卡号：{v}", "请汇款至工商银行 {v} 户名{n}", "银行卡号{v}", "收款账号：{v}",
                         "转账到{v}，", "借记卡 {v}"]),
    "email": (email, ["邮箱：{v}", "简历请发送至{v}，注明应聘岗位", "E-mail: {v}", "有问题可发邮件到 {v} 。",
                      "联系{n}（{v}）"]),
    "ipv4": (ipv4, ["来自IP：{v}", "服务器地址 {v} 已封禁", "登录IP {v}，", "[{v}] 网友评论："]),
    "ipv6": (ipv6, ["IPv6地址：{v}", "来源 {v} 的访问", "IP属地 {v}，"]),
    "qq": (qq, ["QQ：{v}", "加QQ {v} 详聊", "扣扣{v}", "QQ号码：{v}", "联系QQ:{v}", "我的qq是{v}"]),
    "wechat": (wechat, ["微信：{v}", "加微信 {v} 备注来意", "vx：{v}", "微信号{v}", "V信：{v}", "wx: {v}"]),
    "passport": (passport, ["护照号码：{v}", "护照号 {v}", "持中国护照（{v}）", "passport No. {v}"]),
    "hk_macau_permit": (permit, ["港澳通行证号码：{v}", "往来港澳通行证 {v}", "通行证号{v}"]),
    "plate": (plate, ["车牌号{v}的车主", "一辆{v}的白色轿车", "肇事车辆{v}已被扣留", "车号：{v}"]),
}


def near_valid(rng: random.Random) -> tuple[str, str]:
    """A look-alike in its context: (category, text with the value between ⟦ and ⟧)."""
    kind = rng.randrange(21)
    if kind == 0:  # an ID card number with a wrong check digit
        good = id18(rng)
        bad = good[:-1] + rng.choice([c for c in "0123456789X" if c != good[-1].upper()])
        return "id_bad_check", f"身份证号：⟦{bad}⟧"
    if kind == 1:  # wrong length
        good = id18(rng)
        return "id_bad_length", f"身份证号码⟦{good[:-1] if rng.random() < 0.5 else good + str(rng.randint(0, 9))}⟧"
    if kind == 2:  # impossible birth date, or a region code that does not exist
        body = (rng.choice(REGIONS) + f"{rng.randint(1950, 2005)}13{rng.randint(1, 28):02d}" if rng.random() < 0.5
                else "990101" + birth(rng)) + f"{rng.randint(0, 999):03d}"
        return "id_bad_date_region", f"证件号：⟦{body + ric.calc_check_digit(body + '0')}⟧"
    if kind == 3:  # an order number that looks like a mobile number
        return "order_number", f"订单号：⟦{rng.choice(MOBILE_PREFIXES)}{rng.randint(10**7, 10**8 - 1)}⟧"
    if kind == 4:  # long order or parcel numbers
        label = rng.choice(["订单编号", "快递单号", "运单号", "交易号", "流水号"])
        number = luhn_complete(rng.choice([*BINS, "1", "7", "3"]), rng.choice((12, 16, 18, 19)), rng)
        return "order_number", f"{label}：⟦{number}⟧"
    if kind == 5:  # dates
        y, m, d = rng.randint(1990, 2024), rng.randint(1, 12), rng.randint(1, 28)
        text = rng.choice([f"{y}年{m}月{d}日", f"{y}{m:02d}{d:02d}", f"{y}-{m:02d}-{d:02d} 13:45",
                           f"{y}.{m:02d}.{d:02d}"])
        return "date", f"于⟦{text}⟧签订合同"
    if kind == 6:  # prices
        v = rng.randint(10000, 99999999)
        return "price", rng.choice([f"售价⟦¥{v}⟧", f"总价⟦{v}元⟧", f"成交价⟦{v}⟧元", f"月入⟦{v}⟧元以上"])
    if kind == 7:  # ISBNs
        body = "978" + "7" + "".join(rng.choice("0123456789") for _ in range(8))
        check = str((10 - sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(body)) % 10) % 10)
        isbn = body + check
        text = rng.choice([isbn, f"{isbn[:3]}-{isbn[3]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12]}"])
        return "isbn", f"ISBN ⟦{text}⟧"
    if kind == 8:  # product codes and models
        code = rng.choice([f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(10**7, 10**8 - 1)}",
                           f"SM-G{rng.randint(1000, 9999)}", luhn_complete("62", 16, rng)])
        return "product_code", f"{rng.choice(['型号', '货号', '商品编码', '条码', '产品序列号'])}：⟦{code}⟧"
    if kind == 9:  # a mobile number with a prefix not in service, or of the wrong length
        digits = rng.choice(["120", "128", "100", "140", "154", "174"]) + str(rng.randint(10**7, 10**8 - 1))
        if rng.random() < 0.5:
            digits = rng.choice(MOBILE_PREFIXES) + str(rng.randint(10**6, 10**7 - 1)) + rng.choice(["", "12"])
        return "mobile_bad", f"电话：⟦{digits}⟧"
    if kind == 10:  # a card number that fails Luhn, with a card word
        good = luhn_complete(rng.choice(BINS), 19, rng)
        return "card_bad_luhn", f"卡号：⟦{good[:-1] + str((int(good[-1]) + rng.randint(1, 9)) % 10)}⟧"
    if kind == 11:  # a Luhn-valid long number with no card word and no UnionPay prefix
        return "card_no_context", f"编号⟦{luhn_complete(rng.choice('3579'), 16, rng)}⟧"
    if kind == 12:  # QQ-like numbers with no QQ word
        return "qq_no_context", rng.choice([f"阅读⟦{rng.randint(10000, 9999999)}⟧次",
                                             f"第⟦{rng.randint(10000, 99999999)}⟧号",
                                             f"共计⟦{rng.randint(10000, 999999999)}⟧人参加"])
    if kind == 13:  # version numbers and private or reserved addresses
        a, b, c = rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)
        return "ip_lookalike", rng.choice([f"版本 v⟦{rng.randint(1, 9)}.{a % 10}.{b % 20}.{c % 99}⟧",
                                            f"路由器地址⟦192.168.{a}.{c}⟧", f"内网⟦10.{a}.{b}.{c}⟧", "本机⟦127.0.0.1⟧"])
    if kind == 14:  # numbers in a URL path
        item = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(10**7, 10**8 - 1)}"
        return "url_number", f"详见 ⟦http://item.jd.com/{item}.html⟧"
    if kind == 15:  # file names with @
        return "email_lookalike", f"图片⟦logo@{rng.randint(2, 3)}x.png⟧"
    if kind == 16:  # plates with too few characters, or no digits
        return "plate_lookalike", rng.choice([f"⟦苏A{rng.randint(100, 9999)}⟧", "⟦新A股⟧",
                                               f"沪指⟦{rng.randint(1000, 3999)}⟧点"])
    if kind == 17:  # passport-like codes with no passport word
        return "passport_no_context", f"型号⟦E{rng.randint(10**7, 10**8 - 1)}⟧"
    if kind == 18:  # times and ratios that a loose IPv6 pattern takes
        return "ipv6_lookalike", rng.choice([f"⟦{rng.randint(10, 23)}:{rng.randint(10, 59)}:{rng.randint(10, 59)}⟧",
                                              "比分⟦3:1:2⟧", f"MAC ⟦a4:5e:60:{rng.randint(10, 99)}:0b:1c⟧"])
    if kind == 19:  # landline-like: a number after 邮编, a wrong area code, a phone-like postcode run
        return "landline_lookalike", rng.choice([f"邮编：⟦{rng.randint(100000, 850000)}⟧",
                                                  f"⟦0{rng.randint(10, 99)}0-{rng.randint(1000000, 1999999)}⟧"])
    # a 15-digit number that would be an old ID card, without an ID word
    body = rng.choice(REGIONS) + birth(rng, 1950, 1999)[2:] + f"{rng.randint(0, 999):03d}"
    return "id15_no_context", f"编号⟦{body}⟧"


def generate(n: int, seed: int) -> list[tuple[str, list[tuple[int, int, str]], list[tuple[int, int, str]]]]:
    """`n` documents per kind; each: text, gold spans (start, end, kind), look-alike spans (start, end, category)."""
    rng = random.Random(seed)
    docs = []
    for kind in KINDS:
        make, contexts = POSITIVE[kind]
        for _ in range(n):
            pieces: list[str] = [rng.choice(FILLER)]
            gold, bad = [], []
            pos = len(pieces[0])
            for _ in range(rng.randint(1, 2)):
                v = make(rng)
                ctx = rng.choice(contexts).replace("{n}", rng.choice(NAMES))
                at = ctx.index("{v}")
                if kind == "id_card" and rng.random() < 0.15:  # the old 15-digit form (with its ID word)
                    v = v[:6] + v[8:17]
                    ctx, at = "身份证号：{v}", 5
                text = ctx.replace("{v}", v)
                gold.append((pos + at, pos + at + len(v), kind))
                sep = rng.choice(["，", "。", "；", "\n", " "])
                pieces += [text, sep]
                pos += len(text) + len(sep)
                if rng.random() < 0.7:
                    cat, marked = near_valid(rng)
                    a = marked.index("⟦")
                    b = marked.index("⟧") - 1
                    plain = marked.replace("⟦", "").replace("⟧", "")
                    bad.append((pos + a, pos + b, cat))
                    pieces += [plain, "，"]
                    pos += len(plain) + 1
            filler = rng.choice(FILLER)
            pieces.append(filler)
            docs.append(("".join(pieces), gold, bad))
    return docs


# -- a plain-regex baseline (one pattern per kind, no checks: the peers' approach) ---------------------------
BASELINE = {
    "id_card": re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    "bank_card": re.compile(r"(?<!\d)\d{16,19}(?!\d)"),
    "mobile": re.compile(r"(?<!\d)(?:\+86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"),
    "landline": re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3}[ -])\d{7,8}(?!\d)"),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "ipv4": re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"),
    "qq": re.compile(r"(?<=QQ[:：])\s*[1-9]\d{4,11}"),
}


def baseline_find(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), k) for k, p in BASELINE.items() for m in p.finditer(text)]


def score_generated(docs, finder) -> tuple[dict[str, list[int]], Counter]:
    """Per kind [true positives, predicted, gold]; and matched look-alikes by category."""
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    fooled: Counter = Counter()
    for text, gold, bad in docs:
        want = {(s, e): k for s, e, k in gold}
        for *_, k in gold:
            stats[k][2] += 1
        for s, e, k in finder(text):
            stats[k][1] += 1
            if want.get((s, e)) == k:
                stats[k][0] += 1
            for bs, be, cat in bad:
                if s < be and bs < e:
                    fooled[cat] += 1
    return stats, fooled


def pii_spans(text: str) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.kind) for f in find_pii(text)]


# -- the hand-labelled real sample ---------------------------------------------------------------------------
_TAGS = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)


def real_texts(wanted: set[str]) -> dict[str, str]:
    """The texts of the labelled records, by record id, read from ../shared/corpora."""
    out: dict[str, str] = {}
    with gzip.open(SHARED / "web_text" / "online_shopping_10_cats.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            key = "shop:" + r["id"]
            if key in wanted:
                out[key] = r["text"]
    with tarfile.open(SHARED / "extraction" / "daniel_zh_400.tar.xz") as tar:
        for m in tar.getmembers():
            if not m.isfile():
                continue
            name = m.name.rsplit("/", 1)[-1]
            key = ("daniel_ref:" if "/reference/" in m.name else "daniel_html:") + name
            if key in wanted:
                raw = tar.extractfile(m).read().decode("utf-8", "replace")  # type: ignore[union-attr]
                if key.startswith("daniel_html:"):
                    raw = html.unescape(_TAGS.sub("\n", _SCRIPT.sub("", raw)))
                out[key] = raw
    if "seed:page_dev" in wanted:
        out["seed:page_dev"] = (SHARED / "seed-dev" / "page_dev.txt").read_text(encoding="utf-8")
    return out


def half(record: str) -> str:
    return "dev" if zlib.crc32(record.encode()) % 2 == 0 else "confirm"


def real_sample() -> dict[str, float]:
    """Precision and recall on the hand-labelled real records, per half (printed); returns each half's precision."""
    precision: dict[str, float] = {}
    labels: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rec, s, e, lab = line.split("\t")
            labels[rec].append((int(s), int(e), lab))
    texts = real_texts(set(labels))
    missing = set(labels) - set(texts)
    if missing:
        print(f"real sample: {len(missing)} labelled records not found in ../shared (skipped)")
    n_pos = Counter()
    for h in ("dev", "confirm"):
        right: Counter = Counter()
        predicted: Counter = Counter()
        unlabelled: Counter = Counter()
        found_pos = gold_pos = 0
        wrong = []
        recs = [r for r in labels if half(r) == h and r in texts]
        for rec in recs:
            text = texts[rec]
            preds = pii_spans(text)
            for s, e, lab in labels[rec]:
                if lab != "none":
                    gold_pos += 1
                    n_pos[lab] += 1
                    if any(ps < e and s < pe and pk == lab for ps, pe, pk in preds):
                        found_pos += 1
            for ps, pe, pk in preds:
                over = [lab for s, e, lab in labels[rec] if ps < e and s < pe]
                if not over:
                    unlabelled[pk] += 1
                    continue
                predicted[pk] += 1
                if pk in over:
                    right[pk] += 1
                else:
                    wrong.append((rec, pk, over[0]))
        n_labels = sum(len(labels[r]) for r in recs)
        tp, pred = sum(right.values()), sum(predicted.values())
        print(f"real {h:7s}: {len(recs)} records, {n_labels} labelled candidates ({gold_pos} personal data); "
              f"predictions on labelled candidates {pred}, precision {100 * tp / max(1, pred):.1f}%, "
              f"recall {100 * found_pos / max(1, gold_pos):.1f}% (all regions' phones count); "
              f"unlabelled predictions {sum(unlabelled.values())} {dict(unlabelled)}")
        print("  by kind: " + ", ".join(f"{k} {right[k]}/{predicted[k]}" for k in KINDS if predicted[k]))
        if h == "dev":
            for w in wrong:
                print(f"  dev error: {w}")
        precision[h] = tp / max(1, pred)
    return precision


# -- speed ---------------------------------------------------------------------------------------------------
def speed(texts: list[str]) -> None:
    size = sum(len(t.encode()) for t in texts) / 1e6
    step = PiiMask()

    def timed(fn) -> float:
        best = float("inf")
        for _ in range(3):  # CPU time: the machine is shared, wall-clock time counts the others' work too
            t0 = time.process_time()
            for t in texts:
                fn(t)
            best = min(best, time.process_time() - t0)
        return size / best

    base = timed(baseline_find)
    find = timed(find_pii)
    whole = timed(lambda t: step.process(Document("d", t)))
    print(f"speed on {size:.1f} MB of real shopping reviews, per CPU second: plain-regex baseline {base:.1f} MB/s, "
          f"find_pii {find:.1f} MB/s ({find / base:.2f}x baseline), pii.mask step {whole:.1f} MB/s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300, help="generated documents per kind")
    ap.add_argument("--seed", type=int, default=23, help="seeds 1-5 were looked at while the recognisers were written")
    args = ap.parse_args()
    assert all(region_exists(r) for r in REGIONS)
    docs = generate(args.n, args.seed)
    print(f"generated: {len(docs)} documents, {sum(len(g) for _, g, _ in docs)} values, "
          f"{sum(len(b) for _, _, b in docs)} look-alikes (seed {args.seed})")
    floors: list[tuple[str, float, float]] = []
    for name, finder in (("pii.mask", pii_spans), ("baseline", baseline_find)):
        stats, fooled = score_generated(docs, finder)
        if name == "pii.mask":  # the targets: per kind P >= 99%, R >= 98% on the generator
            for k in KINDS:
                tp, pred, gold = stats[k]
                floors += [(f"generated {k} precision", tp / max(1, pred), 0.99),
                           (f"generated {k} recall", tp / max(1, gold), 0.98)]
            floors.append(("generated look-alikes matched (as none)", float(sum(fooled.values()) == 0), 1.0))
        cells = []
        for k in KINDS:
            tp, pred, gold = stats[k]
            cells.append(f"{k} P {100 * tp / max(1, pred):.1f} R {100 * tp / max(1, gold):.1f}")
        print(f"{name:8s} per kind: " + "; ".join(cells))
        print(f"{name:8s} look-alikes matched: {sum(fooled.values())} {dict(sorted(fooled.items()))}")
    if not SHARED.is_dir():
        print(f"{SHARED} is absent: the real sample and the speed line are skipped")
        return below_floors(floors)
    for h, precision in real_sample().items():  # target: precision >= 98% on the confirm half
        floors.append((f"real {h} precision", precision, 0.98))
    with gzip.open(SHARED / "web_text" / "online_shopping_10_cats.jsonl.gz", "rt", encoding="utf-8") as fh:
        reviews = [json.loads(line)["text"] for line in fh]
    speed(reviews)
    return below_floors(floors)


if __name__ == "__main__":
    sys.exit(main())
