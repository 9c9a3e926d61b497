"""Places at an event under a campaign's landing bucket (moto's S3 server): registrations are
"being counted" until the fold has put them on the review branch (a git daemon) and written
where each stands; a cancellation counts at once and moves the first waiting up at the fold."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest

from core import tables
from core.definitions import load_forms
from forms.fold import Counting, fold
from forms.gitinbox import Branch, GitInbox, Remote, registrations_on
from forms.places import Standing, cancellations_file, places
from forms.s3inbox import Bucket, LandingUnavailable, S3Inbox, bucket_from_env
from tests.forms.test_fold import RECIPIENT, SEALER
from tests.forms.test_places import CAPACITY, EVENT, FORM, look
from tests.support import ROOT

COUNTING = Counting.of(
    load_forms(ROOT / "forms"), tables.read_records(ROOT / "data/events.csv", "events.csv")
)
FORM_PATH = "/api/forms/event-registration"


def landing(s3_server, bucket: str) -> Bucket:
    return bucket_from_env({**s3_server.environ(), "FORMS_S3_URL": f"s3://{bucket}/landing"})


def registration(name: str) -> dict[str, str]:
    return {"event": EVENT, "name": name, "mobile": "13900001111", "consent": "yes"}


def filled(bucket: Bucket, count: int) -> list[str]:
    """count registrations landed as the handler lands them, one after the other."""
    inbox = S3Inbox(bucket)
    return [
        inbox.append_counting(FORM, SEALER.seal_values(FORM, registration(f"早到{n}")))[0]
        for n in range(count)
    ]


def post(url: str, fields: dict[str, str], accept: str = "application/json") -> tuple[int, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("POST", FORM_PATH, urlencode(fields),
                       {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})  # fmt: skip
    response = connection.getresponse()
    answer = response.status, response.read().decode("utf-8")
    connection.close()
    return answer


def standings(handler, answers: list[dict]) -> list[dict]:
    return [{k: v for k, v in look(handler.url, answer["status"])[1].items() if k in ("place", "waiting")}
            for answer in answers]  # fmt: skip


@pytest.fixture
def campaign(start_handler, s3_server):
    bucket = s3_server.new_bucket()
    handler = start_handler(workers=2, threads=4, FORMS_STORAGE="s3", FORMS_S3_URL=f"s3://{bucket}/landing",
                            FORMS_AGE_RECIPIENT=RECIPIENT, FORMS_CHECKIN_KEY="volunteers-at-the-door-2026",
                            **s3_server.environ())  # fmt: skip
    return handler, landing(s3_server, bucket), bucket


def test_registrations_are_counted_at_the_fold_and_a_cancellation_moves_the_first_waiting_up(
    campaign, s3_server, git_daemon
):
    handler, bucket, name = campaign
    branch = Remote(git_daemon.url)
    filled(bucket, CAPACITY - 2)
    answers = []
    for n in range(4):
        status, body = post(handler.url, registration(f"校友{n}"))
        assert status == 201, body
        answers.append(json.loads(body))
    assert [answer["place"] for answer in answers] == ["counting"] * 4  # no instance can count them
    assert standings(handler, answers) == [{"place": "counting"}] * 4
    page = look_html(handler.url, answers[0]["status"])
    assert "正在排序" in page and 'http-equiv="refresh"' in page

    first = fold(bucket, Branch(branch), counting=COUNTING)
    assert (first.added, first.commits, first.standings, first.problems) == (
        CAPACITY + 2,
        1,
        CAPACITY + 2,
        [],
    )
    assert standings(handler, answers) == [{"place": "registered"}, {"place": "registered"},
                                           {"place": "waiting", "waiting": 1}, {"place": "waiting", "waiting": 2}]  # fmt: skip
    assert not [key for key in s3_server.keys(name) if key.endswith(".csv")]  # folded and deleted

    status, cancelled = look(handler.url, f"{FORM_PATH}/cancel", "POST", urlencode({"id": answers[1]["id"]}))
    assert (status, cancelled["place"]) == (200, "cancelled")
    assert standings(handler, answers[1:3]) == [{"place": "cancelled"}, {"place": "waiting", "waiting": 1}]

    second = fold(bucket, Branch(branch), counting=COUNTING)
    # The cancelled one, and both waiting moved up: three standings written, nothing landed.
    assert (second.landed, second.cancelled, second.commits, second.standings) == (0, 1, 1, 3)
    assert standings(handler, answers) == [{"place": "registered"}, {"place": "cancelled"},
                                           {"place": "registered"}, {"place": "waiting", "waiting": 1}]  # fmt: skip
    on_branch = Branch(branch)
    on_branch.fetch()
    rows, gone = registrations_on(on_branch, "event-registration", {})
    assert len(rows) == CAPACITY + 2 and gone == {answers[1]["id"]}
    assert git_daemon.rows(cancellations_file("event-registration"))[0]["id"] == answers[1]["id"]
    assert not [key for key in s3_server.keys(name) if "/cancel/" in key]
    assert fold(bucket, Branch(branch), counting=COUNTING).commits == 0

    # Cancelling again changes nothing; an id nobody registered under is not there.
    assert look(handler.url, f"{FORM_PATH}/cancel", "POST", urlencode({"id": answers[1]["id"]}))[0] == 200
    assert fold(bucket, Branch(branch), counting=COUNTING).cancelled == 0
    assert look(handler.url, f"{FORM_PATH}/cancel", "POST", urlencode({"id": "f" * 32}))[0] == 404
    assert look(handler.url, f"{FORM_PATH}/status?id={'f' * 32}")[0] == 404
    # The volunteers' check-in needs the branch itself (docs/deploy.md): still not here.
    assert look(handler.url, f"{FORM_PATH}/checkin?event={EVENT}")[0] == 404


def look_html(url: str, path: str) -> str:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", path, headers={"Accept": "text/html"})
    text = connection.getresponse().read().decode("utf-8")
    connection.close()
    return text


def test_a_registration_sent_again_keeps_the_standing_the_fold_gave_it(campaign, git_daemon):
    handler, bucket, _ = campaign
    sent = {**registration("重发的校友"), "_attempt": "0123456789abcdef0123456789abcdef"}
    _, body = post(handler.url, sent)
    fold(bucket, Branch(Remote(git_daemon.url)), counting=COUNTING)
    status, again = post(handler.url, sent)  # its answer was lost: the page sends it again
    assert (status, json.loads(again)["place"], json.loads(again)["id"]) == (
        201,
        "registered",
        json.loads(body)["id"],
    )
    # Written again as it was: a try still on its way may have written "being counted" over it.
    assert fold(bucket, Branch(Remote(git_daemon.url)), counting=COUNTING).standings == 1
    assert look(handler.url, json.loads(body)["status"])[1]["place"] == "registered"
    on_branch = Branch(Remote(git_daemon.url))
    on_branch.fetch()
    assert len(registrations_on(on_branch, "event-registration", {})[0]) == 1


class _Refusing(Bucket):
    """A bucket that refuses the fold's standings, as one whose policy lacks PutObject on them."""

    def put_standing(self, form: str, submission_id: str, standing: Standing) -> None:
        raise LandingUnavailable(f"{self.url}: PutObject refused (AccessDenied)")


def test_standings_a_fold_could_not_write_are_written_by_the_next_with_nothing_deleted_before(
    s3_server, git_daemon
):
    name = s3_server.new_bucket()
    bucket = landing(s3_server, name)
    ids = filled(bucket, 3)
    refusing = _Refusing(bucket.name, "landing", bucket.client)
    with pytest.raises(LandingUnavailable):
        fold(refusing, Branch(Remote(git_daemon.url)), counting=COUNTING)  # pushed, then stopped
    assert len([key for key in s3_server.keys(name) if key.endswith(".csv")]) == 3  # nothing deleted
    again = fold(bucket, Branch(Remote(git_daemon.url)), counting=COUNTING)
    assert (again.added, again.present, again.standings, again.deleted) == (0, 3, 3, 3)
    assert [S3Inbox(bucket).standing(FORM, i) for i in ids] == [Standing("registered")] * 3


def test_a_cancellation_whose_registration_never_landed_is_dropped_once_old(s3_server, git_daemon):
    """A function stopped between the standing and the row leaves an id that can be cancelled."""
    bucket = landing(s3_server, s3_server.new_bucket())
    inbox = S3Inbox(bucket)
    inbox.bucket.put_standing(FORM.name, "e" * 32, Standing("counting"))
    assert inbox.cancel(FORM, "e" * 32) and inbox.standing(FORM, "e" * 32) == Standing("cancelled")
    assert not inbox.cancel(FORM, "d" * 32)
    young = fold(bucket, Branch(Remote(git_daemon.url)), counting=COUNTING)
    assert (young.commits, young.cancelled, len(bucket.cancellations())) == (0, 0, 1)  # it may land yet
    old = fold(bucket, Branch(Remote(git_daemon.url)), orphan_seconds=0, counting=COUNTING)
    assert (old.commits, old.cancelled, bucket.cancellations()) == (0, 0, [])


class _Held(Bucket):
    """A bucket whose puts of a standing wait until released: a request function slowed (a retry,
    a pause) between reading a registration's standing and writing it."""

    def __init__(self, bucket: Bucket, release: threading.Event):
        super().__init__(bucket.name, bucket.prefix, bucket.client)
        self.release, self.reached = release, threading.Event()

    def put_standing(self, form: str, submission_id: str, standing: Standing) -> None:
        self.reached.set()
        assert self.release.wait(timeout=30)
        super().put_standing(form, submission_id, standing)


def test_a_registration_sent_twice_at_once_across_a_fold_reads_its_place_after_the_next(
    s3_server, git_daemon
):
    """The page sends again while its first try is still on its way (the bucket was slow): both
    find no standing, the first lands and is folded, then the second writes "being counted" over
    the place the fold wrote. Its row lands after that, so the next fold writes the place again."""
    bucket = landing(s3_server, s3_server.new_bucket())
    values = SEALER.seal_values(FORM, registration("发了两次的校友"))
    given = "0123456789abcdef0123456789abcdef"
    release = threading.Event()
    held = _Held(bucket, release)
    with ThreadPoolExecutor(1) as pool:
        second = pool.submit(S3Inbox(held).append_counting, FORM, values, given)
        assert held.reached.wait(timeout=30)  # it found no standing and is about to write one
        first, _ = S3Inbox(bucket).append_counting(FORM, values, given)
        assert fold(bucket, Branch(Remote(git_daemon.url)), counting=COUNTING).standings == 1
        assert S3Inbox(bucket).standing(FORM, first) == Standing("registered")
        release.set()
        assert second.result(timeout=30) == (first, Standing("counting"))
    fold(bucket, Branch(Remote(git_daemon.url)), counting=COUNTING)
    assert S3Inbox(bucket).standing(FORM, first) == Standing("registered")


def test_a_registration_taken_by_the_branch_after_the_campaign_queues_behind_those_folded(
    s3_server, git_daemon
):
    """On the event's day the registrations go to a function with the git storage (docs/deploy.md,
    section 6): what it takes joins the line behind what the fold put on the branch before."""
    bucket = landing(s3_server, s3_server.new_bucket())
    folded = filled(bucket, 2)
    fold(bucket, Branch(Remote(git_daemon.url)), counting=COUNTING)
    inbox = GitInbox(Remote(git_daemon.url))
    late, rank = inbox.append_counted(FORM, SEALER.seal_values(FORM, registration("当天报名")), "event")
    rows, cancelled = inbox.registrations(FORM)
    assert [row["id"] for row in rows] == [*folded, late] and rank == 3
    by_id = places(rows, cancelled, EVENT, 2)
    assert [by_id[i] for i in (*folded, late)] == [Standing("registered")] * 2 + [Standing("waiting", 1)]
