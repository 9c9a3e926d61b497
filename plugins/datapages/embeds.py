"""Data inside Markdown: a paragraph that is only [[project: ID]] or [[events: CHAPTER]] (or
several of them, a line each).

The paragraph is replaced by the theme's macro of the same name from _embeds.html, so an
article can show a project's progress or a chapter's events where its text talks about them.
"""

from __future__ import annotations

import re

ONE = re.compile(r"\[\[\s*(project|events)\s*:\s*([^\]\s]+)\s*\]\]")
# A paragraph of embeds only: one, or several on lines of their own (Markdown joins lines with no
# empty line between them into one paragraph).
EMBED = re.compile(r"<p>((?:\s*(?:<br\s*/?>)?\s*\[\[\s*(?:project|events)\s*:\s*[^\]\s]+\s*\]\])+)\s*</p>")


def render(html: str, known: dict[str, dict], macros) -> tuple[str, list[tuple[str, str]], list[str]]:
    """The HTML with every embed drawn; the (kind, id) pairs that name nothing known; and the
    embeds left inside a paragraph of text, which are not drawn (an embed is a paragraph)."""
    unknown: list[tuple[str, str]] = []

    def one(match: re.Match) -> str:
        kind, ident = match.groups()
        if ident not in known[kind]:
            unknown.append((kind, ident))
            return ""
        return str(getattr(macros, kind)(known[kind][ident]))

    drawn = EMBED.sub(lambda paragraph: "".join(one(m) for m in ONE.finditer(paragraph.group(1))), html)
    return drawn, unknown, [m.group(0) for m in ONE.finditer(drawn)]
