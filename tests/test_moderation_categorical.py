"""A categorical moderator with k groups: text values recognised, PROCESS codings, the effect
of the predictor in each group and the omnibus test of the interaction, checked against R
(tests/oracle/moderation_categorical.R on tests/oracle/moderation_categorical.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from implsupport import cli
from implsupport import moderation as mod

ORACLE = Path(__file__).parent / "oracle"
DATA = ORACLE / "moderation_categorical.csv"
R = json.loads((ORACLE / "moderation_categorical.json").read_text())
FRAME = pd.read_csv(DATA)
ARGS = ["moderation", str(DATA), "--outcome", "fidelity", "--predictor", "hours"]


def _fit(**kwargs) -> mod.CategoricalModerationResult:
    return mod.fit_categorical_moderation(
        FRAME, "fidelity", "hours", "strategy", covariates=["years"], **kwargs
    )


@pytest.mark.parametrize("coding", list(mod.CODINGS))
@pytest.mark.parametrize(("se", "key"), [("classical", "classical"), ("hc3", "HC3")])
def test_group_effects_and_omnibus_match_r_under_every_coding(coding, se, key):
    fit = _fit(coding=coding, se=se)
    assert list(fit.groups) == R["groups"] and list(fit.group_sizes) == R["group_sizes"]
    assert fit.effects["effect"].to_numpy() == pytest.approx(R[key]["effect"], rel=1e-9)
    assert fit.effects["se"].to_numpy() == pytest.approx(R[key]["se"], rel=1e-9)
    om = fit.omnibus
    assert om["F"] == pytest.approx(R[key]["F"], rel=1e-9)
    assert (om["df1"], om["df2"]) == (R[key]["df1"], R[key]["df2"])
    assert om["p"] == pytest.approx(R[key]["p"], rel=1e-7)
    assert om["r2_change"] == pytest.approx(R["r2_change"], rel=1e-9)


def test_codings_are_those_of_process():
    assert mod.coding_matrix(3, "indicator").tolist() == [[0, 0], [1, 0], [0, 1]]
    assert mod.coding_matrix(3, "sequential").tolist() == [[0, 0], [1, 0], [1, 1]]
    assert mod.coding_matrix(3, "effect").tolist() == [[-1, -1], [1, 0], [0, 1]]
    helmert = mod.coding_matrix(4, "helmert")
    assert helmert[:, 0] == pytest.approx([-3 / 4, 1 / 4, 1 / 4, 1 / 4])
    assert helmert[:, 1] == pytest.approx([0, -2 / 3, 1 / 3, 1 / 3])
    assert helmert[:, 2] == pytest.approx([0, 0, -1 / 2, 1 / 2])


def test_sequential_interaction_coefficients_are_differences_of_adjacent_groups():
    fit = _fit(coding="sequential")
    effects = fit.effects["effect"].to_numpy()
    assert fit.params["hours:D1"] == pytest.approx(effects[1] - effects[0], rel=1e-9)
    assert fit.params["hours:D2"] == pytest.approx(effects[2] - effects[1], rel=1e-9)


def test_text_moderator_from_the_command_line(capsys):
    code = cli.main([*ARGS, "--moderator", "strategy", "--covariates", "years", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and "treated as categorical" in err
    result = json.loads(out)
    assert result["model"] == "categorical moderator" and result["groups"] == R["groups"]
    assert [row["effect"] for row in result["conditional_effects"]] == pytest.approx(
        R["classical"]["effect"], rel=1e-9
    )
    assert isinstance(result["omnibus_interaction_test"]["df1"], int)
    code = cli.main([*ARGS, "--moderator", "strategy", "--coding", "helmert"])
    out, err = capsys.readouterr()
    assert code == 0 and err == "" and "helmert coding" in out and "Omnibus test" in out


def test_numeric_groups_with_categorical_and_bootstrap(tmp_path, capsys):
    frame = FRAME.assign(code=FRAME["strategy"].map({"audit": 3, "coaching": 1, "peer network": 2}))
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    argv = ["moderation", path, "--outcome", "fidelity", "--predictor", "hours", "--moderator"]
    code = cli.main(
        [
            *map(str, argv),
            "code",
            "--categorical",
            "--covariates",
            "years",
            "--boot",
            "2000",
            "--seed",
            "3",
            "--json",
            "--plot",
            str(tmp_path / "g.svg"),
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    result = json.loads(out)
    assert result["groups"] == ["1", "2", "3"]  # coaching, peer network, audit
    effects = [row["effect"] for row in result["conditional_effects"]]
    expected = np.array(R["classical"]["effect"])[[1, 2, 0]]
    assert effects == pytest.approx(expected, rel=1e-9)
    for row in result["conditional_effects"]:
        assert row["boot_ci_low"] < row["effect"] < row["boot_ci_high"]
    assert (tmp_path / "g.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--moderator", "strategy", "--center", "both"], "do not apply to a categorical"),
        (["--moderator", "hours"], "only one role"),
    ],
)
def test_categorical_mistakes_are_one_line_exit_2(capsys, extra, message):
    code = cli.main([*ARGS, *extra])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1


def test_too_many_groups_is_refused():
    frame = FRAME.assign(many=[f"g{i}" for i in range(len(FRAME))])
    with pytest.raises(ValueError, match="at most 20 groups"):
        mod.fit_categorical_moderation(frame, "fidelity", "hours", "many")
