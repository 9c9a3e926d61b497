"""The live preview's builds, without a browser: a new edit stops the build under way, of the
pages or of the search index."""

import contextlib
import html
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from office.build import build_site, clean_builds
from office.builder import Builder
from office.live import LivePreview, serve_live
from office.publishing import open_target, publish_site
from tests.office.conftest import demo_copy
from tests.support import PROJECT, ROOT, free_port

ARTICLE = "news/alumni-forum-2026.md"
OTHER = "news/chongqing-annual-meeting-2025.md"
PAGES = {  # the page of each
    ARTICLE: "news/di-shi-er-jie-xiao-you-lun-tan-zai-jing-ju-xing-ju-jiao.html",
    OTHER: "news/chong-qing-xiao-you-hui-ju-xing-2025-nian-nian-hui.html",
}


def test_a_new_edit_stops_the_search_index_being_made_and_it_is_made_at_the_next_pause(tmp_path):
    output = tmp_path / "site/output"
    builder, said = Builder(ROOT / "pelicanconf.py", demo_copy(tmp_path, output)), []
    preview = LivePreview(builder, output, tmp_path / "inbox", [], ROOT / "theme", said.append)
    try:
        assert preview.rebuild().ok  # the first build makes the index
        preview.index_later = True
        source = tmp_path / "content" / ARTICLE
        source.write_text(source.read_text(encoding="utf-8") + "\n预览中新加的一句。\n", encoding="utf-8")
        assert preview.rebuild([str(source)]).ok and preview.index_due  # pages first
        index = {p: p.stat().st_mtime_ns for p in (output / "pagefind").rglob("*") if p.is_file()}
        said.clear()

        # The editor paused, the index is being made, and a new edit comes.
        preview.paused()
        preview.stop_building()
        assert preview.index_due and said == []  # stopped: nothing said, the index still due
        assert {p: p.stat().st_mtime_ns for p in (output / "pagefind").rglob("*") if p.is_file()} == index
        assert sorted(p.name for p in output.parent.iterdir()) == ["output"]  # no folder left behind
        assert _children(builder.process.pid) == []  # Pagefind, if it had started, was stopped too

        outcome = preview.index()  # the next pause
        assert outcome.ok and not preview.index_due
        assert any(name.startswith("pagefind/") for name in outcome.written)
    finally:
        builder.close()


def test_an_edit_saved_while_the_pages_are_built_stops_that_build_and_is_drawn_at_once(tmp_path):
    output = tmp_path / "site/output"
    builder, said = Builder(ROOT / "pelicanconf.py", demo_copy(tmp_path, output)), []
    preview = LivePreview(builder, output, tmp_path / "inbox", [], ROOT / "theme", said.append)
    first, second = tmp_path / "content" / ARTICLE, tmp_path / "content" / OTHER
    try:
        assert preview.rebuild().ok
        preview.index_later = True
        said.clear()
        append(first, "第一次保存。")
        preview.edited([str(first)])
        while not any(output.parent.glob(".output-building-*")):  # its pages are being built
            assert preview.building.is_alive()
            time.sleep(0.005)
        append(second, "第二次保存。")
        preview.edited([str(second)])  # stops the first build, draws the second edit, builds again
        while "第二次保存。" not in (output / PAGES[OTHER]).read_text(encoding="utf-8"):
            assert preview.building.is_alive()  # drawn before the build that follows ends
            time.sleep(0.005)
        preview.building.join()
        assert len(said) == 1, said  # the first build, stopped, said nothing
        assert preview.index_due
        assert "第一次保存。" in (output / PAGES[ARTICLE]).read_text(encoding="utf-8")
        assert sorted(p.name for p in output.parent.iterdir()) == ["output"]
    finally:
        builder.close()


def test_an_article_saved_through_a_temporary_file_is_drawn_at_once(tmp_path):
    """The defect: a save that writes a temporary file and renames it over the article (JetBrains,
    Emacs, atomic saves) brought the temporary name in the same burst of changes, and the article
    waited for the whole build (0.34-0.49 s on the demo, against 0.06-0.09 s drawn at once)."""
    output = tmp_path / "site/output"
    builder, said = Builder(ROOT / "pelicanconf.py", demo_copy(tmp_path, output)), []
    told = []

    class Watched(LivePreview):
        def tell(self, written, deleted, problems, notes=None):
            told.append(written)
            super().tell(written, deleted, problems, notes)

    preview = Watched(builder, output, tmp_path / "inbox", [], ROOT / "theme", said.append)
    try:
        assert preview.rebuild().ok
        source = tmp_path / "content" / ARTICLE
        # JetBrains, atomic-write libraries, vim's check that it may write the folder
        for temporary in (source.with_name(source.name + "___jb_tmp___"), source.with_name(source.name + ".tmp81"),
                          source.with_name("4913")):  # fmt: skip
            told.clear()
            temporary.write_text(
                source.read_text(encoding="utf-8") + f"\n{temporary.name}\n", encoding="utf-8"
            )
            temporary.replace(source)
            assert preview.rebuild([str(source), str(temporary)]).ok
            assert told[0] == [PAGES[ARTICLE]], told  # drawn alone, before the whole build
            assert temporary.name in (output / PAGES[ARTICLE]).read_text(encoding="utf-8")
    finally:
        builder.close()


def append(source: Path, sentence: str) -> None:
    source.write_text(source.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def _children(pid: int) -> list[str]:
    return [
        child
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def test_a_page_drawn_ahead_of_a_build_that_then_refuses_the_edit_is_the_last_good_one_again(tmp_path):
    """The defect: an article drawn at once with a mobile number in it stayed in the output, and
    was served under the banner saying the last good site was shown."""
    output = tmp_path / "site/output"
    builder, said = Builder(ROOT / "pelicanconf.py", demo_copy(tmp_path, output)), []
    preview = LivePreview(builder, output, tmp_path / "inbox", [], ROOT / "theme", said.append)
    try:
        assert preview.rebuild().ok
        page = output / PAGES[ARTICLE]
        good = page.read_bytes()
        source = tmp_path / "content" / ARTICLE
        append(source, "联系人手机 13812345678。")
        outcome = preview.rebuild([str(source)])
        assert not outcome.ok and "139" not in outcome.problems[0]
        assert any("手机号码" in problem for problem in outcome.problems)
        assert page.read_bytes() == good and PAGES[ARTICLE] in outcome.written
        assert not [p for p in output.rglob("*.html") if b"13812345678" in p.read_bytes()]
    finally:
        builder.close()


def test_a_port_in_use_is_said_before_anything_is_built(tmp_path):
    import json
    import socket
    import subprocess
    import sys

    output = tmp_path / "site/output"
    overrides = demo_copy(tmp_path, output)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "office.live", "--settings", str(ROOT / "pelicanconf.py"), "--overrides",
             json.dumps(overrides), "--port", str(port), "--inbox", str(tmp_path / "inbox")],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    said = done.stderr + done.stdout
    assert (
        done.returncode != 0
        and "已被其他程序占用" in said
        and "is in use" in said
        and "Traceback" not in said
    )
    assert not output.exists()  # the running preview's output was not built over


def test_the_terminal_shows_the_forms_sent_and_what_failed_not_every_request(tmp_path, caplog):
    """The defect: every page, picture and reload the browser asked for was a line in the
    terminal, between the build's own sentences."""
    import contextlib
    import logging
    import threading
    import urllib.error
    import urllib.request

    from office.live import serve_live

    output = tmp_path / "site/output"
    builder = Builder(ROOT / "pelicanconf.py", demo_copy(tmp_path, output))
    preview = LivePreview(builder, output, tmp_path / "inbox", [], ROOT / "theme", lambda _: None)
    server = serve_live(preview, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert preview.rebuild().ok
        caplog.set_level(logging.INFO, logger="werkzeug")
        for path in ("/", "/theme/css/site.css", "/_preview/reload.js"):
            urllib.request.urlopen(base + path, timeout=10).read()
        for path, data in (("/no-such-page/", None), ("/api/forms/contact", b"name=x")):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(urllib.request.Request(base + path, data=data), timeout=10).read()
        said = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
        assert len(said) == 2 and "GET /no-such-page/" in said[0] and "POST /api/forms/contact" in said[1]
    finally:
        server.shutdown()
        builder.close()


def test_the_preview_takes_the_offices_keys_and_nothing_else_of_production(tmp_path):
    """The defect: `invoke serve` ignored FORMS_CHECKIN_KEY (the check-in page was a 404, so
    volunteers could not try it before the event) and FORMS_AGE_RECIPIENT (private fields were
    stored in clear)."""
    from werkzeug.test import Client

    from core.sealing import generate_keypair, is_sealed
    from core.tables import read_records
    from office.preview import site_with_forms

    page = "/api/forms/event-registration/checkin?event=uk-christmas-2026"
    closed = Client(site_with_forms(tmp_path / "output", tmp_path / "inbox", environ={}))
    assert closed.get(page).status_code == 404
    _, recipient = generate_keypair()
    keys = {"FORMS_CHECKIN_KEY": "volunteers-key-7d1e9b2c4a", "FORMS_AGE_RECIPIENT": recipient,
            "FORMS_SITE_URL": "https://alumni.example.org", "FORMS_PREFIX": "/elsewhere"}  # fmt: skip
    preview = Client(site_with_forms(tmp_path / "output", tmp_path / "inbox", environ=keys))
    assert preview.get(page).status_code == 200
    fields = {"name": "周晓梅", "gender": "female", "relation": "staff", "staff_years": "1990-2015",
              "staff_unit": "图书馆", "birth_date": "1968-05-04", "mobile": "13900001111", "consent": "yes"}  # fmt: skip
    sent = preview.post("/api/forms/update", data=fields)
    assert sent.status_code == 303 and sent.location.startswith("/forms/update/thanks/")  # the preview's own
    [row] = read_records(tmp_path / "inbox" / "update-v1.csv")
    assert is_sealed(row["birth_date"]) and row["name"] == "周晓梅"


def test_each_note_of_the_builds_is_said_in_the_terminal_once(make_repo):
    """The preview said only how many files it wrote: an oversized photo, or a published article
    moved to a new address by a corrected title (plugins/addresses.py), went unsaid."""
    repo = make_repo({"news/a.md": "Title: 校友返校日\nDate: 2026-10-18\n\n![合影](a/big.jpg)\n"})
    (repo / "content/news/a").mkdir()
    Image.new("RGB", (600, 400), "teal").save(repo / "content/news/a/big.jpg")
    overrides = {"PATH": str(repo / "content"), "OUTPUT_PATH": str(repo / "output"), "PHOTO_MAX_MB": 0.001,
                 "DATA_PACKAGE": str(repo / "data/datapackage.yaml"),
                 "SEARCH_INDEX": False}  # fmt: skip
    builder, said = Builder(ROOT / "pelicanconf.py", overrides), []
    preview = LivePreview(builder, repo / "output", repo / "inbox", [], ROOT / "theme", said.append)
    source = repo / "content/news/a.md"
    try:
        assert preview.rebuild().ok
        source.write_text(
            source.read_text(encoding="utf-8").replace("返校日", "返校日举行"), encoding="utf-8"
        )
        assert preview.rebuild([str(source)]).ok and preview.rebuild().ok
        notes = [line for line in said if line.startswith("注意 / note: ")]
        assert len(notes) == 2, said
        assert "PHOTO_MAX_MB" in notes[0] and "Slug: xiao-you-fan-xiao-ri " in notes[1]
    finally:
        builder.close()


@contextlib.contextmanager
def previewing(project: Path) -> Iterator[tuple[LivePreview, str, list[str]]]:
    """The live preview of a project as invoke serve runs it (its pelicanconf.py, into its
    output/), on a free port of 127.0.0.1, once its first build is in: the preview, its address
    and what it said in the terminal."""
    builder, said = Builder(project / "pelicanconf.py", PROJECT), []
    preview = LivePreview(builder, project / "output", project / "inbox", [], ROOT / "theme", said.append)
    server = serve_live(preview, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert preview.rebuild().ok
        yield preview, f"http://127.0.0.1:{server.server_port}", said
    finally:
        server.shutdown()
        builder.close()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


PUBLIC = "https://alumni.example.org"  # publishconf.py's SITEURL


def test_a_publish_while_the_preview_runs_leaves_the_preview_its_own_site(project):
    """The defect: invoke publish built into output/, the folder the preview serves, so its pages
    linked to the public site (and its forms posted there) until the next save."""
    environ = {"PUBLISH_URL": str(project / "www")}  # a folder: rsync, as to the university's server
    with previewing(project) as (_, url, _):
        seen, publishing = [], threading.Event()

        def reload() -> None:  # the editor's open tab, reloaded again and again meanwhile
            while not publishing.is_set():
                seen.append(get(url + "/"))

        reloading = threading.Thread(target=reload)
        reloading.start()
        try:  # what invoke publish does, with the project's publishconf.py
            target = open_target(environ)
            build_site(project / "publishconf.py", PROJECT)
            report = publish_site(project / "publishconf.py", target, environ, overrides=PROJECT)
        finally:
            publishing.set()
            reloading.join()
        seen.append(get(url + "/"))
    assert len(seen) > 2 and report.changes.new
    assert [status for status, _ in seen if status != 200] == []
    assert [page for _, page in seen if PUBLIC in page or 'href="/news/' not in page] == []
    assert f'href="{PUBLIC}/news/' in (project / "www/index.html").read_text(encoding="utf-8")
    assert not [p for p in (project / "output").rglob("*.html") if PUBLIC in p.read_text(encoding="utf-8")]


def test_invoke_clean_while_the_preview_runs_has_it_build_its_site_again(project):
    """The defect: invoke clean removed output/ from under the preview, which answered 404 for
    every page until it was started again."""
    with previewing(project) as (preview, url, _):
        removed = clean_builds([project / "pelicanconf.py", project / "publishconf.py"])
        assert project / "output" in removed and project / "cache/build" in removed
        assert get(url + "/")[0] == 404
        preview.paused()  # what the watcher does when nothing has changed for a moment
        assert preview.building is not None
        preview.building.join()
        status, page = get(url + "/")
        assert status == 200 and "2026年校友返校日" in page


GB18030_NOTE = "data/events.csv: 文件是 GB18030（GBK）编码，已按此读取；建议另存为 CSV UTF-8 / is in GB18030 (GBK); read as such; saving it as CSV UTF-8 is better"  # fmt: skip


def test_a_table_saved_in_gb18030_is_noted_once_in_the_terminal_and_on_the_pages_not_in_output(project):
    """The defect: the preview said nothing of it, in the terminal or the browser; only invoke
    build did. (The quick drawing of the data had logged the note, and Pelican lets a warning
    through once a process, so the whole build that followed had none.)"""
    events = project / "data/events.csv"
    utf8 = events.read_bytes()
    with previewing(project) as (preview, url, said):
        events.write_bytes(utf8.decode("utf-8").encode("gb18030"))  # as Excel saves "CSV" in China
        assert preview.rebuild([str(events)]).ok  # the data pages drawn at once, then the whole build
        assert preview.index().ok  # the search index, once the editor pauses: the same note holds
        assert [line for line in said if line.startswith("注意")] == [f"注意 / note: {GB18030_NOTE}"]
        for address in ("/", "/events/", "/no/such/page/"):
            page = get(url + address)[1]
            assert "<dialog open data-preview-notes=" in page and GB18030_NOTE in page, address
        assert not [
            p for p in (project / "output").rglob("*.html") if "data-preview-notes" in p.read_text("utf-8")
        ]

        events.write_bytes(utf8)  # saved as CSV UTF-8: the note goes
        assert preview.rebuild([str(events)]).ok
        assert "data-preview-notes" not in get(url + "/events/")[1]
        assert len([line for line in said if line.startswith("注意")]) == 1


def test_a_data_package_or_form_caught_mid_save_or_saved_as_gbk_is_a_sentence_and_the_worker_lives(project):
    """The defect: data/datapackage.yaml caught empty in the middle of its save, or not YAML, or a
    form saved as GBK, ended the build worker (twice: it is started again once), and the page said
    "see the terminal", where nothing was."""
    (project / "forms").unlink()
    (project / "forms").mkdir()
    for definition in (ROOT / "forms").glob("*.yaml"):
        shutil.copy(definition, project / "forms")
    descriptor, form = project / "data/datapackage.yaml", project / "forms/contact.yaml"
    good = {path: path.read_bytes() for path in (descriptor, form)}
    with previewing(project) as (preview, url, _):
        worker = preview.builder.process.pid
        for path, saved, sentence in [
            (descriptor, b"", "data/datapackage.yaml: 应当列出数据表（resources:）"),
            (descriptor, good[descriptor].replace(b"resources:", b"resources: [", 1), "data/datapackage.yaml, 第 9 行 (line 9): YAML 格式有误"),
            (form, good[form].decode().encode("gb18030"), "forms/contact.yaml, 第 1 行 (line 1): 不是 UTF-8 文本"),
        ]:  # fmt: skip
            path.write_bytes(saved)
            outcome = preview.rebuild([str(path)])
            assert [p[: len(sentence)] for p in outcome.problems] == [sentence]
            assert sentence in html.unescape(get(url + "/")[1])
            path.write_bytes(good[path])
        assert preview.rebuild([str(descriptor)]).ok and 'role="alert"' not in get(url + "/")[1]
        assert preview.builder.process.pid == worker


def test_ctrl_c_during_a_build_ends_every_process_and_leaves_no_folder_or_sentence(project):
    """The defect: Ctrl-C reaches the whole process group, the build worker too, which died
    mid-build: the server said "the build process stopped unexpectedly" as it ended, started a
    worker again in its place, and a half-built folder could stay beside output/."""
    command = [sys.executable, "-m", "office.live", "--settings", str(project / "pelicanconf.py"),
               "--overrides", json.dumps(PROJECT), "--port", str(free_port()), "--inbox", str(project / "inbox")]  # fmt: skip
    with (project / "live.log").open("w") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while not any(project.glob(".output-building-*")):  # the first build is under way
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.005)
        workers = _children(server.pid)
        os.killpg(server.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert workers and not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert sorted(p.name for p in project.glob(".output*")) == []
    assert "意外" not in (project / "live.log").read_text(encoding="utf-8")
