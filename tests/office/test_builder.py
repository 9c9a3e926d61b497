"""The preview's build worker: whole builds, and edited pages drawn again at once, alone, exactly as
the whole build then draws them."""

import shutil

from office.builder import Builder
from tests.support import BUILD_DATE, ROOT

ARTICLE = "news/alumni-forum-2026.md"


def test_an_edited_page_is_drawn_at_once_as_the_whole_build_draws_it(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    overrides = {"PATH": str(tmp_path / "content"), "DATA_PACKAGE": str(tmp_path / "data/datapackage.yaml"),
                 "OUTPUT_PATH": str(tmp_path / "output"), "BUILD_DATE": BUILD_DATE}  # fmt: skip
    builder = Builder(ROOT / "pelicanconf.py", overrides)
    try:
        assert builder.quick([str(tmp_path / "content" / ARTICLE)]).ok is False  # nothing built yet
        assert builder.build().ok
        source = tmp_path / "content" / ARTICLE
        source.write_text(
            source.read_text(encoding="utf-8").replace("## 论坛传统", "新加的一句。\n\n## 论坛传统"),
            encoding="utf-8",
        )
        quick = builder.quick([str(source)])
        assert quick.ok and quick.seconds < 0.5 and len(quick.written) == 1
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
