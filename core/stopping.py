"""Stopping a build that a newer edit has made stale.

The live preview makes the search index in a whole build once the editor pauses; on a big
site that takes seconds. When the editor saves again meanwhile, the preview asks the build to
stop (office/builder.py turns a signal into `ask()`), so the new edit is drawn at once instead
of waiting. A build stops only at the points that call `check()`, where nothing has been
brought into the output yet (the build swaps its folder in at the very end), so a stopped
build leaves the site as it was.
"""

from __future__ import annotations


class BuildStopped(BaseException):
    """The build was asked to stop; it changed nothing. Not an Exception, like KeyboardInterrupt:
    Pelican's reading, which reports and skips a file that raises one, lets it through."""


_state = {"stoppable": False, "asked": False}


def allow(stoppable: bool) -> None:
    """Start a build that may (or may not) be stopped. A request to stop made just before a
    stoppable build starts still counts: it may have been sent as that build was asked for."""
    _state["stoppable"] = stoppable
    if not stoppable:
        _state["asked"] = False


def ask(*_) -> None:
    """Ask the running build to stop (a signal handler: takes the signal's arguments)."""
    _state["asked"] = True


def check() -> None:
    """Stop here if the running build may be stopped and was asked to."""
    if _state["stoppable"] and _state["asked"]:
        _state["asked"] = False
        raise BuildStopped
