"""The competency map (chapters x the 15 competencies) and the learner's self-assessment."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .. import data as datasets
from .book import Chapter, _wrap, book_root, list_chapters


@dataclass(frozen=True)
class CompetencyMap:
    """Which chapters build which of the 15 practitioner competencies."""

    chapters: tuple[Chapter, ...]
    competencies: pd.DataFrame = field(repr=False)  # number, domain_number, domain, competency

    def __repr__(self) -> str:
        covered = len(self.competencies) - len(self.uncovered())
        return (
            f"CompetencyMap({len(self.chapters)} chapter{'' if len(self.chapters) == 1 else 's'}, "
            f"{covered} of "
            f"{len(self.competencies)} competencies covered)"
        )

    def matrix(self) -> pd.DataFrame:
        """Competency (rows, numbered) by chapter (columns): True where the chapter builds it."""
        index = pd.MultiIndex.from_frame(
            self.competencies[["number", "competency"]].astype({"number": int})
        )
        table = pd.DataFrame(False, index=index, columns=[c.id for c in self.chapters])
        for chapter in self.chapters:
            for number in chapter.competencies:
                table.loc[(number, slice(None)), chapter.id] = True
        table.columns.name = "chapter"
        return table

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per (competency, chapter) pair the map links."""
        rows = []
        for _, comp in self.competencies.iterrows():
            for chapter in self.chapters:
                if int(comp["number"]) in chapter.competencies:
                    rows.append(
                        {
                            "number": int(comp["number"]),
                            "domain": comp["domain"],
                            "competency": comp["competency"],
                            "chapter": chapter.id,
                            "title": chapter.title,
                        }
                    )
        return pd.DataFrame(rows, columns=["number", "domain", "competency", "chapter", "title"])

    def find(self, competency: int | str) -> int:
        """The number of a competency given by number (``7``, ``"7"``) or by (part of) name."""
        numbers = [int(n) for n in self.competencies["number"]]
        text = str(competency).strip()
        if text.isdigit():
            if int(text) not in numbers:
                raise ValueError(f"competency: expected a number 1-{max(numbers)}, found {text}")
            return int(text)
        names = {
            int(n): str(c) for n, c in zip(numbers, self.competencies["competency"], strict=True)
        }
        exact = [n for n, name in names.items() if name.casefold() == text.casefold()]
        if exact:
            return exact[0]
        partial = [n for n, name in names.items() if text.casefold() in name.casefold()]
        if len(partial) == 1:
            return partial[0]
        if partial:
            options = "; ".join(f"{n}. {names[n]}" for n in partial)
            raise ValueError(f"competency {text!r} is ambiguous: it matches {options}")
        raise ValueError(
            f"competency {text!r}: no such competency; give a number 1-{max(numbers)} or a name"
        )

    def chapters_for(self, competency: int | str) -> pd.DataFrame:
        """The chapters that build one competency (by number or name): chapter, label, title."""
        number = self.find(competency)
        rows = [
            {"chapter": c.id, "label": c.label, "title": c.title}
            for c in self.chapters
            if number in c.competencies
        ]
        return pd.DataFrame(rows, columns=["chapter", "label", "title"])

    def uncovered(self) -> tuple[int, ...]:
        """Numbers of the competencies no chapter builds yet."""
        built = {n for c in self.chapters for n in c.competencies}
        return tuple(int(n) for n in self.competencies["number"] if int(n) not in built)

    def plot(self):
        """Heat map of the matrix: competencies down, chapters across, filled where built."""
        from matplotlib.colors import ListedColormap

        from .. import plotting

        matrix = self.matrix()
        rows, cols = matrix.shape
        fig, ax = plotting.figure(width=max(6.5, 4.2 + 0.6 * cols), height=6.2)
        colours = ListedColormap(["#F4F4F4", plotting.PALETTE["blue"]])
        values = matrix.to_numpy(dtype=float) if cols else [[0.0]] * rows
        ax.imshow(values, cmap=colours, vmin=0, vmax=1, aspect="auto")
        ax.set_yticks(
            range(rows), [_wrap(f"{n}. {name}") for n, name in matrix.index], fontsize=8.5
        )
        ax.set_xticks(range(cols), [str(c.number or c.id) for c in self.chapters])
        ax.set_xlabel("chapter")
        ax.grid(False)
        ax.set_yticks([r - 0.5 for r in range(1, rows)], minor=True)
        ax.set_xticks([c - 0.5 for c in range(1, cols)], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
        domain_breaks = self.competencies["domain_number"].astype(int).diff().fillna(0) != 0
        for position in [i for i, brk in enumerate(domain_breaks) if brk]:
            ax.axhline(position - 0.5, color="black", linewidth=1)
        for r, c in zip(*matrix.to_numpy().nonzero(), strict=True):
            ax.text(c, r, "✓", ha="center", va="center", color="white", fontsize=10)
        ax.set_title("Chapters and the competencies they build")
        return fig


def competency_map(root: str | os.PathLike[str] | None = None) -> CompetencyMap:
    """Scan ``chapters/*.ipynb`` and map every chapter onto the 15 competencies."""
    folder = book_root(root)
    table = datasets.load("isp_competencies", folder / "data")
    table = table.astype({"number": int, "domain_number": int}).sort_values("number")
    return CompetencyMap(list_chapters(folder), table.reset_index(drop=True))


RATING_SCALE = {
    1: "new to me",
    2: "I know what it involves",
    3: "I practise it with support",
    4: "I practise it on my own and can help others",
}


@dataclass(frozen=True)
class SelfAssessment:
    """A learner's self-ratings (1-4) on the 15 competencies, before and after a course."""

    table: pd.DataFrame = field(repr=False)  # number, domain, competency, before, after
    map: CompetencyMap = field(repr=False)

    def __repr__(self) -> str:
        rated = self.table[["before", "after"]].notna().all(axis=None)
        return f"SelfAssessment(15 competencies, {'before and after' if rated else 'before'})"

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out["change"] = out["after"] - out["before"]
        return out

    def weakest(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` lowest-rated competencies (latest rating; ties by number)."""
        if not isinstance(n, int) or not 1 <= n <= len(self.table):
            raise ValueError(f"n: expected an integer 1-{len(self.table)}, found {n!r}")
        latest = self.table["after"].fillna(self.table["before"])
        ranked = self.table.assign(rating=latest).sort_values(["rating", "number"], kind="stable")
        return ranked.head(n)[["number", "domain", "competency", "rating"]].reset_index(drop=True)

    def suggestions(self, n: int = 3) -> pd.DataFrame:
        """For the ``n`` weakest competencies, the chapters that build them."""
        rows = []
        for _, row in self.weakest(n).iterrows():
            found = self.map.chapters_for(int(row["number"]))
            rows.append(
                {
                    "number": int(row["number"]),
                    "competency": row["competency"],
                    "rating": row["rating"],
                    "chapters": ", ".join(found["label"]) or "(no chapter yet)",
                }
            )
        return pd.DataFrame(rows)

    def plot(self):
        """Horizontal bars: the rating of each competency before (and after), by domain."""
        from .. import plotting

        fig, ax = plotting.figure(width=8.5, height=6.4)
        table = self.table.iloc[::-1].reset_index(drop=True)
        positions = range(len(table))
        has_after = table["after"].notna().any()
        height = 0.38 if has_after else 0.7
        offset = height / 2 if has_after else 0
        ax.barh(
            [p + offset for p in positions],
            table["before"].to_numpy(dtype=float, na_value=math.nan),
            height=height,
            color=plotting.PALETTE["sky"],
            label="before",
        )
        if has_after:
            ax.barh(
                [p - offset for p in positions],
                table["after"].to_numpy(dtype=float, na_value=math.nan),
                height=height,
                color=plotting.PALETTE["blue"],
                label="after",
            )
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
        ax.set_yticks(
            list(positions),
            [_wrap(f"{n}. {c}") for n, c in zip(table["number"], table["competency"], strict=True)],
            fontsize=8.5,
        )
        ax.set_xlim(0, 4.2)
        ax.set_xticks(list(RATING_SCALE), [str(k) for k in RATING_SCALE])
        ax.set_xlabel("self-rating (1 = new to me … 4 = practise it on my own)")
        ax.grid(axis="y", visible=False)
        return fig


def _ratings(values: Mapping[int, int] | Sequence[int] | None, what: str) -> list[int | None]:
    if values is None:
        return [None] * 15
    if isinstance(values, Mapping):
        if sorted(values) != list(range(1, 16)):
            raise ValueError(
                f"{what}: expected ratings for competencies 1-15, found keys {sorted(values)}"
            )
        values = [values[n] for n in range(1, 16)]
    values = list(values)
    if len(values) != 15:
        raise ValueError(f"{what}: expected 15 ratings, found {len(values)}")
    for value in values:
        if isinstance(value, bool) or value not in RATING_SCALE:
            raise ValueError(f"{what}: ratings must be integers 1-4, found {value!r}")
    return [int(v) for v in values]


def self_assessment(
    before: Mapping[int, int] | Sequence[int],
    after: Mapping[int, int] | Sequence[int] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> SelfAssessment:
    """A self-assessment profile from ratings 1-4 on competencies 1-15 (a list or a dict)."""
    cmap = competency_map(root)
    table = cmap.competencies[["number", "domain", "competency"]].copy()
    table["before"] = pd.array(_ratings(before, "before"), dtype="Int64")
    table["after"] = pd.array(_ratings(after, "after"), dtype="Int64")
    return SelfAssessment(table, cmap)
