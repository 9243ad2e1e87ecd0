"""Running ``implsupport`` from the tests, as a user would see it: exit status, stdout, stderr.

By default the command runs inside the test process, which saves the start-up and imports of a
new Python for each of the many command-line tests. It sees what a separate program would: a
fresh working directory, matplotlib's default settings, and warnings written to stderr as
Python writes them. Tests that must see the real program (its exit status, what it imports)
pass ``black_box=True``; ``IMPLSUPPORT_TEST_BLACK_BOX=1`` runs every command as a program.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

from implsupport import cli

EVERY_COMMAND_AS_A_PROGRAM = os.environ.get("IMPLSUPPORT_TEST_BLACK_BOX", "") not in {"", "0"}


def implsupport(
    *args: object, cwd: Path | None = None, black_box: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``implsupport ARGS``; the result holds its exit status, stdout and stderr."""
    argv = [str(a) for a in args]
    if black_box or EVERY_COMMAND_AS_A_PROGRAM:
        return subprocess.run(
            [sys.executable, "-m", "implsupport.cli", *argv],
            capture_output=True,
            text=True,
            cwd=cwd,
            check=False,
            timeout=300,
        )
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(cwd or Path.cwd()),
        matplotlib.rc_context(),
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        matplotlib.rcdefaults()  # a new program starts from matplotlib's defaults
        warnings.simplefilter("default")  # as Python filters a program's warnings
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning):
            warnings.filterwarnings("ignore", category=category)
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's usage errors and --help, --version
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    # A warning the command did not turn into a note would reach a user's terminal like this.
    raw = "".join(
        warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught
    )
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue() + raw)
