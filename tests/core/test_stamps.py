"""The time-trap: a post sent sooner than a person could fill the form, or with no honest stamp, is spam."""

import hmac
import json

import pytest

from core.problems import ProblemsFound
from core.stamps import STAMP_FIELD, age, fresh_stamp_answer, issue, secret_from_env, too_fast

SECRET = secret_from_env("r4nd0m-but-fixed-secret-for-the-tests-only")
SHOWN = 1_795_000_000.0  # when the page was loaded
MIN = 3.0
FORM = "contact"


def test_a_post_right_after_the_page_loaded_is_too_fast():
    stamp = issue(SECRET, FORM, SHOWN)
    assert too_fast(stamp, SECRET, FORM, SHOWN + 0.5, MIN)
    assert too_fast(stamp, SECRET, FORM, SHOWN + 2.9, MIN)


def test_a_post_after_a_human_pause_passes():
    stamp = issue(SECRET, FORM, SHOWN)
    assert age(stamp, SECRET, FORM, SHOWN + 3) == 3
    assert not too_fast(stamp, SECRET, FORM, SHOWN + 3, MIN)
    assert not too_fast(stamp, SECRET, FORM, SHOWN + 14 * 86400, MIN)  # a build's stamp, weeks later


def test_stamp_made_to_look_older_is_too_fast():
    seconds, signature = issue(SECRET, FORM, SHOWN).split(".")
    older = f"{int(seconds) - 60}.{signature}"
    assert age(older, SECRET, FORM, SHOWN + 1) is None
    assert too_fast(older, SECRET, FORM, SHOWN + 1, MIN)


@pytest.mark.parametrize(
    "stamp",
    [
        None,
        "",
        "not a stamp",
        f"{int(SHOWN) - 60}.{'0' * 64}",  # forged: a guessed signature
        f"{int(SHOWN) - 60}",  # no signature at all
        issue(SECRET, FORM, SHOWN - 60).upper(),  # upper-case hex is not what we issue
        issue(SECRET, FORM, SHOWN - 60) + "0",
        "١٧٩٤٩٩٩٩٤٠." + "a" * 64,  # Arabic-Indic digits are digits to Python, not to us
        ["1794999940", "a" * 64],  # a JSON body can send anything
    ],
)
def test_missing_malformed_or_forged_stamp_is_too_fast(stamp):
    assert age(stamp, SECRET, FORM, SHOWN) is None
    assert too_fast(stamp, SECRET, FORM, SHOWN, MIN)


def test_a_stamp_for_one_form_is_no_stamp_for_another():
    stamp = issue(SECRET, "contact", SHOWN)
    assert age(stamp, SECRET, "update", SHOWN + 60) is None
    assert too_fast(stamp, SECRET, "update", SHOWN + 60, MIN)
    assert not too_fast(stamp, SECRET, "contact", SHOWN + 60, MIN)


def test_stamp_signed_with_another_secret_is_too_fast():
    foreign = issue(b"another-site-with-its-own-secret-of-32-chars", FORM, SHOWN - 600)
    assert too_fast(foreign, SECRET, FORM, SHOWN, MIN)


def test_stamp_from_the_future_is_too_fast():
    assert age(issue(SECRET, FORM, SHOWN + 3600), SECRET, FORM, SHOWN) is None
    # A clock a few seconds ahead is forgiven, but the stamp counts as brand new.
    assert age(issue(SECRET, FORM, SHOWN + 5), SECRET, FORM, SHOWN) == 0
    assert too_fast(issue(SECRET, FORM, SHOWN + 5), SECRET, FORM, SHOWN, MIN)


def test_signatures_are_compared_in_constant_time(monkeypatch):
    compared = []

    def compare_digest(a, b):
        compared.append((a, b))
        return real(a, b)

    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    stamp = issue(SECRET, FORM, SHOWN)
    assert not too_fast(stamp, SECRET, FORM, SHOWN + 10, MIN)
    assert compared == [(stamp.split(".")[1], stamp.split(".")[1])]


def test_fresh_stamp_answer_is_never_cached():
    body, headers = fresh_stamp_answer(SECRET, FORM, SHOWN)
    answer = json.loads(body)
    assert answer["field"] == STAMP_FIELD == "_stamp"
    assert age(answer["stamp"], SECRET, FORM, SHOWN + 4) == 4
    assert headers == {"Content-Type": "application/json", "Cache-Control": "no-store"}


def test_secret_from_env():
    assert secret_from_env("") is None and secret_from_env(None) is None
    assert secret_from_env(" " + "k" * 32 + "\n") == b"k" * 32
    with pytest.raises(ProblemsFound) as raised:
        secret_from_env("hunter2")
    sentence = raised.value.problems[0].sentence()
    assert sentence.startswith(
        "FORMS_STAMP_SECRET: 只有 7 个字符，太短，别人可以猜出来：请设为至少 32 个字符的随机文字"
    )
    assert "hunter2" not in str(raised.value)


def test_a_stamp_from_a_page_built_before_stamps_named_their_form_is_taken_for_a_while():
    import hashlib

    from core.stamps import UNBOUND_UNTIL

    seconds = str(int(SHOWN))
    old = f"{seconds}.{hmac.new(SECRET, b'alumni-forms stamp v1:' + seconds.encode(), hashlib.sha256).hexdigest()}"
    assert age(old, SECRET, FORM, SHOWN + 60) == 60  # on any form, as it was signed for none
    assert age(old, SECRET, "update", SHOWN + 60) == 60
    assert age(old, SECRET, FORM, UNBOUND_UNTIL) is None  # pages have been built again by then
    assert age(issue(SECRET, FORM, SHOWN), SECRET, "update", SHOWN + 60) is None
