"""Real servers in their own processes on 127.0.0.1: the form handler under gunicorn, its
production server, git servers (git daemon, git http-backend) for the git inbox, and an S3
server (moto) for the landing bucket."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from core.tables import parse_records
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


@dataclass
class GitServer:
    """A bare repository on a real git server on 127.0.0.1, and a look at it with the git binary."""

    url: str
    bare: Path

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "--git-dir", str(self.bare), *args], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip

    def settled(self, seconds: float = 10) -> None:
        """Wait until the server has finished every push it took: a client killed mid-push leaves
        its receive-pack on the server reading to the end, and a check of the repository made
        meanwhile (fsck) sees that push half done."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(_pushing(pid, self.bare) for pid in os.listdir("/proc")):
            time.sleep(0.05)

    def objects(self) -> bytes:
        """Every object the server holds, as git reads it (packed or loose, deltas resolved)."""
        return subprocess.run(["git", "--git-dir", str(self.bare), "cat-file", "--batch-all-objects", "--batch"],
                              capture_output=True, check=True).stdout  # fmt: skip

    def rows(self, path: str, branch: str = "submissions") -> list[dict[str, str]]:
        return parse_records(self.git("show", f"{branch}:{path}").encode(), path)


def _pushing(pid: str, bare: Path) -> bool:
    """Whether process pid is a receive-pack working in bare (the daemon runs it there as
    `git receive-pack .`)."""
    try:
        return (
            pid.isdigit()
            and b"receive-pack ." in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            and Path(f"/proc/{pid}/cwd").resolve() == bare.resolve()
        )
    except OSError:  # ended meanwhile
        return False


def bare_repository(folder: Path) -> Path:
    """site.git with a main branch holding one commit, as a site's repository would."""
    work, bare = folder / "work", folder / "repos" / "site.git"
    identity = ["-c", "user.name=Site", "-c", "user.email=site@example.invalid"]
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    # Hosting services tidy repositories on their own schedule, not in every push.
    subprocess.run(["git", "--git-dir", str(bare), "config", "receive.autogc", "false"], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    (work / "README.md").write_text("示例大学校友总会\n", encoding="utf-8")
    for command in (
        ["add", "README.md"],
        [*identity, "commit", "-qm", "Start the site"],
        ["push", "-q", str(bare), "main"],
    ):
        subprocess.run(["git", "-C", str(work), *command], check=True)  # fmt: skip
    return bare


@pytest.fixture
def git_daemon(tmp_path) -> Iterator[GitServer]:
    """git daemon serving a bare repository over git://, pushes allowed; stopped after the test."""
    bare, port = bare_repository(tmp_path), free_port()
    log = (tmp_path / "git-daemon.log").open("w")
    process = subprocess.Popen(
        ["git", "daemon", "--listen=127.0.0.1", f"--port={port}", f"--base-path={bare.parent}", "--export-all",
         "--enable=receive-pack", "--reuseaddr", "--informative-errors", str(bare.parent)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _listening(port):
        assert time.monotonic() < deadline and process.poll() is None, "git daemon did not start"
        time.sleep(0.05)
    yield GitServer(f"git://127.0.0.1:{port}/site.git", bare)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)
    log.close()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


GIT_USER, GIT_TOKEN = "office", "token-3f9c2a-do-not-log"


def http_backend(root: Path) -> Callable:
    """git http-backend (the git binary's smart HTTP, run as CGI) behind HTTP basic auth."""

    @Request.application
    def serve(request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (GIT_USER, GIT_TOKEN):
            return Response("", 401, {"WWW-Authenticate": 'Basic realm="git"'})
        body = request.get_data()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        environment = {"PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(root), "GIT_HTTP_EXPORT_ALL": "1",
                       "REQUEST_METHOD": request.method, "PATH_INFO": request.path, "REMOTE_USER": auth.username,
                       "QUERY_STRING": request.query_string.decode(), "CONTENT_TYPE": request.content_type or "",
                       "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
                       "GIT_PROTOCOL": request.headers.get("Git-Protocol", "")}  # fmt: skip
        output = subprocess.run(
            ["git", "http-backend"], input=body, env=environment, capture_output=True
        ).stdout
        end, separator = min((output.find(s), s) for s in (b"\r\n\r\n", b"\n\n") if s in output)
        head, payload = output[:end], output[end + len(separator) :]
        headers = dict(line.split(": ", 1) for line in head.decode().splitlines())
        status = int(headers.pop("Status", "200")[:3])
        return Response(payload, status, headers)

    return serve


@pytest.fixture
def git_http(tmp_path) -> Iterator[GitServer]:
    """The same repository over HTTP with a user name and token; stopped after the test."""
    bare = bare_repository(tmp_path)
    server = make_server("127.0.0.1", 0, http_backend(bare.parent), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield GitServer(f"http://127.0.0.1:{server.port}/site.git", bare)
    server.shutdown()
    thread.join(timeout=10)


S3_KEY, S3_SECRET = "AKIAS3TESTKEY", "s3-secret-5b2e-do-not-log"
# moto's S3 server under gunicorn (tests/s3app.py): one worker holds the buckets; twice as fast
# as moto's own server, and its access log lists every request.
S3_SERVER = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "16", "--worker-class", "gthread",
             "--log-level", "warning", "tests.s3app:application"]  # fmt: skip


@dataclass
class S3Server:
    """moto's S3 server on 127.0.0.1, speaking the S3 protocol as boto3 does, with its request log."""

    url: str
    log: Path

    def environ(self) -> dict[str, str]:
        """The AWS_* variables a function or an office would set to reach it."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET,
                "AWS_REGION": "us-east-1"}  # fmt: skip

    def publishing(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """What an office sets to publish to this bucket (and no other variable of this machine)."""
        return {"PUBLISH_URL": f"s3://{bucket}/{prefix}", **self.environ()}

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.url, aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET,
                            region_name="us-east-1")  # fmt: skip

    def new_bucket(self) -> str:
        """A fresh versioned bucket, as docs/deploy.md has an office make it."""
        name = f"forms-{uuid.uuid4().hex[:12]}"
        client = self.client()
        client.create_bucket(Bucket=name)
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def requests(self, settle: bool = True) -> list[str]:
        """The request lines the server has logged so far: 'PUT /bucket/key HTTP/1.1'. gunicorn logs
        a request once it has answered, so wait for the log to stop growing (unless watching a
        client at work)."""
        size = -1 if settle else self.log.stat().st_size
        while size != self.log.stat().st_size:
            size = self.log.stat().st_size
            time.sleep(0.05)
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [line.split('"')[1] for line in text.splitlines() if line.count('"') >= 2]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    """moto in server mode in its own process on a free port, for the whole run; each test makes
    its own bucket."""
    folder, port = tmp_path_factory.mktemp("moto"), free_port()
    log = folder / "access.log"
    with (folder / "moto.log").open("w") as out:
        process = subprocess.Popen([*S3_SERVER, "--bind", f"127.0.0.1:{port}", "--access-logfile", str(log)],
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", timeout=30)
        yield S3Server(f"http://127.0.0.1:{port}", log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@dataclass
class SshServer:
    """Debian's OpenSSH server on 127.0.0.1 with its own host key, and a client key it accepts."""

    port: int
    user: str
    key: str  # the client's private key, as an office keeps it in PUBLISH_SSH_KEY
    known_hosts: str  # the line for PUBLISH_SSH_KNOWN_HOSTS

    def environ(self, folder: Path) -> dict[str, str]:
        return {"PUBLISH_URL": f"ssh://{self.user}@127.0.0.1:{self.port}{folder}", "PUBLISH_SSH_KEY": self.key,
                "PUBLISH_SSH_KNOWN_HOSTS": self.known_hosts}  # fmt: skip


@pytest.fixture(scope="module")
def ssh_server(tmp_path_factory) -> Iterator[SshServer]:
    """sshd -D with a config, host key and authorized_keys in a temporary folder; stopped after the module."""
    import getpass
    import shutil

    folder, port = tmp_path_factory.mktemp("sshd"), free_port()
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    assert Path(sshd).exists() and shutil.which("rsync"), "make test installs openssh-server and rsync"
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\nPidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nLogLevel VERBOSE\n"
    )  # fmt: skip
    Path("/run/sshd").mkdir(exist_ok=True)  # its privilege separation folder, as Debian's service makes it
    log = (folder / "sshd.log").open("w")
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not _listening(port):
            assert time.monotonic() < deadline and process.poll() is None, (folder / "sshd.log").read_text()
            time.sleep(0.05)
        host_key = " ".join((folder / "host_key.pub").read_text().split()[:2])
        yield SshServer(
            port, getpass.getuser(), (folder / "client_key").read_text(), f"[127.0.0.1]:{port} {host_key}"
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()
