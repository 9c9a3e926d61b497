"""Files of content/ that Pelican would publish as they are: those of STATIC_PATHS (content/images/)
and any a text links with {static} or {attach}. Only what a visitor can use and what carries
nothing private goes out that way:

- photos (JPEG, PNG, WebP) never: plugins.pictures publishes copies of them without camera data;
- camera and editing formats (HEIC, TIFF, RAW, PSD…) never: they carry the phone, the time and
  where the photo was taken, and browsers cannot all show them;
- spreadsheets, data and source files (.xlsx, .csv, .md, .yaml, .py…) and what systems leave in
  folders (Thumbs.db, desktop.ini) never: a college's list of alumni is a spreadsheet, and the
  guard cannot read inside one.

A file left out that no text links is left out silently, as an unused photo is; one a text
links stops the build, naming the text, since its link would lead nowhere.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from pelican import signals

from core.problems import Problem, report, source_label
from plugins.pictures.photos import READABLE

logger = logging.getLogger(__name__)

CAMERA = {".heic", ".heif", ".avif", ".tif", ".tiff", ".psd", ".dng", ".raw", ".cr2", ".cr3", ".nef", ".arw",
          ".orf", ".rw2", ".raf"}  # fmt: skip
SOURCES = {".md", ".markdown", ".rst", ".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".yaml",
           ".yml", ".py", ".db", ".sqlite", ".ini"}  # fmt: skip

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
}


def refused(name: str) -> str | None:
    """Why a file may not be published as it is ("photo", "camera", "source"), or None if it may."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in READABLE:
        return "photo"
    if suffix in CAMERA:
        return "camera"
    return "source" if suffix in SOURCES else None


def _linking_texts(context: dict) -> dict[str, str]:
    """Each linked static file (relative to content/) and a text that links it."""
    items = [item for key in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages")
             for item in context.get(key, [])]  # fmt: skip
    items += [t for item in list(items) for t in getattr(item, "translations", [])]
    return {link: item.source_path for item in items for link in item.get_static_links()}


def _leave_out(generator) -> None:
    linked = set(generator.context.get("static_links", ()))
    content = Path(generator.settings["PATH"])
    kept, problems = [], []
    for static in generator.staticfiles:
        name = Path(static.source_path).relative_to(content).as_posix()
        why = refused(name)
        if why is None:
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
