"""Live preview: the site is built again on every change to its sources, and the open tab reloads.

`invoke serve` runs it. A watcher (watchfiles) sees a change in content/, data/, theme/, forms/
or the settings, and asks the build worker (office/builder.py) for a new build, which writes
only the files that changed. Every HTML page the preview serves carries a small script of
ours (office/reload.js, never part of the built site) that listens to the server's events
and reloads the page when a new build is in. A build with a problem changes nothing in the
output: the last good site keeps being served, with the problems shown above each page and
printed in the terminal; saving the fix builds and recovers, without a restart.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import watchfiles
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from core.problems import Problem, ProblemsFound
from core.translations import page_environment
from office.builder import Builder, Outcome
from office.preview import site_with_forms

SCRIPT = "/_preview/reload.js"
EVENTS = "/_preview/events"
# Seconds without a change before the preview brings the search index up to date (a new edit
# stops it, and it is made again at the next pause).
INDEX_AFTER = 3.0
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream, so proxies keep it open
# What changes on its own and is no source of the site: the office's private files and the
# inbox the preview's own handler writes to.
IGNORED = ("private", "inbox", "__pycache__", ".git")


class LivePreview:
    """Builds when sources change; serves the last good site; tells open pages when to reload."""

    def __init__(self, builder: Builder, output: Path, inbox: Path, sources: Iterable[Path], theme: Path,
                 say: Callable[[str], None] = print) -> None:  # fmt: skip
        self.builder, self.output, self.sources, self.say = (
            builder,
            output,
            [p for p in sources if p.exists()],
            say,
        )
        self.site = site_with_forms(output, inbox)
        environment = page_environment(theme, "zh")
        self.banner = environment.get_template("_preview_problems.html")
        self.panel = environment.get_template("_preview_notes.html")
        self.version, self.problems, self.pages = 0, [], ["*"]
        self.notes: list[str] = []  # of the last good build, shown on every page while they hold
        self.index_later = False  # set by serve() when the site has a search index
        self.index_due = False  # pages were built with the last index
        self.warned: set[str] = set()  # the notes said, each said once
        self.served = False  # a good build is in the output folder (until invoke clean removes it)
        self.building: threading.Thread | None = None  # the pages or the index, beside the watcher
        self.changed = threading.Condition()
        self.stopping = threading.Event()

    def rebuild(self, edited: Iterable[str] = ()) -> Outcome:
        """Edited articles or pages, or the data pages when only tables changed, are drawn again
        at once, alone; then the whole build follows, which a newer edit stops (stop_building()).
        Open pages reload when their own file changed, or all of them when the problems did."""
        # A save through a temporary file renamed over the article (JetBrains, Emacs, many
        # editors) shows the temporary file too, gone by now: no edit of the site's.
        edited = [path for path in edited if path.endswith((".md", ".csv")) or Path(path).exists()]
        if edited and (all(p.endswith(".md") for p in edited) or all(p.endswith(".csv") for p in edited)):
            quick = self.builder.quick(edited)
            if quick.ok:
                self.tell(quick.written, quick.deleted, self.problems)
        # Changed pages first, with the last search index; the index (Pagefind makes it again
        # from every page, seconds on a big site) follows once the editor pauses (index()).
        outcome = self.builder.build(pages_first=self.index_later, stoppable=True)
        if not outcome.stopped:  # stopped: the newer edit builds again
            self.index_due = self.index_later and (outcome.ok or self.index_due)
            self.report(outcome)
        return outcome

    def index(self) -> Outcome:
        """Bring the search index up to date: a whole build that keeps every unchanged page, and
        that stop_building() stops (the index is then still due)."""
        self.index_due = False
        outcome = self.builder.build(stoppable=True)
        if outcome.stopped:
            self.index_due = True
        else:
            self.report(outcome)
        return outcome

    def edited(self, paths: list[str]) -> None:
        """New changes: stop the build under way, which they make stale, then draw them and
        build again beside the watcher, so that the next edit need not wait for this one."""
        self.stop_building()
        self._beside(self.rebuild, paths)

    def paused(self) -> None:
        """No change for a while: build the site again if its folder is gone (invoke clean removed
        it: the open pages would answer 404 until a restart), else bring the search index up to
        date if it is due."""
        if self.building and self.building.is_alive():
            return
        if self.served and not (self.output / "index.html").is_file():
            self.served = False  # once: a build that then fails waits for the editor's next save
            self._beside(self.rebuild)
        elif self.index_due:
            self._beside(self.index)

    def stop_building(self) -> None:
        """Stop the build under way (the pages, or the index), if any, and wait until it has
        stopped. Asked again until it has: the thread may not have asked for its build yet."""
        while self.building is not None and self.building.is_alive():
            self.builder.stop()
            self.building.join(0.05)
        self.building = None

    def _beside(self, work: Callable, *args) -> None:
        self.building = threading.Thread(target=work, args=args, name="preview-build", daemon=True)
        self.building.start()

    def report(self, outcome: Outcome) -> None:
        # A build that failed changed nothing: the notes of the last good one still hold.
        self.tell(
            outcome.written, outcome.deleted, outcome.problems, outcome.warnings if outcome.ok else None
        )
        if outcome.ok:
            self.served = True
            # Each note once, not again at every save while it holds (an oversized photo).
            for warning in [w for w in outcome.warnings if w not in self.warned]:
                self.say(f"注意 / note: {warning}")
            self.warned = set(outcome.warnings)
            files = len(outcome.written) + len(outcome.deleted)
            self.say(f"已更新 {files} 个文件，用时 {outcome.seconds:.1f} 秒 / "
                     f"{files} file{'' if files == 1 else 's'} updated in {outcome.seconds:.1f}s")  # fmt: skip
        else:
            self.say("\n".join(["网站没有更新，仍显示上一次的版本 / the site was not updated; the last good one is served:", *outcome.problems]))  # fmt: skip

    def tell(
        self, written: list[str], deleted: list[str], problems: list[str], notes: list[str] | None = None
    ) -> None:
        """A new version for the open pages: the addresses that changed, or every page ("*") when
        the problems or the notes (None: as they were) shown on each changed."""
        with self.changed:
            everything = problems != self.problems or (notes is not None and notes != self.notes)
            self.problems = problems
            self.notes = self.notes if notes is None else notes
            if written or deleted or everything:
                self.version += 1
                self.pages = (
                    ["*"] if everything else sorted({_address(path) for path in [*written, *deleted]})
                )
                self.changed.notify_all()

    def watch(self) -> None:
        """Build again after each burst of changes, and the search index once they pause, until
        stopped. Builds run beside the watcher, which stops them when a new change comes: the
        editor's next edit does not wait seconds for pages or an index it makes stale."""
        # A file watched on its own (the settings) is watched through the file the editor saved:
        # an editor or git that saves by writing a new file and renaming it over the old leaves
        # the watch on the old one. After a change to such a file, watch afresh.
        files = {str(path) for path in self.sources if path.is_file()}
        while not self.stopping.is_set():
            for changes in watchfiles.watch(*self._present(), watch_filter=_sources_only, stop_event=self.stopping,
                                            debounce=200, step=30, rust_timeout=int(INDEX_AFTER * 1000),
                                            yield_on_timeout=True):  # fmt: skip
                if changes:
                    paths = sorted({path for _, path in changes})
                    self.edited(paths)
                    if files.intersection(paths):
                        break
                else:
                    self.paused()
        self.stop_building()

    def _present(self) -> list[Path]:
        """The sources, once a file being saved by a rename is there again (a moment at most)."""
        deadline = time.monotonic() + 2
        while not all(path.exists() for path in self.sources) and time.monotonic() < deadline:
            time.sleep(0.02)
        return [path for path in self.sources if path.exists()]

    def start(self) -> threading.Thread:
        watcher = threading.Thread(target=self.watch, name="preview-watch", daemon=True)
        watcher.start()
        return watcher

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == SCRIPT:
            return Response(_RELOAD, mimetype="application/javascript")(environ, start_response)
        if path == EVENTS:
            return self.events(environ, start_response)
        return self.page(environ, start_response)

    def page(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The site's answer, with the reload script (and the problems and notes, if any) in every
        HTML page: they are the preview's, never written to the output."""
        response = Response.from_app(self.site, environ)
        if response.mimetype != "text/html":
            return response(environ, start_response)
        with self.changed:
            version, problems, notes = self.version, self.problems, self.notes
        html = response.get_data(as_text=True)
        extra = f'<script src="{SCRIPT}" data-version="{version}" defer></script>'
        if notes:  # closed, it stays closed until they change (office/reload.js)
            key = hashlib.sha1("\n".join(notes).encode(), usedforsecurity=False).hexdigest()[:12]
            extra = self.panel.render(notes=notes, key=key) + extra
        if problems:
            extra = self.banner.render(problems=problems) + extra
        head, found, tail = html.rpartition("</body>")
        response.set_data(head + extra + found + tail if found else html + extra)
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)

    def events(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Server-sent events: the build version, whenever it changes (at once if the page is old)."""
        page_version = Request(environ).args.get("v", "")

        def newer(seen: str) -> bool:
            return str(self.version) != seen or self.stopping.is_set()

        def stream() -> Iterator[bytes]:
            seen = page_version
            while not self.stopping.is_set():
                with self.changed:
                    self.changed.wait_for(lambda: newer(seen), KEEP_ALIVE)  # noqa: B023 (called at once, in the loop)
                    current, pages = str(self.version), " ".join(self.pages)
                if current != seen:
                    # A page that missed a version since it was served reloads whatever changed.
                    pages = pages if seen.isdigit() and int(current) == int(seen) + 1 else "*"
                    seen = current
                    yield f"data: {current} {pages}\n\n".encode()
                else:
                    yield b": still here\n\n"

        headers = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")]
        start_response("200 OK", headers)
        return stream()


class _Requests(WSGIRequestHandler):
    """The terminal says what the build says, and of the requests only what an editor acts on:
    the forms sent and what failed, not every page, picture and reload a browser asks for."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.command == "POST" or str(getattr(code, "value", code))[:1] in "45":
            super().log_request(code, size)


def serve_live(preview: LivePreview, host: str, port: int) -> BaseWSGIServer:
    return make_server(host, port, preview, threaded=True, request_handler=_Requests)


def _free(host: str, port: int) -> bool:
    """Whether the preview can listen on this port (werkzeug would say so only in English)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _next_free(host: str, port: int) -> int:
    """A port after `port` that is free now, to suggest one that works (8001, unless it is taken too)."""
    candidates = [*range(port + 1, min(port + 50, 65536)), *range(port - 1, max(port - 50, 0), -1)]
    return next((candidate for candidate in candidates if _free(host, candidate)), port + 1)


def sources_of(settings: dict, settings_file: Path) -> list[Path]:
    """What the site is built from: content, data, theme, forms and the settings themselves."""
    root = settings_file.resolve().parent
    return [Path(settings["PATH"]), (root / settings["DATA_PACKAGE"]).parent, Path(settings["THEME"]),
            root / settings["FORMS_DIR"], settings_file.resolve()]  # fmt: skip


def _address(path: str) -> str:
    """An output file as the address a browser shows: about/index.html -> /about/."""
    return "/" + (
        path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path
    )


def _sources_only(change: watchfiles.Change, path: str) -> bool:
    parts = Path(path).parts
    return not any(part in IGNORED or part.startswith(".") for part in parts[-4:]) and not path.endswith("~")


_RELOAD = (Path(__file__).with_name("reload.js")).read_text(encoding="utf-8")


def serve(settings_file: Path, inbox: Path, host: str = "127.0.0.1", port: int = 8000, overrides: dict | None = None,
          say: Callable[[str], None] = print, written: str = "--port {}") -> None:  # fmt: skip
    """Build, then serve the site and the form handler, building again on every change, until Ctrl-C.
    `written`: how the person who started it chooses a port ("make serve PORT={}" under make)."""
    from pelican.settings import read_settings  # only to know where the sources and the output are

    if not _free(host, port):  # first: a port in use is said before any build
        other = written.format(_next_free(host, port))
        raise ProblemsFound([Problem(written.format(port), f"已被其他程序占用：请先停掉它（如另一个 make serve 或 invoke serve），或换一个端口，如 {other}",
                                     f"is in use by another program: stop it (another make serve or invoke serve, say) or choose another port, such as {other}")])  # fmt: skip
    # The sitemap, robots.txt and feeds of a local build name the address it is served at.
    overrides = {"PREVIEW_URL": f"http://{host}:{port}", **(overrides or {})}
    settings = read_settings(str(settings_file), override=overrides)
    builder = Builder(settings_file, overrides)
    preview = LivePreview(builder, Path(settings["OUTPUT_PATH"]), inbox, sources_of(settings, settings_file),
                          Path(settings["THEME"]), say)  # fmt: skip
    server, watcher = serve_live(preview, host, port), None
    try:  # from the first build on: Ctrl-C during it too ends the worker and its build in order
        preview.rebuild()
        preview.index_later = bool(settings.get("SEARCH_INDEX"))
        watcher = preview.start()
        say(f"打开 / open http://{host}:{port}/  (Ctrl-C 停止 / to stop); 表单提交保存在 / submissions go to {inbox}")  # fmt: skip
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
        builder.close()  # stops the build under way, which then says nothing
        if watcher is not None:
            watcher.join(timeout=10)
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", type=Path, default=Path("pelicanconf.py"))
    parser.add_argument("--overrides", default="{}", help="settings as JSON, over the file's")
    parser.add_argument("--inbox", type=Path, default=Path("data/inbox"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    try:
        serve(args.settings, args.inbox, args.host, args.port, json.loads(args.overrides),
              say=lambda line: print(line, flush=True))  # fmt: skip
    except ProblemsFound as found:
        raise SystemExit(str(found)) from None


if __name__ == "__main__":
    main()
