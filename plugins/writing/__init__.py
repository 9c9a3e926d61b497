"""Pages rendered on two cores: Pelican's writer, with a forked copy rendering half of them.

Pelican renders one page after another on one core. This writer holds back the pages it is
asked to write until the search index wants its pages or the build ends. Then it forks: the
copy renders the second half of the held pages and hands the HTML back, while this process
renders and writes the first half; this process then writes the copy's pages, in order,
through Pelican's own writer, with a template that returns what the copy rendered. So every
page is written, checked for overwrites and announced (`content_written`) here, with
Pelican's context; the copy writes nothing.

The copy shares every object built so far, so nothing but HTML crosses between them. If the
copy fails on a page, this process renders that page and the rest itself, and meets the same
error the way a one-core build would. Held pages are rendered later than Pelican would have,
and pages to index before the others; the output is byte for byte the same (tested), as no
plugin here changes an item while pages are written. Where fork does not exist, this is
Pelican's writer.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from pelican import signals
from pelican.writers import Writer

from core import stopping
from core.manifest import active
from plugins import capture, check_order, relog
from plugins.writing.fingerprints import Keys

logger = logging.getLogger(__name__)

# Below this many held pages, starting a copy costs more than it saves.
FORK_FROM = 40
# This process renders a little less than half: it also writes every file.
OUR_SHARE = 0.45


@dataclass
class _Call:
    name: str
    template: object
    context: dict
    args: tuple
    kwargs: dict
    key: str | None = None  # what it draws from (None: not known, draw it every time)
    files: list[str] | None = None  # what it wrote or kept, in order

    def write(self, writer: ForkingWriter, template=None) -> None:
        writer.opened = self.files = []
        Writer.write_file(
            writer, self.name, template or self.template, self.context, *self.args, **self.kwargs
        )


class _Recording:
    """A template that remembers what it rendered (in the copy)."""

    def __init__(self, template) -> None:
        self.template, self.outputs = template, []

    def render(self, context) -> str:
        self.outputs.append(self.template.render(context))
        return self.outputs[-1]


class _Rendered:
    """A template that returns, page by page, what the copy rendered."""

    def __init__(self, outputs: list[str]) -> None:
        self.outputs = iter(outputs)

    def render(self, context) -> str:
        return next(self.outputs)


class ForkingWriter(Writer):
    """Pelican's writer, holding pages back to render them on two cores (see the module's text)."""

    def __init__(self, output_path: str, settings: dict | None = None) -> None:
        super().__init__(output_path, settings)
        self.held: list[_Call] = []
        self.dry = False  # in the copy: render, write nothing
        self.opened: list[str] = []  # the files the call being written has opened so far
        self.order: list[_Call] = []  # every call flushed, kept or drawn, in order
        self.keys: Keys | None = None
        global _current
        _current = self

    def write_file(self, name, template, context, *args, **kwargs) -> None:
        if not name:  # Pelican writes nothing for an empty save_as (drafts): nothing to render either
            return
        self.held.append(_Call(name, template, context, args, kwargs))

    def _open_w(self, filename, encoding, override=False):
        if self.dry:
            return io.StringIO()
        self.opened.append(os.path.relpath(filename, self.output_path).replace(os.sep, "/"))
        return super()._open_w(filename, encoding, override)

    def flush(self, only: Callable[[object], bool] | None = None) -> None:
        """Write the held pages (those whose template `only` accepts) that changed since the
        last build, the second half rendered by a forked copy when there are enough."""
        held = [call for call in self.held if only is None or only(call.template)]
        self.held = [call for call in self.held if only is not None and not only(call.template)]
        self.order += held
        manifest = active()
        if manifest is not None and held:
            self.keys = self.keys or Keys(manifest, held[0].context)
        for call in held:
            stopping.check()  # the preview may stop a build that makes the search index
            if manifest is not None:
                call.key = self.keys.of(call.template, call.name, call.args, call.kwargs)
        if manifest is not None:
            held = [call for call in held if not _kept(call, manifest)]
        self._write_all(held)
        if manifest is not None:
            for call in held:
                manifest.made(call.name, call.key or "-", call.files or [])

    def _write_all(self, held: list[_Call]) -> None:
        if len(held) < FORK_FROM or not hasattr(os, "fork"):
            for call in held:
                call.write(self)
            return
        cut = int(len(held) * OUR_SHARE)
        ours, theirs = held[:cut], held[cut:]
        with tempfile.TemporaryFile() as results:
            pid = os.fork()
            if pid == 0:  # the copy: whatever happens, it leaves here, running nothing of the build's
                done = 1
                try:
                    self._render(theirs, results)
                    done = 0
                finally:
                    # os._exit: no atexit handlers, no flushing of the parent's buffers (the search pipe)
                    os._exit(done)
            try:
                for call in ours:
                    call.write(self)
            finally:
                _, status = os.waitpid(pid, 0)
            results.seek(0)
            rendered, lines = pickle.load(results) if status == 0 else ([], [])
        logger.debug("%d of %d pages rendered by a forked copy", len(rendered), len(theirs))
        relog(logger, lines)
        for number, call in enumerate(theirs):  # what the copy rendered, written here, in order
            call.write(self, _Rendered(rendered[number]) if number < len(rendered) else None)

    def _render(self, calls: list[_Call], results: IO[bytes]) -> None:
        """In the copy: render the calls and store the HTML of each for the parent."""
        warnings = capture()
        signals.content_written.receivers.clear()  # the parent announces these pages
        self.dry = True
        rendered = []
        try:
            for call in calls:
                recording = _Recording(call.template)
                call.write(self, recording)
                rendered.append(recording.outputs)
        except Exception:  # the parent renders this page itself and reports the error as usual
            pass
        pickle.dump((rendered, warnings.lines), results)
        results.flush()


def _kept(call: _Call, manifest) -> bool:
    if call.key is None or not manifest.unchanged(call.name, call.key):
        return False
    call.files = manifest.done[call.name][1]
    return True


_current: ForkingWriter | None = None


def _writer(pelican) -> type[Writer]:
    return ForkingWriter


def _flush_at_end(pelican) -> None:
    """Pages still held when the last generator is done are written before anything reads them."""
    global _current
    if _current is not None:
        _current.flush()
        _current = None


# The pages it holds are written when the build ends, before anything reads the output.
_order = check_order(
    "plugins.sitemap",
    ("plugins.writing",),
    "暂存的页面要先写出，站点地图才能列出它们",
    "held pages must be written before the sitemap lists them",
)
_guard_order = check_order(
    "plugins.guard",
    ("plugins.writing",),
    "暂存的页面要先写出，隐私检查才能读到它们",
    "held pages must be written before the guard reads them",
)


def register() -> None:
    signals.initialized.connect(_order)
    signals.initialized.connect(_guard_order)
    signals.get_writer.connect(_writer)
    signals.finalized.connect(_flush_at_end)
