"""Readable URL slugs for Chinese titles: tone-less pinyin that knows polyphones."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

MAX_LENGTH = 60
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Words pypinyin reads wrongly, with their reading. pypinyin cuts a title into the longest
# words of its dictionary, left to right; a word missing there lets its neighbours pair up
# instead: 音乐会计划 became 音乐 + 会计 (kuai-ji) + 划. Place names read their own way (单县 is
# Shan, not Dan). Add a word here when a title comes out wrong; a single article can also
# carry its own `Slug:`.
PHRASES = {
    # Meetings, so that 会 stays hui before 计划, 计算… (会计 is kuai-ji).
    "音乐会": "yīn yuè huì", "晚会": "wǎn huì", "联谊会": "lián yì huì", "理事会": "lǐ shì huì",
    "座谈会": "zuò tán huì", "研讨会": "yán tǎo huì", "基金会": "jī jīn huì", "报告会": "bào gào huì",
    "交流会": "jiāo liú huì", "见面会": "jiàn miàn huì", "招聘会": "zhāo pìn huì", "分享会": "fēn xiǎng huì",
    "宣讲会": "xuān jiǎng huì", "答谢会": "dá xiè huì", "发布会": "fā bù huì", "推介会": "tuī jiè huì",
    "恳谈会": "kěn tán huì", "颁奖会": "bān jiǎng huì", "欢迎会": "huān yíng huì", "欢送会": "huān sòng huì",
    "纪念会": "jì niàn huì", "展会": "zhǎn huì", "峰会": "fēng huì", "班会": "bān huì",
    "故事会": "gù shì huì", "演唱会": "yǎn chàng huì", "朗诵会": "lǎng sòng huì", "读书会": "dú shū huì",
    "联合会": "lián hé huì", "促进会": "cù jìn huì", "研究会": "yán jiū huì",
    # 重 as "again" (chong), not "heavy" (zhong).
    "重回": "chóng huí", "重游": "chóng yóu", "重走": "chóng zǒu", "重访": "chóng fǎng",
    # Places.
    "单县": "shàn xiàn", "长治": "cháng zhì", "洪洞": "hóng tóng", "繁峙": "fán shì", "长垣": "cháng yuán",
}  # fmt: skip


@lru_cache(maxsize=4096)  # every article repeats its tags and category
def pinyin_slug(text: str, max_length: int = MAX_LENGTH) -> str:
    """Turn a title into a slug: 重庆校友会2026年年会 -> chong-qing-xiao-you-hui-2026-nian-nian-hui.

    pypinyin reads words, not single characters, so 重庆 is chong-qing and 银行 is yin-hang.
    Latin letters and digits are kept; everything else separates words. A long title is cut
    between words, never inside one: 校友 is xiao-you or nothing, not xiao.
    """
    words: list[str] = []  # each a word's syllables joined: "xiao-you-hui", "2026", "alumni"
    for segment in _segmenter()(unicodedata.normalize("NFKC", text)):
        syllables = [w for token in _segment_pinyin(segment) for w in _NON_WORD.split(token.lower()) if w]
        if _is_chinese(segment):
            words.append("-".join(syllables))
        else:  # a non-Chinese run comes back whole ("Alumni Forum "): each word stands alone
            words.extend(syllables)
    slug = ""
    for word in filter(None, words):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and words:  # a first word longer than the limit: cut it between syllables
        for syllable in words[0].split("-"):
            candidate = f"{slug}-{syllable}" if slug else syllable
            if len(candidate) > max_length:
                break
            slug = candidate
        slug = slug or words[0][:max_length]
    return slug


@cache
def _segmenter():
    """pypinyin's word cutter, with PHRASES in its dictionary. Imported here, not at the top:
    its dictionaries take 0.2 s to load, better spent while Markdown is read."""
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.seg import mmseg
    from pypinyin.seg.simpleseg import seg

    # What pypinyin.load_phrases_dict does, but teaching the cutter only our words: it retrains
    # on the whole dictionary (0.1 s a build). A test holds the two to the same slugs.
    PHRASES_DICT.update({word: [[s] for s in reading.split()] for word, reading in PHRASES.items()})
    mmseg.seg.train(PHRASES)
    return seg


def _is_chinese(segment: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in segment)


@lru_cache(maxsize=65536)
def _segment_pinyin(segment: str) -> list[str]:
    """Pinyin of one segment (a word such as 重庆, or a non-Chinese run).

    pypinyin cuts a title into the same segments itself; converting them one by one lets
    the words that titles share (校友会, 举办…) be converted once per build, not per title.
    """
    from pypinyin import Style, lazy_pinyin

    _segmenter()  # the word list is loaded before any word is read
    return lazy_pinyin(segment, style=Style.NORMAL)
