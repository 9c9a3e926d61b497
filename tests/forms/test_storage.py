"""One suite for every storage: the local inbox (the reference), the review branch, and the
landing bucket folded onto the branch. Each stores what it acknowledges once, as it was typed,
and keeps spam apart from what editors review. Real servers: git daemon, moto's S3 server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from core.definitions import load_forms
from forms.fold import fold
from forms.gitinbox import Branch, BranchFiles, GitInbox, Remote
from forms.inbox import Inbox, LocalFiles, LocalInbox, Storage
from forms.photos import Photo
from forms.s3inbox import S3Inbox, bucket_from_env
from tests.support import ROOT

CONTACT = load_forms(ROOT / "forms")["contact"]
TYPED = {"name": "=HYPERLINK(\"x\")", "email": "-lin@example.com", "subject": "问候, \"老师\"",
         "message": "第一行\n第二行，含逗号, 和引号\"", "consent": "yes"}  # fmt: skip


@dataclass
class Stored:
    storage: Storage
    settle: Callable[[], None]  # what has to happen before editors can read it (the fold)
    inbox: Callable[[], Inbox]  # where the review and the digest read it


@pytest.fixture(params=["local", "git", "s3"])
def stored(request, tmp_path) -> Stored:
    if request.param == "local":
        data = tmp_path / "data"
        return Stored(LocalInbox(data / "inbox"), lambda: None, lambda: LocalFiles(data))
    git_daemon = request.getfixturevalue("git_daemon")
    branch = lambda: Branch(Remote(git_daemon.url))  # noqa: E731
    if request.param == "git":
        return Stored(GitInbox(Remote(git_daemon.url)), lambda: None, lambda: BranchFiles(branch()))
    s3_server = request.getfixturevalue("s3_server")
    env = {**s3_server.environ(), "FORMS_S3_URL": f"s3://{s3_server.new_bucket()}/landing"}

    def settle() -> None:
        fold(bucket_from_env(env), branch())

    return Stored(S3Inbox(bucket_from_env(env)), settle, lambda: BranchFiles(branch()))


def test_every_acknowledged_submission_is_read_back_once_and_spam_apart(stored):
    def send(number: int) -> tuple[str, bool]:
        spam = number % 6 == 0
        values = {**TYPED, "subject": f"第 {number} 封"}
        return stored.storage.append(CONTACT, values, spam=spam), spam

    with ThreadPoolExecutor(8) as pool:
        acknowledged = list(pool.map(send, range(24)))
    stored.settle()
    ids = Counter(row["id"] for _, rows in stored.inbox().files("contact") for row in rows)
    assert sorted(ids) == sorted(i for i, spam in acknowledged if not spam) and set(ids.values()) == {1}


def test_what_was_typed_is_what_is_read(stored):
    submission_id = stored.storage.append(CONTACT, TYPED)
    stored.settle()
    [(_, [row])] = stored.inbox().files("contact")
    assert row == {"id": submission_id, "received": row["received"], "form_version": "1", **TYPED}


def test_photos_are_stored_with_their_row_and_read_back_in_order(stored):
    note = load_forms(ROOT / "forms")["class-note"]
    photos = [Photo(f"{n}.jpg", f"photo {n}".encode() * 1000, 40, 30) for n in (1, 2, 3)]
    values = {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "合影",
              "body": "二十多位同学回到化学楼合影留念。", "photos": "1.jpg 2.jpg 3.jpg", "photo_alt": "合影", "consent": "yes"}  # fmt: skip
    with_photos = stored.storage.append(note, values, photos=photos)
    without = stored.storage.append(note, {**values, "photos": ""})
    stored.settle()
    inbox = stored.inbox()
    [(_, rows)] = inbox.files("class-note")
    assert [row["id"] for row in rows] == [with_photos, without]
    found = inbox.photos(with_photos)
    assert [(p.name, p.data) for p in found] == [(p.name, p.data) for p in photos]
    assert all(p.where.endswith(f"photos/{with_photos}/{p.name}") for p in found)
    assert inbox.photos(without) == []


def test_a_hidden_photo_folder_another_worker_renames_while_it_is_swept_is_left_alone(tmp_path, monkeypatch):
    """Storing photos first sweeps the hidden folders killed workers left. Another worker's own
    hidden folder may be listed and then renamed into place before it is looked at: that is no
    error (it was one: one upload in a load test got a 503). A stale one is still removed."""
    import contextlib
    import os
    import time

    from forms import inbox

    photos = tmp_path / "photos"
    for name in (".renamed", ".stale", ".young"):
        (photos / name).mkdir(parents=True)
    two_hours_ago = time.time() - 7200
    os.utime(photos / ".stale", (two_hours_ago, two_hours_ago))
    listed = list(os.scandir(photos))
    (photos / ".renamed").rename(photos / "renamed")
    monkeypatch.setattr(os, "scandir", lambda path: contextlib.nullcontext(listed))
    inbox._sweep(photos)
    monkeypatch.undo()
    assert sorted(p.name for p in photos.iterdir()) == [".young", "renamed"]


DISK_FULL = """
import json, resource, sys
from pathlib import Path
from core.definitions import load_forms
from forms.inbox import LocalInbox
from forms.photos import Photo

forms = load_forms(Path("forms"))
inbox = LocalInbox(Path(sys.argv[1]))
values = {"name": "校友", "email": "a@example.com", "message": "留言，含逗号, 和换行\\n第二行", "consent": "yes"}
told = {"stored": [], "refused": []}
# The file-size limit stands in for a full disk: write() stores a part, then fails (EFBIG, as
# ENOSPC would); Python ignores SIGXFSZ.
resource.setrlimit(resource.RLIMIT_FSIZE, (4000, resource.RLIM_INFINITY))
for n in range(60):
    try:
        inbox.append(forms["contact"], {**values, "subject": f"m{n}"})
        told["stored"].append(f"m{n}")
    except OSError:
        told["refused"].append(f"m{n}")
try:
    inbox.append(forms["class-note"], {"name": "x"}, photos=[Photo("1.jpg", b"\\xff" * 5000, 10, 10)])
except OSError:
    told["photo"] = "refused"
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
inbox.append(forms["contact"], {**values, "subject": "after"})  # space freed
told["stored"].append("after")
print(json.dumps(told))
"""


def test_a_disk_that_fills_part_way_leaves_no_torn_row_and_no_row_told_stored_is_lost(tmp_path):
    import json
    import subprocess
    import sys

    from core import tables

    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    told = json.loads(done.stdout)
    assert told["refused"] and told["photo"] == "refused"
    rows = tables.read_records(tmp_path / "contact-v1.csv")
    assert [row["subject"] for row in rows] == told["stored"]
    assert {row["consent"] for row in rows} == {"yes"}  # no row ran on from a torn one
    assert not [path for path in (tmp_path / "photos").rglob("*") if path.is_file()]


def test_a_bucket_that_takes_requests_and_never_answers_gets_its_503_before_the_gateway_gives_up(
    tmp_path, monkeypatch
):
    import socket
    import time

    from forms import s3inbox
    from forms.s3inbox import LandingUnavailable
    from tests.servers import S3_KEY, S3_SECRET

    worst = s3inbox.TRIES * (s3inbox.CONNECT_SECONDS + s3inbox.READ_SECONDS) + 1 + 2  # boto3's pauses
    assert worst < s3inbox.GATEWAY_SECONDS
    monkeypatch.setattr(s3inbox, "READ_SECONDS", 0.5)  # the same sum, measured quickly
    frozen = socket.create_server(("127.0.0.1", 0), backlog=64)  # accepts, never answers
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{frozen.getsockname()[1]}", "AWS_ACCESS_KEY_ID": S3_KEY,
           "AWS_SECRET_ACCESS_KEY": S3_SECRET, "AWS_REGION": "us-east-1", "FORMS_S3_URL": "s3://landing/x"}  # fmt: skip
    try:
        inbox = S3Inbox(bucket_from_env(env))
        started = time.monotonic()
        with pytest.raises(LandingUnavailable):
            inbox.append(CONTACT, dict(TYPED))
        took = time.monotonic() - started
    finally:
        frozen.close()
    assert s3inbox.READ_SECONDS * s3inbox.TRIES <= took <= s3inbox.TRIES * (s3inbox.CONNECT_SECONDS + 1) + 3
