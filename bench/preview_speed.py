"""Edit to preview: how soon an edited article is drawn, against a whole build, as the site grows.

For each size N this writes N synthetic news items (bench/build_speed.py's generator) beside the
demo data, starts the live preview's build worker (office/builder.py) and builds once. Then, for
a number of rounds, it adds a sentence to one article's body and times:

- quick: the worker drawing that article's page again, alone (what the open tab reloads on);
- whole: the whole build that follows, and how many files it wrote (only what changed).

The end-to-end figure (save, watcher, worker, event, browser reload) is measured on the demo by
tests/e2e/test_live_preview.py, which prints it.

    .venv/bin/python bench/preview_speed.py [--sizes 1000 5000] [--rounds 5]
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

from office.builder import Builder  # noqa: E402


def measure(size: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("private", "inbox"))
        write_content(root / "content", size)
        overrides = {"PATH": str(root / "content"), "DATA_PACKAGE": str(root / "data/datapackage.yaml"),
                     "OUTPUT_PATH": str(root / "output"), "BUILD_DATE": "2026-11-23"}  # fmt: skip
        builder = Builder(REPO / "pelicanconf.py", overrides)
        try:
            started = time.perf_counter()
            first = builder.build()
            first_seconds = time.perf_counter() - started
            assert first.ok, first.problems
            articles = sorted((root / "content/news").glob("*.md"))
            quick, whole, written = [], [], []
            for number in range(rounds):
                source = articles[(number * 7919) % len(articles)]
                source.write_text(
                    source.read_text(encoding="utf-8") + f"\n补记第 {number} 句。\n", encoding="utf-8"
                )
                started = time.perf_counter()
                drawn = builder.quick([str(source)])
                quick.append(time.perf_counter() - started)
                assert drawn.ok, "the edited article was not drawn alone"
                started = time.perf_counter()
                after = builder.build()
                whole.append(time.perf_counter() - started)
                written.append(len(after.written) + len(after.deleted))
        finally:
            builder.close()
    return {"first": first_seconds, "quick": statistics.median(quick), "whole": statistics.median(whole),
            "written": statistics.median(written)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{'N':>6} {'first build':>12} {'edit drawn':>11} {'whole build':>12} {'files written':>14}")
    for size in args.sizes:
        figures = measure(size, args.rounds)
        print(f"{size:>6} {figures['first']:>11.2f}s {figures['quick'] * 1000:>9.0f}ms {figures['whole']:>11.2f}s "
              f"{figures['written']:>14.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
