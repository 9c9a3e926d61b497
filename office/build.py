"""Run a whole build: Pelican with our plugins into a fresh folder, swapped in only on success."""

from __future__ import annotations

import contextlib
import datetime
import gc
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pelican
import pelican.contents
import pelican.utils
from pelican import Pelican
from pelican.log import LimitFilter
from pelican.log import console as pelican_console
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from core import leftovers
from core import manifest as manifests
from core.problems import PROBLEM, Problem, ProblemsFound, source_label

ROOT = Path(__file__).resolve().parents[1]
# What draws pages besides the settings: a change in any of these redraws every page.
CODE = [ROOT / "core", ROOT / "plugins"]
# Settings that name where this build writes, not what it makes; and whether the search index
# is made now (no page shows it).
_PLACES = {"OUTPUT_PATH", "CACHE_PATH", "SEARCH_INDEX"}

# Local builds have no public address on purpose; publishconf.py sets one.
_EXPECTED_WARNINGS = ("Feeds generated without SITEURL",)


@dataclass
class BuildReport:
    output: Path
    pages: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # files new or changed since the last build
    deleted: list[str] = field(default_factory=list)  # files the last build wrote that this one did not


class _Collector(logging.Handler):
    """Keeps every warning and error of the build instead of printing them as they come."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.settings: dict = {}
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, PROBLEM):
            self.problems.append(getattr(record, PROBLEM))
        elif record.levelno >= logging.ERROR:
            # Pelican logs a failing file without the reason; the reason is the live exception.
            self.problems.append(_pelican_problem(self.settings, record.getMessage(), sys.exc_info()[1]))
        elif not record.getMessage().startswith(_EXPECTED_WARNINGS):
            self.warnings.append(record.getMessage())


def _link_loops(content: Path) -> list[Problem]:
    """Links in the content to a folder that holds them (ln -s .. content/news/x)."""
    found = []
    for folder, subfolders, _ in os.walk(content):
        for name in subfolders:
            link = Path(folder, name)
            if link.is_symlink() and link.resolve() in (
                link.parent.resolve(),
                *link.parent.resolve().parents,
            ):
                found.append(Problem(
                    f"{content.name}/{link.relative_to(content).as_posix()}",
                    "是指向包含它的文件夹的链接，内容会被无限重复读取；请删除这个链接",
                    "is a link to a folder that holds it, so the content would be read again and again; remove the link",
                    kind="file",
                ))  # fmt: skip
    return found


def _undecodable_line(path: str, content: str) -> int | None:
    """The line of a file's first byte that is no UTF-8 (the error Pelican met holds one chunk)."""
    try:
        (Path(content) / path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return error.object[: error.start].count(b"\n") + 1
    except OSError:
        pass
    return None


def _pelican_problem(settings: dict, message: str, error: BaseException | None) -> Problem:
    """Pelican's own complaints, reworded for editors where we know what they mean."""
    file_match = re.search(r"(?:process|Skipping) (\S+?):?(?: |$)", message)
    file = source_label(settings["PATH"], file_match.group(1) if file_match else "")
    reason = str(error) if error else message
    if "could not find information about 'title'" in message:
        return Problem(
            file,
            "缺少标题，请在文件开头加一行 Title: 标题",
            "has no title; add a line Title: ...",
            field="Title",
        )
    if "could not find information about 'date'" in message:
        return Problem(
            file,
            "缺少日期，请加一行 Date: 2026-11-23 10:00",
            "has no date; add Date: 2026-11-23 10:00",
            field="Date",
        )
    if isinstance(error, UnicodeDecodeError):  # a file saved in another encoding, or no text at all
        return Problem(
            file,
            "不是 UTF-8 文本（这一行有无法识别的字节）；请在编辑器中另存为 UTF-8，如是图片等文件请移出 content/",
            "is not UTF-8 text (this line holds bytes that are no character); save it as UTF-8 in your editor, or move a picture or other file out of content/",
            line=_undecodable_line(file_match.group(1) if file_match else "", settings["PATH"]),
        )  # fmt: skip
    if "is not a valid date" in reason:
        value = reason.split(" is not a valid date")[0].strip("'\"")
        return Problem(
            file,
            "日期无法识别，请写成 2026-11-23 10:00",
            "is not a date; write 2026-11-23 10:00",
            field="Date",
            value=value,
        )
    return Problem(file, f"无法处理：{reason}", f"could not be processed: {reason}")


def _settings_problem(settings_file: Path, error: Exception) -> Problem:
    """A settings file Python cannot run, as the line to fix."""
    line = error.lineno if isinstance(error, SyntaxError) else _line_in(error, str(settings_file.resolve()))
    detail = f"{type(error).__name__}: {error.msg if isinstance(error, SyntaxError) else error}"
    return Problem(
        settings_file.name,
        f"设置文件无法读取（{detail}）；请改正这一行，或用 git 恢复上一版",
        f"the settings file cannot be read ({detail}); correct this line, or restore the last version with git",
        line=line,
        kind="settings",
    )  # fmt: skip


def _template_problem(error: jinja2.TemplateError) -> Problem:
    """A mistake in a template (its syntax, or what it asks of a page), as the template and line."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        where, line = error.filename or error.name or "theme", error.lineno
    else:  # Jinja puts the template's own lines into the traceback
        frames = [
            f
            for f in traceback.extract_tb(error.__traceback__)
            if f.filename.endswith((".html", ".xml", ".txt"))
        ]
        where, line = (frames[-1].filename, frames[-1].lineno) if frames else ("theme", None)
    return Problem(
        _from_here(where),
        f"模板有错（{error.message or type(error).__name__}）；请改正这一行",
        f"the template has a mistake ({error.message or type(error).__name__}); correct this line",
        line=line,
        kind="template",
    )  # fmt: skip


def _from_here(path: str) -> str:
    """A file as the editor finds it from the project: theme/templates/article.html."""
    here = Path.cwd()
    return Path(path).relative_to(here).as_posix() if Path(path).is_relative_to(here) else path


def _line_in(error: Exception, filename: str) -> int | None:
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return lines[-1] if lines else None


class _OutputRemoved(Exception):
    """The output folder went away while the build ran (invoke clean beside the preview's build)."""


def build_site(settings_file: str | Path = "pelicanconf.py", overrides: dict | None = None) -> BuildReport:
    """Build the site; on any problem raise ProblemsFound and leave the old output untouched."""
    try:
        return _build_site(settings_file, overrides)
    except _OutputRemoved:
        # The files it kept from the output instead of making them again went with it (and the
        # cache that said they were there): build again, from nothing.
        return _build_site(settings_file, overrides)


def _build_site(settings_file: str | Path, overrides: dict | None) -> BuildReport:
    started = time.perf_counter()
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)  # before reading settings: Pelican warns about them too
    staging = None
    # Nearly every object a build makes lives until it ends, and they are millions: the cycle
    # collector walked them again and again (a tenth of a build after one edit). It is back on,
    # for what the build left, once the build is over.
    collecting = gc.isenabled()
    gc.disable()
    _forget_the_last_build()
    try:
        try:
            settings = collector.settings = read_settings(str(settings_file), override=overrides or {})
        except Exception as error:  # the settings file is Python: any mistake in it stops it being read
            raise ProblemsFound([_settings_problem(Path(settings_file), error)]) from None
        # Like Pelican's own paths, data and form definitions are found relative to the settings file.
        for key in ("DATA_PACKAGE", "FORMS_DIR", "PHOTO_CACHE", "BUILD_CACHE"):
            settings[key] = str(Path(settings_file).resolve().parent / settings[key])
        loops = _link_loops(Path(settings["PATH"]))
        if loops:  # Pelican follows links into folders: a loop would read the content again and again
            raise ProblemsFound(loops)
        final = Path(settings["OUTPUT_PATH"])
        final.parent.mkdir(parents=True, exist_ok=True)
        manifest = manifests.Manifest.open(
            Path(settings["BUILD_CACHE"]), final, _basis(settings, settings_file)
        )
        manifest.wide = _sources(settings)
        building = _staging_prefix(final)  # and the process id: a killed build's are removed
        leftovers.clear(final.parent, building)
        staging = manifest.staging = Path(
            tempfile.mkdtemp(prefix=leftovers.named(building), dir=final.parent)
        )
        settings["OUTPUT_PATH"] = str(staging)
        # Pelican keeps what it read of each source file (its reader cache) beside the manifest.
        settings["CACHE_PATH"] = str(manifest.readers)
        manifests.activate(manifest)
        try:
            with _pelicans_summary_unsaid():
                Pelican(settings).run()
        except ProblemsFound as found:  # a check that must stop the build before anything is written
            collector.problems += found.problems
        except jinja2.TemplateError as error:  # a mistake in a template of the theme
            collector.problems.append(_template_problem(error))
        if manifest.kept and not final.is_dir():  # first: what it kept may be why a check failed
            raise _OutputRemoved
        if collector.problems:
            raise ProblemsFound(collector.problems)
        written, deleted, pages = _bring_in(staging, final, manifest.kept)
        manifest.save()
    finally:
        if collecting:
            gc.enable()
        manifests.activate(None)
        root.removeHandler(collector)
        if staging and staging.exists():  # it is gone when it was moved in whole
            # Moved aside first: a plugin still writing in the background (the search index)
            # finds no folder where it writes, so it cannot refill the one being removed.
            stopped = staging.rename(staging.with_name(staging.name + "-stopped"))
            shutil.rmtree(stopped, ignore_errors=True)
    return BuildReport(final, pages, time.perf_counter() - started, collector.warnings, written, deleted)


def _staging_prefix(output: Path) -> str:
    """The name a build's staging folder (and Pagefind's folders beside it) starts with."""
    return f".{output.name}-building-"


def clean_builds(settings_files: Iterable[str | Path]) -> list[Path]:
    """Remove what builds with these settings made, so the next starts from nothing: each output
    folder, the build and photo caches, and what builds no longer running left; return what was
    removed. A build running now (the preview's) keeps its staging folder: it moves it in, or
    builds again when it finds its output gone, and the preview builds its site again."""
    removed: list[Path] = []
    for settings_file in settings_files:
        settings = read_settings(str(settings_file))
        folder = Path(settings_file).resolve().parent
        output = Path(settings["OUTPUT_PATH"])
        for path in (output, folder / settings["BUILD_CACHE"], folder / settings["PHOTO_CACHE"]):
            if path.exists() and path not in removed:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        leftovers.clear(output.parent, _staging_prefix(output))
    return removed


@contextlib.contextmanager
def _pelicans_summary_unsaid() -> Iterator[None]:
    """Pelican prints "Done: Processed …" as its run ends, before our checks may still refuse the
    build: the editor read "Done" above "The site was not updated". Our own line says what was built."""
    quiet, pelican_console.quiet = pelican_console.quiet, True
    try:
        yield
    finally:
        pelican_console.quiet = quiet


def build_once(settings_file: str | Path = "pelicanconf.py", overrides: dict | None = None) -> BuildReport:
    """build_site for a process that ends soon after (invoke build and publish, the benches).

    Pelican's objects refer to each other in cycles, so what a build made is freed only by the
    cycle collector, which walked all of it as soon as build_site turned it back on, and again
    as the process ended: 0.7 s of 12 s at 5,000 articles, 0.3 s at 1,000. It is set aside
    instead (gc.freeze) for the process's end to drop. A process that builds again (the
    preview's worker, the tests) calls build_site and collects it."""
    collecting = gc.isenabled()
    gc.disable()  # build_site leaves it off: turned on, it would first walk what the build made
    try:
        return build_site(settings_file, overrides)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _forget_the_last_build() -> None:
    """Empty Pelican's memoized HTML and summaries of content. They are kept on the class,
    keyed by each item, so a process that builds again (the preview's worker, the tests) kept
    every item of every build it had made: about 10 MB a build of 1,000 articles. The last
    build's stay until the next begins (the preview draws an edited article from them).

    And Pelican's log filter, which lets each warning through once a process: the preview's
    worker gave a build's notes (a table read as GB18030) with its first build only, or with
    none when its quick drawing of the data had logged them first. Each build says its own."""
    for value in vars(pelican.contents.Content).values():
        if isinstance(value, pelican.utils.memoized):
            value.cache.clear()
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()


def _basis(settings: dict, settings_file: str | Path) -> str:
    """What every page depends on (core/manifest.py): settings, theme, code, day. (No page is
    drawn from private data; the guard checks kept pages again when it changes.)"""
    shown = {key: value for key, value in settings.items() if key not in _PLACES}
    folder = Path(settings_file).resolve().parent
    today = settings.get("BUILD_DATE") or datetime.datetime.now(ZoneInfo(settings["TIMEZONE"])).date()
    return manifests.digest(
        json.dumps(shown, sort_keys=True, default=lambda value: type(value).__name__),
        *(path.read_bytes() for path in sorted(folder.glob("*conf.py"))),
        manifests.tree_digest([*CODE, Path(settings["THEME"])]),
        pelican.__version__,
        today,
    )


def _sources(settings: dict) -> str:
    """Every source a page may draw on: content, data and form definitions (not private data,
    which no page draws on), but Markdown: the keys describe each item read from it by value
    (plugins/writing/fingerprints.py)."""
    data = Path(settings["DATA_PACKAGE"]).parent
    return manifests.tree_stamp(
        [Path(settings["PATH"]), data, Path(settings["FORMS_DIR"])],
        skip=settings["PRIVATE_DATA_DIRS"],
        but=tuple(f".{extension}" for extension in MarkdownReader.file_extensions),
    )


def _bring_in(staging: Path, final: Path, kept: set[str] = frozenset()) -> tuple[list[str], list[str], int]:
    """Make the output what the build staged, touching only the files whose content changed;
    return the files written, those deleted, and how many pages (HTML files) the site has.

    A first build moves the staged folder in whole. Later ones replace each changed file in one
    step (a reader sees it old or new, never half), add new ones, then delete what the build no
    longer writes, so no link breaks meanwhile. Unchanged files keep their modification times:
    publishing, a web server's caches and an editor's preview see only what changed.
    """
    if not final.exists():
        staging.rename(final)
        written = manifests.files_under(final)
        return written, [], sum(name.endswith(".html") for name in written)
    written, staged = [], set()
    for folder, _, files in os.walk(staging):
        relative = Path(folder).relative_to(staging)
        target = final / relative
        if target.is_file():
            target.unlink()  # a file where the new site has a folder
        target.mkdir(exist_ok=True)
        for name in files:
            new, old = Path(folder, name), target / name
            staged.add((relative / name).as_posix())
            if old.is_dir():
                shutil.rmtree(old)
            elif manifests.same_file(old, new):
                continue
            os.replace(new, old)
            written.append((relative / name).as_posix())
    deleted, pages = [], 0
    for folder, _, files in os.walk(final, topdown=False):
        # Strings, not paths: this looks at every file of the site (5,000 pages: 0.15 s less).
        prefix = "" if folder == str(final) else Path(folder).relative_to(final).as_posix() + "/"
        for name in files:
            if prefix + name not in staged and prefix + name not in kept:
                os.unlink(os.path.join(folder, name))
                deleted.append(prefix + name)
            elif name.endswith(".html"):
                pages += 1
        if prefix and not os.listdir(folder):
            os.rmdir(folder)
    return sorted(written), sorted(deleted), pages
