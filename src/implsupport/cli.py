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


# ---- implsupport course ----------------------------------------------------------------


def _course_keygen(args: argparse.Namespace) -> int:
    from . import records

    private, public = records.keygen(args.out)
    print(f"wrote {private} (private: keep it safe) and {public} (public: share it)")
    return EXIT_OK


def _course_competencies(args: argparse.Namespace) -> int:
    from . import course

    cmap = course.competency_map(args.root)
    if args.competency is None:
        matrix = cmap.matrix().replace({True: "x", False: ""})
        matrix.columns = [c.split("_")[0] for c in matrix.columns]
        print(matrix.to_string())
        print("columns: " + "; ".join(f"{c.id.split('_')[0]} = {c.id}" for c in cmap.chapters))
        return EXIT_OK
    number = cmap.find(args.competency)
    name = cmap.competencies.set_index("number").loc[number, "competency"]
    found = cmap.chapters_for(number)
    if found.empty:
        print(f"no chapter builds competency {number} ({name}) yet")
    else:
        print(f"chapters that build competency {number} ({name}):")
        print(found.to_string(index=False))
    return EXIT_OK


def _course_assign(args: argparse.Namespace) -> int:
    from . import course

    for path in course.assign(args.chapters, args.out, learner=args.learner, root=args.root):
        print(f"wrote {path}")
    return EXIT_OK


def _course_site(args: argparse.Namespace) -> int:
    from . import course

    try:
        html = course.build_learner_site(args.out, args.root)
    except RuntimeError as exc:  # the build itself failed: not a usage mistake
        print(f"implsupport: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"the learner edition of the site is at {html / 'index.html'}")
    return EXIT_OK


def _course_grade(args: argparse.Namespace) -> int:
    from . import course

    report = course.grade(
        args.submissions,
        args.key,
        args.out,
        timeout=args.timeout,
        learner=args.learner,
        pass_threshold=args.pass_threshold,
        root=args.root,
    )
    table = report.to_frame()[["submission", "learner", "chapter", "status", "score", "max_score"]]
    table["passed"] = [r.passed for r in report.results]
    print(table.to_string(index=False))
    print(f"wrote {report.scores_path} and {sum(bool(r.record) for r in report.results)} records")
    return EXIT_OK


def _course_verify(args: argparse.Namespace) -> int:
    from . import records

    result = records.verify(args.record, args.public_key)
    print(str(result), file=sys.stdout if result.valid else sys.stderr)
    return EXIT_OK if result.valid else EXIT_FAILED


def _course_certificate(args: argparse.Namespace) -> int:
    from . import records

    try:
        path = records.certificate(args.records, args.public_key, args.out)
    except records.InvalidRecord as exc:
        print(f"implsupport: invalid record: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {path}")
    return EXIT_OK


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 86400, found {text}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction, found {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1], found {text}")
    return value


def _add_course_commands(sub: argparse._SubParsersAction) -> None:
    from .course import DEFAULT_PASS_THRESHOLD, DEFAULT_TIMEOUT

    course = sub.add_parser("course", help="assign, grade and certify chapters (for trainers)")
    course_sub = course.add_subparsers(dest="course_command", required=True, parser_class=_Parser)
    root_help = "the book's folder (default: found from here)"

    text = "make the trainer's Ed25519 key pair: DIR/trainer.key and DIR/trainer.pub"
    cmd = course_sub.add_parser("keygen", help=text, description=text)
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the two key files")
    cmd.set_defaults(func=_course_keygen)

    text = "the chapter x competency matrix, or the chapters that build one competency"
    cmd = course_sub.add_parser("competencies", help=text, description=text)
    cmd.add_argument("competency", nargs="?", help="a competency's number (1-15) or name")
    cmd.add_argument("--root", help=root_help)
    cmd.set_defaults(func=_course_competencies)

    text = "write learner editions of chapters (no solutions, no trainer checks)"
    cmd = course_sub.add_parser("assign", help=text, description=text)
    cmd.add_argument("chapters", nargs="+", metavar="CHAPTER", help="a chapter's file stem or path")
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the notebooks")
    cmd.add_argument("--learner", metavar="NAME", help="the learner's name, recorded in each")
    cmd.add_argument("--root", help=root_help)
    cmd.set_defaults(func=_course_assign)

    text = "build the learner edition of the whole site (solutions removed) into DIR"
    cmd = course_sub.add_parser("site", help=text, description=text)
    cmd.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    cmd.add_argument("--root", help=root_help)
    cmd.set_defaults(func=_course_site)

    text = "run submitted notebooks with the trainer's checks; write scores.csv and records"
    cmd = course_sub.add_parser("grade", help=text, description=text)
    cmd.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    cmd.add_argument("--key", required=True, help="the trainer's private key (trainer.key)")
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    cmd.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit for each notebook (default {DEFAULT_TIMEOUT:g})",
    )
    cmd.add_argument("--learner", metavar="NAME", help="the learner, when grading one notebook")
    cmd.add_argument(
        "--pass-threshold",
        type=_fraction,
        default=DEFAULT_PASS_THRESHOLD,
        metavar="FRACTION",
        help=f"share of checks needed to pass (default {DEFAULT_PASS_THRESHOLD:g})",
    )
    cmd.add_argument("--root", help=root_help + "; its chapters are the trainer's copy")
    cmd.set_defaults(func=_course_grade)

    text = "check a completion record against the trainer's public key (exit 0 valid, 1 not)"
    cmd = course_sub.add_parser("verify", help=text, description=text)
    cmd.add_argument("record", metavar="RECORD.json")
    cmd.add_argument("--public-key", required=True, help="the trainer's public key (trainer.pub)")
    cmd.set_defaults(func=_course_verify)

    text = "a printable HTML certificate from verified, passed records of one learner"
    cmd = course_sub.add_parser("certificate", help=text, description=text)
    cmd.add_argument("records", nargs="+", metavar="RECORD.json")
    cmd.add_argument("--public-key", required=True, help="the trainer's public key (trainer.pub)")
    cmd.add_argument("--out", required=True, metavar="FILE.html", help="the certificate to write")
    cmd.set_defaults(func=_course_certificate)


#: Each function adds one subject's subcommands to the top-level parser.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_data_commands,
    _add_course_commands,
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
