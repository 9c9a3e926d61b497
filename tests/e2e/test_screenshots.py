"""The contact sheet of docs/ (invoke screenshots): each page type in each width, edition and text size."""

import struct

from office.screenshots import COLUMNS, PageType, contact_sheet


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's frame header."""
    at = 2
    while at < len(data):
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if data[at + 1] in (0xC0, 0xC2):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise ValueError("no frame header")


def test_the_sheet_holds_a_row_per_page_type_and_a_column_per_view(browser, demo_site, tmp_path):
    rows = [PageType("首页 Home", "/", "/en/"), PageType("表单出错 Form errors", "/forms/class-note/#errors",
                                                       "/en/forms/class-note/#errors")]  # fmt: skip
    sheet = contact_sheet(demo_site, tmp_path / "docs/sheet.jpg", rows, browser)
    data = sheet.read_bytes()
    width, height = jpeg_size(data)
    assert data[:2] == b"\xff\xd8" and len(COLUMNS) == 5
    assert width > 150 * 3 + 320 * 2 and 2 * 300 < height < 3 * 400  # two rows of thumbnails
