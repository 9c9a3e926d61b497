"""Settings for the published site: everything in pelicanconf.py, plus the public address."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

SITEURL = "https://alumni.example.org"
FEED_DOMAIN = SITEURL
