"""Photos' copies and share cards: taken from the cache, or made there on every core, then put
into output/ under their published names."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from core import stopping
from core.entries import MANIFEST, make_entry, read_entry
from core.manifest import active
from plugins.pictures import cards
from plugins.pictures.cache import Store, key_of, publish
from plugins.pictures.photos import EXTENSIONS, Copy, Recipe, UnreadablePhoto, make_copies
from plugins.pictures.published import Photo, PublishedCopy, ShareImage
from plugins.pictures.settings import PictureSettings
from plugins.slugs import slug_of


def run_everywhere(function: Callable, jobs: list) -> list:
    """function(job) for every job, on every core (forked workers) when there is more than one."""
    if len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(job) for job in jobs]
    workers = min(len(jobs), os.cpu_count() or 1)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        results = []
        for result in pool.map(function, jobs):
            results.append(result)
            stopping.check()  # the live preview may stop the build: after this photo, not after all
        return results
    finally:  # stopped: the photos not begun are not made (those made are in the cache)
        pool.shutdown(cancel_futures=True)


def _make_photo(job: tuple[Path, Path, Recipe]) -> dict | str:
    source, folder, recipe = job
    try:
        return make_entry(
            folder, lambda scratch: {"copies": [asdict(c) for c in make_copies(source, scratch, recipe)]}
        )
    except UnreadablePhoto as error:
        return str(error) or type(error).__name__


def publish_photos(
    paths: Iterable[Path], settings: PictureSettings, store: Store, output: Path, label: Callable[[Path], str]
) -> tuple[dict[Path, Photo], dict[Path, str], int]:
    """Every photo published in output/, made first where the cache has no copies of it.

    Returns the published photos by source file, the files that could not be read (with why),
    and how many photos had to be made.
    """
    recipe = settings.recipe
    folders = {}
    for path in dict.fromkeys(paths):
        folders[path] = store.folder("photos", key_of(store.digest(path), recipe.key()))
    entries = {path: read_entry(folder) for path, folder in folders.items()}
    missing = [path for path, entry in entries.items() if entry is None]
    for path, made in zip(
        missing, run_everywhere(_make_photo, [(p, folders[p], recipe) for p in missing]), strict=True
    ):
        entries[path] = made
    store.save()
    photos, unreadable, made_folders = {}, {}, set()
    for path, entry in entries.items():
        if isinstance(entry, str):
            unreadable[path] = entry
            continue
        name = slug_of(path.stem) or "photo"
        published = []
        for copy in (Copy(**c) for c in entry["copies"]):
            save_as = settings.save_as.format(
                name=name, key=folders[path].name[:10], width=copy.width, ext=EXTENSIONS[copy.format]
            )
            publish(folders[path] / copy.name, output / save_as, made_folders)
            published.append(PublishedCopy(save_as, copy.width, copy.height, copy.format))
        photos[path] = Photo(tuple(published), label(path))
    return photos, unreadable, len(missing)


@dataclass(frozen=True)
class CardText:
    """What a share card says: a page's title (or the site's name and description)."""

    title: str
    site_name: str
    subtitle: str = ""
    address: str = ""


def _draw_card(job: tuple[CardText, cards.Look, Path]) -> dict:
    text, look, folder = job

    def draw(scratch: Path) -> dict:  # every card is cards.CARD_SIZE: the entry says only it is made
        card = cards.draw_card(text.title, text.site_name, look, text.subtitle, text.address)
        (scratch / "card.png").write_bytes(cards.card_png(card))
        return {}

    return make_entry(folder, draw)


def publish_cards(
    texts: Iterable[CardText], settings: PictureSettings, store: Store, output: Path
) -> tuple[dict[CardText, ShareImage], int]:
    """A share card per text, drawn where the cache has none, published in output/; and how
    many had to be drawn."""
    look, manifest = settings.look, active()
    look_key = look.key()
    # Strings, not paths: a site of 5,000 pages has 5,000 cards, and after an edit to one
    # article every card but one or none is already published as it is.
    where: dict[CardText, tuple[str, str]] = {}  # text -> its cache folder, its published name
    for text in dict.fromkeys(texts):
        key = key_of(look_key, text.title, text.site_name, text.subtitle, text.address)
        where[text] = (store.place("cards", key), settings.card_save_as.format(key=key[:16]))
    # A card published as this very cached file is kept without reading its entry.
    kept = {
        text
        for text, (folder, name) in where.items()
        if manifest is not None and manifest.published(name, f"{folder}/card.png")
    }
    # An entry is renamed into place whole (core/entries.py): its list of files is there only
    # once it is finished, and a look for that file costs a fifth of reading it.
    missing = [
        text
        for text, (folder, _) in where.items()
        if text not in kept and not os.path.exists(f"{folder}/{MANIFEST}")
    ]
    run_everywhere(_draw_card, [(text, look, Path(where[text][0])) for text in missing])
    folders: set[Path] = set()
    for text in where.keys() - kept:
        folder, name = where[text]
        publish(Path(folder, "card.png"), output / name, folders)
    found = {
        text: ShareImage(name, *cards.CARD_SIZE, text.title, "image/png") for text, (_, name) in where.items()
    }
    return found, len(missing)


def publish_icons(settings: PictureSettings, store: Store, target: Path) -> None:
    """favicon.ico and apple-touch-icon.png into `target` (beside favicon.svg)."""
    look = settings.look
    folder = store.folder("icons", key_of(look.key(), "icons"))
    if read_entry(folder) is None:

        def draw(scratch: Path) -> dict:
            (scratch / "favicon.ico").write_bytes(cards.favicon_ico(look))
            (scratch / "apple-touch-icon.png").write_bytes(cards.touch_icon(look))
            return {}

        make_entry(folder, draw)
    for name in ("favicon.ico", "apple-touch-icon.png"):
        publish(folder / name, target / name)
