"""`implsupport moderation`: PROCESS model 1 for a researcher's CSV."""

from __future__ import annotations

import argparse
import math
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


def parse_probe(text: str, allow_names: bool = True) -> str | list[float]:
    """--probe: 'auto', 'meansd', 'percentiles' or numbers separated by commas."""
    if allow_names and text.lower() in ("auto", "meansd", "percentiles"):
        return text.lower()
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) for v in values):
        raise UsageError(
            "--probe must be "
            + ("'auto', 'meansd', 'percentiles' or " if allow_names else "")
            + f"numbers separated by commas; got {text!r}"
        )
    return values


def _moderation(args: argparse.Namespace) -> int:
    from .. import moderation

    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must be strictly between 0 and 1; got {args.alpha:g}")
    probe = parse_probe(args.probe)
    if args.boot is not None and args.boot < 1:
        raise UsageError(f"--boot must be a positive number of resamples; got {args.boot}")
    covariates = (
        [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else []
    )
    used = [args.outcome, args.predictor, args.moderator, *covariates]
    frame = read_csv(args.data, sep=args.sep, decimal=args.decimal, columns=used)
    notes = []
    categorical = args.categorical or args.coding is not None or _is_text(frame, args.moderator)
    if categorical:
        if args.logistic or args.center != "none" or args.probe != "auto" or args.fdr:
            raise UsageError(
                "--logistic, --center, --probe and --fdr do not apply to a categorical moderator"
            )
        if not args.categorical and args.coding is None:
            notes.append(
                f"the moderator {args.moderator!r} holds text, so it is treated as categorical "
                "(indicator coding; see --coding)"
            )
        result = moderation.fit_categorical_moderation(
            frame,
            args.outcome,
            args.predictor,
            args.moderator,
            covariates=covariates,
            coding=args.coding or "indicator",
            se=args.se,
            alpha=args.alpha,
            missing="raise" if args.no_drop else "drop",
            n_boot=args.boot or 0,
            seed=args.seed,
        )
        payload = result.to_dict() if args.json else None
        return _print(args, result, payload, None if args.json else result.report(), notes)
    logistic = args.logistic or _is_binary(frame, args.outcome)
    if logistic and not args.logistic:
        notes.append(
            f"the outcome {args.outcome!r} holds only 0 and 1, so a logistic moderation model "
            "is fitted (effects on the log-odds scale, z tests)"
        )
    if logistic and args.se != "classical":
        raise UsageError("--se applies to OLS moderation, not to a logistic model")
    common = {
        "covariates": covariates,
        "center": args.center,
        "alpha": args.alpha,
        "missing": "raise" if args.no_drop else "drop",
    }
    if logistic:
        result = moderation.fit_logistic_moderation(
            frame,
            args.outcome,
            args.predictor,
            args.moderator,
            n_boot=args.boot or 0,
            seed=args.seed,
            **common,
        )
    else:
        result = moderation.fit_moderation(
            frame,
            args.outcome,
            args.predictor,
            args.moderator,
            se=args.se,
            n_boot=args.boot or 0,
            seed=args.seed,
            **common,
        )
    # Only the one that is printed is computed (each probes the model again).
    payload = result.to_dict(at=probe, fdr=args.fdr) if args.json else None
    text = None if args.json else result.report(at=probe, fdr=args.fdr)
    return _print(args, result, payload, text, notes, at=probe)


def _print(args, result, payload: dict | None, text: str | None, notes: list[str], **plot) -> int:
    """Write the figure, then the notes, then the report or JSON: everything is computed
    before anything is printed, so a failure prints nothing."""
    figure = None
    if args.plot:
        figure = save_figure(result.plot_probes(fdr=args.fdr, **plot), args.plot)
    if result.n_dropped:
        notes.append(
            f"{result.n_dropped} of {result.n + result.n_dropped} rows had missing values in "
            "the analysed columns and were dropped (use --no-drop to refuse)"
        )
    if getattr(result, "se_note", None):
        notes.append(result.se_note)
    if args.boot and args.seed is None:
        notes.append("no --seed given, so the bootstrap intervals change from run to run")
    for note in notes:
        print(f"implsupport: note: {note}", file=sys.stderr)
    if args.json:
        emit_json("moderation", {**payload, "figure": figure})
    else:
        print(text)
    return EXIT_OK


def _is_text(frame, column: str) -> bool:
    """True when no value of the column is a number (group names). A column of numbers with
    a stray word in it is not: it gets the error that names the row (or use --categorical)."""
    import pandas as pd

    if column not in frame.columns:
        return False
    values = frame[column].dropna()
    return bool(len(values)) and bool(pd.to_numeric(values, errors="coerce").isna().all())


def _is_binary(frame, column: str) -> bool:
    """True when the column's non-missing values are exactly 0 and 1 (numbers)."""
    import numpy as np
    import pandas as pd

    if column not in frame.columns:
        return False
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.isna().sum() != frame[column].isna().sum():
        return False
    present = values.dropna().to_numpy(dtype=float)
    zero = present == 0
    return bool(zero.any() and (present == 1).any() and np.all(zero | (present == 1)))


_FIELDS = (
    "the keys documented in implsupport.moderation (outcome, predictor, moderator, "
    "covariates, se, se_note, conventions, n, n_dropped, df_resid, coefficients, r2, "
    "model_test, r2_change, r2_change_test, conditional_effects, johnson_neyman, bootstrap), "
    "figure (the --plot file or null); a logistic model has model 'logistic', coefficients "
    "on the log-odds scale, odds_ratios, interaction_lr_test, probability_scale and "
    "bootstrap (resamples, seed, failed, interval, scale); a "
    "categorical moderator has model 'categorical moderator', groups, group_sizes, coding, "
    "coding_table, omnibus_interaction_test and conditional_effects by group"
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    text = summary("moderation")
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
        default="auto",
        metavar="auto|meansd|percentiles|v1,v2,...",
        help="moderator values for conditional effects: auto (default, as PROCESS 3 and "
        "later: the two values of a two-valued moderator, otherwise the 16th/50th/84th "
        "percentiles by the (n+1)p definition; R's quantile() default, type 7, gives other "
        "values in small samples), meansd (mean and +/- 1 SD), percentiles, or "
        "given values (write negative values as --probe=-1,0,1)",
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
    cmd.add_argument(
        "--logistic",
        action="store_true",
        help="logistic moderation for a 0/1 outcome (chosen automatically when the outcome "
        "holds only 0 and 1): effects on the log-odds scale with z tests, and on the "
        "probability scale",
    )
    cmd.add_argument(
        "--categorical",
        action="store_true",
        help="treat the moderator as categorical (k groups) even if its values are numbers; a "
        "moderator holding text is categorical anyway",
    )
    cmd.add_argument(
        "--coding",
        choices=["indicator", "sequential", "helmert", "effect"],
        type=str.lower,
        help="coding of a categorical moderator's groups, as in PROCESS (default indicator; "
        "the first group in sorted order is the reference)",
    )
    cmd.add_argument(
        "--boot",
        type=int,
        metavar="N",
        help="also give percentile bootstrap intervals of the conditional effects (N resamples "
        "of rows; for a logistic model on the log-odds scale)",
    )
    cmd.add_argument("--seed", type=int, metavar="S", help="seed of the bootstrap (reproducible)")
    add_csv_options(cmd)
    add_output_options(cmd, plot=True, fields=_FIELDS)
    cmd.set_defaults(func=_moderation)
