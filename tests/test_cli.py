"""The command line: useful output, and one line on stderr with exit 2 for a user's mistake."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from command_line import implsupport

from implsupport import cli


def test_data_list(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["data", "list", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "isp_competencies" in out and "implementation_outcomes" in out


def test_data_check_passes_on_the_repository(root: Path) -> None:
    result = implsupport("data", "check", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert "match their descriptor" in result.stdout


def test_data_check_fails_on_a_changed_byte(tmp_path: Path, root: Path) -> None:
    shutil.copytree(root / "data", tmp_path / "data")
    target = tmp_path / "data" / "isp_competencies.csv"
    target.write_bytes(target.read_bytes().replace(b"Brokering", b"Brokerinh"))
    result = implsupport("data", "check", cwd=tmp_path, black_box=True)
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
    result = implsupport(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_version() -> None:
    result = implsupport("--version")
    assert result.returncode == 0 and result.stdout.startswith("implsupport ")


# Which modules a run imports, in a fresh interpreter.
_IMPORTED = """
import contextlib, io, sys
from implsupport import cli
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
    cli.main(sys.argv[1:])
print(out.getvalue())
print(" ".join(sorted(m for m in sys.modules if m.startswith("implsupport") or m in
      ("pandas", "scipy", "scipy.stats", "statsmodels", "matplotlib"))))
"""


def _imported(*args: str) -> tuple[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTED, *args], capture_output=True, text=True, check=True
    )
    shown, _, modules = result.stdout.rstrip("\n").rpartition("\n")
    return shown, set(modules.split())


def test_help_lists_every_command_without_importing_any_subject() -> None:
    shown, modules = _imported("--help")
    for command, (_, text) in cli.SUBJECTS.items():
        assert command in shown and " ".join(text.split()[:4]) in " ".join(shown.split())
    assert not {
        m for m in modules if m.startswith("implsupport.cli.") and m != "implsupport.cli.common"
    }
    assert not modules & {"pandas", "scipy", "statsmodels", "matplotlib"}


def test_a_command_imports_only_its_own_subject_module() -> None:
    shown, modules = _imported("mediation", "--help")
    assert "--mediator" in shown
    subjects = {m for m in modules if m.startswith("implsupport.cli.")}
    # mediation shares the --probe parser of moderation.
    assert subjects == {
        "implsupport.cli.common",
        "implsupport.cli.mediation",
        "implsupport.cli.moderation",
    }


def test_every_subject_module_defines_its_listed_command() -> None:
    full = cli.build_parser()
    (action,) = [a for a in full._actions if a.dest == "command"]
    assert list(action.choices) == list(cli.SUBJECTS)
    helps = {a.dest: a.help for a in action._choices_actions}
    assert helps == {command: text for command, (_, text) in cli.SUBJECTS.items()}
