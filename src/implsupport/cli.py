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
from typing import Any, NoReturn

from . import __version__
from . import data as datasets
from . import power as powermod

__all__ = ["UsageError", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called or in the user's input."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


# ---- reading researchers' files ------------------------------------------------------


def _read_csv(
    path: str, dtype: dict[str, Any] | None = None, *, only_blank_is_missing: bool = False
):
    """Read a researcher's CSV; any failure becomes a one-line UsageError naming the file.

    ``only_blank_is_missing`` keeps text such as "NA" as written (for coded data), so that only
    empty cells are missing values.
    """
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
    na_options = {"keep_default_na": False, "na_values": [""]} if only_blank_is_missing else {}
    # UTF-8 (with or without a byte-order mark) first; files saved by spreadsheet programs in
    # a Western single-byte encoding are read as Latin-1 rather than refused.
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            frame = pd.read_csv(path, encoding=encoding, dtype=dtype, **na_options)
            break
        except UnicodeDecodeError:
            continue
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            detail = " ".join(str(exc).split())
            raise UsageError(f"{path}: cannot be read as a CSV file ({detail})") from exc
    if frame.empty:
        raise UsageError(f"{path}: the file has no data rows")
    return frame


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


# ---- implsupport power -----------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    """'350' or '200,300,400' -> sample sizes, each a whole number of at least MIN_N."""
    sizes = []
    for part in text.split(","):
        try:
            value = float(part.strip())
        except ValueError:
            raise UsageError(
                f"--n must be a whole number or a comma-separated list of them; got {part!r}"
            ) from None
        if not value.is_integer():
            raise UsageError(f"--n must be whole numbers; got {part.strip()}")
        if value < powermod.MIN_N:
            raise UsageError(
                f"--n must be at least {powermod.MIN_N} (four coefficients and one residual "
                f"degree of freedom); got {int(value)}"
            )
        sizes.append(int(value))
    return sizes


def _power(args: argparse.Namespace) -> int:
    if not args.simulate and (args.reps is not None or args.seed is not None):
        raise UsageError("--reps and --seed only apply with --simulate")
    reps = 10_000 if args.reps is None else args.reps
    if reps < 1:
        raise UsageError(f"--reps must be at least 1; got {reps}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer; got {args.seed}")
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must be strictly between 0 and 1; got {args.alpha}")
    scenario = powermod.InteractionScenario(
        r_x1_y=args.r_x1_y,
        r_x2_y=args.r_x2_y,
        r_x1_x2=args.r_x1_x2,
        r_x1x2_y=args.r_x1x2_y,
        rel_x1=args.rel_x1,
        rel_x2=args.rel_x2,
        rel_y=args.rel_y,
    )
    needed = None
    if args.target_power is not None:
        needed = powermod.sample_size(scenario, args.target_power, alpha=args.alpha)
        sizes = [needed.n]
    else:
        sizes = _sizes(args.n)
    curve = powermod.power_curve(
        scenario, sizes, alpha=args.alpha, simulate=args.simulate, reps=reps, seed=args.seed
    )
    report = _power_report(scenario, curve, needed, args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(_power_text(report))
    return EXIT_OK


def _power_report(scenario, curve, needed, args: argparse.Namespace) -> dict:
    observed = dict(
        zip(("r_x1_y", "r_x2_y", "r_x1_x2", "r_x1x2_y"), scenario.observed, strict=True)
    )
    results = []
    for i, n in enumerate(curve.n):
        row = {"n": n, "power": curve.power[i]}
        if curve.simulated is not None and curve.mc_se is not None:
            row.update(simulated_power=curve.simulated[i], mc_se=curve.mc_se[i])
        results.append(row)
    report = {
        "scenario": scenario.as_dict(),
        "observed_correlations": observed,
        "rel_x1x2": scenario.rel_x1x2,
        "r2_null": scenario.r2_null,
        "r2_full": scenario.r2_full,
        "f2": scenario.f2,
        "alpha": curve.alpha,
        "analytic_method": "InteractionPoweR: noncentral F(1, N - 3), lambda = f2 * (N - 3)",
        "simulation": (
            {"reps": curve.reps, "seed": args.seed, "test": "OLS t test on N - 4 df"}
            if args.simulate
            else None
        ),
        "results": results,
        "sample_size": None,
    }
    if needed is not None:
        report["sample_size"] = {
            "target_power": needed.target_power,
            "n": needed.n,
            "power": needed.power,
            "power_at_n_minus_1": needed.power_below,
        }
    return report


def _power_text(report: dict) -> str:
    s, o = report["scenario"], report["observed_correlations"]
    lines = [
        "Power to detect the interaction in y ~ x1 + x2 + x1*x2 "
        f"(alpha = {report['alpha']:g}, two-sided)",
        f"scenario: r(x1,y) = {s['r_x1_y']:g}, r(x2,y) = {s['r_x2_y']:g}, "
        f"r(x1,x2) = {s['r_x1_x2']:g}, r(x1x2,y) = {s['r_x1x2_y']:g}; reliabilities "
        f"x1 = {s['rel_x1']:g}, x2 = {s['rel_x2']:g}, y = {s['rel_y']:g}",
        f"observed (attenuated): r(x1,y) = {o['r_x1_y']:.4f}, r(x2,y) = {o['r_x2_y']:.4f}, "
        f"r(x1,x2) = {o['r_x1_x2']:.4f}, r(x1x2,y) = {o['r_x1x2_y']:.4f}; "
        f"reliability of x1*x2 = {report['rel_x1x2']:.4f}",
        f"R2 without the interaction = {report['r2_null']:.4f}, with it = "
        f"{report['r2_full']:.4f}, f2 = {report['f2']:.5f}",
        f"analytic: {report['analytic_method']}",
    ]
    if report["simulation"]:
        sim = report["simulation"]
        seed = "none (not reproducible)" if sim["seed"] is None else sim["seed"]
        lines.append(
            f"simulated: {sim['reps']} replications, seed {seed}, {sim['test']}; "
            "MC SE = binomial standard error"
        )
    if report["sample_size"]:
        need = report["sample_size"]
        lines.append(
            f"smallest N with power >= {need['target_power']:g}: {need['n']} "
            f"(power {need['power']:.4f}; at N = {need['n'] - 1}: {need['power_at_n_minus_1']:.4f})"
            if need["power_at_n_minus_1"] is not None
            else f"smallest N with power >= {need['target_power']:g}: {need['n']} "
            f"(power {need['power']:.4f}; the smallest N accepted)"
        )
    lines.append("")
    header = f"{'N':>8}  {'power':>8}"
    if report["simulation"]:
        header += f"  {'simulated':>9}  {'MC SE':>7}"
    lines.append(header)
    for row in report["results"]:
        line = f"{row['n']:>8}  {row['power']:>8.4f}"
        if "simulated_power" in row:
            line += f"  {row['simulated_power']:>9.4f}  {row['mc_se']:>7.4f}"
        lines.append(line)
    return "\n".join(lines)


def _add_power_commands(sub: argparse._SubParsersAction) -> None:
    text = "power to detect an interaction (moderation), analytic and simulated, or the N needed"
    cmd = sub.add_parser(
        "power",
        help=text,
        description=(
            "Power to detect the interaction x1*x2 in y ~ x1 + x2 + x1*x2, from correlations "
            "between true scores and reliabilities (the approach of Baranger et al. 2023, "
            "InteractionPoweR), for given sample sizes or the smallest N reaching a target "
            "power; optionally checked by simulation."
        ),
        epilog=(
            "With --json the output is one object: scenario, observed_correlations, rel_x1x2, "
            "r2_null, r2_full, f2, alpha, analytic_method, simulation ({reps, seed, test} or "
            "null), results (a list of {n, power} with simulated_power and mc_se when "
            "simulated) and sample_size ({target_power, n, power, power_at_n_minus_1} or null)."
        ),
    )
    for flag, name in (
        ("--r-x1-y", "x1 and y"),
        ("--r-x2-y", "x2 (the moderator) and y"),
        ("--r-x1-x2", "x1 and x2"),
        ("--r-x1x2-y", "the product x1*x2 and y (the interaction effect)"),
    ):
        cmd.add_argument(
            flag, type=float, required=True, metavar="R", help=f"correlation of {name}"
        )
    for flag, name in (("--rel-x1", "x1"), ("--rel-x2", "x2"), ("--rel-y", "y")):
        cmd.add_argument(
            flag, type=float, default=1.0, metavar="REL", help=f"reliability of {name} (default 1)"
        )
    which = cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--n", metavar="N[,N...]", help="sample size(s), e.g. 350 or 200,300,400")
    which.add_argument(
        "--target-power", type=float, metavar="P", help="find the smallest N with this power"
    )
    cmd.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    cmd.add_argument("--simulate", action="store_true", help="also estimate power by simulation")
    cmd.add_argument("--reps", type=int, help="replications with --simulate (default 10000)")
    cmd.add_argument("--seed", type=int, help="random seed with --simulate")
    cmd.add_argument("--json", action="store_true", help="print the results as JSON")
    cmd.set_defaults(func=_power)


# ---- implsupport diffusion / careers ---------------------------------------------------------


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


# ---- implsupport cases -----------------------------------------------------------------


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

    frame = _read_csv(args.file, dtype={"rating": str}, only_blank_is_missing=True)  # "+1", "M"
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

    text = "a printable certificate (HTML, or PDF) from verified, passed records of one learner"
    cmd = course_sub.add_parser("certificate", help=text, description=text)
    cmd.add_argument("records", nargs="+", metavar="RECORD.json")
    cmd.add_argument("--public-key", required=True, help="the trainer's public key (trainer.pub)")
    cmd.add_argument(
        "--out",
        required=True,
        metavar="FILE.html|FILE.pdf",
        help="the certificate to write; a .pdf name prints it with the system's Chromium",
    )
    cmd.set_defaults(func=_course_certificate)


# ---- implsupport moderation --------------------------------------------------------------


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
    _add_power_commands,
    _add_diffusion_commands,
    _add_careers_commands,
    _add_cases_commands,
    _add_sustainment_commands,
    _add_course_commands,
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
    except BrokenPipeError:  # the reader stopped early (as `| head` does): not an error
        sys.stderr.close()
        return EXIT_OK
    except (UsageError, ValueError, TypeError, OSError) as exc:
        # ValueError covers data.DataError and the argument checks of every public function.
        print(f"implsupport: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
