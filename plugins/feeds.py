"""Feeds that change only when what they list changes, so an unchanged site builds to the same bytes."""

from __future__ import annotations

import datetime

from pelican import signals

from plugins.datapages import build_date


def _steady_updated(context, feed) -> None:
    # An Atom feed must say when it was last updated; with no entries, feedgenerator says "now",
    # which would make every build (and every publish) send the empty feeds of new chapters again.
    if feed.items:
        return
    dates = [article.date for article in context.get("articles", []) if getattr(article, "date", None)]
    if dates:
        updated = max(dates)
    else:
        day = build_date(context)
        updated = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    feed.latest_post_date = lambda: updated


def register() -> None:
    signals.feed_generated.connect(_steady_updated)
