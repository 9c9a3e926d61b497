"""New content files with the front matter editors would otherwise type by hand."""

from __future__ import annotations

import datetime
from pathlib import Path

from core.ledger import report_before_opening
from core.problems import Problem, ProblemsFound
from core.slugs import pinyin_slug
from core.tables import read_records

FOLDERS = {"news": "news", "story": "stories", "report": "reports"}
# The body a new file starts with; the build refuses a file that still holds it (plugins/metadata.py,
# which keeps its own copy: plugins may not import the office's code; a test holds the two equal).
PLACEHOLDER = "在这里写正文。"


def new_content(
    content_dir: Path,
    kind: str,
    title: str,
    now: datetime.datetime,
    slug: str | None = None,
    project: str | None = None,
    year: int | None = None,
) -> Path:
    """Write content/<folder>/<slug>.md with Title, Date, Slug and the fields the kind needs; a
    report is content/reports/<project>-<year>.md, of last year unless `year` says which, of a
    project of data/projects.csv (beside content/) that was open that year."""
    if kind not in FOLDERS:
        raise ProblemsFound(
            [
                Problem(
                    "invoke new",
                    f"没有“{kind}”这种类型，请写 news、story 或 report",
                    f"there is no kind '{kind}'; write news, story or report",
                    field="kind",
                )
            ]
        )
    if kind == "report" and not project:
        raise ProblemsFound(
            [
                Problem(
                    "invoke new",
                    "年度报告需要项目编号，请加 --project 项目编号",
                    "a report needs its project; add --project ID",
                    field="project",
                )
            ]
        )
    given = {"--project": project, "--year": year} if kind != "report" else {"--slug": slug}
    if wrong := [option for option, value in given.items() if value]:
        # Taken silently, the option would be lost: a news item has no project, a report's address is its own.
        raise ProblemsFound([Problem("invoke new", f"{'、'.join(wrong)} 不用于 {kind}，请去掉；--project 和 --year 只用于年度报告 report，--slug 只用于 news 和 story",
                                     f"{', '.join(wrong)} is not for {kind}: leave it out; --project and --year are for a report, --slug for news and story",
                                     field=wrong[0].removeprefix("--"))])  # fmt: skip
    year = year or now.year - 1
    if kind == "report":
        _check_project(content_dir.parent / "data" / "projects.csv", project, year)
    if kind == "report" and year >= now.year:
        raise ProblemsFound([Problem("invoke new", f"{year} 年还没有结束，年度报告只写已结束的年份，如 --year {now.year - 1}",
                                     f"{year} is not over yet: a yearly report is of a finished year, such as --year {now.year - 1}",
                                     field="year")])  # fmt: skip
    slug = (
        f"{project}-{year}" if kind == "report" else pinyin_slug(slug or title)
    )  # --slug "My Slug": my-slug
    if not slug:
        raise ProblemsFound(
            [
                Problem(
                    "invoke new",
                    "标题里没有可用作网址的文字，请加 --slug 英文网址",
                    "the title gives no address; add --slug words-for-the-address",
                    field="title",
                )
            ]
        )
    path = content_dir / FOLDERS[kind] / f"{slug}.md"
    if path.exists():
        raise ProblemsFound(
            [
                Problem(
                    path.relative_to(content_dir.parent).as_posix(),
                    *(
                        (
                            "这个项目这一年的年度报告已经有了，请直接修改这个文件",
                            "this project's report of that year exists already; edit this file",
                        )
                        if kind == "report"
                        else (
                            "文件已存在，请换一个标题或用 --slug 指定网址",
                            "already exists; choose another title or give --slug",
                        )
                    ),
                )
            ]
        )
    lines = [f"Title: {title}", f"Date: {now:%Y-%m-%d %H:%M}"]
    lines += (
        [f"Project: {project}", f"Year: {year}"] if kind == "report" else [f"Slug: {slug}"]
    )  # a report's address is its project's and year's
    lines += ["Tags: ", "Summary: "]
    if kind == "news":
        lines.append("Chapter: ")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + f"\n\n{PLACEHOLDER}\n", encoding="utf-8")
    return path


def _check_project(projects: Path, project: str, year: int) -> None:
    """A report of a project that data/projects.csv has, of a year it was open: the build would
    refuse the first, and show an empty account for the second."""
    if not projects.exists():
        return
    opened = {row["id"]: row.get("opened", "") for row in read_records(projects, "data/projects.csv")}
    if project not in opened:
        ids = "、".join(opened)
        raise ProblemsFound([Problem("invoke new", f"不是 data/projects.csv 里的项目编号，请写其中之一：{ids}",
                                     f"is not a project id in data/projects.csv; write one of {', '.join(opened)}",
                                     field="project", value=project)])  # fmt: skip
    try:
        told = report_before_opening(project, datetime.date.fromisoformat(opened[project]), year)
    except ValueError:
        return  # not a date: the build names the cell
    if told:
        raise ProblemsFound([Problem("invoke new", *told, field="year")])
