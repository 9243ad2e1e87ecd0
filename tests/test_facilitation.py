"""Published results on facilitation: conversions, recomputation, the dataset and its figure."""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from implsupport import data, facilitation

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results() -> facilitation.PublishedResults:
    return facilitation.published_results()


# ---- conversions -------------------------------------------------------------------------


def test_logistic_factor_is_the_sd_of_the_standard_logistic() -> None:
    # An independent implementation: scipy's logistic distribution.
    assert math.isclose(facilitation.LOGISTIC_FACTOR, stats.logistic.std(), rel_tol=1e-12)


def test_smd_to_odds_ratio_reproduces_baskerville_2012() -> None:
    # Baskerville, Liddy & Hogg (2012): SMD 0.56 (0.43-0.68) and OR 2.76 (2.18-3.43).
    for smd, odds_ratio in ((0.56, 2.76), (0.43, 2.18), (0.68, 3.43)):
        assert round(facilitation.smd_to_odds_ratio(smd), 2) == odds_ratio
    assert facilitation.smd_to_odds_ratio(0.0) == 1.0


@given(st.floats(min_value=-3, max_value=3, allow_nan=False))
def test_odds_ratio_and_smd_are_inverse(smd: float) -> None:
    odds_ratio = facilitation.smd_to_odds_ratio(smd)
    assert facilitation.odds_ratio_to_smd(odds_ratio) == pytest.approx(smd, abs=1e-12)
    if abs(smd) > 1e-9:  # below that exp() rounds to exactly 1
        assert (odds_ratio > 1) == (smd > 0)


@pytest.mark.parametrize("bad", [None, "0.5", True, math.nan, math.inf])
def test_conversions_refuse_non_numbers(bad) -> None:
    with pytest.raises(TypeError, match="smd must be a finite number"):
        facilitation.smd_to_odds_ratio(bad)


@pytest.mark.parametrize("bad", [0, -1.5])
def test_odds_ratio_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="odds_ratio must be positive"):
        facilitation.odds_ratio_to_smd(bad)


def test_percentage_point_difference() -> None:
    # Kilbourne et al. (2015): 41% with added facilitation vs 31% without.
    assert facilitation.percentage_point_difference(41, 31) == 10
    assert facilitation.percentage_point_difference(31, 41) == -10
    with pytest.raises(ValueError, match="intervention must be a percentage"):
        facilitation.percentage_point_difference(141, 31)
    with pytest.raises(TypeError, match="comparison must be a finite number"):
        facilitation.percentage_point_difference(41, "31")


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("< .001", True),
        ("< 0.001", True),
        ("0.029", True),
        (".01", True),
        ("0.232", False),
        ("0.350", False),
        ("0.05", False),
        ("< .05", True),
        ("< .10", False),
        ("= 0.04", True),
        ("", None),
        (None, None),
    ],
)
def test_below_alpha_reads_printed_p_values(printed, expected) -> None:
    assert facilitation.below_alpha(printed) is expected


@pytest.mark.parametrize("bad", ["p < .05", "ns", "1.5", "<"])
def test_below_alpha_names_an_unreadable_p_value(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        facilitation.below_alpha(bad)


def test_range_under_rounding_bounds_a_sum() -> None:
    # 1 and 2 printed without decimals could be 0.5-1.5 and 1.5-2.5.
    assert facilitation.range_under_rounding(lambda a, b: a + b, [(1, 0), (2, 0)]) == (2.0, 4.0)
    low, high = facilitation.range_under_rounding(facilitation.smd_to_odds_ratio, [(0.56, 2)])
    assert low == pytest.approx(math.exp(0.555 * math.pi / math.sqrt(3)))
    assert high == pytest.approx(math.exp(0.565 * math.pi / math.sqrt(3)))
    with pytest.raises(ValueError, match="at least one"):
        facilitation.range_under_rounding(lambda: 0.0, [])


# ---- recomputation -----------------------------------------------------------------------


def test_recomputation_agrees_with_every_published_value(results) -> None:
    recomputation = results.recompute()
    table = recomputation.to_frame()
    compared = table[table["published"].notna()]
    assert len(compared) == 9 and compared["agrees"].all()
    assert recomputation.all_agree
    assert "9 of 9" in repr(recomputation)


def test_recomputed_values(results) -> None:
    table = results.recompute().to_frame().set_index("quantity")
    z = table.loc["z of the SMD, from its 95% interval"]
    # SE = (0.68 - 0.43) / (2 * 1.96) = 0.06378; z = 0.56 / SE = 8.78 (published 8.76).
    assert z["recomputed"] == pytest.approx(0.56 / (0.25 / (2 * 1.959964)), rel=1e-6)
    assert z["range_low"] < 8.76 < z["range_high"]
    uptake = table.loc["difference in uptake, percentage points"]
    assert uptake["recomputed"] == 10 and pd.isna(uptake["published"])
    assert uptake["agrees"] is None


def test_recomputation_summary_for_people(results) -> None:
    summary = results.recompute().summary()
    assert list(summary.columns) == [
        "study",
        "quantity",
        "recomputed",
        "range under rounding",
        "published",
        "agrees",
    ]
    assert summary["agrees"].tolist().count("yes") == 9
    assert summary["agrees"].iloc[-1] == "(derived)"
    assert summary["published"].iloc[-1] == "nothing published"
    assert summary["recomputed"].iloc[0] == f"{math.exp(0.56 * math.pi / math.sqrt(3)):.3f}"


def test_one_row_per_study(results) -> None:
    studies = results.studies()
    assert len(studies) == 6 and studies["study"].is_unique
    assert list(studies.columns) == ["study", "design", "sample", "comparison"]


def test_recomputation_notices_a_wrong_published_value(results) -> None:
    table = results.table.copy()
    table.loc[table["result_id"] == "baskerville2012-or", "estimate"] = 2.86
    table.loc[table["result_id"] == "smith2020-all", "estimate"] = 4.6
    recomputation = facilitation.published_results(table).recompute()
    frame = recomputation.to_frame()
    wrong = frame.loc[frame["agrees"] == False, "quantity"].tolist()  # noqa: E712
    assert wrong == ["odds ratio from the SMD", "estimate as the midpoint of its interval"]
    assert not recomputation.all_agree


# ---- the dataset -------------------------------------------------------------------------


def test_dataset_rows_are_sourced_and_labelled(results) -> None:
    table = results.table
    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))
    assert set(table["source"]) <= keys
    assert table["reference"].str.len().min() > 40
    assert set(table["label"]) <= {"V", "V-sec", "DERIVED"}
    assert table["study"].nunique() == 6


def test_every_interval_holds_its_estimate(results) -> None:
    with_ci = results.table.dropna(subset=["ci_low", "ci_high"])
    assert len(with_ci) == 5
    assert (
        (with_ci["ci_low"] <= with_ci["estimate"]) & (with_ci["estimate"] <= with_ci["ci_high"])
    ).all()


def test_missing_values_stay_missing(results) -> None:
    table = results.table.set_index("result_id")
    fire = table.loc["seers2018-compliance"]
    assert fire[["estimate", "ci_low", "ci_high", "null_value"]].isna().all()
    assert "no significant differences" in fire["reported_as"]
    # Kirchner et al. printed no intervals; Kilbourne et al. printed arms, not an effect.
    assert table.loc[table["source"] == "kirchner2014partnered", "ci_low"].isna().all()
    assert pd.isna(table.loc["kilbourne2015-uptake", "estimate"])


def test_dataset_is_described_as_real_with_sources() -> None:
    spec = next(r for r in data.descriptor()["resources"] if r["name"] == "facilitation_trials")
    assert not spec.get("simulated", False)
    assert len(spec["sources"]) == 6 and all(
        s["path"].startswith("https://doi.org/") for s in spec["sources"]
    )


# ---- results object ----------------------------------------------------------------------


def test_table_for_people(results) -> None:
    frame = results.to_frame()
    assert list(frame.index) == list(range(len(frame)))
    verdict = dict(
        zip(results.table["result_id"], frame["p < .05 or CI excludes no difference"], strict=True)
    )
    assert verdict["kirchner2014-effectiveness"] == "no"
    assert verdict["smith2020-adopters"] == "no"
    assert verdict["smith2020-non-adopters"] == "yes"
    assert verdict["seers2018-compliance"] == "not read"
    assert "13 results from 6 studies" in repr(results)


def test_published_results_checks_its_input(results) -> None:
    with pytest.raises(ValueError, match="lacks the column\\(s\\) metric"):
        facilitation.published_results(results.table.drop(columns="metric"))
    doubled = pd.concat([results.table, results.table.iloc[[0]]])
    with pytest.raises(ValueError, match="repeated: baskerville2012-smd"):
        facilitation.published_results(doubled)
    with pytest.raises(TypeError, match="DataFrame"):
        facilitation.published_results([1, 2])


def test_figure_has_one_panel_per_drawn_metric(results) -> None:
    fig = results.plot()
    axes = fig.axes
    titles = [ax.get_title(loc="left") for ax in axes]
    assert titles == [
        "Standardised mean difference",
        "Odds ratio",
        "Percentage",
        "Difference in patients",
        "Difference in change (%)",
        "No number read",
    ]
    assert "Regression coefficient" not in titles  # its scale was not read
    assert axes[1].get_xscale() == "log"
    assert not axes[-1].axison
    assert "no significant differences" in axes[-1].texts[0].get_text().replace("\n", " ")
    labels = [text.get_text() for text in axes[1].texts]
    assert labels[0] == "Baskerville et al. 2012 (converted from the SMD)"
    assert labels[1] == "Kirchner et al. 2014: Reach (RE-AIM)"
    assert "Kilbourne et al. 2015: difference +10 points" in [t.get_text() for t in axes[2].texts]
