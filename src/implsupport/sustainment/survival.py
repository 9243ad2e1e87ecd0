"""Kaplan–Meier curves with Greenwood standard errors and confidence intervals, the median as R
computes it, restricted mean survival, the log-rank test, and a timeline of services."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import _check_positive

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

    def describe(self) -> str:
        """``"5 (95% CI 2 to not reached)"``: the estimate and its interval in words."""

        def show(v: float) -> str:
            return "not reached" if math.isnan(v) else f"{v:g}"

        return f"{show(self.median)} ({self.level:.0%} CI {show(self.lower)} to {show(self.upper)})"

    def __str__(self) -> str:
        return f"median {self.describe()}"


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
        from ..plotting import PALETTE, figure

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
    beside the observed ones, as in R's ``survdiff``. As there, a group whose units have all
    left before the first event (expected 0) is left out of the test and of its df.
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
    event_times = np.unique(t[e == 1])
    at_risk = np.array([[np.sum((g == k) & (t >= u)) for u in event_times] for k in names])
    deaths = np.array([np.sum((t == u) & (e == 1)) for u in event_times])
    expected = (at_risk * deaths / at_risk.sum(axis=0)).sum(axis=1)
    # As R's survdiff, a group with no one at risk at any event time (expected 0) takes no part
    # in the test; it adds nothing to the statistic and its variance would be singular.
    tested = [k for k, x in zip(names, expected, strict=True) if x > 0]
    if len(tested) < 2:
        raise ValueError(
            "the log-rank test needs two or more groups with units at risk when events happen; "
            f"found {len(tested)}"
        )
    rows = np.isin(g, tested)
    chisq, p_value = survdiff(t[rows], e[rows], g[rows])
    return LogRank(
        tuple(names),
        tuple(int(np.sum(g == k)) for k in names),
        tuple(int(np.sum(e[g == k])) for k in names),
        tuple(float(v) for v in expected),
        float(chisq),
        len(tested) - 1,
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
        from ..plotting import PALETTE, figure

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
    from ..plotting import PALETTE, figure

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
