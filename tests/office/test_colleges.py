"""Old names of colleges (COLLEGE_RENAMES): a list under a college's old name finds its people,
and a setting that would file them under the wrong college is one sentence naming its line."""

import datetime

import pytest

from core.definitions import load_forms
from core.problems import ProblemsFound
from office.colleges import Rename, read_renames
from office.importer import import_register
from office.register import read_register
from tests.support import ROOT

UPDATE = load_forms(ROOT / "forms")["update"]
DAY = datetime.date(2026, 11, 23)
PEOPLE = "姓名,出生日期,手机\n辛一,1990-05-01,13900000051\n辛二,1990-05-02,13900000052\n"


def settings(tmp_path, text: str):
    path = tmp_path / "pelicanconf.py"
    path.write_text(f'SITENAME = "示例大学校友总会"\n\n{text}\n', encoding="utf-8")
    return path


def known(tmp_path):
    """A register whose people are filed under the college's current name."""
    listed = tmp_path / "now.csv"
    listed.write_text(PEOPLE, encoding="utf-8")
    import_register(listed, "信息学院", tmp_path / "private/register.csv", UPDATE, DAY)
    return tmp_path / "private/register.csv"


@pytest.mark.parametrize(
    ("college", "column"),
    [("计算机系", None), ("信息学院", "计算机学院"), ("信息学院", "計算機系"), ("电子系", None)],
    ids=["--college", "column", "traditional", "renamed twice"],
)
def test_a_list_under_an_old_name_of_the_college_finds_its_people_instead_of_adding_them(
    tmp_path, college, column
):
    """The defect: a list giving the college's old name, with names and birth dates but no mobile
    or e-mail, added every person of it again under that name."""
    register = known(tmp_path)
    rows = ["辛一,1990-05-01", "辛二,1990-05-02"]
    text = "姓名,出生日期\n" + "".join(f"{row}\n" for row in rows)
    if column:
        text = "姓名,出生日期,院系\n" + "".join(f"{row},{column}\n" for row in rows)
    (tmp_path / "old.csv").write_text(text, encoding="utf-8")
    renames = read_renames(settings(tmp_path, 'COLLEGE_RENAMES = {\n    "计算机系": "信息学院",\n    "计算机学院": "信息学院",\n'
                                              '    "电子系": "电子工程系",\n    "电子工程系": "信息学院",\n}'))  # fmt: skip
    report = import_register(tmp_path / "old.csv", college, register, UPDATE, DAY, renames=renames)
    assert (report.added, report.unchanged, report.problems) == (0, 2, [])
    assert [(r["name"], r["college"]) for r in read_register(register)] == [
        ("辛一", "信息学院"),
        ("辛二", "信息学院"),
    ]
    [note] = [n for n in report.notes if n.kind == "college"]
    assert note.en == (
        f"old names of colleges were read as their current names by COLLEGE_RENAMES in pelicanconf.py: "
        f"“{column or college}” as “信息学院”; if one is wrong, correct the setting and import again"
    )


@pytest.mark.parametrize(
    ("setting", "sentence"),
    [
        (
            'COLLEGE_RENAMES = {\n    "计算机系": "信息学员",\n}',
            "pelicanconf.py, 第 4 行 (line 4), 字段 COLLEGE_RENAMES: “计算机系”改作的“信息学员”不是登记册中的院系"
            "（登记册中有：信息学院）：请写登记册中写的现名，或删去这一项 / is read as “信息学员”, which is no "
            "college of the register (it has 信息学院): write the current name as the register writes it, or "
            "remove the entry",
        ),
        (
            'COLLEGE_RENAMES = {\n    "计算机系": "計算機學院",\n    "计算机学院": "计算机系",\n}',
            "pelicanconf.py, 第 4 行 (line 4), 字段 COLLEGE_RENAMES: “计算机系”的改名绕回了自己（计算机系 → 计算机学院 → "
            "计算机系），读不出现名：请删去其中写反或写错的一项，让每个旧名都通向登记册中的院系 / goes round in a circle "
            "(计算机系 → 计算机学院 → 计算机系), so no current name can be read: remove the entry written the wrong way "
            "round, so that every old name leads to a college of the register",
        ),
        (
            'COLLEGE_RENAMES = {\n    "信息学院": "计算机学院",\n}',
            "pelicanconf.py, 第 4 行 (line 4), 字段 COLLEGE_RENAMES: “信息学院”读作“计算机学院”，但登记册中仍有 2 条记录"
            "的院系写作“信息学院”，导入会把其中的人再添加一次，整个文件未导入：请先在 data/private/register.csv 中把这些"
            "记录的院系改为“计算机学院”，或删去这一项，再导入 / is read as “计算机学院”, but 2 records of the register "
            "still give the college as “信息学院”, and the import would add those people again, so nothing was "
            "imported: first change their college to “计算机学院” in data/private/register.csv, or remove the entry, "
            "and import again",
        ),
        (
            'COLLEGE_RENAMES = ["计算机系", "信息学院"]',
            'pelicanconf.py, 第 3 行 (line 3), 字段 COLLEGE_RENAMES: 应当写成 {"旧名": "现名", …}，如 '
            '{"计算机系": "计算机学院"}，请改正 / must be written {"old name": "current name", …}, such as '
            '{"计算机系": "计算机学院"}: correct it',
        ),
    ],
    ids=["unknown", "circle", "still held", "shape"],
)
def test_a_setting_that_would_file_people_under_the_wrong_college_is_one_sentence_and_changes_nothing(
    tmp_path, setting, sentence
):
    register = known(tmp_path)
    before = register.read_bytes(), register.with_name("register-history.csv").read_bytes()
    old = setting.split('"')[1]  # the list gives the setting's first old name
    (tmp_path / "old.csv").write_text(f"姓名,出生日期,院系\n辛一,1990-05-01,{old}\n", encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        import_register(tmp_path / "old.csv", "计算机学院", register, UPDATE, DAY,
                        renames=read_renames(settings(tmp_path, setting)))  # fmt: skip
    assert [p.sentence() for p in found.value.problems] == [sentence]
    assert (register.read_bytes(), register.with_name("register-history.csv").read_bytes()) == before


def test_an_entry_a_list_does_not_use_stops_nothing(tmp_path):
    """A setting written for one college's lists (its target not yet in the register, as the
    demo's) does not stand in the way of another college's list."""
    register = known(tmp_path)
    (tmp_path / "more.csv").write_text("姓名,出生日期\n辛三,1990-05-03\n", encoding="utf-8")
    renames = read_renames(
        settings(tmp_path, 'COLLEGE_RENAMES = {"化学系": "化学学院", "信息系": "信息学员"}')
    )
    report = import_register(tmp_path / "more.csv", "信息学院", register, UPDATE, DAY, renames=renames)
    assert report.added == 1 and not [n for n in report.notes if n.kind == "college"]


def test_a_register_without_records_yet_files_an_old_name_under_the_name_the_setting_gives(tmp_path):
    """Nothing to check a target against, nor anyone to add twice: the first list is filed as the setting says."""
    (tmp_path / "old.csv").write_text(PEOPLE, encoding="utf-8")
    renames = read_renames(settings(tmp_path, 'COLLEGE_RENAMES = {"计算机系": "信息学院"}'))
    report = import_register(
        tmp_path / "old.csv", "计算机系", tmp_path / "r.csv", UPDATE, DAY, renames=renames
    )
    assert report.added == 2 and {r["college"] for r in read_register(tmp_path / "r.csv")} == {"信息学院"}


def test_the_demo_settings_give_one_old_name_with_its_line():
    lines = (ROOT / "pelicanconf.py").read_text(encoding="utf-8").splitlines()
    [rename] = read_renames(ROOT / "pelicanconf.py")
    assert rename == Rename("计算机系", "计算机学院", rename.line)
    assert "COLLEGE_RENAMES" in lines[rename.line - 1]


@pytest.mark.parametrize("written", ["信息學院", "信息 学院", "信息学院 "])
def test_a_college_written_another_way_is_the_registers_college(tmp_path, written):
    """The defect: a 院系 column (or --college) giving 信息學院, in traditional characters, or
    with a space, made a second college of the register's 信息学院 and added its people again."""
    register = known(tmp_path)
    (tmp_path / "other.csv").write_text(
        f"姓名,出生日期,院系\n辛一,1990-05-01,{written}\n辛二,1990-05-02,{written}\n", encoding="utf-8"
    )
    report = import_register(tmp_path / "other.csv", written, register, UPDATE, DAY)
    assert (report.added, report.unchanged, report.problems) == (0, 2, [])
    assert {r["college"] for r in read_register(register)} == {"信息学院"}
