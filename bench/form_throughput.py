"""Submissions per second and latency of the form handler, against a trivial WSGI app.

Both run under the same production server (gunicorn, gthread workers) on 127.0.0.1 and get
the same load from wrk: 64 connections posting a valid contact form for a fixed time. The
handler checks each submission and appends it to the inbox with fsync; the trivial app only
answers 201. wrk comes from Debian (apt-get install wrk).

With --storage s3 the handler lands each submission, sealed, as one object in a bucket of
moto's S3 server started on 127.0.0.1 (FORMS_STORAGE=s3, the campaign path; moto under
gunicorn, tests/s3app.py), and is compared
with a trivial lander: an app that puts the body it got as one object with the same boto3
settings and answers 201, the least any app must do to acknowledge a stored submission on that
path. The trivial app that only answers is measured too, for reference.

The load starts once every worker has loaded its app. wrk opens its 64 keep-alive connections
at once and keeps them for the whole run, so a worker still importing the app then would get
none of them and the run would measure fewer workers than configured.

    .venv/bin/python bench/form_throughput.py [--seconds 10] [--connections 64] [--repeat 3]
    .venv/bin/python bench/form_throughput.py --storage s3 --connections 16
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
TRIVIAL = """
def application(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("201 Created", [("Content-Type", "application/json")])
    return [b'{"id": "0"}']
"""
# The least an app does to acknowledge a submission it stored in a bucket: one PUT of the body,
# with the handler's client settings (forms/s3inbox.py).
TRIVIAL_LANDER = """
import uuid

from forms.s3inbox import bucket_from_env

BUCKET = bucket_from_env()


def application(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    BUCKET.client.put_object(Bucket=BUCKET.name, Key=f"{BUCKET.prefix}trivial/{uuid.uuid4().hex}.csv", Body=body)
    start_response("201 Created", [("Content-Type", "application/json")])
    return [b'{"id": "0"}']
"""
BODY = urlencode({"name": "压测校友", "email": "bench@example.com", "subject": "基准测试",
                  "message": "这是一条用于测量吞吐量的留言。", "consent": "yes"})  # fmt: skip
SCRIPT = f"""
wrk.method = "POST"
wrk.body = "{BODY}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
"""


# A gunicorn config file, the same for both apps: each worker says when its app is loaded.
READY_HOOK = """
from pathlib import Path

def post_worker_init(worker):
    (Path({folder!r}) / "ready" / str(worker.pid)).touch()
"""


def serve(app: str, folder: Path, port: int, workers: int, threads: int, extra: dict) -> subprocess.Popen:
    env = {
        **os.environ,
        "FORMS_INBOX": str(folder / "inbox"),
        "FORMS_RATE_PER_MINUTE": "0",
        "PYTHONPATH": f"{folder}:{ROOT}",
        **extra,
    }
    ready = folder / "ready"
    shutil.rmtree(ready, ignore_errors=True)
    ready.mkdir()
    config = folder / "gunicorn_ready.py"
    config.write_text(READY_HOOK.format(folder=str(folder)), encoding="utf-8")
    command = [sys.executable, "-m", "gunicorn", "--config", str(config), "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
               "--log-level", "warning", app]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(list(ready.iterdir())) < workers:
        time.sleep(0.05)
    if len(list(ready.iterdir())) < workers:
        os.killpg(process.pid, signal.SIGTERM)
        sys.exit(f"{app}: not all {workers} gunicorn workers started within 20 s")
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/forms/contact", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    return process


def load(port: int, seconds: int, connections: int, script: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/api/forms/contact",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(percent: str) -> float:
        value, suffix = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * unit[suffix]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each app, taking turns; medians are reported"
    )
    parser.add_argument(
        "--storage", choices=("local", "s3"), default="local", help="s3: the landing bucket (moto)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "trivial_app.py").write_text(TRIVIAL, encoding="utf-8")
        (folder / "trivial_lander.py").write_text(TRIVIAL_LANDER, encoding="utf-8")
        script = folder / "post.lua"
        script.write_text(SCRIPT, encoding="utf-8")
        apps = [("trivial", "trivial_app:application", 8871), ("handler", "forms.wsgi:application", 8872)]
        extra, moto = {}, None
        if args.storage == "s3":
            apps.insert(1, ("lander", "trivial_lander:application", 8873))
            moto, extra = start_moto(folder)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in apps}
        for _ in range(args.repeat):
            for name, app, port in apps:
                process = serve(app, folder, port, args.workers, args.threads, extra)
                try:
                    runs[name].append(load(port, args.seconds, args.connections, script))
                finally:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=20)
                r = runs[name][-1]
                print(f"  run {len(runs[name])} {name:8} {r['rps']:7.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms"
                      f"  (load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
        results = {
            name: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for name, rs in runs.items()
        }
        if moto:
            rows = count_objects(extra)
            os.killpg(moto.pid, signal.SIGTERM)
            moto.wait(timeout=20)
        else:
            rows = sum(1 for _ in (folder / "inbox" / "contact-v1.csv").open(encoding="utf-8")) - 1
    print(
        f"gunicorn gthread {args.workers} workers x {args.threads} threads; wrk {args.connections} connections, {args.seconds}s each"
    )
    print(f"{'app':10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in results.items():
        print(f"{name:10}{r['rps']:10.0f}{r['p50']:10.2f}{r['p99']:10.2f}{r['non_2xx']:10}")
    if moto:
        share = results["handler"]["rps"] / results["lander"]["rps"]
        print(f"objects landed by the handler: {rows:,} (each stored before its answer)")
        print(f"handler throughput = {share:.0%} of the trivial lander's (target >= 50%), "
              f"{results['handler']['rps'] / results['trivial']['rps']:.0%} of the trivial app's; "
              f"p99 {results['handler']['p99']:.1f} ms (target < 100 ms)")  # fmt: skip
        return
    share = results["handler"]["rps"] / results["trivial"]["rps"]
    print(f"handler rows written: {rows:,} (each fsync'ed before its answer)")
    print(
        f"handler throughput = {share:.0%} of the trivial app's (target >= 50%); p99 {results['handler']['p99']:.1f} ms (target < 50 ms)"
    )


def start_moto(folder: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """moto's S3 server on 127.0.0.1 with a fresh bucket; the settings of the landing path."""
    sys.path.insert(0, str(ROOT))
    from core.sealing import generate_keypair

    port = 8874
    # moto's S3 server under gunicorn, as the tests run it (tests/s3app.py): one worker, 16 threads.
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "16", "--worker-class", "gthread",
               "--log-level", "warning", "--bind", f"127.0.0.1:{port}", "tests.s3app:application"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_REGION": "us-east-1", "FORMS_STORAGE": "s3", "FORMS_S3_URL": f"s3://bench-{uuid.uuid4().hex[:8]}/landing",
           "FORMS_AGE_RECIPIENT": generate_keypair()[1]}  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(env["AWS_ENDPOINT_URL"], timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("moto's S3 server did not start within 30 s")
            time.sleep(0.2)
    from forms.s3inbox import bucket_from_env

    bucket = bucket_from_env(env)
    bucket.client.create_bucket(Bucket=bucket.name)
    return process, env


def count_objects(env: dict[str, str]) -> int:
    """The submissions the handler landed (the trivial lander's objects aside)."""
    from forms.s3inbox import bucket_from_env

    bucket = bucket_from_env(env)
    return len(bucket.landed(10**9)[0])


if __name__ == "__main__":
    main()
