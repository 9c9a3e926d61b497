"""The accounts donors are owed: to the cent, with anonymous donors never named."""

import csv
from decimal import Decimal

import pytest

from core.datapackage import check_data
from core.ledger import ANONYMOUS, accounts
from tests.support import ROOT


@pytest.fixture(scope="module")
def ledger_rows():
    """The demo ledgers as raw text rows, summed independently of our parser."""
    read = lambda name: list(csv.DictReader((ROOT / f"data/{name}.csv").open(encoding="utf-8")))  # noqa: E731
    return read("donations"), read("expenditures")


@pytest.fixture(scope="module")
def demo_accounts():
    tables = check_data(ROOT / "data/datapackage.yaml").tables
    return accounts(tables["projects"], tables["donations"], tables["expenditures"])


def test_totals_reconcile_to_the_cent_with_the_ledger(ledger_rows, demo_accounts):
    donations, expenditures = ledger_rows
    for pid, account in demo_accounts.items():
        raised = sum(Decimal(r["amount"]) for r in donations if r["project"] == pid)
        spent = sum(Decimal(r["amount"]) for r in expenditures if r["project"] == pid)
        assert (account.raised, account.spent, account.balance) == (raised, spent, raised - spent)
        assert sum(y.income for y in account.years) == raised
        assert sum(y.spending for y in account.years) == spent
        assert sum(account.by_category.values()) == spent
        assert account.years[-1].closing == account.balance


def test_each_year_opens_with_the_last_years_closing_balance(demo_accounts):
    for account in demo_accounts.values():
        assert account.years[0].opening == 0
        for before, after in zip(account.years, account.years[1:], strict=False):
            assert after.opening == before.closing and after.year == before.year + 1


def test_published_figures_match_the_ledger(demo_site, ledger_rows):
    donations, _ = ledger_rows
    raised = sum(Decimal(r["amount"]) for r in donations if r["project"] == "student-innovation-fund")
    page = (demo_site / "projects/student-innovation-fund/index.html").read_text(encoding="utf-8")
    assert f"¥{raised:,.2f}" in page
    rows = list(
        csv.reader((demo_site / "projects/student-innovation-fund/figures.csv").open(encoding="utf-8-sig"))
    )
    assert rows[-1][:3] == ["合计 total", "", str(raised)]


def test_anonymous_donors_are_never_named(demo_site, ledger_rows):
    donations, _ = ledger_rows
    named = {r["donor"] for r in donations if r["anonymous"] == "否"}
    hidden = {r["donor"] for r in donations if r["anonymous"] == "是" and r["donor"]} - named
    assert hidden, "the demo must hold anonymous donors with names, or this test proves nothing"
    published = "".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in demo_site.rglob("*") if p.is_file()
    )
    assert [name for name in hidden if name in published] == []
    assert ANONYMOUS in (demo_site / "projects/cs-development-fund/index.html").read_text(encoding="utf-8")


def test_donors_count_each_named_donor_once_and_each_anonymous_gift(ledger_rows, demo_accounts):
    donations, _ = ledger_rows
    rows = [r for r in donations if r["project"] == "campus-culture-fund"]
    expected = len({r["donor"] for r in rows if r["anonymous"] == "否"}) + sum(
        r["anonymous"] == "是" for r in rows
    )
    assert demo_accounts["campus-culture-fund"].donors == expected


def test_report_page_shows_the_years_account(demo_site, demo_accounts):
    year = next(y for y in demo_accounts["student-innovation-fund"].years if y.year == 2025)
    page = (demo_site / "projects/student-innovation-fund/2025/index.html").read_text(encoding="utf-8")
    for figure in (year.opening, year.income, year.closing):
        assert f"¥{figure:,.2f}" in page
    assert "2025年，学生创新基金" in page  # the written story of content/reports/
    assert "<svg" in page


def test_a_report_page_exists_for_every_finished_year(demo_site, demo_accounts):
    for pid, account in demo_accounts.items():
        for year in account.years:
            assert (demo_site / f"projects/{pid}/{year.year}/index.html").exists() == (year.year < 2026), (
                pid,
                year.year,
            )
