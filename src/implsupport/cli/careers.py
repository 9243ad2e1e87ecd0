"""`implsupport careers`: transitions between push, pull and co-creation."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, Parser, read_csv


def _careers_transitions(args: argparse.Namespace) -> int:
    from .. import careers

    frame = read_csv(args.file)
    print(careers.transition_matrix(frame))
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    careers = sub.add_parser("careers", help="analyse career pathways (push, pull, co-creation)")
    careers_sub = careers.add_subparsers(dest="careers_command", required=True, parser_class=Parser)
    text = "transition matrix between models from a CSV with practitioner, stage and model columns"
    trans = careers_sub.add_parser("transitions", help=text, description=text)
    trans.add_argument("file", help="CSV file with columns practitioner, stage, model")
    trans.set_defaults(func=_careers_transitions)
