"""Every page type on phones 320 to 414 px wide, in both editions: nothing wider than the screen,
no number broken over two lines (a year read as 20/26), no text smaller than 12 px, charts too."""

import pytest

from tests.e2e.conftest import PAGES

# What a visitor would see as broken, measured in the page: overflow, numbers or dates that
# run over two lines, text (HTML or in a chart, as drawn after scaling) under 12 px.
LAYOUT = """() => {
  const problems = [], shown = (el) => el.getClientRects().length > 0 && !el.closest('.hp, [aria-hidden=true]');
  const lines = (rects) => new Set([...rects].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow > 0) problems.push(`${overflow} px wider than the screen`);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const sized = new Set();
  for (let node; (node = walker.nextNode()); ) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !shown(el)) continue;
    for (const m of node.textContent.matchAll(/[¥$]?\\d[\\d,.:]*\\d%?/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      if (lines(range.getClientRects()) > 1) problems.push(`"${m[0]}" wraps, in <${el.localName}>`);
    }
    if (sized.has(el)) continue;
    sized.add(el);
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) { const m = el.getScreenCTM(); size *= m ? Math.hypot(m.a, m.b) : 1; }
    if (size < 11.95) problems.push(`${size.toFixed(1)} px: "${node.textContent.trim().slice(0, 20)}" in <${el.localName}>`);
  }
  for (const time of document.querySelectorAll('time')) {
    if (shown(time) && lines(time.getClientRects()) > 1) problems.push(`date "${time.textContent}" wraps`);
  }
  return problems;
}"""


def layout_problems(page, paths: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        page.goto(page.base + path)
        found += [(path, problem) for problem in page.evaluate(LAYOUT)]
    return found


@pytest.mark.parametrize(("width", "text"), [(320, "normal"), (414, "normal"), (320, "large")])
@pytest.mark.parametrize("edition", ["zh", "en"])
def test_every_page_type_holds_on_a_phone(open_page, width, text, edition):
    page = open_page(width, 800)
    if text == "large":  # 大字版, as chosen on an earlier page
        page.add_init_script("localStorage.setItem('text-size', 'large')")
    paths = [p for p in PAGES if p.startswith("/en/") == (edition == "en")]
    assert layout_problems(page, paths) == []
