"""Pages made of data: chapters, donation projects with their yearly reports, events, class notes.

Facts come from the data package (data/*.csv); the story around them from Markdown in
content/chapters/<id>.md, content/projects/<id>.md and content/reports/*.md. The pages are
Pelican content objects, so they get Pelican's URL settings, links, feeds and sitemap.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from pelican import signals
from pelican.contents import Page
from pelican.generators import Generator

from core import events, ledger
from core.datapackage import check_data
from core.definitions import load_forms
from core.problems import Problem, ProblemsFound, report, source_label
from plugins import feed_context
from plugins.datapages import charts, embeds
from plugins.datapages.figures import write_figures
from plugins.i18n import edition_path, format_yuan, page_lang
from plugins.metadata import key_line

logger = logging.getLogger(__name__)


class Chapter(Page):
    """A chapter (校友会); URLs come from the CHAPTER_URL and CHAPTER_SAVE_AS settings."""

    default_template = "chapter"


class Project(Page):
    """A donation project (捐赠项目)."""

    default_template = "project"


class Report(Page):
    """A yearly report to the donors of one project: ledger figures and, if written, a story."""

    default_template = "report"
    mandatory_properties = ("project", "year")


def split_ids(value: str | None) -> list[str]:
    """'beijing, shenzhen' -> ['beijing', 'shenzhen']; metadata may list several ids."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def build_date(settings: dict) -> datetime.date:
    """The day the site considers 'today'; BUILD_DATE pins it for reproducible builds.

    Today in the site's TIMEZONE, not the machine's: CI runs on UTC, eight hours behind Beijing,
    and a scheduled run just after midnight there must already see the new day.
    """
    pinned = settings.get("BUILD_DATE")
    if pinned:
        return datetime.date.fromisoformat(pinned)
    return datetime.datetime.now(ZoneInfo(settings.get("TIMEZONE") or "UTC")).date()


def reunion_classes(year: int, intervals: list[int]) -> list[int]:
    """The classes whose entry or graduation was 10, 20, 30... years before `year`."""
    return [year - interval for interval in intervals]


def _row_id(page: Page) -> str:
    """The data row a narrative belongs to: chapters/beijing.en.md -> beijing."""
    return page.translation_key.rsplit("/", 1)[-1]


TABLES = ("chapters", "projects", "events", "donations", "expenditures", "class_notes", "labels")


class DataPagesGenerator(Generator):
    """Reads the data package and the narratives, links them to articles, writes the pages."""

    def generate_context(self) -> None:
        tables = self._tables()
        today = build_date(self.settings)
        default, languages = self.settings["DEFAULT_LANG"], self.settings["LANGUAGES"]
        narratives = self._narratives()
        self.chapters, self.projects, self.events, self.editions = [], [], [], {}
        for lang in languages:
            chapters = {
                row["id"]: self._narrated(Chapter, "chapters", row, lang, narratives)
                for row in tables["chapters"]
            }
            projects = {
                row["id"]: self._narrated(Project, "projects", row, lang, narratives)
                for row in tables["projects"]
            }
            self._link_articles(chapters, lang)
            self._add_accounts(projects, tables, today, lang, narratives)
            events = [
                self._event(row, chapters, lang, today)
                for row in sorted(tables["events"], key=lambda e: e["date"])
            ]
            self.chapters += chapters.values()
            self.projects += projects.values()
            self.events += events
            self.editions[lang] = dict(
                chapters=list(chapters.values()),
                projects=list(projects.values()),
                upcoming_events=[e for e in events if e["date"] >= today],
                past_events=[e for e in reversed(events) if e["date"] < today],
            )
        self._pair_translations()
        self._check_orphans(narratives, tables)
        class_notes = sorted(tables["class_notes"], key=lambda n: n["published"], reverse=True)
        for edition in self.editions.values():
            edition.update(class_notes=class_notes, today=today)
        # Words in the data (places, spending categories) as other editions write them.
        labels = {row["zh"]: row["en"] for row in tables.get("labels", [])}
        self.context.update(
            self.editions[default], editions=self.editions, data_labels={"en": labels}, data=tables
        )

    def _event(self, row: dict, chapters: dict[str, Chapter], lang: str, today: datetime.date) -> dict:
        """An event as an edition shows it: its title and fee in that language if the data has
        them, its times in its own zone, and whether one can still register (core/events.py)."""
        event = {
            **row,
            "title": row.get(f"title_{lang}") or row["title"],
            "fee": (row.get(f"fee_{lang}") if lang != self.settings["DEFAULT_LANG"] else None)
            or row.get("fee"),
            "chapter_page": chapters.get(row["chapter"]),
            "when": events.times(row),
            "closed": events.why_closed(row, events.midday(today)),
        }
        event["url"] = edition_path(lang, self.settings["EVENT_URL"].format(slug=row["id"]), self.settings)
        event["calendar_url"] = edition_path(
            lang, self.settings["EVENT_CALENDAR_SAVE_AS"].format(slug=row["id"]), self.settings
        )
        if event["chapter_page"]:
            event["chapter_page"].events.append(event)
        return event

    def _pair_translations(self) -> None:
        """Each data page knows its other editions, for the language switch and hreflang."""
        pages: dict[tuple, list[Page]] = {}
        for page in [*self.chapters, *self.projects, *(r for p in self.projects for r in p.reports)]:
            # A report is its project's year; chapters and projects are their ids.
            key = (type(page), page.metadata.get("project", page.slug), getattr(page, "year", None))
            pages.setdefault(key, []).append(page)
        for group in pages.values():
            for page in group:
                page.translations = [other for other in group if other is not page]

    def _tables(self) -> dict[str, list[dict]]:
        """The checked data; on problems, report them all and carry on with empty tables."""
        try:
            package = check_data(Path(self.settings["DATA_PACKAGE"]), self._forms())
        except ProblemsFound as found:
            for problem in found.problems:
                report(logger, problem)
            # Every id that content refers to would now look unknown: say nothing of those.
            self.data_ok = False
            return {name: [] for name in TABLES}
        self.data_ok = True
        for note in package.notes:
            logger.warning(note.sentence())
        return package.tables

    def _forms(self) -> dict | None:
        """The form definitions the data's tables are checked against; a broken one is reported by
        the form pages, and the tables are then checked without it."""
        try:
            return load_forms(Path(self.settings["FORMS_DIR"]))
        except ProblemsFound:
            return None

    def _link_articles(self, chapters: dict[str, Chapter], lang: str) -> None:
        """News names its chapters in `Chapter:` metadata; each chapter lists that news.

        An edition's chapter lists the news of its own language; a translation names the
        chapters of its original.
        """
        for chapter in chapters.values():
            chapter.news, chapter.events = [], []
        for article in self.context["articles"]:
            edition = (
                article
                if article.lang == lang
                else next((t for t in article.translations if t.lang == lang), None)
            )
            if edition is None:
                continue
            edition.chapters = []
            for chapter_id in split_ids(article.metadata.get("chapter")):
                if chapter_id not in chapters:
                    if lang == article.lang:
                        self._report_unknown(article, "Chapter", chapter_id, "chapters")
                    continue
                edition.chapters.append(chapters[chapter_id])
                chapters[chapter_id].news.append(edition)

    def _add_accounts(
        self, projects: dict[str, Project], tables: dict, today: datetime.date, lang: str, narratives: dict
    ) -> None:
        """Each project's account, and a report page for every finished year and written report."""
        accounts = ledger.accounts(tables["projects"], tables["donations"], tables["expenditures"])
        stories = {
            (page.metadata["project"], int(page.metadata["year"])): page
            for page in narratives["reports"]
            if page.lang == lang
        }
        for pid, project in projects.items():
            project.account = accounts[pid]
            figures = {y.year: y for y in project.account.years if y.year < today.year}
            written = {y for p, y in self._report_years if p == pid}
            project.reports = []
            for year in sorted(figures.keys() | written, reverse=True):
                page = stories.get((pid, year)) or self._report_without_story(pid, year, lang)
                if page.source_path:
                    self.add_source_path(page)
                page.year, page.figures, page.project_page = year, figures.get(year), project
                page.untranslated = (pid, year) not in stories and (pid, year) in self._report_years
                project.reports.append(page)

    def _narratives(self) -> dict[str, list[Page]]:
        """Every Markdown narrative of chapters, projects and reports, in every language."""
        found = {
            "chapters": self._read_all(Chapter, "chapters", titled=False),
            "projects": self._read_all(Project, "projects", titled=False),
            "reports": [],
        }
        self._report_years: set[tuple[str, int]] = set()
        today = build_date(self.settings)
        for page in self._read_all(Report, "reports"):
            pid, year = page.metadata["project"], str(page.metadata["year"])
            if not year.isdigit():
                report(
                    logger,
                    Problem(
                        source_label(self.settings["PATH"], page.source_path),
                        "年份请写四位数字，如 2025",
                        "write the year as four digits, like 2025",
                        field="Year",
                        value=year,
                    ),
                )
                continue
            if int(year) >= today.year:  # its figures are not final: a report is of a finished year
                report(logger, Problem(
                    source_label(self.settings["PATH"], page.source_path),
                    f"这一年还没有结束（今天是 {today}），年度报告只写已结束的年份；请改正年份，或加一行 Status: draft，这一年结束后再删掉",
                    f"this year is not over yet (today is {today}): a report is of a finished year; correct the year, or add Status: draft and remove it once the year is over",
                    line=key_line(page.source_path, "year"), field="Year", value=year, kind="report-year",
                ))  # fmt: skip
                continue
            found["reports"].append(page)
            if page.lang == self.settings["DEFAULT_LANG"]:
                self._report_years.add((pid, int(year)))
        self._check_report_pairs(found["reports"])
        return found

    def _check_report_pairs(self, reports: list[Report]) -> None:
        """Two reports of one project's year would be one page, with one of them in it; which one
        depended on the order the files were read in (plugins.addresses sees only that one)."""
        files: dict[tuple[str, int, str], list[str]] = {}
        for page in reports:
            key = (page.metadata["project"], int(page.metadata["year"]), page.lang)
            files.setdefault(key, []).append(source_label(self.settings["PATH"], page.source_path))
        for (pid, year, _), labels in files.items():
            first, *others = sorted(labels)
            if others:
                report(logger, Problem(
                    first,
                    f"与 {'、'.join(others)} 都是项目 {pid} {year} 年的年度报告（同一个网址），请合成一篇，或改正其中一篇的 Project: 或 Year:",
                    f"is, like {', '.join(others)}, the report of project {pid} for {year} (one address); merge them into one, or correct Project: or Year: in one of them",
                    kind="report-pair",
                ))  # fmt: skip

    def _report_without_story(self, pid: str, year: int, lang: str) -> Report:
        metadata = {"project": pid, "year": year, "title": "", "lang": lang}
        return Report("", metadata=metadata, settings=self.settings, context=self.context, source_path="")

    def _narrated(self, cls: type[Page], folder: str, row: dict, lang: str, narratives: dict) -> Page:
        """The content object for one data row in one edition, with its narrative if written.

        An edition without its own narrative shows the facts and says the text is in the
        original language (`untranslated`), rather than pretending.
        """
        default = self.settings["DEFAULT_LANG"]
        written = {_row_id(page): page for page in narratives[folder] if page.lang == lang}
        title = (row.get(f"name_{lang}") if lang != default else None) or row["name"]
        metadata = {**row, "title": title, "slug": row["id"], "lang": lang}
        page = written.get(row["id"])
        if page is not None:
            self._check_row_keys(page, folder, row, lang)
            page.metadata.update(metadata)
            for key, value in metadata.items():
                setattr(page, key, value)
        else:
            suffix = "" if lang == default else f".{lang}"
            page = cls("", metadata=metadata, settings=self.settings, context=self.context,
                       source_path=f"{folder}/{row['id']}{suffix}.md")  # fmt: skip
        self.add_source_path(page)  # only now: it has its row's slug, hence its address
        page.untranslated = page is not written.get(row["id"]) and any(
            _row_id(p) == row["id"] for p in narratives[folder] if p.lang == default
        )
        return page

    def _check_row_keys(self, page: Page, folder: str, row: dict, lang: str) -> None:
        """A chapter's or project's name and address come from its row, so a Title: or Slug: in
        its text would be dropped without a word: say where they come from instead."""
        what = {"chapters": ("校友会", "chapter"), "projects": ("捐赠项目", "project")}[folder]
        table, label = f"data/{folder}.csv", source_label(self.settings["PATH"], page.source_path)
        name = "name" if lang == self.settings["DEFAULT_LANG"] else f"name_{lang}"
        number = row.get("_row")
        for key, zh, en in (
            ("Title", f"{what[0]}的名称来自 {table} 第 {number} 行的 {name} 列，这一行不会显示：请删掉 Title 这一行；要改名称，请改 {table} 的这一格",
             f"the {what[1]}'s name comes from {table}, row {number}, column {name}, so this line is never shown: remove the Title line; to change the name, change that cell of {table}"),
            ("Slug", f"{what[0]}页面的网址来自 {table} 第 {number} 行的 id 列（{row['id']}，也是这个文件的名字），这一行不起作用：请删掉 Slug 这一行",
             f"the {what[1]}'s address comes from {table}, row {number}, column id ({row['id']}, which is also this file's name), so this line does nothing: remove the Slug line"),
        ):  # fmt: skip
            if key.lower() in page.metadata:
                report(logger, Problem(label, zh, en, line=key_line(page.source_path, key), field=key,
                                       value=str(page.metadata[key.lower()]), kind="row-key"))  # fmt: skip

    def _read_all(self, cls: type[Page], folder: str, titled: bool = True) -> list[Page]:
        """The Markdown files of a folder; chapters' and projects' titles come from the data.

        A narrative becomes a page (and claims its address) only once it is paired with its row:
        without one, it has no address yet, and is reported as an orphan instead.
        """
        pages = []
        for relative in self.get_files(folder, extensions=("md",)):
            page = self.readers.read_file(self.path, relative, content_class=cls, context=self.context)
            # A draft (Status: draft) is not published: the page shows its facts alone, as unwritten.
            if (not titled or page.is_valid()) and page.status != "draft":
                pages.append(page)
        return pages

    def _check_orphans(self, narratives: dict[str, list[Page]], tables: dict) -> None:
        """A narrative without a data row would silently vanish: say so instead."""
        if not self.data_ok:
            return
        for folder in ("chapters", "projects"):
            known = {row["id"] for row in tables[folder]}
            for page in narratives[folder]:
                if _row_id(page) not in known:
                    report(
                        logger,
                        Problem(
                            source_label(self.settings["PATH"], page.source_path),
                            f"在 data/{folder}.csv 中没有编号为 {_row_id(page)} 的行，请先添加该行或改正文件名",
                            f"has no row with id {_row_id(page)} in data/{folder}.csv; add the row or rename the file",
                        ),
                    )
        projects = {row["id"]: row for row in tables["projects"]}
        for page in narratives["reports"]:
            if page.metadata["project"] not in projects:
                self._report_unknown(page, "Project", page.metadata["project"], "projects")
            else:
                self._check_report_dates(page, projects[page.metadata["project"]])

    def _check_report_dates(self, page: Report, project: dict) -> None:
        """A report of a year before its project opened, or dated before it opened, has nothing
        to report: its page would show an empty account."""
        pid, opened, year = project["id"], project["opened"], int(page.metadata["year"])
        label = source_label(self.settings["PATH"], page.source_path)
        told = ledger.report_before_opening(pid, opened, year)
        if told:
            report(logger, Problem(label, *told, line=key_line(page.source_path, "year"), field="Year",
                                   value=str(year), kind="before-opening"))  # fmt: skip
            return  # its Date: is then most likely right, and the Year: wrong
        dated = getattr(page, "date", None)
        if dated is not None and dated.date() < opened:
            report(logger, Problem(
                label,
                f"早于项目 {pid} 的设立日期 {opened}（见 data/projects.csv）：年度报告写在所报告的 {year} 年结束之后，请改正日期，如 {year + 1}-03-01",
                f"is before project {pid} opened on {opened} (data/projects.csv): a yearly report is written once the year it reports on, {year}, is over; correct the date, such as {year + 1}-03-01",
                line=key_line(page.source_path, "date"), field="Date", value=f"{dated:%Y-%m-%d}", kind="before-opening",
            ))  # fmt: skip

    def _report_unknown(self, content: Page, field: str, value: str, resource: str) -> None:
        if self.data_ok:
            report(
                logger,
                Problem(
                    source_label(self.settings["PATH"], content.source_path),
                    f"在 data/{resource}.csv 中找不到这个编号，请改正",
                    f"is not an id in data/{resource}.csv; correct it",
                    field=field,
                    value=value,
                ),
            )

    def generate_output(self, writer) -> None:
        write = self._writer(writer)
        for lang, edition in self.editions.items():
            for key, template in (("CHAPTERS", "chapters"), ("PROJECTS", "projects"), ("EVENTS", "events"), ("CLASS_NOTES", "class_notes")):  # fmt: skip
                write(
                    edition_path(lang, self.settings[f"{key}_SAVE_AS"], self.settings),
                    template,
                    lang=lang,
                    **edition,
                )
            for event in edition["upcoming_events"] + edition["past_events"]:
                save_as = edition_path(
                    lang, self.settings["EVENT_SAVE_AS"].format(slug=event["id"]), self.settings
                )
                write(save_as, "event", event=event, lang=lang, today=edition["today"])
        for chapter in self.chapters:
            write(chapter.save_as, "chapter", page=chapter)
            if chapter.lang == self.settings["DEFAULT_LANG"]:
                writer.write_feed(
                    chapter.news,
                    feed_context(self.context, self.settings),
                    self.settings["CHAPTER_FEED_ATOM"].format(slug=chapter.slug),
                    feed_title=chapter.title,
                )
        for project in self.projects:
            write(project.save_as, "project", page=project)
            for report_page in project.reports:
                write(report_page.save_as, "report", page=report_page, project=project)
            if project.lang == self.settings["DEFAULT_LANG"]:
                figures = Path(writer.output_path) / self.settings["PROJECT_FIGURES_SAVE_AS"].format(
                    slug=project.slug
                )
                write_figures(figures, project.account)

    def _writer(self, writer):
        relative_urls = self.settings["RELATIVE_URLS"]

        def write(save_as: str, template: str, **kwargs) -> None:
            writer.write_file(
                save_as,
                self.get_template(template),
                self.context,
                relative_urls=relative_urls,
                template_name=template,
                **kwargs,
            )

        return write


def _generators(pelican) -> type[Generator]:
    return DataPagesGenerator


@pass_context
def _label(context: Context, value: str | dict) -> str | dict:
    """A word from the data in the page's language (data/labels.csv), or as written; for a
    dict, its keys (spending by category)."""
    labels = context.get("data_labels", {}).get(page_lang(context), {})
    if isinstance(value, dict):
        return {labels.get(key, key): amount for key, amount in value.items()}
    return labels.get(value, value)


def _currency(context: Context) -> str:
    return format_yuan(Decimal(0), page_lang(context)).removesuffix("0.00")


def _template_helpers(generator) -> None:
    """Charts are drawn in Python and placed by templates, which pass them translated labels."""
    intervals = generator.settings["REUNION_INTERVALS"]
    generator.env.filters["label"] = _label
    generator.env.globals.update(
        # The currency as the page's language writes it (format_yuan): ¥ or CNY.
        year_bars=pass_context(lambda c, *args: Markup(charts.year_bars(*args, currency=_currency(c)))),
        category_bars=pass_context(
            lambda c, *args: Markup(charts.category_bars(*args, currency=_currency(c)))
        ),
        reunion_classes=lambda year: reunion_classes(year, intervals),
    )


def _embed_data(generators) -> None:
    """Let articles and pages show a project's progress or a chapter's events in their text,
    in the edition of the text."""
    data = next(g for g in generators if isinstance(g, DataPagesGenerator))
    if not data.data_ok:
        return  # the data's own problems are reported; embeds of it would only repeat them
    template = data.get_template("_embeds")
    editions = {
        lang: (
            template.make_module(vars={**data.context, "lang": lang}),
            {
                "project": {p.slug: p for p in edition["projects"]},
                "events": {c.slug: c for c in edition["chapters"]},
            },
        )
        for lang, edition in data.editions.items()
    }
    for generator in generators:
        for content in [
            *getattr(generator, "articles", []),
            *getattr(generator, "pages", []),
            *getattr(generator, "translations", []),
            *getattr(generator, "chapters", []),
            *getattr(generator, "projects", []),
        ]:
            if content._content and "[[" in content._content:
                macros, found = editions.get(content.lang, editions[data.settings["DEFAULT_LANG"]])
                content._content, unknown, stray = embeds.render(content._content, found, macros)
                label = source_label(data.settings["PATH"], content.source_path)
                for kind, ident in unknown:
                    report(logger, Problem(label, f"嵌入的 [[{kind}: {ident}]] 找不到这个编号，请改正",
                                           f"embeds [[{kind}: {ident}]], which is not a known id; correct it",
                                           value=ident, kind="embed"))  # fmt: skip
                for text in stray:  # it would be published as it is written
                    report(logger, Problem(label, f"{text} 在一段文字中间，不会显示成项目或活动：请让它单独成为一段（前后各空一行）",
                                           f"{text} sits inside a paragraph of text and would be shown as written: give it a paragraph of its own (an empty line before and after)",
                                           value=text, kind="embed"))  # fmt: skip


def register() -> None:
    signals.get_generators.connect(_generators)
    signals.generator_init.connect(_template_helpers)
    signals.all_generators_finalized.connect(_embed_data)
