"""The form handler: a WSGI application that checks a submission and appends it to the inbox.

    from forms.app import create_app, settings_from_env
    application = create_app(settings_from_env())

It keeps nothing between requests but a per-client rate limit, so it runs the same under
`invoke serve`, under gunicorn, and as a cloud function (forms/lambda_function.py). With the
office's public key it seals private fields before any storage sees them; with a stamp secret
it keeps posts faster than a person apart, like a filled honeypot (core/stamps.py).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import HTTP_STATUS_CODES, parse_accept_header, parse_options_header
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_content_length, get_input_stream

from core import stamps as timetrap
from core import tables
from core.definitions import STALE_VERSION, Form, Text, load_forms, stale_inboxes
from core.events import closed_events, midday, next_closing, open_events
from core.problems import Gathering, Problem, ProblemsFound
from core.sealing import RECIPIENT_ENV, Sealer
from core.site import site_settings
from core.translations import page_environment
from forms.checkin import KEY_ENV as CHECKIN_KEY_ENV
from forms.checkin import check_in, key_from_env, key_matches, read_scans
from forms.gitinbox import GitInbox, remote_from_env
from forms.inbox import ATTEMPT, LocalInbox, Storage, attempt
from forms.photos import Photo, Refused, photo_names, take_photos
from forms.places import Standing, capacity_of, placed, standing
from forms.ratelimit import RateLimiter
from forms.s3inbox import S3Inbox, bucket_from_env
from forms.submission import Submission, check

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
_FORM_PATH = re.compile(r"/([a-z0-9]+(?:-[a-z0-9]+)*)(?:/(stamp|status|cancel|checkin|checkin\.js))?/?")
CHECKIN_SCRIPT = Path(__file__).with_name("checkin.js")  # the volunteers' page's script, never in output/
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_HTML = "text/html; charset=utf-8"
_DRAIN = 16 * 1024
MAX_FORM_PARTS = 100  # fields of a multipart post; a form of ours has fewer than 30
MAX_FORM_FIELDS = 1000  # fields of an urlencoded post, as parse_qsl's max_num_fields
_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_STATUS_LINES = {code: f"{code} {text.upper()}" for code, text in HTTP_STATUS_CODES.items()}  # as Werkzeug's


@dataclass
class HandlerSettings:
    """Everything the handler needs; nothing is read from anywhere else."""

    storage: Storage
    forms_dir: Path = ROOT / "forms"
    events_csv: Path = ROOT / "data" / "events.csv"
    theme_dir: Path = ROOT / "theme"
    # The association's name per edition, from pelicanconf.py like the site's (core/site.py).
    site_names: dict[str, str] = field(default_factory=lambda: dict(site_settings()["SITE_NAMES"]))
    # The rest of the site's settings its pages need to look like the site's own: the menu's
    # and the footer's addresses and words (pelicanconf.py, like the build).
    site: dict = field(default_factory=lambda: dict(site_settings()))
    site_url: str = ""  # where the site's pages are, for thank-you redirects and links
    prefix: str = "/api/forms"  # the path the handler answers under
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024  # a form with photos takes each photo's size on top (Form.body_limit)
    # Photos are stored no wider than the widest copy the site publishes of them.
    photo_width: int = field(default_factory=lambda: max(site_settings()["PHOTO_WIDTHS"]))
    rate_per_minute: int = 20  # per client; 0 turns the limit off
    rate_burst: int = 10
    trust_forwarded_for: bool = False  # behind one proxy that adds the client's address to X-Forwarded-For
    lang: str = "zh"
    now: Callable[[], datetime.datetime] = field(default=lambda: datetime.datetime.now(datetime.UTC))
    sealer: Sealer | None = None  # seals private fields with the office's public key before storing
    stamp_secret: bytes | None = None  # signs the time-trap's stamps; None: no time-trap
    stamp_min_seconds: float = 3.0  # a post sooner after the form was shown is kept apart as spam
    production: bool = False  # refuse to start without a sealer and a stamp secret
    checkin_key: str | None = None  # the volunteers' key for the check-in page; None: check-in closed


def settings_from_env(environ: dict | None = None) -> HandlerSettings:
    """Settings from FORMS_* environment variables (see docs/operators.md); every setting that
    cannot work stops the start, all of them named at once (ProblemsFound)."""
    env = os.environ if environ is None else environ
    gathered = Gathering()
    problems, checked = gathered.problems, gathered.run

    mode = env.get("FORMS_MODE", "").strip() or "development"
    kind = env.get("FORMS_STORAGE", "").strip() or "local"
    for name, value, allowed in (("FORMS_MODE", mode, _MODES), ("FORMS_STORAGE", kind, _STORAGES)):
        if value not in allowed:
            problems.append(Problem(name, f"“{value}”不是可选的值，请写 {' 或 '.join(allowed)}",
                                    f"“{value}” is not one of {', '.join(allowed)}", kind="setting"))  # fmt: skip
    recipient = env.get(RECIPIENT_ENV, "").strip()
    sealer = checked(Sealer, recipient) if recipient else None
    secret = checked(timetrap.secret_from_env, env.get(timetrap.SECRET_ENV))
    checkin_key = checked(key_from_env, env.get(CHECKIN_KEY_ENV))
    if kind == "git":
        remote = checked(remote_from_env, env)
        storage = GitInbox(remote) if remote else None
    elif kind == "s3":
        bucket = checked(bucket_from_env, env)
        storage = S3Inbox(bucket) if bucket else None
    else:
        storage = LocalInbox(Path(env.get("FORMS_INBOX", ROOT / "data" / "inbox")))
    problems += _missing_keys(mode == "production", storage, sealer, secret)
    if problems:
        raise ProblemsFound(problems)
    return HandlerSettings(
        storage=storage,
        sealer=sealer,
        stamp_secret=secret,
        stamp_min_seconds=float(env.get("FORMS_STAMP_MIN_SECONDS", HandlerSettings.stamp_min_seconds)),
        production=mode == "production",
        checkin_key=checkin_key,
        site_url=env.get("FORMS_SITE_URL", ""),
        prefix=env.get("FORMS_PREFIX", HandlerSettings.prefix),
        allowed_origins=tuple(o for o in env.get("FORMS_ALLOWED_ORIGINS", "").split(",") if o),
        max_body_bytes=int(env.get("FORMS_MAX_BODY_BYTES", HandlerSettings.max_body_bytes)),
        rate_per_minute=int(env.get("FORMS_RATE_PER_MINUTE", HandlerSettings.rate_per_minute)),
        rate_burst=int(env.get("FORMS_RATE_BURST", HandlerSettings.rate_burst)),
        trust_forwarded_for=env.get("FORMS_TRUST_FORWARDED_FOR", "") == "1",
        # Pins the day that decides which events are open, for tests and demos.
        now=_pinned(env.get("FORMS_TODAY")) or HandlerSettings.now,
    )


def _pinned(day: str | None) -> Callable[[], datetime.datetime] | None:
    """FORMS_TODAY: a day the handler takes as today (noon there), for tests and demos."""
    if not day:
        return None
    moment = midday(datetime.date.fromisoformat(day))
    return lambda: moment


_MODES = ("development", "production")
_STORAGES = ("local", "git", "s3")


def _missing_keys(
    production: bool, storage: Storage | None, sealer: Sealer | None, secret: bytes | None
) -> list[Problem]:
    """What a deployment must have before it takes a single submission, rather than store clear text."""
    why = None
    if isinstance(storage, GitInbox):
        why = ("FORMS_STORAGE=git 会把提交复制到仓库的每个克隆里，私密字段必须加密",
               "FORMS_STORAGE=git copies submissions to every clone of the repository, so private fields must be sealed")  # fmt: skip
    elif isinstance(storage, S3Inbox):
        why = ("FORMS_STORAGE=s3 经存储桶把提交送到审核分支，会复制到仓库的每个克隆里，私密字段必须加密",
               "FORMS_STORAGE=s3 passes submissions through a bucket onto the review branch, which is copied to every clone of the repository, so private fields must be sealed")  # fmt: skip
    elif production:
        why = (
            "FORMS_MODE=production 不会以明文保存私密字段",
            "FORMS_MODE=production stores no private field in clear text",
        )
    problems = []
    if sealer is None and why:
        problems.append(Problem(RECIPIENT_ENV, f"未设置，{why[0]}：请运行 invoke keygen，把它打印的公钥（age1…）填在这里",
                                f"is not set, and {why[1]}: run invoke keygen and set it to the public key (age1…) it prints", kind="setting"))  # fmt: skip
    if secret is None and production:
        problems.append(Problem(timetrap.SECRET_ENV, f"未设置，FORMS_MODE=production 需要时间陷阱来挡住机器人：请设为至少 {timetrap.MIN_SECRET_LENGTH} 个字符的随机文字",
                                f"is not set, and FORMS_MODE=production needs the time-trap against bots: set it to at least {timetrap.MIN_SECRET_LENGTH} random characters", kind="setting"))  # fmt: skip
    return problems


class _Refusal(Exception):
    """A request the handler will not take, with the status and the reason to show."""

    def __init__(self, status: int, zh: str, en: str, headers: dict | None = None):
        self.status, self.text, self.headers = status, Text(zh, en), headers or {}


@dataclass
class _Answer:
    """An answer, with the status line and headers Werkzeug's Response would send, without building one."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def send(self, environ: dict, start_response: Callable, extra: list[tuple[str, str]]) -> list[bytes]:
        headers = [("Content-Type", self.content_type), *self.headers, *extra]
        if self.status != 204:
            headers.append(("Content-Length", str(len(self.body))))
        start_response(_STATUS_LINES[self.status], headers)
        return [] if self.status == 204 or environ.get("REQUEST_METHOD") == "HEAD" else [self.body]


def create_app(settings: HandlerSettings) -> Callable:
    """The WSGI application; form definitions are checked now, so a broken one stops start-up."""
    handler = FormHandler(settings)
    if settings.trust_forwarded_for:
        # The client's address is the one the proxy added, the right-most: what comes before it
        # the client wrote itself, and would rotate to escape the rate limit.
        return ProxyFix(handler, x_for=1, x_proto=0, x_host=0, x_port=0, x_prefix=0)
    return handler


class FormHandler:
    """Reads what it needs from the WSGI environ; Werkzeug parses what is not plain (multipart,
    Accept and Content-Type headers, chunked bodies, proxies' X-Forwarded-For)."""

    def __init__(self, settings: HandlerSettings):
        missing = _missing_keys(settings.production, settings.storage, settings.sealer, settings.stamp_secret)
        if missing:
            raise ProblemsFound(missing)
        self.settings = settings
        self.limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
        # The site's editions: the default one at the site's root, the English one under /en/;
        # a form page of the English edition posts with ?lang=en and is answered in English.
        self.pages = {}
        for lang, name in settings.site_names.items():
            pages = self.pages[lang] = page_environment(settings.theme_dir, lang)
            root = self.root(lang)
            pages.globals.update(settings.site)
            pages.globals.update(
                SITENAME=name,
                SITEURL=settings.site_url,
                ROOT=root,
                lang=lang,
                edition_url=lambda path, root=root: f"{root}/{path}",
                editions={other: self.root(other) for other in settings.site_names},
            )
        self._forms: tuple[datetime.datetime, dict[str, Form]] | None = None  # (until when, the forms)
        self._events: dict[str, Mapping] = {}
        # Read now, not on the first alumnus: a broken definition stops start-up, and a fresh
        # worker is not busy reading them while clients connect (it would accept fewer of them).
        forms = self.forms()
        # So does a local inbox file of another version's columns (a field changed, not the
        # version): the handler could store nothing of that form. Other storages refuse its rows.
        if isinstance(settings.storage, LocalInbox):
            settings.storage.mend()  # half a row the worker this one replaces was killed writing
            stale = stale_inboxes(forms.values(), settings.storage.directory, str(settings.storage.directory))
            if stale:
                raise ProblemsFound(stale)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            answer = self.handle(environ)
        except _Refusal as refusal:
            answer = self.refuse(environ, refusal)
        except RequestEntityTooLarge:
            answer = self.refuse(environ, _too_large(self.settings.max_body_bytes))
        except HTTPException:
            answer = self.refuse(environ, _unreadable())
        except ProblemsFound as found:  # a stored file that cannot be read, wherever it was read
            logger.error("could not read the storage: %s", _unread(found))
            answer = self.refuse(environ, _Refusal(503, "暂时无法处理，请稍后再试",
                                                   "Cannot be handled just now; please try again in a moment"))  # fmt: skip
        except Exception:
            logger.exception("form handler failed")  # the form and id only; never the values
            answer = self.refuse(
                environ,
                _Refusal(
                    500, "服务器出错，请稍后再试", "Something went wrong on our side; please try again later"
                ),
            )
        return answer.send(environ, start_response, self.cors_headers(environ))

    def request(self, environ: dict) -> Request:
        """Werkzeug's view of the request, with our limits, for what is not read directly."""
        request = Request(environ)
        request.max_content_length = self.settings.max_body_bytes
        request.max_form_memory_size = self.settings.max_body_bytes
        request.max_form_parts = MAX_FORM_PARTS
        # A multipart body Werkzeug cannot read (no boundary, cut short) raises ValueError rather
        # than being read as a form with every field left empty.
        request.form_data_parser_class = _StrictFormDataParser
        return request

    def forms(self) -> dict[str, Form]:
        """The definitions, with the events open now as choices; worked out again when the next
        event closes (at the end of its deadline's day, in its own zone)."""
        now = self.settings.now()
        if self._forms is None or now >= self._forms[0]:
            try:
                rows = tables.read_records(self.settings.events_csv, "data/events.csv")
                forms = load_forms(self.settings.forms_dir, open_events(rows, now), closed_events(rows, now))
                self._forms = (next_closing(rows, now), forms)
                self._events = {str(row["id"]): row for row in rows}
            except ProblemsFound as found:
                if self._forms is None:
                    raise  # at start-up: the operator is told, in a sentence
                # Later the site's build reports it to the editors; meanwhile the forms keep working.
                logger.error("could not read the events: %s", found)
                self._forms = (now + datetime.timedelta(hours=1), self._forms[1])
        return self._forms[1]

    def handle(self, environ: dict) -> _Answer:
        path = full_path = _path(environ)
        if path.startswith(self.settings.prefix):
            path = path[len(self.settings.prefix) :]
        elif not _mounted(environ):  # mounted (invoke serve), the mount point is the prefix
            raise _Refusal(404, "没有这个表单", "There is no such form")
        match = _FORM_PATH.fullmatch(path)
        forms = self.forms()
        if not match or match.group(1) not in forms:
            raise _Refusal(404, "没有这个表单", "There is no such form")
        form = forms[match.group(1)]
        self.check_origin(environ)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method == "OPTIONS":
            return _Answer(204)
        if match.group(2) == "stamp":
            return self.stamp(form, method)
        if match.group(2) in ("checkin", "checkin.js"):
            return self.checkin(environ, form, method, match.group(2))
        if match.group(2):  # a registration's standing, or its cancellation
            return self.place(environ, form, method, cancel=match.group(2) == "cancel")
        if method != "POST":
            raise _Refusal(405, "请用表单提交", "Send the form with POST", {"Allow": "POST, OPTIONS"})
        limit = form.body_limit(self.settings.max_body_bytes)
        length = get_content_length(environ)
        if length is not None and length > limit:
            raise _too_large(limit)
        uploads: list[tuple[str, BinaryIO]] = []
        if form.photos and _mimetype(environ.get("CONTENT_TYPE", "")) == _FORM_TYPES[1]:
            data, uploads = self.read_with_photos(environ, form, limit)
        else:
            data = self.read_body(environ)
        self.hold_back(environ)
        if form.photos:  # what was sent, whatever a client typed into the field
            data[form.photos.name] = photo_names(len(uploads))
        submission = check(form, data, self.settings.now().date())
        spam = submission.spam or self.too_fast(form, data)
        photos = [] if spam else self.photos(form, uploads, submission)
        if form.photos and not photos:  # kept apart as spam, or refused: the row names none
            submission.values[form.photos.name] = ""
        if not spam and not submission.valid:
            # The form posts back where this post came: SCRIPT_NAME is the prefix the handler is
            # mounted under (invoke serve mounts it at /api/forms, a gateway at its stage).
            return self.invalid(environ, form, submission, _mounted(environ) + full_path)
        values = (
            self.settings.sealer.seal_values(form, submission.values)
            if self.settings.sealer
            else submission.values
        )
        capacity = None if spam else self.capacity(form, values)
        # The page's id for this filling-in: sent again, the same submission; a registration sent
        # again for another event is another one, at the end of that event's line (forms/places.py).
        given = attempt(data.get(ATTEMPT), form.name, submission.values.get("event", ""))
        storage = self.settings.storage
        try:
            if capacity and hasattr(storage, "append_counting"):  # a landing bucket: the fold counts
                submission_id, now = storage.append_counting(form, values, given)
            elif capacity:
                submission_id, line = storage.append_counted(form, values, "event", given)
                now = placed(line, capacity)
            else:
                submission_id = storage.append(form, values, spam, photos, given)
        except (OSError, ProblemsFound) as error:
            logger.error("could not store a submission of %s: %s", form.name, _unread(error))
            raise _Refusal(
                503,
                "暂时无法保存，请稍后再试",  # the same in both: no promise the no-JavaScript page cannot keep
                "Could not be saved just now; please try again in a moment",
            ) from None
        if spam:
            return self.accepted(environ, form, "0")  # the same answer: a bot learns nothing
        logger.info("stored %s submission %s", form.name, submission_id)
        if capacity:
            return self.standing(environ, form, submission_id, now, 201)
        return self.accepted(environ, form, submission_id)

    def photos(self, form: Form, uploads: list[tuple[str, BinaryIO]], submission: Submission) -> list[Photo]:
        """The photos sent, decoded and encoded again (forms/photos.py); one that cannot be taken is
        the photos field's error, and then none is stored."""
        try:
            return take_photos(form.photos, uploads, self.settings.photo_width) if uploads else []
        except Refused as refused:
            submission.errors[form.photos.name] = refused.text
            return []

    def capacity(self, form: Form, values: dict[str, str]) -> int | None:
        """The places of the event a registration is for, when it has a number of them."""
        return capacity_of(self._events.get(values.get("event", ""), {})) if form.registers else None

    def place(self, environ: dict, form: Form, method: str, cancel: bool) -> _Answer:
        """GET .../status?id=: where a registration stands; POST .../cancel (id): give the place up,
        which moves the first on the waiting list up. The id, unguessable, is the registrant's key."""
        storage = self.settings.storage
        looked_up = hasattr(storage, "registrations") or hasattr(storage, "standing")
        if not looked_up or not form.registers:
            raise _Refusal(
                404,
                "这里查不到报名情况，请联系主办方",
                "Registrations cannot be looked up here; ask the organisers",
            )
        if cancel and method != "POST":
            raise _Refusal(
                405, "请用页面上的按钮取消", "Cancel with the button on the page", {"Allow": "POST, OPTIONS"}
            )
        if not cancel and method not in ("GET", "HEAD"):
            raise _Refusal(405, "请用 GET 查看", "Look it up with GET", {"Allow": "GET, OPTIONS"})
        fields = self.read_body(environ) if cancel else Request(environ).args
        self.hold_back(environ)  # each look reads every registration: it costs what a submission does
        submission_id = str(fields.get("id") or "")
        if not re.fullmatch(r"[0-9a-f]{32}", submission_id):
            raise _Refusal(404, "没有这条报名", "There is no such registration")
        try:
            if cancel and not storage.cancel(form, submission_id):
                raise _Refusal(404, "没有这条报名", "There is no such registration")
            if hasattr(storage, "standing"):  # a landing bucket: as the fold last counted it
                now = storage.standing(form, submission_id) or Standing("unknown")
            else:
                rows, cancelled = storage.registrations(form)
                mine = next((row for row in rows if row["id"] == submission_id), None)
                event = self._events.get((mine or {}).get("event", ""), {})
                now = standing(rows, cancelled, submission_id, capacity_of(event))
        except (OSError, ProblemsFound) as error:
            logger.error("could not read the registrations of %s: %s", form.name, _unread(error))
            raise _Refusal(
                503, "暂时查不到，请稍后再试", "Cannot be looked up just now; please try again in a moment"
            ) from None
        if now.kind == "unknown":
            raise _Refusal(404, "没有这条报名", "There is no such registration")
        return self.standing(environ, form, submission_id, now, 200)

    def standing(self, environ: dict, form: Form, submission_id: str, now: Standing, status: int) -> _Answer:
        """A registration's standing: JSON for the page's script, else the handler's page."""
        lang = self.lang(environ)
        # The form's address as the client sees it (a gateway's stage included), so the links work
        # wherever the handler answers.
        path = _path(environ)
        base = environ.get("SCRIPT_NAME", "").rstrip("/") + path[: path.index(form.name) + len(form.name)]
        query = "" if lang == self.settings.lang else f"lang={lang}"
        links = {"status": f"{base}/status?id={submission_id}" + (f"&{query}" if query else ""),
                 "cancel": f"{base}/cancel" + (f"?{query}" if query else "")}  # fmt: skip
        if self.wants_json(environ):
            # The page's script goes where a browser without it would be: the registration's page.
            return _json({"id": submission_id, **now.as_json(), **links, "redirect": links["status"]}, status)
        page = (
            self.pages[lang]
            .get_template("registration.html")
            .render(standing=now, submission=submission_id, links=links)
        )
        return _Answer(status, page.encode("utf-8"), _HTML)

    def checkin(self, environ: dict, form: Form, method: str, part: str) -> _Answer:
        """The volunteers' check-in page (GET .../checkin?event=), its script (.../checkin.js), and
        the arrivals it sends (POST .../checkin). Open only with FORMS_CHECKIN_KEY set, and for a
        registration form whose storage can count (not a landing bucket)."""
        storage = self.settings.storage
        if self.settings.checkin_key is None or not hasattr(storage, "arrive") or not form.registers:
            raise _Refusal(404, "这里没有开放签到", "Check-in is not open here")
        page = part == "checkin"  # the page, which its script posts back to; or the script
        if method not in ("GET", "HEAD", "POST") or (method == "POST" and not page):
            allowed = "GET, POST, OPTIONS" if page else "GET, OPTIONS"
            raise _Refusal(405, "请用签到页面签到", "Check in with the check-in page", {"Allow": allowed})
        if part == "checkin.js":
            script = CHECKIN_SCRIPT.read_bytes()
            return _Answer(200, script, "text/javascript; charset=utf-8", [("Cache-Control", "no-cache")])
        if method == "POST":
            return self.arrivals(environ, form)
        event = self._events.get(Request(environ).args.get("event", ""))
        if event is None:
            raise _Refusal(404, "没有这个活动", "There is no such event")
        lang = self.lang(environ)
        address = environ.get("SCRIPT_NAME", "").rstrip("/") + _path(environ).rstrip("/")
        title = str(event.get("title_en") or event["title"]) if lang == "en" else str(event["title"])
        html = (
            self.pages[lang]
            .get_template("checkin.html")
            .render(event=str(event["id"]), title=title, endpoint=address, script=address + ".js")
        )
        headers = [("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer")]
        return _Answer(200, html.encode("utf-8"), _HTML, headers)

    def arrivals(self, environ: dict, form: Form) -> _Answer:
        """Mark the arrivals a volunteer's phone sends, with the volunteers' key as a bearer token,
        once per registration (forms/checkin.py); answered without names, which the handler
        cannot read anyway without the office's private key."""
        if not key_matches(self.settings.checkin_key or "", environ.get("HTTP_AUTHORIZATION")):
            self.hold_back(environ)  # a wrong key costs what a submission does
            raise _Refusal(401, "志愿者密钥不对：请向活动主办方要本次签到的密钥",
                           "The volunteers' key is wrong: ask the organisers for this check-in's key",
                           {"WWW-Authenticate": 'Bearer realm="check-in"'})  # fmt: skip
        data = self.read_body(environ)
        event = self._events.get(str(data.get("event", "")))
        if event is None:
            raise _Refusal(404, "没有这个活动", "There is no such event")
        try:
            scans = read_scans(data)
        except ValueError:
            raise _Refusal(400, "签到数据的格式不对，请刷新签到页面后再试",
                           "The check-in data is not as expected; reload the check-in page and try again") from None  # fmt: skip
        storage = self.settings.storage
        try:
            rows, cancelled = storage.registrations(form)
            door = check_in(str(event["id"]), capacity_of(event), rows, cancelled,
                            scans, lambda marks: storage.arrive(form, marks))  # fmt: skip
        except (OSError, ProblemsFound) as error:
            logger.error("could not mark arrivals at %s: %s", event["id"], _unread(error))
            raise _Refusal(503, "暂时无法签到，扫过的码留在手机上，稍后会自动再发",
                           "Cannot check in just now; the codes stay on the phone and are sent again by themselves") from None  # fmt: skip
        logger.info("check-in at %s: %d scans, %d of %d arrived", event["id"], len(scans), door.arrived, door.expected)  # fmt: skip
        return _json({"event": str(event["id"]), **door.as_json()}, 200)

    def stamp(self, form: Form, method: str) -> _Answer:
        """A fresh signed stamp for the form page's script, which sends it back with the post."""
        secret = self.settings.stamp_secret
        if secret is None:
            raise _Refusal(
                404, "本服务器没有启用时间戳", "There are no stamps here: the time-trap is not in use"
            )
        if method not in ("GET", "HEAD"):
            raise _Refusal(405, "请用 GET 获取时间戳", "Fetch the stamp with GET", {"Allow": "GET, OPTIONS"})
        body, headers = timetrap.fresh_stamp_answer(secret, form.name, time.time())
        content_type = headers.pop("Content-Type")
        return _Answer(200, body.encode("utf-8"), content_type, list(headers.items()))

    def too_fast(self, form: Form, data: dict) -> bool:
        """Sent sooner after the form was shown than a person could fill it in (or with no valid stamp for it)."""
        secret = self.settings.stamp_secret
        return secret is not None and timetrap.too_fast(
            data.get(timetrap.STAMP_FIELD), secret, form.name, time.time(), self.settings.stamp_min_seconds
        )

    def read_body(self, environ: dict) -> dict:
        mimetype = _mimetype(environ.get("CONTENT_TYPE", ""))
        if mimetype != "application/json" and mimetype not in _FORM_TYPES:
            raise _Refusal(415, "只接受表单或 JSON 格式的提交", "Only form posts and JSON are accepted")
        _plain_utf8(environ)
        body = self.body(environ)
        if mimetype == _FORM_TYPES[0] and body.count(b"&") >= MAX_FORM_FIELDS:
            raise _Refusal(413, f"表单的项太多（最多 {MAX_FORM_FIELDS} 项）",
                           f"The form has too many fields (at most {MAX_FORM_FIELDS})")  # fmt: skip
        not_utf8 = _Refusal(400, "内容不是有效的 UTF-8 编码", "The body is not valid UTF-8")
        if mimetype == "application/json":
            try:
                # UTF-8 only: given bytes, json.loads would also read UTF-16 and UTF-32. Its byte
                # order mark, which some clients write (PowerShell, .NET), is no error of the sender's.
                data = json.loads(body.decode("utf-8-sig"))
                # A lone surrogate ("\\ud800") is valid JSON but no text: it could never be stored.
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            # Not JSON, not UTF-8, or nested too deep.
            except (ValueError, RecursionError):
                raise _Refusal(
                    400, "内容不是有效的 JSON（UTF-8）", "The body is not valid JSON (UTF-8)"
                ) from None
            if not isinstance(data, dict):
                raise _Refusal(
                    400, 'JSON 内容应为对象，如 {"name": "…"}', "The JSON body should be an object of fields"
                )
            return data
        if mimetype == _FORM_TYPES[0]:
            try:
                return _form_fields(body)
            except ValueError:  # UnicodeDecodeError included
                raise not_utf8 from None
        # Multipart: Werkzeug parses the body already read, so its limits see every byte.
        read = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        read.pop("wsgi.input_terminated", None)
        try:
            return _multipart_fields(self.request(read))
        except RequestEntityTooLarge:  # the body is within its limit, so it is the number of parts
            raise _Refusal(413, f"表单分成的部分太多（最多 {MAX_FORM_PARTS} 个）",
                           f"The form has too many parts (at most {MAX_FORM_PARTS})") from None  # fmt: skip
        except ValueError:
            raise _unreadable() from None

    def read_with_photos(
        self, environ: dict, form: Form, limit: int
    ) -> tuple[dict, list[tuple[str, BinaryIO]]]:
        """A multipart post to a form with photos: Werkzeug parses the body as it arrives, within
        the form's limit, each file into a temporary file (unnamed: a killed worker leaves none),
        so a body of photos is never held in memory whole. Returns the fields and (file name,
        file) for each photo sent; an empty file input sends a part without a name, not a photo."""
        _plain_utf8(environ)
        request = self.request(environ)
        request.max_content_length = limit
        # Werkzeug's parser also holds up to this much of a file part while it looks for the part's
        # end, 64 KB at a time: below its own default (500 KB) a photo would be refused as too long.
        request.max_form_memory_size = max(self.settings.max_body_bytes, 500 * 1024)
        try:
            with _reading():
                data = _multipart_fields(request)
                files = request.files.getlist(form.photos.name)
        except RequestEntityTooLarge:
            if get_content_length(environ) is None:  # a chunked body that went past the limit
                raise _too_large(limit) from None
            raise _Refusal(413, f"表单的某一项太长，或分成的部分太多（最多 {MAX_FORM_PARTS} 个）",
                           f"A field of the form is too long, or the form has too many parts (at most {MAX_FORM_PARTS})") from None  # fmt: skip
        return data, [(upload.filename, upload.stream) for upload in files if upload.filename]

    def body(self, environ: dict) -> bytes:
        """The whole body, refused (413) when it is over the limit, whether its length was said
        (checked before reading) or not (a chunked body is read one byte past the limit to know)."""
        with _reading():
            return self._body(environ)

    def _body(self, environ: dict) -> bytes:
        limit = self.settings.max_body_bytes
        length = get_content_length(environ)
        if length is not None or not environ.get("wsgi.input_terminated"):
            body = get_input_stream(environ, max_content_length=limit).read()
            # gunicorn ends a body at a dropped connection without a word: the rest never came.
            if length is not None and len(body) < length:
                raise _unreadable()
            return body
        stream, chunks, size = environ["wsgi.input"], [], 0
        while size <= limit:
            chunk = stream.read(limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            # Read on a little (bounded), so the client, still sending, gets the 413 and not a reset.
            for _ in range(4 * limit // _DRAIN):
                if not stream.read(_DRAIN):
                    break
            raise _too_large(limit)
        return b"".join(chunks)

    def check_origin(self, environ: dict) -> None:
        origin = environ.get("HTTP_ORIGIN")
        if (
            origin
            and origin not in self.settings.allowed_origins
            and origin != Request(environ).host_url.rstrip("/")
        ):
            raise _Refusal(403, "此网站不能向本表单提交", "This site may not send to this form")

    def cors_headers(self, environ: dict) -> list[tuple[str, str]]:
        origin = environ.get("HTTP_ORIGIN")
        if not origin or origin not in self.settings.allowed_origins:
            return []
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
            ("Access-Control-Allow-Headers", "Content-Type, Accept"),
            ("Access-Control-Max-Age", "600"),
            ("Vary", "Origin"),
        ]

    def hold_back(self, environ: dict) -> None:
        """A 429 for a client that has sent more than the rate limit allows; else it takes a token."""
        wait = self.limiter.wait(self.client(environ))
        if wait:
            raise _Refusal(429, "请求太频繁，请稍后再试", "Too many requests; please wait a little",
                           {"Retry-After": str(int(wait) + 1)})  # fmt: skip

    def client(self, environ: dict) -> str:
        return environ.get("REMOTE_ADDR") or "unknown"

    def wants_json(self, environ: dict) -> bool:
        mimetype = _mimetype(environ.get("CONTENT_TYPE", ""))
        return (
            mimetype == "application/json"
            or (mimetype.startswith("application/") and mimetype.endswith("+json"))
            or _prefers_json(environ.get("HTTP_ACCEPT"))
        )

    def lang(self, environ: dict) -> str:
        """The edition the form was sent from: ?lang=en from the English pages, else the default
        (a site without an English edition answers ?lang=en in its own language)."""
        english = "lang=en" in environ.get("QUERY_STRING", "").split("&") and "en" in self.pages
        return "en" if english else self.settings.lang

    def root(self, lang: str) -> str:
        return self.settings.site_url + ("" if lang == self.settings.lang else f"/{lang}")

    def thanks_url(self, form: Form, lang: str) -> str:
        return f"{self.root(lang)}/forms/{form.name}/thanks/"

    def accepted(self, environ: dict, form: Form, submission_id: str) -> _Answer:
        thanks = self.thanks_url(form, self.lang(environ))
        if self.wants_json(environ):
            return _json({"id": submission_id, "redirect": thanks}, 201)
        return _Answer(303, headers=[("Location", iri_to_uri(thanks))])

    def invalid(self, environ: dict, form: Form, submission: Submission, path: str) -> _Answer:
        if self.wants_json(environ):
            # Each error names its field in words too, for a client that shows them elsewhere.
            errors = {
                name: {"zh": t.zh, "en": t.en, "label": _label(form, name)}
                for name, t in submission.errors.items()
            }
            return _json({"errors": errors}, 422)
        lang = self.lang(environ)
        action = path + ("" if lang == self.settings.lang else f"?lang={lang}")  # path as the client sees it
        secret = self.settings.stamp_secret  # the form again, with a stamp from now
        stamp = timetrap.issue(secret, form.name, time.time()) if secret else None
        template = self.pages[lang].get_template("form_errors.html")
        page = template.render(
            form=form, values=submission.values, errors=submission.errors, action=action, stamp=stamp
        )
        return _Answer(422, page.encode("utf-8"), _HTML)

    def refuse(self, environ: dict, refusal: _Refusal) -> _Answer:
        if self.wants_json(environ):
            answer = _json({"error": {"zh": refusal.text.zh, "en": refusal.text.en}}, refusal.status)
        else:
            page = (
                self.pages[self.lang(environ)]
                .get_template("form_refused.html")
                .render(reason=refusal.text, status=refusal.status)
            )
            answer = _Answer(refusal.status, page.encode("utf-8"), _HTML)
        answer.headers.extend(refusal.headers.items())
        return answer


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """Reading the body: a body the server cannot read is the client's mistake, answered with a
    400. Servers raise their own classes: gunicorn an OSError for a body cut short (NoMoreData),
    a plain Exception for a malformed chunk (InvalidChunkSize)."""
    try:
        yield
    except (_Refusal, HTTPException):  # our own answers and Werkzeug's limits, as they are
        raise
    except Exception:
        raise _unreadable() from None


def _multipart_fields(request: Request) -> dict:
    """The fields of a multipart post Werkzeug has read. A field sent as a file is there as no
    text at all ({}), which check() names as such, rather than missing, as if left empty."""
    fields = request.form.to_dict(flat=True)
    # Werkzeug replaces bytes that are not UTF-8 with U+FFFD.
    if any("\ufffd" in key or "\ufffd" in value for key, value in fields.items()):
        raise _Refusal(400, "内容不是有效的 UTF-8 编码", "The body is not valid UTF-8")
    return {**{name: {} for name in request.files}, **fields}


def _unreadable() -> _Refusal:
    return _Refusal(400, "请求无法解析", "The request could not be read")


class _StrictFormDataParser(FormDataParser):
    """Werkzeug's form parser, raising ValueError for a body it cannot read instead of silently
    reading it as an empty form."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, silent=False, **kwargs)


def _unread(error: OSError | ProblemsFound) -> str:
    """A storage failure for the log, in one line without a submitted value: an OSError's own
    message (a storage's names no value and no credential), the sentence of a file refused for
    another version's columns (it quotes nothing sent, and says what to do), or the files a read
    refused, whose sentences may quote what someone sent."""
    if isinstance(error, ProblemsFound):
        said = [problem.sentence() for problem in error.problems if problem.kind == STALE_VERSION]
        unread = sorted({problem.file for problem in error.problems if problem.kind != STALE_VERSION})
        return "; ".join(said + (["cannot read " + ", ".join(unread)] if unread else []))
    return str(error)


def _path(environ: dict) -> str:
    """The request path as Werkzeug reads it from the environ (a doubled slash kept: no form's)."""
    # A gateway may pass characters no WSGI path can hold (not Latin-1): they name no form.
    path = environ.get("PATH_INFO", "").encode("latin1", "replace").decode(errors="replace")
    return path if path.startswith("/") else "/" + path


def _mounted(environ: dict) -> str:
    """Where the handler is mounted (SCRIPT_NAME), as Werkzeug reads it: /api/forms under invoke serve."""
    return environ.get("SCRIPT_NAME", "").encode("latin1", "replace").decode(errors="replace").rstrip("/")


def _form_fields(body: bytes) -> dict[str, str]:
    """An urlencoded body as parse_qsl(keep_blank_values=True, errors="strict") reads it, keeping a repeated field's first value; raises ValueError where it would.

    Werkzeug would keep undecodable %XX escapes as text, so the standard library's strict rules
    apply. parse_qsl decodes escapes one at a time in Python, a third of the handler's time for a
    Chinese message; here each run of escapes is decoded in one call (_unquote).
    """
    text = body.decode("utf-8")
    data: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            # The value is decoded even when the name repeats: a bad escape anywhere refuses the body.
            data.setdefault(_unquote(name.replace("+", " ")), _unquote(value.replace("+", " ")))
    return data


def _unquote(text: str) -> str:
    """urllib.parse.unquote(text, errors="strict"): a run of %XX escapes is one UTF-8 byte string."""
    return _ESCAPES.sub(_decode_escapes, text) if "%" in text else text


def _decode_escapes(run: re.Match) -> str:
    return bytes.fromhex(run[0].replace("%", "")).decode("utf-8")


@functools.lru_cache(maxsize=256)
def _mimetype(content_type: str) -> str:
    return parse_options_header(content_type)[0].lower()


def _plain_utf8(environ: dict) -> None:
    """A body compressed, or said to be in another encoding than UTF-8, would be read as garbled
    text ("not UTF-8", "please fill this in"): the client is told what to send instead."""
    if environ.get("HTTP_CONTENT_ENCODING", "identity").strip().lower() not in ("", "identity"):
        raise _Refusal(415, "请不要压缩后提交", "Send the body uncompressed (no Content-Encoding)")
    charset = parse_options_header(environ.get("CONTENT_TYPE", ""))[1].get("charset", "utf-8")
    if charset.strip().lower() not in ("utf-8", "utf8"):
        raise _Refusal(415, "请用 UTF-8 编码提交", "Send the body in UTF-8")


@functools.lru_cache(maxsize=256)
def _label(form: Form, name: str) -> dict[str, str]:
    """A field's label in both languages; the consent box has none of its own."""
    found = next((f.label for f in form.fields if f.name == name), None) or Text("同意声明", "Consent")
    return {"zh": found.zh, "en": found.en}


def _prefers_json(accept: str | None) -> bool:
    """Whether the Accept header prefers JSON to HTML; a few distinct headers are most of the traffic."""
    return (
        parse_accept_header(accept, MIMEAccept).best_match(["text/html", "application/json"])
        == "application/json"
    )


def _too_large(limit: int) -> _Refusal:
    size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"
    return _Refusal(413, f"提交的内容太大（上限 {size}）", f"The submission is too large (limit {size})")


def _json(payload: dict, status: int) -> _Answer:
    return _Answer(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")
