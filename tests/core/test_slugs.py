import json
import subprocess
import sys

import pytest

from core.slugs import PHRASES, pinyin_slug
from tests.support import ROOT, build_repo


def test_polyphones_read_as_words():
    assert pinyin_slug("重庆校友会") == "chong-qing-xiao-you-hui"
    assert pinyin_slug("银行行长") == "yin-hang-hang-zhang"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("音乐会计划", "yin-yue-hui-ji-hua"),  # pypinyin alone: yin-yue-kuai-ji-hua (会计)
        ("校友新春联谊会计划", "xiao-you-xin-chun-lian-yi-hui-ji-hua"),
        ("单县校友会", "shan-xian-xiao-you-hui"),  # the place is Shan, the surname and 单位 Dan
        ("长治校友会", "chang-zhi-xiao-you-hui"),
        ("数千名校友重回学府路", "shu-qian-ming-xiao-you-chong-hui-xue-fu-lu"),
        ("简单县城", "jian-dan-xian-cheng"),  # the word list does not break words that contain it
        ("会计学院", "kuai-ji-xue-yuan"),
    ],
)
def test_the_word_list_reads_polyphone_phrases_as_words(title, slug):
    assert pinyin_slug(title) == slug


def test_a_long_title_is_never_cut_inside_a_word():
    slug = pinyin_slug("2026年校友返校日举行 数千名校友重回学府路")
    assert slug == "2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming"  # not …-ming-xiao (校友)
    assert pinyin_slug("北美校友会举办旧金山湾区春季聚会").endswith("-chun-ji")  # not -chun-ji-ju (聚会)


def test_years_and_latin_words_stay_separate_words():
    assert pinyin_slug("2024年返校日") == "2024-nian-fan-xiao-ri"
    assert pinyin_slug("示例大学Alumni Forum第三届") == "shi-li-da-xue-alumni-forum-di-san-jie"


def test_punctuation_and_full_width_characters_separate_words():
    assert pinyin_slug("校友“风采”：林晓——乡村医生") == "xiao-you-feng-cai-lin-xiao-xiang-cun-yi-sheng"
    assert pinyin_slug("２０２６年") == "2026-nian"


def test_long_titles_are_cut_at_a_word_boundary():
    slug = pinyin_slug("计算机学院校友会启动导师计划百余名在校生与校友结对成长并分享经验交流心得体会")
    assert len(slug) <= 60
    assert slug == "ji-suan-ji-xue-yuan-xiao-you-hui-qi-dong-dao-shi-ji-hua-bai"


def test_built_pages_use_pinyin_and_an_editor_slug_wins(make_repo):
    repo = make_repo(
        {
            "news/a.md": "Title: 重庆校友会年会\nDate: 2026-01-02\nTags: 重庆\n\n正文",
            "news/b.md": "Title: 另一篇\nSlug: my-own-address\nDate: 2026-01-03\n\n正文",
        }
    )
    build_repo(repo)
    assert (repo / "output/news/chong-qing-xiao-you-hui-nian-hui.html").exists()
    assert (repo / "output/news/my-own-address.html").exists()
    assert (repo / "output/tags/chong-qing/index.html").exists()


def test_the_word_list_is_taught_as_pypinyin_itself_would_teach_it():
    """_segmenter teaches pypinyin's cutter only our words, for speed; load_phrases_dict,
    pypinyin's own way, must give every demo title and every listed word the same slug."""
    titles = [line[7:] for path in sorted((ROOT / "content").rglob("*.md"))
              for line in path.read_text(encoding="utf-8").splitlines()[:3] if line.startswith("Title: ")]  # fmt: skip
    titles += [f"{word}计划会计{word}" for word in PHRASES]
    own_way = (
        "import sys, json\n"
        "from pypinyin import load_phrases_dict\n"
        "import core.slugs as s\n"
        "load_phrases_dict({w: [[x] for x in r.split()] for w, r in s.PHRASES.items()})\n"
        "from pypinyin.seg.simpleseg import seg\n"
        "s._segmenter = lambda: seg\n"
        "print(json.dumps([s.pinyin_slug(t) for t in json.loads(sys.stdin.read())]))\n"
    )
    answer = subprocess.run([sys.executable, "-c", own_way], input=json.dumps(titles), cwd=ROOT,
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(answer.stdout) == [pinyin_slug(t) for t in titles]
