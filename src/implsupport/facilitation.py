"""Published results on implementation facilitation, read side by side without pooling them.

The book's dataset ``facilitation_trials`` holds results as the studies printed them: a
standardised mean difference, odds ratios, percentages in two arms, differences in numbers of
patients, and one trial for which no number was read. They do not share a metric, so this
module never puts them on one axis or averages them. It offers:

- :func:`published_results`, which loads and checks the table, and the result object
  :class:`PublishedResults` with a table for people (:meth:`~PublishedResults.to_frame`) and a
  figure of small multiples, one panel per metric (:meth:`~PublishedResults.plot`);
- conversions between a standardised mean difference and an odds ratio under the logistic
  approximation, ``ln(OR) = SMD × π / √3`` (:func:`smd_to_odds_ratio`,
  :func:`odds_ratio_to_smd`);
- :meth:`PublishedResults.recompute`, which recomputes from the printed inputs what can be
  recomputed (Baskerville et al.'s odds ratio and z, the midpoints of intervals, Kilbourne et
  al.'s difference in percentage points) and says whether each agrees with the published value
  at the precision it was printed to (:class:`Recomputation`).
"""

from __future__ import annotations

import itertools
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "BASKERVILLE_2012",
    "LOGISTIC_FACTOR",
    "Check",
    "PublishedResults",
    "Recomputation",
    "below_alpha",
    "odds_ratio_to_smd",
    "percentage_point_difference",
    "published_results",
    "range_under_rounding",
    "smd_to_odds_ratio",
]

#: π / √3, the standard deviation of the standard logistic distribution: the factor that turns a
#: standardised mean difference into a log odds ratio under the logistic approximation.
LOGISTIC_FACTOR = math.pi / math.sqrt(3)

#: Values Baskerville, Liddy & Hogg (2012) print in their abstract besides the effect estimates
#: kept in the dataset: the z statistic of the pooled SMD and the practices in each arm.
BASKERVILLE_2012 = {"z": 8.76, "practices": 1398, "facilitated": 697, "control": 701}

#: The columns :func:`published_results` needs.
REQUIRED_COLUMNS = (
    "result_id",
    "study",
    "source",
    "outcome",
    "subgroup",
    "comparison",
    "metric",
    "null_value",
    "estimate",
    "ci_low",
    "ci_high",
    "intervention_value",
    "comparison_value",
    "p_value",
    "reported_as",
    "label",
)

#: Panels of the figure, in order, with the axis label of each. A regression coefficient whose
#: scale was not read is not drawn.
PANELS = {
    "standardised mean difference": "SMD (0 = no difference)",
    "odds ratio": "odds ratio, log scale (1 = no difference)",
    "percentage": "% in each arm",
    "difference in patients": "patients (0 = no difference)",
    "difference in change (%)": "% as printed (0 = no difference)",
    "no number read": "",
}
NOT_DRAWN = ("regression coefficient",)
#: Grey for the comparison arm: at least 4.5:1 contrast on white.
GREY = "#666666"

_P_VALUE = re.compile(r"^\s*(?P<op>[<=≤]?)\s*(?P<value>\d*\.?\d+)\s*$")


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite number; got {value!r}")
    return float(value)


def smd_to_odds_ratio(smd: float) -> float:
    """The odds ratio that a standardised mean difference corresponds to: ``exp(SMD·π/√3)``.

    This is the logistic approximation: it treats the outcome as a logistic latent variable
    dichotomised at a threshold, so it is an assumption, not a second measurement.
    """
    return math.exp(_finite("smd", smd) * LOGISTIC_FACTOR)


def odds_ratio_to_smd(odds_ratio: float) -> float:
    """The inverse of :func:`smd_to_odds_ratio`: ``ln(OR)·√3/π``."""
    value = _finite("odds_ratio", odds_ratio)
    if value <= 0:
        raise ValueError(f"odds_ratio must be positive; got {odds_ratio}")
    return math.log(value) / LOGISTIC_FACTOR


def percentage_point_difference(intervention: float, comparison: float) -> float:
    """Difference of two percentages in percentage points (intervention minus comparison)."""
    a = _finite("intervention", intervention)
    b = _finite("comparison", comparison)
    for name, value in (("intervention", a), ("comparison", b)):
        if not 0 <= value <= 100:
            raise ValueError(f"{name} must be a percentage between 0 and 100; got {value}")
    return a - b


def below_alpha(p_value: str | None, alpha: float = 0.05) -> bool | None:
    """Is a p-value *as printed* (``"< .001"``, ``"0.029"``, ``".01"``) below ``alpha``?

    Returns None when no p-value was printed (None or an empty string). A printed bound such
    as ``"< .05"`` counts as below ``alpha`` when the bound is at most ``alpha``.
    """
    if p_value is None or (isinstance(p_value, float) and math.isnan(p_value)):
        return None
    if not isinstance(p_value, str):
        raise TypeError(f"p_value must be a string as printed, e.g. '< .001'; got {p_value!r}")
    if not p_value.strip():
        return None
    match = _P_VALUE.match(p_value)
    if not match:
        raise ValueError(
            f"p_value {p_value!r} is not a printed p-value such as '< .001' or '0.029'"
        )
    value = float(match["value"])
    if value > 1:
        raise ValueError(f"p_value {p_value!r} is greater than 1")
    return value <= alpha if match["op"] in ("<", "≤") else value < alpha


def range_under_rounding(
    func: Callable[..., float], printed: Sequence[tuple[float, int]]
) -> tuple[float, float]:
    """Smallest and largest value of ``func`` over inputs that round to the printed ones.

    ``printed`` holds ``(value, decimals)`` pairs: a value printed to ``decimals`` places may
    have been anything within half a unit of its last digit. ``func`` is evaluated at every
    corner of that box, which bounds it exactly when it is monotone in each input (true of
    every function this module checks).
    """
    if not printed:
        raise ValueError("printed must hold at least one (value, decimals) pair")
    corners = []
    for value, decimals in printed:
        half = 0.5 * 10.0 ** (-int(decimals))
        corners.append((_finite("printed value", value) - half, value + half))
    results = [func(*point) for point in itertools.product(*corners)]
    return min(results), max(results)


@dataclass(frozen=True)
class Check:
    """One recomputed quantity, and whether it agrees with the published value."""

    study: str
    quantity: str
    recomputed: float
    low: float
    high: float
    published: float | None
    decimals: int | None
    agrees: bool | None

    def __repr__(self) -> str:
        verdict = {True: "agrees", False: "DIFFERS", None: "nothing published to compare"}
        return f"{self.study}, {self.quantity}: {self.recomputed:.4g} ({verdict[self.agrees]})"


def _check(
    study: str,
    quantity: str,
    func: Callable[..., float],
    printed: Sequence[tuple[float, int]],
    published: float | None = None,
    decimals: int | None = None,
) -> Check:
    """Recompute ``func`` from printed inputs; compare with ``published`` at its precision.

    They agree when the published value, read as anything within half a unit of its last
    printed digit, overlaps the range the recomputed value can take given the rounding of its
    inputs.
    """
    recomputed = func(*(value for value, _ in printed))
    low, high = range_under_rounding(func, printed)
    agrees = None
    if published is not None:
        if decimals is None:
            raise ValueError(f"{quantity}: give the decimals the published value was printed to")
        half = 0.5 * 10.0 ** (-decimals)
        agrees = published - half <= high and low <= published + half
    return Check(study, quantity, recomputed, low, high, published, decimals, agrees)


@dataclass(frozen=True)
class Recomputation:
    """What could be recomputed from the printed results, and how it compares."""

    checks: tuple[Check, ...]

    @property
    def all_agree(self) -> bool:
        """Do all checks that have a published value agree with it?"""
        return all(c.agrees for c in self.checks if c.agrees is not None)

    def __repr__(self) -> str:
        compared = [c for c in self.checks if c.agrees is not None]
        agreeing = sum(bool(c.agrees) for c in compared)
        return (
            f"Recomputation: {len(self.checks)} quantities, {agreeing} of {len(compared)} "
            "with a published value agree at the printed precision"
        )

    def summary(self, decimals: int = 3) -> pd.DataFrame:
        """The checks as a table for people: values as text, agreement as yes or no."""
        frame = self.to_frame()
        ranges = zip(frame["range_low"], frame["range_high"], strict=True)
        return pd.DataFrame(
            {
                "study": frame["study"],
                "quantity": frame["quantity"],
                "recomputed": frame["recomputed"].map(lambda v: f"{v:.{decimals}f}"),
                "range under rounding": [
                    f"{lo:.{decimals}f} to {hi:.{decimals}f}" for lo, hi in ranges
                ],
                "published": frame["published"].map(
                    lambda v: "nothing published" if pd.isna(v) else f"{v:g}"
                ),
                "agrees": frame["agrees"].map({True: "yes", False: "no", None: "(derived)"}),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per quantity: recomputed value, its range under rounding, published value."""
        return pd.DataFrame(
            [
                {
                    "study": c.study,
                    "quantity": c.quantity,
                    "recomputed": c.recomputed,
                    "range_low": c.low,
                    "range_high": c.high,
                    "published": c.published,
                    "agrees": c.agrees,
                }
                for c in self.checks
            ]
        )


def _one(table: pd.DataFrame, result_id: str) -> pd.Series:
    rows = table[table["result_id"] == result_id]
    if len(rows) != 1:
        raise ValueError(f"expected one result {result_id!r} in the table; found {len(rows)}")
    return rows.iloc[0]


def _excludes_no_difference(row: pd.Series) -> bool | None:
    """True when the 95% interval excludes no difference or the printed p is below .05."""
    low, high, null = row["ci_low"], row["ci_high"], row["null_value"]
    if pd.notna(low) and pd.notna(high) and pd.notna(null):
        return bool(low > null or high < null)
    p_value = row["p_value"]
    return below_alpha(None if pd.isna(p_value) else str(p_value))


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


@dataclass(frozen=True)
class PublishedResults:
    """The published results on facilitation, one row per result (see the dataset)."""

    table: pd.DataFrame

    def __repr__(self) -> str:
        studies = self.table["study"].nunique()
        metrics = self.table["metric"].nunique()
        return (
            f"PublishedResults: {len(self.table)} results from {studies} studies, {metrics} metrics"
        )

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics the results are on, in the order of the figure's panels."""
        present = set(self.table["metric"])
        ordered = [m for m in (*PANELS, *NOT_DRAWN) if m in present]
        return tuple(ordered + sorted(present - set(ordered)))

    def studies(self) -> pd.DataFrame:
        """One row per study: its design, sample and comparison."""
        columns = ["study", "design", "sample", "comparison"]
        return self.table.drop_duplicates("study")[columns].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """A table for people: each result in its own words, with metric, design and label."""
        table = self.table
        excludes = table.apply(_excludes_no_difference, axis=1)
        return pd.DataFrame(
            {
                "study": table["study"],
                "design": table["design"],
                "comparison": table["comparison"],
                "outcome": table["outcome"]
                + table["subgroup"].map(lambda s: "" if s.startswith("all") else f"; {s}"),
                "metric": table["metric"],
                "result as reported": table["reported_as"],
                "p < .05 or CI excludes no difference": excludes.map(
                    {True: "yes", False: "no", None: "not read"}
                ),
                "label": table["label"],
            }
        ).reset_index(drop=True)

    def recompute(self) -> Recomputation:
        """Recompute what the printed numbers allow, and compare with what was published."""
        t = self.table
        checks: list[Check] = []
        smd = _one(t, "baskerville2012-smd")
        odds = _one(t, "baskerville2012-or")
        study = str(smd["study"])
        for what, smd_col in (("", "estimate"), (", lower 95% limit", "ci_low")):
            checks.append(
                _check(
                    study,
                    f"odds ratio{what} from the SMD",
                    smd_to_odds_ratio,
                    [(float(smd[smd_col]), 2)],
                    float(odds[smd_col]),
                    2,
                )
            )
        checks.append(
            _check(
                study,
                "odds ratio, upper 95% limit from the SMD",
                smd_to_odds_ratio,
                [(float(smd["ci_high"]), 2)],
                float(odds["ci_high"]),
                2,
            )
        )
        checks.append(
            _check(
                study,
                "z of the SMD, from its 95% interval",
                lambda est, lo, hi: est / ((hi - lo) / (2 * 1.959963984540054)),
                [
                    (float(smd["estimate"]), 2),
                    (float(smd["ci_low"]), 2),
                    (float(smd["ci_high"]), 2),
                ],
                BASKERVILLE_2012["z"],
                2,
            )
        )
        checks.append(
            _check(
                study,
                "practices, facilitated + control",
                lambda a, b: a + b,
                [(BASKERVILLE_2012["facilitated"], 0), (BASKERVILLE_2012["control"], 0)],
                BASKERVILLE_2012["practices"],
                0,
            )
        )
        # An estimate from a normal approximation sits at the middle of its interval.
        for result_id in (
            "baskerville2012-smd",
            "smith2020-all",
            "smith2020-non-adopters",
            "smith2020-adopters",
        ):
            row = _one(t, result_id)
            subgroup = "" if str(row["subgroup"]).startswith("all") else f" ({row['subgroup']})"
            decimals = 2 if result_id.startswith("baskerville") else 1
            checks.append(
                _check(
                    str(row["study"]),
                    f"estimate as the midpoint of its interval{subgroup}",
                    lambda lo, hi: (lo + hi) / 2,
                    [(float(row["ci_low"]), 2), (float(row["ci_high"]), 2)],
                    float(row["estimate"]),
                    decimals,
                )
            )
        uptake = _one(t, "kilbourne2015-uptake")
        checks.append(
            _check(
                str(uptake["study"]),
                "difference in uptake, percentage points",
                percentage_point_difference,
                [(float(uptake["intervention_value"]), 0), (float(uptake["comparison_value"]), 0)],
            )
        )
        return Recomputation(tuple(checks))

    def plot(self, width: float = 4.8):
        """Small multiples: one panel per metric, each on its own scale and labelled.

        Each result is labelled above its line, so the plot can use the full width of a phone.
        Bars are 95% intervals where one was read; a filled marker means the interval excludes
        no difference or the printed p is below .05, an open one that it does not, a grey one
        that neither was read. Percentages in two arms are drawn as two markers joined by a
        line. A study with no number read gets a panel of text instead of a point.
        """
        from matplotlib.lines import Line2D

        from . import plotting

        drawn = [m for m in self.metrics if m not in NOT_DRAWN]
        rows = {m: self.table[self.table["metric"] == m] for m in drawn}
        heights = [max(len(rows[m]), 1) + 1.1 for m in drawn]
        fig, axes = plotting.figure(
            width=width,
            height=0.62 * sum(heights) + 0.6,
            nrows=len(drawn),
            gridspec_kw={"height_ratios": heights},
        )
        axes = [axes] if len(drawn) == 1 else list(axes)
        for ax, metric in zip(axes, drawn, strict=True):
            panel = rows[metric].reset_index(drop=True)
            ax.set_title(metric[0].upper() + metric[1:], loc="left", fontsize=11)
            if metric == "no number read":
                self._text_panel(ax, panel)
                continue
            for i, row in panel.iterrows():
                if metric == "percentage":
                    self._arms(ax, row, -i)
                else:
                    self._estimate(ax, row, -i)
            if metric == "odds ratio":
                ax.set_xscale("log")
                ax.set_xticks([1, 2, 4, 8])
                ax.set_xticklabels(["1", "2", "4", "8"])
                ax.minorticks_off()
            ax.margins(x=0.3 if metric == "percentage" else 0.1)
            nulls = panel["null_value"].dropna()
            if metric != "percentage" and len(nulls):
                ax.axvline(float(nulls.iloc[0]), color="black", linewidth=0.8, linestyle="--")
            ax.set_yticks([])
            for i, label in enumerate(self._labels(panel)):
                ax.text(
                    0.01,
                    -i + 0.3,
                    label,
                    transform=ax.get_yaxis_transform(),
                    ha="left",
                    va="bottom",
                    fontsize=9.5,
                    zorder=5,
                    # A white box keeps the no-difference line from running through the text.
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
                )
            ax.set_ylim(-len(panel) + 0.55, 0.95)
            ax.set_xlabel(PANELS.get(metric, metric), fontsize=10)
            ax.grid(axis="y", visible=False)
        blue = plotting.PALETTE["blue"]
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                color=blue,
                linestyle="",
                markersize=8,
                label="p < .05 or CI excludes no difference",
            ),
            Line2D(
                [],
                [],
                marker="o",
                color=blue,
                markerfacecolor="white",
                linestyle="",
                markersize=8,
                label="neither",
            ),
            Line2D([], [], color=blue, linewidth=2, label="95% CI, where read"),
        ]
        fig.legend(handles=handles, loc="outside lower left", ncols=1, fontsize=9.5)
        return fig

    @staticmethod
    def _estimate(ax, row: pd.Series, y: float) -> None:
        """One estimate, with its interval when one was read."""
        from . import plotting

        excludes = _excludes_no_difference(row)
        colour = plotting.PALETTE["blue"] if excludes is not None else GREY
        if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
            ax.plot([row["ci_low"], row["ci_high"]], [y, y], color=colour, linewidth=2)
        face = colour if excludes else "white"
        ax.plot(row["estimate"], y, "o", markersize=8, color=colour, markerfacecolor=face)

    @staticmethod
    def _labels(panel: pd.DataFrame) -> list[str]:
        """Study, plus what tells its rows apart when a study has several in one panel."""
        labels = []
        for _, row in panel.iterrows():
            same = panel[panel["study"] == row["study"]]
            label = str(row["study"])
            if len(same) > 1:
                field = "outcome" if same["outcome"].nunique() > 1 else "subgroup"
                label += f": {row[field]}"
            if "converted" in str(row.get("note", "")):
                label += " (converted from the SMD)"
            if pd.notna(row["intervention_value"]) and pd.notna(row["comparison_value"]):
                difference = percentage_point_difference(
                    row["intervention_value"], row["comparison_value"]
                )
                label += f": difference {difference:+g} points"
            labels.append(label)
        return labels

    @staticmethod
    def _arms(ax, row: pd.Series, y: float) -> None:
        """Two arms' percentages joined by a line, with their difference in points."""
        from . import plotting

        comparison, intervention = row["comparison_value"], row["intervention_value"]
        blue = plotting.PALETTE["blue"]
        filled = blue if _excludes_no_difference(row) else "white"
        ax.plot([comparison, intervention], [y, y], color=GREY, linewidth=1.5)
        ax.plot(comparison, y, "s", markersize=8, color=GREY)
        ax.plot(intervention, y, "o", markersize=8, color=blue, markerfacecolor=filled)
        for value, text in ((comparison, "comparison"), (intervention, "facilitation")):
            ax.annotate(
                text,
                (value, y),
                xytext=(0, -15),
                textcoords="offset points",
                ha="center",
                fontsize=9,
            )

    @staticmethod
    def _text_panel(ax, panel: pd.DataFrame) -> None:
        ax.axis("off")
        lines = [_wrap(f"{row['study']}: {row['reported_as']}", 50) for _, row in panel.iterrows()]
        ax.text(0, 0.5, "\n".join(lines), transform=ax.transAxes, va="center", fontsize=9.5)


def published_results(table: pd.DataFrame | None = None) -> PublishedResults:
    """The published results on facilitation: the book's dataset, or a table of the same shape.

    Without ``table`` the validated dataset ``facilitation_trials`` is loaded. A table of your
    own needs the columns in :data:`REQUIRED_COLUMNS` (extra columns are kept).
    """
    if table is None:
        from . import data

        table = data.load("facilitation_trials")
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks the column(s) {', '.join(missing)}")
    if table["result_id"].duplicated().any():
        dupes = sorted(set(table.loc[table["result_id"].duplicated(), "result_id"]))
        raise ValueError(f"result_id must be unique; repeated: {', '.join(dupes)}")
    return PublishedResults(table.reset_index(drop=True))
