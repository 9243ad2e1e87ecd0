"""Logistic moderation for a binary outcome (log-odds scale, z inference)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._common import INTERCEPT, _check_alpha, _clean, _design, _shared_fields
from .bootstrap import bootstrap_logistic
from .probing import _probe_rows, _Probing, probe_values


@dataclass(frozen=True, eq=False)
class LogisticModerationResult(_Probing):
    """Logistic regression with an interaction. See :func:`fit_logistic_moderation`.

    Coefficients and conditional effects are on the log-odds scale with z inference.
    ``odds_ratios`` exponentiates them. On the probability scale the interaction is not b3.
    """

    loglike: float = math.nan
    pseudo_r2: float = math.nan
    interaction_lr_test: Mapping[str, float] = field(default_factory=dict)
    converged: bool = False
    fit_warnings: tuple[str, ...] = ()
    _predictor_mean: float = 0.0
    #: Bootstrap resamples dropped because their fit did not converge (separation).
    n_boot_failed: int = 0
    _effect_scale = "log-odds"
    _predicted_label = "predicted log-odds that {outcome} = 1"

    CAVEAT = (
        "Conditional effects are on the log-odds scale. On the probability scale the "
        "interaction is not the coefficient b3: the effect of x on a probability also depends "
        "on the other predictors' values, and can differ in sign and significance from b3."
    )

    @property
    def odds_ratios(self) -> pd.DataFrame:
        table = self.coefficients[["estimate", "ci_low", "ci_high"]]
        return np.exp(table).rename(columns={"estimate": "odds_ratio"})

    def predicted_probabilities(
        self, predictor_values: Sequence[float], at: str | Sequence[float] = "meansd"
    ) -> pd.DataFrame:
        """Predicted probability that the outcome is 1, at each predictor value (original
        scale) and each probe value of the moderator, covariates at their means.

        Differences between rows show the effect of x on the probability scale, which depends
        on where a unit sits on the logistic curve and so is not summarised by b3."""
        probes = probe_values(self.moderator_observed, at)
        xs = np.asarray(predictor_values, dtype=float)
        cx, cw = self.centering[self.predictor], self.centering[self.moderator]
        base = self.params[INTERCEPT] + sum(
            self.params[c] * m for c, m in self._covariate_means.items()
        )
        rows = []
        for label, wv in probes.items():
            xc, wc = xs - cx, wv - cw
            eta = (
                base
                + self.params[self.predictor] * xc
                + self.params[self.moderator] * wc
                + self.params[self.interaction] * xc * wc
            )
            for xv, prob in zip(xs, 1 / (1 + np.exp(-eta)), strict=True):
                rows.append(
                    {
                        "label": label,
                        "moderator_value": wv,
                        "predictor_value": xv,
                        "probability": prob,
                    }
                )
        return pd.DataFrame(rows)

    def probability_scale(self, at: str | Sequence[float] = "meansd") -> pd.DataFrame:
        """At each probe value of w: the predicted probability at the predictor's mean and the
        change in that probability per unit of x there (the derivative
        ``p*(1 - p)*(b1 + b3*w)``), covariates at their means. No standard errors."""
        probes = probe_values(self.moderator_observed, at)
        x_mean = self._predictor_mean
        prob = self.predicted_probabilities([x_mean], at)["probability"].to_numpy()
        slope = self.params[self.predictor] + self.params[self.interaction] * (
            probes.to_numpy() - self.centering[self.moderator]
        )
        return pd.DataFrame(
            {
                "label": list(probes.index),
                "moderator_value": probes.to_numpy(),
                "predictor_value": x_mean,
                "probability": prob,
                "probability_change_per_unit": prob * (1 - prob) * slope,
            }
        )

    def report(self, at: str | Sequence[float] = "meansd", fdr: bool = False) -> str:
        """A text report: coefficients (log-odds, z), odds ratios, the interaction's LR test,
        conditional effects on the log-odds and the probability scale, Johnson–Neyman."""
        lr = self.interaction_lr_test
        coefs = self.coefficients.copy()
        coefs.index.name = None
        odds = self.odds_ratios.copy()
        odds.index.name = None
        lines = [
            "Moderation analysis (logistic regression; the model of PROCESS model 1 for a "
            "0/1 outcome)",
            f"Outcome (Y): P({self.outcome} = 1)   Predictor (X): {self.predictor}   "
            f"Moderator (W): {self.moderator}",
            f"Covariates: {', '.join(self.covariates) if self.covariates else 'none'}",
            f"Sample size: {self.n}"
            + (f" ({self.n_dropped} rows with missing values dropped)" if self.n_dropped else ""),
            "Conventions: maximum likelihood; coefficients and conditional effects on the "
            "log-odds scale with z tests; probability-scale effects at the predictor's mean "
            "with covariates at their means (no standard errors); "
            f"{'converged' if self.converged else 'DID NOT CONVERGE'}"
            + self._bootstrap_conventions()
            + ".",
            "",
            "Coefficients (log-odds scale)",
            coefs.round(4).to_string(na_rep="NA"),
            "",
            "Odds ratios",
            odds.round(4).to_string(na_rep="NA"),
            "",
            f"Likelihood-ratio test of the interaction: chi2(1) = {lr['chi2']:.4f}, "
            f"p = {lr['p']:.6f}; McFadden pseudo-R2 = {self.pseudo_r2:.4f}",
            "",
            repr(self.conditional_effects(at)),
            "",
            "Probability scale (predicted probability and its change per unit of "
            f"{self.predictor}, at the mean of {self.predictor})",
            self.probability_scale(at).round(4).to_string(index=False),
            "",
            "Johnson–Neyman (log-odds scale)",
            "  "
            + (
                self.TWO_VALUES_JN
                if self.moderator_is_binary
                else self.johnson_neyman(fdr=fdr).describe()
            ),
            "",
            self.CAVEAT,
        ]
        if self.fit_warnings:
            lines.append("Warnings: " + " | ".join(self.fit_warnings))
        return "\n".join(lines)

    def _bootstrap_conventions(self) -> str:
        if self.boot_params is None:
            return ""
        text = (
            "; percentile bootstrap of the conditional effects (log-odds scale), "
            f"{len(self.boot_params)} resamples of rows"
            + (f" (seed {self.boot_seed})" if self.boot_seed is not None else " (no seed)")
        )
        if self.n_boot_failed:
            text += (
                f", of which {self.n_boot_failed} without a maximum-likelihood fit "
                "(separation) were dropped"
            )
        return text

    def to_dict(self, at: str | Sequence[float] = "meansd", fdr: bool = False) -> dict[str, Any]:
        coefs = self.coefficients
        return _clean(
            {
                "model": "logistic",
                "outcome": self.outcome,
                "predictor": self.predictor,
                "moderator": self.moderator,
                "covariates": list(self.covariates),
                "center": self.center,
                "alpha": self.alpha,
                "n": self.n,
                "n_dropped": self.n_dropped,
                "inference": "z",
                "scale": "log-odds",
                "coefficients": {
                    term: {k: row[k] for k in ("estimate", "se", "z", "p", "ci_low", "ci_high")}
                    for term, row in coefs.iterrows()
                },
                "odds_ratios": {term: dict(row) for term, row in self.odds_ratios.iterrows()},
                "interaction_lr_test": dict(self.interaction_lr_test),
                "pseudo_r2": self.pseudo_r2,
                "converged": self.converged,
                "fit_warnings": list(self.fit_warnings),
                "bootstrap": (
                    None
                    if self.boot_params is None
                    else {
                        "resamples": len(self.boot_params),
                        "seed": self.boot_seed,
                        "failed": self.n_boot_failed,
                        "interval": "percentile",
                        "scale": "log-odds",
                    }
                ),
                "conditional_effects": _probe_rows(self.conditional_effects(at)),
                "probability_scale": self.probability_scale(at).to_dict(orient="records"),
                "johnson_neyman": (
                    None if self.moderator_is_binary else self.johnson_neyman(fdr=fdr).to_dict()
                ),
                "caveat": self.CAVEAT,
            }
        )

    def __repr__(self) -> str:
        lr = self.interaction_lr_test
        return (
            f"LogisticModerationResult(logit P({self.outcome} = 1) ~ {self.predictor} * "
            f"{self.moderator}; n = {self.n}; "
            f"{'converged' if self.converged else 'DID NOT CONVERGE'})\n"
            + self.coefficients.round(4).to_string()
            + f"\nLikelihood-ratio test of the interaction: chi2(1) = {lr['chi2']:.4f}, "
            f"p = {lr['p']:.4g}; McFadden pseudo-R2 = {self.pseudo_r2:.4f}\n{self.CAVEAT}"
        )


def fit_logistic_moderation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] = (),
    center: str = "none",
    alpha: float = 0.05,
    missing: str = "drop",
    n_boot: int = 0,
    seed: int | None = None,
) -> LogisticModerationResult:
    """Moderation for a binary (0/1) outcome by maximum-likelihood logistic regression.

    Conditional effects and Johnson–Neyman bounds are on the log-odds scale, with z
    inference. The interaction is also tested by a likelihood-ratio test against the model
    without it. See :attr:`LogisticModerationResult.CAVEAT` for the probability scale.

    With ``n_boot`` > 0, ``n_boot`` resamples of rows (seeded by ``seed``) give percentile
    bootstrap intervals for the conditional effects on the log-odds scale (columns
    ``boot_se``, ``boot_ci_low``, ``boot_ci_high``); a resample without a maximum-likelihood
    fit (separation) is dropped and counted, see
    :func:`implsupport.moderation.bootstrap.bootstrap_logistic`.
    """
    import statsmodels.api as sm

    alpha = _check_alpha(alpha)
    design = _design(frame, outcome, predictor, moderator, covariates, center, missing)
    if not np.isin(design.y, (0.0, 1.0)).all():
        bad = design.y[~np.isin(design.y, (0.0, 1.0))][0]
        raise ValueError(
            f"outcome {outcome!r} must be coded 0/1 for a logistic model; found {bad:g}"
        )
    if design.y.min() == design.y.max():
        raise ValueError(
            f"outcome {outcome!r} has only one value; a logistic model needs both 0 and 1"
        )
    X = design.X
    interaction = f"{predictor}:{moderator}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.Logit(design.y, X).fit(disp=0, maxiter=200)
        reduced = sm.Logit(design.y, X.drop(columns=[interaction])).fit(disp=0, maxiter=200)
    messages = tuple(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    chi2 = float(2 * (fit.llf - reduced.llf))
    boot = None
    if n_boot:
        boot = bootstrap_logistic(design.y, X.to_numpy(), n_boot, seed, np.asarray(fit.params))
    x_original = X[predictor].to_numpy() + design.centering[predictor]
    return LogisticModerationResult(
        **_shared_fields(outcome, predictor, moderator, covariates, center, design, alpha),
        params=pd.Series(np.asarray(fit.params), index=X.columns),
        cov=pd.DataFrame(np.asarray(fit.cov_params()), index=X.columns, columns=X.columns),
        df_resid=None,
        moderator_observed=design.moderator_observed,
        loglike=float(fit.llf),
        pseudo_r2=float(fit.prsquared),
        interaction_lr_test={"chi2": chi2, "df": 1, "p": float(stats.chi2.sf(chi2, 1))},
        converged=bool(fit.mle_retvals.get("converged", False)),
        fit_warnings=messages,
        _predictor_range=(float(x_original.min()), float(x_original.max())),
        _covariate_means={c: float(X[c].mean()) for c in X.columns[4:]},
        _predictor_mean=float(x_original.mean()),
        boot_params=None if boot is None else boot.params[0],
        boot_seed=seed,
        n_boot_failed=0 if boot is None else boot.n_failed,
    )
