"""Bass NLS against R (minpack.lm::nlsLM), through the library and the command line.

The reference values are in bass_nls_periods.csv, made by
``Rscript tests/oracle/bass_nls_periods.R`` from the datasets in data/ (our own; the half-year
series was drawn with m = 300, p = 0.03, q = 0.38 per year). R is not needed to run these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from implsupport import cli, diffusion

HERE = Path(__file__).parent
R = pd.read_csv(HERE / "bass_nls_periods.csv")
YEARLY = pd.read_csv(HERE / "data" / "bass_yearly.csv")
HALF = pd.read_csv(HERE / "data" / "bass_halfyear.csv")

#: (dataset, form) -> the library call that should reproduce R's fit
FITS = {
    ("yearly", "interval"): lambda: diffusion.fit_bass_nls(YEARLY["adoptions"]),
    ("yearly", "density"): lambda: diffusion.fit_bass_nls(YEARLY["adoptions"], form="density"),
    ("yearly_first8", "interval"): lambda: diffusion.fit_bass_nls(YEARLY["adoptions"][:8]),
    ("halfyear", "interval"): lambda: diffusion.fit_bass_nls(HALF["adoptions"], HALF["period_end"]),
    ("halfyear", "density"): lambda: diffusion.fit_bass_nls(
        HALF["adoptions"], HALF["period_end"], form="density"
    ),
}


def reference(dataset: str, form: str) -> pd.DataFrame:
    return R[(R["dataset"] == dataset) & (R["form"] == form)].set_index("parameter")


@pytest.mark.parametrize(("dataset", "form"), list(FITS))
def test_nls_agrees_with_r_at_the_minimum(dataset: str, form: str) -> None:
    fit, ref = FITS[dataset, form](), reference(dataset, form)
    rss = fit.resid_se**2 * fit.df_resid
    # R stops within about 2e-8 of the minimum (its derivatives are numerical); ours is exact.
    np.testing.assert_allclose(fit.params[ref.index], ref["estimate"], rtol=1e-7)
    np.testing.assert_allclose(fit.bse[ref.index], ref["std_error"], rtol=2e-7)
    assert fit.df_resid == ref["df_resid"].iloc[0]
    # Not above R's minimum (beyond rounding of a sum of squares).
    assert rss <= ref["rss"].iloc[0] * (1 + 1e-12)
    # Every digit the command line prints (6 significant) is R's.
    for name in ref.index:
        assert f"{fit.params[name]:.6g}" == f"{ref.loc[name, 'estimate']:.6g}"
        assert f"{fit.bse[name]:.4g}" == f"{ref.loc[name, 'std_error']:.4g}"


@pytest.mark.parametrize(("dataset", "form"), list(FITS))
def test_nls_stops_closer_to_the_minimum_than_r(dataset: str, form: str) -> None:
    # The gradient of the sum of squares, J'r, at our estimates and at R's.
    fit, ref = FITS[dataset, form](), reference(dataset, form)
    if dataset == "halfyear":
        starts, ends = diffusion._period_bounds(HALF["period_end"].to_numpy(float), None)
    else:
        starts, ends = diffusion._period_bounds(np.arange(1.0, fit.nobs + 1), None)
    mean = diffusion._nls_mean(form, starts, ends)

    def gradient(params: np.ndarray) -> float:
        theta = np.log(params)
        jac = diffusion._complex_step_jacobian(mean, theta)
        return float(np.linalg.norm(jac.T @ (fit.counts - mean(theta))))

    ours = gradient(fit.params[["m", "p", "q"]].to_numpy())
    assert ours <= gradient(ref.loc[["m", "p", "q"], "estimate"].to_numpy())
    assert ours < 1e-8 * np.sum(fit.counts**2) ** 0.5


def test_half_year_periods_recover_the_true_market() -> None:
    # Treated as unit periods (the old behaviour), m came out near half its true value.
    fit = diffusion.fit_bass_nls(HALF["adoptions"], HALF["period_end"])
    low, high = fit.conf_int().loc["m"]
    assert low < 300 < high
    wrong = diffusion.fit_bass_nls(HALF["adoptions"])  # each half-year read as a year
    assert not np.isclose(wrong.params["p"], fit.params["p"], rtol=0.2)


def test_calendar_years_give_the_same_fit_as_periods_one_to_n() -> None:
    base = diffusion.fit_bass_nls(YEARLY["adoptions"])
    calendar = diffusion.fit_bass_nls(YEARLY["adoptions"], YEARLY["year"])
    explicit = diffusion.fit_bass_nls(YEARLY["adoptions"], YEARLY["year"], period_start=2000)
    for fit in (calendar, explicit):
        np.testing.assert_allclose(fit.params, base.params, rtol=1e-12)
        np.testing.assert_allclose(fit.bse, base.bse, rtol=1e-9)


def test_a_start_time_after_the_first_end_is_refused() -> None:
    with pytest.raises(ValueError, match="must start before it ends"):
        diffusion.fit_bass_nls(YEARLY["adoptions"], YEARLY["year"], period_start=2001)


def printed_table(stdout: str) -> pd.DataFrame:
    return pd.DataFrame(json.loads(stdout)["parameters"]).set_index("parameter")


@pytest.mark.parametrize(
    ("dataset", "form", "file", "time"),
    [
        ("yearly", "interval", "bass_yearly.csv", "year"),  # calendar years
        ("yearly", "density", "bass_yearly.csv", None),
        ("halfyear", "interval", "bass_halfyear.csv", "period_end"),
        ("halfyear", "density", "bass_halfyear.csv", "period_end"),
    ],
)
def test_command_line_prints_r_digits(
    dataset: str, form: str, file: str, time: str | None, capsys: pytest.CaptureFixture
) -> None:
    args = ["diffusion", "fit", str(HERE / "data" / file), "--counts", "adoptions", "--form", form]
    assert cli.main([*args, "--json", *(["--time", time] if time else [])]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no warning of any kind reaches the user
    table, ref = printed_table(out), reference(dataset, form)
    for name in ("m", "p", "q"):  # the text report's digits (6 significant) are R's
        assert f"{table.loc[name, 'estimate']:.6g}" == f"{ref.loc[name, 'estimate']:.6g}"
        assert f"{table.loc[name, 'std_error']:.6g}" == f"{ref.loc[name, 'std_error']:.6g}"
    text_args = [a for a in args if a != "--json"] + (["--time", time] if time else [])
    assert cli.main(text_args) == 0
    text = capsys.readouterr().out
    for name in ("m", "p", "q"):
        assert f"{ref.loc[name, 'estimate']:.6g}" in text
