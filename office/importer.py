"""Colleges' spreadsheets into the register: every row taken, folded or reported, and a second
run of the same file changing nothing.

Each value is read as offices write it (office/normalise.py); each row is matched to a record
by the register's identity rules (office/register.py); a value an alumnus gave through the
update form is never overwritten by a list. Every value not taken goes into a report beside
the register, once, with its row, field, value and what to do; so do values taken with a
caveat, marked as taken.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core import tables
from core.definitions import CONSENT, Form
from core.problems import Problem, ProblemsFound
from core.records import record_problems
from core.sealing import Opener, Unreadable, is_sealed
from core.values import clean_text, lost_characters, shown_moment
from forms.inbox import LocalFiles
from office.colleges import CollegeNames, Rename, college_names
from office.normalise import (
    MARKED,
    NotTaken,
    Taken,
    field_of,
    header_names,
    heading_test,
    is_example,
    is_footer,
    normaliser,
    unmarked,
)
from office.register import CONTACTS, HISTORY, ID_FIELD, Register, now_on

REPORT = ["工作表 sheet", "行 row", "字段 field", "值 value", "处理 action", "原因", "reason"]
_REGISTER_ID = re.compile(r"A[0-9]{7}")


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)  # values and rows not taken
    notes: list[Problem] = field(default_factory=list)  # how the file was read; values taken with a caveat
    report_file: Path | None = None
    as_of: str = ""  # the date the list's values are true of
    as_of_from: tuple[str, str] = ("", "")  # where that date came from, in Chinese and English

    def dated(self) -> str:
        """The line saying what the list is dated and why, as a person reads a time (the history
        keeps `as_of` to the microsecond: two lists saved in one minute are still in order)."""
        shown = shown_moment(self.as_of)
        return f"名单日期 {shown}（{self.as_of_from[0]}）/ list dated {shown} ({self.as_of_from[1]})"


# What ends a college's name: 计算机系 and 计算机学院 are one college written two ways.
_COLLEGE_ENDING = re.compile(r"(学院|学部|研究院|研究所|书院|系|院|部)$")


def _colleges(register: Register) -> Counter[str]:
    """The register's colleges, with how many records each has."""
    at = register.at["college"]
    found = Counter(record[at] for record in register.records)
    del found[""]
    return found


def _check_college(college: str, known: Iterable[str]) -> None:
    """Refuse a college the register does not know when it holds one named almost the same: a
    mistyped --college (计算机系 for 计算机学院) would add every person of the list again."""
    stem = _COLLEGE_ENDING.sub("", college.strip())
    if college in known or len(stem) < 2:
        return
    close = sorted(
        name
        for name in known
        if (other := _COLLEGE_ENDING.sub("", name)) and (stem in other or other in stem)
    )
    if close:
        raise ProblemsFound([Problem(
            "--college", f"名册里没有“{college}”，但有“{'”“'.join(close)}”：如果是同一个院系，请写 --college {close[0]}；"
                         f"如果确实是另一个院系，请加 --new-college",
            f"the register has no “{college}” but has “{'”, “'.join(close)}”: if it is the same college, write "
            f"--college {close[0]}; if it really is another one, add --new-college")])  # fmt: skip


# A college as a title names it: 化学学院, 计算机系 (with what comes before it: 示例大学计算机学院).
_TITLE_COLLEGE = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:学院|学部|书院|系)")


def _check_titles(college: str, parts: list[_Part], label: str, names: CollegeNames) -> None:
    """Refuse a list whose title names another college than --college (and no column says whose
    rows are whose): every person of 化学学院2015级校友名单 would be filed under 计算机学院. A
    title giving the college's old name (COLLEGE_RENAMES) names it too."""
    stem = _COLLEGE_ENDING.sub("", college.strip())
    for part in parts:
        if "college" in part.fields.values():
            continue
        named = [names.in_title(name) for title in part.titles for name in _TITLE_COLLEGE.findall(title)]
        others = [n for n in named if not ((s := _COLLEGE_ENDING.sub("", n)) and (stem in s or s in stem))]
        if others and len(others) == len(named):
            raise ProblemsFound([Problem(label, f"标题写的是“{others[0]}”，与 --college {college} 不同，整个文件未导入：如果这是{others[0]}的名单，请写 --college {others[0]}；如果确是{college}的，请改正标题后再导入",
                                         f"its title names “{others[0]}”, not --college {college}, so nothing was imported: if the list is {others[0]}'s, write --college {others[0]}; if it really is {college}'s, correct the title and import again",
                                         kind="college")])  # fmt: skip


def import_register(
    source: Path,
    college: str,
    register_path: Path,
    update: Form,
    today: datetime.date,
    opener: Opener | None = None,
    editor: str = "import",
    as_of: datetime.date | None = None,
    new_college: bool = False,
    renames: Sequence[Rename] = (),
    settings: str = "pelicanconf.py",
) -> ImportReport:
    """Normalise, match and merge a spreadsheet into the register; write the report of what was not taken.

    Cells sealed by the form handler (rows copied from the inbox) are opened with the office's
    private key: the register holds what people typed, never ciphertext. An old name of a
    college (renames: COLLEGE_RENAMES of the settings file) is read as its current one, in
    --college, the college column and the title, before any row is matched.

    Whether a row is somebody already known depends on what the register knows of people with
    that name: rows further down may add to it. So a row is decided again when a later row
    changed its name's records, until a pass over the list changes nothing. The register left
    behind is then one the same list leaves unchanged: a second import changes nothing.
    """
    sheets, notes = tables.iter_sheets(source)
    result = ImportReport(notes=list(notes))
    result.as_of, result.as_of_from = list_date(source, as_of)
    normalise = normaliser(update, today)
    parts = _parts(sheets, source.name, update, normalise, result.notes)
    register = Register.open(register_path, update)
    colleges = _colleges(register)
    names = college_names(renames, colleges, college, settings)
    college = names(college)
    if not new_college:
        _check_college(college, colleges)
    _check_titles(college, parts, source.name, names)
    register.newer_than(result.as_of)
    _learn_what_alumni_gave(register, register_path.parent.parent, update)
    named = sum(1 for sheet in sheets if sheet.name is not None) > 1  # rows say their sheet
    run = _Run(source.name, college, register, normalise, {ID_FIELD: "编号"} | {f.name: f.label.zh for f in update.fields},
               opener, now_on(today), editor,
               [sheet.name if named else None for sheet in sheets], names)  # fmt: skip
    for passes in range(MAX_PASSES):
        clock, position = register.clock, 0
        for part in parts:
            listed = itertools.islice(part.sheet.rows(), part.start + 1, None)
            if passes == 0:
                people = _people(
                    listed, part, source.name, run.sheets[part.index], result.notes, part.skipped, update
                )
            else:  # the rows the first pass took for people, without looking again
                people = ((n, c) for n, c in enumerate(listed, start=part.start + 2) if n not in part.skipped)
            run.hidden = part.hidden
            for number, cells in people:
                run.fields, run.name_at, run.width, run.blank = part.columns(number)
                run.context = part.context_at(number)
                run.decide(position, part.index * _PLACE + number, cells, again=passes > 0)
                position += 1
        if register.clock == clock:
            break
    register.save()
    run.report(result)
    renamed = names.note(source.name, settings)
    if renamed is not None:
        result.notes.append(renamed)
    result.report_file = _write_report(register_path.parent / _report_name(college, source), result)
    return result


def list_date(source: Path, given: datetime.date | None = None) -> tuple[str, tuple[str, str]]:
    """The date a list's values are true of, and where it came from: the one given (--as-of),
    else the time a workbook was saved (its document properties), else the file's modification time."""
    if given is not None:
        return given.isoformat(), ("--as-of 指定", "given with --as-of")
    if tables.is_workbook(source):
        saved = tables.workbook_saved(source)
        if saved is not None:
            return saved.isoformat(timespec="seconds"), (
                "表格文件记录的保存时间",
                "the time the workbook says it was saved",
            )
    changed = datetime.datetime.fromtimestamp(source.stat().st_mtime, datetime.UTC).astimezone()
    # To the microsecond: two lists written in one second are still one before the other.
    return changed.isoformat(), ("文件的修改时间", "the file's modification time")


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column + 1)


_PLACE = 1 << 32  # a row's place in the file: its sheet times this, plus its row number


@dataclass
class _Part:
    """A sheet to import: where its header is and which of its columns are which field."""

    index: int
    sheet: tables.Sheet
    start: int
    fields: dict[int, str]
    is_heading: Callable[[str], bool]  # whether a cell is a header wording (a header repeated further down)
    width: int  # the header's cells: a cell further right has no heading (in a CSV file, a comma split it)
    blank: tuple[int, ...]  # the header's cells without a heading (beside a merged one, say)
    normalise: Callable[[str, str], Taken]  # what a title's or subheading's values are checked by
    skipped: set[int] = field(default_factory=set)  # numbers of the rows that are not people
    # (row number, (fields, name column, width, blank)) of each header further down that names the
    # columns anew (a second list with its own column order pasted below): the rows after it are read by it.
    headers: list[tuple[int, tuple[dict[int, str], int, int, tuple[int, ...]]]] = field(default_factory=list)
    # (row number, {field: raw value}) of each title or subheading that names a class (2015级):
    # the rows below it that give no year of their own take it.
    context: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)  # the rows above the header, as text
    hidden: frozenset[int] = frozenset()  # the sheet's hidden columns: never imported
    named_hidden: set[int] = field(default_factory=set)  # hidden columns a note has named

    def __post_init__(self) -> None:
        self.first = (self.fields, _name_at(self.fields), self.width, self.blank)

    def context_at(self, number: int) -> dict[str, str]:
        """What the titles and subheadings above a row say of it, the nearest last."""
        found: dict[str, str] = {}
        for row, said in self.context:
            if row < number:
                found |= said
        return found

    def columns(self, number: int) -> tuple[dict[int, str], int, int, tuple[int, ...]]:
        """The fields, name column, width and columns without a heading of the header the row is read by."""
        for row, columns in reversed(self.headers):
            if row < number:
                return columns
        return self.first


def _name_at(fields: dict[int, str]) -> int:
    return next((i for i, name in fields.items() if name == "name"), 1 << 30)


def _parts(sheets: list[tables.Sheet], label: str, update: Form, normalise: Callable[[str, str], Taken], notes: list[Problem]) -> list[_Part]:  # fmt: skip
    """Every visible sheet with a header row; hidden sheets and sheets without a header are
    named in a note, and a file without any header is refused."""
    parts, unread, known = [], [], header_names(update)
    named = sum(1 for sheet in sheets if sheet.name is not None) > 1
    for index, sheet in enumerate(sheets):
        if sheet.hidden:
            notes.append(Problem(label, "是隐藏的工作表，未读取；如要导入，请在 Excel 中取消隐藏后再导入",
                                 "is a hidden sheet and was not read; unhide it in Excel to import it", kind="sheet", sheet=sheet.name))  # fmt: skip
            continue
        head = list(itertools.islice(sheet.rows(), 10))
        hidden = getattr(head[0], "hidden_columns", frozenset()) if head else frozenset()
        first, start, fields, columns, width, blank, concealed = _header(head, update, hidden)
        where = sheet.name if named else None
        notes.extend(_hidden_column(label, column, heading, where) for column, heading in concealed)
        if not fields:
            if not concealed:  # a header all of whose columns are hidden has been named already
                unread.append((sheet, any(c.strip() for row in head for c in row)))
            continue
        part = _Part(index, sheet, start, fields, heading_test(known), width, blank, normalise, hidden=hidden,
                     named_hidden={column for column, _ in concealed})  # fmt: skip
        for n in range(first):
            if not any(c.strip() for c in head[n]):
                continue
            part.titles.append(" ".join(c.strip() for c in head[n] if c.strip()))
            said = _given(
                _info_of(head[n], known) | _class_of(head[n]), normalise, label, n + 1, where, notes
            )
            if said:
                part.context.append((0, said))
                notes.append(_class_note(label, "是标题", "is a title", said, n + 1, "title", where))
            else:
                notes.append(Problem(label, "是标题或说明，已跳过", "is a title or a remark; skipped", row=n + 1, kind="title",
                                     sheet=where))  # fmt: skip
        if columns:
            notes.append(_unread(label, columns, start + 1, where))
        notes.extend(_twice(label, fields, update, start + 1, where))
        parts.append(part)
    if not parts:
        hidden = [note for note in notes if note.kind == "hidden"]  # a header hidden in Excel says so first
        if not hidden and not any(filled for _, filled in unread):
            raise ProblemsFound([Problem(label, "是空的，没有任何内容，未导入：请检查是否选错了文件，或重新导出名单后再导入",
                                         "is empty: it holds nothing to import; check that it is the right file, or export the list again and import that",
                                         kind="file")])  # fmt: skip
        raise ProblemsFound([*hidden, Problem(label, "找不到表头：第一行应有“姓名”“性别”“出生日期”等列名",
                                              "no header found: the first row should name columns such as 姓名, 性别, 出生日期",
                                              row=1, kind="header")])  # fmt: skip
    for sheet, filled in unread:
        if filled:
            notes.append(Problem(label, "没有表头（“姓名”“性别”“出生日期”等列名），未读取；如是名单，请在前几行加上表头后再导入",
                                 "has no header row (columns such as 姓名, 性别, 出生日期) and was not read; if it is a list, add a header and import again",
                                 kind="sheet", sheet=sheet.name))  # fmt: skip
        else:
            notes.append(Problem(label, "是空的工作表，未读取", "is an empty sheet; nothing to read", kind="sheet", sheet=sheet.name))  # fmt: skip
    return parts


# A class as titles and subheadings name it: 2015级 (the year entered), 2019届 (the year graduated), 15级.
_CLASS = re.compile(r"(?<![\d.])((?:19|20)\d{2}|\d{2})\s*(级|届|級|屆)")


def _class_of(cells: list[str]) -> dict[str, str]:
    """The year a title or subheading gives its rows ({field: "2015级"}); nothing when it names
    none, or more than one (2015级、2016级校友名单 is no one row's class)."""
    found = {(year, "级" if kind in "级級" else "届") for year, kind in _CLASS.findall(" ".join(cells))}
    if len(found) != 1:
        return {}
    [(year, kind)] = found
    return {"year_entered" if kind == "级" else "year_graduated": year + kind}


# What a line above the rows may say of all of them (入学年份：2015, 专业 | 软件工程, 学历：本科),
# with the words its note uses. (The college a title names is checked against --college instead.)
_OF_A_CLASS = {"year_entered": ("入学年份", "year entered"), "year_graduated": ("毕业年份", "year graduated"),
               "degree": ("学历", "degree"), "major": ("专业", "major")}  # fmt: skip
_SAID = re.compile(r"([^\s:：]{1,10})\s*[:：]\s*([^\s:：]+)")  # 入学年份：2015 专业：软件工程


def _info_of(cells: list[str], known: dict[str, str]) -> dict[str, str]:
    """What a title or subheading line says of the rows below it, as a heading and its value:
    入学年份：2015 in one cell, or 毕业年份 | 2019 in two (only the fields of a class)."""
    filled = [c.strip() for c in cells if c.strip()]
    pairs = [found.groups() for cell in filled for found in _SAID.finditer(cell)]
    pairs += [(a.rstrip(":："), b) for a, b in itertools.pairwise(filled) if not _SAID.search(a + b)]
    said: dict[str, str] = {}
    for heading, value in pairs:
        name = field_of(heading, known)
        if name in _OF_A_CLASS and field_of(value, known) is None:
            said.setdefault(name, value)
    return said


def _given(said: dict[str, str], normalise, label: str, row: int, sheet: str | None, notes: list[Problem]) -> dict[str, str]:  # fmt: skip
    """The values a title or subheading gives the rows below that the register can take; each
    of the others is reported once, at its line (入学年份：待定)."""
    for name, value in list(said.items()):
        try:
            normalise(name, value)
        except NotTaken as why:
            del said[name]
            notes.append(Problem(label, f"{why.zh}；这一行的{_OF_A_CLASS[name][0]}未用于下面各行", f"{why.en}; not given to the rows below",
                                 row=row, field=_OF_A_CLASS[name][0], value=value, kind="given", sheet=sheet))  # fmt: skip
    return said


def _class_note(label: str, zh: str, en: str, said: dict[str, str], row: int, kind: str, sheet: str | None) -> Problem:  # fmt: skip
    taken = [(value, *_OF_A_CLASS[name]) for name, value in said.items()]
    zh_taken = "，".join(f"“{value}”已作为下面各行的{word}" if i == 0 else f"“{value}”作为{word}" for i, (value, word, _) in enumerate(taken))  # fmt: skip
    en_taken = ", ".join(f"its “{value}” {'is taken ' if i == 0 else ''}as the {word}" for i, (value, _, word) in enumerate(taken))  # fmt: skip
    return Problem(label, f"{zh}，其中的{zh_taken}（行中自己写了的除外）",
                   f"{en}; {en_taken} of the rows below that give none of their own",
                   row=row, kind=kind, sheet=sheet)  # fmt: skip


def _hidden_column(label: str, column: int, heading: str, sheet: str | None, row: int | None = None,
                   value: str | None = None) -> Problem:  # fmt: skip
    """The note naming a column hidden in Excel, which is not imported, as a hidden row is not."""
    if heading:
        return Problem(label, f"{_letter(column)} 列（{heading}）是隐藏的列，未导入；如要导入，请在 Excel 中取消隐藏后再导入",
                       f"column {_letter(column)} ({heading}) is a hidden column and was not imported; unhide it in Excel and import again if it should be taken",
                       field=heading, kind="hidden", sheet=sheet)  # fmt: skip
    return Problem(label, f"{_letter(column)} 列是隐藏的列（没有列名），从这一行起的值都未导入；如要导入，请在 Excel 中取消隐藏，写上登记册的列名后再导入",
                   f"column {_letter(column)} is a hidden column (without a heading); its values from this row on were not imported: unhide it in Excel and name it as the register does, and import again if it should be taken",
                   row=row, value=value, kind="hidden", sheet=sheet)  # fmt: skip


def _unread(label: str, columns: list[str], row: int, sheet: str | None) -> Problem:
    """The note naming the columns of a header that are not imported."""
    zh, en = "、".join(columns), ", ".join(columns)
    return Problem(label, f"这些列未导入：{zh}（登记册没有这些字段）；如其中有要导入的信息，请把列名改为登记册的列名（如“手机”“电子邮箱”“毕业时间”）后再导入",
                   f"these columns were not imported: {en} (the register has no such field); if one holds something to import, name it as the register does (手机, 电子邮箱, 毕业时间…) and import again",
                   row=row, kind="columns", sheet=sheet)  # fmt: skip


def _twice(label: str, fields: dict[int, str], update: Form, row: int, sheet: str | None) -> list[Problem]:
    """A note for each field two or more columns of a header give (联系电话 and 手机, 出生日期 and
    出生年月): each row takes the first of them that can be taken, and reports a different one."""
    labels = {f.name: f.label.zh for f in update.fields} | {ID_FIELD: "编号"}
    columns: dict[str, list[int]] = {}
    for column, name in fields.items():
        columns.setdefault(name, []).append(column)
    said = []
    for name, found in columns.items():
        if len(found) > 1:
            field, letters = labels.get(name, name), [_letter(c) for c in found]
            said.append(Problem(label, f"{'、'.join(letters)} 列都是“{field}”：每一行取其中第一个能导入的值，另一列的值不同时在报告中列出",
                                f"columns {', '.join(letters[:-1])} and {letters[-1]} {'both' if len(letters) == 2 else 'all'} give “{field}”: each row takes the first of their values that can be taken, and reports a different one in another",
                                row=row, field=field, kind="twice", sheet=sheet))  # fmt: skip
    return said


MAX_PASSES = 10  # a list settles in two or three; the bound only stops a list that never would


def _people(rows, part: _Part, label: str, sheet: str | None, notes: list[Problem], skipped: set[int], update: Form):  # fmt: skip
    """(row number, cells) of the rows that are people: empty lines skipped, footers, repeated
    headers and the like noted; the numbers of the rows left out go into `skipped`, a header that
    names the columns in another order into `part.headers`."""
    known = header_names(update)
    for number, cells in enumerate(rows, start=part.start + 2):
        fields, name_at, width, _ = part.columns(number)
        skipped.add(number)
        filled = [i for i, c in enumerate(cells) if c.strip()]
        if part.hidden:  # what a hidden column holds is not imported, nor looked at: named once
            for column in filled:
                if column in part.hidden and column not in part.named_hidden:
                    part.named_hidden.add(column)
                    notes.append(_hidden_column(label, column, "", sheet, number, cells[column].strip()))
            filled = [i for i in filled if i not in part.hidden]
        if not filled:
            continue
        if not isinstance(cells, tables.Cells) and _swallowed(cells, width):
            raise ProblemsFound([Problem(label, "有一格跨了好几行，换行后的内容像是名单的另外几行：多半是这一格开头的双引号（\"）没有配对，把下面的行都并进了这一格；整个文件未导入：请删去这个双引号或补上另一个后再导入",
                                         "has a cell running over several lines that look like rows of the list: most likely a double quote (\") at its start is never closed and took the rows below into it; nothing was imported: remove the quote or close it, and import again",
                                         row=number, kind="file", sheet=sheet)])  # fmt: skip
        if is_footer(cells):
            notes.append(Problem(label, "是表尾（制表人、合计、备注等），已跳过",
                                 "is a footer line (who made the list, totals, remarks); skipped", row=number, kind="footer",
                                 sheet=sheet))  # fmt: skip
            continue
        if is_example(cells):
            notes.append(Problem(label, "是填表示例（示例、例：），已跳过；如是校友，请去掉“示例”等字样后再导入",
                                 "is the template's example row (示例, 例：); skipped: if it is an alumnus, take that word off and import again",
                                 row=number, kind="example", sheet=sheet))  # fmt: skip
            continue
        if getattr(cells, "hidden", False):
            notes.append(Problem(label, "是隐藏的行，未导入；如要导入，请在 Excel 中取消隐藏后再导入",
                                 "is a hidden row and was not imported; unhide it in Excel to import it", row=number, kind="hidden",
                                 sheet=sheet))  # fmt: skip
            continue
        if sum(1 for i in fields if i < len(cells) and cells[i] and part.is_heading(cells[i])) >= 2:
            _, _, anew, unread, width, blank, _ = _header([cells], update, part.hidden)
            if anew == fields or "name" not in anew.values():
                notes.append(Problem(label, "重复了表头（如两份名单接在一起），已跳过", "repeats the header (two lists pasted one under the other, say); skipped",
                                     row=number, kind="header", sheet=sheet))  # fmt: skip
                continue
            part.headers.append((number, (anew, _name_at(anew), width, blank)))
            notes.append(Problem(label, "是另一个表头，列的顺序不同（如两份名单接在一起），下面各行按这一行的列名读取",
                                 "is another header with the columns in another order (two lists pasted one under the other, say); the rows below it are read by its column names",
                                 row=number, kind="header", sheet=sheet))  # fmt: skip
            if unread:
                notes.append(_unread(label, unread, number, sheet))
            notes.extend(_twice(label, anew, update, number, sheet))
            continue
        said = _info_of(cells, known) | _class_of(cells) if len(filled) == 1 else {}
        said = _given(said, part.normalise, label, number, sheet, notes)
        if said:  # a subheading naming a class (2015级), in any column
            part.context.append((number, said))
            notes.append(_class_note(label, "是小标题", "is a subheading", said, number, "heading", sheet))
            continue
        if filled == [name_at] and len(fields) > 1:
            notes.append(Problem(label, f"只有姓名一栏有字（“{cells[name_at].strip()}”），像是小标题（如班级名），未导入；如是校友，请补上其他信息后再导入",
                                 f"has only the name column filled (“{cells[name_at].strip()}”), like a subheading such as a class name; not imported: if it is an alumnus, add what else is known and import again",
                                 row=number, kind="heading", sheet=sheet))  # fmt: skip
            continue
        skipped.discard(number)
        yield number, cells


_REPORTED, _ADDED, _UPDATED, _UNCHANGED = range(4)
# A year entered that a record's other dates contradict, said of the year (Run.consistent).
_AGAINST = {
    "year_graduated": ("晚于登记册中的毕业时间 {}，此项未导入：请核对这两个年份", "is after the year graduated in the register, {}; not taken: check the two years"),
    "birth_date": ("不晚于登记册中的出生日期 {}，此项未导入：请核对这两项", "is not after the date of birth in the register, {}; not taken: check the two"),
}  # fmt: skip


class _Run:
    """One import: each row read, checked, matched and merged, or reported; decided again when a
    later row changed the records of its name."""

    def __init__(self, label, college, register, normalise, labels, opener, when, editor, sheets, names) -> None:  # fmt: skip
        self.label, self.college, self.register, self.normalise = label, college, register, normalise
        self.names: CollegeNames = names  # a college's old name -> its current one
        self.labels, self.opener, self.when, self.sheets = labels, opener, when, sheets
        self.source, self.by = f"import:{college}:{label}", editor
        self.fields: dict[int, str] = {}  # the sheet being read: column -> field
        self.context: dict[str, str] = {}  # field -> what a title or subheading above the row says
        self.name_at = 1 << 30
        self.width = 0
        self.blank: tuple[int, ...] = ()
        self.hidden: frozenset[int] = frozenset()  # the sheet's hidden columns (named in a note)
        self.taken = array("q")  # record -> the row of this list that matched it first, or -1
        # Per row of the list, by position: the register's clock once it was decided, the record
        # it took, what came of it. Arrays: a list of 300,000 rows costs a few megabytes.
        self.decided, self.took, self.outcome = array("q"), array("q"), array("b")
        self.said: dict[int, list[Problem]] = {}  # row number -> its problems and notes
        self.redo: set[int] = set()  # rows (positions) that took a record an earlier row has taken since
        self.position = 0
        self.number = 0
        self.deciding_again = False
        self.shared: set[int] = set()  # rows (positions) reported for another name's mobile or e-mail
        self.elsewhere: dict[str, int] = {}  # a college the list's own column names instead -> its rows

    def decide(self, position: int, number: int, cells: list[str], again: bool) -> None:
        if again:
            # A row that added or took a record, all its values taken, stays as it is: what later rows
            # do to the records of its name (add namesakes told apart from it, fill its record's gaps)
            # cannot make it another person's. A row with anything said of it may now be decided anew.
            if self.outcome[position] != _REPORTED and number not in self.said and position not in self.redo:
                return
            self.redo.discard(position)
            changed = self.register.touched(self.key(cells))
            if position in self.shared:  # it depends on who has its mobile or e-mail, too
                changed = max(changed, self.register.contacts_changed)
            if changed <= self.decided[position]:
                return  # nothing this row depends on has changed since it was decided
            self.shared.discard(position)
            if self.took[position] >= 0 and self.first(self.took[position]) == number:
                self.taken[self.took[position]] = -1
            self.said.pop(number, None)
        else:
            self.decided.append(0), self.took.append(-1), self.outcome.append(_REPORTED)
        self.number, self.position, self.deciding_again, record = number, position, again, -1
        outcome = _REPORTED
        width = len(cells)
        beyond = [i for i in range(self.width, width) if cells[i].strip() and i not in self.hidden]
        if beyond and not isinstance(cells, tables.Cells):
            # A CSV row longer than its header: a comma inside a value split it, and every value
            # after it sits in the next column (a birth date as the year entered).
            many = len(beyond)
            self.refuse(number, None, None, f"比表头多 {many} 格（多半是某个值里有逗号，把它分成了两格），后面的值都错了列，这一行未导入：请给含逗号的值加上引号或去掉逗号后再导入",
                        f"has {many} cell{'s' if many > 1 else ''} more than the header (a comma inside a value, most likely, split it), so the values after it are in the wrong columns; the row was not imported: quote the value with the comma or remove the comma, and import again")  # fmt: skip
            self.outcome[position], self.took[position], self.decided[position] = (
                _REPORTED,
                -1,
                self.register.clock,
            )
            return
        unheaded = [i for i in self.blank if i < width and cells[i].strip()]
        for column in unheaded + beyond:  # a cell under no heading (beyond the header: a workbook's)
            self.refuse(number, None, cells[column], f"{_letter(column)} 列没有列名，未导入：如要导入，请给这一列写上登记册的列名后再导入",
                        f"column {_letter(column)} has no heading and was not imported: name it as the register does to import it")  # fmt: skip
        for column in getattr(cells, "uncalculated", ()):
            if column in self.fields:
                self.refuse(number, self.fields[column], None, f"{_letter(column)} 列是 Excel 尚未计算的公式，未导入：请在 Excel 中打开、保存后再导入",
                            f"column {_letter(column)} holds a formula Excel has not calculated: open the file in Excel, save it, import again")  # fmt: skip
        values = self.values(number, {i: cells[i] if i < width else "" for i in self.fields})
        if values is not None:
            outcome, record = self.row(number, values)
        old = self.outcome[position]
        if not (again and old in (_ADDED, _UPDATED) and outcome == _UNCHANGED):
            self.outcome[position] = outcome
        self.took[position], self.decided[position] = record, self.register.clock

    def key(self, cells: list[str]) -> tuple[str, str]:
        """The register's key (name, college) of a row, as its values would give it."""
        try:
            name = self.normalise("name", cells[self.name_at])[0] if self.name_at < len(cells) else ""
        except NotTaken:  # a name not taken (too long, an Excel error): the row was reported, no one's
            name = ""
        at = (i for i, f in self.fields.items() if f == "college" and i < len(cells) and cells[i].strip())
        college = clean_text(cells[at]) if (at := next(at, None)) is not None else ""
        return self.register.key({"name": name, "college": self.names(college) or self.college})

    def report(self, result: ImportReport) -> None:
        """The counts, every note on the whole list, and every row's problems and notes in the
        order of the list."""
        result.rows = len(self.outcome)
        result.added, result.updated, result.unchanged = (
            self.outcome.count(code) for code in (_ADDED, _UPDATED, _UNCHANGED)
        )
        if not self.outcome:  # a header and nothing under it (or only rows skipped, each said)
            result.notes.append(Problem(self.label, "表头下面没有一行是校友的信息，没有导入任何人：请检查导出名单时是否包含了数据行",
                                        "has no row of alumni under its header, so nobody was imported: check that the export included the rows",
                                        kind="empty"))  # fmt: skip
        if self.elsewhere:
            rows, label = sum(self.elsewhere.values()), self.labels["college"]
            zh = "、".join(f"{c} {n} 行" for c, n in self.elsewhere.items())
            en = ", ".join(f"{c}: {n} row{'s' if n > 1 else ''}" for c, n in self.elsewhere.items())
            result.notes.append(Problem(self.label, f"有 {rows} 行的院系列写的不是 --college {self.college}（{zh}），已按院系列归入这些院系；如应归入 {self.college}，请改正或删去这一列后再导入",
                                        f"{rows} row{'s' if rows > 1 else ''} name another college than --college {self.college} in the college column ({en}) and were filed under it; if they belong to {self.college}, correct the column or remove it and import again",
                                        field=label, kind="college"))  # fmt: skip
        for number in sorted(self.said):
            for said in self.said[number]:
                (result.problems if said.kind == "import" else result.notes).append(said)

    def refuse(self, number: int, name: str | None, value: str | None, zh: str, en: str) -> None:
        self.said.setdefault(number, []).append(Problem(self.label, zh, en, row=number % _PLACE, field=self.labels.get(name, name),
                                                        value=value, kind="import", sheet=self.sheets[number // _PLACE]))  # fmt: skip

    def note(self, number: int, name: str | None, value: str | None, zh: str, en: str, kind: str) -> None:
        field = self.labels.get(name, name) if name else None
        self.said.setdefault(number, []).append(Problem(self.label, zh, en, row=number % _PLACE, field=field, value=value,
                                                        kind=kind, sheet=self.sheets[number // _PLACE]))  # fmt: skip

    def row_of(self, place: int, number: int) -> tuple[str, str]:
        """Another row of the list as this row's sentence names it: "row 4", or "sheet 一班, row 4"."""
        row, sheet = place % _PLACE, self.sheets[place // _PLACE]
        if sheet is None or place // _PLACE == number // _PLACE:
            return f"第 {row} 行", f"row {row}"
        return f"工作表 {sheet} 第 {row} 行", f"sheet {sheet}, row {row}"

    def row(self, number: int, values: dict[str, str]) -> tuple[int, int]:
        """What comes of one row: (outcome, the record it took or -1)."""
        match = self.register.match(values)
        if match.kind == "unsure" and self.repeated(number, match.candidates, values):
            # An earlier row of this list again but for a mobile or e-mail: that row's values stay.
            return self.again(number, match.candidates[0], values, unsure=True), match.candidates[0]
        if match.kind not in ("same", "new"):
            self.ask(number, values, match)
            return _REPORTED, -1
        if match.kind == "new":
            record = self.register.add(values, self.source, self.by, self.when)
            self.take(record, number)
            return _ADDED, record
        first = self.first(match.record)
        if 0 <= first < number:
            return self.again(number, match.record, values), match.record
        if first > number:  # decided again, it comes before the rows that took the record: it takes it,
            # and they are decided again after it, as a first pass over the list would have them.
            self.redo.update(
                p for p, record in enumerate(self.took) if record == match.record and p != self.position
            )
            self.register.tick(self.register.key(values))
        self.take(match.record, number)
        return self.merge(number, match.record, values), match.record

    def repeated(self, number: int, candidates: tuple[int, ...], values: dict[str, str]) -> bool:
        """Whether the row repeats the one record an earlier row of this list took, every value the
        same but a mobile or e-mail (a row with a birth date, a major... more is a namesake to ask)."""
        if len(candidates) != 1 or not 0 <= self.first(candidates[0]) < number:
            return False
        register, [index] = self.register, candidates
        return all(
            name in CONTACTS or register.holds(index, name, value)
            for name, value in values.items()
            if value and name in register.at and name != ID_FIELD
        )

    def first(self, record: int) -> int:
        """The row of this list that took the record, or -1."""
        return self.taken[record] if record < len(self.taken) else -1

    def take(self, record: int, number: int) -> None:
        if record >= len(self.taken):
            self.taken.extend([-1] * (record + 1 - len(self.taken)))
        self.taken[record] = number

    def values(self, number: int, cells: dict[int, str]) -> dict[str, str] | None:
        """The row's values in the register's words; what cannot be taken is reported here."""
        values = {
            "college": self.college,
            "relation": "student",
        }  # a college's list is of its former students
        given: dict[str, int] = {}  # field -> the column its value was taken from
        for index, name in self.fields.items():
            raw = cells[index].strip()
            if not raw:
                continue
            if raw[0] == "a" and is_sealed(raw):
                raw = self.opened(number, name, raw)
                if raw is None:
                    continue
            if name in MARKED:
                raw = unmarked(raw)
            if name == ID_FIELD:
                raw = unicodedata.normalize(
                    "NFKC", raw
                ).upper()  # Ａ０００００12 typed in full width, a0000012
                if not _REGISTER_ID.fullmatch(raw):
                    continue  # a college's own numbering (序号, 学号), not the register's id
            if name == "year_entered" and (
                "届" in raw or "屆" in raw
            ):  # 2019届 is the class graduating in 2019; 2019级 entered then
                name = "year_graduated"
                self.note(number, "year_entered", raw, "“届”是毕业年份，已作为毕业时间导入", "届 is the year of graduation; taken as the year graduated", kind="taken")  # fmt: skip
                if values.get(name) or any(cells[i].strip() for i, f in self.fields.items() if f == name):
                    continue  # the row's own 毕业时间 column says it
            try:
                value, note = self.normalise(name, raw)
            except NotTaken as why:
                if name == "name" and not any(f == "name" for i, f in self.fields.items() if i > index):
                    self.refuse(  # a row without its name is no one's
                        number, name, raw, f"{why.zh}；这一行未导入", f"{why.en}; the row was not imported"
                    )
                else:
                    self.refuse(number, name, raw, why.zh, why.en)
                continue
            if name in given:  # a second column of the field (联系电话 and 手机): the first's value stays
                if value and value != values[name]:
                    first = _letter(given[name])
                    self.refuse(number, name, raw, f"与 {first} 列的 {values[name]} 不同，{_letter(index)} 列的这个值未导入：请核对哪个是对的，只留一个后再导入",
                                f"differs from column {first}'s {values[name]}, so column {_letter(index)}'s value was not taken: check which is right, keep that one and import again")  # fmt: skip
                continue
            if note:
                self.note(number, name, raw, *note, kind="taken")
            if value:
                values[name], given[name] = value, index
        # What a title or subheading above gave, each value checked once there (_given).
        for name, raw in self.context.items():
            if name in values or any(cells[i].strip() for i, f in self.fields.items() if f == name):
                continue
            value = self.normalise(name, raw)[0]
            if value:
                values[name] = value
        values["college"] = self.names(values["college"])  # an old name of the college column
        if values["college"] != self.college and not self.deciding_again:
            self.elsewhere[values["college"]] = self.elsewhere.get(values["college"], 0) + 1
        name = values.get("name", "")
        if not name and any(p.field == self.labels["name"] for p in self.said.get(number, ())):
            return None  # the name cell was reported as not taken: the row is not imported either
        if not name:
            self.refuse(
                number, "name", None, "没有姓名，这一行未导入", "has no name; the row was not imported"
            )
            return None
        if lost_characters(name):
            self.refuse(number, "name", name, "含有 ? 或无法显示的字符：文件保存时丢失了字（如用 GBK 保存了生僻字），这一行未导入；请从原表另存为 CSV UTF-8 或 .xlsx 后再导入",
                        "holds ? or a character that cannot be shown: the file lost characters when it was saved (a rare character saved as GBK); the row was not imported: save it from the original as CSV UTF-8 or .xlsx and import again")  # fmt: skip
            return None
        for name, zh, en in record_problems(values):
            self.refuse(number, name, values.pop(name), zh, en)
        return values

    def opened(self, number: int, name: str, raw: str) -> str | None:
        """A cell sealed by the form handler, opened with the office's key, or reported."""
        if self.opener is None:
            self.refuse(number, name, raw, "已加密，未导入此项：请用 --identity 或 FORMS_AGE_IDENTITY 指定办公室私钥文件 office.agekey 后再导入",
                        "is sealed and was not imported: give the office's private key file office.agekey with --identity or FORMS_AGE_IDENTITY and import again")  # fmt: skip
            return None
        try:
            return self.opener.open(raw)
        except Unreadable as unreadable:
            self.refuse(number, name, raw, unreadable.zh, unreadable.en)
            return None

    def ask(self, number: int, values: dict[str, str], match) -> None:
        """A row the rules cannot place: reported with the records it could be, never guessed."""
        ids = "、".join(
            self.register.get(i, ID_FIELD) for i in (match.candidates or (match.record,)) if i is not None
        )
        name = values.get("name")
        if match.kind == "unknown-id":
            self.refuse(number, ID_FIELD, values[ID_FIELD], "登记册中没有这个编号：新校友请留空编号列",
                        "is no id of the register: leave the id empty for a new alumnus")  # fmt: skip
        elif match.kind == "other-name":
            held = self.register.get(match.record, "name")
            self.refuse(number, ID_FIELD, values[ID_FIELD], f"在登记册中是 {held}，这一行却是 {name}（编号列可能错了行，如只排序了一列），这一行未导入：请核对编号；如确是同一人改了名，请先在 data/private/register.csv 中改正姓名后再导入",
                        f"is {held} in the register, but the row names {name} (the id column may have slipped, sorted on its own, say), so the row was not imported: check the id; if it is the same person under a new name, correct the name in data/private/register.csv first and import again")  # fmt: skip
        elif match.kind == "ambiguous":
            self.refuse(number, "name", name, f"可能是登记册中的 {ids} 中的任何一位，无法确定，这一行未导入：请在编号列写明是哪一位",
                        f"could be any of {ids} in the register, so the row was not imported: write which one in the id column")  # fmt: skip
        elif match.kind == "elsewhere":
            self.shared.add(self.position)  # it depends on who has its mobile or e-mail, too
            record = match.record
            held, ident = (
                self.register.key(self.register.records[record])[1],
                self.register.get(record, ID_FIELD),
            )
            who = f"{ident} {self.register.get(record, 'name')}"
            zh_by, en_by = ("手机", "mobile") if values.get("mobile") and values["mobile"] == self.register.get(record, "mobile") else ("邮箱", "e-mail")  # fmt: skip
            self.refuse(number, "college", values["college"], f"与登记册中{held}的 {who} 姓名和{zh_by}都相同，这一行未添加，以免同一人有两条记录：如是同一人（院系改过名或合并，或名单写的是院系的旧名），请把院系写作“{held}”（--college 或院系列），或把旧名写进 pelicanconf.py 的 COLLEGE_RENAMES，然后再导入；如是另一段学历，请在名单中写上学历和入学、毕业时间（登记册中的 {ident} 也要有）后再导入",
                        f"has the name and {en_by} of {who} of {held} in the register, so the row was not added, lest one person have two records: if it is the same person (the college was renamed or merged, or the list gives its old name), write the college as “{held}” (--college or the college column), or add the old name to COLLEGE_RENAMES in pelicanconf.py, and import again; if it is another degree, give its degree and years entered and graduated in the list ({ident} needs its own in the register too) and import again")  # fmt: skip
        elif match.kind == "shared":
            self.shared.add(self.position)
            record = match.record
            field = (
                "mobile"
                if values.get("mobile") and values["mobile"] == self.register.get(record, "mobile")
                else "email"
            )
            who = f"{self.register.get(record, ID_FIELD)} {self.register.get(record, 'name')}"
            first = self.first(record)
            zh_row, en_row = self.row_of(first, number) if 0 <= first != number else ("", "")
            zh_field, en_field = ("手机", "mobile") if field == "mobile" else ("邮箱", "e-mail")
            self.refuse(number, field, values[field], f"与登记册中的 {who}{f'（{zh_row}）' if zh_row else ''}{zh_field}相同，这一行未导入：如是同一人，请改正名单或登记册中的姓名后再导入；如不是，请改正名单中的{zh_field}或留空后再导入",
                        f"has the same {en_field} as {who}{f' ({en_row})' if en_row else ''} in the register, so the row was not added: if it is the same person, correct the name in the list or the register and import again; if not, correct the {en_field} in the list or leave it empty and import again")  # fmt: skip
        elif match.kind == "conflict":
            self.refuse(number, "birth_date", values.get("birth_date"), f"手机或邮箱与登记册中的 {ids} 相同，出生日期却不同，这一行未导入：请核对是否同一人，是则在编号列写明 {ids}",
                        f"has the mobile or e-mail of {ids} in the register but another birth date, so the row was not imported: check whether it is the same person and if so write {ids} in the id column")  # fmt: skip
        else:
            (zh, en), first = self.missing(values, match.candidates), ids.split("、")[0]
            if values.get("mobile") or values.get("email"):
                do_zh, do_en = f"如是同一人（如换了手机号），请在编号列写上 {first} 后再导入；如不是，请补上双方的出生日期", f"if it is the same person with a new mobile, write {first} in the 编号 column and import again; if not, add the birth dates to tell them apart"  # fmt: skip
            else:
                do_zh, do_en = f"请补上出生日期、手机或邮箱，或如是同一人，在编号列写上 {first}，然后再导入", f"add the birth date, mobile or e-mail, or if it is the same person write {first} in the 编号 column, and import again"  # fmt: skip
            self.refuse(number, "name", name, f"与登记册中的 {ids} 同名同院系，无法确定是否同一人（{zh}），这一行未导入：{do_zh}",
                        f"has the name and college of {ids} in the register and nothing tells whether it is the same person ({en}), so the row was not imported: {do_en}")  # fmt: skip

    def missing(self, values: dict[str, str], candidates: tuple[int, ...]) -> tuple[str, str]:
        """What would have told a namesake row from the records it could be, in words."""
        register, ids = self.register, "、".join(self.register.get(i, ID_FIELD) for i in candidates)
        zh, en = [], []
        if not values.get("birth_date"):
            zh.append("这一行没有出生日期"), en.append("the row has no birth date")
        elif len(values["birth_date"]) == len("1990-02"):
            zh.append("这一行的出生日期只有年月"), en.append("the row's birth date gives only the month")
        elif not any(register.get(i, "birth_date") for i in candidates):
            zh.append(f"登记册中的 {ids} 没有出生日期"), en.append(f"{ids} has no birth date in the register")
        for name, word_zh, word_en in (("mobile", "手机", "mobile"), ("email", "邮箱", "e-mail")):
            if values.get(name) and any(register.get(i, name) for i in candidates):
                (
                    zh.append(f"这一行的{word_zh}与 {ids} 的不同"),
                    en.append(f"the row's {word_en} is not {ids}'s"),
                )
        if not values.get("mobile") and not values.get("email"):
            zh.append("这一行没有手机和邮箱"), en.append("the row has no mobile or e-mail")
        return "，".join(zh), "; ".join(en)

    def merge(self, number: int, index: int, values: dict[str, str]) -> int:
        """The list's newer values into a known record, except what the alumnus gave."""
        register, own = self.register, self.register.alumni_fields(index)
        changes = {}
        for name, value in values.items():
            if name == ID_FIELD or name not in register.at or register.holds(index, name, value):
                continue
            if name in own:
                confirmed = register.get(index, "confirmed")
                self.refuse(number, name, value, f"校友本人于 {confirmed} 通过表单填写了 {register.get(index, name) or '（空）'}，名单中的值未导入",
                            f"the alumnus gave {register.get(index, name) or '(empty)'} through the update form on {confirmed}; the list's value was not taken")  # fmt: skip
                continue
            newer = register.newer_value(index, name) if register.get(index, name) else None
            if newer is not None:
                self.refuse(number, name, value, f"登记册中的值 {register.get(index, name)} 更新：来自 {newer[1]}，日期 {shown_moment(newer[0])[:10]}，晚于这份名单的日期，名单中的值未导入",
                            f"the register's value {register.get(index, name)} is newer, from {newer[1]} on {shown_moment(newer[0])[:10]}, after this list's date; the list's value was not taken")  # fmt: skip
                continue
            changes[name] = value
        self.consistent(number, index, changes)
        if not changes:
            return _UNCHANGED
        register.change(index, changes, self.source, self.by, self.when)
        return _UPDATED

    def consistent(self, number: int, index: int, changes: dict[str, str]) -> None:
        """Take out of changes, and report, each value that would leave the record contradicting
        itself (graduated before entering, born after it): the value the check names, or else the
        one beside it that the change brings (a list's 入校时间 2016 against the record's 毕业时间 2014)."""
        current = self.register.as_dict(index)
        before = {name for name, _, _ in record_problems(current)}  # what the record already says wrongly
        for name, zh, en in record_problems({**current, **changes}):
            if name in changes:
                self.refuse(number, name, changes.pop(name), zh, en)
            elif name not in before and "year_entered" in changes:  # 毕业时间 or 出生日期 against it
                held, (zh, en) = current[name], _AGAINST[name]
                self.refuse(
                    number, "year_entered", changes.pop("year_entered"), zh.format(held), en.format(held)
                )

    def again(self, number: int, index: int, values: dict[str, str], unsure: bool = False) -> int:
        """The same person twice in one list: the first row's values stay, the other fills gaps;
        an exact repeat is folded with a note, a value that differs is reported. unsure: only the
        name says it is the same person, so nothing of the row is taken."""
        register, (zh, en) = self.register, self.row_of(self.first(index), number)
        if register.brings_nothing(index, values):
            self.note(number, None, None, f"与{zh}完全相同，已合并为一条记录", f"repeats {en}; folded into one record", kind="duplicate")  # fmt: skip
            return _UNCHANGED
        gaps = {}
        for name, value in values.items():
            if name not in register.at or name == ID_FIELD or register.holds(index, name, value):
                continue
            if register.get(index, name) or unsure:
                kept = register.get(index, name) or "（空）"
                self.refuse(number, name, value, f"与{zh}是同一人，但这一项不同：保留了{zh}的 {kept}，请核对哪个是现在的" + ("（两行只有姓名相同，如是两个人，请补上出生日期后再导入）" if unsure else ""),
                            f"is the same person as {en} with another value: {en}'s {kept if register.get(index, name) else '(empty)'} was kept; check which is current" + (" (only the name says so: if they are two people, add their birth dates and import again)" if unsure else ""))  # fmt: skip
            else:
                gaps[name] = value
        self.consistent(number, index, gaps)
        if not gaps:
            return _UNCHANGED
        register.change(index, gaps, self.source, self.by, self.when)
        return _UPDATED


def _swallowed(cells: list[str], width: int) -> bool:
    """Whether a CSV row holds the rows below it: a cell of several lines, one of which has as
    many separators as a row. (An address typed over lines with Alt+Enter has a comma or two.)"""
    if not any("\n" in cell for cell in cells):
        return False
    enough = max(1, width - 1)
    return any(
        max(line.count(s) for s in ",\t;，") >= enough
        for cell in cells
        if "\n" in cell
        for line in cell.split("\n")
    )


def _learn_what_alumni_gave(register: Register, data: Path, update: Form) -> None:
    """Registers written before every given field was marked (only the changed ones were): the
    history says which approved update reached which record, this computer's inbox what it gave."""
    given = {
        row["id"]: [f.name for f in update.fields if f.name != CONSENT and row.get(f.name)]
        for _, rows in LocalFiles(data).files(update.name)
        for row in rows
    }
    history = register.path.with_name("register-history.csv")
    if not given or not history.exists():
        return
    with history.open(encoding="utf-8", newline="") as lines:
        reached = {
            (line[HISTORY.index("record")], line[HISTORY.index("source")].removeprefix("form:"))
            for line in csv.reader(line for line in lines if ",form:" in line)
        }
    for record, submission in reached:
        index = register.by_id.get(record)
        if index is not None and submission in given:
            register.protect(index, given[submission])


def _header(
    rows: list[list[str]], update: Form, hidden: frozenset[int] = frozenset()
) -> tuple[int, int, dict[int, str], list[str], int, tuple[int, ...], list[tuple[int, str]]]:
    """The header: its first and last row, which column is which field, the headings of the
    columns not imported, how many cells it has, which of those have no heading, and the hidden
    columns with a heading (column, heading), which are none of the others. It is
    the first row that names at least two known columns (titles above it are skipped, and lines
    that give a heading its value, 毕业年份 | 2019), with the
    row below when that one names columns under a group (联系方式 over 手机 and 邮箱)."""
    known = header_names(update)
    for index, row in enumerate(rows):
        found = [field_of(cell, known) for cell in row]
        if sum(1 for name in found if name) < 2:
            continue
        if "name" not in found and _info_of(row, known):
            continue  # 毕业年份 | 2019 | 学历 | 本科: what the rows below are, not their header
        last, headings = index, list(row)
        below = rows[index + 1] if index + 1 < len(rows) else []
        named = [i for i, cell in enumerate(below) if cell.strip()]
        if (
            named
            and any(field_of(below[i], known) for i in named)
            and all(
                field_of(below[i], known) or below[i].strip() == (row[i] if i < len(row) else "").strip()
                for i in named
            )
        ):
            last = index + 1
            headings += [""] * (len(below) - len(headings))
            for i in named:
                headings[i] = below[i]
        fields: dict[int, str] = {}
        unread, concealed = [], []
        for i, heading in enumerate(headings):
            name = field_of(heading, known)
            if i in hidden:
                if heading.strip():
                    concealed.append((i, heading.strip()))
            elif name is not None:
                fields[i] = name  # a second column of a field (联系电话 and 手机) is read after the first
            elif heading.strip():
                unread.append(heading.strip())  # the register has no such field
        width = len(headings)  # a CSV header's empty cells too: a value under one is no comma's doing
        blank = tuple(i for i in range(width) if not headings[i].strip() and i not in hidden)
        return index, last, fields, unread, width, blank, concealed
    return 0, 0, {}, [], 0, (), []


_NOT_READ = (
    "sheet",
    "columns",
    "hidden",
    "given",
)  # notes on what was not read, which the college should see too


def _report_name(college: str, source: Path) -> str:
    """One report per college and file: two colleges' 校友名单.csv do not overwrite each other's."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", f"import-report-{college}-{source.stem}") + ".csv"


def _write_report(path: Path, result: ImportReport) -> Path:
    """Every value or row not taken, then every value taken with a caveat, for the college to check."""
    unread = [p for p in result.notes if p.kind in _NOT_READ]
    lines = [
        [p.sheet, p.row, p.field, p.value, "未导入 not taken", p.zh, p.en] for p in unread + result.problems
    ]
    lines += [
        [p.sheet, p.row, p.field, p.value, "已导入 taken", p.zh, p.en]
        for p in result.notes
        if p.kind in ("taken", "college")
    ]
    tables.write_table(path, REPORT, lines, for_people=True)
    return path
