"""Johnson–Neyman bounds: where along the moderator the conditional effect is significant."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._common import _check_alpha, _clean
from ._distributions import reference


@dataclass(frozen=True, eq=False)
class JohnsonNeyman:
    """Johnson–Neyman bounds: the moderator values where the conditional effect's p = alpha.

    ``bounds`` is ``(lower, upper)`` on the original moderator scale, or None when the
    quadratic has no real roots (then ``significant_region`` is ``"everywhere"`` or
    ``"nowhere"``), or when the standard errors do not exist (``"unavailable"``, with the
    reason in ``note``). ``significant_region`` is ``"outside"`` when the effect is significant
    below the lower and above the upper bound (this happens exactly when the interaction
    itself is significant at the same critical value) and ``"between"`` when it is
    significant between them. ``bounds_outside_range`` flags each bound that lies outside the
    observed moderator range; ``significant_intervals`` lists the parts of the observed range
    where the effect is significant.
    """

    predictor: str
    moderator: str
    bounds: tuple[float, float] | None
    significant_region: str
    bounds_outside_range: tuple[bool, bool] | None
    observed_range: tuple[float, float]
    significant_intervals: tuple[tuple[float, float], ...]
    critical_value: float
    statistic: str
    alpha: float
    fdr: bool
    quadratic: tuple[float, float, float] = field(repr=False)
    note: str | None = None  # why nothing could be computed (region "unavailable")
    #: Share of the observed cases whose moderator value lies where the effect is significant.
    share_significant: float | None = None

    def describe(self) -> str:
        """One sentence in words."""
        p = f"p < {self.alpha:g}"
        lo_r, hi_r = self.observed_range
        crit = f"critical {self.statistic} = {self.critical_value:.4f}"
        crit += " (false-discovery-rate adjusted)" if self.fdr else ""
        rng = f"The observed range of {self.moderator} is [{lo_r:g}, {hi_r:g}]; {crit}."
        if self.significant_region == "unavailable":
            reason = f" {self.note}" if self.note else ""
            return (
                "Johnson–Neyman bounds cannot be computed: the standard errors of the "
                f"conditional effect of {self.predictor} do not exist, so its significance is "
                f"unknown at every value of {self.moderator}.{reason} {rng}"
            )
        if self.bounds is None:
            where = "every" if self.significant_region == "everywhere" else "no"
            return (
                f"No Johnson–Neyman bounds exist: the conditional effect of {self.predictor} "
                f"is {'' if where == 'every' else 'not '}significant ({p}) at "
                f"{'every' if where == 'every' else 'any'} value of {self.moderator}. {rng}"
            )
        lo, hi = self.bounds
        if self.significant_region == "outside":
            text = (
                f"The conditional effect of {self.predictor} is significant ({p}) when "
                f"{self.moderator} is below {lo:.4f} or above {hi:.4f} (outside the interval "
                f"[{lo:.4f}, {hi:.4f}])."
            )
        else:
            text = (
                f"The conditional effect of {self.predictor} is significant ({p}) when "
                f"{self.moderator} is between {lo:.4f} and {hi:.4f}."
            )
        outside = [
            name
            for name, flag in zip(("lower", "upper"), self.bounds_outside_range or (), strict=True)
            if flag
        ]
        if outside:
            text += f" The {' and '.join(outside)} bound{'s lie' if len(outside) == 2 else ' lies'}"
            text += " outside the observed range."
        if self.significant_intervals:
            parts = ", ".join(f"[{a:.4f}, {b:.4f}]" for a, b in self.significant_intervals)
            text += f" Within the observed range it is significant on {parts}."
        else:
            text += " Within the observed range it is significant nowhere."
        if self.share_significant is not None:
            text += (
                f" {100 * self.share_significant:.1f}% of the cases lie where it is significant."
            )
        return f"{text} {rng}"

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "bounds": list(self.bounds) if self.bounds is not None else None,
                "significant_region": self.significant_region,
                "bounds_outside_range": (
                    list(self.bounds_outside_range) if self.bounds_outside_range else None
                ),
                "observed_range": list(self.observed_range),
                "significant_intervals": (
                    None
                    if self.significant_region == "unavailable"
                    else [list(i) for i in self.significant_intervals]
                ),
                "critical_t" if self.statistic == "t" else "critical_z": self.critical_value,
                "fdr": self.fdr,
                "alpha": self.alpha,
                "description": self.describe(),
                "note": self.note,
                "share_of_cases_significant": self.share_significant,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        lo, hi = self.bounds if self.bounds is not None else (np.nan, np.nan)
        flags = self.bounds_outside_range or (None, None)
        return pd.DataFrame(
            {
                "bound": ["lower", "upper"],
                "moderator_value": [lo, hi],
                "outside_observed_range": list(flags),
            }
        )

    def __repr__(self) -> str:
        return "Johnson–Neyman: " + self.describe()


def fdr_critical_value(
    effects: np.ndarray, ses: np.ndarray, alpha: float = 0.05, df: float | None = None
) -> float:
    """False-discovery-rate adjusted critical value for a Johnson–Neyman analysis.

    Esarey & Sumner (2018) treat the conditional effects across the moderator's range as a
    family of tests and control the false discovery rate with the Benjamini–Hochberg rule.
    What is implemented (as in R ``interactions::johnson_neyman(control.fdr = TRUE)``,
    adapted from ``interactionTest::fdrInteraction``): given the conditional effects and
    their standard errors on a grid of m moderator values, compute two-sided p-values
    (t with ``df`` degrees of freedom, or normal if ``df`` is None), sort them, find the
    largest k with ``p_(k) <= k * alpha / m`` (k = 1 if there is none), and return the
    critical value ``t_{1 - k*alpha/(2m), df}``. With k = m this is the unadjusted value.
    """
    alpha = _check_alpha(alpha)
    effects, ses = np.asarray(effects, float), np.asarray(ses, float)
    dist = reference(df)
    p = np.sort(2 * dist.sf(np.abs(effects / ses)))
    m = p.size
    passing = np.flatnonzero(p <= np.arange(1, m + 1) * alpha / m)
    k = int(passing[-1]) + 1 if passing.size else 1
    return float(dist.ppf(1 - k * alpha / (2 * m)))


def _significant_intervals(
    bounds: tuple[float, float] | None, region: str, observed: tuple[float, float]
) -> tuple[tuple[float, float], ...]:
    lo_r, hi_r = observed
    if bounds is None:
        return ((lo_r, hi_r),) if region == "everywhere" else ()
    lo, hi = bounds
    pieces = (
        [(max(lo, lo_r), min(hi, hi_r))]
        if region == "between"
        else [
            (lo_r, min(lo, hi_r)),
            (max(hi, lo_r), hi_r),
        ]
    )
    return tuple((float(a), float(b)) for a, b in pieces if a < b)
