"""Alumni send photos with a class note from a real Chromium, with and without JavaScript: the
limits are said beside the file input, and what is taken lands in the inbox beside its row."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from core.tables import read_records
from tests.e2e.conftest import overflow, screenshot
from tests.support import photo_file

PHONE = 375


def fill_note(page, title: str) -> None:
    page.fill("#f-class_year", "1992")
    page.fill("#f-college", "化学学院")
    page.fill("#f-author", "九二级化学班")
    page.fill("#f-title", title)
    page.fill("#f-body", "今年秋天，我们班二十多位同学回到化学楼，在当年的实验室门口合影留念。")
    page.fill("#f-email", "note@example.com")
    page.check("#f-consent")


def notes_titled(inbox, title: str) -> list[dict]:
    return [row for row in read_records(inbox / "class-note-v2.csv") if row["title"] == title]


@pytest.fixture
def phone_photos(tmp_path):
    return [
        photo_file(tmp_path / "IMG_0501.JPG", (2000, 1500), orientation=6, camera_data=True),
        photo_file(tmp_path / "IMG_0502.HEIC", (1000, 750), camera_data=True),
    ]


def test_with_javascript_too_many_photos_are_named_at_once_then_two_land(open_page, site_inbox, phone_photos):
    page = open_page(PHONE)
    page.goto(page.base + "/forms/class-note/")
    assert overflow(page) == 0
    expect(page.locator("#help-photos")).to_contain_text("最多 3 张照片，每张不超过 10 MB")
    fill_note(page, "带照片的动态")
    sent = []
    page.on("request", lambda r: r.method == "POST" and sent.append(r.url))
    page.set_input_files("#f-photos", [*phone_photos, *phone_photos])  # four
    page.click("button[type=submit]")
    expect(page.locator("#err-photos")).to_contain_text("最多 3 张照片")
    expect(page.locator("#f-photos")).to_have_attribute("aria-invalid", "true")
    assert sent == []  # nothing was uploaded only to be refused

    page.set_input_files("#f-photos", phone_photos)
    page.click("button[type=submit]")
    expect(page.locator("#err-photo_alt")).to_contain_text(
        "请填写此项"
    )  # the handler's: photos need alt text
    page.fill("#f-photo_alt", "二十多位同学在化学楼前合影")
    screenshot(page, "form-photos")
    page.click("button[type=submit]")
    expect(page).to_have_url(page.base + "/forms/class-note/thanks/")
    [row] = notes_titled(site_inbox, "带照片的动态")
    assert row["photos"] == "1.jpg 2.jpg"
    assert sorted(p.name for p in (site_inbox / "photos" / row["id"]).iterdir()) == ["1.jpg", "2.jpg"]
    assert [p for p in page.problems if "422" not in p] == []


# Each file the page's script posts, as the browser sends it (DevTools shows no body made of
# files): its name and its bytes, base64, handed to the test.
RECORD_FILES = """
const post = window.fetch;
window.fetch = async (address, options = {}) => {
  for (const value of options.body instanceof FormData ? options.body.values() : []) {
    if (!(value instanceof File)) continue;
    const url = await new Promise((done) => {
      const reader = new FileReader();
      reader.onload = () => done(reader.result);
      reader.readAsDataURL(value);
    });
    await window.sentFile(value.name, url.slice(url.indexOf(",") + 1));
  }
  return post(address, options);
};
"""


def test_with_javascript_a_phones_photo_goes_shrunk_upright_and_without_its_gps(
    open_page, site_inbox, tmp_path
):
    # A 12-megapixel photo taken with the phone turned (EXIF orientation 6), with its GPS
    # position, of 14 MB: over the form's 10 MB a photo, as the phone saved it.
    noise = Image.merge("RGB", [Image.effect_noise((4000, 3000), 60) for _ in range(3)])
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 29.0)})
    big = tmp_path / "IMG_0601.JPG"
    noise.save(big, quality=97, exif=exif)
    assert big.stat().st_size > 10 * 2**20
    heic = photo_file(tmp_path / "IMG_0602.HEIC", (1000, 750), camera_data=True)
    page = open_page(PHONE)
    sent = {}
    page.expose_function("sentFile", lambda name, data: sent.update({name: base64.b64decode(data)}))
    page.add_init_script(RECORD_FILES)
    page.goto(page.base + "/forms/class-note/")
    fill_note(page, "手机原图")
    page.fill("#f-photo_alt", "化学楼前的合影")
    page.set_input_files("#f-photos", [big, heic])
    page.click("button[type=submit]")
    expect(page).to_have_url(page.base + "/forms/class-note/thanks/")
    assert list(sent) == ["IMG_0601.jpg", "IMG_0602.HEIC"]
    with Image.open(io.BytesIO(sent["IMG_0601.jpg"])) as shrunk:
        assert shrunk.size == (1600, 2133)  # upright, at the widest copy the site keeps
        assert not shrunk.getexif() and "comment" not in shrunk.info and "xmp" not in shrunk.info
    assert len(sent["IMG_0601.jpg"]) < 2 * 2**20
    assert sent["IMG_0602.HEIC"] == heic.read_bytes()  # Chromium cannot decode HEIC: sent as it is
    [row] = notes_titled(site_inbox, "手机原图")
    assert row["photos"] == "1.jpg 2.jpg"
    with Image.open(site_inbox / "photos" / row["id"] / "1.jpg") as stored:
        assert stored.size == (1600, 2133)
    assert page.problems == []


def test_without_javascript_a_plain_multipart_post_lands_the_note_and_its_photo(no_script_page, site_inbox, phone_photos):  # fmt: skip
    page = no_script_page
    page.goto(page.base + "/forms/class-note/")
    fill_note(page, "无脚本带照片")
    page.set_input_files("#f-photos", phone_photos[:1])
    page.click("button[type=submit]")  # without what the photo shows
    expect(page.locator("#err-photo_alt")).to_contain_text("请填写此项")
    expect(page.locator(".field:has(#f-photos)")).to_contain_text("请重新选择照片")
    assert notes_titled(site_inbox, "无脚本带照片") == []

    page.set_input_files("#f-photos", phone_photos[:1])
    page.fill("#f-photo_alt", "化学楼前的合影")
    page.check("#f-consent")
    page.click("button[type=submit]")
    expect(page).to_have_url(page.base + "/forms/class-note/thanks/")
    [row] = notes_titled(site_inbox, "无脚本带照片")
    assert (row["photos"], row["photo_alt"]) == ("1.jpg", "化学楼前的合影")
    assert (site_inbox / "photos" / row["id"] / "1.jpg").is_file()


@pytest.mark.parametrize("width", [PHONE, 1280])
def test_a_notes_photos_show_under_it_at_the_width_the_screen_needs(open_page, width):
    page = open_page(width)
    page.goto(page.base + "/class-notes/")
    photo = page.locator("#cn-2026-002 .note-photos img")
    expect(photo).to_have_attribute("alt", "从上方看下去，一排排蓝色、紫色和红色的杯子")
    photo.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('#cn-2026-002 .note-photos img').complete")
    loaded = photo.evaluate("img => img.currentSrc")
    assert loaded.endswith("-320.webp"), loaded  # shown at most 13.5rem wide: the smallest copy is sharp
    link = page.locator("#cn-2026-002 .note-photos a").get_attribute("href")
    assert link.endswith("-1600.jpg")  # a tap opens the whole photo
    assert overflow(page) == 0 and page.problems == []
    screenshot(page, f"class-notes-{width}")
    page.goto(page.base + "/en/class-notes/")
    expect(page.locator("#cn-2026-002 .note-photos img")).to_have_attribute(
        "alt", "Rows of blue, purple and red cups seen from above"
    )
