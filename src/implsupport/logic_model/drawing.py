"""Drawing a logic model: one column per element type, one arrow per link.

The layout is deterministic: elements keep the order of the file in the first column, and
each later column is ordered by the mean position of the elements that lead to it (ties and
unlinked elements keep the file's order), which removes most crossings. Boxes with a gap
have a dashed border; an outcome's measure is printed under its label; inferred links are
drawn dashed.

``draw(model, direction="down")`` puts the element types one under another instead, with the
boxes of a type side by side: the form that fits a book's text column (and a phone) with its
text at the book's size (:data:`implsupport.plotting.MIN_FONT_POINTS`).
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

__all__ = ["DIRECTIONS", "Box", "draw", "layout"]

#: How the element types follow one another: left to right, or top to bottom.
DIRECTIONS = ("across", "down")

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


def _text_lines(
    element: Element, wrap: int, small_wrap: int | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    lines = tuple(textwrap.wrap(f"{element.id}. {element.label}", wrap)) or (element.id,)
    small: tuple[str, ...] = ()
    if element.is_outcome:
        measure = element.measure or "no measure given"
        small = tuple(textwrap.wrap(f"Measure: {measure}", small_wrap or wrap + 4))
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


def draw(
    model: LogicModel, *, width: float = 10.0, wrap: int = 24, direction: str = "across"
) -> Figure:
    """The diagram of ``model`` as a matplotlib Figure in the house style.

    ``direction="across"`` draws a column per element type, its text wrapped at ``wrap``
    characters; ``"down"`` a row per type, ``width`` inches wide, its text wrapped to the boxes.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: expected one of {', '.join(DIRECTIONS)}, found {direction!r}")
    if direction == "down":
        return _draw_down(model, width=width)
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
    notes = _notes(model)
    if notes:
        ax.text(-0.45, -0.1, "  ".join(notes), ha="left", va="bottom", fontsize=7.5)
    if model.title:
        ax.set_title(model.title, fontsize=11)
    return fig


def _notes(model: LogicModel) -> list[str]:
    notes = ["Dashed box: a gap the builder found (see the list of gaps)."] if model.gaps else []
    if any(link.inferred for link in model.links):
        notes.append("Dashed arrow: a link inferred by the modeller, not stated in the source.")
    return notes


def _draw_down(model: LogicModel, *, width: float) -> Figure:
    """A row per element type, top to bottom; positions are in inches from the bottom left."""
    size = plotting.MIN_FONT_POINTS
    line = 1.3 * size / 72  # one line of text, in inches
    # The order within a type is the one that removes most crossings in the columns' layout.
    across = sorted(layout(model), key=lambda b: (b.column, -b.y))
    rows: list[list[Element]] = [[] for _ in COLUMNS]
    by_id = {e.id: e for e in model.elements}
    for box in across:
        rows[box.column].append(by_id[box.id])
    rows_used = [(i, items) for i, items in enumerate(rows) if items]
    per_row = max(len(items) for _, items in rows_used)
    slot = (width - 0.1) / per_row
    box_width = 0.92 * slot
    chars = max(8, int((box_width * 72 - 9) / (0.56 * size)))  # DejaVu Sans: ~0.55 em a letter
    header, gap, pad = 1.5 * line, 0.42, 0.12
    wrap_notes = int(width * 72 / (0.56 * size))
    notes = [t for note in _notes(model) for t in textwrap.wrap(note, wrap_notes)]
    title = textwrap.wrap(model.title, wrap_notes) if model.title else []
    texts = {e.id: _text_lines(e, chars, chars) for e in model.elements}
    heights = {
        i: len(lines) * line + len(small) * line + pad for i, (lines, small) in texts.items()
    }
    row_heights = [max(heights[e.id] for e in items) for _, items in rows_used]
    total = (
        len(title) * 1.3 * line + 0.15 + sum(header + h + gap for h in row_heights)
        - gap + 0.2 + len(notes) * line
    )  # fmt: skip
    fig, ax = plotting.figure(width=width, height=total)
    fig.set_layout_engine("none")
    ax.set_position((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, total)
    ax.axis("off")
    top = total
    if title:
        ax.text(0.05, top, "\n".join(title), ha="left", va="top", fontsize=1.1 * size)
        top -= len(title) * 1.3 * line + 0.15
    place: dict[str, tuple[float, float, float]] = {}  # id -> centre x, top y, bottom y
    row_of: dict[str, int] = {}
    gaps = {g.element for g in model.gaps}
    for row, ((column, items), row_height) in enumerate(zip(rows_used, row_heights, strict=True)):
        name = COLUMNS[column][0]
        colour = _COLOURS[name]
        ax.text(
            0.05, top, name, ha="left", va="top", fontsize=size, fontweight="bold", color=colour
        )
        top -= header
        start = (width - slot * len(items)) / 2
        for k, element in enumerate(items):
            x = start + slot * (k + 0.5)
            h = heights[element.id]
            place[element.id] = (x, top, top - h)
            row_of[element.id] = row
            ax.add_patch(
                FancyBboxPatch(
                    (x - box_width / 2, top - h), box_width, h,
                    boxstyle="round,pad=0,rounding_size=0.05",
                    facecolor=colour + "1F", edgecolor=colour,
                    linewidth=1.6 if element.id in gaps else 1.0,
                    linestyle=(0, (3, 2)) if element.id in gaps else "-",
                    gid=f"box-{element.id}",
                )
            )  # fmt: skip
            lines, small = texts[element.id]
            left, y = x - box_width / 2 + 0.06, top - pad / 2
            ax.text(left, y, "\n".join(lines), ha="left", va="top", fontsize=size)
            if small:
                ax.text(
                    left, y - len(lines) * line, "\n".join(small), ha="left", va="top",
                    fontsize=size, style="italic", color="#333333",
                )  # fmt: skip
        top -= row_height + gap
    for link in model.links:
        (x0, top0, bottom0), (x1, top1, bottom1) = place[link.source], place[link.target]
        step = row_of[link.target] - row_of[link.source]
        if step == 0:  # within a type: side to side
            tail = (x0 + (box_width / 2 if x1 > x0 else -box_width / 2), (top0 + bottom0) / 2)
            head = (x1 - (box_width / 2 if x1 > x0 else -box_width / 2), (top1 + bottom1) / 2)
        elif step > 0:
            tail, head = (x0, bottom0), (x1, top1)
        else:
            tail, head = (x0, top0), (x1, bottom1)
        ax.add_patch(
            FancyArrowPatch(
                tail, head, arrowstyle="-|>", mutation_scale=10, color="#444444", linewidth=0.9,
                linestyle=(0, (3, 2)) if link.inferred else "-",
                connectionstyle=f"arc3,rad={0.0 if abs(step) <= 1 else 0.25}",
                shrinkA=1, shrinkB=1, gid=f"link-{link.source}-{link.target}",
            )
        )  # fmt: skip
    if notes:
        ax.text(0.05, 0.05, "\n".join(notes), ha="left", va="bottom", fontsize=size)
    return fig
