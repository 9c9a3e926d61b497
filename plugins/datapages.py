"""Pages made of data: chapters, donation projects with their yearly reports, and events.

Facts come from the data package (data/*.csv); the story around them from Markdown in
content/chapters/<id>.md, content/projects/<id>.md and content/reports/*.md. The pages are
Pelican content objects, so they get Pelican's URL settings, links, feeds and sitemap.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from pelican import signals
from pelican.contents import Page
from pelican.generators import Generator

from forms.problems import Problem, ProblemsFound
from plugins.datapackage import load_package
from plugins.problems import report, source_label

logger = logging.getLogger(__name__)


class Chapter(Page):
    """A chapter (校友会); URLs come from the CHAPTER_URL and CHAPTER_SAVE_AS settings."""

    default_template = "chapter"


class Project(Page):
    """A donation project (捐赠项目)."""

    default_template = "project"


class Report(Page):
    """A yearly report to the donors of one project."""

    default_template = "report"
    mandatory_properties = ("title", "project", "year")


def split_ids(value: str | None) -> list[str]:
    """'beijing, shenzhen' -> ['beijing', 'shenzhen']; metadata may list several ids."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def build_date(settings: dict) -> datetime.date:
    """The day the site considers 'today'; BUILD_DATE pins it for reproducible builds."""
    pinned = settings.get("BUILD_DATE")
    return datetime.date.fromisoformat(pinned) if pinned else datetime.date.today()


class DataPagesGenerator(Generator):
    """Reads the data package and the narratives, links them to articles, writes the pages."""

    def generate_context(self) -> None:
        try:
            data = load_package(Path(self.settings["DATA_PACKAGE"]))
        except ProblemsFound as found:
            for problem in found.problems:
                report(logger, problem)
            data = {"chapters": [], "projects": [], "events": []}

        chapters = {row["id"]: self._narrated(Chapter, "chapters", row) for row in data["chapters"]}
        projects = {row["id"]: self._narrated(Project, "projects", row) for row in data["projects"]}
        self._check_orphans("chapters", chapters, "data/chapters.csv")
        self._check_orphans("projects", projects, "data/projects.csv")

        for project in projects.values():
            project.reports = []
        for report_page in self._read_all(Report, "reports"):
            project = projects.get(report_page.metadata["project"])
            if project is None:
                report(
                    logger, self._unknown(report_page, "Project", report_page.metadata["project"], "projects")
                )
                continue
            report_page.project_page = project
            project.reports.append(report_page)
        for project in projects.values():
            project.reports.sort(key=lambda r: r.metadata["year"], reverse=True)

        for chapter in chapters.values():
            chapter.news = []
            chapter.events = []
        for article in self.context["articles"]:
            article.chapters = []
            for chapter_id in split_ids(article.metadata.get("chapter")):
                if chapter_id not in chapters:
                    report(logger, self._unknown(article, "Chapter", chapter_id, "chapters"))
                    continue
                article.chapters.append(chapters[chapter_id])
                chapters[chapter_id].news.append(article)

        today = build_date(self.settings)
        events = sorted(data["events"], key=lambda e: e["date"])
        for event in events:
            event["chapter_page"] = chapters.get(event["chapter"])
            if event["chapter_page"]:
                event["chapter_page"].events.append(event)

        self.chapters = list(chapters.values())
        self.projects = list(projects.values())
        self.context.update(
            chapters=self.chapters,
            projects=self.projects,
            upcoming_events=[e for e in events if e["date"] >= today],
            past_events=[e for e in reversed(events) if e["date"] < today],
            today=today,
        )

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
        for path in sorted((Path(self.path) / folder).glob("*.md")):
            if path.stem not in known:
                report(
                    logger,
                    Problem(
                        f"content/{folder}/{path.name}",
                        f"在 {data_file} 中没有编号为 {path.stem} 的行，请先添加该行或改正文件名",
                        f"has no row with id {path.stem} in {data_file}; add the row or rename the file",
                    ),
                )

    def _unknown(self, content: Page, field: str, value: str, resource: str) -> Problem:
        return Problem(
            source_label(self.settings, content.source_path),
            f"在 data/{resource}.csv 中找不到这个编号，请改正",
            f"is not an id in data/{resource}.csv; correct it",
            field=field,
            value=value,
        )

    def generate_output(self, writer) -> None:
        write = self._writer(writer)
        write(self.settings["CHAPTERS_SAVE_AS"], "chapters", url=self.settings["CHAPTERS_URL"])
        write(self.settings["PROJECTS_SAVE_AS"], "projects", url=self.settings["PROJECTS_URL"])
        write(self.settings["EVENTS_SAVE_AS"], "events", url=self.settings["EVENTS_URL"])
        for chapter in self.chapters:
            write(chapter.save_as, "chapter", page=chapter, url=chapter.url)
            writer.write_feed(
                chapter.news,
                self.context,
                self.settings["CHAPTER_FEED_ATOM"].format(slug=chapter.slug),
                feed_title=chapter.title,
            )
        for project in self.projects:
            write(project.save_as, "project", page=project, url=project.url)
            for report_page in project.reports:
                write(report_page.save_as, "report", page=report_page, project=project, url=report_page.url)

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


def register() -> None:
    signals.get_generators.connect(_generators)
