"""The book and its chapters: where the book is, what each chapter declares about itself."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat


def book_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The book's folder (holding ``_toc.yml`` and ``chapters/``).

    ``root`` if given; else the working directory or one of its parents; else the source
    checkout this package belongs to.
    """
    if root is not None:
        folder = Path(root)
        if not (folder / "chapters").is_dir():
            raise ValueError(f"--root {folder}: expected the book's folder, with chapters/ in it")
        return folder
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "chapters").is_dir():
            return folder
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "_toc.yml").is_file():
        return checkout
    raise ValueError("cannot find the book (a folder with _toc.yml and chapters/); use --root")


@dataclass(frozen=True)
class Chapter:
    """What a chapter declares about itself in its notebook metadata."""

    id: str
    title: str
    path: Path
    competencies: tuple[int, ...]
    objectives: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Chapter({self.id!r}, competencies={list(self.competencies)})"

    @property
    def number(self) -> int | None:
        """The chapter's number, the one the book shows: its file's prefix (``11_...`` -> 11)."""
        prefix = _NUMBER.match(self.id)
        return int(prefix[1]) if prefix else None

    @property
    def label(self) -> str:
        """How the book names the chapter: "Chapter 11" (the file name if it has no number)."""
        return f"Chapter {self.number}" if self.number is not None else self.id


_NUMBER = re.compile(r"(\d+)_")
#: A chapter's heading starts with its number ("# Chapter 11. Diffusion models"); the title is
#: what follows.
_HEADING_NUMBER = re.compile(r"^Chapter \d+\.\s*")


def _title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return _HEADING_NUMBER.sub("", line[2:].strip())
    return ""


def _read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise ValueError(f"{path}: not a readable Jupyter notebook ({exc})") from exc


def _chapter_from(nb: nbformat.NotebookNode, path: Path) -> Chapter | None:
    meta = nb.metadata.get("implsupport") or {}
    comps = meta.get("competencies")
    if comps is None:
        return None
    if not isinstance(comps, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 15 for c in comps
    ):
        raise ValueError(
            f"{path.name}: metadata implsupport.competencies must be a list of integers 1-15, "
            f"found {comps!r}"
        )
    objectives = meta.get("objectives") or []
    return Chapter(path.stem, _title(nb), path, tuple(comps), tuple(str(o) for o in objectives))


def read_chapter(path: str | os.PathLike[str]) -> Chapter:
    """Read one chapter notebook's declared competencies, objectives and title."""
    path = Path(path)
    chapter = _chapter_from(_read_notebook(path), path)
    if chapter is None:
        raise ValueError(f"{path.name}: no implsupport.competencies in its notebook metadata")
    return chapter


def list_chapters(root: str | os.PathLike[str] | None = None) -> tuple[Chapter, ...]:
    """Every chapter notebook in ``chapters/`` that declares competencies, by file name."""
    folder = book_root(root) / "chapters"
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        chapter = _chapter_from(_read_notebook(path), path)
        if chapter is not None:
            found.append(chapter)
    return tuple(found)


def resolve_chapter(spec: str | os.PathLike[str], root: str | os.PathLike[str] | None = None):
    """The notebook path for a chapter given by file stem (``01_gap_and_people``) or path."""
    path = Path(spec)
    if path.suffix == ".ipynb" or path.exists():
        if not path.is_file():
            raise ValueError(f"chapter {spec}: no such notebook")
        return path
    candidate = book_root(root) / "chapters" / f"{spec}.ipynb"
    if not candidate.is_file():
        known = ", ".join(c.id for c in list_chapters(root))
        raise ValueError(f"chapter {spec!r}: not found; chapters are: {known}")
    return candidate


def _wrap(label: str, width: int = 46) -> str:
    """Break a long axis label onto lines of at most ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.wrap(label, width))
