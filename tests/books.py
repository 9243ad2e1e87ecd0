"""A small copy of the book for tests that build sites or hand out chapters."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def make_book(dest: Path, notebooks: dict[str, nbformat.NotebookNode], keys=None) -> Path:
    """A small copy of the book holding only the given chapters (and their answer keys)."""
    (dest / "chapters").mkdir(parents=True)
    (dest / "answer_keys").mkdir()
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
        key = ROOT / "answer_keys" / f"{name}.toml"
        if key.is_file():
            shutil.copy2(key, dest / "answer_keys" / key.name)
    for name, text in (keys or {}).items():
        (dest / "answer_keys" / f"{name}.toml").write_text(text, encoding="utf-8")
    return dest
