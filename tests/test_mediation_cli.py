"""`implsupport mediation` and the newer `implsupport moderation` options, as a script uses them:
JSON (schema 1, integers as integers), figures written as SVG or PNG, PROCESS 3 probe values,
binary moderators and outcomes, bootstrap intervals, and bad input that fails safely."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from implsupport import cli
from implsupport import moderation as mod

ORACLE = Path(__file__).parent / "oracle"
DATA = ORACLE / "mediation_data.csv"
R = json.loads((ORACLE / "mediation_bootstrap.json").read_text())
BASE = ["mediation", str(DATA), "--outcome", "y", "--predictor", "x", "--mediator", "m"]


def run(argv, capsys):
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_model_7_json_matches_r_within_monte_carlo_error(capsys):
    argv = [*BASE, "--covariates", "age", "--moderator", "w", "--boot", "5000", "--seed", "11"]
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["schema"] == 1 and result["command"] == "mediation"
    assert result["model"] == 7 and isinstance(result["n"], int)
    assert result["df_resid"] == {"m": 295, "y": 296}
    ref = R["models"]["m7"]
    indirect = result["indirect"]
    assert [row["moderator_value"] for row in indirect] == pytest.approx(R["probes"])
    assert [row["estimate"] for row in indirect] == pytest.approx(ref["estimate"][:3], rel=1e-10)
    for i, row in enumerate(indirect):  # B = 5000 here: SE within 8%, bounds within 0.3 SE
        assert row["boot_se"] == pytest.approx(ref["boot_se"][i], rel=0.08)
        assert abs(row["boot_ci_low"] - ref["boot_ci_low"][i]) < 0.3 * ref["boot_se"][i]
        assert abs(row["boot_ci_high"] - ref["boot_ci_high"][i]) < 0.3 * ref["boot_se"][i]
    index = result["index_of_moderated_mediation"]
    assert index["estimate"] == pytest.approx(ref["estimate"][3], rel=1e-10)
    # The same seed gives the same intervals; the text report says what it did.
    again = json.loads(run([*argv, "--json"], capsys)[1])
    assert again["indirect"] == indirect
    code, text, _ = run(argv, capsys)
    assert "PROCESS model 7" in text and "5000 resamples of rows (seed 11)" in text


def test_model_4_text_and_svg_diagram(tmp_path, capsys):
    figure = tmp_path / "diagram.svg"
    code, out, err = run([*BASE, "--boot", "500", "--seed", "1", "--plot", figure], capsys)
    assert code == 0 and err == ""
    assert "Indirect effect of x on y through m (a*b)" in out
    svg = figure.read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    # Same figure, same bytes (no date, fixed ids).
    run([*BASE, "--boot", "500", "--seed", "1", "--plot", tmp_path / "again.svg"], capsys)
    assert (tmp_path / "again.svg").read_text() == svg


def test_no_seed_is_noted_on_stderr(capsys):
    code, _, err = run([*BASE, "--boot", "50"], capsys)
    assert code == 0 and err.startswith("implsupport: note: no --seed given")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "7"], "--model 7 needs --moderator"),
        (["--moderator", "w", "--model", "4"], "--model 4 has no moderator"),
        (["--boot", "0"], "--boot must be a positive"),
        (["--seed", "-1"], "--seed must be a non-negative"),
        (["--probe", "1,2"], "--probe needs --moderator"),
        (["--covariates", "nope"], "column 'nope' not found"),
        (["--plot", "out.pdf"], "must end in .svg or .png"),
    ],
)
def test_mistakes_are_one_line_exit_2_nothing_written(
    tmp_path, capsys, monkeypatch, extra, message
):
    monkeypatch.chdir(tmp_path)
    code, out, err = run([*BASE, "--boot", "20", "--seed", "1", *extra], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_an_existing_figure(tmp_path, capsys):
    figure = tmp_path / "keep.svg"
    figure.write_text("old")
    code, out, _ = run([*BASE, "--mediator", "age", "--predictor", "age", "--plot", figure], capsys)
    assert code == 2 and out == "" and figure.read_text() == "old"


# ---- moderation: PROCESS 3 defaults, binary moderators and outcomes, bootstrap, plots -------


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Path:
    frame = mod.simulate_sites()
    frame["trained"] = (frame["site_id"] % 3 == 0).astype(int)
    frame["high_fidelity"] = (frame["fidelity"] > 62).astype(int)
    path = tmp_path_factory.mktemp("sites") / "sites.csv"
    frame.to_csv(path, index=False)
    return path


def _moderation(path: Path, *extra) -> list:
    return ["moderation", path, "--outcome", "fidelity", "--predictor", "coaching_hours", *extra]


def test_default_probes_are_process_percentiles(sites, capsys):
    argv = _moderation(sites, "--moderator", "relationship_quality", "--json")
    result = json.loads(run(argv, capsys)[1])
    w = pd.read_csv(sites)["relationship_quality"].to_numpy()
    expected = np.percentile(w, [16, 50, 84], method="weibull")
    values = [row["moderator_value"] for row in result["conditional_effects"]]
    assert values == pytest.approx(expected)
    assert "(n + 1)p" in result["conventions"] and isinstance(result["df_resid"], int)
    share = result["johnson_neyman"]["share_of_cases_significant"]
    lo, hi = result["johnson_neyman"]["significant_intervals"][0]
    assert share == pytest.approx(np.mean((w >= lo) & (w <= hi)))


def test_binary_moderator_is_probed_at_its_two_values(sites, capsys):
    result = json.loads(run(_moderation(sites, "--moderator", "trained", "--json"), capsys)[1])
    assert [row["moderator_value"] for row in result["conditional_effects"]] == [0.0, 1.0]
    assert result["johnson_neyman"] is None
    # The effect in each group equals a separate regression within the group.
    frame = pd.read_csv(sites)
    for row in result["conditional_effects"]:
        group = frame[frame["trained"] == row["moderator_value"]]
        slope = np.polyfit(group["coaching_hours"], group["fidelity"], 1)[0]
        assert row["effect"] == pytest.approx(slope, rel=1e-9)


def test_binary_outcome_gets_logistic_moderation_with_a_note(sites, capsys):
    argv = ["moderation", sites, "--outcome", "high_fidelity", "--predictor", "coaching_hours"]
    code, out, err = run([*argv, "--moderator", "relationship_quality", "--json"], capsys)
    assert code == 0 and "logistic moderation model is fitted" in err
    result = json.loads(out)
    assert result["model"] == "logistic" and result["scale"] == "log-odds"
    probability = result["probability_scale"][0]
    assert 0 < probability["probability"] < 1
    text = run([*argv, "--moderator", "relationship_quality"], capsys)[1]
    assert "log-odds scale" in text and "Probability scale" in text


def test_bootstrap_intervals_for_conditional_effects(sites, capsys):
    argv = _moderation(sites, "--moderator", "relationship_quality", "--boot", "3000")
    result = json.loads(run([*argv, "--seed", "5", "--json"], capsys)[1])
    assert result["bootstrap"] == {"resamples": 3000, "seed": 5, "interval": "percentile"}
    for row in result["conditional_effects"]:
        # Under these well-behaved simulated data the bootstrap SE is close to the OLS SE.
        assert row["boot_se"] == pytest.approx(row["se"], rel=0.2)
        assert row["boot_ci_low"] < row["effect"] < row["boot_ci_high"]


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_moderation_plot_is_written(sites, tmp_path, capsys, suffix):
    figure = tmp_path / f"slopes{suffix}"
    argv = _moderation(sites, "--moderator", "relationship_quality", "--plot", figure, "--json")
    code, out, _ = run(argv, capsys)
    assert code == 0 and json.loads(out)["figure"] == str(figure)
    head = figure.read_bytes()[:8]
    assert head.startswith(b"<?xml") if suffix == ".svg" else head == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("se", ["hc2", "hc3"])
def test_missing_hc_standard_errors_are_explained(se, capsys):
    # Row 8 is the only one with pilot = 1: the covariate gives it leverage 1 in every equation.
    leverage = ORACLE / "moderation_hc_leverage.csv"
    argv = ["mediation", leverage, "--outcome", "y", "--predictor", "x", "--mediator", "w"]
    argv += ["--covariates", "pilot", "--se", se, "--boot", "50", "--seed", "1", "--json"]
    code, out, err = run(argv, capsys)
    assert code == 0
    note = json.loads(out)["se_note"]
    assert "In the equations of w, y and the total effect" in note
    assert f"{se.upper()} standard errors do not exist: data row 8 has leverage 1" in note
    assert err.strip() == f"implsupport: note: {note}"
    code, out, err = run([*argv, "--se", "hc1"], capsys)
    assert code == 0 and err == "" and json.loads(out)["se_note"] is None
