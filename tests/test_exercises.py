from __future__ import annotations

import pytest

from implsupport.exercises import Feedback, check_choice, check_number, check_set


def test_check_number() -> None:
    assert check_number(0.501, 0.5, tolerance=0.005)
    assert not check_number(0.51, 0.5, tolerance=0.005)
    assert not check_number(float("nan"), 0.5)
    assert "Replace `None`" in str(check_number(None, 1.0))
    assert "Expected a number" in str(check_number("1", 1.0))  # type: ignore[arg-type]
    assert "Expected a number" in str(check_number(True, 1.0))


def test_check_choice_ignores_case_and_spaces() -> None:
    assert check_choice("  penetration ", "Penetration")
    wrong = check_choice("Adoption", "Penetration", hint="Think about spread.")
    assert not wrong and "Think about spread." in str(wrong)


def test_check_set() -> None:
    assert check_set(["b", "A"], ["a", "b"])
    verdict = check_set(["a", "c"], ["a", "b"])
    assert not verdict and "1 missing, 1 not expected." in str(verdict)
    assert check_set("a", ["a"])


@pytest.mark.parametrize("correct", [True, False])
def test_feedback_renders(correct: bool) -> None:
    feedback = Feedback(correct, "msg")
    assert bool(feedback) is correct
    assert ("✔" in feedback._repr_markdown_()) is correct
    assert repr(feedback) == str(feedback)
