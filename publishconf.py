"""Settings for the published site: everything in pelicanconf.py, plus the public address."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # so pelicanconf is found from any folder
from pelicanconf import *  # noqa: F403

SITEURL = "https://alumni.example.org"
FEED_DOMAIN = SITEURL
# The time-trap's secret, shared with the form handler (FORMS_STAMP_SECRET there too): the
# built forms carry a stamp signed with it. Never written here: it comes from the environment.
FORMS_STAMP_SECRET = os.environ.get("FORMS_STAMP_SECRET")
