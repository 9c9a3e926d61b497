"""Versions of the demo site for the publishing tests, each built once per test run with publishconf.py."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from office.build import build_site
from office.publishing import PublishReport, open_target, publish_site
from tests.support import BUILD_DATE, ROOT

# An article in the middle of the lists, and a story, with the pages they make.
EDITED_SOURCE, EDITED = (
    "news/chongqing-annual-meeting-2025.md",
    "news/chong-qing-xiao-you-hui-ju-xing-2025-nian-nian-hui.html",
)
DELETED_SOURCE, DELETED = (
    "stories/museum-restorer.md",
    "stories/sun-ya-qin-yu-gu-shu-hua-dui-hua-de-xiu-fu-shi.html",
)


@dataclass
class Versions:
    old: Path  # the demo site as published
    again: Path  # the same sources built again: must publish as nothing
    edited: Path  # one article's text changed
    pruned: Path  # and one story deleted
    renamed: Path  # pruned, and the association renamed: every page changes (a big publish to stop midway)


@pytest.fixture(scope="session")
def versions(published_site) -> Versions:
    repo = published_site.parent  # the demo's sources, built as published into repo/old

    def build(name: str, **settings) -> Path:
        output = repo / name
        build_site(ROOT / "publishconf.py", {
            "PATH": str(repo / "content"), "OUTPUT_PATH": str(output), "BUILD_DATE": BUILD_DATE,
            "DATA_PACKAGE": str(repo / "data/datapackage.yaml"), "FORMS_STAMP_SECRET": "s" * 40, **settings,
        })  # fmt: skip
        return output

    old, again = published_site, build("again")
    article = repo / "content" / EDITED_SOURCE
    article.write_text(article.read_text(encoding="utf-8") + "\n会后，校友们合影留念。\n", encoding="utf-8")
    edited = build("edited")
    (repo / "content" / DELETED_SOURCE).unlink()
    pruned = build("pruned")
    names = {"zh": "示例大学校友会", "en": "Example University Alumni"}
    renamed = build("renamed", SITENAME=names["zh"], SITE_NAMES=names)
    return Versions(old, again, edited, pruned, renamed)


def publish(output: Path, environ: dict[str, str], dry_run: bool = False) -> PublishReport:
    """What `invoke publish` does once the build is done."""
    return publish_site(ROOT / "publishconf.py", open_target(environ), environ, dry_run,
                        overrides={"OUTPUT_PATH": str(output)})  # fmt: skip


def files(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()}


def demo_copy(folder: Path, output: Path | None = None) -> dict:
    """A copy of the demo's content and data (no private files) in folder, and the settings that
    build it into output (folder/output unless given)."""
    shutil.copytree(ROOT / "content", folder / "content")
    shutil.copytree(ROOT / "data", folder / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    return {"PATH": str(folder / "content"), "DATA_PACKAGE": str(folder / "data/datapackage.yaml"),
            "OUTPUT_PATH": str(output or folder / "output"), "BUILD_DATE": BUILD_DATE}  # fmt: skip
