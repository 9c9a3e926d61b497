"""What tests share besides fixtures: the project's root, a pinned build date, helpers."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from office.build import build_site

ROOT = Path(__file__).resolve().parents[1]
BUILD_DATE = "2026-11-23"


def build_repo(repo: Path, **settings):
    """Build a repository made by the make_repo fixture with the project's settings (and these)."""
    return build_site(
        ROOT / "pelicanconf.py",
        {
            "PATH": str(repo / "content"),
            "OUTPUT_PATH": str(repo / "output"),
            "DATA_PACKAGE": str(repo / "data" / "datapackage.yaml"),
            "BUILD_DATE": BUILD_DATE,
            **settings,
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
