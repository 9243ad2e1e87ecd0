"""Sustainment of services: survival curves, a simulated cohort, and the referral pipeline.

- :func:`kaplan_meier` wraps statsmodels' ``SurvfuncRight``: Greenwood standard errors,
  pointwise confidence intervals as R's ``survfit`` computes them, the median with its interval
  (:meth:`Survival.median`) and the restricted mean survival time (:meth:`Survival.rmst`), the
  area under the curve up to a horizon. :func:`kaplan_meier_by_group` fits one curve per group
  and :func:`log_rank` tests them against each other (statsmodels ``survdiff``).
- :func:`simulate_cohort` draws a **simulated** funding round of teams whose hazard of closing
  rises with the "toxic trio" (change of leadership, change of supervisor, funding challenges)
  and a weak referral pipeline; the baseline hazard is solved so that the expected share of
  teams still running at a given year equals a published sustainment rate.
- :func:`capacity` applies Little's law to an MST team; :func:`simulate_pipeline` runs a seeded
  stock-and-flow model (referrals → caseload → discharge) and :func:`pipeline_sweep` shows
  utilisation and cost per case as the referral rate changes.

One module per idea: :mod:`.survival`, :mod:`.cohort` and :mod:`.pipeline`; every public name is
importable from here.
"""

from __future__ import annotations

from .cohort import cohort_hazards, simulate_cohort
from .pipeline import (
    CARY_2013_COST_PER_CASE,
    Capacity,
    PipelineRun,
    PipelineSweep,
    capacity,
    pipeline_sweep,
    simulate_pipeline,
)
from .survival import (
    CONF_TYPES,
    GroupedSurvival,
    LogRank,
    Median,
    Survival,
    kaplan_meier,
    kaplan_meier_by_group,
    log_rank,
    plot_timeline,
)

__all__ = [
    "CARY_2013_COST_PER_CASE",
    "CONF_TYPES",
    "Capacity",
    "GroupedSurvival",
    "LogRank",
    "Median",
    "PipelineRun",
    "PipelineSweep",
    "Survival",
    "capacity",
    "cohort_hazards",
    "kaplan_meier",
    "kaplan_meier_by_group",
    "log_rank",
    "pipeline_sweep",
    "plot_timeline",
    "simulate_cohort",
    "simulate_pipeline",
]
