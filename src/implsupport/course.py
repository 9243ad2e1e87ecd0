"""Chapters as course units: competency map, learner editions, grading and self-assessment.

Trainers assign chapters of the book toward competency certificates. This module

- reads what each chapter declares in its notebook metadata (``implsupport.competencies`` and
  ``implsupport.objectives``) and maps chapters onto the 15 competencies of the implementation
  support practitioner profile (:func:`competency_map`);
- writes the **learner edition** of a chapter (:func:`assign`, :func:`build_learner_site`):
  solutions and trainer-only checks removed, self-checks kept, outputs cleared;
- **grades** submitted notebooks (:func:`grade`): each runs in a fresh kernel, in a temporary
  folder, under a time limit, with the trainer's checks injected, and gets a signed
  completion record (see :mod:`implsupport.records`);
- turns a learner's self-ratings into a profile and suggested chapters (:func:`self_assessment`).

Conventions a chapter follows (chapter 01 is the model):

- a gated solution is everything from a markdown ``{solution-start}`` directive to its
  ``{solution-end}`` directive (text and cells between them); a ``{solution}`` directive is a
  solution too;
- a **trainer check** is a code cell tagged ``trainer-check`` (and ``remove-cell``, so the site
  does not show it). It belongs to the exercise whose ``{exercise}`` directive precedes it, and
  its last expression is ``trainer_check("exercise-label", passed, "message")``. When grading,
  each check runs right after the learner's work on its exercise. A chapter without trainer
  checks is graded with checks derived from its self-check cells (weaker: see the guide).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from . import __version__, records
from . import data as datasets

__all__ = [
    "CHECK_MIME",
    "DEFAULT_PASS_THRESHOLD",
    "DEFAULT_TIMEOUT",
    "TRAINER_CHECK_TAG",
    "Chapter",
    "CheckResult",
    "CompetencyMap",
    "GradeReport",
    "GradeResult",
    "SelfAssessment",
    "TrainerCheck",
    "assign",
    "book_root",
    "build_learner_site",
    "competency_map",
    "grade",
    "learner_edition",
    "list_chapters",
    "read_chapter",
    "resolve_chapter",
    "self_assessment",
    "strip_solutions",
    "trainer_check",
    "trainer_checks",
]

TRAINER_CHECK_TAG = "trainer-check"
CHECK_MIME = "application/vnd.implsupport.check+json"
EDITION_KEY = "learner_edition"
DEFAULT_PASS_THRESHOLD = 0.8
DEFAULT_TIMEOUT = 120.0
#: Largest file a graded notebook's kernel may write (bytes); beyond it the kernel is stopped.
MAX_FILE_BYTES = 64 * 1024 * 1024


# ---- the book and its chapters ---------------------------------------------------------


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
    checkout = Path(__file__).resolve().parents[2]
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


def _title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
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


# ---- competency map --------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyMap:
    """Which chapters build which of the 15 practitioner competencies."""

    chapters: tuple[Chapter, ...]
    competencies: pd.DataFrame = field(repr=False)  # number, domain_number, domain, competency

    def __repr__(self) -> str:
        covered = len(self.competencies) - len(self.uncovered())
        return (
            f"CompetencyMap({len(self.chapters)} chapter{'' if len(self.chapters) == 1 else 's'}, "
            f"{covered} of "
            f"{len(self.competencies)} competencies covered)"
        )

    def matrix(self) -> pd.DataFrame:
        """Competency (rows, numbered) by chapter (columns): True where the chapter builds it."""
        index = pd.MultiIndex.from_frame(
            self.competencies[["number", "competency"]].astype({"number": int})
        )
        table = pd.DataFrame(False, index=index, columns=[c.id for c in self.chapters])
        for chapter in self.chapters:
            for number in chapter.competencies:
                table.loc[(number, slice(None)), chapter.id] = True
        table.columns.name = "chapter"
        return table

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per (competency, chapter) pair the map links."""
        rows = []
        for _, comp in self.competencies.iterrows():
            for chapter in self.chapters:
                if int(comp["number"]) in chapter.competencies:
                    rows.append(
                        {
                            "number": int(comp["number"]),
                            "domain": comp["domain"],
                            "competency": comp["competency"],
                            "chapter": chapter.id,
                            "title": chapter.title,
                        }
                    )
        return pd.DataFrame(rows, columns=["number", "domain", "competency", "chapter", "title"])

    def find(self, competency: int | str) -> int:
        """The number of a competency given by number (``7``, ``"7"``) or by (part of) name."""
        numbers = [int(n) for n in self.competencies["number"]]
        text = str(competency).strip()
        if text.isdigit():
            if int(text) not in numbers:
                raise ValueError(f"competency: expected a number 1-{max(numbers)}, found {text}")
            return int(text)
        names = {
            int(n): str(c) for n, c in zip(numbers, self.competencies["competency"], strict=True)
        }
        exact = [n for n, name in names.items() if name.casefold() == text.casefold()]
        if exact:
            return exact[0]
        partial = [n for n, name in names.items() if text.casefold() in name.casefold()]
        if len(partial) == 1:
            return partial[0]
        if partial:
            options = "; ".join(f"{n}. {names[n]}" for n in partial)
            raise ValueError(f"competency {text!r} is ambiguous: it matches {options}")
        raise ValueError(
            f"competency {text!r}: no such competency; give a number 1-{max(numbers)} or a name"
        )

    def chapters_for(self, competency: int | str) -> pd.DataFrame:
        """The chapters that build one competency (by number or name): chapter, title."""
        number = self.find(competency)
        rows = [
            {"chapter": c.id, "title": c.title} for c in self.chapters if number in c.competencies
        ]
        return pd.DataFrame(rows, columns=["chapter", "title"])

    def uncovered(self) -> tuple[int, ...]:
        """Numbers of the competencies no chapter builds yet."""
        built = {n for c in self.chapters for n in c.competencies}
        return tuple(int(n) for n in self.competencies["number"] if int(n) not in built)

    def plot(self):
        """Heat map of the matrix: competencies down, chapters across, filled where built."""
        from matplotlib.colors import ListedColormap

        from . import plotting

        matrix = self.matrix()
        rows, cols = matrix.shape
        fig, ax = plotting.figure(width=max(6.5, 4.2 + 0.6 * cols), height=6.2)
        colours = ListedColormap(["#F4F4F4", plotting.PALETTE["blue"]])
        values = matrix.to_numpy(dtype=float) if cols else [[0.0]] * rows
        ax.imshow(values, cmap=colours, vmin=0, vmax=1, aspect="auto")
        ax.set_yticks(
            range(rows), [_wrap(f"{n}. {name}") for n, name in matrix.index], fontsize=8.5
        )
        ax.set_xticks(range(cols), [c.split("_")[0] for c in matrix.columns])
        ax.set_xlabel("chapter")
        ax.grid(False)
        ax.set_yticks([r - 0.5 for r in range(1, rows)], minor=True)
        ax.set_xticks([c - 0.5 for c in range(1, cols)], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
        domain_breaks = self.competencies["domain_number"].astype(int).diff().fillna(0) != 0
        for position in [i for i, brk in enumerate(domain_breaks) if brk]:
            ax.axhline(position - 0.5, color="black", linewidth=1)
        for r, c in zip(*matrix.to_numpy().nonzero(), strict=True):
            ax.text(c, r, "✓", ha="center", va="center", color="white", fontsize=10)
        ax.set_title("Chapters and the competencies they build")
        return fig


def competency_map(root: str | os.PathLike[str] | None = None) -> CompetencyMap:
    """Scan ``chapters/*.ipynb`` and map every chapter onto the 15 competencies."""
    folder = book_root(root)
    table = datasets.load("isp_competencies", folder / "data")
    table = table.astype({"number": int, "domain_number": int}).sort_values("number")
    return CompetencyMap(list_chapters(folder), table.reset_index(drop=True))


# ---- learner edition -------------------------------------------------------------------

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


# ---- trainer checks --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one trainer check, shown in a notebook and read back by the grader."""

    label: str
    passed: bool
    message: str = ""

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"trainer check {self.label}: {verdict}" + (
            f" ({self.message})" if self.message else ""
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        payload = {"label": self.label, "passed": self.passed, "message": self.message}
        return {"text/plain": repr(self), CHECK_MIME: payload}


def trainer_check(label: str, passed: Any, message: str = "") -> CheckResult:
    """Report one trainer check: ``passed`` is a bool or an :mod:`exercises` Feedback."""
    from .exercises import Feedback

    if isinstance(passed, Feedback):
        message = message or passed.message
        passed = passed.correct
    if type(passed) is not bool:  # an object that merely claims truth does not pass
        raise TypeError(f"passed: expected True or False, found {type(passed).__name__}")
    return CheckResult(str(label), passed, str(message))


@dataclass(frozen=True)
class TrainerCheck:
    """A check from the trainer's copy: the exercise it follows and the code to run."""

    exercise: str | None
    source: str
    derived: bool = False


def _exercise_labels(text: str) -> list[str]:
    """Labels of the ``{exercise}`` / ``{exercise-start}`` directives in markdown text."""
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
    return labels


def _derived_check(label: str, source: str) -> str | None:
    """Turn a self-check cell (``answer = None`` then ``check_...(answer, ...)``) into a check."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    keep = []
    for statement in tree.body[:-1]:
        is_blank = isinstance(statement, ast.Assign) and (
            isinstance(statement.value, ast.Constant) and statement.value.value is None
        )
        if not is_blank:
            keep.append(ast.get_source_segment(source, statement) or "")
    verdict = ast.get_source_segment(source, tree.body[-1].value)
    return "\n".join(
        [
            "from implsupport.course import trainer_check as _trainer_check",
            *keep,
            f"_trainer_check({label!r}, {verdict})",
        ]
    )


def trainer_checks(nb: nbformat.NotebookNode) -> tuple[TrainerCheck, ...]:
    """The checks the trainer's copy of a chapter holds, each tied to its exercise.

    Cells tagged ``trainer-check`` if there are any; otherwise checks derived from the
    chapter's self-check cells (the first code cell after each exercise, outside solutions).
    """
    explicit, derived = [], []
    current: str | None = None
    awaiting_self_check = inside = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            labels = _exercise_labels(cell.source)
            _, inside = _strip_markdown(cell.source, inside)
            if labels:
                current, awaiting_self_check = labels[-1], True
        elif cell.cell_type == "code" and TRAINER_CHECK_TAG in _tags(cell):
            explicit.append(TrainerCheck(current, cell.source))
        elif cell.cell_type == "code" and awaiting_self_check and not inside:
            awaiting_self_check = False
            code = _derived_check(str(current), cell.source)
            if code is not None:
                derived.append(TrainerCheck(current, code, derived=True))
    return tuple(explicit or derived)


def _checks_sha256(checks: Iterable[TrainerCheck]) -> str:
    payload = [{"exercise": c.exercise, "source": c.source} for c in checks]
    return _sha256(records.canonical_json(payload))


# ---- grading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeResult:
    """One submission's result: a row of ``scores.csv``."""

    submission: str
    status: str  # graded | graded-with-errors | timeout | kernel-died | invalid | ...
    learner: str = ""
    chapter: str = ""
    score: int = 0
    max_score: int = 0
    passed: bool = False
    detail: str = ""
    record: str = ""
    checks: tuple[CheckResult, ...] = ()

    def __repr__(self) -> str:
        return (
            f"GradeResult({self.submission!r}, {self.status}, {self.score}/{self.max_score}, "
            f"passed={self.passed})"
        )


@dataclass(frozen=True)
class GradeReport:
    """All results of one grading run, and where ``scores.csv`` was written."""

    results: tuple[GradeResult, ...]
    scores_path: Path
    pass_threshold: float

    def __repr__(self) -> str:
        passed = sum(r.passed for r in self.results)
        return f"GradeReport({len(self.results)} submissions, {passed} passed)"

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for r in self.results:
            rows.append(
                {
                    "submission": r.submission,
                    "learner": r.learner,
                    "chapter": r.chapter,
                    "status": r.status,
                    "score": r.score,
                    "max_score": r.max_score,
                    "passed": r.passed,
                    "pass_threshold": self.pass_threshold,
                    "detail": r.detail,
                    "record": r.record,
                }
            )
        return pd.DataFrame(rows)


def _limit_resources() -> None:  # runs in the kernel's process before it starts
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _kernel_env(work: Path) -> dict[str, str]:
    """A small environment: HOME and every cache in the temporary folder, no other secrets."""
    env = {
        "HOME": str(work),
        "TMPDIR": str(work / "tmp"),
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(work / "tmp" / "matplotlib"),
        "IPYTHONDIR": str(work / "tmp" / "ipython"),
        "XDG_CACHE_HOME": str(work / "tmp" / "cache"),
        "XDG_CONFIG_HOME": str(work / "tmp" / "config"),
        "IMPLSUPPORT_DATA": str(work / "data"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def _error_text(output: Mapping[str, Any]) -> str:
    return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip().rstrip(":")


def _execute(nb: nbformat.NotebookNode, work: Path, timeout: float) -> tuple[str, str]:
    """Run ``nb`` in a fresh kernel in ``work``; return (status, detail). Outputs land in nb."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    cwd = work / "chapters"
    cwd.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(
        nb,
        timeout=max(1, math.ceil(timeout)),
        kernel_name="python3",
        allow_errors=True,
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
    )
    status, detail = "completed", ""
    pgid = None
    try:
        with (
            warnings.catch_warnings(),
            client.setup_kernel(
                env=_kernel_env(work),
                cwd=str(cwd),
                preexec_fn=_limit_resources,
                stdout=subprocess.DEVNULL,  # the kernel's own console chatter
                stderr=subprocess.DEVNULL,
            ),
        ):
            warnings.simplefilter("ignore")
            pgid = getattr(client.km.provisioner, "pgid", None)
            deadline = time.monotonic() + timeout
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CellTimeoutError("time limit reached")
                client.timeout = max(1, math.ceil(remaining))
                client.execute_cell(cell, index)
    except CellTimeoutError:
        status, detail = "timeout", f"stopped after the time limit of {timeout:g} s"
    except DeadKernelError:
        status, detail = "kernel-died", "the kernel died while running the notebook"
    except Exception as exc:  # the batch goes on whatever one notebook does
        status, detail = "error", f"could not run the notebook: {type(exc).__name__}: {exc}"
    finally:
        # Stop anything the notebook started in the kernel's process group.
        if pgid is not None and pgid != os.getpgid(0):
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
    return status, detail


def _exercise_regions(cells: Sequence[Any]) -> dict[str, int]:
    """For each exercise label in a submission, the index before which its checks go."""
    ends: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        for label in _exercise_labels(cell.source):
            end = len(cells)
            for later in range(index + 1, len(cells)):
                other = cells[later]
                if other.cell_type != "markdown":
                    continue
                directive_names = {
                    m["name"]
                    for m in (_DIRECTIVE.match(line) for line in other.source.split("\n"))
                    if m
                }
                heading = any(re.match(r"#{1,6} ", line) for line in other.source.split("\n"))
                if heading or directive_names & (_SOLUTIONS | {"exercise", "exercise-start"}):
                    end = later
                    break
            ends.setdefault(label, end)
    return ends


def _prepare(submission: nbformat.NotebookNode, checks: Sequence[TrainerCheck]):
    """The notebook to run: learner cells (outputs cleared) with the checks injected.

    Returns (notebook, {cell index: check}, {exercise label: reason it could not be checked}).
    """
    learner_cells = []
    for cell in submission.cells:
        if TRAINER_CHECK_TAG in _tags(cell) or cell.cell_type not in {"code", "markdown"}:
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata = {}
        learner_cells.append(cell)
    regions = _exercise_regions(learner_cells)
    inserts: dict[int, list[TrainerCheck]] = {}
    missing: dict[int, str] = {}
    for number, check in enumerate(checks):
        if check.exercise is None:
            inserts.setdefault(len(learner_cells), []).append(check)
        elif check.exercise in regions:
            inserts.setdefault(regions[check.exercise], []).append(check)
        else:
            missing[number] = f"exercise {check.exercise} is missing from the submission"
    cells, placed = [], {}
    order = {id(c): n for n, c in enumerate(checks)}
    for index in range(len(learner_cells) + 1):
        for check in inserts.get(index, []):
            placed[len(cells)] = order[id(check)]
            cells.append(nbformat.v4.new_code_cell(check.source))
        if index < len(learner_cells):
            cells.append(learner_cells[index])
    for cell in cells:
        cell.pop("id", None)  # ids belong to format 4.5; the notebook run is 4.4
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 4
    nb.cells = cells
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    return nb, placed, missing


def _read_check(cell: Any) -> CheckResult | str:
    """The CheckResult a check cell displayed, or the reason there is none."""
    found = None
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return _error_text(output)
        payload = output.get("data", {}).get(CHECK_MIME)
        if isinstance(payload, dict):
            found = payload
    if found is None:
        return "the check did not run to its end" if not cell.get("outputs") else "no verdict"
    return CheckResult(
        str(found.get("label")), found.get("passed") is True, str(found.get("message", ""))
    )


def _check_structure(nb: Any) -> None:
    """Enough of the notebook format to run it: a list of cells with a type and a source."""
    cells = nb.get("cells") if isinstance(nb, Mapping) else None
    if not isinstance(cells, list):
        raise ValueError("it has no list of cells")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, Mapping) or not isinstance(cell.get("source"), str):
            raise ValueError(f"cell {number} has no source text")
        if cell.get("cell_type") not in {"code", "markdown", "raw"}:
            raise ValueError(f"cell {number} has an unknown type {cell.get('cell_type')!r}")


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug or "learner"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _grade_one(
    path: Path,
    *,
    learner: str | None,
    chapters: Mapping[str, Chapter],
    root: Path,
    timeout: float,
    pass_threshold: float,
) -> tuple[GradeResult, dict[str, Any] | None, nbformat.NotebookNode | None]:
    """Grade one submission: its result, the record to sign and the notebook as run (or None)."""
    name = path.name
    try:
        payload = path.read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about, e.g., missing cell ids
            submission = nbformat.reads(payload.decode("utf-8"), as_version=4)
        _check_structure(submission)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return GradeResult(name, "invalid", detail=f"not a Jupyter notebook: {reason}"), None, None
    meta = submission.metadata.get("implsupport") or {}
    edition = meta.get(EDITION_KEY) if isinstance(meta, dict) else None
    edition = edition if isinstance(edition, dict) else {}
    chapter_id = str(edition.get("chapter") or path.stem)
    if chapter_id not in chapters:
        return (
            GradeResult(
                name,
                "unknown-chapter",
                chapter=chapter_id,
                detail=f"no chapter {chapter_id!r} in the trainer's copy of the book",
            ),
            None,
            None,
        )
    who = learner or edition.get("learner")
    try:
        who = _check_learner(who if isinstance(who, str) else None)
    except ValueError as exc:
        return GradeResult(name, "no-learner", chapter=chapter_id, detail=str(exc)), None, None
    if not who:
        return (
            GradeResult(
                name,
                "no-learner",
                chapter=chapter_id,
                detail="the notebook names no learner; grade it alone with --learner NAME",
            ),
            None,
            None,
        )
    chapter = chapters[chapter_id]
    source = _read_notebook(chapter.path)
    checks = trainer_checks(source)
    if not checks:
        return (
            GradeResult(
                name, "no-checks", who, chapter_id, detail="the chapter has no checks to apply"
            ),
            None,
            None,
            None,
        )
    nb, placed, missing = _prepare(submission, checks)
    with tempfile.TemporaryDirectory(prefix="implsupport-grade-") as tmp:
        work = Path(tmp)
        if (root / "data").is_dir():
            shutil.copytree(root / "data", work / "data")
        status, detail = _execute(nb, work, timeout)
    results: list[CheckResult] = []
    by_check = {number: index for index, number in placed.items()}
    for number, check in enumerate(checks):
        label = check.exercise or f"check-{number + 1}"
        if number in missing:
            results.append(CheckResult(label, False, missing[number]))
            continue
        outcome = _read_check(nb.cells[by_check[number]])
        if isinstance(outcome, str):
            outcome = CheckResult(label, False, outcome)
        results.append(CheckResult(label, outcome.passed, outcome.message))
    check_cells = set(placed)
    learner_errors = [
        f"cell {index + 1}: {_error_text(output)}"
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and index not in check_cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    if status == "completed":
        status = "graded-with-errors" if learner_errors else "graded"
        detail = learner_errors[0] if learner_errors else ""
        if len(learner_errors) > 1:
            detail += f" (and {len(learner_errors) - 1} more)"
    score, max_score = sum(r.passed for r in results), len(results)
    ran_to_end = status in {"graded", "graded-with-errors"}
    passed = ran_to_end and max_score > 0 and score / max_score >= pass_threshold
    record = {
        "format": records.RECORD_FORMAT,
        "learner": who,
        "chapter": chapter_id,
        "chapter_title": chapter.title,
        "competencies": list(chapter.competencies),
        "book_version": __version__,
        "chapter_sha256": _sha256(chapter.path.read_bytes()),
        "assigned_source_sha256": str(edition.get("source_sha256") or ""),
        "submission_sha256": _sha256(payload),
        "checks_sha256": _checks_sha256(checks),
        "checks_derived_from_self_checks": any(c.derived for c in checks),
        "status": status,
        "detail": detail,
        "scores": [{"check": r.label, "passed": r.passed, "message": r.message} for r in results],
        "score": score,
        "max_score": max_score,
        "pass_threshold": pass_threshold,
        "passed": passed,
        "graded_at": _now(),
    }
    result = GradeResult(
        name, status, who, chapter_id, score, max_score, passed, detail, checks=tuple(results)
    )
    return result, record, nb


def grade(
    submissions: Sequence[str | os.PathLike[str]],
    key_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    learner: str | None = None,
    pass_threshold: float = DEFAULT_PASS_THRESHOLD,
    root: str | os.PathLike[str] | None = None,
) -> GradeReport:
    """Grade submitted notebooks; write ``out_dir/scores.csv`` and signed ``records/*.json``.

    The notebooks as run (with the checks and their outputs) are kept in ``out_dir/executed/``
    so the trainer can see what each learner's code did.

    Each submission runs in a fresh kernel in its own temporary folder (its working directory
    and HOME), with a time limit of ``timeout`` seconds for the whole notebook, and with the
    checks of the trainer's copy of its chapter (found in ``root``'s chapters/) injected after
    each exercise. A notebook that raises, runs too long, is not a notebook, names an unknown
    chapter or no learner gets its own row in the score table; the batch always finishes.
    """
    if isinstance(submissions, str | os.PathLike):
        raise TypeError("submissions: expected a list of paths, found a single string or path")
    if not submissions:
        raise ValueError("submissions: give at least one notebook")
    if learner is not None and len(submissions) > 1:
        raise ValueError("--learner: names the learner of one notebook; grade one at a time")
    learner = _check_learner(learner)
    if not (isinstance(timeout, int | float) and 0 < timeout <= 24 * 3600):
        raise ValueError(f"timeout: expected seconds between 0 and 86400, found {timeout!r}")
    if not (isinstance(pass_threshold, int | float) and 0 < pass_threshold <= 1):
        raise ValueError(f"pass threshold: expected a fraction in (0, 1], found {pass_threshold}")
    paths = [Path(p) for p in submissions]
    for path in paths:
        if not path.is_file():
            raise ValueError(f"submission {path}: file not found")
    key = records.load_private_key(key_path)
    folder = book_root(root)
    chapters = {c.id: c for c in list_chapters(folder)}
    out = Path(out_dir)
    scores_path = out / "scores.csv"
    if scores_path.exists():
        raise FileExistsError(f"{scores_path} already exists; grade into a new folder")
    (out / "records").mkdir(parents=True, exist_ok=True)
    results = []
    for path in paths:
        result, record, executed = _grade_one(
            path,
            learner=learner,
            chapters=chapters,
            root=folder,
            timeout=float(timeout),
            pass_threshold=float(pass_threshold),
        )
        if record is not None:
            stem = f"{_slug(result.learner)}__{result.chapter}"
            target, counter = out / "records" / f"{stem}.json", 1
            while target.exists():
                counter += 1
                target = out / "records" / f"{stem}-{counter}.json"
            records.write_record(records.sign_record(record, key), target)
            result = dataclasses.replace(result, record=str(target.relative_to(out)))
        if executed is not None:  # the notebook as run, checks included, for the trainer
            (out / "executed").mkdir(exist_ok=True)
            ran, counter = out / "executed" / path.name, 1
            while ran.exists():
                counter += 1
                ran = out / "executed" / f"{path.stem}-{counter}.ipynb"
            nbformat.write(executed, ran)
        results.append(result)
    report = GradeReport(tuple(results), scores_path, float(pass_threshold))
    scores_path.write_bytes(datasets.csv_bytes(report.to_frame()))
    return report


# ---- self-assessment -------------------------------------------------------------------

#: The book's four-point self-rating scale (its own, not the profile's).
RATING_SCALE = {
    1: "new to me",
    2: "I know what it involves",
    3: "I practise it with support",
    4: "I practise it on my own and can help others",
}


@dataclass(frozen=True)
class SelfAssessment:
    """A learner's self-ratings (1-4) on the 15 competencies, before and after a course."""

    table: pd.DataFrame = field(repr=False)  # number, domain, competency, before, after
    map: CompetencyMap = field(repr=False)

    def __repr__(self) -> str:
        rated = self.table[["before", "after"]].notna().all(axis=None)
        return f"SelfAssessment(15 competencies, {'before and after' if rated else 'before'})"

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out["change"] = out["after"] - out["before"]
        return out

    def weakest(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` lowest-rated competencies (latest rating; ties by number)."""
        if not isinstance(n, int) or not 1 <= n <= len(self.table):
            raise ValueError(f"n: expected an integer 1-{len(self.table)}, found {n!r}")
        latest = self.table["after"].fillna(self.table["before"])
        ranked = self.table.assign(rating=latest).sort_values(["rating", "number"], kind="stable")
        return ranked.head(n)[["number", "domain", "competency", "rating"]].reset_index(drop=True)

    def suggestions(self, n: int = 3) -> pd.DataFrame:
        """For the ``n`` weakest competencies, the chapters that build them."""
        rows = []
        for _, row in self.weakest(n).iterrows():
            found = self.map.chapters_for(int(row["number"]))
            rows.append(
                {
                    "number": int(row["number"]),
                    "competency": row["competency"],
                    "rating": row["rating"],
                    "chapters": ", ".join(found["chapter"]) or "(no chapter yet)",
                }
            )
        return pd.DataFrame(rows)

    def plot(self):
        """Horizontal bars: the rating of each competency before (and after), by domain."""
        from . import plotting

        fig, ax = plotting.figure(width=8.5, height=6.4)
        table = self.table.iloc[::-1].reset_index(drop=True)
        positions = range(len(table))
        has_after = table["after"].notna().any()
        height = 0.38 if has_after else 0.7
        offset = height / 2 if has_after else 0
        ax.barh(
            [p + offset for p in positions],
            table["before"].to_numpy(dtype=float, na_value=math.nan),
            height=height,
            color=plotting.PALETTE["sky"],
            label="before",
        )
        if has_after:
            ax.barh(
                [p - offset for p in positions],
                table["after"].to_numpy(dtype=float, na_value=math.nan),
                height=height,
                color=plotting.PALETTE["blue"],
                label="after",
            )
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
        ax.set_yticks(
            list(positions),
            [_wrap(f"{n}. {c}") for n, c in zip(table["number"], table["competency"], strict=True)],
            fontsize=8.5,
        )
        ax.set_xlim(0, 4.2)
        ax.set_xticks(list(RATING_SCALE), [str(k) for k in RATING_SCALE])
        ax.set_xlabel("self-rating (1 = new to me … 4 = practise it on my own)")
        ax.grid(axis="y", visible=False)
        return fig


def _ratings(values: Mapping[int, int] | Sequence[int] | None, what: str) -> list[int | None]:
    if values is None:
        return [None] * 15
    if isinstance(values, Mapping):
        if sorted(values) != list(range(1, 16)):
            raise ValueError(
                f"{what}: expected ratings for competencies 1-15, found keys {sorted(values)}"
            )
        values = [values[n] for n in range(1, 16)]
    values = list(values)
    if len(values) != 15:
        raise ValueError(f"{what}: expected 15 ratings, found {len(values)}")
    for value in values:
        if isinstance(value, bool) or value not in RATING_SCALE:
            raise ValueError(f"{what}: ratings must be integers 1-4, found {value!r}")
    return [int(v) for v in values]


def self_assessment(
    before: Mapping[int, int] | Sequence[int],
    after: Mapping[int, int] | Sequence[int] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> SelfAssessment:
    """A self-assessment profile from ratings 1-4 on competencies 1-15 (a list or a dict)."""
    cmap = competency_map(root)
    table = cmap.competencies[["number", "domain", "competency"]].copy()
    table["before"] = pd.array(_ratings(before, "before"), dtype="Int64")
    table["after"] = pd.array(_ratings(after, "after"), dtype="Int64")
    return SelfAssessment(table, cmap)
