"""Run chapter notebooks top to bottom in a fresh kernel and save them with their outputs.

Usage: python tools/execute_notebook.py chapters/NAME.ipynb [...]

The saved notebook has execution counts 1..n, no timing or widget metadata and the standard
``python3`` kernelspec, which is what nbval and the repository tests expect.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KEEP_NOTEBOOK_METADATA = {"kernelspec", "language_info", "mystnb", "implsupport"}
KEEP_CELL_METADATA = {"tags", "mystnb"}


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}
        cell.pop("id", None)
    nb.nbformat, nb.nbformat_minor = 4, 4
    nbformat.write(nb, path)
    print(f"executed and saved {path}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tools/execute_notebook.py chapters/NAME.ipynb [...]")
    for arg in sys.argv[1:]:
        execute(Path(arg))
