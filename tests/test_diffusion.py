"""Tests of implsupport.diffusion: published values, closed forms, recovery and invariants."""

from __future__ import annotations

import dataclasses
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy import integrate, optimize

from implsupport import cli, diffusion
from implsupport.diffusion import BassModel, Strategy

# Fitting reference of methods.md (section 2): sales in periods t = 1..10.
SALES = [840, 1470, 2110, 4000, 7590, 10950, 10530, 9470, 7790, 5890]


# ---- the closed form against the published reference values -----------------------------------


def test_bass_reference_values_p03_q38():
    model = BassModel(p=0.03, q=0.38)
    assert model.peak_time == pytest.approx(6.1926, abs=5e-5)
    assert model.peak_share == pytest.approx(0.4605, abs=5e-5)
    assert model.cdf(1) == pytest.approx(0.03576, abs=5e-6)
    assert model.cdf(5) == pytest.approx(0.33120, abs=5e-6)
    assert model.cdf(10) == pytest.approx(0.81280, abs=5e-6)


def test_closed_form_solves_the_bass_equation():
    """F(t) from the closed form equals a numerical solution of dF/dt = (p + qF)(1 - F)."""
    p, q = 0.03, 0.38
    t = np.linspace(0, 25, 26)
    ode = integrate.solve_ivp(
        lambda _, f: (p + q * f) * (1 - f), (0, 25), [0.0], t_eval=t, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(diffusion.bass_cdf(t, p, q), ode.y[0], atol=1e-8)
    f = diffusion.bass_cdf(t, p, q)
    np.testing.assert_allclose(diffusion.bass_pdf(t, p, q), (p + q * f) * (1 - f), rtol=1e-12)


def test_peak_is_where_the_rate_is_highest_and_level_matches():
    model = BassModel(p=0.02, q=0.5, m=1000)
    grid = np.linspace(0, 30, 300001)
    assert grid[np.argmax(model.pdf(grid))] == pytest.approx(model.peak_time, abs=1e-3)
    assert model.peak_rate == pytest.approx(1000 * (0.52**2) / (4 * 0.5), rel=1e-9)
    assert model.period_adoptions(3) == pytest.approx(1000 * (model.cdf(3) - model.cdf(2)))


def test_no_interior_peak_when_q_not_above_p():
    model = BassModel(p=0.2, q=0.1)
    assert model.peak_time == 0.0 and model.peak_share == 0.0
    assert "no interior peak" in repr(model)
    # q = 0 is pure external influence: F(t) = 1 - exp(-p t)
    assert diffusion.bass_cdf(2.0, 0.3, 0.0) == pytest.approx(1 - math.exp(-0.6))


# ---- nonlinear least squares ------------------------------------------------------------------


def test_nls_density_form_reproduces_the_published_fit():
    """methods.md: m = 67980 (SE 3128), p = 0.006594 (SE 0.00143), q = 0.6381 (SE 0.0414),
    residual SE 727.2 on 7 df. These published values come from the model m * f(t)."""
    fit = diffusion.fit_bass_nls(SALES, form="density")
    assert fit.params["m"] == pytest.approx(67980, abs=5)
    assert fit.bse["m"] == pytest.approx(3128, abs=0.5)
    assert fit.params["p"] == pytest.approx(0.006594, abs=5e-7)
    assert fit.bse["p"] == pytest.approx(0.00143, abs=5e-6)
    assert fit.params["q"] == pytest.approx(0.6381, abs=5e-5)
    assert fit.bse["q"] == pytest.approx(0.0414, abs=5e-5)
    assert fit.resid_se == pytest.approx(727.2, abs=0.05)
    assert fit.df_resid == 7


def test_nls_interval_form_matches_an_independent_least_squares_fit():
    """m (F(t) - F(t-1)) fitted on the natural scale with least_squares; SEs from s^2 (J'J)^-1."""
    t = np.arange(1.0, 11.0)
    y = np.asarray(SALES, dtype=float)

    def resid(theta):
        m, p, q = theta
        cdf = lambda s: (1 - np.exp(-(p + q) * s)) / (1 + q / p * np.exp(-(p + q) * s))  # noqa: E731
        return m * (cdf(t) - cdf(t - 1)) - y

    ref = optimize.least_squares(resid, [60000, 0.01, 0.5], x_scale=[1e4, 1e-2, 1e-1], xtol=1e-14)
    s2 = np.sum(ref.fun**2) / 7
    se = np.sqrt(np.diag(s2 * np.linalg.inv(ref.jac.T @ ref.jac)))
    fit = diffusion.fit_bass_nls(SALES)
    assert fit.method == "nls-interval"
    np.testing.assert_allclose(fit.params.to_numpy(), ref.x, rtol=1e-5)
    np.testing.assert_allclose(fit.bse.to_numpy(), se, rtol=1e-4)
    assert fit.resid_se == pytest.approx(math.sqrt(s2), rel=1e-7)
    # The exact period model fits these data a little better than the rate-at-period-end model.
    assert fit.resid_se < diffusion.fit_bass_nls(SALES, form="density").resid_se


def test_nls_accepts_explicit_times_and_start():
    t = np.arange(1.0, 11.0)
    a = diffusion.fit_bass_nls(SALES, t, start=(70000, 0.01, 0.6))
    b = diffusion.fit_bass_nls(SALES)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-5)


# ---- Bass's discrete OLS regression -----------------------------------------------------------


def test_ols_matches_a_closed_form_computation():
    y = np.asarray(SALES, dtype=float)
    n_before = np.concatenate([[0.0], np.cumsum(y)[:-1]])
    x = np.column_stack([np.ones(10), n_before, n_before**2])
    (a, b, c), *_ = np.linalg.lstsq(x, y, rcond=None)
    m = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * c)
    fit = diffusion.fit_bass_ols(SALES)
    assert fit.params["m"] == pytest.approx(m, rel=1e-7)
    assert fit.params["p"] == pytest.approx(a / m, rel=1e-7)
    assert fit.params["q"] == pytest.approx(-c * m, rel=1e-7)
    np.testing.assert_allclose(fit.regression["estimate"], [a, b, c], rtol=1e-7)
    resid = y - x @ np.array([a, b, c])
    assert fit.resid_se == pytest.approx(math.sqrt(resid @ resid / 7), rel=1e-9)
    assert fit.df_resid == 7


def test_ols_delta_method_standard_errors_use_the_symbolic_jacobian():
    fit = diffusion.fit_bass_ols(SALES)
    a_, b_, c_ = sympy.symbols("a b c")
    m_ = (-b_ - sympy.sqrt(b_**2 - 4 * a_ * c_)) / (2 * c_)
    jac = sympy.Matrix([m_, a_ / m_, -c_ * m_]).jacobian([a_, b_, c_])
    values = dict(zip((a_, b_, c_), fit.regression["estimate"], strict=True))
    j = np.array(jac.subs(values).evalf(), dtype=float)
    y = np.asarray(SALES, dtype=float)
    n_before = np.concatenate([[0.0], np.cumsum(y)[:-1]])
    x = np.column_stack([np.ones(10), n_before, n_before**2])
    resid = y - x @ fit.regression["estimate"].to_numpy()
    cov_abc = (resid @ resid / 7) * np.linalg.inv(x.T @ x)
    np.testing.assert_allclose(fit.bse.to_numpy(), np.sqrt(np.diag(j @ cov_abc @ j.T)), rtol=1e-6)
    np.testing.assert_allclose(fit.regression["std_error"], np.sqrt(np.diag(cov_abc)), rtol=1e-6)


def test_ols_recovers_parameters_exactly_from_the_discrete_bass_recursion():
    """S_t = (p + q N/m)(m - N) is exactly quadratic in N, so OLS returns m, p, q exactly."""
    m, p, q = 500.0, 0.03, 0.38
    n, counts = 0.0, []
    for _ in range(12):
        s = (p + q * n / m) * (m - n)
        counts.append(s)
        n += s
    fit = diffusion.fit_bass_ols(counts)
    assert fit.params["m"] == pytest.approx(m, rel=1e-8)
    assert fit.params["p"] == pytest.approx(p, rel=1e-7)
    assert fit.params["q"] == pytest.approx(q, rel=1e-7)


# ---- parameter recovery from simulated adoption -----------------------------------------------


def test_ols_recovers_known_parameters_from_a_simulated_population():
    sim = diffusion.simulate_bass(0.03, 0.38, n_sites=20000, years=14, seed=11)
    fit = diffusion.fit_bass_ols(sim.period_adoptions())
    for name, true in (("m", 20000), ("p", 0.03), ("q", 0.38)):
        assert abs(fit.params[name] - true) < 3 * fit.bse[name], name
        assert fit.params[name] == pytest.approx(true, rel=0.1), name


def test_nls_recovers_known_parameters_from_simulated_yearly_counts():
    """Small steps approximate the continuous model; counts are then summed per year."""
    sim = diffusion.simulate_bass(0.03, 0.38, n_sites=20000, years=15, dt=0.05, seed=5)
    yearly = np.diff(sim.adopters[0, ::20])
    fit = diffusion.fit_bass_nls(yearly)
    for name, true in (("m", 20000), ("p", 0.03), ("q", 0.38)):
        assert abs(fit.params[name] - true) < 3 * fit.bse[name], name
        assert fit.params[name] == pytest.approx(true, rel=0.1), name


def test_mean_simulated_path_approaches_the_closed_form():
    sim = diffusion.simulate_bass(
        0.03, 0.38, n_sites=500, years=20, dt=0.05, replications=200, seed=3
    )
    mean = sim.shares.mean(axis=0)
    np.testing.assert_allclose(mean, diffusion.bass_cdf(sim.times, 0.03, 0.38), atol=0.015)


# ---- invariants (hypothesis) -------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    p=st.floats(0.001, 0.5),
    q=st.floats(0.0, 0.5),
    n_sites=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_simulated_adopters_never_exceed_the_population_and_never_fall(p, q, n_sites, seed):
    sim = diffusion.simulate_bass(p, q, n_sites=n_sites, years=10, seed=seed, replications=3)
    assert sim.adopters.min() >= 0
    assert sim.adopters.max() <= n_sites
    assert np.all(np.diff(sim.adopters, axis=1) >= 0)


@settings(max_examples=25, deadline=None)
@given(
    p=st.floats(0.001, 1.0),
    q=st.floats(0.0, 1.0),
    trust=st.floats(0.0, 2.0),
    stop=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**32 - 1),
    ends=st.one_of(st.none(), st.floats(0.0, 6.0)),
)
def test_strategy_model_invariants(p, q, trust, stop, seed, ends):
    s = Strategy("s", p=p, q=q, trust_build=trust, discontinue=stop)
    run = diffusion.simulate_strategy(
        s, n_sites=30, years=6, support_ends=ends, seed=seed, dt=0.25, replications=4
    )
    assert run.using.max() <= 30 and run.using.min() >= 0
    assert np.all(run.ever_adopted >= run.using)
    assert run.ever_adopted.max() <= 30
    assert np.all(np.diff(run.ever_adopted, axis=1) >= 0)
    assert np.all((run.mean_trust >= 0) & (run.mean_trust <= 1))
    if ends is None:  # without withdrawal nobody discontinues: the curve never falls
        assert np.all(np.diff(run.using, axis=1) >= 0)
        np.testing.assert_array_equal(run.using, run.ever_adopted)


# ---- the illustrative extension against closed forms -------------------------------------------


def test_without_trust_users_decay_exponentially_after_withdrawal():
    """Everyone adopts in the first step (p dt = 1); with no trust, survival is exp(-d t)."""
    s = Strategy("all pushed", p=4.0, q=0.0, trust_build=0.0, discontinue=0.3)
    run = diffusion.simulate_strategy(
        s, n_sites=200, years=10, support_ends=4, seed=8, dt=0.25, replications=100
    )
    assert run.share_at(4) == 1.0
    expected = math.exp(-0.3 * 5)
    sd = math.sqrt(expected * (1 - expected) / 20000)
    assert run.share_at(9) == pytest.approx(expected, abs=4 * sd)


def test_trust_stock_slows_discontinuation_by_the_stated_rule():
    """Trust after T - dt years of supported use is R = 1 - exp(-b (T - dt)); the hazard after
    withdrawal is d (1 - R), so survival N years later is exp(-d (1 - R) N)."""
    b, d, ends, dt = 0.3, 0.5, 4.0, 0.25
    s = Strategy("all co-created", p=4.0, q=0.0, trust_build=b, discontinue=d)
    run = diffusion.simulate_strategy(
        s, n_sites=200, years=10, support_ends=ends, seed=9, dt=dt, replications=100
    )
    trust = 1 - math.exp(-b * (ends - dt))
    index = int(np.searchsorted(run.times, ends))
    assert run.mean_trust[:, index].mean() == pytest.approx(trust, rel=1e-9)
    expected = math.exp(-d * (1 - trust) * 5)
    sd = math.sqrt(expected * (1 - expected) / 20000)
    assert run.share_at(ends + 5) == pytest.approx(expected, abs=4 * sd)


def test_no_discontinuation_when_the_hazard_is_zero():
    s = Strategy("s", p=0.1, q=0.3, trust_build=0.0, discontinue=0.0)
    run = diffusion.simulate_strategy(s, n_sites=50, years=10, support_ends=3, seed=1)
    np.testing.assert_array_equal(run.using, run.ever_adopted)


def test_comparison_reports_the_three_outcomes_and_cocreation_lasts_longer():
    comp = diffusion.compare_strategies(seed=2026, replications=100)
    table = comp.to_frame()
    assert list(table.index) == ["push", "pull", "co-creation"]
    assert {"time_to_50", "share_at_withdrawal", "share_after", "retained"} <= set(table.columns)
    # With the book's illustrative parameters, push is fastest but keeps fewest users.
    assert table.loc["push", "time_to_50"] < table.loc["co-creation", "time_to_50"]
    assert table.loc["co-creation", "retained"] > table.loc["push", "retained"]
    for run in comp.runs:
        assert table.loc[run.strategy.name, "share_after"] == pytest.approx(run.share_at(13))
    assert "ILLUSTRATIVE" in repr(comp)
    assert set(comp.curves()["strategy"]) == {"push", "pull", "co-creation"}


def test_time_to_share_is_nan_when_not_reached():
    s = Strategy("slow", p=0.001, q=0.0, trust_build=0.0, discontinue=0.0)
    run = diffusion.simulate_strategy(s, n_sites=20, years=2, support_ends=None, seed=1)
    assert math.isnan(run.time_to(0.5))
    assert math.isnan(run.summary(1.0)["share_after"])


def test_sensitivity_grid_and_baseline_difference():
    grid = {"support_ends": [2.0, 6.0], "trust_build": [0.0, 0.5, 1.0]}
    common = dict(seed=4, replications=40, years=12)
    sa = diffusion.sensitivity(diffusion.STRATEGIES["co-creation"], grid, **common)
    assert sa.table.shape == (3, 2)
    assert list(sa.table.index) == [1.0, 0.5, 0.0]  # highest trust on top of the heat map
    run = diffusion.simulate_strategy(
        dataclasses.replace(diffusion.STRATEGIES["co-creation"], trust_build=0.5),
        support_ends=6.0,
        n_sites=100,
        dt=0.25,
        **common,
    )
    assert sa.table.loc[0.5, 6.0] == pytest.approx(run.summary(5.0)["share_after"])
    diff = diffusion.sensitivity(
        diffusion.STRATEGIES["co-creation"], grid, baseline=diffusion.STRATEGIES["push"], **common
    )
    push = diffusion.simulate_strategy(
        diffusion.STRATEGIES["push"], support_ends=6.0, n_sites=100, dt=0.25, **common
    )
    assert diff.table.loc[0.5, 6.0] == pytest.approx(
        run.summary(5.0)["share_after"] - push.summary(5.0)["share_after"]
    )
    assert "minus push" in diff.label
    assert isinstance(diff.plot(), Figure) and isinstance(sa.plot(), Figure)
    assert list(sa.to_frame().columns) == ["support_ends", "trust_build", "value"]


# ---- determinism --------------------------------------------------------------------------------


def test_seeded_runs_are_identical_and_different_seeds_differ():
    a = diffusion.simulate_bass(0.03, 0.38, n_sites=100, years=10, seed=7, replications=5)
    b = diffusion.simulate_bass(0.03, 0.38, n_sites=100, years=10, seed=7, replications=5)
    c = diffusion.simulate_bass(0.03, 0.38, n_sites=100, years=10, seed=8, replications=5)
    np.testing.assert_array_equal(a.adopters, b.adopters)
    assert not np.array_equal(a.adopters, c.adopters)
    x = diffusion.compare_strategies(seed=1, replications=20)
    y = diffusion.compare_strategies(seed=1, replications=20)
    assert x.to_frame().equals(y.to_frame())
    g = diffusion.simulate_bass(
        0.03, 0.38, n_sites=100, years=10, seed=np.random.default_rng(7), replications=5
    )
    np.testing.assert_array_equal(g.adopters, a.adopters)


# ---- result objects ----------------------------------------------------------------------------


def test_result_objects_have_repr_frames_and_plots():
    model = BassModel(0.03, 0.38, m=100)
    assert "t* = 6.1926" in repr(model)
    assert list(model.to_frame().columns) == ["t", "cumulative_share", "adoption_rate", "adopters"]
    fit = diffusion.fit_bass_nls(SALES, form="density")
    assert "residual SE 727.2 on 7 df" in repr(fit)
    frame = fit.to_frame()
    assert list(frame.index) == ["m", "p", "q"]
    ci = fit.conf_int()
    assert (ci["lower"] < fit.params).all() and (fit.params < ci["upper"]).all()
    assert fit.model.q == pytest.approx(fit.params["q"])
    sim = diffusion.simulate_bass(0.03, 0.38, n_sites=50, years=5, seed=1, replications=2)
    assert len(sim.to_frame()) == 2 * 6
    assert "replications=2" in repr(sim)
    run = diffusion.simulate_strategy(diffusion.STRATEGIES["push"], seed=1, replications=5)
    assert "ILLUSTRATIVE" in repr(run)
    for obj in (model, fit, sim, run, diffusion.fit_bass_ols(SALES)):
        assert isinstance(obj.plot(), Figure)
    assert isinstance(diffusion.compare_strategies(seed=1, replications=5).plot(), Figure)


def test_bass_plot_names_the_time_axis_as_given(tmp_path, capsys):
    def xlabel(fit):
        return fit.plot().axes[0].get_xlabel()

    years = pd.Series(np.arange(1971.0, 1971.0 + len(SALES)), name="calendar year")
    assert xlabel(diffusion.fit_bass_nls(SALES)) == "period t"
    assert xlabel(diffusion.fit_bass_nls(SALES, years)) == "calendar year"
    assert xlabel(diffusion.fit_bass_nls(SALES, years.to_numpy())) == "time (end of period)"
    assert xlabel(diffusion.fit_bass_ols(SALES)) == "period t"
    # From the command line, --time names the column, and the figure's axis says so.
    frame = pd.DataFrame({"half_year": np.arange(1, len(SALES) + 1) / 2, "sold": SALES})
    frame.to_csv(tmp_path / "sales.csv", index=False)
    figure = tmp_path / "fit.svg"
    argv = ["diffusion", "fit", str(tmp_path / "sales.csv"), "--counts", "sold"]
    assert cli.main([*argv, "--time", "half_year", "--plot", str(figure), "--json"]) == 0
    capsys.readouterr()
    svg = figure.read_text()
    assert "<!-- half_year -->" in svg and "<!-- period t -->" not in svg


def test_result_objects_are_immutable():
    model = BassModel(0.03, 0.38)
    with pytest.raises(AttributeError):
        model.p = 0.5  # type: ignore[misc]


# ---- bad inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: BassModel(p=-0.03, q=0.38), ValueError, "p must be a positive number"),
        (lambda: BassModel(p=0.03, q=-0.1), ValueError, "q must be a non-negative number"),
        (lambda: BassModel(p=0.0, q=0.3), ValueError, "p must be a positive"),
        (lambda: diffusion.bass_cdf(1, float("nan"), 0.3), ValueError, "p must be"),
        (lambda: diffusion.bass_cdf(1, "0.03", 0.3), TypeError, "p must be a number"),
        (lambda: diffusion.fit_bass_nls([]), ValueError, "counts is empty"),
        (lambda: diffusion.fit_bass_ols([]), ValueError, "counts is empty"),
        (lambda: diffusion.fit_bass_nls([1, 2, 3]), ValueError, "at least 4"),
        (lambda: diffusion.fit_bass_nls(SALES, [1, 2, 3]), ValueError, "same length"),
        (lambda: diffusion.fit_bass_nls(SALES, list(range(10, 0, -1))), ValueError, "increasing"),
        (lambda: diffusion.fit_bass_nls([1, -2, 3, 4]), ValueError, "non-negative"),
        (lambda: diffusion.fit_bass_nls([1, np.nan, 3, 4]), ValueError, "finite"),
        (lambda: diffusion.fit_bass_nls([0, 0, 0, 0]), ValueError, "all zero"),
        (lambda: diffusion.fit_bass_nls(SALES, form="rate"), ValueError, "form must be"),
        (lambda: diffusion.fit_bass_nls(SALES, start=(1, -1, 1)), ValueError, "p must be"),
        (lambda: diffusion.fit_bass_ols([1, 2, 4, 8, 16, 32]), ValueError, "must be negative"),
        (lambda: diffusion.fit_bass_nls([[1, 2], [3, 4]]), ValueError, "one-dimensional"),
        (lambda: diffusion.fit_bass_ols([6, 5, 3, 12, 30, 15]), ValueError, "must be positive"),
        (
            lambda: diffusion.simulate_bass(0.03, 0.38, n_sites=10, years=5, seed=1.5),
            TypeError,
            "seed must be an int",
        ),
        (
            lambda: diffusion.simulate_bass(0.5, 0.8, n_sites=10, years=5, seed=1),
            ValueError,
            "use a smaller dt",
        ),
        (
            lambda: diffusion.simulate_bass(0.03, 0.38, n_sites=0, years=5, seed=1),
            ValueError,
            "n_sites must be at least 1",
        ),
        (
            lambda: diffusion.simulate_bass(0.03, 0.38, n_sites=5, years=5, dt=0.3, seed=1),
            ValueError,
            "multiple of dt",
        ),
        (
            lambda: Strategy("x", p=0.1, q=0.1, trust_build=-1, discontinue=0.1),
            ValueError,
            "trust_build",
        ),
        (lambda: Strategy("", p=0.1, q=0.1, trust_build=0, discontinue=0), ValueError, "name"),
        (
            lambda: diffusion.simulate_strategy("push", seed=1),
            TypeError,
            "strategy must be a Strategy",
        ),
        (
            lambda: diffusion.simulate_strategy(
                diffusion.STRATEGIES["push"], years=5, support_ends=8, seed=1
            ),
            ValueError,
            "must not exceed years",
        ),
        (lambda: diffusion.compare_strategies([], seed=1), ValueError, "strategies is empty"),
        (
            lambda: diffusion.compare_strategies(seed=np.random.default_rng(1)),
            TypeError,
            "seed must be an int here",
        ),
        (
            lambda: diffusion.sensitivity(
                diffusion.STRATEGIES["push"], {"p": [0.1], "q": [0.1]}, seed=None
            ),
            TypeError,
            "seed must be an int",
        ),
        (
            lambda: diffusion.compare_strategies(seed=1, support_ends=18, years_after=5),
            ValueError,
            "must not exceed",
        ),
        (
            lambda: diffusion.sensitivity(diffusion.STRATEGIES["push"], {"p": [0.1]}, seed=1),
            ValueError,
            "exactly two",
        ),
        (
            lambda: diffusion.sensitivity(
                diffusion.STRATEGIES["push"], {"p": [0.1], "speed": [1]}, seed=1
            ),
            ValueError,
            "unknown parameters",
        ),
        (
            lambda: diffusion.sensitivity(
                diffusion.STRATEGIES["push"], {"p": [], "q": [0.1]}, seed=1
            ),
            ValueError,
            "empty",
        ),
        (
            lambda: diffusion.sensitivity(
                diffusion.STRATEGIES["push"], {"p": [0.1], "q": [0.1]}, outcome="x", seed=1
            ),
            ValueError,
            "outcome must be one of",
        ),
    ],
)
def test_bad_inputs_give_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_fit_conf_int_rejects_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        diffusion.fit_bass_ols(SALES).conf_int(alpha=1.5)


# ---- command line --------------------------------------------------------------------------------


@pytest.fixture
def sales_csv(tmp_path):
    path = tmp_path / "sales.csv"
    rows = "\n".join(f"{t},{s}" for t, s in enumerate(SALES, start=1))
    path.write_text(f"year,sales\n{rows}\n")
    return path


def test_cli_fits_the_reference_data(sales_csv, capsys):
    assert (
        cli.main(["diffusion", "fit", str(sales_csv), "--counts", "sales", "--form", "density"])
        == 0
    )
    out = capsys.readouterr().out
    # R minpack.lm::nlsLM at its minimum: p = 0.006593959 (the fit used to stop at 0.00659394)
    assert "residual SE 727.2 on 7 df" in out and "0.00659396" in out
    assert (
        cli.main(["diffusion", "fit", str(sales_csv), "--counts", "sales", "--method", "ols"]) == 0
    )
    out = capsys.readouterr().out
    assert "Bass's discrete regression" in out and "BassFit(" not in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["diffusion", "fit", "missing.csv", "--counts", "sales"], "no such file"),
        (["diffusion", "fit", "{csv}", "--counts", "units"], "no column 'units'"),
        (["diffusion", "fit", "{csv}", "--counts", "sales", "--time", "month"], "no column"),
        (
            ["diffusion", "fit", "{csv}", "--counts", "sales", "--method", "ols", "--time", "year"],
            "--time and --start are not used",
        ),
        (["careers", "transitions", "{csv}"], "missing column"),
    ],
)
def test_cli_mistakes_are_one_line_and_exit_2(argv, words, sales_csv, capsys):
    argv = [a.replace("{csv}", str(sales_csv)) for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_usage_mistakes_exit_2(sales_csv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["diffusion", "fit", str(sales_csv), "--counts", "sales", "--method", "gmm"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
