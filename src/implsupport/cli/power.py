"""`implsupport power`: power to detect an interaction, or the sample size needed."""

from __future__ import annotations

import argparse

from .. import power as powermod
from . import summary
from .common import EXIT_OK, UsageError, add_output_options, emit_json


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
        emit_json("power", report)
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


def add_commands(sub: argparse._SubParsersAction) -> None:
    text = summary("power")
    cmd = sub.add_parser(
        "power",
        help=text,
        description=(
            "Power to detect the interaction x1*x2 in y ~ x1 + x2 + x1*x2, from correlations "
            "between true scores and reliabilities (the approach of Baranger et al. 2023, "
            "InteractionPoweR), for given sample sizes or the smallest N reaching a target "
            "power; optionally checked by simulation."
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
    add_output_options(
        cmd,
        fields="scenario, observed_correlations, rel_x1x2, r2_null, r2_full, f2, alpha, "
        "analytic_method, simulation ({reps, seed, test} or null), results (a list of {n "
        "(integer), power} with simulated_power and mc_se when simulated) and sample_size "
        "({target_power, n (integer), power, power_at_n_minus_1} or null)",
    )
    cmd.set_defaults(func=_power)
