"""`implsupport data`: list and check the book's datasets."""

from __future__ import annotations

import argparse
import sys

from .. import data as datasets
from . import summary
from .common import (
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    add_output_options,
    emit_json,
    frame_records,
    table_text,
)


def _data_list(args: argparse.Namespace) -> int:
    table = datasets.list_resources(args.root)
    if args.json:
        emit_json("data list", {"datasets": frame_records(table)})
        return EXIT_OK
    print(table_text(table))
    return EXIT_OK


def _data_check(args: argparse.Namespace) -> int:
    problems = datasets.check(args.root)
    count = len(datasets.descriptor(args.root)["resources"])
    if problems:
        for problem in problems:
            print(f"implsupport: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        emit_json("data check", {"datasets": count, "valid": True})
        return EXIT_OK
    print(f"all {count} datasets match their descriptor (schema and sha256)")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser("data", help=summary("data"))
    data_sub = data.add_subparsers(dest="data_command", required=True, parser_class=Parser)
    for name, func, text, fields in (
        (
            "list",
            _data_list,
            "list the datasets described in data/datapackage.json",
            "datasets (rows of name, path, title, simulated (true/false), licence)",
        ),
        (
            "check",
            _data_check,
            "validate every dataset's schema and sha256 checksum (exit 2 and one line on "
            "stderr per problem if any fails; then nothing is printed on stdout)",
            "datasets (the number checked, an integer), valid (true)",
        ),
    ):
        cmd = data_sub.add_parser(name, help=text.split(" (")[0], description=text)
        cmd.add_argument("--root", help="the book's folder or its data/ folder (default: found)")
        add_output_options(cmd, fields=fields)
        cmd.set_defaults(func=func)
