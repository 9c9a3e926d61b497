"""A campaign's path: submissions land in a bucket (moto's S3 server) and are folded onto the
review branch (a git daemon), every one exactly once, whatever stops the fold midway."""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.test import Client

from core.definitions import load_forms
from core.problems import ProblemsFound
from core.sealing import Opener, Sealer, generate_keypair
from forms.app import HandlerSettings, create_app, settings_from_env
from forms.digest import count
from forms.fold import fold, fold_from_env
from forms.gitinbox import Branch, BranchFiles, GitInbox, Remote
from forms.inbox import once_each
from forms.photos import Photo
from forms.s3inbox import Bucket, S3Inbox, bucket_from_env
from office.review import Review
from tests.servers import S3_SECRET
from tests.support import BUILD_DATE, ROOT, free_port

FORMS = load_forms(ROOT / "forms")
CONTACT = FORMS["contact"]
IDENTITY, RECIPIENT = generate_keypair()
SEALER = Sealer(RECIPIENT)
CLIENTS, EACH = 32, 10


def message(number: int) -> dict[str, str]:
    return {"name": f"校友{number}", "email": f"a{number}@example.com", "subject": "返校日",
            "message": f"第 {number} 条，含逗号, 引号\"和换行\n第二行", "consent": "yes"}  # fmt: skip


def landing(s3_server, bucket: str) -> Bucket:
    return bucket_from_env({**s3_server.environ(), "FORMS_S3_URL": f"s3://{bucket}/landing"})


def land(bucket: Bucket, count: int, spam: int = 0) -> list[str]:
    """Submissions landed as the handler lands them (sealed), from 16 threads; their ids."""
    inbox = S3Inbox(bucket)

    def send(number: int) -> str:
        return inbox.append(CONTACT, SEALER.seal_values(CONTACT, message(number)), spam=number < spam)

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(send, range(count)))[spam:]


def branch_rows(url: str, form: str = "contact") -> dict[str, list[dict[str, str]]]:
    """Every inbox file of the form on the review branch, as the review and the digest read them."""
    return dict(BranchFiles(Branch(Remote(url))).files(form))


def ids_on(url: str, form: str = "contact") -> Counter[str]:
    return Counter(row["id"] for rows in branch_rows(url, form).values() for row in rows)


def commits(git_daemon) -> int:
    found = subprocess.run(["git", "--git-dir", str(git_daemon.bare), "rev-list", "--count", "submissions"],
                           capture_output=True, text=True)  # fmt: skip
    return int(found.stdout) if found.returncode == 0 else 0


def send(url: str, client: int) -> list[str]:
    """One alumnus's browser on one keep-alive connection: EACH posts, the ids acknowledged."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    acknowledged = []
    for n in range(EACH):
        connection.request("POST", "/api/forms/contact", urlencode(message(client * EACH + n)),
                           {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})  # fmt: skip
        answer = connection.getresponse()
        body = json.loads(answer.read())
        assert answer.status == 201, body
        acknowledged.append(body["id"])
    connection.close()
    return acknowledged


def test_a_burst_through_single_request_workers_is_on_the_branch_once_after_one_fold(
    start_handler, s3_server, git_daemon
):
    bucket = s3_server.new_bucket()
    handler = start_handler(workers=8, threads=1, FORMS_STORAGE="s3", FORMS_S3_URL=f"s3://{bucket}/landing",
                            FORMS_AGE_RECIPIENT=RECIPIENT, **s3_server.environ())  # fmt: skip
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        acknowledged = [i for ids in pool.map(lambda c: send(handler.url, c), range(CLIENTS)) for i in ids]
    landed = time.monotonic() - started
    assert len(set(acknowledged)) == len(acknowledged) == CLIENTS * EACH
    assert commits(git_daemon) == 0  # no git on the request path: the branch does not exist yet
    assert len(s3_server.keys(bucket)) == CLIENTS * EACH

    started = time.monotonic()
    folded = fold(landing(s3_server, bucket), Branch(Remote(git_daemon.url)))
    seconds = time.monotonic() - started
    assert (folded.landed, folded.added, folded.present, folded.deleted, folded.commits) == (
        CLIENTS * EACH,
        CLIENTS * EACH,
        0,
        CLIENTS * EACH,
        1,
    )
    assert commits(git_daemon) == 1
    on_branch = ids_on(git_daemon.url)
    assert sorted(on_branch) == sorted(acknowledged) and set(on_branch.values()) == {1}
    assert s3_server.keys(bucket) == []
    rows = [row for rows in branch_rows(git_daemon.url).values() for row in rows]
    assert all(row["email"].startswith("age:") for row in rows)  # sealed before it ever landed
    assert Opener(IDENTITY).open_row(rows[0])["email"].endswith("@example.com")
    assert b"a7@example.com" not in git_daemon.objects()

    again = fold(landing(s3_server, bucket), Branch(Remote(git_daemon.url)))
    assert (again.landed, again.added, again.commits) == (0, 0, 0) and commits(git_daemon) == 1
    print(f"\n{CLIENTS} x {EACH} through 8 single-request workers: landed in {landed:.1f}s, "
          f"folded in {seconds:.1f}s, 1 commit")  # fmt: skip


# The scheduled function, in a fresh process with the function's environment, as Lambda runs it.
FOLD = "import json; from forms import lambda_function; print(json.dumps(lambda_function.fold({}, None)))"


@pytest.mark.parametrize("hook, moved", [("pre-receive", False), ("post-receive", True)])
def test_a_fold_killed_mid_push_is_finished_by_the_next_with_nothing_lost_or_doubled(
    s3_server, git_daemon, tmp_path, hook, moved
):
    bucket = s3_server.new_bucket()
    ids = land(landing(s3_server, bucket), 200)
    # The server holds the push in a hook: pre-receive before the branch moves (then refuses
    # it), post-receive after. The fold is killed while it waits for the server's answer.
    pushing = tmp_path / "pushing"
    script = git_daemon.bare / "hooks" / hook
    script.write_text(
        f"#!/bin/sh\ntouch {pushing}\nsleep 5\n" + ("exit 1\n" if hook == "pre-receive" else "")
    )
    script.chmod(0o755)
    env = {**os.environ, **s3_server.environ(), "FORMS_STORAGE": "s3", "FORMS_S3_URL": f"s3://{bucket}/landing",
           "FORMS_AGE_RECIPIENT": RECIPIENT, "FORMS_GIT_URL": git_daemon.url, "FORMS_TODAY": BUILD_DATE}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-c", FOLD], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while not pushing.exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    script.unlink()
    assert commits(git_daemon) == (1 if moved else 0)
    assert len(s3_server.keys(bucket)) == 200  # nothing deleted before the push was answered

    folded = fold(landing(s3_server, bucket), Branch(Remote(git_daemon.url)))
    assert (folded.added, folded.present, folded.commits) == ((0, 200, 0) if moved else (200, 0, 1))
    on_branch = ids_on(git_daemon.url)
    assert sorted(on_branch) == sorted(ids) and set(on_branch.values()) == {1}
    assert s3_server.keys(bucket) == [] and commits(git_daemon) == 1
    git_daemon.git("fsck", "--no-progress", "--strict")


class Together(Branch):
    """A branch whose commit waits until every fold has read the bucket, so that their pushes race."""

    def __init__(self, remote: Remote, ready: threading.Barrier):
        super().__init__(remote)
        self.ready = ready

    def commit(self, change):
        self.ready.wait(timeout=60)
        return super().commit(change)


def test_two_folds_at_once_cannot_both_commit_the_same_submissions(s3_server, git_daemon):
    bucket = s3_server.new_bucket()
    ids = land(landing(s3_server, bucket), 100)
    ready = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: fold(landing(s3_server, bucket), Together(Remote(git_daemon.url), ready)), range(2)))  # fmt: skip
    assert sorted((f.landed, f.added, f.present, f.commits) for f in runs) == [
        (100, 0, 100, 0),
        (100, 100, 0, 1),
    ]
    on_branch = ids_on(git_daemon.url)
    assert sorted(on_branch) == sorted(ids) and set(on_branch.values()) == {1}
    assert s3_server.keys(bucket) == [] and commits(git_daemon) == 1


def test_the_branch_is_read_across_the_files_of_before_and_the_months_of_now(s3_server, git_daemon, tmp_path):
    before = [GitInbox(Remote(git_daemon.url)).append(CONTACT, SEALER.seal_values(CONTACT, message(n))) for n in range(2)]  # fmt: skip
    bucket = s3_server.new_bucket()
    now = land(landing(s3_server, bucket), 5, spam=2)
    fold(landing(s3_server, bucket), Branch(Remote(git_daemon.url)))
    month = time.strftime("%Y-%m", time.gmtime())
    assert git_daemon.git("ls-tree", "-r", "--name-only", "submissions").split() == [
        "contact-v1.csv", f"contact/{month}-v1.csv", f"spam/contact/{month}-v1.csv"
    ]  # fmt: skip
    inbox = BranchFiles(Branch(Remote(git_daemon.url)))
    assert [file for file, _ in inbox.files("contact")] == [
        "submissions:contact-v1.csv", f"submissions:contact/{month}-v1.csv"
    ]  # fmt: skip
    review = Review(tmp_path, FORMS, inbox=inbox, opener=Opener(IDENTITY))
    assert sorted(entry.id for entry in review.pending()) == sorted(before + now)
    assert count(inbox, FORMS, None).counts == {"contact": 5}


def test_what_is_not_a_landed_submission_stays_in_the_bucket_with_a_sentence(s3_server, git_daemon):
    bucket = s3_server.new_bucket()
    good = land(landing(s3_server, bucket), 2)
    client = s3_server.client()
    client.put_object(Bucket=bucket, Key="landing/notes.txt", Body=b"hello")
    client.put_object(Bucket=bucket, Key=f"landing/contact-v1/{'0' * 32}.csv", Body=b"not,a\nrow,of ours\n")
    # The form's fields changed but not its version: its rows cannot go into the same file.
    changed = S3Inbox(landing(s3_server, bucket)).append(
        dataclasses.replace(CONTACT, fields=CONTACT.fields[:-1]), message(9)
    )
    folded = fold(landing(s3_server, bucket), Branch(Remote(git_daemon.url)))
    assert (folded.landed, folded.added, folded.deleted, folded.commits) == (4, 2, 2, 1)
    month = time.strftime("%Y-%m", time.gmtime())
    assert [p.sentence() for p in folded.problems] == [
        f"s3://{bucket}/landing/notes.txt: 不是表单处理程序存入的提交，没有折叠，留在存储桶里：请查看后把它移出这个前缀"
        " / is not a submission stored by the form handler, so it was not folded and stays in the bucket: look at it and move it out of the prefix",
        f"s3://{bucket}/landing/contact-v1/{'0' * 32}.csv: 不是表单处理程序存入的提交，没有折叠，留在存储桶里：请查看后把它移出这个前缀"
        " / is not a submission stored by the form handler, so it was not folded and stays in the bucket: look at it and move it out of the prefix",
        f"s3://{bucket}/landing/contact-v1/{changed}.csv: 的列与审核分支上的 contact/{month}-v1.csv 不同，没有折叠：表单的字段改动后请提高它的 version"
        f" / has other columns than contact/{month}-v1.csv on the review branch, so it was not folded: raise the form's version whenever its fields change",
    ]  # fmt: skip
    assert sorted(ids_on(git_daemon.url)) == sorted(good)
    assert s3_server.keys(bucket) == sorted([f"landing/contact-v1/{'0' * 32}.csv", f"landing/contact-v1/{changed}.csv", "landing/notes.txt"])  # fmt: skip


def test_the_scheduled_function_returns_its_figures_and_a_second_run_finds_nothing(
    s3_server, git_daemon, tmp_path
):
    from tests.forms.test_lambda import invoke

    bucket = s3_server.new_bucket()
    env = {**s3_server.environ(), "FORMS_STORAGE": "s3", "FORMS_S3_URL": f"s3://{bucket}/landing",
           "FORMS_AGE_RECIPIENT": RECIPIENT, "FORMS_GIT_URL": git_daemon.url}  # fmt: skip
    event = json.loads((ROOT / "tests/forms/events/apigateway-v2.json").read_text(encoding="utf-8"))
    response = invoke(event, tmp_path / "function", **{k: v for k, v in env.items() if k != "FORMS_GIT_URL"})
    assert response["statusCode"] == 201, response
    assert s3_server.keys(bucket) == [f"landing/contact-v1/{json.loads(response['body'])['id']}.csv"]
    schedule = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    first, second = (invoke(schedule, tmp_path / "function", "fold", **env) for _ in range(2))
    assert first == {"landed": 1, "added": 1, "present": 0, "deleted": 1, "commits": 1, "cancelled": 0,
                     "standings": 0, "problems": []}  # fmt: skip
    assert second == {"landed": 0, "added": 0, "present": 0, "deleted": 0, "commits": 0, "cancelled": 0,
                      "standings": 0, "problems": []}  # fmt: skip
    assert git_daemon.git("log", "--format=%s", "submissions").strip() == "Add 1 submission: contact 1"
    assert not (tmp_path / "function").exists()


def test_a_warm_instance_folds_onto_the_tip_it_kept_or_onto_the_one_that_moved(s3_server, git_daemon):
    bucket = s3_server.new_bucket()
    env = {**s3_server.environ(), "FORMS_S3_URL": f"s3://{bucket}/landing", "FORMS_GIT_URL": git_daemon.url}
    ids = land(landing(s3_server, bucket), 3)
    assert fold_from_env(env).added == 3
    ids += land(landing(s3_server, bucket), 2)
    assert fold_from_env(env).added == 2  # on the tip it kept: nothing fetched, the push taken
    ids.append(GitInbox(Remote(git_daemon.url)).append(CONTACT, SEALER.seal_values(CONTACT, message(7))))
    ids += land(landing(s3_server, bucket), 2)
    assert fold_from_env(env).added == 2  # the branch moved: refused, fetched, pushed again
    on_branch = ids_on(git_daemon.url)
    assert sorted(on_branch) == sorted(ids) and set(on_branch.values()) == {1} and commits(git_daemon) == 4


def test_a_submission_sent_again_after_its_first_try_was_folded_takes_its_place(s3_server, git_daemon):
    """The defect: the resend (a lost answer, the same _attempt) was counted as on the branch
    already and deleted, so the review kept the first try, where every other inbox keeps the last."""
    bucket = landing(s3_server, s3_server.new_bucket())
    inbox = S3Inbox(bucket)
    attempt = inbox.append(CONTACT, message(1), submission_id="a" * 32)
    fold(bucket, Branch(Remote(git_daemon.url)))
    inbox.append(CONTACT, {**message(1), "subject": "改过的主题"}, submission_id=attempt)
    again = fold(bucket, Branch(Remote(git_daemon.url)))
    assert (again.added, again.present) == (1, 0)
    rows = once_each([row for rows in branch_rows(git_daemon.url).values() for row in rows])
    assert [(row["id"], row["subject"]) for row in rows] == [(attempt, "改过的主题")]
    assert fold(bucket, Branch(Remote(git_daemon.url))).landed == 0


class _SentAgainWhileFolding(Bucket):
    """The bucket, where the alumnus's page sends the submission again (its answer lost) right
    after the fold has read it: the object the fold read is replaced before the fold deletes."""

    def __init__(self, bucket: Bucket, again: Callable[[], object]):
        super().__init__(bucket.name, bucket.prefix, bucket.client)
        self.again = again

    def get(self, key: str) -> bytes | None:
        body = super().get(key)
        again, self.again = self.again, lambda: None
        again()
        return body


def test_a_submission_sent_again_while_the_fold_runs_is_not_deleted_with_the_one_it_read(
    s3_server, git_daemon
):
    """The defect: the fold deleted by key, so the copy sent again meanwhile (what the alumnus
    changed before pressing again) was deleted unread; the branch kept only the first."""
    bucket = landing(s3_server, s3_server.new_bucket())
    inbox = S3Inbox(bucket)
    first = inbox.append(CONTACT, message(1), submission_id="b" * 32)
    resend = _SentAgainWhileFolding(
        bucket, lambda: inbox.append(CONTACT, {**message(1), "subject": "改过再发"}, submission_id=first)
    )
    folded = fold(resend, Branch(Remote(git_daemon.url)))
    assert (folded.added, folded.deleted) == (1, 0)  # the object now holds what was sent again
    again = fold(bucket, Branch(Remote(git_daemon.url)))
    assert (again.added, again.deleted) == (1, 1)
    rows = once_each([row for rows in branch_rows(git_daemon.url).values() for row in rows])
    assert [(row["id"], row["subject"]) for row in rows] == [(first, "改过再发")]


def test_invoke_fold_says_what_it_did_and_what_is_missing(s3_server, git_daemon):
    bucket = s3_server.new_bucket()
    land(landing(s3_server, bucket), 3)
    env = {**os.environ, **s3_server.environ(), "FORMS_S3_URL": f"s3://{bucket}/landing", "FORMS_GIT_URL": git_daemon.url}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "fold"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "存储桶里 3 条提交：3 条加到 submissions（1 次提交），0 条已在分支上，删除 3 个对象 / 3 submissions landed: "
        "3 added to submissions in 1 commit(s), 0 on the branch already, 3 objects deleted"
    )
    env.pop("FORMS_GIT_URL")
    refused = subprocess.run([sys.executable, "-m", "invoke", "fold"], cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "FORMS_GIT_URL: 未设置：请写审核分支所在仓库的地址" in refused.stderr
    assert S3_SECRET not in refused.stderr + done.stdout


def test_an_unreachable_branch_leaves_every_submission_in_the_bucket(s3_server):
    bucket = s3_server.new_bucket()
    land(landing(s3_server, bucket), 3)
    url = f"git://127.0.0.1:{free_port()}/site.git"
    env = {**s3_server.environ(), "FORMS_S3_URL": f"s3://{bucket}/landing", "FORMS_GIT_URL": url,
           "FORMS_GIT_TRIES": "2", "FORMS_GIT_SECONDS": "5"}  # fmt: skip
    with pytest.raises(ProblemsFound) as refused:
        fold_from_env(env)
    [problem] = refused.value.problems
    assert problem.sentence() == (
        f"could not push to submissions after 2 tries: {url}: ConnectionRefusedError: [Errno 111] Connection refused: "
        "审核分支无法读取或写入：请检查网络和 FORMS_GIT_* 凭据；提交仍在存储桶里，下次折叠会再试 / the review branch could not be "
        "read or written: check the network and the FORMS_GIT_* credentials; the submissions stay in the bucket and the next fold tries again"
    )  # fmt: skip
    assert len(s3_server.keys(bucket)) == 3


@pytest.mark.parametrize(
    "env, refused",
    [
        ({}, ["FORMS_S3_URL", "FORMS_GIT_URL"]),
        ({"FORMS_S3_URL": "https://forms.example.org/x", "FORMS_GIT_URL": "git://127.0.0.1/s.git", "FORMS_FOLD_LIMIT": "many"},
         ["FORMS_S3_URL", "FORMS_FOLD_LIMIT"]),
        ({"FORMS_S3_URL": "s3://Alumni_Forms/x", "FORMS_GIT_URL": "git://127.0.0.1/s.git"}, ["FORMS_S3_URL"]),
    ],
)  # fmt: skip
def test_fold_settings_that_cannot_work_are_all_named_at_once(env, refused):
    with pytest.raises(ProblemsFound) as found:
        fold_from_env(env)
    assert [problem.file for problem in found.value.problems] == refused


def test_the_handler_lands_only_with_a_key_and_credentials(monkeypatch, tmp_path):
    with pytest.raises(ProblemsFound) as found:
        settings_from_env({"FORMS_STORAGE": "s3", "FORMS_S3_URL": "s3://alumni-forms/landing",
                           "AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "x"})  # fmt: skip
    assert (
        found.value.problems[0]
        .sentence()
        .startswith(
            "FORMS_AGE_RECIPIENT: 未设置，FORMS_STORAGE=s3 经存储桶把提交送到审核分支，会复制到仓库的每个克隆里，私密字段必须加密"
        )
    )
    # No credentials anywhere: boto3 must not look for an instance's (no traffic off this machine).
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(ProblemsFound) as found:
        settings_from_env({"FORMS_STORAGE": "s3", "FORMS_S3_URL": "s3://alumni-forms/landing", "FORMS_AGE_RECIPIENT": RECIPIENT})  # fmt: skip
    assert [p.sentence() for p in found.value.problems] == [
        "FORMS_S3_URL: 找不到访问密钥：请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY（OSS、COS 的密钥也用这两个名字），或给函数一个角色"
        " / no credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (OSS and COS keys go in the same two), or give the function a role"
    ]  # fmt: skip


def test_a_bucket_out_of_reach_is_a_503_to_try_again_and_one_line_in_the_log(s3_server, caplog):
    closed = {**s3_server.environ(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    bucket = bucket_from_env({**closed, "FORMS_S3_URL": "s3://alumni-forms/landing"})
    app = create_app(HandlerSettings(storage=S3Inbox(bucket), sealer=SEALER, rate_per_minute=0))
    started = time.monotonic()
    answer = Client(app).post("/api/forms/contact", data=message(1), headers={"Accept": "application/json"})
    assert answer.status_code == 503 and time.monotonic() - started < 20
    assert answer.json["error"]["en"] == "Could not be saved just now; please try again in a moment"
    [record] = [r for r in caplog.records if r.name == "forms.app"]
    assert record.getMessage().startswith(
        "could not store a submission of contact: s3://alumni-forms/landing/: PutObject failed (EndpointConnectionError"
    )
    assert record.exc_info is None and S3_SECRET not in caplog.text


NOTE = {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "合影", "body": "二十多位同学回到化学楼合影留念。",
        "photos": "1.jpg 2.jpg", "photo_alt": "合影", "consent": "yes"}  # fmt: skip


def test_photos_land_before_their_row_and_are_folded_with_it_in_one_commit(s3_server, git_daemon):
    name = s3_server.new_bucket()
    bucket = landing(s3_server, name)
    photos = [Photo("1.jpg", b"\xff\xd8 first", 4, 3), Photo("2.jpg", b"\xff\xd8 second", 4, 3)]
    submission = S3Inbox(bucket).append(FORMS["class-note"], NOTE, photos=photos)
    keys = s3_server.keys(name)
    assert keys == [f"landing/class-note-v2/{submission}.csv"] + [
        f"landing/class-note-v2/{submission}/{n}.jpg" for n in (1, 2)
    ]
    puts = [line for line in s3_server.requests() if line.startswith("PUT") and submission in line]
    assert puts[-1].split()[1].endswith(f"{submission}.csv")  # the row last: a landed row has its photos

    folded = fold(bucket, Branch(Remote(git_daemon.url)))
    assert (folded.added, folded.deleted, folded.commits) == (1, 3, 1) and s3_server.keys(name) == []
    month = git_daemon.git("ls-tree", "-r", "--name-only", "submissions").split()
    assert f"photos/{submission}/1.jpg" in month and f"photos/{submission}/2.jpg" in month
    [commit] = git_daemon.git("log", "--format=%H", "submissions").split()[:1]
    changed = git_daemon.git("show", "--name-only", "--format=", commit).split()
    assert f"photos/{submission}/2.jpg" in changed and any(path.startswith("class-note/") for path in changed)
    found = BranchFiles(Branch(Remote(git_daemon.url))).photos(submission)
    assert [(p.name, p.data) for p in found] == [("1.jpg", b"\xff\xd8 first"), ("2.jpg", b"\xff\xd8 second")]


def test_photos_whose_row_never_landed_are_deleted_once_an_hour_old(s3_server, git_daemon):
    name = s3_server.new_bucket()
    bucket = landing(s3_server, name)
    orphan = f"landing/class-note-v2/{'a' * 32}/1.jpg"  # the function stopped before the row's put
    bucket.put(orphan, b"\xff\xd8 nobody's", "image/jpeg")
    folded = fold(bucket, Branch(Remote(git_daemon.url)))
    assert (folded.deleted, folded.problems, s3_server.keys(name)) == (
        0,
        [],
        [orphan],
    )  # its row may be landing now
    folded = fold(bucket, Branch(Remote(git_daemon.url)), orphan_seconds=-1)  # an hour later
    assert (folded.deleted, folded.problems, s3_server.keys(name)) == (1, [], [])
