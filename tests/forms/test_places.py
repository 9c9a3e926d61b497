"""Places at an event with a capacity, under gunicorn: counted from storage, never more than the
capacity, a waiting list in order, a cancellation moving the first up, and nothing lost to kill -9."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
from urllib.parse import urlencode, urlsplit

from core.definitions import load_forms
from forms.inbox import LocalInbox
from tests.support import ROOT

EVENT, CAPACITY = "uk-christmas-2026", 50  # data/events.csv
FORM = load_forms(ROOT / "forms", [(EVENT, None)])["event-registration"]


def register(url: str, name: str, timeout: float = 30) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    body = urlencode({"event": EVENT, "name": name, "mobile": "13900001111", "consent": "yes"})
    connection.request("POST", "/api/forms/event-registration", body,
                       {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})  # fmt: skip
    response = connection.getresponse()
    answer = response.status, json.loads(response.read() or b"{}")
    connection.close()
    return answer


def look(url: str, path: str, method: str = "GET", body: str | None = None) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    answer = response.status, json.loads(response.read() or b"{}")
    connection.close()
    return answer


def filled(inbox, count: int) -> None:
    """count registrations already taken, as the inbox holds them."""
    storage = LocalInbox(inbox)
    for number in range(count):
        storage.append_counted(
            FORM,
            {"event": EVENT, "name": f"早到{number}", "mobile": "13900000000", "consent": "yes"},
            "event",
        )


def test_sixty_four_at_once_for_the_last_ten_places(start_handler, tmp_path):
    handler = start_handler(workers=2, threads=16)
    filled(handler.inbox, CAPACITY - 10)
    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(lambda n: register(handler.url, f"校友{n}"), range(64)))
    assert {status for status, _ in answers} == {201}
    places = [answer["place"] for _, answer in answers]
    assert places.count("registered") == 10 and places.count("waiting") == 54
    assert sorted(answer["waiting"] for _, answer in answers if answer["place"] == "waiting") == list(
        range(1, 55)
    )
    rows, cancelled = LocalInbox(handler.inbox).registrations(FORM)
    assert len(rows) == CAPACITY + 54 and not cancelled  # none lost


def test_a_cancellation_moves_the_first_on_the_list_up(start_handler):
    handler = start_handler(workers=1)
    filled(handler.inbox, CAPACITY)
    _, first = register(handler.url, "候补甲")
    _, second = register(handler.url, "候补乙")
    assert (first["place"], first["waiting"], second["waiting"]) == ("waiting", 1, 2)
    rows, _ = LocalInbox(handler.inbox).registrations(FORM)
    status, cancelled = look(
        handler.url, "/api/forms/event-registration/cancel", "POST", urlencode({"id": rows[0]["id"]})
    )
    assert (status, cancelled["place"]) == (200, "cancelled")
    assert look(handler.url, first["status"])[1]["place"] == "registered"
    assert look(handler.url, second["status"])[1] == {
        **look(handler.url, second["status"])[1],
        "place": "waiting",
        "waiting": 1,
    }
    again = look(
        handler.url, "/api/forms/event-registration/cancel", "POST", urlencode({"id": rows[0]["id"]})
    )
    assert again[1]["place"] == "cancelled" and look(handler.url, first["status"])[1]["place"] == "registered"


def test_no_place_is_given_twice_when_the_server_is_killed_midway(start_handler):
    handler = start_handler(workers=2, threads=8)
    filled(handler.inbox, CAPACITY - 10)
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        pending = [pool.submit(register, handler.url, f"校友{n}", 10) for n in range(32)]
        concurrent.futures.wait(pending[:8])
        handler.kill()  # kill -9 of the server and its workers, answers in flight lost
        answered = [f.result() for f in pending if f.exception() is None]
    restarted = start_handler(workers=1, FORMS_INBOX=str(handler.inbox))
    rows, _ = LocalInbox(handler.inbox).registrations(FORM)
    stored = {row["id"] for row in rows}
    acknowledged = [answer for status, answer in answered if status == 201]
    assert {answer["id"] for answer in acknowledged} <= stored  # nothing acknowledged is lost
    registered = [a for a in acknowledged if a["place"] == "registered"]
    assert len(registered) <= 10
    for answer in acknowledged:  # what each was told still holds after the restart
        assert look(restarted.url, answer["status"])[1]["place"] == answer["place"]
    after = [register(restarted.url, f"后来{n}")[1] for n in range(3)]
    assert (
        sum(look(restarted.url, a["status"])[1]["place"] == "registered" for a in [*acknowledged, *after])
        <= 10
    )


def test_a_stranger_cannot_look_up_or_cancel_what_is_not_there(start_handler):
    handler = start_handler(workers=1)
    assert look(handler.url, "/api/forms/event-registration/status?id=" + "0" * 32)[0] == 404
    assert look(handler.url, "/api/forms/event-registration/status?id=../../etc")[0] == 404
    assert (
        look(handler.url, "/api/forms/event-registration/cancel", "POST", urlencode({"id": "f" * 32}))[0]
        == 404
    )
    assert look(handler.url, "/api/forms/event-registration/cancel")[0] == 405


def test_status_and_cancel_are_only_for_forms_with_events(start_handler):
    handler = start_handler(workers=1)
    answer = look(handler.url, "/api/forms/contact", "POST",
                  urlencode({"name": "林", "email": "lin@example.com", "subject": "问候", "message": "老师好", "consent": "yes"}))  # fmt: skip
    contact = answer[1]["id"]
    assert look(handler.url, f"/api/forms/contact/status?id={contact}")[0] == 404
    assert look(handler.url, "/api/forms/contact/cancel", "POST", urlencode({"id": contact}))[0] == 404
    assert sorted(p.name for p in handler.inbox.iterdir()) == ["contact-v1.csv"]  # no contact-cancelled.csv


def test_looking_up_counts_in_the_rate_limit(start_handler):
    handler = start_handler(workers=1, FORMS_RATE_PER_MINUTE="60", FORMS_RATE_BURST="3")
    _, first = register(handler.url, "林晓梅")
    answers = [look(handler.url, first["status"])[0] for _ in range(3)]  # the registration took a token
    answers.append(
        look(handler.url, "/api/forms/event-registration/cancel", "POST", urlencode({"id": first["id"]}))[0]
    )
    assert answers == [200, 200, 429, 429]
