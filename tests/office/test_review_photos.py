"""Photos sent with a class note, from the handler under gunicorn to the published class notes
page: private until approved, shown to the editor with their size and place, copied into
content/ by the approval and published by the build's picture pipeline with no camera data."""

from __future__ import annotations

import datetime
import http.client
import io
import json
import shutil
from urllib.parse import urlsplit

import pytest
from PIL import Image

from core.definitions import load_forms
from core.problems import ProblemsFound
from core.tables import read_records
from forms.gitinbox import Branch, BranchFiles, GitInbox, Remote
from forms.photos import Photo
from office.review import Review
from tests.servers import launch, stop
from tests.support import BUILD_DATE, ROOT, build_repo, multipart, photo_file

NOTE = {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "三十年后再相聚",
        "body": "今年秋天，我们班二十多位同学回到化学楼，在当年的实验室门口合影留念。", "email": "note@example.com",
        "photo_alt": "二十多位同学在化学楼前合影", "consent": "yes"}  # fmt: skip
FORMS = load_forms(ROOT / "forms")
TODAY = datetime.date.fromisoformat(BUILD_DATE)


def post_note(url: str, files: list[tuple[str, bytes]]) -> str:
    body, content_type = multipart(NOTE, files)
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("POST", "/api/forms/class-note", body, {"Content-Type": content_type, "Accept": "application/json"})  # fmt: skip
    answer = connection.getresponse()
    status, text = answer.status, answer.read().decode()
    connection.close()
    assert status == 201, text
    return json.loads(text)["id"]


def camera_data_left(path) -> list[str]:
    data = path.read_bytes()
    image = Image.open(io.BytesIO(data))
    found = [key for key in ("exif", "xmp", "comment", "icc_profile") if image.info.get(key)]
    found += ["EXIF tags"] if image.getexif() else []
    return found + [m.decode() for m in (b"Exif\x00\x00", b"xmpmeta", b"PhoneMaker") if m in data]


@pytest.fixture
def site(tmp_path):
    """A site in tmp_path whose inbox holds a class note sent with two phone photos (a JPEG taken
    sideways and an iPhone's HEIC, both with a GPS position) through the handler under gunicorn."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    (tmp_path / "content").mkdir()
    photos = [photo_file(tmp_path / "phone" / "IMG_0412.JPG", (3000, 2000), orientation=6, camera_data=True),
              photo_file(tmp_path / "phone" / "IMG_0413.HEIC", (1200, 900), camera_data=True)]  # fmt: skip
    handler = launch(tmp_path, FORMS_INBOX=str(tmp_path / "data" / "inbox"))
    try:
        note = post_note(handler.url, [(p.name, p.read_bytes()) for p in photos])
    finally:
        stop(handler)
    return tmp_path, note


def test_an_approved_notes_photos_are_published_with_its_alt_text_and_no_camera_data(site):
    path, note = site
    review = Review(path / "data", FORMS, TODAY)
    [entry] = review.pending()
    lines = review.photo_lines(entry)
    assert [line.split(":")[0] for line in lines] == ["照片 photo 1.jpg", "照片 photo 2.jpg"]
    assert "1600×2400" in lines[0] and lines[0].endswith(f"data/inbox/photos/{note}/1.jpg")
    assert "1200×900" in lines[1] and " KB  " in lines[1]
    assert not (path / "content/class-notes").exists()  # nothing is public before approval

    said = review.approve(note, "编辑甲")
    assert f"2 photos copied to content/class-notes/{note}/" in said
    folder = path / "content/class-notes" / note
    assert sorted(p.name for p in folder.iterdir()) == ["1.jpg", "2.jpg", "photos.csv"]
    assert [(r["file"], r["alt"]) for r in read_records(folder / "photos.csv")] == [
        ("1.jpg", NOTE["photo_alt"]), ("2.jpg", NOTE["photo_alt"])
    ]  # fmt: skip

    build_repo(path)
    page = (path / "output/class-notes/index.html").read_text(encoding="utf-8")
    article = page[page.index(f'id="{note}"') :].split("</article>")[0]
    assert article.count("<picture>") == 2 and article.count(f'alt="{NOTE["photo_alt"]}"') == 2
    english = (path / "output/en/class-notes/index.html").read_text(encoding="utf-8")
    assert f'alt="{NOTE["photo_alt"]}" lang="zh-CN"' in english
    published = [p for p in (path / "output").rglob("*") if p.suffix in (".jpg", ".webp", ".png")]
    assert published and {p.name: camera_data_left(p) for p in published if camera_data_left(p)} == {}
    assert [p for p in (path / "output").rglob("*") if p.suffix.lower() in (".heic", ".heif")] == []


def test_a_review_stopped_after_copying_the_photos_stops_the_build_until_it_is_finished(site):
    path, note = site
    review = Review(path / "data", FORMS, TODAY)
    review._copy_photos(review.get(note))  # the run stopped here, before the note's row
    with pytest.raises(ProblemsFound) as found:
        build_repo(path)
    assert [p.sentence() for p in found.value.problems if "class-notes" in p.file] == [
        f"content/class-notes/{note}: 不是 data/class_notes.csv 中班级动态的编号：审核时中断的话，请再运行 invoke review 完成审核；否则请删除这个文件夹"
        " / is not the id of a class note of data/class_notes.csv: if a review was interrupted, run invoke review again to finish it; otherwise delete the folder"
    ]
    review.approve(note, "编辑甲")
    build_repo(path)
    assert "<picture>" in (path / "output/class-notes/index.html").read_text(encoding="utf-8")


def test_on_the_review_branch_the_photos_come_with_the_row_and_leave_the_tip_once_decided(
    git_daemon, tmp_path
):
    inbox = GitInbox(Remote(git_daemon.url))
    values = {**NOTE, "photos": "1.jpg"}
    kept = inbox.append(FORMS["class-note"], values, photos=[Photo("1.jpg", b"\xff\xd8 a photo", 4, 3)])
    dropped = inbox.append(FORMS["class-note"], values, photos=[Photo("1.jpg", b"\xff\xd8 another", 4, 3)])
    for submission in (kept, dropped):  # the commit that brought each photo brought its row
        path = f"photos/{submission}/1.jpg"
        commit = git_daemon.git("log", "--format=%H", "--diff-filter=A", "submissions", "--", path).strip()
        assert submission in git_daemon.git("show", f"{commit}:class-note-v2.csv")

    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    review = Review(tmp_path / "data", FORMS, TODAY, inbox=BranchFiles(Branch(Remote(git_daemon.url))))
    [line] = review.photo_lines(review.get(kept))
    assert line.endswith(f"submissions:photos/{kept}/1.jpg")
    assert f"1 photo copied to content/class-notes/{kept}/" in review.approve(kept, "编辑甲")
    review.reject(dropped, "编辑甲", "照片与班级无关")
    assert (tmp_path / "content/class-notes" / kept / "1.jpg").read_bytes() == b"\xff\xd8 a photo"
    assert not (tmp_path / "content/class-notes" / dropped).exists()
    files = git_daemon.git("ls-tree", "-r", "--name-only", "submissions").split()
    assert [f for f in files if f.startswith("photos/")] == []  # a cold start fetches none of them
    history = git_daemon.git("log", "--format=", "--name-only", "submissions")
    assert f"photos/{dropped}/1.jpg" in history  # git's history keeps them
