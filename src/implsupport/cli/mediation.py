"""`implsupport mediation`: PROCESS models 4, 7 and 14 with percentile bootstrap intervals."""

from __future__ import annotations

import argparse
import sys

from . import summary
from .common import (
    EXIT_OK,
    UsageError,
    add_csv_options,
    add_output_options,
    emit_json,
    read_csv,
    save_figure,
)
from .moderation import parse_probe

_FIELDS = (
    "model, outcome, predictor, mediator, moderator, covariates, n, n_dropped (integers), se, "
    "se_note (why standard errors are missing, or null), alpha, inference, df_resid (by "
    "equation, integers), bootstrap (resamples, seed, failed, interval), conventions, paths "
    "(equation, term, estimate, se, t, p, ci_low, ci_high), indirect (label, moderator_value, "
    "estimate, boot_se, boot_ci_low, boot_ci_high), index_of_moderated_mediation (estimate, "
    "boot_se, boot_ci_low, boot_ci_high, or null), moderator_range, figure (the --plot file or "
    "null)"
)


def _mediation(args: argparse.Namespace) -> int:
    from .. import moderation

    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must be strictly between 0 and 1; got {args.alpha:g}")
    if args.boot < 1:
        raise UsageError(f"--boot must be a positive number of resamples; got {args.boot}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer; got {args.seed}")
    if args.model in (7, 14) and args.moderator is None:
        raise UsageError(f"--model {args.model} needs --moderator")
    if args.moderator is not None and args.model == 4:
        raise UsageError("--model 4 has no moderator; use --model 7 or 14 with --moderator")
    probe = None
    if args.probe is not None:
        if args.moderator is None:
            raise UsageError("--probe needs --moderator")
        probe = parse_probe(args.probe, allow_names=False)
    covariates = (
        [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else []
    )
    roles = [args.outcome, args.predictor, args.mediator, args.moderator]
    used = [c for c in roles if c is not None] + covariates
    frame = read_csv(args.data, sep=args.sep, decimal=args.decimal, columns=used)
    result = moderation.fit_mediation(
        frame,
        args.outcome,
        args.predictor,
        args.mediator,
        covariates=covariates,
        moderator=args.moderator,
        model=args.model,
        n_boot=args.boot,
        seed=args.seed,
        probe=probe,
        se=args.se,
        alpha=args.alpha,
        missing="raise" if args.no_drop else "drop",
    )
    # Everything is computed (and the figure written) before anything is printed.
    figure = save_figure(result.plot(), args.plot) if args.plot else None
    if result.n_dropped:
        print(
            f"implsupport: note: {result.n_dropped} of {result.n + result.n_dropped} rows had "
            "missing values in the analysed columns and were dropped (use --no-drop to refuse)",
            file=sys.stderr,
        )
    if result.se_note:
        print(f"implsupport: note: {result.se_note}", file=sys.stderr)
    if args.seed is None:
        print(
            "implsupport: note: no --seed given, so the bootstrap intervals change from run to "
            "run; give --seed S to make them reproducible",
            file=sys.stderr,
        )
    if args.json:
        emit_json("mediation", {**result.to_dict(), "figure": figure})
    else:
        print(result.report())
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    text = summary("mediation")
    cmd = sub.add_parser(
        "mediation",
        help=text,
        description=text
        + ". Model 4: M ~ X, Y ~ X + M. Model 7: the moderator W changes X -> M. Model 14: W "
        "changes M -> Y. Covariates enter both equations; no centring; paths have t intervals "
        "on each equation's residual df; the moderator is probed at its 16th/50th/84th "
        "percentiles ((n+1)p), or at its two values when it has two (as PROCESS 3 and later).",
    )
    cmd.add_argument("data", metavar="DATA.csv", help="a CSV file with a header row")
    cmd.add_argument("--outcome", required=True, metavar="Y", help="outcome column")
    cmd.add_argument("--predictor", required=True, metavar="X", help="predictor column")
    cmd.add_argument("--mediator", required=True, metavar="M", help="mediator column")
    cmd.add_argument("--covariates", metavar="A,B", help="covariate columns, comma-separated")
    cmd.add_argument("--moderator", metavar="W", help="moderator column (models 7 and 14)")
    cmd.add_argument(
        "--model",
        type=int,
        choices=[4, 7, 14],
        help="PROCESS model: 4 (default without --moderator), 7 (default with it) or 14",
    )
    cmd.add_argument(
        "--boot",
        type=int,
        default=5000,
        metavar="N",
        help="bootstrap resamples of rows (default 5000)",
    )
    cmd.add_argument("--seed", type=int, metavar="S", help="seed of the bootstrap (reproducible)")
    cmd.add_argument(
        "--probe",
        metavar="v1,v2,...",
        help="moderator values for conditional indirect effects (default: see above; write "
        "negative values as --probe=-1,0,1)",
    )
    cmd.add_argument(
        "--se",
        choices=["classical", "hc0", "hc1", "hc2", "hc3"],
        default="classical",
        type=str.lower,
        help="standard errors of the paths (default classical)",
    )
    cmd.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level (0.05)")
    cmd.add_argument(
        "--no-drop", action="store_true", help="refuse rows with missing values instead"
    )
    add_csv_options(cmd)
    add_output_options(cmd, plot=True, fields=_FIELDS)
    cmd.set_defaults(func=_mediation)
