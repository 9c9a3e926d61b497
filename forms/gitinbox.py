"""The inbox on a review branch of a git repository, where a cloud function's submissions go.

A cloud function has no git binary and keeps no disk between calls, so this uses dulwich (git
in pure Python) on a repository held in memory: it fetches only the tip of the review branch,
appends the rows to the inbox files there (the same files, rows and bookkeeping columns as
LocalInbox's), commits and pushes. append() answers only once the push is accepted.

Many instances push at once. A push names the tip it builds on, and the server takes it only
if the branch is still there (compare-and-swap); whoever loses fetches the new tip, appends
its rows to that tip's files and tries again, after a random pause that doubles each time,
within a bounded number of tries and seconds. A row whose push was taken but whose answer was
lost is found on the new tip and not added twice. Rows that arrive together in one process
share one commit. A push sends each changed file as a delta against the version the server
has, so it carries the new rows, not the whole file again.

A submission's photos (forms/photos.py) go in the same commit as its row, photos/<id>/1.jpg…;
the commit that logs an editor's decision on it takes them off the tip again (git's history
keeps them), so a cold start fetches only the photos still waiting for a decision.

The fold of a campaign's landing bucket (forms/fold.py) writes to the same branch through
Branch, into one file per form version and month (month_file); BranchFiles reads both layouts.

The branch starts with a commit of its own, not from the site's history: a cold start fetches
only the inbox, and git refuses to merge unrelated histories, so the inbox cannot be merged
into the published site by mistake.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import heapq
import logging
import math
import os
import random
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dulwich.client import HTTPUnauthorized, TCPGitClient, get_transport_and_path
from dulwich.config import ConfigDict
from dulwich.errors import GitProtocolError, NotGitRepository
from dulwich.object_store import commit_tree_changes, iter_tree_contents, tree_lookup_path
from dulwich.objects import Blob, Commit, ShaFile, Tree
from dulwich.pack import UnpackedObject, create_delta, full_unpacked_object
from dulwich.repo import MemoryRepo

from core import tables
from core.definitions import Form, other_columns
from core.problems import Problem, ProblemsFound
from forms.checkin import ARRIVED, arrivals_file, new_arrivals
from forms.inbox import (
    DECISIONS,
    PHOTOS,
    GroupCommit,
    StoredPhoto,
    file_name,
    header,
    new_row,
    once_each,
    photo_path,
    place,
)
from forms.places import CANCELLED, cancellations_file, cancelled_ids

if TYPE_CHECKING:
    from forms.photos import Photo

logger = logging.getLogger(__name__)

DEFAULT_BRANCH = "submissions"
# Commits are read by everyone who can read the repository: no person's name or address.
DEFAULT_AUTHOR = "Alumni forms <forms@invalid>"
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


class BranchUnavailable(OSError):
    """The review branch could not be read or written; nothing was stored.

    The message names the repository without credentials, so it is safe to log.
    """


class CredentialsRefused(BranchUnavailable):
    """The server wants other credentials: trying again would not help."""


class PushRefused(BranchUnavailable):
    """A rule of the server (a hook, a protected branch) refused the push: trying again would
    not help."""


# How a server says another push came first (then fetch and try again); any other refusal is
# one of its rules.
_RACE = re.compile(
    r"non-fast-forward|fetch first|stale info|cannot lock|failed to lock|failed to update|is at", re.I
)


@dataclass(frozen=True, repr=False)
class Remote:
    """Where the review branch is, how to sign in, and how long to keep trying."""

    url: str
    branch: str = DEFAULT_BRANCH
    username: str | None = None
    password: str | None = None
    author: str = DEFAULT_AUTHOR
    tries: int = 20  # pushes attempted before giving up
    seconds: float = 20.0  # and the time allowed for all of them; API Gateway waits 29 s at most

    def __repr__(self) -> str:
        return f"Remote({self.address!r}, branch={self.branch!r})"  # never the credentials

    @property
    def address(self) -> str:
        """The URL without any user name or token, for logs and messages."""
        return _CREDENTIALS.sub("", self.url)

    @property
    def ref(self) -> bytes:
        return b"refs/heads/" + self.branch.encode()

    def redact(self, text: str) -> str:
        """Text from a library or server with any credential it may quote removed."""
        text = _CREDENTIALS.sub("", text)
        return text.replace(self.password, "***") if self.password else text


def remote_from_env(
    env: Mapping[str, str] | None = None, url: str | None = None, branch: str | None = None
) -> Remote:
    """The review branch from FORMS_GIT_* variables (docs/operators.md); url and branch override them."""
    env = os.environ if env is None else env
    url = url or env.get("FORMS_GIT_URL", "").strip()
    if not url:
        raise ProblemsFound([Problem("FORMS_GIT_URL", "未设置：请写审核分支所在仓库的地址，如 https://github.com/example-alumni/site.git",
                                     "is not set: give the address of the repository that holds the review branch, such as https://github.com/example-alumni/site.git",
                                     kind="setting")])  # fmt: skip
    numbers = {}
    for name, default in (("FORMS_GIT_TRIES", Remote.tries), ("FORMS_GIT_SECONDS", Remote.seconds)):
        text = env.get(name, "").strip() or str(default)
        try:
            numbers[name] = type(default)(text)
        except ValueError:
            numbers[name] = 0
        if numbers[name] <= 0:
            raise ProblemsFound([Problem(name, f"“{text}”不是正数，请写如 {default} 的数",
                                         f"“{text}” is not a positive number: write one such as {default}", kind="setting")])  # fmt: skip
    return Remote(
        url,
        branch or env.get("FORMS_GIT_BRANCH", "").strip() or DEFAULT_BRANCH,
        username=env.get("FORMS_GIT_USERNAME") or None,
        password=env.get("FORMS_GIT_PASSWORD") or None,
        author=env.get("FORMS_GIT_AUTHOR", "").strip() or DEFAULT_AUTHOR,
        tries=numbers["FORMS_GIT_TRIES"],
        seconds=numbers["FORMS_GIT_SECONDS"],
    )


@dataclass(frozen=True)
class Change:
    """New contents for some files of the branch (and folders taken off it), and the commit
    message that says why."""

    files: dict[str, bytes]
    message: str
    removed: tuple[str, ...] = ()


@dataclass
class Attempts:
    """How a commit went: pushes tried, and whether the tip had moved in between."""

    tries: int = 0
    moved: int = 0


class Branch:
    """One branch of a remote repository, held in memory: the files at its tip, and commits
    pushed on top of it with compare-and-swap.

    A push sends each changed file as a delta against the version the server already has (a
    thin pack, as git push sends), so adding rows to a large inbox file sends the rows, not the
    file. thin=False sends whole files, as pushes did before; benchmarks compare the two.
    """

    def __init__(
        self,
        remote: Remote,
        sleep: Callable[[float], None] = time.sleep,
        thin: bool = True,
        bounded: bool = False,
    ):
        self.remote, self.sleep, self.thin = remote, sleep, thin
        self.bounded = bounded  # a visitor waits on its commits: none outlasts remote.seconds
        config = ConfigDict()
        config.set(b"http", b"timeout", str(remote.seconds).encode())  # a stalled server is a failed try
        config.set(b"core", b"sshCommand", _ssh_command(remote.seconds).encode())
        self.client, self.path = get_transport_and_path(
            remote.url, config=config, username=remote.username, password=remote.password
        )
        if isinstance(self.client, TCPGitClient):  # git://, whose socket dulwich gives no time limit
            parts = urlsplit(remote.url)
            self.client = _TimedTCPGitClient(parts.hostname or "", parts.port, remote.seconds)
        manager = getattr(self.client, "pool_manager", None)
        if manager is not None:
            # Trying again is commit()'s, within the time allowed: urllib3's own three retries made
            # one try of a server that stalls take four times it (80 s, past API Gateway's 29).
            manager.connection_pool_kw["retries"] = False
        self.repo = MemoryRepo()
        self.tip: bytes | None = None  # None: the branch does not exist yet
        self.fetched = False
        self.branches: list[str] = []  # the remote's branches at the last fetch, to name them

    def fetch(self) -> None:
        """Bring the branch's tip into memory: its commit and files, not its history."""
        ref = self.remote.ref

        def wants(refs: dict, depth: int | None = None) -> list[bytes]:
            tip = refs.get(ref)
            return [tip] if tip and tip not in self.repo.object_store else []

        with self._talking():
            result = self.client.fetch(self.path, self.repo, determine_wants=wants, depth=1)
        heads = b"refs/heads/"
        self.branches = sorted(name[len(heads) :].decode() for name in result.refs if name.startswith(heads))
        self._move_to(result.refs.get(ref))
        self.fetched = True

    @contextlib.contextmanager
    def _talking(self) -> Iterator[None]:
        """Whatever goes wrong talking to the server becomes BranchUnavailable, without credentials."""
        try:
            yield
        except HTTPUnauthorized:
            raise CredentialsRefused(
                f"{self.remote.address} wants other credentials: check FORMS_GIT_USERNAME and FORMS_GIT_PASSWORD"
            ) from None
        except (GitProtocolError, NotGitRepository, OSError) as error:
            raise BranchUnavailable(
                self.remote.redact(f"{self.remote.address}: {type(error).__name__}: {error}")
            ) from None

    def files(self) -> dict[str, bytes]:
        """Every file at the tip, by path."""
        if self.tip is None:
            return {}
        store = self.repo.object_store
        return {
            entry.path.decode(): store[entry.sha].data
            for entry in iter_tree_contents(store, store[self.tip].tree)
        }

    def read(self, path: str) -> bytes | None:
        """One file at the tip, or None if it is not there."""
        if self.tip is None:
            return None
        store = self.repo.object_store
        try:
            _, sha = tree_lookup_path(store.__getitem__, store[self.tip].tree, path.encode())
        except KeyError:
            return None
        return store[sha].data

    def folder(self, path: str) -> dict[str, bytes]:
        """The files directly in one folder at the tip, by name; empty if there is no such folder."""
        if self.tip is None:
            return {}
        store = self.repo.object_store
        try:
            _, sha = tree_lookup_path(store.__getitem__, store[self.tip].tree, path.encode())
        except KeyError:
            return {}
        tree = store[sha]
        if not isinstance(tree, Tree):
            return {}
        return {
            entry.path.decode(): store[entry.sha].data
            for entry in tree.iteritems()
            if not isinstance(store[entry.sha], Tree)
        }

    def commit(self, change: Callable[[Branch], Change | None], since: float | None = None) -> Attempts:
        """Commit change(self) on the tip and push it, fetching and calling change again on a
        newer tip until the push is taken; None from change means there is nothing to do.

        Raises BranchUnavailable when the tries run out or the seconds allowed since `since`
        (time.monotonic() when the oldest row arrived: it may have waited for an earlier batch)
        have passed, and at once when the server refuses by a rule of its own.
        """
        remote, attempts = self.remote, Attempts()
        deadline = (time.monotonic() if since is None else since) + remote.seconds
        with self._cut_at(deadline):
            return self._commit(change, deadline, attempts)

    @contextlib.contextmanager
    def _cut_at(self, deadline: float) -> Iterator[None]:
        """Connections to a git:// server cut when the time allowed is up (_TimedTCPGitClient), for
        a branch a visitor waits on (`bounded`); the fold's may take longer to send a large pack."""
        client = self.client
        if not (self.bounded and isinstance(client, _TimedTCPGitClient)):
            yield
            return
        timer = threading.Timer(max(0.0, deadline - time.monotonic()), client.cut)
        timer.daemon = True
        client.deadline = deadline
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            client.deadline = None

    def _commit(
        self, change: Callable[[Branch], Change | None], deadline: float, attempts: Attempts
    ) -> Attempts:
        remote = self.remote
        while True:
            if time.monotonic() >= deadline:
                raise BranchUnavailable(f"could not push to {remote.branch} within {remote.seconds:g} s")
            attempts.tries += 1
            try:
                if not self.fetched:
                    self.fetch()
                wanted = change(self)
                if wanted is None or self._push(wanted):
                    return attempts
                attempts.moved += 1
                reason = f"{remote.address}: other instances pushed first"
            except (CredentialsRefused, PushRefused):
                raise
            except BranchUnavailable as error:
                reason = str(error)
            self.fetched = False  # whatever happened, start again from the server's tip
            pause = random.uniform(0, min(2.0, 0.05 * 2**attempts.tries))  # full jitter
            if attempts.tries >= remote.tries or time.monotonic() + pause > deadline:
                raise BranchUnavailable(
                    f"could not push to {remote.branch} after {attempts.tries} tries: {reason}"
                ) from None
            self.sleep(pause)

    def _push(self, change: Change) -> bool:
        """Push one commit of change on the tip; False if the branch has moved since the fetch."""
        store, parent = self.repo.object_store, self.tip
        old_root = store[parent].tree if parent else None
        blobs = {path: Blob.from_string(data) for path, data in change.files.items()}
        for blob in blobs.values():
            store.add_object(blob)
        root = commit_tree_changes(
            store,
            old_root or Tree(),
            [(path.encode(), 0o100644, blob.id) for path, blob in blobs.items()]
            + [
                (path.encode(), None, None) for path in change.removed if self.folder(path) or self.read(path)
            ],
        )
        commit = Commit()
        commit.tree, commit.parents = root, [parent] if parent else []
        commit.author = commit.committer = self.remote.author.encode()
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.message = change.message.encode() + b"\n"
        store.add_object(commit)
        new = [store[sha] for sha in _new_objects(store, root, old_root)]
        # What each changed file was at the tip: the server has it, so the file goes as a delta.
        bases = {} if not self.thin or old_root is None else _replaced(store, old_root, blobs)
        seen: dict[str, bytes | None] = {}

        def update_refs(refs: dict[bytes, bytes]) -> dict[bytes, bytes]:
            seen["tip"] = refs.get(self.remote.ref)
            if seen["tip"] != parent:
                return {}  # pushing would drop the rows someone else added: fetch them first
            return {self.remote.ref: commit.id}

        def pack(have, want, ofs_delta=True, progress=None):
            objects = [*new, commit]
            return len(objects), (_packed(obj, bases.get(obj.id), store) for obj in objects)

        with self._talking():
            result = self.client.send_pack(self.path, update_refs, pack)
        if seen["tip"] != parent:
            return False
        refused = (result.ref_status or {}).get(self.remote.ref)
        if refused:  # another push won the race after all, or a rule of the host
            said = f"{self.remote.address} refused the push: {self.remote.redact(str(refused))}"
            raise BranchUnavailable(said) if _RACE.search(str(refused)) else PushRefused(said)
        self._move_to(commit.id)
        return True

    def _move_to(self, tip: bytes | None) -> None:
        """Keep only the tip's objects: a warm instance would otherwise hold every version of
        every inbox file it ever saw."""
        self.tip = tip
        old, self.repo = self.repo, MemoryRepo()
        if tip is None:
            return
        tree = old.object_store[tip].tree
        self.repo.object_store.add_objects(
            [(old.object_store[tip], None), (old.object_store[tree], None)]
            + [
                (old.object_store[entry.sha], None)
                for entry in iter_tree_contents(old.object_store, tree, include_trees=True)
                if entry.sha != tree
            ]
        )
        self.repo.refs[self.remote.ref] = tip
        self.repo.update_shallow({tip}, None)  # so the next fetch sends only what changed since


def _ssh_command(seconds: float) -> str:
    """ssh:// as the operator's GIT_SSH_COMMAND (or ssh) runs it, bounded like the other schemes:
    the connection and the server's greeting within `seconds` (a server that takes the connection
    and never answers), a server silent that long once connected is gone, and never a question
    (a passphrase, an unknown host key) that nobody is there to answer."""
    wait = max(1, math.ceil(seconds))
    limits = (
        f"-o BatchMode=yes -o ConnectTimeout={wait} -o ServerAliveInterval={wait} -o ServerAliveCountMax=1"
    )
    return f"{os.environ.get('GIT_SSH_COMMAND') or 'ssh'} {limits}"


class _TimedTCPGitClient(TCPGitClient):
    """git:// whose every read and write waits at most `seconds`, as http.timeout bounds HTTP's: a
    daemon that takes the connection and never answers (stopped, or hung) is a failed try, not
    a visitor's request held for ever. While Branch.commit's tries run, the connections are also
    cut when its time is up (cut()): a server whose hook hangs while it sends a keep-alive every
    few seconds (git's receive.keepAlive) never lets one read wait that long."""

    def __init__(self, host: str, port: int | None, seconds: float):
        super().__init__(host, port)
        self.seconds = seconds
        self.deadline: float | None = None  # time.monotonic() when the tries under way must end
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def _connect(self, cmd: bytes, path: str | bytes, protocol_version: int | None = None):
        proto, can_read, stderr = super()._connect(cmd, path, protocol_version)
        # dulwich keeps the socket to itself, behind the file it reads from; its options belong
        # to the socket, so they are set through a copy of the file's descriptor, kept until
        # dulwich closes its own so that cut() can shut the connection.
        copy = socket.socket(fileno=os.dup(proto.read.__self__.fileno()))
        wait = self.seconds
        if self.deadline is not None:
            wait = max(0.01, min(wait, self.deadline - time.monotonic()))
        limit = struct.pack("ll", int(wait), int(wait % 1 * 1_000_000))
        copy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
        copy.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)
        with self._lock:
            self._open.add(copy)
        closing = proto._close  # dulwich's Protocol calls it once, on close

        def close() -> None:
            with self._lock:
                self._open.discard(copy)
            copy.close()
            if closing:
                closing()

        proto._close = close
        return proto, can_read, stderr

    def cut(self) -> None:
        """Shut every connection open now: each read or write waiting on one fails at once."""
        with self._lock:
            for copy in self._open:
                with contextlib.suppress(OSError):
                    copy.shutdown(socket.SHUT_RDWR)


def _new_objects(store, root: bytes, old_root: bytes | None) -> list[bytes]:
    """The trees and blobs under root that old_root does not have."""
    old = set()
    if old_root:
        old = {e.sha for e in iter_tree_contents(store, old_root, include_trees=True)}
    return [e.sha for e in iter_tree_contents(store, root, include_trees=True) if e.sha not in old]


def _replaced(store, old_root: bytes, blobs: dict[str, Blob]) -> dict[bytes, bytes]:
    """For each new blob, the blob at the same path in old_root that it replaces."""
    bases = {}
    for path, blob in blobs.items():
        try:
            _, old = tree_lookup_path(store.__getitem__, old_root, path.encode())
        except KeyError:
            continue
        if old != blob.id:
            bases[blob.id] = old
    return bases


def _packed(obj: ShaFile, base: bytes | None, store) -> UnpackedObject:
    """The object as a pack entry: a delta against base (which the server has) when that is smaller."""
    if base is not None:
        data = obj.as_raw_string()
        delta = b"".join(create_delta(store[base].as_raw_string(), data))
        if len(delta) < len(data):
            return UnpackedObject(obj.type_num, delta_base=bytes.fromhex(base.decode()), decomp_len=len(delta),
                                  decomp_chunks=[delta], sha=obj.sha().digest())  # fmt: skip
    return full_unpacked_object(obj)


@dataclass
class _Row:
    path: str
    form: Form
    line: bytes
    kind: str  # what the commit message counts it as: the form's name, or "spam"
    count: tuple[str, str] | None = None  # (key, value): say the row's place in line (forms/places.py)
    ident: str = ""  # the submission's id, when its place is counted
    rank: int = 0
    photos: dict[str, bytes] = field(default_factory=dict)  # path on the branch: bytes
    since: float = field(default_factory=time.monotonic)  # when it arrived
    refused: Problem | None = None  # its file on the tip has another version's columns: not added


class GitInbox:
    """Storage on a review branch: <form>-v<version>.csv and spam/ at the branch's root, as in
    data/inbox/. append() returns once the push that holds its row is accepted, and raises
    ProblemsFound if the file on the tip has another version's header, as LocalInbox does."""

    def __init__(self, remote: Remote, sleep: Callable[[float], None] = time.sleep):
        self.remote = remote
        self.branch = Branch(remote, sleep, bounded=True)
        # A threaded server shares this instance: its branch copy is fetched, read and pushed by
        # one thread at a time, or a push could carry a tip another thread's fetch moved.
        self.using = threading.Lock()
        self.batches: GroupCommit[_Row] = GroupCommit(self._flush)
        self.commits = self.rows = self.moved = 0  # figures for tests and benchmarks

    def append(
        self,
        form: Form,
        values: dict[str, str],
        spam: bool = False,
        photos: Sequence[Photo] = (),
        submission_id: str | None = None,
    ) -> str:
        submission_id, line = new_row(form, values, submission_id)
        kept = {photo_path(submission_id, photo.name): photo.data for photo in photos}
        row = _Row(file_name(form, spam), form, line, "spam" if spam else form.name, photos=kept)
        self.batches.submit(row)
        if row.refused:
            raise ProblemsFound([row.refused])
        return submission_id

    def append_counted(
        self, form: Form, values: dict[str, str], key: str, submission_id: str | None = None
    ) -> tuple[str, int]:
        """Store a row, and say its place in line among the form's live rows with the same `key`,
        counted on the tip the push goes onto (compare-and-swap): once taken, the place is true."""
        submission_id, line = new_row(form, values, submission_id)
        row = _Row(file_name(form), form, line, form.name, (key, values.get(key, "")), submission_id)
        self.batches.submit(row)
        if row.refused:
            raise ProblemsFound([row.refused])
        return submission_id, row.rank

    def registrations(self, form: Form) -> tuple[list[dict[str, str]], set[str]]:
        """Every row of the form on the branch, in the order they were taken, and the cancelled ids."""
        with self.using:
            self.branch.fetch()
            return registrations_on(self.branch, form.name, {})

    def cancel(self, form: Form, submission_id: str) -> bool:
        """Cancel a submission (once), in a commit of its own; False if there is no such submission."""
        found = False

        def change(branch: Branch) -> Change | None:
            nonlocal found
            rows, cancelled = registrations_on(branch, form.name, {})
            found = any(row["id"] == submission_id for row in rows)
            if not found or submission_id in cancelled:
                return None
            path = cancellations_file(form.name)
            now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
            current = branch.read(path) or tables.line(CANCELLED)
            return Change(
                {path: current + tables.line([submission_id, now])}, f"Cancel 1 submission: {form.name} 1"
            )

        with self.using:
            self.branch.commit(change)
        return found

    def arrive(self, form: Form, marks: list[list[str]]) -> list[dict[str, str]]:
        """Record arrivals at the door, each mark [id, scan, scanned] whose registration has none
        on the tip yet, in a commit of its own (compare-and-swap: phones syncing at once through
        other instances count each registration once). Returns every arrival recorded, in order."""
        path = arrivals_file(form.name)
        arrivals: list[dict[str, str]] = []

        def change(branch: Branch) -> Change | None:
            nonlocal arrivals
            current = branch.read(path)
            arrivals = tables.parse_records(current or b"", path)
            new = new_arrivals(arrivals, marks)
            if not new:
                return None
            arrivals += new
            data = (current or tables.line(ARRIVED)) + b"".join(tables.line(row.values()) for row in new)
            return Change(
                {path: data},
                f"Record {len(new)} arrival{'s' if len(new) != 1 else ''}: {form.name} {len(new)}",
            )

        with self.using:
            self.branch.commit(change)
        return arrivals

    def _flush(self, rows: list[_Row]) -> None:
        retrying = False

        def change(branch: Branch) -> Change | None:
            nonlocal retrying
            files: dict[str, bytes] = {}
            added: collections.Counter[str] = collections.Counter()
            for row in rows:
                current = files.get(row.path) or branch.read(row.path) or b""
                if not current.removeprefix(tables.BOM):  # none yet, or emptied
                    current = header(row.form)
                # Only a retry can find its own row: a push that was taken but whose answer was lost.
                if retrying and b"\n" + row.line in current:
                    continue
                # Refused alone, each row whose file has another version's columns; the others of
                # the batch (other forms', say) are stored.
                row.refused = other_columns(row.form, current, f"{self.remote.branch}:{row.path}")
                if row.refused:
                    continue
                if not current.endswith(b"\n"):
                    current += b"\n"  # a file last saved by hand without its final line end
                if row.count:  # its place among what the tip, and this batch before it, hold
                    key, value = row.count
                    earlier, cancelled = registrations_on(branch, row.kind, files)
                    row.rank = place(earlier, cancelled, row.ident, key, value)
                files[row.path] = current + row.line
                files.update(row.photos)
                added[row.kind] += 1
            retrying = True
            return Change(files, commit_message(added)) if files else None

        with self.using:  # one batch at a time, and no other thread's fetch meanwhile
            attempts = self.branch.commit(change, since=min(row.since for row in rows))
        self.commits += 1
        self.rows += len(rows)
        self.moved += attempts.moved
        if attempts.moved:
            logger.info("pushed %d rows after %d tries", len(rows), attempts.tries)


def registrations_on(
    branch: Branch, form: str, pending: dict[str, bytes]
) -> tuple[list[dict[str, str]], set[str]]:
    """A form's rows on the branch (with `pending` changes to its files), in the order taken, and
    its cancelled ids.

    Each file is in the order its writer took its rows (the git storage's version files, the
    month files the fold writes); across files, the rows are merged by when they were received,
    each file's own order kept. An office moves between storages (a campaign's bucket, then the
    git storage on the event's day, or back): the rows one took after the other's are behind
    them, whichever file sorts first. `received` is written in UTC, ISO, by forms.inbox.new_row,
    so its text sorts as its time."""
    name = inbox_file(form)
    paths = sorted({p for p in [*branch.files(), *pending] if name.fullmatch(p)}, key=lambda p: ("/" in p, p))
    files = [tables.parse_records(pending.get(path) or branch.read(path) or b"", path) for path in paths]
    rows = once_each(list(heapq.merge(*files, key=lambda row: row.get("received") or "")))
    return rows, cancelled_ids(branch.read(cancellations_file(form)), cancellations_file(form))


def month_file(form: str, version: str | int, received: str, spam: bool = False) -> str:
    """A form version's inbox file on the review branch for the month a submission was received
    (UTC): update/2026-11-v1.csv, and spam/update/2026-11-v1.csv for spam. The fold
    (forms/fold.py) writes these, so a push changes this month's file, not the whole history."""
    return f"{'spam/' if spam else ''}{form}/{received[:7]}-v{version}.csv"


def inbox_file(form: str) -> re.Pattern[str]:
    """A form's inbox files on the branch, spam aside: one per month and version
    (update/2026-11-v1.csv), and one per version (update-v1.csv), as GitInbox writes them."""
    name = re.escape(form)
    return re.compile(rf"{name}-v[0-9]+\.csv|{name}/[0-9]{{4}}-[0-9]{{2}}-v[0-9]+\.csv")


def commit_message(added: collections.Counter[str]) -> str:
    """The commit message, counts per form and nothing a person wrote: Add 3 submissions: update 2, contact 1."""
    total = sum(added.values())
    counts = ", ".join(f"{kind} {count}" for kind, count in added.most_common())
    return f"Add {total} submission{'s' if total != 1 else ''}: {counts}"


class BranchFiles:
    """The review branch's inbox files (<form>-v<version>.csv from GitInbox, <form>/<month>-v<version>.csv
    from the fold) and decisions.csv, read from its tip, for the office's review and digest.

    Each decision is a commit pushed at once; if another editor decided the same submission
    meanwhile, it is refused. A branch that cannot be reached is a sentence (ProblemsFound), as
    these run on an editor's computer, not in the handler. So is a branch that is not there, with
    must_exist (the office's commands): a mistyped --branch or FORMS_GIT_BRANCH, or another
    repository, read as an inbox with nothing pending. The handler's own digest reads the branch
    it pushes to, which is not there until the first submission."""

    LOG = "decisions.csv"

    def __init__(self, branch: Branch, must_exist: bool = False):
        self.branch, self.must_exist = branch, must_exist

    def _fetch(self, again: bool = False) -> None:
        with _told():
            if again or not self.branch.fetched:
                self.branch.fetch()
        if self.must_exist and self.branch.tip is None:
            remote, there = self.branch.remote, self.branch.branches
            raise ProblemsFound([Problem(
                remote.address,
                f"这个仓库里没有这个分支（现有分支：{'、'.join(there) or '没有'}）：请用 --branch 写审核分支的名字；如果还没有人提交过表单，表单处理程序收到第一份提交时才会建立它",
                f"this repository has no such branch (its branches: {', '.join(there) or 'none'}): give the review branch's name with --branch; if no form has been sent yet, the form handler makes it with the first submission",
                field="branch", value=remote.branch, kind="branch",
            )])  # fmt: skip

    def files(self, form: str) -> list[tuple[str, list[dict[str, str]]]]:
        self._fetch()
        name = inbox_file(form)
        return [
            (
                f"{self.branch.remote.branch}:{path}",
                tables.parse_records(data, f"{self.branch.remote.branch}:{path}"),
            )
            for path, data in sorted(self.branch.files().items())
            if name.fullmatch(path)
        ]

    def registrations(self, form: str) -> tuple[list[dict[str, str]], set[str]]:
        self._fetch()
        return registrations_on(self.branch, form, {})

    def photos(self, submission_id: str) -> list[StoredPhoto]:
        self._fetch()
        found = self.branch.folder(f"{PHOTOS}/{submission_id}")
        return [
            StoredPhoto(name, f"{self.branch.remote.branch}:{photo_path(submission_id, name)}", found[name])
            for name in sorted(found, key=lambda n: int(n.split(".")[0]) if n.split(".")[0].isdigit() else 0)
        ]

    def decisions(self) -> list[dict[str, str]]:
        # Fetched afresh each time: what another editor decided a moment ago is not decided again.
        self._fetch(again=True)
        return tables.parse_records(self.branch.read(self.LOG) or b"", self.LOG)

    def record(self, decision: list[str], still_pending: Callable[[dict[str, dict[str, str]]], None]) -> None:
        decided = decision[DECISIONS.index("submission")]

        def change(branch: Branch) -> Change:
            log = branch.read(self.LOG)
            still_pending({row["submission"]: row for row in tables.parse_records(log or b"", self.LOG)})
            message = f"Record 1 decision: {decision[DECISIONS.index('decision')]} 1"  # no names, no reasons
            # Its photos leave the tip (history keeps them): a cold start fetches only pending ones.
            return Change({self.LOG: (log or tables.line(DECISIONS)) + tables.line(decision)}, message,
                          removed=(f"{PHOTOS}/{decided}",))  # fmt: skip

        with _told():
            self.branch.commit(change)


@contextlib.contextmanager
def _told() -> Iterator[None]:
    try:
        yield
    except BranchUnavailable as failure:
        raise ProblemsFound([Problem(
            str(failure),  # the repository's address and what went wrong, never its credentials
            "审核分支无法读取或写入，请检查网络和凭据后再运行；没能记录的决定不算数，那条提交仍待审核",
            "the review branch could not be read or written: check the network and credentials and run again; a decision that could not be logged does not count, and its submission is still pending",
            kind="branch",
        )]) from None  # fmt: skip
