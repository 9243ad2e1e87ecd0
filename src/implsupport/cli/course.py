"""`implsupport course`: assign, grade and certify chapters (for trainers)."""

from __future__ import annotations

import argparse
import sys

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    Parser,
    add_output_options,
    emit_json,
    frame_records,
    table_text,
)


def _course_keygen(args: argparse.Namespace) -> int:
    from .. import records

    private, public = records.keygen(args.out)
    if args.json:
        emit_json("course keygen", {"private_key": str(private), "public_key": str(public)})
        return EXIT_OK
    print(f"wrote {private} (private: keep it safe) and {public} (public: share it)")
    return EXIT_OK


def _course_competencies(args: argparse.Namespace) -> int:
    from .. import course

    cmap = course.competency_map(args.root)
    if args.json:
        chapters = [{"chapter": c.id, "title": c.title} for c in cmap.chapters]
        if args.competency is None:
            rows = cmap.competencies[["number", "domain", "competency"]].astype({"number": int})
            competencies = [
                {
                    **row,
                    "chapters": [c.id for c in cmap.chapters if row["number"] in c.competencies],
                }
                for row in frame_records(rows)
            ]
            emit_json("course competencies", {"chapters": chapters, "competencies": competencies})
        else:
            number = cmap.find(args.competency)
            name = cmap.competencies.set_index("number").loc[number, "competency"]
            emit_json(
                "course competencies",
                {
                    "competency": {"number": number, "competency": str(name)},
                    "chapters": frame_records(cmap.chapters_for(number)),
                },
            )
        return EXIT_OK
    if args.competency is None:
        matrix = cmap.matrix().replace({True: "x", False: ""})
        matrix.columns = [c.split("_")[0] for c in matrix.columns]
        print(table_text(matrix.reset_index()))
        print("columns: " + "; ".join(f"{c.id.split('_')[0]} = {c.id}" for c in cmap.chapters))
        uncovered = cmap.uncovered()
        total = len(cmap.competencies)
        print(f"covered: {total - len(uncovered)} of {total} competencies", end="")
        print(f" (none yet: {', '.join(map(str, uncovered))})" if uncovered else "")
        return EXIT_OK
    number = cmap.find(args.competency)
    name = cmap.competencies.set_index("number").loc[number, "competency"]
    found = cmap.chapters_for(number)
    if found.empty:
        print(f"no chapter builds competency {number} ({name}) yet")
    else:
        print(f"chapters that build competency {number} ({name}):")
        print(table_text(found))
    return EXIT_OK


def _course_assign(args: argparse.Namespace) -> int:
    from .. import course

    paths = course.assign(args.chapters, args.out, learner=args.learner, root=args.root)
    if args.json:
        emit_json("course assign", {"written": [str(p) for p in paths]})
        return EXIT_OK
    for path in paths:
        print(f"wrote {path}")
    return EXIT_OK


def _course_site(args: argparse.Namespace) -> int:
    from .. import course

    try:
        html = course.build_learner_site(args.out, args.root)
    except RuntimeError as exc:  # the build itself failed: not a usage mistake
        print(f"implsupport: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        emit_json("course site", {"index": str(html / "index.html")})
        return EXIT_OK
    print(f"the learner edition of the site is at {html / 'index.html'}")
    return EXIT_OK


def _course_grade(args: argparse.Namespace) -> int:
    from .. import course

    report = course.grade(
        args.submissions,
        args.key,
        args.out,
        timeout=args.timeout,
        learner=args.learner,
        pass_threshold=args.pass_threshold,
        root=args.root,
    )
    table = report.to_frame()[["submission", "learner", "chapter", "status", "score", "max_score"]]
    table["passed"] = [r.passed for r in report.results]
    if args.json:
        emit_json(
            "course grade",
            {
                "pass_threshold": report.pass_threshold,
                "scores_csv": str(report.scores_path),
                "results": frame_records(report.to_frame()),
            },
        )
        return EXIT_OK
    print(table_text(table))
    print(f"wrote {report.scores_path} and {sum(bool(r.record) for r in report.results)} records")
    return EXIT_OK


def _course_verify(args: argparse.Namespace) -> int:
    from .. import records

    result = records.verify(args.record, args.public_key)
    if args.json:  # the verdict is the output, valid or not; the exit status says which
        emit_json(
            "course verify",
            {"record": str(result.path), "valid": result.valid, "reason": result.reason},
        )
        return EXIT_OK if result.valid else EXIT_FAILED
    print(str(result), file=sys.stdout if result.valid else sys.stderr)
    return EXIT_OK if result.valid else EXIT_FAILED


def _course_certificate(args: argparse.Namespace) -> int:
    from .. import records

    try:
        path = records.certificate(args.records, args.public_key, args.out)
    except records.InvalidRecord as exc:
        print(f"implsupport: invalid record: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        emit_json("course certificate", {"written": str(path)})
        return EXIT_OK
    print(f"wrote {path}")
    return EXIT_OK


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 86400, found {text}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction, found {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1], found {text}")
    return value


def add_commands(sub: argparse._SubParsersAction) -> None:
    from ..course import DEFAULT_PASS_THRESHOLD, DEFAULT_TIMEOUT

    course = sub.add_parser("course", help="assign, grade and certify chapters (for trainers)")
    course_sub = course.add_subparsers(dest="course_command", required=True, parser_class=Parser)
    root_help = "the book's folder (default: found from here)"

    text = "make the trainer's Ed25519 key pair: DIR/trainer.key and DIR/trainer.pub"
    cmd = course_sub.add_parser("keygen", help=text, description=text)
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the two key files")
    add_output_options(cmd, fields="private_key, public_key (paths written)")
    cmd.set_defaults(func=_course_keygen)

    text = "the chapter x competency matrix, or the chapters that build one competency"
    cmd = course_sub.add_parser("competencies", help=text, description=text)
    cmd.add_argument("competency", nargs="?", help="a competency's number (1-15) or name")
    cmd.add_argument("--root", help=root_help)
    add_output_options(
        cmd,
        fields="without COMPETENCY: chapters (list of {chapter, title}) and competencies (list "
        "of {number (integer), domain, competency, chapters (ids)}); with it: competency "
        "{number, competency} and chapters (list of {chapter, title})",
    )
    cmd.set_defaults(func=_course_competencies)

    text = "write learner editions of chapters (no solutions, no trainer checks)"
    cmd = course_sub.add_parser("assign", help=text, description=text)
    cmd.add_argument("chapters", nargs="+", metavar="CHAPTER", help="a chapter's file stem or path")
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the notebooks")
    cmd.add_argument("--learner", metavar="NAME", help="the learner's name, recorded in each")
    cmd.add_argument("--root", help=root_help)
    add_output_options(cmd, fields="written (paths of the learner notebooks)")
    cmd.set_defaults(func=_course_assign)

    text = "build the learner edition of the whole site (solutions removed) into DIR"
    cmd = course_sub.add_parser("site", help=text, description=text)
    cmd.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    cmd.add_argument("--root", help=root_help)
    add_output_options(cmd, fields="index (path of the site's index.html)")
    cmd.set_defaults(func=_course_site)

    text = "run submitted notebooks with the trainer's checks; write scores.csv and records"
    cmd = course_sub.add_parser("grade", help=text, description=text)
    cmd.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    cmd.add_argument("--key", required=True, help="the trainer's private key (trainer.key)")
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    cmd.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit for each notebook (default {DEFAULT_TIMEOUT:g})",
    )
    cmd.add_argument("--learner", metavar="NAME", help="the learner, when grading one notebook")
    cmd.add_argument(
        "--pass-threshold",
        type=_fraction,
        default=DEFAULT_PASS_THRESHOLD,
        metavar="FRACTION",
        help=f"share of checks needed to pass (default {DEFAULT_PASS_THRESHOLD:g})",
    )
    cmd.add_argument("--root", help=root_help + "; its chapters are the trainer's copy")
    add_output_options(
        cmd,
        fields="pass_threshold, scores_csv (path), results (rows of submission, learner, "
        "chapter, status, score, max_score (integers), passed, pass_threshold, detail, record)",
    )
    cmd.set_defaults(func=_course_grade)

    text = "check a completion record against the trainer's public key (exit 0 valid, 1 not)"
    cmd = course_sub.add_parser("verify", help=text, description=text)
    cmd.add_argument("record", metavar="RECORD.json")
    cmd.add_argument("--public-key", required=True, help="the trainer's public key (trainer.pub)")
    add_output_options(
        cmd, fields="record, valid (true/false; exit status 0 or 1 as without --json), reason"
    )
    cmd.set_defaults(func=_course_verify)

    text = "a printable certificate (HTML, or PDF) from verified, passed records of one learner"
    cmd = course_sub.add_parser("certificate", help=text, description=text)
    cmd.add_argument("records", nargs="+", metavar="RECORD.json")
    cmd.add_argument("--public-key", required=True, help="the trainer's public key (trainer.pub)")
    cmd.add_argument(
        "--out",
        required=True,
        metavar="FILE.html|FILE.pdf",
        help="the certificate to write; a .pdf name prints it with the system's Chromium",
    )
    add_output_options(cmd, fields="written (path of the certificate)")
    cmd.set_defaults(func=_course_certificate)
