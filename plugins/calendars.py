"""Events as calendars (RFC 5545, written with the icalendar package): one file per event to add
it to a calendar, and calendars to subscribe to, per edition and per chapter.

Times carry the event's own time zone (Asia/Shanghai, or an overseas chapter's, such as
America/Los_Angeles) with its VTIMEZONE, so a calendar program shows each event at the right
hour wherever the reader is. Every value in a file comes from the data: an unchanged site
writes the same bytes.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from pelican import signals
from pelican.generators import Generator

from core.events import times
from plugins import full_address
from plugins.i18n import edition_path


def calendar(events: list[dict], name: str, site_url: str, lang: str, settings: dict) -> bytes:
    """A calendar of these events (an edition's view of each: its title, place and page)."""
    cal = Calendar()
    cal.add("prodid", "-//alumni-site//events//" + lang.upper())
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    host = urlsplit(site_url).hostname or "localhost"
    if events:
        # The zones of these events as they are in their years: short, and read alike everywhere.
        # In a fixed order (icalendar's add_missing_timezones follows a set's, which changes from
        # one process to the next): an unchanged site writes the same bytes.
        when = [times(row) for row in events]
        years = sorted(w.start.year for w in when)
        for zone in sorted({w.zone.key for w in when if not w.all_day}):
            cal.add_component(_zone(zone, years[0] - 1, years[-1] + 2))
    for row in events:
        when = times(row)
        event = Event()
        # Stable and unique, and with no @: the personal-data guard rightly stops what looks like mail.
        event.add("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://{host}/events/{row['id']}")))
        # When the entry was made: derived from the data, not the clock, so the file is steady.
        event.add("dtstamp", datetime.datetime.combine(when.start if when.all_day else when.start.date(),
                                                       datetime.time(), datetime.UTC))  # fmt: skip
        event.add("dtstart", when.start)
        event.add("dtend", when.end)
        event.add("summary", row["title"])
        event.add("location", row.get("place_shown") or row["place"])
        fee = row.get("fee") if lang == settings["DEFAULT_LANG"] else row.get(f"fee_{lang}") or row.get("fee")
        if fee:
            event.add("description", fee)
        if site_url:
            event.add(
                "url",
                f"{site_url}/{row['url'].lstrip('/')}" if not row["url"].startswith("http") else row["url"],
            )
        cal.add_component(event)
    return cal.to_ical()


@functools.lru_cache(maxsize=64)
def _zone(zone: str, first_year: int, end_year: int) -> Timezone:
    """A zone's VTIMEZONE over those years: icalendar finds its changes hour by hour (20 ms),
    and every event's calendar of an edition and chapter asks for the same few."""
    return Timezone.from_tzinfo(
        ZoneInfo(zone), zone, datetime.date(first_year, 1, 1), datetime.date(end_year, 1, 1)
    )


class CalendarsGenerator(Generator):
    """Writes events/<id>/event.ics, events/calendar.ics and chapters/<id>/calendar.ics per edition."""

    def generate_context(self) -> None:
        pass  # the events are the data pages' (plugins.datapages), read in their generate_context

    def generate_output(self, writer) -> None:
        editions = self.context.get("editions", {})
        # Each event names its page in full, also in a local build: a calendar app has no page
        # to resolve a path against.
        output, site_url = Path(writer.output_path), full_address(self.settings)
        for lang, edition in editions.items():
            events = [
                self._shown(event, lang) for event in edition["upcoming_events"] + edition["past_events"]
            ]
            events.sort(key=lambda e: (str(e["date"]), e["id"]))
            name = self.settings["SITE_NAMES"][lang]
            self._write(output, edition_path(lang, self.settings["CALENDAR_SAVE_AS"], self.settings),
                        calendar(events, name, site_url, lang, self.settings))  # fmt: skip
            for event in events:
                save_as = self.settings["EVENT_CALENDAR_SAVE_AS"].format(slug=event["id"])
                self._write(output, edition_path(lang, save_as, self.settings),
                            calendar([event], event["title"], site_url, lang, self.settings))  # fmt: skip
            for chapter in edition["chapters"]:
                own = [e for e in events if e.get("chapter") == chapter.slug]
                save_as = self.settings["CHAPTER_CALENDAR_SAVE_AS"].format(slug=chapter.slug)
                self._write(output, edition_path(lang, save_as, self.settings),
                            calendar(own, f"{name} · {chapter.title}", site_url, lang, self.settings))  # fmt: skip

    def _shown(self, event: dict, lang: str) -> dict:
        labels = self.context.get("data_labels", {}).get(lang, {})
        return {**event, "place_shown": labels.get(event["place"], event["place"])}

    @staticmethod
    def _write(output: Path, save_as: str, data: bytes) -> None:
        path = output / save_as
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _generators(pelican) -> type[Generator]:
    return CalendarsGenerator


def register() -> None:
    signals.get_generators.connect(_generators)
