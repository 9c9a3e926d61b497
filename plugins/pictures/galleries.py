"""Event galleries: a folder of photos per event (content/events/<event id>/), and photos.csv
beside them giving each photo's alt text, one row per photo, in the order they are shown."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from core.problems import Problem, ProblemsFound
from core.tables import read_rows
from core.values import alt_says_nothing
from plugins.pictures.photos import READABLE

CAPTIONS = "photos.csv"


@dataclass(frozen=True)
class GalleryPhoto:
    file: Path
    alt: dict[str, str]  # language -> alt text; the default language's is always there
    row: int


@dataclass
class Gallery:
    event: str
    folder: Path
    photos: list[GalleryPhoto] = field(default_factory=list)


def find_galleries(root: Path) -> list[Path]:
    """The event folders under the galleries' folder."""
    return sorted(path for path in root.iterdir() if path.is_dir()) if root.is_dir() else []


def read_gallery(folder: Path, label: str, languages: list[str]) -> tuple[Gallery, list[Problem]]:
    """One event's photos with their alt text; every photo without alt text is a problem.

    `label` is the folder as editors see it (content/events/x); the first language's alt text
    is in the column alt, the others' in alt_<language>.
    """
    problems: list[Problem] = []
    gallery = Gallery(folder.name, folder)
    photos = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in READABLE)
    captions = f"{label}/{CAPTIONS}"
    if not (folder / CAPTIONS).is_file():
        if photos:
            problems.append(Problem(
                captions,
                f"不存在：请建立这个文件，每张照片一行，写明替代文字（列：file,alt,alt_en），照片：{'、'.join(photos)}",
                f"is missing: create it with one row per photo and its alt text (columns: file,alt,alt_en); photos: {', '.join(photos)}",
                kind="alt-text",
            ))  # fmt: skip
        return gallery, problems
    try:
        rows = read_rows(folder / CAPTIONS, captions).rows
    except ProblemsFound as unreadable:
        return gallery, problems + unreadable.problems
    if not rows:
        return gallery, problems
    header = [cell.strip() for cell in rows[0]]
    if "file" not in header or "alt" not in header:
        problems.append(Problem(
            captions,
            "第一行必须是列名，至少要有 file 和 alt 两列（英文替代文字写在 alt_en 列）",
            "must start with a header row naming at least the columns file and alt (English alt text in alt_en)",
            row=1,
            kind="missing-column",
        ))  # fmt: skip
        return gallery, problems
    listed = {row[header.index("file")].strip() for row in rows[1:] if len(row) > header.index("file")}
    for number, cells in enumerate(rows[1:], 2):
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        name = row.get("file", "")
        if not name:
            continue
        if not (folder / name).is_file():
            # A misspelt name: the photo it meant is the unlisted one most like it, which is then
            # not reported again as a photo without a row.
            [meant] = difflib.get_close_matches(name, [p for p in photos if p not in listed], n=1) or [""]
            listed.add(meant)
            problems.append(Problem(
                captions,
                f"{label}/ 里没有这张照片，请检查文件名" + (f"：是不是 {meant}？" if meant else ""),
                f"names a photo that is not in {label}/; check the file name" + (f": did you mean {meant}?" if meant else ""),
                row=number, field="file", value=name, kind="file",
            ))  # fmt: skip
            continue
        if not row.get("alt"):
            problems.append(Problem(
                captions,
                "这张照片没有替代文字：请用一句话写出照片上有什么，供看不见图片的读者使用",
                "this photo has no alt text: say in one sentence what the photo shows, for readers who cannot see it",
                row=number, field="alt", value=name, kind="alt-text",
            ))  # fmt: skip
            continue
        columns = {lang: "alt" if lang == languages[0] else f"alt_{lang}" for lang in languages}
        alt = {lang: row[column] for lang, column in columns.items() if row.get(column)}
        vague = [(columns[lang], text) for lang, text in alt.items() if alt_says_nothing(text, name)]
        for column, text in vague:
            problems.append(Problem(
                captions,
                f"替代文字“{text}”没有说出照片上有什么：请写出照片上是谁、在做什么或是什么地方，如“校友在大礼堂前合影”",
                f"the alt text '{text}' does not say what the photo shows: write who or what is in the picture, such as 'Alumni in front of the Great Hall'",
                row=number, field=column, value=name, kind="alt-text",
            ))  # fmt: skip
        if not vague:
            gallery.photos.append(GalleryPhoto(folder / name, alt, number))
    for name in photos:
        if name not in listed:
            problems.append(Problem(
                f"{label}/{name}",
                f"没有替代文字：请在 {CAPTIONS} 中为这张照片加一行（file,alt,alt_en）",
                f"has no alt text: add a row for it to {CAPTIONS} (file,alt,alt_en)",
                kind="alt-text",
            ))  # fmt: skip
    return gallery, problems
