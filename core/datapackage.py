"""The association's data package: data/datapackage.yaml and the CSV files it describes.

It checks what Frictionless checks (Table Schema types and constraints, primary and foreign
keys) in one streaming pass per file, which is many times faster on a large ledger, and it
words every problem for the editor who will fix it. `frictionless validate` still accepts the
same descriptor; tests hold the two to the same verdict.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import call
from pathlib import Path

from core import ledger, tables
from core.definitions import Form, read_yaml
from core.events import event_problems
from core.problems import Problem, ProblemsFound
from core.records import record_problems
from core.shapes import shape_problems
from core.values import is_email

# What to write instead, per column type, in the editor's words.
EXAMPLES = {
    "integer": ("整数，如 1998", "a whole number such as 1998"),
    "year": ("年份，如 2026", "a year such as 2026"),
    "number": (
        "数字，如 1000 或 1000.50，不要写单位或千位逗号",
        "a number such as 1000 or 1000.50, without unit or commas",
    ),
    "date": ("日期，格式 2026-11-23", "a date written as 2026-11-23"),
    "boolean": ("是或否（true 或 false）", "true or false"),
    "string": ("文字", "text"),
}
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class _CellError(ValueError):
    """A cell that does not fit its field; carries the problem's kind and words."""

    def __init__(self, kind: str, zh: str, en: str):
        super().__init__(kind)
        self.kind, self.zh, self.en = kind, zh, en


@dataclass(frozen=True)
class Field:
    """One column of a table, as its Table Schema describes it.

    The type reader and the constraint checks are chosen once, when the schema is read,
    so checking a cell of a 300,000-row ledger runs only what that column needs.
    """

    name: str
    type: str = "string"
    format: str = "default"
    constraints: dict = field(default_factory=dict)
    true_values: tuple[str, ...] = ("true", "True", "TRUE", "1")
    false_values: tuple[str, ...] = ("false", "False", "FALSE", "0")
    example: str | None = None  # Table Schema's own key: what to write, named when a pattern fails

    def __post_init__(self) -> None:
        object.__setattr__(self, "parse", self._parser())

    def _parser(self) -> Callable[[str], object]:
        """parse(text): the typed value of a cell, or _CellError saying what to write instead."""
        read, checks = self._reader(), tuple(self._constraint_checks())
        missing = (
            _CellError("required", "不能为空，请填写", "is required; fill it in")
            if self.constraints.get("required")
            else None
        )

        def parse(text: str):
            if not text:
                if missing:
                    raise missing
                return None
            value = text if read is str else read(text)
            for check in checks:
                check(text, value)
            return value

        def parse_one_check(text: str):  # the usual case (an enum, a minimum): no loop
            if not text:
                if missing:
                    raise missing
                return None
            value = text if read is str else read(text)
            check(text, value)
            return value

        def required_text(text: str) -> str:
            if not text:
                raise missing
            return text

        if read is str and not checks:  # most columns: plain text, so only emptiness to check
            return required_text if missing else lambda text: text or None
        if len(checks) == 1:
            check = checks[0]
            return parse_one_check
        if checks or missing:
            return parse
        return lambda text: read(text) if text else None

    def _reader(self) -> Callable[[str], object]:
        zh, en = EXAMPLES.get(self.type, EXAMPLES["string"])
        if self.format == "email":
            zh, en = "电子邮箱，如 office@alumni.example.org", "an e-mail address"
        wrong = _CellError("type", f"不是有效的值，请写{zh}", f"is not valid; write {en}")

        def typed(
            convert: Callable[[str], object], valid: Callable[[str], object]
        ) -> Callable[[str], object]:
            def read(text: str):
                try:
                    value = convert(text)
                except (ValueError, ArithmeticError):
                    raise wrong from None
                if valid and not valid(text):
                    raise wrong
                return value

            return read

        if self.type in ("integer", "year"):
            return typed(int, _INTEGER.fullmatch)
        if self.type == "number":
            return typed(_number, None)
        if self.type == "date":
            return typed(_date, None)
        if self.type == "boolean":
            truth = dict.fromkeys(self.true_values, True) | dict.fromkeys(self.false_values, False)
            return typed(truth.__getitem__, truth.__contains__)
        if self.format == "email":
            return typed(str, is_email)
        return str

    def _constraint_checks(self) -> Iterator[Callable[[str, object], None]]:
        c = self.constraints

        def fails(test: Callable[[str, object], bool], error: _CellError) -> Callable[[str, object], None]:
            def check(text: str, value) -> None:
                if test(text, value):
                    raise error

            return check

        if "enum" in c:
            allowed = set(c["enum"])
            choices = ", ".join(str(choice) for choice in c["enum"])
            yield fails(
                lambda _, value: value not in allowed,
                _CellError(
                    "enum",
                    f"不是可选的值，请写其中之一：{choices}",
                    f"is not allowed; write one of: {choices}",
                ),
            )
        if "pattern" in c:
            pattern = re.compile(c["pattern"])
            example = self.example or "beijing"
            zh, en = (
                (f"格式不对，请写成如 {example} 的形式", f"has the wrong form; write it like {example}")
                if self.example
                else (
                    f"格式不对，只能用小写英文字母、数字和连字符，如 {example}",
                    f"has the wrong form; use lowercase letters, digits and hyphens, like {example}",
                )
            )
            yield fails(lambda text, _: not pattern.fullmatch(text), _CellError("pattern", zh, en))
        low, high = c.get("minimum"), c.get("maximum")
        if low is not None or high is not None:
            span = f"{'' if low is None else low} ~ {'' if high is None else high}"
            low, high = self._bound(low), self._bound(high)
            yield fails(
                lambda _, value: (low is not None and value < low) or (high is not None and value > high),
                _CellError(
                    "range", f"超出范围，请写 {span} 之间的值", f"is out of range; write a value in {span}"
                ),
            )
        if "minLength" in c or "maxLength" in c:
            shortest, longest = c.get("minLength", 0), c.get("maxLength", float("inf"))
            span = f"{shortest}–{c.get('maxLength', '')}"
            yield fails(
                lambda text, _: not shortest <= len(text) <= longest,
                _CellError(
                    "length", f"长度不对，请写 {span} 个字", f"has the wrong length; write {span} characters"
                ),
            )

    def _bound(self, bound):
        """Schema bounds are written as text or numbers; compare them as the column's type."""
        if bound is None:
            return None
        if self.type == "date":
            return datetime.date.fromisoformat(str(bound))
        return Decimal(str(bound)) if self.type == "number" else bound


def _number(text: str) -> Decimal:
    """Plain decimal numbers only: Decimal itself would also take NaN, Infinity and 1_000."""
    value = Decimal(text)
    if not value.is_finite() or "_" in text:
        raise ValueError(text)
    return value


def _date(text: str) -> datetime.date:
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the usual 2026-11-23, in C
        return datetime.date.fromisoformat(text)
    if not _DATE.fullmatch(text):  # Frictionless also takes 2026-1-3
        raise ValueError(text)
    year, month, day = text.split("-")
    return datetime.date(int(year), int(month), int(day))


@dataclass(frozen=True)
class Resource:
    """One CSV file of the package with its schema."""

    name: str
    path: Path
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, resource, field)
    optional: bool = False  # our own descriptor key: a missing file is an empty table
    form: str | None = None  # our own key: the form whose approved submissions become rows (core/shapes.py)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@dataclass
class DataPackage:
    """What a check found: typed rows per resource, and notes about files it accepted."""

    tables: dict[str, list[dict]]
    notes: list[Problem]


def _descriptor_label(descriptor: Path) -> str:
    return f"{descriptor.parent.name}/{descriptor.name}"  # data/datapackage.yaml, as the editor finds it


def _load(descriptor: Path) -> dict:
    """The descriptor; ProblemsFound, naming the file and line, if it is no YAML mapping (a
    mistake, or a file caught empty in the middle of its save)."""
    spec = read_yaml(descriptor, _descriptor_label(descriptor))
    if not isinstance(spec, dict) or not isinstance(spec.get("resources"), list):
        raise ProblemsFound([Problem(_descriptor_label(descriptor), "应当列出数据表（resources:）；请对照上一版改正，或用 git 恢复上一版",
                                     "should list the tables (resources:); compare it with the last version, or restore that with git",
                                     line=getattr(spec, "line", None), kind="descriptor")])  # fmt: skip
    return spec


def read_descriptor(descriptor: Path) -> list[Resource]:
    """The resources of datapackage.yaml; file paths are relative to the descriptor. Raises
    ProblemsFound naming the file and line of the first mistake in it."""
    resources = []
    for item in _load(descriptor)["resources"]:
        try:
            resources.append(_resource(descriptor, item))
        except (KeyError, TypeError, AttributeError) as error:
            raise ProblemsFound([Problem(_descriptor_label(descriptor), f"这张表的说明缺少或写错了 {error}；请对照其他表改正",
                                         f"the description of this table lacks or miswrites {error}; compare it with the other tables",
                                         line=getattr(item, "line", None), kind="descriptor")]) from None  # fmt: skip
    return resources


def _resource(descriptor: Path, item: dict) -> Resource:
    schema = item["schema"]
    fields = tuple(
        Field(
            name=f["name"],
            type=f.get("type", "string"),
            format=f.get("format", "default"),
            constraints=f.get("constraints", {}),
            example=str(f["example"]) if "example" in f else None,
            **{
                key: tuple(f[camel])
                for key, camel in (("true_values", "trueValues"), ("false_values", "falseValues"))
                if camel in f
            },
        )
        for f in schema["fields"]
    )
    foreign = tuple(
        (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
        for fk in schema.get("foreignKeys", [])
    )
    unique = tuple(f.name for f in fields if f.constraints.get("unique"))
    return Resource(
        item["name"],
        descriptor.parent / item["path"],
        fields,
        tuple(schema.get("primaryKey", ())),
        unique,
        foreign,
        bool(item.get("optional")),
        item.get("form"),
    )


def validate_package(descriptor: Path, keep_rows: bool = True) -> DataPackage:
    """Check every file of the package; raise ProblemsFound listing every problem found.

    With keep_rows=False only keys are kept in memory, for checking very large files.
    """
    problems: list[Problem] = []
    notes: list[Problem] = []
    resources = read_descriptor(descriptor)
    tables: dict[str, list[dict]] = {}
    keys: dict[tuple[str, str], set] = {}
    unreadable: set[str] = set()
    references: list[tuple[Resource, str, str, str, list[tuple[int, object]]]] = []
    for resource in resources:
        if resource.optional and not resource.path.exists():
            tables[resource.name] = []
            continue
        rows = _open_table(resource, problems, notes)
        if rows is None:
            unreadable.add(resource.name)
            continue
        wanted = {fk[0] for fk in resource.foreign_keys}
        seen: dict[str, list[tuple[int, object]]] = {name: [] for name in wanted}
        kept = tables.setdefault(resource.name, []) if keep_rows else None
        key_sets = {name: {} for name in (*resource.primary_key, *resource.unique)}
        for row_number, row in rows:
            for name, first_rows in key_sets.items():
                value = row[name]
                if value is None or value is _INVALID:
                    continue
                if value in first_rows:
                    problems.append(
                        _problem(resource, row_number, name, value, _duplicate(first_rows[value]))
                    )
                else:
                    first_rows[value] = row_number
            for name in wanted:
                if row[name] is not None and row[name] is not _INVALID:
                    seen[name].append((row_number, row[name]))
            if kept is not None:
                kept.append(row)
        for name, first_rows in key_sets.items():
            keys[(resource.name, name)] = first_rows.keys()
        references += [(resource, *fk, seen[fk[0]]) for fk in resource.foreign_keys]
    for resource, name, target, target_field, values in references:
        if target in unreadable:
            continue  # its own problem is reported; every reference to it would only repeat that
        known = keys.get((target, target_field), set())
        file = f"{resource.path.parent.name}/{target}.csv"
        problems += [
            _problem(
                resource,
                row_number,
                name,
                value,
                _CellError(
                    "foreign-key",
                    f"在 {file} 中找不到这个编号，请改正或先在 {file} 中添加",
                    f"is not an id in {file}; correct it or add it there first",
                ),
            )
            for row_number, value in values
            if value not in known
        ]
    if problems:
        raise ProblemsFound(sorted(problems, key=lambda p: (p.file, p.row or 0)))
    return DataPackage(tables, notes)


def _duplicate(first_row: int) -> _CellError:
    return _CellError(
        "duplicate",
        f"与第 {first_row} 行重复，请改成唯一的值",
        f"repeats row {first_row}; each row needs its own value",
    )


def _problem(resource: Resource, row: int | None, name: str | None, value, error: _CellError) -> Problem:
    shown = value if value is None or isinstance(value, str) else str(value)
    return Problem(_label(resource), error.zh, error.en, row=row, field=name, value=shown, kind=error.kind)


def _label(resource: Resource) -> str:
    return f"{resource.path.parent.name}/{resource.path.name}"


_INVALID = object()  # a cell that failed its check: reported once, ignored by later checks


def _open_table(
    resource: Resource, problems: list[Problem], notes: list[Problem]
) -> Iterator[tuple[int, dict]] | None:
    """The rows of one file, or None when the file cannot be read as this table at all."""
    try:
        reader, found = tables.iter_rows(resource.path, _label(resource))
    except ProblemsFound as unreadable:
        problems += unreadable.problems
        return None
    notes += found
    header = next(reader, [])
    names = [f.name for f in resource.fields]
    missing = [name for name in names if name not in header]
    extra = [label for label in header if label not in names]
    missing_error = _CellError(
        "missing-column", "缺少这一列，请在第 1 行加上它", "column is missing; add it to row 1"
    )
    extra_error = _CellError(
        "extra-column",
        "数据包里没有这一列，请删除或改正列名",
        "is not a column of this table; remove or rename it",
    )
    for labels, error in ((missing, missing_error), (extra, extra_error)):
        problems += [_problem(resource, 1, label, None, error) for label in labels]
    if missing or extra:
        return None
    return _rows(resource, reader, header, problems)


def _rows(
    resource: Resource, reader, header: list[str], problems: list[Problem]
) -> Iterator[tuple[int, dict]]:
    """Typed rows numbered as in a spreadsheet; a cell that fails its check holds _INVALID."""
    names = [f.name for f in resource.fields]
    parsers = [f.parse for f in resource.fields]
    order = [header.index(name) for name in names]
    in_order = order == list(range(len(header)))
    width = len(header)
    for row_number, cells in enumerate(reader, start=2):
        if not any(cells):
            continue  # spreadsheets leave empty rows at the end; they hold nothing to check
        if len(cells) != width:
            problems.append(
                _problem(
                    resource,
                    row_number,
                    None,
                    None,
                    _CellError(
                        "cell-count",
                        f"这一行有 {len(cells)} 格，表头有 {width} 列；请检查是否多了或少了逗号",
                        f"has {len(cells)} cells for {width} columns; look for a missing or extra comma",
                    ),
                )
            )
            continue
        if not in_order:
            cells = [cells[index] for index in order]
        try:  # the common case, a good row, parsed without a Python loop
            row = dict(zip(names, map(call, parsers, cells), strict=True))
        except _CellError:
            row = {}
            for name, parse, text in zip(names, parsers, cells, strict=True):
                try:
                    row[name] = parse(text)
                except _CellError as error:
                    problems.append(_problem(resource, row_number, name, text, error))
                    row[name] = _INVALID
        row["_row"] = row_number  # where the row is, for checks made after this one
        yield row_number, row


def check_data(descriptor: Path, forms: dict[str, Form] | None = None) -> DataPackage:
    """Everything `invoke validate` and the build check: the schema, the ledgers' rules, and with
    the form definitions, that each table takes what its form collects (core/shapes.py)."""
    problems = []
    if forms is not None:
        published = bool(_load(descriptor).get("published"))
        problems += shape_problems(descriptor, read_descriptor(descriptor), forms, published)
    try:
        package = validate_package(descriptor)
    except ProblemsFound as found:
        raise ProblemsFound(problems + found.problems) from None
    tables = package.tables
    if "events" in tables:
        problems += event_problems(tables["events"])
    if {"projects", "donations", "expenditures"} <= tables.keys():
        problems += ledger.check_ledgers(tables["projects"], tables["donations"], tables["expenditures"])
    label = f"{descriptor.parent.name}/private/register.csv"
    for row in tables.get("register", []):  # the office's private package
        problems += [Problem(label, zh, en, row=row["_row"], field=field, value=str(row[field]), kind="order")
                     for field, zh, en in record_problems(row)]  # fmt: skip
    if problems:
        raise ProblemsFound(problems)
    return package
