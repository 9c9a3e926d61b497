"""Templates compiled once per build, and the parts every page of an edition shares drawn once.

Pelican gives every generator (articles, pages, data pages, forms, editions...) its own Jinja
environment, and each compiles the templates it uses: the demo build compiled 25 templates
34 times. The environments now share compiled code, kept in memory for the build.

They are kept from one build to the next, in memory for the live preview's worker and on disk
under BUILD_CACHE for builds in new processes (compiling the theme took 0.15 s of every build).
Jinja checks each template's source checksum against the compiled code and compiles an edited
template again; code compiled with other Jinja options or another Jinja is not read.

The menu and the footer are the same on every page of an edition, yet held a fifth of the
work of drawing a page (forty translated words and addresses). `once("_menu.html")` draws
such a partial the first time an edition needs it and reuses the HTML for the build.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2 import BytecodeCache, pass_context
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from markupsafe import Markup
from pelican import signals

from core.files import write_whole
from core.manifest import digest
from plugins.i18n import page_lang


class SharedBytecode(BytecodeCache):
    """Compiled templates by name (Jinja checks the source checksum in what is loaded), in
    memory and in a folder, each file stamped with the options it was compiled with."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}
        self.options = ""  # the Jinja options they were compiled with
        self.folder: Path | None = None

    @property
    def stamp(self) -> bytes:
        return digest(self.options, jinja2.__version__).encode()

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key not in self.compiled and self.folder is not None:
            try:
                stamp, _, code = (self.folder / bucket.key).read_bytes().partition(b"\n")
            except OSError:
                stamp = code = b""
            if stamp == self.stamp:
                self.compiled[bucket.key] = code
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = code = bucket.bytecode_to_string()
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_whole(self.folder / bucket.key, self.stamp + b"\n" + code)


_shared = SharedBytecode()
_drawn: dict[tuple[str, str, str], Markup] = {}


@pass_context
def once(context: Context, name: str) -> Markup:
    """A partial the same on every page of an edition, drawn the first time, then reused."""
    key = (name, page_lang(context), context["SITEURL"])
    if key not in _drawn:
        _drawn[key] = Markup(context.environment.get_template(name).render(context.get_all()))
    return _drawn[key]


def _new_build(pelican) -> None:
    """A new build draws its partials again; it keeps compiled templates (the live preview's
    worker builds many times) unless the Jinja options changed, which change compiled code."""
    options = repr(pelican.settings.get("JINJA_ENVIRONMENT"))
    if options != _shared.options:
        _shared.compiled.clear()
        _shared.options = options
    cache = pelican.settings.get("BUILD_CACHE")
    _shared.folder = Path(cache, "templates") if cache else None
    _drawn.clear()


def _share(generator) -> None:
    generator.env.bytecode_cache = _shared
    generator.env.globals["once"] = once


def register() -> None:
    signals.initialized.connect(_new_build)
    signals.generator_init.connect(_share)
