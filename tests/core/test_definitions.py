"""Form definitions: the shipped ones load; a broken one is named with its file and line."""

import datetime

import pytest

from core.definitions import FIELD_KEYS, FORM_KEYS, load_forms
from core.events import midday, open_events
from core.problems import ProblemsFound
from core.tables import read_records
from tests.support import ROOT

REGISTER_FIELDS = ["姓名", "性别", "出生日期", "籍贯", "学历", "入校时间", "毕业时间", "毕业院系", "专业",
                   "现工作单位", "职务", "手机", "电子邮箱", "通讯地址", "邮政编码"]  # fmt: skip


def broken_problems(tmp_path, text: str) -> list:
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "survey.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        load_forms(tmp_path / "forms")
    return found.value.problems


def broken(tmp_path, text: str) -> list[str]:
    return [p.sentence() for p in broken_problems(tmp_path, text)]


GOOD = """version: 1
title: {zh: 问卷, en: Survey}
consent: {zh: 同意, en: Agree, privacy: /privacy/}
fields:
  - name: city
    type: text
    label: {zh: 城市, en: City}
"""


def test_the_shipped_forms_load():
    events = open_events(read_records(ROOT / "data/events.csv"), midday(datetime.date(2026, 11, 23)))
    forms = load_forms(ROOT / "forms", events)
    assert sorted(forms) == ["class-note", "contact", "event-registration", "update"]
    assert [f.label.zh for f in forms["update"].fields if f.label.zh in REGISTER_FIELDS] == REGISTER_FIELDS
    assert {f.name for f in forms["update"].fields if f.private} == {
        "birth_date",
        "mobile",
        "email",
        "address",
        "postcode",
    }
    assert [c.value for c in forms["event-registration"].field("event").choices][-1] == "homecoming-2027"


def test_staff_alumni_give_their_years_and_unit_instead_of_study_years():
    update = load_forms(ROOT / "forms")["update"]
    assert update.field("staff_unit").required_if == ("relation", "staff")
    assert update.field("year_entered").required_if == ("relation", "student")


def test_a_good_definition_loads(tmp_path):
    (tmp_path / "survey.yaml").write_text(GOOD, encoding="utf-8")
    assert load_forms(tmp_path)["survey"].field("city").label.en == "City"


def test_an_unknown_key_is_named_with_its_line(tmp_path):
    assert broken(tmp_path, GOOD + "    requird: true\n") == [
        "forms/survey.yaml, 第 8 行 (line 8), 字段 requird: 不认识 requird，请检查拼写；可用的有："
        + ", ".join(sorted(FIELD_KEYS))
        + " / requird is not a known key; known keys: "
        + ", ".join(sorted(FIELD_KEYS))
    ]


def test_a_wrong_type_and_a_missing_translation(tmp_path):
    text = GOOD.replace("type: text", "type: txt").replace("{zh: 城市, en: City}", "{zh: 城市}")
    assert [s.split(":")[0] for s in broken(tmp_path, text)] == [
        "forms/survey.yaml, 第 6 行 (line 6), 字段 type",
        "forms/survey.yaml, 第 7 行 (line 7), 字段 label",
    ]


def test_a_bad_pattern_and_a_repeated_name(tmp_path):
    text = GOOD + '    pattern: "[0-9"\n  - name: city\n    label: {zh: 城, en: C}\n'
    found = broken(tmp_path, text)
    assert any(s.startswith("forms/survey.yaml, 第 8 行 (line 8), 字段 pattern") for s in found)
    assert any(
        s.startswith("forms/survey.yaml, 第 9 行 (line 9), 字段 name: 字段名 city 重复") for s in found
    )


def test_yaml_that_does_not_parse(tmp_path):
    [sentence] = broken(tmp_path, GOOD + "  - name: [unclosed\n")  # line 8
    assert sentence.startswith("forms/survey.yaml, 第 8 行 (line 8): YAML 格式有误：括号没有配对")


@pytest.mark.parametrize(
    ("mistake", "line", "words"),
    [
        ("    type text\n    label: {zh: 城市, en: City}\n", 6, "this line lacks a colon"),
        ('    help: {zh: "未完, en: x}\n    label: {zh: 城市, en: City}\n', 6, "a quote is not closed"),
        ("    help: {zh: 说明, en: x\n    label: {zh: 城市, en: City}\n", 6, "a bracket is not closed"),
        ("\t  label: {zh: 城市, en: City}\n", 6, "indent with spaces, not tabs"),
        ("     label: {zh: 城市, en: City}\n", 6, "the indentation or a colon is wrong"),
    ],
)
def test_a_yaml_mistake_is_named_on_its_own_line(tmp_path, mistake, line, words):
    """libyaml notices a missing colon or quote a line later; the editor is sent to the line itself."""
    head = GOOD.split("    type: text\n")[0]  # the definition up to the field's name, line 5
    [problem] = broken_problems(tmp_path, head + mistake)
    assert (problem.line, problem.kind) == (line, "yaml") and words in problem.en


def test_required_if_must_name_a_field(tmp_path):
    [sentence] = broken(tmp_path, GOOD + "    required_if: {kind: x}\n")
    assert "required_if 指向的字段 kind 不存在" in sentence


def test_a_broken_definition_stops_the_build(make_repo, tmp_path):
    from office.build import build_site

    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "survey.yaml").write_text(GOOD.replace("type: text", "type: txt"), encoding="utf-8")
    repo = make_repo({})
    with pytest.raises(ProblemsFound) as found:
        build_site(
            ROOT / "pelicanconf.py",
            {"PATH": str(repo / "content"), "OUTPUT_PATH": str(repo / "output"), "FORMS_DIR": str(forms)},
        )
    assert [p.file for p in found.value.problems] == ["forms/survey.yaml"]
    assert not (repo / "output").exists()


def test_every_definition_key_is_documented():
    documented = (ROOT / "docs/editors.md").read_text(encoding="utf-8")
    assert sorted(key for key in FORM_KEYS | FIELD_KEYS if f"`{key}`" not in documented) == []


def test_long_forms_are_shown_in_groups_of_neighbouring_fields():
    update = load_forms(ROOT / "forms")["update"]
    assert [(group.zh if group else None, len(fields)) for group, fields in update.sections] == [
        ("个人信息", 4), ("在校经历", 8), ("工作", 2), ("联系方式", 4)
    ]  # fmt: skip
    note = load_forms(ROOT / "forms")["class-note"]
    assert [group for group, _ in note.sections] == [None] * len(note.fields)  # no groups: one field each


def test_a_group_whose_fields_are_apart_is_named_with_its_line(tmp_path):
    text = GOOD.replace("    type: text\n", "    type: text\n    group: {zh: 地址, en: Address}\n") + (
        "  - name: mobile\n    label: {zh: 手机, en: Mobile}\n"
        "  - name: street\n    group: {zh: 地址, en: Address}\n    label: {zh: 街道, en: Street}\n"
    )
    assert broken(tmp_path, text) == [
        "forms/survey.yaml, 第 12 行 (line 12), 字段 group: 分组“地址”的字段应当连在一起，请把这个字段移到该组其他字段旁边"
        " / the fields of the group “Address” should follow each other; move this field next to the others"
    ]


def test_the_consent_links_the_privacy_policy_where_its_words_name_it():
    forms = load_forms(ROOT / "forms")
    assert forms["update"].consent.around("zh", "隐私政策") == (
        "我已阅读《",
        "隐私政策",
        "》，同意校友总会按其中所述保存和使用以上信息。",
    )
    assert (
        forms["update"].consent.around("en", "Privacy policy")[1] == "privacy policy"
    )  # as the words write it
    assert forms["contact"].consent.around("zh", "隐私政策") == (
        "我同意校友总会为答复本留言保存和使用以上信息。 ",
        "隐私政策",
        "",
    )


PHOTOS = (
    GOOD
    + """  - name: photos
    type: photos
    max_files: 2
    max_mb: 4
    label: {zh: 照片, en: Photos}
  - name: shows
    type: text
    describes: photos
    label: {zh: 照片上有什么, en: What they show}
"""
)


def test_a_photos_field_loads_with_its_limits_and_the_field_that_describes_it(tmp_path):
    (tmp_path / "survey.yaml").write_text(PHOTOS, encoding="utf-8")
    form = load_forms(tmp_path)["survey"]
    assert (form.photos.name, form.photos.max_files, form.photos.max_mb, form.photos.input_type) == (
        "photos",
        2,
        4,
        "file",
    )
    assert form.field("shows").describes == "photos"
    assert form.body_limit(65536) == 65536 + 2 * (4 * 2**20 + 1024)
    assert load_forms(ROOT / "forms")["contact"].body_limit(65536) == 65536  # every other form as before


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("max_files: 2", "max_files: 11"), 10, "max_files must be a number of photos from 1 to 10"),
        (("max_mb: 4", "max_mb: 0"), 11, "max_mb must be a number of megabytes from 1 to 50"),
        (
            ("max_files: 2", "max_files: 2\n    private: true"),
            11,
            "photos are published once approved, so they cannot be private",
        ),
        (
            ("describes: photos", "describes: city"),
            15,
            "describes must name this form's photos field (photos)",
        ),
        (
            ("type: text\n    describes", "type: date\n    describes"),
            15,
            "from a field of type text or textarea",
        ),
        (
            ("    type: text\n    label: {zh: 城市", "    type: text\n    max_mb: 3\n    label: {zh: 城市"),
            7,
            "max_mb is only for a field of type photos",
        ),
    ],
)
def test_photo_keys_that_cannot_work_are_named_with_their_line(tmp_path, change, line, words):
    [problem] = broken_problems(tmp_path, PHOTOS.replace(*change))
    assert (problem.line, words in problem.en) == (line, True), problem.sentence()


def test_a_form_has_at_most_one_photos_field(tmp_path):
    second = "  - name: more\n    type: photos\n    label: {zh: 更多, en: More}\n"
    [sentence] = broken(tmp_path, PHOTOS + second)
    assert sentence.endswith("a form can have only one field of type photos")
