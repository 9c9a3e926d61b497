"""Problems that editors and alumni can act on: one record each, rendered as one sentence."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong, located as precisely as the person can see it.

    ``row`` counts like a spreadsheet (the header is row 1); ``line`` counts lines in a
    text file. Messages come in Chinese and English; both are shown to the person. ``kind``
    names the check that failed, for scripts and tests (type, required, foreign-key...).
    """

    file: str
    zh: str
    en: str
    row: int | None = None
    line: int | None = None
    field: str | None = None
    value: str | None = None
    kind: str = ""
    sheet: str | None = None  # a workbook's sheet, when the file has several

    def sentence(self) -> str:
        """One line for an editor: where, which field, what is wrong and what to do."""
        where = [self.file]
        if self.sheet is not None:
            where.append(f"工作表 {self.sheet} (sheet {self.sheet})")
        if self.row is not None:
            where.append(f"第 {self.row} 行 (row {self.row})")
        if self.line is not None:
            where.append(f"第 {self.line} 行 (line {self.line})")
        if self.field:
            where.append(f"字段 {self.field}")
        value = f"“{self.value}”" if self.value not in (None, "") else ""
        return f"{', '.join(where)}: {value}{self.zh} / {self.en}"


class ProblemsFound(Exception):
    """Raised at the end of a step that found problems; carries all of them."""

    def __init__(self, problems: list[Problem], after: str = ""):
        self.problems = problems
        super().__init__(render(problems) + (f"\n{after}" if after else ""))


class Gathering:
    """Problems gathered from several steps (settings read one by one, say), told all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def run(self, step: Callable[..., T], *args) -> T | None:
        """step(*args), or None with its problems kept."""
        try:
            return step(*args)
        except ProblemsFound as found:
            self.problems.extend(found.problems)
            return None


def render(problems: list[Problem]) -> str:
    """All problems, one per line, with a count first so nothing is missed."""
    lines = [f"发现 {len(problems)} 个问题 / {len(problems)} problem(s) found:"]
    lines += [f"- {p.sentence()}" for p in problems]
    return "\n".join(lines)


# Pelican catches exceptions raised inside its signals and logs them, so a plugin that raised
# would lose the problem's details: plugins log a record carrying the Problem instead, and the
# build (office/build.py) collects every such record, so all problems are listed at once.
PROBLEM = "problem"


def report(logger: logging.Logger, problem: Problem) -> None:
    """Record a problem that must stop the build; the build collects them all."""
    logger.error(problem.sentence(), extra={PROBLEM: problem})


def source_label(content_dir: str | Path, path: str) -> str:
    """A content file as the editor sees it in the repository: content/news/x.md."""
    content = Path(content_dir)
    relative = Path(path)
    if relative.is_absolute() and relative.is_relative_to(content):
        relative = relative.relative_to(content)
    return f"{content.name}/{relative.as_posix()}"
