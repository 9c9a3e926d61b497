"""What templates are given: a photo's published copies, a picture (a photo with its alt text),
and the image a page is shared with (og:image)."""

from __future__ import annotations

from dataclasses import dataclass

from plugins.pictures.photos import MODERN


@dataclass(frozen=True)
class PublishedCopy:
    path: str  # where it is in output/, as its URL after SITEURL/
    width: int
    height: int
    format: str


@dataclass(frozen=True)
class Photo:
    """Every published copy of one photo; the browser picks from them (srcset)."""

    copies: tuple[PublishedCopy, ...]
    source: str  # content/... as the editor wrote it, for messages

    @property
    def width(self) -> int:
        return self.copies[-1].width

    @property
    def height(self) -> int:
        return self.copies[-1].height

    @property
    def fallback_format(self) -> str:
        return next(c.format for c in self.copies if c.format != MODERN)

    def srcset(self, fmt: str, siteurl: str) -> str:
        """`srcset` for one format: every width, for the browser to choose."""
        return ", ".join(f"{siteurl}/{c.path} {c.width}w" for c in self.copies if c.format == fmt)

    def src(self, siteurl: str, width: int = 800) -> str:
        """The fallback copy nearest below `width`, for browsers that know no srcset."""
        return f"{siteurl}/{self.fallback_at(width).path}"

    def fallback_at(self, width: int) -> PublishedCopy:
        fallbacks = [c for c in self.copies if c.format != MODERN]
        return next((c for c in reversed(fallbacks) if c.width <= width), fallbacks[0])


@dataclass(frozen=True)
class Picture:
    """A photo as one page shows it: with its alt text, in the language that text is written in."""

    photo: Photo
    alt: str
    lang: str


@dataclass(frozen=True)
class ShareImage:
    """The picture social sites show for a page (og:image): a cover's copy or a drawn card."""

    path: str
    width: int
    height: int
    alt: str
    type: str  # its MIME type

    @classmethod
    def of(cls, picture: Picture, width: int = 1200) -> ShareImage:
        """A cover's fallback copy (JPEG or PNG: not every service reads WebP), at most 1200 wide."""
        copy = picture.photo.fallback_at(width)
        return cls(copy.path, copy.width, copy.height, picture.alt, f"image/{copy.format}")
