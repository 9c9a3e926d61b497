"""The association's public data package (data/datapackage.yaml): validated, then read typed."""

from __future__ import annotations

from pathlib import Path

import frictionless

from forms.problems import Problem, ProblemsFound

# What to write instead, per column type, in the editor's words.
_EXAMPLES = {
    "integer": ("整数，如 1998", "a whole number such as 1998"),
    "number": (
        "数字，如 1000 或 1000.50，不要写单位或逗号",
        "a number such as 1000 or 1000.50, no unit or comma",
    ),
    "date": ("日期，格式 2026-11-23", "a date written as 2026-11-23"),
    "year": ("年份，如 2026", "a year such as 2026"),
    "string": ("文字", "text"),
}


def load_package(descriptor: Path) -> dict[str, list[dict]]:
    """Every resource's rows as dicts of typed values; raises ProblemsFound listing all problems."""
    try:
        package = frictionless.Package(str(descriptor))
    except frictionless.FrictionlessException as error:
        raise ProblemsFound(
            [Problem(str(descriptor), f"无法读取：{error.error.message}", error.error.message)]
        ) from None
    report = package.validate()
    if not report.valid:
        problems = [
            _problem(package, task.name, task.place, error) for task in report.tasks for error in task.errors
        ]
        problems += [Problem(str(descriptor), e.message, e.message) for e in report.errors]
        raise ProblemsFound(problems)
    return {r.name: [row.to_dict() for row in r.read_rows()] for r in package.resources}


def _problem(package: frictionless.Package, resource: str, place: str, error) -> Problem:
    """Turn one frictionless error into a sentence an editor can act on."""
    file = (Path(package.basepath or ".") / place).as_posix()
    row = getattr(error, "row_number", None)
    field = getattr(error, "field_name", None)
    value = getattr(error, "cell", None)
    kind = error.type
    if kind == "type-error":
        schema_field = package.get_resource(resource).schema.get_field(field)
        zh, en = _EXAMPLES.get(schema_field.type, _EXAMPLES["string"])
        return Problem(file, f"不是有效的值，请写{zh}", f"is not valid, write {en}", row, None, field, value)
    if kind == "constraint-error":
        return Problem(file, *_constraint_words(package, resource, field), row, None, field, value)
    if kind == "primary-key":
        return Problem(
            file,
            "编号与前面某一行重复，请改成唯一的编号",
            "repeats the id of an earlier row; give each row its own id",
            row,
            None,
            "id",
            error.cells[0] if error.cells else None,
        )
    if kind == "foreign-key":
        target = f"data/{error.reference_name}.csv"
        return Problem(
            file,
            f"在 {target} 中找不到这个编号，请改正或先在 {target} 中添加",
            f"is not an id in {target}; correct it or add it there first",
            row,
            None,
            ", ".join(error.field_names),
            ", ".join(error.field_cells),
        )
    return Problem(file, f"数据有误：{error.message}", error.message, row, None, field, value)


def _constraint_words(package, resource: str, field: str) -> tuple[str, str]:
    constraints = package.get_resource(resource).schema.get_field(field).constraints
    if "enum" in constraints:
        choices = ", ".join(constraints["enum"])
        return f"不是可选的值，请写其中之一：{choices}", f"is not allowed; write one of: {choices}"
    if "pattern" in constraints:
        return (
            "格式不对，只能用小写英文字母、数字和连字符，如 beijing",
            "has the wrong form; use lowercase letters, digits and hyphens, like beijing",
        )
    if "minimum" in constraints or "maximum" in constraints:
        low, high = constraints.get("minimum", "…"), constraints.get("maximum", "…")
        return (
            f"超出范围，请写 {low} 到 {high} 之间的值",
            f"is out of range; write a value from {low} to {high}",
        )
    return "不能为空，请填写", "is required; fill it in"
