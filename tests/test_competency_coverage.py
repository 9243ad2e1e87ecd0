"""Every one of the 15 practitioner competencies is built by at least one chapter."""

from __future__ import annotations

from pathlib import Path

from implsupport import cli, course

ROOT = Path(__file__).resolve().parents[1]


def test_every_competency_is_built_by_at_least_one_chapter():
    cmap = course.competency_map(ROOT)
    per_competency = cmap.matrix().sum(axis=1)
    assert len(per_competency) == 15
    uncovered = [number for (number, _), n in per_competency.items() if n == 0]
    assert uncovered == [] and cmap.uncovered() == ()


def test_the_practice_chapters_build_power_facilitation_and_teams():
    cmap = course.competency_map(ROOT)
    assert "41_teams_and_power" in set(cmap.chapters_for(3)["chapter"])  # power differentials
    assert "41_teams_and_power" in set(cmap.chapters_for(13)["chapter"])  # developing teams
    assert "40_facilitation" in set(cmap.chapters_for(9)["chapter"])  # facilitation


def test_competencies_command_counts_coverage(capsys):
    assert cli.main(["course", "competencies"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "covered: 15 of 15 competencies"
