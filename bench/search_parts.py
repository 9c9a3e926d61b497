"""What an index in parts costs a visitor: a first search on the site, one index against parts.

plugins/search.py makes a big site's search index in parts of SEARCH_PART_PAGES pages per
language, which theme/static/js/search.js merges in the browser. For each size N this writes N
synthetic news items (bench/build_speed.py's generator), builds the site once as one index and
once per part size given, serves each with the preview server on 127.0.0.1, and searches it
in Debian's headless Chromium with an empty cache, as a visitor's first search: the requests
made and bytes received from typing the words to the results being shown, and the time that
took (median of the queries, each --rounds times). It also prints each build's time.

    .venv/bin/python bench/search_parts.py [--sizes 5000] [--part-pages 1000 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from build_speed import write_content  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from office.build import build_site  # noqa: E402
from tests.e2e.conftest import CHROMIUM, QUIET  # noqa: E402
from tests.support import preview_server  # noqa: E402

# One word, a common one, two words, and a word with the one index and every part lacking.
QUERIES = ["返校日", "校友", "重庆 读书会", "校友 不存在的词"]
ONE_INDEX = 10**9


def first_search(browser, site: str, words: str) -> tuple[int, int, int, float]:
    """Requests, bytes received (all, the index's) and seconds from typing the words to results
    (or "nothing") shown."""
    context = browser.new_context()  # an empty cache: the visitor's first search
    page = context.new_page()
    page.goto(f"{site}/search/")
    page.wait_for_load_state("networkidle")
    finished: list = []
    page.on("requestfinished", lambda request: finished.append(request))
    started = time.perf_counter()
    page.fill("#search-words", words)
    page.wait_for_function("document.querySelector('.search-status').textContent !== ''", timeout=60_000)
    seconds = time.perf_counter() - started - 0.25  # search.js waits 0.25 s after typing
    page.wait_for_load_state("networkidle")
    sizes = [(request.url, request.sizes()["responseBodySize"]) for request in finished]
    context.close()
    # The index's own files, apart from Pagefind's script and WebAssembly (the same either way).
    index = sum(size for url, size in sizes if not url.endswith((".js", ".pagefind")))
    return len(sizes), sum(size for _, size in sizes), index, seconds


def measure(size: int, part_pages: list[int], rounds: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="search-parts-") as folder, sync_playwright() as playwright:
        root = Path(folder)
        shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("private", "inbox"))
        write_content(root / "content", size)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        for pages in [ONE_INDEX, *part_pages]:
            output = root / f"output-{pages}"
            started = time.perf_counter()
            build_site(REPO / "pelicanconf.py", {"PATH": str(root / "content"), "OUTPUT_PATH": str(output),
                                                 "DATA_PACKAGE": str(root / "data/datapackage.yaml"),
                                                 "BUILD_DATE": "2026-11-23", "SEARCH_PART_PAGES": pages})  # fmt: skip
            built = time.perf_counter() - started
            parts = 1 + (output / "pagefind/parts.json").read_text(encoding="utf-8").count("/")
            with preview_server(output, root / "inbox", root / "server.log") as site:
                found = [first_search(browser, site, words) for words in QUERIES for _ in range(rounds)]
            rows.append({"pages": pages, "parts": parts, "build": built,
                         "requests": statistics.median(f[0] for f in found),
                         "kb": statistics.median(f[1] for f in found) / 1024,
                         "index_kb": statistics.median(f[2] for f in found) / 1024,
                         "seconds": statistics.median(f[3] for f in found)})  # fmt: skip
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000])
    parser.add_argument("--part-pages", type=int, nargs="+", default=[1000, 500])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{'N':>6} {'part pages':>10} {'parts':>5} {'build':>8} {'requests':>8} {'received':>9} "
          f"{'of the index':>12} {'to results':>10}")  # fmt: skip
    for size in args.sizes:
        for row in measure(size, args.part_pages, args.rounds):
            label = "one index" if row["pages"] == ONE_INDEX else str(row["pages"])
            print(f"{size:>6} {label:>10} {row['parts']:>5} {row['build']:>7.2f}s {row['requests']:>8.0f} "
                  f"{row['kb']:>7.0f}KB {row['index_kb']:>10.0f}KB {row['seconds']:>9.2f}s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
