"""The referral pipeline: Little's law for a team and a seeded stock-and-flow model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import _check_positive

#: UK cost of MST per young person, in pounds (Cary et al. 2013, PLoS ONE 8(4):e61070).
CARY_2013_COST_PER_CASE = 2285.0


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
        from ..plotting import PALETTE, figure

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
        from ..plotting import PALETTE, figure

        # One panel above the other: side by side, the column leaves each too little room.
        fig, (ax1, ax2) = figure(width=6, height=7, nrows=2)
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
