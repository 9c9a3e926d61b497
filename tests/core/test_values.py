"""Shapes of personal data in published text: mobiles as people write them, and nothing else."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.values import alt_says_nothing, clean_text, mobiles_in, shown_moment

# The rule in one plain pattern (too slow to scan a whole site with): the fast search must agree.
PLAIN = re.compile(rb"(?<![0-9A-Za-z])(?:(?:\+|00)?86[ -]?)?(1[3-9][0-9](?:[ -]?[0-9]{4}){2})(?![0-9A-Za-z])")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["1", "3", "8", "6", "0", "9", "139", "1391234", "5678", " ", "-", "+", "a", "号", "86"]), max_size=30))  # fmt: skip
def test_the_fast_search_finds_what_the_plain_pattern_finds(pieces):
    data = "".join(pieces).encode()
    assert mobiles_in(data) == {m.replace(b" ", b"").replace(b"-", b"").decode() for m in PLAIN.findall(data)}


def test_mobiles_written_every_way_and_not_inside_words():
    assert mobiles_in("请拨打+86 139 1234 5678或0086-13912345678".encode()) == {"13912345678"}
    assert mobiles_in(b"note-3f2a9c1e-a13512341575 photo-13512341575b.webp 2026013912345678") == set()


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("hi\U000e0041\U000e0042\U000e007f", "hi"),  # tag characters: hidden ASCII
        ("Jo\u2060hn\u00ad", "John"),  # word joiner, soft hyphen
        ("\u3164\u115f", ""),  # Hangul fillers, a blank that looks like a name
        ("王\u1160\uffa0芳", "王芳"),
        ("a\uffff\U0010ffff\ufdd0b", "ab"),  # noncharacters
        ("x\u2061\u206fy\u034f\u180ez", "xyz"),
        ("👨\u200d👩\u200d👧 ❤\ufe0f", "👨\u200d👩\u200d👧 ❤\ufe0f"),  # joiners and variation selectors stay
        ("葛\U000e0100城", "葛\U000e0100城"),  # an ideographic variation selector, for a name's own glyph
    ],
)
def test_clean_text_drops_what_is_invisible_and_keeps_what_shapes_text(typed, kept):
    assert clean_text(typed) == kept
    assert clean_text(typed, multiline=True) == kept


def test_the_quick_path_of_clean_text_misses_no_invisible_character():
    # clean_text skips its search for text that is printable and holds none of these: they must
    # be every invisible character Python calls printable.
    from core.values import _INVISIBLE, _PRINTABLE_BLANKS

    printable = {ch for ch in map(chr, range(0x110000)) if _INVISIBLE.match(ch) and ch.isprintable()}
    assert printable == {ch for ch in map(chr, range(0x110000)) if _PRINTABLE_BLANKS.match(ch)}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("張三豐", "张三丰"),
        ("歐陽修", "欧阳修"),
        ("阿依古麗•買買提", "阿依古丽·买买提"),
        ("阿依古丽买买提", "阿依古丽·买买提"),
        ("阿依古丽-买买提", "阿依古丽·买买提"),
        ("john smith", "John Smith"),
        ("SMITH John", "John Smith"),  # the family name first, in capitals, as lists write it
        ("Smith, John", "John Smith"),
        ("GARCÍA LÓPEZ María José", "María José García López"),
        ("GARCIA LOPEZ MARIA JOSE", "María José García López"),  # without the accents a list lost
        ("WANGFANG", "Wang Fang"),
        ("ＳＭＩＴＨ　Ｊｏｈｎ", "John Smith"),
    ],
)
def test_a_name_written_another_way_has_one_key(one, other):
    from core.values import name_key

    assert name_key(one) == name_key(other)


def test_the_name_table_converts_each_character_as_opencc_does_alone():
    """The table is made in one call to OpenCC; OpenCC asked one character at a time is the oracle."""
    import random

    import opencc

    from core.values import _name_table

    table, convert = _name_table(), opencc.OpenCC("t2s").convert
    sample = random.Random(3).sample(range(0x4E00, 0xA000), 2000) + [ord(c) for c in "張豐歐陽麗買"]
    assert all(table.get(code, chr(code)) == convert(chr(code)) for code in sample)
    assert len([code for code in table if 0x4E00 <= code < 0xA000]) > 3000


@pytest.mark.parametrize(
    ("kept", "shown"),
    [
        (
            "2026-11-23T01:15:42.123456+00:00",
            "2026-11-23 09:15 CST (UTC+08:00)",
        ),  # a file's time, to the microsecond
        (
            "2026-11-23T01:15:42.123+00:00",
            "2026-11-23 09:15 CST (UTC+08:00)",
        ),  # a submission's, to the millisecond
        (
            "2026-11-23T16:59:59-05:00",
            "2026-11-24 05:59 CST (UTC+08:00)",
        ),  # another zone's: the next day here
        ("2026-11-23T09:15:00", "2026-11-23 09:15 CST (UTC+08:00)"),  # no zone: this computer's time already
        ("2026-03-01", "2026-03-01"),  # a date alone (--as-of)
        ("", ""),
        ("不是时间", "不是时间"),
    ],
)
def test_a_moment_is_shown_to_the_minute_in_this_computers_time_with_its_zone(in_beijing, kept, shown):
    assert shown_moment(kept) == shown


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Europe/London", "2026-07-01 02:15 BST (UTC+01:00)"), ("UTC", "2026-07-01 01:15 UTC"),
     ("Asia/Dubai", "2026-07-01 05:15 UTC+04:00")],  # tzdata gives Dubai no letters, only +04
)  # fmt: skip
def test_a_zone_is_shown_as_the_computers_clock_abbreviates_it_else_as_its_offset(monkeypatch, zone, shown):
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert shown_moment("2026-07-01T01:15:42+00:00") == shown
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    "alt",
    ["照片", "图片", "一张照片", "图1", "照片（二）", "photo", "Image 3", "a picture", "IMG_2034.jpg", "IMG_2034",
     "DSC01234", "PXL_20240101_123456789.jpg", "微信图片_20240101123456", "mmexport1704067200000", "2026", "…"],
)  # fmt: skip
def test_alt_text_that_says_nothing_of_the_picture_is_told_apart(alt):
    assert alt_says_nothing(alt)


@pytest.mark.parametrize(
    "alt",
    ["校友在草坪上合影", "合影", "校门", "图书馆", "1986级同学在化学楼前", "Photo of alumni at the gate",
     "Pictures of the class of 1986", "Imagine Dragons on stage", ""],
)  # fmt: skip
def test_alt_text_that_says_what_is_shown_is_taken(alt):
    assert not alt_says_nothing(alt, "images/gate.jpg")


def test_the_pictures_own_file_name_says_nothing_of_it():
    assert alt_says_nothing("lawn", "fan-xiao-ri/lawn.jpg") and alt_says_nothing("Lawn.JPG", "lawn.jpg")
