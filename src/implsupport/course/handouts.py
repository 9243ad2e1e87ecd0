"""Learner editions: chapters with their solutions and trainer checks removed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat

from .. import __version__
from .book import _read_notebook, book_root, resolve_chapter

TRAINER_CHECK_TAG = "trainer-check"
EDITION_KEY = "learner_edition"

_DIRECTIVE = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\{(?P<name>[A-Za-z][\w-]*)\}(?P<arg>.*)$")
_SOLUTIONS = {"solution", "solution-start", "solution-end"}


def _directive_end(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing the directive opened at ``start`` (raises if unclosed)."""
    char, length = fence[0], len(fence)
    for index in range(start + 1, len(lines)):
        text = lines[index].strip()
        if text and set(text) == {char} and len(text) >= length:
            return index
    raise ValueError(f"line {start + 1}: directive opened with {fence} is never closed")


def _strip_markdown(text: str, inside: bool) -> tuple[str, bool]:
    """Remove solution directives and the gated solution text from one markdown cell.

    ``inside`` says whether the cell starts inside a gated solution; returns the text kept
    and whether the cell ends inside one.
    """
    lines = text.split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        name = match["name"] if match else None
        if inside:
            if name == "solution-end":
                index = _directive_end(lines, index, match["fence"]) + 1
                inside = False
                continue
            index += 1
            continue
        if name == "solution-end":
            raise ValueError(f"line {index + 1}: solution-end without a solution-start")
        if name in _SOLUTIONS:
            index = _directive_end(lines, index, match["fence"]) + 1
            inside = name == "solution-start"
            continue
        kept.append(lines[index])
        index += 1
    return "\n".join(kept).strip("\n"), inside


def _tags(cell: Mapping[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def strip_solutions(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``nb`` without solutions and trainer checks, outputs cleared.

    Removed: every ``{solution}`` directive; everything from a ``{solution-start}`` directive
    to its ``{solution-end}`` (within a cell and across cells); every cell tagged
    ``trainer-check``. Text before a solution-start or after a solution-end in the same
    markdown cell is kept. An unclosed gated solution raises :class:`ValueError` naming
    ``name``, rather than risk handing out the rest of the chapter as "solution".
    """
    out = nbformat.from_dict(json.loads(json.dumps(nb)))  # deep copy
    cells = []
    inside = False
    for number, cell in enumerate(out.cells, start=1):
        if TRAINER_CHECK_TAG in _tags(cell):
            continue
        if cell.cell_type == "markdown":
            try:
                text, inside = _strip_markdown(cell.source, inside)
            except ValueError as exc:
                raise ValueError(f"{name}: cell {number}: {exc}") from exc
            if not text.strip():
                continue
            cell.source = text
            attachments = cell.get("attachments") or {}
            for key in [k for k in attachments if k not in text]:
                del attachments[key]
        elif inside:
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    if inside:
        raise ValueError(f"{name}: a solution-start has no solution-end")
    out.cells = cells
    return out


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def _check_learner(learner: str | None) -> str | None:
    if learner is None:
        return None
    if not isinstance(learner, str) or not learner.strip() or len(learner) > 200:
        raise ValueError(f"learner: expected a name of 1-200 characters, found {learner!r}")
    if any(ch in learner for ch in "\n\r\t"):
        raise ValueError("learner: the name must be on one line")
    return learner.strip()


def learner_edition(
    path: str | os.PathLike[str], learner: str | None = None
) -> nbformat.NotebookNode:
    """The learner edition of one chapter notebook, with its provenance in the metadata.

    ``metadata.implsupport.learner_edition`` records the chapter id, the book version, the
    SHA-256 of the trainer's source notebook and (if given) the learner's name.
    """
    path = Path(path)
    nb = _read_notebook(path)
    out = strip_solutions(nb, path.name)
    keep = {"kernelspec", "language_info", "implsupport"}
    out.metadata = {k: v for k, v in out.metadata.items() if k in keep}
    meta = dict(out.metadata.get("implsupport") or {})
    meta[EDITION_KEY] = {
        "chapter": path.stem,
        "book_version": __version__,
        "source_sha256": _sha256(path.read_bytes()),
        "learner": _check_learner(learner),
    }
    out.metadata["implsupport"] = meta
    return out


def assign(
    chapters: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    learner: str | None = None,
    root: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write the learner edition of each chapter to ``out_dir/<chapter>.ipynb``.

    Chapters are given by file stem or path. Nothing is written if any chapter is unknown,
    malformed, or would overwrite an existing file.
    """
    if isinstance(chapters, str | os.PathLike):
        raise TypeError("chapters: expected a list of chapters, found a single string or path")
    if not chapters:
        raise ValueError("chapters: give at least one chapter")
    learner = _check_learner(learner)
    folder = Path(out_dir)
    editions = []
    for spec in chapters:
        path = resolve_chapter(spec, root)
        target = folder / f"{path.stem}.ipynb"
        if target.exists():
            raise FileExistsError(f"{target} already exists; refusing to overwrite it")
        editions.append((target, learner_edition(path, learner)))
    folder.mkdir(parents=True, exist_ok=True)
    for target, nb in editions:
        nbformat.write(nb, target)
    return [target for target, _ in editions]


def build_learner_site(
    out_dir: str | os.PathLike[str],
    root: str | os.PathLike[str] | None = None,
    *,
    warnings_as_errors: bool = False,
) -> Path:
    """Build the learner edition of the whole site; return the folder of its HTML.

    The book's sources are copied to ``out_dir/source`` with every notebook replaced by its
    learner edition (so solutions are absent from the pages, from ``_sources`` and from the
    download buttons), launch and repository buttons switched off (they would open the
    trainer's copy), then built with Jupyter Book into ``out_dir/_build/html``.
    """
    import yaml

    source_root = book_root(root)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"--out {out}: the folder is not empty; choose a new one")
    stage = out / "source"
    ignore = shutil.ignore_patterns("_build", ".venv", ".git", "*.ipynb_checkpoints", "__pycache__")
    stage.mkdir(parents=True)
    for item in sorted(source_root.iterdir()):
        if item.name.startswith(".") or item.name in {"_build", "src", "tests", "tools"}:
            continue
        if item.is_dir():
            shutil.copytree(item, stage / item.name, ignore=ignore)
        else:
            shutil.copy2(item, stage / item.name)
    for notebook in sorted((stage / "chapters").glob("*.ipynb")):
        edition = learner_edition(source_root / "chapters" / notebook.name)
        nbformat.write(edition, notebook)
    config_path = stage / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    config["title"] = f"{config.get('title', 'The book')} (learner edition)"
    config["launch_buttons"] = {"notebook_interface": "classic"}  # no Binder or Colab links
    html_options = config.setdefault("html", {})
    html_options.update({"use_repository_button": False, "use_issues_button": False})
    config.setdefault("execute", {})["execute_notebooks"] = "force"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(stage)]
    command += ["--path-output", str(out), "--keep-going"]
    if warnings_as_errors:
        command += ["-W", "-n"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError("the learner site did not build: " + " | ".join(tail))
    return out / "_build" / "html"
