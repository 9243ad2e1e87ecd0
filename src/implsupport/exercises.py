"""Self-checks that give a learner immediate feedback without holding the answer.

A chapter's exercises are checked against **sealed** answers: a short opaque string made from
the trainer's answer key (:func:`seal`, run by ``implsupport course seal``). The handout holds
the sealed string, never the answer or the expression that computes it:

- a choice or a set of items is sealed as keyed hashes (PBKDF2-HMAC-SHA256 with a random salt)
  of its normalised text, so the self-check can say "right" or "not yet" but cannot be read
  back;
- a number with a tolerance ``t`` is sealed per bucket ``floor(x / t)`` of the number line:
  for each bucket within two tolerances of the answer, the answer itself is stored encrypted
  under a key derived from the bucket. An answer in one of those buckets unlocks the exact
  value, and the verdict is then ``abs(answer - expected) <= t``, exactly the comparison the
  grader makes with the answer key. A learner learns the exact value only from an answer
  already within two tolerances of it.

What a self-check cannot hide: a learner can try answers one after another (as one can guess a
multiple-choice question); each try costs a deliberately slow key derivation. Grading never
relies on self-checks (see :mod:`implsupport.course.grading`).

Normalisation, shared by self-checks and the grader (:func:`normalise_choice`,
:func:`normalise_items`): Unicode NFKC, case folded, spaces trimmed and runs of spaces made
one, dashes unified, spaces around ``*`` and ``+`` dropped. A set is its distinct normalised
items in any order. A whole number must be an ``int`` (``6``, not ``6.0``). Nothing here
needs more than the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
import struct
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KINDS",
    "Feedback",
    "SelfChecks",
    "check_choice",
    "check_number",
    "check_set",
    "normalise_choice",
    "normalise_items",
    "seal",
    "within_tolerance",
]

KINDS = ("number", "integer", "choice", "set")
SEAL_PREFIX = "isc1."
#: Key-derivation rounds: slow enough to make trying answers by the thousand tedious.
ROUNDS = 60_000
#: Entries stored per exercise, whatever the kind, so their count tells nothing.
ENTRIES = 5
_TAG = 8


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer, or a prompt for one (``awaiting``: no answer was given yet).

    In a notebook it shows as one paragraph of class ``self-check`` (and ``self-check-awaiting``
    for a prompt): the printed book leaves prompts out (tools/make_pdf.py), since a reader of
    paper has no cell to run.
    """

    correct: bool
    message: str
    awaiting: bool = False

    def __bool__(self) -> bool:
        return self.correct

    @property
    def verdict(self) -> str:
        """The opening words: "Correct.", "Not yet." or, before any answer, "Your answer?"."""
        if self.awaiting:
            return "✎ Your answer?"
        return "✔ Correct." if self.correct else "✘ Not yet."

    def __str__(self) -> str:
        return f"{self.verdict} {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        kind = "self-check self-check-awaiting" if self.awaiting else "self-check"
        # `code` in a message is shown as code, as Markdown would.
        message = _CODE_SPAN.sub(r"<code>\1</code>", html.escape(self.message, quote=False))
        return f'<p class="{kind}"><strong>{self.verdict}</strong> {message}</p>'


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _awaiting_answer() -> Feedback:
    """The prompt shown while an exercise's answer is still ``None``."""
    return Feedback(
        False, "Replace `None` with your answer and run the cell to check it.", awaiting=True
    )


# ---- normalisation (shared with the grader) ----------------------------------------------

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def normalise_choice(text: str) -> str:
    """The comparable form of an option's text (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"expected text, found {type(text).__name__}")
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s*([*+])\s*", r"\1", text)


def normalise_items(items: Iterable[str]) -> list[str]:
    """The comparable form of a set of options: distinct normalised items, sorted."""
    return sorted({normalise_choice(item) for item in items})


def _real(value: Any) -> float | None:
    """``value`` as a finite float if it is a plain real number (not bool), else None."""
    if isinstance(value, bool):
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if type(value) not in (int, float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def within_tolerance(answer: float, expected: float, tolerance: float) -> bool:
    """``abs(answer - expected) <= tolerance``, the boundary included despite binary floats.

    ``4.001`` is within ``0.001`` of ``4.0`` although ``4.001 - 4.0`` is ``0.0010000000000003``
    in floating point: a few units in the last place are allowed for.
    """
    slack = 8 * math.ulp(max(abs(answer), abs(expected), tolerance))
    return abs(answer - expected) <= tolerance + slack


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    return int(value) if type(value) is int else None


# ---- sealing -----------------------------------------------------------------------------


def _derive(salt: bytes, label: str, context: str, what: str) -> bytes:
    message = "\x00".join((label, context, what)).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", message, salt, ROUNDS)


def _bucket(number: float, tolerance: float) -> int:
    return math.floor(number / tolerance)


def _entries_for(
    salt: bytes, label: str, context: str, kind: str, value: Any, tolerance: float, accept: list
) -> list[bytes]:
    if kind == "number" and tolerance > 0:
        low = _bucket(value - tolerance, tolerance) - 1
        high = _bucket(value + tolerance, tolerance) + 1
        out = []
        for bucket in range(low, high + 1):
            key = _derive(salt, label, context, f"n:{bucket}")
            plain = struct.pack(">d", float(value))
            out.append(key[:_TAG] + bytes(a ^ b for a, b in zip(plain, key[_TAG:16], strict=True)))
        return out
    if kind == "number":  # tolerance 0: the exact value
        texts = [repr(float(v)) for v in [value, *accept]]
    elif kind == "integer":
        texts = [str(int(v)) for v in [value, *accept]]
    elif kind == "choice":
        texts = [normalise_choice(v) for v in [value, *accept]]
    else:
        texts = ["\x1f".join(normalise_items(v)) for v in [value, *accept]]
    return [_derive(salt, label, context, f"v:{t}")[:_TAG] for t in texts]


def seal(exercises: Mapping[str, Mapping[str, Any]], *, salt: bytes | None = None) -> str:
    """The sealed self-checks of a chapter's exercises, as one opaque string.

    ``exercises`` maps each label to ``{"kind": "number" | "integer" | "choice" | "set",
    "value": ..., "tolerance": ...}`` (tolerance for numbers only; ``"accept"``: other right
    answers; ``"by"`` and ``"values"``: for an answer that depends on another of the learner's
    answers, the expected value for each normalised option of it).
    """
    salt = os.urandom(16) if salt is None else salt
    table: dict[str, Any] = {}
    for label, spec in exercises.items():
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"{label}: kind: expected one of {KINDS}, found {kind!r}")
        tolerance = float(spec.get("tolerance", 0) or 0)
        if kind == "number" and not (math.isfinite(tolerance) and tolerance >= 0):
            raise ValueError(f"{label}: tolerance: expected a number >= 0, found {tolerance}")
        accept = list(spec.get("accept", []))
        cases = (
            [(normalise_choice(k), v) for k, v in spec["values"].items()]
            if "values" in spec
            else [("", spec["value"])]
        )
        entries: list[bytes] = []
        for context, value in cases:
            entries += _entries_for(salt, label, context, kind, value, tolerance, accept)
        size = max(ENTRIES, len(entries))
        entries += [os.urandom(len(entries[0])) for _ in range(size - len(entries))]
        entry = {"k": kind, "e": base64.b64encode(b"".join(sorted(entries))).decode()}
        if kind == "number":
            entry["t"] = tolerance
        if "values" in spec:
            entry["by"] = str(spec.get("by", "given"))
        table[label] = entry
    payload = {"s": base64.b64encode(salt).decode(), "x": table}
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return SEAL_PREFIX + base64.urlsafe_b64encode(text).decode().rstrip("=")


class SelfChecks:
    """A chapter's sealed self-checks; call it with an exercise's label and the answer.

    ``self_check = SelfChecks("isc1....")`` then ``self_check("ex-label", answer)``, with
    ``given=`` the learner's own earlier answer when the exercise depends on it.
    """

    def __init__(self, sealed: str) -> None:
        if not isinstance(sealed, str) or not sealed.startswith(SEAL_PREFIX):
            raise ValueError("sealed: expected the string made by `implsupport course seal`")
        body = sealed[len(SEAL_PREFIX) :]
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            self._salt = base64.b64decode(payload["s"])
            self._table: dict[str, Any] = dict(payload["x"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("sealed: the string is damaged; copy it again") from exc

    def __repr__(self) -> str:
        return f"SelfChecks({len(self._table)} exercises: {', '.join(self._table)})"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._table)

    def __call__(self, label: str, answer: Any, *, hint: str = "", given: Any = None) -> Feedback:
        spec = self._table.get(label)
        if spec is None:
            return Feedback(False, f"No self-check for exercise {label!r} in this edition.")
        if answer is None:
            return _awaiting_answer()
        context = ""
        if "by" in spec:
            if isinstance(given, list | tuple) and given:
                given = given[-1]  # the learner's own list: its last entry is the option
            if not isinstance(given, str):
                return Feedback(False, f"First give {spec['by']} (as text), then run again.")
            context = normalise_choice(given)
        kind, blob = spec["k"], base64.b64decode(spec["e"])
        width = 16 if kind == "number" and spec.get("t", 0) > 0 else _TAG
        entries = [blob[i : i + width] for i in range(0, len(blob), width)]
        again = hint or "Check your working and try again."
        if kind == "number":
            number = _real(answer)
            if number is None:
                return Feedback(False, f"Expected a number, got {type(answer).__name__}.")
            tolerance = float(spec.get("t", 0))
            if tolerance == 0:
                tag = _derive(self._salt, label, context, f"v:{number!r}")[:_TAG]
                return Feedback(True, "") if tag in entries else Feedback(False, again)
            key = _derive(self._salt, label, context, f"n:{_bucket(number, tolerance)}")
            for entry in entries:
                if entry[:_TAG] == key[:_TAG]:
                    plain = bytes(a ^ b for a, b in zip(entry[_TAG:], key[_TAG:16], strict=True))
                    (expected,) = struct.unpack(">d", plain)
                    if within_tolerance(number, expected, tolerance):
                        return Feedback(True, "")
            return Feedback(False, again)
        if kind == "integer":
            whole = _integer(answer)
            if whole is None:
                name = type(answer).__name__
                return Feedback(False, f"Expected a whole number (an int), got {name} {answer!r}.")
            text = str(whole)
        elif kind == "choice":
            if not isinstance(answer, str):
                return Feedback(False, f"Expected text, got {type(answer).__name__}.")
            text = normalise_choice(str(answer))
        else:
            items = [answer] if isinstance(answer, str) else answer
            try:
                text = "\x1f".join(normalise_items(str(item) for item in items))
            except TypeError:
                return Feedback(False, f"Expected a list of names, got {type(answer).__name__}.")
        tag = _derive(self._salt, label, context, f"v:{text}")[:_TAG]
        return Feedback(True, "") if tag in entries else Feedback(False, again)


# ---- open checks (the expected value is visible: for worked examples, not for exercises) ----


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
        return _awaiting_answer()
    number = _real(answer)
    if number is None:
        return Feedback(False, f"Expected a number, got {type(answer).__name__}.")
    if within_tolerance(number, expected, tolerance):
        return Feedback(True, explanation)
    return Feedback(False, hint or "Check your working and try again.")


def check_choice(
    answer: str | None, expected: str, *, hint: str = "", explanation: str = ""
) -> Feedback:
    """Is ``answer`` the expected option (normalised as in :func:`normalise_choice`)?"""
    if answer is None:
        return _awaiting_answer()
    if isinstance(answer, str) and normalise_choice(str(answer)) == normalise_choice(expected):
        return Feedback(True, explanation)
    return Feedback(False, hint or "That is not the option we were looking for.")


def check_set(
    answer: Iterable[str] | None, expected: Iterable[str], *, hint: str = "", explanation: str = ""
) -> Feedback:
    """Does ``answer`` hold exactly the expected items, in any order (normalised)?"""
    if answer is None:
        return _awaiting_answer()
    if isinstance(answer, str):
        answer = [answer]
    given = set(normalise_items(str(a) for a in answer))
    wanted = set(normalise_items(expected))
    if given == wanted:
        return Feedback(True, explanation)
    missing, extra = len(wanted - given), len(given - wanted)
    detail = f"{missing} missing, {extra} not expected."
    return Feedback(False, f"{detail} {hint}".strip())
