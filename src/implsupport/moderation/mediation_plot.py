"""The mediation diagram: X, M and Y in boxes, each arrow labelled with its estimate."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mediation import MediationResult


def _fmt(value: float) -> str:
    return "NA" if not math.isfinite(value) else f"{value:.3f}"


def _ci(low: float, high: float) -> str:
    return f"[{_fmt(low)}, {_fmt(high)}]"


def _path_label(result: MediationResult, name: str, symbol: str) -> str:
    equation, term = result._path_names()[name]
    row = result.paths[(result.paths["equation"] == equation) & (result.paths["term"] == term)]
    row = row.iloc[0]
    return f"{symbol} = {_fmt(row['estimate'])}\n{_ci(row['ci_low'], row['ci_high'])}"


def plot_mediation(result: MediationResult, ax: Any = None) -> Any:
    """Draw the model's path diagram with estimates and intervals. Returns the figure."""
    from .. import plotting

    if ax is None:
        fig, ax = plotting.figure(width=7, height=4.6)
    else:
        fig = ax.figure
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.9, 7)
    box = {"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "black"}
    positions = {"X": (1.2, 1.4), "M": (5.0, 4.6), "Y": (8.8, 1.4)}
    names = {"X": result.predictor, "M": result.mediator, "Y": result.outcome}
    for key, (px, py) in positions.items():
        ax.text(px, py, f"{names[key]}\n({key})", ha="center", va="center", bbox=box, fontsize=10)
    blue = plotting.PALETTE["blue"]

    def arrow(start: tuple[float, float], end: tuple[float, float], colour: str = blue) -> None:
        ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 1.6},
        )

    arrow((2.0, 2.0), (4.2, 4.1))
    arrow((5.8, 4.1), (8.0, 2.0))
    arrow((2.3, 1.4), (7.7, 1.4))
    first = {4: ("a", "a"), 7: ("a1", "a1"), 14: ("a", "a")}[result.model]
    second = {4: ("b", "b"), 7: ("b", "b"), 14: ("b1", "b1")}[result.model]
    ax.text(2.0, 3.6, _path_label(result, *first), ha="right", va="center", fontsize=9)
    ax.text(8.0, 3.6, _path_label(result, *second), ha="left", va="center", fontsize=9)
    ax.text(5.0, 1.0, _path_label(result, "direct", "c'"), ha="center", va="top", fontsize=9)
    if result.moderator is not None:
        orange = plotting.PALETTE["orange"]
        wx = 2.2 if result.model == 7 else 7.8
        ax.text(
            wx, 6.4, f"{result.moderator}\n(W)", ha="center", va="center", bbox=box, fontsize=10
        )
        target = (3.1, 3.05) if result.model == 7 else (6.9, 3.05)
        arrow((wx, 5.9), target, orange)
        name, symbol = ("a3", "a3") if result.model == 7 else ("b3", "b3")
        side = "left" if result.model == 7 else "right"
        ax.text(
            wx + (0.3 if side == "left" else -0.3),
            5.2,
            _path_label(result, name, symbol),
            ha=side,
            va="center",
            fontsize=9,
            color=orange,
        )
    level = f"{100 * (1 - result.alpha):g}%"
    if result.model == 4:
        ind = result.indirect.iloc[0]
        summary = (
            f"indirect effect a*b = {_fmt(ind['estimate'])}, {level} bootstrap interval "
            f"{_ci(ind['boot_ci_low'], ind['boot_ci_high'])}"
        )
    else:
        idx = result.index or {}
        summary = (
            f"index of moderated mediation = {_fmt(idx['estimate'])}, {level} bootstrap "
            f"interval {_ci(idx['boot_ci_low'], idx['boot_ci_high'])}"
        )
    ax.text(
        5.0,
        -0.85,
        summary + f"\n({result.n_boot} resamples; paths with {level} t intervals)",
        ha="center",
        va="bottom",
        fontsize=9,
    )
    ax.set_title(f"PROCESS model {result.model}: estimates on the diagram")
    return fig
