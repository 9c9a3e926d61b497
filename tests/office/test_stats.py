"""The office's figures: coverage per college against targets, and reunion class sizes."""

import datetime

from office.stats import coverage, reunions, table, write_report
from tests.support import ROOT

TODAY = datetime.date(2026, 11, 23)
TARGETS = {"updated": 0.8, "reachable": 0.5}
# `confirmed`: when the alumnus last updated or confirmed the record; `updated`: any change, imports too.
RECORDS = [
    {"name": "甲", "college": "计算机学院", "updated": "2026-05-01", "confirmed": "2026-05-01", "mobile": "13900001111", "year_entered": "2016", "year_graduated": "2020"},
    {"name": "乙", "college": "计算机学院", "updated": "2026-11-20", "confirmed": "2020-05-01", "mobile": "", "email": "", "year_entered": "1996"},
    {"name": "丙", "college": "化学学院", "updated": "2026-10-01", "confirmed": "2026-10-01", "email": "c@example.com", "year_graduated": "2006"},
    {"name": "丁", "relation": "staff", "updated": "2025-11-24", "confirmed": "2025-11-24", "mobile": "12345"},
    {"name": "戊", "college": "化学学院", "updated": "2026-11-22", "confirmed": "", "email": "e@example.com"},
]  # fmt: skip


def test_coverage_per_college_and_overall():
    overall, colleges = coverage(RECORDS, TODAY)
    assert [(c.college, c.records, c.updated, c.reachable) for c in colleges] == [
        ("化学学院", 2, 1, 2), ("计算机学院", 2, 1, 1), ("教职工 staff", 1, 1, 0),
    ]  # fmt: skip
    assert (overall.records, overall.updated_share, overall.reachable_share) == (5, 0.6, 0.6)


def test_an_import_is_no_update_by_the_alumnus():
    """乙 and 戊 were changed by imports this month; only the alumni's own word counts."""
    overall, _ = coverage(RECORDS, TODAY)
    assert overall.updated == 3


def test_reunion_classes_with_their_sizes():
    sizes = [(r.class_year, r.entered, r.graduated) for r in reunions(RECORDS, 2026, [10, 20, 30])]
    assert sizes == [(2016, 1, 0), (2006, 0, 1), (1996, 1, 0)]


def test_the_table_marks_what_misses_its_target():
    overall, colleges = coverage(RECORDS, TODAY)
    text = table(overall, colleges, TARGETS, reunions(RECORDS, 2026, [10]))
    assert "合计 all" in text and "60% ✗" in text and "60% ✓" in text


def test_the_table_lines_up_with_chinese_names():
    overall, colleges = coverage(RECORDS, TODAY)
    lines = table(overall, colleges, TARGETS, []).splitlines()[: len(colleges) + 2]
    widths = {sum(2 if "\u4e00" <= ch <= "\u9fff" or ch in "，（）" else 1 for ch in line) for line in lines}
    assert len(widths) == 1, lines


def test_the_report_is_owner_only(tmp_path):
    overall, colleges = coverage(RECORDS, TODAY)
    report = tmp_path / "private" / "stats.html"
    write_report(report, ROOT / "theme", TODAY, overall, colleges, TARGETS, [])
    assert oct(report.stat().st_mode & 0o777) == "0o600"


def test_the_report_is_private_html_with_charts_and_no_personal_data(tmp_path):
    overall, colleges = coverage(RECORDS, TODAY)
    report = tmp_path / "private" / "stats.html"
    write_report(report, ROOT / "theme", TODAY, overall, colleges, TARGETS, reunions(RECORDS, 2026, [10, 20]))
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "计算机学院" in html and "2016级" in html
    assert "13900001111" not in html and "c@example.com" not in html
