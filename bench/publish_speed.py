"""Publish time after a one-article edit, against a full upload, on a synthetic site of N articles.

Writes N synthetic Chinese news items (bench/build_speed.py's generator) beside a copy of the
demo data, builds them with publishconf.py, then times `publish_site` (what `invoke publish`
runs once the build is done) to two targets on this machine:

- s3: moto's S3 server on 127.0.0.1 (a new, empty bucket for the full upload);
- folder: rsync to a local folder (the same rsync command as to a server over ssh).

For each target: the full upload to an empty target, the same site again (nothing to send),
then one article edited and rebuilt, and its publish. Builds are timed apart from publishes.
Each publish is timed once per --repeat round, a new bucket and folder each round; medians
are printed. Loopback has no network latency: against a real bucket in another city, each of
the full upload's requests also waits a round trip, so the gap between the two is wider.

    .venv/bin/python bench/publish_speed.py --articles 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.build_speed import write_content  # noqa: E402
from office.build import build_site  # noqa: E402
from office.publishing import open_target, publish_site  # noqa: E402
from tests.support import free_port  # noqa: E402


def build(content: Path, data: Path, output: Path) -> float:
    started = time.perf_counter()
    build_site(REPO / "publishconf.py", {"PATH": str(content), "OUTPUT_PATH": str(output),
                                         "DATA_PACKAGE": str(data / "datapackage.yaml"), "BUILD_DATE": "2026-11-23"})  # fmt: skip
    return time.perf_counter() - started


def timed_publish(output: Path, environ: dict[str, str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    report = publish_site(REPO / "publishconf.py", open_target(environ), environ,
                          overrides={"OUTPUT_PATH": str(output)})  # fmt: skip
    return time.perf_counter() - started, len(report.changes.uploaded), report.changes.bytes


def requests(log: Path) -> Counter:
    """The requests moto has logged so far, by method ('"PUT /bucket/key HTTP/1.1" 200 -')."""
    text = log.read_text(encoding="utf-8", errors="replace")
    return Counter(line.split('"')[1].split()[0] for line in text.splitlines() if line.count('"') >= 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="publish-speed-") as tmp:
        tmp_path = Path(tmp)
        content, data = tmp_path / "content", tmp_path / "data"
        write_content(content, args.articles)
        shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("private", "inbox"))
        old, new = tmp_path / "old", tmp_path / "new"
        first_build = build(content, data, old)
        article = content / "news" / f"item-{args.articles // 2:05d}.md"
        article.write_text(
            article.read_text(encoding="utf-8") + "\n会后，校友们合影留念。\n", encoding="utf-8"
        )
        edit_build = build(content, data, new)
        files = sum(1 for p in old.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in old.rglob("*") if p.is_file())
        print(f"N={args.articles}: {files:,} files, {size / 1e6:.0f} MB; build {first_build:.1f}s, "
              f"rebuild after the edit {edit_build:.1f}s", flush=True)  # fmt: skip

        port = free_port()
        log = (tmp_path / "moto.log").open("w")
        moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            import boto3

            client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="bench",
                                  aws_secret_access_key="bench", region_name="us-east-1")  # fmt: skip
            results: dict[str, list[tuple[float, int, int]]] = {}
            for round_number in range(1, args.repeat + 1):
                bucket = f"bench-{round_number}"
                client.create_bucket(Bucket=bucket)
                targets = {
                    "s3": {"PUBLISH_URL": f"s3://{bucket}/www", "AWS_ACCESS_KEY_ID": "bench",
                           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                           "AWS_REGION": "us-east-1"},
                    "folder": {"PUBLISH_URL": str(tmp_path / f"site-{round_number}")},
                }  # fmt: skip
                for name, environ in targets.items():
                    for step, output in (("full", old), ("again", old), ("edit", new)):
                        before = requests(tmp_path / "moto.log")
                        result = timed_publish(output, environ)
                        results.setdefault(f"{name} {step}", []).append(result)
                        sent = ""
                        if name == "s3":
                            time.sleep(0.5)  # the server logs a request once it has answered
                            made = requests(tmp_path / "moto.log") - before
                            sent = ", requests " + " ".join(f"{m} {n}" for m, n in sorted(made.items()))
                        print(f"  round {round_number} {name} {step}: {result[0]:.2f}s, {result[1]} files, "
                              f"{result[2]:,} bytes{sent}", flush=True)  # fmt: skip
        finally:
            os.killpg(moto.pid, signal.SIGTERM)
            moto.wait(timeout=30)
            log.close()
    print(f"\n{'publish':<14}{'median s':>10}{'files sent':>12}{'bytes sent':>14}")
    for key, runs in results.items():
        print(f"{key:<14}{statistics.median(r[0] for r in runs):>10.2f}{runs[-1][1]:>12,}{runs[-1][2]:>14,}")
    for name in ("s3", "folder"):
        full = statistics.median(r[0] for r in results[f"{name} full"])
        edit = statistics.median(r[0] for r in results[f"{name} edit"])
        print(
            f"{name}: after a one-article edit {edit:.1f}s against {full:.1f}s for a full upload ({full / edit:.0f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
