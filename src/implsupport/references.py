"""Sources for readers: a ``references.bib`` key shown as "Authors, year", linked to its entry.

The book's datasets keep the source of each coded row as a key of ``references.bib``, sometimes
with a place in the source (``mstslides2022: slide 'Findings'``, several places joined by
``" | "``). A chapter shows that column through :func:`cite`, which gives what the site's own
citations show ("Kumpunen et al., 2024"), linked to the work's entry on the bibliography page.

The link target is the entry's anchor, ``cite-<key>``: ``_config.yml`` sets sphinxcontrib-bibtex's
``bibtex_cite_id`` to ``cite-{key}``, so the anchor is the same on every build (without it,
entries are numbered ``id1``, ``id2``... in the order the book first cites them). The site tests
check that every such link reaches an entry.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from implsupport import data

__all__ = ["BIBLIOGRAPHY_PAGE", "Citation", "anchor", "bib_keys", "cite", "label"]

#: The bibliography page, relative to the chapters' pages (both are in ``chapters/``).
BIBLIOGRAPHY_PAGE = "bibliography.html"
BIB_NAME = "references.bib"
_SEPARATOR = " | "


@dataclass(frozen=True)
class Citation:
    """A source as a reader sees it: plain ``text``, and ``html`` with its links."""

    text: str
    html: str

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:  # the markup convention that show_table reads
        return self.html

    def _repr_html_(self) -> str:
        return self.html


def bib_path(root: str | Path | None = None) -> Path:
    """``references.bib`` of the book: beside the ``data/`` folder the chapters read."""
    return data.data_dir(root).parent / BIB_NAME


@cache
def _entries(path: Path) -> dict[str, Any]:
    from pybtex.database import parse_file  # read only when a chapter shows a source

    return dict(parse_file(str(path), bib_format="bibtex").entries)


def bib_keys(root: str | Path | None = None) -> frozenset[str]:
    """Every key of ``references.bib``."""
    return frozenset(_entries(bib_path(root)))


@cache
def _plain(latex: str) -> str:
    from pybtex.backends.plaintext import Backend
    from pybtex.richtext import Text

    # render(Backend()) rather than render_as("text"), which looks the backend up among the
    # installed packages' entry points on every call (30 ms each)
    return Text.from_latex(latex).render(Backend())


def label(key: str, root: str | Path | None = None) -> str:
    """A work's short citation, as the site prints it: "Bass, 1969", "Kumpunen et al., 2024"."""
    entries = _entries(bib_path(root))
    if key not in entries:
        raise ValueError(f"cite: {key!r} is not a key of {BIB_NAME}")
    entry = entries[key]
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
    names = [n for n in names if n.lower() != "others"]
    if not names:
        authors = _plain(entry.fields.get("title", key))
    elif len(names) == 1 and len(people) == 1:
        authors = names[0]
    elif len(names) == 2 and len(people) == 2:
        authors = f"{names[0]} and {names[1]}"
    else:
        authors = f"{names[0]} et al."
    return f"{authors}, {entry.fields.get('year', 'n.d.')}"


def anchor(key: str) -> str:
    """The id of ``key``'s entry on the bibliography page (docutils' rule for ids)."""
    return "cite-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def cite(source: str, *, page: str = BIBLIOGRAPHY_PAGE, root: str | Path | None = None) -> Citation:
    """A dataset's source column entry, for readers: "MST services study, 2022: slide 'Findings'".

    ``source`` is a key of ``references.bib``, optionally followed by ``: place`` (a slide, a
    page); several are joined by ``" | "``, and a place with no key of its own belongs to the key
    before it. Works are named once, in their order, each linked to its bibliography entry on
    ``page``. An unknown key, or a place before any key, is a ``ValueError``.
    """
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"cite: needs a source such as 'bass1969', got {source!r}")
    keys = bib_keys(root)
    places: dict[str, list[str]] = {}
    current = None
    for part in source.split(_SEPARATOR):
        head, _, place = part.strip().partition(":")
        if head.strip() in keys:
            current = head.strip()
            place = place.strip()
        elif current is None:
            raise ValueError(f"cite: {part.strip()!r} does not start with a key of {BIB_NAME}")
        else:
            place = part.strip()  # a further place in the same work
        found = places.setdefault(current, [])
        if place:
            found.append(place)
    texts, links = [], []
    for key, where in places.items():
        name = label(key, root)
        suffix = f": {'; '.join(where)}" if where else ""
        texts.append(name + suffix)
        href = html.escape(f"{page}#{anchor(key)}")
        links.append(f'<a href="{href}">{html.escape(name)}</a>{html.escape(suffix)}')
    return Citation("; ".join(texts), "; ".join(links))
