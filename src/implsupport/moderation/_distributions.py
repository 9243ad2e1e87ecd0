"""The t, normal and F distributions that probing and the model tests need.

They are computed with the special functions that ``scipy.stats`` itself calls (``stdtr``,
``stdtrit``, ``ndtr``, ``ndtri``, ``fdtrc``), so the numbers are the same; importing
``scipy.special`` alone takes a small part of the time that ``scipy.stats`` takes, which a
command that fits one model notices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special


@dataclass(frozen=True)
class StudentT:
    """Student's t with ``df`` degrees of freedom: ``sf`` and ``ppf`` as in scipy.stats.t."""

    df: float

    def sf(self, x: np.ndarray | float) -> np.ndarray:
        return special.stdtr(self.df, -np.asarray(x, dtype=float))

    def ppf(self, q: np.ndarray | float) -> np.ndarray:
        return special.stdtrit(self.df, np.asarray(q, dtype=float))


@dataclass(frozen=True)
class Normal:
    """The standard normal: ``sf`` and ``ppf`` as in scipy.stats.norm."""

    def sf(self, x: np.ndarray | float) -> np.ndarray:
        return special.ndtr(-np.asarray(x, dtype=float))

    def ppf(self, q: np.ndarray | float) -> np.ndarray:
        return special.ndtri(np.asarray(q, dtype=float))


def reference(df: float | None) -> StudentT | Normal:
    """t on ``df`` degrees of freedom, or the normal (z tests) when ``df`` is None."""
    return StudentT(df) if df is not None else Normal()


def f_sf(x: float, dfn: float, dfd: float) -> float:
    """Upper tail of the F distribution (1 at and below 0, where scipy.stats.f.sf gives 1)."""
    if x <= 0:
        return 1.0
    return float(special.fdtrc(dfn, dfd, x))
