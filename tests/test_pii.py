"""pii.mask: recognisers judged with checksums and context, masking that keeps no personal data anywhere."""

from __future__ import annotations

import base64
import re

import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from taosha import restore_original
from taosha.cli import main
from taosha.document import REDACTED, Document, redacted_length
from taosha.errors import ConfigError, EditLogError, RedactedError
from taosha.pii.mask import PiiMask, keep_format
from taosha.pii.recognizers import KINDS, find_pii, find_pii_reference
from taosha.step import build_step, run_one


def kinds_in(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_pii(text)]


@pytest.mark.parametrize("text,expected", [
    ("身份证号：11010519491231002X，请核对", [("id_card", "11010519491231002X")]),
    ("公民身份号码 440106198001011234 已登记", []),  # wrong check digit (the right one is 0)
    ("公民身份号码 440106198001011230 已登记", [("id_card", "440106198001011230")]),
    ("身份证号：110105491231002，现住", [("id_card", "110105491231002")]),  # the old 15-digit form
    ("编号110105491231002", []),  # 15 digits without an ID word: not judged an ID card
    ("咨询热线：138-1234-5678", [("mobile", "138-1234-5678")]),
    ("请致电 +86 138 1234 5678 或 0086-13912345678", [("mobile", "+86 138 1234 5678"), ("mobile", "0086-13912345678")]),
    ("手机 13812345678 13912345678", [("mobile", "13812345678"), ("mobile", "13912345678")]),
    ("订单号：13812345678", []),
    ("型号E67575366，+86 13090216556（赵总）", [("mobile", "+86 13090216556")]),  # 型号 is E67575366's cue
    ("快递单号 13812345678，电话13912345678", [("mobile", "13912345678")]),
    ("价格13800000000元", []),
    ("http://item.jd.com/13812345678.html", []),
    ("电话12812345678", []),  # 128 is no mobile prefix
    ("2018年5月22日，20180522，2018-05-22 13:45", []),
    ("ISBN 9787111213826，978-7-111-21382-6", []),
    ("电话：010-62345678，(0755)23456789，传真02162345678", [("landline", "010-62345678"),
                                                        ("landline", "(0755)23456789"),
                                                        ("landline", "02162345678")]),
    ("02162345678", []),  # no separator and no phone word: not judged a landline
    ("电话010-62345678转8021，(010)6234-5678", [("landline", "010-62345678转8021"), ("landline", "(010)6234-5678")]),
    ("电话：13812345678/13912345678，详见www.example.com/13712345678",
     [("mobile", "13812345678"), ("mobile", "13912345678")]),
    ("总机：86-10-87826688，新闻热线:6123456，发票号码：62345678", [("landline", "86-10-87826688"),
                                                             ("landline", "6123456")]),
    ("卡号 6222 0212 3456 7890 128", [("bank_card", "6222 0212 3456 7890 128")]),
    ("卡号 6222021234567890127", []),  # fails Luhn
    ("编号 4111111111111111", []),  # passes Luhn, but no card word and no UnionPay prefix
    ("订单编号 6222021234567890128", []),
    ("卡号：6222 0212 3456 7890 128 22:52:30", [("bank_card", "6222 0212 3456 7890 128")]),  # then a time
    ("户名王经理 证件号：320102198013112116", []),  # an ID-like number (bad month) that passes Luhn: not a card
    ("手机13812345678 6222021234567890128", [("mobile", "13812345678"), ("bank_card", "6222021234567890128")]),
    ("13812345678-6222021234567890128，13812345678-8.8.8.8", []),  # joined by dashes: one code, not two values
    ("6222021234567890128-13812345678，卡号6222021234567890128X", []),
    ("6202101222527698 11010519491231002X", [("bank_card", "6202101222527698"), ("id_card", "11010519491231002X")]),
    ("邮箱 zhang.san@example.com.cn，图片logo@2x.png", [("email", "zhang.san@example.com.cn")]),
    ("来自 8.8.8.8，版本 v1.2.3.4，路由器 192.168.1.1，买的时候是1.8.8.8", [("ipv4", "8.8.8.8")]),
    ("IP 2001:4860:4860::8888，时间 12:30:45", [("ipv6", "2001:4860:4860::8888")]),
    ("QQ：123456789，阅读123456789次，QQ群 23456789", [("qq", "123456789")]),
    ("扣扣17503262281", [("qq", "17503262281")]),  # a QQ word makes it a QQ number, though it reads as a mobile
    ("加微信 zhang_san88 备注，微信公众号 renminribao", [("wechat", "zhang_san88")]),
    ("（微信同号） 电话：1587079980", []),  # ten digits after a phone word: neither a phone nor a WeChat id
    ("护照号码：E12345678，型号E23456789", [("passport", "E12345678")]),
    ("港澳通行证 C12345678", [("hk_macau_permit", "C12345678")]),
    ("车牌京A·12345，粤BD12345，新A股，苏A1234", [("plate", "京A·12345"), ("plate", "粤BD12345")]),
    ("电话：１３８１２３４５６７８", [("mobile", "１３８１２３４５６７８")]),  # full-width digits
    # traditional script: the cues in their traditional forms
    ("有意者請聯繫：QQ號283746192，訂單號：13912345678，身份證號碼：110105491231002",
     [("qq", "283746192"), ("id_card", "110105491231002")]),
])
def test_recognisers_judge_with_checksums_and_context(text, expected):
    assert kinds_in(text) == expected


# texts made of the pieces that decide: digits, separators, cue words, URL and price marks
PIECES = st.sampled_from(["1", "3", "8", "0", "6", "2", "5", "9", " ", "-", "@", ".", ":", "/", "电话", "QQ", "微信",
                          "身份证", "卡号", "订单号", "护照", "通行证", "京A", "X", "E", "C", "元", "。", "\n", "a",
                          "13812345678", "11010519491231002X", "6222021234567890128", "8.8.8.8", "::", "转",
                          "ext.", "(", ")", "86-", "www.a.cn/", "热线", "號"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_fast_find_equals_the_plain_whole_text_scan(text):
    assert find_pii(text) == find_pii_reference(text)


# one known exception, left out here: a mask can change a neighbour's context (0@0.AA/138…: the e-mail made the
# number look like a URL path; once it is <EMAIL>, a second pass takes the number)
NO_URL = PIECES.filter(lambda p: p not in ("@", "/", "www.a.cn/"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=st.characters(blacklist_characters="@/")),
                 st.lists(NO_URL, max_size=40).map("".join)))
def test_any_text_masks_once_and_for_all(text):
    once = PiiMask().process(Document("x", text))
    n = len(once.edits)
    twice = PiiMask().process(once)
    assert twice.text == once.text and len(twice.edits) == n and twice.signals["pii"] == 0


def test_mask_keeps_no_personal_data_in_the_log():
    d = run_one(PiiMask(), "联系人王先生，电话13812345678，身份证11010519491231002X。")
    assert d.text == "联系人王先生，电话<PHONE>，身份证<ID_CARD>。"
    assert d.signals["pii"] == 2 and d.signals["pii_counts"] == {"id_card": 1, "mobile": 1}
    assert [(e.reason, e.before[1:], e.end - e.start) for e in d.edits] == [
        ("id_card", "redacted:id_card:18", 18), ("mobile", "redacted:mobile:11", 11)]
    blob = orjson.dumps(d.to_record())
    assert b"13812345678" not in blob and b"11010519491231002X" not in blob


def test_restore_original_reports_masked_spans_as_unrecoverable():
    d = run_one(PiiMask(), "电话13812345678，QQ：123456")
    with pytest.raises(RedactedError, match=r"2 span\(s\) .* withheld by design \(mobile, qq"):
        restore_original(d.to_record())
    assert restore_original(d.to_record(), fill="□") == "电话□□□□□□□□□□□，QQ：□□□□□□"
    rec = d.to_record()
    rec["text"] = rec["text"].replace("<PHONE>", "<PHON>")  # an altered record is still detected
    with pytest.raises(EditLogError):
        restore_original(rec, fill="□")


def test_edits_that_made_the_data_are_withheld_too():
    d = Document("x", "欢迎来电１３８１２３４５６７８，地址见下")
    d.with_text("欢迎来电13812345678，地址见下", "fold", "width")  # an earlier step folded the digits
    d.with_text(d.text.replace("地址见下", "地址在下"), "other", "r")  # unrelated: stays as it was
    d = PiiMask().process(d)
    assert d.text == "欢迎来电<PHONE>，地址在下"
    blob = orjson.dumps(d.to_record()).decode()
    assert "１３８" not in blob and "138" not in blob
    assert [e.before.startswith(REDACTED) for e in d.edits] == [True, False, True]
    with pytest.raises(RedactedError, match=r"2 span\(s\) .* \(mobile: personal data"):  # kinds, not reasons
        restore_original(d)
    assert restore_original(d, fill="*") == "欢迎来电***********，地址见下"


def test_text_removed_earlier_that_held_personal_data_is_withheld():
    d = Document("x", "正文内容。\n如有侵权请联系 13812345678 删除")
    d.with_text("正文内容。", "clean.boilerplate", "footer")
    d = PiiMask().process(d)
    assert d.text == "正文内容。" and d.signals["pii"] == 0
    assert "13812345678" not in orjson.dumps(d.to_record()).decode()
    assert restore_original(d, fill="*") == "正文内容。" + "*" * len("\n如有侵权请联系 13812345678 删除")


OPS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 3), st.sampled_from(["", "甲", " ", "8", "１"])),
               max_size=5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["电话", "13812345678", "QQ：1234567", "，", "甲乙", " ", "卡号6222021234567890128",
                                 "邮箱a@b.cn"]), max_size=12).map("".join), OPS)
def test_withheld_log_still_replays_everything_else(original, ops):
    """Random earlier edits, then masking: the log holds none of the masked values, and the fill-restored text
    agrees with the original everywhere it is not filled (same length: every withheld length is recorded)."""
    d = Document("x", original)
    for at, cut, new in ops:
        t = d.text
        at = min(at, len(t))
        d.with_text(t[:at] + new + t[at + cut :], "edit", "random")
    values = [d.text[f.start : f.end] for f in find_pii(d.text)]
    d = PiiMask().process(d)
    fields = [x for e in d.edits for x in (e.before, e.after)]
    assert not any(v in f for v in values for f in fields)
    back = restore_original(d, fill="\x00")
    assert len(back) == len(original)
    assert all(a == b for a, b in zip(back, original, strict=True) if a != "\x00")


def test_keep_format_style_and_hmac_digest(monkeypatch):
    monkeypatch.setenv("TAOSHA_TEST_PII_KEY", "secret")
    step = PiiMask(style="keep_format", key_env="TAOSHA_TEST_PII_KEY")
    a = run_one(step, "电话138-1234-5678")
    b = run_one(step, "电话 13812345678")
    assert a.text == "电话138-****-5678" and b.text == "电话 138****5678"
    da, db = a.edits[0].before, b.edits[0].before
    assert da.split(":")[-2] == "hmac-sha256" and da.split(":")[-1] == db.split(":")[-1]  # same value, same hash
    assert redacted_length(da) == 13
    monkeypatch.setenv("TAOSHA_TEST_PII_KEY", "other")
    import taosha.pii.mask as m
    m._key.cache_clear()
    assert run_one(step, "电话 13812345678").edits[0].before != db  # keyed: another key, another hash
    assert keep_format("id_card", "11010519491231002X") == "110***********002X"


def test_flag_counts_without_changing_and_drop_masks_then_drops():
    text = "电话13812345678"
    f = run_one(PiiMask(action="flag"), text)
    assert f.text == text and not f.edits and f.signals["pii_counts"] == {"mobile": 1}
    d = run_one(PiiMask(action="drop"), text)
    assert d.dropped.reason == "personal_data" and d.text == "电话<PHONE>"
    clean = run_one(PiiMask(action="drop"), "今天天气很好。")
    assert clean.dropped is None and clean.signals["pii"] == 0


def test_dense_documents_are_dropped_masked():
    leak = "\n".join(f"张{i} 1381234{i:04d}" for i in range(20))
    d = run_one(PiiMask(max_per_1000=20), leak)
    assert d.dropped.reason == "dense_personal_data" and "1381234" not in d.text


@pytest.mark.parametrize("params,message", [
    ({"action": "hide"}, "action must be one of mask, flag, drop"),
    ({"style": "stars"}, "style must be one of placeholder, keep_format"),
    ({"kinds": ["mobile", "ssn"]}, "unknown kinds ['ssn']"),
    ({"key_env": "TAOSHA_NO_SUCH_VARIABLE"}, "which is not set"),
])
def test_bad_parameters_fail_with_the_choices(params, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_step("pii.mask", params)


def test_named_metadata_fields_are_masked_too():
    d = Document("x", "正文", metadata={"title": "转让，电话13812345678", "url": "http://a.cn/13812345678.html",
                                        "n": 5})
    d = PiiMask(metadata_fields=("title", "url", "n", "missing")).process(d)
    assert d.metadata == {"title": "转让，电话<PHONE>", "url": "http://a.cn/13812345678.html", "n": 5}
    assert d.signals["pii_metadata"] == {"title": 1}
    flag = PiiMask(action="flag", metadata_fields=("title",))
    flagged = flag.process(Document("y", "", {"title": "电话13812345678"}))
    assert flagged.metadata["title"] == "电话13812345678"


def test_kinds_can_be_chosen():
    d = run_one(PiiMask(kinds=("email",)), "电话13812345678，邮箱a@example.com")
    assert d.text == "电话13812345678，邮箱<EMAIL>"
    assert set(KINDS) == set(PiiMask().kinds)


# -- a real `taosha clean` run: every byte of the output is searched for the planted values ------------------
PLANTED = {
    "13812345678": "mobile", "13912345678": "mobile", "15900430043": "mobile", "11010519491231002X": "id_card",
    "6222021234567890128": "bank_card", "zhangsan.private@example.com": "email", "283746192": "qq",
    "021-62345678": "landline", "E12345678": "passport", "13712345678": "mobile",  # the last in metadata
}


def _planted_texts() -> list[dict]:
    bodies = ["今年以来，我镇坚持以人民为中心的发展思想，扎实推进乡村振兴各项工作，取得了阶段性成效。",
              "本店位于市中心繁华地段，交通便利，周边配套齐全，适合经营餐饮、服装、百货等多种业态。",
              "这本书从历史的角度讲述了城市的变迁，语言朴实，资料翔实，值得每一位关心家乡的读者细细品读。"]
    body = bodies[0] + bodies[1]
    return [
        {"id": "ad", "text": f"{body}\n有意者请联系王先生，电话13812345678（微信同号），"
                             "邮箱zhangsan.private@example.com。\n身份证号：11010519491231002X，"
                             "工商银行卡号6222021234567890128。", "contact": "手机 13712345678"},
        # a zero-width space inside the number: repair.whitespace removes it before pii.mask sees the number
        {"id": "zw", "text": f"{bodies[1] + bodies[2]}\n报名电话：139\u200b1234\u200b5678，QQ：283746192，"
                             "座机021-62345678。"},
        # a site footer that clean.boilerplate removes after the mask
        {"id": "footer", "text": f"{bodies[2] + bodies[0]}\n护照号码：E12345678\n"
                                 "本文来源于网络，如有侵权请联系15900430043删除。"},
        # short and dense: dropped, masked
        {"id": "short", "text": "电话13812345678"},
        # a leaked list: dropped as dense personal data, masked
        {"id": "leak", "text": "\n".join(f"客户{i}：1381234{i:04d}，13912345678" for i in range(30))},
    ]


def _all_output_bytes(root) -> bytes:
    chunks = []
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if p.suffix == ".zst":
            data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
        chunks.append(data)
        for b64 in re.findall(rb'"raw_b64":"([A-Za-z0-9+/=]*)"', data):  # quarantined raw input, decoded
            chunks.append(base64.b64decode(b64))
    return b"\n".join(chunks)


def test_no_planted_value_in_any_output_byte(capsys, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in _planted_texts()) + b"{not json\n")
    from taosha.config import DEFAULT_STEPS
    at = DEFAULT_STEPS.index("repair.script") + 1  # the place the README gives: after the repairs, before any drop
    steps = [*DEFAULT_STEPS[:at], "pii.mask", *DEFAULT_STEPS[at:]]
    conf = tmp_path / "pipe.toml"
    params = 'max_per_1000 = 50.0\nmetadata_fields = ["contact"]\n'
    conf.write_text("".join(f'[[steps]]\nuse = "{s}"\n' + (params if s == "pii.mask" else "") for s in steps),
                    encoding="utf-8")
    out = tmp_path / "out"
    assert main(["clean", str(src), "-o", str(out), "--config", str(conf), "--workers", "1", "-q"]) == 0
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["documents"]["quarantined"] == 1
    assert stats["dropped_by"]["pii.mask"]["dense_personal_data"] >= 1
    assert stats["edits_by"]["pii.mask"]["by_reason"]["mobile"] >= 3  # the report counts masks by kind
    from taosha.io.writers import iter_records, shards

    kept = [r for p in shards(out, "kept") for r in iter_records(p)]
    assert {r["id"] for r in kept} >= {"ad", "zw", "footer"}
    dropped = [r for p in shards(out, "dropped") for r in iter_records(p)]
    assert {r["id"] for r in dropped} == {"leak", "short"}
    ad = next(r for r in kept if r["id"] == "ad")
    assert "<PHONE>" in ad["text"] and "<ID_CARD>" in ad["text"] and "<BANK_CARD>" in ad["text"]
    assert ad["metadata"]["contact"] == "手机 <PHONE>"
    everything = _all_output_bytes(out)
    for value in PLANTED:
        assert value.encode() not in everything, value
    assert b"1391234" not in everything  # the zero-width-split number, in any remaining piece


def test_a_mask_that_uncovers_a_number_masks_it_in_the_same_run():
    """`1.0.0.0 6202…`: the address's last digit hides the card (a chain's digit before it); once the address is
    `<IP>` the card stands alone. The step masks until nothing more is found, so a second run changes nothing."""
    once = PiiMask().process(Document("x", "1.0.0.0 6202101222527698"))
    assert once.text == "<IP> <BANK_CARD>" and once.signals["pii_counts"] == {"bank_card": 1, "ipv4": 1}
    twice = PiiMask().process(once)
    assert twice.text == once.text and len(twice.edits) == len(once.edits) and twice.signals["pii"] == 0
