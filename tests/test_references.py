"""references.cite: a dataset's source named as the site cites it, linked to its entry."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from implsupport import references
from implsupport.display import show_table


def test_a_key_is_named_by_its_authors_and_year_and_linked_to_its_entry() -> None:
    cited = references.cite("kumpunen2024wkep")
    assert str(cited) == "Kumpunen et al., 2024"  # six authors in references.bib
    assert cited.html == (
        '<a href="bibliography.html#cite-kumpunen2024wkep">Kumpunen et al., 2024</a>'
    )
    assert references.label("bass1969") == "Bass, 1969"
    assert references.label("best2010systems") == "Best and Holmes, 2010"
    assert references.label("mstslides2022") == "MST services study, 2022"  # braces dropped


def test_places_in_a_source_follow_its_work_which_is_named_once() -> None:
    one = references.cite("mstslides2022: slide 'Isolated coastal' | slide 'Findings'")
    again = references.cite(
        "mstslides2022: slide 'Isolated coastal' | mstslides2022: slide 'Findings'"
    )
    text = "MST services study, 2022: slide 'Isolated coastal'; slide 'Findings'"
    assert str(one) == str(again) == text
    assert one.html.count("<a ") == 1
    two = references.cite("bass1969 | kumpunen2024wkep: p. 3")
    assert str(two) == "Bass, 1969; Kumpunen et al., 2024: p. 3"
    assert re.findall(r'href="([^"]+)"', two.html) == [
        "bibliography.html#cite-bass1969",
        "bibliography.html#cite-kumpunen2024wkep",
    ]


def test_every_key_has_a_label_and_an_anchor_of_its_own() -> None:
    keys = references.bib_keys()
    assert len(keys) > 50
    labels = {key: references.label(key) for key in keys}
    assert all(re.search(r", (\d{4}|n\.d\.)$", label) for label in labels.values()), labels
    assert not [label for label in labels.values() if "{" in label or "others" in label]
    assert len({references.anchor(key) for key in keys}) == len(keys)


def test_bad_sources_are_named() -> None:
    with pytest.raises(ValueError, match="nobody1900"):
        references.cite("nobody1900")
    with pytest.raises(ValueError, match="slide 3"):
        references.cite("slide 3 | bass1969")
    with pytest.raises(ValueError, match="needs a source"):
        references.cite("")


def test_show_table_puts_the_link_on_the_page_and_the_name_in_the_text() -> None:
    frame = pd.DataFrame({"code": ["a", "b"], "source": [references.cite("bass1969"), None]})
    table = show_table(frame, missing="—")
    assert '<a href="bibliography.html#cite-bass1969">Bass, 1969</a>' in table._repr_html_()
    assert "Bass, 1969" in repr(table) and "href" not in repr(table)
    assert ">—</td>" in table._repr_html_()
