"""Stopping a build that a newer edit has made stale.

The live preview builds the pages after each edit, and the search index once the editor
pauses; on a big site each takes seconds. When the editor saves again meanwhile, the preview
asks the build to stop (office/builder.py turns a signal into `ask()`), so the new edit is
drawn at once instead of waiting. A build stops only at the points that call `check()`, where
nothing has been brought into the output yet (the build swaps its folder in at the very end),
so a stopped build leaves the site as it was.

Each build the preview may stop has a number, and a request to stop names the build it is
for: one that arrives after its build ended (the build won the race) stops no later build,
and one that arrives before its build started stops it as soon as it starts.
"""

from __future__ import annotations


class BuildStopped(BaseException):
    """The build was asked to stop; it changed nothing. Not an Exception, like KeyboardInterrupt:
    Pelican's reading, which reports and skips a file that raises one, lets it through."""


_state: dict[str, int | None] = {"running": None, "asked": None}


def allow(build: int | None) -> None:
    """Start the build numbered `build`, which may be stopped; None: one that may not be."""
    _state["running"] = build


def ask(build: int) -> None:
    """Ask the build numbered `build` to stop, if it runs or when it starts."""
    _state["asked"] = build


def check() -> None:
    """Stop here if the running build may be stopped and was asked to."""
    if _state["running"] is not None and _state["running"] == _state["asked"]:
        _state["asked"] = None
        raise BuildStopped
