"""Print the whole book to one PDF, offline, with Debian's Chromium.

Usage: python tools/make_pdf.py [--no-solutions] [--out _build/pdf/book.pdf]

The book is built as a single HTML page (Sphinx's singlehtml builder, using the execution
cache), opened in headless Chromium, and printed with print styles that hide the navigation
and open every dropdown; --no-solutions leaves the exercise solutions out. Code that the site
folds away (cells tagged ``hide-input``) is left out of print: a trainer prints the prose,
tables, figures and exercises (each with its answer cell, without the self-check's prompt).
Formulas are typeset when the book is built (KaTeX), so the PDF shows mathematics, never TeX
source; the script checks the PDF's text and fails if any is left. The PDF is tagged, so
figures keep their alt text, and has an outline of the chapters.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

from implsupport.website import HIDE_SOLUTIONS_CSS, PRINT_CSS, launch_chromium, serve

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "pdf"

#: Folded code stays folded in print (its output is printed), code that is printed wraps, wide
#: tables fit the page.
FOLDED_CODE_CSS = """
.cell.tag_hide-input > details.above-input { display: none !important; }
/* An exercise's self-check before any answer only asks for one: paper has no cell to run, so
   the exercise and its answer cell are printed, the prompt is not. */
.cell_output:has(.self-check-awaiting) { display: none !important; }
.cell_input pre, .cell_output pre { font-size: 8pt !important; }
img { max-width: 100% !important; height: auto !important; }
/* A figure taller than a page (the CFIR map, one panel per domain) is printed whole on one page,
   scaled down without being stretched. */
article figure img { max-height: 230mm; object-fit: contain; }
table { font-size: 9pt; }
/* Numbers in neighbouring columns need room between them: in print the cells had almost no
   padding, so "0.4615 130.15 0.0000" ran together. */
article table th, article table td { padding: 0.2em 0.6em !important; }
/* Each page of the book (a chapter, a guide) starts a new sheet; headings stay with their text.
   The single-page builder marks where each page begins with an empty span. */
span[id^="document-"] + section { break-before: page; }
h1, h2, h3, h4, .admonition-title { break-after: avoid; break-inside: avoid; }
"""

#: A table wider than the page's text is printed in smaller type (down to 6 pt) until it fits.
FIT_TABLES_JS = """() => {
  let shrunk = 0;
  for (const table of document.querySelectorAll('article table')) {
    const room = table.parentElement.clientWidth;
    let size = 9;
    while (table.scrollWidth > room + 1 && size > 6) {
      size -= 0.5;
      table.style.fontSize = `${size}pt`;
    }
    shrunk += size < 9;
  }
  return shrunk;
}"""

#: Links that a chapter's stored output writes to another page of the site (a source in a table
#: links to its entry in bibliography.html) point, in the single-page book, to the same anchor on
#: the one page.
LOCAL_LINKS_JS = """() => {
  let changed = 0;
  for (const link of document.querySelectorAll('article a[href*=".html#"]')) {
    const target = link.getAttribute('href');
    if (/^[a-z]+:/.test(target)) continue;  // a link to another site
    link.setAttribute('href', '#' + target.split('#')[1]);
    changed += 1;
  }
  return changed;
}"""

#: TeX source that should have been typeset.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\frac|\\begin\{")


def page_texts(pdf: Path) -> list[str]:
    """The text of each page of ``pdf``, ligatures read as letters (NFKC: "ﬀ" is "ff")."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            unicodedata.normalize("NFKC", page.get_textpage().get_text_range()) for page in document
        ]
    finally:
        document.close()


def raw_tex(pages: list[str]) -> list[str]:
    """Snippets of TeX source in the pages' text (empty when every formula is typeset)."""
    return [
        f"page {number}: {text[max(0, m.start() - 30) : m.end() + 30]!r}"
        for number, text in enumerate(pages, start=1)
        for m in RAW_TEX.finditer(text)
    ]


def build_pdf(
    out: Path,
    *,
    solutions: bool = True,
    build: Path = BUILD,
    browser: Any = None,
    config: Path | None = None,
) -> Path:
    """Build the single-page HTML book under ``build`` and print it to ``out``.

    ``build`` may be the folder of an HTML build of the book, and ``config`` the configuration
    it was built with: Sphinx then reuses what it read there and only writes the single page.
    ``browser`` is a running Playwright Chromium to print with (one is started when it is not
    given).
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb), "build", str(ROOT), "--builder", "singlehtml", "--path-output", str(build)]
    subprocess.run(command + (["--config", str(config)] if config else []), cwd=ROOT, check=True)
    with serve(build / "_build" / "singlehtml") as url:
        if browser is not None:
            _print(browser, url, out, solutions)
            return out
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            started = launch_chromium(playwright)
            try:
                _print(started, url, out, solutions)
            finally:
                started.close()
    return out


#: The width of an A4 page's text with the margins below (210 - 2 x 16 mm), in CSS pixels.
TEXT_WIDTH_PX = round((210 - 2 * 16) / 25.4 * 96)


def open_for_print(browser: Any, url: str, solutions: bool = True) -> Any:
    """The single-page book at ``url`` in a new page, laid out as it will be printed."""
    page = browser.new_page(viewport={"width": TEXT_WIDTH_PX, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    page.goto(url + "index.html", wait_until="networkidle")
    page.add_style_tag(
        content=PRINT_CSS + FOLDED_CODE_CSS + ("" if solutions else HIDE_SOLUTIONS_CSS)
    )
    page.emulate_media(media="print")
    page.evaluate(FIT_TABLES_JS)
    page.evaluate(LOCAL_LINKS_JS)
    return page


def _print(browser: Any, url: str, out: Path, solutions: bool) -> None:
    page = open_for_print(browser, url, solutions)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(out),
            format="A4",
            print_background=True,
            margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
            tagged=True,
            outline=True,
        )
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-solutions", action="store_true", help="leave solutions out")
    parser.add_argument("--out", type=Path, default=BUILD / "book.pdf")
    args = parser.parse_args()
    out = build_pdf(args.out, solutions=not args.no_solutions)
    left = raw_tex(page_texts(out))
    if left:
        sys.exit(f"make_pdf: error: {len(left)} formulas printed as TeX source, e.g. {left[:3]}")
    kind = "without" if args.no_solutions else "with"
    print(f"PDF ({kind} solutions): {out} ({out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
