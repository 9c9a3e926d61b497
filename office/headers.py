"""The HTTP headers a published file is served with: Content-Type with its charset, and Cache-Control."""

from __future__ import annotations

import mimetypes
from fnmatch import fnmatchcase

# Every text file the build writes is UTF-8; browsers guess otherwise (GBK on a Chinese system).
_TEXT = ("text/", "application/javascript", "application/json", "application/xml", "application/atom+xml",
         "image/svg+xml")  # fmt: skip
# Types the platform's table may lack or get wrong for a website.
_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    # Pagefind's index: compressed binaries its script fetches and opens itself.
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}


def content_type(path: str) -> str:
    """'news/x.html' -> 'text/html; charset=utf-8'; feeds are Atom, unknown files octet-stream."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(".atom.xml"):
        kind = "application/atom+xml"
    else:
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        kind = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXT) else kind


def cache_control(path: str, rules: list[tuple[str, str]]) -> str:
    """The Cache-Control of the first rule whose pattern matches the path (PUBLISH_CACHE_CONTROL)."""
    for pattern, value in rules:
        if fnmatchcase(path, pattern):
            return value
    return "no-cache"
