"""Full-text search with no server: Pagefind indexes the site's pages, per language.

The extended Pagefind build (pagefind[extended] on PyPI) segments Chinese into words, so 返校
finds 返校日. Pages are indexed by their `<html lang>`, so each edition searches only its own
pages; only the parts of pages marked data-pagefind-body (articles, pages, data pages) are
indexed, not lists and menus that repeat the same words on every page.

Pagefind runs as a service in its own process and is handed each page as soon as it is
written, so it indexes while later pages are still being rendered. Writing the index starts
once the pages with something to index are written (this plugin's generator follows those
that write them, and has plugins.writing write its held pages of that kind first), so it
overlaps the pages left (lists, form pages) and the personal-data guard. (The pagefind
package's own asyncio client waits 0.1 s per answer, 2 minutes for 1,000 pages, so we speak
the service's protocol ourselves: base64 JSON messages, each followed by a comma.) The build
swaps in its output only when every check, the personal-data guard among them, has passed,
so nothing indexed from a refused page is ever published.

A build that keeps what has not changed (core/manifest.py) keeps the index too when no indexed
part of any page changed. When one did, the index is made again from every page, in the order
a whole build hands them over (Pagefind's index depends on it), kept pages read from the output;
Pagefind cannot take one page out of an index it has written.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from pagefind_bin_extended import get_executable
from pelican import signals
from pelican.generators import Generator

from core.manifest import Manifest, active, same_file
from core.problems import Problem, ProblemsFound
from plugins import check_order

MEMORY = "/dev/shm"  # a folder in memory, on Linux


class PagefindService:
    """One Pagefind index, fed from Pelican's thread; answers are read by a thread of its own."""

    def __init__(self, output: Path, manifest: Manifest | None = None):
        self.output, self.manifest = output, manifest
        self.key = hashlib.sha1()  # of every indexed part, in order: the index's step key
        self.kept = False
        self.files: list[str] = []  # the index's files, as output paths
        self.same: set[str] = set()  # those already published with the same bytes
        self.process = subprocess.Popen(
            [str(get_executable()), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.sent = self.received = 0
        self.answers: dict[int, dict] = {}
        self.errors: list[str] = []
        self.answered = threading.Condition()
        self.writing: threading.Thread | None = None
        self.ended = False
        self.failure: ProblemsFound | None = None
        threading.Thread(target=self._read, name="pagefind", daemon=True).start()
        self.index_id = self._ask({"type": "NewIndex", "config": None})["index_id"]

    def add(self, path: Path) -> None:
        """Hand over one written page; its address is where the site serves it."""
        name = path.relative_to(self.output).as_posix()
        parts = self._parts(name, path)
        if parts is None:
            return  # a list, tag or form page: nothing on it is indexed, so spare Pagefind reading it
        if self.writing is not None:  # a plugin order mistake, not an editor's: say which page
            raise RuntimeError(
                f"/{name} was written after the search index: list its plugin before plugins.search"
            )
        self._add(name, parts)

    def add_again(self, names: list[str]) -> None:
        """The pages of a build that kept unchanged ones, in order: the index is kept if no
        indexed part changed, else made again from all of them."""
        marked = []
        for name in names:
            found = self.manifest.fact(name, "index") if name in self.manifest.kept else None
            if found is None:
                parts = self._parts(name, self.manifest.where(name))
                found = "" if parts is None else self.manifest.facts[name]["index"]
            if found:
                marked.append(name)
                self.key.update(f"{name}\0{found}\0".encode())
        if self.manifest.unchanged("pagefind", self.key.hexdigest()):
            self.kept = True
            return
        for name in marked:
            self._add(name, indexed_parts(self.manifest.where(name).read_text(encoding="utf-8")), again=True)

    def _parts(self, name: str, path: Path) -> str | None:
        """What Pagefind is given of a page, None if nothing of it is indexed; noted in the
        manifest as a digest, for the next build."""
        content = path.read_text(encoding="utf-8")
        parts = indexed_parts(content) if "data-pagefind-body" in content else None
        if self.manifest is not None:
            self.manifest.note(name, "index", hashlib.sha1(parts.encode()).hexdigest() if parts else "")
        return parts

    def _add(self, name: str, parts: str, again: bool = False) -> None:
        if not again and self.manifest is not None:
            self.key.update(f"{name}\0{self.manifest.facts[name]['index']}\0".encode())
        url = "/" + name.removesuffix("index.html")
        self._send({"type": "AddFile", "index_id": self.index_id, "url": url, "file_path": None,
                    "file_contents": parts})  # fmt: skip

    def start_writing(self) -> None:
        """Begin writing output/pagefind/ (the index, the UI's script and styles) in the background."""
        if self.writing is None and not self.kept:
            self.writing = threading.Thread(target=self._write, name="pagefind-write", daemon=True)
            self.writing.start()

    def _write(self) -> None:
        target = self.output / "pagefind"
        # Pagefind writes its thousand fragment files all at once from many threads; on a disk
        # those creations in one folder wait for each other (3x slower here, most of it system
        # time), in memory they do not. One thread then copies them.
        scratch = Path(tempfile.mkdtemp(prefix="pagefind-", dir=MEMORY)) if self._room_in_memory() else None
        try:
            self._ask(
                {"type": "WriteFiles", "index_id": self.index_id, "output_path": str(scratch or target)}
            )
            settled(scratch or target)
            steady_entry(scratch or target)
            written = scratch or target
            self.files = sorted(
                f"pagefind/{p.relative_to(written).as_posix()}" for p in written.rglob("*") if p.is_file()
            )
            if scratch is not None:
                target.mkdir()  # not its parents: a build that stopped meanwhile has removed them
                if _again(self):  # copy only what differs from the published index; keep the rest
                    self.same = {
                        name
                        for name in self.files
                        if same_file(scratch / name[9:], self.manifest.output / name)
                    }
                shutil.copytree(scratch, target, copy_function=shutil.copyfile, dirs_exist_ok=True,
                                ignore=lambda folder, names: self._published(scratch, folder, names))  # fmt: skip
        except ProblemsFound as stopped:
            self.failure = stopped
        except (FileNotFoundError, shutil.Error) as error:
            if self.output.exists():  # else the build stopped (the guard found personal data)
                self.errors.append(str(error))
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    def _published(self, scratch: Path, folder: str, names: list[str]) -> list[str]:
        """The files of a folder of the new index that are already published as they are."""
        where = Path(folder).relative_to(scratch).as_posix()
        return [name for name in names if f"pagefind/{where}/{name}".replace("/./", "/") in self.same]

    def _room_in_memory(self) -> bool:
        """Whether the memory folder exists and can take the index with room to spare (about
        5 KB a page; containers often give /dev/shm only 64 MB)."""
        if not os.access(MEMORY, os.W_OK):
            return False
        found = os.statvfs(MEMORY)
        return found.f_bavail * found.f_frsize > 32 * 2**20 + self.sent * 20 * 2**10

    def finish(self) -> None:
        """Wait until the index is written; say so if it could not be."""
        try:
            self.start_writing()
            if self.kept:
                return
            self.writing.join()
            if self.failure is not None:
                raise self.failure
            if self.errors:
                raise ProblemsFound(
                    [
                        Problem(
                            "pagefind", f"搜索索引未能生成：{e}", f"could not build the search index: {e}"
                        )
                        for e in self.errors
                    ]
                )
            if self.manifest is not None:
                self.manifest.kept.update(self.same)
                self.manifest.made("pagefind", self.key.hexdigest(), self.files)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the service; an index still being written stops too, and its scratch folder goes."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):  # it may have ended while we closed its input
                self.process.stdin.close()
            self.process.wait(timeout=30)
        if self.writing is not None:
            self.writing.join()

    def _send(self, payload: dict) -> int:
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode()
        self._pipe(lambda stdin: stdin.write(base64.b64encode(message) + b","))
        return self.sent

    def _pipe(self, action) -> None:
        """Write or flush to the service; if it has ended (killed, out of memory, or closed
        because the build stopped), say so in a sentence, not a traceback."""
        try:
            action(self.process.stdin)
        except (OSError, ValueError):  # ValueError: its input was closed meanwhile
            raise _stopped() from None

    def _ask(self, payload: dict) -> dict:
        """Send once every earlier message is answered (every page is in), and wait for the answer."""
        self._pipe(lambda stdin: stdin.flush())
        with self.answered:
            self.answered.wait_for(lambda: self.received == self.sent or self.ended, timeout=600)
        message_id = self._send(payload)
        self._pipe(lambda stdin: stdin.flush())
        with self.answered:
            self.answered.wait_for(lambda: message_id in self.answers or self.ended, timeout=600)
        answer = self.answers.get(message_id)
        if answer is None or answer.get("type") == "Error":
            raise _stopped()
        return answer

    def _read(self) -> None:
        pending = b""
        while chunk := self.process.stdout.read1(1 << 16):
            *messages, pending = (pending + chunk).split(b",")
            for message in messages:
                answer = json.loads(base64.b64decode(message))
                payload = answer.get("payload", {})
                if payload.get("type") == "Error":
                    self.errors.append(payload.get("message", ""))
                with self.answered:
                    self.received += 1
                    if payload.get("type") != "IndexedFile":  # pages' answers are only counted
                        self.answers[answer.get("message_id") or 0] = payload
                    self.answered.notify_all()
        with self.answered:
            # The service ended: nobody waits for an answer that cannot come. (A flag, not
            # process.poll(), which answers None while another thread is in process.wait().)
            self.ended = True
            self.answered.notify_all()


def steady_entry(folder: Path) -> None:
    """Sort the languages of pagefind-entry.json. Pagefind lists them in a random order (a
    Rust HashMap), so an unchanged site had a new entry file every other build, and published
    it; its script looks languages up by name, so the order means nothing to it."""
    entry = folder / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data.get("languages", {}).items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def settled(folder: Path, seconds: float = 10.0) -> None:
    """Wait until Pagefind has finished the files it said it wrote.

    Its answer to WriteFiles can come while a language's WebAssembly file (wasm.unknown.pagefind)
    is still being written: copied then, it was published empty one build in three. No file of
    its index is empty when whole (they are gzip), so wait until none is, and no size moves.
    """
    deadline, before = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        sizes = {path: path.stat().st_size for path in folder.rglob("*") if path.is_file()}
        if sizes == before and all(sizes.values()):
            return
        before = sizes
        time.sleep(0.02)


def indexed_parts(page: str) -> str:
    """The page without its menus and footer: Pagefind reads <html lang>, the <head> and the
    marked parts, which are all inside <main>; sparing it the rest saves a fifth of its work."""
    head, body = page.split("<body", 1) if "<body" in page else (page, "")
    start, end = body.find("<main"), body.rfind("</main>")
    if start < 0 or end < 0:
        return page
    return f"{head}<body>{body[start:end]}</main></body></html>"


def _stopped() -> ProblemsFound:
    return ProblemsFound(
        [
            Problem(
                "pagefind",
                "搜索索引程序中途停止，网站没有更新；请再构建一次，如仍出错请运行 make 重新安装",
                "the search indexer stopped, so the site was not updated; build again, and if it fails "
                "again run make to reinstall it",
            )
        ]
    )


_services: dict[str, PagefindService] = {}


@atexit.register
def _close_all() -> None:
    """Services of builds that stopped on a problem and never reached `finalized`."""
    while _services:
        _services.popitem()[1].close()


def _start(pelican) -> None:
    _close_all()
    manifest = active()
    if pelican.settings.get("SEARCH_INDEX", True) == "previous":  # pages first (office/builder.py)
        if manifest is not None:
            manifest.keep_as_is("pagefind")
    elif pelican.settings.get("SEARCH_INDEX", True):
        _services[pelican.output_path] = PagefindService(Path(pelican.output_path), active())


def _written(path: str, context: dict) -> None:
    service = _services.get(context.get("OUTPUT_PATH", ""))
    if service is not None and path.endswith(".html") and not _again(service):
        service.add(Path(path))


def _again(service: PagefindService) -> bool:
    """Whether this build keeps unchanged pages: then the pages are handed over all at once."""
    return service.manifest is not None and bool(service.manifest.steps)


class SearchIndexGenerator(Generator):
    """Starts writing the index once every page with something to index has been written."""

    def generate_output(self, writer) -> None:
        service = _services.get(self.output_path)
        if service is not None:
            if hasattr(writer, "flush"):  # plugins.writing holds pages: write those to index now
                marked: dict[str, bool] = {}
                writer.flush(only=lambda template: _marked(template, marked))
            if _again(service):
                service.add_again(
                    [name for call in writer.order for name in call.files if name.endswith(".html")]
                )
            service.start_writing()


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


def _finalized(pelican) -> None:
    service = _services.pop(pelican.output_path, None)
    if service is not None:
        service.finish()


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
    signals.content_written.connect(_written)
    signals.finalized.connect(_finalized)
