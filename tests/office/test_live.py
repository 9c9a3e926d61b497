"""The live preview's builds, without a browser: a new edit stops the search index being made."""

import threading
from pathlib import Path

from office.builder import Builder
from office.live import LivePreview
from tests.office.conftest import demo_copy
from tests.support import ROOT

ARTICLE = "news/alumni-forum-2026.md"


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
        preview.indexing = threading.Thread(target=preview.index)
        preview.indexing.start()
        preview.stop_index()
        assert preview.index_due and said == []  # stopped: nothing said, the index still due
        assert {p: p.stat().st_mtime_ns for p in (output / "pagefind").rglob("*") if p.is_file()} == index
        assert sorted(p.name for p in output.parent.iterdir()) == ["output"]  # no folder left behind
        assert _children(builder.process.pid) == []  # Pagefind, if it had started, was stopped too

        outcome = preview.index()  # the next pause
        assert outcome.ok and not preview.index_due
        assert any(name.startswith("pagefind/") for name in outcome.written)
    finally:
        builder.close()


def _children(pid: int) -> list[str]:
    return [
        child
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
