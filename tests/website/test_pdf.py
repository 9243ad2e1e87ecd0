"""What `make pdf` prints for a trainer: typeset formulas, no folded code, whole pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scripts import load_script

from .conftest import REPORTS, ROOT

make_pdf = load_script(ROOT / "tools" / "make_pdf.py")


@pytest.fixture(scope="session")
def book_pdf(tmp_path_factory, site: Path, browser) -> Path:
    # The single-page book is built beside the site under test, with its configuration (the
    # checking build writes one beside it), reusing what Sphinx read for it; it is printed with
    # the browser the site tests use.
    folder = tmp_path_factory.mktemp("pdf")
    config = REPORTS / "_config.yml"
    return make_pdf.build_pdf(
        folder / "book.pdf",
        build=REPORTS,
        browser=browser,
        config=config if config.is_file() else None,
    )


@pytest.fixture(scope="session")
def pdf_text(book_pdf: Path) -> list[str]:
    return make_pdf.page_texts(book_pdf)


def test_raw_tex_is_found_where_there_is_some(browser, tmp_path: Path) -> None:
    # The check itself: a PDF holding TeX source is caught.
    target = tmp_path / "tex.pdf"
    page = browser.new_page()
    page.set_content(r"<p>The peak is at \[ t^* = \frac{\ln(q/p)}{p+q} \].</p>")
    page.pdf(path=str(target))
    page.close()
    assert make_pdf.raw_tex(make_pdf.page_texts(target))


def test_pdf_has_no_tex_source(pdf_text: list[str]) -> None:
    assert make_pdf.raw_tex(pdf_text) == []


def test_pdf_is_the_whole_book_with_formulas(pdf_text: list[str]) -> None:
    text = "\n".join(pdf_text)
    assert len(pdf_text) >= 40, f"only {len(pdf_text)} pages"
    for title in ("Diffusion models", "Three MST services", "References"):
        assert title in text, f"{title!r} is not in the PDF"


def test_folded_code_is_left_out_of_print(pdf_text: list[str]) -> None:
    text = "\n".join(pdf_text)
    # The set-up cells that open each chapter are folded on the site, so they are not printed.
    assert "from implsupport import" not in text


def test_exercises_are_printed_with_their_answer_cells_but_no_self_check_prompt(
    pdf_text: list[str],
) -> None:
    text = "\n".join(pdf_text)
    assert text.count("answer = None") >= 10  # the cells where a learner writes the answer
    # paper has no cell to run: the self-checks' prompts for an answer stay out
    assert not re.search(r"Your answer\?\s*Replace", text)
    assert not re.search(r"Not yet\.\s*Replace", text)
    assert "Correct." in text  # the solutions' checks are printed with the solutions


# What would be cut off at the page's edge: tables, code, figures and formulas wider than the text.
WIDER_THAN_THE_PAGE = """() => {
  const edge = document.querySelector('article').getBoundingClientRect().right + 1;
  return Array.from(document.querySelectorAll(
    'article table, article pre, article img, article .katex-display'
  )).filter(e => e.getClientRects().length
      && (e.getBoundingClientRect().right > edge || e.scrollWidth > e.clientWidth + 1))
    .map(e => `${e.tagName}: ${e.innerText.slice(0, 60).replace(/\\n/g, ' ')}`);
}"""


# Links within the book that lead nowhere in print (to another file, or to a missing anchor).
LINKS_NOT_ON_THE_PAGE = """() => Array.from(document.querySelectorAll('article a[href]'))
  .map(a => a.getAttribute('href'))
  .filter(h => !/^[a-z]+:/.test(h) && !(h.startsWith('#') && document.getElementById(h.slice(1))))
  .filter(h => !/[.](svg|png|jpg|csv|ipynb|json|pdf|zip)$/.test(h))"""


def test_nothing_is_cut_off_at_the_page_edge(book_pdf: Path, browser) -> None:
    from implsupport.website import serve

    with serve(REPORTS / "_build" / "singlehtml") as url:
        page = make_pdf.open_for_print(browser, url)
        try:
            assert page.locator("article table").count() > 10
            assert page.evaluate(WIDER_THAN_THE_PAGE) == []
            # Sources in tables link to their entries in the printed bibliography.
            assert page.evaluate(LINKS_NOT_ON_THE_PAGE) == []
            assert page.locator('article td a[href^="#cite-"]').count() >= 10
        finally:
            page.close()
