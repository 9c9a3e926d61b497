"""A college's messy spreadsheet into the register: every normalisation, every row reported."""

import datetime
import shutil

import pytest
from openpyxl import Workbook

from core.definitions import load_forms
from core.sealing import Opener, Sealer, generate_keypair
from office.importer import import_register
from office.register import read_register
from tests.support import ROOT

UPDATE = load_forms(ROOT / "forms")["update"]
DAY = datetime.date(2026, 11, 23)
HEADER = [
    "姓名",
    "性别",
    "出生日期",
    "籍贯",
    "学历",
    "入校时间",
    "毕业时间",
    "专业",
    "现工作单位",
    "职务",
    "手机",
    "电子邮箱",
    "通讯地址",
    "邮政编码",
]
ROWS = [
    ["王立新", "男", datetime.datetime(1978, 7, 1), "重庆万州", "本科", "1996.09", "2000年7月", "计算机科学", "示例科技", "工程师", 13900001111, "wang@example.com", "示例市学府路1号", "100000"],
    ["李 晓梅", "女", "1980/2/15", "", "硕士研究生", "１９９８年９月", "2002", "软件工程", "", "", "+86 138-0000-2222", "li@", "", "12345"],
    ["陈  静", "女", "19820503", "", "博士", "1999-09-01", "2005.07", "", "", "", "(0086)137 0000 3333", "", "", ""],
    ["", "男", "1970-01-01", "", "本科", "1990", "1994", "", "", "", "", "", "", ""],
    ["赵一", "Female", "1985-13-01", "", "学士", "1999", "2003", "", "", "", "12345", "", "", ""],
    ["孙悦", "女", "1986年4月", "", "本科", "2004", "2008", "", "", "", "", "sun@example.com", "", ""],
]  # fmt: skip
TAKEN = {
    "王立新": {"gender": "male", "birth_date": "1978-07-01", "degree": "bachelor", "year_entered": "1996", "year_graduated": "2000", "mobile": "13900001111", "college": "计算机学院", "relation": "student"},
    "李 晓梅": {"gender": "female", "birth_date": "1980-02-15", "degree": "master", "year_entered": "1998", "mobile": "13800002222", "email": "", "postcode": ""},
    "陈 静": {"birth_date": "1982-05-03", "degree": "doctor", "year_entered": "1999", "year_graduated": "2005", "mobile": "13700003333"},
    "孙悦": {"birth_date": "1986-04", "email": "sun@example.com"},
    "赵一": {"gender": "", "birth_date": "", "degree": "", "mobile": ""},
}  # fmt: skip
NOT_TAKEN = [(3, "电子邮箱", "li@"), (3, "邮政编码", "12345"), (5, "姓名", None), (6, "性别", "Female"),
             (6, "出生日期", "1985-13-01"), (6, "学历", "学士"), (6, "手机", "12345")]  # fmt: skip


def workbook(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["示例大学计算机学院校友名单（2026年）"])  # a title above the header, as offices send them
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    book.save(path)
    return path


def csv_file(path, encoding):
    text = "\n".join(
        ",".join(str(c.date() if isinstance(c, datetime.datetime) else c) for c in row)
        for row in [HEADER, *ROWS]
    )
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(params=["xlsx", "utf-8-sig", "gb18030"])
def spreadsheet(request, tmp_path):
    if request.param == "xlsx":
        return workbook(tmp_path / "cs.xlsx")
    return csv_file(tmp_path / "cs.csv", request.param)


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
    assert report.report_file.read_text(encoding="utf-8-sig").count("\n") == len(NOT_TAKEN) + 1


def test_the_encoding_is_said(tmp_path):
    report = import_register(
        csv_file(tmp_path / "cs.csv", "gb18030"), "计算机学院", tmp_path / "register.csv", UPDATE, DAY
    )
    assert [n.kind for n in report.notes] == ["encoding"]


def test_importing_twice_changes_nothing_the_second_time(spreadsheet, tmp_path):
    register = tmp_path / "private" / "register.csv"
    import_register(spreadsheet, "计算机学院", register, UPDATE, DAY)
    before = register.read_bytes()
    again = import_register(spreadsheet, "计算机学院", register, UPDATE, DAY + datetime.timedelta(days=1))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert register.read_bytes() == before


def test_a_known_person_is_updated_not_added(tmp_path):
    register = tmp_path / "register.csv"
    first = csv_file(tmp_path / "a.csv", "utf-8")
    import_register(first, "计算机学院", register, UPDATE, DAY)
    changed = tmp_path / "b.csv"
    changed.write_text("姓名,出生日期,现工作单位\n王立新,1978-07-01,新单位有限公司\n", encoding="utf-8")
    report = import_register(changed, "计算机学院", register, UPDATE, DAY)
    assert (report.added, report.updated) == (0, 1)
    [record] = [r for r in read_register(register) if r["name"] == "王立新"]
    assert (record["employer"], record["mobile"]) == ("新单位有限公司", "13900001111")


def test_a_file_without_a_header_is_refused(tmp_path):
    from core.problems import ProblemsFound

    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ProblemsFound, match="找不到表头"):
        import_register(path, "计算机学院", tmp_path / "register.csv", UPDATE, DAY)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_same_person_twice_in_one_file_is_reported_not_flipped(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "姓名,出生日期,手机\n王立新,1978-07-01,13900001111\n王立新,1978-07-01,13900002222\n", encoding="utf-8"
    )
    register = tmp_path / "register.csv"
    for _ in range(2):
        report = import_register(path, "计算机学院", register, UPDATE, DAY)
        assert [(p.row, p.kind) for p in report.problems] == [(3, "import")]
    [record] = read_register(register)
    assert record["mobile"] == "13900001111"


def test_cells_sealed_by_the_handler_are_opened_with_the_key_or_reported(tmp_path):
    identity, recipient = generate_keypair()
    sealer = Sealer(recipient)
    sheet = tmp_path / "inbox-copy.csv"
    sheet.write_text(
        "姓名,出生日期,手机,电子邮箱\n"
        f"王立新,{sealer.seal('1978-07-01')},{sealer.seal('13900001111')},wang@example.com\n",
        encoding="utf-8",
    )
    register = tmp_path / "private/register.csv"
    report = import_register(sheet, "计算机学院", register, UPDATE, DAY)  # no key: nothing sealed is taken
    assert [(p.row, p.field, p.kind) for p in report.problems] == [
        (2, "出生日期", "import"),
        (2, "手机", "import"),
    ]
    assert "请用 --identity 或 FORMS_AGE_IDENTITY 指定办公室私钥文件" in report.problems[0].zh
    assert "age:" not in register.read_text(encoding="utf-8")

    opened = tmp_path / "private/opened.csv"
    assert import_register(sheet, "计算机学院", opened, UPDATE, DAY, Opener(identity)).problems == []
    [record] = read_register(opened)
    assert (record["birth_date"], record["mobile"]) == ("1978-07-01", "13900001111")
