"""Shared fixtures: the demo site built once, small repositories, a real server on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plugins.build import build_site

ROOT = Path(__file__).resolve().parents[1]
BUILD_DATE = "2026-11-23"


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The whole demo site, built once per test run with a pinned 'today'."""
    output = tmp_path_factory.mktemp("demo") / "output"
    build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(output), "BUILD_DATE": BUILD_DATE})
    return output


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


def build_repo(repo: Path):
    """Build a repository made by make_repo with the project's settings."""
    return build_site(
        ROOT / "pelicanconf.py",
        {
            "PATH": str(repo / "content"),
            "OUTPUT_PATH": str(repo / "output"),
            "DATA_PACKAGE": str(repo / "data" / "datapackage.yaml"),
            "BUILD_DATE": BUILD_DATE,
        },
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers, even if not with 200
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout}s")


@pytest.fixture(scope="session")
def site_server(demo_site, tmp_path_factory) -> Iterator[str]:
    """The preview server in its own process on a free port, serving the demo site."""
    port = free_port()
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "plugins.preview", "--directory", str(demo_site), "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
