"""Small SVG charts drawn at build time, so figures show without any JavaScript.

Colours and the type size come from the theme's CSS (.chart, .chart-in, .chart-out); each chart
carries a title for screen readers, and every figure drawn is also in a table next to it.
A chart is WIDTH units wide and shrinks with the screen: the CSS type size (18 units) reads at
no less than 12 px down to a 280 px column (a 320 px phone, in larger text), so nothing is
drawn where a label needs more room than it has.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from core.ledger import Year

WIDTH = 400
TYPE = 18  # the type size .chart sets in site.css, in the chart's units
DIGIT = 0.6 * TYPE  # a digit's width, near enough


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def year_bars(
    years: list[Year], title: str, income_label: str, spending_label: str, currency: str = "¥"
) -> str:
    """Income and spending side by side for each year; with many years, every other year is named."""
    width, height, top, bottom, left = WIDTH, 220, 34, 28, 4
    if not years:
        return ""
    peak = max(max(y.income, y.spending) for y in years) or Decimal(1)
    slot = (width - left * 2) / len(years)
    bar = min(28.0, slot / 3)
    named = max(1, -(-int(4 * DIGIT + 8) // int(slot)))  # name every n-th year so that names do not touch
    scale = (height - top - bottom) / float(peak)
    legend = left + 24 + len(income_label) * TYPE
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<rect class="chart-in" x="{left}" y="6" width="14" height="14"/>'
        f'<text x="{left + 20}" y="19">{escape(income_label)}</text>',
        f'<rect class="chart-out" x="{legend}" y="6" width="14" height="14"/>'
        f'<text x="{legend + 20}" y="19">{escape(spending_label)}</text>',
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
        if (len(years) - 1 - index) % named == 0:  # the latest year is always named
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{year.year}</text>')
    parts.append(f'<line class="chart-axis" x1="{left}" x2="{width - left}" y1="{base}" y2="{base}"/></svg>')
    return "".join(parts)


def category_bars(by_category: dict[str, Decimal], title: str, currency: str = "¥") -> str:
    """Spending per category, largest first: the category and its amount on a line, its bar below."""
    if not by_category:
        return ""
    rows = sorted(by_category.items(), key=lambda item: -item[1])
    width, row_height = WIDTH, 46
    height = row_height * len(rows) + 4
    peak = float(rows[0][1]) or 1.0
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (category, amount) in enumerate(rows):
        y = 4 + index * row_height
        w = max(float(amount) / peak * width, 1.0)
        parts.append(
            f'<text x="0" y="{y + 18}">{escape(category)}</text>'
            f'<text x="{width}" y="{y + 18}" text-anchor="end">{currency}{_money(amount)}</text>'
            f'<rect class="chart-out" x="0" y="{y + 26}" width="{w:.1f}" height="12"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
