"""Self-checks that give a learner immediate feedback in a chapter's exercises.

Each check returns a :class:`Feedback`, shown in a notebook as a one-line verdict with a
hint when the answer is not right yet. Nothing here needs more than the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Feedback", "check_choice", "check_number", "check_set"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return ("✔ Correct. " if self.correct else "✘ Not yet. ") + self.message

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return ("**✔ Correct.** " if self.correct else "**✘ Not yet.** ") + self.message


def check_number(
    answer: float | None,
    expected: float,
    *,
    tolerance: float = 0.005,
    hint: str = "",
    explanation: str = "",
) -> Feedback:
    """Is ``answer`` within ``tolerance`` (absolute) of ``expected``?"""
    if answer is None:
        return Feedback(False, "Replace `None` with your answer, then run the cell again.")
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return Feedback(False, f"Expected a number, got {type(answer).__name__}.")
    if math.isfinite(answer) and abs(answer - expected) <= tolerance:
        return Feedback(True, explanation)
    return Feedback(False, hint or "Check your working and try again.")


def check_choice(
    answer: str | None, expected: str, *, hint: str = "", explanation: str = ""
) -> Feedback:
    """Is ``answer`` the expected option (case and surrounding spaces ignored)?"""
    if answer is None:
        return Feedback(False, "Replace `None` with your answer, then run the cell again.")
    if str(answer).strip().casefold() == expected.strip().casefold():
        return Feedback(True, explanation)
    return Feedback(False, hint or "That is not the option we were looking for.")


def check_set(
    answer: Iterable[str] | None, expected: Iterable[str], *, hint: str = "", explanation: str = ""
) -> Feedback:
    """Does ``answer`` hold exactly the expected items, in any order (case ignored)?"""
    if answer is None:
        return Feedback(False, "Replace `None` with your answer, then run the cell again.")
    if isinstance(answer, str):
        answer = [answer]
    given = {str(a).strip().casefold() for a in answer}
    wanted = {str(e).strip().casefold() for e in expected}
    if given == wanted:
        return Feedback(True, explanation)
    missing, extra = len(wanted - given), len(given - wanted)
    detail = f"{missing} missing, {extra} not expected."
    return Feedback(False, f"{detail} {hint}".strip())
