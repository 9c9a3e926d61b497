"""Properties of the register that hold for any list an office may send (hypothesis draws them):
importing a list twice changes nothing and reports the same, and a row never changes a record it
does not match."""

import datetime
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.definitions import load_forms
from office.importer import import_register
from office.register import read_register
from tests.support import ROOT

UPDATE = load_forms(ROOT / "forms")["update"]
DAY = datetime.date(2026, 11, 23)
HEADER = "姓名,性别,出生日期,入校时间,毕业时间,手机,电子邮箱,现工作单位\n"
# Few names, so that namesakes, repeats and near repeats are common.
names = st.sampled_from(["张伟", "王芳", "李娜", "刘洋", "王　芳", "Zhang Wei"])
births = st.sampled_from(["", "1980-01-01", "1980/1/1", "1985年6月6日", "19900909", "1985-13-01"])
genders = st.sampled_from(["", "男", "女", "M", "F"])
years = st.sampled_from(["", "1998", "1998.09", "2002年7月", "96级"])
mobiles = st.sampled_from(["", "13800001111", "86-138-0000-2222", "+86 139 0000 3333", "12345"])
emails = st.sampled_from(["", "a@example.com", "B@Example.COM", "wrong@"])
employers = st.sampled_from(["", "示例科技", "示例银行"])
rows = st.lists(st.tuples(names, genders, births, years, years, mobiles, emails, employers), max_size=12)
RUN = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def write(folder: Path, name: str, lines) -> Path:
    path = folder / name
    path.write_text(HEADER + "".join(",".join(cells) + "\n" for cells in lines), encoding="utf-8")
    return path


@RUN
@given(rows)
def test_importing_any_list_twice_changes_nothing_the_second_time(lines):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source, register = write(folder, "list.csv", lines), folder / "private/register.csv"
        first = import_register(source, "计算机学院", register, UPDATE, DAY)
        files = [register, register.with_name("register-history.csv")]
        before = [p.read_bytes() if p.exists() else None for p in files]
        again = import_register(source, "计算机学院", register, UPDATE, DAY + datetime.timedelta(days=3))
        assert (again.added, again.updated) == (0, 0)
        # and says the same of every row: what the first did not take, the second does not either
        assert [(p.row, p.field, p.value) for p in again.problems] == [
            (p.row, p.field, p.value) for p in first.problems
        ]
        assert [p.read_bytes() if p.exists() else None for p in files] == before


@RUN
@given(rows, rows)
def test_a_row_never_changes_a_record_it_does_not_match(first, second):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        register = folder / "private/register.csv"
        import_register(write(folder, "a.csv", first), "计算机学院", register, UPDATE, DAY)
        before = {r["id"]: r for r in read_register(register)}
        import_register(write(folder, "b.csv", second), "计算机学院", register, UPDATE, DAY)
        after = {r["id"]: r for r in read_register(register)}
        assert before.keys() <= after.keys()  # nothing is ever removed
        for ident, old in before.items():
            if after[ident] == old:
                continue
            # Changed: some row of the second list names this person with strong evidence.
            evidence = [
                row for row in second
                if row[0].replace("\u3000", "") == old["name"]
                and ((old["birth_date"] and _iso(row[2]) == old["birth_date"]) or (old["mobile"] and row[5].replace("-", "").replace(" ", "").removeprefix("+86").removeprefix("86") == old["mobile"])
                     or (old["email"] and row[6].lower() == old["email"].lower()))
            ]  # fmt: skip
            assert evidence, (old, after[ident])


def _iso(text: str) -> str:
    return {
        "1980-01-01": "1980-01-01",
        "1980/1/1": "1980-01-01",
        "1985年6月6日": "1985-06-06",
        "19900909": "1990-09-09",
    }.get(text, "")
