"""The volunteers' check-in page on a phone-sized Chromium against the handler under gunicorn:
scanning online, offline (Playwright's set_offline) and back, an answer lost on the way, the
camera, and the printed cards read back by a QR decoder."""

from __future__ import annotations

import io
import shutil

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from core.definitions import load_forms
from core.tables import read_records
from forms.checkin import code
from forms.inbox import LocalFiles, LocalInbox
from office.attendees import write_attendees
from tests.e2e.conftest import overflow, screenshot
from tests.support import ROOT

EVENT = "uk-christmas-2026"  # data/events.csv: open, 50 places
KEY = "volunteers-key-7d1e9b2c4a"
FORM = load_forms(ROOT / "forms", [(EVENT, None)])["event-registration"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
# Chromium has no BarcodeDetector on Linux: a stand-in that reads whatever code is "held up",
# and a camera that films a canvas, so the page's camera path runs as on a phone.
CAMERA = """
window.BarcodeDetector = class { async detect() { return window.heldUp ? [{ rawValue: window.heldUp }] : []; } };
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 64 });
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return canvas.captureStream(10);
};
"""


@pytest.fixture
def door(start_handler):
    handler = start_handler(workers=1, FORMS_CHECKIN_KEY=KEY)
    storage = LocalInbox(handler.inbox)
    values = {"event": EVENT, "name": "林晓梅", "mobile": "13900000000", "consent": "yes"}
    handler.ids = [
        storage.append_counted(FORM, {**values, "guests": str(n % 2)}, "event")[0] for n in range(4)
    ]
    return handler


@pytest.fixture
def phone(browser):
    """A phone-sized browser of its own (its own localStorage), with the page's errors collected."""
    contexts = []

    def open_phone(url: str, camera: bool = False):
        context = browser.new_context(**PHONE)
        contexts.append(context)
        if camera:
            context.add_init_script(CAMERA)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{url}/api/forms/event-registration/checkin?event={EVENT}#key={KEY}")
        expect(page.locator("#desk")).to_be_visible()
        return page

    yield open_phone
    for context in contexts:
        context.close()


def enter(page, text: str) -> None:
    page.fill("#code", text)
    page.press("#code", "Enter")


def arrivals(door) -> list[str]:
    return [row["id"] for row in read_records(door.inbox / "event-registration-arrived.csv")]


def test_scans_kept_offline_are_sent_once_back_online(door, phone):
    page = phone(door.url)
    a, b, c, _ = door.ids
    assert "key" not in page.url  # the key from the link is kept on the phone, not in the address
    expect(page.locator("#expected")).to_have_text("4")
    enter(page, code(a))
    expect(page.locator("#result")).to_have_attribute("data-kind", "arrived")
    expect(page.locator("#result")).to_contain_text("签到成功")
    enter(page, code(a).lower())
    expect(page.locator("#result")).to_have_attribute("data-kind", "already")

    page.context.set_offline(True)
    expect(page.locator("#connection")).to_contain_text("离线")
    for text in (code(b), code(c), code(b), "12345"):
        enter(page, text)
    expect(page.locator("#result")).to_contain_text("这不是签到码")
    expect(page.locator("#queued")).to_have_text("2")
    expect(page.locator("#log li[data-kind=queued]")).to_have_count(2)
    assert arrivals(door) == [a]
    screenshot(page, "checkin-offline")

    page.context.set_offline(False)  # the page sends its queue by itself
    expect(page.locator("#queued")).to_have_text("0")
    expect(page.locator("#arrived")).to_have_text("3")
    expect(page.locator("#log li[data-kind=arrived]")).to_have_count(3)
    assert sorted(arrivals(door)) == sorted([a, b, c])
    assert overflow(page) == 0 and page.errors == []
    screenshot(page, "checkin-synced")


def test_a_sync_whose_answer_was_lost_is_not_counted_twice(door, phone):
    page = phone(door.url)
    lost = []

    def lose_the_answer(route):
        if route.request.method == "POST" and route.request.post_data_json["scans"] and not lost:
            lost.append(route.fetch())  # the handler marks the arrival; the phone never hears it
            route.abort()
        else:
            route.continue_()

    page.route("**/checkin", lose_the_answer)
    with page.expect_event("requestfailed"):
        enter(page, code(door.ids[0]))
    expect(page.locator("#queued")).to_have_text("1")
    assert lost[0].status == 200 and arrivals(door) == [door.ids[0]]
    page.click("#send")
    expect(page.locator("#queued")).to_have_text("0")
    expect(page.locator("#result")).to_have_attribute("data-kind", "arrived")  # its own scan: the first
    assert arrivals(door) == [door.ids[0]]

    other = phone(door.url)  # another volunteer at the door
    enter(other, code(door.ids[0]))
    expect(other.locator("#result")).to_have_attribute("data-kind", "already")
    assert arrivals(door) == [door.ids[0]] and page.errors == other.errors == []


def test_a_code_held_up_to_the_camera_is_taken_once(door, phone):
    page = phone(door.url, camera=True)
    page.click("#camera")
    expect(page.locator("#video")).to_be_visible()
    page.evaluate(f"window.heldUp = {code(door.ids[1])!r}")
    expect(page.locator("#result")).to_have_attribute("data-kind", "arrived")
    page.wait_for_timeout(1000)  # read five times a second all along
    expect(page.locator("#log li")).to_have_count(1)
    page.click("#camera")
    expect(page.locator("#video")).to_be_hidden()
    assert arrivals(door) == [door.ids[1]] and page.errors == []


def test_a_wrong_key_asks_for_the_key_again(door, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{door.url}/api/forms/event-registration/checkin?event={EVENT}")
    expect(page.locator("#key-form")).to_be_visible()
    page.fill("#key", "not-the-volunteers-key")
    page.press("#key", "Enter")
    expect(page.locator("#key-error")).to_have_text("志愿者密钥不对：请向活动主办方要本次签到的密钥")
    page.fill("#key", KEY)
    page.press("#key", "Enter")
    expect(page.locator("#expected")).to_have_text("4")
    context.close()


def test_every_printed_card_reads_back_as_its_code(door, browser, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(ROOT / "data" / "events.csv", data / "events.csv")
    shutil.copytree(door.inbox, data / "inbox")
    written = write_attendees(EVENT, data, LocalFiles(data), None, ROOT / "theme")
    page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    page.goto(written.page.as_uri())
    image = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    screenshot(page, "checkin-cards")
    page.close()
    assert sorted(found.text for found in zxingcpp.read_barcodes(image)) == sorted(code(i) for i in door.ids)
