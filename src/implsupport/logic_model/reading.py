"""Reading a logic model from a YAML or CSV file, keeping the line of every element.

YAML::

    title: My service
    elements:
      - id: D1
        type: determinant
        label: Referral pipeline difficult
        links: [S1]

CSV: one row per element with the columns ``id, type, label, links, inferred_links, measure,
evidence, source, note`` (only the first three are required); several links in one cell are
separated by ``;`` (or ``,``). A file saved by a spreadsheet with ``;`` between columns is read
too. Every problem names the file and the line.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .model import FIELDS, LogicModel, LogicModelError, Problem, build_logic_model

__all__ = ["logic_model_from_frame", "logic_model_from_yaml", "read_logic_model"]

_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}


def read_logic_model(path: str | os.PathLike[str], *, title: str | None = None) -> LogicModel:
    """Read and validate the logic model in ``path`` (``.yaml``, ``.yml`` or ``.csv``).

    A CSV file has no title of its own: ``title`` gives one (default: the file's name).
    Raises :class:`LogicModelError` (a ValueError) naming the file, line and element.
    """
    path = Path(path)
    name = str(path)
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise LogicModelError(
            [Problem(name, None, "a logic model file must end in .yaml, .yml or .csv")]
        )
    text = _read_text(path)
    if fmt == "yaml":
        return logic_model_from_yaml(text, name=name, title=title)
    return _from_csv_text(text, name=name, title=title if title is not None else path.stem)


def _read_text(path: Path) -> str:
    name = str(path)
    if not path.exists():
        raise LogicModelError([Problem(name, None, "no such file")])
    if path.is_dir():
        raise LogicModelError([Problem(name, None, "is a folder, not a file")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LogicModelError(
            [Problem(name, None, f"cannot be opened ({exc.strerror or exc})")]
        ) from exc
    if b"\x00" in raw[:65536]:
        raise LogicModelError([Problem(name, None, "cannot be read: it contains binary data")])
    # UTF-8 (with or without a byte-order mark); a spreadsheet's Western single-byte file is
    # read as Latin-1 rather than refused.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# ---- YAML ------------------------------------------------------------------------------------


def logic_model_from_yaml(
    text: str, *, name: str = "<yaml>", title: str | None = None
) -> LogicModel:
    """Validate the logic model written in YAML ``text`` (see the module's docstring)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}, line {mark.line + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LogicModelError([Problem(where, None, f"not valid YAML ({problem})")]) from exc
    if root is None:
        raise LogicModelError([Problem(name, None, "the file is empty")])
    if isinstance(root, yaml.SequenceNode):
        items_node, file_title = root, ""
    elif isinstance(root, yaml.MappingNode):
        top = {_scalar(k): v for k, v in root.value}
        unknown = sorted(set(top) - {"title", "elements"})
        if unknown:
            raise LogicModelError(
                [
                    Problem(
                        f"{name}, line {root.start_mark.line + 1}",
                        None,
                        f"unknown top-level key(s) {', '.join(map(repr, unknown))}; "
                        "expected 'title' and 'elements'",
                    )
                ]
            )
        if "elements" not in top:
            raise LogicModelError([Problem(name, None, "no 'elements' list")])
        items_node = top["elements"]
        file_title = _plain(top["title"], name) if "title" in top else ""
        if not isinstance(items_node, yaml.SequenceNode):
            raise LogicModelError(
                [
                    Problem(
                        f"{name}, line {items_node.start_mark.line + 1}",
                        None,
                        "'elements' must be a list (each item starting with '- ')",
                    )
                ]
            )
    else:
        raise LogicModelError(
            [Problem(name, None, "expected a mapping with 'title' and 'elements', or a list")]
        )
    records = [_plain(item, name) for item in items_node.value]
    where = [f"{name}, line {item.start_mark.line + 1}" for item in items_node.value]
    return build_logic_model(
        records,
        title=title if title is not None else str(file_title or ""),
        origin=name,
        where=where,
    )


def _scalar(node: Any) -> str:
    return str(getattr(node, "value", node))


def _plain(node: Any, name: str) -> Any:
    """A composed YAML node as plain Python (safe constructors for scalars).

    A key written twice in one element is refused: YAML would silently keep the last.
    """
    import yaml

    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key, value in node.value:
            text = _scalar(key)
            if text in out:
                raise LogicModelError(
                    [
                        Problem(
                            f"{name}, line {key.start_mark.line + 1}",
                            None,
                            f"the field {text!r} is given twice in one element",
                        )
                    ]
                )
            out[text] = _plain(value, name)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, name) for v in node.value]
    value = yaml.SafeLoader(io.StringIO("")).construct_object(node, deep=True)
    return "" if value is None else value


# ---- CSV and tables --------------------------------------------------------------------------


def _from_csv_text(text: str, *, name: str, title: str) -> LogicModel:
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if not header_line:
        raise LogicModelError([Problem(name, None, "the file is empty")])
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_at = 0
    records: list[dict[str, str]] = []
    where: list[str] = []
    last = 0
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if header is None:
                header = [cell.strip().casefold() for cell in row]
                header_at = start
                continue
            if len(row) > len(header):
                raise LogicModelError(
                    [
                        Problem(
                            f"{name}, line {start}",
                            None,
                            f"{len(row)} cells but the header (line {header_at}) has "
                            f"{len(header)}; quote a cell that contains {delimiter!r}",
                        )
                    ]
                )
            records.append(dict(zip(header, row, strict=False)))
            where.append(f"{name}, line {start}")
    except csv.Error as exc:
        raise LogicModelError(
            [Problem(f"{name}, line {reader.line_num}", None, f"cannot be read as CSV ({exc})")]
        ) from exc
    assert header is not None
    _check_header(header, f"{name}, line {header_at}")
    if not records:
        raise LogicModelError([Problem(name, None, "the file has a header but no elements")])
    return build_logic_model(records, title=title, origin=name, where=where)


def _check_header(header: list[str], where: str) -> None:
    missing = [f for f in ("id", "type", "label") if f not in header]
    if missing:
        raise LogicModelError(
            [
                Problem(
                    where,
                    None,
                    f"no column {', '.join(map(repr, missing))} (columns found: "
                    f"{', '.join(header)}); the columns are {', '.join(FIELDS)}",
                )
            ]
        )


def logic_model_from_frame(frame: Any, *, title: str = "", name: str = "<table>") -> LogicModel:
    """Validate a logic model given as a table (for example from ``data.load``).

    Rows are named ``row 1``, ``row 2``, ... (the first data row is row 1).
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame: expected a pandas DataFrame, found {type(frame).__name__}")
    header = [str(c).strip().casefold() for c in frame.columns]
    _check_header(header, name)
    records: list[Mapping[str, Any]] = []
    for row in frame.itertuples(index=False, name=None):
        records.append({h: ("" if pd.isna(v) else v) for h, v in zip(header, row, strict=True)})
    where = [f"{name}, row {i}" for i in range(1, len(records) + 1)]
    return build_logic_model(records, title=title, origin=name, where=where)
