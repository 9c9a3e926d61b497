"""The time-trap: a signed stamp of when a form was shown, to catch posts faster than a person types.

The build puts a stamp in each form (the hidden field STAMP_FIELD) and the page asks the handler
for a fresh one when it loads. A post whose stamp is missing, forged, made for another form or
too young is treated like a filled honeypot. Stamps keep no state: any instance that knows the
secret checks them, and none can tell a stamp used once from one used twice. They have no
maximum age: a page built weeks ago carries its build day's stamp for visitors without
JavaScript, whose post would otherwise be set apart unread, and a bot can fetch a new stamp
as freely as a person (docs/operators.md, The time-trap).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from core.problems import Problem, ProblemsFound

STAMP_FIELD = "_stamp"  # form field names start with a letter, so this one cannot clash
SECRET_ENV = "FORMS_STAMP_SECRET"
MIN_SECRET_LENGTH = 32
# A stamp may come this many seconds "from the future": clocks of the build machine and of
# the function's instances never agree exactly.
CLOCK_SKEW = 60.0
_STAMP = re.compile(r"([0-9]{1,12})\.([0-9a-f]{64})")  # ASCII only: compare_digest refuses other text
_PURPOSE = b"alumni-forms stamp v2:"  # a signature made for a stamp is good for nothing else
# Stamps signed before they named their form, in pages built before the handler learnt to: taken
# while such pages can still be open or unpublished again, so a post sent from one is not set
# apart as spam; after that, only stamps for their own form.
_UNBOUND = b"alumni-forms stamp v1:"
UNBOUND_UNTIL = 1_801_180_800  # 2027-01-29, two months after the change


def issue(secret: bytes, form: str, now: float) -> str:
    """A stamp for this moment and this form: "<unix seconds>.<hex HMAC-SHA256>"."""
    seconds = str(int(now))
    return f"{seconds}.{_sign(secret, form, seconds)}"


def age(stamp: str | None, secret: bytes, form: str, now: float) -> float | None:
    """Seconds since the stamp was issued for the form; None if it is missing, malformed, forged,
    made for another form or from the future."""
    match = _STAMP.fullmatch(stamp) if isinstance(stamp, str) else None
    if match is None:
        return None
    seconds, signature = match.groups()
    if not hmac.compare_digest(_sign(secret, form, seconds), signature) and not (
        now < UNBOUND_UNTIL
        and hmac.compare_digest(
            hmac.new(secret, _UNBOUND + seconds.encode(), hashlib.sha256).hexdigest(), signature
        )
    ):
        return None
    elapsed = now - int(seconds)
    if elapsed < -CLOCK_SKEW:
        return None
    return max(elapsed, 0.0)


def too_fast(stamp: str | None, secret: bytes, form: str, now: float, min_seconds: float) -> bool:
    """True if the post must be treated as spam: no valid stamp for the form, or sent sooner than min_seconds."""
    elapsed = age(stamp, secret, form, now)
    return elapsed is None or elapsed < min_seconds


def fresh_stamp_answer(secret: bytes, form: str, now: float) -> tuple[str, dict[str, str]]:
    """The JSON body and headers of the answer to the form page's request for a fresh stamp."""
    body = json.dumps({"field": STAMP_FIELD, "stamp": issue(secret, form, now)})
    # no-store: a stamp kept by a CDN or the browser would grow old and let every post through.
    return body, {"Content-Type": "application/json", "Cache-Control": "no-store"}


def secret_from_env(value: str | None) -> bytes | None:
    """The signing secret from FORMS_STAMP_SECRET; None when it is not set (no time-trap)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) < MIN_SECRET_LENGTH:
        command = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
        raise ProblemsFound(
            [
                Problem(
                    SECRET_ENV,
                    f"只有 {len(value)} 个字符，太短，别人可以猜出来：请设为至少 {MIN_SECRET_LENGTH} 个字符的随机文字，可用 {command} 生成",
                    f"has only {len(value)} characters, short enough to guess: set it to at least {MIN_SECRET_LENGTH} random characters, made with {command}",
                    kind="setting",
                )
            ]
        )
    return value.encode("utf-8")


def _sign(secret: bytes, form: str, seconds: str) -> str:
    # Form names are lower-case letters, digits and hyphens: no ":" to blur where the name ends.
    message = _PURPOSE + form.encode("utf-8") + b":" + seconds.encode("ascii")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
