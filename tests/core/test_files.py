"""A file replaced in one step: old or new, never half; a writer killed outright leaves a
temporary file that the next write of the same file removes."""

import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from core import files, tables

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_a_writer_killed_outright_leaves_the_old_file_and_the_next_write_clears_its_leftover(tmp_path):
    target = tmp_path / "register.csv"
    files.write_whole(target, b"old\n")
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import os, signal
            from pathlib import Path
            from core import files
            with files.replacing(Path({str(target)!r})) as out:
                out.write(b"half of the new")
                out.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            """),
        ],
        cwd=ROOT,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"old\n"
    (left,) = [p.name for p in tmp_path.iterdir() if p.name != "register.csv"]
    assert left.startswith(".register.csv-")

    files.write_whole(target, b"new\n", sync=True)
    assert target.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["register.csv"]


def test_a_write_that_fails_changes_nothing_and_leaves_nothing(tmp_path):
    target = tmp_path / "attendees.csv"
    target.write_bytes(b"kept\n")
    with pytest.raises(RuntimeError), files.replacing(target, encoding="utf-8") as out:
        out.write("partial")
        raise RuntimeError("the disk is full")
    assert target.read_bytes() == b"kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["attendees.csv"]


def test_a_running_writers_temporary_file_is_left_alone(tmp_path):
    target = tmp_path / "manifest.json"
    with files.replacing(target) as out:
        out.write(b"mine")
        files.write_whole(target, b"another writer's")  # must not remove the file being written
    assert target.read_bytes() == b"mine"


def test_private_files_are_owner_only_and_published_ones_readable(tmp_path):
    files.write_whole(tmp_path / "private/register.csv", b"x")
    files.write_whole(tmp_path / "site/photo.jpg", b"x", private=False)
    assert stat.S_IMODE((tmp_path / "private/register.csv").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "site/photo.jpg").stat().st_mode) == 0o644


def test_rows_appended_in_pieces_are_stored_all_or_none(tmp_path):
    """A history of many megabytes is appended a piece at a time; a disk that fills after the
    first pieces leaves the file as it was, and the rows stored read back as written."""
    from core import tables

    history = tmp_path / "history.csv"
    tables.append_rows(history, ["at", "value"], [["2026-11-28", "first"]])
    before = history.read_bytes()
    rows = [[str(n), "校友" * 20 + "=1+1"] for n in range(40_000)]  # about 5 MB: several pieces
    script = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        from core import tables
        resource.setrlimit(resource.RLIMIT_FSIZE, (3_000_000, resource.RLIM_INFINITY))  # a full disk
        rows = [[str(n), "校友" * 20 + "=1+1"] for n in range(40_000)]
        try:
            tables.append_rows(Path({str(history)!r}), ["at", "value"], rows)
        except OSError:
            sys.exit(3)
        """)
    full = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60)
    assert full.returncode == 3
    assert history.read_bytes() == before
    tables.append_rows(history, ["at", "value"], rows)
    assert history.read_bytes() == before + b"".join(tables.line(row) for row in rows)


@pytest.mark.parametrize(
    "write",
    [
        lambda path: files.write_whole(path, b"new\n", sync=True),
        lambda path: tables.append_rows(path, ["at", "value"], [["2026-11-28", "first"]]),
    ],
    ids=["replaced", "appended to a new file"],
)
def test_a_new_name_is_synced_with_its_folder(tmp_path, monkeypatch, write):
    # A power cut (which cannot be made here) keeps a synced file's content but can lose its
    # name unless the folder was synced after it: what was fsync'd is recorded, and done.
    synced, real = [], os.fsync

    def fsync(fd):
        synced.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write(tmp_path / "decisions.csv")
    assert synced[-1] == tmp_path.stat().st_ino and (tmp_path / "decisions.csv").stat().st_ino in synced
