"""Readable URL slugs for Chinese titles: tone-less pinyin that knows polyphones."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
