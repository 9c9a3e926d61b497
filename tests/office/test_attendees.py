"""`invoke attendees EVENT`: the sign-in sheet, QR codes and cards of the confirmed attendees only,
read back as people and phones will read them (openpyxl, a QR decoder), owner-only files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from core.definitions import load_forms
from core.problems import ProblemsFound
from core.sealing import Opener, Sealer, generate_keypair
from forms.checkin import code
from forms.gitinbox import Branch, BranchFiles, GitInbox, Remote
from forms.inbox import LocalFiles, LocalInbox
from office.attendees import SHEET, write_attendees
from office.review import Review
from tests.support import ROOT

EVENT = "alumni-dinner-2026"
EVENTS = (
    "id,title,title_en,date,chapter,kind,place,registration,start,end,end_date,timezone,capacity,deadline,fee,fee_en\n"
    f"{EVENT},校友晚宴,Alumni Dinner,2026-12-20,,meetup,示例大学,open,18:00,21:00,,,5,2026-12-10,,\n"
    "homecoming-2027,2027年校友返校日,Homecoming Day 2027,2027-10-16,,homecoming,示例大学,open,09:00,17:00,,,,,,\n"
)
FORMS = load_forms(ROOT / "forms", [(EVENT, None), ("homecoming-2027", None)])
FORM = FORMS["event-registration"]
IDENTITY, RECIPIENT = generate_keypair()
# In the order they registered, for 5 places: (name, class, guests).
PEOPLE = [("王五", "2006", "1"), ("张三", "1996", ""), ("李四", "2006", ""), ("赵六", "1996", "2"),
          ("陈七", "2006", ""), ('=HYPERLINK("http://x")', "", ""), ("阿明", "2006", "")]  # fmt: skip


@pytest.fixture
def data(tmp_path) -> Path:
    """data/ with the registrations in the inbox, sealed as the handler stores them: 李四 cancelled
    since, 赵六 rejected by an editor, 阿明 the first on the waiting list."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "events.csv").write_text(EVENTS, encoding="utf-8")
    inbox, sealer = LocalInbox(folder / "inbox"), Sealer(RECIPIENT)
    ids = {}
    for name, year, guests in PEOPLE:
        values = {"event": EVENT, "name": name, "class_year": year, "mobile": "13900001111", "guests": guests, "consent": "yes"}  # fmt: skip
        ids[name] = inbox.append_counted(FORM, sealer.seal_values(FORM, values), "event")[0]
    inbox.append_counted(FORM, sealer.seal_values(FORM, {**values, "event": "homecoming-2027", "name": "钱八"}), "event")  # fmt: skip
    assert inbox.cancel(FORM, ids["李四"])
    Review(folder, FORMS, inbox=LocalFiles(folder)).reject(ids["赵六"], "editor", "重复报名")
    return folder


def registered(data: Path) -> dict[str, str]:
    """Each registrant's submission id, by name."""
    return {row["name"]: row["id"] for row in LocalFiles(data).registrations(FORM.name)[0]}


def rows(sheet: Path) -> list[tuple]:
    return list(load_workbook(sheet).active.iter_rows(values_only=True))


def test_the_sheet_lists_the_confirmed_attendees_by_class_then_name(data):
    written = write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    ids = registered(data)
    assert rows(written.sheet) == [
        tuple(SHEET),
        (1, code(ids["张三"]), "张三", 1996, 0, None),
        (2, code(ids["陈七"]), "陈七", 2006, 0, None),  # chen before wang
        (3, code(ids["王五"]), "王五", 2006, 1, None),
        (4, code(ids['=HYPERLINK("http://x")']), '=HYPERLINK("http://x")', None, 0, None),  # no class: last
    ]
    assert dict(written.left_out) == {"cancelled": 1, "rejected": 1, "waiting": 1}
    assert "确认参加 4 人，同行 1 人；未列入：已取消 1，候补 1，审核拒绝 1" in written.summary(data.parent)


def test_what_someone_typed_stays_text_in_the_sheet(data):
    written = write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    cell = load_workbook(written.sheet).active["C5"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_each_qr_code_reads_back_as_the_code_alone(data):
    written = write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    codes = [row[1] for row in rows(written.sheet)[1:]]
    read = {}
    for path in sorted(written.codes.glob("*.png")):
        [found] = zxingcpp.read_barcodes(Image.open(path))
        read[path.stem] = (found.text, found.format)
    assert read == {
        c: (c, zxingcpp.BarcodeFormat.QRCode) for c in codes
    }  # a full QR: phones read no Micro QR
    page = written.page.read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and all(c in page for c in codes) and "阿明" not in page


def test_a_code_no_longer_confirmed_loses_its_qr(data):
    first = write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    assert LocalInbox(data / "inbox").cancel(FORM, registered(data)["王五"])  # 阿明 moves up
    again = write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    assert sorted(p.stem for p in again.codes.glob("*.png")) == sorted(a.code for a in again.attendees)
    assert code(registered(data)["王五"]) not in {a.code for a in again.attendees}
    assert code(registered(data)["阿明"]) in {a.code for a in again.attendees} and first.sheet == again.sheet


def test_everything_is_written_owner_only_under_data_private(data):
    written = write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    assert written.folder == data / "private" / "checkin" / EVENT
    files = [written.sheet, written.page, *written.codes.iterdir()]
    folders = [data / "private", data / "private" / "checkin", written.folder, written.codes]
    assert {p.stat().st_mode & 0o777 for p in files} == {0o600}
    assert {p.stat().st_mode & 0o777 for p in folders} == {0o700}


def test_a_sealed_name_needs_the_office_key(data):
    inbox, sealer = LocalInbox(data / "inbox"), Sealer(RECIPIENT)
    values = {"event": EVENT, "name": sealer.seal("孙九"), "mobile": "13900001111", "consent": "yes"}
    sealed = inbox.append_counted(FORM, values, "event")[0]
    for name in ("王五", "张三"):  # so that 孙九 has a place
        assert LocalInbox(data / "inbox").cancel(FORM, registered(data)[name])
    with pytest.raises(ProblemsFound) as found:
        write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    assert [(p.field, p.value, p.kind) for p in found.value.problems] == [("name", sealed, "sealed")]
    assert "--identity" in found.value.problems[0].zh
    written = write_attendees(EVENT, data, LocalFiles(data), Opener(IDENTITY), ROOT / "theme")
    assert "孙九" in [row[2] for row in rows(written.sheet)]


def test_an_unknown_event_is_a_sentence(data):
    with pytest.raises(ProblemsFound) as found:
        write_attendees("dinner-2099", data, LocalFiles(data), None, ROOT / "theme")
    assert found.value.problems[0].sentence() == (
        "data/events.csv, 字段 id: “dinner-2099”没有这个编号的活动：请写 data/events.csv 的 id 列里的活动编号，如 homecoming-2027"
        " / there is no event with this id: give one of the ids in its id column, such as homecoming-2027"
    )
    assert not (data / "private" / "checkin").exists()


def test_the_review_branch_gives_the_same_attendees(data, git_daemon):
    remote = Remote(git_daemon.url)
    storage = GitInbox(remote)
    values = {"event": EVENT, "class_year": "2001", "mobile": "13900001111", "consent": "yes"}
    ids = [storage.append_counted(FORM, {**values, "name": name}, "event")[0] for name in ("甲", "乙", "丙")]
    assert storage.cancel(FORM, ids[1])
    written = write_attendees(EVENT, data, BranchFiles(Branch(remote)), None, ROOT / "theme")
    assert [(a.name, a.code) for a in written.attendees] == [("丙", code(ids[2])), ("甲", code(ids[0]))]


def test_invoke_attendees_says_what_went_wrong_without_a_traceback():
    result = subprocess.run([sys.executable, "-m", "invoke", "attendees", "no-such-event"], cwd=ROOT,
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "没有这个编号的活动" in result.stderr


def test_nothing_of_check_in_is_published(demo_site):
    """The volunteers' page, its script and the cards are the handler's and the office's, not the site's."""
    published = [
        p for p in demo_site.rglob("*") if "checkin" in p.name or p.name in ("sign-in.xlsx", "codes.html")
    ]
    pages = (p.read_text(encoding="utf-8") for p in demo_site.rglob("*.html"))
    assert published == [] and not any("志愿者密钥" in page or "checkin.js" in page for page in pages)
