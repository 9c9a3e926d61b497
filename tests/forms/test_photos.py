"""Photos sent with a class note, as forms/photos.py takes them: decoded, turned upright, encoded
again without camera data, or refused with a sentence. The handler under gunicorn is in
tests/forms/test_uploads.py and tests/forms/test_hostile.py."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from core.definitions import load_forms
from forms.photos import MAX_PIXELS, Refused, take_photos
from tests.support import ROOT, photo_file

PHOTOS = load_forms(ROOT / "forms")["class-note"].photos


def taken(*files: Path | tuple[str, bytes], width: int = 1600) -> list:
    uploads = [
        (f.name, io.BytesIO(f.read_bytes())) if isinstance(f, Path) else (f[0], io.BytesIO(f[1]))
        for f in files
    ]
    return take_photos(PHOTOS, uploads, width)


def refusal(*files) -> str:
    with pytest.raises(Refused) as refused:
        taken(*files)
    return f"{refused.value.text.zh} / {refused.value.text.en}"


def camera_data_left(data: bytes) -> list[str]:
    image = Image.open(io.BytesIO(data))
    found = [key for key in ("exif", "xmp", "comment", "icc_profile") if image.info.get(key)]
    found += ["EXIF tags"] if image.getexif() else []
    return found + [m.decode() for m in (b"Exif\x00\x00", b"xmpmeta", b"PhoneMaker", b"<script") if m in data]


def test_a_phone_photo_is_stored_upright_no_wider_than_the_site_shows_and_without_camera_data(tmp_path):
    source = photo_file(tmp_path / "IMG_0001.JPG", (4000, 3000), orientation=6, camera_data=True)
    assert camera_data_left(source.read_bytes())  # the original carries EXIF, GPS, XMP, a profile
    [photo] = taken(source)
    image = Image.open(io.BytesIO(photo.data))
    assert (photo.name, image.format, image.size, (photo.width, photo.height)) == ("1.jpg", "JPEG", (1600, 2133), (1600, 2133))  # fmt: skip
    # Stored landscape with the red block top left, Orientation 6: seen upright, it is top right.
    red = [r - g > 100 for r, g, _ in (image.convert("RGB").getpixel(xy) for xy in ((1590, 10), (10, 10)))]
    assert red == [True, False]
    assert camera_data_left(photo.data) == []


def test_an_iphone_heic_photo_is_taken_as_a_jpeg_without_its_gps_position(tmp_path):
    source = photo_file(tmp_path / "IMG_0002.HEIC", (1200, 900), camera_data=True)
    assert Image.open(source).format == "HEIF" and Image.open(source).getexif().get_ifd(0x8825)
    [photo] = taken(source)
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG" and camera_data_left(photo.data) == []


def test_png_and_webp_are_taken_and_a_transparent_part_is_shown_on_white(tmp_path):
    png = photo_file(tmp_path / "screen.png", (800, 600), transparent=True)
    webp = photo_file(tmp_path / "shared.webp", (640, 480))
    first, second = taken(png, webp)
    assert (first.name, second.name) == ("1.jpg", "2.jpg")
    assert Image.open(io.BytesIO(first.data)).mode == "RGB"


def test_a_script_hidden_in_a_real_photo_does_not_survive_the_new_encoding(tmp_path):
    photo = io.BytesIO()
    Image.new("RGB", (300, 200), (90, 120, 200)).save(photo, "JPEG", comment=b"<script>alert(1)</script>")
    polyglot = photo.getvalue() + b"<?php system($_GET['c']); ?><script>alert(2)</script>"
    [stored] = taken(("cat.jpg", polyglot))
    assert b"<script" not in stored.data and b"<?php" not in stored.data


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says width × height, with a few bytes of image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")  # fmt: skip


def test_pixels_are_counted_from_the_header_before_any_is_decoded():
    """Refused from a 100-byte header alone: 9,000 × 9,000 by our check, 60,000 × 60,000 (10 GB
    decoded) already by Pillow's, which the handler leaves as it is for the builds beside it."""
    assert "像素太多（81 百万像素，最多 16 百万）" in refusal(("big.png", png_claiming(9000, 9000)))
    assert "has too many pixels (at most 50 million)" in refusal(("huge.png", png_claiming(60000, 60000)))
    assert Image.MAX_IMAGE_PIXELS > MAX_PIXELS  # an editor's 60-megapixel photo still builds


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("notes.txt", b"hello", "“notes.txt” is not a photo"),
        ("photo.php", b"\xff\xd8\xff<?php ?>", "“photo.php” is not a photo"),
        ("../../etc/passwd.jpg", b"root:x:0:0", "“passwd.jpg” cannot be opened as a photo"),
        ("empty.jpg", b"", "“empty.jpg” cannot be opened as a photo"),
        (
            "photo\u202egpj.exe",
            b"MZ",
            "“photogpj.exe” is not a photo",
        ),  # a right-to-left override shows it as .jpg
    ],
)
def test_what_is_not_a_photo_is_named_in_the_sentence(name, data, words):
    assert words in refusal((name, data))


def test_more_photos_than_the_form_takes_are_refused_before_any_is_decoded(tmp_path):
    sentence = refusal(*[("a.jpg", b"not even decoded")] * 4)
    assert sentence == "最多只能附 3 张照片，您选了 4 张 / At most 3 photos can be sent; you chose 4"


def test_a_photo_larger_than_max_mb_is_refused_by_its_size(tmp_path):
    assert "“big.jpg” is too large: each photo may be at most 10 MB" in refusal(
        ("big.jpg", b"\xff" * (10 * 2**20 + 1))
    )


def solid(format: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (9, 9, 9)).save(out, format)
    return out.getvalue()


@pytest.mark.parametrize("name, format", [("flat.png", "PNG"), ("flat.webp", "WEBP")])
def test_a_small_file_that_decodes_whole_to_many_pixels_is_refused(name, format):
    """7000 × 7000 in 160 KB: decoded whole it took 430 MB (PNG) or 800 MB (WebP) of a worker."""
    assert "has too many pixels (49 megapixels, at most 16 million)" in refusal(
        (name, solid(format, (7000, 7000)))
    )


# solid("HEIF", (8064, 6048)), kept: encoding it takes 7 s here, and it is 29 KB.
HEIC_48MP = Path(__file__).with_name("files") / "48-megapixels.heic"


@pytest.mark.parametrize("name, format", [("IMG_0001.HEIC", "HEIF"), ("IMG_0002.JPG", "JPEG")])
def test_a_phones_48_megapixel_photo_is_still_taken(name, format):
    data = HEIC_48MP.read_bytes() if format == "HEIF" else solid(format, (8064, 6048))
    assert Image.open(io.BytesIO(data)).size == (8064, 6048)
    [photo] = taken((name, data))
    assert (photo.width, photo.height) == (1600, 1200)
