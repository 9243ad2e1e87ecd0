"""The chapters' stored outputs are written for readers, not programmers.

Reads every chapter notebook's saved outputs (no execution) and fails on what a practitioner
should not see: a table with a meaningless 0, 1, 2... row index, ``NaN`` or ``<NA>`` markers,
a pandas ``dtype:`` footer, or a repr of one of the package's classes printed as a result.
"""

from __future__ import annotations

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

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb"))

_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_TBODY = re.compile(r"<tbody>(.*?)</tbody>", re.S | re.I)
_ROW_LABEL = re.compile(r"<tr[^>]*>\s*<th\b[^>]*>(.*?)</th>", re.S | re.I)
_STYLE = re.compile(r"<style\b.*?</style>", re.S | re.I)
_NA = re.compile(r"\bNaN\b|<NA>|&lt;NA&gt;")
_DTYPE_FOOTER = re.compile(r"^(Name: .*, )?(Length: \d+, )?dtype: \w+\s*$", re.M)


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


def problems(text: str, kind: str) -> list[str]:
    """What a reader should not see in one output text of the given MIME type (or "stream")."""
    found = []
    if kind == "text/html":
        if has_index_column(text):
            found.append("a table with a 0, 1, 2... index column")
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
            for kind in ("text/plain", "text/html"):
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
