"""Full-text search with no server: Pagefind indexes the site's pages, per language.

The extended Pagefind build (pagefind[extended] on PyPI) segments Chinese into words, so 返校
finds 返校日. Pages are indexed by their `<html lang>`, so each edition searches only its own
pages; only the parts of pages marked data-pagefind-body (articles, pages, data pages) are
indexed, not lists and menus that repeat the same words on every page.

Once the pages with something to index are written (this plugin's generator follows those that
write them, and has plugins.writing write its held pages of that kind first), Pagefind's own
command indexes them, while the build goes on with the pages left (lists, form pages) and
the personal-data guard. Each run is given a folder of hard links to exactly its pages, ones
this build wrote and ones it kept from the last, and writes its index in memory, from where it
is copied in. The index depends only on the pages, not on the order they were written in.
(This plugin used to hand each page to Pagefind's service as it was written; the service
reads pages on one core, which the rendering kept busy: the command is faster, see
docs/performance.md.) The build swaps in its output only when every check, the guard among
them, has passed, so nothing indexed from a refused page is ever published.

Pagefind runs on one core and cannot take a page out of an index it has written, so a big
site's index is made in parts of at most SEARCH_PART_PAGES pages per language (`divide`), run
side by side, several a core (`at_once`); the search script merges a language's parts (Pagefind's
mergeIndex, sharing one WebAssembly file). A build that keeps what has not changed
(core/manifest.py) keeps each part whose pages did not change, and makes again only the others;
of those, only the files whose bytes changed are copied in. Each part made is also kept in
cache/ under its key, as hard links: a build into an emptied output folder, or in CI with
cache/ kept, links a part whose pages it indexed before instead of running Pagefind.

The live preview makes the index in a build of its own once the editor pauses, and stops that
build when a new edit comes (core/stopping.py): as each source is read, before each page is
written (plugins.writing checks), or while Pagefind runs, the points where a build that makes
the index spends its time.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import IO

from pagefind_bin_extended import get_executable
from pelican import signals
from pelican.generators import Generator

from core import leftovers, stopping
from core.entries import make_entry, read_entry
from core.manifest import Manifest, active, digest, files_under, same_file
from core.problems import Problem, ProblemsFound
from plugins import check_order

MEMORY = "/dev/shm"  # a folder in memory, on Linux
MARKER = b"data-pagefind-body"
LANGUAGE = re.compile(rb"<html[^>]*?\slang=[\"']?([A-Za-z0-9-]+)")
SCRATCH = "pagefind-"  # Pagefind's folders in memory, with the process id (core/leftovers.py)
PARTS = "parts.json"  # the parts of each language's index but the first, for the search script
PAGEFIND = version("pagefind_bin_extended")  # in each part's key: another Pagefind, another index
# Pagefind's ready-made search interfaces are not published: the theme's search.js uses only
# pagefind.js and the index, and their code names their translators by e-mail address. (In
# each part's key too: a part kept or cached from before they were left out is made again.)
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class _Part:
    """One part of the index and the Pagefind run that makes it."""

    folder: str  # under pagefind/; "" for the first part, which also holds the script
    pages: list[str]
    key: str
    farm: Path | None = None  # hard links to its pages
    scratch: Path | None = None  # where Pagefind writes it
    process: subprocess.Popen | None = None
    complaints: IO[bytes] | None = None  # what Pagefind said on stderr

    @property
    def step(self) -> str:
        return f"pagefind/{self.folder}".rstrip("/")


class SearchIndex:
    """The index of one build: the pages to index, noted as they are written, then Pagefind
    on each part of the index whose pages changed."""

    def __init__(self, output: Path, manifest: Manifest | None = None, part_pages: int = 1000) -> None:
        self.output, self.manifest, self.part_pages = output, manifest, part_pages
        self.pages: dict[str, str] = {}  # the written pages to index -> "language digest"
        self.started = False
        self.parts: list[_Part] = []  # those to make
        self.layout = ""  # parts.json
        self.files: list[str] = []  # the index's files made by this build, as output paths
        self.at_once = at_once(part_pages)
        # Parts made before, by key (core/entries.py), as hard links to the files published:
        # a build into an emptied output folder, or in CI with cache/ kept, runs no Pagefind
        # for the parts whose pages it has indexed before.
        self.cache = manifest.folder / "index" if manifest is not None else None
        self.keys: set[str] = set()  # of every part of this build's index

    def add(self, path: Path) -> None:
        """Note a written page; its language and digest, if it has parts to index, go in the manifest."""
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
        """Start Pagefind on the parts to make again: every page to index is one written, or one
        of `kept` (pages kept from the last build) that its build noted as having parts to index."""
        if self.started:
            return
        self.started = True
        pages = dict(self.pages)
        if self.manifest is not None:
            # A page drawn by a build that made no index (the preview's pages first) is read now.
            pages.update(
                (name, found) for name in kept if (found := self.manifest.known(name, "index", _to_index))
            )
        if not pages:
            return  # nothing to search
        parts = divide(pages, self.part_pages)
        layout: dict[str, list[str]] = {}
        for folder in filter(None, parts):  # "zh-cn-1" is part 1 of zh-cn's index
            layout.setdefault(folder.rsplit("-", 1)[0], []).append(f"{folder}/")
        self.layout = json.dumps(dict(sorted(layout.items())), separators=(",", ":"))
        for folder, names in parts.items():
            key = digest(
                PAGEFIND,
                *UNUSED,
                *(f"{name}\0{pages[name]}" for name in names),
                self.layout if not folder else "",
            )
            self.keys.add(key)
            part = _Part(folder, names, key)
            if self.manifest is not None and self.manifest.unchanged(part.step, key):
                continue
            if not self._from_cache(part):
                self.parts.append(part)
        for part in self.parts[: self.at_once]:
            self._launch(part)

    def _launch(self, part: _Part) -> None:
        # Beside the staging folder (a hard link stays on its disk), named after it.
        part.farm = Path(tempfile.mkdtemp(prefix=f"{self.output.name}-index-", dir=self.output.parent))
        for name in part.pages:
            link = part.farm / name
            link.parent.mkdir(parents=True, exist_ok=True)
            os.link(self.output / name if name in self.pages else self.manifest.where(name), link)
        # Pagefind writes its thousand fragment files at once from many threads; on a disk those
        # creations in one folder wait for each other (3x slower here), in memory they do not.
        # (Where memory is short, beside the staging folder too.)
        memory = _room_in_memory(len(part.pages))
        part.scratch = Path(
            tempfile.mkdtemp(prefix=leftovers.named(SCRATCH), dir=MEMORY)
            if memory
            else tempfile.mkdtemp(prefix=f"{self.output.name}-pagefind-", dir=self.output.parent)
        )
        part.complaints = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        command = [str(get_executable()), "--site", str(part.farm), "--output-path", str(part.scratch),
                   "--silent"]  # fmt: skip
        try:
            part.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=part.complaints)
        except OSError as error:  # not installed, or not runnable
            raise _failed(str(error)) from None

    def finish(self) -> None:
        """Wait for each part and bring it in; say so in a sentence if one could not be made."""
        try:
            self.start()
            waiting = list(self.parts)
            deadline = time.monotonic() + 600
            while waiting:
                stopping.check()  # the live preview may stop the build meanwhile
                done = [
                    part for part in waiting if part.process is not None and part.process.poll() is not None
                ]
                for part in done:
                    waiting.remove(part)
                    self._store(part, self._bring_in(part))
                queued = [part for part in waiting if part.process is None]
                for part in queued[: self.at_once - (len(waiting) - len(queued))]:
                    self._launch(part)
                if waiting and not done:
                    if time.monotonic() > deadline:
                        raise _failed("Pagefind did not finish in 10 minutes")
                    time.sleep(0.02)
            self._prune()
        finally:
            self.close()

    def _bring_in(self, part: _Part) -> dict[str, str]:
        """Bring in a part Pagefind has made; a first part also gets parts.json."""
        if part.process.returncode != 0:
            part.complaints.seek(0)
            said = part.complaints.read().decode(errors="replace").strip()
            raise _failed(said or f"exit code {part.process.returncode}")
        made = part.scratch
        steady_entry(made)
        if not part.folder:
            (made / PARTS).write_text(self.layout, encoding="utf-8")
        names = [name for name in files_under(made) if not name.startswith(UNUSED)]
        if part.folder:  # a part merged into the first is read by the first's script
            names = [name for name in names if "/" in name or name.endswith((".pf_meta", "entry.json"))]
        return self._place(part, made, names, link=False)

    def _place(self, part: _Part, made: Path, names: list[str], link: bool) -> dict[str, str]:
        """Put a part's files into the output, but for those already published with the same
        bytes (kept as they are); return where each file now is."""
        base = f"{part.step}/"
        published = self.manifest is not None and self.manifest.steps
        folders: set[str] = set()
        where = {}
        for name in names:
            if published and same_file(made / name, self.manifest.output / base / name):
                self.manifest.kept.add(base + name)
                where[name] = f"{self.manifest.output}/{base}{name}"
                continue
            target = os.path.join(self.output, base, name)
            _make_folder(target, folders)
            if link:
                os.link(made / name, target)
            else:
                shutil.copyfile(made / name, target)
            where[name] = target
        files = [base + name for name in names]
        if self.manifest is not None:
            self.manifest.made(part.step, part.key, files)
        self.files += files
        return where

    def _from_cache(self, part: _Part) -> bool:
        """Bring in a part made before with the same pages, if the cache has it whole."""
        if self.cache is None:
            return False
        entry = self.cache / part.key
        found = read_entry(entry)
        if found is None:
            return False
        stored = entry / "part"
        for name, (size, mtime) in found["files"].items():
            try:
                stat = os.stat(f"{stored}/{name}")
            except OSError:
                stat = None
            if stat is None or stat.st_size != size or stat.st_mtime_ns != mtime:  # changed in place
                shutil.rmtree(entry, ignore_errors=True)
                return False
        try:
            self._place(part, stored, sorted(found["files"]), link=True)
        except OSError:  # removed meanwhile by a build of the same output beside this one
            for name in found["files"]:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.output, part.step, name))
            return False
        return True

    def _store(self, part: _Part, where: dict[str, str]) -> None:
        """Keep a part just made in the cache, as hard links to its published files."""
        if self.cache is None:
            return

        def make(scratch: Path) -> dict:
            files, folders = {}, set()
            for name, path in where.items():
                link = f"{scratch}/part/{name}"
                _make_folder(link, folders)
                os.link(path, link)
                stat = os.stat(link)
                files[name] = [stat.st_size, stat.st_mtime_ns]
            return {"files": files}

        with contextlib.suppress(OSError):  # cache/ on another disk than the output: no links, no cache
            make_entry(self.cache / part.key, make)

    def _prune(self) -> None:
        """Keep in the cache only the parts of this build's index (one index per output folder)."""
        if self.cache is not None and self.cache.is_dir():
            for entry in os.scandir(self.cache):
                if entry.name not in self.keys:
                    shutil.rmtree(entry.path, ignore_errors=True)

    def close(self) -> None:
        """Stop Pagefind where it still runs (the build stopped), and remove its folders."""
        for part in self.parts:
            if part.process is not None and part.process.poll() is None:
                part.process.kill()
                part.process.wait()
            if part.complaints is not None:
                part.complaints.close()
            for folder in (part.farm, part.scratch):
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)


def _make_folder(path: str, made: set[str]) -> None:
    """The folder of a file about to be written, made once for the thousands of files in it."""
    if (folder := os.path.dirname(path)) not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)


def divide(pages: dict[str, str], part_pages: int) -> dict[str, list[str]]:
    """The parts of the index: folder -> the pages in it, from page -> "language digest".

    Pagefind runs on one core, so a big site's index is made in parts, several at once, and an
    edit makes again only the part of the page it changed. A language with more than
    `part_pages` pages is spread over parts by a hash of each page's path: a page keeps its part
    while others come and go, until the number of parts changes. The first part ("") holds a
    share of every language, so that its script finds each language there; the others
    ("zh-cn-1") are merged into it by theme/static/js/search.js, as parts.json lists them.
    """
    languages: dict[str, list[str]] = {}
    for name, found in sorted(pages.items()):
        languages.setdefault(found.split(" ")[0], []).append(name)
    parts: dict[str, list[str]] = {"": []}
    for lang, names in languages.items():
        spots = [int(hashlib.sha1(name.encode()).hexdigest()[:12], 16) for name in names]
        count = -(-len(names) // part_pages)
        while True:  # as many parts as the size asks for, none of them empty
            shares: list[list[str]] = [[] for _ in range(count)]
            for name, spot in zip(names, spots, strict=True):
                shares[spot % count].append(name)
            if all(shares):
                break
            count -= 1
        parts[""] += shares[0]
        parts.update((f"{lang}-{number}", share) for number, share in enumerate(shares[1:], 1))
    return parts


def _to_index(page: Path) -> str:
    """The language and a digest of a page with parts to index ("zh-cn 3f…"); "" for one without."""
    data = page.read_bytes()
    if MARKER not in data:
        return ""
    found = LANGUAGE.search(data, 0, 4096)
    return f"{found[1].decode().lower() if found else 'unknown'} {hashlib.sha1(data).hexdigest()}"


def at_once(part_pages: int) -> int:
    """How many Pagefind runs to start at a time. A run spends part of its time on one core,
    so runs as many as the cores left a core idle at times; four a core keep them busy (at
    N=5,000, the index's share of a full build: 6.1 s -> 5.4 s), as long as the free memory
    holds them (a part of 1,000 pages takes Pagefind 120 MB)."""
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not known here: one a core
        return CORES
    return max(CORES, min(4 * CORES, free // (64 * 2**20 + part_pages * 64 * 2**10)))


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
            for step in [step for step in manifest.steps if step.split("/")[0] == "pagefind"]:
                manifest.keep_as_is(step)
    elif pelican.settings.get("SEARCH_INDEX", True):
        if os.access(MEMORY, os.W_OK):  # what killed builds left in memory stays until a restart
            leftovers.clear(Path(MEMORY), SCRATCH)
        _indexes[pelican.output_path] = SearchIndex(
            Path(pelican.output_path), manifest, pelican.settings.get("SEARCH_PART_PAGES", 1000)
        )


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
