"""Template language: one gettext catalog per edition, dates and money as its readers write them.

Templates mark every visible string with _("English text"). Which catalog answers depends on
the page being drawn: the `lang` it was rendered with (listing and data pages of an edition),
else the language of its article or page (a translation is English), else the site's default.
Catalogs are compiled in memory at build time (core/translations.py, shared with the form
handler), so only .po files live in git.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from pelican import signals

from core.translations import load_translations


def edition_path(lang: str, path: str, settings: Mapping) -> str:
    """Where a page of an edition lives: the default edition at the root, others under <lang>/."""
    return path if lang == settings["DEFAULT_LANG"] else f"{lang}/{path}"


def page_lang(context: Context) -> str:
    """The edition of the page a template is drawing."""
    if lang := context.get("lang"):  # an edition's page, or any page once base.html has set it
        return lang
    item = context.get("article") or context.get("page")
    return getattr(item, "lang", None) or context["DEFAULT_LANG"]


def edition_url(context: Context, path: str) -> str:
    """The address of a section (news/, projects/, tags/x/...) in the edition being drawn."""
    return f"{context['SITEURL']}/{edition_path(page_lang(context), path, context)}"


def alternates(context: Context) -> list[tuple[str, str, bool]]:
    """(lang, url, same page?) for every edition: the language switch and hreflang links.

    Articles and pages have another edition only if translated, and data pages always (the
    data plugin pairs them); listing pages exist in every edition, at the same path under
    <lang>/, except tags (each edition has its own) and later pages of a list. Where there is
    no same page, the switch goes to the other edition's nearest list or its home.
    """
    lang, settings = page_lang(context), context
    item = context.get("article") or context.get("page")
    here = context["output_file"].removesuffix("index.html")
    base = here.removeprefix(f"{lang}/") if lang != settings["DEFAULT_LANG"] else here
    page = context.get("articles_page")
    if item is not None and hasattr(item, "translations"):
        found = {item.lang: item.url, **{t.lang: t.url for t in item.translations}}
        fallback = ""
    elif context.get("tag") is not None:
        found, fallback = {lang: here}, settings["TAGS_URL"]
    elif page is not None and page.number > 1:
        found, fallback = {lang: here}, context["category"].url if context.get("category") else ""
    else:
        found, fallback = {other: edition_path(other, base, settings) for other in settings["LANGUAGES"]}, ""
    return [
        (other, found.get(other) or edition_path(other, fallback, settings), other in found)
        for other in settings["LANGUAGES"]
    ]


def format_date(value: datetime.date, settings: dict, lang: str | None = None) -> str:
    """A date as readers of the language write it: 2026年11月23日 or 23 November 2026."""
    pattern = settings["DATE_FORMATS"].get(lang or settings["DEFAULT_LANG"], settings["DEFAULT_DATE_FORMAT"])
    # Pelican's strftime, which knows %-d, is slow on thousands of dates; these two are all we use.
    pattern = pattern.replace("%-m", str(value.month)).replace("%-d", str(value.day))
    return value.strftime(pattern)


def format_yuan(value: Decimal, lang: str = "zh") -> str:
    """Money as the site shows it, always to the cent: ¥1,234.50, or CNY 1,234.50 in English."""
    return f"CNY {value:,.2f}" if lang == "en" else f"¥{value:,.2f}"


HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def as_written(text: str, page: str, settings: Mapping) -> str:
    """Text people wrote (a donor's name, a class note), marked as Chinese where it is Chinese
    on a page of another edition, so a screen reader reads it in Chinese, not as English."""
    if page == "zh" or not HAN.search(str(text)):
        return text
    return Markup('<span lang="{}">{}</span>').format(settings["HTML_LANG"]["zh"], text)


def _install(generator) -> None:
    settings = generator.settings
    directory = Path(settings["THEME"]) / "translations"
    catalogs = {lang: load_translations(directory, lang) for lang in settings["LANGUAGES"]}

    @pass_context
    def gettext(context: Context, message: str) -> str:
        return catalogs[page_lang(context)].gettext(message)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return catalogs[page_lang(context)].ngettext(singular, plural, n)

    generator.env.install_gettext_callables(gettext, ngettext, newstyle=True)
    generator.env.globals.update(
        page_lang=pass_context(page_lang),
        edition_url=pass_context(edition_url),
        alternates=pass_context(alternates),
    )
    generator.env.filters["format_date"] = pass_context(
        lambda context, value: format_date(value, settings, page_lang(context))
    )
    generator.env.filters["as_written"] = pass_context(
        lambda context, text: as_written(text, page_lang(context), settings)
    )
    generator.env.filters["yuan"] = pass_context(
        lambda context, value: format_yuan(value, page_lang(context))
    )


def register() -> None:
    signals.generator_init.connect(_install)
