"""Alumni fill in forms in a real Chromium, with and without JavaScript; rows land in the inbox."""

import pytest
from playwright.sync_api import expect

from core.tables import read_records
from tests.e2e.conftest import overflow, screenshot

PHONE = 375


def fill_staff_update(page, name: str, mobile: str, email: str = "") -> None:
    page.fill("#f-name", name)
    page.select_option("#f-gender", "female")
    page.select_option("#f-relation", "staff")
    page.fill("#f-staff_years", "1990-2015")
    page.fill("#f-staff_unit", "图书馆")
    page.fill("#f-mobile", mobile)
    if email:
        page.fill("#f-email", email)
    page.check("#f-consent")


def rows_named(inbox, name: str) -> list[dict]:
    return [row for row in read_records(inbox / "update-v1.csv") if row["name"] == name]


def test_with_javascript_errors_show_beside_the_field_then_the_row_lands(open_page, site_inbox):
    page = open_page(PHONE)
    page.goto(page.base + "/forms/update/")
    assert overflow(page) == 0
    fill_staff_update(page, "脚本校友", "12345")
    page.click("button[type=submit]")
    error = page.locator("#err-mobile")
    expect(error).to_contain_text("手机号码不对")
    expect(page.locator("#f-mobile")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith("/forms/update/")  # no reload: what was typed is still there
    expect(page.locator("#f-name")).to_have_value("脚本校友")
    screenshot(page, "form-js-error")

    page.fill("#f-mobile", "+86 139 0000 2222")
    page.click("button[type=submit]")
    expect(page).to_have_url(page.base + "/forms/update/thanks/")
    expect(page.locator("h1")).to_have_text("提交成功")
    [row] = rows_named(site_inbox, "脚本校友")
    assert (row["mobile"], row["staff_unit"], row["consent"]) == ("13900002222", "图书馆", "yes")
    # The handler's 422 answer is a failed resource to Chromium; nothing else may go wrong.
    assert [p for p in page.problems if "422" not in p] == []


@pytest.fixture
def no_script_page(browser, site_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": PHONE, "height": 900})
    page = context.new_page()
    page.base = site_server
    yield page
    context.close()


def test_without_javascript_a_plain_post_lands_the_row(no_script_page, site_inbox):
    page = no_script_page
    page.goto(page.base + "/forms/update/")
    fill_staff_update(page, "无脚本校友", "139 0000 3333")
    page.click("button[type=submit]")
    expect(page).to_have_url(page.base + "/forms/update/thanks/")
    assert len(rows_named(site_inbox, "无脚本校友")) == 1


def test_without_javascript_errors_come_back_beside_the_fields_with_what_was_typed(
    no_script_page, site_inbox
):
    page = no_script_page
    page.goto(page.base + "/forms/update/")
    fill_staff_update(
        page, "填错校友", "139 0000 4444", email="wang@localhost"
    )  # the browser takes it, the handler does not
    page.click("button[type=submit]")
    expect(page.locator("#err-email")).to_contain_text("邮箱地址格式不对")
    expect(page.locator("#form-errors")).to_contain_text("请更正以下 1 处")
    expect(page.locator("#f-name")).to_have_value("填错校友")
    expect(page.locator("#f-mobile")).to_have_value("13900004444")
    screenshot(page, "form-no-js-error")
    assert rows_named(site_inbox, "填错校友") == []


def test_event_registration_comes_preselected_from_the_event_page(open_page, site_inbox):
    page = open_page(PHONE)
    page.goto(page.base + "/events/homecoming-2027/")
    page.get_by_role("link", name="报名").click()
    expect(page.locator("#f-event")).to_have_value("homecoming-2027")
