"""Photos written in content: pictures in the Markdown text and `Image:` covers. Where their
files are, what an editor must fix, and the text with the theme's markup in their place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.problems import Problem, source_label
from core.values import alt_says_nothing
from plugins.pictures import markup
from plugins.pictures.photos import READABLE
from plugins.pictures.published import Photo, Picture


@dataclass
class Found:
    """The photos one content item shows, and the problems with them."""

    tags: list[tuple[markup.Tag, Path]] = field(default_factory=list)
    cover: tuple[Path, str] | None = None
    problems: list[Problem] = field(default_factory=list)

    def files(self) -> list[Path]:
        return [path for _, path in self.tags] + ([self.cover[0]] if self.cover else [])


def find(item, content: Path) -> Found:
    """The pictures of an item (a Pelican article, page or data page) and their problems."""
    found = Found()
    html = item._content or ""
    tags = markup.img_tags(html) if "<img" in html else []
    image = str(item.metadata.get("image") or "").strip()
    if not tags and not image:
        return found
    source = Path(item.source_path)
    label = source_label(content, item.source_path)
    # Each problem with the picture's place among the tags, or the key of the cover's line.
    wrong: list[tuple[int | str, Problem]] = []
    for number, tag in enumerate(tags):
        path, problem = _file(tag.src, source, content, label, None)
        alt = tag.attrs.get("alt", "").strip()
        if problem is None and not alt:
            problem = Problem(
                label,
                "图片没有替代文字：请在 ![ ] 的方括号里用一句话写出照片上有什么，如 ![校友在大礼堂前合影](hall.jpg)",
                "the picture has no alt text: say what the photo shows between the brackets, as in ![Alumni in front of the Great Hall](hall.jpg)",
                field="alt", value=tag.src, kind="alt-text",
            )  # fmt: skip
        elif problem is None and alt_says_nothing(alt, tag.src):
            problem = Problem(
                label,
                f"图片的替代文字“{alt}”没有说出照片上有什么：请在 ![ ] 的方括号里写出照片上是谁、在做什么或是什么地方，如 ![校友在大礼堂前合影](hall.jpg)",
                f"the picture's alt text '{alt}' does not say what it shows: between the brackets write who or what is in the picture, as in ![Alumni in front of the Great Hall](hall.jpg)",
                field="alt", value=tag.src, kind="alt-text",
            )  # fmt: skip
        if problem:
            wrong.append((number, problem))
        else:
            found.tags.append((tag, path))
    if image:
        path, problem = _file(image, source, content, label, "Image")
        alt = str(item.metadata.get("image-alt") or "").strip()
        line = "Image"  # the line a problem is said on
        if problem is None and not alt:
            problem = Problem(
                label,
                "封面照片没有替代文字：请加一行 Image-Alt: 用一句话写出照片上有什么",
                "the cover photo has no alt text: add a line Image-Alt: saying what the photo shows",
                field="Image-Alt", value=image, kind="alt-text",
            )  # fmt: skip
        elif problem is None and alt_says_nothing(alt, image):
            problem = Problem(
                label,
                f"封面照片的替代文字“{alt}”没有说出照片上有什么：请在 Image-Alt: 后面写出照片上是谁、在做什么或是什么地方，如 Image-Alt: 校友在大礼堂前合影",
                f"the cover photo's alt text '{alt}' does not say what it shows: after Image-Alt: write who or what is in the picture, as in Image-Alt: Alumni in front of the Great Hall",
                field="Image-Alt", value=image, kind="alt-text",
            )  # fmt: skip
            line = "Image-Alt"  # where the words to change are
        if problem:
            wrong.append((line, problem))
        else:
            found.cover = (path, alt)
    if wrong:  # the source is read only to say on which line each problem is
        text = source.read_text(encoding="utf-8") if source.is_file() else ""
        lines = markup.source_lines(text, [t.src for t in tags])
        found.problems = [
            replace(p, line=markup.metadata_line(text, n) if isinstance(n, str) else lines[n])
            for n, p in wrong
        ]
    return found


def _file(src: str, source: Path, content: Path, label: str, key: str | None):
    """The photo file an address names, or the problem with it."""
    if markup.is_external(src):
        return None, Problem(
            label,
            "图片来自其他网站；网站不从别处加载任何内容：请把照片保存在文章旁边的文件夹里，写它的路径",
            "shows a picture from another site, and the site loads nothing from elsewhere: save the photo in a folder beside the text and write its path",
            field=key, value=src, kind="image-file",
        )  # fmt: skip
    path = markup.resolve(src, source, content)
    if path.suffix.lower() not in READABLE:
        return None, Problem(
            label,
            "网站不能使用这种图片格式，请另存为 JPEG、PNG 或 WebP",
            "is a picture format the site cannot use; save it as JPEG, PNG or WebP",
            field=key, value=src, kind="image-file",
        )  # fmt: skip
    if not path.is_file():
        return None, Problem(
            label,
            "找不到这张图片，请检查文件名和文件夹（路径从这个文件所在的文件夹算起，以 / 开头则从 content/ 算起）",
            "names a picture that does not exist; check its name and folder (paths start from this file's folder, or from content/ when they begin with /)",
            field=key, value=src, kind="image-file",
        )  # fmt: skip
    return path, None


def apply(item, found: Found, photos: dict[Path, Photo], render: Callable[..., str]) -> None:
    """Replace the item's pictures by the theme's markup and give it its cover."""
    if found.tags:
        by_tag = {id(tag): path for tag, path in found.tags}

        def draw(tag: markup.Tag) -> str | None:
            photo = photos.get(by_tag.get(id(tag)))
            if photo is None:
                return None  # its problem is reported; this build will not be published
            picture = Picture(photo, tag.attrs["alt"].strip(), item.lang)
            return str(render(picture, tag.attrs.get("title", ""), tag.alone))

        item._content = markup.replace(item._content, [t for t, _ in found.tags], draw)
    if found.cover and found.cover[0] in photos:
        item.cover = Picture(photos[found.cover[0]], found.cover[1], item.lang)
