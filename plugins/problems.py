"""How plugins hand problems to the build: as log records carrying a Problem.

Pelican catches exceptions raised inside its signals and logs them, so raising would lose
the problem's details; a log record keeps them and lets the build list every problem at once.
"""

from __future__ import annotations

import logging
from pathlib import Path

from forms.problems import Problem

PROBLEM = "problem"


def report(logger: logging.Logger, problem: Problem) -> None:
    """Record a problem that must stop the build; the build collects them all."""
    logger.error(problem.sentence(), extra={PROBLEM: problem})


def source_label(settings: dict, path: str) -> str:
    """A content file as the editor sees it in the repository: content/news/x.md."""
    content = Path(settings["PATH"])
    relative = Path(path)
    if relative.is_absolute() and relative.is_relative_to(content):
        relative = relative.relative_to(content)
    return f"{content.name}/{relative.as_posix()}"
