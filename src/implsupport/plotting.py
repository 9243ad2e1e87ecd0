"""One house style for every figure, and figures that carry a caption and alt text.

The palette keeps the hues of Okabe & Ito's colour-blind-safe set, darkened where needed so
that every colour has at least 3:1 contrast against the white page (WCAG 2.1, non-text
contrast); the tests check both. In a chapter, draw with the
house style, then hand the figure to :func:`glue_figure`; the chapter's Markdown shows it with
a ``{glue:figure}`` directive that gives the caption and the ``:alt:`` text, so the built
page never shows a figure whose alternative text is a file name.

Figures are stored as SVG (:func:`figure_svg`): sharp at any zoom and in print, with the text
kept as text so that it is searchable and its size can be measured on the page. The SVG is the
same on every machine (no date, fixed ids), because nbval compares it with the stored output.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = [
    "DIVERGING",
    "PALETTE",
    "SEQUENTIAL",
    "figure",
    "figure_svg",
    "fit_to_column",
    "glue_figure",
    "use_house_style",
    "without_flat_runs",
]

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
    "svg.fonttype": "none",
}

#: The text column's width, in inches at 96 px per inch of the page: a figure stored for the book
#: is at most this wide, so that on a 1280 px screen (a column of about 690 px) its smallest text,
#: :data:`MIN_FONT_POINTS`, is no smaller than the page's own small print (14 px).
COLUMN_INCHES = 6.0
#: The smallest text a stored figure may carry, in points.
MIN_FONT_POINTS = 10.0

_DECIMALS = re.compile(r"(\d\.\d{2})\d+")
_TAG = re.compile(r"<[^>]*>")
#: Geometry (path data, positions, transforms), stored to 1/10 of a point: 0.2 px on a 1280 px
#: screen, and 0.04 mm on paper.
_GEOMETRY = re.compile(r' (d|x|y|transform|points)="([^"]*)"')
_TENTHS = re.compile(r"(\d\.\d)\d+")
#: The font list matplotlib writes on every text element: said once, in the file's style sheet,
#: and there only the few fonts readers' browsers need.
_FONT_LIST = re.compile(
    r"(; )?font-family: 'DejaVu Sans', 'Bitstream Vera Sans'[^;\"]*sans-serif(; )?"
)
_FONT_RULE = "text{font-family:'DejaVu Sans','Bitstream Vera Sans',Verdana,sans-serif}"
_STYLE_SHEET = '<style type="text/css">'
#: Path data as matplotlib writes it ("M 1.5 2.0  L 3.0 4.5  z ") and the spaces it can lose.
_PATH_DATA = re.compile(r' d="([^"]*)"')
_AROUND_COMMANDS = re.compile(r"\s*([MLCQZz])\s*")
_POINT_ZERO = re.compile(r"(\d)\.0(?![\d])")
#: Spaces between tags, outside text elements (where spaces between tspans can be shown).
_BETWEEN_TAGS = re.compile(r"(<text\b.*?</text)|>\s+(?=<)", re.S)
_REFERENCE = re.compile(r'(?:url\(#|href="#)([^)"]+)')
_GROUP = re.compile(r"<(/?)g\b([^>]*)>")
#: Parts of matplotlib's SVG that a browser does not use: the creator's metadata and the
#: rotation by zero degrees written on every upright label.
_UNUSED = re.compile(
    r'\s*<metadata>.*?</metadata>| transform="rotate\(-0 [\d.\-]+ [\d.\-]+\)"', re.S
)

#: What makes a stored SVG the same on every run and machine: fixed ids, text as text.
_SVG: dict[str, Any] = {"svg.hashsalt": "implsupport", "svg.id": "figure", "svg.fonttype": "none"}


def use_house_style() -> None:
    """Apply the house style to every figure drawn from now on."""
    mpl.rcParams.update(_STYLE)


def figure(width: float = 7.0, height: float = 4.0, **subplots: Any) -> tuple[Figure, Any]:
    """A new figure in the house style: ``fig, ax = figure()`` (``subplots`` as for pyplot)."""
    with mpl.rc_context(_STYLE):
        return plt.subplots(figsize=(width, height), layout="constrained", **subplots)


def fit_to_column(fig: Figure) -> Figure:
    """Make ``fig`` at most :data:`COLUMN_INCHES` wide, with no text under the minimum size.

    A wider figure is scaled down as a whole (its text keeps its size in points, so it grows
    relative to the figure); text smaller than :data:`MIN_FONT_POINTS` is enlarged to it.
    """
    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < MIN_FONT_POINTS:
            text.set_fontsize(MIN_FONT_POINTS)
    # The stored file is cut to what is drawn (bbox_inches="tight"), which labels outside the
    # axes can make wider than the figure: shrink until what is drawn fits the column.
    fig.draw_without_rendering()  # lay the figure out at its size first
    for _ in range(4):
        width, height = fig.get_size_inches()
        factor = COLUMN_INCHES / fig.get_tightbbox().width
        if factor >= 0.999:
            break
        fig.set_size_inches(width * factor, height * factor)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.draw_without_rendering()
        if any("collapsed" in str(w.message) for w in caught):
            # Too much text for a figure this small: keep the last size that could be laid out
            # (such a figure is better redrawn for the column, e.g. split into rows).
            fig.set_size_inches(width, height)
            fig.draw_without_rendering()
            break
    return fig


def without_flat_runs(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """The points of the line (``x``, ``y``) without the inner points of its level stretches.

    A line drawn through the remaining points is the same line; the stored figure is smaller.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-d and of one length, got {x.shape} and {y.shape}")
    keep = np.ones(len(y), dtype=bool)
    keep[1:-1] = (y[1:-1] != y[:-2]) | (y[1:-1] != y[2:])
    return x[keep], y[keep]


#: The ids matplotlib derives from the full-precision geometry of clip paths and markers; they
#: differ between machines in the last bit, so the stored SVG numbers them in order instead.
_HASHED_ID = re.compile(r'id="([pm])([0-9a-f]{10})"')


def _number_hashed_ids(svg: str) -> str:
    names: dict[str, str] = {}
    for kind, digest in _HASHED_ID.findall(svg):
        names.setdefault(kind + digest, f"{'clip' if kind == 'p' else 'marker'}{len(names) + 1}")
    for old, new in names.items():
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old}", f"#{new}")
    return svg


def _geometry_to_tenths(attribute: re.Match[str]) -> str:
    value = _TENTHS.sub(r"\1", attribute[2])
    return f' {attribute[1]}="{value}"'


def figure_svg(fig: Figure) -> str:
    """``fig`` as SVG text, identical on every run: no date, fixed ids, text kept as text."""
    buffer = io.StringIO()
    with mpl.rc_context(_SVG):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    # Numbers in the markup to 1/100 and geometry to 1/10 of a point: the file is less than
    # half the size, and last-bit differences between machines no longer show in the stored
    # text. The words a reader sees (labels, legends, ticks) are left as they were written:
    # "p = 0.005" stays 0.005.
    svg = _number_hashed_ids(_UNUSED.sub("", buffer.getvalue()))
    svg = _GEOMETRY.sub(_geometry_to_tenths, svg)
    svg = _TAG.sub(lambda tag: _DECIMALS.sub(r"\1", tag[0]), svg)
    return _compact(svg)


def _compact_path(attribute: re.Match[str]) -> str:
    data = _POINT_ZERO.sub(r"\1", _AROUND_COMMANDS.sub(r"\1", attribute[1]).strip())
    return f' d="{data}"'


def _compact(svg: str) -> str:
    """``svg`` without what a browser does not need to draw it the same, pixel for pixel.

    Path data loses its spaces around commands and its ".0"s; the indentation between tags
    goes; the font list moves from every text element into one style rule; the groups that
    carry only an id nobody refers to are unwrapped. A figure is about a third smaller.
    """
    svg = _PATH_DATA.sub(_compact_path, svg)
    svg = _BETWEEN_TAGS.sub(lambda m: m[1] or ">", svg)
    svg = _FONT_LIST.sub(lambda m: "; " if m[1] and m[2] else "", svg)
    svg = svg.replace(_STYLE_SHEET, _STYLE_SHEET + _FONT_RULE, 1)
    referred = set(_REFERENCE.findall(svg))
    kept: list[bool] = []  # for each open group: is its tag kept?
    pieces, start = [], 0
    for tag in _GROUP.finditer(svg):
        pieces.append(svg[start : tag.start()])
        start = tag.end()
        closing, attributes = tag[1], tag[2].strip()
        if closing:
            keep = kept.pop()
        elif attributes.endswith("/"):
            keep = False  # an empty group draws nothing
        else:
            only_id = re.fullmatch(r'id="([^"]*)"', attributes)
            keep = attributes != "" and not (only_id and only_id[1] not in referred)
            kept.append(keep)
        if keep:
            pieces.append(tag[0])
    pieces.append(svg[start:])
    return "".join(pieces)


def glue_figure(name: str, fig: Figure) -> None:
    """Store ``fig`` as SVG under ``name`` for a ``{glue:figure}`` directive, and close it.

    The figure is not displayed where it is drawn: the directive in the chapter's Markdown
    places it, with its caption and ``:alt:`` text.
    """
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"figure name must be letters, digits, '-' or '_'; got {name!r}")
    from IPython.display import SVG
    from myst_nb import glue  # only available where the book is built

    glue(name, SVG(data=figure_svg(fit_to_column(fig))), display=False)
    plt.close(fig)
