"""Moderation by a categorical moderator with k groups (PROCESS model 1 with a multicategorical W).

The moderator's k groups (sorted: text alphabetically, numbers ascending; the first is the
reference) are coded into k − 1 columns D1 … D(k−1), and the model is ::

    y = b0 + b1*x + sum_j g_j*D_j + sum_j h_j*x*D_j (+ covariates) + e

Codings, as PROCESS offers them (rows are groups 1 … k):

- ``indicator``: D_j = 1 in group j + 1, else 0 (group 1 is the reference; h_j is the
  difference between the effect of x in group j + 1 and in group 1);
- ``sequential``: D_j = 1 in groups j + 1 … k (h_j: group j + 1 minus group j);
- ``helmert``: D_j = 0 in groups before j, −(k − j)/(k − j + 1) in group j and 1/(k − j + 1)
  after it (h_j: group j against the mean of the later groups);
- ``effect``: D_j = 1 in group j + 1, −1 in group 1, else 0 (h_j: group j + 1 against the
  unweighted mean of the groups).

The coding changes the coefficients but not the fit: the effect of x in each group (with its
SE, from ``c' V c`` for the group's row c of the coding) and the omnibus test of the
interaction (all h_j = 0: F on k − 1 and the residual df; with HC standard errors the Wald F)
are the same under every coding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._common import (
    INTERCEPT,
    SE_TYPES,
    _check_alpha,
    _check_choice,
    _clean,
    _numeric_column,
    full_rank,
)
from .bootstrap import bootstrap_ols, percentile_interval
from .least_squares import ols_fit, wald_f

__all__ = ["CODINGS", "CategoricalModerationResult", "coding_matrix", "fit_categorical_moderation"]

#: Codings of a categorical moderator, as in PROCESS.
CODINGS = ("indicator", "sequential", "helmert", "effect")


def coding_matrix(k: int, coding: str = "indicator") -> np.ndarray:
    """The k × (k − 1) coding of k groups (see the module docstring)."""
    coding = _check_choice("coding", coding, CODINGS)
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError(f"a categorical moderator needs at least 2 groups; got {k!r}")
    D = np.zeros((k, k - 1))
    for j in range(k - 1):
        if coding == "indicator":
            D[j + 1, j] = 1
        elif coding == "sequential":
            D[j + 1 :, j] = 1
        elif coding == "helmert":
            rest = k - j  # groups j (0-based) to k - 1
            D[j, j] = -(rest - 1) / rest
            D[j + 1 :, j] = 1 / rest
        else:
            D[j + 1, j] = 1
            D[0, j] = -1
    return D


@dataclass(frozen=True, eq=False)
class CategoricalModerationResult:
    """A moderation model with a k-group moderator. See :func:`fit_categorical_moderation`."""

    outcome: str
    predictor: str
    moderator: str
    covariates: tuple[str, ...]
    groups: tuple[str, ...]
    group_sizes: tuple[int, ...]
    coding: str
    coding_table: pd.DataFrame
    n: int
    n_dropped: int
    se_type: str
    alpha: float
    params: pd.Series
    cov: pd.DataFrame
    df_resid: int
    r2: float
    omnibus: dict[str, float]
    effects: pd.DataFrame
    se_note: str | None = None
    n_boot: int = 0
    boot_seed: int | None = None
    _predictor_range: tuple[float, float] = (0.0, 1.0)
    _covariate_means: dict[str, float] = field(default_factory=dict, repr=False)

    @property
    def coefficients(self) -> pd.DataFrame:
        se = np.sqrt(np.diag(self.cov.to_numpy()))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.params.to_numpy() / se
        crit = stats.t.ppf(1 - self.alpha / 2, self.df_resid)
        return pd.DataFrame(
            {
                "estimate": self.params.to_numpy(),
                "se": se,
                "t": t,
                "p": 2 * stats.t.sf(np.abs(t), self.df_resid),
                "ci_low": self.params.to_numpy() - crit * se,
                "ci_high": self.params.to_numpy() + crit * se,
            },
            index=pd.Index(self.params.index, name="term"),
        )

    def to_frame(self) -> pd.DataFrame:
        """The effect of the predictor in each group."""
        return self.effects.copy()

    def conventions(self) -> str:
        text = (
            f"{len(self.groups)} groups of {self.moderator} in sorted order, the first "
            f"({self.groups[0]}) as reference, {self.coding} coding; {self.se_type} standard "
            f"errors with t on the residual df; {100 * (1 - self.alpha):g}% intervals"
        )
        if self.n_boot:
            text += (
                f"; percentile bootstrap of the group effects, {self.n_boot} resamples of rows"
                + (f" (seed {self.boot_seed})" if self.boot_seed is not None else " (no seed)")
            )
        return text + "."

    def report(self) -> str:
        coefs = self.coefficients
        coefs.index.name = None
        om = self.omnibus
        kind = "heteroskedasticity-consistent Wald F" if om["robust"] else "R2 change F"
        lines = [
            "Moderation analysis with a categorical moderator (OLS; PROCESS model 1 with a "
            "multicategorical W)",
            f"Outcome (Y): {self.outcome}   Predictor (X): {self.predictor}   "
            f"Moderator (W): {self.moderator} ({len(self.groups)} groups)",
            f"Covariates: {', '.join(self.covariates) if self.covariates else 'none'}",
            f"Sample size: {self.n}"
            + (f" ({self.n_dropped} rows with missing values dropped)" if self.n_dropped else ""),
            "Conventions: " + self.conventions(),
            *([f"  NOTE: {self.se_note}"] if self.se_note else []),
            "",
            f"Coding of {self.moderator} ({self.coding})",
            self.coding_table.round(4).to_string(),
            "",
            f"R2 = {self.r2:.4f}",
            "",
            "Coefficients",
            coefs.round(4).to_string(na_rep="NA"),
            "",
            f"Omnibus test of the interaction (all X*D = 0; {kind})",
            f"  R2 change = {om['r2_change']:.4f}   F({om['df1']}, {om['df2']}) = "
            f"{_fmt(om['F'])}   p = {_fmt(om['p'], 6)}",
            "",
            f"Conditional effect of {self.predictor} in each group of {self.moderator}",
            self.effects.round(4).to_string(index=False, na_rep="NA"),
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        coefs = self.coefficients
        return _clean(
            {
                "model": "categorical moderator",
                "outcome": self.outcome,
                "predictor": self.predictor,
                "moderator": self.moderator,
                "covariates": list(self.covariates),
                "groups": list(self.groups),
                "group_sizes": list(self.group_sizes),
                "coding": self.coding,
                "coding_table": {g: dict(row) for g, row in self.coding_table.iterrows()},
                "se": self.se_type,
                "se_note": self.se_note,
                "alpha": self.alpha,
                "n": self.n,
                "n_dropped": self.n_dropped,
                "df_resid": self.df_resid,
                "inference": "t",
                "conventions": self.conventions(),
                "r2": self.r2,
                "coefficients": {term: dict(row) for term, row in coefs.iterrows()},
                "omnibus_interaction_test": dict(self.omnibus),
                "conditional_effects": self.effects.to_dict(orient="records"),
                "bootstrap": (
                    {"resamples": self.n_boot, "seed": self.boot_seed, "interval": "percentile"}
                    if self.n_boot
                    else None
                ),
            }
        )

    def __repr__(self) -> str:
        om = self.omnibus
        return (
            f"CategoricalModerationResult({self.outcome} ~ {self.predictor} * {self.moderator} "
            f"[{len(self.groups)} groups, {self.coding} coding]; n = {self.n}; interaction "
            f"F({om['df1']}, {om['df2']}) = {_fmt(om['F'])}, p = {_fmt(om['p'])})"
        )

    def plot(self, ax: Any = None) -> Any:
        """Effect of the predictor in each group with its confidence interval."""
        from .. import plotting

        if ax is None:
            fig, ax = plotting.figure(width=7, height=4.2)
        else:
            fig = ax.figure
        e = self.effects
        ypos = np.arange(len(e))
        ax.errorbar(
            e["effect"],
            ypos,
            xerr=[e["effect"] - e["ci_low"], e["ci_high"] - e["effect"]],
            fmt="o",
            color=plotting.PALETTE["blue"],
            capsize=4,
        )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(ypos, [f"{g} (n = {n})" for g, n in zip(e["group"], e["n"], strict=True)])
        ax.invert_yaxis()
        ax.set_xlabel(f"effect of {self.predictor} ({100 * (1 - self.alpha):g}% CI)")
        ax.set_ylabel(self.moderator)
        return fig

    def plot_probes(self, **_: Any) -> Any:
        """Two panels: predicted outcome against x in each group (simple slopes), and the
        effect of x in each group with its interval."""
        from .. import plotting

        fig, (left, right) = plotting.figure(width=11, height=4.4, ncols=2)
        xs = np.linspace(*self._predictor_range, 50)
        base = self.params[INTERCEPT] + sum(
            self.params[c] * m for c, m in self._covariate_means.items()
        )
        colours = list(plotting.PALETTE.values())
        d_names = [c for c in self.coding_table.columns]
        for i, group in enumerate(self.groups):
            row = self.coding_table.loc[group].to_numpy()
            intercept = base + sum(self.params[d] * v for d, v in zip(d_names, row, strict=True))
            slope = self.effects["effect"].iloc[i]
            left.plot(xs, intercept + slope * xs, color=colours[i % len(colours)], label=group)
        left.set_xlabel(self.predictor)
        left.set_ylabel(f"predicted {self.outcome}")
        left.set_title("Simple slopes by group")
        left.legend(title=self.moderator, fontsize=9)
        self.plot(ax=right)
        right.set_title(f"Effect of {self.predictor} in each group")
        return fig


def _fmt(value: float, digits: int = 4) -> str:
    return "NA" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def moderator_groups(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Group codes 0 … k − 1 (NaN for missing) and labels, sorted as the module says."""
    present = series.dropna()
    numeric = pd.to_numeric(present, errors="coerce")
    if numeric.notna().all() and not pd.api.types.is_bool_dtype(present):
        levels = sorted(set(numeric.tolist()))
        labels = [f"{v:g}" for v in levels]
        lookup = {v: i for i, v in enumerate(levels)}
        values = pd.to_numeric(series, errors="coerce")
        codes = np.array([lookup.get(v, np.nan) if pd.notna(v) else np.nan for v in values])
        return codes.astype(float), labels
    text = series.astype("string").str.strip()
    levels = sorted(set(text.dropna().tolist()))
    lookup = {v: i for i, v in enumerate(levels)}
    codes = np.array([lookup[v] if pd.notna(v) else np.nan for v in text], dtype=float)
    return codes, levels


def fit_categorical_moderation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] = (),
    coding: str = "indicator",
    se: str = "classical",
    alpha: float = 0.05,
    missing: str = "drop",
    n_boot: int = 0,
    seed: int | None = None,
    max_groups: int = 20,
) -> CategoricalModerationResult:
    """Fit ``outcome ~ predictor * moderator`` with the moderator's k groups coded into
    k − 1 columns (``coding``: indicator, sequential, helmert or effect), by OLS.

    Returns the effect of the predictor in each group (with t intervals, and percentile
    bootstrap intervals when ``n_boot`` > 0) and the omnibus test of the interaction."""
    alpha = _check_alpha(alpha)
    se = _check_choice("se", se, SE_TYPES)
    coding = _check_choice("coding", coding, CODINGS)
    missing = _check_choice("missing", missing, ("drop", "raise"))
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    used = [outcome, predictor, moderator, *covariates]
    for name in used:
        if name not in frame.columns:
            available = [str(c) for c in frame.columns]
            raise ValueError(f"column {name!r} not found; available columns: {available}")
    if len(set(used)) != len(used):
        duplicated = sorted({c for c in used if used.count(c) > 1})
        raise ValueError(f"a column can play only one role; used more than once: {duplicated}")
    numeric = {c: _numeric_column(frame, c) for c in [outcome, predictor, *covariates]}
    codes, labels = moderator_groups(frame[moderator])
    stacked = np.column_stack([*numeric.values(), codes])
    incomplete = np.isnan(stacked).any(axis=1)
    n_dropped = int(incomplete.sum())
    if n_dropped and missing == "raise":
        raise ValueError(f"{n_dropped} of {len(frame)} rows have missing values")
    keep = ~incomplete
    codes = codes[keep].astype(int)
    present = sorted(set(codes.tolist()))
    labels = [labels[i] for i in present]
    codes = np.searchsorted(present, codes)
    k = len(labels)
    if k < 2:
        raise ValueError(f"the moderator {moderator!r} has only one group among complete rows")
    if k > max_groups:
        raise ValueError(
            f"the moderator {moderator!r} has {k} different values; a categorical moderator "
            f"may have at most {max_groups} groups (is it a number with a text value in it?)"
        )
    sizes = np.bincount(codes, minlength=k)
    y, x = numeric[outcome][keep], numeric[predictor][keep]
    n = len(y)
    D = coding_matrix(k, coding)
    d_names = [f"{moderator}:D{j + 1}" for j in range(k - 1)]
    h_names = [f"{predictor}:D{j + 1}" for j in range(k - 1)]
    Drows = D[codes]
    columns = {INTERCEPT: np.ones(n), predictor: x}
    columns.update({name: Drows[:, j] for j, name in enumerate(d_names)})
    columns.update({name: x * Drows[:, j] for j, name in enumerate(h_names)})
    columns.update({c: numeric[c][keep] for c in covariates})
    X = pd.DataFrame(columns)
    if n <= X.shape[1]:
        raise ValueError(f"too few rows: {n} complete rows for {X.shape[1]} parameters")
    if not full_rank(X.to_numpy()):
        raise ValueError(
            "the design matrix is rank deficient: the predictor may not vary within some "
            f"group of {moderator!r}, or columns are linear combinations of others"
        )
    row_numbers = np.flatnonzero(keep) + 1
    fit = ols_fit(y, X.to_numpy(), se, row_numbers)
    reduced = ols_fit(y, X.drop(columns=h_names).to_numpy())
    rows = [X.columns.get_loc(h) for h in h_names]
    r2_change = fit.r2 - reduced.r2
    if se == "classical":
        F = (r2_change / (k - 1)) / ((1 - fit.r2) / fit.df_resid)
    else:
        F = wald_f(fit.params, fit.cov, rows)
    omnibus = {
        "r2_change": float(r2_change),
        "F": float(F),
        "df1": k - 1,
        "df2": fit.df_resid,
        "p": float(stats.f.sf(F, k - 1, fit.df_resid)) if math.isfinite(F) else math.nan,
        "robust": se != "classical",
    }
    # Effect of x in group g: b1 + sum_j h_j * D[g, j], i.e. contrast c_g on (b1, h).
    slope_index = [X.columns.get_loc(predictor), *rows]
    C = np.column_stack([np.ones(k), D])  # k × k
    b = fit.params[slope_index]
    V = fit.cov[np.ix_(slope_index, slope_index)]
    effect = C @ b
    effect_se = np.sqrt(np.einsum("gi,ij,gj->g", C, V, C))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = effect / effect_se
    crit = stats.t.ppf(1 - alpha / 2, fit.df_resid)
    effects = pd.DataFrame(
        {
            "group": labels,
            "n": sizes.astype(int),
            "effect": effect,
            "se": effect_se,
            "t": t,
            "p": 2 * stats.t.sf(np.abs(t), fit.df_resid),
            "ci_low": effect - crit * effect_se,
            "ci_high": effect + crit * effect_se,
        }
    )
    if n_boot:
        draws = bootstrap_ols([y], [X.to_numpy()], n_boot, seed).params[0]
        boot_se, lo, hi = percentile_interval(draws[:, slope_index] @ C.T, alpha)
        effects["boot_se"], effects["boot_ci_low"], effects["boot_ci_high"] = boot_se, lo, hi
    return CategoricalModerationResult(
        outcome=outcome,
        predictor=predictor,
        moderator=moderator,
        covariates=tuple(covariates),
        groups=tuple(labels),
        group_sizes=tuple(int(s) for s in sizes),
        coding=coding,
        coding_table=pd.DataFrame(D, index=pd.Index(labels, name="group"), columns=d_names),
        n=n,
        n_dropped=n_dropped,
        se_type=se,
        alpha=alpha,
        params=pd.Series(fit.params, index=X.columns),
        cov=pd.DataFrame(fit.cov, index=X.columns, columns=X.columns),
        df_resid=fit.df_resid,
        r2=float(fit.r2),
        omnibus=omnibus,
        effects=effects,
        se_note=fit.se_note,
        n_boot=int(n_boot),
        boot_seed=seed,
        _predictor_range=(float(x.min()), float(x.max())),
        _covariate_means={c: float(np.mean(numeric[c][keep])) for c in covariates},
    )
