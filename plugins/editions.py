"""The site's other editions (the English one under /en/): home, lists, tags, archives, 404, search.

Pelican writes translated articles and pages itself (ARTICLE_LANG_SAVE_AS...), and the data
and form plugins write their pages per edition; this writes the pages Pelican makes only for
the default language. An edition lists what exists in its language and never fakes the rest:
its news list ends with the latest items that exist only in the original, linked there.
"""

from __future__ import annotations

from itertools import chain

from pelican import signals
from pelican.contents import Article
from pelican.generators import Generator

from plugins.i18n import edition_path

# How many untranslated items an edition's list points to in the original language.
UNTRANSLATED_SHOWN = 10


def edition_articles(articles: list[Article], lang: str) -> list[Article]:
    """The articles that exist in one language, newest first: originals and translations."""
    found = [a for a in chain(articles, *(a.translations for a in articles)) if a.lang == lang]
    return sorted(found, key=lambda a: a.date, reverse=True)


def untranslated(articles: list[Article], lang: str) -> list[Article]:
    """Articles with no version in the language, newest first (articles arrive sorted so)."""
    return [a for a in articles if a.lang != lang and all(t.lang != lang for t in a.translations)]


class EditionsGenerator(Generator):
    def generate_output(self, writer) -> None:
        settings, context = self.settings, self.context
        for lang in settings["LANGUAGES"]:
            if lang != settings["DEFAULT_LANG"]:
                self._write_edition(writer, lang, edition_articles(context["articles"], lang))

    def _write_edition(self, writer, lang: str, articles: list[Article]) -> None:
        settings, context = self.settings, self.context
        edition = {**context["editions"][lang], "lang": lang}

        def write(path: str, template: str, **kwargs) -> None:
            writer.write_file(
                edition_path(lang, path, settings),
                self.get_template(template),
                context,
                relative_urls=settings["RELATIVE_URLS"],
                template_name=template,
                **{**edition, **kwargs},
            )

        tags = _tags(articles)
        for template in settings["DIRECT_TEMPLATES"]:
            if template != "robots":
                path = settings.get(f"{template.upper()}_SAVE_AS", f"{template}.html")
                write(path, template, articles=articles, dates=articles, tags=tags)
        for category, in_category in context["categories"]:
            listed = [a for a in articles if a.category == category]
            write(category.save_as, "category", category=category,
                  paginated={"articles": listed, "dates": listed},
                  url=edition_path(lang, category.url, settings),
                  untranslated=untranslated(in_category, lang)[:UNTRANSLATED_SHOWN])  # fmt: skip
        for tag, tagged in tags:
            write(tag.save_as, "tag", tag=tag, paginated={"articles": tagged, "dates": tagged},
                  url=edition_path(lang, tag.url, settings))  # fmt: skip


def _tags(articles: list[Article]) -> list[tuple]:
    """(tag, its articles) for the tags of an edition's own articles."""
    tagged: dict = {}
    for article in articles:
        for tag in getattr(article, "tags", []):
            tagged.setdefault(tag, []).append(article)
    return list(tagged.items())


def _generators(pelican) -> type[Generator]:
    return EditionsGenerator


def register() -> None:
    signals.get_generators.connect(_generators)
