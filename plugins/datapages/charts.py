"""Small SVG charts drawn at build time, so figures show without any JavaScript.

Colours come from the theme's CSS classes (.chart-in, .chart-out); each chart carries a
title for screen readers, and every figure drawn is also in a table next to it.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from core.ledger import Year


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def year_bars(
    years: list[Year], title: str, income_label: str, spending_label: str, currency: str = "¥"
) -> str:
    """Income and spending side by side for each year."""
    width, height, top, bottom, left = 400, 200, 26, 24, 4
    if not years:
        return ""
    peak = max(max(y.income, y.spending) for y in years) or Decimal(1)
    slot = (width - left * 2) / len(years)
    bar = min(28.0, slot / 3)
    scale = (height - top - bottom) / float(peak)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<rect class="chart-in" x="{left}" y="4" width="12" height="12"/>'
        f'<text x="{left + 16}" y="15">{escape(income_label)}</text>',
        f'<rect class="chart-out" x="{left + 90}" y="4" width="12" height="12"/>'
        f'<text x="{left + 106}" y="15">{escape(spending_label)}</text>',
    ]
    base = height - bottom
    for index, year in enumerate(years):
        x = left + slot * index + slot / 2
        for offset, css, value, label in (
            (-bar, "chart-in", year.income, income_label),
            (0, "chart-out", year.spending, spending_label),
        ):
            h = float(value) * scale
            parts.append(
                f'<rect class="{css}" x="{x + offset:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f"<title>{year.year} {escape(label)} {currency}{_money(value)}</title></rect>"
            )
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{year.year}</text>')
    parts.append(f'<line class="chart-axis" x1="{left}" x2="{width - left}" y1="{base}" y2="{base}"/></svg>')
    return "".join(parts)


def category_bars(by_category: dict[str, Decimal], title: str, currency: str = "¥") -> str:
    """Spending per category as horizontal bars, largest first, with the amount written out."""
    if not by_category:
        return ""
    rows = sorted(by_category.items(), key=lambda item: -item[1])
    width, row_height, label_width = 400, 26, 110
    height = row_height * len(rows) + 8
    peak = float(rows[0][1]) or 1.0
    room = width - label_width - 90
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (category, amount) in enumerate(rows):
        y = 4 + index * row_height
        w = float(amount) / peak * room
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 17}" text-anchor="end">{escape(category)}</text>'
            f'<rect class="chart-out" x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row_height - 10}"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + 17}">{currency}{_money(amount)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
