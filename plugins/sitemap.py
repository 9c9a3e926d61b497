"""sitemap.xml listing every published page that asks to be indexed, written after all pages exist,
each with its other editions (hreflang alternates), as its head names them."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape

from pelican import signals

from core.manifest import active, files_under
from plugins import full_address

# <meta name="robots" content="noindex">, as the theme writes it (thank-you pages, 404s).
_NOINDEX = re.compile(r'<meta name="robots" content="[^"]*noindex')
# <link rel="alternate" hreflang="en" href="/en/news/">, as base.html writes each edition's page.
_ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]*)"')


def _head(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace") as page:
        return page.read(8192).split("</head>", 1)[0]  # the head comes first; the tags are in it


def noindex(path: Path) -> bool:
    """Whether a page asks search engines to leave it out (a sitemap must not list it)."""
    return bool(_NOINDEX.search(_head(path)))


def alternates(path: Path) -> list[list[str]]:
    """The [language, address] of each edition of a page its head names, its own included."""
    return [[lang, unescape(href)] for lang, href in _ALTERNATE.findall(_head(path))]


def _known(name: str, path: Path, manifest, fact: str, work):
    """A fact of a page, remembered in the manifest for the next build, which may keep the page."""
    return work(path) if manifest is None else manifest.known(name, fact, work)


def page_urls(output: Path, site_url: str, exclude: list[str]) -> dict[str, list[list[str]]]:
    """Addresses of the HTML pages of the build that may be indexed (those under output, and
    those it kept as published), folders shown as folder/ like the site links, each with its
    editions' [language, full address]."""
    manifest = active()
    pages = {name: output / name for name in files_under(output) if name.endswith(".html")}
    if manifest is not None:
        pages.update((name, manifest.where(name)) for name in manifest.kept if name.endswith(".html"))
    urls = {}
    for relative in sorted(pages, key=PurePosixPath):
        if relative in exclude or _known(relative, pages[relative], manifest, "noindex", noindex):
            continue
        editions = _known(relative, pages[relative], manifest, "alternates", alternates)
        if relative == "index.html" or relative.endswith("/index.html"):
            relative = relative[: -len("index.html")]
        urls[f"{site_url}/{relative}"] = [
            [lang, site_url + href if href.startswith("/") else href] for lang, href in editions
        ]
    return urls


def write_sitemap(output: Path, site_url: str, exclude: list[str]) -> None:
    urls = page_urls(output, site_url, exclude)
    entries = []
    for url, editions in urls.items():
        # Only when the page has another edition, and every one named is listed (each page of
        # a set then names all of them, itself included, as search engines ask).
        listed = [(lang, href) for lang, href in editions if href in urls]
        if len(listed) < 2 or url not in (href for _, href in listed):
            listed = []
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{_attribute(lang)}" href="{_attribute(href)}"/>'
            for lang, href in listed
        )
        entries.append(f"<url><loc>{escape(url)}</loc>{links}</url>\n")
    (output / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        f"{''.join(entries)}</urlset>\n",
        encoding="utf-8",
    )


def _attribute(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _finalized(pelican) -> None:
    settings = pelican.settings
    write_sitemap(Path(pelican.output_path), full_address(settings), settings["SITEMAP_EXCLUDE"])


def register() -> None:
    signals.finalized.connect(_finalized)
