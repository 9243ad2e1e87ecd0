"""Moderation analysis: does the effect of a strategy depend on the relationship?

A moderation model asks whether the effect of a focal predictor ``x`` (for example hours of
coaching) on an outcome ``y`` (for example fidelity) changes with a moderator ``w`` (for
example the quality of the practitioner–site relationship)::

    y = b0 + b1*x + b2*w + b3*x*w (+ covariates) + e

The conditional effect ("simple slope") of x at a value of w is ``theta(w) = b1 + b3*w`` with
``Var(theta) = V11 + 2*w*V13 + w**2*V33`` (V is the coefficient covariance). This module fits
the model, probes it the way Hayes' PROCESS (model 1) and the R package ``interactions`` do,
and reports what each number means.

What is here
------------
- :func:`fit_moderation`: OLS with classical or heteroskedasticity-consistent (HC0–HC3)
  standard errors. Inference is **t on the residual degrees of freedom for every covariance
  type**, as PROCESS and R's ``lmtest::coeftest(vcovHC(...))`` do (statsmodels would switch
  robust covariances to z unless ``use_t=True``; it is passed here).
- Centering (``center="none" | "moderator" | "both"``) changes the lower-order coefficients
  (b0, b1, b2 become effects at the centring constants) but not the interaction b3, its test,
  R² or any conditional effect, which are always reported on the **original** moderator scale.
- :meth:`ModerationResult.conditional_effects`: simple slopes at mean ± 1 SD (SD with n − 1),
  at the 16th, 50th and 84th percentiles, or at given values; values outside the observed
  range of the moderator are flagged. Percentiles use the (n + 1)p definition, numpy
  ``method="weibull"``, which is what PROCESS uses; numpy's and R's defaults (type 7) give
  different values on the same data.
- :meth:`ModerationResult.johnson_neyman`: Johnson–Neyman bounds from the closed-form quadratic
  (both roots, whether significance lies between or outside them, bounds outside the observed
  range flagged, the no-solution case said plainly), optionally with the false-discovery-rate
  adjusted critical t of Esarey & Sumner (2018), see :func:`fdr_critical_value`.
- :func:`compare_models`: three nested models (strategy only; relationship as a direct effect;
  relationship as moderator) with R², ΔR², F tests, AIC and BIC.
- :func:`fit_multilevel_moderation`: the same model with random intercepts (and optionally a
  random slope of x) for a grouping column, by statsmodels MixedLM. Fixed effects are tested
  with **z** (normal) statistics, as MixedLM reports them; convergence and warnings are
  reported, not hidden.
- :func:`fit_logistic_moderation`: a binary outcome by logistic regression. Conditional
  effects are on the **log-odds** scale (z inference). On the probability scale the
  interaction is not b3: the effect of x on a probability depends on every predictor's value,
  so a significant b3 neither implies nor is implied by a significant interaction in
  probabilities.
- :func:`simulate_sites`: the book's SIMULATED multi-site dataset with known true parameters.

Results are frozen dataclasses with a readable ``repr``, ``to_frame()`` and ``plot()``.

JSON report (``implsupport moderation ... --json``)
---------------------------------------------------
:meth:`ModerationResult.to_dict` gives the keys the command line prints:

- ``outcome``, ``predictor``, ``moderator``, ``covariates``, ``se`` (covariance type),
  ``center``, ``centering`` (constants subtracted, by column), ``alpha``, ``n``,
  ``n_dropped`` (rows dropped for missing values), ``df_resid``, ``inference`` (``"t"``);
- ``coefficients``: by term (``constant``, the predictor, the moderator, ``"X:W"``, covariates),
  each with ``estimate``, ``se``, ``t``, ``p``, ``ci_low``, ``ci_high``;
- ``r2``, ``mse``, ``model_test`` (``F``, ``df1``, ``df2``, ``p``);
- ``r2_change``: the R² change due to the interaction (a number), and ``r2_change_test``: its
  F test, ``F``, ``df1``, ``df2``, ``p`` and ``robust`` (True when the F is the
  heteroskedasticity-consistent Wald test);
- ``conditional_effects``: a list of ``moderator_value``, ``label``, ``effect``, ``se``, ``t``,
  ``p``, ``ci_low``, ``ci_high``, ``outside_range``;
- ``johnson_neyman``: ``bounds`` (two numbers, or null when no bounds exist),
  ``significant_region`` (``"between"``, ``"outside"``, ``"everywhere"`` or ``"nowhere"``),
  ``bounds_outside_range`` (two booleans, or null), ``observed_range``, ``critical_t``,
  ``fdr``, ``alpha``, ``description`` (one sentence in words).

Numbers that do not exist (for example an HC3 standard error at a point of leverage 1) are
``null``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "SE_TYPES",
    "SITES_TRUE_PARAMETERS",
    "ConditionalEffects",
    "JohnsonNeyman",
    "LogisticModerationResult",
    "ModelComparison",
    "ModerationResult",
    "MultilevelModerationResult",
    "R2Change",
    "compare_models",
    "fdr_critical_value",
    "fit_logistic_moderation",
    "fit_moderation",
    "fit_multilevel_moderation",
    "probe_values",
    "simulate_sites",
]

#: Covariance types accepted by :func:`fit_moderation`.
SE_TYPES = ("classical", "hc0", "hc1", "hc2", "hc3")
CENTER_OPTIONS = ("none", "moderator", "both")
PROBE_OPTIONS = ("meansd", "percentiles")
INTERCEPT = "constant"


# ---- input checks and the design matrix --------------------------------------------------


def _check_alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.floating):
        raise TypeError(f"alpha must be a number between 0 and 1; got {alpha!r}")
    if not (0 < float(alpha) < 1):
        raise ValueError(f"alpha must be strictly between 0 and 1; got {alpha}")
    return float(alpha)


def _check_choice(name: str, value: str, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value.lower() not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return value.lower()


def _numeric_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as floats; a non-numeric value is an error naming the column and row."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"column {column!r} must be numeric but row {position + 1} (counting data rows "
            f"from 1) holds {series.iloc[position]!r}"
        )
    return converted.to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class _Design:
    y: np.ndarray
    X: pd.DataFrame  # constant, x, w, x:w, covariates (centred as asked)
    centering: dict[str, float]
    n_dropped: int
    moderator_observed: np.ndarray
    groups: np.ndarray | None


def _design(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str],
    center: str,
    missing: str,
    group: str | None = None,
) -> _Design:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    center = _check_choice("center", center, CENTER_OPTIONS)
    missing = _check_choice("missing", missing, ("drop", "raise"))
    roles = {"outcome": outcome, "predictor": predictor, "moderator": moderator}
    for role, name in roles.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"{role} must be a column name (a non-empty string); got {name!r}")
    used = [outcome, predictor, moderator, *covariates]
    if group is not None:
        used.append(group)
    available = [str(c) for c in frame.columns]
    for name in used:
        if name not in frame.columns:
            raise ValueError(f"column {name!r} not found; available columns: {available}")
    if len(set(used)) != len(used):
        duplicated = sorted({c for c in used if used.count(c) > 1})
        raise ValueError(f"a column can play only one role; used more than once: {duplicated}")
    interaction = f"{predictor}:{moderator}"
    for name in covariates:
        if name in (INTERCEPT, interaction):
            raise ValueError(f"covariate {name!r} clashes with a term name; rename the column")

    numeric = {c: _numeric_column(frame, c) for c in [outcome, predictor, moderator, *covariates]}
    values = np.column_stack(list(numeric.values()))
    if np.isinf(values).any():
        column = list(numeric)[int(np.flatnonzero(np.isinf(values).any(axis=0))[0])]
        raise ValueError(f"column {column!r} holds an infinite value")
    incomplete = np.isnan(values).any(axis=1)
    groups = None
    if group is not None:
        group_values = frame[group]
        incomplete |= group_values.isna().to_numpy()
    n_dropped = int(incomplete.sum())
    if n_dropped and missing == "raise":
        columns = [c for c in used if frame[c].isna().any()]
        raise ValueError(
            f"{n_dropped} of {len(frame)} rows have missing values (in columns {columns}); "
            'drop them first, or pass missing="drop" (on the command line: leave out --no-drop)'
        )
    keep = ~incomplete
    data = {c: v[keep] for c, v in numeric.items()}
    if group is not None:
        groups = frame[group].to_numpy()[keep]
    n = int(keep.sum())
    n_parameters = 4 + len(covariates)
    if n <= n_parameters:
        raise ValueError(
            f"too few rows: {n} complete rows for {n_parameters} parameters; "
            "a moderation model needs more rows than parameters"
        )
    for role in ("moderator", "predictor"):
        name = roles[role]
        if np.ptp(data[name]) == 0:
            raise ValueError(
                f"the {role} {name!r} is constant (every value is {data[name][0]:g}); "
                "its effect cannot be estimated"
            )
    centering = {predictor: 0.0, moderator: 0.0}
    if center in ("moderator", "both"):
        centering[moderator] = float(np.mean(data[moderator]))
    if center == "both":
        centering[predictor] = float(np.mean(data[predictor]))
    x = data[predictor] - centering[predictor]
    w = data[moderator] - centering[moderator]
    X = pd.DataFrame({INTERCEPT: np.ones(n), predictor: x, moderator: w, interaction: x * w})
    for name in covariates:
        X[name] = data[name]
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise ValueError(
            "the design matrix is rank deficient: some columns are exact linear combinations "
            f"of others among {list(X.columns)}"
        )
    return _Design(data[outcome], X, centering, n_dropped, data[moderator].copy(), groups)


def probe_values(moderator_values: np.ndarray, at: str | Sequence[float] = "meansd") -> pd.Series:
    """Moderator values at which to probe, labelled.

    ``"meansd"``: mean − 1 SD, mean, mean + 1 SD (SD with n − 1 in the denominator).
    ``"percentiles"``: the 16th, 50th and 84th percentiles by the (n + 1)p definition
    (numpy ``method="weibull"``, as PROCESS uses). A sequence: those values.
    """
    w = np.asarray(moderator_values, dtype=float)
    if isinstance(at, str):
        at = _check_choice("at", at, PROBE_OPTIONS)
        if at == "meansd":
            mean, sd = float(np.mean(w)), float(np.std(w, ddof=1))
            return pd.Series(
                [mean - sd, mean, mean + sd], index=["mean - 1 SD", "mean", "mean + 1 SD"]
            )
        pct = np.percentile(w, [16, 50, 84], method="weibull")
        return pd.Series(pct, index=["16th percentile", "50th percentile", "84th percentile"])
    try:
        values = np.asarray(list(at), dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"at must be 'meansd', 'percentiles' or a list of numbers; got {at!r}"
        ) from exc
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"at must hold at least one finite number; got {list(at)!r}")
    return pd.Series(values, index=[f"{v:g}" for v in values])


# ---- results shared by every kind of moderation model -----------------------------------


def _fmt(value: float, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "NA"
    return f"{value:.{digits}f}"


def _clean(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


@dataclass(frozen=True, eq=False)
class ConditionalEffects:
    """Conditional effects (simple slopes) of the predictor at chosen moderator values.

    ``table`` has one row per moderator value (on the original scale): ``label``,
    ``moderator_value``, ``effect``, ``se``, ``t`` (or ``z``), ``p``, ``ci_low``, ``ci_high``
    and ``outside_range`` (True when the value lies outside the observed moderator range).
    """

    predictor: str
    moderator: str
    table: pd.DataFrame
    statistic: str  # "t" or "z"
    df: float | None
    alpha: float
    observed_range: tuple[float, float]
    scale: str = "outcome units"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __repr__(self) -> str:
        inference = f"t({self.df:g})" if self.statistic == "t" else "z"
        level = f"{100 * (1 - self.alpha):g}%"
        lines = [
            f"Conditional effect of {self.predictor} at values of {self.moderator} "
            f"({self.scale}; {inference}; {level} CI)",
            self.table.round(4).to_string(index=False),
            f"Observed range of {self.moderator}: "
            f"[{self.observed_range[0]:g}, {self.observed_range[1]:g}]",
        ]
        if self.table["outside_range"].any():
            lines.append("Values marked outside_range are extrapolations beyond the data.")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class JohnsonNeyman:
    """Johnson–Neyman bounds: the moderator values where the conditional effect's p = alpha.

    ``bounds`` is ``(lower, upper)`` on the original moderator scale, or None when the
    quadratic has no real roots (then ``significant_region`` is ``"everywhere"`` or
    ``"nowhere"``). ``significant_region`` is ``"outside"`` when the effect is significant
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

    def describe(self) -> str:
        """One sentence in words."""
        p = f"p < {self.alpha:g}"
        lo_r, hi_r = self.observed_range
        crit = f"critical {self.statistic} = {self.critical_value:.4f}"
        crit += " (false-discovery-rate adjusted)" if self.fdr else ""
        rng = f"The observed range of {self.moderator} is [{lo_r:g}, {hi_r:g}]; {crit}."
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
                "significant_intervals": [list(i) for i in self.significant_intervals],
                "critical_t" if self.statistic == "t" else "critical_z": self.critical_value,
                "fdr": self.fdr,
                "alpha": self.alpha,
                "description": self.describe(),
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
    dist = stats.t(df) if df is not None else stats.norm()
    p = np.sort(2 * dist.sf(np.abs(effects / ses)))
    m = p.size
    passing = np.flatnonzero(p <= np.arange(1, m + 1) * alpha / m)
    k = int(passing[-1]) + 1 if passing.size else 1
    return float(dist.ppf(1 - k * alpha / (2 * m)))


@dataclass(frozen=True, eq=False)
class _Probing:
    """What every moderation result shares: the coefficients and how to probe them."""

    outcome: str
    predictor: str
    moderator: str
    covariates: tuple[str, ...]
    center: str
    centering: Mapping[str, float]
    alpha: float
    n: int
    n_dropped: int
    params: pd.Series
    cov: pd.DataFrame
    df_resid: float | None
    moderator_observed: np.ndarray = field(repr=False)

    # -- basics
    @property
    def interaction(self) -> str:
        """The name of the product term, ``"X:W"``."""
        return f"{self.predictor}:{self.moderator}"

    @property
    def statistic(self) -> str:
        return "t" if self.df_resid is not None else "z"

    @property
    def _dist(self) -> Any:
        return stats.t(self.df_resid) if self.df_resid is not None else stats.norm()

    def critical_value(self, alpha: float | None = None) -> float:
        alpha = self.alpha if alpha is None else _check_alpha(alpha)
        return float(self._dist.ppf(1 - alpha / 2))

    @property
    def moderator_range(self) -> tuple[float, float]:
        return (float(self.moderator_observed.min()), float(self.moderator_observed.max()))

    @property
    def coefficients(self) -> pd.DataFrame:
        """estimate, se, t (or z), p, ci_low, ci_high by term."""
        se = np.sqrt(np.diag(self.cov.to_numpy()))
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = self.params.to_numpy() / se
        crit = self.critical_value()
        table = pd.DataFrame(
            {
                "estimate": self.params.to_numpy(),
                "se": se,
                self.statistic: stat,
                "p": 2 * self._dist.sf(np.abs(stat)),
                "ci_low": self.params.to_numpy() - crit * se,
                "ci_high": self.params.to_numpy() + crit * se,
            },
            index=pd.Index(self.params.index, name="term"),
        )
        return table

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table."""
        return self.coefficients

    # -- conditional effects
    def effect_at(self, values: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Conditional effect of x and its standard error at moderator values (original scale)."""
        w = np.asarray(values, dtype=float) - self.centering[self.moderator]
        names = [self.predictor, self.interaction]
        b1, b3 = self.params[names].to_numpy()
        V = self.cov.loc[names, names].to_numpy()
        var = V[0, 0] + 2 * w * V[0, 1] + w**2 * V[1, 1]
        return b1 + b3 * w, np.sqrt(np.maximum(var, 0.0))

    def conditional_effects(
        self, at: str | Sequence[float] = "meansd", alpha: float | None = None
    ) -> ConditionalEffects:
        """Simple slopes of x at mean ± 1 SD (``"meansd"``), at the 16th/50th/84th percentiles
        by the (n + 1)p definition (``"percentiles"``, numpy ``method="weibull"``, as PROCESS),
        or at the given values; values outside the observed moderator range are flagged."""
        alpha = self.alpha if alpha is None else _check_alpha(alpha)
        probes = probe_values(self.moderator_observed, at)
        effect, se = self.effect_at(probes.to_numpy())
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = effect / se
        crit = self.critical_value(alpha)
        lo, hi = self.moderator_range
        table = pd.DataFrame(
            {
                "label": list(probes.index),
                "moderator_value": probes.to_numpy(),
                "effect": effect,
                "se": se,
                self.statistic: stat,
                "p": 2 * self._dist.sf(np.abs(stat)),
                "ci_low": effect - crit * se,
                "ci_high": effect + crit * se,
                "outside_range": (probes.to_numpy() < lo) | (probes.to_numpy() > hi),
            }
        )
        return ConditionalEffects(
            self.predictor,
            self.moderator,
            table,
            self.statistic,
            self.df_resid,
            alpha,
            self.moderator_range,
            scale=self._effect_scale,
        )

    _effect_scale = "outcome units"

    # -- Johnson–Neyman
    def johnson_neyman(
        self, alpha: float | None = None, fdr: bool = False, grid_size: int = 1001
    ) -> JohnsonNeyman:
        """Johnson–Neyman bounds by the closed-form quadratic (methods: see module docstring).

        Solves ``theta(w)**2 = c**2 * Var(theta(w))`` for w with ``c`` the critical value
        (t on the residual df, or z), or with ``fdr=True`` the false-discovery-rate adjusted
        value of :func:`fdr_critical_value` computed on ``grid_size`` equally spaced moderator
        values spanning the observed range.
        """
        alpha = self.alpha if alpha is None else _check_alpha(alpha)
        lo_r, hi_r = self.moderator_range
        if fdr:
            grid = np.linspace(lo_r, hi_r, grid_size)
            crit = fdr_critical_value(*self.effect_at(grid), alpha=alpha, df=self.df_resid)
        else:
            crit = self.critical_value(alpha)
        names = [self.predictor, self.interaction]
        b1, b3 = self.params[names].to_numpy()
        V = self.cov.loc[names, names].to_numpy()
        a = crit**2 * V[1, 1] - b3**2
        b = 2 * (crit**2 * V[0, 1] - b1 * b3)
        c = crit**2 * V[0, 0] - b1**2
        disc = b**2 - 4 * a * c
        shift = self.centering[self.moderator]
        bounds: tuple[float, float] | None = None
        flags: tuple[bool, bool] | None = None
        if a != 0 and disc > 0:
            roots = sorted(((-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)))
            bounds = (float(roots[0] + shift), float(roots[1] + shift))
            region = "outside" if a < 0 else "between"
            flags = tuple(bool(v < lo_r or v > hi_r) for v in bounds)  # type: ignore[assignment]
        else:
            # No real roots: the quadratic keeps one sign, so significance holds everywhere
            # or nowhere; check it at one point.
            effect, se = self.effect_at([self.moderator_observed.mean()])
            region = "everywhere" if abs(effect[0]) > crit * se[0] else "nowhere"
        intervals = _significant_intervals(bounds, region, (lo_r, hi_r))
        return JohnsonNeyman(
            self.predictor,
            self.moderator,
            bounds,
            region,
            flags,
            (lo_r, hi_r),
            intervals,
            float(crit),
            self.statistic,
            alpha,
            bool(fdr),
            (float(a), float(b), float(c)),
        )

    # -- figures
    def plot(self, ax: Any = None, alpha: float | None = None, fdr: bool = False) -> Any:
        """Conditional effect of x across w with its confidence band, the Johnson–Neyman
        region of significance shaded and the observed range of w marked. Returns the figure."""
        from . import plotting

        alpha = self.alpha if alpha is None else _check_alpha(alpha)
        jn = self.johnson_neyman(alpha=alpha, fdr=fdr)
        lo_r, hi_r = self.moderator_range
        pad = 0.1 * (hi_r - lo_r)
        grid = np.linspace(lo_r - pad, hi_r + pad, 400)
        effect, se = self.effect_at(grid)
        crit = jn.critical_value
        if ax is None:
            fig, ax = plotting.figure(width=7, height=4.2)
        else:
            fig = ax.figure
        blue, grey = plotting.PALETTE["blue"], "0.55"
        significant = np.abs(effect) > crit * se
        ax.fill_between(
            grid,
            effect - crit * se,
            effect + crit * se,
            color=grey,
            alpha=0.25,
            linewidth=0,
            label=f"{100 * (1 - alpha):g}% confidence band",
        )
        ax.fill_between(
            grid,
            effect - crit * se,
            effect + crit * se,
            where=significant,
            color=blue,
            alpha=0.3,
            linewidth=0,
            label=f"significant (p < {alpha:g})" + (", FDR-adjusted" if fdr else ""),
        )
        ax.plot(grid, effect, color=blue, linewidth=2, label=f"effect of {self.predictor}")
        ax.axhline(0, color="black", linewidth=0.8)
        if jn.bounds is not None:
            for bound in jn.bounds:
                if grid[0] <= bound <= grid[-1]:
                    ax.axvline(
                        bound, color=plotting.PALETTE["vermillion"], linestyle="--", linewidth=1
                    )
        for start, stop in ((grid[0], lo_r), (hi_r, grid[-1])):
            ax.axvspan(
                start,
                stop,
                color="0.92",
                zorder=0,
                linewidth=0,
                label="outside the observed range" if start == grid[0] else None,
            )
        ymin = ax.get_ylim()[0]
        ax.plot(
            [lo_r, hi_r],
            [ymin, ymin],
            color="black",
            linewidth=5,
            solid_capstyle="butt",
            label=f"observed range of {self.moderator}",
            clip_on=False,
        )
        ax.set_xlabel(self.moderator)
        ax.set_ylabel(f"conditional effect of {self.predictor}")
        ax.legend(loc="best", fontsize=9)
        return fig

    def plot_predicted(self, at: str | Sequence[float] = "meansd", ax: Any = None) -> Any:
        """Predicted outcome (the linear predictor) against x at the probe values of w, with
        covariates at their means. Returns the figure."""
        from . import plotting

        probes = probe_values(self.moderator_observed, at)
        if ax is None:
            fig, ax = plotting.figure(width=7, height=4.2)
        else:
            fig = ax.figure
        x_lo, x_hi = self._predictor_range
        xs = np.linspace(x_lo, x_hi, 50)
        colours = list(plotting.PALETTE.values())
        cx, cw = self.centering[self.predictor], self.centering[self.moderator]
        base = sum(self.params[c] * m for c, m in self._covariate_means.items())
        for i, (label, wv) in enumerate(probes.items()):
            xc, wc = xs - cx, wv - cw
            pred = (
                self.params[INTERCEPT]
                + self.params[self.predictor] * xc
                + self.params[self.moderator] * wc
                + self.params[self.interaction] * xc * wc
                + base
            )
            ax.plot(
                xs,
                pred,
                color=colours[i % len(colours)],
                linewidth=2,
                label=f"{self.moderator} = {wv:.3g} ({label})",
            )
        ax.set_xlabel(self.predictor)
        ax.set_ylabel(self._predicted_label.format(outcome=self.outcome))
        ax.legend(loc="best", fontsize=9)
        return fig

    _predicted_label = "predicted {outcome}"
    _predictor_range: tuple[float, float] = (0.0, 1.0)
    _covariate_means: Mapping[str, float] = field(default_factory=dict)


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


def _probe_rows(effects: ConditionalEffects) -> list[dict[str, Any]]:
    rows = effects.table.to_dict(orient="records")
    return _clean(rows)


# ---- OLS moderation ----------------------------------------------------------------------


@dataclass(frozen=True)
class R2Change:
    """R² change due to the interaction, with its F test (df1 = 1)."""

    r2_change: float
    F: float
    df1: int
    df2: float
    p: float
    robust: bool = False

    def __repr__(self) -> str:
        kind = " (F from the heteroskedasticity-consistent Wald test)" if self.robust else ""
        return (
            f"R2 change = {self.r2_change:.4f}, F({self.df1}, {self.df2:g}) = {self.F:.4f}, "
            f"p = {self.p:.4g}{kind}"
        )


@dataclass(frozen=True, eq=False)
class ModerationResult(_Probing):
    """An OLS moderation model (PROCESS model 1). See :func:`fit_moderation`."""

    se_type: str = "classical"
    r2: float = math.nan
    mse: float = math.nan
    model_test: Mapping[str, float] = field(default_factory=dict)
    r2_change: R2Change | None = None

    def report(self, at: str | Sequence[float] = "meansd", fdr: bool = False) -> str:
        """A PROCESS-style text report: model, coefficients, R² change, probes, JN."""
        covs = ", ".join(self.covariates) if self.covariates else "none"
        centred = ", ".join(
            f"{k} (minus {v:.4f})"
            for k, v in self.centering.items()
            if self.center != "none" and (v != 0 or k == self.moderator)
        )
        mt = self.model_test
        coefs = self.coefficients.copy()
        coefs.index.name = None
        effects = self.conditional_effects(at)
        jn = self.johnson_neyman(fdr=fdr)
        rc = self.r2_change
        assert rc is not None
        lines = [
            "Moderation analysis (OLS; the model of PROCESS model 1)",
            f"Outcome (Y): {self.outcome}   Predictor (X): {self.predictor}   "
            f"Moderator (W): {self.moderator}",
            f"Covariates: {covs}",
            f"Sample size: {self.n}"
            + (f" ({self.n_dropped} rows with missing values dropped)" if self.n_dropped else ""),
            f"Standard errors: {self.se_type}; inference: t with {self.df_resid:g} residual df",
            "Centering: " + (self.center if self.center == "none" else f"{self.center}: {centred}"),
            "",
            "Model summary",
            f"  R2 = {_fmt(self.r2)}   MSE = {_fmt(self.mse)}   "
            f"F({mt['df1']:g}, {mt['df2']:g}) = {_fmt(mt['F'])}   p = {_fmt(mt['p'], 6)}",
            "",
            "Coefficients",
            coefs.round(4).to_string(),
            "",
            "Test of the interaction X*W (R2 change)",
            f"  R2 change = {_fmt(rc.r2_change)}   F({rc.df1}, {rc.df2:g}) = {_fmt(rc.F)}   "
            f"p = {_fmt(rc.p, 6)}"
            + ("   (heteroskedasticity-consistent Wald F)" if rc.robust else ""),
            "",
            repr(effects),
            "",
            "Johnson–Neyman",
            "  " + jn.describe(),
        ]
        if jn.bounds is not None:
            lines.append(f"  Bounds: {jn.bounds[0]:.4f} and {jn.bounds[1]:.4f}")
        return "\n".join(lines)

    def to_dict(self, at: str | Sequence[float] = "meansd", fdr: bool = False) -> dict[str, Any]:
        """Everything the report shows, with the JSON keys documented in the module docstring."""
        coefs = self.coefficients
        rc = self.r2_change
        assert rc is not None
        return _clean(
            {
                "outcome": self.outcome,
                "predictor": self.predictor,
                "moderator": self.moderator,
                "covariates": list(self.covariates),
                "se": self.se_type,
                "center": self.center,
                "centering": dict(self.centering),
                "alpha": self.alpha,
                "n": self.n,
                "n_dropped": self.n_dropped,
                "df_resid": self.df_resid,
                "inference": "t",
                "coefficients": {
                    term: {k: row[k] for k in ("estimate", "se", "t", "p", "ci_low", "ci_high")}
                    for term, row in coefs.iterrows()
                },
                "r2": self.r2,
                "mse": self.mse,
                "model_test": dict(self.model_test),
                "r2_change": rc.r2_change,
                "r2_change_test": {
                    "F": rc.F,
                    "df1": rc.df1,
                    "df2": rc.df2,
                    "p": rc.p,
                    "robust": rc.robust,
                },
                "conditional_effects": _probe_rows(self.conditional_effects(at)),
                "johnson_neyman": self.johnson_neyman(fdr=fdr).to_dict(),
            }
        )

    def __repr__(self) -> str:
        coefs = self.coefficients.round(4)
        return (
            f"ModerationResult({self.outcome} ~ {self.predictor} * {self.moderator}"
            + (f" + {' + '.join(self.covariates)}" if self.covariates else "")
            + f"; n = {self.n}, se = {self.se_type}, center = {self.center})\n"
            + coefs.to_string()
            + f"\nR2 = {self.r2:.4f}; {self.r2_change!r}"
        )


def _ols(y: np.ndarray, X: pd.DataFrame, se: str) -> Any:
    import statsmodels.api as sm

    model = sm.OLS(y, X)
    if se == "classical":
        return model.fit()
    # use_t=True keeps t inference on the residual df (statsmodels would otherwise use z).
    return model.fit(cov_type=se.upper(), use_t=True)


def _wald_f(params: np.ndarray, cov: np.ndarray, rows: list[int]) -> float:
    b = params[rows]
    V = cov[np.ix_(rows, rows)]
    return float(b @ np.linalg.solve(V, b) / len(rows))


def _shared_fields(
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] | str,
    center: str,
    design: Any,
    alpha: float,
) -> dict[str, Any]:
    """The fields every moderation result records about the model and its data."""
    return {
        "outcome": outcome,
        "predictor": predictor,
        "moderator": moderator,
        "covariates": (covariates,) if isinstance(covariates, str) else tuple(covariates),
        "center": center.lower(),
        "centering": dict(design.centering),
        "alpha": alpha,
        "n": len(design.y),
        "n_dropped": design.n_dropped,
    }


def fit_moderation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] = (),
    se: str = "classical",
    center: str = "none",
    alpha: float = 0.05,
    missing: str = "drop",
) -> ModerationResult:
    """Fit ``outcome ~ predictor * moderator (+ covariates)`` by OLS.

    Parameters
    ----------
    frame : the data; only the named columns are used (others may be anything). Column
        names need not be Python identifiers: the design matrix is built directly.
    se : ``"classical"`` or ``"hc0"``, ``"hc1"``, ``"hc2"``, ``"hc3"``
        (heteroskedasticity-consistent). Inference is t on the residual df in every case.
    center : ``"none"``, ``"moderator"`` (subtract the moderator's mean) or ``"both"``
        (subtract the predictor's and the moderator's means). Changes b0, b1, b2 only.
    alpha : significance level for confidence intervals, probes and Johnson–Neyman.
    missing : ``"drop"`` (listwise, the count kept in ``n_dropped``) or ``"raise"``.

    The R² change due to the interaction is tested with the usual F test; with an HC
    covariance the F is the heteroskedasticity-consistent Wald test of b3 (its t squared),
    as PROCESS does. The model test is likewise the Wald F of all slopes with the chosen
    covariance (identical to the classical F with classical standard errors).
    """
    alpha = _check_alpha(alpha)
    se = _check_choice("se", se, SE_TYPES)
    design = _design(frame, outcome, predictor, moderator, covariates, center, missing)
    X = design.X
    fit = _ols(design.y, X, se)
    params = pd.Series(np.asarray(fit.params), index=X.columns)
    cov = pd.DataFrame(np.asarray(fit.cov_params()), index=X.columns, columns=X.columns)
    df_resid = float(fit.df_resid)
    slopes = list(range(1, X.shape[1]))
    model_f = _wald_f(params.to_numpy(), cov.to_numpy(), slopes)
    interaction = f"{predictor}:{moderator}"
    reduced = _ols(design.y, X.drop(columns=[interaction]), "classical")
    r2_change = float(fit.rsquared - reduced.rsquared)
    if se == "classical":
        f_change = r2_change / ((1 - fit.rsquared) / df_resid)
    else:
        k = X.columns.get_loc(interaction)
        f_change = _wald_f(params.to_numpy(), cov.to_numpy(), [k])
    x_original = X[predictor].to_numpy() + design.centering[predictor]
    return ModerationResult(
        **_shared_fields(outcome, predictor, moderator, covariates, center, design, alpha),
        params=params,
        cov=cov,
        df_resid=df_resid,
        moderator_observed=design.moderator_observed,
        se_type=se,
        r2=float(fit.rsquared),
        mse=float(fit.ssr / df_resid),
        model_test={
            "F": model_f,
            "df1": len(slopes),
            "df2": df_resid,
            "p": float(stats.f.sf(model_f, len(slopes), df_resid)),
        },
        r2_change=R2Change(
            r2_change,
            float(f_change),
            1,
            df_resid,
            float(stats.f.sf(f_change, 1, df_resid)),
            robust=se != "classical",
        ),
        _predictor_range=(float(x_original.min()), float(x_original.max())),
        _covariate_means={c: float(X[c].mean()) for c in X.columns[4:]},
    )


# ---- three nested models ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Three nested OLS models fitted to the same rows.

    1. *strategy only*: y ~ x (+ covariates);
    2. *relationship as a direct effect*: y ~ x + w (+ covariates);
    3. *relationship as moderator*: y ~ x + w + x*w (+ covariates).

    ``table`` gives each model's number of parameters, R², ΔR² over the previous model with
    its F test (classical), AIC and BIC (from the Gaussian log-likelihood; lower is better).
    """

    outcome: str
    predictor: str
    moderator: str
    covariates: tuple[str, ...]
    n: int
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __repr__(self) -> str:
        return (
            f"ModelComparison({self.outcome}; x = {self.predictor}, w = {self.moderator}; "
            f"n = {self.n})\n" + self.table.round(4).to_string(index=False)
        )

    def plot(self, ax: Any = None) -> Any:
        """R² of the three models as bars, annotated with ΔR² and its p."""
        from . import plotting

        if ax is None:
            fig, ax = plotting.figure(width=7, height=3.6)
        else:
            fig = ax.figure
        colours = [plotting.PALETTE[c] for c in ("sky", "orange", "blue")]
        ax.barh(self.table["model"], self.table["r2"], color=colours)
        for i, row in self.table.iterrows():
            note = f"R² = {row['r2']:.3f}"
            if i > 0:
                note += f"  (ΔR² = {row['r2_change']:.3f}, p = {row['p']:.3g})"
            ax.text(row["r2"], i, "  " + note, va="center", fontsize=9)
        ax.invert_yaxis()
        ax.set_xlim(0, max(self.table["r2"]) * 1.8)
        ax.set_xlabel("R² (share of variance in the outcome explained)")
        return fig


def compare_models(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] = (),
    missing: str = "drop",
) -> ModelComparison:
    """Fit and compare strategy only, relationship as a direct effect, relationship as
    moderator (see :class:`ModelComparison`). All three use the same complete rows."""
    import statsmodels.api as sm

    design = _design(frame, outcome, predictor, moderator, covariates, "none", missing)
    X = design.X
    cov_names = list(X.columns[4:])
    interaction = f"{predictor}:{moderator}"
    specs = [
        ("strategy only", [INTERCEPT, predictor, *cov_names]),
        ("relationship as a direct effect", [INTERCEPT, predictor, moderator, *cov_names]),
        ("relationship as moderator", [INTERCEPT, predictor, moderator, interaction, *cov_names]),
    ]
    rows = []
    previous = None
    for label, columns in specs:
        fit = sm.OLS(design.y, X[columns]).fit()
        row = {
            "model": label,
            "terms": " + ".join(c for c in columns if c != INTERCEPT),
            "k": len(columns),
            "r2": float(fit.rsquared),
            "r2_change": np.nan,
            "F": np.nan,
            "df1": np.nan,
            "df2": float(fit.df_resid),
            "p": np.nan,
            "aic": float(fit.aic),
            "bic": float(fit.bic),
        }
        if previous is not None:
            df1 = len(columns) - previous["k"]
            change = row["r2"] - previous["r2"]
            F = (change / df1) / ((1 - row["r2"]) / fit.df_resid)
            row.update(r2_change=change, F=F, df1=df1, p=float(stats.f.sf(F, df1, fit.df_resid)))
        rows.append(row)
        previous = row
    return ModelComparison(
        outcome, predictor, moderator, tuple(cov_names), len(design.y), pd.DataFrame(rows)
    )


# ---- multilevel moderation ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MultilevelModerationResult(_Probing):
    """A linear mixed model for moderation. See :func:`fit_multilevel_moderation`.

    Fixed effects are tested with z statistics (normal reference), as MixedLM reports them.
    """

    group: str = ""
    n_groups: int = 0
    random_slope: bool = False
    converged: bool = False
    fit_warnings: tuple[str, ...] = ()
    variance_components: pd.Series | None = None
    loglike: float = math.nan

    def __repr__(self) -> str:
        status = "converged" if self.converged else "DID NOT CONVERGE"
        lines = [
            f"MultilevelModerationResult({self.outcome} ~ {self.predictor} * {self.moderator}; "
            f"random intercept{' and slope of ' + self.predictor if self.random_slope else ''} "
            f"by {self.group}; n = {self.n} in {self.n_groups} groups; REML; {status})",
            "Fixed effects (z tests):",
            self.coefficients.round(4).to_string(),
            "Variance components:",
            self.variance_components.round(4).to_string()
            if self.variance_components is not None
            else "none",
        ]
        if self.fit_warnings:
            lines.append("Warnings: " + " | ".join(self.fit_warnings))
        return "\n".join(lines)


def fit_multilevel_moderation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    group: str,
    covariates: Sequence[str] = (),
    random_slope: bool = False,
    center: str = "none",
    alpha: float = 0.05,
    missing: str = "drop",
) -> MultilevelModerationResult:
    """Moderation with units nested in groups (sites in practitioners), by statsmodels MixedLM.

    Random intercepts for ``group``; with ``random_slope=True`` also a random slope of the
    predictor (correlated with the intercept). Fitted by REML. Fixed-effect inference is
    **z** (normal), as MixedLM reports it; with few groups this is optimistic. Whether the
    optimiser converged, and any warnings statsmodels raised (for example a variance
    component on the boundary of the parameter space), are kept in ``converged`` and
    ``fit_warnings``: read them before the estimates.
    """
    import statsmodels.api as sm

    alpha = _check_alpha(alpha)
    if not isinstance(group, str) or not group:
        raise TypeError(f"group must be a column name; got {group!r}")
    design = _design(frame, outcome, predictor, moderator, covariates, center, missing, group)
    X = design.X
    n_groups = len(pd.unique(design.groups))
    if n_groups < 2:
        raise ValueError(f"group column {group!r} must have at least 2 groups; found {n_groups}")
    exog_re = X[[INTERCEPT, predictor]] if random_slope else X[[INTERCEPT]]
    model = sm.MixedLM(design.y, X, groups=design.groups, exog_re=exog_re)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=True)
    messages = tuple(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    fe = list(X.columns)
    params = pd.Series(np.asarray(fit.fe_params), index=fe)
    cov = pd.DataFrame(np.asarray(fit.cov_params())[: len(fe), : len(fe)], index=fe, columns=fe)
    re_names = list(exog_re.columns)
    cov_re = np.asarray(fit.cov_re)
    components = {
        f"{group} SD of {'intercept' if n == INTERCEPT else n}": math.sqrt(max(cov_re[i, i], 0))
        for i, n in enumerate(re_names)
    }
    if random_slope:
        denom = math.sqrt(cov_re[0, 0] * cov_re[1, 1])
        components["correlation of intercept and slope"] = (
            cov_re[0, 1] / denom if denom > 0 else math.nan
        )
    components["residual SD"] = math.sqrt(fit.scale)
    x_original = X[predictor].to_numpy() + design.centering[predictor]
    return MultilevelModerationResult(
        **_shared_fields(outcome, predictor, moderator, covariates, center, design, alpha),
        params=params,
        cov=cov,
        df_resid=None,
        moderator_observed=design.moderator_observed,
        group=group,
        n_groups=n_groups,
        random_slope=bool(random_slope),
        converged=bool(fit.converged),
        fit_warnings=messages,
        variance_components=pd.Series(components),
        loglike=float(fit.llf),
        _predictor_range=(float(x_original.min()), float(x_original.max())),
        _covariate_means={c: float(X[c].mean()) for c in X.columns[4:]},
    )


# ---- logistic moderation -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LogisticModerationResult(_Probing):
    """Logistic regression with an interaction. See :func:`fit_logistic_moderation`.

    Coefficients and conditional effects are on the log-odds scale with z inference.
    ``odds_ratios`` exponentiates them. On the probability scale the interaction is not b3.
    """

    loglike: float = math.nan
    pseudo_r2: float = math.nan
    interaction_lr_test: Mapping[str, float] = field(default_factory=dict)
    converged: bool = False
    fit_warnings: tuple[str, ...] = ()
    _effect_scale = "log-odds"
    _predicted_label = "predicted log-odds that {outcome} = 1"

    CAVEAT = (
        "Conditional effects are on the log-odds scale. On the probability scale the "
        "interaction is not the coefficient b3: the effect of x on a probability also depends "
        "on the other predictors' values, and can differ in sign and significance from b3."
    )

    @property
    def odds_ratios(self) -> pd.DataFrame:
        table = self.coefficients[["estimate", "ci_low", "ci_high"]]
        return np.exp(table).rename(columns={"estimate": "odds_ratio"})

    def predicted_probabilities(
        self, predictor_values: Sequence[float], at: str | Sequence[float] = "meansd"
    ) -> pd.DataFrame:
        """Predicted probability that the outcome is 1, at each predictor value (original
        scale) and each probe value of the moderator, covariates at their means.

        Differences between rows show the effect of x on the probability scale, which depends
        on where a unit sits on the logistic curve and so is not summarised by b3."""
        probes = probe_values(self.moderator_observed, at)
        xs = np.asarray(predictor_values, dtype=float)
        cx, cw = self.centering[self.predictor], self.centering[self.moderator]
        base = self.params[INTERCEPT] + sum(
            self.params[c] * m for c, m in self._covariate_means.items()
        )
        rows = []
        for label, wv in probes.items():
            xc, wc = xs - cx, wv - cw
            eta = (
                base
                + self.params[self.predictor] * xc
                + self.params[self.moderator] * wc
                + self.params[self.interaction] * xc * wc
            )
            for xv, prob in zip(xs, 1 / (1 + np.exp(-eta)), strict=True):
                rows.append(
                    {
                        "label": label,
                        "moderator_value": wv,
                        "predictor_value": xv,
                        "probability": prob,
                    }
                )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        lr = self.interaction_lr_test
        return (
            f"LogisticModerationResult(logit P({self.outcome} = 1) ~ {self.predictor} * "
            f"{self.moderator}; n = {self.n}; "
            f"{'converged' if self.converged else 'DID NOT CONVERGE'})\n"
            + self.coefficients.round(4).to_string()
            + f"\nLikelihood-ratio test of the interaction: chi2(1) = {lr['chi2']:.4f}, "
            f"p = {lr['p']:.4g}; McFadden pseudo-R2 = {self.pseudo_r2:.4f}\n{self.CAVEAT}"
        )


def fit_logistic_moderation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] = (),
    center: str = "none",
    alpha: float = 0.05,
    missing: str = "drop",
) -> LogisticModerationResult:
    """Moderation for a binary (0/1) outcome by maximum-likelihood logistic regression.

    Conditional effects and Johnson–Neyman bounds are on the log-odds scale, with z
    inference. The interaction is also tested by a likelihood-ratio test against the model
    without it. See :attr:`LogisticModerationResult.CAVEAT` for the probability scale.
    """
    import statsmodels.api as sm

    alpha = _check_alpha(alpha)
    design = _design(frame, outcome, predictor, moderator, covariates, center, missing)
    if not np.isin(design.y, (0.0, 1.0)).all():
        bad = design.y[~np.isin(design.y, (0.0, 1.0))][0]
        raise ValueError(
            f"outcome {outcome!r} must be coded 0/1 for a logistic model; found {bad:g}"
        )
    if design.y.min() == design.y.max():
        raise ValueError(
            f"outcome {outcome!r} has only one value; a logistic model needs both 0 and 1"
        )
    X = design.X
    interaction = f"{predictor}:{moderator}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.Logit(design.y, X).fit(disp=0, maxiter=200)
        reduced = sm.Logit(design.y, X.drop(columns=[interaction])).fit(disp=0, maxiter=200)
    messages = tuple(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    chi2 = float(2 * (fit.llf - reduced.llf))
    x_original = X[predictor].to_numpy() + design.centering[predictor]
    return LogisticModerationResult(
        **_shared_fields(outcome, predictor, moderator, covariates, center, design, alpha),
        params=pd.Series(np.asarray(fit.params), index=X.columns),
        cov=pd.DataFrame(np.asarray(fit.cov_params()), index=X.columns, columns=X.columns),
        df_resid=None,
        moderator_observed=design.moderator_observed,
        loglike=float(fit.llf),
        pseudo_r2=float(fit.prsquared),
        interaction_lr_test={"chi2": chi2, "df": 1, "p": float(stats.chi2.sf(chi2, 1))},
        converged=bool(fit.mle_retvals.get("converged", False)),
        fit_warnings=messages,
        _predictor_range=(float(x_original.min()), float(x_original.max())),
        _covariate_means={c: float(X[c].mean()) for c in X.columns[4:]},
    )


# ---- the book's simulated multi-site dataset ---------------------------------------------

#: True parameters of :func:`simulate_sites` (its defaults), for comparing with estimates.
SITES_TRUE_PARAMETERS: dict[str, float] = {
    "intercept": 60.0,
    "coaching": 0.4,
    "relationship": 2.0,
    "interaction": 0.25,
    "practitioner_sd": 3.0,
    "residual_sd": 6.0,
    "coaching_centre": 20.0,
    "relationship_centre": 5.0,
    "relationship_reliability": 0.8,
}


def simulate_sites(
    n_practitioners: int = 36,
    sites_per_practitioner: int = 5,
    intercept: float = 60.0,
    coaching: float = 0.4,
    relationship: float = 2.0,
    interaction: float = 0.25,
    practitioner_sd: float = 3.0,
    residual_sd: float = 6.0,
    reliability: float = 0.8,
    seed: int = 20240310,
) -> pd.DataFrame:
    """A SIMULATED multi-site implementation study: sites nested in practitioners.

    Each implementation support practitioner supports ``sites_per_practitioner`` sites.
    For site i of practitioner p (all draws independent, normal unless stated):

    - ``coaching_hours``: hours of coaching the site received, gamma(shape 4, scale 5)
      (mean 20, SD 10), rounded to 0.5 hour;
    - ``relationship_true``: the true practitioner–site relationship quality, on the scale of
      a trust questionnaire scored as the mean of items rated 1–7 (not truncated):
      ``5 + 0.6*a_p + 0.8*s_i`` with a_p, s_i standard normal (mean 5, SD 1; part of it
      belongs to the practitioner, part to the site);
    - ``relationship_quality``: the *measured* trust-scale score,
      ``relationship_true + error`` with error SD chosen so that the score's reliability
      (true variance / observed variance) is ``reliability`` (0.8 by default), rounded to
      2 decimals;
    - ``fidelity``: the implementation outcome (0–100 scale, not truncated), ::

          fidelity = intercept + coaching*(hours - 20) + relationship*(true - 5)
                     + interaction*(hours - 20)*(true - 5) + u_p + e_i

      with practitioner effect u_p ~ N(0, practitioner_sd) and residual e_i ~ N(0,
      residual_sd), rounded to 0.1.

    So, by construction, coaching raises fidelity by ``coaching`` points per hour at an
    average relationship, each point of relationship quality adds ``interaction`` points to
    the effect of an hour of coaching (the relationship *moderates* the strategy), and the
    relationship also has a direct effect. Analyses of the measured score recover the
    interaction only attenuated by its unreliability. Defaults: see
    :data:`SITES_TRUE_PARAMETERS`. Returns columns site_id, practitioner_id,
    coaching_hours, relationship_quality, relationship_true, fidelity.
    """
    for name, value in (
        ("n_practitioners", n_practitioners),
        ("sites_per_practitioner", sites_per_practitioner),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if not 0 < reliability <= 1:
        raise ValueError(f"reliability must be in (0, 1]; got {reliability}")
    for name, value in (("practitioner_sd", practitioner_sd), ("residual_sd", residual_sd)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative; got {value}")
    rng = np.random.default_rng(seed)
    n = n_practitioners * sites_per_practitioner
    practitioner = np.repeat(np.arange(1, n_practitioners + 1), sites_per_practitioner)
    hours = np.round(rng.gamma(shape=4.0, scale=5.0, size=n) * 2) / 2
    skill = rng.standard_normal(n_practitioners)[practitioner - 1]
    true = 5 + 0.6 * skill + 0.8 * rng.standard_normal(n)
    error_sd = math.sqrt((1 - reliability) / reliability)  # true-score variance is 1
    measured = np.round(true + error_sd * rng.standard_normal(n), 2)
    u = practitioner_sd * rng.standard_normal(n_practitioners)[practitioner - 1]
    e = residual_sd * rng.standard_normal(n)
    hc, tc = hours - 20, true - 5
    fidelity = intercept + coaching * hc + relationship * tc + interaction * hc * tc + u + e
    return pd.DataFrame(
        {
            "site_id": np.arange(1, n + 1),
            "practitioner_id": practitioner,
            "coaching_hours": hours,
            "relationship_quality": measured,
            "relationship_true": np.round(true, 3),
            "fidelity": np.round(fidelity, 1),
        }
    )
