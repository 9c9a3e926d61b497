from plugins.addresses import Claim, find_collisions, moved
from tests.support import build_repo, refused

NEWS = "Title: 校友返校日\nDate: 2026-10-18\n\n正文"


def test_two_sources_for_one_address_are_both_named():
    [problem] = find_collisions(
        [Claim("news/x/index.html", "content/news/a.md"), Claim("news/x/index.html", "content/news/b.md")]
    )
    assert problem.file == "content/news/a.md"
    assert "content/news/b.md" in problem.sentence()


def test_three_files_on_one_address_are_told_that_two_need_a_slug(tmp_path):
    """The defect: the sentence asked for one Slug: more, and the next build stopped again."""
    claims = [Claim("news/x.html", f"content/news/{n}.md") for n in "abc"]
    [problem] = find_collisions(claims)
    assert problem.zh.endswith("请在其中 2 个文件里各加一行 Slug: 另一个网址")
    assert problem.en.endswith("give all but one of them a Slug: of their own")
    for name in "abc":
        (tmp_path / f"{name}.md").write_text(
            NEWS if name != "a" else "Title: 返校\nSlug: x\n\n正文", encoding="utf-8"
        )
    with_paths = [Claim("news/x.html", f"content/news/{n}.md", str(tmp_path / f"{n}.md")) for n in "abc"]
    assert [p.file for p in find_collisions(with_paths)] == ["content/news/b.md", "content/news/c.md"]


def test_build_stops_when_two_titles_give_one_address(make_repo):
    repo = make_repo({"news/a.md": NEWS, "news/b.md": NEWS})
    [problem] = refused(repo)
    assert problem.sentence() == (
        "content/news/a.md: 与 content/news/b.md 的网址相同（news/xiao-you-fan-xiao-ri.html），"
        "请在其中一个文件里加一行 Slug: 另一个网址 / has the same address as content/news/b.md "
        "(news/xiao-you-fan-xiao-ri.html); give one of them its own Slug:"
    )
    assert not (repo / "output").exists()


def test_a_page_cannot_take_a_section_address(make_repo):
    repo = make_repo({"news/a.md": NEWS, "pages/news.md": "Title: 新闻\nSlug: news\n\n正文"})
    [problem] = refused(repo)
    assert (problem.file, problem.line, problem.field) == ("content/pages/news.md", 2, "Slug")
    assert problem.en.endswith("; change this Slug: to another address")  # the section has no Slug: to give


def test_two_files_that_both_have_a_slug_are_told_to_change_one_not_to_add_one(make_repo):
    """The defect: the sentence asked for a Slug: line that both files already had."""
    repo = make_repo({
        "news/a.md": "Title: 校友返校日\nDate: 2026-10-18\nSlug: homecoming\n\n正文",
        "news/b.md": "Title: 返校日报名\nDate: 2026-10-19\nTags: 返校\nSlug: homecoming\n\n正文",
    })  # fmt: skip
    [problem] = refused(repo)
    assert problem.sentence() == (
        "content/news/a.md, 第 3 行 (line 3), 字段 Slug: 与 content/news/b.md（第 4 行）的网址相同"
        "（news/homecoming.html），请把其中一个的 Slug: 改成另一个网址 / has the same address, news/homecoming.html, "
        "as content/news/b.md (line 4); change the Slug: of one of them to another address"
    )


def test_the_file_without_a_slug_is_the_one_told_to_add_one(make_repo):
    repo = make_repo(
        {"news/a.md": "Title: 返校\nDate: 2026-10-18\nSlug: xiao-you-fan-xiao-ri\n\n正文", "news/b.md": NEWS}
    )
    [problem] = refused(repo)
    assert (problem.file, problem.line) == ("content/news/b.md", None)
    assert problem.en == (
        "has the same address as content/news/a.md (news/xiao-you-fan-xiao-ri.html); give this file a Slug: of its own"
    )


def test_a_published_article_whose_address_changes_is_named_with_the_slug_that_keeps_it(make_repo):
    """Titles make addresses (pinyin): correcting a published title moved the page, and every link
    to it shared before led nowhere, with nothing said."""
    repo = make_repo(
        {"news/a.md": NEWS, "news/b.md": "Title: 校友论坛\nDate: 2026-10-19\nSlug: forum\n\n正文"}
    )
    assert build_repo(repo).warnings == []
    for name, title in (("a.md", "校友返校日举行"), ("b.md", "第二届校友论坛")):
        source = repo / "content/news" / name
        source.write_text(source.read_text(encoding="utf-8").replace(source.read_text(encoding="utf-8").split("\n")[0], f"Title: {title}"), encoding="utf-8")  # fmt: skip

    assert build_repo(repo).warnings == [
        "content/news/a.md 的网址从 news/xiao-you-fan-xiao-ri.html 变成了 news/xiao-you-fan-xiao-ri-ju-xing.html，"
        "之前分享出去的链接会打不开；要保留原来的网址，请在文件开头加一行 Slug: xiao-you-fan-xiao-ri / "
        "the address of content/news/a.md changed from news/xiao-you-fan-xiao-ri.html to "
        "news/xiao-you-fan-xiao-ri-ju-xing.html, so links shared before will break; to keep the old one, "
        "add the line Slug: xiao-you-fan-xiao-ri at the top"
    ]  # b.md has its Slug: its address stays
    assert build_repo(repo).warnings == []  # said once, by the build that moved it


def test_many_moves_are_named_five_at_a_time():
    last = {f"content/news/{n}.md": ["k", f"news/{n}.html"] for n in range(8)}
    now = {source: ["k2", f"news/2026/{save_as[5:]}"] for source, (_, save_as) in last.items()}
    notes = moved(last, now)
    assert len(notes) == 6 and notes[-1] == "另有 3 个页面的网址也变了 / 3 more pages changed address"
    assert moved(last, {**last, "content/news/new.md": ["k", "news/new.html"]}) == []
