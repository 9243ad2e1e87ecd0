"""Tests of implsupport.power against published values, closed forms and statsmodels.

Oracles: the values InteractionPoweR (Baranger et al. 2023) publishes for its worked example
(../shared/reference/methods.md, section 1); Gelman's (2018) 0.1077 and 16; ordinary least
squares from statsmodels; and the binomial standard error of a simulated proportion.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.power import FTestPowerF2

from implsupport import cli
from implsupport.power import (
    MIN_N,
    InteractionScenario,
    batched_ols,
    gelman_sixteen,
    power_curve,
    power_interaction,
    sample_size,
    simulate_interaction_data,
    simulate_power,
)

# InteractionPoweR's worked example: r(x1,y) = .2, r(x2,y) = .1, r(x1,x2) = .2, r(x1x2,y) = .15.
EXAMPLE = {"r_x1_y": 0.2, "r_x2_y": 0.1, "r_x1_x2": 0.2, "r_x1x2_y": 0.15}
PUBLISHED = [
    (200, 0.5724275),
    (300, 0.7501662),
    (350, 0.8131373),
    (400, 0.8619163),
    (460, 0.9052915),
    (500, 0.9269002),
    (600, 0.9626206),
]


def example(**changes: float) -> InteractionScenario:
    return InteractionScenario(**{**EXAMPLE, **changes})


# ---- analytic power: published values ---------------------------------------------------


@pytest.mark.parametrize(("n", "published"), PUBLISHED)
def test_analytic_power_matches_interactionpower(n, published):
    assert power_interaction(example(), n).power == pytest.approx(published, abs=5e-8)


@pytest.mark.parametrize(("r_x1x2_y", "published"), [(0.10, 0.4760123), (0.20, 0.9670667)])
def test_analytic_power_other_interaction_sizes(r_x1x2_y, published):
    result = power_interaction(example(r_x1x2_y=r_x1x2_y), 350)
    assert result.power == pytest.approx(published, abs=5e-8)


def test_r2_and_f2_against_generic_regression_algebra():
    # R² of y on predictors with correlation matrix Rxx and correlations rxy: rxy' Rxx^-1 rxy.
    scenario = example(rel_x1=0.8, rel_x2=0.7, rel_y=0.9)
    r1y, r2y, r12, rpy = scenario.observed
    rxx = np.array([[1, r12, 0], [r12, 1, 0], [0, 0, 1]])
    rxy = np.array([r1y, r2y, rpy])
    r2_full = rxy @ np.linalg.solve(rxx, rxy)
    r2_null = rxy[:2] @ np.linalg.solve(rxx[:2, :2], rxy[:2])
    assert scenario.r2_full == pytest.approx(r2_full, abs=1e-14)
    assert scenario.r2_null == pytest.approx(r2_null, abs=1e-14)
    assert scenario.f2 == pytest.approx((r2_full - r2_null) / (1 - r2_null), abs=1e-14)


def test_noncentral_f_matches_statsmodels_ftest_power_f2():
    # statsmodels' lambda = f2 * (df_num + df_denom + ncc); ncc = -1 gives f2 * (N - 3).
    scenario = example()
    for n in (50, 350, 1000):
        expected = FTestPowerF2().power(
            effect_size=scenario.f2, df_num=1, df_denom=n - 3, alpha=0.05, ncc=-1
        )
        assert power_interaction(scenario, n).power == pytest.approx(expected, abs=1e-12)


def test_reliability_attenuation_formulas():
    scenario = example(rel_x1=0.8, rel_x2=0.6, rel_y=0.9)
    rel_product = (0.8 * 0.6 + 0.2**2) / (1 + 0.2**2)
    assert scenario.rel_x1x2 == pytest.approx(rel_product)
    assert scenario.observed == pytest.approx(
        (
            0.2 * math.sqrt(0.8 * 0.9),
            0.1 * math.sqrt(0.6 * 0.9),
            0.2 * math.sqrt(0.8 * 0.6),
            0.15 * math.sqrt(rel_product * 0.9),
        )
    )


def test_reliability_lowers_power():
    perfect = power_interaction(example(), 350).power
    previous = perfect
    for rel in (0.9, 0.8, 0.7, 0.6):
        attenuated = power_interaction(example(rel_x1=rel, rel_x2=rel), 350).power
        assert attenuated < previous
        previous = attenuated
    assert power_interaction(example(rel_y=0.8), 350).power < perfect
    assert sample_size(example(rel_x1=0.8, rel_x2=0.8)).n > sample_size(example()).n


def test_coefficients_give_unit_variance_and_the_correlations():
    scenario = example(rel_x1=0.9, rel_x2=0.8)
    c = scenario.coefficients()
    r1y, r2y, r12, rpy = scenario.observed
    var_product = 1 + r12**2
    var_y = (
        (c["b1"] ** 2 + c["b2"] ** 2 + 2 * c["b1"] * c["b2"] * r12)
        + c["b3"] ** 2 * var_product
        + c["sigma2"]
    )
    assert var_y == pytest.approx(1.0, abs=1e-14)
    assert c["b1"] + c["b2"] * r12 == pytest.approx(r1y, abs=1e-14)
    assert c["b1"] * r12 + c["b2"] == pytest.approx(r2y, abs=1e-14)
    assert c["b3"] * var_product / math.sqrt(var_product) == pytest.approx(rpy, abs=1e-14)


# ---- sample size and curves ----------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [example(), example(rel_x1=0.8, rel_x2=0.8), example(r_x1x2_y=0.05), example(r_x1x2_y=0.3)],
)
@pytest.mark.parametrize("target", [0.5, 0.8, 0.9])
def test_sample_size_is_the_smallest_n(scenario, target):
    result = sample_size(scenario, target)
    assert power_interaction(scenario, result.n).power >= target
    assert power_interaction(scenario, result.n - 1).power < target
    assert result.power_below == pytest.approx(power_interaction(scenario, result.n - 1).power)


def test_sample_size_is_consistent_with_published_values():
    # Published: power .7501662 at 300 and .8131373 at 350, so 80% lies in between.
    assert 300 < sample_size(example(), 0.8).n <= 350
    assert 400 < sample_size(example(), 0.9).n <= 460


def test_sample_size_at_the_smallest_n():
    huge = example(r_x1_y=0.0, r_x2_y=0.0, r_x1_x2=0.0, r_x1x2_y=0.95)
    result = sample_size(huge, 0.1)  # power at N = 5 is 0.13
    assert result.n == MIN_N and result.power_below is None


def test_power_curve_and_result_objects():
    curve = power_curve(example(), [200, 350, 600])
    frame = curve.to_frame()
    assert list(frame["n"]) == [200, 350, 600]
    assert frame["power"].tolist() == pytest.approx([0.5724275, 0.8131373, 0.9626206], abs=5e-8)
    assert "350: 0.813" in repr(curve)
    assert "power=0.8131" in repr(power_interaction(example(), 350))
    assert power_interaction(example(), 350).to_frame().loc[0, "df"] == 347
    assert "n=339" in repr(sample_size(example()))
    fig = curve.plot()
    assert fig.axes[0].get_ylabel() == "Power"
    import matplotlib.pyplot as plt

    plt.close(fig)
    fig = sample_size(example()).plot()
    plt.close(fig)


# ---- property tests ----------------------------------------------------------------------

correlation = st.floats(min_value=-0.5, max_value=0.5, allow_nan=False)
reliability = st.floats(min_value=0.3, max_value=1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    r1=correlation,
    r2=correlation,
    r12=correlation,
    rp=st.floats(min_value=0.01, max_value=0.4),
    rel=reliability,
    n=st.integers(min_value=MIN_N, max_value=5_000),
    step=st.integers(min_value=1, max_value=500),
)
def test_power_increases_with_n(r1, r2, r12, rp, rel, n, step):
    try:
        scenario = InteractionScenario(r1, r2, r12, rp, rel_x1=rel, rel_x2=rel)
    except ValueError:
        assume(False)
    before, after = (
        power_interaction(scenario, n).power,
        power_interaction(scenario, n + step).power,
    )
    assert after > before or before > 1 - 1e-9  # strictly larger until power is 1 numerically


@settings(max_examples=60, deadline=None)
@given(
    r1=correlation,
    r2=correlation,
    r12=correlation,
    small=st.floats(min_value=0.0, max_value=0.3),
    extra=st.floats(min_value=0.005, max_value=0.2),
    n=st.integers(min_value=20, max_value=2_000),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_power_increases_with_the_size_of_the_interaction(r1, r2, r12, small, extra, n, sign):
    try:
        weaker = InteractionScenario(r1, r2, r12, sign * small)
        stronger = InteractionScenario(r1, r2, r12, sign * (small + extra))
    except ValueError:
        assume(False)
    weak, strong = power_interaction(weaker, n).power, power_interaction(stronger, n).power
    assert strong > weak or weak > 1 - 1e-9  # strictly larger until power is 1 numerically
    # Only the size matters, not the sign.
    mirrored = InteractionScenario(r1, r2, r12, -sign * small)
    assert power_interaction(mirrored, n).power == pytest.approx(
        power_interaction(weaker, n).power, abs=1e-12
    )


def test_no_interaction_has_power_alpha():
    assert power_interaction(example(r_x1x2_y=0.0), 300, alpha=0.05).power == pytest.approx(0.05)


# ---- batched least squares and simulation -------------------------------------------------


def test_batched_ols_equals_statsmodels():
    X, y = simulate_interaction_data(example(rel_x1=0.8), 120, 5, seed=11)
    fit = batched_ols(X, y)
    assert fit.df_resid == 116
    for i in range(5):
        reference = sm.OLS(y[i], X[i]).fit()
        np.testing.assert_allclose(fit.params[i], reference.params, rtol=0, atol=1e-10)
        np.testing.assert_allclose(fit.bse[i], reference.bse, rtol=0, atol=1e-10)
        np.testing.assert_allclose(fit.tvalues[i], reference.tvalues, rtol=0, atol=1e-9)
        np.testing.assert_allclose(fit.pvalues()[i], reference.pvalues, rtol=0, atol=1e-10)


def test_batched_ols_checks_shapes():
    with pytest.raises(ValueError, match="shape"):
        batched_ols(np.ones((2, 10, 4)), np.ones((2, 9)))
    with pytest.raises(ValueError, match="more observations"):
        batched_ols(np.ones((2, 4, 4)), np.ones((2, 4)))


def test_simulated_data_recover_the_population_correlations():
    scenario = example(rel_x1=0.8, rel_x2=0.9)
    X, y = simulate_interaction_data(scenario, 2_000, 50, seed=3)
    pooled = np.column_stack(
        [X[:, :, 1].ravel(), X[:, :, 2].ravel(), X[:, :, 3].ravel(), y.ravel()]
    )
    r = np.corrcoef(pooled, rowvar=False)
    r1y, r2y, r12, rpy = scenario.observed
    # 100,000 draws: the SE of a correlation is about 0.003 (more for the heavy-tailed product).
    assert r[0, 3] == pytest.approx(r1y, abs=0.015)
    assert r[1, 3] == pytest.approx(r2y, abs=0.015)
    assert r[0, 1] == pytest.approx(r12, abs=0.015)
    assert r[2, 3] == pytest.approx(rpy, abs=0.015)
    assert r[0, 2] == pytest.approx(0.0, abs=0.015)
    assert y.var() == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize(
    ("scenario", "n"),
    [(example(), 200), (example(), 350), (example(rel_x1=0.8, rel_x2=0.8, rel_y=0.9), 300)],
)
def test_simulation_agrees_with_analytic_power(scenario, n):
    reps = 4_000
    analytic = power_interaction(scenario, n).power
    simulated = simulate_power(scenario, n, reps=reps, seed=20231187)
    binomial_se = math.sqrt(analytic * (1 - analytic) / reps)
    assert simulated.power == pytest.approx(analytic, abs=4 * binomial_se)
    assert simulated.mc_se == pytest.approx(binomial_se, rel=0.1)


def test_simulation_recovers_the_interaction_coefficient():
    scenario = example()
    X, y = simulate_interaction_data(scenario, 300, 4_000, seed=8)
    b3 = batched_ols(X, y).params[:, 3]
    se_of_mean = b3.std(ddof=1) / math.sqrt(b3.size)
    assert b3.mean() == pytest.approx(scenario.coefficients()["b3"], abs=4 * se_of_mean)


def test_simulation_is_reproducible_and_seeded():
    a = simulate_power(example(), 100, reps=500, seed=1)
    b = simulate_power(example(), 100, reps=500, seed=1)
    c = simulate_power(example(), 100, reps=500, seed=2)
    assert a.power == b.power and a.mean_b3 == b.mean_b3
    assert a.mean_b3 != c.mean_b3
    assert "reps=500" in repr(a) and a.to_frame().loc[0, "seed"] == 1
    low, high = a.ci
    assert low < a.power < high


def test_simulation_with_no_interaction_rejects_at_alpha():
    result = simulate_power(example(r_x1x2_y=0.0), 60, reps=4_000, seed=5)
    assert result.power == pytest.approx(0.05, abs=4 * math.sqrt(0.05 * 0.95 / 4_000))


def test_power_curve_with_simulation():
    curve = power_curve(example(), [150, 300], simulate=True, reps=2_000, seed=4)
    frame = curve.to_frame()
    assert {"simulated_power", "mc_se"} <= set(frame.columns)
    for analytic, simulated in zip(frame["power"], frame["simulated_power"], strict=True):
        assert simulated == pytest.approx(analytic, abs=4 * math.sqrt(0.25 / 2_000))


# ---- Gelman's 16 --------------------------------------------------------------------


def test_gelman_sixteen_published_numbers():
    result = gelman_sixteen()
    assert round(result.interaction_power, 4) == 0.1077
    assert result.sample_multiplier == 16
    assert result.interaction_z == pytest.approx(0.7)
    assert round(result.main_power, 2) == 0.80
    # 16 times the sample makes the interaction's z four times larger: the main effect's power.
    four_times = stats.norm.cdf(4 * result.interaction_z - 1.959964) + stats.norm.cdf(
        -4 * result.interaction_z - 1.959964
    )
    assert four_times == pytest.approx(result.main_power, abs=1e-6)
    assert gelman_sixteen(effect_ratio=1.0).sample_multiplier == 4
    assert set(result.to_frame()["quantity"]) >= {"interaction power"}


def test_interaction_se_is_twice_the_main_effect_se_in_a_balanced_design():
    # Two binary factors coded -1/2, +1/2: main effects are differences of means, the
    # interaction a difference of differences. OLS standard errors, by statsmodels.
    rng = np.random.default_rng(2018)
    a = np.repeat([-0.5, 0.5, -0.5, 0.5], 25)
    b = np.repeat([-0.5, -0.5, 0.5, 0.5], 25)
    y = rng.standard_normal(100)
    fit = sm.OLS(y, np.column_stack([np.ones(100), a, b, a * b])).fit()
    assert fit.bse[3] / fit.bse[1] == pytest.approx(gelman_sixteen().se_ratio, abs=1e-12)


# ---- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"r_x1_y": 0.9, "r_x2_y": -0.9, "r_x1_x2": 0.9}, "positive definite"),
        ({"r_x1x2_y": 1.0}, "positive definite"),
        ({"r_x1_y": 1.2}, "r_x1_y must be a correlation"),
        ({"r_x1_x2": 1.0}, "r_x1_x2 must be strictly between"),
        ({"rel_x1": 0.0}, "rel_x1 must be a reliability in \\(0, 1\\]"),
        ({"rel_x2": 1.1}, "rel_x2 must be a reliability"),
        ({"rel_y": -0.5}, "rel_y must be a reliability"),
        ({"r_x2_y": float("nan")}, "r_x2_y must be a finite number"),
    ],
)
def test_bad_scenarios_raise_clear_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        example(**changes)


def test_bad_types_raise_type_errors():
    with pytest.raises(TypeError, match="r_x1_y must be a number"):
        example(r_x1_y="0.2")
    with pytest.raises(TypeError, match="scenario must be an InteractionScenario"):
        power_interaction(EXAMPLE, 100)
    with pytest.raises(TypeError, match="seed must be"):
        simulate_power(example(), 100, reps=10, seed=1.5)


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5, -0.1])
def test_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must be strictly between 0 and 1"):
        power_interaction(example(), 100, alpha=alpha)
    with pytest.raises(ValueError, match="alpha must be strictly between 0 and 1"):
        simulate_power(example(), 100, reps=10, alpha=alpha)
    with pytest.raises(ValueError, match="alpha must be strictly between 0 and 1"):
        gelman_sixteen(alpha=alpha)


@pytest.mark.parametrize("n", [4, 0, -10])
def test_n_too_small(n):
    with pytest.raises(ValueError, match="n must be at least 5"):
        power_interaction(example(), n)
    with pytest.raises(ValueError, match="n must be at least 5"):
        simulate_power(example(), n, reps=10)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="whole number"):
        power_interaction(example(), 100.5)
    with pytest.raises(ValueError, match="reps must be at least 1"):
        simulate_power(example(), 100, reps=0)
    with pytest.raises(ValueError, match="target_power must be above alpha"):
        sample_size(example(), 0.04)
    with pytest.raises(ValueError, match="target_power must be strictly between"):
        sample_size(example(), 1.0)
    with pytest.raises(ValueError, match="not reached"):
        sample_size(example(r_x1x2_y=0.0), 0.8)
    with pytest.raises(ValueError, match="ns must hold at least one"):
        power_curve(example(), [])
    with pytest.raises(ValueError, match="effect_ratio must be a positive"):
        gelman_sixteen(effect_ratio=0)
    with pytest.raises(ValueError, match="seed must be a non-negative"):
        simulate_power(example(), 100, reps=10, seed=-1)


# ---- command line -------------------------------------------------------------------

BASE = ["power", "--r-x1-y", ".2", "--r-x2-y", ".1", "--r-x1-x2", ".2", "--r-x1x2-y", ".15"]


def test_cli_analytic_power(capsys):
    assert cli.main([*BASE, "--n", "200,350,600"]) == 0
    out = capsys.readouterr().out
    for value in ("0.5724", "0.8131", "0.9626"):
        assert value in out


def test_cli_json(capsys):
    assert cli.main([*BASE, "--n", "350", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["results"][0]["n"] == 350
    assert report["results"][0]["power"] == pytest.approx(0.8131373, abs=5e-8)
    assert report["simulation"] is None and report["sample_size"] is None
    assert report["scenario"]["r_x1x2_y"] == 0.15


def test_cli_target_power_with_reliability_and_simulation(capsys):
    args = [*BASE, "--rel-x1", ".8", "--rel-x2", ".8", "--target-power", ".8"]
    assert cli.main([*args, "--simulate", "--reps", "2000", "--seed", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    scenario = example(rel_x1=0.8, rel_x2=0.8)
    assert report["sample_size"]["n"] == sample_size(scenario).n
    row = report["results"][0]
    assert row["simulated_power"] == pytest.approx(0.8, abs=4 * math.sqrt(0.16 / 2000))
    assert report["simulation"] == {"reps": 2000, "seed": 1, "test": "OLS t test on N - 4 df"}
    assert cli.main([*args]) == 0
    assert f"smallest N with power >= 0.8: {sample_size(scenario).n}" in capsys.readouterr().out


BAD_CLI = [
    ([*BASE[:-1], "x", "--n", "350"], "invalid float value"),
    (["power", "--r-x1-y", ".2", "--n", "350"], "required"),
    ([*BASE], "one of the arguments --n --target-power is required"),
    ([*BASE, "--n", "350", "--target-power", ".8"], "not allowed with"),
    ([*BASE[:2], "1.5", *BASE[3:], "--n", "350"], "r_x1_y must be a correlation"),
    (
        [
            "power",
            "--r-x1-y",
            ".9",
            "--r-x2-y",
            "-.9",
            "--r-x1-x2",
            ".9",
            "--r-x1x2-y",
            ".1",
            "--n",
            "350",
        ],
        "positive definite",
    ),
    ([*BASE, "--rel-x1", "0", "--n", "350"], "rel_x1 must be a reliability"),
    ([*BASE, "--rel-y", "1.5", "--n", "350"], "rel_y must be a reliability"),
    ([*BASE, "--alpha", "0", "--n", "350"], "--alpha must be strictly between 0 and 1"),
    ([*BASE, "--alpha", "1.2", "--n", "350"], "--alpha must be strictly between 0 and 1"),
    ([*BASE, "--n", "4"], "--n must be at least 5"),
    ([*BASE, "--n", "200,3.5"], "--n must be whole numbers"),
    ([*BASE, "--n", "200,abc"], "--n must be a whole number or a comma-separated list"),
    ([*BASE, "--target-power", "0.03"], "target_power must be above alpha"),
    ([*BASE, "--target-power", "1"], "target_power must be strictly between 0 and 1"),
    ([*BASE, "--n", "350", "--simulate", "--reps", "0"], "--reps must be at least 1"),
    ([*BASE, "--n", "350", "--simulate", "--seed", "-1"], "--seed must be a non-negative"),
    ([*BASE, "--n", "350", "--reps", "100"], "--reps and --seed only apply with --simulate"),
    ([*BASE, "--n", "350", "--simulate", "--reps", "ten"], "invalid int value"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_CLI)
def test_cli_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse's own checks exit through _Parser.error
        status = exc.code
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err


def test_cli_bad_input_as_a_black_box():
    result = subprocess.run(
        [sys.executable, "-m", "implsupport.cli", *BASE, "--rel-x2", "2", "--n", "350"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "rel_x2 must be a reliability" in result.stderr
