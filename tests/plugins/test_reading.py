"""Markdown converted in worker processes reads exactly as Pelican's reader, warnings and errors too."""

import filecmp
import os

import pytest
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

import pelicanconf
from core.problems import ProblemsFound
from tests.support import build_repo

ONE_CORE = [p for p in pelicanconf.PLUGINS if p != "plugins.reading"]

# A worker keeps one converter for all its files: what one file defines must not reach the next.
TRICKY = {
    "news/a-first.md": (
        "Title: 脚注与缩写\nDate: 2026-01-02\n\n"
        "校友会[^1]发布 HTML 页面。\n\n[^1]: 示例大学校友会。\n\n*[HTML]: Hyper Text Markup Language\n"
    ),
    "news/b-second.md": "Title: 第二篇\nDate: 2026-01-03\n\n这里也有 HTML[^1] 但没有定义。\n",
}  # two files, so one worker converts both (workers take files eight at a time)


def _same_tree(left, right) -> bool:
    """The same files with the same bytes; feeds left out (an empty feed is dated when built)."""
    comparison = filecmp.dircmp(left, right, ignore=["feeds"])
    if comparison.left_only or comparison.right_only:
        return False
    if filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)[1:] != ([], []):
        return False
    return all(_same_tree(left / name, right / name) for name in comparison.common_dirs)


def test_workers_write_the_same_pages_as_pelicans_reader(make_repo, tmp_path):
    repo = make_repo(TRICKY)
    build_repo(repo, SEARCH_INDEX=False, OUTPUT_PATH=str(tmp_path / "workers"))
    build_repo(repo, SEARCH_INDEX=False, OUTPUT_PATH=str(tmp_path / "pelican"), PLUGINS=ONE_CORE)
    assert _same_tree(tmp_path / "workers", tmp_path / "pelican")
    second = (tmp_path / "workers/news/di-er-pian.html").read_text(encoding="utf-8")
    assert "<abbr" not in second and "示例大学校友会" not in second  # nothing left from the first file


def test_a_warning_made_in_a_worker_is_in_the_build_report(make_repo):
    repo = make_repo({"news/twice.md": "Title: 两个日期\nDate: 2026-01-02\nDate: 2026-01-03\n\n正文\n"})
    report = build_repo(repo, SEARCH_INDEX=False)
    assert any("Duplicate definition of `date`" in warning for warning in report.warnings)


def test_a_file_a_worker_cannot_read_is_reported_as_pelican_reports_it(make_repo):
    repo = make_repo({"news/good.md": "Title: 好\nDate: 2026-01-02\n\n正文\n"})
    (repo / "content/news/broken.md").write_bytes(
        "Title: 坏\nDate: 2026-01-02\n\n".encode() + b"\xff\xfe\xfa"
    )
    found = []
    for plugins in (pelicanconf.PLUGINS, ONE_CORE):
        with pytest.raises(ProblemsFound) as stopped:
            build_repo(repo, SEARCH_INDEX=False, PLUGINS=plugins)
        found.append([problem.sentence() for problem in stopped.value.problems])
    assert found[0] == found[1]
    assert found[0][0].startswith("content/news/broken.md")


class _KillTheWorker(Preprocessor):
    """Ends the worker process converting a file that asks for it (the build's own process lives)."""

    def __init__(self, md, parent: int) -> None:
        super().__init__(md)
        self.parent = parent

    def run(self, lines: list[str]) -> list[str]:
        if any("KILL-WORKER" in line for line in lines) and os.getpid() != self.parent:
            os._exit(9)
        return lines


class _KillExtension(Extension):
    def __init__(self) -> None:
        super().__init__()
        self.parent = os.getpid()  # the build's process; converters are made in the workers

    def extendMarkdown(self, md) -> None:
        md.preprocessors.register(_KillTheWorker(md, self.parent), "kill-worker", 40)


def test_a_worker_that_dies_leaves_its_files_to_the_build(make_repo):
    files = {
        f"news/n{n:02d}.md": f"Title: 第{n}篇\nDate: 2026-01-{n:02d}\n\n正文{n}。\n" for n in range(1, 21)
    }
    files["news/n10.md"] = "Title: 第10篇\nDate: 2026-01-10\n\nKILL-WORKER 正文10。\n"
    repo = make_repo(files)
    markdown = {**pelicanconf.MARKDOWN, "extensions": [_KillExtension()]}
    report = build_repo(repo, SEARCH_INDEX=False, MARKDOWN=markdown)
    assert report.warnings == []
    for n in range(1, 21):
        assert f"正文{n}。" in (repo / f"output/news/di-{n}-pian.html").read_text(encoding="utf-8")
