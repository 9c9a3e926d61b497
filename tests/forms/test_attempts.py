"""A submission sent again under the id its page gave it (after a lost answer: a 503 once the row
was stored, a dropped connection) is one submission: one place at an event, one entry to review,
the values sent last."""

from __future__ import annotations

import uuid

import pytest

from core.definitions import load_forms
from core.problems import ProblemsFound
from forms.gitinbox import GitInbox, Remote
from forms.inbox import ATTEMPT, LocalFiles, LocalInbox, once_each
from forms.photos import Photo
from office.review import Review
from tests.forms.test_gitinbox import post
from tests.forms.test_places import CAPACITY, EVENT, filled
from tests.forms.test_production import CONTACT
from tests.support import ROOT

OTHER_EVENT = "chongqing-annual-2026"  # open on the tests' day too (data/events.csv)
FORMS = load_forms(ROOT / "forms", [(EVENT, None), (OTHER_EVENT, None)])


def test_a_message_sent_again_is_one_submission_to_review_with_what_was_sent_last(handler):
    attempt = uuid.uuid4().hex
    first = post(handler.url, "contact", {**CONTACT, ATTEMPT: attempt})
    again = post(handler.url, "contact", {**CONTACT, "subject": "问候（改了错字）", ATTEMPT: attempt})
    other = post(handler.url, "contact", {**CONTACT, ATTEMPT: uuid.uuid4().hex})
    assert first == again and first[0] == 201
    assert other[0] == 201 and other[1]["id"] != first[1]["id"]
    mine = [s for s in Review(handler.inbox.parent, FORMS).pending() if s.id == first[1]["id"]]
    assert [s.row["subject"] for s in mine] == ["问候（改了错字）"]


def test_one_id_sent_with_two_forms_is_two_submissions_to_review(handler):
    """The id a client proposes is its own to choose: it never makes one form's submission hide
    another's in the review, nor decides both at once."""
    attempt = uuid.uuid4().hex
    message = post(handler.url, "contact", {**CONTACT, "subject": "同一个编号", ATTEMPT: attempt})
    update = {"name": "周晓梅", "gender": "female", "relation": "staff", "staff_years": "1990-2015",
              "staff_unit": "图书馆", "mobile": "13911112222", "consent": "yes", ATTEMPT: attempt}  # fmt: skip
    details = post(handler.url, "update", update)
    assert (message[0], details[0]) == (201, 201), details
    pending = {s.id: s.form.name for s in Review(handler.inbox.parent, FORMS).pending()}
    assert pending[message[1]["id"]] == "contact" and pending[details[1]["id"]] == "update"


def test_a_registrations_id_from_its_status_link_replaces_nothing(handler):
    """The id in a registration's status link is shown to anyone it is shared with: sent as the
    page's id, it is a new submission, and the registration stays as it was."""
    row = {"event": EVENT, "name": "林晓梅", "mobile": "13900001111", "consent": "yes"}
    status, registered = post(handler.url, "event-registration", {**row, ATTEMPT: uuid.uuid4().hex})
    assert status == 201
    status, other = post(
        handler.url, "event-registration", {**row, "name": "冒名", ATTEMPT: registered["id"]}
    )
    assert status == 201 and other["id"] != registered["id"]
    rows, _ = LocalInbox(handler.inbox).registrations(FORMS["event-registration"])
    assert [r["name"] for r in rows if r["id"] == registered["id"]] == ["林晓梅"]


def test_a_registration_sent_again_for_another_event_takes_its_place_at_the_end(start_handler):
    """Sent again for a full event, the id of a registration taken early for another event does not
    put it before those who registered for the full one in the meantime."""
    handler = start_handler(workers=1)
    attempt, row = uuid.uuid4().hex, {"mobile": "13900001111", "consent": "yes"}
    early = post(
        handler.url, "event-registration", {**row, "event": OTHER_EVENT, "name": "早报名", ATTEMPT: attempt}
    )
    assert early[0] == 201 and early[1]["place"] == "registered"
    filled(handler.inbox, CAPACITY)
    late = post(
        handler.url, "event-registration", {**row, "event": EVENT, "name": "早报名", ATTEMPT: attempt}
    )
    assert (late[0], late[1]["place"]) == (201, "waiting")
    rows, _ = LocalInbox(handler.inbox).registrations(FORMS["event-registration"])
    assert sum(r["event"] == EVENT for r in rows) == CAPACITY + 1
    assert [r["event"] for r in rows if r["id"] == early[1]["id"]] == [OTHER_EVENT]


def test_an_id_that_is_not_one_is_ignored_and_the_submission_gets_its_own(handler):
    for given in ("../../etc", "A" * 32, "0" * 31, "0" * 32 + "\n", ""):
        status, answer = post(handler.url, "contact", {**CONTACT, ATTEMPT: given})
        assert status == 201 and answer["id"] != given and len(answer["id"]) == 32


def test_a_registration_sent_again_keeps_its_place_and_takes_no_other(start_handler):
    handler = start_handler(workers=2)
    filled(handler.inbox, CAPACITY - 2)
    attempt = uuid.uuid4().hex
    row = {"event": EVENT, "mobile": "13900001111", "consent": "yes"}
    answers = [
        post(handler.url, "event-registration", {**row, "name": "晚到甲", ATTEMPT: attempt}) for _ in range(3)
    ]
    assert len({(status, answer["id"], answer["place"]) for status, answer in answers}) == 1
    assert {(status, answer["place"]) for status, answer in answers} == {(201, "registered")}
    status, last = post(handler.url, "event-registration", {**row, "name": "晚到乙"})
    assert (status, last["place"]) == (201, "registered")  # the last place was not taken by the copies
    rows, _ = LocalInbox(handler.inbox).registrations(FORMS["event-registration"])
    assert len(rows) == CAPACITY and [r["name"] for r in rows[-2:]] == ["晚到甲", "晚到乙"]


def test_photos_sent_again_take_the_first_ones_place_once_their_row_is_stored(tmp_path):
    """The first try's photos stayed while the row sent again named the new ones: a note sent
    again with another photo chosen showed in the review with a photo missing, the new one lost."""
    inbox, attempt, form = LocalInbox(tmp_path), uuid.uuid4().hex, FORMS["class-note"]
    note = {"name": "陈校友", "note": "毕业三十年聚会", "consent": "yes"}
    first, again = (
        [Photo("1.jpg", b"\xff\xd8first", 10, 10)],
        [Photo(f"{n}.jpg", b"\xff\xd8again" + bytes([n]), 10, 10) for n in (1, 2)],
    )
    assert inbox.append(form, note, photos=first, submission_id=attempt) == attempt
    assert inbox.append(form, note, photos=again, submission_id=attempt) == attempt
    assert [p.data for p in LocalFiles(tmp_path, tmp_path).photos(attempt)] == [p.data for p in again]
    assert [p.name for p in (tmp_path / "photos").iterdir()] == [attempt]  # nothing hidden left

    # A row sent again that is not stored (here: the inbox file now has other columns) changes
    # nothing: the photos stay those of the row that was.
    inbox_file = inbox.path(form)
    inbox_file.write_bytes(inbox_file.read_bytes().replace(b"consent", b"agreed", 1))
    with pytest.raises(ProblemsFound):
        inbox.append(form, note, photos=first, submission_id=attempt)
    assert [p.data for p in LocalFiles(tmp_path, tmp_path).photos(attempt)] == [p.data for p in again]
    assert [p.name for p in (tmp_path / "photos").iterdir()] == [attempt]


def test_on_the_review_branch_a_registration_sent_again_keeps_its_place(git_daemon):
    form, attempt = FORMS["event-registration"], uuid.uuid4().hex
    row = {"event": EVENT, "name": "校友", "mobile": "13900001111", "consent": "yes"}
    inbox = GitInbox(Remote(git_daemon.url))
    ranks = [inbox.append_counted(form, row, "event")[1] for _ in range(2)]
    ranks += [
        GitInbox(Remote(git_daemon.url)).append_counted(form, row, "event", attempt)[1] for _ in range(2)
    ]
    ranks.append(inbox.append_counted(form, row, "event")[1])
    assert ranks == [1, 2, 3, 3, 4]
    stored, _ = GitInbox(Remote(git_daemon.url)).registrations(form)
    assert len(stored) == 4 and stored[2]["id"] == attempt


def test_once_each_keeps_the_last_sent_in_the_place_of_the_first():
    rows = [{"id": "a", "v": "1"}, {"id": "b", "v": "2"}, {"id": "a", "v": "3"}, {"id": "c", "v": "4"}]
    assert once_each(rows) == [{"id": "a", "v": "3"}, {"id": "b", "v": "2"}, {"id": "c", "v": "4"}]
