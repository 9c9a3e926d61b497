"""Garbled text sent to the handler under gunicorn: refused, naming the field, and nothing already
stored is harmed; a storage the handler cannot read answers with a sentence, not a 500."""

from __future__ import annotations

import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest

from core.tables import read_records
from forms.checkin import code

EVENT = "uk-christmas-2026"  # open on the tests' day, with places (data/events.csv)
KEY = "volunteers-key-7d1e9b2c4a"
FORM = "event-registration"
GARBLED = ["王\ufffd", "锟斤拷", "鍖椾含", "CafÃ©"]


def send(
    url: str, path: str, data: dict | None = None, method: str = "POST", **headers: str
) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = json.dumps(data, ensure_ascii=False).encode() if data is not None else None
    connection.request(method, path, body, {"Content-Type": "application/json", "Accept": "application/json", **headers})  # fmt: skip
    response = connection.getresponse()
    answer = response.status, json.loads(response.read() or b"{}")
    connection.close()
    return answer


def registration(name: str) -> dict:
    return {"event": EVENT, "name": name, "mobile": "13900001111", "consent": "yes"}


@pytest.fixture
def door(start_handler):
    return start_handler(workers=1, FORMS_CHECKIN_KEY=KEY)


@pytest.mark.parametrize("value", GARBLED)
def test_a_garbled_value_is_refused_naming_the_field_and_the_rest_keeps_working(door, value):
    status, first = send(door.url, f"/api/forms/{FORM}", registration("林晓梅"))
    assert status == 201
    path = door.inbox / f"{FORM}-v1.csv"
    before = path.read_bytes()
    status, refused = send(door.url, f"/api/forms/{FORM}", registration(value))
    assert status == 422 and list(refused["errors"]) == ["name"]
    assert "乱码" in refused["errors"]["name"]["zh"] and "garbled" in refused["errors"]["name"]["en"]
    assert path.read_bytes() == before  # nothing stored, nothing rewritten
    assert send(door.url, f"/api/forms/{FORM}", registration("王芳"))[0] == 201
    assert send(door.url, f"/api/forms/{FORM}/status?id={first['id']}", method="GET")[0] == 200
    scan = {"code": code(first["id"]), "scan": uuid.uuid4().hex, "scanned": "2026-12-19T18:31:02Z"}
    checked = send(door.url, f"/api/forms/{FORM}/checkin", {"event": EVENT, "scans": [scan]},
                   Authorization=f"Bearer {KEY}")  # fmt: skip
    assert checked[0] == 200 and checked[1]["results"][0]["result"] == "arrived"
    assert send(door.url, f"/api/forms/{FORM}/cancel", {"id": first["id"]})[0] == 200
    assert [row["name"] for row in read_records(path)] == ["林晓梅", "王芳"]


def test_a_garbled_value_in_a_contact_message_is_refused_too(door):
    message = {"name": "王小明", "email": "wang@example.com", "subject": "问候", "message": "鍖椾含鏍″弸浼氬悇浣嶅ソ", "consent": "yes"}  # fmt: skip
    status, refused = send(door.url, "/api/forms/contact", message)
    assert status == 422 and list(refused["errors"]) == ["message"]
    assert not (door.inbox / "contact-v1.csv").exists()


def test_an_inbox_that_cannot_be_read_is_a_503_sentence_and_no_value_is_logged(door):
    status, first = send(door.url, f"/api/forms/{FORM}", registration("林晓梅"))
    with (door.inbox / f"{FORM}-v1.csv").open("ab") as file:
        file.write(b'"\xff\xff secret-value-in-file",x\n')  # bytes no encoding we accept can read
    for path, method, data in ((f"/api/forms/{FORM}", "POST", registration("王芳")),
                               (f"/api/forms/{FORM}/status?id={first['id']}", "GET", None),
                               (f"/api/forms/{FORM}/cancel", "POST", {"id": first["id"]})):  # fmt: skip
        status, answer = send(door.url, path, data, method)
        assert status == 503, (path, answer)
        assert answer["error"]["zh"] and answer["error"]["en"]
    status, answer = send(door.url, f"/api/forms/{FORM}/checkin", {"event": EVENT, "scans": []},
                          method="POST", Authorization=f"Bearer {KEY}")  # fmt: skip
    assert status == 503
    log = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in door.inbox.parent.glob("gunicorn-*.log")
    )
    assert "secret-value-in-file" not in log and "Traceback" not in log and "王芳" not in log
