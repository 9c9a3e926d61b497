"""Pictures in written text: the <img> tags Markdown made, the files they name, the source line
each was written on, and the theme's markup put in their place."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# A picture alone in its paragraph becomes a figure (a figure may not sit inside a <p>).
_ALONE = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>", re.IGNORECASE)
# Pelican's own ways of naming a file of the site: {static}/images/a.jpg, {attach}a.jpg.
_PELICAN_LINK = re.compile(r"^\{(?:static|attach|filename)\}")


@dataclass(frozen=True)
class Tag:
    """One <img> in a text: where it is (its paragraph, if it stands alone) and its attributes."""

    start: int
    end: int
    attrs: dict[str, str]
    alone: bool

    @property
    def src(self) -> str:
        return self.attrs.get("src", "")


class _Attributes(HTMLParser):
    def __init__(self, tag: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}
        self.feed(tag)

    def handle_starttag(self, tag, attrs):
        self.found = {name: value or "" for name, value in attrs}

    handle_startendtag = handle_starttag


def img_tags(html: str) -> list[Tag]:
    """Every <img> of an HTML text, in order."""
    alone = {match.start(1): match for match in _ALONE.finditer(html)}
    tags = []
    for match in _IMG.finditer(html):
        paragraph = alone.get(match.start())
        start, end = (paragraph.start(), paragraph.end()) if paragraph else match.span()
        tags.append(Tag(start, end, _Attributes(match.group()).found, paragraph is not None))
    return tags


def replace(html: str, tags: list[Tag], render: Callable[[Tag], str | None]) -> str:
    """The text with each tag replaced by what `render` makes of it (None keeps the tag)."""
    parts, done = [], 0
    for tag in tags:
        markup = render(tag)
        if markup is not None:
            parts += [html[done : tag.start], markup]
            done = tag.end
    return "".join([*parts, html[done:]])


def is_external(src: str) -> bool:
    parts = urlsplit(src)
    return bool(parts.scheme or parts.netloc)


def resolve(src: str, source_file: Path, content: Path) -> Path:
    """The file a picture's address names: from the content folder if it starts with /,
    else from the folder of the text that shows it."""
    path = _PELICAN_LINK.sub("", unquote(urlsplit(src).path))
    base = content if path.startswith("/") else source_file.parent
    return Path(base, path.lstrip("/")).resolve()


def source_lines(text: str, needles: list[str]) -> list[int | None]:
    """For each needle in turn, the line (counting from 1) where it is written after the
    previous one's line: the k-th picture of a file is found on the k-th line naming it."""
    lines = text.splitlines()
    found, after = [], {}
    for needle in needles:
        start = after.get(needle, 0)
        number = next((n for n in range(start, len(lines)) if needle in lines[n]), None)
        after[needle] = number + 1 if number is not None else start
        found.append(number + 1 if number is not None else None)
    return found


def metadata_line(text: str, key: str) -> int | None:
    """The line of a `Key:` line in a text's metadata block."""
    prefix = f"{key.lower()}:"
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            return None  # the metadata block ends at the first empty line
        if line.lower().startswith(prefix):
            return number
    return None
