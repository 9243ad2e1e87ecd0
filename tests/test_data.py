"""The datasets are refused when changed or malformed, with a message naming file and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from implsupport import data


def test_every_dataset_matches_its_descriptor(root: Path) -> None:
    assert data.check(root) == []


def test_load_returns_typed_frame(root: Path) -> None:
    frame = data.load("isp_competencies", root)
    assert len(frame) == 15
    assert frame["domain"].nunique() == 3
    assert str(frame["number"].dtype) == "Int64"
    assert frame.groupby("domain_number")["number"].count().tolist() == [5, 6, 4]


def test_one_changed_byte_is_refused_naming_the_file(data_copy: Path) -> None:
    path = data_copy / "isp_principles.csv"
    raw = bytearray(path.read_bytes())
    raw[-3] = ord("X") if raw[-3] != ord("X") else ord("Y")
    path.write_bytes(bytes(raw))
    problems = data.check(data_copy)
    assert [p.path for p in problems] == ["data/isp_principles.csv"]
    assert "checksum mismatch" in problems[0].message
    with pytest.raises(data.DataError, match=r"data/isp_principles\.csv: checksum mismatch"):
        data.load("isp_principles", data_copy)


def test_malformed_value_is_refused_naming_row_and_column(data_copy: Path) -> None:
    # Write a bad integer, then record its checksum so only the schema can catch it.
    frame = pd.read_csv(data_copy / "isp_principles.csv", dtype=str)
    frame.loc[2, "number"] = "three"
    data.save_resource("isp_principles", frame, data_copy)
    with pytest.raises(data.DataError) as caught:
        data.load("isp_principles", data_copy)
    message = str(caught.value)
    assert "data/isp_principles.csv" in message
    assert "row 4" in message and "'number'" in message and "type-error" in message


def test_missing_file_and_unknown_name(data_copy: Path) -> None:
    (data_copy / "implementation_outcomes.csv").unlink()
    assert [str(p) for p in data.check(data_copy)] == [
        "data/implementation_outcomes.csv: file is missing"
    ]
    with pytest.raises(data.DataError, match="no dataset named 'nope'; available: "):
        data.load("nope", data_copy)


def test_descriptor_without_checksum_is_a_problem(data_copy: Path) -> None:
    desc = json.loads((data_copy / "datapackage.json").read_text())
    del desc["resources"][0]["hash"]
    (data_copy / "datapackage.json").write_text(json.dumps(desc))
    problems = data.check(data_copy)
    assert len(problems) == 1 and "no sha256" in problems[0].message


def test_save_resource_refuses_wrong_columns(data_copy: Path) -> None:
    before = (data_copy / "isp_principles.csv").read_bytes()
    with pytest.raises(data.DataError, match="do not match the schema"):
        data.save_resource("isp_principles", pd.DataFrame({"x": [1]}), data_copy)
    assert (data_copy / "isp_principles.csv").read_bytes() == before


def test_simulated_datasets_regenerate_byte_for_byte(root: Path) -> None:
    desc = data.descriptor(root)
    for spec in desc["resources"]:
        if spec.get("simulated"):
            assert "generator" in spec, f"{spec['name']}: simulated but no generator recorded"
            payload = data.csv_bytes(data.regenerate(spec["name"], root))
            stored = (root / "data" / spec["path"]).read_bytes()
            assert payload == stored, f"data/{spec['path']} differs from its generator's output"
        else:
            assert "generator" not in spec, f"{spec['name']}: generator but not marked simulated"


def test_regenerate_runs_the_recorded_generator(data_copy: Path) -> None:
    desc = json.loads((data_copy / "datapackage.json").read_text())
    spec = desc["resources"][1]
    spec["simulated"] = True
    spec["generator"] = {"function": "pandas.DataFrame", "parameters": {"data": {"a": [1, 2]}}}
    (data_copy / "datapackage.json").write_text(json.dumps(desc))
    assert data.regenerate(spec["name"], data_copy)["a"].tolist() == [1, 2]
    with pytest.raises(data.DataError, match="not a simulated dataset"):
        data.regenerate("isp_competencies", data_copy)


def test_data_dir_is_found_from_a_subfolder(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.chdir(root / "chapters")
    assert data.data_dir() == root / "data"
    with pytest.raises(data.DataError, match=r"no datapackage\.json"):
        data.data_dir(root / "chapters")
