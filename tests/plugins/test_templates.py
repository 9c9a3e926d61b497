"""The menu and footer, drawn once per edition, are each edition's own on every page."""

import re

from jinja2 import DictLoader, Environment

from plugins.templates import SharedBytecode

MENU = re.compile(r'<ul class="menu">(.*?)</ul>', re.S)
FOOTER = re.compile(r'<ul class="footer-links">(.*?)</ul>', re.S)
EXPECTED = {
    "zh-CN": ('<a href="/news/">新闻动态</a>', '<a href="/privacy/">隐私政策</a>', "/feeds/all.atom.xml"),
    "en": (
        '<a href="/en/news/">News</a>',
        '<a href="/en/privacy/">Privacy policy</a>',
        "/feeds/all-en.atom.xml",
    ),
}


def test_every_page_has_its_editions_menu_and_footer(demo_site):
    checked = {"zh-CN": 0, "en": 0}
    for page in demo_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lang = re.search(r'<html lang="([^"]+)"', text)
        if lang is None or "site-header" not in text:
            continue  # Pagefind's own files
        menu_link, privacy_link, feed = EXPECTED[lang.group(1)]
        where = page.relative_to(demo_site)
        assert menu_link in MENU.search(text).group(1), where
        footer = FOOTER.search(text).group(1)
        assert privacy_link in footer and feed in footer, where
        checked[lang.group(1)] += 1
    assert checked["zh-CN"] > 100 and checked["en"] > 100


def test_compiled_templates_outlive_the_process_and_an_edited_one_is_compiled_again(tmp_path):
    sources = {"page.html": "<p>{{ name }}</p>"}

    def fresh(options: str = "trim") -> Environment:  # as a new process: nothing in memory
        cache = SharedBytecode()
        cache.folder, cache.options = tmp_path / "templates", options
        return Environment(loader=DictLoader(sources), bytecode_cache=cache, autoescape=True)

    assert fresh().get_template("page.html").render(name="校友") == "<p>校友</p>"
    (saved,) = (tmp_path / "templates").iterdir()
    before = saved.stat()
    assert fresh().get_template("page.html").render(name="a&b") == "<p>a&amp;b</p>"
    assert saved.stat().st_ino == before.st_ino  # read, not compiled and written again
    sources["page.html"] = "<h1>{{ name }}</h1>"
    assert fresh().get_template("page.html").render(name="x") == "<h1>x</h1>"
    edited = saved.stat()
    assert edited.st_ino != before.st_ino
    # Code compiled with other options is not read, but compiled again.
    assert fresh("other").get_template("page.html").render(name="y") == "<h1>y</h1>"
    assert saved.stat().st_ino != edited.st_ino
