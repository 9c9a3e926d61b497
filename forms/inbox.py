"""Where submissions wait for an editor: an append-only CSV file per form and version.

The storage interface is one method, append(form, values, spam, photos) -> id; the local file is
the reference implementation. A row, once written, is never rewritten. Photos sent with a
submission (forms/photos.py) are stored beside the inbox, photos/<id>/1.jpg…, before its row:
a row is only ever written once its photos are complete. Reading it back, with the editors'
decision log beside it, is the other side of the same files (the Inbox protocol, LocalFiles
here and BranchFiles in forms/gitinbox.py), for the review and the digest.

A form page's script gives each filling-in of the form an id of its own (ATTEMPT), sent with
it and again with every retry: a submission stored whose answer was lost (a 503 after the
row was taken, a dropped connection) and then sent again is stored under the same id, and is
read back as one submission (`once_each`), with what was sent last.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from core import tables
from core.definitions import BOOKKEEPING, FIRST_LINE, Form, file_name, other_columns
from core.files import append_whole, lock, sync_folder
from core.problems import ProblemsFound
from forms.checkin import ARRIVED, arrivals_file, new_arrivals
from forms.places import CANCELLED, cancellations_file

if TYPE_CHECKING:
    from forms.photos import Photo

# The editors' decision log: one line per decided submission, beside the inbox it decides.
DECISIONS = ["decided_at", "editor", "form", "submission", "decision", "reason"]
PHOTOS = "photos"  # the folder of the submissions' photos, in the inbox and on the review branch
T = TypeVar("T")
# The field a form page's script fills with a random id for the submission (forms.js); sent again,
# the same submission. Its name starts with _, which no field of a definition can.
ATTEMPT = "_attempt"
_ATTEMPT = re.compile(r"[0-9a-f]{32}")
# How long a writer waits for an inbox file another process holds locked (for one write, as a
# rule): one stuck while holding it gets the visitor a 503 to try again, not a page that hangs.
LOCK_SECONDS = 10.0
logger = logging.getLogger(__name__)


class Storage(Protocol):
    def append(
        self,
        form: Form,
        values: dict[str, str],
        spam: bool = False,
        photos: Sequence[Photo] = (),
        submission_id: str | None = None,
    ) -> str:
        """Store one checked submission, with its photos, durably; return its id only once it is
        safe. submission_id: the client's (`attempt`), else a new one."""
        ...


def attempt(value: object, *scope: str) -> str | None:
    """The submission id for the id a client proposed (ATTEMPT), if it is one (32 hexadecimal
    digits; of a field sent twice, the first): the same each time it is sent with the same scope
    (the form, the event), another for any other. The client chooses the id it sends, so it is
    not stored as it is: sent with another form it would take the place of that form's submission
    in the review, and an id read in a registration's status link would replace the registration."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if not (isinstance(value, str) and _ATTEMPT.fullmatch(value)):
        return None
    return hashlib.sha256(":".join((*scope, value)).encode()).hexdigest()[:32]


def once_each(rows: list[T], ident: Callable[[T], str] = lambda row: row["id"]) -> list[T]:
    """Rows stored again under one submission id (sent again after a lost answer) as one: the
    last sent, in the place of the first."""
    first: dict[str, int] = {}
    kept: list[T] = []
    for row in rows:
        at = first.setdefault(ident(row), len(kept))
        if at == len(kept):
            kept.append(row)
        else:
            kept[at] = row
    return kept


def photo_path(submission_id: str, name: str) -> str:
    """Where a submission's photo is, relative to the inbox or the review branch: photos/<id>/1.jpg."""
    return f"{PHOTOS}/{submission_id}/{name}"


@dataclass(frozen=True)
class StoredPhoto:
    """A submission's photo as the review finds it: its name, where it is (for editors), its bytes."""

    name: str
    where: str
    data: bytes


def header(form: Form) -> bytes:
    """The first line of a form version's inbox file."""
    return tables.line(BOOKKEEPING + form.columns)


def new_row(form: Form, values: dict[str, str], submission_id: str | None = None) -> tuple[str, bytes]:
    """A submission's id (the client's, else a new one) and its line: the bookkeeping columns,
    then the form's, made inert."""
    submission_id = submission_id or uuid.uuid4().hex
    received = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    return submission_id, tables.line(
        [submission_id, received, str(form.version)] + [values.get(c, "") for c in form.columns]
    )


class LocalInbox:
    """data/inbox/<form>-v<version>.csv, and data/inbox/spam/ for filled honeypots.

    append() returns only once its row is on disk (fsync). Rows that arrive together in one
    process are written in one call and share one fsync (group commit); processes take turns
    through an exclusive lock on the file, so a row is never torn or interleaved, waiting for it
    at most lock_seconds (then TimeoutError, an OSError). Half a row a writer killed mid-write
    left is cut off before the next rows (tables.mend). A file whose header is another
    version's (a field changed, not the version) takes no row: ProblemsFound.
    """

    def __init__(self, directory: Path, lock_seconds: float = LOCK_SECONDS):
        self.directory, self.lock_seconds = directory, lock_seconds
        self.files: dict[tuple[str, int, bool], GroupCommit[bytes]] = {}  # (form, version, spam)
        self.counting: dict[
            Path, threading.Lock
        ] = {}  # one counted append at a time per file, in this process
        self.lock = threading.Lock()

    def path(self, form: Form, spam: bool = False) -> Path:
        return self.directory / file_name(form, spam)

    def append(
        self,
        form: Form,
        values: dict[str, str],
        spam: bool = False,
        photos: Sequence[Photo] = (),
        submission_id: str | None = None,
    ) -> str:
        submission_id, row = new_row(form, values, submission_id)
        rows = self.files.get((form.name, form.version, spam)) or self.file(form, spam)
        folder = self.directory / PHOTOS / submission_id
        # Photos are in place before their row is stored. Sent again (the same _attempt), the
        # first try's photos stay the submission's until the new row is stored; then the new
        # photos take their place, as the new row takes the first's (once_each).
        scratch = _write_photos(folder, photos) if photos else None
        placed = scratch is not None and _place(scratch, folder)
        try:
            rows.submit(row)
        except (OSError, ProblemsFound):  # not stored, or refused (another version's columns)
            if scratch is not None:  # no row: its photos are nobody's
                shutil.rmtree(folder if placed else scratch, ignore_errors=True)
            raise
        if scratch is not None and not placed:
            _replace(scratch, folder)
        return submission_id

    def append_counted(
        self, form: Form, values: dict[str, str], key: str, submission_id: str | None = None
    ) -> tuple[str, int]:
        """Store a row, and say its place in line among the form's live rows with the same `key`
        (an event: forms/places.py). Counted and appended under the file's lock, so rows that
        arrive together, from any process, are counted one after the other. A registration sent
        again keeps its place (and is read back as one, `once_each`)."""
        submission_id, row = new_row(form, values, submission_id)
        path = self.path(form)
        with self._counting(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                lock(fd, self.lock_seconds)
                created = os.fstat(fd).st_size == 0
                start = _before_rows(fd, form, path)
                rows, cancelled = self.registrations(form)
                line = place(rows, cancelled, submission_id, key, values.get(key))
                append_whole(fd, start + row)
                os.fsync(fd)
                if created:  # its name too, before the answer
                    sync_folder(path.parent)
            finally:
                os.close(fd)  # and the lock with it
        return submission_id, line

    def registrations(self, form: Form) -> tuple[list[dict[str, str]], set[str]]:
        """Every row of the form's versions in the order they were taken, and the cancelled ids."""
        return read_registrations(self.directory, form.name)

    def cancel(self, form: Form, submission_id: str) -> bool:
        """Cancel a submission (once); False if there is no such submission."""
        rows, cancelled = self.registrations(form)
        if not any(row["id"] == submission_id for row in rows):
            return False
        if submission_id not in cancelled:
            now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
            path = self.directory / cancellations_file(form.name)
            tables.append_row(path, CANCELLED, [submission_id, now], self.lock_seconds)
        return True

    def arrive(self, form: Form, marks: list[list[str]]) -> list[dict[str, str]]:
        """Record arrivals at the door (forms/checkin.py): each mark [id, scan, scanned] whose
        registration has none yet, under the arrivals file's lock, so phones syncing at once from
        any process count each registration once. Returns every arrival recorded, in order."""
        path = self.directory / arrivals_file(form.name)
        with self._counting(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                lock(fd, self.lock_seconds)
                end = tables.mend(fd, str(path))
                arrivals = tables.read_records(path)
                new = new_arrivals(arrivals, marks)
                if new:
                    payload = b"".join(tables.line(row.values()) for row in new)
                    created = os.fstat(fd).st_size == 0
                    append_whole(fd, (tables.line(ARRIVED) if created else end) + payload)
                    os.fsync(fd)
                    if created:
                        sync_folder(path.parent)
            finally:
                os.close(fd)  # and the lock with it
        return arrivals + new

    @contextlib.contextmanager
    def _counting(self, path: Path) -> Iterator[None]:
        """This process's turn at a counted file, waited for as long as the file's lock would be."""
        with self.lock:
            turn = self.counting.setdefault(path, threading.Lock())
        if not turn.acquire(timeout=self.lock_seconds):
            raise TimeoutError(
                errno.ETIMEDOUT, f"{path.name} was busy in this process for {self.lock_seconds:g} s"
            )
        try:
            yield
        finally:
            turn.release()

    def file(self, form: Form, spam: bool) -> GroupCommit[bytes]:
        with self.lock:
            return self.files.setdefault(
                (form.name, form.version, spam),
                # A batch ahead may wait lock_seconds for the file's lock, then this one's turn.
                GroupCommit(
                    _AppendOnlyFile(self.path(form, spam), form, self.lock_seconds).append,
                    2 * self.lock_seconds,
                ),
            )

    def mend(self) -> None:
        """Cut off the half rows writers killed mid-write left at the end of the inbox's files, as a
        worker starts (tables.mend), so the review never reads one. A file locked by a writer at
        work is left to it; one that cannot be opened now is the 503 of its next submission."""
        for path in [*self.directory.glob("*.csv"), *self.directory.glob("spam/*.csv")]:
            try:
                fd = os.open(path, os.O_RDWR | os.O_APPEND)
            except OSError:
                continue
            try:
                lock(fd, 0)
                tables.mend(fd, str(path))
            except OSError as error:
                logger.warning("%s: not looked at for half rows: %s", path, error)
            finally:
                os.close(fd)


class GroupCommit(Generic[T]):
    """Items submitted by many threads at once, flushed together (group commit).

    submit() returns once flush() has returned for a batch holding the item, and raises what
    flush() raised. There is no thread of our own: the first thread to arrive flushes the queue,
    its own item included; the items that arrive meanwhile wait, and when it is done it hands
    the turn to the first of them, which flushes all of them at once. Each waiting thread is
    woken once, when its item is flushed or when it is its turn.

    seconds: how long a thread waits for that before it gives up with TimeoutError (None: as
    long as it takes). A flush that never returns (a disk that hangs in fsync) would otherwise
    hold every later submission, and the threads that serve them, for ever.
    """

    def __init__(self, flush: Callable[[list[T]], None], seconds: float | None = None):
        self.flush, self.seconds = flush, seconds
        self.lock = threading.Lock()
        self.queue: list[_Waiting[T]] = []
        self.flushing = False  # a thread has the turn; the others queue

    def submit(self, item: T) -> None:
        mine = _Waiting(item)
        with self.lock:
            self.queue.append(mine)
            wait, self.flushing = self.flushing, True
        if wait and not mine.wake.acquire(timeout=-1 if self.seconds is None else self.seconds):
            self._give_up(mine)
        if not mine.done:  # our turn: flush what has queued, ours first
            self._take_turn()
        if mine.error:
            raise mine.error

    def _give_up(self, mine: _Waiting[T]) -> None:
        """Leave the queue, unless woken meanwhile; an item already in a batch whose flush has not
        returned may yet be stored, and its sender is told to try again all the same."""
        with self.lock:  # the turn is handed under this lock: it is ours now, or never will be
            if mine.wake.acquire(blocking=False):
                return
            if mine in self.queue:
                self.queue.remove(mine)
        raise TimeoutError(errno.ETIMEDOUT, f"the writes before this one took over {self.seconds:g} s")

    def _take_turn(self) -> None:
        with self.lock:
            batch, self.queue = self.queue, []
        error: Exception | None = OSError(errno.EIO, "not flushed")  # until flush() has returned
        try:
            self.flush([waiting.item for waiting in batch])
            error = None
        except Exception as failure:
            error = failure
        finally:
            with self.lock:
                if self.queue:
                    self.queue[0].wake.release()  # the next turn; flushing stays True
                else:
                    self.flushing = False
            for waiting in batch:
                waiting.error, waiting.done = error, True
            for waiting in batch[1:]:  # batch[0] is this thread: the turn goes to the head of the queue
                waiting.wake.release()


class _Waiting(Generic[T]):
    def __init__(self, item: T):
        self.item, self.done, self.error = item, False, None
        self.wake = threading.Lock()  # released by another thread: the cheapest hand-over CPython has
        self.wake.acquire()


class _AppendOnlyFile:
    """One inbox file, opened once; rows are appended under an exclusive lock and synced."""

    def __init__(self, path: Path, form: Form, lock_seconds: float = LOCK_SECONDS):
        self.path, self.form, self.lock_seconds = path, form, lock_seconds
        self.fd: int | None = None

    def append(self, rows: list[bytes]) -> None:
        """Return only once the rows are on disk; on a disk error the file is opened afresh next time
        (the folder may have been moved or the disk replaced). ProblemsFound, and nothing written,
        if the file has another version's columns."""
        try:
            fd = self._locked()
            try:
                append_whole(fd, _before_rows(fd, self.form, self.path) + b"".join(rows))
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.fdatasync(fd)  # outside the lock, so other processes' rows share the flush
        except OSError:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            raise

    def _locked(self) -> int:
        """The file under an exclusive lock (other processes append to it too), opened afresh if it
        was removed or replaced since it was opened (archived, or put back from a copy): rows go
        where the review reads them, and the new file's columns are checked like the first's."""
        while True:
            if self.fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                # The file's name is durable before any row is acknowledged.
                sync_folder(self.path.parent)
            lock(self.fd, self.lock_seconds)
            try:
                if os.path.samestat(os.fstat(self.fd), os.stat(self.path)):
                    return self.fd
            except FileNotFoundError:
                pass
            os.close(self.fd)  # and its lock
            self.fd = None


def _before_rows(fd: int, form: Form, path: Path) -> bytes:
    """What goes before new rows in an inbox file held under its lock: the header in an empty file,
    a line end after a last line saved without one (half a row a killed writer left is cut off:
    tables.mend). ProblemsFound if the file has another version's columns (other_columns): a row
    is never written under other fields' names."""
    expected = header(form)
    if os.pread(fd, len(expected), 0) != expected:  # a new file, or one saved by other software
        start = os.pread(fd, FIRST_LINE, 0)
        problem = other_columns(form, start, str(path))
        if problem:
            raise ProblemsFound([problem])
        if not start.removeprefix(tables.BOM):
            return expected
    return tables.mend(fd, str(path))


class Inbox(Protocol):
    """Where the submissions and the decision log are read, and where decisions are written."""

    def files(self, form: str) -> list[tuple[str, list[dict[str, str]]]]:
        """(file, rows) for each inbox file of the form's versions; spam is never among them."""
        ...

    def decisions(self) -> list[dict[str, str]]: ...

    def registrations(self, form: str) -> tuple[list[dict[str, str]], set[str]]:
        """The form's rows in the order storage took them (which decides places, forms/places.py),
        and the ids cancelled since, as the handler counts them."""
        ...

    def record(self, decision: list[str], still_pending: Callable[[dict[str, dict[str, str]]], None]) -> None:
        """Append a decision to the log; still_pending(decided) raises if it was decided meanwhile."""
        ...

    def photos(self, submission_id: str) -> list[StoredPhoto]:
        """The photos stored with a submission, in the order they were sent."""
        ...


class LocalFiles:
    """This computer's inbox, data/inbox/ (or the handler's FORMS_INBOX), and its decision log,
    data/private/decisions.csv."""

    def __init__(self, data: Path, inbox: Path | None = None):
        self.inbox, self.log = inbox or data / "inbox", data / "private" / "decisions.csv"

    def files(self, form: str) -> list[tuple[str, list[dict[str, str]]]]:
        return [(str(path), tables.read_records(path)) for path in sorted(self.inbox.glob(f"{form}-v*.csv"))]

    def decisions(self) -> list[dict[str, str]]:
        return tables.read_records(self.log)

    def registrations(self, form: str) -> tuple[list[dict[str, str]], set[str]]:
        return read_registrations(self.inbox, form)

    def record(self, decision: list[str], still_pending: Callable[[dict[str, dict[str, str]]], None]) -> None:
        tables.append_row(self.log, DECISIONS, decision)

    def photos(self, submission_id: str) -> list[StoredPhoto]:
        folder = self.inbox / PHOTOS / submission_id
        found = sorted(folder.glob("*.jpg"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0)
        return [StoredPhoto(path.name, str(path), path.read_bytes()) for path in found]


def _write_photos(folder: Path, photos: Sequence[Photo]) -> Path:
    """The photos written and synced in a hidden folder of this writer's own beside `folder`, to
    be renamed into place in one step (_place, _replace): a worker killed meanwhile leaves no
    half photo where the review looks (only a hidden folder, which nothing reads and a writer an
    hour later removes), and one sent again finds no folder of another writer's in its way."""
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(folder.parent)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for photo in photos:
            fd = os.open(scratch / photo.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                append_whole(fd, photo.data)
                os.fsync(fd)
            finally:
                os.close(fd)
        sync_folder(scratch)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return scratch


def _place(scratch: Path, folder: Path) -> bool:
    """Rename the photos into place; False if the submission has photos there already (sent
    before, or at the same moment): they stay until its new row is stored."""
    try:
        scratch.rename(folder)
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return False
    sync_folder(folder.parent)
    return True


def _replace(scratch: Path, folder: Path) -> None:
    """The photos of a submission sent again in place of the ones before, once its row is stored.
    Two renames: a worker killed between them leaves the folder missing and its client without
    an answer, so it sends again and the photos are placed."""
    old = folder.with_name(f".{folder.name}-{uuid.uuid4().hex[:8]}")
    with contextlib.suppress(FileNotFoundError):  # another copy sent at once is replacing them
        folder.rename(old)
    try:
        scratch.rename(folder)
    except OSError:  # that copy's photos, the same, took the place first
        shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    sync_folder(folder.parent)


def _sweep(photos: Path, hours: float = 1.0) -> None:
    """Hidden folders a killed worker left half written, once they are an hour old (a younger one
    may be another worker's, being written now)."""
    old = datetime.datetime.now().timestamp() - hours * 3600
    with os.scandir(photos) as entries:
        for entry in entries:
            if not entry.name.startswith("."):
                continue
            try:
                stale = (
                    entry.is_dir(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < old
                )
            except FileNotFoundError:  # another worker's, renamed into place since it was listed
                continue
            if stale:
                shutil.rmtree(entry.path, ignore_errors=True)


def read_registrations(directory: Path, form: str) -> tuple[list[dict[str, str]], set[str]]:
    """A form's rows in a local inbox in the order they were taken (the files' order by version:
    a row's time is taken before it waits for the lock), and its cancelled ids."""
    files = sorted(directory.glob(f"{form}-v*.csv"), key=lambda p: int(p.stem.rsplit("-v", 1)[1]))
    rows = once_each([row for path in files for row in tables.read_records(path)])
    cancelled = {row["id"] for row in tables.read_records(directory / cancellations_file(form))}
    return rows, cancelled


def place(
    rows: list[dict[str, str]], cancelled: set[str], submission_id: str, key: str, value: str | None
) -> int:
    """A new registration's place in line among the live rows with its `key` (forms/places.py):
    after all of them, or, sent again under an id stored already, in the place it took then."""
    at = next((i for i, row in enumerate(rows) if row["id"] == submission_id), len(rows))
    return 1 + sum(1 for r in rows[:at] if r.get(key) == value and r["id"] not in cancelled)
