"""Drawing a logic model: one column per element type, one arrow per link.

The layout is deterministic: elements keep the order of the file in the first column, and
each later column is ordered by the mean position of the elements that lead to it (ties and
unlinked elements keep the file's order), which removes most crossings. Boxes with a gap
have a dashed border; an outcome's measure is printed under its label; inferred links are
drawn dashed.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .. import plotting
from .model import COLUMNS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .model import Element, LogicModel

__all__ = ["Box", "draw", "layout"]

_COLOURS = {
    "Determinants": plotting.PALETTE["vermillion"],
    "Implementation strategies": plotting.PALETTE["blue"],
    "Mechanisms": plotting.PALETTE["purple"],
    "Implementation outcomes": plotting.PALETTE["green"],
    "Service and clinical outcomes": plotting.PALETTE["orange"],
}
_BOX_WIDTH = 0.8  # in column units
_LINE = 0.16  # height of one text line, in row units


@dataclass(frozen=True)
class Box:
    """Where an element is drawn: column, centre height and the lines of text in it."""

    id: str
    column: int
    y: float
    height: float
    lines: tuple[str, ...]
    small: tuple[str, ...]


def _column_of(kind: str) -> int:
    for index, (_, kinds) in enumerate(COLUMNS):
        if kind in kinds:
            return index
    raise ValueError(f"unknown element type {kind!r}")


def _text_lines(element: Element, wrap: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    lines = tuple(textwrap.wrap(f"{element.id}. {element.label}", wrap)) or (element.id,)
    small: tuple[str, ...] = ()
    if element.is_outcome:
        measure = element.measure or "no measure given"
        small = tuple(textwrap.wrap(f"Measure: {measure}", wrap + 4))
    if element.type in ("service_outcome", "clinical_outcome"):
        small = (f"({element.type.split('_')[0]} outcome)", *small)
    return lines, small


def layout(model: LogicModel, wrap: int = 24) -> tuple[Box, ...]:
    """The box of every element, in the model's element order."""
    columns: list[list[Element]] = [[] for _ in COLUMNS]
    for element in model.elements:
        columns[_column_of(element.type)].append(element)
    position: dict[str, float] = {}
    ordered: list[list[Element]] = []
    for items in columns:
        order = {e.id: i for i, e in enumerate(items)}

        def key(e: Element, order: dict[str, int] = order) -> tuple[float, int]:
            before = [
                position[link.source] for link in model.links_to(e.id) if link.source in position
            ]
            return (sum(before) / len(before) if before else float("inf"), order[e.id])

        items = sorted(items, key=key)
        for rank, e in enumerate(items):
            position.setdefault(e.id, float(rank))
        ordered.append(items)
    boxes: dict[str, Box] = {}
    tallest = max(
        sum(_box_height(*_text_lines(e, wrap)) + 0.25 for e in items) for items in ordered
    )
    for column, items in enumerate(ordered):
        heights = [_box_height(*_text_lines(e, wrap)) for e in items]
        total = sum(heights) + 0.25 * len(items)
        top = tallest - (tallest - total) / 2  # centre the column vertically
        for e, h in zip(items, heights, strict=True):
            lines, small = _text_lines(e, wrap)
            boxes[e.id] = Box(e.id, column, top - 0.125 - h / 2, h, lines, small)
            top -= h + 0.25
    return tuple(boxes[e.id] for e in model.elements)


def _box_height(lines: tuple[str, ...], small: tuple[str, ...]) -> float:
    return _LINE * len(lines) + 0.85 * _LINE * len(small) + 0.12


def draw(model: LogicModel, *, width: float = 10.0, wrap: int = 24) -> Figure:
    """The diagram of ``model`` as a matplotlib Figure in the house style."""
    boxes = {b.id: b for b in layout(model, wrap)}
    gaps = {g.element for g in model.gaps}
    tallest = max(b.y + b.height / 2 for b in boxes.values())
    height = max(2.6, 1.05 * tallest + 1.0)
    fig, ax = plotting.figure(width=width, height=height)
    ax.set_xlim(-0.5, len(COLUMNS) - 0.5)
    ax.set_ylim(-0.15, tallest + 0.45)
    ax.axis("off")
    for index, (name, _) in enumerate(COLUMNS):
        ax.text(
            index, tallest + 0.3, "\n".join(textwrap.wrap(name, 18)), ha="center",
            va="center", fontsize=9.5, fontweight="bold", color=_COLOURS[name],
        )  # fmt: skip
    for element in model.elements:
        box = boxes[element.id]
        colour = _COLOURS[COLUMNS[box.column][0]]
        ax.add_patch(
            FancyBboxPatch(
                (box.column - _BOX_WIDTH / 2, box.y - box.height / 2),
                _BOX_WIDTH,
                box.height,
                boxstyle="round,pad=0,rounding_size=0.04",
                facecolor=colour + "1F",
                edgecolor=colour,
                linewidth=1.6 if element.id in gaps else 1.0,
                linestyle=(0, (3, 2)) if element.id in gaps else "-",
                gid=f"box-{element.id}",
            )
        )
        text = "\n".join(box.lines)
        top = box.y + box.height / 2 - 0.06
        ax.text(box.column - _BOX_WIDTH / 2 + 0.04, top, text, ha="left", va="top", fontsize=8)
        if box.small:
            ax.text(
                box.column - _BOX_WIDTH / 2 + 0.04, top - _LINE * len(box.lines) - 0.02,
                "\n".join(box.small), ha="left", va="top", fontsize=6.8, style="italic",
                color="#333333",
            )  # fmt: skip
    for link in model.links:
        start, end = boxes[link.source], boxes[link.target]
        if start.column == end.column:  # a chain within a column: from the bottom to the top
            tail = (start.column, start.y - start.height / 2)
            head = (end.column, end.y + end.height / 2)
            if end.y > start.y:
                tail = (start.column + 0.1, start.y + start.height / 2)
                head = (end.column + 0.1, end.y - end.height / 2)
            rad = 0.0
        else:
            tail = (start.column + _BOX_WIDTH / 2, start.y)
            head = (end.column - _BOX_WIDTH / 2, end.y)
            rad = 0.0
        ax.add_patch(
            FancyArrowPatch(
                tail,
                head,
                arrowstyle="-|>",
                mutation_scale=9,
                color="#444444",
                linewidth=0.9,
                linestyle=(0, (3, 2)) if link.inferred else "-",
                connectionstyle=f"arc3,rad={rad}",
                shrinkA=1,
                shrinkB=1,
                gid=f"link-{link.source}-{link.target}",
            )
        )
    notes = ["Dashed box: a gap the builder found (see the list of gaps)."] if gaps else []
    if any(link.inferred for link in model.links):
        notes.append("Dashed arrow: a link inferred by the modeller, not stated in the source.")
    if notes:
        ax.text(-0.45, -0.1, "  ".join(notes), ha="left", va="bottom", fontsize=7.5)
    if model.title:
        ax.set_title(model.title, fontsize=11)
    return fig
