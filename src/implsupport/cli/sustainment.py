"""`implsupport sustainment`: team capacity and service survival."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, Parser, UsageError, read_csv


def _sustainment_capacity(args: argparse.Namespace) -> int:
    from .. import sustainment

    team = sustainment.capacity(args.therapists, args.caseload, args.months)
    print(team)
    return EXIT_OK


def _sustainment_km(args: argparse.Namespace) -> int:
    from .. import sustainment

    frame = read_csv(args.file)
    for column in (args.duration, args.event):
        if column not in frame.columns:
            raise UsageError(f"{args.file}: no column {column!r}; found {list(frame.columns)}")
    km = sustainment.kaplan_meier(frame[args.duration], frame[args.event])
    print(km)
    if args.horizon is not None:
        print(f"restricted mean survival to {args.horizon:g}: {km.rmst(args.horizon):.4f}")
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("sustainment", help="team capacity and service survival")
    sus_sub = group.add_subparsers(dest="sustainment_command", required=True, parser_class=Parser)
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
