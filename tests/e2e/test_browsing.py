import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import overflow, screenshot

PHONE, DESKTOP = 375, 1280


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_home_page_fits_the_screen_without_errors(open_page, width):
    page = open_page(width)
    page.goto(page.base + "/")
    expect(page.locator("h1")).to_have_text("示例大学校友总会")
    screenshot(page, f"home-{width}")
    assert overflow(page) == 0
    assert page.problems == []


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_visitor_follows_links_to_a_chapter_and_a_story(open_page, width):
    page = open_page(width)
    page.goto(page.base + "/")
    page.get_by_role("region", name="校友组织").get_by_role("link", name="重庆校友会").click()
    expect(page).to_have_url(page.base + "/chapters/chongqing/")
    expect(page.locator("h1")).to_have_text("重庆校友会")
    expect(page.get_by_text("重庆校友会年会")).to_be_visible()
    screenshot(page, f"chapter-{width}")
    assert overflow(page) == 0

    page.get_by_role("link", name="首页").first.click()
    page.get_by_role("link", name="阅读全文").click()
    expect(page).to_have_url(
        page.base + "/stories/tang-zhi-yuan-hui-dao-shan-cun-xiao-xue-de-xiao-zhang.html"
    )
    expect(page.locator("h1")).to_contain_text("唐志远")
    screenshot(page, f"story-{width}")
    assert overflow(page) == 0
    assert page.problems == []


def test_an_unknown_address_gets_the_themed_404(open_page):
    page = open_page(PHONE)
    response = page.goto(page.base + "/no/such/page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    page.get_by_role("link", name="返回首页").click()
    expect(page).to_have_url(page.base + "/")


@pytest.mark.parametrize(
    "path",
    ["/projects/cs-development-fund/", "/projects/cs-development-fund/2025/", "/events/", "/class-notes/"],
)
def test_data_pages_fit_a_phone(open_page, path):
    page = open_page(PHONE)
    page.goto(page.base + path)
    screenshot(page, "phone" + path.replace("/", "-").rstrip("-"))
    assert overflow(page) == 0
    assert page.problems == []


def test_donor_downloads_the_figures_of_a_project(open_page):
    page = open_page(DESKTOP)
    page.goto(page.base + "/projects/student-innovation-fund/")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载收支数据（CSV）").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("年度 year,") and "合计 total" in text


@pytest.mark.parametrize("path", ["/chapters/", "/en/projects/"])
def test_cards_look_like_links_and_the_whole_card_is_one(open_page, path):
    page = open_page(PHONE)
    page.goto(page.base + path)
    card = page.locator(".card").first
    title = card.locator("a.item-title")
    style = title.evaluate("a => [getComputedStyle(a).textDecorationLine, getComputedStyle(a).color]")
    assert style[0] == "underline" and style[1] == page.evaluate(
        "getComputedStyle(document.querySelector('a')).color"
    )
    target = title.get_attribute("href")
    box = card.locator(".meta").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 5, box["y"] + box["height"] / 2)  # beside the title, not on it
    expect(page).to_have_url(page.base + target)


def test_the_events_page_shows_the_reunion_classes_of_the_next_homecoming_not_a_past_one(open_page):
    page = open_page(PHONE)
    page.goto(page.base + "/events/")  # the build's day is 2026-11-23, after the 2026 homecoming
    reunion = page.get_by_role("region", name="2027年秩年返校")
    expect(reunion).to_contain_text("2017级")
    expect(reunion.get_by_role("link", name="2027年校友返校日")).to_be_visible()
    expect(page.get_by_role("region", name="2026年秩年返校")).to_have_count(0)


@pytest.mark.parametrize(
    "path", ["/projects/cs-development-fund/pledge/", "/en/projects/cs-development-fund/pledge/"]
)
def test_the_pledge_form_prints_on_one_a4_page_without_the_sites_menus(open_page, path):
    page = open_page(DESKTOP)
    page.goto(page.base + path)
    expect(page.locator("button.print")).to_be_visible()  # with JavaScript, a button opens printing
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    screenshot(page, "pledge-print" + ("-en" if "/en/" in path else ""))
