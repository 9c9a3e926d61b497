"""Files written whole or not at all.

Replaced (`replacing`, `write_whole`): written beside the old one under a temporary name, then
renamed over it, so a reader, a crash or a build running beside this one sees the old file or
the new, never half of one. The temporary name carries the writer's process id
(core/leftovers.py): one killed outright (kill -9, a power cut) leaves it behind, and the next
write of the same file removes it.

Appended (`append_whole`): rows added to the end of a file several processes share (the inbox,
the decision log), all of them or none, so a full disk never leaves a torn row. The writers take
turns through a lock on the file (`lock`), waited for a bounded time: a writer stuck while it
holds it (stopped, or on a disk that hangs) costs the others an error, not their answer.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from core import leftovers


@contextlib.contextmanager
def replacing(
    path: Path, *, private: bool = True, sync: bool = True, encoding: str | None = None
) -> Iterator[IO]:
    """A stream to write `path`'s new content into; it replaces the file when the block ends
    without an exception, and nothing changes otherwise. private: owner-only (the folder made
    owner-only too), else readable by a web server. sync: on disk before the rename (the register,
    the office's files), not for what a build can make again. encoding: a text stream, else bytes."""
    path.parent.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
    prefix = f".{path.name}-"
    leftovers.clear(path.parent, prefix)
    fd, temporary = tempfile.mkstemp(prefix=leftovers.named(prefix), dir=path.parent)  # created 0600
    try:
        if not private:
            os.fchmod(fd, 0o644)
        with os.fdopen(
            fd, "w" if encoding else "wb", encoding=encoding, newline="" if encoding else None
        ) as out:
            yield out
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if sync:
        sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """A new or renamed file's name is on disk only once its folder is synced too: a power cut
    can otherwise lose the name of a file whose content was synced."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_whole(path: Path, data: bytes, *, private: bool = True, sync: bool = False) -> None:
    """Replace a file with `data` in one step (see `replacing`)."""
    with replacing(path, private=private, sync=sync) as out:
        out.write(data)


def append_whole(fd: int, payload: bytes | Iterable[bytes]) -> None:
    """Write all of `payload` at the end of a file opened O_APPEND (and locked by the caller
    against other writers), or none of it. A disk that fills part-way makes write() store only a
    part and then fail: the part is cut off again, so the file keeps ending in a whole row rather
    than in a torn one that the next row would run on from, and the caller's error says the rows
    were not stored. The payload may come in pieces (a register's history of 300,000 lines is
    never held whole); a failure making a piece cuts off the pieces written before it, too."""
    size = os.fstat(fd).st_size
    try:
        for piece in (payload,) if isinstance(payload, bytes) else payload:
            view = memoryview(piece)
            while view:
                written = os.write(fd, view)
                if not written:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
    except BaseException:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, size)
        raise


def lock(fd: int, seconds: float | None = None) -> None:
    """Take the exclusive lock on an open file (flock), waiting at most `seconds` (None: as long as
    it takes); TimeoutError, an OSError, if another process holds it all that time."""
    if seconds is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline, pause = time.monotonic() + seconds, 0.0005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    errno.ETIMEDOUT, f"the file was locked by another process for {seconds:g} s"
                ) from None
        time.sleep(pause)
        pause = min(pause * 2, 0.01)  # the lock is held for one write: it is soon free
