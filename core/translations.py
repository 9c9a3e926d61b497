"""The theme's gettext catalogs (theme/translations), compiled in memory for Jinja2.

The build's templates and the handler's pages read the same catalogs, so a word is
translated once.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader

LOCALES = {"zh": "zh_CN", "en": "en"}


@cache
def load_translations(directory: Path, lang: str) -> gettext.NullTranslations:
    """The compiled catalog for a language; English is the source text, so it needs none."""
    po_file = directory / LOCALES.get(lang, lang) / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def page_environment(theme_dir: Path, lang: str) -> Environment:
    """Jinja2 for pages drawn outside the build (the handler's answers, the office's reports),
    with the theme's templates and the same catalog as the site."""
    environment = Environment(
        loader=FileSystemLoader(theme_dir / "templates"),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(
        load_translations(theme_dir / "translations", lang), newstyle=True
    )
    return environment
