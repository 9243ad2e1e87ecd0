"""One first visit to a page, and everything the tests measure on it.

Many tests look at the same page: whether it loads cleanly, how much it transfers, what axe
finds, whether its formulas are typeset, how its figures and code fit. Loading a page and
running axe is what costs, so each page is visited once at each width; the tests read the
measurements from that visit (:class:`Survey`). A page's tests run on one test worker
(``work_unit`` in tests/conftest.py), so its survey is taken once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

# The text a reader sees in the article, without code (where TeX may be written on purpose)
# and without the MathML copy that KaTeX keeps for screen readers.
ARTICLE_TEXT = """() => {
  const article = document.querySelector('article').cloneNode(true);
  article.querySelectorAll('pre, code, .katex-mathml').forEach(e => e.remove());
  return article.innerText;
}"""
FIGURES = """() => Array.from(document.querySelectorAll('article figure img')).map(img => {
  const box = img.getBoundingClientRect();
  const link = img.closest('a');
  return {src: img.getAttribute('src'), url: img.src, width: box.width,
          natural: img.naturalWidth, link: link ? link.href : null};
})"""
# The page's small print: the smallest text the page itself sets (code, tables, notes).
SMALL_PRINT = """() => Math.min(...Array.from(document.querySelectorAll(
  'article p, article li, article td, article th, article pre, article figcaption, article small'
)).filter(e => e.innerText.trim()).map(e => parseFloat(getComputedStyle(e).fontSize)))"""
# Code and printed output (``pre``) that need a sideways scroll bar in the text column.
SCROLLING_SIDEWAYS = """() => Array.from(document.querySelectorAll('article pre'))
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.scrollWidth - e.clientWidth} px: ${e.textContent.trim().slice(0, 50)}`)"""
# Tables wider than the text column, or cut off by a container that scrolls sideways.
WIDE_TABLES = """() => Array.from(document.querySelectorAll('article table')).map(t => {
  const text = t.closest('section') || t.closest('article');
  const box = t.getBoundingClientRect(), column = text.getBoundingClientRect();
  let cut = false;
  for (let e = t; e && e !== text; e = e.parentElement)
    cut = cut || e.scrollWidth > e.clientWidth + 1;
  const wide = box.width > 0 && (cut || box.right > column.right + 1 || box.left < column.left - 1);
  return wide ? `${Math.round(box.width)} px in ${Math.round(column.width)} px: `
    + t.innerText.trim().replace(/\\s+/g, ' ').slice(0, 50) : null;
}).filter(found => found)"""
COUNTS = """() => ({
  pre: document.querySelectorAll('article pre').length,
  tables: document.querySelectorAll('article table').length,
  formulas: document.querySelectorAll('article .katex').length,
  formula_errors: document.querySelectorAll('article .katex-error').length,
  images: document.querySelectorAll('article img').length,
  maths_font: document.fonts.check('16px KaTeX_Main'),
})"""


RECORDED = ("console_errors", "failed_requests", "external_requests", "transferred")


@dataclass
class Survey:
    """What a visit to one page at one width showed."""

    path: str
    width: int
    #: made with an empty cache (so ``transferred`` is what a first visit transfers)
    first_visit: bool
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    transferred: list[tuple[str, int]] = field(default_factory=list)
    counts: dict[str, int | bool] = field(default_factory=dict)
    article_text: str = ""
    figures: list[dict[str, object]] = field(default_factory=list)
    small_print: float = 0.0
    scrolling_sideways: list[str] = field(default_factory=list)
    wide_tables: list[str] = field(default_factory=list)
    #: serious and critical axe findings, measured at desktop width only
    accessibility: list[str] | None = None

    def bytes_transferred(self) -> int:
        """Bytes the browser received for the page (bodies and headers)."""
        return sum(size for _, size in self.transferred)


def take_survey(
    context, base_url: str, path: str, width: int, height: int, *, first_visit: bool
) -> Survey:
    """Visit ``path`` in a new page of ``context``, at ``width`` × ``height``; measure it.

    Every outside request is refused. A first visit is made in a new context, whose cache is
    empty: what it transfers is what a reader's first visit transfers. Otherwise the page is
    loaded from the context's cache (a reader opening the page again on another screen), which
    measures the same layout for less work.
    """
    survey = Survey(path, width, first_visit=first_visit)
    page = context.new_page()
    try:
        page.set_viewport_size({"width": width, "height": height})
        seen = SimpleNamespace(**{name: [] for name in RECORDED})
        watch(page, base_url, seen)
        page.goto(base_url + path, wait_until="networkidle")
        # Everything a reader scrolling to the end would load, lazy images included.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")
        survey.counts = page.evaluate(COUNTS)
        survey.article_text = page.evaluate(ARTICLE_TEXT)
        survey.figures = page.evaluate(FIGURES)
        survey.small_print = page.evaluate(SMALL_PRINT)
        survey.scrolling_sideways = page.evaluate(SCROLLING_SIDEWAYS)
        survey.wide_tables = page.evaluate(WIDE_TABLES)
        received(page, seen)
        # What the page did; axe, run next, fetches the style sheets again to read them (not
        # as the page does, and a 404 for one), which is not the page's doing.
        for name in RECORDED:
            setattr(survey, name, list(getattr(seen, name)))
        if width >= 1280:
            survey.accessibility = serious_accessibility_findings(page)
    finally:
        page.close()
    return survey


def watch(page, base_url: str, record) -> None:
    """Record console errors, failed requests, and requests that tried to leave the machine.

    ``record`` has the lists ``console_errors``, ``failed_requests`` and
    ``external_requests``. The browser sends every request for another host to a proxy that
    is not there (``website.CHROMIUM_ARGS``), so such a request fails, and is recorded here.
    Requests are not routed through this process: routing turns the browser's cache off, and
    with a size query per request it cost about a sixth of a visit's CPU. What the page
    received, and its HTTP errors, are read from the browser's own records (:func:`received`).
    """
    page.on("console", lambda m: m.type == "error" and record.console_errors.append(m.text))
    page.on("pageerror", lambda e: record.console_errors.append(str(e)))

    def failed(request) -> None:
        local = request.url.startswith(base_url) or request.url.startswith("data:")
        (record.failed_requests if local else record.external_requests).append(request.url)

    page.on("requestfailed", failed)


# Every response the page had: the document and each resource, from the browser's resource
# timing. ``transferSize`` is the encoded body plus the headers (counted as 300 bytes).
RECEIVED = """() => performance.getEntriesByType('navigation')
  .concat(performance.getEntriesByType('resource'))
  .map(e => [e.name, e.transferSize, e.responseStatus])"""


def received(page, record) -> None:
    """Add what ``page`` received to ``record.transferred`` and its HTTP errors (status 400 or
    more) to ``record.failed_requests``."""
    for url, size, status in page.evaluate(RECEIVED):
        if status >= 400:
            record.failed_requests.append(f"{status} {url}")
        elif size:
            record.transferred.append((url, size))


def serious_accessibility_findings(page) -> list[str]:
    """axe-core's serious and critical findings in the page's main content."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [["main"]]})
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
