"""Full-text search with no server: Pagefind indexes the site's pages, per language.

The extended Pagefind build (pagefind[extended] on PyPI) segments Chinese into words, so 返校
finds 返校日. Pages are indexed by their `<html lang>`, so each edition searches only its own
pages; only the parts of pages marked data-pagefind-body (articles, pages, data pages) are
indexed, not lists and menus that repeat the same words on every page.

Once the pages with something to index are written (this plugin's generator follows those that
write them, and has plugins.writing write its held pages of that kind first), Pagefind's own
command indexes them on both cores, while the build goes on with the pages left (lists, form
pages) and the personal-data guard. It is given a folder of hard links to exactly those pages,
the ones this build wrote and the ones it kept from the last, and writes its index in memory,
from where it is copied in. Its index depends only on the pages, not on the order they were
written in. (This plugin used to hand each page to Pagefind's service as it was written; the
service reads pages on one core, which the rendering kept busy: the command is faster, see
docs/performance.md.) The build swaps in its output only when every check, the guard among
them, has passed, so nothing indexed from a refused page is ever published.

A build that keeps what has not changed (core/manifest.py) keeps the index too when no page to
index changed. Otherwise Pagefind indexes every page again (it cannot take one page out of an
index it has written), and only the index files whose bytes changed are copied in.

The live preview makes the index in a build of its own once the editor pauses, and stops that
build when a new edit comes (core/stopping.py): as each source is read, before each page is
written (plugins.writing checks), or while Pagefind runs, the points where a build that makes
the index spends its time.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from pagefind_bin_extended import get_executable
from pelican import signals
from pelican.generators import Generator

from core import stopping
from core.manifest import Manifest, active, digest, same_file
from core.problems import Problem, ProblemsFound
from plugins import check_order

MEMORY = "/dev/shm"  # a folder in memory, on Linux
MARKER = b"data-pagefind-body"


class SearchIndex:
    """The index of one build: the pages to index, noted as they are written, then Pagefind."""

    def __init__(self, output: Path, manifest: Manifest | None = None) -> None:
        self.output, self.manifest = output, manifest
        self.pages: dict[str, str] = {}  # the written pages to index -> a digest of each
        self.started = False
        self.key = ""
        self.process: subprocess.Popen | None = None
        self.farm: Path | None = None  # hard links to the pages to index
        self.scratch: Path | None = None  # where Pagefind writes, in memory
        self.files: list[str] = []  # the index's files, as output paths
        self.same: set[str] = set()  # those already published with the same bytes

    def add(self, path: Path) -> None:
        """Note a written page; its digest, if it has parts to index, goes in the manifest."""
        name = path.relative_to(self.output).as_posix()
        found = _to_index(path)
        if found and self.started:  # a plugin order mistake, not an editor's: say which page
            raise RuntimeError(
                f"/{name} was written after the search index: list its plugin before plugins.search"
            )
        if self.manifest is not None:
            self.manifest.note(name, "index", found)
        if found:
            self.pages[name] = found

    def start(self, kept: Iterable[str] = ()) -> None:
        """Start Pagefind on every page to index: those written, and those of `kept` (pages
        kept from the last build) that its build noted as having parts to index."""
        if self.started:
            return
        self.started = True
        pages = dict(self.pages)
        if self.manifest is not None:
            # A page drawn by a build that made no index (the preview's pages first) is read now.
            pages.update(
                (name, found) for name in kept if (found := self.manifest.known(name, "index", _to_index))
            )
            self.key = digest(*(f"{name}\0{found}" for name, found in sorted(pages.items())))
            if self.manifest.unchanged("pagefind", self.key):
                return
        if not pages:
            return  # nothing to search
        # Beside the staging folder (a hard link stays on its disk), named after it.
        self.farm = Path(tempfile.mkdtemp(prefix=f"{self.output.name}-index-", dir=self.output.parent))
        for name in pages:
            link = self.farm / name
            link.parent.mkdir(parents=True, exist_ok=True)
            os.link(self.output / name if name in self.pages else self.manifest.where(name), link)
        # Pagefind writes its thousand fragment files at once from many threads; on a disk those
        # creations in one folder wait for each other (3x slower here), in memory they do not.
        self.scratch = (
            Path(tempfile.mkdtemp(prefix="pagefind-", dir=MEMORY)) if _room_in_memory(len(pages)) else None
        )
        command = [str(get_executable()), "--site", str(self.farm), "--output-path",
                   str(self.scratch or self.output / "pagefind"), "--silent"]  # fmt: skip
        try:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as error:  # not installed, or not runnable
            raise _failed(str(error)) from None

    def finish(self) -> None:
        """Wait for the index and copy it in; say so in a sentence if it could not be made."""
        try:
            self.start()
            if self.process is None:
                return
            error = self._wait()
            if self.process.returncode != 0:
                raise _failed(
                    error.decode(errors="replace").strip() or f"exit code {self.process.returncode}"
                )
            written = self.scratch or self.output / "pagefind"
            steady_entry(written)
            self.files = sorted(
                f"pagefind/{p.relative_to(written).as_posix()}" for p in written.rglob("*") if p.is_file()
            )
            if self.scratch is not None:
                if self.manifest is not None and self.manifest.steps:  # keep what is published as it is
                    self.same = {
                        name
                        for name in self.files
                        if same_file(self.scratch / name[9:], self.manifest.output / name)
                    }
                shutil.copytree(self.scratch, self.output / "pagefind", copy_function=shutil.copyfile,
                                ignore=lambda folder, names: self._published(folder, names))  # fmt: skip
            if self.manifest is not None:
                self.manifest.kept.update(self.same)
                self.manifest.made("pagefind", self.key, self.files)
        finally:
            self.close()

    def _wait(self) -> bytes:
        """Pagefind's complaints, once it is done; the live preview may stop the build meanwhile."""
        deadline = time.monotonic() + 600
        while True:
            stopping.check()
            try:
                return self.process.communicate(timeout=0.05)[1]
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise _failed("Pagefind did not finish in 10 minutes") from None

    def _published(self, folder: str, names: list[str]) -> list[str]:
        """The files of a folder of the new index that are already published as they are."""
        where = Path(folder).relative_to(self.scratch).as_posix()
        return [name for name in names if f"pagefind/{where}/{name}".replace("/./", "/") in self.same]

    def close(self) -> None:
        """Stop Pagefind if it still runs (the build stopped), and remove its folders."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for folder in (self.farm, self.scratch):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


def _to_index(page: Path) -> str:
    """A digest of a page with parts to index; "" for one without."""
    data = page.read_bytes()
    return hashlib.sha1(data).hexdigest() if MARKER in data else ""


def _room_in_memory(pages: int) -> bool:
    """Whether the memory folder exists and can take the index with room to spare (about
    5 KB a page; containers often give /dev/shm only 64 MB)."""
    if not os.access(MEMORY, os.W_OK):
        return False
    found = os.statvfs(MEMORY)
    return found.f_bavail * found.f_frsize > 32 * 2**20 + pages * 20 * 2**10


def steady_entry(folder: Path) -> None:
    """Sort the languages of pagefind-entry.json. Pagefind lists them in a random order (a
    Rust HashMap), so an unchanged site had a new entry file every other build, and published
    it; its script looks languages up by name, so the order means nothing to it."""
    entry = folder / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data.get("languages", {}).items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _failed(reason: str) -> ProblemsFound:
    return ProblemsFound(
        [
            Problem(
                "pagefind",
                f"搜索索引未能生成，网站没有更新；请再构建一次，如仍出错请运行 make 重新安装：{reason}",
                f"the search index could not be made, so the site was not updated; build again, and if it "
                f"fails again run make to reinstall: {reason}",
            )
        ]
    )


_indexes: dict[str, SearchIndex] = {}


@atexit.register
def _close_all() -> None:
    """The indexes of builds that stopped on a problem and never reached `finalized`."""
    while _indexes:
        _indexes.popitem()[1].close()


def _start(pelican) -> None:
    _close_all()
    manifest = active()
    if pelican.settings.get("SEARCH_INDEX", True) == "previous":  # pages first (office/builder.py)
        if manifest is not None:
            manifest.keep_as_is("pagefind")
    elif pelican.settings.get("SEARCH_INDEX", True):
        _indexes[pelican.output_path] = SearchIndex(Path(pelican.output_path), manifest)


def _written(path: str, context: dict) -> None:
    index = _indexes.get(context.get("OUTPUT_PATH", ""))
    if index is not None and path.endswith(".html"):
        index.add(Path(path))


class SearchIndexGenerator(Generator):
    """Starts the index once every page with something to index has been written."""

    def generate_output(self, writer) -> None:
        index = _indexes.get(self.output_path)
        if index is not None:
            if hasattr(writer, "flush"):  # plugins.writing holds pages: write those to index now
                marked: dict[str, bool] = {}
                writer.flush(only=lambda template: _marked(template, marked))
            manifest = index.manifest
            index.start([name for name in manifest.kept if name.endswith(".html")] if manifest else ())


def _marked(template, seen: dict[str, bool]) -> bool:
    """Whether pages drawn with a template have parts to index: the marker is in its source."""
    if template.name not in seen:
        environment = template.environment
        seen[template.name] = (
            "data-pagefind-body" in environment.loader.get_source(environment, template.name)[0]
        )
    return seen[template.name]


def _generators(pelican) -> type[Generator]:
    return SearchIndexGenerator


def _stop_if_asked(*_, **__) -> None:
    stopping.check()  # as each source is read, and once all are


def _finalized(pelican) -> None:
    index = _indexes.pop(pelican.output_path, None)
    if index is not None:
        index.finish()


# Its generator indexes the data pages, so it follows theirs; at the end of the build it waits
# for the index, after the held pages are written, the sitemap drawn and the guard has checked.
_order = check_order(
    "plugins.search",
    ("plugins.datapages", "plugins.writing", "plugins.sitemap", "plugins.guard"),
    "搜索索引要收录数据页，并在暂存页面写出、站点地图和隐私检查之后才收尾",
    "the index takes in the data pages, and finishes after held pages are written, the sitemap drawn and the guard run",
)


def register() -> None:
    signals.initialized.connect(_order)
    signals.initialized.connect(_start)
    signals.get_generators.connect(_generators)
    for read in (
        signals.article_generator_context,
        signals.page_generator_context,
        signals.all_generators_finalized,
    ):
        read.connect(_stop_if_asked)
    signals.content_written.connect(_written)
    signals.finalized.connect(_finalized)
