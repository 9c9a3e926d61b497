"""The form handler: a WSGI application that checks a submission and appends it to the inbox.

    from forms.app import create_app, settings_from_env
    application = create_app(settings_from_env())

It keeps nothing between requests but a per-client rate limit, so it runs the same under
`invoke serve`, under gunicorn, and as a cloud function (forms/lambda_function.py).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from forms.definitions import Form, Text, load_forms, open_events
from forms.inbox import LocalInbox, Storage
from forms.ratelimit import RateLimiter
from forms.submission import Submission, check
from forms.translations import page_environment

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
_FORM_PATH = re.compile(r"/([a-z0-9]+(?:-[a-z0-9]+)*)/?")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class HandlerSettings:
    """Everything the handler needs; nothing is read from anywhere else."""

    storage: Storage
    forms_dir: Path = ROOT / "forms"
    events_csv: Path = ROOT / "data" / "events.csv"
    theme_dir: Path = ROOT / "theme"
    site_name: str = "示例大学校友总会"
    site_url: str = ""  # where the site's pages are, for thank-you redirects and links
    prefix: str = "/api/forms"  # the path the handler answers under
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024
    rate_per_minute: int = 20  # per client; 0 turns the limit off
    rate_burst: int = 10
    trust_forwarded_for: bool = False  # behind a proxy or API gateway that sets X-Forwarded-For
    lang: str = "zh"
    today: Callable[[], datetime.date] = field(default=datetime.date.today)


def settings_from_env(environ: dict | None = None) -> HandlerSettings:
    """Settings from FORMS_* environment variables (see docs/operators.md)."""
    env = os.environ if environ is None else environ
    return HandlerSettings(
        storage=LocalInbox(Path(env.get("FORMS_INBOX", ROOT / "data" / "inbox"))),
        site_name=env.get("FORMS_SITE_NAME", HandlerSettings.site_name),
        site_url=env.get("FORMS_SITE_URL", ""),
        prefix=env.get("FORMS_PREFIX", HandlerSettings.prefix),
        allowed_origins=tuple(o for o in env.get("FORMS_ALLOWED_ORIGINS", "").split(",") if o),
        max_body_bytes=int(env.get("FORMS_MAX_BODY_BYTES", HandlerSettings.max_body_bytes)),
        rate_per_minute=int(env.get("FORMS_RATE_PER_MINUTE", HandlerSettings.rate_per_minute)),
        rate_burst=int(env.get("FORMS_RATE_BURST", HandlerSettings.rate_burst)),
        trust_forwarded_for=env.get("FORMS_TRUST_FORWARDED_FOR", "") == "1",
        # Pins the day that decides which events are open, for tests and demos.
        today=(lambda day=env["FORMS_TODAY"]: datetime.date.fromisoformat(day))
        if env.get("FORMS_TODAY")
        else datetime.date.today,
    )


class _Refusal(Exception):
    """A request the handler will not take, with the status and the reason to show."""

    def __init__(self, status: int, zh: str, en: str, headers: dict | None = None):
        self.status, self.text, self.headers = status, Text(zh, en), headers or {}


def create_app(settings: HandlerSettings) -> Callable:
    """The WSGI application; form definitions are checked now, so a broken one stops start-up."""
    return FormHandler(settings)


class FormHandler:
    def __init__(self, settings: HandlerSettings):
        self.settings = settings
        load_forms(settings.forms_dir, [])  # fail now, not on the first alumnus, if a definition is broken
        self.limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
        self.pages = page_environment(settings.theme_dir, settings.lang)
        self.pages.globals.update(SITENAME=settings.site_name, SITEURL=settings.site_url, lang=settings.lang)
        self._forms: tuple[datetime.date, dict[str, Form]] | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = self.settings.max_body_bytes
        request.max_form_memory_size = self.settings.max_body_bytes
        request.max_form_parts = 100
        try:
            response = self.handle(request)
        except _Refusal as refusal:
            response = self.refuse(request, refusal)
        except RequestEntityTooLarge:
            response = self.refuse(request, _too_large(self.settings.max_body_bytes))
        except HTTPException:
            response = self.refuse(request, _Refusal(400, "请求无法解析", "The request could not be read"))
        except Exception:
            logger.exception("form handler failed")  # the form and id only; never the values
            response = self.refuse(
                request,
                _Refusal(
                    500, "服务器出错，请稍后再试", "Something went wrong on our side; please try again later"
                ),
            )
        response.headers.update(self.cors_headers(request))
        return response(environ, start_response)

    def forms(self) -> dict[str, Form]:
        """The definitions, with today's open events as choices; read again when the day changes."""
        today = self.settings.today()
        if self._forms is None or self._forms[0] != today:
            self._forms = (
                today,
                load_forms(self.settings.forms_dir, open_events(self.settings.events_csv, today)),
            )
        return self._forms[1]

    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith(self.settings.prefix):
            path = path[len(self.settings.prefix) :]
        match = _FORM_PATH.fullmatch(path)
        forms = self.forms()
        if not match or match.group(1) not in forms:
            raise _Refusal(404, "没有这个表单", "There is no such form")
        form = forms[match.group(1)]
        self.check_origin(request)
        if request.method == "OPTIONS":
            return Response(status=204)
        if request.method != "POST":
            raise _Refusal(405, "请用表单提交", "Send the form with POST", {"Allow": "POST, OPTIONS"})
        if request.content_length is not None and request.content_length > self.settings.max_body_bytes:
            raise _too_large(self.settings.max_body_bytes)
        data = self.read_body(request)
        wait = self.limiter.wait(self.client(request))
        if wait:
            raise _Refusal(
                429,
                "提交太频繁，请稍后再试",
                "Too many submissions; please wait a little",
                {"Retry-After": str(int(wait) + 1)},
            )
        submission = check(form, data)
        if submission.spam:
            self.settings.storage.append(form, submission.values, spam=True)
            return self.accepted(request, form, "0")
        if not submission.valid:
            return self.invalid(request, form, submission)
        try:
            submission_id = self.settings.storage.append(form, submission.values)
        except OSError:
            logger.exception("could not store a submission of %s", form.name)
            raise _Refusal(
                503,
                "暂时无法保存，请稍后再试；您填写的内容没有丢失，请勿关闭页面",
                "Could not be saved just now; please try again in a moment",
            ) from None
        logger.info("stored %s submission %s", form.name, submission_id)
        return self.accepted(request, form, submission_id)

    def read_body(self, request: Request) -> dict:
        if request.mimetype == "application/json":
            try:
                data = request.get_json(force=True)
            except BadRequest:
                raise _Refusal(
                    400, "内容不是有效的 JSON（UTF-8）", "The body is not valid JSON (UTF-8)"
                ) from None
            if not isinstance(data, dict):
                raise _Refusal(
                    400, 'JSON 内容应为对象，如 {"name": "…"}', "The JSON body should be an object of fields"
                )
            return data
        if request.mimetype not in _FORM_TYPES:
            raise _Refusal(415, "只接受表单或 JSON 格式的提交", "Only form posts and JSON are accepted")
        not_utf8 = _Refusal(400, "内容不是有效的 UTF-8 编码", "The body is not valid UTF-8")
        if request.mimetype == _FORM_TYPES[0]:
            # Werkzeug would keep undecodable %XX escapes as text; the standard library's strict
            # parse refuses them, in the same single pass over the body.
            try:
                pairs = parse_qsl(
                    request.get_data().decode("utf-8"),
                    keep_blank_values=True,
                    errors="strict",
                    max_num_fields=1000,
                )
            except (UnicodeDecodeError, ValueError):
                raise not_utf8 from None
            data: dict[str, str] = {}
            for key, value in pairs:
                data.setdefault(key, value)  # a repeated field keeps its first value
            return data
        data = request.form.to_dict(flat=True)
        # In multipart bodies Werkzeug replaces bytes that are not UTF-8 with U+FFFD.
        if any("\ufffd" in key or "\ufffd" in value for key, value in data.items()):
            raise not_utf8
        return data

    def check_origin(self, request: Request) -> None:
        origin = request.headers.get("Origin")
        if origin and origin not in self.settings.allowed_origins and origin != request.host_url.rstrip("/"):
            raise _Refusal(403, "此网站不能向本表单提交", "This site may not send to this form")

    def cors_headers(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if not origin or origin not in self.settings.allowed_origins:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Accept",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }

    def client(self, request: Request) -> str:
        if self.settings.trust_forwarded_for and request.access_route:
            return request.access_route[0]
        return request.remote_addr or "unknown"

    def wants_json(self, request: Request) -> bool:
        return (
            request.is_json
            or request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
        )

    def thanks_url(self, form: Form) -> str:
        return f"{self.settings.site_url}/forms/{form.name}/thanks/"

    def accepted(self, request: Request, form: Form, submission_id: str) -> Response:
        if self.wants_json(request):
            return _json({"id": submission_id, "redirect": self.thanks_url(form)}, 201)
        return Response(status=303, headers={"Location": self.thanks_url(form)})

    def invalid(self, request: Request, form: Form, submission: Submission) -> Response:
        if self.wants_json(request):
            errors = {name: {"zh": t.zh, "en": t.en} for name, t in submission.errors.items()}
            return _json({"errors": errors}, 422)
        page = self.pages.get_template("form_errors.html").render(
            form=form, values=submission.values, errors=submission.errors, action=request.path
        )
        return Response(page, 422, mimetype="text/html")

    def refuse(self, request: Request, refusal: _Refusal) -> Response:
        if self.wants_json(request):
            response = _json({"error": {"zh": refusal.text.zh, "en": refusal.text.en}}, refusal.status)
        else:
            page = self.pages.get_template("form_refused.html").render(
                reason=refusal.text, status=refusal.status
            )
            response = Response(page, refusal.status, mimetype="text/html")
        response.headers.update(refusal.headers)
        return response


def _too_large(limit: int) -> _Refusal:
    return _Refusal(
        413,
        f"提交的内容太大（上限 {limit // 1024} KB）",
        f"The submission is too large (limit {limit // 1024} KB)",
    )


def _json(payload: dict, status: int) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status, mimetype="application/json")
