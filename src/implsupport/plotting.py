"""One house style for every figure, and figures that carry a caption and alt text.

The palette keeps the hues of Okabe & Ito's colour-blind-safe set, darkened where needed so
that every colour has at least 3:1 contrast against the white page (WCAG 2.1, non-text
contrast); the tests check both. In a chapter, draw with the
house style, then hand the figure to :func:`glue_figure`; the chapter's Markdown shows it with
a ``{glue:figure}`` directive that gives the caption and the ``:alt:`` text, so the built
page never shows a figure whose alternative text is a file name.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["DIVERGING", "PALETTE", "SEQUENTIAL", "figure", "glue_figure", "use_house_style"]

#: Okabe-Ito hues with at least 3:1 contrast on white, in the order the house style cycles.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#B26B00",
    "green": "#008060",
    "vermillion": "#D55E00",
    "sky": "#4F78B8",
    "purple": "#B5578F",
    "yellow": "#8A7A00",
    "black": "#000000",
}
#: Perceptually uniform, colour-blind-safe colour maps for heat maps.
SEQUENTIAL = "cividis"
DIVERGING = "PuOr"

_STYLE: dict[str, Any] = {
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE.values())),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 11,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "image.cmap": SEQUENTIAL,
    "svg.hashsalt": "implsupport",
}


def use_house_style() -> None:
    """Apply the house style to every figure drawn from now on."""
    mpl.rcParams.update(_STYLE)


def figure(width: float = 7.0, height: float = 4.0, **subplots: Any) -> tuple[Figure, Any]:
    """A new figure in the house style: ``fig, ax = figure()`` (``subplots`` as for pyplot)."""
    with mpl.rc_context(_STYLE):
        return plt.subplots(figsize=(width, height), layout="constrained", **subplots)


def glue_figure(name: str, fig: Figure) -> None:
    """Store ``fig`` under ``name`` for a ``{glue:figure}`` directive, and close it.

    The figure is not displayed where it is drawn: the directive in the chapter's Markdown
    places it, with its caption and ``:alt:`` text.
    """
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"figure name must be letters, digits, '-' or '_'; got {name!r}")
    from myst_nb import glue  # only available where the book is built

    glue(name, fig, display=False)
    plt.close(fig)
