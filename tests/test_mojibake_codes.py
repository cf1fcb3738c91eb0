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
                if c == "€":  # byte 80 to browsers, A2 E3 to Python: read from the first only (`codec._ONE_CODE`)
                    continue
                assert raw in codes and codes[0] == misread_bytes(c, codec), (codec, raw.hex(), c)
    assert two_codes("big5")["十"] == (b"\xa4\x51", b"\xa2\xcc")
    assert two_codes("big5")["卅"] == (b"\xa4\xca", b"\xa2\xce")
    assert set(two_codes("big5")) == {"十", "卅", "／", "＼"}
    # GB18030 reads each character from one code as far as the repair goes: € is byte 80 (browsers), not A2 E3 too
    assert two_codes("gb18030") == {}


def test_a_character_read_from_its_second_code_is_read_back_from_it():
    # GBK's ⑻ (A2 CC) read as Big5 is 十, which Big5 writes back as A4 51 (no GBK character)
    damaged = "⑻条".encode("gbk").decode("big5")
    assert damaged == "十沭"
    assert _redecode_span(damaged, "big5", "gbk") == "⑻条"
    assert misread_variants(damaged, "big5")[0] == damaged.encode("big5")


def test_codes_that_each_decode_give_no_reading():
    # 十卅's Big5 bytes (A4 51 A4 CA) are no GBK; of the other codes, A2 CC A4 CA (⑻な) and A2 CC A2 CE (⑻⑽) both
    # decode: the bytes do not say which was read, so there is no reading, not the first found
    assert _redecode_span("十卅", "big5", "gbk") is None
    # one that decodes is the reading
    assert _redecode_span("十沭", "big5", "gbk") == "⑻条"


def test_shifted_gbk_read_as_big5_with_a_character_of_two_codes():
    # out of step, 并无's B2 A2 CE DE holds A2 CE, read by Big5 as 卅; written back as A4 CA it read 菠兽
    st = Mojibake()
    st.setup()
    for truth, word in (("这个人并无恶意，只是想帮忙而已，大家不要误会他。", "并无"),
                        ("但是很多人并未意识到这个问题的严重性，仍然照常生活。", "并未")):
        damaged = truth.encode("gbk").decode("big5", "replace")
        assert "卅" in damaged
        doc = st.process_batch([Document("d", damaged)])[0]
        # A4 CA and A2 CE both read back (菠兽 / 并无): the bytes do not choose, so neither is written; the rest of
        # the stretch, which both readings share, is
        assert "菠" not in doc.text and word not in doc.text, doc.text
        assert doc.text.startswith(truth[: truth.index(word)]) and "\ufffd\ufffd" + word[1:] not in doc.text
        assert doc.signals.get("mojibake_unrepaired", 0) >= 1


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
    by_lead, by_trail = _vanished_tables(k)
    assert all(c.encode("gbk")[1] in areas[k][0] for c in by_lead[0xB6])
    assert all(c.encode("gbk")[0] in areas[k][1] for c in by_trail[0xC7])
    text = decode_tokens([0xB6, *vanished_tokens(k), 0xC7], model(), fill=False)
    assert text == "??"


def test_a_code_that_reads_a_latin_letter_in_chinese_text_loses_to_the_other():
    # GBK read as Big5 with lost bytes: 、特 out of step holds A2 CC, Big5's 十, whose own code A4 51 reads ·Q; the
    # reading with the Latin letter the stretch never held loses (both readings hold otherwise: the bytes decide)
    text = ("2001年申请提前退休，在明代大儒王阳明悟道处贵阳龙场驿建阳明精舍，任山长。▲鼠栺悝竘蹦◎▲淉笥?槤均炕玥探??"
            "槤孝儷肢礡十寎弝賰Ｇ飽楚勤棯觛?笥?槤均楚募埩ひ薺ゞ瑤納嬧輮Ⅱ曊堇")
    st = Mojibake()
    st.setup()
    out = st.process_batch([Document("d", text)])[0].text
    assert "学的转向、特质与发展" in out and "Q" not in out, out
