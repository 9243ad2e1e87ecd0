"""Grading submitted notebooks in two steps that never meet: ``grade`` and ``sign``.

:func:`grade` runs each learner's notebook in a fresh kernel inside a sandbox (see
:mod:`.sandbox`). After the learner's work on each exercise the grader adds one cell that
hands the exercise's variables over as plain JSON; nothing else comes out of the kernel. The
grader then compares those values, in its own process, with the chapter's answer key (see
:mod:`.answer_keys`), which the kernel cannot reach. It writes ``scores.csv``, one unsigned
result per submission under ``results/`` and the notebooks as run under ``executed/``. It
never reads the private key.

:func:`sign` runs no learner code: it reads the results and signs each as a completion record
under ``records/`` with the trainer's private key.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from .. import __version__
from .. import data as datasets
from . import records
from .answer_keys import AnswerKey, judge, load_answer_key
from .book import Chapter, book_root, list_chapters
from .handouts import (
    _DIRECTIVE,
    _SOLUTIONS,
    EDITION_KEY,
    TRAINER_CHECK_TAG,
    _check_learner,
    _sha256,
    _tags,
    exercise_labels,
)
from .sandbox import bubblewrap, error_text, execute

ANSWER_MIME = "application/vnd.implsupport.answers+json"
DEFAULT_PASS_THRESHOLD = 0.8
DEFAULT_TIMEOUT = 120.0
#: Most bytes of answers one exercise may hand over.
MAX_ANSWER_BYTES = 100_000


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one exercise: its label, whether it passed and why not."""

    label: str
    passed: bool
    message: str = ""

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"exercise {self.label}: {verdict}" + (f" ({self.message})" if self.message else "")


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
    result: str = ""
    flags: tuple[str, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    seconds: float = 0.0
    started: float = 0.0  # wall-clock time (epoch seconds) the grading of this notebook began

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
    sandbox: str

    def __repr__(self) -> str:
        passed = sum(r.passed for r in self.results)
        return f"GradeReport({len(self.results)} submissions, {passed} passed)"

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "submission": r.submission,
                "learner": r.learner,
                "chapter": r.chapter,
                "status": r.status,
                "score": r.score,
                "max_score": r.max_score,
                "passed": r.passed,
                "pass_threshold": self.pass_threshold,
                "flags": "; ".join(r.flags),
                "detail": r.detail,
                "result": r.result,
            }
            for r in self.results
        ]
        return pd.DataFrame(rows)


# ---- the notebook the grader runs --------------------------------------------------------

_CAPTURE = """# Added by the grader: hand this exercise's variables over as plain JSON.
def _implsupport_answers(label, names, scope):
    import math
    from IPython.display import publish_display_data

    def plain(value, depth=0):
        if depth > 3:
            return {{"unsupported": "nested too deep"}}
        if value is None or type(value) in (bool, int, str):
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {{"unsupported": "not finite"}}
        if type(value).__module__.startswith(("numpy", "pandas")):
            if hasattr(value, "tolist"):
                return plain(value.tolist(), depth + 1)
            if hasattr(value, "item"):
                return plain(value.item(), depth + 1)
        if type(value) in (list, tuple):
            return [plain(v, depth + 1) for v in list(value)[:1000]]
        if type(value) in (set, frozenset):
            return [plain(v, depth + 1) for v in sorted(value, key=repr)[:1000]]
        return {{"unsupported": type(value).__name__}}

    found = {{n: plain(scope[n]) for n in names if n in scope}}
    publish_display_data({{"{mime}": {{"label": label, "answers": found}}}})


_implsupport_answers({label!r}, {names!r}, globals())
"""


def capture_source(label: str, names: Sequence[str]) -> str:
    """The cell the grader adds after an exercise: it publishes the variables as JSON."""
    return _CAPTURE.format(mime=ANSWER_MIME, label=label, names=list(names))


def _exercise_regions(cells: Sequence[Any]) -> dict[str, int]:
    """For each exercise label in a submission, the index before which its capture goes."""
    ends: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        for label in exercise_labels(cell.source):
            end = len(cells)
            for later in range(index + 1, len(cells)):
                other = cells[later]
                if other.cell_type != "markdown":
                    continue
                lines = other.source.split("\n")
                names = {m["name"] for m in (_DIRECTIVE.match(line) for line in lines) if m}
                heading = any(re.match(r"#{1,6} ", line) for line in lines)
                if (
                    heading
                    or exercise_labels(other.source)
                    or names & (_SOLUTIONS | {"exercise", "exercise-start"})
                ):
                    end = later
                    break
            ends.setdefault(label, end)
    return ends


def prepare(submission: nbformat.NotebookNode, key: AnswerKey):
    """The notebook to run: the learner's cells (outputs cleared) and one capture per exercise.

    Returns (notebook, {cell index: exercise label}, {label: why it cannot be captured}).
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
    inserts: dict[int, list[str]] = {}
    missing: dict[str, str] = {}
    for exercise in key.exercises:
        if exercise.label in regions:
            inserts.setdefault(regions[exercise.label], []).append(exercise.label)
        else:
            missing[exercise.label] = "the exercise is missing from the submission"
    cells, placed = [], {}
    for index in range(len(learner_cells) + 1):
        for label in inserts.get(index, []):
            placed[len(cells)] = label
            cells.append(nbformat.v4.new_code_cell(capture_source(label, key[label].variables)))
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


def read_answers(cell: Mapping[str, Any], label: str) -> dict[str, Any] | str:
    """The variables one capture cell handed over, or the reason there are none.

    Exactly one payload for this label is accepted; anything else (none, several, another
    label, not JSON of the expected shape) counts as no answer.
    """
    payloads = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"the answer could not be read: {error_text(output)}"
        data = output.get("data", {})
        if isinstance(data, Mapping) and ANSWER_MIME in data:
            payloads.append(data[ANSWER_MIME])
    if len(payloads) != 1:
        return "no answer was handed over" if not payloads else "more than one answer"
    payload = payloads[0]
    try:
        size = len(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError):
        return "the answer was not plain JSON"
    if size > MAX_ANSWER_BYTES:
        return "the answer is too large"
    if not isinstance(payload, dict) or payload.get("label") != label:
        return "the answer was handed over for another exercise"
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        return "the answer was not plain JSON"
    return answers


# ---- one submission ----------------------------------------------------------------------


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


def safe_stem(learner: str, chapter: str) -> str:
    """A file name stem for any learner's name: readable, safe on every system, unique.

    Letters and digits of any script are kept (``王芳`` stays ``王芳``), everything else becomes
    ``-``; a short hash of the exact name keeps different names apart (``Ann Lee`` and
    ``Ann-Lee``).
    """
    text = unicodedata.normalize("NFC", learner)
    slug = re.sub(r"[\W_]+", "-", text).strip("-").casefold()[:40].strip("-") or "learner"
    digest = hashlib.sha256(learner.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}__{chapter}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Job:
    path: Path
    learner: str | None
    roster: Mapping[str, Mapping[str, str]] | None
    chapters: Mapping[str, Chapter]
    root: Path
    timeout: float
    pass_threshold: float
    bwrap: str | None


def _identify(job: _Job, edition: Mapping[str, Any]) -> tuple[str, str | None, list[str]]:
    """Chapter, learner and the mismatches between file name, metadata and roster."""
    flags: list[str] = []
    name, stem = job.path.name, job.path.stem
    meta_chapter = str(edition.get("chapter") or "") or None
    file_chapters = [c for c in job.chapters if stem == c or stem.endswith(f"__{c}")]
    file_chapter = file_chapters[0] if file_chapters else None
    chapter = meta_chapter or file_chapter or stem
    if meta_chapter and file_chapter and meta_chapter != file_chapter:
        flags.append(f"file name says chapter {file_chapter}, metadata says {meta_chapter}")
    meta_learner = edition.get("learner") if isinstance(edition.get("learner"), str) else None
    learner = job.learner or meta_learner
    if job.roster is not None:
        entry = job.roster.get(name)
        if entry is None:
            flags.append("not on the roster")
        else:
            if entry.get("chapter") and entry["chapter"] != chapter:
                flags.append(f"roster says chapter {entry['chapter']}, graded as {chapter}")
            if meta_learner and meta_learner.strip() != entry["learner"]:
                flags.append(f"roster says {entry['learner']!r}, metadata says {meta_learner!r}")
            learner = job.learner or entry["learner"]
    return chapter, learner, flags


def _grade_one(job: _Job) -> tuple[GradeResult, dict[str, Any] | None, Any]:
    """Grade one submission: its result, the record to sign and the notebook as run."""
    started, began = time.monotonic(), time.time()
    name = job.path.name
    try:
        payload = job.path.read_bytes()
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
    chapter_id, who, flags = _identify(job, edition)
    if chapter_id not in job.chapters:
        detail = f"no chapter {chapter_id!r} in the trainer's copy of the book"
        return GradeResult(name, "unknown-chapter", chapter=chapter_id, detail=detail), None, None
    try:
        who = _check_learner(who if isinstance(who, str) else None)
    except ValueError as exc:
        return GradeResult(name, "no-learner", chapter=chapter_id, detail=str(exc)), None, None
    if not who:
        detail = "the notebook names no learner; grade it alone with --learner NAME, or a roster"
        return GradeResult(name, "no-learner", chapter=chapter_id, detail=detail), None, None
    chapter = job.chapters[chapter_id]
    key = load_answer_key(chapter_id, job.root)
    if key is None:
        detail = "the chapter has no answer key in the trainer's copy (answer_keys/)"
        result = GradeResult(
            name, "no-answer-key", who, chapter_id, detail=detail, flags=tuple(flags)
        )
        return result, None, None
    nb, placed, missing = prepare(submission, key)
    if placed:
        with tempfile.TemporaryDirectory(prefix="implsupport-grade-") as tmp:
            work = Path(tmp)
            if (job.root / "data").is_dir():
                shutil.copytree(job.root / "data", work / "data")
            status, detail = execute(nb, work, job.timeout, job.bwrap)
    else:
        status, detail = "completed", ""
    by_label = {label: index for index, label in placed.items()}
    results: list[CheckResult] = []
    for exercise in key.exercises:
        label = exercise.label
        if label in missing:
            results.append(CheckResult(label, False, missing[label]))
            continue
        answers = read_answers(nb.cells[by_label[label]], label)
        if isinstance(answers, str):
            results.append(CheckResult(label, False, answers))
            continue
        passed, message = judge(exercise, answers)
        results.append(CheckResult(label, passed, message))
    capture_cells = set(placed)
    learner_errors = [
        f"cell {index + 1}: {error_text(output)}"
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and index not in capture_cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    if status == "completed":
        status = "graded-with-errors" if learner_errors else "graded"
        detail = learner_errors[0] if learner_errors else ""
        if len(learner_errors) > 1:
            detail += f" (and {len(learner_errors) - 1} more)"
        if not key.exercises:
            detail = "the chapter has no exercises to grade"
    score, max_score = sum(r.passed for r in results), len(results)
    ran_to_end = status in {"graded", "graded-with-errors"}
    passed = ran_to_end and max_score > 0 and score / max_score >= job.pass_threshold
    record = {
        "format": records.RECORD_FORMAT,
        "learner": who,
        "chapter": chapter_id,
        "chapter_title": chapter.title,
        "competencies": list(chapter.competencies),
        "book_version": __version__,
        "chapter_sha256": _sha256(chapter.path.read_bytes()),
        "assigned_source_sha256": str(edition.get("source_sha256") or ""),
        "submission": name,
        "submission_sha256": _sha256(payload),
        "answer_key_sha256": _sha256(key.path.read_bytes()),
        "sandbox": "bubblewrap" if job.bwrap else "none",
        "flags": flags,
        "status": status,
        "detail": detail,
        "scores": [
            {"exercise": r.label, "passed": r.passed, "message": r.message} for r in results
        ],
        "score": score,
        "max_score": max_score,
        "pass_threshold": job.pass_threshold,
        "passed": passed,
        "graded_at": _now(),
    }
    result = GradeResult(
        name,
        status,
        who,
        chapter_id,
        score,
        max_score,
        passed,
        detail,
        flags=tuple(flags),
        checks=tuple(results),
        seconds=time.monotonic() - started,
        started=began,
    )
    return result, record, nb


# ---- a batch -----------------------------------------------------------------------------


def read_roster(path: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    """A roster CSV: columns ``file`` and ``learner`` (and optionally ``chapter``)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"roster {path}: file not found")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"file", "learner"} <= set(rows[0]):
        raise ValueError(f"roster {path}: expected columns file and learner (and chapter)")
    roster: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        file, learner = (row.get("file") or "").strip(), (row.get("learner") or "").strip()
        if not file or not learner:
            raise ValueError(f"roster {path}: line {number} needs a file and a learner")
        if file in roster:
            raise ValueError(f"roster {path}: {file} appears twice")
        roster[file] = {"learner": learner, "chapter": (row.get("chapter") or "").strip()}
    return roster


def _write_new(path: Path, payload: bytes) -> Path:
    """Write ``payload`` to ``path``, or to ``path-2``, ``path-3``... if it exists."""
    target, counter = path, 1
    while True:
        try:
            with open(target, "xb") as handle:
                handle.write(payload)
            return target
        except FileExistsError:
            counter += 1
            target = path.with_name(f"{path.stem}-{counter}{path.suffix}")


def grade(
    submissions: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    learner: str | None = None,
    roster: str | os.PathLike[str] | None = None,
    pass_threshold: float = DEFAULT_PASS_THRESHOLD,
    root: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    sandbox: bool = True,
    progress: Callable[[int, int, GradeResult], None] | None = None,
) -> GradeReport:
    """Grade submitted notebooks; write ``scores.csv``, ``results/`` and ``executed/``.

    Each submission runs in a fresh sandboxed kernel (``sandbox=False`` runs it unprotected,
    as the trainer) in its own temporary folder, with a time limit of ``timeout`` seconds for
    the whole notebook; up to ``jobs`` (default: the processor's cores) run at once, and
    ``progress(done, total, result)`` is called as each finishes. Answers are compared with
    the answer keys of the trainer's copy of the book (``root``). A notebook that raises,
    runs too long, is not a notebook, names an unknown chapter or no learner gets its own row;
    the batch always finishes. Nothing is signed: see :func:`sign`.
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
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    jobs = (cores or 1) if jobs is None else jobs
    if not (isinstance(jobs, int) and jobs >= 1):
        raise ValueError(f"jobs: expected a whole number >= 1, found {jobs!r}")
    paths = [Path(p) for p in submissions]
    for path in paths:
        if not path.is_file():
            raise ValueError(f"submission {path}: file not found")
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise ValueError("submissions: two files have the same name; grade them separately")
    people = read_roster(roster) if roster is not None else None
    bwrap = bubblewrap() if sandbox else None
    if sandbox and bwrap is None:
        raise ValueError(
            "grading needs bubblewrap to keep learners' code away from your files "
            "(Debian/Ubuntu: apt-get install bubblewrap); --no-sandbox grades without it, unsafely"
        )
    folder = book_root(root)
    chapters = {c.id: c for c in list_chapters(folder)}
    out = Path(out_dir)
    scores_path = out / "scores.csv"
    if scores_path.exists():
        raise FileExistsError(f"{scores_path} already exists; grade into a new folder")
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "executed").mkdir(exist_ok=True)
    todo = [
        _Job(p, learner, people, chapters, folder, float(timeout), float(pass_threshold), bwrap)
        for p in paths
    ]
    done: dict[int, tuple[GradeResult, dict[str, Any] | None, Any]] = {}
    workers = min(jobs, len(todo))
    if workers == 1:
        for index, job in enumerate(todo):
            done[index] = _grade_one(job)
            if progress:
                progress(len(done), len(todo), done[index][0])
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(_grade_one, job): index for index, job in enumerate(todo)}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if progress:
                    progress(len(done), len(todo), done[futures[future]][0])
    results = []
    for index in range(len(todo)):
        result, record, executed = done[index]
        if record is not None:
            stem = safe_stem(result.learner, result.chapter)
            target = _write_new(out / "results" / f"{stem}.json", records.canonical_json(record))
            result = replace(result, result=str(target.relative_to(out)))
        if executed is not None:  # the notebook as run, captures included, for the trainer
            _write_new(out / "executed" / paths[index].name, nbformat.writes(executed).encode())
        results.append(result)
    report = GradeReport(
        tuple(results), scores_path, float(pass_threshold), "bubblewrap" if bwrap else "none"
    )
    scores_path.write_bytes(datasets.csv_bytes(report.to_frame()))
    return report


def sign(
    graded_dir: str | os.PathLike[str],
    key_path: str | os.PathLike[str],
    *,
    include_flagged: bool = False,
) -> tuple[list[Path], list[str]]:
    """Sign the results of a grading run as completion records in ``graded_dir/records/``.

    Runs no learner code. Results with flags (file name, metadata and roster disagree) are
    left unsigned unless ``include_flagged``. Returns (records written, results skipped with
    the reason). A result already signed is not signed again.
    """
    folder = Path(graded_dir)
    results = sorted((folder / "results").glob("*.json")) if (folder / "results").is_dir() else []
    if not results:
        raise ValueError(f"{folder}: no results/ to sign; run `implsupport course grade` first")
    key = records.load_private_key(key_path)
    (folder / "records").mkdir(exist_ok=True)
    written, skipped = [], []
    for path in results:
        target = folder / "records" / path.name
        if target.exists():
            skipped.append(f"{path.name}: already signed")
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a grading result ({exc})") from exc
        if not isinstance(record, dict) or record.get("format") != records.RECORD_FORMAT:
            raise ValueError(f"{path}: not a grading result")
        if record.get("flags") and not include_flagged:
            skipped.append(f"{path.name}: flagged ({'; '.join(record['flags'])})")
            continue
        written.append(records.write_record(records.sign_record(record, key), target))
    return written, skipped
