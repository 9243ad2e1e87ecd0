"""Repository hygiene: chapters saved executed, conventions kept, environment in step."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from implsupport import website

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
ALLOWED_CELL_METADATA = {"tags", "mystnb"}
ALLOWED_NOTEBOOK_METADATA = {"kernelspec", "language_info", "mystnb", "implsupport"}


def tracked_files() -> list[Path]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listing.split("\0") if name]


def test_there_are_chapters() -> None:
    assert NOTEBOOKS, "no chapter notebooks found in chapters/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_saved_executed_top_to_bottom(path: Path) -> None:
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: execution counts {counts}"
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{path.name}: a saved output is an error"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_stray_metadata(path: Path) -> None:
    nb = json.loads(path.read_text())
    assert set(nb["metadata"]) <= ALLOWED_NOTEBOOK_METADATA, sorted(nb["metadata"])
    for i, cell in enumerate(nb["cells"]):
        extra = set(cell.get("metadata", {})) - ALLOWED_CELL_METADATA
        assert not extra, f"{path.name} cell {i}: stray metadata {sorted(extra)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_are_glued_not_displayed_bare(path: Path) -> None:
    """A bare figure output would reach the page without alt text; glued ones get :alt:."""
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            images = [k for k in output.get("data", {}) if k.startswith("image/")]
            assert not images, f"{path.name} cell {i}: bare figure output; use glue_figure"
    text = path.read_text()
    for name in re.findall(r"glue:figure\}\s+([\w-]+)", text):
        block = text.split(f"glue:figure}} {name}", 1)[1][:2000]
        alt = re.search(r":alt: (.+?)\\n", block)
        assert alt and len(alt.group(1)) >= 40, f"{path.name}: figure {name} lacks real alt text"


def chapter_is_lesson(path: Path) -> bool:
    return "implsupport" in json.loads(path.read_text())["metadata"]


LESSONS = [p for p in NOTEBOOKS if chapter_is_lesson(p)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_chapter_follows_the_conventions(path: Path) -> None:
    nb = json.loads(path.read_text())
    meta = nb["metadata"]["implsupport"]
    assert meta["objectives"] and meta["reading_time_minutes"] > 0
    assert meta["competencies"] and all(1 <= c <= 15 for c in meta["competencies"])
    first = "".join(nb["cells"][0]["source"])
    opening = ("Learning objectives", "Competencies addressed", "Prerequisites", "Reading time")
    for heading in opening:
        assert heading in first, f"{path.name}: opening lacks {heading!r}"
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for heading in ("## Exercises", "## Reflection prompts", "## Key references"):
        assert heading in text, f"{path.name}: lacks a {heading!r} section"
    assert "{exercise}" in text and "solution-start" in text


def test_toc_and_chapters_agree() -> None:
    listed = website.toc_files(ROOT)
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), entry
    pages = {
        p.relative_to(ROOT).with_suffix("").as_posix()
        for p in (ROOT / "chapters").rglob("*")
        if p.suffix in {".md", ".ipynb"} and ".ipynb_checkpoints" not in p.parts
    }
    pages = {p for p in pages if not p.endswith("conftest") and not p.startswith("chapters/_")}
    assert pages <= set(listed), f"pages not in _toc.yml: {sorted(pages - set(listed))}"


def test_every_citation_key_exists() -> None:
    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))
    for path in [*NOTEBOOKS, *ROOT.glob("chapters/**/*.md"), ROOT / "intro.md"]:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", path.read_text()):
            for key in group.split(","):
                assert key.strip() in keys, f"{path.name}: unknown citation {key.strip()!r}"


def test_no_large_files() -> None:
    big = [p.name for p in tracked_files() if p.exists() and p.stat().st_size > 5 * 1024 * 1024]
    assert not big, f"files over 5 MB: {big}"


def test_no_absolute_paths_of_a_machine() -> None:
    homes = r"/home/\w|/root/|/Users/\w|[A-Z]:\\\\Users"
    pattern = re.compile(f"({homes}|{re.escape(str(ROOT))})")
    offenders = []
    for path in tracked_files():
        if path.suffix in {".png", ".pdf"} or not path.exists():
            continue
        text = path.read_text(errors="ignore")
        if path.name != "test_repository.py" and pattern.search(text):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert not offenders, f"absolute paths in {offenders}"


def test_environment_yml_installs_exactly_the_lock() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip_section == ["-r requirements.lock", "-e ."]
    conda = [d for d in deps if isinstance(d, str)]
    assert sorted(conda) == ["pip", "python=3.11"]
    lock = (ROOT / "requirements.lock").read_text()
    assert "--python-version 3.11" in lock


def test_lock_pins_every_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (ROOT / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, re.M))
    normalise = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    pinned = {normalise(name) for name in pins}
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    for requirement in declared:
        name = normalise(re.split(r"[<>=!~\[ ]", requirement)[0])
        assert name in pinned, f"{name} is declared in pyproject.toml but not pinned in the lock"
    jb = pins.get("jupyter-book", "")
    assert jb.startswith("1."), f"Jupyter Book must stay on 1.x, lock has {jb}"


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)]) or {}


def test_trainer_pages_are_marked_and_kept_apart() -> None:
    """Trainer-only pages live in chapters/trainer/ and say so in their front matter, so that
    the learner edition can leave them out by either sign; no other page claims to be one."""
    trainer = sorted((ROOT / "chapters" / "trainer").glob("*.md"))
    assert trainer, "no trainer pages in chapters/trainer/"
    for path in trainer:
        assert _front_matter(path).get("audience") == "trainer", f"{path.name}: no audience"
    others = [p for p in (ROOT / "chapters").rglob("*.md") if "trainer" not in p.parts]
    for path in others:
        assert _front_matter(path).get("audience") != "trainer", f"{path}: outside trainer/"


def test_each_session_plan_links_its_chapter() -> None:
    plans = sorted((ROOT / "chapters" / "trainer").glob("*_session.md"))
    assert plans
    for path in plans:
        chapter = path.name.removesuffix("_session.md")
        assert (ROOT / "chapters" / f"{chapter}.ipynb").exists(), f"{path.name}: no chapter"
        assert f"{{doc}}`../{chapter}`" in path.read_text(encoding="utf-8"), path.name
