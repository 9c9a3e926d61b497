"""The pictures plugin's settings (pelicanconf.py): each one's shape said once, all checked in one call."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.problems import Problem, ProblemsFound
from plugins.pictures.cards import Look, find_font
from plugins.pictures.photos import Recipe

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _widths(value) -> bool:
    return (
        isinstance(value, list) and bool(value) and all(isinstance(w, int) and 16 <= w <= 8192 for w in value)
    )


def _quality(value) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"webp", "jpeg"}
        and all(isinstance(q, int) and 1 <= q <= 100 for q in value.values())
    )


def _colours(value) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"background", "text", "accent"}
        and all(isinstance(c, str) and _COLOUR.fullmatch(c) for c in value.values())
    )


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


# setting: (check, what it must be, in Chinese and English)
SHAPES: dict[str, tuple[Callable[[object], bool], str, str]] = {
    "PHOTO_WIDTHS": (_widths, "像素宽度的列表，如 [320, 800, 1600]", "a list of widths in pixels, such as [320, 800, 1600]"),
    "PHOTO_QUALITY": (_quality, "webp 和 jpeg 两种格式各自的质量（1–100），如 {\"webp\": 74, \"jpeg\": 80}", 'the quality (1-100) of webp and jpeg, such as {"webp": 74, "jpeg": 80}'),
    "PHOTO_MAX_MB": (lambda v: isinstance(v, int | float) and v > 0, "一个正数（兆字节）", "a positive number of megabytes"),
    "PHOTO_CACHE": (_text, "一个文件夹", "a folder"),
    "PHOTO_SAVE_AS": (lambda v: _text(v) and all(k in v for k in ("{name}", "{key}", "{width}", "{ext}")), "含 {name}、{key}、{width}、{ext} 的路径", "a path with {name}, {key}, {width} and {ext}"),
    "GALLERY_PATH": (_text, "content/ 下的一个文件夹名", "a folder of content/"),
    "CLASS_NOTE_PHOTOS_PATH": (_text, "content/ 下的一个文件夹名", "a folder of content/"),
    "SHARE_CARD_SAVE_AS": (lambda v: _text(v) and "{key}" in v, "含 {key} 的路径", "a path with {key}"),
    "SHARE_CARD_COLORS": (_colours, "background、text、accent 三种颜色，如 #7a1f2b", "the colours background, text and accent, such as #7a1f2b"),
    "SHARE_CARD_FONTS": (lambda v: isinstance(v, list) and bool(v) and all(_text(f) for f in v), "字体文件的列表", "a list of font files"),
    "SITE_MARK": (lambda v: isinstance(v, str) and len(v) == 1, "一个字，与 favicon.svg 上的相同", "one character, the one of favicon.svg"),
}  # fmt: skip


@dataclass(frozen=True)
class PictureSettings:
    recipe: Recipe
    max_mb: float
    cache: Path
    save_as: str
    gallery_path: str
    note_photos_path: str
    card_save_as: str
    look: Look


def read_settings(settings: Mapping) -> PictureSettings:
    """The plugin's settings, or ProblemsFound naming every one that is wrong."""
    problems = [
        Problem(
            "pelicanconf.py",
            f"应当是{zh}",
            f"must be {en}",
            field=name,
            value=repr(settings.get(name)),
            kind="setting",
        )
        for name, (check, zh, en) in SHAPES.items()
        if not check(settings.get(name))
    ]
    if problems:
        raise ProblemsFound(problems)
    font = find_font(settings["SHARE_CARD_FONTS"])
    if font is None:
        raise ProblemsFound([Problem(
            "pelicanconf.py",
            "列出的中文字体都找不到，无法绘制分享图片；请运行 pip install -r requirements.txt，或安装 fonts-wqy-microhei",
            "names no CJK font that is installed, so share cards cannot be drawn; run pip install -r requirements.txt, or install fonts-wqy-microhei",
            field="SHARE_CARD_FONTS", kind="setting",
        )])  # fmt: skip
    colours = settings["SHARE_CARD_COLORS"]
    return PictureSettings(
        recipe=Recipe(tuple(settings["PHOTO_WIDTHS"]), tuple(sorted(settings["PHOTO_QUALITY"].items()))),
        max_mb=settings["PHOTO_MAX_MB"],
        cache=Path(settings["PHOTO_CACHE"]),
        save_as=settings["PHOTO_SAVE_AS"],
        gallery_path=settings["GALLERY_PATH"],
        note_photos_path=settings["CLASS_NOTE_PHOTOS_PATH"],
        card_save_as=settings["SHARE_CARD_SAVE_AS"],
        look=Look(colours["background"], colours["text"], colours["accent"], settings["SITE_MARK"], font),
    )
