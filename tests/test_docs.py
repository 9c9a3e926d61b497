"""The documentation cannot drift from the code: every setting of ours is documented."""

import importlib

from pelican.settings import DEFAULT_CONFIG

from tests.support import ROOT

# Pelican documents these but leaves them out of DEFAULT_CONFIG.
PELICAN_OPTIONAL = {
    "ARCHIVES_SAVE_AS", "ARCHIVES_URL", "AUTHORS_SAVE_AS", "CATEGORIES_SAVE_AS",
    "TAGS_SAVE_AS", "TAGS_URL", "FEED_DOMAIN", "TIMEZONE",
}  # fmt: skip


def test_every_setting_of_ours_is_documented():
    settings = importlib.import_module("pelicanconf")
    ours = {name for name in vars(settings) if name.isupper()} - set(DEFAULT_CONFIG) - PELICAN_OPTIONAL
    documented = (ROOT / "docs/developers.md").read_text(encoding="utf-8")
    assert sorted(name for name in ours if f"`{name}`" not in documented) == []


def test_every_handler_setting_is_documented():
    import re

    code = (ROOT / "forms/app.py").read_text(encoding="utf-8")
    documented = (ROOT / "docs/operators.md").read_text(encoding="utf-8")
    variables = set(re.findall(r'"(FORMS_[A-Z_]+)"', code))
    assert variables and sorted(v for v in variables if f"`{v}`" not in documented) == []
