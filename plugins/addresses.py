"""Addresses: stop the build when two sources would be written to the same one, and say when a
published article or page has moved to a new one (its title changed and it has no Slug:), which
breaks every link to it shared before."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pelican import signals

from core.manifest import active
from core.problems import Problem, ProblemsFound, source_label
from plugins.datapages import Chapter, Project, Report
from plugins.metadata import key_line
from plugins.writing.fingerprints import address


@dataclass(frozen=True)
class Claim:
    """One thing the build would write at an address: a content file (`path`, when a Slug: of
    its own would give it another address: an article or a page), a data page or a taxonomy."""

    save_as: str
    source: str  # as the editor sees it: content/news/a.md, 标签 tag “返校日”
    path: str | None = None


def find_collisions(claims: list[Claim]) -> list[Problem]:
    """One problem per address claimed more than once, saying what would give one of them
    another: a Slug: where one is missing, else another Slug: where all have one."""
    owners: dict[str, dict[str, Claim]] = defaultdict(dict)
    for claim in claims:
        if claim.save_as:
            owners[claim.save_as].setdefault(claim.source, claim)
    problems = []
    for save_as, found in owners.items():
        if len(found) > 1:
            problems += _collision(save_as, [found[source] for source in sorted(found)])
    return problems


def _collision(save_as: str, claims: list[Claim]) -> list[Problem]:
    # Only now are the files read: which of them already write a Slug:, and on which line.
    slugs = {c.source: key_line(c.path, "slug") for c in claims if c.path}
    without = [source for source, line in slugs.items() if line is None]
    if without and len(without) < len(claims):  # the others' Slug: or name already is this address
        # Each file without one needs a Slug: of its own, so each is named (not one per build).
        problems = []
        for source in without:
            others = [c.source for c in claims if c.source != source]
            problems.append(Problem(
                source,
                f"与 {'、'.join(others)} 的网址相同（{save_as}），请在这个文件里加一行 Slug: 另一个网址",
                f"has the same address as {', '.join(others)} ({save_as}); give this file a Slug: of its own",
                kind="address",
            ))  # fmt: skip
        return problems
    if slugs and not without:  # a Slug: more would change nothing: one of them must change
        first = next(c.source for c in claims if c.source in slugs)
        others = [f"{c.source}（第 {slugs[c.source]} 行）" if c.source in slugs else c.source
                  for c in claims if c.source != first]  # fmt: skip
        others_en = [f"{c.source} (line {slugs[c.source]})" if c.source in slugs else c.source
                     for c in claims if c.source != first]  # fmt: skip
        which = (
            ("其中一个的 Slug:", "the Slug: of one of them")
            if len(slugs) > 1
            else ("这里的 Slug:", "this Slug:")
        )
        named = "、".join(others)
        return [Problem(
            first,
            f"与 {named}{'' if named.endswith('）') else ' '}的网址相同（{save_as}），请把{which[0]} 改成另一个网址",
            f"has the same address, {save_as}, as {', '.join(others_en)}; change {which[1]} to another address",
            line=slugs[first], field="Slug", kind="address",
        )]  # fmt: skip
    sources = [c.source for c in claims]
    # All but one need an address of their own: with three or more, say so.
    zh, en = (
        ("其中一个文件里", "one of them its own Slug:")
        if len(sources) == 2
        else (f"其中 {len(sources) - 1} 个文件里各", "all but one of them a Slug: of their own")
    )
    return [Problem(
        sources[0],
        f"与 {'、'.join(sources[1:])} 的网址相同（{save_as}），请在{zh}加一行 Slug: 另一个网址",
        f"has the same address as {', '.join(sources[1:])} ({save_as}); give {en}",
        kind="address",
    )]  # fmt: skip


def _claims(generators) -> list[Claim]:
    context, content_path = generators[0].context, generators[0].settings["PATH"]
    claims = [
        Claim(
            content.save_as,
            source_label(content_path, content.source_path),
            # A data page's address is its row's id or its project and year, whatever it writes.
            None if isinstance(content, Chapter | Project | Report) else content.source_path,
        )
        for content in context["generated_content"].values()
        if getattr(content, "save_as", None)
    ]
    for generator in generators:
        for taxonomy, label in (("categories", "分类 category"), ("tags", "标签 tag")):
            for item in getattr(generator, taxonomy, []):
                item = item[0] if isinstance(item, tuple) else item  # categories are (name, articles)
                claims.append(Claim(item.save_as, f"{label} “{item.name}”"))
    return claims


logger = logging.getLogger(__name__)
SHOWN = 5  # moves named one by one; a settings change that moves every page is said once


def moved(last: dict[str, list[str]], now: dict[str, list[str]]) -> list[str]:
    """One note per source published at another address last time (source -> [key, save_as])."""
    moves = sorted((source, last[source][1], save_as) for source, (_, save_as) in now.items()
                   if source in last and last[source][1] != save_as)  # fmt: skip
    notes = [
        f"{source} 的网址从 {old} 变成了 {new}，之前分享出去的链接会打不开；要保留原来的网址，"
        f"请在文件开头加一行 Slug: {_slug(old)} / the address of {source} changed from {old} to {new}, "
        f"so links shared before will break; to keep the old one, add the line Slug: {_slug(old)} at the top"
        for source, old, new in moves[:SHOWN]
    ]
    if len(moves) > SHOWN:
        notes.append(
            f"另有 {len(moves) - SHOWN} 个页面的网址也变了 / {len(moves) - SHOWN} more pages changed address"
        )
    return notes


def _slug(save_as: str) -> str:
    path = PurePosixPath(save_as)
    return path.parent.name if path.name == "index.html" else path.stem


def _note_moves(generators) -> None:
    """Each published source's address, worked out (slow in Pelican) only where what it is made
    of changed since the last published build; a note for each that moved."""
    manifest = active()
    if manifest is None:
        return
    folder, last, now = Path(generators[0].settings["PATH"]).name, manifest.last_addresses, {}
    for content in generators[0].context["generated_content"].values():
        if getattr(content, "status", "") not in ("published", "hidden"):  # a draft has no address to keep
            continue
        # content/news/a.md, as source_label says it; relative_source_path is kept (plugins/paths.py)
        source, key = f"{folder}/{content.relative_source_path}", address(content)
        kept = last.get(source)
        if kept and kept[0] == key:
            now[source] = kept
        elif save_as := getattr(content, "save_as", None):
            now[source] = [key, save_as]
    manifest.addresses = now
    for note in moved(last, now):
        logger.warning(note)


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
    signals.all_generators_finalized.connect(_note_moves)
