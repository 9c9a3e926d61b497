"""A college's messy spreadsheet into the register: every normalisation, every row taken, folded
or reported, and nobody's record changed by a row that is not theirs."""

import datetime
import functools
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from core import tables
from core.definitions import load_forms
from core.problems import ProblemsFound
from core.sealing import Opener, Sealer, generate_keypair
from core.tables import read_records, write_table
from office.importer import import_register, list_date
from office.normalise import NotTaken, normaliser
from office.register import Register, now_on, read_register
from tests.support import ROOT

UPDATE = load_forms(ROOT / "forms")["update"]
DAY = datetime.date(2026, 11, 23)
NORMALISE = normaliser(UPDATE, DAY)
HEADER = ["姓名", "性别", "出生日期", "籍贯", "学历", "入校时间", "毕业时间", "专业", "现工作单位", "职务", "手机",
          "电子邮箱", "通讯地址", "邮政编码"]  # fmt: skip
ROWS = [
    ["王立新", "男", datetime.datetime(1978, 7, 1), "重庆万州", "本科", "1996.09", "2000年7月", "计算机科学", "示例科技", "工程师", 13900001111, "wang@example.com", "示例市学府路1号", "100000"],
    ["李 晓梅", "F", "1980/2/15", "", "硕士研究生", "１９９８年９月", "2002", "软件工程", "", "", "86-138-0000-2222", "li@", "", "12345"],
    ["陈　静", "女", "19820503", "", "博士", "1999-09-01", "2005.07", "", "", "", "(0086)137 0000 3333", "", "", ""],
    ["", "男", "1970-01-01", "", "本科", "1990", "1994", "", "", "", "", "", "", ""],
    ["赵一", "Female", "1985-13-01", "", "学士", "1999-13", "2003", "", "", "", "12345", "", "", ""],
    ["孙悦", "女", "1986年4月", "", "大学本科", "2004", "2001", "", "", "", "", "Sun@Example.COM", "", ""],
    ["制表人：李老师  审核：王主任"],
]  # fmt: skip
TAKEN = {
    "王立新": {"gender": "male", "birth_date": "1978-07-01", "degree": "bachelor", "year_entered": "1996", "year_graduated": "2000", "mobile": "13900001111", "college": "计算机学院", "relation": "student"},
    "李晓梅": {"gender": "female", "birth_date": "1980-02-15", "degree": "master", "year_entered": "1998", "mobile": "13800002222", "email": "", "postcode": "012345"},
    "陈静": {"birth_date": "1982-05-03", "degree": "doctor", "year_entered": "1999", "year_graduated": "2005", "mobile": "13700003333"},
    "孙悦": {"birth_date": "1986-04", "email": "Sun@example.com", "degree": "bachelor", "year_entered": "2004", "year_graduated": ""},
    "赵一": {"gender": "female", "birth_date": "", "degree": "bachelor", "year_entered": "", "mobile": ""},
}  # fmt: skip
NOT_TAKEN = [(3, "电子邮箱", "li@"), (5, "姓名", None), (6, "出生日期", "1985-13-01"), (6, "入校时间", "1999-13"),
             (6, "手机", "12345"), (7, "毕业时间", "2001")]  # fmt: skip


def workbook(path, rows=ROWS, title=True):
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append(
            ["示例大学计算机学院校友名单（2026年）"]
        )  # a title above the header, as offices send them
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def csv_file(path, encoding, rows=ROWS, header=HEADER):
    text = "\n".join(
        ",".join(str(c.date() if isinstance(c, datetime.datetime) else c) for c in row)
        for row in [header, *rows]
    )
    path.write_bytes(text.encode(encoding))
    return path


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def imported(tmp_path, text: str, name="list.csv", register="private/register.csv", day=DAY, **options):
    return import_register(
        write(tmp_path / name, text), "计算机学院", tmp_path / register, UPDATE, day, **options
    )


@pytest.fixture(params=["xlsx", "utf-8-sig", "gb18030"])
def spreadsheet(request, tmp_path):
    if request.param == "xlsx":
        return workbook(tmp_path / "cs.xlsx")
    return csv_file(tmp_path / "cs.csv", request.param)


@pytest.mark.parametrize(
    ("field", "written", "taken"),
    [
        ("gender", "男", "male"), ("gender", "M", "male"), ("gender", "Male", "male"), ("gender", "女性", "female"),
        ("gender", "f", "female"), ("gender", "Female", "female"),
        ("degree", "学士", "bachelor"), ("degree", "本科", "bachelor"), ("degree", "大学本科", "bachelor"),
        ("degree", "本科（学士）", "bachelor"), ("degree", "本科(学士)", "bachelor"), ("degree", "专科", "junior_college"),
        ("degree", "大专", "junior_college"), ("degree", "硕士", "master"), ("degree", "硕士研究生", "master"),
        ("degree", "研究生", "master"), ("degree", "博士", "doctor"), ("degree", "博士研究生", "doctor"),
        ("degree", "PhD", "doctor"), ("degree", "MBA", "master"),
        ("mobile", "+86 138 0000 1111", "13800001111"), ("mobile", "86-138-0000-1111", "13800001111"),
        ("mobile", "0086 13800001111", "13800001111"), ("mobile", "138-0000-1111", "13800001111"),
        ("mobile", "１３８００００１１１１", "13800001111"), ("mobile", "13800001111.0", "13800001111"),
        ("mobile", "(+86) 138 0000 1111", "13800001111"), ("mobile", "+44 7700 900123", "+447700900123"),
        ("mobile", "00852 9123 4567", "+85291234567"),
        ("email", "Wang.Li@Example.COM", "Wang.Li@example.com"), ("email", " wang@example.com； ", "wang@example.com"),
        ("email", "ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "wang@example.com"),
        ("name", "王　芳", "王芳"), ("name", " 李 晓梅 ", "李晓梅"), ("name", "Zhang  Wei", "Zhang Wei"),
        ("name", "Rene\u0301", "René"),
        ("birth_date", "1978-07-01", "1978-07-01"), ("birth_date", "1978/7/1", "1978-07-01"),
        ("birth_date", "1978.7.1", "1978-07-01"), ("birth_date", "1978年7月1日", "1978-07-01"),
        ("birth_date", "19780701", "1978-07-01"), ("birth_date", "１９７８－０７－０１", "1978-07-01"),
        ("birth_date", "1978-07-01 00:00:00", "1978-07-01"), ("birth_date", "1978.07", "1978-07"),
        ("birth_date", "1978年7月", "1978-07"),
        ("year_entered", "1996", "1996"), ("year_entered", "1996级", "1996"), ("year_entered", "96级", "1996"),
        ("year_entered", "1996.09", "1996"), ("year_entered", "1996年9月", "1996"), ("year_entered", "１９９６", "1996"),
        ("year_graduated", "2000-07-01", "2000"),
        ("postcode", "400000", "400000"), ("postcode", "10000", "010000"), ("postcode", "４０００００", "400000"),
        # invisible characters pasted with a value (a zero-width space, a BOM, a word joiner)
        ("email", "wang@example.com\u200b", "wang@example.com"), ("mobile", "\u200b13800001111", "13800001111"),
        ("gender", "男\u2060", "male"), ("birth_date", "\ufeff1978-07-01", "1978-07-01"),
        # numbers a program wrote as decimals
        ("year_entered", "1996.0", "1996"), ("birth_date", "19780701.0", "1978-07-01"), ("gender", "2.0", "female"),
        ("mobile", "13800001111.00", "13800001111"), ("mobile", "13812340000", "13812340000"),
        # a mobile after a landline in one cell
        ("mobile", "010-62751234/13800001111", "13800001111"), ("mobile", "0571-88888888 13800001111", "13800001111"),
        ("mobile", "(010)62751234；138 0000 1111", "13800001111"),
        # a degree as certificates name it (a discipline's), two ways in one cell, in English
        ("degree", "工学学士", "bachelor"), ("degree", "理学硕士学位", "master"), ("degree", "工商管理硕士", "master"),
        ("degree", "临床医学博士", "doctor"), ("degree", "本科/学士", "bachelor"), ("degree", "本科（工学学士）", "bachelor"),
        ("degree", "研究生/硕士", "master"), ("degree", "B.Sc.", "bachelor"), ("degree", "M.S.", "master"),
        ("degree", "Bachelor's", "bachelor"), ("degree", "Bachelor of Engineering", "bachelor"),
        ("degree", "Master of Science", "master"), ("degree", "Doctor of Philosophy", "doctor"),
    ],
)  # fmt: skip
def test_values_are_taken_as_offices_write_them(field, written, taken):
    assert NORMALISE(field, written)[0] == taken


@pytest.mark.parametrize(
    ("field", "written", "words"),
    [
        ("birth_date", "1985-13-01", "is not a real date: there is no month 13"),
        ("birth_date", "1985-02-30", "is not a real date: month 2 has no day 30"),
        ("year_entered", "1999-13", "is not a real date: there is no month 13"),
        ("year_entered", "1850", "should be a year from 1925 to 2030"),
        ("mobile", "010-62751234", "is a landline"),
        ("mobile", "1.38E+10", "scientific notation"),
        # written without its + (a program's way), or a landline with its extension: told as such
        ("mobile", "1.38e10", "scientific notation"),
        ("mobile", "1.3800001111E10", "scientific notation"),
        ("mobile", "010-62751234转8021", "is a landline"),
        ("mobile", "(010)62751234-8021", "is a landline"),
        ("mobile", "0755-8888 9999 ext. 123", "is a landline"),
        ("mobile", "（0571）88888888", "is a landline"),
        ("postcode", "80000", "a postcode has 6 digits"),
        ("postcode", "01000", "a postcode has 6 digits"),
        ("mobile", "13800000000", "ends in 00000"),
        ("mobile", "13812300000", "ends in 00000"),
        ("email", "wang@", "is not an e-mail address"),
        ("gender", "未知", "is not one of the choices"),
        ("degree", "本科/硕士", "names two different degrees"),
        ("degree", "博士后", "is not one of the choices"),
        ("mobile", "办公 010-62751234 手机 13800001111", "is not a mobile number"),  # words: not guessed at
        ("mobile", "13800001111（已停机）", "is not a mobile number"),
        ("address", "示例市锟斤拷小区", "the file lost characters when it was saved"),
        ("employer", "示例\ufffd公司", "the file lost characters when it was saved"),
        # longer than the update form takes: cells run together (the register would hold it)
        ("employer", "示例公司" * 21, "is too long (84 characters, at most 80)"),
        ("name", "王" * 41, "is too long (41 characters, at most 40)"),
    ],
)
def test_values_that_cannot_be_taken_say_why(field, written, words):
    with pytest.raises(NotTaken) as refused:
        NORMALISE(field, written)
    assert words in refused.value.en


def test_every_value_is_normalised_and_every_row_accounted_for(spreadsheet, tmp_path):
    register = tmp_path / "private" / "register.csv"
    report = import_register(spreadsheet, "计算机学院", register, UPDATE, DAY)
    assert (report.rows, report.added, report.updated, report.unchanged) == (6, 5, 0, 0)
    records = {r["name"]: r for r in read_register(register)}
    assert sorted(records) == sorted(TAKEN)
    for name, expected in TAKEN.items():
        assert {k: records[name][k] for k in expected} == expected, name
    offset = 1 if spreadsheet.suffix == ".xlsx" else 0  # the workbook has a title row
    assert [(p.row - offset, p.field, p.value) for p in report.problems] == NOT_TAKEN
    kinds = sorted((n.kind, n.row - offset) for n in report.notes if n.row)
    assert kinds == sorted([("taken", 3), ("footer", 8)] + ([("title", 0)] if offset else []))
    lines = read_records(report.report_file)
    assert len(lines) == len(NOT_TAKEN) + 1 and lines[-1]["处理 action"] == "已导入 taken"


def test_the_encoding_is_said(tmp_path):
    report = import_register(
        csv_file(tmp_path / "cs.csv", "gb18030"), "计算机学院", tmp_path / "r.csv", UPDATE, DAY
    )
    assert [n.kind for n in report.notes if n.row is None] == ["encoding"]


def test_an_address_on_several_lines_of_a_cell_keeps_them(tmp_path):
    """The defect: an address typed on two lines of an Excel cell (Alt+Enter) was joined into one,
    where the form keeps an alumnus's address as typed, lines and all."""
    book(tmp_path / "lines.xlsx", {"一班": [["姓名", "出生日期", "通讯地址"],
                                            ["庚一", "1997-01-01", "示例市学府路88号\n3栋201室  "]]})  # fmt: skip
    import_register(tmp_path / "lines.xlsx", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert [r["address"] for r in read_register(tmp_path / "r.csv")] == ["示例市学府路88号\n3栋201室"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_bom_is_read(tmp_path, encoding):
    """The defect: UTF-16 that lost its BOM (a converter, a copy) was "no header found"."""
    listed = csv_file(tmp_path / "cs.csv", encoding)
    report = import_register(listed, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert (
        report.added == len(TAKEN) and report.notes[0].en == "is UTF-16 (Excel's Unicode text); read as such"
    )


def test_a_big5_list_in_traditional_characters_is_read(tmp_path):
    """The defect: a list from Hong Kong, Macao or Taiwan, in Big5, was read as GB18030 into
    symbols and kana ("no header found"), and its traditional headings (性別, 手機) and values
    (碩士, 2015級) were not known."""
    text = ("資訊學院2015級校友名單\n姓名,性別,出生日期,學歷,手機,通訊地址\n"
            "陳大文,男,1990-01-01,碩士,13900001111,臺北市大安區復興南路一段\n")  # fmt: skip
    (tmp_path / "big5.csv").write_bytes(text.encode("big5"))
    report = import_register(tmp_path / "big5.csv", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    [record] = read_register(tmp_path / "r.csv")
    assert [record[f] for f in ("name", "gender", "degree", "mobile", "address", "year_entered")] == [
        "陳大文", "male", "master", "13900001111", "臺北市大安區復興南路一段", "2015"]  # fmt: skip
    assert (
        report.notes[0].en
        == "is in Big5 (traditional Chinese); read as such; saving it as CSV UTF-8 is better"
    )
    assert report.problems == []


def test_importing_twice_changes_nothing_the_second_time(spreadsheet, tmp_path):
    register = tmp_path / "private" / "register.csv"
    import_register(spreadsheet, "计算机学院", register, UPDATE, DAY)
    before = register.read_bytes(), register.with_name("register-history.csv").read_bytes()
    again = import_register(spreadsheet, "计算机学院", register, UPDATE, DAY + datetime.timedelta(days=1))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert (register.read_bytes(), register.with_name("register-history.csv").read_bytes()) == before


def test_a_known_person_is_updated_not_added(tmp_path):
    register = tmp_path / "register.csv"
    import_register(csv_file(tmp_path / "a.csv", "utf-8"), "计算机学院", register, UPDATE, DAY)
    report = imported(
        tmp_path, "姓名,出生日期,现工作单位\n王立新,1978-07-01,新单位有限公司\n", register="register.csv"
    )
    assert (report.added, report.updated) == (0, 1)
    [record] = [r for r in read_register(register) if r["name"] == "王立新"]
    assert (record["employer"], record["mobile"]) == ("新单位有限公司", "13900001111")


def test_a_latin_name_with_the_family_name_first_is_the_same_person(tmp_path):
    """The defect: an overseas alumnus listed as SMITH John (family name first, in capitals, as
    passports and college systems write it) became a second record of John Smith."""
    imported(tmp_path, "姓名,出生日期,手机\nJohn Smith,1990-03-04,+447700900123\n", register="r.csv")
    report = imported(
        tmp_path, "姓名,出生日期,现工作单位\nSMITH John,1990-03-04,Example Ltd\n", register="r.csv"
    )
    assert (report.added, report.updated) == (0, 1)
    [record] = read_register(tmp_path / "r.csv")
    assert (record["name"], record["employer"]) == ("John Smith", "Example Ltd")


def test_a_row_without_evidence_never_overwrites_another_person(tmp_path):
    """The defect: a row with no birth date and no contact was merged into whichever record lacked
    contact details, even in another college."""
    imported(tmp_path, "姓名,出生日期,手机\n张伟,1980-01-01,\n李娜,1981-02-02,\n", register="r.csv")
    import_register(
        write(tmp_path / "fin.csv", "姓名,出生日期\n王芳,1979-03-03\n"),
        "金融学院",
        tmp_path / "r.csv",
        UPDATE,
        DAY,
    )
    before = {r["id"]: r for r in read_register(tmp_path / "r.csv")}
    report = imported(
        tmp_path, "姓名,现工作单位\n赵强,示例银行\n王芳,示例证券\n", name="b.csv", register="r.csv"
    )
    assert (report.added, report.updated, report.problems) == (
        2,
        0,
        [],
    )  # nobody the register knew, in this college
    after = {r["id"]: r for r in read_register(tmp_path / "r.csv")}
    assert {i: after[i] for i in before} == before
    assert sorted((r["name"], r["college"]) for i, r in after.items() if i not in before) == [
        ("王芳", "计算机学院"),
        ("赵强", "计算机学院"),
    ]


def test_an_id_of_another_persons_record_is_reported_not_merged(tmp_path):
    """The defect: a 编号 column that slipped a row (sorted on its own in Excel) was taken as the
    record to merge into, whatever the row's name: 甲一's values, name and birth date included,
    replaced 甲二's record and 甲二's replaced 甲一's."""
    header = "姓名,出生日期,手机\n"
    imported(tmp_path, header + "甲一,1990-01-01,13900000001\n甲二,1990-02-02,13900000002\n", name="a.csv")
    before = (tmp_path / "private/register.csv").read_bytes()
    slipped = (
        "编号," + header + "A0000002,甲一,1990-01-01,13900000011\nA0000001,甲二,1990-02-02,13900000022\n"
    )
    report = imported(tmp_path, slipped, name="b.csv")
    assert (tmp_path / "private/register.csv").read_bytes() == before
    assert [(p.row, p.field, p.value) for p in report.problems] == [
        (2, "编号", "A0000002"),
        (3, "编号", "A0000001"),
    ]
    assert report.problems[0].en == (
        "is 甲二 in the register, but the row names 甲一 (the id column may have slipped, sorted on its own, "
        "say), so the row was not imported: check the id; if it is the same person under a new name, correct "
        "the name in data/private/register.csv first and import again"
    )
    renamed = imported(
        tmp_path, "编号,姓名,手机\nA0000001,甲 一,13900000011\n", name="c.csv"
    )  # the name written another way
    assert (renamed.updated, renamed.problems) == (1, [])


def test_a_namesake_without_evidence_is_reported_not_merged_nor_doubled(tmp_path):
    imported(tmp_path, "姓名,出生日期,手机\n张伟,1980-01-01,13800001111\n", register="r.csv")
    report = imported(tmp_path, "姓名,现工作单位\n张伟,示例银行\n", name="b.csv", register="r.csv")
    assert (report.added, report.updated) == (0, 0)
    [problem] = report.problems
    assert (problem.row, problem.field) == (
        2,
        "姓名",
    ) and "(the row has no birth date; the row has no mobile or e-mail)" in problem.en
    [record] = read_register(tmp_path / "r.csv")
    assert record["employer"] == ""


def test_namesakes_told_apart_by_a_date_are_two_records(tmp_path):
    report = imported(
        tmp_path, "姓名,出生日期,性别\n张伟,1980-01-01,男\n张伟,1985-06-06,男\n", register="r.csv"
    )
    assert (report.added, report.problems) == (2, [])
    assert sorted(r["birth_date"] for r in read_register(tmp_path / "r.csv")) == ["1980-01-01", "1985-06-06"]


def test_a_birth_month_agrees_with_a_day_in_it_and_never_replaces_it(tmp_path):
    """The defect: a list giving 出生年月 only (1990.02) told its rows apart from records with the
    day (1990-02-16): a row without a mobile became a second record of the same person, a row
    with the record's mobile was refused as "another birth date"; taken, 1990-02 would replace
    the day."""
    register = tmp_path / "private/register.csv"
    header = "姓名,出生日期,手机,现工作单位\n"
    imported(tmp_path, header + "甲一,1990-01-15,13900000001,示例公司\n甲二,1990-02-16,13900000002,示例银行\n", name="a.csv", as_of=datetime.date(2026, 1, 1))  # fmt: skip
    months = "姓名,出生年月,手机,现工作单位\n甲一,1990.01,13900000001,示例公司二\n甲二,1990.02,,示例银行二\n"
    report = imported(tmp_path, months, name="b.csv", as_of=datetime.date(2026, 2, 1))
    assert [(r["name"], r["birth_date"], r["employer"]) for r in read_register(register)] == [
        ("甲一", "1990-01-15", "示例公司二"),
        ("甲二", "1990-02-16", "示例银行"),
    ]
    [problem] = report.problems
    assert (problem.row, problem.field) == (3, "姓名")
    assert "the row's birth date gives only the month; the row has no mobile or e-mail" in problem.en


def test_two_candidates_are_reported_never_guessed(tmp_path):
    imported(tmp_path, "姓名,出生日期,手机,电子邮箱\n张伟,1980-01-01,13800001111,\n张伟,1985-06-06,,zw@example.com\n", register="r.csv")  # fmt: skip
    before = (tmp_path / "r.csv").read_bytes()
    report = imported(
        tmp_path, "姓名,手机,电子邮箱\n张伟,13800001111,zw@example.com\n", name="b.csv", register="r.csv"
    )
    [problem] = report.problems
    assert "could be any of A0000001, A0000002" in problem.en.replace("、", ", ")
    assert (tmp_path / "r.csv").read_bytes() == before


def test_the_same_mobile_with_another_birth_date_is_a_question(tmp_path):
    imported(tmp_path, "姓名,出生日期,手机\n张伟,1980-01-01,13800001111\n", register="r.csv")
    report = imported(
        tmp_path, "姓名,出生日期,手机\n张伟,1980-10-01,13800001111\n", name="b.csv", register="r.csv"
    )
    assert [(p.field, p.value) for p in report.problems] == [("出生日期", "1980-10-01")]
    assert report.added == 0 and len(read_register(tmp_path / "r.csv")) == 1


def test_an_alumnus_update_is_never_overwritten_by_a_list(tmp_path):
    register_path = tmp_path / "private/register.csv"
    imported(tmp_path, "姓名,出生日期,手机,电子邮箱\n王立新,1978-07-01,13900001111,old@example.com\n")
    register = Register.open(register_path, UPDATE)
    when = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)
    register.change(0, {"mobile": "13911112222"}, "form:abc123", "编辑甲", when, alumnus=True)
    register.save()
    report = imported(
        tmp_path,
        "姓名,出生日期,手机,电子邮箱\n王立新,1978-07-01,13900001111,new@example.com\n",
        name="old-list.csv",
    )
    [record] = read_register(register_path)
    assert (record["mobile"], record["email"], record["source"]) == (
        "13911112222",
        "new@example.com",
        "import:计算机学院:old-list.csv",
    )
    [problem] = report.problems
    assert (problem.field, problem.value) == (
        "手机",
        "13900001111",
    ) and "through the update form on 2026-11-24" in problem.en
    history = read_records(register_path.with_name("register-history.csv"))
    mobile = [(h["old"], h["new"], h["source"], h["by"]) for h in history if h["field"] == "mobile"]
    assert mobile == [
        ("13900001111", "13911112222", "form:abc123", "编辑甲")
    ]  # who changed this mobile, when


def test_the_same_person_twice_in_one_list_keeps_every_contact_and_reports_the_other(tmp_path):
    text = ("姓名,出生日期,手机,电子邮箱\n王立新,1978-07-01,13900001111,\n王立新,1978-07-01,13900002222,wang@example.com\n"
            "王立新,1978-07-01,13900001111,\n")  # fmt: skip
    for _ in range(2):
        report = imported(tmp_path, text, register="r.csv")
        assert [(p.row, p.field, p.value) for p in report.problems] == [(3, "手机", "13900002222")]
        assert [(n.row, n.kind) for n in report.notes] == [(4, "duplicate")]
    [record] = read_register(tmp_path / "r.csv")
    assert (record["mobile"], record["email"]) == ("13900001111", "wang@example.com")


def test_an_exact_duplicate_is_folded_with_a_note_not_a_problem(tmp_path):
    report = imported(tmp_path, "姓名,出生日期\n王立新,1978-07-01\n王立新,1978-07-01\n", register="r.csv")
    assert (report.added, report.problems, [n.kind for n in report.notes]) == (1, [], ["duplicate"])
    assert "merge" not in report.notes[0].en


def test_dates_out_of_order_are_reported_and_not_taken(tmp_path):
    report = imported(tmp_path, "姓名,出生日期,入校时间,毕业时间\n王立新,1978-07-01,1996,1994\n李娜,2001-01-01,1999,2003\n", register="r.csv")  # fmt: skip
    assert [(p.row, p.field, p.value) for p in report.problems] == [
        (2, "毕业时间", "1994"),
        (3, "出生日期", "2001-01-01"),
    ]
    records = {r["name"]: r for r in read_register(tmp_path / "r.csv")}
    assert (records["王立新"]["year_graduated"], records["李娜"]["birth_date"]) == ("", "")


@pytest.mark.parametrize("name", ["王?芳", "王\ue000芳", "王？芳"])
def test_a_name_that_lost_characters_is_refused_with_a_sentence(tmp_path, name):
    report = imported(tmp_path, f"姓名,出生日期\n{name},1978-07-01\n", register="r.csv")
    [problem] = report.problems
    assert problem.field == "姓名" and "the file lost characters when it was saved" in problem.en
    assert not (tmp_path / "r.csv").exists()


def test_a_value_that_lost_characters_never_replaces_a_sound_one(tmp_path):
    """The defect: only names were checked for what a GBK save leaves of a rare character; a list
    saved so replaced the register's 示例市䶮园路1号 with 示例市?园路1号."""
    header = "姓名,出生日期,通讯地址,现工作单位\n"
    sound = write(tmp_path / "a.csv", header + "王芳,1978-07-01,示例市䶮园路1号,示例𠮷公司\n")
    register = tmp_path / "r.csv"
    import_register(sound, "计算机学院", register, UPDATE, DAY, as_of=datetime.date(2026, 1, 1))
    saved = tmp_path / "b.csv"  # the same list, saved later from Excel as CSV in GBK
    saved.write_bytes(sound.read_text(encoding="utf-8").encode("gbk", "replace"))
    report = import_register(saved, "计算机学院", register, UPDATE, DAY, as_of=datetime.date(2026, 3, 1))
    assert [(r["address"], r["employer"]) for r in read_register(register)] == [
        ("示例市䶮园路1号", "示例𠮷公司")
    ]
    assert [(p.field, p.value) for p in report.problems] == [("通讯地址", "示例市?园路1号"), ("现工作单位", "示例?公司")]  # fmt: skip
    assert "the file lost characters when it was saved" in report.problems[0].en


def test_title_and_footer_rows_are_skipped_with_a_note(tmp_path):
    text = "示例大学计算机学院2026年校友名单,,\n姓名,出生日期,手机\n王立新,1978-07-01,13900001111\n合计：1 人,,\n制表人：李老师,,\n"
    report = imported(tmp_path, text, register="r.csv")
    assert (report.rows, report.problems) == (1, [])
    assert [(n.row, n.kind) for n in report.notes] == [(1, "title"), (4, "footer"), (5, "footer")]


def test_a_count_a_date_or_a_stamp_below_the_list_is_a_footer_not_a_row_without_a_name(tmp_path):
    """The defect: 共 3 人, 填报日期 and 学院（盖章） below a list with a 序号 column were counted
    as rows and each reported as "has no name; the row was not imported"."""
    people = "".join(f"{n},王{n},1978-07-0{n},1390000111{n}\n" for n in (1, 2, 3))
    footers = "以上共 3 人,,,\n日期：2026-03-01,,,\n计算机学院（盖章）,,,\n"
    report = imported(tmp_path, "序号,姓名,出生日期,手机\n" + people + footers, register="r.csv")
    assert (report.rows, report.added, report.problems) == (3, 3, [])
    assert [(n.row, n.kind) for n in report.notes if n.kind == "footer"] == [(5, "footer"), (6, "footer"), (7, "footer")]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.xlsx", b"", "is not a readable .xlsx workbook"),
        ("damaged.xlsx", b"PK\x03\x04 not really a zip", "is not a readable .xlsx workbook"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old or foreign spreadsheet format"),
        # An old .xls renamed .xlsx was told to remove a password it does not have.
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "old or foreign spreadsheet format"),
        # An empty list was told its first row should name the columns.
        ("empty.csv", b"", "is empty: it holds nothing to import"),
        ("blank.csv", b"\xef\xbb\xbf\n,,,\n  \n", "is empty: it holds nothing to import"),
        (
            "export.xls",
            b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr>",
            "is a web page (HTML) table",
        ),
        ("garbled.csv", "姓名\n鍖椾含澶у\n".encode(), "garbled"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_sentence(tmp_path, name, content, words):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ProblemsFound) as found:
        import_register(tmp_path / name, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert words in str(found.value) and "Traceback" not in str(found.value)


def test_a_file_without_a_header_is_refused(tmp_path):
    with pytest.raises(ProblemsFound, match="找不到表头"):
        imported(tmp_path, "a,b,c\n1,2,3\n", register="r.csv")


def test_a_register_id_typed_in_full_width_or_small_letters_is_the_id(tmp_path):
    """The defect: Ａ０００００01 or a0000001 was taken for a college's own numbering and ignored, so
    the row the office had placed by hand was asked about again (or added) by its name."""
    imported(tmp_path, "姓名,出生日期\n王立新,1978-07-01\n王立新,1980-01-01\n", register="r.csv")
    listed = "编号,姓名,现工作单位\nＡ０００００01,王立新,示例银行\na0000002,王立新,示例公司\n"
    report = imported(tmp_path, listed, name="b.csv", register="r.csv")
    assert (report.updated, report.problems) == (2, [])
    assert [r["employer"] for r in read_register(tmp_path / "r.csv")] == ["示例银行", "示例公司"]


def test_a_college_numbering_column_is_not_taken_for_register_ids(tmp_path):
    report = imported(
        tmp_path, "编号,姓名,出生日期\n1,王立新,1978-07-01\n2,李娜,1981-02-02\n", register="r.csv"
    )
    assert (report.added, report.problems) == (2, [])


def test_the_register_and_its_reports_are_owner_only(spreadsheet, tmp_path):
    report = import_register(spreadsheet, "计算机学院", tmp_path / "private/register.csv", UPDATE, DAY)
    for path in (
        tmp_path / "private/register.csv",
        tmp_path / "private/register-history.csv",
        report.report_file,
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o700


def test_cells_sealed_by_the_handler_are_opened_with_the_key_or_reported(tmp_path):
    identity, recipient = generate_keypair()
    sealer = Sealer(recipient)
    text = f"姓名,出生日期,手机,电子邮箱\n王立新,{sealer.seal('1978-07-01')},{sealer.seal('13900001111')},wang@example.com\n"
    report = imported(tmp_path, text)  # no key: nothing sealed is taken
    assert [(p.row, p.field, p.kind) for p in report.problems] == [
        (2, "出生日期", "import"),
        (2, "手机", "import"),
    ]
    assert "请用 --identity 或 FORMS_AGE_IDENTITY 指定办公室私钥文件" in report.problems[0].zh
    assert "age:" not in (tmp_path / "private/register.csv").read_text(encoding="utf-8")
    assert imported(tmp_path, text, register="private/opened.csv", opener=Opener(identity)).problems == []
    [record] = read_register(tmp_path / "private/opened.csv")
    assert (record["birth_date"], record["mobile"]) == ("1978-07-01", "13900001111")


def book(path, sheets: dict[str, list[list]], hidden=()):
    """A workbook with these sheets, in order; the named ones hidden as Excel hides them."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    workbook.save(path)
    return path


SHORT = ["姓名", "性别", "出生日期", "手机"]


def test_every_visible_sheet_with_a_header_is_read_and_the_others_are_named(tmp_path):
    """The defect: only the first sheet was read; a hidden or empty first sheet stopped the import."""
    path = book(tmp_path / "classes.xlsx", {
        "字典": [["性别", "代码"], ["男", "1"]],
        "空": [],
        "一班": [SHORT, ["朱丽", "女", "1997-03-13", "13900010021"]],
        "说明": [["本表由学院填写"]],
        "二班": [SHORT, ["秦岭", "男", "1997-03-14", "13900010022"], ["秦岭", "男", "1997-03-14", "13900010099"]],
    }, hidden=("字典",))  # fmt: skip
    report = import_register(path, "法学院", tmp_path / "r.csv", UPDATE, DAY)
    assert (report.rows, report.added) == (3, 2)
    assert sorted(r["name"] for r in read_register(tmp_path / "r.csv")) == ["朱丽", "秦岭"]
    assert [(n.sheet, n.kind) for n in report.notes] == [
        ("字典", "sheet"),
        ("空", "sheet"),
        ("说明", "sheet"),
    ]
    [problem] = report.problems
    assert (problem.sheet, problem.row) == ("二班", 3)
    assert problem.sentence().startswith("classes.xlsx, 工作表 二班 (sheet 二班), 第 3 行 (row 3)")
    assert "is the same person as row 2" in problem.en
    assert read_records(report.report_file)[-1]["工作表 sheet"] == "二班"


@pytest.mark.parametrize("first", [{"Sheet1": []}, {"字典": [["性别", "代码"]]}])
def test_a_hidden_or_empty_first_sheet_does_not_stop_the_import(tmp_path, first):
    path = book(
        tmp_path / "list.xlsx", {**first, "名单": [SHORT, ["杨洋", "男", "1997-02-12", ""]]}, hidden=("字典",)
    )
    report = import_register(path, "法学院", tmp_path / "r.csv", UPDATE, DAY)
    assert report.added == 1 and [n.kind for n in report.notes] == ["sheet"]


def test_a_list_with_a_header_and_no_one_under_it_says_so(tmp_path):
    """The defect: an export of the header alone imported nobody with nothing said but "0 rows"."""
    report = imported(tmp_path, "姓名,性别,毕业时间,手机\n,,,\n", register="r.csv")
    assert (report.rows, [n.kind for n in report.notes]) == (0, ["empty"])
    assert "nobody was imported" in report.notes[0].en
    assert [n.kind for n in imported(tmp_path, "姓名,性别\n韩梅,女\n", register="r2.csv").notes] == []


def test_every_column_not_imported_is_named_in_one_note(tmp_path):
    """The defect: columns with headers the import did not know were dropped without a word."""
    text = "学号,姓名,联系手机,电子信箱,毕业届别,工作单位及职务,班级,手机号码\n1,韩梅,13900010030,hm@example.com,2019届,示例公司 工程师,一班,13900010031\n"
    report = imported(tmp_path, text, register="r.csv")
    [record] = read_register(tmp_path / "r.csv")
    assert (record["mobile"], record["email"], record["year_graduated"], record["employer"]) == (
        "13900010030", "hm@example.com", "2019", "示例公司 工程师")  # fmt: skip
    [note] = [n for n in report.notes if n.kind == "columns"]
    assert note.row == 1 and "these columns were not imported: 学号, 班级 (" in note.en
    # 手机号码 is a second mobile column: its other number is reported on its row
    assert [(p.row, p.field, p.value) for p in report.problems] == [(2, "手机", "13900010031")]
    assert [line["处理 action"] for line in read_records(report.report_file)] == ["未导入 not taken"] * 2


def test_english_headers_from_the_form_are_recognised(tmp_path):
    text = "Name,Gender,Date of birth,Mobile,E-mail,College,Major,Year entered\nLi Ming,M,1990-01-02,13900010040,lm@example.com,计算机学院,AI,2008\n"
    report = imported(tmp_path, text, register="r.csv")
    [record] = read_register(tmp_path / "r.csv")
    assert (report.added, record["mobile"], record["email"], record["major"], record["year_entered"]) == (
        1, "13900010040", "lm@example.com", "AI", "2008")  # fmt: skip


def test_headers_as_college_templates_write_them_are_recognised(tmp_path):
    """The defect: a template's hints in brackets (姓名（必填）, 性别（男/女）), its * before a
    heading, and common wordings (级, 通信地址, 电话号码, 邮箱地址, 单位名称) were no header: "no
    header found", or the column named as not imported and its values lost."""
    text = ("姓名（必填）,性别（男/女）,*出生日期(格式:1990-01-01),级,通信地址,电话号码,邮箱地址,单位名称\n"
            "庚一,男,1990-01-02,2008级,示例市学府路1号,13900010041,gy@example.com,示例公司\n")  # fmt: skip
    report = imported(tmp_path, text, register="r.csv")
    [record] = read_register(tmp_path / "r.csv")
    fields = ("name", "gender", "birth_date", "year_entered", "address", "mobile", "email", "employer")
    assert [record[f] for f in fields] == [
        "庚一", "male", "1990-01-02", "2008", "示例市学府路1号", "13900010041", "gy@example.com", "示例公司"]  # fmt: skip
    assert (report.notes, report.problems) == ([], [])


def test_a_two_row_grouped_header_reads_the_second_rows_names(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "性别", "出生日期", "联系方式", None])
    sheet.append([None, None, None, "手机", "邮箱"])
    sheet.append(["褚红", "女", "1997-09-09", "13900010014", "ch@example.com"])
    for merged in ("D1:E1", "A1:A2", "B1:B2", "C1:C2"):
        sheet.merge_cells(merged)
    workbook.save(tmp_path / "grouped.xlsx")
    report = import_register(tmp_path / "grouped.xlsx", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    [record] = read_register(tmp_path / "r.csv")
    assert (report.rows, record["mobile"], record["email"], report.notes) == (
        1,
        "13900010014",
        "ch@example.com",
        [],
    )


def test_rows_that_are_not_people_are_skipped_with_a_note(tmp_path):
    """The defect: a class subtitle and a repeated header row became records named 二班 and 姓名."""
    text = ("一班,,,\n姓名,性别,出生日期,专业\n己一,男,1991-01-01,法学\n,,,\n二班,,,\n姓名,性别,出生日期,专业\n"
            "己二,女,1991-01-02,法学\nName,Gender,Date of birth,Major\n")  # fmt: skip
    report = imported(tmp_path, text, register="r.csv")
    assert sorted(r["name"] for r in read_register(tmp_path / "r.csv")) == ["己一", "己二"]
    assert [(n.row, n.kind) for n in report.notes] == [
        (1, "title"),
        (5, "heading"),
        (6, "header"),
        (8, "header"),
    ]
    assert report.problems == []


def test_the_class_a_title_or_subheading_names_is_the_year_of_the_rows_below_it(tmp_path):
    """The defect: a list grouped by class under subheadings (2015级 in the first column, or
    merged across the row) lost every person's year, and a subheading outside the name column
    was refused as a row without a name."""
    text = ("计算机学院2015级校友名单,,,\n序号,姓名,出生日期,入学年份\n1,庚一,1997-01-01,\n"
            "2016级,,,\n2,庚二,1998-01-02,\n3,庚三,1998-01-03,2017\n,二班,,\n4,庚四,1998-01-04,\n"
            ",2020届,,\n5,庚五,1998-01-05,\n")  # fmt: skip
    report = imported(tmp_path, text, register="r.csv")
    years = {r["name"]: (r["year_entered"], r["year_graduated"]) for r in read_register(tmp_path / "r.csv")}
    assert years == {"庚一": ("2015", ""), "庚二": ("2016", ""), "庚三": ("2017", ""), "庚四": ("2016", ""),
                     "庚五": ("2016", "2020")}  # fmt: skip
    assert [(n.row, n.kind) for n in report.notes] == [(1, "title"), (2, "columns"), (4, "heading"), (7, "heading"),
                                                      (9, "heading")]  # fmt: skip
    assert (
        report.notes[0].en
        == "is a title; its “2015级” is taken as the year entered of the rows below that give none of their own"
    )
    assert report.problems == []


@pytest.mark.parametrize(
    ("title", "college", "refused"),
    [("化学学院2015级校友名单", "计算机学院", "化学学院"), ("化学学院2015级校友名单", "化学学院", None),
     ("示例大学计算机系校友名单", "计算机学院", None), ("示例大学校友名单", "计算机学院", None)],
)  # fmt: skip
def test_a_list_whose_title_names_another_college_is_refused(tmp_path, title, college, refused):
    """The defect: a list titled 化学学院… imported with --college 计算机学院 (the wrong file, or
    the wrong option) filed every chemist under computer science without a word."""
    listed = write(tmp_path / "list.csv", f"{title}\n姓名,出生日期\n庚一,1997-01-01\n")
    if refused is None:
        assert import_register(listed, college, tmp_path / "r.csv", UPDATE, DAY).added == 1
        return
    with pytest.raises(ProblemsFound) as stopped:
        import_register(listed, college, tmp_path / "r.csv", UPDATE, DAY)
    assert stopped.value.problems[0].en.startswith(f"its title names “{refused}”, not --college {college}")
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize(
    "above",
    ["入学年份：2015  专业：软件工程", "入学年份,2015,专业,软件工程", "年级 | 2015级\n专业：软件工程"],
)
def test_a_line_above_the_list_giving_a_heading_its_value_is_the_value_of_the_rows_below(tmp_path, above):
    """The defect: 入学年份：2015 or 专业：软件工程 above the header was skipped as a title, and every
    person lost the year and major; 入学年份 | 2015 | 专业 | 软件工程 was taken for the header."""
    text = f"{above}\n姓名,出生日期,专业\n辛一,1997-01-01,\n辛二,1997-01-02,网络工程\n"
    report = imported(tmp_path, text.replace(" | ", ","), register="r.csv")
    taken = {r["name"]: (r["year_entered"], r["major"]) for r in read_register(tmp_path / "r.csv")}
    assert taken == {"辛一": ("2015", "软件工程"), "辛二": ("2015", "网络工程")}
    assert report.problems == [] and "“软件工程”" in " ".join(n.en for n in report.notes)


def test_a_value_a_line_above_the_list_gives_that_cannot_be_taken_is_reported_once(tmp_path):
    report = imported(
        tmp_path, "入学年份：待定\n姓名,出生日期\n辛一,1997-01-01\n辛二,1997-01-02\n", register="r.csv"
    )
    [given] = [n for n in report.notes if n.kind == "given"]
    assert (given.row, given.field, given.value) == (1, "入学年份", "待定")
    assert "待定" in report.report_file.read_text(encoding="utf-8-sig")
    assert [r["year_entered"] for r in read_register(tmp_path / "r.csv")] == ["", ""]


def test_a_title_naming_several_classes_gives_no_row_a_year(tmp_path):
    report = imported(tmp_path, "2015级、2016级校友名单\n姓名,出生日期\n庚一,1997-01-01\n", register="r.csv")
    assert [r["year_entered"] for r in read_register(tmp_path / "r.csv")] == [""]
    assert report.notes[0].en == "is a title or a remark; skipped"


def test_a_second_list_pasted_below_with_its_own_column_order_is_read_by_its_header(tmp_path):
    """The defect: a header further down was skipped as a repeat, and the rows below it read by
    the first header's columns: the second list's addresses became employers and its employers
    addresses, without a word."""
    text = ("姓名,出生日期,手机,现工作单位,通讯地址\n己一,1991-01-01,13900000001,示例公司,示例市学府路1号\n"
            "序号,姓名,出生日期,手机,通讯地址,现工作单位\n1,己二,1991-01-02,13900000002,示例市学府路2号,示例银行\n")  # fmt: skip
    report = imported(tmp_path, text, register="r.csv")
    assert [(r["name"], r["employer"], r["address"]) for r in read_register(tmp_path / "r.csv")] == [
        ("己一", "示例公司", "示例市学府路1号"),
        ("己二", "示例银行", "示例市学府路2号"),
    ]
    assert [(n.row, n.kind) for n in report.notes] == [(3, "header"), (3, "columns")]
    assert report.notes[0].en == (
        "is another header with the columns in another order (two lists pasted one under the other, say); "
        "the rows below it are read by its column names"
    )
    assert report.problems == []


def test_a_hidden_row_is_skipped_and_a_bracketed_remark_is_not_part_of_the_name(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    for row in [
        SHORT,
        ["戊一", "男", "1990-03-01", ""],
        ["戊二（已故）", "男", "1990-03-02", ""],
        ["戊三", "男", "1990-03-03", ""],
    ]:
        sheet.append(row)
    sheet.row_dimensions[4].hidden = True
    workbook.save(tmp_path / "hidden.xlsx")
    report = import_register(tmp_path / "hidden.xlsx", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert sorted(r["name"] for r in read_register(tmp_path / "r.csv")) == ["戊一", "戊二"]
    assert sorted((n.row, n.kind, n.value or "") for n in report.notes) == [
        (3, "taken", "戊二（已故）"),
        (4, "hidden", ""),
    ]
    assert "“已故” in brackets is no part of the name" in report.notes[-1].en


def test_a_hidden_column_is_not_imported_and_named_once_with_its_letter_and_heading(tmp_path):
    """The defect: a column hidden in Excel (an old mobile kept out of sight, a helper column)
    was imported like any other; only hidden rows and sheets were left out."""
    path = book(tmp_path / "hidden.xlsx", {
        "一班": [[*SHORT, "电子邮箱"], ["庚一", "男", "1990-04-01", "13900000041", "g1@example.com"],
                 ["庚三", "女", "1990-04-03", "13900000043", "", "", "辅助列"]],
        "二班": [[*SHORT, "电子邮箱"], ["庚二", "男", "1990-04-02", "13900000042", "g2@example.com"]],
    })  # fmt: skip
    workbook = load_workbook(path)
    workbook["一班"].column_dimensions["D"].hidden = True
    # Excel hides the columns right of a list as one range, up to the sheet's last column.
    workbook["一班"].column_dimensions.group("F", "XFD", hidden=True)
    workbook.save(path)
    report = import_register(path, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert [(r["name"], r["mobile"], r["email"]) for r in read_register(tmp_path / "r.csv")] == [
        ("庚一", "", "g1@example.com"),
        ("庚三", "", ""),
        ("庚二", "13900000042", "g2@example.com"),
    ]
    assert [(n.sheet, n.row, n.field, n.value, n.kind) for n in report.notes] == [
        ("一班", None, "手机", None, "hidden"),
        ("一班", 3, None, "辅助列", "hidden"),
    ]
    assert report.notes[0].sentence() == (
        "hidden.xlsx, 工作表 一班 (sheet 一班), 字段 手机: D 列（手机）是隐藏的列，未导入；如要导入，请在 Excel 中取消隐藏后再导入"
        " / column D (手机) is a hidden column and was not imported; unhide it in Excel and import again if it should be taken"
    )
    # The helper column's cell right of the header is hidden, not a cell "under no heading".
    assert report.problems == []
    assert [r["字段 field"] for r in read_records(report.report_file)] == ["手机", ""]


def saved_on(path, moment: str):
    """A workbook as Excel saved it at `moment` (in UTC, as Excel records it): openpyxl writes its own now."""
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    parts["docProps/core.xml"] = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + moment.encode(), parts["docProps/core.xml"])  # fmt: skip
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def dated(path, day: str):
    moment = datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.UTC).timestamp()
    os.utime(path, (moment, moment))
    return path


@pytest.mark.parametrize("given", ["file", "workbook", "--as-of"])
def test_the_list_date_is_shown_to_the_minute_in_local_time_with_its_zone(tmp_path, in_beijing, given):
    """The defect: the import printed the list's date as files keep it, to the microsecond
    (名单日期 2026-01-05T17:00:30.123456+08:00), or in UTC for a workbook's saving time."""
    path = write(tmp_path / "a.csv", "姓名,出生日期\n甲,1990-01-01\n")
    moment = datetime.datetime(2026, 1, 5, 9, 0, 30, 123456, tzinfo=datetime.UTC)
    os.utime(path, ns=(int(moment.timestamp()) * 10**9 + 123456000,) * 2)
    if given == "workbook":  # saved then, as Excel records it (in UTC); openpyxl would write its own now
        path = saved_on(workbook(tmp_path / "a.xlsx", rows=ROWS[:1], title=False), "2026-01-05T09:00:30Z")
    report = import_register(path, "计算机学院", tmp_path / "r.csv", UPDATE, DAY,
                             as_of=datetime.date(2026, 1, 5) if given == "--as-of" else None)  # fmt: skip
    shown = "2026-01-05" if given == "--as-of" else "2026-01-05 17:00 CST (UTC+08:00)"
    assert report.dated().startswith(f"名单日期 {shown}（")
    assert f"/ list dated {shown} (" in report.dated()
    if given == "file":  # the history keeps it whole: two lists saved in one minute stay in order
        assert report.as_of == "2026-01-05T17:00:30.123456+08:00"


def test_an_older_list_never_replaces_a_newer_value(tmp_path):
    """The defect: importing an old list after a newer one put the old mobiles back."""
    register = tmp_path / "r.csv"
    old = dated(
        write(tmp_path / "base.csv", "姓名,出生日期,手机\n基础01,1990-01-01,13800160000\n"),
        "2025-01-10T09:00:00",
    )
    new = dated(
        write(tmp_path / "fixed.csv", "姓名,出生日期,手机\n基础01,1990-01-01,13900160000\n"),
        "2025-06-01T09:00:00",
    )
    for path in (old, new):
        import_register(path, "土木学院", register, UPDATE, DAY)
    before = register.read_bytes(), register.with_name("register-history.csv").read_bytes()
    again = import_register(old, "土木学院", register, UPDATE, DAY)
    assert (register.read_bytes(), register.with_name("register-history.csv").read_bytes()) == before
    [problem] = again.problems
    assert (problem.field, problem.value) == ("手机", "13800160000")
    assert "is newer, from import:土木学院:fixed.csv on 2025-06-01" in problem.en
    assert again.as_of_from[1] == "the file's modification time" and again.as_of.startswith("2025-01-10")
    # A list said to be dated later than the fix is taken.
    later = import_register(old, "土木学院", register, UPDATE, DAY, as_of=datetime.date(2025, 7, 1))
    assert later.updated == 1 and read_register(register)[0]["mobile"] == "13800160000"
    history = read_records(register.with_name("register-history.csv"))
    assert [h["as_of"][:10] for h in history] == ["2025-01-10", "2025-06-01", "2025-07-01"]


def test_a_workbook_is_dated_by_its_saved_time(tmp_path):
    path = book(tmp_path / "list.xlsx", {"名单": [SHORT, ["杨洋", "男", "1997-02-12", ""]]})
    dated(path, "2020-01-01T00:00:00")
    report = import_register(path, "法学院", tmp_path / "r.csv", UPDATE, DAY)
    assert report.as_of_from[1] == "the time the workbook says it was saved"
    assert report.as_of[:4] == str(datetime.date.today().year)


def test_a_history_written_before_as_of_gets_the_column(tmp_path):
    register = tmp_path / "r.csv"
    import_register(
        write(tmp_path / "a.csv", "姓名,出生日期\n甲,1990-01-01\n"), "法学院", register, UPDATE, DAY
    )
    history = register.with_name("register-history.csv")
    lines = history.read_text(encoding="utf-8").splitlines()
    history.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n", encoding="utf-8")
    import_register(
        write(tmp_path / "b.csv", "姓名,出生日期\n乙,1990-01-01\n"), "法学院", register, UPDATE, DAY
    )
    assert history.read_text(encoding="utf-8").splitlines()[0].endswith(",as_of")
    assert [h["as_of"] != "" for h in read_records(history)] == [False, True]


def test_two_colleges_lists_of_one_name_have_a_report_each(tmp_path):
    """The defect: the report was named for the file only; the second college's replaced the first's."""
    reports = []
    for college in ("哲学学院", "艺术学院"):
        (tmp_path / college).mkdir()
        listed = write(tmp_path / college / "校友名单.csv", "姓名,出生日期,手机\n甲,1990-01-01,12345\n")
        reports.append(import_register(listed, college, tmp_path / "r.csv", UPDATE, DAY).report_file)
    assert [p.name for p in reports] == [
        "import-report-哲学学院-校友名单.csv",
        "import-report-艺术学院-校友名单.csv",
    ]
    assert all(len(read_records(p)) == 1 for p in reports)


KILLED_IMPORT = """
import datetime, sys
from pathlib import Path
from core.definitions import load_forms
from office.importer import import_register
update = load_forms(Path("forms"))["update"]
import_register(Path(sys.argv[1]), "材料学院", Path(sys.argv[2]), update, datetime.date(2026, 11, 23),
                as_of=datetime.date(2026, 11, 1))
"""


def _kill_when(command: list[str], ready) -> None:
    """Run the command and kill it outright (SIGKILL) the moment `ready()` holds."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and not ready():
            time.sleep(0.001)
    finally:
        process.kill()
        process.wait()


def _added(history):
    return {h["record"] for h in read_records(history) if h["new"] == "added"}


def test_a_kill_at_any_moment_of_an_import_leaves_the_register_and_its_history_agreeing(tmp_path):
    """The defect: the register was replaced before its history was appended; a kill -9 between
    them left 49,601 records with no history, and the next run said "unchanged"."""
    people = "\n".join(f"校友{n},1990-01-{n % 28 + 1:02d},139{n:08d}" for n in range(8000))
    listed = write(tmp_path / "big.csv", "姓名,出生日期,手机\n" + people + "\n")
    reference = tmp_path / "reference" / "r.csv"
    import_register(listed, "材料学院", reference, UPDATE, DAY, as_of=datetime.date(2026, 11, 1))
    points = {  # (register, seconds since the start) -> kill now
        "while the list is read": lambda r, seconds: seconds > 0.3,
        "after the history is appended": lambda r, seconds: r.with_name("register-history.csv").exists(),
        "while the register is written": lambda r, seconds: any(r.parent.glob(".r.csv-*")),
        "after the register is replaced": lambda r, seconds: r.exists(),
    }
    for point, ready in points.items():
        register = tmp_path / point.replace(" ", "-") / "r.csv"
        register.parent.mkdir()
        history = register.with_name("register-history.csv")
        started = time.monotonic()
        command = [sys.executable, "-c", KILLED_IMPORT, str(listed), str(register)]
        _kill_when(
            command,
            functools.partial(lambda r, s, ready: ready(r, time.monotonic() - s), register, started, ready),
        )
        if point == "after the history is appended":  # the kill fell between the two writes
            assert history.exists() and not register.exists()
        Register.open(register, UPDATE)  # what the next run sees first
        ids = {r["id"] for r in read_register(register)} if register.exists() else set()
        assert ids == (_added(history) if history.exists() else set()), point
        import_register(listed, "材料学院", register, UPDATE, DAY, as_of=datetime.date(2026, 11, 1))
        assert register.read_bytes() == reference.read_bytes(), point
        assert _added(history) == _added(reference.with_name("register-history.csv")), point
        before = register.read_bytes(), history.read_bytes()
        again = import_register(listed, "材料学院", register, UPDATE, DAY, as_of=datetime.date(2026, 11, 1))
        assert (again.unchanged, (register.read_bytes(), history.read_bytes())) == (8000, before), point


def test_a_save_over_another_runs_changes_is_refused_and_loses_nothing(tmp_path):
    """The defect: a review (or a second import) that read the register before an import saved put
    back the register it had read: the import's records were gone, their history lines stayed,
    and both runs' new records had the id A0000002."""
    register = tmp_path / "private/register.csv"
    imported(tmp_path, "姓名,出生日期,手机\n甲一,1990-01-01,13900000001\n", name="a.csv")
    review = Register.open(register, UPDATE)  # an editor's review, reading the register
    imported(tmp_path, "姓名,出生日期,手机\n甲二,1990-02-02,13900000002\n", name="b.csv")
    review.add({"name": "甲三", "college": "计算机学院"}, "form:x", "editor", now_on(DAY), alumnus=True)
    with pytest.raises(ProblemsFound) as refused:
        review.save()
    assert str(refused.value).splitlines()[1] == (
        "- data/private/register.csv: 在这次运行期间被另一个导入或审核改动了，这次的改动没有保存，登记册保留了另一个的改动："
        "请再运行一次 / was changed by another import or review while this one ran; this run saved nothing and "
        "the other's changes stay: run it again"
    )
    assert [r["name"] for r in read_register(register)] == ["甲一", "甲二"]
    assert _added(register.with_name("register-history.csv")) == {"A0000001", "A0000002"}
    again = Register.open(register, UPDATE)  # run again: it reads what is there now
    again.add({"name": "甲三", "college": "计算机学院"}, "form:x", "editor", now_on(DAY), alumnus=True)
    again.save()
    assert [r["id"] for r in read_register(register)] == ["A0000001", "A0000002", "A0000003"]


def test_a_register_value_that_looks_garbled_does_not_lock_the_register(tmp_path):
    """The defect: the register was read as a college's list is, guessing at garbling, so one value
    holding \ufffd near its start made every later import and approval stop at "garbled text"."""
    register = tmp_path / "private/register.csv"
    imported(tmp_path, "姓名,出生日期,现工作单位\n甲一,1990-01-01,示例公司\n", name="a.csv")
    [record] = read_register(register)
    write_table(register, list(record), [{**record, "employer": "示例\ufffd公司"}])
    report = imported(tmp_path, "姓名,出生日期\n甲二,1990-02-02\n", name="b.csv")
    assert report.added == 1 and [r["employer"] for r in read_register(register)] == ["示例\ufffd公司", ""]


def test_a_class_of_2019_is_the_year_graduated_not_entered(tmp_path):
    """The defect: 年级 2019届 was stored as the year entered."""
    report = imported(
        tmp_path, "姓名,出生日期,年级\n丙一,1997-01-01,2019届\n丙二,1997-02-02,2015级\n", register="r.csv"
    )
    records = {r["name"]: (r["year_entered"], r["year_graduated"]) for r in read_register(tmp_path / "r.csv")}
    assert records == {"丙一": ("", "2019"), "丙二": ("2015", "")}
    assert [(n.row, n.field, n.value) for n in report.notes] == [(2, "入校时间", "2019届")]


def _site(tmp_path):
    """A site checkout to run the real invoke tasks in: this tasks.py and forms, its own data/."""
    site = tmp_path / "site"
    (site / "data").mkdir(parents=True)
    shutil.copy(ROOT / "tasks.py", site / "tasks.py")
    (site / "forms").symlink_to(ROOT / "forms")
    return site


def _invoke(site, *arguments, **options):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [str(Path(sys.executable).with_name("invoke")), *arguments]
    return subprocess.Popen(
        command,
        cwd=site,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def test_ctrl_c_says_one_sentence_and_leaves_the_register_as_it_was(tmp_path):
    site = _site(tmp_path)
    people = "\n".join(f"校友{n},1990-01-{n % 28 + 1:02d},139{n:08d}" for n in range(20000))
    listed = write(tmp_path / "big.csv", "姓名,出生日期,手机\n" + people + "\n")
    process = _invoke(site, "import-register", str(listed), "--college", "材料学院")
    # Once the import has opened the register (its lock file made), not after a fixed second: on
    # a loaded machine the process was still starting Python, and Ctrl-C there is Python's own.
    deadline = time.monotonic() + 60
    while not (site / "data/private/.register.csv.lock").exists():
        assert process.poll() is None and time.monotonic() < deadline, "the import never opened the register"
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert "Traceback" not in out + err
    assert err.strip().splitlines() == ["已停止，登记册没有改动 / stopped; the register is unchanged"]
    assert not (site / "data/private/register.csv").exists()


def test_import_history_lines_carry_the_real_time_with_its_zone(tmp_path):
    site = _site(tmp_path)
    listed = write(tmp_path / "a.csv", "姓名,出生日期\n甲,1990-01-01\n")
    out, err = _invoke(
        site, "import-register", str(listed), "--college", "法学院", "--as-of", "2026-01-05"
    ).communicate(timeout=60)
    assert "名单日期 2026-01-05（--as-of 指定）/ list dated 2026-01-05 (given with --as-of)" in out, err
    [line] = read_records(site / "data/private/register-history.csv")
    at = datetime.datetime.fromisoformat(line["at"])
    assert at.tzinfo is not None and abs(datetime.datetime.now(datetime.UTC) - at) < datetime.timedelta(
        minutes=5
    )
    assert line["as_of"] == "2026-01-05"


def test_cells_merged_down_a_column_give_every_row_the_value(tmp_path):
    """The defect: 房玄 and 杜如, under a 专业 and 入学年份 merged over three rows, got neither."""
    workbook = Workbook()
    sheet = workbook.active
    for row in [["班级", "专业", "入学年份", "姓名", "性别"], ["计科1班", "计算机科学", 2016, "魏征", "男"],
                [None, None, None, "房玄", "男"], [None, None, None, "杜如", "男"]]:  # fmt: skip
        sheet.append(row)
    for merged in ("A2:A4", "B2:B4", "C2:C4"):
        sheet.merge_cells(merged)
    workbook.save(tmp_path / "merged.xlsx")
    import_register(tmp_path / "merged.xlsx", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert {(r["major"], r["year_entered"]) for r in read_register(tmp_path / "r.csv")} == {
        ("计算机科学", "2016")
    }


def test_a_formula_excel_never_calculated_is_reported_per_cell(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*SHORT, "电子邮箱"])
    sheet.append(["许静", "女", "1997-05-15", '="1390001"&"0024"', '=LOWER("XJ@EXAMPLE.COM")'])
    workbook.save(
        tmp_path / "formulas.xlsx"
    )  # openpyxl, like report generators, keeps no value beside a formula
    report = import_register(tmp_path / "formulas.xlsx", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert [(p.row, p.field) for p in report.problems] == [(2, "手机"), (2, "电子邮箱")]
    assert (
        "column D holds a formula Excel has not calculated: open the file in Excel, save it, import again"
        in report.problems[0].en
    )


def test_the_history_time_is_the_offices_own_time_with_its_zone(monkeypatch):
    import time

    from office.register import now_on

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        when = now_on(datetime.date(2026, 11, 28))
        utc = datetime.datetime.now(datetime.UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert when.date() == datetime.date(2026, 11, 28) and when.utcoffset() == datetime.timedelta(hours=8)
    shanghai = utc.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert abs(datetime.datetime.combine(shanghai.date(), when.timetz()) - shanghai) < datetime.timedelta(
        minutes=1
    )


@pytest.mark.parametrize(
    ("known", "written"),
    [("阿依古丽·买买提", "阿依古丽•买买提"), ("阿依古丽·买买提", "阿依古丽.买买提"), ("阿依古丽·买买提", "阿依古丽・买买提"),
     ("阿依古丽·买买提", "阿依古丽‧买买提"), ("阿依古丽·买买提", "阿依古丽･买买提"), ("ＬＩ　Ｍｉｎｇ", "LI Ming"),
     ("John Smith", "john smith"), ("John Smith", "JohnSmith"),
     # the dot left out or typed as a hyphen by a system without it (each was a second record)
     ("阿依古丽·买买提", "阿依古丽买买提"), ("阿依古丽·买买提", "阿依古丽-买买提"), ("Jean-Pierre Li", "Jean Pierre Li")],
)  # fmt: skip
def test_a_name_written_another_way_is_the_same_person(tmp_path, known, written):
    imported(tmp_path, f"姓名,出生日期,手机\n{known},1997-01-04,13900120004\n", register="r.csv")
    report = imported(tmp_path, f"姓名,出生日期,手机,职务\n{written},1997-01-04,13900120004,讲师\n", name="b.csv", register="r.csv")  # fmt: skip
    assert (report.added, report.updated, report.problems) == (0, 1, [])
    [record] = read_register(tmp_path / "r.csv")
    assert record["job_title"] == "讲师" and record["name"] == known.replace("ＬＩ　Ｍｉｎｇ", "LI Ming")


def test_a_name_in_full_width_letters_is_kept_in_plain_letters(tmp_path):
    imported(tmp_path, "姓名,出生日期\nＬＩ　Ｍｉｎｇ,1997-01-01\n", register="r.csv")
    assert [r["name"] for r in read_register(tmp_path / "r.csv")] == ["LI Ming"]


def test_a_new_name_with_the_mobile_of_a_record_of_the_college_is_reported_not_added(tmp_path):
    imported(tmp_path, "姓名,出生日期,手机\n張三豐,1997-01-03,13900120003\n", register="r.csv")
    before = (tmp_path / "r.csv").read_bytes()
    for _ in range(2):
        report = imported(tmp_path, "姓名,出生日期,手机\n张三峰,1997-01-03,13900120003\n", name="b.csv", register="r.csv")  # fmt: skip
        assert (report.added, [(p.row, p.field, p.value) for p in report.problems]) == (0, [(2, "手机", "13900120003")])  # fmt: skip
        assert (tmp_path / "r.csv").read_bytes() == before
    en = report.problems[0].en
    assert (
        en.startswith("has the same mobile as A0000001 張三豐 in the register") and "correct the name" in en
    )


def test_a_name_in_traditional_characters_is_the_same_name_in_simplified_ones(tmp_path):
    """The defect: 張三豐 in the register and 张三丰 in a list with the same birth date were two
    names, the row reported for the record's mobile instead of taken as the record's."""
    imported(tmp_path, "姓名,出生日期,手机\n張三豐,1997-01-03,13900120003\n", register="r.csv")
    report = imported(tmp_path, "姓名,出生日期,电子邮箱\n张三丰,1997-01-03,zsf@example.com\n", name="b.csv", register="r.csv")  # fmt: skip
    assert (report.added, report.updated, report.problems) == (0, 1, [])
    [record] = read_register(tmp_path / "r.csv")
    assert (record["name"], record["email"]) == ("張三豐", "zsf@example.com")  # the record keeps its writing


def test_a_new_name_with_the_email_of_an_earlier_row_is_reported_naming_it(tmp_path):
    text = "姓名,电子邮箱\n李明,lm@example.com\n李鸣,lm@example.com\n"
    report = imported(tmp_path, text, register="r.csv")
    assert (report.added, [(p.row, p.field) for p in report.problems]) == (1, [(3, "电子邮箱")])
    assert "same e-mail as A0000001 李明 (row 2)" in report.problems[0].en


def test_the_same_mobile_in_another_college_under_another_name_is_no_question(tmp_path):
    imported(tmp_path, "姓名,出生日期,手机\n張三豐,1997-01-03,13900120003\n", register="r.csv")
    report = import_register(write(tmp_path / "b.csv", "姓名,手机\n张三峰,13900120003\n"), "外语学院", tmp_path / "r.csv", UPDATE, DAY)  # fmt: skip
    assert (report.added, report.problems) == (1, [])


@pytest.mark.parametrize("how", ["renamed", "old name in the column"])
def test_a_known_person_under_another_name_of_the_college_is_a_question_not_a_second_record(tmp_path, how):
    """The defect: a college renamed (计算机系 -> 信息学院), or a list whose 院系 column gives the
    old name, added every person again: one alumnus, two records, with one name and one mobile."""
    imported(tmp_path, "姓名,出生日期,手机\n張三豐,1997-01-03,13900120003\n", register="r.csv")
    if how == "renamed":
        listed, college = "姓名,手机,入学年份\n张三丰,13900120003,2015\n李四,13900120004,2015\n", "信息学院"
    else:
        listed, college = (
            "姓名,手机,院系\n张三丰,13900120003,计算机系\n李四,13900120004,计算机系\n",
            "计算机学院",
        )
    report = import_register(write(tmp_path / "b.csv", listed), college, tmp_path / "r.csv", UPDATE, DAY)
    assert (report.added, [(p.row, p.field) for p in report.problems]) == (1, [(2, "毕业院系")])
    assert report.problems[0].en.startswith(
        "has the name and mobile of A0000001 張三豐 of 计算机学院 in the register, so the row was not added, lest one "
        "person have two records: if it is the same person (the college was renamed or merged, or the list gives "
        "its old name), write the college as “计算机学院” (--college or the college column), or add the old name "
        "to COLLEGE_RENAMES in pelicanconf.py, and import again"
    )
    assert [r["name"] for r in read_register(tmp_path / "r.csv")] == ["張三豐", "李四"]
    again = listed.replace("计算机系", "计算机学院").splitlines()[:2]  # 张三丰's row
    report = import_register(
        write(tmp_path / "c.csv", "\n".join(again)), "计算机学院", tmp_path / "r.csv", UPDATE, DAY
    )
    assert (report.added, report.problems) == (0, [])  # the way the sentence gives: one record still


def test_a_second_degree_in_another_college_told_apart_by_its_years_is_a_record_of_its_own(tmp_path):
    imported(
        tmp_path, "姓名,学历,入学年份,毕业年份,手机\n张三丰,本科,2011,2015,13900120003\n", register="r.csv"
    )
    listed = "姓名,学历,入学年份,毕业年份,手机\n张三丰,硕士,2015,2018,13900120003\n"
    report = import_register(write(tmp_path / "b.csv", listed), "外语学院", tmp_path / "r.csv", UPDATE, DAY)
    assert (report.added, report.problems) == (1, [])


def test_a_college_column_other_than_the_college_given_is_said_once(tmp_path):
    text = "姓名,学院,出生日期\n司马光,计算机系,1996-07-07\n司马迁,计算机与信息学院,1996-07-08\n司马懿,计算机系,1996-07-09\n司马相如,计算机学院,1996-07-10\n"  # fmt: skip
    report = imported(tmp_path, text, register="r.csv")
    [note] = [n for n in report.notes if n.kind == "college"]
    assert note.en == (
        "3 rows name another college than --college 计算机学院 in the college column (计算机系: 2 rows, "
        "计算机与信息学院: 1 row) and were filed under it; if they belong to 计算机学院, correct the column "
        "or remove it and import again"
    )
    assert "计算机系: 2 rows" in report.report_file.read_text(encoding="utf-8-sig")
    assert sorted(r["college"] for r in read_register(tmp_path / "r.csv")) == ["计算机与信息学院", "计算机学院", "计算机系", "计算机系"]  # fmt: skip


@pytest.mark.parametrize("name", ["unicode.txt", "unicode.csv"])
def test_unicode_text_from_excel_is_read(tmp_path, name):
    """Excel's "Unicode 文本" (Unicode text): UTF-16 with a BOM, tab-separated, CRLF."""
    text = "\ufeff姓名\t出生日期\t手机\r\n钱进\t1998-04-04\t13900010008\r\n"
    (tmp_path / name).write_bytes(text.encode("utf-16-le"))
    report = import_register(tmp_path / name, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert (report.added, report.problems) == (1, [])
    assert [(r["name"], r["mobile"]) for r in read_register(tmp_path / "r.csv")] == [("钱进", "13900010008")]


@pytest.mark.parametrize("separator", ["\t", ";", "，"])
@pytest.mark.parametrize("title", ["", "计算机学院校友名单\n"])
def test_a_list_separated_by_tabs_or_semicolons_is_read(tmp_path, separator, title):
    """The defect: the separator was judged by the first line alone, so a title above the header
    made a tab-separated list (Excel's Unicode text) "no header found"; a list typed with the
    full-width comma of a Chinese input method was never read."""
    text = f"{title}姓名{separator}出生日期{separator}手机\n孙立{separator}1998-04-05{separator}13900010009\n"
    report = imported(tmp_path, text, register="r.csv")
    assert (report.added, report.problems) == (1, [])
    assert [(r["name"], r["birth_date"]) for r in read_register(tmp_path / "r.csv")] == [
        ("孙立", "1998-04-05")
    ]


@pytest.mark.parametrize("name", ["cs.xls", "cs.csv"])
def test_a_workbook_named_xls_or_csv_is_read_by_its_content(tmp_path, name):
    report = import_register(workbook(tmp_path / name), "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert report.added == 5


@pytest.mark.parametrize("name", ["cs.xlsx", "cs.xls"])
def test_a_csv_file_under_a_workbooks_name_is_read_as_csv_with_a_note(tmp_path, name):
    """The defect: a list exported as text and named .xlsx got 'not a readable .xlsx workbook',
    and named .xls 'an old spreadsheet format'."""
    (tmp_path / name).write_text("姓名\t出生日期\t手机\n孙立\t1998-04-05\t13900010009\n", encoding="gb18030")
    report = import_register(tmp_path / name, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert (report.added, report.problems) == (1, [])
    assert any(
        note.en == f"is a text (CSV) file under the name {name[2:]}; read as CSV" for note in report.notes
    )


def test_a_password_protected_workbook_says_remove_the_password(tmp_path):
    # files/password.xlsx: a two-row workbook encrypted by Excel's method (msoffcrypto-tool 6.1,
    # OOXMLFile.encrypt, password "secret"): an OLE2 file holding an EncryptedPackage stream.
    source = shutil.copy(Path(__file__).parent / "files/password.xlsx", tmp_path / "名单.xlsx")
    with pytest.raises(ProblemsFound) as found:
        import_register(Path(source), "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    [problem] = found.value.problems
    assert (
        problem.en.startswith("is protected with a password (encrypted): remove the password in Excel")
        and "damaged" not in problem.en
    )
    assert not (tmp_path / "r.csv").exists()


def test_an_excel_serial_number_in_a_date_column_is_taken_as_its_date_with_a_note(tmp_path):
    book = Workbook()
    book.active.append(["姓名", "出生日期", "入学年份"])
    book.active.append(["王立新", 35600, "43709"])
    book.active.append(["李娜", "99999", "2015"])  # 2173: no birth date of a living alumnus
    book.save(tmp_path / "s.xlsx")
    report = import_register(tmp_path / "s.xlsx", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    records = {r["name"]: r for r in read_register(tmp_path / "r.csv")}
    assert (records["王立新"]["birth_date"], records["王立新"]["year_entered"]) == ("1997-06-19", "2019")
    assert [(n.row, n.field, n.value) for n in report.notes if n.kind == "taken"] == [(2, "出生日期", "35600"), (2, "入校时间", "43709")]  # fmt: skip
    assert "Excel's day number 35600, taken as 1997-06-19" in report.notes[-2].en
    assert [(p.row, p.field, p.value) for p in report.problems] == [(3, "出生日期", "99999")]


def test_a_mobile_excel_rounded_to_its_scientific_notation_is_reported_not_taken(tmp_path):
    """The defect: 1.39123E+10 from a CSV opened and saved again as a workbook is the number
    13912300000, which was taken for the alumnus's mobile, over the right one."""
    imported(tmp_path, "姓名,出生日期,手机\n甲,1990-01-01,13912345678\n", as_of=datetime.date(2026, 11, 1))
    book = Workbook()
    book.active.append(["姓名", "出生日期", "手机"])
    book.active.append(["甲", "1990-01-01", 1.39123e10])
    book.save(tmp_path / "again.xlsx")
    report = import_register(
        tmp_path / "again.xlsx", "计算机学院", tmp_path / "private/register.csv", UPDATE, DAY
    )
    assert [(p.row, p.field, p.value) for p in report.problems] == [(2, "手机", "13912300000")]
    assert read_register(tmp_path / "private/register.csv")[0]["mobile"] == "13912345678"


def test_text_markers_are_taken_off_mobiles_and_numbers(tmp_path):
    text = '姓名,出生日期,手机,邮政编码\n丁一,1990-02-02,="13900210001",="010000"\n丁二,1990-02-03,\'13900210002,\'010000\n'
    report = imported(tmp_path, text, register="r.csv")
    assert report.problems == []
    assert [(r["mobile"], r["postcode"]) for r in read_register(tmp_path / "r.csv")] == [("13900210001", "010000"), ("13900210002", "010000")]  # fmt: skip


@pytest.mark.parametrize("cell", ["13900120007/13800120007", "13900120007 13800120007", "13900120007；13800120007", "139 0012 0007, 138-0012-0007"])  # fmt: skip
def test_two_mobiles_in_one_cell_take_the_first_and_report_the_second(tmp_path, cell):
    report = imported(tmp_path, f"姓名,出生日期,手机\n马超,1997-01-07,{cell}\n".replace(", 138", "，138"), register="r.csv")  # fmt: skip
    assert [r["mobile"] for r in read_register(tmp_path / "r.csv")] == ["13900120007"]
    [note] = [n for n in report.notes if n.kind == "taken"]
    assert note.field == "手机" and "the mobile 13900120007 was taken, not 138" in note.en
    assert "138" in read_records(report.report_file)[0]["reason"]


def test_a_mobile_after_a_landline_in_one_cell_is_taken_and_the_landline_reported(tmp_path):
    """The defect: 联系电话 "0571-88888888/13900120007" was refused as a landline, and the mobile
    in it was lost with it."""
    report = imported(tmp_path, "姓名,出生日期,联系电话\n马超,1997-01-07,0571-88888888/13900120007\n", register="r.csv")  # fmt: skip
    assert [r["mobile"] for r in read_register(tmp_path / "r.csv")] == ["13900120007"]
    assert report.problems == []
    [note] = [n for n in report.notes if n.kind == "taken"]
    assert note.sentence() == (
        "list.csv, 第 2 行 (row 2), 字段 手机: “0571-88888888/13900120007”一格里有多个号码，导入了手机号码 13900120007，"
        "其余未导入：0571-88888888 / holds several numbers; the mobile 13900120007 was taken, not 0571-88888888"
    )


@pytest.mark.parametrize("people", [1, 300, 4000])
def test_a_double_quote_never_closed_stops_the_import_with_one_sentence(tmp_path, people):
    """The defect: a stray " at the start of a cell (示例"大厦, from a system that does not quote)
    made the rest of the list one cell: 300 people were one address of 11,784 characters, mobiles
    and all, and the summary said 1 row, 1 added; 4,000 stopped with a traceback
    ("_csv.Error: field larger than field limit")."""
    below = "".join(f"校友{n},1990-01-{n % 28 + 1:02d},139{n:08d},示例市学府路{n}号\n" for n in range(people))
    text = '姓名,出生日期,手机,通讯地址\n甲一,1990-01-01,13900000001,"示例大厦\n' + below
    with pytest.raises(ProblemsFound) as refused:
        imported(tmp_path, text, register="r.csv")
    [problem] = refused.value.problems
    assert (problem.row or problem.line, problem.kind) == (2, "file")
    assert (
        'double quote (") at its start is never closed' in problem.en
        or 'a double quote (") is never closed' in problem.en
    )
    assert not (tmp_path / "r.csv").exists()


def test_an_address_of_several_lines_is_taken(tmp_path):
    """A cell of several lines with a comma is no stray quote's doing (see above)."""
    text = '姓名,出生日期,通讯地址\n甲一,1990-01-01,"Flat 5, 10 Example Street\nLondon"\n甲二,1990-02-02,示例市学府路2号\n'
    report = imported(tmp_path, text, register="r.csv")
    assert (report.added, report.problems) == (2, [])
    assert read_register(tmp_path / "r.csv")[0]["address"] == "Flat 5, 10 Example Street\nLondon"


def test_a_csv_row_with_more_cells_than_the_header_is_reported_not_shifted(tmp_path):
    text = "姓名,出生日期,入校时间,手机\n=HYPERLINK(\"http://x.example\",\"点我\"),1997-01-12,2015,13900120012\n李娜,1981-02-02,1999,13800002222\n"  # fmt: skip
    report = imported(tmp_path, text, register="r.csv")
    assert [(p.row, p.field) for p in report.problems] == [(2, None)]
    assert "has 1 cell more than the header" in report.problems[0].en
    assert [r["name"] for r in read_register(tmp_path / "r.csv")] == ["李娜"]


def test_a_workbook_cell_beyond_the_header_is_reported(tmp_path):
    workbook(tmp_path / "w.xlsx", rows=[["王立新", "男", "1978-07-01", *[""] * 11, "", "已故"]], title=False)
    report = import_register(tmp_path / "w.xlsx", "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert report.added == 1
    assert [(p.row, p.value) for p in report.problems] == [(2, "已故")]
    assert "column P has no heading" in report.problems[0].en


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_under_a_column_without_a_heading_inside_the_header_is_reported(tmp_path, kind):
    """The defect: only cells right of the last heading were reported; a value under a heading
    left empty in the middle (联系方式 merged over the mobile and the e-mail columns) was
    dropped without a word."""
    rows = [["姓名", "出生日期", "联系方式", ""], ["王立新", "1978-07-01", "13900001111", "wlx@example.com"]]
    if kind == "xlsx":
        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.active.merge_cells("C1:D1")
        book.save(listed := tmp_path / "w.xlsx")
    else:
        listed = write(tmp_path / "w.csv", "\n".join(",".join(row) for row in rows) + "\n")
    report = import_register(listed, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert [r["mobile"] for r in read_register(tmp_path / "r.csv")] == ["13900001111"]
    assert [(p.row, p.value) for p in report.problems] == [(2, "wlx@example.com")]
    assert report.problems[0].en == "column D has no heading and was not imported: name it as the register does to import it"  # fmt: skip


def test_a_namesake_row_is_told_what_is_missing(tmp_path):
    imported(tmp_path, "姓名,性别,手机\n郝丽,女,13900200001\n", register="r.csv")
    report = imported(tmp_path, "姓名,性别,出生日期\n郝丽,女,1990-01-01\n", name="b.csv", register="r.csv")
    [problem] = report.problems
    assert (
        "A0000001 has no birth date in the register" in problem.en
        and "no birth date, mobile" not in problem.en
    )
    report = imported(tmp_path, "姓名,性别,手机\n郝丽,女,13800200001\n", name="c.csv", register="r.csv")
    [problem] = report.problems
    assert "the row's mobile is not A0000001's" in problem.en
    assert "if it is the same person with a new mobile, write A0000001 in the 编号 column" in problem.en
    report = imported(
        tmp_path, "编号,姓名,性别,手机\nA0000001,郝丽,女,13800200001\n", name="d.csv", register="r.csv"
    )
    assert (report.updated, report.problems) == (1, [])


def test_a_name_repeated_in_one_list_with_another_mobile_keeps_the_first_rows_value(tmp_path):
    text = "姓名,性别,入学年份,手机\n李娜,女,2016,13900130003\n李娜,女,2016,13900130003\n李娜,女,2016,13900130004\n"
    for _ in range(2):
        report = imported(tmp_path, text, register="r.csv")
        assert [(p.row, p.field, p.value) for p in report.problems] == [(4, "手机", "13900130004")]
        assert report.problems[0].en.startswith("is the same person as row 2 with another value: row 2's 13900130003 was kept")  # fmt: skip
    assert [r["mobile"] for r in read_register(tmp_path / "r.csv")] == ["13900130003"]


def test_a_namesake_with_another_birth_date_is_no_repeat_of_an_earlier_row(tmp_path):
    text = "姓名,出生日期,专业,手机\n王伟,,机械工程,13900000001\n王伟,1990-01-01,车辆工程,13900000002\n"
    report = imported(tmp_path, text, register="r.csv")
    [problem] = report.problems
    assert (problem.row, problem.field) == (3, "姓名") and "the row's mobile is not A0000001's" in problem.en


def test_the_history_is_read_backwards_as_its_lines_are(tmp_path):
    import io

    from office.register import _backwards

    data = "at,record\n" + "".join(f"2026-11-0{n % 9 + 1},A{n:07d},地址{n}\n" for n in range(50)) + "cut"
    for block in (1, 3, 17, 1 << 16):
        found = list(_backwards(io.BytesIO(data.encode()), len(data.encode()), block))
        assert [line for _, line in reversed(found)] == data.encode().splitlines(keepends=True)
        assert all(data.encode()[start:].startswith(line) for start, line in found)


def test_a_save_the_register_does_not_show_is_taken_off_its_history_and_only_it(tmp_path):
    listed = write(
        tmp_path / "l.csv", "姓名,出生日期,手机\n甲一,1990-01-01,13900000001\n乙二,1991-02-02,13900000002\n"
    )
    register = tmp_path / "r.csv"
    import_register(listed, "材料学院", register, UPDATE, DAY)
    history = register.with_name("register-history.csv")
    kept = history.read_bytes()
    # A later save killed before the register was replaced: two changes the register lacks.
    history.write_bytes(kept + b"2026-12-01T09:00:00+08:00,A0000001,mobile,13900000001,13800000001,import:x,,2026-12-01\n"
                        b"2026-12-01T09:00:00+08:00,A0000002,mobile,13900000002,13800000002,import:x,,2026-12-01\n"
                        b"2026-12-01T09:00:00+08:00,A00")  # fmt: skip
    Register.open(register, UPDATE)
    assert history.read_bytes() == kept
    # A line cut short after a save the register shows: only the cut line goes.
    history.write_bytes(kept + b"2026-12-02T0")
    Register.open(register, UPDATE)
    assert history.read_bytes() == kept


def test_the_quick_heading_test_agrees_with_squeezing_every_cell():
    """heading_test answers most cells without squeezing them; squeeze's own answer is the oracle."""
    import random

    from office.normalise import header_names, heading_test, squeeze

    known = header_names(load_forms(ROOT / "forms")["update"])
    is_heading = heading_test(known)
    cells = [
        *known,
        "姓　名",
        "手机号码：",
        "Ｅ－ｍａｉｌ",
        " Date of Birth *",
        "出生\u3000日期:",
        "\u2f3f机号码",  # the Kangxi radical ⼿, which NFKC turns into 手: 手机号码
        "王建华",
        "示例市学府路12号",
        "a12@example.com",
        "2019届",
        "专业12",
        "",
    ]
    rng = random.Random(5)
    words = [*known, "王", "建", "12", "号", "\u3000", " ", "：", "*", "Ｎ", "ａ", "\u2f3f", "e\u0301"]
    cells += ["".join(rng.choices(words, k=rng.randint(1, 3))) for _ in range(3000)]
    assert [is_heading(cell) for cell in cells] == [squeeze(cell) in known for cell in cells]
    assert is_heading("\u2f3f机号码") and sum(map(is_heading, cells)) > len(known)


def test_the_sample_list_in_the_docs_imports_as_the_guide_says(tmp_path):
    """docs/samples/计算机学院名单.csv, for a new user to try the import on: six alumni taken,
    the title and footer rows skipped, one impossible date reported."""
    report = import_register(
        ROOT / "docs/samples/计算机学院名单.csv", "计算机学院", tmp_path / "r.csv", UPDATE, DAY
    )
    assert (report.rows, report.added) == (6, 6)
    assert [(p.row, p.field) for p in report.problems] == [(7, "出生日期")]
    assert {n.kind for n in report.notes} >= {"title", "footer", "taken"}


def test_a_mistyped_college_is_refused_before_it_adds_everyone_again(tmp_path):
    """--college 计算机系 for the register's 计算机学院 added every person of the list a second time."""
    text = "姓名,出生日期,手机\n丁一,1990-02-02,13900210001\n丁二,1990-02-03,13900210002\n"
    assert imported(tmp_path, text).added == 2  # as 计算机学院
    source, register = write(tmp_path / "again.csv", text), tmp_path / "private/register.csv"
    before = register.read_bytes()
    with pytest.raises(ProblemsFound) as found:
        import_register(source, "计算机系", register, UPDATE, DAY)
    assert (
        found.value.problems[0]
        .sentence()
        .startswith(
            "--college: 名册里没有“计算机系”，但有“计算机学院”：如果是同一个院系，请写 --college 计算机学院；"
        )
    )
    assert register.read_bytes() == before
    # Other people of the same names (the same mobile in another college is a question of its own).
    source = write(tmp_path / "again.csv", text.replace("139002100", "139002200"))
    assert (
        import_register(source, "计算机系", register, UPDATE, DAY, new_college=True).added == 2
    )  # said it is another
    source = write(tmp_path / "again.csv", text.replace("139002100", "139002300"))
    assert (
        import_register(source, "经济学院", register, UPDATE, DAY).added == 2
    )  # a new college like no other


def test_an_e_mail_in_other_letters_is_the_same_address_and_keeps_its_writing(tmp_path):
    """Wang@Example.cn and wang@example.cn were two addresses: a later list giving the same person's
    new mobile with the address in capitals was refused as a namesake nothing told apart."""
    assert imported(tmp_path, "姓名,邮箱\n王立新,wang.lixin@example.cn\n").added == 1
    report = imported(
        tmp_path, "姓名,邮箱,手机\n王立新,Wang.LiXin@Example.cn,13900001111\n", name="later.csv"
    )
    assert (report.updated, report.problems) == (1, [])
    [record] = read_register(tmp_path / "private/register.csv")
    assert (record["email"], record["mobile"]) == ("wang.lixin@example.cn", "13900001111")
    # Another name of the college with that address, in any letters, is a question, not a new person.
    report = imported(tmp_path, "姓名,邮箱\n王力新,WANG.LIXIN@example.cn\n", name="third.csv")
    assert report.added == 0 and report.problems


def test_a_newer_values_date_is_the_day_where_the_office_is(tmp_path, in_beijing):
    """A workbook saved at 01:30 in Beijing was saved on the day before in UTC, as Excel records
    it: the sentence refusing an older list's value named that day (2025-05-31)."""
    register = tmp_path / "r.csv"
    book = Workbook()
    book.active.append(["姓名", "出生日期", "手机"])
    book.active.append(["基础02", "1990-01-02", "13900160001"])
    book.save(tmp_path / "fixed.xlsx")
    import_register(
        saved_on(tmp_path / "fixed.xlsx", "2025-05-31T17:30:00Z"), "土木学院", register, UPDATE, DAY
    )
    old = write(tmp_path / "base.csv", "姓名,出生日期,手机\n基础02,1990-01-02,13800160001\n")
    [problem] = import_register(
        old, "土木学院", register, UPDATE, DAY, as_of=datetime.date(2025, 1, 10)
    ).problems
    assert "is newer, from import:土木学院:fixed.xlsx on 2025-06-01," in problem.en


@pytest.mark.parametrize("properties", [None, b"<cp:coreProperties", b""], ids=["none", "cut", "empty"])
def test_a_workbook_whose_properties_say_nothing_is_dated_by_its_file(tmp_path, properties):
    """Without document properties the file's time dates the list; damaged ones (cut XML) were a
    traceback from openpyxl: the workbook is refused in one sentence, as any damaged one is."""
    path = workbook(tmp_path / "a.xlsx", rows=ROWS[:1], title=False)
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    if properties is None:
        del parts["docProps/core.xml"]
    else:
        parts["docProps/core.xml"] = properties
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    assert list_date(path)[1] == ("文件的修改时间", "the file's modification time")
    if properties is None:
        assert import_register(path, "计算机学院", tmp_path / "r.csv", UPDATE, DAY).added == 1
    else:
        with pytest.raises(ProblemsFound) as found:
            import_register(path, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
        assert "is not a readable .xlsx workbook" in found.value.problems[0].en


def test_a_workbooks_later_passes_take_its_rows_from_memory(tmp_path, monkeypatch):
    """Parsing is most of a workbook's import (5 s a pass for 30,000 rows): the rows of the first
    reading through serve the later passes, with the same outcome as reading afresh each pass."""
    parsed = []
    parse = tables._sheet_rows
    monkeypatch.setattr(tables, "_sheet_rows", lambda *sheet: parsed.append(sheet) or parse(*sheet))
    path = workbook(tmp_path / "cs.xlsx")
    kept = import_register(path, "计算机学院", tmp_path / "kept/r.csv", UPDATE, DAY)
    reads = len(parsed)
    monkeypatch.setattr(tables, "KEEP_ROWS", 1)  # a sheet longer than that is read afresh each time
    parsed.clear()
    afresh = import_register(path, "计算机学院", tmp_path / "afresh/r.csv", UPDATE, DAY)
    assert reads == 1 < len(parsed)  # a list this short is read through by the look for its header
    assert (tmp_path / "kept/r.csv").read_bytes() == (tmp_path / "afresh/r.csv").read_bytes()
    assert [p.sentence() for p in kept.problems] == [p.sentence() for p in afresh.problems]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_spreadsheets_error_value_is_never_taken(tmp_path, kind):
    """#REF!, #N/A, #DIV/0!: a formula that failed, kept as an error cell in a workbook and as its
    text in a CSV file. They were taken as values: an employer replaced by #REF!, a person named
    #N/A added. Each is reported in one sentence; a row whose name is one is not imported."""
    header = ["姓名", "出生日期", "现工作单位", "专业"]
    book(tmp_path / "first.xlsx", {"名单": [header, ["王一", "1990-01-01", "示例公司", "软件工程"]]})
    register = tmp_path / "private/register.csv"
    import_register(tmp_path / "first.xlsx", "计算机学院", register, UPDATE, DAY)
    rows = [header, ["王一", "1990-01-01", "#REF!", "#DIV/0!"], ["#N/A", "1990-01-02", "乙公司", ""]]
    if kind == "xlsx":
        path = book(tmp_path / "later.xlsx", {"名单": rows})
        with zipfile.ZipFile(path) as opened:  # openpyxl wrote them as error cells, as Excel does
            assert opened.read("xl/worksheets/sheet1.xml").count(b't="e"') == 3
    else:
        path = write(tmp_path / "later.csv", "\n".join(",".join(row) for row in rows))
    report = import_register(path, "计算机学院", register, UPDATE, DAY, as_of=DAY)
    assert [r["name"] + r["employer"] + r["major"] for r in read_register(register)] == [
        "王一示例公司软件工程"
    ]
    assert [(p.row, p.field, p.value) for p in report.problems] == [
        (2, "现工作单位", "#REF!"), (2, "专业", "#DIV/0!"), (3, "姓名", "#N/A")
    ]  # fmt: skip
    assert report.problems[2].sentence() == (
        f"{path.name}, 第 3 行 (row 3), 字段 姓名: “#N/A”是表格的错误值（公式出错，或引用的格已删除），此项未导入："
        "请在 Excel 中改正这一格的公式或直接填上值后再导入；这一行未导入 / is a spreadsheet's error value (a formula "
        "that failed, or refers to cells since deleted); not taken: correct the cell's formula in Excel or type the "
        "value, and import again; the row was not imported"
    )


def test_a_name_too_long_is_reported_when_the_list_is_read_again(tmp_path):
    """A row whose name is not taken (a remark typed into the name column) is decided again on the
    import's second pass, which read its name for its key: a traceback. It is one sentence."""
    report = imported(tmp_path, "姓名,手机\n" + "请各位校友认真填写" * 5 + ",13800001111\n李二,13800002222\n")
    assert [r["name"] for r in read_register(tmp_path / "private/register.csv")] == ["李二"]
    assert [(p.row, p.field) for p in report.problems] == [(2, "姓名")]
    assert report.problems[0].en.endswith("check it and import again; the row was not imported")


def test_a_second_column_of_a_field_gives_what_the_first_lacks(tmp_path):
    """联系电话 (landlines, mostly) before 手机: the second column of a field was never read, so
    the mobiles in it were lost, with one note on the header saying it was not imported. Each row
    now takes the first value of the field's columns that can be taken; a different one is
    reported on its row, one the same is not."""
    text = (
        "姓名,联系电话,手机,出生年月,出生日期\n"
        "王一,010-62751234转8021,13800001111,,1990-01-01\n"  # a landline, then the mobile
        "李二,13800002222,13800002222,1991.02,1991.02\n"  # the same in both
        "张三,13800003333,13900003333,1992-03-04,1992-03-05\n"  # two different values
        "赵四,,13800004444,,\n"  # only the second
    )
    report = imported(tmp_path, text)
    taken = [
        (r["name"], r["mobile"], r["birth_date"]) for r in read_register(tmp_path / "private/register.csv")
    ]
    assert taken == [
        ("王一", "13800001111", "1990-01-01"),
        ("李二", "13800002222", "1991-02"),
        ("张三", "13800003333", "1992-03-04"),
        ("赵四", "13800004444", ""),
    ]
    assert [(p.row, p.field, p.value) for p in report.problems] == [
        (2, "手机", "010-62751234转8021"),  # not taken, as before
        (4, "手机", "13900003333"),
        (4, "出生日期", "1992-03-05"),
    ]
    assert report.problems[1].sentence() == (
        "list.csv, 第 4 行 (row 4), 字段 手机: “13900003333”与 B 列的 13800003333 不同，C 列的这个值未导入：请核对哪个是对的，"
        "只留一个后再导入 / differs from column B's 13800003333, so column C's value was not taken: check which is "
        "right, keep that one and import again"
    )
    assert [n.en for n in report.notes if n.kind == "twice"] == [
        "columns B and C both give “手机”: each row takes the first of their values that can be taken, and reports a "
        "different one in another",
        "columns D and E both give “出生日期”: each row takes the first of their values that can be taken, and "
        "reports a different one in another",
    ]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_birth_month_that_may_have_lost_its_zero_is_not_guessed(tmp_path, kind):
    """出生年月 1990.10 typed in Excel is the number 1990.1, shown and saved as 1990.1: it was taken
    as January, a wrong month that also tells the person from their record (1990-10-05). A month
    that cannot be told is reported with both readings; 1990.2 and 1990.10 as text are taken."""
    rows = [["姓名", "出生年月"], ["王一", 1990.10], ["李二", "1991.2"], ["张三", "1992.10"]]
    if kind == "xlsx":
        path = book(tmp_path / "list.xlsx", {"名单": rows})
    else:
        path = write(tmp_path / "list.csv", "\n".join(",".join(str(c) for c in row) for row in rows))
    report = import_register(path, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    taken = [(r["name"], r["birth_date"]) for r in read_register(tmp_path / "r.csv")]
    assert taken == [("王一", ""), ("李二", "1991-02"), ("张三", "1992-10")]
    [problem] = report.problems
    assert (problem.row, problem.field, problem.value) == (2, "出生日期", "1990.1")
    assert problem.en == (
        "may be January 1990, or 1990.10 (October) that the spreadsheet kept as a number, dropping its 0; it "
        "cannot be told, so it was not taken: write 1990-01 or 1990-10 and import again"
    )


def test_a_workbook_is_opened_once_for_all_its_sheets_and_readings(tmp_path, monkeypatch):
    """Opening a workbook parses its shared strings (0.9 s for 30,000 people): its sheet list, the
    look for each header and the first reading through each opened it again."""
    opened = []
    load = tables._workbook
    monkeypatch.setattr(tables, "_workbook", lambda *args: opened.append(args) or load(*args))
    rows = [HEADER, *ROWS[:3]]
    path = book(tmp_path / "two.xlsx", {"一班": rows, "二班": [HEADER, ["韩梅", "女", "1990-01-01"]]})
    report = import_register(path, "计算机学院", tmp_path / "r.csv", UPDATE, DAY)
    assert (len(opened), report.added) == (1, 4)


def test_a_value_is_not_taken_when_it_contradicts_the_records_other_dates(tmp_path):
    """A list's 入校时间 2015 for a record graduated in 2014 was taken (the check named 毕业时间,
    which the list did not change), and so was a repeat row's 毕业时间 2008 filling the gap of a
    row that entered in 2010: the register was left saying someone graduated before entering."""
    first = "姓名,出生日期,入学年份,毕业年份\n王一,1990-01-01,2010,2014\n"
    imported(tmp_path, first, name="old.csv", as_of=datetime.date(2025, 1, 1))
    later = "姓名,出生日期,入学年份,毕业年份\n王一,1990-01-01,2015,\n李二,1990-01-02,2010,\n李二,1990-01-02,,2008\n"
    report = imported(tmp_path, later, name="new.csv", as_of=datetime.date(2026, 1, 1))
    records = read_register(tmp_path / "private/register.csv")
    assert [(r["name"], r["year_entered"], r["year_graduated"]) for r in records] == [
        ("王一", "2010", "2014"),
        ("李二", "2010", ""),
    ]
    assert [(p.row, p.field, p.value) for p in report.problems] == [
        (2, "入校时间", "2015"),
        (4, "毕业时间", "2008"),
    ]
    assert (
        report.problems[0].en
        == "is after the year graduated in the register, 2014; not taken: check the two years"
    )


def test_a_templates_example_row_is_skipped_not_added(tmp_path):
    """Templates carry an example row above the people (示例：张三 …, 例: 李四): it was added to the
    register as a person named 示例:张三. Such rows are skipped with a note; a name is not."""
    text = (
        "姓名,性别,出生日期,手机\n示例：张三,男,1990-01-01,13812345678\n（例）李四,男,1990-01-01,\n"
        "例: 王五,男,1990-01-01,\n范例,女,1991-01-01,13800001111\n"
    )
    report = imported(tmp_path, text)
    assert [r["name"] for r in read_register(tmp_path / "private/register.csv")] == ["范例"]
    assert [(n.row, n.kind) for n in report.notes if n.kind == "example"] == [(2, "example"), (3, "example"), (4, "example")]  # fmt: skip
    assert report.notes[0].sentence() == (
        "list.csv, 第 2 行 (row 2): 是填表示例（示例、例：），已跳过；如是校友，请去掉“示例”等字样后再导入 / is the "
        "template's example row (示例, 例：); skipped: if it is an alumnus, take that word off and import again"
    )
