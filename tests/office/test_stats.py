"""The office's figures: coverage per college against targets, and reunion class sizes."""

import datetime

from office.stats import coverage, reunions, table, write_report
from tests.support import ROOT

TODAY = datetime.date(2026, 11, 23)
TARGETS = {"updated": 0.8, "reachable": 0.5}
RECORDS = [
    {"name": "甲", "college": "计算机学院", "updated": "2026-05-01", "mobile": "13900001111", "year_entered": "2016", "year_graduated": "2020"},
    {"name": "乙", "college": "计算机学院", "updated": "2020-05-01", "mobile": "", "email": "", "year_entered": "1996"},
    {"name": "丙", "college": "化学学院", "updated": "2026-10-01", "email": "c@example.com", "year_graduated": "2006"},
    {"name": "丁", "relation": "staff", "updated": "2025-11-24", "mobile": "12345"},
]  # fmt: skip


def test_coverage_per_college_and_overall():
    overall, colleges = coverage(RECORDS, TODAY)
    assert [(c.college, c.records, c.updated, c.reachable) for c in colleges] == [
        ("计算机学院", 2, 1, 1), ("化学学院", 1, 1, 1), ("教职工 staff", 1, 1, 0),
    ]  # fmt: skip
    assert (overall.records, overall.updated_share, overall.reachable_share) == (4, 0.75, 0.5)


def test_reunion_classes_with_their_sizes():
    sizes = [(r.class_year, r.entered, r.graduated) for r in reunions(RECORDS, 2026, [10, 20, 30])]
    assert sizes == [(2016, 1, 0), (2006, 0, 1), (1996, 1, 0)]


def test_the_table_marks_what_misses_its_target():
    overall, colleges = coverage(RECORDS, TODAY)
    text = table(overall, colleges, TARGETS, reunions(RECORDS, 2026, [10]))
    assert "合计 all" in text and "75% ✗" in text and "50% ✓" in text


def test_the_report_is_private_html_with_charts_and_no_personal_data(tmp_path):
    overall, colleges = coverage(RECORDS, TODAY)
    report = tmp_path / "private" / "stats.html"
    write_report(report, ROOT / "theme", TODAY, overall, colleges, TARGETS, reunions(RECORDS, 2026, [10, 20]))
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "计算机学院" in html and "2016级" in html
    assert "13900001111" not in html and "c@example.com" not in html
