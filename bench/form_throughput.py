"""Submissions per second and latency of the form handler, against a trivial WSGI app.

Both run under the same production server (gunicorn, gthread workers) on 127.0.0.1 and get
the same load from wrk: 64 connections posting a valid contact form for a fixed time. The
handler checks each submission and appends it to the inbox with fsync; the trivial app only
answers 201. wrk comes from Debian (apt-get install wrk).

The load starts once every worker has loaded its app. wrk opens its 64 keep-alive connections
at once and keeps them for the whole run, so a worker still importing the app then would get
none of them and the run would measure fewer workers than configured.

    .venv/bin/python bench/form_throughput.py [--seconds 10] [--connections 64] [--repeat 3]
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
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
TRIVIAL = """
def application(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
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


def serve(app: str, folder: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FORMS_INBOX": str(folder / "inbox"),
        "FORMS_RATE_PER_MINUTE": "0",
        "PYTHONPATH": str(folder),
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
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "trivial_app.py").write_text(TRIVIAL, encoding="utf-8")
        script = folder / "post.lua"
        script.write_text(SCRIPT, encoding="utf-8")
        runs: dict[str, list[dict[str, float]]] = {"trivial": [], "handler": []}
        for _ in range(args.repeat):
            for name, app, port in (
                ("trivial", "trivial_app:application", 8871),
                ("handler", "forms.wsgi:application", 8872),
            ):
                process = serve(app, folder, port, args.workers, args.threads)
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
        rows = sum(1 for _ in (folder / "inbox" / "contact-v1.csv").open(encoding="utf-8")) - 1
    print(
        f"gunicorn gthread {args.workers} workers x {args.threads} threads; wrk {args.connections} connections, {args.seconds}s each"
    )
    print(f"{'app':10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in results.items():
        print(f"{name:10}{r['rps']:10.0f}{r['p50']:10.2f}{r['p99']:10.2f}{r['non_2xx']:10}")
    share = results["handler"]["rps"] / results["trivial"]["rps"]
    print(f"handler rows written: {rows:,} (each fsync'ed before its answer)")
    print(
        f"handler throughput = {share:.0%} of the trivial app's (target >= 50%); p99 {results['handler']['p99']:.1f} ms (target < 50 ms)"
    )


if __name__ == "__main__":
    main()
