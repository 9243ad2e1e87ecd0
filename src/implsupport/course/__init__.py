"""Chapters as course units: competency map, handouts, grading, answer keys, records.

Trainers assign chapters of the book toward competency certificates. This subpackage

- reads what each chapter declares in its notebook metadata (``implsupport.competencies`` and
  ``implsupport.objectives``) and maps chapters onto the 15 competencies of the implementation
  support practitioner profile (:mod:`.book`, :mod:`.competencies`);
- writes the **learner edition** of a chapter and of the whole site (:mod:`.handouts`): no
  solutions, no answer keys, no trainer-only pages; self-checks only in sealed form;
- holds each chapter's **answer key**, in the trainer's copy only (:mod:`.answer_keys`);
- **grades** submitted notebooks in a sandbox, reading only plain JSON answers out of each
  kernel, and then, in a separate step that runs no learner code, **signs** completion
  records (:mod:`.grading`, :mod:`.sandbox`, :mod:`.records`);
- prints **certificates** from verified records (:mod:`.certificates`);
- turns a learner's self-ratings into a profile and suggested chapters (:mod:`.competencies`).

Conventions a chapter follows (chapter 01 is the model): each exercise is a ``{exercise}``
directive with a ``:label:``, followed by a code cell where the learner sets ``answer`` and
calls the chapter's sealed ``self_check``; its solution is gated between ``{solution-start}``
and ``{solution-end}``; its answer is in ``answer_keys/<chapter>.toml``.
"""

from __future__ import annotations

from .answer_keys import (
    ANSWER_KEYS_DIR,
    AnswerKey,
    ExerciseKey,
    judge,
    load_answer_key,
    seal_chapter,
    sealed_self_checks,
)
from .book import Chapter, book_root, list_chapters, read_chapter, resolve_chapter
from .competencies import (
    RATING_SCALE,
    CompetencyMap,
    SelfAssessment,
    competency_map,
    self_assessment,
)
from .grading import (
    ANSWER_MIME,
    DEFAULT_PASS_THRESHOLD,
    DEFAULT_TIMEOUT,
    CheckResult,
    GradeReport,
    GradeResult,
    grade,
    read_roster,
    safe_stem,
    sign,
)
from .handouts import (
    EDITION_KEY,
    TRAINER_CHECK_TAG,
    assign,
    build_learner_site,
    exercises_as_markdown,
    is_trainer_page,
    learner_edition,
    strip_solutions,
)
from .sandbox import MAX_FILE_BYTES, bubblewrap

__all__ = [
    "ANSWER_KEYS_DIR",
    "ANSWER_MIME",
    "DEFAULT_PASS_THRESHOLD",
    "DEFAULT_TIMEOUT",
    "EDITION_KEY",
    "MAX_FILE_BYTES",
    "RATING_SCALE",
    "TRAINER_CHECK_TAG",
    "AnswerKey",
    "Chapter",
    "CheckResult",
    "CompetencyMap",
    "ExerciseKey",
    "GradeReport",
    "GradeResult",
    "SelfAssessment",
    "assign",
    "book_root",
    "bubblewrap",
    "build_learner_site",
    "competency_map",
    "exercises_as_markdown",
    "grade",
    "is_trainer_page",
    "judge",
    "learner_edition",
    "list_chapters",
    "load_answer_key",
    "read_chapter",
    "read_roster",
    "resolve_chapter",
    "safe_stem",
    "seal_chapter",
    "sealed_self_checks",
    "self_assessment",
    "sign",
    "strip_solutions",
]
