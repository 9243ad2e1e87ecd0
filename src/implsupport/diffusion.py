"""Diffusion of evidence-based practice across sites: the Bass model and an illustrative extension.

**The Bass (1969) model.** A share ``F(t)`` of a population of potential adopters (services,
local authorities) uses an innovation at time ``t``; non-adopters take it up at the rate
``dF/dt = (p + q F)(1 - F)``. ``p`` is the coefficient of innovation (external influence:
the *push* of funding rounds, mandates and purveyor outreach) and ``q`` the coefficient of
imitation (internal influence: peers and visible success, the *pull*). The closed form is
``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``, with peak adoption rate at
``t* = ln(q/p)/(p+q)`` where ``F(t*) = (1 - p/q)/2`` (when ``q > p``).

What is here:

- :class:`BassModel`: the closed form ``F(t)``, the adoption rate ``f(t)``, adoptions per period,
  the peak time and level.
- :func:`simulate_bass`: adoption as a stochastic event over a population of sites. In each
  step of length ``dt`` every non-adopting site adopts with probability ``(p + q F) dt``, where
  ``F`` is the share using at the start of the step (Bass's discrete form, exact in expectation).
- :func:`fit_bass_nls` (nonlinear least squares, scipy) and :func:`fit_bass_ols` (Bass's
  discrete regression ``S_t = a + b N_{t-1} + c N_{t-1}^2``, statsmodels, with delta-method
  standard errors) estimate ``m, p, q`` from adoption counts.
- :class:`Strategy`, :func:`simulate_strategy`, :func:`compare_strategies` and
  :func:`sensitivity`: an **ILLUSTRATIVE** extension for what co-creation adds (below).

**The illustrative co-creation extension.** This is a teaching model, not an estimated one;
every parameter is an assumption to be varied, never a finding. Each site is in one of three
states: not (yet) using, using, or discontinued. While implementation support lasts (``t <
support_ends``), non-users adopt with probability ``(p + q F) dt``. A site that uses the
evidence while supported builds a relationship or trust stock ``R`` in [0, 1]:
``R`` grows toward 1 at rate ``trust_build`` per year of supported use (``1 - R`` shrinks by
the factor ``exp(-trust_build dt)`` each step). When support is withdrawn, external influence
stops (``p`` falls to 0; peer influence ``q F`` continues), ``R`` is frozen, and each using site
discontinues with hazard ``discontinue * (1 - R)`` per year. So adoption persists where trust
was built and decays where adoption was only pushed. Discontinued sites do not re-adopt within
the horizon (a simplification). Without withdrawal (``support_ends=None``) nobody discontinues,
and the model reduces to the stochastic Bass process.

Every random process takes an explicit ``seed`` (an int or a :class:`numpy.random.Generator`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from . import plotting

__all__ = [
    "STRATEGIES",
    "BassFit",
    "BassModel",
    "BassSimulation",
    "SensitivityAnalysis",
    "Strategy",
    "StrategyComparison",
    "StrategyRun",
    "bass_cdf",
    "bass_pdf",
    "compare_strategies",
    "fit_bass_nls",
    "fit_bass_ols",
    "sensitivity",
    "simulate_bass",
    "simulate_strategy",
]


# ---- input checks --------------------------------------------------------------------------


def _rate(name: str, value: Any, *, positive: bool = False) -> float:
    """A finite, non-negative (or positive) rate, or a ValueError that says which one."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        wanted = "a positive number" if positive else "a non-negative number"
        raise ValueError(f"{name} must be {wanted}; got {value}")
    return value


def _count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    return int(value)


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed must be an int or a numpy Generator (an explicit seed keeps results "
            f"reproducible); got {type(seed).__name__}"
        )
    return np.random.default_rng(int(seed))


def _common_seed(seed: Any) -> int:
    """An int seed, so that every run in a comparison gets the same random numbers."""
    if isinstance(seed, np.random.Generator):
        raise TypeError(
            "seed must be an int here (not a Generator), so that every run in the comparison "
            "draws the same random numbers"
        )
    _rng(seed)
    return int(seed)


def _series(name: str, values: Any) -> np.ndarray:
    """A 1-D array of finite numbers, or an error naming the argument."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers ({exc})") from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty: at least 4 periods of adoption counts are needed")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold only finite numbers (no NaN or infinity)")
    return array


def _time_label(t: Any) -> str:
    """The x-axis label for the times ``t`` as given: a named column's name (its unit, such as
    "year"), "time (end of period)" for unnamed times, "period t" for the default 1, 2, ..."""
    if t is None:
        return "period t"
    name = getattr(t, "name", None)
    return str(name) if name is not None and str(name).strip() else "time (end of period)"


def _counts_and_times(counts: Any, t: Any) -> tuple[np.ndarray, np.ndarray]:
    counts = _series("counts", counts)
    if np.any(counts < 0):
        raise ValueError(f"counts must be non-negative; found {counts.min():g}")
    if counts.size < 4:
        raise ValueError(
            f"counts has {counts.size} periods; at least 4 are needed to estimate m, p and q "
            "with a residual degree of freedom"
        )
    if counts.sum() <= 0:
        raise ValueError("counts are all zero: there is no adoption to fit")
    if t is None:
        times = np.arange(1.0, counts.size + 1.0)
    else:
        times = _series("t", t)
        if times.size != counts.size:
            raise ValueError(
                f"t and counts must have the same length; got {times.size} and {counts.size}"
            )
        if np.any(np.diff(times) <= 0):
            raise ValueError("t must be strictly increasing")
    return counts, times


# ---- the closed form ------------------------------------------------------------------------


def bass_cdf(t: Any, p: float, q: float) -> np.ndarray | float:
    """Cumulative share adopted by time ``t``: ``(1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    p, q = _rate("p", p, positive=True), _rate("q", q)
    t = np.asarray(t, dtype=float)
    decay = np.exp(-(p + q) * t)
    out = (1.0 - decay) / (1.0 + (q / p) * decay)
    return float(out) if out.ndim == 0 else out


def bass_pdf(t: Any, p: float, q: float) -> np.ndarray | float:
    """Adoption rate (share per unit time) at ``t``: ``dF/dt = (p + q F)(1 - F)``."""
    p, q = _rate("p", p, positive=True), _rate("q", q)
    t = np.asarray(t, dtype=float)
    decay = np.exp(-(p + q) * t)
    out = ((p + q) ** 2 / p) * decay / (1.0 + (q / p) * decay) ** 2
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class BassModel:
    """The Bass model with innovation ``p``, imitation ``q`` and market potential ``m``.

    ``m`` is the number of sites that will eventually adopt (1 gives shares).
    """

    p: float
    q: float
    m: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", _rate("p", self.p, positive=True))
        object.__setattr__(self, "q", _rate("q", self.q))
        object.__setattr__(self, "m", _rate("m", self.m, positive=True))

    def cdf(self, t: Any) -> np.ndarray | float:
        """Share of the potential adopters using by time ``t``."""
        return bass_cdf(t, self.p, self.q)

    def pdf(self, t: Any) -> np.ndarray | float:
        """Adoption rate at ``t``, in shares per unit time."""
        return bass_pdf(t, self.p, self.q)

    def adopters(self, t: Any) -> np.ndarray | float:
        """Cumulative adopters by ``t``: ``m F(t)``."""
        return self.m * self.cdf(t)

    def period_adoptions(self, t: Any) -> np.ndarray | float:
        """Adoptions in the unit period ending at ``t``: ``m (F(t) - F(t - 1))``."""
        t = np.asarray(t, dtype=float)
        return self.m * (self.cdf(t) - self.cdf(t - 1.0))

    @property
    def peak_time(self) -> float:
        """When adoptions peak: ``ln(q/p)/(p+q)``, or 0 when ``q <= p`` (they start highest)."""
        return math.log(self.q / self.p) / (self.p + self.q) if self.q > self.p else 0.0

    @property
    def peak_share(self) -> float:
        """Share adopted at the peak: ``(1 - p/q)/2``, or 0 when ``q <= p``."""
        return (1.0 - self.p / self.q) / 2.0 if self.q > self.p else 0.0

    @property
    def peak_rate(self) -> float:
        """Adoptions per unit time at the peak: ``m (p+q)^2 / (4q)`` when ``q > p``."""
        return self.m * float(self.pdf(self.peak_time))

    def to_frame(self, t: Any = None) -> pd.DataFrame:
        """One row per time: cumulative share, adoption rate and cumulative adopters."""
        t = np.arange(0.0, 21.0) if t is None else np.asarray(t, dtype=float)
        return pd.DataFrame(
            {
                "t": t,
                "cumulative_share": self.cdf(t),
                "adoption_rate": self.pdf(t),
                "adopters": self.adopters(t),
            }
        )

    def plot(self, t: Any = None, ax: Any = None) -> Any:
        """Draw the cumulative share and the adoption rate, with the peak marked."""
        t = np.linspace(0.0, 20.0, 201) if t is None else np.asarray(t, dtype=float)
        fig, ax = plotting.figure() if ax is None else (ax.figure, ax)
        ax.plot(t, self.cdf(t), color=plotting.PALETTE["blue"], label="cumulative share F(t)")
        ax.plot(t, self.pdf(t), color=plotting.PALETTE["orange"], label="adoption rate f(t)")
        if self.q > self.p:
            ax.axvline(self.peak_time, color=plotting.PALETTE["black"], lw=0.8, ls=":")
            ax.annotate(
                f"peak t* = {self.peak_time:.2f}",
                (self.peak_time, self.peak_share),
                xytext=(6, 0),
                textcoords="offset points",
                fontsize=9,
            )
        ax.set_xlabel("time (years)")
        ax.set_ylabel("share of potential adopters")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="center right")
        return fig

    def __repr__(self) -> str:
        peak = (
            f"peak at t* = {self.peak_time:.4f} with F(t*) = {self.peak_share:.4f}"
            if self.q > self.p
            else "no interior peak (q <= p: adoptions are highest at the start)"
        )
        return f"BassModel(p={self.p:g}, q={self.q:g}, m={self.m:g}): {peak}"


# ---- stochastic simulation over sites -------------------------------------------------------


@dataclass(frozen=True, repr=False)
class BassSimulation:
    """Cumulative adopters over time in simulated populations of sites (one row per replication)."""

    p: float
    q: float
    n_sites: int
    dt: float
    times: np.ndarray
    adopters: np.ndarray  # shape (replications, len(times)): cumulative adopters

    @property
    def replications(self) -> int:
        return int(self.adopters.shape[0])

    @property
    def shares(self) -> np.ndarray:
        return self.adopters / self.n_sites

    def period_adoptions(self, replication: int = 0) -> np.ndarray:
        """New adopters in each step of one replication (for fitting)."""
        return np.diff(self.adopters[replication])

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per replication and time, with adopters and share."""
        reps, steps = self.adopters.shape
        return pd.DataFrame(
            {
                "replication": np.repeat(np.arange(reps), steps),
                "t": np.tile(self.times, reps),
                "adopters": self.adopters.ravel(),
                "share": self.shares.ravel(),
            }
        )

    def plot(self, ax: Any = None, max_lines: int = 50) -> Any:
        """Replications (thin), their mean (thick) and the closed-form Bass curve (dashed)."""
        fig, ax = plotting.figure() if ax is None else (ax.figure, ax)
        for row in self.shares[:max_lines]:
            times, shares = plotting.without_flat_runs(self.times, row)  # a smaller figure file
            ax.plot(times, shares, color=plotting.PALETTE["sky"], lw=0.6, alpha=0.35)
        ax.plot(self.times, self.shares.mean(axis=0), color=plotting.PALETTE["blue"], lw=2.2)
        ax.plot(
            self.times,
            bass_cdf(self.times, self.p, self.q),
            color=plotting.PALETTE["black"],
            ls="--",
            lw=1.2,
        )
        ax.plot([], [], color=plotting.PALETTE["sky"], label="simulated populations")
        ax.plot([], [], color=plotting.PALETTE["blue"], lw=2.2, label="mean of simulations")
        ax.plot([], [], color=plotting.PALETTE["black"], ls="--", label="closed form F(t)")
        ax.set_xlabel("time (years)")
        ax.set_ylabel("share of sites using")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="lower right")
        return fig

    def __repr__(self) -> str:
        final = self.shares[:, -1]
        return (
            f"BassSimulation(p={self.p:g}, q={self.q:g}, n_sites={self.n_sites}, "
            f"dt={self.dt:g}, replications={self.replications}, horizon={self.times[-1]:g}): "
            f"mean final share {final.mean():.3f}"
        )


def _check_step(p: float, q: float, dt: float) -> None:
    if (p + q) * dt > 1:
        raise ValueError(
            f"(p + q) * dt must be at most 1 so that a step's adoption probability is valid; "
            f"got ({p:g} + {q:g}) * {dt:g} = {(p + q) * dt:g}: use a smaller dt"
        )


def _n_steps(years: float, dt: float) -> int:
    steps = round(years / dt)
    if steps < 1 or not math.isclose(steps * dt, years, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(f"years must be a positive multiple of dt; got years={years}, dt={dt}")
    return steps


def simulate_bass(
    p: float,
    q: float,
    *,
    n_sites: int,
    years: float,
    seed: int | np.random.Generator,
    dt: float = 1.0,
    replications: int = 1,
) -> BassSimulation:
    """Simulate Bass diffusion as a stochastic event at each of ``n_sites`` sites.

    In each step of length ``dt`` every site not yet using adopts with probability
    ``(p + q F) dt``, ``F`` being the share using at the start of the step. The expected
    number adopting then follows Bass's discrete form ``S_t = p m + (q - p) N - (q/m) N^2``
    exactly, and the mean path approaches the closed form ``F(t)`` as ``dt`` shrinks.
    All replications and sites are drawn at once (vectorised) from the seeded generator.
    """
    p, q = _rate("p", p, positive=True), _rate("q", q)
    dt = _rate("dt", dt, positive=True)
    years = _rate("years", years, positive=True)
    n_sites, replications = _count("n_sites", n_sites), _count("replications", replications)
    _check_step(p, q, dt)
    steps = _n_steps(years, dt)
    rng = _rng(seed)
    using = np.zeros((replications, n_sites), dtype=bool)
    adopters = np.zeros((replications, steps + 1), dtype=np.int64)
    for step in range(1, steps + 1):
        share = using.mean(axis=1, keepdims=True)
        adopt = (~using) & (rng.random(using.shape) < (p + q * share) * dt)
        using |= adopt
        adopters[:, step] = using.sum(axis=1)
    times = np.arange(steps + 1) * dt
    return BassSimulation(p, q, n_sites, dt, times, adopters)


# ---- estimation -----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class BassFit:
    """Estimates of ``m, p, q`` with standard errors, from one of the two estimators.

    ``method`` is ``"nls-interval"`` (nonlinear least squares on ``m (F(t) - F(t-1))``),
    ``"nls-density"`` (on ``m f(t)``) or ``"ols"`` (Bass's discrete regression, standard errors
    by the delta method). ``regression`` holds the OLS coefficients ``a, b, c`` for ``"ols"``.
    """

    method: str
    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    resid_se: float
    df_resid: int
    t: np.ndarray
    counts: np.ndarray
    fitted: np.ndarray
    regression: pd.DataFrame | None = None
    #: What ``t`` is: "period t" for periods 1, 2, ..., else the time column's name.
    time_label: str = "period t"

    @property
    def model(self) -> BassModel:
        return BassModel(p=self.params["p"], q=self.params["q"], m=self.params["m"])

    @property
    def nobs(self) -> int:
        return int(self.counts.size)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals ``estimate ± t_{1-alpha/2, df} SE`` (t with the residual df)."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
        crit = stats.t.ppf(1 - alpha / 2, self.df_resid)
        return pd.DataFrame(
            {"lower": self.params - crit * self.bse, "upper": self.params + crit * self.bse}
        )

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per parameter: estimate, standard error, t value and confidence interval."""
        ci = self.conf_int(alpha)
        return pd.DataFrame(
            {
                "estimate": self.params,
                "std_error": self.bse,
                "t_value": self.params / self.bse,
                "ci_lower": ci["lower"],
                "ci_upper": ci["upper"],
            }
        ).rename_axis("parameter")

    def plot(self, ax: Any = None) -> Any:
        """Observed adoptions per period (bars) against the fitted curve."""
        fig, ax = plotting.figure() if ax is None else (ax.figure, ax)
        ax.bar(self.t, self.counts, color=plotting.PALETTE["sky"], label="observed adoptions")
        ax.plot(
            self.t, self.fitted, "o-", color=plotting.PALETTE["vermillion"], label="fitted Bass"
        )
        ax.set_xlabel(self.time_label)
        ax.set_ylabel("adoptions in period")
        ax.legend(loc="upper left")
        return fig

    def __repr__(self) -> str:
        table = self.to_frame()[["estimate", "std_error"]]
        lines = [f"BassFit({self.method}, n={self.nobs})"]
        for name, row in table.iterrows():
            lines.append(f"  {name:<2} = {row['estimate']:.6g} (SE {row['std_error']:.4g})")
        lines.append(f"  residual SE {self.resid_se:.4g} on {self.df_resid} df")
        return "\n".join(lines)


def _ols_design(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Design of Bass's regression: S_t on 1, N_{t-1}, N_{t-1}^2 (N_0 = 0)."""
    before = np.concatenate([[0.0], np.cumsum(counts)[:-1]])
    return np.column_stack([np.ones_like(before), before, before**2]), before


def _mpq_from_abc(a: float, b: float, c: float) -> tuple[float, float, float]:
    """Invert ``a = p m``, ``b = q - p``, ``c = -q/m`` (taking the positive root for m)."""
    if c >= 0:
        raise ValueError(
            f"the regression's N^2 coefficient c = {c:.4g} must be negative for a Bass curve "
            "(the counts do not rise and fall as diffusion does)"
        )
    disc = b * b - 4 * a * c
    if disc < 0:
        raise ValueError("the regression coefficients imply no real market potential m")
    m = (-b - math.sqrt(disc)) / (2 * c)
    p, q = a / m, -c * m
    if m <= 0 or p <= 0:
        raise ValueError(
            f"the regression coefficients imply m = {m:.4g} and p = {p:.4g}; both must be "
            "positive for a Bass curve"
        )
    return m, p, q


def _mpq_jacobian(a: float, b: float, c: float) -> np.ndarray:
    """d(m, p, q) / d(a, b, c), analytically, for the delta method."""
    root = math.sqrt(b * b - 4 * a * c)
    m = (-b - root) / (2 * c)
    dm = np.array(
        [1 / root, (-1 - b / root) / (2 * c), (4 * a * c / root + 2 * b + 2 * root) / (4 * c * c)]
    )
    dp = (np.array([m, 0.0, 0.0]) - a * dm) / m**2
    dq = -np.array([0.0, 0.0, m]) - c * dm
    return np.vstack([dm, dp, dq])


def fit_bass_ols(counts: Any) -> BassFit:
    """Bass's (1969) discrete regression ``S_t = a + b N_{t-1} + c N_{t-1}^2`` by OLS.

    ``counts`` are adoptions in consecutive equal periods (``S_1, S_2, ...``), and ``N_{t-1}``
    the cumulative adoptions before period ``t``. Then ``m`` is the positive root of
    ``c m^2 + b m + a = 0``, ``p = a/m`` and ``q = -c m``; their standard errors come from the
    OLS covariance by the delta method (first-order, so approximate in small samples).
    """
    import statsmodels.api as sm  # imported here: slow, and only the OLS estimator needs it

    counts, t = _counts_and_times(counts, None)
    design, _ = _ols_design(counts)
    result = sm.OLS(counts, design).fit()
    a, b, c = (float(v) for v in result.params)
    m, p, q = _mpq_from_abc(a, b, c)
    jac = _mpq_jacobian(a, b, c)
    cov = jac @ np.asarray(result.cov_params()) @ jac.T
    names = ["m", "p", "q"]
    regression = pd.DataFrame(
        {"estimate": result.params, "std_error": result.bse},
        index=pd.Index(["a", "b", "c"], name="coefficient"),
    )
    return BassFit(
        method="ols",
        params=pd.Series([m, p, q], index=names),
        bse=pd.Series(np.sqrt(np.diag(cov)), index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        resid_se=float(math.sqrt(result.scale)),
        df_resid=int(result.df_resid),
        t=t,
        counts=counts,
        fitted=np.asarray(result.fittedvalues, dtype=float),
        regression=regression,
    )


def _unchecked_cdf(t: np.ndarray, p: Any, q: Any) -> np.ndarray:
    decay = np.exp(-(p + q) * t)
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def _period_bounds(times: np.ndarray, period_start: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each period on the model's clock, which reads 0 when the first starts.

    Period ``i`` ends at ``times[i]`` and starts where period ``i - 1`` ended; the first starts
    at ``period_start``, by default one period (the length of the second) before its end.
    """
    if period_start is None:
        first = times[0] - (times[1] - times[0])
    else:
        if isinstance(period_start, bool) or not isinstance(period_start, Real):
            raise TypeError(f"period_start must be a number; got {type(period_start).__name__}")
        first = float(period_start)
        if not math.isfinite(first):
            raise ValueError(f"period_start must be a finite number; got {first}")
        if not first < times[0]:
            raise ValueError(
                f"the first period must start before it ends: period_start = {first:g}, "
                f"but the first period ends at {times[0]:g}"
            )
    ends = times - first
    starts = np.concatenate([[0.0], ends[:-1]])
    return starts, ends


def _nls_mean(form: str, starts: np.ndarray, ends: np.ndarray):
    """Expected adoptions per period as a function of (log m, log p, log q).

    Working on the log scale keeps the optimiser inside m, p, q > 0. Every operation is
    analytic, so the same function evaluated at complex arguments gives the exact Jacobian
    by the complex step (Squire & Trapp 1998), with no finite-difference error.
    """
    lengths = ends - starts

    def interval(theta: np.ndarray) -> np.ndarray:
        m, p, q = np.exp(theta)
        return m * (_unchecked_cdf(ends, p, q) - _unchecked_cdf(starts, p, q))

    def density(theta: np.ndarray) -> np.ndarray:
        # The adoption rate at the end of the period times its length.
        m, p, q = np.exp(theta)
        decay = np.exp(-(p + q) * ends)
        return lengths * m * ((p + q) ** 2 / p) * decay / (1.0 + (q / p) * decay) ** 2

    return interval if form == "interval" else density


def _complex_step_jacobian(mean, theta: np.ndarray) -> np.ndarray:
    step = 1e-30
    columns = []
    for k in range(theta.size):
        shifted = theta.astype(complex)
        shifted[k] += 1j * step
        columns.append(mean(shifted).imag / step)
    return np.column_stack(columns)


def _gauss_newton_polish(
    mean, counts: np.ndarray, theta: np.ndarray, max_steps: int = 50
) -> np.ndarray:
    """Newton-type steps from a nearby optimum until the residual sum of squares stops falling.

    ``curve_fit`` stops when its own tolerances (about 1e-8 relative) are met, which leaves
    the last printed digits to chance and to the machine's floating-point kernels. From there
    a few Gauss-Newton steps with the exact Jacobian reach the least-squares minimum to
    rounding error, so every machine prints the same digits.
    """
    rss = float(np.sum((counts - mean(theta)) ** 2))
    for _ in range(max_steps):
        jac = _complex_step_jacobian(mean, theta)
        step = np.linalg.lstsq(jac, counts - mean(theta), rcond=None)[0]
        candidate = theta + step
        candidate_rss = float(np.sum((counts - mean(candidate)) ** 2))
        # Near the minimum the sum of squares is flat to rounding, so a step is kept unless
        # it makes the fit worse by more than rounding could.
        if not candidate_rss <= rss * (1 + 1e-13):
            break
        theta, rss = candidate, min(rss, candidate_rss)
        if np.max(np.abs(step)) < 1e-13:  # relative change in m, p and q (log scale)
            break
    return theta


def fit_bass_nls(
    counts: Any,
    t: Any = None,
    *,
    form: str = "interval",
    start: Sequence[float] | None = None,
    period_start: float | None = None,
) -> BassFit:
    """Nonlinear least squares for ``m, p, q`` (Levenberg–Marquardt, then polished to the minimum).

    ``t`` holds the time at which each period ends (default 1, 2, ...), in any unit: years,
    half-years, calendar years. Period ``i`` runs from the end of period ``i - 1`` to ``t[i]``;
    the first starts at ``period_start``, by default one period before ``t[0]``. The model's
    clock starts (``F = 0``) when the first period starts, and ``p`` and ``q`` are per unit of
    ``t``.

    ``form="interval"`` fits ``m (F(end) - F(start))``: the adoptions expected in each period,
    the exact model for counts per period. ``form="density"`` fits ``m f(end)`` times the
    period's length: the adoption *rate* at the period's end, which is how many published
    tutorials (and R ``nls`` examples) write the model; it approximates the count by the rate.
    ``start`` is the starting ``(m, p, q)`` (default: the OLS estimates when they exist).

    The Levenberg–Marquardt fit is polished with Gauss–Newton steps and an exact (complex-step)
    Jacobian, so the estimates are the least-squares minimum to rounding error, as R's
    ``minpack.lm::nlsLM`` finds it with tight tolerances. Standard errors are from that
    Jacobian scaled by the residual variance, as in R's ``nls``.
    """
    if form not in {"interval", "density"}:
        raise ValueError(f"form must be 'interval' or 'density'; got {form!r}")
    counts, times = _counts_and_times(counts, t)
    starts, ends = _period_bounds(times, period_start)
    lengths = ends - starts
    if start is None:
        # Bass's regression works per period; with equal periods it converts to the time unit.
        try:
            equal = bool(np.allclose(lengths, lengths[0], rtol=1e-9))
            ols = fit_bass_ols(counts).params if equal else None
        except ValueError:
            ols = None
        start = (
            None
            if ols is None
            else (float(ols["m"]), float(ols["p"] / lengths[0]), float(ols["q"] / lengths[0]))
        )
        if start is None or not np.all(np.isfinite(start)) or min(start) <= 0:
            start = (1.5 * counts.sum(), 0.01 / lengths[0], 0.4 / lengths[0])
    else:
        start = tuple(_rate(name, v, positive=True) for name, v in zip("mpq", start, strict=True))
    mean = _nls_mean(form, starts, ends)
    with warnings.catch_warnings():
        # curve_fit's covariance is not used (it is recomputed below from the exact Jacobian),
        # so its warning that it could not estimate one is not the user's concern.
        warnings.simplefilter("ignore", optimize.OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow while exploring
        try:
            theta, _ = optimize.curve_fit(
                lambda _t, *theta: mean(np.asarray(theta)),
                ends,
                counts,
                p0=np.log(start),
                jac=lambda _t, *theta: _complex_step_jacobian(mean, np.asarray(theta)),
                maxfev=20000,
            )
        except (RuntimeError, ValueError) as exc:
            raise ValueError(f"nonlinear least squares did not converge: {exc}") from exc
        theta = _gauss_newton_polish(mean, counts, theta)
        fitted = mean(theta)
        jac = _complex_step_jacobian(mean, theta)
    df_resid = counts.size - 3
    rss = float(np.sum((counts - fitted) ** 2))
    if not np.all(np.isfinite(jac)) or np.linalg.matrix_rank(jac) < 3:
        raise ValueError("nonlinear least squares gave no finite standard errors (flat fit)")
    # Gauss-Newton covariance s^2 (J'J)^-1 on the log scale, back to the natural scale: at the
    # optimum it transforms exactly by the Jacobian diag(m, p, q).
    _, r = np.linalg.qr(jac)
    r_inv = np.linalg.inv(r)
    log_cov = (rss / df_resid) * (r_inv @ r_inv.T)
    params = np.exp(theta)
    cov = log_cov * np.outer(params, params)
    names = ["m", "p", "q"]
    return BassFit(
        method=f"nls-{form}",
        params=pd.Series(params, index=names),
        bse=pd.Series(np.sqrt(np.diag(cov)), index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        resid_se=float(np.sqrt(rss / df_resid)),
        df_resid=df_resid,
        t=times,
        counts=counts,
        fitted=np.asarray(fitted, dtype=float),
        time_label=_time_label(t),
    )


# ---- the illustrative co-creation extension -------------------------------------------------


@dataclass(frozen=True)
class Strategy:
    """One support strategy in the ILLUSTRATIVE co-creation model (all values are assumptions).

    - ``p``: external influence per year while support lasts (the push);
    - ``q``: peer influence per year (the pull), which continues after support ends;
    - ``trust_build``: rate per year of supported use at which a site's relationship or trust
      stock grows toward 1;
    - ``discontinue``: hazard per year, after support ends, of a site dropping the evidence
      when it has no trust stock (scaled by ``1 - R``).
    """

    name: str
    p: float
    q: float
    trust_build: float
    discontinue: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        object.__setattr__(self, "p", _rate("p", self.p, positive=True))
        for name in ("q", "trust_build", "discontinue"):
            object.__setattr__(self, name, _rate(name, getattr(self, name)))


#: The three strategies compared in the book. ILLUSTRATIVE ASSUMPTIONS, not estimates: push
#: moves sites fast but builds no trust; pull relies on peers and builds a little; co-creation
#: starts slower and builds trust quickly. All share the same discontinuation hazard.
STRATEGIES: dict[str, Strategy] = {
    "push": Strategy("push", p=0.12, q=0.10, trust_build=0.0, discontinue=0.35),
    "pull": Strategy("pull", p=0.02, q=0.45, trust_build=0.15, discontinue=0.35),
    "co-creation": Strategy("co-creation", p=0.04, q=0.35, trust_build=0.5, discontinue=0.35),
}


@dataclass(frozen=True, repr=False)
class StrategyRun:
    """Simulated sites under one strategy: who uses the evidence, over time, per replication."""

    strategy: Strategy
    n_sites: int
    dt: float
    support_ends: float | None
    times: np.ndarray
    using: np.ndarray  # (replications, len(times)): sites using at each time
    ever_adopted: np.ndarray  # (replications, len(times)): sites that have ever adopted
    mean_trust: np.ndarray  # (replications, len(times)): mean trust stock among using sites

    @property
    def share_using(self) -> np.ndarray:
        """Share of sites using, per replication and time."""
        return self.using / self.n_sites

    def time_to(self, share: float = 0.5) -> float:
        """Median over replications of the first time the share using reaches ``share``.

        ``nan`` when more than half the replications never reach it within the horizon.
        """
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1]; got {share}")
        reached = self.share_using >= share
        first = np.where(reached.any(axis=1), self.times[reached.argmax(axis=1)], np.inf)
        median = float(np.median(first))
        return median if math.isfinite(median) else math.nan

    def share_at(self, time: float) -> float:
        """Mean share using at ``time`` (the nearest simulated time at or before it)."""
        if not self.times[0] <= time <= self.times[-1] + 1e-9:
            raise ValueError(f"time must be within [0, {self.times[-1]:g}]; got {time}")
        index = int(np.searchsorted(self.times, time + 1e-9) - 1)
        return float(self.share_using[:, index].mean())

    def summary(self, years_after: float) -> dict[str, float]:
        """Time to 50%, share at withdrawal, share ``years_after`` later and the fraction kept."""
        row: dict[str, float] = {"time_to_50": self.time_to(0.5)}
        if self.support_ends is None:
            row.update(share_at_withdrawal=math.nan, share_after=math.nan, retained=math.nan)
            return row
        at_end = self.share_at(self.support_ends)
        after = self.share_at(self.support_ends + years_after)
        row.update(
            share_at_withdrawal=at_end,
            share_after=after,
            retained=after / at_end if at_end > 0 else math.nan,
        )
        return row

    def to_frame(self) -> pd.DataFrame:
        """Tidy: mean and 10th/90th percentile of the share using, by time."""
        shares = self.share_using
        return pd.DataFrame(
            {
                "strategy": self.strategy.name,
                "t": self.times,
                "share_using": shares.mean(axis=0),
                "share_p10": np.quantile(shares, 0.1, axis=0),
                "share_p90": np.quantile(shares, 0.9, axis=0),
                "share_ever_adopted": (self.ever_adopted / self.n_sites).mean(axis=0),
            }
        )

    def plot(self, ax: Any = None, color: str | None = None) -> Any:
        """Mean share using with a 10–90% band across replications; withdrawal marked."""
        fig, ax = plotting.figure() if ax is None else (ax.figure, ax)
        frame = self.to_frame()
        line = ax.plot(
            frame["t"], frame["share_using"], lw=2, color=color, label=self.strategy.name
        )
        ax.fill_between(
            frame["t"],
            frame["share_p10"],
            frame["share_p90"],
            color=line[0].get_color(),
            alpha=0.15,
        )
        if self.support_ends is not None:
            ax.axvline(self.support_ends, color=plotting.PALETTE["black"], lw=0.8, ls=":")
        ax.set_xlabel("time (years)")
        ax.set_ylabel("share of sites using the evidence")
        ax.set_ylim(0, 1.02)
        return fig

    def __repr__(self) -> str:
        ends = "never" if self.support_ends is None else f"{self.support_ends:g}"
        return (
            f"StrategyRun({self.strategy.name!r}, n_sites={self.n_sites}, "
            f"replications={self.using.shape[0]}, support ends: {ends}; ILLUSTRATIVE model)"
        )


def simulate_strategy(
    strategy: Strategy,
    *,
    n_sites: int = 100,
    years: float = 20.0,
    support_ends: float | None = 8.0,
    seed: int | np.random.Generator,
    dt: float = 0.25,
    replications: int = 200,
) -> StrategyRun:
    """Simulate the ILLUSTRATIVE co-creation model (see the module docstring) for one strategy.

    Support lasts until ``support_ends`` (``None``: never withdrawn). Returns the number of
    sites using, the number that ever adopted and the mean trust stock of users over time.
    """
    if not isinstance(strategy, Strategy):
        raise TypeError(f"strategy must be a Strategy; got {type(strategy).__name__}")
    dt = _rate("dt", dt, positive=True)
    years = _rate("years", years, positive=True)
    n_sites, replications = _count("n_sites", n_sites), _count("replications", replications)
    if support_ends is not None:
        support_ends = _rate("support_ends", support_ends)
        if support_ends > years:
            raise ValueError(f"support_ends ({support_ends}) must not exceed years ({years})")
    _check_step(strategy.p, strategy.q, dt)
    steps = _n_steps(years, dt)
    rng = _rng(seed)

    shape = (replications, n_sites)
    using = np.zeros(shape, dtype=bool)
    stopped = np.zeros(shape, dtype=bool)  # discontinued: out for the rest of the horizon
    trust = np.zeros(shape)
    keep = math.exp(-strategy.trust_build * dt)  # factor by which 1 - R shrinks per step
    series = {k: np.zeros((replications, steps + 1)) for k in ("using", "ever", "trust")}
    for step in range(1, steps + 1):
        start = (step - 1) * dt
        supported = support_ends is None or start < support_ends - 1e-9
        share = using.mean(axis=1, keepdims=True)
        push = strategy.p if supported else 0.0
        draws = rng.random(shape)  # one uniform per site per step: adoption or discontinuation
        adopt = ~using & ~stopped & (draws < (push + strategy.q * share) * dt)
        if supported:
            trust = np.where(using, 1.0 - (1.0 - trust) * keep, trust)
        else:
            hazard = strategy.discontinue * (1.0 - trust)
            drop = using & (draws < 1.0 - np.exp(-hazard * dt))
            using &= ~drop
            stopped |= drop
        using |= adopt
        n_using = using.sum(axis=1)
        series["using"][:, step] = n_using
        series["ever"][:, step] = n_using + stopped.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            series["trust"][:, step] = np.where(
                n_using > 0, (trust * using).sum(axis=1) / n_using, 0.0
            )
    return StrategyRun(
        strategy=strategy,
        n_sites=n_sites,
        dt=dt,
        support_ends=support_ends,
        times=np.arange(steps + 1) * dt,
        using=series["using"].astype(np.int64),
        ever_adopted=series["ever"].astype(np.int64),
        mean_trust=series["trust"],
    )


@dataclass(frozen=True, repr=False)
class StrategyComparison:
    """Several strategies simulated with the same settings and seed (common random numbers)."""

    runs: tuple[StrategyRun, ...]
    years_after: float

    def to_frame(self) -> pd.DataFrame:
        """One row per strategy: its parameters and the three outcomes compared."""
        rows = []
        for run in self.runs:
            s = run.strategy
            rows.append(
                {
                    "strategy": s.name,
                    "p": s.p,
                    "q": s.q,
                    "trust_build": s.trust_build,
                    "discontinue": s.discontinue,
                    **run.summary(self.years_after),
                }
            )
        return pd.DataFrame(rows).set_index("strategy")

    def curves(self) -> pd.DataFrame:
        """Tidy adoption curves of every strategy (see :meth:`StrategyRun.to_frame`)."""
        return pd.concat([run.to_frame() for run in self.runs], ignore_index=True)

    def plot(self, ax: Any = None) -> Any:
        """The strategies' adoption curves on one axis, with support withdrawal marked."""
        fig, ax = plotting.figure(width=7.5, height=4.2) if ax is None else (ax.figure, ax)
        colours = list(plotting.PALETTE.values())
        for run, colour in zip(self.runs, colours, strict=False):
            run.plot(ax=ax, color=colour)
        ends = self.runs[0].support_ends
        if ends is not None:
            ax.annotate(
                "support withdrawn",
                (ends, 1.0),
                xytext=(4, -4),
                textcoords="offset points",
                fontsize=9,
                va="top",
            )
        ax.axhline(0.5, color=plotting.PALETTE["black"], lw=0.6, alpha=0.5)
        ax.legend(loc="lower right", title="strategy")
        return fig

    def __repr__(self) -> str:
        table = self.to_frame()[["time_to_50", "share_at_withdrawal", "share_after", "retained"]]
        return (
            f"StrategyComparison (ILLUSTRATIVE model; share_after = {self.years_after:g} years "
            f"after support ends)\n{table.round(3).to_string()}"
        )


def compare_strategies(
    strategies: Sequence[Strategy] | None = None,
    *,
    years_after: float = 5.0,
    support_ends: float = 8.0,
    n_sites: int = 100,
    years: float = 20.0,
    seed: int,
    dt: float = 0.25,
    replications: int = 200,
) -> StrategyComparison:
    """Simulate each strategy (default: :data:`STRATEGIES`) and compare the outcomes.

    Every strategy is run from the same ``seed``, so differences come from the parameters and
    not from luck. ``years_after`` is how long after support ends the share still using is read.
    """
    strategies = list(STRATEGIES.values()) if strategies is None else list(strategies)
    if not strategies:
        raise ValueError("strategies is empty: give at least one Strategy")
    years_after = _rate("years_after", years_after)
    support_ends = _rate("support_ends", support_ends)
    if support_ends + years_after > years + 1e-9:
        raise ValueError(
            f"support_ends + years_after ({support_ends + years_after:g}) must not exceed "
            f"years ({years:g})"
        )
    _common_seed(seed)
    runs = tuple(
        simulate_strategy(
            s,
            n_sites=n_sites,
            years=years,
            support_ends=support_ends,
            seed=seed,
            dt=dt,
            replications=replications,
        )
        for s in strategies
    )
    return StrategyComparison(runs, years_after)


_OUTCOMES = {
    "share_after": "share using {n:g} years after support ends",
    "retained": "fraction of users kept {n:g} years after support ends",
    "time_to_50": "years to 50% of sites using",
    "share_at_withdrawal": "share using when support ends",
}
_VARIABLE = {f.name for f in fields(Strategy)} - {"name"} | {"support_ends"}
_AXIS_LABELS = {
    "p": "p: external influence (push) per year",
    "q": "q: peer influence (pull) per year",
    "trust_build": "trust-building rate b (per year)",
    "discontinue": "discontinuation hazard d (per year)",
    "support_ends": "years of support before withdrawal",
}


@dataclass(frozen=True, repr=False)
class SensitivityAnalysis:
    """An outcome over a grid of two parameters (``baseline``: shown as a difference from it)."""

    strategy: Strategy
    x: str
    y: str
    outcome: str
    years_after: float
    frame: pd.DataFrame  # tidy: x, y, value
    baseline: Strategy | None = None

    @property
    def table(self) -> pd.DataFrame:
        """The grid as a table: rows are ``y`` values, columns ``x`` values."""
        return self.frame.pivot(index=self.y, columns=self.x, values="value").sort_index(
            ascending=False
        )

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    @property
    def label(self) -> str:
        text = _OUTCOMES[self.outcome].format(n=self.years_after)
        if self.baseline is not None:
            text = f"{text}: {self.strategy.name} minus {self.baseline.name}"
        return text

    def plot(self, ax: Any = None, annotate: bool = True) -> Any:
        """Heat map: sequential colours for an outcome; diverging, centred on 0, for differences."""
        fig, ax = plotting.figure(width=7.0, height=4.8) if ax is None else (ax.figure, ax)
        table = self.table
        values = table.to_numpy(dtype=float)
        if self.baseline is not None:
            bound = float(np.nanmax(np.abs(values))) or 1.0
            image = ax.imshow(
                values, cmap=plotting.DIVERGING, vmin=-bound, vmax=bound, aspect="auto"
            )
        else:
            image = ax.imshow(values, cmap=plotting.SEQUENTIAL, aspect="auto")
        ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
        ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
        ax.set_xlabel(_AXIS_LABELS[self.x])
        ax.set_ylabel(_AXIS_LABELS[self.y])
        ax.grid(False)
        if annotate:
            low, high = np.nanmin(values), np.nanmax(values)
            for (i, j), value in np.ndenumerate(values):
                text = "n/r" if np.isnan(value) else f"{value:.2f}"
                light = self.baseline is None and value < low + 0.5 * (high - low)
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if light else "black",
                )
        fig.colorbar(image, ax=ax, label=self.label)
        return fig

    def __repr__(self) -> str:
        return (
            f"SensitivityAnalysis ({self.strategy.name}, ILLUSTRATIVE model): {self.label}\n"
            f"{self.table.round(3).to_string()}"
        )


def _with(strategy: Strategy, name: str, value: float) -> tuple[Strategy, dict[str, float]]:
    if name == "support_ends":
        return strategy, {"support_ends": value}
    return replace(strategy, **{name: value}), {}


def sensitivity(
    strategy: Strategy,
    grid: Mapping[str, Sequence[float]],
    *,
    outcome: str = "share_after",
    baseline: Strategy | None = None,
    years_after: float = 5.0,
    support_ends: float = 8.0,
    n_sites: int = 100,
    years: float = 20.0,
    seed: int,
    dt: float = 0.25,
    replications: int = 100,
) -> SensitivityAnalysis:
    """Re-run the ILLUSTRATIVE model over a grid of two parameters and record one outcome.

    ``grid`` maps two names (from ``p``, ``q``, ``trust_build``, ``discontinue``,
    ``support_ends``) to the values to try, the first along the x-axis. ``outcome`` is one of
    ``share_after``, ``retained``, ``time_to_50``, ``share_at_withdrawal``. With ``baseline``,
    each cell is the strategy's outcome minus the baseline's under the same grid values
    (a baseline has its own p, q, trust_build and discontinue; only ``support_ends`` is varied
    for it). Every cell uses the same seed (common random numbers).
    """
    if not isinstance(strategy, Strategy):
        raise TypeError(f"strategy must be a Strategy; got {type(strategy).__name__}")
    _common_seed(seed)
    if outcome not in _OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(_OUTCOMES)}; got {outcome!r}")
    names = list(grid)
    if len(names) != 2:
        raise ValueError(f"grid must name exactly two parameters; got {names}")
    unknown = [n for n in names if n not in _VARIABLE]
    if unknown:
        raise ValueError(
            f"grid names unknown parameters {unknown}; choose from {sorted(_VARIABLE)}"
        )
    values = {n: [float(v) for v in grid[n]] for n in names}
    for n, vals in values.items():
        if not vals:
            raise ValueError(f"grid[{n!r}] is empty")
    x, y = names
    rows = []
    for vx in values[x]:
        for vy in values[y]:
            s, extra_x = _with(strategy, x, vx)
            s, extra_y = _with(s, y, vy)
            settings = {"support_ends": support_ends, **extra_x, **extra_y}
            if settings["support_ends"] + years_after > years + 1e-9:
                raise ValueError(
                    f"support_ends {settings['support_ends']:g} + years_after {years_after:g} "
                    f"exceeds years {years:g}"
                )
            common = dict(n_sites=n_sites, years=years, seed=seed, dt=dt, replications=replications)
            value = simulate_strategy(s, **settings, **common).summary(years_after)[outcome]
            if baseline is not None:
                base = simulate_strategy(baseline, **settings, **common)
                value -= base.summary(years_after)[outcome]
            rows.append({x: vx, y: vy, "value": value})
    return SensitivityAnalysis(
        strategy=strategy,
        x=x,
        y=y,
        outcome=outcome,
        years_after=years_after,
        frame=pd.DataFrame(rows),
        baseline=baseline,
    )
