import pytest

from core.problems import ProblemsFound
from plugins.collisions import find_collisions
from tests.support import build_repo

NEWS = "Title: 校友返校日\nDate: 2026-10-18\n\n正文"


def test_two_sources_for_one_address_are_both_named():
    [problem] = find_collisions(
        [("news/x/index.html", "content/news/a.md"), ("news/x/index.html", "content/news/b.md")]
    )
    assert problem.file == "content/news/a.md"
    assert "content/news/b.md" in problem.sentence()


def test_build_stops_when_two_titles_give_one_address(make_repo):
    repo = make_repo({"news/a.md": NEWS, "news/b.md": NEWS})
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    [problem] = found.value.problems
    assert problem.sentence() == (
        "content/news/a.md: 与 content/news/b.md 的网址相同（news/xiao-you-fan-xiao-ri.html），"
        "请在其中一个文件里加一行 Slug: 另一个网址 / has the same address as content/news/b.md "
        "(news/xiao-you-fan-xiao-ri.html); give one of them its own Slug:"
    )
    assert not (repo / "output").exists()


def test_a_page_cannot_take_a_section_address(make_repo):
    repo = make_repo({"news/a.md": NEWS, "pages/news.md": "Title: 新闻\nSlug: news\n\n正文"})
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert "content/pages/news.md" in str(found.value)
