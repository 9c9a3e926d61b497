"""A form whose fields changed while its version did not: no row is ever stored under another
version's header, by any storage, and the build and the handler's start say what to do."""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.definitions import load_forms
from core.problems import ProblemsFound
from core.tables import BOM, line, read_records
from forms.gitinbox import Branch, Change, GitInbox, Remote
from forms.inbox import BOOKKEEPING, LocalInbox, header
from forms.photos import Photo
from tests.support import BUILD_DATE, ROOT, build_repo, gunicorn_start

FORMS = load_forms(ROOT / "forms", [("uk-christmas-2026", None)])
CONTACT, EVENTS = FORMS["contact"], FORMS["event-registration"]
VALUES = {
    "name": "林校友",
    "email": "lin@example.com",
    "subject": "问候",
    "message": "老师好",
    "consent": "yes",
}
# contact-v1.csv as a handler wrote it before `subject` was added to forms/contact.yaml, version kept.
OLDER = line(BOOKKEEPING + [c for c in CONTACT.columns if c != "subject"])
OLD_ROW = line(["0" * 32, "2026-01-05T08:00:00.000+00:00", "1", "陈校友", "chen@example.com", "你好", "yes"])
SAID = (
    "的列与 forms/contact.yaml 的字段不同：增删或改名字段后请把 version 改为 2（新的提交存入 contact-v2.csv），这个文件保持原样"
    " / has other columns than the fields of forms/contact.yaml: after adding, removing or renaming a field, raise its"
    " version to 2 (new submissions then go to contact-v2.csv) and leave this file as it is"
)


def older_inbox(folder: Path) -> Path:
    """An inbox whose contact-v1.csv holds a row under the older header."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "contact-v1.csv").write_bytes(OLDER + OLD_ROW)
    return folder / "contact-v1.csv"


def test_a_local_inbox_refuses_a_row_under_an_older_header_and_leaves_the_file_as_it_was(tmp_path):
    path = older_inbox(tmp_path / "inbox")
    inbox = LocalInbox(tmp_path / "inbox")
    photo = Photo("1.jpg", b"\xff\xd8 not decoded here \xff\xd9", 1, 1)
    with pytest.raises(ProblemsFound) as found:
        inbox.append(CONTACT, VALUES, photos=[photo])
    assert [problem.sentence() for problem in found.value.problems] == [f"{path}: {SAID}"]
    assert path.read_bytes() == OLDER + OLD_ROW
    assert not (tmp_path / "inbox" / "photos").exists() or not any((tmp_path / "inbox" / "photos").iterdir())
    with pytest.raises(ProblemsFound):  # and again: refused every time, not only the first
        inbox.append(CONTACT, VALUES)
    assert path.read_bytes() == OLDER + OLD_ROW


def test_a_counted_registration_is_refused_under_an_older_header_too(tmp_path):
    path = tmp_path / "inbox" / "event-registration-v1.csv"
    path.parent.mkdir()
    older = line(BOOKKEEPING + [c for c in EVENTS.columns if c != "mobile"])
    path.write_bytes(older)
    with pytest.raises(ProblemsFound) as found:
        LocalInbox(tmp_path / "inbox").append_counted(
            EVENTS, {"event": "uk-christmas-2026", "name": "林"}, "event"
        )
    assert found.value.problems[0].file == str(path)
    assert path.read_bytes() == older


def test_a_header_with_a_bom_and_windows_line_ends_is_the_same_columns(tmp_path):
    path = tmp_path / "inbox" / "contact-v1.csv"
    path.parent.mkdir()
    row = line(
        ["0" * 32, "2026-01-05T08:00:00.000+00:00", "1", "陈校友", "chen@example.com", "问候", "你好", "yes"]
    )
    saved = (
        BOM + header(CONTACT).replace(b"\n", b"\r\n") + row.rstrip(b"\n")
    )  # a spreadsheet's, last line unended
    path.write_bytes(saved)
    submission = LocalInbox(tmp_path / "inbox").append(CONTACT, VALUES)
    assert path.read_bytes().startswith(saved + b"\n")
    assert [row["id"] for row in read_records(path)] == ["0" * 32, submission]


def test_an_inbox_file_replaced_after_the_first_row_is_checked_again(tmp_path):
    inbox = LocalInbox(tmp_path / "inbox")
    inbox.append(CONTACT, VALUES)
    path = tmp_path / "inbox" / "contact-v1.csv"
    older_inbox(tmp_path / "copy").replace(path)  # an older copy put back while the handler runs
    with pytest.raises(ProblemsFound):
        inbox.append(CONTACT, VALUES)
    assert path.read_bytes() == OLDER + OLD_ROW
    path.unlink()  # archived: the next row starts a new file, where the review reads it
    submission = inbox.append(CONTACT, VALUES)
    assert [row["id"] for row in read_records(path)] == [submission]


def post_json(url: str, form: str, fields: dict) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("POST", f"/api/forms/{form}", json.dumps(fields, ensure_ascii=False).encode(),
                       {"Content-Type": "application/json"})  # fmt: skip
    answer = connection.getresponse()
    result = answer.status, json.loads(answer.read())
    connection.close()
    return result


def test_the_handler_answers_503_stores_nothing_and_logs_what_to_do(start_handler):
    handler = start_handler(workers=1, threads=2)
    path = older_inbox(handler.inbox)  # put there after the start, which found none
    status, answer = post_json(handler.url, "contact", VALUES)
    assert (
        status == 503 and answer["error"]["en"] == "Could not be saved just now; please try again in a moment"
    )
    assert path.read_bytes() == OLDER + OLD_ROW
    assert sorted(p.name for p in handler.inbox.iterdir()) == ["contact-v1.csv"]
    log = "".join(p.read_text("utf-8") for p in handler.inbox.parent.glob("gunicorn-*.log"))
    assert f"could not store a submission of contact: {path}: {SAID}" in log
    assert "lin@example.com" not in log and "Traceback" not in log


def test_the_handler_refuses_to_start_beside_an_inbox_file_of_other_columns(tmp_path):
    path = older_inbox(tmp_path / "inbox")
    environment = {**os.environ, "FORMS_INBOX": str(tmp_path / "inbox"), "FORMS_TODAY": BUILD_DATE}
    result = gunicorn_start(environment)
    assert result.returncode == 3  # gunicorn's "worker failed to boot": it stops instead of retrying
    assert f"{path}: {SAID}" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == OLDER + OLD_ROW


def test_the_git_inbox_refuses_a_row_under_the_branchs_older_header(git_daemon):
    Branch(Remote(git_daemon.url)).commit(lambda _: Change({"contact-v1.csv": OLDER + OLD_ROW}, "Start"))
    inbox = GitInbox(Remote(git_daemon.url))
    with pytest.raises(ProblemsFound) as found:
        inbox.append(CONTACT, VALUES)
    assert [problem.sentence() for problem in found.value.problems] == [f"submissions:contact-v1.csv: {SAID}"]
    assert git_daemon.git("show", "submissions:contact-v1.csv").encode() == OLDER + OLD_ROW
    assert git_daemon.git("rev-list", "--count", "submissions").strip() == "1"  # nothing pushed
    note = {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "三十年",
            "body": "我们回到了化学楼。", "email": "note@example.com", "consent": "yes"}  # fmt: skip
    inbox.append(FORMS["class-note"], note)  # another form's rows are still stored
    assert len(git_daemon.rows("class-note-v2.csv")) == 1


def test_the_build_stops_beside_a_local_inbox_file_of_other_columns(make_repo):
    repo = make_repo({})
    older_inbox(repo / "data" / "inbox")
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert [problem.sentence() for problem in found.value.problems] == [f"data/inbox/contact-v1.csv: {SAID}"]
    assert not (repo / "output").exists()
