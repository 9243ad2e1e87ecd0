"""Sustainment of services: survival curves, a simulated cohort, and the referral pipeline.

- :func:`kaplan_meier` wraps statsmodels' ``SurvfuncRight``: Greenwood standard errors,
  pointwise confidence intervals as R's ``survfit`` computes them, the median with its interval
  (:meth:`Survival.median`) and the restricted mean survival time (:meth:`Survival.rmst`), the
  area under the curve up to a horizon. :func:`kaplan_meier_by_group` fits one curve per group
  and :func:`log_rank` tests them against each other (statsmodels ``survdiff``).
- :func:`simulate_cohort` draws a **simulated** funding round of teams whose hazard of closing
  rises with the "toxic trio" (change of leadership, change of supervisor, funding challenges)
  and a weak referral pipeline; the baseline hazard is solved so that the expected share of
  teams still running at a given year equals a published sustainment rate.
- :func:`capacity` applies Little's law to an MST team; :func:`simulate_pipeline` runs a seeded
  stock-and-flow model (referrals → caseload → discharge) and :func:`pipeline_sweep` shows
  utilisation and cost per case as the referral rate changes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CARY_2013_COST_PER_CASE",
    "CONF_TYPES",
    "Capacity",
    "GroupedSurvival",
    "LogRank",
    "Median",
    "PipelineRun",
    "PipelineSweep",
    "Survival",
    "capacity",
    "cohort_hazards",
    "kaplan_meier",
    "kaplan_meier_by_group",
    "log_rank",
    "pipeline_sweep",
    "plot_timeline",
    "simulate_cohort",
    "simulate_pipeline",
]

#: UK cost of MST per young person, in pounds (Cary et al. 2013, PLoS ONE 8(4):e61070).
CARY_2013_COST_PER_CASE = 2285.0


def _check_positive(name: str, value: float, *, integer: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite number; got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be positive; got {value}")
    if integer and int(value) != value:
        raise ValueError(f"{name} must be a whole number; got {value}")


# ---- Kaplan–Meier, its confidence intervals, the median and the log-rank test -----------------

#: Pointwise confidence intervals for S(t), named as R's ``survfit(conf.type = ...)``; R's
#: default is "log".
CONF_TYPES = ("log", "log-log", "plain")


@dataclass(frozen=True)
class Median:
    """The median survival time and its confidence interval; ``nan`` where not reached."""

    median: float
    lower: float
    upper: float
    level: float

    def __str__(self) -> str:
        def show(v: float) -> str:
            return "not reached" if math.isnan(v) else f"{v:g}"

        return (
            f"median {show(self.median)} ({self.level:.0%} CI {show(self.lower)} "
            f"to {show(self.upper)})"
        )


@dataclass(frozen=True)
class Survival:
    """A Kaplan–Meier estimate with Greenwood standard errors and pointwise confidence intervals.

    ``table`` has one row per distinct event time: ``time``, ``n_risk``, ``n_events``,
    ``survival``, ``se`` (Greenwood standard error of S(t)), ``lower`` and ``upper`` (the
    ``conf_type`` interval at level ``1 - alpha``; missing where S(t) = 0 and the interval is
    undefined on the log scales, as in R).
    """

    durations: tuple[float, ...]
    events: tuple[int, ...]
    labels: tuple[str, ...]
    table: pd.DataFrame
    alpha: float = 0.05
    conf_type: str = "log"

    @property
    def n(self) -> int:
        return len(self.durations)

    @property
    def n_events(self) -> int:
        return sum(self.events)

    @property
    def level(self) -> float:
        return 1 - self.alpha

    def __repr__(self) -> str:
        n, d = self.n, self.n_events
        caveat = "  (descriptive only: very few units)" if n < 10 else ""
        return (
            f"Survival(n={n}, events={d}, censored={n - d}; {self.level:.0%} CI {self.conf_type}; "
            f"{self.median()}){caveat}\n{self.table.round(4).to_string(index=False)}"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per distinct event time: time, n_risk, n_events, survival, se, lower, upper."""
        return self.table.copy()

    def survival_at(self, t: float) -> float:
        """S(t): the estimate just after time ``t`` (right-continuous step function)."""
        past = self.table[self.table["time"] <= t]
        return 1.0 if past.empty else float(past["survival"].iloc[-1])

    def median(self) -> Median:
        """The median survival time with its confidence interval, by R's rules.

        As ``quantile.survfit`` in R's survival package: the median is the first time S(t) is at
        or below 0.5; where S(t) is exactly 0.5 over a stretch, the middle of the stretch (to the
        next event, or to the last observation). The interval applies the same rule to the upper
        and the lower confidence limits of S(t). A value not reached is ``nan``.
        """
        times = self.table["time"].to_numpy()
        last = max(self.durations)
        return Median(
            _r_quantile(times, self.table["survival"].to_numpy(), last),
            _r_quantile(times, self.table["lower"].to_numpy(), last),  # falls first
            _r_quantile(times, self.table["upper"].to_numpy(), last),
            self.level,
        )

    def rmst(self, horizon: float) -> float:
        """Restricted mean survival time: the area under S(t) from 0 to ``horizon``."""
        _check_positive("horizon", horizon)
        if horizon > max(self.durations):
            raise ValueError(
                f"horizon {horizon:g} is beyond the last observation ({max(self.durations):g}); "
                "the curve is not estimated there"
            )
        times = [0.0] + [t for t in self.table["time"] if t < horizon] + [horizon]
        values = [1.0] + [self.survival_at(t) for t in times[1:-1]]
        spans = zip(values, times[:-1], times[1:], strict=True)
        return float(sum(v * (b - a) for v, a, b in spans))

    def plot(
        self,
        *,
        ax=None,
        label: str | None = None,
        time_label: str = "years",
        color: str | None = None,
        ci: bool = False,
        band_label: str | None = None,
    ):
        """The step curve with censoring marks; ``ci=True`` adds the confidence band."""
        from .plotting import PALETTE, figure

        if ax is None:
            fig, ax = figure(width=6.5, height=4)
        else:
            fig = ax.figure
        color = color or PALETTE["blue"]
        end = max(self.durations)
        times = [0.0, *self.table["time"], end]
        surv = [1.0, *self.table["survival"]]
        ax.step(times, [*surv, surv[-1]], where="post", color=color, label=label)
        if ci:
            lower = [1.0, *self.table["lower"]]
            upper = [1.0, *self.table["upper"]]
            ax.fill_between(
                times,
                [*lower, lower[-1]],
                [*upper, upper[-1]],
                step="post",
                color=color,
                alpha=0.15,
                lw=0,
                label=band_label,
            )
        for t, e in zip(self.durations, self.events, strict=True):
            if not e:
                ax.plot(t, self.survival_at(t), marker="|", markersize=12, color=color)
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlabel(time_label)
        ax.set_ylabel("proportion still running, S(t)")
        return fig


def _r_quantile(times: np.ndarray, curve: np.ndarray, last: float, p: float = 0.5) -> float:
    """R survival's ``findq``: the time the step curve ``curve`` first falls to ``1 - p``."""
    tol = math.sqrt(np.finfo(float).eps)
    x = np.concatenate(([0.0], times))
    y = np.concatenate(([0.0], 1 - curve))  # the distribution function, increasing
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if y.size == 0 or y.max() < p - tol:
        return math.nan
    _, first = np.unique(y, return_index=True)  # the first time each value is taken
    first.sort()
    x, y = x[first], y[first]
    hit = np.flatnonzero(np.abs(y - p) < tol)
    if hit.size:  # exactly 1 - p over a stretch: its middle
        i = int(hit[0])
        return float((x[i] + (x[i + 1] if i + 1 < x.size else last)) / 2)
    above = np.flatnonzero(y > p)
    return float(x[above[0]]) if above.size else math.nan


def _check_alpha(alpha: float) -> None:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1; got {alpha!r}")


def _check_survival_data(durations: Sequence[float], events: Sequence[int]):
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events)
    if t.ndim != 1 or t.size == 0 or e.shape != t.shape:
        raise ValueError(
            f"durations and events must be 1-d and the same length; got {t.shape} and {e.shape}"
        )
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("durations must be finite and non-negative")
    if not np.all(np.isin(e, (0, 1))):
        found = sorted({v.item() if hasattr(v, "item") else v for v in e.tolist()}, key=str)
        raise ValueError(f"events must be 0 (censored) or 1 (closed); got {found}")
    return t, e.astype(int)


def kaplan_meier(
    durations: Sequence[float],
    events: Sequence[int],
    labels: Sequence[str] | None = None,
    *,
    alpha: float = 0.05,
    conf_type: str = "log",
) -> Survival:
    """Kaplan–Meier estimate (statsmodels ``SurvfuncRight``) of right-censored durations.

    ``events[i]`` is 1 if unit ``i`` ended (closed) at ``durations[i]`` and 0 if it was still
    running then (censored). Standard errors are Greenwood's (statsmodels). The pointwise
    ``1 - alpha`` interval follows R's ``survfit(conf.type = conf_type)``: "log" (R's default,
    ``S exp(±z se/S)``, capped at 1), "log-log" (on ``log(-log S)``) or "plain" (``S ± z se``,
    kept within 0 and 1).
    """
    from scipy.stats import norm
    from statsmodels.duration.survfunc import SurvfuncRight

    _check_alpha(alpha)
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {', '.join(CONF_TYPES)}; got {conf_type!r}")
    t, e = _check_survival_data(durations, events)
    labels = tuple(labels) if labels is not None else tuple(f"unit {i + 1}" for i in range(t.size))
    if len(labels) != t.size:
        raise ValueError(f"labels: expected {t.size}, got {len(labels)}")
    if e.sum() == 0:
        table = pd.DataFrame(
            {
                "time": pd.Series(dtype=float),
                "n_risk": pd.Series(dtype=int),
                "n_events": pd.Series(dtype=int),
                **{c: pd.Series(dtype=float) for c in ("survival", "se", "lower", "upper")},
            }
        )
        return Survival(tuple(t.tolist()), tuple(e.tolist()), labels, table, alpha, conf_type)
    fit = SurvfuncRight(t, e.astype(float))
    surv = np.asarray(fit.surv_prob, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(surv > 0, fit.surv_prob_se, np.nan)  # Greenwood; undefined at S = 0
        z = norm.ppf(1 - alpha / 2)
        if conf_type == "log":
            half = z * se / surv
            lower, upper = surv * np.exp(-half), np.minimum(surv * np.exp(half), 1.0)
        elif conf_type == "log-log":
            half = z * se / (surv * np.log(surv))
            lower, upper = (
                np.exp(-np.exp(np.log(-np.log(surv)) - half)),
                np.exp(-np.exp(np.log(-np.log(surv)) + half)),
            )
            lower, upper = np.minimum(lower, upper), np.maximum(lower, upper)
            done = surv == 1  # no event yet removed anyone: R gives 1 to 1
            lower[done], upper[done] = 1.0, 1.0
        else:
            lower, upper = np.maximum(surv - z * se, 0.0), np.minimum(surv + z * se, 1.0)
    table = pd.DataFrame(
        {
            "time": fit.surv_times,
            "n_risk": fit.n_risk.astype(int),
            "n_events": fit.n_events.astype(int),
            "survival": surv,
            "se": se,
            "lower": lower,
            "upper": upper,
        }
    )
    return Survival(tuple(t.tolist()), tuple(e.tolist()), labels, table, alpha, conf_type)


@dataclass(frozen=True)
class LogRank:
    """The log-rank test of equal survival across groups (statsmodels ``survdiff``)."""

    groups: tuple[str, ...]
    n: tuple[int, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chisq: float
    df: int
    p_value: float

    def __str__(self) -> str:
        return (
            f"log-rank test of equal survival in {len(self.groups)} groups: "
            f"chi-square = {self.chisq:.4f} on {self.df} df, p = {self.p_value:.4g}"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per group: group, n, observed and expected events (as R's ``survdiff``)."""
        return pd.DataFrame(
            {
                "group": list(self.groups),
                "n": list(self.n),
                "observed": list(self.observed),
                "expected": list(self.expected),
            }
        )


def log_rank(
    durations: Sequence[float], events: Sequence[int], groups: Sequence[object]
) -> LogRank:
    """Log-rank test that two or more groups share one survival curve.

    The statistic and its p-value (chi-square on groups - 1 df) are statsmodels' ``survdiff``;
    the expected events of each group, sum over event times of ``d n_group / n``, are shown
    beside the observed ones, as in R's ``survdiff``.
    """
    from statsmodels.duration.survfunc import survdiff

    t, e = _check_survival_data(durations, events)
    g = np.asarray([str(v) for v in groups], dtype=object)
    if g.shape != t.shape:
        raise ValueError(f"groups must have one value per duration; got {g.size} for {t.size}")
    names = sorted(set(g.tolist()))
    if len(names) < 2:
        raise ValueError(f"the log-rank test needs at least two groups; found {len(names)}")
    if e.sum() == 0:
        raise ValueError("the log-rank test needs at least one event")
    chisq, p_value = survdiff(t, e, g)
    event_times = np.unique(t[e == 1])
    at_risk = np.array([[np.sum((g == k) & (t >= u)) for u in event_times] for k in names])
    deaths = np.array([np.sum((t == u) & (e == 1)) for u in event_times])
    expected = (at_risk * deaths / at_risk.sum(axis=0)).sum(axis=1)
    return LogRank(
        tuple(names),
        tuple(int(np.sum(g == k)) for k in names),
        tuple(int(np.sum(e[g == k])) for k in names),
        tuple(float(v) for v in expected),
        float(chisq),
        len(names) - 1,
        float(p_value),
    )


@dataclass(frozen=True)
class GroupedSurvival:
    """Kaplan–Meier curves for several groups and the log-rank test between them."""

    curves: dict[str, Survival]
    test: LogRank

    def __repr__(self) -> str:
        return f"GroupedSurvival({len(self.curves)} groups; {self.test})"

    def to_frame(self) -> pd.DataFrame:
        """One row per group: n, events, median and its confidence interval."""
        rows = []
        for name, curve in self.curves.items():
            median = curve.median()
            rows.append(
                {
                    "group": name,
                    "n": curve.n,
                    "events": curve.n_events,
                    "median": median.median,
                    "lower": median.lower,
                    "upper": median.upper,
                }
            )
        return pd.DataFrame(rows)

    def plot(self, *, time_label: str = "years", ci: bool = True, title: str | None = None):
        """Every group's curve, each in its own colour, with its confidence band."""
        from .plotting import PALETTE, figure

        fig, ax = figure(width=6.5, height=4)
        order = ("blue", "vermillion", "green", "purple", "sky", "orange", "yellow", "black")
        for i, (name, curve) in enumerate(self.curves.items()):
            colour = PALETTE[order[i % len(order)]]
            curve.plot(ax=ax, label=name, time_label=time_label, color=colour, ci=ci)
        level = next(iter(self.curves.values())).level
        note = f"shaded: {level:.0%} CI" if ci else None
        heading = "; ".join(t for t in (title, note) if t)
        ax.legend(fontsize=9, title=heading or None, title_fontsize=9)
        return fig


def kaplan_meier_by_group(
    durations: Sequence[float],
    events: Sequence[int],
    groups: Sequence[object],
    *,
    alpha: float = 0.05,
    conf_type: str = "log",
) -> GroupedSurvival:
    """A Kaplan–Meier curve for each group (sorted by name) and the log-rank test across them."""
    test = log_rank(durations, events, groups)
    t, e = _check_survival_data(durations, events)
    g = np.asarray([str(v) for v in groups], dtype=object)
    curves = {
        name: kaplan_meier(t[g == name], e[g == name], alpha=alpha, conf_type=conf_type)
        for name in test.groups
    }
    return GroupedSurvival(curves, test)


def plot_timeline(
    labels: Sequence[str],
    years: Sequence[float],
    closed: Sequence[int],
    *,
    start: float = 2008,
    notes: Sequence[str] | None = None,
):
    """Horizontal bars from ``start``: solid end for a closure, an arrow for still running."""
    from .plotting import PALETTE, figure

    fig, ax = figure(width=7.5, height=0.9 + 0.7 * len(labels))
    for i, (span, end) in enumerate(zip(years, closed, strict=True)):
        colour = PALETTE["vermillion"] if end else PALETTE["green"]
        ax.barh(i, span, left=start, color=colour, alpha=0.75, height=0.5)
        if end:
            ax.plot(start + span, i, marker="X", color="black", markersize=9)
        else:
            ax.annotate(
                "",
                xy=(start + span + 0.9, i),
                xytext=(start + span, i),
                arrowprops={"arrowstyle": "->", "color": colour, "lw": 2},
            )
        text = notes[i] if notes else ""
        ax.text(start + 0.1, i - 0.38, text, fontsize=8.5, va="bottom")
    ax.set_xlim(start - 0.2, start + max(years) + 1.4)  # room for the arrows
    ax.set_yticks(range(len(labels)), list(labels))
    ax.invert_yaxis()
    ax.set_xlabel("year")
    ax.grid(axis="y", visible=False)
    return fig


# ---- Simulated cohort: the funding round -----------------------------------------------------

_FACTORS = ("leadership_change", "supervisor_change", "funding_challenge", "weak_pipeline")


def cohort_hazards(
    *,
    anchor_survival: float,
    anchor_year: float,
    prevalence: Sequence[float],
    hazard_ratios: Sequence[float],
) -> tuple[float, pd.DataFrame]:
    """Solve the baseline annual closure hazard so that E[S(anchor_year)] = anchor_survival.

    Teams have four binary risk factors (independent, with the given prevalences) and a
    constant hazard ``h0 * prod(HR_k ** x_k)``; the expected survival at ``t`` is the
    average of ``exp(-h t)`` over the 16 risk profiles weighted by their probabilities.
    Returns ``h0`` and the table of profiles (probability, hazard, survival at the anchor).
    """
    from scipy.optimize import brentq

    if not 0 < anchor_survival < 1:
        raise ValueError(f"anchor_survival must lie in (0, 1); got {anchor_survival}")
    _check_positive("anchor_year", anchor_year)
    if len(prevalence) != 4 or len(hazard_ratios) != 4:
        raise ValueError("prevalence and hazard_ratios need one value per risk factor (4)")
    for p in prevalence:
        if not 0 <= p <= 1:
            raise ValueError(f"prevalence must lie in [0, 1]; got {p}")
    for hr in hazard_ratios:
        _check_positive("hazard ratio", hr)
    profiles = np.array(list(itertools.product((0, 1), repeat=4)))
    probs = np.prod(np.where(profiles == 1, prevalence, 1 - np.asarray(prevalence)), axis=1)
    multipliers = np.prod(np.where(profiles == 1, hazard_ratios, 1.0), axis=1)

    def gap(h0: float) -> float:
        return float(np.sum(probs * np.exp(-h0 * multipliers * anchor_year)) - anchor_survival)

    h0 = brentq(gap, 1e-9, 50.0, xtol=1e-14)
    table = pd.DataFrame(profiles, columns=list(_FACTORS))
    table["probability"] = probs
    table["hazard"] = h0 * multipliers
    table[f"S({anchor_year:g})"] = np.exp(-table["hazard"] * anchor_year)
    return float(h0), table


def simulate_cohort(
    n_teams: int = 10,
    follow_up: float = 8.0,
    anchor_survival: float = 0.63,
    anchor_year: float = 6.0,
    p_leadership: float = 0.5,
    p_supervisor: float = 0.4,
    p_funding: float = 0.5,
    p_pipeline: float = 0.4,
    hr_leadership: float = 2.5,
    hr_supervisor: float = 2.5,
    hr_funding: float = 2.5,
    hr_pipeline: float = 2.0,
    seed: int = 2008,
) -> pd.DataFrame:
    """A **simulated** funding round of MST teams and how long each ran.

    Data-generating process (every number is an assumption of the simulation, not an
    estimate):

    1. each team independently has each risk factor with probability ``p_*``: a change of
       leadership, a change of supervisor, funding challenges (the slides' "toxic trio") and
       a weak referral pipeline;
    2. its annual hazard of closing is constant, ``h0 × HR_leadership^x1 × … × HR_pipeline^x4``;
    3. ``h0`` is solved (:func:`cohort_hazards`) so that the expected share of teams still
       running at ``anchor_year`` is ``anchor_survival``. The default anchor is Bond et al.
       (2014): of 49 sites followed for 6 years, 37% had discontinued permanently, so 63%
       had not (47% sustained throughout, 16% restarted after a break);
    4. time to closure is exponential with that hazard; teams still running at ``follow_up``
       years are censored.

    Columns: team, the four factors (0/1), hazard, years (rounded to 0.01), closed (0/1),
    sustained (1 if running at ``follow_up``). The generator is ``numpy.random.default_rng(seed)``.
    """
    _check_positive("n_teams", n_teams, integer=True)
    _check_positive("follow_up", follow_up)
    prevalence = (p_leadership, p_supervisor, p_funding, p_pipeline)
    ratios = (hr_leadership, hr_supervisor, hr_funding, hr_pipeline)
    h0, _ = cohort_hazards(
        anchor_survival=anchor_survival,
        anchor_year=anchor_year,
        prevalence=prevalence,
        hazard_ratios=ratios,
    )
    rng = np.random.default_rng(seed)
    factors = (rng.random((int(n_teams), 4)) < np.asarray(prevalence)).astype(int)
    hazard = h0 * np.prod(np.where(factors == 1, ratios, 1.0), axis=1)
    time_to_close = rng.exponential(1.0 / hazard)
    closed = (time_to_close <= follow_up).astype(int)
    years = np.round(np.minimum(time_to_close, follow_up), 2)
    frame = pd.DataFrame(factors, columns=list(_FACTORS))
    frame.insert(0, "team", [_team_name(i) for i in range(int(n_teams))])
    frame["hazard"] = np.round(hazard, 4)
    frame["years"] = years
    frame["closed"] = closed
    frame["sustained"] = 1 - closed
    return frame


def _team_name(i: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"Team {letters[i]}" if i < 26 else f"Team {i + 1}"


# ---- The referral pipeline -------------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    """Little's law for a team: throughput = places / mean time in treatment."""

    therapists: float
    caseload: float
    months: float

    @property
    def places(self) -> float:
        """Families in treatment at once (therapists × caseload)."""
        return self.therapists * self.caseload

    @property
    def per_month(self) -> float:
        """New families the team can take each month at full, steady use."""
        return self.places / self.months

    @property
    def per_year(self) -> float:
        return 12 * self.per_month

    def __repr__(self) -> str:
        return (
            f"Capacity({self.therapists:g} therapists × {self.caseload:g} families = "
            f"{self.places:g} places; {self.months:g} months each → {self.per_month:.3g} "
            f"families a month, {self.per_year:.3g} a year)"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "therapists": [self.therapists],
                "caseload": [self.caseload],
                "months": [self.months],
                "places": [self.places],
                "per_month": [self.per_month],
                "per_year": [self.per_year],
            }
        )


def capacity(therapists: float = 4, caseload: float = 5, months: float = 4) -> Capacity:
    """Families per month = therapists × caseload / mean months of treatment (Little's law).

    Defaults are the Blueprints description of an MST team: 4 therapists with about 5
    families each, about 4 months of treatment.
    """
    for name, value in (("therapists", therapists), ("caseload", caseload), ("months", months)):
        _check_positive(name, value)
    return Capacity(float(therapists), float(caseload), float(months))


@dataclass(frozen=True)
class PipelineRun:
    """One simulated run of the pipeline: monthly caseload, admissions and queue."""

    referral_rate: float
    team: Capacity
    history: pd.DataFrame
    annual_cost: float
    burn_in: int

    @property
    def utilisation(self) -> float:
        """Mean share of places filled, after the burn-in months."""
        return float(self.history["caseload"].iloc[self.burn_in :].mean() / self.team.places)

    @property
    def cases_per_year(self) -> float:
        """Families started per year, after the burn-in months."""
        return float(self.history["admitted"].iloc[self.burn_in :].mean() * 12)

    @property
    def cost_per_case(self) -> float:
        return self.annual_cost / self.cases_per_year if self.cases_per_year > 0 else math.inf

    def __repr__(self) -> str:
        return (
            f"PipelineRun(referrals {self.referral_rate:g}/month: utilisation "
            f"{self.utilisation:.3f}, {self.cases_per_year:.1f} cases a year, "
            f"£{self.cost_per_case:,.0f} per case)"
        )

    def to_frame(self) -> pd.DataFrame:
        return self.history.copy()

    def plot(self):
        from .plotting import PALETTE, figure

        fig, ax = figure(width=7, height=3.6)
        h = self.history
        ax.plot(h["month"], h["caseload"], color=PALETTE["blue"], label="families in treatment")
        ax.plot(h["month"], h["waiting"], color=PALETTE["orange"], label="waiting")
        ax.axhline(self.team.places, color="grey", linestyle="--", label="places")
        ax.set_xlabel("month")
        ax.set_ylabel("families")
        ax.legend(fontsize=9)
        return fig


def simulate_pipeline(
    referral_rate: float,
    *,
    team: Capacity | None = None,
    months: int = 60,
    min_months: float = 3.0,
    max_months: float = 5.0,
    max_wait: int = 1,
    annual_cost: float | None = None,
    burn_in: int = 6,
    seed: int = 1,
) -> PipelineRun:
    """Seeded monthly stock-and-flow model of an MST team.

    Each month: referrals arrive (Poisson, mean ``referral_rate``) and join the queue;
    families whose treatment has ended are discharged; free places are filled from the queue
    (first come, first served); families who have waited more than ``max_wait`` months are
    referred elsewhere. Treatment lasts a whole number of months drawn uniformly from
    ``min_months`` to ``max_months`` (3–5 months for MST). ``annual_cost`` defaults to the cost
    of a team at full use: Cary et al.'s £2,285 per young person × the team's capacity.
    """
    team = team or capacity()
    if isinstance(referral_rate, bool) or not isinstance(referral_rate, int | float):
        raise TypeError(f"referral_rate must be a number; got {referral_rate!r}")
    if not math.isfinite(referral_rate) or referral_rate < 0:
        raise ValueError(f"referral_rate must be non-negative; got {referral_rate}")
    _check_positive("months", months, integer=True)
    if not 1 <= min_months <= max_months:
        raise ValueError(f"need 1 <= min_months <= max_months; got {min_months} and {max_months}")
    if burn_in >= months:
        raise ValueError(f"burn_in ({burn_in}) must be shorter than months ({months})")
    cost = CARY_2013_COST_PER_CASE * team.per_year if annual_cost is None else annual_cost
    rng = np.random.default_rng(seed)
    places = round(team.places)
    in_treatment: list[int] = []  # months left for each family in treatment
    queue: list[int] = []  # months each waiting family has waited
    rows = []
    for month in range(1, months + 1):
        arrivals = int(rng.poisson(referral_rate))
        queue.extend([0] * arrivals)
        in_treatment = [m - 1 for m in in_treatment]
        discharged = sum(1 for m in in_treatment if m <= 0)
        in_treatment = [m for m in in_treatment if m > 0]
        admitted = min(places - len(in_treatment), len(queue))
        lengths = rng.integers(int(min_months), int(max_months) + 1, size=admitted)
        in_treatment.extend(int(v) for v in lengths)
        queue = [w + 1 for w in queue[admitted:]]
        diverted = sum(1 for w in queue if w > max_wait)
        queue = [w for w in queue if w <= max_wait]
        rows.append(
            {
                "month": month,
                "referrals": arrivals,
                "admitted": admitted,
                "discharged": discharged,
                "caseload": len(in_treatment),
                "waiting": len(queue),
                "diverted": diverted,
            }
        )
    return PipelineRun(float(referral_rate), team, pd.DataFrame(rows), float(cost), burn_in)


@dataclass(frozen=True)
class PipelineSweep:
    """Utilisation and cost per case across referral rates (means over replications)."""

    team: Capacity
    table: pd.DataFrame
    under_use: float
    annual_cost: float

    @property
    def crossing(self) -> float:
        """The lowest referral rate (per month) with mean utilisation at or above ``under_use``."""
        ok = self.table[self.table["utilisation"] >= self.under_use]
        return float(ok["referral_rate"].min()) if not ok.empty else math.nan

    def __repr__(self) -> str:
        return (
            f"PipelineSweep({len(self.table)} referral rates; team capacity "
            f"{self.team.per_month:.3g}/month; utilisation reaches {self.under_use:.0%} "
            f"from {self.crossing:g} referrals a month)"
        )

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def plot(self):
        from .plotting import PALETTE, figure

        fig, (ax1, ax2) = figure(width=10, height=4, ncols=2)
        t = self.table
        for ax in (ax1, ax2):
            ax.axvspan(0, self.crossing, color=PALETTE["yellow"], alpha=0.25, lw=0)
            ax.axvline(self.team.per_month, color="grey", linestyle="--", linewidth=1)
            ax.set_xlabel("referrals per month")
        ax1.plot(t["referral_rate"], t["utilisation"], marker="o", color=PALETTE["blue"])
        ax1.fill_between(
            t["referral_rate"],
            t["utilisation_low"],
            t["utilisation_high"],
            color=PALETTE["blue"],
            alpha=0.2,
            lw=0,
        )
        ax1.axhline(self.under_use, color=PALETTE["vermillion"], linestyle=":")
        ax1.set_ylabel("utilisation (share of places filled)")
        ax1.set_ylim(0, 1.05)
        ax1.set_title("Utilisation")
        ax2.plot(t["referral_rate"], t["cost_per_case"], marker="o", color=PALETTE["vermillion"])
        ax2.axhline(CARY_2013_COST_PER_CASE, color="grey", linestyle=":")
        ax2.set_ylabel("cost per family treated (£)")
        ax2.set_title("Cost per case")
        return fig


def pipeline_sweep(
    rates: Sequence[float],
    *,
    team: Capacity | None = None,
    replications: int = 20,
    months: int = 60,
    under_use: float = 0.8,
    seed: int = 2008,
    **options: float,
) -> PipelineSweep:
    """Run :func:`simulate_pipeline` ``replications`` times at each referral rate.

    Seeds are drawn from ``numpy.random.default_rng(seed)``, so the whole sweep is
    reproducible. ``under_use`` is the utilisation below which the team counts as under-used
    (a threshold for illustration, not a published standard).
    """
    team = team or capacity()
    _check_positive("replications", replications, integer=True)
    if not 0 < under_use < 1:
        raise ValueError(f"under_use must lie in (0, 1); got {under_use}")
    seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=(len(rates), replications))
    rows = []
    cost = None
    for rate, rate_seeds in zip(rates, seeds, strict=True):
        runs = [
            simulate_pipeline(rate, team=team, months=months, seed=int(s), **options)
            for s in rate_seeds
        ]
        cost = runs[0].annual_cost
        util = np.array([r.utilisation for r in runs])
        cases = np.array([r.cases_per_year for r in runs])
        diverted = np.array([r.history["diverted"].iloc[r.burn_in :].mean() * 12 for r in runs])
        rows.append(
            {
                "referral_rate": float(rate),
                "utilisation": util.mean(),
                "utilisation_low": np.quantile(util, 0.1),
                "utilisation_high": np.quantile(util, 0.9),
                "cases_per_year": cases.mean(),
                "cost_per_case": cost / cases.mean() if cases.mean() > 0 else math.inf,
                "diverted_per_year": diverted.mean(),
            }
        )
    return PipelineSweep(team, pd.DataFrame(rows), float(under_use), float(cost))
