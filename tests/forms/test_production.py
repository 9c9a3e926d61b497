"""The handler as deployed: private fields sealed before anything is stored, the time-trap, and
no start at all without the keys that production needs. Real gunicorn, real files."""

from __future__ import annotations

import http.client
import json
import os
import re
import time
from urllib.parse import urlencode, urlsplit

import pytest

from core.problems import ProblemsFound
from core.sealing import Opener, generate_keypair
from core.stamps import STAMP_FIELD, issue
from core.tables import read_records
from forms.app import settings_from_env
from tests.support import BUILD_DATE, ROOT, gunicorn_start

IDENTITY, RECIPIENT = generate_keypair()
SECRET = "s" * 40
UPDATE = {"name": "周晓梅", "gender": "female", "relation": "staff", "staff_years": "1990-2015", "staff_unit": "图书馆",
          "birth_date": "1968-05-04", "mobile": "13911112222", "email": "zhou.xm@example.com",
          "address": "示例市学府路88号3栋201室", "consent": "yes"}  # fmt: skip
CONTACT = {
    "name": "林校友",
    "email": "lin@example.com",
    "subject": "问候",
    "message": "老师好",
    "consent": "yes",
}
REFUSALS = [
    "FORMS_AGE_RECIPIENT: 未设置，FORMS_MODE=production 不会以明文保存私密字段：请运行 invoke keygen，把它打印的公钥（age1…）填在这里"
    " / is not set, and FORMS_MODE=production stores no private field in clear text: run invoke keygen and set it to the public key (age1…) it prints",
    "FORMS_STAMP_SECRET: 未设置，FORMS_MODE=production 需要时间陷阱来挡住机器人：请设为至少 32 个字符的随机文字"
    " / is not set, and FORMS_MODE=production needs the time-trap against bots: set it to at least 32 random characters",
]  # fmt: skip


def request(url: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    connection.request(method, path, urlencode(body) if body is not None else None, headers)
    answer = connection.getresponse()
    result = answer.status, dict(answer.getheaders()), json.loads(answer.read() or b"{}")
    connection.close()
    return result


def test_private_fields_are_sealed_before_they_are_stored(start_handler):
    handler = start_handler(FORMS_AGE_RECIPIENT=RECIPIENT)
    status, _, answer = request(handler.url, "POST", "/api/forms/update", UPDATE)
    assert status == 201
    [row] = read_records(handler.inbox / "update-v1.csv")
    sealed = sorted(name for name, value in row.items() if value.startswith("age:"))
    assert sealed == ["address", "birth_date", "email", "mobile"]
    assert (row["id"], row["name"], row["staff_unit"]) == (answer["id"], "周晓梅", "图书馆")
    assert Opener(IDENTITY).open_row(row)["mobile"] == "13911112222"
    stored = (handler.inbox / "update-v1.csv").read_text(encoding="utf-8")
    assert "13911112222" not in stored and "zhou.xm@example.com" not in stored and "学府路" not in stored


def test_the_time_trap_keeps_posts_faster_than_a_person_apart(start_handler):
    handler = start_handler(FORMS_STAMP_SECRET=SECRET, FORMS_AGE_RECIPIENT=RECIPIENT)
    status, headers, answer = request(handler.url, "GET", "/api/forms/contact/stamp")
    assert status == 200 and headers["Cache-Control"] == "no-store" and answer["field"] == STAMP_FIELD
    fresh, old = answer["stamp"], issue(SECRET.encode(), "contact", time.time() - 60)
    forged = old[:-1] + ("0" if old[-1] != "0" else "1")
    elsewhere = issue(SECRET.encode(), "class-note", time.time() - 60)  # old enough, for another form
    answers = [request(handler.url, "POST", "/api/forms/contact", {**CONTACT, **extra})
               for extra in ({}, {STAMP_FIELD: fresh}, {STAMP_FIELD: forged}, {STAMP_FIELD: elsewhere},
                             {STAMP_FIELD: old})]  # fmt: skip
    assert [status for status, _, _ in answers] == [201] * 5  # a bot is not told it was caught
    [kept] = read_records(handler.inbox / "contact-v1.csv")
    assert kept["id"] == answers[4][2]["id"] and STAMP_FIELD not in kept
    spam = read_records(handler.inbox / "spam" / "contact-v1.csv")
    assert len(spam) == 4 and all(row["email"].startswith("age:") for row in spam)  # sealed there too


def test_without_a_stamp_secret_there_is_no_stamp_and_no_trap(handler):
    assert request(handler.url, "GET", "/api/forms/contact/stamp")[0] == 404
    status, _, answer = request(handler.url, "POST", "/api/forms/contact", CONTACT)
    assert status == 201 and answer["id"] in {r["id"] for r in read_records(handler.inbox / "contact-v1.csv")}


def test_production_mode_without_its_keys_refuses_to_start_under_gunicorn(tmp_path):
    environment = {**os.environ, "FORMS_MODE": "production", "FORMS_INBOX": str(tmp_path / "inbox"),
                   "FORMS_TODAY": BUILD_DATE}  # fmt: skip
    for name in ("FORMS_AGE_RECIPIENT", "FORMS_STAMP_SECRET"):
        environment.pop(name, None)
    result = gunicorn_start(environment)
    assert result.returncode == 3  # gunicorn's "worker failed to boot": it stops instead of retrying
    assert all(sentence in result.stderr for sentence in REFUSALS)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "inbox").exists()


@pytest.mark.parametrize(
    "env, refused",
    [
        ({"FORMS_MODE": "production", "FORMS_STAMP_SECRET": SECRET}, ["FORMS_AGE_RECIPIENT"]),
        ({"FORMS_MODE": "production", "FORMS_AGE_RECIPIENT": RECIPIENT}, ["FORMS_STAMP_SECRET"]),
        ({"FORMS_STORAGE": "git", "FORMS_GIT_URL": "git://127.0.0.1/site.git"}, ["FORMS_AGE_RECIPIENT"]),
        ({"FORMS_STORAGE": "svn"}, ["FORMS_STORAGE"]),
        (
            {"FORMS_MODE": "prod", "FORMS_AGE_RECIPIENT": "AGE-SECRET-KEY-1XYZ"},
            ["FORMS_MODE", "FORMS_AGE_RECIPIENT"],
        ),
    ],
)
def test_settings_that_cannot_work_stop_the_start_with_every_reason(env, refused):
    with pytest.raises(ProblemsFound) as found:
        settings_from_env(env)
    assert [problem.file for problem in found.value.problems] == refused


def test_the_git_inbox_needs_a_key_in_any_mode():
    with pytest.raises(ProblemsFound) as found:
        settings_from_env({"FORMS_STORAGE": "git", "FORMS_GIT_URL": "git://127.0.0.1/site.git"})
    assert found.value.problems[0].sentence() == (
        "FORMS_AGE_RECIPIENT: 未设置，FORMS_STORAGE=git 会把提交复制到仓库的每个克隆里，私密字段必须加密：请运行 invoke keygen，"
        "把它打印的公钥（age1…）填在这里 / is not set, and FORMS_STORAGE=git copies submissions to every clone of the "
        "repository, so private fields must be sealed: run invoke keygen and set it to the public key (age1…) it prints"
    )


def test_every_variable_the_handler_and_the_tasks_read_is_in_the_operators_guide():
    sources = [
        *ROOT.glob("core/*.py"),
        *ROOT.glob("forms/*.py"),
        *ROOT.glob("office/*.py"),
        ROOT / "tasks.py",
    ]
    code = "".join(path.read_text(encoding="utf-8") for path in sources)
    documented = (ROOT / "docs/operators.md").read_text(encoding="utf-8")
    variables = set(re.findall(r"\b(FORMS_[A-Z_]+[A-Z])\b", code)) - {
        "FORMS_ACTION",
        "FORMS_DIR",
    }  # build settings
    assert len(variables) > 30 and sorted(v for v in variables if f"`{v}`" not in documented) == []
