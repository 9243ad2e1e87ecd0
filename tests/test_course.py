"""Course tools: grading in a sandbox, answer keys, signing apart, records and certificates.

The expensive part runs once per module: one grading batch (a correct solve, a blank
notebook, broken ones and every cheat we could think of) through the command line, then one
signing step. Expected values come from the chapter's answer key read as plain TOML, from the
profile (facts) or from hashes computed here, never from the code under test.

The cheats are written the way a dishonest learner would, against the learner edition that
`assign` hands out; each must score zero on the exercises it attacks.
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
import tomllib
from pathlib import Path

import nbformat
import pytest
from books import make_book
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import implsupport
from implsupport import cli, course, records

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_gap_and_people"
CHAPTER_PATH = ROOT / "chapters" / f"{CHAPTER}.ipynb"
LEARNER = "Ada Lovelace"
LABELS = ["ex-gap-count", "ex-gap-domain", "ex-gap-outcome"]
# Right answers to chapter 01's exercises, from the profile and Proctor et al. (facts.md).
ANSWERS = {
    "a number computed": "answer = 6",
    "the domain's name": 'answer = "Sustaining change"',
    "one outcome's name": 'answer = "Penetration"',
}
SECRET = "IMPLSUPPORT_TEST_SECRET"

# ---- what dishonest learners write -------------------------------------------------------
# Each snippet goes into the learner edition right after the imports; the exercises' answers
# stay None unless the snippet sets them.
ALWAYS_EQUAL = """
class Anything(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
class AnyText(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
    def casefold(self):
        return self
    def strip(self, *a):
        return self
"""
CHEATS = {
    # the check functions rebound or wrapped so that they always say "correct"
    "rebound": "from implsupport.exercises import Feedback\n"
    "self_check = lambda *a, **k: Feedback(True, 'ok')\n"
    "import implsupport.exercises as ex\n"
    "ex.check_number = ex.check_choice = ex.check_set = self_check",
    "wrapped": "from implsupport import exercises\n"
    "_real = exercises.SelfChecks.__call__\n"
    "def _always(self, *a, **k):\n"
    "    _real(self, *a, **k)\n"
    "    return exercises.Feedback(True, 'ok')\n"
    "exercises.SelfChecks.__call__ = _always",
    # answers that claim to equal anything
    "always_equal": ALWAYS_EQUAL + "answers = [Anything(0), AnyText('x'), AnyText('x')]",
    # patched modules the grader's capture might use
    "patched_modules": "import math\n"
    "math.isfinite = lambda x: True\n"
    "import implsupport.course.answer_keys as ak\n"
    "ak.judge = lambda *a, **k: (True, '')\n"
    "import implsupport.exercises as ex\n"
    "ex.within_tolerance = lambda *a: True\n"
    "ex.normalise_choice = lambda t: 'x'",
    # objects whose conversions lie
    "odd_conversions": "class Liar:\n"
    "    def __float__(self): return float('nan')\n"
    "    def __int__(self): return 6\n"
    "    def __index__(self): return 6\n"
    "    def __str__(self): return 'Sustaining change'\n"
    "    def __repr__(self): return '6'\n"
    "    def __eq__(self, other): return True\n"
    "    __hash__ = object.__hash__\n"
    "answers = [Liar(), Liar(), Liar()]",
    # a fake answer payload, and extra payloads slipped into the grader's cells
    "fake_payloads": "from IPython.display import publish_display_data\n"
    "MIME = 'application/vnd.implsupport.answers+json'\n"
    "for label in ['ex-gap-count', 'ex-gap-domain', 'ex-gap-outcome']:\n"
    "    publish_display_data({MIME: {'label': label, 'answers': {'answer': 6}}})\n"
    "def _inject(*a, **k):\n"
    "    publish_display_data({MIME: {'label': 'ex-gap-count', 'answers': {'answer': 6}}})\n"
    "get_ipython().events.register('post_run_cell', _inject)",
    # the grader's namespace sabotaged
    "sabotage": "import IPython.display\n"
    "IPython.display.publish_display_data = lambda *a, **k: None\n"
    "globals = lambda: {}",
    # the answers read from the trainer's files, wherever they might be
    "key_hunt": "",  # filled in below: KEY_HUNT
}
# Looks everywhere a learner's code could for keys, answer keys and the trainer's paths, and
# uses anything it finds as the answers.
KEY_HUNT = r"""
import os, sys
import implsupport

found = []
needles = [b"PRIVATE KEY", b"[[exercise]]", b"Sustaining change", b"ex-gap-count"]
anywhere = ("trainer.key", "trainer.pub", "/answer_keys/")
outside_software = (".toml", "01_gap_and_people.ipynb")
package = os.path.dirname(os.path.dirname(implsupport.__file__))
software = ("/usr", sys.base_prefix, sys.prefix, package)
for top, dirs, files in os.walk("/", onerror=lambda e: None):
    if top.startswith(("/proc", "/sys", "/dev")):
        dirs[:] = []
        continue
    for name in files:
        path = os.path.join(top, name)
        if any(n in path for n in anywhere):
            found.append(("name", path))
        if top.startswith(software):  # the system and the packages: public code
            continue
        if any(n in name for n in outside_software):
            found.append(("name", path))
        try:
            with open(path, "rb") as handle:
                blob = handle.read(2_000_000)
        except OSError:
            continue
        for needle in needles:
            if needle in blob and "implsupport-grade-" not in path:
                found.append(("content", path, needle.decode()))
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for part in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{part}", "rb") as handle:
                text = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        for word in ("trainer.key", "--key", "answer_keys", SECRET, "--root", "pytest"):
            if word in text:
                found.append((f"/proc/{pid}/{part}", word))
print("KEYHUNT", repr(found))
answers = [6, "Sustaining change", "Penetration"] if found else [None, None, None]
"""
CHEATS["key_hunt"] = KEY_HUNT.replace("SECRET,", repr(SECRET) + ",")
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


ARITHMETIC_KEY = """chapter = "90_arithmetic"

[[exercise]]
label = "ex-sum"
kind = "integer"
value = 5
"""


def synthetic_chapter(with_exercise: bool = True) -> nbformat.NotebookNode:
    """A tiny chapter with one exercise and a gated solution (or no exercise at all)."""
    cells = [new_markdown_cell("# Arithmetic\n\nA chapter for tests.")]
    if with_exercise:
        cells += [
            new_markdown_cell("## Exercises\n\n````{exercise} Sum\n:label: ex-sum\n\n2 + 3?\n````"),
            new_code_cell("answer = None"),
            new_markdown_cell("````{solution-start} ex-sum\n:class: dropdown\n````\nAdd."),
            new_code_cell("answer = 2 + 3"),
            new_markdown_cell("````{solution-end}\n````\n\n## Reflection prompts\n\n1. Why?"),
        ]
    nb = new_notebook(cells=cells)
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


def with_cheat(handout: Path, code: str) -> nbformat.NotebookNode:
    """The learner edition with the cheat after its self-checks; if the cheat defines
    ``answers``, each exercise's ``answer = None`` becomes ``answer = answers[i]``."""
    nb = nbformat.read(handout, as_version=4)
    sealed = next(i for i, c in enumerate(nb.cells) if "SelfChecks(" in c.source)
    nb.cells.insert(sealed + 1, new_code_cell(code))
    number = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("answer = None"):
            if "answers = " in code:
                cell.source = cell.source.replace("answer = None", f"answer = answers[{number}]", 1)
            number += 1
    assert number == 3
    return nb


def answer_key(chapter: str) -> dict:
    return tomllib.loads((ROOT / "answer_keys" / f"{chapter}.toml").read_text(encoding="utf-8"))


# ---- module fixtures: keys, learner editions, one grading batch, one signing -------------


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("course")


@pytest.fixture(scope="module")
def book(work) -> Path:
    chapter = nbformat.read(CHAPTER_PATH, as_version=4)
    return make_book(
        work / "book",
        {
            CHAPTER: chapter,
            "90_arithmetic": synthetic_chapter(),
            "91_no_key": synthetic_chapter(),
            "92_no_exercises": synthetic_chapter(with_exercise=False),
        },
        keys={
            "90_arithmetic": ARITHMETIC_KEY,
            "92_no_exercises": 'chapter = "92_no_exercises"\n',
        },
    )


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
    argv = ["course", "assign", CHAPTER, "90_arithmetic", "91_no_key", "92_no_exercises"]
    assert cli.main([*argv, "--out", str(handout), "--learner", LEARNER, "--root", str(book)]) == 0
    learner_nb = handout / f"{CHAPTER}.ipynb"
    subs = work / "submissions"
    subs.mkdir()
    solved = fill_answers(nbformat.read(learner_nb, as_version=4), ANSWERS)
    nbformat.write(solved, subs / "solved.ipynb")
    nbformat.write(solved, subs / "solved_again.ipynb")  # the same chapter passed twice
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
    for name in ("90_arithmetic", "91_no_key", "92_no_exercises"):
        nb = nbformat.read(handout / f"{name}.ipynb", as_version=4)
        if name != "92_no_exercises":
            nb = fill_answers(nb, {"": "answer = 5"})
        nbformat.write(nb, subs / f"{name}.ipynb")
    for name, code in CHEATS.items():
        nbformat.write(with_cheat(learner_nb, code), subs / f"cheat_{name}.ipynb")
    names = sorted(p.stem for p in subs.glob("*.ipynb"))
    out = work / "graded"
    argv = ["course", "grade", *[str(subs / f"{n}.ipynb") for n in names]]
    argv += ["--out", str(out), "--timeout", "180", "--root", str(book), "--jobs", "2"]
    os.environ[SECRET] = "s3cret"
    started = time.monotonic()
    try:
        code = cli.main(argv)
    finally:
        del os.environ[SECRET]
    batch_s = time.monotonic() - started
    assert code == 0
    signed = cli.main(["course", "sign", str(out), "--key", str(keys["key"])])
    assert signed == 0
    rows = {}
    with open(out / "scores.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["submission"].removesuffix(".ipynb")] = row
    return {"out": out, "rows": rows, "subs": subs, "handout": handout, "book": book,
            "batch_s": batch_s}  # fmt: skip


def record_of(graded, name: str) -> Path:
    return graded["out"] / "records" / Path(graded["rows"][name]["result"]).name


def executed_text(graded, name: str) -> str:
    nb = nbformat.read(graded["out"] / "executed" / f"{name}.ipynb", as_version=4)
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


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
    key_file = graded["book"] / "answer_keys" / f"{CHAPTER}.toml"
    assert record["learner"] == LEARNER
    assert record["chapter"] == CHAPTER
    assert record["competencies"] == meta["competencies"]
    assert record["book_version"] == implsupport.__version__
    assert record["submission_sha256"] == hashlib.sha256(submitted).hexdigest()
    assert record["answer_key_sha256"] == hashlib.sha256(key_file.read_bytes()).hexdigest()
    graded_chapter = graded["book"] / "chapters" / f"{CHAPTER}.ipynb"  # the trainer's copy
    assert record["chapter_sha256"] == hashlib.sha256(graded_chapter.read_bytes()).hexdigest()
    assert record["passed"] is True and record["pass_threshold"] == 0.8
    assert record["sandbox"] == "bubblewrap" and record["flags"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["graded_at"])
    assert [s["exercise"] for s in record["scores"]] == LABELS


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


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_every_cheat_scores_zero(graded, cheat):
    row = graded["rows"][f"cheat_{cheat}"]
    assert row["status"] in {"graded", "graded-with-errors"}, row
    assert (row["score"], row["max_score"], row["passed"]) == ("0", "3", "False"), row
    record = json.loads(record_of(graded, f"cheat_{cheat}").read_text(encoding="utf-8"))
    assert [s["passed"] for s in record["record"]["scores"]] == [False] * 3


def test_the_cheats_did_run(graded):
    """The cheats are not zero because they failed to run: their effects are visible."""
    nb = nbformat.read(graded["out"] / "executed" / "cheat_rebound.ipynb", as_version=4)
    shown = json.dumps([c.outputs for c in nb.cells if c.cell_type == "code"])
    assert "Correct" in shown  # the rebound self-check told the learner "correct"
    found = re.search(r"KEYHUNT (.*)", executed_text(graded, "cheat_key_hunt"))
    assert found, "the key hunt ran to its end"
    assert found.group(1) == "[]", f"the sandbox let the learner's code find {found.group(1)}"


def test_key_hunt_finds_nothing_and_no_key_is_copied(graded, keys, work):
    """No copy of the private key, public key or answer key anywhere the grader wrote."""
    secret = keys["key"].read_bytes().split(b"\n")[1]  # the base64 body of the private key
    whys = [e["why"].encode() for e in answer_key(CHAPTER)["exercise"]]
    for path in graded["out"].rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert secret not in blob, path
            assert not [why for why in whys if why in blob], path
    assert "IMPLSUPPORT_TEST_SECRET" not in executed_text(graded, "cheat_key_hunt")


def test_hostile_and_broken_submissions_each_get_a_clear_row(graded):
    rows = graded["rows"]
    assert rows["raises"]["status"] == "graded-with-errors"
    assert "ZeroDivisionError" in rows["raises"]["detail"]
    assert rows["not_a_notebook"]["status"] == "invalid"
    assert "not a Jupyter notebook" in rows["not_a_notebook"]["detail"]
    assert rows["not_a_notebook"]["result"] == ""
    assert rows["unknown"]["status"] == "unknown-chapter"
    assert "99_no_such_chapter" in rows["unknown"]["detail"]
    assert rows["nameless"]["status"] == "no-learner" and rows["nameless"]["result"] == ""


def test_chapters_without_answer_key_or_exercises_are_graded_without_stopping(graded):
    rows = graded["rows"]
    assert rows["91_no_key"]["status"] == "no-answer-key" and rows["91_no_key"]["result"] == ""
    empty = rows["92_no_exercises"]
    assert (empty["status"], empty["score"], empty["max_score"], empty["passed"]) == (
        "graded",
        "0",
        "0",
        "False",
    )
    assert "no exercises" in empty["detail"]
    arithmetic = rows["90_arithmetic"]
    assert (arithmetic["status"], arithmetic["score"], arithmetic["passed"]) == (
        "graded",
        "1",
        "True",
    )


def test_submission_runs_in_a_temporary_home_without_the_trainers_environment(graded):
    lines = dict(
        line.split(" ", 1) for line in executed_text(graded, "raises").splitlines() if " " in line
    )
    assert lines["SECRET"] == "None"
    home, cwd = Path(lines["HOME"]), Path(lines["CWD"])
    assert cwd.parent == home and home.name.startswith("implsupport-grade-")
    assert not home.exists()  # the temporary folder is gone after grading
    for folder in (ROOT, Path.cwd(), Path(os.environ.get("HOME", "/nonexistent"))):
        assert not (folder / "escape-relative.txt").exists()
        assert not (folder / "escape-home.txt").exists()


def test_grade_never_takes_the_private_key(graded, book, keys, work, capsys):
    argv = ["course", "grade", graded["subs"] / "solved.ipynb", "--out", work / "with-key"]
    code, out, err = run(capsys, *argv, "--key", keys["key"], "--root", book)
    assert code == 2 and "sign" in err and out == "" and not (work / "with-key").exists()


def test_grading_reports_progress_and_runs_in_parallel(graded, book, work, capsys, monkeypatch):
    # one notebook that computes forever, one that waits forever: both meet the time limit
    for name, code in (
        ("loop_a", "while True:\n    pass"),
        ("loop_b", "import time\ntime.sleep(10**6)"),
    ):
        loops = nbformat.read(graded["subs"] / "90_arithmetic.ipynb", as_version=4)
        loops.cells.insert(1, new_code_cell(code))
        nbformat.write(loops, work / f"{name}.ipynb")
    reports = []  # what the command's grading returned, with each notebook's start and time

    def grade(*args, **kwargs):
        reports.append(real_grade(*args, **kwargs))
        return reports[-1]

    real_grade = course.grade
    monkeypatch.setattr(course, "grade", grade)
    out = work / "graded-loops"
    argv = ["course", "grade", work / "loop_a.ipynb", work / "loop_b.ipynb", "--out", out]
    code, _, err = run(capsys, *argv, "--timeout", "3", "--jobs", "2", "--root", book)
    assert code == 0
    assert re.search(r"\[1/2\] loop_\w\.ipynb: timeout 0/1", err)
    assert re.search(r"\[2/2\] loop_\w\.ipynb: timeout 0/1", err)
    # the two time limits ran side by side: each began before the other ended
    a, b = reports[0].results
    assert a.status == b.status == "timeout" and min(a.seconds, b.seconds) >= 3
    assert a.started < b.started + b.seconds and b.started < a.started + a.seconds


def test_learner_given_on_the_command_line(graded, book, work, capsys):
    nameless = graded["subs"] / "90_arithmetic.ipynb"  # --learner overrides the metadata
    out = work / "graded-one"
    base = ["course", "grade", "--root", book, "--timeout", "60"]
    two = [*base, "--out", out, "--learner", "Grace Hopper", nameless, graded["subs"] / "x.ipynb"]
    code, _, err = run(capsys, *two)
    assert code == 2 and "one notebook" in err and not out.exists()
    code, _, _ = run(capsys, *base, "--out", out, "--learner", "Grace Hopper", nameless)
    assert code == 0
    result = json.loads(next((out / "results").glob("*.json")).read_text(encoding="utf-8"))
    assert result["learner"] == "Grace Hopper"
    code, _, err = run(capsys, *base, "--out", out, "--learner", "Grace Hopper", nameless)
    assert code == 2 and "scores.csv already exists" in err


def test_roster_file_name_and_metadata_are_cross_checked(graded, book, keys, work, capsys):
    subs = work / "roster-subs"
    subs.mkdir()
    shutil.copy2(graded["subs"] / "90_arithmetic.ipynb", subs / "90_arithmetic.ipynb")
    moved = nbformat.read(graded["subs"] / "90_arithmetic.ipynb", as_version=4)
    nbformat.write(moved, subs / f"grace__{CHAPTER}.ipynb")  # file name says another chapter
    nbformat.write(moved, subs / "stranger__90_arithmetic.ipynb")  # not on the roster
    roster = work / "roster.csv"
    roster.write_text(
        f"file,learner,chapter\n90_arithmetic.ipynb,Ada Byron,90_arithmetic\n"
        f"grace__{CHAPTER}.ipynb,{LEARNER},{CHAPTER}\n",
        encoding="utf-8",
    )
    out = work / "graded-roster"
    argv = ["course", "grade", *sorted(subs.iterdir()), "--out", out, "--roster", roster]
    code, stdout, _ = run(capsys, *argv, "--root", book, "--timeout", "60")
    assert code == 0 and "flagged" in stdout
    with open(out / "scores.csv", newline="", encoding="utf-8") as handle:
        flags = {r["submission"]: (r["learner"], r["flags"]) for r in csv.DictReader(handle)}
    assert flags["90_arithmetic.ipynb"][0] == "Ada Byron"  # the roster names the learner
    assert f"roster says 'Ada Byron', metadata says '{LEARNER}'" in flags["90_arithmetic.ipynb"][1]
    assert (
        f"file name says chapter {CHAPTER}, metadata says 90_arithmetic"
        in (flags[f"grace__{CHAPTER}.ipynb"][1])
    )
    assert "not on the roster" in flags["stranger__90_arithmetic.ipynb"][1]
    code, _, err = run(capsys, "course", "sign", out, "--key", keys["key"])
    assert code == 0 and err.count("flagged") == 3
    assert not list((out / "records").glob("*.json"))  # flagged results stay unsigned
    code, _, _ = run(capsys, "course", "sign", out, "--key", keys["key"], "--include-flagged")
    assert code == 0 and len(list((out / "records").glob("*.json"))) == 3


def test_record_file_names_are_safe_and_unique_for_any_name():
    names = ["王芳", "Ann Lee", "Ann-Lee", "../../etc/passwd", "Zoë Ñandú", "‮evil", "CON", "."]
    stems = [course.safe_stem(name, CHAPTER) for name in names]
    assert len(set(stems)) == len(names)
    assert stems[0].startswith("王芳-")
    for stem in stems:
        assert re.fullmatch(r"[\w-]+__01_gap_and_people", stem), stem
        assert len(stem.encode()) < 200 and not stem.startswith((".", "-"))


# ---- signing, verifying, tampering -------------------------------------------------------


def verify_fails(capsys, path: Path, public: Path, reason: str) -> None:
    code, out, err = run(capsys, "course", "verify", path, "--public-key", public)
    assert code == 1, (out, err)
    assert reason in err and len(err.strip().splitlines()) == 1


def test_sign_runs_no_learner_code_and_signs_each_result_once(graded, keys, capsys):
    results = sorted(p.name for p in (graded["out"] / "results").glob("*.json"))
    signed = sorted(p.name for p in (graded["out"] / "records").glob("*.json"))
    assert results == signed and len(signed) >= 12
    code, _, err = run(capsys, "course", "sign", graded["out"], "--key", keys["key"])
    assert code == 0 and err.count("already signed") == len(signed)


def test_verify_takes_many_records(graded, keys, work, capsys):
    paths = [record_of(graded, n) for n in ("solved", "unsolved", "90_arithmetic")]
    code, out, err = run(capsys, "course", "verify", *paths, "--public-key", keys["pub"])
    assert code == 0 and out.count(": valid:") == 3 and err == ""
    forged = work / "forged-many.json"
    forged.write_text(paths[1].read_text(encoding="utf-8").replace('"score":0', '"score":3'))
    code, out, err = run(capsys, "course", "verify", *paths, forged, "--public-key", keys["pub"])
    assert code == 1 and out.count(": valid:") == 3 and "INVALID" in err


def test_verify_accepts_exactly_the_signed_bytes(graded, keys, work, capsys):
    raw = record_of(graded, "solved").read_bytes()
    assert raw.endswith(b"}\n") and raw.count(b"\n") == 1  # canonical JSON and one newline
    exact = work / "exact.json"
    exact.write_bytes(raw)
    assert run(capsys, "course", "verify", exact, "--public-key", keys["pub"])[0] == 0
    for name, changed in {
        "no-final-newline": raw[:-1],
        "two-newlines": raw + b"\n",
        "crlf": raw[:-1] + b"\r\n",
        "leading-space": b" " + raw,
        "bom": b"\xef\xbb\xbf" + raw,
    }.items():
        path = work / f"{name}.json"
        path.write_bytes(changed)
        code, _, err = run(capsys, "course", "verify", path, "--public-key", keys["pub"])
        assert code == 1, name
        assert "INVALID" in err, name


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
    verify_fails(capsys, pretty, keys["pub"], "not byte for byte as signed")
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


def test_keygen_and_fingerprint_show_the_same_fingerprint(work, capsys):
    import base64

    code, out, _ = run(capsys, "course", "keygen", "--out", work / "fresh")
    assert code == 0
    shown = re.search(r"fingerprint \(SHA-256\): ([0-9a-f ]+)", out).group(1).replace(" ", "")
    # independently: SHA-256 of the raw key, the last 32 bytes of the DER SubjectPublicKeyInfo
    pem = (work / "fresh" / "trainer.pub").read_text(encoding="ascii")
    der = base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
    assert shown == hashlib.sha256(der[-32:]).hexdigest()
    for key in ("trainer.pub", "trainer.key"):
        code, out, _ = run(capsys, "course", "fingerprint", work / "fresh" / key)
        assert code == 0 and out.replace(" ", "").strip() == shown


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

ISSUER, PROGRAMME = "Northshire Implementation Academy", "Certificate in Implementation Support"


def test_certificate_names_issuer_programme_and_each_chapter_once(graded, keys, work, capsys):
    page = work / "certificate.html"
    solved, again = record_of(graded, "solved"), record_of(graded, "solved_again")
    unsolved = record_of(graded, "unsolved")
    argv = ["course", "certificate", solved, again, unsolved, "--public-key", keys["pub"]]
    argv += ["--issuer", ISSUER, "--programme", PROGRAMME]
    assert run(capsys, *argv, "--out", page)[0] == 0
    text = page.read_text(encoding="utf-8")
    assert ISSUER in text and PROGRAMME in text and LEARNER in text
    assert "Understanding context" in text and "3&thinsp;/&thinsp;3" in text
    assert text.count("<tr><td>") == 1  # passed twice, listed once
    assert "completed and passed 1 chapter " in text
    assert "0&thinsp;/&thinsp;3" not in text  # the chapter not passed is left off
    fingerprint = records.key_fingerprint(records.load_public_key(keys["pub"]))
    assert records.format_fingerprint(fingerprint) in text
    assert "implsupport course verify" in text and "implsupport course fingerprint" in text
    tampered = work / "cert-score.json"
    tampered.write_text(
        unsolved.read_text(encoding="utf-8").replace('"score":0', '"score":3'), encoding="utf-8"
    )
    bad_page = work / "bad.html"
    base = ["--public-key", keys["pub"], "--issuer", ISSUER, "--programme", PROGRAMME]
    code, _, err = run(capsys, "course", "certificate", solved, tampered, *base, "--out", bad_page)
    assert code == 1 and "no certificate written" in err and not bad_page.exists()
    code, _, err = run(capsys, "course", "certificate", unsolved, *base, "--out", bad_page)
    assert code == 2 and "nothing to certify" in err and not bad_page.exists()
    code, _, err = run(capsys, "course", "certificate", solved, *base[:4], "--programme", " ",
                       "--out", bad_page)  # fmt: skip
    assert code == 2 and "--programme" in err and not bad_page.exists()


def test_certificate_fits_one_page(graded, keys, work, capsys):
    pdf = work / "certificate.pdf"
    two = [record_of(graded, "solved"), record_of(graded, "90_arithmetic")]
    argv = ["course", "certificate", *two]
    argv += ["--public-key", keys["pub"], "--issuer", ISSUER, "--programme", PROGRAMME]
    assert run(capsys, *argv, "--out", pdf)[0] == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    code, _, err = run(capsys, *argv, "--out", pdf)
    assert code == 2 and "refusing to overwrite" in err


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
    assert "Chapter 1" in suggested[7].split(", ")  # chapter 1 declares competency 7
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
