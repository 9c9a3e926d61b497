"""Run a whole build: Pelican with our plugins into a fresh folder, swapped in only on success."""

from __future__ import annotations

import logging
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

from core.problems import PROBLEM, Problem, ProblemsFound, source_label

# Local builds have no public address on purpose; publishconf.py sets one.
_EXPECTED_WARNINGS = ("Feeds generated without SITEURL",)


@dataclass
class BuildReport:
    output: Path
    pages: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


class _Collector(logging.Handler):
    """Keeps every warning and error of the build instead of printing them as they come."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.settings: dict = {}
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, PROBLEM):
            self.problems.append(getattr(record, PROBLEM))
        elif record.levelno >= logging.ERROR:
            # Pelican logs a failing file without the reason; the reason is the live exception.
            self.problems.append(_pelican_problem(self.settings, record.getMessage(), sys.exc_info()[1]))
        elif not record.getMessage().startswith(_EXPECTED_WARNINGS):
            self.warnings.append(record.getMessage())


def _pelican_problem(settings: dict, message: str, error: BaseException | None) -> Problem:
    """Pelican's own complaints, reworded for editors where we know what they mean."""
    file_match = re.search(r"(?:process|Skipping) (\S+?):?(?: |$)", message)
    file = source_label(settings["PATH"], file_match.group(1) if file_match else "")
    reason = str(error) if error else message
    if "could not find information about 'title'" in message:
        return Problem(
            file,
            "缺少标题，请在文件开头加一行 Title: 标题",
            "has no title; add a line Title: ...",
            field="Title",
        )
    if "could not find information about 'date'" in message:
        return Problem(
            file,
            "缺少日期，请加一行 Date: 2026-11-23 10:00",
            "has no date; add Date: 2026-11-23 10:00",
            field="Date",
        )
    if "is not a valid date" in reason:
        value = reason.split(" is not a valid date")[0].strip("'\"")
        return Problem(
            file,
            "日期无法识别，请写成 2026-11-23 10:00",
            "is not a date; write 2026-11-23 10:00",
            field="Date",
            value=value,
        )
    return Problem(file, f"无法处理：{reason}", f"could not be processed: {reason}")


def build_site(settings_file: str | Path = "pelicanconf.py", overrides: dict | None = None) -> BuildReport:
    """Build the site; on any problem raise ProblemsFound and leave the old output untouched."""
    started = time.perf_counter()
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)  # before reading settings: Pelican warns about them too
    staging = None
    try:
        settings = collector.settings = read_settings(str(settings_file), override=overrides or {})
        # Like Pelican's own paths, data and form definitions are found relative to the settings file.
        for key in ("DATA_PACKAGE", "FORMS_DIR", "PHOTO_CACHE"):
            settings[key] = str(Path(settings_file).resolve().parent / settings[key])
        final = Path(settings["OUTPUT_PATH"])
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-building-", dir=final.parent))
        settings["OUTPUT_PATH"] = str(staging)
        try:
            Pelican(settings).run()
        except ProblemsFound as found:  # a check that must stop the build before anything is written
            collector.problems += found.problems
        if collector.problems:
            raise ProblemsFound(collector.problems)
        _swap_in(staging, final)
    finally:
        root.removeHandler(collector)
        if staging:
            shutil.rmtree(staging, ignore_errors=True)  # already gone when it was swapped in
    pages = sum(1 for _ in final.rglob("*.html"))
    return BuildReport(final, pages, time.perf_counter() - started, collector.warnings)


def _swap_in(staging: Path, final: Path) -> None:
    """Replace the published folder in two renames, so a reader never sees half a site."""
    old = final.with_name(f".{final.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
