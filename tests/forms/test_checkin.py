"""Check-in at the door through the handler under gunicorn: each registration counted once however
often, from however many phones, its code is sent; answers without names; the volunteers' key."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import re
import uuid
from urllib.parse import urlsplit

import pytest

from core.definitions import load_forms
from core.problems import ProblemsFound
from core.tables import read_records
from forms.app import settings_from_env
from forms.checkin import code, normalise
from forms.gitinbox import GitInbox, Remote
from forms.inbox import LocalInbox
from tests.servers import launch, stop
from tests.support import ROOT

EVENT, CAPACITY = "uk-christmas-2026", 50  # data/events.csv
KEY = "volunteers-key-7d1e9b2c4a"
FORM = load_forms(ROOT / "forms", [(EVENT, None)])["event-registration"]
ARRIVALS = "event-registration-arrived.csv"


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    """One handler with check-in open, for the module; each test registers people of its own."""
    running = launch(tmp_path_factory.mktemp("door"), workers=2, threads=8, FORMS_CHECKIN_KEY=KEY)
    yield running
    stop(running)


def register(inbox, count: int, event: str = EVENT, guests: str = "") -> list[str]:
    storage = LocalInbox(inbox)
    values = {"event": event, "name": "林晓梅", "mobile": "13900000000", "guests": guests, "consent": "yes"}
    return [storage.append_counted(FORM, values, "event")[0] for _ in range(count)]


def scan(text: str) -> dict:
    return {"code": text, "scan": uuid.uuid4().hex, "scanned": "2026-12-19T18:31:02.000Z"}


def sync(url: str, scans: list[dict], key: str | None = KEY, event: str = EVENT) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    connection.request("POST", "/api/forms/event-registration/checkin", json.dumps({"event": event, "scans": scans}), headers)  # fmt: skip
    response = connection.getresponse()
    answer = response.status, json.loads(response.read())
    connection.close()
    return answer


def results(answer: dict) -> list[tuple[str, str]]:
    return [(r["code"], r["result"]) for r in answer["results"]]


def test_the_same_code_scanned_twice_counts_once_and_says_so(door):
    [first] = register(door.inbox, 1, guests="2")
    status, once = sync(door.url, [scan(code(first))])
    status_again, twice = sync(door.url, [scan(code(first).lower().replace("-", " "))])
    assert (status, status_again) == (200, 200)
    assert results(once) == [(code(first), "arrived")] and results(twice) == [(code(first), "already")]
    assert once["results"][0]["guests"] == twice["results"][0]["guests"] == 2
    assert twice["results"][0]["arrived"] == "2026-12-19T18:31:02+00:00"  # when it first arrived
    assert twice["arrived"] == once["arrived"]
    assert [row["id"] for row in read_records(door.inbox / ARRIVALS)].count(first) == 1


def test_a_queue_sent_again_after_a_lost_answer_is_counted_once(door):
    ids = register(door.inbox, 3)
    queue = [scan(code(i)) for i in ids]
    _, sent = sync(door.url, queue)
    _, resent = sync(door.url, queue)  # the phone never heard the first answer
    assert [r for _, r in results(sent)] == [r for _, r in results(resent)] == ["arrived"] * 3
    assert resent["arrived"] == sent["arrived"]
    assert sorted(row["id"] for row in read_records(door.inbox / ARRIVALS) if row["id"] in ids) == sorted(ids)


def test_phones_syncing_the_same_code_at_once_count_it_once(door):
    [person] = register(door.inbox, 1)
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: sync(door.url, [scan(code(person))]), range(12)))
    said = sorted(answer["results"][0]["result"] for _, answer in answers)
    assert said == ["already"] * 11 + ["arrived"]
    assert [row["id"] for row in read_records(door.inbox / ARRIVALS)].count(person) == 1


def test_only_a_place_at_this_event_checks_in(door):
    picnic = "north-america-picnic-2027"  # 80 places
    filled = register(door.inbox, 82, event=picnic)
    assert LocalInbox(door.inbox).cancel(FORM, filled[0])  # the first on the list moves up
    [elsewhere] = register(door.inbox, 1)
    scans = [scan(code(i)) for i in (filled[-1], filled[0], elsewhere, filled[-2])] + [
        scan("ZZZZ-ZZZZ"),
        scan("你好"),
    ]
    _, answer = sync(door.url, scans, event=picnic)
    assert [r for _, r in results(answer)] == [
        "waiting",
        "cancelled",
        "elsewhere",
        "arrived",
        "unknown",
        "unknown",
    ]
    assert (answer["arrived"], answer["expected"]) == (1, 80)
    arrived = {row["id"] for row in read_records(door.inbox / ARRIVALS)}
    assert filled[-2] in arrived and not {filled[-1], filled[0], elsewhere} & arrived


def test_answers_name_no_one(door):
    register(door.inbox, 1)
    _, answer = sync(door.url, [scan("ZZZZ-ZZZZ")])
    assert set(answer) == {"event", "results", "arrived", "expected"}
    assert set(answer["results"][0]) == {"code", "scan", "result", "guests", "arrived"}
    assert "林晓梅" not in json.dumps(answer, ensure_ascii=False)


def test_without_the_volunteers_key_nothing_is_marked(door):
    [person] = register(door.inbox, 1)
    for key in (None, "wrong-key-of-the-right-length"):
        status, answer = sync(door.url, [scan(code(person))], key=key)
        assert status == 401
        assert answer["error"]["zh"] == "志愿者密钥不对：请向活动主办方要本次签到的密钥"
    assert person not in {row["id"] for row in read_records(door.inbox / ARRIVALS)}


def test_the_page_is_served_by_the_handler_without_names(door):
    register(door.inbox, 1)
    parts = urlsplit(door.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    for path, status in ((f"/api/forms/event-registration/checkin?event={EVENT}", 200),
                         ("/api/forms/event-registration/checkin.js", 200),
                         ("/api/forms/event-registration/checkin?event=no-such-event", 404),
                         ("/api/forms/contact/checkin", 404)):  # fmt: skip
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode()
        assert response.status == status, path
        assert "林晓梅" not in body and "13900000000" not in body
    connection.close()


def test_check_in_is_closed_without_a_key(start_handler):
    handler = start_handler(workers=1)
    [person] = register(handler.inbox, 1)
    assert sync(handler.url, [scan(code(person))])[0] == 404


def test_a_short_key_stops_the_start_with_a_sentence():
    with pytest.raises(ProblemsFound) as found:
        settings_from_env({"FORMS_CHECKIN_KEY": "1234"})
    assert [p.sentence() for p in found.value.problems] == [
        "FORMS_CHECKIN_KEY: 太短，志愿者密钥至少要 16 个字符：请换一串更长的随机文字"
        " / is too short: the volunteers' key needs at least 16 characters; set a longer random one"
    ]


def test_a_code_is_read_as_people_type_it():
    assert normalise("7k3m 9qxr") == normalise("7K3M-9QXR") == "7K3M-9QXR"
    assert normalise("OIL0-0000") == "0110-0000"  # O, I and L are not in codes: read as 0, 1, 1
    assert normalise("7K3M-9QX") is None and normalise("7K3M-9QXU") is None
    assert len({code(uuid.uuid4().hex) for _ in range(2000)}) == 2000


def test_instances_marking_arrivals_at_once_on_the_branch_count_each_once(git_daemon):
    """Function instances, each with its own copy of the review branch, mark the same arrivals:
    compare-and-swap on the tip keeps one row per registration."""
    row = {"event": EVENT, "name": "校友", "mobile": "13900001111", "consent": "yes"}
    ids = [GitInbox(Remote(git_daemon.url)).append_counted(FORM, row, "event")[0] for _ in range(3)]

    def instance(number: int) -> list[dict[str, str]]:
        marks = [[i, f"{number:032x}", ""] for i in ids]
        return GitInbox(Remote(git_daemon.url, tries=50, seconds=60)).arrive(FORM, marks)

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        seen = list(pool.map(instance, range(6)))
    stored = git_daemon.rows(ARRIVALS)
    assert sorted(r["id"] for r in stored) == sorted(ids)
    assert all(rows == stored for rows in seen)  # every instance is told the same first arrivals
    assert GitInbox(Remote(git_daemon.url)).registrations(FORM)[0][0]["id"] == ids[0]
    assert all(re.fullmatch(r"Record [0-9]+ arrivals?: event-registration [0-9]+", m)
               for m in git_daemon.git("log", "--format=%s", "-n", "1", "submissions").splitlines())  # fmt: skip


def test_a_phone_clock_out_of_range_does_not_block_its_queue(door):
    ids = register(door.inbox, 3)
    times = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00", "2026-12-19T18:31:02Z"]
    queue = [{**scan(code(i)), "scanned": when} for i, when in zip(ids, times, strict=True)]
    status, answer = sync(door.url, queue)
    assert status == 200 and [result for _, result in results(answer)] == ["arrived"] * 3
    recorded = {row["id"]: row["scanned"] for row in read_records(door.inbox / ARRIVALS)}
    assert [recorded[i] for i in ids] == ["", "", "2026-12-19T18:31:02+00:00"]  # taken with no time
