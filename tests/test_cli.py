"""The command line: useful output, and one line on stderr with exit 2 for a user's mistake."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from implsupport import cli


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "implsupport.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_data_list(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["data", "list", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "isp_competencies" in out and "implementation_outcomes" in out


def test_data_check_passes_on_the_repository(root: Path) -> None:
    result = run("data", "check", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert "match their descriptor" in result.stdout


def test_data_check_fails_on_a_changed_byte(tmp_path: Path, root: Path) -> None:
    shutil.copytree(root / "data", tmp_path / "data")
    target = tmp_path / "data" / "isp_competencies.csv"
    target.write_bytes(target.read_bytes().replace(b"Brokering", b"Brokerinh"))
    result = run("data", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert "data/isp_competencies.csv: checksum mismatch" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["data", "frobnicate"], "invalid choice"),
        (["nothing"], "invalid choice"),
        (["data", "list", "--root", "/nonexistent/folder"], "no datapackage.json"),
        ([], "required"),
    ],
)
def test_usage_mistakes_are_one_line_exit_2(args: list[str], expected: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("implsupport ")
