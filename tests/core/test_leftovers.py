"""Folders left by a process that is gone are removed; those of a running one are kept."""

import os
import subprocess
import sys

from core import leftovers


def _gone_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_what_a_process_that_is_gone_left_is_removed(tmp_path):
    gone, running = _gone_pid(), os.getpid()
    (tmp_path / f".output-building-{gone}-abc/news").mkdir(parents=True)
    (tmp_path / f".output-building-{gone}-abc/news/a.html").write_text("x", encoding="utf-8")
    (tmp_path / f".output-building-{gone}-abc-index-def").mkdir()
    (tmp_path / f".output-building-{running}-ghi").mkdir()
    (tmp_path / ".output-building-jkl").mkdir()  # named before process ids were: whose is unknown
    (tmp_path / "output").mkdir()
    removed = leftovers.clear(tmp_path, ".output-building-")
    assert sorted(removed) == [f".output-building-{gone}-abc", f".output-building-{gone}-abc-index-def"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".output-building-{running}-ghi", ".output-building-jkl", "output"]
    )


def test_a_folder_made_by_this_process_is_named_after_it():
    assert leftovers.named("pagefind-") == f"pagefind-{os.getpid()}-"
