"""The local inbox checked against the form definitions: data/inbox/, where `invoke serve`'s
handler stores submissions, beside the checkout. A form whose fields changed while its version
did not stops the build, before the handler would refuse that form's submissions."""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import signals

from core.definitions import load_forms, stale_inboxes
from core.problems import Problem, ProblemsFound, report

logger = logging.getLogger(__name__)


def stale_files(settings: dict) -> list[Problem]:
    """The inbox files beside the data package that hold another version's columns."""
    try:
        forms = load_forms(Path(settings["FORMS_DIR"]))
    except ProblemsFound:
        return []  # reported by the form pages; this build stops anyway
    data = Path(settings["DATA_PACKAGE"]).parent
    return stale_inboxes(forms.values(), data / "inbox", f"{data.name}/inbox")


def _check(pelican) -> None:
    for problem in stale_files(pelican.settings):
        report(logger, problem)


def register() -> None:
    signals.initialized.connect(_check)
