"""Grading submitted notebooks: trainer checks, a fresh kernel for each, signed records."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from .. import __version__
from .. import data as datasets
from . import records
from .book import Chapter, _read_notebook, book_root, list_chapters
from .handouts import (
    _DIRECTIVE,
    _SOLUTIONS,
    EDITION_KEY,
    TRAINER_CHECK_TAG,
    _check_learner,
    _sha256,
    _strip_markdown,
    _tags,
)

CHECK_MIME = "application/vnd.implsupport.check+json"
DEFAULT_PASS_THRESHOLD = 0.8
DEFAULT_TIMEOUT = 120.0
#: Largest file a graded notebook's kernel may write (bytes); beyond it the kernel is stopped.
MAX_FILE_BYTES = 64 * 1024 * 1024


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
    from ..exercises import Feedback

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
