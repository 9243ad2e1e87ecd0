"""`implsupport course`: assign, grade and certify chapters (for trainers)."""

from __future__ import annotations

import argparse
import sys

from . import summary
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
    fingerprint = records.key_fingerprint(records.load_public_key(public))
    if args.json:
        emit_json(
            "course keygen",
            {"private_key": str(private), "public_key": str(public), "fingerprint": fingerprint},
        )
        return EXIT_OK
    print(f"wrote {private} (private: keep it safe) and {public} (public: share it)")
    print(f"key fingerprint (SHA-256): {records.format_fingerprint(fingerprint)}")
    return EXIT_OK


def _course_fingerprint(args: argparse.Namespace) -> int:
    from .. import records

    fingerprint = records.fingerprint_of(args.key)
    if args.json:
        emit_json("course fingerprint", {"key": str(args.key), "fingerprint": fingerprint})
        return EXIT_OK
    print(records.format_fingerprint(fingerprint))
    return EXIT_OK


def _course_seal(args: argparse.Namespace) -> int:
    from .. import course

    sealed = [str(course.resolve_chapter(c, args.root)) for c in args.chapters]
    for chapter in args.chapters:
        course.seal_chapter(chapter, args.root)
    if args.json:
        emit_json("course seal", {"sealed": sealed})
        return EXIT_OK
    for path in sealed:
        print(f"sealed the self-checks of {path}; re-execute it: make execute NB={path}")
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


def _show_progress(done: int, total: int, result) -> None:
    flags = f" [flagged: {'; '.join(result.flags)}]" if result.flags else ""
    print(
        f"[{done}/{total}] {result.submission}: {result.status} "
        f"{result.score}/{result.max_score} ({result.seconds:.0f} s){flags}",
        file=sys.stderr,
        flush=True,
    )


def _course_grade(args: argparse.Namespace) -> int:
    from .. import course

    if args.key is not None:
        raise ValueError(
            "grade no longer takes the private key (learners' code runs while grading); "
            "grade, then sign: implsupport course sign OUT --key trainer.key"
        )
    report = course.grade(
        args.submissions,
        args.out,
        timeout=args.timeout,
        learner=args.learner,
        roster=args.roster,
        pass_threshold=args.pass_threshold,
        root=args.root,
        jobs=args.jobs,
        sandbox=not args.no_sandbox,
        progress=None if args.json else _show_progress,
    )
    table = report.to_frame()[["submission", "learner", "chapter", "status", "score", "max_score"]]
    table["passed"] = [r.passed for r in report.results]
    if args.json:
        emit_json(
            "course grade",
            {
                "pass_threshold": report.pass_threshold,
                "sandbox": report.sandbox,
                "scores_csv": str(report.scores_path),
                "results": frame_records(report.to_frame()),
            },
        )
        return EXIT_OK
    print(table_text(table))
    flagged = sum(bool(r.flags) for r in report.results)
    print(f"wrote {report.scores_path} and {sum(bool(r.result) for r in report.results)} results")
    if flagged:
        print(f"{flagged} flagged: see the flags column; sign leaves them out unless told")
    print(f"next: implsupport course sign {args.out} --key trainer.key")
    return EXIT_OK


def _course_sign(args: argparse.Namespace) -> int:
    from .. import course

    written, skipped = course.sign(args.graded, args.key, include_flagged=args.include_flagged)
    if args.json:
        emit_json("course sign", {"signed": [str(p) for p in written], "not_signed": list(skipped)})
        return EXIT_OK
    for path in written:
        print(f"signed {path}")
    for reason in skipped:
        print(f"not signed: {reason}", file=sys.stderr)
    return EXIT_OK


def _course_verify(args: argparse.Namespace) -> int:
    from .. import records

    results = [records.verify(path, args.public_key) for path in args.records]
    valid = all(r.valid for r in results)
    if args.json:  # the verdicts are the output, valid or not; the exit status says which
        emit_json(
            "course verify",
            {
                "valid": valid,
                "records": [
                    {"record": str(r.path), "valid": r.valid, "reason": r.reason} for r in results
                ],
            },
        )
        return EXIT_OK if valid else EXIT_FAILED
    for result in results:
        print(str(result), file=sys.stdout if result.valid else sys.stderr)
    return EXIT_OK if valid else EXIT_FAILED


def _course_certificate(args: argparse.Namespace) -> int:
    from .. import records

    try:
        path = records.certificate(
            args.records,
            args.public_key,
            args.out,
            issuer=args.issuer,
            programme=args.programme,
        )
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

    course = sub.add_parser("course", help=summary("course"))
    course_sub = course.add_subparsers(dest="course_command", required=True, parser_class=Parser)
    root_help = "the book's folder (default: found from here)"

    text = "make the trainer's Ed25519 key pair: DIR/trainer.key and DIR/trainer.pub"
    cmd = course_sub.add_parser("keygen", help=text, description=text)
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the two key files")
    add_output_options(cmd, fields="private_key, public_key (paths written), fingerprint (hex)")
    cmd.set_defaults(func=_course_keygen)

    text = "print a key's fingerprint (SHA-256 of the public key), as certificates show it"
    cmd = course_sub.add_parser("fingerprint", help=text, description=text)
    cmd.add_argument("key", metavar="KEY", help="trainer.pub (or trainer.key)")
    add_output_options(cmd, fields="key (path), fingerprint (hex)")
    cmd.set_defaults(func=_course_fingerprint)

    text = "rewrite chapters' sealed self-checks from their answer keys (answer_keys/)"
    cmd = course_sub.add_parser("seal", help=text, description=text)
    cmd.add_argument("chapters", nargs="+", metavar="CHAPTER", help="a chapter's file stem or path")
    cmd.add_argument("--root", help=root_help)
    add_output_options(cmd, fields="sealed (paths of the chapters rewritten)")
    cmd.set_defaults(func=_course_seal)

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

    text = "write learner editions of chapters (no solutions; exercises as plain Markdown)"
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

    text = "run submitted notebooks in a sandbox and score them on the answer keys (no signing)"
    cmd = course_sub.add_parser("grade", help=text, description=text)
    cmd.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    cmd.add_argument("--key", help=argparse.SUPPRESS)  # refused with a message: see sign
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    cmd.add_argument(
        "--roster",
        metavar="ROSTER.csv",
        help="columns file, learner (and chapter): checked against each notebook",
    )
    cmd.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="notebooks graded at once (default: the processor's cores)",
    )
    cmd.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run learners' code without bubblewrap, as you (unsafe: see the trainer's guide)",
    )
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
        help=f"share of exercises needed to pass (default {DEFAULT_PASS_THRESHOLD:g})",
    )
    cmd.add_argument("--root", help=root_help + "; its chapters are the trainer's copy")
    add_output_options(
        cmd,
        fields="pass_threshold, sandbox, scores_csv (path), results (rows of submission, "
        "learner, chapter, status, score, max_score (integers), passed, pass_threshold, flags, "
        "detail, result)",
    )
    cmd.set_defaults(func=_course_grade)

    text = "sign graded results as completion records (runs no learner code)"
    cmd = course_sub.add_parser("sign", help=text, description=text)
    cmd.add_argument("graded", metavar="DIR", help="the folder `grade` wrote")
    cmd.add_argument("--key", required=True, help="the trainer's private key (trainer.key)")
    cmd.add_argument(
        "--include-flagged",
        action="store_true",
        help="sign results whose file name, metadata and roster disagree, too",
    )
    add_output_options(cmd, fields="signed (paths of the records), not_signed (reasons)")
    cmd.set_defaults(func=_course_sign)

    text = "check completion records against the trainer's public key (exit 0 all valid, 1 not)"
    cmd = course_sub.add_parser("verify", help=text, description=text)
    cmd.add_argument("records", nargs="+", metavar="RECORD.json")
    cmd.add_argument("--public-key", required=True, help="the trainer's public key (trainer.pub)")
    add_output_options(
        cmd,
        fields="valid (all of them), records (list of {record, valid, reason}); exit status 0 "
        "or 1 as without --json",
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
    cmd.add_argument("--issuer", required=True, help="who issues it (your organisation)")
    cmd.add_argument("--programme", required=True, help="the programme or course it belongs to")
    add_output_options(cmd, fields="written (path of the certificate)")
    cmd.set_defaults(func=_course_certificate)
