"""Tag, category and author lists answer membership as Pelican's plain lists do."""

import random

import pytest
from pelican import signals

from office.build import build_site
from plugins.taxonomies import Members
from tests.support import BUILD_DATE, ROOT


class Item:  # like Pelican's content objects: equal only to themselves
    pass


def test_members_answer_as_a_list_does_and_cannot_change():
    rng = random.Random(3)
    items = [Item() for _ in range(200)]
    plain = rng.sample(items, 60)
    members = Members(plain)
    assert [i for i in items if i in members] == [i for i in items if i in plain]
    assert list(members) == plain and members[2:5] == tuple(plain[2:5])
    with pytest.raises(AttributeError):
        members.append(items[0])


def test_the_sites_lists_keep_what_pelicans_lists_hold(tmp_path):
    found = {}

    def keep(generator):
        found["generator"] = generator

    signals.article_generator_finalized.connect(keep)  # after plugins.taxonomies: a later receiver
    try:
        build_site(
            ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(tmp_path / "output"), "BUILD_DATE": BUILD_DATE}
        )
    finally:
        signals.article_generator_finalized.disconnect(keep)
    generator = found["generator"]
    lists = [
        *generator.tags.values(),
        *(a for _, a in generator.categories),
        *(a for _, a in generator.authors),
    ]
    assert lists and all(isinstance(articles, Members) for articles in lists)
    for articles in lists:  # Pelican's own scan over a plain list is the oracle
        assert [a for a in generator.dates if a in articles] == [
            a for a in generator.dates if a in list(articles)
        ]
