"""Alumni fill in forms in a real Chromium, with and without JavaScript; rows land in the inbox."""

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


def test_sent_again_after_a_lost_answer_it_is_one_submission(open_page, site_inbox):
    """The handler stored the row but its answer never came back (a dropped connection); the
    alumnus sends again, and the review finds one submission, not two."""
    from forms.inbox import once_each

    page = open_page(PHONE)
    page.goto(page.base + "/forms/update/")
    fill_staff_update(page, "重发校友", "+86 139 0000 3333")

    def answer_lost(route) -> None:
        route.fetch()  # the handler takes and stores the row
        route.abort("connectionreset")

    page.route("**/api/forms/update", answer_lost, times=1)
    page.click("button[type=submit]")
    expect(page.locator("#err-consent")).to_contain_text("网络出错")
    page.click("button[type=submit]")
    expect(page).to_have_url(page.base + "/forms/update/thanks/")
    stored = rows_named(site_inbox, "重发校友")
    assert len(stored) == 2 and stored[0]["id"] == stored[1]["id"]  # the same id, twice on disk
    assert len(once_each(stored)) == 1  # read back as one


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


def test_without_javascript_a_class_note_with_mistakes_comes_back_in_the_sites_layout_and_goes_through(
    no_script_page, site_inbox
):
    page = no_script_page
    page.goto(page.base + "/forms/class-note/")
    page.fill("#f-class_year", "1986")
    page.fill("#f-college", "  ")  # the browser takes spaces and this address; the handler does not
    page.fill("#f-author", " ")
    page.fill("#f-title", "八六级无脚本投稿")
    page.fill("#f-body", "毕业四十年，我们约好明年返校日在老图书馆门口再聚。")
    page.fill("#f-email", "class86@localhost")
    page.check("#f-consent")
    page.click("button[type=submit]")
    expect(page.get_by_role("navigation", name="主菜单")).to_be_visible()  # the site's menu and footer
    expect(page.locator("footer.site-footer")).to_contain_text("隐私政策")
    expect(page.locator("#form-errors li")).to_have_text(  # the page's language first, then English
        [
            "院系：请填写此项 / Please fill this in",
            "署名：请填写此项 / Please fill this in",
            "联系邮箱：邮箱地址格式不对，请写成 name@example.com 的形式 / Not an e-mail address; write it like name@example.com",
        ]
    )
    page.get_by_role("link", name="署名：请填写此项 / Please fill this in").click()
    assert page.url.endswith("#f-author")
    expect(page.locator("#f-title")).to_have_value("八六级无脚本投稿")
    screenshot(page, "form-no-js-class-note-errors")

    page.fill("#f-college", "计算机学院")
    page.fill("#f-author", "八六级计算机班")
    page.fill("#f-email", "class86@example.com")
    page.check("#f-consent")
    page.click("button[type=submit]")  # posts to the handler again, under /api/forms
    expect(page).to_have_url(page.base + "/forms/class-note/thanks/")
    notes = read_records(site_inbox / "class-note-v2.csv")
    assert [row["author"] for row in notes if row["title"] == "八六级无脚本投稿"] == ["八六级计算机班"]


def test_long_forms_come_in_groups_with_controls_of_one_height(open_page):
    page = open_page(PHONE)
    page.goto(page.base + "/forms/update/")
    expect(page.locator("fieldset legend")).to_have_text(["个人信息", "在校经历", "工作", "联系方式"])
    heights = page.eval_on_selector_all(
        "form.form input:not([type=checkbox]):not([type=hidden]):not([name=website]), form.form select",
        "els => els.map(e => Math.round(e.getBoundingClientRect().height))",
    )
    assert len(set(heights)) == 1 and heights[0] >= 44, heights
    expect(page.locator(".consent label a")).to_have_count(1)
    expect(page.locator(".consent label")).to_have_text(
        "我已阅读《隐私政策》，同意校友总会按其中所述保存和使用以上信息。"
    )
