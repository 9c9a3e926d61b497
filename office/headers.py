"""The HTTP headers a published file is served with: Content-Type with its charset, and Cache-Control."""

from __future__ import annotations

import mimetypes
from fnmatch import fnmatchcase

# Every text file the build writes is UTF-8; browsers guess otherwise (GBK on a Chinese system).
_TEXT = ("text/", "application/javascript", "application/json", "application/xml", "application/atom+xml",
         "image/svg+xml", "application/manifest+json")  # fmt: skip
# Types Python's own table lacks or gets wrong for a website. The machine's /etc/mime.types is
# not read: a publish from CI's slim container and one from an editor's laptop must send the same
# headers, or each would upload again every file whose type the two tables tell apart.
_TABLE = mimetypes.MimeTypes()
# A file compressed as a whole (sitemap.xml.gz) is served as the archive it is: with the type of
# what is inside and no Content-Encoding, a browser would show the compressed bytes as text.
_ARCHIVES = {"gzip": "application/gzip", "bzip2": "application/x-bzip2", "xz": "application/x-xz",
             "br": "application/octet-stream", "compress": "application/octet-stream"}  # fmt: skip
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
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".mjs": "text/javascript",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
        guessed, compressed = _TABLE.guess_type(name)
        kind = _TYPES.get(suffix) or _ARCHIVES.get(compressed) or guessed or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXT) else kind


def cache_control(path: str, rules: list[tuple[str, str]]) -> str:
    """The Cache-Control of the first rule whose pattern matches the path (PUBLISH_CACHE_CONTROL)."""
    for pattern, value in rules:
        if fnmatchcase(path, pattern):
            return value
    return "no-cache"
