"""Photos as a visitor's browser gets them: the width the screen needs, nothing moving while they
load, a gallery that works without JavaScript, and share images that social sites can fetch."""

import io
import re
import shutil

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.support import ROOT, build_repo, free_port, photo_file, preview_server

PHONE, DESKTOP = 375, 1280
ARTICLE = "/news/2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming.html"
LOADED = "img => img.complete && img.naturalWidth > 0"
# The sum of every layout shift since the page started (CLS as the browser counts it).
LAYOUT_SHIFT = """() => new Promise(resolve => {
    let total = 0;
    const moved = [];
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) {
            if (e.hadRecentInput) continue;
            total += e.value;
            for (const s of e.sources) moved.push(s.node ? s.node.outerHTML.slice(0, 120) : "?");
        }
    }).observe({type: 'layout-shift', buffered: true});
    setTimeout(() => resolve([total, moved]), 300);
})"""


@pytest.mark.parametrize("width, copy", [(PHONE, 480), (DESKTOP, 800)], ids=["phone", "desktop"])
def test_the_browser_fetches_the_width_the_screen_needs(open_page, width, copy):
    page = open_page(width)
    page.goto(page.base + ARTICLE)
    for photo in (page.locator("figure.cover img"), page.locator("figure.photo img")):
        photo.scroll_into_view_if_needed()
        page.wait_for_function(LOADED, arg=photo.element_handle())
        assert re.search(rf"-{copy}\.webp$", photo.evaluate("img => img.currentSrc"))
    assert page.problems == []


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", ["/", ARTICLE, "/news/", "/events/homecoming-2026/"])
def test_nothing_moves_while_photos_load(open_page, width, path):
    page = open_page(width)
    page.goto(page.base + path)
    page.wait_for_load_state("networkidle")
    page.mouse.wheel(0, 20_000)  # bring every lazy photo in
    page.wait_for_load_state("networkidle")
    total, moved = page.evaluate(LAYOUT_SHIFT)
    # A photo drawn without its size shifts the page by hundredths or more; on a busy
    # machine Chromium once counted 0.0004 on /news/ (a pixel's rounding), hence the allowance.
    assert total < 0.001, moved


def test_the_home_page_on_a_phone_shows_its_first_photos_from_under_60_kb_each(open_page):
    page = open_page(PHONE)
    page.goto(page.base + "/")
    page.wait_for_load_state("networkidle")
    seen = page.evaluate("""() => [...document.images]
        .filter(img => { const r = img.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })
        .map(img => [img.currentSrc, performance.getEntriesByName(img.currentSrc)[0].encodedBodySize])""")
    assert seen and all(0 < size < 60 * 1024 for _, size in seen), seen


def test_the_gallery_opens_each_photo_by_keyboard_without_javascript(browser, site_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": DESKTOP, "height": 900})
    page = context.new_page()
    try:
        page.goto(site_server + "/events/homecoming-2026/")
        # A screen reader hears each thumbnail as a link named by what its photo shows.
        first = page.get_by_role("link", name="夕阳照在湖边的木栈道上，远处是对岸的树林")
        expect(page.locator("#photo-1")).to_be_hidden()
        first.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#photo-1")).to_be_visible()
        assert page.evaluate("document.activeElement.id") == "photo-1"  # focus follows to the photo
        full = page.locator("#photo-1 img")
        page.wait_for_function(LOADED, arg=full.element_handle())
        assert re.search(r"-1200\.webp$", full.evaluate("img => img.currentSrc"))
        expect(page.locator("#photo-1")).to_contain_text("第 1 张，共 8 张")
        page.get_by_role("link", name="下一张").click()
        expect(page.locator("#photo-2")).to_be_visible()
        expect(page.locator("#photo-1")).to_be_hidden()
        screenshot(page, "gallery-photo-2")
        page.locator("#photo-2").get_by_role("link", name="返回全部照片").click()
        expect(page.locator(".lightbox:target")).to_have_count(0)
    finally:
        context.close()


@pytest.fixture(scope="module")
def published_site(tmp_path_factory):
    """A small site built with SITEURL set to the address it is then served at, as publishing
    does with the real address: its share images are absolute URLs a social site can fetch."""
    root = tmp_path_factory.mktemp("published")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    news = root / "content/news"
    news.mkdir(parents=True)
    (news / "a.md").write_text(
        "Title: 甲\nDate: 2026-01-02\nImage: a/cover.jpg\nImage-Alt: 校门\n\n正文\n", encoding="utf-8"
    )
    (news / "b.md").write_text("Title: 乙\nDate: 2026-01-01\n\n正文\n", encoding="utf-8")
    photo_file(news / "a/cover.jpg", (1600, 900))
    build_repo(root, SITEURL=origin, PHOTO_CACHE=str(root / "cache"))
    with preview_server(root / "output", root / "inbox", root / "server.log", port):
        yield origin


@pytest.mark.parametrize("path", ["news/jia.html", "news/yi.html", "", "en/events/"])
def test_a_shared_page_names_an_absolute_image_that_answers(browser, published_site, path):
    page = browser.new_page()
    try:
        page.goto(f"{published_site}/{path}")
        tags = 'meta[property^="og:image"], meta[name="twitter:card"]'
        meta = page.evaluate(
            "s => Object.fromEntries([...document.querySelectorAll(s)]"
            ".map(m => [m.getAttribute('property') || m.name, m.content]))",
            tags,
        )
        assert meta["og:image"].startswith(published_site + "/images/")
        assert meta["twitter:card"] == "summary_large_image"
        response = page.request.get(meta["og:image"])
        assert response.status == 200 and response.headers["content-type"] == meta["og:image:type"]
        size = Image.open(io.BytesIO(response.body())).size
        assert size == (int(meta["og:image:width"]), int(meta["og:image:height"]))
    finally:
        page.close()
