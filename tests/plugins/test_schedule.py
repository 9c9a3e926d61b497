"""Scheduled publishing: items dated after the build's day, and drafts, are not published at all."""

import hashlib
import time

from tests.support import build_repo

SOON = "Title: 明年的校友返校日\nDate: 2026-11-24 18:00\nSlug: homecoming-soon\nTags: 返校日\n\n还没到日子"
TODAY = "Title: 今天的新闻\nDate: 2026-11-23 23:00\nSlug: today\n\n今天晚些时候"
DRAFT = "Title: 一篇草稿\nDate: 2026-01-02\nSlug: draft-item\nStatus: draft\n\n还没写完"
DRAFT_PAGE = "Title: 草稿页面\nSlug: draft-page\nStatus: draft\n\n还没写完"


def texts(output) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in output.rglob("*") if p.suffix in (".html", ".xml")
    )


def test_an_item_dated_after_the_build_day_is_nowhere_on_the_site(make_repo):
    output = build_repo(make_repo({"news/soon.md": SOON, "news/today.md": TODAY})).output
    assert not (output / "news/homecoming-soon.html").exists()
    assert "明年的校友返校日" not in texts(output)  # not in lists, tags, feeds or the sitemap
    assert not (output / "drafts").exists()
    # dated today, even at 23:00: published by the first build of its day
    assert (output / "news/today.html").exists()


def test_it_appears_on_its_date(make_repo):
    output = build_repo(make_repo({"news/soon.md": SOON}), BUILD_DATE="2026-11-24").output
    assert (output / "news/homecoming-soon.html").exists()
    assert "homecoming-soon.html" in (output / "feeds/all.atom.xml").read_text(encoding="utf-8")


def test_a_draft_article_or_page_is_not_written_anywhere(make_repo):
    output = build_repo(make_repo({"news/draft.md": DRAFT, "pages/draft.md": DRAFT_PAGE})).output
    text = texts(output)
    assert "一篇草稿" not in text and "草稿页面" not in text
    assert not (output / "drafts").exists() and not (output / "draft-page").exists()


def test_an_unchanged_site_builds_to_the_same_bytes(make_repo):
    # With the stamp secret (as when publishing), and chapters without news (empty feeds): both
    # once carried the time of the build.
    repo = make_repo({"news/today.md": TODAY})

    def digests():
        output = build_repo(repo, FORMS_STAMP_SECRET="s" * 40).output
        return {
            p.relative_to(output): hashlib.md5(p.read_bytes()).hexdigest()
            for p in output.rglob("*")
            if p.is_file()
        }

    first = digests()
    time.sleep(1.1)
    second = digests()
    assert sorted(str(path) for path in first if first[path] != second.get(path)) == []
    assert first.keys() == second.keys()
