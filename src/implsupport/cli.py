"""The ``implsupport`` command: the package's functions for researchers with their own files.

A user's mistake (a missing file, a bad column, a value out of range) is reported as one line
on stderr with exit status 2, never a traceback, and nothing is written. Each subject adds
its subcommands through an ``_add_*_commands`` function registered in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

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


# ---- implsupport diffusion / careers ---------------------------------------------------------


def _read_csv(path: str) -> Any:
    import pandas as pd

    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a readable CSV file ({exc})") from None


def _column(frame: Any, name: str, path: str) -> Any:
    if name not in frame.columns:
        found = ", ".join(map(str, frame.columns))
        raise UsageError(f"{path}: no column {name!r} (columns found: {found})")
    return frame[name]


def _diffusion_fit(args: argparse.Namespace) -> int:
    from . import diffusion

    frame = _read_csv(args.file)
    counts = _column(frame, args.counts, args.file)
    if args.method == "ols":
        if args.time is not None:
            raise UsageError("--time is not used by --method ols (periods must be consecutive)")
        fit = diffusion.fit_bass_ols(counts)
    else:
        times = None if args.time is None else _column(frame, args.time, args.file)
        fit = diffusion.fit_bass_nls(counts, times, form=args.form)
    print(fit)
    print(fit.to_frame().to_string(float_format=lambda v: f"{v:.6g}"))
    return EXIT_OK


def _careers_transitions(args: argparse.Namespace) -> int:
    from . import careers

    frame = _read_csv(args.file)
    print(careers.transition_matrix(frame))
    return EXIT_OK


def _add_diffusion_commands(sub: argparse._SubParsersAction) -> None:
    diffusion = sub.add_parser("diffusion", help="fit the Bass diffusion model to adoption counts")
    diffusion_sub = diffusion.add_subparsers(
        dest="diffusion_command", required=True, parser_class=_Parser
    )
    text = "estimate m, p and q (with standard errors) from adoption counts per period in a CSV"
    fit = diffusion_sub.add_parser("fit", help=text, description=text)
    fit.add_argument("file", help="CSV file with one row per period")
    fit.add_argument("--counts", required=True, help="column of adoptions in each period")
    fit.add_argument("--time", help="column of period end times (nls only; default 1, 2, ...)")
    fit.add_argument("--method", choices=["nls", "ols"], default="nls", help="estimator")
    fit.add_argument(
        "--form", choices=["interval", "density"], default="interval", help="nls mean curve"
    )
    fit.set_defaults(func=_diffusion_fit)


def _add_careers_commands(sub: argparse._SubParsersAction) -> None:
    careers = sub.add_parser("careers", help="analyse career pathways (push, pull, co-creation)")
    careers_sub = careers.add_subparsers(
        dest="careers_command", required=True, parser_class=_Parser
    )
    text = "transition matrix between models from a CSV with practitioner, stage and model columns"
    trans = careers_sub.add_parser("transitions", help=text, description=text)
    trans.add_argument("file", help="CSV file with columns practitioner, stage, model")
    trans.set_defaults(func=_careers_transitions)


#: Each function adds one subject's subcommands to the top-level parser.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_data_commands,
    _add_diffusion_commands,
    _add_careers_commands,
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
