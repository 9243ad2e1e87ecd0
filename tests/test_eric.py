"""ERIC tables: Wilson intervals (checked against R), endorsement levels and go-zone bounds."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from implsupport import data, eric

# tests/oracle/wilson_prop_test.R (R prop.test, correct = FALSE) and its output .out
R_WILSON = {
    (15, 25): (0.407394573590, 0.765966976223),
    (1, 25): (0.00709623350199, 0.19544063736194),
    (5, 25): (0.088605846868, 0.391309503695),
}


@pytest.mark.parametrize(("count", "n"), list(R_WILSON))
def test_wilson_interval_matches_r_prop_test(count, n):
    low, high = eric.wilson_interval(count, n)
    assert low == pytest.approx(R_WILSON[count, n][0], abs=1e-10)
    assert high == pytest.approx(R_WILSON[count, n][1], abs=1e-10)


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_share_and_stays_in_0_1(pair):
    count, n = pair
    low, high = eric.wilson_interval(count, n)
    assert 0 <= low <= count / n <= high <= 1


def test_wilson_interval_refuses_nonsense():
    for count, n in ((5, 0), (-1, 5), (6, 5)):
        with pytest.raises(ValueError):
            eric.wilson_interval(count, n)
    with pytest.raises(TypeError):
        eric.wilson_interval(2.5, 10)


def test_endorsements_recompute_the_printed_levels_and_percentages():
    table = data.load("waltz2019_reflecting_evaluating")
    result = eric.endorsements(table, n=25)
    assert (result["level"].fillna(0) == table["level"].fillna(0)).all()
    assert ((result["share"] * 100).round().astype(int) == table["percent"]).all()
    first = result.iloc[0]
    assert first["level_range"] == "1 to 2"  # 15 of 25: the interval 0.41-0.77 straddles 50%
    assert result["level_range"].iloc[-1] == "below 2"  # 1 of 25: interval 0.007-0.195


def test_go_zone_bounds_from_the_verified_rows():
    bounds = eric.go_zone_bounds(data.load("waltz2015_eric_ratings_partial"))
    # highest 'low importance' row 3.23 (Use data experts), lowest 'high' 3.63 (cyclical tests)
    assert bounds.importance == (3.23, 3.63)
    assert bounds.feasibility == (3.20, 3.37)
    assert "from 24 rows" in repr(bounds)


def test_go_zone_bounds_refuse_contradictory_quadrants():
    frame = pd.DataFrame(
        {
            "mean_importance": [4.0, 4.5],
            "mean_feasibility": [3.0, 4.0],
            "go_zone_quadrant": ["III", "I"],
        }
    )
    bounds = eric.go_zone_bounds(frame)
    assert bounds.importance == (4.0, 4.5)
    frame.loc[0, "mean_importance"] = 4.6
    with pytest.raises(ValueError, match="contradict"):
        eric.go_zone_bounds(frame)
    with pytest.raises(ValueError, match="unknown quadrant"):
        eric.go_zone_bounds(frame.assign(go_zone_quadrant=["V", "I"]))


def test_secondary_quadrants_agree_with_the_directly_read_rows():
    direct = data.load("waltz2015_eric_ratings_partial")
    secondary = data.load("waltz2015_dsi_quadrants_secondary")
    quadrant = dict(
        zip(map(eric.strategy_key, direct["strategy"]), direct["go_zone_quadrant"], strict=True)
    )
    both = secondary[secondary["in_verified_24"] == "yes"]
    assert len(both) == 6
    for name, q in zip(both["strategy"], both["go_zone_quadrant"], strict=True):
        assert quadrant[eric.strategy_key(name)] == q
    assert eric.strategy_key("Use an implementation adviser") == eric.strategy_key(
        "Use an implementation advisor"
    )
