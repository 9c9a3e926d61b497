"""What a page is drawn from, as a key: a call to the writer with the same key as at the last
build draws the same page, so plugins.writing keeps the published one instead.

A key is a digest of the template, the page's name, and every argument of the call that a
template of the theme can read (an item, the items of a list, a tag), each described by its
values, not its identity. On top of that comes a scope: pages drawn with the templates in
NARROW (an article, a page, one list) read nothing else of the site but the addresses of
other items (links written {filename}...), and the share card of their edition; every other
page (the home page, data pages, forms) may read anything, so its scope is a stamp of every
source file. Both scopes start with the build's basis (core/manifest.py). An argument that
cannot be described (an object of unknown kind) makes the key None: such a page is drawn
every time.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import hashlib
import re
from collections.abc import Iterable

from pelican.contents import Content, Static
from pelican.urlwrappers import URLWrapper

from core.manifest import Manifest, digest

NARROW = {"article.html", "page.html", "category.html", "tag.html", "period_archives.html"}
_PLAIN = (str, int, float, bool, type(None), decimal.Decimal, datetime.date, datetime.time, datetime.tzinfo)
# What an item holds that is not its own: the whole site's context and the settings (in the basis).
_NOT_ITS_OWN = {"_context", "settings"}


class Unknown(Exception):
    """A value whose kind the key does not know how to describe."""


class Keys:
    """The keys of one build's writer calls, sharing what they have in common."""

    def __init__(self, manifest: Manifest, context: dict) -> None:
        self.manifest, self.context = manifest, context
        self.items: dict[int, bytes] = {}  # id(item) -> its digest, for items in many lists
        self.used: set[str] | None = None
        self.scopes: dict[bool, bytes] = {}

    def of(self, template, name: str, args: tuple, kwargs: dict) -> str | None:
        """The key of one call to Writer.write_file, or None when it cannot be known."""
        if self.used is None:
            self.used = _names_in_templates(template.environment)
        found = hashlib.sha1(f"{template.name}\0{name}\0".encode())
        try:
            self._feed(found, args)
            for argument in sorted(kwargs):
                if argument in self.used:
                    found.update(f"{argument}=".encode())
                    self._feed(found, kwargs[argument])
            found.update(self._scope(template.name in NARROW))
        except Unknown:
            return None
        return found.hexdigest()

    def _scope(self, narrow: bool) -> bytes:
        if narrow not in self.scopes:
            if narrow:
                found = hashlib.sha1(self.manifest.basis.encode())
                for source, item in sorted(self.context.get("generated_content", {}).items()):
                    found.update(f"{source}\0{_address(item)}\0".encode())
                for source, item in sorted(self.context.get("static_content", {}).items()):
                    found.update(f"{source}\0{getattr(item, 'source_path', '')}\0".encode())
                self._feed(found, self.context.get("share_images"))
                self.scopes[narrow] = found.digest()
            else:
                self.scopes[narrow] = digest(self.manifest.basis, self.manifest.wide).encode()
        return self.scopes[narrow]

    def _feed(self, found, value, whole: bool = True) -> None:
        """Add a description of a value to the digest; items inside items only by their address
        and title (a page shows the title and link of the chapters and translations it names)."""
        if isinstance(value, _PLAIN):
            found.update(f"{type(value).__name__}:{value!r}\0".encode())
        elif isinstance(value, Content):
            if whole:
                found.update(self._item(value))
            else:
                found.update(f"item:{_address(value)}:{getattr(value, 'title', '')}\0".encode())
        elif isinstance(value, URLWrapper):
            found.update(f"{type(value).__name__}:{value.name}:{value.slug}\0".encode())
        elif isinstance(value, (list, tuple)):
            found.update(b"[")
            for part in value:
                self._feed(found, part, whole)
            found.update(b"]")
        elif isinstance(value, dict):
            found.update(b"{")
            for name in sorted(value, key=str):
                self._feed(found, name, whole)
                self._feed(found, value[name], whole)
            found.update(b"}")
        elif isinstance(value, (set, frozenset)):
            found.update(b"(" + b"".join(sorted(self._alone(part, whole) for part in value)) + b")")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            found.update(f"{type(value).__name__}(".encode())
            for part in dataclasses.fields(value):
                self._feed(found, part.name)
                self._feed(found, getattr(value, part.name), whole)
            found.update(b")")
        elif isinstance(value, Static):
            found.update(f"static:{value.source_path}\0".encode())
        else:
            raise Unknown(type(value).__name__)

    def _alone(self, value, whole: bool) -> bytes:
        found = hashlib.sha1()
        self._feed(found, value, whole)
        return found.digest()

    def _item(self, item: Content) -> bytes:
        """An item as a page shows it: everything it holds but the site's context."""
        if id(item) not in self.items:
            found = hashlib.sha1(type(item).__name__.encode())
            for name, value in sorted(vars(item).items()):
                if name not in _NOT_ITS_OWN:
                    self._feed(found, name)
                    self._feed(found, value, whole=False)
            self.items[id(item)] = found.digest()
        return self.items[id(item)]


def _address(item) -> str:
    """What an item's address is made of under the settings' patterns (computing the address
    itself is slow in Pelican)."""
    category = getattr(item, "category", None)
    return (
        f"{type(item).__name__}:{getattr(item, 'slug', '')}:{getattr(item, 'lang', '')}:"
        f"{getattr(category, 'slug', category)}:{getattr(item, 'status', '')}:{getattr(item, 'date', '')}"
    )


def _names_in_templates(environment) -> set[str]:
    """Every word in the theme's templates: an argument named by none of them is never read."""
    return set(
        _words(environment.loader.get_source(environment, name)[0] for name in environment.list_templates())
    )


def _words(sources: Iterable[str]) -> Iterable[str]:
    for source in sources:
        yield from re.findall(r"[A-Za-z_]\w*", source)
