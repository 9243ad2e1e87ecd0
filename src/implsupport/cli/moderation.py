"""`implsupport moderation`: PROCESS model 1 for a researcher's CSV."""

from __future__ import annotations

import argparse
import math
import sys

from .common import EXIT_OK, UsageError, add_output_options, json_text, read_csv


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
    from .. import moderation

    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must be strictly between 0 and 1; got {args.alpha:g}")
    probe = _parse_probe(args.probe)
    covariates = (
        [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else []
    )
    frame = read_csv(args.data)
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
        output = json_text("moderation", result.to_dict(at=probe, fdr=args.fdr))
    else:
        output = result.report(at=probe, fdr=args.fdr)
    if result.n_dropped:
        print(
            f"implsupport: note: {result.n_dropped} of {result.n + result.n_dropped} rows had "
            f"missing values in the analysed columns and were dropped (use --no-drop to refuse)",
            file=sys.stderr,
        )
    if result.se_note:
        print(f"implsupport: note: {result.se_note}", file=sys.stderr)
    print(output)
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
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
    add_output_options(
        cmd,
        fields="the keys of the moderation result's to_dict(), documented in "
        "implsupport.moderation",
    )
    cmd.set_defaults(func=_moderation)
