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

from .book import Chapter, book_root, list_chapters, read_chapter, resolve_chapter
from .competencies import (
    RATING_SCALE,
    CompetencyMap,
    SelfAssessment,
    competency_map,
    self_assessment,
)
from .grading import (
    CHECK_MIME,
    DEFAULT_PASS_THRESHOLD,
    DEFAULT_TIMEOUT,
    MAX_FILE_BYTES,
    CheckResult,
    GradeReport,
    GradeResult,
    TrainerCheck,
    grade,
    trainer_check,
    trainer_checks,
)
from .handouts import (
    EDITION_KEY,
    TRAINER_CHECK_TAG,
    assign,
    build_learner_site,
    learner_edition,
    strip_solutions,
)

__all__ = [
    "CHECK_MIME",
    "DEFAULT_PASS_THRESHOLD",
    "DEFAULT_TIMEOUT",
    "EDITION_KEY",
    "MAX_FILE_BYTES",
    "RATING_SCALE",
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
