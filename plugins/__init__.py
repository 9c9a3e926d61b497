"""Our Pelican plugins, one concern each (see pelicanconf.PLUGINS for their order).

What several of them share lives here: warnings from the build's forked processes, carried
back to the build (plugins/reading.py's workers and plugins/writing.py's copy inherit the
build's log handlers, which collect problems in the parent's memory; anything logged there
would be lost), and the check of the order they must run in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.problems import Problem, ProblemsFound

Lines = list[tuple[int, str]]


class WarningLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: Lines = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, record.getMessage()))


def full_address(settings: dict) -> str:
    """The site's address, for what must name it in full (a sitemap, robots.txt, feeds):
    SITEURL, or in a local build, where it is empty, the preview's (PREVIEW_URL)."""
    return settings["SITEURL"] or settings["PREVIEW_URL"]


def feed_context(context: dict, settings: dict) -> dict:
    """The context every feed is written with: the site's address in full, also in a local
    build (a feed reader has no page to resolve a path against, and an entry's id holds the
    site's host)."""
    address = full_address(settings)
    return {**context, "SITEURL": address, "FEED_DOMAIN": settings["FEED_DOMAIN"] or address}


def capture() -> WarningLines:
    """In a forked process: keep warnings for the parent instead of the parent's handlers."""
    lines = WarningLines()
    logging.getLogger().handlers = [lines]
    return lines


def relog(logger: logging.Logger, lines: Lines) -> None:
    for level, line in lines:
        logger.log(level, "%s", line)


def check_order(plugin: str, after: tuple[str, ...], why_zh: str, why_en: str) -> Callable[[object], None]:
    """A handler for Pelican's `initialized` signal: stop the build, naming both plugins, when one of
    `after` is listed after `plugin` in PLUGINS. Pelican connects signal handlers in that order,
    and some of ours rely on running after others (see pelicanconf.PLUGINS)."""

    def check(pelican) -> None:
        names = [p if isinstance(p, str) else p.__name__ for p in pelican.settings["PLUGINS"]]
        misplaced = [
            e for e in after if plugin in names and e in names and names.index(e) > names.index(plugin)
        ]
        if misplaced:
            raise ProblemsFound([
                Problem("pelicanconf.py", f"PLUGINS 中 {earlier} 应排在 {plugin} 之前（{why_zh}），请调整顺序",
                        f"PLUGINS lists {earlier} after {plugin}, which must come after it ({why_en}): reorder them",
                        field="PLUGINS", kind="plugin-order")
                for earlier in misplaced
            ])  # fmt: skip

    return check
