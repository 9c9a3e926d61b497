"""Event calendars: a file per event and calendars per edition and chapter, read by two parsers,
each event at the right moment in its own time zone."""

import datetime
import uuid

import icalendar
import vobject

from core.tables import read_records
from plugins.calendars import calendar
from tests.support import ROOT

UTC = datetime.UTC
EVENTS = {row["id"]: row for row in read_records(ROOT / "data/events.csv")}


def parsed(path):
    data = path.read_bytes()
    return icalendar.Calendar.from_ical(data), vobject.readOne(data.decode("utf-8"))


def test_every_event_has_a_file_that_both_parsers_read_at_the_right_moment(demo_site):
    expected = {  # local start -> the same instant in UTC
        "chongqing-annual-2026": datetime.datetime(2026, 12, 12, 6, 0, tzinfo=UTC),  # 14:00 in Chongqing
        "north-america-picnic-2027": datetime.datetime(
            2027, 4, 24, 18, 0, tzinfo=UTC
        ),  # 11:00 in San Francisco (PDT)
        "uk-christmas-2026": datetime.datetime(2026, 12, 19, 18, 30, tzinfo=UTC),  # 18:30 in London (GMT)
    }
    for ident in EVENTS:
        for edition in ("", "en/"):
            ours, theirs = parsed(demo_site / f"{edition}events/{ident}/event.ics")
            [event] = ours.walk("VEVENT")
            start = event.decoded("dtstart")
            uid = str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"https://127.0.0.1/events/{ident}")
            )  # the preview's host
            assert (
                theirs.vevent.dtstart.value == start and theirs.vevent.uid.value == str(event["uid"]) == uid
            )
            if ident in expected:
                assert start.astimezone(UTC) == expected[ident]
    ours, _ = parsed(demo_site / "events/north-america-picnic-2027/event.ics")
    assert [tz["TZID"] for tz in ours.walk("VTIMEZONE")] == ["America/Los_Angeles"]


def test_each_edition_has_a_calendar_of_all_events_in_its_words(demo_site):
    zh, _ = parsed(demo_site / "events/calendar.ics")
    en, _ = parsed(demo_site / "en/events/calendar.ics")
    assert len({str(e["uid"]) for e in zh.walk("VEVENT")}) == len(EVENTS) == len(list(zh.walk("VEVENT")))
    titles = {str(e["summary"]) for e in en.walk("VEVENT")}
    assert "UK Chapter Christmas Gathering" in titles and "英国校友会圣诞聚会" not in titles
    assert {str(e["location"]) for e in en.walk("VEVENT")} >= {"London"}


def test_a_chapter_calendar_holds_only_its_own_events(demo_site):
    ours, _ = parsed(demo_site / "chapters/uk/calendar.ics")
    assert [str(e["summary"]) for e in ours.walk("VEVENT")] == ["英国校友会圣诞聚会"]


def test_an_event_without_times_is_a_whole_day():
    row = {**EVENTS["career-fair-2027"], "start": "", "end": "", "url": "events/career-fair-2027/"}
    ours = icalendar.Calendar.from_ical(
        calendar([row], "x", "https://alumni.example.org", "zh", {"DEFAULT_LANG": "zh"})
    )
    [event] = ours.walk("VEVENT")
    assert event.decoded("dtstart") == datetime.date(2027, 3, 20) and event.decoded("dtend") == datetime.date(
        2027, 3, 21
    )
    assert str(event["url"]) == "https://alumni.example.org/events/career-fair-2027/"


def test_the_event_page_offers_its_calendar_and_says_when_registration_closes(demo_site):
    page = (demo_site / "events/uk-christmas-2026/index.html").read_text(encoding="utf-8")
    assert 'href="/events/uk-christmas-2026/event.ics"' in page
    assert "18:30–22:00" in page and "Europe/London" in page and "每人 25 英镑" in page and "50 人" in page
    past = (demo_site / "events/forum-2026/index.html").read_text(encoding="utf-8")
    assert "活动已结束" in past
