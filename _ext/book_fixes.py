"""Small Sphinx fixes for the book's HTML.

sphinx-thebe registers its inline configuration script (``const THEBE_JS_URL = ...``) with
Sphinx twice, and a page that declares a ``const`` twice logs a JavaScript error in every
browser. This extension drops repeated inline scripts from each page before it is written.

docutils marks each entry of a citation list ``role="doc-biblioentry"`` inside a
``role="list"`` container; that role is deprecated and is not a list item, so screen readers
(and axe-core) see a list without items. Entries are marked ``role="listitem"`` instead.
"""

from __future__ import annotations

from typing import Any


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


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _drop_repeated_inline_scripts)
    app.connect("html-page-context", _citation_entries_as_list_items)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
