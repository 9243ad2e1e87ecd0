"""The shared output options of the command line: versioned JSON, figures written safely."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from implsupport import __version__
from implsupport.cli import common


def test_json_document_is_versioned_and_keeps_integers_as_integers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = {
        "n": np.int64(11),
        "df": 3,
        "estimate": np.float64(0.25),
        "missing": float("nan"),
        "flags": np.array([True, False]),
        "rows": common.frame_records(pd.DataFrame({"time": [1.5, 2.0], "n_risk": [3, 2]})),
    }
    common.emit_json("sustainment km", payload)
    text = capsys.readouterr().out
    document = json.loads(text)
    assert list(document)[:3] == ["schema", "command", "implsupport_version"]
    assert document["schema"] == common.JSON_SCHEMA == 1
    assert document["command"] == "sustainment km"
    assert document["implsupport_version"] == __version__
    assert '"n": 11,' in text and '"df": 3,' in text  # not 11.0
    assert document["missing"] is None and document["flags"] == [True, False]
    assert document["rows"] == [{"time": 1.5, "n_risk": 3}, {"time": 2.0, "n_risk": 2}]
    assert isinstance(document["rows"][0]["n_risk"], int)


def test_json_refuses_header_keys_and_unknown_objects() -> None:
    with pytest.raises(ValueError, match="reserved"):
        common.json_text("x", {"schema": 2})
    with pytest.raises(TypeError, match="cannot write object as JSON"):
        common.json_text("x", {"thing": object()})


def _parser(**options: bool) -> argparse.ArgumentParser:
    parser = common.Parser(prog="implsupport test")
    common.add_output_options(parser, fields="n (int), rows", **options)
    return parser


def test_output_options_document_the_schema_in_help() -> None:
    parser = _parser(plot=True)
    text = parser.format_help()
    assert "--json" in text and "--plot FILE.svg|FILE.png" in text
    assert "schema 1" in " ".join(text.split()) and "n (int), rows" in " ".join(text.split())
    assert "--plot" not in _parser().format_help()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("figure.pdf", "must end in .svg or .png"),
        ("figure", "must end in .svg or .png"),
        ("no/such/folder/figure.svg", "no such folder"),
    ],
)
def test_a_bad_figure_name_is_refused_before_anything_runs(
    name: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        _parser(plot=True).parse_args(["--plot", name])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and problem in err[0]


def _figure():
    from implsupport import plotting

    fig, ax = plotting.figure(width=3, height=2)
    ax.step([0, 1, 2], [1.0, 0.5, 0.25], where="post")
    return fig


def test_svg_is_deterministic_and_undated(tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    common.save_figure(_figure(), str(first))
    common.save_figure(_figure(), str(second))
    text = first.read_text()
    assert text.startswith("<?xml") and "</svg>" in text
    assert "<dc:date>" not in text
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.svg"]


def test_png_is_written(tmp_path: Path) -> None:
    target = tmp_path / "a.PNG"
    common.save_figure(_figure(), str(target))
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_failed_save_keeps_the_old_file_and_leaves_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "figure.svg"
    target.write_text("the old figure")
    fig = _figure()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        common.save_figure(fig, str(target))
    assert target.read_text() == "the old figure"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.svg"]


def test_an_existing_figure_is_replaced_on_success(tmp_path: Path) -> None:
    target = tmp_path / "figure.svg"
    target.write_text("the old figure")
    common.save_figure(_figure(), str(target))
    assert "</svg>" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["figure.svg"]


def test_table_text_fixes_decimals_and_keeps_integers() -> None:
    frame = pd.DataFrame({"time": [2.0, 5.0], "n_risk": [3, 2], "se": [0.27216553, np.nan]})
    text = common.table_text(frame, {"time": 2})
    lines = text.splitlines()
    assert lines[0].split() == ["time", "n_risk", "se"]
    assert lines[1].split() == ["2.00", "3", "0.2722"]
    assert lines[2].split() == ["5.00", "2", "NA"]
