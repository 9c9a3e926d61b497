"""What a killed or stuck writer leaves in the local inbox neither corrupts nor blocks the next.

kill -9 can stop a write() part-way (the kernel checks for it between pages: 12 of 20 kills of
a process writing 4 MB at a time left a part), so an inbox file can end in half a row. The
rows appended after it must still be read back whole and counted, the half row must not be
read as a submission, and a file another process holds locked gets a 503, not a wait forever.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.serving import make_server

from core import tables
from core.definitions import load_forms
from core.events import midday
from forms.app import HandlerSettings, create_app
from forms.inbox import GroupCommit, LocalInbox, header, new_row
from forms.photos import Photo
from tests.forms.test_places import CAPACITY, EVENT, FORM, filled, register
from tests.support import BUILD_DATE, ROOT

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


def test_a_row_cut_inside_its_last_cell_where_a_page_ends_is_cut_off(tmp_path):
    # A kill stops a write where a page of the file ends: cut inside its last cell (consent,
    # "yes"), half a row read whole, and was taken for a submission with "ye".
    path = tmp_path / "contact-v1.csv"
    LocalInbox(tmp_path).append(CONTACT, MESSAGE)
    _, cut = new_row(CONTACT, {**MESSAGE, "message": "正文", "subject": "被切"})
    _, one = new_row(CONTACT, {**MESSAGE, "message": "x", "subject": "填充"})
    pad = -(path.stat().st_size + len(one) + len(cut) - 2) % 4096  # so the cut ends a page
    _, filler = new_row(CONTACT, {**MESSAGE, "message": "x" * (1 + pad), "subject": "填充"})
    with path.open("ab") as file:
        file.write(filler + cut[:-2])
    assert path.stat().st_size % 4096 == 0 and cut[:-2].endswith(b",ye")
    LocalInbox(tmp_path).append(CONTACT, {**MESSAGE, "subject": "后来"})
    assert [row["subject"] for row in tables.read_records(path)] == ["问候", "填充", "后来"]


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


def test_submissions_behind_a_write_that_never_returns_are_answered():
    # A disk that hangs in fsync holds the thread writing the batch for ever; the threads queued
    # behind it waited for ever too, each holding one of the worker's threads.
    hung, flushed = threading.Event(), []

    def flush(items):
        flushed.append(items)
        if items == ["first"]:
            hung.wait(10)

    rows = GroupCommit(flush, seconds=0.2)
    first = threading.Thread(target=rows.submit, args=["first"])
    first.start()
    while not flushed:
        time.sleep(0.005)
    with ThreadPoolExecutor(2) as pool:
        waiting = [pool.submit(rows.submit, item) for item in ("second", "third")]
        for future in waiting:
            with pytest.raises(TimeoutError):
                future.result(timeout=5)
    hung.set()
    first.join()
    rows.submit("after")  # the queue left behind is empty, and the turn free
    assert flushed == [["first"], ["after"]]


@contextlib.contextmanager
def held(path: Path) -> Iterator[None]:
    """Another process holding a file's lock, as a writer stopped or stuck mid-write would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = "import fcntl, sys\nf = open(sys.argv[1], 'ab')\nfcntl.flock(f, fcntl.LOCK_EX)\nprint(flush=True)\nsys.stdin.read()"
    process = subprocess.Popen([sys.executable, "-c", holder, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, start_new_session=True)  # fmt: skip
    try:
        process.stdout.readline()
        yield
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def post(url: str, path: str, fields: dict[str, str]) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)  # not forever
    try:
        connection.request("POST", path, urlencode(fields),
                           {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})  # fmt: skip
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.fixture
def quick(tmp_path) -> Iterator[str]:
    """The handler on 127.0.0.1 over a local inbox that waits 0.3 s for a lock, not 10."""
    settings = HandlerSettings(storage=LocalInbox(tmp_path / "inbox", lock_seconds=0.3), rate_per_minute=0,
                               events_csv=ROOT / "data" / "events.csv", now=lambda: midday(datetime.date.fromisoformat(BUILD_DATE)))  # fmt: skip
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.parametrize("form", ["contact", "event-registration"])
def test_an_inbox_file_a_stuck_writer_holds_locked_is_a_503_then_taken_when_it_lets_go(quick, tmp_path, form):
    fields = ({**MESSAGE, "message": "你好"} if form == "contact"
              else {"event": EVENT, "name": "林晓梅", "mobile": "13900001111", "consent": "yes"})  # fmt: skip
    with held(tmp_path / "inbox" / f"{form}-v1.csv"):
        started = time.monotonic()
        status, answer = post(quick, f"/api/forms/{form}", fields)
        assert time.monotonic() - started < 2
    assert status == 503 and answer["error"]["zh"] and answer["error"]["en"]
    status, answer = post(quick, f"/api/forms/{form}", fields)
    assert status == 201
    rows = tables.read_records(tmp_path / "inbox" / f"{form}-v1.csv")
    assert [row["id"] for row in rows] == [answer["id"]]


def test_a_cancellation_file_a_stuck_writer_holds_locked_is_a_503(quick, tmp_path):
    _, registered = post(quick, "/api/forms/event-registration",
                         {"event": EVENT, "name": "林晓梅", "mobile": "13900001111", "consent": "yes"})  # fmt: skip
    with held(tmp_path / "inbox" / "event-registration-cancelled.csv"):
        assert post(quick, "/api/forms/event-registration/cancel", {"id": registered["id"]})[0] == 503
    assert (
        post(quick, "/api/forms/event-registration/cancel", {"id": registered["id"]})[1]["place"]
        == "cancelled"
    )


STUCK_WRITING_PHOTOS = """
import sys, time
from pathlib import Path
from core.definitions import load_forms
from forms import inbox
from forms.photos import Photo

def stuck(folder):
    print(flush=True)  # the photos are written, not yet in place: now the kill
    time.sleep(60)

inbox._fsync_directory = stuck
note = load_forms(Path("forms"))["class-note"]
inbox.LocalInbox(Path(sys.argv[1])).append(note, {"title": "聚会"}, photos=[Photo("1.jpg", b"first", 4, 3)],
                                           submission_id=sys.argv[2])
"""
NOTE = FORMS["class-note"]


def test_a_submission_sent_again_after_its_worker_was_killed_writing_its_photos_is_stored(tmp_path):
    attempt = uuid.uuid4().hex
    worker = subprocess.Popen([sys.executable, "-c", STUCK_WRITING_PHOTOS, str(tmp_path), attempt], cwd=ROOT,
                              stdout=subprocess.PIPE, start_new_session=True)  # fmt: skip
    try:
        worker.stdout.readline()
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    photo = Photo("1.jpg", b"again", 4, 3)
    assert (
        LocalInbox(tmp_path).append(NOTE, {"title": "聚会"}, photos=[photo], submission_id=attempt) == attempt
    )
    assert [p.read_bytes() for p in (tmp_path / "photos" / attempt).iterdir()] == [b"again"]


def test_the_same_submission_sent_twice_at_once_with_photos_is_stored_with_them(tmp_path):
    inbox = LocalInbox(tmp_path)
    photos = [Photo(f"{n}.jpg", bytes([n]) * 50_000, 4, 3) for n in (1, 2, 3)]

    def send(attempt: str, start: threading.Barrier) -> str:
        start.wait()
        return inbox.append(NOTE, {"title": "聚会"}, photos=photos, submission_id=attempt)

    for _ in range(10):
        attempt, start = uuid.uuid4().hex, threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(send, [attempt] * 2, [start] * 2)) == [attempt, attempt]
        stored = tmp_path / "photos" / attempt
        assert [(stored / p.name).read_bytes() for p in photos] == [p.data for p in photos]
    assert not [p for p in (tmp_path / "photos").iterdir() if p.name.startswith(".")]
