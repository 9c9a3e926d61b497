"""Web copies of one photo: upright, in sRGB, at several widths, as WebP with a JPEG (or PNG)
fallback, and with nothing of the original's metadata (EXIF, GPS, XMP, comments, profiles).

Plain functions over Pillow, testable without Pelican. A photo is read once, at the smallest
size the largest copy allows (JPEG decoders can scale by 1/2, 1/4, 1/8 while decoding), turned
the way the camera's Orientation tag says, converted to sRGB if it carries a colour profile,
and then resized and encoded once per width and format.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from core.photos import in_srgb, upright

# Formats browsers show: the modern one first, then the fallback for older browsers and for
# services that read og:image (several do not read WebP).
MODERN = "webp"
EXTENSIONS = {"webp": "webp", "jpeg": "jpg", "png": "png"}
# What editors may use in content; anything else is refused with a sentence.
READABLE = {".jpg", ".jpeg", ".png", ".webp"}
# Bumped when the way copies are made changes, so cached copies are made again (3: an MPO
# photo, a JPEG with a depth picture, is decoded at the size needed too).
VERSION = 3


@dataclass(frozen=True)
class Recipe:
    """How copies are made: the widths wanted and each format's quality (0-100)."""

    widths: tuple[int, ...]
    quality: tuple[tuple[str, int], ...]

    def key(self) -> str:
        """Changes whenever the copies it makes would differ."""
        text = f"{VERSION}|{sorted(self.widths)}|{sorted(self.quality)}"
        return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()

    def widths_for(self, width: int) -> list[int]:
        """The widths to make of a photo this wide: never wider than the photo itself."""
        largest = max(self.widths)
        return sorted({w for w in self.widths if w < width} | {min(width, largest)})


@dataclass(frozen=True)
class Copy:
    """One file made from a photo: its size, format and name in the photo's folder."""

    width: int
    height: int
    format: str

    @property
    def name(self) -> str:
        return f"{self.width}.{EXTENSIONS[self.format]}"


class UnreadablePhoto(Exception):
    """The file is not an image Pillow can read, or is too large to open safely."""


def make_copies(source: Path, folder: Path, recipe: Recipe) -> list[Copy]:
    """Write every copy of the photo at `source` into `folder`; return what was written."""
    image = upright_srgb(source, max(recipe.widths))
    quality = dict(recipe.quality)
    fallback = "png" if image.mode == "RGBA" else "jpeg"
    copies = []
    # Largest first, each made from the one before: resizing costs what the source has pixels.
    larger = image
    for width in sorted(recipe.widths_for(image.width), reverse=True):
        height = max(1, round(image.height * width / image.width))
        if width != larger.width:
            larger = larger.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        larger.info = {}  # nothing of the original travels with the copy
        for fmt in (MODERN, fallback):
            copy = Copy(width, height, fmt)
            (folder / copy.name).write_bytes(encode(larger, fmt, quality.get(fmt, 80)))
            copies.append(copy)
    return sorted(copies, key=lambda c: c.width)


def upright_srgb(source: Path, largest: int) -> Image.Image:
    """The photo as it should be seen, in sRGB, RGB or RGBA, with no metadata attached."""
    try:
        with Image.open(source) as opened:
            image, profile = upright(opened, largest)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise UnreadablePhoto(str(error)) from error
    mode = "RGBA" if _has_alpha(image) else "RGB"
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA" if mode == "RGBA" else "RGB")
    return in_srgb(image, profile, mode)


def _has_alpha(image: Image.Image) -> bool:
    """Whether any pixel is see-through (a PNG saved with an alpha channel may have none)."""
    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return False
    return image.convert("RGBA").getextrema()[3][0] < 255


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    """The image's bytes in one format; no EXIF, XMP, ICC or comment is passed to the encoder."""
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=4)
    elif fmt == "jpeg":
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def file_digest(path: Path) -> str:
    """What identifies a photo's content, whatever its name or date."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
