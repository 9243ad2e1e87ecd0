"""`implsupport sustainment`: team capacity and service survival."""

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
    read_csv,
    save_figure,
    table_text,
)


def _sustainment_capacity(args: argparse.Namespace) -> int:
    from .. import sustainment

    team = sustainment.capacity(args.therapists, args.caseload, args.months)
    if args.json:
        emit_json(
            "sustainment capacity",
            {
                "therapists": team.therapists,
                "caseload": team.caseload,
                "months": team.months,
                "places": team.places,
                "per_month": team.per_month,
                "per_year": team.per_year,
            },
        )
        return EXIT_OK
    print(
        "Team capacity by Little's law (families per month = places / mean months in treatment):\n"
        f"{team.therapists:g} therapists x {team.caseload:g} families = {team.places:g} places; "
        f"{team.months:g} months each -> {team.per_month:.3g} families a month, "
        f"{team.per_year:.3g} a year"
    )
    return EXIT_OK


def _shown(value) -> str:
    """A cell as a message shows it: text quoted, numbers plain, a blank named."""
    import pandas as pd

    if isinstance(value, str):
        return repr(value)
    return "an empty cell" if pd.isna(value) else str(value)


def _events(values, path: str, name: str):
    """The event column as 0/1 integers, or a UsageError naming what was found."""
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[numbers.isna() | ~numbers.isin([0, 1])]
    if len(bad):
        found = ", ".join(sorted({_shown(v) for v in bad})[:5])
        raise UsageError(
            f"{path}: column {name!r} must hold 0 (censored) or 1 (event); found {found}"
        )
    return numbers.astype(int)


def _durations(values, path: str, name: str):
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any():
        row = int(numbers.isna().to_numpy().argmax())
        raise UsageError(
            f"{path}: column {name!r} must hold numbers; data row {row + 1} has "
            f"{_shown(values.iloc[row])}"
        )
    if (numbers < 0).any():
        raise UsageError(f"{path}: column {name!r} must not be negative")
    return numbers.astype(float)


def _curve_payload(km, horizon: float | None) -> dict:
    median = km.median()
    payload = {
        "n": km.n,
        "events": km.n_events,
        "censored": km.n - km.n_events,
        "median": {"estimate": median.median, "lower": median.lower, "upper": median.upper},
        "rmst": None if horizon is None else km.rmst(horizon),
        "table": frame_records(km.to_frame()),
    }
    return payload


def _curve_text(km, horizon: float | None) -> list[str]:
    lines = [
        f"n = {km.n}, events = {km.n_events}, censored = {km.n - km.n_events}"
        + ("  (descriptive only: very few units)" if km.n < 10 else ""),
        table_text(km.to_frame(), {"time": 2}) if len(km.table) else "(no events: S(t) = 1)",
        f"Median survival: {km.median().describe()}",
    ]
    if horizon is not None:
        lines.append(f"Restricted mean survival to {horizon:g}: {km.rmst(horizon):.4f}")
    return lines


def _sustainment_km(args: argparse.Namespace) -> int:
    from .. import sustainment

    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must lie strictly between 0 and 1; got {args.alpha:g}")
    if args.horizon is not None and not args.horizon > 0:
        raise UsageError(f"--horizon must be positive; got {args.horizon:g}")
    frame = read_csv(args.file, sep=args.sep, decimal=args.decimal)
    durations = _durations(column(frame, args.duration, args.file), args.file, args.duration)
    events = _events(column(frame, args.event, args.file), args.file, args.event)
    options = {"alpha": args.alpha, "conf_type": args.conf_type}
    # Compute everything (curves, medians, RMST, figure) before writing or printing anything.
    if args.group is None:
        km = sustainment.kaplan_meier(durations, events, **options)
        curves, grouped = {None: km}, None
    else:
        groups = column(frame, args.group, args.file)
        if groups.isna().any():
            raise UsageError(f"{args.file}: column {args.group!r} has empty cells")
        grouped = sustainment.kaplan_meier_by_group(durations, events, groups, **options)
        curves = dict(grouped.curves)
    for name, km in curves.items():
        if args.horizon is not None and args.horizon > max(km.durations):
            where = "" if name is None else f" of group {name!r}"
            raise UsageError(
                f"--horizon {args.horizon:g} is beyond the last observation{where} "
                f"({max(km.durations):g}); the curve is not estimated there"
            )
    conventions = (
        "Kaplan-Meier (statsmodels SurvfuncRight); Greenwood standard errors; "
        f"{1 - args.alpha:.0%} pointwise confidence intervals, conf.type {args.conf_type!r} as in "
        "R's survfit; median and its interval as R's quantile.survfit"
    )
    if args.json:
        payload = {
            "duration": args.duration,
            "event": args.event,
            "group": args.group,
            "alpha": args.alpha,
            "conf_type": args.conf_type,
            "horizon": args.horizon,
            "conventions": conventions,
        }
        if grouped is None:
            payload.update(_curve_payload(curves[None], args.horizon))
        else:
            payload["groups"] = [
                {"group": name, **_curve_payload(km, args.horizon)} for name, km in curves.items()
            ]
            test = grouped.test
            payload["log_rank"] = {
                "chisq": test.chisq,
                "df": test.df,
                "p_value": test.p_value,
                "table": frame_records(test.to_frame()),
            }
        output = None
    else:
        lines = [conventions]
        for name, km in curves.items():
            lines.append("")
            if name is not None:
                lines.append(f"{args.group} = {name}")
            lines.extend(_curve_text(km, args.horizon))
        if grouped is not None:
            lines += ["", str(grouped.test), table_text(grouped.test.to_frame(), 3)]
        output = "\n".join(lines)
    if args.plot:
        if grouped is not None:
            fig = grouped.plot(time_label=args.duration, title=args.group)
        else:
            km = curves[None]
            fig = km.plot(
                time_label=args.duration,
                ci=True,
                label="Kaplan-Meier",
                band_label=f"{km.level:.0%} pointwise CI ({args.conf_type})",
            )
            fig.axes[0].legend(fontsize=9)
        save_figure(fig, args.plot)
    if output is None:
        emit_json("sustainment km", payload)
    else:
        print(output)
    return EXIT_OK


CAPACITY_FIELDS = "therapists, caseload, months, places, per_month, per_year (numbers)"
CURVE_FIELDS = (
    "n, events, censored (integers), median {estimate, lower, upper} (null: not reached), "
    "rmst (null without --horizon) and table (rows of time, n_risk, n_events, survival, se, "
    "lower, upper)"
)
KM_FIELDS = (
    "duration, event, group, alpha, conf_type, horizon, conventions; without --group the "
    f"curve's {CURVE_FIELDS}; with --group, groups (a list of {{group, and those keys}}) and "
    "log_rank {chisq, df (integer), p_value, table (rows of group, n, observed, expected)}"
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    from ..sustainment import CONF_TYPES

    group = sub.add_parser("sustainment", help=summary("sustainment"))
    sus_sub = group.add_subparsers(dest="sustainment_command", required=True, parser_class=Parser)
    cap = sus_sub.add_parser(
        "capacity",
        help="families a team can take on (Little's law)",
        description="Families per month = therapists x caseload / mean months of treatment.",
    )
    cap.add_argument("--therapists", type=float, default=4, help="therapists (default 4)")
    cap.add_argument("--caseload", type=float, default=5, help="families per therapist (default 5)")
    cap.add_argument("--months", type=float, default=4, help="mean months of treatment (default 4)")
    add_output_options(cap, fields=CAPACITY_FIELDS)
    cap.set_defaults(func=_sustainment_capacity)
    km = sus_sub.add_parser(
        "km",
        help="Kaplan-Meier curves with confidence intervals, medians, RMST and log-rank test",
        description="Kaplan-Meier estimate (statsmodels) of right-censored durations, with "
        "Greenwood standard errors, pointwise confidence intervals and the median with its "
        "interval computed as R's survival package does; with --group, one curve per group "
        "and the log-rank test.",
    )
    km.add_argument("file", help="CSV with one row per unit (service, team)")
    km.add_argument("--duration", required=True, help="column of durations")
    km.add_argument("--event", required=True, help="column: 1 ended (event), 0 still running")
    km.add_argument("--group", metavar="COL", help="column of groups: one curve each, log-rank")
    km.add_argument("--horizon", type=float, help="also report the RMST to this time")
    km.add_argument("--alpha", type=float, default=0.05, help="1 - confidence (default 0.05)")
    km.add_argument(
        "--conf-type",
        choices=CONF_TYPES,
        default="log",
        help="scale of the pointwise interval, as R's survfit conf.type (default log, R's)",
    )
    add_output_options(km, plot=True, fields=KM_FIELDS)
    add_csv_options(km)
    km.set_defaults(func=_sustainment_km)
