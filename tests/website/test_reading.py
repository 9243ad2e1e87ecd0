"""The site as a reader meets it: on a phone, a tablet and a desktop, offline, on a first visit.

Each test opens the built site in Chromium with every request to another host refused, at the
widths readers use: 390 px (a phone), 800 px (a tablet) and 1280 px (a laptop).
"""

from __future__ import annotations

import fcntl
import html
import posixpath
import re
from pathlib import Path

import pytest

from implsupport import references

from .conftest import REPORTS, ROOT, SITE, chapter_notebooks, toc_pages

PAGES = toc_pages()
CHAPTERS = chapter_notebooks()
WIDTHS = (390, 800, 1280)
#: The chapters and pages listed in the site navigation (sections unfold beneath them).
CHAPTER_LINKS = "nav.bd-docs-nav li.toctree-l1 > a"
TOP_LEVEL_PAGES = 12
#: A first visit to any page may transfer at most this much (1.5 MB).
MAX_FIRST_VISIT_BYTES = 1_500_000
#: TeX that a renderer should have turned into mathematics.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\frac|\\begin\{")


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
        count, unreachable = _links_reachable(page, f"#pst-primary-sidebar {CHAPTER_LINKS}")
    else:  # narrow screens: the sidebar opens over the page and closes with Escape
        assert not page.locator(chapter_links).first.is_visible()
        toggles[0].click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        dialog.locator("nav.bd-docs-nav a.reference").first.wait_for(state="visible")
        count, unreachable = _links_reachable(page, f"#pst-primary-sidebar-modal {CHAPTER_LINKS}")
        page.keyboard.press("Escape")
        page.wait_for_timeout(400)
        assert not page.locator(chapter_links).first.is_visible(), "sidebar did not close"
    assert count >= TOP_LEVEL_PAGES, f"{width} px: only {count} chapters in the site navigation"
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
def test_formulas_are_typeset_offline(surveyed, page_path: str) -> None:
    survey = surveyed(page_path)
    text = survey.article_text
    raw = [text[max(0, m.start() - 30) : m.end() + 30] for m in RAW_TEX.finditer(text)]
    assert raw == [], f"{page_path}: TeX left as source: {raw[:5]}"
    assert survey.counts["formulas"] > 0, f"{page_path}: no typeset formula"
    assert survey.counts["formula_errors"] == 0
    # The formulas' fonts come from the site itself and have loaded.
    assert survey.counts["maths_font"]
    assert survey.external_requests == []


def _figure_pages() -> list[str]:
    built = [p for p in PAGES if (SITE / p).is_file()]  # none before the site is built
    return [p for p in built if "<img" in (SITE / p).read_text(encoding="utf-8")]


FIGURE_PAGES = _figure_pages()
SVG_FONT_SIZE = re.compile(r"font(?:-size)?:[^;\"]*?([\d.]+)px")
SVG_WIDTH = re.compile(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"')


def test_the_book_has_figures() -> None:
    assert len(FIGURE_PAGES) >= 6, FIGURE_PAGES


@pytest.mark.parametrize("page_path", FIGURE_PAGES)
def test_figures_are_sharp_and_their_text_no_smaller_than_the_small_print(
    surveyed, page_path: str
) -> None:
    survey = surveyed(page_path, width=1280)
    small_print, figures = survey.small_print, survey.figures
    assert figures, f"{page_path}: no figures"
    for figure in figures:
        name = figure["src"].rsplit("/", 1)[-1]
        if name.endswith(".svg"):
            svg = (SITE / Path(page_path).parent / figure["src"]).resolve().read_text()
            sizes = [float(s) for s in SVG_FONT_SIZE.findall(svg)]
            assert sizes, f"{page_path}: {name} has no text as text (font sizes unknown)"
            scale = figure["width"] / float(SVG_WIDTH.search(svg).group(1))
            smallest = min(sizes) * scale
            assert smallest >= small_print, (
                f"{page_path}: {name}: smallest text {smallest:.1f} px on the page, "
                f"smaller than the page's small print, {small_print:.1f} px"
            )
        else:  # a bitmap must have at least two pixels for each one on the screen
            assert figure["natural"] >= 2 * figure["width"], (
                f"{page_path}: {name} is {figure['natural']} px wide, shown at "
                f"{figure['width']:.0f} px"
            )
        # A tap opens the figure full size.
        assert figure["link"] == figure["url"], f"{page_path}: {name} does not open full size"


@pytest.mark.parametrize("page_path", FIGURE_PAGES)
def test_figures_fit_a_phone_and_open_full_size(surveyed, page_path: str) -> None:
    figures = surveyed(page_path, width=390).figures
    assert figures, f"{page_path}: no figures at 390 px"
    for figure in figures:
        assert 0 < figure["width"] <= 390, f"{page_path}: {figure['src']} is wider than the phone"
        assert figure["link"] == figure["url"], f"{page_path}: {figure['src']} cannot be enlarged"


@pytest.mark.parametrize("page_path", PAGES)
def test_first_visit_transfers_at_most_one_and_a_half_megabytes(surveyed, page_path: str) -> None:
    survey = surveyed(page_path)
    assert survey.first_visit
    size = survey.bytes_transferred()
    line = (
        f"{size / 1024:9.1f} KiB  {len(survey.transferred):3d} requests  "
        f"{survey.counts['images']:3d} figures  {page_path}"
    )
    record_page_weight(page_path, line)
    assert size <= MAX_FIRST_VISIT_BYTES, f"{page_path}: {size / 1e6:.2f} MB on a first visit"


def record_page_weight(page_path: str, line: str) -> None:
    """Put the page's line in the page-weight report (the test workers share the file)."""
    report = REPORTS / "page_weight.txt"
    with open(REPORTS / "page_weight.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        old = report.read_text().splitlines()[1:] if report.is_file() else []
        lines = {entry.split()[-1]: entry for entry in old if entry.split()[-1] in PAGES}
        lines[page_path] = line
        report.write_text(
            "Bytes transferred on a first visit (empty cache), measured in Chromium "
            "(resource timing: bodies as sent, headers counted as 300 bytes each)\n"
            + "".join(lines[p] + "\n" for p in PAGES if p in lines)
        )


@pytest.mark.parametrize(
    ("width", "chapter"),
    [(w, f"{c}.html") for w in (390, 1280) for c in CHAPTERS],
)
def test_code_and_printed_output_wrap_instead_of_scrolling_sideways(
    surveyed, width: int, chapter: str
) -> None:
    survey = surveyed(chapter, width=width)
    assert survey.counts["pre"] > 0, f"{chapter}: no code or printed output found"
    wide = survey.scrolling_sideways
    assert wide == [], f"{width} px: code or output scrolling sideways in {chapter}: {wide[:3]}"


@pytest.mark.parametrize("page_path", PAGES)
def test_tables_fit_the_text_column_at_1280_px(surveyed, page_path: str) -> None:
    survey = surveyed(page_path, width=1280)
    if page_path[: -len(".html")] in CHAPTERS:
        assert survey.counts["tables"] > 0, f"{page_path}: no table found to measure"
    wide = survey.wide_tables
    assert wide == [], f"{page_path}: tables wider than the text column at 1280 px: {wide}"


_ARTICLE = re.compile(r"<article\b.*?</article>", re.S)
_NOT_READ = re.compile(r"<(pre|code|script|style)\b.*?</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_BIBLIOGRAPHY_LINK = re.compile(r'href="([^"#]*bibliography\.html)?#([^"]+)"')
_SOURCE_IN_A_TABLE = re.compile(r'<td\b[^>]*>\s*<a href="[^"]*bibliography\.html#cite-')


def test_sources_are_named_and_link_to_their_bibliography_entry(site: Path) -> None:
    """No page shows a references.bib key as text; every link into the bibliography lands."""
    bibliography = "chapters/bibliography.html"
    target_page = (site / bibliography).read_text(encoding="utf-8")
    entries = set(re.findall(r'<div class="citation" id="([^"]+)"', target_page))
    anchors = set(re.findall(r'\bid="([^"]+)"', target_page))
    keys = references.bib_keys()
    # Entries are anchored by key (bibtex_cite_id in _config.yml), so tables can link to them.
    assert entries and entries <= {references.anchor(k) for k in keys}, sorted(entries)[:5]
    key_in_text = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
    shown, broken, table_links = {}, [], 0
    for page in PAGES:
        text = (site / page).read_text(encoding="utf-8")
        article = _ARTICLE.search(text)
        if article is None:
            continue
        read = html.unescape(_TAG.sub(" ", _NOT_READ.sub(" ", article.group(0))))
        if found := sorted(set(key_in_text.findall(read))):
            shown[page] = found
        if "and others" in read:  # an author list cut short is cited "et al."
            shown.setdefault(page, []).append("and others")
        for target, fragment in _BIBLIOGRAPHY_LINK.findall(article.group(0)):
            if not target and page != bibliography:
                continue  # a link within the page
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target or ""))
            if resolved == bibliography and fragment not in anchors:
                broken.append(f"{page}: #{fragment}")
        table_links += len(_SOURCE_IN_A_TABLE.findall(article.group(0)))
    assert shown == {}, f"citation keys shown as text: {shown}"
    assert broken == [], f"links to bibliography entries that do not exist: {broken}"
    assert table_links >= 10, f"only {table_links} sources in tables link to the bibliography"
