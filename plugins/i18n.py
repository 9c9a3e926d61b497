"""Template language: gettext catalogs from theme/translations, dates and money.

Templates mark every visible string with _("English text"); the catalog of the site's
language gives the words a visitor reads. Catalogs are compiled in memory at build time
(forms/translations.py, shared with the form handler), so only .po files live in git.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from pelican import signals

from forms.translations import load_translations


def format_date(value: datetime.date, settings: dict, lang: str | None = None) -> str:
    """A date as readers of the language write it: 2026年11月23日 or 23 November 2026."""
    pattern = settings["DATE_FORMATS"].get(lang or settings["DEFAULT_LANG"], settings["DEFAULT_DATE_FORMAT"])
    # Pelican's strftime, which knows %-d, is slow on thousands of dates; these two are all we use.
    pattern = pattern.replace("%-m", str(value.month)).replace("%-d", str(value.day))
    return value.strftime(pattern)


def format_yuan(value: Decimal) -> str:
    """Money as the site shows it: ¥1,234.50, always to the cent."""
    return f"¥{value:,.2f}"


def _install(generator) -> None:
    settings = generator.settings
    directory = Path(settings["THEME"]) / "translations"
    generator.env.install_gettext_translations(
        load_translations(directory, settings["DEFAULT_LANG"]), newstyle=True
    )
    generator.env.filters["format_date"] = lambda value, lang=None: format_date(value, settings, lang)
    generator.env.filters["yuan"] = format_yuan


def register() -> None:
    signals.generator_init.connect(_install)
