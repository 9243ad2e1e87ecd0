"""Answer keys: the right answer to every exercise of a chapter, held only in the trainer's copy.

One TOML file per chapter, ``answer_keys/<chapter>.toml`` in the book's folder, written by the
chapter's author from the exercise and its solution. Neither ``assign`` nor the learner site
ships the folder. Each ``[[exercise]]`` table holds

- ``label``: the exercise's label (``ex-gap-count``);
- ``kind``: ``number`` (with ``tolerance``, absolute, inclusive), ``integer`` (an ``int``),
  ``choice`` (one option's text) or ``set`` (a list of names, in any order);
- ``value``: the answer, and ``accept``: other answers also right (optional);
- ``variables``: the learner's variables the grader reads (default ``["answer"]``);
- ``by`` / ``values``: for an answer that depends on another of the learner's answers (their
  own career, say), the variable holding that answer and the right value for each option;
- ``why``: how the answer is found, for the trainer;
- ``expressions``: code that computes the answer, which must never appear in a handout (the
  book's tests search every handout and the learner site for them);
- ``stated_in_prompt``: numbers the exercise itself states that happen to equal an answer
  (a group's size, say), which the tests then do not count as a leak.

:func:`judge` compares one answer, received as plain JSON, with its key, in the grader's own
process; self-checks in handouts carry only :func:`seal`-ed forms (see
:mod:`implsupport.exercises`).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import exercises

__all__ = [
    "ANSWER_KEYS_DIR",
    "AnswerKey",
    "ExerciseKey",
    "judge",
    "load_answer_key",
    "seal_chapter",
    "sealed_self_checks",
]

ANSWER_KEYS_DIR = "answer_keys"


@dataclass(frozen=True)
class ExerciseKey:
    """The key to one exercise."""

    label: str
    kind: str
    value: Any = None
    tolerance: float = 0.0
    accept: tuple[Any, ...] = ()
    variables: tuple[str, ...] = ("answer",)
    by: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    why: str = ""
    expressions: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"ExerciseKey({self.label!r}, {self.kind})"  # never the answer

    def seal_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": self.kind, "tolerance": self.tolerance}
        spec["accept"] = list(self.accept)
        if self.by:
            spec["by"], spec["values"] = self.by, dict(self.values)
        else:
            spec["value"] = self.value
        return spec


@dataclass(frozen=True)
class AnswerKey:
    """A chapter's answer key: its exercises' keys in the chapter's order."""

    chapter: str
    path: Path
    exercises: tuple[ExerciseKey, ...]

    def __repr__(self) -> str:
        return f"AnswerKey({self.chapter!r}, {len(self.exercises)} exercises)"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.exercises)

    def __getitem__(self, label: str) -> ExerciseKey:
        for exercise in self.exercises:
            if exercise.label == label:
                return exercise
        raise KeyError(label)


def _check_value(where: str, kind: str, value: Any) -> None:
    ok = {
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "choice": isinstance(value, str),
        "set": isinstance(value, list) and all(isinstance(v, str) for v in value),
    }[kind]
    if not ok:
        raise ValueError(f"{where}: a {kind} answer cannot be {value!r}")


def _exercise(where: str, table: Mapping[str, Any]) -> ExerciseKey:
    label, kind = table.get("label"), table.get("kind")
    if not isinstance(label, str) or not label:
        raise ValueError(f"{where}: every [[exercise]] needs a label")
    where = f"{where}: {label}"
    if kind not in exercises.KINDS:
        raise ValueError(f"{where}: kind: expected one of {', '.join(exercises.KINDS)}")
    tolerance = table.get("tolerance", 0)
    if kind == "number" and not (
        isinstance(tolerance, int | float) and math.isfinite(tolerance) and tolerance >= 0
    ):
        raise ValueError(f"{where}: tolerance: expected a number >= 0, found {tolerance!r}")
    by, values = table.get("by"), table.get("values") or {}
    if by:
        if not values:
            raise ValueError(f"{where}: 'by' needs a [values] table")
        for option, value in values.items():
            _check_value(f"{where}: values.{option}", kind, value)
    else:
        if "value" not in table:
            raise ValueError(f"{where}: no value")
        _check_value(where, kind, table["value"])
    accept = tuple(table.get("accept", ()))
    for value in accept:
        _check_value(f"{where}: accept", kind, value)
    variables = tuple(table.get("variables", ["answer"]))
    if by and by not in variables:
        variables += (by,)
    return ExerciseKey(
        label,
        kind,
        table.get("value"),
        float(tolerance),
        accept,
        variables,
        by,
        dict(values),
        str(table.get("why", "")),
        tuple(table.get("expressions", ())),
    )


def load_answer_key(chapter: str, root: str | os.PathLike[str]) -> AnswerKey | None:
    """The answer key of ``chapter`` in the book at ``root``, or None if it has none."""
    path = Path(root) / ANSWER_KEYS_DIR / f"{chapter}.toml"
    if not path.is_file():
        return None
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable answer key ({exc})") from exc
    if table.get("chapter") != chapter:
        raise ValueError(f"{path}: says chapter {table.get('chapter')!r}, expected {chapter!r}")
    found = tuple(_exercise(str(path.name), t) for t in table.get("exercise", []))
    labels = [e.label for e in found]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{path.name}: an exercise label appears twice")
    return AnswerKey(chapter, path, found)


def sealed_self_checks(key: AnswerKey, *, salt: bytes | None = None) -> str:
    """The sealed string a chapter's handout carries for its self-checks."""
    return exercises.seal({e.label: e.seal_spec() for e in key.exercises}, salt=salt)


def _plain_number(value: Any) -> float | None:
    if isinstance(value, bool) or type(value) not in (int, float):
        return None
    return float(value) if math.isfinite(value) else None


def judge(key: ExerciseKey, answers: Mapping[str, Any]) -> tuple[bool, str]:
    """Compare a learner's answers (plain JSON values, by variable) with one exercise's key.

    Returns (passed, message). Only exact JSON types count: a number is an ``int`` or a
    ``float`` (not a bool), a whole number an ``int``, a choice a ``str``, a set a list of
    ``str``.
    """
    value = answers.get("answer")
    if value is None:
        return False, "no answer"
    expected, accept = key.value, list(key.accept)
    if key.by:
        given = answers.get(key.by)
        if isinstance(given, list) and given:
            given = given[-1]  # the learner's own list: its last entry is the option
        if not isinstance(given, str):
            return False, f"{key.by} was not given as text"
        options = {exercises.normalise_choice(k): v for k, v in key.values.items()}
        chosen = exercises.normalise_choice(given)
        if chosen not in options:
            return False, f"{key.by} is not one of the options"
        expected = options[chosen]
    wanted = [expected, *accept]
    if key.kind == "number":
        number = _plain_number(value)
        if number is None:
            return False, f"expected a number, found {type(value).__name__}"
        ok = any(exercises.within_tolerance(number, float(w), key.tolerance) for w in wanted)
        return ok, "" if ok else "outside the tolerance"
    if key.kind == "integer":
        if isinstance(value, bool) or type(value) is not int:
            return False, f"expected a whole number (int), found {type(value).__name__}"
        return (value in wanted), "" if value in wanted else "not the expected number"
    if key.kind == "choice":
        if type(value) is not str:
            return False, f"expected text, found {type(value).__name__}"
        ok = exercises.normalise_choice(value) in {exercises.normalise_choice(w) for w in wanted}
        return ok, "" if ok else "not the expected option"
    items = [value] if type(value) is str else value
    if type(items) is not list or not all(type(i) is str for i in items):
        return False, "expected a list of names"
    given_set = exercises.normalise_items(items)
    ok = any(given_set == exercises.normalise_items(w) for w in wanted)
    return ok, "" if ok else "not the expected set"


def seal_chapter(chapter: str, root: str | os.PathLike[str] | None = None) -> str:
    """Rewrite the sealed self-checks in a chapter notebook from its answer key.

    The notebook's code cell tagged ``self-checks`` is replaced; re-execute the chapter after.
    Returns the sealed string.
    """
    import nbformat

    from .book import book_root, resolve_chapter

    path = resolve_chapter(chapter, root)
    key = load_answer_key(path.stem, book_root(root) if root else path.parent.parent)
    if key is None:
        raise ValueError(f"chapter {path.stem}: no answer key in {ANSWER_KEYS_DIR}/")
    sealed = sealed_self_checks(key)
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "self-checks" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path.name}: expected one code cell tagged self-checks")
    cells[0].source = SELF_CHECK_CELL.format(sealed=sealed)
    nbformat.write(nb, path)
    return sealed


SELF_CHECK_CELL = """# Self-checks: they say whether an answer is right, without containing it.
from implsupport.exercises import SelfChecks

self_check = SelfChecks(
    "{sealed}"
)"""
