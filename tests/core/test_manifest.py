"""The manifest's own helpers (the manifest itself is tested through builds: tests/office)."""

import shutil

from core.manifest import Manifest, files_under


def test_files_under_lists_what_pathlib_lists_in_the_same_order(tmp_path):
    for name in ("a-b.html", "a/b.html", "a/c/d.txt", "z.css", "a b/é.html", "a/.hidden"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    (tmp_path / "empty").mkdir()
    expected = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files_under(tmp_path) == expected
    assert files_under(tmp_path / "missing") == []


def test_an_emptied_output_keeps_what_pelican_read_and_other_settings_do_not(tmp_path):
    """What Pelican read of the sources depends on the settings and code (the basis), not on
    the output: a build into an emptied output folder keeps nothing else, but reads from it."""
    cache, output = tmp_path / "cache", tmp_path / "output"
    output.mkdir()
    (output / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    first = Manifest.open(cache, output, "basis 1")
    first.made("index", "key", ["index.html"])
    first.readers.mkdir(parents=True)
    (first.readers / "read").write_text("what was read", encoding="utf-8")
    first.save()
    shutil.rmtree(output)

    emptied = Manifest.open(cache, output, "basis 1")
    assert emptied.steps == {} and (emptied.readers / "read").exists()
    output.mkdir()
    assert not Manifest.open(cache, output, "basis 1").unchanged("index", "key")  # its file is gone
    other = Manifest.open(cache, output, "basis 2")
    assert other.steps == {} and not other.readers.exists()
