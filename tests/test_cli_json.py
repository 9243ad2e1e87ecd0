"""Every subcommand is scriptable: --json with a versioned schema, documented in its --help."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from command_line import implsupport

from implsupport import __version__, cli

ROOT = Path(__file__).resolve().parents[1]


def leaf_commands() -> dict[str, argparse.ArgumentParser]:
    """Every runnable subcommand of ``implsupport``, by its full name ("sustainment km")."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found[name] = parser
        for action in subs:
            for sub_name, sub in action.choices.items():
                walk(sub, f"{name} {sub_name}".strip())

    walk(cli.build_parser(), "")
    return found


COMMANDS = leaf_commands()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_json_and_documents_its_schema(name: str) -> None:
    parser = COMMANDS[name]
    options = {o for action in parser._actions for o in action.option_strings}
    assert "--json" in options, name
    text = " ".join(parser.format_help().split())
    assert "schema 1" in text and "JSON keys" in text, name


CASES = {
    "data list": ["data", "list"],
    "data check": ["data", "check"],
    "power": [
        "power",
        "--r-x1-y",
        ".2",
        "--r-x2-y",
        ".1",
        "--r-x1-x2",
        ".2",
        "--r-x1x2-y",
        ".15",
        "--n",
        "200,300",
    ],
    "diffusion fit": ["diffusion", "fit", "examples/adoptions.csv", "--counts", "new_sites"],
    "careers transitions": ["careers", "transitions", "data/career_pathways.csv"],
    "cases qca": [
        "cases",
        "qca",
        "tests/data/lipset_crisp.csv",
        "--conditions",
        "DEV,URB,LIT,IND,STB",
        "--outcome",
        "SURV",
        "--case-column",
        "case",
    ],
    "cases ratings": [
        "cases",
        "ratings",
        "data/mst_cfir_ratings.csv",
        "--order",
        "Isolated Coastal,Expanded City,Metro City",
        "--high",
        "Metro City",
    ],
    "sustainment capacity": ["sustainment", "capacity"],
    "sustainment km": [
        "sustainment",
        "km",
        "data/mst_simulated_cohort.csv",
        "--duration",
        "years",
        "--event",
        "closed",
        "--group",
        "funding_challenge",
    ],
    "course competencies": ["course", "competencies", "--root", str(ROOT)],
}


def _integers(document: object, key: str) -> list[object]:
    """Every value stored under ``key`` anywhere in the document."""
    if isinstance(document, dict):
        own = [document[key]] if key in document else []
        return own + [v for value in document.values() for v in _integers(value, key)]
    if isinstance(document, list):
        return [v for value in document for v in _integers(value, key)]
    return []


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_output_is_a_versioned_document_with_integer_counts(name: str) -> None:
    result = implsupport(*CASES[name], "--json", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document)[:3] == ["schema", "command", "implsupport_version"]
    assert document["schema"] == 1 and document["command"] == name
    assert document["implsupport_version"] == __version__
    for key in ("n", "df", "df_resid", "n_risk", "n_events", "events", "n_transitions", "datasets"):
        for value in _integers(document, key):
            if not isinstance(value, list | dict):
                assert isinstance(value, int) and not isinstance(value, bool), (key, value)


def test_course_keygen_json_names_the_files(tmp_path: Path) -> None:
    result = implsupport("course", "keygen", "--out", str(tmp_path / "keys"), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["command"] == "course keygen"
    assert Path(document["private_key"]).is_file() and Path(document["public_key"]).is_file()


def test_a_failed_json_command_prints_nothing_on_stdout(tmp_path: Path) -> None:
    result = implsupport(
        "diffusion", "fit", tmp_path / "none.csv", "--counts", "x", "--json", black_box=True
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("implsupport: error:") and "no such file" in result.stderr


def test_diffusion_plot_draws_the_fit_over_the_data(tmp_path: Path) -> None:
    target = tmp_path / "bass.svg"
    argv = [*CASES["diffusion fit"], "--plot", str(target)]
    first = implsupport(*argv, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    svg = target.read_bytes()
    assert b"<dc:date>" not in svg and svg.rstrip().endswith(b"</svg>")
    assert b"fitted Bass" in svg and b"observed adoptions" in svg
    assert implsupport(*argv, cwd=ROOT).returncode == 0 and target.read_bytes() == svg
    bad = implsupport(
        *CASES["diffusion fit"][:-1], "no_such_column", "--plot", tmp_path / "x.svg", cwd=ROOT
    )
    assert bad.returncode == 2 and bad.stdout == "" and not (tmp_path / "x.svg").exists()
