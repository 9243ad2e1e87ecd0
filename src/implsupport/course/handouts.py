"""Learner editions: chapters without solutions, answer keys or trainer-only pages.

A learner edition of a chapter (:func:`learner_edition`, :func:`assign`) has its solutions and
any trainer-check cells removed, its outputs cleared and its ``{exercise}`` directives turned
into plain Markdown (so that Jupyter shows the prompt as text, not as a code block headed
``{exercise}``); each keeps its label in an invisible anchor the grader finds. The learner site
(:func:`build_learner_site`) is built from learner editions, without the answer keys and
without **trainer-only pages**: every page under ``chapters/trainer/`` and every Markdown page
whose front matter says ``audience: trainer``.
"""

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
from .answer_keys import ANSWER_KEYS_DIR
from .book import _read_notebook, book_root, resolve_chapter

TRAINER_CHECK_TAG = "trainer-check"
EDITION_KEY = "learner_edition"

_DIRECTIVE = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\{(?P<name>[A-Za-z][\w-]*)\}(?P<arg>.*)$")
_SOLUTIONS = {"solution", "solution-start", "solution-end"}
#: How a learner edition marks where an exercise begins (invisible in Jupyter and on the site).
_ANCHOR = '<a id="{label}" class="implsupport-exercise"></a>'
_ANCHOR_RE = re.compile(r'<a id="([\w.:-]+)" class="implsupport-exercise"></a>')
TRAINER_FOLDER = "trainer"


def exercise_labels(text: str) -> list[str]:
    """Labels of the exercises that start in markdown ``text``: ``{exercise}`` or
    ``{exercise-start}`` directives (the trainer's copy), or anchors (a learner edition)."""
    labels = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if match and match["name"] in {"exercise", "exercise-start"}:
            for option in lines[index + 1 :]:
                option = option.strip()
                if option.startswith(":label:"):
                    labels.append(option.removeprefix(":label:").strip())
                    break
                if not option.startswith(":"):
                    break
        labels += _ANCHOR_RE.findall(line)
    return labels


def exercises_as_markdown(text: str) -> str:
    """Turn each ``{exercise}`` directive in markdown ``text`` into plain Markdown."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        if not match or match["name"] != "exercise":
            out.append(lines[index])
            index += 1
            continue
        end = _directive_end(lines, index, match["fence"])
        title, label, body = match["arg"].strip(), None, lines[index + 1 : end]
        while body and body[0].strip().startswith(":"):
            option = body.pop(0).strip()
            if option.startswith(":label:"):
                label = option.removeprefix(":label:").strip()
        anchor = _ANCHOR.format(label=label) if label else ""
        heading = f"**Exercise: {title}**" if title else "**Exercise**"
        out += [f"{anchor}{heading}", *body]
        index = end + 1
    return "\n".join(out)


def is_trainer_page(path: Path, root: Path) -> bool:
    """Whether a page of the book is for trainers only (left out of the learner site)."""
    relative = path.relative_to(root)
    if relative.parts[:2] == ("chapters", TRAINER_FOLDER):
        return True
    if path.suffix != ".md":
        return False
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return False
    end = text.find("\n---", 4)
    if end < 0:
        return False
    import yaml

    try:
        front = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError:
        return False
    return isinstance(front, dict) and str(front.get("audience", "")).strip() == "trainer"


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


def strip_solutions(
    nb: nbformat.NotebookNode, name: str = "notebook", *, markdown_exercises: bool = False
) -> nbformat.NotebookNode:
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
                if markdown_exercises:
                    text = exercises_as_markdown(text)
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
    out = strip_solutions(nb, path.name, markdown_exercises=True)
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


def _without_pages(toc: Any, dropped: set[str]) -> Any:
    """The table of contents without the entries of ``dropped`` pages (or trainer folders)."""
    if isinstance(toc, list):
        kept = [_without_pages(entry, dropped) for entry in toc]
        return [entry for entry in kept if entry is not None]
    if isinstance(toc, dict):
        file = str(toc.get("file", "")).removesuffix(".md").removesuffix(".ipynb")
        if file and (file in dropped or file.startswith(f"chapters/{TRAINER_FOLDER}/")):
            return None
        out = {key: _without_pages(value, dropped) for key, value in toc.items()}
        for key in ("chapters", "sections", "parts"):
            if key in out and not out[key]:
                del out[key]
        if "caption" in out and not out.get("chapters"):
            return None  # a part left without pages
        return out
    return toc


def build_learner_site(
    out_dir: str | os.PathLike[str],
    root: str | os.PathLike[str] | None = None,
    *,
    warnings_as_errors: bool = False,
    execute: bool = True,
) -> Path:
    """Build the learner edition of the whole site; return the folder of its HTML.

    The book's sources are copied to ``out_dir/source`` with every notebook replaced by its
    learner edition (so solutions are absent from the pages, from ``_sources`` and from the
    download buttons), launch and repository buttons switched off (they would open the
    trainer's copy), then built with Jupyter Book into ``out_dir/_build/html``. The answer keys
    and trainer-only pages (see :func:`is_trainer_page`) are not copied, and the latter leave
    the table of contents. ``execute=False`` builds without running the chapters (quicker; the
    pages then show no outputs).
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
        if item.name.startswith(".") or item.name in {
            "_build",
            "src",
            "tests",
            "tools",
            ANSWER_KEYS_DIR,
        }:
            continue
        if item.is_dir():
            shutil.copytree(item, stage / item.name, ignore=ignore)
        else:
            shutil.copy2(item, stage / item.name)
    trainer_pages = [
        page
        for page in sorted((stage / "chapters").rglob("*"))
        if page.is_file() and page.suffix in {".md", ".ipynb"} and is_trainer_page(page, stage)
    ]
    for page in trainer_pages:
        page.unlink()
    shutil.rmtree(stage / "chapters" / TRAINER_FOLDER, ignore_errors=True)
    toc_path = stage / "_toc.yml"
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    dropped = {str(p.relative_to(stage).with_suffix("")) for p in trainer_pages}
    toc_path.write_text(yaml.safe_dump(_without_pages(toc, dropped), sort_keys=False), "utf-8")
    for notebook in sorted((stage / "chapters").glob("*.ipynb")):
        edition = learner_edition(source_root / "chapters" / notebook.name)
        nbformat.write(edition, notebook)
    config_path = stage / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    config["title"] = f"{config.get('title', 'The book')} (learner edition)"
    config["launch_buttons"] = {"notebook_interface": "classic"}  # no Binder or Colab links
    html_options = config.setdefault("html", {})
    html_options.update({"use_repository_button": False, "use_issues_button": False})
    config.setdefault("execute", {})["execute_notebooks"] = "force" if execute else "off"
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
