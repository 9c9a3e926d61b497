"""Pictures: photos in content, covers, event galleries, share images and icons.

- A picture written in Markdown (`![what the photo shows](hall.jpg)`, the path taken from the
  text's folder, or from content/ when it starts with /) becomes the theme's <picture>
  (theme/templates/_pictures.html): WebP with a JPEG fallback at every width of PHOTO_WIDTHS,
  srcset and sizes, width and height, lazy loading.
- `Image:` and `Image-Alt:` give an article, page, chapter or project its cover, shown on its
  page and in lists; a translation without its own shows the original's.
- content/<GALLERY_PATH>/<event id>/ with photos.csv is that event's gallery; its first photo
  is the event's cover.
- content/<CLASS_NOTE_PHOTOS_PATH>/<note id>/ with photos.csv holds the photos sent with a class
  note (invoke review puts them there when it approves the note), shown with it on the class
  notes page.
- Every page has a share image (og:image): its cover, else a card drawn with its title, else
  (lists, forms) the edition's card. favicon.ico and apple-touch-icon.png are drawn beside
  favicon.svg.

A photo without alt text (or with alt text that says nothing of it: 照片, IMG_2034.jpg), a missing
file or a picture from another site stops the build; an original larger than PHOTO_MAX_MB is
reported. Originals never reach output/: plugins.attachments
keeps Pelican's static generator from copying them, and copies are made without metadata. Copies and cards
come from the cache (cache.py), made on every core only when what they show has changed.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from pelican import signals

from core.problems import Problem, ProblemsFound, report, source_label
from plugins.datapages import DataPagesGenerator
from plugins.i18n import page_lang
from plugins.pictures import content as in_content
from plugins.pictures.cache import Store
from plugins.pictures.copies import CardText, publish_cards, publish_icons, publish_photos
from plugins.pictures.galleries import Gallery, find_galleries, read_gallery
from plugins.pictures.published import Photo, Picture, ShareImage
from plugins.pictures.settings import PictureSettings, read_settings

logger = logging.getLogger(__name__)

# Where Pelican's generators keep their content objects (the data pages add their own).
_CONTENT = (
    "articles",
    "translations",
    "drafts",
    "drafts_translations",
    "hidden_articles",
    "hidden_translations",
    "pages",
    "hidden_pages",
    "draft_pages",
    "draft_translations",
    "chapters",
    "projects",
)

_settings: PictureSettings | None = None


def _read_settings(pelican) -> None:
    global _settings
    try:
        _settings = read_settings(pelican.settings)
    except ProblemsFound as found:
        _settings = None
        for problem in found.problems:
            report(logger, problem)


def content_items(generators) -> list:
    """Every content object of the build once: articles, pages, translations, data pages, reports."""
    found: dict[int, object] = {}
    for generator in generators:
        for name in _CONTENT:
            for item in getattr(generator, name, []):
                found[id(item)] = item
                for report_page in getattr(item, "reports", []):
                    found[id(report_page)] = report_page
    return list(found.values())


def _prepare(generators) -> None:
    """Find every photo the site shows, publish its copies, and give every page its pictures."""
    if _settings is None:
        return  # the settings' problems are reported
    started = time.perf_counter()
    first = generators[0]
    settings, context, output = first.settings, first.context, Path(first.output_path)
    content = Path(settings["PATH"])
    items = content_items(generators)
    for item in items:
        item.cover = item.share = None
    found = {id(item): in_content.find(item, content) for item in items}
    data = next((g for g in generators if isinstance(g, DataPagesGenerator)), None)
    galleries = _galleries(settings, data)
    notes = _note_photos(settings, data)
    problems = [p for f in found.values() for p in f.problems] + galleries.pop(None, []) + notes.pop(None, [])
    files = [path for f in found.values() for path in f.files()]
    files += [photo.file for gallery in [*galleries.values(), *notes.values()] for photo in gallery.photos]
    label = partial(_label, content)
    _report_oversized(dict.fromkeys(files), label)
    store = Store(_settings.cache)
    photos, unreadable, made = publish_photos(files, _settings, store, output, label)
    problems += [_unreadable(label(path), reason) for path, reason in unreadable.items()]
    for problem in problems:
        report(logger, problem)

    macros = first.get_template("_pictures").make_module(vars={**context, "lang": settings["DEFAULT_LANG"]})
    for item in items:
        in_content.apply(item, found[id(item)], photos, macros.content_picture)
    _inherit_covers(items, settings["DEFAULT_LANG"])
    events = _event_pictures(data, galleries, photos, settings) if data else []
    if data:
        _give_notes_photos(data, notes, photos, settings["LANGUAGES"])
    drawn = _share_images(items, events, context, settings, store, output)
    publish_icons(_settings, store, output / settings["THEME_STATIC_DIR"])
    logger.info(
        "pictures: %d photos (%d made), %d cards drawn, in %.2f s",
        len(photos),
        made,
        drawn,
        time.perf_counter() - started,
    )


def _label(content: Path, path: Path) -> str:
    return source_label(content, str(path))


def _galleries(settings: dict, data) -> dict:
    """Each event's gallery by event id; problems under the key None."""
    known = {row["id"] for row in data.events} if data and data.data_ok else None
    return _folders(settings, _settings.gallery_path, known, (
        "不是 data/events.csv 中的活动编号：请把文件夹改名为它所属活动的编号",
        "is not an event id of data/events.csv: name the folder after the id of its event",
    ))  # fmt: skip


def _note_photos(settings: dict, data) -> dict:
    """The photos of each class note by its id (read like a gallery); problems under the key None."""
    notes = data.context["data"].get("class_notes", []) if data and data.data_ok else None
    return _folders(settings, _settings.note_photos_path, None if notes is None else {row["id"] for row in notes}, (
        "不是 data/class_notes.csv 中班级动态的编号：审核时中断的话，请再运行 invoke review 完成审核；否则请删除这个文件夹",
        "is not the id of a class note of data/class_notes.csv: if a review was interrupted, run invoke review again to finish it; otherwise delete the folder",
    ))  # fmt: skip


def _folders(settings: dict, path: str, known: set[str] | None, stray: tuple[str, str]) -> dict:
    """Photo folders under content/<path>, each named for the row it belongs to, read by that
    name; a folder no row is named for is a problem (under the key None), when the data is known."""
    found: dict = {None: []}
    for folder in find_galleries(Path(settings["PATH"]) / path):
        label = source_label(settings["PATH"], str(folder))
        if known is not None and folder.name not in known:
            found[None].append(Problem(label, *stray, kind="gallery"))
            continue
        gallery, problems = read_gallery(folder, label, settings["LANGUAGES"])
        found[None] += problems
        found[folder.name] = gallery
    return found


def _give_notes_photos(
    data, notes: dict[str, Gallery], photos: dict[Path, Photo], languages: list[str]
) -> None:
    """Each class note gets its pictures per edition: alt text in the edition's language if
    photos.csv has it (alt_en), else as the alumnus wrote it, marked with its language."""
    default = languages[0]
    for note in data.context["data"].get("class_notes", []):
        gallery = notes.get(note["id"])
        note["photos"] = {
            lang: [
                Picture(photos[p.file], p.alt.get(lang, p.alt[default]), lang if lang in p.alt else default)
                for p in (gallery.photos if gallery else [])
                if p.file in photos
            ]
            for lang in languages
        }


def _report_oversized(files, label) -> None:
    limit = _settings.max_mb
    for path in files:
        size = path.stat().st_size / 2**20
        if size > limit:
            megabytes = f"{size:.3g}"
            logger.warning(Problem(
                label(path),
                f"照片有 {megabytes} MB，超过 PHOTO_MAX_MB（{limit} MB）；网站最多只用 {max(_settings.recipe.widths)} 像素宽，请缩小后再提交，仓库会小得多",
                f"the photo is {megabytes} MB, more than PHOTO_MAX_MB ({limit} MB); the site uses at most {max(_settings.recipe.widths)} pixels across, so shrink it before committing and the repository stays small",
                kind="oversized",
            ).sentence())  # fmt: skip


def _unreadable(label: str, reason: str) -> Problem:
    return Problem(
        label,
        f"不是能读取的图片（{reason}）；请用看图软件打开后重新另存为 JPEG",
        f"is not an image that can be read ({reason}); open it in a photo viewer and save it again as JPEG",
        kind="image-file",
    )


def _inherit_covers(items: list, default: str) -> None:
    """A translation without a cover of its own shows its original's (its alt text then says
    in which language it is written)."""
    for item in items:
        if item.cover is None:
            original = next(
                (
                    t
                    for t in getattr(item, "translations", [])
                    if t.lang == default and getattr(t, "cover", None)
                ),
                None,
            )
            item.cover = original.cover if original else None


def _event_pictures(
    data, galleries: dict[str, Gallery], photos: dict[Path, Photo], settings: dict
) -> list[dict]:
    """Each edition's events get their gallery (alt text in the edition's language if written)
    and its first photo as their cover."""
    default, events = settings["DEFAULT_LANG"], []
    for lang, edition in data.editions.items():
        for event in edition["upcoming_events"] + edition["past_events"]:
            gallery = galleries.get(event["id"])
            pictures = [
                Picture(photos[p.file], p.alt.get(lang, p.alt[default]), lang if lang in p.alt else default)
                for p in (gallery.photos if gallery else [])
                if p.file in photos
            ]
            event.update(gallery=pictures, cover=pictures[0] if pictures else None, share=None, lang=lang)
            events.append(event)
    return events


def _share_images(
    items: list, events: list[dict], context: dict, settings: dict, store: Store, output: Path
) -> int:
    """og:image for every page: its cover, else a card with its title; lists and forms get
    their edition's card. Returns how many cards had to be drawn."""
    names, address = settings["SITE_NAMES"], urlsplit(settings["SITEURL"]).netloc

    def card(title, lang: str) -> CardText:
        return CardText(Markup(str(title)).striptags(), names[lang], "", address)

    wanted: dict[int, CardText] = {}
    for item in items:
        if item.cover is not None:
            item.share = ShareImage.of(item.cover)
        elif getattr(item, "title", ""):  # a report without a story is shared with its project's picture
            wanted[id(item)] = card(item.title, item.lang)
    for event in events:
        if event["cover"] is not None:
            event["share"] = ShareImage.of(event["cover"])
        else:
            wanted[id(event)] = card(event["title"], event["lang"])
    site = {
        lang: CardText(names[lang], names[lang], settings["SITE_DESCRIPTIONS"][lang], address)
        for lang in settings["LANGUAGES"]
    }
    drawn, count = publish_cards([*wanted.values(), *site.values()], _settings, store, output)
    for item in items:
        if id(item) in wanted:
            item.share = drawn[wanted[id(item)]]
    for event in events:
        if id(event) in wanted:
            event["share"] = drawn[wanted[id(event)]]
    for item in items:
        project = getattr(item, "project_page", None)
        if item.share is None and project is not None:
            item.share = project.share
    context["share_images"] = {lang: drawn[text] for lang, text in site.items()}
    return count


@pass_context
def share_image(context: Context) -> ShareImage | None:
    """The picture the page being drawn is shared with: its own, else its edition's card."""
    item = context.get("article") or context.get("page") or context.get("event")
    own = item.get("share") if isinstance(item, dict) else getattr(item, "share", None)
    return own or context.get("share_images", {}).get(page_lang(context))


def _template_helpers(generator) -> None:
    generator.env.globals["share_image"] = share_image


def register() -> None:
    signals.initialized.connect(_read_settings)
    signals.generator_init.connect(_template_helpers)
    signals.all_generators_finalized.connect(_prepare)
