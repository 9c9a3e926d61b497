"""An event's confirmed attendees for the door: the sign-in sheet, a QR code each, a page to print.

`invoke attendees EVENT` writes them under data/private/checkin/<event>/, owner-only, never
published: sign-in.xlsx (sorted by class, then name in pinyin order), qr/<code>.png, and
codes.html (a card per attendee: the QR, the code, the name, to cut out and hand over). The
attendees are the registrations with a place, counted as the handler counts them
(forms/places.py), less those cancelled since and those an editor rejected in the review. Each
QR holds the attendee's check-in code (forms/checkin.py), never a name: the volunteers' page
sends the code, and the handler finds the registration without knowing who it is.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core import files, tables
from core.problems import Problem, ProblemsFound
from core.sealing import Opener, Unreadable, is_sealed
from core.translations import page_environment
from forms.checkin import code
from forms.inbox import Inbox
from forms.places import capacity_of, places

REGISTRATION = "event-registration"  # the form people register for events with
SHEET = ["序号 No.", "签到码 Code", "姓名 Name", "年级 Class", "同行 Guests", "签名 Signature"]
_WIDTHS = [7, 13, 18, 9, 9, 30]
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Attendee:
    """One confirmed place, as the door needs it."""

    code: str
    name: str
    class_year: str
    guests: int
    submission: str


@dataclass
class Written:
    """What `invoke attendees` wrote, and who was left out and why (counts only)."""

    event: str
    title: str
    attendees: list[Attendee]
    folder: Path
    left_out: collections.Counter[str] = field(default_factory=collections.Counter)  # why, how many

    @property
    def sheet(self) -> Path:
        return self.folder / "sign-in.xlsx"

    @property
    def page(self) -> Path:
        return self.folder / "codes.html"

    @property
    def codes(self) -> Path:
        return self.folder / "qr"

    def summary(self, root: Path) -> str:
        """What the task prints: how many, how many guests, who was left out, and where the files are."""
        guests = sum(a.guests for a in self.attendees)
        out = self.left_out
        where = self.folder.relative_to(root) if self.folder.is_relative_to(root) else self.folder
        return (
            f"{self.title}：确认参加 {len(self.attendees)} 人，同行 {guests} 人；未列入：已取消 {out['cancelled']}，"
            f"候补 {out['waiting']}，审核拒绝 {out['rejected']}\n"
            f"{self.title}: {len(self.attendees)} confirmed, {guests} guests; left out: {out['cancelled']} cancelled, "
            f"{out['waiting']} waiting, {out['rejected']} rejected\n"
            f"签到表 / sign-in sheet: {where}/sign-in.xlsx\n"
            f"二维码 / QR codes: {where}/qr/ ({len(self.attendees)})，打印页 / to print: {where}/codes.html"
        )


def write_attendees(event: str, data: Path, inbox: Inbox, opener: Opener | None, theme_dir: Path) -> Written:
    """Find the event's confirmed attendees and write the sheet, the QR codes and the page."""
    row = event_row(data / "events.csv", event)
    attendees, left_out = confirmed(row, inbox, opener)
    written = Written(event, row["title"], attendees, data / "private" / "checkin" / event, left_out)
    for folder in (data / "private", written.folder.parent, written.folder, written.codes):
        folder.mkdir(mode=0o700, exist_ok=True)  # owner-only all the way, as data/private/ is
    write_sheet(written.sheet, written)
    write_codes(written.codes, attendees)
    write_page(written.page, theme_dir, row, written)
    return written


def event_row(path: Path, event: str) -> dict[str, str]:
    """The event's row of data/events.csv; a sentence if there is none with that id."""
    rows = tables.read_records(path, "data/events.csv")
    row = next((r for r in rows if r.get("id") == event), None) if _ID.fullmatch(event) else None
    if row is None:
        raise ProblemsFound([Problem("data/events.csv", "没有这个编号的活动：请写 data/events.csv 的 id 列里的活动编号，如 homecoming-2027",
                                     "there is no event with this id: give one of the ids in its id column, such as homecoming-2027",
                                     field="id", value=event, kind="attendees")])  # fmt: skip
    return row


def confirmed(
    event: Mapping[str, str], inbox: Inbox, opener: Opener | None
) -> tuple[list[Attendee], collections.Counter[str]]:
    """The event's registrations with a place (the handler's count: in the order storage took
    them, less cancellations), less those rejected in the review, sorted for the sheet."""
    rows, cancelled = inbox.registrations(REGISTRATION)
    standing = places(rows, cancelled, event["id"], capacity_of(event))
    rejected = {
        d["submission"]
        for d in inbox.decisions()
        if d.get("form") == REGISTRATION and d.get("decision") == "rejected"
    }
    attendees, left_out = [], collections.Counter()
    for row in rows:
        place = standing.get(row["id"])
        if place is None:
            continue  # another event's
        if place.kind != "registered":
            left_out[place.kind] += 1
        elif row["id"] in rejected:
            left_out["rejected"] += 1
        else:
            attendees.append(_attendee(row, opener))
    return sorted(attendees, key=_order), left_out


def _attendee(row: Mapping[str, str], opener: Opener | None) -> Attendee:
    """The row's values the door needs, opened if the handler sealed them (the mobile is not needed)."""
    values = {}
    for name in ("name", "class_year", "guests"):
        cell = row.get(name, "")
        if is_sealed(cell):
            if opener is None:
                raise ProblemsFound([Problem(REGISTRATION, "私密字段已加密，需要办公室的私钥：请用 --identity 或环境变量 FORMS_AGE_IDENTITY 指定私钥文件 office.agekey",
                                             "private fields are sealed and need the office's private key: give the key file office.agekey with --identity or FORMS_AGE_IDENTITY",
                                             field=name, value=row["id"], kind="sealed")])  # fmt: skip
            try:
                cell = opener.open(cell)
            except Unreadable as unreadable:
                raise ProblemsFound([Problem(REGISTRATION, unreadable.zh, unreadable.en, field=name, value=row["id"], kind="sealed")]) from None  # fmt: skip
        values[name] = cell.strip()
    guests = int(values["guests"]) if values["guests"].isdigit() else 0
    return Attendee(code(row["id"]), values["name"], values["class_year"], guests, row["id"])


def _order(attendee: Attendee) -> tuple:
    """By class (year entered; none last), then by name in pinyin order, as people look for theirs."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a moment to load

    year = int(attendee.class_year) if attendee.class_year.isdigit() else 10_000
    return year, lazy_pinyin(attendee.name, style=Style.TONE3), attendee.name, attendee.code


def write_sheet(path: Path, written: Written) -> None:
    """The sign-in sheet: a row per attendee with a blank cell to sign, the header repeated on
    every printed page, the event's title above and the totals below."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "签到表 Sign-in"
    sheet.append(SHEET)
    for number, attendee in enumerate(written.attendees, start=1):
        year = int(attendee.class_year) if attendee.class_year.isdigit() else attendee.class_year or None
        sheet.append([number, attendee.code, attendee.name, year, attendee.guests, None])
    line = Side(style="thin", color="888888")
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # what someone typed is text, never a formula
            cell.border = Border(top=line, bottom=line, left=line, right=line)
            cell.alignment = Alignment(vertical="center")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="E7E5E4")
    for index, width in enumerate(_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for number in range(2, sheet.max_row + 1):
        sheet.row_dimensions[number].height = 28  # room to sign
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    title = written.title.replace("&", "&&")  # & starts a code in a printed header
    sheet.oddHeader.center.text = f"{title} 签到表 / Sign-in sheet"
    guests = sum(a.guests for a in written.attendees)
    sheet.oddFooter.left.text = f"{len(written.attendees)} 人 / attendees, 同行 {guests} 人 / guests"
    sheet.oddFooter.right.text = "&P / &N"
    workbook.properties.title = f"{written.title} 签到表"
    with files.replacing(path) as out:
        workbook.save(out)


def write_codes(folder: Path, attendees: list[Attendee]) -> None:
    """qr/<code>.png for each attendee, holding the code alone; codes no longer confirmed are removed."""
    import segno

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    wanted = {f"{a.code}.png" for a in attendees}
    for attendee in attendees:
        with files.replacing(folder / f"{attendee.code}.png") as out:
            _qr(attendee.code, segno).save(out, kind="png", scale=10, border=4)
    for old in folder.glob("*.png"):
        if old.name not in wanted:  # cancelled or rejected since the last run: no badge for it
            old.unlink()


def write_page(path: Path, theme_dir: Path, event: Mapping[str, str], written: Written) -> None:
    """codes.html: a card per attendee (QR, code, name, class, guests) to print on A4 and cut out."""
    import segno

    cards = [
        (a, _qr(a.code, segno).svg_inline(border=2, title=a.code, omitsize=True)) for a in written.attendees
    ]
    page = (
        page_environment(theme_dir, "zh").get_template("checkin_codes.html").render(event=event, cards=cards)
    )
    with files.replacing(path) as out:
        out.write(page.encode("utf-8"))


def _qr(text: str, segno):
    """A full QR code (never a Micro QR, which phones' cameras do not read), quartile error
    correction so a creased or smudged badge still reads."""
    return segno.make_qr(text, error="q")
