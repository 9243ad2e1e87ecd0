"""Course tools: competency map, learner editions, grading, signed records, certificates.

The expensive parts run once per module: one grading batch (several notebooks, one call) and
one build of a one-chapter learner site. Expected values come from the chapter's own metadata
read as plain JSON, from the profile (facts), or from hashes computed here, never from the
code under test.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import stat
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import implsupport
from implsupport import cli, course, records

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_gap_and_people"
CHAPTER_PATH = ROOT / "chapters" / f"{CHAPTER}.ipynb"
LEARNER = "Ada Lovelace"
# Right answers to chapter 01's exercises, from the profile and Proctor et al. (facts.md).
ANSWERS = {
    "a number computed": "answer = 6",
    "the domain's name": 'answer = "Sustaining change"',
    "one outcome's name": 'answer = "Penetration"',
}
MARKER = "LEAKMARK7f3a9c"
SECRET = "IMPLSUPPORT_TEST_SECRET"
# What a careless or hostile submission might try: write where it stands and in HOME, read
# the trainer's environment.
ESCAPE = f"""import os
from pathlib import Path

Path("escape-relative.txt").write_text("x")
(Path.home() / "escape-home.txt").write_text("x")
print("CWD", os.getcwd())
print("HOME", os.environ["HOME"])
print("SECRET", os.environ.get("{SECRET}"))"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def make_book(dest: Path, notebooks: dict[str, nbformat.NotebookNode]) -> Path:
    """A small copy of the book holding only the given chapter notebooks."""
    (dest / "chapters").mkdir(parents=True)
    for name in ("_config.yml", "references.bib"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "data", dest / "data")
    shutil.copytree(ROOT / "_ext", dest / "_ext")  # the book's local Sphinx extensions
    (dest / "node_modules").symlink_to(ROOT / "node_modules")  # KaTeX, for the formulas
    shutil.copy2(ROOT / "chapters" / "bibliography.md", dest / "chapters" / "bibliography.md")
    (dest / "intro.md").write_text("# A small book\n\nOne chapter, for tests.\n", encoding="utf-8")
    files = "".join(f"      - file: chapters/{name}\n" for name in notebooks)
    toc = (
        "format: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    chapters:\n"
        f"{files}  - caption: About\n    chapters:\n      - file: chapters/bibliography\n"
    )
    (dest / "_toc.yml").write_text(toc, encoding="utf-8")
    for name, nb in notebooks.items():
        nbformat.write(nb, dest / "chapters" / f"{name}.ipynb")
    return dest


def synthetic_chapter() -> nbformat.NotebookNode:
    """A tiny chapter with one exercise, a gated solution and no trainer checks."""
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Arithmetic\n\nA chapter for tests."),
            new_code_cell("from implsupport.exercises import check_number"),
            new_markdown_cell("## Exercises\n\n````{exercise} Sum\n:label: ex-sum\n\n2 + 3?\n````"),
            new_code_cell("answer = None\ncheck_number(answer, 5, tolerance=0)"),
            new_markdown_cell("````{solution-start} ex-sum\n:class: dropdown\n````\nAdd."),
            new_code_cell("answer = 2 + 3\ncheck_number(answer, 5, tolerance=0)"),
            new_markdown_cell("````{solution-end}\n````\n\n## Reflection prompts\n\n1. Why?"),
        ]
    )
    nb.metadata["implsupport"] = {"competencies": [2, 11], "objectives": ["Add two numbers."]}
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def fill_answers(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    filled = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("answer = None"):
            for hint, code in answers.items():
                if hint in cell.source:
                    cell.source = cell.source.replace("answer = None", code, 1)
                    filled += 1
    assert filled == len(answers)
    return nb


# ---- module fixtures: keys, learner editions, one grading batch --------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("course")


@pytest.fixture(scope="module")
def book(work) -> Path:
    chapter = nbformat.read(CHAPTER_PATH, as_version=4)
    return make_book(work / "book", {CHAPTER: chapter, "90_arithmetic": synthetic_chapter()})


@pytest.fixture(scope="module")
def keys(work) -> dict[str, Path]:
    assert cli.main(["course", "keygen", "--out", str(work / "keys")]) == 0
    assert cli.main(["course", "keygen", "--out", str(work / "other")]) == 0
    return {
        "key": work / "keys" / "trainer.key",
        "pub": work / "keys" / "trainer.pub",
        "other_key": work / "other" / "trainer.key",
        "other_pub": work / "other" / "trainer.pub",
    }


@pytest.fixture(scope="module")
def graded(work, book, keys) -> dict[str, object]:
    handout = work / "handout"
    argv = ["course", "assign", CHAPTER, "90_arithmetic", "--out", str(handout)]
    assert cli.main([*argv, "--learner", LEARNER, "--root", str(book)]) == 0
    learner_nb = handout / f"{CHAPTER}.ipynb"
    subs = work / "submissions"
    subs.mkdir()
    solved = fill_answers(nbformat.read(learner_nb, as_version=4), ANSWERS)
    nbformat.write(solved, subs / "solved.ipynb")
    shutil.copy2(learner_nb, subs / "unsolved.ipynb")
    raises = nbformat.read(learner_nb, as_version=4)
    raises.cells.insert(3, new_code_cell("1 / 0"))
    raises.cells.insert(3, new_code_cell(ESCAPE))
    nbformat.write(raises, subs / "raises.ipynb")
    (subs / "not_a_notebook.ipynb").write_text("print('hello')\n", encoding="utf-8")
    unknown = nbformat.read(learner_nb, as_version=4)
    unknown.metadata["implsupport"]["learner_edition"]["chapter"] = "99_no_such_chapter"
    nbformat.write(unknown, subs / "unknown.ipynb")
    nameless = nbformat.read(learner_nb, as_version=4)
    nameless.metadata["implsupport"]["learner_edition"]["learner"] = None
    nbformat.write(nameless, subs / "nameless.ipynb")
    arithmetic = fill_answers(
        nbformat.read(handout / "90_arithmetic.ipynb", as_version=4), {"": "answer = 5"}
    )
    nbformat.write(arithmetic, subs / "arithmetic.ipynb")
    loops = nbformat.read(subs / "arithmetic.ipynb", as_version=4)
    loops.cells.insert(2, new_code_cell("while True:\n    pass"))
    nbformat.write(loops, subs / "loops.ipynb")
    names = [
        "solved",
        "unsolved",
        "raises",
        "not_a_notebook",
        "unknown",
        "nameless",
        "arithmetic",
    ]
    out = work / "graded"
    argv = ["course", "grade", *[str(subs / f"{n}.ipynb") for n in names]]
    argv += ["--key", str(keys["key"]), "--out", str(out), "--timeout", "120", "--root", str(book)]
    os.environ[SECRET] = "s3cret"
    try:
        assert cli.main(argv) == 0
    finally:
        del os.environ[SECRET]
    # A notebook that never ends, with a small time limit; the batch goes on after it.
    out_loops = work / "graded-loops"
    argv = ["course", "grade", str(subs / "loops.ipynb"), str(subs / "arithmetic.ipynb")]
    argv += ["--key", str(keys["key"]), "--out", str(out_loops), "--timeout", "5"]
    started = time.monotonic()
    assert cli.main([*argv, "--root", str(book)]) == 0
    elapsed = time.monotonic() - started
    rows = {}
    for folder in (out, out_loops):
        with open(folder / "scores.csv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows[row["submission"].removesuffix(".ipynb") + ("" if folder == out else "2")] = (
                    row
                )
    return {
        "out": out,
        "rows": rows,
        "subs": subs,
        "handout": handout,
        "loop_s": elapsed,
        "book": book,
    }


def record_of(graded, name: str) -> Path:
    return graded["out"] / graded["rows"][name]["record"]


# ---- the round trip --------------------------------------------------------------------


def test_solved_notebook_passes_and_its_record_verifies(graded, keys, capsys):
    row = graded["rows"]["solved"]
    assert (row["status"], row["score"], row["max_score"], row["passed"]) == (
        "graded",
        "3",
        "3",
        "True",
    )
    path = record_of(graded, "solved")
    code, out, err = run(capsys, "course", "verify", path, "--public-key", keys["pub"])
    assert code == 0 and "valid" in out and err == ""
    record = json.loads(path.read_text(encoding="utf-8"))["record"]
    meta = json.loads(CHAPTER_PATH.read_text(encoding="utf-8"))["metadata"]["implsupport"]
    submitted = (graded["subs"] / "solved.ipynb").read_bytes()
    assert record["learner"] == LEARNER
    assert record["chapter"] == CHAPTER
    assert record["competencies"] == meta["competencies"]
    assert record["book_version"] == implsupport.__version__
    assert record["submission_sha256"] == hashlib.sha256(submitted).hexdigest()
    graded_chapter = graded["book"] / "chapters" / f"{CHAPTER}.ipynb"  # the trainer's copy
    assert record["chapter_sha256"] == hashlib.sha256(graded_chapter.read_bytes()).hexdigest()
    assert record["passed"] is True and record["pass_threshold"] == 0.8
    assert record["checks_derived_from_self_checks"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["graded_at"])
    assert [s["check"] for s in record["scores"]] == [
        "ex-gap-count",
        "ex-gap-domain",
        "ex-gap-outcome",
    ]


def test_unsolved_notebook_fails_with_a_valid_record(graded, keys, capsys):
    row = graded["rows"]["unsolved"]
    assert (row["status"], row["score"], row["max_score"], row["passed"]) == (
        "graded",
        "0",
        "3",
        "False",
    )
    code, out, _ = run(
        capsys, "course", "verify", record_of(graded, "unsolved"), "--public-key", keys["pub"]
    )
    assert code == 0 and "not passed" in out


def test_hostile_and_broken_submissions_each_get_a_clear_row(graded):
    rows = graded["rows"]
    assert rows["raises"]["status"] == "graded-with-errors"
    assert "ZeroDivisionError" in rows["raises"]["detail"]
    assert rows["loops2"]["status"] == "timeout" and rows["loops2"]["passed"] == "False"
    assert "time limit of 5 s" in rows["loops2"]["detail"]
    assert rows["arithmetic2"]["status"] == "graded"  # the batch went on
    assert graded["loop_s"] < 60  # stopped, not left running
    assert rows["not_a_notebook"]["status"] == "invalid"
    assert "not a Jupyter notebook" in rows["not_a_notebook"]["detail"]
    assert rows["not_a_notebook"]["record"] == ""
    assert rows["unknown"]["status"] == "unknown-chapter"
    assert "99_no_such_chapter" in rows["unknown"]["detail"]
    assert rows["nameless"]["status"] == "no-learner" and rows["nameless"]["record"] == ""
    # Records only for notebooks that were run; one file per record, all distinct.
    made = sorted(p.name for p in (graded["out"] / "records").glob("*.json"))
    expected = {r["record"] for k, r in rows.items() if r["record"] and not k.endswith("2")}
    assert len(made) == len(expected) == 4  # solved, unsolved, raises, arithmetic


def test_submission_runs_in_a_temporary_home_without_the_trainers_environment(graded):
    executed = nbformat.read(graded["out"] / "executed" / "raises.ipynb", as_version=4)
    printed = "".join(
        output.get("text", "")
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    lines = dict(line.split(" ", 1) for line in printed.splitlines() if " " in line)
    assert lines["SECRET"] == "None"
    home, cwd = Path(lines["HOME"]), Path(lines["CWD"])
    assert cwd.parent == home and home.name.startswith("implsupport-grade-")
    assert not home.exists()  # the temporary folder is gone after grading
    for folder in (ROOT, Path.cwd(), Path(os.environ.get("HOME", "/nonexistent"))):
        assert not (folder / "escape-relative.txt").exists()
        assert not (folder / "escape-home.txt").exists()
    # the trainer's checks ran in the executed copy, after the learner's error
    assert sum("trainer_check" in c.source for c in executed.cells) == 3


def test_chapter_without_trainer_checks_is_graded_on_its_self_checks(graded):
    row = graded["rows"]["arithmetic"]
    assert (row["status"], row["score"], row["max_score"], row["passed"]) == (
        "graded",
        "1",
        "1",
        "True",
    )
    record = json.loads(record_of(graded, "arithmetic").read_text(encoding="utf-8"))["record"]
    assert record["checks_derived_from_self_checks"] is True
    assert record["competencies"] == [2, 11]


def test_learner_given_on_the_command_line(graded, book, keys, work, capsys):
    nameless = graded["subs"] / "arithmetic.ipynb"  # --learner overrides the metadata
    out = work / "graded-one"
    base = ["course", "grade", "--key", keys["key"], "--root", book, "--timeout", "60"]
    two = [*base, "--out", out, "--learner", "Grace Hopper", nameless, nameless]
    code, _, err = run(capsys, *two)
    assert code == 2 and "one notebook" in err and not out.exists()
    code, _, _ = run(capsys, *base, "--out", out, "--learner", "Grace Hopper", nameless)
    assert code == 0
    record = json.loads(next((out / "records").glob("*.json")).read_text(encoding="utf-8"))
    assert record["record"]["learner"] == "Grace Hopper"
    code, _, err = run(capsys, *base, "--out", out, "--learner", "Grace Hopper", nameless)
    assert code == 2 and "scores.csv already exists" in err


# ---- tampering -------------------------------------------------------------------------


def verify_fails(capsys, path: Path, public: Path, reason: str) -> None:
    code, out, err = run(capsys, "course", "verify", path, "--public-key", public)
    assert code == 1, (out, err)
    assert reason in err and len(err.strip().splitlines()) == 1


def test_changed_score_is_rejected(graded, keys, work, capsys):
    text = record_of(graded, "unsolved").read_text(encoding="utf-8")
    assert '"score":0' in text
    forged = work / "score.json"
    forged.write_text(text.replace('"score":0', '"score":3'), encoding="utf-8")
    verify_fails(capsys, forged, keys["pub"], "changed after it was signed")


def test_changed_learner_is_rejected(graded, keys, work, capsys):
    envelope = json.loads(record_of(graded, "solved").read_text(encoding="utf-8"))
    envelope["record"]["learner"] = "Mallory"
    forged = work / "learner.json"
    forged.write_bytes(records.canonical_json(envelope) + b"\n")
    verify_fails(capsys, forged, keys["pub"], "changed after it was signed")


def test_record_checked_with_another_key_is_rejected(graded, keys, capsys):
    verify_fails(capsys, record_of(graded, "solved"), keys["other_pub"], "different key")


def test_record_re_signed_with_another_key_is_rejected(graded, keys, work, capsys):
    envelope = json.loads(record_of(graded, "unsolved").read_text(encoding="utf-8"))
    body = {**envelope["record"], "score": 3, "passed": True}
    forged = records.sign_record(body, records.load_private_key(keys["other_key"]))
    path = records.write_record(forged, work / "resigned.json")
    verify_fails(capsys, path, keys["pub"], "different key")


def test_truncated_record_is_rejected(graded, keys, work, capsys):
    raw = record_of(graded, "solved").read_bytes()
    cut = work / "truncated.json"
    cut.write_bytes(raw[: len(raw) // 2])
    verify_fails(capsys, cut, keys["pub"], "not valid JSON")


def test_reformatted_or_foreign_json_is_rejected(graded, keys, work, capsys):
    envelope = json.loads(record_of(graded, "solved").read_text(encoding="utf-8"))
    pretty = work / "pretty.json"
    pretty.write_text(json.dumps(envelope, indent=2), encoding="utf-8")
    verify_fails(capsys, pretty, keys["pub"], "canonical form")
    foreign = work / "foreign.json"
    foreign.write_text('{"learner": "x"}', encoding="utf-8")
    verify_fails(capsys, foreign, keys["pub"], "not a completion record")


def test_verify_usage_mistakes_exit_2(graded, keys, work, capsys):
    code, _, err = run(capsys, "course", "verify", work / "nope.json", "--public-key", keys["pub"])
    assert code == 2 and "file not found" in err
    record = record_of(graded, "solved")
    code, _, err = run(capsys, "course", "verify", record, "--public-key", keys["key"])
    assert code == 2 and "public key" in err
    with pytest.raises(SystemExit) as stopped:
        cli.main(["course", "verify", str(record)])
    assert stopped.value.code == 2 and "--public-key" in capsys.readouterr().err


# ---- keys ------------------------------------------------------------------------------


def test_keygen_writes_pem_pair_and_refuses_to_overwrite(keys, capsys):
    before = keys["key"].read_bytes(), keys["pub"].read_bytes()
    assert before[0].startswith(b"-----BEGIN PRIVATE KEY-----")
    assert before[1].startswith(b"-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE(keys["key"].stat().st_mode) == 0o600
    code, _, err = run(capsys, "course", "keygen", "--out", keys["key"].parent)
    assert code == 2 and "refusing to overwrite" in err
    assert (keys["key"].read_bytes(), keys["pub"].read_bytes()) == before


def test_signing_round_trip_without_the_grader(keys, work):
    body = {name: 1 for name in records.REQUIRED_FIELDS if name != "issuer_key_sha256"}
    body.update({"format": records.RECORD_FORMAT, "learner": "Zoë Ñandú", "chapter": "x"})
    envelope = records.sign_record(body, records.load_private_key(keys["key"]))
    path = records.write_record(envelope, work / "unicode.json")
    assert "Zoë Ñandú".encode() in path.read_bytes()  # UTF-8, not \u escapes
    assert records.verify(path, keys["pub"]).valid
    with pytest.raises(FileExistsError):
        records.write_record(envelope, path)


# ---- certificate -----------------------------------------------------------------------


def test_certificate_from_verified_records_only(graded, keys, work, capsys):
    page = work / "certificate.html"
    solved, unsolved = record_of(graded, "solved"), record_of(graded, "unsolved")
    argv = ["course", "certificate", solved, unsolved, "--public-key", keys["pub"]]
    assert run(capsys, *argv, "--out", page)[0] == 0
    text = page.read_text(encoding="utf-8")
    assert LEARNER in text and "Understanding context" in text and "3 / 3" in text
    assert hashlib.sha256(solved.read_bytes()).hexdigest() in text
    assert "0 / 3" not in text  # the chapter not passed is left off
    tampered = work / "score.json"  # written by test_changed_score_is_rejected
    if not tampered.exists():
        tampered.write_text(
            unsolved.read_text(encoding="utf-8").replace('"score":0', '"score":3'),
            encoding="utf-8",
        )
    bad_page = work / "bad.html"
    code, _, err = run(capsys, "course", "certificate", solved, tampered, "--public-key",
                       keys["pub"], "--out", bad_page)  # fmt: skip
    assert code == 1 and "no certificate written" in err and not bad_page.exists()
    code, _, err = run(capsys, "course", "certificate", unsolved, "--public-key", keys["pub"],
                       "--out", bad_page)  # fmt: skip
    assert code == 2 and "nothing to certify" in err and not bad_page.exists()


def test_certificate_as_pdf(graded, keys, work, capsys):
    pdf = work / "certificate.pdf"
    solved = record_of(graded, "solved")
    argv = ["course", "certificate", solved, "--public-key", keys["pub"], "--out", pdf]
    assert run(capsys, *argv)[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 5000
    code, _, err = run(capsys, *argv)
    assert code == 2 and "refusing to overwrite" in err


# ---- learner editions and leaks --------------------------------------------------------


def plant_markers(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """Put MARKER in every part of every solution and every trainer check (sources and
    outputs), found with a plain text scan independent of the code under test."""
    planted, inside = 0, False
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            if "{solution-end}" in cell.source:
                cell.source = f"{MARKER}-end\n\n{cell.source}"
                planted += 1
                inside = False
            if "{solution-start}" in cell.source:
                cell.source += f"\n\n{MARKER}-start"
                planted += 1
                inside = True
            elif inside:
                cell.source += f"\n\n{MARKER}-md"
                planted += 1
        elif cell.cell_type == "code" and (inside or "trainer-check" in tags):
            cell.source += f"\n# {MARKER}-code"
            cell.outputs.append(nbformat.v4.new_output("stream", text=f"{MARKER}-output\n"))
            planted += 2
    return nb, planted


def files_with_marker(folder: Path) -> list[str]:
    return [
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and MARKER.encode() in path.read_bytes()
    ]


@pytest.fixture(scope="module")
def marked_book(work) -> Path:
    nb, planted = plant_markers(nbformat.read(CHAPTER_PATH, as_version=4))
    assert planted >= 12  # three gated solutions and three trainer checks
    return make_book(work / "marked", {CHAPTER: nb})


def test_learner_notebook_holds_no_solution_and_keeps_the_exercises(marked_book, work, capsys):
    source = (marked_book / "chapters" / f"{CHAPTER}.ipynb").read_text(encoding="utf-8")
    assert source.count(MARKER) >= 12  # the markers are there to be found
    out = work / "marked-handout"
    argv = ["course", "assign", CHAPTER, "--out", out, "--root", marked_book]
    assert run(capsys, *argv)[0] == 0
    assert files_with_marker(out) == []
    nb = json.loads((out / f"{CHAPTER}.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(nb)
    for label in ("ex-gap-count", "ex-gap-domain", "ex-gap-outcome"):
        assert f":label: {label}" in text
    assert "solution-start" not in text and "solution-end" not in text
    assert "trainer_check" not in text and "trainer-check" not in text
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code_cells)
    assert sum("".join(c["source"]).startswith("answer = None") for c in code_cells) == 3
    edition = nb["metadata"]["implsupport"]["learner_edition"]
    assert edition["chapter"] == CHAPTER and edition["book_version"] == implsupport.__version__
    expected = hashlib.sha256((marked_book / "chapters" / f"{CHAPTER}.ipynb").read_bytes())
    assert edition["source_sha256"] == expected.hexdigest()


def test_learner_site_holds_no_solution_anywhere(marked_book, work):
    out = work / "learner-site"
    html = course.build_learner_site(out, marked_book, warnings_as_errors=True)
    page = (html / "chapters" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    download = html / "_sources" / "chapters" / f"{CHAPTER}.ipynb"
    assert "Counting competencies" in page and "Naming an outcome" in page
    assert f"_sources/chapters/{CHAPTER}.ipynb" in page  # the download button's file
    assert "Counting competencies" in download.read_text(encoding="utf-8")
    assert "mybinder" not in page and "colab.research" not in page
    assert files_with_marker(out) == []


def test_learner_site_refuses_a_folder_in_use(work, capsys):
    used = work / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "course", "site", "--out", used)
    assert code == 2 and "not empty" in err
    assert [p.name for p in used.iterdir()] == ["keep.txt"]


def test_strip_solutions_edge_cases():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "Intro.\n\n:::{solution-start} ex-a\n:class: dropdown\n:::\nsecret A\n\n"
                "```{solution-end}\n```\nKept after A."
            ),
            new_markdown_cell(
                "Before B.\n\n````{solution} ex-b\n:class: dropdown\n\nsecret B\n```python\n"
                "x = 1  # secret B code\n```\n````\nAfter B."
            ),
            new_markdown_cell("````{solution-start} ex-c\n````"),
            new_code_cell("secret_c = 1"),
            new_markdown_cell("secret C text"),
            new_markdown_cell("````{solution-end}\n````"),
            new_code_cell("answer = None", metadata={"tags": ["trainer-check"]}),
            new_code_cell("visible = 2"),
        ]
    )
    out = course.strip_solutions(nb)
    text = json.dumps(out)
    assert "secret" not in text and "answer = None" not in text
    assert [c.source for c in out.cells] == [
        "Intro.\n\nKept after A.",
        "Before B.\n\nAfter B.",
        "visible = 2",
    ]
    unclosed = new_notebook(cells=[new_markdown_cell("````{solution-start} x\n````\nrest")])
    with pytest.raises(ValueError, match=r"mine\.ipynb: a solution-start has no solution-end"):
        course.strip_solutions(unclosed, "mine.ipynb")
    stray = new_notebook(cells=[new_markdown_cell("````{solution-end}\n````")])
    with pytest.raises(ValueError, match="solution-end without a solution-start"):
        course.strip_solutions(stray)


def test_assign_mistakes_exit_2_and_write_nothing(work, capsys):
    out = work / "assign-bad"
    code, _, err = run(capsys, "course", "assign", "99_missing", "--out", out)
    assert code == 2 and "99_missing" in err and not out.exists()
    assert run(capsys, "course", "assign", CHAPTER, "--out", out)[0] == 0
    code, _, err = run(capsys, "course", "assign", CHAPTER, "--out", out)
    assert code == 2 and "refusing to overwrite" in err


def test_trainer_check_needs_a_real_bool():
    assert course.trainer_check("x", True).passed is True
    with pytest.raises(TypeError, match="passed: expected True or False"):
        course.trainer_check("x", 1)


# ---- competency map and self-assessment ------------------------------------------------


def declared() -> dict[str, list[int]]:
    """Each chapter's declared competencies, read as plain JSON."""
    found = {}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("implsupport", {})
        if "competencies" in meta:
            found[path.stem] = meta["competencies"]
    return found


def test_matrix_matches_what_chapters_declare():
    matrix = course.competency_map(ROOT).matrix()
    assert matrix.shape == (15, len(declared()))
    for chapter, numbers in declared().items():
        ticked = [n for (n, _), value in matrix[chapter].items() if value]
        assert ticked == sorted(numbers)


def test_competencies_command(capsys):
    code, out, _ = run(capsys, "course", "competencies")
    assert code == 0 and "Cultivating leaders and champions" in out and CHAPTER in out
    for query in ("10", "communication", "Communication"):
        code, out, _ = run(capsys, "course", "competencies", query)
        assert code == 0 and "competency 10 (Communication)" in out and CHAPTER in out
    for query, message in (("co", "ambiguous"), ("16", "1-15"), ("juggling", "no such")):
        code, _, err = run(capsys, "course", "competencies", query)
        assert code == 2 and message in err


def test_self_assessment_suggests_chapters_for_weakest_areas():
    before = [3] * 15
    before[6], before[1] = 1, 1  # 7 understanding context, 2 brokering: weakest, tie
    profile = course.self_assessment(before, [4] * 15, ROOT)
    assert profile.to_frame()["change"].tolist() == [b and 4 - b for b in before]
    only_before = course.self_assessment(before, root=ROOT)
    weakest = only_before.weakest(2)
    assert weakest["number"].tolist() == [2, 7]
    suggested = dict(zip(*only_before.suggestions(2)[["number", "chapters"]].T.values, strict=True))
    assert CHAPTER in suggested[7]  # chapter 01 declares competency 7
    with pytest.raises(ValueError, match="ratings must be integers 1-4"):
        course.self_assessment([5] * 15, root=ROOT)
    with pytest.raises(ValueError, match="expected 15 ratings"):
        course.self_assessment([2] * 14, root=ROOT)


def test_committed_competency_map_lists_every_chapter():
    nb = json.loads((ROOT / "chapters" / "competency_map.ipynb").read_text(encoding="utf-8"))
    glued = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook", {})
            if meta.get("name"):
                glued[meta["name"]] = "".join(
                    output["data"]["application/papermill.record/text/plain"]
                )
    assert glued["n_chapters"] == str(len(declared())), (
        "a chapter was added or removed: re-run "
        "tools/execute_notebook.py chapters/competency_map.ipynb chapters/self_assessment.ipynb"
    )
