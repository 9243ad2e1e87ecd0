"""Power to detect an interaction (moderation) in a cross-sectional regression.

The model is ``y = b0 + b1*x1 + b2*x2 + b3*x1*x2 + e`` with x1 (the focal predictor, for
example a strategy's dose) and x2 (the moderator, for example relationship quality)
standardised and bivariate normal. A scenario is stated, as in the R package InteractionPoweR
(Baranger et al. 2023), through four correlations and three reliabilities:

``r_x1_y``, ``r_x2_y``, ``r_x1_x2``, ``r_x1x2_y`` (the correlation of the product x1*x2 with y),
and ``rel_x1``, ``rel_x2``, ``rel_y`` (each in (0, 1]).

Analytic power (:func:`power_interaction`)
    Measurement error attenuates every correlation, ``r_obs = r * sqrt(rel_a * rel_b)``, with
    the reliability of the product ``rel_x1x2 = (rel_x1*rel_x2 + r_x1_x2**2) / (1 + r_x1_x2**2)``.
    From the observed correlations, ``R2_null`` is the R² of y on x1 and x2, and (because the
    product of two centred bivariate normal variables is uncorrelated with each of them)
    ``R2_full = R2_null + r_x1x2_y**2``. Then, exactly as InteractionPoweR computes it,
    ``f2 = (R2_full - R2_null) / (1 - R2_null)``, ``df = N - 3``, ``lambda = f2 * df``, and the
    power is ``P(F > F_crit)`` under the noncentral F(1, df, lambda), with ``F_crit`` the
    ``1 - alpha`` quantile of the central F(1, df). These two conventions reproduce the
    package's published values; note that they differ slightly from Cohen's (``1 - R2_full``
    in the denominator of f², and ``N - 4`` residual degrees of freedom for four coefficients).

Simulated power (:func:`simulate_power`)
    The same generating model, simulated and analysed by ordinary least squares, all
    replications at once (:func:`batched_ols`), with the exact t test on ``n - 4`` residual
    degrees of freedom. The coefficients follow from the correlations (see
    :meth:`InteractionScenario.coefficients`). The analytic formula treats the sample
    variance of the product term as if it were its population variance; because x1*x2 is
    heavy-tailed, simulation gives a slightly lower power (about 0.003 lower at N = 350 in the
    published example, visible only with some 100,000 replications; at 10,000 replications it
    is within Monte-Carlo error).

Gelman's rule of 16 (:func:`gelman_sixteen`)
    In a balanced two-by-two design, an interaction half the size of a main effect needs 16
    times the sample for the same power.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "MIN_N",
    "BatchedOLS",
    "InteractionPower",
    "InteractionScenario",
    "PowerCurve",
    "SampleSize",
    "SimulatedPower",
    "SixteenTimes",
    "batched_ols",
    "gelman_sixteen",
    "power_curve",
    "power_interaction",
    "sample_size",
    "simulate_interaction_data",
    "simulate_power",
]

#: The smallest sample size accepted: four coefficients need at least one residual df.
MIN_N = 5
#: Replications simulated per batch: about 7 MB of data at n = 350, small enough to stay in
#: the processor's caches (200,000 replications of n = 350 take a quarter less time than in
#: batches of 2,000). Each replication's numbers do not depend on the batch size.
_CHUNK = 500
#: Sample sizes beyond this are reported as unreachable by :func:`sample_size`.
_MAX_N = 100_000_000


def _check_probability(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    value = float(value)
    if not (0.0 < value < 1.0) or not math.isfinite(value):
        raise ValueError(f"{name} must be strictly between 0 and 1; got {value}")
    return value


def _check_n(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
        raise TypeError(f"{name} must be a whole number; got {type(value).__name__}")
    if not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number; got {value}")
    if value < MIN_N:
        raise ValueError(
            f"{name} must be at least {MIN_N} (four coefficients and one residual degree of "
            f"freedom); got {int(value)}"
        )
    return int(value)


# ---- the scenario ----------------------------------------------------------------------


@dataclass(frozen=True)
class InteractionScenario:
    """Population correlations and reliabilities that define an interaction to be detected.

    Correlations are between *true* scores; the reliabilities say how much measurement error
    the observed scores carry (1 = none). The constructor checks that every correlation is in
    [-1, 1], every reliability in (0, 1], and that the correlation matrix of (x1, x2, x1*x2, y)
    is positive definite both before and after attenuation.
    """

    r_x1_y: float
    r_x2_y: float
    r_x1_x2: float
    r_x1x2_y: float
    rel_x1: float = 1.0
    rel_x2: float = 1.0
    rel_y: float = 1.0

    def __post_init__(self) -> None:
        for name in ("r_x1_y", "r_x2_y", "r_x1_x2", "r_x1x2_y", "rel_x1", "rel_x2", "rel_y"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise TypeError(f"{name} must be a number; got {type(value).__name__}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number; got {value}")
            object.__setattr__(self, name, float(value))
        for name in ("r_x1_y", "r_x2_y", "r_x1_x2", "r_x1x2_y"):
            if abs(getattr(self, name)) > 1:
                raise ValueError(
                    f"{name} must be a correlation in [-1, 1]; got {getattr(self, name)}"
                )
        if abs(self.r_x1_x2) >= 1:
            raise ValueError(f"r_x1_x2 must be strictly between -1 and 1; got {self.r_x1_x2}")
        for name in ("rel_x1", "rel_x2", "rel_y"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(
                    f"{name} must be a reliability in (0, 1]; got {getattr(self, name)}"
                )
        for label, r in (("true", self._true()), ("observed", self.observed)):
            matrix = _correlation_matrix(*r)
            smallest = float(np.linalg.eigvalsh(matrix).min())
            if smallest <= 1e-12:
                raise ValueError(
                    f"the {label} correlations (r_x1_y={r[0]:.4g}, r_x2_y={r[1]:.4g}, "
                    f"r_x1_x2={r[2]:.4g}, r_x1x2_y={r[3]:.4g}) do not form a positive definite "
                    f"correlation matrix with x1 and x2 uncorrelated with x1*x2 (smallest "
                    f"eigenvalue {smallest:.3g}); they imply an R² of 1 or more"
                )

    def _true(self) -> tuple[float, float, float, float]:
        return (self.r_x1_y, self.r_x2_y, self.r_x1_x2, self.r_x1x2_y)

    @property
    def rel_x1x2(self) -> float:
        """Reliability of the product term: ``(rel_x1*rel_x2 + r_x1_x2**2) / (1 + r_x1_x2**2)``.

        As in InteractionPoweR, r_x1_x2 here is the correlation of the true scores. Under
        classical measurement error the exact value uses the observed correlation instead.
        Both equal rel_x1*rel_x2 when r_x1_x2 = 0; with |r_x1_x2| <= .3 and reliabilities of
        .8 or more they differ by at most about 0.01 (0.05 with reliabilities down to .5).
        """
        r12 = self.r_x1_x2
        return (self.rel_x1 * self.rel_x2 + r12**2) / (1 + r12**2)

    @property
    def observed(self) -> tuple[float, float, float, float]:
        """The attenuated correlations (r_x1_y, r_x2_y, r_x1_x2, r_x1x2_y) among observed scores."""
        return (
            self.r_x1_y * math.sqrt(self.rel_x1 * self.rel_y),
            self.r_x2_y * math.sqrt(self.rel_x2 * self.rel_y),
            self.r_x1_x2 * math.sqrt(self.rel_x1 * self.rel_x2),
            self.r_x1x2_y * math.sqrt(self.rel_x1x2 * self.rel_y),
        )

    @property
    def r2_null(self) -> float:
        """R² of y on x1 and x2 (observed scores)."""
        r1y, r2y, r12, _ = self.observed
        return (r1y**2 + r2y**2 - 2 * r1y * r2y * r12) / (1 - r12**2)

    @property
    def r2_full(self) -> float:
        """R² of y on x1, x2 and x1*x2: the product adds its squared correlation with y."""
        return self.r2_null + self.observed[3] ** 2

    @property
    def f2(self) -> float:
        """Effect size as InteractionPoweR defines it: ``(R2_full - R2_null) / (1 - R2_null)``."""
        return (self.r2_full - self.r2_null) / (1 - self.r2_null)

    def coefficients(self) -> dict[str, float]:
        """Regression coefficients of the generating model for the observed scores.

        With x1, x2 standard bivariate normal with correlation r12, the product p = x1*x2 has
        mean r12, ``Var(p) = 1 + r12**2`` and ``Cov(p, x1) = Cov(p, x2) = 0`` (odd moments of a
        centred normal vanish). For ``y = b1*x1 + b2*x2 + b3*(p - r12) + e`` with Var(y) = 1:

        - ``Cov(x1, y) = b1 + b2*r12 = r_x1_y`` and ``Cov(x2, y) = b1*r12 + b2 = r_x2_y``, so
          ``b1 = (r_x1_y - r12*r_x2_y) / (1 - r12**2)`` and
          ``b2 = (r_x2_y - r12*r_x1_y) / (1 - r12**2)``;
        - ``Cov(p, y) = b3*(1 + r12**2) = r_x1x2_y * sqrt(1 + r12**2)``, so
          ``b3 = r_x1x2_y / sqrt(1 + r12**2)``;
        - the explained variance is ``b1*r_x1_y + b2*r_x2_y + b3**2*(1 + r12**2) = R2_full``,
          so ``Var(e) = 1 - R2_full``.

        b3 is the coefficient of the raw product x1*x2; its standardised value is r_x1x2_y.
        """
        r1y, r2y, r12, rpy = self.observed
        b1 = (r1y - r12 * r2y) / (1 - r12**2)
        b2 = (r2y - r12 * r1y) / (1 - r12**2)
        b3 = rpy / math.sqrt(1 + r12**2)
        return {"b1": b1, "b2": b2, "b3": b3, "sigma2": 1 - self.r2_full}

    def as_dict(self) -> dict[str, float]:
        return {
            "r_x1_y": self.r_x1_y,
            "r_x2_y": self.r_x2_y,
            "r_x1_x2": self.r_x1_x2,
            "r_x1x2_y": self.r_x1x2_y,
            "rel_x1": self.rel_x1,
            "rel_x2": self.rel_x2,
            "rel_y": self.rel_y,
        }


def _correlation_matrix(r1y: float, r2y: float, r12: float, rpy: float) -> np.ndarray:
    """Correlations of (x1, x2, x1*x2, y), the product uncorrelated with x1 and x2."""
    return np.array(
        [
            [1.0, r12, 0.0, r1y],
            [r12, 1.0, 0.0, r2y],
            [0.0, 0.0, 1.0, rpy],
            [r1y, r2y, rpy, 1.0],
        ]
    )


def _scenario_rows(scenario: InteractionScenario) -> dict[str, float]:
    row = scenario.as_dict()
    row["rel_x1x2"] = scenario.rel_x1x2
    return row


# ---- analytic power --------------------------------------------------------------------


def _analytic_power(f2: float, n: np.ndarray, alpha: float) -> np.ndarray:
    """Power of the F(1, N - 3) test with noncentrality f2 * (N - 3) (InteractionPoweR)."""
    df = n - 3.0
    critical = stats.f.isf(alpha, 1, df)
    if f2 == 0:  # scipy's ncf.sf is wrong at noncentrality 0 (it returns alpha - 1)
        return stats.f.sf(critical, 1, df)
    return stats.ncf.sf(critical, 1, df, f2 * df)


@dataclass(frozen=True)
class InteractionPower:
    """Analytic power to detect the interaction at one sample size."""

    n: int
    power: float
    alpha: float
    f2: float
    df: int
    noncentrality: float
    r2_null: float
    r2_full: float
    scenario: InteractionScenario

    def __repr__(self) -> str:
        return (
            f"InteractionPower(n={self.n}, power={self.power:.4f}, alpha={self.alpha:g}, "
            f"f2={self.f2:.5f}, F(1, {self.df}), lambda={self.noncentrality:.3f}, "
            f"R2 {self.r2_null:.4f} -> {self.r2_full:.4f})"
        )

    def to_frame(self) -> pd.DataFrame:
        row = {
            "n": self.n,
            "power": self.power,
            "alpha": self.alpha,
            "f2": self.f2,
            "df": self.df,
            "noncentrality": self.noncentrality,
            "r2_null": self.r2_null,
            "r2_full": self.r2_full,
            **_scenario_rows(self.scenario),
        }
        return pd.DataFrame([row])


def power_interaction(
    scenario: InteractionScenario, n: int, *, alpha: float = 0.05
) -> InteractionPower:
    """Analytic power to detect the interaction with ``n`` observations.

    Reproduces InteractionPoweR's ``power_interaction_r2`` (see the module docstring for the
    formulas): for r_x1_y = .2, r_x2_y = .1, r_x1_x2 = .2, r_x1x2_y = .15 and n = 350 the
    power is 0.8131373.
    """
    if not isinstance(scenario, InteractionScenario):
        raise TypeError(f"scenario must be an InteractionScenario; got {type(scenario).__name__}")
    n = _check_n("n", n)
    alpha = _check_probability("alpha", alpha)
    power = float(_analytic_power(scenario.f2, np.array([n], dtype=float), alpha)[0])
    return InteractionPower(
        n=n,
        power=power,
        alpha=alpha,
        f2=scenario.f2,
        df=n - 3,
        noncentrality=scenario.f2 * (n - 3),
        r2_null=scenario.r2_null,
        r2_full=scenario.r2_full,
        scenario=scenario,
    )


# ---- batched least squares and simulation ----------------------------------------------


@dataclass(frozen=True)
class BatchedOLS:
    """OLS fits of many replications at once: arrays of shape (replications, coefficients)."""

    params: np.ndarray
    bse: np.ndarray
    df_resid: int

    @property
    def tvalues(self) -> np.ndarray:
        return self.params / self.bse

    def pvalues(self) -> np.ndarray:
        """Two-sided p-values of the t tests on ``df_resid`` degrees of freedom."""
        return 2 * stats.t.sf(np.abs(self.tvalues), self.df_resid)

    def __repr__(self) -> str:
        reps, k = self.params.shape
        return f"BatchedOLS(replications={reps}, coefficients={k}, df_resid={self.df_resid})"


def batched_ols(X: np.ndarray, y: np.ndarray) -> BatchedOLS:
    """Ordinary least squares for a stack of data sets, with classical standard errors.

    ``X`` has shape (replications, n, k) and ``y`` shape (replications, n). The cross-product
    matrix of (X, y) of every replication is formed by one batched matrix product and the
    normal equations are solved together by a batched ``numpy.linalg.solve``: there is no
    Python loop over replications. For well-conditioned designs such as standardised
    predictors (the simulations here) the results equal ``statsmodels.OLS(y[i], X[i]).fit()``
    to about 1e-13; for badly conditioned designs fit with statsmodels, which uses a
    pseudo-inverse.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 3 or y.ndim != 2 or X.shape[:2] != y.shape:
        raise ValueError(
            f"X must have shape (replications, n, k) and y (replications, n); got "
            f"{X.shape} and {y.shape}"
        )
    _, n, k = X.shape
    if n <= k:
        raise ValueError(f"need more observations than coefficients; got n={n}, k={k}")
    columns = np.concatenate([X, y[:, :, None]], axis=2).transpose(0, 2, 1)
    return _fit_from_columns(columns)


def _fit_from_columns(columns: np.ndarray) -> BatchedOLS:
    """OLS of the last row on the others, for an array of shape (replications, k + 1, n)."""
    reps, k1, n = columns.shape
    k = k1 - 1
    gram = columns @ columns.transpose(0, 2, 1)  # (reps, k + 1, k + 1): [X y]'[X y]
    xtx, xty, yty = gram[:, :k, :k], gram[:, :k, k], gram[:, k, k]
    # One factorisation per replication gives both the coefficients and (X'X)^-1.
    rhs = np.concatenate([xty[:, :, None], np.broadcast_to(np.eye(k), (reps, k, k))], axis=2)
    solved = np.linalg.solve(xtx, rhs)
    params, xtx_inv = solved[:, :, 0], solved[:, :, 1:]
    ssr = yty - np.einsum("ri,ri->r", params, xty)  # residual sum of squares
    df_resid = n - k
    bse = np.sqrt((ssr / df_resid)[:, None] * np.diagonal(xtx_inv, axis1=1, axis2=2))
    return BatchedOLS(params=params, bse=bse, df_resid=df_resid)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an integer or a numpy Generator; got {type(seed).__name__}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}")
    return np.random.default_rng(seed)


def _simulate_columns(
    scenario: InteractionScenario, n: int, reps: int, rng: np.random.Generator
) -> np.ndarray:
    """Simulated data as an array of shape (reps, 5, n): rows 1, x1, x2, x1*x2, y."""
    coef = scenario.coefficients()
    r12 = scenario.observed[2]
    z = rng.standard_normal((reps, 3, n))
    out = np.empty((reps, 5, n))
    out[:, 0] = 1.0
    x1, x2, product, y = out[:, 1], out[:, 2], out[:, 3], out[:, 4]
    x1[...] = z[:, 0]
    np.multiply(z[:, 0], r12, out=x2)
    x2 += math.sqrt(1 - r12**2) * z[:, 1]
    np.multiply(x1, x2, out=product)
    np.multiply(z[:, 2], math.sqrt(coef["sigma2"]), out=y)
    y += coef["b1"] * x1
    y += coef["b2"] * x2
    y += coef["b3"] * product
    y -= coef["b3"] * r12  # centre the product's contribution, so that E(y) = 0
    return out


def simulate_interaction_data(
    scenario: InteractionScenario,
    n: int,
    reps: int,
    *,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate ``reps`` data sets of ``n`` observed scores from the scenario.

    Returns ``X`` of shape (reps, n, 4) with columns (1, x1, x2, x1*x2) and ``y`` of shape
    (reps, n). x1 and x2 are standard bivariate normal with the observed (attenuated)
    correlation r12 (x1 = z1, x2 = r12*z1 + sqrt(1 - r12**2)*z2), and
    ``y = b1*x1 + b2*x2 + b3*(x1*x2 - r12) + sqrt(1 - R2_full)*z3`` with the coefficients of
    :meth:`InteractionScenario.coefficients`, so Var(y) = 1 and every correlation has its
    observed value. Observed scores are drawn directly: measurement error enters, as in the
    analytic power, only through the attenuated correlations.
    """
    if not isinstance(scenario, InteractionScenario):
        raise TypeError(f"scenario must be an InteractionScenario; got {type(scenario).__name__}")
    n = _check_n("n", n)
    reps = _check_reps(reps)
    columns = _simulate_columns(scenario, n, reps, _rng(seed))
    return columns[:, :4].transpose(0, 2, 1), columns[:, 4]


def _check_reps(reps: Any) -> int:
    if isinstance(reps, bool) or not isinstance(reps, int | np.integer):
        raise TypeError(f"reps must be a whole number; got {type(reps).__name__}")
    if reps < 1:
        raise ValueError(f"reps must be at least 1; got {reps}")
    return int(reps)


@dataclass(frozen=True)
class SimulatedPower:
    """Power estimated by simulation: the share of replications with p < alpha."""

    n: int
    power: float
    mc_se: float
    reps: int
    alpha: float
    mean_b3: float
    true_b3: float
    scenario: InteractionScenario
    seed: int | None = field(default=None)

    @property
    def ci(self) -> tuple[float, float]:
        """95% Monte-Carlo interval: power ± 1.96 binomial standard errors."""
        return (self.power - 1.96 * self.mc_se, self.power + 1.96 * self.mc_se)

    def __repr__(self) -> str:
        return (
            f"SimulatedPower(n={self.n}, power={self.power:.4f} ± {self.mc_se:.4f} (MC SE), "
            f"reps={self.reps}, alpha={self.alpha:g}, mean b3={self.mean_b3:.4f} "
            f"(true {self.true_b3:.4f}))"
        )

    def to_frame(self) -> pd.DataFrame:
        row = {
            "n": self.n,
            "power": self.power,
            "mc_se": self.mc_se,
            "reps": self.reps,
            "alpha": self.alpha,
            "mean_b3": self.mean_b3,
            "true_b3": self.true_b3,
            "seed": self.seed,
            **_scenario_rows(self.scenario),
        }
        return pd.DataFrame([row])


def simulate_power(
    scenario: InteractionScenario,
    n: int,
    *,
    reps: int = 10_000,
    alpha: float = 0.05,
    seed: int | np.random.Generator | None = None,
) -> SimulatedPower:
    """Power by simulation: fit y ~ x1 + x2 + x1*x2 by OLS to ``reps`` simulated data sets
    and count how often the interaction's t test (on n - 4 df) has p < ``alpha``.

    Replications are drawn and fitted in batches of 500 with :func:`batched_ols`. With a
    given integer ``seed`` the result is always the same. The Monte-Carlo standard error is
    the binomial ``sqrt(p * (1 - p) / reps)``.
    """
    if not isinstance(scenario, InteractionScenario):
        raise TypeError(f"scenario must be an InteractionScenario; got {type(scenario).__name__}")
    n = _check_n("n", n)
    reps = _check_reps(reps)
    alpha = _check_probability("alpha", alpha)
    rng = _rng(seed)
    critical = stats.t.isf(alpha / 2, n - 4)
    hits, b3_sum, done = 0, 0.0, 0
    while done < reps:
        size = min(_CHUNK, reps - done)
        fit = _fit_from_columns(_simulate_columns(scenario, n, size, rng))
        hits += int(np.count_nonzero(np.abs(fit.tvalues[:, 3]) > critical))
        b3_sum += float(fit.params[:, 3].sum())
        done += size
    power = hits / reps
    return SimulatedPower(
        n=n,
        power=power,
        mc_se=math.sqrt(power * (1 - power) / reps),
        reps=reps,
        alpha=alpha,
        mean_b3=b3_sum / reps,
        true_b3=scenario.coefficients()["b3"],
        scenario=scenario,
        seed=None if isinstance(seed, np.random.Generator) else seed,
    )


# ---- power curves and sample size ------------------------------------------------------


@dataclass(frozen=True)
class PowerCurve:
    """Power over a range of sample sizes, analytic and (optionally) simulated."""

    n: tuple[int, ...]
    power: tuple[float, ...]
    alpha: float
    scenario: InteractionScenario
    simulated: tuple[float, ...] | None = None
    mc_se: tuple[float, ...] | None = None
    reps: int | None = None

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}: {p:.3f}" for n, p in zip(self.n, self.power, strict=True))
        extra = f", simulated with {self.reps} replications" if self.simulated else ""
        return f"PowerCurve(alpha={self.alpha:g}{extra}; n: power = {parts})"

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"n": list(self.n), "power": list(self.power)})
        if self.simulated is not None and self.mc_se is not None:
            frame["simulated_power"] = list(self.simulated)
            frame["mc_se"] = list(self.mc_se)
        return frame

    def plot(self, ax: Any = None, *, target: float | None = 0.8, label: str | None = None):
        """Power against sample size; simulated points with 95% Monte-Carlo intervals."""
        from . import plotting

        if ax is None:
            fig, ax = plotting.figure()
        else:
            fig = ax.figure
        # The analytic curve on a fine grid, so that it is smooth between the requested sizes.
        grid = np.unique(np.linspace(min(self.n), max(self.n), 200).round())
        smooth = _analytic_power(self.scenario.f2, grid, self.alpha)
        ax.plot(grid, smooth, color=plotting.PALETTE["blue"], label=label or "analytic")
        if self.simulated is not None and self.mc_se is not None:
            ax.errorbar(
                self.n,
                self.simulated,
                yerr=1.96 * np.asarray(self.mc_se),
                fmt="o",
                color=plotting.PALETTE["vermillion"],
                markersize=4,
                capsize=2,
                label=f"simulated ({self.reps:,} replications)",
            )
        if target is not None:
            ax.axhline(target, color=plotting.PALETTE["black"], linestyle=":", linewidth=1)
        ax.set_xlabel("Sample size (N)")
        ax.set_ylabel("Power")
        ax.set_ylim(0, 1)
        ax.legend(loc="lower right")
        return fig


def power_curve(
    scenario: InteractionScenario,
    ns: Iterable[int],
    *,
    alpha: float = 0.05,
    simulate: bool = False,
    reps: int = 10_000,
    seed: int | None = None,
) -> PowerCurve:
    """Analytic power at each sample size in ``ns``, and simulated power too if ``simulate``."""
    if not isinstance(scenario, InteractionScenario):
        raise TypeError(f"scenario must be an InteractionScenario; got {type(scenario).__name__}")
    sizes = tuple(_check_n("n", n) for n in ns)
    if not sizes:
        raise ValueError("ns must hold at least one sample size; got none")
    alpha = _check_probability("alpha", alpha)
    power = _analytic_power(scenario.f2, np.array(sizes, dtype=float), alpha)
    simulated = mc_se = None
    if simulate:
        rng = _rng(seed)
        runs = [simulate_power(scenario, n, reps=reps, alpha=alpha, seed=rng) for n in sizes]
        simulated = tuple(run.power for run in runs)
        mc_se = tuple(run.mc_se for run in runs)
    return PowerCurve(
        n=sizes,
        power=tuple(float(p) for p in power),
        alpha=alpha,
        scenario=scenario,
        simulated=simulated,
        mc_se=mc_se,
        reps=reps if simulate else None,
    )


@dataclass(frozen=True)
class SampleSize:
    """The smallest N whose analytic power reaches the target."""

    n: int
    target_power: float
    power: float
    power_below: float | None
    alpha: float
    scenario: InteractionScenario

    def __repr__(self) -> str:
        below = "" if self.power_below is None else f", power at n-1={self.power_below:.4f}"
        return (
            f"SampleSize(n={self.n} for target power {self.target_power:g}: "
            f"power={self.power:.4f}{below}, alpha={self.alpha:g})"
        )

    def to_frame(self) -> pd.DataFrame:
        row = {
            "n": self.n,
            "target_power": self.target_power,
            "power": self.power,
            "power_below": self.power_below,
            "alpha": self.alpha,
            **_scenario_rows(self.scenario),
        }
        return pd.DataFrame([row])

    def plot(self, ax: Any = None):
        """The power curve up to about twice the required N, with the answer marked."""
        from . import plotting

        top = max(2 * self.n, MIN_N + 10)
        curve = power_curve(self.scenario, [MIN_N, top], alpha=self.alpha)
        fig = curve.plot(ax, target=self.target_power)
        ax = fig.axes[0] if ax is None else ax
        ax.axvline(self.n, color=plotting.PALETTE["orange"], linestyle="--", linewidth=1)
        ax.annotate(f"N = {self.n}", (self.n, 0.05), xytext=(5, 0), textcoords="offset points")
        return fig


def sample_size(
    scenario: InteractionScenario, target_power: float = 0.8, *, alpha: float = 0.05
) -> SampleSize:
    """The smallest N with analytic power >= ``target_power``: power(N - 1) < target <= power(N)."""
    if not isinstance(scenario, InteractionScenario):
        raise TypeError(f"scenario must be an InteractionScenario; got {type(scenario).__name__}")
    target_power = _check_probability("target_power", target_power)
    alpha = _check_probability("alpha", alpha)
    if target_power <= alpha:
        raise ValueError(
            f"target_power must be above alpha ({alpha:g}), the power of a test of no effect; "
            f"got {target_power:g}"
        )

    def power_at(n: int) -> float:
        return float(_analytic_power(scenario.f2, np.array([n], dtype=float), alpha)[0])

    if power_at(MIN_N) >= target_power:
        return SampleSize(MIN_N, target_power, power_at(MIN_N), None, alpha, scenario)
    low, high = MIN_N, 2 * MIN_N  # power(low) < target throughout
    while power_at(high) < target_power:
        low, high = high, 2 * high
        if high > _MAX_N:
            raise ValueError(
                f"target_power {target_power:g} is not reached below N = {_MAX_N:,} "
                f"(f2 = {scenario.f2:.3g}); is r_x1x2_y zero or tiny?"
            )
    while high - low > 1:
        middle = (low + high) // 2
        if power_at(middle) >= target_power:
            high = middle
        else:
            low = middle
    return SampleSize(high, target_power, power_at(high), power_at(high - 1), alpha, scenario)


# ---- Gelman's 16 -----------------------------------------------------------------------


@dataclass(frozen=True)
class SixteenTimes:
    """Gelman's comparison of an interaction with a main effect in a balanced 2x2 design."""

    main_z: float
    effect_ratio: float
    se_ratio: float
    alpha: float
    main_power: float
    interaction_z: float
    interaction_power: float
    sample_multiplier: float

    def __repr__(self) -> str:
        return (
            f"SixteenTimes(main effect {self.main_z:g} SE from zero, power "
            f"{self.main_power:.4f}; interaction {self.effect_ratio:g}x as large with "
            f"{self.se_ratio:g}x the SE is {self.interaction_z:.3g} SE from zero, power "
            f"{self.interaction_power:.4f}; equal power needs {self.sample_multiplier:g}x "
            f"the sample)"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "quantity": [
                    "main effect: estimate / SE",
                    "main effect power",
                    "interaction: estimate / SE",
                    "interaction power",
                    "sample multiplier for equal power",
                ],
                "value": [
                    self.main_z,
                    self.main_power,
                    self.interaction_z,
                    self.interaction_power,
                    self.sample_multiplier,
                ],
            }
        )


def _two_sided_power(z: float, critical: float) -> float:
    """Power of a two-sided z test when the estimate is ``z`` standard errors from zero."""
    return float(stats.norm.cdf(z - critical) + stats.norm.cdf(-z - critical))


def gelman_sixteen(
    main_z: float = 2.8, effect_ratio: float = 0.5, *, alpha: float = 0.05
) -> SixteenTimes:
    """Gelman (2018): why an interaction needs about 16 times the sample of a main effect.

    In a balanced design with two binary factors and N people, a main effect is a difference
    of two means of N/2 people each, with SE ``2*sigma/sqrt(N)``; the interaction is a
    difference of two differences of means of N/4 people each, with SE ``4*sigma/sqrt(N)``:
    twice as large. Gelman's main effect is ``main_z`` = 2.8 standard errors from zero
    (1.96 + 0.84: 80% power for a two-sided test at 0.05). An interaction ``effect_ratio``
    times as large is ``effect_ratio * main_z / 2`` of its own standard errors from zero: 0.7,
    which gives power 0.1077. Standard errors shrink with sqrt(N), so equal power needs
    ``(2 / effect_ratio)**2`` times the sample: 16 for an interaction half the main effect.
    """
    alpha = _check_probability("alpha", alpha)
    for name, value in (("main_z", main_z), ("effect_ratio", effect_ratio)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise TypeError(f"{name} must be a number; got {type(value).__name__}")
        if not value > 0 or not math.isfinite(value):
            raise ValueError(f"{name} must be a positive number; got {value}")
    critical = float(stats.norm.isf(alpha / 2))
    se_ratio = 2.0
    interaction_z = effect_ratio * main_z / se_ratio
    return SixteenTimes(
        main_z=float(main_z),
        effect_ratio=float(effect_ratio),
        se_ratio=se_ratio,
        alpha=alpha,
        main_power=_two_sided_power(main_z, critical),
        interaction_z=interaction_z,
        interaction_power=_two_sided_power(interaction_z, critical),
        sample_multiplier=(se_ratio / effect_ratio) ** 2,
    )
