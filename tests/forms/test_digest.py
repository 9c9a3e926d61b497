"""Editors told of new submissions by e-mail and webhook, against real servers on 127.0.0.1: counts, never values."""

import datetime
import email
import email.policy
import http.server
import json
import re
import shutil
import ssl
import subprocess
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from core.problems import ProblemsFound
from forms.digest import (
    DeliveryFailed,
    Digest,
    compose,
    digest_settings_from_env,
    post_webhook,
    send_digest,
    send_email,
    webhook_payload,
)
from tests.support import ROOT, free_port

SITE = "示例大学校友总会"
SINCE = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)
PERSONAL = ["周晓梅", "13800138000", "zhou.xm@example.com", "学府路88号"]
IDS = ["5f1c" * 8, "0a9e" * 8, "77b2" * 8, "c3d4" * 8, "e8f0" * 8]


def _row(number: int, received: str, **values: str) -> dict[str, str]:
    return {"id": IDS[number], "received": received, "form_version": "1", **values}


# What the inbox holds: the first row is decided, the first two came before the last digest.
ROWS = [
    ("update", _row(0, "2026-11-20T08:00:00.000+00:00", name="周晓梅", mobile="13800138000")),
    ("update", _row(1, "2026-11-22T23:59:59.999+00:00", name="李华", email="zhou.xm@example.com")),
    ("update", _row(2, "2026-11-23T09:15:00.000+00:00", name="周晓梅", address="示例市学府路88号")),
    ("update", _row(3, "2026-11-23T10:00:00.000+00:00", name="王芳", mobile="13800138000")),
    ("class-note", _row(4, "2026-11-23T11:00:00.000+00:00", author="周晓梅", email="zhou.xm@example.com")),
]
DIGEST = Digest.of(ROWS, decided={IDS[0]}, since=SINCE)
LINE = "- update：新 2 条，待审核共 3 条 / 2 new, 3 pending in all"


class Collect:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def start_mail_server():
    """Start aiosmtpd servers on 127.0.0.1; each returns (port, collected envelopes)."""
    controllers = []

    def start(**kwargs):
        collect = Collect()
        controllers.append(Controller(collect, hostname="127.0.0.1", port=free_port(), **kwargs))
        controllers[-1].start()
        return controllers[-1].port, collect.envelopes

    yield start
    for controller in controllers:
        controller.stop()


# What the webhook receiver answers, by path: status, headers, body.
ANSWERS = {
    "/hook": (200, {}, b'{"ok": true}'),
    "/refuses": (200, {}, b'{"errcode": 310000, "errmsg": "keywords not in content"}'),
    "/moved": (302, {"Location": "https://example.org/hook"}, b""),
    "/gone": (404, {}, b"no such hook"),
}


class Receiver(http.server.BaseHTTPRequestHandler):
    """A chat bot's webhook: keeps what was posted and answers by path."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers, body))
        status, headers, reply = ANSWERS[self.path.split("?")[0]]
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(reply))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.received = []
    server.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def settings(port=None, webhook="", **env):
    smtp = {"FORMS_DIGEST_SMTP_HOST": "127.0.0.1", "FORMS_DIGEST_SMTP_PORT": str(port),
            "FORMS_DIGEST_SMTP_SECURITY": "none", "FORMS_DIGEST_FROM": "robot@alumni.example.org",
            "FORMS_DIGEST_TO": "office@alumni.example.org, liaison@alumni.example.org"}  # fmt: skip
    return digest_settings_from_env({**(smtp if port else {}), "FORMS_DIGEST_WEBHOOK": webhook, **env})


def read(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def test_digest_counts_new_and_pending_per_form():
    assert (DIGEST.counts, DIGEST.pending, DIGEST.new) == ({"update": 2, "class-note": 1}, {"update": 3, "class-note": 1}, 3)  # fmt: skip


def test_digest_email_arrives_with_counts_and_how_to_review(start_mail_server):
    port, envelopes = start_mail_server()
    assert send_digest(DIGEST, settings(port), SITE) == [f"127.0.0.1:{port}"]
    [envelope] = envelopes
    assert envelope.rcpt_tos == ["office@alumni.example.org", "liaison@alumni.example.org"]
    message = read(envelope)
    assert message["Subject"] == "示例大学校友总会：3 条新提交，4 条待审核 / 3 new submission(s), 4 to review"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert LINE in body and "- class-note：新 1 条，待审核共 1 条 / 1 new, 1 pending in all" in body
    assert "since 2026-11-23 08:00 UTC" in body and "run invoke review" in body


def test_personal_values_never_reach_editors(start_mail_server, receiver):
    port, envelopes = start_mail_server()
    send_digest(DIGEST, settings(port, webhook=receiver.url + "/hook"), SITE)
    [envelope], [(_, _, posted)] = envelopes, receiver.received
    message = read(envelope)
    seen = [envelope.original_content.decode(), str(message), message.get_content(), posted.decode()]
    seen.append(json.dumps(json.loads(posted), ensure_ascii=False))
    leaked = [value for value in PERSONAL + IDS for text in seen if value in text]
    assert leaked == []
    assert LINE in seen[2] and LINE in json.loads(posted)["text"]


def test_webhook_receives_the_digest_as_json(receiver):
    assert send_digest(DIGEST, settings(webhook=receiver.url + "/hook?token=s3cret"), SITE) == ["127.0.0.1"]
    [(path, headers, posted)] = receiver.received
    assert path == "/hook?token=s3cret"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    payload = json.loads(posted)
    assert payload["counts"] == {"update": 2, "class-note": 1}
    assert payload["text"] == "\n\n".join(compose(DIGEST, SITE))


def test_chinese_chat_bots_get_the_shape_they_expect():
    wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"
    assert webhook_payload(wecom, "text", {"update": 1}) == {"msgtype": "text", "text": {"content": "text"}}
    feishu = "https://open.feishu.cn/open-apis/bot/v2/hook/x"
    assert webhook_payload(feishu, "text", {}) == {"msg_type": "text", "content": {"text": "text"}}


def test_nothing_new_sends_nothing(start_mail_server, receiver):
    port, envelopes = start_mail_server()
    quiet = Digest.of(ROWS, decided={IDS[0]}, since=datetime.datetime(2026, 11, 24, tzinfo=datetime.UTC))
    assert quiet.pending == {"update": 3, "class-note": 1} and quiet.new == 0
    assert send_digest(quiet, settings(port, webhook=receiver.url + "/hook"), SITE) == []
    assert envelopes == [] and receiver.received == []


def test_refused_connections_give_one_sentence_each():
    port = free_port()  # nothing listens there
    with pytest.raises(ProblemsFound) as raised:
        send_digest(DIGEST, settings(port, webhook=f"http://127.0.0.1:{port}/hook?key=s3cret"), SITE)
    assert [p.sentence() for p in raised.value.problems] == [
        f"127.0.0.1:{port}: 无法连接（连接被拒绝）：请检查 FORMS_DIGEST_SMTP_HOST 和 FORMS_DIGEST_SMTP_PORT，以及本机能否访问该邮件服务器"
        " / could not connect (connection refused): check FORMS_DIGEST_SMTP_HOST and FORMS_DIGEST_SMTP_PORT,"
        " and that this machine may reach the mail server",
        f"http://127.0.0.1:{port}: 无法送达（连接被拒绝）：请检查 FORMS_DIGEST_WEBHOOK 的地址，以及本机能否访问它"
        " / could not be reached (connection refused): check the address in FORMS_DIGEST_WEBHOOK and that this machine may reach it",
    ]
    assert "s3cret" not in str(raised.value)


def test_one_failing_channel_does_not_stop_the_other(receiver):
    with pytest.raises(ProblemsFound) as raised:
        send_digest(DIGEST, settings(free_port(), webhook=receiver.url + "/hook"), SITE)
    assert len(raised.value.problems) == 1 and len(receiver.received) == 1


def test_wrong_password_names_the_settings(start_mail_server):
    def authenticator(server, session, envelope, mechanism, auth_data):
        right = (auth_data.login, auth_data.password) == (b"robot", b"app-password")
        return AuthResult(success=right, handled=False)

    port, envelopes = start_mail_server(authenticator=authenticator, auth_require_tls=False)
    mail = dict(host="127.0.0.1", port=port, sender="robot@alumni.example.org", recipients=["office@alumni.example.org"])  # fmt: skip
    with pytest.raises(DeliveryFailed, match="授权码") as raised:
        send_email("subject", "body", username="robot", password="login-password", **mail)
    assert "check FORMS_DIGEST_SMTP_USER and FORMS_DIGEST_SMTP_PASSWORD" in str(raised.value)
    send_email("subject", "body", username="robot", password="app-password", **mail)
    assert len(envelopes) == 1


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for 127.0.0.1 that this test's clients trust."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def test_starttls_then_login_delivers(start_mail_server, certificate):
    def authenticator(server, session, envelope, mechanism, auth_data):
        right = session.ssl is not None and auth_data.password == b"app-password"  # only once encrypted
        return AuthResult(success=right, handled=False)

    port, envelopes = start_mail_server(tls_context=certificate, authenticator=authenticator)
    env = {"FORMS_DIGEST_SMTP_SECURITY": "starttls", "FORMS_DIGEST_SMTP_USER": "robot", "FORMS_DIGEST_SMTP_PASSWORD": "app-password"}  # fmt: skip
    send_digest(DIGEST, settings(port, **env), SITE)
    assert LINE in read(envelopes[0]).get_content()


def test_server_without_starttls_names_the_security_setting(start_mail_server):
    port, envelopes = start_mail_server()
    with pytest.raises(ProblemsFound, match="the server does not offer STARTTLS: for port 465 set FORMS_DIGEST_SMTP_SECURITY=tls"):  # fmt: skip
        send_digest(DIGEST, settings(port, FORMS_DIGEST_SMTP_SECURITY="starttls"), SITE)
    assert envelopes == []


@pytest.mark.parametrize(
    "path, says",
    [
        ("/refuses", "took the notice but refused it (error 310000: keywords not in content)"),
        ("/moved", "sent the notice elsewhere (HTTP 302): set FORMS_DIGEST_WEBHOOK to the final address"),
        ("/gone", "refused the notice (HTTP 404): check that FORMS_DIGEST_WEBHOOK is complete"),
    ],
)
def test_webhook_that_did_not_deliver_is_reported(receiver, path, says):
    with pytest.raises(DeliveryFailed) as raised:
        post_webhook(receiver.url + path, {"text": "3 new"})
    assert str(raised.value).startswith(f"{receiver.url}: ") and says in str(raised.value)


def test_settings_from_env():
    found = digest_settings_from_env({
        "FORMS_DIGEST_SMTP_HOST": "smtp.qq.com", "FORMS_DIGEST_SMTP_PORT": "465",
        "FORMS_DIGEST_FROM": "10001@qq.com", "FORMS_DIGEST_TO": "a@example.org,b@example.org ,",
        "FORMS_DIGEST_SMTP_USER": "10001@qq.com", "FORMS_DIGEST_SMTP_PASSWORD": "authcode",
    })  # fmt: skip
    assert (found.smtp_port, found.smtp_security, found.recipients) == (465, "tls", ("a@example.org", "b@example.org"))  # fmt: skip
    assert "authcode" not in repr(found)
    assert digest_settings_from_env({"FORMS_DIGEST_SMTP_HOST": "mail.example.org", "FORMS_DIGEST_FROM": "a@example.org", "FORMS_DIGEST_TO": "b@example.org"}).smtp_port == 587  # fmt: skip
    assert not digest_settings_from_env({}).configured


def test_every_settings_mistake_at_once():
    with pytest.raises(ProblemsFound) as raised:
        digest_settings_from_env({
            "FORMS_DIGEST_SMTP_HOST": "mail.example.org", "FORMS_DIGEST_SMTP_PORT": "5x7",
            "FORMS_DIGEST_SMTP_SECURITY": "none", "FORMS_DIGEST_TO": "office",
            "FORMS_DIGEST_SMTP_USER": "robot", "FORMS_DIGEST_SMTP_PASSWORD": "pw",
            "FORMS_DIGEST_WEBHOOK": "file:///etc/passwd",
        })  # fmt: skip
    assert [p.file for p in raised.value.problems] == [
        "FORMS_DIGEST_SMTP_PORT", "FORMS_DIGEST_FROM", "FORMS_DIGEST_TO",
        "FORMS_DIGEST_SMTP_SECURITY", "FORMS_DIGEST_WEBHOOK",
    ]  # fmt: skip


def test_a_digest_with_nowhere_to_go_says_so():
    """The defect: with neither a mail server nor a webhook set, `invoke digest` printed "nothing
    new, nothing sent" while --dry-run counted new submissions; a daily run stayed silent."""
    with pytest.raises(ProblemsFound) as found:
        send_digest(DIGEST, settings(), SITE)
    assert "nowhere to go" in str(found.value) and "--dry-run" in str(found.value)


def test_a_digest_with_nowhere_to_go_names_the_page_that_lists_its_settings():
    """The defect: the sentence sent editors to docs/editors.md, which has no table of settings."""
    with pytest.raises(ProblemsFound) as found:
        send_digest(DIGEST, settings(), SITE)
    [page] = set(re.findall(r"docs/\w+\.md", str(found.value)))
    assert "| `FORMS_DIGEST_SMTP_HOST` |" in (ROOT / page).read_text(encoding="utf-8")


def test_the_subject_says_how_many_wait_when_the_new_ones_are_decided_already():
    decided = Digest.of([("update", {"id": "a", "received": "2026-11-23T10:00:00+00:00"})], {"a"}, None)
    subject, _ = compose(decided, SITE)
    assert subject.endswith("1 new submission(s), 0 to review")
