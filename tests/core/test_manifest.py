"""The manifest's own helpers (the manifest itself is tested through builds: tests/office)."""

from core.manifest import files_under


def test_files_under_lists_what_pathlib_lists_in_the_same_order(tmp_path):
    for name in ("a-b.html", "a/b.html", "a/c/d.txt", "z.css", "a b/é.html", "a/.hidden"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    (tmp_path / "empty").mkdir()
    expected = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files_under(tmp_path) == expected
    assert files_under(tmp_path / "missing") == []
