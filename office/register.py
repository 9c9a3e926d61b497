"""The alumni register (校友信息库): the office's private list of records, one per alumnus.

It lives in data/private/register.csv, outside the published tree and out of git. Its columns
are the fields of the `update` form after five of its own: the record's id, when and from
where it last changed, when the alumnus last confirmed it through the form, and which fields
the alumnus gave. It is rewritten in one step (core/tables.py's write_table); every change to
it is also appended to data/private/register-history.csv, so an office can answer "who
changed this mobile, when, from what".

Identity is decided here, once, for the import and the review alike. A row is the same person
as a record only on strong evidence: the register id; or name, birth date and college; or
name, college and an equal mobile or e-mail (an e-mail in any case: `contact`). Names are compared as `name_key` writes them
(阿依古丽•买买提 is 阿依古丽·买买提, john smith is John Smith). Without that evidence, a row is
added (nobody like it is known, or everyone like it is told apart by a date or a number) or
reported (it could be someone already there, or it has the mobile or e-mail of another name of
its college: 张三峰 beside 张三丰, or its name and mobile or e-mail are a record's of another
college: a college renamed or merged); two candidates are reported, never guessed between.

Records are kept as lists in column order, not dicts: a register of 300,000 alumni then fits
in a few hundred megabytes.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core import files, tables
from core.definitions import CONSENT, Form
from core.problems import Problem, ProblemsFound
from core.values import name_key

BOOKKEEPING = ["id", "updated", "source", "confirmed", "alumni_fields"]
# as_of: the date the new value is true of (an import's list date, an approval's time): an older
# list never replaces it. Registers written before it have it empty: their line's `at` stands in.
HISTORY = ["at", "record", "field", "old", "new", "source", "by", "as_of"]
ID_FIELD = "id"
# Facts that tell two people with one name apart: if they differ, they are two people. (A mobile
# or an address does not: people change them, and that is what an update says.)
TELLING = ("birth_date", "gender", "year_entered", "year_graduated")
CONTACTS = ("mobile", "email")  # a person's own: another name of the college with one is a question
# Columns whose values repeat across the register: one string each, shared by every record.
_SHARED = {"updated", "source", "confirmed", "gender", "relation", "degree", "year_entered", "year_graduated", "postcode",
           "college", "major", "native_place", "staff_unit", "employer", "job_title", "alumni_fields"}  # fmt: skip


def columns(update_form: Form) -> list[str]:
    return BOOKKEEPING + [f.name for f in update_form.fields if f.name != CONSENT]


def read_register(path: Path) -> list[dict[str, str]]:
    """The register as dicts, for reading a few records (reports, tests)."""
    return tables.read_records(path, "data/private/register.csv")


@dataclass(frozen=True)
class Match:
    """What the register knows of a row: the record it is (kind "same"), nobody ("new"), or a
    reason to ask a person ("ambiguous", "unsure", "conflict", "unknown-id", "other-name": the
    id of the record named, which has another name, "shared": a name new to its college with
    the mobile or e-mail of the record named, or "elsewhere": the name and mobile or e-mail of
    the record named, in another college)."""

    kind: str
    record: int | None = None
    candidates: tuple[int, ...] = ()


@dataclass
class Register:
    """The register in memory, with the indexes identity needs, and the history to append."""

    path: Path
    columns: list[str]
    records: list[list[str]] = field(default_factory=list)
    history: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.at = {name: index for index, name in enumerate(self.columns)}
        self.by_id: dict[str, int] = {}
        self.by_person: dict[tuple[str, str], _Pool] = defaultdict(_Pool)  # (name_key, college or unit)
        # mobile or e-mail -> the record(s) that have or had it: a list only when several do.
        self.by_contact: dict[str, int | list[int]] = {}
        self.shared: dict[str, str] = {}  # one string for each value that repeats (see _SHARED)
        self.repeats = [self.at[name] for name in _SHARED if name in self.at]
        self.changed = False
        self.last_number: int | None = None
        # A clock that ticks with every change: an import decides a row again when the records
        # of its name changed after it was decided (_Pool.touched).
        self.clock = 0
        # The clock when a mobile or e-mail was last added or changed: a row reported for another
        # name's mobile is decided again, as a later row may have given it to someone else.
        self.contacts_changed = -1
        self._stamped: tuple[datetime.datetime | None, str] = (None, "")
        self.as_of = ""  # the date of the values being merged now (see HISTORY)
        # (record id, field or "" for the whole record) -> (as_of, source) of a value dated after
        # the values being merged: only those are read from the history (see `newer_than`).
        self.newer: dict[tuple[str, str], tuple[str, str]] = {}
        self.seen = _state(self.path)  # the register file as read: a save over another's is refused

    @classmethod
    def open(cls, path: Path, update: Form) -> Register:
        register = cls(path, columns(update))
        # Names are compared through OpenCC's table, made on first use: made before the lock, as
        # a Ctrl-C inside the import of its C library raises another error than KeyboardInterrupt.
        name_key("張")
        with _saving(path):  # not while another process is between its history and its register
            register.seen = _state(path)
            # Our own file, read as written: one value that looks garbled must not lock the office out.
            rows = (
                tables.iter_rows(path, "data/private/register.csv", ours=True)[0]
                if path.exists()
                else iter(())
            )
            header = next(rows, None)
            if header is not None:
                where = [header.index(name) if name in header else None for name in register.columns]
                for row in rows:
                    if not any(row):
                        continue
                    record = [row[w] if w is not None and w < len(row) else "" for w in where]
                    register._share(record)
                    register._index(len(register.records), record)
                    register.records.append(record)
            _reconcile(path.with_name("register-history.csv"), register)
        return register

    def _share(self, record: list[str]) -> None:
        shared = self.shared
        for i in self.repeats:
            record[i] = shared.setdefault(record[i], record[i])

    def touched(self, key: tuple[str, str]) -> int:
        """When the records of this name last changed (-1: never, in this run)."""
        pool = self.by_person.get(key)
        return pool.touched if pool is not None else -1

    def get(self, index: int, name: str) -> str:
        return self.records[index][self.at[name]]

    def as_dict(self, index: int) -> dict[str, str]:
        return dict(zip(self.columns, self.records[index], strict=True))

    def key(self, values) -> tuple[str, str]:
        if isinstance(values, dict):
            return name_key(values.get("name") or ""), values.get("college") or values.get("staff_unit") or ""
        at = self.at
        return name_key(values[at["name"]]), values[at["college"]] or values[at["staff_unit"]]

    def _index(self, index: int, record: list[str]) -> None:
        self.by_id[record[self.at[ID_FIELD]]] = index
        self.by_person[self.key(record)].records.append(index)
        self._index_contacts(index, record)

    def _index_contacts(self, index: int, record: list[str]) -> None:
        for name in CONTACTS:
            value = record[self.at[name]]
            if not value:
                continue
            value = contact(name, value)
            known = self.by_contact.setdefault(value, index)
            if isinstance(known, list):
                if index not in known:
                    known.append(index)
            elif known != index:
                self.by_contact[value] = [known, index]

    def holding(self, values: dict[str, str]) -> Iterator[int]:
        """The records that still have the row's mobile or e-mail."""
        for name in CONTACTS:
            value = contact(name, values.get(name, ""))
            known = self.by_contact.get(value) if value else None
            for index in known if isinstance(known, list) else () if known is None else (known,):
                if contact(name, self.get(index, name)) == value:
                    yield index

    def sharing(self, values: dict[str, str]) -> int | None:
        """The first record of the row's college (or unit) with the row's mobile or e-mail."""
        college = self.key(values)[1]
        return next((i for i in self.holding(values) if self.key(self.records[i])[1] == college), None)

    def elsewhere(self, values: dict[str, str]) -> int | None:
        """A record of another college (or unit) with the row's name and mobile or e-mail, which
        no year, date or degree tells apart from the row: one person under two names of a college
        (renamed, merged, or a list's column giving the old name). A student record and a staff
        one are two records, as are two degrees told apart by their years."""
        name, college = self.key(values)
        for index in self.holding(values):
            other = self.key(self.records[index])
            relation = self.get(index, "relation")
            if (
                other[0] == name
                and other[1] != college
                and (not relation or not values.get("relation") or relation == values["relation"])
                and not any(values.get(f) and self.get(index, f) and not _agree(f, values[f], self.get(index, f))
                            for f in (*TELLING, "degree"))
            ):  # fmt: skip
                return index
        return None

    def match(self, values: dict[str, str]) -> Match:
        """Which record these values are (see the module's text for the rules)."""
        if values.get(ID_FIELD):
            found = self.by_id.get(values[ID_FIELD])
            if found is None:
                return Match("unknown-id")
            if values.get("name") and not self.holds(found, "name", values["name"]):
                return Match("other-name", found)  # ids that slipped a row: another person's record
            return Match("same", found)
        found = self.by_person.get(self.key(values))
        pool = found.records if found is not None else ()
        if not values.get("name"):
            return Match("new")
        if not pool:
            return self._new(values)
        strong = [i for i in pool if any(values.get(f) and contact(f, values[f]) == contact(f, self.get(i, f)) for f in ("birth_date", "mobile", "email"))]  # fmt: skip
        if len(strong) > 1:
            return Match("ambiguous", candidates=tuple(strong))
        if strong:
            [index] = strong
            birth = self.get(index, "birth_date")
            if values.get("birth_date") and birth and not _agree("birth_date", values["birth_date"], birth):
                return Match("conflict", index)  # same mobile or e-mail, another birth date
            return Match("same", index)
        alike = [i for i in pool if not any(values.get(f) and self.get(i, f) and not _agree(f, values[f], self.get(i, f)) for f in TELLING)]  # fmt: skip
        if not alike:
            return self._new(values)  # a namesake: told apart by a date or a number
        repeated = [i for i in alike if self.brings_nothing(i, values)]
        if repeated:
            return Match("same", repeated[0])  # the same row again (a second import of one list)
        return Match("unsure", candidates=tuple(alike))

    def _new(self, values: dict[str, str]) -> Match:
        """Nobody of this name is the row: a new person, unless the name is known in another
        college with the row's mobile or e-mail (`elsewhere`), or another name of the college has
        them (张三峰 beside 张三丰, or a typing mistake in a name)."""
        other = self.elsewhere(values)
        if other is not None:
            return Match("elsewhere", other)
        shared = self.sharing(values)
        return Match("new") if shared is None else Match("shared", shared)

    def brings_nothing(self, index: int, values: dict[str, str]) -> bool:
        """Whether every value of the row is already the record's (fields the alumnus gave aside)."""
        own = self.alumni_fields(index)
        return all(
            not v or name in own or self.holds(index, name, v)
            for name, v in values.items()
            if name in self.at
        )

    def holds(self, index: int, name: str, value: str) -> bool:
        """Whether the record has this value: a name written another way (john smith) is the
        same name, and the record keeps its own writing; a birth month (出生年月 1990.02) is
        held by a record with the day (1990-02-16), which it must not replace."""
        held = self.records[index][self.at[name]]
        return (
            contact(name, held) == contact(name, value)
            or (name == "name" and name_key(held) == name_key(value))
            or (name == "birth_date" and held.startswith(value + "-"))
        )

    def alumni_fields(self, index: int) -> set[str]:
        return set(self.get(index, "alumni_fields").split())

    def add(
        self, values: dict[str, str], source: str, by: str, when: datetime.datetime, alumnus: bool = False
    ) -> int:
        record = [""] * len(self.columns)
        for name, value in values.items():
            if name in self.at and name != ID_FIELD and value:
                record[self.at[name]] = value
        record[self.at[ID_FIELD]] = self._new_id()
        record[self.at["updated"]], record[self.at["source"]] = when.date().isoformat(), source
        self._share(record)
        if alumnus:
            record[self.at["confirmed"]] = when.date().isoformat()
            record[self.at["alumni_fields"]] = " ".join(sorted(n for n, v in values.items() if v and n in self.at and n not in BOOKKEEPING))  # fmt: skip
        index = len(self.records)
        self.records.append(record)
        self._index(index, record)
        self.tick(self.key(record))
        if any(record[self.at[name]] for name in CONTACTS):
            self.contacts_changed = self.clock
        self.history.append(
            [self._stamp(when), record[self.at[ID_FIELD]], "", "", "added", source, by, self.as_of]
        )
        self.changed = True
        return index

    def change(self, index: int, changes: dict[str, str], source: str, by: str, when: datetime.datetime,
               alumnus: bool = False, gave: Iterable[str] = ()) -> None:  # fmt: skip
        """Set these fields, each change kept in the history; an alumnus's own update also says
        the record is confirmed today and which fields came from the alumnus: every field given
        (`gave`), the ones equal to the record's too, for a value confirmed is the alumnus's word."""
        record = self.records[index]
        moved = self.key(record) != self.key({**self.as_dict(index), **changes})
        if moved:
            self.by_person[self.key(record)].records.remove(index)
            self.tick(self.key(record))
        for name, new in changes.items():
            old = record[self.at[name]]
            self.history.append(
                [self._stamp(when), record[self.at[ID_FIELD]], name, old, new, source, by, self.as_of]
            )
            record[self.at[name]] = new
        self._share(record)
        if moved:
            self.by_person[self.key(record)].records.append(index)
        self.tick(self.key(record))
        if any(name in changes for name in CONTACTS):
            self._index_contacts(index, record)
            self.contacts_changed = self.clock
        record[self.at["updated"]], record[self.at["source"]] = when.date().isoformat(), source
        if alumnus:
            record[self.at["confirmed"]] = when.date().isoformat()
            self.protect(index, set(changes) | set(gave))
        self.changed = True

    def protect(self, index: int, names: Iterable[str]) -> None:
        """Mark fields as the alumnus's own: no list overwrites them."""
        own = self.alumni_fields(index)
        given = own | {n for n in names if n in self.at and n not in BOOKKEEPING}
        if given != own:
            self.records[index][self.at["alumni_fields"]] = " ".join(sorted(given))
            self.changed = True

    def tick(self, key: tuple[str, str]) -> None:
        self.clock += 1
        self.by_person[key].touched = self.clock

    def _stamp(self, when: datetime.datetime) -> str:
        """The history's time of a change: one string for every line of a run."""
        if self._stamped[0] != when:
            self._stamped = (when, when.isoformat(timespec="seconds"))
        return self._stamped[1]

    def newer_than(self, as_of: str) -> None:
        """Merge values dated `as_of` from now on: note, from the history, which values of the
        register are dated after it (few, unless an old list is imported after newer ones)."""
        self.as_of, self.newer = as_of, {}
        history = self.path.with_name("register-history.csv")
        if not history.exists():
            return
        after = _moment(as_of)
        rows = tables.iter_rows(history, "data/private/register-history.csv", ours=True)[0]
        header = next(rows, [])
        at = {name: header.index(name) for name in HISTORY if name in header}
        for line in rows:
            dated = (
                line[at["as_of"]]
                if "as_of" in at and len(line) > at["as_of"] and line[at["as_of"]]
                else line[at["at"]]
            )
            if _moment(dated) > after:
                key = (line[at["record"]], line[at["field"]])
                if key not in self.newer or _moment(self.newer[key][0]) < _moment(dated):
                    self.newer[key] = (dated, line[at["source"]])

    def newer_value(self, index: int, name: str) -> tuple[str, str] | None:
        """(as_of, source) of the record's value of this field if it is dated after the values
        being merged: it came later, or with the record."""
        ident = self.get(index, ID_FIELD)
        return self.newer.get((ident, name)) or self.newer.get((ident, ""))

    def save(self) -> None:
        """Append the history, then write the register in one step; nothing if nothing changed.

        In that order, a process killed between the two leaves history lines the register does
        not show, which the next `open` takes off (`_reconcile`) and the next run writes again;
        the other order left records with no history that nothing could restore."""
        if not self.changed:
            return
        history = self.path.with_name("register-history.csv")
        with _saving(self.path):
            if _state(self.path) != self.seen:
                # Saving would put back the register as it was read, dropping the other's changes.
                raise ProblemsFound([Problem(
                    "data/private/register.csv",
                    "在这次运行期间被另一个导入或审核改动了，这次的改动没有保存，登记册保留了另一个的改动：请再运行一次",
                    "was changed by another import or review while this one ran; this run saved nothing and the other's changes stay: run it again",
                    kind="file",
                )])  # fmt: skip
            _add_as_of(history)
            tables.append_rows(history, HISTORY, self.history)
            tables.write_table(self.path, self.columns, self.records)
            self.seen = _state(self.path)
        self.history, self.changed = [], False

    def applied(self, source: str) -> bool:
        """Whether a change from this source (form:<submission>) is in the history already."""
        history = self.path.with_name("register-history.csv")
        return any(line["source"] == source for line in tables.read_records(history)) or any(
            line[HISTORY.index("source")] == source for line in self.history
        )

    def _new_id(self) -> str:
        """An id for a new record, after the highest in use: A0000001, A0000002…"""
        if self.last_number is None:
            numbers = [int(i[1:]) for i in self.by_id if i.startswith("A") and i[1:].isdigit()]
            self.last_number = max(numbers, default=0)
        self.last_number += 1
        return f"A{self.last_number:07d}"


def contact(name: str, value: str) -> str:
    """What a mobile or e-mail is compared by: an address in any case is one address (mail
    systems read Wang@ and wang@ alike, and people type both); it is kept as written."""
    return value.casefold() if name == "email" else value


def _agree(name: str, one: str, other: str) -> bool:
    """Whether two values of a field can be one person's: equal, or a birth month and a day in it
    (1990-02 and 1990-02-16: lists often give 出生年月 only)."""
    return one == other or (
        name == "birth_date" and (one.startswith(other + "-") or other.startswith(one + "-"))
    )


def _state(path: Path) -> tuple[int, int, int] | None:
    """What tells one writing of the register from another: a save replaces the file (a new inode)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


@contextlib.contextmanager
def _saving(path: Path) -> Iterator[None]:
    """The register's lock, held while it is read and while it is saved (history, then register),
    so two processes (an import and a review, two imports) never save one over the other."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        files.lock(fd)
        yield
    finally:
        os.close(fd)


def now_on(today: datetime.date) -> datetime.datetime:
    """The moment a change is made, for the history: this machine's time of day with its zone
    (an office in Beijing at 09:00 writes 09:00+08:00), on `today` (a test's day, or today)."""
    return datetime.datetime.combine(today, datetime.datetime.now().astimezone().timetz())


def _moment(text: str) -> datetime.datetime:
    """A date or a time of the history as a moment to compare: a date alone is its midnight in UTC."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _reconcile(history: Path, register: Register) -> None:
    """Take off the history's last save if the register does not show it (see Register.save).

    A save appends its lines in one write, all with one time, source and editor, and replaces the
    register in one step: the register shows all of the save or none of it, so its last line
    tells (the record it added is there, the field it set last holds its new value). A line cut
    short by the kill goes too. Only the end of the file is read, and the save's lines only to
    find where it starts when it is taken off: a register of 300,000 opens in the same time and
    memory with a history or without."""
    if not history.exists() or history.stat().st_size == 0:
        return
    with history.open("r+b") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        size = file.seek(0, os.SEEK_END)
        lines = _backwards(file, size)
        start, last = next(lines, (0, b""))
        cut = size
        if not last.endswith(b"\n"):  # cut short by the kill: no line
            cut = start
            start, last = next(lines, (0, b""))
        if start > 0:  # a line after the header
            record, name, _, new, source, by = _cells(last)
            index = register.by_id.get(record)
            if index is None or (name in register.at and register.get(index, name) != new):
                cut = start  # not shown: the whole save goes
                for start, line in lines:
                    if start == 0 or _cells(line)[4:] != (source, by) or _at(line) != _at(last):
                        break
                    cut = start
        elif not last.endswith(b"\n"):  # the header itself cut short
            cut = 0
        if cut != size:
            file.truncate(cut)
            os.fsync(file.fileno())


def _backwards(file, end: int, block: int = 1 << 16) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of each line of the file before `end`, the last first, read block by block."""
    buffer, position = b"", end
    while True:
        cut = buffer.rfind(b"\n", 0, len(buffer) - 1)
        if cut >= 0:
            yield position + cut + 1, buffer[cut + 1 :]
            buffer = buffer[: cut + 1]
        elif position == 0:
            if buffer:
                yield 0, buffer
            return
        else:
            step = min(block, position)
            position -= step
            file.seek(position)
            buffer = file.read(step) + buffer


def _at(line: bytes) -> bytes:
    return line.split(b",", 1)[0]


def _cells(line: bytes) -> tuple[str, str, str, str, str, str]:
    """record, field, old, new, source and by of a history line."""
    [cells] = tables.reader(line.decode("utf-8", "replace"))
    cells += [""] * (len(HISTORY) - len(cells))
    return cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]


def _add_as_of(history: Path) -> None:
    """A history written before the as_of column gets it, empty on its lines, once."""
    if not history.exists():
        return
    with history.open("rb") as file:  # its first line only: every save asks, and a history grows
        first = file.readline().rstrip(b"\r\n")
    if not first or b"as_of" in first.split(b","):
        return
    rows = tables.iter_rows(history, "data/private/register-history.csv", ours=True)[0]
    header = next(rows)
    tables.write_table(history, [*header, "as_of"], rows)


def changes(
    record: dict[str, str] | None, values: dict[str, str], fields: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """What an update would change: field -> (old, new); empty new values change nothing."""
    old = record or {}
    return {f: (old.get(f, ""), values[f]) for f in fields if values.get(f) and values[f] != old.get(f, "")}


class _Pool:
    """The records of one name in one college (or unit), and when they last changed."""

    __slots__ = ("records", "touched")

    def __init__(self) -> None:
        self.records: list[int] = []
        self.touched = -1
