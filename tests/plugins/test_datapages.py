import csv
import datetime

from plugins.datapages import build_date, split_ids
from tests.support import ROOT, build_repo


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
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "1990级" in page
