"""大字版, the larger-text switch: on every page, remembered from page to page, working without
JavaScript; in it, body text has lines at least 1.5 apart and contrast of at least 7:1, axe finds
nothing serious and the keyboard reaches everything."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import PAGES, screenshot
from tests.support import dark_context

# The enhanced contrast rule (WCAG AAA, 7:1) is off in axe by default; in larger text it is ours.
AXE_LARGE = {"resultTypes": ["violations"], "rules": {"color-contrast-enhanced": {"enabled": True}}}

# Body text whose lines are closer than 1.5 times its size (headings and controls aside).
TIGHT_LINES = """() => [...document.querySelectorAll('main *, header *, footer *')].filter(el => {
  if (el.closest('h1, h2, h3, h4, h5, h6, legend, button, select, option, svg') || !el.getClientRects().length) return false;
  if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) return false;
  const style = getComputedStyle(el), height = parseFloat(style.lineHeight);
  return !(height / parseFloat(style.fontSize) >= 1.5);
}).map(el => `<${el.localName}> ${getComputedStyle(el).lineHeight}: ${el.textContent.trim().slice(0, 20)}`)"""


def large(page):
    """The page as a visitor who chose larger text on an earlier page sees it."""
    page.add_init_script("localStorage.setItem('text-size', 'large')")
    return page


def test_the_switch_enlarges_the_text_and_every_page_after_remembers_it(open_page):
    page = open_page(375)
    page.goto(page.base + "/")
    size = "getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(size) == "16px"
    switch = page.get_by_role("button", name="大字版")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    root = page.locator("html")  # expect() waits for the next page to have run its head script
    expect(root).to_have_css("font-size", "20px")
    page.get_by_role("link", name="校友活动").click()
    expect(page).to_have_url(page.base + "/events/")
    expect(root).to_have_css("font-size", "20px")
    expect(page.get_by_role("button", name="大字版")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(page.base + "/en/events/")
    expect(root).to_have_css("font-size", "20px")  # the same choice in the other edition
    page.get_by_role("button", name="Larger text").click()
    page.reload()
    expect(root).to_have_css("font-size", "16px")
    assert page.problems == []


def test_without_javascript_the_switch_is_a_link_that_enlarges_the_page(browser, site_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(site_server + "/projects/cs-development-fund/")
    expect(page.get_by_role("button", name="大字版")).to_be_hidden()
    page.get_by_role("link", name="大字版").click()
    expect(page.locator("html")).to_have_css("font-size", "20px")
    screenshot(page, "large-text-without-javascript")
    page.get_by_role("link", name="标准字").click()
    expect(page.locator("html")).to_have_css("font-size", "16px")
    context.close()


# The English edition's pages are drawn by the same templates and stylesheet (their normal-size
# contrast is checked in test_accessibility): one edition is enough here.
@pytest.mark.parametrize("path", [path for path in PAGES if not path.startswith("/en/")])
def test_in_larger_text_lines_are_apart_and_contrast_is_at_least_7_to_1(open_page, path):
    page = large(open_page(375))
    page.goto(page.base + path)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    violations = Axe().run(page, options=AXE_LARGE).response["violations"]
    assert [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")] == []
    assert page.evaluate(TIGHT_LINES) == []


def test_in_larger_text_the_keyboard_reaches_the_switch_the_menu_and_every_field(open_page):
    page = large(open_page(375, 800))
    page.goto(page.base + "/forms/update/")
    reached, unseen = [], []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
            return [e.id || e.getAttribute('href') || e.className || e.localName, s.outlineStyle !== 'none',
                    r.left >= 0 && r.right <= innerWidth + 1, e.type]; }""")
        if focused[0] == "body":
            break  # past the last link, to the browser's own controls
        reached.append(focused[0])
        # A date box's calendar button is focused inside the box and ringed by Chromium itself.
        if not ((focused[1] or (focused[3] == "date" and reached[-2:-1] == [focused[0]])) and focused[2]):
            unseen.append(focused[0])
    assert "text-size" in reached and "/news/" in reached and "/en/forms/update/" in reached
    fields = page.evaluate(
        "[...document.querySelectorAll('form.form [name]')].filter(e => e.name !== 'website' && e.type !== 'hidden').map(e => e.id)"
    )
    assert [f for f in fields if f not in reached] == []
    assert unseen == []  # every focused element shows its focus, within the screen
    page.goto(page.base + "/")
    page.keyboard.press("Tab")  # the skip link
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "text-size":
            break
    page.keyboard.press("Enter")  # the switch works from the keyboard: back to normal text
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    screenshot(page, "large-text-keyboard")


@pytest.mark.parametrize("text", ["normal", "large"])
def test_the_dark_colour_scheme_keeps_its_contrast_in_both_sizes(browser, site_server, text):
    """Phones in dark mode: buttons, errors and grey text (4.5:1, and 7:1 in larger text)."""
    context = dark_context(browser, 375, 800, text)
    page = context.new_page()
    options = AXE_LARGE if text == "large" else {"resultTypes": ["violations"]}
    found = []
    for path in ("/", "/projects/cs-development-fund/", "/forms/update/", "/en/search/"):
        page.goto(site_server + path)
        found += [(path, v["id"]) for v in Axe().run(page, options=options).response["violations"] if v["impact"] in ("serious", "critical")]  # fmt: skip
    context.close()
    assert found == []
