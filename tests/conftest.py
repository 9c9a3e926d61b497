"""Shared fixtures: the demo site built once, small repositories, a real server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from office.build import build_site
from tests.support import BUILD_DATE, ROOT, preview_server

# Real servers (the handler under gunicorn, git servers) for the tests of forms/ and office/.
pytest_plugins = ["tests.servers"]


@pytest.fixture
def in_beijing(monkeypatch) -> Iterator[None]:
    """This computer's time zone is Beijing's (UTC+08:00) for the test, as an office's is: the
    process's own zone (TZ), so times are turned local the way they are for an editor."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The whole demo site, built once per test run with a pinned 'today'."""
    output = tmp_path_factory.mktemp("demo") / "output"
    build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(output), "BUILD_DATE": BUILD_DATE})
    return output


@pytest.fixture(scope="session")
def published_site(tmp_path_factory) -> Path:
    """The demo site as `invoke publish` builds it (publishconf.py: the public address), once per
    test run, from a copy of the sources beside it, which the publishing tests go on to edit."""
    repo = tmp_path_factory.mktemp("publish-repo")
    shutil.copytree(ROOT / "content", repo / "content")
    shutil.copytree(ROOT / "data", repo / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    build_site(ROOT / "publishconf.py", {
        "PATH": str(repo / "content"), "OUTPUT_PATH": str(repo / "old"), "BUILD_DATE": BUILD_DATE,
        "DATA_PACKAGE": str(repo / "data/datapackage.yaml"), "FORMS_STAMP_SECRET": "s" * 40,
    })  # fmt: skip
    return repo / "old"


@pytest.fixture
def make_repo(tmp_path) -> Callable[..., Path]:
    """A small site in tmp_path: the demo data plus the content files given, nothing else."""

    def make(files: dict[str, str], data: dict[str, str] | None = None) -> Path:
        shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
        (tmp_path / "content").mkdir()
        for name, text in {**files, **(data or {})}.items():
            target = tmp_path / ("" if name.startswith("data/") else "content") / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return tmp_path

    return make


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A small project laid out as this one: one article, the demo's data, and copies of the
    settings files, so the folders they name relative to themselves (output/, output-publish/,
    cache/) are its own. Build it with tests.support.PROJECT as overrides."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    (tmp_path / "content/news").mkdir(parents=True)
    (tmp_path / "content/news/homecoming.md").write_text(
        "Title: 2026年校友返校日\nDate: 2026-10-18 09:00\n\n数千名校友回到学府路。\n", encoding="utf-8"
    )
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(ROOT / name, tmp_path / name)
        # Pelican loads a settings file as the module of its name: the project's own is put back.
        monkeypatch.setitem(sys.modules, name[:-3], sys.modules.get(name[:-3]))
        del sys.modules[name[:-3]]
    for name in ("theme", "forms"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


@pytest.fixture(scope="session")
def site_inbox(tmp_path_factory) -> Path:
    """Where the preview server's form handler writes submissions."""
    return tmp_path_factory.mktemp("inbox")


@pytest.fixture(scope="session")
def site_server(demo_site, site_inbox, tmp_path_factory) -> Iterator[str]:
    """The preview server (site and form handler) in its own process on a free port."""
    with preview_server(demo_site, site_inbox, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url
