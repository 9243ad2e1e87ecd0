"""Mediation and moderated mediation (PROCESS models 4, 7 and 14) with bootstrap intervals.

Is the relationship a *mechanism* through which a strategy works? A mediation model says the
predictor X (hours of coaching) changes a mediator M (relationship quality), which changes the
outcome Y (fidelity). Two regressions, both with the covariates:

- model 4:  ``M = a0 + a*X``;            ``Y = c0 + c'*X + b*M``
- model 7:  ``M = a0 + a1*X + a2*W + a3*X*W``; ``Y = c0 + c'*X + b*M``
  (the moderator W changes the first stage; PROCESS model 7)
- model 14: ``M = a0 + a*X``;            ``Y = c0 + c'*X + b1*M + b2*W + b3*M*W``
  (W changes the second stage; PROCESS model 14)

The indirect effect of X on Y through M is ``a*b`` (model 4), the conditional indirect effect
at W = w is ``(a1 + a3*w)*b`` (model 7) or ``a*(b1 + b3*w)`` (model 14), and the index of
moderated mediation is ``a3*b`` (model 7) or ``a*b3`` (model 14): how much the indirect effect
changes per unit of W. A product of coefficients is not normally distributed, so its interval
is a percentile bootstrap (see :mod:`implsupport.moderation.bootstrap`); the paths a, b, c'
and the total effect c (model 4, from ``Y = c0 + c*X``) have the usual t intervals on their
equation's residual df.

Conventions, as PROCESS 3 and later: no centring; the moderator is probed at its 16th, 50th
and 84th percentiles ((n + 1)p definition), or at its two values when it has two; covariates
enter both equations; classical (or HC0–HC3) standard errors with t on the residual df.

What cross-sectional data cannot tell: the same correlations fit "X causes M causes Y",
"M causes X and Y" and "a third variable causes all three". The estimates are what the model
implies if its causal order is right; they do not show that it is.
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
    two_values,
)
from .bootstrap import bootstrap_ols, percentile_interval
from .least_squares import ols_fit, qr_factor
from .probing import probe_values

__all__ = ["MODELS", "MediationResult", "fit_mediation"]

#: PROCESS model numbers that :func:`fit_mediation` fits.
MODELS = (4, 7, 14)


@dataclass(frozen=True, eq=False)
class MediationResult:
    """A fitted mediation model (PROCESS model 4, 7 or 14). See :func:`fit_mediation`.

    ``paths``: one row per coefficient of each equation (``equation`` is the mediator's or
    the outcome's name, or ``"total effect"``), with estimate, se, t, p, ci_low, ci_high.
    ``indirect``: the indirect effect (model 4) or the conditional indirect effects at the
    moderator's probe values, with bootstrap SE and percentile interval.
    ``index``: the index of moderated mediation with its bootstrap SE and interval
    (models 7 and 14), or None.
    """

    model: int
    outcome: str
    predictor: str
    mediator: str
    moderator: str | None
    covariates: tuple[str, ...]
    n: int
    n_dropped: int
    se_type: str
    alpha: float
    n_boot: int
    seed: int | None
    n_boot_failed: int
    paths: pd.DataFrame
    indirect: pd.DataFrame
    index: dict[str, float] | None
    df_resid: dict[str, int]
    moderator_range: tuple[float, float] | None = None
    boot_draws: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: Why some standard errors are missing (HC2/HC3 at a point of leverage 1), or None.
    se_note: str | None = None

    # -- the few numbers people ask for by name
    def path(self, name: str) -> float:
        """A path by its PROCESS name: a, a1, a2, a3, b, b1, b2, b3, direct (c'), total (c)."""
        names = self._path_names()
        if name not in names:
            raise ValueError(f"no path {name!r} in model {self.model}; paths: {sorted(names)}")
        equation, term = names[name]
        row = self.paths[(self.paths["equation"] == equation) & (self.paths["term"] == term)]
        return float(row["estimate"].iloc[0])

    def _path_names(self) -> dict[str, tuple[str, str]]:
        x, m, w, y = self.predictor, self.mediator, self.moderator, self.outcome
        names = {"direct": (y, x)}
        if self.model == 4:
            names.update(a=(m, x), b=(y, m), total=("total effect", x))
        elif self.model == 7:
            names.update(a1=(m, x), a2=(m, w), a3=(m, f"{x}:{w}"), b=(y, m))
        else:
            names.update(a=(m, x), b1=(y, m), b2=(y, w), b3=(y, f"{m}:{w}"))
        return names  # type: ignore[return-value]

    # -- tables and text
    def to_frame(self) -> pd.DataFrame:
        """Every effect in one tidy table: paths (t intervals), then indirect effects and the
        index (bootstrap intervals); ``interval`` says which."""
        paths = self.paths.assign(kind="path", interval="t")
        rows = [paths.rename(columns={"term": "effect_of"})]
        ind = self.indirect.rename(columns={"boot_se": "se", "boot_ci_low": "ci_low"})
        ind = ind.rename(columns={"boot_ci_high": "ci_high"})
        ind = ind.assign(kind="indirect", interval="percentile bootstrap", equation=self.outcome)
        ind["effect_of"] = self.predictor
        rows.append(ind)
        if self.index is not None:
            rows.append(
                pd.DataFrame(
                    [
                        {
                            "kind": "index of moderated mediation",
                            "interval": "percentile bootstrap",
                            "equation": self.outcome,
                            "effect_of": self.predictor,
                            "estimate": self.index["estimate"],
                            "se": self.index["boot_se"],
                            "ci_low": self.index["boot_ci_low"],
                            "ci_high": self.index["boot_ci_high"],
                        }
                    ]
                )
            )
        table = pd.concat(rows, ignore_index=True)
        first = ["kind", "equation", "effect_of", "label", "moderator_value", "estimate", "se"]
        order = [c for c in first if c in table] + [c for c in table if c not in first]
        return table[order]

    @property
    def conventions(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        text = (
            f"Paths: OLS, {self.se_type} standard errors, t on each equation's residual df, "
            f"{level} intervals. Indirect effects: {level} percentile bootstrap, "
            f"{self.n_boot} resamples of rows"
            + (f" (seed {self.seed})" if self.seed is not None else " (no seed: not reproducible)")
        )
        if self.n_boot_failed:
            text += f"; {self.n_boot_failed} resamples with a singular design were dropped"
        text += ". No centring; covariates in both equations."
        if self.moderator is not None:
            text += (
                f" {self.moderator} probed at its 16th, 50th and 84th percentiles ((n + 1)p), "
                "or at its two values when it has two."
            )
        return text

    def report(self) -> str:
        x, m, y = self.predictor, self.mediator, self.outcome
        shape = {4: "simple", 7: "first-stage moderated", 14: "second-stage moderated"}
        lines = [
            f"Mediation analysis (PROCESS model {self.model}: {shape[self.model]} mediation)",
            f"Outcome (Y): {y}   Predictor (X): {x}   Mediator (M): {m}"
            + (f"   Moderator (W): {self.moderator}" if self.moderator else ""),
            f"Covariates: {', '.join(self.covariates) if self.covariates else 'none'}",
            f"Sample size: {self.n}"
            + (f" ({self.n_dropped} rows with missing values dropped)" if self.n_dropped else ""),
            "Conventions: " + self.conventions,
            "",
        ]
        for equation in self.paths["equation"].unique():
            block = self.paths[self.paths["equation"] == equation]
            title = (
                f"Total effect model: {y} on {x}"
                if equation == "total effect"
                else f"Outcome: {equation} (df {self.df_resid[equation]})"
            )
            lines += [title, _table(block.drop(columns=["equation"])), ""]
        if self.model == 4:
            lines.append(f"Indirect effect of {x} on {y} through {m} (a*b)")
        else:
            lines.append(
                f"Conditional indirect effects of {x} on {y} through {m} at values of "
                f"{self.moderator}"
            )
        lines.append(_table(self.indirect))
        if self.index is not None:
            i = self.index
            name = "a3*b" if self.model == 7 else "a*b3"
            lines += [
                "",
                f"Index of moderated mediation ({name}): {i['estimate']:.4f}, bootstrap SE "
                f"{_num(i['boot_se'])}, interval [{_num(i['boot_ci_low'])}, "
                f"{_num(i['boot_ci_high'])}]",
            ]
        lines += [
            "",
            "Cross-sectional data cannot tell this causal order from others that fit the "
            "same correlations (M causing X, or a common cause of X, M and Y).",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: model, columns, n, se, se_note, conventions, paths, indirect, index,
        bootstrap."""
        return _clean(
            {
                "model": self.model,
                "outcome": self.outcome,
                "predictor": self.predictor,
                "mediator": self.mediator,
                "moderator": self.moderator,
                "covariates": list(self.covariates),
                "n": self.n,
                "n_dropped": self.n_dropped,
                "se": self.se_type,
                "se_note": self.se_note,
                "alpha": self.alpha,
                "inference": "t",
                "df_resid": dict(self.df_resid),
                "bootstrap": {
                    "resamples": self.n_boot,
                    "seed": self.seed,
                    "failed": self.n_boot_failed,
                    "interval": "percentile",
                },
                "conventions": self.conventions,
                "paths": self.paths.to_dict(orient="records"),
                "indirect": self.indirect.to_dict(orient="records"),
                "index_of_moderated_mediation": self.index,
                "moderator_range": list(self.moderator_range) if self.moderator_range else None,
            }
        )

    def __repr__(self) -> str:
        ind = self.indirect.iloc[0]
        return (
            f"MediationResult(model {self.model}: {self.predictor} -> {self.mediator} -> "
            f"{self.outcome}; n = {self.n}; {self.n_boot} bootstrap resamples; "
            f"first indirect effect {ind['estimate']:.4f} "
            f"[{_num(ind['boot_ci_low'])}, {_num(ind['boot_ci_high'])}])"
        )

    def plot(self, ax: Any = None) -> Any:
        """The path diagram with the estimates (and the moderator's arrow for models 7, 14)."""
        from .mediation_plot import plot_mediation

        return plot_mediation(self, ax=ax)


def _num(value: float, digits: int = 4) -> str:
    return "NA" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _table(frame: pd.DataFrame) -> str:
    return frame.round(4).to_string(index=False, na_rep="NA")


def _columns(
    frame: pd.DataFrame, roles: dict[str, str | None], covariates: list[str], missing: str
) -> tuple[dict[str, np.ndarray], int, np.ndarray]:
    """The named columns as floats, complete rows only (listwise), with the usual checks."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    used: list[str] = []
    for role, name in roles.items():
        if name is None:
            continue
        if not isinstance(name, str) or not name:
            raise TypeError(f"{role} must be a column name (a non-empty string); got {name!r}")
        used.append(name)
    used += covariates
    available = [str(c) for c in frame.columns]
    for name in used:
        if name not in frame.columns:
            raise ValueError(f"column {name!r} not found; available columns: {available}")
    if len(set(used)) != len(used):
        duplicated = sorted({c for c in used if used.count(c) > 1})
        raise ValueError(f"a column can play only one role; used more than once: {duplicated}")
    values = {c: _numeric_column(frame, c) for c in used}
    stacked = np.column_stack(list(values.values()))
    if np.isinf(stacked).any():
        column = used[int(np.flatnonzero(np.isinf(stacked).any(axis=0))[0])]
        raise ValueError(f"column {column!r} holds an infinite value")
    incomplete = np.isnan(stacked).any(axis=1)
    n_dropped = int(incomplete.sum())
    if n_dropped and missing == "raise":
        columns = [c for c in used if np.isnan(values[c]).any()]
        raise ValueError(
            f"{n_dropped} of {len(frame)} rows have missing values (in columns {columns}); "
            'drop them first, or pass missing="drop"'
        )
    keep = ~incomplete
    data = {c: v[keep] for c, v in values.items()}
    for role, name in roles.items():
        if name is not None and role != "outcome" and np.ptp(data[name]) == 0:
            raise ValueError(
                f"the {role} {name!r} is constant (every value is {data[name][0]:g}); "
                "its effect cannot be estimated"
            )
    return data, n_dropped, np.flatnonzero(keep) + 1


def _se_note(fits: dict[str, Any]) -> str | None:
    """The equations' notes on missing standard errors (see :func:`ols_fit`), each named."""
    by_note: dict[str, list[str]] = {}
    for equation, fit in fits.items():
        if fit.se_note:
            by_note.setdefault(fit.se_note, []).append(equation)
    if not by_note:
        return None
    texts = []
    for note, names in by_note.items():
        names = [f"the {n}" if n == "total effect" else n for n in names]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        texts.append(f"In the equation{'s' if len(names) > 1 else ''} of {listed}: {note}")
    return " ".join(texts)


def _path_rows(equation: str, names: list[str], fit: Any, alpha: float) -> list[dict]:
    se = np.sqrt(np.diag(fit.cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = fit.params / se
    crit = stats.t.ppf(1 - alpha / 2, fit.df_resid)
    p = 2 * stats.t.sf(np.abs(t), fit.df_resid)  # one call for the whole equation
    return [
        {
            "equation": equation,
            "term": name,
            "estimate": float(fit.params[j]),
            "se": float(se[j]),
            "t": float(t[j]),
            "p": float(p[j]),
            "ci_low": float(fit.params[j] - crit * se[j]),
            "ci_high": float(fit.params[j] + crit * se[j]),
        }
        for j, name in enumerate(names)
    ]


def mediation_probes(moderator_values: np.ndarray) -> pd.Series:
    """PROCESS 3 probe values: the two values of a two-valued moderator, otherwise the 16th,
    50th and 84th percentiles by the (n + 1)p definition."""
    distinct = two_values(moderator_values)
    if distinct is not None:
        return pd.Series(distinct, index=[f"{v:g}" for v in distinct])
    return probe_values(moderator_values, "percentiles")


def fit_mediation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    mediator: str,
    covariates: Sequence[str] = (),
    moderator: str | None = None,
    model: int | None = None,
    n_boot: int = 5000,
    seed: int | None = None,
    probe: Sequence[float] | None = None,
    se: str = "classical",
    alpha: float = 0.05,
    missing: str = "drop",
) -> MediationResult:
    """Fit PROCESS model 4 (no moderator), 7 or 14 (with ``moderator``) by OLS, with a
    percentile bootstrap of ``n_boot`` resamples for the indirect effects.

    ``model`` defaults to 4 without a moderator and must be 7 or 14 with one. ``probe`` gives
    moderator values for the conditional indirect effects (default: see
    :func:`mediation_probes`). ``seed`` makes the bootstrap reproducible.
    """
    alpha = _check_alpha(alpha)
    se = _check_choice("se", se, SE_TYPES)
    missing = _check_choice("missing", missing, ("drop", "raise"))
    if model is None:
        model = 4 if moderator is None else 7
    if isinstance(model, bool) or model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(map(str, MODELS))}; got {model!r}")
    if model == 4 and moderator is not None:
        raise ValueError("model 4 has no moderator; use model 7 or 14 with a moderator")
    if model in (7, 14) and moderator is None:
        raise ValueError(f"model {model} needs a moderator")
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    roles = {"outcome": outcome, "predictor": predictor, "mediator": mediator}
    roles["moderator"] = moderator
    data, n_dropped, row_numbers = _columns(frame, roles, covariates, missing)
    n = len(data[outcome])
    x, m, y = data[predictor], data[mediator], data[outcome]
    ones = np.ones(n)
    cov_block = [data[c] for c in covariates]
    mediator_terms = [INTERCEPT, predictor]
    mediator_cols = [ones, x]
    outcome_terms = [INTERCEPT, predictor, mediator]
    outcome_cols = [ones, x, m]
    w = data[moderator] if moderator is not None else None
    if model == 7:
        mediator_terms += [moderator, f"{predictor}:{moderator}"]
        mediator_cols += [w, x * w]
    elif model == 14:
        outcome_terms += [moderator, f"{mediator}:{moderator}"]
        outcome_cols += [w, m * w]
    X_m = np.column_stack(mediator_cols + cov_block)
    X_y = np.column_stack(outcome_cols + cov_block)
    factors = []  # one QR of [X, y] per equation serves the rank check and the fit
    for label, X, response in (("mediator", X_m, m), ("outcome", X_y, y)):
        if n <= X.shape[1]:
            raise ValueError(
                f"too few rows: {n} complete rows for the {label} equation's "
                f"{X.shape[1]} parameters"
            )
        factor = qr_factor(response, X)
        if not factor.full_rank:
            raise ValueError(
                f"the {label} equation's design is rank deficient: some columns "
                "are exact linear combinations of others"
            )
        factors.append(factor)
    fit_m = ols_fit(m, X_m, se, row_numbers, factor=factors[0])
    fit_y = ols_fit(y, X_y, se, row_numbers, factor=factors[1])
    rows = _path_rows(mediator, mediator_terms + covariates, fit_m, alpha)
    rows += _path_rows(outcome, outcome_terms + covariates, fit_y, alpha)
    df_resid = {mediator: fit_m.df_resid, outcome: fit_y.df_resid}
    equations_y, equations_X = [m, y], [X_m, X_y]
    if model == 4:
        X_c = np.column_stack([ones, x, *cov_block])
        fit_c = ols_fit(y, X_c, se, row_numbers)
        rows += _path_rows("total effect", [INTERCEPT, predictor, *covariates], fit_c, alpha)
        df_resid["total effect"] = fit_c.df_resid
    paths = pd.DataFrame(rows)
    fits = {mediator: fit_m, outcome: fit_y}
    if model == 4:
        fits["total effect"] = fit_c
    se_note = _se_note(fits)

    draws = bootstrap_ols(equations_y, equations_X, n_boot, seed)
    bm, by = draws.params
    if model == 4:
        probes = None
        estimate = np.array([fit_m.params[1] * fit_y.params[2]])
        boot = (bm[:, 1] * by[:, 2])[:, None]
        labels = ["indirect (a*b)"]
    else:
        w_obs = data[moderator]
        probes = mediation_probes(w_obs) if probe is None else probe_values(w_obs, probe)
        wv = probes.to_numpy()
        if model == 7:
            estimate = (fit_m.params[1] + fit_m.params[3] * wv) * fit_y.params[2]
            boot = (bm[:, [1]] + bm[:, [3]] * wv) * by[:, [2]]
            index_est, index_boot = fit_m.params[3] * fit_y.params[2], bm[:, 3] * by[:, 2]
        else:
            estimate = fit_m.params[1] * (fit_y.params[2] + fit_y.params[4] * wv)
            boot = bm[:, [1]] * (by[:, [2]] + by[:, [4]] * wv)
            index_est, index_boot = fit_m.params[1] * fit_y.params[4], bm[:, 1] * by[:, 4]
        labels = list(probes.index)
    boot[~draws.ok] = np.nan
    boot_se, lo, hi = percentile_interval(boot, alpha)
    indirect = pd.DataFrame({"label": labels})
    if probes is not None:
        indirect["moderator_value"] = probes.to_numpy()
    indirect["estimate"] = estimate
    indirect["boot_se"] = boot_se
    indirect["boot_ci_low"] = lo
    indirect["boot_ci_high"] = hi
    index = None
    boot_draws = {"indirect": boot}
    if model != 4:
        index_boot = np.where(draws.ok, index_boot, np.nan)
        i_se, i_lo, i_hi = percentile_interval(index_boot, alpha)
        index = {
            "estimate": float(index_est),
            "boot_se": float(i_se[0]),
            "boot_ci_low": float(i_lo[0]),
            "boot_ci_high": float(i_hi[0]),
        }
        boot_draws["index"] = index_boot
    return MediationResult(
        model=int(model),
        outcome=outcome,
        predictor=predictor,
        mediator=mediator,
        moderator=moderator,
        covariates=tuple(covariates),
        n=n,
        n_dropped=n_dropped,
        se_type=se,
        alpha=alpha,
        n_boot=int(n_boot),
        seed=None if seed is None else int(seed),
        n_boot_failed=draws.n_failed,
        paths=paths,
        indirect=indirect,
        index=index,
        df_resid=df_resid,
        moderator_range=(float(w.min()), float(w.max())) if w is not None else None,
        boot_draws=boot_draws,
        se_note=se_note,
    )
