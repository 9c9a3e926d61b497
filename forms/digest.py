"""Editors told of new submissions: a digest of counts per form, by e-mail or webhook.

A digest holds numbers and form names only. Digest.of reads nothing of a row but its id and
the time it was received, so nothing an alumnus typed can reach a mailbox, a chat group or a log.
"""

from __future__ import annotations

import datetime
import email.utils
import http.client
import json
import os
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import urlsplit

from core.problems import Problem, ProblemsFound
from forms.inbox import Inbox, once_each

SECURITY = ("starttls", "tls", "none")  # tls: encrypted from the first byte, as on port 465
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
_LOCAL = {"localhost", "127.0.0.1", "::1"}
# Chat services whose bots want {"msgtype": "text", ...} rather than Slack's {"text": ...}.
_WECOM_STYLE = {"qyapi.weixin.qq.com", "oapi.dingtalk.com"}
_FEISHU_STYLE = {"open.feishu.cn", "open.larksuite.com"}


@dataclass(frozen=True)
class Digest:
    """New submissions per form since the last digest, and how many wait for a decision in all."""

    counts: dict[str, int]
    pending: dict[str, int]
    since: datetime.datetime | None = None

    @property
    def new(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def of(
        cls,
        rows: Iterable[tuple[str, Mapping[str, str]]],
        decided: Container[str],
        since: datetime.datetime | None,
    ) -> Digest:
        """Count inbox rows given as (form name, row); `decided` holds the ids that have a decision."""
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=datetime.UTC)  # the inbox writes its times in UTC
        counts: Counter[str] = Counter()
        pending: Counter[str] = Counter()
        for form, row in rows:
            if row.get("id") not in decided:
                pending[form] += 1
            received = _received(row)
            # A row whose time cannot be read is counted as new: better told twice than never.
            if since is None or received is None or received > since:
                counts[form] += 1
        return cls(dict(counts), dict(pending), since)


def count(inbox: Inbox, forms: Iterable[str], since: datetime.datetime | None) -> Digest:
    """The digest of an inbox (local or the review branch): every form's rows and the decided ids."""
    rows = [(form, row) for form in sorted(forms) for _, found in inbox.files(form) for row in found]
    rows = once_each(rows, lambda item: f"{item[0]}/{item[1].get('id')}")  # sent again: one submission
    return Digest.of(rows, {row["submission"] for row in inbox.decisions()}, since)


@dataclass(frozen=True)
class DigestSettings:
    """Where digests go: an SMTP server, a webhook, both or neither."""

    smtp_host: str = ""
    smtp_port: int = DEFAULT_PORTS["starttls"]
    smtp_security: str = "starttls"
    sender: str = ""
    recipients: tuple[str, ...] = ()
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)  # never in a log or a traceback
    webhook: str = field(default="", repr=False)  # its path or query is usually the hook's secret
    timeout: float = 10.0

    @property
    def configured(self) -> bool:
        return bool(self.smtp_host or self.webhook)


class DeliveryFailed(Exception):
    """A digest that did not go out, as one sentence naming the server and what to check."""

    def __init__(self, where: str, zh: str, en: str):
        self.problem = Problem(where, zh, en, kind="notify")
        super().__init__(self.problem.sentence())


def compose(digest: Digest, site_name: str, review_command: str = "invoke review") -> tuple[str, str]:
    """Subject and plain-text body, in Chinese and English: counts per form and how to review."""
    waiting = sum(digest.pending.values())  # new ones may be decided already: say what waits
    subject = (
        f"{site_name}：{digest.new} 条新提交，{waiting} 条待审核 / "
        f"{digest.new} new submission(s), {waiting} to review"
    )
    if digest.since is None:
        when = "目前 / so far:"
    else:
        moment = digest.since.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        when = f"自 {moment} 以来 / since {moment}:"
    lines = [
        f"{site_name} 网站的表单收到了新的提交。",
        f"New submissions have reached the forms of {site_name}'s website.",
        "",
        when,
    ]
    for form in sorted(digest.counts.keys() | digest.pending.keys()):
        new, pending = digest.counts.get(form, 0), digest.pending.get(form, 0)
        lines.append(f"- {form}：新 {new} 条，待审核共 {pending} 条 / {new} new, {pending} pending in all")
    lines += [
        "",
        f"审核：在网站仓库里运行 {review_command}",
        f"To review: run {review_command} in the site's repository.",
        "",
        "本通知只有数量，不含任何个人信息。",
        "This notice holds counts only, never anyone's details.",
    ]
    return subject, "\n".join(lines) + "\n"


def send_email(
    subject: str,
    body: str,
    *,
    host: str,
    port: int,
    sender: str,
    recipients: Iterable[str],
    username: str | None = None,
    password: str | None = None,
    starttls: bool = False,
    tls: bool = False,
    timeout: float = 10,
) -> None:
    """Send a plain-text e-mail; DeliveryFailed says what to check. `tls` connects encrypted (port 465)."""
    recipients = list(recipients)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = email.utils.formatdate(usegmt=True)
    message["Message-ID"] = email.utils.make_msgid(
        domain=email.utils.parseaddr(sender)[1].rpartition("@")[2] or None
    )
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    message.set_content(body)
    where, step = f"{host}:{port}", "connect"
    try:
        if tls:
            server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if starttls and not tls:
                step = "starttls"
                server.starttls(context=ssl.create_default_context())
            if username:
                step = "login"
                server.login(username, password or "")
            step = "send"
            refused = server.send_message(message, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(where, *_smtp_hint(step, error)) from None
    if refused:
        raise DeliveryFailed(
            where,
            f"拒绝了部分收件人 {', '.join(refused)}：请检查 FORMS_DIGEST_TO",
            f"refused some recipients, {', '.join(refused)}: check FORMS_DIGEST_TO",
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirected POST arrives as an empty GET: say so rather than think it sent


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_webhook(url: str, payload: dict, timeout: float = 10) -> None:
    """POST payload as JSON; DeliveryFailed names the host (never the path, which holds the secret)."""
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "alumni-site digest"},
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            reply = answer.read(64 * 1024)
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            raise DeliveryFailed(
                where,
                f"把通知转到了别的地址（HTTP {error.code}）：请把 FORMS_DIGEST_WEBHOOK 改为最终地址（常见的是 http 应改为 https）",
                f"sent the notice elsewhere (HTTP {error.code}): set FORMS_DIGEST_WEBHOOK to the final address (often https rather than http)",
            ) from None
        raise DeliveryFailed(
            where,
            f"拒绝了通知（HTTP {error.code}）：请检查 FORMS_DIGEST_WEBHOOK 是否完整，机器人是否还在群里",
            f"refused the notice (HTTP {error.code}): check that FORMS_DIGEST_WEBHOOK is complete and the bot is still in its group",
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        zh, en = _network_reason(getattr(error, "reason", error))
        raise DeliveryFailed(
            where,
            f"无法送达（{zh}）：请检查 FORMS_DIGEST_WEBHOOK 的地址，以及本机能否访问它",
            f"could not be reached ({en}): check the address in FORMS_DIGEST_WEBHOOK and that this machine may reach it",
        ) from None
    # WeCom, DingTalk and Feishu answer 200 even when they refuse, with a code in the JSON.
    try:
        answer = json.loads(reply)
    except ValueError:
        return
    code = answer.get("errcode", answer.get("code", 0)) if isinstance(answer, dict) else 0
    if code:
        said = str(answer.get("errmsg", answer.get("msg", "")))[:120]
        raise DeliveryFailed(
            where,
            f"收到了通知但拒绝发出（错误 {code}：{said}）：请检查机器人的安全设置，如关键词须包含网站名称",
            f"took the notice but refused it (error {code}: {said}): check the bot's security settings, such as a keyword that must appear (use the site's name)",
        )


def webhook_payload(url: str, text: str, counts: Mapping[str, int]) -> dict:
    """The JSON a chat bot at url expects: Slack-style {"text": …} unless its host wants another shape."""
    host = urlsplit(url).hostname or ""
    if host in _WECOM_STYLE:
        return {"msgtype": "text", "text": {"content": text}}
    if host in _FEISHU_STYLE:
        return {"msg_type": "text", "content": {"text": text}}
    return {"text": text, "counts": dict(counts)}


def digest_settings_from_env(env: Mapping[str, str] | None = None) -> DigestSettings:
    """Digest settings from FORMS_DIGEST_* variables; every mistake at once as ProblemsFound."""
    env = os.environ if env is None else env
    problems: list[Problem] = []

    def problem(name: str, zh: str, en: str) -> None:
        problems.append(Problem(name, zh, en, kind="setting"))

    def get(name: str) -> str:
        return env.get(name, "").strip()

    host, webhook = get("FORMS_DIGEST_SMTP_HOST"), get("FORMS_DIGEST_WEBHOOK")
    sender = get("FORMS_DIGEST_FROM")
    recipients = tuple(a.strip() for a in get("FORMS_DIGEST_TO").split(",") if a.strip())
    user, password = get("FORMS_DIGEST_SMTP_USER"), env.get("FORMS_DIGEST_SMTP_PASSWORD", "")
    port_text, security = get("FORMS_DIGEST_SMTP_PORT"), get("FORMS_DIGEST_SMTP_SECURITY").lower()
    port = int(port_text) if port_text.isascii() and port_text.isdigit() else 0
    if port_text and not 0 < port < 65536:
        problem(
            "FORMS_DIGEST_SMTP_PORT", "请写端口号，如 465 或 587", "must be a port number such as 465 or 587"
        )
    security = security or ("tls" if port == 465 else "starttls")
    if security not in SECURITY:
        choices = ", ".join(SECURITY)
        problem("FORMS_DIGEST_SMTP_SECURITY", f"只能是其中之一：{choices}", f"must be one of: {choices}")
        security = "starttls"
    if host:
        if not sender:
            problem(
                "FORMS_DIGEST_FROM",
                "未设置：请写发信地址，通常就是登录邮箱",
                "is not set: give the sender's address, usually the account's own",
            )
        if not recipients:
            problem(
                "FORMS_DIGEST_TO",
                "未设置：请写收件人地址，多个用英文逗号隔开",
                "is not set: give the recipients' addresses, separated by commas",
            )
        for name, address in [("FORMS_DIGEST_FROM", sender)] + [("FORMS_DIGEST_TO", a) for a in recipients]:
            if address and "@" not in email.utils.parseaddr(address)[1]:
                problem(name, f"“{address}”不是电子邮件地址", f"“{address}” is not an e-mail address")
        if bool(user) != bool(password):
            problem(
                "FORMS_DIGEST_SMTP_USER",
                "要和 FORMS_DIGEST_SMTP_PASSWORD 一起设置",
                "goes together with FORMS_DIGEST_SMTP_PASSWORD",
            )
        if password and security == "none" and host not in _LOCAL:
            problem(
                "FORMS_DIGEST_SMTP_SECURITY",
                "为 none 时密码会明文传输：请设为 starttls 或 tls",
                "is none, so the password would cross the network in the clear: set it to starttls or tls",
            )
    else:
        for name in ("FORMS_DIGEST_FROM", "FORMS_DIGEST_TO", "FORMS_DIGEST_SMTP_USER"):
            if get(name):
                problem(
                    name,
                    "已设置，但没有 FORMS_DIGEST_SMTP_HOST：请一并设置邮件服务器",
                    "is set but FORMS_DIGEST_SMTP_HOST is not: set the mail server too",
                )
    if webhook and urlsplit(webhook).scheme not in ("http", "https"):
        problem(
            "FORMS_DIGEST_WEBHOOK",
            "请写以 https:// 开头的完整地址",
            "must be a whole address starting with https://",
        )
    if problems:
        raise ProblemsFound(problems)
    return DigestSettings(
        smtp_host=host,
        smtp_port=port or DEFAULT_PORTS[security],
        smtp_security=security,
        sender=sender,
        recipients=recipients,
        smtp_user=user,
        smtp_password=password,
        webhook=webhook,
    )


def send_digest(digest: Digest, settings: DigestSettings, site_name: str) -> list[str]:
    """Send the digest everywhere configured; returns where it went (nothing when nothing is new).

    Every channel is tried; if any failed, ProblemsFound lists each failure. With no channel set,
    ProblemsFound says so: a daily run must not stay silent for ever.
    """
    if not settings.smtp_host and not settings.webhook:
        raise ProblemsFound([Problem(
            "FORMS_DIGEST_SMTP_HOST / FORMS_DIGEST_WEBHOOK",
            "都没有设置，摘要无处可发：请设置邮件服务器或群聊机器人的地址（见 docs/operators.md），或用 --dry-run 查看摘要",
            "neither is set, so the digest has nowhere to go: set a mail server or a chat webhook (see docs/operators.md), or look at it with --dry-run",
            kind="setting",
        )])  # fmt: skip
    if digest.new == 0:
        return []
    subject, body = compose(digest, site_name)
    sent, problems = [], []
    if settings.smtp_host:
        try:
            send_email(
                subject,
                body,
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.sender,
                recipients=settings.recipients,
                username=settings.smtp_user or None,
                password=settings.smtp_password or None,
                starttls=settings.smtp_security == "starttls",
                tls=settings.smtp_security == "tls",
                timeout=settings.timeout,
            )
            sent.append(f"{settings.smtp_host}:{settings.smtp_port}")
        except DeliveryFailed as failure:
            problems.append(failure.problem)
    if settings.webhook:
        try:
            payload = webhook_payload(settings.webhook, f"{subject}\n\n{body}", digest.counts)
            post_webhook(settings.webhook, payload, timeout=settings.timeout)
            sent.append(urlsplit(settings.webhook).hostname or "webhook")
        except DeliveryFailed as failure:
            problems.append(failure.problem)
    if problems:
        raise ProblemsFound(problems)
    return sent


def _received(row: Mapping[str, str]) -> datetime.datetime | None:
    try:
        received = datetime.datetime.fromisoformat(row.get("received") or "")
    except ValueError:
        return None
    return received if received.tzinfo else received.replace(tzinfo=datetime.UTC)


def _network_reason(error: object) -> tuple[str, str]:
    if isinstance(error, ConnectionRefusedError):
        return "连接被拒绝", "connection refused"
    if isinstance(error, socket.gaierror):
        return "找不到这个主机", "no such host"
    if isinstance(error, TimeoutError):
        return "等待超时", "timed out"
    if isinstance(error, ssl.SSLError):
        return "加密连接失败", "the TLS handshake failed"
    return "网络错误", "network error"


def _smtp_hint(step: str, error: Exception) -> tuple[str, str]:
    """What went wrong at which step of the SMTP conversation, and what to check, in zh and en."""
    if isinstance(error, ssl.SSLError):
        return (
            "加密连接失败：请检查 FORMS_DIGEST_SMTP_SECURITY 与端口是否相符（465 用 tls，587 用 starttls），以及主机名是否与服务器证书一致",
            "the TLS handshake failed: check that FORMS_DIGEST_SMTP_SECURITY suits the port (tls for 465, starttls for 587) and that the host name matches the server's certificate",
        )
    if step == "starttls" and isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            "服务器不支持 STARTTLS：端口 465 请设 FORMS_DIGEST_SMTP_SECURITY=tls；只有本机上的邮件中继才可设为 none",
            "the server does not offer STARTTLS: for port 465 set FORMS_DIGEST_SMTP_SECURITY=tls; only a relay on this machine may use none",
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            "拒绝了用户名或密码：请检查 FORMS_DIGEST_SMTP_USER 和 FORMS_DIGEST_SMTP_PASSWORD（QQ、163 等邮箱要填授权码，不是登录密码）",
            "refused the user name or password: check FORMS_DIGEST_SMTP_USER and FORMS_DIGEST_SMTP_PASSWORD (QQ, 163 and similar services want an app password, not the login password)",
        )
    if step == "login":
        return (
            "不接受登录，可能要先加密连接：请检查 FORMS_DIGEST_SMTP_SECURITY",
            "does not accept a login, perhaps not before encryption: check FORMS_DIGEST_SMTP_SECURITY",
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (
            "拒绝了发件人：请检查 FORMS_DIGEST_FROM（很多邮件服务只允许用登录账户本身的地址发信）",
            "refused the sender: check FORMS_DIGEST_FROM (many services send only from the account's own address)",
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "拒绝了所有收件人：请检查 FORMS_DIGEST_TO", "refused every recipient: check FORMS_DIGEST_TO"
    if isinstance(error, smtplib.SMTPResponseException):
        return (
            f"拒绝了这封邮件（代码 {error.smtp_code}）：请查看邮件服务器的日志或联系其管理员",
            f"refused the message (code {error.smtp_code}): see the mail server's log or ask its administrator",
        )
    zh, en = _network_reason(error)
    return (
        f"无法连接（{zh}）：请检查 FORMS_DIGEST_SMTP_HOST 和 FORMS_DIGEST_SMTP_PORT，以及本机能否访问该邮件服务器",
        f"could not connect ({en}): check FORMS_DIGEST_SMTP_HOST and FORMS_DIGEST_SMTP_PORT, and that this machine may reach the mail server",
    )
