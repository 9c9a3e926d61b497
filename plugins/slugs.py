"""Readable URL slugs for Chinese titles: tone-less pinyin that knows polyphones."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pelican import signals

MAX_LENGTH = 60
_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)  # every article repeats its tags and category
def pinyin_slug(text: str, max_length: int = MAX_LENGTH) -> str:
    """Turn a title into a slug: 重庆校友会2026年年会 -> chong-qing-xiao-you-hui-2026-nian-nian-hui.

    pypinyin reads words, not single characters, so 重庆 is chong-qing and 银行 is yin-hang.
    Latin letters and digits are kept; everything else separates words.
    """
    # Imported here: its dictionaries take 0.2 s to load, better spent while Markdown is read.
    from pypinyin.seg.simpleseg import seg

    words: list[str] = []
    for segment in seg(unicodedata.normalize("NFKC", text)):
        for token in _segment_pinyin(segment):
            # Non-Chinese runs come back whole ("Alumni Forum "), so split them into words.
            words.extend(w for w in _NON_WORD.split(token.lower()) if w)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and words:  # a single word longer than the limit
        slug = words[0][:max_length]
    return slug


@lru_cache(maxsize=65536)
def _segment_pinyin(segment: str) -> list[str]:
    """Pinyin of one segment (a word such as 重庆, or a non-Chinese run).

    pypinyin cuts a title into the same segments itself; converting them one by one lets
    the words that titles share (校友会, 举办…) be converted once per build, not per title.
    """
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(segment, style=Style.NORMAL)


def _set_slugs(generator, metadata: dict) -> None:
    """Give content, its category and its tags pinyin slugs unless the editor wrote one.

    This runs before Pelican builds its content objects and before tags are used as
    dictionary keys, so every Tag is hashed with its final slug.
    """
    limit = generator.settings.get("SLUG_MAX_LENGTH", MAX_LENGTH)
    if "slug" not in metadata and metadata.get("title"):
        metadata["slug"] = pinyin_slug(metadata["title"], limit)
    for taxonomy in [metadata.get("category"), *metadata.get("tags", [])]:
        if taxonomy is not None and taxonomy._slug is None:
            taxonomy.slug = pinyin_slug(taxonomy.name, limit)


def register() -> None:
    signals.article_generator_context.connect(_set_slugs)
    signals.page_generator_context.connect(_set_slugs)
