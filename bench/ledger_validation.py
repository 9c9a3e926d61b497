"""Validate a large synthetic donations ledger with our checker and with `frictionless validate`.

Both read the same files and the same schema (the `projects` and `donations` resources of
data/datapackage.yaml); each runs in its own process, so time and peak memory are its own.
Known errors are planted (non-numbers, bad dates, unknown projects, duplicate receipts,
missing values) and both must find exactly those rows.

    .venv/bin/python bench/ledger_validation.py [--rows 300000]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ERRORS_EACH = 20  # of each planted kind

# Each runner prints one JSON line: the (file, row) pairs it found and its own peak memory.
OURS = """
import json, resource, sys
from pathlib import Path
from core.problems import ProblemsFound
from core.datapackage import validate_package
try:
    validate_package(Path(sys.argv[1]), keep_rows=False)
    found = []
except ProblemsFound as error:
    found = [[Path(p.file).name, p.row] for p in error.problems]
print(json.dumps({"found": found, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""
FRICTIONLESS = """
import json, resource, sys
from pathlib import Path
import frictionless
report = frictionless.validate(sys.argv[1], limit_errors=100000)
found = [[Path(t.place).name, e.row_number] for t in report.tasks for e in t.errors]
print(json.dumps({"found": found, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def make_package(folder: Path, rows: int, seed: int = 1) -> set[tuple[str, int]]:
    """Write the package and its ledger; return the rows where errors were planted."""
    spec = yaml.safe_load((ROOT / "data/datapackage.yaml").read_text(encoding="utf-8"))
    spec["resources"] = [r for r in spec["resources"] if r["name"] in ("projects", "donations")]
    (folder / "datapackage.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    shutil.copy(ROOT / "data/projects.csv", folder / "projects.csv")
    projects = [
        "cs-development-fund",
        "student-innovation-fund",
        "campus-culture-fund",
        "class-of-1986-scholarship",
    ]

    rng = random.Random(seed)
    planted_rows = rng.sample(range(2, rows + 2), ERRORS_EACH * 5)
    kinds = {row: index // ERRORS_EACH for index, row in enumerate(planted_rows)}
    with (folder / "donations.csv").open("w", encoding="utf-8", newline="") as out:
        out.write("receipt,date,project,donor,anonymous,amount,channel\n")
        for row in range(2, rows + 2):
            receipt, date = (
                f"JZ-{row:08d}",
                f"20{rng.randint(20, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            )
            project, amount = rng.choice(projects), f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}"
            kind = kinds.get(row)
            if kind == 0:
                amount = "1,000元"
            elif kind == 1:
                date = "2025/13/01"
            elif kind == 2:
                project = "no-such-fund"
            elif kind == 3:
                receipt = "JZ-00000002" if row != 2 else receipt  # repeats the first row's receipt
            elif kind == 4:
                amount = ""
            out.write(
                f"{receipt},{date},{project},校友{row % 9973},{rng.choice('是否')},{amount},bank_transfer\n"
            )
    return {("donations.csv", row) for row in planted_rows if not (kinds[row] == 3 and row == 2)}


def run(script: str, descriptor: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", script, str(descriptor)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - started, json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        planted = make_package(Path(folder), args.rows)
        descriptor = Path(folder) / "datapackage.yaml"
        ours_time, ours = run(OURS, descriptor)
        theirs_time, theirs = run(FRICTIONLESS, descriptor)
    ours_found = {tuple(pair) for pair in ours["found"]}
    theirs_found = {tuple(pair) for pair in theirs["found"]}
    print(f"rows: {args.rows:,}   planted error rows: {len(planted)}")
    print(f"{'':14}{'seconds':>10}{'peak MB':>10}{'error rows':>12}")
    for name, seconds, result, found in (
        ("ours", ours_time, ours, ours_found),
        ("frictionless", theirs_time, theirs, theirs_found),
    ):
        print(f"{name:14}{seconds:10.2f}{result['peak_kb'] / 1024:10.0f}{len(found):12}")
    print(f"same error rows as planted: ours {ours_found == planted}, frictionless {theirs_found == planted}")
    print(
        f"speed-up: {theirs_time / ours_time:.1f}x (target >= 5x); our peak memory {ours['peak_kb'] / 1024:.0f} MB (target < 500 MB)"
    )


if __name__ == "__main__":
    main()
