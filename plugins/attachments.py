"""Files of content/ that Pelican would publish as they are: those of STATIC_PATHS (content/images/)
and any a text links with {static} or {attach}. Only what a visitor can use and what carries
nothing private goes out that way:

- photos (JPEG, PNG, WebP) never: plugins.pictures publishes copies of them without camera data;
- camera and editing formats (HEIC, TIFF, RAW, PSD…) never: they carry the phone, the time and
  where the photo was taken, and browsers cannot all show them;
- spreadsheets, data and source files (.xlsx, .csv, .md, .yaml, .py…) and what systems leave in
  folders (Thumbs.db, desktop.ini) never: a college's list of alumni is a spreadsheet, and the
  guard cannot read inside one;
- what systems and editors leave beside files (.DS_Store and other hidden files, backups such
  as notes~, .bak, .orig, .swp, Office's ~$ lock files) never: they are copies of something
  else, or nothing a visitor can use.

A file left out that no text links is left out silently, as an unused photo is; one a text
links stops the build, naming the text, since its link would lead nowhere.

A document that goes out is published under an address of plain letters: each part of its
path that has anything else (Chinese, spaces) in pinyin, as titles are (返校日 议程.pdf becomes
fan-xiao-ri-yi-cheng.pdf), so its links are valid and survive being copied into a message.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path, PurePosixPath

from pelican import signals

from core.problems import Problem, report, source_label
from plugins.pictures.photos import READABLE
from plugins.slugs import slug_of

logger = logging.getLogger(__name__)

CAMERA = {".heic", ".heif", ".avif", ".tif", ".tiff", ".psd", ".dng", ".raw", ".cr2", ".cr3", ".nef", ".arw",
          ".orf", ".rw2", ".raf"}  # fmt: skip
SOURCES = {".md", ".markdown", ".rst", ".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".yaml",
           ".yml", ".py", ".db", ".sqlite", ".ini"}  # fmt: skip
LEFTOVERS = {".bak", ".orig", ".rej", ".swp", ".swo", ".tmp", ".temp", ".old", ".part", ".crdownload"}
# What an address may hold as it is; anything else is written in pinyin (plain_path).
PLAIN = re.compile(r"[A-Za-z0-9._-]+")

# What each refused kind is, and what to do instead.
_WHY = {
    "camera": (
        "是相机或修图软件的原始格式，带有拍摄地点等信息，网站不会原样发布；请另存为 JPEG、PNG 或 WebP，用 ![照片上有什么](文件名) 放进正文",
        "is a camera or editing format that carries where the photo was taken, and is never published as it is; save it as JPEG, PNG or WebP and show it with ![what the photo shows](file)",
    ),
    "source": (
        "是表格、数据或源文件，网站不会原样发布（可能含有校友的个人信息，发布前无法检查）；请把要公开的内容写进正文，或另存为 PDF 再链接",
        "is a spreadsheet, data or source file, which is never published as it is (it may hold alumni's personal data that cannot be checked first); put what is public in the text, or save it as PDF and link that",
    ),
    "leftover": (
        "是系统或编辑软件留下的隐藏文件、备份或临时文件，网站不会发布；请链接原来的文件",
        "is a hidden, backup or temporary file left by a system or an editing program, which is never published; link the original file",
    ),
}


def refused(name: str) -> str | None:
    """Why a file may not be published as it is ("photo", "camera", "source", "leftover"), or None
    if it may."""
    path = PurePosixPath(name)
    suffix = path.suffix.lower()
    if path.name.startswith((".", "~$")) or path.name.endswith("~") or suffix in LEFTOVERS:
        return "leftover"
    if suffix in READABLE:
        return "photo"
    if suffix in CAMERA:
        return "camera"
    return "source" if suffix in SOURCES else None


def plain_path(name: str) -> str:
    """The address a document is published under: each part of its path that holds anything
    but letters, digits, dots, hyphens and underscores, in pinyin (2026返校日/返校日 议程.pdf ->
    2026-fan-xiao-ri/fan-xiao-ri-yi-cheng.pdf)."""
    path = PurePosixPath(name)
    folders = [part if PLAIN.fullmatch(part) else slug_of(part) or "files" for part in path.parent.parts]
    file = path.name if PLAIN.fullmatch(path.name) else (slug_of(path.stem) or "file") + path.suffix.lower()
    return PurePosixPath(*folders, file).as_posix()


def _linking_texts(context: dict) -> dict[str, str]:
    """Each linked static file (relative to content/) and a text that links it."""
    items = [item for key in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages")
             for item in context.get(key, [])]  # fmt: skip
    items += [t for item in list(items) for t in getattr(item, "translations", [])]
    return {link: item.source_path for item in items for link in item.get_static_links()}


def _leave_out(generator) -> None:
    linked = set(generator.context.get("static_links", ()))
    content = Path(generator.settings["PATH"])
    kept, problems, addresses = [], [], {}
    for static in generator.staticfiles:
        name = Path(static.source_path).relative_to(content).as_posix()
        why = refused(name)
        if why is None:
            if (plain := plain_path(name)) != name:
                static.override_url = static.override_save_as = plain
            if (other := addresses.setdefault(plain, name)) != name:
                report(logger, Problem(source_label(content, str(content / name)),
                                       f"与“{other}”会发布在同一个网址 {plain}，请给其中一个改名",
                                       f"would be published at the same address as '{other}', {plain}; rename one of them",
                                       value=name, kind="attachment"))  # fmt: skip
            kept.append(static)
        elif why != "photo" and name in linked:
            problems.append((name, why))
    generator.staticfiles[:] = kept
    if problems:
        texts = _linking_texts(generator.context)
        for name, why in sorted(problems):
            text = texts.get(name)
            where = source_label(content, text or str(content / name))
            line = _line_naming(Path(text), PurePosixPath(name).name) if text else None
            report(logger, Problem(where, *_WHY[why], line=line, value=name, kind="attachment"))


def _line_naming(text: Path, name: str) -> int | None:
    """The first line of a text that names the file (where its link is written)."""
    lines = text.read_text(encoding="utf-8", errors="replace").splitlines()
    return next((number for number, line in enumerate(lines, 1) if name in line), None)


def register() -> None:
    signals.static_generator_finalized.connect(_leave_out)
