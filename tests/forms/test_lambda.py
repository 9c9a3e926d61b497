"""The Lambda entry points, invoked with real API Gateway v1 and v2 event JSON and a schedule's event."""

import base64
import email
import email.policy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from core.sealing import Opener, generate_keypair
from core.tables import read_records
from tests.support import BUILD_DATE, ROOT, free_port, multipart, photo_file

EVENTS = Path(__file__).parent / "events"
INVOKE = "import json, sys; from forms import lambda_function; print(json.dumps(getattr(lambda_function, sys.argv[1])(json.load(sys.stdin), None)))"
IDENTITY, RECIPIENT = generate_keypair()


def cold_start(event: dict, inbox: Path, entry: str = "handler", **env: str) -> subprocess.CompletedProcess:
    """A cold start in a fresh process, with the function's environment, as Lambda runs it."""
    env = {**os.environ, "FORMS_INBOX": str(inbox), "FORMS_TODAY": BUILD_DATE, "FORMS_TRUST_FORWARDED_FOR": "1",
           "FORMS_ALLOWED_ORIGINS": "https://alumni.example.org", "FORMS_SITE_URL": "https://alumni.example.org", **env}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-c", INVOKE, entry],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def invoke(event: dict, inbox: Path, entry: str = "handler", **env: str) -> dict:
    result = cold_start(event, inbox, entry, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def invoke_all(events: list, inbox: Path, **env: str) -> list[dict]:
    """Several events through one warm function instance (one process), in order."""
    script = "import json, sys; from forms.lambda_function import handler; print(json.dumps([handler(e, None) for e in json.load(sys.stdin)]))"  # fmt: skip
    env = {**os.environ, "FORMS_INBOX": str(inbox), "FORMS_TODAY": BUILD_DATE,
           "FORMS_ALLOWED_ORIGINS": "https://alumni.example.org", **env}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(events), capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("trust", ["", "1"])
def test_the_rate_limit_counts_the_gateways_source_address_not_forwarded_for(tmp_path, version, trust):
    event = json.loads((EVENTS / f"apigateway-{version}.json").read_text(encoding="utf-8"))
    events = []
    for number in range(5):
        spoofed = {
            **event,
            "headers": {**event["headers"], "X-Forwarded-For": f"10.9.{number}.1, 203.0.113.7"},
        }
        if "multiValueHeaders" in event:
            spoofed["multiValueHeaders"] = {
                **event["multiValueHeaders"],
                "X-Forwarded-For": [f"10.9.{number}.1"],
            }
        events.append(spoofed)
    answers = invoke_all(events, tmp_path, FORMS_RATE_PER_MINUTE="60", FORMS_RATE_BURST="3",
                         FORMS_TRUST_FORWARDED_FOR=trust)  # fmt: skip
    assert [answer["statusCode"] for answer in answers] == [201, 201, 201, 429, 429]


def test_the_addresses_of_one_ipv6_network_share_one_rate_limit(tmp_path):
    """A phone or a home network is given a whole /64 and may send from any address in it."""
    event = json.loads((EVENTS / "apigateway-v2.json").read_text(encoding="utf-8"))

    def sent_from(address: str) -> dict:
        context = {
            **event["requestContext"],
            "http": {**event["requestContext"]["http"], "sourceIp": address},
        }
        return {**event, "requestContext": context}

    addresses = [f"2001:db8:5:6:{number}::1" for number in range(1, 6)] + ["2001:db8:5:7::1"]
    # And an IPv4 address is one client however it is written.
    addresses += ["::ffff:203.0.113.9", "203.0.113.9", "::ffff:203.0.113.9", "203.0.113.9"]
    answers = invoke_all(
        [sent_from(a) for a in addresses], tmp_path, FORMS_RATE_PER_MINUTE="60", FORMS_RATE_BURST="3"
    )
    assert [answer["statusCode"] for answer in answers] == [201, 201, 201, 429, 429, 201, 201, 201, 201, 429]


@pytest.mark.parametrize("version, subject", [("v1", "来自v1"), ("v2", "来自v2")])
def test_an_api_gateway_event_stores_the_submission(tmp_path, version, subject):
    event = json.loads((EVENTS / f"apigateway-{version}.json").read_text(encoding="utf-8"))
    response = invoke(event, tmp_path)
    assert response["statusCode"] == 201, response
    answer = json.loads(response["body"])
    assert answer["redirect"] == "https://alumni.example.org/forms/contact/thanks/"
    [row] = read_records(tmp_path / "contact-v1.csv")
    assert (row["id"], row["name"], row["subject"]) == (answer["id"], "林校友", subject)
    # v1 answers with multiValueHeaders, v2 with headers.
    headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
    headers |= {k.lower(): v[0] for k, v in response.get("multiValueHeaders", {}).items()}
    assert headers["access-control-allow-origin"] == "https://alumni.example.org"


def test_an_unknown_form_through_api_gateway_is_a_404_with_a_reason(tmp_path):
    event = json.loads((EVENTS / "apigateway-v2.json").read_text(encoding="utf-8"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/forms/../update"
    response = invoke(event, tmp_path)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["en"] == "There is no such form"


def test_the_handler_ships_without_pelican_or_the_plugins():
    check = "import sys, forms.lambda_function; print(sorted(m for m in sys.modules if m.split('.')[0] in ('pelican', 'plugins', 'frictionless')))"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("version, subject", [("v1", "来自v1"), ("v2", "来自v2")])
def test_an_api_gateway_event_is_pushed_to_the_review_branch_sealed(tmp_path, git_daemon, version, subject):
    event = json.loads((EVENTS / f"apigateway-{version}.json").read_text(encoding="utf-8"))
    disk = tmp_path / "function"  # where FORMS_INBOX points: nothing may land there
    git = {"FORMS_STORAGE": "git", "FORMS_GIT_URL": git_daemon.url, "FORMS_AGE_RECIPIENT": RECIPIENT}
    response = invoke(event, disk, **git)
    assert response["statusCode"] == 201, response
    [row] = git_daemon.rows("contact-v1.csv")
    assert (row["id"], row["name"], row["subject"]) == (json.loads(response["body"])["id"], "林校友", subject)
    assert row["email"].startswith("age:") and Opener(IDENTITY).open(row["email"]) == "lin@example.com"
    assert b"lin@example.com" not in git_daemon.objects()
    assert git_daemon.git("log", "--format=%s", "submissions").strip() == "Add 1 submission: contact 1"
    assert not disk.exists()


def test_production_mode_without_a_key_stops_the_cold_start_with_the_reason(tmp_path):
    event = json.loads((EVENTS / "apigateway-v2.json").read_text(encoding="utf-8"))
    result = cold_start(event, tmp_path, FORMS_MODE="production", FORMS_STAMP_SECRET="s" * 40)
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.strip().startswith(
        "FORMS_AGE_RECIPIENT: 未设置，FORMS_MODE=production 不会以明文保存私密字段"
    )
    assert "Traceback" not in result.stderr


class Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def test_the_scheduled_digest_mails_counts_from_the_review_branch(tmp_path, git_daemon):
    event = json.loads((EVENTS / "apigateway-v2.json").read_text(encoding="utf-8"))
    git = {"FORMS_STORAGE": "git", "FORMS_GIT_URL": git_daemon.url, "FORMS_AGE_RECIPIENT": RECIPIENT}
    for _ in range(2):
        assert invoke(event, tmp_path, **git)["statusCode"] == 201
    collect = Collect()
    mail = Controller(collect, hostname="127.0.0.1", port=free_port())
    mail.start()
    try:
        schedule = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        answer = invoke(schedule, tmp_path, "digest", **git, FORMS_DIGEST_SMTP_HOST="127.0.0.1",
                        FORMS_DIGEST_SMTP_PORT=str(mail.port), FORMS_DIGEST_SMTP_SECURITY="none",
                        FORMS_DIGEST_FROM="forms@example.org", FORMS_DIGEST_TO="office@example.org")  # fmt: skip
    finally:
        mail.stop()
    assert answer == {"new": 2, "sent": [f"127.0.0.1:{mail.port}"]}
    [message] = collect.messages
    message = message["Subject"] + message.get_content()
    assert "contact：新 2 条，待审核共 2 条 / 2 new, 2 pending in all" in message
    assert "林校友" not in message and "lin@example.com" not in message


def test_a_class_note_with_a_photo_through_an_http_api_is_stored_with_it(tmp_path):
    """An HTTP API (payload 2.0) passes a multipart body base64-encoded, as a phone sent it."""
    note = {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "合影",
            "body": "二十多位同学回到化学楼合影留念，感谢母校。", "email": "note@example.com",
            "photo_alt": "二十多位同学在化学楼前合影", "consent": "yes"}  # fmt: skip
    photo = photo_file(tmp_path / "IMG_0007.JPG", (1200, 900), camera_data=True)
    body, content_type = multipart(note, [(photo.name, photo.read_bytes())])
    event = json.loads((EVENTS / "apigateway-v2.json").read_text(encoding="utf-8"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/forms/class-note"
    event["pathParameters"] = {"name": "class-note"}
    event["headers"].update({"content-type": content_type, "content-length": str(len(body))})
    event["body"] = base64.b64encode(body).decode("ascii")
    response = invoke(event, tmp_path / "inbox")
    assert response["statusCode"] == 201, response
    [row] = read_records(tmp_path / "inbox" / "class-note-v2.csv")
    assert row["id"] == json.loads(response["body"])["id"] and row["photos"] == "1.jpg"
    stored = (tmp_path / "inbox" / "photos" / row["id"] / "1.jpg").read_bytes()
    assert stored.startswith(b"\xff\xd8") and b"Exif" not in stored


def test_odd_and_malformed_events_get_a_sentence_not_an_exception(tmp_path):
    v1 = json.loads((EVENTS / "apigateway-v1.json").read_text(encoding="utf-8"))
    v2 = json.loads((EVENTS / "apigateway-v2.json").read_text(encoding="utf-8"))
    without = lambda event, key: {k: v for k, v in event.items() if k != key}  # noqa: E731

    def with_http(**given) -> dict:
        return {
            **v2,
            "requestContext": {**v2["requestContext"], "http": {**v2["requestContext"]["http"], **given}},
        }

    events = {
        "v1 path not in Latin-1": ({**v1, "path": "/api/forms/林"}, 404),
        "v2 path not in Latin-1": ({**v2, "rawPath": "/api/forms/林"}, 404),
        "v2 with transfer-encoding": (
            {**v2, "headers": {**v2["headers"], "transfer-encoding": "chunked"}},
            201,
        ),
        "body that is not base64": ({**v2, "isBase64Encoded": True, "body": "not base64!"}, 400),
        "lone surrogate in the body": ({**v2, "body": "name=\ud800"}, 400),
        "v2 without headers": (without(v2, "headers"), 400),
        "v2 without requestContext": (without(v2, "requestContext"), 400),
        "v1 without httpMethod": (without(v1, "httpMethod"), 400),
        # A header given with no value at all, and fields that are not text: no WSGI request.
        "v1 with an empty list of Content-Type": (
            {**v1, "multiValueHeaders": {**v1["multiValueHeaders"], "Content-Type": []}},
            400,
        ),
        "v1 with an empty list of Host": (
            {**v1, "multiValueHeaders": {**v1["multiValueHeaders"], "Host": []}},
            400,
        ),
        "v1 httpMethod null": ({**v1, "httpMethod": None}, 400),
        "v2 method a number": (with_http(method=5), 400),
        "v2 rawQueryString null": ({**v2, "rawQueryString": None}, 400),
        "v2 header null": ({**v2, "headers": {**v2["headers"], "accept": None}}, 400),
        "a list": ([], 400),
        "nothing": ({}, 400),
    }
    answers = invoke_all([event for event, _ in events.values()], tmp_path)
    assert {name: answer["statusCode"] for name, answer in zip(events, answers, strict=True)} == {
        name: status for name, (_, status) in events.items()
    }
    for answer in answers:
        if answer["statusCode"] == 400:
            assert json.loads(answer["body"])["error"] == {
                "zh": "请求无法解析",
                "en": "The request could not be read",
            }
