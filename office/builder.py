"""A warm build worker for the live preview: one process that builds the site whenever asked.

The preview server has threads; Pelican's build forks its workers (plugins/reading.py,
plugins/writing.py), and forking a threaded process is unsafe. So builds run in this child of
the server, single-threaded, which keeps Pelican, the theme and pypinyin's dictionary loaded
between builds (the first build pays for them, later ones do not).

    python -m office.builder SETTINGS_FILE [OVERRIDES_JSON]

Each line on stdin asks for a build; each answer is one JSON line on the worker's own channel
(its original stdout; what Pelican prints goes to stderr).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from core.problems import ProblemsFound


@dataclass
class Outcome:
    """One build as the preview sees it."""

    ok: bool
    problems: list[str] = field(default_factory=list)  # one sentence each
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Builder:
    """The server's side: a worker process started once, restarted if it dies."""

    def __init__(self, settings_file: Path, overrides: dict | None = None, log=None):
        self.command = [
            sys.executable,
            "-m",
            "office.builder",
            str(settings_file),
            json.dumps(overrides or {}),
        ]
        self.log, self.process = log, None
        self.lock = threading.Lock()

    def build(self) -> Outcome:
        with self.lock:  # one build at a time: the output folder has one writer
            for _ in range(2):  # a worker that died is replaced once
                if self.process is None or self.process.poll() is not None:
                    self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                    stderr=self.log or subprocess.DEVNULL, text=True,
                                                    cwd=Path(__file__).resolve().parents[1])  # fmt: skip
                try:
                    self.process.stdin.write("build\n")
                    self.process.stdin.flush()
                    answer = self.process.stdout.readline()
                except BrokenPipeError:
                    answer = ""
                if answer:
                    return Outcome(**json.loads(answer))
                self.process = None
            return Outcome(
                False,
                [
                    "构建进程意外退出，请查看终端里的报错 / the build process stopped unexpectedly; see the terminal"
                ],
            )

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def main() -> None:
    from office.build import build_site  # here, not at the top: the server side never loads Pelican

    settings_file, overrides = Path(sys.argv[1]), json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # Pelican's own lines go to the log
    for _ in sys.stdin:
        try:
            report = build_site(settings_file, overrides)
            outcome = Outcome(True, [], report.written, report.deleted, report.seconds)
        except ProblemsFound as found:
            outcome = Outcome(False, [problem.sentence() for problem in found.problems])
        answers.write(json.dumps(outcome.__dict__, ensure_ascii=False) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
