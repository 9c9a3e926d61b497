"""What the build's forked processes share: their warnings, carried back to the build.

A forked worker (plugins/reading.py) or copy (plugins/writing.py) inherits the build's log
handlers, which collect problems in the parent's memory; anything logged there would be lost.
`capture()` replaces them in the forked process; `relog()` logs the lines in the parent, where
the build report sees them.
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
