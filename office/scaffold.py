"""New content files with the front matter editors would otherwise type by hand."""

from __future__ import annotations

import datetime
from pathlib import Path

from core.problems import Problem, ProblemsFound
from core.slugs import pinyin_slug

FOLDERS = {"news": "news", "story": "stories", "report": "reports"}


def new_content(
    content_dir: Path,
    kind: str,
    title: str,
    now: datetime.datetime,
    slug: str | None = None,
    project: str | None = None,
) -> Path:
    """Write content/<folder>/<slug>.md with Title, Date, Slug and the fields the kind needs."""
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
    slug = slug or pinyin_slug(title)
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
                    path.as_posix(),
                    "文件已存在，请换一个标题或用 --slug 指定网址",
                    "already exists; choose another title or give --slug",
                )
            ]
        )
    lines = [f"Title: {title}", f"Date: {now:%Y-%m-%d %H:%M}", f"Slug: {slug}", "Tags: ", "Summary: "]
    if kind == "news":
        lines.append("Chapter: ")
    if kind == "report":
        lines += [f"Project: {project}", f"Year: {now.year - 1}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n\n在这里写正文。\n", encoding="utf-8")
    return path
