"""Our Pelican plugins, one concern each (see pelicanconf.PLUGINS for their order).

What several of them share lives here: warnings from the build's forked processes, carried
back to the build (plugins/reading.py's workers and plugins/writing.py's copy inherit the
build's log handlers, which collect problems in the parent's memory; anything logged there
would be lost), and the check of the order they must run in.
"""

from __future__ import annotations

import logging

Lines = list[tuple[int, str]]


class WarningLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: Lines = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, record.getMessage()))


def capture() -> WarningLines:
    """In a forked process: keep warnings for the parent instead of the parent's handlers."""
    lines = WarningLines()
    logging.getLogger().handlers = [lines]
    return lines


def relog(logger: logging.Logger, lines: Lines) -> None:
    for level, line in lines:
        logger.log(level, "%s", line)
