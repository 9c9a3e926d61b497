"""Colleges' spreadsheets into the register: headers in Chinese, dates and numbers as people type
them, every row either taken or reported, and a second run of the same file changing nothing.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from core import tables
from core.definitions import Form
from core.problems import Problem, ProblemsFound
from core.sealing import Opener, Unreadable, is_sealed
from core.values import is_email, is_mobile, normalise_mobile
from office.register import columns, identity, new_ids, read_register, write_register

# Headers offices use besides the form's own labels (姓名, 手机, 电子邮箱...).
ALIASES = {
    "手机号": "mobile", "手机号码": "mobile", "联系电话": "mobile", "邮箱": "email", "电子邮件": "email",
    "院系": "college", "学院": "college", "工作单位": "employer", "单位": "employer", "职称": "job_title",
    "地址": "address", "邮编": "postcode", "入学时间": "year_entered", "入学年份": "year_entered",
    "毕业年份": "year_graduated", "编号": "id",
}  # fmt: skip
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")
_YEAR = re.compile(r"(\d{4})\s*年?")
_POSTCODE = re.compile(r"\d{6}")


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    report_file: Path | None = None


def import_register(
    source: Path,
    college: str,
    register: Path,
    update: Form,
    today: datetime.date,
    opener: Opener | None = None,
) -> ImportReport:
    """Normalise, match and merge a spreadsheet into the register; write a report of what was not taken.

    Cells sealed by the form handler (rows copied from the inbox) are opened with the office's
    private key: the register holds what people typed, never ciphertext.
    """
    result = ImportReport()
    table = tables.read_rows(source)
    rows, result.notes = table.rows, table.notes
    start, fields = _header(rows, update)
    if not fields:
        raise ProblemsFound(
            [
                Problem(
                    source.name,
                    "找不到表头：第一行应有“姓名”“性别”“出生日期”等列名",
                    "no header found: the first row should name columns such as 姓名, 性别, 出生日期",
                    row=1,
                    kind="header",
                )
            ]
        )
    labels = {f.name: f.label.zh for f in update.fields}
    choices = {
        f.name: {c.label.zh: c.value for c in f.choices} | {c.value: c.value for c in f.choices}
        for f in update.fields
        if f.choices
    }
    records = read_register(register)
    known = _Index(records)
    ids = new_ids(records)
    taken: dict[str, int] = {}  # record id -> the row of this file that matched it
    names = columns(update)
    for number, cells in enumerate(rows[start + 1 :], start=start + 2):
        if not any(c.strip() for c in cells):
            continue
        result.rows += 1
        values = {"college": college, "relation": "student"}  # a college's list is of its former students
        for index, name in fields.items():
            raw = cells[index].strip() if index < len(cells) else ""
            if not raw:
                continue
            raw, reason = _opened(raw, opener)
            value, reason = _normalise(name, raw, choices.get(name)) if reason is None else ("", reason)
            if reason:
                result.problems.append(
                    Problem(
                        source.name,
                        reason[0],
                        reason[1],
                        row=number,
                        field=labels.get(name, name),
                        value=raw,
                        kind="import",
                    )
                )
            elif value:
                values[name] = value
        if not values.get("name"):
            result.problems.append(
                Problem(
                    source.name,
                    "没有姓名，这一行未导入",
                    "has no name; the row was not imported",
                    row=number,
                    field="姓名",
                    kind="import",
                )
            )
            continue
        record = known.find(values)
        if record is not None and record["id"] in taken:
            result.problems.append(Problem(
                source.name,
                f"与第 {taken[record['id']]} 行是同一个人（姓名、出生日期、院系相同），这一行未导入；请合并这两行",
                f"is the same person as row {taken[record['id']]} (name, birth date, college); the row was not imported: merge the two",
                row=number, field="姓名", value=values["name"], kind="import",
            ))  # fmt: skip
            continue
        if record is None:
            record = {"id": next(ids), "source": f"import:{college}"}
            records.append(record)
            result.added += 1
        elif any(
            values.get(n) and values[n] != record.get(n, "")
            for n in names
            if n not in ("id", "updated", "source")
        ):
            result.updated += 1
        else:
            result.unchanged += 1
            taken[record["id"]] = number
            continue
        taken[record["id"]] = number
        record.update({n: v for n, v in values.items() if n in names and n != "id"})
        record["updated"] = today.isoformat()
        known.add(record)
    if result.added or result.updated:
        write_register(register, records, names)
    result.report_file = _write_report(register.parent, source, result.problems)
    return result


class _Index:
    """Finds the record a row belongs to: by id; else by name, birth date and college; and when
    the birth date is missing, by name and college with the mobile or e-mail (or the years and
    gender), so that importing the same file twice finds the records the first run made."""

    def __init__(self, records: list[dict[str, str]]):
        self.by_id, self.by_person, self.by_contact = {}, {}, {}
        for record in records:
            self.add(record)

    @staticmethod
    def contact(values: dict[str, str]) -> tuple[str, ...] | None:
        key = (
            values.get("name", ""),
            values.get("college", ""),
            values.get("mobile", ""),
            values.get("email", ""),
        )
        return key if key[0] and (key[2] or key[3]) else None

    def add(self, record: dict[str, str]) -> None:
        self.by_id[record["id"]] = record
        if all(identity(record)):
            self.by_person[identity(record)] = record
        self.by_contact[self.contact(record)] = record

    def find(self, values: dict[str, str]) -> dict[str, str] | None:
        if values.get("id"):
            return self.by_id.get(values["id"])
        if all(identity(values)):
            return self.by_person.get(identity(values))
        return self.by_contact.get(self.contact(values))


def _header(rows: list[list[str]], update: Form) -> tuple[int, dict[int, str]]:
    """The first row that names at least two known columns (titles above it are skipped)."""
    known = {f.label.zh: f.name for f in update.fields} | ALIASES
    for index, row in enumerate(rows[:10]):
        found = {i: known[_squeeze(cell)] for i, cell in enumerate(row) if _squeeze(cell) in known}
        if len(found) >= 2:
            return index, found
    return 0, {}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).rstrip("*：:")


def _normalise(name: str, raw: str, choices: dict[str, str] | None) -> tuple[str, tuple[str, str] | None]:
    """(value, None) or ("", (zh, en) reason). Full-width digits and spaces are evened out first."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if name == "mobile":
        phone = normalise_mobile(text)
        return (
            (phone, None)
            if is_mobile(phone)
            else ("", ("手机号码不对，未导入此项", "not a mobile number; this field was not imported"))
        )
    if name == "birth_date":
        day = _date(text)
        return (
            (day, None)
            if day
            else ("", ("日期无法识别，请写成 1998-07-01", "not a date; write it like 1998-07-01"))
        )
    if name in ("year_entered", "year_graduated"):
        year = _year(text)
        return (
            (year, None)
            if year
            else ("", ("年份无法识别，请写成 1998 或 1998-09", "not a year; write it like 1998 or 1998-09"))
        )
    if name == "email":
        return (
            (text, None)
            if is_email(text)
            else ("", ("邮箱地址格式不对，未导入此项", "not an e-mail address; this field was not imported"))
        )
    if name == "postcode":
        return (
            (text, None)
            if _POSTCODE.fullmatch(text)
            else ("", ("邮政编码应为 6 位数字", "a postcode has 6 digits"))
        )
    if choices is not None:
        value = choices.get(text) or choices.get(text + "研究生")  # 硕士 and 博士 are how offices write them
        return (
            (value, None)
            if value
            else (
                "",
                (
                    f"不是可选的值：{'、'.join(k for k in choices if not k.isascii())}",
                    f"not one of: {', '.join(sorted(set(choices.values())))}",
                ),
            )
        )
    return " ".join(text.split()), None


def _opened(raw: str, opener: Opener | None) -> tuple[str, tuple[str, str] | None]:
    """The cell as typed: sealed cells opened with the office's key, or the reason they cannot be."""
    if not is_sealed(raw):
        return raw, None
    if opener is None:
        return "", (
            "已加密，未导入此项：请用 --identity 或 FORMS_AGE_IDENTITY 指定办公室私钥文件 office.agekey 后再导入",
            "is sealed and was not imported: give the office's private key file office.agekey with --identity or FORMS_AGE_IDENTITY and import again",
        )
    try:
        return opener.open(raw), None
    except Unreadable as unreadable:
        return "", (unreadable.zh, unreadable.en)


def _date(text: str) -> str | None:
    """1998-07-01, 1998/7/1, 1998.7.1, 1998年7月1日, 19980701 -> 1998-07-01; 1998.07, 1998年7月 -> 1998-07."""
    for pattern in (_DAY, _COMPACT, _MONTH):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(g) if g else None for g in (*match.groups(), None)[:3])
            try:
                datetime.date(year, month, day or 1)
            except ValueError:
                return None
            return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
    return None


def _year(text: str) -> str | None:
    match = _YEAR.fullmatch(text)
    if match:
        return match.group(1)
    day = _date(text)
    return day[:4] if day else None


def _write_report(folder: Path, source: Path, problems: list[Problem]) -> Path:
    """Every value or row that was not taken, for the college to correct and send again."""
    path = folder / f"import-report-{source.stem}.csv"
    tables.write_table(path, ["行 row", "字段 field", "值 value", "原因", "reason"],
                       [[p.row, p.field, p.value, p.zh, p.en] for p in problems], for_people=True)  # fmt: skip
    return path
