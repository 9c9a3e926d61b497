"""`invoke serve` as an editor uses it: save a file, and the open tab shows the change by itself;
a mistake shows as a message over the last good site; saving the fix recovers it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.support import BUILD_DATE, PROJECT, ROOT, live_preview

ARTICLE = "news/alumni-forum-2026.md"  # text only: drawn again at once, alone


@pytest.fixture
def live(tmp_path):
    """The live preview (python -m office.live) of a copy of the demo's content and data."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    overrides = {"PATH": str(tmp_path / "content"), "DATA_PACKAGE": str(tmp_path / "data/datapackage.yaml"),
                 "OUTPUT_PATH": str(tmp_path / "output"), "BUILD_DATE": BUILD_DATE}  # fmt: skip
    with live_preview(ROOT / "pelicanconf.py", overrides, tmp_path) as url:
        yield url, tmp_path


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_saved_edit_shows_in_the_open_tab_by_itself(live, browser):
    url, repo = live
    # What names the site in full names the address the preview serves it at (another port here).
    assert f"Sitemap: {url}/sitemap.xml" in (repo / "output/robots.txt").read_text(encoding="utf-8")
    [built] = (repo / "output/news").glob("*xiao-you-lun-tan*.html")
    page = browser.new_page()
    page.goto(f"{url}/news/{built.name}")
    started = time.monotonic()
    edit(repo / "content" / ARTICLE, "## 论坛传统\n", "预览测试：这句话是刚刚加上的。\n\n## 论坛传统\n")
    page.wait_for_function(
        "document.querySelector('main')?.textContent.includes('这句话是刚刚加上的')", timeout=30_000
    )
    seconds = time.monotonic() - started
    print(f"edit to reload: {seconds:.2f} s")  # bench/edit_preview.py records it properly
    # The whole build follows: the news list, which shows no body text, did not change.
    page.wait_for_timeout(3000)
    assert "这句话是刚刚加上的" in page.locator("main").inner_text()


def test_a_saved_donation_row_shows_in_the_open_project_page_by_itself(live, browser):
    url, repo = live
    page = browser.new_page()
    page.goto(f"{url}/projects/cs-development-fund/")
    assert "¥557,279.00" in page.locator("main").inner_text()
    started = time.monotonic()
    edit(repo / "data/donations.csv", "JZ2020-0003,2020-01-02,cs-development-fund,南山智造股份有限公司,否,5000.00,",
         "JZ2020-0003,2020-01-02,cs-development-fund,南山智造股份有限公司,否,6000.00,")  # fmt: skip
    page.wait_for_function(
        "document.querySelector('main')?.textContent.includes('¥558,279.00')", timeout=30_000
    )
    print(f"donation row to reload: {time.monotonic() - started:.2f} s")  # bench/edit_preview.py records it


def test_a_mistake_shows_over_the_last_good_site_and_the_fix_recovers(live, browser):
    url, repo = live
    page = browser.new_page()
    page.goto(f"{url}/events/")
    events = repo / "data/events.csv"
    good = events.read_text(encoding="utf-8")
    events.write_text(good.replace(",2026-10-18,,homecoming,", ",2026-13-18,,homecoming,"), encoding="utf-8")
    alert = page.locator("aside[role=alert]")
    alert.wait_for(timeout=30_000)
    assert "data/events.csv" in alert.inner_text() and "第 2 行" in alert.inner_text()
    assert page.locator("main h1").count() == 1  # the last good page is still there, under the message
    events.write_text(good, encoding="utf-8")
    page.wait_for_function("!document.querySelector('aside[role=alert]')", timeout=30_000)


def test_a_data_edit_shows_at_once_and_the_search_index_follows_when_the_editor_pauses(live):
    """Pages first (with the last search index), then the index, once nothing changed for a while."""
    import urllib.request

    base, folder = live
    index = folder / "output/pagefind"
    before = max(p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file())
    project = f"{base}/projects/cs-development-fund/"
    with urllib.request.urlopen(project) as response:
        old = response.read()
    edit(
        folder / "content/projects/cs-development-fund.md", "\n\n", "\n\n计算机学院发展基金新增一段说明。\n\n"
    )
    saved = time.monotonic()
    while time.monotonic() - saved < 30:
        with urllib.request.urlopen(project) as response:
            if response.read() != old:
                break
        time.sleep(0.05)
    shown = time.monotonic() - saved
    assert shown < 30
    while time.monotonic() - saved < 60:
        if max(p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()) > before:
            break
        time.sleep(0.1)
    indexed = time.monotonic() - saved
    print(f"project page {shown:.2f} s, search index {indexed:.2f} s after the save")
    assert shown < indexed < 60


def _quiet(log: Path, for_seconds: float = 1.0, timeout: float = 60) -> None:
    """Wait until the preview has written nothing to its log for a while: its builds are done."""
    deadline, size, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() - since < for_seconds:
        assert time.monotonic() < deadline, "the preview never stopped building"
        if log.stat().st_size != size:
            size, since = log.stat().st_size, time.monotonic()
        time.sleep(0.1)


def test_settings_saved_by_writing_a_new_file_and_renaming_it_are_built_every_time(tmp_path):
    """The defect: the settings were watched through the file first read; once an editor (vim,
    JetBrains) or git replaced it, no later change to it was built, and nothing said so."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    settings = tmp_path / "siteconf.py"

    def save(description: str) -> None:  # as vim does: the file moved aside, a new one written
        backup = tmp_path / "siteconf.py~"
        if settings.exists():
            settings.replace(backup)
        settings.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa: F403\n"
                       f"SITE_DESCRIPTIONS = {{**SITE_DESCRIPTIONS, 'zh': {description!r}}}  # noqa: F405\n",
                       encoding="utf-8")  # fmt: skip
        backup.unlink(missing_ok=True)

    save("第一版描述")
    overrides = {"PATH": str(tmp_path / "content"), "DATA_PACKAGE": str(tmp_path / "data/datapackage.yaml"),
                 "OUTPUT_PATH": str(tmp_path / "output"), "BUILD_DATE": BUILD_DATE, "THEME": str(ROOT / "theme"),
                 "FORMS_DIR": str(ROOT / "forms"), "PHOTO_CACHE": str(ROOT / "cache/pictures")}  # fmt: skip
    home = tmp_path / "output/index.html"
    with live_preview(settings, overrides, tmp_path):
        assert "第一版描述" in home.read_text(encoding="utf-8")
        for description in ("第二版描述", "第三版描述"):
            _quiet(tmp_path / "live.log")  # the whole build after the last save has ended
            save(description)
            deadline = time.monotonic() + 60
            while description not in home.read_text(encoding="utf-8"):
                assert time.monotonic() < deadline, f"{description} was never built"
                time.sleep(0.2)


def test_a_note_of_the_build_shows_on_the_open_page_and_stays_closed_once_closed(project, browser):
    """The defect: a table saved in GB18030 was read as such and said by invoke build, but the
    preview showed nothing of it."""
    with live_preview(project / "pelicanconf.py", PROJECT, project) as url:
        page = browser.new_page()
        page.goto(f"{url}/events/")
        events = project / "data/events.csv"
        events.write_bytes(events.read_text(encoding="utf-8").encode("gb18030"))
        notes = page.locator("dialog[data-preview-notes]")
        notes.wait_for(timeout=30_000)  # the page reloaded by itself, with the note
        assert "data/events.csv" in notes.inner_text() and "GB18030" in notes.inner_text()
        notes.get_by_role("button", name="关闭").click()
        assert not notes.is_visible()
        page.reload()
        assert notes.count() == 1 and not notes.is_visible()  # closed until the notes change
        page.close()
    assert "注意 / note: data/events.csv: 文件是 GB18030" in (project / "live.log").read_text(
        encoding="utf-8"
    )
