"""Mediation (PROCESS models 4, 7, 14) and the vectorised bootstrap.

Checked against closed forms, against R (lm and a bootstrap written in R,
tests/oracle/mediation_bootstrap.R) and against pyprocessmacro 2.2.0 (a test oracle only, its
stored outputs in tests/oracle/mediation_pyprocessmacro.json; see the script beside it).
Bootstrap results are compared within Monte Carlo error: with B = 20,000 resamples on each
side, a bootstrap SE differs between two independent runs by about 0.7% of itself, and a 2.5%
or 97.5% percentile by about 0.03 SE; the tolerances are several times that.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from implsupport import moderation as mod
from implsupport.moderation import bootstrap

matplotlib.use("Agg")

ORACLE = Path(__file__).parent / "oracle"
DATA = pd.read_csv(ORACLE / "mediation_data.csv")
R = json.loads((ORACLE / "mediation_bootstrap.json").read_text())
PYPROCESS = json.loads((ORACLE / "mediation_pyprocessmacro.json").read_text())
B = 20000
SE_TOL = 0.04  # relative
CI_TOL = 0.2  # in units of the bootstrap SE


def _fit(model: int, n_boot: int = B, seed: int = 7, **kwargs) -> mod.MediationResult:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return mod.fit_mediation(
            DATA,
            "y",
            "x",
            "m",
            covariates=["age"],
            moderator=None if model == 4 else "w",
            model=model,
            n_boot=n_boot,
            seed=seed,
            **kwargs,
        )


@pytest.fixture(scope="module")
def fits() -> dict[int, mod.MediationResult]:
    return {model: _fit(model) for model in (4, 7, 14)}


def _effects(fit: mod.MediationResult) -> dict[str, np.ndarray]:
    """Indirect effects then (models 7, 14) the index, as the oracles store them."""
    table = fit.indirect
    out = {k: table[k].to_numpy() for k in ("estimate", "boot_se", "boot_ci_low", "boot_ci_high")}
    if fit.index is not None:
        out = {k: np.append(v, fit.index[k]) for k, v in out.items()}
    return out


def _lstsq(y: np.ndarray, *columns: np.ndarray) -> np.ndarray:
    X = np.column_stack([np.ones(len(y)), *columns])
    return np.linalg.lstsq(X, y, rcond=None)[0]


# ---- closed forms ------------------------------------------------------------------------


def test_model_4_indirect_is_total_minus_direct(fits):
    fit = fits[4]
    assert fit.path("a") * fit.path("b") == pytest.approx(
        fit.path("total") - fit.path("direct"), abs=1e-12
    )
    a = _lstsq(DATA.m.to_numpy(), DATA.x, DATA.age)[1]
    b = _lstsq(DATA.y.to_numpy(), DATA.x, DATA.m, DATA.age)[2]
    assert fit.indirect["estimate"].iloc[0] == pytest.approx(a * b, rel=1e-12)


@pytest.mark.parametrize("model", [7, 14])
def test_conditional_indirect_effects_are_linear_in_w_with_slope_the_index(fits, model):
    fit = fits[model]
    w, effect = fit.indirect["moderator_value"].to_numpy(), fit.indirect["estimate"].to_numpy()
    slopes = np.diff(effect) / np.diff(w)
    assert slopes == pytest.approx([fit.index["estimate"]] * 2, rel=1e-10)
    if model == 7:
        expected = (fit.path("a1") + fit.path("a3") * w) * fit.path("b")
    else:
        expected = fit.path("a") * (fit.path("b1") + fit.path("b3") * w)
    assert effect == pytest.approx(expected, rel=1e-12)


def test_probes_are_process_percentiles_or_the_two_values():
    assert mod.mediation_probes(DATA.w.to_numpy()).to_numpy() == pytest.approx(R["probes"])
    binary = mod.mediation_probes(np.array([0.0, 1, 1, 0, 1]))
    assert list(binary) == [0.0, 1.0] and list(binary.index) == ["0", "1"]


# ---- against R ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", [4, 7, 14])
def test_paths_match_r_lm(fits, model):
    fit, ref = fits[model], R["models"][f"m{model}"]
    for equation, key in (("m", "mediator"), ("y", "outcome")):
        rows = fit.paths[fit.paths["equation"] == equation].set_index("term")
        for r_term, estimate in ref[f"{key}_coefficients"].items():
            term = "constant" if r_term == "(Intercept)" else r_term
            assert rows.loc[term, "estimate"] == pytest.approx(estimate, rel=1e-9, abs=1e-12)
            assert rows.loc[term, "se"] == pytest.approx(ref[f"{key}_se"][r_term], rel=1e-9)
    if model == 4:
        assert fit.path("total") == pytest.approx(ref["total"], rel=1e-10)


@pytest.mark.parametrize("model", [4, 7, 14])
@pytest.mark.parametrize("oracle", ["R", "pyprocessmacro"])
def test_bootstrap_matches_oracles_within_monte_carlo_error(fits, model, oracle):
    ours = _effects(fits[model])
    if oracle == "R":
        ref = {k: np.atleast_1d(v) for k, v in R["models"][f"m{model}"].items()}
    else:
        entry = PYPROCESS[f"m{model}"]
        ref = {k: np.asarray(entry[k]) for k in ("estimate", "boot_se", "boot_ci_low")}
        ref["boot_ci_high"] = np.asarray(entry["boot_ci_high"])
        if "index" in entry:
            ref = {k: np.append(v, entry["index"][k]) for k, v in ref.items()}
    assert ours["estimate"] == pytest.approx(ref["estimate"], rel=1e-10)
    assert ours["boot_se"] == pytest.approx(ref["boot_se"], rel=SE_TOL)
    for bound in ("boot_ci_low", "boot_ci_high"):
        gap = np.abs(ours[bound] - ref[bound]) / ref["boot_se"]
        assert np.all(gap < CI_TOL), (bound, gap)


# ---- the vectorised bootstrap ------------------------------------------------------------


def test_batched_estimates_equal_a_loop_over_resamples():
    n, n_boot, seed = len(DATA), 40, 99
    X = np.column_stack([np.ones(n), DATA.x, DATA.w, DATA.x * DATA.w, DATA.age])
    y = DATA.m.to_numpy()
    draws = bootstrap.bootstrap_ols([y], [X], n_boot, seed).params[0]
    rows = bootstrap.bootstrap_rows(n, n_boot, seed)
    for b in range(n_boot):
        expected = np.linalg.lstsq(X[rows[b]], y[rows[b]], rcond=None)[0]
        assert draws[b] == pytest.approx(expected, rel=1e-8, abs=1e-10)


def model_7_equations() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Model 7 on DATA: the mediator m on [1, x, w, xw] and the outcome y on [1, x, m]."""
    x, w, m, y = (DATA[c].to_numpy() for c in ("x", "w", "m", "y"))
    ones = np.ones(len(DATA))
    return m, y, np.column_stack([ones, x, w, x * w]), np.column_stack([ones, x, m])


def test_equations_sharing_columns_equal_a_loop_over_resamples():
    # Model 7's two equations share the constant and x; the outcome equation's regressor m is
    # the mediator equation's response. Each is still the least-squares fit of its resample.
    n, n_boot, seed = len(DATA), 30, 5
    m, y, X_m, X_y = model_7_equations()
    draws = bootstrap.bootstrap_ols([m, y], [X_m, X_y], n_boot, seed)
    rows = bootstrap.bootstrap_rows(n, n_boot, seed)
    for b in range(n_boot):
        r = rows[b]
        expected_m = np.linalg.lstsq(X_m[r], m[r], rcond=None)[0]
        expected_y = np.linalg.lstsq(X_y[r], y[r], rcond=None)[0]
        assert draws.params[0][b] == pytest.approx(expected_m, rel=1e-8, abs=1e-10)
        assert draws.params[1][b] == pytest.approx(expected_y, rel=1e-8, abs=1e-10)


def test_resamples_follow_the_documented_scheme(monkeypatch):
    # Small blocks force several: 7 rows, 20 cells a block = 2 resamples a block, 12 blocks.
    monkeypatch.setattr(bootstrap, "_BLOCK", 20)
    n, n_boot, seed = 7, 23, 3
    assert bootstrap.resamples_per_block(n) == 2
    children = np.random.SeedSequence(seed).spawn(12)
    sizes = [2] * 11 + [1]
    rows = np.vstack(
        [
            np.random.default_rng(child).integers(0, n, size=(size, n), dtype=np.uint16)
            for child, size in zip(children, sizes, strict=True)
        ]
    )
    assert np.array_equal(bootstrap.bootstrap_rows(n, n_boot, seed), rows)
    expected = np.array([np.bincount(r, minlength=n) for r in rows], dtype=float)
    got = np.vstack([c.copy() for _, c in bootstrap.bootstrap_counts(n, n_boot, seed)])
    assert np.array_equal(got, expected)
    # Each row is drawn with probability 1/n: over many resamples every row is drawn about
    # n_boot times (counts per row sum to n_boot * n / n; SD about sqrt(n_boot)).
    many = np.vstack([c.copy() for _, c in bootstrap.bootstrap_counts(n, 7000, 1)])
    assert np.all(many.sum(axis=1) == n)
    assert np.all(np.abs(many.sum(axis=0) - 7000) < 5 * np.sqrt(7000))


def test_same_numbers_with_any_number_of_threads(monkeypatch):
    # 40 resamples a block, so 500 resamples make 13 blocks shared among the threads.
    monkeypatch.setattr(bootstrap, "_BLOCK", 40 * len(DATA))
    m, y, X_m, X_y = model_7_equations()
    runs = [bootstrap.bootstrap_ols([m, y], [X_m, X_y], 500, 8, threads=t) for t in (1, 2, 3)]
    for run in runs[1:]:
        for ours, first in zip(run.params, runs[0].params, strict=True):
            assert np.array_equal(ours, first)
    # The first 200 resamples of a run of 500 are a run of 200.
    shorter = bootstrap.bootstrap_ols([m, y], [X_m, X_y], 200, 8, threads=2)
    assert np.array_equal(shorter.params[1], runs[0].params[1][:200])
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        bootstrap.bootstrap_ols([m], [X_m], 10, 1, threads=0)


def test_bootstraps_running_at_once_share_no_count_buffer(monkeypatch):
    # Count buffers are kept from one call for the next; two calls at once (from two threads
    # of the caller, each with two workers) must still each get their own.
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(bootstrap, "_BLOCK", 40 * len(DATA))
    m, y, X_m, X_y = model_7_equations()
    seeds = [3, 4, 5, 6]
    alone = [bootstrap.bootstrap_ols([m, y], [X_m, X_y], 400, s, threads=1) for s in seeds]
    with ThreadPoolExecutor(2) as pool:
        together = list(
            pool.map(
                lambda s: bootstrap.bootstrap_ols([m, y], [X_m, X_y], 400, s, threads=2), seeds
            )
        )
    assert not np.array_equal(alone[0].params[1], alone[1].params[1])
    for one, other in zip(alone, together, strict=True):
        for ours, first in zip(other.params, one.params, strict=True):
            assert np.array_equal(ours, first)


def test_singular_and_nearly_singular_normal_equations_give_nan():
    good = np.array([[2.0, 0.5], [0.5, 1.0]])
    nearly = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-13]])
    exactly = np.array([[1.0, 1.0], [1.0, 1.0]])
    rhs = np.array([[1.0, 2.0]] * 3)
    for batch in (np.stack([good, nearly, good]), np.stack([good, exactly, nearly])):
        beta = bootstrap._batched_solve(batch, rhs)
        assert beta[0] == pytest.approx(np.linalg.solve(good, rhs[0]))
        assert np.isnan(beta[1]).all()
    assert np.isnan(bootstrap._batched_solve(np.stack([good, exactly, nearly]), rhs)[2]).all()


def test_seed_reproduces_and_another_seed_differs():
    first, again, other = (_fit(7, n_boot=500, seed=s) for s in (3, 3, 4))
    assert first.indirect.equals(again.indirect)
    assert not np.allclose(first.indirect["boot_ci_low"], other.indirect["boot_ci_low"])


def test_singular_resamples_are_dropped_and_counted():
    frame = pd.DataFrame(
        {
            "x": [1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            "m": [1.2, 0.3, 0.1, 0.5, 0.4, 0.2, 0.6, 0.3, 0.2, 0.1, 1.5, 0.4],
            "y": [3.1, 1.0, 0.8, 1.5, 1.2, 0.9, 1.7, 1.1, 0.9, 0.7, 3.4, 1.3],
        }
    )
    fit = mod.fit_mediation(frame, "y", "x", "m", n_boot=2000, seed=1)
    # Both rows with x = 1 are left out of a resample with probability (10/12)**12 = 11%.
    assert 120 < fit.n_boot_failed < 330
    assert "dropped" in fit.conventions and np.isfinite(fit.indirect["boot_se"]).all()


def test_percentile_interval_uses_linear_interpolation():
    draws = np.arange(1.0, 102.0)  # 1..101: the 2.5% quantile (type 7) is 3.5
    se, lo, hi = bootstrap.percentile_interval(draws, 0.05)
    assert (lo[0], hi[0]) == (3.5, 98.5) and se[0] == pytest.approx(np.std(draws, ddof=1))


# ---- results objects and bad input -------------------------------------------------------


def test_results_object_tables_text_and_plot(fits):
    fit = fits[7]
    table = fit.to_frame()
    assert set(table["kind"]) == {"path", "indirect", "index of moderated mediation"}
    assert (table.loc[table["kind"] == "indirect", "interval"] == "percentile bootstrap").all()
    report = fit.report()
    assert "PROCESS model 7" in report and "percentile bootstrap" in report
    assert "Cross-sectional data cannot tell" in report
    payload = fit.to_dict()
    assert payload["bootstrap"] == {
        "resamples": B,
        "seed": 7,
        "failed": 0,
        "interval": "percentile",
    }
    assert isinstance(payload["df_resid"]["m"], int)
    json.dumps(payload, allow_nan=False)
    fig = fit.plot()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert f"a3 = {fit.path('a3'):.3f}" in texts and "index of moderated mediation" in texts


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": 7}, "model 7 needs a moderator"),
        ({"moderator": "w", "model": 4}, "model 4 has no moderator"),
        ({"model": 5}, "model must be one of 4, 7, 14"),
        ({"n_boot": 0}, "positive integer"),
        ({"mediator": "nope"}, "column 'nope' not found"),
        ({"mediator": "x"}, "only one role"),
    ],
)
def test_bad_input_names_the_problem(kwargs, message):
    arguments = {"outcome": "y", "predictor": "x", "mediator": "m", "n_boot": 10, **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        mod.fit_mediation(DATA, **arguments)


def test_constant_mediator_is_refused():
    frame = DATA.assign(m=1.0)
    with pytest.raises(ValueError, match="mediator 'm' is constant"):
        mod.fit_mediation(frame, "y", "x", "m", n_boot=10)
