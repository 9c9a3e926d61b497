"""Every page is valid HTML (the Nu HTML Checker, as browsers and validators read it) and the feeds parse."""

import collections
import json
import os
import re
import subprocess
from pathlib import Path

import feedparser

from tests.support import ROOT, build_repo

VNU = os.environ.get("VNU_JAR", str(ROOT / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))


def test_every_page_passes_the_nu_html_checker(demo_site):
    result = subprocess.run(
        ["java", "-jar", VNU, "--errors-only", "--skip-non-html", "--also-check-css", "--format", "json", str(demo_site)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert [(m["url"].split("/output/")[-1], m["message"]) for m in messages] == []
    assert len(list(demo_site.rglob("*.html"))) > 100  # it really checked the whole site
    # The stylesheets too: an unclosed @media block kept the giving box, the pledge form and every
    # print rule to wide screens, and no HTML check saw it.
    assert list(demo_site.rglob("*.css"))


def test_the_handlers_own_pages_are_valid_too(tmp_path):
    from werkzeug.test import Client

    from forms.app import HandlerSettings, create_app
    from forms.inbox import LocalInbox

    client = Client(create_app(HandlerSettings(storage=LocalInbox(tmp_path / "inbox"), rate_per_minute=0)))
    (tmp_path / "errors.html").write_bytes(
        client.post("/api/forms/update", data={"name": "x"}, headers={"Accept": "text/html"}).data
    )
    (tmp_path / "refused.html").write_bytes(
        client.post("/api/forms/nope", data={}, headers={"Accept": "text/html"}).data
    )
    result = subprocess.run(["java", "-jar", VNU, "--errors-only", "--format", "json", str(tmp_path / "errors.html"), str(tmp_path / "refused.html")],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert [m["message"] for m in json.loads(result.stderr or result.stdout)["messages"]] == []


def test_feeds_parse_with_feedparser(site):
    for feed in site.output.joinpath("feeds").rglob("*.xml"):
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        assert parsed.entries or "chapters" in feed.parts


def test_the_check_in_pages_are_valid_too(tmp_path):
    """The volunteers' page the handler serves, and the cards `invoke attendees` writes."""
    from werkzeug.test import Client

    from core.definitions import load_forms
    from forms.app import HandlerSettings, create_app
    from forms.inbox import LocalFiles, LocalInbox
    from office.attendees import write_attendees

    data = tmp_path / "data"
    data.mkdir()
    (data / "events.csv").write_bytes((ROOT / "data" / "events.csv").read_bytes())
    inbox = LocalInbox(data / "inbox")
    form = load_forms(ROOT / "forms", [("homecoming-2027", None)])["event-registration"]
    values = {
        "event": "homecoming-2027",
        "name": "李华",
        "class_year": "2007",
        "guests": "1",
        "mobile": "13900003333",
    }
    inbox.append_counted(form, values, "event")
    client = Client(
        create_app(HandlerSettings(storage=inbox, checkin_key="k" * 20, events_csv=data / "events.csv"))
    )
    page = client.get("/api/forms/event-registration/checkin?event=homecoming-2027&lang=en")
    assert page.status_code == 200
    (tmp_path / "checkin.html").write_bytes(page.data)
    cards = write_attendees("homecoming-2027", data, LocalFiles(data), None, ROOT / "theme").page
    result = subprocess.run(["java", "-jar", VNU, "--errors-only", "--format", "json", str(tmp_path / "checkin.html"), str(cards)],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert [m["message"] for m in json.loads(result.stderr or result.stdout)["messages"]] == []


def _shared(site: Path, pattern: str) -> dict[str, list[str]]:
    """What pattern finds in the head of more than one page (or of none), with those pages."""
    found = collections.defaultdict(list)
    for page in site.rglob("*.html"):
        hit = re.search(pattern, page.read_text(encoding="utf-8"), re.S)
        found[hit.group(1).strip() if hit else ""].append(page.relative_to(site).as_posix())
    return {text: pages for text, pages in found.items() if len(pages) > 1 or not text}


def test_every_page_has_a_title_and_a_description_of_its_own(demo_site):
    """The four thank-you pages of each edition shared one title: a visitor with several tabs, or
    a history list, could not tell which form was sent. The lists (news, stories, tags, archives)
    all gave the site's description, so search engines showed the same line for each."""
    assert _shared(demo_site, r"<title>(.*?)</title>") == {}
    assert _shared(demo_site, r'<meta name="description" content="([^"]*)"') == {}


def test_the_later_pages_of_a_list_say_which_page_they_are(make_repo):
    news = {f"news/n{number}.md": f"Title: 消息{number}\nDate: 2026-0{number}-01\nTags: 返校\n\n正文{number}。\n"
            for number in range(1, 6)}  # fmt: skip
    repo = make_repo(news)
    build_repo(repo, DEFAULT_PAGINATION=2)
    site = repo / "output"
    assert (site / "news/page/3/index.html").exists() and (site / "tags/fan-xiao/page/2/index.html").exists()
    assert _shared(site, r"<title>(.*?)</title>") == {}
    assert _shared(site, r'<meta name="description" content="([^"]*)"') == {}
    assert "<title>新闻动态 · 第 2 页 | " in (site / "news/page/2/index.html").read_text(encoding="utf-8")
