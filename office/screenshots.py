"""The contact sheet in docs/: every page type of a built site at a phone's and a desktop's width,
in both editions and in larger text, on one image, taken in a real Chromium (`invoke screenshots`)."""

from __future__ import annotations

import base64
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass
from html import escape
from pathlib import Path

from office.preview import make_preview

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's hosts, which a build machine may not.
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE, DESKTOP = (375, 1000), (1280, 800)


@dataclass(frozen=True)
class PageType:
    label: str
    zh: str  # the page's address in each edition
    en: str


PAGE_TYPES = [
    PageType("首页 Home", "/", "/en/"),
    PageType("新闻 News", "/news/", "/en/news/"),
    PageType("文章 Article", "/news/2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming.html",
             "/en/news/homecoming-day-2026-thousands-of-alumni-return-to-xuefu-road.html"),
    PageType("校友风采 Story", "/stories/lin-xiao-wen-zai-na-mi-chi-du-shang-jiao-zhen-de-xin-pian.html",
             "/en/stories/lin-xiaowen-a-chip-engineer-who-sweats-the-details-at-the.html"),
    PageType("捐赠项目 Projects", "/projects/", "/en/projects/"),
    PageType("项目 Project", "/projects/cs-development-fund/", "/en/projects/cs-development-fund/"),
    PageType("年度报告 Report", "/projects/cs-development-fund/2025/", "/en/projects/cs-development-fund/2025/"),
    PageType("捐赠意向书 Pledge", "/projects/cs-development-fund/pledge/", "/en/projects/cs-development-fund/pledge/"),
    PageType("校友组织 Chapters", "/chapters/", "/en/chapters/"),
    PageType("校友会 Chapter", "/chapters/chongqing/", "/en/chapters/chongqing/"),
    PageType("活动 Events", "/events/", "/en/events/"),
    PageType("活动页 Event", "/events/homecoming-2027/", "/en/events/homecoming-2027/"),
    PageType("班级动态 Class notes", "/class-notes/", "/en/class-notes/"),
    PageType("表单 Form", "/forms/update/", "/en/forms/update/"),
    PageType("表单出错 Form errors", "/forms/class-note/#errors", "/en/forms/class-note/#errors"),
    PageType("提交成功 Thanks", "/forms/update/thanks/", "/en/forms/update/thanks/"),
    PageType("页面 Page", "/about/", "/en/about/"),
    PageType("标签 Tag", "/tags/fan-xiao-ri/", "/en/tags/homecoming/"),
    PageType("归档 Archives", "/archives/", "/en/archives/"),
    PageType("搜索 Search", "/search/?q=返校日", "/en/search/?q=homecoming"),
    PageType("404", "/no/such/page/", "/en/no/such/page/"),
]  # fmt: skip
# (label, edition, viewport, larger text): the sheet's columns.
COLUMNS = [
    ("中文 375 px", "zh", PHONE, False),
    ("中文 1280 px", "zh", DESKTOP, False),
    ("English 375 px", "en", PHONE, False),
    ("English 1280 px", "en", DESKTOP, False),
    ("大字版 375 px", "zh", PHONE, True),
]


def contact_sheet(site: Path, target: Path, page_types: list[PageType] = PAGE_TYPES, browser=None) -> Path:
    """Screenshots of each page type in each column, thumbnails in a grid, saved as JPEG at target.
    `browser` is a Playwright Chromium to use; without one, Debian's is started and closed."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    with tempfile.TemporaryDirectory() as inbox:
        server = make_preview(site, Path(inbox), port=0, rate_per_minute=0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            if browser is not None:
                return _draw(browser, f"http://127.0.0.1:{server.port}", target, page_types)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                own = playwright.chromium.launch(
                    executable_path=shutil.which("chromium") or CHROMIUM, args=QUIET
                )
                try:
                    return _draw(own, f"http://127.0.0.1:{server.port}", target, page_types)
                finally:
                    own.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)


def _draw(browser, base: str, target: Path, page_types: list[PageType]) -> Path:
    shots = [[_shot(browser, base, page_type, column) for column in COLUMNS] for page_type in page_types]
    sheet = browser.new_page(viewport={"width": 1200, "height": 800})
    sheet.set_content(_grid(page_types, shots))
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.screenshot(path=target, full_page=True, type="jpeg", quality=62)
    sheet.close()
    return target


def _shot(browser, base: str, page_type: PageType, column: tuple) -> bytes:
    _, lang, (width, height), large = column
    context = browser.new_context(viewport={"width": width, "height": height})
    if large:
        context.add_init_script("localStorage.setItem('text-size', 'large')")
    page = context.new_page()
    address = page_type.en if lang == "en" else page_type.zh
    if address.endswith("#errors"):
        _form_with_mistakes(page, base + address.removesuffix("#errors"))
    else:
        page.goto(base + address)
    if "?q=" in address:
        page.wait_for_selector(".search-results li", timeout=10_000)
    page.wait_for_load_state("networkidle")
    image = page.screenshot(type="jpeg", quality=80)
    context.close()
    return image


def _form_with_mistakes(page, address: str) -> None:
    """The handler's answer to a class note with mistakes the browser lets through (spaces, an
    address without a domain): what a visitor without JavaScript sees."""
    page.goto(address)
    page.evaluate("document.querySelector('form.form').noValidate = true")
    page.fill("#f-class_year", "1986")
    page.fill("#f-college", " ")
    page.fill("#f-email", "class86@localhost")
    page.evaluate("document.querySelector('form.form').submit()")
    page.wait_for_selector("#form-errors")


def _grid(page_types: list[PageType], shots: list[list[bytes]]) -> str:
    """The thumbnails as a table: a row per page type, a column per width, edition and text size."""
    head = "".join(f"<th>{escape(label)}</th>" for label, *_ in COLUMNS)
    rows = []
    for page_type, row in zip(page_types, shots, strict=True):
        cells = "".join(
            f'<td class="{"phone" if size == PHONE else "desktop"}"><img src="data:image/jpeg;base64,'
            f'{base64.b64encode(image).decode()}" alt=""></td>'
            for image, (_, _, size, _) in zip(row, COLUMNS, strict=True)
        )
        rows.append(f"<tr><th>{escape(page_type.label)}</th>{cells}</tr>")
    return (
        "<!doctype html><meta charset='utf-8'><style>"
        "body{margin:12px;font:14px/1.4 sans-serif;color:#1f2328;background:#f6f4f1}"
        "table{border-collapse:separate;border-spacing:10px 8px}th,td{text-align:left;vertical-align:top}th{width:90px}"
        "thead th{text-align:center;width:auto}img{display:block;border:1px solid #c9ccd1;background:#fff}"
        ".phone img{width:150px}.desktop img{width:320px}</style>"
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
