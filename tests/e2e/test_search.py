"""Search in the real Chromium: Pagefind's index of the built site, Chinese words and English apart."""

import pytest


def results(page, path: str, words: str) -> list[tuple[str, str]]:
    """(title, address) of what the search page finds for the words."""
    page.goto(page.base + path)
    page.fill("#search input", words)
    page.wait_for_selector(".pagefind-ui__result-link")
    page.wait_for_load_state("networkidle")
    links = page.query_selector_all(".pagefind-ui__result-link")
    return [(link.inner_text(), link.get_attribute("href")) for link in links]


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
    assert (title, address) in found
    assert page.problems == []


def test_each_edition_finds_only_its_own_pages(open_page):
    page = open_page(1280)
    chinese = results(page, "/search/", "返校")
    english = results(page, "/en/search/", "homecoming")
    assert chinese and all(not href.startswith("/en/") for _, href in chinese)
    assert english and all(href.startswith("/en/") for _, href in english)
