"""Every command line in README.md runs as written, on files the repository ships.

The lines are taken from the README's ``bash`` blocks (each line that starts with the command),
and run in a scratch folder that links the repository's data/, tests/ and examples/ folders, so
that the figures they write land there and not in the repository.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ".venv/bin/implsupport"


def readme_command_lines() -> list[str]:
    """Each ``.venv/bin/implsupport ...`` line of the README's bash blocks, comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] in (COMMAND, "implsupport"):
                lines.append(shlex.join(words))
    return lines


LINES = readme_command_lines()


def test_the_readme_shows_every_subject_of_the_command_line() -> None:
    subjects = {shlex.split(line)[1] for line in LINES}
    expected = {"--help", "data", "moderation", "power", "diffusion", "careers", "cases"}
    assert expected | {"sustainment", "logic-model"} <= subjects
    assert any("--json" in line for line in LINES)
    assert sum("--plot" in line for line in LINES) >= 2


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("data", "tests", "examples", ".venv"):
        if (ROOT / name).exists():
            (folder / name).symlink_to(ROOT / name)
    return folder


@pytest.mark.parametrize("line", LINES)
def test_readme_command_runs_as_written(line: str, scratch: Path) -> None:
    words = shlex.split(line)
    if not (ROOT / COMMAND).exists():  # an environment other than the project's .venv
        words = [sys.executable, "-m", "implsupport.cli", *words[1:]]
    figure = next((words[i + 1] for i, w in enumerate(words) if w == "--plot"), None)
    if figure:
        (scratch / figure).unlink(missing_ok=True)
    env = {**os.environ, "COLUMNS": "100"}
    result = subprocess.run(
        words, cwd=scratch, capture_output=True, text=True, env=env, check=False, timeout=300
    )
    assert result.returncode == 0, f"{line}\n{result.stderr}"
    assert result.stdout.strip(), line
    others = [n for n in result.stderr.splitlines() if not n.startswith("implsupport: note:")]
    assert others == [], result.stderr
    assert "Survival(" not in result.stdout and "BassFit(" not in result.stdout
    if "--json" in words:
        assert json.loads(result.stdout)["schema"] == 1
    if figure:
        root = ET.parse(scratch / figure).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) > 10


def test_the_simulated_examples_are_regenerated_byte_for_byte(tmp_path: Path) -> None:
    from scripts import load_script

    written = load_script(ROOT / "examples" / "make_examples.py").write(tmp_path)
    assert written
    for path in written:
        assert path.read_bytes() == (ROOT / "examples" / path.name).read_bytes()
    assert "simulated" in (ROOT / "examples" / "README.md").read_text().lower()
