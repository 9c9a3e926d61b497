"""The writer's keys (plugins/writing/fingerprints.py) assume what templates read: NARROW ones
their own item or list and nothing else of the site, and every one the text of no item but its
page's own. A template that starts reading site-wide data (a "latest news" box on article
pages, say) or another item's text (a list showing the first paragraph) would leave pages stale
after an edit; these tests name it instead."""

import pytest
from jinja2 import meta, nodes
from pelican import signals

from office.build import build_site
from plugins.writing.fingerprints import NARROW, OWN
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


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return _environment_and_context(tmp_path_factory.mktemp("fingerprints"))


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


def test_narrow_templates_read_nothing_of_the_site_but_what_their_key_describes(built):
    environment, context = built
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


# What an item holds of its Markdown's body (Pelican's properties and methods over _content).
TEXT = {"content", "_content", "get_content", "summary", "get_summary"}


def _text_reads(tree) -> list[nodes.Node]:
    """The items whose text a template reads (`x.content`, `x["summary"]`; not `x.metadata.summary`,
    which is the summary its editor wrote)."""
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attribute = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        under = node.node
        if attribute in TEXT and not (isinstance(under, nodes.Getattr) and under.attr == "metadata"):
            found.append(under)
    return found


def test_no_template_reads_the_text_of_any_item_but_its_pages_own(built):
    environment, _ = built
    wrong = []
    theme = [name for name in environment.list_templates() if not name.startswith("!")]  # not Pelican's own
    assert "article.html" in theme and "_macros.html" in theme
    for name in sorted(theme):
        tree = environment.parse(environment.loader.get_source(environment, name)[0])
        rebound = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
        for under in _text_reads(tree):
            own = isinstance(under, nodes.Name) and under.name in OWN and under.name not in rebound
            if not own:
                wrong.append(f"{name}, line {under.lineno}")
    assert wrong == [], wrong


def test_the_check_names_a_list_that_shows_its_items_text(built):
    environment, _ = built
    tree = environment.parse(
        "{{ page.content }}{% for article in articles %}{{ article.summary }}{{ article.metadata.summary }}"
        "{% endfor %}{{ featured['content'] }}"
    )
    reads = [(under.name, under.name in OWN) for under in _text_reads(tree)]
    assert reads == [("page", True), ("article", True), ("featured", False)]
    rebound = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    assert "article" in rebound  # so article.summary, in a loop, is named by the check
