"""Validated access to the book's datasets.

Every file a chapter reads is described in ``data/datapackage.json``, a Frictionless Data
Package descriptor holding each resource's schema, source, licence and SHA-256 checksum.
:func:`load` validates a resource against that descriptor before returning it, and
:func:`check` validates them all, so a changed or malformed file is refused with a message
that names the file and the problem.

Simulated resources also record the function, parameters and seed that generated them
(``"generator"``); :func:`regenerate` re-runs it so a test can prove the stored file is
exactly what the documented process produces.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "DESCRIPTOR_NAME",
    "DataError",
    "Problem",
    "check",
    "csv_bytes",
    "data_dir",
    "descriptor",
    "list_resources",
    "load",
    "regenerate",
    "save_resource",
]

DESCRIPTOR_NAME = "datapackage.json"
ENV_VAR = "IMPLSUPPORT_DATA"

# Frictionless field types and the pandas dtypes they are read as.
_PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "float64",
    "boolean": "boolean",
}


class DataError(ValueError):
    """A dataset is missing, changed or does not match its descriptor."""


@dataclass(frozen=True)
class Problem:
    """One validation problem: the file it concerns and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def data_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder holding ``datapackage.json``.

    Looked for, in order: ``root`` if given; the ``IMPLSUPPORT_DATA`` environment variable;
    a ``data/`` folder in the working directory or one of its parents (so chapters run from
    ``chapters/`` find it); the ``data/`` folder of the source checkout of this package.
    """
    if root is not None:
        candidate = Path(root)
        if candidate.is_dir() and not (candidate / DESCRIPTOR_NAME).exists():
            candidate = candidate / "data"
        if not (candidate / DESCRIPTOR_NAME).is_file():
            raise DataError(f"{root}: no {DESCRIPTOR_NAME} found there or in its data/ folder")
        return candidate
    if os.environ.get(ENV_VAR):
        return data_dir(os.environ[ENV_VAR])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / DESCRIPTOR_NAME).is_file():
            return folder / "data"
    checkout = Path(__file__).resolve().parents[2] / "data"
    if (checkout / DESCRIPTOR_NAME).is_file():
        return checkout
    raise DataError(
        f"cannot find data/{DESCRIPTOR_NAME}: run from inside the book's folder "
        f"or set {ENV_VAR} to its data folder"
    )


def descriptor(root: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Return the parsed Data Package descriptor."""
    path = data_dir(root) / DESCRIPTOR_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path.name}: not valid JSON ({exc})") from exc


def _resource_spec(name: str, root: str | os.PathLike[str] | None) -> dict[str, Any]:
    resources = descriptor(root)["resources"]
    for spec in resources:
        if spec["name"] == name:
            return spec
    known = ", ".join(sorted(r["name"] for r in resources))
    raise DataError(f"no dataset named {name!r}; available: {known}")


def list_resources(root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per dataset: name, file, title, whether it is simulated, and its licence."""
    rows = []
    for spec in descriptor(root)["resources"]:
        licences = spec.get("licenses") or descriptor(root).get("licenses", [])
        rows.append(
            {
                "name": spec["name"],
                "path": spec["path"],
                "title": spec.get("title", ""),
                "simulated": bool(spec.get("simulated", False)),
                "licence": licences[0]["name"] if licences else "",
            }
        )
    return pd.DataFrame(rows)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _problems_for(spec: dict[str, Any], folder: Path) -> list[Problem]:
    """Validate one resource: the file exists, its checksum matches, its rows fit the schema."""
    from frictionless import Resource  # imported here: it is slow and only needed to validate

    rel = f"data/{spec['path']}"
    path = folder / spec["path"]
    if not path.is_file():
        return [Problem(rel, "file is missing")]
    expected = str(spec.get("hash", "")).removeprefix("sha256:")
    if not expected:
        return [Problem(rel, "the descriptor records no sha256 checksum for it")]
    actual = _sha256(path)
    if actual != expected:
        return [
            Problem(
                rel,
                "checksum mismatch: the file has changed since the descriptor was written "
                f"(expected sha256 {expected[:12]}…, found {actual[:12]}…)",
            )
        ]
    # The checksum matches, so what remains to check is the content against the schema.
    schema_only = {k: v for k, v in spec.items() if k not in {"hash", "bytes"}}
    report = Resource(schema_only, basepath=str(folder)).validate()
    problems = []
    for task in report.tasks:
        for error in task.errors:
            where = ""
            if getattr(error, "row_number", None):
                where = f"row {error.row_number}"
                if getattr(error, "field_name", None):
                    where += f", column {error.field_name!r}"
                where += ": "
            problems.append(Problem(rel, f"{where}{error.type}: {error.note}"))
    return problems


def check(root: str | os.PathLike[str] | None = None) -> list[Problem]:
    """Validate every dataset in the descriptor; return the problems found (empty if none)."""
    folder = data_dir(root)
    problems: list[Problem] = []
    for spec in descriptor(root)["resources"]:
        problems.extend(_problems_for(spec, folder))
    return problems


def load(name: str, root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Return the dataset ``name`` as a DataFrame, after validating it against the descriptor.

    Raises :class:`DataError` naming the file and the problem if the file is missing, has
    changed since its checksum was recorded, or does not fit its schema.
    """
    spec = _resource_spec(name, root)
    folder = data_dir(root)
    problems = _problems_for(spec, folder)
    if problems:
        raise DataError("; ".join(str(p) for p in problems))
    fields = spec["schema"]["fields"]
    dtypes = {f["name"]: _PANDAS_DTYPES.get(f.get("type", "string"), "string") for f in fields}
    return pd.read_csv(folder / spec["path"], dtype=dtypes, keep_default_na=False, na_values=[""])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The one way the project writes a dataset: UTF-8 CSV, no index, ``\\n`` line ends."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def regenerate(name: str, root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Re-run the generator recorded for a simulated dataset and return its output."""
    spec = _resource_spec(name, root)
    generator = spec.get("generator")
    if not generator:
        raise DataError(f"data/{spec['path']}: not a simulated dataset (no generator recorded)")
    module_name, _, func_name = generator["function"].rpartition(".")
    func = getattr(importlib.import_module(module_name), func_name)
    return func(**generator.get("parameters", {}))


def save_resource(
    name: str, frame: pd.DataFrame, root: str | os.PathLike[str] | None = None
) -> Path:
    """Write ``frame`` to the resource's file and record its checksum and size.

    For maintainers regenerating a dataset on purpose; the descriptor entry (schema,
    source, licence) must already exist. Returns the path written.
    """
    folder = data_dir(root)
    desc = descriptor(root)
    spec = next((r for r in desc["resources"] if r["name"] == name), None)
    if spec is None:
        raise DataError(f"no dataset named {name!r} in {DESCRIPTOR_NAME}; add its entry first")
    columns = [f["name"] for f in spec["schema"]["fields"]]
    if list(frame.columns) != columns:
        raise DataError(
            f"data/{spec['path']}: columns {list(frame.columns)} do not match the schema {columns}"
        )
    payload = csv_bytes(frame)
    path = folder / spec["path"]
    path.write_bytes(payload)
    spec["hash"] = "sha256:" + hashlib.sha256(payload).hexdigest()
    spec["bytes"] = len(payload)
    (folder / DESCRIPTOR_NAME).write_text(
        json.dumps(desc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path
