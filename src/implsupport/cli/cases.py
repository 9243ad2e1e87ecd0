"""`implsupport cases`: CFIR ratings and QCA for case comparisons."""

from __future__ import annotations

import argparse

from . import summary
from .common import (
    EXIT_OK,
    Parser,
    add_csv_options,
    add_output_options,
    column,
    emit_json,
    frame_records,
    name_list,
    read_csv,
    table_text,
)


def _cases_qca(args: argparse.Namespace) -> int:
    from .. import cases

    frame = read_csv(args.file, sep=args.sep, decimal=args.decimal)
    if args.case_column:
        column(frame, args.case_column, args.file)  # refuses a column that is not there
        frame = frame.set_index(args.case_column)
    truth = cases.truth_table(
        frame,
        name_list(args.conditions, "--conditions"),
        args.outcome,
        incl_cut=args.incl_cut,
        n_cut=args.n_cut,
    )
    solution = cases.minimize(truth, remainders=args.remainders)
    rows = truth.to_frame().reset_index()
    if args.json:
        fits = solution.solution_fit
        emit_json(
            "cases qca",
            {
                "conditions": list(truth.conditions),
                "outcome": truth.outcome,
                "incl_cut": truth.incl_cut,
                "n_cut": truth.n_cut,
                "kind": solution.kind,
                "truth_table": frame_records(rows),
                "prime_implicants": list(solution.prime_implicants),
                "solutions": [
                    {
                        "name": f"M{i}",
                        "expression": " + ".join(terms),
                        "terms": list(terms),
                        "incl": fits.loc[f"M{i}", "incl"],
                        "PRI": fits.loc[f"M{i}", "PRI"],
                        "cov": fits.loc[f"M{i}", "cov"],
                    }
                    for i, terms in enumerate(solution.solutions, start=1)
                ],
                "terms": frame_records(solution.to_frame()),
            },
        )
        return EXIT_OK
    print(
        f"Truth table for {truth.outcome} on {'*'.join(truth.conditions)} "
        f"(consistency cut {truth.incl_cut:g}, cases needed {truth.n_cut}); observed rows"
    )
    print(table_text(rows, 3))
    print()
    n = len(solution.solutions)
    count = "1 minimal solution" if n == 1 else f"{n} tied minimal solutions"
    print(f"{solution.kind.capitalize()} solution for {truth.outcome} ({count}):")
    fits = solution.solution_fit
    for i, terms in enumerate(solution.solutions, start=1):
        fit = fits.loc[f"M{i}"]
        print(
            f"  M{i}: {' + '.join(terms)} -> {truth.outcome}   (consistency {fit['incl']:.3f}, "
            f"PRI {fit['PRI']:.3f}, coverage {fit['cov']:.3f})"
        )
    print()
    print(table_text(solution.to_frame(), 3))
    return EXIT_OK


def _cases_ratings(args: argparse.Namespace) -> int:
    from .. import cases

    frame = read_csv(  # ratings such as "+1" and "M" are kept as written
        args.file,
        dtype={"rating": str},
        only_blank_is_missing=True,
        sep=args.sep,
        decimal=args.decimal,
    )
    matrix = cases.rate_matrix(
        frame,
        order=name_list(args.order, "--order"),
        high=name_list(args.high, "--high"),
        max_abs=args.max_abs,
    )
    table = matrix.to_frame()
    services = [str(c) for c in matrix.codes.columns]
    n_strong = int((matrix.marks == "**").sum())
    n_weak = int((matrix.marks == "*").sum())
    n_missing = int((matrix.codes == "M").to_numpy().sum())
    if args.json:
        emit_json(
            "cases ratings",
            {
                "order": services,
                "high": list(matrix.high),
                "low": list(matrix.low),
                "max_abs": args.max_abs,
                "rule": matrix.rule,
                "strongly_distinguishing": n_strong,
                "weakly_distinguishing": n_weak,
                "missing_cells": n_missing,
                "constructs": [
                    {
                        "domain": str(row["domain"]),
                        "construct": str(construct),
                        "ratings": {s: str(row[s]) for s in services},
                        "distinguishing": str(row["distinguishing"]),
                    }
                    for construct, row in table.iterrows()
                ],
            },
        )
        return EXIT_OK
    print(
        f"CFIR ratings: {len(table)} constructs x {len(services)} cases, ordered from worst to "
        f"best outcome ({', '.join(services)}); high outcome: {', '.join(matrix.high)}"
    )
    print(
        f"{n_strong} strongly (**) and {n_weak} weakly (*) distinguishing constructs; "
        f"{n_missing} cells missing (M)"
    )
    for domain, rows in table.groupby("domain", sort=False):
        print(f"\n{domain}")
        shown = rows.drop(columns="domain").reset_index()
        print(table_text(shown))
    print()
    print(f"Rule: {matrix.rule}")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("cases", help=summary("cases"))
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
    add_output_options(
        qca,
        fields="conditions, outcome, incl_cut, n_cut (integer), kind (conservative or "
        "parsimonious), truth_table (observed rows: row, one 0/1 integer per condition, OUT, n "
        "(integer), incl, PRI, cases), prime_implicants, solutions (list of {name, expression, "
        "terms, incl, PRI, cov}), terms (rows of solution, term, literals, incl, PRI, cov_r, "
        "cov_u)",
    )
    add_csv_options(qca)
    qca.set_defaults(func=_cases_qca)
    ratings = cases_sub.add_parser(
        "ratings",
        help="validate CFIR ratings and mark distinguishing constructs",
        description="Validate a long table of CFIR ratings (domain, construct, service, rating, "
        "evidence, source) and show the construct x service matrix.",
    )
    ratings.add_argument("file", help="CSV of ratings, one row per construct and service")
    ratings.add_argument(
        "--order", required=True, help="services from worst to best outcome, comma-separated"
    )
    ratings.add_argument("--high", required=True, help="the high-outcome services")
    ratings.add_argument(
        "--max-abs", type=int, default=2, choices=(1, 2), help="largest |rating| the rule allows"
    )
    add_output_options(
        ratings,
        fields="order, high, low, max_abs (integer), rule, strongly_distinguishing, "
        "weakly_distinguishing, missing_cells (integers), constructs (list of {domain, "
        "construct, ratings ({service: code}), distinguishing ('**', '*' or '')})",
    )
    add_csv_options(ratings)
    ratings.set_defaults(func=_cases_ratings)
