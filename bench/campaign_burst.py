"""A campaign's burst, through the git storage and through the landing bucket with one fold.

The handler runs under gunicorn with single-request workers (gthread, one thread each), as a
cloud function runs one request per instance; 32 clients post 20 contact forms each on
keep-alive connections, all on 127.0.0.1. FORMS_STORAGE=git pushes every submission to the
review branch of a git daemon before answering; FORMS_STORAGE=s3 puts it in a bucket of moto's
S3 server (under gunicorn, tests/s3app.py) and one fold moves them all to the branch afterwards.
With --form event-registration they register for an event with 50 places: git tells each its
place as it answers; s3 answers "being counted" and the fold counts, writing every standing.

    .venv/bin/python bench/campaign_burst.py [--workers 16] [--clients 32] [--each 20] [--form event-registration]
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import tables  # noqa: E402
from core.definitions import load_forms  # noqa: E402
from core.sealing import generate_keypair  # noqa: E402
from forms.fold import Counting, fold  # noqa: E402
from forms.gitinbox import Branch, Remote  # noqa: E402
from forms.s3inbox import bucket_from_env  # noqa: E402
from tests.servers import S3_SERVER, bare_repository, launch, stop  # noqa: E402
from tests.support import free_port  # noqa: E402

EVENT = "uk-christmas-2026"  # 50 places, open on the tests' day (data/events.csv)
S3 = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}
# A gunicorn config file: each worker says when its app is loaded, so the burst starts when all are.
READY_HOOK = """
from pathlib import Path

def post_worker_init(worker):
    (Path({folder!r}) / str(worker.pid)).touch()
"""


def client(url: str, number: int, each: int, form: str) -> list[tuple[int, float, str]]:
    """One alumnus's browser on one keep-alive connection: (status, seconds, place) per post."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    answers = []
    for n in range(each):
        fields = (
            {"name": f"校友{number}", "email": f"a{number}-{n}@example.com", "subject": "返校日",
             "message": "我们班三十人报名。", "consent": "yes"}
            if form == "contact"
            else {"event": EVENT, "name": f"校友{number}-{n}", "mobile": f"139{number:04d}{n:04d}", "consent": "yes"}
        )  # fmt: skip
        started = time.monotonic()
        connection.request("POST", f"/api/forms/{form}", urlencode(fields),
                           {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})  # fmt: skip
        answer = connection.getresponse()
        said = json.loads(answer.read())
        answers.append((answer.status, time.monotonic() - started, str(said.get("place", ""))))
    connection.close()
    return answers


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline or process.poll() is not None:
            sys.exit("a server did not start")
        time.sleep(0.1)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--each", type=int, default=20)
    parser.add_argument("--form", choices=("contact", "event-registration"), default="contact")
    args = parser.parse_args()
    counting = Counting.of(
        load_forms(ROOT / "forms"), tables.read_records(ROOT / "data/events.csv", "events.csv")
    )
    recipient = generate_keypair()[1]
    rows = []
    for storage in ("git", "s3"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            bare = bare_repository(folder)
            git_port, s3_port = free_port(), free_port()
            servers = [subprocess.Popen(["git", "daemon", "--listen=127.0.0.1", f"--port={git_port}",
                                         f"--base-path={bare.parent}", "--export-all", "--enable=receive-pack",
                                         "--reuseaddr", str(bare.parent)], start_new_session=True,
                                        stderr=subprocess.DEVNULL)]  # fmt: skip
            wait_for(git_port, servers[0])
            git_url = f"git://127.0.0.1:{git_port}/site.git"
            env = {"FORMS_AGE_RECIPIENT": recipient, "FORMS_STORAGE": storage}
            if storage == "git":
                env.update(FORMS_GIT_URL=git_url)
            else:
                servers.append(subprocess.Popen([*S3_SERVER, "--bind", f"127.0.0.1:{s3_port}"], cwd=ROOT,
                                                start_new_session=True, stderr=subprocess.DEVNULL))  # fmt: skip
                wait_for(s3_port, servers[1])
                env.update(
                    S3, AWS_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}", FORMS_S3_URL="s3://campaign/landing"
                )
                bucket = bucket_from_env(env)
                bucket.client.create_bucket(Bucket=bucket.name)
            before = size(bare)
            ready = folder / "ready"
            ready.mkdir()
            (folder / "ready.py").write_text(READY_HOOK.format(folder=str(ready)), encoding="utf-8")
            env.update(GUNICORN_CMD_ARGS=f"--config {folder / 'ready.py'}")
            handler = launch(folder, workers=args.workers, threads=1, **env)
            deadline = time.monotonic() + 60
            while len(list(ready.iterdir())) < args.workers and time.monotonic() < deadline:
                time.sleep(0.1)
            try:
                started = time.monotonic()
                with ThreadPoolExecutor(args.clients) as pool:
                    posts = pool.map(client, [handler.url] * args.clients, range(args.clients), [args.each] * args.clients,
                                     [args.form] * args.clients)  # fmt: skip
                    answers = [answer for found in posts for answer in found]
                seconds = time.monotonic() - started
            finally:
                stop(handler)
            fold_seconds = 0.0
            if storage == "s3":
                started = time.monotonic()
                folded = fold(bucket_from_env(env), Branch(Remote(git_url)), counting=counting)
                fold_seconds = time.monotonic() - started
                assert folded.added == sum(1 for status, *_ in answers if status == 201), folded
                # What the status links now say: the fold's list of the standings it wrote.
                places = collections.Counter(
                    standing["place"] for standing in bucket_from_env(env).counted(args.form).values()
                )
            else:
                places = collections.Counter(place for status, _, place in answers if status == 201)
            if args.form != "contact":
                print(f"  {storage}: places {dict(places)} (standings written by the fold: "
                      f"{folded.standings if storage == 's3' else '-'})", flush=True)  # fmt: skip
            commits = subprocess.run(["git", "--git-dir", str(bare), "rev-list", "--count", "submissions"],
                                     capture_output=True, text=True).stdout.strip()  # fmt: skip
            grown = size(bare) - before
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=20)
        latencies = sorted(s for status, s, _ in answers if status == 201)
        stored = len(latencies)
        rows.append((storage, stored, len(answers) - stored, stored / seconds, statistics.median(latencies) * 1000,
                     latencies[int(len(latencies) * 0.99) - 1] * 1000, int(commits or 0), grown, fold_seconds))  # fmt: skip
        print(f"  {storage}: {stored} acknowledged in {seconds:.1f} s (load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    print(f"\n{args.clients} clients x {args.each} posts, gunicorn {args.workers} single-request workers")
    print(f"{'storage':8}{'stored':>8}{'refused':>8}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}{'commits':>9}{'repo +':>10}{'fold s':>8}")  # fmt: skip
    for storage, stored, refused, rate, p50, p99, commits, grown, fold_seconds in rows:
        print(f"{storage:8}{stored:8}{refused:8}{rate:8.0f}{p50:9.0f}{p99:9.0f}{commits:9}{grown / 2**20:8.1f} M{fold_seconds:8.1f}")  # fmt: skip
    print("refused: answered 503 (the branch could not be pushed to in time); repo +: the bare repository's growth, "
          "loose objects before any gc; s3: the fold's commit and its time included")  # fmt: skip


if __name__ == "__main__":
    main()
