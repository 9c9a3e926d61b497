"""When an event happens and when registration closes: in the event's own time zone."""

import datetime
from zoneinfo import ZoneInfo

from core.events import closed_events, event_problems, midday, open_events, why_closed

LA = ZoneInfo("America/Los_Angeles")
PICNIC = {"id": "picnic", "title": "野餐", "title_en": "Picnic", "date": "2027-04-24", "registration": "open",
          "timezone": "America/Los_Angeles", "deadline": "2027-04-17"}  # fmt: skip


def test_registration_closes_at_the_end_of_the_deadline_day_where_the_event_is():
    # At 23:30 on the 17th in San Francisco it is already the 18th in Beijing: still open.
    assert why_closed(PICNIC, datetime.datetime(2027, 4, 17, 23, 30, tzinfo=LA)) is None
    closed = why_closed(PICNIC, datetime.datetime(2027, 4, 18, 0, 10, tzinfo=LA))
    assert (closed.zh, closed.en) == ("报名已于 2027-04-17 截止", "Registration closed on 2027-04-17")


def test_without_a_deadline_registration_closes_with_the_event_day():
    row = {**PICNIC, "deadline": ""}
    assert why_closed(row, datetime.datetime(2027, 4, 24, 20, 0, tzinfo=LA)) is None
    assert why_closed(row, datetime.datetime(2027, 4, 25, 0, 1, tzinfo=LA)) is not None


def test_the_form_offers_open_events_and_knows_why_the_others_are_closed():
    closed_one = {**PICNIC, "id": "done", "deadline": "2027-01-01"}
    shut = {**PICNIC, "id": "shut", "registration": "closed"}
    now = midday(datetime.date(2027, 3, 1))
    assert [ident for ident, _ in open_events([PICNIC, closed_one, shut], now)] == ["picnic"]
    reasons = closed_events([PICNIC, closed_one, shut], now)
    assert reasons["done"].en == "Registration closed on 2027-01-01"
    assert reasons["shut"].en == "This event takes no registrations online"


def test_a_time_zone_an_order_and_a_deadline_are_checked():
    rows = [
        {**PICNIC, "_row": 2, "timezone": "Asia/Beijing"},
        {**PICNIC, "_row": 3, "start": "15:00", "end": "11:00"},
        {**PICNIC, "_row": 4, "deadline": "2027-05-01"},
    ]
    assert [(p.row, p.field) for p in event_problems(rows)] == [(2, "timezone"), (3, "end"), (4, "deadline")]
    assert "write a name such as Asia/Shanghai" in event_problems(rows)[0].en
