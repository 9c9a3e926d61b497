"""The writer's keys (plugins/writing/fingerprints.py) assume what the NARROW templates read:
their own item or list, and nothing else of the site. A template that starts reading site-wide
data (a "latest news" box on article pages, say) would leave pages stale after an edit; this
test names it instead."""

from jinja2 import meta
from pelican import signals

from office.build import build_site
from plugins.writing.fingerprints import NARROW
from tests.support import BUILD_DATE, ROOT

# What each NARROW call is given (its key describes all of it), and what the writer adds from it.
COMMON = {"url", "output_file", "page_name", "template_name", "blog"}
PAGES = {
    f"{what}_{part}"
    for what in ("articles", "dates")
    for part in ("page", "paginator", "next_page", "previous_page")
}
CALL = {
    "article.html": {"article", "category"},
    "page.html": {"page"},
    "category.html": {"category", "articles", "dates", "all_articles", *PAGES},
    "tag.html": {"tag", "articles", "dates", "all_articles", *PAGES},
    "period_archives.html": {"period", "period_num", "articles", "dates", *PAGES},
}
IN_THE_SCOPE = {"share_images"}  # the narrow scope of every key
IN_THE_BASIS = {"today"}  # the day of the build


def _environment_and_context(tmp_path):
    found = {}

    def keep(generators):
        found.update(environment=generators[0].env, context=generators[0].context)

    signals.all_generators_finalized.connect(keep)
    try:
        build_site(
            ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(tmp_path / "output"), "BUILD_DATE": BUILD_DATE}
        )
    finally:
        signals.all_generators_finalized.disconnect(keep)
    return found["environment"], found["context"]


def _reachable(environment, name, seen):
    if name in seen:
        return
    seen.add(name)
    source = environment.loader.get_source(environment, name)[0]
    for other in meta.find_referenced_templates(environment.parse(source)):
        if other:
            _reachable(environment, other, seen)


def test_narrow_templates_read_nothing_of_the_site_but_what_their_key_describes(tmp_path):
    environment, context = _environment_and_context(tmp_path)
    assert set(CALL) == NARROW
    site = (
        {name for name in context if name.islower()} - IN_THE_SCOPE - IN_THE_BASIS - set(environment.globals)
    )
    assert {"articles", "dates", "pages", "tags", "chapters"} <= site
    wrong = []
    for template in sorted(NARROW):
        if template not in environment.list_templates():
            continue  # the theme has no such page
        names: set[str] = set()
        _reachable(environment, template, names)
        for name in sorted(names):
            source = environment.loader.get_source(environment, name)[0]
            read = meta.find_undeclared_variables(environment.parse(source)) & (
                site - COMMON - CALL[template]
            )
            wrong += [f"{name} (drawn for {template}) reads {variable}" for variable in sorted(read)]
    assert wrong == [], wrong
