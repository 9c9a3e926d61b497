"""Places at an event with a capacity: registered, or waiting with a number, worked out from storage.

Nothing keeps a count: a registration's standing is derived from the rows themselves, in the
order storage took them (each storage takes a counted row under a lock, or by compare-and-swap,
so the order is one), minus the registrations cancelled since. A cancellation therefore moves
the first waiting registration up by itself, a restart loses nothing, and 64 people posting for
the last 10 places at once get exactly 10 places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core import tables

CANCELLED = ["id", "cancelled"]  # the columns of a form's cancellations file


@dataclass(frozen=True)
class Standing:
    """Where a registration stands: a place, a number on the waiting list, or cancelled."""

    kind: str  # "registered", "waiting", "cancelled", "unknown"; "counting" until a landing bucket's fold
    waiting: int = 0  # its number on the waiting list

    def as_json(self) -> dict:
        return {"place": self.kind, **({"waiting": self.waiting} if self.kind == "waiting" else {})}

    @classmethod
    def from_json(cls, data: dict) -> Standing:
        return cls(str(data.get("place", "unknown")), int(data.get("waiting", 0)))


def capacity_of(event: Mapping[str, object]) -> int | None:
    """An event's number of places (data/events.csv's capacity); None if it gives none (or 0)."""
    places = str(event.get("capacity") or "")
    return int(places) if places.isdigit() and int(places) else None


def cancellations_file(form: str) -> str:
    """The file beside a form's inbox files that lists its cancelled submissions."""
    return f"{form}-cancelled.csv"


def rank(
    rows: Iterable[Mapping[str, str]], cancelled: set[str], key: str, value: str, submission: str
) -> int | None:
    """The submission's place in line among the live rows with the same key (1 is first), or None."""
    line = 0
    for row in rows:
        if row.get(key) == value and row.get("id") not in cancelled:
            line += 1
            if row.get("id") == submission:
                return line
    return None


def standing(
    rows: Iterable[Mapping[str, str]], cancelled: set[str], submission: str, capacity: int | None
) -> Standing:
    """A registration's standing now (the rows in the order storage took them)."""
    rows = list(rows)
    if submission in cancelled:
        return Standing("cancelled")
    mine = next((row for row in rows if row.get("id") == submission), None)
    if mine is None:
        return Standing("unknown")
    line = rank(rows, cancelled, "event", mine.get("event", ""), submission)
    return placed(line, capacity)


def places(
    rows: Iterable[Mapping[str, str]], cancelled: set[str], event: str, capacity: int | None
) -> dict[str, Standing]:
    """The standing of every registration for one event, by id, in one pass over the rows in the
    order storage took them (the same count as standing(), for a whole list at once)."""
    found, line = {}, 0
    for row in rows:
        if row.get("event") != event:
            continue
        if row.get("id") in cancelled:
            found[row["id"]] = Standing("cancelled")
            continue
        line += 1
        found[row["id"]] = placed(line, capacity)
    return found


def placed(line: int | None, capacity: int | None) -> Standing:
    """The standing of the line-th live registration at an event with this capacity."""
    if line is None:
        return Standing("unknown")
    if not capacity or line <= capacity:
        return Standing("registered")
    return Standing("waiting", line - capacity)


def cancelled_ids(data: bytes | None, label: str) -> set[str]:
    return {row["id"] for row in tables.parse_records(data or b"", label)}
