"""`implsupport logic-model`: validate an implementation research logic model and draw it."""

from __future__ import annotations

import argparse

from . import summary
from .common import EXIT_FAILED, EXIT_OK, add_output_options, emit_json, save_figure, table_text

_FIELDS = (
    "title, complete (bool), counts (elements per type), elements (id, type, label, links, "
    "inferred_links, measure, evidence, source, note), links (from, to, inferred), gaps "
    "(element, kind, message), figure (the file written, or null)"
)


def _logic_model(args: argparse.Namespace) -> int:
    from .. import logic_model

    model = logic_model.read_logic_model(args.file, title=args.title)
    figure = save_figure(model.plot(), args.plot) if args.plot else None
    if args.json:
        emit_json("logic-model", {**model.to_dict(), "figure": figure})
    else:
        print(f"Logic model: {model.title}" if model.title else "Logic model")
        print(model.summary())
        print()
        shown = model.to_frame()[["id", "type", "label", "links", "inferred_links", "measure"]]
        print(table_text(shown, missing=""))
        print()
        if model.gaps:
            print(f"Gaps ({len(model.gaps)}):")
            for gap in model.gaps:
                print(f"  - {gap}")
        else:
            print("No gaps: every determinant is addressed, every strategy has a mechanism, "
                  "and every outcome is reached and measured.")  # fmt: skip
        if figure:
            print(f"Figure written to {figure}")
    return EXIT_FAILED if args.strict and model.gaps else EXIT_OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "logic-model",
        help=summary("logic-model"),
        description="Read a logic model of determinants, strategies, mechanisms and outcomes "
        "(a .yaml, .yml or .csv file, one entry per element: id, type, label, links, "
        "inferred_links, measure, evidence, source, note), check it, list what it leaves open "
        "(gaps) and optionally draw it. Errors in the file (unknown types, duplicate ids, "
        "links to ids that do not exist, links that run backwards) stop with exit status 2.",
    )
    parser.add_argument("file", help="the model: FILE.yaml, FILE.yml or FILE.csv")
    parser.add_argument("--title", help="title of the model (default: the file's, or its name)")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if the model has gaps"
    )
    add_output_options(parser, plot=True, fields=_FIELDS)
    parser.set_defaults(func=_logic_model)
