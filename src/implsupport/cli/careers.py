"""`implsupport careers`: transitions between push, pull and co-creation."""

from __future__ import annotations

import argparse

from . import summary
from .common import (
    EXIT_OK,
    Parser,
    add_csv_options,
    add_output_options,
    emit_json,
    read_csv,
    table_text,
)


def _careers_transitions(args: argparse.Namespace) -> int:
    from .. import careers

    frame = read_csv(args.file, sep=args.sep, decimal=args.decimal)
    matrix = careers.transition_matrix(frame)
    if args.json:
        models = [str(m) for m in matrix.counts.index]
        emit_json(
            "careers transitions",
            {
                "models": models,
                "n_transitions": matrix.n_transitions,
                "counts": [[int(v) for v in row] for row in matrix.counts.to_numpy()],
                "row_proportions": [list(row) for row in matrix.proportions.to_numpy()],
            },
        )
        return EXIT_OK
    counts = matrix.counts.rename_axis(None).rename_axis(None, axis=1)
    shares = matrix.proportions.rename_axis(None).rename_axis(None, axis=1)
    print(f"{matrix.n_transitions} stage-to-stage moves between models, pooled over practitioners")
    print("\nCounts (rows: model at a stage; columns: model at the next stage)")
    print(table_text(counts, index=True))
    print("\nRow proportions (of the moves out of a model, the share into each)")
    print(table_text(shares, 3, index=True))
    return EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    careers = sub.add_parser("careers", help=summary("careers"))
    careers_sub = careers.add_subparsers(dest="careers_command", required=True, parser_class=Parser)
    text = "transition matrix between models from a CSV with practitioner, stage and model columns"
    trans = careers_sub.add_parser("transitions", help=text, description=text)
    trans.add_argument("file", help="CSV file with columns practitioner, stage, model")
    add_output_options(
        trans,
        fields="models (row and column order), n_transitions (integer), counts (rows of "
        "integers, from x to), row_proportions (rows of numbers; null for a model never left)",
    )
    add_csv_options(trans)
    trans.set_defaults(func=_careers_transitions)
