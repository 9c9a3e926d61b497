"""Check-in at the door: a code that names a registration and no person, and arrivals counted once.

The office prints a code (and its QR) for each confirmed attendee (office/attendees.py); the
volunteers' page (forms/checkin.js, served by the handler) sends the codes it scanned or was
typed, and the handler marks arrivals in storage beside the registrations (`arrive`), one per
registration whatever how often or from how many phones its code is sent. The code is a hash
of the registration's id, which stays the registrant's own key to cancel: whoever sees a badge
cannot work the id out from it. The handler answers with what it can say without a name: whether
the code is a place at this event, the first arrival or a repeat, and the guests.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass

from core.problems import Problem, ProblemsFound
from forms.places import places

KEY_ENV = "FORMS_CHECKIN_KEY"
MIN_KEY_LENGTH = 16
ARRIVED = ["id", "scan", "scanned", "recorded"]  # the columns of a form's arrivals file
MAX_SCANS = 500  # codes one sync may carry: a phone's queue after an evening offline
# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not mistaken.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE = re.compile(f"[{ALPHABET}]{{8}}")
_SCAN = re.compile(r"[0-9a-f]{32}")


def arrivals_file(form: str) -> str:
    """The file beside a form's inbox files that lists the arrivals at its events."""
    return f"{form}-arrived.csv"


def new_arrivals(recorded: list[dict[str, str]], marks: list[list[str]]) -> list[dict[str, str]]:
    """The arrivals to add for marks [id, scan, scanned] whose registration has none recorded
    yet (nor an earlier mark of the same sync), stamped now."""
    known = {row["id"] for row in recorded}
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    new = []
    for mark in marks:
        if mark[0] not in known:
            known.add(mark[0])
            new.append(dict(zip(ARRIVED, [*mark, now], strict=True)))
    return new


def code(submission_id: str) -> str:
    """A registration's check-in code, such as 7K3M-9QXR: 40 bits of a hash of its id, printed
    and put in its QR code. Among a thousand attendees two codes meet once in two million events."""
    number = int.from_bytes(hashlib.sha256(b"check-in:" + submission_id.encode()).digest()[:5])
    letters = "".join(ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"{letters[:4]}-{letters[4:]}"


def normalise(text: str) -> str | None:
    """A code as a volunteer typed or a camera read it (any case, spaces, O for 0), or None."""
    letters = re.sub(r"[\s-]", "", str(text)).upper().translate(_TYPED)
    return f"{letters[:4]}-{letters[4:]}" if _CODE.fullmatch(letters) else None


def key_from_env(value: str | None) -> str | None:
    """FORMS_CHECKIN_KEY, the volunteers' key; None (not set) keeps check-in closed."""
    key = (value or "").strip()
    if not key:
        return None
    if len(key) < MIN_KEY_LENGTH:
        raise ProblemsFound([Problem(KEY_ENV, f"太短，志愿者密钥至少要 {MIN_KEY_LENGTH} 个字符：请换一串更长的随机文字",
                                     f"is too short: the volunteers' key needs at least {MIN_KEY_LENGTH} characters; set a longer random one",
                                     kind="setting")])  # fmt: skip
    return key


def key_matches(key: str, authorization: str | None) -> bool:
    """Whether the request's `Authorization: Bearer <key>` holds the volunteers' key (in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), key.encode())


@dataclass(frozen=True)
class Scan:
    """One code as a phone read it: the phone's own id for the scan (so a queue sent twice is
    recognised), and when it was read there (an offline phone sends it later)."""

    code: str
    scan: str
    scanned: str


def read_scans(data: Mapping) -> list[Scan]:
    """The scans of a sync, `{"event": …, "scans": [{"code", "scan", "scanned"}…]}`; ValueError if
    it is not that. A code that is no code is kept, to be answered as unknown."""
    scans = data.get("scans", [])
    if not isinstance(scans, list) or len(scans) > MAX_SCANS:
        raise ValueError("scans")
    found = []
    for item in scans:
        if not isinstance(item, dict) or not _SCAN.fullmatch(str(item.get("scan", ""))):
            raise ValueError("scan")
        found.append(Scan(str(item.get("code", ""))[:40], item["scan"], _when(item.get("scanned"))))
    return found


def _when(value: object) -> str:
    """The phone's time of a scan, as an ISO time in UTC; empty if it sent none that reads."""
    try:
        moment = datetime.datetime.fromisoformat(str(value))
        # A bad clock's year 9999 or 1 in a far zone has no UTC time (OverflowError).
        return moment.astimezone(datetime.UTC).isoformat(timespec="seconds") if moment.tzinfo else ""
    except (ValueError, OverflowError):
        return ""


@dataclass(frozen=True)
class Outcome:
    """What the door is told about one scan, without a name."""

    code: str
    scan: str
    # arrived (the first time), already (arrived before, at `arrived`), waiting (on the waiting
    # list, no place), cancelled, elsewhere (a place at another event), unknown (no such code)
    result: str
    guests: int = 0
    arrived: str = ""  # when the registration first arrived, by the phone that scanned it


@dataclass(frozen=True)
class Door:
    """What a sync is answered with: each scan's outcome, and the arrivals among the places."""

    outcomes: list[Outcome]
    arrived: int
    expected: int

    def as_json(self) -> dict:
        return {
            "results": [asdict(o) for o in self.outcomes],
            "arrived": self.arrived,
            "expected": self.expected,
        }


def check_in(
    event: str,
    capacity: int | None,
    rows: Iterable[Mapping[str, str]],
    cancelled: set[str],
    scans: list[Scan],
    arrive: Callable[[list[list[str]]], list[dict[str, str]]],
) -> Door:
    """Mark the arrivals of the scans that are places at the event. `arrive` is the storage's: it
    records each [id, scan, scanned] whose registration has no arrival yet, at once, and returns
    every arrival then recorded, in order."""
    rows = list(rows)
    standing = places(rows, cancelled, event, capacity)
    by_code = {code(row["id"]): row for row in rows}
    marks, seen = [], set()
    for scan in scans:
        row = by_code.get(normalise(scan.code) or "")
        place = standing.get(row["id"]) if row else None
        if place and place.kind == "registered" and row["id"] not in seen:  # its first scan here
            seen.add(row["id"])
            marks.append([row["id"], scan.scan, scan.scanned])
    first: dict[str, dict[str, str]] = {}
    for arrival in arrive(marks):
        first.setdefault(arrival["id"], arrival)
    outcomes = []
    for scan in scans:
        typed = normalise(scan.code)
        row = by_code.get(typed or "")
        if row is None:
            outcomes.append(Outcome(typed or scan.code, scan.scan, "unknown"))
            continue
        guests = int(row["guests"]) if str(row.get("guests", "")).isdigit() else 0
        place = standing.get(row["id"])
        if place is None:
            outcomes.append(Outcome(typed, scan.scan, "elsewhere"))
        elif place.kind != "registered":
            outcomes.append(Outcome(typed, scan.scan, place.kind, guests))
        else:
            arrival = first[row["id"]]
            result = "arrived" if arrival["scan"] == scan.scan else "already"
            outcomes.append(
                Outcome(typed, scan.scan, result, guests, arrival["scanned"] or arrival["recorded"])
            )
    placed = {i for i, place in standing.items() if place.kind == "registered"}
    return Door(outcomes, len(placed & set(first)), len(placed))
