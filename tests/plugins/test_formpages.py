"""Form pages carry the time-trap's stamp when the build knows the handler's secret."""

import re
import time

from core.stamps import age
from tests.support import build_repo

SECRET = "t" * 40


def stamps(output) -> list[tuple[str, str]]:
    """(form, stamp) of every form page."""
    pages = sorted(output.glob("forms/*/index.html")) + sorted(output.glob("en/forms/*/index.html"))
    assert len(pages) == 8
    return [
        (page.parent.name, m)
        for page in pages
        for m in re.findall(r'name="_stamp" value="([^"]+)"', page.read_text("utf-8"))
    ]


def test_with_the_secret_every_form_carries_a_signed_stamp_for_itself(make_repo):
    found = stamps(build_repo(make_repo({}), FORMS_STAMP_SECRET=SECRET).output)
    assert len(found) == 8
    assert all(age(stamp, SECRET.encode(), form, time.time()) is not None for form, stamp in found)
    assert all(age(stamp, SECRET.encode(), "another-form", time.time()) is None for _, stamp in found)
    assert all(
        age(stamp, b"another secret of forty characters......", form, time.time()) is None
        for form, stamp in found
    )


def test_without_it_there_is_no_stamp(make_repo):
    assert stamps(build_repo(make_repo({})).output) == []
