"""`implsupport sustainment` as its users see it: JSON, figures and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from command_line import implsupport

ORACLE = Path(__file__).parent / "oracle"
R = json.loads((ORACLE / "km_survival.json").read_text())
KM = ["sustainment", "km", str(ORACLE / "km_data.csv"), "--duration", "years", "--event", "closed"]


def test_km_json_carries_the_schema_integers_and_r_s_values() -> None:
    result = implsupport(*KM, "--json", "--horizon", "8")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["schema"] == 1 and doc["command"] == "sustainment km"
    assert doc["n"] == 32 and doc["events"] == 19 and doc["censored"] == 13
    assert '"n": 32,' in result.stdout and '"n_risk": 32,' in result.stdout
    expected = R["overall"][0]
    assert expected["conf_type"] == "log" and expected["level"] == 0.95
    assert [row["time"] for row in doc["table"]] == expected["time"]
    assert [row["se"] for row in doc["table"]] == pytest.approx(expected["se"], rel=1e-10)
    assert [row["lower"] for row in doc["table"]] == pytest.approx(expected["lower"], rel=1e-10)
    assert doc["median"] == {"estimate": 6.0, "lower": 4.0, "upper": None}
    assert doc["rmst"] == pytest.approx(5.3554, abs=5e-5)


def test_km_by_group_json_has_each_curve_and_the_log_rank_test() -> None:
    result = implsupport(*KM, "--group", "arm", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [g["group"] for g in doc["groups"]] == ["A", "B", "C", "D"]
    a = doc["groups"][0]
    assert a["table"][-1]["survival"] == 0 and a["table"][-1]["se"] is None  # S = 0: undefined
    assert doc["groups"][3]["median"] == {"estimate": None, "lower": 6.0, "upper": None}
    test = doc["log_rank"]
    assert test["df"] == 3 and '"df": 3,' in result.stdout
    assert test["chisq"] == pytest.approx(R["logrank"]["chisq"], rel=1e-10)
    assert [r["expected"] for r in test["table"]] == pytest.approx(R["logrank"]["expected"])


def test_km_text_is_a_table_not_a_repr() -> None:
    result = implsupport(*KM, "--group", "arm", "--horizon", "5")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Survival(" not in out and "GroupedSurvival(" not in out
    assert "time  n_risk  n_events  survival      se   lower   upper" in out
    assert "9.00       1         1    0.0000      NA      NA      NA" in out
    assert "Median survival: not reached (95% CI 6 to not reached)" in out
    assert "chi-square = 2.3694 on 3 df, p = 0.4994" in out
    assert "conf.type 'log'" in out


def test_km_plot_writes_the_same_svg_twice(tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for target in (first, second):  # the second time as a separate program
        result = implsupport(*KM, "--group", "arm", "--plot", target, black_box=target == second)
        assert result.returncode == 0, result.stderr
    text = first.read_text()
    assert text.startswith("<?xml") and text.rstrip().endswith("</svg>")
    assert "<dc:date>" not in text
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.svg"]


def test_capacity_json_and_text() -> None:
    result = implsupport("sustainment", "capacity", "--therapists", "4", "--json")
    doc = json.loads(result.stdout)
    assert doc["command"] == "sustainment capacity" and doc["per_month"] == 5.0
    text = implsupport("sustainment", "capacity").stdout
    assert "5 families a month, 60 a year" in text and "Capacity(" not in text


def _services(tmp_path: Path, body: str) -> str:
    path = tmp_path / "services.csv"
    path.write_text("service,years,closed,arm\n" + body)
    return str(path)


@pytest.mark.parametrize(
    ("body", "options", "message"),
    [
        ("a,2,1,x\nb,5,1,y\n", ["--horizon", "20"], "--horizon 20 is beyond the last observation"),
        ("a,2,1,x\nb,5,0,x\nc,7,1,y\n", ["--group", "arm", "--horizon", "6"], "of group 'x' (5)"),
        ("a,2,1,x\nb,5,2,y\n", [], "must hold 0 (censored) or 1 (event); found 2"),
        ("a,2,1,x\nb,soon,1,y\n", [], "data row 2 has 'soon'"),
        ("a,2,1,x\nb,,1,y\n", [], "data row 2 has an empty cell"),
        ("a,2,1,x\nb,3,,y\n", [], "or 1 (event); found an empty cell"),
        ("a,2,1,x\nb,3,yes,y\n", [], "or 1 (event); found 'yes'"),
        ("a,2,1,x\nb,-1,1,y\n", [], "must not be negative"),
        ("a,2,1,x\nb,5,1,x\n", ["--group", "arm"], "at least two groups"),
        ("a,2,1,x\nb,5,1,y\n", ["--group", "region"], "no column 'region'"),
        ("a,2,1,x\nb,5,1,y\n", ["--alpha", "1.5"], "--alpha must lie strictly between 0 and 1"),
        ("a,2,1,x\nb,5,1,y\n", ["--conf-type", "arcsine"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, body: str, options: list[str], message: str
) -> None:
    path = _services(tmp_path, body)
    figure = tmp_path / "km.svg"
    result = implsupport(
        "sustainment", "km", path, "--duration", "years", "--event", "closed", *options,
        "--plot", str(figure),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not figure.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["services.csv"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("km.pdf", "must end in .svg or .png"), ("missing/km.svg", "no such folder")],
)
def test_a_bad_figure_name_is_refused_before_reading_anything(
    tmp_path: Path, name: str, message: str
) -> None:
    result = implsupport(*KM, "--plot", str(tmp_path / name))
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_keeps_an_existing_figure(tmp_path: Path) -> None:
    figure = tmp_path / "km.svg"
    figure.write_text("earlier figure")
    result = implsupport(*KM, "--horizon", "99", "--plot", str(figure))
    assert result.returncode == 2 and result.stdout == ""
    assert figure.read_text() == "earlier figure"
