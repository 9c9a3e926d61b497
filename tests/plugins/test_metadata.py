"""The lines at the top of a content file: a key or value the site does not know stops the build."""

import datetime

import pytest

from core.problems import ProblemsFound
from office.scaffold import PLACEHOLDER as SCAFFOLDS_PLACEHOLDER
from office.scaffold import new_content
from plugins.metadata import PLACEHOLDER, header_keys
from tests.support import build_repo

NEWS = "Title: 重庆校友会年会\nDate: 2026-10-18\n{}\n\n正文"
NOW = datetime.datetime(2026, 11, 23, 9, 30)


def problems_of(repo) -> list[tuple]:
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert not (repo / "output").exists()
    return [(p.file, p.line, p.field, p.value, p.kind) for p in found.value.problems]


def sentences_of(repo) -> list[str]:
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    return [p.sentence() for p in found.value.problems]


def test_what_an_editors_program_leaves_beside_an_open_file_is_not_read(make_repo):
    """The defect: Word's and WPS's lock file ~$… .md beside an open article was read as an
    article without a title, and the build stopped."""
    repo = make_repo(
        {"news/a.md": NEWS.format(""), "news/~$a.md": "\x00\x07编辑", "news/.~lock.a.md#": "lock"}
    )
    build_repo(repo)
    assert (repo / "output/news/chong-qing-xiao-you-hui-nian-hui.html").exists()
    assert not [p for p in (repo / "output").rglob("*") if "~" in p.name or "lock" in p.name]


def test_a_misspelt_key_names_the_key_it_resembles(make_repo):
    repo = make_repo({"news/a.md": NEWS.format("Stauts: draft")})
    assert sentences_of(repo) == [
        "content/news/a.md, 第 3 行 (line 3), 字段 Stauts: 不是本站认识的字段，是不是想写 Status？请改正，或删掉这一行 "
        "/ is not a key the site knows: did you mean Status? Correct it, or remove the line"
    ]


def test_a_slug_that_is_no_address_is_refused_with_the_one_to_write(make_repo):
    """The defect: Slug: 重庆 年会 was published as it was written, at news/重庆 年会.html."""
    repo = make_repo({"news/a.md": NEWS.format("Slug: 重庆 年会")})
    assert sentences_of(repo) == [
        "content/news/a.md, 第 3 行 (line 3), 字段 Slug: “重庆 年会”网址只能用小写字母、数字和连字符 -，请写成 chong-qing-nian-hui "
        "/ an address holds only lowercase letters, digits and hyphens: write chong-qing-nian-hui"
    ]  # fmt: skip


def test_every_unknown_key_of_every_file_is_told_at_once(make_repo):
    repo = make_repo({
        "news/a.md": NEWS.format("Chpater: chongqing\nLang: en"),
        "stories/b.md": "Title: 校友故事\nDate: 2026-10-01\nsummary: 一句\nSLUG: b\n\n正文",
        "pages/about.md": "Title: 关于我们\nTemplate: page\n\n正文",
    })  # fmt: skip
    assert sorted(problems_of(repo)) == [
        ("content/news/a.md", 3, "Chpater", None, "metadata-key"),
        ("content/news/a.md", 4, "Lang", None, "metadata-key"),  # the file's name says its language
        ("content/pages/about.md", 2, "Template", None, "metadata-key"),
    ]


def test_a_category_other_than_the_folder_is_refused_and_the_folders_is_not(make_repo):
    repo = make_repo({
        "news/a.md": NEWS.format("Chapter: chongqing\nModified: 2026-10-19\nCategory: stories"),
        "news/a.en.md": "Title: Chongqing chapter meets\nDate: 2026-10-18\nCategory: news\n\nText",
    })  # fmt: skip
    assert problems_of(repo) == [("content/news/a.md", 5, "Category", None, "metadata-key")]


@pytest.mark.parametrize("status", ["drfat", "草稿", "hidden"])
def test_an_unknown_status_is_one_sentence_naming_the_file(make_repo, status):
    repo = make_repo({"news/x.md": NEWS.format(f"Status: {status}")})
    assert sentences_of(repo) == [
        f"content/news/x.md, 第 3 行 (line 3), 字段 Status: “{status}”只能写 draft（不发布）或 published，"
        "或删掉这一行 / Status can only be draft (not published) or published; or remove the line"
    ]


def test_a_wrong_status_in_a_chapters_text_is_told_too(make_repo):
    repo = make_repo({"chapters/chongqing.md": "Summary: 重庆校友会\nStatus: drfat\n\n正文"})
    assert problems_of(repo) == [("content/chapters/chongqing.md", 2, "Status", "drfat", "metadata-value")]


def test_featured_no_is_refused(make_repo):
    repo = make_repo({"stories/a.md": NEWS.format("Featured: no")})
    assert sentences_of(repo) == [
        "content/stories/a.md, 第 3 行 (line 3), 字段 Featured: “no”要放到首页请写 yes，否则删掉这一行 "
        "/ write yes to put it on the home page, or remove the line"
    ]


@pytest.mark.parametrize("yes", ["yes", "Yes", "是", "true"])
def test_a_featured_story_is_on_the_home_page_before_newer_ones(make_repo, yes):
    repo = make_repo({
        "stories/old.md": f"Title: 老校长回母校\nDate: 2026-01-01\nFeatured: {yes}\n\n正文",
        "stories/new.md": "Title: 新同学的故事\nDate: 2026-10-01\n\n正文",
    })  # fmt: skip
    build_repo(repo)
    featured = (repo / "output/index.html").read_text(encoding="utf-8").split('class="block featured"')[1]
    assert "老校长回母校" in featured.split("</section>")[0]


def test_a_skeleton_from_invoke_new_is_not_published(make_repo):
    repo = make_repo({})
    story = new_content(repo / "content", "story", "校友故事", NOW, slug="x")
    assert sentences_of(repo) == [
        "content/stories/x.md: 正文还是模板里的“在这里写正文。”，请写好正文，或加 Status: draft 暂不发布 "
        "/ the body is still the skeleton's 在这里写正文。: write it, or add Status: draft to hold it back"
    ]
    story.write_text(
        story.read_text(encoding="utf-8").replace("Slug: x", "Slug: x\nStatus: draft"), encoding="utf-8"
    )
    build_repo(repo)
    assert not (repo / "output/stories/x.html").exists()


def test_a_skeleton_report_held_back_as_a_draft_shows_the_years_figures_alone(make_repo):
    repo = make_repo({})
    report = new_content(repo / "content", "report", "2025年度报告", NOW, project="student-innovation-fund")
    assert problems_of(repo) == [
        ("content/reports/student-innovation-fund-2025.md", None, None, None, "skeleton")
    ]
    report.write_text(report.read_text(encoding="utf-8").replace("Year: 2025", "Year: 2025\nStatus: draft"),
                      encoding="utf-8")  # fmt: skip
    build_repo(repo)
    page = (repo / "output/projects/student-innovation-fund/2025/index.html").read_text(encoding="utf-8")
    assert PLACEHOLDER not in page


def test_the_build_knows_the_skeleton_invoke_new_writes():
    assert PLACEHOLDER == SCAFFOLDS_PLACEHOLDER


def test_a_mistake_is_told_again_when_the_file_comes_from_the_reader_cache(make_repo):
    repo = make_repo({"news/a.md": NEWS.format("Stauts: draft")})
    first = problems_of(repo)
    assert problems_of(repo) == first == [("content/news/a.md", 3, "Stauts", None, "metadata-key")]


REPORT = "Title: 学生创新基金2025年度报告\nDate: 2026-01-10\nProject: student-innovation-fund\nYear: {}\n\n{}"


def test_two_reports_of_one_project_and_year_stop_the_build_naming_both(make_repo):
    repo = make_repo({
        "reports/student-innovation-fund-2025.md": REPORT.format(2025, "这一年……"),
        "reports/innovation-2025.md": REPORT.format(2025, "又一篇"),
        "reports/student-innovation-fund-2025.en.md": REPORT.format(2025, "The year"),
    })  # fmt: skip
    assert sentences_of(repo) == [
        "content/reports/innovation-2025.md: 与 content/reports/student-innovation-fund-2025.md 都是项目 "
        "student-innovation-fund 2025 年的年度报告（同一个网址），请合成一篇，或改正其中一篇的 Project: 或 Year: "
        "/ is, like content/reports/student-innovation-fund-2025.md, the report of project "
        "student-innovation-fund for 2025 (one address); merge them into one, or correct Project: or Year: "
        "in one of them"
    ]


def test_a_report_of_a_year_not_over_is_refused(make_repo):
    repo = make_repo({"reports/student-innovation-fund-2026.md": REPORT.format(2026, "这一年……")})
    assert sentences_of(repo) == [
        "content/reports/student-innovation-fund-2026.md, 第 4 行 (line 4), 字段 Year: “2026”这一年还没有结束"
        "（今天是 2026-11-23），年度报告只写已结束的年份；请改正年份，或加一行 Status: draft，这一年结束后再删掉 "
        "/ this year is not over yet (today is 2026-11-23): a report is of a finished year; correct the year, "
        "or add Status: draft and remove it once the year is over"
    ]


def test_tags_are_split_at_chinese_commas(make_repo):
    repo = make_repo({"news/a.md": NEWS.format("Tags: 重庆，年会、校友")})
    build_repo(repo)
    tags = sorted(p.parent.name for p in (repo / "output/tags").glob("*/index.html"))
    assert tags == ["chong-qing", "nian-hui", "xiao-you"]


def test_header_keys_end_at_the_first_empty_line():
    text = "---\nTitle: 标题\nSummary: 一句\n    接着一句\nStatus: draft\n\nNote: 正文里的冒号"
    assert header_keys(text) == {"title": (2, "Title"), "summary": (3, "Summary"), "status": (5, "Status")}
