"""`implsupport diffusion`: fit the Bass model to adoption counts."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, Parser, UsageError, column, read_csv


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
    print(fit)
    print(fit.to_frame().to_string(float_format=lambda v: f"{v:.6g}"))
    return EXIT_OK


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
    fit.set_defaults(func=_diffusion_fit)
