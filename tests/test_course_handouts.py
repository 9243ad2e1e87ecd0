"""Handouts and the learner site hold no answers, no answer keys and no trainer-only pages.

Every chapter's learner edition, and a learner build of the whole book (its HTML, its page
sources and its downloads), are searched for every answer of every answer key and for every
expression that computes one. The answers are read from the answer keys as plain TOML; the
search is plain text, independent of the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import io
import json
import re
import shutil
import tokenize
import tomllib
from pathlib import Path

import nbformat
import pytest
from books import make_book
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import implsupport
from implsupport import cli, course

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_gap_and_people"
CHAPTER_PATH = ROOT / "chapters" / f"{CHAPTER}.ipynb"
MARKER = "LEAKMARK7f3a9c"
TRAINER_MARKER = "TRAINERONLY4b1d"
KEYS = {
    path.stem: tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "answer_keys").glob("*.toml"))
}
CHAPTERS = sorted(
    path.stem
    for path in (ROOT / "chapters").glob("*.ipynb")
    if "competencies"
    in json.loads(path.read_text(encoding="utf-8"))["metadata"].get("implsupport", {})
)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def squash(text: str) -> str:
    """Text without whitespace, quotes unified, case folded: for finding code anywhere."""
    return re.sub(r"\s+", "", text).replace("'", '"').casefold()


def number_forms(value: float, tolerance: float) -> set[str]:
    """How a number could be written at the precision its exercise asks for, and finer."""
    forms = {repr(float(value))}
    if float(value).is_integer():
        forms.add(str(int(value)))
    decimals = max(0, -int(f"{tolerance:e}".split("e")[1])) if tolerance else 0
    for places in range(max(1, decimals), decimals + 4):
        forms.add(f"{value:.{places}f}")
    return {f for f in forms if len(f.replace(".", "").lstrip("0")) >= 2}  # 6, 1: too common


def stated(exercise: dict) -> list:
    """Numbers the exercise states itself (a group's size), which may equal an answer."""
    return list(exercise.get("stated_in_prompt", []))


def answers_of(exercise: dict) -> list:
    values = list(exercise.get("values", {}).values()) if "by" in exercise else [exercise["value"]]
    return values + list(exercise.get("accept", []))


def string_literals(code: str) -> list[str]:
    """The string constants in code (comments, which name the options, left out)."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.STRING:
                try:
                    found.append(str(eval(token.string, {}, {})))  # a literal, nothing else
                except Exception:
                    continue
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def exercise_regions(cells: list[dict]) -> dict[str, list[dict]]:
    """Each exercise's cells in a learner edition: from its anchor to the next anchor or
    heading."""
    regions: dict[str, list[dict]] = {}
    current = None
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        anchors = re.findall(r'<a id="([\w-]+)" class="implsupport-exercise"></a>', source)
        if anchors:
            current = anchors[-1]
            regions[current] = []
        elif cell["cell_type"] == "markdown" and re.search(r"^#{1,6} ", source, re.M):
            current = None
        if current:
            regions[current].append({**cell, "source": source})
    return regions


def notebook_text(nb: dict) -> str:
    """Every cell's source and every output's text, as a reader or a program would see it."""
    parts = []
    for cell in nb["cells"]:
        source = cell["source"]
        parts.append("".join(source) if isinstance(source, list) else source)
        for output in cell.get("outputs", []):
            for value in [output.get("text", ""), *output.get("data", {}).values()]:
                parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


def leaks_in_notebook(nb: dict, chapter: str) -> list[str]:
    """Every answer or answer-computing expression of ``chapter`` found in notebook ``nb``."""
    key = KEYS[chapter]
    found = []
    whole = squash(notebook_text(nb))
    for exercise in key["exercise"]:
        for expression in exercise.get("expressions", []):
            if squash(expression) in whole:
                found.append(f"{exercise['label']}: expression {expression!r}")
    regions = exercise_regions(nb["cells"])
    for exercise in key["exercise"]:
        label = exercise["label"]
        if label not in regions:
            found.append(f"{label}: exercise missing from the handout")
            continue
        text = "\n".join(c["source"] for c in regions[label])
        literals = [
            s.strip().casefold()
            for c in regions[label]
            if c["cell_type"] == "code"
            for s in string_literals(c["source"])
        ]
        for answer in answers_of(exercise):
            items = answer if isinstance(answer, list) else [answer]
            for item in items:
                if isinstance(item, str):
                    if item.strip().casefold() in literals:
                        found.append(f"{label}: the answer {item!r} as a literal")
                elif isinstance(item, int | float) and item not in stated(exercise):
                    for form in number_forms(item, exercise.get("tolerance", 0)):
                        if re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", text):
                            found.append(f"{label}: the number {form}")
    return found


def test_every_chapter_has_an_answer_key_for_every_exercise():
    assert sorted(KEYS) == CHAPTERS
    for chapter in CHAPTERS:
        nb = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        labels = re.findall(r"\{exercise\}[^\n]*\n:label: (\S+)", markdown)
        assert labels == [e["label"] for e in KEYS[chapter]["exercise"]], chapter
        assert len(labels) >= 3


@pytest.fixture(scope="module")
def handouts(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handouts")
    assert cli.main(["course", "assign", *CHAPTERS, "--out", str(out), "--root", str(ROOT)]) == 0
    return out


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_handout_holds_no_answer(handouts, chapter):
    nb = json.loads((handouts / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    assert leaks_in_notebook(nb, chapter) == []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_full_chapter_would_be_caught(chapter):
    """The search is not blind: the trainer's copy, solutions included, holds the answers."""
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    full = nbformat.reads(json.dumps(nb), as_version=4)
    edition = course.strip_solutions(full, markdown_exercises=True)
    assert leaks_in_notebook(json.loads(nbformat.writes(edition)), chapter) == []
    whole = squash(notebook_text(nb))
    expressions = [x for e in KEYS[chapter]["exercise"] for x in e.get("expressions", [])]
    assert any(squash(x) in whole for x in expressions), "the solutions compute the answers"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_sealed_self_checks_do_not_spell_the_answers(handouts, chapter):
    nb = json.loads((handouts / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    sealed = re.search(r"isc1\.([\w-]+)", json.dumps(nb)).group(1)
    decoded = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)).decode()
    table = json.loads(decoded)["x"]
    blobs = [base64.b64decode(e["e"]) for e in table.values()]
    # the labels (ex-fac-doing) may name an option; what is sealed must not
    values = json.dumps(list(table.values()))
    text = (values + "".join(b.hex() for b in blobs)).casefold()
    for exercise in KEYS[chapter]["exercise"]:
        for answer in answers_of(exercise):
            for item in answer if isinstance(answer, list) else [answer]:
                if isinstance(item, str) and len(item) > 2:
                    assert item.casefold() not in text
                    assert item.encode().hex() not in text
                elif not isinstance(item, str):
                    assert not re.search(rf"(?<![\d.]){re.escape(repr(float(item)))}(?!\d)", text)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercise_prompts_are_plain_markdown(handouts, chapter):
    nb = json.loads((handouts / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "{exercise}" not in markdown and "{solution" not in markdown
    for exercise in KEYS[chapter]["exercise"]:
        anchor = f'<a id="{exercise["label"]}" class="implsupport-exercise"></a>**Exercise: '
        assert anchor in markdown
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    edition = nb["metadata"]["implsupport"]["learner_edition"]
    assert edition["chapter"] == chapter and edition["book_version"] == implsupport.__version__


# ---- the learner site of the whole book, with trainer-only pages planted -------------------

TRAINER_FOLDER_PAGE = f"# Session plan for chapter 01\n\n{TRAINER_MARKER}-folder: aims, timings.\n"
TRAINER_FLAG_PAGE = (
    f"---\naudience: trainer\n---\n\n# Facilitation notes\n\n{TRAINER_MARKER}-flag: groups.\n"
)


@pytest.fixture(scope="module")
def learner_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("learner-site")
    book = work / "book"
    book.mkdir()
    for item in ROOT.iterdir():
        if item.name.startswith(".") or item.name in {"_build", "tests", "src", "tools"}:
            continue
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, book / item.name)
    (book / "chapters" / "trainer").mkdir(exist_ok=True)
    (book / "chapters" / "trainer" / "session_01.md").write_text(TRAINER_FOLDER_PAGE, "utf-8")
    (book / "chapters" / "facilitation_notes.md").write_text(TRAINER_FLAG_PAGE, "utf-8")
    toc = (book / "_toc.yml").read_text(encoding="utf-8")
    toc += (
        "  - caption: Trainer notes\n    chapters:\n      - file: chapters/trainer/session_01\n"
        "      - file: chapters/facilitation_notes\n"
    )
    (book / "_toc.yml").write_text(toc, encoding="utf-8")
    out = work / "site"
    course.build_learner_site(out, book, execute=False)
    return out


def site_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file()]


def test_learner_site_leaves_out_answer_keys_and_trainer_pages(learner_site):
    names = [str(p.relative_to(learner_site)) for p in site_files(learner_site)]
    assert not [n for n in names if "answer_keys" in n]
    assert not [n for n in names if "session_01" in n or "facilitation_notes" in n]
    assert not [n for n in names if "chapters/trainer/" in n or "facilitation_kit" in n]
    # the keys' own sentences, found nowhere else
    whys = [e["why"].encode() for key in KEYS.values() for e in key["exercise"]]
    for path in site_files(learner_site):
        blob = path.read_bytes()
        assert TRAINER_MARKER.encode() not in blob, path
        assert not [why for why in whys if why in blob], path
    html = learner_site / "_build" / "html"
    assert (html / "chapters" / "learner_guide.html").is_file()  # the other pages are built
    assert "Trainer notes" not in (html / "index.html").read_text(encoding="utf-8")


def page_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_learner_site_holds_no_answer(learner_site, chapter):
    html = learner_site / "_build" / "html"
    page = html / "chapters" / f"{chapter}.html"
    source = html / "_sources" / "chapters" / f"{chapter}.ipynb"
    downloads = [p for p in html.rglob(f"{chapter}.ipynb")]
    assert page.is_file() and source.is_file()
    for notebook in {source, *downloads}:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        assert leaks_in_notebook(nb, chapter) == [], notebook
    raw = page.read_text(encoding="utf-8")
    text = squash(page_text(page))
    for exercise in KEYS[chapter]["exercise"]:
        assert f'id="{exercise["label"]}"' in raw  # each exercise is on the page
        for expression in exercise.get("expressions", []):
            assert squash(expression) not in text, expression
    # each exercise's text on the page, from its anchor to the next, holds no number answer
    parts = re.split(r'<a id="(ex-[\w-]+)" class="implsupport-exercise"></a>', raw)
    regions = {parts[i]: page_text_of(parts[i + 1]) for i in range(1, len(parts) - 1, 2)}
    for exercise in KEYS[chapter]["exercise"]:
        region = regions[exercise["label"]].split("Reflection prompts")[0]
        for answer in answers_of(exercise):
            if isinstance(answer, int | float) and answer not in stated(exercise):
                for form in number_forms(answer, exercise.get("tolerance", 0)):
                    assert not re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", region), form


def page_text_of(fragment: str) -> str:
    fragment = re.sub(r"<script.*?</script>", " ", fragment, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_trainer_pages_are_recognised():
    assert course.is_trainer_page(ROOT / "chapters" / "trainer" / "x.md", ROOT)
    assert not course.is_trainer_page(ROOT / "chapters" / "trainer_guide.md", ROOT)
    assert not course.is_trainer_page(ROOT / "chapters" / "learner_guide.md", ROOT)


# ---- learner editions: solutions stripped, exercises kept -----------------------------------


def plant_markers(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """Put MARKER in every part of every solution and every trainer-check cell (sources and
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
def marked_book(tmp_path_factory) -> Path:
    nb, planted = plant_markers(nbformat.read(CHAPTER_PATH, as_version=4))
    assert planted >= 12  # three gated solutions, each with text and code
    return make_book(tmp_path_factory.mktemp("marked"), {CHAPTER: nb})


def test_learner_notebook_holds_no_solution_and_keeps_the_exercises(marked_book, tmp_path, capsys):
    source = (marked_book / "chapters" / f"{CHAPTER}.ipynb").read_text(encoding="utf-8")
    assert source.count(MARKER) >= 12  # the markers are there to be found
    out = tmp_path / "marked-handout"
    argv = ["course", "assign", CHAPTER, "--out", out, "--root", marked_book]
    assert run(capsys, *argv)[0] == 0
    assert files_with_marker(out) == []
    nb = json.loads((out / f"{CHAPTER}.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(nb)
    assert "solution-start" not in text and "solution-end" not in text
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert sum("".join(c["source"]).startswith("answer = None") for c in code_cells) == 3
    edition = nb["metadata"]["implsupport"]["learner_edition"]
    expected = hashlib.sha256((marked_book / "chapters" / f"{CHAPTER}.ipynb").read_bytes())
    assert edition["source_sha256"] == expected.hexdigest()


def test_learner_site_holds_no_solution_anywhere(marked_book, tmp_path):
    out = tmp_path / "learner-site"
    # not -W: chapter 01 links to chapters this one-chapter book leaves out
    html = course.build_learner_site(out, marked_book)
    page = (html / "chapters" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    download = html / "_sources" / "chapters" / f"{CHAPTER}.ipynb"
    assert "Counting competencies" in page and "Naming an outcome" in page
    assert f"_sources/chapters/{CHAPTER}.ipynb" in page  # the download button's file
    assert "Counting competencies" in download.read_text(encoding="utf-8")
    assert "mybinder" not in page and "colab.research" not in page
    # the self-checks ran in the build and, with no answer yet, ask for one
    assert 'class="self-check self-check-awaiting"' in page and "Not yet" not in page
    assert files_with_marker(out) == []
    assert not (out / "source" / "answer_keys").exists()


def test_learner_site_refuses_a_folder_in_use(tmp_path, capsys):
    used = tmp_path / "used"
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


def test_exercises_as_markdown():
    text = (
        "Intro.\n\n````{exercise} Sum\n:label: ex-sum\n:class: x\n\nWhat is **2 + 3**?\n````\n"
        "After.\n\n```{exercise}\nUnlabelled.\n```"
    )
    assert course.exercises_as_markdown(text) == (
        'Intro.\n\n<a id="ex-sum" class="implsupport-exercise"></a>**Exercise: Sum**\n\n'
        "What is **2 + 3**?\nAfter.\n\n**Exercise**\nUnlabelled."
    )


def test_assign_mistakes_exit_2_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "assign-bad"
    code, _, err = run(capsys, "course", "assign", "99_missing", "--out", out)
    assert code == 2 and "99_missing" in err and not out.exists()
    assert run(capsys, "course", "assign", CHAPTER, "--out", out)[0] == 0
    code, _, err = run(capsys, "course", "assign", CHAPTER, "--out", out)
    assert code == 2 and "refusing to overwrite" in err
