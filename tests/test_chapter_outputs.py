"""The chapters' stored outputs are written for readers, not programmers.

Reads every chapter notebook's saved outputs (no execution) and fails on what a practitioner
should not see: a table with a meaningless 0, 1, 2... row index, ``NaN`` or ``<NA>`` markers,
a pandas ``dtype:`` footer, a repr of one of the package's classes printed as a result, or a
``references.bib`` key where a source should be named ("Kumpunen et al., 2024", a link to the
bibliography). A check written as an ``assert`` lives in a cell the page does not show.
"""

from __future__ import annotations

import html
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import nbformat
import pytest

import implsupport
from implsupport import references

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb"))

_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_TBODY = re.compile(r"<tbody>(.*?)</tbody>", re.S | re.I)
_ROW_LABEL = re.compile(r"<tr[^>]*>\s*<th\b[^>]*>(.*?)</th>", re.S | re.I)
_STYLE = re.compile(r"<style\b.*?</style>", re.S | re.I)
_NA = re.compile(r"\bNaN\b|<NA>|&lt;NA&gt;")
_DTYPE_FOOTER = re.compile(r"^(Name: .*, )?(Length: \d+, )?dtype: \w+\s*$", re.M)
_TAG = re.compile(r"<[^>]+>")
_ROW_NUMBERS = re.compile(r"<th\b[^>]*>\s*Index\s*</th>")
_ASSERT = re.compile(r"^\s*assert\b", re.M)
#: Tags under which a cell's code is not on the page (nbval still runs it).
HIDDEN_CODE = {"remove-cell", "remove-input"}
_LINKED_KEY = re.compile(r'href="[^"]*bibliography\.html#cite-([^"]+)"')


@cache
def _package_classes() -> frozenset[str]:
    """Names of the classes the package defines (their reprs must not be a chapter's result)."""
    names = set()
    for info in pkgutil.walk_packages(implsupport.__path__, "implsupport."):
        if info.name.endswith("__main__"):
            continue  # running it would start the command line
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__.startswith("implsupport") and name[0] != "_":
                names.add(name)
    return frozenset(names)


def _repr_pattern() -> re.Pattern[str]:
    names = "|".join(sorted(map(re.escape, _package_classes())))
    return re.compile(rf"^\s*({names})\(", re.M)


def has_index_column(html: str) -> bool:
    """True if some table's rows are labelled 0, 1, 2, ..., n-1 (a meaningless index)."""
    for table in _TABLE.findall(html):
        body = _TBODY.search(table)
        labels = [label.strip() for label in _ROW_LABEL.findall(body.group(1) if body else "")]
        if labels and labels == [str(i) for i in range(len(labels))]:
            return True
    return False


@cache
def _key_pattern() -> re.Pattern[str]:
    keys = sorted(references.bib_keys(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")


@cache
def _anchored_keys() -> frozenset[str]:
    """What follows ``cite-`` in the anchors of the bibliography's entries."""
    return frozenset(references.anchor(k).removeprefix("cite-") for k in references.bib_keys())


def shown_keys(text: str, kind: str) -> list[str]:
    """``references.bib`` keys that a reader would read in an output (not those in a link)."""
    if kind == "text/html":
        text = html.unescape(_TAG.sub(" ", _STYLE.sub("", text)))
    return sorted(set(_key_pattern().findall(text)))


def problems(text: str, kind: str) -> list[str]:
    """What a reader should not see in one output text of the given MIME type (or "stream")."""
    found = []
    if keys := shown_keys(text, kind):
        found.append(f"citation keys instead of sources: {', '.join(keys)}")
    if kind == "text/html":
        if has_index_column(text):
            found.append("a table with a 0, 1, 2... index column")
        if _ROW_NUMBERS.search(text):
            found.append("a column of row numbers headed Index")
        for key in _LINKED_KEY.findall(text):
            if key not in _anchored_keys():
                found.append(f"a link to a bibliography entry that does not exist: {key}")
        text = _STYLE.sub("", text)
    if _NA.search(text):
        found.append("a NaN or <NA> marker")
    if kind != "text/html" and _DTYPE_FOOTER.search(text):
        found.append("a pandas dtype footer")
    if kind != "text/html" and (match := _repr_pattern().search(text)):
        found.append(f"a repr of {match.group(1)}")
    return found


def _outputs(path: Path) -> Iterator[tuple[int, str, str]]:
    notebook = nbformat.read(path, as_version=4)
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                yield number, "stream", output.get("text", "")
            for kind in ("text/plain", "text/html", "text/markdown"):
                if kind in output.get("data", {}):
                    yield number, kind, output["data"][kind]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_outputs_are_for_readers(path: Path) -> None:
    found = [
        f"cell {number} ({kind}): {problem}"
        for number, kind, text in _outputs(path)
        for problem in problems(text, kind)
    ]
    assert not found, f"{path.name} shows readers:\n" + "\n".join(found)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_assert_is_shown_to_readers(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    shown = [
        f"cell {number}: {cell.source.strip().splitlines()[0][:60]}"
        for number, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and _ASSERT.search(cell.source)
        and not HIDDEN_CODE & set(cell.metadata.get("tags", []))
    ]
    assert not shown, (
        f"{path.name}: cells with an assert that readers can unfold (tag them remove-cell, "
        "or remove-input if their output must show):\n" + "\n".join(shown)
    )


def test_the_check_finds_what_it_should_and_nothing_else() -> None:
    index = "<table><thead><tr><th></th><th>a</th></tr></thead><tbody>"
    index += "<tr><th>0</th><td>x</td></tr><tr><th>1</th><td>y</td></tr></tbody></table>"
    named = index.replace("<th>0</th>", "<th>Metro City</th>")
    assert problems(index, "text/html") == ["a table with a 0, 1, 2... index column"]
    assert problems(named, "text/html") == []
    assert problems("<td>NaN</td>", "text/html") == ["a NaN or <NA> marker"]
    assert problems("<td>&lt;NA&gt;</td>", "text/html") == ["a NaN or <NA> marker"]
    assert problems("<style>.nan {}</style><td>Nanny</td>", "text/html") == []
    assert problems("a    0.5\nName: share, dtype: float64\n", "text/plain") == [
        "a pandas dtype footer"
    ]
    assert problems("the dtype: of a column is its type, said in prose", "stream") == []
    assert problems("BassModel(p=0.03, q=0.38, m=1): peak", "text/plain") == ["a repr of BassModel"]
    assert problems("A Bass model (p = 0.03) peaks at 6.2 years.", "stream") == []
    key = "kumpunen2024wkep"
    assert problems(f"<td>{key}</td>", "text/html") == [f"citation keys instead of sources: {key}"]
    assert problems(f"source: {key}: slide 2", "text/plain") != []
    linked = str(references.cite(key).html)
    assert problems(f"<td>{linked}</td>", "text/html") == []
    assert problems(
        '<a href="bibliography.html#cite-nobody1900">Nobody, 1900</a>', "text/html"
    ) == ["a link to a bibliography entry that does not exist: nobody1900"]
    assert problems('<th class="col_heading" >Index</th>', "text/html") == [
        "a column of row numbers headed Index"
    ]
    assert problems("a kumpunen2024wkepx, or an email x-bass1969", "stream") == []
