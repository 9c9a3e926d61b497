from core.slugs import pinyin_slug
from tests.support import build_repo


def test_polyphones_read_as_words():
    assert pinyin_slug("重庆校友会") == "chong-qing-xiao-you-hui"
    assert pinyin_slug("银行行长") == "yin-hang-hang-zhang"


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
