"""Formulas typeset when the book is built, so pages and the PDF need no network.

KaTeX (from the npm package that ``make setup`` installs into ``node_modules``) renders every
formula to HTML and MathML during the Sphinx build, through sphinxcontrib-katex's
pre-rendering; pages then carry only KaTeX's style sheet and fonts, served from the site
itself. No script typesets anything in the reader's browser.

A formula KaTeX cannot read would be shown as red TeX source: the build warns about it (and
``make test``, which builds with warnings as errors, fails) naming the page.

sphinxcontrib-katex 0.9 starts its Node.js server and connects as soon as the server's socket
file exists; the server binds the file a moment before it listens, and a connection in that
moment is refused. On a busy machine that moment is long enough to fail a build, and the
5-second start-up limit too short. The server is started here the same way, except that a
refused connection is tried again, within a 60-second limit.
"""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path
from subprocess import PIPE, Popen
from typing import Any

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
KATEX = ROOT / "node_modules" / "katex" / "dist"
STATIC_FOLDER = "katex"  # _static/katex: the style sheet and its fonts


STARTUP_SECONDS = 60.0


def _start_server_process(cls: Any, rundir: Path, timeout: float) -> tuple[Popen, socket.socket]:
    """sphinxcontrib-katex's server start, connecting again while the server refuses."""
    socket_path = rundir / "katex.sock"
    command = cls.build_command(socket=socket_path)
    process = Popen(command, stdin=PIPE, stdout=PIPE, cwd=rundir)
    deadline = time.monotonic() + max(timeout, STARTUP_SECONDS)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            code = process.returncode
            raise ExtensionError(f"the KaTeX server stopped at start-up (exit status {code})")
        if socket_path.is_socket():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(socket_path))
            except ConnectionRefusedError:  # bound but not yet listening
                sock.close()
            else:
                return process, sock
        time.sleep(0.01)
    process.kill()
    raise cls.timeout_error(STARTUP_SECONDS)


def _configure(app: Any, config: Any) -> None:
    script = KATEX / "katex.min.js"
    if not script.is_file():
        raise ExtensionError(
            f"KaTeX is not installed ({script} is missing): run `make setup`, which runs `npm ci`"
        )
    config.html_math_renderer = "katex"
    config.katex_prerender = True
    config.katex_js_path = str(script)
    config.katex_css_path = f"{STATIC_FOLDER}/katex.min.css"


def _check_page(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if "katex-error" in context.get("body", ""):
        logger.warning("%s: KaTeX could not typeset a formula (shown as red TeX)", pagename)


def _copy_style_and_fonts(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / STATIC_FOLDER
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    shutil.copy2(KATEX / "katex.min.css", target / "katex.min.css")
    # Browsers take the first format they support, and every current one reads woff2.
    for font in (KATEX / "fonts").glob("*.woff2"):
        shutil.copy2(font, target / "fonts" / font.name)


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.katex")
    from sphinxcontrib import katex

    katex.KaTeXServer.start_server_process = classmethod(_start_server_process)
    # Before sphinxcontrib.katex reads its paths (builder-inited).
    app.connect("config-inited", _configure, priority=400)
    app.connect("html-page-context", _check_page)
    app.connect("build-finished", _copy_style_and_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
