"""Kaplan–Meier, its intervals, the median and the log-rank test against R's survival package.

The reference values were computed by tests/oracle/km_survival.R (survfit, quantile, survdiff) on
the made-up data in tests/oracle/km_data.csv and stored in tests/oracle/km_survival.json, so these
tests need no R. Re-run the script to refresh them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from implsupport import sustainment

ORACLE = Path(__file__).parent / "oracle"
R = json.loads((ORACLE / "km_survival.json").read_text())
DATA = pd.read_csv(ORACLE / "km_data.csv")
SPECIAL = {
    "half": ([1, 2, 3, 5, 7, 10], [1, 1, 1, 1, 0, 0]),
    "half_last": ([1, 2, 3, 5, 7, 10], [1, 1, 1, 0, 0, 0]),
}


def _values(values: list[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _same_curve(km: sustainment.Survival, expected: dict) -> None:
    table = km.to_frame()
    assert table["time"].tolist() == expected["time"]
    assert table["n_risk"].tolist() == expected["n_risk"]
    assert table["n_events"].tolist() == expected["n_events"]
    for ours, theirs in (
        ("survival", "survival"),
        ("se", "se"),
        ("lower", "lower"),
        ("upper", "upper"),
    ):
        np.testing.assert_allclose(
            table[ours].to_numpy(), _values(expected[theirs]), rtol=1e-10, atol=1e-12
        )


def _same_median(km: sustainment.Survival, expected: dict) -> None:
    median = km.median()
    got = [median.median, median.lower, median.upper]
    want = [expected["median"], expected["lower"], expected["upper"]]
    for g, w in zip(got, want, strict=True):
        assert (math.isnan(g) and w is None) or g == pytest.approx(w, abs=1e-12), (got, want)


@pytest.mark.parametrize("case", R["overall"], ids=lambda c: f"{c['conf_type']}-{c['level']}")
def test_curve_se_interval_and_median_match_r(case: dict) -> None:
    km = sustainment.kaplan_meier(
        DATA["years"],
        DATA["closed"],
        alpha=round(1 - case["level"], 10),
        conf_type=case["conf_type"],
    )
    _same_curve(km, case)
    _same_median(km, case["median"])


@pytest.mark.parametrize("group", sorted(R["groups"]))
def test_each_group_matches_r_including_a_curve_that_ends_at_zero(group: str) -> None:
    rows = DATA[DATA["arm"] == group]
    km = sustainment.kaplan_meier(rows["years"], rows["closed"])
    _same_curve(km, R["groups"][group])
    _same_median(km, R["groups"][group]["median"])


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_a_curve_flat_at_one_half_gives_r_s_midpoint_median(name: str) -> None:
    km = sustainment.kaplan_meier(*SPECIAL[name])
    _same_curve(km, R["special"][name])
    _same_median(km, R["special"][name]["median"])


@pytest.mark.parametrize(("key", "arms"), [("logrank", "ABCD"), ("logrank_ab", "AB")])
def test_log_rank_matches_r_survdiff(key: str, arms: str) -> None:
    rows = DATA[DATA["arm"].isin(list(arms))]
    grouped = sustainment.kaplan_meier_by_group(rows["years"], rows["closed"], rows["arm"])
    test, expected = grouped.test, R[key]
    assert list(test.groups) == expected["groups"]
    assert list(test.n) == expected["n"] and list(test.observed) == expected["observed"]
    np.testing.assert_allclose(test.expected, expected["expected"], rtol=1e-10)
    assert test.df == expected["df"]
    assert test.chisq == pytest.approx(expected["chisq"], rel=1e-10)
    assert test.p_value == pytest.approx(expected["p_value"], rel=1e-8)
    table = grouped.to_frame()
    assert table["group"].tolist() == expected["groups"]
    assert table["events"].tolist() == expected["observed"]


def test_grouped_curves_are_each_group_s_own_fit() -> None:
    grouped = sustainment.kaplan_meier_by_group(DATA["years"], DATA["closed"], DATA["arm"])
    assert list(grouped.curves) == ["A", "B", "C", "D"]
    for name, curve in grouped.curves.items():
        _same_curve(curve, R["groups"][name])


def test_bad_groups_and_options_are_refused() -> None:
    with pytest.raises(ValueError, match="at least two groups"):
        sustainment.log_rank([1, 2, 3], [1, 0, 1], ["a", "a", "a"])
    with pytest.raises(ValueError, match="one value per duration"):
        sustainment.log_rank([1, 2, 3], [1, 0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="conf_type must be one of log, log-log, plain"):
        sustainment.kaplan_meier([1, 2], [1, 1], conf_type="arcsine")
    with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1"):
        sustainment.kaplan_meier([1, 2], [1, 1], alpha=1.5)


def test_no_events_gives_a_flat_curve_and_no_median() -> None:
    km = sustainment.kaplan_meier([1, 2, 3], [0, 0, 0])
    assert km.to_frame().empty
    assert km.survival_at(2) == 1.0
    assert math.isnan(km.median().median)
    assert km.rmst(3) == pytest.approx(3.0)


def test_a_group_never_at_risk_is_left_out_of_the_test_as_in_r() -> None:
    expected = R["logrank_absent"]
    rows = pd.DataFrame(expected["data"])
    test = sustainment.log_rank(rows["years"], rows["closed"], rows["arm"])
    assert expected["df"] == 1 and test.df == 1
    assert test.chisq == pytest.approx(expected["chisq"], rel=1e-10)
    assert test.p_value == pytest.approx(expected["p_value"], rel=1e-8)
    np.testing.assert_allclose(test.expected, expected["expected"], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="two or more groups with units at risk"):
        sustainment.log_rank([1, 2, 0.5], [1, 1, 0], list("aab"))
