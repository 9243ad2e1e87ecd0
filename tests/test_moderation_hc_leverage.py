"""HC2/HC3 standard errors at a point of leverage 1 are missing, as in R, and say why.

Reference values: tests/oracle/moderation_hc_leverage.R (R's lm and sandwich::vcovHC) on
tests/oracle/moderation_hc_leverage.csv, stored in moderation_hc_leverage.json.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from implsupport import cli
from implsupport import moderation as mod

ORACLE = Path(__file__).parent / "oracle"
DATA = ORACLE / "moderation_hc_leverage.csv"
R = json.loads((ORACLE / "moderation_hc_leverage.json").read_text())
TERMS = {"(Intercept)": "constant", "x": "x", "w": "w", "pilot": "pilot", "x:w": "x:w"}


def _fit(se: str, frame: pd.DataFrame | None = None) -> mod.ModerationResult:
    frame = pd.read_csv(DATA) if frame is None else frame
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no library warning may escape
        return mod.fit_moderation(frame, "y", "x", "w", covariates=["pilot"], se=se)


def test_the_oracle_data_has_a_point_of_leverage_one():
    assert R["max_hat"] == pytest.approx(1, abs=1e-12)
    assert pd.read_csv(DATA)["pilot"].sum() == 1


@pytest.mark.parametrize("se", ["hc0", "hc1"])
def test_hc0_hc1_exist_and_match_r(se):
    fit = _fit(se)
    for r_term, term in TERMS.items():
        assert fit.params[term] == pytest.approx(R["coefficients"][r_term], rel=1e-10)
        assert fit.coefficients.loc[term, "se"] == pytest.approx(
            R[se.upper()]["se"][r_term], rel=1e-9
        )
    f_change = fit.r2_change.F
    assert f_change == pytest.approx(R[se.upper()]["wald_f_interaction"], rel=1e-9)
    assert fit.se_note is None


@pytest.mark.parametrize("se", ["hc2", "hc3"])
def test_hc2_hc3_are_missing_where_r_gives_nan(se):
    assert R[se.upper()]["all_nan"] is True
    fit = _fit(se)
    assert fit.coefficients["se"].isna().all()
    assert fit.coefficients["p"].isna().all()
    assert math.isnan(fit.r2_change.F) and math.isnan(fit.model_test["F"])
    # Estimates do not depend on the covariance.
    assert fit.params["x:w"] == pytest.approx(R["coefficients"]["x:w"], rel=1e-10)
    assert f"{se.upper()} standard errors do not exist" in fit.se_note
    assert "row 8" in fit.se_note  # the pilot row, counted as a data row
    assert fit.conditional_effects().to_frame()["se"].isna().all()
    jn = fit.johnson_neyman()
    assert jn.significant_region == "unavailable" and jn.bounds is None
    text = jn.describe()
    assert "cannot be computed" in text and "not significant" not in text
    assert jn.to_dict()["significant_intervals"] is None
    report = fit.report()
    assert "leverage 1" in report and "not significant at any value" not in report


def test_noise_is_not_reported_when_y_is_rescaled():
    """Before the fix HC3 gave a finite SE that grew by far more than 10 when y did."""
    frame = pd.read_csv(DATA)
    frame["y"] *= 10
    assert R["HC3_y_times_10_all_nan"] is True
    assert _fit("hc3", frame).coefficients["se"].isna().all()


def test_near_one_leverage_is_treated_as_one():
    frame = pd.read_csv(DATA)
    # A tiny value of 'pilot' in a second row: the pilot row's leverage is then 1 minus about
    # 1e-14, not exactly 1, and HC3 would again be noise.
    frame["pilot"] = frame["pilot"].astype(float)
    frame.loc[0, "pilot"] = 1e-7
    X = np.column_stack([np.ones(len(frame)), frame.x, frame.w, frame.x * frame.w, frame.pilot])
    leverage = (np.linalg.qr(X)[0] ** 2).sum(axis=1)
    assert 0 < 1 - leverage.max() < 1e-8
    fit = _fit("hc3", frame)
    assert fit.se_note is not None and fit.coefficients["se"].isna().all()


def test_command_line_says_why_in_one_note_and_writes_json_nulls(capsys):
    code = cli.main(
        [
            "moderation",
            str(DATA),
            "--outcome",
            "y",
            "--predictor",
            "x",
            "--moderator",
            "w",
            "--covariates",
            "pilot",
            "--se",
            "hc3",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    notes = err.strip().splitlines()
    assert len(notes) == 1 and notes[0].startswith("implsupport: note: HC3 standard errors")
    assert "Warning" not in err
    result = json.loads(out)
    assert result["coefficients"]["x:w"]["se"] is None
    assert result["r2_change_test"]["F"] is None
    assert result["johnson_neyman"]["significant_region"] == "unavailable"
    assert result["se_note"].startswith("HC3 standard errors do not exist")
    assert np.isfinite(result["coefficients"]["x:w"]["estimate"])
