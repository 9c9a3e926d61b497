"""Bytes a push sends: a fold of 100 rows into a review branch already holding 30,000 rows,
against the whole-file push of the git storage before the campaign path.

Everything runs on 127.0.0.1: a git daemon with a bare repository, moto's S3 server under
gunicorn (tests/s3app.py) for the landing bucket, and a counting TCP relay in front of the git
daemon that adds up the bytes each way. Rows are update forms as alumni send them in a campaign,
sealed for real (mobile, e-mail and address: about 1.5 KB a row, mostly ciphertext, which
does not compress).

1. today: the branch holds update-v1.csv with 30,000 rows; one commit appends 100 rows to it,
   pushed as whole files (Branch(thin=False): what every push sent before).
2. fold, rotated by month: the 30,000 rows are in monthly files, 2,500 a month for a year;
   100 submissions land in the bucket and one fold moves them (a delta of this month's file).
3. fold into a branch whose 30,000 rows are all this month's (the worst case for rotation).
4. fold as in 2, but pushing whole files (thin=False): what rotation alone would give.

    .venv/bin/python bench/fold_push.py [--rows 30000] [--new 100]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import tables  # noqa: E402
from core.definitions import load_forms  # noqa: E402
from core.sealing import Sealer, generate_keypair  # noqa: E402
from forms.fold import fold  # noqa: E402
from forms.gitinbox import Branch, Change, Remote, month_file  # noqa: E402
from forms.inbox import header  # noqa: E402
from forms.s3inbox import S3Inbox, bucket_from_env  # noqa: E402

UPDATE = load_forms(ROOT / "forms")["update"]
SEALER = Sealer(generate_keypair()[1])


def values(number: int) -> dict[str, str]:
    typed = {"name": f"校友{number}", "gender": "female", "relation": "student", "degree": "bachelor",
             "year_entered": "1998", "year_graduated": "2002", "college": "计算机学院", "major": "软件工程",
             "employer": "示例科技有限公司", "job_title": "工程师", "mobile": f"139{number:08d}",
             "email": f"alumnus{number}@example.com", "address": f"示例市学府路{number % 500}号", "consent": "yes"}  # fmt: skip
    return SEALER.seal_values(UPDATE, typed)


def line(number: int, received: datetime.datetime) -> bytes:
    row = values(number)
    cells = [uuid.uuid4().hex, received.isoformat(timespec="milliseconds"), str(UPDATE.version)]
    return tables.line(cells + [row.get(column, "") for column in UPDATE.columns])


class Relay:
    """A TCP relay to the git daemon that counts the bytes sent each way."""

    def __init__(self, target: int):
        self.target, self.up, self.down = target, 0, 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            client, _ = self.server.accept()
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pipe, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client, "down"), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket, way: str) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                setattr(self, way, getattr(self, way) + len(data))
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)  # the other way may still be talking (git half-closes)

    def reset(self) -> None:
        self.up = self.down = 0


def start(command: list[str], port: int, cwd: Path) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if time.monotonic() > deadline or process.poll() is not None:
            sys.exit(f"{command[0]} did not start")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def objects_size(bare: Path) -> int:
    return sum(path.stat().st_size for path in (bare / "objects").rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000, help="rows on the branch before")
    parser.add_argument("--new", type=int, default=100, help="rows the push adds")
    args = parser.parse_args()
    now = datetime.datetime.now(datetime.UTC)
    months = [(now.replace(day=1) - datetime.timedelta(days=31 * back)).replace(day=15) for back in range(12)]
    print(f"sealing {args.rows:,} update rows ...", flush=True)
    started = time.monotonic()
    old = [line(n, months[n % 12] if n % 12 else now) for n in range(args.rows)]
    print(
        f"  {time.monotonic() - started:.0f} s; {sum(map(len, old)) / len(old):.0f} bytes a row", flush=True
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = folder / "site.git"
        subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
        subprocess.run(["git", "--git-dir", str(bare), "config", "receive.autogc", "false"], check=True)
        git_port, s3_port = free_port(), free_port()
        daemon = start(["git", "daemon", "--listen=127.0.0.1", f"--port={git_port}", f"--base-path={folder}",
                        "--export-all", "--enable=receive-pack", "--reuseaddr", str(folder)], git_port, folder)  # fmt: skip
        moto = start([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "16", "--worker-class",
                      "gthread", "--log-level", "warning", "--bind", f"127.0.0.1:{s3_port}", "tests.s3app:application"],
                     s3_port, ROOT)  # fmt: skip
        relay = Relay(git_port)
        url = f"git://127.0.0.1:{relay.port}/site.git"
        env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}", "AWS_ACCESS_KEY_ID": "bench",
               "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}  # fmt: skip
        results = []
        try:
            head = header(UPDATE)

            def prepare(branch: str, files: dict[str, bytes]) -> None:
                Branch(Remote(url, branch=branch)).commit(lambda _: Change(files, "30,000 rows before"))

            def measure(name: str, push) -> None:
                before = objects_size(bare)
                relay.reset()
                started = time.monotonic()
                push()
                seconds = time.monotonic() - started
                results.append((name, relay.up, relay.down, objects_size(bare) - before, seconds))
                print(f"  {name}: {relay.up:,} bytes up, {relay.down:,} down, {seconds:.1f} s", flush=True)

            # 1. today: one file per form version, whole files pushed
            prepare("today", {"update-v1.csv": head + b"".join(old)})
            new = b"".join(line(args.rows + n, now) for n in range(args.new))

            def append_whole() -> None:
                branch = Branch(Remote(url, branch="today"), thin=False)
                branch.commit(lambda tip: Change({"update-v1.csv": tip.read("update-v1.csv") + new}, "Add"))

            measure("today: append to update-v1.csv, whole file", append_whole)

            def rotated(rows: list[bytes], received: list[datetime.datetime]) -> dict[str, bytes]:
                files: dict[str, list[bytes]] = {}
                for row, when in zip(rows, received, strict=True):
                    files.setdefault(
                        month_file("update", UPDATE.version, when.strftime("%Y-%m")), [head]
                    ).append(row)
                return {path: b"".join(lines) for path, lines in files.items()}

            spread = [months[n % 12] if n % 12 else now for n in range(args.rows)]
            this_month = f"{(args.rows + 11) // 12:,} this month"
            for name, branch, files, thin in (
                (f"fold, monthly files ({this_month})", "fold", rotated(old, spread), True),
                (
                    f"fold, all {args.rows:,} rows this month",
                    "fold-one-month",
                    rotated(old, [now] * len(old)),
                    True,
                ),
                ("fold, monthly files, whole files pushed", "fold-whole", rotated(old, spread), False),
            ):
                prepare(branch, files)
                bucket = bucket_from_env(
                    {**env, "FORMS_S3_URL": f"s3://bench-{uuid.uuid4().hex[:8]}/landing"}
                )
                bucket.client.create_bucket(Bucket=bucket.name)
                inbox = S3Inbox(bucket)
                for n in range(args.new):
                    inbox.append(UPDATE, values(args.rows + n))

                def run(bucket=bucket, branch=branch, thin=thin) -> None:
                    folded = fold(bucket, Branch(Remote(url, branch=branch), thin=thin))
                    assert folded.added == args.new and folded.commits == 1, folded

                measure(name, run)
        finally:
            for process in (daemon, moto):
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{args.new} rows pushed onto a branch holding {args.rows:,} (update form, 3 sealed fields)")
    print(f"{'push':45}{'sent (push)':>14}{'fetched':>14}{'server +':>14}{'seconds':>9}")
    for name, up, down, stored, seconds in results:
        print(f"{name:45}{up / 1024:12,.0f} K{down / 1024:12,.0f} K{stored / 1024:12,.0f} K{seconds:9.1f}")
    print("sent: every byte this side sent to the git daemon (the push and the fetch's requests); fetched: the "
          "tip's files, at depth 1; server +: what the repository grew by (loose objects, before any gc)")  # fmt: skip


if __name__ == "__main__":
    main()
