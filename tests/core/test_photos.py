"""Decoding a photo as it should be seen: the rules the uploads and the site's copies share."""

import io

import pytest
from PIL import Image, ImageCms

from core.photos import in_srgb, upright


def _saved(image: Image.Image, fmt: str, **options) -> Image.Image:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return Image.open(io.BytesIO(out.getvalue()))


def _sideways(fmt: str) -> Image.Image:
    """A 1600 × 800 photo taken with the phone on its side (Orientation 6: turn it 90° clockwise)."""
    image = Image.new("RGB", (1600, 800), (200, 40, 40))
    image.paste((40, 40, 200), (0, 0, 800, 800))  # the left half blue: the top once upright
    exif = Image.Exif()
    exif[0x0112] = 6
    extra = {"save_all": True, "append_images": [Image.new("RGB", (1600, 800))]} if fmt == "MPO" else {}
    return _saved(image, fmt, exif=exif, quality=95, **extra)


@pytest.mark.parametrize("fmt", ["JPEG", "MPO"])
def test_a_sideways_photo_is_decoded_small_and_turned_upright(fmt):
    opened = _sideways(fmt)
    assert opened.format == fmt
    image, profile = upright(opened, 200)
    # Upright it is 800 wide: decoded at a quarter (200), never below the width asked for.
    assert image.size == (200, 400)
    assert image.getpixel((100, 20))[2] > 150  # blue at the top
    assert profile is None


def test_a_photo_narrower_than_asked_is_decoded_whole():
    image, _ = upright(_sideways("JPEG"), 2000)
    assert image.size == (800, 1600)


def test_srgb_keeps_what_is_see_through_when_asked_and_drops_all_metadata():
    rgba = Image.new("RGBA", (4, 4), (10, 20, 30, 0))
    rgba.info["comment"] = b"secret"
    kept = in_srgb(rgba, None, "RGBA")
    assert kept.mode == "RGBA" and kept.getpixel((0, 0))[3] == 0 and kept.info == {}


def test_a_broken_colour_profile_keeps_the_colours():
    red = Image.new("RGB", (2, 2), (255, 0, 0))
    assert in_srgb(red, b"not a profile", "RGB").getpixel((0, 0)) == (255, 0, 0)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    converted = in_srgb(red, srgb, "RGB")
    assert converted.getpixel((0, 0)) == (255, 0, 0) and converted.info == {}
