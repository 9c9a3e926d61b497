"""The site's form pages, drawn from the same definitions (forms/*.yaml) the handler enforces."""

from __future__ import annotations

import datetime
import logging
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican import signals
from pelican.generators import Generator

from core import stamps as timetrap
from core.definitions import load_forms
from core.events import closed_events, midday, open_events
from core.problems import ProblemsFound, report
from plugins.datapages import build_date
from plugins.i18n import edition_path

logger = logging.getLogger(__name__)


class FormPagesGenerator(Generator):
    """forms/<name>/ with the form, and forms/<name>/thanks/ where the handler sends people after."""

    def generate_context(self) -> None:
        # The events as the data pages read and checked them (an unreadable file has none).
        rows, now = self.context.get("data", {}).get("events", []), midday(build_date(self.settings))
        try:
            self.forms = load_forms(
                Path(self.settings["FORMS_DIR"]), open_events(rows, now), closed_events(rows, now)
            )
        except ProblemsFound as found:
            for problem in found.problems:
                report(logger, problem)
            self.forms = {}
        self.context["forms"] = self.forms

    def generate_output(self, writer) -> None:
        # Signed for the start of the build's day: good for visitors without JavaScript; forms.js
        # asks the handler for a fresh stamp when the page opens, which is what times a bot that
        # runs scripts. Not the second of the build: an unchanged site must build to the same
        # bytes, or every publish would send the form pages again.
        secret = timetrap.secret_from_env(self.settings.get("FORMS_STAMP_SECRET"))
        start = _start_of_build_day(self.settings)
        for lang in self.settings["LANGUAGES"]:
            for name, form in self.forms.items():
                for save_as, template in (
                    (self.settings["FORM_SAVE_AS"], "form"),
                    (self.settings["FORM_THANKS_SAVE_AS"], "form_thanks"),
                ):
                    writer.write_file(edition_path(lang, save_as.format(slug=name), self.settings),
                                      self.get_template(template), self.context,
                                      relative_urls=self.settings["RELATIVE_URLS"], form=form, lang=lang,
                                      stamp=timetrap.issue(secret, name, start) if secret else None)  # fmt: skip


def _start_of_build_day(settings: dict) -> float:
    """Midnight of the build's day in the site's time zone, never later than now."""
    day = build_date(settings)
    midnight = datetime.datetime(
        day.year, day.month, day.day, tzinfo=ZoneInfo(settings.get("TIMEZONE") or "UTC")
    )
    return min(midnight.timestamp(), time.time())


def _generators(pelican) -> type[Generator]:
    return FormPagesGenerator


def register() -> None:
    signals.get_generators.connect(_generators)
