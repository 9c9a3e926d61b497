"""Events in time: when one starts and ends, in its own time zone, and whether one can still register.

The build (event pages, calendars, the registration form) and the handler (refusing a late
registration even from a page built days ago) ask here, so both close registration at the same
moment: the end of the deadline's day (or of the event's day) where the event takes place.

Rows are data/events.csv's, as text (the handler reads the file) or typed (the build's checked
data package): both are read here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.definitions import Text
from core.problems import Problem

DEFAULT_ZONE = "Asia/Shanghai"  # the site's TIMEZONE; an overseas chapter's event names its own


@dataclass(frozen=True)
class Times:
    """When an event takes place: aware datetimes, or whole days when no time is given."""

    start: datetime.datetime | datetime.date
    end: datetime.datetime | datetime.date  # for whole days, the day after the last (as iCalendar counts)
    zone: ZoneInfo

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime.datetime)


def zone(row: Mapping) -> ZoneInfo:
    return ZoneInfo(str(row.get("timezone") or DEFAULT_ZONE))


def times(row: Mapping) -> Times:
    """The event's start and end. With times, on its day (or end_date) in its zone; without, whole days."""
    where = zone(row)
    first = _day(row["date"])
    last = _day(row.get("end_date")) or first
    start, end = _clock(row.get("start")), _clock(row.get("end"))
    if start is None:
        return Times(first, last + datetime.timedelta(days=1), where)
    begins = datetime.datetime.combine(first, start, where)
    ends = datetime.datetime.combine(last, end, where) if end else begins + datetime.timedelta(hours=2)
    return Times(begins, ends, where)


def closes(row: Mapping) -> datetime.datetime:
    """When registration closes: the end of the deadline's day (or the event's), where it takes place."""
    day = _day(row.get("deadline")) or _day(row["date"])
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone(row))


def why_closed(row: Mapping, now: datetime.datetime) -> Text | None:
    """None while one can register; else why not, as the handler and the event page say it."""
    if now >= closes(row):
        when = times(row)
        if now >= (
            when.end if not when.all_day else datetime.datetime.combine(when.end, datetime.time(), when.zone)
        ):
            return Text("活动已结束", "The event is over")
        deadline = (closes(row) - datetime.timedelta(days=1)).date().isoformat()
        return Text(f"报名已于 {deadline} 截止", f"Registration closed on {deadline}")
    if str(row.get("registration") or "") != "open":
        return Text("本活动不接受网上报名", "This event takes no registrations online")
    return None


def open_events(events: Iterable[Mapping], now: datetime.datetime) -> list[tuple[str, Text]]:
    """Events one can register for now, as (id, title) choices of the registration form."""
    return [(str(row["id"]), _title(row)) for row in events if why_closed(row, now) is None]


def closed_events(events: Iterable[Mapping], now: datetime.datetime) -> dict[str, Text]:
    """Events one cannot register for now, and why: what the handler answers a stale page with."""
    return {str(row["id"]): reason for row in events if (reason := why_closed(row, now)) is not None}


def next_closing(events: Iterable[Mapping], now: datetime.datetime) -> datetime.datetime:
    """When the choices next change: the soonest registration to close after now (a day at most)."""
    later = [
        closes(row) for row in events if str(row.get("registration") or "") == "open" and closes(row) > now
    ]
    return min([*later, now + datetime.timedelta(days=1)])


def midday(day: datetime.date) -> datetime.datetime:
    """A day as a moment, for what knows only its day (a build's BUILD_DATE, a pinned FORMS_TODAY):
    noon in the site's zone, so a deadline of that day has not passed yet."""
    return datetime.datetime.combine(day, datetime.time(12), ZoneInfo(DEFAULT_ZONE))


def event_problems(events: Iterable[Mapping], label: str = "data/events.csv") -> list[Problem]:
    """What Table Schema cannot say: a real time zone, an end after the start, a deadline not after the event."""
    known, problems = available_timezones(), []
    for row in events:
        where = row.get("_row")
        name = str(row.get("timezone") or "")
        if name and name not in known:
            problems.append(Problem(label, "不是时区名称，请写如 Asia/Shanghai、America/Los_Angeles、Europe/London 的名称",
                                    "is not a time zone; write a name such as Asia/Shanghai, America/Los_Angeles or Europe/London",
                                    row=where, field="timezone", value=name, kind="event"))  # fmt: skip
            continue
        try:
            when = times(row)
        except (ValueError, ZoneInfoNotFoundError):
            continue  # the schema check names a malformed date or time
        if when.end <= when.start:
            problems.append(Problem(label, "结束早于开始，请核对日期和时间", "ends before it starts; check the dates and times",
                                    row=where, field="end", value=str(row.get("end") or row.get("end_date") or ""), kind="event"))  # fmt: skip
        deadline = _day(row.get("deadline"))
        if deadline and deadline > _day(row["date"]):
            problems.append(Problem(label, "报名截止日期晚于活动日期，请改正", "the registration deadline is after the event; correct it",
                                    row=where, field="deadline", value=str(deadline), kind="event"))  # fmt: skip
    return problems


def _title(row: Mapping) -> Text:
    return Text(str(row["title"]), str(row.get("title_en") or row["title"]))


def _day(value) -> datetime.date | None:
    if not value:
        return None
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _clock(value) -> datetime.time | None:
    return datetime.time.fromisoformat(str(value)) if value else None
