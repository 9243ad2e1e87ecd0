"""Case comparison: CFIR construct ratings and qualitative comparative analysis (QCA).

Two tools for comparing a handful of implementation cases:

- **CFIR ratings.** A long table (one row per construct × case) of ratings on the scale of
  Damschroder & Lowery (2013): ``-2``, ``-1``, ``0``, ``+1``, ``+2``, plus ``X`` (mixed) and ``M``
  (missing). :func:`validate_ratings` refuses an unknown code, a rating without evidence, or a
  duplicated cell, naming the row, case and construct; :func:`rate_matrix` pivots the table,
  orders the cases by outcome and marks *distinguishing* constructs under an explicit rule.
- **QCA** (crisp and fuzzy sets), following the formulas of the R package QCA (Dusa):
  :func:`calibrate` (direct method, three anchors, logistic), :func:`truth_table`,
  :func:`sufficiency` (consistency, coverage, PRI), :func:`necessity` (consistency, coverage,
  relevance), and :func:`minimize` (Quine–McCluskey prime implicants, then *every* minimal cover
  of the prime-implicant chart, for conservative or parsimonious solutions).

Membership scores must lie in [0, 1]; a value outside is reported with its row and column.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RATING_CODES",
    "RATING_SCORES",
    "Necessity",
    "QCASolution",
    "RatingsMatrix",
    "Sufficiency",
    "TruthTable",
    "calibrate",
    "check_memberships",
    "mark_sensitivity",
    "minimize",
    "necessity",
    "prime_implicants",
    "rate_matrix",
    "sufficiency",
    "term_membership",
    "truth_table",
    "validate_ratings",
]

# ---- CFIR ratings ----------------------------------------------------------------------------

#: The rating codes, from most negative to most positive, then mixed and missing.
RATING_CODES: tuple[str, ...] = ("-2", "-1", "0", "+1", "+2", "X", "M")
#: Numeric value of each code; X (mixed) and M (missing) have none.
RATING_SCORES: dict[str, float] = {"-2": -2, "-1": -1, "0": 0, "+1": 1, "+2": 2}
# Spellings accepted on input and the code they mean.
_CODE_ALIASES = {"1": "+1", "2": "+2", "-0": "0", "+0": "0", "x": "X", "m": "M"}
RATING_COLUMNS = ("domain", "construct", "service", "rating", "evidence", "source")


def _cell(row: int, service: str, construct: str) -> str:
    return f"row {row} (service {service!r}, construct {construct!r})"


def validate_ratings(ratings: pd.DataFrame, *, max_abs: int = 2) -> pd.DataFrame:
    """Check a long table of CFIR ratings and return a clean copy with a numeric ``score``.

    ``ratings`` needs the columns ``domain, construct, service, rating, evidence, source``
    (others are kept). Rules, each reported with the data row (1 = first data row), the
    service and the construct:

    - ``rating`` is one of :data:`RATING_CODES` (``1`` and ``2`` are read as ``+1`` and ``+2``);
    - ``|rating| <= max_abs``: a coding rule may cap the scale (e.g. at 1 when the source is a
      summary rather than interview transcripts);
    - every rating other than ``M`` has non-empty ``evidence`` and ``source``;
    - each (service, construct) is rated once.
    """
    if not isinstance(ratings, pd.DataFrame):
        raise TypeError(f"ratings must be a pandas DataFrame; got {type(ratings).__name__}")
    missing = [c for c in RATING_COLUMNS if c not in ratings.columns]
    if missing:
        raise ValueError(
            f"ratings: missing column(s) {missing}; expected {list(RATING_COLUMNS)}, "
            f"found {list(ratings.columns)}"
        )
    if max_abs not in (1, 2):
        raise ValueError(f"max_abs must be 1 or 2; got {max_abs!r}")
    out = ratings.copy().reset_index(drop=True)
    codes, seen = [], {}
    for i, rec in enumerate(out.itertuples(index=False), start=1):
        service, construct = str(rec.service), str(rec.construct)
        where = _cell(i, service, construct)
        raw = "" if pd.isna(rec.rating) else str(rec.rating).strip()
        code = _CODE_ALIASES.get(raw, raw)
        if code not in RATING_CODES:
            raise ValueError(
                f"ratings {where}: unknown rating code {raw!r}; expected one of "
                f"{', '.join(RATING_CODES)}"
            )
        if code in RATING_SCORES and abs(RATING_SCORES[code]) > max_abs:
            raise ValueError(
                f"ratings {where}: rating {code} exceeds the rule's limit of ±{max_abs}"
            )
        if code != "M":
            for column in ("evidence", "source"):
                value = getattr(rec, column)
                if pd.isna(value) or not str(value).strip():
                    raise ValueError(
                        f"ratings {where}: rating {code} has no {column}; every rating other "
                        "than M (missing) needs the quoted evidence and its source"
                    )
        key = (service, construct)
        if key in seen:
            raise ValueError(
                f"ratings {where}: duplicate rating; the same cell is already rated in "
                f"row {seen[key]}"
            )
        seen[key] = i
        codes.append(code)
    out["rating"] = pd.array(codes, dtype="string")
    out["score"] = [RATING_SCORES.get(c, np.nan) for c in codes]
    return out


@dataclass(frozen=True)
class RatingsMatrix:
    """CFIR ratings as a construct × case matrix, with the distinguishing constructs marked.

    ``codes`` holds the rating codes (rows: constructs in the order given; columns: cases
    ordered from worst to best outcome). ``marks`` holds ``"**"`` (strongly), ``"*"``
    (weakly) or ``""`` for each construct, under the rule described by ``rule``.
    """

    codes: pd.DataFrame
    domains: pd.Series
    marks: pd.Series
    high: tuple[str, ...]
    low: tuple[str, ...]
    rule: str

    def __repr__(self) -> str:
        n_strong = int((self.marks == "**").sum())
        n_weak = int((self.marks == "*").sum())
        n_missing = int((self.codes == "M").to_numpy().sum())
        return (
            f"RatingsMatrix({self.codes.shape[0]} constructs × {self.codes.shape[1]} cases "
            f"{list(self.codes.columns)}; {n_strong} strongly and {n_weak} weakly "
            f"distinguishing; {n_missing} cells missing)"
        )

    def scores(self) -> pd.DataFrame:
        """The numeric ratings (NaN for X and M)."""
        return self.codes.apply(lambda col: col.map(lambda c: RATING_SCORES.get(c, np.nan)))

    def to_frame(self) -> pd.DataFrame:
        """One row per construct: domain, the code for each case, and the mark."""
        frame = self.codes.copy()
        frame.insert(0, "domain", self.domains)
        frame["distinguishing"] = self.marks
        return frame

    def distinguishing(self) -> pd.DataFrame:
        """Only the constructs marked as distinguishing."""
        frame = self.to_frame()
        return frame[frame["distinguishing"] != ""]

    def plot(self, *, title: str | None = None):
        """Heat map, one panel per CFIR domain, drawn to be read on a phone.

        Construct names run horizontally down the left (wrapped, never cut); each panel is
        headed by its domain and the cases, ordered by outcome. Colours are diverging for
        −2..+2; M (missing) is plain grey and X (mixed) crossed white; every cell also
        carries its code, so nothing depends on colour alone. The legend lists the codes used.
        """
        import textwrap

        from matplotlib.colors import BoundaryNorm, ListedColormap
        from matplotlib.patches import Patch
        from matplotlib.pyplot import get_cmap

        from .plotting import DIVERGING, MIN_FONT_POINTS, figure

        base = get_cmap(DIVERGING)
        # Five discrete colours for -2..+2, taken symmetrically from the diverging map.
        cmap = ListedColormap([base(v) for v in (0.1, 0.3, 0.5, 0.7, 0.9)])
        norm = BoundaryNorm([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], cmap.N)
        size = MIN_FONT_POINTS
        domains = list(dict.fromkeys(self.domains))
        labels = {
            name: textwrap.fill(f"{name} {mark}".rstrip(), _LABEL_CHARACTERS)
            for name, mark in self.marks.items()
        }
        # A row is one line of text high, or more for a wrapped name; a panel adds its header.
        heights = {name: 1 + _WRAPPED_ROW * label.count("\n") for name, label in labels.items()}
        rows_of = {d: [n for n in self.codes.index if self.domains[n] == d] for d in domains}
        panel_heights = [sum(heights[n] for n in rows_of[d]) for d in domains]
        n_cols = self.codes.shape[1]
        fig, axes = figure(
            width=_LABEL_INCHES + _COLUMN_INCHES * n_cols,
            height=_ROW_INCHES * sum(panel_heights) + _HEADER_INCHES * (len(domains) + 1.5),
            nrows=len(domains),
            gridspec_kw={"height_ratios": panel_heights},
        )
        axes = np.atleast_1d(axes)
        scores = self.scores()
        for ax, domain in zip(axes, domains, strict=True):
            names = rows_of[domain]
            edges = np.concatenate([[0], np.cumsum([heights[n] for n in names])])
            ax.pcolormesh(
                np.arange(n_cols + 1),
                edges,
                np.ma.masked_invalid(scores.loc[names].to_numpy(dtype=float)),
                cmap=cmap,
                norm=norm,
                edgecolors="white",
                linewidth=1.0,
            )
            centres = (edges[:-1] + edges[1:]) / 2
            for r, name in enumerate(names):
                for c, case in enumerate(self.codes.columns):
                    code = self.codes.at[name, case]
                    if code in _UNRATED:
                        face, hatch = _UNRATED[code]
                        top, bottom = edges[r], edges[r + 1]
                        ax.add_patch(_rect(c, top, height=bottom - top, face=face, hatch=hatch))
                    ax.text(
                        c + 0.5,
                        centres[r],
                        code.replace("-", "−"),
                        ha="center",
                        va="center",
                        fontsize=size,
                        color="white" if code in ("-2", "+2") else "black",
                        # the letter X stands clear of its cell's crosses
                        bbox=_CLEAR if code in _UNRATED and _UNRATED[code][1] else None,
                    )
            ax.set_yticks(centres, [labels[n] for n in names], fontsize=size, linespacing=1.0)
            ax.set_xticks(
                np.arange(n_cols) + 0.5,
                [textwrap.fill(str(c), 9) for c in self.codes.columns],
                fontsize=size,
            )
            ax.xaxis.tick_top()
            ax.tick_params(length=0)
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
            ax.set_xlim(0, n_cols)
            ax.set_ylim(edges[-1], 0)
            # The domain heads its panel, level with the case names, at the left of the figure.
            head = ax.annotate(
                textwrap.fill(domain, 16),
                xy=(0, 1),
                xycoords=("figure fraction", "axes fraction"),
                xytext=(2, 3),
                textcoords="offset points",
                fontsize=size,
                fontweight="bold",
                va="bottom",
                ha="left",
                linespacing=1.0,
            )
            head.set_in_layout(False)
        used = [c for c in RATING_CODES if (self.codes == c).to_numpy().any()]
        handles = [
            Patch(facecolor=cmap(int(RATING_SCORES[c]) + 2), edgecolor="#7f7f7f", label=_MEANING[c])
            for c in used
            if c in RATING_SCORES
        ]
        handles += [
            Patch(facecolor=face, edgecolor="#7f7f7f", hatch=hatch, label=_MEANING[code])
            for code, (face, hatch) in _UNRATED.items()
            if code in used
        ]
        fig.legend(handles=handles, loc="outside lower left", ncols=2, fontsize=size)
        fig.suptitle(
            title or "CFIR ratings, cases ordered by outcome",
            fontsize=size + 1,
            fontweight="bold",
            x=0.02,
            ha="left",
        )
        return fig


#: How the heat map is laid out: names wrap at this many characters; sizes in inches.
_LABEL_CHARACTERS = 28
_LABEL_INCHES = 2.3
_COLUMN_INCHES = 0.75
_ROW_INCHES = 0.22
_HEADER_INCHES = 0.45
#: The extra height of each further line of a wrapped name, in rows.
_WRAPPED_ROW = 0.65
#: How the cells without a score are filled: M (missing) plain grey, X (mixed) crossed.
_UNRATED = {"X": ("white", "xxx"), "M": ("#dcdcdc", "")}
_CLEAR = {"pad": 1, "facecolor": "white", "linewidth": 0}
#: What each code means, for the legend.
_MEANING = {
    "-2": "−2 strongly negative",
    "-1": "−1 negative",
    "0": "0 neutral",
    "+1": "+1 positive",
    "+2": "+2 strongly positive",
    "X": "X mixed",
    "M": "M missing",
}


def _rect(col: float, top: float, *, height: float, face: str, hatch: str):
    """A heat-map cell, with the white rule that parts it from its neighbours."""
    from matplotlib.patches import Rectangle

    return Rectangle(
        (col, top),
        1,
        height,
        facecolor=face,
        hatch=hatch,
        hatchcolor="#7f7f7f",
        edgecolor="white",
        linewidth=1.0,
    )


DISTINGUISHING_RULE = (
    "A construct is distinguishing only if every case has a numeric rating (no X or M). "
    "Let gap = (lowest rating among the high-outcome cases) − (highest rating among the "
    "low-outcome cases), or the same with high and low swapped for a construct that works "
    "the other way. Strongly distinguishing (**): gap ≥ 2. Weakly distinguishing (*): gap = 1."
)


def rate_matrix(
    ratings: pd.DataFrame,
    *,
    order: Sequence[str],
    high: Iterable[str],
    max_abs: int = 2,
) -> RatingsMatrix:
    """Validate ``ratings`` and arrange them as a construct × case matrix.

    ``order`` lists the cases from worst to best outcome (the column order); ``high`` names
    the high-outcome cases, every other case in ``order`` is low-outcome. Constructs keep the
    order of their first appearance. The rule for distinguishing constructs is
    :data:`DISTINGUISHING_RULE`: this book's own, since the CFIR papers give no numeric rule.
    """
    clean = validate_ratings(ratings, max_abs=max_abs)
    order = list(order)
    high = tuple(high)
    found = sorted(set(clean["service"]))
    if sorted(order) != found:
        raise ValueError(
            f"order must list each service once: {[_plain(v) for v in found]}; got {order}"
        )
    unknown = [h for h in high if h not in order]
    if unknown or not high or len(high) == len(order):
        raise ValueError(
            f"high must name some but not all of the services {order}; got {list(high)}"
        )
    low = tuple(s for s in order if s not in high)
    constructs = list(dict.fromkeys(clean["construct"]))
    codes = clean.pivot(index="construct", columns="service", values="rating")
    incomplete = codes.isna().any(axis=1)
    if incomplete.any():
        name = codes.index[incomplete][0]
        gaps = [s for s in order if pd.isna(codes.loc[name, s])]
        raise ValueError(
            f"ratings: construct {name!r} has no row for service(s) {gaps}; rate every "
            "construct for every service (use M where the source is silent)"
        )
    codes = codes.loc[constructs, order].astype(str)
    codes.columns.name = None
    codes.index.name = "construct"
    domains = clean.drop_duplicates("construct").set_index("construct")["domain"]
    domains = domains.loc[constructs].astype(str)
    marks = pd.Series(
        [_mark(codes.loc[c], high, low) for c in constructs], index=codes.index, name="mark"
    )
    return RatingsMatrix(codes, domains, marks, high, low, DISTINGUISHING_RULE)


def mark_sensitivity(matrix: RatingsMatrix, *, max_abs: int = 2) -> pd.DataFrame:
    """Which single-cell changes of one step would change a construct's mark?

    For every cell rated on the numeric scale, try the neighbouring ratings (one step down
    and up, within ``±max_abs``) and X; for every X cell, try each numeric rating. Returns one
    row per change that alters the construct's mark: construct, service, rating, changed_to,
    mark (before) and new_mark. M cells are left alone: they need new evidence, not a re-rating.
    """
    rows = []
    scale = [c for c in RATING_SCORES if abs(RATING_SCORES[c]) <= max_abs]
    for construct, codes in matrix.codes.iterrows():
        before = matrix.marks[construct]
        for service, code in codes.items():
            if code == "M":
                continue
            if code == "X":
                options = scale
            else:
                i = scale.index(code)
                options = [*scale[max(i - 1, 0) : i], *scale[i + 1 : i + 2], "X"]
            for new in options:
                changed = codes.copy()
                changed[service] = new
                after = _mark(changed, matrix.high, matrix.low)
                if after != before:
                    rows.append(
                        {
                            "construct": construct,
                            "service": service,
                            "rating": code,
                            "changed_to": new,
                            "mark": before,
                            "new_mark": after,
                        }
                    )
    columns = ["construct", "service", "rating", "changed_to", "mark", "new_mark"]
    return pd.DataFrame(rows, columns=columns)


def _mark(row: pd.Series, high: tuple[str, ...], low: tuple[str, ...]) -> str:
    if any(code not in RATING_SCORES for code in row):
        return ""
    hi = [RATING_SCORES[row[s]] for s in high]
    lo = [RATING_SCORES[row[s]] for s in low]
    gap = max(min(hi) - max(lo), min(lo) - max(hi))
    return "**" if gap >= 2 else "*" if gap == 1 else ""


# ---- QCA: calibration and memberships --------------------------------------------------------


def calibrate(
    x: Sequence[float] | np.ndarray | pd.Series,
    *,
    exclusion: float,
    crossover: float,
    inclusion: float,
    idm: float = 0.95,
) -> np.ndarray:
    """Direct-method fuzzy calibration with three anchors, logistic (as R ``QCA::calibrate``).

    The log-odds of membership are ``log(idm / (1 - idm)) * (x - crossover) / d``, where ``d``
    is ``inclusion - crossover`` on the inclusion side of the crossover and
    ``crossover - exclusion`` on the other side. So ``x = exclusion`` gets ``1 - idm``,
    ``crossover`` 0.5 and ``inclusion`` ``idm`` (0.05, 0.5, 0.95 by default). With
    ``inclusion < exclusion`` the set is decreasing in ``x``.
    """
    values = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("x: calibrate needs finite numbers; found NaN or infinity")
    increasing = exclusion < crossover < inclusion
    decreasing = exclusion > crossover > inclusion
    if not (increasing or decreasing):
        raise ValueError(
            "thresholds: the crossover must lie strictly between exclusion and inclusion; "
            f"got exclusion={exclusion}, crossover={crossover}, inclusion={inclusion}"
        )
    if not 0.5 < idm < 1:
        raise ValueError(f"idm must lie in (0.5, 1); got {idm}")
    scale = math.log(idm / (1 - idm))
    toward_inclusion = np.sign(values - crossover) == np.sign(inclusion - crossover)
    width = np.where(toward_inclusion, inclusion - crossover, crossover - exclusion)
    log_odds = scale * (values - crossover) / width
    return 1.0 / (1.0 + np.exp(-log_odds))


def check_memberships(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return ``data[columns]`` as floats, refusing a value outside [0, 1] or missing.

    The message names the row (the case's label) and the column of the first bad cell.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise ValueError(f"data: no column(s) {absent}; found {list(data.columns)}")
    frame = data[list(columns)]
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | (values < 0) | (values > 1)
        if bad.any():
            position = int(bad.to_numpy().argmax())
            label, raw = _plain(frame.index[position]), frame[column].iloc[position]
            where = f"data row {label!r}, condition {column!r}"
            if pd.isna(raw):
                raise ValueError(
                    f"{where}: the membership is missing; every case needs a membership in "
                    "[0, 1] for every condition (fill it in, or leave the case out)"
                )
            if pd.isna(values.iloc[position]):
                raise ValueError(
                    f"{where}: membership {str(raw)!r} is not a number; memberships are "
                    "numbers from 0 to 1"
                )
            raise ValueError(
                f"{where}: membership {_plain(raw)!r} is outside [0, 1]; calibrate raw values "
                "first (implsupport.cases.calibrate)"
            )
    return frame.astype(float)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, so messages read 1 and not np.int64(1)."""
    return value.item() if isinstance(value, np.generic) else value


def _parse_outcome(outcome: str) -> tuple[str, bool]:
    name = outcome.strip()
    negated = name.startswith("~")
    return name.lstrip("~").strip(), negated


def _outcome_values(data: pd.DataFrame, outcome: str) -> tuple[str, bool, np.ndarray]:
    name, negated = _parse_outcome(outcome)
    y = check_memberships(data, [name])[name].to_numpy()
    return name, negated, (1 - y) if negated else y


# A term is a tuple with one entry per condition: 1 (present), 0 (absent, "~"), or None
# (the condition does not appear in the term).
Term = tuple[int | None, ...]


def term_label(term: Term, conditions: Sequence[str]) -> str:
    """``DEV*~URB`` style label of a term (``1`` for the empty term)."""
    parts = [
        (name if value == 1 else f"~{name}")
        for name, value in zip(conditions, term, strict=True)
        if value is not None
    ]
    return "*".join(parts) if parts else "1"


def parse_term(label: str, conditions: Sequence[str]) -> Term:
    """Inverse of :func:`term_label`: ``"DEV*~URB"`` → a term over ``conditions``."""
    values: list[int | None] = [None] * len(conditions)
    if label.strip() == "1":  # the empty conjunction
        return tuple(values)
    for literal in label.split("*"):
        literal = literal.strip()
        name = literal.lstrip("~")
        if name not in conditions:
            raise ValueError(f"term {label!r}: unknown condition {name!r}; known {conditions}")
        values[list(conditions).index(name)] = 0 if literal.startswith("~") else 1
    return tuple(values)


def term_membership(x: np.ndarray, term: Term) -> np.ndarray:
    """Membership of each case (rows of ``x``) in a conjunction: the minimum over its literals."""
    member = np.ones(x.shape[0])
    for j, value in enumerate(term):
        if value is not None:
            member = np.minimum(member, x[:, j] if value == 1 else 1 - x[:, j])
    return member


# ---- QCA: parameters of fit ------------------------------------------------------------------


def _fit(xm: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Sufficiency consistency, PRI and coverage of membership ``xm`` for outcome ``y``."""
    both = np.minimum(xm, y)
    both_not = np.minimum(both, 1 - y)
    sx, sy, sb, sbn = xm.sum(), y.sum(), both.sum(), both_not.sum()
    incl = sb / sx if sx > 0 else np.nan
    pri = (sb - sbn) / (sx - sbn) if sx - sbn > 0 else np.nan
    cov = sb / sy if sy > 0 else np.nan
    return {"incl": float(incl), "PRI": float(pri), "cov": float(cov)}


@dataclass(frozen=True)
class Sufficiency:
    """Sufficiency of one or more expressions for an outcome: consistency, PRI, coverage."""

    outcome: str
    table: pd.DataFrame

    def __repr__(self) -> str:
        return f"Sufficiency for {self.outcome}:\n{self.table.round(3).to_string()}"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def sufficiency(data: pd.DataFrame, terms: Sequence[str] | str, outcome: str) -> Sufficiency:
    """Consistency, PRI and coverage of each term (``"DEV*~URB"``) as sufficient for ``outcome``.

    Formulas (R package QCA): consistency ``Σmin(X,Y)/ΣX``; coverage ``Σmin(X,Y)/ΣY``;
    PRI ``(Σmin(X,Y) − Σmin(X,Y,1−Y)) / (ΣX − Σmin(X,Y,1−Y))``. Prefix the outcome with ``~``
    for its negation.
    """
    if isinstance(terms, str):
        terms = [terms]
    names = sorted({lit.strip().lstrip("~") for t in terms for lit in t.split("*")})
    x = check_memberships(data, names).to_numpy()
    _, _, y = _outcome_values(data, outcome)
    rows = {t: _fit(term_membership(x, parse_term(t, names)), y) for t in terms}
    return Sufficiency(outcome, pd.DataFrame(rows).T.rename_axis("term"))


@dataclass(frozen=True)
class Necessity:
    """Necessity of each condition and its negation for an outcome."""

    outcome: str
    table: pd.DataFrame

    def __repr__(self) -> str:
        return f"Necessity for {self.outcome}:\n{self.table.round(3).to_string()}"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def plot(self):
        """Dot plot of necessity consistency and relevance for each condition."""
        from .plotting import PALETTE, figure

        frame = self.table
        fig, ax = figure(width=6.5, height=0.9 + 0.32 * len(frame))
        pos = np.arange(len(frame))
        ax.scatter(frame["inclN"], pos, color=PALETTE["blue"], label="consistency (inclN)")
        ax.scatter(frame["RoN"], pos, color=PALETTE["orange"], marker="s", label="relevance (RoN)")
        ax.axvline(0.9, color="grey", linestyle="--", linewidth=1)
        ax.set_yticks(pos, list(frame.index))
        ax.set_xlim(0, 1.02)
        ax.invert_yaxis()
        ax.set_xlabel("necessity parameter")
        ax.legend(loc="lower left", fontsize=9)
        return fig


def necessity(data: pd.DataFrame, conditions: Sequence[str], outcome: str) -> Necessity:
    """Necessity of each condition and its negation for ``outcome``.

    Consistency ``Σmin(X,Y)/ΣY``; coverage ``Σmin(X,Y)/ΣX``; relevance of necessity
    ``Σ(1−X) / Σ(1 − min(X,Y))``.
    """
    x = check_memberships(data, conditions)
    _, _, y = _outcome_values(data, outcome)
    rows = {}
    for name in conditions:
        for label, xm in ((name, x[name].to_numpy()), (f"~{name}", 1 - x[name].to_numpy())):
            both = np.minimum(xm, y)
            rows[label] = {
                "inclN": both.sum() / y.sum() if y.sum() > 0 else np.nan,
                "RoN": (1 - xm).sum() / (1 - both).sum() if (1 - both).sum() > 0 else np.nan,
                "covN": both.sum() / xm.sum() if xm.sum() > 0 else np.nan,
            }
    return Necessity(outcome, pd.DataFrame(rows).T.rename_axis("condition"))


# ---- QCA: truth table ------------------------------------------------------------------------


@dataclass(frozen=True)
class TruthTable:
    """All 2^k configurations of k conditions with their cases, consistency and output.

    ``table`` has one row per configuration (condition columns 0/1), ``OUT`` (``"1"``,
    ``"0"`` or ``"?"`` for a remainder: fewer than ``n_cut`` cases), ``n``, ``incl``, ``PRI``
    and ``cases``. ``memberships`` holds the calibrated condition memberships of the cases,
    ``y`` the outcome memberships (already negated for ``~Y``).
    """

    conditions: tuple[str, ...]
    outcome: str
    table: pd.DataFrame
    memberships: pd.DataFrame
    y: pd.Series
    incl_cut: float
    n_cut: int
    pri_cut: float

    def __repr__(self) -> str:
        shown = self.to_frame()
        return (
            f"TruthTable for {self.outcome} with conditions {'*'.join(self.conditions)} "
            f"(incl.cut={self.incl_cut}, n.cut={self.n_cut}); observed rows:\n"
            f"{shown.round(3).to_string()}"
        )

    def to_frame(self, complete: bool = False) -> pd.DataFrame:
        """The observed configurations (or all of them with ``complete=True``)."""
        frame = self.table if complete else self.table[self.table["n"] > 0]
        return frame.copy()

    def rows(self, out: str) -> list[tuple[int, ...]]:
        """Configurations whose output is ``"1"``, ``"0"`` or ``"?"``."""
        chosen = self.table[self.table["OUT"] == out]
        return [tuple(int(v) for v in r) for r in chosen[list(self.conditions)].to_numpy()]


def truth_table(
    data: pd.DataFrame,
    conditions: Sequence[str],
    outcome: str,
    *,
    incl_cut: float = 1.0,
    n_cut: int = 1,
    pri_cut: float = 0.0,
) -> TruthTable:
    """Build the truth table of ``outcome`` (``"~Y"`` for its negation) on ``conditions``.

    A case belongs to the configuration in which its membership (the minimum over conditions
    of ``x`` or ``1 − x``) is above 0.5. A configuration's consistency and PRI use the
    memberships of all cases in it, as in R ``QCA::truthTable``. Output ``"1"`` when
    ``n >= n_cut``, ``incl >= incl_cut`` and ``PRI >= pri_cut``; ``"0"`` when ``n >= n_cut``
    otherwise; ``"?"`` (a logical remainder) when ``n < n_cut``.
    """
    conditions = tuple(conditions)
    if not conditions:
        raise ValueError("conditions: give at least one condition")
    if len(set(conditions)) != len(conditions):
        raise ValueError(f"conditions: each condition once; got {list(conditions)}")
    if len(conditions) > 12:
        raise ValueError(f"conditions: at most 12 (2^12 rows); got {len(conditions)}")
    name, _ = _parse_outcome(outcome)
    if name in conditions:
        raise ValueError(f"outcome {name!r} is also listed as a condition")
    if not 0 <= incl_cut <= 1 or not 0 <= pri_cut <= 1:
        raise ValueError(f"incl_cut and pri_cut must lie in [0, 1]; got {incl_cut}, {pri_cut}")
    if n_cut < 1:
        raise ValueError(f"n_cut must be at least 1; got {n_cut}")
    x = check_memberships(data, conditions)
    _, _, y = _outcome_values(data, outcome)
    xv = x.to_numpy()
    labels = [str(v) for v in data.index]
    records = []
    for config in itertools.product((0, 1), repeat=len(conditions)):
        member = term_membership(xv, config)
        inside = member > 0.5
        fit = _fit(member, y)
        n = int(inside.sum())
        ok = fit["incl"] >= incl_cut - 1e-12 and (np.isnan(fit["PRI"]) or fit["PRI"] >= pri_cut)
        out = "?" if n < n_cut else ("1" if ok else "0")
        records.append(
            {
                **dict(zip(conditions, config, strict=True)),
                "OUT": out,
                "n": n,
                "incl": fit["incl"],
                "PRI": fit["PRI"],
                "cases": ",".join(lab for lab, keep in zip(labels, inside, strict=True) if keep),
            }
        )
    table = pd.DataFrame(records)
    table.index = pd.RangeIndex(1, len(table) + 1, name="row")
    return TruthTable(
        conditions,
        outcome.strip(),
        table,
        x,
        pd.Series(y, index=data.index, name=outcome.strip()),
        float(incl_cut),
        int(n_cut),
        float(pri_cut),
    )


# ---- QCA: Boolean minimisation ---------------------------------------------------------------


def _covers(term: Term, row: tuple[int, ...]) -> bool:
    return all(t is None or t == r for t, r in zip(term, row, strict=True))


def prime_implicants(
    ones: Iterable[tuple[int, ...]], dont_cares: Iterable[tuple[int, ...]] = ()
) -> list[Term]:
    """Quine–McCluskey: the prime implicants of the function true on ``ones``.

    ``dont_cares`` (remainders) may be used to merge terms but need not be covered. Returns the
    prime implicants sorted by number of literals, then lexicographically.
    """
    current: set[Term] = {tuple(r) for r in ones} | {tuple(r) for r in dont_cares}
    primes: set[Term] = set()
    while current:
        merged: set[Term] = set()
        used: set[Term] = set()
        # Group terms by where their dashes are: only such terms can merge.
        by_mask: dict[tuple[bool, ...], list[Term]] = {}
        for term in current:
            by_mask.setdefault(tuple(v is None for v in term), []).append(term)
        for group in by_mask.values():
            group_set = set(group)
            for term in group:
                for j, value in enumerate(term):
                    if value == 0:
                        partner = (*term[:j], 1, *term[j + 1 :])
                        if partner in group_set:
                            merged.add((*term[:j], None, *term[j + 1 :]))
                            used.update((term, partner))
        primes |= current - used
        current = merged
    return sorted(primes, key=lambda t: (_n_literals(t), _sort_key(t)))


def _n_literals(term: Term) -> int:
    return sum(v is not None for v in term)


def _sort_key(term: Term) -> tuple[int, ...]:
    # Order like R: by condition position, present before absent before missing.
    return tuple({1: 0, 0: 1, None: 2}[v] for v in term)


def minimal_covers(primes: Sequence[Term], ones: Sequence[tuple[int, ...]]) -> list[list[Term]]:
    """Every cover of ``ones`` by the fewest prime implicants (all ties), exactly.

    Branch and bound on the prime-implicant chart: the first uncovered row with the fewest
    covering implicants is branched on, so every minimum cover is reached.
    """
    ones = [tuple(r) for r in ones]
    if not ones:
        return []
    cover_sets = [frozenset(i for i, r in enumerate(ones) if _covers(p, r)) for p in primes]
    rows_to_primes = [[j for j, cs in enumerate(cover_sets) if i in cs] for i in range(len(ones))]
    if any(not opts for opts in rows_to_primes):
        raise ValueError("prime implicants do not cover every positive row")
    best = [len(ones) + 1]
    found: set[frozenset[int]] = set()

    def search(chosen: frozenset[int], covered: frozenset[int]) -> None:
        if len(covered) == len(ones):
            if len(chosen) < best[0]:
                best[0] = len(chosen)
                found.clear()
            if len(chosen) == best[0]:
                found.add(chosen)
            return
        if len(chosen) >= best[0]:
            return
        uncovered = [i for i in range(len(ones)) if i not in covered]
        pivot = min(uncovered, key=lambda i: len(rows_to_primes[i]))
        for j in rows_to_primes[pivot]:
            search(chosen | {j}, covered | cover_sets[j])

    search(frozenset(), frozenset())
    solutions = [
        sorted((primes[j] for j in s), key=lambda t: (_n_literals(t), _sort_key(t))) for s in found
    ]
    solutions.sort(key=lambda sol: (sum(map(_n_literals, sol)), [_sort_key(t) for t in sol]))
    return solutions


@dataclass(frozen=True)
class QCASolution:
    """The result of minimising a truth table: every tied minimal solution and its fit.

    ``solutions`` is a tuple of solutions, each a tuple of term labels (``"DEV*STB"``);
    ``prime_implicants`` all prime implicants found; ``fit`` one row per (solution, term)
    with consistency, PRI, raw and unique coverage; ``solution_fit`` one row per solution.
    """

    conditions: tuple[str, ...]
    outcome: str
    kind: str
    solutions: tuple[tuple[str, ...], ...]
    prime_implicants: tuple[str, ...]
    fit: pd.DataFrame
    solution_fit: pd.DataFrame
    truth: TruthTable

    def __repr__(self) -> str:
        n = len(self.solutions)
        count = "1 minimal solution" if n == 1 else f"{n} tied minimal solutions"
        lines = [f"QCA {self.kind} solution for {self.outcome} ({count}):"]
        for i, sol in enumerate(self.solutions, start=1):
            sf = self.solution_fit.loc[f"M{i}"]
            lines.append(
                f"  M{i}: {' + '.join(sol)} -> {self.outcome}   "
                f"(incl {sf['incl']:.3f}, PRI {sf['PRI']:.3f}, cov {sf['cov']:.3f})"
            )
        return "\n".join(lines)

    def expressions(self) -> list[str]:
        """Each solution as one string, ``"A*B + ~C"``."""
        return [" + ".join(sol) for sol in self.solutions]

    def to_frame(self) -> pd.DataFrame:
        """One row per (solution, term): incl, PRI, raw coverage, unique coverage."""
        return self.fit.copy()

    def membership(self, solution: int = 1) -> pd.Series:
        """Each case's membership in solution ``solution`` (the maximum over its terms)."""
        x = self.truth.memberships.to_numpy()
        terms = [parse_term(t, self.conditions) for t in self.solutions[solution - 1]]
        member = np.max([term_membership(x, t) for t in terms], axis=0)
        return pd.Series(member, index=self.truth.memberships.index, name=f"M{solution}")

    def plot(self, solution: int = 1):
        """XY plot: membership in the solution against membership in the outcome."""
        from .plotting import PALETTE, figure

        xs = self.membership(solution)
        ys = self.truth.y
        fig, ax = figure(width=5, height=5)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--")
        ax.scatter(xs, ys, color=PALETTE["blue"], zorder=3)
        for label, a, b in zip(xs.index, xs, ys, strict=True):
            ax.annotate(str(label), (a, b), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_xlim(-0.05, 1.05)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel(f"membership in M{solution}: {' + '.join(self.solutions[solution - 1])}")
        ax.set_ylabel(f"membership in {self.outcome}")
        ax.set_title("Sufficiency: cases on or above the diagonal are consistent")
        return fig


def minimize(truth: TruthTable, *, remainders: bool = False) -> QCASolution:
    """Minimise a truth table: all tied minimal sums of prime implicants for ``OUT == "1"``.

    ``remainders=False`` gives the conservative (complex) solution; ``remainders=True`` lets
    the logical remainders (``"?"`` rows) serve as don't-cares and gives the parsimonious
    solution. Minimal means the fewest prime implicants, as in R ``QCA::minimize``; every
    cover of that size is returned. Fit is computed on the cases' memberships.
    """
    if not isinstance(truth, TruthTable):
        raise TypeError(f"truth must be a TruthTable; got {type(truth).__name__}")
    ones = truth.rows("1")
    if not ones:
        raise ValueError(
            f"truth table for {truth.outcome}: no configuration has OUT = 1 at "
            f"incl_cut={truth.incl_cut}; nothing to minimise"
        )
    dont_cares = truth.rows("?") if remainders else []
    primes = prime_implicants(ones, dont_cares)
    covers = minimal_covers(primes, ones)
    conditions = truth.conditions
    x = truth.memberships.to_numpy()
    y = truth.y.to_numpy()
    fit_rows, sol_rows = [], {}
    labelled = []
    for i, cover in enumerate(covers, start=1):
        members = [term_membership(x, t) for t in cover]
        whole = np.max(members, axis=0)
        whole_fit = _fit(whole, y)
        sol_rows[f"M{i}"] = whole_fit
        labels = tuple(term_label(t, conditions) for t in cover)
        labelled.append(labels)
        for k, (term, label) in enumerate(zip(cover, labels, strict=True)):
            f = _fit(members[k], y)
            others = [m for j, m in enumerate(members) if j != k]
            without = np.max(others, axis=0) if others else np.zeros_like(whole)
            unique = (np.minimum(whole, y).sum() - np.minimum(without, y).sum()) / y.sum()
            fit_rows.append(
                {
                    "solution": f"M{i}",
                    "term": label,
                    "literals": _n_literals(term),
                    "incl": f["incl"],
                    "PRI": f["PRI"],
                    "cov_r": f["cov"],
                    "cov_u": float(unique),
                }
            )
    return QCASolution(
        conditions,
        truth.outcome,
        "parsimonious" if remainders else "conservative",
        tuple(labelled),
        tuple(term_label(p, conditions) for p in primes),
        pd.DataFrame(fit_rows),
        pd.DataFrame(sol_rows).T.rename_axis("solution"),
        truth,
    )
