"""The bibliography's style: BibTeX's plain style, with two changes for honest references.

- An author list that was not read in full ends in ``and others`` in ``references.bib``; plain
  prints that as a person called "others". Here it is printed "et al.".
- Plain drops an article's volume and issue when its pages are unknown; here they are kept
  (``Implementation Science, 20(1), 2020``), so a verified volume is never lost.

Use it with ``bibtex_default_style: book`` in ``_config.yml``.

Citations in the text follow the same rule: sphinxcontrib-bibtex's author-year style prints an
author list ending in ``and others`` as "Peterson and others"; the ``book_author_year``
reference style (``bibtex_reference_style``) prints "Peterson et al.".
"""

from __future__ import annotations

from typing import Any

from pybtex.plugin import register_plugin
from pybtex.richtext import Tag, Text
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.formatting.unsrt import date, pages
from pybtex.style.template import (
    FieldIsMissing,
    field,
    first_of,
    join,
    node,
    optional,
    optional_field,
    sentence,
    tag,
    words,
)


def _is_others(person: Any) -> bool:
    return str(person).strip().lower() == "others"


def _persons(children: list, context: dict, role: str) -> tuple[list, list]:
    """The entry's persons in ``role``, and those of them that are named (not ``others``)."""
    if children:
        raise ValueError(children)
    try:
        persons = context["entry"].persons[role]
    except KeyError as missing:
        raise FieldIsMissing(role, context["entry"]) from missing
    return persons, [p for p in persons if not _is_others(p)]


@node
def names_et_al(children: list, context: dict, role: str, **kwargs: Any) -> Text:
    """Formatted names of ``role``, with a trailing ``others`` printed as "et al."."""
    persons, known = _persons(children, context, role)
    style = context["style"]
    formatted = [style.format_name(person, style.abbreviate_names) for person in known]
    if len(known) < len(persons):
        separator = ", " if len(known) > 1 else " "
        listed = join(sep=", ")[formatted].format_data(context)
        return Text(listed, separator, "et al.")
    return join(**kwargs)[formatted].format_data(context)


class BookStyle(PlainStyle):
    def format_names(self, role: str, as_sentence: bool = True) -> Any:
        formatted = names_et_al(role, sep=", ", sep2=" and ", last_sep=", and ")
        return sentence[formatted] if as_sentence else formatted

    def get_article_template(self, e: Any) -> Any:
        issue = optional["(", field("number"), ")"]
        volume_and_pages = first_of[
            optional[join[field("volume"), issue, ":", pages]],
            optional[join[field("volume"), issue]],
            words["pages", pages],
        ]
        return toplevel[
            self.format_names("author"),
            self.format_title(e, "title"),
            sentence[tag("em")[field("journal")], optional[volume_and_pages], date],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]


@node
def _cited_names(children: list, context: dict, role: str, **kwargs: Any) -> Text:
    """The names of ``role`` in a citation; a trailing ``others`` is printed "et al."."""
    from sphinxcontrib.bibtex.style.template import join as cite_join

    persons, known = _persons(children, context, role)
    person = context["style"].person
    formatted = [person.style_plugin.format(p, person.abbreviate) for p in known]
    if known and len(known) < len(persons):
        first = cite_join[formatted[:1]].format_data(context)
        return Text(first, " ", Tag("em", "et al."))
    return cite_join(**kwargs)[formatted].format_data(context)


@node
def _cited_author_or_editor_or_title(children: list, context: dict, **kwargs: Any) -> Text:
    if children:
        raise ValueError(children)
    return first_of[
        optional[_cited_names("author", **kwargs)],
        optional[_cited_names("editor", **kwargs)],
        tag("em")[field("title")],
    ].format_data(context)


def _reference_style() -> type:
    from dataclasses import dataclass
    from dataclasses import field as datafield

    from sphinxcontrib.bibtex.style.referencing import PersonStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

    class BookPersonStyle(PersonStyle):
        def names(self, role: str, full: bool) -> Any:
            other = None if full else self.other
            return _cited_names(
                role=role, sep=self.sep, sep2=self.sep2, last_sep=self.last_sep, other=other
            )

        def author_or_editor_or_title(self, full: bool) -> Any:
            return _cited_author_or_editor_or_title(
                sep=self.sep,
                sep2=self.sep2,
                last_sep=self.last_sep,
                other=None if full else self.other,
            )

    @dataclass
    class BookAuthorYearStyle(AuthorYearReferenceStyle):
        person: PersonStyle = datafield(default_factory=BookPersonStyle)

    return BookAuthorYearStyle


def setup(app: Any) -> dict[str, Any]:
    register_plugin("pybtex.style.formatting", "book", BookStyle, force=True)
    from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin

    register_bibtex_plugin(
        "sphinxcontrib.bibtex.style.referencing", "book_author_year", _reference_style(), force=True
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
