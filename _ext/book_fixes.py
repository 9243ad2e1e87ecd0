"""Small Sphinx fixes for the book's HTML.

sphinx-thebe registers its inline configuration script (``const THEBE_JS_URL = ...``) with
Sphinx twice, and a page that declares a ``const`` twice logs a JavaScript error in every
browser. This extension drops repeated inline scripts from each page before it is written.

docutils marks each entry of a citation list ``role="doc-biblioentry"`` inside a
``role="list"`` container; that role is deprecated and is not a list item, so screen readers
(and axe-core) see a list without items. Entries are marked ``role="listitem"`` instead.

pydata-sphinx-theme loads ``fontawesome.js`` (1.5 MB) on every page only so that projects can
add custom icons; the theme's style sheet already draws every standard icon from the
Font Awesome web fonts, and the book has no custom icons. The script tag is dropped from each
written page and the file from ``_static``, together with the themes' source maps (``*.map``,
3.5 MB, read only by a developer's browser tools). This is what the theme itself moves to
upstream (pydata-sphinx-theme #2379, #2494).

sphinx-exercise heads each solution "Solution to Exercise N", with "Exercise N" a link back to
the exercise. The solution is a dropdown whose whole header opens it (sphinx-togglebutton), but
a click on the link, which fills most of the header, jumped to the exercise instead. The header
keeps its words and loses the link: the exercise is just above it.

myst-nb draws folded code cells (``hide-input``) only for the ``html`` builder; the same
drawing is registered for ``singlehtml``, which ``make pdf`` prints.

Figures fill the text column (they are SVG, drawn for it), and, like every scaled image in
Sphinx (``html_scaled_image_link``), each one links to its own file, so a tap on a phone opens
it full size.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes

_ICON_SCRIPT = re.compile(
    r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>'
)


def _drop_repeated_inline_scripts(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[str] = set()
    kept = []
    for script in scripts:
        body = (
            getattr(script, "attributes", {}).get("body") if not isinstance(script, str) else None
        )
        if body:
            if body in seen:
                continue
            seen.add(body)
        kept.append(script)
    context["script_files"] = kept


def _citation_entries_as_list_items(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def _drop_icon_script_and_source_maps(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lighter = _ICON_SCRIPT.sub("", text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
    static = out / "_static"
    for unused in [static / "scripts" / "fontawesome.js", *static.rglob("*.map")]:
        unused.unlink(missing_ok=True)


def _figures_fill_the_column(app: Any, doctree: nodes.document, docname: str) -> None:
    for figure in doctree.findall(nodes.figure):
        for image in figure.findall(nodes.image):
            if not any(key in image for key in ("width", "height", "scale")):
                image["width"] = "100%"


_SOLUTION_TITLE = re.compile(
    r'(<div class="solution[^"]*dropdown[^"]*"[^>]*>\s*<p class="admonition-title">[^<]*)'
    r'<a class="reference internal" href="#[^"]*">(.*?)</a>'
)


def _solution_headers_open_the_solution(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    if "body" in context:
        context["body"] = _SOLUTION_TITLE.sub(r"\1\2", context["body"])


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _drop_repeated_inline_scripts)
    app.connect("html-page-context", _citation_entries_as_list_items)
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput

    app.add_node(
        HideCodeCellNode, override=True, singlehtml=(visit_HideCellInput, depart_HideCellInput)
    )
    app.connect("html-page-context", _solution_headers_open_the_solution)
    app.connect("build-finished", _drop_icon_script_and_source_maps)
    app.connect("doctree-resolved", _figures_fill_the_column)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
