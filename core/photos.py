"""Decoding a photo the way it should be seen: upright, in sRGB, no bigger than needed.

Shared by what takes alumni's uploads (forms/photos.py) and what makes the site's copies
(plugins/pictures/photos.py); each decides what it does with see-through pixels.
"""

from __future__ import annotations

import contextlib
import io
import math

from PIL import Image, ImageCms, ImageOps

_ROTATED = {5, 6, 7, 8}  # Orientation values that swap width and height
_SRGB = ImageCms.createProfile("sRGB")


def upright(opened: Image.Image, largest: int) -> tuple[Image.Image, bytes | None]:
    """The photo decoded and turned the way its camera's Orientation tag says (a copy that
    outlives the file), and its colour profile. A JPEG is decoded at the smallest size its
    decoder can scale to (1/2, 1/4, 1/8) that is still at least `largest` wide once upright."""
    if opened.format in ("JPEG", "MPO"):  # MPO: a JPEG holding a second (depth) picture
        rotated = opened.getexif().get(0x0112, 1) in _ROTATED
        width, height = opened.size
        shown = height if rotated else width
        if shown > largest:
            scale = largest / shown
            opened.draft(
                None, (math.ceil(width * scale), math.ceil(height * scale))
            )  # the size, not the mode
    return ImageOps.exif_transpose(opened), opened.info.get("icc_profile")


def in_srgb(image: Image.Image, profile: bytes | None, mode: str) -> Image.Image:
    """The picture converted from its colour profile to sRGB, in `mode` (RGB or RGBA), with no
    metadata attached. A broken profile: the colours are kept as they are."""
    if profile:
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            image = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), _SRGB, outputMode=mode
            )
    image = image.convert(mode) if image.mode != mode else image
    image.info = {}
    return image
