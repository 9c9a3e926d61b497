"""Files of content/ published as they are: only what a visitor can use and what carries nothing private."""

import re

import pytest

from core.problems import ProblemsFound
from plugins.attachments import refused
from tests.support import build_repo, photo_file
from tests.support import refused as refused_build


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


def test_what_systems_and_editors_leave_beside_files_is_never_published(make_repo):
    """Pelican copied every file of content/images/: a Mac's .DS_Store, an editor's backup
    (notes.txt~, about.md.bak, .orig, .swp) and an Office lock file went out with the photos."""
    leftovers = ["images/.DS_Store", "images/notes.txt~", "images/about.md.bak", "images/old.orig",
                 "images/.caption.md.swp", "images/~$名单.xlsx", "images/draft.tmp"]  # fmt: skip
    repo = make_repo(
        {"news/a.md": "Title: 甲\nDate: 2026-01-02\n\n正文。\n", **dict.fromkeys(leftovers, "x")}
    )
    build_repo(repo)
    assert [name for name in leftovers if refused(name) != "leftover"] == []
    assert sorted(p.name for p in (repo / "output/images").iterdir() if p.is_file()) == []


def test_a_document_is_published_under_an_address_of_plain_letters(make_repo):
    """A PDF named 返校日 议程.pdf went out under that name: a space in a link is invalid HTML,
    and the address broke when copied into a message. Its address is now its name in pinyin."""
    repo = make_repo({
        "news/a.md": "Title: 甲\nDate: 2026-01-02\n\n议程见[议程]({static}/files/2026返校日/返校日 议程.pdf)。\n",
        "files/2026返校日/返校日 议程.pdf": "%PDF-1.4\n",
    })  # fmt: skip
    build_repo(repo)
    output = repo / "output"
    published = sorted(p.relative_to(output).as_posix() for p in (output / "files").rglob("*") if p.is_file())
    assert published == ["files/2026-fan-xiao-ri/fan-xiao-ri-yi-cheng.pdf"]
    assert 'href="/files/2026-fan-xiao-ri/fan-xiao-ri-yi-cheng.pdf"' in (output / "news/jia.html").read_text()


def test_an_english_document_beside_its_original_is_published(make_repo):
    """A file named like a translation (agenda.en.pdf) stopped the build with a traceback
    (KeyError: 'STATIC_LANG_SAVE_AS')."""
    repo = make_repo({
        "news/a.md": "Title: 甲\nDate: 2026-01-02\n\n[议程]({static}/files/agenda.pdf)\n",
        "news/a.en.md": "Title: A\nDate: 2026-01-02\nSlug: jia\n\n[Agenda]({static}/files/agenda.en.pdf)\n",
        "files/agenda.pdf": "%PDF-1.4\n",
        "files/agenda.en.pdf": "%PDF-1.4\n",
    })  # fmt: skip
    build_repo(repo)
    assert 'href="/files/agenda.en.pdf"' in (repo / "output/en/news/jia.html").read_text()
    assert (repo / "output/files/agenda.en.pdf").is_file()


def test_two_documents_that_would_share_an_address_stop_the_build_naming_both(make_repo):
    repo = make_repo({
        "news/a.md": "Title: 甲\nDate: 2026-01-02\n\n[议程]({static}/files/议程.pdf) [旧版]({static}/files/yi-cheng.pdf)\n",
        "files/议程.pdf": "%PDF-1.4\n",
        "files/yi-cheng.pdf": "%PDF-1.4\n",
    })  # fmt: skip
    [problem] = refused_build(repo)
    assert set(re.findall("“([^”]+)”", problem.sentence())) == {"files/议程.pdf", "files/yi-cheng.pdf"}
    assert "会发布在同一个网址 files/yi-cheng.pdf，请给其中一个改名" in problem.sentence()
