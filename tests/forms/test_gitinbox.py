"""The inbox on a review branch, against real git servers on 127.0.0.1 (git daemon, git http-backend)."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest

from core.definitions import load_forms
from core.sealing import Opener, generate_keypair
from forms.gitinbox import Branch, BranchUnavailable, GitInbox, PushRefused, Remote
from tests.servers import GIT_TOKEN, GIT_USER
from tests.support import ROOT, free_port

FORMS = load_forms(ROOT / "forms")
CONTACT = {"name": "林校友", "email": "lin@example.com", "subject": "问候", "message": "老师好\n同学们好", "consent": "yes"}  # fmt: skip


UPDATE = {"name": "周晓梅", "gender": "female", "relation": "staff", "staff_years": "1990-2015", "staff_unit": "图书馆",
          "birth_date": "1968-05-04", "address": "示例市学府路88号3栋201室", "consent": "yes"}  # fmt: skip


def post(url: str, form: str, fields: dict) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request("POST", f"/api/forms/{form}", urlencode(fields),
                       {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})  # fmt: skip
    answer = connection.getresponse()
    result = answer.status, json.loads(answer.read())
    connection.close()
    return result


def writers(url: str, count: int, per_writer: int, threads: int = 1) -> list[subprocess.Popen]:
    """Function instances in their own processes, all pushing to the branch at once."""
    command = [sys.executable, "-m", "tests.forms.writer", url, str(per_writer), str(threads)]
    return [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(count)]  # fmt: skip


def test_sixteen_instances_at_once_store_every_row_exactly_once(git_daemon):
    started = time.monotonic()
    processes = writers(git_daemon.url, 16, 15)
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0] * 16, [err.splitlines()[-1] for _, err in outputs if err]
    acknowledged = [line for out, _ in outputs for line in out.splitlines() if not line.startswith("{")]
    figures = [json.loads(out.splitlines()[-1]) for out, _ in outputs]

    rows = git_daemon.rows("contact-v1.csv")
    ids = Counter(row["id"] for row in rows)
    assert len(rows) == 240 and len(acknowledged) == 240
    assert [i for i, n in ids.items() if n > 1] == []  # no duplicates
    assert set(acknowledged) == set(ids)
    commits = int(git_daemon.git("rev-list", "--count", "submissions"))
    assert commits == sum(f["commits"] for f in figures)
    print(f"\n16 x 15: {len(rows)} rows, {commits} commits, {sum(f['moved'] for f in figures)} pushes lost to "
          f"another instance, {time.monotonic() - started:.1f}s")  # fmt: skip


def test_rows_that_arrive_together_share_a_commit(git_daemon):
    [process] = writers(git_daemon.url, 1, 24, threads=8)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    figures = json.loads(out.splitlines()[-1])
    assert len(git_daemon.rows("contact-v1.csv")) == 24
    assert figures["commits"] < 24
    print(f"\n24 rows from 8 threads: {figures['commits']} commits")


def test_an_instance_killed_mid_push_loses_no_acknowledged_row(git_daemon):
    processes = writers(git_daemon.url, 3, 20)
    victim = processes[0]
    acknowledged = [victim.stdout.readline().strip() for _ in range(5)]
    time.sleep(0.03)  # most of a writer's time is spent pushing: kill it somewhere in a push
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    acknowledged += [line.strip() for line in victim.stdout if not line.startswith("{")]
    for process in processes[1:]:
        assert process.wait(timeout=60) == 0
    git_daemon.settled()  # the killed writer's push, ended on the server's side too
    git_daemon.git("fsck", "--no-progress", "--strict")
    rows = git_daemon.rows("contact-v1.csv")  # parses: no torn row
    ids = [row["id"] for row in rows]
    assert set(acknowledged) <= set(ids) and len(ids) == len(set(ids))
    assert all(row["name"] for row in rows) and {row["consent"] for row in rows} == {"yes"}


def test_the_branch_starts_apart_from_the_sites_history(git_daemon):
    inbox = GitInbox(Remote(git_daemon.url))
    submission_id = inbox.append(FORMS["contact"], CONTACT)
    inbox.append(FORMS["contact"], {**CONTACT, "website": "http://spam"}, spam=True)
    assert git_daemon.git("ls-tree", "-r", "--name-only", "submissions").split() == [
        "contact-v1.csv",
        "spam/contact-v1.csv",
    ]
    [row] = git_daemon.rows("contact-v1.csv")
    assert (row["id"], row["name"], row["message"]) == (submission_id, "林校友", "老师好\n同学们好")
    merge_base = subprocess.run(
        ["git", "--git-dir", str(git_daemon.bare), "merge-base", "main", "submissions"]
    )
    assert merge_base.returncode == 1  # no common history: git refuses to merge it into the site
    assert git_daemon.git("log", "-1", "--format=%an <%ae>", "main").strip() == "Site <site@example.invalid>"


def test_commits_carry_counts_and_no_personal_data(git_daemon):
    inbox = GitInbox(Remote(git_daemon.url))
    inbox.append(FORMS["contact"], CONTACT)
    inbox.append(FORMS["class-note"], {"class_year": "1992", "college": "化学学院", "author": "九二级化学班",
                 "title": "三十年", "body": "我们回到了化学楼。", "email": "note@example.com", "consent": "yes"})  # fmt: skip
    log = git_daemon.git("log", "--format=%an <%ae>|%cn <%ce>|%B", "submissions")
    assert log.splitlines() == [
        "Alumni forms <forms@invalid>|Alumni forms <forms@invalid>|Add 1 submission: class-note 1", "",
        "Alumni forms <forms@invalid>|Alumni forms <forms@invalid>|Add 1 submission: contact 1", "",
    ]  # fmt: skip
    assert git_daemon.git("for-each-ref", "--format=%(refname)").split() == [
        "refs/heads/main",
        "refs/heads/submissions",
    ]


def test_a_push_whose_answer_was_lost_is_not_stored_twice(git_daemon, monkeypatch):
    inbox = GitInbox(Remote(git_daemon.url))
    inbox.append(FORMS["contact"], CONTACT)  # the branch exists; the next push builds on it
    real = inbox.branch.client.send_pack
    lost = []

    def answer_lost(*args, **kwargs):
        result = real(*args, **kwargs)  # the server has taken the push...
        if not lost:
            lost.append(result)
            raise ConnectionResetError("connection reset")  # ...but its answer never arrives
        return result

    monkeypatch.setattr(inbox.branch.client, "send_pack", answer_lost)
    submission_id = inbox.append(FORMS["contact"], {**CONTACT, "name": "王校友"})
    rows = git_daemon.rows("contact-v1.csv")
    assert [row["id"] for row in rows].count(submission_id) == 1 and len(rows) == 2
    assert int(git_daemon.git("rev-list", "--count", "submissions")) == 2


def test_a_server_that_does_not_answer_fails_within_the_bounds(caplog):
    pauses = []
    remote = Remote(f"git://127.0.0.1:{free_port()}/site.git", tries=4, seconds=10)
    inbox = GitInbox(remote, sleep=pauses.append)
    started = time.monotonic()
    with pytest.raises(OSError) as failure:
        inbox.append(FORMS["contact"], CONTACT)
    assert isinstance(failure.value, BranchUnavailable)
    assert (
        str(failure.value)
        == f"could not push to submissions after 4 tries: {remote.url}: ConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert len(pauses) == 3 and all(0 <= p <= 2 for p in pauses)  # exponential, with jitter, capped
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("scheme", ["git", "http", "ssh"])
def test_a_server_that_takes_the_connection_and_never_answers_is_given_up_within_the_time_allowed(scheme):
    frozen = socket.create_server(("127.0.0.1", 0), backlog=16)  # a server stopped (kill -STOP) or hung
    user = "git@" if scheme == "ssh" else ""
    inbox = GitInbox(Remote(f"{scheme}://{user}127.0.0.1:{frozen.getsockname()[1]}/site.git", seconds=1))
    failed: list[Exception] = []

    def send() -> None:
        try:
            inbox.append(FORMS["contact"], CONTACT)
        except Exception as error:  # whatever it is, the assertion says
            failed.append(error)

    sender = threading.Thread(target=send, daemon=True)
    started = time.monotonic()
    try:
        sender.start()
        sender.join(timeout=5)
    finally:
        frozen.close()  # lets a request still waiting go
    assert not sender.is_alive() and time.monotonic() - started < 2.5
    assert [type(error) for error in failed] == [BranchUnavailable]


def test_a_review_branch_over_ssh_takes_rows_with_the_operators_ssh_command(
    ssh_server, tmp_path, monkeypatch
):
    # ssh runs in batch mode (nothing can answer a question in a handler): the key and the
    # server's host key come from the operator's GIT_SSH_COMMAND, as git itself takes them.
    bare = tmp_path / "site.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    key, known = tmp_path / "key", tmp_path / "known_hosts"
    key.write_text(ssh_server.key)
    key.chmod(0o600)
    known.write_text(ssh_server.known_hosts + "\n")
    monkeypatch.setenv("GIT_SSH_COMMAND", f"ssh -i {key} -o UserKnownHostsFile={known}")
    url = f"ssh://{ssh_server.user}@127.0.0.1:{ssh_server.port}{bare}"
    GitInbox(Remote(url, seconds=5)).append(FORMS["contact"], CONTACT)
    stored = subprocess.run(["git", "-C", str(bare), "show", "submissions:contact-v1.csv"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "林校友" in stored


def test_a_push_a_rule_of_the_server_refuses_is_not_tried_again(git_daemon):
    hook = git_daemon.bare / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    pauses = []
    inbox = GitInbox(Remote(git_daemon.url), sleep=pauses.append)
    with pytest.raises(PushRefused, match="refused the push"):
        inbox.append(FORMS["contact"], CONTACT)
    assert pauses == []  # one try, then the 503: no other would be taken


def test_the_time_allowed_counts_from_the_rows_arrival_not_from_its_turn(git_daemon):
    inbox = GitInbox(Remote(git_daemon.url, seconds=1.5))
    failures = []

    def send() -> None:
        try:
            inbox.append(FORMS["contact"], CONTACT)
        except BranchUnavailable as error:
            failures.append((error, time.monotonic()))

    with ThreadPoolExecutor(1) as pool, inbox.using:  # an earlier batch is still being pushed
        pool.submit(send)
        time.sleep(2.0)
        released = time.monotonic()
    [(error, when)] = failures
    assert "within 1.5 s" in str(error) and when - released < 0.5
    assert "refs/heads/submissions" not in git_daemon.git("for-each-ref", "--format=%(refname)")


def test_a_token_reaches_the_server_over_http(git_http):
    inbox = GitInbox(Remote(git_http.url, username=GIT_USER, password=GIT_TOKEN))
    submission_id = inbox.append(FORMS["contact"], CONTACT)
    assert [row["id"] for row in git_http.rows("contact-v1.csv")] == [submission_id]


def test_refused_credentials_are_never_quoted(git_http, caplog):
    caplog.set_level(logging.DEBUG)
    with_token_in_url = git_http.url.replace("http://", f"http://{GIT_USER}:wrong-{GIT_TOKEN}@")
    for remote in (
        Remote(git_http.url, username=GIT_USER, password="wrong-" + GIT_TOKEN),
        Remote(with_token_in_url),
    ):
        with pytest.raises(BranchUnavailable) as failure:
            GitInbox(remote).append(FORMS["contact"], CONTACT)
        assert str(failure.value) == (
            f"{git_http.url} wants other credentials: check FORMS_GIT_USERNAME and FORMS_GIT_PASSWORD"
        )
        assert GIT_TOKEN not in repr(remote) and GIT_TOKEN not in caplog.text
    assert subprocess.run(["git", "--git-dir", str(git_http.bare), "rev-parse", "--verify", "-q", "submissions"]).returncode == 1  # fmt: skip


def test_a_warm_instance_keeps_only_the_tip_in_memory(git_daemon):
    branch = Branch(Remote(git_daemon.url))
    inbox = GitInbox(Remote(git_daemon.url))
    for number in range(5):
        inbox.append(FORMS["contact"], {**CONTACT, "subject": f"第{number}封"})
    branch.fetch()
    assert (
        len(list(inbox.branch.repo.object_store)) == len(list(branch.repo.object_store)) == 3
    )  # commit, tree, file
    assert branch.read("contact-v1.csv") == inbox.branch.read("contact-v1.csv")
    assert os.path.basename(branch.remote.address) == "site.git"


def test_the_handler_under_gunicorn_pushes_sealed_rows_in_shared_commits(start_handler, git_daemon):
    identity, recipient = generate_keypair()
    handler = start_handler(workers=1, threads=8, FORMS_STORAGE="git", FORMS_GIT_URL=git_daemon.url,
                            FORMS_AGE_RECIPIENT=recipient)  # fmt: skip
    people = [
        {**UPDATE, "name": f"校友{n}", "mobile": f"139{n:08d}", "email": f"alumnus{n}@example.com"}
        for n in range(16)
    ]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda fields: post(handler.url, "update", fields), people))
    assert [status for status, _ in answers] == [201] * 16
    rows = git_daemon.rows("update-v1.csv")
    assert sorted(row["id"] for row in rows) == sorted(answer["id"] for _, answer in answers)
    stored = git_daemon.objects()  # every blob, tree and commit the server holds
    for person in people:
        assert all(
            person[name].encode() not in stored for name in ("mobile", "email", "address", "birth_date")
        )
    assert Opener(identity).open_row(rows[0])["address"] == UPDATE["address"]
    messages = git_daemon.git("log", "--format=%s", "submissions").splitlines()
    assert all(re.fullmatch(r"Add [0-9]+ submissions?: update [0-9]+", m) for m in messages)
    assert "校友" not in git_daemon.git("log", "--format=%an%ae%cn%ce%B", "submissions")
    print(f"\n16 posts at once through gunicorn (8 threads): {len(messages)} commits")


def test_instances_at_once_never_give_more_places_than_there_are(git_daemon):
    """Eight function instances, each with its own copy of the branch, race for three places:
    each place is counted on the tip its push goes onto, so compare-and-swap keeps them true."""
    forms = load_forms(ROOT / "forms", [("uk-christmas-2026", None)])
    form = forms["event-registration"]
    row = {"event": "uk-christmas-2026", "name": "校友", "mobile": "13900001111", "consent": "yes"}
    first = GitInbox(Remote(git_daemon.url))
    for _ in range(5):  # places already taken
        first.append_counted(form, row, "event")

    def instance(_) -> tuple[str, int]:
        return GitInbox(Remote(git_daemon.url)).append_counted(form, row, "event")

    with ThreadPoolExecutor(8) as pool:
        ranks = sorted(rank for _, rank in pool.map(instance, range(8)))
    assert ranks == list(range(6, 14))  # one place in line each, none twice
    stored, cancelled = GitInbox(Remote(git_daemon.url)).registrations(form)
    assert len(stored) == 13 and not cancelled
    assert GitInbox(Remote(git_daemon.url)).cancel(form, stored[0]["id"])
    _, cancelled = GitInbox(Remote(git_daemon.url)).registrations(form)
    assert cancelled == {stored[0]["id"]}


def test_threads_of_one_instance_reading_while_it_pushes_lose_no_row(git_daemon):
    """A threaded server shares one GitInbox: a fetch for counting places, or a cancel, in one
    thread while another thread's batch is on its way must not push a tip without others' rows."""
    forms = load_forms(ROOT / "forms", [("uk-christmas-2026", None)])
    form = forms["event-registration"]
    row = {"event": "uk-christmas-2026", "name": "校友", "mobile": "13900001111", "consent": "yes"}
    shared, other = GitInbox(Remote(git_daemon.url)), GitInbox(Remote(git_daemon.url))
    taken = [shared.append_counted(form, row, "event")[0] for _ in range(2)]

    def work(n: int) -> list[str]:
        if n % 4 == 0:  # another instance pushing meanwhile
            return [other.append_counted(form, row, "event")[0] for _ in range(4)]
        if n % 4 == 1:
            for _ in range(4):
                shared.registrations(form)
            return []
        if n % 4 == 2:
            shared.cancel(form, taken[n // 4 % 2])
            return []
        return [shared.append_counted(form, row, "event")[0] for _ in range(4)]

    with ThreadPoolExecutor(8) as pool:
        stored_ids = [i for ids in pool.map(work, range(16)) for i in ids]
    rows, cancelled = GitInbox(Remote(git_daemon.url)).registrations(form)
    assert sorted(r["id"] for r in rows) == sorted(stored_ids + taken)
    assert cancelled == set(taken)


def test_a_push_the_server_holds_while_saying_it_is_alive_is_given_up_when_the_time_is_up(git_daemon):
    """A hook that hangs: git's receive-pack sends a keep-alive every 5 s of the hook's silence
    (receive.keepAlive), so no single read waits long; the time allowed ends the push all the same."""
    inbox = GitInbox(Remote(git_daemon.url, seconds=1.5))
    inbox.append(FORMS["contact"], CONTACT)
    hook = git_daemon.bare / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\nsleep 4\n", encoding="utf-8")
    hook.chmod(0o755)
    git_daemon.git("config", "receive.keepAlive", "1")  # sooner than the 1.5 s: every read is answered
    started = time.monotonic()
    with pytest.raises(BranchUnavailable):
        inbox.append(FORMS["contact"], CONTACT)
    assert time.monotonic() - started < 2.5
