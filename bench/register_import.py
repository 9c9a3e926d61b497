"""Import 300,000 alumni records from a messy college-style CSV into an empty register, then again.

The rows mix what offices send: dates as 1998/7/1, 1998年7月, 19980701; mobiles with +86, 86-
and dashes; genders as 男, M, Female; degrees as 学士, 大学本科, 硕士研究生, 大专; names padded
with an ideographic space; one row in 50 repeated exactly, one in 100 again with another mobile;
a few bad values and a footer. Targets (issue #15): the first import under 30 s and under 500 MB
at its peak; the second finds every record and changes nothing, byte for byte.

--xlsx writes the same rows as a workbook, with a hidden 备注 column as offices leave them, so
the workbook reader (core/tables.py's streaming parser) is what is measured.

    .venv/bin/python bench/register_import.py [--rows 300000] [--xlsx]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
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
    genders = (("男", "M", "Male", "男"), ("女", "F", "Female", "女"))
    degrees = ("本科", "学士", "大学本科", "本科（学士）", "硕士", "硕士研究生", "博士", "专科", "大专")
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "姓名,性别,出生日期,学历,入校时间,毕业时间,专业,现工作单位,手机,电子邮箱,通讯地址,邮政编码\n"
        )
        previous = ""
        for n in range(rows):
            if previous and n % 50 == 0:  # the same row twice, as lists merged by hand have
                out.write(previous)
                continue
            born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(24000))
            style = n % 4
            birth = (
                born.isoformat(),
                f"{born.year}/{born.month}/{born.day}",
                f"{born:%Y%m%d}",
                f"{born.year}年{born.month}月{born.day}日",
            )[style]
            entered = born.year + 18
            number = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
            mobile = (
                number,
                f"+86 {number[:3]} {number[3:7]} {number[7:]}",
                f"86-{number[:3]}-{number[3:7]}-{number[7:]}",
                "",
            )[style]
            given = "".join(
                rng.sample(GIVEN, 1 if rng.random() < 0.2 else 2)
            )  # one in five has a one-character name
            name = rng.choice(SURNAMES) + ("\u3000" if len(given) == 1 and n % 3 == 0 else "") + given
            gender = genders[n % 2][n % 4]
            email = f"a{n}@Example.com" if n % 3 else ""
            previous = (
                f"{name},{gender},{birth},{degrees[n % len(degrees)]},{entered}.09,{entered + 4}年7月,专业{n % 50},"
                f"单位{n % 997},{mobile},{email},示例市学府路{n % 300}号,{100000 + n % 900}\n"
            )
            out.write(previous)
            if n % 100 == 1 and mobile:  # the same person again, with another mobile
                out.write(previous.replace(mobile, f"139{rng.randrange(10**8):08d}"))
        out.write("制表人：校友办,,,,,,,,,,,\n")


def write_workbook(source: Path, path: Path) -> None:
    """The CSV list as an .xlsx workbook (written as a stream), with a hidden remarks column."""
    from openpyxl import Workbook

    from core.tables import read_rows

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.column_dimensions["M"].hidden = True
    for number, row in enumerate(read_rows(source).rows):
        sheet.append([*row, "备注" if number == 0 else f"内部备注{number % 7}"])
    workbook.save(path)


def _digest(path: Path) -> str:
    """The file's SHA-256, read in chunks: holding the register's bytes would count in the peak."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--xlsx", action="store_true", help="import the list as an .xlsx workbook")
    args = parser.parse_args()
    update = load_forms(ROOT / "forms")["update"]
    with tempfile.TemporaryDirectory() as folder:
        source, register = Path(folder) / "college.csv", Path(folder) / "private" / "register.csv"
        write_rows(source, args.rows)
        if args.xlsx:
            write_workbook(source, source.with_suffix(".xlsx"))
            source = source.with_suffix(".xlsx")
        started = time.perf_counter()
        first = import_register(source, "计算机学院", register, update, datetime.date(2026, 11, 23))
        first_seconds = time.perf_counter() - started
        first_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        files = [register, register.with_name("register-history.csv")]
        before = [_digest(path) for path in files]
        started = time.perf_counter()
        second = import_register(source, "计算机学院", register, update, datetime.date(2026, 11, 24))
        second_seconds = time.perf_counter() - started
        same = [_digest(path) for path in files] == before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {first.rows:,} (from {args.rows:,} people)")
    print(f"first import:  {first_seconds:6.1f} s  added {first.added:,}, updated {first.updated:,}, "
          f"not taken {len(first.problems):,}, notes {len(first.notes):,}; peak {first_peak:.0f} MB")  # fmt: skip
    print(f"second import: {second_seconds:6.1f} s  added {second.added:,}, updated {second.updated:,}, "
          f"unchanged {second.unchanged:,}; register and history byte for byte the same: {same}")  # fmt: skip
    met = first_seconds < 30 and peak < 500 and same
    print(f"peak memory {peak:.0f} MB; targets: first import under 30 s, under 500 MB, second changes nothing -> "
          f"{'met' if met else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
