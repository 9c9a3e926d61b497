"""The handler as an AWS Lambda function behind API Gateway (REST API v1 or HTTP API v2 events),
and the scheduled digest of new submissions, from the same zip.

    Handler: forms.lambda_function.handler   (API Gateway)
    Handler: forms.lambda_function.digest    (an EventBridge schedule)
    Handler: forms.lambda_function.fold      (an EventBridge schedule, with FORMS_STORAGE=s3)

Configured by the same FORMS_* environment variables as under gunicorn (docs/operators.md,
docs/deploy.md). apig-wsgi turns the API Gateway event into a WSGI request and the response
back into the shape API Gateway expects.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from collections.abc import Callable, Iterable

from apig_wsgi import make_lambda_handler

from core.definitions import load_forms
from core.site import site_name
from forms.app import ROOT
from forms.digest import count, digest_settings_from_env, send_digest
from forms.fold import fold_from_env
from forms.gitinbox import Branch, BranchFiles, remote_from_env
from forms.wsgi import application

logger = logging.getLogger(__name__)


def _from_gateway(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """The handler, seeing the caller's address as API Gateway saw the connection: X-Forwarded-For
    is written by the client before the gateway adds to it (apig-wsgi takes its first entry)."""
    context = environ.get("apig_wsgi.request_context") or {}
    source = (context.get("http") or {}).get("sourceIp") or (context.get("identity") or {}).get("sourceIp")
    environ["REMOTE_ADDR"] = str(source or "unknown")
    environ.pop("HTTP_X_FORWARDED_FOR", None)
    # The event holds the whole body, its length given: a client's Transfer-Encoding header
    # would make Werkzeug wait for a chunked stream's end that never comes, and read nothing.
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    # API Gateway sends text in each of these; an event with anything else is no request (WSGI's
    # variables are text), refused with the rest that cannot be read rather than failing inside.
    if any(not isinstance(value, str) for key, value in environ.items() if key.isupper()):
        raise TypeError("an event field that is not text")
    return application(environ, start_response)


_gateway = make_lambda_handler(_from_gateway)


def handler(event: dict, context: object) -> dict:
    """API Gateway's event answered by the form handler; an event apig-wsgi cannot read (a body
    that is not base64, a part missing) gets a 400 sentence rather than a failed invocation."""
    try:
        return _gateway(event, context)
    # LookupError: a field missing, or a header given as an empty list; ValueError: binascii and
    # Unicode errors too.
    except (LookupError, TypeError, AttributeError, ValueError):
        logger.warning("an API Gateway event that cannot be read")
        body = {"error": {"zh": "请求无法解析", "en": "The request could not be read"}}
        return {"statusCode": 400, "headers": {"Content-Type": "application/json"},
                "body": json.dumps(body, ensure_ascii=False), "isBase64Encoded": False}  # fmt: skip


def digest(event: dict, context: object) -> dict:
    """Send the counts per form of submissions on the review branch: new in the last
    FORMS_DIGEST_HOURS (24), and pending in all. Never what anyone typed."""
    env = os.environ
    settings = digest_settings_from_env(env)  # a mistake in them fails before anything is fetched
    hours = float(env.get("FORMS_DIGEST_HOURS") or 24)
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=hours)
    counts = count(BranchFiles(Branch(remote_from_env(env))), load_forms(ROOT / "forms"), since)
    sent = send_digest(counts, settings, site_name())
    return {"new": counts.new, "sent": sent}


def fold(event: dict, context: object) -> dict:
    """Move the submissions landed in FORMS_S3_URL onto the review branch of FORMS_GIT_URL: one
    commit, then their objects deleted. Returns the figures; an object left in the bucket is
    logged as one sentence. A bucket or branch out of reach fails with one sentence."""
    folded = fold_from_env(os.environ)
    for problem in folded.problems:
        logger.error(problem.sentence())
    return folded.summary()
