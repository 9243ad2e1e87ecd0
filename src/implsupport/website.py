"""Serve the built book on this machine and open it in Debian's Chromium.

Used by the site tests and by the PDF export (``make pdf``), so both see the site the way a
reader's browser does. Playwright drives Chromium; nothing is downloaded: the browser is the
system's (``apt-get install chromium``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM_ARGS",
    "PRINT_CSS",
    "find_chromium",
    "html_to_pdf",
    "launch_chromium",
    "serve",
    "toc_files",
]

#: Flags for headless Chromium on a machine with no network and no display.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Offline: every request for another host goes to a proxy where nothing listens, and
    # fails (the machine's own address, 127.0.0.1, is never proxied).
    "--proxy-server=http://127.0.0.1:9",
]

#: Print styles: drop the theme's navigation and show every collapsed block (dropdowns).
PRINT_CSS = """
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .bd-footer,
.bd-footer-article, .prev-next-area, .toggle-button { display: none !important; }
.bd-main, .bd-content, .bd-article-container { max-width: 100% !important; }
.toggle-hidden > :not(.admonition-title), .toggle-hidden :not(.admonition-title) {
  visibility: visible !important; opacity: 1 !important; height: auto !important;
}
details { display: block; } details > * { display: block !important; }
figure, img { break-inside: avoid; max-width: 100% !important; }
pre { white-space: pre-wrap !important; word-break: break-word; }
"""

#: Extra print style that removes exercise solutions.
HIDE_SOLUTIONS_CSS = ".solution { display: none !important; }"


def toc_files(root: str | os.PathLike[str]) -> list[str]:
    """Every page of the book in table-of-contents order, as paths without suffix."""
    import yaml

    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))

    def walk(entries: list[dict]) -> list[str]:
        # A chapter's sections (for example the trainer's session plans) follow it.
        return [f for e in entries for f in [e["file"], *walk(e.get("sections", []))]]

    return [toc["root"]] + [f for part in toc["parts"] for f in walk(part["chapters"])]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: str | os.PathLike[str]) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 at a free port; yield its base URL."""
    path = Path(folder)
    if not (path / "index.html").is_file():
        raise FileNotFoundError(f"{path}: no built site here (no index.html)")
    handler = functools.partial(_QuietHandler, directory=str(path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def find_chromium() -> str:
    """Path of the system's Chromium, or a FileNotFoundError naming the install command."""
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        raise FileNotFoundError(
            "Chromium is not installed: install Debian's package with "
            "`apt-get install chromium` (or set CHROMIUM to its path)"
        )
    return executable


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium browser from a started ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)


def html_to_pdf(page_html: str, out: str | os.PathLike[str]) -> Path:
    """Print a self-contained HTML page to an A4 PDF with headless Chromium."""
    from playwright.sync_api import sync_playwright

    target = Path(out)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.set_content(page_html, wait_until="load")
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True, tagged=True)
        browser.close()
    with open(target, "xb") as handle:  # never overwrite
        handle.write(pdf)
    return target
