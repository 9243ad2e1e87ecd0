"""The published site works for its readers, checked in a real browser and over its files."""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from implsupport import website

from .conftest import REPORTS, ROOT, chapter_notebooks, toc_pages
from .surveys import take_survey

PAGES = toc_pages()
NOTEBOOKS = chapter_notebooks()
FILE_NAME = re.compile(r"^[\w\-./]+\.(png|jpe?g|svg|gif|webp)$", re.I)


class _Elements(html.parser.HTMLParser):
    """Collect ids, links and images of one HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self._depth_in_article = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"] or "")
        if tag == "article":
            self._depth_in_article += 1
        for key in ("href", "src"):
            if attributes.get(key) and tag in {"a", "img", "link", "script"}:
                self.links.append(attributes[key] or "")
        if tag == "img":
            in_article = "yes" if self._depth_in_article else None
            self.images.append({**attributes, "in_article": in_article})

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._depth_in_article -= 1


def parse(path: Path) -> _Elements:
    parser = _Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# A page that does everything the survey must catch.
FAULTY_PAGE = """<!doctype html><html lang="en"><head><title>Faulty</title>
<link rel="stylesheet" href="missing.css"></head><body><main><article><p>Text</p>
<img src="http://example.org/figure.png" alt="a figure from another host">
<img src="dot.svg" alt="a figure of this site"></article></main>
<script>console.error("broken on purpose")</script></body></html>"""


def test_a_survey_records_errors_outside_requests_and_what_arrived(browser, tmp_path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>Site</title>", encoding="utf-8")
    (tmp_path / "faulty.html").write_text(FAULTY_PAGE, encoding="utf-8")
    dot = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>'
    (tmp_path / "dot.svg").write_text(dot, encoding="utf-8")
    with website.serve(tmp_path) as url:
        context = browser.new_context()
        first = take_survey(context, url, "faulty.html", 1280, 900, first_visit=True)
        again = take_survey(context, url, "faulty.html", 390, 844, first_visit=False)
        context.close()
    assert "broken on purpose" in first.console_errors
    # the style sheet fails twice over (a 404, and then not a style sheet); the page has no
    # icon, so the browser's request for /favicon.ico is a 404 too
    assert f"404 {url}missing.css" in first.failed_requests
    assert f"404 {url}favicon.ico" in first.failed_requests
    assert {f.split()[-1] for f in first.failed_requests} == {
        f"{url}missing.css",
        f"{url}favicon.ico",
    }
    assert set(first.external_requests) == {"http://example.org/figure.png"}
    sizes = dict(first.transferred)
    assert set(sizes) == {f"{url}faulty.html", f"{url}dot.svg"}
    assert sizes[f"{url}dot.svg"] >= len(dot)
    # The second visit comes from the cache (files this new are revalidated: headers only,
    # which resource timing counts as 300 bytes), and still sees the page's faults.
    assert {size for _, size in again.transferred} <= {300}
    assert "broken on purpose" in again.console_errors
    assert set(again.external_requests) == {"http://example.org/figure.png"}


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_without_console_errors_or_failed_requests(surveyed, page_path: str) -> None:
    result = surveyed(page_path)
    assert result.console_errors == [], f"{page_path}: console errors {result.console_errors}"
    assert result.failed_requests == [], f"{page_path}: failed requests {result.failed_requests}"
    # The site must work offline: nothing it needs may come from another host.
    assert result.external_requests == [], (
        f"{page_path}: requests to other hosts {result.external_requests}"
    )


@pytest.mark.parametrize("page_path", PAGES)
def test_no_error_or_traceback_in_executed_cells(site: Path, page_path: str) -> None:
    text = (site / page_path).read_text(encoding="utf-8")
    for marker in ("Traceback (most recent call last)", "highlight-ipythontb", "output stderr"):
        assert marker not in text, f"{page_path}: a cell's output contains {marker!r}"


@pytest.mark.parametrize("page_path", PAGES)
def test_every_figure_has_meaningful_alt_text(site: Path, page_path: str) -> None:
    for image in parse(site / page_path).images:
        alt = (image.get("alt") or "").strip()
        src = image.get("src") or ""
        assert alt, f"{page_path}: image {src} has no alt text"
        assert not FILE_NAME.match(alt) and alt != Path(src).name, (
            f"{page_path}: alt is a file name"
        )
        if image["in_article"]:  # figures of the content, not the theme's logos
            assert len(alt) >= 40, f"{page_path}: alt text too short to describe a figure: {alt!r}"


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    # Every page of the book; _static holds the theme's templates, not pages.
    pages = {p: parse(p) for p in site.rglob("*.html") if "_static" not in p.parts}
    broken = []
    for page, elements in pages.items():
        for link in elements.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "javascript:", "data:")):
                continue  # external links cannot be reached from here and are not checked
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)} -> {link} (no such anchor)")
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:10]}"


def test_citations_resolve_to_the_bibliography(site: Path) -> None:
    bibliography = parse(site / "chapters" / "bibliography.html").ids
    cited = 0
    for page_path in PAGES:
        for link in parse(site / page_path).links:
            if "bibliography.html#" in link:
                cited += 1
                assert link.split("#", 1)[1] in bibliography, f"{page_path}: {link} unresolved"
    assert cited >= 10, f"only {cited} citations found across the book"
    text = (site / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    assert "Metz" in text and "Proctor" in text


def test_search_finds_a_known_term(visit) -> None:
    result = visit("search.html?q=competencies")
    page = result.page
    page.wait_for_selector("#search-results ul.search li", timeout=15000)
    hits = page.locator("#search-results ul.search li a").all_inner_texts()
    assert any("gap and the people" in h for h in hits), hits


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_launch_and_download_buttons_point_to_the_notebook(site: Path, notebook: str) -> None:
    links = parse(site / f"{notebook}.html").links
    binder = [u for u in links if "mybinder.org" in u]
    colab = [u for u in links if "colab.research.google.com" in u]
    assert binder and all(u.endswith(f"urlpath=lab/tree/{notebook}.ipynb") for u in binder)
    assert colab and all(u.endswith(f"/blob/main/{notebook}.ipynb") for u in colab)
    downloads = [u for u in links if u.endswith(".ipynb") and "_sources" in u]
    assert downloads, f"{notebook}: no download link for the notebook"
    source = (site / Path(notebook).parent / downloads[0]).resolve()
    original = json.loads((ROOT / f"{notebook}.ipynb").read_text())
    assert len(json.loads(source.read_text())["cells"]) == len(original["cells"])


def test_solutions_stay_hidden_until_opened(visit) -> None:
    with_solutions = [n for n in NOTEBOOKS if "solution-start" in (ROOT / f"{n}.ipynb").read_text()]
    assert with_solutions
    page = visit(f"{with_solutions[0]}.html").page
    solution = page.locator("div.solution").first
    body = solution.locator("section").first
    assert not body.is_visible(), "a solution is visible before it is opened"
    header = solution.locator(".admonition-title").first
    assert header.locator("a").count() == 0, "the solution's header holds a link, not the control"
    header.click(position={"x": 60, "y": 10})  # on the words "Solution to Exercise ..."
    body.wait_for(state="visible", timeout=5000)
    assert body.is_visible()
    assert "#" not in page.url.split(".html", 1)[1], "the click jumped away instead of opening"


def test_print_styles_show_or_hide_solutions(visit) -> None:
    """What `make pdf` prints: dropdown solutions opened, or removed with SOLUTIONS=no."""
    with_solutions = [n for n in NOTEBOOKS if "solution-start" in (ROOT / f"{n}.ipynb").read_text()]
    page = visit(f"{with_solutions[0]}.html").page
    page.add_style_tag(content=website.PRINT_CSS)
    page.emulate_media(media="print")
    body = page.locator("div.solution section").first
    assert body.is_visible()
    assert not page.locator(".bd-sidebar-primary").first.is_visible()
    page.add_style_tag(content=website.HIDE_SOLUTIONS_CSS)
    assert not body.is_visible()
    assert page.locator("div.exercise").first.is_visible()


@pytest.mark.parametrize("page_path", PAGES)
def test_no_serious_accessibility_violations(surveyed, page_path: str) -> None:
    serious = surveyed(page_path).accessibility
    assert serious == [], f"{page_path}: {serious}"


def test_screenshots_at_desktop_and_mobile_widths(visit) -> None:
    folder = REPORTS / "screenshots"
    folder.mkdir(exist_ok=True)
    chosen = [PAGES[0], PAGES[1], PAGES[len(PAGES) // 2]]
    for page_path in dict.fromkeys(chosen):
        for label, width, height in (("desktop", 1280, 900), ("mobile", 390, 844)):
            page = visit(page_path, width=width, height=height).page
            target = folder / f"{page_path.replace('/', '_')}-{label}.png"
            page.screenshot(path=str(target), full_page=False)
            header = target.read_bytes()[:24]
            assert header[:8] == b"\x89PNG\r\n\x1a\n"
            assert int.from_bytes(header[16:20], "big") == width
