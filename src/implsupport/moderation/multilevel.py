"""Multilevel moderation: random intercepts (and slopes) for a grouping column, by MixedLM."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._common import INTERCEPT, _check_alpha, _design, _shared_fields
from .probing import _Probing


@dataclass(frozen=True, eq=False)
class MultilevelModerationResult(_Probing):
    """A linear mixed model for moderation. See :func:`fit_multilevel_moderation`.

    Fixed effects are tested with z statistics (normal reference), as MixedLM reports them.
    """

    group: str = ""
    n_groups: int = 0
    random_slope: bool = False
    converged: bool = False
    fit_warnings: tuple[str, ...] = ()
    variance_components: pd.Series | None = None
    loglike: float = math.nan

    def __repr__(self) -> str:
        status = "converged" if self.converged else "DID NOT CONVERGE"
        lines = [
            f"MultilevelModerationResult({self.outcome} ~ {self.predictor} * {self.moderator}; "
            f"random intercept{' and slope of ' + self.predictor if self.random_slope else ''} "
            f"by {self.group}; n = {self.n} in {self.n_groups} groups; REML; {status})",
            "Fixed effects (z tests):",
            self.coefficients.round(4).to_string(),
            "Variance components:",
            self.variance_components.round(4).to_string()
            if self.variance_components is not None
            else "none",
        ]
        if self.fit_warnings:
            lines.append("Warnings: " + " | ".join(self.fit_warnings))
        return "\n".join(lines)


def fit_multilevel_moderation(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    group: str,
    covariates: Sequence[str] = (),
    random_slope: bool = False,
    center: str = "none",
    alpha: float = 0.05,
    missing: str = "drop",
) -> MultilevelModerationResult:
    """Moderation with units nested in groups (sites in practitioners), by statsmodels MixedLM.

    Random intercepts for ``group``; with ``random_slope=True`` also a random slope of the
    predictor (correlated with the intercept). Fitted by REML. Fixed-effect inference is
    **z** (normal), as MixedLM reports it; with few groups this is optimistic. Whether the
    optimiser converged, and any warnings statsmodels raised (for example a variance
    component on the boundary of the parameter space), are kept in ``converged`` and
    ``fit_warnings``: read them before the estimates.
    """
    import statsmodels.api as sm

    alpha = _check_alpha(alpha)
    if not isinstance(group, str) or not group:
        raise TypeError(f"group must be a column name; got {group!r}")
    design = _design(frame, outcome, predictor, moderator, covariates, center, missing, group)
    X = design.X
    n_groups = len(pd.unique(design.groups))
    if n_groups < 2:
        raise ValueError(f"group column {group!r} must have at least 2 groups; found {n_groups}")
    exog_re = X[[INTERCEPT, predictor]] if random_slope else X[[INTERCEPT]]
    model = sm.MixedLM(design.y, X, groups=design.groups, exog_re=exog_re)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=True)
    messages = tuple(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    fe = list(X.columns)
    params = pd.Series(np.asarray(fit.fe_params), index=fe)
    cov = pd.DataFrame(np.asarray(fit.cov_params())[: len(fe), : len(fe)], index=fe, columns=fe)
    re_names = list(exog_re.columns)
    cov_re = np.asarray(fit.cov_re)
    components = {
        f"{group} SD of {'intercept' if n == INTERCEPT else n}": math.sqrt(max(cov_re[i, i], 0))
        for i, n in enumerate(re_names)
    }
    if random_slope:
        denom = math.sqrt(cov_re[0, 0] * cov_re[1, 1])
        components["correlation of intercept and slope"] = (
            cov_re[0, 1] / denom if denom > 0 else math.nan
        )
    components["residual SD"] = math.sqrt(fit.scale)
    x_original = X[predictor].to_numpy() + design.centering[predictor]
    return MultilevelModerationResult(
        **_shared_fields(outcome, predictor, moderator, covariates, center, design, alpha),
        params=params,
        cov=cov,
        df_resid=None,
        moderator_observed=design.moderator_observed,
        group=group,
        n_groups=n_groups,
        random_slope=bool(random_slope),
        converged=bool(fit.converged),
        fit_warnings=messages,
        variance_components=pd.Series(components),
        loglike=float(fit.llf),
        _predictor_range=(float(x_original.min()), float(x_original.max())),
        _covariate_means={c: float(X[c].mean()) for c in X.columns[4:]},
    )
