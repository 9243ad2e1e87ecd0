"""`implsupport diffusion`: fit the Bass model to adoption counts."""

from __future__ import annotations

import argparse

from .common import (
    EXIT_OK,
    Parser,
    UsageError,
    add_output_options,
    column,
    emit_json,
    frame_records,
    read_csv,
    save_figure,
    table_text,
)

METHODS = {
    "nls-interval": "nonlinear least squares on the expected adoptions in each period, "
    "m (F(t) - F(t-1))",
    "nls-density": "nonlinear least squares on the adoption rate at the end of each period, m f(t)",
    "ols": "Bass's discrete regression of adoptions on cumulative adoptions and their square; "
    "standard errors by the delta method",
}


def _diffusion_fit(args: argparse.Namespace) -> int:
    from .. import diffusion

    frame = read_csv(args.file)
    counts = column(frame, args.counts, args.file)
    if args.method == "ols":
        if args.time is not None:
            raise UsageError("--time is not used by --method ols (periods must be consecutive)")
        fit = diffusion.fit_bass_ols(counts)
    else:
        times = None if args.time is None else column(frame, args.time, args.file)
        fit = diffusion.fit_bass_nls(counts, times, form=args.form)
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
    diffusion = sub.add_parser("diffusion", help="fit the Bass diffusion model to adoption counts")
    diffusion_sub = diffusion.add_subparsers(
        dest="diffusion_command", required=True, parser_class=Parser
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
    add_output_options(fit, plot=True, fields=FIT_FIELDS)
    fit.set_defaults(func=_diffusion_fit)
