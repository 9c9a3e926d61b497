"""Edit to preview: how soon an edit is seen, and what a build after one edit costs, as the site grows.

For each size N this writes N synthetic news items (bench/build_speed.py's generator) beside the
demo data and times, in one run:

- full: our whole build from nothing (`build_site`, both editions and the search index; no
  output, manifest or reader cache), and bare Pelican's whole rebuild of the same content
  (empty settings), each in a fresh process, alternately, median of --rounds;
- preview: `invoke serve`'s live preview (office/live.py) on 127.0.0.1, from saving an edited
  article body to the served page showing the new text, and from saving a changed donation row
  to the served project page changing (each polled over HTTP every 10 ms, median of --rounds);
  and the same for an edit saved while the preview builds the last edit's pages, or makes
  the search index (it stops either build), as that build reads the sources and once Pagefind
  runs;
- build: `build_site` in a fresh process after a one-article edit, as `invoke build` runs it:
  seconds, files written, and the same with the search index's own time left out (when an
  indexed page changed, Pagefind makes its part of the index again: it cannot update one page).

    .venv/bin/python bench/edit_preview.py [--sizes 1000 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from build_speed import build_cache, write_content  # noqa: E402

from office.live import INDEX_AFTER  # noqa: E402
from tests.support import free_port, wait_until_up  # noqa: E402


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def _build(overrides: dict) -> tuple[float, dict]:
    """One build in a fresh process, as `invoke build` makes it: its wall time and its report."""
    code = ("import json, sys; from office.build import build_once; "
            f"r = build_once('pelicanconf.py', {overrides!r}); "
            "print(json.dumps({'written': len(r.written) + len(r.deleted), "
            "'index': sum(n.startswith('pagefind/') for n in r.written)}))")  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started, json.loads(result.stdout.strip().splitlines()[-1])


def _wait_for(url: str, seen, timeout: float = 120.0) -> float:
    """Seconds until the page at url satisfies seen(body)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if seen(response.read()):
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.01)
    raise TimeoutError(url)


def _index_made(index: Path, timeout: float) -> None:
    """Wait until the preview has made the search index again (it does once edits pause), so
    the next edit does not wait behind it; at most timeout seconds."""
    started, before = time.time(), time.time_ns()
    while time.time() - started < timeout:
        if max((p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()), default=0) > before:
            break
        time.sleep(0.2)
    time.sleep(1)


def _build_started(root: Path, phase: str, timeout: float = 120.0) -> None:
    """Wait until the preview builds the pages after an edit ("pages": its staging folder), or
    until the index build after it has started, then 0.2 s more ("reading") or until Pagefind
    runs ("pagefind": its folder of links)."""

    def staging() -> list[Path]:
        return [p for p in root.glob(".output-building-*") if "-index-" not in p.name]

    started = time.perf_counter()
    for waited in [staging] if phase == "pages" else [staging, lambda: not staging(), staging]:
        while not waited() and time.perf_counter() - started < timeout:
            time.sleep(0.005)
    if phase == "reading":
        time.sleep(0.2)
    while phase == "pagefind" and not any(root.glob(".output-building-*-index-*")):
        if time.perf_counter() - started > timeout:
            break
        time.sleep(0.005)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def measure(size: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="edit-preview-", ignore_cleanup_errors=True) as folder:
        root = Path(folder)
        shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("private", "inbox"))
        write_content(root / "content", size)
        overrides = {"PATH": str(root / "content"), "DATA_PACKAGE": str(root / "data/datapackage.yaml"),
                     "OUTPUT_PATH": str(root / "output"), "BUILD_DATE": "2026-11-23"}  # fmt: skip
        figures: dict = {}
        empty = root / "empty.py"
        empty.write_text("", encoding="utf-8")
        fulls, bares = [], []
        for _ in range(rounds):  # from nothing: no output, no manifest, no reader cache
            for folder in (
                root / "output",
                root / "bare",
                build_cache(root / "output"),
            ):
                shutil.rmtree(folder, ignore_errors=True)
            fulls.append(_build(overrides)[0])
            bares.append(_timed([sys.executable, "-m", "pelican", str(root / "content"), "-o",
                                 str(root / "bare"), "-s", str(empty), "-q"], root))  # fmt: skip
        figures["full"], figures["bare"] = statistics.median(fulls), statistics.median(bares)
        articles = sorted((root / "content/news").glob("*.md"))
        pages = {}  # source -> its page, found by its title
        for path in (root / "output/news").glob("*.html"):
            title = re.search(rb"<h1>(.*?)</h1>", path.read_bytes())
            if title:
                pages[title.group(1).decode()] = path.relative_to(root / "output").as_posix()

        def title_of(source: Path) -> str:
            return re.search(r"^Title: (.*)$", source.read_text(encoding="utf-8"), re.M).group(1)

        def page_of(source: Path) -> str:
            return pages[title_of(source)]

        # Items dated after the build's day are not published yet (plugins/schedule.py).
        articles = [source for source in articles if title_of(source) in pages]

        # invoke build after a one-article edit
        builds, written, index = [], [], []
        for number in range(rounds):
            _append(articles[(number * 7919 + 11) % len(articles)], f"\n构建第 {number} 句。\n")
            seconds, report = _build(overrides)
            builds.append(seconds)
            written.append(report["written"])
            index.append(report["index"])
        figures.update(build=statistics.median(builds), written=statistics.median(written),
                       index_files=statistics.median(index))  # fmt: skip
        overrides_pages = {**overrides, "SEARCH_INDEX": False, "OUTPUT_PATH": str(root / "pages")}
        _build(overrides_pages)
        builds = []
        for number in range(rounds):
            _append(articles[(number * 6007 + 5) % len(articles)], f"\n无索引第 {number} 句。\n")
            builds.append(_build(overrides_pages)[0])
        figures["build_no_index"] = statistics.median(builds)

        # the live preview
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "office.live", "--overrides", json.dumps(overrides),
                                   "--inbox", str(root / "inbox"), "--port", str(port)], cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)  # fmt: skip
        try:
            wait_until_up(f"http://127.0.0.1:{port}/", timeout=300)
            time.sleep(2)  # the watcher starts after the first build

            def shown(source: Path, marker: str) -> float:
                """Seconds from saving a sentence at the end of source to its page showing it."""
                _append(source, f"\n{marker}。\n")
                url = f"http://127.0.0.1:{port}/{page_of(source)}"
                return _wait_for(url, lambda b: marker.encode() in b)

            seen = []
            for number in range(rounds):
                seen.append(shown(articles[(number * 104729 + 3) % len(articles)], f"预览第{number}句{size}"))
                _index_made(root / "output/pagefind", INDEX_AFTER + 2 * figures["build"] + 10)
            figures["preview"] = statistics.median(seen)
            project = f"http://127.0.0.1:{port}/projects/cs-development-fund/"
            donations = root / "data/donations.csv"
            seen = []
            for number in range(rounds):
                with urllib.request.urlopen(project) as response:
                    before = response.read()
                text = donations.read_text(encoding="utf-8")
                donations.write_text(re.sub(r"(JZ2020-0003,[^,]*,[^,]*,[^,]*,[^,]*,)[0-9.]+", rf"\g<1>{5001 + number}.00", text), encoding="utf-8")  # fmt: skip
                seen.append(_wait_for(project, lambda b, old=before: b != old))
                _index_made(root / "output/pagefind", INDEX_AFTER + 2 * figures["build"] + 10)
            figures["donation"] = statistics.median(seen)
            # An edit that comes while the last one's pages are built, or while the index is
            # made (it stops that build): as the index build starts reading, and once Pagefind runs.
            for phase in ("pages", "reading", "pagefind"):
                seen = []
                for number in range(rounds):
                    source = articles[(number * 15485863 + 17) % len(articles)]
                    shown(source, f"先行第{number}句{size}{phase}")
                    _build_started(root, phase)
                    seen.append(shown(source, f"索引中第{number}句{size}{phase}"))
                    _index_made(root / "output/pagefind", INDEX_AFTER + 2 * figures["build"] + 10)
                figures[f"during_{phase}"] = statistics.median(seen)
        finally:  # the server and its build worker
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(f"{'N':>6} {'full ours':>10} {'full bare':>10} {'edit→page':>10} {'row→page':>9} "
          f"{'build after edit':>17} {'(no index)':>11} {'files':>6} {'build/full':>11}")  # fmt: skip
    for size in args.sizes:
        f = measure(size, args.rounds)
        print(f"{size:>6} {f['full']:>9.2f}s {f['bare']:>9.2f}s {f['preview']:>9.2f}s {f['donation']:>8.2f}s "
              f"{f['build']:>16.2f}s {f['build_no_index']:>10.2f}s {f['written']:>6.0f} "
              f"{f['build'] / f['full']:>10.0%}", flush=True)  # fmt: skip
        print(f"{'':>6} an edit while the preview builds the last one's pages -> page: {f['during_pages']:.2f}s; "
              f"while it makes the index: {f['during_reading']:.2f}s (as it reads the sources), "
              f"{f['during_pagefind']:.2f}s (as Pagefind runs)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
