"""Donation projects' accounts, computed from the donations and expenditures ledgers.

Every figure on a project page and in its yearly reports comes from here, in Decimal yuan,
so totals reconcile to the cent with the ledger rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from core.problems import Problem

ANONYMOUS = "匿名校友"
CENT = Decimal("0.01")


@dataclass
class Year:
    """One year of a project: what came in, what went out, and the balance carried over."""

    year: int
    opening: Decimal
    income: Decimal = Decimal(0)
    donations: int = 0
    spending: Decimal = Decimal(0)
    by_category: dict[str, Decimal] = field(default_factory=dict)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.income - self.spending


@dataclass
class Account:
    """A project's whole account: totals, the honor roll and each year."""

    target: Decimal
    raised: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)
    donations: int = 0
    donors: int = 0
    honor_roll: list[tuple[str, Decimal]] = field(default_factory=list)
    by_category: dict[str, Decimal] = field(default_factory=dict)
    years: list[Year] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return self.raised - self.spent

    @property
    def progress(self) -> int:
        """Percent of the target raised, capped at 100 for the progress bar."""
        return min(100, int(self.raised * 100 / self.target)) if self.target else 100


def accounts(projects: list[dict], donations: list[dict], expenditures: list[dict]) -> dict[str, Account]:
    """Each project's account; anonymous donors appear on the honor roll only as 匿名校友."""
    result = {p["id"]: Account(target=p["target"]) for p in projects}
    named: dict[str, dict[str, Decimal]] = {pid: defaultdict(Decimal) for pid in result}
    anonymous: dict[str, list[Decimal]] = {pid: [] for pid in result}
    years: dict[str, dict[int, Year]] = {pid: {} for pid in result}

    def year_of(pid: str, year: int) -> Year:
        return years[pid].setdefault(year, Year(year, Decimal(0)))

    for row in donations:
        pid, amount = row["project"], row["amount"]
        account = result[pid]
        account.raised += amount
        account.donations += 1
        if row["anonymous"] or not row["donor"]:
            anonymous[pid].append(amount)
        else:
            named[pid][row["donor"]] += amount
        entry = year_of(pid, row["date"].year)
        entry.income += amount
        entry.donations += 1
    for row in expenditures:
        pid, amount = row["project"], row["amount"]
        result[pid].spent += amount
        result[pid].by_category[row["category"]] = (
            result[pid].by_category.get(row["category"], Decimal(0)) + amount
        )
        entry = year_of(pid, row["date"].year)
        entry.spending += amount
        entry.by_category[row["category"]] = entry.by_category.get(row["category"], Decimal(0)) + amount

    for pid, account in result.items():
        account.donors = len(named[pid]) + len(anonymous[pid])
        account.honor_roll = sorted(named[pid].items(), key=lambda item: (-item[1], item[0]))
        if anonymous[pid]:
            account.honor_roll.append((ANONYMOUS, sum(anonymous[pid], Decimal(0))))
        account.years = _chain(years[pid])
    return result


def _chain(by_year: dict[int, Year]) -> list[Year]:
    """Fill the years between the first and last activity and carry each balance over."""
    if not by_year:
        return []
    chained, opening = [], Decimal(0)
    for year in range(min(by_year), max(by_year) + 1):
        entry = by_year.get(year, Year(year, Decimal(0)))
        entry.opening = opening
        chained.append(entry)
        opening = entry.closing
    return chained


def check_ledgers(projects: list[dict], donations: list[dict], expenditures: list[dict]) -> list[Problem]:
    """What Table Schema cannot say: cents, dates before a project opened, money not yet raised."""
    problems = []
    opened = {p["id"]: p["opened"] for p in projects}
    for file, rows in (("data/donations.csv", donations), ("data/expenditures.csv", expenditures)):
        for row in rows:
            if row["amount"] != row["amount"].quantize(CENT):
                problems.append(
                    Problem(
                        file,
                        "金额最多写到分（两位小数），如 1000.50",
                        "amounts go to the cent at most (two decimals), like 1000.50",
                        row=row["_row"],
                        field="amount",
                        value=str(row["amount"]),
                        kind="cents",
                    )
                )
            if row["project"] in opened and row["date"] < opened[row["project"]]:
                problems.append(
                    Problem(
                        file,
                        f"早于项目设立日期 {opened[row['project']]}，请核对日期或 data/projects.csv 中的设立日期",
                        f"is before the project opened on {opened[row['project']]}; check this date or the project's",
                        row=row["_row"],
                        field="date",
                        value=str(row["date"]),
                        kind="before-opening",
                    )
                )
    problems += _overspending(donations, expenditures)
    return problems


def _overspending(donations: list[dict], expenditures: list[dict]) -> list[Problem]:
    """The first expenditure of each project that spends money the project had not yet received."""
    # Same day: the gift counts before the spending, as a bank statement would show it.
    events = sorted(
        [(r["date"], 0, r) for r in donations] + [(r["date"], 1, r) for r in expenditures],
        key=lambda item: (item[0], item[1]),
    )
    raised: dict[str, Decimal] = defaultdict(Decimal)
    spent: dict[str, Decimal] = defaultdict(Decimal)
    problems, reported = [], set()
    for _date, is_spending, row in events:
        pid = row["project"]
        if not is_spending:
            raised[pid] += row["amount"]
            continue
        spent[pid] += row["amount"]
        if spent[pid] > raised[pid] and pid not in reported:
            reported.add(pid)
            problems.append(
                Problem(
                    "data/expenditures.csv",
                    f"支出超过了项目 {pid} 截至当日收到的捐赠（收到 {raised[pid]} 元，累计支出 {spent[pid]} 元）；请核对金额、日期或项目编号",
                    f"spends more than project {pid} had received by then (received {raised[pid]}, spent {spent[pid]}); "
                    "check the amount, the date or the project",
                    row=row["_row"],
                    field="amount",
                    value=str(row["amount"]),
                    kind="overspending",
                )
            )
    return problems


def report_before_opening(project: str, opened: datetime.date, year: int) -> tuple[str, str] | None:
    """What to tell of a yearly report of `year` on a project opened on `opened` (Chinese,
    English), or None if the project was open that year: before it there is nothing to report,
    and the report's page would show an empty account. `invoke new report` and the build ask here."""
    if year >= opened.year:
        return None
    return (
        f"{project} 于 {opened} 设立，{year} 年还没有这个项目，请写 {opened.year} 年或以后已结束的年份",
        f"{project} opened on {opened}, so there is no {year} to report on; write a finished year from {opened.year} on",
    )
