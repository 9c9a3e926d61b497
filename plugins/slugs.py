"""Pinyin slugs for content, categories and tags (core/slugs.py), unless the editor wrote Slug:."""

from __future__ import annotations

from pelican import signals

from core.slugs import MAX_LENGTH, pinyin_slug


def give_slug(metadata: dict, settings: dict) -> None:
    """The title's pinyin slug, unless the editor wrote one (or there is no title)."""
    if "slug" not in metadata and metadata.get("title"):
        metadata["slug"] = pinyin_slug(metadata["title"], settings.get("SLUG_MAX_LENGTH", MAX_LENGTH))


def _set_slugs(generator, metadata: dict) -> None:
    """Give content, its category and its tags pinyin slugs unless the editor wrote one.

    This runs before Pelican builds its content objects and before tags are used as
    dictionary keys, so every Tag is hashed with its final slug.
    """
    limit = generator.settings.get("SLUG_MAX_LENGTH", MAX_LENGTH)
    give_slug(metadata, generator.settings)
    for taxonomy in [metadata.get("category"), *metadata.get("tags", [])]:
        if taxonomy is not None and taxonomy._slug is None:
            taxonomy.slug = pinyin_slug(taxonomy.name, limit)


def register() -> None:
    signals.article_generator_context.connect(_set_slugs)
    signals.page_generator_context.connect(_set_slugs)
