"""A college's spreadsheet in the register's words: its headers, and each value as offices write it.

Offices write the same fact many ways: 男, M and Male; 学士, 本科, 大学本科 and 本科（学士）; a
mobile as 86-138-0000-1111; a year as 1996级, 1996.09 or 1996年9月. Each is taken as the
register's one way of writing it. A value that cannot be taken comes back as NotTaken with
what to do, in Chinese and English; a value taken with a caveat carries a note.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial

from core.definitions import Form
from core.values import (
    NotADate,
    clean_name,
    clean_text,
    is_email,
    is_mobile,
    lost_characters,
    normalise_email,
    normalise_mobile,
    parse_date,
    simplified,
    traditional_of,
)

# Headers offices use besides the form's own labels (姓名, 手机, 电子邮箱...).
HEADERS = {
    "名字": "name", "性别": "gender", "出生年月": "birth_date", "出生年月日": "birth_date", "出生日期": "birth_date",
    "生日": "birth_date", "生源地": "native_place", "籍贯": "native_place", "学历层次": "degree", "学位": "degree",
    "培养层次": "degree", "入学时间": "year_entered", "入学年份": "year_entered", "入学年月": "year_entered",
    "入校年份": "year_entered", "年级": "year_entered", "毕业年份": "year_graduated", "毕业年月": "year_graduated",
    "院系": "college", "学院": "college", "所在院系": "college", "专业名称": "major", "所学专业": "major",
    "工作单位": "employer", "单位": "employer", "现单位": "employer", "就职单位": "employer", "职称": "job_title",
    "职位": "job_title", "手机号": "mobile", "手机号码": "mobile", "移动电话": "mobile", "联系电话": "mobile",
    "电话": "mobile", "联系方式": "mobile", "邮箱": "email", "电子邮件": "email", "e-mail": "email", "email": "email",
    "地址": "address", "联系地址": "address", "家庭住址": "address", "邮编": "postcode", "编号": "id",
    "校友编号": "id", "联系手机": "mobile", "电子信箱": "email", "届": "year_graduated", "届别": "year_graduated",
    "毕业届别": "year_graduated", "工作单位及职务": "employer", "级": "year_entered", "入学年级": "year_entered",
    "毕业届": "year_graduated", "通信地址": "address", "电话号码": "mobile",
    "邮箱地址": "email", "电子邮箱地址": "email", "单位名称": "employer", "所在单位": "employer",
    # English headings besides the form's own English labels
    "name": "name", "sex": "gender", "birth date": "birth_date", "birthday": "birth_date", "mobile phone": "mobile",
    "phone": "mobile", "cell phone": "mobile", "college": "college", "department": "college", "employer": "employer",
    "company": "employer", "address": "address", "entered": "year_entered", "graduated": "year_graduated",
    "e-mail address": "email", "email address": "email",
}  # fmt: skip
GENDERS = {"男": "male", "男性": "male", "m": "male", "male": "male", "1": "male",
           "女": "female", "女性": "female", "f": "female", "female": "female", "2": "female"}  # fmt: skip
DEGREES = {
    "专科": "junior_college", "大专": "junior_college", "大学专科": "junior_college", "高职": "junior_college",
    "专科（高职）": "junior_college", "高职高专": "junior_college",
    "学士": "bachelor", "本科": "bachelor", "大学本科": "bachelor", "本科（学士）": "bachelor", "本科生": "bachelor",
    "学士学位": "bachelor", "大本": "bachelor", "bachelor": "bachelor", "ba": "bachelor", "bsc": "bachelor",
    "bs": "bachelor", "be": "bachelor",
    "硕士": "master", "硕士研究生": "master", "硕士生": "master", "研究生（硕士）": "master", "硕士学位": "master",
    "研究生（硕士学位）": "master", "工程硕士": "master", "专业硕士": "master", "master": "master", "ma": "master",
    "msc": "master", "ms": "master", "mba": "master", "mpa": "master", "meng": "master",
    "博士": "doctor", "博士研究生": "doctor", "博士生": "doctor", "研究生（博士）": "doctor", "博士学位": "doctor",
    "doctor": "doctor", "phd": "doctor", "ph.d.": "doctor", "ph.d": "doctor", "dphil": "doctor",
    "其他": "other", "其它": "other", "中专": "other", "高中": "other", "同等学力": "other", "other": "other",
}  # fmt: skip
RELATIONS = {
    "学生": "student",
    "校友": "student",
    "毕业生": "student",
    "教职工": "staff",
    "教师": "staff",
    "职工": "staff",
}
# Words a list's last lines start with that are no alumnus: who made it, totals, remarks.
FOOTERS = ("制表", "填表", "审核", "负责人", "联系人", "合计", "总计", "共计", "小计", "备注", "说明", "注：", "注:",
           "打印", "导出", "统计", "截止", "盖章", "签字", "日期", "填报", "总人数", "人数", "以上")  # fmt: skip
# A count (共 5 人, 以上共计12名) or a stamp (学院（盖章）) anywhere in a footer's first cell.
_FOOTER_WORDS = re.compile(r"共\s*[0-9０-９]+\s*[人名位]|盖章|签字|签名")
# A template's example row, which offices leave in above the people: 示例：张三, 例: 李四, （样例）.
_EXAMPLE = re.compile(
    r"[(\[【]\s*(?:示例|样例|范例|举例|例|填写示例|填表示例)\s*[)\]】].*"
    r"|(?:示例|样例|范例|举例|例|例如|填写示例|填表示例|填写样例|example|e\.g\.)\s*[:].*|示例|样例",
    re.IGNORECASE | re.DOTALL,
)
_YEAR = re.compile(r"(\d{4})\s*(?:年|级|届)?")
_SHORT_CLASS = re.compile(r"(\d{2})\s*[级届]")
_STAFF_YEARS = re.compile(r"((?:19|20)\d{2})\s*[-–—~至到]\s*((?:19|20)\d{2})?")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
# A landline as offices write one, with its area code in brackets or not and an extension:
# (010)62751234-8021, 0755-8888 9999 转 123, 010-62751234 ext. 8021.
_LANDLINE_WRITTEN = re.compile(
    r"[(（]?0\d{2,3}[)）]?[\s-]?\d{3,4}[\s-]?\d{4}(?:\s*(?:-|转|分机|ext\.?|x)\s*\d{1,6})?", re.IGNORECASE
)
_SCIENTIFIC = re.compile(r"\d[.,]?\d*[eE][+]?\d")  # 1.38E+10, 1.38e10: how a spreadsheet shows 11 digits
_SEPARATORS = re.compile(r"[;；,，、/\s]+")
_HINT = re.compile(
    r"[（(【\[][^（()）【】\[\]]*[）)】\]][\s*：:]*$"
)  # 手机号码（必填）, 出生日期(yyyy-mm-dd)*
_REMARK = re.compile(r"\s*[（(【\[]([^（()）【】\[\]]*)[）)】\]]\s*")
# Several numbers in one cell: 139…/138…, 139…；138…, or two numbers side by side.
_SEVERAL = re.compile(r"\s*[/／;；,，、|]+\s*")
# A mainland mobile inside a cell of other numbers: not digits of a longer number.
_MOBILE_IN = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
_DECIMALS = re.compile(r"(?<=\d)\.0+$")  # a number cell shown with decimals: 13800001111.00
# A mainland mobile with its last five digits or more zero: what is left of 1.39123E+10 (Excel's
# way of showing 11 digits in a narrow column) once a CSV holding it is opened and saved again.
_ROUNDED = re.compile(r"1[3-9]\d{4}0{5}")
_NUMBERS_ONLY = re.compile(r"[\d\s+\-()（）.]*")  # what a cell of phone numbers holds (no words)
# A date as Excel counts days (35600 is 1997-06-19): five digits, from 1927 on.
_HAN = re.compile("[\u4e00-\u9fff]")  # the unified ideographs: NFKC leaves each as it is
_SERIAL = re.compile(r"[1-9]\d{4}(?:\.0+)?")
_EXCEL_DAY_ZERO = datetime.date(1899, 12, 30)
# Fields exporters force to text with '139… or ="139…" (so Excel keeps a 0 in front, or the digits).
MARKED = ("mobile", "postcode", "id", "birth_date", "year_entered", "year_graduated")
# What a spreadsheet shows in a cell whose formula failed (Excel's and WPS's, LibreOffice's Err:502):
# saved in a CSV file as text, kept in a workbook as an error cell. Never a value of anyone's.
_ERROR = re.compile(
    r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!|UNKNOWN!|CONNECT!|BUSY!)"
    r"|Err:\d{3}",
    re.IGNORECASE,
)
_AS_WRITTEN = ("address", "employer", "job_title", "major", "native_place", "college", "staff_unit")


@dataclass(frozen=True)
class NotTaken(Exception):
    """A value the register cannot take, and what to do about it."""

    zh: str
    en: str


Taken = tuple[str, tuple[str, str] | None]  # the value, and a note if it was taken with a caveat


def squeeze(text: str) -> str:
    """A header cell as compared: full-width letters plain, traditional characters simplified (性別
    is 性别), no spaces, no * before or after (a template's mark of a required column), no
    trailing : or ："""
    text = text or ""  # every cell of a list is squeezed (a header pasted again): no regex
    return (
        "".join((text if text.isascii() else simplified(unicodedata.normalize("NFKC", text))).split())
        .lstrip("*")
        .rstrip("*：:")
        .lower()
    )


def field_of(heading: str, known: dict[str, str]) -> str | None:
    """The field a header cell names, with or without a hint in brackets after it, as templates
    write them: 手机号码（必填）, 性别（男/女）, 出生日期(格式:1990-01-01)."""
    return known.get(squeeze(heading)) or known.get(squeeze(_HINT.sub("", heading)))


def heading_test(known: Iterable[str]) -> Callable[[str], bool]:
    """is_heading(cell): whether a cell squeezes into one of these headings (squeezed), quickly
    refusing most cells of a list without squeezing them. A digit or a Chinese character that no
    heading holds rules a cell out, for NFKC keeps both as they are and joins neither with
    anything: 王建华 and 示例市学府路12号 are answered at once."""
    known = set(known)
    held = {ch for word in known for ch in word if ch.isdigit() or _HAN.fullmatch(ch)}
    held = "".join(sorted(held | traditional_of(held)))  # 性別 squeezes into 性别
    stranger = re.compile(f"(?![{held}])[0-9\u4e00-\u9fff]" if held else "[0-9\u4e00-\u9fff]")

    def is_heading(cell: str) -> bool:
        return stranger.search(cell) is None and squeeze(cell) in known

    return is_heading


def header_names(update: Form) -> dict[str, str]:
    """Every header a list may use for a field, squeezed: the form's own labels (Chinese and
    English), then aliases."""
    labels = {squeeze(label): f.name for f in update.fields for label in (f.label.zh, f.label.en) if label}
    return labels | {squeeze(k): v for k, v in HEADERS.items()}


def is_footer(cells: list[str]) -> bool:
    """A line below the list (制表人：…, 合计, 备注), not an alumnus."""
    first = next((c.strip() for c in cells if c.strip()), "")
    return first.startswith(FOOTERS) or _FOOTER_WORDS.search(first) is not None


def is_example(cells: list[str]) -> bool:
    """A template's example row (示例：张三 …), left in above the people, not an alumnus."""
    first = next((c.strip() for c in cells if c.strip()), "")
    return _EXAMPLE.fullmatch(unicodedata.normalize("NFKC", first)) is not None


def normaliser(update: Form, today: datetime.date) -> Callable[[str, str], Taken]:
    """normalise(field, raw) -> (value, note), or NotTaken. The form's limits apply (years between
    its min and max); values from small sets (genders, degrees, dates) are worked out once."""
    fields = {f.name: f for f in update.fields}
    limits = {f.name: f.limit for f in update.fields}  # what the form takes: no longer a value

    @lru_cache(maxsize=65536)
    def repeated(name: str, text: str) -> Taken:
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]  # a number a program wrote as a decimal: 2015.0, 19800101.0
        if name == "gender":
            return _choice(GENDERS, text, "请写男或女", "write 男 or 女 (M or F)")
        if name == "degree":
            return _degree(text)
        if name == "relation":
            return _choice({**RELATIONS, "student": "student", "staff": "staff"}, text, "请写学生或教职工", "write 学生 or 教职工")  # fmt: skip
        serial = _serial(text, today) if name in ("birth_date", "year_entered", "year_graduated") else None
        if name == "birth_date":
            return (serial[0], serial[1]) if serial else (_birth(text, today), None)
        if name in ("year_entered", "year_graduated"):
            if serial:
                return _year(serial[0][:4], fields[name].min, fields[name].max), serial[1]
            return _year(text, fields[name].min, fields[name].max), None
        if name == "postcode":
            return _postcode(text)
        if name == "staff_years":
            return _staff_years(text), None
        return clean_text(text), None

    # Text as the office wrote it, only spaces evened out; the rest with full-width forms made plain.
    # A field the form takes on several lines (the address) keeps the lines a cell holds.
    as_written = {name: partial(_as_written, multiline=name in fields and fields[name].type == "textarea")
                  for name in _AS_WRITTEN}  # fmt: skip
    # The college column says whose records a row is compared with; Run.key reads it as written.
    as_written["college"] = lambda raw: (clean_text(raw), None)
    plain = {"name": _name, "mobile": lambda raw: _mobiles(_plain(raw)),
             "email": lambda raw: _email(_plain(raw))}  # fmt: skip

    def normalise(name: str, raw: str) -> Taken:
        if raw.lstrip()[:1] in ("#", "E", "e") and _ERROR.fullmatch(raw.strip()):
            raise NotTaken("是表格的错误值（公式出错，或引用的格已删除），此项未导入：请在 Excel 中改正这一格的公式或直接填上值后再导入",
                           "is a spreadsheet's error value (a formula that failed, or refers to cells since deleted); not taken: correct the cell's formula in Excel or type the value, and import again")  # fmt: skip
        read = as_written.get(name) or plain.get(name)
        value, note = read(raw) if read else repeated(name, _plain(raw))
        # Longer than the form takes: cells run together, most likely.
        if len(value) > limits.get(name, len(value)):
            limit = limits[name]
            raise NotTaken(f"太长了（{len(value)} 个字，最多 {limit} 个字），多半是几格的内容并进了一格，此项未导入：请核对后再导入",
                           f"is too long ({len(value)} characters, at most {limit}), most likely several cells run together; the value was not taken: check it and import again")  # fmt: skip
        return value, note

    return normalise


def _as_written(raw: str, multiline: bool = False) -> Taken:
    """Text as the office wrote it, unless the file lost characters of it: such a value would
    replace a sound one (示例市?园路 over 示例市䶮园路)."""
    value = clean_text(raw, multiline)
    if lost_characters(value):
        raise NotTaken("含有 ? 或无法显示的字符：文件保存时丢失了字（如用 GBK 保存了生僻字），此项未导入；请从原表另存为 CSV UTF-8 或 .xlsx 后再导入",
                       "holds ? or a character that cannot be shown: the file lost characters when it was saved (a rare character saved as GBK); the value was not taken: save it from the original as CSV UTF-8 or .xlsx and import again")  # fmt: skip
    return value, None


def _name(raw: str) -> Taken:
    """A name without what an office adds in brackets (王五（已故）, 李四(退休)), which is reported."""
    remarks = _REMARK.findall(raw)
    name = clean_name(_REMARK.sub("", raw))
    if not remarks or not name:
        return clean_name(raw), None
    said = "、".join(r.strip() for r in remarks)
    return name, (f"括号中的“{said}”不是姓名的一部分，已去掉；请核对", f"“{said}” in brackets is no part of the name and was left out; check it")  # fmt: skip


def unmarked(raw: str) -> str:
    """A cell without the marks an exporter puts on numbers to keep them text: '139… and ="139…"."""
    if raw[:2] == '="' and raw[-1:] == '"':
        return raw[2:-1]
    return raw[1:] if raw[:1] == "'" else raw


def _serial(text: str, today: datetime.date) -> Taken | None:
    """A date Excel wrote as its day number (a date cell read as a number, or typed over), if it
    is a date between 1900 and today; with a note to check it."""
    if not _SERIAL.fullmatch(text):
        return None
    day = _EXCEL_DAY_ZERO + datetime.timedelta(days=int(float(text)))
    if day > today:  # five digits start in 1927: only a day to come is not a plausible date
        return None
    iso, number = day.isoformat(), text.split(".")[0]
    return iso, (f"是 Excel 的日期序号 {number}，已按 {iso} 导入；请核对", f"is Excel's day number {number}, taken as {iso}; check it")  # fmt: skip


def _plain(raw: str) -> str:
    """A value without invisible characters (a zero-width space pasted from a web page or a chat)
    and with full-width forms made plain, as the form handler takes it; for the values read from
    small sets (genders, degrees, years), traditional characters simplified (碩士, 2015級)."""
    raw = clean_text(raw)
    return raw if raw.isascii() else simplified(unicodedata.normalize("NFKC", raw))


# A degree as certificates and English lists name it: 工学学士, 工商管理硕士, 临床医学博士学位;
# Bachelor's, Bachelor of Engineering, Master of Science (once dots and spaces are gone).
_DISCIPLINE = re.compile(r"[\u4e00-\u9fff]*?(学士|硕士|博士)(?:学位|研究生)?")
_IN_ENGLISH = re.compile(r"(bachelor|master|doctor)(?:'?s)?(?:of[a-z]+)?")
_DEGREE_PARTS = re.compile(r"[/／、,，;；+＋|（()）]")  # 本科/学士, 本科（工学学士）


def _degree(text: str) -> Taken:
    """A degree, also as a discipline's (工学学士) or in English; a cell naming one degree two ways
    (本科/学士) is that degree, one naming two (本科/硕士) is reported."""
    found = _one_degree(text)
    if found is None:
        parts = {_one_degree(p.strip()) for p in _DEGREE_PARTS.split(text) if p.strip() not in ("", "研究生")}
        if len(parts - {None}) > 1:
            raise NotTaken("一格里写了两个不同的学历，未导入：请只写最高的一个", "names two different degrees; not taken: give the highest one only")  # fmt: skip
        found = parts.pop() if len(parts) == 1 else None
    if found is None and text == "研究生":
        return "master", ("“研究生”按硕士研究生导入，如是博士请改正", "研究生 was taken as master; correct it if a doctorate")  # fmt: skip
    if found is None:
        raise NotTaken("不是可选的值，请写专科、本科、硕士研究生、博士研究生或其他", "is not one of the choices; write 专科, 本科, 硕士研究生, 博士研究生 or 其他")  # fmt: skip
    return found, None


def _one_degree(text: str) -> str | None:
    written = text.lower().replace("(", "（").replace(")", "）")
    if written in DEGREES:
        return DEGREES[written]
    if discipline := _DISCIPLINE.fullmatch(text):
        return DEGREES[discipline.group(1)]
    letters = re.sub(r"[\s.’]", "", written)  # B.Sc., Master’s, Bachelor of Arts
    if english := _IN_ENGLISH.fullmatch(letters):
        return DEGREES[english.group(1)]
    return DEGREES.get(letters)


def _choice(options: dict[str, str], text: str, zh: str, en: str) -> Taken:
    value = options.get(text.lower().replace("(", "（").replace(")", "）"))
    if value is None:
        raise NotTaken(f"不是可选的值，{zh}", f"is not one of the choices; {en}")
    return value, None


# 1990.1: January as typed, or 1990.10 (October) that a spreadsheet kept as the number 1990.1,
# dropping its 0; Excel shows and saves both alike, so the month cannot be told.
_DROPPED_ZERO = re.compile(r"(\d{4})\.1")


def _birth(text: str, today: datetime.date) -> str:
    if year := _DROPPED_ZERO.fullmatch(text):
        year = year.group(1)
        raise NotTaken(f"可能是 {year} 年 1 月，也可能是 {year}.10（10 月）被表格存成数字、丢了末尾的 0，无法确定，此项未导入：请写成 {year}-01 或 {year}-10 后再导入",
                       f"may be January {year}, or {year}.10 (October) that the spreadsheet kept as a number, dropping its 0; it cannot be told, so it was not taken: write {year}-01 or {year}-10 and import again")  # fmt: skip
    try:
        value = parse_date(text)
    except NotADate as wrong:
        raise NotTaken(wrong.zh, wrong.en) from None
    if not 1900 <= int(value[:4]) <= today.year:
        raise NotTaken(
            f"出生年份 {value[:4]} 不合理，请核对",
            f"has the birth year {value[:4]}, which cannot be right; check it",
        )
    return value


def _year(text: str, low, high) -> str:
    """1996, 1996年, 1996级, 96级, 1996.09, 1996年9月, 1996-09-01 -> 1996."""
    match = _YEAR.fullmatch(text)
    if match:
        year = int(match.group(1))
    elif short := _SHORT_CLASS.fullmatch(text):
        year = 1900 + int(short.group(1)) if int(short.group(1)) >= 30 else 2000 + int(short.group(1))
    else:
        try:
            year = int(parse_date(text)[:4])
        except NotADate as wrong:
            raise NotTaken(wrong.zh.replace("日期", "年份或日期"), wrong.en) from None
    if (low is not None and year < int(low)) or (high is not None and year > int(high)):
        raise NotTaken(
            f"年份应在 {low} 到 {high} 之间，请核对", f"should be a year from {low} to {high}; check it"
        )
    return str(year)


def _mobiles(text: str) -> Taken:
    """A mobile; of several numbers in one cell (139…/138…, 010-6275…；139…, 139… 138…) the first
    mobile is taken and the others are said. A cell with words besides numbers is not guessed at."""
    try:
        return _mobile(text), None
    except NotTaken:
        parts = [p for p in _SEVERAL.split(text) if p]
        first = next((p for p in parts if is_mobile(normalise_mobile(p))), None) if len(parts) > 1 else None
        if first is not None:
            others = "、".join(p for p in parts if p is not first)
        else:
            found = _MOBILE_IN.search(text)
            rest = text[: found.start()] + " " + text[found.end() :] if found else ""
            if found is None or not _NUMBERS_ONLY.fullmatch(rest):
                raise
            first, others = found.group(), rest.strip()
    return _mobile(first), (f"一格里有多个号码，导入了手机号码 {_mobile(first)}，其余未导入：{others}", f"holds several numbers; the mobile {_mobile(first)} was taken, not {others}")  # fmt: skip


def _mobile(text: str) -> str:
    value = normalise_mobile(_DECIMALS.sub("", text))
    if _ROUNDED.fullmatch(value):
        raise NotTaken("以 00000 结尾：多半是表格把号码显示成科学计数法（如 1.39E+10）后又存回了数字，后几位已丢失，此项未导入：请核对；如号码确实如此，请直接写进 data/private/register.csv",
                       "ends in 00000: the spreadsheet most likely showed it in scientific notation (1.39E+10) and saved that back as the number, losing its last digits; not taken: check it, and if the number really is so, write it in data/private/register.csv")  # fmt: skip
    if is_mobile(value):
        return value
    if _SCIENTIFIC.search(text):
        raise NotTaken("被表格写成了科学计数法，后几位已丢失：请把这一列设为文本后重新填写",
                       "was turned into a number in scientific notation by the spreadsheet and lost its last digits: format the column as text and type it again")  # fmt: skip
    if _LANDLINE.fullmatch(value) or _LANDLINE_WRITTEN.fullmatch(text.strip()):
        raise NotTaken("是座机号码，登记册只收手机号码；可写在通讯地址旁备注",
                       "is a landline; the register keeps mobiles only")  # fmt: skip
    raise NotTaken("不是手机号码：大陆手机为 1 开头的 11 位数字，境外号码请以 + 和国家代码开头",
                   "is not a mobile number: 11 digits from 1 in mainland China, + and the country code elsewhere")  # fmt: skip


def _email(text: str) -> Taken:
    addresses = [normalise_email(part) for part in _SEPARATORS.split(text.strip(" 。.;；,，")) if part]
    valid = [address for address in addresses if is_email(address)]
    if not valid:
        raise NotTaken("不是电子邮箱地址，请写成 name@example.com", "is not an e-mail address; write it like name@example.com")  # fmt: skip
    if len(addresses) > 1:
        others = "、".join(a for a in addresses if a != valid[0])
        return valid[0], (f"一格里有多个邮箱，导入了第一个，其余未导入：{others}", f"holds several addresses; the first was taken, not {others}")  # fmt: skip
    return valid[0], None


def _postcode(text: str) -> Taken:
    digits = text.removesuffix(".0")
    # Excel drops the leading 0 of 010000 (Hohhot): the codes of Inner Mongolia, Shanxi and Hebei
    # start 01 to 07, and no code starts 00, 08 or 09, so only 1 to 7 can follow a 0 it dropped.
    if digits.isdigit() and len(digits) == 5 and digits[0] in "1234567":
        return "0" + digits, ("邮政编码只有 5 位，已按表格丢掉的开头 0 补齐", "had 5 digits; the 0 a spreadsheet drops was put back")  # fmt: skip
    if digits.isdigit() and len(digits) == 6:
        return digits, None
    raise NotTaken("邮政编码应为 6 位数字", "a postcode has 6 digits")


def _staff_years(text: str) -> str:
    match = _STAFF_YEARS.fullmatch(text)
    if not match:
        raise NotTaken(
            "请写成 1990-2015，仍在职写 1990-", "write it like 1990-2015, or 1990- if still working here"
        )
    return f"{match.group(1)}-{match.group(2) or ''}"
