"""What a value must look like, written once: text as people type it, e-mail addresses, mobiles,
a picture's alt text.

The form handler, the register import, the data package check, the office's figures and the
personal-data guard all ask here, so a mobile or an address is the same thing everywhere.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from functools import cache, lru_cache

# Characters that show nothing: Unicode's default-ignorable code points (direction overrides for
# the "RTL override" trick, tag characters hiding ASCII, word joiners, the soft hyphen, Hangul
# fillers that make a blank look like a name), noncharacters, and the line and paragraph
# separators. Kept: the zero-width joiner (emoji sequences) and the variation selectors (emoji
# and the chosen glyph of a name's character).
_NONCHARACTERS = "".join(
    chr(plane + end) for plane in range(0, 0x110000, 0x10000) for end in (0xFFFE, 0xFFFF)
)
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200e\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufeff\uffa0\ufff0-\ufff8\ufdd0-\ufdef\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    f"\U000e0000-\U000e00ff\U000e01f0-\U000e0fff{_NONCHARACTERS}]"
)
_PRINTABLE_BLANKS = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0]")  # _INVISIBLE's printable ones
# No space, control character or special (<>()[]\,;:") that an unquoted address cannot hold:
# "mailto:a@b.cn", "<script>@x.cn" and "a@b.cn Bcc:…" are no addresses.
_NOT_IN_ADDRESS = r'@\s<>()\[\]\\,;:"\x00-\x1f\x7f'
_EMAIL = re.compile(rf"[^{_NOT_IN_ADDRESS}]{{1,64}}@[^{_NOT_IN_ADDRESS}]+\.[^{_NOT_IN_ADDRESS}]{{2,}}")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_INTERNATIONAL = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_NOISE = re.compile(r"[\s\-()（）.．·]")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}·])\s+(?=[{_CJK}·])")
# Full-width Latin letters, digits and signs (U+FF01-FF5E), as Chinese input methods type them,
# made plain. Not NFKC for the whole name: it would also change the compatibility ideographs
# some rare names are written with.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# What a name written twice has in one place and not the other: the dot between the parts of a
# Uyghur or transliterated name, in any of its forms (after NFKC: ･ is ・, ． is .), a hyphen where
# a system could not type it, or nothing at all (阿依古丽买买提); spaces.
_NAME_KEY = dict.fromkeys(map(ord, ".•・‧∙⋅·-‐ \t"), None)
# A name in Latin letters (with accents): compared as its letters in any order, so the words in
# any order and with or without the spaces between them (lists write SMITH John, and WANGFANG).
_LATIN_NAME = re.compile(r"[A-Za-z\u00C0-\u024F'’.,\-\s]*[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’.,\-\s]*")
_NOT_LETTERS = re.compile(r"[^A-Za-z\u00C0-\u024F]+")
# What a save in a narrower encoding leaves of a character it cannot hold: "?", the replacement
# character (锟斤拷 is two of them read as GBK), or a code point of the private-use areas (a
# font's own glyph, not a character).
_LOST = re.compile("[?？\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]|锟斤拷")
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")
_TIME = re.compile(r"[\sT]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")

# Alt text that tells a reader who cannot see a picture nothing of it: a word for "a picture",
# alone or numbered (照片, 图片2, 一张照片, photo, Image 3), nothing but digits and signs, or a
# file's name as cameras, phones and WeChat name files (IMG_2034.jpg, DSC01234, 微信图片_20240101).
# Words are compared without spaces or punctuation, lower-cased.
_PICTURE_WORDS = frozenset({
    "照片", "图片", "图像", "相片", "图", "配图", "插图", "截图", "图示", "示意图", "封面", "封面图", "头图",
    "题图", "大图", "无", "暂无", "photo", "photos", "image", "images", "picture", "pictures", "pic", "pics",
    "img", "photograph", "screenshot", "cover", "none", "untitled", "alt", "alttext", "placeholder",
})  # fmt: skip
_DETERMINER = re.compile(r"^(?:(?:a|an|the|this|my|our)\s+|[一这那]?[张幅个])")
_NUMBERED = re.compile(r"(?:no|第)?[0-9一二三四五六七八九十]*[张幅]?$")
_IMAGE_FILE = re.compile(r".+\.(?:jpe?g|png|webp|gif|heic|heif|tiff?|bmp|avif|svg)")
_CAMERA_FILE = re.compile(
    r"(?:img|dsc[nf]?|dcim|pxl|mvimg|wp|wechatimg|mmexport|screenshot|微信图片|屏幕截图|截屏|p)[\s_-]*\d[\d\s_-]*"
)

# Shapes to look for inside published text (the personal-data guard): a mainland mobile as
# people write it (+86 139 1234 5678, 0086-139-1234-5678, 13912345678), not part of a longer
# number or of a word (a uuid or a file's hash in an id holds runs of digits between letters),
# and anything shaped like an e-mail address. What may come before a mobile is checked apart:
# a pattern that starts with the literal 1 is searched 25 times faster than one with a lookbehind.
_MOBILE = re.compile(rb"1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9A-Za-z])")
_BEFORE_MOBILE = re.compile(rb"[^0-9A-Za-z](?:(?:\+|00)?86[ -]?)?$")
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def mobiles_in(data: bytes) -> set[str]:
    """The mainland mobiles written in text (UTF-8), as 11 digits each."""
    found = set()
    for match in _MOBILE.finditer(data):
        start = match.start()
        before = data[max(0, start - 7) : start]  # enough for "x0086- "
        if _BEFORE_MOBILE.search(
            before if start >= 7 else b" " + before
        ):  # the text's start counts as a space
            found.add(match.group().replace(b" ", b"").replace(b"-", b"").decode())
    return found


def clean_text(value: str, multiline: bool = False) -> str:
    """NFC, no control, direction-changing or invisible characters, no surrounding spaces."""
    value = unicodedata.normalize("NFC", value)
    # The usual case, a third of the time of the rest (a register has millions of cells): nothing
    # to remove, as every invisible character is unprintable but a few that look like letters.
    if value.isprintable() and (value.isascii() or not _PRINTABLE_BLANKS.search(value)):
        return " ".join(value.split()) if not multiline else value.strip()
    value = _INVISIBLE.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        ch if unicodedata.category(ch) != "Cc" or (multiline and ch == "\n") else " "
        for ch in value
        if ch != "\x00"
    )
    return kept.strip() if multiline else " ".join(kept.split())


def is_email(value: str) -> bool:
    """An e-mail address: something, @, a domain with a dot (what a person can mistype is caught)."""
    return bool(_EMAIL.fullmatch(value))


def is_mobile(value: str) -> bool:
    """A normalised mobile: 11 digits from 1 (mainland China), or + and a country code."""
    return bool(_MAINLAND_MOBILE.fullmatch(value) or _INTERNATIONAL.fullmatch(value))


def normalise_mobile(value: str) -> str:
    """One way to write a number: +86 138-0000 0000, 86-138…, (0086)138…, full-width digits and
    the .0 a spreadsheet adds are all 13800000000; other countries keep + and their code."""
    value = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", value).strip().removesuffix(".0"))
    if value.startswith("00"):
        value = "+" + value[2:]  # the international prefix dialled from China
    for prefix in ("+86", "86"):
        if value.startswith(prefix) and _MAINLAND_MOBILE.fullmatch(value[len(prefix) :]):
            return value[len(prefix) :]
    return value


def normalise_email(value: str) -> str:
    """An address as typed, with full-width letters made plain and the domain in lower case."""
    value = unicodedata.normalize("NFKC", value).strip().removeprefix("mailto:")
    local, at, domain = value.rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else value


def clean_name(value: str) -> str:
    """A person's name as the register keeps it: NFC, no padding, and no space inside a Chinese
    name (offices pad two-character names to line them up: 王　芳 is 王芳); Latin names keep one
    space between words, in plain letters (ＬＩ　Ｍｉｎｇ is LI Ming)."""
    value = clean_text(value.replace("\u3000", " ").translate(_FULL_WIDTH))
    return _SPACE_IN_CJK.sub("", value)


@lru_cache(maxsize=65536)  # a register repeats its names, and each is compared several times a row
def name_key(name: str) -> str:
    """A cleaned name as identity compares it: 阿依古丽•买买提, 阿依古丽.买买提, 阿依古丽-买买提 and
    阿依古丽买买提 are 阿依古丽·买买提, 張三豐 is 张三丰, and a name in Latin letters is its letters
    in any order (lists write the family name first, in capitals, and systems drop the spaces:
    SMITH John, Smith, John and JohnSmith are John Smith). Only for comparing: the register keeps
    the name as written."""
    text = unicodedata.normalize("NFKC", name)
    if _LATIN_NAME.fullmatch(text):  # its letters in any order: SMITH John, Smith, John, WANGFANG
        plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        key = "".join(sorted(_NOT_LETTERS.sub("", plain).casefold()))  # José is Jose, as lists drop accents
    else:
        key = text.translate(_name_table()).casefold()
    return name if key == name else key  # most names: no second string held per record


def simplified(text: str) -> str:
    """Each traditional character as its simplified one (性別 is 性别), as name_key compares them."""
    return text.translate(_simplified_table())


def traditional_of(characters: set[str]) -> set[str]:
    """The traditional characters whose simplified one is among these (別 for 别)."""
    return {chr(t) for t, s in _simplified_table().items() if s in characters}


@cache
def _name_table() -> dict[int, str | None]:
    """What name_key changes, one character at a time: the dots between the parts of a name, the
    spaces, and each traditional character as its simplified one."""
    return _simplified_table() | _NAME_KEY


@cache
def _simplified_table() -> dict[int, str | None]:
    """Each traditional character as its simplified one (OpenCC's t2s, which alumni writing from
    Hong Kong, Macao, Taiwan or abroad use: 張三豐 is 张三丰). A name is no phrase: the unified
    ideographs are converted each alone, in one call (5 ms)."""
    import opencc

    ideographs = [chr(code) for code in range(0x4E00, 0xA000)]
    converted = opencc.OpenCC("t2s").convert("\n".join(ideographs)).split("\n")
    return {ord(t): s for t, s in zip(ideographs, converted, strict=True) if t != s}


def lost_characters(value: str) -> bool:
    """Whether a value holds what a save in a narrower encoding leaves of a rare character."""
    return bool(_LOST.search(value))


class NotADate(ValueError):
    """A date that cannot be read, or names a day that does not exist; says which, in words."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


@lru_cache(maxsize=65536)  # a register repeats its dates: a day's births, a year's entries
def parse_date(text: str, month_is_enough: bool = True) -> str:
    """A date as people write it, as ISO: 1998-07-01, 1998/7/1, 1998.7.1, 1998年7月1日,
    19980701, full-width digits, with or without a time; 1998.07, 1998年7月 and 199807 are
    1998-07 when a month is enough. NotADate names what is wrong (month 13, 30 February)."""
    text = _TIME.sub("", unicodedata.normalize("NFKC", text).strip())
    for pattern in (_DAY, _COMPACT, _MONTH):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(g) if g else None for g in (*match.groups(), None)[:3])
            break
    else:
        raise NotADate("无法识别为日期，请写成 1998-07-01", "is not a date; write it like 1998-07-01")
    if not 1 <= month <= 12:
        raise NotADate(f"不是有效日期：没有 {month} 月", f"is not a real date: there is no month {month}")
    if day is not None:
        try:
            datetime.date(year, month, day)
        except ValueError:
            raise NotADate(f"不是有效日期：{month} 月没有 {day} 日", f"is not a real date: month {month} has no day {day}") from None  # fmt: skip
        return f"{year:04d}-{month:02d}-{day:02d}"
    if not month_is_enough:
        raise NotADate("缺少日，请写成 1998-07-01", "lacks the day; write it like 1998-07-01")
    return f"{year:04d}-{month:02d}"


def shown_moment(moment: str | datetime.datetime) -> str:
    """A moment as a person reads it: to the minute, in this computer's time, with its zone's
    abbreviation as the computer's clock shows it and its offset (2026-11-23 09:15 CST (UTC+08:00)
    in Beijing), not as files keep it (2026-11-23T01:15:42.123456+00:00). A zone without one
    (tzdata writes Dubai's as +04) is its offset alone: UTC+04:00. A date alone stays a date;
    text that is no moment is shown as it is."""
    if isinstance(moment, str):
        if len(moment) <= len("2026-11-23"):
            return moment
        try:
            moment = datetime.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    local = moment.astimezone()  # a moment without a zone is this computer's time already
    name = local.tzname() or ""
    minutes = round((local.utcoffset() or datetime.timedelta()).total_seconds() / 60)
    hours, rest = divmod(abs(minutes), 60)
    offset = f"UTC{'+' if minutes >= 0 else '-'}{hours:02d}:{rest:02d}" if minutes else "UTC"
    # An abbreviation can mean two zones (CST: China's and the US's): the offset goes with it.
    zone = f"{name} ({offset})" if name.isalpha() and name != offset else offset
    return f"{local:%Y-%m-%d %H:%M} {zone}"


def alt_says_nothing(alt: str, file: str = "") -> bool:
    """Whether a picture's alt text says nothing of what it shows: a word for "a picture"
    (照片, photo), a file's name (IMG_2034.jpg), or the name of the picture's own `file`. Empty
    alt text is not this: it is missing, and said so apart."""
    text = unicodedata.normalize("NFKC", alt).strip().lower()
    if not text:
        return False
    name = file.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name and text in (name, name.rsplit(".", 1)[0]):
        return True
    if _IMAGE_FILE.fullmatch(text) or _CAMERA_FILE.fullmatch(text):
        return True
    bare = "".join(character for character in _DETERMINER.sub("", text) if character.isalnum())
    return _NUMBERED.sub("", bare) in _PICTURE_WORDS | {""}
