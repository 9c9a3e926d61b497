"""Data inside Markdown: a paragraph that is only [[project: ID]] or [[events: CHAPTER]].

The paragraph is replaced by the theme's macro of the same name from _embeds.html, so an
article can show a project's progress or a chapter's events where its text talks about them.
"""

from __future__ import annotations

import re

EMBED = re.compile(r"<p>\s*\[\[\s*(project|events)\s*:\s*([^\]\s]+)\s*\]\]\s*</p>")


def render(html: str, known: dict[str, dict], macros) -> tuple[str, list[tuple[str, str]]]:
    """The HTML with every embed drawn, and the (kind, id) pairs that name nothing known."""
    unknown: list[tuple[str, str]] = []

    def draw(match: re.Match) -> str:
        kind, ident = match.groups()
        if ident not in known[kind]:
            unknown.append((kind, ident))
            return ""
        return str(getattr(macros, kind)(known[kind][ident]))

    return EMBED.sub(draw, html), unknown
