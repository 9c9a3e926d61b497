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
import threading
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

    append() returns only once its row is on disk (fsync). Rows that arrive together in one
    process are written in one call and share one fsync (group commit); processes take turns
    through an exclusive lock on the file, so a row is never torn or interleaved.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.writers: dict[Path, _FileWriter] = {}
        self.lock = threading.Lock()

    def path(self, form: Form, spam: bool = False) -> Path:
        return self.directory / ("spam" if spam else "") / f"{form.name}-v{form.version}.csv"

    def append(self, form: Form, values: dict[str, str], spam: bool = False) -> str:
        submission_id = uuid.uuid4().hex
        received = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
        row = [submission_id, received, str(form.version)] + [
            neutralise(values.get(c, "")) for c in form.columns
        ]
        path = self.path(form, spam)
        with self.lock:
            writer = self.writers.get(path) or self.writers.setdefault(
                path, _FileWriter(path, _csv_line(BOOKKEEPING + form.columns))
            )
        writer.write(_csv_line(row))
        return submission_id


class _Pending:
    def __init__(self, payload: bytes):
        self.payload, self.done, self.error = payload, threading.Event(), None


class _FileWriter:
    """A thread that writes whatever rows have queued up for one file, then syncs once for all."""

    def __init__(self, path: Path, header: bytes):
        self.path, self.header = path, header
        self.queue: list[_Pending] = []
        self.ready = threading.Condition()
        self.fd: int | None = None
        threading.Thread(target=self._run, name=f"inbox {path.name}", daemon=True).start()

    def write(self, payload: bytes) -> None:
        """Queue one row and wait until it is durable; a disk error is raised here, to the request."""
        pending = _Pending(payload)
        with self.ready:
            self.queue.append(pending)
            self.ready.notify()
        pending.done.wait()
        if pending.error:
            raise pending.error

    def _run(self) -> None:
        while True:
            with self.ready:
                while not self.queue:
                    self.ready.wait()
                batch, self.queue = self.queue, []
            error = None
            try:
                self._append(b"".join(p.payload for p in batch))
            except OSError as failure:
                error = failure
                self._close()  # open afresh next time: the folder may have been moved or the disk replaced
            for pending in batch:
                pending.error = error
                pending.done.set()

    def _append(self, payload: bytes) -> None:
        if self.fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            _fsync_directory(self.path.parent)  # the file's name is durable before any row is acknowledged
        fcntl.flock(self.fd, fcntl.LOCK_EX)  # other processes append to the same file
        try:
            if os.fstat(self.fd).st_size == 0:
                payload = self.header + payload
            os.write(self.fd, payload)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.fdatasync(self.fd)  # outside the lock, so other processes' rows share the flush

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def append_row(path: Path, header: list[str], row: list[str]) -> None:
    """Append one row to a CSV file durably (lock, one write, fsync), with the header if new.

    For the editors' own files (decision log, attendee lists); values are made inert for
    spreadsheets like the inbox's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        payload = _csv_line([neutralise(value) for value in row])
        if os.fstat(fd).st_size == 0:
            payload = _csv_line(header) + payload
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


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
