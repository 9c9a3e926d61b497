"""Every page is valid HTML (the Nu HTML Checker, as browsers and validators read it) and the feeds parse."""

import json
import os
import subprocess

import feedparser

from tests.support import ROOT

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


def test_feeds_parse_with_feedparser(demo_site):
    for feed in demo_site.joinpath("feeds").rglob("*.xml"):
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


def test_every_page_has_a_title_of_its_own(demo_site):
    """The four thank-you pages of each edition shared one title: a visitor with several tabs, or
    a history list, could not tell which form was sent."""
    import collections
    import re

    titles = collections.defaultdict(list)
    for page in demo_site.rglob("*.html"):
        found = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S)
        titles[found.group(1).strip() if found else ""].append(page.relative_to(demo_site).as_posix())
    assert {title: pages for title, pages in titles.items() if len(pages) > 1 or not title} == {}
