"""Tests of implsupport.sustainment: Kaplan–Meier, RMST, the simulated cohort and the pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from implsupport import data, sustainment

# Miller (1981) AML data, maintained arm; + marks censoring (methods sheet, section 4).
AML_TIMES = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
AML_EVENTS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
AML_SURVIVAL = [0.909091, 0.818182, 0.715909, 0.613636, 0.490909, 0.368182, 0.184091]
AML_EVENT_TIMES = [9, 13, 18, 23, 31, 34, 48]


def test_kaplan_meier_matches_r_survival_on_aml():
    km = sustainment.kaplan_meier(AML_TIMES, AML_EVENTS)
    table = km.to_frame()
    assert list(table["time"]) == AML_EVENT_TIMES
    assert table["survival"].to_numpy() == pytest.approx(AML_SURVIVAL, abs=5e-7)
    assert list(table["n_risk"]) == [11, 10, 8, 7, 5, 4, 2]


def test_rmst_on_aml_is_the_area_under_the_published_curve():
    km = sustainment.kaplan_meier(AML_TIMES, AML_EVENTS)
    # Area under the published step function from 0 to 50, summed by hand.
    edges = [0, *AML_EVENT_TIMES, 50]
    heights = [1.0, *AML_SURVIVAL]
    expected = sum(h * (b - a) for h, a, b in zip(heights, edges[:-1], edges[1:], strict=True))
    assert km.rmst(50) == pytest.approx(expected, abs=1e-4)


def test_three_services_kaplan_meier_and_rmst():
    km = sustainment.kaplan_meier([2, 5, 12], [1, 1, 0])
    assert km.survival_at(1.99) == 1.0
    assert km.survival_at(2) == pytest.approx(2 / 3)
    assert km.survival_at(5) == pytest.approx(1 / 3)
    assert km.rmst(10) == pytest.approx(5.667, abs=5e-4)
    # With Metro City censored at 7 years (the follow-up the slides report): 2 + 2 + 2/3.
    assert sustainment.kaplan_meier([2, 5, 7], [1, 1, 0]).rmst(7) == pytest.approx(2 + 2 + 2 / 3)
    assert "descriptive only" in repr(km)


def test_rmst_beyond_the_data_is_refused():
    with pytest.raises(ValueError, match="horizon 20 is beyond the last observation"):
        sustainment.kaplan_meier([2, 5, 12], [1, 1, 0]).rmst(20)


def test_kaplan_meier_rejects_bad_events():
    with pytest.raises(ValueError, match=r"events must be 0 .* or 1"):
        sustainment.kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError, match="same length"):
        sustainment.kaplan_meier([1, 2], [1])


# ---- Little's law -------------------------------------------------------------------------------


def test_capacity_by_littles_law():
    team = sustainment.capacity(therapists=4, caseload=5, months=4)
    assert team.places == 20
    assert team.per_month == pytest.approx(5)
    assert team.per_year == pytest.approx(60)
    # EPISCenter: a 2-therapist team serves about 30 young people a year.
    assert sustainment.capacity(therapists=2, caseload=5, months=4).per_year == pytest.approx(30)
    # MST UK ranges: 3 therapists x 4 families over 5 months is the slowest, 4 x 6 / 3 the fastest.
    assert sustainment.capacity(3, 4, 5).per_month == pytest.approx(2.4)
    assert sustainment.capacity(4, 6, 3).per_month == pytest.approx(8)
    with pytest.raises(ValueError, match="months must be positive"):
        sustainment.capacity(4, 5, 0)


def test_simulated_pipeline_obeys_littles_law_when_not_full():
    # Below capacity no one waits, so mean caseload = referral rate x mean months (3, 4, 5 -> 4).
    run = sustainment.simulate_pipeline(2.0, months=3000, burn_in=12, seed=11)
    mean_caseload = run.history["caseload"].iloc[12:].mean()
    assert mean_caseload == pytest.approx(2.0 * 4, rel=0.03)
    assert run.utilisation == pytest.approx(8 / 20, rel=0.03)


def test_simulated_pipeline_saturates_at_capacity():
    run = sustainment.simulate_pipeline(12.0, months=1200, burn_in=12, seed=5)
    assert run.utilisation > 0.98
    # Throughput of a full team = places / mean months (5 a month).
    assert run.cases_per_year / 12 == pytest.approx(5, rel=0.03)
    assert run.cost_per_case == pytest.approx(sustainment.CARY_2013_COST_PER_CASE, rel=0.03)


def test_pipeline_sweep_is_seeded_and_finds_under_use():
    a = sustainment.pipeline_sweep([2, 4, 6], replications=5, months=36, seed=3)
    b = sustainment.pipeline_sweep([2, 4, 6], replications=5, months=36, seed=3)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    c = sustainment.pipeline_sweep([2, 4, 6], replications=5, months=36, seed=4)
    assert not a.to_frame().equals(c.to_frame())
    t = a.to_frame()
    assert t["utilisation"].is_monotonic_increasing
    assert t["cost_per_case"].is_monotonic_decreasing
    assert a.crossing in (4.0, 6.0)


def test_pipeline_bad_input():
    with pytest.raises(ValueError, match="referral_rate must be non-negative"):
        sustainment.simulate_pipeline(-1)
    with pytest.raises(ValueError, match="under_use must lie in"):
        sustainment.pipeline_sweep([1], under_use=1.5)


# ---- The simulated cohort -----------------------------------------------------------------------


def test_cohort_anchor_is_solved_exactly():
    h0, profiles = sustainment.cohort_hazards(
        anchor_survival=0.63,
        anchor_year=6,
        prevalence=(0.5, 0.4, 0.5, 0.4),
        hazard_ratios=(2.5, 2.5, 2.5, 2.0),
    )
    assert profiles["probability"].sum() == pytest.approx(1)
    expected = (profiles["probability"] * np.exp(-profiles["hazard"] * 6)).sum()
    assert expected == pytest.approx(0.63, abs=1e-10)
    assert profiles["hazard"].min() == pytest.approx(h0)


def test_large_simulated_cohort_recovers_anchor_and_hazard_ratios():
    from statsmodels.duration.hazard_regression import PHReg

    big = sustainment.simulate_cohort(n_teams=6000, follow_up=8.0, seed=99)
    # Share still running at 6 years: the anchor (Bond et al. 2014: 63% not stopped).
    running_at_6 = ((big["years"] >= 6) | (big["closed"] == 0)).mean()
    assert running_at_6 == pytest.approx(0.63, abs=0.02)
    factors = ["leadership_change", "supervisor_change", "funding_challenge", "weak_pipeline"]
    fit = PHReg(big["years"], big[factors].astype(float), status=big["closed"]).fit()
    assert np.exp(fit.params) == pytest.approx([2.5, 2.5, 2.5, 2.0], rel=0.15)


def test_cohort_is_seeded_and_matches_the_stored_file():
    a = sustainment.simulate_cohort(seed=1)
    pd.testing.assert_frame_equal(a, sustainment.simulate_cohort(seed=1))
    assert not a.equals(sustainment.simulate_cohort(seed=2))
    stored = data.load("mst_simulated_cohort")
    regenerated = data.regenerate("mst_simulated_cohort")
    path = data.data_dir() / "mst_simulated_cohort.csv"
    assert data.csv_bytes(regenerated) == path.read_bytes()
    assert len(stored) == 10
    assert set(stored["sustained"]) <= {0, 1}


def test_cohort_bad_input():
    with pytest.raises(ValueError, match="anchor_survival must lie in"):
        sustainment.simulate_cohort(anchor_survival=1.2)
    with pytest.raises(ValueError, match="n_teams must be a whole number"):
        sustainment.simulate_cohort(n_teams=2.5)


def test_results_have_frames_and_plots():
    km = sustainment.kaplan_meier([2, 5, 7], [1, 1, 0])
    assert km.plot().axes
    assert sustainment.simulate_pipeline(3, months=24).plot().axes
    sweep = sustainment.pipeline_sweep([2, 5], replications=2, months=24)
    assert len(sweep.plot().axes) == 2
    assert "families a month" in repr(sustainment.capacity())


def test_cli_capacity_and_km(capsys, tmp_path):
    from implsupport import cli

    assert cli.main(["sustainment", "capacity", "--therapists", "2"]) == 0
    assert "30 a year" in capsys.readouterr().out
    services = tmp_path / "services.csv"
    services.write_text("service,years,closed\na,2,1\nb,5,1\nc,12,0\n")
    argv = ["sustainment", "km", str(services), "--duration", "years", "--event", "closed"]
    assert cli.main([*argv, "--horizon", "10"]) == 0
    out = capsys.readouterr().out
    assert "Restricted mean survival to 10: 5.6667" in out
    assert "Median survival: 5 (95% CI 2 to not reached)" in out
    assert cli.main([*argv, "--horizon", "20"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "beyond the last observation" in err
    assert cli.main(["sustainment", "capacity", "--months", "-1"]) == 2
    assert "months must be positive" in capsys.readouterr().err


def test_cli_km_names_a_missing_column(capsys, tmp_path):
    from implsupport import cli

    services = tmp_path / "services.csv"
    services.write_text("service,years,closed\na,2,1\n")
    code = cli.main(["sustainment", "km", str(services), "--duration", "age", "--event", "closed"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "no column 'age'" in err
    services.write_text("service,years,closed\na,2,3\n")
    assert cli.main(["sustainment", "km", str(services), "--duration", "years", "--event",
                     "closed"]) == 2  # fmt: skip
    assert "column 'closed' must hold 0 (censored) or 1 (event); found 3" in capsys.readouterr().err
