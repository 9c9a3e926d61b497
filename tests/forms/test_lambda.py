"""The Lambda entry point, invoked with real API Gateway v1 and v2 event JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forms.inbox import read_inbox
from tests.support import BUILD_DATE, ROOT

EVENTS = Path(__file__).parent / "events"
INVOKE = "import json, sys; from forms.lambda_function import handler; print(json.dumps(handler(json.load(sys.stdin), None)))"


def invoke(event: dict, inbox: Path) -> dict:
    """A cold start in a fresh process, with the function's environment, as Lambda runs it."""
    env = {**os.environ, "FORMS_INBOX": str(inbox), "FORMS_TODAY": BUILD_DATE, "FORMS_TRUST_FORWARDED_FOR": "1",
           "FORMS_ALLOWED_ORIGINS": "https://alumni.example.org", "FORMS_SITE_URL": "https://alumni.example.org"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", INVOKE],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("version, subject", [("v1", "来自v1"), ("v2", "来自v2")])
def test_an_api_gateway_event_stores_the_submission(tmp_path, version, subject):
    event = json.loads((EVENTS / f"apigateway-{version}.json").read_text(encoding="utf-8"))
    response = invoke(event, tmp_path)
    assert response["statusCode"] == 201, response
    answer = json.loads(response["body"])
    assert answer["redirect"] == "https://alumni.example.org/forms/contact/thanks/"
    [row] = read_inbox(tmp_path / "contact-v1.csv")
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
