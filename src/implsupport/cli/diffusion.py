"""`implsupport diffusion`: fit the Bass model to adoption counts."""

from __future__ import annotations

import argparse

from . import summary
from .common import (
    EXIT_OK,
    Parser,
    UsageError,
    add_csv_options,
    add_output_options,
    column,
    emit_json,
    frame_records,
    numbers,
    read_csv,
    save_figure,
    table_text,
)

METHODS = {
    "nls-interval": "nonlinear least squares (to the minimum, as R's minpack.lm::nlsLM) on the "
    "expected adoptions in each period, m (F(end) - F(start))",
    "nls-density": "nonlinear least squares (to the minimum, as R's minpack.lm::nlsLM) on the "
    "adoption rate at the end of each period times its length, m f(end) (end - start)",
    "ols": "Bass's discrete regression of adoptions on cumulative adoptions and their square; "
    "standard errors by the delta method",
}


def _diffusion_fit(args: argparse.Namespace) -> int:
    from .. import diffusion

    if args.method == "ols" and (args.time is not None or args.start is not None):
        raise UsageError(
            "--time and --start are not used by --method ols (its periods are consecutive "
            "and equal); use --method nls"
        )
    if args.start is not None and args.time is None:
        raise UsageError("--start needs --time (the periods' end times)")
    frame = read_csv(args.file, sep=args.sep, decimal=args.decimal)
    counts = numbers(column(frame, args.counts, args.file), args.counts, args.file)
    if args.method == "ols":
        fit = diffusion.fit_bass_ols(counts)
    else:
        times = None
        if args.time is not None:
            times = numbers(column(frame, args.time, args.file), args.time, args.file)
        fit = diffusion.fit_bass_nls(counts, times, form=args.form, period_start=args.start)
    # Everything is computed (table, figure) before anything is written or printed.
    table = fit.to_frame().reset_index()
    conventions = (
        f"Bass model, {METHODS[fit.method]}; 95% intervals: estimate +/- t(0.975, "
        f"{fit.df_resid} df) x SE"
    )
    if args.plot:
        save_figure(fit.plot(), args.plot)
    if args.json:
        emit_json(
            "diffusion fit",
            {
                "method": fit.method,
                "counts": args.counts,
                "time": args.time,
                "conventions": conventions,
                "n": fit.nobs,
                "df_resid": int(fit.df_resid),
                "resid_se": fit.resid_se,
                "parameters": frame_records(table),
                "peak_time": fit.model.peak_time,
                "fitted": [
                    {"t": t, "observed": y, "fitted": f}
                    for t, y, f in zip(fit.t, fit.counts, fit.fitted, strict=True)
                ],
            },
        )
        return EXIT_OK
    print(conventions)
    print(f"n = {fit.nobs} periods; residual SE {fit.resid_se:.4g} on {fit.df_resid} df")
    formats = {c: ".6g" for c in ("estimate", "std_error", "ci_lower", "ci_upper")}
    print(table_text(table, {**formats, "t_value": 3}))
    print(f"Adoptions per period peak at t = {fit.model.peak_time:.4g}")
    return EXIT_OK


FIT_FIELDS = (
    "method (nls-interval, nls-density or ols), counts, time, conventions, n, df_resid "
    "(integers), resid_se, parameters (rows of parameter (m, p, q), estimate, std_error, "
    "t_value, ci_lower, ci_upper), peak_time, fitted (rows of t, observed, fitted)"
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    diffusion = sub.add_parser("diffusion", help=summary("diffusion"))
    diffusion_sub = diffusion.add_subparsers(
        dest="diffusion_command", required=True, parser_class=Parser
    )
    text = "estimate m, p and q (with standard errors) from adoption counts per period in a CSV"
    fit = diffusion_sub.add_parser(
        "fit",
        help=text,
        description=text + ". Wald intervals use t on the residual df (R's confint.default "
        "uses z).",
    )
    fit.add_argument("file", help="CSV file with one row per period")
    fit.add_argument("--counts", required=True, help="column of adoptions in each period")
    fit.add_argument(
        "--time",
        help="column of the time each period ends, in any unit (years, half-years, calendar "
        "years; nls only); p and q are then per unit of time. Default: periods 1, 2, ...",
    )
    fit.add_argument(
        "--start",
        type=float,
        help="when the first period starts (with --time; default: one period before its end)",
    )
    fit.add_argument("--method", choices=["nls", "ols"], default="nls", help="estimator")
    fit.add_argument(
        "--form", choices=["interval", "density"], default="interval", help="nls mean curve"
    )
    add_csv_options(fit)
    add_output_options(fit, plot=True, fields=FIT_FIELDS)
    fit.set_defaults(func=_diffusion_fit)
