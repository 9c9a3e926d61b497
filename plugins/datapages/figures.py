"""A project's aggregated figures as a table, for donors who check the account in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

from core import tables
from core.ledger import Account

HEADER = [
    "年度 year",
    "上年结余 opening balance",
    "捐赠收入 income",
    "捐赠笔数 donations",
    "支出 spending",
    "年末结余 closing balance",
]


def figures_rows(account: Account) -> tuple[list[str], list[list[object]]]:
    """One row per year, then the totals; a column per spending category; all in yuan."""
    categories = sorted({c for year in account.years for c in year.by_category})
    rows: list[list[object]] = [
        [y.year, y.opening, y.income, y.donations, y.spending, y.closing]
        + [y.by_category.get(c, "0.00") for c in categories]
        for y in account.years
    ]
    rows.append(
        ["合计 total", "", account.raised, account.donations, account.spent, account.balance]
        + [account.by_category.get(c, "0.00") for c in categories]
    )
    return HEADER + [f"支出 spending: {c}" for c in categories], rows


def write_figures(path: Path, account: Account) -> None:
    """The download beside the project page, opened by double-click in Excel (hence the BOM)."""
    tables.write_table(path, *figures_rows(account), for_people=True, private=False)
