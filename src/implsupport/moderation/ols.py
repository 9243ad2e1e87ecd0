"""OLS moderation (the model of PROCESS model 1) with classical or HC standard errors."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ._common import (
    SE_TYPES,
    _check_alpha,
    _check_choice,
    _clean,
    _design,
    _fmt,
    _shared_fields,
    rank_deficient,
)
from ._distributions import f_sf
from .bootstrap import bootstrap_ols
from .least_squares import ols_fit, qr_factor, wald_f
from .probing import _probe_rows, _Probing


@dataclass(frozen=True)
class R2Change:
    """R² change due to the interaction, with its F test (df1 = 1)."""

    r2_change: float
    F: float
    df1: int
    df2: float
    p: float
    robust: bool = False

    def __repr__(self) -> str:
        kind = " (F from the heteroskedasticity-consistent Wald test)" if self.robust else ""
        return (
            f"R2 change = {self.r2_change:.4f}, F({self.df1}, {self.df2:g}) = {self.F:.4f}, "
            f"p = {self.p:.4g}{kind}"
        )


@dataclass(frozen=True, eq=False)
class ModerationResult(_Probing):
    """An OLS moderation model (PROCESS model 1). See :func:`fit_moderation`."""

    se_type: str = "classical"
    r2: float = math.nan
    mse: float = math.nan
    model_test: Mapping[str, float] = field(default_factory=dict)
    r2_change: R2Change | None = None

    def report(self, at: str | Sequence[float] = "meansd", fdr: bool = False) -> str:
        """A PROCESS-style text report: model, coefficients, R² change, probes, JN."""
        covs = ", ".join(self.covariates) if self.covariates else "none"
        centred = ", ".join(
            f"{k} (minus {v:.4f})"
            for k, v in self.centering.items()
            if self.center != "none" and (v != 0 or k == self.moderator)
        )
        mt = self.model_test
        coefs = self.coefficients.copy()
        coefs.index.name = None
        effects = self.conditional_effects(at)
        jn = self.johnson_neyman(fdr=fdr)
        rc = self.r2_change
        assert rc is not None
        lines = [
            "Moderation analysis (OLS; the model of PROCESS model 1)",
            f"Outcome (Y): {self.outcome}   Predictor (X): {self.predictor}   "
            f"Moderator (W): {self.moderator}",
            f"Covariates: {covs}",
            f"Sample size: {self.n}"
            + (f" ({self.n_dropped} rows with missing values dropped)" if self.n_dropped else ""),
            f"Standard errors: {self.se_type}; inference: t with {self.df_resid:g} residual df",
            *([f"  NOTE: {self.se_note}"] if self.se_note else []),
            "Centering: " + (self.center if self.center == "none" else f"{self.center}: {centred}"),
            "Conventions: " + self.conventions(at),
            "",
            "Model summary",
            f"  R2 = {_fmt(self.r2)}   MSE = {_fmt(self.mse)}   "
            f"F({mt['df1']:g}, {mt['df2']:g}) = {_fmt(mt['F'])}   p = {_fmt(mt['p'], 6)}",
            "",
            "Coefficients",
            coefs.round(4).to_string(na_rep="NA"),
            "",
            "Test of the interaction X*W (R2 change)",
            f"  R2 change = {_fmt(rc.r2_change)}   F({rc.df1}, {rc.df2:g}) = {_fmt(rc.F)}   "
            f"p = {_fmt(rc.p, 6)}"
            + ("   (heteroskedasticity-consistent Wald F)" if rc.robust else ""),
            "",
            repr(effects),
            "",
            "Johnson–Neyman",
            "  " + (self.TWO_VALUES_JN if self.moderator_is_binary else jn.describe()),
        ]
        if jn.bounds is not None and not self.moderator_is_binary:
            lines.append(f"  Bounds: {jn.bounds[0]:.4f} and {jn.bounds[1]:.4f}")
        return "\n".join(lines)

    def conventions(self, at: str | Sequence[float] = "meansd") -> str:
        """The conventions behind the numbers, in one sentence."""
        if isinstance(at, str):
            probes = {
                "meansd": "the moderator's mean and one SD (n - 1) either side",
                "percentiles": "the moderator's 16th, 50th and 84th percentiles ((n + 1)p)",
                "auto": "the moderator's two values when it has two, otherwise its 16th, 50th "
                "and 84th percentiles ((n + 1)p), as PROCESS 3 and later",
            }[at.lower()]
        else:
            probes = "the moderator values given"
        text = (
            f"t on the residual df for every standard error type; probes at {probes}; "
            f"{100 * (1 - self.alpha):g}% intervals"
        )
        if self.boot_params is not None:
            text += (
                f"; percentile bootstrap of the conditional effects, {len(self.boot_params)} "
                "resamples of rows"
                + (f" (seed {self.boot_seed})" if self.boot_seed is not None else " (no seed)")
            )
        return text + "."

    def to_dict(self, at: str | Sequence[float] = "meansd", fdr: bool = False) -> dict[str, Any]:
        """Everything the report shows, with the JSON keys documented in the module docstring."""
        coefs = self.coefficients
        rc = self.r2_change
        assert rc is not None
        return _clean(
            {
                "outcome": self.outcome,
                "predictor": self.predictor,
                "moderator": self.moderator,
                "covariates": list(self.covariates),
                "se": self.se_type,
                "se_note": self.se_note,
                "conventions": self.conventions(at),
                "bootstrap": (
                    None
                    if self.boot_params is None
                    else {
                        "resamples": len(self.boot_params),
                        "seed": self.boot_seed,
                        "interval": "percentile",
                    }
                ),
                "center": self.center,
                "centering": dict(self.centering),
                "alpha": self.alpha,
                "n": self.n,
                "n_dropped": self.n_dropped,
                "df_resid": self.df_resid,
                "inference": "t",
                "coefficients": {
                    term: {k: row[k] for k in ("estimate", "se", "t", "p", "ci_low", "ci_high")}
                    for term, row in coefs.iterrows()
                },
                "r2": self.r2,
                "mse": self.mse,
                "model_test": dict(self.model_test),
                "r2_change": rc.r2_change,
                "r2_change_test": {
                    "F": rc.F,
                    "df1": rc.df1,
                    "df2": rc.df2,
                    "p": rc.p,
                    "robust": rc.robust,
                },
                "conditional_effects": _probe_rows(self.conditional_effects(at)),
                "johnson_neyman": (
                    None if self.moderator_is_binary else self.johnson_neyman(fdr=fdr).to_dict()
                ),
            }
        )

    def __repr__(self) -> str:
        coefs = self.coefficients.round(4)
        return (
            f"ModerationResult({self.outcome} ~ {self.predictor} * {self.moderator}"
            + (f" + {' + '.join(self.covariates)}" if self.covariates else "")
            + f"; n = {self.n}, se = {self.se_type}, center = {self.center})\n"
            + coefs.to_string()
            + f"\nR2 = {self.r2:.4f}; {self.r2_change!r}"
        )


def fit_moderation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] = (),
    se: str = "classical",
    center: str = "none",
    alpha: float = 0.05,
    missing: str = "drop",
    n_boot: int = 0,
    seed: int | None = None,
) -> ModerationResult:
    """Fit ``outcome ~ predictor * moderator (+ covariates)`` by OLS.

    Parameters
    ----------
    frame : the data; only the named columns are used (others may be anything). Column
        names need not be Python identifiers: the design matrix is built directly.
    se : ``"classical"`` or ``"hc0"``, ``"hc1"``, ``"hc2"``, ``"hc3"``
        (heteroskedasticity-consistent). Inference is t on the residual df in every case.
    center : ``"none"``, ``"moderator"`` (subtract the moderator's mean) or ``"both"``
        (subtract the predictor's and the moderator's means). Changes b0, b1, b2 only.
    alpha : significance level for confidence intervals, probes and Johnson–Neyman.
    missing : ``"drop"`` (listwise, the count kept in ``n_dropped``) or ``"raise"``.
    n_boot, seed : with ``n_boot`` > 0, ``n_boot`` bootstrap resamples of rows (seeded by
        ``seed``) give percentile intervals for the conditional effects (columns ``boot_se``,
        ``boot_ci_low``, ``boot_ci_high``), see :mod:`implsupport.moderation.bootstrap`.

    The R² change due to the interaction is tested with the usual F test; with an HC
    covariance the F is the heteroskedasticity-consistent Wald test of b3 (its t squared),
    as PROCESS does. The model test is likewise the Wald F of all slopes with the chosen
    covariance (identical to the classical F with classical standard errors).
    """
    alpha = _check_alpha(alpha)
    se = _check_choice("se", se, SE_TYPES)
    design = _design(
        frame, outcome, predictor, moderator, covariates, center, missing, check_rank=False
    )
    X = design.X
    X_values = X.to_numpy()
    factor = qr_factor(design.y, X_values)  # one factorisation: the rank check and the fit
    if not factor.full_rank:
        raise rank_deficient(list(X.columns))
    fit = ols_fit(design.y, X_values, se, design.row_numbers, factor)
    params = pd.Series(fit.params, index=X.columns)
    cov = pd.DataFrame(fit.cov, index=X.columns, columns=X.columns)
    df_resid = fit.df_resid
    slopes = list(range(1, X.shape[1]))
    model_f = wald_f(fit.params, fit.cov, slopes)
    interaction = f"{predictor}:{moderator}"
    r2_change = float(fit.r2 - fit.r2_without(X.columns.get_loc(interaction)))
    if se == "classical":
        f_change = r2_change / ((1 - fit.r2) / df_resid)
    else:
        f_change = wald_f(fit.params, fit.cov, [X.columns.get_loc(interaction)])
    boot_params = None
    if n_boot:
        boot_params = bootstrap_ols([design.y], [X_values], n_boot, seed).params[0]
    x_original = X[predictor].to_numpy() + design.centering[predictor]
    return ModerationResult(
        **_shared_fields(outcome, predictor, moderator, covariates, center, design, alpha),
        params=params,
        cov=cov,
        df_resid=df_resid,
        moderator_observed=design.moderator_observed,
        se_type=se,
        r2=float(fit.r2),
        mse=float(fit.ssr / df_resid),
        se_note=fit.se_note,
        boot_params=boot_params,
        boot_seed=seed,
        model_test={
            "F": model_f,
            "df1": len(slopes),
            "df2": df_resid,
            "p": f_sf(model_f, len(slopes), df_resid),
        },
        r2_change=R2Change(
            r2_change,
            float(f_change),
            1,
            df_resid,
            f_sf(float(f_change), 1, df_resid),
            robust=se != "classical",
        ),
        _predictor_range=(float(x_original.min()), float(x_original.max())),
        _covariate_means={c: float(X[c].mean()) for c in X.columns[4:]},
    )
