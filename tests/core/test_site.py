"""One site name: pelicanconf.py names the association for the site, the handler and the office."""

import pelicanconf
from core.site import site_name
from forms.app import HandlerSettings
from tests.support import ROOT


def test_the_handler_and_the_office_take_the_name_from_the_site_settings():
    assert HandlerSettings(storage=None).site_names == pelicanconf.SITE_NAMES
    assert site_name() == pelicanconf.SITENAME and site_name("en") == pelicanconf.SITE_NAMES["en"]


def test_the_name_is_written_in_the_settings_only():
    code = [p for part in ("core", "forms", "office", "plugins") for p in (ROOT / part).rglob("*.py")]
    code += [ROOT / "tasks.py", ROOT / "publishconf.py"]
    assert [
        str(p.relative_to(ROOT)) for p in code if pelicanconf.SITENAME in p.read_text(encoding="utf-8")
    ] == []
