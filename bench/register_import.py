"""Import 300,000 alumni records from a college-style CSV into an empty register, then again.

The rows mix the date and phone styles offices send (1998/7/1, 1998年7月, 19980701, +86 and
dashes) and a few bad values. Target: the first import under 60 s on this machine. The second
run finds every record and must change nothing.

    .venv/bin/python bench/register_import.py [--rows 300000]
"""

from __future__ import annotations

import argparse
import datetime
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.definitions import load_forms
from office.importer import import_register

ROOT = Path(__file__).resolve().parents[1]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武莫孔向汤"
GIVEN = "建华立新晓梅志强海燕国平文静卫东秀兰明远春生丽君永刚雪松慧敏振宇亚楠家豪思远若兰博文一鸣嘉怡子涵宏伟德明桂芳建军淑华新民"


def write_rows(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "姓名,性别,出生日期,学历,入校时间,毕业时间,专业,现工作单位,手机,电子邮箱,通讯地址,邮政编码\n"
        )
        for n in range(rows):
            born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(24000))
            style = n % 4
            birth = (
                born.isoformat(),
                f"{born.year}/{born.month}/{born.day}",
                f"{born:%Y%m%d}",
                f"{born.year}年{born.month}月{born.day}日",
            )[style]
            entered = born.year + 18
            mobile = (
                f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}",
                f"+86 13{rng.randrange(10**9):09d}",
                f"138-{rng.randrange(10**4):04d}-{rng.randrange(10**4):04d}",
                "",
            )[style]
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            degree = ("本科", "硕士", "博士", "专科")[n % 4]
            email = f"a{n}@example.com" if n % 3 else ""
            out.write(
                f"{name},{'男女'[n % 2]},{birth},{degree},{entered}.09,{entered + 4}年7月,专业{n % 50},单位{n % 997},{mobile},{email},示例市学府路{n % 300}号,{100000 + n % 900}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    update = load_forms(ROOT / "forms")["update"]
    with tempfile.TemporaryDirectory() as folder:
        source, register = Path(folder) / "college.csv", Path(folder) / "private" / "register.csv"
        write_rows(source, args.rows)
        started = time.perf_counter()
        first = import_register(source, "计算机学院", register, update, datetime.date(2026, 11, 23))
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = import_register(source, "计算机学院", register, update, datetime.date(2026, 11, 24))
        second_seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {args.rows:,}")
    print(
        f"first import:  {first_seconds:6.1f} s  added {first.added:,}, updated {first.updated:,}, values not taken {len(first.problems):,}"
    )
    print(
        f"second import: {second_seconds:6.1f} s  added {second.added:,}, updated {second.updated:,}, unchanged {second.unchanged:,}"
    )
    print(
        f"peak memory {peak:.0f} MB; target: first import under 60 s -> {'met' if first_seconds < 60 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
