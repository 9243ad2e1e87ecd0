"""Career pathways of implementation support practitioners: push, pull and co-creation.

Metz, Jensen, Farley and Boaz (2022) interviewed seventeen experienced implementation support
practitioners. "Almost all" described a trajectory starting with "push models", which evolved
into "pull models" and eventually "co-creation or exchange models". The interview data are not
public, so this module offers

- :func:`simulate_career_pathways`: an ILLUSTRATIVE, SIMULATED dataset that only mirrors the
  study's verified shape (17 practitioners; a model per career stage; most following the
  push -> pull -> co-creation arc). Its parameters are assumptions, not findings;
- :func:`transition_matrix`: counts and row proportions of moves between models from one stage
  to the next;
- :func:`plot_flow`: an alluvial (Sankey-style) figure of the pathways, drawn with matplotlib;
- :func:`compare_trajectory`: a learner's own trajectory set against the group's.

Pathways are given either as a long table with columns ``practitioner``, ``stage`` (1, 2, ...)
and ``model``, or as a list (or dict) of sequences of model names.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from . import plotting

__all__ = [
    "MODELS",
    "STAGE_NAMES",
    "TrajectoryComparison",
    "TransitionMatrix",
    "compare_trajectory",
    "is_typical_arc",
    "normalise_model",
    "pathways_to_sequences",
    "plot_flow",
    "simulate_career_pathways",
    "transition_matrix",
]

#: The three models of implementation support, in the order of the arc the study describes.
MODELS: tuple[str, ...] = ("push", "pull", "co-creation")
#: Names of the career stages used by the simulated dataset (this book's labels).
STAGE_NAMES: tuple[str, ...] = ("early career", "mid career", "later career", "current practice")

_ALIASES = {
    "push": "push",
    "push model": "push",
    "push models": "push",
    "pull": "pull",
    "pull model": "pull",
    "pull models": "pull",
    "co-creation": "co-creation",
    "cocreation": "co-creation",
    "co creation": "co-creation",
    "exchange": "co-creation",
    "co-creation or exchange": "co-creation",
    "co-creation or exchange models": "co-creation",
}
_COLOURS = {
    "push": plotting.PALETTE["vermillion"],
    "pull": plotting.PALETTE["orange"],
    "co-creation": plotting.PALETTE["blue"],
}


def normalise_model(value: Any) -> str:
    """``'Co-creation or exchange'`` -> ``'co-creation'``; unknown names raise ValueError."""
    key = str(value).strip().casefold().replace("_", "-")
    if key not in _ALIASES:
        raise ValueError(
            f"model must be one of {list(MODELS)} (or 'exchange' for co-creation); got {value!r}"
        )
    return _ALIASES[key]


# ---- the simulated dataset ------------------------------------------------------------------


def _typical(rng: np.random.Generator, n_stages: int) -> list[str]:
    """push first, co-creation last, pull in between; the two moves at random stages."""
    pairs = [(a, b) for a in range(1, n_stages - 1) for b in range(a + 1, n_stages)]
    first_pull, first_co = pairs[rng.integers(len(pairs))]
    return [
        "push" if s < first_pull else "pull" if s < first_co else "co-creation"
        for s in range(n_stages)
    ]


def _atypical(rng: np.random.Generator, n_stages: int, kind: int) -> list[str]:
    """One of three departures from the arc (``kind`` 0, 1 or 2); the stages are random."""
    if kind == 0:  # began with pull rather than push
        switch = int(rng.integers(1, n_stages))
        return ["pull" if s < switch else "co-creation" for s in range(n_stages)]
    if kind == 1:  # went from push straight to co-creation
        switch = int(rng.integers(1, n_stages))
        return ["push" if s < switch else "co-creation" for s in range(n_stages)]
    # followed the arc, then stepped back to pull at the last stage
    path = _typical(rng, n_stages - 1) if n_stages > 3 else ["push", "co-creation"]
    return [*path, "pull"]


def simulate_career_pathways(
    n_practitioners: int = 17, n_stages: int = 4, n_atypical: int = 2, seed: int = 2022
) -> pd.DataFrame:
    """An ILLUSTRATIVE, SIMULATED set of career pathways shaped like Metz et al. (2022).

    Data-generating process (every number here is an assumption, not a finding):

    1. ``n_practitioners`` practitioners (17, as in the study) each have ``n_stages`` career
       stages, named by :data:`STAGE_NAMES` when there are four;
    2. ``n_atypical`` of them, chosen at random, depart from the arc; the paper says only
       "almost all" followed it, so 2 of 17 is this generator's assumption;
    3. the others follow the arc: push at the first stage, co-creation at the last, pull in
       between; the stages at which they move are drawn uniformly among the valid pairs;
    4. the departures take three forms in turn (first, second, third atypical practitioner,
       then again): starting with pull; moving from push straight to co-creation; following
       the arc and stepping back to pull at the last stage. The stages at which they move
       are random.

    Returns a long table: ``practitioner`` (S01, S02, ...), ``stage``, ``stage_name``, ``model``.
    """
    if isinstance(n_practitioners, bool) or not isinstance(n_practitioners, int):
        raise TypeError(f"n_practitioners must be an integer; got {n_practitioners!r}")
    if n_practitioners < 1:
        raise ValueError(f"n_practitioners must be at least 1; got {n_practitioners}")
    if isinstance(n_stages, bool) or not isinstance(n_stages, int) or n_stages < 3:
        raise ValueError(f"n_stages must be an integer of at least 3; got {n_stages!r}")
    if isinstance(n_atypical, bool) or not isinstance(n_atypical, int):
        raise TypeError(f"n_atypical must be an integer; got {n_atypical!r}")
    if not 0 <= n_atypical <= n_practitioners:
        raise ValueError(f"n_atypical must be between 0 and {n_practitioners}; got {n_atypical}")
    rng = np.random.default_rng(seed)
    atypical = set(rng.choice(n_practitioners, size=n_atypical, replace=False).tolist())
    names = (
        STAGE_NAMES
        if n_stages == len(STAGE_NAMES)
        else tuple(f"stage {s}" for s in range(1, n_stages + 1))
    )
    rows = []
    width = len(str(n_practitioners))
    departures = 0
    for i in range(n_practitioners):
        if i in atypical:
            path = _atypical(rng, n_stages, departures % 3)
            departures += 1
        else:
            path = _typical(rng, n_stages)
        for stage, model in enumerate(path, start=1):
            rows.append(
                {
                    "practitioner": f"S{i + 1:0{max(width, 2)}d}",
                    "stage": stage,
                    "stage_name": names[stage - 1],
                    "model": model,
                }
            )
    return pd.DataFrame(rows)


# ---- reading pathways -----------------------------------------------------------------------


def pathways_to_sequences(pathways: Any) -> dict[str, list[str]]:
    """Pathways as ``{practitioner: [model at stage 1, model at stage 2, ...]}``.

    Accepts a long table (columns ``practitioner``, ``stage``, ``model``), a mapping of names
    to sequences, or a list of sequences (named 1, 2, ...). Model names are normalised.
    """
    if isinstance(pathways, pd.DataFrame):
        missing = [c for c in ("practitioner", "stage", "model") if c not in pathways.columns]
        if missing:
            raise ValueError(
                f"pathways is missing column(s) {missing}; expected practitioner, stage, model"
            )
        if pathways.empty:
            raise ValueError("pathways is empty: no rows")
        frame = pathways[["practitioner", "stage", "model"]].copy()
        if frame.isna().any().any():
            raise ValueError("pathways has empty cells in practitioner, stage or model")
        frame["stage"] = pd.to_numeric(frame["stage"], errors="raise").astype(int)
        if frame.duplicated(["practitioner", "stage"]).any():
            raise ValueError("pathways has more than one row for a practitioner and stage")
        out: dict[str, list[str]] = {}
        for name, rows in frame.sort_values(["practitioner", "stage"]).groupby(
            "practitioner", sort=True
        ):
            stages = rows["stage"].tolist()
            if stages != list(range(1, len(stages) + 1)):
                raise ValueError(
                    f"practitioner {name!r}: stages must run 1, 2, ... without gaps; got {stages}"
                )
            out[str(name)] = [normalise_model(m) for m in rows["model"]]
        return out
    if isinstance(pathways, Mapping):
        items = list(pathways.items())
    elif isinstance(pathways, Sequence) and not isinstance(pathways, str):
        items = [(str(i), seq) for i, seq in enumerate(pathways, start=1)]
    else:
        raise TypeError(
            "pathways must be a DataFrame (practitioner, stage, model), a dict or a list of "
            f"sequences; got {type(pathways).__name__}"
        )
    if not items:
        raise ValueError("pathways is empty: no trajectories")
    out = {}
    for name, seq in items:
        if isinstance(seq, str) or not isinstance(seq, Sequence) or len(seq) == 0:
            raise ValueError(f"trajectory {name!r} must be a non-empty list of model names")
        out[str(name)] = [normalise_model(m) for m in seq]
    return out


def is_typical_arc(trajectory: Sequence[str]) -> bool:
    """Does it start with push, end with co-creation, pass through pull and never go back?"""
    seq = [normalise_model(m) for m in trajectory]
    order = [MODELS.index(m) for m in seq]
    return (
        bool(seq)
        and seq[0] == "push"
        and seq[-1] == "co-creation"
        and "pull" in seq
        and all(b >= a for a, b in itertools.pairwise(order))
    )


# ---- transitions ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class TransitionMatrix:
    """Moves between models from one career stage to the next, pooled over practitioners."""

    counts: pd.DataFrame  # rows: from, columns: to

    @property
    def proportions(self) -> pd.DataFrame:
        """Row proportions: of the moves out of a model, the share into each (NaN: none out)."""
        totals = self.counts.sum(axis=1)
        return self.counts.div(totals.where(totals > 0), axis=0)

    @property
    def n_transitions(self) -> int:
        return int(self.counts.to_numpy().sum())

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per (from, to) pair with its count and row proportion."""
        counts = self.counts.stack().rename("count")
        shares = self.proportions.stack().rename("row_proportion")
        return pd.concat([counts, shares], axis=1).reset_index()

    def plot(self, ax: Any = None) -> Any:
        """Heat map of the row proportions, annotated with counts."""
        fig, ax = plotting.figure(width=5.6, height=4.2) if ax is None else (ax.figure, ax)
        shares = self.proportions.to_numpy(dtype=float)
        image = ax.imshow(np.nan_to_num(shares), cmap=plotting.SEQUENTIAL, vmin=0, vmax=1)
        for (i, j), share in np.ndenumerate(shares):
            count = int(self.counts.iat[i, j])
            text = f"{count}\n({share:.2f})" if not math.isnan(share) else "0"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=9,
                color="white" if np.nan_to_num(share) < 0.5 else "black",
            )
        ax.set_xticks(range(len(MODELS)), MODELS)
        ax.set_yticks(range(len(MODELS)), MODELS)
        ax.set_xlabel("model at the next stage")
        ax.set_ylabel("model at a stage")
        ax.grid(False)
        fig.colorbar(image, ax=ax, label="row proportion")
        return fig

    def __repr__(self) -> str:
        return (
            f"TransitionMatrix ({self.n_transitions} stage-to-stage moves)\ncounts:\n"
            f"{self.counts.to_string()}\nrow proportions:\n"
            f"{self.proportions.round(3).to_string()}"
        )


def transition_matrix(pathways: Any) -> TransitionMatrix:
    """Count moves between push, pull and co-creation from each stage to the next."""
    sequences = pathways_to_sequences(pathways)
    counts = pd.DataFrame(
        0,
        index=pd.Index(MODELS, name="from"),
        columns=pd.Index(MODELS, name="to"),
        dtype="int64",
    )
    for seq in sequences.values():
        for a, b in itertools.pairwise(seq):
            counts.loc[a, b] += 1
    return TransitionMatrix(counts)


# ---- the flow figure ------------------------------------------------------------------------


def _band(
    ax: Any, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float], colour: str
) -> None:
    """A smooth band from the interval y0 at x0 to the interval y1 at x1."""
    xs = np.linspace(x0, x1, 50)
    ease = (1 - np.cos(np.linspace(0, np.pi, 50))) / 2
    low = y0[0] + (y1[0] - y0[0]) * ease
    high = y0[1] + (y1[1] - y0[1]) * ease
    ax.fill_between(xs, low, high, color=colour, alpha=0.35, lw=0)


def plot_flow(
    pathways: Any,
    *,
    stage_names: Sequence[str] | None = None,
    highlight: Sequence[str] | None = None,
    ax: Any = None,
) -> Any:
    """Alluvial (Sankey-style) figure: one column per stage, one block per model, bands for moves.

    Block heights are numbers of practitioners; a band's width is the number moving from one
    model to another between consecutive stages, coloured by the model they came from.
    ``highlight`` draws one trajectory (for example a learner's) as a black line.
    """
    sequences = list(pathways_to_sequences(pathways).values())
    n_stages = len(sequences[0])
    if any(len(s) != n_stages for s in sequences):
        raise ValueError("plot_flow needs every trajectory to have the same number of stages")
    if highlight is not None:
        highlight = [normalise_model(m) for m in highlight]
        if len(highlight) != n_stages:
            raise ValueError(
                f"highlight has {len(highlight)} stages but the pathways have {n_stages}"
            )
    names = (
        list(stage_names)
        if stage_names is not None
        else [f"stage {s}" for s in range(1, n_stages + 1)]
    )
    if len(names) != n_stages:
        raise ValueError(f"stage_names has {len(names)} names for {n_stages} stages")
    n = len(sequences)
    gap = max(1.0, 0.08 * n)
    fig, ax = plotting.figure(width=8.5, height=4.8) if ax is None else (ax.figure, ax)
    node_width = 0.12
    # Node positions: models stacked from the top (push) down (co-creation) at each stage.
    nodes: dict[tuple[int, str], tuple[float, float]] = {}
    for s in range(n_stages):
        top = n + gap * (len(MODELS) - 1)
        for model in MODELS:
            size = sum(seq[s] == model for seq in sequences)
            nodes[(s, model)] = (top - size, top)
            top -= size + gap
    # Bands: within a node, outgoing ordered by destination, incoming by origin.
    for s in range(n_stages - 1):
        out_next = {m: nodes[(s, m)][1] for m in MODELS}
        in_next = {m: nodes[(s + 1, m)][1] for m in MODELS}
        for a in MODELS:
            for b in MODELS:
                k = sum(seq[s] == a and seq[s + 1] == b for seq in sequences)
                if k == 0:
                    continue
                y0 = (out_next[a] - k, out_next[a])
                y1 = (in_next[b] - k, in_next[b])
                out_next[a] -= k
                in_next[b] -= k
                _band(ax, s + node_width / 2, s + 1 - node_width / 2, y0, y1, _COLOURS[a])
    for (s, model), (low, high) in nodes.items():
        if high - low <= 0:
            continue
        ax.add_patch(
            Rectangle(
                (s - node_width / 2, low), node_width, high - low, color=_COLOURS[model], lw=0
            )
        )
        ax.text(
            s + node_width / 2 + 0.03,
            (low + high) / 2,
            f"{model} ({int(high - low)})",
            va="center",
            fontsize=8.5,
            bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
        )
    if highlight is not None:
        ys = [sum(nodes[(s, m)]) / 2 for s, m in enumerate(highlight)]
        ax.plot(
            range(n_stages),
            ys,
            "o-",
            color=plotting.PALETTE["black"],
            lw=2.5,
            label="your trajectory",
        )
        ax.legend(loc="lower left", bbox_to_anchor=(0, -0.25), ncol=1)
    ax.set_xticks(range(n_stages), names)
    ax.set_xlim(-0.3, n_stages - 0.35)
    ax.set_ylim(-0.5, n + gap * (len(MODELS) - 1) + 0.5)
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel(f"practitioners (n = {n})")
    return fig


# ---- comparing a learner's trajectory with the group -----------------------------------------


@dataclass(frozen=True, repr=False)
class TrajectoryComparison:
    """A trajectory set against a group's: stage by stage and move by move."""

    trajectory: tuple[str, ...]
    group: dict[str, list[str]]
    stage_names: tuple[str, ...]

    @property
    def n_group(self) -> int:
        return len(self.group)

    @property
    def same_path(self) -> int:
        """How many in the group followed exactly this trajectory."""
        return sum(tuple(seq) == self.trajectory for seq in self.group.values())

    @property
    def typical(self) -> bool:
        return is_typical_arc(self.trajectory)

    def stages(self) -> pd.DataFrame:
        """Per stage: your model and the share of the group using the same model then."""
        rows = []
        for s, model in enumerate(self.trajectory):
            same = sum(seq[s] == model for seq in self.group.values())
            rows.append(
                {
                    "stage": s + 1,
                    "stage_name": self.stage_names[s],
                    "your_model": model,
                    "group_same_model": same,
                    "group_share": same / self.n_group,
                }
            )
        return pd.DataFrame(rows)

    def moves(self) -> pd.DataFrame:
        """Per move: the group's row proportion for it (how often the group made that move)."""
        shares = transition_matrix(self.group).proportions
        rows = []
        for s, (a, b) in enumerate(zip(self.trajectory, self.trajectory[1:], strict=False)):
            rows.append(
                {"from_stage": s + 1, "from": a, "to": b, "group_proportion": shares.loc[a, b]}
            )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        return self.stages()

    def plot(self, ax: Any = None) -> Any:
        """The group's flow figure with this trajectory drawn over it."""
        return plot_flow(self.group, stage_names=self.stage_names, highlight=self.trajectory, ax=ax)

    def __repr__(self) -> str:
        arc = " -> ".join(self.trajectory)
        verdict = (
            "follows the push -> pull -> co-creation arc"
            if self.typical
            else "departs from the push -> pull -> co-creation arc"
        )
        return (
            f"TrajectoryComparison: {arc}\n  {verdict}; {self.same_path} of {self.n_group} in "
            f"the group followed exactly this path\n{self.stages().round(3).to_string(index=False)}"
        )


def compare_trajectory(
    trajectory: Sequence[str], pathways: Any, *, stage_names: Sequence[str] | None = None
) -> TrajectoryComparison:
    """Compare your own trajectory (one model per career stage) with a group's pathways.

    ``trajectory`` must have as many stages as the group's trajectories, e.g.
    ``["push", "pull", "pull", "co-creation"]`` against the simulated four-stage dataset.
    """
    if isinstance(trajectory, str) or not isinstance(trajectory, Sequence):
        raise TypeError(
            "trajectory must be a list of model names, one per stage, e.g. "
            f"['push', 'pull', 'co-creation', 'co-creation']; got {trajectory!r}"
        )
    if len(trajectory) == 0:
        raise ValueError("trajectory is empty: give one model per career stage")
    mine = tuple(normalise_model(m) for m in trajectory)
    group = pathways_to_sequences(pathways)
    lengths = {len(seq) for seq in group.values()}
    if len(lengths) != 1:
        raise ValueError("the group's trajectories must all have the same number of stages")
    (n_stages,) = lengths
    if len(mine) != n_stages:
        raise ValueError(
            f"trajectory has {len(mine)} stages but the group's have {n_stages}: give one "
            "model per stage"
        )
    if stage_names is None:
        if isinstance(pathways, pd.DataFrame) and "stage_name" in pathways.columns:
            order = pathways.drop_duplicates("stage").sort_values("stage")
            stage_names = [str(s) for s in order["stage_name"]]
        else:
            stage_names = [f"stage {s}" for s in range(1, n_stages + 1)]
    if len(stage_names) != n_stages:
        raise ValueError(f"stage_names has {len(stage_names)} names for {n_stages} stages")
    return TrajectoryComparison(mine, group, tuple(stage_names))
