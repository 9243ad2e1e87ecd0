"""Fixtures for testing the built site in a real browser.

The site is the one `make test` builds (``_build/check/_build/html``; another folder can be
named with ``IMPLSUPPORT_SITE``). It is served on 127.0.0.1 and opened in Debian's Chromium
through Playwright, with every request that leaves the machine blocked and recorded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from implsupport import website

from .surveys import Survey, take_survey, watch

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("IMPLSUPPORT_SITE", ROOT / "_build" / "check" / "_build" / "html"))
DESKTOP = 1280  # px, the width at which first visits are measured
REPORTS = SITE.parents[1]  # _build/check: page weights and screenshots are written here


def toc_pages() -> list[str]:
    """Every page in the table of contents, as its path in the built site."""
    return [f"{name}.html" for name in website.toc_files(ROOT)]


def chapter_notebooks() -> list[str]:
    return [f for f in website.toc_files(ROOT) if (ROOT / f"{f}.ipynb").exists()]


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(
            f"no built site at {SITE}: run `make test`, which builds the site before testing it"
        )
    return SITE


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    with website.serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        website.find_chromium()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = website.launch_chromium(playwright)
        yield browser
        browser.close()


@dataclass
class PageVisit:
    """What happened while a page loaded."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser, base_url: str) -> Iterator:
    """Open a page of the site; return the page and what went wrong while it loaded."""
    contexts = []

    def open_page(path: str, width: int = 1280, height: int = 900) -> PageVisit:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        result = PageVisit(page)
        watch(page, base_url, result)
        page.goto(base_url + path, wait_until="networkidle")
        return result

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def surveyed(browser, base_url: str) -> Iterator:
    """The survey of a visit to a page at a width, taken once per test worker.

    The desktop survey is a first visit, in a context of its own. The context is kept while
    that page's tests run (they run together, on one worker), so that the phone survey of the
    same page loads it from the cache instead of transferring everything again.
    """
    taken: dict[tuple[str, int], Survey] = {}
    kept: dict[str, object] = {}  # path -> the context of its desktop survey

    def survey(path: str, width: int = DESKTOP) -> Survey:
        if (path, width) in taken:
            return taken[path, width]
        height = 844 if width < 800 else 900
        if width != DESKTOP:
            survey(path)  # the desktop visit first: it fills the cache this one reads
        context = kept.get(path)
        if context is None:
            for other in kept.values():
                other.close()
            kept.clear()
            context = kept[path] = browser.new_context()
        first = (path, DESKTOP) not in taken
        taken[path, width] = take_survey(context, base_url, path, width, height, first_visit=first)
        return taken[path, width]

    yield survey
    for context in kept.values():
        context.close()
