"""An item's relative source path, kept per file, is Pelican's own (its method is the oracle)."""

import os

from pelican.contents import Article
from pelican.settings import read_settings

from plugins import paths
from tests.support import ROOT


def test_relative_source_paths_are_pelicans_for_every_kind_of_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    content = str(ROOT / "content")
    cases = [
        (content, None),
        (content, f"{content}/news/a.md"),
        (content, f"{content}/news/../pages/b.md"),
        (content, f"{content}/news/a.md"),  # again: from what was kept
        (content, str(tmp_path / "outside.md")),  # outside the content folder
        (content, "news/relative.md"),  # relative: against the working folder, as Pelican does
        ("content", f"{content}/news/a.md"),  # a relative content folder
        (content + "/", f"{content}//news/./c.md"),
    ]
    for base, source in cases:
        item = Article("x", metadata={"title": "t"}, settings=read_settings(override={"PATH": base}))
        item.source_path = source
        for asked in (None, source, "news/other.md"):
            expected = paths._pelicans(item, asked)
            assert paths.get_relative_source_path(item, asked) == expected, (base, source, asked)
    assert paths._relative.cache_info().hits > 0


def test_the_plugin_puts_it_in_place_of_pelicans(monkeypatch):
    from pelican.contents import Content

    monkeypatch.setattr(Content, "get_relative_source_path", paths._pelicans)
    paths.register()
    assert Content.get_relative_source_path is paths.get_relative_source_path
    assert os.path.isabs(read_settings(str(ROOT / "pelicanconf.py"))["PATH"])  # what makes keeping it safe
