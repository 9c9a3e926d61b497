"""The personal-data guard with a register: every private value looked for in every page.

A register brings tens of thousands of private values that have no shape to find them by
(addresses, birth dates, postcodes). The guard looks for them all at once (Aho-Corasick for
text, a set of the numbers each page shows); the baseline, measured in the same run, is each
value looked for on its own, as the guard did before. Both must find the same values.

    .venv/bin/python bench/guard_speed.py [--values 70000] [--pages 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.guard import leaks, mask

STREETS = ["学府路", "建设路", "人民路", "解放路", "中山路", "滨江路", "南京路", "长江路", "黄河路", "文化路"]
CITIES = ["示例市", "北京市海淀区", "上海市徐汇区", "重庆市渝中区", "成都市武侯区", "广州市天河区"]


def register(count: int, rng: random.Random) -> dict[str, str]:
    """Addresses, birth dates and postcodes, as an office's register holds them."""
    values: dict[str, str] = {}
    while len(values) < count:
        kind = rng.choice(("address", "birth_date", "postcode"))
        if kind == "address":
            value = f"{rng.choice(CITIES)}{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2899)}室"
        elif kind == "birth_date":
            value = f"{rng.randint(1940, 2006)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
        else:
            value = f"{rng.randint(100000, 859999)}"
        values[value] = f"private/register.csv {kind}"
    return values


def pages(folder: Path, count: int, private: dict[str, str], rng: random.Random) -> None:
    """Pages of ordinary text and numbers (amounts, dates of news); one in fifty leaks a value."""
    leaked = list(private)
    for n in range(count):
        words = "".join(rng.choice("校友会年度报告捐赠项目奖学金活动返校日分会新闻") for _ in range(3000))
        numbers = " ".join(
            f"{rng.randint(1, 999999)}.00 元 {rng.randint(2010, 2026)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            for _ in range(40)
        )
        leak = f"<p>{rng.choice(leaked)}</p>" if n % 50 == 0 else ""
        (folder / f"{n}.html").write_text(
            f"<html><body><p>{words}</p><p>{numbers}</p>{leak}</body></html>", encoding="utf-8"
        )


def one_by_one(output: Path, private: dict[str, str]) -> set[str]:
    """The baseline: each value searched for on its own, numbers standing alone."""
    import re

    found = set()
    for path in output.glob("*.html"):
        data = path.read_bytes()
        for value in private:
            encoded = value.encode()
            if encoded not in data:
                continue
            if not re.fullmatch(r"[0-9-]+", value) or re.search(
                rb"(?<![0-9./-])" + re.escape(encoded) + rb"(?![0-9]|[./-][0-9])", data
            ):
                found.add(mask(value))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=70_000)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(11)
    private = register(args.values, rng)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder)
        pages(output, args.pages, private, rng)
        started = time.perf_counter()
        ours = {problem.value for problem in leaks(output, private, [])}
        fast = time.perf_counter() - started
        started = time.perf_counter()
        baseline = one_by_one(output, private)
        slow = time.perf_counter() - started
    assert ours == baseline, (sorted(ours - baseline)[:5], sorted(baseline - ours)[:5])
    print(f"{args.values:,} private values, {args.pages:,} pages: {len(ours)} values found by both")
    print(f"guard: {fast:.2f} s; each value on its own: {slow:.2f} s; ratio {fast / slow:.4f}")


if __name__ == "__main__":
    main()
