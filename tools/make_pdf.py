"""Print the whole book to one PDF, offline, with Debian's Chromium.

Usage: python tools/make_pdf.py [--no-solutions] [--out _build/pdf/book.pdf]

The book is built as a single HTML page (Sphinx's singlehtml builder, using the execution
cache), opened in headless Chromium, and printed with print styles that hide the navigation
and open every dropdown; --no-solutions leaves the exercise solutions out. The PDF is tagged,
so figures keep their alt text, and has an outline of the chapters.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from implsupport.website import HIDE_SOLUTIONS_CSS, PRINT_CSS, launch_chromium, serve

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "pdf"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-solutions", action="store_true", help="leave solutions out")
    parser.add_argument("--out", type=Path, default=BUILD / "book.pdf")
    args = parser.parse_args()
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run(
        [str(jb), "build", str(ROOT), "--builder", "singlehtml", "--path-output", str(BUILD)],
        check=True,
    )
    from playwright.sync_api import sync_playwright

    with serve(BUILD / "_build" / "singlehtml") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
        page.goto(url + "index.html", wait_until="networkidle")
        page.add_style_tag(content=PRINT_CSS + (HIDE_SOLUTIONS_CSS if args.no_solutions else ""))
        page.emulate_media(media="print")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(args.out),
            format="A4",
            print_background=True,
            margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
            tagged=True,
            outline=True,
        )
        browser.close()
    kind = "without" if args.no_solutions else "with"
    print(f"PDF ({kind} solutions): {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
