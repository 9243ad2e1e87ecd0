"""Moderation analysis: does the effect of a strategy depend on the relationship?

A moderation model asks whether the effect of a focal predictor ``x`` (for example hours of
coaching) on an outcome ``y`` (for example fidelity) changes with a moderator ``w`` (for
example the quality of the practitioner–site relationship)::

    y = b0 + b1*x + b2*w + b3*x*w (+ covariates) + e

The conditional effect ("simple slope") of x at a value of w is ``theta(w) = b1 + b3*w`` with
``Var(theta) = V11 + 2*w*V13 + w**2*V33`` (V is the coefficient covariance). This module fits
the model, probes it the way Hayes' PROCESS (model 1) and the R package ``interactions`` do,
and reports what each number means.

What is here
------------
- :func:`fit_moderation`: OLS with classical or heteroskedasticity-consistent (HC0–HC3)
  standard errors. Inference is **t on the residual degrees of freedom for every covariance
  type**, as PROCESS and R's ``lmtest::coeftest(vcovHC(...))`` do (statsmodels would switch
  robust covariances to z unless ``use_t=True``; it is passed here).
- Centering (``center="none" | "moderator" | "both"``) changes the lower-order coefficients
  (b0, b1, b2 become effects at the centring constants) but not the interaction b3, its test,
  R² or any conditional effect, which are always reported on the **original** moderator scale.
- :meth:`ModerationResult.conditional_effects`: simple slopes at mean ± 1 SD (SD with n − 1),
  at the 16th, 50th and 84th percentiles, or at given values; values outside the observed
  range of the moderator are flagged. Percentiles use the (n + 1)p definition, numpy
  ``method="weibull"``, which is what PROCESS uses; numpy's and R's defaults (type 7) give
  different values on the same data.
- :meth:`ModerationResult.johnson_neyman`: Johnson–Neyman bounds from the closed-form quadratic
  (both roots, whether significance lies between or outside them, bounds outside the observed
  range flagged, the no-solution case said plainly), optionally with the false-discovery-rate
  adjusted critical t of Esarey & Sumner (2018), see :func:`fdr_critical_value`.
- :func:`compare_models`: three nested models (strategy only; relationship as a direct effect;
  relationship as moderator) with R², ΔR², F tests, AIC and BIC.
- :func:`fit_multilevel_moderation`: the same model with random intercepts (and optionally a
  random slope of x) for a grouping column, by statsmodels MixedLM. Fixed effects are tested
  with **z** (normal) statistics, as MixedLM reports them; convergence and warnings are
  reported, not hidden.
- :func:`fit_logistic_moderation`: a binary outcome by logistic regression. Conditional
  effects are on the **log-odds** scale (z inference). On the probability scale the
  interaction is not b3: the effect of x on a probability depends on every predictor's value,
  so a significant b3 neither implies nor is implied by a significant interaction in
  probabilities.
- :func:`simulate_sites`: the book's SIMULATED multi-site dataset with known true parameters.

Results are frozen dataclasses with a readable ``repr``, ``to_frame()`` and ``plot()``.

JSON report (``implsupport moderation ... --json``)
---------------------------------------------------
:meth:`ModerationResult.to_dict` gives the keys the command line prints:

- ``outcome``, ``predictor``, ``moderator``, ``covariates``, ``se`` (covariance type),
  ``se_note`` (why standard errors are missing, or null), ``conventions`` (one sentence),
  ``bootstrap`` (``resamples``, ``seed``, ``interval``, or null without ``n_boot``),
  ``center``, ``centering`` (constants subtracted, by column), ``alpha``, ``n``,
  ``n_dropped`` (rows dropped for missing values), ``df_resid``, ``inference`` (``"t"``);
- ``coefficients``: by term (``constant``, the predictor, the moderator, ``"X:W"``, covariates),
  each with ``estimate``, ``se``, ``t``, ``p``, ``ci_low``, ``ci_high``;
- ``r2``, ``mse``, ``model_test`` (``F``, ``df1``, ``df2``, ``p``);
- ``r2_change``: the R² change due to the interaction (a number), and ``r2_change_test``: its
  F test, ``F``, ``df1``, ``df2``, ``p`` and ``robust`` (True when the F is the
  heteroskedasticity-consistent Wald test);
- ``conditional_effects``: a list of ``moderator_value``, ``label``, ``effect``, ``se``, ``t``,
  ``p``, ``ci_low``, ``ci_high``, ``outside_range`` (and ``boot_se``, ``boot_ci_low``,
  ``boot_ci_high`` with a bootstrap);
- ``johnson_neyman``: ``bounds`` (two numbers, or null when no bounds exist),
  ``significant_region`` (``"between"``, ``"outside"``, ``"everywhere"``, ``"nowhere"``, or
  ``"unavailable"`` when the standard errors do not exist; then ``note`` says why),
  ``bounds_outside_range`` (two booleans, or null), ``observed_range``, ``critical_t``,
  ``fdr``, ``alpha``, ``description`` (one sentence in words), ``note``,
  ``share_of_cases_significant``; null for a moderator with two values (probed at both).

Numbers that do not exist (for example an HC3 standard error at a point of leverage 1, see
:mod:`implsupport.moderation.least_squares`) are ``null``.

Modules: ``ols`` (fit_moderation), ``probing`` (probe values, conditional effects),
``johnson_neyman``, ``comparison`` (three nested models), ``multilevel``, ``logistic`` and
``simulate`` (the simulated sites); ``categorical`` (a k-group moderator); ``least_squares``
(OLS with HC0–HC3), ``bootstrap``
(vectorised percentile bootstrap) and ``mediation`` (PROCESS models 4, 7 and 14). Import
public names from ``implsupport.moderation``.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._common import CENTER_OPTIONS as CENTER_OPTIONS
from ._common import INTERCEPT as INTERCEPT
from ._common import PROBE_OPTIONS as PROBE_OPTIONS
from ._common import SE_TYPES as SE_TYPES

#: Where each public name is defined. A module is imported when one of its names is first
#: used, so that fitting one kind of model does not load what the others need (statsmodels,
#: scipy.stats).
_DEFINED_IN = {
    "bootstrap": ("bootstrap_ols", "percentile_interval"),
    "categorical": (
        "CODINGS",
        "CategoricalModerationResult",
        "coding_matrix",
        "fit_categorical_moderation",
    ),
    "comparison": ("ModelComparison", "compare_models"),
    "johnson_neyman": ("JohnsonNeyman", "fdr_critical_value"),
    "least_squares": ("OLSFit", "ols_fit"),
    "logistic": ("LogisticModerationResult", "fit_logistic_moderation"),
    "mediation": ("MediationResult", "fit_mediation", "mediation_probes"),
    "multilevel": ("MultilevelModerationResult", "fit_multilevel_moderation"),
    "ols": ("ModerationResult", "R2Change", "fit_moderation"),
    "probing": ("ConditionalEffects", "probe_values"),
    "simulate": ("SITES_PARAMETER_MEANINGS", "SITES_TRUE_PARAMETERS", "simulate_sites"),
}
_MODULE_OF = {name: module for module, names in _DEFINED_IN.items() for name in names}
_SUBMODULES = (*_DEFINED_IN, "mediation_plot")


def __getattr__(name: str) -> Any:
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF, *_SUBMODULES})


__all__ = sorted(["SE_TYPES", *_MODULE_OF])
