"""Where submissions wait for an editor: an append-only CSV file per form and version.

The storage interface is one method, append(form, values, spam) -> id; the local file is the
reference implementation. A row, once written, is never rewritten.
"""

from __future__ import annotations

import csv
import datetime
import fcntl
import io
import os
import uuid
from pathlib import Path
from typing import Protocol

from forms.definitions import Form

BOOKKEEPING = ["id", "received", "form_version"]
# A cell starting with one of these is a formula to a spreadsheet; a leading ' makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class Storage(Protocol):
    def append(self, form: Form, values: dict[str, str], spam: bool = False) -> str:
        """Store one checked submission durably; return its id only once it is safe on disk."""
        ...


def neutralise(value: str) -> str:
    """Make a value inert in a spreadsheet: '=cmd()' is stored as "'=cmd()"."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def restore(value: str) -> str:
    """The value as the alumnus typed it (the inverse of neutralise)."""
    return value[1:] if value.startswith("'") else value


class LocalInbox:
    """data/inbox/<form>-v<version>.csv, and data/inbox/spam/ for filled honeypots.

    Appends from any number of threads or processes are serialised by an exclusive lock on
    the file, written in one call, and fsync'ed before append() returns.
    """

    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, form: Form, spam: bool = False) -> Path:
        return self.directory / ("spam" if spam else "") / f"{form.name}-v{form.version}.csv"

    def append(self, form: Form, values: dict[str, str], spam: bool = False) -> str:
        submission_id = uuid.uuid4().hex
        received = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        row = [submission_id, received, str(form.version)] + [
            neutralise(values.get(c, "")) for c in form.columns
        ]
        path = self.path(form, spam)
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            payload = _csv_line(row)
            if os.fstat(fd).st_size == 0:
                payload = _csv_line(BOOKKEEPING + form.columns) + payload
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock
        if created:
            _fsync_directory(path.parent)
        return submission_id


def read_inbox(path: Path) -> list[dict[str, str]]:
    """Every row of an inbox file, values restored as typed."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as rows:
        return [{key: restore(value) for key, value in row.items()} for row in csv.DictReader(rows)]


def _csv_line(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode("utf-8")


def _fsync_directory(directory: Path) -> None:
    """A new file's name is only durable once its folder is synced too."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
