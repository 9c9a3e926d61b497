import pytest

from core.problems import ProblemsFound
from tests.support import build_repo


def test_an_article_shows_a_projects_progress(demo_site):
    page = (demo_site / "news/ji-suan-ji-xue-yuan-fa-zhan-ji-jin-juan-zeng-yi-shi-ju-xing.html").read_text(
        encoding="utf-8"
    )
    assert '<aside class="embed"' in page and "<progress" in page
    assert "[[project:" not in page


def test_an_article_shows_a_chapters_events(demo_site):
    page = (demo_site / "news/chong-qing-xiao-you-hui-ju-xing-2025-nian-nian-hui.html").read_text(
        encoding="utf-8"
    )
    assert "重庆校友会的活动" in page and "重庆校友会年会" in page


def test_an_unknown_embed_stops_the_build(make_repo):
    repo = make_repo({"news/a.md": "Title: 甲\nDate: 2026-01-01\n\n进度：\n\n[[project: no-such-fund]]\n"})
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert [p.sentence() for p in found.value.problems] == [
        "content/news/a.md: “no-such-fund”嵌入的 [[project: no-such-fund]] 找不到这个编号，请改正 "
        "/ embeds [[project: no-such-fund]], which is not a known id; correct it"
    ]


def test_embeds_on_lines_one_under_the_other_are_each_drawn(make_repo, tmp_path):
    """The defect: two embeds on consecutive lines (one paragraph to Markdown) were published as
    the text [[project: …]] [[events: …]]."""
    text = "Title: 甲\nDate: 2026-01-01\n\n进度：\n\n[[project: student-innovation-fund]]\n[[events: chongqing]]\n"
    repo = make_repo({"news/a.md": text})
    build_repo(repo)
    page = (repo / "output/news/jia.html").read_text(encoding="utf-8")
    assert page.count('<aside class="embed"') == 2 and "[[" not in page


def test_an_embed_inside_a_sentence_is_named_not_published_as_text(make_repo):
    repo = make_repo(
        {"news/a.md": "Title: 甲\nDate: 2026-01-01\n\n进度见 [[project: student-innovation-fund]] 。\n"}
    )
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    [problem] = found.value.problems
    assert problem.en.startswith("[[project: student-innovation-fund]] sits inside a paragraph of text")
