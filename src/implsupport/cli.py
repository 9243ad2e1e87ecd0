"""The ``implsupport`` command: the package's functions for researchers with their own files.

A user's mistake (a missing file, a bad column, a value out of range) is reported as one line
on stderr with exit status 2, never a traceback, and nothing is written. Each subject adds
its subcommands through an ``_add_*_commands`` function registered in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from . import __version__
from . import data as datasets

__all__ = ["UsageError", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called or in the user's input."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


# ---- implsupport data ------------------------------------------------------------------


def _data_list(args: argparse.Namespace) -> int:
    table = datasets.list_resources(args.root)
    print(table.to_string(index=False))
    return EXIT_OK


def _data_check(args: argparse.Namespace) -> int:
    problems = datasets.check(args.root)
    count = len(datasets.descriptor(args.root)["resources"])
    if problems:
        for problem in problems:
            print(f"implsupport: {problem}", file=sys.stderr)
        return EXIT_USAGE
    print(f"all {count} datasets match their descriptor (schema and sha256)")
    return EXIT_OK


def _add_data_commands(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser("data", help="list and check the book's datasets")
    data_sub = data.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    for name, func, text in (
        ("list", _data_list, "list the datasets described in data/datapackage.json"),
        ("check", _data_check, "validate every dataset's schema and sha256 checksum"),
    ):
        cmd = data_sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--root", help="the book's folder or its data/ folder (default: found)")
        cmd.set_defaults(func=func)


# ---- implsupport cases -----------------------------------------------------------------


def _read_csv(path: str, dtype: dict[str, type] | None = None):
    import pandas as pd

    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=dtype)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a readable CSV file ({exc})") from exc


def _names(text: str, what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"{what}: give one or more names separated by commas")
    return names


def _cases_qca(args: argparse.Namespace) -> int:
    from . import cases

    frame = _read_csv(args.file)
    if args.case_column:
        if args.case_column not in frame.columns:
            raise UsageError(
                f"{args.file}: no column {args.case_column!r}; found {list(frame.columns)}"
            )
        frame = frame.set_index(args.case_column)
    truth = cases.truth_table(
        frame,
        _names(args.conditions, "--conditions"),
        args.outcome,
        incl_cut=args.incl_cut,
        n_cut=args.n_cut,
    )
    solution = cases.minimize(truth, remainders=args.remainders)
    print(truth.to_frame().round(3).to_string())
    print()
    print(solution)
    print(solution.to_frame().round(3).to_string(index=False))
    return EXIT_OK


def _cases_ratings(args: argparse.Namespace) -> int:
    from . import cases

    frame = _read_csv(args.file, dtype={"rating": str})  # keep "+1" as written
    matrix = cases.rate_matrix(
        frame,
        order=_names(args.order, "--order"),
        high=_names(args.high, "--high"),
        max_abs=args.max_abs,
    )
    print(matrix)
    print(matrix.to_frame().to_string())
    print()
    print(f"Rule: {matrix.rule}")
    return EXIT_OK


def _add_cases_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("cases", help="case comparison: CFIR ratings and QCA")
    cases_sub = group.add_subparsers(dest="cases_command", required=True, parser_class=_Parser)
    qca = cases_sub.add_parser(
        "qca",
        help="truth table and minimal solutions from a CSV of memberships in [0, 1]",
        description="Crisp- or fuzzy-set QCA: truth table, then every tied minimal solution.",
    )
    qca.add_argument("file", help="CSV with one row per case")
    qca.add_argument("--conditions", required=True, help="condition columns, comma-separated")
    qca.add_argument("--outcome", required=True, help="outcome column (prefix ~ for its negation)")
    qca.add_argument("--case-column", help="column holding the case labels")
    qca.add_argument("--incl-cut", type=float, default=1.0, help="consistency cut (default 1)")
    qca.add_argument("--n-cut", type=int, default=1, help="cases needed for a row (default 1)")
    qca.add_argument(
        "--remainders", action="store_true", help="parsimonious solution (remainders allowed)"
    )
    qca.set_defaults(func=_cases_qca)
    ratings = cases_sub.add_parser(
        "ratings",
        help="validate CFIR ratings and mark distinguishing constructs",
        description="Validate a long table of CFIR ratings (domain, construct, service, rating, "
        "evidence, source) and show the construct x service matrix.",
    )
    ratings.add_argument("file", help="CSV of ratings, one row per construct and service")
    ratings.add_argument("--order", required=True, help="services from worst to best outcome")
    ratings.add_argument("--high", required=True, help="the high-outcome services")
    ratings.add_argument(
        "--max-abs", type=int, default=2, choices=(1, 2), help="largest |rating| the rule allows"
    )
    ratings.set_defaults(func=_cases_ratings)


# ---- implsupport sustainment -----------------------------------------------------------


def _sustainment_capacity(args: argparse.Namespace) -> int:
    from . import sustainment

    team = sustainment.capacity(args.therapists, args.caseload, args.months)
    print(team)
    return EXIT_OK


def _sustainment_km(args: argparse.Namespace) -> int:
    from . import sustainment

    frame = _read_csv(args.file)
    for column in (args.duration, args.event):
        if column not in frame.columns:
            raise UsageError(f"{args.file}: no column {column!r}; found {list(frame.columns)}")
    km = sustainment.kaplan_meier(frame[args.duration], frame[args.event])
    print(km)
    if args.horizon is not None:
        print(f"restricted mean survival to {args.horizon:g}: {km.rmst(args.horizon):.4f}")
    return EXIT_OK


def _add_sustainment_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("sustainment", help="team capacity and service survival")
    sus_sub = group.add_subparsers(dest="sustainment_command", required=True, parser_class=_Parser)
    cap = sus_sub.add_parser(
        "capacity",
        help="families a team can take on (Little's law)",
        description="Families per month = therapists x caseload / mean months of treatment.",
    )
    cap.add_argument("--therapists", type=float, default=4)
    cap.add_argument("--caseload", type=float, default=5, help="families per therapist")
    cap.add_argument("--months", type=float, default=4, help="mean months of treatment")
    cap.set_defaults(func=_sustainment_capacity)
    km = sus_sub.add_parser(
        "km",
        help="Kaplan-Meier and restricted mean survival from a CSV",
        description="Kaplan-Meier estimate (statsmodels) of right-censored durations.",
    )
    km.add_argument("file", help="CSV with one row per service")
    km.add_argument("--duration", required=True, help="column of durations")
    km.add_argument("--event", required=True, help="column: 1 closed, 0 still running")
    km.add_argument("--horizon", type=float, help="also report the RMST to this time")
    km.set_defaults(func=_sustainment_km)


#: Each function adds one subject's subcommands to the top-level parser.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_data_commands,
    _add_cases_commands,
    _add_sustainment_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="implsupport",
        description="Analyses from the Implementation Support book, for your own data.",
    )
    parser.add_argument("--version", action="version", version=f"implsupport {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, ValueError, TypeError, OSError) as exc:
        # ValueError covers data.DataError and the argument checks of every public function.
        print(f"implsupport: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
