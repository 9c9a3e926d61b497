"""axe-core in the real Chromium on every page type; the keyboard reaches menu and form fields."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import PAGES, screenshot

AXE = Axe()


# Every page type of the default edition; of the English one, drawn by the same templates, the
# home page, an article and the forms, whose labels and messages are its own words.
CHECKED = [path for path in PAGES if not path.startswith("/en/")] + [
    "/en/", "/en/news/homecoming-day-2026-thousands-of-alumni-return-to-xuefu-road.html", "/en/forms/update/",
    "/en/projects/cs-development-fund/pledge/", "/en/search/",
]  # fmt: skip


@pytest.mark.parametrize("path", CHECKED)
def test_no_serious_accessibility_violation(open_page, path):
    page = open_page(375)
    page.goto(page.base + path)
    violations = AXE.run(page).response["violations"]
    assert [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")] == []


def test_the_keyboard_reaches_the_menu_and_every_form_field_with_a_visible_focus(open_page):
    page = open_page(1280)
    page.goto(page.base + "/forms/update/")
    reached, outlines = [], set()
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement;
            const s = getComputedStyle(e); return [e.id || e.getAttribute('href') || e.tagName, s.outlineStyle + ' ' + s.outlineWidth]; }""")
        reached.append(focused[0])
        outlines.add(focused[1])
    fields = page.evaluate(
        "[...document.querySelectorAll('form.form [name]')].filter(e => e.name !== 'website' && e.type !== 'hidden').map(e => e.id)"
    )
    assert "#main" in reached and "/news/" in reached  # the skip link and the menu
    assert "/search/" in reached and "/en/forms/update/" in reached  # search and the language switch
    assert [f for f in fields if f not in reached] == []
    assert "none 0px" not in outlines  # every focused element shows its focus
    screenshot(page, "keyboard-focus")


def test_the_home_page_weighs_under_150_kb(open_page):
    page = open_page(375)
    page.goto(page.base + "/")
    page.wait_for_load_state("networkidle")
    total = page.evaluate("""() => { const nav = performance.getEntriesByType('navigation')[0];
        return nav.transferSize + performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0); }""")
    assert 0 < total < 150 * 1024
