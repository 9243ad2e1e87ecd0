"""Shared fixtures: paths of the repository and a scratch copy of its data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may damage without touching the real one."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


# ---- sharing the work between the test workers (pytest-xdist, --dist loadgroup) ------------

#: Work that takes longest starts first, so that neither worker waits for the other at the end:
#: a graded batch of submissions, the PDF and the learner site (each built once, so each module
#: is one group), then the chapters (each notebook runs in one kernel, so it is one group),
#: then the site's pages (a page's tests share one visit, see tests/website/surveys.py).
LONGEST_FIRST = (
    "tests/test_course.py",
    "tests/website/test_pdf.py",
    "tests/test_course_handouts.py",
    "chapters/",
    "tests/website/",
)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":  # nbval: a notebook's cells, in order, in one kernel
            item.add_marker(pytest.mark.xdist_group(f"notebook {item.path.name}"))

    def start(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
            len(LONGEST_FIRST),
        )

    items.sort(key=start)
