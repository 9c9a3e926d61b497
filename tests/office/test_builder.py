"""The preview's build worker: whole builds, and edited pages drawn again at once, alone, exactly as
the whole build then draws them."""

import shutil
import threading

from office.builder import Builder
from tests.office.conftest import demo_copy, files
from tests.support import BUILD_DATE, ROOT

ARTICLE = "news/alumni-forum-2026.md"


def test_an_edited_page_is_drawn_at_once_as_the_whole_build_draws_it(tmp_path):
    overrides = demo_copy(tmp_path)
    builder = Builder(ROOT / "pelicanconf.py", overrides)
    try:
        assert builder.quick([str(tmp_path / "content" / ARTICLE)]).ok is False  # nothing built yet
        assert builder.build().ok
        source = tmp_path / "content" / ARTICLE
        source.write_text(
            source.read_text(encoding="utf-8").replace("## 论坛传统", "新加的一句。\n\n## 论坛传统"),
            encoding="utf-8",
        )
        # Drawn at once: that page alone (how fast is bench/edit_preview.py's to measure).
        quick = builder.quick([str(source)])
        assert quick.ok and len(quick.written) == 1
        drawn = (tmp_path / "output" / quick.written[0]).read_bytes()
        assert "新加的一句".encode() in drawn
        whole = builder.build()
        assert quick.written[0] not in whole.written  # the whole build drew the same bytes
        assert (tmp_path / "output" / quick.written[0]).read_bytes() == drawn
        source.write_text(
            source.read_text(encoding="utf-8").replace("Title: 第十二届", "Title: 第十三届"), encoding="utf-8"
        )
        assert builder.quick([str(source)]).ok is False  # a new title is a new address: the whole build's job
    finally:
        builder.close()


def test_a_data_edit_draws_the_data_pages_at_once_as_the_whole_build_draws_them(tmp_path):
    overrides = demo_copy(tmp_path)
    donations = tmp_path / "data/donations.csv"
    builder = Builder(ROOT / "pelicanconf.py", overrides)
    try:
        assert builder.build().ok
        project = tmp_path / "output/projects/cs-development-fund/index.html"
        before = project.read_bytes()
        donations.write_text(donations.read_text(encoding="utf-8").replace(",否,5000.00,", ",否,5123.00,", 1), encoding="utf-8")  # fmt: skip
        quick = builder.quick([str(donations)])
        assert quick.ok
        assert "projects/cs-development-fund/index.html" in quick.written
        drawn = {name: (tmp_path / "output" / name).read_bytes() for name in quick.written}
        assert project.read_bytes() != before
        whole = builder.build()
        assert whole.ok and not set(quick.written) & set(whole.written)  # the same bytes, every one
        assert drawn == {name: (tmp_path / "output" / name).read_bytes() for name in quick.written}
        # A chapter's story, drawn at once too.
        story = tmp_path / "content/chapters/beijing.md"
        story.write_text(story.read_text(encoding="utf-8") + "\n北京校友会新添一句。\n", encoding="utf-8")
        quick = builder.quick([str(story)])
        assert (
            quick.ok
            and "北京校友会新添一句".encode()
            in (tmp_path / "output/chapters/beijing/index.html").read_bytes()
        )
        drawn = {name: (tmp_path / "output" / name).read_bytes() for name in quick.written}
        whole = builder.build()
        assert whole.ok and not set(quick.written) & set(whole.written)
        # A wrong value: nothing is drawn at once; the whole build says what is wrong.
        donations.write_text(donations.read_text(encoding="utf-8").replace(",5123.00,", ",五千,", 1), encoding="utf-8")  # fmt: skip
        assert builder.quick([str(donations)]).ok is False
        assert project.read_bytes() == drawn["projects/cs-development-fund/index.html"]
        assert not builder.build().ok
        # Nor is an article drawn at once while the data is wrong: the last good site stays.
        article = tmp_path / "content" / ARTICLE
        article.write_text(article.read_text(encoding="utf-8") + "\n数据有误时的一句。\n", encoding="utf-8")
        assert builder.quick([str(article)]).ok is False
    finally:
        builder.close()


def test_after_any_sequence_of_edits_the_site_is_what_a_clean_build_makes(tmp_path):
    """Random edits (seeded), each drawn at once where it can be and then built whole, the way the
    preview does (sometimes with an index build stopped midway); at the end, output/ equals a
    clean build of the same sources, byte for byte."""
    import random

    from office.build import build_site

    rng = random.Random(18)
    repo = tmp_path / "repo"
    (repo / "content/news").mkdir(parents=True)
    shutil.copytree(ROOT / "data", repo / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    for number in range(6):
        (repo / f"content/news/n{number}.md").write_text(
            f"Title: 消息{number}\nDate: 2026-0{number + 1}-02\nTags: 标签{number % 2}\nSlug: n{number}\n\n正文{number}。\n",
            encoding="utf-8",
        )
    overrides = {"PATH": str(repo / "content"), "DATA_PACKAGE": str(repo / "data/datapackage.yaml"),
                 "OUTPUT_PATH": str(repo / "output"), "BUILD_DATE": BUILD_DATE}  # fmt: skip
    builder = Builder(ROOT / "pelicanconf.py", overrides)

    def body(path):
        path.write_text(
            path.read_text(encoding="utf-8") + f"又一句{rng.randrange(1000)}。\n", encoding="utf-8"
        )

    def title(path):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Title: ", f"Title: 改{rng.randrange(10)}", 1), encoding="utf-8")

    def tags(path):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Tags: ", f"Tags: 新标签{rng.randrange(3)}, ", 1), encoding="utf-8")

    def added(_):
        name = f"x{rng.randrange(10**6)}"
        (repo / f"content/news/{name}.md").write_text(f"Title: 新{name}\nDate: 2026-09-0{rng.randrange(1, 9)}\nSlug: {name}\n\n新的。\n", encoding="utf-8")  # fmt: skip

    def removed(path):
        if len(list((repo / "content/news").glob("*.md"))) > 2:
            path.unlink()

    def data(_):
        events = repo / "data/events.csv"
        events.write_text(events.read_text(encoding="utf-8").replace("示例大学体育馆", f"体育馆{rng.randrange(9)}号"), encoding="utf-8")  # fmt: skip

    try:
        assert builder.build().ok
        for _ in range(8):
            path = rng.choice(sorted((repo / "content/news").glob("*.md")))
            edit = rng.choice([body, body, title, tags, added, removed, data])
            edit(path)
            if edit is body:
                builder.quick([str(path)])
            elif edit is data:
                assert builder.quick([str(repo / "data/events.csv")]).ok
            if rng.random() < 0.5:
                assert builder.build().ok
            else:  # the preview's way: pages first, then an index build that a new edit stops
                assert builder.build(pages_first=True).ok
                outcome = []
                index = threading.Thread(
                    target=lambda found=outcome: found.append(builder.build(stoppable=True))
                )
                index.start()
                while index.is_alive():
                    builder.stop()
                    index.join(0.05)
                assert outcome[0].stopped
        assert builder.build().ok
    finally:
        builder.close()
    build_site(ROOT / "pelicanconf.py", {**overrides, "OUTPUT_PATH": str(tmp_path / "clean")})
    assert files(repo / "output") == files(tmp_path / "clean")


def test_a_worker_stopped_from_outside_mid_build_leaves_no_folder_behind(tmp_path):
    """SIGTERM, as a harness or a service manager stops it: cleaned up as on Ctrl-C."""
    import signal
    import time

    output = tmp_path / "site/output"
    overrides = demo_copy(tmp_path, output)
    builder = Builder(ROOT / "pelicanconf.py", overrides)
    try:
        building = threading.Thread(target=builder.build)
        building.start()
        started = time.monotonic()
        while not any(output.parent.glob(".output-building-*")) and time.monotonic() - started < 60:
            time.sleep(0.005)
        worker = builder.process
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) != 0
        building.join(timeout=120)  # the server side started a new worker, which built the site
        assert [p.name for p in output.parent.iterdir()] == ["output"]
    finally:
        builder.close()
