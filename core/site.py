"""The site's settings (pelicanconf.py) for the parts that run without Pelican: the handler's
pages, the office's figures and digests. One file names the association, in every edition."""

from __future__ import annotations

import runpy
from functools import cache
from pathlib import Path

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "pelicanconf.py"


@cache
def site_settings(path: Path = SETTINGS_FILE) -> dict:
    """The upper-case names of a settings file (pelicanconf.py holds settings only, no logic)."""
    return {name: value for name, value in runpy.run_path(str(path)).items() if name.isupper()}


def site_name(lang: str | None = None, path: Path = SETTINGS_FILE) -> str:
    """The association's name in an edition's language (the default edition's without one)."""
    settings = site_settings(path)
    return settings["SITE_NAMES"][lang or settings["DEFAULT_LANG"]]
