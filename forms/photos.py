"""Photos sent with a submission: each one decoded and encoded again as a plain JPEG, or refused.

Nothing an alumnus uploads is stored as sent. A file is taken only if its name ends in one of
the accepted extensions and Pillow, allowed only the formats phones make (JPEG, PNG, WebP, and
HEIC through pillow-heif), can decode it; its size in pixels is checked from its header before
a single pixel is decoded, so a small file that claims a huge picture (a decompression bomb) is
refused before it takes any memory. What is stored is a new JPEG made from the decoded pixels:
turned upright, in sRGB, no wider than the widest copy the site publishes, and without any of
the original's metadata (EXIF and its GPS position, XMP, comments, colour profiles). A script
hidden in a comment or after the image data, or an SVG, never reaches the inbox.

The site's build (plugins/pictures) makes its web copies from this JPEG once an editor has
approved the submission and copied it into content/.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

import pillow_heif
from PIL import Image

from core.definitions import PHOTO_EXTENSIONS, Field, Text
from core.photos import in_srgb, upright
from core.values import clean_text

pillow_heif.register_heif_opener()  # iPhones' photos are HEIC

# The formats Pillow may try; every other decoder it has (EPS through Ghostscript, PSD, TGA…) is
# never offered an upload. (A JPEG that holds a second, depth picture opens as MPO through JPEG's.)
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
# A 48-megapixel phone photo (8064 × 6048, JPEG or HEIC) is taken; 100 megapixels is refused,
# from the header before decoding. Pillow's own process-wide check is left as it is (a decoder
# we did not foresee still stops at its limit): the editors' builds may share this process.
MAX_PIXELS = 50_000_000
# A JPEG is decoded at a reduced size (draft mode), so what it costs hardly grows with its
# pixels (49 MP: 42 MB); every other format is decoded whole, from a file that compresses to
# almost nothing, at about 9 bytes a pixel for HEIC and PNG and 18 for WebP. HEIC keeps the
# phones' 48 megapixels (430 MB); PNG and WebP, which phones use for screenshots, are held to
# 16 (160 and 280 MB), where 49 took 430 and 800 MB.
MAX_PIXELS_WHOLE = {"PNG": 16_000_000, "WEBP": 16_000_000}
# The stored photo is an intermediate the build encodes again: kept at a quality where a second
# encoding shows nothing.
QUALITY = 90
# Decoding the costliest photo taken (a 48-megapixel HEIC) takes about 430 MB, measured: at
# most this many at once per process, so a burst of uploads to gunicorn's threads
# cannot take the server's memory (docs/operators.md, Photos).
DECODING = threading.BoundedSemaphore(2)
SHOWN_NAME = 60  # characters of a file's name a sentence shows back


@dataclass(frozen=True)
class Photo:
    """One photo as it is stored: its file name in the submission's folder and its JPEG bytes."""

    name: str
    data: bytes
    width: int
    height: int


class Refused(Exception):
    """An upload that is not taken, with the sentence for the alumnus."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


def photo_names(count: int) -> str:
    """The photos column of a row: the stored files' names, 1.jpg 2.jpg…, in the order sent."""
    return " ".join(f"{number}.jpg" for number in range(1, count + 1))


def take_photos(spec: Field, uploads: Sequence[tuple[str, BinaryIO]], width: int) -> list[Photo]:
    """Each upload (its file name, its bytes) decoded and encoded again, at most `width` pixels wide;
    Refused, with a sentence naming the file, for the first one that cannot be taken."""
    if len(uploads) > spec.max_files:
        raise Refused(Text(f"最多只能附 {spec.max_files} 张照片，您选了 {len(uploads)} 张",
                           f"At most {spec.max_files} photos can be sent; you chose {len(uploads)}"))  # fmt: skip
    photos = []
    for number, (sent, stream) in enumerate(uploads, start=1):
        # The name as on the sender's device: no path, no control or direction characters.
        name = clean_text(PurePosixPath(sent.replace("\\", "/")).name)
        shown = _shortened(name) or str(number)
        if PurePosixPath(name).suffix.lower() not in PHOTO_EXTENSIONS:
            raise Refused(Text(f"“{shown}”不是照片：只接受 JPEG、PNG、WebP 和 HEIC（iPhone）照片",
                               f"“{shown}” is not a photo: only JPEG, PNG, WebP and HEIC (iPhone) photos are taken"))  # fmt: skip
        stream.seek(0, io.SEEK_END)
        if stream.tell() > spec.max_mb * 2**20:
            raise Refused(Text(f"“{shown}”太大：每张照片不能超过 {spec.max_mb} MB",
                               f"“{shown}” is too large: each photo may be at most {spec.max_mb} MB"))  # fmt: skip
        stream.seek(0)
        photos.append(_encoded(number, shown, stream, width))
    return photos


def _shortened(name: str, most: int = SHOWN_NAME) -> str:
    """A file's name as a sentence shows it, at most `most` characters: a long one keeps its end,
    the extension that tells a photo (微信图片_2026…合影.jpg), and loses the middle."""
    if len(name) <= most:
        return name
    suffix = PurePosixPath(name).suffix
    suffix = suffix if len(suffix) < most // 4 else ""
    return name[: most - len(suffix) - 1] + "…" + suffix


def _encoded(number: int, shown: str, stream: BinaryIO, width: int) -> Photo:
    not_a_photo = Refused(Text(f"“{shown}”无法作为照片打开：请选择手机或相机拍的照片（JPEG、PNG、WebP 或 HEIC）",
                               f"“{shown}” cannot be opened as a photo: choose a photo from a phone or camera (JPEG, PNG, WebP or HEIC)"))  # fmt: skip
    with DECODING:
        try:
            with Image.open(stream, formats=FORMATS) as opened:
                pixels, most = opened.width * opened.height, MAX_PIXELS_WHOLE.get(opened.format, MAX_PIXELS)
                if pixels > most:
                    raise _too_many_pixels(shown, pixels, most)
                image, profile = upright(opened, width)
        except Refused:
            raise
        except Image.DecompressionBombError:  # Pillow's own check, in a decoder that reads ahead
            raise _too_many_pixels(shown, None, MAX_PIXELS) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise not_a_photo from None
        image = _srgb(image, profile)
        if image.width > width:
            height = max(1, round(image.height * width / image.width))
            image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=QUALITY, optimize=True)  # no exif, icc_profile or comment given
    return Photo(f"{number}.jpg", out.getvalue(), image.width, image.height)


def _too_many_pixels(shown: str, pixels: int | None, most: int) -> Refused:
    most //= 1_000_000
    zh, en = (f"{pixels / 1e6:.0f} 百万像素，", f"{pixels / 1e6:.0f} megapixels, ") if pixels else ("", "")
    return Refused(Text(f"“{shown}”的像素太多（{zh}最多 {most} 百万）：请缩小后再发送",
                        f"“{shown}” has too many pixels ({en}at most {most} million): make it smaller and send it again"))  # fmt: skip


def _srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """The picture in sRGB, as opaque RGB: a see-through part is shown on white, as on the page."""
    if image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    return in_srgb(image, profile, "RGB")
