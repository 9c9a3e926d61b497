"""The form handler under gunicorn, its production server, in its own process on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import BUILD_DATE, ROOT, free_port, wait_until_up


@dataclass
class Handler:
    url: str
    inbox: Path
    process: subprocess.Popen

    def kill(self) -> None:
        """kill -9 of the server and its workers, as a crash or a pulled plug would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def launch(folder: Path, workers: int = 2, threads: int = 8, **env: str) -> Handler:
    """Start gunicorn with the handler; its inbox and log go to folder."""
    port, inbox = free_port(), folder / "inbox"
    environment = {
        **os.environ,
        "FORMS_INBOX": str(inbox),
        "FORMS_TODAY": BUILD_DATE,
        "FORMS_RATE_PER_MINUTE": "0",
        "FORMS_ALLOWED_ORIGINS": "https://alumni.example.org",
        **env,
    }
    log = (folder / f"gunicorn-{port}.log").open("w")  # the server writes it; we close our copy
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--threads", str(threads), "--worker-class", "gthread", "forms.wsgi:application"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    handler = Handler(f"http://127.0.0.1:{port}", inbox, process)
    wait_until_up(handler.url + "/api/forms/contact")
    return handler


def stop(handler: Handler) -> None:
    if handler.process.poll() is None:
        os.killpg(handler.process.pid, signal.SIGTERM)
        handler.process.wait(timeout=10)


@pytest.fixture
def start_handler(tmp_path) -> Iterator[Callable[..., Handler]]:
    """Start handlers with chosen settings; all are stopped after the test."""
    started: list[Handler] = []

    def start(**kwargs) -> Handler:
        started.append(launch(tmp_path, **kwargs))
        return started[-1]

    yield start
    for handler in started:
        stop(handler)


@pytest.fixture(scope="module")
def handler(tmp_path_factory) -> Iterator[Handler]:
    """One handler shared by a module's tests."""
    running = launch(tmp_path_factory.mktemp("handler"))
    yield running
    stop(running)
