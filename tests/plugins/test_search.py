"""The search index: Pagefind run on the pages to index, one index per language."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import stopping
from core.problems import ProblemsFound
from pelicanconf import PLUGINS
from plugins import search
from plugins.search import MEMORY, SearchIndex
from tests.support import ROOT, build_repo

PAGE = '<!doctype html><html lang="{lang}"><head><title>{title}</title></head><body>{body}</body></html>'


def write(folder, name: str, lang: str, body: str):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(lang=lang, title=name, body=body), encoding="utf-8")
    return path


@pytest.mark.parametrize("memory", ["/dev/shm", "no such folder"])
def test_pages_are_indexed_by_language_and_lists_are_left_out(tmp_path, monkeypatch, memory):
    """Written in memory and copied, or (no memory folder, or too small) straight to disk."""
    monkeypatch.setattr(search, "MEMORY", memory)
    index = SearchIndex(tmp_path)
    index.add(
        write(
            tmp_path,
            "news/a.html",
            "zh-CN",
            "<main data-pagefind-body><h1>返校日</h1><p>校友返校。</p></main>",
        )
    )
    index.add(write(tmp_path, "en/news/a.html", "en", "<main data-pagefind-body><h1>Homecoming</h1></main>"))
    index.add(write(tmp_path, "news/index.html", "zh-CN", "<ul><li>返校日</li></ul>"))
    index.finish()
    languages = json.loads((tmp_path / "pagefind/pagefind-entry.json").read_text())["languages"]
    assert {lang: index["page_count"] for lang, index in languages.items()} == {"zh-cn": 1, "en": 1}
    assert (tmp_path / "pagefind/pagefind.js").exists()
    # Pagefind's own search interfaces are left out: the theme has its own, and theirs name
    # their translators by e-mail address.
    assert not [p.name for p in (tmp_path / "pagefind").iterdir() if p.name.startswith(search.UNUSED)]


@pytest.mark.parametrize("command", ["exit 3", "echo 'Error: out of memory' >&2; exit 1", None])
def test_pagefind_that_fails_is_one_sentence_not_a_traceback(tmp_path, monkeypatch, command):
    """Pagefind failing, or missing, stops the build with a sentence; its folders are removed."""
    program = tmp_path / "pagefind"
    if command is not None:
        program.write_text(f"#!/bin/sh\n{command}\n", encoding="utf-8")
        program.chmod(0o755)
    monkeypatch.setattr(search, "get_executable", lambda: program)
    site = tmp_path / "site"
    index = SearchIndex(site)
    index.add(write(site, "news/a.html", "zh-CN", "<main data-pagefind-body>返校</main>"))
    with pytest.raises(ProblemsFound) as stopped:
        index.finish()
    [problem] = stopped.value.problems
    assert problem.sentence().startswith("pagefind: 搜索索引未能生成，网站没有更新")
    if command and "memory" in command:
        assert problem.en.endswith("reinstall: Error: out of memory")
    assert [p.name for p in tmp_path.iterdir() if "-index-" in p.name] == []


def test_every_page_with_parts_to_index_is_in_its_editions_index(demo_site):
    marked = {"zh-cn": 0, "en": 0}
    for page in demo_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "data-pagefind-body" in text:
            marked["en" if '<html lang="en"' in text else "zh-cn"] += 1
    languages = json.loads((demo_site / "pagefind/pagefind-entry.json").read_text())["languages"]
    assert {lang: index["page_count"] for lang, index in languages.items()} == marked


def test_a_page_to_index_written_after_the_index_was_started_is_a_plugin_order_error(tmp_path):
    index = SearchIndex(tmp_path)
    index.start()
    with pytest.raises(RuntimeError, match=r"/news/late\.html was written after the search index"):
        index.add(write(tmp_path, "news/late.html", "zh-CN", "<main data-pagefind-body>迟到</main>"))
    index.finish()


def test_a_build_the_guard_stops_leaves_no_index_behind(make_repo):
    """The index is written while the guard reads the pages; when the guard stops the build
    and the process ends, nothing of it stays: no staging folder, no scratch folder in memory."""
    repo = make_repo({"news/a.md": "Title: 手机\nDate: 2026-01-02\n\n请拨打 13911112222。\n"})
    build = (
        "import os\n"
        "from tests.support import build_repo\n"
        "from core.problems import ProblemsFound\n"
        "print(os.getpid())\n"
        f"try:\n    build_repo(__import__('pathlib').Path({str(repo)!r}))\n"
        "except ProblemsFound as found:\n    print(found.problems[0].kind)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", build], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().endswith("personal-data"), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert [
        p.name for p in repo.iterdir() if p.name.startswith(".output")
    ] == []  # staging, and the pages for the index
    # Its own scratch folders, named with its process id: other builds may run beside the test.
    pid = result.stdout.split()[0]
    assert list(Path(MEMORY).glob(f"pagefind-{pid}-*")) == []


def test_a_wrong_plugin_order_stops_the_build_naming_both_plugins(make_repo):
    plugins = [p for p in PLUGINS if p != "plugins.datapages"]
    plugins.insert(plugins.index("plugins.search") + 1, "plugins.datapages")
    with pytest.raises(ProblemsFound) as found:
        build_repo(make_repo({}), PLUGINS=plugins)
    [problem] = found.value.problems
    assert problem.sentence().startswith(
        "pelicanconf.py, 字段 PLUGINS: PLUGINS 中 plugins.datapages 应排在 plugins.search 之前"
    )
    assert "PLUGINS lists plugins.datapages after plugins.search" in problem.en


def test_the_entry_file_lists_languages_in_one_order(tmp_path):
    # Pagefind's order is random per run: an unchanged site would publish a new entry file.
    entry = tmp_path / "pagefind-entry.json"
    entry.write_text('{"version":"1.5.2","languages":{"zh-cn":{"page_count":67},"en":{"page_count":63}},'
                     '"include_characters":["_","‿"]}', encoding="utf-8")  # fmt: skip
    search.steady_entry(tmp_path)
    assert entry.read_text(encoding="utf-8") == (
        '{"version":"1.5.2","languages":{"en":{"page_count":63},"zh-cn":{"page_count":67}},'
        '"include_characters":["_","‿"]}'
    )


def test_no_file_of_the_index_is_published_empty(demo_site):
    """Pagefind answered before a language's WebAssembly file was whole; copied then, it was empty."""
    assert [
        p.name for p in (demo_site / "pagefind").rglob("*") if p.is_file() and p.stat().st_size == 0
    ] == []


def test_a_build_asked_to_stop_stops_while_pagefind_runs_and_leaves_nothing(tmp_path):
    """The live preview stops a build that makes the index when a new edit comes; any other
    build goes on."""
    site = tmp_path / "site"
    index = SearchIndex(site)
    index.add(write(site, "news/a.html", "zh-CN", "<main data-pagefind-body>返校</main>"))
    index.start()
    try:
        stopping.allow(7)
        stopping.ask(7)
        with pytest.raises(stopping.BuildStopped):
            index.finish()
    finally:
        stopping.allow(None)
    [part] = index.parts
    assert part.process.returncode is not None  # Pagefind was stopped too
    assert [p.name for p in tmp_path.iterdir() if p.name != "site"] == []
    assert not (site / "pagefind").exists()

    index = SearchIndex(site)
    index.add(site / "news/a.html")
    stopping.ask(8)  # a build that may not be stopped (allow(None)): asking changes nothing
    index.finish()
    assert (site / "pagefind/pagefind-entry.json").exists()


def test_a_language_with_more_pages_than_a_part_holds_is_spread_over_parts():
    pages = {f"news/{n}.html": f"zh-cn {n:040x}" for n in range(2500)}
    pages |= {f"en/news/{n}.html": f"en {n:040x}" for n in range(30)}
    parts = search.divide(pages, 1000)
    assert sorted(parts) == ["", "zh-cn-1", "zh-cn-2"]
    assert sorted(name for names in parts.values() for name in names) == sorted(pages)
    assert all(name.startswith("news/") for folder in parts if folder for name in parts[folder])
    assert {pages[name].split()[0] for name in parts[""]} == {
        "zh-cn",
        "en",
    }  # every language has a first part
    assert all(600 < len(names) < 1100 for folder, names in parts.items() if folder)
    # A page stays in its part while others come and go (as long as the number of parts stays).
    pages["news/new.html"] = "zh-cn 1"
    del pages["news/7.html"]
    again = search.divide(pages, 1000)
    assert {folder: set(names) - {"news/7.html"} for folder, names in parts.items()} == {
        folder: set(names) - {"news/new.html"} for folder, names in again.items()
    }


@pytest.mark.parametrize("part_pages", [1, 2, 3])
def test_no_part_is_empty_however_small_the_parts(part_pages):
    pages = {f"news/{n}.html": f"zh-cn {n}" for n in range(5)} | {"en/a.html": "en 1"}
    parts = search.divide(pages, part_pages)
    assert all(parts.values()) and sum(map(len, parts.values())) == 6


def test_an_index_in_parts_has_every_page_once_and_the_script_only_in_the_first(tmp_path):
    index = SearchIndex(tmp_path, part_pages=4)
    for n in range(13):
        index.add(write(tmp_path, f"news/{n}.html", "zh-CN", f"<main data-pagefind-body>返校第{n}天</main>"))
    for n in range(3):
        index.add(write(tmp_path, f"en/news/{n}.html", "en", f"<main data-pagefind-body>Day {n}</main>"))
    index.finish()
    folder = tmp_path / "pagefind"
    layout = json.loads((folder / "parts.json").read_text(encoding="utf-8"))
    assert list(layout) == ["zh-cn"] and len(layout["zh-cn"]) >= 2  # English fits in the first
    counts = {"zh-cn": 0, "en": 0}
    for entry in [folder, *(folder / part for part in layout["zh-cn"])]:
        for lang, found in json.loads((entry / "pagefind-entry.json").read_text())["languages"].items():
            counts[lang] += found["page_count"]
    assert counts == {"zh-cn": 13, "en": 3}
    for part in layout["zh-cn"]:  # merged into the first: its own script and WebAssembly would go unused
        top = sorted(p.name for p in (folder / part).iterdir() if p.is_file())
        assert top[0] == "pagefind-entry.json" and [n[-8:] for n in top[1:]] == [".pf_meta"], top
        assert {p.name for p in (folder / part).iterdir() if p.is_dir()} == {"fragment", "index"}
    assert (folder / "pagefind.js").exists() and (folder / "wasm.en.pagefind").exists()
    assert sorted(index.files) == sorted(
        p.relative_to(tmp_path).as_posix() for p in folder.rglob("*") if p.is_file()
    )


def test_pagefind_runs_at_a_time_fill_the_cores_as_far_as_memory_goes():
    assert search.CORES <= search.at_once(1000) <= 4 * search.CORES
    # Parts too big for the free memory to hold more than one a core: one a core.
    assert search.at_once(10**9) == search.CORES
