"""A table fed by a form holds what the form collects: checked, not trusted to stay in step.

A resource of a data package names its form (`form: class-note`, our own descriptor key). Its
columns that are fields of that form must accept every value the form accepts, or an approved
submission would break the next build; and a published package (`published: true`) never has a
column for a field the form marks private. Columns that are not the form's (an id, a date of
publication) are the table's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from core.definitions import Field as FormField
from core.definitions import Form
from core.problems import Problem

if TYPE_CHECKING:  # core.datapackage calls this module
    from core.datapackage import Resource

# Table Schema types that hold what each form field type sends.
_TYPES = {
    "year": {"integer", "year", "number"},
    "number": {"integer", "number"},
    "date": {"date", "string"},
    "checkbox": {"string", "boolean"},
}


def shape_problems(descriptor: Path, resources: Iterable[Resource], forms: dict[str, Form], published: bool) -> list[Problem]:  # fmt: skip
    """Every way a table of the package would refuse, or publish, what its form collects."""
    label = f"{descriptor.parent.name}/{descriptor.name}"
    problems = []
    for resource in resources:
        if resource.form is None:
            continue
        form = forms.get(resource.form)
        if form is None:
            problems.append(Problem(label, f"资源 {resource.name} 的 form 指向不存在的表单 forms/{resource.form}.yaml，请改正",
                                    f"resource {resource.name} names form forms/{resource.form}.yaml, which does not exist; correct it",
                                    field="form", value=resource.form, kind="shape"))  # fmt: skip
            continue
        fields = {f.name: f for f in form.fields}
        for column in resource.fields:
            field = fields.get(column.name)
            if field is None:
                continue
            for zh, en in _refusals(column, field):
                problems.append(Problem(label, f"{resource.name} 的 {column.name} 列{zh}（表单 forms/{form.name}.yaml）：这样的提交审核通过后会使构建失败，请让两处一致",
                                        f"column {column.name} of {resource.name} {en} (forms/{form.name}.yaml): such a submission, once approved, would stop the build; make the two agree",
                                        field=column.name, kind="shape"))  # fmt: skip
            if published and field.private:
                problems.append(Problem(label, f"{resource.name} 是公开数据，不能有表单 forms/{form.name}.yaml 的私密字段 {column.name}：请删除这一列",
                                        f"{resource.name} is published and must not have a column for {column.name}, a private field of forms/{form.name}.yaml: remove the column",
                                        field=column.name, kind="shape"))  # fmt: skip
    return problems


def _refusals(column, field: FormField) -> list[tuple[str, str]]:
    """What the column refuses that the form field accepts, in words (zh, en)."""
    found = []
    constraints = column.constraints
    if field.type in _TYPES and column.type not in _TYPES[field.type]:
        found.append((f"类型是 {column.type}，收不下表单的 {field.type}", f"is of type {column.type}, which cannot hold the form's {field.type}"))  # fmt: skip
    if constraints.get("required") and not field.required:
        found.append(("必填，而表单中可以不填", "is required, and the form lets people leave it empty"))
    if field.type in ("year", "number"):
        low, high = constraints.get("minimum"), constraints.get("maximum")
        if low is not None and (field.min is None or Decimal(str(low)) > Decimal(str(field.min))):
            found.append((f"最小值是 {low}，而表单收下 {field.min if field.min is not None else '更小的值'}",
                          f"has a minimum of {low}, and the form takes {field.min if field.min is not None else 'any smaller value'}"))  # fmt: skip
        if high is not None and (field.max is None or Decimal(str(high)) < Decimal(str(field.max))):
            found.append((f"最大值是 {high}，而表单收下 {field.max if field.max is not None else '更大的值'}",
                          f"has a maximum of {high}, and the form takes {field.max if field.max is not None else 'any larger value'}"))  # fmt: skip
    longest = constraints.get("maxLength")
    if longest is not None and longest < field.limit:
        found.append((f"最多 {longest} 个字，而表单收下 {field.limit} 个字", f"holds at most {longest} characters, and the form takes {field.limit}"))  # fmt: skip
    if "enum" in constraints and field.choices:
        missing = [c.value for c in field.choices if c.value not in constraints["enum"]]
        if missing:
            found.append((f"不接受表单的选项 {', '.join(missing)}", f"does not take the form's choices {', '.join(missing)}"))  # fmt: skip
    return found
