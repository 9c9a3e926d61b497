from babel.messages.extract import extract_from_dir

from core.translations import load_translations
from tests.support import ROOT

TRANSLATIONS = ROOT / "theme" / "translations"


def template_messages() -> set[str]:
    with (TRANSLATIONS / "babel.cfg").open() as config:
        from babel.messages.frontend import parse_mapping_cfg

        method_map, options_map = parse_mapping_cfg(config)
    return {message[2] for message in extract_from_dir(ROOT, method_map, options_map) if message[2]}


def test_every_template_string_has_a_chinese_translation():
    chinese = load_translations(TRANSLATIONS, "zh")
    untranslated = sorted(m for m in template_messages() if chinese.gettext(m) == m)
    assert untranslated == []


def test_english_is_the_source_text():
    assert load_translations(TRANSLATIONS, "en").gettext("Chapters") == "Chapters"
