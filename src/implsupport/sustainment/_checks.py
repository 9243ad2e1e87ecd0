"""Argument checks shared by the sustainment modules."""

from __future__ import annotations

import math


def _check_positive(name: str, value: float, *, integer: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite number; got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be positive; got {value}")
    if integer and int(value) != value:
        raise ValueError(f"{name} must be a whole number; got {value}")
