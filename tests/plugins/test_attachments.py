"""Files of content/ published as they are: only what a visitor can use and what carries nothing private."""

import pytest

from core.problems import ProblemsFound
from plugins.attachments import refused
from tests.support import build_repo, photo_file


@pytest.mark.parametrize(
    ("name", "why"),
    [("images/hall.JPG", "photo"), ("images/IMG_0001.HEIC", "camera"), ("images/scan.tiff", "camera"),
     ("files/名单.xlsx", "source"), ("images/README.md", "source"), ("images/Thumbs.db", "source"),
     ("files/programme.pdf", None), ("files/map.svg", None)],
)  # fmt: skip
def test_what_may_be_published_as_it_is(name, why):
    assert refused(name) == why


def test_only_copies_of_photos_and_linked_documents_leave_content(make_repo):
    """Pelican copied every file of content/images/ as it was: an iPhone's HEIC or a scanner's
    TIFF with the GPS position in it, the editor's notes, a captions table, Windows' Thumbs.db."""
    repo = make_repo({
        "news/a.md": "Title: 甲\nDate: 2026-01-02\n\n议程见[这份 PDF]({static}/files/programme.pdf)。\n",
        "files/programme.pdf": "%PDF-1.4\n",
        "images/README.md": "# 照片说明\n",
        "images/captions.csv": "file,alt\nIMG_0001.heic,校友合影\n",
        "images/Thumbs.db": "x",
    })  # fmt: skip
    photo_file(repo / "content/images/IMG_0001.heic", (400, 300), camera_data=True)
    photo_file(repo / "content/images/scan.tif", (400, 300), camera_data=True)
    build_repo(repo)
    output = repo / "output"
    assert (output / "files/programme.pdf").read_text() == "%PDF-1.4\n"
    assert sorted(p.name for p in (output / "images").iterdir() if p.is_file()) == []


def test_a_linked_spreadsheet_or_camera_photo_stops_the_build_naming_the_text_and_line(make_repo):
    repo = make_repo({
        "news/a.md": "Title: 甲\nDate: 2026-01-02\n\n名单见[附件]({static}/files/1986级名单.xlsx)。\n\n"
                     "[原图下载]({attach}/images/IMG_0001.heic)\n",
        "files/1986级名单.xlsx": "PK",
    })  # fmt: skip
    photo_file(repo / "content/images/IMG_0001.heic", (400, 300), camera_data=True)
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo)
    assert [(p.file, p.line, p.value, p.kind) for p in found.value.problems] == [
        ("content/news/a.md", 4, "files/1986级名单.xlsx", "attachment"),
        ("content/news/a.md", 6, "images/IMG_0001.heic", "attachment"),
    ]
    assert found.value.problems[0].sentence() == (
        "content/news/a.md, 第 4 行 (line 4): “files/1986级名单.xlsx”是表格、数据或源文件，网站不会原样发布"
        "（可能含有校友的个人信息，发布前无法检查）；请把要公开的内容写进正文，或另存为 PDF 再链接 / is a "
        "spreadsheet, data or source file, which is never published as it is (it may hold alumni's personal "
        "data that cannot be checked first); put what is public in the text, or save it as PDF and link that"
    )
    assert not (repo / "output").exists()
