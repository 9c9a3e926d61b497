"""A project's aggregated figures as CSV, for donors who check the account in a spreadsheet."""

from __future__ import annotations

import csv
import io

from core.ledger import Account

HEADER = [
    "年度 year",
    "上年结余 opening balance",
    "捐赠收入 income",
    "捐赠笔数 donations",
    "支出 spending",
    "年末结余 closing balance",
]


def figures_csv(account: Account) -> str:
    """One row per year, then one per spending category, then the totals; all in yuan."""
    categories = sorted({c for year in account.years for c in year.by_category})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER + [f"支出 spending: {c}" for c in categories])
    for y in account.years:
        writer.writerow(
            [y.year, y.opening, y.income, y.donations, y.spending, y.closing]
            + [y.by_category.get(c, "0.00") for c in categories]
        )
    writer.writerow(
        ["合计 total", "", account.raised, account.donations, account.spent, account.balance]
        + [account.by_category.get(c, "0.00") for c in categories]
    )
    return out.getvalue()
