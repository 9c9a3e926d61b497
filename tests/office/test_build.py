import gc
import json
import os
import shutil
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest
from pelican import signals

from core.problems import ProblemsFound
from office.build import build_site
from tests.office.conftest import files
from tests.support import BUILD_DATE, ROOT, build_repo

GOOD = "Title: 好消息\nDate: 2026-01-02\n\n正文"


def test_a_bad_date_names_file_field_value_and_the_fix(make_repo):
    repo = make_repo({"news/bad.md": "Title: 坏日期\nDate: 2025/13/01\n\n正文"})
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    [problem] = found.value.problems
    assert problem.sentence() == (
        "content/news/bad.md, 字段 Date: “2025/13/01”日期无法识别，请写成 2026-11-23 10:00 "
        "/ is not a date; write 2026-11-23 10:00"
    )


def test_pelicans_done_is_not_printed_above_a_build_that_is_refused(make_repo, capfd):
    repo = make_repo({"news/bad.md": "Title: 坏日期\nDate: 2025/13/01\n\n正文"})
    with pytest.raises(ProblemsFound):
        build_repo(repo)
    printed = capfd.readouterr()
    assert "Done" not in printed.out + printed.err


def test_a_missing_title_is_named(make_repo):
    repo = make_repo({"news/untitled.md": "Date: 2026-01-02\n\n正文"})
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert [(p.file, p.field) for p in found.value.problems] == [("content/news/untitled.md", "Title")]


def test_every_problem_is_listed_not_only_the_first(make_repo):
    repo = make_repo(
        {
            "news/a.md": "Title: 甲\nDate: 2026-13-01\n\n正文",
            "news/b.md": "Title: 乙\nDate: 2026-01-01\nChapter: atlantis\n\n正文",
            "chapters/nowhere.md": "Summary: 没有这一行数据\n\n正文",
        }
    )
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert sorted((p.file, p.field) for p in found.value.problems) == [
        ("content/chapters/nowhere.md", None),
        ("content/news/a.md", "Date"),
        ("content/news/b.md", "Chapter"),
    ]


def test_a_failed_build_leaves_the_published_site_as_it_was(make_repo):
    repo = make_repo({"news/good.md": GOOD})
    build_repo(repo)
    before = (repo / "output/index.html").read_text(encoding="utf-8")
    (repo / "content/news/bad.md").write_text("Title: 坏\nDate: 2025/13/01\n\n正文", encoding="utf-8")
    with pytest.raises(ProblemsFound):
        build_repo(repo)
    assert (repo / "output/index.html").read_text(encoding="utf-8") == before
    assert [p.name for p in repo.iterdir() if p.name.startswith(".output")] == []


def test_an_output_removed_while_it_is_built_is_built_again_whole(make_repo):
    """invoke clean beside the preview's build: the build had kept the unchanged files of the
    output rather than make them again, they went with it, and the output was then only the few
    files the build had made."""
    repo = make_repo({"news/good.md": GOOD})
    whole = files(build_repo(repo).output)

    def clean(sender) -> None:  # once every page is written or kept, before it is brought in
        signals.finalized.disconnect(clean)
        shutil.rmtree(repo / "output")

    signals.finalized.connect(clean)
    try:
        build_repo(repo)
    finally:
        signals.finalized.disconnect(clean)
    assert files(repo / "output") == whole


def test_what_a_build_killed_outright_left_is_removed_by_the_next(make_repo):
    """kill -9 (or the machine running out of memory) runs no clean-up: the staging folder, the
    folder of links for Pagefind and Pagefind's folder in memory stay, until the next build."""
    repo = make_repo({"news/good.md": GOOD})
    code = f"from tests.support import build_repo; from pathlib import Path; build_repo(Path({str(repo)!r}))"
    build = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    memory, started = Path("/dev/shm"), time.monotonic()
    scratch = (memory, f"pagefind-{build.pid}-*") if os.access(memory, os.W_OK) else (repo, "*-pagefind-*")
    while not any(scratch[0].glob(scratch[1])):  # Pagefind runs: every folder is there
        assert build.poll() is None and time.monotonic() - started < 120
        time.sleep(0.002)
    build.kill()
    build.wait()
    left = [p.name for p in repo.iterdir() if p.name.startswith(".output-building-")]
    in_memory = list(memory.glob(f"pagefind-{build.pid}-*"))
    assert len(left) >= 2 and all(f"-{build.pid}-" in name for name in left)
    build_repo(repo)
    assert [p.name for p in repo.iterdir() if p.name.startswith(".output")] == []
    assert [p for p in in_memory if p.exists()] == []
    assert (repo / "output/index.html").exists()


def test_a_build_turns_the_cycle_collector_back_on_whether_it_succeeds_or_not(make_repo):
    # build_site turns it off while it runs; the live preview builds again and again in one
    # process, which must not keep what its builds left.
    repo = make_repo({"news/good.md": GOOD})
    build_repo(repo)
    assert gc.isenabled()
    (repo / "content/news/bad.md").write_text("Title: 坏\nDate: 2025/13/01\n\n正文", encoding="utf-8")
    with pytest.raises(ProblemsFound):
        build_repo(repo)
    assert gc.isenabled()


def test_a_process_that_builds_again_lets_go_of_the_builds_before(make_repo):
    """Pelican memoizes each item's HTML on its class, keyed by the item: the preview's worker,
    which builds again and again, kept every item of every build."""
    repo = make_repo({"news/good.md": GOOD, "news/other.md": GOOD.replace("Title: ", "Title: 又")})
    first = []

    def note(generator):
        first.extend(weakref.ref(article) for article in generator.articles)

    signals.article_generator_finalized.connect(note)
    try:
        build_repo(repo)
    finally:
        signals.article_generator_finalized.disconnect(note)
    assert len(first) == 2 and all(ref() is not None for ref in first)  # the last build's stay
    build_repo(repo)
    gc.collect()
    assert [ref for ref in first if ref() is not None] == []


def test_every_build_of_a_process_gives_its_notes_not_only_the_first(make_repo):
    """Pelican's logging drops a warning it has let through once in the process, so the preview's
    worker gave a note (a table read as GB18030) with its first build, or with none at all when
    its quick drawing of the data had logged it first."""
    repo = make_repo({"news/good.md": GOOD})
    events = repo / "data/events.csv"
    events.write_bytes(events.read_text(encoding="utf-8").encode("gb18030"))
    note = "data/events.csv: 文件是 GB18030（GBK）编码，已按此读取；建议另存为 CSV UTF-8 / is in GB18030 (GBK); read as such; saving it as CSV UTF-8 is better"  # fmt: skip
    assert build_repo(repo).warnings == [note]
    assert build_repo(repo).warnings == [note]


def test_a_build_in_a_process_that_then_ends_leaves_what_it_made_to_the_end(make_repo):
    """invoke build: the collector does not walk the build's objects again as the process ends."""
    repo = make_repo({"news/good.md": GOOD})
    overrides = {"PATH": str(repo / "content"), "OUTPUT_PATH": str(repo / "output"),
                 "DATA_PACKAGE": str(repo / "data/datapackage.yaml"), "BUILD_DATE": BUILD_DATE}  # fmt: skip
    code = (
        "import gc, json; from office.build import build_once\n"
        f"before = gc.get_freeze_count(); report = build_once('pelicanconf.py', {overrides!r})\n"
        "print(json.dumps([before, gc.get_freeze_count(), gc.isenabled(), report.pages]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    before, after, collecting, pages = json.loads(result.stdout.strip().splitlines()[-1])
    assert before == 0 and after > 10_000 and collecting and pages > 0, result.stderr[-2000:]


def test_bad_data_stops_the_build_with_row_and_field(make_repo):
    chapters = (
        "id,name,name_en,kind,place,founded,contact\nbeijing,北京校友会,Beijing Chapter,regional,北京,19x8,\n"
    )
    repo = make_repo({}, data={"data/chapters.csv": chapters})
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    first = found.value.problems[0]
    assert (first.file.endswith("data/chapters.csv"), first.row, first.field, first.value) == (
        True,
        2,
        "founded",
        "19x8",
    )
    assert "请写整数，如 1998" in first.sentence()


def test_publishing_uses_the_public_address(tmp_path):
    build_site(ROOT / "publishconf.py", {"OUTPUT_PATH": str(tmp_path / "out"), "BUILD_DATE": "2026-11-23"})
    home = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://alumni.example.org/">' in home
    assert "https://alumni.example.org/chapters/uk/" in (tmp_path / "out/sitemap.xml").read_text(
        encoding="utf-8"
    )


def test_broken_data_is_reported_once_not_through_every_page_that_uses_it(make_repo):
    repo = make_repo(
        {"news/a.md": "Title: 甲\nDate: 2026-01-01\nChapter: beijing\n\n[[events: beijing]]\n"},
        data={"data/events.csv": "id,title\nx,y\n"},
    )
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert {(p.file, p.kind) for p in found.value.problems} == {
        ("data/events.csv", "missing-column"),
    }


def test_a_rebuild_writes_only_what_changed_and_matches_a_clean_build(make_repo, tmp_path):
    repo = make_repo({"news/a.md": GOOD, "news/b.md": "Title: 另一条消息\nDate: 2026-01-03\n\n正文二"})
    first = build_repo(repo)
    assert first.deleted == [] and "news/hao-xiao-xi.html" in first.written
    times = {p: p.stat().st_mtime_ns for p in repo.joinpath("output").rglob("*") if p.is_file()}
    again = build_repo(repo)
    assert (again.written, again.deleted) == ([], [])
    assert {p: p.stat().st_mtime_ns for p in times} == times  # untouched, so nothing to upload

    (repo / "content/news/b.md").write_text(
        "Title: 另一条消息\nDate: 2026-01-03\n\n改过的正文", encoding="utf-8"
    )
    (repo / "content/news/a.md").unlink()
    edited = build_repo(repo)
    assert "news/ling-yi-tiao-xiao-xi.html" in edited.written and "news/hao-xiao-xi.html" in edited.deleted
    assert len(edited.written) < 60
    build_repo(repo, OUTPUT_PATH=str(tmp_path / "clean"))
    assert files(repo / "output") == files(tmp_path / "clean")


def test_a_build_with_a_problem_leaves_the_last_site_as_it_was(make_repo):
    repo = make_repo({"news/a.md": GOOD})
    build_repo(repo)
    before = files(repo / "output")
    (repo / "content/news/a.md").write_text("Title: 坏\nDate: 2026-13-01\n\n正文", encoding="utf-8")
    with pytest.raises(ProblemsFound):
        build_repo(repo)
    assert files(repo / "output") == before


def test_the_same_sources_build_to_the_same_bytes_in_any_process(tmp_path):
    """Two builds of the demo in fresh processes with different hash seeds: a set's order, a
    clock or a race would show as a file that differs (and as a needless upload on publishing)."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        output = tmp_path / f"out{seed}"
        code = ("from pathlib import Path; from office.build import build_site; "
                f"build_site(Path('pelicanconf.py'), {{'OUTPUT_PATH': {str(output)!r}, 'BUILD_DATE': '2026-11-23'}})")  # fmt: skip
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
                       check=True, capture_output=True, timeout=300)  # fmt: skip
        outputs.append(files(output))
    differing = sorted(
        name for name in outputs[0].keys() | outputs[1].keys() if outputs[0].get(name) != outputs[1].get(name)
    )
    assert differing == []


def test_a_mistake_in_a_template_is_named_with_its_line(make_repo, tmp_path_factory):
    import shutil

    theme = tmp_path_factory.mktemp("theme") / "theme"
    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates/article.html"
    lines = article.read_text(encoding="utf-8").count("\n")
    article.write_text(article.read_text(encoding="utf-8") + "{% if %}\n", encoding="utf-8")
    repo = make_repo({"news/good.md": GOOD})
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo, THEME=str(theme))
    [problem] = found.value.problems
    assert problem.file.endswith("theme/templates/article.html") and problem.line == lines + 1
    assert "模板有错" in problem.zh and "correct this line" in problem.en


def test_a_settings_file_python_cannot_read_is_named_with_its_line(tmp_path):
    settings = tmp_path / "siteconf.py"
    settings.write_text('SITENAME = "示例"\nTHIS IS = not python(\n', encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        build_site(settings, {"OUTPUT_PATH": str(tmp_path / "output")})
    [problem] = found.value.problems
    assert (problem.file, problem.line) == ("siteconf.py", 2)
    assert problem.sentence().startswith("siteconf.py") and "SyntaxError" in problem.en


def test_a_content_file_that_is_not_utf8_is_named_with_its_line(make_repo):
    repo = make_repo({"news/good.md": GOOD})
    (repo / "content/news/gbk.md").write_bytes("Title: Old\nDate: 2026-01-02\n\n第一段\n".encode("gb18030"))
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    [problem] = found.value.problems
    assert (problem.file, problem.line) == ("content/news/gbk.md", 4)
    assert "UTF-8" in problem.zh and "codec" not in problem.sentence()


def test_a_link_to_a_folder_that_holds_it_is_one_problem_not_a_flood(make_repo):
    repo = make_repo({"news/good.md": GOOD})
    (repo / "content/news/loop").symlink_to("..")
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    [problem] = found.value.problems
    assert problem.file == "content/news/loop" and "remove the link" in problem.en
