import csv
import datetime
import re

import pytest

from core.problems import ProblemsFound
from plugins.datapages import build_date, split_ids
from tests.support import ROOT, build_repo, refused


def test_metadata_may_list_several_chapters():
    assert split_ids("beijing, shenzhen,") == ["beijing", "shenzhen"]
    assert split_ids(None) == []


def test_build_date_can_be_pinned():
    assert build_date({"BUILD_DATE": "2026-11-23"}) == datetime.date(2026, 11, 23)
    assert build_date({"BUILD_DATE": None}) == datetime.date.today()


def test_chapter_page_shows_its_facts_news_events_and_feed(demo_site):
    html = (demo_site / "chapters/chongqing/index.html").read_text(encoding="utf-8")
    assert ">重庆校友会</h1>" in html
    assert "地方校友会" in html
    assert "重庆校友会年会" in html  # its event, from data/events.csv
    assert 'href="/news/' in html  # its news, linked by Chapter: metadata
    assert (demo_site / "feeds/chapters/chongqing.atom.xml").exists()


def test_every_chapter_and_project_has_a_page(demo_site):
    for resource, folder in (("chapters", "chapters"), ("projects", "projects")):
        with (ROOT / f"data/{resource}.csv").open(encoding="utf-8") as rows:
            for row in csv.DictReader(rows):
                page = demo_site / folder / row["id"] / "index.html"
                assert row["name"] in page.read_text(encoding="utf-8")


def test_yearly_report_links_back_to_its_project(demo_site):
    html = (demo_site / "projects/student-innovation-fund/2025/index.html").read_text(encoding="utf-8")
    assert 'href="/projects/student-innovation-fund/"' in html
    project = (demo_site / "projects/student-innovation-fund/index.html").read_text(encoding="utf-8")
    assert 'href="/projects/student-innovation-fund/2025/"' in project


def test_events_are_split_by_the_build_date(demo_site):
    html = (demo_site / "events/index.html").read_text(encoding="utf-8")
    upcoming, past = html.split('id="events-past"')
    assert "2027年校友返校日" in upcoming and "2027年校友返校日" not in past
    assert "2026年校友返校日" in past and "2026年校友返校日" not in upcoming


def test_homecoming_page_names_the_reunion_classes(demo_site):
    page = (demo_site / "events/homecoming-2026/index.html").read_text(encoding="utf-8")
    for year in (2016, 2006, 1996, 1986, 1976):
        assert f"{year}级" in page


def test_class_notes_are_published_escaped(make_repo):
    notes = (
        "id,published,class_year,college,author,title,body\n"
        "n1,2026-01-02,1990,化学学院,九〇级,<b>聚会</b>,<script>alert(1)</script>\n"
    )
    repo = make_repo({}, data={"data/class_notes.csv": notes})
    build_repo(repo)
    page = (repo / "output/class-notes/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "1990级" in page


def test_a_data_error_is_the_only_problem_reported(make_repo):
    """Narratives of chapters and projects wait for their rows: a broken table makes no false
    'same address' problems about them."""
    donations = (ROOT / "data/donations.csv").read_text(encoding="utf-8").splitlines()
    donations[1] = re.sub(r",[0-9.]+,(\w+)$", r",1000元,\1", donations[1])
    repo = make_repo(
        {
            "chapters/beijing.md": "北京校友会成立于一九八六年。\n",
            "chapters/shenzhen.md": "深圳校友会。\n",
            "projects/cs-development-fund.md": "计算机学院发展基金。\n",
            "projects/campus-culture-fund.md": "校园文化基金。\n",
        },
        data={"data/donations.csv": "\n".join(donations) + "\n"},
    )
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert [(p.file, p.row, p.field) for p in found.value.problems] == [("data/donations.csv", 2, "amount")]


def test_a_gb18030_events_file_is_read_and_its_events_can_be_registered_for(make_repo):
    repo = make_repo({})
    events = repo / "data/events.csv"
    events.write_bytes(events.read_text(encoding="utf-8").encode("gb18030"))
    report = build_repo(repo)
    assert any("GB18030" in warning for warning in report.warnings)
    form = (repo / "output/forms/event-registration/index.html").read_text(encoding="utf-8")
    assert 'value="homecoming-2027"' in form and "2027年校友返校日" in form


def test_a_title_on_a_chapters_text_says_where_the_name_comes_from(make_repo):
    """The defect: Title: 北京分会 was dropped without a word; the page kept the CSV's name."""
    repo = make_repo(
        {"chapters/beijing.md": "Title: 北京分会\nSummary: 一句话。\n\n北京校友会成立于1985年。\n"}
    )
    [problem] = refused(repo)
    assert problem.sentence() == (
        "content/chapters/beijing.md, 第 1 行 (line 1), 字段 Title: “北京分会”校友会的名称来自 data/chapters.csv "
        "第 2 行的 name 列，这一行不会显示：请删掉 Title 这一行；要改名称，请改 data/chapters.csv 的这一格 / the "
        "chapter's name comes from data/chapters.csv, row 2, column name, so this line is never shown: remove the "
        "Title line; to change the name, change that cell of data/chapters.csv"
    )


def test_a_title_or_slug_on_a_projects_or_a_translations_text_is_told_too(make_repo):
    repo = make_repo({
        "projects/campus-culture-fund.md": "Slug: culture\n\n校园文化基金。\n",
        "chapters/chongqing.en.md": "Summary: One line.\nTitle: Chongqing Alumni\n\nThe Chongqing Chapter.\n",
    })  # fmt: skip
    problems = refused(repo)
    assert sorted((p.file, p.line, p.field, p.value) for p in problems) == [
        ("content/chapters/chongqing.en.md", 2, "Title", "Chongqing Alumni"),
        ("content/projects/campus-culture-fund.md", 1, "Slug", "culture"),
    ]
    assert [p.en.split(",")[1:3] for p in sorted(problems, key=lambda p: p.file)] == [
        [" row 3", " column name_en"],
        [" row 4", " column id (campus-culture-fund"],
    ]


REPORT = "Title: 计算机学院发展基金年度报告\nDate: {}\nProject: cs-development-fund\nYear: {}\n\n这一年……\n"


def test_a_report_of_a_year_or_dated_before_its_project_opened_stops_the_build(make_repo):
    """The defect: both built, with an empty account. cs-development-fund opened on 2019-12-01."""
    repo = make_repo({
        "reports/cs-development-fund-2018.md": REPORT.format("2019-03-01", 2018),
        "reports/cs-development-fund-2019.md": REPORT.format("2019-06-01", 2019),
        "reports/cs-development-fund-2020.md": REPORT.format("2021-03-01", 2020),  # as it should be
    })  # fmt: skip
    problems = refused(repo)
    assert [p.sentence() for p in sorted(problems, key=lambda p: p.file)] == [
        "content/reports/cs-development-fund-2018.md, 第 4 行 (line 4), 字段 Year: “2018”cs-development-fund 于 "
        "2019-12-01 设立，2018 年还没有这个项目，请写 2019 年或以后已结束的年份 / cs-development-fund opened on "
        "2019-12-01, so there is no 2018 to report on; write a finished year from 2019 on",
        "content/reports/cs-development-fund-2019.md, 第 2 行 (line 2), 字段 Date: “2019-06-01”早于项目 "
        "cs-development-fund 的设立日期 2019-12-01（见 data/projects.csv）：年度报告写在所报告的 2019 年结束之后，"
        "请改正日期，如 2020-03-01 / is before project cs-development-fund opened on 2019-12-01 (data/projects.csv): "
        "a yearly report is written once the year it reports on, 2019, is over; correct the date, such as 2020-03-01",
    ]
