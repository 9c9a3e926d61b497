"""What builds killed outright (kill -9, a power cut, the machine out of memory) left behind.

A build works in folders of its own: the staging folder beside the output, and Pagefind's
folders beside it or in memory (/dev/shm). Each is removed when the build ends, however it
ends, unless the process is killed outright; then a copy of the whole site stays on disk, or
an index in memory until the machine restarts. Such folders carry the id of the process that
made them (`named`), and the next build removes those whose process is gone (`clear`); a build
running beside it (the preview's, an editor's) keeps its own.
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path


def named(prefix: str) -> str:
    """The prefix of a folder this process makes, for `clear` to tell whose it is."""
    return f"{prefix}{os.getpid()}-"


def clear(folder: Path, prefix: str) -> list[str]:
    """Remove what under `folder` was named with `prefix` by a process that no longer runs;
    return the names removed. (Where processes cannot be asked after, nothing is removed.)"""
    removed = []
    for path in folder.glob(glob.escape(prefix) + "*"):
        pid = path.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def _running(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True
