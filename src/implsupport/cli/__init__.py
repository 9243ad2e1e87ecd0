"""The ``implsupport`` command: the package's functions for researchers with their own files.

A user's mistake (a missing file, a bad column, a value out of range) is reported as one line
on stderr with exit status 2, never a traceback, and nothing is written (see
:func:`.common.run_command`); a library's warning reaches the user as one ``implsupport: note:``
line. Each subject is a
module of this package whose ``add_commands`` adds its subcommands; :data:`COMMANDS` lists them.

For scripts, every command takes ``--json`` (see :func:`common.add_output_options`): one JSON
object whose first keys are ``"schema"`` (:data:`common.JSON_SCHEMA`, now 1), ``"command"`` (for
example ``"sustainment km"``) and ``"implsupport_version"``, followed by the command's own keys,
which its ``--help`` lists. Counts are integers, and a value that cannot be computed is ``null``.
Commands that draw take ``--plot FILE.svg|FILE.png``. A command computes everything first, then
writes its figure, then prints, so a failure leaves no partial output.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from . import (
    careers,
    cases,
    course,
    data,
    diffusion,
    logic_model,
    mediation,
    moderation,
    power,
    sustainment,
)
from .common import EXIT_OK, Parser, UsageError, run_command

__all__ = ["UsageError", "build_parser", "main"]

#: Each function adds one subject's subcommands to the top-level parser.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    data.add_commands,
    power.add_commands,
    diffusion.add_commands,
    careers.add_commands,
    cases.add_commands,
    sustainment.add_commands,
    course.add_commands,
    moderation.add_commands,
    mediation.add_commands,
    logic_model.add_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="implsupport",
        description="Analyses from the Implementation Support book, for your own data.",
    )
    parser.add_argument("--version", action="version", version=f"implsupport {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files; no window is opened
    args = build_parser().parse_args(argv)
    try:
        return run_command(args.func, args)
    except BrokenPipeError:  # the reader stopped early (as `| head` does): not an error
        sys.stderr.close()
        return EXIT_OK
