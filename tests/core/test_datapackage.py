"""Broken data files, and the exact sentence an editor gets for each."""

import shutil
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest

from core.datapackage import check_data, read_descriptor, validate_package
from core.problems import ProblemsFound
from core.tables import find_mojibake, parse_records, read_records, read_rows, write_table
from tests.support import ROOT


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of the demo data package to break."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    return tmp_path / "data"


def edit(data: Path, name: str, old: str, new: str) -> None:
    path = data / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(data: Path) -> list[str]:
    with pytest.raises(ProblemsFound) as found:
        check_data(data / "datapackage.yaml")
    return [p.sentence() for p in found.value.problems]


def test_the_demo_data_passes_ours_and_frictionless():
    assert validate_package(ROOT / "data/datapackage.yaml").notes == []
    assert frictionless.validate(ROOT / "data/datapackage.yaml").valid


def test_an_amount_with_unit_and_comma(data):
    edit(data, "donations.csv", ",5000.00,wechat", ',"1,000元",wechat')
    assert problems(data) == [
        "data/donations.csv, 第 2 行 (row 2), 字段 amount: “1,000元”不是有效的值，请写数字，如 1000 或 1000.50，"
        "不要写单位或千位逗号 / is not valid; write a number such as 1000 or 1000.50, without unit or commas"
    ]


def test_an_impossible_date(data):
    edit(data, "donations.csv", "2020-01-02", "2025/13/01")
    assert problems(data) == [
        "data/donations.csv, 第 2 行 (row 2), 字段 date: “2025/13/01”不是有效的值，请写日期，格式 2026-11-23 "
        "/ is not valid; write a date written as 2026-11-23"
    ]


def test_a_project_that_does_not_exist(data):
    edit(data, "donations.csv", "2020-01-02,cs-development-fund", "2020-01-02,cs-develop-fund")
    assert problems(data) == [
        "data/donations.csv, 第 2 行 (row 2), 字段 project: “cs-develop-fund”在 data/projects.csv 中找不到这个编号，"
        "请改正或先在 data/projects.csv 中添加 / is not an id in data/projects.csv; correct it or add it there first"
    ]


def test_a_duplicate_id_names_the_first_row(data):
    edit(data, "chapters.csv", "chongqing,重庆校友会", "beijing,重庆校友会")
    edit(data, "events.csv", ",chongqing,", ",beijing,")
    assert problems(data) == [
        "data/chapters.csv, 第 3 行 (row 3), 字段 id: “beijing”与第 2 行重复，请改成唯一的值 "
        "/ repeats row 2; each row needs its own value"
    ]


def test_a_missing_required_value(data):
    edit(
        data,
        "projects.csv",
        "学生创新基金,Student Innovation Fund,student_innovation,2000000.00",
        "学生创新基金,Student Innovation Fund,student_innovation,",
    )
    assert problems(data) == [
        "data/projects.csv, 第 3 行 (row 3), 字段 target: 不能为空，请填写 / is required; fill it in"
    ]


def test_spending_more_than_was_raised(data):
    edit(
        data,
        "expenditures.csv",
        "ZC2021-0025,2021-03-22,student-innovation-fund,学科竞赛,8038.83",
        "ZC2021-0025,2021-03-22,student-innovation-fund,学科竞赛,8038000.83",
    )
    [sentence] = problems(data)
    assert sentence.startswith(
        "data/expenditures.csv, 第 2 行 (row 2), 字段 amount: “8038000.83”支出超过了项目 student-innovation-fund 截至当日收到的捐赠"
    )


def test_every_problem_is_listed_at_once(data):
    edit(data, "donations.csv", ",5000.00,wechat", ",5000元,wechat")
    edit(data, "events.csv", "2026-10-18", "2026-10-32")
    edit(data, "chapters.csv", ",regional,北京,1985,", ",regional,北京,一九八五,")
    found = problems(data)
    assert [s.split(":")[0] for s in found] == [
        "data/chapters.csv, 第 2 行 (row 2), 字段 founded",
        "data/donations.csv, 第 2 行 (row 2), 字段 amount",
        "data/events.csv, 第 2 行 (row 2), 字段 date",
    ]


def test_excel_bom_is_accepted_and_said(data):
    path = data / "chapters.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    [note] = check_data(data / "datapackage.yaml").notes
    assert (
        note.sentence()
        == "data/chapters.csv: 文件带 BOM（Excel 另存的 UTF-8），已正常读取 / has a BOM (UTF-8 from Excel); read as usual"
    )


def test_gb18030_is_accepted_and_said(data):
    path = data / "chapters.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    package = check_data(data / "datapackage.yaml")
    assert package.tables["chapters"][1]["name"] == "重庆校友会"
    assert "GB18030" in package.notes[0].sentence()


def test_gb18030_with_its_byte_order_mark_reads_the_first_column(data):
    """The defect: GB18030 written with its BOM (84 31 95 33, as WPS and some editors save it)
    kept the BOM on the first heading, and the check said column receipt was missing."""
    path = data / "donations.csv"
    path.write_bytes("\ufeff".encode("gb18030") + path.read_text(encoding="utf-8").encode("gb18030"))
    package = check_data(data / "datapackage.yaml")
    assert "receipt" in package.tables["donations"][0]
    said = "data/donations.csv: 文件是 GB18030（GBK）编码，已按此读取；建议另存为 CSV UTF-8 / is in GB18030 (GBK); read as such; saving it as CSV UTF-8 is better"  # fmt: skip
    assert [note.sentence() for note in package.notes] == [said]


def test_mojibake_is_refused(data):
    path = data / "chapters.csv"
    garbled = path.read_bytes().decode("gb18030", errors="replace")
    path.write_text(garbled, encoding="utf-8")
    [sentence] = problems(data)
    assert sentence.startswith("data/chapters.csv: “")
    assert "含有乱码" in sentence and "export it again as CSV UTF-8" in sentence


def test_text_in_neither_encoding_is_refused(data):
    (data / "chapters.csv").write_bytes(b"id,name\n\xff\xfe\xff\n")
    assert problems(data) == [
        "data/chapters.csv: 既不是 UTF-8 也不是 GB18030 编码，无法读取；请在 Excel 中另存为“CSV UTF-8（逗号分隔）” "
        "/ is neither UTF-8 nor GB18030; save it from Excel as 'CSV UTF-8 (comma delimited)'"
    ]


def test_a_renamed_column_is_named(data):
    edit(data, "projects.csv", "id,name,name_en,fund", "id,name,english,fund")
    found = problems(data)
    assert found[0].startswith("data/projects.csv, 第 1 行 (row 1), 字段 name_en: 缺少这一列")
    assert found[1].startswith("data/projects.csv, 第 1 行 (row 1), 字段 english: 数据包里没有这一列")


def test_our_own_files_are_read_as_written_whatever_people_sent(tmp_path):
    # One value that looks garbled must not make the inbox or the register unreadable: the
    # guess at garbling is for files people hand in, not for what the product wrote itself.
    sent = ["x\ufffd", "锟斤拷", "鍖椾含", "CafÃ©"]
    path = tmp_path / "inbox/contact-v1.csv"
    write_table(path, ["id", "name"], [[str(i), value] for i, value in enumerate(sent)])
    assert [row["name"] for row in read_records(path)] == sent
    assert [row["name"] for row in parse_records(path.read_bytes(), "contact-v1.csv")] == sent
    with pytest.raises(ProblemsFound):
        read_rows(path)  # handed in by people, the same file is refused


def test_genuine_chinese_is_not_mistaken_for_mojibake():
    assert find_mojibake("id,name\nbeijing,北京校友会\nx,黄\n") is None


def test_ours_and_frictionless_find_the_same_problems(data):
    edit(data, "donations.csv", ",5000.00,wechat", ",5000元,wechat")
    edit(data, "donations.csv", "2020-01-09,student-innovation-fund", "2020-01-09,no-such-fund")
    edit(data, "expenditures.csv", "ZC2021-0001", "ZC2021-0025")
    edit(data, "events.csv", ",closed,09:00,", ",,09:00,")  # registration is required
    with pytest.raises(ProblemsFound) as found:
        validate_package(data / "datapackage.yaml")
    ours = {(Path(p.file).name, p.row) for p in found.value.problems}
    report = frictionless.validate(data / "datapackage.yaml")
    theirs = {(Path(task.place).name, error.row_number) for task in report.tasks for error in task.errors}
    assert (
        ours
        == theirs
        == {("donations.csv", 2), ("donations.csv", 3), ("expenditures.csv", 3), ("events.csv", 2)}
    )


def test_invoke_validate_lists_problems_without_a_traceback(data):
    edit(data, "donations.csv", ",5000.00,wechat", ",5000元,wechat")
    command = [sys.executable, "-m", "invoke", "validate", "--package", str(data / "datapackage.yaml")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, "Traceback" in result.stderr) == (1, False)
    assert "data/donations.csv, 第 2 行 (row 2), 字段 amount: “5000元”不是有效的值" in result.stderr


def test_amounts_go_to_the_cent_at_most(data):
    edit(data, "donations.csv", ",5000.00,wechat", ",5000.005,wechat")
    assert problems(data) == [
        "data/donations.csv, 第 2 行 (row 2), 字段 amount: “5000.005”金额最多写到分（两位小数），如 1000.50 "
        "/ amounts go to the cent at most (two decimals), like 1000.50"
    ]


def test_a_gift_before_its_project_opened(data):
    edit(data, "donations.csv", "2020-01-02,cs-development-fund", "2019-01-02,cs-development-fund")
    assert problems(data) == [
        "data/donations.csv, 第 2 行 (row 2), 字段 date: “2019-01-02”早于项目设立日期 2019-12-01，"
        "请核对日期或 data/projects.csv 中的设立日期 / is before the project opened on 2019-12-01; check this date or the project's"
    ]


def test_an_optional_resource_may_not_exist_yet(tmp_path):
    shutil.copy(ROOT / "data/private.datapackage.yaml", tmp_path)
    assert validate_package(tmp_path / "private.datapackage.yaml").tables == {
        "register": [],
        "history": [],
        "decisions": [],
        "attendees": [],
    }


def test_the_private_register_is_checked_across_its_fields(tmp_path):
    """invoke validate --package data/private.datapackage.yaml says what the import says."""
    shutil.copy(ROOT / "data/private.datapackage.yaml", tmp_path)
    (tmp_path / "private").mkdir()
    [register] = [r for r in read_descriptor(tmp_path / "private.datapackage.yaml") if r.name == "register"]
    rows = [{"id": "A0000001", "name": "王立新", "birth_date": "1978-13-01", "year_entered": "1996", "year_graduated": "2000"},
            {"id": "A0000002", "name": "李娜", "birth_date": "1980-01-01", "year_entered": "1998", "year_graduated": "1994"}]  # fmt: skip
    write_table(tmp_path / "private/register.csv", [f.name for f in register.fields],
                [{"updated": "2026-11-23", "source": "import:x", **row} for row in rows])  # fmt: skip
    with pytest.raises(ProblemsFound) as found:
        check_data(tmp_path / "private.datapackage.yaml")
    assert [(p.row, p.field, p.value) for p in found.value.problems] == [
        (2, "birth_date", "1978-13-01"),
        (3, "year_graduated", "1994"),
    ]
    assert "is not a real date: there is no month 13" in found.value.problems[-2].en
