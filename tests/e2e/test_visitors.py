"""What a visitor's fingers, keyboard and phone meet: targets a finger can hit, a focus ring that
shows on the header, an open photo that keeps the keyboard, and what editors paste into an article
(a long address, a line of code, a wide table, a video) kept within a phone's screen."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import overflow
from tests.support import ROOT, build_repo, dark_context, preview_server

PHONE = 360
ARTICLE = "/news/2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming.html"

# The header's links and switch, breadcrumbs, page links, the photo viewer's links, and every button.
TARGETS = """() => [...document.querySelectorAll(`.brand, .menu a, .languages a, .text-size, .crumbs a,
    .pagination a, .lightbox-nav a, main button, .button`)]
  .filter(el => el.getClientRects().length)
  .map(el => [el.textContent.trim(), ...['width', 'height'].map(side => Math.round(el.getBoundingClientRect()[side]))])
  .filter(([, width, height]) => width < 44 || height < 44)"""


@pytest.mark.parametrize("edition", ["", "/en"])
def test_the_menu_the_switches_and_every_button_are_a_fingers_width_on_a_phone(open_page, edition):
    page = open_page(PHONE, 740)
    small = []
    for path in ("/", ARTICLE if not edition else "/projects/cs-development-fund/", "/projects/cs-development-fund/pledge/", "/search/"):  # fmt: skip
        page.goto(page.base + edition + path)
        small += [(path, *target) for target in page.evaluate(TARGETS)]
    assert small == []


# The contrast of the focused element's outline with the colour behind it (WCAG 1.4.11: 3:1).
RING_CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ring = lum(getComputedStyle(document.activeElement).outlineColor);
  const behind = lum(getComputedStyle(document.querySelector('.site-header')).backgroundColor);
  return (Math.max(ring, behind) + 0.05) / (Math.min(ring, behind) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_keyboard_focus_shows_on_the_header_in_both_colour_schemes(browser, site_server, scheme):
    context = browser.new_context(viewport={"width": PHONE, "height": 740}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(site_server + "/")
        for _ in range(3):  # the skip link, the site's name, the menu's first link
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('.menu') !== null")
        assert page.evaluate(RING_CONTRAST) >= 3
    finally:
        context.close()


# Each placeholder's contrast with its box, and the colour scheme the browser draws the box's own
# parts in (a date box's calendar icon, a drop-down's arrow).
PLACEHOLDERS = """() => [...document.querySelectorAll('input[placeholder], input[type=date], select')].map(el => {
  const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const text = lum(getComputedStyle(el, '::placeholder').color), box = lum(getComputedStyle(el).backgroundColor);
  return [el.id, Math.round((Math.max(text, box) + 0.05) / (Math.min(text, box) + 0.05) * 10) / 10, getComputedStyle(el).colorScheme];
})"""


def test_in_the_dark_scheme_placeholders_read_and_the_browsers_own_controls_are_drawn_dark(
    browser, site_server
):
    context = browser.new_context(viewport={"width": PHONE, "height": 740}, color_scheme="dark")
    page = context.new_page()
    try:
        found = []
        for path in ("/search/", "/forms/update/"):
            page.goto(site_server + path)
            found += page.evaluate(PLACEHOLDERS)
        assert (
            found and [f for f in found if f[0] != "f-website" and (f[1] < 4.5 or "dark" not in f[2])] == []
        )
    finally:
        context.close()


# Text printed on white paper at under 4.5:1: its colour against white, element by element.
PALE_ON_PAPER = """() => {
  const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return [...document.querySelectorAll('main *')].filter(el => el.getClientRects().length
      && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(el => [el.textContent.trim().slice(0, 12), Math.round(1.05 / (lum(getComputedStyle(el).color) + 0.05) * 10) / 10])
    .filter(([, ratio]) => ratio < 4.5);
}"""


@pytest.mark.parametrize("text", ["normal", "large"])
def test_a_page_printed_in_dark_mode_prints_dark_text_on_white(browser, site_server, text):
    context = dark_context(browser, 1280, 900, text)
    page = context.new_page()
    try:
        pale = []
        for path in ("/events/homecoming-2026/", "/projects/cs-development-fund/"):
            page.goto(site_server + path)
            page.emulate_media(media="print")
            pale += [(path, *found) for found in page.evaluate(PALE_ON_PAPER)]
        assert pale == []
    finally:
        context.close()


@pytest.mark.parametrize("script", [False, True], ids=["without-javascript", "with-javascript"])
def test_an_open_photo_keeps_the_keyboard_and_escape_closes_it(browser, site_server, script):
    context = browser.new_context(java_script_enabled=script, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(site_server + "/events/homecoming-2026/")
        page.locator(".gallery-grid a").first.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#photo-1")).to_be_visible()
        where = "(() => { const e = document.activeElement; return e === document.body || !!e.closest('.lightbox:target'); })()"  # fmt: skip
        for _ in range(6):  # round the photo's own links, never to one hidden under the overlay
            page.keyboard.press("Tab")
            assert page.evaluate(where), page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        if script:
            page.keyboard.press("Escape")
            expect(page.locator(".lightbox:target")).to_have_count(0)
            assert page.evaluate("document.activeElement.getAttribute('href')") == "#photo-1"
    finally:
        context.close()


# What editors paste: an address too long for a line, in a summary and the text, a line of code,
# a table wider than a phone and a video sized for a computer.
LONG = "https://alumni.example.edu.cn/forms/event-registration/?event=homecoming-2027&from=newsletter-spring-2027"
NEWS = f"""Title: 2027年返校日日程与报名须知
Date: 2026-11-01
Summary: 报名地址：{LONG}

2027年校友返校日定于10月17日举行，学府路校区各学院当天全天开放。报名地址：{LONG}

在手机日历中订阅全部校友活动，请添加以下地址：

    https://alumni.example.edu.cn/calendars/all-events-of-the-alumni-association-and-its-chapters.ics

| 时间 | 地点 | 活动 | 组织单位 | 说明 |
|---|---|---|---|---|
| 08:30–09:30 | 学府路校门 | 签到、领取纪念品 | 校友总会办公室 | 请出示报名确认短信 |
| 10:00–11:30 | 大礼堂 | 返校日大会 | 校友总会 | 秩年返校班级在前排就座 |

<video width="640" height="360" controls></video>
"""
# The article itself, the lists that show its summary, and the chapter cards.
PASTED_ON = ["/news/2027-nian-fan-xiao-ri-ri-cheng-yu-bao-ming-xu-zhi.html", "/news/", "/", "/chapters/"]
CHAPTER = f"Summary: 北京校友会春季聚会报名：{LONG}\n\n北京校友会每年春季在京举办校友聚会。\n"


@pytest.fixture(scope="module")
def pasted_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("pasted")
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    for name, text in {"news/homecoming-guide.md": NEWS, "chapters/beijing.md": CHAPTER}.items():
        (root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / name).write_text(text, encoding="utf-8")
    build_repo(root, PHOTO_CACHE=str(ROOT / "cache/pictures"), SEARCH_INDEX=False)
    with preview_server(root / "output", root / "inbox", root / "server.log") as url:
        yield url


@pytest.mark.parametrize("width", [PHONE, 390])
def test_long_addresses_code_wide_tables_and_videos_stay_within_a_phone(browser, pasted_site, width):
    page = browser.new_page(viewport={"width": width, "height": 740})
    try:
        wide = []
        for path in PASTED_ON:
            assert page.goto(pasted_site + path).status == 200, path
            if overflow(page):
                wide.append((path, overflow(page)))
        assert wide == []
    finally:
        page.close()
