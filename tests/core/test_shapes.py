"""A table fed by a form takes what the form collects, and a published one none of its private fields."""

import shutil

import pytest

from core.datapackage import check_data
from core.definitions import load_forms
from core.problems import ProblemsFound
from core.values import is_email
from tests.support import ROOT

FORMS = load_forms(ROOT / "forms")


@pytest.fixture
def data(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    return tmp_path / "data"


def problems(data, old: str, new: str) -> list:
    descriptor = data / "datapackage.yaml"
    text = descriptor.read_text(encoding="utf-8")
    assert old in text
    descriptor.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        check_data(descriptor, FORMS)
    return found.value.problems


def test_the_shipped_tables_take_what_their_forms_collect():
    check_data(ROOT / "data/datapackage.yaml", FORMS)
    check_data(ROOT / "data/private.datapackage.yaml", FORMS)


def test_a_class_year_the_form_accepts_but_the_table_refuses_stops_the_build(data):
    [problem] = problems(data, "minimum: 1925, maximum: 2035}}", "minimum: 1925, maximum: 2030}}")
    assert (problem.file, problem.field, problem.kind) == ("data/datapackage.yaml", "class_year", "shape")
    assert problem.sentence() == (
        "data/datapackage.yaml, 字段 class_year: class_notes 的 class_year 列最大值是 2030，而表单收下 2035"
        "（表单 forms/class-note.yaml）：这样的提交审核通过后会使构建失败，请让两处一致 / column class_year of "
        "class_notes has a maximum of 2030, and the form takes 2035 (forms/class-note.yaml): such a submission, "
        "once approved, would stop the build; make the two agree"
    )


def test_a_text_shorter_than_the_form_allows_is_named(data):
    [problem] = problems(data, "constraints: {required: true, maxLength: 2000}}", "constraints: {required: true, maxLength: 500}}")  # fmt: skip
    assert problem.field == "body" and "holds at most 500 characters, and the form takes 2000" in problem.en


def test_a_published_table_never_has_a_column_for_a_private_field(data):
    found = problems(
        data,
        "        - {name: body,",
        "        - {name: email, title: 邮箱, type: string}\n        - {name: body,",
    )
    assert [(p.field, p.kind) for p in found if p.kind == "shape"] == [("email", "shape")]
    assert "must not have a column for email, a private field of forms/class-note.yaml" in found[0].en


def test_the_data_package_and_the_forms_agree_on_what_an_e_mail_is(data):
    """One rule: the form refuses name@example.c, so a chapter's contact may not be it either."""
    assert not is_email("office@alumni.c") and is_email("office@alumni.example.org")
    chapters = data / "chapters.csv"
    lines = chapters.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",office@alumni.c"
    chapters.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        check_data(data / "datapackage.yaml", FORMS)
    assert [(p.file, p.row, p.field) for p in found.value.problems] == [("data/chapters.csv", 2, "contact")]
