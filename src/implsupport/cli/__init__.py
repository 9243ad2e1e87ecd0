"""The ``implsupport`` command: the package's functions for researchers with their own files.

A user's mistake (a missing file, a bad column, a value out of range) is reported as one line
on stderr with exit status 2, never a traceback, and nothing is written (see
:func:`.common.run_command`); a library's warning reaches the user as one ``implsupport: note:``
line. Each subject is a
module of this package whose ``add_commands`` adds its subcommands; :data:`SUBJECTS` lists them
with the line ``implsupport --help`` shows for each. Only the module of the command being run is
imported, so that a command starts without loading what other subjects need.

For scripts, every command takes ``--json`` (see :func:`common.add_output_options`): one JSON
object whose first keys are ``"schema"`` (:data:`common.JSON_SCHEMA`, now 1), ``"command"`` (for
example ``"sustainment km"``) and ``"implsupport_version"``, followed by the command's own keys,
which its ``--help`` lists. Counts are integers, and a value that cannot be computed is ``null``.
Commands that draw take ``--plot FILE.svg|FILE.png``. A command computes everything first, then
writes its figure, then prints, so a failure leaves no partial output.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .. import __version__
from .common import EXIT_OK, Parser, UsageError, run_command

__all__ = ["SUBJECTS", "UsageError", "build_parser", "main", "summary"]

#: Each command, the module of this package that defines it (its ``add_commands``), and its
#: one-line help, in the order ``implsupport --help`` lists them.
SUBJECTS: dict[str, tuple[str, str]] = {
    "data": ("data", "list and check the book's datasets"),
    "power": (
        "power",
        "power to detect an interaction (moderation), analytic and simulated, or the N needed",
    ),
    "diffusion": ("diffusion", "fit the Bass diffusion model to adoption counts"),
    "careers": ("careers", "analyse career pathways (push, pull, co-creation)"),
    "cases": ("cases", "case comparison: CFIR ratings and QCA"),
    "sustainment": ("sustainment", "team capacity and service survival"),
    "course": ("course", "assign, grade and certify chapters (for trainers)"),
    "moderation": (
        "moderation",
        "moderation analysis (PROCESS model 1): Y ~ X * W by OLS, with conditional effects "
        "and Johnson-Neyman bounds",
    ),
    "mediation": (
        "mediation",
        "mediation analysis (PROCESS models 4, 7 and 14): indirect effects of X on Y through M, "
        "with percentile bootstrap intervals",
    ),
    "logic-model": (
        "logic_model",
        "validate an implementation research logic model (YAML or CSV) and draw it",
    ),
}


def summary(command: str) -> str:
    """The one-line help of ``command`` (its module's parser uses it too)."""
    return SUBJECTS[command][1]


def _command_in(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (its first argument that is not an option), if any."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in SUBJECTS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``implsupport`` parser: every subject's commands, or, given the arguments ``argv``
    of one run, only the named command's (the others listed by name and help, so that
    ``--help`` and a mistyped name still show them all)."""
    parser = Parser(
        prog="implsupport",
        description="Analyses from the Implementation Support book, for your own data.",
    )
    parser.add_argument("--version", action="version", version=f"implsupport {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    wanted = None if argv is None else _command_in(argv)
    for command, (module, text) in SUBJECTS.items():
        if argv is None or command == wanted:
            importlib.import_module(f".{module}", __name__).add_commands(sub)
        else:
            sub.add_parser(command, help=text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files; no window is opened
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return run_command(args.func, args)
    except BrokenPipeError:  # the reader stopped early (as `| head` does): not an error
        sys.stderr.close()
        return EXIT_OK
