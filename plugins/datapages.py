"""Pages made of data: chapters, donation projects with their yearly reports, events, class notes.

Facts come from the data package (data/*.csv); the story around them from Markdown in
content/chapters/<id>.md, content/projects/<id>.md and content/reports/*.md. The pages are
Pelican content objects, so they get Pelican's URL settings, links, feeds and sitemap.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from markupsafe import Markup
from pelican import signals
from pelican.contents import Page
from pelican.generators import Generator

from forms.problems import Problem, ProblemsFound
from plugins import charts, embeds, ledger
from plugins.datapackage import DataPackage, validate_package
from plugins.figures import figures_csv
from plugins.problems import report, source_label

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
    """The day the site considers 'today'; BUILD_DATE pins it for reproducible builds."""
    pinned = settings.get("BUILD_DATE")
    return datetime.date.fromisoformat(pinned) if pinned else datetime.date.today()


def reunion_classes(year: int, intervals: list[int]) -> list[int]:
    """The classes whose entry or graduation was 10, 20, 30... years before `year`."""
    return [year - interval for interval in intervals]


TABLES = ("chapters", "projects", "events", "donations", "expenditures", "class_notes")


def check_data(descriptor: Path) -> DataPackage:
    """Everything `invoke validate` and the build check: the schema, then the ledgers' rules."""
    package = validate_package(descriptor)
    tables = package.tables
    if not {"projects", "donations", "expenditures"} <= tables.keys():
        return package  # another package, such as the office's private one
    problems = ledger.check_ledgers(tables["projects"], tables["donations"], tables["expenditures"])
    if problems:
        raise ProblemsFound(problems)
    return package


class DataPagesGenerator(Generator):
    """Reads the data package and the narratives, links them to articles, writes the pages."""

    def generate_context(self) -> None:
        tables = self._tables()
        today = build_date(self.settings)
        chapters = {row["id"]: self._narrated(Chapter, "chapters", row) for row in tables["chapters"]}
        projects = {row["id"]: self._narrated(Project, "projects", row) for row in tables["projects"]}
        self._check_orphans("chapters", chapters, "data/chapters.csv")
        self._check_orphans("projects", projects, "data/projects.csv")
        self._link_articles(chapters)
        self._add_accounts(projects, tables, today)

        events = sorted(tables["events"], key=lambda e: e["date"])
        for chapter in chapters.values():
            chapter.events = []
        for event in events:
            event["chapter_page"] = chapters.get(event["chapter"])
            event["url"] = self.settings["EVENT_URL"].format(slug=event["id"])
            if event["chapter_page"]:
                event["chapter_page"].events.append(event)

        self.chapters, self.projects, self.events = list(chapters.values()), list(projects.values()), events
        self.class_notes = sorted(tables["class_notes"], key=lambda n: n["published"], reverse=True)
        self.context.update(
            chapters=self.chapters,
            projects=self.projects,
            upcoming_events=[e for e in events if e["date"] >= today],
            past_events=[e for e in reversed(events) if e["date"] < today],
            class_notes=self.class_notes,
            today=today,
        )

    def _tables(self) -> dict[str, list[dict]]:
        """The checked data; on problems, report them all and carry on with empty tables."""
        try:
            package = check_data(Path(self.settings["DATA_PACKAGE"]))
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

    def _link_articles(self, chapters: dict[str, Chapter]) -> None:
        """News names its chapters in `Chapter:` metadata; each chapter lists that news."""
        for chapter in chapters.values():
            chapter.news = []
        for article in self.context["articles"]:
            article.chapters = []
            for chapter_id in split_ids(article.metadata.get("chapter")):
                if chapter_id not in chapters:
                    self._report_unknown(article, "Chapter", chapter_id, "chapters")
                    continue
                article.chapters.append(chapters[chapter_id])
                chapters[chapter_id].news.append(article)

    def _add_accounts(self, projects: dict[str, Project], tables: dict, today: datetime.date) -> None:
        """Each project's account, and a report page for every finished year and written report."""
        accounts = ledger.accounts(tables["projects"], tables["donations"], tables["expenditures"])
        narratives: dict[tuple[str, int], Report] = {}
        for page in self._read_all(Report, "reports"):
            pid, year = page.metadata["project"], str(page.metadata["year"])
            if pid not in projects:
                self._report_unknown(page, "Project", pid, "projects")
            elif not year.isdigit():
                report(
                    logger,
                    Problem(
                        source_label(self.settings, page.source_path),
                        "年份请写四位数字，如 2025",
                        "write the year as four digits, like 2025",
                        field="Year",
                        value=year,
                    ),
                )
            else:
                narratives[(pid, int(year))] = page
        for pid, project in projects.items():
            project.account = accounts[pid]
            figures = {y.year: y for y in project.account.years if y.year < today.year}
            project.reports = []
            for year in sorted(figures.keys() | {y for p, y in narratives if p == pid}, reverse=True):
                page = narratives.get((pid, year)) or self._report_without_story(pid, year)
                page.year, page.figures, page.project_page = year, figures.get(year), project
                project.reports.append(page)

    def _report_without_story(self, pid: str, year: int) -> Report:
        metadata = {"project": pid, "year": year, "title": ""}
        return Report("", metadata=metadata, settings=self.settings, context=self.context, source_path="")

    def _narrated(self, cls: type[Page], folder: str, row: dict) -> Page:
        """The content object for one data row, with its Markdown narrative if there is one."""
        relative = f"{folder}/{row['id']}.md"
        metadata = {"title": row["name"], "slug": row["id"], **row}
        if (Path(self.path) / relative).exists():
            page = self.readers.read_file(self.path, relative, content_class=cls, context=self.context)
            page.metadata.update(metadata)
            for key, value in metadata.items():
                setattr(page, key, value)
        else:
            page = cls(
                "",
                metadata=metadata,
                settings=self.settings,
                context=self.context,
                source_path=str(Path(self.path) / relative),
            )
        self.add_source_path(page)
        return page

    def _read_all(self, cls: type[Page], folder: str) -> list[Page]:
        pages = []
        for relative in self.get_files(folder, extensions=("md",)):
            page = self.readers.read_file(self.path, relative, content_class=cls, context=self.context)
            if page.is_valid():
                self.add_source_path(page)
                pages.append(page)
        return pages

    def _check_orphans(self, folder: str, known: dict, data_file: str) -> None:
        """A narrative without a data row would silently vanish: say so instead."""
        if not self.data_ok:
            return
        for path in sorted((Path(self.path) / folder).glob("*.md")):
            if path.stem not in known:
                report(
                    logger,
                    Problem(
                        source_label(self.settings, str(path)),
                        f"在 {data_file} 中没有编号为 {path.stem} 的行，请先添加该行或改正文件名",
                        f"has no row with id {path.stem} in {data_file}; add the row or rename the file",
                    ),
                )

    def _report_unknown(self, content: Page, field: str, value: str, resource: str) -> None:
        if self.data_ok:
            report(
                logger,
                Problem(
                    source_label(self.settings, content.source_path),
                    f"在 data/{resource}.csv 中找不到这个编号，请改正",
                    f"is not an id in data/{resource}.csv; correct it",
                    field=field,
                    value=value,
                ),
            )

    def generate_output(self, writer) -> None:
        write = self._writer(writer)
        write(self.settings["CHAPTERS_SAVE_AS"], "chapters")
        write(self.settings["PROJECTS_SAVE_AS"], "projects")
        write(self.settings["EVENTS_SAVE_AS"], "events")
        write(self.settings["CLASS_NOTES_SAVE_AS"], "class_notes")
        for chapter in self.chapters:
            write(chapter.save_as, "chapter", page=chapter)
            writer.write_feed(
                chapter.news,
                self.context,
                self.settings["CHAPTER_FEED_ATOM"].format(slug=chapter.slug),
                feed_title=chapter.title,
            )
        for project in self.projects:
            write(project.save_as, "project", page=project)
            figures = Path(writer.output_path) / self.settings["PROJECT_FIGURES_SAVE_AS"].format(
                slug=project.slug
            )
            figures.parent.mkdir(parents=True, exist_ok=True)
            figures.write_text(
                figures_csv(project.account), encoding="utf-8-sig"
            )  # BOM: Excel reads it as UTF-8
            for report_page in project.reports:
                write(report_page.save_as, "report", page=report_page, project=project)
        for event in self.events:
            write(self.settings["EVENT_SAVE_AS"].format(slug=event["id"]), "event", event=event)

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


def _template_helpers(generator) -> None:
    """Charts are drawn in Python and placed by templates, which pass them translated labels."""
    intervals = generator.settings["REUNION_INTERVALS"]
    generator.env.globals.update(
        year_bars=lambda *args: Markup(charts.year_bars(*args)),
        category_bars=lambda *args: Markup(charts.category_bars(*args)),
        reunion_classes=lambda year: reunion_classes(year, intervals),
    )


def _embed_data(generators) -> None:
    """Let articles and pages show a project's progress or a chapter's events in their text."""
    data = next(g for g in generators if isinstance(g, DataPagesGenerator))
    if not data.data_ok:
        return  # the data's own problems are reported; embeds of it would only repeat them
    macros = data.get_template("_embeds").make_module(vars=data.context)
    found = {"project": {p.slug: p for p in data.projects}, "events": {c.slug: c for c in data.chapters}}
    for generator in generators:
        for content in [
            *getattr(generator, "articles", []),
            *getattr(generator, "pages", []),
            *getattr(generator, "chapters", []),
            *getattr(generator, "projects", []),
        ]:
            if content._content and "[[" in content._content:
                content._content, unknown = embeds.render(content._content, found, macros)
                for kind, ident in unknown:
                    report(
                        logger,
                        Problem(
                            source_label(data.settings, content.source_path),
                            f"嵌入的 [[{kind}: {ident}]] 找不到这个编号，请改正",
                            f"embeds [[{kind}: {ident}]], which is not a known id; correct it",
                            value=ident,
                            kind="embed",
                        ),
                    )


def register() -> None:
    signals.get_generators.connect(_generators)
    signals.generator_init.connect(_template_helpers)
    signals.all_generators_finalized.connect(_embed_data)
