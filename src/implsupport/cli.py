"""The ``implsupport`` command: the package's functions for researchers with their own files.

A user's mistake (a missing file, a bad column, a value out of range) is reported as one line
on stderr with exit status 2, never a traceback, and nothing is written. Each subject adds
its subcommands through an ``_add_*_commands`` function registered in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
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


# ---- implsupport moderation --------------------------------------------------------------


def _read_csv(path: str):
    """Read a researcher's CSV; any failure becomes a one-line UsageError naming the file."""
    import pandas as pd

    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder, not a CSV file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
    except OSError as exc:
        raise UsageError(f"{path}: cannot be opened ({exc.strerror or exc})") from exc
    if b"\x00" in head:
        raise UsageError(f"{path}: cannot be read as a CSV file (it contains binary data)")
    # UTF-8 (with or without a byte-order mark) first; files saved by spreadsheet programs in
    # a Western single-byte encoding are read as Latin-1 rather than refused.
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            frame = pd.read_csv(path, encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            detail = " ".join(str(exc).split())
            raise UsageError(f"{path}: cannot be read as a CSV file ({detail})") from exc
    if frame.empty:
        raise UsageError(f"{path}: the file has no data rows")
    return frame


def _parse_probe(text: str) -> str | list[float]:
    if text.lower() in ("meansd", "percentiles"):
        return text.lower()
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) for v in values):
        raise UsageError(
            f"--probe must be 'meansd', 'percentiles' or numbers separated by commas; got {text!r}"
        )
    return values


def _moderation(args: argparse.Namespace) -> int:
    from . import moderation

    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must be strictly between 0 and 1; got {args.alpha:g}")
    probe = _parse_probe(args.probe)
    covariates = (
        [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else []
    )
    frame = _read_csv(args.data)
    result = moderation.fit_moderation(
        frame,
        args.outcome,
        args.predictor,
        args.moderator,
        covariates=covariates,
        se=args.se,
        center=args.center,
        alpha=args.alpha,
        missing="raise" if args.no_drop else "drop",
    )
    # Everything is computed before anything is printed, so a failure prints nothing.
    if args.json:
        output = json.dumps(result.to_dict(at=probe, fdr=args.fdr), indent=2, allow_nan=False)
    else:
        output = result.report(at=probe, fdr=args.fdr)
    if result.n_dropped:
        print(
            f"implsupport: note: {result.n_dropped} of {result.n + result.n_dropped} rows had "
            f"missing values in the analysed columns and were dropped (use --no-drop to refuse)",
            file=sys.stderr,
        )
    print(output)
    return EXIT_OK


def _add_moderation_commands(sub: argparse._SubParsersAction) -> None:
    text = (
        "moderation analysis (PROCESS model 1): Y ~ X * W by OLS, with conditional effects "
        "and Johnson-Neyman bounds"
    )
    cmd = sub.add_parser(
        "moderation",
        help=text,
        description=text
        + ". Only the named columns are used; other columns may hold anything. Inference is t "
        "on the residual df for every --se. JSON keys are documented in implsupport.moderation.",
    )
    cmd.add_argument("data", metavar="DATA.csv", help="a CSV file with a header row")
    cmd.add_argument("--outcome", required=True, metavar="Y", help="outcome column")
    cmd.add_argument("--predictor", required=True, metavar="X", help="focal predictor column")
    cmd.add_argument("--moderator", required=True, metavar="W", help="moderator column")
    cmd.add_argument("--covariates", metavar="A,B", help="covariate columns, comma-separated")
    cmd.add_argument(
        "--se",
        choices=["classical", "hc0", "hc1", "hc2", "hc3"],
        default="classical",
        type=str.lower,
        help="standard errors: classical (default) or heteroskedasticity-consistent HC0-HC3",
    )
    cmd.add_argument(
        "--center",
        choices=["none", "moderator", "both"],
        default="none",
        type=str.lower,
        help="mean-centre nothing (default), the moderator, or predictor and moderator",
    )
    cmd.add_argument(
        "--probe",
        default="meansd",
        metavar="meansd|percentiles|v1,v2,...",
        help="moderator values for conditional effects: mean and +/- 1 SD (default), "
        "16th/50th/84th percentiles ((n+1)p definition, as PROCESS), or given values "
        "(write negative values as --probe=-1,0,1)",
    )
    cmd.add_argument(
        "--fdr",
        action="store_true",
        help="Johnson-Neyman with the false-discovery-rate adjusted critical t "
        "(Esarey & Sumner 2018)",
    )
    cmd.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    cmd.add_argument(
        "--no-drop",
        action="store_true",
        help="refuse rows with missing values instead of dropping them",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON instead of the text report")
    cmd.set_defaults(func=_moderation)


#: Each function adds one subject's subcommands to the top-level parser.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_data_commands,
    _add_moderation_commands,
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
