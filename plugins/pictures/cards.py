"""Share cards and the site's icons, drawn with Pillow.

A page shared without a photo of its own still shows a picture: its title on the association's
colours, 1200x630 as social sites show large previews. Icons for browsers (favicon.ico) and
phones (apple-touch-icon.png) are drawn from the mark of theme/static/favicon.svg: the same
character on the same colour. Text is set in a CJK font that the build finds installed (Noto
Sans SC from PyPI by default), so Chinese and English titles look the same everywhere.
"""

from __future__ import annotations

import importlib.resources
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CARD_SIZE = (1200, 630)
# Bumped when the drawing changes, so cached cards are drawn again.
VERSION = 1
_MARGIN = 72
# (font size, most lines): the title takes the largest size it fits in.
_TITLE_SIZES = ((68, 3), (60, 3), (52, 4), (46, 4))
# A line may not start with closing punctuation nor end with opening punctuation (禁则).
_NO_START = set("，。、；：？！）》」』】〕”’…—%,.;:?!)]}")
_NO_END = set("（《「『【〔“‘([{")
# A Latin word or number (with the punctuation and spaces that follow it), a run of spaces,
# or any other single character: lines break between these.
_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,:;!?%&/+\-]*\s*|\s+|.")


@dataclass(frozen=True)
class Look:
    """The association's colours, its mark (the character of favicon.svg) and the font."""

    background: str
    text: str
    accent: str
    mark: str
    font: Path

    def key(self) -> str:
        return f"{VERSION}|{self.background}|{self.text}|{self.accent}|{self.mark}|{self.font.name}"


def find_font(candidates: list[str]) -> Path | None:
    """The first font file that exists: a path, or `package:file` inside an installed package."""
    for candidate in candidates:
        package, colon, name = candidate.partition(":")
        if colon and "/" not in package:
            try:
                path = Path(str(importlib.resources.files(package) / name))
            except ModuleNotFoundError:
                continue
        else:
            path = Path(candidate)
        if path.is_file():
            return path
    return None


def draw_card(title: str, site_name: str, look: Look, subtitle: str = "", address: str = "") -> Image.Image:
    """A 1200x630 card: the mark and the site's name, the title, and an optional line below."""
    card = Image.new("RGB", CARD_SIZE, look.background)
    draw = ImageDraw.Draw(card)
    card.paste(draw_mark(88, look, inverted=True), (_MARGIN, 56), draw_mark(88, look, inverted=True))
    draw.text((_MARGIN + 88 + 24, 100), site_name, font=_font(look.font, 36), fill=look.text, anchor="lm")
    width = CARD_SIZE[0] - 2 * _MARGIN
    size, lines = fit(title, look.font, width)
    y = 210
    for line in lines:
        draw.text(
            (_MARGIN, y),
            line,
            font=_font(look.font, size),
            fill=look.text,
            stroke_width=1,
            stroke_fill=look.text,
        )
        y += round(size * 1.35)
    if subtitle:
        for line in wrap(subtitle, _font(look.font, 34), width)[:3]:
            draw.text((_MARGIN, y + 16), line, font=_font(look.font, 34), fill=look.accent)
            y += 48
    draw.rectangle((0, CARD_SIZE[1] - 12, CARD_SIZE[0], CARD_SIZE[1]), fill=look.accent)
    if address:
        draw.text(
            (_MARGIN, CARD_SIZE[1] - 44), address, font=_font(look.font, 28), fill=look.accent, anchor="ls"
        )
    return card


def fit(title: str, font: Path, width: int) -> tuple[int, list[str]]:
    """The largest size at which the title fits, and its lines; a title too long for the
    smallest size is cut with an ellipsis."""
    for size, most in _TITLE_SIZES:
        lines = wrap(title, _font(font, size), width)
        if len(lines) <= most:
            return size, lines
    lines = lines[:most]
    face = _font(font, size)
    last = lines[-1]
    while last and face.getlength(last + "…") > width:
        last = last[:-1]
    return size, [*lines[:-1], last.rstrip() + "…"]


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines no wider than `width`: Chinese breaks between characters, other text between
    words, and no line starts with a closing mark or ends with an opening one."""
    tokens: list[str] = []
    for token in _TOKENS.findall(" ".join(text.split())):
        # A word wider than a line is cut where it must be.
        tokens += list(token) if font.getlength(token.rstrip()) > width else [token]
    lines: list[str] = []
    line = ""
    for token in tokens:
        if not line and token.isspace():
            continue
        fits = font.getlength((line + token).rstrip()) <= width
        # A closing mark hangs at the end of the line rather than start the next one.
        if fits or not line or token[0] in _NO_START:
            line += token
            continue
        carried = ""
        while line and line[-1] in _NO_END:
            line, carried = line[:-1], line[-1] + carried
        if line.strip():
            lines.append(line.rstrip())
        line = carried + token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


def draw_mark(size: int, look: Look, rounded: bool = True, inverted: bool = False) -> Image.Image:
    """The association's mark: its character on its colour (or the colours swapped), drawn
    four times larger and reduced, so edges are smooth at every size."""
    scale = 4
    big = size * scale
    fill, ink = (look.text, look.background) if inverted else (look.background, look.text)
    mark = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(mark)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(big * 6 / 32) if rounded else 0, fill=fill)
    face = _font(look.font, round(big * (18 if rounded else 20) / 32))
    left, top, right, bottom = face.getbbox(look.mark)
    draw.text(((big - left - right) / 2, (big - top - bottom) / 2), look.mark, font=face, fill=ink)
    return mark.resize((size, size), Image.Resampling.LANCZOS)


def favicon_ico(look: Look) -> bytes:
    """favicon.ico with the sizes browsers ask for, each drawn at its own size."""
    marks = [draw_mark(size, look) for size in (48, 32, 16)]
    out = io.BytesIO()
    marks[0].save(out, "ICO", sizes=[(16, 16), (32, 32), (48, 48)], append_images=marks[1:])
    return out.getvalue()


def touch_icon(look: Look) -> bytes:
    """apple-touch-icon.png: 180x180, square and opaque (phones round the corners themselves)."""
    out = io.BytesIO()
    draw_mark(180, look, rounded=False).convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def card_png(card: Image.Image) -> bytes:
    # zlib's default level: a card is 3 % larger than with optimize=True, and made 6 times faster
    # (15 ms against 90), which counts with a card for every page of a large site.
    out = io.BytesIO()
    card.save(out, "PNG")
    return out.getvalue()


@lru_cache(maxsize=32)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)
