"""Probing an interaction: probe values, conditional effects (simple slopes) and what every
moderation result shares."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._common import INTERCEPT, PROBE_OPTIONS, _check_alpha, _check_choice, _clean, two_values
from ._distributions import reference
from .bootstrap import percentile_interval
from .johnson_neyman import JohnsonNeyman, _significant_intervals, fdr_critical_value


def probe_values(moderator_values: np.ndarray, at: str | Sequence[float] = "meansd") -> pd.Series:
    """Moderator values at which to probe, labelled.

    ``"meansd"``: mean − 1 SD, mean, mean + 1 SD (SD with n − 1 in the denominator).
    ``"percentiles"``: the 16th, 50th and 84th percentiles by the (n + 1)p definition
    (numpy ``method="weibull"``, as PROCESS uses). ``"auto"`` (the PROCESS 3 default): the two
    values of a moderator that has exactly two, otherwise the percentiles. A sequence: those
    values.
    """
    w = np.asarray(moderator_values, dtype=float)
    if isinstance(at, str):
        at = _check_choice("at", at, PROBE_OPTIONS)
        if at == "auto":
            distinct = two_values(w)
            if distinct is not None:
                return pd.Series(distinct, index=[f"{v:g}" for v in distinct])
            at = "percentiles"
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
            self.table.round(4).to_string(index=False, na_rep="NA"),
            f"Observed range of {self.moderator}: "
            f"[{self.observed_range[0]:g}, {self.observed_range[1]:g}]",
        ]
        if self.table["outside_range"].any():
            lines.append("Values marked outside_range are extrapolations beyond the data.")
        return "\n".join(lines)


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
        return reference(self.df_resid)

    def critical_value(self, alpha: float | None = None) -> float:
        alpha = self.alpha if alpha is None else _check_alpha(alpha)
        return float(self._dist.ppf(1 - alpha / 2))

    TWO_VALUES_JN = (
        "Not applicable: the moderator has two values, so the conditional effects at those two "
        "values (above) are the whole answer."
    )

    @property
    def moderator_is_binary(self) -> bool:
        """True when the moderator takes exactly two values (then probed at those)."""
        return two_values(self.moderator_observed) is not None

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
        if self.boot_params is not None:
            # Percentile bootstrap of b1 + b3*w at the same probe values (fixed, as PROCESS).
            k1 = self.params.index.get_loc(self.predictor)
            k3 = self.params.index.get_loc(self.interaction)
            wc = probes.to_numpy() - self.centering[self.moderator]
            draws = self.boot_params[:, [k1]] + self.boot_params[:, [k3]] * wc
            boot_se, boot_lo, boot_hi = percentile_interval(draws, alpha)
            table["boot_se"], table["boot_ci_low"], table["boot_ci_high"] = (
                boot_se,
                boot_lo,
                boot_hi,
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
        names = [self.predictor, self.interaction]
        V = self.cov.loc[names, names].to_numpy()
        unavailable = not np.all(np.isfinite(V))
        if fdr and not unavailable:
            grid = np.linspace(lo_r, hi_r, grid_size)
            crit = fdr_critical_value(*self.effect_at(grid), alpha=alpha, df=self.df_resid)
        else:
            crit = self.critical_value(alpha)
        b1, b3 = self.params[names].to_numpy()
        a = crit**2 * V[1, 1] - b3**2
        b = 2 * (crit**2 * V[0, 1] - b1 * b3)
        c = crit**2 * V[0, 0] - b1**2
        disc = b**2 - 4 * a * c
        shift = self.centering[self.moderator]
        bounds: tuple[float, float] | None = None
        flags: tuple[bool, bool] | None = None
        if unavailable:
            # Without standard errors nothing can be said about significance anywhere.
            region = "unavailable"
        elif a != 0 and disc > 0:
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
            note=self.se_note if unavailable else None,
            share_significant=None
            if unavailable
            else _share_inside(self.moderator_observed, intervals),
        )

    # -- figures
    def plot(self, ax: Any = None, alpha: float | None = None, fdr: bool = False) -> Any:
        """Conditional effect of x across w with its confidence band, the Johnson–Neyman
        region of significance shaded and the observed range of w marked. Returns the figure."""
        from .. import plotting

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
        from .. import plotting

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

    def plot_probes(self, at: str | Sequence[float] = "auto", fdr: bool = False) -> Any:
        """Two panels: simple slopes (predicted outcome against x at the probe values of w) and
        the conditional effect across w with the Johnson–Neyman region, the observed range of
        w and the share of cases where the effect is significant. Returns the figure."""
        from .. import plotting

        fig, (left, right) = plotting.figure(width=11, height=4.4, ncols=2)
        self.plot_predicted(at=at, ax=left)
        left.set_title("Simple slopes")
        self.plot(ax=right, fdr=fdr)
        jn = self.johnson_neyman(fdr=fdr)
        if jn.share_significant is None:
            right.set_title("Johnson–Neyman: no standard errors")
        else:
            share = 100 * jn.share_significant
            right.set_title(
                f"Significant for {share:.0f}% of cases, not for {100 - share:.0f}%",
            )
        return fig

    _predicted_label = "predicted {outcome}"
    #: Why standard errors are missing (for example HC3 at a point of leverage 1), or None.
    se_note: str | None = None
    #: Bootstrap estimates of every coefficient (one row per resample), or None.
    boot_params: np.ndarray | None = field(default=None, repr=False)
    boot_seed: int | None = None
    _predictor_range: tuple[float, float] = (0.0, 1.0)
    _covariate_means: Mapping[str, float] = field(default_factory=dict)


def _probe_rows(effects: ConditionalEffects) -> list[dict[str, Any]]:
    rows = effects.table.to_dict(orient="records")
    return _clean(rows)


def _share_inside(values: np.ndarray, intervals: tuple[tuple[float, float], ...]) -> float:
    """Share of observed moderator values that lie in one of the closed intervals."""
    inside = np.zeros(values.shape, dtype=bool)
    for lo, hi in intervals:
        inside |= (values >= lo) & (values <= hi)
    return float(inside.mean())
