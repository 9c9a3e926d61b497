"""What a page is drawn from, as a key: a call to the writer with the same key as at the last
build draws the same page, so plugins.writing keeps the published one instead.

A key is a digest of the template, the page's name, and every argument of the call that a
template of the theme can read (an item, the items of a list, a tag), each described by its
values, not its identity. Only a page's own item (the argument named in OWN) is described
with its text: no template reads the text of any other (tests/plugins/test_fingerprints.py
checks), so an edit to the body of an article redraws its page and no list it is in. On top
of that comes a scope: pages drawn with the templates in NARROW (an article, a page, one
list) read nothing else of the site but the addresses of other items (links written
{filename}...), and the share card of their edition; every other page (the home page, data
pages, forms) may read anything but those texts, so its scope is a stamp of every source file
but the Markdown, and every item as lists show it. Both scopes start with the build's basis
(core/manifest.py). An argument that cannot be described (an object of unknown kind) makes
the key None: such a page is drawn every time.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import re
from collections.abc import Iterable

from pelican.contents import Content, Static
from pelican.urlwrappers import URLWrapper

from core.manifest import Manifest, digest

NARROW = {"article.html", "page.html", "category.html", "tag.html", "period_archives.html"}
# The arguments that are the page's own item, the only one whose text a template may read.
OWN = {"article", "page"}
_PLAIN = (str, int, float, bool, type(None), decimal.Decimal, datetime.date, datetime.time, datetime.tzinfo)
# What an item holds that is not its own: the whole site's context and the settings (in the
# basis); and its text, described only for its own page.
_NOT_ITS_OWN = {"_context", "settings", "_content"}


class Unknown(Exception):
    """A value whose kind the key does not know how to describe."""


class Keys:
    """The keys of one build's writer calls, sharing what they have in common."""

    def __init__(self, manifest: Manifest, context: dict) -> None:
        self.manifest, self.context = manifest, context
        self.items: dict[int, str] = {}  # id(item) -> its digest, for items in many lists
        self.used: set[str] | None = None
        self.scopes: dict[bool, str] = {}

    def of(self, template, name: str, args: tuple, kwargs: dict) -> str | None:
        """The key of one call to Writer.write_file, or None when it cannot be known."""
        if self.used is None:
            self.used = _names_in_templates(template.environment)
        try:
            described = [template.name, name, self._describe(args)]
            described += [f"{k}={self._own(k, kwargs[k])}" for k in sorted(kwargs) if k in self.used]
            described.append(self._scope(template.name in NARROW))
        except Unknown:
            return None
        return digest(*described)

    def _own(self, name: str, value) -> str:
        """An argument; the page's own item with its text."""
        return (
            self._item(value, text=True)
            if name in OWN and isinstance(value, Content)
            else self._describe(value)
        )

    def _scope(self, narrow: bool) -> str:
        if narrow not in self.scopes:
            if narrow:
                addresses = [f"{source}\0{address(item)}" for source, item in
                             sorted(self.context.get("generated_content", {}).items())]  # fmt: skip
                addresses += [f"{source}\0{getattr(item, 'source_path', '')}" for source, item in
                              sorted(self.context.get("static_content", {}).items())]  # fmt: skip
                cards = self._describe(self.context.get("share_images"))
                self.scopes[narrow] = digest(self.manifest.basis, *addresses, cards)
            else:  # every item as lists show it; the other sources by their stamp
                shown = [f"{source}\0{self._describe(item)}" for source, item in
                         sorted(self.context.get("generated_content", {}).items())]  # fmt: skip
                self.scopes[narrow] = digest(self.manifest.basis, self.manifest.wide, *shown)
        return self.scopes[narrow]

    def _describe(self, value, whole: bool = True) -> str:
        """A value as text; items inside items only by their address and title (a page shows
        the title and link of the chapters and translations it names)."""
        kind = type(value)
        if kind is str or isinstance(value, _PLAIN):
            return f"{kind.__name__}:{value!r}"
        if isinstance(value, (list, tuple)):
            return "[" + ",".join([self._describe(part, whole) for part in value]) + "]"
        if isinstance(value, dict):
            return (
                "{"
                + ",".join([f"{k!r}:{self._describe(value[k], whole)}" for k in sorted(value, key=str)])
                + "}"
            )
        if isinstance(value, Content):
            return self._item(value) if whole else f"item:{address(value)}:{getattr(value, 'title', '')}"
        if isinstance(value, URLWrapper):
            return f"{kind.__name__}:{value.name}:{value.slug}"
        if isinstance(value, (set, frozenset)):
            return "(" + ",".join(sorted(self._describe(part, whole) for part in value)) + ")"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = [
                f"{f.name}={self._describe(getattr(value, f.name), whole)}" for f in dataclasses.fields(value)
            ]
            return f"{kind.__name__}(" + ",".join(fields) + ")"
        if isinstance(value, Static):
            return f"static:{value.source_path}"
        raise Unknown(kind.__name__)

    def _item(self, item: Content, text: bool = False) -> str:
        """An item as a page shows it (a digest): everything it holds but the site's context,
        and its text only if `text` (its own page)."""
        if id(item) not in self.items:
            attributes = vars(item)
            described = [type(item).__name__]
            for name, value in sorted(attributes.items()):
                if name == "metadata":  # Pelican sets each as an attribute too: only what differs
                    value = {k: v for k, v in value.items() if attributes.get(k.lower(), described) is not v}
                if name not in _NOT_ITS_OWN:
                    described.append(f"{name}={self._describe(value, whole=False)}")
            self.items[id(item)] = "item:" + digest(*described)
        return digest(self.items[id(item)], item._content or "") if text else self.items[id(item)]


def address(item) -> str:
    """What an item's address is made of under the settings' patterns (computing the address
    itself is slow in Pelican)."""
    category = getattr(item, "category", None)
    return (
        f"{type(item).__name__}:{getattr(item, 'slug', '')}:{getattr(item, 'lang', '')}:"
        f"{getattr(category, 'slug', category)}:{getattr(item, 'status', '')}:{getattr(item, 'date', '')}:"
        f"{getattr(item, 'override_save_as', '')}:{getattr(item, 'override_url', '')}"
    )


def _names_in_templates(environment) -> set[str]:
    """Every word in the theme's templates: an argument named by none of them is never read."""
    return set(
        _words(environment.loader.get_source(environment, name)[0] for name in environment.list_templates())
    )


def _words(sources: Iterable[str]) -> Iterable[str]:
    for source in sources:
        yield from re.findall(r"[A-Za-z_]\w*", source)
