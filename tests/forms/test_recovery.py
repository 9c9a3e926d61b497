"""What a killed or stuck writer leaves in the local inbox neither corrupts nor blocks the next.

kill -9 can stop a write() part-way (the kernel checks for it between pages: 12 of 20 kills of
a process writing 4 MB at a time left a part), so an inbox file can end in half a row. The
rows appended after it must still be read back whole and counted, and the half row must not be
read as a submission.
"""

from __future__ import annotations

from core import tables
from core.definitions import load_forms
from forms.inbox import LocalInbox, header, new_row
from tests.forms.test_places import CAPACITY, EVENT, FORM, filled, register
from tests.support import ROOT

FORMS = load_forms(ROOT / "forms", [(EVENT, None)])
CONTACT = FORMS["contact"]
MESSAGE = {"name": "校友", "email": "a@example.com", "subject": "问候", "consent": "yes",
           "message": "第一行，含逗号, 和引号\"\n第二行"}  # fmt: skip


def torn(form, values: dict[str, str]) -> bytes:
    """The part of a row a writer killed mid-write leaves: cut inside its quoted field."""
    _, row = new_row(form, values)
    return row[: row.index(b'"') + 4]


def test_rows_after_a_row_torn_by_a_kill_are_read_back_whole(tmp_path):
    inbox = LocalInbox(tmp_path)
    first = inbox.append(CONTACT, MESSAGE)
    with (tmp_path / "contact-v1.csv").open("ab") as file:
        file.write(torn(CONTACT, MESSAGE))
    after = [LocalInbox(tmp_path).append(CONTACT, {**MESSAGE, "subject": f"后来{n}"}) for n in range(3)]
    rows = tables.read_records(tmp_path / "contact-v1.csv")
    assert [row["id"] for row in rows] == [first, *after]
    assert {row["message"] for row in rows} == {MESSAGE["message"]}  # each whole, none run on


def test_a_row_saved_whole_without_its_line_end_is_kept(tmp_path):
    _, row = new_row(CONTACT, MESSAGE)
    (tmp_path / "contact-v1.csv").write_bytes(header(CONTACT) + row.removesuffix(b"\n"))
    LocalInbox(tmp_path).append(CONTACT, {**MESSAGE, "subject": "后来"})
    rows = tables.read_records(tmp_path / "contact-v1.csv")
    assert [row["subject"] for row in rows] == ["问候", "后来"]


def test_a_registration_torn_by_a_kill_gives_no_place_twice(start_handler, tmp_path):
    inbox = tmp_path / "inbox"
    filled(inbox, CAPACITY - 2)
    with (inbox / "event-registration-v1.csv").open("ab") as file:
        file.write(
            torn(FORM, {"event": EVENT, "name": "林, 晓梅", "mobile": "13900001111", "consent": "yes"})
        )
    handler = start_handler(workers=1)
    places = [register(handler.url, f"后来{n}")[1]["place"] for n in range(4)]
    assert places == ["registered", "registered", "waiting", "waiting"]
    rows, _ = LocalInbox(inbox).registrations(FORM)
    assert len(rows) == CAPACITY + 2 and rows[-1]["name"] == "后来3"


def test_a_start_cuts_off_the_half_row_a_killed_worker_left(start_handler, tmp_path):
    inbox = tmp_path / "inbox"
    kept = LocalInbox(inbox).append(CONTACT, MESSAGE)
    with (inbox / "contact-v1.csv").open("ab") as file:
        file.write(torn(CONTACT, MESSAGE))
    start_handler(workers=1)  # what the review reads once a worker is back, before any new row
    assert [row["id"] for row in tables.read_records(inbox / "contact-v1.csv")] == [kept]


def test_a_cancellation_after_a_torn_one_is_read_back(tmp_path):
    path = tmp_path / "event-registration-cancelled.csv"
    tables.append_row(path, ["id", "cancelled"], ["a" * 32, "2026-11-01T00:00:00+00:00"])
    with path.open("ab") as file:
        file.write(b"b" * 20)  # half an id
    tables.append_row(path, ["id", "cancelled"], ["c" * 32, "2026-11-02T00:00:00+00:00"])
    assert [row["id"] for row in tables.read_records(path)] == ["a" * 32, "c" * 32]
