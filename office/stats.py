"""The figures the office works to: how much of the register is up to date and reachable,
per college and overall, against its targets; and this year's reunion classes with their sizes.
"""

from __future__ import annotations

import datetime
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core import tables
from core.site import site_settings
from core.translations import page_environment
from core.values import is_email, is_mobile

STAFF = "教职工 staff"


@dataclass
class Coverage:
    college: str
    records: int = 0
    updated: int = 0  # updated or confirmed by the alumnus in the last 12 months (not by an import)
    reachable: int = 0  # with a mobile or an e-mail

    @property
    def updated_share(self) -> float:
        return self.updated / self.records if self.records else 0.0

    @property
    def reachable_share(self) -> float:
        return self.reachable / self.records if self.records else 0.0


@dataclass
class Reunion:
    class_year: int
    years: int  # since then
    entered: int  # records that entered that year
    graduated: int  # records that graduated that year


def coverage(records: list[dict[str, str]], today: datetime.date) -> tuple[Coverage, list[Coverage]]:
    """Overall and per college (largest first); staff alumni are counted apart."""
    since = (today - datetime.timedelta(days=365)).isoformat()
    overall, colleges = Coverage("合计 all"), {}
    for record in records:
        college = STAFF if record.get("relation") == "staff" else (record.get("college") or "未填 unknown")
        figures = colleges.setdefault(college, Coverage(college))
        recent = record.get("confirmed", "") >= since  # the alumnus's own word; an import says nothing of it
        reachable = is_mobile(record.get("mobile", "")) or is_email(record.get("email", ""))
        for target in (overall, figures):
            target.records += 1
            target.updated += recent
            target.reachable += reachable
    return overall, sorted(colleges.values(), key=lambda c: (-c.records, c.college))


def reunions(records: list[dict[str, str]], year: int, intervals: list[int]) -> list[Reunion]:
    entered: dict[str, int] = {}
    graduated: dict[str, int] = {}
    for record in records:
        entered[record.get("year_entered", "")] = entered.get(record.get("year_entered", ""), 0) + 1
        graduated[record.get("year_graduated", "")] = graduated.get(record.get("year_graduated", ""), 0) + 1
    return [
        Reunion(year - n, n, entered.get(str(year - n), 0), graduated.get(str(year - n), 0))
        for n in intervals
    ]


def table(
    overall: Coverage, colleges: list[Coverage], targets: dict[str, float], classes: list[Reunion]
) -> str:
    """The figures as text for the terminal, in columns that line up with Chinese names too."""
    mark = lambda share, goal: "✓" if share >= goal else "✗"  # noqa: E731
    rows = [("院系 college", "记录 records", "近一年更新 updated", "可联系 reachable")]
    for row in [*colleges, overall]:
        rows.append(
            (
                row.college,
                f"{row.records:,}",
                f"{row.updated_share:.0%} {mark(row.updated_share, targets['updated'])}",
                f"{row.reachable_share:.0%} {mark(row.reachable_share, targets['reachable'])}",
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(
            _pad(cell, width, left=i == 0) for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.append(
        f"目标 targets: 更新 updated {targets['updated']:.0%}, 可联系 reachable {targets['reachable']:.0%}"
        "（本人通过表单更新或确认的记录；导入不算 / updated or confirmed by the alumnus; imports do not count）"
    )
    lines.append(
        "秩年返校 reunion classes: "
        + "; ".join(f"{r.class_year}级 ({r.years}年) 入学 {r.entered} / 毕业 {r.graduated}" for r in classes)
    )
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns a terminal gives the text: two for a Chinese character, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, left: bool) -> str:
    space = " " * (width - _width(text))
    return text + space if left else space + text


def register_figures(register: Path, theme_dir: Path, today: datetime.date) -> tuple[str, Path]:
    """`invoke stats`: the figures as a table for the terminal, and the private report beside the
    register; the targets and reunion intervals are the site's settings."""
    settings = site_settings()
    targets, intervals = settings["REGISTER_TARGETS"], settings["REUNION_INTERVALS"]
    records = tables.read_records(register, "data/private/register.csv")
    overall, colleges = coverage(records, today)
    classes = reunions(records, today.year, intervals)
    report = register.parent / "stats.html"
    write_report(report, theme_dir, today, overall, colleges, targets, classes)
    return table(overall, colleges, targets, classes), report


def write_report(path: Path, theme_dir: Path, today: datetime.date, overall: Coverage, colleges: list[Coverage],
                 targets: dict[str, float], classes: list[Reunion]) -> None:  # fmt: skip
    """The same figures as a private HTML page with SVG charts, outside the published site."""
    page = (
        page_environment(theme_dir, "zh")
        .get_template("stats_report.html")
        .render(today=today, overall=overall, colleges=colleges, targets=targets, reunions=classes)
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # owner-only, as the register
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(page)
