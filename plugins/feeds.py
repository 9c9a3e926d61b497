"""Atom feeds per edition: each edition's feed holds its own articles, under its own name, each
entry with an author; and feeds that change only when what they list changes, so an unchanged
site builds to the same bytes.

Pelican's all-articles feed mixes the editions (it adds every translation), its per-language
feeds repeat the default one, and its category feeds are named by folder ("news"); they are
turned off in pelicanconf.py and these are written instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from pelican import signals
from pelican.urlwrappers import Author

from plugins import feed_context
from plugins.datapages import build_date
from plugins.editions import edition_articles


def feed_paths(settings: dict, lang: str, categories: Iterable[str]) -> dict[str | None, str]:
    """Where an edition's feeds go: None for all its articles, else per category slug."""
    paths: dict[str | None, str] = {None: settings["EDITION_FEED_ATOM"][lang]}
    for slug in categories:
        paths[slug] = settings["EDITION_CATEGORY_FEED_ATOM"][lang].format(slug=slug)
    return paths


def _write_edition_feeds(generator, writer) -> None:
    settings, context = generator.settings, generator.context
    for lang in settings["LANGUAGES"]:
        articles = edition_articles(generator.articles, lang)
        written = {
            **feed_context(context, settings),
            "SITENAME": settings["SITE_NAMES"][lang],
            "feed_lang": lang,
        }
        names = settings["CATEGORY_NAMES"][lang]
        slugs = [category.slug for category, _ in generator.categories]
        for slug, path in feed_paths(settings, lang, slugs).items():
            listed = articles if slug is None else [a for a in articles if a.category.slug == slug]
            title = None if slug is None else names.get(slug, slug)
            writer.write_feed(listed, written, path, feed_title=title)


def _sign(generator) -> None:
    """The association is the author of what it publishes, in each edition's own words (an
    Atom entry needs an author; Pelican's was empty). A file's own `Author:` wins."""
    names, settings = generator.settings["SITE_NAMES"], generator.settings
    authors = {lang: Author(name, settings) for lang, name in names.items()}
    for article in [*generator.articles, *generator.translations]:
        if "author" not in article.metadata:
            article.author = authors.get(article.lang) or authors[settings["DEFAULT_LANG"]]
            article.authors = [article.author]


def _finish(context, feed) -> None:
    lang = context.get("feed_lang")
    if lang and lang != context["DEFAULT_LANG"]:  # the edition's home, not the site's root
        feed.feed["link"] = f"{context['SITEURL']}/{lang}/"
    feed.feed["id"] = feed.feed["feed_url"]  # not the site's address: each feed is its own
    _steady_updated(context, feed)


def _steady_updated(context, feed) -> None:
    # An Atom feed must say when it was last updated; with no entries, feedgenerator says "now",
    # which would make every build (and every publish) send the empty feeds of new chapters again.
    if feed.items:
        return
    dates = [article.date for article in context.get("articles", []) if getattr(article, "date", None)]
    if dates:
        updated = max(dates)
    else:
        day = build_date(context)
        updated = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    feed.latest_post_date = lambda: updated


def register() -> None:
    signals.article_generator_finalized.connect(_sign)
    signals.article_writer_finalized.connect(_write_edition_feeds)
    signals.feed_generated.connect(_finish)
