"""Builds that redo only what changed (core/manifest.py): after any sequence of edits, the
output is byte for byte what a clean build makes, and unchanged files are not touched."""

import gzip
import json
import os
import random
import re
import shutil

import pytest
from pelican import signals

from core.manifest import digest
from core.problems import ProblemsFound
from office.build import build_site
from plugins import search
from tests.office.conftest import files
from tests.support import BUILD_DATE, ROOT


def _demo(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "content", repo / "content")
    shutil.copytree(ROOT / "data", repo / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    return repo, {"PATH": str(repo / "content"), "DATA_PACKAGE": str(repo / "data/datapackage.yaml"),
                  "OUTPUT_PATH": str(repo / "output"), "BUILD_DATE": BUILD_DATE}  # fmt: skip


def _replace(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(old, new, text, count=count), encoding="utf-8")


def test_after_any_sequence_of_edits_a_build_is_what_a_clean_build_makes(tmp_path):
    """Seeded random edits of every kind an editor makes on the demo site, each followed by a
    build that keeps what did not change; after each, output/ is compared with a clean build."""
    rng = random.Random(int(os.environ.get("EDIT_SEED", 27)))
    repo, overrides = _demo(tmp_path)
    overrides["SEARCH_PART_PAGES"] = 30  # each edition's index in parts, as a big site's is
    content = repo / "content"

    def articles():
        return sorted(p for p in content.glob("*/*.md") if p.parent.name in ("news", "stories"))

    def body(path):
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n又一句{rng.randrange(1000)}。\n", encoding="utf-8"
        )

    def title(path):
        _replace(path, r"Title: ", f"Title: 改{rng.randrange(10)}")

    def tags(path):
        _replace(path, r"Tags: ", f"Tags: 新标签{rng.randrange(3)}, ") if "Tags:" in path.read_text(
            encoding="utf-8"
        ) else body(path)

    def date(path):
        _replace(path, r"Date: \d{4}-\d\d-\d\d", f"Date: 2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}")

    def added(_):
        name = f"x{rng.randrange(10**6)}"
        (content / f"news/{name}.md").write_text(
            f"Title: 新{name}\nDate: 2026-09-0{rng.randrange(1, 9)}\nTags: 返校\nChapter: beijing\n\n新的消息。\n",
            encoding="utf-8",
        )

    def removed(path):
        path.unlink()

    def page(_):
        body(rng.choice(sorted((content / "pages").glob("*.md"))))

    def chapter_name(_):
        _replace(repo / "data/chapters.csv", r"北京校友会", f"北京校友会{rng.randrange(9)}")

    def donation(_):
        _replace(repo / "data/donations.csv", r",5000\.00,", f",{rng.randrange(1000, 9000)}.00,")

    def narrative(_):
        body(rng.choice(sorted((content / "chapters").glob("*.md"))))

    def photo_alt(_):
        _replace(content / "events/homecoming-2026/photos.csv", r"湖", f"湖{rng.randrange(9)}")

    def output_damaged(_):
        pages = sorted((repo / "output").rglob("*.html"))
        rng.choice(pages).unlink()
        rng.choice(pages).write_text("changed by hand", encoding="utf-8")

    edits = [body, body, body, title, tags, date, added, removed, page, chapter_name, donation, narrative,
             photo_alt, output_damaged]  # fmt: skip
    assert build_site(ROOT / "pelicanconf.py", overrides).pages > 0
    done: list[str] = []
    for step in range(9):  # EDIT_SEED=n runs another sequence
        edit = edits[step] if step < 3 else rng.choice(edits)
        edit(rng.choice(articles()))
        done.append(edit.__name__)
        report = build_site(ROOT / "pelicanconf.py", overrides)
        assert report.written or edit is output_damaged
        if step % 3 == 2:  # a page left stale stays stale: comparing every third edit finds it
            clean = tmp_path / f"clean{step}"
            build_site(ROOT / "pelicanconf.py", {**overrides, "OUTPUT_PATH": str(clean)})
            assert files(repo / "output") == files(clean), f"after {', '.join(done[-3:])}"
            shutil.rmtree(clean)


def test_a_body_edit_draws_its_page_and_the_lists_it_is_in_and_keeps_the_rest(tmp_path):
    repo, overrides = _demo(tmp_path)
    build_site(ROOT / "pelicanconf.py", overrides)
    output = repo / "output"
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}
    source = repo / "content/news/alumni-forum-2026.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n论坛后记一句。\n", encoding="utf-8")

    report = build_site(ROOT / "pelicanconf.py", overrides)

    [page] = [name for name in report.written if name.startswith("news/di-shi-er-jie-xiao-you-lun-tan")]
    assert "论坛后记一句".encode() in (output / page).read_bytes()
    assert any(name.startswith("pagefind/") for name in report.written)  # its text is searchable
    assert len(report.written) < 40, report.written
    untouched = [p for p, mtime in before.items() if p.exists() and p.stat().st_mtime_ns == mtime]
    assert len(untouched) > len(before) - 40


def test_an_edit_makes_again_only_the_part_of_the_index_its_page_is_in(tmp_path):
    repo, overrides = _demo(tmp_path)
    overrides["SEARCH_PART_PAGES"] = 20
    build_site(ROOT / "pelicanconf.py", overrides)
    index = repo / "output/pagefind"
    layout = json.loads((index / "parts.json").read_text(encoding="utf-8"))
    assert len(layout["zh-cn"]) >= 2 and len(layout["en"]) >= 2, layout
    folders = {folder.rstrip("/") for parts in layout.values() for folder in parts}

    def part(path) -> str:
        inside = path.relative_to(index).parts
        return inside[0] if inside[0] in folders else ""

    before = {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}
    source = repo / "content/news/alumni-forum-2026.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n论坛后记一句。\n", encoding="utf-8")

    report = build_site(ROOT / "pelicanconf.py", overrides)

    made = {part(repo / "output" / name) for name in report.written if name.startswith("pagefind/")}
    assert len(made) == 1, made
    fragments = (index / next(iter(made))).glob("fragment/*")
    assert any(
        "论坛后记一句" in gzip.decompress(p.read_bytes()).decode().replace("\u200b", "") for p in fragments
    )
    assert [p for p, mtime in before.items() if part(p) not in made and p.stat().st_mtime_ns != mtime] == []
    assert len(report.written) < 30, report.written


def test_nothing_changed_nothing_is_written_or_drawn(tmp_path):
    """Not a page is drawn again: its key is the same in a build with nothing to keep."""
    _, overrides = _demo(tmp_path)
    build_site(ROOT / "pelicanconf.py", overrides)
    drawn = []

    def note(path, context):
        drawn.append(path)

    signals.content_written.connect(note)
    try:
        report = build_site(ROOT / "pelicanconf.py", overrides)
    finally:
        signals.content_written.disconnect(note)
    assert report.written == [] and report.deleted == []
    assert [p for p in drawn if p.endswith(".html")] == []


def test_new_private_data_checks_the_kept_pages_again_and_draws_none(tmp_path):
    """A submission or an import changes the private data, which no page is drawn from: the next
    build keeps every page, and the guard reads the kept pages against the new values."""
    repo, overrides = _demo(tmp_path)
    build_site(ROOT / "pelicanconf.py", overrides)
    register = repo / "data/private/register.csv"
    register.parent.mkdir(parents=True)
    header = "id,name,mobile,email,address,birth_date\n"
    register.write_text(header + "r1,周小梅,13911112222,zhou@example.com,示例市学府路88号3栋201室,1980-05-01\n", encoding="utf-8")  # fmt: skip
    drawn = []
    signals.content_written.connect(drawn.append)
    try:
        report = build_site(ROOT / "pelicanconf.py", overrides)
    finally:
        signals.content_written.disconnect(drawn.append)
    assert report.written == [] and report.deleted == [] and drawn == []
    # A value already in a page this build keeps (words of the forum article's title) stops it.
    register.write_text(header + "r2,吴一,13911113333,wu@example.com,聚焦城市更新与乡村振兴,1981-05-01\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ProblemsFound) as found:
        build_site(ROOT / "pelicanconf.py", overrides)
    assert any(p.file.startswith("output/news/") for p in found.value.problems), found.value.problems


def test_a_changed_setting_or_template_draws_every_page_again(tmp_path):
    repo, overrides = _demo(tmp_path)
    build_site(ROOT / "pelicanconf.py", overrides)
    report = build_site(ROOT / "pelicanconf.py", {**overrides, "HOME_NEWS_COUNT": 5})
    assert "index.html" in report.written
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    _replace(theme / "templates/article.html", r"<h1>", '<h1 class="changed">')
    report = build_site(ROOT / "pelicanconf.py", {**overrides, "HOME_NEWS_COUNT": 5, "THEME": str(theme)})
    articles = [p for p in (repo / "output/news").glob("*.html") if p.name != "index.html"]
    assert articles and all(b'<h1 class="changed">' in p.read_bytes() for p in articles)
    assert os.path.exists(repo / "output/index.html")


def test_pages_first_keeps_the_last_index_and_the_next_build_brings_it_up_to_date(tmp_path):
    """The live preview's order: changed pages at once with the last index, then the index."""
    repo, overrides = _demo(tmp_path)
    build_site(ROOT / "pelicanconf.py", overrides)
    index = {p: p.stat().st_mtime_ns for p in (repo / "output/pagefind").rglob("*") if p.is_file()}
    source = repo / "content/news/alumni-forum-2026.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n先看页面的一句。\n", encoding="utf-8")

    first = build_site(ROOT / "pelicanconf.py", {**overrides, "SEARCH_INDEX": "previous"})
    assert any(name.startswith("news/") for name in first.written)
    assert not any(name.startswith("pagefind/") for name in first.written + first.deleted)
    assert {p: p.stat().st_mtime_ns for p in index} == index
    source.write_text(source.read_text(encoding="utf-8") + "\n又改一句。\n", encoding="utf-8")
    second = build_site(
        ROOT / "pelicanconf.py", {**overrides, "SEARCH_INDEX": "previous"}
    )  # before the index
    assert not any(name.startswith("pagefind/") for name in second.written + second.deleted)
    assert {p: p.stat().st_mtime_ns for p in index} == index

    then = build_site(ROOT / "pelicanconf.py", overrides)
    assert any(name.startswith("pagefind/") for name in then.written)
    assert not any(name.startswith("news/") for name in then.written)  # the pages were kept
    build_site(ROOT / "pelicanconf.py", {**overrides, "OUTPUT_PATH": str(tmp_path / "clean")})
    assert files(repo / "output") == files(tmp_path / "clean")


def test_a_build_into_an_emptied_output_takes_the_index_parts_it_made_before_from_the_cache(
    tmp_path, monkeypatch
):
    """Output deleted (or a CI build with cache/ kept): Pagefind runs for no part whose pages
    it indexed before, and the site is byte for byte the same. An edit makes its part again; a
    cached file changed in place, or removed while it is linked, is not used; the cache holds
    only the last index's parts."""
    repo, overrides = _demo(tmp_path)
    overrides["SEARCH_PART_PAGES"] = 20
    output = repo / "output"
    runs = []
    launch = search.SearchIndex._launch
    monkeypatch.setattr(search.SearchIndex, "_launch", lambda index, part: (runs.append(part.step), launch(index, part))[1])  # fmt: skip
    cache = ROOT / "cache/build" / digest(output.resolve())[:16] / "index"

    build_site(ROOT / "pelicanconf.py", overrides)
    made, first = sorted(runs), files(output)
    assert len(made) >= 3 and sorted(p.name for p in cache.iterdir()) == sorted(search_keys(output, made))
    shutil.rmtree(output)
    runs.clear()
    build_site(ROOT / "pelicanconf.py", overrides)
    assert runs == [] and files(output) == first

    source = repo / "content/news/alumni-forum-2026.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n论坛后记一句。\n", encoding="utf-8")
    build_site(ROOT / "pelicanconf.py", overrides)
    assert len(runs) == 1 and len(list(cache.iterdir())) == len(made)
    edited = files(output)

    [fragment] = list((output / "pagefind/fragment").iterdir())[:1]
    with fragment.open("r+b") as stream:  # in place: the cached file is the same file
        stream.write(b"x")
    shutil.rmtree(output)
    runs.clear()
    build_site(ROOT / "pelicanconf.py", overrides)
    assert runs == ["pagefind"] and files(output) == edited

    # A part's entry removed while it is linked (by a build of the same output beside this
    # one): the files linked so far are taken out again and Pagefind makes the part.
    real_link, linked = os.link, []

    def link(source, target, *args, **kwargs):
        if f"{cache}/" in str(source):
            linked.append(source)
            if len(linked) == 5:
                raise FileNotFoundError(source)
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    shutil.rmtree(output)
    runs.clear()
    build_site(ROOT / "pelicanconf.py", overrides)
    assert len(runs) == 1 and files(output) == edited


def search_keys(output, steps) -> list[str]:
    """The keys the manifest recorded for these steps of the index."""
    saved = json.loads((ROOT / "cache/build" / digest(output.resolve())[:16] / "manifest.json").read_text())
    return [saved["steps"][step][0] for step in steps]
