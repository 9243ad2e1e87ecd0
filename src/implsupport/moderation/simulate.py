"""The book's SIMULATED multi-site dataset, with its true parameters."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: True parameters of :func:`simulate_sites` (its defaults), for comparing with estimates.
SITES_TRUE_PARAMETERS: dict[str, float] = {
    "intercept": 60.0,
    "coaching": 0.4,
    "relationship": 2.0,
    "interaction": 0.25,
    "practitioner_sd": 3.0,
    "residual_sd": 6.0,
    "coaching_centre": 20.0,
    "relationship_centre": 5.0,
    "relationship_reliability": 0.8,
}
#: What each of :data:`SITES_TRUE_PARAMETERS` is, in words a reader of the book can follow.
SITES_PARAMETER_MEANINGS: dict[str, str] = {
    "intercept": "Fidelity at 20 hours of coaching and relationship 5",
    "coaching": "Effect of an hour of coaching, at relationship 5",
    "relationship": "Effect of a point of relationship, at 20 hours",
    "interaction": "Change in the effect of an hour, per point of relationship",
    "practitioner_sd": "SD of the practitioner effect",
    "residual_sd": "SD of everything else",
    "coaching_centre": "Average hours of coaching (centre)",
    "relationship_centre": "Average true relationship (centre)",
    "relationship_reliability": "Reliability of the measured relationship score",
}


def simulate_sites(
    n_practitioners: int = 36,
    sites_per_practitioner: int = 5,
    intercept: float = 60.0,
    coaching: float = 0.4,
    relationship: float = 2.0,
    interaction: float = 0.25,
    practitioner_sd: float = 3.0,
    residual_sd: float = 6.0,
    reliability: float = 0.8,
    seed: int = 20240310,
) -> pd.DataFrame:
    """A SIMULATED multi-site implementation study: sites nested in practitioners.

    Each implementation support practitioner supports ``sites_per_practitioner`` sites.
    For site i of practitioner p (all draws independent, normal unless stated):

    - ``coaching_hours``: hours of coaching the site received, gamma(shape 4, scale 5)
      (mean 20, SD 10), rounded to 0.5 hour;
    - ``relationship_true``: the true practitioner–site relationship quality, on the scale of
      a trust questionnaire scored as the mean of items rated 1–7 (not truncated):
      ``5 + 0.6*a_p + 0.8*s_i`` with a_p, s_i standard normal (mean 5, SD 1; part of it
      belongs to the practitioner, part to the site);
    - ``relationship_quality``: the *measured* trust-scale score,
      ``relationship_true + error`` with error SD chosen so that the score's reliability
      (true variance / observed variance) is ``reliability`` (0.8 by default), rounded to
      2 decimals;
    - ``fidelity``: the implementation outcome (0–100 scale, not truncated), ::

          fidelity = intercept + coaching*(hours - 20) + relationship*(true - 5)
                     + interaction*(hours - 20)*(true - 5) + u_p + e_i

      with practitioner effect u_p ~ N(0, practitioner_sd) and residual e_i ~ N(0,
      residual_sd), rounded to 0.1.

    So, by construction, coaching raises fidelity by ``coaching`` points per hour at an
    average relationship, each point of relationship quality adds ``interaction`` points to
    the effect of an hour of coaching (the relationship *moderates* the strategy), and the
    relationship also has a direct effect. Analyses of the measured score recover the
    interaction only attenuated by its unreliability. Defaults: see
    :data:`SITES_TRUE_PARAMETERS`. Returns columns site_id, practitioner_id,
    coaching_hours, relationship_quality, relationship_true, fidelity.
    """
    for name, value in (
        ("n_practitioners", n_practitioners),
        ("sites_per_practitioner", sites_per_practitioner),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if not 0 < reliability <= 1:
        raise ValueError(f"reliability must be in (0, 1]; got {reliability}")
    for name, value in (("practitioner_sd", practitioner_sd), ("residual_sd", residual_sd)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative; got {value}")
    rng = np.random.default_rng(seed)
    n = n_practitioners * sites_per_practitioner
    practitioner = np.repeat(np.arange(1, n_practitioners + 1), sites_per_practitioner)
    hours = np.round(rng.gamma(shape=4.0, scale=5.0, size=n) * 2) / 2
    skill = rng.standard_normal(n_practitioners)[practitioner - 1]
    true = 5 + 0.6 * skill + 0.8 * rng.standard_normal(n)
    error_sd = math.sqrt((1 - reliability) / reliability)  # true-score variance is 1
    measured = np.round(true + error_sd * rng.standard_normal(n), 2)
    u = practitioner_sd * rng.standard_normal(n_practitioners)[practitioner - 1]
    e = residual_sd * rng.standard_normal(n)
    hc, tc = hours - 20, true - 5
    fidelity = intercept + coaching * hc + relationship * tc + interaction * hc * tc + u + e
    return pd.DataFrame(
        {
            "site_id": np.arange(1, n + 1),
            "practitioner_id": practitioner,
            "coaching_hours": hours,
            "relationship_quality": measured,
            "relationship_true": np.round(true, 3),
            "fidelity": np.round(fidelity, 1),
        }
    )
