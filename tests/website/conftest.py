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

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("IMPLSUPPORT_SITE", ROOT / "_build" / "check" / "_build" / "html"))
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
    transferred: list[tuple[str, int]] = field(default_factory=list)

    def bytes_transferred(self) -> int:
        """Bytes the browser received for the page so far (bodies and headers)."""
        return sum(size for _, size in self.transferred)


@pytest.fixture
def visit(browser, base_url: str) -> Iterator:
    """Open a page of the site; return the page and what went wrong while it loaded."""
    contexts = []

    def open_page(path: str, width: int = 1280, height: int = 900) -> PageVisit:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        result = PageVisit(page)
        page.on("console", lambda m: m.type == "error" and result.console_errors.append(m.text))
        page.on("pageerror", lambda e: result.console_errors.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: r.url.startswith(base_url) and result.failed_requests.append(r.url),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and result.failed_requests.append(f"{r.status} {r.url}"),
        )

        def route(r) -> None:
            if r.request.url.startswith(base_url) or r.request.url.startswith("data:"):
                r.continue_()
            else:  # anything from another host is refused and reported by the tests
                result.external_requests.append(r.request.url)
                r.abort()

        def finished(request) -> None:
            sizes = request.sizes()
            result.transferred.append(
                (request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"])
            )

        page.on("requestfinished", finished)
        page.route("**/*", route)
        page.goto(base_url + path, wait_until="networkidle")
        return result

    yield open_page
    for context in contexts:
        context.close()
