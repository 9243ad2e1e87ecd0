"""The site as a reader meets it: on a phone, a tablet and a desktop, offline, on a first visit.

Each test opens the built site in Chromium with every request to another host refused, at the
widths readers use: 390 px (a phone), 800 px (a tablet) and 1280 px (a laptop).
"""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT, chapter_notebooks, toc_pages

PAGES = toc_pages()
CHAPTERS = chapter_notebooks()
WIDTHS = (390, 800, 1280)
#: TeX that a renderer should have turned into mathematics.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\frac|\\begin\{")

# The text a reader sees in the article, without code (where TeX may be written on purpose)
# and without the MathML copy that KaTeX keeps for screen readers.
ARTICLE_TEXT = """() => {
  const article = document.querySelector('article').cloneNode(true);
  article.querySelectorAll('pre, code, .katex-mathml').forEach(e => e.remove());
  return article.innerText;
}"""


def _visible_toggle(page, kind: str):
    toggles = page.locator(f"button.{kind}-toggle")
    visible = [toggles.nth(i) for i in range(toggles.count()) if toggles.nth(i).is_visible()]
    return visible


def _links_reachable(page, links_selector: str) -> tuple[int, list[str]]:
    """Scroll each link into view; return how many there are, and those not reachable."""
    links = page.locator(links_selector)
    unreachable = []
    for i in range(links.count()):
        link = links.nth(i)
        link.scroll_into_view_if_needed(timeout=2000)
        box = link.bounding_box()
        viewport = page.viewport_size
        if (
            not link.is_visible()
            or box is None
            or box["x"] < -1
            or box["x"] + min(box["width"], 20) > viewport["width"]
            or box["y"] < -1
            or box["y"] > viewport["height"]
        ):
            unreachable.append(link.inner_text().strip() or link.get_attribute("href"))
    return links.count(), unreachable


@pytest.mark.parametrize("width", WIDTHS)
def test_site_navigation_opens_and_closes_from_the_visible_toggle(visit, width: int) -> None:
    page = visit(CHAPTERS[1] + ".html", width=width, height=844).page
    toggles = _visible_toggle(page, "primary")
    assert len(toggles) == 1, f"{width} px: {len(toggles)} visible site-navigation toggles"
    chapter_links = "nav.bd-docs-nav a.reference"
    if width >= 992:  # a wide screen shows the sidebar beside the text; the toggle hides it
        assert page.locator(chapter_links).first.is_visible()
        toggles[0].click()
        page.wait_for_timeout(400)
        assert not page.locator(chapter_links).first.is_visible(), "sidebar did not close"
        toggles[0].click()
        page.wait_for_timeout(400)
        assert page.locator(chapter_links).first.is_visible(), "sidebar did not reopen"
        count, unreachable = _links_reachable(page, "#pst-primary-sidebar nav.bd-docs-nav a[href]")
    else:  # narrow screens: the sidebar opens over the page and closes with Escape
        assert not page.locator(chapter_links).first.is_visible()
        toggles[0].click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        dialog.locator("nav.bd-docs-nav a.reference").first.wait_for(state="visible")
        count, unreachable = _links_reachable(
            page, "#pst-primary-sidebar-modal nav.bd-docs-nav a[href]"
        )
        page.keyboard.press("Escape")
        page.wait_for_timeout(400)
        assert not page.locator(chapter_links).first.is_visible(), "sidebar did not close"
    assert count >= len(PAGES) - 1, f"{width} px: only {count} links in the site navigation"
    assert unreachable == [], f"{width} px: links that cannot be reached: {unreachable}"
    # A link in the sidebar takes the reader to its page.
    if width < 992:
        toggles[0].click()
        target = page.locator("#pst-primary-sidebar-modal nav.bd-docs-nav a.reference").last
    else:
        target = page.locator("#pst-primary-sidebar nav.bd-docs-nav a.reference").last
    href = target.get_attribute("href")
    target.click()
    page.wait_for_load_state()
    assert page.url.split("#")[0].endswith(href.split("#")[0].lstrip("./").split("/")[-1])


@pytest.mark.parametrize("width", WIDTHS)
def test_page_contents_open_from_the_visible_toggle(visit, width: int) -> None:
    page = visit(CHAPTERS[1] + ".html", width=width, height=844).page
    contents = "nav.page-toc a"
    # The contents list a page's sections; subsections unfold as the reader reaches them.
    sections = "nav.page-toc li.toc-h2 > a"
    if width >= 1200:  # wide enough: the page's contents are shown beside the text
        assert not _visible_toggle(page, "secondary")
        count, unreachable = _links_reachable(page, f"#pst-secondary-sidebar {sections}")
    else:
        assert not page.locator(contents).first.is_visible()
        toggles = _visible_toggle(page, "secondary")
        assert len(toggles) == 1, f"{width} px: {len(toggles)} visible page-contents toggles"
        toggles[0].click()
        dialog = page.locator("#pst-secondary-sidebar-modal")
        dialog.locator(contents).first.wait_for(state="visible")
        count, unreachable = _links_reachable(page, f"#pst-secondary-sidebar-modal {sections}")
        page.keyboard.press("Escape")
        page.wait_for_timeout(400)
        assert not page.locator(contents).first.is_visible(), "page contents did not close"
    assert count >= 3, f"{width} px: only {count} entries in the page contents"
    assert unreachable == [], f"{width} px: entries that cannot be reached: {unreachable}"


def _pages_with_formulas() -> list[str]:
    with_maths = []
    for page in PAGES:
        source = next(ROOT.glob(page.replace(".html", ".*")), None)
        if source and re.search(r"\$[^$\s]|\\\[|\\begin\{", source.read_text(encoding="utf-8")):
            with_maths.append(page)
    return with_maths


MATHS_PAGES = _pages_with_formulas()


def test_the_book_has_formulas() -> None:
    assert len(MATHS_PAGES) >= 4, MATHS_PAGES


@pytest.mark.parametrize("page_path", MATHS_PAGES)
def test_formulas_are_typeset_offline(visit, page_path: str) -> None:
    result = visit(page_path)
    page = result.page
    text = page.evaluate(ARTICLE_TEXT)
    raw = [text[max(0, m.start() - 30) : m.end() + 30] for m in RAW_TEX.finditer(text)]
    assert raw == [], f"{page_path}: TeX left as source: {raw[:5]}"
    assert page.locator("article .katex").count() > 0, f"{page_path}: no typeset formula"
    assert page.locator("article .katex-error").count() == 0
    # The formulas' fonts come from the site itself and have loaded.
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    assert result.external_requests == []
