"""Markdown converted on every core while Pelican reads the files one by one.

Converting Markdown to HTML is most of the time Pelican spends reading, and each file is
converted on its own. When the article and page generators are set up, every Markdown file
they will read is handed to worker processes (in the order Pelican reads them); Pelican's
reader then takes each file's result as it asks for it, and turns the metadata into dates,
tags and categories itself, as those objects belong to this process. Workers run Pelican's
own Markdown reader, so the HTML and metadata are the same as a one-core build's.

A file a worker could not convert is simply read here as usual, so Pelican reports the
problem as it always does. Workers are forked (they start in milliseconds and share what is
already imported); where fork does not exist, files are read here one by one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from plugins import Lines, WarningLines, capture, relog
from plugins.slugs import give_slug

logger = logging.getLogger(__name__)

Converted = tuple[str, dict, Lines]  # HTML, raw metadata, warnings


class _RawMarkdownReader(MarkdownReader):
    """Pelican's Markdown reading, metadata left as text for the main process to interpret.

    Pelican builds a Markdown converter per file, which costs half as much as converting a
    short article; a worker keeps one and resets it between files, as Pelican itself does
    before converting a summary.
    """

    converter: Markdown | None = None

    def read(self, source_path: str) -> tuple[str, dict]:
        if self.converter is None:
            self.converter = Markdown(**self.settings["MARKDOWN"])
            self.meta = self.converter.preprocessors["meta"]
        self._source_path, self._md = source_path, self.converter
        if "meta" not in self._md.preprocessors:  # Pelican's metadata parsing takes it out
            self._md.preprocessors.register(self.meta, "meta", 27)  # the meta extension's priority
        self._md.reset()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        return content, self._parse_metadata(self._md.Meta)

    def process_metadata(self, name: str, value):
        return value


_worker: tuple[_RawMarkdownReader, WarningLines] | None = None


def _start_worker(settings: dict) -> None:
    global _worker
    _worker = (_RawMarkdownReader(settings), capture())


def _convert(path: str) -> Converted | None:
    reader, lines = _worker
    lines.lines = []
    try:
        content, metadata = reader.read(path)
    except Exception:  # read again in the main process, which reports it the usual way
        return None
    return content, metadata, lines.lines


class _Batch:
    """Files handed to the workers, and their results as they arrive, in order."""

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self.pending: list[Iterator[tuple[str, Converted | None]]] = []
        self.done: dict[str, Converted | None] = {}

    def submit(self, settings: dict, paths: list[str]) -> None:
        if not paths or "fork" not in multiprocessing.get_all_start_methods():
            return
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                max_workers=os.cpu_count() or 1,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(settings,),
            )
        self.pending.append(zip(paths, self.executor.map(_convert, paths, chunksize=8), strict=True))

    def take(self, path: str) -> Converted | None:
        """This file's result, waiting for it if need be; None: read it here."""
        while path not in self.done and self.pending:
            try:
                found, result = next(self.pending[0])
            except StopIteration:
                self.pending.pop(0)
                continue
            except BrokenProcessPool:  # a worker died (killed, out of memory): read the rest here
                self.pending.clear()
                break
            self.done[found] = result
        return self.done.pop(path, None)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor, self.pending, self.done = None, [], {}


_batch = _Batch()


class ParallelMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, taking the HTML from the workers when they have it."""

    def read(self, source_path: str) -> tuple[str, dict]:
        converted = _batch.take(os.path.abspath(source_path))
        if converted is None:
            return super().read(source_path)
        content, metadata, lines = converted
        relog(logger, lines)
        self._source_path = source_path
        metadata = {name: self.process_metadata(name, value) for name, value in metadata.items()}
        # What plugins.slugs would give it, worked out here so that Pelican's reader cache keeps
        # it: an unchanged file is not slugged again (0.2 ms each, in pypinyin).
        give_slug(metadata, self.settings)
        return content, metadata


def _use_reader(readers) -> None:
    for extension in MarkdownReader.file_extensions:
        readers.reader_classes[extension] = ParallelMarkdownReader


def _submit(generator, paths_key: str, excludes_key: str) -> None:
    """Hand the workers every Markdown file the generator will read and Pelican's reader cache
    does not hold as it is now (unchanged files are not read again)."""
    settings = generator.settings
    files = generator.get_files(settings[paths_key], exclude=settings[excludes_key])
    markdown = [
        path
        for f in files
        if f.rpartition(".")[2] in MarkdownReader.file_extensions
        and generator.readers.get_cached_data(path := os.path.abspath(os.path.join(generator.path, f)), (None, None))[0] is None
    ]  # fmt: skip
    _batch.submit(settings, markdown)


def _articles(generator) -> None:
    _submit(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")


def _pages(generator) -> None:
    _submit(generator, "PAGE_PATHS", "PAGE_EXCLUDES")


def _close(_sender) -> None:
    _batch.close()


def register() -> None:
    signals.initialized.connect(_close)  # workers left by a build that stopped early
    signals.readers_init.connect(_use_reader)
    signals.article_generator_init.connect(_articles)
    signals.page_generator_init.connect(_pages)
    signals.all_generators_finalized.connect(_close)
