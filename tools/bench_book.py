"""Time the book's set-up, builds and checks in a scratch clone, and print the medians.

Usage: python tools/bench_book.py [--runs N]

Measured, each as the median of N runs (default 3) in a fresh clone of HEAD:
  set-up       `make setup` from no .venv (pip's download cache is left warm)
  full build   `make book` from no _build folder, so every chapter is executed
  no change    `make book` again with nothing changed (should execute no chapter)
  incremental  `make book` after editing one code cell of one chapter
  make test    the whole check suite
For the builds it also prints how many notebooks were executed, read from myst-nb's log.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed, result.stdout + result.stderr


def executed(log: str) -> int:
    """Notebooks myst-nb executed during one build (cache misses)."""
    return len(re.findall(r"Executing notebook using", log))


def edit_one_chapter(clone: Path, run_number: int) -> str:
    """Append a harmless comment to the first code cell of the first chapter notebook."""
    import nbformat

    path = sorted((clone / "chapters").glob("*.ipynb"))[0]
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source += f"\n# benchmark edit {run_number}"
    nbformat.write(nb, path)
    return path.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "book"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        make = ["make", "--no-print-directory"]
        timings: dict[str, list[float]] = {}
        counts: dict[str, list[int]] = {}

        def record(label: str, seconds: float, log: str | None = None) -> None:
            timings.setdefault(label, []).append(seconds)
            if log is not None:
                counts.setdefault(label, []).append(executed(log))
            print(f"  {label:<12} run {len(timings[label])}: {seconds:7.1f} s", flush=True)

        for _ in range(args.runs):
            shutil.rmtree(clone / ".venv", ignore_errors=True)
            record("set-up", run([*make, "setup"], clone)[0])
        for i in range(args.runs):
            shutil.rmtree(clone / "_build", ignore_errors=True)
            record("full build", *run([*make, "book"], clone))
            record("no change", *run([*make, "book"], clone))
            name = edit_one_chapter(clone, i)
            record("incremental", *run([*make, "book"], clone))
            subprocess.run(["git", "checkout", "-q", "--", "chapters"], cwd=clone, check=True)
        for _ in range(args.runs):
            record("make test", run([*make, "test"], clone)[0])

    chapters = len(list((ROOT / "chapters").glob("*.ipynb")))
    print(f"\nMedians of {args.runs} runs ({chapters} chapter notebooks; edited: {name}):")
    for label, values in timings.items():
        line = f"  {label:<12} {statistics.median(values):7.1f} s"
        if label in counts:
            line += f"   notebooks executed: {statistics.median(counts[label]):.0f}"
        print(line)
    full, incr = statistics.median(timings["full build"]), statistics.median(timings["incremental"])
    print(f"  incremental rebuild / full build = {incr / full:.2f}")


if __name__ == "__main__":
    main()
