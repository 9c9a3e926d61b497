"""Pages rendered on two cores: Pelican's writer, with a forked copy rendering part of them.

Pelican renders one page after another on one core. This writer holds back the pages it is
asked to write until the search index wants its pages or the build ends. Then it forks: the
copy renders the last part of the held pages and sends the HTML back page by page, while this
process renders and writes the first part; this process then writes the copy's pages, in
order, as they come, through Pelican's own writer, with a template that returns what the copy
rendered. So every page is written, checked for overwrites and announced (`content_written`)
here, in Pelican's order, with Pelican's context; the copy writes nothing. As this process
also writes every file, the copy renders more than half, and this process writes the copy's
first pages while the copy renders its last.

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
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from pelican import signals
from pelican.writers import Writer

from core import stopping
from core.manifest import active
from plugins import Lines, capture, check_order, relog
from plugins.writing.fingerprints import Keys

logger = logging.getLogger(__name__)

# Below this many held pages, starting a copy costs more than it saves.
FORK_FROM = 40
# This process renders less than the copy: it also writes every file (writing a page costs it
# about two thirds of rendering one).
OUR_SHARE = 0.3


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
        reading, sending = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: whatever happens, it leaves here, running nothing of the build's
            done = 1
            try:
                os.close(reading)
                with open(sending, "wb") as out:
                    self._render(theirs, out)
                done = 0
            finally:
                # os._exit: no atexit handlers, no flushing of the parent's buffers (the search pipe)
                os._exit(done)
        os.close(sending)
        received, rendered, finished = _Received(reading), 0, False
        try:
            for call in ours:
                call.write(self)
            # What the copy rendered, written here, in order, as it comes; from a page it could
            # not render (or if it died), this process renders the rest itself.
            for call in theirs:
                outputs, lines = received.next()
                relog(logger, lines)
                call.write(self, None if outputs is None else _Rendered(outputs))
                rendered += outputs is not None
            finished = True
        finally:
            if not finished:  # this build stopped or failed: so does the copy
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            received.close()
        logger.debug("%d of %d pages rendered by a forked copy", rendered, len(theirs))

    def _render(self, calls: list[_Call], out: IO[bytes]) -> None:
        """In the copy: render the calls and send the HTML of each, with its warnings, as it is done."""
        warnings = capture()
        signals.content_written.receivers.clear()  # the parent announces these pages
        self.dry = True
        for call in calls:
            recording = _Recording(call.template)
            try:
                call.write(self, recording)
            except Exception:  # the parent renders this page itself and meets the error as usual
                pickle.dump((None, []), out)
                return
            pickle.dump((recording.outputs, warnings.lines), out)
            out.flush()
            warnings.lines = []


class _Received:
    """What the copy sends, read beside the rendering as it comes (a pipe holds 64 KB: the copy
    would otherwise wait for this process to finish its own half)."""

    def __init__(self, reading: int) -> None:
        self.pipe = open(reading, "rb")  # noqa: SIM115 (closed by close())
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.done = False

    def _read(self) -> None:
        try:
            while (record := pickle.load(self.pipe))[0] is not None:
                self.queue.put(record)
        except Exception:  # the copy died mid-way (end of pipe or half a record): the rest is ours
            pass
        finally:
            self.queue.put((None, []))

    def next(self) -> tuple[list[str] | None, Lines]:
        """The next page's outputs and warnings; outputs None once the copy has no more."""
        if self.done:
            return None, []
        record = self.queue.get()
        self.done = record[0] is None
        return record

    def close(self) -> None:
        self.thread.join()
        self.pipe.close()


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
