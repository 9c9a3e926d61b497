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
