"""Search in the real Chromium: Pagefind's index of the built site, Chinese words and English apart,
a chapter's or project's own page first for its name, excerpts from the text only."""

import json
import re

import pytest
from playwright.sync_api import expect

from office.build import build_site
from tests.support import BUILD_DATE, ROOT, preview_server


def results(page, path: str, words: str) -> list[tuple[str, str, str]]:
    """(title, address, excerpt) of what the search page finds for the words, in order."""
    page.goto(page.base + path)
    page.fill("#search-words", words)
    page.wait_for_selector(".search-results li a")
    page.wait_for_load_state("networkidle")
    return page.eval_on_selector_all(
        ".search-results li",
        "items => items.map(li => [li.querySelector('a').textContent, li.querySelector('a').getAttribute('href'),"
        " li.querySelector('p').textContent])",
    )


@pytest.mark.parametrize(
    ("path", "words", "title", "address"),
    [
        ("/search/", "返校", "2026年校友返校日举行 数千名校友重回学府路", "/news/2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming.html"),
        ("/search/", "奖学金", "八六级校友励学奖学金", "/projects/class-of-1986-scholarship/"),
        ("/en/search/", "homecoming", "Homecoming Day 2026: thousands of alumni return to Xuefu Road", "/en/news/homecoming-day-2026-thousands-of-alumni-return-to-xuefu-road.html"),
    ],
)  # fmt: skip
def test_search_finds_the_page(open_page, path, words, title, address):
    page = open_page(1280)
    found = results(page, path, words)
    assert (title, address) in [(t, a) for t, a, _ in found]
    assert page.problems == []


def test_each_edition_finds_only_its_own_pages(open_page):
    page = open_page(1280)
    chinese = results(page, "/search/", "返校")
    english = results(page, "/en/search/", "homecoming")
    assert chinese and all(not href.startswith("/en/") for _, href, _ in chinese)
    assert english and all(href.startswith("/en/") for _, href, _ in english)


@pytest.mark.parametrize(
    ("path", "words", "first", "after"),
    [
        (
            "/search/",
            "奖学金",
            "/projects/class-of-1986-scholarship/",
            "/projects/class-of-1986-scholarship/20",
        ),
        (
            "/search/",
            "学生创新基金",
            "/projects/student-innovation-fund/",
            "/projects/student-innovation-fund/20",
        ),
        ("/search/", "重庆校友会", "/chapters/chongqing/", "/"),  # before its annual meeting's event and news
        ("/search/", "北美校友会", "/chapters/north-america/", "/"),
        ("/en/search/", "chongqing chapter", "/en/chapters/chongqing/", "/en/"),
    ],
)
def test_a_project_or_chapter_page_comes_first_for_its_own_name(open_page, path, words, first, after):
    page = open_page(375)
    found = [href for _, href, _ in results(page, path, words)]
    assert found[0] == first
    assert [href for href in found[1:] if href.startswith(after)]  # its reports, news, events follow


def test_excerpts_are_sentences_of_the_text_without_labels_or_the_title(open_page):
    page = open_page(375)
    found = results(page, "/search/", "返校日") + results(page, "/search/", "八六级校友励学奖学金")
    # A fact list read as text: "日期2027年10月16日 类别返校日 所在地…", "报名报名", "已筹得 ¥…".
    labels = re.compile(r"日期\d|类别\w|所在地\w|主办示例|报名报名|已筹得|成立年份\d|联系我们\w")
    assert [(href, excerpt) for _, href, excerpt in found if labels.search(excerpt)] == []
    for title, href, excerpt in found:
        assert not (excerpt and title.endswith(excerpt.split("。")[0].split(" ")[0])), (href, excerpt)
        # The excerpt begins a sentence, or says it was cut ("…").
        assert (
            excerpt == ""
            or excerpt.startswith("…")
            or page.evaluate(
                """([href, start]) => fetch(href).then(r => r.text()).then(html => {
                 const text = new DOMParser().parseFromString(html, 'text/html').querySelector('main').textContent;
                 for (let at = text.indexOf(start); at >= 0; at = text.indexOf(start, at + 1))
                   if (/(^|[。！？”\\n]\\s*)$/.test(text.slice(0, at))) return true;
                 return false; })""",
                [href, excerpt.split(". ")[0][:8]],
            )
        ), (href, excerpt)
    homecoming = next(excerpt for _, href, excerpt in found if href == "/events/homecoming-2027/")
    assert homecoming.startswith("示例大学校友总会主办的返校日，2027年10月16日在示例大学主校区举行。")


def test_a_search_can_be_linked_to(open_page):
    page = open_page(375)
    page.goto(page.base + "/search/?q=乡村医生")
    page.wait_for_selector(".search-results li a")
    assert page.input_value("#search-words") == "乡村医生"
    assert (
        page.get_attribute(".search-results li a", "href")
        == "/stories/he-jian-hua-shan-lu-shang-de-xiang-cun-yi-sheng.html"
    )
    assert page.locator(".search-status").inner_text() == "找到 1 个页面"


@pytest.fixture(scope="module")
def parted_server(tmp_path_factory):
    """The demo site with each edition's index in parts of 20 pages, as a big site's is."""
    root = tmp_path_factory.mktemp("parted")
    build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(root / "output"), "BUILD_DATE": BUILD_DATE,
                                         "SEARCH_PART_PAGES": 20})  # fmt: skip
    layout = json.loads((root / "output/pagefind/parts.json").read_text(encoding="utf-8"))
    assert len(layout["zh-cn"]) >= 2 and len(layout["en"]) >= 2, layout
    with preview_server(root / "output", root / "inbox", root / "server.log") as url:
        yield url


@pytest.mark.parametrize(
    ("path", "words"),
    [("/search/", "校友"), ("/search/", "奖学金 校友"), ("/en/search/", "alumni"),
     ("/en/search/", "chongqing xyzzy")],  # words on many pages, in every part; words some parts lack; one no part has
)  # fmt: skip
def test_an_index_in_parts_finds_what_one_index_finds(open_page, parted_server, path, words):
    """Pagefind's one index of the same pages is the oracle: the same pages are found (in an
    order that may differ, as each part weighs words by its own pages)."""
    page = open_page(1280)
    whole = every_result(page, path, words)
    page.base = parted_server
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    parted = every_result(page, path, words)
    assert sorted(parted) == sorted(whole) and len(whole) >= 2
    # Every part is searched, with the first part's one WebAssembly file.
    assert len([url for url in fetched if url.endswith(".pagefind")]) == 1
    layout = page.request.get(f"{parted_server}/pagefind/parts.json").json()
    entries = {url.split("?")[0] for url in fetched if url.split("?")[0].endswith("pagefind-entry.json")}
    assert len(entries) == 1 + len(layout["en" if path.startswith("/en/") else "zh-cn"])
    assert page.problems == []


def every_result(page, path: str, words: str) -> list[str]:
    """The addresses of all that is found, "More results" clicked until there are no more."""
    results(page, path, words)
    while page.locator(".search-more").is_visible():
        shown = page.locator(".search-results li").count()
        page.click(".search-more")
        expect(page.locator(".search-results li")).not_to_have_count(shown)
    found = page.eval_on_selector_all(
        ".search-results li a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert page.locator(".search-status").inner_text() in (
        f"找到 {len(found)} 个页面",
        f"Pages found: {len(found)}",
    )
    return found


def test_a_search_without_its_index_says_so_in_a_sentence(open_page):
    """No index to load (a site with nothing to index yet, or the network gone): the visitor
    reads one sentence, nothing is left uncaught, and the search box still works."""
    page = open_page(1280)
    page.route("**/pagefind/pagefind.js", lambda route: route.fulfill(status=404, body=""))
    page.goto(page.base + "/search/")
    page.fill("#search-words", "返校")
    expect(page.locator(".search-status")).to_have_text("搜索暂时无法使用，请稍后再试，或浏览归档。")
    assert page.locator(".search-results li").count() == 0
    assert [problem for problem in page.problems if "Failed to load resource" not in problem] == []
