"""Photos, covers, galleries and share cards: the functions on their own, then real builds."""

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

import pelicanconf
from core.problems import ProblemsFound
from core.values import mobiles_in
from plugins.pictures import cards, markup
from plugins.pictures.cache import Store, key_of
from plugins.pictures.photos import Recipe, UnreadablePhoto, make_copies
from plugins.pictures.settings import read_settings
from tests.support import ROOT, build_repo, photo_file

RECIPE = Recipe((320, 480, 800, 1200, 1600), (("jpeg", 80), ("webp", 74)))
FONT = cards.find_font(["pylopdf_fonts_zh_cn:NotoSansSC-Regular.otf"])
LOOK = cards.Look("#7a1f2b", "#ffffff", "#f6f4f1", "校", FONT)


def metadata_left(data: bytes) -> list[str]:
    """What of a camera's data an image file still holds."""
    image = Image.open(io.BytesIO(data))
    found = [key for key in ("exif", "xmp", "comment", "icc_profile") if image.info.get(key)]
    found += ["EXIF tags"] if image.getexif() else []
    found += [marker.decode() for marker in (b"Exif\x00\x00", b"xmpmeta", b"PhoneMaker") if marker in data]
    return found


# Copies of one photo


def test_copies_come_at_every_width_up_to_the_original_as_webp_and_jpeg(tmp_path):
    copies = make_copies(photo_file(tmp_path / "a.jpg", (1000, 625)), tmp_path, RECIPE)
    assert [(c.width, c.format) for c in copies] == [
        (w, f) for w in (320, 480, 800, 1000) for f in ("webp", "jpeg")
    ]
    assert Image.open(tmp_path / "480.webp").size == (480, 300)
    assert Image.open(tmp_path / "1000.jpg").format == "JPEG"


def test_no_copy_keeps_exif_gps_xmp_comment_or_profile(tmp_path):
    source = photo_file(tmp_path / "phone.jpg", (900, 600), camera_data=True)
    assert metadata_left(source.read_bytes())  # the original really carries them
    out = tmp_path / "out"
    out.mkdir()
    make_copies(source, out, RECIPE)
    for copy in out.iterdir():
        assert metadata_left(copy.read_bytes()) == [], copy.name


def test_a_photo_taken_sideways_is_published_upright(tmp_path):
    # The pixels are stored landscape with the red block top left; Orientation 6 says "turn
    # 90 degrees clockwise to view", so the viewer sees a portrait photo with it top right.
    source = photo_file(tmp_path / "sideways.jpg", (800, 500), orientation=6)
    make_copies(source, tmp_path, RECIPE)
    upright = Image.open(tmp_path / "500.jpg").convert("RGB")
    assert upright.size == (500, 800)
    red = [
        (x, y)
        for x, y in ((20, 20), (480, 20), (20, 780), (480, 780))
        if (lambda r, g, b: r - g > 100)(*upright.getpixel((x, y)))
    ]
    assert red == [(480, 20)]


def test_a_transparent_png_stays_transparent_with_a_png_fallback(tmp_path):
    copies = make_copies(photo_file(tmp_path / "logo.png", (600, 400), transparent=True), tmp_path, RECIPE)
    assert {c.format for c in copies} == {"webp", "png"}
    assert Image.open(tmp_path / "320.webp").mode == "RGBA"


def test_a_file_that_is_no_image_is_refused(tmp_path):
    fake = tmp_path / "script.jpg"
    fake.write_text("<script>alert(1)</script>")
    with pytest.raises(UnreadablePhoto):
        make_copies(fake, tmp_path, RECIPE)


# Cards and icons


def test_a_share_card_is_1200_by_630_on_the_associations_colour():
    card = cards.draw_card("2026年校友返校日举行 数千名校友重回学府路", "示例大学校友总会", LOOK)
    assert card.size == (1200, 630)
    assert card.getpixel((1150, 300)) == (0x7A, 0x1F, 0x2B)


def test_titles_wrap_between_words_and_never_start_a_line_with_a_closing_mark():
    font = cards._font(FONT, 68)
    width = font.getlength("校友总会举办")  # the comma after it would start the next line
    lines = cards.wrap("校友总会举办，六十余位联络人参加", font, width)
    assert lines[:2] == ["校友总会举办，", "六十余位联络"]
    lines = cards.wrap("Alumni return to Xuefu Road for Homecoming Day", font, 500)
    assert " ".join(lines) == "Alumni return to Xuefu Road for Homecoming Day"
    assert len(lines) > 1 and all(font.getlength(line) <= 500 for line in lines)


def test_a_title_too_long_for_the_card_ends_with_an_ellipsis():
    size, lines = cards.fit("校友" * 200, FONT, 1056)
    assert (size, len(lines), lines[-1][-1]) == (46, 4, "…")


def test_icons_come_at_the_sizes_browsers_and_phones_ask_for():
    assert Image.open(io.BytesIO(cards.favicon_ico(LOOK))).info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    touch = Image.open(io.BytesIO(cards.touch_icon(LOOK)))
    assert (touch.size, touch.mode) == ((180, 180), "RGB")


def test_published_names_never_look_like_a_mobile_number_to_the_guard():
    # Hexadecimal keys did, now and then: a 500-article bench build was stopped by the guard.
    names = [
        f"/images/share/{key_of(str(n))[:16]}.png /images/a-{key_of(str(n))[:10]}-800.jpg"
        for n in range(5000)
    ]
    assert [name for name in names if mobiles_in(name.encode())] == []


def test_keys_are_the_base32_of_their_digest_as_the_standard_library_writes_it():
    # key_of spells base32 itself for speed; the cache's folders and published names must not
    # change with it, so base64.b32encode is the oracle.
    for n in range(2000):
        parts = (str(n), "校友会" * (n % 7), "x" * (n % 13))
        digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=15).digest()
        assert key_of(*parts) == base64.b32encode(digest).decode().lower()


# Finding pictures in text


def test_the_kth_picture_of_a_file_is_found_on_the_kth_line_naming_it():
    text = "Title: x\n\n![a](p.jpg)\n\n![](q.jpg)\n\n![b](p.jpg)\n"
    assert markup.source_lines(text, ["p.jpg", "q.jpg", "p.jpg"]) == [3, 5, 7]


def test_a_picture_alone_in_its_paragraph_is_replaced_whole():
    html = '<p>text <img alt="a" src="x.jpg"></p>\n<p><img alt="b" src="y.jpg" /></p>'
    tags = markup.img_tags(html)
    assert [(t.src, t.alone) for t in tags] == [("x.jpg", False), ("y.jpg", True)]
    assert markup.replace(html, tags, lambda t: f"[{t.attrs['alt']}]") == "<p>text [a]</p>\n[b]"


def test_a_wrong_setting_is_named_with_what_it_must_be():
    with pytest.raises(ProblemsFound) as found:
        read_settings(
            {**vars(pelicanconf), "PHOTO_WIDTHS": "800", "PHOTO_QUALITY": {"webp": 300, "jpeg": 80}}
        )
    assert [(p.file, p.field) for p in found.value.problems] == [
        ("pelicanconf.py", "PHOTO_WIDTHS"),
        ("pelicanconf.py", "PHOTO_QUALITY"),
    ]


# Real builds


@pytest.fixture(scope="session")
def picture_cache(tmp_path_factory) -> Path:
    """One cache for the builds below, so the demo data's cards are drawn once."""
    return tmp_path_factory.mktemp("pictures-cache")


ARTICLE = """Title: 返校日
Date: 2026-01-02
Image: fan-xiao-ri/cover.jpg
Image-Alt: 大礼堂前的校友

第一段。

![校友在草坪上合影](fan-xiao-ri/lawn.jpg "草坪合影")

文中 ![礼堂](/images/hall.png) 一张。
"""


def build_with_photos(make_repo, cache: Path, files: dict[str, str], photos: dict[str, dict], **settings):
    repo = make_repo(files)
    for name, options in photos.items():
        photo_file(repo / "content" / name, **options)
    return repo, build_repo(repo, PHOTO_CACHE=str(cache), **settings)


def test_a_photo_in_markdown_becomes_a_responsive_picture(make_repo, picture_cache):
    repo, _ = build_with_photos(
        make_repo, picture_cache, {"news/a.md": ARTICLE},
        {"news/fan-xiao-ri/cover.jpg": {}, "news/fan-xiao-ri/lawn.jpg": {"size": (1300, 800)},
         "images/hall.png": {"size": (700, 400)}},
    )  # fmt: skip
    html = (repo / "output/news/fan-xiao-ri.html").read_text(encoding="utf-8")
    figure = re.search(r'<figure class="photo">.*?</figure>', html, re.S).group()
    assert '<source type="image/webp" srcset="/images/lawn-' in figure
    assert re.search(
        r'srcset="(/images/lawn-\w+-\d+\.jpg \d+w, ){4}/images/lawn-\w+-1300\.jpg 1300w"', figure
    )
    assert 'sizes="(min-width: 45rem) 42rem, calc(100vw - 2rem)"' in figure
    assert 'width="1300" height="800" alt="校友在草坪上合影" loading="lazy" decoding="async"' in figure
    assert "<figcaption>草坪合影</figcaption>" in figure
    assert re.search(
        r'<p>文中 <picture>.*alt="礼堂".*</picture> 一张。</p>', html
    )  # in a sentence: no figure
    for address in re.findall(r"(/images/[^\s\"]+)", html):
        assert (repo / "output" / address.lstrip("/")).is_file(), address


def test_a_picture_without_alt_text_stops_the_build_naming_file_and_line(make_repo, picture_cache):
    with pytest.raises(ProblemsFound) as found:
        build_with_photos(
            make_repo, picture_cache, {"news/a.md": "Title: 甲\nDate: 2026-01-02\n\n正文\n\n![](a/lawn.jpg)\n"},
            {"news/a/lawn.jpg": {"size": (400, 300)}},
        )  # fmt: skip
    [problem] = found.value.problems
    assert problem.sentence() == (
        "content/news/a.md, 第 6 行 (line 6), 字段 alt: “a/lawn.jpg”图片没有替代文字：请在 ![ ] 的方括号里"
        "用一句话写出照片上有什么，如 ![校友在大礼堂前合影](hall.jpg) / the picture has no alt text: say what "
        "the photo shows between the brackets, as in ![Alumni in front of the Great Hall](hall.jpg)"
    )


def test_alt_text_that_says_nothing_stops_the_build_saying_what_to_write(make_repo, picture_cache):
    """The defect: ![照片](…), ![IMG_2034.jpg](…) or the photo's own name were published as alt text."""
    with pytest.raises(ProblemsFound) as found:
        build_with_photos(
            make_repo, picture_cache, {"news/a.md": "Title: 甲\nDate: 2026-01-02\n\n正文\n\n![照片](a/IMG_2034.jpg)\n"},
            {"news/a/IMG_2034.jpg": {"size": (400, 300)}},
        )  # fmt: skip
    [problem] = found.value.problems
    assert problem.sentence() == (
        "content/news/a.md, 第 6 行 (line 6), 字段 alt: “a/IMG_2034.jpg”图片的替代文字“照片”没有说出照片上有什么："
        "请在 ![ ] 的方括号里写出照片上是谁、在做什么或是什么地方，如 ![校友在大礼堂前合影](hall.jpg) / the picture's "
        "alt text '照片' does not say what it shows: between the brackets write who or what is in the picture, as in "
        "![Alumni in front of the Great Hall](hall.jpg)"
    )


def test_alt_text_saying_nothing_of_a_cover_or_gallery_photo_is_named_where_written(make_repo, picture_cache):
    text = "Title: 甲\nDate: 2026-01-02\nImage: a/cover.jpg\nImage-Alt: cover\n\n![lawn](a/lawn.jpg)\n"
    captions = "file,alt,alt_en\n1-gate.jpg,校门,IMG_2034.jpg\n2-crowd.jpg,图片1,A crowd\n"
    with pytest.raises(ProblemsFound) as found:
        build_with_photos(
            make_repo, picture_cache, {"news/a.md": text, "events/homecoming-2026/photos.csv": captions},
            {"news/a/cover.jpg": {"size": (400, 300)}, "news/a/lawn.jpg": {"size": (400, 300)},
             "events/homecoming-2026/1-gate.jpg": {"size": (300, 200)},
             "events/homecoming-2026/2-crowd.jpg": {"size": (300, 200)}},
        )  # fmt: skip
    assert sorted((p.file, p.line, p.row, p.field, p.value) for p in found.value.problems) == [
        ("content/events/homecoming-2026/photos.csv", None, 2, "alt_en", "1-gate.jpg"),
        ("content/events/homecoming-2026/photos.csv", None, 3, "alt", "2-crowd.jpg"),
        ("content/news/a.md", 4, None, "Image-Alt", "a/cover.jpg"),
        ("content/news/a.md", 6, None, "alt", "a/lawn.jpg"),  # its own file's name
    ]
    assert all("who or what is in the picture" in p.en for p in found.value.problems)


def test_missing_foreign_and_unusable_pictures_and_covers_are_named(make_repo, picture_cache):
    text = (
        "Title: 甲\nDate: 2026-01-02\nImage: a/cover.jpg\n\n"
        "![照片](a/nothere.jpg)\n\n![外链](https://cdn.example.com/x.jpg)\n\n![动图](a/anim.gif)\n\n![坏图](a/bad.jpg)\n"
    )
    repo = make_repo({"news/a.md": text, "news/a/bad.jpg": "not an image"})
    photo_file(repo / "content/news/a/cover.jpg", (400, 300))
    with pytest.raises(ProblemsFound) as found:
        build_repo(repo, PHOTO_CACHE=str(picture_cache))
    assert sorted((p.file, p.line, p.field, p.value, p.kind) for p in found.value.problems) == [
        ("content/news/a.md", 3, "Image-Alt", "a/cover.jpg", "alt-text"),
        ("content/news/a.md", 5, None, "a/nothere.jpg", "image-file"),
        ("content/news/a.md", 7, None, "https://cdn.example.com/x.jpg", "image-file"),
        ("content/news/a.md", 9, None, "a/anim.gif", "image-file"),
        ("content/news/a/bad.jpg", None, None, None, "image-file"),
    ]


def test_a_cover_shows_on_its_page_in_lists_and_is_the_shared_image(make_repo, picture_cache):
    repo, _ = build_with_photos(
        make_repo, picture_cache,
        {"news/a.md": ARTICLE, "news/b.md": "Title: 乙\nDate: 2026-01-01\n\n正文\n"},
        {"news/fan-xiao-ri/cover.jpg": {}, "news/fan-xiao-ri/lawn.jpg": {}, "images/hall.png": {"size": (500, 300)}},
    )  # fmt: skip
    output = repo / "output"
    page = (output / "news/fan-xiao-ri.html").read_text(encoding="utf-8")
    assert re.search(r'<figure class="cover"><picture>.*alt="大礼堂前的校友" fetchpriority="high"', page)
    og = dict(re.findall(r'<meta (?:property|name)="((?:og:image|twitter)[^"]*)" content="([^"]*)">', page))
    assert re.fullmatch(r"/images/cover-\w+-1200\.jpg", og["og:image"])
    assert (og["og:image:width"], og["og:image:height"], og["og:image:alt"]) == (
        "1200",
        "750",
        "大礼堂前的校友",
    )
    assert og["twitter:card"] == "summary_large_image"
    listed = (output / "news/index.html").read_text(encoding="utf-8")
    assert re.search(r'<picture class="thumb">.*alt="" loading="lazy"', listed)  # the title beside says it
    home = (output / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<picture class="lead">.*fetchpriority="high"', home)


def test_a_page_without_a_cover_is_shared_as_a_card_with_its_title(make_repo, picture_cache):
    repo, _ = build_with_photos(
        make_repo, picture_cache, {"news/b.md": "Title: 乙\nDate: 2026-01-01\n\n正文\n"}, {}
    )
    output = repo / "output"
    for page, alt in (("news/yi.html", "乙"), ("index.html", "示例大学校友总会"),
                      ("en/index.html", "Example University Alumni Association")):  # fmt: skip
        html = (output / page).read_text(encoding="utf-8")
        card = re.search(r'<meta property="og:image" content="/(images/share/\w+\.png)">', html).group(1)
        assert Image.open(output / card).size == (1200, 630)
        assert f'<meta property="og:image:alt" content="{alt}">' in html
    assert (output / "theme/favicon.ico").is_file() and (output / "theme/apple-touch-icon.png").is_file()


GALLERY = "file,alt,alt_en\n2-crowd.jpg,操场上的人群,A crowd on the sports ground\n1-gate.jpg,校门,\n"


def test_a_folder_of_event_photos_becomes_the_events_gallery(make_repo, picture_cache):
    repo, _ = build_with_photos(
        make_repo, picture_cache, {"events/homecoming-2026/photos.csv": GALLERY},
        {"events/homecoming-2026/1-gate.jpg": {"size": (900, 600)},
         "events/homecoming-2026/2-crowd.jpg": {"size": (900, 600)}},
    )  # fmt: skip
    page = (repo / "output/events/homecoming-2026/index.html").read_text(encoding="utf-8")
    links = re.findall(r'<li><a href="(#photo-\d)"><picture>.*?alt="([^"]*)"', page)
    assert links == [("#photo-1", "操场上的人群"), ("#photo-2", "校门")]  # in the order of photos.csv
    assert re.search(r'<figure class="lightbox" id="photo-2" tabindex="-1">.*第 2 张，共 2 张', page, re.S)
    assert '<a href="#photo-1" rel="prev">上一张</a>' in page
    english = (repo / "output/en/events/homecoming-2026/index.html").read_text(encoding="utf-8")
    assert 'alt="A crowd on the sports ground"' in english
    assert 'alt="校门" lang="zh-CN"' in english  # no English written: the Chinese, marked as such
    assert re.search(
        r'og:image" content="/images/2-crowd-\w+-900\.jpg"', page
    )  # the first photo is the cover


def test_gallery_photos_without_alt_text_are_named_with_their_row(make_repo, picture_cache):
    captions = "file,alt\n1-gate.jpg,\nmissing.jpg,不存在\n"
    with pytest.raises(ProblemsFound) as found:
        build_with_photos(
            make_repo, picture_cache, {"events/homecoming-2026/photos.csv": captions, "events/atlantis/x.txt": ""},
            {"events/homecoming-2026/1-gate.jpg": {"size": (300, 200)},
             "events/homecoming-2026/2-crowd.jpg": {"size": (300, 200)}},
        )  # fmt: skip
    assert sorted((p.file, p.row, p.field, p.kind) for p in found.value.problems) == [
        ("content/events/atlantis", None, None, "gallery"),
        ("content/events/homecoming-2026/2-crowd.jpg", None, None, "alt-text"),
        ("content/events/homecoming-2026/photos.csv", 2, "alt", "alt-text"),
        ("content/events/homecoming-2026/photos.csv", 3, "file", "file"),
    ]


def test_a_misspelt_name_in_the_captions_is_one_problem_naming_the_photo_it_meant(make_repo, picture_cache):
    """The defect: a typo gave two problems, the row's and "this photo has no row: add one",
    which invited a second row for the same photo."""
    with pytest.raises(ProblemsFound) as found:
        build_with_photos(
            make_repo, picture_cache, {"events/homecoming-2026/photos.csv": "file,alt\n1-gate.jpg,校门\n2-crwd.jpg,人群\n"},
            {"events/homecoming-2026/1-gate.jpg": {"size": (300, 200)},
             "events/homecoming-2026/2-crowd.jpg": {"size": (300, 200)}},
        )  # fmt: skip
    [problem] = found.value.problems
    assert (problem.row, problem.field) == (3, "file") and problem.en.endswith("did you mean 2-crowd.jpg?")


def test_a_second_build_makes_no_photo_or_card_again(make_repo, picture_cache):
    cache = picture_cache
    repo, _ = build_with_photos(
        make_repo, cache, {"news/a.md": ARTICLE},
        {"news/fan-xiao-ri/cover.jpg": {"size": (900, 600)}, "news/fan-xiao-ri/lawn.jpg": {"size": (900, 600)},
         "images/hall.png": {"size": (500, 300)}},
    )  # fmt: skip
    made = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.rglob("*") if p.is_file()}
    build_repo(repo, PHOTO_CACHE=str(cache))
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.rglob("*") if p.is_file()} == made
    published = {p.stat().st_ino for p in (repo / "output/images").rglob("*.*")}
    assert published <= {inode for inode, _ in made.values()}  # linked from the cache, not copied


def test_a_card_whose_cache_entry_was_left_unfinished_is_drawn_again(make_repo, picture_cache):
    repo, _ = build_with_photos(
        make_repo, picture_cache, {"news/b.md": "Title: 乙\nDate: 2026-01-01\n\n正文\n"}, {}
    )
    shared = {card.stem for card in (repo / "output/images/share").iterdir()}  # a key's first 16 letters
    lists = [
        found for found in (picture_cache / "cards").rglob("entry.json") if found.parent.name[:16] in shared
    ]
    assert len(lists) == len(shared) > 0
    for found in lists:  # as a folder left by hand, or by an older build, would be
        found.unlink()
    build_repo(repo, PHOTO_CACHE=str(picture_cache), OUTPUT_PATH=str(repo / "again"))
    assert all(found.is_file() for found in lists)
    html = (repo / "again/news/yi.html").read_text(encoding="utf-8")
    card = re.search(r'<meta property="og:image" content="/(images/share/\w+\.png)">', html).group(1)
    assert Image.open(repo / "again" / card).size == (1200, 630)


def test_an_oversized_original_is_reported_and_still_published(make_repo, picture_cache):
    _, report = build_with_photos(
        make_repo, picture_cache, {"news/a.md": "Title: 甲\nDate: 2026-01-02\n\n![操场上的运动会](a/big.jpg)\n"},
        {"news/a/big.jpg": {"size": (1200, 800)}}, PHOTO_MAX_MB=0.001,
    )  # fmt: skip
    [warning] = [w for w in report.warnings if "PHOTO_MAX_MB" in w]
    assert re.match(r"content/news/a/big\.jpg: 照片有 0\.0\d+ MB，超过 PHOTO_MAX_MB（0\.001 MB）；", warning)


def test_originals_are_never_published_as_they_are(make_repo, picture_cache):
    repo, _ = build_with_photos(
        make_repo, picture_cache, {"news/a.md": "Title: 甲\nDate: 2026-01-02\n\n![原图]({static}/images/raw.jpg)\n"},
        {"images/raw.jpg": {"size": (600, 400), "camera_data": True}},
    )  # fmt: skip
    original = (repo / "content/images/raw.jpg").read_bytes()
    published = [p for p in (repo / "output").rglob("*") if p.suffix in (".jpg", ".webp", ".png")]
    assert published and not (repo / "output/images/raw.jpg").exists()
    assert [p for p in published if p.read_bytes() == original or metadata_left(p.read_bytes())] == []


# The demo site


def test_no_published_image_of_the_demo_has_camera_data(demo_site):
    images = [p for p in demo_site.rglob("*") if p.suffix in (".jpg", ".webp", ".png", ".ico")]
    assert len(images) > 200
    assert [(p.name, left) for p in images if (left := metadata_left(p.read_bytes()))] == []
    cups = Image.open(ROOT / "content/news/finance-industry-salon-2026/cups.jpg")
    assert cups.getexif().get_ifd(0x8825)  # that demo photo's original does hold a GPS position


def test_every_demo_page_is_shared_with_an_image_that_exists(demo_site):
    missing = []
    for page in demo_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        found = re.search(r'<meta property="og:image" content="/([^"]+)">', html)
        if not found or not (demo_site / found.group(1)).is_file() or "summary_large_image" not in html:
            missing.append(page.relative_to(demo_site).as_posix())
    assert missing == []


def test_the_cache_forgets_the_digests_of_photos_that_are_gone(tmp_path):
    kept, gone = photo_file(tmp_path / "kept.jpg"), photo_file(tmp_path / "gone.jpg")
    store = Store(tmp_path / "cache")
    store.digest(kept), store.digest(gone)
    gone.unlink()
    store.save()
    assert list(json.loads((tmp_path / "cache/sources.json").read_text(encoding="utf-8"))) == [
        str(kept.resolve())
    ]
