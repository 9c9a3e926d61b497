"""Stop the build when two sources would be written to the same address."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from pelican import signals

from core.manifest import active
from core.problems import Problem, ProblemsFound, source_label
from plugins.writing.fingerprints import address


def find_collisions(claims: list[tuple[str, str]]) -> list[Problem]:
    """claims: (output path, what claims it). One problem per path claimed more than once."""
    owners: dict[str, list[str]] = defaultdict(list)
    for save_as, source in claims:
        if save_as and source not in owners[save_as]:
            owners[save_as].append(source)
    owners = {save_as: sorted(sources) for save_as, sources in owners.items()}
    return [
        Problem(
            sources[0],
            f"与 {'、'.join(sources[1:])} 的网址相同（{save_as}），请在其中一个文件里加一行 Slug: 另一个网址",
            f"has the same address as {', '.join(sources[1:])} ({save_as}); give one of them its own Slug:",
        )
        for save_as, sources in owners.items()
        if len(sources) > 1
    ]


def _claims(generators) -> list[tuple[str, str]]:
    context = generators[0].context
    claims = [
        (content.save_as, source_label(generators[0].settings["PATH"], content.source_path))
        for content in context["generated_content"].values()
        if getattr(content, "save_as", None)
    ]
    for generator in generators:
        for taxonomy, label in (("categories", "分类 category"), ("tags", "标签 tag")):
            for item in getattr(generator, taxonomy, []):
                item = item[0] if isinstance(item, tuple) else item  # categories are (name, articles)
                claims.append((item.save_as, f"{label} “{item.name}”"))
    return claims


def _check(generators) -> None:
    # A build that keeps what has not changed (core/manifest.py) skips the check when every
    # address is made of what it was made of last time, when it passed.
    manifest, key = active(), _addresses(generators)
    if manifest is not None and manifest.unchanged("addresses", key):
        return
    # Raised, not logged: Pelican would otherwise go on and fail on the first overwritten file.
    problems = find_collisions(_claims(generators))
    if problems:
        raise ProblemsFound(problems)
    if manifest is not None:
        manifest.made("addresses", key, [])


def _addresses(generators) -> str:
    found = hashlib.sha1()
    for source, content in sorted(generators[0].context["generated_content"].items()):
        found.update(f"{source}\0{address(content)}\0".encode())
    for generator in generators:
        for taxonomy in ("categories", "tags"):
            for item in getattr(generator, taxonomy, []):
                item = item[0] if isinstance(item, tuple) else item
                found.update(f"{taxonomy}\0{item.name}\0{item.slug}\0".encode())
    return found.hexdigest()


def register() -> None:
    signals.all_generators_finalized.connect(_check)
