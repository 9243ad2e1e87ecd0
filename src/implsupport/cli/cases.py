"""`implsupport cases`: CFIR ratings and QCA for case comparisons."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, Parser, UsageError, name_list, read_csv


def _cases_qca(args: argparse.Namespace) -> int:
    from .. import cases

    frame = read_csv(args.file)
    if args.case_column:
        if args.case_column not in frame.columns:
            raise UsageError(
                f"{args.file}: no column {args.case_column!r}; found {list(frame.columns)}"
            )
        frame = frame.set_index(args.case_column)
    truth = cases.truth_table(
        frame,
        name_list(args.conditions, "--conditions"),
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
    from .. import cases

    frame = read_csv(args.file, dtype={"rating": str}, only_blank_is_missing=True)  # "+1", "M"
    matrix = cases.rate_matrix(
        frame,
        order=name_list(args.order, "--order"),
        high=name_list(args.high, "--high"),
        max_abs=args.max_abs,
    )
    print(matrix)
    print(matrix.to_frame().to_string())
    print()
    print(f"Rule: {matrix.rule}")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("cases", help="case comparison: CFIR ratings and QCA")
    cases_sub = group.add_subparsers(dest="cases_command", required=True, parser_class=Parser)
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
