"""Tests of implsupport.moderation against published values, closed forms and known truth.

Oracle: Hayes (2018), chapter 7, the disaster data of Chapman & Lickel (2016); the
published values are those of methods.md (tests/data/README.md gives the citation).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from implsupport import data as datasets
from implsupport import moderation as mod

matplotlib.use("Agg")

DISASTER = Path(__file__).parent / "data" / "disaster.csv"


@pytest.fixture(scope="module")
def disaster() -> pd.DataFrame:
    return pd.read_csv(DISASTER)


@pytest.fixture(scope="module")
def hayes(disaster):
    return mod.fit_moderation(disaster, "justify", "frame", "skeptic")


# ---- Hayes (2018) chapter 7: published values ---------------------------------------------


def test_hayes_coefficients_and_standard_errors(hayes):
    table = hayes.coefficients
    published_b = [2.4515, -0.5625, 0.1051, 0.2012]
    published_se = [0.1490, 0.2179, 0.0381, 0.0553]
    np.testing.assert_allclose(table["estimate"], published_b, atol=5e-5)
    np.testing.assert_allclose(table["se"], published_se, atol=5e-5)
    assert list(table.index) == ["constant", "frame", "skeptic", "frame:skeptic"]
    assert hayes.df_resid == 207
    assert hayes.n == 211


def test_hayes_model_summary(hayes):
    assert hayes.r2 == pytest.approx(0.2463, abs=5e-5)
    assert hayes.mse == pytest.approx(0.6609, abs=5e-5)
    assert hayes.model_test["F"] == pytest.approx(22.543, abs=5e-4)
    assert (hayes.model_test["df1"], hayes.model_test["df2"]) == (3, 207)
    assert hayes.r2_change.r2_change == pytest.approx(0.0482, abs=5e-5)
    # F for the R2 change equals the squared t of the interaction (classical OLS).
    t_int = hayes.coefficients.loc["frame:skeptic", "t"]
    assert pytest.approx(t_int**2, rel=1e-10) == hayes.r2_change.F
    assert not hayes.r2_change.robust


def test_hayes_johnson_neyman(hayes):
    jn = hayes.johnson_neyman()
    lower, upper = jn.bounds
    assert lower == pytest.approx(1.171, abs=5e-4)  # published
    assert upper == pytest.approx(3.934, abs=5e-4)
    assert lower == pytest.approx(1.171338, abs=1e-6)  # recomputed in methods.md
    assert upper == pytest.approx(3.933896, abs=1e-6)
    assert jn.critical_value == pytest.approx(1.971490, abs=1e-6)
    assert jn.observed_range == (1.0, 9.0)
    assert jn.significant_region == "outside"  # the interaction is significant
    assert jn.bounds_outside_range == (False, False)
    np.testing.assert_allclose(np.array(jn.significant_intervals), [[1.0, lower], [upper, 9.0]])
    assert "below 1.1713 or above 3.9339" in jn.describe()
    assert "[1, 9]" in jn.describe()


def test_hayes_conditional_effects_at_percentiles(hayes):
    table = hayes.conditional_effects("percentiles").table
    np.testing.assert_allclose(table["moderator_value"], [1.592, 2.8, 5.2], atol=1e-12)
    np.testing.assert_allclose(table["effect"], [-0.2422, 0.0008, 0.4837], atol=5e-5)
    np.testing.assert_allclose(table["se"], [0.1495, 0.1166, 0.1505], atol=5e-5)
    np.testing.assert_allclose(table["p"], [0.107, 0.994, 0.0015], atol=5e-4)
    assert not table["outside_range"].any()


def test_percentiles_use_weibull_definition_not_numpy_default(disaster):
    probes = mod.probe_values(disaster["skeptic"].to_numpy(), "percentiles")
    default = np.percentile(disaster["skeptic"], [16, 50, 84])
    assert probes.iloc[0] == pytest.approx(1.592)
    assert not np.allclose(probes.to_numpy(), default)


def test_hayes_mean_centred(disaster):
    centred = mod.fit_moderation(disaster, "justify", "frame", "skeptic", center="moderator")
    np.testing.assert_allclose(
        centred.params.to_numpy(), [2.8065, 0.1171, 0.1051, 0.2012], atol=5e-5
    )
    assert centred.centering["skeptic"] == pytest.approx(disaster["skeptic"].mean())
    assert centred.centering["frame"] == 0.0


def test_mean_sd_probes_use_n_minus_1(hayes, disaster):
    table = hayes.conditional_effects("meansd").table
    mean, sd = disaster["skeptic"].mean(), disaster["skeptic"].std(ddof=1)
    np.testing.assert_allclose(table["moderator_value"], [mean - sd, mean, mean + sd])


# ---- closed-form cross-checks -------------------------------------------------------------


@pytest.mark.parametrize("se", ["classical", "hc3"])
@pytest.mark.parametrize("w0", [1.592, 3.0, 7.25])
def test_simple_slope_equals_refit_with_moderator_centred_at_value(disaster, se, w0):
    fit = mod.fit_moderation(disaster, "justify", "frame", "skeptic", se=se, center="both")
    slope = fit.conditional_effects([w0]).table.iloc[0]
    shifted = disaster.assign(skeptic=disaster["skeptic"] - w0)
    refit = mod.fit_moderation(shifted, "justify", "frame", "skeptic", se=se)
    row = refit.coefficients.loc["frame"]
    assert slope["effect"] == pytest.approx(row["estimate"], rel=1e-9, abs=1e-12)
    assert slope["se"] == pytest.approx(row["se"], rel=1e-9)
    assert slope["p"] == pytest.approx(row["p"], rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("se", ["classical", "hc3"])
def test_conditional_p_equals_alpha_at_johnson_neyman_bounds(disaster, se):
    fit = mod.fit_moderation(disaster, "justify", "frame", "skeptic", se=se, alpha=0.05)
    jn = fit.johnson_neyman()
    p = fit.conditional_effects(list(jn.bounds)).table["p"]
    np.testing.assert_allclose(p, 0.05, atol=1e-9)


def test_fdr_bounds_sit_at_the_adjusted_critical_t(hayes):
    jn = hayes.johnson_neyman(fdr=True)
    assert jn.fdr
    assert jn.critical_value > hayes.critical_value()  # adjustment widens
    t = hayes.conditional_effects(list(jn.bounds)).table["t"].abs()
    np.testing.assert_allclose(t, jn.critical_value, rtol=1e-9)
    lo_fdr, hi_fdr = jn.bounds
    lo, hi = hayes.johnson_neyman().bounds
    assert lo_fdr < lo and hi_fdr > hi  # a larger critical value shrinks the region


def test_fdr_critical_value_by_hand():
    # Normal reference, m = 4; two-sided p of z = 3.5, 2.5, 2.2, 0.1:
    z = np.array([3.5, 2.5, 2.2, 0.1])
    p = np.sort(2 * stats.norm.sf(z))  # 0.000465, 0.0124, 0.0278, 0.920
    # BH at alpha = .05: thresholds .0125, .025, .0375, .05 -> largest k with p_(k) <= k*a/m is 3.
    assert p[2] <= 3 * 0.05 / 4 and p[3] > 0.05
    expected = stats.norm.ppf(1 - 3 * 0.05 / (2 * 4))
    assert mod.fdr_critical_value(z, np.ones(4), 0.05) == pytest.approx(expected)
    # Nothing significant: k = 1, the Bonferroni value.
    null = mod.fdr_critical_value(np.full(10, 0.1), np.ones(10), 0.05, df=30)
    assert null == pytest.approx(stats.t.ppf(1 - 0.05 / 20, 30))
    # Everything very significant: k = m, the unadjusted value.
    strong = mod.fdr_critical_value(np.full(10, 9.0), np.ones(10), 0.05, df=30)
    assert strong == pytest.approx(stats.t.ppf(0.975, 30))


def _sandwich(X: np.ndarray, resid: np.ndarray, kind: str) -> np.ndarray:
    """Heteroskedasticity-consistent covariance, written out from the definitions."""
    n, k = X.shape
    bread = np.linalg.inv(X.T @ X)
    h = np.einsum("ij,jk,ik->i", X, bread, X)
    weights = {
        "hc0": resid**2,
        "hc1": resid**2 * n / (n - k),
        "hc2": resid**2 / (1 - h),
        "hc3": resid**2 / (1 - h) ** 2,
    }[kind]
    meat = (X * weights[:, None]).T @ X
    return bread @ meat @ bread


@pytest.mark.parametrize("kind", ["hc0", "hc1", "hc2", "hc3"])
def test_hc_standard_errors_match_numpy_sandwich(disaster, kind):
    fit = mod.fit_moderation(disaster, "justify", "frame", "skeptic", se=kind)
    X = np.column_stack(
        [
            np.ones(len(disaster)),
            disaster["frame"],
            disaster["skeptic"],
            disaster["frame"] * disaster["skeptic"],
        ]
    )
    y = disaster["justify"].to_numpy()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    cov = _sandwich(X, y - X @ beta, kind)
    se = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(fit.params.to_numpy(), beta, rtol=1e-10)
    np.testing.assert_allclose(fit.coefficients["se"].to_numpy(), se, rtol=1e-10)
    # t inference on the residual df, not z
    t = beta / se
    np.testing.assert_allclose(fit.coefficients["p"], 2 * stats.t.sf(np.abs(t), 207), rtol=1e-8)
    half = stats.t.ppf(0.975, 207) * se
    np.testing.assert_allclose(fit.coefficients["ci_low"], beta - half, rtol=1e-10)
    # robust F for the interaction is the squared robust t
    assert pytest.approx(t[3] ** 2, rel=1e-10) == fit.r2_change.F
    assert fit.r2_change.robust


def test_hc3_johnson_neyman_matches_brute_force(disaster):
    fit = mod.fit_moderation(disaster, "justify", "frame", "skeptic", se="hc3")
    crit = stats.t.ppf(0.975, 207)

    def excess(w):
        effect, se = fit.effect_at([w])
        return abs(effect[0]) / se[0] - crit

    from scipy.optimize import brentq

    lo, hi = fit.johnson_neyman().bounds
    assert brentq(excess, 0.0, 2.5) == pytest.approx(lo, abs=1e-8)
    assert brentq(excess, 2.5, 8.0) == pytest.approx(hi, abs=1e-8)


def test_covariates_enter_the_model(disaster):
    fit = mod.fit_moderation(disaster, "justify", "frame", "skeptic", covariates=["donate"])
    X = np.column_stack(
        [
            np.ones(len(disaster)),
            disaster["frame"],
            disaster["skeptic"],
            disaster["frame"] * disaster["skeptic"],
            disaster["donate"],
        ]
    )
    beta, *_ = np.linalg.lstsq(X, disaster["justify"].to_numpy(), rcond=None)
    np.testing.assert_allclose(fit.params.to_numpy(), beta, rtol=1e-10)
    assert fit.df_resid == 206
    assert list(fit.coefficients.index)[-1] == "donate"


# ---- Johnson–Neyman special cases ---------------------------------------------------------


def test_no_johnson_neyman_solution_is_said_plainly():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"x": rng.normal(size=80), "w": rng.normal(size=80)})
    frame["y"] = rng.normal(size=80)  # x has no effect at any w
    fit = mod.fit_moderation(frame, "y", "x", "w")
    jn = fit.johnson_neyman()
    a, b, c = jn.quadratic
    assert b**2 - 4 * a * c < 0
    assert jn.bounds is None and jn.bounds_outside_range is None
    assert jn.significant_region == "nowhere"
    assert jn.significant_intervals == ()
    assert jn.describe().startswith("No Johnson–Neyman bounds exist")
    assert fit.to_dict()["johnson_neyman"]["bounds"] is None


def test_bounds_outside_observed_range_are_flagged():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=200), "w": rng.uniform(0, 1, size=200)})
    frame["y"] = 2.0 * frame["x"] + rng.normal(size=200)  # strong effect, no interaction
    fit = mod.fit_moderation(frame, "y", "x", "w")
    jn = fit.johnson_neyman()
    assert jn.significant_region == "between"
    assert jn.bounds[0] < 0 and jn.bounds[1] > 1
    assert jn.bounds_outside_range == (True, True)
    assert jn.significant_intervals == (fit.moderator_range,)
    assert "lower and upper bounds lie outside the observed range" in jn.describe()


def test_probe_outside_range_is_flagged(hayes):
    table = hayes.conditional_effects([0.0, 5.0, 12.0]).table
    assert table["outside_range"].tolist() == [True, False, True]
    assert "extrapolations" in repr(hayes.conditional_effects([12.0]))


# ---- properties: invariance under centering and shifts ------------------------------------


def _random_frame(seed: int, n: int, slope: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(2, 1.5, n)
    w = rng.normal(-1, 2, n)
    y = 1 + 0.5 * x - 0.3 * w + slope * x * w + rng.normal(0, 1 + 0.3 * np.abs(x), n)
    return pd.DataFrame({"y": y, "x": x, "w": w})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(15, 80),
    slope=st.floats(-1, 1),
    se=st.sampled_from(["classical", "hc3"]),
)
def test_interaction_and_r2_do_not_change_with_centering(seed, n, slope, se):
    frame = _random_frame(seed, n, slope)
    fits = [mod.fit_moderation(frame, "y", "x", "w", se=se, center=c) for c in mod.CENTER_OPTIONS]
    base = fits[0]
    for other in fits[1:]:
        for column in ("estimate", "se", "t", "p"):
            assert other.coefficients.loc["x:w", column] == pytest.approx(
                base.coefficients.loc["x:w", column], rel=1e-7, abs=1e-10
            )
        assert other.r2 == pytest.approx(base.r2, rel=1e-9, abs=1e-12)
        assert pytest.approx(base.r2_change.F, rel=1e-7, abs=1e-9) == other.r2_change.F
        probes_a = base.conditional_effects([-2.0, 0.5, 3.0]).table
        probes_b = other.conditional_effects([-2.0, 0.5, 3.0]).table
        np.testing.assert_allclose(probes_a["effect"], probes_b["effect"], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(probes_a["se"], probes_b["se"], rtol=1e-7)
    # lower-order terms do change when the other variable's zero moves
    moderator_centred = fits[1]
    effect_at_mean = base.conditional_effects([frame["w"].mean()]).table["effect"].iloc[0]
    assert moderator_centred.params["x"] == pytest.approx(effect_at_mean, rel=1e-7, abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-50, 50))
def test_johnson_neyman_bounds_shift_with_the_moderator(seed, shift):
    frame = _random_frame(seed, 60, 0.4)
    jn = mod.fit_moderation(frame, "y", "x", "w").johnson_neyman()
    moved = mod.fit_moderation(frame.assign(w=frame["w"] + shift), "y", "x", "w").johnson_neyman()
    assert moved.significant_region == jn.significant_region
    if jn.bounds is None:
        assert moved.bounds is None
    else:
        np.testing.assert_allclose(moved.bounds, np.add(jn.bounds, shift), rtol=1e-6, atol=1e-6)
        assert moved.bounds_outside_range == jn.bounds_outside_range
    np.testing.assert_allclose(moved.observed_range, np.add(jn.observed_range, shift), atol=1e-9)


# ---- parameter recovery on simulated data with known truth ---------------------------------


def test_ols_recovers_true_parameters_with_perfect_measurement():
    truth = mod.SITES_TRUE_PARAMETERS
    sites = mod.simulate_sites(
        n_practitioners=400, sites_per_practitioner=5, practitioner_sd=0.0, reliability=1.0, seed=11
    )
    frame = sites.assign(
        hours_c=sites["coaching_hours"] - truth["coaching_centre"],
        rel_c=sites["relationship_true"] - truth["relationship_centre"],
    )
    fit = mod.fit_moderation(frame, "fidelity", "hours_c", "rel_c")
    expected = [truth["intercept"], truth["coaching"], truth["relationship"], truth["interaction"]]
    z = (fit.params.to_numpy() - expected) / fit.coefficients["se"].to_numpy()
    assert np.all(np.abs(z) < 3.5), z
    assert np.sqrt(fit.mse) == pytest.approx(truth["residual_sd"], rel=0.05)


def test_unreliable_moderator_attenuates_the_interaction_by_its_reliability():
    # With x independent of w and normal errors, the interaction estimated with a moderator
    # of reliability rel converges to rel * b3 (regression dilution).
    sites = mod.simulate_sites(
        n_practitioners=4000, sites_per_practitioner=5, practitioner_sd=0.0, reliability=0.5, seed=5
    )
    observed = mod.fit_moderation(sites, "fidelity", "coaching_hours", "relationship_quality")
    truth = mod.SITES_TRUE_PARAMETERS["interaction"]
    b3 = observed.params["coaching_hours:relationship_quality"]
    se = observed.coefficients["se"].iloc[3]
    assert abs(b3 - 0.5 * truth) < 4 * se
    assert b3 < truth - 10 * se  # clearly attenuated


def test_multilevel_recovers_the_fixed_interaction():
    truth = mod.SITES_TRUE_PARAMETERS
    sites = mod.simulate_sites(
        n_practitioners=150, sites_per_practitioner=6, reliability=1.0, seed=3
    )
    frame = sites.assign(hours_c=sites["coaching_hours"] - 20, rel_c=sites["relationship_true"] - 5)
    fit = mod.fit_multilevel_moderation(frame, "fidelity", "hours_c", "rel_c", "practitioner_id")
    assert fit.converged
    assert fit.statistic == "z" and fit.df_resid is None
    assert "z" in fit.coefficients.columns
    b3, se = fit.coefficients.loc["hours_c:rel_c", ["estimate", "se"]]
    assert abs(b3 - truth["interaction"]) < 3 * se
    assert fit.coefficients.loc["hours_c", "estimate"] == pytest.approx(truth["coaching"], abs=0.06)
    sd = fit.variance_components["practitioner_id SD of intercept"]
    assert sd == pytest.approx(truth["practitioner_sd"], abs=0.8)
    assert fit.variance_components["residual SD"] == pytest.approx(truth["residual_sd"], abs=0.5)
    assert fit.n_groups == 150
    assert "z tests" in repr(fit)
    probes = fit.conditional_effects([0.0, 1.0]).table
    assert "z" in probes.columns
    assert probes["effect"].iloc[1] == pytest.approx(fit.params["hours_c"] + b3)
    assert fit.johnson_neyman().critical_value == pytest.approx(stats.norm.ppf(0.975))


def test_multilevel_random_slope_reports_its_components():
    sites = mod.simulate_sites(seed=3)
    fit = mod.fit_multilevel_moderation(
        sites,
        "fidelity",
        "coaching_hours",
        "relationship_quality",
        "practitioner_id",
        random_slope=True,
        center="both",
    )
    assert "practitioner_id SD of coaching_hours" in fit.variance_components.index
    assert isinstance(fit.converged, bool)
    assert isinstance(fit.fit_warnings, tuple)


def test_logistic_recovers_log_odds_interaction():
    rng = np.random.default_rng(2)
    n = 6000
    x, w = rng.normal(size=n), rng.normal(size=n)
    eta = -0.5 + 0.8 * x + 0.3 * w + 0.5 * x * w
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    fit = mod.fit_logistic_moderation(pd.DataFrame({"y": y, "x": x, "w": w}), "y", "x", "w")
    z = (fit.params.to_numpy() - [-0.5, 0.8, 0.3, 0.5]) / fit.coefficients["se"].to_numpy()
    assert np.all(np.abs(z) < 3.5)
    assert fit.converged and fit.statistic == "z"
    effects = fit.conditional_effects([1.0]).table
    assert effects["effect"].iloc[0] == pytest.approx(fit.params["x"] + fit.params["x:w"])
    assert fit.interaction_lr_test["p"] < 1e-6
    assert "probability scale" in repr(fit)
    assert fit.odds_ratios.loc["x", "odds_ratio"] == pytest.approx(np.exp(fit.params["x"]))
    probabilities = fit.predicted_probabilities([0.0, 2.0], at=[-1.0, 1.0])
    b = fit.params.to_numpy()
    by_hand = [
        1 / (1 + np.exp(-(b[0] + b[1] * x + b[2] * w + b[3] * x * w)))
        for w in (-1.0, 1.0)
        for x in (0.0, 2.0)
    ]
    np.testing.assert_allclose(probabilities["probability"], by_hand, rtol=1e-12)


def test_logistic_refuses_non_binary_outcome(disaster):
    with pytest.raises(ValueError, match="must be coded 0/1"):
        mod.fit_logistic_moderation(disaster, "justify", "frame", "skeptic")


# ---- nested models ------------------------------------------------------------------------


def test_compare_models_matches_independent_computation(disaster):
    comparison = mod.compare_models(disaster, "justify", "frame", "skeptic")
    table = comparison.table
    assert table["model"].tolist() == [
        "strategy only",
        "relationship as a direct effect",
        "relationship as moderator",
    ]
    y = disaster["justify"].to_numpy()
    n = len(y)
    one = np.ones(n)
    designs = [
        np.column_stack([one, disaster["frame"]]),
        np.column_stack([one, disaster["frame"], disaster["skeptic"]]),
        np.column_stack(
            [one, disaster["frame"], disaster["skeptic"], disaster["frame"] * disaster["skeptic"]]
        ),
    ]
    ssr, r2 = [], []
    for X in designs:
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        ssr.append(float(np.sum((y - X @ beta) ** 2)))
        r2.append(1 - ssr[-1] / float(np.sum((y - y.mean()) ** 2)))
    np.testing.assert_allclose(table["r2"], r2, rtol=1e-10)
    for i, X in enumerate(designs):
        k = X.shape[1]
        loglik = -n / 2 * (np.log(2 * np.pi * ssr[i] / n) + 1)
        assert table["aic"].iloc[i] == pytest.approx(-2 * loglik + 2 * k, rel=1e-10)
        assert table["bic"].iloc[i] == pytest.approx(-2 * loglik + np.log(n) * k, rel=1e-10)
    F3 = (ssr[1] - ssr[2]) / (ssr[2] / (n - 4))
    assert table["F"].iloc[2] == pytest.approx(F3, rel=1e-9)
    assert table["r2_change"].iloc[2] == pytest.approx(0.0482, abs=5e-5)  # Hayes (2018)
    assert np.isnan(table["F"].iloc[0])


# ---- results objects ----------------------------------------------------------------------


def test_results_have_readable_repr_frames_and_plots(hayes):
    assert "frame:skeptic" in repr(hayes) and "R2 = 0.2463" in repr(hayes)
    assert hayes.to_frame().shape == (4, 6)
    assert hayes.johnson_neyman().to_frame()["moderator_value"].notna().all()
    report = hayes.report(at="percentiles")
    for text in ("R2 = 0.2463", "MSE = 0.6609", "F(3, 207) = 22.5430", "R2 change = 0.0482"):
        assert text in report
    fig = hayes.plot()
    ax = fig.axes[0]
    assert ax.get_xlabel() == "skeptic"
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2  # both Johnson–Neyman bounds lie in the plotted range
    fig2 = hayes.plot_predicted("percentiles")
    assert len(fig2.axes[0].get_lines()) == 3
    import matplotlib.pyplot as plt

    plt.close("all")


def test_to_dict_is_json_ready(hayes):
    import json

    payload = hayes.to_dict(at="percentiles")
    text = json.dumps(payload, allow_nan=False)
    assert json.loads(text)["coefficients"]["frame:skeptic"]["estimate"] == pytest.approx(
        0.2012, abs=5e-5
    )
    assert set(payload["conditional_effects"][0]) >= {"moderator_value", "effect", "se", "t", "p"}
    assert set(payload["johnson_neyman"]) >= {"bounds", "significant_region", "observed_range"}


def test_results_are_frozen(hayes):
    with pytest.raises(AttributeError):
        hayes.r2 = 0.5


# ---- bad inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"outcome": "nope"}, ValueError, r"column 'nope' not found; available columns: \['id'"),
        ({"alpha": 0}, ValueError, "alpha must be strictly between 0 and 1"),
        ({"alpha": 1.5}, ValueError, "alpha must be strictly between 0 and 1"),
        ({"alpha": "0.05"}, TypeError, "alpha must be a number"),
        ({"se": "hc4"}, ValueError, "se must be one of classical, hc0"),
        ({"center": "x"}, ValueError, "center must be one of none, moderator, both"),
        ({"predictor": "skeptic"}, ValueError, "only one role"),
        ({"covariates": ["constant"]}, ValueError, "not found"),
    ],
)
def test_bad_arguments(disaster, kwargs, error, match):
    arguments = {"outcome": "justify", "predictor": "frame", "moderator": "skeptic", **kwargs}
    with pytest.raises(error, match=match):
        mod.fit_moderation(disaster, **arguments)


def test_bad_data(disaster):
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame"):
        mod.fit_moderation(disaster.to_numpy(), "justify", "frame", "skeptic")
    text = disaster.astype({"frame": object})
    text.loc[4, "frame"] = "treated"
    with pytest.raises(ValueError, match=r"column 'frame' must be numeric but row 5 .* 'treated'"):
        mod.fit_moderation(text, "justify", "frame", "skeptic")
    constant = disaster.assign(skeptic=4.0)
    with pytest.raises(ValueError, match="moderator 'skeptic' is constant"):
        mod.fit_moderation(constant, "justify", "frame", "skeptic")
    with pytest.raises(ValueError, match="too few rows: 4 complete rows for 4 parameters"):
        mod.fit_moderation(disaster.head(4), "justify", "frame", "skeptic")
    holes = disaster.astype({"justify": float})
    holes.loc[[0, 5, 9], "justify"] = np.nan
    with pytest.raises(ValueError, match="3 of 211 rows have missing values"):
        mod.fit_moderation(holes, "justify", "frame", "skeptic", missing="raise")
    dropped = mod.fit_moderation(holes, "justify", "frame", "skeptic")
    assert (dropped.n, dropped.n_dropped) == (208, 3)
    clash = disaster.assign(constant=1.0)
    with pytest.raises(ValueError, match="clashes with a term name"):
        mod.fit_moderation(clash, "justify", "frame", "skeptic", covariates=["constant"])
    with pytest.raises(ValueError, match="at must be 'meansd', 'percentiles' or a list"):
        mod.fit_moderation(disaster, "justify", "frame", "skeptic").conditional_effects(["a"])


def test_simulate_sites_checks_arguments():
    with pytest.raises(ValueError, match="reliability must be in"):
        mod.simulate_sites(reliability=0)
    with pytest.raises(ValueError, match="n_practitioners must be a positive integer"):
        mod.simulate_sites(n_practitioners=0)


# ---- the stored simulated dataset ---------------------------------------------------------


def test_stored_sites_are_exactly_what_the_generator_produces():
    root = Path(__file__).resolve().parents[1]
    regenerated = datasets.regenerate("relationship_sites", root)
    stored = (root / "data" / "relationship_sites.csv").read_bytes()
    assert datasets.csv_bytes(regenerated) == stored
    spec = next(
        r for r in datasets.descriptor(root)["resources"] if r["name"] == "relationship_sites"
    )
    assert spec["simulated"] is True
    assert "SIMULATED" in spec["title"]
    assert 120 <= len(regenerated) <= 200
    assert regenerated.groupby("practitioner_id").size().eq(5).all()


def test_simulated_reliability_is_as_documented():
    sites = mod.simulate_sites(n_practitioners=4000, seed=9)
    true_var = sites["relationship_true"].var()
    observed_var = sites["relationship_quality"].var()
    assert true_var / observed_var == pytest.approx(0.8, abs=0.01)


def test_r2_without_a_column_equals_refitting_without_it():
    # The identity behind the R² change test: leaving out column j raises the residual sum
    # of squares by b_j² / [(X'X)^-1]_jj. Checked against fitting the smaller model.
    from implsupport.moderation.least_squares import ols_fit, qr_factor

    rng = np.random.default_rng(12)
    n = 200
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 4))])
    X[:, 3] = X[:, 1] * X[:, 2]
    y = X @ [1.0, 0.5, -0.3, 0.2, 0.0] + rng.normal(size=n)
    fit = ols_fit(y, X)
    for j in range(1, X.shape[1]):
        smaller = np.linalg.lstsq(np.delete(X, j, axis=1), y, rcond=None)
        ssr = float(smaller[1][0])
        expected = 1 - ssr / float(((y - y.mean()) ** 2).sum())
        assert fit.r2_without(j) == pytest.approx(expected, rel=1e-12, abs=1e-14)
    # One QR of [X, y] gives the same estimates as least squares, and sees a lost rank.
    assert fit.params == pytest.approx(np.linalg.lstsq(X, y, rcond=None)[0], rel=1e-12)
    assert qr_factor(y, X).full_rank
    assert not qr_factor(y, np.column_stack([X, X[:, 1] - X[:, 2]])).full_rank


def test_a_covariate_that_repeats_a_term_is_refused():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(size=50), "w": rng.normal(size=50)})
    frame["y"] = frame.x + rng.normal(size=50)
    frame["c"] = 2 * frame.x - frame.w  # an exact combination of the predictor and moderator
    for fit in (mod.fit_moderation, mod.fit_logistic_moderation):
        with pytest.raises(ValueError, match="design matrix is rank deficient"):
            fit(frame.assign(y=(frame.y > 0).astype(float)), "y", "x", "w", covariates=["c"])
