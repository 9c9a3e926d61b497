"""Pages rendered on two cores write the same site as Pelican's own writer, errors included."""

import filecmp
import logging
import os
import re
import time
from pathlib import Path

import jinja2
import pytest
from pelican import signals
from pelican.settings import read_settings
from pelican.writers import Writer

import pelicanconf
from core import stopping
from office.build import build_site
from plugins.writing import FORK_FROM, ForkingWriter
from tests.support import BUILD_DATE, ROOT

PAGES = 2 * FORK_FROM


def _templates(parent: int) -> jinja2.Environment:
    """A page template whose `trouble` item fails in a chosen way, in the copy or everywhere."""

    def check(item: dict) -> str:
        if item.get("trouble") == "error":
            raise ValueError(f"item {item['n']} cannot be drawn")
        if item.get("trouble") == "warning":
            logging.getLogger("theme").warning("item %s drew a warning", item["n"])
        if item.get("trouble") == "copy dies" and os.getpid() != parent:
            os._exit(3)  # a copy killed mid-way: the parent draws these pages itself
        if item.get("trouble") == "slow" and os.getpid() != parent:
            time.sleep(60)
        return ""

    environment = jinja2.Environment()
    environment.globals["check"] = check
    environment.from_string("")  # compiled before the fork, like a theme's templates
    return environment


def _write_all(writer: Writer, environment: jinja2.Environment, trouble: dict[int, str]) -> list[str]:
    """Write PAGES pages and a paginated list with the writer; return the pages announced.

    Announcements go to a file, so one made in the forked copy would show too."""
    log = Path(writer.output_path).parent / f"{Path(writer.output_path).name}-announced.txt"

    def listen(path, context):
        with log.open("a") as lines:
            lines.write(os.path.relpath(path, writer.output_path) + "\n")

    signals.content_written.connect(listen)
    try:
        page = environment.from_string("<h1>{{ item.n }}</h1>{{ check(item) }}")
        listing = environment.from_string("{% for a in articles_page.object_list %}{{ a }} {% endfor %}")
        for n in range(PAGES):
            item = {"n": n, "trouble": trouble.get(n)}
            writer.write_file(f"items/{n}.html", page, {"SITEURL": ""}, item=item)
        writer.write_file(
            "list.html",
            listing,
            {"SITEURL": ""},
            template_name="tag",
            articles=list(range(25)),
            url="list.html",
        )
        if isinstance(writer, ForkingWriter):
            writer.flush()
    finally:
        signals.content_written.disconnect(listen)
    return log.read_text().splitlines() if log.exists() else []


def _settings() -> dict:
    return read_settings(override={"PAGINATED_TEMPLATES": {"tag": None}, "DEFAULT_PAGINATION": 10})


def test_the_copy_renders_half_and_the_site_is_the_same_page_for_page(tmp_path, caplog):
    environment = _templates(os.getpid())
    plain, forked = tmp_path / "plain", tmp_path / "forked"
    expected = _write_all(Writer(str(plain), _settings()), environment, {})
    with caplog.at_level(logging.DEBUG, logger="plugins.writing"):
        announced = _write_all(ForkingWriter(str(forked), _settings()), environment, {})
    assert announced == expected  # every page announced once, in Pelican's order
    assert len(expected) == PAGES + 3  # and the list's three pages
    comparison = filecmp.dircmp(plain, forked)
    assert comparison.left_only == comparison.right_only == comparison.diff_files == []
    assert re.search(r"(\d+) of \1 pages rendered by a forked copy", caplog.text)


def test_an_error_in_the_copys_half_is_raised_as_a_one_core_build_raises_it(tmp_path):
    environment = _templates(os.getpid())
    trouble = {PAGES - 3: "error"}  # the copy draws the second half
    with pytest.raises(ValueError, match=f"item {PAGES - 3} cannot be drawn"):
        _write_all(Writer(str(tmp_path / "plain"), _settings()), environment, trouble)
    with pytest.raises(ValueError, match=f"item {PAGES - 3} cannot be drawn"):
        _write_all(ForkingWriter(str(tmp_path / "forked"), _settings()), environment, trouble)
    written = sorted(p.name for p in (tmp_path / "forked/items").iterdir())
    assert written == sorted(p.name for p in (tmp_path / "plain/items").iterdir())  # the pages before it


def test_warnings_drawn_in_the_copy_reach_the_build_log(tmp_path, caplog):
    environment = _templates(os.getpid())
    with caplog.at_level(logging.WARNING):
        _write_all(ForkingWriter(str(tmp_path), _settings()), environment, {PAGES - 1: "warning"})
    assert f"item {PAGES - 1} drew a warning" in caplog.text


def test_a_copy_that_dies_leaves_its_pages_to_the_parent(tmp_path):
    environment = _templates(os.getpid())
    announced = _write_all(ForkingWriter(str(tmp_path), _settings()), environment, {PAGES - 5: "copy dies"})
    assert len(announced) == PAGES + 3
    assert (tmp_path / f"items/{PAGES - 1}.html").read_text() == f"<h1>{PAGES - 1}</h1>"


def test_an_error_in_this_processs_half_stops_the_copy_at_once(tmp_path):
    """A build that fails (or is stopped) in its own half does not wait for the copy's."""
    environment = _templates(os.getpid())
    started = time.monotonic()
    with pytest.raises(ValueError, match="item 1 cannot be drawn"):
        _write_all(ForkingWriter(str(tmp_path), _settings()), environment, {1: "error", PAGES - 2: "slow"})
    assert time.monotonic() - started < 30


def test_the_demo_site_is_byte_for_byte_the_site_one_core_builds(tmp_path):
    one_core = [p for p in pelicanconf.PLUGINS if p not in ("plugins.reading", "plugins.writing")]
    for name, plugins in (("two", None), ("one", one_core)):
        settings = {"OUTPUT_PATH": str(tmp_path / name), "BUILD_DATE": BUILD_DATE, "SEARCH_INDEX": False}
        build_site(ROOT / "pelicanconf.py", {**settings, **({"PLUGINS": plugins} if plugins else {})})
    different = []
    for folder, _, files in os.walk(tmp_path / "one"):
        for name in files:
            mine = tmp_path / "two" / os.path.relpath(os.path.join(folder, name), tmp_path / "one")
            if not mine.exists() or not filecmp.cmp(os.path.join(folder, name), mine, shallow=False):
                different.append(str(mine))
    assert different == []
    assert sum(len(files) for *_, files in os.walk(tmp_path / "two")) == sum(
        len(files) for *_, files in os.walk(tmp_path / "one")
    )


def test_a_build_asked_to_stop_stops_before_the_next_page(tmp_path):
    """The live preview stops a build that makes the search index when a new edit comes
    (core/stopping.py): between pages, before any is written."""
    writer = ForkingWriter(str(tmp_path), _settings())
    page = jinja2.Environment().from_string("<h1>{{ item.n }}</h1>")
    for n in range(3):
        writer.write_file(f"items/{n}.html", page, {"SITEURL": ""}, item={"n": n})
    stopping.allow(3)
    stopping.ask(3)
    try:
        with pytest.raises(stopping.BuildStopped):
            writer.flush()
    finally:
        stopping.allow(None)
    assert list(tmp_path.rglob("*.html")) == []
