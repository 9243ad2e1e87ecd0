"""Self-checks: sealed answers give the same verdict as the grader, and do not spell them."""

from __future__ import annotations

import base64
import json
import math

import pytest

from implsupport.course.answer_keys import ExerciseKey, judge
from implsupport.exercises import (
    Feedback,
    SelfChecks,
    check_choice,
    check_number,
    check_set,
    normalise_choice,
    normalise_items,
    seal,
    within_tolerance,
)

SPECS = {
    "ex-f8": {"kind": "number", "value": 0.65173758595855, "tolerance": 0.0005},
    "ex-rmst": {"kind": "number", "value": 4.0, "tolerance": 0.001},
    "ex-cap": {"kind": "number", "value": 36, "tolerance": 0.01},
    "ex-exact": {"kind": "number", "value": 4, "tolerance": 0},
    "ex-count": {"kind": "integer", "value": 6},
    "ex-domain": {"kind": "choice", "value": "Sustaining change"},
    "ex-mark": {"kind": "choice", "value": "*"},
    "ex-set": {"kind": "set", "value": ["STEER", "STRONGBID*FUNDED"]},
    "ex-mine": {"kind": "integer", "by": "your model", "values": {"push": 0, "co-creation": 17}},
}


@pytest.fixture(scope="module")
def checks() -> SelfChecks:
    return SelfChecks(seal(SPECS))


def key(label: str) -> ExerciseKey:
    spec = SPECS[label]
    return ExerciseKey(
        label,
        spec["kind"],
        spec.get("value"),
        float(spec.get("tolerance", 0)),
        by=spec.get("by"),
        values=spec.get("values", {}),
    )


CASES = [
    # (label, answer, right?) at and around each boundary
    ("ex-rmst", 4.0, True),
    ("ex-rmst", 4.001, True),  # on the boundary, although 4.001 - 4.0 > 0.001 in floats
    ("ex-rmst", 3.999, True),
    ("ex-rmst", 4.0011, False),
    ("ex-rmst", 3.9989, False),
    ("ex-rmst", 4, True),  # an int is a number too
    ("ex-rmst", True, False),  # a bool is not
    ("ex-rmst", "4.0", False),
    ("ex-rmst", float("nan"), False),
    ("ex-rmst", float("inf"), False),
    ("ex-f8", 0.652, True),
    ("ex-f8", 0.6517, True),
    ("ex-f8", 0.6512, False),
    ("ex-f8", 0.6523, False),
    ("ex-cap", 36.01, True),
    ("ex-cap", 35.99, True),
    ("ex-cap", 36.0101, False),
    ("ex-exact", 4, True),
    ("ex-exact", 4.0, True),
    ("ex-exact", 4.000001, False),
    ("ex-count", 6, True),
    ("ex-count", 6.0, False),  # a count is a whole number
    ("ex-count", 7, False),
    ("ex-domain", "Sustaining change", True),
    ("ex-domain", "  sustaining   CHANGE ", True),
    ("ex-domain", "Sustaining  change\n", True),
    ("ex-domain", "Ｓｕｓｔａｉｎｉｎｇ change", True),  # full-width letters (NFKC)
    ("ex-domain", "Sustaining", False),
    ("ex-domain", 6, False),
    ("ex-mark", "*", True),
    ("ex-mark", " * ", True),
    ("ex-mark", "**", False),
    ("ex-mark", "", False),
    ("ex-set", ["STEER", "STRONGBID*FUNDED"], True),
    ("ex-set", ["strongbid * funded", "steer"], True),
    ("ex-set", ["STEER", "STEER", "STRONGBID*FUNDED"], True),  # a set: repeats do not count
    ("ex-set", ["STEER"], False),
    ("ex-set", ["STEER", "STRONGBID*FUNDED", "FUNDED"], False),
    ("ex-set", "STEER", False),
]


@pytest.mark.parametrize(("label", "answer", "right"), CASES)
def test_self_check_and_grader_agree(checks, label, answer, right):
    assert bool(checks(label, answer)) is right
    # the grader sees the answer as JSON; the kernel hands NaN and infinity over as unsupported
    finite = not isinstance(answer, float) or math.isfinite(answer)
    plain = json.loads(json.dumps(answer)) if finite else {"unsupported": "not finite"}
    assert judge(key(label), {"answer": plain})[0] is right


def test_an_answer_that_depends_on_the_learners_own(checks):
    assert checks("ex-mine", 17, given=["push", "pull", "co-creation"])
    assert checks("ex-mine", 0, given="push")
    assert not checks("ex-mine", 17, given="push")
    assert "First give your model" in str(checks("ex-mine", 17))
    assert judge(key("ex-mine"), {"answer": 17, "your model": ["pull", "Co-Creation"]})[0]
    assert not judge(key("ex-mine"), {"answer": 17, "your model": "push"})[0]
    assert not judge(key("ex-mine"), {"answer": 17, "your model": "pull"})[0]  # not an option


def test_messages_for_blank_and_unknown(checks):
    assert "Replace `None`" in str(checks("ex-count", None))
    # before an answer the check asks for one (it is not a wrong answer), in every kind of check
    for blank in (checks("ex-count", None), check_number(None, 1.0), check_set(None, ["a"])):
        assert blank.awaiting and not blank and "Not yet" not in str(blank)
        assert 'class="self-check self-check-awaiting"' in blank._repr_html_()
        assert "<code>None</code>" in blank._repr_html_()
    verdict = checks("ex-count", 5)
    assert not verdict.awaiting and str(verdict).startswith("✘ Not yet.")
    assert verdict._repr_html_().startswith('<p class="self-check"><strong>✘ Not yet.</strong>')
    # a message is text on the page, never markup
    assert "&lt;b&gt;" in Feedback(False, "<b>")._repr_html_()
    assert "whole number" in str(checks("ex-count", 6.0))
    assert "No self-check" in str(checks("ex-nope", 1))
    wrong = checks("ex-domain", "Adoption", hint="Look it up.")
    assert not wrong and "Look it up." in str(wrong)


def test_the_sealed_string_does_not_spell_the_answers():
    sealed = seal(SPECS)
    body = sealed.removeprefix("isc1.")
    text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    table = json.loads(text)["x"]
    raw = b"".join(base64.b64decode(e["e"]) for e in table.values())
    for word in ("Sustaining", "sustaining change", "STEER", "FUNDED", "co-creation"):
        assert word.casefold() not in text.casefold() and word.encode() not in raw
    for number in (4.0, 36.0, 0.65173758595855):
        assert repr(number) not in text
    # every exercise stores the same number of entries, whatever its kind and answers
    sizes = {label: len(base64.b64decode(e["e"])) for label, e in table.items()}
    assert sizes["ex-count"] == sizes["ex-domain"] == sizes["ex-set"] == sizes["ex-exact"]
    assert seal(SPECS) != sealed  # a new salt each time: the same answer never looks the same


def test_seal_refuses_bad_specs():
    with pytest.raises(ValueError, match="kind"):
        seal({"x": {"kind": "guess", "value": 1}})
    with pytest.raises(ValueError, match="tolerance"):
        seal({"x": {"kind": "number", "value": 1, "tolerance": -1}})
    with pytest.raises(ValueError, match="damaged"):
        SelfChecks("isc1.not-base64-json")


def test_normalisation():
    assert normalise_choice("  Co–Creation ") == "co-creation"  # en dash
    assert normalise_choice("STRONGBID * FUNDED") == "strongbid*funded"
    assert normalise_items(["b", "A", "a"]) == ["a", "b"]
    assert within_tolerance(4.001, 4.0, 0.001) and not within_tolerance(4.0011, 4.0, 0.001)


def test_open_checks_for_worked_examples():
    assert check_number(0.501, 0.5, tolerance=0.005)
    assert not check_number(0.51, 0.5, tolerance=0.005)
    assert not check_number(float("nan"), 0.5)
    assert "Expected a number" in str(check_number("1", 1.0))  # type: ignore[arg-type]
    assert check_choice("  penetration ", "Penetration")
    assert not check_choice(6, "6")  # type: ignore[arg-type]
    verdict = check_set(["a", "c"], ["a", "b"])
    assert not verdict and "1 missing, 1 not expected." in str(verdict)


@pytest.mark.parametrize("correct", [True, False])
def test_feedback_renders(correct: bool) -> None:
    feedback = Feedback(correct, "msg")
    assert bool(feedback) is correct
    assert ("✔" in feedback._repr_html_()) is correct
    assert repr(feedback) == str(feedback)
