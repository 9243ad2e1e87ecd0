"""ERIC strategies in published expert ratings: go-zones and expert endorsements.

Two kinds of real, partial tables from the ERIC project (the book's ``data/`` holds only the
rows that could be read, and says so):

- Waltz et al. (2015) rated each strategy's importance and feasibility and placed it in a
  *go-zone* quadrant split at the means of all 73 strategies. From a subset of rows the split
  points cannot be computed, but the printed quadrants bound them: :func:`go_zone_bounds`.
- Waltz et al. (2019) counted how many experts chose each strategy for a CFIR barrier, with
  levels at 50% and 20% of respondents. :func:`endorsements` adds a Wilson interval to each
  share, so a reader can see which levels a sample of 25 experts pins down.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import plotting

__all__ = [
    "GoZoneBounds",
    "endorsements",
    "go_zone_bounds",
    "plot_endorsements",
    "plot_go_zone",
    "strategy_key",
    "wilson_interval",
]

# Spellings that differ between the ERIC tables for the same strategy.
_SPELLINGS = {"adviser": "advisor", "purposely": "purposefully"}


def strategy_key(name: str) -> str:
    """A strategy's name for matching across tables: case, spaces and known spellings unified."""
    words = str(name).casefold().replace(",", " ").split()
    return " ".join(_SPELLINGS.get(w, w) for w in words)


#: Level boundaries of Waltz et al. (2019): level 1 at 50% or more, level 2 at 20-49.9%.
LEVEL_CUTS = (0.5, 0.2)


def wilson_interval(count: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``count`` successes in ``n`` trials (no continuity correction)."""
    if isinstance(count, bool) or isinstance(n, bool) or int(count) != count or int(n) != n:
        raise TypeError(f"count and n must be whole numbers; got {count!r} and {n!r}")
    if n <= 0 or not 0 <= count <= n:
        raise ValueError(f"need 0 <= count <= n and n > 0; got count={count}, n={n}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level}")
    z = stats.norm.ppf(0.5 + level / 2)
    p = count / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # At 0 and n the bounds are exactly 0 and 1 (rounding would leave a few 1e-17 off).
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == n else min(1.0, centre + half)
    return low, high


def _level(share: float) -> int | None:
    if share >= LEVEL_CUTS[0]:
        return 1
    if share >= LEVEL_CUTS[1]:
        return 2
    return None


def endorsements(frame: pd.DataFrame, n: int, level: float = 0.95) -> pd.DataFrame:
    """Each strategy's share of ``n`` experts, its Wilson interval and what the interval allows.

    ``frame`` needs the columns ``strategy`` and ``count``. ``level_range`` lists the levels
    (1, 2, or "below 2") that the interval reaches: one level means the sample pins it down.
    """
    for name in ("strategy", "count"):
        if name not in frame.columns:
            raise ValueError(f"frame: no column {name!r} (columns: {', '.join(frame.columns)})")
    rows = []
    for strategy, count in zip(frame["strategy"], frame["count"], strict=True):
        low, high = wilson_interval(int(count), n, level)
        levels = [_level(x) for x in (high, low)]
        names = ["below 2" if x is None else str(x) for x in dict.fromkeys(levels)]
        rows.append(
            {
                "strategy": strategy,
                "count": int(count),
                "share": count / n,
                "ci_low": low,
                "ci_high": high,
                "level": _level(count / n),
                "level_range": " to ".join(dict.fromkeys([names[0], names[-1]])),
            }
        )
    out = pd.DataFrame(rows)
    out["level"] = out["level"].astype("Int64")
    return out


@dataclass(frozen=True)
class GoZoneBounds:
    """Where the go-zone split points must lie, given the quadrants printed for some rows."""

    importance: tuple[float, float]
    feasibility: tuple[float, float]
    rows: int

    def __repr__(self) -> str:
        return (
            f"GoZoneBounds(importance split in ({self.importance[0]:.2f}, "
            f"{self.importance[1]:.2f}], feasibility split in ({self.feasibility[0]:.2f}, "
            f"{self.feasibility[1]:.2f}]; from {self.rows} rows)"
        )


_HIGH_IMPORTANCE = {"I", "IV"}
_HIGH_FEASIBILITY = {"I", "II"}


def go_zone_bounds(frame: pd.DataFrame) -> GoZoneBounds:
    """The interval each split point must lie in for the printed quadrants to be right.

    A strategy in quadrant I or IV is above the importance split, one in II or III is not (and
    likewise for feasibility with I and II). The split is above the highest "low" rating and
    at or below the lowest "high" one. Raises ValueError if the quadrants contradict each other.
    """
    for name in ("mean_importance", "mean_feasibility", "go_zone_quadrant"):
        if name not in frame.columns:
            raise ValueError(f"frame: no column {name!r}")
    quadrant = frame["go_zone_quadrant"].astype(str)
    unknown = sorted(set(quadrant) - {"I", "II", "III", "IV"})
    if unknown:
        raise ValueError(f"go_zone_quadrant: unknown quadrant(s) {unknown}")

    def bounds(values: pd.Series, high: set[str], what: str) -> tuple[float, float]:
        is_high = quadrant.isin(high)
        low_max = float(values[~is_high].max()) if (~is_high).any() else -np.inf
        high_min = float(values[is_high].min()) if is_high.any() else np.inf
        if low_max >= high_min:
            raise ValueError(f"{what}: the printed quadrants contradict each other")
        return low_max, high_min

    return GoZoneBounds(
        bounds(frame["mean_importance"], _HIGH_IMPORTANCE, "importance"),
        bounds(frame["mean_feasibility"], _HIGH_FEASIBILITY, "feasibility"),
        len(frame),
    )


def plot_go_zone(frame: pd.DataFrame, highlight: str, *, label: str = ""):
    """Importance against feasibility for the rows given; ``highlight``: one cluster's name.

    The bands show where the split points must lie (:func:`go_zone_bounds`), since the
    means of all 73 strategies are not in a partial table.
    """
    b = go_zone_bounds(frame)
    fig, ax = plotting.figure(width=7.0, height=5.2)
    ax.axvspan(*b.feasibility, color="#999999", alpha=0.25, linewidth=0)
    ax.axhspan(*b.importance, color="#999999", alpha=0.25, linewidth=0)
    inside = frame["cluster"] == highlight
    for mask, colour, marker, name in (
        (~inside, plotting.PALETTE["sky"], "o", "other clusters (of the rows read)"),
        (inside, plotting.PALETTE["vermillion"], "s", label or highlight),
    ):
        part = frame[mask]
        ax.scatter(part["mean_feasibility"], part["mean_importance"], s=36, color=colour,
                   marker=marker, label=name, zorder=3)  # fmt: skip
    for _, row in frame[inside].iterrows():  # numbered as in Waltz's Table 1
        ax.annotate(f"#{row['strategy_no']}", (row["mean_feasibility"], row["mean_importance"]),
                    xytext=(4, 3), textcoords="offset points", fontsize=8)  # fmt: skip
    ax.set_xlabel("mean feasibility (1-5)")
    ax.set_ylabel("mean importance (1-5)")
    ax.legend(loc="lower right", fontsize=8.5)
    return fig


def plot_endorsements(table: pd.DataFrame, highlight: set[str], *, n: int, label: str):
    """Share of experts per strategy with its Wilson interval; level cuts as dotted lines."""
    shown = table.iloc[::-1]
    # Drawn for the text column: names wrapped onto two lines keep the text at the book's size.
    names = ["\n".join(textwrap.wrap(str(s), 34)) for s in shown["strategy"]]
    row = 0.34 if any("\n" in name for name in names) else 0.2  # inches per strategy
    fig, ax = plotting.figure(width=6.0, height=row * len(names) + 1.3)
    y = np.arange(len(shown))
    colours = [
        plotting.PALETTE["vermillion"] if s in highlight else plotting.PALETTE["blue"]
        for s in shown["strategy"]
    ]
    ax.hlines(y, shown["ci_low"], shown["ci_high"], color=colours, linewidth=1.4)
    ax.scatter(shown["share"], y, color=colours, s=16, zorder=3)
    for cut in LEVEL_CUTS:
        ax.axvline(cut, color="black", linewidth=0.8, linestyle=":")
    ax.set_yticks(y, names, fontsize=plotting.MIN_FONT_POINTS)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of the {n} experts (95% Wilson interval)")
    ax.grid(axis="y", visible=False)
    ax.scatter([], [], color=plotting.PALETTE["vermillion"], s=16, label=label)
    ax.scatter([], [], color=plotting.PALETTE["blue"], s=16, label="other strategies")
    fig.legend(loc="outside lower center", fontsize=plotting.MIN_FONT_POINTS, frameon=False)
    return fig
