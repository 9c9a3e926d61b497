"""Settings for the published site: everything in pelicanconf.py, plus the public address."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # so pelicanconf is found from any folder
from pelicanconf import *  # noqa: F403

SITEURL = "https://alumni.example.org"
FEED_DOMAIN = SITEURL
# Publishing builds into a folder of its own, so the preview (invoke serve) goes on serving
# output/ with links to itself while a publish runs; each folder keeps its own build cache
# (core/manifest.py), so neither build makes the other's pages again.
OUTPUT_PATH = "output-publish"
# The time-trap's secret, shared with the form handler (FORMS_STAMP_SECRET there too): the
# built forms carry a stamp signed with it. Never written here: it comes from the environment.
FORMS_STAMP_SECRET = os.environ.get("FORMS_STAMP_SECRET")

# How long browsers and the CDN may keep each published file (office/headers.py): the first
# pattern that matches a file's path wins. Pagefind names its index files after their content,
# so they never change under one name; photos rarely do (a replaced photo may show for a month
# where no CDN refresh reaches); pages, feeds and the search's entry points change with every
# publish, so they are kept 5 minutes (the CDN is refreshed at once when PUBLISH_PURGE_URL or
# PUBLISH_PURGE_COMMAND is set).
PUBLISH_CACHE_CONTROL = [
    ("pagefind/*.pf_index", "public, max-age=31536000, immutable"),  # in every part's folder
    ("pagefind/*.pf_fragment", "public, max-age=31536000, immutable"),
    ("pagefind/*.pf_filter", "public, max-age=31536000, immutable"),
    ("pagefind/*.pf_meta", "public, max-age=31536000, immutable"),
    ("images/*", "public, max-age=2592000"),
    ("theme/*", "public, max-age=3600"),
    ("*", "public, max-age=300"),
]
