"""The ``implsupport moderation`` command on CSV files as researchers have them.

Results are checked against independent numpy computations (OLS, the HC3 sandwich, Johnson–
Neyman bounds found by root finding); every bad input gives one line on stderr, exit status
2 and nothing on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from implsupport import cli

DISASTER = Path(__file__).parent / "data" / "disaster.csv"
COLUMNS = ["--outcome", "justify score", "--predictor", "cond.frame", "--moderator", "sk.eptic"]


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The disaster data with awkward names, an unnamed index column and a text column."""
    frame = pd.read_csv(DISASTER).rename(
        columns={"justify": "justify score", "frame": "cond.frame", "skeptic": "sk.eptic"}
    )
    frame["site name"] = [f"site {i}" for i in frame["id"]]
    path = tmp_path_factory.mktemp("csv") / "messy data.csv"
    frame.to_csv(path)  # writes the index as a first column with an empty header
    return path, frame


def run(argv, capsys):
    code = cli.main(["moderation", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _independent(frame: pd.DataFrame, hc3: bool):
    y = frame["justify score"].to_numpy()
    x, w = frame["cond.frame"].to_numpy(float), frame["sk.eptic"].to_numpy()
    X = np.column_stack([np.ones(len(y)), x, w, x * w])
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ X.T @ y
    resid = y - X @ beta
    n, k = X.shape
    if hc3:
        h = np.einsum("ij,jk,ik->i", X, bread, X)
        cov = bread @ (X * (resid**2 / (1 - h) ** 2)[:, None]).T @ X @ bread
    else:
        cov = bread * (resid @ resid) / (n - k)
    return beta, cov, n - k


@pytest.mark.parametrize("se", ["classical", "hc3"])
def test_json_matches_independent_computation(messy, capsys, se):
    path, frame = messy
    code, out, err = run([path, *COLUMNS, "--se", se, "--probe", "2,5", "--json"], capsys)
    assert code == 0 and err == ""
    result = json.loads(out)
    beta, cov, df = _independent(frame, hc3=se == "hc3")
    se_ = np.sqrt(np.diag(cov))
    terms = ["constant", "cond.frame", "sk.eptic", "cond.frame:sk.eptic"]
    assert list(result["coefficients"]) == terms
    crit = stats.t.ppf(0.975, df)
    for i, term in enumerate(terms):
        row = result["coefficients"][term]
        assert row["estimate"] == pytest.approx(beta[i], rel=1e-9)
        assert row["se"] == pytest.approx(se_[i], rel=1e-9)
        assert row["t"] == pytest.approx(beta[i] / se_[i], rel=1e-9)
        assert row["p"] == pytest.approx(2 * stats.t.sf(abs(beta[i] / se_[i]), df), rel=1e-7)
        assert row["ci_low"] == pytest.approx(beta[i] - crit * se_[i], rel=1e-9)
        assert row["ci_high"] == pytest.approx(beta[i] + crit * se_[i], rel=1e-9)
    assert result["r2"] == pytest.approx(0.2463, abs=5e-5)
    assert result["r2_change"] == pytest.approx(0.0482, abs=5e-5)
    assert {"F", "df1", "df2", "p"} <= set(result["r2_change_test"])
    t_int = beta[3] / se_[3]
    assert result["r2_change_test"]["F"] == pytest.approx(t_int**2, rel=1e-9)  # F(1, df) = t²
    assert result["r2_change_test"]["p"] == pytest.approx(2 * stats.t.sf(abs(t_int), df), rel=1e-7)
    # simple slopes at w = 2 and 5
    for row, w0 in zip(result["conditional_effects"], [2.0, 5.0], strict=True):
        g = np.array([0, 1, 0, w0])
        assert row["moderator_value"] == w0
        assert row["effect"] == pytest.approx(g @ beta, rel=1e-9)
        assert row["se"] == pytest.approx(np.sqrt(g @ cov @ g), rel=1e-9)
        assert set(row) >= {"moderator_value", "effect", "se", "t", "p"}

    # Johnson–Neyman by root finding on |t(w)| = t_crit
    def excess(w0):
        g = np.array([0, 1, 0, w0])
        return abs(g @ beta) / np.sqrt(g @ cov @ g) - crit

    jn = result["johnson_neyman"]
    lower, upper = jn["bounds"]
    assert optimize.brentq(excess, 0, 2.5) == pytest.approx(lower, abs=1e-7)
    assert optimize.brentq(excess, 2.5, 8) == pytest.approx(upper, abs=1e-7)
    assert jn["significant_region"] == "outside"
    assert jn["observed_range"] == [1.0, 9.0]


def test_text_report_is_process_style(messy, capsys):
    path, _ = messy
    code, out, err = run([path, *COLUMNS, "--probe", "percentiles"], capsys)
    assert code == 0 and err == ""
    for text in (
        "R2 = 0.2463",
        "MSE = 0.6609",
        "F(3, 207) = 22.5430",
        "R2 change = 0.0482",
        "16th percentile",
        "1.592",
        "Bounds: 1.1713 and 3.9339",
        "observed range of sk.eptic is [1, 9]",
    ):
        assert text in out


def test_options_center_covariates_fdr_alpha(messy, capsys):
    path, _ = messy
    code, out, _ = run(
        [
            path,
            *COLUMNS,
            "--center",
            "moderator",
            "--covariates",
            "donate",
            "--fdr",
            "--alpha",
            "0.1",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    result = json.loads(out)
    assert result["covariates"] == ["donate"] and "donate" in result["coefficients"]
    assert result["centering"]["sk.eptic"] == pytest.approx(3.377962085, abs=1e-8)
    assert result["johnson_neyman"]["fdr"] is True
    assert result["alpha"] == 0.1
    assert result["df_resid"] == 206


def test_missing_values_are_dropped_and_counted(tmp_path, capsys):
    frame = pd.read_csv(DISASTER)
    frame.loc[[2, 8], "justify"] = np.nan
    path = tmp_path / "holes.csv"
    frame.to_csv(path, index=False)
    args = [path, "--outcome", "justify", "--predictor", "frame", "--moderator", "skeptic"]
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0
    assert json.loads(out)["n"] == 209 and json.loads(out)["n_dropped"] == 2
    assert err.count("\n") == 1 and "2 of 211 rows" in err
    code, out, err = run([*args, "--no-drop"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "2 of 211 rows have missing values" in err


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1"])
def test_spreadsheet_encodings_are_read(tmp_path, capsys, encoding):
    frame = pd.read_csv(DISASTER)
    frame["note"] = "café"  # a non-ASCII text column that is not analysed
    path = tmp_path / "excel.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    code, out, err = run([path, *BASE, "--json"], capsys)
    assert code == 0 and err == ""
    assert json.loads(out)["r2"] == pytest.approx(0.2463, abs=5e-5)


def _write(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _raw(path, content: bytes):
    path.write_bytes(content)
    return path


BASE = ["--outcome", "justify", "--predictor", "frame", "--moderator", "skeptic"]


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        (lambda d, t: t / "absent.csv", [], "absent.csv: no such file"),
        (lambda d, t: t, [], "is a folder"),
        (
            lambda d, t: _raw(t / "binary.csv", b"\xff\xfe\x00garbage"),
            [],
            "cannot be read as a CSV file (it contains binary data)",
        ),
        (
            lambda d, t: _raw(t / "empty.csv", b""),
            [],
            "cannot be read as a CSV file",
        ),
        (
            lambda d, t: _write(t, "renamed.csv", d.rename(columns={"skeptic": "skeptical"})),
            [],
            "column 'skeptic' not found; available columns: ['id', 'frame', 'donate', "
            "'justify', 'skeptical']",
        ),
        (
            # A text moderator is categorical; with one group it cannot moderate.
            lambda d, t: _write(
                t, "text.csv", d.astype({"skeptic": object}).assign(**{"skeptic": "high"})
            ),
            [],
            "the moderator 'skeptic' has only one group",
        ),
        (
            # A column of numbers with one stray word is a mistake, named by its row.
            lambda d, t: _write(
                t,
                "typo.csv",
                d.astype({"skeptic": object}).assign(
                    skeptic=lambda f: ["high", *f["skeptic"].iloc[1:]]
                ),
            ),
            [],
            "column 'skeptic' must be numeric but row 1",
        ),
        (
            lambda d, t: _write(t, "constant.csv", d.assign(skeptic=3.0)),
            [],
            "moderator 'skeptic' is constant",
        ),
        (lambda d, t: _write(t, "few.csv", d.head(3)), [], "too few rows: 3 complete rows"),
        (lambda d, t: _write(t, "ok.csv", d), ["--alpha", "1.2"], "--alpha must be strictly"),
        (lambda d, t: _write(t, "ok.csv", d), ["--alpha", "0"], "--alpha must be strictly"),
        (lambda d, t: _write(t, "ok.csv", d), ["--probe", "low,high"], "--probe must be"),
        (lambda d, t: _write(t, "ok.csv", d), ["--covariates", "age"], "column 'age' not found"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, make, extra, message):
    frame = pd.read_csv(DISASTER)
    path = make(frame, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run([path, *BASE, *extra], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("implsupport")
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--se", "hc9"], "invalid choice: 'hc9'"),
        (["--center", "mean"], "invalid choice: 'mean'"),
        (["--alpha", "abc"], "invalid float value: 'abc'"),
    ],
)
def test_argument_mistakes_are_one_line_exit_2(capsys, extra, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["moderation", str(DISASTER), *BASE, *extra])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert out == "" and err.count("\n") == 1 and message in err


def test_fewer_rows_than_parameters_with_covariates(tmp_path, capsys):
    frame = pd.read_csv(DISASTER).head(5)
    path = _write(tmp_path, "five.csv", frame)
    code, out, err = run([path, *BASE, "--covariates", "donate,id"], capsys)
    assert code == 2 and out == ""
    assert "too few rows: 5 complete rows for 6 parameters" in err


def test_console_command_exit_status(tmp_path):
    """The real command: a usage mistake is one line, status 2, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "implsupport.cli", "moderation", str(tmp_path / "none.csv"), *BASE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


# ---- the bootstrap of logistic moderation --------------------------------------------------

LOGISTIC = Path(__file__).parent / "oracle" / "logistic_bootstrap_data.csv"


def test_logistic_bootstrap_matches_r_within_monte_carlo_error(capsys):
    # R: glm and a case-resampling bootstrap (tests/oracle/logistic_bootstrap.R), B = 4000 on
    # each side. Between two independent runs a bootstrap SE differs by about 2% of itself and
    # a 2.5% or 97.5% percentile by about 0.06 SE (more in a skewed tail); tolerances are
    # several times that.
    ref = json.loads((LOGISTIC.parent / "logistic_bootstrap.json").read_text())
    argv = [LOGISTIC, "--outcome", "y", "--predictor", "x", "--moderator", "w"]
    code, out, err = run(
        [*argv, "--covariates", "c", "--boot", 4000, "--seed", 5, "--json"], capsys
    )
    assert code == 0 and "logistic moderation model is fitted" in err
    result = json.loads(out)
    assert result["model"] == "logistic" and result["bootstrap"]["resamples"] == 4000
    assert result["bootstrap"]["failed"] == ref["failed"] == 0
    effects = pd.DataFrame(result["conditional_effects"])
    assert effects["moderator_value"].to_numpy() == pytest.approx(ref["probes"], rel=1e-12)
    assert effects["effect"].to_numpy() == pytest.approx(ref["estimate"], rel=1e-7)
    se = np.asarray(ref["boot_se"])
    assert effects["boot_se"].to_numpy() == pytest.approx(se, rel=0.1)
    for bound in ("boot_ci_low", "boot_ci_high"):
        gap = np.abs(effects[bound].to_numpy() - np.asarray(ref[bound])) / se
        assert np.all(gap < 0.35), (bound, gap)


def test_logistic_bootstrap_drops_resamples_without_a_fit():
    from implsupport.moderation import bootstrap

    # x separates the 0s from the 1s except at rows 0 and 1: a resample without them has no
    # maximum-likelihood fit (the estimates run off to infinity).
    rng = np.random.default_rng(4)
    x = np.sort(rng.normal(size=30))
    y = (x > 0).astype(float)
    y[0], y[-1] = 1.0, 0.0
    X = np.column_stack([np.ones(30), x])
    import statsmodels.api as sm

    start = sm.Logit(y, X).fit(disp=0).params
    draws = bootstrap.bootstrap_logistic(y, X, 300, 2, start)
    rows = bootstrap.bootstrap_rows(30, 300, 2)
    separated = ~(np.isin(rows, 0).any(axis=1) | np.isin(rows, 29).any(axis=1))
    assert separated.sum() > 10
    assert np.isnan(draws.params[0][separated]).all()
    assert draws.n_failed >= separated.sum() and np.isfinite(draws.params[0][draws.ok]).all()
    kept = np.flatnonzero(draws.ok)[:3]
    for b in kept:
        expected = sm.Logit(y[rows[b]], X[rows[b]]).fit(disp=0, tol=1e-12).params
        assert draws.params[0][b] == pytest.approx(expected, rel=1e-7, abs=1e-9)
