"""sitemap.xml listing every published page, written after all pages exist."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from pelican import signals


def page_urls(output: Path, site_url: str, exclude: list[str]) -> list[str]:
    """Addresses of all HTML pages under output, folders shown as folder/ like the site links."""
    urls = []
    for path in sorted(output.rglob("*.html")):
        relative = path.relative_to(output).as_posix()
        if relative in exclude:
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
    write_sitemap(Path(pelican.output_path), settings["SITEURL"], settings["SITEMAP_EXCLUDE"])


def register() -> None:
    signals.finalized.connect(_finalized)
