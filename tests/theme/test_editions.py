"""The English edition under /en/: every page type, linked to the Chinese one, never faked."""

import re

import pytest

from tests.support import build_repo
from tests.theme.test_pages import Page, html_pages, target_file

HOMECOMING_ZH = "news/2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming.html"
HOMECOMING_EN = "en/news/homecoming-day-2026-thousands-of-alumni-return-to-xuefu-road.html"
UNTRANSLATED_ZH = "stories/tang-zhi-yuan-hui-dao-shan-cun-xiao-xue-de-xiao-zhang.html"

EN_PAGE_TYPES = {
    "en/index.html": "Latest news",
    "en/news/index.html": "News",
    HOMECOMING_EN: "Homecoming Day 2026",
    "en/stories/index.html": "Alumni stories",
    "en/projects/index.html": "Donation projects",
    "en/projects/class-of-1986-scholarship/index.html": "Class of 1986 Scholarship",
    "en/projects/class-of-1986-scholarship/2025/index.html": "The account for 2025",
    "en/chapters/index.html": "Overseas chapters",
    "en/chapters/north-america/index.html": "North America Chapter",
    "en/events/index.html": "Upcoming events",
    "en/events/homecoming-2026/index.html": "Homecoming Day 2026",
    "en/class-notes/index.html": "Class notes",
    "en/about/index.html": "About",
    "en/contact/index.html": "Contact",
    "en/privacy/index.html": "Privacy",
    "en/tags/index.html": "Tags",
    "en/tags/homecoming/index.html": "Tag: homecoming",
    "en/archives/index.html": "Archives",
    "en/search/index.html": "Search",
    "en/forms/update/index.html": "Update my details",
    "en/forms/update/thanks/index.html": "Thank you",
    "en/404.html": "Page not found",
}


def read(site, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", EN_PAGE_TYPES)
def test_every_page_type_exists_in_english(demo_site, path):
    html = read(demo_site, path)
    assert '<html lang="en">' in html
    assert EN_PAGE_TYPES[path] in html
    # UI words come from the English side of the catalog, not the Chinese one.
    for chinese in ("首页", "校友活动", "捐赠项目", "关于我们", "搜索"):
        assert chinese not in html, (path, chinese)


def test_a_translation_and_its_original_point_at_each_other(demo_site):
    zh, en = Page(read(demo_site, HOMECOMING_ZH)), Page(read(demo_site, HOMECOMING_EN))
    assert ("link", f"/{HOMECOMING_EN}") in zh.links and ("link", f"/{HOMECOMING_ZH}") in en.links
    assert f'hreflang="en" href="/{HOMECOMING_EN}"' in read(demo_site, HOMECOMING_ZH)
    assert f'hreflang="zh-CN" href="/{HOMECOMING_ZH}"' in read(demo_site, HOMECOMING_EN)


@pytest.mark.parametrize("year", [2022, 2025])  # a report without its own text, and one with
def test_data_pages_point_at_their_other_edition(demo_site, year):
    zh, en = f"projects/cs-development-fund/{year}/", f"en/projects/cs-development-fund/{year}/"
    assert f'hreflang="en" href="/{en}"' in read(demo_site, zh + "index.html")
    assert f'hreflang="zh-CN" href="/{zh}"' in read(demo_site, en + "index.html")
    assert 'hreflang="en" href="/en/chapters/beijing/"' in read(demo_site, "chapters/beijing/index.html")


def test_an_untranslated_story_is_not_faked_but_listed_in_chinese(demo_site):
    html = read(demo_site, UNTRANSLATED_ZH)
    assert 'hreflang="en"' not in html.split("</head>")[0]  # no English alternate: there is none
    assert re.search(r'<a href="/en/" hreflang="en" lang="en">English</a>', html)  # the switch goes home
    assert not list((demo_site / "en/stories").glob("tang-*"))
    english_list = read(demo_site, "en/stories/index.html")
    assert f'href="/{UNTRANSLATED_ZH}" hreflang="zh-CN"' in english_list
    assert "Latest in Chinese only" in english_list


def test_every_page_has_a_language_switch_and_hreflang_only_to_real_pages(site):
    """Each edition of a page names the same set of editions (itself among them), each a page
    that exists, and its language switch goes where its hreflang says; in both builds."""
    named = {}
    for path in html_pages(site.output):
        html = path.read_text(encoding="utf-8")
        assert 'class="languages"' in html, path
        head = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]*)"', html))
        named[path] = {lang: target_file(site.output, path, site.local(href)) for lang, href in head.items()}
        assert all(target.exists() for target in named[path].values()), (path, head)
        assert not named[path] or path in named[path].values(), path
        for href, lang in re.findall(
            r'<a href="([^"]*)" hreflang="([^"]+)" lang="[^"]+" rel="alternate">', html
        ):
            assert head.get(lang) == href, (path, lang, href)
    assert [
        path for path, editions in named.items() if any(named[t] != editions for t in editions.values())
    ] == []


def test_dates_amounts_and_data_words_follow_the_language(demo_site):
    zh, en = (
        read(demo_site, "projects/class-of-1986-scholarship/index.html"),
        read(demo_site, "en/projects/class-of-1986-scholarship/index.html"),
    )
    assert re.search(r"¥[\d,]+\.\d\d", zh) and not re.search(r"CNY [\d,]", zh)
    assert re.search(r"CNY [\d,]+\.\d\d", en) and not re.search(r"¥[\d,]+\.\d\d</", en)
    assert "Honor roll" in en and "1 January 2021" in en and "2021年1月1日" in zh and "年1月" not in en
    assert "Scholarships awarded" in read(demo_site, "en/projects/class-of-1986-scholarship/2025/index.html")
    assert "Place</dt><dd>Beijing" in read(demo_site, "en/chapters/beijing/index.html")
    assert '<time datetime="2026-10-18">18 October 2026</time>' in read(demo_site, "en/news/index.html")


def test_every_spending_category_and_the_anonymous_donor_read_in_english(demo_site):
    pages = [*demo_site.glob("en/projects/*/index.html"), *demo_site.glob("en/projects/*/*/index.html")]
    text = "".join(page.read_text(encoding="utf-8") for page in pages)
    assert not re.search(r"Spent on [\u4e00-\u9fff]", text)
    assert not re.search(r"<text[^>]*>[\u4e00-\u9fff]", text)  # chart labels
    assert "匿名校友" not in text and "Anonymous alumni" in text


def test_english_forms_post_for_english_answers(demo_site):
    html = read(demo_site, "en/forms/update/index.html")
    assert 'action="/api/forms/update?lang=en"' in html
    assert ">Mobile" in html and 'href="/en/privacy/"' in html


def test_every_project_and_chapter_has_its_english_name(demo_site):
    projects = read(demo_site, "en/projects/index.html")
    chapters = read(demo_site, "en/chapters/index.html")
    for name in (
        "Computer Science Development Fund",
        "Student Innovation Fund",
        "Campus Culture Fund",
        "Class of 1986 Scholarship",
    ):
        assert name in projects
    assert chapters.count('class="card"') == 8 and not re.search(r"[\u4e00-\u9fff]+校友会", chapters)


def test_a_chapter_without_english_text_says_so_and_links_the_original(make_repo):
    repo = make_repo({"chapters/beijing.md": "Summary: 北京校友会。\n\n北京校友会成立于1985年。\n"})
    output = build_repo(repo).output
    html = (output / "en/chapters/beijing/index.html").read_text(encoding="utf-8")
    assert "This text has not been translated yet." in html
    assert 'href="/chapters/beijing/" hreflang="zh-CN"' in html
    assert "成立于1985年" not in html


def test_an_english_file_beside_its_original_becomes_its_translation(make_repo):
    repo = make_repo({
        "news/gala.md": "Title: 校友晚会\nDate: 2026-05-01\n\n晚会正文。\n",
        "news/gala.en.md": "Title: Alumni gala\nDate: 2026-05-01\n\nThe gala text.\n",
    })  # fmt: skip
    output = build_repo(repo).output
    assert (output / "en/news/alumni-gala.html").exists()
    assert "Alumni gala" in (output / "en/index.html").read_text(encoding="utf-8")
    assert "Alumni gala" not in (output / "news/index.html").read_text(encoding="utf-8")


def test_the_sitemap_names_each_pages_other_edition_both_ways_as_its_head_does(site):
    """Search engines read hreflang from the sitemap too; it named no edition at all."""
    from xml.etree import ElementTree

    sitemap, xhtml = "{http://www.sitemaps.org/schemas/sitemap/0.9}", "{http://www.w3.org/1999/xhtml}"
    editions = {
        url.findtext(f"{sitemap}loc"): {link.get("hreflang"): link.get("href") for link in url.iter(f"{xhtml}link")}
        for url in ElementTree.parse(site.output / "sitemap.xml").getroot()
    }  # fmt: skip
    assert editions[f"{site.address}/{HOMECOMING_ZH}"] == {
        "zh-CN": f"{site.address}/{HOMECOMING_ZH}", "en": f"{site.address}/{HOMECOMING_EN}"
    }  # fmt: skip
    assert editions[f"{site.address}/{UNTRANSLATED_ZH}"] == {}  # no English page, none named
    for url, named in editions.items():
        assert all(editions.get(other) == named for other in named.values()), url  # both ways
        page = site.output / url.removeprefix(f"{site.address}/")
        head = read(site.output, str(page / "index.html" if url.endswith("/") else page)).split("</head>")[0]
        in_head = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]*)"', head))
        assert named == (
            {lang: site.address + site.local(href) for lang, href in in_head.items()}
            if len(in_head) > 1
            else {}
        )
