"""A warm build worker for the live preview: one process that builds the site whenever asked.

The preview server has threads; Pelican's build forks its workers (plugins/reading.py,
plugins/writing.py), and forking a threaded process is unsafe. So builds run in this child of
the server, single-threaded, which keeps Pelican, the theme and pypinyin's dictionary loaded
between builds (the first build pays for them, later ones do not).

It also keeps what the last build knew (its generators and their context), so that an edited
article or page can be drawn again at once, alone, into the site being served: the editor sees
the edit in a fraction of a second whatever the size of the site, and the whole build that
follows puts every list, feed and index in step (writing only what changed).

    python -m office.builder SETTINGS_FILE [OVERRIDES_JSON [STOPS_FD]]

Each line on stdin asks for something ({"build": true} or {"quick": [paths]}); each answer is
one JSON line on the worker's own channel (its original stdout; what Pelican prints goes to
stderr). A build the preview may stop has a number (core/stopping.py); to stop it, the server
writes that number to a pipe (STOPS_FD) and sends a signal, on which the worker reads it.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from core import stopping
from core.problems import ProblemsFound

# How the server asks the worker to stop a build; Windows has no such signal, and there the
# index build simply runs to its end.
STOP = getattr(signal, "SIGUSR1", None)
IDLE = 0.1  # seconds without a request before the worker collects its garbage
STOP_WAIT = 5.0  # seconds the preview's end waits for its worker's build to stop, then to end


@dataclass
class Outcome:
    """One build as the preview sees it."""

    ok: bool
    problems: list[str] = field(default_factory=list)  # one sentence each
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # asked to stop (stop()), it changed nothing
    warnings: list[str] = field(default_factory=list)  # notes that did not stop the build


class Builder:
    """The server's side: a worker process started once, restarted if it dies."""

    def __init__(self, settings_file: Path, overrides: dict | None = None, log=None):
        self.command = [
            sys.executable,
            "-m",
            "office.builder",
            str(settings_file),
            json.dumps(overrides or {}),
        ]
        self.stops: tuple[int, int] | None = None  # the pipe that names the build to stop
        if STOP is not None:
            self.stops = os.pipe()
            os.set_blocking(self.stops[1], False)  # stop() never waits on a worker that reads nothing
            self.command.append(str(self.stops[0]))
        self.log, self.process = log, None
        self.lock = threading.Lock()
        self.numbers = itertools.count(1)
        self.stoppable: int | None = None  # the stoppable build asked for, until it answers
        self.closed = False  # close() was called: no worker is started again

    def build(self, pages_first: bool = False, stoppable: bool = False) -> Outcome:
        """A whole build, writing only the files whose content changed; `pages_first`: keep the
        last search index as it is (the build that follows brings it up to date); `stoppable`:
        stop() may stop it."""
        number = next(self.numbers) if stoppable else None
        self.stoppable = number
        # Not reset when the wait for the answer is interrupted (Ctrl-C): close() stops that build.
        outcome = self._ask({"build": True, "pages_first": pages_first, "stoppable": number})
        if self.stoppable == number:
            self.stoppable = None
        return outcome

    def stop(self) -> None:
        """Ask the stoppable build asked for, running or about to run, to stop: it answers at
        once, stopped. Not under the lock, which the build holds. A request that comes too late
        (the build has ended meanwhile) stops nothing, not even the next build."""
        number, process = self.stoppable, self.process
        if number is not None and self.stops and process is not None and process.poll() is None:
            try:
                os.write(self.stops[1], f"{number}\n".encode())
            except BlockingIOError:  # thousands of requests it never read: it is stuck, not building
                return
            process.send_signal(STOP)

    def quick(self, paths: list[str]) -> Outcome:
        """The pages of these edited articles or pages, or of the data when only tables changed,
        drawn again at once, alone (not ok: leave it to the whole build)."""
        return self._ask({"quick": paths})

    def _ask(self, request: dict) -> Outcome:
        with self.lock:  # one at a time: the output folder has one writer
            for _ in range(2):  # a worker that died is replaced once
                if self.closed:  # the preview is ending: its worker was stopped, not lost
                    return Outcome(False, stopped=True)
                if self.process is None or self.process.poll() is not None:
                    # A process group of its own: Ctrl-C in the terminal reaches the server, which
                    # ends the worker in order (close()). Interrupted itself mid-build, the worker
                    # was lost to the server, which said so and started another as it ended.
                    self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                    stderr=self.log or subprocess.DEVNULL, text=True,
                                                    cwd=Path(__file__).resolve().parents[1], start_new_session=True,
                                                    pass_fds=self.stops[:1] if self.stops else ())  # fmt: skip
                try:
                    self.process.stdin.write(json.dumps(request) + "\n")
                    self.process.stdin.flush()
                    answer = self.process.stdout.readline()
                except BrokenPipeError:
                    answer = ""
                if answer:
                    return Outcome(**json.loads(answer))
                self.process = None
            return Outcome(
                False,
                [  # its stderr is not the terminal's (Pelican's own lines): invoke build shows why
                    "构建进程意外退出；再保存一次即可重试，如仍如此请运行 invoke build 查看原因 / "
                    "the build process stopped unexpectedly; save again to retry, or run invoke build to see why"
                ],
            )

    def close(self) -> None:
        """End the worker, the build it runs stopped first: Ctrl-C leaves no process and no
        half-built folder behind, and says nothing of a worker lost."""
        self.closed = True
        self.stop()
        answered = self.lock.acquire(timeout=STOP_WAIT)  # the build under way answers, stopped
        try:
            if self.process is not None and self.process.poll() is None:
                if not answered:  # a build that does not stop: cleaned up as on SIGTERM
                    self.process.terminate()
                self.process.stdin.close()  # no more requests: it ends
                try:
                    self.process.wait(timeout=STOP_WAIT)
                except subprocess.TimeoutExpired:  # and the processes it forked with it
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
        finally:
            if answered:
                self.lock.release()
        if self.stops:
            for end in self.stops:
                os.close(end)
            self.stops = None


def main() -> None:
    if STOP is not None and len(sys.argv) > 3:  # first: by default the signal ends the process
        stops = int(sys.argv[3])
        os.set_blocking(stops, False)

        def asked(*_) -> None:
            try:
                numbers = os.read(stops, 4096).split()
            except BlockingIOError:
                return
            if numbers:
                stopping.ask(int(numbers[-1]))

        signal.signal(STOP, asked)
    # Stopped from outside (a harness, a service manager): clean up, no folder left.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    from pelican import signals  # here, not at the top: the server side never loads Pelican

    from office.build import build_site

    settings_file, overrides = Path(sys.argv[1]), json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # Pelican's own lines go to the log
    last: dict = {}  # what the last good build knew: its generators, and where its site is

    def keep(generators) -> None:
        last["pending"] = generators

    signals.all_generators_finalized.connect(keep, weak=False)
    # The cycle collector runs only while the worker is idle. With it on, it walked the worker's
    # whole heap several times during requests: what a build made (with it off, office/build.py)
    # is all young to it. A quick drawing at 5,000 articles took 0.4 s instead of 0.2.
    gc.disable()
    for line in sys.stdin:
        request = json.loads(line)
        stopping.allow(request.get("stoppable"))
        if "quick" in request:
            outcome = quick(last, request["quick"])
        else:
            try:
                first = {"SEARCH_INDEX": "previous"} if request.get("pages_first") else {}
                report = build_site(settings_file, {**overrides, **first})
                last.update(generators=last.pop("pending", None), output=report.output, drawn={})
                outcome = Outcome(
                    True, [], report.written, report.deleted, report.seconds, warnings=report.warnings
                )
            except ProblemsFound as found:
                restored = _restore(last)  # the whole build refused what was drawn ahead of it
                outcome = Outcome(False, [problem.sentence() for problem in found.problems], restored)
            except stopping.BuildStopped:
                outcome = Outcome(False, stopped=True)
            except Exception as error:  # a fault of ours, not the editor's: said, and the worker lives on
                traceback.print_exc()
                outcome = Outcome(False, [_unexpected(error)], _restore(last))
        stopping.allow(None)
        answers.write(json.dumps(outcome.__dict__, ensure_ascii=False) + "\n")
        answers.flush()
        if not _asked_soon(IDLE):
            gc.collect()


def _unexpected(error: BaseException) -> str:
    """A build that failed where no check expected it, as a sentence that says what to do."""
    detail = f"{type(error).__name__}: {error}".strip().splitlines()[0][:200]
    return (f"构建时出现意外错误（{detail}）；请撤销刚才的修改再保存，并运行 invoke build 查看详情 / "
            f"the build failed unexpectedly ({detail}); undo your last change and save, and run invoke build to see more")  # fmt: skip


def _asked_soon(seconds: float) -> bool:
    """Whether the next request comes within `seconds` (an edit that stopped a build is drawn
    right after it). Requests come one at a time, so none waits in stdin's buffer meanwhile."""
    try:
        return bool(select.select([sys.stdin], [], [], seconds)[0])
    except (OSError, ValueError):  # no select on pipes (Windows)
        return False


def quick(last: dict, paths: list[str]) -> Outcome:
    """Draw the pages of these Markdown files, or the data pages when only tables changed, again
    with what the last build knew, alone."""
    if paths and all(path.endswith(".csv") for path in paths):
        return _quick_data(last)
    outcome = _quick_text(last, paths)
    if not outcome.ok and paths and all(_narrates(last, path) for path in paths):
        return _quick_data(last)
    return outcome


def _quick_text(last: dict, paths: list[str]) -> Outcome:
    """Draw the pages of these Markdown files again with what the last build knew, alone.

    For a text edit of an article or a page. Anything else (a new or removed file, a new title
    and so a new address, photos and embeds, which plugins draw over all content at once) is
    left to the whole build that follows: not ok."""
    from pelican import signals
    from pelican.contents import Article, Page
    from pelican.generators import ArticlesGenerator, PagesGenerator
    from pelican.writers import Writer

    kinds = {ArticlesGenerator: (Article, "article", signals.article_generator_context),
             PagesGenerator: (Page, "page", signals.page_generator_context)}  # fmt: skip
    started, written = time.perf_counter(), []
    generators, output = last.get("generators"), last.get("output")
    if not generators or not output:
        return Outcome(False)
    try:
        for path in paths:
            found = [
                (g, kinds[type(g)], old) for g in generators if type(g) in kinds and (old := _known(g, path))
            ]
            if not found:
                return Outcome(False)  # not a page the last build wrote: a new file, say
            [(generator, (cls, name, read_signal), old)] = found
            # Read with the signal the generator reads with: our plugins give the item its slug there.
            new = generator.readers.read_file(base_path=generator.path, path=os.path.relpath(path, generator.path),
                                              content_class=cls, context=generator.context,
                                              context_signal=read_signal, context_sender=generator)  # fmt: skip
            if (
                not (new and new.is_valid() and new.save_as == old.save_as)
                or "<img" in new.content
                or "[[" in new.content
            ):
                return Outcome(False)
            _carry_over(old, new)  # what plugins gave it: its chapters, its cover
            new.translations = old.translations  # Pelican pairs translations after reading them all
            extra = {"category": new.category, "blog": True} if cls is Article else {}
            _keep_last_good(last, output, new.save_as)
            Writer(str(output), generator.settings).write_file(
                new.save_as, generator.get_template(new.template), generator.context, override_output=True,
                relative_urls=generator.settings["RELATIVE_URLS"], url=new.url, **{name: new}, **extra,
            )  # fmt: skip
            written.append(new.save_as)
    except Exception:  # whatever goes wrong here, the whole build that follows says it properly
        return Outcome(False)
    return Outcome(True, [], written, [], time.perf_counter() - started)


def _quick_data(last: dict) -> Outcome:
    """Draw the data pages again from the tables as they are now, with what the last build knew.

    The data pages' generator reads the tables and the narratives again; what other plugins gave
    its pages and rows (covers, share cards, photos) is carried over from the last build's at
    the same address or id. A problem in the data, or a narrative with photos or embeds (plugins
    draw those over all content at once), is left to the whole build that follows (not ok), as
    are the chapters' feeds."""
    from pelican.writers import Writer

    started, data, output = time.perf_counter(), _data_generator(last), last.get("output")
    if data is None or not output:
        return Outcome(False)

    class Noting(Writer):  # Pelican's writer, noting what it writes for the open pages to reload
        def _open_w(self, filename, encoding, override=False):
            written.append(os.path.relpath(filename, output).replace(os.sep, "/"))
            _keep_last_good(last, output, written[-1])
            return super()._open_w(filename, encoding, override)

        def write_feed(self, *args, **kwargs) -> None:
            pass

    written: list[str] = []
    try:
        before = _data_items(data)
        data.generate_context()
        after = _data_items(data)
        if not data.data_ok or any(
            "<img" in item.content or "[[" in item.content
            for item in after.values()
            if hasattr(item, "content")
        ):
            # The last build's context now holds these tables: draw nothing more from it until
            # a whole build is good again.
            last.pop("generators", None)
            return Outcome(False)
        for key, item in after.items():
            _carry_over(before.get(key, item), item)
        data.generate_output(Noting(str(output), data.settings))
    except Exception:  # whatever goes wrong here, the whole build that follows says it properly
        last.pop("generators", None)
        return Outcome(False)
    return Outcome(True, [], written, [], time.perf_counter() - started)


def _keep_last_good(last: dict, output: str | Path, name: str) -> None:
    """Before a page is drawn ahead of the whole build, what the last good build made of it: the
    whole build may refuse the edit (a mobile number, a chapter that does not exist), and then
    the output must be the last good site again."""
    drawn = last.setdefault("drawn", {})
    if name not in drawn:
        path = Path(output, name)
        drawn[name] = path.read_bytes() if path.exists() else None


def _restore(last: dict) -> list[str]:
    """The pages drawn ahead of a whole build that refused, as the last good build made them."""
    output, drawn = last.get("output"), last.pop("drawn", {})
    for name, data in drawn.items():
        path = Path(output, name)
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)
    return sorted(drawn)


def _carry_over(old, new) -> None:
    """What plugins gave an item (or a row, a dict) of the last build that the new one lacks."""
    if isinstance(new, dict):
        for name, value in old.items():
            new.setdefault(name, value)
    else:
        for name, value in vars(old).items():
            if name not in vars(new):
                setattr(new, name, value)


def _data_generator(last: dict):
    """The data pages' generator (plugins.datapages) of the last build, known by what it holds:
    the office does not import plugins."""
    return next(
        (g for g in last.get("generators") or [] if hasattr(g, "editions") and hasattr(g, "projects")), None
    )


def _narrates(last: dict, path: str) -> bool:
    """Whether this file is the narrative of a data page the last build drew (a chapter's story)."""
    data = _data_generator(last)
    return data is not None and any(
        getattr(item, "source_path", "") and os.path.abspath(item.source_path) == os.path.abspath(path)
        for item in _data_items(data).values()
    )


def _data_items(data) -> dict:
    """The data pages (by address) and the rows other plugins add to (events by edition and id,
    class notes by id) of the data pages' generator."""
    pages = [
        *data.chapters,
        *data.projects,
        *(report for project in data.projects for report in project.reports),
    ]
    items: dict = {page.save_as: page for page in pages}
    for lang, edition in data.editions.items():
        items.update(
            {("event", lang, e["id"]): e for e in edition["upcoming_events"] + edition["past_events"]}
        )
    items.update({("note", n["id"]): n for n in data.context["data"].get("class_notes", [])})
    return items


def _known(generator, path: str):
    """The article or page the last build made of this file, if any."""
    items = [*getattr(generator, "articles", []), *getattr(generator, "pages", []), *generator.translations]
    return next((item for item in items if os.path.abspath(item.source_path) == os.path.abspath(path)), None)


if __name__ == "__main__":
    main()
