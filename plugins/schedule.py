"""Scheduled publishing: an article or page dated after the build's day waits, like a draft.

Pelican's own WITH_FUTURE_DATES = False compares the date with the clock to the second, so a
daily run at midnight would hold back an item dated 10:00 until the next day, and tests could
not pin the day. Here an item appears on its date, whatever its hour, from the first build of
that day (BUILD_DATE, or today in the site's TIMEZONE). Drafts, scheduled or `Status: draft`,
are not written at all (DRAFT_SAVE_AS and its kin are empty in pelicanconf.py).
"""

from __future__ import annotations

import datetime

from pelican import signals
from pelican.contents import Article, Page

from plugins.datapages import build_date


def scheduled(date: datetime.datetime, today: datetime.date) -> bool:
    """True while an item dated `date` must wait: its day has not come yet."""
    return date.date() > today


def _hold_until_its_day(content) -> None:
    # Only editors' articles and pages: data pages (chapters, projects, reports) have their own rules.
    if type(content) not in (Article, Page) or getattr(content, "status", "") != "published":
        return
    date = getattr(content, "date", None)
    if date is not None and scheduled(date, build_date(content.settings)):
        content.status = "draft"


def register() -> None:
    signals.content_object_init.connect(_hold_until_its_day)
