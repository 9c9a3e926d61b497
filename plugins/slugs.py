"""Pinyin slugs for content, categories and tags (core/slugs.py), unless the editor wrote Slug:.

The slugs a build worked out are kept beside Pelican's reader cache (emptied with it when the
code or settings change), so that a build after an edit does not load pypinyin's dictionary
(0.3 s) for a title or tags it has slugged before.
"""

from __future__ import annotations

import contextlib
import json

from pelican import signals

from core import files
from core.manifest import active
from core.slugs import MAX_LENGTH, pinyin_slug

MEMO = "slugs.json"
_memo: dict[str, str] = {}
_new = False


def slug_of(text: str, limit: int = MAX_LENGTH) -> str:
    """pinyin_slug(text, limit), from what earlier builds worked out when they did."""
    global _new
    key = f"{limit} {text}"
    if key not in _memo:
        _memo[key], _new = pinyin_slug(text, limit), True
    return _memo[key]


def give_slug(metadata: dict, settings: dict) -> None:
    """The title's pinyin slug, unless the editor wrote one (or there is no title)."""
    if "slug" not in metadata and metadata.get("title"):
        metadata["slug"] = slug_of(metadata["title"], settings.get("SLUG_MAX_LENGTH", MAX_LENGTH))


def _set_slugs(generator, metadata: dict) -> None:
    """Give content, its category and its tags pinyin slugs unless the editor wrote one.

    This runs before Pelican builds its content objects and before tags are used as
    dictionary keys, so every Tag is hashed with its final slug.
    """
    limit = generator.settings.get("SLUG_MAX_LENGTH", MAX_LENGTH)
    give_slug(metadata, generator.settings)
    for taxonomy in [metadata.get("category"), *metadata.get("tags", [])]:
        if taxonomy is not None and taxonomy._slug is None:
            taxonomy.slug = slug_of(taxonomy.name, limit)


def _recall(pelican) -> None:
    manifest = active()
    if manifest is not None:
        with contextlib.suppress(OSError, ValueError):  # none yet, or unreadable: slug again
            _memo.update(json.loads((manifest.readers / MEMO).read_text(encoding="utf-8")))


def _keep(pelican) -> None:
    global _new
    manifest = active()
    if manifest is not None and _new:
        files.write_whole(manifest.readers / MEMO, json.dumps(_memo, ensure_ascii=False).encode())
        _new = False


def register() -> None:
    signals.initialized.connect(_recall)
    signals.article_generator_context.connect(_set_slugs)
    signals.page_generator_context.connect(_set_slugs)
    signals.finalized.connect(_keep)
