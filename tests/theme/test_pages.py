"""The demo site as a visitor and a crawler meet it: every page type, its head, its links."""

import gzip
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pelicanconf import PREVIEW_URL
from tests.support import ROOT

PAGE_TYPES = {
    "index.html": "最新动态",
    "news/index.html": "新闻动态",
    "news/2026-nian-xiao-you-fan-xiao-ri-ju-xing-shu-qian-ming.html": "返校",
    "stories/index.html": "校友风采",
    "projects/index.html": "捐赠项目",
    "projects/student-innovation-fund/index.html": "学生创新基金",
    "projects/student-innovation-fund/2025/index.html": "2025年度报告",
    "chapters/index.html": "海外校友会",
    "chapters/north-america/index.html": "北美校友会",
    "events/index.html": "近期活动",
    "about/index.html": "关于我们",
    "contact/index.html": "联系我们",
    "privacy/index.html": "隐私政策",
    "tags/index.html": "标签",
    "tags/fan-xiao-ri/index.html": "标签：返校日",
    "archives/index.html": "归档",
    "404.html": "页面不存在",
}


class Page(HTMLParser):
    """What the tests need from a page: its head tags and every address it refers to."""

    def __init__(self, text: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []  # (tag, address)
        self.canonical = self.lang = None
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "title":
            self._in_title = True
        if tag == "meta" and "content" in attrs:
            self.meta[attrs.get("property") or attrs.get("name", "")] = attrs["content"]
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]
        for name in ("href", "src"):
            if attrs.get(name) and not (tag == "link" and attrs.get("rel") == "canonical"):
                self.links.append((tag, attrs[name]))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def target_file(site: Path, page: Path, address: str) -> Path:
    path = urlsplit(address).path
    target = site / path.lstrip("/") if path.startswith("/") else page.parent / path
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


@pytest.mark.parametrize("path, text", PAGE_TYPES.items())
def test_every_page_type_exists_and_shows_its_content(demo_site, path, text):
    assert text in (demo_site / path).read_text(encoding="utf-8")


def test_home_shows_news_story_projects_events_and_chapters(demo_site):
    home = (demo_site / "index.html").read_text(encoding="utf-8")
    for heading in ("最新动态", "校友风采", "近期活动", "捐赠项目", "校友组织"):
        assert heading in home
    assert "唐志远" in home  # the story marked Featured: yes
    assert "重庆校友会年会" in home  # the next event after the build date


def test_every_page_has_title_description_canonical_and_open_graph(site):
    """In the published site, the canonical address and og:url are the page's own, in full at
    the site's address; locally they are its path."""
    for path in html_pages(site.output):
        page = Page(path.read_text(encoding="utf-8"))
        english = path.relative_to(site.output).parts[0] == "en"
        assert page.lang == ("en" if english else "zh-CN"), path
        assert page.title.strip() and page.meta.get("description", "").strip(), path
        assert page.canonical and page.meta["og:url"] == page.canonical, path
        assert page.canonical.startswith("/" if site.address == PREVIEW_URL else f"{site.address}/"), path
        assert target_file(site.output, path, site.local(page.canonical)) == path, path
        for tag in ("og:title", "og:description", "og:url", "og:type", "og:site_name", "og:locale"):
            assert page.meta.get(tag), (path, tag)


def test_dates_are_written_the_chinese_way(demo_site):
    html = (demo_site / "news/index.html").read_text(encoding="utf-8")
    assert re.search(r"<time datetime=\"2026-10-18\">2026年10月18日</time>", html)


def test_every_internal_link_and_asset_resolves(site):
    broken = []
    for path in html_pages(site.output):
        for _tag, address in Page(path.read_text(encoding="utf-8")).links:
            address = site.local(address)
            parts = urlsplit(address)
            if parts.scheme or address.startswith(("#", "//")):
                continue
            if not target_file(site.output, path, address).exists():
                broken.append((str(path.relative_to(site.output)), address))
    assert broken == []


class Targets(HTMLParser):
    """What the link test above leaves out: srcset candidates, share images, the canonical
    address, and the ids a fragment (#id) may name."""

    def __init__(self, text: str):
        super().__init__()
        self.addresses: list[str] = []
        self.ids: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.ids.update(filter(None, [attrs.get("id")]))
        self.addresses += [c.split()[0] for c in (attrs.get("srcset") or "").split(",") if c.strip()]
        if attrs.get("property") in ("og:image", "og:url") or attrs.get("name") == "twitter:image":
            self.addresses.append(attrs["content"])
        if tag in ("a", "link") and attrs.get("href"):
            self.addresses.append(attrs["href"])


def test_every_address_in_srcsets_styles_feeds_sitemap_and_calendars_resolves_with_its_fragment(site):
    """Files that name pages in full name them at the preview's address in a local build."""
    pages = {path: Targets(path.read_text(encoding="utf-8")) for path in html_pages(site.output)}
    named = [(path, address) for path, page in pages.items() for address in page.addresses]
    for css in site.output.rglob("*.css"):
        named += [(css, a) for a in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8"))]
    for listing in [*site.output.rglob("*.xml"), *site.output.rglob("*.ics"), site.output / "robots.txt"]:
        text = listing.read_text(encoding="utf-8").replace("\r\n ", "")
        named += [(listing, a) for a in re.findall(rf"{re.escape(site.address)}/[^\s<>\"&]*", text)]
    broken = []
    for path, address in named:
        parts = urlsplit(site.local(address))
        if parts.scheme or parts.netloc or address == "#":
            continue
        target = target_file(site.output, path, parts.path) if parts.path else path
        if not target.exists() or (
            parts.fragment and parts.fragment not in pages.get(target, Targets("")).ids
        ):
            broken.append((path.relative_to(site.output).as_posix(), address))
    assert broken == []
    assert len(named) > 10_000  # srcsets, feeds and calendars were all read


def test_no_page_loads_anything_from_another_host(site):
    for path in html_pages(site.output):
        for tag, address in Page(path.read_text(encoding="utf-8")).links:
            if tag in ("script", "link", "img", "iframe", "source") and urlsplit(site.local(address)).netloc:
                assert tag == "link" and "alternate" in address, (path, tag, address)
    for css in site.output.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css
        assert "@import" not in css.read_text(encoding="utf-8"), css
    scripts = sorted(p.relative_to(site.output).as_posix() for p in site.output.rglob("*.js"))
    ours = [s for s in scripts if not s.startswith("pagefind/")]  # the rest is Pagefind's
    assert ours == ["theme/js/forms.js", "theme/js/search.js"], "forms work without them; search needs them"
    assert "pagefind/pagefind.js" in scripts


def test_feeds_for_all_news_and_each_chapter_are_atom(demo_site):
    atom = "{http://www.w3.org/2005/Atom}"
    for feed in ("feeds/all.atom.xml", "feeds/news.atom.xml", "feeds/chapters/shenzhen.atom.xml"):
        root = ET.parse(demo_site / feed).getroot()
        assert root.tag == f"{atom}feed"
        assert root.findall(f"{atom}entry"), feed
    shenzhen = ET.parse(demo_site / "feeds/chapters/shenzhen.atom.xml").getroot()
    assert "深圳校友会正式成立" in [e.findtext(f"{atom}title") for e in shenzhen.findall(f"{atom}entry")]


def test_each_edition_links_a_feed_of_its_own_articles_under_its_own_name(demo_site):
    atom = "{http://www.w3.org/2005/Atom}"
    for page, feed, title, author in (
        ("index.html", "feeds/all.atom.xml", "示例大学校友总会", "示例大学校友总会"),
        ("en/index.html", "feeds/all-en.atom.xml", "Example University Alumni Association",
         "Example University Alumni Association"),
        ("en/news/index.html", "feeds/news-en.atom.xml", "Example University Alumni Association - News",
         "Example University Alumni Association"),
        ("news/index.html", "feeds/news.atom.xml", "示例大学校友总会 - 新闻动态", "示例大学校友总会"),
    ):  # fmt: skip
        assert f'href="/{feed}"' in (demo_site / page).read_text(encoding="utf-8"), page
        root = ET.parse(demo_site / feed).getroot()
        entries = root.findall(f"{atom}entry")
        links = [e.find(f"{atom}link").get("href") for e in entries]
        assert root.findtext(f"{atom}title") == title
        english = feed.endswith("-en.atom.xml")
        assert entries and all(link.startswith(f"{PREVIEW_URL}/en/") == english for link in links), feed
        # In full, also in a local build: an entry's id names the site's host (it was tag:None).
        assert all(link.startswith(f"{PREVIEW_URL}/") for link in links), feed
        assert {e.findtext(f"{atom}id").split(",")[0] for e in entries} == {"tag:127.0.0.1"}, feed
        assert {e.findtext(f"{atom}author/{atom}name") for e in entries} == {author}, feed
    assert not (demo_site / "feeds/all-zh.atom.xml").exists()  # it repeated feeds/all.atom.xml


def test_every_feed_names_its_pages_and_entries_in_full(site):
    """A chapter's feed was written with the pages' context: in a local build its links were
    paths (/news/...) and its entries' ids read tag:None. Dates are RFC 3339, as Atom says."""
    atom = "{http://www.w3.org/2005/Atom}"
    rfc3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
    feeds = sorted(site.output.joinpath("feeds").rglob("*.xml"))
    assert "chapters" in {feed.parent.name for feed in feeds}
    for feed in feeds:
        root = ET.parse(feed).getroot()
        links = [link.get("href") for link in root.iter(f"{atom}link")]
        ids = [entry.findtext(f"{atom}id") for entry in root.iter(f"{atom}entry")]
        dates = [e.text for e in root.iter() if e.tag in (f"{atom}updated", f"{atom}published")]
        assert all(link.startswith(f"{site.address}/") for link in links), (feed, links)
        assert all(ident.startswith(f"tag:{urlsplit(site.address).hostname},") for ident in ids), (feed, ids)
        assert dates and all(rfc3339.fullmatch(date) for date in dates), (feed, dates)


def test_sitemap_lists_every_page_but_those_that_say_noindex(site):
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    listed = {loc.text for loc in ET.parse(site.output / "sitemap.xml").getroot().iter(f"{namespace}loc")}
    # A sitemap names pages in full: a local build's, at the preview's address.
    assert {f"{site.address}{path}" for path in ("/chapters/uk/", "/", "/en/forms/update/")} <= listed
    noindex = [
        p
        for p in html_pages(site.output)
        if 'name="robots" content="noindex"' in p.read_text(encoding="utf-8")
    ]
    assert {"404.html", "en/404.html", "forms/update/thanks/index.html"} <= {
        p.relative_to(site.output).as_posix() for p in noindex
    }
    pages = {target_file(site.output, site.output / "index.html", site.local(url)) for url in listed}
    assert pages == set(html_pages(site.output)) - set(noindex)  # each page once, and only pages
    assert not {url.removeprefix(site.address) for url in listed} & {
        "/404.html",
        "/en/404.html",
        "/forms/update/thanks/",
        "/en/forms/contact/thanks/",
    }
    assert len(listed) == len(html_pages(site.output)) - len(noindex)
    assert f"Sitemap: {site.address}/sitemap.xml" in (site.output / "robots.txt").read_text(encoding="utf-8")


class ChineseOutsideItsLanguage(HTMLParser):
    """Text with Chinese characters in no element marked as Chinese (lang="zh...")."""

    VOID = frozenset({"area", "br", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self, text: str):
        super().__init__()
        self.open: list[tuple[str, bool]] = []  # (tag, marked Chinese), innermost last
        self.found: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            lang = dict(attrs).get("lang")
            chinese = lang.startswith("zh") if lang else bool(self.open and self.open[-1][1])
            self.open.append((tag, chinese))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        inside = {tag for tag, _ in self.open}
        if (
            re.search("[\u3400-\u9fff]", data)
            and not (self.open and self.open[-1][1])
            and not inside & {"title", "script", "style"}
        ):
            self.found.append(data.strip()[:20])


def test_chinese_on_english_pages_is_marked_as_chinese_for_screen_readers(demo_site):
    """Donors' names, class notes and the footer's name of the association, written in Chinese,
    are read as Chinese, not spelled out as English."""
    unmarked = {
        path.relative_to(demo_site).as_posix(): found
        for path in html_pages(demo_site / "en")
        if (found := ChineseOutsideItsLanguage(path.read_text(encoding="utf-8")).found)
    }
    assert unmarked == {}
    notes = (demo_site / "en/class-notes/index.html").read_text(encoding="utf-8")
    assert "School of Foreign Languages" in notes and "外国语学院" not in notes  # colleges translated


def test_no_personal_contact_details_are_published(site):
    """In every file but pictures: pages, feeds, scripts, and the search index decompressed."""
    for path in site.output.rglob("*"):
        if not path.is_file() or path.suffix in (".png", ".jpg", ".jpeg", ".webp", ".ico", ".woff2"):
            continue
        data = path.read_bytes()
        text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8", "ignore")
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), path
        for address in re.findall(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", text):
            assert address.endswith("@alumni.example.org"), (path, address)


def test_a_projects_kind_is_shown_only_where_its_name_does_not_say_it(demo_site):
    from types import SimpleNamespace

    from core.translations import page_environment  # the theme's templates with the site's catalog

    environment = page_environment(ROOT / "theme", "zh")
    environment.filters.update(format_date=str, yuan=str, label=str)  # the build's; unused here
    macros = environment.get_template("_macros.html").module
    named = [SimpleNamespace(title=title, fund=fund) for title, fund in (
        ("八六级校友励学奖学金", "scholarship"), ("计算机学院发展基金", "college_development"),
        ("南山励志基金", "scholarship"), ("Class of 1986 Scholarship", "scholarship"),
    )]  # fmt: skip
    assert [str(macros.fund_kind_if_new(p)).strip() for p in named] == ["", "", "奖助学金", ""]
    home = (demo_site / "index.html").read_text(encoding="utf-8").split('id="home-projects"')[1]
    assert "奖助学金" not in home and "学院发展基金</p>" not in home  # the home page said each twice


def test_every_page_has_the_larger_text_switch_with_and_without_javascript(demo_site):
    missing = [
        str(path.relative_to(demo_site))
        for path in html_pages(demo_site)
        if 'class="text-size" aria-pressed="false"' not in (text := path.read_text(encoding="utf-8"))
        or 'href="#text-large"' not in text
        or 'localStorage.getItem("text-size")' not in text
    ]
    assert missing == []


def test_a_field_required_only_for_some_answers_says_for_which(demo_site):
    """Without JavaScript the form cannot show it when it applies: the label says when."""
    from core.definitions import load_forms

    for form in load_forms(ROOT / "forms").values():
        for field in (f for f in form.fields if f.required_if):
            other = form.field(field.required_if[0])
            [answer] = [c.label for c in other.choices if c.value == field.required_if[1]]
            for page, lang, said in (
                (f"forms/{form.name}/index.html", "zh", "“{q}”为“{a}”时必填"),
                (f"en/forms/{form.name}/index.html", "en", "(required when “{q}” is “{a}”)"),
            ):
                label = re.search(
                    rf'<label for="f-{field.name}">(.*?)</label>', (demo_site / page).read_text()
                )[1]
                words = {"q": getattr(other.label, lang), "a": getattr(answer, lang)}
                assert said.format(**words) in label, (page, field.name)


class Structure(HTMLParser):
    """What every page must have besides its head's words: one h1, its encoding, a viewport,
    photos with their size and alt text, and ids each used once."""

    def __init__(self, text: str):
        super().__init__()
        self.h1 = 0
        self.charset = self.viewport = False
        self.images: list[dict] = []
        self.ids: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.h1 += tag == "h1"
        self.charset |= tag == "meta" and attrs.get("charset", "").lower() == "utf-8"
        self.viewport |= tag == "meta" and attrs.get("name") == "viewport"
        self.images += [attrs] if tag == "img" else []
        self.ids += [attrs["id"]] if attrs.get("id") else []


def test_every_page_has_one_heading_its_encoding_a_viewport_sized_photos_and_unique_ids(site):
    wrong = []
    for path in html_pages(site.output):
        page = Structure(path.read_text(encoding="utf-8"))
        name = path.relative_to(site.output).as_posix()
        wrong += [(name, "h1", page.h1)] if page.h1 != 1 else []
        wrong += [(name, "charset")] if not page.charset else []
        wrong += [(name, "viewport")] if not page.viewport else []
        wrong += [
            (name, img.get("src")) for img in page.images if not {"alt", "width", "height"} <= img.keys()
        ]
        wrong += [(name, "id", i) for i in set(page.ids) if page.ids.count(i) > 1]
    assert wrong == []


def test_a_published_site_never_names_the_preview(published_site):
    """Everything that names the site in full names it at its public address."""
    found = [
        path.relative_to(published_site).as_posix()
        for path in published_site.rglob("*")
        if path.suffix in (".html", ".xml", ".ics", ".txt", ".json", ".js", ".css", ".svg")
        and re.search(r"localhost|127\.0\.0\.1|\[::1\]", path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_every_calendar_json_and_xml_file_is_well_formed(site):
    """Calendars as icalendar reads them, each event with what RFC 5545 requires and its page in
    full at the site's address; JSON and XML as their parsers read them."""
    import json

    import icalendar

    calendars = sorted(site.output.rglob("*.ics"))
    assert len(calendars) > 20
    for path in calendars:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        assert calendar.get("VERSION") == "2.0" and calendar.get("PRODID"), path
        for event in calendar.walk("VEVENT"):
            assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= event.keys(), path
            assert str(event["URL"]).startswith(f"{site.address}/"), path
    for path in site.output.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    for path in site.output.rglob("*.xml"):
        ET.parse(path)


def test_no_published_file_is_a_source_or_a_leftover_or_needs_escaping_in_an_address(site):
    names = [p.relative_to(site.output).as_posix() for p in site.output.rglob("*") if p.is_file()]
    assert [name for name in names if not re.fullmatch(r"[A-Za-z0-9._/-]+", name)] == []
    sources = (".md", ".py", ".pyc", ".yaml", ".yml", ".po", ".mo", ".xlsx", ".bak", ".orig", ".swp", ".tmp")
    assert [n for n in names if n.endswith(sources) or "/." in f"/{n}" or n.endswith("~")] == []
    # The only tables published are the projects' figures, made from the public ledger.
    assert {n for n in names if n.endswith(".csv")} == {
        f"projects/{p.parent.name}/figures.csv" for p in site.output.glob("projects/*/index.html")
    }


def test_no_page_is_a_placeholder(demo_site):
    """What a page says comes from the sources, so the local build is enough to look in."""
    placeholders = re.compile(
        r"lorem ipsum|\bTODO\b|\bFIXME\b|\bTBD\b|coming soon|敬请期待|待补充|待完善|此处填写", re.I
    )
    found = {
        path.relative_to(demo_site).as_posix(): hit[0]
        for path in html_pages(demo_site)
        if (hit := placeholders.search(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))
    }
    assert found == {}
