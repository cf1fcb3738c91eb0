"""Byte tables that are complete: characters a codec reads from two codes, pairs a decoder rejects."""

from __future__ import annotations

from taosha.document import Document
from taosha.repair.mojibake import Mojibake
from taosha.repair.mojibake.codec import _redecode_span, misread_bytes, misread_variants, two_codes


def test_every_code_a_decoder_reads_is_among_its_characters_codes():
    # Python's Big5 reads 十 from A451 and A2CC (and ／ ＼ 卅 likewise) but writes only the first back: every pair the
    # decoder reads must be one of the codes the table gives its character, the encoder's own first
    for codec in ("big5", "gb18030"):
        table = two_codes(codec)
        for lead in range(0x81, 0xFF):
            for trail in range(0x40, 0xFF):
                raw = bytes((lead, trail))
                try:
                    c = raw.decode(codec)
                except UnicodeDecodeError:
                    continue
                codes = table.get(c, (misread_bytes(c, codec),))
                assert raw in codes and codes[0] == misread_bytes(c, codec), (codec, raw.hex(), c)
    assert two_codes("big5")["十"] == (b"\xa4\x51", b"\xa2\xcc")
    assert two_codes("big5")["卅"] == (b"\xa4\xca", b"\xa2\xce")
    assert set(two_codes("big5")) == {"十", "卅", "／", "＼"}
    # browsers and PHP read byte 80 as €, Python's GB18030 reads A2 E3 so
    assert two_codes("gb18030")["€"] == (b"\x80", b"\xa2\xe3")


def test_a_character_read_from_its_second_code_is_read_back_from_it():
    # GBK's ⑻ (A2 CC) read as Big5 is 十, which Big5 writes back as A4 51 (no GBK character)
    damaged = "⑻条".encode("gbk").decode("big5")
    assert damaged == "十沭"
    assert _redecode_span(damaged, "big5", "gbk") == "⑻条"
    assert misread_variants(damaged, "big5")[0] == damaged.encode("big5")


def test_a_euro_read_by_python_from_a2_e3_is_tried_as_those_bytes():
    # 丢ア in UTF-8 (E4 B8 A2 E3 82 A2) read by Python's GB18030: A2 E3 is €, which browsers' byte 80 is too
    damaged = "丢ア".encode().decode("gb18030")
    assert "€" in damaged
    assert _redecode_span(damaged, "gb18030", "utf-8") == "丢ア"
    # byte 80, as browsers read it, is still tried first
    assert _redecode_span("涓€", "gb18030", "utf-8") == "一"


def test_shifted_gbk_read_as_big5_with_a_character_of_two_codes():
    # out of step, 并无's B2 A2 CE DE holds A2 CE, read by Big5 as 卅; written back as A4 CA it read 菠兽
    st = Mojibake()
    st.setup()
    for truth, word in (("这个人并无恶意，只是想帮忙而已，大家不要误会他。", "并无"),
                        ("但是很多人并未意识到这个问题的严重性，仍然照常生活。", "并未")):
        damaged = truth.encode("gbk").decode("big5", "replace")
        assert "卅" in damaged
        out = st.process_batch([Document("d", damaged)])[0].text
        assert word in out and "菠" not in out, out


def test_the_dropped_areas_are_the_pairs_gbks_decoder_rejects():
    # every pair a character's trail byte and the next one's lead byte can form that GBK rejects is in an area, and
    # every pair of an area is rejected: A1-A7 x 81-A0 (traditional text's 們 after a trail A1-A7) too
    from taosha.repair.mojibake.codec import _vanished_tables, decode_tokens, dropped_areas, vanished_tokens
    from taosha.zh.lm import model

    areas = dropped_areas()
    covered = {(f, s) for firsts, seconds in areas for f in firsts for s in seconds}
    for first in range(0x81, 0xFF):
        for second in range(0x81, 0xFF):
            try:
                bytes((first, second)).decode("gbk")
                rejected = False
            except UnicodeDecodeError:
                rejected = True
            assert ((first, second) in covered) == rejected, (hex(first), hex(second))
    assert areas[0] == (frozenset([*range(0xAA, 0xB0), *range(0xF8, 0xFF)]), frozenset(range(0xA1, 0xFF)))
    assert any({0xA1, 0xA7} <= firsts and {0x81, 0xA0} <= seconds for firsts, seconds in areas)
    # a vanished pair of an area reads back as characters whose trail and lead form one of its pairs
    k = next(k for k, (firsts, _) in enumerate(areas) if 0xA1 in firsts)
    by_lead, by_trail = _vanished_tables()[k]
    assert all(c.encode("gbk")[1] in areas[k][0] for c in by_lead[0xB6])
    assert all(c.encode("gbk")[0] in areas[k][1] for c in by_trail[0xC7])
    text = decode_tokens([0xB6, *vanished_tokens(k), 0xC7], model(), fill=False)
    assert text == "??"
