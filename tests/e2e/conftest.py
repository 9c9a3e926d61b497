"""A real headless Chromium (Debian's), driven by Playwright, against the real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# One page of every type, in both editions.
PAGES = [
    "/", "/news/", "/news/2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming.html", "/stories/",
    "/stories/tang-zhi-yuan-hui-dao-shan-cun-xiao-xue-de-xiao-zhang.html", "/projects/", "/projects/cs-development-fund/",
    "/projects/cs-development-fund/2025/", "/projects/cs-development-fund/pledge/", "/chapters/", "/chapters/chongqing/", "/events/", "/events/homecoming-2026/",
    "/class-notes/", "/forms/update/", "/forms/update/thanks/", "/about/", "/privacy/", "/tags/", "/tags/fan-xiao-ri/",
    "/archives/", "/no/such/page/", "/search/",
    "/en/", "/en/news/", "/en/news/homecoming-day-2026-thousands-of-alumni-return-to-xuefu-road.html", "/en/stories/",
    "/en/projects/", "/en/projects/cs-development-fund/", "/en/projects/cs-development-fund/2025/", "/en/projects/cs-development-fund/pledge/", "/en/chapters/",
    "/en/chapters/chongqing/", "/en/events/", "/en/events/homecoming-2026/", "/en/class-notes/", "/en/forms/update/",
    "/en/forms/update/thanks/", "/en/about/", "/en/privacy/", "/en/tags/", "/en/tags/homecoming/", "/en/archives/",
    "/en/no/such/page/", "/en/search/",
]  # fmt: skip
# Without these, Chromium keeps trying to reach Google's hosts, which this machine cannot.
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, site_server):
    """A page at a viewport width; collects console errors and failed requests as it goes."""
    pages: list[Page] = []

    def open_at(width: int, height: int = 900) -> Page:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        # A request the browser itself abandons (the visitor clicked on before the favicon came)
        # is not a failure of the site.
        page.on(
            "requestfailed",
            lambda r: r.failure != "net::ERR_ABORTED" and page.problems.append(f"failed: {r.url}"),
        )
        page.set_default_timeout(10_000)
        page.base = site_server
        pages.append(page)
        return page

    yield open_at
    for page in pages:
        page.close()


@pytest.fixture
def no_script_page(browser, site_server):
    """A phone-wide page with JavaScript off: forms post as plain HTML forms do."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.base = site_server
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
