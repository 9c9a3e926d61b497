"""sitemap.xml listing every published page that asks to be indexed, written after all pages exist."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape

from pelican import signals

from core.manifest import active, files_under
from plugins import full_address

# <meta name="robots" content="noindex">, as the theme writes it (thank-you pages, 404s).
_NOINDEX = re.compile(r'<meta name="robots" content="[^"]*noindex')


def noindex(path: Path) -> bool:
    """Whether a page asks search engines to leave it out (a sitemap must not list it)."""
    with path.open(encoding="utf-8", errors="replace") as page:
        head = page.read(8192)  # the head comes first; the robots tag is in it
    return bool(_NOINDEX.search(head.split("</head>", 1)[0]))


def _noindex(name: str, path: Path, manifest) -> bool:
    """noindex(), remembered in the manifest for the next build, which may keep the page."""
    return noindex(path) if manifest is None else manifest.known(name, "noindex", noindex)


def page_urls(output: Path, site_url: str, exclude: list[str]) -> list[str]:
    """Addresses of the HTML pages of the build that may be indexed (those under output, and
    those it kept as published), folders shown as folder/ like the site links."""
    manifest = active()
    pages = {name: output / name for name in files_under(output) if name.endswith(".html")}
    if manifest is not None:
        pages.update((name, manifest.where(name)) for name in manifest.kept if name.endswith(".html"))
    urls = []
    for relative in sorted(pages, key=PurePosixPath):
        if relative in exclude or _noindex(relative, pages[relative], manifest):
            continue
        if relative == "index.html" or relative.endswith("/index.html"):
            relative = relative[: -len("index.html")]
        urls.append(f"{site_url}/{relative}")
    return urls


def write_sitemap(output: Path, site_url: str, exclude: list[str]) -> None:
    entries = "".join(
        f"<url><loc>{escape(url)}</loc></url>\n" for url in page_urls(output, site_url, exclude)
    )
    (output / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n",
        encoding="utf-8",
    )


def _finalized(pelican) -> None:
    settings = pelican.settings
    write_sitemap(Path(pelican.output_path), full_address(settings), settings["SITEMAP_EXCLUDE"])


def register() -> None:
    signals.finalized.connect(_finalized)
