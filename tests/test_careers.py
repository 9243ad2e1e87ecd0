"""Tests of implsupport.careers and the two datasets of the push, pull and co-creation chapters."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from implsupport import careers, cli, data

ROOT = Path(__file__).resolve().parents[1]

# Hand-worked example: three trajectories of three stages.
#   A: push -> pull -> co-creation    moves: push>pull, pull>co
#   B: push -> push -> co-creation    moves: push>push, push>co
#   C: pull -> co-creation -> co-creation    moves: pull>co, co>co
HAND = {
    "A": ["push", "pull", "co-creation"],
    "B": ["push", "push", "co-creation"],
    "C": ["pull", "co-creation", "co-creation"],
}


def test_transition_matrix_matches_a_hand_computed_example():
    tm = careers.transition_matrix(HAND)
    expected = pd.DataFrame(
        [[1, 1, 1], [0, 0, 2], [0, 0, 1]],
        index=pd.Index(careers.MODELS, name="from"),
        columns=pd.Index(careers.MODELS, name="to"),
    )
    pd.testing.assert_frame_equal(tm.counts, expected, check_dtype=False)
    assert tm.n_transitions == 6
    np.testing.assert_allclose(
        tm.proportions.to_numpy(), [[1 / 3, 1 / 3, 1 / 3], [0, 0, 1], [0, 0, 1]]
    )
    tidy = tm.to_frame()
    assert len(tidy) == 9
    row = tidy[(tidy["from"] == "pull") & (tidy["to"] == "co-creation")].iloc[0]
    assert row["count"] == 2 and row["row_proportion"] == 1.0


def test_rows_without_moves_out_are_nan_not_zero():
    tm = careers.transition_matrix([["push", "pull"]])
    assert np.isnan(tm.proportions.loc["co-creation"]).all()
    assert tm.proportions.loc["push", "pull"] == 1.0
    tidy = tm.to_frame()
    assert len(tidy) == 9  # every pair is listed, with NaN where a row has no moves out
    assert tidy.loc[tidy["from"] == "co-creation", "row_proportion"].isna().all()
    assert tidy.loc[tidy["from"] == "co-creation", "count"].eq(0).all()


def test_long_table_and_sequences_give_the_same_matrix():
    rows = [
        {"practitioner": name, "stage": s, "model": m}
        for name, seq in HAND.items()
        for s, m in enumerate(seq, start=1)
    ]
    long = pd.DataFrame(rows).sample(frac=1, random_state=1)  # order must not matter
    pd.testing.assert_frame_equal(
        careers.transition_matrix(long).counts, careers.transition_matrix(HAND).counts
    )


def test_model_names_are_normalised():
    assert careers.normalise_model("Co-creation or exchange") == "co-creation"
    assert careers.normalise_model(" EXCHANGE ") == "co-creation"
    assert careers.normalise_model("Push models") == "push"
    with pytest.raises(ValueError, match="model must be one of"):
        careers.normalise_model("mandate")


def test_typical_arc():
    assert careers.is_typical_arc(["push", "pull", "co-creation"])
    assert careers.is_typical_arc(["push", "push", "pull", "co-creation"])
    assert not careers.is_typical_arc(["push", "co-creation"])  # no pull
    assert not careers.is_typical_arc(["pull", "co-creation"])  # not from push
    assert not careers.is_typical_arc(["push", "pull", "co-creation", "pull"])  # goes back


# ---- the simulated dataset ---------------------------------------------------------------------


def test_simulated_pathways_have_the_studys_shape():
    frame = careers.simulate_career_pathways()
    assert frame["practitioner"].nunique() == 17
    assert set(frame["stage"]) == {1, 2, 3, 4}
    assert list(frame.columns) == ["practitioner", "stage", "stage_name", "model"]
    seqs = careers.pathways_to_sequences(frame)
    typical = sum(careers.is_typical_arc(s) for s in seqs.values())
    assert typical == 15  # all but n_atypical = 2


@pytest.mark.parametrize("n_atypical", [0, 3, 5])
def test_generator_honours_its_parameters(n_atypical):
    frame = careers.simulate_career_pathways(
        n_practitioners=9, n_stages=5, n_atypical=n_atypical, seed=3
    )
    seqs = careers.pathways_to_sequences(frame)
    assert len(seqs) == 9 and all(len(s) == 5 for s in seqs.values())
    assert sum(not careers.is_typical_arc(s) for s in seqs.values()) == n_atypical


def test_generator_is_deterministic_for_a_seed():
    a = careers.simulate_career_pathways(seed=1)
    assert a.equals(careers.simulate_career_pathways(seed=1))
    assert not a.equals(careers.simulate_career_pathways(seed=2))


def test_stored_pathways_are_exactly_what_the_generator_produces():
    for name in ("career_pathways",):
        spec = next(r for r in data.descriptor(ROOT)["resources"] if r["name"] == name)
        assert spec["simulated"] is True
        regenerated = data.csv_bytes(data.regenerate(name, ROOT))
        assert regenerated == (ROOT / "data" / spec["path"]).read_bytes()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n_practitioners": 0}, "n_practitioners must be at least 1"),
        ({"n_stages": 2}, "n_stages must be an integer of at least 3"),
        ({"n_atypical": 18}, "n_atypical must be between 0 and 17"),
    ],
)
def test_generator_rejects_bad_parameters(kwargs, words):
    with pytest.raises(ValueError, match=words):
        careers.simulate_career_pathways(**kwargs)


# ---- comparing a learner's trajectory ------------------------------------------------------------


def test_compare_trajectory_against_a_hand_worked_group():
    comp = careers.compare_trajectory(["push", "pull", "co-creation"], HAND)
    assert comp.same_path == 1 and comp.typical
    stages = comp.stages()
    assert stages["group_same_model"].tolist() == [2, 1, 3]  # stage 3: all three co-create
    np.testing.assert_allclose(stages["group_share"], [2 / 3, 1 / 3, 1.0])
    moves = comp.moves()
    np.testing.assert_allclose(moves["group_proportion"], [1 / 3, 1.0])
    assert "1 of 3" in repr(comp)
    assert isinstance(comp.plot(), Figure)


def test_compare_trajectory_uses_stage_names_from_the_dataset():
    frame = data.load("career_pathways", ROOT)
    comp = careers.compare_trajectory(["Push", "pull", "Exchange", "co-creation"], frame)
    assert comp.stage_names == careers.STAGE_NAMES
    assert comp.trajectory == ("push", "pull", "co-creation", "co-creation")


@pytest.mark.parametrize(
    ("mine", "error", "words"),
    [
        (["push", "pull"], ValueError, "2 stages but the group's have 3"),
        ([], ValueError, "trajectory is empty"),
        ("push", TypeError, "trajectory must be a list"),
        (["push", "pull", "mandate"], ValueError, "model must be one of"),
    ],
)
def test_compare_trajectory_bad_inputs(mine, error, words):
    with pytest.raises(error, match=words):
        careers.compare_trajectory(mine, HAND)


@pytest.mark.parametrize(
    ("pathways", "error", "words"),
    [
        (pd.DataFrame({"practitioner": ["a"], "stage": [1]}), ValueError, "missing column"),
        (pd.DataFrame(columns=["practitioner", "stage", "model"]), ValueError, "empty"),
        (
            pd.DataFrame({"practitioner": ["a", "a"], "stage": [1, 3], "model": ["push", "pull"]}),
            ValueError,
            "without gaps",
        ),
        (
            pd.DataFrame({"practitioner": ["a", "a"], "stage": [1, 1], "model": ["push", "pull"]}),
            ValueError,
            "more than one row",
        ),
        ({}, ValueError, "empty"),
        ({"a": "push"}, ValueError, "non-empty list"),
        (42, TypeError, "pathways must be"),
    ],
)
def test_pathways_bad_inputs(pathways, error, words):
    with pytest.raises(error, match=words):
        careers.transition_matrix(pathways)


def test_flow_figure_and_its_errors():
    frame = data.load("career_pathways", ROOT)
    assert isinstance(careers.plot_flow(frame, stage_names=careers.STAGE_NAMES), Figure)
    assert isinstance(careers.transition_matrix(frame).plot(), Figure)
    with pytest.raises(ValueError, match="same number of stages"):
        careers.plot_flow({"a": ["push", "pull"], "b": ["push"]})
    with pytest.raises(ValueError, match="highlight has 2 stages"):
        careers.plot_flow(HAND, highlight=["push", "pull"])


def test_cli_transitions(capsys, tmp_path):
    path = tmp_path / "paths.csv"
    path.write_text("practitioner,stage,model\nA,1,push\nA,2,pull\nB,1,push\nB,2,push\n")
    assert cli.main(["careers", "transitions", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 stage-to-stage moves" in out
    path.write_text("practitioner,stage,model\nA,1,push\nA,2,mandate\n")
    assert cli.main(["careers", "transitions", str(path)]) == 2
    assert "model must be one of" in capsys.readouterr().err


# ---- the coded table of knowledge exchange programmes ------------------------------------------


def test_knowledge_exchange_codes_are_complete_and_consistent():
    codes = data.load("knowledge_exchange_codes", ROOT)
    competencies = data.load("isp_competencies", ROOT)
    assert set(codes["competency"]) <= set(competencies["number"])
    counts = codes["theme"].value_counts()
    assert counts["barrier"] == 3 and counts["programme type"] == 4
    assert counts["condition"] == 3
    assert set(codes.loc[codes["theme"] == "programme type", "code"]) == {
        "job shadowing",
        "work placements",
        "project-based collaborations",
        "secondments",
    }
    assert codes["evidence"].str.len().min() > 0
    keys = set(re.findall(r"@\w+\{([^,]+),", (ROOT / "references.bib").read_text()))
    assert set(codes["source"]) <= keys
